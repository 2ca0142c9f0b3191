/* dnssec: one RRSIG (RFC 4034 3) over one RRset in canonical form (RFC 4034 6), signed with
 * OpenSSL; NSEC RDATA and its type bitmap (RFC 4034 4.1). */
#include "dnssec_int.h"

#include <openssl/ecdsa.h>
#include <stdlib.h>
#include <string.h>

/* Signed data on the stack up to this size; more (large static RRsets, load path) is
 * allocated. Online answers (POLICY_MAX_ANSWER addresses, one CNAME, one NSEC) fit. */
#define SIGN_STACK 24576

static inline void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Lower-case the wire name at p (at most end - p octets); returns the octet after it, or
 * NULL when it is malformed. */
static uint8_t *name_lower(uint8_t *p, const uint8_t *end)
{
    while (p < end) {
        uint8_t n = *p;
        if (n == 0) {
            return p + 1;
        }
        if (n > DNS_LABEL_MAX || p + 1 + n > end) {
            return NULL;
        }
        for (uint8_t i = 1; i <= n; i++) {
            if (p[i] >= 'A' && p[i] <= 'Z') {
                p[i] = (uint8_t)(p[i] + 32);
            }
        }
        p += 1 + n;
    }
    return NULL;
}

/* RFC 4034 6.2 (as corrected by RFC 6840 5.1): the types whose RDATA names are
 * lower-cased in the canonical form, with the offset of the first name and how many
 * names follow one another from there. */
static void canon_rdata(uint16_t type, uint8_t *d, size_t len)
{
    size_t off = 0;
    unsigned names = 0;
    switch (type) {
    case DNS_TYPE_NS: case 3: case 4: case DNS_TYPE_CNAME: case DNS_TYPE_MB: case DNS_TYPE_MG:
    case DNS_TYPE_MR: case DNS_TYPE_PTR: case DNS_TYPE_DNAME: case DNS_TYPE_NSEC:
        names = 1;
        break;
    case DNS_TYPE_SOA: case DNS_TYPE_MINFO: case 17: /* RP */
        names = 2;
        break;
    case DNS_TYPE_MX: case 18: case 21: case 36: /* AFSDB, RT, KX */
        off = 2;
        names = 1;
        break;
    case 26: /* PX */
        off = 2;
        names = 2;
        break;
    case DNS_TYPE_SRV:
        off = 6;
        names = 1;
        break;
    case DNS_TYPE_RRSIG:
        off = DNSSEC_RRSIG_FIXED;
        names = 1;
        break;
    case 35: /* NAPTR: order, preference, three character-strings, then the name */
        off = 4;
        for (int i = 0; i < 3 && off < len; i++) {
            off += 1u + d[off];
        }
        names = 1;
        break;
    default:
        return;
    }
    uint8_t *p = d + off;
    for (unsigned i = 0; i < names && p != NULL && p < d + len; i++) {
        p = name_lower(p, d + len);
    }
}

/* RFC 4034 6.3: records sorted by their canonical RDATA as left-justified octet strings. */
static int rdata_cmp(const void *a, const void *b)
{
    const dns_rdata_t *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->data, y->data, n);
    if (c != 0) {
        return c;
    }
    return (int)x->len - (int)y->len;
}

/* ECDSA (RFC 6605 4): r and s, each 32 octets, in place of OpenSSL's DER. */
static size_t ecdsa_raw(const uint8_t *der, size_t der_len, uint8_t *out, size_t cap)
{
    const unsigned char *p = der;
    ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
    size_t n = 0;
    if (sig != NULL && cap >= 64) {
        const BIGNUM *r, *s;
        ECDSA_SIG_get0(sig, &r, &s);
        if (BN_bn2binpad(r, out, 32) == 32 && BN_bn2binpad(s, out + 32, 32) == 32) {
            n = 64;
        }
    }
    ECDSA_SIG_free(sig);
    return n;
}

/* Sign data with k into out: the signature field of an RRSIG. */
static size_t sign_data(const dnssec_key_t *k, const uint8_t *data, size_t len, uint8_t *out,
                        size_t cap)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (ctx == NULL) {
        return 0;
    }
    uint8_t der[DNSSEC_SIG_MAX + 16];
    size_t der_len = sizeof(der);
    size_t n = 0;
    /* A copy of the key's prepared context: the template is only read, so workers may
     * copy it at the same time. */
    if (EVP_MD_CTX_copy_ex(ctx, k->tmpl) == 1 &&
        EVP_DigestSign(ctx, der, &der_len, data, len) == 1) {
        if (k->alg == 13) {
            n = ecdsa_raw(der, der_len, out, cap);
        } else if (der_len <= cap) {
            memcpy(out, der, der_len);
            n = der_len;
        }
    }
    EVP_MD_CTX_free(ctx);
    return n;
}

