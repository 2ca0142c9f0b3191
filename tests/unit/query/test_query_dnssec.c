/* Unit tests for DNSSEC answers of query_answer: every RRset of every response to a DO query
 * in a signed zone is checked with ldns against the zone's DNSKEYs — static types, steered
 * variants (per data center, per family, failed over, failed closed), wildcards, denial. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../dnssec_test.h"
#include "../test_files.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gslb/query.h"

static const char zone_text[] =
    "$ORIGIN s.test.\n"
    "$TTL 3600\n"
    "@ SOA ns1 hostmaster 1 3600 900 86400 300\n"
    "@ NS ns1\n"
    "@ MX 10 mail\n"
    "@ TXT \"v=spf1 -all\"\n"
    "@ CAA 0 issue \"ca.example\"\n"
    "ns1 A 192.0.2.1\n"
    "ns1 AAAA 2001:db8::1\n"
    "mail A 192.0.2.25\n"
    "_sip._udp SRV 10 60 5060 sip\n"
    "sip A 192.0.2.60\n"
    "alias CNAME www\n"
    "*.wild A 192.0.2.99\n"
    "x.ent TXT \"deep\"\n"
    "ptr PTR mail\n"
    "www TXT \"steered\"\n"
    "child NS ns.child\n"
    "child DS 12345 13 2 E2D3C916F6DEEAC73294E8268FB5885044A833FC5459588F4A9184CFC41A5766\n"
    "ns.child A 192.0.2.53\n"
    "insecure NS ns.elsewhere.test.\n"
    "big TXT \"%1$s\" \"%1$s\" \"%1$s\" \"%1$s\"\n";

static const char config_fmt[] =
    "server:\n"
    "  listen: [\"127.0.0.1:5353\"]\n"
    "zones:\n"
    "  - file: s.zone\n"
    "    origin: s.test.\n"
    "    dnssec:\n"
    "      keys: [{file: Kcsk, role: csk}]\n"
    "datacenters:\n"
    "  dc-a:\n"
    "    addresses: [192.0.2.100, 192.0.2.101, 192.0.2.102, \"2001:db8:a::1\"]\n"
    "  dc-b:\n"
    "    addresses: [198.51.100.1, \"2001:db8:b::1\"]\n"
    "  dc-v4:\n"
    "    addresses: [203.0.113.1]\n"
    "services:\n"
    "  www.s.test.:\n"
    "    policy: failover\n"
    "    datacenters: [dc-a, dc-b]\n"
    "  many.s.test.:\n"
    "    policy: weighted\n"
    "    datacenters: [dc-a]\n"
    "    addresses: 2\n"
    "  closed.s.test.:\n"
    "    policy: failover\n"
    "    datacenters: [dc-v4]\n"
    "    fail: closed\n"
    "  v4only.s.test.:\n"
    "    policy: failover\n"
    "    datacenters: [dc-v4]\n"
    "rate_limit:\n"
    "  rate: 10000\n"
    "  nodata_rate: 10000\n"
    "  nxdomain_rate: 3\n"
    "  window_s: 1\n"
    "  slip: 2\n";

typedef struct fixture {
    char dir[64];
    snapshot_t *snap;
    query_worker_t worker;
    ldns_rr_list *keys;
    uint8_t resp[SERVER_MAX_MSG];
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "/tmp/test_query_dnssec.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    char text[sizeof(zone_text) + 512];
    char str[101];
    memset(str, 'x', 100);
    str[100] = '\0';
    snprintf(text, sizeof(text), zone_text, str);
    test_file_write(f->dir, "s.zone", text);
    test_file_write(f->dir, "gslbd.yaml", config_fmt);
    f->keys = ldns_rr_list_new();
    ldns_rr_list_push_rr(f->keys, test_key_make(f->dir, "Kcsk", "s.test.",
                                                LDNS_SIGN_ECDSAP256SHA256, 257));
    char path[128];
    snprintf(path, sizeof(path), "%s/gslbd.yaml", f->dir);
    gslb_diag_t *diag = gslb_diag_new(true);
    int rc = snapshot_load(&f->snap, path, NULL, NULL, diag);
    gslb_diag_free(diag);
    assert_int_equal(rc, 0);
    query_worker_init(&f->worker, 1);
    f->worker.sig_cache = dnssec_cache_new(64);
    f->worker.rrl = rrl_table_new(1024);
    assert_non_null(f->worker.rrl);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    snapshot_free(f->snap);
    dnssec_cache_free(f->worker.sig_cache);
    rrl_table_free(f->worker.rrl);
    ldns_rr_list_deep_free(f->keys);
    test_key_remove(f->dir, "Kcsk");
    test_file_remove(f->dir, "s.zone");
    test_file_remove(f->dir, "gslbd.yaml");
    rmdir(f->dir);
    free(f);
    return 0;
}

/* Ask name/qtype with EDNS (DO when is_do, payload udp) over UDP or TCP; parse with ldns. */
static ldns_pkt *ask_full(fixture_t *f, const char *name, ldns_rr_type qtype, bool is_do,
                          uint16_t udp, bool is_tcp)
{
    ldns_pkt *q = ldns_pkt_query_new(ldns_dname_new_frm_str(name), qtype, LDNS_RR_CLASS_IN, 0);
    ldns_pkt_set_edns_udp_size(q, udp);
    ldns_pkt_set_edns_do(q, is_do);
    ldns_pkt_set_cd(q, true);
    uint8_t *wire = NULL;
    size_t len = 0;
    assert_int_equal(ldns_pkt2wire(&wire, q, &len), LDNS_STATUS_OK);
    ldns_pkt_free(q);
    struct sockaddr_in peer = {.sin_family = AF_INET, .sin_port = htons(5353)};
    peer.sin_addr.s_addr = htonl(0x7f000001);
    server_request_t req = {.msg = wire, .len = len, .peer = (const struct sockaddr *)&peer,
                            .peer_len = sizeof(peer),
                            .transport = is_tcp ? SERVER_TCP : SERVER_UDP};
    size_t n = query_answer(&f->worker, f->snap, &req, f->resp, sizeof(f->resp));
    free(wire);
    assert_true(n >= 12);
    ldns_pkt *p = NULL;
    assert_int_equal(ldns_wire2pkt(&p, f->resp, n), LDNS_STATUS_OK);
    return p;
}

