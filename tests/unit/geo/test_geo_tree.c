/* Property test of the compiled decision trees against the rules and a brute-force scope. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "gslb/geo.h"

#ifndef GEO_FIXTURE_DIR
#define GEO_FIXTURE_DIR "."
#endif

/* Addresses of a family as numbers: IPv4 in the low 32 bits. */
typedef unsigned __int128 u128;

#define SAMPLES 100000
#define NETS_PER_FAMILY 120
#define MAX_NETWORKS 8192

enum { LON, NYC, TYO, SFO, NOWHERE, SITE_COUNT };
static const geo_site_t sites[SITE_COUNT] = {
    [LON] = {51.5074, -0.1278, true},   [NYC] = {40.7128, -74.0060, true},
    [TYO] = {35.6762, 139.6503, true},  [SFO] = {37.7749, -122.4194, true},
    [NOWHERE] = {0.0, 0.0, false},
};

/* ---- numbers and bytes ---------------------------------------------------- */

static u128 from_bytes(int family, const uint8_t *a)
{
    u128 v = 0;
    for (int i = 0; i < (family == AF_INET ? 4 : 16); i++) {
        v = v << 8 | a[i];
    }
    return v;
}

static void to_bytes(int family, u128 v, uint8_t *a)
{
    int n = family == AF_INET ? 4 : 16;
    for (int i = n - 1; i >= 0; i--) {
        a[i] = (uint8_t)v;
        v >>= 8;
    }
}

static unsigned width_of(int family)
{
    return family == AF_INET ? 32 : 128;
}

