/* conf: the fleet: section (the instance's name, the etcd endpoints and credentials, the quorum). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conf_int.h"
#include "gslb/fleet.h"

#define LEASE_TTL_MIN_S 2
#define LEASE_TTL_MAX_S 300
#define GRACE_MAX_MS 86400000
#define TIMEOUT_MIN_MS 50
#define TIMEOUT_MAX_MS 60000
#define PASSWORD_MAX 1024
#define PREFIX_MAX 256

static const char *const fleet_keys[] = {
    "instance", "endpoints", "prefix",   "quorum",      "lease_ttl_s", "grace_ms",
    "timeout_ms", "username", "password_file", "tls_ca_file", "tls_cert_file", "tls_key_file",
    NULL,
};

/* The first line of path, without its line end: etcd passwords may hold spaces. */
static char *password_read(conf_cx_t *cx, const conf_val_t *v, const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        char eb[128];
        int err = errno;
        conf_error(cx, v->pos, "fleet: password_file '%s': cannot read (%s)", path,
                   strerror_r(err, eb, sizeof(eb)));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
        conf_warning(cx, v->pos,
                     "fleet: password_file '%s': readable by other users (mode %03o); chmod 600 it",
                     path, (unsigned)(st.st_mode & 0777));
    }
    char buf[PASSWORD_MAX + 2];
    char *line = fgets(buf, sizeof(buf), f);
    fclose(f);
    size_t len = line != NULL ? strlen(line) : 0;
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r')) {
        buf[--len] = '\0';
    }
    if (len == 0 || len > PASSWORD_MAX) {
        conf_error(cx, v->pos,
                   "fleet: password_file '%s': the password on its first line must be 1..%d "
                   "bytes (got %zu)",
                   path, PASSWORD_MAX, len);
        return NULL;
    }
    char *pw = xstrndup(buf, len);
    explicit_bzero(buf, sizeof(buf));
    return pw;
}

/* A path key, resolved against the configuration's directory; NULL when absent. */
static char *path_key(conf_cx_t *cx, const conf_val_t *v, const char *key)
{
    conf_val_t kv;
    if (!conf_get(cx, v, key, &kv) || conf_val_is_null(&kv)) {
        return NULL;
    }
    char what[64];
    snprintf(what, sizeof(what), "fleet: %s", key);
    char *path = conf_val_str(cx, &kv, what, 1, PATH_MAX);
    if (path == NULL) {
        return NULL;
    }
    char *resolved = conf_path_resolve(cx->c->dir, path);
    free(path);
    return resolved;
}

static void endpoints_parse(conf_cx_t *cx, fleet_def_t *d, const conf_val_t *v)
{
    if (!conf_val_is_list(cx, v, "fleet: endpoints")) {
        return;
    }
    size_t n = fy_node_sequence_item_count(v->node);
    if (n == 0 || n > FLEET_ENDPOINTS_MAX) {
        conf_error(cx, v->pos, "fleet: endpoints must list 1..%d etcd client URLs (got %zu)",
                   FLEET_ENDPOINTS_MAX, n);
        return;
    }
    d->endpoints = xcalloc(n, sizeof(char *));
    void *iter = NULL;
    struct fy_node *item;
    while ((item = fy_node_sequence_iterate(v->node, &iter)) != NULL) {
        conf_val_t iv = conf_item_val(cx, item, v->pos);
        char *url = conf_val_str(cx, &iv, "fleet: endpoints entry", 1, 256);
        if (url == NULL) {
            continue;
        }
        const char *why = fleet_endpoint_problem(url);
        if (why != NULL) {
            conf_error(cx, iv.pos, "fleet: endpoint '%s': %s", url, why);
            free(url);
            continue;
        }
        d->endpoints[d->endpoint_count++] = url;
    }
}

