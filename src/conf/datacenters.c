/* conf: the datacenters: section, and lists of data center names used by maps and services. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_int.h"

static const char *const dc_keys[] = {"location", "capacity",        "weight", "addresses", "cname",
                                      "probe",    "min_up_fraction", "load",   NULL};
static const char *const address_keys[] = {"address",    "weight",    "probe",
                                           "probe_address", "probe_port", "probe_key", NULL};

/* The per-address probe settings: which probe, and what to probe instead of
 * the answered address (check an internal address, answer the public one). */
static void address_probe_parse(conf_cx_t *cx, conf_address_t *a, const conf_val_t *v,
                                const char *ctx)
{
    char what[160];
    conf_val_t pv;
    if (conf_get(cx, v, "probe", &pv)) {
        a->probe = conf_probe_ref_parse(cx, &pv, ctx);
    }
    if (conf_get(cx, v, "probe_address", &pv)) {
        snprintf(what, sizeof(what), "%s: probe_address", ctx);
        if (conf_val_is_scalar(cx, &pv, what)) {
            size_t len;
            const char *text = conf_val_text(&pv, &len);
            a->has_probe_addr = gslb_addr_parse(text, &a->probe_addr) == 0;
            if (!a->has_probe_addr) {
                char q[CONF_QUOTE_MAX + 4];
                conf_error(cx, pv.pos, "%s: probe_address '%s' is not an IPv4 or IPv6 address",
                           ctx, conf_quote(text, len, q, sizeof(q)));
            }
        }
    }
    long long port;
    snprintf(what, sizeof(what), "%s: probe_port", ctx);
    if (conf_get(cx, v, "probe_port", &pv) && conf_val_int(cx, &pv, what, 1, 65535, &port)) {
        a->probe_port = (uint16_t)port;
    }
    snprintf(what, sizeof(what), "%s: probe_key", ctx);
    if (conf_get(cx, v, "probe_key", &pv)) {
        a->probe_key = conf_val_str(cx, &pv, what, 1, 255);
    }
}

int conf_datacenter_find(const conf_t *c, const char *name)
{
    for (size_t i = 0; i < c->datacenter_count; i++) {
        if (strcmp(c->datacenters[i].name, name) == 0) {
            return (int)i;
        }
    }
    return -1;
}

/* location: [latitude, longitude] */
static void location_parse(conf_cx_t *cx, conf_datacenter_t *dc, const conf_val_t *v,
                           const char *ctx)
{
    char what[128];
    snprintf(what, sizeof(what), "%s: location", ctx);
    if (conf_val_is_null(v)) {
        return;
    }
    size_t n = 0;
    if (fy_node_get_type(v->node) == FYNT_SEQUENCE) {
        n = (size_t)fy_node_sequence_item_count(v->node);
    }
    if (fy_node_get_type(v->node) != FYNT_SEQUENCE || n != 2) {
        char d[CONF_QUOTE_MAX + 8];
        if (fy_node_get_type(v->node) == FYNT_SEQUENCE) {
            snprintf(d, sizeof(d), "a list of %zu", n);
        }
        conf_error(cx, v->pos, "%s must be [latitude, longitude] (got %s)", what,
                   fy_node_get_type(v->node) == FYNT_SEQUENCE ? d
                                                              : conf_val_describe(v, d, sizeof(d)));
        return;
    }
    conf_val_t lat = conf_item_val(cx, fy_node_sequence_get_by_index(v->node, 0), v->pos);
    conf_val_t lon = conf_item_val(cx, fy_node_sequence_get_by_index(v->node, 1), v->pos);
    snprintf(what, sizeof(what), "%s: latitude", ctx);
    bool ok = conf_val_double(cx, &lat, what, -90, 90, &dc->latitude);
    snprintf(what, sizeof(what), "%s: longitude", ctx);
    ok = conf_val_double(cx, &lon, what, -180, 180, &dc->longitude) && ok;
    dc->has_location = ok;
}

/* One addresses: entry: "192.0.2.1" or {address: 192.0.2.1, weight: 2}. */
static void address_parse(conf_cx_t *cx, conf_datacenter_t *dc, const conf_val_t *v,
                          const char *ctx)
{
    conf_address_t *a = &dc->addresses[dc->address_count];
    char what[128];
    conf_val_t av = *v;
    a->weight = 1;
    a->probe = -1;
    if (!conf_val_is_null(v) && fy_node_get_type(v->node) == FYNT_MAPPING) {
        snprintf(what, sizeof(what), "%s: address", ctx);
        conf_keys_check(cx, v, address_keys, what);
        address_probe_parse(cx, a, v, ctx);
        conf_val_t wv;
        long long w;
        snprintf(what, sizeof(what), "%s: address weight", ctx);
        if (conf_get(cx, v, "weight", &wv) &&
            conf_val_int(cx, &wv, what, 1, CONF_WEIGHT_MAX, &w)) {
            a->weight = (uint32_t)w;
        }
        if (!conf_get(cx, v, "address", &av)) {
            conf_error(cx, v->pos, "%s: address entry is missing required key 'address'", ctx);
            return;
        }
    }
    snprintf(what, sizeof(what), "%s: address", ctx);
    if (!conf_val_is_scalar(cx, &av, what)) {
        return;
    }
    size_t len;
    const char *text = conf_val_text(&av, &len);
    if (gslb_addr_parse(text, &a->addr) != 0) {
        char q[CONF_QUOTE_MAX + 4];
        conf_error(cx, av.pos, "%s: '%s' is not an IPv4 or IPv6 address", ctx,
                   conf_quote(text, len, q, sizeof(q)));
        return;
    }
    a->pos = av.pos;
    for (size_t i = 0; i < dc->address_count; i++) {
        if (memcmp(&dc->addresses[i].addr, &a->addr, sizeof(a->addr)) == 0) {
            char buf[GSLB_ADDR_TEXT_MAX];
            conf_error(cx, av.pos, "%s: address %s is listed twice (first at line %u)", ctx,
                       gslb_addr_format(&a->addr, buf, sizeof(buf)), dc->addresses[i].pos.line);
            return;
        }
    }
    dc->address_count++;
}

