/* fleet: a range answer from etcd read into the shared view, and the quorum over a view. */
#include "fleet_int.h"

#include <stdlib.h>
#include <string.h>

#define WEIGHT_MAX 1000000

void fleet_view_clear(fleet_view_t *v)
{
    json_decref(v->verdicts);
    json_decref(v->members);
    json_decref(v->overrides);
    json_decref(v->loads);
    memset(v, 0, sizeof(*v));
}

static bool admin_is_valid(const json_t *a)
{
    static const char *const words[] = {"none", "drain", "force-up", "force-down"};
    const char *s = json_string_value(a);
    for (size_t i = 0; s != NULL && i < GSLB_ARRAY_LEN(words); i++) {
        if (strcmp(s, words[i]) == 0) {
            return true;
        }
    }
    return false;
}

/* An override value as the state file has it, or NULL when it is not one. */
static json_t *override_value(const char *text, size_t len, bool is_resource)
{
    json_t *j = json_loadb(text, len, 0, NULL);
    json_t *a = json_object_get(j, "admin");
    json_t *w = json_object_get(j, "weight");
    bool ok = json_is_object(j) && (a == NULL || admin_is_valid(a)) &&
              (w == NULL || (!is_resource && json_is_integer(w) && json_integer_value(w) >= 0 &&
                             json_integer_value(w) <= WEIGHT_MAX));
    if (!ok) {
        json_decref(j);
        return NULL;
    }
    return j;
}

/* Remove what key (after the prefix) holds from the view; false when the
 * key is not of the layout. */
static bool kv_forget(fleet_view_t *v, const char *key)
{
    if (strncmp(key, "members/", 8) == 0) {
        json_object_del(v->members, key + 8);
        return true;
    }
    if (strncmp(key, "verdicts/", 9) == 0) {
        const char *rest = key + 9;
        const char *slash = strchr(rest, '/');
        if (slash == NULL) {
            return false;
        }
        char *instance = xstrndup(rest, (size_t)(slash - rest));
        json_object_del(json_object_get(v->verdicts, slash + 1), instance);
        free(instance);
        return true;
    }
    if (strncmp(key, "overrides/resources/", 20) == 0) {
        json_object_del(json_object_get(v->overrides, "resources"), key + 20);
        return true;
    }
    if (strncmp(key, "overrides/datacenters/", 22) == 0) {
        json_object_del(json_object_get(v->overrides, "datacenters"), key + 22);
        return true;
    }
    if (strncmp(key, "load/", 5) == 0) {
        json_object_del(v->loads, key + 5);
        return true;
    }
    if (strcmp(key, "seed") == 0) {
        v->has_seed = false;
        return true;
    }
    return false;
}

/* One key (after the prefix) and value; false when it does not fit the layout. */
static bool kv_read(fleet_view_t *v, const char *key, const char *val, size_t val_len,
                    json_int_t revision)
{
    const char *rest;
    if (strncmp(key, "members/", 8) == 0) {
        rest = key + 8;
        json_t *m = json_loadb(val, val_len, 0, NULL);
        if (!json_is_object(m) || rest[0] == '\0' || strchr(rest, '/') != NULL) {
            json_decref(m);
            return false;
        }
        json_object_set_new(v->members, rest, m);
        return true;
    }
    if (strncmp(key, "verdicts/", 9) == 0) {
        rest = key + 9;
        const char *slash = strchr(rest, '/');
        bool is_up = val_len == 2 && memcmp(val, "up", 2) == 0;
        bool is_down = val_len == 4 && memcmp(val, "down", 4) == 0;
        if (slash == NULL || slash == rest || slash[1] == '\0' || (!is_up && !is_down)) {
            return false;
        }
        char *instance = xstrndup(rest, (size_t)(slash - rest));
        json_t *per = json_object_get(v->verdicts, slash + 1);
        if (per == NULL) {
            per = json_object();
            json_object_set_new(v->verdicts, slash + 1, per);
        }
        json_object_set_new(per, instance, json_boolean(is_up));
        free(instance);
        return true;
    }
    if (strncmp(key, "overrides/", 10) == 0) {
        rest = key + 10;
        bool is_resource = strncmp(rest, "resources/", 10) == 0;
        bool is_dc = strncmp(rest, "datacenters/", 12) == 0;
        const char *name = rest + (is_resource ? 10 : 12);
        if ((!is_resource && !is_dc) || name[0] == '\0' ||
            (is_dc && strchr(name, '/') != NULL) || (is_resource && strchr(name, '/') == NULL)) {
            return false;
        }
        json_t *o = override_value(val, val_len, is_resource);
        if (o == NULL) {
            return false;
        }
        json_object_set_new(json_object_get(v->overrides, is_resource ? "resources" : "datacenters"),
                            name, o);
        return true;
    }
    if (strncmp(key, "load/", 5) == 0) {
        rest = key + 5;
        json_t *j = json_loadb(val, val_len, 0, NULL);
        json_t *x = json_object_get(j, "value");
        bool ok = json_is_number(x) && json_number_value(x) >= 0 && rest[0] != '\0' &&
                  strchr(rest, '/') == NULL;
        if (ok) {
            json_object_set_new(v->loads, rest,
                                json_pack("{s:f, s:I}", "value", json_number_value(x), "revision",
                                          revision));
        }
        json_decref(j);
        return ok;
    }
    if (strcmp(key, "seed") == 0) {
        /* 1..19 decimal digits: any 64-bit seed up to 10^19 - 1. */
        uint64_t seed = 0;
        bool ok = val_len >= 1 && val_len <= 19;
        for (size_t i = 0; ok && i < val_len; i++) {
            ok = val[i] >= '0' && val[i] <= '9';
            seed = seed * 10 + (uint64_t)(val[i] - '0');
        }
        if (ok) {
            v->has_seed = true;
            v->seed = seed;
        }
        return ok;
    }
    return false;
}

