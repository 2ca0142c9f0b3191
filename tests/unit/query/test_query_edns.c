/* Unit tests for query_answer's EDNS errors (RFC 6891 section 7, RFC 7871 section 6), sent
 * over UDP and TCP through the server's sockets on loopback. */
#include "query_test.h"

static const server_transport_t transports[] = {SERVER_UDP, SERVER_TCP};

static const uint8_t geo_name[] = "\003geo\001e\004test";

/* Send q over UDP and TCP to 127.0.0.1 and check the answer is FORMERR with the question
 * echoed and an OPT record: owner root, our payload size, version 0, DO as given, no
 * options (a bad ECS option is not echoed), and nothing else in the message. */
static void expect_formerr_with_opt(const qt_fixture_t *f, const qt_pkt_t *q, bool is_do)
{
    size_t qend = DNS_HEADER_LEN + sizeof(geo_name) + 4;
    for (size_t i = 0; i < 2; i++) {
        uint8_t a[1024];
        size_t n = qt_exchange(f, AF_INET, transports[i], q, a, sizeof(a));
        qt_resp_t r;
        qt_resp_read(a, n, &r);
        assert_int_equal(r.id, 0x5a5a);
        assert_int_equal(r.flags & DNS_FLAG_QR, DNS_FLAG_QR);
        assert_int_equal(r.rcode, DNS_RCODE_FORMERR);
        assert_int_equal(r.counts[0], 1);
        assert_int_equal(r.question_end, qend);
        assert_memory_equal(a + DNS_HEADER_LEN, q->b + DNS_HEADER_LEN, qend - DNS_HEADER_LEN);
        assert_int_equal(r.counts[1], 0);
        assert_int_equal(r.counts[2], 0);
        assert_int_equal(r.counts[3], 1);
        assert_true(r.has_opt);
        assert_true(r.is_opt_root);
        assert_int_equal(r.opt_udp_size, CONF_DEFAULT_EDNS_PAYLOAD);
        assert_int_equal(r.opt_version, 0);
        assert_int_equal(r.opt_flags, is_do ? 0x8000 : 0);
        assert_int_equal(r.opt_rdlen, 0);
    }
}

/* A query for geo.e.test./A with an OPT holding one ECS option as given. */
static void bad_ecs_query(qt_pkt_t *q, uint16_t family, uint8_t source, uint8_t scope,
                          const uint8_t *addr, size_t n)
{
    qt_ecs_query(q, QT_NAME(geo_name), family, source, scope, addr, n);
}

static void test_edns_ecs_unknown_family_gets_formerr_with_opt(void **state)
{
    static const uint8_t addr[] = {10, 1, 2};
    qt_pkt_t q;
    bad_ecs_query(&q, 3, 24, 0, addr, sizeof(addr));
    expect_formerr_with_opt(*state, &q, false);
}

static void test_edns_ecs_bits_past_source_prefix_gets_formerr_with_opt(void **state)
{
    static const uint8_t addr[] = {10, 1, 3}; /* /23: the last bit must be clear */
    qt_pkt_t q;
    bad_ecs_query(&q, DNS_ECS_FAMILY_IPV4, 23, 0, addr, sizeof(addr));
    expect_formerr_with_opt(*state, &q, false);
}

static void test_edns_ecs_too_many_address_octets_gets_formerr_with_opt(void **state)
{
    static const uint8_t addr[] = {10, 1, 0};
    qt_pkt_t q;
    bad_ecs_query(&q, DNS_ECS_FAMILY_IPV4, 16, 0, addr, sizeof(addr));
    expect_formerr_with_opt(*state, &q, false);
}

static void test_edns_ecs_too_few_address_octets_gets_formerr_with_opt(void **state)
{
    static const uint8_t addr[] = {10, 1};
    qt_pkt_t q;
    bad_ecs_query(&q, DNS_ECS_FAMILY_IPV4, 24, 0, addr, sizeof(addr));
    expect_formerr_with_opt(*state, &q, false);
}

