/* Unit tests for precompiled RRsets: byte for byte what the general writer writes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "gslb/dns.h"

#define ORIGIN "\005bench\007example"
#define TTL 3600u

/* SOA RDATA: MNAME ns1.<origin>, RNAME hostmaster.<origin>, five 32-bit fields. */
static const uint8_t soa_rdata[] = "\003ns1" ORIGIN "\000"
                                   "\012hostmaster" ORIGIN "\000"
                                   "\001\002\003\004\000\000\016\020\000\000\003\204"
                                   "\000\022\165\000\000\000\001\054";
static const uint8_t soa_upper_rdata[] = "\003NS1\005Bench\007EXAMPLE\000"
                                         "\012HostMaster\003net\000"
                                         "\001\002\003\004\000\000\016\020\000\000\003\204"
                                         "\000\022\165\000\000\000\001\054";
static const uint8_t mx1[] = "\000\012\004mail" ORIGIN;
static const uint8_t mx2[] = "\000\024\005mail2" ORIGIN;
static const uint8_t mx3[] = "\000\036\002mx\007example\003net";
static const uint8_t origin[] = ORIGIN;
static const uint8_t name_mail[] = "\004mail" ORIGIN;
static const uint8_t name_ns1[] = "\003ns1" ORIGIN;
static const uint8_t addr[4] = {192, 0, 2, 1};

typedef struct query {
    uint8_t pkt[512];
    size_t len;
    dns_query_t q;
} query_t;

/* A query for the wire name (mixed case allowed) with a 4-octet question tail. */
static void make_query(query_t *qu, const uint8_t *name, size_t name_len)
{
    memset(qu, 0, sizeof(*qu));
    uint8_t hdr[12] = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
    memcpy(qu->pkt, hdr, 12);
    memcpy(qu->pkt + 12, name, name_len);
    size_t n = 12 + name_len;
    qu->pkt[n++] = 0;
    qu->pkt[n++] = 1;
    qu->pkt[n++] = 0;
    qu->pkt[n++] = 1;
    qu->len = n;
    assert_int_equal(dns_query_parse(qu->pkt, qu->len, &qu->q), DNS_PARSE_OK);
}

/* Append the wire name of a dotted string (no final dot) to out; returns its length. */
static size_t wire_name(const char *text, uint8_t *out)
{
    size_t n = 0;
    while (*text != '\0') {
        const char *dot = strchr(text, '.');
        size_t l = dot ? (size_t)(dot - text) : strlen(text);
        out[n++] = (uint8_t)l;
        memcpy(out + n, text, l);
        n += l;
        text += l + (dot ? 1 : 0);
    }
    out[n++] = 0;
    return n;
}

typedef struct result {
    uint8_t buf[1024];
    size_t len;
    int rc;
} result_t;

/* What follows the RRset in both writers: names that compress into it. */
static void put_more(dns_writer_t *w)
{
    dns_rdata_t a = {addr, 4};
    dns_rdata_t mx[2] = {{mx1, sizeof(mx1)}, {mx3, sizeof(mx3)}};
    (void)dns_writer_put_rrset(w, DNS_SECTION_ADDITIONAL, name_ns1, DNS_TYPE_A, TTL, &a, 1);
    (void)dns_writer_put_rrset(w, DNS_SECTION_ADDITIONAL, name_mail, DNS_TYPE_MX, TTL, mx, 2);
}

