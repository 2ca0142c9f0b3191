/* Unit tests for dns_query_parse: the EDNS(0) OPT record and its options (ECS, NSID, keepalive). */
#include "dns_test.h"

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

static void test_parse_opt_rdlength_past_end_formerr_opt(void **state)
{
    (void)state;
    pkt_t p;
    dns_query_t q;
    simple_query(&p, 0, 0, 1);
    opt_begin(&p, 1232, 0, 0);
    opt_end(&p);
    p.b[p.opt_rdlen_at + 1] = 1; /* one octet of RDATA that is not there */

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR_OPT);
}

static void test_parse_opt_cut_short_formerr_opt(void **state)
{
    (void)state;
    pkt_t p;
    dns_query_t q;
    simple_query(&p, 0, 0, 1);
    opt_begin(&p, 1232, 0, 0);
    opt_end(&p);
    p.len -= 1; /* half of RDLENGTH */

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR_OPT);
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

static void test_parse_two_opt_formerr_opt(void **state)
{
    (void)state;
    pkt_t p;
    dns_query_t q;
    simple_query(&p, 0, 0, 2);
    opt_begin(&p, 1232, 0, 0);
    opt_end(&p);
    opt_begin(&p, 1232, 0, 0);
    opt_end(&p);

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR_OPT);
}

static void test_parse_opt_in_answer_section_formerr_opt(void **state)
{
    (void)state;
    pkt_t p;
    dns_query_t q;
    simple_query(&p, 1, 0, 0);
    opt_begin(&p, 1232, 0, 0);
    opt_end(&p);

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR_OPT);
}

static void test_parse_opt_in_authority_section_formerr_opt(void **state)
{
    (void)state;
    pkt_t p;
    dns_query_t q;
    simple_query(&p, 0, 1, 0);
    opt_begin(&p, 1232, 0, 0);
    opt_end(&p);

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR_OPT);
}

static void test_parse_opt_non_root_owner_formerr_opt(void **state)
{
    (void)state;
    pkt_t p;
    dns_query_t q;
    simple_query(&p, 0, 0, 1);
    put_data(&p, (const uint8_t *)"\001a", 2);
    opt_begin(&p, 1232, 0, 0); /* its root octet ends the owner "a." */
    opt_end(&p);

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR_OPT);
}

static void test_parse_option_length_past_rdata_formerr_opt(void **state)
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

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR_OPT);
}

static void test_parse_option_header_cut_short_formerr_opt(void **state)
{
    (void)state;
    pkt_t p;
    dns_query_t q;
    simple_query(&p, 0, 0, 1);
    opt_begin(&p, 1232, 0, 0);
    put16(&p, 65001); /* an option code with no length field */
    opt_end(&p);

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR_OPT);
}

static void test_parse_ecs_family_3_formerr_opt(void **state)
{
    (void)state;
    static const uint8_t addr[] = {1, 2};
    pkt_t p;
    dns_query_t q;
    ecs_query(&p, 3, 16, 0, addr, sizeof(addr));

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR_OPT);
    assert_false(q.has_ecs);
}

static void test_parse_ecs_ipv4_source_33_formerr_opt(void **state)
{
    (void)state;
    static const uint8_t addr[] = {1, 2, 3, 4, 0};
    pkt_t p;
    dns_query_t q;
    ecs_query(&p, DNS_ECS_FAMILY_IPV4, 33, 0, addr, sizeof(addr));

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR_OPT);
    assert_false(q.has_ecs);
}

static void test_parse_ecs_ipv6_source_129_formerr_opt(void **state)
{
    (void)state;
    static const uint8_t addr[16] = {0x20, 0x01};
    pkt_t p;
    dns_query_t q;
    ecs_query(&p, DNS_ECS_FAMILY_IPV6, 129, 0, addr, sizeof(addr));

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR_OPT);
}

static void test_parse_ecs_address_longer_than_prefix_formerr_opt(void **state)
{
    (void)state;
    static const uint8_t addr[] = {198, 51, 100, 0};
    pkt_t p;
    dns_query_t q;
    ecs_query(&p, DNS_ECS_FAMILY_IPV4, 24, 0, addr, sizeof(addr));

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR_OPT);
    assert_false(q.has_ecs);
}

