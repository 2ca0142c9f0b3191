/* Response rate limiting and DNS cookies through query_answer: the limits of each class
 * with their keys, slip as TC=1 or BADCOOKIE, the EDE of a limited response, exemptions
 * (TCP, networks, valid cookies), cookie answers (client cookie alone, valid, stale,
 * invalid, malformed), and the counters. Queries are crafted packets from any source
 * address; bursts start just after a second begins, as the buckets refill each second. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../test_files.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gslb/cookie.h"
#include "gslb/query.h"

static const char zone[] = "$ORIGIN r.test.\n"
                           "$TTL 300\n"
                           "@ SOA ns1 hostmaster 1 3600 900 86400 300\n"
                           "@ NS ns1\n"
                           "ns1 A 192.0.2.53\n"
                           "www A 192.0.2.80\n"
                           "api A 192.0.2.81\n"
                           "sub NS ns.sub\n"
                           "ns.sub A 192.0.2.99\n";

#define SECRET "00112233445566778899aabbccddeeff"

/* rate 4 for answers, 6 for NODATA, 3 for NXDOMAIN, 5 for referrals, 2 for errors, slip 2,
 * a 1-second window. */
static const char config_rrl[] = "zones:\n"
                                 "  - file: r.zone\n"
                                 "    origin: r.test.\n"
                                 "datacenters:\n"
                                 "  dc-a:\n"
                                 "    addresses: [192.0.2.1]\n"
                                 "rate_limit:\n"
                                 "  rate: 4\n"
                                 "  nxdomain_rate: 3\n"
                                 "  error_rate: 2\n"
                                 "  referral_rate: 5\n"
                                 "  nodata_rate: 6\n"
                                 "  window_s: 1\n"
                                 "  slip: 2\n"
                                 "  exempt: [198.51.100.0/24, \"2001:db8:e::/48\"]\n"
                                 "cookies:\n"
                                 "  secret_file: cookie.key\n";

static const char config_plain[] = "zones:\n"
                                   "  - file: r.zone\n"
                                   "    origin: r.test.\n"
                                   "datacenters:\n"
                                   "  dc-a:\n"
                                   "    addresses: [192.0.2.1]\n"
                                   "cookies:\n"
                                   "  enabled: false\n";

typedef struct fixture {
    char dir[64];
    snapshot_t *rrl, *plain;
    rrl_table_t *table;
    query_worker_t worker;
    cookie_secrets_t secrets;
    uint8_t resp[SERVER_MAX_MSG];
} fixture_t;

static snapshot_t *load(fixture_t *f, const char *config)
{
    test_file_write(f->dir, "gslbd.yaml", config);
    char path[128];
    snprintf(path, sizeof(path), "%s/gslbd.yaml", f->dir);
    gslb_diag_t *diag = gslb_diag_new(true);
    snapshot_t *s = NULL;
    int rc = snapshot_load(&s, path, NULL, NULL, diag);
    gslb_diag_free(diag);
    assert_int_equal(rc, 0);
    return s;
}

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "/tmp/test_query_limits.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    test_file_write(f->dir, "r.zone", zone);
    test_file_write(f->dir, "cookie.key", SECRET "\n");
    char key_path[128];
    snprintf(key_path, sizeof(key_path), "%s/cookie.key", f->dir);
    chmod(key_path, 0600);
    f->rrl = load(f, config_rrl);
    f->plain = load(f, config_plain);
    assert_int_equal(cookie_secret_parse(SECRET, 32, f->secrets.current), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    snapshot_free(f->rrl);
    snapshot_free(f->plain);
    test_file_remove(f->dir, "r.zone");
    test_file_remove(f->dir, "cookie.key");
    test_file_remove(f->dir, "gslbd.yaml");
    rmdir(f->dir);
    free(f);
    return 0;
}

/* Each test starts with fresh buckets and counters. */
static int before(void **state)
{
    fixture_t *f = *state;
    rrl_table_free(f->table);
    f->table = rrl_table_new(4096);
    query_worker_init(&f->worker, 7);
    f->worker.rrl = f->table;
    return 0;
}

