/* Unit tests for the response writer: header, question echo, compression, RRsets and OPT. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <ldns/ldns.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gslb/dns.h"

/* A wire name from a string literal: the literal's NUL is the root label. */
#define WIRE(s) ((const uint8_t *)(s)), (sizeof(s))

#define TTL 3600u

/* The query a response is written for, kept alive for the writer. */
typedef struct query {
    uint8_t pkt[512];
    size_t len;
    dns_query_t q;
} query_t;

static void put16(uint8_t *p, size_t *len, uint16_t v)
{
    p[(*len)++] = (uint8_t)(v >> 8);
    p[(*len)++] = (uint8_t)v;
}

/* Build and parse a query; ecs (family 1, /24) is added when ecs_addr is set. */
static void make_query(query_t *qu, uint16_t id, uint16_t flags, const uint8_t *name,
                       size_t name_len, uint16_t qtype, const uint8_t *ecs_addr)
{
    memset(qu, 0, sizeof(*qu));
    uint8_t *p = qu->pkt;
    size_t n = 0;
    put16(p, &n, id);
    put16(p, &n, flags);
    put16(p, &n, 1);
    put16(p, &n, 0);
    put16(p, &n, 0);
    put16(p, &n, ecs_addr ? 1 : 0);
    memcpy(p + n, name, name_len);
    n += name_len;
    put16(p, &n, qtype);
    put16(p, &n, DNS_CLASS_IN);
    if (ecs_addr != NULL) {
        p[n++] = 0;
        put16(p, &n, DNS_TYPE_OPT);
        put16(p, &n, 1232);
        put16(p, &n, 0);
        put16(p, &n, 0);
        put16(p, &n, 11); /* RDLENGTH: one option of 4 + 7 */
        put16(p, &n, DNS_OPT_ECS);
        put16(p, &n, 7);
        put16(p, &n, DNS_ECS_FAMILY_IPV4);
        p[n++] = 24;
        p[n++] = 0;
        memcpy(p + n, ecs_addr, 3);
        n += 3;
    }
    qu->len = n;
    dns_parse_result_t r = dns_query_parse(qu->pkt, qu->len, &qu->q);
    if (((flags >> 11) & 0x0F) != 0) {
        assert_int_equal(r, DNS_PARSE_NOTIMP);
    } else {
        assert_int_equal(r, DNS_PARSE_OK);
    }
}

/* A query for the mixed-case name ExAmPlE.CoM (question ends at offset 29). */
static void example_query(query_t *qu, uint16_t qtype)
{
    make_query(qu, 0x1234, DNS_FLAG_RD, WIRE("\007ExAmPlE\003CoM"), qtype, NULL);
    assert_int_equal(qu->q.question_end, 29);
}

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

/* Parse a finished message with ldns, failing the test if it is not valid wire format. */
static ldns_pkt *ldns_parse(const uint8_t *buf, size_t len)
{
    ldns_pkt *pkt = NULL;
    assert_int_equal(ldns_wire2pkt(&pkt, buf, len), LDNS_STATUS_OK);
    assert_non_null(pkt);
    return pkt;
}

/* The presentation form of RDATA field i of the first RR of a section. */
static void assert_rdf_text(ldns_rr_list *list, size_t rr, size_t field, const char *want)
{
    const ldns_rr *r = ldns_rr_list_rr(list, rr);
    assert_non_null(r);
    char *text = ldns_rdf2str(ldns_rr_rdf(r, field));
    assert_non_null(text);
    if (strcasecmp(text, want) != 0) {
        fail_msg("rdata field %zu of RR %zu is '%s', want '%s'", field, rr, text, want);
    }
    free(text);
}

static void test_write_header_copies_id_rd_cd_and_sets_qr(void **state)
{
    (void)state;
    query_t qu;
    uint8_t buf[512];
    dns_writer_t w;
    /* AD in a query is not echoed: only opcode, RD and CD are. */
    make_query(&qu, 0xA1B2, DNS_FLAG_RD | DNS_FLAG_CD | DNS_FLAG_AD, WIRE("\001a"), DNS_TYPE_A,
               NULL);

    assert_int_equal(dns_writer_begin(&w, buf, sizeof(buf), 512, &qu.q, qu.pkt), 0);
    size_t len = dns_writer_finish(&w, DNS_RCODE_NOERROR);
    assert_int_equal(len, qu.q.question_end);
    assert_int_equal(rd16(buf), 0xA1B2);
    assert_int_equal(rd16(buf + 2), DNS_FLAG_QR | DNS_FLAG_RD | DNS_FLAG_CD);
    assert_int_equal(rd16(buf + 4), 1);
    assert_int_equal(rd16(buf + 6), 0);
    assert_int_equal(rd16(buf + 8), 0);
    assert_int_equal(rd16(buf + 10), 0);
}

static void test_write_set_flags_adds_aa_tc_and_rcode(void **state)
{
    (void)state;
    query_t qu;
    uint8_t buf[512];
    dns_writer_t w;
    make_query(&qu, 1, 0, WIRE("\001a"), DNS_TYPE_A, NULL);

    assert_int_equal(dns_writer_begin(&w, buf, sizeof(buf), 512, &qu.q, qu.pkt), 0);
    dns_writer_set_flags(&w, DNS_FLAG_AA);
    dns_writer_set_flags(&w, DNS_FLAG_TC);
    dns_writer_finish(&w, DNS_RCODE_NXDOMAIN);
    assert_int_equal(rd16(buf + 2), DNS_FLAG_QR | DNS_FLAG_AA | DNS_FLAG_TC | 3);
}

static void test_write_finish_keeps_low_four_bits_of_rcode(void **state)
{
    (void)state;
    query_t qu;
    uint8_t buf[512];
    dns_writer_t w;
    make_query(&qu, 1, 0, WIRE("\001a"), DNS_TYPE_A, NULL);

    assert_int_equal(dns_writer_begin(&w, buf, sizeof(buf), 512, &qu.q, qu.pkt), 0);
    dns_writer_finish(&w, DNS_RCODE_BADVERS); /* 16: the upper bits go in the OPT */
    assert_int_equal(rd16(buf + 2), DNS_FLAG_QR);
}

static void test_write_notimp_copies_opcode(void **state)
{
    (void)state;
    query_t qu;
    uint8_t buf[512];
    dns_writer_t w;
    make_query(&qu, 9, 2u << 11, WIRE("\001a"), DNS_TYPE_A, NULL);

    assert_int_equal(dns_writer_begin(&w, buf, sizeof(buf), 512, &qu.q, qu.pkt), 0);
    dns_writer_finish(&w, DNS_RCODE_NOTIMP);
    assert_int_equal(rd16(buf + 2), DNS_FLAG_QR | (2u << 11) | DNS_RCODE_NOTIMP);
}

