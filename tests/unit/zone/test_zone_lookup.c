/* Unit tests for zone lookups (RFC 1034 4.3.2, RFC 4592), the zone set and service nodes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "gslb/zone.h"

/* The wildcard zone of RFC 4592 section 2.2.1, plus a delegation with glue
 * and DS, a DNAME, an empty non-terminal chain, a CNAME and a child zone cut. */
static const char zone_text[] =
    "$TTL 3600\n"                                                           /* 1 */
    "@ SOA ns.example.com. hostmaster.example.com. 1 3600 900 604800 300\n" /* 2 */
    "@ NS ns.example.com.\n"                                                /* 3 */
    "@ NS ns.example.net.\n"                                                /* 4 */
    "*.example. TXT \"this is a wildcard\"\n"                               /* 5 */
    "*.example. MX 10 host1.example.\n"                                     /* 6 */
    "sub.*.example. TXT \"this is not a wildcard\"\n"                       /* 7 */
    "host1.example. A 192.0.2.1\n"                                          /* 8 */
    "_ssh._tcp.host1.example. SRV 0 0 22 host1.example.\n"                  /* 9 */
    "_ssh._tcp.host2.example. SRV 0 0 22 host2.example.\n"                  /* 10 */
    "subdel.example. NS ns.example.com.\n"                                  /* 11 */
    "subdel.example. NS ns.example.net.\n"                                  /* 12 */
    "*.w.example. A 192.0.2.9\n"                                            /* 13 */
    "deleg.example. NS ns.deleg.example.\n"                                 /* 14 */
    "deleg.example. DS 12345 8 2 "
    "E2D3C916F6DEEAC73294E8268FB5885044A833FC5459588F4A9184CFC41A5766\n"    /* 15 */
    "ns.deleg.example. A 192.0.2.53\n"                                      /* 16 */
    "deep.ns.deleg.example. TXT \"occluded\"\n"                             /* 17 */
    "dn.example. DNAME target.example.net.\n"                               /* 18 */
    "a.b.ent.example. A 192.0.2.7\n"                                        /* 19 */
    "alias.example. CNAME host1.example.\n"                                 /* 20 */
    "child.example. NS ns.child.example.\n"                                 /* 21 */
    "ns.child.example. A 192.0.2.54\n";                                     /* 22 */

/* Lower-case presentation name ("a.b.example.", no escapes) to wire; returns the length. */
static size_t wire(const char *text, uint8_t *out)
{
    size_t o = 0;
    const char *p = text;
    while (*p != '\0') {
        const char *dot = strchr(p, '.');
        assert_non_null(dot);
        size_t l = (size_t)(dot - p);
        assert_true(l >= 1 && l <= 63);
        out[o++] = (uint8_t)l;
        memcpy(out + o, p, l);
        o += l;
        p = dot + 1;
    }
    out[o++] = 0;
    return o;
}

static zone_t *load_zone(const char *name, const char *text, const char *origin)
{
    gslb_diag_t *d = gslb_diag_new(false);
    zone_t *z = NULL;
    int rc = zone_load_string(&z, name, text, origin, d);
    for (size_t i = 0; rc != 0 && i < gslb_diag_count(d); i++) {
        print_error("%s\n", gslb_diag_message(d, i));
    }
    assert_int_equal(rc, 0);
    assert_int_equal(gslb_diag_errors(d), 0);
    gslb_diag_free(d);
    return z;
}

static int setup(void **state)
{
    *state = load_zone("lookup.zone", zone_text, "example.");
    return 0;
}

static int teardown(void **state)
{
    zone_free(*state);
    return 0;
}

static zone_match_t lookup(const zone_t *z, const char *name, bool is_ds,
                           const zone_node_t **node)
{
    uint8_t w[DNS_NAME_MAX];
    size_t len = wire(name, w);
    *node = NULL;
    return zone_lookup(z, w, len, dns_name_labels(w), is_ds, node);
}

static const zone_node_t *find(const zone_t *z, const char *name)
{
    uint8_t w[DNS_NAME_MAX];
    size_t len = wire(name, w);
    return zone_node_find(z, w, len);
}

