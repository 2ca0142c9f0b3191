/* Unit tests for the zone loader: records, SOA-derived values, directives and error reports. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gslb/zone.h"

/* A wire name from a string literal: the literal's NUL is the root label. */
#define WIRE(s) ((const uint8_t *)(s)), (sizeof(s))

/* The SOA used by most zones: TTL 3600, MINIMUM 600. */
#define SOA_LINE "@ 3600 IN SOA ns1 hostmaster 2024010101 7200 900 1209600 600\n"

static const char full_zone[] =
    "$ORIGIN example.com.\n"                                /* 1 */
    "$TTL 300\n"                                            /* 2 */
    SOA_LINE                                                /* 3 */
    "        IN NS    ns1\n"                                /* 4 */
    "        IN NS    ns2.example.net.\n"                   /* 5 */
    "        IN MX    10 mail\n"                            /* 6 */
    "        IN TXT   \"v=spf1 -all\"\n"                    /* 7 */
    "        IN CAA   0 issue \"ca.example.net\"\n"         /* 8 */
    "www     IN A     192.0.2.1\n"                          /* 9 */
    "www     IN AAAA  2001:db8::1\n"                        /* 10 */
    "mail    IN A     192.0.2.25\n"                         /* 11 */
    "ns1     IN A     192.0.2.53\n"                         /* 12 */
    "_sip._tcp IN SRV 10 5 5060 sip\n"                      /* 13 */
    "sip     IN A     192.0.2.50\n"                         /* 14 */
    "ptr     IN PTR   www\n";                               /* 15 */

/* Load text as zone "t.zone" with origin example.com.; the diag is returned for inspection. */
static int load(const char *text, zone_t **z, gslb_diag_t **diag)
{
    *diag = gslb_diag_new(false);
    return zone_load_string(z, "t.zone", text, "example.com.", *diag);
}

/* Fail with every message when the collector does not hold exactly these. */
static void assert_diags(const gslb_diag_t *d, const char *const *want, size_t n)
{
    bool ok = gslb_diag_count(d) == n;
    for (size_t i = 0; ok && i < n; i++) {
        ok = strcmp(gslb_diag_message(d, i), want[i]) == 0;
    }
    if (!ok) {
        for (size_t i = 0; i < gslb_diag_count(d); i++) {
            print_error("got:  %s\n", gslb_diag_message(d, i));
        }
        for (size_t i = 0; i < n; i++) {
            print_error("want: %s\n", want[i]);
        }
        fail_msg("diagnostics differ");
    }
}

static const zone_rrset_t *rrset_at(const zone_t *z, const uint8_t *name, size_t len,
                                    uint16_t type)
{
    const zone_node_t *n = zone_node_find(z, name, len);
    assert_non_null(n);
    const zone_rrset_t *set = zone_node_rrset(n, type);
    assert_non_null(set);
    return set;
}