static void test_write_question_echoed_byte_for_byte(void **state)
{
    (void)state;
    query_t qu;
    uint8_t buf[512];
    dns_writer_t w;
    make_query(&qu, 1, 0, WIRE("\003WwW\007eXaMpLe\003cOm"), DNS_TYPE_AAAA, NULL);

    assert_int_equal(dns_writer_begin(&w, buf, sizeof(buf), 512, &qu.q, qu.pkt), 0);
    size_t len = dns_writer_finish(&w, 0);
    assert_int_equal(len, 12 + 17 + 4);
    assert_memory_equal(buf + 12, qu.pkt + 12, 17 + 4);
}

static void test_write_begin_question_larger_than_limit_fails(void **state)
{
    (void)state;
    query_t qu;
    uint8_t buf[512];
    dns_writer_t w;
    example_query(&qu, DNS_TYPE_A);

    assert_int_equal(dns_writer_begin(&w, buf, sizeof(buf), 28, &qu.q, qu.pkt), -1);
    assert_int_equal(dns_writer_begin(&w, buf, sizeof(buf), 29, &qu.q, qu.pkt), 0);
}

static void test_write_a_without_owner_points_at_qname(void **state)
{
    (void)state;
    static const uint8_t addr[4] = {192, 0, 2, 1};
    static const uint8_t want[] = {0xC0, 0x0C, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00,
                                   0x01, 0x2C, 0x00, 0x04, 192,  0,    2,    1};
    query_t qu;
    uint8_t buf[512];
    dns_writer_t w;
    example_query(&qu, DNS_TYPE_A);

    assert_int_equal(dns_writer_begin(&w, buf, sizeof(buf), 512, &qu.q, qu.pkt), 0);
    assert_int_equal(
        dns_writer_put_rr(&w, DNS_SECTION_ANSWER, NULL, DNS_TYPE_A, DNS_CLASS_IN, 300, addr, 4),
        0);
    size_t len = dns_writer_finish(&w, 0);
    assert_int_equal(len, 29 + sizeof(want));
    assert_memory_equal(buf + 29, want, sizeof(want));
    assert_int_equal(rd16(buf + 6), 1);
}

static void test_write_ns_rrset_compressed_against_question(void **state)
{
    (void)state;
    static const uint8_t ns1[] = "\003ns1\007example\003com";
    static const uint8_t ns2[] = "\003NS2\007EXAMPLE\003com";
    const dns_rdata_t rrs[2] = {{ns1, sizeof(ns1)}, {ns2, sizeof(ns2)}};
    /* Both owners point at the QNAME, both targets at its "example.com" (offset 12). */
    static const uint8_t want[] = {
        0xC0, 0x0C, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00, 0x0E, 0x10, 0x00, 0x06,
        0x03, 'n',  's',  '1',  0xC0, 0x0C,
        0xC0, 0x0C, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00, 0x0E, 0x10, 0x00, 0x06,
        0x03, 'N',  'S',  '2',  0xC0, 0x0C,
    };
    query_t qu;
    uint8_t buf[512];
    dns_writer_t w;
    example_query(&qu, DNS_TYPE_NS);

    assert_int_equal(dns_writer_begin(&w, buf, sizeof(buf), 512, &qu.q, qu.pkt), 0);
    assert_int_equal(dns_writer_put_rrset(&w, DNS_SECTION_ANSWER, NULL, DNS_TYPE_NS, TTL, rrs, 2),
                     0);
    size_t len = dns_writer_finish(&w, 0);
    assert_int_equal(len, 29 + sizeof(want));
    assert_memory_equal(buf + 29, want, sizeof(want));

    ldns_pkt *pkt = ldns_parse(buf, len);
    assert_int_equal(ldns_pkt_ancount(pkt), 2);
    assert_rdf_text(ldns_pkt_answer(pkt), 0, 0, "ns1.example.com.");
    assert_rdf_text(ldns_pkt_answer(pkt), 1, 0, "ns2.example.com.");
    ldns_pkt_free(pkt);
}

static void test_write_names_compressed_into_previous_rdata(void **state)
{
    (void)state;
    static const uint8_t ns1[] = "\003ns1\007example\003com";
    static const uint8_t sub[] = "\001a\003ns1\007example\003com";
    static const uint8_t addr[4] = {192, 0, 2, 53};
    const dns_rdata_t rrs[2] = {{ns1, sizeof(ns1)}, {sub, sizeof(sub)}};
    /* The first NS RDATA starts at 29 + 2 + 10 = 41 (0x29). */
    static const uint8_t want[] = {
        0xC0, 0x0C, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00, 0x0E, 0x10, 0x00, 0x06,
        0x03, 'n',  's',  '1',  0xC0, 0x0C,
        0xC0, 0x0C, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00, 0x0E, 0x10, 0x00, 0x04,
        0x01, 'a',  0xC0, 0x29,
        0xC0, 0x29, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x0E, 0x10, 0x00, 0x04,
        192,  0,    2,    53,
    };
    query_t qu;
    uint8_t buf[512];
    dns_writer_t w;
    example_query(&qu, DNS_TYPE_NS);

    assert_int_equal(dns_writer_begin(&w, buf, sizeof(buf), 512, &qu.q, qu.pkt), 0);
    assert_int_equal(dns_writer_put_rrset(&w, DNS_SECTION_ANSWER, NULL, DNS_TYPE_NS, TTL, rrs, 2),
                     0);
    assert_int_equal(dns_writer_put_rr(&w, DNS_SECTION_ADDITIONAL, ns1, DNS_TYPE_A, DNS_CLASS_IN,
                                       TTL, addr, 4),
                     0);
    size_t len = dns_writer_finish(&w, 0);
    assert_int_equal(len, 29 + sizeof(want));
    assert_memory_equal(buf + 29, want, sizeof(want));
    assert_int_equal(rd16(buf + 6), 2);
    assert_int_equal(rd16(buf + 10), 1);

    ldns_pkt *pkt = ldns_parse(buf, len);
    assert_rdf_text(ldns_pkt_answer(pkt), 1, 0, "a.ns1.example.com.");
    char *owner = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_additional(pkt), 0)));
    assert_string_equal(owner, "ns1.ExAmPlE.CoM.");
    free(owner);
    ldns_pkt_free(pkt);
}