/* Write the RRset for query qu into r, precompiled (t != NULL) or not, then more names. */
static void write_one(result_t *r, const query_t *qu, size_t limit, const dns_wire_rrset_t *t,
                      uint16_t type, const dns_rdata_t *rrs, size_t count, bool is_first_more)
{
    dns_writer_t w;
    assert_int_equal(dns_writer_begin(&w, r->buf, sizeof(r->buf), limit, &qu->q, qu->pkt), 0);
    if (is_first_more) {
        /* The QNAME's entries are made before the RRset is written. */
        dns_rdata_t a = {addr, 4};
        if (dns_writer_put_rrset(&w, DNS_SECTION_ANSWER, origin, DNS_TYPE_A, TTL, &a, 1) == 0) {
            assert_true(w.has_qname_comp);
            dns_writer_rollback(&w,
                                (dns_writer_mark_t){.len = w.len - 16, .comp_count = w.comp_count});
        }
    }
    if (t != NULL) {
        r->rc = dns_writer_put_wire(&w, DNS_SECTION_AUTHORITY, t, 300);
        if (r->rc > 0) {
            r->rc = dns_writer_put_rrset(&w, DNS_SECTION_AUTHORITY, origin, type, 300, rrs, count);
        }
    } else {
        r->rc = dns_writer_put_rrset(&w, DNS_SECTION_AUTHORITY, origin, type, 300, rrs, count);
    }
    put_more(&w);
    r->len = dns_writer_finish(&w, 0);
}

/* Compare both writers for one QNAME; returns the precompiled call's result. */
static int compare_for(const uint8_t *name, size_t name_len, size_t limit,
                       const dns_wire_rrset_t *t, uint16_t type, const dns_rdata_t *rrs,
                       size_t count, bool is_first_more)
{
    query_t qu;
    make_query(&qu, name, name_len);
    result_t want, got;
    write_one(&want, &qu, limit, NULL, type, rrs, count, is_first_more);
    write_one(&got, &qu, limit, t, type, rrs, count, is_first_more);
    dns_writer_t w;
    assert_int_equal(dns_writer_begin(&w, got.buf, sizeof(got.buf), limit, &qu.q, qu.pkt), 0);
    int rc = is_first_more ? 1 : dns_writer_put_wire(&w, DNS_SECTION_AUTHORITY, t, 300);
    if (want.len != got.len || memcmp(want.buf, got.buf, want.len) != 0 || want.rc != got.rc) {
        char text[300] = "";
        for (size_t i = 0; i < name_len; i++) {
            snprintf(text + strlen(text), sizeof(text) - strlen(text), "%c",
                     name[i] >= 0x21 && name[i] < 0x7F ? name[i] : '.');
        }
        size_t at = 0;
        while (at < want.len && at < got.len && want.buf[at] == got.buf[at]) {
            at++;
        }
        fail_msg("qname '%s' limit %zu: %zu vs %zu octets, first difference at %zu", text, limit,
                 want.len, got.len, at);
    }
    return rc;
}

static const char *const prefixes[] = {
    "",      "nx123456", "NX123456", "ns1",     "NS1",    "x.ns1",       "ns1.x",
    "hostmaster", "HOSTMASTER.a", "a.HostMaster", "mail",  "mail2",  "ns",   "ns11",
    "hostmaste", "bench", "BENCH", "example", "bench.bench", "a.b.c.d.e.f.g", "*",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
    "cccc.ns1",
};

/* Every QNAME of the list (under the origin, letter case varied) in every
 * writer state and under limits from plenty down to nothing: same bytes. */
static void check_rrset(const dns_wire_rrset_t *t, uint16_t type, const dns_rdata_t *rrs,
                        size_t count, unsigned *applied)
{
    for (size_t p = 0; p < sizeof(prefixes) / sizeof(prefixes[0]); p++) {
        char text[300];
        snprintf(text, sizeof(text), "%s%s%s", prefixes[p], prefixes[p][0] ? "." : "",
                 p % 2 ? "Bench.EXAMPLE" : "bench.example");
        uint8_t name[300];
        size_t len = wire_name(text, name);
        for (size_t limit = 600; limit >= 12 + len + 4; limit -= 7) {
            for (int first = 0; first < 2; first++) {
                if (compare_for(name, len, limit, t, type, rrs, count, first != 0) == 0) {
                    (*applied)++;
                }
            }
        }
    }
}

