/* Unit tests for dns_query_parse: header, question, EDNS(0), ECS and malformed input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "gslb/dns.h"

/* A wire name from a string literal: the literal's NUL is the root label. */
#define WIRE(s) ((const uint8_t *)(s)), (sizeof(s))

/* A query being built octet by octet. */
typedef struct pkt {
    uint8_t b[1024];
    size_t len;
    size_t opt_rdlen_at; /* offset of the OPT RDLENGTH field while options are added */
} pkt_t;

static void put8(pkt_t *p, uint8_t v)
{
    assert_true(p->len < sizeof(p->b));
    p->b[p->len++] = v;
}

static void put16(pkt_t *p, uint16_t v)
{
    put8(p, (uint8_t)(v >> 8));
    put8(p, (uint8_t)v);
}

static void put32(pkt_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p, (uint16_t)v);
}

static void put_data(pkt_t *p, const uint8_t *d, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        put8(p, d[i]);
    }
}

static void header(pkt_t *p, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an, uint16_t ns,
                   uint16_t ar)
{
    memset(p, 0, sizeof(*p));
    put16(p, id);
    put16(p, flags);
    put16(p, qd);
    put16(p, an);
    put16(p, ns);
    put16(p, ar);
}

static void question(pkt_t *p, const uint8_t *name, size_t len, uint16_t qtype)
{
    put_data(p, name, len);
    put16(p, qtype);
    put16(p, DNS_CLASS_IN);
}

/* A standard query for www.example.com/A with the given header counts. */
static void simple_query(pkt_t *p, uint16_t an, uint16_t ns, uint16_t ar)
{
    header(p, 0x1234, DNS_FLAG_RD, 1, an, ns, ar);
    question(p, WIRE("\003www\007example\003com"), DNS_TYPE_A);
}

/* OPT RR header; options follow until opt_end() fills in RDLENGTH. */
static void opt_begin(pkt_t *p, uint16_t udp_size, uint8_t version, uint16_t flags)
{
    put8(p, 0);
    put16(p, DNS_TYPE_OPT);
    put16(p, udp_size);
    put8(p, 0); /* extended RCODE */
    put8(p, version);
    put16(p, flags);
    p->opt_rdlen_at = p->len;
    put16(p, 0);
}

static void opt_option(pkt_t *p, uint16_t code, const uint8_t *data, uint16_t len)
{
    put16(p, code);
    put16(p, len);
    put_data(p, data, len);
}

static void opt_end(pkt_t *p)
{
    size_t rdlen = p->len - p->opt_rdlen_at - 2;
    p->b[p->opt_rdlen_at] = (uint8_t)(rdlen >> 8);
    p->b[p->opt_rdlen_at + 1] = (uint8_t)rdlen;
}

/* A query with one OPT carrying one ECS option of the given fields. */
static void ecs_query(pkt_t *p, uint16_t family, uint8_t source, uint8_t scope,
                      const uint8_t *addr, uint16_t addr_len)
{
    uint8_t opt[4 + 16];
    assert_true(addr_len <= 16);
    opt[0] = (uint8_t)(family >> 8);
    opt[1] = (uint8_t)family;
    opt[2] = source;
    opt[3] = scope;
    if (addr_len > 0) {
        memcpy(opt + 4, addr, addr_len);
    }
    simple_query(p, 0, 0, 1);
    opt_begin(p, 1232, 0, 0);
    opt_option(p, DNS_OPT_ECS, opt, (uint16_t)(4 + addr_len));
    opt_end(p);
}

/* Parse with the result struct full of junk first, so that fields the
 * parser must clear are seen to be cleared. */
static dns_parse_result_t parse(const pkt_t *p, dns_query_t *q)
{
    memset(q, 0xA5, sizeof(*q));
    return dns_query_parse(p->b, p->len, q);
}

static void test_parse_plain_query_fills_header_and_question(void **state)
{
    (void)state;
    static const uint8_t name[] = "\003WwW\007ExAmPLE\003com";
    pkt_t p;
    dns_query_t q;
    header(&p, 0xBEEF, DNS_FLAG_RD | DNS_FLAG_CD, 1, 0, 0, 0);
    question(&p, name, sizeof(name), DNS_TYPE_AAAA);

    assert_int_equal(parse(&p, &q), DNS_PARSE_OK);
    assert_int_equal(q.id, 0xBEEF);
    assert_int_equal(q.flags, DNS_FLAG_RD | DNS_FLAG_CD);
    assert_int_equal(q.opcode, 0);
    assert_int_equal(q.qdcount, 1);
    assert_true(q.has_question);
    assert_ptr_equal(q.qname, p.b + DNS_HEADER_LEN);
    assert_memory_equal(q.qname, name, sizeof(name));
    assert_memory_equal(q.qname_lc, "\003www\007example\003com", sizeof(name));
    assert_int_equal(q.qname_len, 17);
    assert_int_equal(q.qname_labels, 3);
    assert_int_equal(q.qtype, DNS_TYPE_AAAA);
    assert_int_equal(q.qclass, DNS_CLASS_IN);
    assert_int_equal(q.question_end, DNS_HEADER_LEN + 17 + 4);
    assert_false(q.has_edns);
    assert_false(q.has_ecs);
    assert_false(q.has_nsid);
    assert_false(q.has_tcp_keepalive);
}

