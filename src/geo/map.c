/* geo: client -> data-center maps: key normalisation, lookup tables, resolution with ECS scope. */
#include "gslb/geo.h"

#include "nets.h"
#include "tree.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* "CC/SUB/city" at most, NUL included. */
#define MAP_KEY_MAX (2 + 1 + GEO_SUBDIVISION_MAX + 1 + GEO_CITY_MAX + 1)

/* One keyed rule. norm is the comparison form: codes upper case, city names
 * with ASCII letters folded to lower case. */
typedef struct map_rule {
    char *key;       /* as written in the config ("GB/London"), or the CIDR for nets */
    char *norm;
    uint32_t *dcs;
    size_t dc_count;
    size_t order;    /* position in the config: of two equal keys the first is kept */
    int family;      /* nets entries: AF_INET or AF_INET6 */
    uint8_t net[16]; /* nets entries: the network, host bits clear */
    uint8_t bits;    /* nets entries: its prefix length */
} map_rule_t;

/* Rules of one kind sorted by norm, for bsearch. */
typedef struct rule_table {
    map_rule_t *rules;
    size_t count;
} rule_table_t;

typedef enum map_kind {
    MAP_KIND_CITY = 0,
    MAP_KIND_SUBDIVISION,
    MAP_KIND_COUNTRY,
    MAP_KIND_CONTINENT,
    MAP_KIND_COUNT
} map_kind_t;

struct geo_map {
    char *name;
    rule_table_t tables[MAP_KIND_COUNT];
    map_rule_t *nets; /* indexed by the tries' entry numbers */
    size_t net_count;
    geo_nets_t nets4, nets6;
    bool has_nets4, has_nets6; /* whether the trie has any entry: most maps have none */
    uint32_t *default_dcs; /* the configured default, or every data center in config order */
    size_t default_count;
    geo_site_t *sites;
    size_t site_count;
    bool is_nearest_fallback;
    geo_tree_t *tree; /* the compiled decisions the query path reads */
};

/* What the location rules decided for one location. */
typedef struct map_decision {
    const map_rule_t *rule; /* NULL: no location rule matched */
    geo_match_t match;      /* the rule's kind, when rule is not NULL */
} map_decision_t;

/* Build-time state: the diag sink and whether anything was wrong. Key syntax
 * and duplicates are conf's to report (src/conf/maps.c); what is reported
 * here is what only the build can see. */
typedef struct map_build {
    gslb_diag_t *diag;
    const char *name;
    size_t errors;
} map_build_t;

static const char *const kind_names[MAP_KIND_COUNT] = {
    [MAP_KIND_CITY] = "city",
    [MAP_KIND_SUBDIVISION] = "subdivision",
    [MAP_KIND_COUNTRY] = "country",
    [MAP_KIND_CONTINENT] = "continent",
};

