/* Cross-check of cached MaxMind DB lookups against uncached ones, and the cache counters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "db_int.h"
#include "gslb/geo.h"
#include "netcache.h"

#ifndef GEO_FIXTURE_DIR
#define GEO_FIXTURE_DIR "tests/unit/geo"
#endif

/* Random lookups per test after the walk over every network: enough to
 * fill the network cache (32768 IPv4 and 8192 IPv6 slots) and the record
 * cache (1024 slots, for about 2,000 records) several times over. */
#define RANDOM_LOOKUPS 150000
#define RECENT 1024 /* addresses kept for repeated lookups */
#define MAX_NETS (1u << 20)

typedef struct rng {
    uint64_t s;
} rng_t;

/* xorshift64*: fixed seeds, so a failure reproduces exactly. */
static uint64_t rng_next(rng_t *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return r->s * 0x2545F4914F6CDD1DULL;
}

static unsigned rng_below(rng_t *r, unsigned n)
{
    return (unsigned)((rng_next(r) >> 32) % n);
}

/* An address of either family; IPv4 uses the first 4 bytes. */
typedef struct addr {
    int family;
    uint8_t b[16];
} addr_t;

/* A network of the database as a lookup reports it. */
typedef struct net {
    addr_t first;
    unsigned bits;
} net_t;

typedef struct net_list {
    net_t *nets;
    size_t count;
} net_list_t;

static unsigned width_of(int family)
{
    return family == AF_INET ? 32 : 128;
}

static geo_db_t *open_fixture(const char *name)
{
    char path[4096];
    const char *dir = getenv("GEO_FIXTURE_DIR");
    if (dir == NULL || dir[0] == '\0') {
        dir = GEO_FIXTURE_DIR;
    }
    snprintf(path, sizeof(path), "%s/%s.mmdb", dir, name);
    geo_db_t *db = NULL;
    assert_int_equal(geo_db_open(&db, path, NULL, NULL), 0);
    return db;
}

/* The address with the bits from `from` on all cleared or all set. */
static addr_t addr_fill(const addr_t *a, unsigned from, bool set)
{
    addr_t out = *a;
    for (unsigned i = from; i < width_of(a->family); i++) {
        uint8_t bit = (uint8_t)(0x80u >> (i % 8));
        out.b[i / 8] = set ? (uint8_t)(out.b[i / 8] | bit) : (uint8_t)(out.b[i / 8] & ~bit);
    }
    return out;
}

/* a + 1 (step 1) or a - 1 (step -1), wrapping; returns false when it wrapped. */
static bool addr_step(addr_t *a, int step)
{
    for (int i = (int)width_of(a->family) / 8 - 1; i >= 0; i--) {
        if (step > 0) {
            if (++a->b[i] != 0) {
                return true;
            }
        } else if (a->b[i]-- != 0) {
            return true;
        }
    }
    return false;
}

/* A random address in a network: the network's bits, then random ones. */
static addr_t addr_inside(const net_t *n, rng_t *r)
{
    addr_t out = n->first;
    for (unsigned i = n->bits; i < width_of(out.family); i++) {
        if (rng_next(r) >> 63) {
            out.b[i / 8] = (uint8_t)(out.b[i / 8] | (0x80u >> (i % 8)));
        }
    }
    return out;
}

static void addr_print(const addr_t *a, char *buf, size_t len)
{
    if (inet_ntop(a->family, a->b, buf, (socklen_t)len) == NULL) {
        snprintf(buf, len, "?");
    }
}

static bool loc_equal(const geo_location_t *a, const geo_location_t *b)
{
    return a->is_found == b->is_found && memcmp(a->continent, b->continent, 3) == 0 &&
           memcmp(a->country, b->country, 3) == 0 &&
           memcmp(a->subdivision, b->subdivision, sizeof(a->subdivision)) == 0 &&
           memcmp(a->city, b->city, sizeof(a->city)) == 0 && a->has_coords == b->has_coords &&
           memcmp(&a->latitude, &b->latitude, sizeof(double)) == 0 &&
           memcmp(&a->longitude, &b->longitude, sizeof(double)) == 0 &&
           a->prefix_bits == b->prefix_bits && a->record_id == b->record_id;
}

static void loc_print(const char *what, int rc, const geo_location_t *l)
{
    print_error("  %s: rc %d found %d prefix %u record %llx '%.3s' '%.3s' '%.8s' '%.64s' "
                "coords %d %.6f %.6f\n",
                what, rc, l->is_found, l->prefix_bits, (unsigned long long)l->record_id,
                l->continent, l->country, l->subdivision, l->city, l->has_coords, l->latitude,
                l->longitude);
}