/* etcd's gateway writes 64-bit integers as strings. */
static json_int_t int64_field(const json_t *o, const char *name)
{
    const json_t *x = json_object_get(o, name);
    if (json_is_integer(x)) {
        return json_integer_value(x);
    }
    const char *s = json_string_value(x);
    return s != NULL ? strtoll(s, NULL, 10) : 0;
}

/* The key of a kv (base64) after prefix, a new string, or NULL when it is
 * not base64, holds a NUL, or is not under prefix. */
static char *kv_key(const char *prefix, const json_t *kv)
{
    const char *k64 = json_string_value(json_object_get(kv, "key"));
    size_t klen = 0, plen = strlen(prefix);
    char *key = k64 != NULL ? fleet_b64_decode(k64, &klen) : NULL;
    if (key == NULL || klen <= plen || strlen(key) != klen || memcmp(key, prefix, plen) != 0) {
        free(key);
        return NULL;
    }
    memmove(key, key + plen, klen - plen + 1);
    return key;
}

/* Read one kv of a range or a PUT event into v: whatever the key held is
 * replaced, and a value that does not fit leaves it absent, as a range
 * would. Returns whether the kv fits the layout. */
static bool kv_put(fleet_view_t *v, const char *prefix, const json_t *kv)
{
    char *key = kv_key(prefix, kv);
    const char *v64 = json_string_value(json_object_get(kv, "value"));
    size_t vlen = 0;
    char *val = fleet_b64_decode(v64 != NULL ? v64 : "", &vlen);
    bool ok = key != NULL && val != NULL && kv_forget(v, key) &&
              kv_read(v, key, val, vlen, int64_field(kv, "mod_revision"));
    free(key);
    free(val);
    return ok;
}

static void view_init(fleet_view_t *v)
{
    memset(v, 0, sizeof(*v));
    v->verdicts = json_object();
    v->members = json_object();
    v->overrides = json_pack("{s:i, s:{}, s:{}}", "version", 1, "datacenters", "resources");
    v->loads = json_object();
}

int fleet_view_parse(const char *prefix, const json_t *body, fleet_view_t *out, size_t *skipped)
{
    memset(out, 0, sizeof(*out));
    *skipped = 0;
    json_t *kvs = json_object_get(body, "kvs");
    json_t *header = json_object_get(body, "header");
    if (!json_is_object(body) || !json_is_object(header) || (kvs != NULL && !json_is_array(kvs))) {
        return -GSLB_EINVAL;
    }
    view_init(out);
    out->revision = int64_field(header, "revision");
    size_t i;
    json_t *kv;
    json_array_foreach(kvs, i, kv) {
        *skipped += !kv_put(out, prefix, kv);
    }
    return 0;
}

int fleet_view_apply(const char *prefix, fleet_view_t *v, const json_t *result,
                     bool *is_shared_changed)
{
    json_t *events = json_object_get(result, "events");
    if (!json_is_object(result) || (events != NULL && !json_is_array(events))) {
        return -GSLB_EINVAL;
    }
    size_t i;
    json_t *ev;
    json_array_foreach(events, i, ev) {
        json_t *kv = json_object_get(ev, "kv");
        json_int_t rev = int64_field(kv, "mod_revision");
        char *key = kv_key(prefix, kv);
        /* What the view already has from a later read is not undone by an
         * older event. */
        if (key == NULL || rev <= v->revision) {
            free(key);
            continue;
        }
        *is_shared_changed |= strncmp(key, "overrides/", 10) == 0 ||
                              strncmp(key, "load/", 5) == 0 || strcmp(key, "seed") == 0;
        const char *type = json_string_value(json_object_get(ev, "type"));
        if (type != NULL && strcmp(type, "DELETE") == 0) {
            kv_forget(v, key);
        } else {
            kv_put(v, prefix, kv);
        }
        free(key);
    }
    json_int_t rev = int64_field(json_object_get(result, "header"), "revision");
    if (rev > v->revision) {
        v->revision = rev;
    }
    return 0;
}

health_shared_t fleet_view_decide(const fleet_view_t *v, const char *resource, const char *self,
                                  health_shared_t own, const fleet_quorum_t *q)
{
    unsigned up = own == HEALTH_SHARED_UP, down = own == HEALTH_SHARED_DOWN;
    const char *inst;
    json_t *b;
    json_object_foreach(json_object_get(v->verdicts, resource), inst, b) {
        /* A verdict counts while its instance's member key (same lease) is there. */
        if (strcmp(inst, self) != 0 && json_object_get(v->members, inst) != NULL) {
            up += json_is_true(b);
            down += json_is_false(b);
        }
    }
    return fleet_quorum_decide(q, up, down);
}
