/* conf: the maps: section (client network and location -> ordered data centers). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf_int.h"

static const char *const map_keys[] = {
    "nets",    "cities",  "subdivisions",     "countries",
    "continents", "default", "nearest_fallback", NULL,
};

/* GeoIP2 continent codes, for catching typos in the default schema. */
static const char *const continent_codes[] = {"AF", "AN", "AS", "EU", "NA", "OC", "SA"};

/* Longest code or name part accepted in a key. */
#define MAP_KEY_MAX 256

typedef enum entry_kind {
    ENTRY_CONTINENT,
    ENTRY_COUNTRY,
    ENTRY_SUBDIVISION,
    ENTRY_CITY,
} entry_kind_t;

static const struct {
    const char *key;
    const char *form; /* for messages */
    size_t min_parts, max_parts;
} kinds[] = {
    [ENTRY_CONTINENT] = {"continents", "a continent code like 'EU'", 1, 1},
    [ENTRY_COUNTRY] = {"countries", "a country code like 'GB'", 1, 1},
    [ENTRY_SUBDIVISION] = {"subdivisions", "'COUNTRY/SUBDIVISION' like 'US/CA'", 2, 2},
    [ENTRY_CITY] = {"cities", "'COUNTRY/CITY' or 'COUNTRY/SUBDIVISION/CITY'", 2, 3},
};

static char ascii_upper(char ch)
{
    return ch >= 'a' && ch <= 'z' ? (char)(ch - 'a' + 'A') : ch;
}

/* Check a key's shape and return it with its codes upper-cased (the city
 * name, last in a city key, keeps its case); NULL if malformed. */
static char *entry_key_normalize(const char *key, entry_kind_t kind)
{
    size_t len = strlen(key);
    if (len == 0 || len > MAP_KEY_MAX) {
        return NULL;
    }
    size_t parts = 1;
    for (size_t i = 0; i < len; i++) {
        if (key[i] == '/') {
            if (i == 0 || key[i - 1] == '/' || i == len - 1) {
                return NULL; /* an empty part */
            }
            parts++;
        }
    }
    if (parts < kinds[kind].min_parts || parts > kinds[kind].max_parts) {
        return NULL;
    }
    char *out = xstrdup(key);
    const char *last = strrchr(out, '/');
    size_t keep_from = kind == ENTRY_CITY && last != NULL ? (size_t)(last - out) : len;
    for (size_t i = 0; i < keep_from; i++) {
        out[i] = ascii_upper(out[i]);
    }
    return out;
}

static void entries_parse(conf_cx_t *cx, const conf_val_t *v, entry_kind_t kind, const char *ctx,
                          conf_map_entry_t **out, size_t *count)
{
    char what[CONF_QUOTE_MAX * 2 + 64];
    snprintf(what, sizeof(what), "%s: %s", ctx, kinds[kind].key);
    if (conf_val_is_null(v)) {
        return;
    }
    if (!conf_val_is_map(cx, v, what)) {
        return;
    }
    size_t n = (size_t)fy_node_mapping_item_count(v->node);
    *out = xcalloc(n > 0 ? n : 1, sizeof(**out));
    void *iter = NULL;
    struct fy_node_pair *p;
    while ((p = fy_node_mapping_iterate(v->node, &iter)) != NULL) {
        const char *key = conf_pair_key(cx, p, what);
        if (key == NULL) {
            continue;
        }
        conf_pos_t pos = conf_node_pos(cx, fy_node_pair_key(p), v->pos);
        char q[CONF_QUOTE_MAX + 4];
        conf_quote(key, strlen(key), q, sizeof(q));
        char *norm = entry_key_normalize(key, kind);
        if (norm == NULL) {
            conf_error(cx, pos, "%s: '%s' must be %s", what, q, kinds[kind].form);
            continue;
        }
        if (kind == ENTRY_CONTINENT) {
            bool is_known = false;
            for (size_t i = 0; i < GSLB_ARRAY_LEN(continent_codes) && !is_known; i++) {
                is_known = strcmp(norm, continent_codes[i]) == 0;
            }
            if (!is_known) {
                conf_warning(cx, pos,
                             "%s: '%s' is not a GeoIP2 continent code (AF AN AS EU NA OC SA)",
                             what, q);
            }
        }
        bool is_dup = false;
        for (size_t i = 0; i < *count && !is_dup; i++) {
            if (strcasecmp((*out)[i].key, norm) == 0) {
                conf_error(cx, pos, "%s: '%s' is listed twice (first at line %u)", what, q,
                           (*out)[i].pos.line);
                is_dup = true;
            }
        }
        if (is_dup) {
            free(norm);
            continue;
        }
        conf_map_entry_t *e = &(*out)[(*count)++];
        e->key = norm;
        e->pos = pos;
        char ewhat[sizeof(what) + CONF_QUOTE_MAX + 8];
        snprintf(ewhat, sizeof(ewhat), "%s '%s'", what, q);
        conf_val_t ev = conf_pair_val(cx, p);
        conf_dc_list_parse(cx, &ev, ewhat, false, &e->dcs);
    }
}