static int after(void **state)
{
    fixture_t *f = *state;
    rrl_table_free(f->table);
    f->table = NULL;
    return 0;
}

/* Sleep until a new second of the coarse wall clock has just begun, so that a burst of a
 * few queries does not straddle a refill. */
static void second_start(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME_COARSE, &ts);
    time_t now = ts.tv_sec;
    do {
        struct timespec nap = {0, 2000000};
        nanosleep(&nap, NULL);
        clock_gettime(CLOCK_REALTIME_COARSE, &ts);
    } while (ts.tv_sec == now);
}

/* A query for name (presentation form, final dot) and qtype; with EDNS (payload 1232) and
 * optionally a COOKIE option of cookie_len octets. */
static size_t build(uint8_t *buf, const char *name, uint16_t qtype, bool has_edns,
                    const uint8_t *cookie, size_t cookie_len)
{
    static const uint8_t hdr[12] = {0x12, 0x34, 0x00, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
    memcpy(buf, hdr, sizeof(hdr));
    size_t o = 12;
    for (const char *p = name; *p != '\0';) {
        const char *dot = strchr(p, '.');
        size_t l = (size_t)(dot - p);
        buf[o++] = (uint8_t)l;
        memcpy(buf + o, p, l);
        o += l;
        p = dot + 1;
    }
    buf[o++] = 0;
    buf[o++] = (uint8_t)(qtype >> 8);
    buf[o++] = (uint8_t)qtype;
    buf[o++] = 0;
    buf[o++] = 1;
    if (has_edns) {
        size_t rdlen = cookie != NULL ? 4 + cookie_len : 0;
        const uint8_t opt[11] = {0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, (uint8_t)(rdlen >> 8),
                                 (uint8_t)rdlen};
        memcpy(buf + o, opt, sizeof(opt));
        o += sizeof(opt);
        if (cookie != NULL) {
            buf[o++] = 0;
            buf[o++] = DNS_OPT_COOKIE;
            buf[o++] = 0;
            buf[o++] = (uint8_t)cookie_len;
            memcpy(buf + o, cookie, cookie_len);
            o += cookie_len;
        }
        buf[11] = 1;
    }
    return o;
}

typedef struct resp {
    size_t len;
    uint16_t flags, counts[4];
    unsigned rcode;           /* with the OPT's extended bits */
    const uint8_t *cookie;    /* COOKIE option data, or NULL */
    uint16_t cookie_len;
    bool has_ede;
    uint16_t ede_code;
    char ede_text[128];
} resp_t;

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static size_t skip_name(const uint8_t *m, size_t off)
{
    while (m[off] != 0) {
        if ((m[off] & 0xC0) == 0xC0) {
            return off + 2;
        }
        off += 1u + m[off];
    }
    return off + 1;
}

/* Send one query from address ip (IPv4 or IPv6 text) over transport and read the reply. */
static resp_t ask(fixture_t *f, const snapshot_t *snap, const char *ip,
                  server_transport_t transport, const uint8_t *pkt, size_t len)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    socklen_t sl;
    if (strchr(ip, ':') != NULL) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        assert_int_equal(inet_pton(AF_INET6, ip, &s6->sin6_addr), 1);
        sl = sizeof(*s6);
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        assert_int_equal(inet_pton(AF_INET, ip, &s4->sin_addr), 1);
        sl = sizeof(*s4);
    }
    server_request_t req = {.msg = pkt, .len = len, .peer = (const struct sockaddr *)&ss,
                            .peer_len = sl, .transport = transport};
    resp_t r;
    memset(&r, 0, sizeof(r));
    r.len = query_answer(&f->worker, snap, &req, f->resp, sizeof(f->resp));
    if (r.len == 0) {
        return r;
    }
    const uint8_t *m = f->resp;
    r.flags = rd16(m + 2);
    for (int i = 0; i < 4; i++) {
        r.counts[i] = rd16(m + 4 + 2 * i);
    }
    r.rcode = r.flags & 0x0F;
    size_t off = DNS_HEADER_LEN;
    for (unsigned i = 0; i < r.counts[0]; i++) {
        off = skip_name(m, off) + 4;
    }
    unsigned rrs = (unsigned)r.counts[1] + r.counts[2] + r.counts[3];
    for (unsigned i = 0; i < rrs; i++) {
        off = skip_name(m, off);
        uint16_t type = rd16(m + off), rdlen = rd16(m + off + 8);
        if (type == DNS_TYPE_OPT) {
            r.rcode |= (unsigned)m[off + 4] << 4;
            const uint8_t *o = m + off + 10;
            for (size_t k = 0; k + 4 <= rdlen;) {
                uint16_t code = rd16(o + k), n = rd16(o + k + 2);
                if (code == DNS_OPT_COOKIE) {
                    r.cookie = o + k + 4;
                    r.cookie_len = n;
                } else if (code == DNS_OPT_EDE) {
                    r.has_ede = true;
                    r.ede_code = rd16(o + k + 4);
                    size_t tl = n - 2u < sizeof(r.ede_text) - 1 ? n - 2u : sizeof(r.ede_text) - 1;
                    memcpy(r.ede_text, o + k + 6, tl);
                }
                k += 4u + n;
            }
        }
        off += 10u + rdlen;
    }
    assert_int_equal(off, r.len);
    return r;
}

