/* Brute-force cross-check of the ECS scope computed by geo_map_resolve. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "gslb/geo.h"

/* Every random case lives in one small universe: a block of 2^UNIVERSE_BITS
 * addresses. Nets entries and database networks have prefixes inside it, so
 * any scope is at least (width - UNIVERSE_BITS) and every block the checks
 * enumerate has at most 4096 addresses. */
#define UNIVERSE_BITS 12
#define MAX_NETS 8
#define ROUNDS 400

typedef struct rng {
    uint64_t s;
} rng_t;

/* xorshift64*: fixed seed, so a failure reproduces exactly. */
static uint32_t rng_next(rng_t *r)
{
    r->s ^= r->s >> 12;
    r->s ^= r->s << 25;
    r->s ^= r->s >> 27;
    return (uint32_t)((r->s * 0x2545F4914F6CDD1DULL) >> 32);
}

/* One random case in family-independent form: addresses are the universe
 * prefix plus a 12-bit offset; prefixes count from the family's first bit. */
typedef struct scope_case {
    unsigned width;       /* 32 or 128 */
    uint8_t universe[16]; /* the fixed part, low UNIVERSE_BITS zero */
    size_t net_count;
    uint32_t net_off[MAX_NETS];
    unsigned net_bits[MAX_NETS];
    unsigned loc_bits; /* database networks: the universe cut evenly into /loc_bits */
} scope_case_t;

static void addr_make(const scope_case_t *c, uint32_t off, uint8_t *out)
{
    unsigned bytes = c->width / 8;
    memcpy(out, c->universe, bytes);
    out[bytes - 1] = (uint8_t)(off & 0xff);
    out[bytes - 2] = (uint8_t)((out[bytes - 2] & 0xf0) | ((off >> 8) & 0x0f));
}

/* Offset with the bits below prefix cleared (prefix in family bits). */
static uint32_t off_mask(const scope_case_t *c, uint32_t off, unsigned prefix)
{
    unsigned host = c->width - prefix;
    return host >= 32 ? 0 : off & ~((1u << host) - 1u);
}

/* Longest nets entry containing off, or -1: the reference for the trie. */
static int brute_winner(const scope_case_t *c, uint32_t off)
{
    int best = -1;
    for (size_t i = 0; i < c->net_count; i++) {
        if (off_mask(c, off, c->net_bits[i]) == c->net_off[i] &&
            (best < 0 || c->net_bits[i] > c->net_bits[best])) {
            best = (int)i;
        }
    }
    return best;
}

/* The decision for one address, as data: the winning entry, else the
 * database network (which is what a location rule depends on). */
typedef struct decision {
    int net;
    uint32_t loc_block;
} decision_t;

static decision_t brute_decision(const scope_case_t *c, uint32_t off)
{
    decision_t d = {brute_winner(c, off), 0};
    if (d.net < 0) {
        d.loc_block = off_mask(c, off, c->loc_bits);
    }
    return d;
}

static bool decision_equal(decision_t a, decision_t b)
{
    return a.net == b.net && (a.net >= 0 || a.loc_block == b.loc_block);
}

/* Whether every address in off's /prefix block has off's decision. */
static bool block_uniform(const scope_case_t *c, uint32_t off, unsigned prefix)
{
    decision_t want = brute_decision(c, off);
    uint32_t first = off_mask(c, off, prefix);
    uint32_t n = 1u << (c->width - prefix);
    for (uint32_t i = 0; i < n; i++) {
        if (!decision_equal(brute_decision(c, first + i), want)) {
            return false;
        }
    }
    return true;
}

static void case_random(rng_t *r, scope_case_t *c, unsigned width)
{
    memset(c, 0, sizeof(*c));
    c->width = width;
    if (width == 32) {
        const uint8_t u[4] = {10, 20, 48, 0}; /* 10.20.48.0/20 */
        memcpy(c->universe, u, 4);
    } else {
        const uint8_t u[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x70, 0};
        memcpy(c->universe, u, 16);
    }
    unsigned lo = width - UNIVERSE_BITS;
    size_t want = rng_next(r) % (MAX_NETS + 1);
    for (size_t tries = 0; c->net_count < want && tries < 64; tries++) {
        unsigned bits = lo + rng_next(r) % (UNIVERSE_BITS + 1);
        uint32_t off = off_mask(c, rng_next(r) & 0xfff, bits);
        bool is_dup = false;
        for (size_t i = 0; i < c->net_count; i++) {
            is_dup = is_dup || (c->net_bits[i] == bits && c->net_off[i] == off);
        }
        if (!is_dup) {
            c->net_off[c->net_count] = off;
            c->net_bits[c->net_count] = bits;
            c->net_count++;
        }
    }
    c->loc_bits = lo + rng_next(r) % (UNIVERSE_BITS + 1);
}

static geo_map_t *case_map(const scope_case_t *c, conf_map_net_t *nets)
{
    static uint32_t dc0[] = {0};
    static const geo_site_t site = {0.0, 0.0, true};
    for (size_t i = 0; i < c->net_count; i++) {
        memset(&nets[i], 0, sizeof(nets[i]));
        nets[i].net.family = c->width == 32 ? AF_INET : AF_INET6;
        addr_make(c, c->net_off[i], nets[i].net.addr);
        nets[i].prefix_bits = (uint8_t)c->net_bits[i];
        nets[i].dcs = (conf_dc_list_t){dc0, 1};
        nets[i].pos = (conf_pos_t){"scope.yaml", (unsigned)i + 1, 1};
    }
    conf_map_t cm = {.name = "scope", .nets = nets, .net_count = c->net_count};
    geo_map_t *m = NULL;
    assert_int_equal(geo_map_new(&m, &cm, &site, 1, NULL, NULL), 0);
    return m;
}

