/* Unit tests for query_answer: crafted packets against a snapshot loaded from a small config. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../test_files.h"

#include <ldns/ldns.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gslb/query.h"

/* Parent zone: a delegation with glue, a nested child zone with DS, CNAMEs into both, DNAMEs
 * whose targets are as long as and longer than their owners, and a CNAME service. */
static const char parent_zone[] =
    "$ORIGIN p.test.\n"
    "$TTL 3600\n"
    "@ SOA ns1 hostmaster 1 3600 900 86400 300\n"
    "@ NS ns1\n"
    "ns1 A 192.0.2.1\n"
    "ns1 AAAA 2001:db8::1\n"
    "www A 192.0.2.10\n"
    "www AAAA 2001:db8::10\n"
    "cn CNAME www\n"
    "sub NS ns1.sub\n"
    "ns1.sub A 192.0.2.53\n"
    "tosub CNAME www.sub\n"
    "c NS ns1.c\n"
    "c DS 1 13 2 E2D3C916F6DEEAC73294E8268FB5885044A833FC5459588F4A9184CFC41A5766\n"
    "ns1.c A 192.0.2.60\n"
    "toc CNAME c\n"
    "dm DNAME tg\n"
    "www.tg A 192.0.2.81\n"
    "todm CNAME www.dm\n"
    "dn DNAME target\n"
    "www.target A 192.0.2.80\n";

static const char child_zone[] =
    "$ORIGIN c.p.test.\n"
    "$TTL 300\n"
    "@ SOA ns1 hostmaster 1 3600 900 86400 300\n"
    "@ NS ns1\n"
    "ns1 A 192.0.2.60\n";

static const char config[] =
    "server:\n"
    "  listen: [\"127.0.0.1:5353\"]\n"
    "zones:\n"
    "  - file: p.zone\n"
    "    origin: p.test.\n"
    "  - file: c.zone\n"
    "    origin: c.p.test.\n"
    "datacenters:\n"
    "  dc-a:\n"
    "    addresses: [192.0.2.100]\n"
    "  dc-c:\n"
    "    cname: www.p.test.\n"
    "services:\n"
    "  svc.p.test.:\n"
    "    policy: failover\n"
    "    datacenters: [dc-a]\n"
    "  alias.p.test.:\n"
    "    policy: failover\n"
    "    datacenters: [dc-c]\n";

typedef struct fixture {
    char dir[64];
    snapshot_t *snap;
    query_worker_t worker;
    uint8_t resp[SERVER_MAX_MSG];
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "/tmp/test_query_answer.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    test_file_write(f->dir, "p.zone", parent_zone);
    test_file_write(f->dir, "c.zone", child_zone);
    test_file_write(f->dir, "gslbd.yaml", config);
    char path[128];
    snprintf(path, sizeof(path), "%s/gslbd.yaml", f->dir);
    gslb_diag_t *diag = gslb_diag_new(true);
    int rc = snapshot_load(&f->snap, path, NULL, NULL, diag);
    gslb_diag_free(diag);
    assert_int_equal(rc, 0);
    query_worker_init(&f->worker, 1);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    snapshot_free(f->snap);
    test_file_remove(f->dir, "p.zone");
    test_file_remove(f->dir, "c.zone");
    test_file_remove(f->dir, "gslbd.yaml");
    rmdir(f->dir);
    free(f);
    return 0;
}

