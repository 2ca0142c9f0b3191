/* dnssec: a worker's cache of online signatures — fixed slots, set-associative, CLOCK
 * replacement within a set; the one place the query path may sign (on a miss). */
#include "dnssec_int.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

/* Two independent hashes: a wrong hit needs both 64-bit halves to collide. */
#define SEED_A 0x6A09E667F3BCC908ull
#define SEED_B 0xBB67AE8584CAA73Bull

typedef struct slot {
    uint64_t key_a, key_b;
    uint16_t len;          /* RRSIG RDATA octets; 0 = empty */
    uint8_t ref;           /* CLOCK reference bit */
    uint8_t rdata[DNSSEC_RRSIG_MAX];
} slot_t;

struct dnssec_cache {
    size_t set_mask;       /* sets - 1; sets are a power of two */
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

/* The RRset's key. The records are summed after hashing each, so that the order the
 * policy wrote them in (rotated, weighted) does not matter and nothing is sorted on a hit. */
static void rrset_key(uint64_t id, const uint8_t *owner, size_t owner_len, uint16_t type,
                      uint32_t ttl_s, const dns_rdata_t *rrs, size_t count, uint64_t *a,
                      uint64_t *b)
{
    uint8_t head[8 + 2 + 4];
    memcpy(head, &id, 8);
    memcpy(head + 8, &type, 2);
    memcpy(head + 10, &ttl_s, 4);
    uint64_t sa = XXH3_64bits_withSeed(head, sizeof(head), SEED_A) ^
                  XXH3_64bits_withSeed(owner, owner_len, SEED_A + 1);
    uint64_t sb = XXH3_64bits_withSeed(head, sizeof(head), SEED_B) ^
                  XXH3_64bits_withSeed(owner, owner_len, SEED_B + 1);
    uint64_t ra = 0, rb = 0;
    for (size_t i = 0; i < count; i++) {
        ra += XXH3_64bits_withSeed(rrs[i].data, rrs[i].len, SEED_A + 2);
        rb += XXH3_64bits_withSeed(rrs[i].data, rrs[i].len, SEED_B + 2);
    }
    *a = sa ^ (ra * 0x9E3779B97F4A7C15ull) ^ count;
    *b = sb ^ (rb * 0xC2B2AE3D27D4EB4Full) ^ count;
}

const uint8_t *dnssec_cache_sign(dnssec_cache_t *c, const dnssec_zone_t *dz,
                                 const uint8_t *owner, size_t owner_len, uint16_t type,
                                 uint32_t ttl_s, const dns_rdata_t *rrs, size_t count,
                                 uint16_t *len)
{
    uint64_t ka, kb;
    rrset_key(dz->id, owner, owner_len, type, ttl_s, rrs, count, &ka, &kb);
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