static void test_load_full_zone_has_every_type(void **state)
{
    (void)state;
    zone_t *z;
    gslb_diag_t *d;
    assert_int_equal(load(full_zone, &z, &d), 0);
    assert_non_null(z);
    assert_int_equal(gslb_diag_count(d), 0);

    assert_string_equal(zone_name(z), "example.com.");
    assert_string_equal(zone_file(z), "t.zone");
    assert_int_equal(zone_origin_len(z), 13);
    assert_memory_equal(zone_origin(z), "\007example\003com", 13);
    assert_int_equal(zone_origin_labels(z), 2);
    /* apex, www, mail, ns1, _tcp (empty non-terminal), _sip._tcp, sip, ptr */
    assert_int_equal(zone_node_count(z), 8);

    const zone_node_t *apex = zone_apex(z);
    assert_non_null(apex);
    assert_true(apex->flags & ZONE_NODE_APEX);
    assert_ptr_equal(zone_soa(z), zone_node_rrset(apex, DNS_TYPE_SOA));
    /* Sorted by type: NS(2) SOA(6) MX(15) TXT(16) CAA(257). */
    assert_int_equal(apex->rrset_count, 5);
    assert_int_equal(apex->rrsets[0].type, DNS_TYPE_NS);
    assert_int_equal(apex->rrsets[1].type, DNS_TYPE_SOA);
    assert_int_equal(apex->rrsets[2].type, DNS_TYPE_MX);
    assert_int_equal(apex->rrsets[3].type, DNS_TYPE_TXT);
    assert_int_equal(apex->rrsets[4].type, DNS_TYPE_CAA);

    const zone_rrset_t *ns = zone_node_rrset(apex, DNS_TYPE_NS);
    assert_int_equal(ns->count, 2);
    assert_int_equal(ns->ttl_s, 300);
    assert_int_equal(ns->line, 4);
    assert_int_equal(ns->rrs[0].len, 17);
    assert_memory_equal(ns->rrs[0].data, "\003ns1\007example\003com", 17);
    assert_memory_equal(ns->rrs[1].data, "\003ns2\007example\003net", 17);
    assert_non_null(ns->targets);
    assert_ptr_equal(ns->targets[0], zone_node_find(z, WIRE("\003ns1\007example\003com")));
    assert_null(ns->targets[1]);

    const zone_rrset_t *mx = zone_node_rrset(apex, DNS_TYPE_MX);
    assert_int_equal(mx->rrs[0].len, 20);
    assert_memory_equal(mx->rrs[0].data, "\000\012\004mail\007example\003com", 20);
    assert_ptr_equal(mx->targets[0], zone_node_find(z, WIRE("\004mail\007example\003com")));

    const zone_rrset_t *txt = zone_node_rrset(apex, DNS_TYPE_TXT);
    assert_int_equal(txt->rrs[0].len, 12);
    assert_memory_equal(txt->rrs[0].data, "\013v=spf1 -all", 12);

    const zone_rrset_t *caa = zone_node_rrset(apex, DNS_TYPE_CAA);
    assert_int_equal(caa->rrs[0].len, 2 + 5 + 14);
    assert_memory_equal(caa->rrs[0].data, "\000\005issueca.example.net", 21);

    const zone_rrset_t *a = rrset_at(z, WIRE("\003www\007example\003com"), DNS_TYPE_A);
    assert_int_equal(a->count, 1);
    assert_int_equal(a->ttl_s, 300);
    assert_memory_equal(a->rrs[0].data, "\300\000\002\001", 4);
    const zone_rrset_t *aaaa = rrset_at(z, WIRE("\003www\007example\003com"), DNS_TYPE_AAAA);
    assert_int_equal(aaaa->rrs[0].len, 16);
    assert_memory_equal(aaaa->rrs[0].data,
                        "\040\001\015\270\000\000\000\000\000\000\000\000\000\000\000\001", 16);

    const zone_rrset_t *srv =
        rrset_at(z, WIRE("\004_sip\004_tcp\007example\003com"), DNS_TYPE_SRV);
    assert_int_equal(srv->rrs[0].len, 6 + 17);
    assert_memory_equal(srv->rrs[0].data, "\000\012\000\005\023\304\003sip\007example\003com",
                        23);
    assert_ptr_equal(srv->targets[0], zone_node_find(z, WIRE("\003sip\007example\003com")));

    const zone_rrset_t *ptr = rrset_at(z, WIRE("\003ptr\007example\003com"), DNS_TYPE_PTR);
    assert_memory_equal(ptr->rrs[0].data, "\003www\007example\003com", 17);

    const zone_node_t *ent = zone_node_find(z, WIRE("\004_tcp\007example\003com"));
    assert_non_null(ent);
    assert_int_equal(ent->rrset_count, 0);

    zone_free(z);
    gslb_diag_free(d);
}

static void test_load_serial_and_negative_ttl_from_minimum(void **state)
{
    (void)state;
    zone_t *z;
    gslb_diag_t *d;
    assert_int_equal(load(full_zone, &z, &d), 0);

    assert_int_equal(zone_serial(z), 2024010101u);
    assert_int_equal(zone_soa(z)->ttl_s, 3600);
    assert_int_equal(zone_negative_ttl(z), 600); /* min(3600, 600) */
    zone_free(z);
    gslb_diag_free(d);
}

