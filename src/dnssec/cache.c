/* dnssec: a worker's cache of online signatures — fixed slots, set-associative, CLOCK
 * replacement within a set; the one place the query path may sign (on a miss). */
#include "dnssec_int.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <xxhash.h>


typedef struct slot {
    uint64_t key_a, key_b;
    uint16_t len;          /* RRSIG RDATA octets; 0 = empty */
    uint8_t ref;           /* CLOCK reference bit */
    uint8_t rdata[DNSSEC_RRSIG_MAX];
} slot_t;

struct dnssec_cache {
    size_t set_mask;       /* sets - 1; sets are a power of two */
    uint64_t seed;         /* secret, per cache: a client cannot aim names at one set */
    dnssec_cache_stats_t stats;
    slot_t slots[];
};

static size_t round_slots(size_t slots)
{
    size_t n = DNSSEC_CACHE_WAYS;
    while (n < slots && n < ((size_t)1 << 30)) {
        n <<= 1;
    }
    return n;
}

size_t dnssec_cache_bytes(size_t slots)
{
    return sizeof(dnssec_cache_t) + round_slots(slots) * sizeof(slot_t);
}

dnssec_cache_t *dnssec_cache_new(size_t slots)
{
    size_t n = round_slots(slots);
    dnssec_cache_t *c = xcalloc(1, sizeof(*c) + n * sizeof(slot_t));
    c->set_mask = n / DNSSEC_CACHE_WAYS - 1;
    if (getrandom(&c->seed, sizeof(c->seed), 0) != (ssize_t)sizeof(c->seed)) {
        c->seed = (uint64_t)(uintptr_t)c ^ (uint64_t)time(NULL) * 0x9E3779B97F4A7C15ull;
    }
    return c;
}

void dnssec_cache_free(dnssec_cache_t *c)
{
    free(c);
}

const dnssec_cache_stats_t *dnssec_cache_stats(const dnssec_cache_t *c)
{
    return &c->stats;
}

/* One record's contribution to the key: two multiply-xorshift hashes of its octets (A and
 * AAAA RDATA are one or two words), cheap where a library call per record cost more than
 * the rest of a cached answer. The records are fixed by the policy and the zone, never by
 * the client; the owner, which a client chooses, goes through XXH3 with a secret seed. */
static inline void record_mix(const uint8_t *p, size_t n, uint64_t *a, uint64_t *b)
{
    uint64_t ha = 0x9E3779B97F4A7C15ull ^ n, hb = 0xC2B2AE3D27D4EB4Full ^ n;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, p + i, 8);
        ha = (ha ^ x) * 0xFF51AFD7ED558CCDull;
        hb = (hb ^ x) * 0xC4CEB9FE1A85EC53ull;
        ha ^= ha >> 32;
        hb ^= hb >> 29;
    }
    if (i < n) {
        uint64_t x = 0;
        for (size_t j = i; j < n; j++) {
            x = x << 8 | p[j];
        }
        ha = (ha ^ x) * 0xFF51AFD7ED558CCDull;
        hb = (hb ^ x) * 0xC4CEB9FE1A85EC53ull;
    }
    *a += ha ^ (ha >> 33);
    *b += hb ^ (hb >> 31);
}

/* The RRset's key: XXH3-128 over the signing's id, type, TTL and owner, plus the sum of
 * each record's hashes, so that the order the policy wrote the records in (rotated,
 * weighted) does not matter and nothing is sorted on a hit. */
static void rrset_key(uint64_t seed, uint64_t id, const uint8_t *owner, size_t owner_len,
                      uint16_t type, uint32_t ttl_s, const dns_rdata_t *rrs, size_t count,
                      uint64_t *a, uint64_t *b)
{
    uint8_t head[8 + 2 + 4 + DNS_NAME_MAX];
    memcpy(head, &id, 8);
    memcpy(head + 8, &type, 2);
    memcpy(head + 10, &ttl_s, 4);
    memcpy(head + 14, owner, owner_len);
    XXH128_hash_t h = XXH3_128bits_withSeed(head, 14 + owner_len, seed);
    uint64_t ra = 0, rb = 0;
    for (size_t i = 0; i < count; i++) {
        record_mix(rrs[i].data, rrs[i].len, &ra, &rb);
    }
    *a = h.low64 ^ (ra * 0x9E3779B97F4A7C15ull) ^ count;
    *b = (h.high64 ^ (rb * 0xC2B2AE3D27D4EB4Full)) & ~1ull; /* even: see the stable keys */
}