static resp_t ask_udp(fixture_t *f, const char *ip, const char *name, uint16_t qtype)
{
    uint8_t q[512];
    size_t n = build(q, name, qtype, true, NULL, 0);
    return ask(f, f->rrl, ip, SERVER_UDP, q, n);
}

/* ---- rate limiting ---------------------------------------------------------- */

static void test_limits_answers_pass_up_to_rate_then_slip_and_drop(void **state)
{
    fixture_t *f = *state;
    second_start();
    for (int i = 0; i < 4; i++) {
        resp_t r = ask_udp(f, "192.0.2.7", "www.r.test.", DNS_TYPE_A);
        assert_int_equal(r.counts[1], 1);
        assert_int_equal(r.flags & DNS_FLAG_TC, 0);
        assert_false(r.has_ede);
    }
    /* The fifth is limited: the first limited one slips (TC=1, question only, EDE). */
    resp_t r = ask_udp(f, "192.0.2.8", "www.r.test.", DNS_TYPE_A);
    assert_int_equal(r.flags & DNS_FLAG_TC, DNS_FLAG_TC);
    assert_int_equal(r.rcode, DNS_RCODE_NOERROR);
    assert_int_equal(r.counts[0], 1);
    assert_int_equal(r.counts[1] + r.counts[2], 0);
    assert_int_equal(r.counts[3], 1); /* the OPT */
    assert_true(r.has_ede);
    assert_int_equal(r.ede_code, DNS_EDE_OTHER);
    assert_string_equal(r.ede_text, "rate limited: retry over TCP");
    /* Then every other one is dropped. */
    assert_int_equal(ask_udp(f, "192.0.2.9", "www.r.test.", DNS_TYPE_A).len, 0);
    assert_int_equal(ask_udp(f, "192.0.2.9", "www.r.test.", DNS_TYPE_A).flags & DNS_FLAG_TC,
                     DNS_FLAG_TC);
    assert_int_equal(ask_udp(f, "192.0.2.9", "www.r.test.", DNS_TYPE_A).len, 0);
    assert_int_equal(f->worker.stats.rrl_limited[RRL_ANSWER], 4);
    assert_int_equal(f->worker.stats.rrl_slipped, 2);
}