static void test_load_negative_ttl_from_soa_ttl(void **state)
{
    (void)state;
    static const char text[] = "@ 120 IN SOA ns1 hostmaster 7 7200 900 1209600 86400\n"
                               "@ NS ns1\n";
    zone_t *z;
    gslb_diag_t *d;
    assert_int_equal(load(text, &z, &d), 0);

    assert_int_equal(zone_serial(z), 7);
    assert_int_equal(zone_negative_ttl(z), 120); /* min(120, 86400) */
    zone_free(z);
    gslb_diag_free(d);
}

static void test_load_missing_soa_reported(void **state)
{
    (void)state;
    static const char text[] = "$TTL 300\n"
                               "@ NS ns1\n"
                               "www A 192.0.2.1\n";
    static const char *const want[] = {
        "t.zone: error: zone 'example.com.': no SOA record at the apex",
    };
    zone_t *z = (zone_t *)1;
    gslb_diag_t *d;
    assert_int_equal(load(text, &z, &d), -GSLB_EZONE);
    assert_null(z);
    assert_diags(d, want, 1);
    gslb_diag_free(d);
}

/* RFC 2181 section 8: TTLs are 0..2^31-1. ldns folds larger ones into 32
 * bits (99999999999 became 1215752191), so the text is checked: the limit
 * itself loads, one more is an error at its line, in every place a TTL is
 * written (before or after the class, in units, in $TTL). */
static void test_load_ttl_above_rfc2181_limit(void **state)
{
    (void)state;
    static const char ok_text[] = "$TTL 2147483647\n"
                                  "@ SOA ns1 h 1 3600 900 1209600 300\n"
                                  "@ 2147483647 NS ns1\n"
                                  "ns1 2147483647 IN A 192.0.2.53\n"
                                  "www 3550w5d3h14m7s A 192.0.2.1\n"; /* 2147483647 */
    zone_t *z = NULL;
    gslb_diag_t *d;
    assert_int_equal(load(ok_text, &z, &d), 0);
    static const uint8_t www[] = "\3www\7example\3com";
    assert_int_equal(rrset_at(z, www, sizeof(www), DNS_TYPE_A)->ttl_s, 2147483647u);
    zone_free(z);
    gslb_diag_free(d);

    static const char bad_text[] = "$TTL 2147483648\n"                          /* 1 */
                                   "@ SOA ns1 h 1 3600 900 1209600 300\n"       /* 2 */
                                   "@ NS ns1\n"                                 /* 3 */
                                   "ns1 99999999999 A 192.0.2.53\n"             /* 4 */
                                   "www 2147483648 IN A 192.0.2.1\n"            /* 5 */
                                   "  3550w5d3h14m8s TXT \"one more second\"\n"; /* 6 */
    static const char *const want[] = {
        "t.zone:1: error: TTL 2147483648 is above 2147483647, the largest RFC 2181 section 8 "
        "allows",
        "t.zone:4: error: TTL 99999999999 is above 2147483647, the largest RFC 2181 section 8 "
        "allows",
        "t.zone:5: error: TTL 2147483648 is above 2147483647, the largest RFC 2181 section 8 "
        "allows",
        "t.zone:6: error: TTL 3550w5d3h14m8s is above 2147483647, the largest RFC 2181 section 8 "
        "allows",
    };
    z = (zone_t *)1;
    assert_int_equal(load(bad_text, &z, &d), -GSLB_EZONE);
    assert_null(z);
    assert_diags(d, want, 4);
    gslb_diag_free(d);
}

static void test_load_missing_apex_ns_reported(void **state)
{
    (void)state;
    static const char text[] = SOA_LINE "www A 192.0.2.1\n";
    static const char *const want[] = {
        "t.zone: error: zone 'example.com.': no NS records at the apex",
    };
    zone_t *z;
    gslb_diag_t *d;
    assert_int_equal(load(text, &z, &d), -GSLB_EZONE);
    assert_diags(d, want, 1);
    gslb_diag_free(d);
}

