/* conf: the server: section (listeners, limits, identity) and the zones: list. */
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_int.h"

#define SERVER_WORKERS_MAX 256
#define SERVER_EDNS_MIN 512  /* RFC 6891 section 6.2.5: below 512 is treated as 512 */
#define SERVER_EDNS_MAX 4096 /* larger payloads fragment on common paths */
#define SERVER_NSID_MAX 128
#define SERVER_TXT_MAX 255 /* one TXT character-string (RFC 1035 section 3.3) */
#define SERVER_TCP_IDLE_MIN_MS 100
#define SERVER_TCP_IDLE_MAX_MS 600000
#define SERVER_TCP_CONNS_MAX 1000000

static const char *const server_keys[] = {
    "listen",   "workers",             "edns_payload",        "nsid",      "version",
    "identity", "tcp_idle_timeout_ms", "tcp_max_connections", "log_level", "user",
    "tcp_max_connections_per_prefix", "tcp_max_queries_per_connection", "signature_cache",
    NULL,
};

static const char *const zone_keys[] = {"file", "origin", "dnssec", NULL};

/* Loopback on both families: safe to start with, never open to the world by accident. */
static void listen_defaults(conf_cx_t *cx)
{
    static const char *const defaults[] = {"127.0.0.1", "::1"};
    conf_server_t *s = &cx->c->server;
    s->listen = xcalloc(GSLB_ARRAY_LEN(defaults), sizeof(*s->listen));
    for (size_t i = 0; i < GSLB_ARRAY_LEN(defaults); i++) {
        conf_listen_parse(defaults[i], &s->listen[i]);
        s->listen[i].pos.file = cx->c->path;
    }
    s->listen_count = GSLB_ARRAY_LEN(defaults);
}

static void listen_one(conf_cx_t *cx, const conf_val_t *v)
{
    conf_server_t *s = &cx->c->server;
    char *text = conf_val_str(cx, v, "server: listen", 1, 256);
    if (text == NULL) {
        return;
    }
    conf_listen_t *l = &s->listen[s->listen_count];
    const char *why = conf_listen_parse(text, l);
    if (why != NULL) {
        conf_error(cx, v->pos, "server: listen '%s': %s", text, why);
        free(text);
        return;
    }
    l->pos = v->pos;
    for (size_t i = 0; i < s->listen_count; i++) {
        if (s->listen[i].sa_len == l->sa_len && memcmp(&s->listen[i].sa, &l->sa, l->sa_len) == 0) {
            conf_error(cx, v->pos, "server: listen '%s' is given twice (first at line %u)", text,
                       s->listen[i].pos.line);
            free(text);
            return;
        }
    }
    s->listen_count++;
    free(text);
}

/* listen: one string or a list of them. */
static void listen_parse(conf_cx_t *cx, const conf_val_t *v)
{
    conf_server_t *s = &cx->c->server;
    if (!conf_val_is_null(v) && fy_node_get_type(v->node) == FYNT_SEQUENCE) {
        size_t n = (size_t)fy_node_sequence_item_count(v->node);
        if (n == 0) {
            conf_error(cx, v->pos, "server: listen must not be empty");
            return;
        }
        s->listen = xcalloc(n, sizeof(*s->listen));
        void *iter = NULL;
        struct fy_node *item;
        while ((item = fy_node_sequence_iterate(v->node, &iter)) != NULL) {
            conf_val_t iv = conf_item_val(cx, item, v->pos);
            listen_one(cx, &iv);
        }
        return;
    }
    if (!conf_val_is_null(v) && fy_node_get_type(v->node) == FYNT_MAPPING) {
        conf_error(cx, v->pos, "server: listen must be an address or a list of addresses "
                               "(got a mapping)");
        return;
    }
    s->listen = xcalloc(1, sizeof(*s->listen));
    listen_one(cx, v);
}

/* An optional string: null or absent leaves *out NULL. */
static void opt_str(conf_cx_t *cx, const conf_val_t *map, const char *key, size_t max_len,
                    char **out)
{
    conf_val_t v;
    if (!conf_get(cx, map, key, &v) || conf_val_is_null(&v)) {
        return;
    }
    char what[64];
    snprintf(what, sizeof(what), "server: %s", key);
    *out = conf_val_str(cx, &v, what, 1, max_len);
}

static void opt_uint(conf_cx_t *cx, const conf_val_t *map, const char *key, long long min,
                     long long max, unsigned *out)
{
    conf_val_t v;
    long long x;
    char what[64];
    snprintf(what, sizeof(what), "server: %s", key);
    if (conf_get(cx, map, key, &v) && conf_val_int(cx, &v, what, min, max, &x)) {
        *out = (unsigned)x;
    }
}