static void numbers_parse(conf_cx_t *cx, fleet_def_t *d, const conf_val_t *v)
{
    conf_val_t kv;
    long long n;
    d->lease_ttl_s = FLEET_DEFAULT_LEASE_TTL_S;
    if (conf_get(cx, v, "lease_ttl_s", &kv) &&
        conf_val_int(cx, &kv, "fleet: lease_ttl_s", LEASE_TTL_MIN_S, LEASE_TTL_MAX_S, &n)) {
        d->lease_ttl_s = (unsigned)n;
    }
    d->grace_ms = FLEET_DEFAULT_GRACE_MS;
    if (conf_get(cx, v, "grace_ms", &kv) &&
        conf_val_int(cx, &kv, "fleet: grace_ms", 0, GRACE_MAX_MS, &n)) {
        d->grace_ms = (unsigned)n;
    }
    d->timeout_ms = FLEET_DEFAULT_TIMEOUT_MS;
    if (conf_get(cx, v, "timeout_ms", &kv) &&
        conf_val_int(cx, &kv, "fleet: timeout_ms", TIMEOUT_MIN_MS, TIMEOUT_MAX_MS, &n)) {
        d->timeout_ms = (unsigned)n;
    }
}

void conf_fleet_parse(conf_cx_t *cx, const conf_val_t *v)
{
    conf_fleet_t *cf = &cx->c->fleet;
    fleet_def_t *d = &cf->def;
    cf->pos.file = cx->c->path;
    if (v == NULL) {
        return;
    }
    cf->pos = v->pos;
    if (!conf_val_is_map(cx, v, "fleet")) {
        return;
    }
    d->is_enabled = true;
    conf_keys_check(cx, v, fleet_keys, "fleet");
    conf_val_t kv;
    if (!conf_get(cx, v, "instance", &kv)) {
        conf_error(cx, v->pos, "fleet: needs an instance name, unique in the fleet");
    } else {
        d->instance = conf_val_str(cx, &kv, "fleet: instance", 1, CONF_NAME_MAX);
        if (d->instance != NULL && !conf_name_is_valid(d->instance)) {
            conf_error(cx, kv.pos,
                       "fleet: instance '%s': use 1..%d of A-Z a-z 0-9 _ . -", d->instance,
                       CONF_NAME_MAX);
        }
    }
    if (!conf_get(cx, v, "endpoints", &kv)) {
        conf_error(cx, v->pos, "fleet: needs endpoints (etcd client URLs)");
    } else {
        endpoints_parse(cx, d, &kv);
    }
    d->prefix = xstrdup(FLEET_DEFAULT_PREFIX);
    if (conf_get(cx, v, "prefix", &kv)) {
        char *p = conf_val_str(cx, &kv, "fleet: prefix", 2, PREFIX_MAX);
        if (p != NULL && (p[0] != '/' || p[strlen(p) - 1] != '/')) {
            conf_error(cx, kv.pos, "fleet: prefix must start and end with '/' (got '%s')", p);
        }
        if (p != NULL) {
            free(d->prefix);
            d->prefix = p;
        }
    }
    d->quorum = (fleet_quorum_t){FLEET_QUORUM_MAJORITY, 0};
    if (conf_get(cx, v, "quorum", &kv) && conf_val_is_scalar(cx, &kv, "fleet: quorum")) {
        size_t len;
        const char *text = conf_val_text(&kv, &len);
        char q[CONF_QUOTE_MAX + 4];
        if (fleet_quorum_parse(text, &d->quorum) != 0) {
            conf_error(cx, kv.pos, "fleet: quorum must be majority, all, any or 1..1000 (got '%s')",
                       conf_quote(text, len, q, sizeof(q)));
        }
    }
    numbers_parse(cx, d, v);
    if (conf_get(cx, v, "username", &kv)) {
        d->username = conf_val_str(cx, &kv, "fleet: username", 1, 256);
    }
    char *pw_path = path_key(cx, v, "password_file");
    if (pw_path != NULL) {
        conf_get(cx, v, "password_file", &kv);
        d->password = password_read(cx, &kv, pw_path);
        free(pw_path);
    }
    if ((d->username != NULL) != (d->password != NULL || conf_get(cx, v, "password_file", &kv))) {
        conf_error(cx, v->pos, "fleet: give username and password_file together");
    }
    d->tls_ca_file = path_key(cx, v, "tls_ca_file");
    d->tls_cert_file = path_key(cx, v, "tls_cert_file");
    d->tls_key_file = path_key(cx, v, "tls_key_file");
    if ((d->tls_cert_file != NULL) != (d->tls_key_file != NULL)) {
        conf_error(cx, v->pos, "fleet: give tls_cert_file and tls_key_file together");
    }
}