static void assert_node_is(const zone_node_t *n, const char *name)
{
    uint8_t w[DNS_NAME_MAX];
    size_t len = wire(name, w);
    assert_non_null(n);
    if (n->name_len != len || memcmp(n->name, w, len) != 0) {
        fail_msg("node is not '%s'", name);
    }
}

static void test_lookup_existing_name_exact(void **state)
{
    const zone_t *z = *state;
    const zone_node_t *n;
    assert_int_equal(lookup(z, "host1.example.", false, &n), ZONE_MATCH_EXACT);
    assert_node_is(n, "host1.example.");
    assert_int_equal(n->labels, 2);
    assert_non_null(zone_node_rrset(n, DNS_TYPE_A));
}

static void test_lookup_apex_exact_with_apex_and_wildcard_flags(void **state)
{
    const zone_t *z = *state;
    const zone_node_t *n;
    assert_int_equal(lookup(z, "example.", false, &n), ZONE_MATCH_EXACT);
    assert_ptr_equal(n, zone_apex(z));
    assert_int_equal(n->flags, ZONE_NODE_APEX | ZONE_NODE_WILDCARD);
}

static void test_lookup_empty_non_terminal_exact_without_rrsets(void **state)
{
    const zone_t *z = *state;
    const zone_node_t *n;
    assert_int_equal(lookup(z, "_tcp.host1.example.", false, &n), ZONE_MATCH_EXACT);
    assert_node_is(n, "_tcp.host1.example.");
    assert_int_equal(n->rrset_count, 0);
    assert_int_equal(lookup(z, "b.ent.example.", false, &n), ZONE_MATCH_EXACT);
    assert_int_equal(n->rrset_count, 0);
    assert_int_equal(lookup(z, "ent.example.", false, &n), ZONE_MATCH_EXACT);
    assert_int_equal(n->rrset_count, 0);
}

static void test_lookup_missing_name_nxdomain_with_closest_encloser(void **state)
{
    const zone_t *z = *state;
    const zone_node_t *n;
    assert_int_equal(lookup(z, "x.y.host1.example.", false, &n), ZONE_MATCH_NXDOMAIN);
    assert_node_is(n, "host1.example.");
    assert_int_equal(lookup(z, "nope.b.ent.example.", false, &n), ZONE_MATCH_NXDOMAIN);
    assert_node_is(n, "b.ent.example.");
}

/* RFC 4592 2.2.1: host3.example. MX and A are synthesized from *.example. */
static void test_lookup_one_label_below_wildcard_owner_synthesized(void **state)
{
    const zone_t *z = *state;
    const zone_node_t *n;
    assert_int_equal(lookup(z, "host3.example.", false, &n), ZONE_MATCH_WILDCARD);
    assert_node_is(n, "*.example.");
    const zone_rrset_t *mx = zone_node_rrset(n, DNS_TYPE_MX);
    assert_non_null(mx);
    assert_ptr_equal(mx->targets[0], find(z, "host1.example."));
}

/* RFC 4592 2.2.1: foo.bar.example. TXT: bar.example. does not exist either. */
static void test_lookup_two_labels_below_wildcard_owner_synthesized(void **state)
{
    const zone_t *z = *state;
    const zone_node_t *n;
    assert_int_equal(lookup(z, "foo.bar.example.", false, &n), ZONE_MATCH_WILDCARD);
    assert_node_is(n, "*.example.");
}

static void test_lookup_w_wildcard_matches_one_and_two_labels(void **state)
{
    const zone_t *z = *state;
    const zone_node_t *n;
    assert_int_equal(lookup(z, "a.w.example.", false, &n), ZONE_MATCH_WILDCARD);
    assert_node_is(n, "*.w.example.");
    assert_int_equal(lookup(z, "a.b.w.example.", false, &n), ZONE_MATCH_WILDCARD);
    assert_node_is(n, "*.w.example.");
}

/* RFC 4592 2.2.1: host1.example. MX is NODATA, not synthesized; so are
 * sub.*.example. MX and the wildcard owner itself. */