static void test_write_mx_exchange_compressed(void **state)
{
    (void)state;
    static const uint8_t mx[] = "\000\012\004mail\007example\003com";
    static const uint8_t want[] = {0xC0, 0x0C, 0x00, 0x0F, 0x00, 0x01, 0x00, 0x00,
                                   0x0E, 0x10, 0x00, 0x09, 0x00, 0x0A, 0x04, 'm',
                                   'a',  'i',  'l',  0xC0, 0x0C};
    query_t qu;
    uint8_t buf[512];
    dns_writer_t w;
    example_query(&qu, DNS_TYPE_MX);

    assert_int_equal(dns_writer_begin(&w, buf, sizeof(buf), 512, &qu.q, qu.pkt), 0);
    assert_int_equal(dns_writer_put_rr(&w, DNS_SECTION_ANSWER, NULL, DNS_TYPE_MX, DNS_CLASS_IN,
                                       TTL, mx, sizeof(mx)),
                     0);
    size_t len = dns_writer_finish(&w, 0);
    assert_int_equal(len, 29 + sizeof(want));
    assert_memory_equal(buf + 29, want, sizeof(want));
}

static void test_write_soa_both_names_compressed(void **state)
{
    (void)state;
    static const uint8_t soa[] = "\003ns1\007example\003com"
                                 "\000\012hostmaster\007example\003com"
                                 "\000\170\215\165\365" /* serial 2022536693 */
                                 "\000\000\016\020"     /* refresh 3600 */
                                 "\000\000\003\204"     /* retry 900 */
                                 "\000\022\165\000"     /* expire 1209600 */
                                 "\000\000\001\054";    /* minimum 300 */
    static const uint8_t want[] = {
        0xC0, 0x0C, 0x00, 0x06, 0x00, 0x01, 0x00, 0x00, 0x0E, 0x10, 0x00, 39,
        0x03, 'n',  's',  '1',  0xC0, 0x0C,
        0x0A, 'h',  'o',  's',  't',  'm',  'a',  's',  't',  'e',  'r',  0xC0, 0x0C,
        0x78, 0x8D, 0x75, 0xF5, 0x00, 0x00, 0x0E, 0x10, 0x00, 0x00, 0x03, 0x84,
        0x00, 0x12, 0x75, 0x00, 0x00, 0x00, 0x01, 0x2C,
    };
    /* The literal's own NUL is not part of the RDATA. */
    const uint16_t soa_len = (uint16_t)(sizeof(soa) - 1);
    query_t qu;
    uint8_t buf[512];
    dns_writer_t w;
    example_query(&qu, DNS_TYPE_SOA);

    assert_int_equal(soa_len, 17 + 24 + 20);
    assert_int_equal(dns_writer_begin(&w, buf, sizeof(buf), 512, &qu.q, qu.pkt), 0);
    assert_int_equal(dns_writer_put_rr(&w, DNS_SECTION_AUTHORITY, NULL, DNS_TYPE_SOA,
                                       DNS_CLASS_IN, TTL, soa, soa_len),
                     0);
    size_t len = dns_writer_finish(&w, 0);
    assert_int_equal(len, 29 + sizeof(want));
    assert_memory_equal(buf + 29, want, sizeof(want));
    assert_int_equal(rd16(buf + 8), 1);

    ldns_pkt *pkt = ldns_parse(buf, len);
    assert_rdf_text(ldns_pkt_authority(pkt), 0, 1, "hostmaster.example.com.");
    assert_rdf_text(ldns_pkt_authority(pkt), 0, 6, "300");
    ldns_pkt_free(pkt);
}

static void test_write_rrset_owner_repeats_as_pointer_to_its_first_copy(void **state)
{
    (void)state;
    static const uint8_t www[] = "\003www\007example\003com";
    static const uint8_t apex[] = "\007example\003com";
    static const uint8_t a1[4] = {192, 0, 2, 1}, a2[4] = {192, 0, 2, 2};
    const dns_rdata_t rrs[2] = {{a1, 4}, {a2, 4}};
    /* "www" then a pointer to the QNAME; the second owner points at the first (29 = 0x1D).
     * The apex is the QNAME itself: both owners are pointers to 12. */
    static const uint8_t want[] = {
        0x03, 'w',  'w',  'w',  0xC0, 0x0C, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x0E, 0x10,
        0x00, 0x04, 192,  0,    2,    1,
        0xC0, 0x1D, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x0E, 0x10, 0x00, 0x04, 192,  0,
        2,    2,
        0xC0, 0x0C, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x0E, 0x10, 0x00, 0x04, 192,  0,
        2,    1,
        0xC0, 0x0C, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x0E, 0x10, 0x00, 0x04, 192,  0,
        2,    2,
    };
    query_t qu;
    uint8_t buf[512];
    dns_writer_t w;
    example_query(&qu, DNS_TYPE_MX);

    assert_int_equal(dns_writer_begin(&w, buf, sizeof(buf), 512, &qu.q, qu.pkt), 0);
    assert_int_equal(
        dns_writer_put_rrset(&w, DNS_SECTION_ADDITIONAL, www, DNS_TYPE_A, TTL, rrs, 2), 0);
    assert_int_equal(
        dns_writer_put_rrset(&w, DNS_SECTION_ADDITIONAL, apex, DNS_TYPE_A, TTL, rrs, 2), 0);
    size_t len = dns_writer_finish(&w, 0);
    assert_int_equal(len, 29 + sizeof(want));
    assert_memory_equal(buf + 29, want, sizeof(want));
    assert_int_equal(rd16(buf + 10), 4);
    ldns_pkt_free(ldns_parse(buf, len));
}

static void test_write_name_with_same_key_as_qname_not_compressed_into_it(void **state)
{
    (void)state;
    /* As long as "ExAmPlE.CoM", with the same first label length and first
     * two letters: only "com" may be shared (the QNAME's at 20 = 0x14). */
    static const uint8_t other[] = "\007exAMPLX\003com";
    static const uint8_t addr[4] = {192, 0, 2, 1};
    static const uint8_t want_owner[] = {0x07, 'e', 'x', 'A', 'M', 'P', 'L', 'X', 0xC0, 0x14};
    query_t qu;
    uint8_t buf[512];
    dns_writer_t w;
    example_query(&qu, DNS_TYPE_A);

    assert_int_equal(dns_writer_begin(&w, buf, sizeof(buf), 512, &qu.q, qu.pkt), 0);
    assert_int_equal(dns_writer_put_rr(&w, DNS_SECTION_ANSWER, other, DNS_TYPE_A, DNS_CLASS_IN,
                                       TTL, addr, 4),
                     0);
    assert_memory_equal(buf + 29, want_owner, sizeof(want_owner));
}

