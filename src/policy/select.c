/* policy: the per-query selection pipeline for a service (RFC 7871 scope included). */
#include "policy_int.h"

#include <stdatomic.h>
#include <string.h>
#include <sys/socket.h>

/* The decision used the client's hash: the answer holds for its whole
 * hashed subnet and no wider (RFC 7871 7.2.1). */
static void mark_hash(policy_result_t *out, policy_client_key_t *key)
{
    const steer_key_t *k = policy_client_key(key);
    out->has_hash = true;
    out->hash_bits = k->bits;
    out->hash_point = (double)(k->hash >> 32) / 4294967296.0;
    if (k->bits > out->scope_bits) {
        out->scope_bits = k->bits;
    }
}

/* The order of a geo tree (map or distance) for c: *list points into the
 * tree or into *mr (which must outlive it); returns the leaf's scope. */
static inline uint8_t order_geo(const policy_service_t *s, const geo_map_t *map,
                                const gslb_addr_t *c, geo_map_result_t *mr,
                                const uint32_t **list, size_t *n, policy_result_t *out)
{
    if (map != NULL) {
        geo_map_resolve(map, c->family, c->addr, mr);
        /* A map result holds at most GEO_MAX_SITES == POLICY_MAX_DCS. */
        *list = mr->dcs;
        *n = mr->dc_count;
        return mr->scope_bits;
    }
    if (s->nearest != NULL) {
        geo_tree_hit_t hit = geo_tree_find(s->nearest, c->family, c->addr);
        *list = hit.dcs;
        *n = hit.dc_count;
        out->match = GEO_MATCH_NEAREST;
        return hit.scope_bits;
    }
    *n = 0;
    return 0;
}

/* Candidate order from the service's policy: *list points at it (into a
 * decision tree, *mr, or buf, which the caller keeps while it uses the
 * list). Sets out->scope_bits: the depth of the decision tree's leaf for
 * geo and latency policies (the widest block on which the order is
 * constant), 0 for those that do not depend on the client, raised to the
 * hashed prefix when the order used the client's hash. */
static inline void order_candidates(const policy_t *p, const policy_service_t *s,
                                    const gslb_addr_t *c, uint64_t *rng,
                                    policy_client_key_t *key, uint32_t *buf,
                                    geo_map_result_t *mr, const uint32_t **list, size_t *n,
                                    policy_result_t *out)
{
    out->scope_bits = 0;
    *n = 0;
    *list = buf;
    switch (s->kind) {
    case CONF_POLICY_MAP:
    case CONF_POLICY_NEAREST:
        out->scope_bits = order_geo(s, s->map, c, mr, list, n, out);
        break;
    case CONF_POLICY_WEIGHTED:
        memcpy(buf, s->cand, s->cand_count * sizeof(*buf));
        *n = s->cand_count;
        policy_order_weighted(p->dcs, buf, *n, rng);
        break;
    case CONF_POLICY_FAILOVER:
        *list = s->cand;
        *n = s->cand_count;
        break;
    case CONF_POLICY_HASHED: {
        uint32_t bucket = policy_hrw_bucket(policy_client_key(key)->hash);
        *n = s->cand_count;
        if (s->hrw_table != NULL &&
            atomic_load_explicit(&((policy_t *)p)->weight_overrides, memory_order_relaxed) == 0) {
            const uint8_t *row = &s->hrw_table[(size_t)bucket * *n];
            for (size_t i = 0; i < *n; i++) {
                buf[i] = row[i];
            }
        } else {
            /* Capacities changed at run time: the same order, computed. */
            memcpy(buf, s->cand, s->cand_count * sizeof(*buf));
            policy_order_hashed(p->dcs, buf, *n, bucket);
        }
        out->reason = POLICY_REASON_HASHED;
        mark_hash(out, key);
        break;
    }
    case CONF_POLICY_LATENCY: {
        uint8_t scope;
        bool used_hash;
        *n = policy_order_latency(p, s, c, key, buf, &scope, &used_hash, out);
        if (*n > 0) {
            out->reason = POLICY_REASON_LATENCY;
            out->scope_bits = scope;
            if (used_hash) {
                mark_hash(out, key);
            }
        } else {
            /* Not covered (or every row expired): the map's or distance order. */
            uint8_t geo_scope = order_geo(s, s->fallback_map, c, mr, list, n, out);
            out->scope_bits = scope > geo_scope ? scope : geo_scope;
        }
        break;
    }
    }
}

/* For explain: the client's database location and the rule that decided,
 * read the slow way (libmaxminddb and the rule tables), as the tree keeps
 * neither. */