static void test_lookup_existing_names_not_synthesized(void **state)
{
    const zone_t *z = *state;
    const zone_node_t *n;
    assert_int_equal(lookup(z, "host1.example.", false, &n), ZONE_MATCH_EXACT);
    assert_null(zone_node_rrset(n, DNS_TYPE_MX));
    assert_int_equal(lookup(z, "sub.*.example.", false, &n), ZONE_MATCH_EXACT);
    assert_node_is(n, "sub.*.example.");
    assert_int_equal(lookup(z, "*.example.", false, &n), ZONE_MATCH_EXACT);
    assert_node_is(n, "*.example.");
    assert_int_equal(lookup(z, "w.example.", false, &n), ZONE_MATCH_EXACT);
    assert_int_equal(n->rrset_count, 0);
}

/* RFC 4592 2.2.2: the closest encloser of _telnet._tcp.host1.example. is the
 * empty non-terminal _tcp.host1.example., which has no wildcard child. */
static void test_lookup_wildcard_blocked_by_empty_non_terminal(void **state)
{
    const zone_t *z = *state;
    const zone_node_t *n;
    assert_int_equal(lookup(z, "_telnet._tcp.host1.example.", false, &n), ZONE_MATCH_NXDOMAIN);
    assert_node_is(n, "_tcp.host1.example.");
    assert_int_equal(lookup(z, "x.ent.example.", false, &n), ZONE_MATCH_NXDOMAIN);
    assert_node_is(n, "ent.example.");
}

/* RFC 4592 2.2.2: ghost.*.example.: the closest encloser is *.example. itself. */
static void test_lookup_below_wildcard_owner_not_synthesized(void **state)
{
    const zone_t *z = *state;
    const zone_node_t *n;
    assert_int_equal(lookup(z, "ghost.*.example.", false, &n), ZONE_MATCH_NXDOMAIN);
    assert_node_is(n, "*.example.");
}

static void test_lookup_at_cut_delegation(void **state)
{
    const zone_t *z = *state;
    const zone_node_t *n;
    assert_int_equal(lookup(z, "subdel.example.", false, &n), ZONE_MATCH_DELEGATION);
    assert_node_is(n, "subdel.example.");
    assert_int_equal(n->flags, ZONE_NODE_CUT);
}

/* RFC 4592 2.2.2: host.subdel.example. is referred, not synthesized. */
static void test_lookup_below_cut_delegation_to_cut(void **state)
{
    const zone_t *z = *state;
    const zone_node_t *n;
    assert_int_equal(lookup(z, "host.subdel.example.", false, &n), ZONE_MATCH_DELEGATION);
    assert_node_is(n, "subdel.example.");
    assert_int_equal(lookup(z, "a.b.deleg.example.", false, &n), ZONE_MATCH_DELEGATION);
    assert_node_is(n, "deleg.example.");
}

static void test_lookup_glue_occluded_and_delegated(void **state)
{
    const zone_t *z = *state;
    const zone_node_t *cut = find(z, "deleg.example.");
    const zone_node_t *glue = find(z, "ns.deleg.example.");
    const zone_node_t *deep = find(z, "deep.ns.deleg.example.");
    assert_non_null(cut);
    assert_int_equal(glue->flags, ZONE_NODE_OCCLUDED);
    assert_ptr_equal(glue->cut, cut);
    assert_int_equal(deep->flags, ZONE_NODE_OCCLUDED);
    assert_ptr_equal(deep->cut, cut);
    assert_ptr_equal(zone_node_rrset(cut, DNS_TYPE_NS)->targets[0], glue);

    const zone_node_t *n;
    assert_int_equal(lookup(z, "ns.deleg.example.", false, &n), ZONE_MATCH_DELEGATION);
    assert_ptr_equal(n, cut);
    assert_int_equal(lookup(z, "deep.ns.deleg.example.", false, &n), ZONE_MATCH_DELEGATION);
    assert_ptr_equal(n, cut);
}

