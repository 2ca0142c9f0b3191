/* Unit tests for the dnssec module: keys, signing a zone at load, NSEC, online signing and
 * the signature cache — every signature checked with ldns. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../dnssec_test.h"
#include "../test_files.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gslb/conf.h"
#include "gslb/dnssec.h"
#include "gslb/zone.h"

/* Every kind of RRset a zone serves: apex data, names in RDATA (upper case on purpose:
 * the canonical form lower-cases them, RFC 4034 6.2), a delegation with DS and one without,
 * glue, a wildcard, an empty non-terminal (a.b), a DNAME and a CNAME. */
static const char zone_text[] =
    "$ORIGIN s.test.\n"
    "$TTL 3600\n"
    "@ SOA NS1.S.TEST. Hostmaster 1 3600 900 86400 300\n"
    "@ NS ns1\n"
    "@ MX 10 MAIL.S.test.\n"
    "@ TXT \"v=spf1 -all\"\n"
    "@ CAA 0 issue \"ca.example\"\n"
    "ns1 A 192.0.2.1\n"
    "ns1 AAAA 2001:db8::1\n"
    "mail A 192.0.2.25\n"
    "_sip._udp SRV 10 60 5060 SIP.s.test.\n"
    "sip A 192.0.2.60\n"
    "www CNAME Mail\n"
    "*.wild A 192.0.2.99\n"
    "x.a.b TXT \"deep\"\n"
    "dn DNAME Other.test.\n"
    "ptr PTR Mail.S.Test.\n"
    "child NS ns.child\n"
    "child DS 12345 13 2 E2D3C916F6DEEAC73294E8268FB5885044A833FC5459588F4A9184CFC41A5766\n"
    "ns.child A 192.0.2.53\n"
    "insecure NS ns.elsewhere.test.\n";

typedef struct fixture {
    char dir[64];
    ldns_rr_list *keys; /* DNSKEYs, for verifying */
    conf_t *conf;
    zone_t *zone;
    dnssec_zone_t *dz;
} fixture_t;

/* Load dir/gslbd.yaml (a zone s.test. with the dnssec: section given) into f->conf. */
static int conf_with(fixture_t *f, const char *dnssec_yaml, gslb_diag_t *diag)
{
    char yaml[2048];
    snprintf(yaml, sizeof(yaml),
             "datacenters:\n"
             "  dc: {addresses: [192.0.2.1]}\n"
             "services:\n"
             "  svc.s.test.: {policy: failover, datacenters: [dc]}\n"
             "zones:\n"
             "  - file: %s/s.zone\n"
             "    origin: s.test.\n"
             "    dnssec:\n%s",
             f->dir, dnssec_yaml);
    char path[128];
    snprintf(path, sizeof(path), "%s/gslbd.yaml", f->dir);
    test_file_write(f->dir, "gslbd.yaml", yaml);
    return conf_load(path, diag, &f->conf);
}