static void explain_fill(const policy_t *p, const policy_service_t *s, const gslb_addr_t *c,
                         policy_result_t *out)
{
    if (s->kind != CONF_POLICY_MAP && s->kind != CONF_POLICY_NEAREST &&
        s->kind != CONF_POLICY_LATENCY) {
        return;
    }
    if (p->geo != NULL) {
        out->has_location = geo_db_lookup(p->geo, c->family, c->addr, &out->location) == 0;
    }
    const geo_map_t *map = s->kind == CONF_POLICY_LATENCY ? s->fallback_map : s->map;
    if (map != NULL) {
        geo_map_result_t mr;
        geo_map_resolve_rules(map, c->family, c->addr,
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

/* The first k eligible addresses in config order: rotate (the set stays
 * the same, only the rotation moves them), and whenever every eligible one
 * is taken. */
static size_t pick_in_order(const policy_dc_t *dc, bool want_v6, const uint64_t *eligible,
                            size_t k, dns_rdata_t *rr)
{
    const policy_addr_t *addrs = want_v6 ? dc->v6 : dc->v4;
    size_t count = want_v6 ? dc->v6_count : dc->v4_count;
    size_t got = 0;
    for (size_t i = 0; i < count && got < k; i++) {
        if (eligible[i / 64] >> (i % 64) & 1) {
            rr[got].data = addrs[i].data;
            rr[got++].len = want_v6 ? 16 : 4;
        }
    }
    return got;
}

/* The hashed policy's addresses of dc: the best k by rendezvous score. */
static __attribute__((noinline)) size_t pick_by_hash(const policy_dc_t *dc, bool want_v6,
                                                     const uint64_t *eligible, size_t k,
                                                     uint64_t h, dns_rdata_t *rr)
{
    const policy_addr_t *addrs = want_v6 ? dc->v6 : dc->v4;
    size_t count = want_v6 ? dc->v6_count : dc->v4_count;
    size_t eligible_count = 0;
    for (size_t w = 0; w * 64 < count; w++) {
        eligible_count += (size_t)__builtin_popcountll(eligible[w]);
    }
    if (eligible_count <= k) {
        /* Every eligible address is in the answer: nothing to choose. */
        return pick_in_order(dc, want_v6, eligible, k, rr);
    }
    uint32_t picked[POLICY_MAX_ANSWER];
    bool is_uniform = want_v6 ? dc->is_v6_uniform : dc->is_v4_uniform;
    size_t got = policy_pick_hashed(addrs, count, eligible, is_uniform, k, h, picked);
    for (size_t j = 0; j < got; j++) {
        rr[j].data = addrs[picked[j]].data;
        rr[j].len = want_v6 ? 16 : 4;
    }
    return got;
}

/* Up to per_dc addresses of dc whose bit is set in eligible: at random by
 * weight, by rendezvous hash when hash is not NULL (hashed policy), or the
 * first ones in config order when is_fixed (rotate). */
static void put_addresses(const policy_dc_t *dc, bool want_v6, const uint64_t *eligible,
                          unsigned per_dc, uint64_t *rng, const uint64_t *hash, bool is_fixed,
                          policy_result_t *out)
{
    size_t k = per_dc;
    if (k > POLICY_MAX_ANSWER - out->count) {
        k = POLICY_MAX_ANSWER - out->count;
    }
    dns_rdata_t *rr = &out->rrs[out->count];
    if (hash != NULL) {
        out->count += pick_by_hash(dc, want_v6, eligible, k, *hash, rr);
        return;
    }
    if (is_fixed) {
        out->count += pick_in_order(dc, want_v6, eligible, k, rr);
        return;
    }
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
    out->reason = POLICY_REASON_PREFERRED;
    out->has_hash = false;
    out->hash_bits = 0;
    out->hash_point = 0;
    out->is_shed = false;
    out->shed_fraction = 0;
    out->latency_rows = NULL;
    out->latency_row_count = 0;
    bool want_v6 = qtype == DNS_TYPE_AAAA;
    policy_client_key_t key = {
        .client = c, .seed = atomic_load_explicit(&p->hash_seed, memory_order_relaxed), .bits = s->hash_bits[c->family == AF_INET6]};
    if (is_full) {
        explain_fill(p, s, c, out);
    }
    out->continent = GEO_CONTINENT_UNKNOWN;
    if (s->kind == CONF_POLICY_MAP || s->kind == CONF_POLICY_NEAREST ||
        s->kind == CONF_POLICY_LATENCY) {
        out->continent = (uint8_t)geo_tree_find(p->continents, c->family, c->addr).dcs[0];
    }
    uint32_t buf[POLICY_MAX_DCS];
    geo_map_result_t mr;
    const uint32_t *order;
    size_t n;
    order_candidates(p, s, c, rng, &key, buf, &mr, &order, &n, out);
    view_sync(p);

    /* Candidates: the policy's order restricted to the service's data centers,
     * then the service's remaining data centers in config order as a last
     * resort, keeping only those with records for this QTYPE. */
    uint64_t wanted = s->cand_mask & p->serves_mask[want_v6];
    uint64_t seen = 0;
    unsigned want_dcs = s->conf->dc_count ? s->conf->dc_count : 1;
    unsigned up_count = 0;
    const dc_view_t *views[POLICY_MAX_DCS];
    /* The dynamic step needs every candidate when the client's first one
     * is down (failover: spread) or sheds some of its clients. */
    bool is_dynamic = false;
    uint64_t shed0 = 0;
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
            if (k == 0 && s->kind != CONF_POLICY_WEIGHTED) {
                /* The client moves when its first candidate sheds it (its
                 * point below the shed fraction) or is down (spread); only
                 * then does the rest of the list matter. */
                shed0 = views[0]->is_up ? policy_dc_shed(&p->dcs[dc]) : 0;
                if (shed0 > 0) {
                    mark_hash(out, &key);
                    out->shed_fraction = (double)shed0 / 4294967296.0;
                    is_dynamic = (key.key.hash >> 32) < shed0;
                } else if (!views[0]->is_up && s->conf->failover == CONF_FAILOVER_SPREAD) {
                    mark_hash(out, &key);
                    is_dynamic = true;
                }
            }
            if (!is_full && !is_dynamic && views[k]->is_up && ++up_count == want_dcs) {
                seen = wanted; /* enough sites up: the rest cannot change the answer */
                break;
            }
        }
    }
    if (out->candidate_count == 0) {
        return; /* no data center has records of this type: NODATA */
    }

    /* The dynamic step: a client its first candidate sheds (its point
     * below the shed fraction) or cannot serve (down, failover: spread)
     * goes to the others by rendezvous hashing on spare capacity. */
    long pick = -1;
    if (is_dynamic) {
        pick = policy_spill_pick(p->dcs, out->candidates, out->candidate_up,
                                 out->candidate_count, 0, key.key.hash);
        out->is_shed = pick >= 0 && out->candidate_up[0];
    }
    /* Then in order: answers come from the first sites that are up (a shed
     * client's first candidate not among them). */
    unsigned per_dc = s->conf->address_count ? s->conf->address_count : 1;
    size_t use[POLICY_MAX_DCS];
    size_t use_count = 0;
    if (pick >= 0) {
        use[use_count++] = (size_t)pick;
    }
    for (size_t i = 0; i < out->candidate_count && use_count < want_dcs; i++) {
        if (out->candidate_up[i] && (long)i != pick && !(pick >= 0 && i == 0)) {
            use[use_count++] = i;
        }
    }
    if (use_count > 0 && use[0] != 0) {
        out->reason = out->is_shed ? POLICY_REASON_SHED : POLICY_REASON_FAILED_OVER;
    }
    const uint64_t *addr_hash = s->kind == CONF_POLICY_HASHED ? &key.key.hash : NULL;
    bool ignore_health = false;
    if (use_count == 0) {
        out->reason = POLICY_REASON_FAILED_OVER;
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
                put_addresses(dc, want_v6, dc_view(p, fdc, want_v6)->ok_mask, per_dc, rng,
                              addr_hash, s->conf->is_rotated, out);
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
    if ((use[0] != 0 && !out->is_shed) || views[use[0]]->is_partial) {
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
                      rng, addr_hash, s->conf->is_rotated, out);
        out->chosen[out->chosen_count++] = out->candidates[i];
    }
}

/* rotate: the records of an answer in a different order from query to
 * query (round robin), the set unchanged. A per-thread counter: no sharing. */
static void rotate(const policy_service_t *s, policy_result_t *out)
{
    static _Thread_local uint32_t turn;
    if (!s->conf->is_rotated || out->count < 2 || out->type == DNS_TYPE_CNAME) {
        return;
    }
    size_t k = turn++ % out->count;
    if (k == 0) {
        return;
    }
    dns_rdata_t tmp[POLICY_MAX_ANSWER];
    memcpy(tmp, out->rrs, out->count * sizeof(*tmp));
    for (size_t i = 0; i < out->count; i++) {
        out->rrs[i] = tmp[(i + k) % out->count];
    }
}

void policy_select(const policy_t *p, const policy_service_t *s, const gslb_addr_t *c,
                   uint16_t qtype, uint64_t *rng, policy_result_t *out)
{
    select_answer(p, s, c, qtype, rng, out, false);
    if (__builtin_expect(s->conf->is_rotated, 0)) {
        rotate(s, out);
    }
}

void policy_select_full(const policy_t *p, const policy_service_t *s, const gslb_addr_t *c,
                        uint16_t qtype, uint64_t *rng, policy_result_t *out)
{
    select_answer(p, s, c, qtype, rng, out, true);
    rotate(s, out);
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
