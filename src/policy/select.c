/* policy: the per-query selection pipeline for a service (RFC 7871 scope included). */
#include "policy_int.h"

#include <string.h>
#include <sys/socket.h>

static bool dc_serves(const policy_dc_t *dc, bool want_v6)
{
    return dc->has_cname || (want_v6 ? dc->v6_count : dc->v4_count) > 0;
}

/* Candidate order from the service's policy; returns the ECS scope. */
static uint8_t order_candidates(const policy_t *p, const policy_service_t *s,
                                const policy_client_t *c, uint64_t *rng, uint32_t *order,
                                size_t *n, policy_result_t *out)
{
    uint8_t scope = 0;
    *n = 0;
    switch (s->kind) {
    case CONF_POLICY_MAP: {
        geo_map_result_t mr;
        geo_map_resolve(s->map, c->family, c->addr, out->has_location ? &out->location : NULL,
                        &mr);
        out->match = mr.match;
        out->match_key = mr.key;
        for (size_t i = 0; i < mr.dc_count && *n < POLICY_MAX_DCS; i++) {
            order[(*n)++] = mr.dcs[i];
        }
        scope = mr.scope_bits;
        break;
    }
    case CONF_POLICY_NEAREST:
        memcpy(order, s->cand, s->cand_count * sizeof(*order));
        *n = s->cand_count;
        if (out->has_location) {
            if (out->location.is_found && out->location.has_coords) {
                geo_sites_order_by_distance(p->sites, order, *n, out->location.latitude,
                                            out->location.longitude);
            }
            scope = out->location.prefix_bits;
        }
        out->match = GEO_MATCH_NEAREST;
        break;
    case CONF_POLICY_WEIGHTED:
        memcpy(order, s->cand, s->cand_count * sizeof(*order));
        *n = s->cand_count;
        policy_order_weighted(p->dcs, order, *n, rng);
        break;
    case CONF_POLICY_FAILOVER:
        memcpy(order, s->cand, s->cand_count * sizeof(*order));
        *n = s->cand_count;
        break;
    }
    return scope;
}

void policy_select(const policy_t *p, const policy_service_t *s, const policy_client_t *c,
                   uint16_t qtype, uint64_t *rng, policy_result_t *out)
{
    out->type = 0;
    out->count = 0;
    out->ttl_s = s->conf->ttl_s;
    out->has_location = false;
    out->match = GEO_MATCH_DEFAULT;
    out->match_key = NULL;
    out->candidate_count = 0;
    out->chosen_count = 0;
    bool want_v6 = qtype == DNS_TYPE_AAAA;
    if (p->geo != NULL && (s->kind == CONF_POLICY_MAP || s->kind == CONF_POLICY_NEAREST)) {
        out->has_location = geo_db_lookup(p->geo, c->family, c->addr, &out->location) == 0;
    }
    uint32_t order[POLICY_MAX_DCS];
    size_t n;
    out->scope_bits = order_candidates(p, s, c, rng, order, &n, out);

    /* Candidates: the policy's order restricted to the service's data centers,
     * then the service's remaining data centers in config order as a last
     * resort, keeping only those with records for this QTYPE. */
    uint64_t seen = 0;
    for (size_t pass = 0; pass < 2; pass++) {
        const uint32_t *list = pass == 0 ? order : s->cand;
        size_t len = pass == 0 ? n : s->cand_count;
        for (size_t i = 0; i < len; i++) {
            uint32_t dc = list[i];
            uint64_t bit = 1ull << dc;
            if ((s->cand_mask & bit) == 0 || (seen & bit) != 0 ||
                !dc_serves(&p->dcs[dc], want_v6)) {
                continue;
            }
            seen |= bit;
            out->candidates[out->candidate_count++] = dc;
        }
    }
    if (out->candidate_count == 0) {
        return; /* no data center has records of this type: NODATA */
    }

    const policy_dc_t *first = &p->dcs[out->candidates[0]];
    if (first->has_cname) {
        out->type = DNS_TYPE_CNAME;
        out->rrs[0].data = first->cname;
        out->rrs[0].len = first->cname_len;
        out->count = 1;
        out->chosen[out->chosen_count++] = out->candidates[0];
        return;
    }
    if (qtype == DNS_TYPE_CNAME) {
        return; /* addresses are not CNAME data: NODATA */
    }
    out->type = want_v6 ? DNS_TYPE_AAAA : DNS_TYPE_A;
    unsigned want_dcs = s->conf->dc_count ? s->conf->dc_count : 1;
    unsigned per_dc = s->conf->address_count ? s->conf->address_count : 1;
    for (size_t i = 0; i < out->candidate_count && out->chosen_count < want_dcs; i++) {
        const policy_dc_t *dc = &p->dcs[out->candidates[i]];
        if (dc->has_cname) {
            continue; /* a CNAME site cannot be mixed into an address answer */
        }
        const policy_addr_t *addrs = want_v6 ? dc->v6 : dc->v4;
        size_t count = want_v6 ? dc->v6_count : dc->v4_count;
        uint32_t picked[POLICY_MAX_DC_ADDRS];
        size_t k = per_dc;
        if (k > POLICY_MAX_ANSWER - out->count) {
            k = POLICY_MAX_ANSWER - out->count;
        }
        size_t got = policy_pick_weighted(addrs, count, k, rng, picked);
        for (size_t j = 0; j < got; j++) {
            out->rrs[out->count].data = addrs[picked[j]].data;
            out->rrs[out->count].len = want_v6 ? 16 : 4;
            out->count++;
        }
        out->chosen[out->chosen_count++] = out->candidates[i];
    }
}