/* The cached and the uncached lookup of a must agree in every field. The
 * outputs start as different garbage, so a field a path leaves unset shows. */
static void check(const geo_db_t *db, const addr_t *a, geo_location_t *ref_out)
{
    geo_location_t cached, ref;
    memset(&cached, 0xa5, sizeof(cached));
    memset(&ref, 0x5a, sizeof(ref));
    int rc_cached = geo_db_lookup(db, a->family, a->b, &cached);
    int rc_ref = geo_db_lookup_uncached(db, a->family, a->b, &ref);
    if (rc_cached != rc_ref || !loc_equal(&cached, &ref)) {
        char text[INET6_ADDRSTRLEN];
        addr_print(a, text, sizeof(text));
        print_error("lookup of %s: cached result differs from uncached\n", text);
        loc_print("cached", rc_cached, &cached);
        loc_print("uncached", rc_ref, &ref);
        fail();
    }
    if (ref_out != NULL) {
        *ref_out = ref;
    }
}

/* The IPv4-mapped IPv6 form of an IPv4 address. */
static addr_t addr_mapped(const addr_t *v4)
{
    addr_t out = {.family = AF_INET6};
    out.b[10] = 0xff;
    out.b[11] = 0xff;
    memcpy(out.b + 12, v4->b, 4);
    return out;
}

/* Every network of the database in one family, in address order, found by
 * stepping from each network's last address to the next one; checks the
 * first, last and one random address of each on the way. */
static net_list_t walk(const geo_db_t *db, int family, rng_t *r)
{
    net_list_t l = {.nets = calloc(MAX_NETS, sizeof(net_t)), .count = 0};
    assert_non_null(l.nets);
    addr_t a = {.family = family};
    for (;;) {
        geo_location_t loc;
        check(db, &a, &loc);
        assert_true(l.count < MAX_NETS);
        net_t *n = &l.nets[l.count++];
        n->bits = loc.prefix_bits;
        n->first = addr_fill(&a, n->bits, false);
        assert_memory_equal(n->first.b, a.b, sizeof(a.b));
        addr_t last = addr_fill(&a, n->bits, true);
        addr_t inside = addr_inside(n, r);
        check(db, &inside, NULL);
        check(db, &last, NULL);
        a = last;
        if (!addr_step(&a, 1)) {
            return l;
        }
    }
}

/* A random IPv6 address from the interesting ranges: anywhere, global
 * unicast, unique local, the IPv4 aliases (Teredo 2001::/32, 6to4
 * 2002::/16, IPv4-compatible ::/96, IPv4-mapped ::ffff:0:0/96). */
static addr_t addr_random6(rng_t *r)
{
    addr_t a = {.family = AF_INET6};
    for (size_t i = 0; i < 16; i++) {
        a.b[i] = (uint8_t)rng_next(r);
    }
    switch (rng_below(r, 7)) {
    case 0:
        break;
    case 1:
        a.b[0] = (uint8_t)(0x20 | (a.b[0] & 0x1f));
        break;
    case 2:
        a.b[0] = (uint8_t)(0xfc | (a.b[0] & 0x01));
        break;
    case 3:
        a.b[0] = 0x20, a.b[1] = 0x01, a.b[2] = 0, a.b[3] = 0;
        break;
    case 4:
        a.b[0] = 0x20, a.b[1] = 0x02;
        break;
    case 5:
        memset(a.b, 0, 12);
        break;
    default:
        memset(a.b, 0, 10);
        a.b[10] = a.b[11] = 0xff;
        break;
    }
    return a;
}

/* Random lookups: addresses inside, at the edges of and just outside
 * networks picked uniformly (so narrow networks, cached per address, are
 * as common as wide ones), repeats of recent addresses, and for IPv4 their
 * IPv4-mapped forms. */