static void test_load_soa_below_apex_reported_at_its_line(void **state)
{
    (void)state;
    static const char text[] = SOA_LINE
        "@ NS ns1\n"
        "sub 3600 IN SOA ns1 hostmaster 1 7200 900 1209600 600\n";
    static const char *const want[] = {
        "t.zone:3: error: 'sub.example.com.': SOA is allowed only at the zone apex "
        "'example.com.'",
    };
    zone_t *z;
    gslb_diag_t *d;
    assert_int_equal(load(text, &z, &d), -GSLB_EZONE);
    assert_diags(d, want, 1);
    gslb_diag_free(d);
}

static void test_load_second_soa_reported_at_its_line(void **state)
{
    (void)state;
    static const char text[] = SOA_LINE
        "@ NS ns1\n"
        "@ 3600 IN SOA ns1 hostmaster 2 7200 900 1209600 600\n";
    static const char *const want[] = {
        "t.zone:3: error: 'example.com.': more than one SOA",
    };
    zone_t *z;
    gslb_diag_t *d;
    assert_int_equal(load(text, &z, &d), -GSLB_EZONE);
    assert_diags(d, want, 1);
    gslb_diag_free(d);
}

static void test_load_out_of_zone_name_reported_at_its_line(void **state)
{
    (void)state;
    static const char text[] = SOA_LINE
        "@ NS ns1\n"
        "\n"
        "www.example.org. A 192.0.2.1\n";
    static const char *const want[] = {
        "t.zone:4: error: 'www.example.org.': out of zone (not at or below 'example.com.')",
    };
    zone_t *z;
    gslb_diag_t *d;
    assert_int_equal(load(text, &z, &d), -GSLB_EZONE);
    assert_diags(d, want, 1);
    gslb_diag_free(d);
}

static void test_load_suffix_that_is_not_a_label_is_out_of_zone(void **state)
{
    (void)state;
    static const char text[] = SOA_LINE
        "@ NS ns1\n"
        "wwwexample.com. A 192.0.2.1\n";
    static const char *const want[] = {
        "t.zone:3: error: 'wwwexample.com.': out of zone (not at or below 'example.com.')",
    };
    zone_t *z;
    gslb_diag_t *d;
    assert_int_equal(load(text, &z, &d), -GSLB_EZONE);
    assert_diags(d, want, 1);
    gslb_diag_free(d);
}

static void test_load_class_other_than_in_reported(void **state)
{
    (void)state;
    static const char text[] = SOA_LINE
        "@ NS ns1\n"
        "txt CH TXT \"chaos\"\n";
    static const char *const want[] = {
        "t.zone:3: error: 'txt.example.com.': only class IN is served (got class 3)",
    };
    zone_t *z;
    gslb_diag_t *d;
    assert_int_equal(load(text, &z, &d), -GSLB_EZONE);
    assert_diags(d, want, 1);
    gslb_diag_free(d);
}

static void test_load_cname_with_other_data_reported(void **state)
{
    (void)state;
    static const char text[] = SOA_LINE
        "@ NS ns1\n"
        "www CNAME host\n"
        "www A 192.0.2.1\n";
    static const char *const want[] = {
        "t.zone:4: error: 'www.example.com.': CNAME (line 3) cannot coexist with other data "
        "(A, line 4)",
    };
    zone_t *z;
    gslb_diag_t *d;
    assert_int_equal(load(text, &z, &d), -GSLB_EZONE);
    assert_diags(d, want, 1);
    gslb_diag_free(d);
}

static void test_load_two_cnames_reported(void **state)
{
    (void)state;
    static const char text[] = SOA_LINE
        "@ NS ns1\n"
        "www CNAME host1\n"
        "www CNAME host2\n";
    static const char *const want[] = {
        "t.zone:3: error: 'www.example.com.': more than one CNAME record",
    };
    zone_t *z;
    gslb_diag_t *d;
    assert_int_equal(load(text, &z, &d), -GSLB_EZONE);
    assert_diags(d, want, 1);
    gslb_diag_free(d);
}