static void test_write_names_compared_without_regard_to_case(void **state)
{
    (void)state;
    /* A name with capitals (as a DNAME substitution writes) still meets the
     * QNAME, and a later lower-case name meets it in turn (at 29 = 0x1D). */
    static const uint8_t upper[] = "\001A\007EXAMPLE\003COM";
    static const uint8_t lower[] = "\001a\007example\003com";
    static const uint8_t addr[4] = {192, 0, 2, 1};
    static const uint8_t want_first[] = {0x01, 'A', 0xC0, 0x0C};
    static const uint8_t want_second[] = {0xC0, 0x1D};
    query_t qu;
    uint8_t buf[512];
    dns_writer_t w;
    example_query(&qu, DNS_TYPE_A);

    assert_int_equal(dns_writer_begin(&w, buf, sizeof(buf), 512, &qu.q, qu.pkt), 0);
    assert_int_equal(dns_writer_put_rr(&w, DNS_SECTION_ANSWER, upper, DNS_TYPE_A, DNS_CLASS_IN,
                                       TTL, addr, 4),
                     0);
    assert_int_equal(dns_writer_put_rr(&w, DNS_SECTION_ANSWER, lower, DNS_TYPE_A, DNS_CLASS_IN,
                                       TTL, addr, 4),
                     0);
    assert_memory_equal(buf + 29, want_first, sizeof(want_first));
    assert_memory_equal(buf + 29 + 4 + 14, want_second, sizeof(want_second));
}

/* A name seen in a message, lower-cased, for model_name_size. */
typedef struct seen_name {
    uint8_t lc[256];
    size_t len;
} seen_name_t;

/* Octets a name takes when compressed as well as possible against the names
 * (and their suffixes) in seen, which it then joins. */
static size_t model_name_size(seen_name_t *seen, size_t *n_seen, const uint8_t *name)
{
    size_t size = 0;
    for (const uint8_t *p = name; *p != 0; p += 1u + *p) {
        seen_name_t s = {.len = 1};
        while (p[s.len - 1] != 0) {
            s.len += 1u + p[s.len - 1];
        }
        for (size_t i = 0; i < s.len; i++) {
            s.lc[i] = (uint8_t)tolower(p[i]);
        }
        for (size_t k = 0; k < *n_seen; k++) {
            if (seen[k].len == s.len && memcmp(seen[k].lc, s.lc, s.len) == 0) {
                return size + 2;
            }
        }
        seen[(*n_seen)++] = s;
        size += 1u + *p;
    }
    return size + 1;
}

static void test_write_compression_as_tight_as_a_full_search(void **state)
{
    (void)state;
    /* Names sharing suffixes in many ways, written as owners in a pseudo-random
     * order: every message must decode to the same names and be as small as a
     * search of every earlier name gives. */
    static const char *const names[] = {
        "\003www\007example\003com", "\003WWW\007Example\003COM", "\001a\003www\007example\003com",
        "\003ns1\007example\003net", "\003ns1\007example\003com", "\007example\003net",
        "\002xx\003ns1\007example\003net", "\003com", "\004mail\003ns1\007example\003com",
        "\007exampl3\003com", "\007exAMple\003org", "\001b\001a\003www\007example\003com",
    };
    enum { N = sizeof(names) / sizeof(names[0]) };
    static const uint8_t addr[4] = {192, 0, 2, 1};
    uint32_t rng = 12345;
    for (int round = 0; round < 200; round++) {
        query_t qu;
        uint8_t buf[2048];
        dns_writer_t w;
        example_query(&qu, DNS_TYPE_A);
        assert_int_equal(dns_writer_begin(&w, buf, sizeof(buf), sizeof(buf), &qu.q, qu.pkt), 0);
        static seen_name_t seen[512];
        size_t n_seen = 0;
        /* The QNAME's suffixes are in the message from the start. */
        (void)model_name_size(seen, &n_seen, (const uint8_t *)"\007example\003com");
        size_t want = 29;
        int order[8];
        for (int i = 0; i < 8; i++) {
            rng = rng * 1103515245u + 12345u;
            order[i] = (int)((rng >> 16) % N);
            const uint8_t *name = (const uint8_t *)names[order[i]];
            assert_int_equal(dns_writer_put_rr(&w, DNS_SECTION_ANSWER, name, DNS_TYPE_A,
                                               DNS_CLASS_IN, TTL, addr, 4),
                             0);
            want += model_name_size(seen, &n_seen, name) + 14;
        }
        size_t len = dns_writer_finish(&w, 0);
        assert_int_equal(len, want);
        ldns_pkt *pkt = ldns_parse(buf, len);
        for (int i = 0; i < 8; i++) {
            ldns_rdf *got = ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_answer(pkt), (size_t)i));
            const uint8_t *name = (const uint8_t *)names[order[i]];
            size_t nlen = 1;
            while (name[nlen - 1] != 0) {
                nlen += 1u + name[nlen - 1];
            }
            assert_int_equal(ldns_rdf_size(got), nlen);
            for (size_t k = 0; k < nlen; k++) {
                assert_int_equal(tolower(ldns_rdf_data(got)[k]), tolower(name[k]));
            }
        }
        ldns_pkt_free(pkt);
    }
}

static void test_write_srv_target_copied_verbatim(void **state)
{
    (void)state;
    /* RFC 3597 4 / RFC 2782: SRV targets are never compressed. */
    static const uint8_t srv[] = "\000\012\000\005\023\304\003sip\007example\003com";
    query_t qu;
    uint8_t buf[512];
    dns_writer_t w;
    example_query(&qu, DNS_TYPE_SRV);

    assert_int_equal(dns_writer_begin(&w, buf, sizeof(buf), 512, &qu.q, qu.pkt), 0);
    assert_int_equal(dns_writer_put_rr(&w, DNS_SECTION_ANSWER, NULL, DNS_TYPE_SRV, DNS_CLASS_IN,
                                       TTL, srv, sizeof(srv)),
                     0);
    size_t len = dns_writer_finish(&w, 0);
    assert_int_equal(len, 29 + 12 + sizeof(srv));
    assert_int_equal(rd16(buf + 29 + 10), sizeof(srv));
    assert_memory_equal(buf + 29 + 12, srv, sizeof(srv));
}