/* RFC 4035 3.1.4.1: DS at a cut is the parent's data. */
static void test_lookup_ds_at_cut_exact(void **state)
{
    const zone_t *z = *state;
    const zone_node_t *n;
    assert_int_equal(lookup(z, "deleg.example.", true, &n), ZONE_MATCH_EXACT);
    assert_node_is(n, "deleg.example.");
    const zone_rrset_t *ds = zone_node_rrset(n, DNS_TYPE_DS);
    assert_non_null(ds);
    assert_int_equal(ds->rrs[0].len, 4 + 32);
}

static void test_lookup_ds_below_cut_delegation(void **state)
{
    const zone_t *z = *state;
    const zone_node_t *n;
    assert_int_equal(lookup(z, "ns.deleg.example.", true, &n), ZONE_MATCH_DELEGATION);
    assert_node_is(n, "deleg.example.");
    assert_int_equal(lookup(z, "x.subdel.example.", true, &n), ZONE_MATCH_DELEGATION);
    assert_node_is(n, "subdel.example.");
}

/* RFC 6672 2.3: names below the DNAME owner are redirected; the owner is not. */
static void test_lookup_below_dname_owner_dname(void **state)
{
    const zone_t *z = *state;
    const zone_node_t *n;
    assert_int_equal(lookup(z, "x.dn.example.", false, &n), ZONE_MATCH_DNAME);
    assert_node_is(n, "dn.example.");
    assert_int_equal(lookup(z, "a.b.dn.example.", false, &n), ZONE_MATCH_DNAME);
    assert_node_is(n, "dn.example.");
    assert_int_equal(lookup(z, "dn.example.", false, &n), ZONE_MATCH_EXACT);
    assert_non_null(zone_node_rrset(n, DNS_TYPE_DNAME));
}

static void test_lookup_cname_owner_exact_with_target(void **state)
{
    const zone_t *z = *state;
    const zone_node_t *n;
    assert_int_equal(lookup(z, "alias.example.", false, &n), ZONE_MATCH_EXACT);
    const zone_rrset_t *cname = zone_node_rrset(n, DNS_TYPE_CNAME);
    assert_non_null(cname);
    assert_ptr_equal(cname->targets[0], find(z, "host1.example."));
}

/* ---- zone sets ---- */

static const char child_text[] = "@ SOA ns hostmaster 1 3600 900 604800 300\n"
                                 "@ NS ns\n"
                                 "ns A 192.0.2.54\n"
                                 "www A 192.0.2.80\n";

static const char org_text[] = "@ SOA ns hostmaster 1 3600 900 604800 300\n"
                               "@ NS ns\n";

static int setup_set(void **state)
{
    zone_t *zones[3] = {
        load_zone("org.zone", org_text, "example.org."),
        load_zone("lookup.zone", zone_text, "example."),
        load_zone("child.zone", child_text, "child.example."),
    };
    gslb_diag_t *d = gslb_diag_new(false);
    zone_set_t *s = NULL;
    assert_int_equal(zone_set_new(&s, zones, 3, d), 0);
    assert_int_equal(gslb_diag_count(d), 0);
    gslb_diag_free(d);
    *state = s;
    return 0;
}

static int teardown_set(void **state)
{
    zone_set_free(*state);
    return 0;
}

static const char *set_find(const zone_set_t *s, const char *name, bool skip_apex_of)
{
    uint8_t w[DNS_NAME_MAX];
    size_t len = wire(name, w);
    const zone_t *z = zone_set_find(s, w, len, dns_name_labels(w), skip_apex_of);
    return z != NULL ? zone_name(z) : NULL;
}

static void test_set_keeps_every_zone(void **state)
{
    const zone_set_t *s = *state;
    assert_int_equal(zone_set_count(s), 3);
    assert_string_equal(zone_name(zone_set_at(s, 0)), "example.org.");
    assert_string_equal(zone_name(zone_set_at(s, 2)), "child.example.");
    assert_null(zone_set_at(s, 3));
}

static void test_set_find_below_child_apex_picks_child(void **state)
{
    const zone_set_t *s = *state;
    assert_string_equal(set_find(s, "www.child.example.", false), "child.example.");
    assert_string_equal(set_find(s, "a.b.c.child.example.", false), "child.example.");
}