static void test_wire_soa_same_bytes_as_general_writer(void **state)
{
    (void)state;
    dns_rdata_t rd = {soa_rdata, sizeof(soa_rdata) - 1};
    dns_wire_rrset_t t;
    assert_int_equal(dns_wire_rrset_build(&t, origin, sizeof(origin), DNS_TYPE_SOA, TTL, &rd, 1),
                     0);
    assert_int_equal(t.guard_count, 2);
    unsigned applied = 0;
    check_rrset(&t, DNS_TYPE_SOA, &rd, 1, &applied);
    assert_true(applied > 100);
}

static void test_wire_soa_names_outside_origin(void **state)
{
    (void)state;
    dns_rdata_t rd = {soa_upper_rdata, sizeof(soa_upper_rdata) - 1};
    dns_wire_rrset_t t;
    assert_int_equal(dns_wire_rrset_build(&t, origin, sizeof(origin), DNS_TYPE_SOA, TTL, &rd, 1),
                     0);
    assert_int_equal(t.guard_count, 1);
    unsigned applied = 0;
    check_rrset(&t, DNS_TYPE_SOA, &rd, 1, &applied);
    assert_true(applied > 100);
}

static void test_wire_mx_same_bytes_as_general_writer(void **state)
{
    (void)state;
    dns_rdata_t rd[3] = {{mx1, sizeof(mx1)}, {mx2, sizeof(mx2)}, {mx3, sizeof(mx3)}};
    dns_wire_rrset_t t;
    assert_int_equal(dns_wire_rrset_build(&t, origin, sizeof(origin), DNS_TYPE_MX, TTL, rd, 3),
                     0);
    assert_int_equal(t.rr_count, 3);
    unsigned applied = 0;
    check_rrset(&t, DNS_TYPE_MX, rd, 3, &applied);
    assert_true(applied > 100);
}

static const uint8_t name_mail2[] = "\005mail2" ORIGIN;
static const uint8_t addr6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x25};

/* One answer: the MX RRset and its additional records, precompiled (t != NULL,
 * as the answer code uses dns_writer_put_wire) or by the general writer (the
 * additional records each written when it fits), then more names. Returns
 * put_wire's result, or 0 for the general writer. */
static int write_mx_answer(result_t *r, const query_t *qu, size_t limit,
                           const dns_wire_rrset_t *t, const dns_rdata_t *mx, size_t count,
                           const dns_wire_extra_t *extra, size_t n)
{
    dns_writer_t w;
    assert_int_equal(dns_writer_begin(&w, r->buf, sizeof(r->buf), limit, &qu->q, qu->pkt), 0);
    int rc = t != NULL ? dns_writer_put_wire(&w, DNS_SECTION_ANSWER, t, 300) : 1;
    int ret = rc;
    if (rc == 1) {
        rc = dns_writer_put_rrset(&w, DNS_SECTION_ANSWER, origin, DNS_TYPE_MX, 300, mx, count);
        ret = t != NULL ? 1 : 0;
    }
    if (rc == 0) {
        for (size_t i = 0; i < n; i++) {
            (void)dns_writer_put_rrset(&w, DNS_SECTION_ADDITIONAL, extra[i].owner,
                                       extra[i].type, extra[i].ttl_s, extra[i].rrs,
                                       extra[i].count);
        }
    }
    put_more(&w);
    r->len = dns_writer_finish(&w, 0);
    return ret;
}

/* The MX RRset with the addresses of its targets: whole when everything fits,
 * the RRset alone when only it does (the rest then written one by one), and
 * byte for byte what the general writer makes in every case. */