static void test_write_txt_copied_verbatim(void **state)
{
    (void)state;
    /* Text that happens to look like a name suffix must not be touched. */
    static const uint8_t txt[] = "\007example\003com";
    query_t qu;
    uint8_t buf[512];
    dns_writer_t w;
    example_query(&qu, DNS_TYPE_TXT);

    assert_int_equal(dns_writer_begin(&w, buf, sizeof(buf), 512, &qu.q, qu.pkt), 0);
    assert_int_equal(dns_writer_put_rr(&w, DNS_SECTION_ANSWER, NULL, DNS_TYPE_TXT, DNS_CLASS_IN,
                                       TTL, txt, sizeof(txt)),
                     0);
    size_t len = dns_writer_finish(&w, 0);
    assert_int_equal(len, 29 + 12 + sizeof(txt));
    assert_int_equal(rd16(buf + 29 + 10), sizeof(txt));
    assert_memory_equal(buf + 29 + 12, txt, sizeof(txt));
}

static void test_write_rrset_that_does_not_fit_leaves_writer_unchanged(void **state)
{
    (void)state;
    static const uint8_t a1[4] = {192, 0, 2, 1}, a2[4] = {192, 0, 2, 2}, a3[4] = {192, 0, 2, 3};
    const dns_rdata_t rrs[3] = {{a1, 4}, {a2, 4}, {a3, 4}};
    query_t qu;
    uint8_t buf[512];
    dns_writer_t w;
    example_query(&qu, DNS_TYPE_A);
    /* Room for two 16-octet A records and a bit, not three. */
    assert_int_equal(dns_writer_begin(&w, buf, sizeof(buf), 29 + 40, &qu.q, qu.pkt), 0);
    dns_writer_mark_t before = dns_writer_mark(&w);

    assert_int_equal(dns_writer_put_rrset(&w, DNS_SECTION_ANSWER, NULL, DNS_TYPE_A, TTL, rrs, 3),
                     -1);
    assert_int_equal(w.len, before.len);
    assert_int_equal(w.counts[DNS_SECTION_ANSWER], 0);
    assert_int_equal(w.comp_count, before.comp_count);
    assert_int_equal(dns_writer_put_rrset(&w, DNS_SECTION_ANSWER, NULL, DNS_TYPE_A, TTL, rrs, 2),
                     0);
    assert_int_equal(w.counts[DNS_SECTION_ANSWER], 2);
    assert_int_equal(w.len, 29 + 32);
}

static void test_write_qname_rrset_equals_its_records_one_by_one(void **state)
{
    (void)state;
    /* RRsets owned by the QNAME without names in their RDATA are written in one
     * go; the octets must be those of writing each record on its own. */
    static const uint8_t a1[4] = {192, 0, 2, 1}, a2[4] = {192, 0, 2, 2};
    static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
    static const uint8_t txt[] = "\013hello world\003abc";
    static const struct {
        uint16_t type;
        dns_rdata_t rrs[2];
        size_t count;
    } sets[] = {
        {DNS_TYPE_A, {{a1, 4}, {a2, 4}}, 2},
        {DNS_TYPE_AAAA, {{v6, 16}}, 1},
        {DNS_TYPE_TXT, {{txt, sizeof(txt) - 1}, {txt, 12}}, 2},
    };
    for (size_t k = 0; k < sizeof(sets) / sizeof(sets[0]); k++) {
        query_t qu;
        uint8_t one[512], each[512];
        dns_writer_t w1, w2;
        example_query(&qu, sets[k].type);
        assert_int_equal(dns_writer_begin(&w1, one, sizeof(one), 512, &qu.q, qu.pkt), 0);
        assert_int_equal(dns_writer_begin(&w2, each, sizeof(each), 512, &qu.q, qu.pkt), 0);
        assert_int_equal(dns_writer_put_rrset(&w1, DNS_SECTION_ANSWER, NULL, sets[k].type, TTL,
                                              sets[k].rrs, sets[k].count),
                         0);
        for (size_t i = 0; i < sets[k].count; i++) {
            assert_int_equal(dns_writer_put_rr(&w2, DNS_SECTION_ANSWER, NULL, sets[k].type,
                                               DNS_CLASS_IN, TTL, sets[k].rrs[i].data,
                                               sets[k].rrs[i].len),
                             0);
        }
        size_t n1 = dns_writer_finish(&w1, 0), n2 = dns_writer_finish(&w2, 0);
        assert_int_equal(n1, n2);
        assert_memory_equal(one, each, n1);
        ldns_pkt *pkt = ldns_parse(one, n1);
        assert_int_equal(ldns_pkt_ancount(pkt), sets[k].count);
        ldns_pkt_free(pkt);
    }
}

static void test_write_failed_rrset_forgets_its_compression_targets(void **state)
{
    (void)state;
    static const uint8_t ns1[] = "\003ns1\007example\003com";
    static const uint8_t ns2[] = "\003ns2\007example\003com";
    static const uint8_t addr[4] = {192, 0, 2, 53};
    static const uint8_t want_owner[] = {0x03, 'n', 's', '1', 0xC0, 0x0C};
    const dns_rdata_t rrs[2] = {{ns1, sizeof(ns1)}, {ns2, sizeof(ns2)}};
    query_t qu;
    uint8_t buf[512];
    dns_writer_t w;
    example_query(&qu, DNS_TYPE_NS);
    /* The first NS (18 octets) fits, the second does not. */
    assert_int_equal(dns_writer_begin(&w, buf, sizeof(buf), 29 + 30, &qu.q, qu.pkt), 0);
    assert_int_equal(dns_writer_put_rrset(&w, DNS_SECTION_ANSWER, NULL, DNS_TYPE_NS, TTL, rrs, 2),
                     -1);
    assert_int_equal(w.len, 29);

    /* "ns1.example.com" must not be compressed into the discarded RDATA at 41. */
    assert_int_equal(dns_writer_put_rr(&w, DNS_SECTION_ADDITIONAL, ns1, DNS_TYPE_A, DNS_CLASS_IN,
                                       TTL, addr, 4),
                     0);
    assert_memory_equal(buf + 29, want_owner, sizeof(want_owner));
}

