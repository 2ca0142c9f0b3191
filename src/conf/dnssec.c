/* conf: a zone's dnssec: mapping — its signing keys, their roles and times, signature times. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conf_int.h"

static const char *const dnssec_keys[] = {"keys", "signature_validity_s", "refresh_s", NULL};
static const char *const key_keys[] = {"file",     "role",     "publish",
                                       "activate", "inactive", "delete", NULL};

/* A key time: Unix seconds, or UTC as YYYY-MM-DDTHH:MM:SSZ or YYYYMMDDHHMMSS (the form
 * dnssec-keygen writes in its Publish:/Activate: lines). Returns false when it is neither. */
static bool time_parse(const char *text, int64_t *out)
{
    char *end = NULL;
    size_t len = strlen(text);
    if (len > 0 && len < 14 && strspn(text, "0123456789") == len) {
        long long v = strtoll(text, &end, 10);
        *out = v;
        return *end == '\0' && v > 0;
    }
    struct tm tm;
    memset(&tm, 0, sizeof(tm));
    const char *fmt = len == 14 ? "%Y%m%d%H%M%S" : "%Y-%m-%dT%H:%M:%SZ";
    end = strptime(text, fmt, &tm);
    if (end == NULL || *end != '\0') {
        return false;
    }
    time_t t = timegm(&tm);
    *out = (int64_t)t;
    return t > 0;
}

static void key_parse(conf_cx_t *cx, conf_dnssec_t *d, const conf_val_t *v)
{
    conf_dnssec_key_t *k = &d->keys[d->key_count];
    if (!conf_val_is_map(cx, v, "dnssec: keys entry")) {
        return;
    }
    conf_keys_check(cx, v, key_keys, "dnssec key");
    conf_val_t fv, rv;
    char *file = NULL;
    if (conf_get(cx, v, "file", &fv)) {
        file = conf_val_str(cx, &fv, "dnssec key: file", 1, PATH_MAX);
    } else {
        conf_error(cx, v->pos, "dnssec key: missing required key 'file'");
    }
    k->role = CONF_KEY_CSK;
    if (conf_get(cx, v, "role", &rv)) {
        size_t len = 0;
        const char *r = conf_val_text(&rv, &len);
        if (r != NULL && strcmp(r, "csk") == 0) {
            k->role = CONF_KEY_CSK;
        } else if (r != NULL && strcmp(r, "ksk") == 0) {
            k->role = CONF_KEY_KSK;
        } else if (r != NULL && strcmp(r, "zsk") == 0) {
            k->role = CONF_KEY_ZSK;
        } else {
            char d2[CONF_QUOTE_MAX + 8];
            conf_error(cx, rv.pos, "dnssec key: role must be csk, ksk or zsk (got %s)",
                       conf_val_describe(&rv, d2, sizeof(d2)));
        }
    }
    static const char *const names[] = {"publish", "activate", "inactive", "delete"};
    int64_t *times[] = {&k->publish_s, &k->activate_s, &k->inactive_s, &k->delete_s};
    for (size_t i = 0; i < 4; i++) {
        conf_val_t tv;
        if (!conf_get(cx, v, names[i], &tv) || conf_val_is_null(&tv)) {
            continue;
        }
        size_t len = 0;
        const char *t = conf_val_text(&tv, &len);
        if (t == NULL || !time_parse(t, times[i])) {
            char d2[CONF_QUOTE_MAX + 8];
            conf_error(cx, tv.pos,
                       "dnssec key: %s must be Unix seconds, YYYY-MM-DDTHH:MM:SSZ or "
                       "YYYYMMDDHHMMSS (got %s)",
                       names[i], conf_val_describe(&tv, d2, sizeof(d2)));
        }
    }
    if (k->activate_s != 0 && k->inactive_s != 0 && k->inactive_s <= k->activate_s) {
        conf_error(cx, v->pos, "dnssec key: inactive must come after activate");
    }
    if (k->publish_s != 0 && k->delete_s != 0 && k->delete_s <= k->publish_s) {
        conf_error(cx, v->pos, "dnssec key: delete must come after publish");
    }
    if (file == NULL) {
        return;
    }
    /* Either key file may be named: both share the path before the suffix. */
    size_t n = strlen(file);
    if (n > 4 && strcmp(file + n - 4, ".key") == 0) {
        file[n - 4] = '\0';
    } else if (n > 8 && strcmp(file + n - 8, ".private") == 0) {
        file[n - 8] = '\0';
    }
    k->file = conf_path_resolve(cx->c->dir, file);
    k->pos = v->pos;
    free(file);
    d->key_count++;
}

void conf_dnssec_parse(conf_cx_t *cx, conf_dnssec_t *d, const conf_val_t *v)
{
    d->pos = v->pos;
    d->signature_validity_s = CONF_DEFAULT_SIG_VALIDITY_S;
    if (!conf_val_is_map(cx, v, "zone: dnssec")) {
        return;
    }
    conf_keys_check(cx, v, dnssec_keys, "zone: dnssec");
    conf_val_t kv, sv, rv;
    long long x;
    if (conf_get(cx, v, "signature_validity_s", &sv) &&
        conf_val_int(cx, &sv, "dnssec: signature_validity_s", CONF_SIG_VALIDITY_MIN_S,
                     CONF_SIG_VALIDITY_MAX_S, &x)) {
        d->signature_validity_s = (uint32_t)x;
    }
    if (conf_get(cx, v, "refresh_s", &rv)) {
        /* Re-signing must come well before expiry: at most half the validity. */
        long long max = d->signature_validity_s / 2;
        if (conf_val_int(cx, &rv, "dnssec: refresh_s", 60, max, &x)) {
            d->refresh_s = (uint32_t)x;
        }
    }
    if (d->refresh_s == 0) {
        d->refresh_s = d->signature_validity_s / 4;
    }
    if (!conf_get(cx, v, "keys", &kv)) {
        conf_error(cx, v->pos, "zone: dnssec: missing required key 'keys'");
        return;
    }
    if (!conf_val_is_list(cx, &kv, "dnssec: keys")) {
        return;
    }
    size_t n = (size_t)fy_node_sequence_item_count(kv.node);
    if (n == 0) {
        conf_error(cx, kv.pos, "dnssec: keys must list at least one key");
        return;
    }
    d->keys = xcalloc(n, sizeof(*d->keys));
    void *iter = NULL;
    struct fy_node *item;
    while ((item = fy_node_sequence_iterate(kv.node, &iter)) != NULL) {
        conf_val_t iv = conf_item_val(cx, item, kv.pos);
        key_parse(cx, d, &iv);
    }
}

void conf_dnssec_clear(conf_dnssec_t *d)
{
    for (size_t i = 0; i < d->key_count; i++) {
        free(d->keys[i].file);
    }
    free(d->keys);
    memset(d, 0, sizeof(*d));
}
