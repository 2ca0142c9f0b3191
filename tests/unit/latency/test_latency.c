/* Latency tables: both formats, longest-prefix lookups and their scope against brute force,
 * every parse error's position and text, expiry and row order. */
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
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "gslb/latency.h"
#include "../test_files.h"

static const char *const dcs[] = {"fra", "ams", "lon", "nyc", "sfo", "tyo"};
#define DC_COUNT GSLB_ARRAY_LEN(dcs)
#define NOW 1700000000

/* ---- helpers ------------------------------------------------------------- */

static latency_table_t *parse_ok(const char *text, const char *format, int64_t max_age_s)
{
    gslb_diag_t *d = gslb_diag_new(false);
    latency_table_t *t = NULL;
    int rc = latency_table_parse(&t, "t", text, strlen(text), format, dcs, DC_COUNT, NOW,
                                 max_age_s, d);
    for (size_t i = 0; i < gslb_diag_count(d); i++) {
        print_message("unexpected: %s\n", gslb_diag_message(d, i));
    }
    assert_int_equal(rc, 0);
    assert_int_equal(gslb_diag_count(d), 0);
    assert_non_null(t);
    gslb_diag_free(d);
    return t;
}

/* Parse text that has errors: the table is refused, and the messages are
 * exactly expected[] (NULL-terminated), in order. */
static void parse_fails(const char *name, const char *text, const char *format,
                        const char *const *expected)
{
    gslb_diag_t *d = gslb_diag_new(false);
    latency_table_t *t = (latency_table_t *)&t; /* must come back NULL */
    int rc = latency_table_parse(&t, name, text, strlen(text), format, dcs, DC_COUNT, NOW, 0, d);
    size_t n = 0;
    while (expected[n] != NULL) {
        n++;
    }
    for (size_t i = 0; i < gslb_diag_count(d); i++) {
        if (i >= n || strcmp(gslb_diag_message(d, i), expected[i]) != 0) {
            print_message("message %zu: got  '%s'\n           want '%s'\n", i,
                          gslb_diag_message(d, i), i < n ? expected[i] : "(none)");
        }
    }
    assert_int_equal(rc, -GSLB_ECONF);
    assert_null(t);
    assert_int_equal(gslb_diag_count(d), n);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(gslb_diag_message(d, i), expected[i]);
    }
    gslb_diag_free(d);
}

static latency_hit_t find_text(const latency_table_t *t, const char *addr)
{
    uint8_t a[16] = {0};
    int family = strchr(addr, ':') != NULL ? AF_INET6 : AF_INET;
    assert_int_equal(inet_pton(family, addr, a), 1);
    return latency_table_find(t, family, a);
}

static void assert_rows(latency_hit_t h, const uint32_t *want_dc, const uint32_t *want_rtt_us,
                        size_t n)
{
    assert_int_equal(h.count, n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(h.rows[i].dc, want_dc[i]);
        assert_int_equal(h.rows[i].rtt_us, want_rtt_us[i]);
    }
}

static bool hits_equal(latency_hit_t a, latency_hit_t b)
{
    if (a.count != b.count || a.scope_bits != b.scope_bits) {
        return false;
    }
    for (size_t i = 0; i < a.count; i++) {
        if (a.rows[i].dc != b.rows[i].dc || a.rows[i].rtt_us != b.rows[i].rtt_us ||
            a.rows[i].expires_s != b.rows[i].expires_s) {
            return false;
        }
    }
    return true;
}

/* ---- both formats ----------------------------------------------------------- */

static const char table_csv[] =
    "prefix, datacenter, rtt_ms, measured\n"
    "# edge networks\n"
    "10.0.0.0/8,fra,12.5\n"
    "10.0.0.0/8, ams , 9 , 1699990000\n"
    "10.1.0.0/16,lon,3\r\n"
    "\n"
    "   \t\n"
    "192.0.2.0/24,nyc,80,  # trailing comment, empty measured\n"
    "2001:db8::/32,tyo,150.25\n"
    "2001:db8:1::/48,sfo,0.001\n"
    "0.0.0.0/0,nyc,200\n";

static const char table_json[] =
    "{\"entries\": [\n"
    "  {\"prefix\": \"10.0.0.0/8\", \"datacenter\": \"fra\", \"rtt_ms\": 12.5},\n"
    "  {\"prefix\": \"10.0.0.0/8\", \"datacenter\": \"ams\", \"rtt_ms\": 9,"
    " \"measured\": 1699990000},\n"
    "  {\"datacenter\": \"lon\", \"rtt_ms\": 3, \"prefix\": \"10.1.0.0/16\"},\n"
    "  {\"prefix\": \"192.0.2.0/24\", \"datacenter\": \"nyc\", \"rtt_ms\": 80,"
    " \"measured\": null},\n"
    "  {\"prefix\": \"2001:db8::/32\", \"datacenter\": \"tyo\", \"rtt_ms\": 150.25},\n"
    "  {\"prefix\": \"2001:db8:1::/48\", \"datacenter\": \"sfo\", \"rtt_ms\": 0.001},\n"
    "  {\"prefix\": \"0.0.0.0/0\", \"datacenter\": \"nyc\", \"rtt_ms\": 200}\n"
    "]}\n";