size_t dnssec_sign_with(const dnssec_key_t *k, const uint8_t *signer, size_t signer_len,
                        uint32_t inception, uint32_t expiration, const uint8_t *owner,
                        size_t owner_len, uint16_t type, uint32_t ttl_s,
                        const dns_rdata_t *rrs, size_t count, uint8_t *out, size_t cap)
{
    if (count == 0 || owner_len == 0 || owner_len > DNS_NAME_MAX ||
        cap < DNSSEC_RRSIG_FIXED + signer_len + 64) {
        return 0;
    }
    unsigned labels = dns_name_labels(owner);
    if (owner[0] == 1 && owner[1] == '*') {
        labels--; /* RFC 4034 3.1.3: the wildcard label is not counted */
    }
    /* The RRSIG RDATA up to the signature: the start of the signed data too (3.1.8.1). */
    uint8_t *h = out;
    put16(h, type);
    h[2] = k->alg;
    h[3] = (uint8_t)labels;
    put32(h + 4, ttl_s);
    put32(h + 8, expiration);
    put32(h + 12, inception);
    put16(h + 16, k->tag);
    memcpy(h + DNSSEC_RRSIG_FIXED, signer, signer_len);
    size_t head = DNSSEC_RRSIG_FIXED + signer_len;
    size_t need = head;
    size_t rdata_total = 0;
    for (size_t i = 0; i < count; i++) {
        need += owner_len + 10u + rrs[i].len;
        rdata_total += rrs[i].len;
    }
    uint8_t stack[SIGN_STACK];
    dns_rdata_t sorted_stack[64];
    size_t heap_need = need + rdata_total;
    uint8_t *buf = heap_need <= sizeof(stack) ? stack : malloc(heap_need);
    dns_rdata_t *sorted = count <= 64 ? sorted_stack : malloc(count * sizeof(*sorted));
    size_t n = 0;
    if (buf == NULL || sorted == NULL) {
        goto out;
    }
    /* Canonical RDATA copies after the signed data's room, then sorted. */
    uint8_t *copy = buf + need;
    for (size_t i = 0; i < count; i++) {
        memcpy(copy, rrs[i].data, rrs[i].len);
        canon_rdata(type, copy, rrs[i].len);
        sorted[i].data = copy;
        sorted[i].len = rrs[i].len;
        copy += rrs[i].len;
    }
    if (count > 1) {
        qsort(sorted, count, sizeof(*sorted), rdata_cmp);
    }
    memcpy(buf, out, head);
    uint8_t *p = buf + head;
    for (size_t i = 0; i < count; i++) {
        if (i > 0 && rdata_cmp(&sorted[i - 1], &sorted[i]) == 0) {
            continue; /* RFC 4034 6.3: duplicates are not signed twice */
        }
        /* 6.2: the owner in lower case, not compressed; the original TTL. */
        memcpy(p, owner, owner_len);
        p += owner_len;
        put16(p, type);
        put16(p + 2, DNS_CLASS_IN);
        put32(p + 4, ttl_s);
        put16(p + 8, sorted[i].len);
        p += 10;
        memcpy(p, sorted[i].data, sorted[i].len);
        p += sorted[i].len;
    }
    size_t sig = sign_data(k, buf, (size_t)(p - buf), out + head, cap - head);
    if (sig > 0) {
        n = head + sig;
    }
out:
    if (buf != stack) {
        free(buf);
    }
    if (sorted != sorted_stack) {
        free(sorted);
    }
    return n;
}

size_t dnssec_sign_online(const dnssec_zone_t *dz, const uint8_t *owner, size_t owner_len,
                          uint16_t type, uint32_t ttl_s, const dns_rdata_t *rrs, size_t count,
                          uint8_t *out, size_t cap)
{
    if (dz->online == NULL) {
        return 0;
    }
    return dnssec_sign_with(dz->online, dz->origin, dz->origin_len, dz->inception,
                            dz->expiration, owner, owner_len, type, ttl_s, rrs, count, out,
                            cap);
}

size_t dnssec_nsec_rdata(const uint8_t *next, size_t next_len, const uint16_t *types, size_t n,
                         uint8_t *out, size_t cap)
{
    /* RFC 4034 4.1.2: per window of 256 types, the window number, the length of its
     * bitmap (1..32, trailing zero octets left out) and the bitmap. */
    uint8_t bits[256][32];
    bool used[256];
    unsigned last_win = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned win = types[i] >> 8;
        last_win = win > last_win ? win : last_win;
    }
    /* Only the windows up to the last in use are touched: a denial on the query path
     * (types in window 0) clears one. */
    memset(used, 0, last_win + 1);
    for (size_t i = 0; i < n; i++) {
        uint8_t win = (uint8_t)(types[i] >> 8), low = (uint8_t)types[i];
        if (!used[win]) {
            memset(bits[win], 0, sizeof(bits[win]));
            used[win] = true;
        }
        bits[win][low / 8] |= (uint8_t)(0x80u >> (low % 8));
    }
    if (next_len > cap) {
        return 0;
    }
    memcpy(out, next, next_len);
    size_t len = next_len;
    for (unsigned w = 0; w <= last_win; w++) {
        if (!used[w]) {
            continue;
        }
        unsigned last = 31;
        while (bits[w][last] == 0) {
            last--;
        }
        if (len + 2 + last + 1 > cap) {
            return 0;
        }
        out[len] = (uint8_t)w;
        out[len + 1] = (uint8_t)(last + 1);
        memcpy(out + len + 2, bits[w], last + 1);
        len += 2 + last + 1;
    }
    return len;
}

size_t dnssec_nsec_next(const uint8_t *owner, size_t owner_len, uint8_t *out)
{
    if (owner_len + 2 > DNS_NAME_MAX) {
        memcpy(out, owner, owner_len);
        return owner_len;
    }
    out[0] = 1;
    out[1] = 0;
    memcpy(out + 2, owner, owner_len);
    return owner_len + 2;
}