/* A query packet: header, question (name in presentation form), optional OPT. */
static size_t build_query(uint8_t *buf, const char *name, uint16_t qtype, bool has_edns)
{
    static const uint8_t hdr[12] = {0xab, 0xcd, 0x00, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
    memcpy(buf, hdr, sizeof(hdr));
    size_t o = 12;
    const char *p = name;
    while (*p != '\0') {
        const char *dot = strchr(p, '.');
        assert_non_null(dot);
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
        static const uint8_t opt[11] = {0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0};
        memcpy(buf + o, opt, sizeof(opt));
        o += sizeof(opt);
        buf[11] = 1;
    }
    return o;
}

static size_t answer(fixture_t *f, const uint8_t *pkt, size_t len)
{
    struct sockaddr_in peer = {.sin_family = AF_INET, .sin_port = htons(5353)};
    peer.sin_addr.s_addr = htonl(0x7f000001);
    server_request_t req = {
        .msg = pkt,
        .len = len,
        .peer = (const struct sockaddr *)&peer,
        .peer_len = sizeof(peer),
        .transport = SERVER_TCP,
    };
    return query_answer(&f->worker, f->snap, &req, f->resp, sizeof(f->resp));
}

/* Answer name/qtype and parse the response with ldns. */
static ldns_pkt *ask(fixture_t *f, const char *name, uint16_t qtype)
{
    uint8_t q[512];
    size_t qlen = build_query(q, name, qtype, true);
    size_t n = answer(f, q, qlen);
    assert_true(n >= 12);
    ldns_pkt *p = NULL;
    assert_int_equal(ldns_wire2pkt(&p, f->resp, n), LDNS_STATUS_OK);
    return p;
}

/* Records of type in a section's list (LDNS_RR_TYPE_ANY counts every record). */
static size_t count(const ldns_rr_list *l, ldns_rr_type type)
{
    size_t n = 0;
    for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++) {
        ldns_rr_type t = ldns_rr_get_type(ldns_rr_list_rr(l, i));
        n += (type == LDNS_RR_TYPE_ANY && t != LDNS_RR_TYPE_OPT) || t == type;
    }
    return n;
}

static bool has_owner(const ldns_rr_list *l, ldns_rr_type type, const char *owner)
{
    ldns_rdf *want = ldns_dname_new_frm_str(owner);
    bool found = false;
    for (size_t i = 0; i < ldns_rr_list_rr_count(l) && !found; i++) {
        const ldns_rr *rr = ldns_rr_list_rr(l, i);
        found = ldns_rr_get_type(rr) == type && ldns_dname_compare(ldns_rr_owner(rr), want) == 0;
    }
    ldns_rdf_deep_free(want);
    return found;
}

/* Malformed input at the answer level: what goes back, if anything. */

static void test_answer_shorter_than_header_is_dropped(void **state)
{
    fixture_t *f = *state;
    static const uint8_t pkt[5] = {0x12, 0x34, 0, 0, 0};
    assert_int_equal(answer(f, pkt, sizeof(pkt)), 0);
}

static void test_answer_response_bit_is_dropped(void **state)
{
    fixture_t *f = *state;
    uint8_t q[512];
    size_t len = build_query(q, "www.p.test.", LDNS_RR_TYPE_A, false);
    q[2] |= 0x80;
    assert_int_equal(answer(f, q, len), 0);
}

static void test_answer_unparsable_question_gets_header_only_formerr(void **state)
{
    fixture_t *f = *state;
    uint8_t q[512];
    size_t len = build_query(q, "www.p.test.", LDNS_RR_TYPE_A, false);
    q[12] = 0xc0; /* the QNAME becomes a pointer to itself */
    q[13] = 12;
    size_t n = answer(f, q, len);
    assert_int_equal(n, 12);
    assert_int_equal(f->resp[0], 0xab);
    assert_int_equal(f->resp[1], 0xcd);
    assert_int_equal(f->resp[2] & 0x80, 0x80);
    assert_int_equal(f->resp[3] & 0x0f, LDNS_RCODE_FORMERR);
    assert_int_equal(f->resp[5], 0); /* QDCOUNT 0: no question to echo */
}

static void test_answer_label_over_63_gets_formerr(void **state)
{
    fixture_t *f = *state;
    uint8_t q[512];
    memset(q, 0, sizeof(q));
    q[5] = 1;
    q[12] = 64;
    memset(q + 13, 'a', 64);
    size_t len = 12 + 1 + 64 + 1 + 4;
    assert_int_equal(answer(f, q, len), 12);
    assert_int_equal(f->resp[3] & 0x0f, LDNS_RCODE_FORMERR);
}

static void test_answer_trailing_garbage_gets_formerr_with_question(void **state)
{
    fixture_t *f = *state;
    uint8_t q[512];
    size_t len = build_query(q, "www.p.test.", LDNS_RR_TYPE_A, false);
    q[len++] = 0xde;
    q[len++] = 0xad;
    size_t n = answer(f, q, len);
    assert_int_equal(n, len - 2);
    assert_memory_equal(f->resp + 12, q + 12, len - 2 - 12); /* question echoed */
    assert_int_equal(f->resp[3] & 0x0f, LDNS_RCODE_FORMERR);
    assert_int_equal(f->resp[7] | f->resp[9] | f->resp[11], 0);
}