static void test_write_rollback_to_mark_discards_records_and_names(void **state)
{
    (void)state;
    static const uint8_t ns1[] = "\003ns1\007example\003com";
    static const uint8_t addr[4] = {192, 0, 2, 53};
    static const uint8_t want_owner[] = {0x03, 'n', 's', '1', 0xC0, 0x0C};
    query_t qu;
    uint8_t buf[512];
    dns_writer_t w;
    example_query(&qu, DNS_TYPE_NS);
    assert_int_equal(dns_writer_begin(&w, buf, sizeof(buf), 512, &qu.q, qu.pkt), 0);

    dns_writer_mark_t m = dns_writer_mark(&w);
    assert_int_equal(dns_writer_put_rr(&w, DNS_SECTION_AUTHORITY, NULL, DNS_TYPE_NS, DNS_CLASS_IN,
                                       TTL, ns1, sizeof(ns1)),
                     0);
    assert_int_equal(w.counts[DNS_SECTION_AUTHORITY], 1);
    dns_writer_rollback(&w, m);
    assert_int_equal(w.len, 29);
    assert_int_equal(w.counts[DNS_SECTION_AUTHORITY], 0);

    assert_int_equal(dns_writer_put_rr(&w, DNS_SECTION_ADDITIONAL, ns1, DNS_TYPE_A, DNS_CLASS_IN,
                                       TTL, addr, 4),
                     0);
    size_t len = dns_writer_finish(&w, 0);
    assert_memory_equal(buf + 29, want_owner, sizeof(want_owner));
    assert_int_equal(rd16(buf + 8), 0);
    assert_int_equal(rd16(buf + 10), 1);
    ldns_pkt_free(ldns_parse(buf, len));
}

static void test_write_name_never_points_into_itself(void **state)
{
    (void)state;
    static const uint8_t a_name[] = "\001a\007example\003com";
    static const uint8_t a_a_name[] = "\001a\001a\007example\003com";
    static const uint8_t addr[4] = {192, 0, 2, 7};
    /* "a" then a pointer to "a.example.com" in the question's suffix is not
     * possible (the question has no "a"), so the name is written out up to
     * "example.com": a, a, pointer to 12. */
    static const uint8_t want_owner[] = {0x01, 'a', 0x01, 'a', 0xC0, 0x0C};
    query_t qu;
    uint8_t buf[512];
    dns_writer_t w;
    example_query(&qu, DNS_TYPE_A);
    assert_int_equal(dns_writer_begin(&w, buf, sizeof(buf), 512, &qu.q, qu.pkt), 0);

    /* Leave the octets of "a.example.com" (01 'a' C0 0C) behind the write
     * position, as a discarded record or an earlier response in a reused
     * buffer would. */
    dns_writer_mark_t m = dns_writer_mark(&w);
    assert_int_equal(dns_writer_put_rr(&w, DNS_SECTION_ANSWER, a_name, DNS_TYPE_A, DNS_CLASS_IN,
                                       TTL, addr, 4),
                     0);
    dns_writer_rollback(&w, m);

    assert_int_equal(dns_writer_put_rr(&w, DNS_SECTION_ANSWER, a_a_name, DNS_TYPE_A,
                                       DNS_CLASS_IN, TTL, addr, 4),
                     0);
    size_t len = dns_writer_finish(&w, 0);
    assert_memory_equal(buf + 29, want_owner, sizeof(want_owner));
    ldns_pkt *pkt = ldns_parse(buf, len);
    char *owner = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_answer(pkt), 0)));
    assert_string_equal(owner, "a.a.ExAmPlE.CoM.");
    free(owner);
    ldns_pkt_free(pkt);
}

static void test_write_reservation_beyond_limit_leaves_no_room(void **state)
{
    (void)state;
    static const uint8_t addr[4] = {192, 0, 2, 1};
    query_t qu;
    uint8_t buf[512];
    dns_writer_t w;
    example_query(&qu, DNS_TYPE_A);
    assert_int_equal(dns_writer_begin(&w, buf, 64, 64, &qu.q, qu.pkt), 0);

    dns_writer_reserve(&w, 100);
    assert_int_equal(
        dns_writer_put_rr(&w, DNS_SECTION_ANSWER, NULL, DNS_TYPE_A, DNS_CLASS_IN, TTL, addr, 4),
        -1);
    assert_int_equal(w.len, 29);
    assert_int_equal(w.counts[DNS_SECTION_ANSWER], 0);
}

static void test_write_opt_fits_in_reserved_space(void **state)
{
    (void)state;
    static const uint8_t addr[4] = {192, 0, 2, 1};
    static const uint8_t want_opt[] = {0x00, 0x00, 0x29, 0x04, 0xD0, 0x00,
                                       0x00, 0x00, 0x00, 0x00, 0x00};
    const dns_opt_out_t opt = {.udp_size = 1232};
    query_t qu;
    uint8_t buf[512];
    dns_writer_t w;
    example_query(&qu, DNS_TYPE_A);
    size_t limit = 29 + 16 + 11;
    assert_int_equal(dns_opt_size(&opt, &qu.q), 11);
    assert_int_equal(dns_writer_begin(&w, buf, sizeof(buf), limit, &qu.q, qu.pkt), 0);
    dns_writer_reserve(&w, dns_opt_size(&opt, &qu.q));

    assert_int_equal(
        dns_writer_put_rr(&w, DNS_SECTION_ANSWER, NULL, DNS_TYPE_A, DNS_CLASS_IN, TTL, addr, 4),
        0);
    assert_int_equal(
        dns_writer_put_rr(&w, DNS_SECTION_ANSWER, NULL, DNS_TYPE_A, DNS_CLASS_IN, TTL, addr, 4),
        -1);
    assert_int_equal(dns_writer_put_opt(&w, &opt, &qu.q), 0);
    size_t len = dns_writer_finish(&w, 0);
    assert_int_equal(len, limit);
    assert_memory_equal(buf + 29 + 16, want_opt, sizeof(want_opt));
    assert_int_equal(rd16(buf + 6), 1);
    assert_int_equal(rd16(buf + 10), 1);
}

static void test_write_opt_without_room_fails(void **state)
{
    (void)state;
    const dns_opt_out_t opt = {.udp_size = 1232};
    query_t qu;
    uint8_t buf[512];
    dns_writer_t w;
    example_query(&qu, DNS_TYPE_A);
    assert_int_equal(dns_writer_begin(&w, buf, sizeof(buf), 29 + 10, &qu.q, qu.pkt), 0);

    assert_int_equal(dns_writer_put_opt(&w, &opt, &qu.q), -1);
    assert_int_equal(w.len, 29);
    assert_int_equal(w.counts[DNS_SECTION_ADDITIONAL], 0);
}