static int sign_with(fixture_t *f, const char *dnssec_yaml, gslb_diag_t *diag)
{
    if (conf_with(f, dnssec_yaml, diag) != 0) {
        return -1;
    }
    char path[128];
    snprintf(path, sizeof(path), "%s/s.zone", f->dir);
    assert_int_equal(zone_load(&f->zone, path, "s.test.", diag), 0);
    return dnssec_zone_sign(&f->dz, f->zone, &f->conf->zones[0].dnssec, time(NULL), NULL, NULL,
                            diag);
}

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "/tmp/test_dnssec_zone.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    test_file_write(f->dir, "s.zone", zone_text);
    f->keys = ldns_rr_list_new();
    ldns_rr_list_push_rr(f->keys, test_key_make(f->dir, "Kcsk", "s.test.",
                                                LDNS_SIGN_ECDSAP256SHA256, 257));
    ldns_rr_list_push_rr(f->keys, test_key_make(f->dir, "Kksk", "s.test.",
                                                LDNS_SIGN_ECDSAP256SHA256, 257));
    ldns_rr_list_push_rr(f->keys, test_key_make(f->dir, "Kzsk", "s.test.",
                                                LDNS_SIGN_ECDSAP256SHA256, 256));
    ldns_rr_list_push_rr(f->keys, test_key_make(f->dir, "Ked", "s.test.", LDNS_SIGN_ED25519,
                                                257));
    ldns_rr_list_push_rr(f->keys, test_key_make(f->dir, "Krsa", "s.test.", LDNS_SIGN_RSASHA256,
                                                257));
    ldns_rr_list_push_rr(f->keys, test_key_make(f->dir, "Kother", "other.test.",
                                                LDNS_SIGN_ECDSAP256SHA256, 257));
    ldns_rr_list_push_rr(f->keys, test_key_make(f->dir, "Ksha1", "s.test.", LDNS_SIGN_RSASHA1,
                                                257));
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    dnssec_zone_free(f->dz);
    zone_free(f->zone);
    conf_free(f->conf);
    ldns_rr_list_deep_free(f->keys);
    static const char *const bases[] = {"Kcsk", "Kksk",   "Kzsk", "Ked",
                                        "Krsa", "Kother", "Ksha1", "Kbad"};
    for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
        test_key_remove(f->dir, bases[i]);
    }
    test_file_remove(f->dir, "s.zone");
    test_file_remove(f->dir, "gslbd.yaml");
    rmdir(f->dir);
    free(f);
    return 0;
}

/* The RRset (and, separately, its RRSIGs) of a zone node as ldns records. */
static ldns_rr *rr_from(const uint8_t *owner, size_t owner_len, uint16_t type, uint32_t ttl,
                        const dns_rdata_t *rd)
{
    uint8_t buf[4096];
    size_t n = 0;
    memcpy(buf, owner, owner_len);
    n += owner_len;
    buf[n++] = (uint8_t)(type >> 8);
    buf[n++] = (uint8_t)type;
    buf[n++] = 0;
    buf[n++] = 1;
    buf[n++] = (uint8_t)(ttl >> 24);
    buf[n++] = (uint8_t)(ttl >> 16);
    buf[n++] = (uint8_t)(ttl >> 8);
    buf[n++] = (uint8_t)ttl;
    buf[n++] = (uint8_t)(rd->len >> 8);
    buf[n++] = (uint8_t)rd->len;
    memcpy(buf + n, rd->data, rd->len);
    n += rd->len;
    ldns_rr *rr = NULL;
    size_t pos = 0;
    assert_int_equal(ldns_wire2rr(&rr, buf, n, &pos, LDNS_SECTION_ANSWER), LDNS_STATUS_OK);
    return rr;
}

/* Verify set (owned by owner) against its signatures; returns the ldns status. */
static ldns_status verify_set(const ldns_rr_list *keys, const uint8_t *owner, size_t owner_len,
                              const zone_rrset_t *set, uint32_t ttl)
{
    ldns_rr_list *rrs = ldns_rr_list_new();
    ldns_rr_list *sigs = ldns_rr_list_new();
    for (uint16_t i = 0; i < set->count; i++) {
        ldns_rr_list_push_rr(rrs, rr_from(owner, owner_len, set->type, ttl, &set->rrs[i]));
    }
    for (uint16_t i = 0; i < set->sig_count; i++) {
        ldns_rr_list_push_rr(sigs, rr_from(owner, owner_len, DNS_TYPE_RRSIG, ttl, &set->sigs[i]));
    }
    ldns_status st = test_verify_sigs(rrs, sigs, keys);
    ldns_rr_list_deep_free(rrs);
    ldns_rr_list_deep_free(sigs);
    return st;
}

static const zone_node_t *node_of(const zone_t *z, const char *name)
{
    ldns_rdf *d = NULL;
    assert_int_equal(ldns_str2rdf_dname(&d, name), LDNS_STATUS_OK);
    uint8_t lc[DNS_NAME_MAX];
    dns_name_lower(ldns_rdf_data(d), ldns_rdf_size(d), lc);
    const zone_node_t *n = zone_node_find(z, lc, ldns_rdf_size(d));
    ldns_rdf_deep_free(d);
    assert_non_null(n);
    return n;
}

