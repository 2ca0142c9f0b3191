/* policy: the per-query selection pipeline for a service (RFC 7871 scope included). */
#include "policy_int.h"

#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>

/* Candidate order from the service's policy; returns the ECS scope: the
 * depth of the decision tree's leaf for geo policies (the widest block on
 * which the order is constant), 0 for the others, which do not depend on the
 * client. */
static uint8_t order_candidates(const policy_t *p, const policy_service_t *s,
                                const gslb_addr_t *c, uint64_t *rng, uint32_t *order,
                                size_t *n, policy_result_t *out)
{
    uint8_t scope = 0;
    *n = 0;
    switch (s->kind) {
    case CONF_POLICY_MAP: {
        geo_map_result_t mr;
        geo_map_resolve(s->map, c->family, c->addr, &mr);
        /* A map result holds at most GEO_MAX_SITES == POLICY_MAX_DCS. */
        *n = mr.dc_count;
        memcpy(order, mr.dcs, mr.dc_count * sizeof(*order));
        scope = mr.scope_bits;
        break;
    }
    case CONF_POLICY_NEAREST: {
        geo_tree_hit_t hit = geo_tree_find(s->nearest, c->family, c->addr);
        *n = hit.dc_count;
        memcpy(order, hit.dcs, hit.dc_count * sizeof(*order));
        scope = hit.scope_bits;
        out->match = GEO_MATCH_NEAREST;
        break;
    }
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

/* For explain: the client's database location and the rule that decided,
 * read the slow way (libmaxminddb and the rule tables), as the tree keeps
 * neither. */
static void explain_fill(const policy_t *p, const policy_service_t *s, const gslb_addr_t *c,
                         policy_result_t *out)
{
    if (s->kind != CONF_POLICY_MAP && s->kind != CONF_POLICY_NEAREST) {
        return;
    }
    if (p->geo != NULL) {
        out->has_location = geo_db_lookup(p->geo, c->family, c->addr, &out->location) == 0;
    }
    if (s->kind == CONF_POLICY_MAP) {
        geo_map_result_t mr;
        geo_map_resolve_rules(s->map, c->family, c->addr,
                              out->has_location ? &out->location : NULL, &mr);
        out->match = mr.match;
        out->match_key = mr.key;
    }
}

policy_addr_state_t policy_addr_state(const policy_t *p, const policy_dc_t *dc,
                                      const policy_addr_t *a)
{
    health_admin_t da = (health_admin_t)atomic_load_explicit(&dc->admin, memory_order_relaxed);
    health_admin_t aa = (health_admin_t)atomic_load_explicit(&a->admin, memory_order_relaxed);
    /* Decision table, most specific first:
     *   either drained              -> drained
     *   address forced up / down    -> up / down
     *   site forced up / down       -> up / down
     *   otherwise                   -> the probe (with any health-slot override) */
    if (da == HEALTH_ADMIN_DRAIN || aa == HEALTH_ADMIN_DRAIN) {
        return POLICY_ADDR_DRAINED;
    }
    if (aa == HEALTH_ADMIN_FORCE_UP || aa == HEALTH_ADMIN_FORCE_DOWN) {
        return aa == HEALTH_ADMIN_FORCE_UP ? POLICY_ADDR_UP : POLICY_ADDR_DOWN;
    }
    if (da == HEALTH_ADMIN_FORCE_UP || da == HEALTH_ADMIN_FORCE_DOWN) {
        return da == HEALTH_ADMIN_FORCE_UP ? POLICY_ADDR_UP : POLICY_ADDR_DOWN;
    }
    return health_slot_is_up(p->health, a->slot) ? POLICY_ADDR_UP : POLICY_ADDR_DOWN;
}

/* Which addresses of the family are up (bit i = address i) and which may be
 * handed out at all (ok_mask: not drained), and whether the site counts as
 * up: at least max(1, ceil(min_up_fraction * n)) of its n addresses that are
 * not drained. A drained address is the operator's choice, not a failure, so
 * it does not make the site "partly down". *has_ok: anything not drained. */
static bool dc_health(const policy_t *p, const policy_dc_t *dc, bool want_v6, uint64_t *up_mask,
                      uint64_t *ok_mask, bool *is_partial, bool *has_ok)
{
    memset(up_mask, 0, POLICY_ADDR_WORDS * sizeof(*up_mask));
    memset(ok_mask, 0, POLICY_ADDR_WORDS * sizeof(*ok_mask));
    if (dc->has_cname) {
        /* A CNAME site has no probed addresses: only its own overrides count. */
        health_admin_t da =
            (health_admin_t)atomic_load_explicit(&dc->admin, memory_order_relaxed);
        *is_partial = false;
        *has_ok = da != HEALTH_ADMIN_DRAIN;
        return da != HEALTH_ADMIN_DRAIN && da != HEALTH_ADMIN_FORCE_DOWN;
    }
    const policy_addr_t *addrs = want_v6 ? dc->v6 : dc->v4;
    size_t n = want_v6 ? dc->v6_count : dc->v4_count;
    size_t up = 0, eligible = 0;
    for (size_t i = 0; i < n; i++) {
        policy_addr_state_t st = policy_addr_state(p, dc, &addrs[i]);
        if (st != POLICY_ADDR_DRAINED) {
            ok_mask[i / 64] |= 1ull << (i % 64);
            eligible++;
        }
        if (st == POLICY_ADDR_UP) {
            up_mask[i / 64] |= 1ull << (i % 64);
            up++;
        }
    }
    size_t need = (size_t)(dc->min_up_fraction * (double)eligible + 0.999999);
    if (need < 1) {
        need = 1;
    }
    *is_partial = up < eligible;
    *has_ok = eligible > 0;
    return up >= need;
}

/* ---- per-thread health view ------------------------------------------------
 *
 * What dc_health derives for a data center changes only when a probe result,
 * an override or the slot set changes, which is rare next to queries. Each
 * thread keeps what it derived, per data center and address family, and
 * recomputes an entry the first time it is used after the health generation
 * (health_generation), the policy's override generation or the policy
 * itself changed. Thread-local: no sharing between workers, no locks. */

typedef struct dc_view {
    uint64_t up_mask[POLICY_ADDR_WORDS]; /* addresses up (bit i = address i of the family) */
    uint64_t ok_mask[POLICY_ADDR_WORDS]; /* addresses not drained */
    bool is_up;
    bool is_partial;
    bool has_ok;
} dc_view_t;

typedef struct health_view {
    uint64_t policy_id;  /* 0 = nothing cached (ids start at 1) */
    uint64_t health_gen;
    uint64_t admin_gen;
    uint64_t fresh[2];   /* bit per data center: dcs[family][dc] holds for these generations */
    dc_view_t dcs[2][POLICY_MAX_DCS];
} health_view_t;

static _Thread_local health_view_t view;

/* Make the thread's view belong to p as of now. The generations are read
 * before any state (acquire), so a change that lands while entries are being
 * computed makes the next query recompute them. */
static void view_sync(const policy_t *p)
{
    uint64_t hg = health_generation(p->health);
    uint64_t ag = atomic_load_explicit(&((policy_t *)p)->admin_generation, memory_order_acquire);
    if (view.policy_id != p->id || view.health_gen != hg || view.admin_gen != ag) {
        view.policy_id = p->id;
        view.health_gen = hg;
        view.admin_gen = ag;
        view.fresh[0] = 0;
        view.fresh[1] = 0;
    }
}

/* Compute the view of data center dc for the family: the first use after a change. */
static __attribute__((noinline)) void view_fill(const policy_t *p, uint32_t dc, bool want_v6)
{
    dc_view_t *v = &view.dcs[want_v6][dc];
    v->is_up = dc_health(p, &p->dcs[dc], want_v6, v->up_mask, v->ok_mask, &v->is_partial,
                         &v->has_ok);
    view.fresh[want_v6] |= 1ull << dc;
}

/* The health of data center dc for the family, from the view (view_sync first). */
static inline const dc_view_t *dc_view(const policy_t *p, uint32_t dc, bool want_v6)
{
    if (__builtin_expect((view.fresh[want_v6] >> dc & 1) == 0, 0)) {
        view_fill(p, dc, want_v6);
    }
    return &view.dcs[want_v6][dc];
}

/* The general case of put_addresses: any number of addresses, any weights. */
static __attribute__((noinline)) size_t pick_general(const policy_dc_t *dc, bool want_v6,
                                                     const uint64_t *eligible, size_t k,
                                                     uint64_t *rng, dns_rdata_t *rr)
{
    const policy_addr_t *addrs = want_v6 ? dc->v6 : dc->v4;
    size_t count = want_v6 ? dc->v6_count : dc->v4_count;
    uint16_t len = want_v6 ? 16 : 4;
    uint32_t picked[POLICY_MAX_DC_ADDRS];
    size_t got;
    if (count <= 64 && (want_v6 ? dc->is_v6_uniform : dc->is_v4_uniform)) {
        got = policy_pick_uniform(eligible[0], k, rng, picked);
    } else {
        got = policy_pick_weighted(addrs, count, eligible, k, rng, picked);
    }
    for (size_t j = 0; j < got; j++) {
        rr[j].data = addrs[picked[j]].data;
        rr[j].len = len;
    }
    return got;
}

static void put_addresses(const policy_dc_t *dc, bool want_v6, const uint64_t *eligible,
                          unsigned per_dc, uint64_t *rng, policy_result_t *out)
{
    size_t k = per_dc;
    if (k > POLICY_MAX_ANSWER - out->count) {
        k = POLICY_MAX_ANSWER - out->count;
    }
    dns_rdata_t *rr = &out->rrs[out->count];
    size_t count = want_v6 ? dc->v6_count : dc->v4_count;
    uint64_t e = eligible[0];
    uint64_t rest = e & (e - 1);
    if (count <= 64 && (want_v6 ? dc->is_v6_uniform : dc->is_v4_uniform) && e != 0 && k > 0 &&
        (rest & (rest - 1)) == 0) {
        /* One or two addresses of equal weight, the usual site: as
         * policy_pick_uniform, without its index arrays. */
        const policy_addr_t *addrs = want_v6 ? dc->v6 : dc->v4;
        uint16_t len = want_v6 ? 16 : 4;
        size_t a = (size_t)__builtin_ctzll(e);
        size_t got = 1;
        if (rest != 0) {
            size_t b = (size_t)__builtin_ctzll(rest);
            if (policy_rng_next(rng) >> 63) {
                size_t t = a;
                a = b;
                b = t;
            }
            if (k > 1) {
                rr[1].data = addrs[b].data;
                rr[1].len = len;
                got = 2;
            }
        }
        rr[0].data = addrs[a].data;
        rr[0].len = len;
        out->count += got;
        return;
    }
    out->count += pick_general(dc, want_v6, eligible, k, rng, rr);
}

static void put_cname(const policy_dc_t *dc, uint32_t index, policy_result_t *out)
{
    out->type = DNS_TYPE_CNAME;
    out->rrs[0].data = dc->cname;
    out->rrs[0].len = dc->cname_len;
    out->count = 1;
    out->chosen[out->chosen_count++] = index;
}

/* policy_select and policy_select_full: with is_full false the candidate walk
 * stops at the last data center the answer can use, since what lies behind
 * it changes nothing but the listing. */
static void select_answer(const policy_t *p, const policy_service_t *s, const gslb_addr_t *c,
                          uint16_t qtype, uint64_t *rng, policy_result_t *out, bool is_full)
{
    out->type = 0;
    out->count = 0;
    out->ttl_s = s->conf->ttl_s;
    out->has_location = false;
    out->match = GEO_MATCH_DEFAULT;
    out->match_key = NULL;
    out->candidate_count = 0;
    out->chosen_count = 0;
    out->is_degraded = false;
    out->is_all_down = false;
    out->is_fail_closed = false;
    bool want_v6 = qtype == DNS_TYPE_AAAA;
    if (is_full) {
        explain_fill(p, s, c, out);
    }
    out->continent = GEO_CONTINENT_UNKNOWN;
    if (s->kind == CONF_POLICY_MAP || s->kind == CONF_POLICY_NEAREST) {
        out->continent = (uint8_t)geo_tree_find(p->continents, c->family, c->addr).dcs[0];
    }
    uint32_t order[POLICY_MAX_DCS];
    size_t n;
    out->scope_bits = order_candidates(p, s, c, rng, order, &n, out);
    view_sync(p);

    /* Candidates: the policy's order restricted to the service's data centers,
     * then the service's remaining data centers in config order as a last
     * resort, keeping only those with records for this QTYPE. */
    uint64_t wanted = s->cand_mask & p->serves_mask[want_v6];
    uint64_t seen = 0;
    unsigned want_dcs = s->conf->dc_count ? s->conf->dc_count : 1;
    unsigned up_count = 0;
    const dc_view_t *views[POLICY_MAX_DCS];
    for (size_t pass = 0; pass < 2 && seen != wanted; pass++) {
        const uint32_t *list = pass == 0 ? order : s->cand;
        size_t len = pass == 0 ? n : s->cand_count;
        for (size_t i = 0; i < len; i++) {
            uint32_t dc = list[i];
            uint64_t bit = 1ull << dc;
            if ((wanted & bit) == 0 || (seen & bit) != 0) {
                continue;
            }
            seen |= bit;
            size_t k = out->candidate_count++;
            out->candidates[k] = dc;
            views[k] = dc_view(p, dc, want_v6);
            out->candidate_up[k] = views[k]->is_up;
            if (!is_full && views[k]->is_up && ++up_count == want_dcs) {
                seen = wanted; /* enough sites up: the rest cannot change the answer */
                break;
            }
        }
    }
    if (out->candidate_count == 0) {
        return; /* no data center has records of this type: NODATA */
    }

    /* Walk in order: answers come from the first sites that are up. */
    unsigned per_dc = s->conf->address_count ? s->conf->address_count : 1;
    size_t use[POLICY_MAX_DCS];
    size_t use_count = 0;
    for (size_t i = 0; i < out->candidate_count && use_count < want_dcs; i++) {
        if (out->candidate_up[i]) {
            use[use_count++] = i;
        }
    }
    bool ignore_health = false;
    if (use_count == 0) {
        out->is_all_down = true;
        out->is_degraded = true;
        switch (s->conf->fail) {
        case CONF_FAIL_CLOSED:
            out->is_fail_closed = true;
            out->ttl_s = s->conf->degraded_ttl_s;
            return;
        case CONF_FAIL_DATACENTER: {
            uint32_t fdc = (uint32_t)s->conf->fail_dc;
            const policy_dc_t *dc = &p->dcs[fdc];
            out->ttl_s = s->conf->degraded_ttl_s;
            if (dc->has_cname) {
                put_cname(dc, fdc, out);
            } else if (qtype != DNS_TYPE_CNAME && policy_dc_serves(dc, want_v6)) {
                /* Whatever its health, but never a drained address. */
                put_addresses(dc, want_v6, dc_view(p, fdc, want_v6)->ok_mask, per_dc, rng, out);
                if (out->count > 0) {
                    out->type = want_v6 ? DNS_TYPE_AAAA : DNS_TYPE_A;
                    out->chosen[out->chosen_count++] = fdc;
                }
            }
            return;
        }
        case CONF_FAIL_OPEN:
            /* Answer as if every site were up: better a possibly dead address
             * than no answer, as the peers do. */
            ignore_health = true;
            for (size_t i = 0; i < out->candidate_count && use_count < want_dcs; i++) {
                if (views[i]->has_ok) {
                    use[use_count++] = i; /* drained sites stay out even now */
                }
            }
            break;
        }
        if (use_count == 0) {
            return; /* every candidate is drained: NODATA */
        }
    }
    /* RFC-free policy choice: a fallback or partly down site gets the shorter
     * TTL so that clients come back soon after recovery. */
    if (use[0] != 0 || views[use[0]]->is_partial) {
        out->is_degraded = true;
    }
    if (out->is_degraded) {
        out->ttl_s = s->conf->degraded_ttl_s;
    }
    const policy_dc_t *first = &p->dcs[out->candidates[use[0]]];
    if (first->has_cname) {
        put_cname(first, out->candidates[use[0]], out);
        return;
    }
    if (qtype == DNS_TYPE_CNAME) {
        return; /* addresses are not CNAME data: NODATA */
    }
    out->type = want_v6 ? DNS_TYPE_AAAA : DNS_TYPE_A;
    for (size_t u = 0; u < use_count; u++) {
        size_t i = use[u];
        const policy_dc_t *dc = &p->dcs[out->candidates[i]];
        if (dc->has_cname) {
            continue; /* a CNAME site cannot be mixed into an address answer */
        }
        put_addresses(dc, want_v6, ignore_health ? views[i]->ok_mask : views[i]->up_mask, per_dc,
                      rng, out);
        out->chosen[out->chosen_count++] = out->candidates[i];
    }
}

void policy_select(const policy_t *p, const policy_service_t *s, const gslb_addr_t *c,
                   uint16_t qtype, uint64_t *rng, policy_result_t *out)
{
    select_answer(p, s, c, qtype, rng, out, false);
}

void policy_select_full(const policy_t *p, const policy_service_t *s, const gslb_addr_t *c,
                        uint16_t qtype, uint64_t *rng, policy_result_t *out)
{
    select_answer(p, s, c, qtype, rng, out, true);
}

int policy_datacenter_health(const policy_t *p, uint32_t dc, bool want_v6)
{
    if (dc >= p->dc_count || !policy_dc_serves(&p->dcs[dc], want_v6)) {
        return -1;
    }
    uint64_t up_mask[POLICY_ADDR_WORDS], ok_mask[POLICY_ADDR_WORDS];
    bool is_partial, has_ok;
    return dc_health(p, &p->dcs[dc], want_v6, up_mask, ok_mask, &is_partial, &has_ok) ? 1 : 0;
}
