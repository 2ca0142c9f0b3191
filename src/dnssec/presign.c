/* dnssec: steered answers signed at load — the finite answers a service can give, found by
 * their stable key when a worker first needs them, so that it copies instead of signing. */
#include "dnssec_int.h"

#include <stdlib.h>
#include <string.h>

int dnssec_zone_presign(dnssec_zone_t *dz, const void *owner_ref, const uint8_t *owner,
                        size_t owner_len, uint16_t type, uint32_t ttl_s, const dns_rdata_t *rrs,
                        size_t count)
{
    uint8_t buf[DNSSEC_RRSIG_MAX];
    size_t n = dnssec_sign_online(dz, owner, owner_len, type, ttl_s, rrs, count, buf,
                                  sizeof(buf));
    if (n == 0) {
        return -1;
    }
    if (dz->presig_count == dz->presig_cap) {
        dz->presig_cap = dz->presig_cap ? 2 * dz->presig_cap : 64;
        dz->presig = xrealloc(dz->presig, dz->presig_cap * sizeof(*dz->presig));
    }
    dnssec_presig_t *e = &dz->presig[dz->presig_count++];
    dnssec_stable_key(dz->id, owner_ref, type, ttl_s, rrs, count, &e->key_a, &e->key_b);
    e->rdata = xmalloc(n);
    memcpy(e->rdata, buf, n);
    e->len = (uint16_t)n;
    return 0;
}

size_t dnssec_zone_presign_done(dnssec_zone_t *dz)
{
    if (dz->presig_count == 0) {
        return 0;
    }
    /* At most half full: a miss probes a slot or two. */
    size_t slots = 16;
    while (slots < 2 * dz->presig_count) {
        slots <<= 1;
    }
    dz->presig_index = xcalloc(slots, sizeof(*dz->presig_index));
    dz->presig_mask = slots - 1;
    for (size_t i = 0; i < dz->presig_count; i++) {
        size_t k = dz->presig[i].key_a & dz->presig_mask;
        while (dz->presig_index[k] != 0) {
            k = (k + 1) & dz->presig_mask;
        }
        dz->presig_index[k] = (uint32_t)(i + 1);
    }
    return dz->presig_count;
}

const dnssec_presig_t *dnssec_presig_find(const dnssec_zone_t *dz, uint64_t a, uint64_t b)
{
    if (dz->presig_index == NULL) {
        return NULL;
    }
    for (size_t k = a & dz->presig_mask; dz->presig_index[k] != 0;
         k = (k + 1) & dz->presig_mask) {
        const dnssec_presig_t *e = &dz->presig[dz->presig_index[k] - 1];
        if (e->key_a == a && e->key_b == b) {
            return e;
        }
    }
    return NULL;
}

void dnssec_presig_free(dnssec_zone_t *dz)
{
    for (size_t i = 0; i < dz->presig_count; i++) {
        free(dz->presig[i].rdata);
    }
    free(dz->presig);
    free(dz->presig_index);
    dz->presig = NULL;
    dz->presig_index = NULL;
    dz->presig_count = dz->presig_cap = 0;
}