static void test_edns_ecs_ipv4_source_33_gets_formerr_with_opt(void **state)
{
    static const uint8_t addr[] = {10, 1, 2, 3, 0};
    qt_pkt_t q;
    bad_ecs_query(&q, DNS_ECS_FAMILY_IPV4, 33, 0, addr, sizeof(addr));
    expect_formerr_with_opt(*state, &q, false);
}

static void test_edns_ecs_ipv6_source_129_gets_formerr_with_opt(void **state)
{
    static const uint8_t addr[17] = {0x20, 0x01, 0x0d, 0xb8};
    qt_pkt_t q;
    bad_ecs_query(&q, DNS_ECS_FAMILY_IPV6, 129, 0, addr, sizeof(addr));
    expect_formerr_with_opt(*state, &q, false);
}

static void test_edns_ecs_scope_in_query_gets_formerr_with_opt(void **state)
{
    static const uint8_t addr[] = {10, 1, 2};
    qt_pkt_t q;
    bad_ecs_query(&q, DNS_ECS_FAMILY_IPV4, 24, 24, addr, sizeof(addr));
    expect_formerr_with_opt(*state, &q, false);
}

static void test_edns_bad_ecs_with_do_gets_formerr_with_do(void **state)
{
    static const uint8_t addr[] = {10, 1, 2};
    qt_pkt_t q;
    qt_header(&q, 1, 0, 0, 1);
    qt_question(&q, QT_NAME(geo_name), DNS_TYPE_A);
    qt_opt_begin(&q, 0, 0x8000);
    qt_ecs(&q, 3, 24, 0, addr, sizeof(addr));
    qt_opt_end(&q);
    expect_formerr_with_opt(*state, &q, true);
}

static void test_edns_two_opt_records_get_formerr_with_opt(void **state)
{
    qt_pkt_t q;
    qt_header(&q, 1, 0, 0, 2);
    qt_question(&q, QT_NAME(geo_name), DNS_TYPE_A);
    qt_opt_begin(&q, 0, 0);
    qt_opt_end(&q);
    qt_opt_begin(&q, 0, 0);
    qt_opt_end(&q);
    expect_formerr_with_opt(*state, &q, false);
}

static void test_edns_opt_owner_not_root_gets_formerr_with_opt(void **state)
{
    qt_pkt_t q;
    qt_header(&q, 1, 0, 0, 1);
    qt_question(&q, QT_NAME(geo_name), DNS_TYPE_A);
    static const uint8_t label[] = {1, 'a'};
    qt_put(&q, label, sizeof(label));
    qt_opt_begin(&q, 0, 0); /* its root octet ends the owner "a." */
    qt_opt_end(&q);
    expect_formerr_with_opt(*state, &q, false);
}

static void test_edns_opt_in_answer_section_gets_formerr_with_opt(void **state)
{
    qt_pkt_t q;
    qt_header(&q, 1, 1, 0, 0);
    qt_question(&q, QT_NAME(geo_name), DNS_TYPE_A);
    qt_opt_begin(&q, 0, 0);
    qt_opt_end(&q);
    expect_formerr_with_opt(*state, &q, false);
}

static void test_edns_opt_rdata_past_message_gets_formerr_with_opt(void **state)
{
    qt_pkt_t q;
    qt_header(&q, 1, 0, 0, 1);
    qt_question(&q, QT_NAME(geo_name), DNS_TYPE_A);
    qt_opt_begin(&q, 0, 0);
    qt_opt_end(&q);
    q.b[q.rdlen_at + 1] = 4; /* four octets of options that are not there */
    expect_formerr_with_opt(*state, &q, false);
}