static void test_parse_ecs_address_shorter_than_prefix_formerr_opt(void **state)
{
    (void)state;
    static const uint8_t addr[] = {198, 51};
    pkt_t p;
    dns_query_t q;
    ecs_query(&p, DNS_ECS_FAMILY_IPV4, 24, 0, addr, sizeof(addr));

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR_OPT);
}

static void test_parse_ecs_bits_past_prefix_formerr_opt(void **state)
{
    (void)state;
    static const uint8_t addr[] = {10, 1, 0xFF}; /* /23: the last bit must be 0 */
    pkt_t p;
    dns_query_t q;
    ecs_query(&p, DNS_ECS_FAMILY_IPV4, 23, 0, addr, sizeof(addr));

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR_OPT);
    assert_false(q.has_ecs);
}

static void test_parse_ecs_nonzero_scope_formerr_opt(void **state)
{
    (void)state;
    static const uint8_t addr[] = {198, 51, 100};
    pkt_t p;
    dns_query_t q;
    ecs_query(&p, DNS_ECS_FAMILY_IPV4, 24, 24, addr, sizeof(addr));

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR_OPT);
    assert_false(q.has_ecs);
}

static void test_parse_ecs_option_shorter_than_4_formerr_opt(void **state)
{
    (void)state;
    static const uint8_t opt[] = {0, 1, 0};
    pkt_t p;
    dns_query_t q;
    simple_query(&p, 0, 0, 1);
    opt_begin(&p, 1232, 0, 0);
    opt_option(&p, DNS_OPT_ECS, opt, sizeof(opt));
    opt_end(&p);

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR_OPT);
}

static void test_parse_two_ecs_options_formerr_opt(void **state)
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

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR_OPT);
}

/* The FORMERR for a bad OPT copies the DO bit (RFC 3225 3): the first OPT's. */
static void test_parse_two_opt_keeps_first_do_bit(void **state)
{
    (void)state;
    pkt_t p;
    dns_query_t q;
    simple_query(&p, 0, 0, 2);
    opt_begin(&p, 1400, 0, 0x8000);
    opt_end(&p);
    opt_begin(&p, 512, 0, 0);
    opt_end(&p);

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR_OPT);
    assert_true(q.has_edns);
    assert_true(q.is_do);
    assert_int_equal(q.edns_udp_size, 1400);
}

static void test_parse_bad_ecs_keeps_do_bit(void **state)
{
    (void)state;
    static const uint8_t addr[] = {1, 2};
    pkt_t p;
    dns_query_t q;
    ecs_query(&p, 3, 16, 0, addr, sizeof(addr));
    p.b[p.opt_rdlen_at - 2] = 0x80; /* DO, the first flag bit */

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR_OPT);
    assert_true(q.is_do);
    assert_false(q.has_ecs);
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

static void test_parse_tcp_keepalive_with_4_octets_formerr_opt(void **state)
{
    (void)state;
    static const uint8_t data[4] = {0, 1, 0, 1};
    pkt_t p;
    dns_query_t q;
    simple_query(&p, 0, 0, 1);
    opt_begin(&p, 1232, 0, 0);
    opt_option(&p, DNS_OPT_TCP_KEEPALIVE, data, sizeof(data));
    opt_end(&p);

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR_OPT);
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
        assert_int_equal(r, valid ? DNS_PARSE_OK : DNS_PARSE_FORMERR_OPT);
        if (valid) {
            assert_true(q.has_ecs);
            assert_int_equal(q.ecs_source_bits, v);
        }

        m = p;
        m.b[opt + 7] = (uint8_t)v; /* scope: 0 only */
        assert_int_equal(parse(&m, &q), v == 0 ? DNS_PARSE_OK : DNS_PARSE_FORMERR_OPT);

        m = p;
        m.b[opt + 10] = (uint8_t)v; /* last address octet: the bit past /23 clear */
        assert_int_equal(parse(&m, &q), (v & 1) == 0 ? DNS_PARSE_OK : DNS_PARSE_FORMERR_OPT);

        m = p;
        m.b[opt + 3] = (uint8_t)v; /* option length: only 7 fits the RDATA */
        assert_int_equal(parse(&m, &q), v == 7 ? DNS_PARSE_OK : DNS_PARSE_FORMERR_OPT);
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
            assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR_OPT);
        }
    }
}