/* The slot of key (a, b): a hit, or a miss signed into the slot CLOCK frees. */
static const uint8_t *lookup(dnssec_cache_t *c, const dnssec_zone_t *dz, uint64_t ka,
                             uint64_t kb, const uint8_t *owner, size_t owner_len, uint16_t type,
                             uint32_t ttl_s, const dns_rdata_t *rrs, size_t count,
                             uint16_t *len)
{
    slot_t *set = &c->slots[(ka & c->set_mask) * DNSSEC_CACHE_WAYS];
    for (size_t i = 0; i < DNSSEC_CACHE_WAYS; i++) {
        slot_t *s = &set[i];
        if (s->len != 0 && s->key_a == ka && s->key_b == kb) {
            s->ref = 1;
            c->stats.hits++;
            *len = s->len;
            return s->rdata;
        }
    }
    /* CLOCK within the set: the first slot not referenced since the hand last passed
     * (empty slots first), clearing reference bits on the way; all referenced: way 0
     * after one sweep. */
    slot_t *victim = NULL;
    for (size_t i = 0; i < DNSSEC_CACHE_WAYS && victim == NULL; i++) {
        if (set[i].len == 0) {
            victim = &set[i];
        }
    }
    for (size_t i = 0; i < 2 * DNSSEC_CACHE_WAYS && victim == NULL; i++) {
        slot_t *s = &set[i % DNSSEC_CACHE_WAYS];
        if (s->ref == 0) {
            victim = s;
        } else {
            s->ref = 0;
        }
    }
    /* Signed at load (a steered answer known in advance): copied, not signed. */
    const dnssec_presig_t *pre = (kb & 1) != 0 ? dnssec_presig_find(dz, ka, kb) : NULL;
    if (pre != NULL) {
        memcpy(victim->rdata, pre->rdata, pre->len);
        victim->key_a = ka;
        victim->key_b = kb;
        victim->len = pre->len;
        victim->ref = 1;
        c->stats.presigned++;
        *len = victim->len;
        return victim->rdata;
    }
    c->stats.misses++;
    size_t n = dnssec_sign_online(dz, owner, owner_len, type, ttl_s, rrs, count,
                                  victim->rdata, sizeof(victim->rdata));
    if (n == 0) {
        victim->len = 0;
        c->stats.failures++;
        return NULL;
    }
    victim->key_a = ka;
    victim->key_b = kb;
    victim->len = (uint16_t)n;
    victim->ref = 1;
    *len = victim->len;
    return victim->rdata;
}

const uint8_t *dnssec_cache_sign(dnssec_cache_t *c, const dnssec_zone_t *dz,
                                 const uint8_t *owner, size_t owner_len, uint16_t type,
                                 uint32_t ttl_s, const dns_rdata_t *rrs, size_t count,
                                 uint16_t *len)
{
    uint64_t ka, kb;
    rrset_key(c->seed, dz->id, owner, owner_len, type, ttl_s, rrs, count, &ka, &kb);
    return lookup(c, dz, ka, kb, owner, owner_len, type, ttl_s, rrs, count, len);
}

const uint8_t *dnssec_cache_sign_stable(dnssec_cache_t *c, const dnssec_zone_t *dz,
                                        const void *owner_ref, const uint8_t *owner,
                                        size_t owner_len, uint16_t type, uint32_t ttl_s,
                                        const dns_rdata_t *rrs, size_t count, uint16_t *len)
{
    uint64_t ka, kb;
    dnssec_stable_key(dz->id, owner_ref, type, ttl_s, rrs, count, &ka, &kb);
    return lookup(c, dz, ka, kb, owner, owner_len, type, ttl_s, rrs, count, len);
}