static void test_edns_option_past_opt_rdata_gets_formerr_with_opt(void **state)
{
    static const uint8_t opt[] = {0xfd, 0xe9, 0, 9, 'a', 'b', 'c', 'd'}; /* claims 9, has 4 */
    qt_pkt_t q;
    qt_header(&q, 1, 0, 0, 1);
    qt_question(&q, QT_NAME(geo_name), DNS_TYPE_A);
    qt_opt_begin(&q, 0, 0);
    qt_put(&q, opt, sizeof(opt));
    qt_opt_end(&q);
    expect_formerr_with_opt(*state, &q, false);
}

/* Octets after a good OPT are not the OPT's fault: a plain FORMERR, as before. */
static void test_edns_octets_after_opt_get_formerr_without_opt(void **state)
{
    qt_pkt_t q;
    qt_header(&q, 1, 0, 0, 1);
    qt_question(&q, QT_NAME(geo_name), DNS_TYPE_A);
    qt_opt_begin(&q, 0, 0);
    qt_opt_end(&q);
    static const uint8_t junk[2] = {0xde, 0xad};
    qt_put(&q, junk, sizeof(junk));
    for (size_t i = 0; i < 2; i++) {
        uint8_t a[1024];
        size_t n = qt_exchange(*state, AF_INET, transports[i], &q, a, sizeof(a));
        qt_resp_t r;
        qt_resp_read(a, n, &r);
        assert_int_equal(r.rcode, DNS_RCODE_FORMERR);
        assert_int_equal(r.counts[0], 1);
        assert_false(r.has_opt);
        assert_int_equal(r.counts[3], 0);
    }
}

/* RFC 6891 6.1.3, unchanged: BADVERS in the OPT, with our version 0. */
static void test_edns_version_1_gets_badvers_with_opt(void **state)
{
    qt_pkt_t q;
    qt_header(&q, 1, 0, 0, 1);
    qt_question(&q, QT_NAME(geo_name), DNS_TYPE_A);
    qt_opt_begin(&q, 1, 0);
    qt_opt_end(&q);
    for (size_t i = 0; i < 2; i++) {
        uint8_t a[1024];
        size_t n = qt_exchange(*state, AF_INET, transports[i], &q, a, sizeof(a));
        qt_resp_t r;
        qt_resp_read(a, n, &r);
        assert_int_equal(r.rcode, DNS_RCODE_BADVERS);
        assert_int_equal(r.counts[0], 1);
        assert_int_equal(r.counts[1], 0);
        assert_true(r.has_opt);
        assert_int_equal(r.opt_version, 0);
    }
}

/* QDCOUNT 0: send q over UDP and TCP and check the answer is the header with QDCOUNT 0,
 * rcode (12 bits) and, with has_opt, an OPT record with no options and nothing else. */
static void expect_no_question_answer(const qt_fixture_t *f, const qt_pkt_t *q, uint16_t rcode,
                                      bool has_opt)
{
    for (size_t i = 0; i < 2; i++) {
        uint8_t a[1024];
        size_t n = qt_exchange(f, AF_INET, transports[i], q, a, sizeof(a));
        qt_resp_t r;
        qt_resp_read(a, n, &r);
        assert_int_equal(r.id, 0x5a5a);
        assert_int_equal(r.flags & DNS_FLAG_QR, DNS_FLAG_QR);
        assert_int_equal(r.rcode, rcode);
        assert_int_equal(r.counts[0], 0);
        assert_int_equal(r.counts[1], 0);
        assert_int_equal(r.counts[2], 0);
        assert_int_equal(r.counts[3], has_opt ? 1 : 0);
        assert_int_equal(r.has_opt, has_opt);
        if (has_opt) {
            assert_true(r.is_opt_root);
            assert_int_equal(r.opt_udp_size, CONF_DEFAULT_EDNS_PAYLOAD);
            assert_int_equal(r.opt_version, 0);
            assert_int_equal(r.opt_rdlen, 0);
        }
    }
}