static void addresses_parse(conf_cx_t *cx, conf_datacenter_t *dc, const conf_val_t *v,
                            const char *ctx)
{
    char what[128];
    snprintf(what, sizeof(what), "%s: addresses", ctx);
    if (!conf_val_is_list(cx, v, what)) {
        return;
    }
    size_t n = (size_t)fy_node_sequence_item_count(v->node);
    if (n == 0) {
        conf_error(cx, v->pos, "%s must not be empty", what);
        return;
    }
    dc->addresses = xcalloc(n, sizeof(*dc->addresses));
    void *iter = NULL;
    struct fy_node *item;
    while ((item = fy_node_sequence_iterate(v->node, &iter)) != NULL) {
        conf_val_t iv = conf_item_val(cx, item, v->pos);
        address_parse(cx, dc, &iv, ctx);
    }
}

static void cname_parse(conf_cx_t *cx, conf_datacenter_t *dc, const conf_val_t *v,
                        const char *ctx)
{
    char what[128];
    snprintf(what, sizeof(what), "%s: cname", ctx);
    char *text = conf_val_str(cx, v, what, 1, 1024);
    if (text == NULL) {
        return;
    }
    char q[CONF_QUOTE_MAX + 4];
    const char *why = conf_dname_normalize(text, false, &dc->cname);
    if (why != NULL) {
        conf_error(cx, v->pos, "%s: cname '%s' is not a valid DNS name (%s)", ctx,
                   conf_quote(text, strlen(text), q, sizeof(q)), why);
    }
    free(text);
}

static void datacenter_parse(conf_cx_t *cx, conf_datacenter_t *dc, const conf_val_t *v)
{
    char ctx[CONF_QUOTE_MAX + 32];
    char q[CONF_QUOTE_MAX + 4];
    snprintf(ctx, sizeof(ctx), "datacenter '%s'",
             conf_quote(dc->name, strlen(dc->name), q, sizeof(q)));
    if (!conf_val_is_map(cx, v, ctx)) {
        return;
    }
    conf_keys_check(cx, v, dc_keys, ctx);

    conf_val_t lv, wv, av, cv;
    if (conf_get(cx, v, "location", &lv)) {
        location_parse(cx, dc, &lv, ctx);
    }
    char what[CONF_QUOTE_MAX + 64];
    /* capacity, or its older name weight: one of them. */
    conf_val_t cap;
    bool has_capacity = conf_get(cx, v, "capacity", &cap);
    bool has_weight = conf_get(cx, v, "weight", &wv);
    if (has_capacity && has_weight) {
        conf_error(cx, wv.pos, "%s: weight is another name for capacity: give one of them", ctx);
    } else if (has_capacity || has_weight) {
        snprintf(what, sizeof(what), "%s: %s", ctx, has_capacity ? "capacity" : "weight");
        long long w;
        if (conf_val_int(cx, has_capacity ? &cap : &wv, what, 1, CONF_WEIGHT_MAX, &w)) {
            dc->weight = (uint32_t)w;
        }
    }
    conf_val_t ldv;
    if (conf_get(cx, v, "load", &ldv) && !conf_val_is_null(&ldv)) {
        conf_load_feed_parse(cx, dc, &ldv, ctx);
    }
    conf_val_t pv;
    if (conf_get(cx, v, "probe", &pv)) {
        dc->probe = conf_probe_ref_parse(cx, &pv, ctx);
    }
    snprintf(what, sizeof(what), "%s: min_up_fraction", ctx);
    if (conf_get(cx, v, "min_up_fraction", &pv)) {
        conf_val_double(cx, &pv, what, 0.0, 1.0, &dc->min_up_fraction);
    }
    bool has_addresses = conf_get(cx, v, "addresses", &av);
    bool has_cname = conf_get(cx, v, "cname", &cv);
    /* A CNAME cannot coexist with other data at the same owner name
     * (RFC 1034 section 3.6.2), so a site answers with one or the other. */
    if (has_addresses && has_cname) {
        conf_error(cx, cv.pos, "%s: give either addresses or cname, not both", ctx);
    } else if (!has_addresses && !has_cname) {
        conf_error(cx, dc->pos, "%s: needs addresses or a cname", ctx);
    }
    if (has_addresses) {
        addresses_parse(cx, dc, &av, ctx);
    }
    if (has_cname) {
        cname_parse(cx, dc, &cv, ctx);
    }
}

