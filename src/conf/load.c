/* conf: reads the YAML document, turns libfyaml's errors into diagnostics and runs the sections. */
#include "gslb/conf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfyaml.h>

#include "conf_int.h"

/* Text that libfyaml writes outside of its collected errors (e.g. an
 * unsupported %YAML version); kept so that such a failure is not silent. */
typedef struct fy_capture {
    char *text;
    size_t len;
} fy_capture_t;

static void msg_add(conf_cx_t *cx, diag_severity_t sev, conf_pos_t pos, const char *fmt,
                    va_list ap) __attribute__((format(printf, 4, 0)));

static void msg_add(conf_cx_t *cx, diag_severity_t sev, conf_pos_t pos, const char *fmt,
                    va_list ap)
{
    char text[1024];
    vsnprintf(text, sizeof(text), fmt, ap);
    if (cx->msg_count == cx->msg_cap) {
        cx->msg_cap = cx->msg_cap ? cx->msg_cap * 2 : 16;
        cx->msgs = xrealloc(cx->msgs, cx->msg_cap * sizeof(*cx->msgs));
    }
    conf_msg_t *m = &cx->msgs[cx->msg_count];
    m->pos = pos;
    m->sev = sev;
    m->seq = cx->msg_count;
    m->text = xstrdup(text);
    cx->msg_count++;
    if (sev == DIAG_ERROR) {
        cx->error_count++;
    }
}

void conf_error(conf_cx_t *cx, conf_pos_t pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    msg_add(cx, DIAG_ERROR, pos, fmt, ap);
    va_end(ap);
}

void conf_warning(conf_cx_t *cx, conf_pos_t pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    msg_add(cx, DIAG_WARNING, pos, fmt, ap);
    va_end(ap);
}

static int msg_cmp(const void *a, const void *b)
{
    const conf_msg_t *x = a, *y = b;
    if (x->pos.line != y->pos.line) {
        return x->pos.line < y->pos.line ? -1 : 1;
    }
    if (x->pos.col != y->pos.col) {
        return x->pos.col < y->pos.col ? -1 : 1;
    }
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Hand the collected messages to diag in file order and release them. */
static void msgs_flush(conf_cx_t *cx, gslb_diag_t *diag)
{
    if (cx->msg_count > 1) {
        qsort(cx->msgs, cx->msg_count, sizeof(*cx->msgs), msg_cmp);
    }
    for (size_t i = 0; i < cx->msg_count; i++) {
        const conf_msg_t *m = &cx->msgs[i];
        gslb_diag_report(diag, m->sev, cx->c->path, m->pos.line, m->pos.col, "%s", m->text);
        free(m->text);
    }
    free(cx->msgs);
    cx->msgs = NULL;
    cx->msg_count = cx->msg_cap = 0;
}

static void fy_output(struct fy_diag *d, void *user, const char *buf, size_t len)
{
    (void)d;
    fy_capture_t *cap = user;
    cap->text = xrealloc(cap->text, cap->len + len + 1);
    memcpy(cap->text + cap->len, buf, len);
    cap->len += len;
    cap->text[cap->len] = '\0';
}

/* Report libfyaml's collected errors; returns how many there were. Their
 * line and column are already 1-based. */
static size_t yaml_errors_report(struct fy_diag *fdiag, const char *name, gslb_diag_t *diag)
{
    size_t n = 0;
    void *iter = NULL;
    struct fy_diag_error *e;
    while ((e = fy_diag_errors_iterate(fdiag, &iter)) != NULL) {
        if (e->type < FYET_ERROR) {
            continue;
        }
        gslb_diag_report(diag, DIAG_ERROR, name, e->line > 0 ? (unsigned)e->line : 0,
                         e->column > 0 ? (unsigned)e->column : 0, "%s", e->msg);
        n++;
    }
    return n;
}

/* Report text libfyaml printed instead of collecting, one diagnostic per line. */
static size_t yaml_output_report(const fy_capture_t *cap, const char *name, gslb_diag_t *diag)
{
    size_t n = 0;
    const char *s = cap->text;
    while (s != NULL && *s != '\0') {
        const char *nl = strchr(s, '\n');
        size_t len = nl ? (size_t)(nl - s) : strlen(s);
        if (len > 0) {
            gslb_diag_report(diag, DIAG_ERROR, name, 0, 0, "%.*s", (int)len, s);
            n++;
        }
        s = nl ? nl + 1 : NULL;
    }
    return n;
}

static const char *const top_keys[] = {
    "server", "zones",    "geoip",          "control",  "probes", "datacenters",
    "maps",   "services", "latency_tables", "steering", "rate_limit", "cookies",
    "fleet", NULL,
};

/* Walk the document. Sections are read in dependency order (data centers
 * before the maps and services that name them), not in file order. */
static void document_parse(conf_cx_t *cx, struct fy_node *root)
{
    conf_pos_t top = {.file = cx->c->path, .line = 1, .col = 1};
    conf_val_t rv = {.node = root, .pos = conf_node_pos(cx, root, top)};
    if (root == NULL || conf_val_is_null(&rv)) {
        conf_error(cx, top, "configuration is empty (expected a mapping with zones and "
                            "datacenters)");
        return;
    }
    if (!conf_val_is_map(cx, &rv, "the top level")) {
        return;
    }
    conf_keys_check(cx, &rv, top_keys, "the top level");

    conf_val_t v;
    conf_server_parse(cx, conf_get(cx, &rv, "server", &v) ? &v : NULL);
    if (conf_get(cx, &rv, "zones", &v)) {
        conf_zones_parse(cx, &v);
    } else {
        conf_error(cx, rv.pos, "missing required key 'zones'");
    }
    conf_geoip_parse(cx, conf_get(cx, &rv, "geoip", &v) ? &v : NULL);
    conf_control_parse(cx, conf_get(cx, &rv, "control", &v) ? &v : NULL);
    if (conf_get(cx, &rv, "probes", &v)) {
        conf_probes_parse(cx, &v);
    }
    if (conf_get(cx, &rv, "datacenters", &v)) {
        conf_datacenters_parse(cx, &v);
    } else {
        conf_error(cx, rv.pos, "missing required key 'datacenters'");
    }
    if (conf_get(cx, &rv, "maps", &v)) {
        conf_maps_parse(cx, &v);
    }
    conf_steering_parse(cx, conf_get(cx, &rv, "steering", &v) ? &v : NULL);
    conf_rate_limit_parse(cx, conf_get(cx, &rv, "rate_limit", &v) ? &v : NULL);
    conf_cookies_parse(cx, conf_get(cx, &rv, "cookies", &v) ? &v : NULL);
    conf_fleet_parse(cx, conf_get(cx, &rv, "fleet", &v) ? &v : NULL);
    if (conf_get(cx, &rv, "latency_tables", &v)) {
        conf_latency_tables_parse(cx, &v);
    }
    if (conf_get(cx, &rv, "services", &v)) {
        conf_services_parse(cx, &v);
    }
    conf_steering_check(cx);
}

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL) {
        return xstrdup(".");
    }
    if (slash == path) {
        return xstrdup("/");
    }
    return xstrndup(path, (size_t)(slash - path));
}

