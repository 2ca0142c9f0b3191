/* conf: a service's dynamic steering keys: failover spread, client hash prefix, rotation, latency. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_int.h"

#define LATENCY_TOLERANCE_MAX_MS 10000.0

static void latency_ref_parse(conf_cx_t *cx, conf_service_t *s, const conf_val_t *v,
                              const char *ctx)
{
    const conf_t *c = cx->c;
    char what[CONF_QUOTE_MAX + 64];
    snprintf(what, sizeof(what), "%s: latency", ctx);
    if (!conf_val_is_scalar(cx, v, what)) {
        return;
    }
    size_t len;
    const char *name = conf_val_text(v, &len);
    s->latency = conf_latency_table_index(c, name);
    if (s->latency >= 0) {
        return;
    }
    char q[CONF_QUOTE_MAX + 4];
    conf_quote(name, len, q, sizeof(q));
    const char **names = xcalloc(c->latency_table_count + 1, sizeof(*names));
    for (size_t i = 0; i < c->latency_table_count; i++) {
        names[i] = c->latency_tables[i].name;
    }
    const char *hint = conf_suggest(name, names, c->latency_table_count);
    conf_error(cx, v->pos, "%s: unknown latency table '%s'%s%s%s", ctx, q,
               hint ? " (did you mean '" : "", hint ? hint : "", hint ? "'?)" : "");
    free(names);
}

void conf_service_steering_parse(conf_cx_t *cx, conf_service_t *s, const conf_val_t *sv,
                                 const char *ctx, const conf_val_t *policy_val)
{
    char what[CONF_QUOTE_MAX + 64];
    conf_val_t v;
    bool has = sv->node != NULL;
    if (has && conf_get(cx, sv, "failover", &v)) {
        snprintf(what, sizeof(what), "%s: failover", ctx);
        if (conf_val_is_scalar(cx, &v, what)) {
            size_t len;
            const char *text = conf_val_text(&v, &len);
            if (strcmp(text, "spread") == 0) {
                s->failover = CONF_FAILOVER_SPREAD;
            } else if (strcmp(text, "ordered") == 0) {
                s->failover = CONF_FAILOVER_ORDERED;
            } else {
                char q[CONF_QUOTE_MAX + 4];
                conf_error(cx, v.pos, "%s must be spread or ordered (got '%s')", what,
                           conf_quote(text, len, q, sizeof(q)));
            }
        }
    }
    long long x;
    if (has && conf_get(cx, sv, "hash_prefix_v4", &v)) {
        snprintf(what, sizeof(what), "%s: hash_prefix_v4", ctx);
        if (conf_val_int(cx, &v, what, 0, 32, &x)) {
            s->hash_prefix_v4 = (uint8_t)x;
        }
    }
    if (has && conf_get(cx, sv, "hash_prefix_v6", &v)) {
        snprintf(what, sizeof(what), "%s: hash_prefix_v6", ctx);
        if (conf_val_int(cx, &v, what, 0, 128, &x)) {
            s->hash_prefix_v6 = (uint8_t)x;
        }
    }
    if (has && conf_get(cx, sv, "rotate", &v)) {
        snprintf(what, sizeof(what), "%s: rotate", ctx);
        conf_val_bool(cx, &v, what, &s->is_rotated);
    }
    bool has_table = has && conf_get(cx, sv, "latency", &v);
    if (has_table && s->policy != CONF_POLICY_LATENCY) {
        conf_error(cx, v.pos, "%s: latency is only used with policy latency", ctx);
    } else if (has_table) {
        latency_ref_parse(cx, s, &v, ctx);
    } else if (s->policy == CONF_POLICY_LATENCY) {
        conf_error(cx, policy_val != NULL ? policy_val->pos : s->pos,
                   "%s: policy latency needs a latency table (latency: NAME)", ctx);
    }
    if (has && conf_get(cx, sv, "latency_tolerance_ms", &v)) {
        snprintf(what, sizeof(what), "%s: latency_tolerance_ms", ctx);
        if (s->policy != CONF_POLICY_LATENCY) {
            conf_error(cx, v.pos, "%s is only used with policy latency", what);
        } else {
            conf_val_double(cx, &v, what, 0.0, LATENCY_TOLERANCE_MAX_MS,
                            &s->latency_tolerance_ms);
        }
    }
}