static void test_csv_and_json_give_the_same_lookups(void **state)
{
    (void)state;
    latency_table_t *c = parse_ok(table_csv, "csv", 3600);
    latency_table_t *j = parse_ok(table_json, "json", 3600);
    static const char *const addrs[] = {
        "10.0.0.1",   "10.1.2.3",        "10.255.255.255", "192.0.2.77",    "192.0.3.1",
        "8.8.8.8",    "2001:db8::1",     "2001:db8:1::5",  "2001:db9::1",   "::",
        "::ffff:10.1.2.3", "::ffff:8.8.8.8", "255.255.255.255", "0.0.0.0",
    };
    for (size_t i = 0; i < GSLB_ARRAY_LEN(addrs); i++) {
        latency_hit_t hc = find_text(c, addrs[i]), hj = find_text(j, addrs[i]);
        if (!hits_equal(hc, hj)) {
            fail_msg("%s: csv and json differ", addrs[i]);
        }
    }
    /* And the answers themselves. */
    latency_hit_t h = find_text(c, "10.0.0.1");
    assert_rows(h, (const uint32_t[]){1, 0}, (const uint32_t[]){9000, 12500}, 2);
    assert_int_equal(h.rows[0].expires_s, 1699990000 + 3600);
    assert_int_equal(h.rows[1].expires_s, NOW + 3600);
    h = find_text(c, "10.1.2.3");
    assert_rows(h, (const uint32_t[]){2}, (const uint32_t[]){3000}, 1);
    h = find_text(c, "::ffff:10.1.2.3");
    assert_rows(h, (const uint32_t[]){2}, (const uint32_t[]){3000}, 1);
    assert_int_equal(h.scope_bits, 96 + 16);
    h = find_text(c, "192.0.2.77");
    assert_rows(h, (const uint32_t[]){3}, (const uint32_t[]){80000}, 1);
    assert_int_equal(h.rows[0].expires_s, NOW + 3600);
    h = find_text(c, "8.8.8.8");
    assert_rows(h, (const uint32_t[]){3}, (const uint32_t[]){200000}, 1);
    h = find_text(c, "2001:db8:1::5");
    assert_rows(h, (const uint32_t[]){4}, (const uint32_t[]){1}, 1);
    assert_true(h.scope_bits >= 48);
    h = find_text(c, "2001:db8:2::5");
    assert_rows(h, (const uint32_t[]){5}, (const uint32_t[]){150250}, 1);
    h = find_text(c, "2001:db9::1");
    assert_int_equal(h.count, 0);
    assert_null(h.rows);

    latency_stats_t sc, sj;
    latency_table_stats(c, &sc);
    latency_table_stats(j, &sj);
    assert_int_equal(sc.entries, 7);
    assert_int_equal(sc.prefixes, 6);
    assert_int_equal(sj.entries, sc.entries);
    assert_int_equal(sj.prefixes, sc.prefixes);
    assert_int_equal(sj.leaves, sc.leaves);
    assert_true(sc.leaves > 6);
    assert_true(sc.bytes > 7 * sizeof(latency_row_t));
    assert_true(sc.build_ms >= 0.0);
    latency_table_free(c);
    latency_table_free(j);
}

/* ---- nested prefixes and scope ----------------------------------------------- */

/* Does the block addr/bits (IPv4) overlap net/net_bits? */
static bool v4_overlaps(uint32_t addr, unsigned bits, uint32_t net, unsigned net_bits)
{
    unsigned common = bits < net_bits ? bits : net_bits;
    uint32_t mask = common == 0 ? 0 : ~0u << (32 - common);
    return (addr & mask) == (net & mask);
}

static uint32_t v4(const char *text)
{
    struct in_addr a;
    assert_int_equal(inet_pton(AF_INET, text, &a), 1);
    return ntohl(a.s_addr);
}

static void test_nested_prefixes_and_their_scope(void **state)
{
    (void)state;
    latency_table_t *t = parse_ok("10.0.0.0/8,fra,20\n10.0.0.0/8,lon,30\n"
                                  "10.1.0.0/16,ams,5\n",
                                  "csv", 0);
    latency_hit_t h = find_text(t, "10.1.200.3");
    assert_rows(h, (const uint32_t[]){1}, (const uint32_t[]){5000}, 1);
    assert_int_equal(h.rows[0].expires_s, INT64_MAX);
    assert_true(h.scope_bits >= 16);

    static const char *const in8[] = {"10.2.0.0", "10.0.0.0", "10.0.255.255", "10.255.0.1",
                                      "10.128.0.0", "10.3.4.5"};
    for (size_t i = 0; i < GSLB_ARRAY_LEN(in8); i++) {
        h = find_text(t, in8[i]);
        assert_rows(h, (const uint32_t[]){0, 2}, (const uint32_t[]){20000, 30000}, 2);
        assert_true(h.scope_bits >= 8);
        assert_false(v4_overlaps(v4(in8[i]), h.scope_bits, v4("10.1.0.0"), 16));
    }
    /* 10.2.0.0 shares 14 bits with 10.1.0.0: its block is a /15 at the widest. */
    assert_int_equal(find_text(t, "10.2.0.0").scope_bits, 15);
    assert_int_equal(find_text(t, "10.128.0.0").scope_bits, 9);

    static const char *const out[] = {"192.0.2.1", "11.0.0.0", "9.255.255.255", "0.0.0.0",
                                      "255.255.255.255"};
    for (size_t i = 0; i < GSLB_ARRAY_LEN(out); i++) {
        h = find_text(t, out[i]);
        assert_int_equal(h.count, 0);
        assert_false(v4_overlaps(v4(out[i]), h.scope_bits, v4("10.0.0.0"), 8));
    }
    /* No IPv6 prefix: one uncovered block, but for the IPv4-mapped /96. */
    h = find_text(t, "2001:db8::1");
    assert_int_equal(h.count, 0);
    assert_true(h.scope_bits <= 96);
    latency_table_free(t);
}