static void test_limits_buckets_are_per_network_name_and_type(void **state)
{
    fixture_t *f = *state;
    second_start();
    for (int i = 0; i < 4; i++) {
        assert_int_equal(ask_udp(f, "192.0.2.7", "www.r.test.", DNS_TYPE_A).counts[1], 1);
    }
    /* Another /24, another name, another QTYPE: each its own bucket. */
    assert_int_equal(ask_udp(f, "192.0.3.7", "www.r.test.", DNS_TYPE_A).counts[1], 1);
    assert_int_equal(ask_udp(f, "192.0.2.7", "api.r.test.", DNS_TYPE_A).counts[1], 1);
    resp_t r = ask_udp(f, "192.0.2.7", "www.r.test.", DNS_TYPE_TXT); /* NODATA */
    assert_int_equal(r.flags & DNS_FLAG_TC, 0);
    assert_int_equal(r.counts[2], 1);
    /* ... and the flooded one is still limited. */
    assert_int_equal(ask_udp(f, "192.0.2.200", "www.r.test.", DNS_TYPE_A).flags & DNS_FLAG_TC,
                     DNS_FLAG_TC);
}

static void test_limits_nxdomain_shares_the_zone_bucket(void **state)
{
    fixture_t *f = *state;
    second_start();
    const char *names[] = {"a1.r.test.", "b2.r.test.", "c3.r.test.", "d4.r.test."};
    for (int i = 0; i < 3; i++) {
        resp_t r = ask_udp(f, "192.0.2.7", names[i], DNS_TYPE_A);
        assert_int_equal(r.rcode, DNS_RCODE_NXDOMAIN);
        assert_int_equal(r.flags & DNS_FLAG_TC, 0);
    }
    resp_t r = ask_udp(f, "192.0.2.7", names[3], DNS_TYPE_A);
    assert_int_equal(r.rcode, DNS_RCODE_NXDOMAIN);
    assert_int_equal(r.flags & DNS_FLAG_TC, DNS_FLAG_TC);
    assert_int_equal(r.counts[2], 0); /* no SOA: nothing but the question */
    assert_int_equal(f->worker.stats.rrl_limited[RRL_NXDOMAIN], 1);
}

static void test_limits_errors_by_network_alone(void **state)
{
    fixture_t *f = *state;
    second_start();
    /* REFUSED for names we do not serve: two pass whatever the name, the third is limited. */
    assert_int_equal(ask_udp(f, "192.0.2.7", "x.example.", DNS_TYPE_A).rcode, DNS_RCODE_REFUSED);
    assert_int_equal(ask_udp(f, "192.0.2.7", "y.example.", DNS_TYPE_A).flags & DNS_FLAG_TC, 0);
    resp_t r = ask_udp(f, "192.0.2.7", "z.example.", DNS_TYPE_A);
    assert_int_equal(r.flags & DNS_FLAG_TC, DNS_FLAG_TC);
    assert_int_equal(f->worker.stats.rrl_limited[RRL_ERROR], 1);
}

static void test_limits_referrals_use_their_rate(void **state)
{
    fixture_t *f = *state;
    second_start();
    for (int i = 0; i < 5; i++) {
        resp_t r = ask_udp(f, "192.0.2.7", i % 2 ? "a.sub.r.test." : "b.sub.r.test.",
                           DNS_TYPE_A);
        assert_int_equal(r.flags & DNS_FLAG_TC, 0);
        assert_int_equal(r.counts[2], 1); /* the NS RRset */
    }
    assert_int_equal(ask_udp(f, "192.0.2.7", "c.sub.r.test.", DNS_TYPE_A).flags & DNS_FLAG_TC,
                     DNS_FLAG_TC);
    assert_int_equal(f->worker.stats.rrl_limited[RRL_REFERRAL], 1);
}

static void test_limits_nodata_uses_its_rate(void **state)
{
    fixture_t *f = *state;
    second_start();
    for (int i = 0; i < 6; i++) {
        resp_t r = ask_udp(f, "192.0.2.7", "www.r.test.", DNS_TYPE_TXT);
        assert_int_equal(r.flags & DNS_FLAG_TC, 0);
        assert_int_equal(r.counts[2], 1); /* the SOA */
    }
    assert_int_equal(ask_udp(f, "192.0.2.7", "www.r.test.", DNS_TYPE_TXT).flags & DNS_FLAG_TC,
                     DNS_FLAG_TC);
    assert_int_equal(f->worker.stats.rrl_limited[RRL_NODATA], 1);
}