/* Index of the entry whose CIDR text is key, or -2 (never a valid answer). */
static int entry_by_key(const scope_case_t *c, const char *key)
{
    for (size_t i = 0; i < c->net_count; i++) {
        uint8_t addr[16];
        char text[INET6_ADDRSTRLEN], cidr[INET6_ADDRSTRLEN + 8];
        addr_make(c, c->net_off[i], addr);
        assert_non_null(inet_ntop(c->width == 32 ? AF_INET : AF_INET6, addr, text, sizeof(text)));
        snprintf(cidr, sizeof(cidr), "%s/%u", text, c->net_bits[i]);
        if (strcmp(cidr, key) == 0) {
            return (int)i;
        }
    }
    return -2;
}

/* Resolve off; is_mapped queries an IPv4 case as ::ffff:a.b.c.d and converts
 * the scope back to IPv4 bits. Returns the scope and the decision seen. */
static unsigned case_resolve(const scope_case_t *c, const geo_map_t *m, uint32_t off,
                             bool is_mapped, decision_t *seen)
{
    uint8_t addr[16] = {0};
    geo_location_t loc = {.is_found = true, .prefix_bits = (uint8_t)c->loc_bits};
    int family = c->width == 32 ? AF_INET : AF_INET6;
    if (is_mapped) {
        addr[10] = addr[11] = 0xff;
        addr_make(c, off, addr + 12);
        loc.prefix_bits = (uint8_t)(c->loc_bits + 96);
        family = AF_INET6;
    } else {
        addr_make(c, off, addr);
    }
    geo_map_result_t res;
    geo_map_resolve_rules(m, family, addr, &loc, &res);
    unsigned scope = res.scope_bits;
    if (is_mapped) {
        assert_true(scope >= 96);
        scope -= 96;
    }
    /* Map the result back to an entry index by its key, "addr/bits". */
    seen->net = -1;
    seen->loc_block = off_mask(c, off, c->loc_bits);
    if (res.match == GEO_MATCH_NET) {
        seen->net = entry_by_key(c, res.key);
        seen->loc_block = 0;
    } else {
        assert_int_equal(res.match, GEO_MATCH_DEFAULT);
    }
    return scope;
}

static void check_case(const scope_case_t *c, uint32_t client, bool is_mapped)
{
    conf_map_net_t nets[MAX_NETS];
    geo_map_t *m = case_map(c, nets);
    decision_t got;
    unsigned scope = case_resolve(c, m, client, is_mapped, &got);
    decision_t want = brute_decision(c, client);
    int w = brute_winner(c, client);
    unsigned base = w >= 0 ? c->net_bits[w] : c->loc_bits;

    if (!decision_equal(got, want)) {
        fail_msg("client offset %#x: wrong decision (net %d, want %d)", client, got.net,
                 want.net);
    }
    if (scope < base || scope > c->width) {
        fail_msg("client offset %#x: scope %u outside %u..%u", client, scope, base, c->width);
    }
    /* Never too wide: the whole /scope block decides the same way. */
    if (!block_uniform(c, client, scope)) {
        fail_msg("client offset %#x: scope /%u too wide (%zu nets, loc /%u)", client, scope,
                 c->net_count, c->loc_bits);
    }
    /* Never narrower than needed: one bit wider would include a different
     * decision, unless the scope is the base itself. */
    if (scope > base && block_uniform(c, client, scope - 1)) {
        fail_msg("client offset %#x: scope /%u narrower than needed (%zu nets, loc /%u)",
                 client, scope, c->net_count, c->loc_bits);
    }
    /* The resolver's decision agrees everywhere in the block, too (not
     * only the reference model). */
    uint32_t first = off_mask(c, client, scope);
    uint32_t n = 1u << (c->width - scope);
    for (uint32_t i = 0; i < n; i += 1u + n / 64) {
        decision_t other;
        (void)case_resolve(c, m, first + i, is_mapped, &other);
        assert_true(decision_equal(other, got));
    }
    geo_map_free(m);
}

static void run_rounds(unsigned width, bool is_mapped, uint64_t seed)
{
    rng_t r = {seed};
    for (int round = 0; round < ROUNDS; round++) {
        scope_case_t c;
        case_random(&r, &c, width);
        /* Clients inside entries, next to them and at random. */
        uint32_t clients[3] = {rng_next(&r) & 0xfff, 0, 0};
        if (c.net_count > 0) {
            size_t i = rng_next(&r) % c.net_count;
            clients[1] = c.net_off[i];
            clients[2] = (c.net_off[i] ^ (1u << (rng_next(&r) % UNIVERSE_BITS))) & 0xfff;
        }
        for (size_t k = 0; k < 3; k++) {
            check_case(&c, clients[k], is_mapped);
        }
    }
}

static void test_scope_ipv4_random_nets_match_brute_force(void **state)
{
    (void)state;
    run_rounds(32, false, 0x9E3779B97F4A7C15ULL);
}

static void test_scope_ipv6_random_nets_match_brute_force(void **state)
{
    (void)state;
    run_rounds(128, false, 0xD1B54A32D192ED03ULL);
}

static void test_scope_ipv4_mapped_random_nets_match_brute_force(void **state)
{
    (void)state;
    run_rounds(32, true, 0x94D049BB133111EBULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scope_ipv4_random_nets_match_brute_force),
        cmocka_unit_test(test_scope_ipv6_random_nets_match_brute_force),
        cmocka_unit_test(test_scope_ipv4_mapped_random_nets_match_brute_force),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