static ldns_pkt *ask(fixture_t *f, const char *name, ldns_rr_type qtype)
{
    return ask_full(f, name, qtype, true, 4096, true);
}

static size_t count(const ldns_rr_list *l, ldns_rr_type type)
{
    size_t n = 0;
    for (size_t i = 0; i < ldns_rr_list_rr_count(l); i++) {
        n += ldns_rr_get_type(ldns_rr_list_rr(l, i)) == type;
    }
    return n;
}

/* Every RRset of the answer and authority sections verifies; AD clear, CD kept. Returns
 * the RRsets verified. */
static size_t verify(fixture_t *f, ldns_pkt *p, bool is_referral)
{
    assert_false(ldns_pkt_ad(p));
    assert_true(ldns_pkt_cd(p));
    return test_verify_section(ldns_pkt_answer(p), f->keys, false) +
           test_verify_section(ldns_pkt_authority(p), f->keys, is_referral);
}

/* The NSEC of a negative answer: owner, and whether type is in its bitmap. */
static bool nsec_has(const ldns_pkt *p, const char *owner, ldns_rr_type type)
{
    ldns_rr_list *auth = ldns_pkt_authority(p);
    ldns_rdf *want = ldns_dname_new_frm_str(owner);
    bool has = false, found = false;
    for (size_t i = 0; i < ldns_rr_list_rr_count(auth); i++) {
        ldns_rr *rr = ldns_rr_list_rr(auth, i);
        if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_NSEC &&
            ldns_dname_compare(ldns_rr_owner(rr), want) == 0) {
            found = true;
            has = ldns_nsec_bitmap_covers_type(ldns_nsec_get_bitmap(rr), type);
        }
    }
    ldns_rdf_deep_free(want);
    assert_true(found);
    return has;
}