static void test_edns_no_question_with_opt_gets_formerr_with_opt(void **state)
{
    qt_pkt_t q;
    qt_header(&q, 0, 0, 0, 1);
    qt_opt_begin(&q, 0, 0);
    qt_opt_end(&q);
    expect_no_question_answer(*state, &q, DNS_RCODE_FORMERR, true);
}

/* The INFO-CODE of the response's EDE option (RFC 8914), or -1 without one. */
static int ede_of(const qt_resp_t *r)
{
    for (size_t off = 0; r->has_opt && off + 4 <= r->opt_rdlen;) {
        uint16_t code = qt_rd16(r->opt_rdata + off);
        uint16_t n = qt_rd16(r->opt_rdata + off + 2);
        if (code == DNS_OPT_EDE && n >= 2) {
            return qt_rd16(r->opt_rdata + off + 4);
        }
        off += 4u + n;
    }
    return -1;
}

/* REFUSED says why (RFC 8914), over UDP and TCP, with EDNS only: a name in
 * none of our zones (20, Not Authoritative), a zone transfer (18,
 * Prohibited); another class gets none (as Knot, whose responses the
 * differential test compares byte counts with), nor does an answer. */
static void test_edns_refused_carries_extended_error(void **state)
{
    static const uint8_t other[] = "\007example\003org";
    static const struct {
        const uint8_t *name;
        size_t len;
        uint16_t qtype;
        bool is_ch;
        uint8_t rcode;
        int ede;
    } cases[] = {
        {other, sizeof(other), DNS_TYPE_A, false, DNS_RCODE_REFUSED, DNS_EDE_NOT_AUTHORITATIVE},
        {geo_name, sizeof(geo_name), DNS_TYPE_AXFR, false, DNS_RCODE_REFUSED, DNS_EDE_PROHIBITED},
        {geo_name, sizeof(geo_name), DNS_TYPE_A, true, DNS_RCODE_REFUSED, -1},
        {geo_name, sizeof(geo_name), DNS_TYPE_A, false, DNS_RCODE_NOERROR, -1},
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        for (int edns = 0; edns < 2; edns++) {
            qt_pkt_t q;
            qt_header(&q, 1, 0, 0, (uint16_t)edns);
            qt_put(&q, cases[c].name, cases[c].len);
            qt_put16(&q, cases[c].qtype);
            qt_put16(&q, cases[c].is_ch ? DNS_CLASS_CH : DNS_CLASS_IN);
            if (edns) {
                qt_opt_begin(&q, 0, 0);
                qt_opt_end(&q);
            }
            for (size_t i = 0; i < 2; i++) {
                uint8_t a[1024];
                size_t n = qt_exchange(*state, AF_INET, transports[i], &q, a, sizeof(a));
                qt_resp_t r;
                qt_resp_read(a, n, &r);
                assert_int_equal(r.rcode, cases[c].rcode);
                assert_int_equal(r.has_opt, edns != 0);
                assert_int_equal(ede_of(&r), edns ? cases[c].ede : -1);
            }
        }
    }
}

/* RFC 7873 5.4 answers this with our cookie; these workers have no cookie secrets (the
 * daemon's always do: see test_query_limits), so there is nothing to answer with. */
static void test_edns_cookie_only_query_gets_formerr_with_opt(void **state)
{
    static const uint8_t cookie[] = {0, DNS_OPT_COOKIE, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8};
    qt_pkt_t q;
    qt_header(&q, 0, 0, 0, 1);
    qt_opt_begin(&q, 0, 0);
    qt_put(&q, cookie, sizeof(cookie));
    qt_opt_end(&q);
    expect_no_question_answer(*state, &q, DNS_RCODE_FORMERR, true);
}

static void test_edns_no_question_with_opt_version_1_gets_badvers(void **state)
{
    qt_pkt_t q;
    qt_header(&q, 0, 0, 0, 1);
    qt_opt_begin(&q, 1, 0);
    qt_opt_end(&q);
    expect_no_question_answer(*state, &q, DNS_RCODE_BADVERS, true);
}