static void test_write_opt_echoes_ecs_with_our_scope(void **state)
{
    (void)state;
    static const uint8_t net[3] = {198, 51, 100};
    static const uint8_t want_opt[] = {
        0x00, 0x00, 0x29, 0x04, 0xD0, 0x00, 0x00, 0x80, 0x00, 0x00, 0x0B, /* DO, RDLENGTH 11 */
        0x00, 0x08, 0x00, 0x07, 0x00, 0x01, 24,   20,   198,  51,   100,
    };
    const dns_opt_out_t opt = {.udp_size = 1232, .is_do = true, .has_ecs = true,
                               .ecs_scope_bits = 20};
    query_t qu;
    uint8_t buf[512];
    dns_writer_t w;
    make_query(&qu, 5, 0, WIRE("\007example\003com"), DNS_TYPE_A, net);
    assert_true(qu.q.has_ecs);
    assert_int_equal(dns_opt_size(&opt, &qu.q), sizeof(want_opt));
    assert_int_equal(dns_writer_begin(&w, buf, sizeof(buf), 512, &qu.q, qu.pkt), 0);
    dns_writer_reserve(&w, dns_opt_size(&opt, &qu.q));

    assert_int_equal(dns_writer_put_opt(&w, &opt, &qu.q), 0);
    size_t len = dns_writer_finish(&w, 0);
    assert_int_equal(len, 29 + sizeof(want_opt));
    assert_memory_equal(buf + 29, want_opt, sizeof(want_opt));

    ldns_pkt *pkt = ldns_parse(buf, len);
    assert_true(ldns_pkt_edns(pkt));
    assert_true(ldns_pkt_edns_do(pkt));
    assert_int_equal(ldns_pkt_edns_udp_size(pkt), 1232);
    ldns_pkt_free(pkt);
}

static void test_write_opt_ecs_omitted_when_query_had_none(void **state)
{
    (void)state;
    const dns_opt_out_t opt = {.udp_size = 1232, .has_ecs = true, .ecs_scope_bits = 24};
    query_t qu;
    uint8_t buf[512];
    dns_writer_t w;
    example_query(&qu, DNS_TYPE_A);
    assert_int_equal(dns_opt_size(&opt, &qu.q), 11);
    assert_int_equal(dns_writer_begin(&w, buf, sizeof(buf), 512, &qu.q, qu.pkt), 0);

    assert_int_equal(dns_writer_put_opt(&w, &opt, &qu.q), 0);
    assert_int_equal(w.len, 29 + 11);
    assert_int_equal(rd16(buf + 29 + 9), 0);
}

static void test_write_opt_nsid_and_keepalive(void **state)
{
    (void)state;
    static const uint8_t nsid[] = {'g', 's', 'l', 'b', '1'};
    static const uint8_t want_opt[] = {
        0x00, 0x00, 0x29, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0F,
        0x00, 0x03, 0x00, 0x05, 'g',  's',  'l',  'b',  '1',
        0x00, 0x0B, 0x00, 0x02, 0x01, 0x2C, /* 300 * 100 ms */
    };
    const dns_opt_out_t opt = {.udp_size = 512, .nsid = nsid, .nsid_len = sizeof(nsid),
                               .has_tcp_keepalive = true, .tcp_keepalive_100ms = 300};
    query_t qu;
    uint8_t buf[512];
    dns_writer_t w;
    example_query(&qu, DNS_TYPE_A);
    assert_int_equal(dns_opt_size(&opt, &qu.q), sizeof(want_opt));
    assert_int_equal(dns_writer_begin(&w, buf, sizeof(buf), 512, &qu.q, qu.pkt), 0);

    assert_int_equal(dns_writer_put_opt(&w, &opt, &qu.q), 0);
    size_t len = dns_writer_finish(&w, 0);
    assert_int_equal(len, 29 + sizeof(want_opt));
    assert_memory_equal(buf + 29, want_opt, sizeof(want_opt));
    ldns_pkt_free(ldns_parse(buf, len));
}

static void test_write_badvers_puts_upper_rcode_bits_in_opt(void **state)
{
    (void)state;
    const dns_opt_out_t opt = {.udp_size = 1232, .ext_rcode = DNS_RCODE_BADVERS >> 4};
    query_t qu;
    uint8_t buf[512];
    dns_writer_t w;
    example_query(&qu, DNS_TYPE_A);
    assert_int_equal(dns_writer_begin(&w, buf, sizeof(buf), 512, &qu.q, qu.pkt), 0);

    assert_int_equal(dns_writer_put_opt(&w, &opt, &qu.q), 0);
    size_t len = dns_writer_finish(&w, DNS_RCODE_BADVERS);
    assert_int_equal(buf[3] & 0x0F, 0);
    assert_int_equal(buf[29 + 5], 1);

    ldns_pkt *pkt = ldns_parse(buf, len);
    assert_int_equal(ldns_pkt_get_rcode(pkt), 0);
    assert_int_equal(ldns_pkt_edns_extended_rcode(pkt), 1);
    ldns_pkt_free(pkt);
}