static void test_v4_mapped_prefix_is_the_v4_prefix(void **state)
{
    (void)state;
    latency_table_t *t = parse_ok("::ffff:10.0.0.0/104,fra,7\n", "csv", 0);
    latency_hit_t h = find_text(t, "10.9.8.7");
    assert_rows(h, (const uint32_t[]){0}, (const uint32_t[]){7000}, 1);
    assert_int_equal(h.scope_bits, 8);
    h = find_text(t, "::ffff:10.9.8.7");
    assert_int_equal(h.count, 1);
    assert_int_equal(h.scope_bits, 104);
    latency_table_free(t);

    static const char *const want[] = {
        "t:2:1: error: prefix '10.0.0.0/8' with datacenter 'fra' is listed twice "
        "(first at line 1)",
        NULL};
    parse_fails("t", "10.0.0.0/8,fra,1\n::ffff:10.0.0.0/104,fra,2\n", "csv", want);
}

static void test_empty_and_null_tables(void **state)
{
    (void)state;
    latency_table_t *t = parse_ok("prefix,datacenter,rtt_ms\n# nothing measured yet\n", "csv",
                                  0);
    latency_hit_t h = find_text(t, "10.1.2.3");
    assert_int_equal(h.count, 0);
    assert_int_equal(h.scope_bits, 0);
    latency_stats_t s;
    latency_table_stats(t, &s);
    assert_int_equal(s.entries, 0);
    assert_int_equal(s.prefixes, 0);
    latency_table_free(t);

    /* A byte order mark before the header, as spreadsheets write it. */
    t = parse_ok("\xef\xbb\xbfprefix,datacenter,rtt_ms\n10.0.0.0/8,fra,1\n", "csv", 0);
    assert_int_equal(find_text(t, "10.0.0.1").count, 1);
    latency_table_free(t);
    static const char *const bom_col[] = {"t:1:1: error: missing prefix", NULL};
    parse_fails("t", "\xef\xbb\xbf,fra,1\n", "csv", bom_col);

    t = parse_ok("{\"entries\": []}", "json", 0);
    assert_int_equal(find_text(t, "2001:db8::1").count, 0);
    latency_table_free(t);

    h = latency_table_find(NULL, AF_INET, (const uint8_t[4]){10, 0, 0, 1});
    assert_int_equal(h.count, 0);
    assert_int_equal(h.scope_bits, 0);
    latency_table_stats(NULL, &s);
    assert_int_equal(s.entries, 0);
    latency_table_free(NULL);

    gslb_diag_t *d = gslb_diag_new(false);
    t = NULL;
    assert_int_equal(latency_table_parse(&t, "t", NULL, 0, "csv", dcs, DC_COUNT, NOW, 0, d), 0);
    assert_int_equal(find_text(t, "10.0.0.1").count, 0);
    latency_table_free(t);
    gslb_diag_free(d);
}

/* ---- randomized property: longest prefix and scope against brute force -------- */

typedef unsigned __int128 u128;

#define PROP_PREFIXES 300
#define PROP_SAMPLES 20000

typedef struct prop_prefix {
    int family;
    u128 net; /* in the family's width, right-aligned */
    unsigned bits;
    size_t row_count;
    latency_row_t rows[DC_COUNT]; /* sorted by (rtt_us, dc) */
} prop_prefix_t;

static uint64_t rng_state = 0x2545F4914F6CDD1Dull;

static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static unsigned width_of(int family)
{
    return family == AF_INET ? 32 : 128;
}

/* The first bits bits of v (a width-bit number) kept, the rest cleared. */
static u128 cut(u128 v, unsigned width, unsigned bits)
{
    if (bits == 0) {
        return 0;
    }
    u128 all = width == 128 ? ~(u128)0 : (((u128)1 << width) - 1);
    return v & (all << (width - bits)) & all;
}

static u128 last_of(u128 v, unsigned width, unsigned bits)
{
    u128 all = width == 128 ? ~(u128)0 : (((u128)1 << width) - 1);
    return cut(v, width, bits) | (bits >= width ? 0 : all >> bits);
}

static void to_bytes(int family, u128 v, uint8_t *a)
{
    int n = family == AF_INET ? 4 : 16;
    for (int i = n - 1; i >= 0; i--) {
        a[i] = (uint8_t)v;
        v >>= 8;
    }
}

static const uint8_t mapped_prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

/* The brute-force answer: the longest prefix holding the address, an
 * IPv4-mapped IPv6 address answered as its IPv4 address. NULL: none. */
static const prop_prefix_t *brute(const prop_prefix_t *p, size_t n, int family, u128 addr)
{
    if (family == AF_INET6) {
        uint8_t b[16];
        to_bytes(AF_INET6, addr, b);
        if (memcmp(b, mapped_prefix, 12) == 0) {
            family = AF_INET;
            addr &= 0xffffffffu;
        }
    }
    const prop_prefix_t *best = NULL;
    for (size_t i = 0; i < n; i++) {
        unsigned w = width_of(p[i].family);
        if (p[i].family == family && cut(addr, w, p[i].bits) == p[i].net &&
            (best == NULL || p[i].bits > best->bits)) {
            best = &p[i];
        }
    }
    return best;
}

static void prop_rows_sort(prop_prefix_t *p)
{
    for (size_t i = 1; i < p->row_count; i++) {
        for (size_t j = i; j > 0; j--) {
            latency_row_t *x = &p->rows[j - 1], *y = &p->rows[j];
            if (x->rtt_us < y->rtt_us || (x->rtt_us == y->rtt_us && x->dc < y->dc)) {
                break;
            }
            latency_row_t tmp = *x;
            *x = *y;
            *y = tmp;
        }
    }
}