/* One parse of the input, with libfyaml's messages kept away from stderr. */
typedef struct yaml_doc {
    struct fy_diag *fdiag;
    struct fy_parser *fyp;
    struct fy_document *fyd;
    struct fy_document *extra; /* a second document, which is an error */
    fy_capture_t cap;
} yaml_doc_t;

static void yaml_close(yaml_doc_t *y)
{
    if (y->extra != NULL) {
        fy_parse_document_destroy(y->fyp, y->extra);
    }
    if (y->fyd != NULL) {
        fy_parse_document_destroy(y->fyp, y->fyd);
    }
    if (y->fyp != NULL) {
        fy_parser_destroy(y->fyp);
    }
    if (y->fdiag != NULL) {
        fy_diag_destroy(y->fdiag);
    }
    free(y->cap.text);
    memset(y, 0, sizeof(*y));
}

/* Parse yaml with the given extra flags. Returns 0 with y->fyd set (NULL
 * for an empty stream), or -1 after reporting libfyaml's errors to diag. */
static int yaml_open(yaml_doc_t *y, const char *yaml, size_t len, enum fy_parse_cfg_flags flags,
                     const char *name, gslb_diag_t *diag)
{
    memset(y, 0, sizeof(*y));
    struct fy_diag_cfg dcfg;
    fy_diag_cfg_default(&dcfg);
    dcfg.fp = NULL;
    dcfg.output_fn = fy_output;
    dcfg.user = &y->cap;
    dcfg.level = FYET_ERROR;
    dcfg.colorize = false;
    dcfg.show_source = false;
    dcfg.show_position = false;
    dcfg.show_type = false;
    dcfg.show_module = false;
    y->fdiag = fy_diag_create(&dcfg);
    if (y->fdiag == NULL) {
        gslb_diag_report(diag, DIAG_ERROR, name, 0, 0, "cannot set up the YAML parser");
        return -1;
    }
    fy_diag_set_collect_errors(y->fdiag, true);
    struct fy_parse_cfg pcfg = {
        .flags = FYPCF_QUIET | FYPCF_DEFAULT_VERSION_AUTO | FYPCF_JSON_NONE | flags,
        .diag = y->fdiag,
    };
    y->fyp = fy_parser_create(&pcfg);
    if (y->fyp == NULL || fy_parser_set_string(y->fyp, yaml, len) != 0) {
        gslb_diag_report(diag, DIAG_ERROR, name, 0, 0, "cannot set up the YAML parser");
        return -1;
    }
    y->fyd = fy_parse_load_document(y->fyp);
    if (y->fyd != NULL) {
        y->extra = fy_parse_load_document(y->fyp);
    }
    size_t errors = yaml_errors_report(y->fdiag, name, diag);
    if (y->fyd == NULL && errors == 0) {
        errors = yaml_output_report(&y->cap, name, diag);
    }
    return errors > 0 ? -1 : 0;
}

