/* query: the DNSSEC records of an answer to a DO query in a signed zone — RRSIGs next to
 * each RRset, compact denial of existence (RFC 9824) and the DS proof of a referral. */
#include "query_int.h"

#include <string.h>

/* Write the RRSIG RRset sigs[0..n) owned by owner; TC when it does not fit where it must. */
static void put_rrsig(answer_t *a, dns_section_t sec, const uint8_t *owner, uint32_t ttl_s,
                      const dns_rdata_t *sigs, size_t n)
{
    if (n == 0 || a->is_tc) {
        return;
    }
    if (dns_writer_put_rrset(&a->w, sec, owner, DNS_TYPE_RRSIG, ttl_s, sigs, n) < 0 &&
        sec != DNS_SECTION_ADDITIONAL) {
        a->is_tc = true;
    }
}

/* The RRSIG over an RRset made for this answer: from the worker's cache (signed there on
 * a miss), or without a cache (tests, explain) signed into buf. */
static const uint8_t *sign_online(answer_t *a, const void *ref, const uint8_t *name,
                                  size_t len, uint16_t type, uint32_t ttl_s,
                                  const dns_rdata_t *rrs, size_t count, uint8_t *buf,
                                  uint16_t *out_len)
{
    dnssec_cache_t *c = a->wk->sig_cache;
    if (c != NULL) {
        uint64_t misses = dnssec_cache_stats(c)->misses;
        uint64_t presigned = dnssec_cache_stats(c)->presigned;
        const uint8_t *sig =
            ref != NULL
                ? dnssec_cache_sign_stable(c, a->signer, ref, name, len, type, ttl_s, rrs,
                                           count, out_len)
                : dnssec_cache_sign(c, a->signer, name, len, type, ttl_s, rrs, count, out_len);
        size_t source = dnssec_cache_stats(c)->misses != misses          ? 2
                        : dnssec_cache_stats(c)->presigned != presigned ? 1
                                                                        : 0;
        a->wk->stats.signatures[source]++;
        return sig;
    }
    a->wk->stats.signatures[2]++;
    size_t n = dnssec_sign_online(a->signer, name, len, type, ttl_s, rrs, count, buf,
                                  DNSSEC_RRSIG_MAX);
    *out_len = (uint16_t)n;
    return n > 0 ? buf : NULL;
}

void query_put_sig_online(answer_t *a, dns_section_t sec, const uint8_t *owner,
                          const void *owner_ref, uint16_t type, uint32_t ttl_s,
                          const dns_rdata_t *rrs, size_t count)
{
    if (a->signer == NULL || a->is_tc) {
        return;
    }
    uint8_t buf[DNSSEC_RRSIG_MAX];
    dns_rdata_t sig;
    sig.data = sign_online(a, owner_ref, a->name_lc, a->name_len, type, ttl_s, rrs, count, buf,
                           &sig.len);
    if (sig.data == NULL) {
        a->wk->stats.sign_failures++;
        return; /* unsigned: the validator treats the answer as bogus, never as wrong data */
    }
    put_rrsig(a, sec, owner, ttl_s, &sig, 1);
}

void query_put_sigs(answer_t *a, dns_section_t sec, const uint8_t *owner,
                    const zone_rrset_t *set, uint32_t ttl_s)
{
    if (a->signer == NULL) {
        return;
    }
    if (a->is_wild && sec == DNS_SECTION_ANSWER) {
        /* RFC 9824 wildcards: the synthesized RRset is signed as the QNAME's own, so
         * that no proof of the non-existence of a closer name is needed. */
        query_put_sig_online(a, sec, owner, NULL, set->type, ttl_s, set->rrs, set->count);
        return;
    }
    put_rrsig(a, sec, owner, ttl_s, set->sigs, set->sig_count);
}

/* Where the type bitmap starts in NSEC RDATA (after the next name). */
static size_t bitmap_off(const dns_rdata_t *nsec)
{
    size_t n = dns_name_len(nsec->data, nsec->len);
    return n == 0 ? nsec->len : n;
}

