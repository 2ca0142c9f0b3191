/* conf: the services: section (load-balanced names and how their answers are chosen). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_int.h"

#define SERVICE_TTL_MAX_S 86400 /* one day; longer defeats failover */
#define SERVICE_PER_ANSWER_MAX 16

static const char *const service_keys[] = {
    "policy", "map", "datacenters", "ttl", "addresses", "datacenters_per_answer",
    "fail",   "degraded_ttl", "failover", "hash_prefix_v4", "hash_prefix_v6", "rotate",
    "latency", "latency_tolerance_ms", NULL,
};

/* Indexed by conf_policy_t. */
static const char *const policy_names[] = {"map",    "nearest", "weighted", "failover",
                                           "hashed", "latency", NULL};

static void policy_parse(conf_cx_t *cx, conf_service_t *s, const conf_val_t *v, const char *ctx,
                         bool *ok)
{
    char what[CONF_QUOTE_MAX + 64];
    snprintf(what, sizeof(what), "%s: policy", ctx);
    *ok = false;
    if (!conf_val_is_scalar(cx, v, what)) {
        return;
    }
    size_t len;
    const char *text = conf_val_text(v, &len);
    for (size_t i = 0; policy_names[i] != NULL; i++) {
        if (strcmp(text, policy_names[i]) == 0) {
            s->policy = (conf_policy_t)i;
            *ok = true;
            return;
        }
    }
    char q[CONF_QUOTE_MAX + 4];
    const char *hint = conf_suggest(text, policy_names, GSLB_ARRAY_LEN(policy_names) - 1);
    conf_error(cx, v->pos,
               "%s must be map, nearest, weighted, failover, hashed or latency (got '%s')%s%s%s",
               what,
               conf_quote(text, len, q, sizeof(q)), hint ? " (did you mean '" : "",
               hint ? hint : "", hint ? "'?)" : "");
}

static int map_find(const conf_t *c, const char *name)
{
    for (size_t i = 0; i < c->map_count; i++) {
        if (strcmp(c->maps[i].name, name) == 0) {
            return (int)i;
        }
    }
    return -1;
}

static void map_ref_parse(conf_cx_t *cx, conf_service_t *s, const conf_val_t *v, const char *ctx)
{
    const conf_t *c = cx->c;
    char what[CONF_QUOTE_MAX + 64];
    snprintf(what, sizeof(what), "%s: map", ctx);
    if (!conf_val_is_scalar(cx, v, what)) {
        return;
    }
    size_t len;
    const char *name = conf_val_text(v, &len);
    s->map = map_find(c, name);
    if (s->map >= 0) {
        return;
    }
    char q[CONF_QUOTE_MAX + 4];
    conf_quote(name, len, q, sizeof(q));
    const char **names = xcalloc(c->map_count + 1, sizeof(*names));
    for (size_t i = 0; i < c->map_count; i++) {
        names[i] = c->maps[i].name;
    }
    const char *hint = conf_suggest(name, names, c->map_count);
    if (hint != NULL) {
        conf_error(cx, v->pos, "%s: unknown map '%s' (did you mean '%s'?)", ctx, q, hint);
    } else {
        conf_error(cx, v->pos, "%s: unknown map '%s'", ctx, q);
    }
    free(names);
}

/* Distance ordering needs every candidate's coordinates; without GeoIP the
 * client has none, which is legal (nets rules still work) but worth saying. */