void conf_server_parse(conf_cx_t *cx, const conf_val_t *v)
{
    conf_server_t *s = &cx->c->server;
    s->workers = 0;
    s->edns_payload = CONF_DEFAULT_EDNS_PAYLOAD;
    s->tcp_idle_timeout_ms = CONF_DEFAULT_TCP_IDLE_MS;
    s->tcp_max_connections = CONF_DEFAULT_TCP_MAX_CONNS;
    s->tcp_max_connections_per_prefix = CONF_DEFAULT_TCP_MAX_CONNS_PER_PREFIX;
    s->log_level = LOG_LEVEL_INFO;
    s->signature_cache = CONF_DEFAULT_SIGNATURE_CACHE;
    if (v == NULL || conf_val_is_null(v) || !conf_val_is_map(cx, v, "server")) {
        listen_defaults(cx);
        return;
    }
    conf_keys_check(cx, v, server_keys, "server");

    conf_val_t lv;
    if (conf_get(cx, v, "listen", &lv)) {
        listen_parse(cx, &lv);
    } else {
        listen_defaults(cx);
    }
    opt_uint(cx, v, "workers", 0, SERVER_WORKERS_MAX, &s->workers);
    unsigned payload = s->edns_payload;
    opt_uint(cx, v, "edns_payload", SERVER_EDNS_MIN, SERVER_EDNS_MAX, &payload);
    s->edns_payload = (uint16_t)payload;
    opt_str(cx, v, "nsid", SERVER_NSID_MAX, &s->nsid);
    opt_str(cx, v, "version", SERVER_TXT_MAX, &s->version);
    opt_str(cx, v, "identity", SERVER_TXT_MAX, &s->identity);
    opt_uint(cx, v, "tcp_idle_timeout_ms", SERVER_TCP_IDLE_MIN_MS, SERVER_TCP_IDLE_MAX_MS,
             &s->tcp_idle_timeout_ms);
    opt_uint(cx, v, "tcp_max_connections", 1, SERVER_TCP_CONNS_MAX, &s->tcp_max_connections);
    opt_uint(cx, v, "tcp_max_connections_per_prefix", 0, SERVER_TCP_CONNS_MAX,
             &s->tcp_max_connections_per_prefix);
    opt_uint(cx, v, "tcp_max_queries_per_connection", 0, 1000000000,
             &s->tcp_max_queries_per_connection);
    opt_uint(cx, v, "signature_cache", 64, 1u << 24, &s->signature_cache);

    conf_val_t uv;
    if (conf_get(cx, v, "user", &uv) && !conf_val_is_null(&uv)) {
        s->user = conf_val_str(cx, &uv, "server: user", 1, 255);
        s->user_pos = uv.pos;
        if (s->user != NULL && getpwnam(s->user) == NULL) {
            char q[CONF_QUOTE_MAX + 4];
            conf_error(cx, uv.pos, "server: user '%s' does not exist",
                       conf_quote(s->user, strlen(s->user), q, sizeof(q)));
        }
    }

    conf_val_t ll;
    if (conf_get(cx, v, "log_level", &ll) && conf_val_is_scalar(cx, &ll, "server: log_level")) {
        const char *text = conf_val_text(&ll, NULL);
        if (log_level_parse(text, &s->log_level) != 0) {
            char q[CONF_QUOTE_MAX + 4];
            conf_error(cx, ll.pos,
                       "server: log_level must be error, warning, info or debug (got '%s')",
                       conf_quote(text, strlen(text), q, sizeof(q)));
        }
    }
}

/* One zones: entry: "file" or {file: ..., origin: ...}. */
static void zone_parse(conf_cx_t *cx, const conf_val_t *v)
{
    conf_t *c = cx->c;
    conf_zone_t *z = &c->zones[c->zone_count];
    char *file = NULL;
    char *origin = NULL;
    if (!conf_val_is_null(v) && fy_node_get_type(v->node) == FYNT_MAPPING) {
        conf_keys_check(cx, v, zone_keys, "zone");
        conf_val_t fv, ov;
        if (conf_get(cx, v, "file", &fv)) {
            file = conf_val_str(cx, &fv, "zone: file", 1, PATH_MAX);
        } else {
            conf_error(cx, v->pos, "zone: missing required key 'file'");
        }
        if (conf_get(cx, v, "origin", &ov) && !conf_val_is_null(&ov)) {
            char *text = conf_val_str(cx, &ov, "zone: origin", 1, 1024);
            const char *why = text != NULL ? conf_dname_normalize(text, true, &origin) : NULL;
            if (why != NULL) {
                conf_error(cx, ov.pos, "zone: origin '%s' is not a valid DNS name (%s)", text, why);
            }
            free(text);
        }
        conf_val_t dv;
        if (conf_get(cx, v, "dnssec", &dv) && !conf_val_is_null(&dv)) {
            conf_dnssec_parse(cx, &z->dnssec, &dv);
        }
    } else if (conf_val_is_null(v) || fy_node_get_type(v->node) == FYNT_SCALAR) {
        file = conf_val_str(cx, v, "zone: file", 1, PATH_MAX);
    } else {
        char d[CONF_QUOTE_MAX + 8];
        conf_error(cx, v->pos, "zones: each entry must be a file name or a mapping (got %s)",
                   conf_val_describe(v, d, sizeof(d)));
    }
    if (file == NULL) {
        free(origin);
        conf_dnssec_clear(&z->dnssec);
        return;
    }
    z->file = conf_path_resolve(c->dir, file);
    z->origin = origin;
    z->pos = v->pos;
    for (size_t i = 0; i < c->zone_count; i++) {
        if (strcmp(c->zones[i].file, z->file) == 0) {
            conf_error(cx, v->pos, "zone file '%s' is listed twice (first at line %u)", file,
                       c->zones[i].pos.line);
        } else if (origin != NULL && c->zones[i].origin != NULL &&
                   strcmp(c->zones[i].origin, origin) == 0) {
            conf_error(cx, v->pos, "zone origin '%s' is listed twice (first at line %u)", origin,
                       c->zones[i].pos.line);
        }
    }
    c->zone_count++;
    free(file);
}

void conf_zones_parse(conf_cx_t *cx, const conf_val_t *v)
{
    if (!conf_val_is_list(cx, v, "zones")) {
        return;
    }
    size_t n = (size_t)fy_node_sequence_item_count(v->node);
    if (n == 0) {
        conf_error(cx, v->pos, "zones must list at least one zone file");
        return;
    }
    cx->c->zones = xcalloc(n, sizeof(*cx->c->zones));
    void *iter = NULL;
    struct fy_node *item;
    while ((item = fy_node_sequence_iterate(v->node, &iter)) != NULL) {
        conf_val_t iv = conf_item_val(cx, item, v->pos);
        zone_parse(cx, &iv);
    }
}