static void test_dnssec_static_types_signed(void **state)
{
    fixture_t *f = *state;
    static const struct {
        const char *name;
        ldns_rr_type type;
    } q[] = {
        {"s.test.", LDNS_RR_TYPE_SOA},    {"s.test.", LDNS_RR_TYPE_NS},
        {"s.test.", LDNS_RR_TYPE_MX},     {"s.test.", LDNS_RR_TYPE_TXT},
        {"s.test.", LDNS_RR_TYPE_CAA},    {"s.test.", LDNS_RR_TYPE_DNSKEY},
        {"s.test.", LDNS_RR_TYPE_CDS},    {"s.test.", LDNS_RR_TYPE_CDNSKEY},
        {"ns1.s.test.", LDNS_RR_TYPE_A},  {"ns1.s.test.", LDNS_RR_TYPE_AAAA},
        {"_sip._udp.s.test.", LDNS_RR_TYPE_SRV}, {"ptr.s.test.", LDNS_RR_TYPE_PTR},
        {"www.s.test.", LDNS_RR_TYPE_TXT}, {"child.s.test.", LDNS_RR_TYPE_DS},
        {"s.test.", LDNS_RR_TYPE_ANY},
    };
    for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
        ldns_pkt *p = ask(f, q[i].name, q[i].type);
        assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
        assert_true(ldns_rr_list_rr_count(ldns_pkt_answer(p)) >= 2);
        assert_int_equal(count(ldns_pkt_answer(p), LDNS_RR_TYPE_RRSIG), 1);
        assert_true(verify(f, p, false) >= 1);
        ldns_pkt_free(p);
    }
}

/* Additional data of an MX answer comes with its RRSIG (RFC 4035 3.1.1); glue of a
 * referral has none (it is not the zone's data). */
static void test_dnssec_additional_signed_glue_not(void **state)
{
    fixture_t *f = *state;
    ldns_pkt *p = ask(f, "s.test.", LDNS_RR_TYPE_MX);
    assert_int_equal(count(ldns_pkt_additional(p), LDNS_RR_TYPE_A), 1);
    assert_int_equal(count(ldns_pkt_additional(p), LDNS_RR_TYPE_RRSIG), 1);
    assert_int_equal(test_verify_section(ldns_pkt_additional(p), f->keys, false), 1);
    ldns_pkt_free(p);
    p = ask(f, "www.child.s.test.", LDNS_RR_TYPE_A);
    assert_int_equal(count(ldns_pkt_additional(p), LDNS_RR_TYPE_A), 1);
    assert_int_equal(count(ldns_pkt_additional(p), LDNS_RR_TYPE_RRSIG), 0);
    ldns_pkt_free(p);
}

/* A CNAME into a service: both the alias and the steered A are signed. */
static void test_dnssec_cname_chain_signed(void **state)
{
    fixture_t *f = *state;
    ldns_pkt *p = ask(f, "alias.s.test.", LDNS_RR_TYPE_A);
    assert_int_equal(count(ldns_pkt_answer(p), LDNS_RR_TYPE_RRSIG), 2);
    assert_int_equal(verify(f, p, false), 2);
    ldns_pkt_free(p);
}

/* Steered answers: each data center, each family, a subset of addresses, a failover —
 * every variant signed, and signed for what is sent (the cache keys on the records). */