/* Clear type (window 0 only: A, AAAA) in a copy of a bitmap. RRSIG and NSEC, always
 * present, keep window 0's last octet non-zero, so its length stays right. */
static void bitmap_clear(uint8_t *bm, size_t len, uint16_t type)
{
    if (type > 255 || len < 2 || bm[0] != 0) {
        return;
    }
    size_t octet = type / 8u;
    if (octet < bm[1] && 2 + octet < len) {
        bm[2 + octet] &= (uint8_t)~(0x80u >> (type % 8u));
    }
}

void query_put_denial(answer_t *a, const zone_node_t *node, uint16_t qtype, uint32_t ttl_s)
{
    if (a->signer == NULL || a->is_tc) {
        return;
    }
    const zone_rrset_t *pre = node != NULL ? node->nsec : NULL;
    bool is_service_nodata = node != NULL && (node->flags & ZONE_NODE_SERVICE) &&
                             (qtype == DNS_TYPE_A || qtype == DNS_TYPE_AAAA ||
                              qtype == DNS_TYPE_CNAME);
    if (pre != NULL && !a->is_wild && !is_service_nodata) {
        if (dns_writer_put_rrset(&a->w, DNS_SECTION_AUTHORITY, node->name, DNS_TYPE_NSEC,
                                 ttl_s, pre->rrs, 1) < 0) {
            a->is_tc = true;
            return;
        }
        put_rrsig(a, DNS_SECTION_AUTHORITY, node->name, ttl_s, pre->sigs, pre->sig_count);
        return;
    }
    /* Made now: the owner is the name asked (a->name_lc), next "\000.name" (RFC 9824 3). */
    uint8_t next[DNS_NAME_MAX];
    size_t next_len = dnssec_nsec_next(a->name_lc, a->name_len, next);
    uint8_t rdata[DNSSEC_NSEC_MAX + 64];
    size_t len;
    if (node == NULL || pre == NULL) {
        static const uint16_t types[] = {DNS_TYPE_RRSIG, DNS_TYPE_NSEC, DNSSEC_TYPE_NXNAME};
        len = dnssec_nsec_rdata(next, next_len, types, 3, rdata, sizeof(rdata));
    } else {
        /* The node's own bitmap; a service without data of qtype for this client now
         * (a family it lacks, failed closed) must not claim qtype (RFC 4035 5.4). */
        size_t off = bitmap_off(&pre->rrs[0]);
        size_t bm_len = pre->rrs[0].len - off;
        len = 0;
        if (next_len + bm_len <= sizeof(rdata)) {
            memcpy(rdata, next, next_len);
            memcpy(rdata + next_len, pre->rrs[0].data + off, bm_len);
            len = next_len + bm_len;
            if (is_service_nodata) {
                bitmap_clear(rdata + next_len, bm_len, qtype);
            }
        }
    }
    if (len == 0) {
        return;
    }
    dns_rdata_t rr = {.data = rdata, .len = (uint16_t)len};
    if (dns_writer_put_rr(&a->w, DNS_SECTION_AUTHORITY, a->name_lc, DNS_TYPE_NSEC, DNS_CLASS_IN,
                          ttl_s, rdata, (uint16_t)len) < 0) {
        a->is_tc = true;
        return;
    }
    query_put_sig_online(a, DNS_SECTION_AUTHORITY, a->name_lc, NULL, DNS_TYPE_NSEC, ttl_s, &rr,
                         1);
}

void query_put_referral_ds(answer_t *a, const zone_node_t *cut)
{
    if (a->signer == NULL || a->is_tc) {
        return;
    }
    const zone_rrset_t *ds = zone_node_rrset(cut, DNS_TYPE_DS);
    const zone_rrset_t *set = ds != NULL ? ds : cut->nsec;
    if (set == NULL) {
        return;
    }
    if (dns_writer_put_rrset(&a->w, DNS_SECTION_AUTHORITY, cut->name, set->type, set->ttl_s,
                             set->rrs, set->count) < 0) {
        a->is_tc = true;
        return;
    }
    put_rrsig(a, DNS_SECTION_AUTHORITY, cut->name, set->ttl_s, set->sigs, set->sig_count);
}