/* Prefixes cluster under a few roots so that they nest and neighbour. */
static void prop_make(prop_prefix_t *p, size_t *count, char **text)
{
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    u128 roots4[3] = {(u128)v4("10.0.0.0"), (u128)v4("192.168.0.0"), (u128)v4("100.64.0.0")};
    u128 roots6[2] = {(u128)0x20010db8u << 96, (u128)0x2a0204c0u << 96};
    size_t n = 0;
    while (n < PROP_PREFIXES) {
        prop_prefix_t c = {0};
        c.family = rnd() % 3 == 0 ? AF_INET6 : AF_INET;
        unsigned w = width_of(c.family);
        u128 base = c.family == AF_INET ? roots4[rnd() % 3] : roots6[rnd() % 2];
        unsigned root_bits = c.family == AF_INET ? 8 : 32;
        /* Mostly inside a root, sometimes anywhere, sometimes very short. */
        u128 r = (u128)rnd() << 64 | rnd();
        if (rnd() % 10 == 0) {
            c.bits = (unsigned)(rnd() % (w + 1));
            c.net = cut(r, w, c.bits);
        } else {
            /* IPv4 /8../24 under 10/8 and friends, IPv6 /32../64 under 2001:db8::/32. */
            c.bits = root_bits + (unsigned)(rnd() % (c.family == AF_INET ? 17 : 33));
            u128 host = c.family == AF_INET ? (r & 0xffffffu) : (r >> 32);
            c.net = cut(base | host, w, c.bits);
        }
        bool is_dup = false;
        for (size_t i = 0; i < n && !is_dup; i++) {
            is_dup = p[i].family == c.family && p[i].bits == c.bits && p[i].net == c.net;
        }
        if (c.family == AF_INET6) {
            /* The mapped /96 belongs to IPv4: an IPv6 prefix inside it would
             * be read as IPv4. */
            uint8_t b[16];
            to_bytes(AF_INET6, c.net, b);
            is_dup = is_dup || (c.bits >= 96 && memcmp(b, mapped_prefix, 12) == 0);
        }
        if (is_dup) {
            continue;
        }
        bool used[DC_COUNT] = {false};
        size_t rows = 1 + rnd() % DC_COUNT;
        for (size_t k = 0; k < rows; k++) {
            uint32_t dc = (uint32_t)(rnd() % DC_COUNT);
            if (used[dc]) {
                continue;
            }
            used[dc] = true;
            /* Few distinct values, so that ties sort by dc. */
            uint32_t rtt_us = (uint32_t)(rnd() % 4) * 2500;
            int64_t measured = rnd() % 2 ? NOW - (int64_t)(rnd() % 100000) : -1;
            c.rows[c.row_count++] = (latency_row_t){
                .dc = dc, .rtt_us = rtt_us,
                .expires_s = (measured < 0 ? NOW : measured) + 86400};
            uint8_t b[16];
            char at[INET6_ADDRSTRLEN];
            to_bytes(c.family, c.net, b);
            assert_non_null(inet_ntop(c.family, b, at, sizeof(at)));
            if (cap - len < 256) {
                cap *= 2;
                buf = realloc(buf, cap);
                assert_non_null(buf);
            }
            len += (size_t)snprintf(buf + len, cap - len, "%s/%u,%s,%u.%03u", at, c.bits,
                                    dcs[dc], rtt_us / 1000, rtt_us % 1000);
            if (measured >= 0) {
                len += (size_t)snprintf(buf + len, cap - len, ",%lld", (long long)measured);
            }
            buf[len++] = '\n';
        }
        prop_rows_sort(&c);
        p[n++] = c;
    }
    buf[len] = '\0';
    *count = n;
    *text = buf;
}

static void check_addr(const latency_table_t *t, const prop_prefix_t *p, size_t n, int family,
                       u128 addr)
{
    uint8_t b[16];
    to_bytes(family, addr, b);
    latency_hit_t h = latency_table_find(t, family, b);
    const prop_prefix_t *want = brute(p, n, family, addr);
    unsigned w = width_of(family);
    assert_true(h.scope_bits <= w);
    /* The block the scope names answers as the address does: its first and
     * last address and a few inside. */
    u128 probes[6] = {addr, cut(addr, w, h.scope_bits), last_of(addr, w, h.scope_bits)};
    for (size_t i = 3; i < GSLB_ARRAY_LEN(probes); i++) {
        u128 r = (u128)rnd() << 64 | rnd();
        probes[i] = cut(addr, w, h.scope_bits) | (r & (last_of(addr, w, h.scope_bits) ^
                                                      cut(addr, w, h.scope_bits)));
    }
    for (size_t i = 0; i < GSLB_ARRAY_LEN(probes); i++) {
        const prop_prefix_t *got = brute(p, n, family, probes[i]);
        if (got != want) {
            uint8_t pb[16];
            char at[INET6_ADDRSTRLEN], pt[INET6_ADDRSTRLEN];
            to_bytes(family, probes[i], pb);
            inet_ntop(family, b, at, sizeof(at));
            inet_ntop(family, pb, pt, sizeof(pt));
            fail_msg("%s/%u: %s answers otherwise", at, h.scope_bits, pt);
        }
    }
    if (want == NULL) {
        assert_int_equal(h.count, 0);
        return;
    }
    assert_int_equal(h.count, want->row_count);
    for (size_t i = 0; i < h.count; i++) {
        assert_int_equal(h.rows[i].dc, want->rows[i].dc);
        assert_int_equal(h.rows[i].rtt_us, want->rows[i].rtt_us);
        assert_int_equal(h.rows[i].expires_s, want->rows[i].expires_s);
    }
    /* The leaf is never wider than the prefix that decided. */
    assert_true(h.scope_bits >= (family == want->family ? want->bits : 96 + want->bits));
}