static void test_wire_mx_with_additional_records(void **state)
{
    (void)state;
    dns_rdata_t rd[3] = {{mx1, sizeof(mx1)}, {mx2, sizeof(mx2)}, {mx3, sizeof(mx3)}};
    dns_rdata_t a = {addr, 4}, a6 = {addr6, 16};
    dns_wire_extra_t extra[3] = {
        {name_mail, DNS_TYPE_A, 600, &a, 1},
        {name_mail2, DNS_TYPE_A, 700, &a, 1},
        {name_mail2, DNS_TYPE_AAAA, 800, &a6, 1},
    };
    dns_wire_rrset_t t;
    assert_int_equal(dns_wire_rrset_build_extra(&t, origin, sizeof(origin), DNS_TYPE_MX, TTL, rd,
                                                3, extra, 3),
                     0);
    assert_int_equal(t.rr_count, 3);
    assert_int_equal(t.extra_count, 3);
    assert_true(t.head_len < t.len);
    const char *names[] = {"bench.example", "BeNcH.ExAmPlE", "www.bench.example",
                           "mail.bench.example", "Mail2.bench.example", "a.mail.bench.example",
                           "x.y.z.bench.example"};
    unsigned whole = 0, alone = 0;
    for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
        uint8_t name[256];
        size_t len = wire_name(names[k], name);
        query_t qu;
        make_query(&qu, name, len);
        for (size_t limit = 40; limit <= 400; limit++) {
            result_t want, got;
            (void)write_mx_answer(&want, &qu, limit, NULL, rd, 3, extra, 3);
            int rc = write_mx_answer(&got, &qu, limit, &t, rd, 3, extra, 3);
            whole += rc == DNS_WIRE_WRITTEN_EXTRA;
            alone += rc == DNS_WIRE_WRITTEN;
            if (want.len != got.len || memcmp(want.buf, got.buf, want.len) != 0) {
                fail_msg("qname '%s' limit %zu: %zu vs %zu octets", names[k], limit, want.len,
                         got.len);
            }
        }
    }
    assert_true(whole > 100);
    assert_true(alone > 10);
}

/* A QNAME whose label in front of the origin is an RDATA name's: the
 * precompiled form would point past a longer match, so it stands aside. */
static void test_wire_guard_label_falls_back(void **state)
{
    (void)state;
    dns_rdata_t rd = {soa_rdata, sizeof(soa_rdata) - 1};
    dns_wire_rrset_t t;
    assert_int_equal(dns_wire_rrset_build(&t, origin, sizeof(origin), DNS_TYPE_SOA, TTL, &rd, 1),
                     0);
    uint8_t name[64];
    size_t len = wire_name("x.NS1.bench.example", name);
    assert_int_equal(compare_for(name, len, 600, &t, DNS_TYPE_SOA, &rd, 1, false), 1);
    len = wire_name("ns2.bench.example", name);
    assert_int_equal(compare_for(name, len, 600, &t, DNS_TYPE_SOA, &rd, 1, false), 0);
}

/* Not only after the question: the general writer is used. */
static void test_wire_only_right_after_question(void **state)
{
    (void)state;
    dns_rdata_t rd = {soa_rdata, sizeof(soa_rdata) - 1};
    dns_wire_rrset_t t;
    assert_int_equal(dns_wire_rrset_build(&t, origin, sizeof(origin), DNS_TYPE_SOA, TTL, &rd, 1),
                     0);
    query_t qu;
    uint8_t name[64];
    make_query(&qu, name, wire_name("nx.bench.example", name));
    uint8_t buf[512];
    dns_writer_t w;
    assert_int_equal(dns_writer_begin(&w, buf, sizeof(buf), sizeof(buf), &qu.q, qu.pkt), 0);
    dns_rdata_t a = {addr, 4};
    assert_int_equal(dns_writer_put_rrset(&w, DNS_SECTION_ANSWER, NULL, DNS_TYPE_A, TTL, &a, 1),
                     0);
    assert_int_equal(dns_writer_put_wire(&w, DNS_SECTION_AUTHORITY, &t, 300), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wire_soa_same_bytes_as_general_writer),
        cmocka_unit_test(test_wire_soa_names_outside_origin),
        cmocka_unit_test(test_wire_mx_same_bytes_as_general_writer),
        cmocka_unit_test(test_wire_mx_with_additional_records),
        cmocka_unit_test(test_wire_guard_label_falls_back),
        cmocka_unit_test(test_wire_only_right_after_question),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