static void test_parse_qname_lowered_only_in_ascii_letters(void **state)
{
    (void)state;
    /* Letters next to the range edges ('@' 'A' 'Z' '[' '`' 'a' 'z' '{'), bytes with
     * the high bit set (0xC1 is not 'A' + 0x80), label lengths that equal letters'
     * low bits, and lengths that are not a multiple of 8. */
    static const uint8_t name[] = "\010@AZ[`az{"
                                  "\013\301\332\341\372A1-_Zq\377"
                                  "\001Q"
                                  "\003BiG";
    static const uint8_t want[] = "\010@az[`az{"
                                  "\013\301\332\341\372a1-_zq\377"
                                  "\001q"
                                  "\003big";
    pkt_t p;
    dns_query_t q;
    header(&p, 7, 0, 1, 0, 0, 0);
    question(&p, name, sizeof(name), DNS_TYPE_A);

    assert_int_equal(parse(&p, &q), DNS_PARSE_OK);
    assert_int_equal(q.qname_len, sizeof(name));
    assert_int_equal(q.qname_labels, 4);
    assert_memory_equal(q.qname_lc, want, sizeof(want));
    assert_memory_equal(q.qname, name, sizeof(name)); /* the packet keeps the client's case */
}

static void test_parse_root_qname_has_zero_labels(void **state)
{
    (void)state;
    pkt_t p;
    dns_query_t q;
    header(&p, 1, 0, 1, 0, 0, 0);
    question(&p, (const uint8_t *)"", 1, DNS_TYPE_NS);

    assert_int_equal(parse(&p, &q), DNS_PARSE_OK);
    assert_int_equal(q.qname_len, 1);
    assert_int_equal(q.qname_labels, 0);
    assert_int_equal(q.qname_lc[0], 0);
    assert_int_equal(q.question_end, DNS_HEADER_LEN + 5);
}

static void test_parse_opt_fills_payload_do_and_version(void **state)
{
    (void)state;
    pkt_t p;
    dns_query_t q;
    simple_query(&p, 0, 0, 1);
    opt_begin(&p, 1232, 0, 0x8000);
    opt_end(&p);

    assert_int_equal(parse(&p, &q), DNS_PARSE_OK);
    assert_true(q.has_edns);
    assert_int_equal(q.edns_udp_size, 1232);
    assert_true(q.is_do);
    assert_int_equal(q.edns_version, 0);
    assert_false(q.has_ecs);
}

static void test_parse_opt_without_do_bit_clears_is_do(void **state)
{
    (void)state;
    pkt_t p;
    dns_query_t q;
    simple_query(&p, 0, 0, 1);
    opt_begin(&p, 512, 0, 0x7FFF); /* every Z bit but DO */
    opt_end(&p);

    assert_int_equal(parse(&p, &q), DNS_PARSE_OK);
    assert_true(q.has_edns);
    assert_int_equal(q.edns_udp_size, 512);
    assert_false(q.is_do);
}

static void test_parse_ecs_ipv4_24_pads_address(void **state)
{
    (void)state;
    static const uint8_t addr[] = {198, 51, 100};
    static const uint8_t want[16] = {198, 51, 100, 0};
    pkt_t p;
    dns_query_t q;
    ecs_query(&p, DNS_ECS_FAMILY_IPV4, 24, 0, addr, sizeof(addr));

    assert_int_equal(parse(&p, &q), DNS_PARSE_OK);
    assert_true(q.has_ecs);
    assert_int_equal(q.ecs_family, DNS_ECS_FAMILY_IPV4);
    assert_int_equal(q.ecs_source_bits, 24);
    assert_memory_equal(q.ecs_addr, want, 16);
}

static void test_parse_ecs_ipv6_56_pads_address(void **state)
{
    (void)state;
    static const uint8_t addr[] = {0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x56};
    static const uint8_t want[16] = {0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x56};
    pkt_t p;
    dns_query_t q;
    ecs_query(&p, DNS_ECS_FAMILY_IPV6, 56, 0, addr, sizeof(addr));

    assert_int_equal(parse(&p, &q), DNS_PARSE_OK);
    assert_true(q.has_ecs);
    assert_int_equal(q.ecs_family, DNS_ECS_FAMILY_IPV6);
    assert_int_equal(q.ecs_source_bits, 56);
    assert_memory_equal(q.ecs_addr, want, 16);
}

static void test_parse_ecs_source_zero_has_ecs_and_zero_address(void **state)
{
    (void)state;
    static const uint8_t want[16] = {0};
    pkt_t p;
    dns_query_t q;
    ecs_query(&p, DNS_ECS_FAMILY_IPV4, 0, 0, NULL, 0);

    assert_int_equal(parse(&p, &q), DNS_PARSE_OK);
    assert_true(q.has_ecs);
    assert_int_equal(q.ecs_family, DNS_ECS_FAMILY_IPV4);
    assert_int_equal(q.ecs_source_bits, 0);
    assert_memory_equal(q.ecs_addr, want, 16);
}

static void test_parse_ecs_ipv4_23_with_clear_tail_accepted(void **state)
{
    (void)state;
    static const uint8_t addr[] = {10, 1, 0xFE};
    pkt_t p;
    dns_query_t q;
    ecs_query(&p, DNS_ECS_FAMILY_IPV4, 23, 0, addr, sizeof(addr));

    assert_int_equal(parse(&p, &q), DNS_PARSE_OK);
    assert_int_equal(q.ecs_source_bits, 23);
    assert_int_equal(q.ecs_addr[2], 0xFE);
}

