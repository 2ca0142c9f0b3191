/* Unit tests for dns_query_parse: header, question, other records and malformed input. */
#include "dns_test.h"

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

static bool is_known_result(dns_parse_result_t r)
{
    return r == DNS_PARSE_OK || r == DNS_PARSE_DROP || r == DNS_PARSE_FORMERR ||
           r == DNS_PARSE_FORMERR_OPT || r == DNS_PARSE_NOTIMP || r == DNS_PARSE_BADVERS;
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_plain_query_fills_header_and_question),
        cmocka_unit_test(test_parse_qname_lowered_only_in_ascii_letters),
        cmocka_unit_test(test_parse_root_qname_has_zero_labels),
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
        cmocka_unit_test(test_parse_additional_pointer_to_question_accepted),
        cmocka_unit_test(test_parse_additional_pointer_to_itself_formerr),
        cmocka_unit_test(test_parse_additional_forward_pointer_formerr),
        cmocka_unit_test(test_parse_additional_pointer_loop_through_rdata_formerr),
        cmocka_unit_test(test_parse_additional_label_then_pointer_loop_formerr),
        cmocka_unit_test(test_parse_additional_rdata_past_end_formerr),
        cmocka_unit_test(test_parse_rich_query_is_valid),
        cmocka_unit_test(test_parse_every_truncation_and_octet_value_gives_a_result),
        cmocka_unit_test(test_parse_ecs_query_every_truncation_and_octet_value_gives_a_result),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
