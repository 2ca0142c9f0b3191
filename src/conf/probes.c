/* conf: the probes: section (how resources' health is checked). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf_int.h"

#define PROBE_INTERVAL_MAX_MS 3600000u /* an hour */
#define PROBE_TIMEOUT_MAX_MS 60000u
#define PROBE_THRESHOLD_MAX 100

static const char *const probe_keys[] = {
    "type", "port", "interval_ms", "timeout_ms", "up_threshold", "down_threshold", "initial",
    "path", "host", "expect", "body", "tls_verify", "ca_file", "qname", "qtype", "rcode",
    "command", "file", "load", NULL,
};

static const struct {
    const char *name;
    uint16_t value;
} qtypes[] = {{"A", 1}, {"NS", 2}, {"CNAME", 5}, {"SOA", 6}, {"PTR", 12}, {"MX", 15},
              {"TXT", 16}, {"AAAA", 28}, {"SRV", 33}, {"CAA", 257}};

static const char *const rcode_names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                                          "NOTIMP", "REFUSED", NULL};

int conf_probe_find(const conf_t *c, const char *name)
{
    for (size_t i = 0; i < c->probe_count; i++) {
        if (strcmp(c->probes[i].name, name) == 0) {
            return (int)i;
        }
    }
    return -1;
}

/* A scalar that must be one of names[]; returns the index or -1 (reported). */
static int keyword_parse(conf_cx_t *cx, const conf_val_t *v, const char *what,
                         const char *const *names, bool nocase)
{
    if (!conf_val_is_scalar(cx, v, what)) {
        return -1;
    }
    size_t len, n = 0;
    const char *text = conf_val_text(v, &len);
    for (; names[n] != NULL; n++) {
        if ((nocase ? strcasecmp(text, names[n]) : strcmp(text, names[n])) == 0) {
            return (int)n;
        }
    }
    char q[CONF_QUOTE_MAX + 4], list[256] = "";
    for (size_t i = 0; i < n; i++) {
        strncat(list, names[i], sizeof(list) - strlen(list) - 3);
        strncat(list, i + 1 < n ? ", " : "", sizeof(list) - strlen(list) - 1);
    }
    const char *hint = conf_suggest(text, names, n);
    conf_error(cx, v->pos, "%s must be one of %s (got '%s')%s%s%s", what, list,
               conf_quote(text, len, q, sizeof(q)), hint ? " (did you mean '" : "",
               hint ? hint : "", hint ? "'?)" : "");
    return -1;
}

static unsigned uint_key(conf_cx_t *cx, const conf_val_t *pv, const char *key, const char *ctx,
                         long long min, long long max, unsigned dflt)
{
    conf_val_t v;
    long long x;
    char what[CONF_QUOTE_MAX + 64];
    snprintf(what, sizeof(what), "%s: %s", ctx, key);
    if (conf_get(cx, pv, key, &v) && conf_val_int(cx, &v, what, min, max, &x)) {
        return (unsigned)x;
    }
    return dflt;
}

static char *str_key(conf_cx_t *cx, const conf_val_t *pv, const char *key, const char *ctx,
                     size_t max_len)
{
    conf_val_t v;
    char what[CONF_QUOTE_MAX + 64];
    snprintf(what, sizeof(what), "%s: %s", ctx, key);
    if (!conf_get(cx, pv, key, &v) || conf_val_is_null(&v)) {
        return NULL;
    }
    return conf_val_str(cx, &v, what, 1, max_len);
}