static void random_lookups(const geo_db_t *db, const net_list_t *l, rng_t *r)
{
    addr_t *recent = calloc(RECENT, sizeof(*recent));
    assert_non_null(recent);
    size_t recent_count = 0;
    for (size_t i = 0; i < RANDOM_LOOKUPS; i++) {
        const net_t *n = &l->nets[rng_below(r, (unsigned)l->count)];
        addr_t a;
        unsigned what = rng_below(r, 10);
        if (what < 3) {
            a = addr_inside(n, r);
        } else if (what == 3) {
            a = n->first;
        } else if (what == 4) {
            a = addr_fill(&n->first, n->bits, true);
        } else if (what == 5) {
            a = n->first;
            addr_step(&a, -1);
        } else if (what == 6) {
            a = addr_fill(&n->first, n->bits, true);
            addr_step(&a, 1);
        } else if (what == 7 && n->first.family == AF_INET6) {
            a = addr_random6(r);
        } else if (recent_count > 0) {
            a = recent[rng_below(r, (unsigned)(recent_count < RECENT ? recent_count : RECENT))];
        } else {
            a = n->first;
        }
        check(db, &a, NULL);
        if (a.family == AF_INET && (rng_next(r) >> 62) == 0) {
            addr_t m = addr_mapped(&a);
            check(db, &m, NULL);
        }
        recent[recent_count++ % RECENT] = a;
    }
    free(recent);
}

static void test_netcache_ipv4_matches_uncached(void **state)
{
    (void)state;
    rng_t r = {0x9E3779B97F4A7C15ull};
    geo_db_t *db = open_fixture("cache-a");
    net_list_t l = walk(db, AF_INET, &r);
    /* The fixture has thousands of networks; a walk that found few would
     * not test much. */
    assert_true(l.count > 3000);
    random_lookups(db, &l, &r);
    free(l.nets);
    geo_db_free(db);
}

static void test_netcache_ipv6_matches_uncached(void **state)
{
    (void)state;
    rng_t r = {0xD1B54A32D192ED03ull};
    geo_db_t *db = open_fixture("cache-a");
    net_list_t l = walk(db, AF_INET6, &r);
    assert_true(l.count > 3000);
    random_lookups(db, &l, &r);
    free(l.nets);
    geo_db_free(db);
}

static void test_netcache_ipv4_only_database_matches_uncached(void **state)
{
    (void)state;
    rng_t r = {0x8CB92BA72F3D8DD7ull};
    geo_db_t *db = open_fixture("cache-v4");
    net_list_t l = walk(db, AF_INET, &r);
    assert_true(l.count > 3000);
    random_lookups(db, &l, &r);
    /* IPv6, IPv4-mapped included, in a database that has no IPv6 tree. */
    for (size_t i = 0; i < 20000; i++) {
        addr_t a = addr_random6(&r);
        check(db, &a, NULL);
        check(db, &a, NULL);
    }
    free(l.nets);
    geo_db_free(db);
}

/* The first address of every network of both families, cached through db. */
static net_list_t warm_up(const geo_db_t *db, rng_t *r)
{
    net_list_t l4 = walk(db, AF_INET, r);
    net_list_t l6 = walk(db, AF_INET6, r);
    net_list_t all = {.nets = calloc(l4.count + l6.count, sizeof(net_t))};
    assert_non_null(all.nets);
    memcpy(all.nets, l4.nets, l4.count * sizeof(net_t));
    memcpy(all.nets + l4.count, l6.nets, l6.count * sizeof(net_t));
    all.count = l4.count + l6.count;
    free(l4.nets);
    free(l6.nets);
    return all;
}

static void test_netcache_later_database_never_sees_earlier_entries(void **state)
{
    (void)state;
    rng_t r = {0x94D049BB133111EBull};
    /* Fill the caches from one database, free it, and open another with
     * different networks and records (the allocator may well hand out the
     * same address): every address the first one cached must now get the
     * second one's answer. */
    geo_db_t *first = open_fixture("cache-a");
    net_list_t l = warm_up(first, &r);
    geo_location_t *before = calloc(l.count, sizeof(*before));
    assert_non_null(before);
    for (size_t i = 0; i < l.count; i++) {
        assert_int_equal(geo_db_lookup(first, l.nets[i].first.family, l.nets[i].first.b,
                                       &before[i]), 0);
    }
    geo_db_free(first);

    geo_db_t *second = open_fixture("cache-b");
    size_t differ = 0;
    for (size_t i = 0; i < l.count; i++) {
        geo_location_t now;
        check(second, &l.nets[i].first, &now);
        if (now.is_found != before[i].is_found || now.prefix_bits != before[i].prefix_bits ||
            strcmp(now.city, before[i].city) != 0) {
            differ++;
        }
    }
    /* Stale entries would show only where the databases differ: make sure
     * that is most places. */
    assert_true(differ > l.count / 2);

    /* Two databases open at once, looked up in turns. */
    geo_db_t *again = open_fixture("cache-a");
    for (size_t i = 0; i < l.count; i++) {
        check(again, &l.nets[i].first, NULL);
        check(second, &l.nets[i].first, NULL);
    }
    geo_db_free(again);
    geo_db_free(second);
    free(before);
    free(l.nets);
}