static void test_parse_shorter_than_header_drop(void **state)
{
    (void)state;
    pkt_t p;
    dns_query_t q;
    simple_query(&p, 0, 0, 0);
    for (size_t len = 0; len < DNS_HEADER_LEN; len++) {
        memset(&q, 0xA5, sizeof(q));
        assert_int_equal(dns_query_parse(p.b, len, &q), DNS_PARSE_DROP);
        assert_false(q.has_question);
    }
}

static void test_parse_response_bit_drop(void **state)
{
    (void)state;
    pkt_t p;
    dns_query_t q;
    header(&p, 7, DNS_FLAG_QR, 1, 0, 0, 0);
    question(&p, WIRE("\001a"), DNS_TYPE_A);

    assert_int_equal(parse(&p, &q), DNS_PARSE_DROP);
}

static void test_parse_qdcount_zero_formerr(void **state)
{
    (void)state;
    pkt_t p;
    dns_query_t q;
    header(&p, 7, 0, 0, 0, 0, 0);

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
    assert_int_equal(q.id, 7);
    assert_false(q.has_question);
}

static void test_parse_qdcount_two_formerr(void **state)
{
    (void)state;
    pkt_t p;
    dns_query_t q;
    header(&p, 7, 0, 2, 0, 0, 0);
    question(&p, WIRE("\001a"), DNS_TYPE_A);
    question(&p, WIRE("\001b"), DNS_TYPE_A);

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
    assert_int_equal(q.qdcount, 2);
    assert_false(q.has_question);
}

static void test_parse_opcode_status_notimp(void **state)
{
    (void)state;
    pkt_t p;
    dns_query_t q;
    header(&p, 7, 2u << 11, 1, 0, 0, 0);
    question(&p, WIRE("\001a"), DNS_TYPE_A);

    assert_int_equal(parse(&p, &q), DNS_PARSE_NOTIMP);
    assert_int_equal(q.opcode, 2);
    assert_true(q.has_question);
}

static void test_parse_opcode_update_without_question_notimp(void **state)
{
    (void)state;
    pkt_t p;
    dns_query_t q;
    header(&p, 7, 5u << 11, 0, 0, 0, 0);

    assert_int_equal(parse(&p, &q), DNS_PARSE_NOTIMP);
    assert_int_equal(q.opcode, 5);
    assert_false(q.has_question);
}

static void test_parse_name_past_end_formerr(void **state)
{
    (void)state;
    pkt_t p;
    dns_query_t q;
    header(&p, 7, 0, 1, 0, 0, 0);
    put_data(&p, (const uint8_t *)"\007example\003co", 12); /* "com" cut short, no root */

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
    assert_false(q.has_question);
}

static void test_parse_qname_compression_pointer_formerr(void **state)
{
    (void)state;
    pkt_t p;
    dns_query_t q;
    header(&p, 7, 0, 1, 0, 0, 0);
    put_data(&p, (const uint8_t *)"\003www", 4);
    put16(&p, 0xC000u | 12);
    put16(&p, DNS_TYPE_A);
    put16(&p, DNS_CLASS_IN);

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
    assert_false(q.has_question);
}

/* A name of labels of the given lengths (filled with 'x'), then QTYPE and QCLASS. */
static void long_name_query(pkt_t *p, const uint8_t *label_lens, size_t n)
{
    header(p, 7, 0, 1, 0, 0, 0);
    for (size_t i = 0; i < n; i++) {
        put8(p, label_lens[i]);
        for (uint8_t k = 0; k < label_lens[i]; k++) {
            put8(p, 'x');
        }
    }
    put8(p, 0);
    put16(p, DNS_TYPE_A);
    put16(p, DNS_CLASS_IN);
}

static void test_parse_label_63_accepted(void **state)
{
    (void)state;
    static const uint8_t lens[] = {63};
    pkt_t p;
    dns_query_t q;
    long_name_query(&p, lens, 1);

    assert_int_equal(parse(&p, &q), DNS_PARSE_OK);
    assert_int_equal(q.qname_len, 65);
}

static void test_parse_label_64_formerr(void **state)
{
    (void)state;
    static const uint8_t lens[] = {64};
    pkt_t p;
    dns_query_t q;
    long_name_query(&p, lens, 1);

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
    assert_false(q.has_question);
}

static void test_parse_name_255_accepted(void **state)
{
    (void)state;
    /* 3 * 64 + 62 + root = 255 octets */
    static const uint8_t lens[] = {63, 63, 63, 61};
    pkt_t p;
    dns_query_t q;
    long_name_query(&p, lens, 4);

    assert_int_equal(parse(&p, &q), DNS_PARSE_OK);
    assert_int_equal(q.qname_len, 255);
    assert_int_equal(q.qname_labels, 4);
}

static void test_parse_name_256_formerr(void **state)
{
    (void)state;
    static const uint8_t lens[] = {63, 63, 63, 62};
    pkt_t p;
    dns_query_t q;
    long_name_query(&p, lens, 4);

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
    assert_false(q.has_question);
}