static void test_random_tables_match_brute_force(void **state)
{
    (void)state;
    prop_prefix_t *p = calloc(PROP_PREFIXES, sizeof(*p));
    assert_non_null(p);
    size_t n;
    char *text;
    prop_make(p, &n, &text);
    latency_table_t *t = parse_ok(text, "csv", 86400);
    latency_stats_t s;
    latency_table_stats(t, &s);
    assert_int_equal(s.prefixes, n);
    for (size_t i = 0; i < PROP_SAMPLES; i++) {
        const prop_prefix_t *near = &p[rnd() % n];
        unsigned w = width_of(near->family);
        u128 r = (u128)rnd() << 64 | rnd();
        u128 addr;
        switch (rnd() % 4) {
        case 0: /* anywhere */
            addr = w == 32 ? (r & 0xffffffffu) : r;
            break;
        case 1: /* just outside a prefix */
            addr = last_of(near->net, w, near->bits) + 1;
            addr = w == 32 ? (addr & 0xffffffffu) : addr;
            break;
        default: /* inside a prefix */
            addr = near->net | (r & (last_of(near->net, w, near->bits) ^ near->net));
            break;
        }
        check_addr(t, p, n, near->family, addr);
        if (near->family == AF_INET) {
            check_addr(t, p, n, AF_INET6, (u128)0xffffu << 32 | addr);
        }
    }
    latency_table_free(t);
    free(text);
    free(p);
}

/* ---- parse errors: every one at its line and column ------------------------------ */

static void test_csv_prefix_errors(void **state)
{
    (void)state;
    static const char text[] = "10.0.0.1/8,fra,10\n"
                               "  192.0.2.1/24 , fra, 5\n"
                               "10.0.0.0/33,fra,1\n"
                               "2001:db8::/129,fra,1\n"
                               "10.0.0.0,fra,1\n"
                               "banana/8,fra,1\n"
                               ",fra,1\n"
                               "10.0.0.0/8x,fra,1\n"
                               "2001:db8::1/32,fra,1\n";
    static const char *const want[] = {
        "t.csv:1:1: error: prefix '10.0.0.1/8' has host bits set (did you mean '10.0.0.0/8'?)",
        "t.csv:2:3: error: prefix '192.0.2.1/24' has host bits set "
        "(did you mean '192.0.2.0/24'?)",
        "t.csv:3:1: error: prefix '10.0.0.0/33': the length must be 0 to 32",
        "t.csv:4:1: error: prefix '2001:db8::/129': the length must be 0 to 128",
        "t.csv:5:1: error: prefix '10.0.0.0' has no /LENGTH",
        "t.csv:6:1: error: prefix 'banana/8' is not a network in ADDRESS/LENGTH form",
        "t.csv:7:1: error: missing prefix",
        "t.csv:8:1: error: prefix '10.0.0.0/8x': the length must be 0 to 32",
        "t.csv:9:1: error: prefix '2001:db8::1/32' has host bits set "
        "(did you mean '2001:db8::/32'?)",
        NULL};
    parse_fails("t.csv", text, "csv", want);
}

static void test_csv_field_errors(void **state)
{
    (void)state;
    static const char text[] = "prefix,datacenter,rtt_ms\n"
                               "10.0.0.0/8,frx,1\n"
                               "10.0.0.0/8, FRA ,1\n"
                               "10.0.0.0/8,,1\n"
                               "10.0.0.0/8,fra,600001\n"
                               "10.0.0.0/8,fra,600000.001\n"
                               "10.0.0.0/8,fra,-1\n"
                               "10.0.0.0/8,fra,1e3\n"
                               "10.0.0.0/8,fra,\n"
                               "10.0.0.0/8,fra,1,-5\n"
                               "10.0.0.0/8,fra,1,1.5\n"
                               "10.0.0.0/8,fra,1,99999999999999999999\n"
                               "10.0.0.0/8,fra\n"
                               "10.0.0.0/8\n"
                               "10.0.0.0/8,fra,1,2,3\n"
                               "10.0.0.1/8,frx,x,y\n"
                               "10.0.0.0/8,fr\xc3\xa4,1,x\n"
                               "10.0.0.0/8,fra,1\0,2\n";
    static const char *const want[] = {
        "t.csv:2:12: error: unknown datacenter 'frx'",
        "t.csv:3:13: error: unknown datacenter 'FRA' (did you mean 'fra'?)",
        "t.csv:4:12: error: missing datacenter",
        "t.csv:5:16: error: rtt_ms must be a number of milliseconds from 0 to 600000, "
        "not '600001'",
        "t.csv:6:16: error: rtt_ms must be a number of milliseconds from 0 to 600000, "
        "not '600000.001'",
        "t.csv:7:16: error: rtt_ms must be a number of milliseconds from 0 to 600000, not '-1'",
        "t.csv:8:16: error: rtt_ms must be a number of milliseconds from 0 to 600000, "
        "not '1e3'",
        "t.csv:9:16: error: missing rtt_ms",
        "t.csv:10:18: error: measured must be Unix seconds (an integer from 0), not '-5'",
        "t.csv:11:18: error: measured must be Unix seconds (an integer from 0), not '1.5'",
        "t.csv:12:18: error: measured must be Unix seconds (an integer from 0), "
        "not '99999999999999999999'",
        "t.csv:13:15: error: missing rtt_ms (a row is prefix,datacenter,rtt_ms[,measured])",
        "t.csv:14:11: error: missing datacenter (a row is prefix,datacenter,rtt_ms[,measured])",
        "t.csv:15:20: error: too many fields (a row is prefix,datacenter,rtt_ms[,measured])",
        /* Every bad field of a line, not only the first. */
        "t.csv:16:1: error: prefix '10.0.0.1/8' has host bits set (did you mean '10.0.0.0/8'?)",
        "t.csv:16:12: error: unknown datacenter 'frx'",
        "t.csv:16:16: error: rtt_ms must be a number of milliseconds from 0 to 600000, not 'x'",
        "t.csv:16:18: error: measured must be Unix seconds (an integer from 0), not 'y'",
        /* Columns count characters: "frä" is three. */
        "t.csv:17:12: error: unknown datacenter 'fr\\xc3\\xa4'",
        "t.csv:17:18: error: measured must be Unix seconds (an integer from 0), not 'x'",
        "t.csv:18:17: error: NUL byte in a text table",
        NULL};
    gslb_diag_t *d = gslb_diag_new(false);
    latency_table_t *t = NULL;
    /* sizeof - 1: the NUL inside the last line is part of the text. */
    assert_int_equal(latency_table_parse(&t, "t.csv", text, sizeof(text) - 1, "csv", dcs,
                                         DC_COUNT, NOW, 0, d),
                     -GSLB_ECONF);
    assert_null(t);
    for (size_t i = 0; i < gslb_diag_count(d) || want[i] != NULL; i++) {
        if (want[i] == NULL || i >= gslb_diag_count(d) ||
            strcmp(gslb_diag_message(d, i), want[i]) != 0) {
            fail_msg("message %zu: got '%s', want '%s'", i,
                     i < gslb_diag_count(d) ? gslb_diag_message(d, i) : "(none)",
                     want[i] != NULL ? want[i] : "(none)");
        }
    }
    gslb_diag_free(d);
}