/* ---- the network cache on its own ---- */

/* Not an id any database in this process gets. */
#define NO_DB_ID 0xfffffff0u

static void test_netcache_entry_answers_only_at_its_own_level(void **state)
{
    (void)state;
    /* An entry filed under a.b.0.0 at the /24 level holds for a.b.0.0/24
     * only; the same bits cut at the /16 or /8 level name wider blocks, with
     * other answers. Every a.b is tried, so some of those land on the slot
     * of their /24 twin. */
    for (uint32_t x = 0; x < 65536; x++) {
        geo_netcache_entry_t e = {.data_offset = 1, .prefix_bits = 24, .is_found = true};
        uint8_t a[4] = {(uint8_t)(x >> 8), (uint8_t)x, 0, 0};
        geo_netcache_put4(NO_DB_ID, a, &e);
        geo_netcache_entry_t got = geo_netcache_find4(NO_DB_ID, a);
        assert_true(got.is_cached);
        assert_int_equal(got.prefix_bits, 24);
        uint8_t other[4] = {(uint8_t)(x >> 8), (uint8_t)x, 0xff, 0};
        assert_false(geo_netcache_find4(NO_DB_ID, other).is_cached);
    }
}

static void test_netcache_ipv6_entry_answers_only_at_its_own_level(void **state)
{
    (void)state;
    /* The same for a /48 entry and an address outside it in the same /40. */
    rng_t r = {0xBF58476D1CE4E5B9ull};
    for (uint32_t i = 0; i < 65536; i++) {
        geo_netcache_entry_t e = {.data_offset = 1, .prefix_bits = 48, .is_found = true};
        uint8_t a[16] = {0};
        uint64_t bits = rng_next(&r);
        for (size_t k = 0; k < 5; k++) {
            a[k] = (uint8_t)(bits >> (8 * k));
        }
        geo_netcache_put6(NO_DB_ID, a, &e);
        assert_true(geo_netcache_find6(NO_DB_ID, a).is_cached);
        uint8_t other[16];
        memcpy(other, a, sizeof(other));
        other[5] = 0xff;
        assert_false(geo_netcache_find6(NO_DB_ID, other).is_cached);
    }
}

/* A thread starts with an empty network cache and no levels in use, which
 * the tests below need; cmocka's checks must run on the main thread, so the
 * thread only records what it saw. */
typedef struct level_run {
    int family;
    size_t puts;       /* entries filed */
    size_t lost;       /* finds of a filed entry that missed or answered wrongly */
} level_run_t;

/* One prefix for every level of each family (a prefix files under the
 * shortest level at least as long), in an order that is not the levels'. */
static const uint8_t run_prefixes4[] = {22, 7, 30, 12, 16, 19, 32, 10, 14, 24};
static const uint8_t run_prefixes6[] = {44, 9, 128, 20, 31, 48, 64, 56, 100, 27, 40, 16};

/* The address of entry i of a run: distinct top bytes, so the networks
 * are disjoint whatever their prefixes. */
static void run_addr(int family, size_t i, uint8_t *a)
{
    memset(a, 0, 16);
    a[0] = (uint8_t)(1 + i);
    a[1] = (uint8_t)(0x5a ^ i);
    a[2] = 0x33;
    a[3] = 0x77;
    if (family == AF_INET6) {
        memset(a + 4, 0x44, 12);
    }
}

static bool run_found(int family, size_t i, uint8_t prefix_bits)
{
    uint8_t a[16];
    run_addr(family, i, a);
    geo_netcache_entry_t got = family == AF_INET ? geo_netcache_find4(NO_DB_ID, a)
                                                 : geo_netcache_find6(NO_DB_ID, a);
    return got.is_cached && got.prefix_bits == prefix_bits && got.data_offset == 100 + i;
}

/* Files one entry at a time, each under a level not used before, and after
 * every put finds all filed so far: in filing order, backwards, and the
 * last one many times over (which moves its level to the front of the
 * probe order), so each level is looked for from every position. */
