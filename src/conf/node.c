/* conf: typed access to YAML nodes with positions, and the checks shared by every section. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf_int.h"

conf_pos_t conf_node_pos(const conf_cx_t *cx, struct fy_node *n, conf_pos_t fallback)
{
    if (n == NULL) {
        return fallback;
    }
    void *iter = NULL;
    switch (fy_node_get_type(n)) {
    case FYNT_SCALAR: {
        struct fy_token *tok = fy_node_get_scalar_token(n);
        const struct fy_mark *m = tok != NULL ? fy_token_start_mark(tok) : NULL;
        if (m == NULL || m->line < 0 || m->column < 0) {
            return fallback;
        }
        conf_pos_t p = {.file = cx->c->path, .line = (unsigned)m->line + 1,
                        .col = (unsigned)m->column + 1};
        /* libfyaml marks a quoted scalar after its opening quote; point at
         * the quote, where the value starts for the reader. */
        enum fy_node_style st = fy_node_get_style(n);
        if ((st == FYNS_SINGLE_QUOTED || st == FYNS_DOUBLE_QUOTED) && p.col > 1) {
            p.col--;
        }
        return p;
    }
    case FYNT_MAPPING: {
        struct fy_node_pair *p = fy_node_mapping_iterate(n, &iter);
        return p != NULL ? conf_node_pos(cx, fy_node_pair_key(p), fallback) : fallback;
    }
    case FYNT_SEQUENCE:
        return conf_node_pos(cx, fy_node_sequence_iterate(n, &iter), fallback);
    }
    return fallback;
}

conf_val_t conf_pair_val(const conf_cx_t *cx, struct fy_node_pair *p)
{
    conf_pos_t none = {.file = cx->c->path};
    conf_pos_t key_pos = conf_node_pos(cx, fy_node_pair_key(p), none);
    struct fy_node *v = fy_node_pair_value(p);
    conf_val_t out = {.node = v, .pos = key_pos};
    if (v != NULL && fy_node_get_type(v) == FYNT_SCALAR) {
        out.pos = conf_node_pos(cx, v, key_pos);
    }
    return out;
}

conf_val_t conf_item_val(const conf_cx_t *cx, struct fy_node *item, conf_pos_t fallback)
{
    conf_val_t out = {.node = item, .pos = conf_node_pos(cx, item, fallback)};
    return out;
}

const char *conf_pair_key(conf_cx_t *cx, struct fy_node_pair *p, const char *ctx)
{
    struct fy_node *k = fy_node_pair_key(p);
    if (k == NULL || fy_node_get_type(k) != FYNT_SCALAR) {
        conf_error(cx, conf_node_pos(cx, k, conf_pair_val(cx, p).pos),
                   "keys in %s must be strings", ctx);
        return NULL;
    }
    const char *s = fy_node_get_scalar0(k);
    return s != NULL ? s : "";
}

void conf_keys_check(conf_cx_t *cx, const conf_val_t *map, const char *const *known,
                     const char *ctx)
{
    size_t n_known = 0;
    while (known[n_known] != NULL) {
        n_known++;
    }
    void *iter = NULL;
    struct fy_node_pair *p;
    while ((p = fy_node_mapping_iterate(map->node, &iter)) != NULL) {
        const char *key = conf_pair_key(cx, p, ctx);
        if (key == NULL) {
            continue;
        }
        conf_pos_t pos = conf_node_pos(cx, fy_node_pair_key(p), map->pos);
        bool is_known = false;
        for (size_t i = 0; i < n_known && !is_known; i++) {
            is_known = strcmp(key, known[i]) == 0;
        }
        /* "<<" is a merge key left by an unresolved document. */
        if (!is_known && strcmp(key, "<<") != 0) {
            char q[CONF_QUOTE_MAX + 4];
            const char *hint = conf_suggest(key, known, n_known);
            if (hint != NULL) {
                conf_error(cx, pos, "unknown key '%s' in %s (did you mean '%s'?)",
                           conf_quote(key, strlen(key), q, sizeof(q)), ctx, hint);
            } else {
                conf_error(cx, pos, "unknown key '%s' in %s",
                           conf_quote(key, strlen(key), q, sizeof(q)), ctx);
            }
        }
    }
}

bool conf_get(const conf_cx_t *cx, const conf_val_t *map, const char *key, conf_val_t *out)
{
    void *iter = NULL;
    struct fy_node_pair *p;
    while ((p = fy_node_mapping_iterate(map->node, &iter)) != NULL) {
        struct fy_node *k = fy_node_pair_key(p);
        if (k != NULL && fy_node_get_type(k) == FYNT_SCALAR &&
            strcmp(fy_node_get_scalar0(k), key) == 0) {
            *out = conf_pair_val(cx, p);
            return true;
        }
    }
    return false;
}