static void test_load_bad_ipv4_reported_at_its_line(void **state)
{
    (void)state;
    static const char text[] = SOA_LINE
        "@ NS ns1\n"
        "www A 192.0.2.300\n"
        "ok A 192.0.2.2\n";
    static const char *const want[] = {
        "t.zone:3: error: Syntax error, could not parse the RR's rdata",
    };
    zone_t *z;
    gslb_diag_t *d;
    assert_int_equal(load(text, &z, &d), -GSLB_EZONE);
    assert_diags(d, want, 1);
    gslb_diag_free(d);
}

static void test_load_bad_ipv4_on_last_line_without_newline_reported(void **state)
{
    (void)state;
    static const char text[] = SOA_LINE
        "@ NS ns1\n"
        "www A 192.0.2.300";
    static const char *const want[] = {
        "t.zone:3: error: Syntax error, could not parse the RR's rdata",
    };
    zone_t *z;
    gslb_diag_t *d;
    assert_int_equal(load(text, &z, &d), -GSLB_EZONE);
    assert_diags(d, want, 1);
    gslb_diag_free(d);
}

static void test_load_apex_ns_after_soa_accepted(void **state)
{
    (void)state;
    /* The usual order: SOA first, so the NS RRset has the smaller type but comes later. */
    static const char text[] = SOA_LINE "@ NS ns1\n";
    zone_t *z;
    gslb_diag_t *d;
    assert_int_equal(load(text, &z, &d), 0);
    assert_int_equal(gslb_diag_count(d), 0);
    assert_non_null(zone_node_rrset(zone_apex(z), DNS_TYPE_NS));
    zone_free(z);
    gslb_diag_free(d);
}

static void test_load_error_after_comment_lines_reported_at_record_line(void **state)
{
    (void)state;
    static const char text[] = SOA_LINE /* 1 */
        "@ NS ns1\n"                    /* 2 */
        "; the web server\n"            /* 3 */
        "   ; indented comment\n"       /* 4 */
        "\n"                            /* 5 */
        "www A 192.0.2.1.1\n";          /* 6 */
    static const char *const want[] = {
        "t.zone:6: error: Syntax error, could not parse the RR's rdata",
    };
    zone_t *z;
    gslb_diag_t *d;
    assert_int_equal(load(text, &z, &d), -GSLB_EZONE);
    assert_diags(d, want, 1);
    gslb_diag_free(d);
}

static void test_load_record_after_comment_lines_keeps_its_line(void **state)
{
    (void)state;
    static const char text[] = SOA_LINE /* 1 */
        "; name servers\n"              /* 2 */
        "\n"                            /* 3 */
        "@ NS ns1\n"                    /* 4 */
        "\tNS ns2\n";                   /* 5: blank owner = the apex */
    zone_t *z;
    gslb_diag_t *d;
    assert_int_equal(load(text, &z, &d), 0);
    const zone_rrset_t *ns = zone_node_rrset(zone_apex(z), DNS_TYPE_NS);
    assert_int_equal(ns->line, 4);
    assert_int_equal(ns->count, 2);
    zone_free(z);
    gslb_diag_free(d);
}

static void test_load_blank_owner_after_comments_continues_previous_owner(void **state)
{
    (void)state;
    static const char text[] = SOA_LINE /* 1 */
        "@ NS ns1\n"                    /* 2 */
        "www A 192.0.2.1\n"             /* 3 */
        "; the second address\n"        /* 4 */
        "  \t\n"                        /* 5: blanks only */
        "   ; indented comment\n"       /* 6 */
        "\t A 192.0.2.2\n"              /* 7: blank owner = www */
        "mail A 192.0.2.25\n";          /* 8 */
    zone_t *z;
    gslb_diag_t *d;
    assert_int_equal(load(text, &z, &d), 0);
    static const uint8_t www[] = "\003www\007example\003com";
    const zone_node_t *n = zone_node_find(z, www, sizeof(www));
    assert_non_null(n);
    const zone_rrset_t *a = zone_node_rrset(n, DNS_TYPE_A);
    assert_non_null(a);
    assert_int_equal(a->count, 2);
    assert_int_equal(a->line, 3);
    zone_free(z);
    gslb_diag_free(d);
}