static void expect_parse(conf_cx_t *cx, health_probe_def_t *p, const conf_val_t *v,
                         const char *ctx)
{
    char what[CONF_QUOTE_MAX + 64];
    snprintf(what, sizeof(what), "%s: expect", ctx);
    if (fy_node_get_type(v->node) != FYNT_SEQUENCE) {
        p->http_status = xcalloc(1, sizeof(*p->http_status));
        long long x;
        if (conf_val_int(cx, v, what, 100, 599, &x)) {
            p->http_status[p->http_status_count++] = (uint16_t)x;
        }
        return;
    }
    size_t n = (size_t)fy_node_sequence_item_count(v->node);
    p->http_status = xcalloc(n ? n : 1, sizeof(*p->http_status));
    void *iter = NULL;
    struct fy_node *item;
    while ((item = fy_node_sequence_iterate(v->node, &iter)) != NULL) {
        conf_val_t iv = conf_item_val(cx, item, v->pos);
        long long x;
        if (conf_val_int(cx, &iv, what, 100, 599, &x)) {
            p->http_status[p->http_status_count++] = (uint16_t)x;
        }
    }
}

static void command_parse(conf_cx_t *cx, health_probe_def_t *p, const conf_val_t *v,
                          const char *ctx)
{
    char what[CONF_QUOTE_MAX + 64];
    snprintf(what, sizeof(what), "%s: command", ctx);
    if (!conf_val_is_list(cx, v, what)) {
        return;
    }
    size_t n = (size_t)fy_node_sequence_item_count(v->node);
    if (n == 0) {
        conf_error(cx, v->pos, "%s must not be empty", what);
        return;
    }
    p->exec_argv = xcalloc(n + 1, sizeof(*p->exec_argv));
    size_t k = 0;
    void *iter = NULL;
    struct fy_node *item;
    while ((item = fy_node_sequence_iterate(v->node, &iter)) != NULL) {
        conf_val_t iv = conf_item_val(cx, item, v->pos);
        char *arg = conf_val_str(cx, &iv, what, 0, 4096);
        if (arg != NULL) {
            p->exec_argv[k++] = arg;
        }
    }
    if (k > 0 && p->exec_argv[0][0] != '/') {
        conf_error(cx, v->pos, "%s: the program must be an absolute path (got '%s')", ctx,
                   p->exec_argv[0]);
    }
}

/* A name as conf_dname_normalize returns it ("example.com.", no escapes) in
 * wire form: each dot becomes the length of the label after it. */
static uint8_t *qname_wire(const char *name)
{
    size_t len = strlen(name);
    uint8_t *out = xmalloc(len + 1);
    size_t at = 0; /* where the current label's length octet goes */
    for (size_t i = 0; i < len; i++) {
        if (name[i] == '.') {
            out[at] = (uint8_t)(i - at);
            at = i + 1;
        } else {
            out[i + 1] = (uint8_t)name[i];
        }
    }
    out[len] = 0;
    return out;
}

static void dns_parse(conf_cx_t *cx, health_probe_def_t *p, const conf_val_t *pv,
                      const char *ctx)
{
    char what[CONF_QUOTE_MAX + 64];
    conf_val_t v;
    p->dns_qtype = 6; /* SOA */
    char *qname = str_key(cx, pv, "qname", ctx, 1024);
    char *norm = NULL;
    if (qname != NULL) {
        const char *why = conf_dname_normalize(qname, true, &norm);
        if (why != NULL) {
            conf_get(cx, pv, "qname", &v);
            conf_error(cx, v.pos, "%s: qname '%s' is not a valid DNS name (%s)", ctx, qname, why);
        }
        free(qname);
    }
    /* Without a qname the zone root is asked, as a plain liveness check. */
    p->dns_qname = norm != NULL ? qname_wire(norm) : xcalloc(1, 1);
    free(norm);
    if (conf_get(cx, pv, "qtype", &v)) {
        snprintf(what, sizeof(what), "%s: qtype", ctx);
        const char *names[GSLB_ARRAY_LEN(qtypes) + 1];
        for (size_t i = 0; i < GSLB_ARRAY_LEN(qtypes); i++) {
            names[i] = qtypes[i].name;
        }
        names[GSLB_ARRAY_LEN(qtypes)] = NULL;
        int k = keyword_parse(cx, &v, what, names, true);
        if (k >= 0) {
            p->dns_qtype = qtypes[k].value;
        }
    }
    if (conf_get(cx, pv, "rcode", &v)) {
        snprintf(what, sizeof(what), "%s: rcode", ctx);
        int k = keyword_parse(cx, &v, what, rcode_names, true);
        if (k >= 0) {
            p->dns_rcode = (uint8_t)k;
        }
    }
}