/* Every authoritative RRset and every NSEC verifies; delegation NS and glue are unsigned. */
static void test_zone_sign_every_rrset_verifies(void **state)
{
    fixture_t *f = *state;
    gslb_diag_t *diag = gslb_diag_new(false);
    char keys[512];
    snprintf(keys, sizeof(keys), "      keys: [{file: %s/Kcsk, role: csk}]\n", f->dir);
    assert_int_equal(sign_with(f, keys, diag), 0);
    gslb_diag_free(diag);
    size_t pos = 0, sets = 0, nsecs = 0;
    for (zone_node_t *n = zone_node_next(f->zone, &pos, NULL); n != NULL;
         n = zone_node_next(f->zone, &pos, n)) {
        bool is_auth = !(n->flags & ZONE_NODE_OCCLUDED);
        for (uint16_t i = 0; i < n->rrset_count; i++) {
            const zone_rrset_t *set = &n->rrsets[i];
            bool is_signed = is_auth && (!(n->flags & ZONE_NODE_CUT) ||
                                         set->type == DNS_TYPE_DS);
            if (!is_signed) {
                assert_int_equal(set->sig_count, 0);
                continue;
            }
            assert_int_equal(set->sig_count, 1);
            assert_int_equal(verify_set(f->keys, n->name, n->name_len, set, set->ttl_s),
                             LDNS_STATUS_OK);
            sets++;
        }
        if (is_auth) {
            assert_non_null(n->nsec);
            assert_int_equal(verify_set(f->keys, n->name, n->name_len, n->nsec,
                                        n->nsec->ttl_s), LDNS_STATUS_OK);
            nsecs++;
        } else {
            assert_null(n->nsec);
        }
    }
    /* apex SOA NS MX TXT CAA DNSKEY CDS CDNSKEY, ns1 A AAAA, mail, srv, sip, www, *.wild,
     * x.a.b, dn, ptr, child DS */
    assert_int_equal(sets, 19);
    assert_true(nsecs >= 15);
    /* A signature covers its records only: one changed octet breaks it. */
    const zone_rrset_t *mx = zone_node_rrset(zone_apex(f->zone), DNS_TYPE_MX);
    uint8_t copy[64];
    memcpy(copy, mx->rrs[0].data, mx->rrs[0].len);
    copy[1] ^= 1;
    dns_rdata_t changed = {.data = copy, .len = mx->rrs[0].len};
    zone_rrset_t forged = *mx;
    forged.rrs = &changed;
    assert_int_not_equal(verify_set(f->keys, zone_origin(f->zone), zone_origin_len(f->zone),
                                    &forged, mx->ttl_s), LDNS_STATUS_OK);
}

/* The wildcard's RRSIG does not count the "*" label (RFC 4034 3.1.3). */
static void test_zone_sign_wildcard_labels_exclude_star(void **state)
{
    fixture_t *f = *state;
    gslb_diag_t *diag = gslb_diag_new(false);
    char keys[512];
    snprintf(keys, sizeof(keys), "      keys: [{file: %s/Kcsk, role: csk}]\n", f->dir);
    assert_int_equal(sign_with(f, keys, diag), 0);
    gslb_diag_free(diag);
    const zone_node_t *n = node_of(f->zone, "*.wild.s.test.");
    const zone_rrset_t *a = zone_node_rrset(n, DNS_TYPE_A);
    assert_int_equal(a->sigs[0].data[3], 3); /* wild.s.test */
}

/* The NSEC of a name: next "\000.owner" and exactly its types with RRSIG and NSEC; a
 * delegation's lists NS (and DS when there is one), an empty non-terminal only RRSIG NSEC. */