static void location_check(conf_cx_t *cx, const conf_service_t *s, conf_pos_t pos, const char *ctx)
{
    const conf_t *c = cx->c;
    /* latency without a map falls back to distance order for uncovered clients */
    bool is_nearest = s->policy == CONF_POLICY_NEAREST ||
                      (s->policy == CONF_POLICY_LATENCY && s->map < 0);
    const conf_map_t *m = s->map >= 0 ? &c->maps[s->map] : NULL;
    bool uses_distance = is_nearest || (m != NULL && m->is_nearest_fallback);
    if (uses_distance) {
        size_t n = s->datacenters.count > 0 ? s->datacenters.count : c->datacenter_count;
        for (size_t i = 0; i < n; i++) {
            size_t k = s->datacenters.count > 0 ? s->datacenters.dc[i] : i;
            const conf_datacenter_t *dc = &c->datacenters[k];
            if (!dc->has_location) {
                conf_error(cx, pos, "%s: %s needs a location for datacenter '%s'", ctx,
                           !is_nearest                         ? "nearest_fallback of its map"
                           : s->policy == CONF_POLICY_NEAREST ? "policy nearest"
                                                              : "policy latency without a map",
                           dc->name);
            }
        }
    }
    bool uses_geo = uses_distance || (m != NULL && (m->city_count > 0 || m->subdivision_count > 0 ||
                                                    m->country_count > 0 ||
                                                    m->continent_count > 0));
    if (uses_geo && c->geoip.database == NULL) {
        conf_warning(cx, pos, "%s: policy %s locates clients, but there is no geoip database",
                     ctx, policy_names[s->policy]);
    }
}

/* fail: open | closed | <datacenter> */
static void fail_parse(conf_cx_t *cx, conf_service_t *s, const conf_val_t *v, const char *ctx)
{
    char what[CONF_QUOTE_MAX + 64];
    snprintf(what, sizeof(what), "%s: fail", ctx);
    if (!conf_val_is_scalar(cx, v, what)) {
        return;
    }
    size_t len;
    const char *text = conf_val_text(v, &len);
    if (strcmp(text, "open") == 0) {
        s->fail = CONF_FAIL_OPEN;
    } else if (strcmp(text, "closed") == 0) {
        s->fail = CONF_FAIL_CLOSED;
    } else {
        s->fail_dc = conf_datacenter_find(cx->c, text);
        s->fail = CONF_FAIL_DATACENTER;
        if (s->fail_dc < 0) {
            char q[CONF_QUOTE_MAX + 4];
            conf_error(cx, v->pos, "%s must be open, closed or a datacenter name (got '%s')",
                       what, conf_quote(text, len, q, sizeof(q)));
            s->fail = CONF_FAIL_OPEN;
        }
    }
}

static void service_parse(conf_cx_t *cx, conf_service_t *s, const conf_val_t *v)
{
    char ctx[CONF_QUOTE_MAX + 16];
    char q[CONF_QUOTE_MAX + 4];
    snprintf(ctx, sizeof(ctx), "service '%s'", conf_quote(s->name, strlen(s->name), q, sizeof(q)));
    /* "www.example.com.: {}" and "www.example.com.:" both mean all defaults. */
    if (!conf_val_is_null(v) && !conf_val_is_map(cx, v, ctx)) {
        return;
    }
    conf_val_t empty = {.node = NULL, .pos = v->pos};
    const conf_val_t *sv = conf_val_is_null(v) ? &empty : v;
    if (sv->node != NULL) {
        conf_keys_check(cx, sv, service_keys, ctx);
    }

    conf_val_t pv = {0}, mv = {0}, dv, iv;
    bool has_policy = sv->node != NULL && conf_get(cx, sv, "policy", &pv);
    bool has_map = sv->node != NULL && conf_get(cx, sv, "map", &mv);
    bool is_policy_ok = true;
    s->policy = has_map ? CONF_POLICY_MAP : CONF_POLICY_NEAREST;
    if (has_policy) {
        policy_parse(cx, s, &pv, ctx, &is_policy_ok);
    }
    if (is_policy_ok && s->policy == CONF_POLICY_MAP && !has_map) {
        conf_error(cx, pv.pos, "%s: policy map needs a map", ctx);
    } else if (is_policy_ok && s->policy != CONF_POLICY_MAP && s->policy != CONF_POLICY_LATENCY &&
               has_map) {
        conf_error(cx, mv.pos, "%s: map is only used with policy map or latency (policy is '%s')",
                   ctx, policy_names[s->policy]);
    } else if (has_map) {
        map_ref_parse(cx, s, &mv, ctx);
    }

    char what[sizeof(ctx) + 32];
    bool is_dcs_ok = true;
    if (sv->node != NULL && conf_get(cx, sv, "datacenters", &dv)) {
        snprintf(what, sizeof(what), "%s: datacenters", ctx);
        is_dcs_ok = conf_dc_list_parse(cx, &dv, what, false, &s->datacenters);
    }
    long long x;
    if (sv->node != NULL && conf_get(cx, sv, "ttl", &iv)) {
        snprintf(what, sizeof(what), "%s: ttl", ctx);
        if (conf_val_int(cx, &iv, what, 1, SERVICE_TTL_MAX_S, &x)) {
            s->ttl_s = (uint32_t)x;
        }
    }
    if (sv->node != NULL && conf_get(cx, sv, "addresses", &iv)) {
        snprintf(what, sizeof(what), "%s: addresses", ctx);
        if (conf_val_int(cx, &iv, what, 1, SERVICE_PER_ANSWER_MAX, &x)) {
            s->address_count = (unsigned)x;
        }
    }
    if (sv->node != NULL && conf_get(cx, sv, "datacenters_per_answer", &iv)) {
        snprintf(what, sizeof(what), "%s: datacenters_per_answer", ctx);
        if (conf_val_int(cx, &iv, what, 1, SERVICE_PER_ANSWER_MAX, &x)) {
            s->dc_count = (unsigned)x;
        }
    }
    if (sv->node != NULL && conf_get(cx, sv, "fail", &iv)) {
        fail_parse(cx, s, &iv, ctx);
    }
    if (sv->node != NULL && conf_get(cx, sv, "degraded_ttl", &iv)) {
        snprintf(what, sizeof(what), "%s: degraded_ttl", ctx);
        if (conf_val_int(cx, &iv, what, 1, SERVICE_TTL_MAX_S, &x)) {
            s->degraded_ttl_s = (uint32_t)x;
        }
    }
    if (s->degraded_ttl_s == 0) {
        s->degraded_ttl_s = s->ttl_s / 2 > 0 ? s->ttl_s / 2 : 1;
    }
    conf_service_steering_parse(cx, s, sv, ctx, is_policy_ok ? (has_policy ? &pv : NULL) : NULL);
    if (is_policy_ok && is_dcs_ok) {
        location_check(cx, s, has_policy ? pv.pos : s->pos, ctx);
    }
}