/* "load": the word text (the first number of a plain-text body) or an
 * RFC 6901 JSON pointer to a number of a JSON body ("" = the whole body). */
static void load_parse(conf_cx_t *cx, health_probe_def_t *p, const conf_val_t *v,
                       const char *ctx)
{
    char what[CONF_QUOTE_MAX + 64], q[CONF_QUOTE_MAX + 4];
    snprintf(what, sizeof(what), "%s: load", ctx);
    char *text = conf_val_str(cx, v, what, 0, 1024);
    if (text == NULL) {
        return;
    }
    if (strcmp(text, "text") == 0) {
        p->load_format = HEALTH_LOAD_TEXT;
        free(text);
        return;
    }
    if (text[0] != '\0' && text[0] != '/') {
        conf_error(cx, v->pos,
                   "%s must be text or a JSON pointer (\"\" or starting with '/') (got '%s')",
                   what, conf_quote(text, strlen(text), q, sizeof(q)));
        free(text);
        return;
    }
    const char *why = health_load_pointer_problem(text);
    if (why != NULL) {
        conf_error(cx, v->pos, "%s: invalid JSON pointer: %s (got '%s')", what, why,
                   conf_quote(text, strlen(text), q, sizeof(q)));
        free(text);
        return;
    }
    p->load_format = HEALTH_LOAD_JSON;
    p->load_pointer = text;
}

/* Keys that only make sense for some types: an error elsewhere catches typos early. */
static void type_keys_check(conf_cx_t *cx, const conf_probe_t *p, const conf_val_t *pv,
                            const char *ctx)
{
    static const struct {
        const char *key;
        unsigned types; /* bit per health_probe_type_t */
    } only[] = {
        {"path", 1u << HEALTH_PROBE_HTTP | 1u << HEALTH_PROBE_HTTPS},
        {"host", 1u << HEALTH_PROBE_HTTP | 1u << HEALTH_PROBE_HTTPS},
        {"expect", 1u << HEALTH_PROBE_HTTP | 1u << HEALTH_PROBE_HTTPS},
        {"body", 1u << HEALTH_PROBE_HTTP | 1u << HEALTH_PROBE_HTTPS},
        {"load", 1u << HEALTH_PROBE_HTTP | 1u << HEALTH_PROBE_HTTPS},
        {"tls_verify", 1u << HEALTH_PROBE_HTTPS},
        {"ca_file", 1u << HEALTH_PROBE_HTTPS},
        {"qname", 1u << HEALTH_PROBE_DNS},
        {"qtype", 1u << HEALTH_PROBE_DNS},
        {"rcode", 1u << HEALTH_PROBE_DNS},
        {"command", 1u << HEALTH_PROBE_EXEC},
        {"file", 1u << HEALTH_PROBE_FILE},
        {"port", 1u << HEALTH_PROBE_TCP | 1u << HEALTH_PROBE_HTTP | 1u << HEALTH_PROBE_HTTPS |
                     1u << HEALTH_PROBE_DNS},
    };
    for (size_t i = 0; i < GSLB_ARRAY_LEN(only); i++) {
        conf_val_t v;
        if (conf_get(cx, pv, only[i].key, &v) && !(only[i].types & (1u << p->def.type))) {
            conf_error(cx, v.pos, "%s: '%s' does not apply to type %s", ctx, only[i].key,
                       health_probe_type_name(p->def.type));
        }
    }
}