static void test_write_full_response_parses_with_ldns(void **state)
{
    (void)state;
    static const uint8_t net[3] = {198, 51, 100};
    static const uint8_t a1[4] = {192, 0, 2, 1}, a2[4] = {192, 0, 2, 2};
    static const uint8_t apex[] = "\007example\003com";
    static const uint8_t ns1[] = "\003ns1\007example\003com";
    static const uint8_t glue[4] = {192, 0, 2, 53};
    const dns_rdata_t answer[2] = {{a1, 4}, {a2, 4}};
    const dns_rdata_t auth[1] = {{ns1, sizeof(ns1)}};
    const dns_opt_out_t opt = {.udp_size = 1232, .has_ecs = true, .ecs_scope_bits = 24};
    query_t qu;
    uint8_t buf[512];
    dns_writer_t w;
    make_query(&qu, 0x4242, DNS_FLAG_RD, WIRE("\003wWw\007example\003com"), DNS_TYPE_A, net);
    assert_int_equal(dns_writer_begin(&w, buf, sizeof(buf), 512, &qu.q, qu.pkt), 0);
    dns_writer_reserve(&w, dns_opt_size(&opt, &qu.q));

    assert_int_equal(
        dns_writer_put_rrset(&w, DNS_SECTION_ANSWER, NULL, DNS_TYPE_A, 60, answer, 2), 0);
    assert_int_equal(
        dns_writer_put_rrset(&w, DNS_SECTION_AUTHORITY, apex, DNS_TYPE_NS, TTL, auth, 1), 0);
    assert_int_equal(dns_writer_put_rr(&w, DNS_SECTION_ADDITIONAL, ns1, DNS_TYPE_A, DNS_CLASS_IN,
                                       TTL, glue, 4),
                     0);
    assert_int_equal(dns_writer_put_opt(&w, &opt, &qu.q), 0);
    dns_writer_set_flags(&w, DNS_FLAG_AA);
    size_t len = dns_writer_finish(&w, DNS_RCODE_NOERROR);

    ldns_pkt *pkt = ldns_parse(buf, len);
    assert_int_equal(ldns_pkt_id(pkt), 0x4242);
    assert_true(ldns_pkt_qr(pkt));
    assert_true(ldns_pkt_aa(pkt));
    assert_true(ldns_pkt_rd(pkt));
    assert_int_equal(ldns_pkt_qdcount(pkt), 1);
    assert_int_equal(ldns_pkt_ancount(pkt), 2);
    assert_int_equal(ldns_pkt_nscount(pkt), 1);
    assert_int_equal(ldns_pkt_arcount(pkt), 1); /* ldns takes the OPT RR out */
    assert_int_equal(rd16(buf + 10), 2);
    assert_rdf_text(ldns_pkt_answer(pkt), 0, 0, "192.0.2.1");
    assert_rdf_text(ldns_pkt_answer(pkt), 1, 0, "192.0.2.2");
    assert_int_equal(ldns_rr_ttl(ldns_rr_list_rr(ldns_pkt_answer(pkt), 1)), 60);
    assert_rdf_text(ldns_pkt_authority(pkt), 0, 0, "ns1.example.com.");
    assert_rdf_text(ldns_pkt_additional(pkt), 0, 0, "192.0.2.53");
    char *qname = ldns_rdf2str(ldns_rr_owner(ldns_rr_list_rr(ldns_pkt_question(pkt), 0)));
    assert_string_equal(qname, "wWw.example.com.");
    free(qname);
    assert_true(ldns_pkt_edns(pkt));
    const ldns_rdf *edns = ldns_pkt_edns_data(pkt);
    assert_non_null(edns);
    static const uint8_t want_ecs[] = {0x00, 0x08, 0x00, 0x07, 0x00, 0x01, 24, 24, 198, 51, 100};
    assert_int_equal(ldns_rdf_size(edns), sizeof(want_ecs));
    assert_memory_equal(ldns_rdf_data(edns), want_ecs, sizeof(want_ecs));
    ldns_pkt_free(pkt);
}

static void test_write_header_error_needs_four_octets(void **state)
{
    (void)state;
    static const uint8_t pkt[3] = {0xAB, 0xCD, 0x01};
    uint8_t buf[12];

    assert_int_equal(dns_write_header_error(buf, sizeof(buf), pkt, sizeof(pkt), 1), 0);
}

static void test_write_header_error_copies_id_opcode_rd_cd(void **state)
{
    (void)state;
    /* Opcode 2, RD; AD and CD set; garbage after the flags is not looked at. */
    static const uint8_t pkt[4] = {0xAB, 0xCD, 0x11, 0x30};
    static const uint8_t want[12] = {0xAB, 0xCD, 0x91, 0x11, 0, 0, 0, 0, 0, 0, 0, 0};
    uint8_t buf[16];
    memset(buf, 0xEE, sizeof(buf));

    assert_int_equal(dns_write_header_error(buf, sizeof(buf), pkt, sizeof(pkt),
                                            DNS_RCODE_FORMERR),
                     DNS_HEADER_LEN);
    assert_memory_equal(buf, want, sizeof(want));
}

static void test_write_header_error_small_buffer_returns_0(void **state)
{
    (void)state;
    static const uint8_t pkt[12] = {0xAB, 0xCD};
    uint8_t buf[16];

    assert_int_equal(dns_write_header_error(buf, 11, pkt, sizeof(pkt), 1), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_header_copies_id_rd_cd_and_sets_qr),
        cmocka_unit_test(test_write_set_flags_adds_aa_tc_and_rcode),
        cmocka_unit_test(test_write_finish_keeps_low_four_bits_of_rcode),
        cmocka_unit_test(test_write_notimp_copies_opcode),
        cmocka_unit_test(test_write_question_echoed_byte_for_byte),
        cmocka_unit_test(test_write_begin_question_larger_than_limit_fails),
        cmocka_unit_test(test_write_a_without_owner_points_at_qname),
        cmocka_unit_test(test_write_ns_rrset_compressed_against_question),
        cmocka_unit_test(test_write_names_compressed_into_previous_rdata),
        cmocka_unit_test(test_write_mx_exchange_compressed),
        cmocka_unit_test(test_write_soa_both_names_compressed),
        cmocka_unit_test(test_write_rrset_owner_repeats_as_pointer_to_its_first_copy),
        cmocka_unit_test(test_write_name_with_same_key_as_qname_not_compressed_into_it),
        cmocka_unit_test(test_write_names_compared_without_regard_to_case),
        cmocka_unit_test(test_write_compression_as_tight_as_a_full_search),
        cmocka_unit_test(test_write_srv_target_copied_verbatim),
        cmocka_unit_test(test_write_txt_copied_verbatim),
        cmocka_unit_test(test_write_rrset_that_does_not_fit_leaves_writer_unchanged),
        cmocka_unit_test(test_write_qname_rrset_equals_its_records_one_by_one),
        cmocka_unit_test(test_write_failed_rrset_forgets_its_compression_targets),
        cmocka_unit_test(test_write_rollback_to_mark_discards_records_and_names),
        cmocka_unit_test(test_write_name_never_points_into_itself),
        cmocka_unit_test(test_write_reservation_beyond_limit_leaves_no_room),
        cmocka_unit_test(test_write_opt_fits_in_reserved_space),
        cmocka_unit_test(test_write_opt_without_room_fails),
        cmocka_unit_test(test_write_opt_echoes_ecs_with_our_scope),
        cmocka_unit_test(test_write_opt_ecs_omitted_when_query_had_none),
        cmocka_unit_test(test_write_opt_nsid_and_keepalive),
        cmocka_unit_test(test_write_badvers_puts_upper_rcode_bits_in_opt),
        cmocka_unit_test(test_write_full_response_parses_with_ldns),
        cmocka_unit_test(test_write_header_error_needs_four_octets),
        cmocka_unit_test(test_write_header_error_copies_id_opcode_rd_cd),
        cmocka_unit_test(test_write_header_error_small_buffer_returns_0),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