static void test_parse_truncated_qtype_or_qclass_formerr(void **state)
{
    (void)state;
    pkt_t p;
    dns_query_t q;
    simple_query(&p, 0, 0, 0);
    /* Drop 1..4 octets: QCLASS partly or wholly, then QTYPE too. */
    for (size_t cut = 1; cut <= 4; cut++) {
        memset(&q, 0xA5, sizeof(q));
        assert_int_equal(dns_query_parse(p.b, p.len - cut, &q), DNS_PARSE_FORMERR);
        assert_false(q.has_question);
    }
}

static void test_parse_trailing_octet_formerr(void **state)
{
    (void)state;
    pkt_t p;
    dns_query_t q;
    simple_query(&p, 0, 0, 0);
    put8(&p, 0);

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
    assert_true(q.has_question);
}

static void test_parse_octet_after_opt_formerr(void **state)
{
    (void)state;
    pkt_t p;
    dns_query_t q;
    simple_query(&p, 0, 0, 1);
    opt_begin(&p, 1232, 0, 0);
    opt_end(&p);
    put8(&p, 0);

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
}

static void test_parse_opt_rdlength_past_end_formerr(void **state)
{
    (void)state;
    pkt_t p;
    dns_query_t q;
    simple_query(&p, 0, 0, 1);
    opt_begin(&p, 1232, 0, 0);
    opt_end(&p);
    p.b[p.opt_rdlen_at + 1] = 1; /* one octet of RDATA that is not there */

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
}

static void test_parse_opt_cut_short_formerr(void **state)
{
    (void)state;
    pkt_t p;
    dns_query_t q;
    simple_query(&p, 0, 0, 1);
    opt_begin(&p, 1232, 0, 0);
    opt_end(&p);
    p.len -= 1; /* half of RDLENGTH */

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
}

static void test_parse_one_additional_record_not_opt_accepted(void **state)
{
    (void)state;
    pkt_t p;
    dns_query_t q;
    simple_query(&p, 0, 0, 1);
    put8(&p, 0); /* root owner, TXT, IN, TTL 0, RDLENGTH 1, one empty string */
    put16(&p, DNS_TYPE_TXT);
    put16(&p, DNS_CLASS_IN);
    put32(&p, 0);
    put16(&p, 1);
    put8(&p, 0);

    assert_int_equal(parse(&p, &q), DNS_PARSE_OK);
    assert_false(q.has_edns);
}

static void test_parse_two_opt_formerr(void **state)
{
    (void)state;
    pkt_t p;
    dns_query_t q;
    simple_query(&p, 0, 0, 2);
    opt_begin(&p, 1232, 0, 0);
    opt_end(&p);
    opt_begin(&p, 1232, 0, 0);
    opt_end(&p);

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
}

static void test_parse_opt_in_answer_section_formerr(void **state)
{
    (void)state;
    pkt_t p;
    dns_query_t q;
    simple_query(&p, 1, 0, 0);
    opt_begin(&p, 1232, 0, 0);
    opt_end(&p);

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
}

static void test_parse_opt_in_authority_section_formerr(void **state)
{
    (void)state;
    pkt_t p;
    dns_query_t q;
    simple_query(&p, 0, 1, 0);
    opt_begin(&p, 1232, 0, 0);
    opt_end(&p);

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
}

static void test_parse_opt_non_root_owner_formerr(void **state)
{
    (void)state;
    pkt_t p;
    dns_query_t q;
    simple_query(&p, 0, 0, 1);
    put_data(&p, (const uint8_t *)"\001a", 2);
    opt_begin(&p, 1232, 0, 0); /* its root octet ends the owner "a." */
    opt_end(&p);

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
}

static void test_parse_option_length_past_rdata_formerr(void **state)
{
    (void)state;
    static const uint8_t data[4] = {1, 2, 3, 4};
    pkt_t p;
    dns_query_t q;
    simple_query(&p, 0, 0, 1);
    opt_begin(&p, 1232, 0, 0);
    opt_option(&p, 65001, data, sizeof(data));
    opt_end(&p);
    p.b[p.len - 5] = 5; /* the option claims 5 octets; RDATA holds 4 */

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
}

static void test_parse_option_header_cut_short_formerr(void **state)
{
    (void)state;
    pkt_t p;
    dns_query_t q;
    simple_query(&p, 0, 0, 1);
    opt_begin(&p, 1232, 0, 0);
    put16(&p, 65001); /* an option code with no length field */
    opt_end(&p);

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
}

static void test_parse_ecs_family_3_formerr(void **state)
{
    (void)state;
    static const uint8_t addr[] = {1, 2};
    pkt_t p;
    dns_query_t q;
    ecs_query(&p, 3, 16, 0, addr, sizeof(addr));

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
    assert_false(q.has_ecs);
}

static void test_parse_ecs_ipv4_source_33_formerr(void **state)
{
    (void)state;
    static const uint8_t addr[] = {1, 2, 3, 4, 0};
    pkt_t p;
    dns_query_t q;
    ecs_query(&p, DNS_ECS_FAMILY_IPV4, 33, 0, addr, sizeof(addr));

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
    assert_false(q.has_ecs);
}

static void test_parse_ecs_ipv6_source_129_formerr(void **state)
{
    (void)state;
    static const uint8_t addr[16] = {0x20, 0x01};
    pkt_t p;
    dns_query_t q;
    ecs_query(&p, DNS_ECS_FAMILY_IPV6, 129, 0, addr, sizeof(addr));

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
}