/* QDCOUNT 0: the records are still read, for an OPT to answer with. */
static void test_parse_qdcount_zero_with_opt_formerr_opt(void **state)
{
    (void)state;
    pkt_t p;
    dns_query_t q;
    header(&p, 7, 0, 0, 0, 0, 1);
    opt_begin(&p, 1232, 0, 0x8000);
    opt_end(&p);

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR_OPT);
    assert_int_equal(q.id, 7);
    assert_false(q.has_question);
    assert_true(q.has_edns);
    assert_true(q.is_do);
}

/* A COOKIE-only query (RFC 7873 5.4) asks for a server cookie; the option is read. */
static void test_parse_qdcount_zero_cookie_only(void **state)
{
    (void)state;
    static const uint8_t client_cookie[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    pkt_t p;
    dns_query_t q;
    header(&p, 7, 0, 0, 0, 0, 1);
    opt_begin(&p, 1232, 0, 0);
    opt_option(&p, DNS_OPT_COOKIE, client_cookie, sizeof(client_cookie));
    opt_end(&p);

    assert_int_equal(parse(&p, &q), DNS_PARSE_COOKIE_ONLY);
    assert_true(q.has_cookie);
    assert_int_equal(q.cookie_len, 8);
    assert_memory_equal(q.cookie, client_cookie, 8);
}

/* COOKIE option lengths (RFC 7873 5.2.2): 8 and 16..40 are read, the others and a second
 * option are FORMERR with OPT. */
static void test_parse_cookie_lengths(void **state)
{
    (void)state;
    uint8_t data[41] = {0};
    for (size_t len = 0; len <= 41; len++) {
        pkt_t p;
        dns_query_t q;
        simple_query(&p, 0, 0, 1);
        opt_begin(&p, 1232, 0, 0);
        opt_option(&p, DNS_OPT_COOKIE, data, (uint16_t)len);
        opt_end(&p);
        bool is_good = len == 8 || (len >= 16 && len <= 40);
        assert_int_equal(parse(&p, &q), is_good ? DNS_PARSE_OK : DNS_PARSE_FORMERR_OPT);
        assert_int_equal(q.has_cookie, is_good);
    }
    pkt_t p;
    dns_query_t q;
    simple_query(&p, 0, 0, 1);
    opt_begin(&p, 1232, 0, 0);
    opt_option(&p, DNS_OPT_COOKIE, data, 8);
    opt_option(&p, DNS_OPT_COOKIE, data, 8);
    opt_end(&p);
    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR_OPT);
}

static void test_parse_qdcount_zero_with_opt_version_1_badvers(void **state)
{
    (void)state;
    pkt_t p;
    dns_query_t q;
    header(&p, 7, 0, 0, 0, 0, 1);
    opt_begin(&p, 1232, 1, 0);
    opt_end(&p);

    assert_int_equal(parse(&p, &q), DNS_PARSE_BADVERS);
    assert_false(q.has_question);
    assert_int_equal(q.edns_version, 1);
}

static void test_parse_qdcount_zero_with_bad_ecs_formerr_opt(void **state)
{
    (void)state;
    static const uint8_t ecs[] = {0, 7, 24, 0, 10, 1, 2}; /* family 7 */
    pkt_t p;
    dns_query_t q;
    header(&p, 7, 0, 0, 0, 0, 1);
    opt_begin(&p, 1232, 1, 0);
    opt_option(&p, DNS_OPT_ECS, ecs, sizeof(ecs));
    opt_end(&p);

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR_OPT);
    assert_false(q.has_ecs);
}

static void test_parse_qdcount_zero_with_other_record_formerr(void **state)
{
    (void)state;
    pkt_t p;
    dns_query_t q;
    header(&p, 7, 0, 0, 0, 0, 1);
    put8(&p, 0); /* root owner, TXT, IN, TTL 0, RDLENGTH 1, one empty string */
    put16(&p, DNS_TYPE_TXT);
    put16(&p, DNS_CLASS_IN);
    put32(&p, 0);
    put16(&p, 1);
    put8(&p, 0);

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
    assert_false(q.has_edns);
}