/* Mask of the host bits of a /bits block in a width-bit space. */
static u128 host_mask(unsigned width, unsigned bits)
{
    if (bits >= width) {
        return 0;
    }
    u128 all = width == 128 ? ~(u128)0 : (((u128)1 << width) - 1);
    return all >> bits;
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static u128 rnd128(void)
{
    return (u128)rnd() << 64 | rnd();
}

/* ---- the networks: the database's (from the spec it was built from) and the nets ---- */

typedef struct net {
    u128 start;
    unsigned bits;
} net_t;

typedef struct space {
    int family;
    net_t nets[MAX_NETWORKS];   /* where samples are drawn */
    size_t net_count;
    u128 *bounds;               /* interval starts, sorted, unique */
    size_t bound_count, bound_cap;
    uint32_t *answer;           /* per interval: result id */
    u128 *run_start, *run_end;  /* per interval: the run (equal answers) it belongs to */
} space_t;

static void bound_add(space_t *s, u128 v)
{
    if (s->bound_count == s->bound_cap) {
        s->bound_cap = s->bound_cap ? 2 * s->bound_cap : 1024;
        s->bounds = realloc(s->bounds, s->bound_cap * sizeof(*s->bounds));
        assert_non_null(s->bounds);
    }
    s->bounds[s->bound_count++] = v;
}

/* The block start/bits of a width-bit space, shifted to sit at prefix
 * at/at_bits of the space s (an alias of IPv4 inside IPv6). */
static void block_add(space_t *s, u128 start, unsigned bits, unsigned width, u128 at,
                      unsigned at_bits, bool is_sample)
{
    unsigned sw = width_of(s->family);
    unsigned shift = sw - at_bits - width;
    u128 lo = at | start << shift;
    unsigned total = at_bits + bits;
    u128 end = lo | host_mask(sw, total);
    bound_add(s, lo);
    if (end != (sw == 128 ? ~(u128)0 : host_mask(sw, 0))) {
        bound_add(s, end + 1);
    }
    if (is_sample && s->net_count < MAX_NETWORKS) {
        s->nets[s->net_count++] = (net_t){lo, total};
    }
}

static int cmp_u128(const void *a, const void *b)
{
    u128 x = *(const u128 *)a, y = *(const u128 *)b;
    return x < y ? -1 : x > y;
}

static bool parse_cidr(const char *text, int *family, u128 *start, unsigned *bits)
{
    char buf[64];
    snprintf(buf, sizeof(buf), "%s", text);
    char *slash = strchr(buf, '/');
    if (slash == NULL) {
        return false;
    }
    *slash = '\0';
    uint8_t a[16];
    *family = strchr(buf, ':') != NULL ? AF_INET6 : AF_INET;
    if (inet_pton(*family, buf, a) != 1) {
        return false;
    }
    *start = from_bytes(*family, a);
    *bits = (unsigned)atoi(slash + 1);
    return true;
}

/* The IPv4 aliases inside IPv6, as the fixture writer and MaxMind set them up. */
static const struct {
    const char *prefix;
    unsigned bits;
} aliases[] = {{"::", 96}, {"::ffff:0:0", 96}, {"2002::", 16}, {"2001::", 32}};

static void spec_read(space_t *v4, space_t *v6)
{
    FILE *f = fopen(GEO_FIXTURE_DIR "/prop.spec", "r");
    assert_non_null(f);
    char line[256];
    while (fgets(line, sizeof(line), f) != NULL) {
        if (line[0] == '#' || line[0] == '\n') {
            continue;
        }
        char cidr[64];
        assert_int_equal(sscanf(line, "%63s", cidr), 1);
        int family;
        u128 start;
        unsigned bits;
        assert_true(parse_cidr(cidr, &family, &start, &bits));
        if (family == AF_INET6) {
            block_add(v6, start, bits, 128, 0, 0, true);
            continue;
        }
        block_add(v4, start, bits, 32, 0, 0, true);
        for (size_t i = 0; i < GSLB_ARRAY_LEN(aliases); i++) {
            int fam;
            u128 at;
            unsigned ab;
            char text[64];
            snprintf(text, sizeof(text), "%s/%u", aliases[i].prefix, aliases[i].bits);
            assert_true(parse_cidr(text, &fam, &at, &ab));
            block_add(v6, start, bits, 32, at, ab, true);
        }
    }
    fclose(f);
}

/* ---- the map under test --------------------------------------------------- */

static uint32_t dl_lon[] = {LON, NYC}, dl_nyc[] = {NYC, LON}, dl_tyo[] = {TYO, LON};
static uint32_t dl_jp[] = {TYO}, dl_de[] = {LON, SFO}, dl_ca[] = {SFO, NYC};
static uint32_t dl_london[] = {LON}, dl_sf[] = {SFO}, dl_default[] = {NYC, TYO, LON};
static uint32_t *const net_lists[] = {dl_lon, dl_nyc, dl_tyo, dl_jp, dl_sf};
static const size_t net_list_len[] = {2, 2, 2, 1, 1};

#define DCS(a) {(a), GSLB_ARRAY_LEN(a)}
#define POS {"prop.yaml", 1, 1}

/* Distinct answers, by content. */
typedef struct answers {
    uint32_t lists[256][GEO_MAX_SITES];
    size_t lens[256];
    size_t count;
} answers_t;

typedef struct fixture {
    geo_db_t *db;
    geo_records_t *recs;
    geo_map_t *map;
    geo_tree_t *nearest;
    conf_map_net_t nets[2 * NETS_PER_FAMILY];
    size_t net_count;
    space_t v4, v6;
    answers_t answers; /* the distinct answers the oracle gave */
} fixture_t;

/* nets: entries: some inside database networks, some around them, some
 * anywhere; every one also a boundary of its family's space. */
static void nets_make(fixture_t *f)
{
    for (int fam = 0; fam < 2; fam++) {
        int family = fam == 0 ? AF_INET : AF_INET6;
        space_t *s = fam == 0 ? &f->v4 : &f->v6;
        unsigned width = width_of(family);
        for (size_t made = 0; made < NETS_PER_FAMILY;) {
            const net_t *base = &s->nets[rnd() % s->net_count];
            unsigned bits;
            u128 start;
            switch (rnd() % 3) {
            case 0: /* inside a network */
                bits = base->bits + 1 + (unsigned)(rnd() % 6);
                start = base->start | (rnd128() & host_mask(width, base->bits));
                break;
            case 1: /* around one */
                bits = base->bits > 3 ? base->bits - 1 - (unsigned)(rnd() % 3) : base->bits;
                start = base->start;
                break;
            default:
                bits = (unsigned)(rnd() % (width == 32 ? 25 : 49)) + (width == 32 ? 6 : 12);
                start = width == 32 ? rnd128() : (u128)0x2 << 124 | (rnd128() >> 4);
                break;
            }
            if (bits > width) {
                bits = width;
            }
            start &= ~host_mask(width, bits);
            if (width == 32) {
                start &= 0xffffffffu;
            }
            bool is_dup = false;
            for (size_t i = 0; i < f->net_count; i++) {
                const conf_map_net_t *n = &f->nets[i];
                is_dup = is_dup || (n->net.family == family && n->prefix_bits == bits &&
                                    from_bytes(family, n->net.addr) == start);
            }
            if (is_dup) {
                continue;
            }
            conf_map_net_t *n = &f->nets[f->net_count++];
            size_t pick = rnd() % GSLB_ARRAY_LEN(net_lists);
            *n = (conf_map_net_t){.prefix_bits = (uint8_t)bits,
                                  .dcs = {net_lists[pick], net_list_len[pick]},
                                  .pos = POS};
            n->net.family = family;
            to_bytes(family, start, n->net.addr);
            block_add(s, start, bits, width, 0, 0, true);
            if (family == AF_INET) {
                /* IPv4 nets also hold for IPv4-mapped clients. */
                int fm;
                u128 at;
                unsigned ab;
                assert_true(parse_cidr("::ffff:0:0/96", &fm, &at, &ab));
                block_add(&f->v6, start, bits, 32, at, ab, false);
            }
            made++;
        }
    }
}

static conf_map_entry_t continents[] = {
    {"EU", DCS(dl_lon), POS}, {"NA", DCS(dl_nyc), POS}, {"AS", DCS(dl_tyo), POS}};
static conf_map_entry_t countries[] = {{"JP", DCS(dl_jp), POS}, {"DE", DCS(dl_de), POS}};
static conf_map_entry_t subdivisions[] = {{"US/CA", DCS(dl_ca), POS}};
static conf_map_entry_t cities[] = {{"GB/ENG/London", DCS(dl_london), POS},
                                    {"US/San Francisco", DCS(dl_sf), POS}};

/* ---- the oracle: the rules on a direct database lookup -------------------- */

typedef size_t (*oracle_fn)(const fixture_t *f, int family, const uint8_t *a, uint32_t *dcs);

static size_t map_oracle(const fixture_t *f, int family, const uint8_t *a, uint32_t *dcs)
{
    geo_location_t loc;
    assert_int_equal(geo_db_lookup(f->db, family, a, &loc), 0);
    geo_map_result_t r;
    geo_map_resolve_rules(f->map, family, a, &loc, &r);
    memcpy(dcs, r.dcs, r.dc_count * sizeof(*dcs));
    return r.dc_count;
}

static const uint32_t nearest_cand[] = {SFO, NOWHERE, LON, TYO, NYC};

static size_t nearest_oracle(const fixture_t *f, int family, const uint8_t *a, uint32_t *dcs)
{
    geo_location_t loc;
    assert_int_equal(geo_db_lookup(f->db, family, a, &loc), 0);
    memcpy(dcs, nearest_cand, sizeof(nearest_cand));
    if (loc.is_found && loc.has_coords) {
        geo_sites_order_by_distance(sites, dcs, GSLB_ARRAY_LEN(nearest_cand), loc.latitude,
                                    loc.longitude);
    }
    return GSLB_ARRAY_LEN(nearest_cand);
}

static uint32_t answer_id(answers_t *as, const uint32_t *dcs, size_t n)
{
    for (size_t i = 0; i < as->count; i++) {
        if (as->lens[i] == n && memcmp(as->lists[i], dcs, n * sizeof(*dcs)) == 0) {
            return (uint32_t)i;
        }
    }
    assert_true(as->count < 256);
    memcpy(as->lists[as->count], dcs, n * sizeof(*dcs));
    as->lens[as->count] = n;
    return (uint32_t)as->count++;
}

/* Sort the boundaries, give each interval between them the oracle's answer
 * at its first address (every address of an interval lies in the same
 * database networks and nets entries), and join equal neighbours into runs. */
static void runs_build(const fixture_t *f, space_t *s, oracle_fn oracle, answers_t *as)
{
    bound_add(s, 0);
    qsort(s->bounds, s->bound_count, sizeof(*s->bounds), cmp_u128);
    size_t n = 0;
    for (size_t i = 0; i < s->bound_count; i++) {
        if (n == 0 || s->bounds[n - 1] != s->bounds[i]) {
            s->bounds[n++] = s->bounds[i];
        }
    }
    s->bound_count = n;
    free(s->answer);
    free(s->run_start);
    free(s->run_end);
    s->answer = calloc(n, sizeof(*s->answer));
    s->run_start = calloc(n, sizeof(*s->run_start));
    s->run_end = calloc(n, sizeof(*s->run_end));
    assert_true(s->answer && s->run_start && s->run_end);
    u128 top = s->family == AF_INET ? host_mask(32, 0) : ~(u128)0;
    for (size_t i = 0; i < n; i++) {
        uint8_t a[16];
        uint32_t dcs[GEO_MAX_SITES];
        to_bytes(s->family, s->bounds[i], a);
        s->answer[i] = answer_id(as, dcs, oracle(f, s->family, a, dcs));
    }
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j + 1 < n && s->answer[j + 1] == s->answer[i]) {
            j++;
        }
        u128 end = j + 1 < n ? s->bounds[j + 1] - 1 : top;
        for (size_t k = i; k <= j; k++) {
            s->run_start[k] = s->bounds[i];
            s->run_end[k] = end;
        }
        i = j + 1;
    }
}