static void test_parse_ecs_address_longer_than_prefix_formerr(void **state)
{
    (void)state;
    static const uint8_t addr[] = {198, 51, 100, 0};
    pkt_t p;
    dns_query_t q;
    ecs_query(&p, DNS_ECS_FAMILY_IPV4, 24, 0, addr, sizeof(addr));

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
    assert_false(q.has_ecs);
}

static void test_parse_ecs_address_shorter_than_prefix_formerr(void **state)
{
    (void)state;
    static const uint8_t addr[] = {198, 51};
    pkt_t p;
    dns_query_t q;
    ecs_query(&p, DNS_ECS_FAMILY_IPV4, 24, 0, addr, sizeof(addr));

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
}

static void test_parse_ecs_bits_past_prefix_formerr(void **state)
{
    (void)state;
    static const uint8_t addr[] = {10, 1, 0xFF}; /* /23: the last bit must be 0 */
    pkt_t p;
    dns_query_t q;
    ecs_query(&p, DNS_ECS_FAMILY_IPV4, 23, 0, addr, sizeof(addr));

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
    assert_false(q.has_ecs);
}

static void test_parse_ecs_nonzero_scope_formerr(void **state)
{
    (void)state;
    static const uint8_t addr[] = {198, 51, 100};
    pkt_t p;
    dns_query_t q;
    ecs_query(&p, DNS_ECS_FAMILY_IPV4, 24, 24, addr, sizeof(addr));

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
    assert_false(q.has_ecs);
}

static void test_parse_ecs_option_shorter_than_4_formerr(void **state)
{
    (void)state;
    static const uint8_t opt[] = {0, 1, 0};
    pkt_t p;
    dns_query_t q;
    simple_query(&p, 0, 0, 1);
    opt_begin(&p, 1232, 0, 0);
    opt_option(&p, DNS_OPT_ECS, opt, sizeof(opt));
    opt_end(&p);

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
}

static void test_parse_two_ecs_options_formerr(void **state)
{
    (void)state;
    static const uint8_t opt[] = {0, 1, 8, 0, 10};
    pkt_t p;
    dns_query_t q;
    simple_query(&p, 0, 0, 1);
    opt_begin(&p, 1232, 0, 0);
    opt_option(&p, DNS_OPT_ECS, opt, sizeof(opt));
    opt_option(&p, DNS_OPT_ECS, opt, sizeof(opt));
    opt_end(&p);

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
}

static void test_parse_edns_version_1_badvers(void **state)
{
    (void)state;
    pkt_t p;
    dns_query_t q;
    simple_query(&p, 0, 0, 1);
    opt_begin(&p, 1232, 1, 0);
    opt_end(&p);

    assert_int_equal(parse(&p, &q), DNS_PARSE_BADVERS);
    assert_true(q.has_question);
    assert_true(q.has_edns);
    assert_int_equal(q.edns_version, 1);
}

/* An additional-section RR (type A, RDATA 192.0.2.1) after the OPT-less
 * query, with its owner name given as raw octets. */
static void additional_rr(pkt_t *p, const uint8_t *owner, size_t owner_len)
{
    put_data(p, owner, owner_len);
    put16(p, DNS_TYPE_A);
    put16(p, DNS_CLASS_IN);
    put32(p, 300);
    put16(p, 4);
    put32(p, 0xC0000201u);
}

static void test_parse_additional_pointer_to_question_accepted(void **state)
{
    (void)state;
    static const uint8_t owner[] = {0xC0, 12};
    pkt_t p;
    dns_query_t q;
    simple_query(&p, 0, 0, 1);
    additional_rr(&p, owner, sizeof(owner));

    assert_int_equal(parse(&p, &q), DNS_PARSE_OK);
}

static void test_parse_additional_pointer_to_itself_formerr(void **state)
{
    (void)state;
    pkt_t p;
    dns_query_t q;
    simple_query(&p, 0, 0, 1);
    uint8_t owner[2] = {0xC0, (uint8_t)p.len};
    additional_rr(&p, owner, sizeof(owner));

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
}

static void test_parse_additional_forward_pointer_formerr(void **state)
{
    (void)state;
    pkt_t p;
    dns_query_t q;
    simple_query(&p, 0, 0, 2);
    /* The first RR's owner points at the second RR's owner, further on. */
    uint8_t owner[2] = {0xC0, (uint8_t)(p.len + 16)};
    additional_rr(&p, owner, sizeof(owner));
    additional_rr(&p, WIRE("\001b"));

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
}

static void test_parse_additional_pointer_loop_through_rdata_formerr(void **state)
{
    (void)state;
    pkt_t p;
    dns_query_t q;
    simple_query(&p, 0, 0, 2);
    /* RR 1: root owner, unknown type, RDATA = a pointer to RR 2's owner. */
    put8(&p, 0);
    put16(&p, 65280);
    put16(&p, DNS_CLASS_IN);
    put32(&p, 0);
    put16(&p, 2);
    size_t rdata_at = p.len;
    size_t rr2_at = p.len + 2;
    put16(&p, (uint16_t)(0xC000u | rr2_at));
    /* RR 2: owner points back at RR 1's RDATA, which points forward again. */
    uint8_t owner[2] = {0xC0, (uint8_t)rdata_at};
    additional_rr(&p, owner, sizeof(owner));

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
}