static void test_parse_qdcount_zero_opt_then_junk_formerr(void **state)
{
    (void)state;
    pkt_t p;
    dns_query_t q;
    header(&p, 7, 0, 0, 0, 0, 1);
    opt_begin(&p, 1232, 0, 0);
    opt_end(&p);
    put8(&p, 0);

    assert_int_equal(parse(&p, &q), DNS_PARSE_FORMERR);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_opt_fills_payload_do_and_version),
        cmocka_unit_test(test_parse_opt_without_do_bit_clears_is_do),
        cmocka_unit_test(test_parse_ecs_ipv4_24_pads_address),
        cmocka_unit_test(test_parse_ecs_ipv6_56_pads_address),
        cmocka_unit_test(test_parse_ecs_source_zero_has_ecs_and_zero_address),
        cmocka_unit_test(test_parse_ecs_ipv4_23_with_clear_tail_accepted),
        cmocka_unit_test(test_parse_octet_after_opt_formerr),
        cmocka_unit_test(test_parse_opt_rdlength_past_end_formerr_opt),
        cmocka_unit_test(test_parse_opt_cut_short_formerr_opt),
        cmocka_unit_test(test_parse_one_additional_record_not_opt_accepted),
        cmocka_unit_test(test_parse_two_opt_formerr_opt),
        cmocka_unit_test(test_parse_opt_in_answer_section_formerr_opt),
        cmocka_unit_test(test_parse_opt_in_authority_section_formerr_opt),
        cmocka_unit_test(test_parse_opt_non_root_owner_formerr_opt),
        cmocka_unit_test(test_parse_option_length_past_rdata_formerr_opt),
        cmocka_unit_test(test_parse_option_header_cut_short_formerr_opt),
        cmocka_unit_test(test_parse_ecs_family_3_formerr_opt),
        cmocka_unit_test(test_parse_ecs_ipv4_source_33_formerr_opt),
        cmocka_unit_test(test_parse_ecs_ipv6_source_129_formerr_opt),
        cmocka_unit_test(test_parse_ecs_address_longer_than_prefix_formerr_opt),
        cmocka_unit_test(test_parse_ecs_address_shorter_than_prefix_formerr_opt),
        cmocka_unit_test(test_parse_ecs_bits_past_prefix_formerr_opt),
        cmocka_unit_test(test_parse_ecs_nonzero_scope_formerr_opt),
        cmocka_unit_test(test_parse_ecs_option_shorter_than_4_formerr_opt),
        cmocka_unit_test(test_parse_two_ecs_options_formerr_opt),
        cmocka_unit_test(test_parse_two_opt_keeps_first_do_bit),
        cmocka_unit_test(test_parse_bad_ecs_keeps_do_bit),
        cmocka_unit_test(test_parse_edns_version_1_badvers),
        cmocka_unit_test(test_parse_qdcount_zero_with_opt_formerr_opt),
        cmocka_unit_test(test_parse_qdcount_zero_cookie_only),
        cmocka_unit_test(test_parse_cookie_lengths),
        cmocka_unit_test(test_parse_qdcount_zero_with_opt_version_1_badvers),
        cmocka_unit_test(test_parse_qdcount_zero_with_bad_ecs_formerr_opt),
        cmocka_unit_test(test_parse_qdcount_zero_with_other_record_formerr),
        cmocka_unit_test(test_parse_qdcount_zero_opt_then_junk_formerr),
        cmocka_unit_test(test_parse_unknown_options_ignored),
        cmocka_unit_test(test_parse_nsid_option_sets_has_nsid),
        cmocka_unit_test(test_parse_tcp_keepalive_option_sets_flag),
        cmocka_unit_test(test_parse_tcp_keepalive_with_4_octets_formerr_opt),
        cmocka_unit_test(test_parse_lone_ecs_option_each_octet_checked),
        cmocka_unit_test(test_parse_ecs_ipv4_every_source_prefix),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