static void *level_run(void *arg)
{
    level_run_t *run = arg;
    bool is_v4 = run->family == AF_INET;
    const uint8_t *prefixes = is_v4 ? run_prefixes4 : run_prefixes6;
    size_t n = is_v4 ? sizeof(run_prefixes4) : sizeof(run_prefixes6);
    for (size_t i = 0; i < n; i++) {
        uint8_t a[16];
        run_addr(run->family, i, a);
        geo_netcache_entry_t e = {
            .data_offset = (uint32_t)(100 + i), .prefix_bits = prefixes[i], .is_found = true};
        if (is_v4) {
            geo_netcache_put4(NO_DB_ID, a, &e);
        } else {
            geo_netcache_put6(NO_DB_ID, a, &e);
        }
        run->puts++;
        for (size_t k = 0; k <= i; k++) {
            run->lost += !run_found(run->family, k, prefixes[k]);
            run->lost += !run_found(run->family, i - k, prefixes[i - k]);
        }
        for (size_t rep = 0; rep < n; rep++) {
            run->lost += !run_found(run->family, i, prefixes[i]);
        }
        for (size_t k = 0; k <= i; k++) {
            run->lost += !run_found(run->family, k, prefixes[k]);
        }
    }
    return NULL;
}

static level_run_t level_run_in_new_thread(int family)
{
    level_run_t run = {.family = family};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, level_run, &run), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    return run;
}

static void test_netcache_every_level_answers_once_filled(void **state)
{
    (void)state;
    /* A find probes only the levels something was filed under, in an order
     * that changes with the hits: a level left out of the order, or lost
     * from it when it moves, shows as a miss here. */
    level_run_t r4 = level_run_in_new_thread(AF_INET);
    assert_int_equal(r4.puts, sizeof(run_prefixes4));
    assert_int_equal(r4.lost, 0);
    level_run_t r6 = level_run_in_new_thread(AF_INET6);
    assert_int_equal(r6.puts, sizeof(run_prefixes6));
    assert_int_equal(r6.lost, 0);
}

/* The levels a network is filed under (netcache.c): the shortest at
 * least as long as its prefix. */
static const unsigned spec_levels4[] = {8, 12, 16, 20, 24, 32};
static const unsigned spec_levels6[] = {16, 24, 32, 40, 48, 56, 64, 128};

static unsigned spec_level(const unsigned *levels, size_t n, unsigned bits)
{
    size_t i = 0;
    while (i + 1 < n && bits > levels[i]) {
        i++;
    }
    return levels[i];
}

static void addr_flip(uint8_t *a, unsigned bit)
{
    a[bit / 8] = (uint8_t)(a[bit / 8] ^ (0x80u >> (bit % 8)));
}

static bool find_at(int family, const uint8_t *a, uint8_t prefix_bits)
{
    geo_netcache_entry_t got = family == AF_INET ? geo_netcache_find4(NO_DB_ID - 1, a)
                                                 : geo_netcache_find6(NO_DB_ID - 1, a);
    return got.is_cached && got.prefix_bits == prefix_bits;
}

static void test_netcache_every_prefix_is_filed_at_its_level(void **state)
{
    (void)state;
    /* For every prefix length: the entry answers for an address that
     * differs from the filed one only after the level (the whole level
     * block), and not for one that differs inside the prefix (outside the
     * network). Filing under a shorter level than the prefix fails the
     * second, under a longer one the first. */
    for (int v = 0; v < 2; v++) {
        int family = v == 0 ? AF_INET : AF_INET6;
        unsigned width = width_of(family);
        for (unsigned bits = 0; bits <= width; bits++) {
            uint8_t a[16];
            for (size_t k = 0; k < sizeof(a); k++) {
                a[k] = (uint8_t)(0xc3 ^ (k * 37) ^ bits);
            }
            geo_netcache_entry_t e = {.data_offset = 7, .prefix_bits = (uint8_t)bits};
            if (family == AF_INET) {
                geo_netcache_put4(NO_DB_ID - 1, a, &e);
            } else {
                geo_netcache_put6(NO_DB_ID - 1, a, &e);
            }
            assert_true(find_at(family, a, (uint8_t)bits));
            unsigned level = family == AF_INET
                                 ? spec_level(spec_levels4, GSLB_ARRAY_LEN(spec_levels4), bits)
                                 : spec_level(spec_levels6, GSLB_ARRAY_LEN(spec_levels6), bits);
            for (unsigned bit = level; bit < width; bit++) {
                uint8_t b[16];
                memcpy(b, a, sizeof(b));
                addr_flip(b, bit);
                assert_true(find_at(family, b, (uint8_t)bits));
            }
            for (unsigned bit = 0; bit < bits; bit++) {
                uint8_t b[16];
                memcpy(b, a, sizeof(b));
                addr_flip(b, bit);
                assert_false(find_at(family, b, (uint8_t)bits));
            }
        }
    }
}