static void test_answer_edns_version_1_gets_badvers_in_opt(void **state)
{
    fixture_t *f = *state;
    uint8_t q[512];
    size_t len = build_query(q, "www.p.test.", LDNS_RR_TYPE_A, true);
    q[len - 5] = 1; /* OPT TTL: extended rcode 0, version 1 */
    size_t n = answer(f, q, len);
    ldns_pkt *p = NULL;
    assert_int_equal(ldns_wire2pkt(&p, f->resp, n), LDNS_STATUS_OK);
    assert_int_equal(ldns_pkt_get_rcode(p), 0); /* BADVERS = 16: low bits 0 ... */
    assert_int_equal(ldns_pkt_edns_extended_rcode(p), 1); /* ... high bits in the OPT */
    assert_int_equal(ldns_pkt_ancount(p), 0);
    ldns_pkt_free(p);
}

static void test_answer_opcode_notify_gets_notimp(void **state)
{
    fixture_t *f = *state;
    uint8_t q[512];
    size_t len = build_query(q, "p.test.", LDNS_RR_TYPE_SOA, false);
    q[2] = 4 << 3;
    answer(f, q, len);
    assert_int_equal(f->resp[3] & 0x0f, LDNS_RCODE_NOTIMPL);
}

/* Answers (each a fixed bug). */

static void test_answer_qtype_cname_has_no_additional_addresses(void **state)
{
    fixture_t *f = *state;
    ldns_pkt *p = ask(f, "cn.p.test.", LDNS_RR_TYPE_CNAME);
    assert_int_equal(count(ldns_pkt_answer(p), LDNS_RR_TYPE_CNAME), 1);
    assert_int_equal(count(ldns_pkt_additional(p), LDNS_RR_TYPE_ANY), 0);
    ldns_pkt_free(p);
}

static void test_answer_cname_into_delegation_adds_referral_and_keeps_aa(void **state)
{
    fixture_t *f = *state;
    ldns_pkt *p = ask(f, "tosub.p.test.", LDNS_RR_TYPE_A);
    assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
    assert_true(ldns_pkt_aa(p));
    assert_int_equal(count(ldns_pkt_answer(p), LDNS_RR_TYPE_ANY), 1);
    assert_true(has_owner(ldns_pkt_authority(p), LDNS_RR_TYPE_NS, "sub.p.test."));
    assert_true(has_owner(ldns_pkt_additional(p), LDNS_RR_TYPE_A, "ns1.sub.p.test."));
    ldns_pkt_free(p);
}

static void test_answer_cname_to_child_apex_ds_answered_by_parent(void **state)
{
    fixture_t *f = *state;
    ldns_pkt *p = ask(f, "toc.p.test.", LDNS_RR_TYPE_DS);
    assert_true(ldns_pkt_aa(p));
    assert_int_equal(count(ldns_pkt_answer(p), LDNS_RR_TYPE_CNAME), 1);
    assert_true(has_owner(ldns_pkt_answer(p), LDNS_RR_TYPE_DS, "c.p.test."));
    assert_int_equal(count(ldns_pkt_authority(p), LDNS_RR_TYPE_SOA), 0);
    ldns_pkt_free(p);
}

static void test_answer_dname_qtype_cname_stops_at_synthesized_cname(void **state)
{
    fixture_t *f = *state;
    ldns_pkt *p = ask(f, "www.dn.p.test.", LDNS_RR_TYPE_CNAME);
    assert_int_equal(count(ldns_pkt_answer(p), LDNS_RR_TYPE_DNAME), 1);
    assert_int_equal(count(ldns_pkt_answer(p), LDNS_RR_TYPE_CNAME), 1);
    assert_int_equal(count(ldns_pkt_authority(p), LDNS_RR_TYPE_ANY), 0);
    ldns_pkt_free(p);
}

static void test_answer_dname_target_as_long_as_owner_is_followed(void **state)
{
    fixture_t *f = *state;
    ldns_pkt *p = ask(f, "todm.p.test.", LDNS_RR_TYPE_A);
    assert_int_equal(count(ldns_pkt_answer(p), LDNS_RR_TYPE_CNAME), 2);
    assert_true(has_owner(ldns_pkt_answer(p), LDNS_RR_TYPE_A, "www.tg.p.test."));
    ldns_pkt_free(p);
}