static void test_csv_repeats_and_header_place(void **state)
{
    (void)state;
    static const char text[] = "# header must come first\n"
                               "10.0.0.0/8,fra,1\n"
                               "10.0.0.0/8,ams,1\n"
                               "prefix,datacenter,rtt_ms\n"
                               " 10.0.0.0/8 ,fra,2\n"
                               "10.0.0.0/16,fra,2\n";
    static const char *const want[] = {
        "t.csv:4:1: error: prefix 'prefix' is not a network in ADDRESS/LENGTH form",
        "t.csv:4:8: error: unknown datacenter 'datacenter'",
        "t.csv:4:19: error: rtt_ms must be a number of milliseconds from 0 to 600000, "
        "not 'rtt_ms'",
        "t.csv:5:2: error: prefix '10.0.0.0/8' with datacenter 'fra' is listed twice "
        "(first at line 2)",
        NULL};
    parse_fails("t.csv", text, "csv", want);
}

static void test_too_many_rows_for_a_prefix(void **state)
{
    (void)state;
    enum { N = LATENCY_MAX_ROWS + 2 };
    char *names[N];
    char text[N * 32] = "";
    size_t len = 0;
    for (int i = 0; i < N; i++) {
        names[i] = malloc(8);
        assert_non_null(names[i]);
        snprintf(names[i], 8, "dc%d", i);
        len += (size_t)snprintf(text + len, sizeof(text) - len, "10.0.0.0/8,dc%d,%d\n", i, N - i);
    }
    gslb_diag_t *d = gslb_diag_new(false);
    latency_table_t *t = NULL;
    assert_int_equal(latency_table_parse(&t, "t", text, len, "csv", (const char *const *)names,
                                         N, NOW, 0, d),
                     -GSLB_ECONF);
    assert_null(t);
    assert_int_equal(gslb_diag_count(d), 2);
    assert_string_equal(gslb_diag_message(d, 0),
                        "t:65:1: error: prefix '10.0.0.0/8' has more than 64 datacenters");
    /* LATENCY_MAX_ROWS rows of one prefix are fine, sorted by rtt. */
    gslb_diag_free(d);
    d = gslb_diag_new(false);
    size_t cut_len = 0;
    for (int i = 0, lines = 0; lines < LATENCY_MAX_ROWS; i++) {
        cut_len = i + 1;
        lines += text[i] == '\n';
    }
    assert_int_equal(latency_table_parse(&t, "t", text, cut_len, "csv",
                                         (const char *const *)names, N, NOW, 0, d),
                     0);
    latency_hit_t h = find_text(t, "10.0.0.1");
    assert_int_equal(h.count, LATENCY_MAX_ROWS);
    assert_int_equal(h.rows[0].dc, LATENCY_MAX_ROWS - 1);
    assert_int_equal(h.rows[LATENCY_MAX_ROWS - 1].dc, 0);
    latency_table_free(t);
    gslb_diag_free(d);
    for (int i = 0; i < N; i++) {
        free(names[i]);
    }
}

static void test_errors_stop_after_a_hundred(void **state)
{
    (void)state;
    size_t cap = 200 * 16, len = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    for (int i = 0; i < 200; i++) {
        len += (size_t)snprintf(text + len, cap - len, "bad,fra,1\n");
    }
    gslb_diag_t *d = gslb_diag_new(false);
    latency_table_t *t = NULL;
    assert_int_equal(latency_table_parse(&t, "t", text, len, "csv", dcs, DC_COUNT, NOW, 0, d),
                     -GSLB_ECONF);
    assert_int_equal(gslb_diag_count(d), 101);
    assert_string_equal(gslb_diag_message(d, 99),
                        "t:100:1: error: prefix 'bad' is not a network in ADDRESS/LENGTH form");
    assert_string_equal(gslb_diag_message(d, 100),
                        "t: error: too many errors (100), stopped reading");
    gslb_diag_free(d);
    free(text);

    static const char *const want[] = {
        "t: error: unknown table format 'xml' (expected csv or json)", NULL};
    parse_fails("t", "", "xml", want);
}