void conf_datacenters_parse(conf_cx_t *cx, const conf_val_t *v)
{
    conf_t *c = cx->c;
    if (!conf_val_is_map(cx, v, "datacenters")) {
        return;
    }
    size_t n = (size_t)fy_node_mapping_item_count(v->node);
    if (n == 0) {
        conf_error(cx, v->pos, "datacenters must define at least one data center");
        return;
    }
    c->datacenters = xcalloc(n, sizeof(*c->datacenters));
    void *iter = NULL;
    struct fy_node_pair *p;
    while ((p = fy_node_mapping_iterate(v->node, &iter)) != NULL) {
        const char *name = conf_pair_key(cx, p, "datacenters");
        if (name == NULL) {
            continue;
        }
        conf_pos_t pos = conf_node_pos(cx, fy_node_pair_key(p), v->pos);
        char q[CONF_QUOTE_MAX + 4];
        conf_quote(name, strlen(name), q, sizeof(q));
        if (conf_datacenter_find(c, name) >= 0) {
            continue; /* reported by conf_dups_check */
        }
        if (!conf_name_is_valid(name)) {
            conf_error(cx, pos,
                       "datacenter '%s': name must be 1..%d of the characters A-Z a-z 0-9 _ . -",
                       q, CONF_NAME_MAX);
        }
        /* Kept even when it has errors, so that references to it do not
         * produce a second round of "unknown datacenter" errors. */
        conf_datacenter_t *dc = &c->datacenters[c->datacenter_count++];
        dc->name = xstrdup(name);
        dc->pos = pos;
        dc->weight = CONF_DEFAULT_WEIGHT;
        dc->probe = -1;
        conf_val_t dv = conf_pair_val(cx, p);
        datacenter_parse(cx, dc, &dv);
    }
}

/* Add one data center name to a list; reports unknown names and repeats. */
static bool dc_list_add(conf_cx_t *cx, const conf_val_t *v, const char *what, conf_dc_list_t *out)
{
    const conf_t *c = cx->c;
    if (!conf_val_is_scalar(cx, v, what)) {
        return false;
    }
    size_t len;
    const char *name = conf_val_text(v, &len);
    char q[CONF_QUOTE_MAX + 4];
    conf_quote(name, len, q, sizeof(q));
    int i = conf_datacenter_find(c, name);
    if (i < 0) {
        const char **names = xcalloc(c->datacenter_count + 1, sizeof(*names));
        for (size_t k = 0; k < c->datacenter_count; k++) {
            names[k] = c->datacenters[k].name;
        }
        const char *hint = conf_suggest(name, names, c->datacenter_count);
        if (hint != NULL) {
            conf_error(cx, v->pos, "%s: unknown datacenter '%s' (did you mean '%s'?)", what, q,
                       hint);
        } else {
            conf_error(cx, v->pos, "%s: unknown datacenter '%s'", what, q);
        }
        free(names);
        return false;
    }
    for (size_t k = 0; k < out->count; k++) {
        if (out->dc[k] == (uint32_t)i) {
            conf_error(cx, v->pos, "%s: datacenter '%s' is listed twice", what, q);
            return false;
        }
    }
    out->dc[out->count++] = (uint32_t)i;
    return true;
}

bool conf_dc_list_parse(conf_cx_t *cx, const conf_val_t *v, const char *what, bool allow_empty,
                        conf_dc_list_t *out)
{
    out->dc = NULL;
    out->count = 0;
    bool ok = true;
    if (conf_val_is_null(v)) {
        /* nothing: an empty list */
    } else if (fy_node_get_type(v->node) == FYNT_SCALAR) {
        out->dc = xcalloc(1, sizeof(*out->dc));
        ok = dc_list_add(cx, v, what, out);
    } else if (fy_node_get_type(v->node) == FYNT_SEQUENCE) {
        size_t n = (size_t)fy_node_sequence_item_count(v->node);
        out->dc = xcalloc(n > 0 ? n : 1, sizeof(*out->dc));
        void *iter = NULL;
        struct fy_node *item;
        while ((item = fy_node_sequence_iterate(v->node, &iter)) != NULL) {
            conf_val_t iv = conf_item_val(cx, item, v->pos);
            ok = dc_list_add(cx, &iv, what, out) && ok;
        }
    } else {
        char d[CONF_QUOTE_MAX + 8];
        conf_error(cx, v->pos, "%s must be a list of datacenter names (got %s)", what,
                   conf_val_describe(v, d, sizeof(d)));
        return false;
    }
    if (out->count == 0) {
        free(out->dc);
        out->dc = NULL;
        if (!allow_empty && ok) {
            conf_error(cx, v->pos, "%s must list at least one datacenter", what);
            return false;
        }
    }
    return ok;
}