static void test_load_every_error_reported_in_order(void **state)
{
    (void)state;
    static const char text[] = SOA_LINE              /* 1 */
        "@ NS ns1\n"                                 /* 2 */
        "a A 192.0.2.256\n"                          /* 3 */
        "; a comment line\n"                         /* 4 */
        "b.example.net. A 192.0.2.2\n"               /* 5 */
        "c AAAA 2001:db8::1::2\n"                    /* 6 */
        "d A 192.0.2.4\n"                            /* 7 */
        "e A 192.0.2.5 ; trailing comment\n"         /* 8 */
        "f A 1.2.3\n";                               /* 9 */
    static const char *const want[] = {
        "t.zone:3: error: Syntax error, could not parse the RR's rdata",
        "t.zone:5: error: 'b.example.net.': out of zone (not at or below 'example.com.')",
        "t.zone:6: error: Syntax error, could not parse the RR's rdata",
        "t.zone:9: error: Syntax error, could not parse the RR's rdata",
    };
    zone_t *z;
    gslb_diag_t *d;
    assert_int_equal(load(text, &z, &d), -GSLB_EZONE);
    assert_null(z);
    assert_diags(d, want, 4);
    gslb_diag_free(d);
}

static void test_load_error_after_multiline_record_has_its_line(void **state)
{
    (void)state;
    static const char text[] = "@ 3600 IN SOA ns1 hostmaster (\n" /* 1 */
                               "    2024010101 ; serial\n"         /* 2 */
                               "    7200 900 1209600 600 )\n"      /* 3 */
                               "@ NS ns1\n"                        /* 4 */
                               "www A 300.0.0.1\n";                /* 5 */
    static const char *const want[] = {
        "t.zone:5: error: Syntax error, could not parse the RR's rdata",
    };
    zone_t *z;
    gslb_diag_t *d;
    assert_int_equal(load(text, &z, &d), -GSLB_EZONE);
    assert_diags(d, want, 1);
    gslb_diag_free(d);
}

static void test_load_multiline_record_line_is_its_first(void **state)
{
    (void)state;
    static const char text[] = "\n"                                /* 1 */
                               "@ 3600 IN SOA ns1 hostmaster (\n" /* 2 */
                               "    2024010101 ; serial\n"         /* 3 */
                               "    7200 900 1209600 600 )\n"      /* 4 */
                               "@ NS ns1\n";                       /* 5 */
    zone_t *z;
    gslb_diag_t *d;
    assert_int_equal(load(text, &z, &d), 0);
    assert_int_equal(zone_soa(z)->line, 2);
    assert_int_equal(zone_node_rrset(zone_apex(z), DNS_TYPE_NS)->line, 5);
    zone_free(z);
    gslb_diag_free(d);
}

static void test_load_duplicate_records_merged(void **state)
{
    (void)state;
    static const char text[] = SOA_LINE
        "@ NS ns1\n"
        "www A 192.0.2.1\n"
        "www A 192.0.2.2\n"
        "www A 192.0.2.1\n"
        "@ NS ns1.example.com.\n";
    zone_t *z;
    gslb_diag_t *d;
    assert_int_equal(load(text, &z, &d), 0);
    assert_int_equal(gslb_diag_count(d), 0);

    const zone_rrset_t *a = rrset_at(z, WIRE("\003www\007example\003com"), DNS_TYPE_A);
    assert_int_equal(a->count, 2);
    assert_memory_equal(a->rrs[0].data, "\300\000\002\001", 4);
    assert_memory_equal(a->rrs[1].data, "\300\000\002\002", 4);
    assert_int_equal(zone_node_rrset(zone_apex(z), DNS_TYPE_NS)->count, 1);
    zone_free(z);
    gslb_diag_free(d);
}

