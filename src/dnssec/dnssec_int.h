/* dnssec: internal structures shared by key loading, signing and the zone signer. */
#ifndef GSLB_DNSSEC_INT_H
#define GSLB_DNSSEC_INT_H

#include "gslb/dnssec.h"

#include <ldns/ldns.h>
#include <openssl/evp.h>

/* One key of a zone, read from its files, with its state at the time of the load. */
typedef struct dnssec_key {
    EVP_PKEY *pkey;          /* owned */
    EVP_MD_CTX *tmpl;        /* owned: initialised for signing once, copied per signature
                              * (OpenSSL 3 looks the algorithms up again at every init) */
    ldns_rr *dnskey;         /* the .key file's DNSKEY, owned */
    uint8_t rdata[1024];     /* its RDATA in wire form */
    uint16_t rdata_len;
    uint16_t tag;            /* RFC 4034 appendix B */
    uint8_t alg;             /* 8, 13 or 15 */
    conf_key_role_t role;
    bool is_published;       /* its DNSKEY is served */
    bool is_active;          /* it signs */
    int64_t activate_s;      /* for choosing the newest active ZSK */
} dnssec_key_t;

/* An RRSIG signed at load for a steered answer, found by its stable key. */
typedef struct dnssec_presig {
    uint64_t key_a, key_b;
    uint16_t len;
    uint8_t *rdata;          /* owned */
} dnssec_presig_t;

struct dnssec_zone {
    uint64_t id;
    uint8_t origin[DNS_NAME_MAX];
    size_t origin_len;
    dnssec_key_t keys[DNSSEC_MAX_KEYS];
    size_t key_count;
    const dnssec_key_t *online;   /* the newest active ZSK or CSK: signs online */
    uint32_t inception, expiration; /* RFC 4034 3.1.5, serial-number arithmetic */
    time_t resign_at;
    size_t sign_count;            /* RRsets signed at load (NSEC included) */
    dnssec_presig_t *presig;      /* steered answers signed at load (presign.c) */
    size_t presig_count, presig_cap;
    uint32_t *presig_index;       /* open addressing: 1 + entry, 0 = empty */
    size_t presig_mask;           /* index slots - 1; 0 with no index */
};

/* cache.c, presign.c: the key of a steered RRset (dnssec_cache_sign_stable). Within one
 * signing (id) a pointer into the snapshot always denotes the same octets, so the pointers
 * name the records as well as their octets would. key_b is odd: octet keys are even. */
static inline uint64_t dnssec_ptr_mix(const void *p, uint64_t k)
{
    uint64_t x = (uint64_t)(uintptr_t)p * k;
    return x ^ (x >> 31);
}

static inline void dnssec_stable_key(uint64_t id, const void *owner_ref, uint16_t type,
                                     uint32_t ttl_s, const dns_rdata_t *rrs, size_t count,
                                     uint64_t *a, uint64_t *b)
{
    uint64_t ra = 0, rb = 0;
    for (size_t i = 0; i < count; i++) {
        ra += dnssec_ptr_mix(rrs[i].data, 0x9E3779B97F4A7C15ull);
        rb += dnssec_ptr_mix(rrs[i].data, 0xC2B2AE3D27D4EB4Full);
    }
    uint64_t head = (uint64_t)type << 32 | ttl_s;
    uint64_t ka = (dnssec_ptr_mix(owner_ref, 0xFF51AFD7ED558CCDull) ^ id ^ ra ^ count) *
                  0x9E3779B97F4A7C15ull;
    *a = ka ^ (ka >> 29);
    *b = (dnssec_ptr_mix(owner_ref, 0xC4CEB9FE1A85EC53ull) ^ head ^ rb) | 1;
}

/* presign.c: the RRSIG signed at load under key (a, b), or NULL. Any thread. */
const dnssec_presig_t *dnssec_presig_find(const dnssec_zone_t *dz, uint64_t a, uint64_t b);
void dnssec_presig_free(dnssec_zone_t *dz);

/* keys.c: read conf key k for the zone named origin (presentation, final dot) into out;
 * problems go to diag at the key's position. Returns 0 or -GSLB_ECONF. */
int dnssec_key_load(dnssec_key_t *out, const conf_dnssec_key_t *k, const zone_t *z,
                    gslb_diag_t *diag);
void dnssec_key_clear(dnssec_key_t *k);

/* sign.c: the RRSIG RDATA over an RRset with key k, signer the zone origin (lower-case
 * wire), times as given; labels counted from owner (a leading "*" label not counted,
 * RFC 4034 3.1.3). Returns its length or 0 on failure (too big, OpenSSL error). */
size_t dnssec_sign_with(const dnssec_key_t *k, const uint8_t *signer, size_t signer_len,
                        uint32_t inception, uint32_t expiration, const uint8_t *owner,
                        size_t owner_len, uint16_t type, uint32_t ttl_s,
                        const dns_rdata_t *rrs, size_t count, uint8_t *out, size_t cap);

#endif
