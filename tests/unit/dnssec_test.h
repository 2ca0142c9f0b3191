/* Unit-test helpers for DNSSEC: keys made with ldns and written in the formats the key tools
 * write, and checking every signature of a response with ldns. */
#ifndef GSLB_DNSSEC_TEST_H
#define GSLB_DNSSEC_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ldns/ldns.h>
#include <stdio.h>
#include <string.h>

/* Make a key of alg for zone origin (presentation) with flags (256 or 257), write it as
 * dir/base.private and dir/base.key, and return its DNSKEY (owned by the caller). */
static inline ldns_rr *test_key_make(const char *dir, const char *base, const char *origin,
                                     ldns_signing_algorithm alg, uint16_t flags)
{
    int bits = alg == LDNS_SIGN_RSASHA256 ? 2048 : alg == LDNS_SIGN_RSASHA1 ? 1024 : 256;
    ldns_key *k = ldns_key_new_frm_algorithm(alg, (uint16_t)bits);
    assert_non_null(k);
    ldns_rdf *owner = NULL;
    assert_int_equal(ldns_str2rdf_dname(&owner, origin), LDNS_STATUS_OK);
    ldns_key_set_pubkey_owner(k, owner);
    ldns_key_set_flags(k, flags);
    ldns_rr *rr = ldns_key2rr(k);
    assert_non_null(rr);
    char path[512];
    snprintf(path, sizeof(path), "%s/%s.private", dir, base);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    ldns_key_print(f, k);
    fclose(f);
    snprintf(path, sizeof(path), "%s/%s.key", dir, base);
    f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "; a comment line, as key tools write\n");
    ldns_rr_print(f, rr);
    fclose(f);
    ldns_key_deep_free(k);
    return rr;
}

static inline void test_key_remove(const char *dir, const char *base)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s.private", dir, base);
    unlink(path);
    snprintf(path, sizeof(path), "%s/%s.key", dir, base);
    unlink(path);
}

/* LDNS_STATUS_OK when one of sigs verifies rrset with one of keys
 * (ldns_verify_rrsig_keylist per signature), else the last error (no signature: an error). */
static inline ldns_status test_verify_sigs(ldns_rr_list *rrset, const ldns_rr_list *sigs,
                                           const ldns_rr_list *keys)
{
    ldns_status st = LDNS_STATUS_CRYPTO_NO_RRSIG;
    for (size_t i = 0; i < ldns_rr_list_rr_count(sigs); i++) {
        ldns_rr_list *good = ldns_rr_list_new();
        st = ldns_verify_rrsig_keylist(rrset, ldns_rr_list_rr(sigs, i), keys, good);
        ldns_rr_list_free(good);
        if (st == LDNS_STATUS_OK) {
            return st;
        }
    }
    return st;
}

/* The RRset of (owner, type) in list, as a new list (shallow: the records stay list's). */
static inline ldns_rr_list *test_rrset_of(const ldns_rr_list *list, const ldns_rdf *owner,
                                          ldns_rr_type type)
{
    ldns_rr_list *out = ldns_rr_list_new();
    for (size_t i = 0; i < ldns_rr_list_rr_count(list); i++) {
        ldns_rr *rr = ldns_rr_list_rr(list, i);
        if (ldns_rr_get_type(rr) == type && ldns_dname_compare(ldns_rr_owner(rr), owner) == 0) {
            ldns_rr_list_push_rr(out, rr);
        }
    }
    return out;
}

/* The RRSIGs in list over (owner, type). */
static inline ldns_rr_list *test_sigs_of(const ldns_rr_list *list, const ldns_rdf *owner,
                                         ldns_rr_type type)
{
    ldns_rr_list *out = ldns_rr_list_new();
    for (size_t i = 0; i < ldns_rr_list_rr_count(list); i++) {
        ldns_rr *rr = ldns_rr_list_rr(list, i);
        if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_RRSIG &&
            ldns_dname_compare(ldns_rr_owner(rr), owner) == 0 &&
            ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(rr)) == type) {
            ldns_rr_list_push_rr(out, rr);
        }
    }
    return out;
}

/* Check every RRset of list other than RRSIGs (and, when skip_ns, NS RRsets: a referral's
 * are the child's) against its RRSIGs with keys. Returns the RRsets verified; fails the
 * test on one without a valid signature. */
static inline size_t test_verify_section(const ldns_rr_list *list, ldns_rr_list *keys,
                                         bool skip_ns)
{
    size_t verified = 0;
    for (size_t i = 0; i < ldns_rr_list_rr_count(list); i++) {
        ldns_rr *rr = ldns_rr_list_rr(list, i);
        ldns_rr_type t = ldns_rr_get_type(rr);
        if (t == LDNS_RR_TYPE_RRSIG || (skip_ns && t == LDNS_RR_TYPE_NS)) {
            continue;
        }
        bool is_first = true;
        for (size_t j = 0; j < i; j++) {
            ldns_rr *p = ldns_rr_list_rr(list, j);
            if (ldns_rr_get_type(p) == t && ldns_dname_compare(ldns_rr_owner(p),
                                                               ldns_rr_owner(rr)) == 0) {
                is_first = false;
            }
        }
        if (!is_first) {
            continue;
        }
        ldns_rr_list *set = test_rrset_of(list, ldns_rr_owner(rr), t);
        ldns_rr_list *sigs = test_sigs_of(list, ldns_rr_owner(rr), t);
        ldns_status st = test_verify_sigs(set, sigs, keys);
        if (st != LDNS_STATUS_OK) {
            char *text = ldns_rr2str(rr);
            fail_msg("no valid RRSIG over %s (%s, %zu signatures)", text,
                     ldns_get_errorstr_by_id(st), ldns_rr_list_rr_count(sigs));
        }
        ldns_rr_list_free(set);
        ldns_rr_list_free(sigs);
        verified++;
    }
    return verified;
}

#endif