static void test_load_ttl_mismatch_in_rrset_warns_and_keeps_first(void **state)
{
    (void)state;
    static const char text[] = SOA_LINE
        "@ NS ns1\n"
        "www 60 A 192.0.2.1\n"
        "www 90 A 192.0.2.2\n";
    static const char *const want[] = {
        "t.zone:4: warning: 'www.example.com.': TTL 90 differs from the RRset's TTL 60 "
        "(using 60)",
    };
    zone_t *z;
    gslb_diag_t *d;
    assert_int_equal(load(text, &z, &d), 0);
    assert_diags(d, want, 1);
    const zone_rrset_t *a = rrset_at(z, WIRE("\003www\007example\003com"), DNS_TYPE_A);
    assert_int_equal(a->count, 2);
    assert_int_equal(a->ttl_s, 60);
    zone_free(z);
    gslb_diag_free(d);
}

static void test_load_relative_names_origin_and_ttl_directives(void **state)
{
    (void)state;
    static const char text[] = SOA_LINE
        "@ NS ns1\n"
        "before A 192.0.2.1\n"
        "$TTL 120\n"
        "after A 192.0.2.2\n"
        "$ORIGIN sub.example.com.\n"
        "host A 192.0.2.3\n"
        "@ MX 5 host\n"
        "abs.example.com. A 192.0.2.4\n";
    zone_t *z;
    gslb_diag_t *d;
    assert_int_equal(load(text, &z, &d), 0);
    assert_int_equal(gslb_diag_count(d), 0);

    /* 3600 until the first $TTL (the loader's default), then 120. */
    assert_int_equal(rrset_at(z, WIRE("\006before\007example\003com"), DNS_TYPE_A)->ttl_s, 3600);
    assert_int_equal(rrset_at(z, WIRE("\005after\007example\003com"), DNS_TYPE_A)->ttl_s, 120);
    const zone_rrset_t *host =
        rrset_at(z, WIRE("\004host\003sub\007example\003com"), DNS_TYPE_A);
    assert_memory_equal(host->rrs[0].data, "\300\000\002\003", 4);
    const zone_rrset_t *mx = rrset_at(z, WIRE("\003sub\007example\003com"), DNS_TYPE_MX);
    assert_memory_equal(mx->rrs[0].data, "\000\005\004host\003sub\007example\003com", 23);
    assert_non_null(zone_node_find(z, WIRE("\003abs\007example\003com")));
    zone_free(z);
    gslb_diag_free(d);
}

static void test_load_owner_names_lower_cased(void **state)
{
    (void)state;
    static const char text[] = SOA_LINE
        "@ NS ns1\n"
        "WwW.ExAmPlE.CoM. A 192.0.2.1\n";
    zone_t *z;
    gslb_diag_t *d = gslb_diag_new(false);
    assert_int_equal(zone_load_string(&z, "t.zone", text, "EXAMPLE.com", d), 0);
    assert_string_equal(zone_name(z), "example.com.");
    assert_non_null(zone_node_find(z, WIRE("\003www\007example\003com")));
    zone_free(z);
    gslb_diag_free(d);
}

static void test_load_include_directive_reported(void **state)
{
    (void)state;
    static const char text[] = SOA_LINE
        "@ NS ns1\n"
        "$INCLUDE other.zone\n";
    static const char *const want[] = {
        "t.zone:3: error: $INCLUDE is not supported (list each file under zones:)",
    };
    zone_t *z;
    gslb_diag_t *d;
    assert_int_equal(load(text, &z, &d), -GSLB_EZONE);
    assert_diags(d, want, 1);
    gslb_diag_free(d);
}

/* Write text to a new file named <dir>/gslbXXXXXX.zone; path receives the name. */
static void write_temp_zone(char *path, size_t cap, const char *text)
{
    const char *dir = getenv("TMPDIR");
    snprintf(path, cap, "%s/gslbXXXXXX.zone", dir != NULL && dir[0] != '\0' ? dir : "/tmp");
    int fd = mkstemps(path, 5);
    assert_true(fd >= 0);
    size_t len = strlen(text);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    assert_int_equal(close(fd), 0);
}