static void test_zone_sign_nsec_bitmaps_exact(void **state)
{
    fixture_t *f = *state;
    gslb_diag_t *diag = gslb_diag_new(false);
    char keys[512];
    snprintf(keys, sizeof(keys), "      keys: [{file: %s/Kcsk, role: csk}]\n", f->dir);
    assert_int_equal(sign_with(f, keys, diag), 0);
    gslb_diag_free(diag);
    static const struct {
        const char *name;
        const char *text;
    } want[] = {
        {"ns1.s.test.", "ns1.s.test.\t300\tIN\tNSEC\t\\000.ns1.s.test. A AAAA RRSIG NSEC \n"},
        {"child.s.test.", "child.s.test.\t300\tIN\tNSEC\t\\000.child.s.test. NS DS RRSIG NSEC \n"},
        {"insecure.s.test.", "insecure.s.test.\t300\tIN\tNSEC\t\\000.insecure.s.test. NS RRSIG "
                             "NSEC \n"},
        {"b.s.test.", "b.s.test.\t300\tIN\tNSEC\t\\000.b.s.test. RRSIG NSEC \n"},
        {"s.test.", "s.test.\t300\tIN\tNSEC\t\\000.s.test. NS SOA MX TXT RRSIG NSEC DNSKEY CDS "
                    "CDNSKEY CAA \n"},
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        const zone_node_t *n = node_of(f->zone, want[i].name);
        ldns_rr *rr = rr_from(n->name, n->name_len, DNS_TYPE_NSEC, n->nsec->ttl_s,
                              &n->nsec->rrs[0]);
        char *text = ldns_rr2str(rr);
        assert_string_equal(text, want[i].text);
        free(text);
        ldns_rr_free(rr);
    }
}

/* A KSK signs the key RRsets, the ZSK the rest; CDS/CDNSKEY name the KSK only. */
static void test_zone_sign_ksk_zsk_split(void **state)
{
    fixture_t *f = *state;
    gslb_diag_t *diag = gslb_diag_new(false);
    char keys[512];
    snprintf(keys, sizeof(keys),
             "      keys:\n"
             "        - {file: %s/Kksk, role: ksk}\n"
             "        - {file: %s/Kzsk.private, role: zsk}\n",
             f->dir, f->dir);
    assert_int_equal(sign_with(f, keys, diag), 0);
    gslb_diag_free(diag);
    const zone_node_t *apex = zone_apex(f->zone);
    uint16_t ksk = ldns_calc_keytag(ldns_rr_list_rr(f->keys, 1));
    uint16_t zsk = ldns_calc_keytag(ldns_rr_list_rr(f->keys, 2));
    const zone_rrset_t *dnskey = zone_node_rrset(apex, DNS_TYPE_DNSKEY);
    assert_int_equal(dnskey->count, 2);
    const zone_rrset_t *soa = zone_node_rrset(apex, DNS_TYPE_SOA);
    const dns_rdata_t *ks = &dnskey->sigs[0], *ss = &soa->sigs[0];
    assert_int_equal(dnskey->sig_count, 1);
    assert_int_equal((ks->data[16] << 8) | ks->data[17], ksk);
    assert_int_equal((ss->data[16] << 8) | ss->data[17], zsk);
    assert_int_equal(verify_set(f->keys, apex->name, apex->name_len, dnskey, dnskey->ttl_s),
                     LDNS_STATUS_OK);
    const zone_rrset_t *cds = zone_node_rrset(apex, DNSSEC_TYPE_CDS);
    assert_int_equal(cds->count, 1);
    assert_int_equal((cds->rrs[0].data[0] << 8) | cds->rrs[0].data[1], ksk);
    assert_int_equal(zone_node_rrset(apex, DNSSEC_TYPE_CDNSKEY)->count, 1);
    char ds[1024];
    assert_true(dnssec_zone_ds_text(f->dz, ds, sizeof(ds)) > 0);
    char tag[16];
    snprintf(tag, sizeof(tag), "DS\t%u 13 2 ", ksk);
    assert_non_null(strstr(ds, tag));
    assert_null(strchr(strchr(ds, '\n') + 1, '\n')); /* one line: the ZSK has no DS */
}