static void test_parse_additional_label_then_pointer_loop_formerr(void **state)
{
    (void)state;
    pkt_t p;
    dns_query_t q;
    simple_query(&p, 0, 0, 2);
    /* RR 1: root owner, unknown type, RDATA = the label "x". */
    put8(&p, 0);
    put16(&p, 65280);
    put16(&p, DNS_CLASS_IN);
    put32(&p, 0);
    put16(&p, 2);
    size_t label_at = p.len;
    put8(&p, 1);
    put8(&p, 'x');
    /* RR 2 starts right after the label, and points back at it: "x" then itself. */
    uint8_t owner[2] = {0xC0, (uint8_t)label_at};
    additional_rr(&p, owner, sizeof(owner));

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
}

static void test_parse_additional_rdata_past_end_formerr(void **state)
{
    (void)state;
    pkt_t p;
    dns_query_t q;
    simple_query(&p, 0, 0, 1);
    additional_rr(&p, WIRE("\001b"));
    p.len -= 1;

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
}

static void test_parse_unknown_options_ignored(void **state)
{
    (void)state;
    static const uint8_t cookie[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    static const uint8_t junk[3] = {0xFF, 0xFF, 0xFF};
    pkt_t p;
    dns_query_t q;
    simple_query(&p, 0, 0, 1);
    opt_begin(&p, 4096, 0, 0);
    opt_option(&p, DNS_OPT_COOKIE, cookie, sizeof(cookie));
    opt_option(&p, 65001, junk, sizeof(junk));
    opt_option(&p, DNS_OPT_PADDING, NULL, 0);
    opt_end(&p);

    assert_int_equal(parse(&p, &q), DNS_PARSE_OK);
    assert_true(q.has_edns);
    assert_int_equal(q.edns_udp_size, 4096);
    assert_false(q.has_ecs);
    assert_false(q.has_nsid);
    assert_false(q.has_tcp_keepalive);
}

static void test_parse_nsid_option_sets_has_nsid(void **state)
{
    (void)state;
    pkt_t p;
    dns_query_t q;
    simple_query(&p, 0, 0, 1);
    opt_begin(&p, 1232, 0, 0);
    opt_option(&p, DNS_OPT_NSID, NULL, 0);
    opt_end(&p);

    assert_int_equal(parse(&p, &q), DNS_PARSE_OK);
    assert_true(q.has_nsid);
    assert_false(q.has_tcp_keepalive);
}

static void test_parse_tcp_keepalive_option_sets_flag(void **state)
{
    (void)state;
    pkt_t p;
    dns_query_t q;
    simple_query(&p, 0, 0, 1);
    opt_begin(&p, 1232, 0, 0);
    opt_option(&p, DNS_OPT_TCP_KEEPALIVE, NULL, 0);
    opt_end(&p);

    assert_int_equal(parse(&p, &q), DNS_PARSE_OK);
    assert_true(q.has_tcp_keepalive);
    assert_false(q.has_nsid);
}

static void test_parse_tcp_keepalive_with_4_octets_formerr(void **state)
{
    (void)state;
    static const uint8_t data[4] = {0, 1, 0, 1};
    pkt_t p;
    dns_query_t q;
    simple_query(&p, 0, 0, 1);
    opt_begin(&p, 1232, 0, 0);
    opt_option(&p, DNS_OPT_TCP_KEEPALIVE, data, sizeof(data));
    opt_end(&p);

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
}

static bool is_known_result(dns_parse_result_t r)
{
    return r == DNS_PARSE_OK || r == DNS_PARSE_DROP || r == DNS_PARSE_FORMERR ||
           r == DNS_PARSE_NOTIMP || r == DNS_PARSE_BADVERS;
}

/* Check what a successful parse promises about the fields it filled. */
static void check_consistent(const uint8_t *buf, size_t len, dns_parse_result_t r,
                             const dns_query_t *q)
{
    assert_true(is_known_result(r));
    if (r == DNS_PARSE_OK) {
        assert_true(q->has_question);
        assert_ptr_equal(q->qname, buf + DNS_HEADER_LEN);
        assert_true(q->qname_len >= 1);
        assert_true(q->question_end <= len);
        assert_int_equal(q->question_end, DNS_HEADER_LEN + q->qname_len + 4);
    }
    if (q->has_ecs) {
        assert_true(q->ecs_family == DNS_ECS_FAMILY_IPV4 ||
                    q->ecs_family == DNS_ECS_FAMILY_IPV6);
        assert_true(q->ecs_source_bits <= (q->ecs_family == DNS_ECS_FAMILY_IPV4 ? 32 : 128));
    }
}

/* A query using most of what the parser looks at: EDNS with ECS, NSID,
 * keepalive and an unknown option, then a compressed additional RR. */
static void rich_query(pkt_t *p)
{
    static const uint8_t ecs[] = {0, 1, 20, 0, 192, 0, 32};
    static const uint8_t owner[] = {0x01, 'n', 0xC0, 16};
    simple_query(p, 0, 0, 2);
    opt_begin(p, 1232, 0, 0x8000);
    opt_option(p, DNS_OPT_ECS, ecs, sizeof(ecs));
    opt_option(p, DNS_OPT_NSID, NULL, 0);
    opt_option(p, DNS_OPT_TCP_KEEPALIVE, NULL, 0);
    opt_option(p, 65001, ecs, 2);
    opt_end(p);
    additional_rr(p, owner, sizeof(owner));
}

static void test_parse_rich_query_is_valid(void **state)
{
    (void)state;
    pkt_t p;
    dns_query_t q;
    rich_query(&p);

    assert_int_equal(parse(&p, &q), DNS_PARSE_OK);
    assert_true(q.has_ecs);
    assert_int_equal(q.ecs_source_bits, 20);
    assert_true(q.has_nsid);
    assert_true(q.has_tcp_keepalive);
    assert_true(q.is_do);
}

/* Deterministic fuzzing: every truncation of a query, then every value of
 * every single octet. Each input sits in a heap block of exactly its length
 * so that AddressSanitizer catches any read past the end. */
static void fuzz_every_truncation_and_octet_value(const pkt_t *p)
{
    dns_query_t q;
    uint8_t *buf = test_malloc(p->len);

    for (size_t len = 0; len <= p->len; len++) {
        uint8_t *cut = test_malloc(len ? len : 1);
        memcpy(cut, p->b, len);
        memset(&q, 0xA5, sizeof(q));
        dns_parse_result_t r = dns_query_parse(cut, len, &q);
        check_consistent(cut, len, r, &q);
        if (len < DNS_HEADER_LEN) {
            assert_int_equal(r, DNS_PARSE_DROP);
        } else if (len < p->len) {
            assert_int_not_equal(r, DNS_PARSE_OK);
        }
        test_free(cut);
    }

    size_t ok = 0;
    for (size_t pos = 0; pos < p->len; pos++) {
        for (unsigned v = 0; v < 256; v++) {
            memcpy(buf, p->b, p->len);
            buf[pos] = (uint8_t)v;
            memset(&q, 0xA5, sizeof(q));
            dns_parse_result_t r = dns_query_parse(buf, p->len, &q);
            check_consistent(buf, p->len, r, &q);
            ok += r == DNS_PARSE_OK;
        }
    }
    /* The unmodified value at each position parses, so at least p->len did. */
    assert_true(ok >= p->len);
    test_free(buf);
}

static void test_parse_every_truncation_and_octet_value_gives_a_result(void **state)
{
    (void)state;
    pkt_t p;
    rich_query(&p);
    fuzz_every_truncation_and_octet_value(&p);
}

/* The usual shape: the question and an OPT record holding one ECS option. */
static void test_parse_ecs_query_every_truncation_and_octet_value_gives_a_result(void **state)
{
    (void)state;
    pkt_t p;
    ecs_query(&p, DNS_ECS_FAMILY_IPV4, 23, 0, (const uint8_t[]){81, 2, 68}, 3);
    fuzz_every_truncation_and_octet_value(&p);
}

/* Each octet of the option, changed on its own, against what RFC 7871 allows. */
static void test_parse_lone_ecs_option_each_octet_checked(void **state)
{
    (void)state;
    pkt_t p;
    dns_query_t q;
    ecs_query(&p, DNS_ECS_FAMILY_IPV4, 23, 0, (const uint8_t[]){81, 2, 68}, 3);
    size_t opt = p.len - 11; /* code, length, family, source, scope, 3 address octets */
    for (unsigned v = 0; v < 256; v++) {
        pkt_t m = p;
        m.b[opt + 6] = (uint8_t)v; /* source prefix: 17..24 keep 3 address octets */
        dns_parse_result_t r = parse(&m, &q);
        bool valid = v >= 17 && v <= 24 && (68u & (0xFFu >> (v % 8 ? v % 8 : 8))) == 0;
        assert_int_equal(r, valid ? DNS_PARSE_OK : DNS_PARSE_FORMERR);
        if (valid) {
            assert_true(q.has_ecs);
            assert_int_equal(q.ecs_source_bits, v);
        }

        m = p;
        m.b[opt + 7] = (uint8_t)v; /* scope: 0 only */
        assert_int_equal(parse(&m, &q), v == 0 ? DNS_PARSE_OK : DNS_PARSE_FORMERR);

        m = p;
        m.b[opt + 10] = (uint8_t)v; /* last address octet: the bit past /23 clear */
        assert_int_equal(parse(&m, &q), (v & 1) == 0 ? DNS_PARSE_OK : DNS_PARSE_FORMERR);

        m = p;
        m.b[opt + 3] = (uint8_t)v; /* option length: only 7 fits the RDATA */
        assert_int_equal(parse(&m, &q), v == 7 ? DNS_PARSE_OK : DNS_PARSE_FORMERR);
    }
}

/* Every IPv4 source prefix with the address set exactly to its prefix bits,
 * then with one bit more: the address comes back padded, the extra bit is refused. */
static void test_parse_ecs_ipv4_every_source_prefix(void **state)
{
    (void)state;
    pkt_t p;
    dns_query_t q;
    for (unsigned source = 0; source <= 32; source++) {
        uint32_t a = source == 0 ? 0 : 0xFFFFFFFFu << (32 - source);
        uint8_t addr[4] = {(uint8_t)(a >> 24), (uint8_t)(a >> 16), (uint8_t)(a >> 8), (uint8_t)a};
        uint16_t n = (uint16_t)((source + 7) / 8);
        ecs_query(&p, DNS_ECS_FAMILY_IPV4, (uint8_t)source, 0, addr, n);
        assert_int_equal(parse(&p, &q), DNS_PARSE_OK);
        assert_true(q.has_ecs);
        assert_int_equal(q.ecs_family, DNS_ECS_FAMILY_IPV4);
        assert_int_equal(q.ecs_source_bits, source);
        assert_memory_equal(q.ecs_addr, addr, 4);
        for (size_t i = 4; i < sizeof(q.ecs_addr); i++) {
            assert_int_equal(q.ecs_addr[i], 0);
        }
        if (source % 8 != 0) {
            addr[n - 1] |= 1;
            ecs_query(&p, DNS_ECS_FAMILY_IPV4, (uint8_t)source, 0, addr, n);
            assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_plain_query_fills_header_and_question),
        cmocka_unit_test(test_parse_qname_lowered_only_in_ascii_letters),
        cmocka_unit_test(test_parse_root_qname_has_zero_labels),
        cmocka_unit_test(test_parse_opt_fills_payload_do_and_version),
        cmocka_unit_test(test_parse_opt_without_do_bit_clears_is_do),
        cmocka_unit_test(test_parse_ecs_ipv4_24_pads_address),
        cmocka_unit_test(test_parse_ecs_ipv6_56_pads_address),
        cmocka_unit_test(test_parse_ecs_source_zero_has_ecs_and_zero_address),
        cmocka_unit_test(test_parse_ecs_ipv4_23_with_clear_tail_accepted),
        cmocka_unit_test(test_parse_shorter_than_header_drop),
        cmocka_unit_test(test_parse_response_bit_drop),
        cmocka_unit_test(test_parse_qdcount_zero_formerr),
        cmocka_unit_test(test_parse_qdcount_two_formerr),
        cmocka_unit_test(test_parse_opcode_status_notimp),
        cmocka_unit_test(test_parse_opcode_update_without_question_notimp),
        cmocka_unit_test(test_parse_name_past_end_formerr),
        cmocka_unit_test(test_parse_qname_compression_pointer_formerr),
        cmocka_unit_test(test_parse_label_63_accepted),
        cmocka_unit_test(test_parse_label_64_formerr),
        cmocka_unit_test(test_parse_name_255_accepted),
        cmocka_unit_test(test_parse_name_256_formerr),
        cmocka_unit_test(test_parse_truncated_qtype_or_qclass_formerr),
        cmocka_unit_test(test_parse_trailing_octet_formerr),
        cmocka_unit_test(test_parse_octet_after_opt_formerr),
        cmocka_unit_test(test_parse_opt_rdlength_past_end_formerr),
        cmocka_unit_test(test_parse_opt_cut_short_formerr),
        cmocka_unit_test(test_parse_one_additional_record_not_opt_accepted),
        cmocka_unit_test(test_parse_two_opt_formerr),
        cmocka_unit_test(test_parse_opt_in_answer_section_formerr),
        cmocka_unit_test(test_parse_opt_in_authority_section_formerr),
        cmocka_unit_test(test_parse_opt_non_root_owner_formerr),
        cmocka_unit_test(test_parse_option_length_past_rdata_formerr),
        cmocka_unit_test(test_parse_option_header_cut_short_formerr),
        cmocka_unit_test(test_parse_ecs_family_3_formerr),
        cmocka_unit_test(test_parse_ecs_ipv4_source_33_formerr),
        cmocka_unit_test(test_parse_ecs_ipv6_source_129_formerr),
        cmocka_unit_test(test_parse_ecs_address_longer_than_prefix_formerr),
        cmocka_unit_test(test_parse_ecs_address_shorter_than_prefix_formerr),
        cmocka_unit_test(test_parse_ecs_bits_past_prefix_formerr),
        cmocka_unit_test(test_parse_ecs_nonzero_scope_formerr),
        cmocka_unit_test(test_parse_ecs_option_shorter_than_4_formerr),
        cmocka_unit_test(test_parse_two_ecs_options_formerr),
        cmocka_unit_test(test_parse_edns_version_1_badvers),
        cmocka_unit_test(test_parse_additional_pointer_to_question_accepted),
        cmocka_unit_test(test_parse_additional_pointer_to_itself_formerr),
        cmocka_unit_test(test_parse_additional_forward_pointer_formerr),
        cmocka_unit_test(test_parse_additional_pointer_loop_through_rdata_formerr),
        cmocka_unit_test(test_parse_additional_label_then_pointer_loop_formerr),
        cmocka_unit_test(test_parse_additional_rdata_past_end_formerr),
        cmocka_unit_test(test_parse_unknown_options_ignored),
        cmocka_unit_test(test_parse_nsid_option_sets_has_nsid),
        cmocka_unit_test(test_parse_tcp_keepalive_option_sets_flag),
        cmocka_unit_test(test_parse_tcp_keepalive_with_4_octets_formerr),
        cmocka_unit_test(test_parse_rich_query_is_valid),
        cmocka_unit_test(test_parse_every_truncation_and_octet_value_gives_a_result),
        cmocka_unit_test(test_parse_ecs_query_every_truncation_and_octet_value_gives_a_result),
        cmocka_unit_test(test_parse_lone_ecs_option_each_octet_checked),
        cmocka_unit_test(test_parse_ecs_ipv4_every_source_prefix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