/* ---- counters, against the hand-written fixture ---- */

static geo_db_t *open_city(void)
{
    return open_fixture("fixture-city");
}

static void lookup_text(const geo_db_t *db, const char *text, geo_location_t *loc)
{
    uint8_t a[16];
    int family = strchr(text, ':') != NULL ? AF_INET6 : AF_INET;
    assert_int_equal(inet_pton(family, text, a), 1);
    assert_int_equal(geo_db_lookup(db, family, a, loc), 0);
}

static void test_netcache_second_address_of_network_is_a_hit(void **state)
{
    (void)state;
    geo_db_t *db = open_city();
    geo_location_t loc;
    /* 2.16.0.0/16, Paris: the first lookup walks, the second does not. */
    geo_cache_stats_t s0 = geo_cache_stats();
    lookup_text(db, "2.16.1.1", &loc);
    geo_cache_stats_t s1 = geo_cache_stats();
    assert_int_equal(s1.net_misses, s0.net_misses + 1);
    assert_int_equal(s1.net_hits, s0.net_hits);
    lookup_text(db, "2.16.200.7", &loc);
    geo_cache_stats_t s2 = geo_cache_stats();
    assert_int_equal(s2.net_hits, s1.net_hits + 1);
    assert_int_equal(s2.net_misses, s1.net_misses);
    /* The record came from the record cache too. */
    assert_int_equal(s2.hits, s1.hits + 1);
    assert_int_equal(s2.misses, s1.misses);
    assert_string_equal(loc.city, "Paris");
    assert_int_equal(loc.prefix_bits, 16);
    geo_db_free(db);
}

static void test_netcache_not_found_network_is_a_hit_without_record(void **state)
{
    (void)state;
    geo_db_t *db = open_city();
    geo_location_t loc;
    /* 8.0.0.0/7 is empty: another address of it is answered from the
     * network cache, and no record is involved. */
    lookup_text(db, "8.8.8.8", &loc);
    geo_cache_stats_t s1 = geo_cache_stats();
    lookup_text(db, "8.200.1.3", &loc);
    geo_cache_stats_t s2 = geo_cache_stats();
    assert_int_equal(s2.net_hits, s1.net_hits + 1);
    assert_int_equal(s2.net_misses, s1.net_misses);
    assert_int_equal(s2.hits, s1.hits);
    assert_int_equal(s2.misses, s1.misses);
    assert_false(loc.is_found);
    assert_int_equal(loc.prefix_bits, 7);
    geo_db_free(db);
}

static void test_netcache_uncached_lookup_leaves_counters_alone(void **state)
{
    (void)state;
    geo_db_t *db = open_city();
    uint8_t a[4] = {198, 51, 100, 7};
    geo_location_t loc;
    geo_cache_stats_t s1 = geo_cache_stats();
    assert_int_equal(geo_db_lookup_uncached(db, AF_INET, a, &loc), 0);
    assert_int_equal(geo_db_lookup_uncached(db, AF_INET, a, &loc), 0);
    geo_cache_stats_t s2 = geo_cache_stats();
    assert_memory_equal(&s1, &s2, sizeof(s1));
    assert_string_equal(loc.city, "San Francisco");
    geo_db_free(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_netcache_ipv4_matches_uncached),
        cmocka_unit_test(test_netcache_ipv6_matches_uncached),
        cmocka_unit_test(test_netcache_ipv4_only_database_matches_uncached),
        cmocka_unit_test(test_netcache_later_database_never_sees_earlier_entries),
        cmocka_unit_test(test_netcache_entry_answers_only_at_its_own_level),
        cmocka_unit_test(test_netcache_ipv6_entry_answers_only_at_its_own_level),
        cmocka_unit_test(test_netcache_every_level_answers_once_filled),
        cmocka_unit_test(test_netcache_every_prefix_is_filed_at_its_level),
        cmocka_unit_test(test_netcache_second_address_of_network_is_a_hit),
        cmocka_unit_test(test_netcache_not_found_network_is_a_hit_without_record),
        cmocka_unit_test(test_netcache_uncached_lookup_leaves_counters_alone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