/* Ed25519 (RFC 8080) and RSA/SHA-256 keys sign and verify too. */
static void test_zone_sign_algorithms_15_and_8(void **state)
{
    fixture_t *f = *state;
    gslb_diag_t *diag = gslb_diag_new(false);
    char keys[512];
    snprintf(keys, sizeof(keys),
             "      keys:\n"
             "        - {file: %s/Ked, role: csk}\n"
             "        - {file: %s/Krsa, role: csk}\n",
             f->dir, f->dir);
    assert_int_equal(sign_with(f, keys, diag), 0);
    gslb_diag_free(diag);
    const zone_rrset_t *soa = zone_soa(f->zone);
    assert_int_equal(soa->sig_count, 2);
    assert_int_equal(soa->sigs[0].data[2], 15);
    assert_int_equal(soa->sigs[1].data[2], 8);
    /* Each signature on its own. */
    for (int i = 0; i < 2; i++) {
        zone_rrset_t one = *soa;
        one.sigs = &soa->sigs[i];
        one.sig_count = 1;
        assert_int_equal(verify_set(f->keys, zone_origin(f->zone), zone_origin_len(f->zone),
                                    &one, soa->ttl_s), LDNS_STATUS_OK);
    }
}

/* Times: a key published but not yet active is in the DNSKEY RRset and signs nothing; a
 * retired one is gone; re-signing is due at the next key event. */
static void test_zone_sign_key_times(void **state)
{
    fixture_t *f = *state;
    gslb_diag_t *diag = gslb_diag_new(false);
    long long now = (long long)time(NULL);
    char keys[1024];
    snprintf(keys, sizeof(keys),
             "      refresh_s: 3600\n"
             "      keys:\n"
             "        - {file: %s/Kcsk, role: csk, activate: %lld}\n"
             "        - {file: %s/Kksk, role: csk, publish: %lld, activate: %lld}\n"
             "        - {file: %s/Kzsk, role: zsk, activate: %lld, inactive: %lld, delete: "
             "%lld}\n",
             f->dir, now - 86400, f->dir, now - 60, now + 600, f->dir, now - 7200, now - 3600,
             now - 1800);
    assert_int_equal(sign_with(f, keys, diag), 0);
    gslb_diag_free(diag);
    const zone_node_t *apex = zone_apex(f->zone);
    assert_int_equal(zone_node_rrset(apex, DNS_TYPE_DNSKEY)->count, 2);
    assert_int_equal(zone_soa(f->zone)->sig_count, 1);
    assert_int_equal(zone_node_rrset(apex, DNSSEC_TYPE_CDS)->count, 1);
    assert_int_equal((long long)dnssec_zone_resign_at(f->dz), now + 600);
}