static void test_load_file_origin_defaults_to_basename_without_zone(void **state)
{
    (void)state;
    static const char text[] = SOA_LINE
        "@ NS ns1\n"
        "www A 192.0.2.1\n";
    char path[4096];
    write_temp_zone(path, sizeof(path), text);
    /* gslbXXXXXX.zone -> origin "gslbxxxxxx." (names are kept in lower case) */
    const char *base = strrchr(path, '/') + 1;
    char want[64];
    size_t n = strlen(base) - 5;
    for (size_t i = 0; i < n; i++) {
        char c = base[i];
        want[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
    }
    want[n] = '.';
    want[n + 1] = '\0';

    zone_t *z;
    gslb_diag_t *d = gslb_diag_new(false);
    int rc = zone_load(&z, path, NULL, d);
    unlink(path);
    assert_int_equal(rc, 0);
    assert_string_equal(zone_name(z), want);
    assert_string_equal(zone_file(z), path);
    assert_int_equal(zone_origin_labels(z), 1);
    assert_int_equal(zone_serial(z), 2024010101u);
    zone_free(z);
    gslb_diag_free(d);
}

static void test_load_missing_file_returns_eio(void **state)
{
    (void)state;
    char path[4096];
    write_temp_zone(path, sizeof(path), "");
    unlink(path);

    zone_t *z = (zone_t *)1;
    gslb_diag_t *d = gslb_diag_new(false);
    assert_int_equal(zone_load(&z, path, "example.com.", d), -GSLB_EIO);
    assert_null(z);
    assert_int_equal(gslb_diag_errors(d), 1);
    assert_non_null(strstr(gslb_diag_message(d, 0), ": error: cannot read zone file ("));
    gslb_diag_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_full_zone_has_every_type),
        cmocka_unit_test(test_load_serial_and_negative_ttl_from_minimum),
        cmocka_unit_test(test_load_negative_ttl_from_soa_ttl),
        cmocka_unit_test(test_load_missing_soa_reported),
        cmocka_unit_test(test_load_ttl_above_rfc2181_limit),
        cmocka_unit_test(test_load_missing_apex_ns_reported),
        cmocka_unit_test(test_load_soa_below_apex_reported_at_its_line),
        cmocka_unit_test(test_load_second_soa_reported_at_its_line),
        cmocka_unit_test(test_load_out_of_zone_name_reported_at_its_line),
        cmocka_unit_test(test_load_suffix_that_is_not_a_label_is_out_of_zone),
        cmocka_unit_test(test_load_class_other_than_in_reported),
        cmocka_unit_test(test_load_cname_with_other_data_reported),
        cmocka_unit_test(test_load_two_cnames_reported),
        cmocka_unit_test(test_load_bad_ipv4_reported_at_its_line),
        cmocka_unit_test(test_load_bad_ipv4_on_last_line_without_newline_reported),
        cmocka_unit_test(test_load_apex_ns_after_soa_accepted),
        cmocka_unit_test(test_load_error_after_comment_lines_reported_at_record_line),
        cmocka_unit_test(test_load_record_after_comment_lines_keeps_its_line),
        cmocka_unit_test(test_load_blank_owner_after_comments_continues_previous_owner),
        cmocka_unit_test(test_load_every_error_reported_in_order),
        cmocka_unit_test(test_load_error_after_multiline_record_has_its_line),
        cmocka_unit_test(test_load_multiline_record_line_is_its_first),
        cmocka_unit_test(test_load_duplicate_records_merged),
        cmocka_unit_test(test_load_ttl_mismatch_in_rrset_warns_and_keeps_first),
        cmocka_unit_test(test_load_relative_names_origin_and_ttl_directives),
        cmocka_unit_test(test_load_owner_names_lower_cased),
        cmocka_unit_test(test_load_include_directive_reported),
        cmocka_unit_test(test_load_file_origin_defaults_to_basename_without_zone),
        cmocka_unit_test(test_load_missing_file_returns_eio),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