static void probe_parse(conf_cx_t *cx, conf_probe_t *p, const conf_val_t *pv)
{
    char ctx[CONF_QUOTE_MAX + 16], q[CONF_QUOTE_MAX + 4], what[CONF_QUOTE_MAX + 64];
    snprintf(ctx, sizeof(ctx), "probe '%s'", conf_quote(p->name, strlen(p->name), q, sizeof(q)));
    health_probe_def_t *d = &p->def;
    d->interval_ms = CONF_DEFAULT_PROBE_INTERVAL_MS;
    d->timeout_ms = CONF_DEFAULT_PROBE_TIMEOUT_MS;
    d->up_threshold = CONF_DEFAULT_UP_THRESHOLD;
    d->down_threshold = CONF_DEFAULT_DOWN_THRESHOLD;
    d->is_initially_up = true;
    d->tls_verify = true;
    if (!conf_val_is_map(cx, pv, ctx)) {
        return;
    }
    conf_keys_check(cx, pv, probe_keys, ctx);
    conf_val_t v;
    if (!conf_get(cx, pv, "type", &v)) {
        conf_error(cx, p->pos, "%s: missing required key 'type'", ctx);
        return;
    }
    snprintf(what, sizeof(what), "%s: type", ctx);
    const char *type_names[HEALTH_PROBE_TYPE_COUNT + 1];
    for (unsigned i = 0; i < HEALTH_PROBE_TYPE_COUNT; i++) {
        type_names[i] = health_probe_type_name((health_probe_type_t)i);
    }
    type_names[HEALTH_PROBE_TYPE_COUNT] = NULL;
    int t = keyword_parse(cx, &v, what, type_names, false);
    if (t < 0) {
        return;
    }
    d->type = (health_probe_type_t)t;
    type_keys_check(cx, p, pv, ctx);
    d->port = (uint16_t)uint_key(cx, pv, "port", ctx, 1, 65535, 0);
    if (d->type == HEALTH_PROBE_TCP && d->port == 0) {
        conf_error(cx, p->pos, "%s: type tcp needs a port", ctx);
    }
    d->interval_ms = uint_key(cx, pv, "interval_ms", ctx, 100, PROBE_INTERVAL_MAX_MS,
                              d->interval_ms);
    d->timeout_ms = uint_key(cx, pv, "timeout_ms", ctx, 10, PROBE_TIMEOUT_MAX_MS, d->timeout_ms);
    if (d->timeout_ms >= d->interval_ms) {
        conf_val_t tv = {.pos = p->pos};
        conf_get(cx, pv, "timeout_ms", &tv);
        conf_error(cx, tv.pos, "%s: timeout_ms must be below interval_ms (%u ms) (got %u)", ctx,
                   d->interval_ms, d->timeout_ms);
    }
    d->up_threshold = uint_key(cx, pv, "up_threshold", ctx, 1, PROBE_THRESHOLD_MAX,
                               d->up_threshold);
    d->down_threshold = uint_key(cx, pv, "down_threshold", ctx, 1, PROBE_THRESHOLD_MAX,
                                 d->down_threshold);
    if (conf_get(cx, pv, "initial", &v)) {
        static const char *const initial[] = {"down", "up", NULL};
        snprintf(what, sizeof(what), "%s: initial", ctx);
        int k = keyword_parse(cx, &v, what, initial, false);
        d->is_initially_up = k != 0;
    }
    d->http_path = str_key(cx, pv, "path", ctx, 2048);
    if (d->http_path != NULL && d->http_path[0] != '/') {
        conf_get(cx, pv, "path", &v);
        conf_error(cx, v.pos, "%s: path must start with '/' (got '%s')", ctx, d->http_path);
    }
    d->http_host = str_key(cx, pv, "host", ctx, 255);
    d->http_body = str_key(cx, pv, "body", ctx, 4096);
    if (conf_get(cx, pv, "expect", &v)) {
        expect_parse(cx, d, &v, ctx);
    }
    if (conf_get(cx, pv, "load", &v) &&
        (d->type == HEALTH_PROBE_HTTP || d->type == HEALTH_PROBE_HTTPS)) {
        load_parse(cx, d, &v, ctx);
    }
    if (conf_get(cx, pv, "tls_verify", &v)) {
        snprintf(what, sizeof(what), "%s: tls_verify", ctx);
        conf_val_bool(cx, &v, what, &d->tls_verify);
    }
    char *ca = str_key(cx, pv, "ca_file", ctx, 4096);
    if (ca != NULL) {
        d->tls_ca_file = conf_path_resolve(cx->c->dir, ca);
        free(ca);
    }
    if (d->type == HEALTH_PROBE_DNS) {
        dns_parse(cx, d, pv, ctx);
    }
    if (conf_get(cx, pv, "command", &v)) {
        command_parse(cx, d, &v, ctx);
    } else if (d->type == HEALTH_PROBE_EXEC) {
        conf_error(cx, p->pos, "%s: type exec needs a command", ctx);
    }
    char *file = str_key(cx, pv, "file", ctx, 4096);
    if (file != NULL) {
        d->file_path = conf_path_resolve(cx->c->dir, file);
        free(file);
    } else if (d->type == HEALTH_PROBE_FILE) {
        conf_error(cx, p->pos, "%s: type file needs a file", ctx);
    }
}

