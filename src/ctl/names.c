/* ctl: stable metrics buckets by name, and the small text buffer the metrics are written to. */
#include "ctl_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ctl_names_init(ctl_names_t *n, size_t max)
{
    memset(n, 0, sizeof(*n));
    n->max = max <= GSLB_ARRAY_LEN(n->names) ? max : GSLB_ARRAY_LEN(n->names);
    n->names[0] = xstrdup("other");
    n->count = 1;
}

void ctl_names_free(ctl_names_t *n)
{
    for (size_t i = 0; i < n->count; i++) {
        free(n->names[i]);
    }
    n->count = 0;
}

uint16_t ctl_names_id(ctl_names_t *n, const char *name)
{
    for (size_t i = 1; i < n->count; i++) {
        if (strcmp(n->names[i], name) == 0) {
            return (uint16_t)i;
        }
    }
    if (n->count >= n->max) {
        return 0; /* out of buckets: counted as "other" */
    }
    n->names[n->count] = xstrdup(name);
    return (uint16_t)n->count++;
}

void ctl_buf_printf(ctl_buf_t *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = b->cap - b->len;
        int n = vsnprintf(b->data != NULL ? b->data + b->len : NULL, room, fmt, ap);
        va_end(ap);
        if (n < 0) {
            return;
        }
        if ((size_t)n < room) {
            b->len += (size_t)n;
            return;
        }
        b->cap = b->cap * 2 + (size_t)n + 256;
        b->data = xrealloc(b->data, b->cap);
    }
}

void ctl_buf_label(ctl_buf_t *b, const char *s)
{
    for (; *s != '\0'; s++) {
        switch (*s) {
        case '\\': ctl_buf_printf(b, "\\\\"); break;
        case '"': ctl_buf_printf(b, "\\\""); break;
        case '\n': ctl_buf_printf(b, "\\n"); break;
        default: ctl_buf_printf(b, "%c", *s); break;
        }
    }
}

void ctl_buf_free(ctl_buf_t *b)
{
    free(b->data);
    memset(b, 0, sizeof(*b));
}