static void test_json_value_errors(void **state)
{
    (void)state;
    static const char text[] =
        "{\"entries\": [\n"
        "  {\"prefix\": \"10.0.0.1/8\", \"datacenter\": \"fra\", \"rtt_ms\": 1},\n"
        "  {\"prefix\": 10, \"datacenter\": \"frx\", \"rtt_ms\": \"1\"},\n"
        "  {\"prefix\": \"10.0.0.0/8\", \"datacenter\": \"fra\", \"rtt_ms\": 600000.5},\n"
        "  {\"prefix\": \"10.0.0.0/8\", \"datacenter\": \"fra\", \"rtt_ms\": -1,\n"
        "   \"measured\": -5},\n"
        "  {\"prefix\": \"10.0.0.0/8\", \"datacenter\": \"fra\", \"rtt_ms\": 1,\n"
        "   \"measured\": 1.5, \"colour\": \"blue\"},\n"
        "  {\"rtt_ms\": 1},\n"
        "  [1, 2],\n"
        "  {\"prefix\": \"2001:db8::/32\", \"datacenter\": \"Ams\", \"rtt_ms\": 1},\n"
        "  {\"prefix\": \"10.0.0.0/8\", \"datacenter\": \"fra\", \"rtt_ms\": 1},\n"
        "  {\"prefix\": \"10.0.0.0/8\", \"datacenter\": \"fra\", \"rtt_ms\": 2}\n"
        "], \"version\": 2}\n";
    static const char *const want[] = {
        "t.json:2:14: error: prefix '10.0.0.1/8' has host bits set "
        "(did you mean '10.0.0.0/8'?)",
        "t.json:3:14: error: prefix must be a string",
        "t.json:3:32: error: unknown datacenter 'frx'",
        "t.json:3:49: error: rtt_ms must be a number of milliseconds from 0 to 600000",
        "t.json:4:59: error: rtt_ms must be a number of milliseconds from 0 to 600000, "
        "not 600000.5",
        "t.json:5:59: error: rtt_ms must be a number of milliseconds from 0 to 600000, not -1",
        "t.json:6:16: error: measured must be Unix seconds (an integer from 0)",
        "t.json:8:16: error: measured must be Unix seconds (an integer from 0)",
        "t.json:8:21: error: unknown key 'colour' in an entry (expected prefix, datacenter, "
        "rtt_ms, measured)",
        "t.json:9:3: error: entry has no prefix",
        "t.json:9:3: error: entry has no datacenter",
        "t.json:10:3: error: an entry must be an object with prefix, datacenter, rtt_ms and "
        "optionally measured",
        "t.json:11:45: error: unknown datacenter 'Ams' (did you mean 'ams'?)",
        "t.json:13:14: error: prefix '10.0.0.0/8' with datacenter 'fra' is listed twice "
        "(first at line 12)",
        "t.json:14:4: error: unknown key 'version' (expected entries)",
        NULL};
    parse_fails("t.json", text, "json", want);
}

static void test_json_document_errors(void **state)
{
    (void)state;
    static const char *const top_array[] = {
        "t.json:1:1: error: a table must be an object {\"entries\": [...]}", NULL};
    parse_fails("t.json", "[]", "json", top_array);
    static const char *const no_entries[] = {
        "t.json:2:3: error: a table must be an object {\"entries\": [...]}: no entries", NULL};
    parse_fails("t.json", "\n  {}", "json", no_entries);
    static const char *const not_array[] = {
        "t.json:1:13: error: entries must be an array", NULL};
    parse_fails("t.json", "{\"entries\": {}}", "json", not_array);
    /* Syntax errors: jansson's position and words. */
    static const char *const syntax[] = {
        "t.json:2:40: error: string or '}' expected near '}'", NULL};
    parse_fails("t.json", "{\"entries\": [\n  {\"prefix\": \"10.0.0.0/8\", \"rtt_ms\": 1,}\n]}",
                "json", syntax);
    static const char *const dup_key[] = {
        "t.json:1:46: error: duplicate object key near '\"prefix\"'", NULL};
    parse_fails("t.json", "{\"entries\": [{\"prefix\": \"10.0.0.0/8\", \"prefix\": \"x\"}]}",
                "json", dup_key);
    /* Multi-byte characters before a value count as one column each. */
    static const char *const utf8[] = {
        "t.json:1:15: error: unknown key 'x\\xc3\\xa4\\xc3\\xa4' in an entry (expected prefix, "
        "datacenter, rtt_ms, measured)",
        "t.json:1:39: error: unknown datacenter 'fra\\xc3\\xa4\\xc3\\xa4'", NULL};
    parse_fails("t.json",
                "{\"entries\": [{\"x\u00e4\u00e4\": 0, \"datacenter\": \"fra\u00e4\u00e4\", "
                "\"prefix\": \"10.0.0.0/8\", \"rtt_ms\": 1}]}",
                "json", utf8);
}

/* ---- expiry, measured and row order -------------------------------------------- */