static void test_limits_exempt_networks_tcp_and_off(void **state)
{
    fixture_t *f = *state;
    second_start();
    uint8_t q[512];
    size_t n = build(q, "www.r.test.", DNS_TYPE_A, true, NULL, 0);
    for (int i = 0; i < 20; i++) {
        assert_int_equal(ask_udp(f, "198.51.100.9", "www.r.test.", DNS_TYPE_A).counts[1], 1);
        assert_int_equal(ask_udp(f, "2001:db8:e:ff::1", "www.r.test.", DNS_TYPE_A).counts[1], 1);
        assert_int_equal(ask(f, f->rrl, "192.0.2.7", SERVER_TCP, q, n).counts[1], 1);
        assert_int_equal(ask(f, f->plain, "192.0.2.7", SERVER_UDP, q, n).counts[1], 1);
    }
    /* One step outside the exempt networks is limited. */
    for (int i = 0; i < 4; i++) {
        ask_udp(f, "198.51.101.9", "www.r.test.", DNS_TYPE_A);
        ask_udp(f, "2001:db8:f::1", "www.r.test.", DNS_TYPE_A);
    }
    assert_int_equal(ask_udp(f, "198.51.101.9", "www.r.test.", DNS_TYPE_A).counts[1], 0);
    assert_int_equal(ask_udp(f, "2001:db8:f::1", "www.r.test.", DNS_TYPE_A).counts[1], 0);
}

/* ---- cookies ------------------------------------------------------------------ */

static const uint8_t client_cookie[8] = {1, 2, 3, 4, 5, 6, 7, 8};

/* A valid server cookie for client_cookie from 192.0.2.7, made at now + skew_s. */
static void valid_cookie(fixture_t *f, uint8_t *out, int skew_s)
{
    const uint8_t addr[4] = {192, 0, 2, 7};
    memcpy(out, client_cookie, 8);
    cookie_server_make(&f->secrets, client_cookie, addr, 4, (uint32_t)(time(NULL) + skew_s),
                       out + 8);
}

static resp_t ask_cookie(fixture_t *f, const snapshot_t *snap, const uint8_t *cookie,
                         size_t len)
{
    uint8_t q[512];
    size_t n = build(q, "www.r.test.", DNS_TYPE_A, true, cookie, len);
    return ask(f, snap, "192.0.2.7", SERVER_UDP, q, n);
}

/* The response's cookie must be our client cookie and a server cookie that validates. */
static void expect_good_cookie(fixture_t *f, const resp_t *r)
{
    assert_non_null(r->cookie);
    assert_int_equal(r->cookie_len, 24);
    assert_memory_equal(r->cookie, client_cookie, 8);
    const uint8_t addr[4] = {192, 0, 2, 7};
    bool is_fresh;
    assert_int_equal(cookie_check(&f->secrets, r->cookie, 24, addr, 4, (uint32_t)time(NULL),
                                  &is_fresh),
                     COOKIE_VALID);
}

static void test_cookies_client_cookie_alone_gets_a_server_cookie(void **state)
{
    fixture_t *f = *state;
    resp_t r = ask_cookie(f, f->rrl, client_cookie, 8);
    assert_int_equal(r.rcode, DNS_RCODE_NOERROR);
    assert_int_equal(r.counts[1], 1);
    expect_good_cookie(f, &r);
    assert_int_equal(f->worker.stats.cookies[QUERY_COOKIE_CLIENT_ONLY - 1], 1);
}

static void test_cookies_fresh_cookie_is_echoed_old_one_renewed(void **state)
{
    fixture_t *f = *state;
    uint8_t c[24];
    valid_cookie(f, c, -60);
    resp_t r = ask_cookie(f, f->rrl, c, 24);
    assert_int_equal(r.counts[1], 1);
    assert_memory_equal(r.cookie, c, 24); /* a minute old: sent back as it is */
    valid_cookie(f, c, -1900);
    r = ask_cookie(f, f->rrl, c, 24);
    expect_good_cookie(f, &r);
    assert_memory_not_equal(r.cookie, c, 24); /* over half an hour: a new one */
    assert_int_equal(f->worker.stats.cookies[QUERY_COOKIE_VALID - 1], 2);
}