static void test_edns_no_question_without_opt_gets_formerr_without_opt(void **state)
{
    qt_pkt_t q;
    qt_header(&q, 0, 0, 0, 0);
    expect_no_question_answer(*state, &q, DNS_RCODE_FORMERR, false);
}

/* Straight through query_answer, for its counters: a query without a question is
 * counted by RCODE but under no QTYPE. */
static void test_edns_no_question_badvers_counted_under_no_qtype(void **state)
{
    qt_fixture_t *f = *state;
    qt_pkt_t q;
    qt_header(&q, 0, 0, 0, 1);
    qt_opt_begin(&q, 1, 0);
    qt_opt_end(&q);
    struct sockaddr_in peer = {.sin_family = AF_INET, .sin_port = htons(5353)};
    peer.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    server_request_t req = {.msg = q.b,
                            .len = q.len,
                            .peer = (const struct sockaddr *)&peer,
                            .peer_len = sizeof(peer),
                            .transport = SERVER_UDP};
    query_worker_t w;
    query_worker_init(&w, 1);
    uint8_t a[512];
    size_t n = query_answer(&w, f->snap, &req, a, sizeof(a));
    qt_resp_t r;
    qt_resp_read(a, n, &r);
    assert_int_equal(r.rcode, DNS_RCODE_BADVERS);
    assert_int_equal(w.stats.rcodes[DNS_RCODE_BADVERS], 1);
    uint64_t by_qtype = 0;
    for (size_t i = 0; i < QUERY_QT_COUNT; i++) {
        by_qtype += w.stats.qtypes[0][i] + w.stats.qtypes[1][i];
    }
    assert_int_equal(by_qtype, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edns_ecs_unknown_family_gets_formerr_with_opt),
        cmocka_unit_test(test_edns_ecs_bits_past_source_prefix_gets_formerr_with_opt),
        cmocka_unit_test(test_edns_ecs_too_many_address_octets_gets_formerr_with_opt),
        cmocka_unit_test(test_edns_ecs_too_few_address_octets_gets_formerr_with_opt),
        cmocka_unit_test(test_edns_ecs_ipv4_source_33_gets_formerr_with_opt),
        cmocka_unit_test(test_edns_ecs_ipv6_source_129_gets_formerr_with_opt),
        cmocka_unit_test(test_edns_ecs_scope_in_query_gets_formerr_with_opt),
        cmocka_unit_test(test_edns_bad_ecs_with_do_gets_formerr_with_do),
        cmocka_unit_test(test_edns_two_opt_records_get_formerr_with_opt),
        cmocka_unit_test(test_edns_opt_owner_not_root_gets_formerr_with_opt),
        cmocka_unit_test(test_edns_opt_in_answer_section_gets_formerr_with_opt),
        cmocka_unit_test(test_edns_opt_rdata_past_message_gets_formerr_with_opt),
        cmocka_unit_test(test_edns_option_past_opt_rdata_gets_formerr_with_opt),
        cmocka_unit_test(test_edns_octets_after_opt_get_formerr_without_opt),
        cmocka_unit_test(test_edns_version_1_gets_badvers_with_opt),
        cmocka_unit_test(test_edns_no_question_with_opt_gets_formerr_with_opt),
        cmocka_unit_test(test_edns_cookie_only_query_gets_formerr_with_opt),
        cmocka_unit_test(test_edns_no_question_with_opt_version_1_gets_badvers),
        cmocka_unit_test(test_edns_no_question_without_opt_gets_formerr_without_opt),
        cmocka_unit_test(test_edns_no_question_badvers_counted_under_no_qtype),
        cmocka_unit_test(test_edns_refused_carries_extended_error),
    };
    return cmocka_run_group_tests(tests, qt_setup, qt_teardown);
}