static void test_set_find_child_apex_picks_child(void **state)
{
    const zone_set_t *s = *state;
    assert_string_equal(set_find(s, "child.example.", false), "child.example.");
}

static void test_set_find_outside_child_picks_parent(void **state)
{
    const zone_set_t *s = *state;
    assert_string_equal(set_find(s, "www.example.", false), "example.");
    assert_string_equal(set_find(s, "example.", false), "example.");
    /* A label that merely ends in the child's name is not below it. */
    assert_string_equal(set_find(s, "xchild.example.", false), "example.");
}

static void test_set_find_skip_apex_of_child_picks_parent(void **state)
{
    const zone_set_t *s = *state;
    assert_string_equal(set_find(s, "child.example.", true), "example.");
}

static void test_set_find_skip_apex_of_leaves_names_below_apex_alone(void **state)
{
    const zone_set_t *s = *state;
    assert_string_equal(set_find(s, "www.child.example.", true), "child.example.");
}

static void test_set_find_skip_apex_without_parent_none(void **state)
{
    const zone_set_t *s = *state;
    assert_null(set_find(s, "example.org.", true));
    assert_string_equal(set_find(s, "example.org.", false), "example.org.");
}

static void test_set_find_unserved_name_none(void **state)
{
    const zone_set_t *s = *state;
    assert_null(set_find(s, "www.example.net.", false));
    assert_null(set_find(s, "org.", false));
    assert_null(set_find(s, "", false));
}

static void test_set_of_many_zones_finds_the_most_specific(void **state)
{
    (void)state;
    /* Past the few zones compared one by one, the set goes by a hash of each
     * suffix; both ways must give the same answers. */
    enum { N = 12 };
    zone_t *zones[N];
    char origin[64];
    for (int i = 0; i < N - 2; i++) {
        snprintf(origin, sizeof(origin), "z%d.example.", i);
        zones[i] = load_zone("z.zone", org_text, origin);
    }
    zones[N - 2] = load_zone("lookup.zone", zone_text, "example.");
    zones[N - 1] = load_zone("child.zone", child_text, "child.z3.example.");
    gslb_diag_t *d = gslb_diag_new(false);
    zone_set_t *s = NULL;
    assert_int_equal(zone_set_new(&s, zones, N, d), 0);
    gslb_diag_free(d);
    assert_string_equal(set_find(s, "www.z7.example.", false), "z7.example.");
    assert_string_equal(set_find(s, "a.child.z3.example.", false), "child.z3.example.");
    assert_string_equal(set_find(s, "child.z3.example.", true), "z3.example.");
    assert_string_equal(set_find(s, "xz3.example.", false), "example.");
    assert_null(set_find(s, "z3.example.org.", false));
    zone_set_free(s);
}

static void test_set_new_same_zone_twice_reported(void **state)
{
    (void)state;
    zone_t *zones[2] = {
        load_zone("a.zone", org_text, "example.org."),
        load_zone("b.zone", org_text, "example.org."),
    };
    gslb_diag_t *d = gslb_diag_new(false);
    zone_set_t *s = (zone_set_t *)1;
    assert_int_equal(zone_set_new(&s, zones, 2, d), -GSLB_EZONE);
    assert_null(s);
    assert_int_equal(gslb_diag_count(d), 1);
    assert_string_equal(gslb_diag_message(d, 0),
                        "b.zone: error: zone 'example.org.' is already loaded from 'a.zone'");
    gslb_diag_free(d);
}

/* ---- services ---- */

static int attach(zone_t *z, const char *name, const void *service, gslb_diag_t *d)
{
    uint8_t w[DNS_NAME_MAX];
    wire(name, w);
    return zone_service_attach(z, w, service, d, "gslbd.yaml", 12, 5);
}