/* The widest prefix whose block around v lies inside v's run. */
static unsigned widest_block(const space_t *s, u128 v)
{
    size_t lo = 0, hi = s->bound_count;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (s->bounds[mid] <= v) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    unsigned width = width_of(s->family);
    for (unsigned p = 0; p <= width; p++) {
        u128 hm = host_mask(width, p);
        if ((v & ~hm) >= s->run_start[lo] && (v | hm) <= s->run_end[lo]) {
            return p;
        }
    }
    return width;
}

/* An address to try: inside a network or nets entry, next to a boundary, or anywhere. */
static u128 sample(const space_t *s)
{
    unsigned width = width_of(s->family);
    u128 v;
    switch (rnd() % 5) {
    case 0:
    case 1: {
        const net_t *n = &s->nets[rnd() % s->net_count];
        v = n->start | (rnd128() & host_mask(width, n->bits));
        break;
    }
    case 2: {
        u128 b = s->bounds[rnd() % s->bound_count];
        v = rnd() % 2 ? b + (rnd() % 4) : b - 1 - (rnd() % 4);
        break;
    }
    default:
        v = rnd128();
        if (s->family == AF_INET6 && rnd() % 2) {
            v = (u128)0x2 << 124 | v >> 4; /* where the IPv6 networks are */
        }
        break;
    }
    return s->family == AF_INET ? v & host_mask(32, 0) : v;
}

