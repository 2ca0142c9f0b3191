/* zone: what the dnssec module needs to sign a loaded zone in place — memory, node walk,
 * apex key records and the signer pointer. */
#include "zone_int.h"

#include <stdlib.h>

void *zone_alloc(zone_t *z, size_t n)
{
    return zone_arena_alloc(&z->arena, n);
}

zone_node_t *zone_node_next(zone_t *z, size_t *pos, zone_node_t *prev)
{
    if (prev != NULL && prev->hash_next != NULL) {
        return prev->hash_next;
    }
    size_t b = prev != NULL ? *pos + 1 : *pos;
    for (; b < z->bucket_count; b++) {
        if (z->buckets[b] != NULL) {
            *pos = b;
            return z->buckets[b];
        }
    }
    *pos = b;
    return NULL;
}

int zone_apex_rrset_add(zone_t *z, uint16_t type, uint32_t ttl_s, const dns_rdata_t *rrs,
                        size_t count)
{
    zone_node_t *apex = z->apex;
    if (zone_node_rrset(apex, type) != NULL || count == 0 || count > UINT16_MAX) {
        return -GSLB_EZONE;
    }
    /* A new array in the arena: the old one stays (arena memory is freed with the zone),
     * and the SOA pointer is moved to the copy. */
    zone_rrset_t *sets = zone_arena_alloc(&z->arena, (apex->rrset_count + 1u) * sizeof(*sets));
    size_t at = 0;
    while (at < apex->rrset_count && apex->rrsets[at].type < type) {
        at++;
    }
    memcpy(sets, apex->rrsets, at * sizeof(*sets));
    memcpy(sets + at + 1, apex->rrsets + at, (apex->rrset_count - at) * sizeof(*sets));
    zone_rrset_t *set = &sets[at];
    memset(set, 0, sizeof(*set));
    set->type = type;
    set->count = (uint16_t)count;
    set->ttl_s = ttl_s;
    dns_rdata_t *copy = zone_arena_alloc(&z->arena, count * sizeof(*copy));
    for (size_t i = 0; i < count; i++) {
        uint8_t *d = zone_arena_alloc(&z->arena, rrs[i].len ? rrs[i].len : 1);
        memcpy(d, rrs[i].data, rrs[i].len);
        copy[i].data = d;
        copy[i].len = rrs[i].len;
    }
    set->rrs = copy;
    apex->rrsets = sets;
    apex->rrset_count++;
    z->soa = zone_node_rrset(apex, DNS_TYPE_SOA);
    return 0;
}

void zone_signer_set(zone_t *z, const void *signer)
{
    z->signer = signer;
}

const void *zone_signer(const zone_t *z)
{
    return z->signer;
}