static void test_service_attach_name_without_data_creates_node(void **state)
{
    zone_t *z = *state;
    static const int service = 42;
    gslb_diag_t *d = gslb_diag_new(false);
    const zone_node_t *n;
    size_t before = zone_node_count(z);
    /* Before: synthesized from *.example. */
    assert_int_equal(lookup(z, "svc.gslb.example.", false, &n), ZONE_MATCH_WILDCARD);

    assert_int_equal(attach(z, "svc.gslb.example.", &service, d), 0);
    assert_int_equal(gslb_diag_count(d), 0);
    assert_int_equal(zone_node_count(z), before + 2); /* the service and gslb.example. */
    assert_int_equal(lookup(z, "svc.gslb.example.", false, &n), ZONE_MATCH_EXACT);
    assert_int_equal(n->flags, ZONE_NODE_SERVICE);
    assert_ptr_equal(n->service, &service);
    assert_int_equal(n->rrset_count, 0);
    assert_int_equal(lookup(z, "gslb.example.", false, &n), ZONE_MATCH_EXACT);
    assert_int_equal(n->rrset_count, 0);
    assert_int_equal(n->flags, 0);
    gslb_diag_free(d);
}

static void test_service_attach_name_with_other_types_accepted(void **state)
{
    zone_t *z = *state;
    static const int service = 1;
    gslb_diag_t *d = gslb_diag_new(false);
    assert_int_equal(attach(z, "_ssh._tcp.host2.example.", &service, d), 0);
    const zone_node_t *n = find(z, "_ssh._tcp.host2.example.");
    assert_true(n->flags & ZONE_NODE_SERVICE);
    assert_non_null(zone_node_rrset(n, DNS_TYPE_SRV));
    gslb_diag_free(d);
}

static void test_service_attach_at_cut_refused(void **state)
{
    zone_t *z = *state;
    static const int service = 1;
    gslb_diag_t *d = gslb_diag_new(false);
    assert_int_equal(attach(z, "subdel.example.", &service, d), -GSLB_EZONE);
    assert_string_equal(gslb_diag_message(d, 0),
                        "gslbd.yaml:12:5: error: service is at or below a zone cut in zone "
                        "'example.' (delegated, line 11)");
    assert_int_equal(find(z, "subdel.example.")->flags, ZONE_NODE_CUT);
    gslb_diag_free(d);
}

static void test_service_attach_below_cut_refused(void **state)
{
    zone_t *z = *state;
    static const int service = 1;
    gslb_diag_t *d = gslb_diag_new(false);
    size_t before = zone_node_count(z);
    assert_int_equal(attach(z, "www.deleg.example.", &service, d), -GSLB_EZONE);
    assert_int_equal(gslb_diag_errors(d), 1);
    assert_string_equal(gslb_diag_message(d, 0),
                        "gslbd.yaml:12:5: error: service is at or below a zone cut in zone "
                        "'example.' (delegated, line 14)");
    assert_int_equal(zone_node_count(z), before);
    assert_null(find(z, "www.deleg.example."));
    gslb_diag_free(d);
}

static void test_service_attach_glue_name_refused(void **state)
{
    zone_t *z = *state;
    static const int service = 1;
    gslb_diag_t *d = gslb_diag_new(false);
    assert_int_equal(attach(z, "ns.deleg.example.", &service, d), -GSLB_EZONE);
    assert_int_equal(find(z, "ns.deleg.example.")->flags, ZONE_NODE_OCCLUDED);
    gslb_diag_free(d);
}

static void test_service_attach_name_with_a_refused(void **state)
{
    zone_t *z = *state;
    static const int service = 1;
    gslb_diag_t *d = gslb_diag_new(false);
    assert_int_equal(attach(z, "host1.example.", &service, d), -GSLB_EZONE);
    assert_string_equal(gslb_diag_message(d, 0),
                        "gslbd.yaml:12:5: error: service name also has static A records in "
                        "'lookup.zone' line 8 (the service answers those)");
    const zone_node_t *n = find(z, "host1.example.");
    assert_int_equal(n->flags, 0);
    assert_null(n->service);
    gslb_diag_free(d);
}

static void test_service_attach_name_with_cname_refused(void **state)
{
    zone_t *z = *state;
    static const int service = 1;
    gslb_diag_t *d = gslb_diag_new(false);
    assert_int_equal(attach(z, "alias.example.", &service, d), -GSLB_EZONE);
    assert_string_equal(gslb_diag_message(d, 0),
                        "gslbd.yaml:12:5: error: service name also has static CNAME records in "
                        "'lookup.zone' line 20 (the service answers those)");
    gslb_diag_free(d);
}