static void test_dnssec_steered_variants_signed(void **state)
{
    fixture_t *f = *state;
    for (int round = 0; round < 20; round++) {
        ldns_pkt *p = ask(f, "many.s.test.", LDNS_RR_TYPE_A);
        assert_int_equal(count(ldns_pkt_answer(p), LDNS_RR_TYPE_A), 2);
        assert_int_equal(verify(f, p, false), 1);
        ldns_pkt_free(p);
    }
    ldns_rr_type types[] = {LDNS_RR_TYPE_A, LDNS_RR_TYPE_AAAA};
    char seen[64] = "";
    for (size_t t = 0; t < 2; t++) {
        ldns_pkt *p = ask(f, "www.s.test.", types[t]);
        assert_int_equal(count(ldns_pkt_answer(p), types[t]), 1);
        assert_int_equal(verify(f, p, false), 1);
        if (t == 0) {
            char *addr = ldns_rdf2str(ldns_rr_rdf(ldns_rr_list_rr(ldns_pkt_answer(p), 0), 0));
            snprintf(seen, sizeof(seen), "%s", addr);
            free(addr);
        }
        ldns_pkt_free(p);
    }
    /* dc-a forced down: the answer moves to dc-b, with dc-b's own signature. */
    policy_datacenter_set_admin(f->snap->policy, 0, HEALTH_ADMIN_FORCE_DOWN);
    uint64_t misses = dnssec_cache_stats(f->worker.sig_cache)->presigned;
    ldns_pkt *p = ask(f, "www.s.test.", LDNS_RR_TYPE_A);
    ldns_rr *a = ldns_rr_list_rr(ldns_pkt_answer(p), 0);
    char *text = ldns_rdf2str(ldns_rr_rdf(a, 0));
    assert_string_equal(text, "198.51.100.1");
    free(text);
    assert_int_equal(verify(f, p, false), 1);
    assert_int_equal(dnssec_cache_stats(f->worker.sig_cache)->presigned, misses + 1);
    ldns_pkt_free(p);
    /* Back up: an address handed out before is answered with its cached signature. */
    policy_datacenter_set_admin(f->snap->policy, 0, HEALTH_ADMIN_NONE);
    bool is_hit = false;
    for (int i = 0; i < 200 && !is_hit; i++) {
        uint64_t hits = dnssec_cache_stats(f->worker.sig_cache)->hits;
        p = ask(f, "www.s.test.", LDNS_RR_TYPE_A);
        a = ldns_rr_list_rr(ldns_pkt_answer(p), 0);
        text = ldns_rdf2str(ldns_rr_rdf(a, 0));
        is_hit = strcmp(text, seen) == 0;
        if (is_hit) {
            assert_int_equal(dnssec_cache_stats(f->worker.sig_cache)->hits, hits + 1);
        }
        assert_int_equal(verify(f, p, false), 1);
        free(text);
        ldns_pkt_free(p);
    }
    assert_true(is_hit);
    /* Every steered answer here was signed at load: copied once per worker, then cached;
     * none signed on the query path. */
    assert_true(f->worker.stats.signatures[0] > 0);
    assert_true(f->worker.stats.signatures[1] >= 3);
    assert_int_equal(f->worker.stats.signatures[2], 0);
    assert_int_equal(f->worker.stats.sign_failures, 0);
}

/* A name synthesized from a wildcard is signed as itself (RFC 9824 wildcard handling). */
static void test_dnssec_wildcard_signed_as_qname(void **state)
{
    fixture_t *f = *state;
    ldns_pkt *p = ask(f, "deep.er.wild.s.test.", LDNS_RR_TYPE_A);
    assert_int_equal(count(ldns_pkt_answer(p), LDNS_RR_TYPE_A), 1);
    assert_int_equal(verify(f, p, false), 1);
    ldns_rr *sig = ldns_rr_list_rr(ldns_pkt_answer(p), 1);
    assert_int_equal(ldns_rdf2native_int8(ldns_rr_rrsig_labels(sig)), 5);
    ldns_pkt_free(p);
    /* NODATA at a wildcard name: an NSEC at the QNAME with the wildcard's types. */
    p = ask(f, "x.wild.s.test.", LDNS_RR_TYPE_MX);
    assert_int_equal(verify(f, p, false), 2);
    assert_true(nsec_has(p, "x.wild.s.test.", LDNS_RR_TYPE_A));
    assert_false(nsec_has(p, "x.wild.s.test.", LDNS_RR_TYPE_MX));
    ldns_pkt_free(p);
}

/* NXDOMAIN: NOERROR with an NSEC at the QNAME whose bitmap is RRSIG NSEC NXNAME; without
 * DO the RCODE stays NXDOMAIN and no DNSSEC records are sent. */
