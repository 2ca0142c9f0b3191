/* conf: the maps: section (client network and location -> ordered data centers). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf_int.h"

#include "gslb/geo.h"

static const char *const map_keys[] = {
    "nets",    "cities",  "subdivisions",     "countries",
    "continents", "default", "nearest_fallback", NULL,
};

/* The seven continent codes GeoIP2 databases use; geo/ derives the same
 * ones from country codes. */
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

/* ---- what a key must be, kind by kind ----
 * These checks are the only ones of map keys: geo/ builds its tables from
 * keys that passed them. The messages are the ones geo/ used to give. */

static bool continent_ok(const char *s)
{
    for (size_t i = 0; i < GSLB_ARRAY_LEN(continent_codes); i++) {
        if (strcmp(s, continent_codes[i]) == 0) {
            return true;
        }
    }
    return false;
}

/* Whether a "CC/..." city key names a subdivision: "CC/SUB/City" when the
 * middle part is a subdivision code, else "CC/City" with the rest as the
 * name, since names like "Biel/Bienne" contain a slash themselves. Sets
 * *city to the name. */
static void city_split(const char *key, const char **city)
{
    const char *s1 = strchr(key, '/');
    const char *s2 = s1 != NULL ? strchr(s1 + 1, '/') : NULL;
    *city = s1 != NULL ? s1 + 1 : NULL;
    if (s2 != NULL && geo_code_is_subdivision(s1 + 1, (size_t)(s2 - s1 - 1))) {
        *city = s2 + 1;
    }
}

/* Check the codes and names in norm (a key of the right shape, codes
 * upper-cased); report an error or, for a well-formed but unassigned
 * country code, a warning. */
static void entry_key_check(conf_cx_t *cx, conf_pos_t pos, const char *ctx, entry_kind_t kind,
                            const char *norm)
{
    const char *slash = strchr(norm, '/');
    size_t cc_len = slash != NULL ? (size_t)(slash - norm) : strlen(norm);
    switch (kind) {
    case ENTRY_CONTINENT:
        if (!continent_ok(norm)) {
            conf_error(cx, pos, "%s: continent key must be one of AF AN AS EU NA OC SA (got '%s')",
                       ctx, norm);
        }
        return;
    case ENTRY_COUNTRY:
        if (!geo_code_is_country(norm, cc_len)) {
            conf_error(cx, pos,
                       "%s: country key must be a two-letter ISO 3166-1 code, e.g. GB (got '%s')",
                       ctx, norm);
            return;
        }
        break;
    case ENTRY_SUBDIVISION:
        if (!geo_code_is_country(norm, cc_len) || !geo_code_is_subdivision(slash + 1, strlen(slash + 1))) {
            conf_error(cx, pos,
                       "%s: subdivision key must be COUNTRY/CODE with a 1 to 3 character "
                       "ISO 3166-2 code, e.g. US/CA or GB/ENG (got '%s')",
                       ctx, norm);
            return;
        }
        break;
    case ENTRY_CITY: {
        const char *city;
        city_split(norm, &city);
        if (!geo_code_is_country(norm, cc_len) || !geo_name_is_city(city, strlen(city))) {
            conf_error(cx, pos,
                       "%s: city key must be COUNTRY/City or COUNTRY/SUBDIVISION/City with a "
                       "name of 1 to %zu bytes, e.g. GB/London or US/CA/San Francisco "
                       "(got '%s')",
                       ctx, GEO_CITY_MAX, norm);
            return;
        }
        break;
    }
    }
    /* Well formed; "UK" is the classic slip (the United Kingdom is GB). */
    char cc[3] = {norm[0], norm[1], '\0'};
    if (geo_country_continent(cc) == NULL) {
        conf_warning(cx, pos, "%s: '%s': '%s' is not an ISO 3166-1 country code%s", ctx, norm, cc,
                     strcmp(cc, "UK") == 0 ? " (the United Kingdom is GB)" : "");
    }
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
        entry_key_check(cx, pos, ctx, kind, norm);
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