static void test_service_attach_outside_zone_refused(void **state)
{
    zone_t *z = *state;
    static const int service = 1;
    gslb_diag_t *d = gslb_diag_new(false);
    size_t before = zone_node_count(z);
    assert_int_equal(attach(z, "www.example.org.", &service, d), -GSLB_EZONE);
    assert_string_equal(gslb_diag_message(d, 0),
                        "gslbd.yaml:12:5: error: service is not inside zone 'example.'");
    assert_int_equal(zone_node_count(z), before);
    gslb_diag_free(d);
}

static void test_service_attach_twice_refused(void **state)
{
    zone_t *z = *state;
    static const int first = 1, second = 2;
    gslb_diag_t *d = gslb_diag_new(false);
    assert_int_equal(attach(z, "svc.example.", &first, d), 0);
    assert_int_equal(attach(z, "svc.example.", &second, d), -GSLB_EZONE);
    assert_string_equal(gslb_diag_message(d, 0),
                        "gslbd.yaml:12:5: error: service is defined twice");
    assert_ptr_equal(find(z, "svc.example.")->service, &first);
    gslb_diag_free(d);
}

static void test_set_of_one_zone_finds_names_at_and_below_origin(void **state)
{
    (void)state;
    zone_t *zones[1] = {load_zone("child.zone", child_text, "child.example.")};
    gslb_diag_t *d = gslb_diag_new(false);
    zone_set_t *s = NULL;
    assert_int_equal(zone_set_new(&s, zones, 1, d), 0);
    gslb_diag_free(d);
    assert_string_equal(set_find(s, "child.example.", false), "child.example.");
    assert_string_equal(set_find(s, "www.child.example.", false), "child.example.");
    assert_string_equal(set_find(s, "a.b.www.child.example.", true), "child.example.");
    assert_null(set_find(s, "child.example.", true));
    assert_null(set_find(s, "xchild.example.", false));
    assert_null(set_find(s, "a.xchild.example.", false));
    assert_null(set_find(s, "example.", false));
    assert_null(set_find(s, "child.example.org.", false));
    /* The origin's octets inside a label: not a name below it. */
    static const uint8_t inside[] = "\010aa\005child\007example";
    assert_null(zone_set_find(s, inside, sizeof(inside), 0, false));
    zone_set_free(s);
}

/* Names that do not exist right below the apex have the apex as closest
 * encloser; a DNAME there redirects them (RFC 6672 2.3). */
static void test_lookup_missing_names_below_plain_apex(void **state)
{
    (void)state;
    zone_t *z = load_zone("child.zone", child_text, "child.example.");
    const zone_node_t *n;
    assert_int_equal(lookup(z, "nx.child.example.", false, &n), ZONE_MATCH_NXDOMAIN);
    assert_node_is(n, "child.example.");
    assert_int_equal(lookup(z, "a.nx.child.example.", false, &n), ZONE_MATCH_NXDOMAIN);
    assert_node_is(n, "child.example.");
    assert_int_equal(lookup(z, "a.www.child.example.", false, &n), ZONE_MATCH_NXDOMAIN);
    assert_node_is(n, "www.child.example.");
    zone_free(z);
    static const char text[] = "@ SOA ns hm 1 3600 900 604800 300\n"
                               "@ NS ns.example.org.\n"
                               "@ DNAME example.org.\n";
    z = load_zone("d.zone", text, "d.example.");
    assert_int_equal(lookup(z, "nx.d.example.", false, &n), ZONE_MATCH_DNAME);
    assert_node_is(n, "d.example.");
    assert_int_equal(lookup(z, "d.example.", false, &n), ZONE_MATCH_EXACT);
    zone_free(z);
}