void conf_services_parse(conf_cx_t *cx, const conf_val_t *v)
{
    conf_t *c = cx->c;
    if (conf_val_is_null(v) || !conf_val_is_map(cx, v, "services")) {
        return;
    }
    size_t n = (size_t)fy_node_mapping_item_count(v->node);
    c->services = xcalloc(n > 0 ? n : 1, sizeof(*c->services));
    void *iter = NULL;
    struct fy_node_pair *p;
    while ((p = fy_node_mapping_iterate(v->node, &iter)) != NULL) {
        const char *raw = conf_pair_key(cx, p, "services");
        if (raw == NULL) {
            continue;
        }
        conf_pos_t pos = conf_node_pos(cx, fy_node_pair_key(p), v->pos);
        char q[CONF_QUOTE_MAX + 4];
        conf_quote(raw, strlen(raw), q, sizeof(q));
        char *name = NULL;
        const char *why = conf_dname_normalize(raw, true, &name);
        if (why != NULL) {
            conf_error(cx, pos, "service '%s': not a valid DNS name (%s)", q, why);
            name = xstrdup(raw);
        }
        bool is_dup = false;
        for (size_t i = 0; i < c->service_count && !is_dup; i++) {
            is_dup = strcmp(c->services[i].name, name) == 0;
        }
        if (is_dup) {
            free(name);
            continue; /* reported by conf_dups_check */
        }
        conf_service_t *s = &c->services[c->service_count++];
        s->name = name;
        s->pos = pos;
        s->map = -1;
        s->ttl_s = CONF_DEFAULT_TTL_S;
        s->address_count = 1;
        s->dc_count = 1;
        s->latency = -1;
        s->hash_prefix_v4 = STEER_DEFAULT_HASH_PREFIX_V4;
        s->hash_prefix_v6 = STEER_DEFAULT_HASH_PREFIX_V6;
        s->latency_tolerance_ms = CONF_DEFAULT_LATENCY_TOLERANCE_MS;
        conf_val_t sv = conf_pair_val(cx, p);
        service_parse(cx, s, &sv);
    }
}
