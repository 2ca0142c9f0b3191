/* util: collects config and zone diagnostics in "file:line:col: severity: message" form. */
#include "gslb/util.h"

#include <stdio.h>
#include <stdlib.h>

struct gslb_diag {
    char **msgs;
    diag_severity_t *sevs;
    size_t n, cap;
    size_t errors;
    bool echo;
};

gslb_diag_t *gslb_diag_new(bool echo)
{
    gslb_diag_t *d = xcalloc(1, sizeof(*d));
    d->echo = echo;
    return d;
}

void gslb_diag_free(gslb_diag_t *d)
{
    if (d == NULL) {
        return;
    }
    for (size_t i = 0; i < d->n; i++) {
        free(d->msgs[i]);
    }
    free(d->msgs);
    free(d->sevs);
    free(d);
}

void gslb_diag_vreport(gslb_diag_t *d, diag_severity_t sev, const char *file, unsigned line,
                       unsigned col, const char *fmt, va_list ap)
{
    char text[1024];
    vsnprintf(text, sizeof(text), fmt, ap);
    char pos[64] = "";
    if (line > 0 && col > 0) {
        snprintf(pos, sizeof(pos), ":%u:%u", line, col);
    } else if (line > 0) {
        snprintf(pos, sizeof(pos), ":%u", line);
    }
    char *msg = xasprintf("%s%s: %s: %s", file ? file : "gslbd", pos,
                          sev == DIAG_ERROR ? "error" : "warning", text);
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 8;
        d->msgs = xrealloc(d->msgs, d->cap * sizeof(*d->msgs));
        d->sevs = xrealloc(d->sevs, d->cap * sizeof(*d->sevs));
    }
    d->msgs[d->n] = msg;
    d->sevs[d->n] = sev;
    d->n++;
    if (sev == DIAG_ERROR) {
        d->errors++;
    }
    if (d->echo) {
        fprintf(stderr, "%s\n", msg);
    }
}

void gslb_diag_report(gslb_diag_t *d, diag_severity_t sev, const char *file, unsigned line,
                      unsigned col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    gslb_diag_vreport(d, sev, file, line, col, fmt, ap);
    va_end(ap);
}

size_t gslb_diag_errors(const gslb_diag_t *d)
{
    return d->errors;
}

size_t gslb_diag_count(const gslb_diag_t *d)
{
    return d->n;
}

const char *gslb_diag_message(const gslb_diag_t *d, size_t i)
{
    return i < d->n ? d->msgs[i] : NULL;
}

void gslb_diag_log(const gslb_diag_t *d)
{
    for (size_t i = 0; i < d->n; i++) {
        log_msg(d->sevs[i] == DIAG_ERROR ? LOG_LEVEL_ERR : LOG_LEVEL_WARN, "%s", d->msgs[i]);
    }
}