static void build_report(map_build_t *b, diag_severity_t sev, const conf_pos_t *pos,
                         const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void build_report(map_build_t *b, diag_severity_t sev, const conf_pos_t *pos,
                         const char *fmt, ...)
{
    if (sev == DIAG_ERROR) {
        b->errors++;
    }
    if (b->diag == NULL) {
        return;
    }
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    gslb_diag_report(b->diag, sev, pos->file, pos->line, pos->col, "map '%s': %s", b->name,
                     text);
}

/* ---- keys and location fields -------------------------------------------- */

static char to_upper(char c)
{
    return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

static char to_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Append n bytes of s to dst at *len, folded by fold; dst has MAP_KEY_MAX bytes
 * and callers have checked that the pieces fit. */
static void append(char *dst, size_t *len, const char *s, size_t n, char (*fold)(char))
{
    for (size_t i = 0; i < n; i++) {
        dst[(*len)++] = fold(s[i]);
    }
    dst[*len] = '\0';
}

/* Write key's comparison form for kind to norm: codes upper case, a city
 * name ASCII-lower-cased. Only normalises: conf has checked the key
 * (src/conf/maps.c), so reporting again here would say everything twice.
 * Returns false, without a message, for a key too long for norm, which conf
 * never lets through; skipping it keeps a bad caller from overflowing norm. */
static bool key_parse(map_kind_t kind, const char *key, char *norm)
{
    size_t key_len = strlen(key);
    size_t len = 0;
    norm[0] = '\0';
    /* Folding keeps every byte, slashes included: norm is as long as key. */
    if (key_len >= MAP_KEY_MAX) {
        return false;
    }
    /* Codes up to city_at, the city name from there. Only city keys have a
     * name: "CC/SUB/City" when the middle part is a subdivision code, else
     * "CC/City" with the rest as the name, since names like "Biel/Bienne"
     * contain a slash themselves. */
    size_t city_at = key_len;
    if (kind == MAP_KIND_CITY) {
        const char *s1 = strchr(key, '/');
        const char *s2 = s1 != NULL ? strchr(s1 + 1, '/') : NULL;
        if (s2 != NULL && geo_code_is_subdivision(s1 + 1, (size_t)(s2 - s1 - 1))) {
            city_at = (size_t)(s2 + 1 - key);
        } else if (s1 != NULL) {
            city_at = (size_t)(s1 + 1 - key);
        }
    }
    append(norm, &len, key, city_at, to_upper);
    append(norm, &len, key + city_at, key_len - city_at, to_lower);
    return true;
}

/* ---- building ------------------------------------------------------------ */

/* Check and copy a data-center list. what/key name the rule in messages. */
static bool dcs_copy(map_build_t *b, const conf_dc_list_t *l, size_t site_count,
                     const char *what, const char *key, const conf_pos_t *pos, uint32_t **out)
{
    *out = NULL;
    if (l->count == 0) {
        build_report(b, DIAG_ERROR, pos, "%s '%s': needs at least one data center", what, key);
        return false;
    }
    if (l->count > GEO_MAX_SITES) {
        build_report(b, DIAG_ERROR, pos, "%s '%s': at most %d data centers (got %zu)", what, key,
                     GEO_MAX_SITES, l->count);
        return false;
    }
    for (size_t i = 0; i < l->count; i++) {
        if (l->dc[i] >= site_count) {
            build_report(b, DIAG_ERROR, pos,
                         "%s '%s': data center index %u out of range (%zu data centers)", what,
                         key, (unsigned)l->dc[i], site_count);
            return false;
        }
    }
    *out = xmalloc(l->count * sizeof(**out));
    memcpy(*out, l->dc, l->count * sizeof(**out));
    return true;
}

static int rule_cmp(const void *a, const void *b)
{
    const map_rule_t *ra = a, *rb = b;
    int c = strcmp(ra->norm, rb->norm);
    if (c != 0) {
        return c;
    }
    return ra->order < rb->order ? -1 : ra->order > rb->order;
}

static int rule_norm_cmp(const void *key, const void *elem)
{
    const map_rule_t *r = elem;
    return strcmp(key, r->norm);
}

static void rule_free(map_rule_t *r)
{
    free(r->key);
    free(r->norm);
    free(r->dcs);
}

static void table_build(map_build_t *b, rule_table_t *t, map_kind_t kind,
                        const conf_map_entry_t *entries, size_t count, size_t site_count)
{
    t->rules = count > 0 ? xcalloc(count, sizeof(*t->rules)) : NULL;
    t->count = 0;
    for (size_t i = 0; i < count; i++) {
        const conf_map_entry_t *e = &entries[i];
        char norm[MAP_KEY_MAX];
        if (!key_parse(kind, e->key, norm)) {
            continue;
        }
        map_rule_t *r = &t->rules[t->count];
        if (!dcs_copy(b, &e->dcs, site_count, kind_names[kind], e->key, &e->pos, &r->dcs)) {
            continue;
        }
        r->key = xstrdup(e->key);
        r->norm = xstrdup(norm);
        r->dc_count = e->dcs.count;
        r->order = i;
        t->count++;
    }
    if (t->count > 1) {
        qsort(t->rules, t->count, sizeof(*t->rules), rule_cmp);
    }
    /* Keys differing only in case are the same key, and conf reports them.
     * Should equal keys reach us anyway, keep the one written first (it
     * leads its run after the sort) and drop the rest, so that bsearch has
     * one answer per key. */
    size_t kept = t->count > 0 ? 1 : 0;
    for (size_t i = 1; i < t->count; i++) {
        if (strcmp(t->rules[kept - 1].norm, t->rules[i].norm) == 0) {
            rule_free(&t->rules[i]);
            continue;
        }
        t->rules[kept++] = t->rules[i];
    }
    t->count = kept;
}

static void nets_build(map_build_t *b, geo_map_t *m, const conf_map_t *cm, size_t site_count)
{
    geo_nets_init(&m->nets4, 32);
    geo_nets_init(&m->nets6, 128);
    m->nets = cm->net_count > 0 ? xcalloc(cm->net_count, sizeof(*m->nets)) : NULL;
    for (size_t i = 0; i < cm->net_count; i++) {
        const conf_map_net_t *n = &cm->nets[i];
        char text[INET6_ADDRSTRLEN + 8];
        char addr_text[INET6_ADDRSTRLEN];
        unsigned width = n->net.family == AF_INET ? 32 : 128;
        /* conf has checked the network; skip, without a message, one it
         * could not have passed, so the trie walk stays inside the address. */
        if ((n->net.family != AF_INET && n->net.family != AF_INET6) ||
            n->prefix_bits > width ||
            inet_ntop(n->net.family, n->net.addr, addr_text, sizeof(addr_text)) == NULL) {
            continue;
        }
        snprintf(text, sizeof(text), "%s/%u", addr_text, (unsigned)n->prefix_bits);
        map_rule_t *r = &m->nets[m->net_count];
        if (!dcs_copy(b, &n->dcs, site_count, "nets", text, &n->pos, &r->dcs)) {
            continue;
        }
        /* conf promises zero host bits; clear them anyway so the trie path
         * is exactly the network part. */
        uint8_t net[16] = {0};
        memcpy(net, n->net.addr, width / 8);
        for (unsigned bit = n->prefix_bits; bit < width; bit++) {
            net[bit / 8] &= (uint8_t) ~(0x80u >> (bit % 8));
        }
        geo_nets_t *t = n->net.family == AF_INET ? &m->nets4 : &m->nets6;
        int32_t dup = geo_nets_insert(t, net, n->prefix_bits, (int32_t)m->net_count);
        if (dup >= 0) {
            /* conf reports duplicate networks; keep the first, as for keys. */
            free(r->dcs);
            r->dcs = NULL;
            continue;
        }
        r->key = xstrdup(text);
        r->dc_count = n->dcs.count;
        r->order = i;
        r->family = n->net.family;
        memcpy(r->net, net, sizeof(r->net));
        r->bits = (uint8_t)n->prefix_bits;
        m->net_count++;
        if (n->net.family == AF_INET) {
            m->has_nets4 = true;
        } else {
            m->has_nets6 = true;
        }
    }
}

static size_t map_classify(void *ctx, const geo_location_t *loc, uint32_t *dcs);

/* Compile the map's rules over every network of recs into its tree. */
static void tree_build(map_build_t *b, geo_map_t *m, const conf_map_t *cm,
                       const geo_records_t *recs)
{
    geo_tree_net_t *nets = xcalloc(m->net_count ? m->net_count : 1, sizeof(*nets));
    for (size_t i = 0; i < m->net_count; i++) {
        const map_rule_t *r = &m->nets[i];
        nets[i] = (geo_tree_net_t){.family = r->family, .bits = r->bits, .dcs = r->dcs,
                                   .dc_count = r->dc_count};
        memcpy(nets[i].net, r->net, sizeof(nets[i].net));
    }
    if (geo_tree_compile(&m->tree, recs, map_classify, m, nets, m->net_count) < 0) {
        build_report(b, DIAG_ERROR, &cm->pos, "decision tree does not fit in memory");
    }
    free(nets);
}

int geo_map_new(geo_map_t **out, const conf_map_t *cm, const geo_site_t *sites,
                size_t site_count, const geo_records_t *recs, gslb_diag_t *diag)
{
    *out = NULL;
    geo_map_t *m = xcalloc(1, sizeof(*m));
    m->name = xstrdup(cm->name != NULL ? cm->name : "");
    map_build_t b = {.diag = diag, .name = m->name, .errors = 0};

    nets_build(&b, m, cm, site_count);
    table_build(&b, &m->tables[MAP_KIND_CITY], MAP_KIND_CITY, cm->cities, cm->city_count,
                site_count);
    table_build(&b, &m->tables[MAP_KIND_SUBDIVISION], MAP_KIND_SUBDIVISION, cm->subdivisions,
                cm->subdivision_count, site_count);
    table_build(&b, &m->tables[MAP_KIND_COUNTRY], MAP_KIND_COUNTRY, cm->countries,
                cm->country_count, site_count);
    table_build(&b, &m->tables[MAP_KIND_CONTINENT], MAP_KIND_CONTINENT, cm->continents,
                cm->continent_count, site_count);

    m->is_nearest_fallback = cm->is_nearest_fallback;
    if (site_count > 0) {
        m->sites = xmalloc(site_count * sizeof(*m->sites));
        memcpy(m->sites, sites, site_count * sizeof(*m->sites));
    }
    m->site_count = site_count;
    /* Nearest ordering and the implicit default list both cover every data
     * center, and a result holds at most GEO_MAX_SITES. */
    bool needs_all = cm->is_nearest_fallback || cm->default_dcs.count == 0;
    if (needs_all && site_count > GEO_MAX_SITES) {
        build_report(&b, DIAG_ERROR, &cm->pos,
                     "%s needs every data center in one list, which holds at most %d "
                     "(config has %zu)",
                     cm->is_nearest_fallback ? "nearest_fallback" : "an empty default",
                     GEO_MAX_SITES, site_count);
    }
    if (cm->default_dcs.count > 0) {
        if (dcs_copy(&b, &cm->default_dcs, site_count, "rule", "default", &cm->pos,
                     &m->default_dcs)) {
            m->default_count = cm->default_dcs.count;
        }
    } else if (site_count <= GEO_MAX_SITES) {
        m->default_dcs = xmalloc((site_count > 0 ? site_count : 1) * sizeof(*m->default_dcs));
        for (size_t i = 0; i < site_count; i++) {
            m->default_dcs[i] = (uint32_t)i;
        }
        m->default_count = site_count;
    }

    if (b.errors == 0) {
        tree_build(&b, m, cm, recs);
    }
    if (b.errors > 0) {
        geo_map_free(m);
        return -GSLB_ECONF;
    }
    *out = m;
    return 0;
}

void geo_map_free(geo_map_t *m)
{
    if (m == NULL) {
        return;
    }
    for (size_t k = 0; k < MAP_KIND_COUNT; k++) {
        for (size_t i = 0; i < m->tables[k].count; i++) {
            rule_free(&m->tables[k].rules[i]);
        }
        free(m->tables[k].rules);
    }
    for (size_t i = 0; i < m->net_count; i++) {
        rule_free(&m->nets[i]);
    }
    free(m->nets);
    geo_nets_fini(&m->nets4);
    geo_nets_fini(&m->nets6);
    free(m->default_dcs);
    free(m->sites);
    free(m->name);
    geo_tree_free(m->tree);
    free(m);
}

/* ---- resolution ---------------------------------------------------------- */

static const map_rule_t *table_find(const rule_table_t *t, const char *norm)
{
    if (t->count == 0) {
        return NULL;
    }
    return bsearch(norm, t->rules, t->count, sizeof(*t->rules), rule_norm_cmp);
}

static void result_set(geo_map_result_t *out, geo_match_t match, const map_rule_t *r)
{
    out->match = match;
    out->dcs = r->dcs;
    out->dc_count = r->dc_count;
    out->key = r->key;
}

/* The location rules, most specific first: the rule that matched and its
 * kind, or no rule. Builds each candidate key in a stack buffer in the
 * tables' comparison form. */
static map_decision_t location_rule(const geo_map_t *m, const geo_location_t *loc)
{
    char key[MAP_KEY_MAX];
    size_t len;
    const map_rule_t *r;
    /* strnlen: the fields are fixed arrays; never read past one. */
    bool has_country = geo_code_is_country(loc->country, strnlen(loc->country, sizeof(loc->country)));
    size_t sub_len = strnlen(loc->subdivision, sizeof(loc->subdivision));
    bool has_sub = has_country && geo_code_is_subdivision(loc->subdivision, sub_len);
    size_t city_len = strnlen(loc->city, sizeof(loc->city));
    bool has_city = has_country && geo_name_is_city(loc->city, city_len);

    if (has_city && has_sub) {
        len = 0;
        append(key, &len, loc->country, 2, to_upper);
        append(key, &len, "/", 1, to_upper);
        append(key, &len, loc->subdivision, sub_len, to_upper);
        append(key, &len, "/", 1, to_upper);
        append(key, &len, loc->city, city_len, to_lower);
        if ((r = table_find(&m->tables[MAP_KIND_CITY], key)) != NULL) {
            return (map_decision_t){r, GEO_MATCH_CITY};
        }
    }
    if (has_city) {
        len = 0;
        append(key, &len, loc->country, 2, to_upper);
        append(key, &len, "/", 1, to_upper);
        append(key, &len, loc->city, city_len, to_lower);
        if ((r = table_find(&m->tables[MAP_KIND_CITY], key)) != NULL) {
            return (map_decision_t){r, GEO_MATCH_CITY};
        }
    }
    if (has_sub) {
        len = 0;
        append(key, &len, loc->country, 2, to_upper);
        append(key, &len, "/", 1, to_upper);
        append(key, &len, loc->subdivision, sub_len, to_upper);
        if ((r = table_find(&m->tables[MAP_KIND_SUBDIVISION], key)) != NULL) {
            return (map_decision_t){r, GEO_MATCH_SUBDIVISION};
        }
    }
    if (has_country) {
        len = 0;
        append(key, &len, loc->country, 2, to_upper);
        if ((r = table_find(&m->tables[MAP_KIND_COUNTRY], key)) != NULL) {
            return (map_decision_t){r, GEO_MATCH_COUNTRY};
        }
    }
    /* A location filled in by hand (or by an older lookup) may lack the
     * continent; derive it as geo_db_lookup does. */
    const char *cont = loc->continent;
    if (!geo_code_is_country(cont, strnlen(cont, sizeof(loc->continent)))) {
        cont = has_country ? geo_country_continent(loc->country) : NULL;
    }
    if (cont != NULL) {
        len = 0;
        append(key, &len, cont, 2, to_upper);
        if ((r = table_find(&m->tables[MAP_KIND_CONTINENT], key)) != NULL) {
            return (map_decision_t){r, GEO_MATCH_CONTINENT};
        }
    }
    return (map_decision_t){NULL, GEO_MATCH_DEFAULT};
}

/* ::ffff:0:0/96, RFC 4291 section 2.5.5.2. */
static bool is_v4_mapped(const uint8_t *a)
{
    static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return memcmp(a, prefix, sizeof(prefix)) == 0;
}

/* The data centers nearest loc first, when no rule matched. */
static __attribute__((noinline)) void nearest_set(const geo_map_t *m, const geo_location_t *loc,
                                                  geo_map_result_t *out)
{
    for (size_t i = 0; i < m->site_count; i++) {
        out->nearest[i] = (uint32_t)i;
    }
    geo_sites_order_by_distance(m->sites, out->nearest, m->site_count, loc->latitude,
                                loc->longitude);
    out->match = GEO_MATCH_NEAREST;
    out->dcs = out->nearest;
    out->dc_count = m->site_count;
    out->key = "nearest";
}

/* The nets of a map that has some for the client's family (t), and the
 * scope: what geo_nets_lookup says. Returns whether a nets entry decided. */
static __attribute__((noinline)) bool nets_resolve(const geo_map_t *m, const geo_nets_t *t,
                                                   const uint8_t *a, unsigned loc_bits,
                                                   unsigned scope_offset,
                                                   geo_map_result_t *out)
{
    geo_nets_hit_t hit = geo_nets_lookup(t, a, loc_bits);
    out->scope_bits = (uint8_t)(hit.scope_bits + scope_offset);
    if (hit.entry >= 0) {
        result_set(out, GEO_MATCH_NET, &m->nets[hit.entry]);
        return true;
    }
    return false;
}

static void default_set(const geo_map_t *m, geo_map_result_t *out)
{
    out->match = GEO_MATCH_DEFAULT;
    out->dcs = m->default_dcs;
    out->dc_count = m->default_count;
    out->key = "default";
}

void geo_map_resolve_rules(const geo_map_t *m, int family, const uint8_t *addr,
                           const geo_location_t *loc, geo_map_result_t *out)
{
    /* Nets and scope. An IPv4-mapped IPv6 client is matched against the
     * IPv4 nets; its scope is then IPv4 bits below the 96-bit mapped
     * prefix. The location's prefix is in IPv6 bits; if the database
     * network is wider than ::ffff:0:0/96, starting the IPv4 part at 0
     * gives a narrower scope than the database would allow, never a wider one.
     * Without nets entries for the family nothing can match or narrow the
     * scope, which is then the location's (what geo_nets_lookup gives for
     * an empty trie, without the call). */
    unsigned loc_bits = loc != NULL ? loc->prefix_bits : 0;
    if (family == AF_INET) {
        if (!m->has_nets4) {
            out->scope_bits = (uint8_t)(loc_bits < 32 ? loc_bits : 32);
        } else if (nets_resolve(m, &m->nets4, addr, loc_bits, 0, out)) {
            return;
        }
    } else if (family == AF_INET6 && is_v4_mapped(addr)) {
        loc_bits = loc_bits >= 96 ? loc_bits - 96 : 0;
        if (!m->has_nets4) {
            out->scope_bits = (uint8_t)(96 + (loc_bits < 32 ? loc_bits : 32));
        } else if (nets_resolve(m, &m->nets4, addr + 12, loc_bits, 96, out)) {
            return;
        }
    } else if (family == AF_INET6) {
        if (!m->has_nets6) {
            out->scope_bits = (uint8_t)(loc_bits < 128 ? loc_bits : 128);
        } else if (nets_resolve(m, &m->nets6, addr, loc_bits, 0, out)) {
            return;
        }
    } else {
        out->scope_bits = 0;
    }

    if (loc == NULL || !loc->is_found) {
        default_set(m, out);
        return;
    }
    map_decision_t d = location_rule(m, loc);
    if (d.rule != NULL) {
        result_set(out, d.match, d.rule);
        return;
    }
    if (m->is_nearest_fallback && loc->has_coords && m->site_count <= GEO_MAX_SITES) {
        nearest_set(m, loc, out);
        return;
    }
    default_set(m, out);
}

/* What the rules give for a location alone (no nets): the classifier the
 * tree is compiled with, so the tree and geo_map_resolve_rules agree by
 * construction on everything but the scope. */
static size_t map_classify(void *ctx, const geo_location_t *loc, uint32_t *dcs)
{
    const geo_map_t *m = ctx;
    const uint32_t *list = m->default_dcs;
    size_t n = m->default_count;
    if (loc->is_found) {
        map_decision_t d = location_rule(m, loc);
        if (d.rule != NULL) {
            list = d.rule->dcs;
            n = d.rule->dc_count;
        } else if (m->is_nearest_fallback && loc->has_coords && m->site_count <= GEO_MAX_SITES) {
            for (size_t i = 0; i < m->site_count; i++) {
                dcs[i] = (uint32_t)i;
            }
            geo_sites_order_by_distance(m->sites, dcs, m->site_count, loc->latitude,
                                        loc->longitude);
            return m->site_count;
        }
    }
    memcpy(dcs, list, n * sizeof(*dcs));
    return n;
}

void geo_map_resolve(const geo_map_t *m, int family, const uint8_t *addr,
                     geo_map_result_t *out)
{
    geo_tree_hit_t hit = geo_tree_find(m->tree, family, addr);
    out->match = GEO_MATCH_DEFAULT;
    out->dcs = hit.dcs;
    out->dc_count = hit.dc_count;
    out->scope_bits = hit.scope_bits;
    out->key = NULL;
}

const geo_tree_t *geo_map_tree(const geo_map_t *m)
{
    return m->tree;
}

const char *geo_map_name(const geo_map_t *m)
{
    return m->name;
}

const char *geo_match_name(geo_match_t m)
{
    switch (m) {
    case GEO_MATCH_NET:
        return "net";
    case GEO_MATCH_CITY:
        return "city";
    case GEO_MATCH_SUBDIVISION:
        return "subdivision";
    case GEO_MATCH_COUNTRY:
        return "country";
    case GEO_MATCH_CONTINENT:
        return "continent";
    case GEO_MATCH_NEAREST:
        return "nearest";
    case GEO_MATCH_DEFAULT:
        return "default";
    }
    return "unknown";
}
