/* conf: the rate_limit: section (response rate limiting) and the cookies: section. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_int.h"

#define RRL_RATE_MAX 10000
#define RRL_WINDOW_MAX 60
#define RRL_SLIP_MAX 10
#define RRL_TABLE_MIN 1024
#define RRL_TABLE_MAX (1 << 26)
#define RRL_EXEMPT_MAX 4096
#define COOKIE_ROTATE_MIN_S 3600 /* a cookie lives an hour: the previous secret must cover it */
#define COOKIE_ROTATE_MAX_S (90 * 86400)

static const char *const rate_limit_keys[] = {
    "enabled",       "rate",         "answer_rate", "nodata_rate", "nxdomain_rate",
    "referral_rate", "error_rate",   "window_s",    "slip",        "prefix_v4",
    "prefix_v6",     "table_size",   "exempt",      "valid_cookie", NULL,
};

static const char *const class_keys[CONF_RRL_CLASSES] = {
    [CONF_RRL_ANSWER] = "answer_rate",     [CONF_RRL_NODATA] = "nodata_rate",
    [CONF_RRL_NXDOMAIN] = "nxdomain_rate", [CONF_RRL_REFERRAL] = "referral_rate",
    [CONF_RRL_ERROR] = "error_rate",
};

static const char *const cookies_keys[] = {"enabled", "secret_file", "rotate_s", NULL};

static bool int_key(conf_cx_t *cx, const conf_val_t *map, const char *key, long long min,
                    long long max, long long *out)
{
    conf_val_t kv;
    char what[64];
    snprintf(what, sizeof(what), "rate_limit: %s", key);
    return conf_get(cx, map, key, &kv) && conf_val_int(cx, &kv, what, min, max, out);
}

/* exempt: a list of ADDRESS/PREFIX networks. */
static void exempt_parse(conf_cx_t *cx, const conf_val_t *v)
{
    conf_rate_limit_t *r = &cx->c->rate_limit;
    const char *what = "rate_limit: exempt";
    if (!conf_val_is_list(cx, v, what)) {
        return;
    }
    size_t n = (size_t)fy_node_sequence_item_count(v->node);
    if (n > RRL_EXEMPT_MAX) {
        conf_error(cx, v->pos, "%s: at most %d networks (got %zu)", what, RRL_EXEMPT_MAX, n);
        return;
    }
    r->exempt = xcalloc(n > 0 ? n : 1, sizeof(*r->exempt));
    void *iter = NULL;
    struct fy_node *item;
    while ((item = fy_node_sequence_iterate(v->node, &iter)) != NULL) {
        conf_val_t iv = conf_item_val(cx, item, v->pos);
        size_t len;
        const char *text = conf_val_is_scalar(cx, &iv, what) ? conf_val_text(&iv, &len) : NULL;
        if (text == NULL) {
            continue;
        }
        char q[CONF_QUOTE_MAX + 4];
        conf_quote(text, len, q, sizeof(q));
        conf_net_t *net = &r->exempt[r->exempt_count];
        gslb_prefix_status_t st = gslb_prefix_parse(text, &net->net, &net->prefix_bits);
        if (st == GSLB_PREFIX_HOST_BITS) {
            char buf[GSLB_ADDR_TEXT_MAX];
            conf_error(cx, iv.pos, "%s: '%s' has host bits set (did you mean '%s/%u'?)", what, q,
                       gslb_addr_format(&net->net, buf, sizeof(buf)), net->prefix_bits);
            continue;
        }
        if (st != GSLB_PREFIX_OK) {
            conf_error(cx, iv.pos, "%s: '%s' is not a network in ADDRESS/PREFIX form", what, q);
            continue;
        }
        net->pos = iv.pos;
        r->exempt_count++;
    }
}