void conf_probes_parse(conf_cx_t *cx, const conf_val_t *v)
{
    conf_t *c = cx->c;
    if (conf_val_is_null(v) || !conf_val_is_map(cx, v, "probes")) {
        return;
    }
    size_t n = (size_t)fy_node_mapping_item_count(v->node);
    c->probes = xcalloc(n ? n : 1, sizeof(*c->probes));
    void *iter = NULL;
    struct fy_node_pair *p;
    while ((p = fy_node_mapping_iterate(v->node, &iter)) != NULL) {
        const char *name = conf_pair_key(cx, p, "probes");
        if (name == NULL || conf_probe_find(c, name) >= 0) {
            continue; /* duplicates are reported by conf_dups_check */
        }
        conf_pos_t pos = conf_node_pos(cx, fy_node_pair_key(p), v->pos);
        if (!conf_name_is_valid(name)) {
            char q[CONF_QUOTE_MAX + 4];
            conf_error(cx, pos, "probe '%s': name must be 1..%d of the characters A-Z a-z 0-9 _ . -",
                       conf_quote(name, strlen(name), q, sizeof(q)), CONF_NAME_MAX);
        }
        conf_probe_t *pr = &c->probes[c->probe_count++];
        pr->name = xstrdup(name);
        pr->pos = pos;
        conf_val_t pv = conf_pair_val(cx, p);
        probe_parse(cx, pr, &pv);
    }
}

/* A reference "probe: NAME" from a data center or an address; -1 if absent
 * or unknown (reported with a suggestion). */
int conf_probe_ref_parse(conf_cx_t *cx, const conf_val_t *v, const char *ctx)
{
    const conf_t *c = cx->c;
    char what[CONF_QUOTE_MAX + 64];
    snprintf(what, sizeof(what), "%s: probe", ctx);
    if (!conf_val_is_scalar(cx, v, what)) {
        return -1;
    }
    size_t len;
    const char *name = conf_val_text(v, &len);
    int k = conf_probe_find(c, name);
    if (k >= 0) {
        return k;
    }
    const char **names = xcalloc(c->probe_count + 1, sizeof(*names));
    for (size_t i = 0; i < c->probe_count; i++) {
        names[i] = c->probes[i].name;
    }
    const char *hint = conf_suggest(name, names, c->probe_count);
    char q[CONF_QUOTE_MAX + 4];
    conf_error(cx, v->pos, "%s: unknown probe '%s'%s%s%s", ctx, conf_quote(name, len, q, sizeof(q)),
               hint ? " (did you mean '" : "", hint ? hint : "", hint ? "'?)" : "");
    free(names);
    return -1;
}

void conf_probe_clear(conf_probe_t *p)
{
    free(p->name);
    health_probe_def_clear(&p->def);
}