/* Parse len bytes of YAML (which must stay valid during the call) under
 * name; dir is taken over.
 *
 * Two parses: the first keeps duplicate keys and merge keys as written, so
 * that every duplicate can be reported at once; the second resolves aliases
 * and merges ("<<") with libfyaml's own rules, which need duplicates off so
 * that a mapping's own keys override merged ones. */
static int load_buffer(const char *name, char *dir, const char *yaml, size_t len,
                       gslb_diag_t *diag, conf_t **out);

/* The guard's child: the YAML library's two parses of the real load, and
 * nothing else (no user or file lookups, which a forked child of a threaded
 * process should not make). */
static int parse_only(const char *yaml, size_t len)
{
    gslb_diag_t *d = gslb_diag_new(false);
    yaml_doc_t y;
    int rc = yaml_open(&y, yaml, len, FYPCF_ALLOW_DUPLICATE_KEYS, "child", d);
    yaml_close(&y);
    if (rc == 0) {
        rc = yaml_open(&y, yaml, len, FYPCF_RESOLVE_DOCUMENT, "child", d);
        yaml_close(&y);
    }
    gslb_diag_free(d);
    return rc;
}

/* load_buffer, behind the parse guard. */
static int load_guarded(const char *name, char *dir, const char *yaml, size_t len,
                        gslb_diag_t *diag, conf_t **out)
{
    *out = NULL;
    int rc = conf_parse_guard(name, yaml, len, parse_only, diag);
    if (rc != 0) {
        free(dir);
        return rc;
    }
    return load_buffer(name, dir, yaml, len, diag, out);
}

static int load_buffer(const char *name, char *dir, const char *yaml, size_t len,
                       gslb_diag_t *diag, conf_t **out)
{
    int rc = -GSLB_ECONF;
    conf_t *c = xcalloc(1, sizeof(*c));
    c->path = xstrdup(name);
    c->dir = dir;
    c->geoip.pos.file = c->path;
    conf_cx_t cx = {.c = c};
    yaml_doc_t raw, resolved;
    memset(&resolved, 0, sizeof(resolved));
    struct fy_node *root = NULL;
    bool is_checked = false;

    if (yaml_open(&raw, yaml, len, FYPCF_ALLOW_DUPLICATE_KEYS, name, diag) != 0) {
        goto out;
    }
    if (raw.extra != NULL) {
        conf_pos_t none = {.file = c->path};
        conf_error(&cx, conf_node_pos(&cx, fy_document_root(raw.extra), none),
                   "only one YAML document is allowed");
    }
    bool has_aliases = false;
    if (raw.fyd != NULL && conf_dups_check(&cx, fy_document_root(raw.fyd), &has_aliases) > 0) {
        /* libfyaml will not resolve a document with duplicate keys. Without
         * aliases there is nothing to resolve, so check the rest as written
         * (the first of each duplicate counts); with them, the duplicates
         * are all this run can report. */
        if (has_aliases) {
            goto out;
        }
        root = fy_document_root(raw.fyd);
    } else if (raw.fyd != NULL) {
        if (yaml_open(&resolved, yaml, len, FYPCF_RESOLVE_DOCUMENT, name, diag) != 0) {
            goto out;
        }
        root = resolved.fyd != NULL ? fy_document_root(resolved.fyd) : NULL;
    }
    document_parse(&cx, root);
    is_checked = true;

out:
    if (is_checked && cx.error_count == 0) {
        *out = c;
        c = NULL;
        rc = 0;
    }
    msgs_flush(&cx, diag);
    yaml_close(&resolved);
    yaml_close(&raw);
    conf_free(c);
    return rc;
}

/* Read a whole file; returns 0 or an errno value. */
static int file_read(const char *path, char **out, size_t *lenp)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return errno;
    }
    size_t cap = 4096, len = 0;
    char *buf = xmalloc(cap);
    int err = 0;
    for (;;) {
        if (len + 1 >= cap) {
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
        size_t n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
        if (n == 0) {
            if (ferror(f)) {
                err = errno ? errno : EIO;
            }
            break;
        }
    }
    fclose(f);
    if (err != 0) {
        free(buf);
        return err;
    }
    buf[len] = '\0';
    *out = buf;
    *lenp = len;
    return 0;
}

int conf_load(const char *path, gslb_diag_t *diag, conf_t **out)
{
    *out = NULL;
    char *buf = NULL;
    size_t len = 0;
    errno = 0;
    int err = file_read(path, &buf, &len);
    if (err != 0) {
        char ebuf[128];
        gslb_diag_report(diag, DIAG_ERROR, path, 0, 0, "cannot read (%s)",
                         strerror_r(err, ebuf, sizeof(ebuf)));
        return -GSLB_EIO;
    }
    int rc = load_guarded(path, dir_of(path), buf, len, diag, out);
    free(buf);
    return rc;
}

int conf_load_string(const char *name, const char *yaml, gslb_diag_t *diag, conf_t **out)
{
    *out = NULL;
    return load_guarded(name, xstrdup("."), yaml, strlen(yaml), diag, out);
}