void conf_rate_limit_parse(conf_cx_t *cx, const conf_val_t *v)
{
    conf_rate_limit_t *r = &cx->c->rate_limit;
    for (int c = 0; c < CONF_RRL_CLASSES; c++) {
        r->rate[c] = CONF_RRL_DEFAULT_RATE;
    }
    r->window_s = CONF_RRL_DEFAULT_WINDOW_S;
    r->slip = CONF_RRL_DEFAULT_SLIP;
    r->prefix_v4 = 24;
    r->prefix_v6 = 56;
    r->table_size = CONF_RRL_DEFAULT_TABLE_SIZE;
    r->is_cookie_exempt = true;
    if (v == NULL) {
        return;
    }
    r->pos = v->pos;
    if (conf_val_is_null(v)) {
        r->is_enabled = true; /* "rate_limit:" alone: on with the defaults */
        return;
    }
    if (!conf_val_is_map(cx, v, "rate_limit")) {
        return;
    }
    r->is_enabled = true;
    conf_keys_check(cx, v, rate_limit_keys, "rate_limit");
    conf_val_t kv;
    long long x;
    if (conf_get(cx, v, "enabled", &kv)) {
        conf_val_bool(cx, &kv, "rate_limit: enabled", &r->is_enabled);
    }
    if (int_key(cx, v, "rate", 0, RRL_RATE_MAX, &x)) {
        for (int c = 0; c < CONF_RRL_CLASSES; c++) {
            r->rate[c] = (uint32_t)x;
        }
    }
    for (int c = 0; c < CONF_RRL_CLASSES; c++) {
        if (int_key(cx, v, class_keys[c], 0, RRL_RATE_MAX, &x)) {
            r->rate[c] = (uint32_t)x;
        }
    }
    if (int_key(cx, v, "window_s", 1, RRL_WINDOW_MAX, &x)) {
        r->window_s = (uint32_t)x;
    }
    if (int_key(cx, v, "slip", 0, RRL_SLIP_MAX, &x)) {
        r->slip = (uint32_t)x;
    }
    if (int_key(cx, v, "prefix_v4", 1, 32, &x)) {
        r->prefix_v4 = (uint8_t)x;
    }
    if (int_key(cx, v, "prefix_v6", 1, 128, &x)) {
        r->prefix_v6 = (uint8_t)x;
    }
    if (int_key(cx, v, "table_size", RRL_TABLE_MIN, RRL_TABLE_MAX, &x)) {
        r->table_size = (uint32_t)x;
    }
    if (conf_get(cx, v, "valid_cookie", &kv)) {
        size_t len;
        const char *t = conf_val_is_scalar(cx, &kv, "rate_limit: valid_cookie")
                            ? conf_val_text(&kv, &len)
                            : NULL;
        if (t != NULL && strcmp(t, "exempt") == 0) {
            r->is_cookie_exempt = true;
        } else if (t != NULL && strcmp(t, "limited") == 0) {
            r->is_cookie_exempt = false;
        } else if (t != NULL) {
            char q[CONF_QUOTE_MAX + 4];
            conf_error(cx, kv.pos, "rate_limit: valid_cookie must be exempt or limited (got '%s')",
                       conf_quote(t, len, q, sizeof(q)));
        }
    }
    if (conf_get(cx, v, "exempt", &kv)) {
        exempt_parse(cx, &kv);
    }
}

void conf_cookies_parse(conf_cx_t *cx, const conf_val_t *v)
{
    conf_cookies_t *k = &cx->c->cookies;
    k->is_enabled = true;
    k->rotate_s = CONF_COOKIE_DEFAULT_ROTATE_S;
    if (v == NULL || conf_val_is_null(v) || !conf_val_is_map(cx, v, "cookies")) {
        return;
    }
    k->pos = v->pos;
    conf_keys_check(cx, v, cookies_keys, "cookies");
    conf_val_t kv;
    long long x;
    if (conf_get(cx, v, "enabled", &kv)) {
        conf_val_bool(cx, &kv, "cookies: enabled", &k->is_enabled);
    }
    if (conf_get(cx, v, "rotate_s", &kv) &&
        conf_val_int(cx, &kv, "cookies: rotate_s", COOKIE_ROTATE_MIN_S, COOKIE_ROTATE_MAX_S,
                     &x)) {
        k->rotate_s = (unsigned)x;
    }
    if (conf_get(cx, v, "secret_file", &kv)) {
        char *path = conf_val_str(cx, &kv, "cookies: secret_file", 1, 4096);
        if (path != NULL) {
            k->secret_file = conf_path_resolve(cx->c->dir, path);
            k->secret_file_pos = kv.pos;
            free(path);
        }
    }
}