static void test_expiry_from_measured_and_max_age(void **state)
{
    (void)state;
    static const char text[] = "10.0.0.0/8,fra,1,1000\n"   /* long expired, still read */
                               "10.0.0.0/8,ams,2\n"        /* default measured */
                               "10.0.0.0/8,lon,3,9223372036854775500\n"; /* saturates */
    latency_table_t *t = parse_ok(text, "csv", 600);
    latency_hit_t h = find_text(t, "10.0.0.1");
    assert_int_equal(h.count, 3);
    assert_int_equal(h.rows[0].dc, 0);
    assert_int_equal(h.rows[0].expires_s, 1600);
    assert_int_equal(h.rows[1].dc, 1);
    assert_int_equal(h.rows[1].expires_s, NOW + 600);
    assert_int_equal(h.rows[2].dc, 2);
    assert_int_equal(h.rows[2].expires_s, INT64_MAX);
    latency_table_free(t);

    /* max_age 0: nothing expires, whatever measured says. */
    t = parse_ok(text, "csv", 0);
    h = find_text(t, "10.0.0.1");
    for (size_t i = 0; i < h.count; i++) {
        assert_int_equal(h.rows[i].expires_s, INT64_MAX);
    }
    latency_table_free(t);
}

static void test_rows_sort_by_rtt_then_dc(void **state)
{
    (void)state;
    latency_table_t *t = parse_ok("10.0.0.0/8,tyo,5\n"
                                  "10.0.0.0/8,ams,5.0\n"
                                  "10.0.0.0/8,sfo,0.0005\n"
                                  "10.0.0.0/8,fra,5.0004\n"
                                  "10.0.0.0/8,nyc,4.9995\n"
                                  "10.0.0.0/8,lon,0\n",
                                  "csv", 0);
    /* Microseconds, rounded half up: 0.0005 ms is 1 us, 5.0004 ms 5000 us,
     * 4.9995 ms 5000 us; then ties by data center index. */
    assert_rows(find_text(t, "10.0.0.1"), (const uint32_t[]){2, 4, 0, 1, 3, 5},
                (const uint32_t[]){0, 1, 5000, 5000, 5000, 5000}, 6);
    latency_table_free(t);
}

/* ---- files ---------------------------------------------------------------------- */

static void test_load_files(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_latency.XXXXXX";
    assert_non_null(mkdtemp(dir));
    test_file_write(dir, "rtt.csv", "10.0.0.0/8,fra,1\n");
    test_file_write(dir, "rtt.JSON",
                    "{\"entries\": [{\"prefix\": \"10.0.0.0/8\", \"datacenter\": \"ams\", "
                    "\"rtt_ms\": 2}]}");
    char path[128];
    snprintf(path, sizeof(path), "%s/rtt.csv", dir);
    struct timeval times[2] = {{.tv_sec = 1600000000}, {.tv_sec = 1600000000}};
    assert_int_equal(utimes(path, times), 0);

    gslb_diag_t *d = gslb_diag_new(false);
    latency_table_t *t = NULL;
    assert_int_equal(latency_table_load(&t, path, dcs, DC_COUNT, 60, d), 0);
    latency_hit_t h = find_text(t, "10.0.0.1");
    assert_int_equal(h.count, 1);
    assert_int_equal(h.rows[0].expires_s, 1600000060);
    latency_table_free(t);

    snprintf(path, sizeof(path), "%s/rtt.JSON", dir);
    assert_int_equal(latency_table_load(&t, path, dcs, DC_COUNT, 0, d), 0);
    h = find_text(t, "10.0.0.1");
    assert_int_equal(h.count, 1);
    assert_int_equal(h.rows[0].dc, 1);
    latency_table_free(t);
    assert_int_equal(gslb_diag_count(d), 0);

    snprintf(path, sizeof(path), "%s/missing.csv", dir);
    t = (latency_table_t *)&t;
    assert_int_equal(latency_table_load(&t, path, dcs, DC_COUNT, 0, d), -GSLB_EIO);
    assert_null(t);
    assert_int_equal(gslb_diag_count(d), 1);
    char want[256];
    snprintf(want, sizeof(want), "%s: error: cannot read (No such file or directory)", path);
    assert_string_equal(gslb_diag_message(d, 0), want);

    /* Errors in a file carry its path. */
    test_file_write(dir, "bad.csv", "\n10.0.0.0/8,xyz,1\n");
    snprintf(path, sizeof(path), "%s/bad.csv", dir);
    assert_int_equal(latency_table_load(&t, path, dcs, DC_COUNT, 0, d), -GSLB_ECONF);
    snprintf(want, sizeof(want), "%s:2:12: error: unknown datacenter 'xyz'", path);
    assert_string_equal(gslb_diag_message(d, 1), want);
    gslb_diag_free(d);

    test_file_remove(dir, "rtt.csv");
    test_file_remove(dir, "rtt.JSON");
    test_file_remove(dir, "bad.csv");
    assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_and_json_give_the_same_lookups),
        cmocka_unit_test(test_nested_prefixes_and_their_scope),
        cmocka_unit_test(test_v4_mapped_prefix_is_the_v4_prefix),
        cmocka_unit_test(test_empty_and_null_tables),
        cmocka_unit_test(test_random_tables_match_brute_force),
        cmocka_unit_test(test_csv_prefix_errors),
        cmocka_unit_test(test_csv_field_errors),
        cmocka_unit_test(test_csv_repeats_and_header_place),
        cmocka_unit_test(test_too_many_rows_for_a_prefix),
        cmocka_unit_test(test_errors_stop_after_a_hundred),
        cmocka_unit_test(test_json_value_errors),
        cmocka_unit_test(test_json_document_errors),
        cmocka_unit_test(test_expiry_from_measured_and_max_age),
        cmocka_unit_test(test_rows_sort_by_rtt_then_dc),
        cmocka_unit_test(test_load_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
