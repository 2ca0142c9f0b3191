/* snapshot: rate limiting and cookies prepared for the query path — the limits, the tree of
 * exempt networks, and the shared cookie secrets read from their file. */
#include "snapshot_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void rrl_prepare(snapshot_t *s, gslb_diag_t *diag)
{
    const conf_rate_limit_t *r = &s->conf->rate_limit;
    s->rrl.is_enabled = r->is_enabled;
    for (int c = 0; c < RRL_CLASS_COUNT; c++) {
        s->rrl.rate[c] = r->rate[c];
    }
    s->rrl.window_s = r->window_s;
    s->rrl.slip = r->slip;
    s->rrl.prefix_v4 = r->prefix_v4;
    s->rrl.prefix_v6 = r->prefix_v6;
    s->is_rrl_cookie_exempt = r->is_cookie_exempt;
    if (!r->is_enabled || r->exempt_count == 0) {
        return;
    }
    static const uint32_t exempt_mark = 0;
    geo_tree_net_t *nets = xcalloc(r->exempt_count, sizeof(*nets));
    for (size_t i = 0; i < r->exempt_count; i++) {
        nets[i].family = r->exempt[i].net.family;
        memcpy(nets[i].net, r->exempt[i].net.addr, sizeof(nets[i].net));
        nets[i].bits = r->exempt[i].prefix_bits;
        nets[i].dcs = &exempt_mark;
        nets[i].dc_count = 1;
    }
    if (geo_tree_from_nets(&s->rrl_exempt, nets, r->exempt_count) != 0) {
        gslb_diag_report(diag, DIAG_ERROR, r->pos.file, r->pos.line, r->pos.col,
                         "rate_limit: exempt: too many networks to compile");
    }
    free(nets);
}

/* The secret file: the current secret on its first line, optionally the previous one on the
 * second, each 32 hexadecimal digits; blank lines and '#' comments are skipped. */
static void secret_file_read(snapshot_t *s, gslb_diag_t *diag)
{
    const conf_cookies_t *k = &s->conf->cookies;
    const conf_pos_t *pos = &k->secret_file_pos;
    FILE *f = fopen(k->secret_file, "r");
    if (f == NULL) {
        char eb[128];
        int err = errno;
        gslb_diag_report(diag, DIAG_ERROR, pos->file, pos->line, pos->col,
                         "cookies: secret_file '%s': cannot read (%s)", k->secret_file,
                         strerror_r(err, eb, sizeof(eb)));
        return;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        gslb_diag_report(diag, DIAG_WARNING, pos->file, pos->line, pos->col,
                         "cookies: secret_file '%s': readable by other users (mode %03o); "
                         "chmod 600 it",
                         k->secret_file, (unsigned)(st.st_mode & 0777));
    }
    char line[256];
    unsigned lineno = 0, found = 0;
    bool is_bad = false;
    while (fgets(line, sizeof(line), f) != NULL && !is_bad) {
        lineno++;
        size_t len = strlen(line);
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r' ||
                           line[len - 1] == ' ' || line[len - 1] == '\t')) {
            line[--len] = '\0';
        }
        size_t skip = strspn(line, " \t");
        if (line[skip] == '\0' || line[skip] == '#') {
            continue;
        }
        uint8_t *dst = found == 0 ? s->cookie_secrets.current : s->cookie_secrets.previous;
        if (found >= 2 || cookie_secret_parse(line + skip, len - skip, dst) != 0) {
            gslb_diag_report(diag, DIAG_ERROR, k->secret_file, lineno, (unsigned)skip + 1,
                             found >= 2 ? "cookies: at most two secrets (current, previous)"
                                        : "cookies: a secret is 32 hexadecimal digits");
            is_bad = true;
        }
        found++;
    }
    fclose(f);
    if (!is_bad && found == 0) {
        gslb_diag_report(diag, DIAG_ERROR, k->secret_file, 1, 1,
                         "cookies: no secret in the file (32 hexadecimal digits)");
    }
    s->has_cookie_secret = !is_bad && found > 0;
    s->cookie_secrets.has_previous = s->has_cookie_secret && found == 2;
}

void snapshot_limits_prepare(snapshot_t *s, gslb_diag_t *diag)
{
    rrl_prepare(s, diag);
    s->has_cookies = s->conf->cookies.is_enabled;
    if (s->has_cookies && s->conf->cookies.secret_file != NULL) {
        secret_file_read(s, diag);
    }
}