/* For SAMPLES addresses of the space: the tree's data centers are the
 * oracle's, and its scope is exactly the widest block of constant answer. */
static void check_space(const fixture_t *f, const space_t *s, const geo_tree_t *t,
                        oracle_fn oracle)
{
    size_t exact = 0;
    for (size_t i = 0; i < SAMPLES; i++) {
        u128 v = sample(s);
        uint8_t a[16];
        to_bytes(s->family, v, a);
        geo_tree_hit_t hit = geo_tree_find(t, s->family, a);
        uint32_t want[GEO_MAX_SITES];
        size_t n = oracle(f, s->family, a, want);
        char text[INET6_ADDRSTRLEN];
        inet_ntop(s->family, a, text, sizeof(text));
        if (hit.dc_count != n || memcmp(hit.dcs, want, n * sizeof(*want)) != 0) {
            fail_msg("%s: tree gives %u data centers (first %u), rules give %zu (first %u)",
                     text, hit.dc_count, hit.dc_count ? hit.dcs[0] : 99, n,
                     n ? want[0] : 99);
        }
        unsigned widest = widest_block(s, v);
        if (hit.scope_bits != widest) {
            fail_msg("%s: scope /%u, widest block of one answer /%u", text, hit.scope_bits,
                     widest);
        }
        exact++;
    }
    assert_int_equal(exact, SAMPLES);
}