static void test_dnssec_nxdomain_compact_denial(void **state)
{
    fixture_t *f = *state;
    ldns_pkt *p = ask(f, "nope.s.test.", LDNS_RR_TYPE_A);
    assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NOERROR);
    assert_int_equal(ldns_rr_list_rr_count(ldns_pkt_answer(p)), 0);
    assert_int_equal(verify(f, p, false), 2); /* SOA and NSEC */
    assert_true(nsec_has(p, "nope.s.test.", (ldns_rr_type)DNSSEC_TYPE_NXNAME));
    assert_false(nsec_has(p, "nope.s.test.", LDNS_RR_TYPE_A));
    ldns_rr_list *auth = ldns_pkt_authority(p);
    for (size_t i = 0; i < ldns_rr_list_rr_count(auth); i++) {
        ldns_rr *rr = ldns_rr_list_rr(auth, i);
        if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_NSEC) {
            char *next = ldns_rdf2str(ldns_rr_rdf(rr, 0));
            assert_string_equal(next, "\\000.nope.s.test.");
            free(next);
            assert_int_equal(ldns_rr_ttl(rr), 300); /* RFC 9077 */
        }
    }
    ldns_pkt_free(p);
    p = ask_full(f, "nope.s.test.", LDNS_RR_TYPE_A, false, 4096, true);
    assert_int_equal(ldns_pkt_get_rcode(p), LDNS_RCODE_NXDOMAIN);
    assert_int_equal(count(ldns_pkt_authority(p), LDNS_RR_TYPE_RRSIG), 0);
    assert_int_equal(count(ldns_pkt_authority(p), LDNS_RR_TYPE_NSEC), 0);
    ldns_pkt_free(p);
}

/* Compact denial answers NOERROR, but to the rate limiter a nonexistent name is still an
 * NXDOMAIN keyed by its zone: random names share one bucket (RRL_NXDOMAIN), not one each. */
static void test_dnssec_compact_denial_rate_limited_as_nxdomain(void **state)
{
    fixture_t *f = *state;
    for (int i = 0; i < 20; i++) {
        char name[64];
        snprintf(name, sizeof(name), "random%d.s.test.", i);
        ldns_pkt *q = ldns_pkt_query_new(ldns_dname_new_frm_str(name), LDNS_RR_TYPE_A,
                                         LDNS_RR_CLASS_IN, 0);
        ldns_pkt_set_edns_udp_size(q, 1232);
        ldns_pkt_set_edns_do(q, true);
        uint8_t *wire = NULL;
        size_t len = 0;
        assert_int_equal(ldns_pkt2wire(&wire, q, &len), LDNS_STATUS_OK);
        ldns_pkt_free(q);
        struct sockaddr_in peer = {.sin_family = AF_INET, .sin_port = htons(5353)};
        peer.sin_addr.s_addr = htonl(0xC0000207);
        server_request_t req = {.msg = wire, .len = len, .peer = (const struct sockaddr *)&peer,
                                .peer_len = sizeof(peer), .transport = SERVER_UDP};
        query_answer(&f->worker, f->snap, &req, f->resp, sizeof(f->resp));
        free(wire);
    }
    /* 3 a second pass; the 20 queries span at most two windows. */
    assert_true(f->worker.stats.rrl_limited[RRL_NXDOMAIN] >= 14);
    assert_int_equal(f->worker.stats.rrl_limited[RRL_NODATA], 0);
}

/* NODATA: the name's own NSEC with its exact types — static names, an empty
 * non-terminal, a service name for another type, and a service without the family or
 * failed closed (the type asked must not be in the bitmap). */
static void test_dnssec_nodata_exact_bitmaps(void **state)
{
    fixture_t *f = *state;
    ldns_pkt *p = ask(f, "mail.s.test.", LDNS_RR_TYPE_AAAA);
    assert_int_equal(verify(f, p, false), 2);
    assert_true(nsec_has(p, "mail.s.test.", LDNS_RR_TYPE_A));
    assert_false(nsec_has(p, "mail.s.test.", LDNS_RR_TYPE_AAAA));
    ldns_pkt_free(p);
    p = ask(f, "mail.s.test.", LDNS_RR_TYPE_NSEC);
    assert_int_equal(count(ldns_pkt_answer(p), LDNS_RR_TYPE_NSEC), 1);
    assert_int_equal(verify(f, p, false), 1);
    ldns_pkt_free(p);
    p = ask(f, "ent.s.test.", LDNS_RR_TYPE_A);
    assert_int_equal(verify(f, p, false), 2);
    assert_false(nsec_has(p, "ent.s.test.", LDNS_RR_TYPE_TXT));
    ldns_pkt_free(p);
    p = ask(f, "www.s.test.", LDNS_RR_TYPE_MX);
    assert_int_equal(verify(f, p, false), 2);
    assert_true(nsec_has(p, "www.s.test.", LDNS_RR_TYPE_A));
    assert_true(nsec_has(p, "www.s.test.", LDNS_RR_TYPE_AAAA));
    assert_true(nsec_has(p, "www.s.test.", LDNS_RR_TYPE_TXT));
    assert_false(nsec_has(p, "www.s.test.", LDNS_RR_TYPE_CNAME));
    ldns_pkt_free(p);
    p = ask(f, "v4only.s.test.", LDNS_RR_TYPE_AAAA);
    assert_int_equal(verify(f, p, false), 2);
    assert_true(nsec_has(p, "v4only.s.test.", LDNS_RR_TYPE_A));
    assert_false(nsec_has(p, "v4only.s.test.", LDNS_RR_TYPE_AAAA));
    ldns_pkt_free(p);
    policy_datacenter_set_admin(f->snap->policy, 2, HEALTH_ADMIN_FORCE_DOWN);
    p = ask(f, "closed.s.test.", LDNS_RR_TYPE_A);
    assert_int_equal(ldns_rr_list_rr_count(ldns_pkt_answer(p)), 0);
    assert_int_equal(verify(f, p, false), 2);
    assert_false(nsec_has(p, "closed.s.test.", LDNS_RR_TYPE_A));
    ldns_pkt_free(p);
}