static void test_find_names_differing_in_one_octet_told_apart(void **state)
{
    (void)state;
    /* Names compared a word at a time: a difference in the first octet, in
     * the last word, in the part of it that overlaps the word before, and
     * in names shorter than a word must all count. */
    static const char text[] = "@ SOA ns hm 1 3600 900 604800 300\n"
                               "@ NS ns\n"
                               "ns A 192.0.2.1\n"
                               "abcdefgh1 A 192.0.2.2\n"
                               "abcdefghijklmno A 192.0.2.3\n";
    zone_t *z = load_zone("eq.zone", text, "x.");
    assert_non_null(find(z, "abcdefgh1.x."));
    assert_null(find(z, "abcdefgh2.x."));
    assert_null(find(z, "bbcdefgh1.x."));
    assert_null(find(z, "abcdefgz1.x."));
    assert_non_null(find(z, "abcdefghijklmno.x."));
    assert_null(find(z, "abcdefghijklmnp.x."));
    assert_null(find(z, "abcdefghijklmzo.x."));
    assert_null(find(z, "abcdefghijklmn.x."));
    assert_non_null(find(z, "ns.x."));
    assert_null(find(z, "nt.x."));
    assert_non_null(find(z, "x."));
    assert_null(find(z, "y."));
    zone_free(z);
}

#define ZONE_TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
#define SET_TEST(f) cmocka_unit_test_setup_teardown(f, setup_set, teardown_set)

int main(void)
{
    const struct CMUnitTest tests[] = {
        ZONE_TEST(test_lookup_existing_name_exact),
        ZONE_TEST(test_lookup_apex_exact_with_apex_and_wildcard_flags),
        ZONE_TEST(test_lookup_empty_non_terminal_exact_without_rrsets),
        ZONE_TEST(test_lookup_missing_name_nxdomain_with_closest_encloser),
        ZONE_TEST(test_lookup_one_label_below_wildcard_owner_synthesized),
        ZONE_TEST(test_lookup_two_labels_below_wildcard_owner_synthesized),
        ZONE_TEST(test_lookup_w_wildcard_matches_one_and_two_labels),
        ZONE_TEST(test_lookup_existing_names_not_synthesized),
        ZONE_TEST(test_lookup_wildcard_blocked_by_empty_non_terminal),
        ZONE_TEST(test_lookup_below_wildcard_owner_not_synthesized),
        ZONE_TEST(test_lookup_at_cut_delegation),
        ZONE_TEST(test_lookup_below_cut_delegation_to_cut),
        ZONE_TEST(test_lookup_glue_occluded_and_delegated),
        ZONE_TEST(test_lookup_ds_at_cut_exact),
        ZONE_TEST(test_lookup_ds_below_cut_delegation),
        ZONE_TEST(test_lookup_below_dname_owner_dname),
        ZONE_TEST(test_lookup_cname_owner_exact_with_target),
        cmocka_unit_test(test_lookup_missing_names_below_plain_apex),
        cmocka_unit_test(test_set_of_one_zone_finds_names_at_and_below_origin),
        SET_TEST(test_set_keeps_every_zone),
        SET_TEST(test_set_find_below_child_apex_picks_child),
        SET_TEST(test_set_find_child_apex_picks_child),
        SET_TEST(test_set_find_outside_child_picks_parent),
        SET_TEST(test_set_find_skip_apex_of_child_picks_parent),
        SET_TEST(test_set_find_skip_apex_of_leaves_names_below_apex_alone),
        SET_TEST(test_set_find_skip_apex_without_parent_none),
        SET_TEST(test_set_find_unserved_name_none),
        cmocka_unit_test(test_set_of_many_zones_finds_the_most_specific),
        cmocka_unit_test(test_set_new_same_zone_twice_reported),
        cmocka_unit_test(test_find_names_differing_in_one_octet_told_apart),
        ZONE_TEST(test_service_attach_name_without_data_creates_node),
        ZONE_TEST(test_service_attach_name_with_other_types_accepted),
        ZONE_TEST(test_service_attach_at_cut_refused),
        ZONE_TEST(test_service_attach_below_cut_refused),
        ZONE_TEST(test_service_attach_glue_name_refused),
        ZONE_TEST(test_service_attach_name_with_a_refused),
        ZONE_TEST(test_service_attach_name_with_cname_refused),
        ZONE_TEST(test_service_attach_outside_zone_refused),
        ZONE_TEST(test_service_attach_twice_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