static void space_reset(space_t *s, int family)
{
    free(s->bounds);
    free(s->answer);
    free(s->run_start);
    free(s->run_end);
    memset(s, 0, sizeof(*s));
    s->family = family;
}

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    space_reset(&f->v4, AF_INET);
    space_reset(&f->v6, AF_INET6);
    assert_int_equal(geo_db_open(&f->db, GEO_FIXTURE_DIR "/prop.mmdb", NULL, NULL), 0);
    assert_int_equal(geo_records_build(&f->recs, f->db), 0);
    spec_read(&f->v4, &f->v6);
    /* The alias regions' own edges. */
    for (size_t i = 0; i < GSLB_ARRAY_LEN(aliases); i++) {
        int fam;
        u128 at;
        unsigned ab;
        char text[64];
        snprintf(text, sizeof(text), "%s/%u", aliases[i].prefix, aliases[i].bits);
        assert_true(parse_cidr(text, &fam, &at, &ab));
        block_add(&f->v6, 0, 0, 0, at, ab, false);
    }
    nets_make(f);
    conf_map_t cm = {
        .name = "prop",
        .nets = f->nets,
        .net_count = f->net_count,
        .cities = cities,
        .city_count = GSLB_ARRAY_LEN(cities),
        .subdivisions = subdivisions,
        .subdivision_count = GSLB_ARRAY_LEN(subdivisions),
        .countries = countries,
        .country_count = GSLB_ARRAY_LEN(countries),
        .continents = continents,
        .continent_count = GSLB_ARRAY_LEN(continents),
        .default_dcs = DCS(dl_default),
        .is_nearest_fallback = true,
        .pos = POS,
    };
    assert_int_equal(geo_map_new(&f->map, &cm, sites, SITE_COUNT, f->recs, NULL), 0);
    assert_int_equal(geo_tree_nearest_new(&f->nearest, f->recs, sites, nearest_cand,
                                          GSLB_ARRAY_LEN(nearest_cand)),
                     0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    geo_tree_free(f->nearest);
    geo_map_free(f->map);
    geo_records_free(f->recs);
    geo_db_free(f->db);
    space_reset(&f->v4, AF_INET);
    space_reset(&f->v6, AF_INET6);
    free(f->v4.bounds);
    free(f->v6.bounds);
    free(f);
    return 0;
}

static void test_tree_map_ipv4_matches_rules_with_widest_scope(void **state)
{
    fixture_t *f = *state;
    answers_t *as = &f->answers;
    runs_build(f, &f->v4, map_oracle, as);
    check_space(f, &f->v4, geo_map_tree(f->map), map_oracle);
}

static void test_tree_map_ipv6_matches_rules_with_widest_scope(void **state)
{
    fixture_t *f = *state;
    answers_t *as = &f->answers;
    runs_build(f, &f->v6, map_oracle, as);
    check_space(f, &f->v6, geo_map_tree(f->map), map_oracle);
}

static void test_tree_nearest_matches_distance_order_with_widest_scope(void **state)
{
    fixture_t *f = *state;
    answers_t *as = &f->answers;
    runs_build(f, &f->v4, nearest_oracle, as);
    check_space(f, &f->v4, f->nearest, nearest_oracle);
    runs_build(f, &f->v6, nearest_oracle, as);
    check_space(f, &f->v6, f->nearest, nearest_oracle);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tree_map_ipv4_matches_rules_with_widest_scope),
        cmocka_unit_test(test_tree_map_ipv6_matches_rules_with_widest_scope),
        cmocka_unit_test(test_tree_nearest_matches_distance_order_with_widest_scope),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