/* Referrals: the DS with its RRSIG for a secure child, the signed NSEC without DS for an
 * insecure one; the NS RRset is not signed (it is the child's). */
static void test_dnssec_referral_ds_proof(void **state)
{
    fixture_t *f = *state;
    ldns_pkt *p = ask(f, "www.child.s.test.", LDNS_RR_TYPE_A);
    assert_int_equal(count(ldns_pkt_authority(p), LDNS_RR_TYPE_DS), 1);
    assert_int_equal(verify(f, p, true), 1);
    ldns_pkt_free(p);
    p = ask(f, "www.insecure.s.test.", LDNS_RR_TYPE_A);
    assert_int_equal(verify(f, p, true), 1);
    assert_true(nsec_has(p, "insecure.s.test.", LDNS_RR_TYPE_NS));
    assert_false(nsec_has(p, "insecure.s.test.", LDNS_RR_TYPE_DS));
    ldns_pkt_free(p);
}

/* Without DO no RRSIG anywhere; with DO over a 512-octet UDP limit an RRset that fits
 * but whose RRSIG does not is truncated (TC, RFC 4035 3.1.1), never sent unsigned. */
static void test_dnssec_do_only_and_truncation(void **state)
{
    fixture_t *f = *state;
    ldns_pkt *p = ask_full(f, "s.test.", LDNS_RR_TYPE_MX, false, 4096, true);
    assert_int_equal(count(ldns_pkt_answer(p), LDNS_RR_TYPE_RRSIG), 0);
    ldns_pkt_free(p);
    p = ask_full(f, "many.s.test.", LDNS_RR_TYPE_A, false, 4096, true);
    assert_int_equal(count(ldns_pkt_answer(p), LDNS_RR_TYPE_RRSIG), 0);
    ldns_pkt_free(p);
    p = ask_full(f, "big.s.test.", LDNS_RR_TYPE_TXT, false, 512, false);
    assert_false(ldns_pkt_tc(p));
    assert_int_equal(count(ldns_pkt_answer(p), LDNS_RR_TYPE_TXT), 1);
    ldns_pkt_free(p);
    p = ask_full(f, "big.s.test.", LDNS_RR_TYPE_TXT, true, 512, false);
    assert_true(ldns_pkt_tc(p));
    ldns_pkt_free(p);
    p = ask_full(f, "big.s.test.", LDNS_RR_TYPE_TXT, true, 1232, false);
    assert_false(ldns_pkt_tc(p));
    assert_int_equal(verify(f, p, false), 1);
    ldns_pkt_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_dnssec_static_types_signed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dnssec_cname_chain_signed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dnssec_additional_signed_glue_not, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_dnssec_steered_variants_signed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dnssec_wildcard_signed_as_qname, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dnssec_nxdomain_compact_denial, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dnssec_nodata_exact_bitmaps, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dnssec_compact_denial_rate_limited_as_nxdomain,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_dnssec_referral_ds_proof, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dnssec_do_only_and_truncation, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