/* Key problems stop the configuration at the key's position in the file. */
static void test_zone_sign_key_errors_at_position(void **state)
{
    fixture_t *f = *state;
    test_file_write(f->dir, "Kbad.private", "Private-key-format: v1.2\nAlgorithm: 13\nnonsense\n");
    test_file_write(f->dir, "Kbad.key", "s.test. IN DNSKEY 257 3 13 AAAA\n");
    static const struct {
        const char *base;
        const char *role;
        const char *text;
    } cases[] = {
        {"Kmissing", "csk", "cannot read"},
        {"Kother", "csk", "not for this zone"},
        {"Ksha1", "csk", "algorithm must be"},
        {"Kbad", "csk", "not a private key file"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        gslb_diag_t *diag = gslb_diag_new(false);
        char keys[512];
        snprintf(keys, sizeof(keys), "      keys:\n        - {file: %s/%s, role: %s}\n", f->dir,
                 cases[i].base, cases[i].role);
        assert_int_not_equal(sign_with(f, keys, diag), 0);
        assert_true(gslb_diag_count(diag) >= 1);
        const char *msg = gslb_diag_message(diag, 0);
        assert_non_null(strstr(msg, "gslbd.yaml:10:"));
        assert_non_null(strstr(msg, cases[i].text));
        gslb_diag_free(diag);
        zone_free(f->zone);
        f->zone = NULL;
        conf_free(f->conf);
        f->conf = NULL;
    }
    /* The .key of one key with the private key of another. */
    char path[256], text[2048];
    snprintf(path, sizeof(path), "%s/Kzsk.key", f->dir);
    FILE *fp = fopen(path, "r");
    size_t n = fread(text, 1, sizeof(text) - 1, fp);
    fclose(fp);
    text[n] = '\0';
    test_file_write(f->dir, "Kbad.key", text);
    snprintf(path, sizeof(path), "%s/Kcsk.private", f->dir);
    fp = fopen(path, "r");
    n = fread(text, 1, sizeof(text) - 1, fp);
    fclose(fp);
    text[n] = '\0';
    test_file_write(f->dir, "Kbad.private", text);
    gslb_diag_t *diag = gslb_diag_new(false);
    char keys[512];
    snprintf(keys, sizeof(keys), "      keys:\n        - {file: %s/Kbad, role: csk}\n", f->dir);
    assert_int_not_equal(sign_with(f, keys, diag), 0);
    assert_non_null(strstr(gslb_diag_message(diag, 0), "does not match"));
    gslb_diag_free(diag);
}

/* Without an active key for the DNSKEY RRset (a ZSK alone) the zone is not signed. */
static void test_zone_sign_zsk_alone_refused(void **state)
{
    fixture_t *f = *state;
    gslb_diag_t *diag = gslb_diag_new(false);
    char keys[512];
    snprintf(keys, sizeof(keys), "      keys: [{file: %s/Kzsk, role: zsk}]\n", f->dir);
    assert_int_not_equal(sign_with(f, keys, diag), 0);
    assert_non_null(strstr(gslb_diag_message(diag, 0), "no active key signs the DNSKEY"));
    gslb_diag_free(diag);
}

/* The type bitmap of RFC 4034 4.1.2, octet for octet (the example of 4.3). */
static void test_nsec_rdata_rfc4034_example(void **state)
{
    (void)state;
    static const uint8_t next[] = "\004host\007example\003com";
    uint16_t types[] = {DNS_TYPE_A, DNS_TYPE_MX, DNS_TYPE_RRSIG, DNS_TYPE_NSEC, 1234,
                        DNS_TYPE_A};
    uint8_t out[128];
    size_t n = dnssec_nsec_rdata(next, sizeof(next), types, 6, out, sizeof(out));
    static const uint8_t bitmap[] = {0x00, 0x06, 0x40, 0x01, 0x00, 0x00, 0x00, 0x03,
                                     0x04, 0x1b, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                     0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                     0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                     0x00, 0x00, 0x00, 0x00, 0x20};
    assert_int_equal(n, sizeof(next) + sizeof(bitmap));
    assert_memory_equal(out + sizeof(next), bitmap, sizeof(bitmap));
    assert_int_equal(dnssec_nsec_rdata(next, sizeof(next), types, 6, out, 20), 0);
    uint8_t nx[DNS_NAME_MAX];
    assert_int_equal(dnssec_nsec_next(next, sizeof(next), nx), sizeof(next) + 2);
    assert_memory_equal(nx, "\001\000\004host", 7);
}

/* Online signatures verify; the cache answers the same RRset in any record order, keys
 * on the records (other addresses are signed anew) and stays within its slots. */
static void test_cache_hits_any_order_and_keys_on_rdata(void **state)
{
    fixture_t *f = *state;
    gslb_diag_t *diag = gslb_diag_new(false);
    char keys[512];
    snprintf(keys, sizeof(keys), "      keys: [{file: %s/Kcsk, role: csk}]\n", f->dir);
    assert_int_equal(sign_with(f, keys, diag), 0);
    gslb_diag_free(diag);
    static const uint8_t owner[] = "\003svc\001s\004test";
    uint8_t a1[4] = {192, 0, 2, 10}, a2[4] = {192, 0, 2, 11}, a3[4] = {198, 51, 100, 1};
    dns_rdata_t fwd[2] = {{a1, 4}, {a2, 4}}, rev[2] = {{a2, 4}, {a1, 4}}, other[1] = {{a3, 4}};
    dnssec_cache_t *c = dnssec_cache_new(16);
    uint16_t len1 = 0, len2 = 0, len3 = 0;
    uint8_t first[DNSSEC_RRSIG_MAX];
    const uint8_t *s1 = dnssec_cache_sign(c, f->dz, owner, sizeof(owner), DNS_TYPE_A, 30, fwd, 2,
                                          &len1);
    assert_non_null(s1);
    memcpy(first, s1, len1);
    const uint8_t *s2 = dnssec_cache_sign(c, f->dz, owner, sizeof(owner), DNS_TYPE_A, 30, rev, 2,
                                          &len2);
    assert_int_equal(dnssec_cache_stats(c)->hits, 1);
    assert_int_equal(dnssec_cache_stats(c)->misses, 1);
    assert_int_equal(len1, len2);
    assert_memory_equal(first, s2, len1); /* the same signature, not a new one */
    const uint8_t *s3 = dnssec_cache_sign(c, f->dz, owner, sizeof(owner), DNS_TYPE_A, 30, other,
                                          1, &len3);
    assert_non_null(s3);
    assert_int_equal(dnssec_cache_stats(c)->misses, 2);
    /* Another TTL is another RRset (the original TTL is signed). */
    dnssec_cache_sign(c, f->dz, owner, sizeof(owner), DNS_TYPE_A, 10, fwd, 2, &len3);
    assert_int_equal(dnssec_cache_stats(c)->misses, 3);
    /* Both verify as what they claim to cover. */
    zone_rrset_t set = {.type = DNS_TYPE_A, .count = 2, .ttl_s = 30, .rrs = fwd};
    dns_rdata_t sig = {.data = first, .len = len1};
    set.sigs = &sig;
    set.sig_count = 1;
    assert_int_equal(verify_set(f->keys, owner, sizeof(owner), &set, 30), LDNS_STATUS_OK);
    set.rrs = other;
    set.count = 1;
    assert_int_not_equal(verify_set(f->keys, owner, sizeof(owner), &set, 30), LDNS_STATUS_OK);
    /* Many more RRsets than slots: it keeps working, and memory does not grow. */
    for (unsigned i = 0; i < 200; i++) {
        uint8_t ad[4] = {10, 0, (uint8_t)(i >> 8), (uint8_t)i};
        dns_rdata_t r = {ad, 4};
        assert_non_null(dnssec_cache_sign(c, f->dz, owner, sizeof(owner), DNS_TYPE_A, 30, &r, 1,
                                          &len3));
    }
    assert_int_equal(dnssec_cache_bytes(16), dnssec_cache_bytes(13));
    /* The first RRset was evicted: asking again signs again. */
    uint64_t misses = dnssec_cache_stats(c)->misses;
    dnssec_cache_sign(c, f->dz, owner, sizeof(owner), DNS_TYPE_A, 30, fwd, 2, &len1);
    assert_int_equal(dnssec_cache_stats(c)->misses, misses + 1);
    dnssec_cache_free(c);
}

/* A new signing (a reload) never answers from signatures of the previous one. */
static void test_cache_keys_on_signing(void **state)
{
    fixture_t *f = *state;
    gslb_diag_t *diag = gslb_diag_new(false);
    char keys[512];
    snprintf(keys, sizeof(keys), "      keys: [{file: %s/Kcsk, role: csk}]\n", f->dir);
    assert_int_equal(sign_with(f, keys, diag), 0);
    static const uint8_t owner[] = "\003svc\001s\004test";
    uint8_t a1[4] = {192, 0, 2, 10};
    dns_rdata_t r = {a1, 4};
    dnssec_cache_t *c = dnssec_cache_new(64);
    uint16_t len = 0;
    dnssec_cache_sign(c, f->dz, owner, sizeof(owner), DNS_TYPE_A, 30, &r, 1, &len);
    dnssec_zone_t *old = f->dz;
    zone_t *old_zone = f->zone;
    conf_t *old_conf = f->conf;
    f->dz = NULL;
    f->zone = NULL;
    f->conf = NULL;
    assert_int_equal(sign_with(f, keys, diag), 0);
    assert_int_not_equal(dnssec_zone_id(old), dnssec_zone_id(f->dz));
    dnssec_cache_sign(c, f->dz, owner, sizeof(owner), DNS_TYPE_A, 30, &r, 1, &len);
    assert_int_equal(dnssec_cache_stats(c)->misses, 2);
    dnssec_cache_free(c);
    dnssec_zone_free(old);
    zone_free(old_zone);
    conf_free(old_conf);
    gslb_diag_free(diag);
}

/* Steered answers are keyed on the snapshot's pointers: the same records (in any order)
 * hit, other records miss and are signed for what they are, and the two kinds of keys
 * never answer for each other. */
static void test_cache_stable_keys_on_pointers(void **state)
{
    fixture_t *f = *state;
    gslb_diag_t *diag = gslb_diag_new(false);
    char keys[512];
    snprintf(keys, sizeof(keys), "      keys: [{file: %s/Kcsk, role: csk}]\n", f->dir);
    assert_int_equal(sign_with(f, keys, diag), 0);
    gslb_diag_free(diag);
    static const uint8_t owner[] = "\003svc\001s\004test";
    static const uint8_t addrs[3][4] = {{192, 0, 2, 10}, {192, 0, 2, 11}, {198, 51, 100, 1}};
    int node = 0; /* stands for the service's node */
    dns_rdata_t fwd[2] = {{addrs[0], 4}, {addrs[1], 4}}, rev[2] = {{addrs[1], 4}, {addrs[0], 4}};
    dns_rdata_t other[1] = {{addrs[2], 4}};
    dnssec_cache_t *c = dnssec_cache_new(64);
    uint16_t len = 0;
    uint8_t first[DNSSEC_RRSIG_MAX];
    const uint8_t *s1 = dnssec_cache_sign_stable(c, f->dz, &node, owner, sizeof(owner),
                                                 DNS_TYPE_A, 30, fwd, 2, &len);
    assert_non_null(s1);
    memcpy(first, s1, len);
    uint16_t len1 = len;
    assert_memory_equal(dnssec_cache_sign_stable(c, f->dz, &node, owner, sizeof(owner),
                                                 DNS_TYPE_A, 30, rev, 2, &len),
                        first, len1);
    assert_int_equal(dnssec_cache_stats(c)->hits, 1);
    const uint8_t *s3 = dnssec_cache_sign_stable(c, f->dz, &node, owner, sizeof(owner),
                                                 DNS_TYPE_A, 30, other, 1, &len);
    assert_non_null(s3);
    assert_int_equal(dnssec_cache_stats(c)->misses, 2);
    dns_rdata_t sig = {.data = s3, .len = len};
    zone_rrset_t set = {.type = DNS_TYPE_A, .count = 1, .ttl_s = 30, .rrs = other,
                        .sigs = &sig, .sig_count = 1};
    assert_int_equal(verify_set(f->keys, owner, sizeof(owner), &set, 30), LDNS_STATUS_OK);
    /* The octet-keyed lookup of the same RRset is a key of its own kind: a miss. */
    dnssec_cache_sign(c, f->dz, owner, sizeof(owner), DNS_TYPE_A, 30, fwd, 2, &len);
    assert_int_equal(dnssec_cache_stats(c)->misses, 3);
    dnssec_cache_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_zone_sign_every_rrset_verifies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zone_sign_wildcard_labels_exclude_star, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_zone_sign_nsec_bitmaps_exact, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zone_sign_ksk_zsk_split, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zone_sign_algorithms_15_and_8, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zone_sign_key_times, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zone_sign_key_errors_at_position, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zone_sign_zsk_alone_refused, setup, teardown),
        cmocka_unit_test(test_nsec_rdata_rfc4034_example),
        cmocka_unit_test_setup_teardown(test_cache_hits_any_order_and_keys_on_rdata, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_cache_keys_on_signing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cache_stable_keys_on_pointers, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