static void test_cookies_invalid_server_cookie_is_answered_with_a_new_one(void **state)
{
    fixture_t *f = *state;
    uint8_t c[24];
    valid_cookie(f, c, -3700); /* expired */
    resp_t r = ask_cookie(f, f->rrl, c, 24);
    assert_int_equal(r.rcode, DNS_RCODE_NOERROR);
    assert_int_equal(r.counts[1], 1);
    expect_good_cookie(f, &r);
    valid_cookie(f, c, 0);
    c[20] ^= 1; /* forged */
    r = ask_cookie(f, f->rrl, c, 24);
    assert_int_equal(r.counts[1], 1);
    expect_good_cookie(f, &r);
    assert_int_equal(f->worker.stats.cookies[QUERY_COOKIE_INVALID - 1], 2);
}

static void test_cookies_malformed_gets_formerr(void **state)
{
    fixture_t *f = *state;
    uint8_t c[41] = {0};
    const size_t bad[] = {7, 9, 15, 41};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        resp_t r = ask_cookie(f, f->rrl, c, bad[i]);
        assert_int_equal(r.rcode, DNS_RCODE_FORMERR);
        assert_null(r.cookie);
    }
    /* The lengths next to them are well formed. */
    const size_t good[] = {8, 16, 40};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        assert_int_equal(ask_cookie(f, f->rrl, c, good[i]).rcode, DNS_RCODE_NOERROR);
    }
}

/* RFC 7873 5.4: a query without a question but with a COOKIE option asks for a cookie. */
static void test_cookies_cookie_only_query_gets_our_cookie(void **state)
{
    fixture_t *f = *state;
    uint8_t q[64];
    size_t n = build(q, "www.r.test.", DNS_TYPE_A, true, client_cookie, 8);
    /* Drop the question: header with QDCOUNT 0, then the OPT record. */
    size_t qlen = 12 + 12 + 4; /* "www.r.test." is 12 octets on the wire, then TYPE, CLASS */
    memmove(q + 12, q + qlen, n - qlen);
    n -= qlen - 12;
    q[5] = 0;
    resp_t r = ask(f, f->rrl, "192.0.2.7", SERVER_UDP, q, n);
    assert_int_equal(r.rcode, DNS_RCODE_NOERROR);
    assert_int_equal(r.counts[0], 0);
    assert_int_equal(r.counts[1] + r.counts[2], 0);
    expect_good_cookie(f, &r);
    /* Without cookies there is nothing to answer: FORMERR with an OPT, no cookie. */
    r = ask(f, f->plain, "192.0.2.7", SERVER_UDP, q, n);
    assert_int_equal(r.rcode, DNS_RCODE_FORMERR);
    assert_int_equal(r.counts[3], 1);
    assert_null(r.cookie);
}

static void test_cookies_off_ignores_the_option(void **state)
{
    fixture_t *f = *state;
    resp_t r = ask_cookie(f, f->plain, client_cookie, 8);
    assert_int_equal(r.counts[1], 1);
    assert_null(r.cookie);
}

static void test_cookies_valid_cookie_is_exempt_from_limits(void **state)
{
    fixture_t *f = *state;
    uint8_t c[24];
    valid_cookie(f, c, 0);
    second_start();
    for (int i = 0; i < 20; i++) {
        resp_t r = ask_cookie(f, f->rrl, c, 24);
        assert_int_equal(r.counts[1], 1);
        assert_int_equal(r.flags & DNS_FLAG_TC, 0);
    }
    assert_int_equal(f->worker.stats.rrl_limited[RRL_ANSWER], 0);
}

