/* policy: operator overrides, run-time weights and metrics buckets of a built policy. */
#include "policy_int.h"

#include <string.h>
#include <sys/socket.h>

void policy_datacenter_set_admin(policy_t *p, uint32_t dc, health_admin_t admin)
{
    if (dc < p->dc_count) {
        atomic_store_explicit(&p->dcs[dc].admin, (uint8_t)admin, memory_order_relaxed);
        /* Release: a worker that sees the new generation sees the override. */
        atomic_fetch_add_explicit(&p->admin_generation, 1, memory_order_release);
    }
}

health_admin_t policy_datacenter_admin(const policy_t *p, uint32_t dc)
{
    if (dc >= p->dc_count) {
        return HEALTH_ADMIN_NONE;
    }
    return (health_admin_t)atomic_load_explicit(&p->dcs[dc].admin, memory_order_relaxed);
}

void policy_resource_set_admin(policy_t *p, size_t i, health_admin_t admin)
{
    if (i < p->resource_count) {
        atomic_store_explicit(&p->resources[i]->admin, (uint8_t)admin, memory_order_relaxed);
        atomic_fetch_add_explicit(&p->admin_generation, 1, memory_order_release);
    }
}

health_admin_t policy_resource_admin(const policy_t *p, size_t i)
{
    if (i >= p->resource_count) {
        return HEALTH_ADMIN_NONE;
    }
    return (health_admin_t)atomic_load_explicit(&p->resources[i]->admin, memory_order_relaxed);
}

void policy_datacenter_set_weight(policy_t *p, uint32_t dc, uint32_t weight)
{
    if (dc < p->dc_count) {
        policy_dc_t *d = &p->dcs[dc];
        uint32_t old = atomic_exchange_explicit(&d->weight_eff, weight, memory_order_relaxed);
        /* The hashed tables hold for the configured weights only. */
        bool was = old != d->weight, is = weight != d->weight;
        if (was != is) {
            if (is) {
                atomic_fetch_add_explicit(&p->weight_overrides, 1, memory_order_relaxed);
            } else {
                atomic_fetch_sub_explicit(&p->weight_overrides, 1, memory_order_relaxed);
            }
        }
    }
}

uint32_t policy_datacenter_weight(const policy_t *p, uint32_t dc)
{
    return dc < p->dc_count ? atomic_load_explicit(&p->dcs[dc].weight_eff, memory_order_relaxed)
                            : 0;
}

uint32_t policy_datacenter_conf_weight(const policy_t *p, uint32_t dc)
{
    return dc < p->dc_count ? p->dcs[dc].weight : 0;
}

void policy_set_hash_seed(policy_t *p, uint64_t seed)
{
    atomic_store_explicit(&p->hash_seed, seed, memory_order_relaxed);
}

uint64_t policy_hash_seed(const policy_t *p)
{
    return atomic_load_explicit(&p->hash_seed, memory_order_relaxed);
}

int policy_datacenter_find(const policy_t *p, const char *name)
{
    for (size_t i = 0; i < p->dc_count; i++) {
        if (strcmp(p->dcs[i].name, name) == 0) {
            return (int)i;
        }
    }
    return -1;
}

long policy_resource_find(const policy_t *p, const char *dc, const char *address)
{
    gslb_addr_t want;
    int d = policy_datacenter_find(p, dc);
    if (d < 0 || gslb_addr_parse(address, &want) != 0) {
        return -1;
    }
    size_t r = 0;
    for (size_t i = 0; i < (size_t)d; i++) {
        r += p->dcs[i].conf->address_count;
    }
    const conf_datacenter_t *c = p->dcs[d].conf;
    for (size_t a = 0; a < c->address_count; a++) {
        const gslb_addr_t *x = &c->addresses[a].addr;
        size_t len = x->family == AF_INET ? 4 : 16;
        if (x->family == want.family && memcmp(x->addr, want.addr, len) == 0) {
            return (long)(r + a);
        }
    }
    return -1;
}

uint32_t policy_resource_dc(const policy_t *p, size_t i)
{
    for (size_t d = 0; d < p->dc_count; d++) {
        size_t n = p->dcs[d].conf->address_count;
        if (i < n) {
            return (uint32_t)d;
        }
        i -= n;
    }
    return UINT32_MAX;
}

uint32_t policy_resource_slot(const policy_t *p, size_t i)
{
    return i < p->resource_count ? p->resources[i]->slot : HEALTH_SLOT_NONE;
}

bool policy_resource_is_up(const policy_t *p, size_t i)
{
    if (i >= p->resource_count) {
        return false;
    }
    return policy_addr_state(p, &p->dcs[policy_resource_dc(p, i)], p->resources[i]) ==
           POLICY_ADDR_UP;
}

void policy_service_set_stat_id(policy_t *p, size_t i, uint16_t id)
{
    if (i < p->service_count) {
        p->services[i].stat_id = id;
    }
}

uint16_t policy_service_stat_id(const policy_service_t *s)
{
    return s->stat_id;
}

void policy_datacenter_set_stat_id(policy_t *p, uint32_t dc, uint16_t id)
{
    if (dc < p->dc_count) {
        p->dcs[dc].stat_id = id;
    }
}

uint16_t policy_datacenter_stat_id(const policy_t *p, uint32_t dc)
{
    return dc < p->dc_count ? p->dcs[dc].stat_id : 0;
}