static void test_answer_dname_result_too_long_gets_yxdomain_with_soa(void **state)
{
    fixture_t *f = *state;
    /* 3 x 64 + 51 + 11 ("dn.p.test.") = 254 wire octets; "target" makes it 258. */
    char name[300];
    size_t o = 0;
    for (size_t i = 0; i < 3; i++) {
        memset(name + o, 'a', 63);
        o += 63;
        name[o++] = '.';
    }
    memset(name + o, 'b', 50);
    o += 50;
    strcpy(name + o, ".dn.p.test.");
    ldns_pkt *p = ask(f, name, LDNS_RR_TYPE_A);
    assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_YXDOMAIN);
    assert_int_equal(count(ldns_pkt_answer(p), LDNS_RR_TYPE_DNAME), 1);
    assert_int_equal(count(ldns_pkt_authority(p), LDNS_RR_TYPE_SOA), 1);
    ldns_pkt_free(p);
}

static void test_answer_any_adds_additional_for_ns(void **state)
{
    fixture_t *f = *state;
    ldns_pkt *p = ask(f, "p.test.", LDNS_RR_TYPE_ANY);
    assert_int_equal(count(ldns_pkt_answer(p), LDNS_RR_TYPE_NS), 1);
    assert_true(has_owner(ldns_pkt_additional(p), LDNS_RR_TYPE_A, "ns1.p.test."));
    assert_true(has_owner(ldns_pkt_additional(p), LDNS_RR_TYPE_AAAA, "ns1.p.test."));
    ldns_pkt_free(p);
}

static void test_answer_cname_service_answers_other_types_with_cname(void **state)
{
    fixture_t *f = *state;
    ldns_pkt *p = ask(f, "alias.p.test.", LDNS_RR_TYPE_MX);
    assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
    assert_true(has_owner(ldns_pkt_answer(p), LDNS_RR_TYPE_CNAME, "alias.p.test."));
    assert_true(has_owner(ldns_pkt_authority(p), LDNS_RR_TYPE_SOA, "p.test."));
    ldns_pkt_free(p);
}

static void test_answer_cname_service_any_is_the_cname_alone(void **state)
{
    fixture_t *f = *state;
    ldns_pkt *p = ask(f, "alias.p.test.", LDNS_RR_TYPE_ANY);
    assert_int_equal(count(ldns_pkt_answer(p), LDNS_RR_TYPE_ANY), 1);
    assert_int_equal(count(ldns_pkt_answer(p), LDNS_RR_TYPE_CNAME), 1);
    ldns_pkt_free(p);
}

static void test_answer_address_service_other_type_is_nodata(void **state)
{
    fixture_t *f = *state;
    ldns_pkt *p = ask(f, "svc.p.test.", LDNS_RR_TYPE_MX);
    assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
    assert_true(ldns_pkt_aa(p));
    assert_int_equal(count(ldns_pkt_answer(p), LDNS_RR_TYPE_ANY), 0);
    assert_true(has_owner(ldns_pkt_authority(p), LDNS_RR_TYPE_SOA, "p.test."));
    ldns_pkt_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_answer_shorter_than_header_is_dropped),
        cmocka_unit_test(test_answer_response_bit_is_dropped),
        cmocka_unit_test(test_answer_unparsable_question_gets_header_only_formerr),
        cmocka_unit_test(test_answer_label_over_63_gets_formerr),
        cmocka_unit_test(test_answer_trailing_garbage_gets_formerr_with_question),
        cmocka_unit_test(test_answer_edns_version_1_gets_badvers_in_opt),
        cmocka_unit_test(test_answer_opcode_notify_gets_notimp),
        cmocka_unit_test(test_answer_qtype_cname_has_no_additional_addresses),
        cmocka_unit_test(test_answer_cname_into_delegation_adds_referral_and_keeps_aa),
        cmocka_unit_test(test_answer_cname_to_child_apex_ds_answered_by_parent),
        cmocka_unit_test(test_answer_dname_qtype_cname_stops_at_synthesized_cname),
        cmocka_unit_test(test_answer_dname_target_as_long_as_owner_is_followed),
        cmocka_unit_test(test_answer_dname_result_too_long_gets_yxdomain_with_soa),
        cmocka_unit_test(test_answer_any_adds_additional_for_ns),
        cmocka_unit_test(test_answer_cname_service_answers_other_types_with_cname),
        cmocka_unit_test(test_answer_cname_service_any_is_the_cname_alone),
        cmocka_unit_test(test_answer_address_service_other_type_is_nodata),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