static void nets_parse(conf_cx_t *cx, conf_map_t *m, const conf_val_t *v, const char *ctx)
{
    char what[CONF_QUOTE_MAX * 2 + 64];
    snprintf(what, sizeof(what), "%s: nets", ctx);
    if (conf_val_is_null(v)) {
        return;
    }
    if (!conf_val_is_map(cx, v, what)) {
        return;
    }
    size_t n = (size_t)fy_node_mapping_item_count(v->node);
    m->nets = xcalloc(n > 0 ? n : 1, sizeof(*m->nets));
    void *iter = NULL;
    struct fy_node_pair *p;
    while ((p = fy_node_mapping_iterate(v->node, &iter)) != NULL) {
        const char *key = conf_pair_key(cx, p, what);
        if (key == NULL) {
            continue;
        }
        conf_pos_t pos = conf_node_pos(cx, fy_node_pair_key(p), v->pos);
        char q[CONF_QUOTE_MAX + 4];
        conf_quote(key, strlen(key), q, sizeof(q));
        conf_map_net_t *net = &m->nets[m->net_count];
        gslb_prefix_status_t st = gslb_prefix_parse(key, &net->net, &net->prefix_bits);
        if (st == GSLB_PREFIX_HOST_BITS) {
            char buf[GSLB_ADDR_TEXT_MAX];
            conf_error(cx, pos, "%s: '%s' has host bits set (did you mean '%s/%u'?)", what, q,
                       gslb_addr_format(&net->net, buf, sizeof(buf)), net->prefix_bits);
            continue;
        }
        if (st != GSLB_PREFIX_OK) {
            conf_error(cx, pos, "%s: '%s' is not a network in ADDRESS/PREFIX form", what, q);
            continue;
        }
        bool is_dup = false;
        for (size_t i = 0; i < m->net_count && !is_dup; i++) {
            const conf_map_net_t *o = &m->nets[i];
            if (o->prefix_bits == net->prefix_bits &&
                memcmp(&o->net, &net->net, sizeof(o->net)) == 0) {
                conf_error(cx, pos, "%s: '%s' is listed twice (first at line %u)", what, q,
                           o->pos.line);
                is_dup = true;
            }
        }
        if (is_dup) {
            continue;
        }
        net->pos = pos;
        m->net_count++;
        char ewhat[sizeof(what) + CONF_QUOTE_MAX + 8];
        snprintf(ewhat, sizeof(ewhat), "%s '%s'", what, q);
        conf_val_t ev = conf_pair_val(cx, p);
        conf_dc_list_parse(cx, &ev, ewhat, false, &net->dcs);
    }
}

static void map_parse(conf_cx_t *cx, conf_map_t *m, const conf_val_t *v)
{
    char ctx[CONF_QUOTE_MAX + 16];
    char q[CONF_QUOTE_MAX + 4];
    snprintf(ctx, sizeof(ctx), "map '%s'", conf_quote(m->name, strlen(m->name), q, sizeof(q)));
    if (!conf_val_is_map(cx, v, ctx)) {
        return;
    }
    conf_keys_check(cx, v, map_keys, ctx);
    conf_val_t ev;
    if (conf_get(cx, v, "nets", &ev)) {
        nets_parse(cx, m, &ev, ctx);
    }
    if (conf_get(cx, v, "cities", &ev)) {
        entries_parse(cx, &ev, ENTRY_CITY, ctx, &m->cities, &m->city_count);
    }
    if (conf_get(cx, v, "subdivisions", &ev)) {
        entries_parse(cx, &ev, ENTRY_SUBDIVISION, ctx, &m->subdivisions,
                      &m->subdivision_count);
    }
    if (conf_get(cx, v, "countries", &ev)) {
        entries_parse(cx, &ev, ENTRY_COUNTRY, ctx, &m->countries, &m->country_count);
    }
    if (conf_get(cx, v, "continents", &ev)) {
        entries_parse(cx, &ev, ENTRY_CONTINENT, ctx, &m->continents, &m->continent_count);
    }
    char what[sizeof(ctx) + 32];
    if (conf_get(cx, v, "default", &ev)) {
        snprintf(what, sizeof(what), "%s: default", ctx);
        conf_dc_list_parse(cx, &ev, what, true, &m->default_dcs);
    }
    if (conf_get(cx, v, "nearest_fallback", &ev)) {
        snprintf(what, sizeof(what), "%s: nearest_fallback", ctx);
        conf_val_bool(cx, &ev, what, &m->is_nearest_fallback);
    }
}

void conf_maps_parse(conf_cx_t *cx, const conf_val_t *v)
{
    conf_t *c = cx->c;
    if (conf_val_is_null(v) || !conf_val_is_map(cx, v, "maps")) {
        return;
    }
    size_t n = (size_t)fy_node_mapping_item_count(v->node);
    c->maps = xcalloc(n > 0 ? n : 1, sizeof(*c->maps));
    void *iter = NULL;
    struct fy_node_pair *p;
    while ((p = fy_node_mapping_iterate(v->node, &iter)) != NULL) {
        const char *name = conf_pair_key(cx, p, "maps");
        if (name == NULL) {
            continue;
        }
        conf_pos_t pos = conf_node_pos(cx, fy_node_pair_key(p), v->pos);
        char q[CONF_QUOTE_MAX + 4];
        conf_quote(name, strlen(name), q, sizeof(q));
        bool is_dup = false;
        for (size_t i = 0; i < c->map_count && !is_dup; i++) {
            is_dup = strcmp(c->maps[i].name, name) == 0;
        }
        if (is_dup) {
            continue; /* reported by conf_dups_check */
        }
        if (!conf_name_is_valid(name)) {
            conf_error(cx, pos, "map '%s': name must be 1..%d of the characters A-Z a-z 0-9 _ . -",
                       q, CONF_NAME_MAX);
        }
        conf_map_t *m = &c->maps[c->map_count++];
        m->name = xstrdup(name);
        m->pos = pos;
        conf_val_t mv = conf_pair_val(cx, p);
        map_parse(cx, m, &mv);
    }
}