bool conf_val_is_null(const conf_val_t *v)
{
    if (v->node == NULL) {
        return true;
    }
    if (fy_node_get_type(v->node) != FYNT_SCALAR || fy_node_get_style(v->node) != FYNS_PLAIN) {
        return false;
    }
    /* YAML 1.2 core schema nulls. */
    const char *s = fy_node_get_scalar0(v->node);
    return s == NULL || strcmp(s, "") == 0 || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
           strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

const char *conf_val_text(const conf_val_t *v, size_t *len)
{
    if (len != NULL) {
        *len = 0;
    }
    if (v->node == NULL) {
        return "";
    }
    if (fy_node_get_type(v->node) != FYNT_SCALAR) {
        return NULL;
    }
    const char *s = fy_node_get_scalar0(v->node);
    if (s == NULL) {
        s = "";
    }
    if (len != NULL) {
        *len = strlen(s);
    }
    return s;
}

const char *conf_quote(const char *text, size_t len, char *buf, size_t size)
{
    size_t max = CONF_QUOTE_MAX < size - 4 ? CONF_QUOTE_MAX : size - 4;
    if (len <= max) {
        snprintf(buf, size, "%.*s", (int)len, text);
    } else {
        snprintf(buf, size, "%.*s...", (int)max, text);
    }
    return buf;
}

const char *conf_val_describe(const conf_val_t *v, char *buf, size_t size)
{
    if (conf_val_is_null(v)) {
        return "null";
    }
    switch (fy_node_get_type(v->node)) {
    case FYNT_MAPPING:
        return "a mapping";
    case FYNT_SEQUENCE:
        return "a list";
    case FYNT_SCALAR:
        break;
    }
    size_t len;
    const char *s = conf_val_text(v, &len);
    char q[CONF_QUOTE_MAX + 4];
    snprintf(buf, size, "'%s'", conf_quote(s, len, q, sizeof(q)));
    return buf;
}

static bool expect_type(conf_cx_t *cx, const conf_val_t *v, const char *what,
                        enum fy_node_type type, const char *type_name)
{
    if (!conf_val_is_null(v) && fy_node_get_type(v->node) == type) {
        return true;
    }
    char d[CONF_QUOTE_MAX + 8];
    conf_error(cx, v->pos, "%s must be %s (got %s)", what, type_name,
               conf_val_describe(v, d, sizeof(d)));
    return false;
}

bool conf_val_is_map(conf_cx_t *cx, const conf_val_t *v, const char *what)
{
    return expect_type(cx, v, what, FYNT_MAPPING, "a mapping");
}

bool conf_val_is_list(conf_cx_t *cx, const conf_val_t *v, const char *what)
{
    return expect_type(cx, v, what, FYNT_SEQUENCE, "a list");
}

bool conf_val_is_scalar(conf_cx_t *cx, const conf_val_t *v, const char *what)
{
    return expect_type(cx, v, what, FYNT_SCALAR, "a string");
}

/* Typed scalars accept plain and quoted text alike: "30" and 30 both read
 * as thirty, which is what people mean when they quote a number. */

bool conf_val_int(conf_cx_t *cx, const conf_val_t *v, const char *what, long long min,
                  long long max, long long *out)
{
    char d[CONF_QUOTE_MAX + 8];
    const char *s = conf_val_is_null(v) ? NULL : conf_val_text(v, NULL);
    const char *digits = s != NULL && (*s == '-' || *s == '+') ? s + 1 : s;
    if (digits == NULL || *digits == '\0' || strspn(digits, "0123456789") != strlen(digits)) {
        conf_error(cx, v->pos, "%s must be an integer (got %s)", what,
                   conf_val_describe(v, d, sizeof(d)));
        return false;
    }
    errno = 0;
    long long x = strtoll(s, NULL, 10);
    if (errno == ERANGE || x < min || x > max) {
        conf_error(cx, v->pos, "%s must be %lld..%lld (got %s)", what, min, max,
                   conf_quote(s, strlen(s), d, sizeof(d)));
        return false;
    }
    *out = x;
    return true;
}

bool conf_val_double(conf_cx_t *cx, const conf_val_t *v, const char *what, double min, double max,
                     double *out)
{
    char d[CONF_QUOTE_MAX + 8];
    const char *s = conf_val_is_null(v) ? NULL : conf_val_text(v, NULL);
    char *end = NULL;
    double x = 0;
    if (s != NULL && *s != '\0') {
        errno = 0;
        x = strtod(s, &end);
    }
    if (s == NULL || *s == '\0' || end == NULL || *end != '\0' || !isfinite(x) ||
        strspn(s, "+-.0123456789eE") != strlen(s)) {
        conf_error(cx, v->pos, "%s must be a number (got %s)", what,
                   conf_val_describe(v, d, sizeof(d)));
        return false;
    }
    if (x < min || x > max) {
        conf_error(cx, v->pos, "%s must be %g..%g (got %s)", what, min, max,
                   conf_quote(s, strlen(s), d, sizeof(d)));
        return false;
    }
    *out = x;
    return true;
}

bool conf_val_bool(conf_cx_t *cx, const conf_val_t *v, const char *what, bool *out)
{
    const char *s = conf_val_is_null(v) ? NULL : conf_val_text(v, NULL);
    if (s != NULL && strcasecmp(s, "true") == 0) {
        *out = true;
        return true;
    }
    if (s != NULL && strcasecmp(s, "false") == 0) {
        *out = false;
        return true;
    }
    char d[CONF_QUOTE_MAX + 8];
    conf_error(cx, v->pos, "%s must be true or false (got %s)", what,
               conf_val_describe(v, d, sizeof(d)));
    return false;
}

char *conf_val_str(conf_cx_t *cx, const conf_val_t *v, const char *what, size_t min_len,
                   size_t max_len)
{
    if (!conf_val_is_scalar(cx, v, what)) {
        return NULL;
    }
    size_t len;
    const char *s = conf_val_text(v, &len);
    if (len < min_len || len > max_len) {
        if (min_len == 1 && len == 0) {
            conf_error(cx, v->pos, "%s must not be empty", what);
        } else {
            conf_error(cx, v->pos, "%s must be %zu..%zu bytes long (got %zu)", what, min_len,
                       max_len, len);
        }
        return NULL;
    }
    return xstrdup(s);
}