static void test_cookies_limited_cookie_client_slips_as_badcookie(void **state)
{
    fixture_t *f = *state;
    second_start();
    for (int i = 0; i < 4; i++) {
        assert_int_equal(ask_cookie(f, f->rrl, client_cookie, 8).counts[1], 1);
    }
    resp_t r = ask_cookie(f, f->rrl, client_cookie, 8);
    assert_int_equal(r.rcode, DNS_RCODE_BADCOOKIE);
    assert_int_equal(r.flags & (DNS_FLAG_TC | DNS_FLAG_AA), 0);
    assert_int_equal(r.counts[1] + r.counts[2], 0);
    expect_good_cookie(f, &r);
    assert_true(r.has_ede);
    assert_string_equal(r.ede_text, "rate limited: retry with the new server cookie");
    /* The client retries with the cookie it learnt, and is answered. */
    uint8_t learnt[24];
    memcpy(learnt, r.cookie, 24);
    assert_int_equal(ask_cookie(f, f->rrl, learnt, 24).counts[1], 1);
}

/* A secret file that does not hold one or two secrets stops the load at its line. */
static void test_cookies_bad_secret_file_is_an_error_at_its_line(void **state)
{
    fixture_t *f = *state;
    const char *bad[] = {"# current\n" SECRET "\nnot-hex\n", "\n# nothing\n",
                         SECRET "\n" SECRET "\n" SECRET "\n", SECRET "0\n"};
    const char *want[] = {"cookie.key:3:1: error: cookies: a secret is 32 hexadecimal digits",
                          "cookie.key:1:1: error: cookies: no secret in the file",
                          "cookie.key:3:1: error: cookies: at most two secrets",
                          "cookie.key:1:1: error: cookies: a secret is 32 hexadecimal digits"};
    char path[128];
    snprintf(path, sizeof(path), "%s/gslbd.yaml", f->dir);
    test_file_write(f->dir, "gslbd.yaml", config_rrl);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        test_file_write(f->dir, "cookie.key", bad[i]);
        gslb_diag_t *diag = gslb_diag_new(true);
        snapshot_t *s = NULL;
        assert_int_not_equal(snapshot_load(&s, path, NULL, NULL, diag), 0);
        assert_null(s);
        bool is_found = false;
        for (size_t j = 0; j < gslb_diag_count(diag); j++) {
            is_found = is_found || strstr(gslb_diag_message(diag, j), want[i]) != NULL;
        }
        if (!is_found) {
            gslb_diag_log(diag);
        }
        assert_true(is_found);
        gslb_diag_free(diag);
    }
    test_file_write(f->dir, "cookie.key", SECRET "\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_limits_answers_pass_up_to_rate_then_slip_and_drop,
                                        before, after),
        cmocka_unit_test_setup_teardown(test_limits_buckets_are_per_network_name_and_type,
                                        before, after),
        cmocka_unit_test_setup_teardown(test_limits_nxdomain_shares_the_zone_bucket, before,
                                        after),
        cmocka_unit_test_setup_teardown(test_limits_errors_by_network_alone, before, after),
        cmocka_unit_test_setup_teardown(test_limits_referrals_use_their_rate, before, after),
        cmocka_unit_test_setup_teardown(test_limits_nodata_uses_its_rate, before, after),
        cmocka_unit_test_setup_teardown(test_limits_exempt_networks_tcp_and_off, before, after),
        cmocka_unit_test_setup_teardown(test_cookies_client_cookie_alone_gets_a_server_cookie,
                                        before, after),
        cmocka_unit_test_setup_teardown(test_cookies_fresh_cookie_is_echoed_old_one_renewed,
                                        before, after),
        cmocka_unit_test_setup_teardown(
            test_cookies_invalid_server_cookie_is_answered_with_a_new_one, before, after),
        cmocka_unit_test_setup_teardown(test_cookies_malformed_gets_formerr, before, after),
        cmocka_unit_test_setup_teardown(test_cookies_cookie_only_query_gets_our_cookie, before,
                                        after),
        cmocka_unit_test_setup_teardown(test_cookies_off_ignores_the_option, before, after),
        cmocka_unit_test_setup_teardown(test_cookies_valid_cookie_is_exempt_from_limits, before,
                                        after),
        cmocka_unit_test_setup_teardown(test_cookies_limited_cookie_client_slips_as_badcookie,
                                        before, after),
        cmocka_unit_test_setup_teardown(test_cookies_bad_secret_file_is_an_error_at_its_line,
                                        before, after),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
