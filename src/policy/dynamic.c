/* policy: the dynamic step of a decision: rendezvous hashing, spill-over on spare capacity,
 * and the latency table's order. No allocation, no locks. */
#include "policy_int.h"

#include <math.h>
#include <string.h>
#include <time.h>

const char *policy_reason_name(policy_reason_t r)
{
    static const char *const names[POLICY_REASON_COUNT] = {"preferred", "shed", "failed-over",
                                                           "latency", "hashed"};
    return (unsigned)r < POLICY_REASON_COUNT ? names[r] : "unknown";
}

double policy_dc_spare(const policy_dc_t *dc)
{
    double cap = policy_dc_capacity(dc);
    if (dc->load == NULL) {
        return cap;
    }
    uint64_t bits = atomic_load_explicit(&dc->load->util_bits, memory_order_relaxed);
    double util;
    memcpy(&util, &bits, sizeof(util));
    double spare = cap * (dc->target - util);
    return spare > 0 ? spare : 0;
}

/* Insertion sort of cand[0..n) by score (n <= POLICY_MAX_DCS). */
static void sort_by_score(uint32_t *cand, double *score, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        uint32_t c = cand[i];
        double v = score[i];
        size_t j = i;
        while (j > 0 && score[j - 1] > v) {
            cand[j] = cand[j - 1];
            score[j] = score[j - 1];
            j--;
        }
        cand[j] = c;
        score[j] = v;
    }
}

void policy_order_hashed(const policy_dc_t *dcs, uint32_t *cand, size_t n, uint64_t h)
{
    double score[POLICY_MAX_DCS];
    bool is_uniform = true;
    double w0 = n > 0 ? policy_dc_capacity(&dcs[cand[0]]) : 0;
    for (size_t i = 1; i < n && is_uniform; i++) {
        is_uniform = policy_dc_capacity(&dcs[cand[i]]) == w0;
    }
    for (size_t i = 0; i < n; i++) {
        /* Equal capacities: the highest draw wins, no logarithm needed (the
         * order is the one the weighted score gives); a weight of 0 last. */
        score[i] = is_uniform ? (w0 > 0 ? -(double)steer_hrw_draw(h, dcs[cand[i]].hrw_key)
                                        : INFINITY)
                              : steer_hrw_score(h, dcs[cand[i]].hrw_key,
                                                policy_dc_capacity(&dcs[cand[i]]));
    }
    sort_by_score(cand, score, n);
}

void policy_hashed_build(policy_t *p, policy_service_t *s)
{
    size_t n = s->cand_count;
    if (n == 0 || n > POLICY_HRW_TABLE_MAX_DCS) {
        return;
    }
    s->hrw_table = xcalloc((size_t)POLICY_HRW_BUCKETS * n, 1);
    uint32_t order[POLICY_MAX_DCS];
    for (uint32_t b = 0; b < POLICY_HRW_BUCKETS; b++) {
        memcpy(order, s->cand, n * sizeof(*order));
        policy_order_hashed(p->dcs, order, n, b);
        uint8_t *row = &s->hrw_table[(size_t)b * n];
        for (size_t i = 0; i < n; i++) {
            row[i] = (uint8_t)order[i];
        }
    }
}

long policy_spill_pick(const policy_dc_t *dcs, const uint32_t *cand, const bool *up, size_t n,
                       size_t skip, uint64_t h)
{
    double w[POLICY_MAX_DCS];
    bool has_spare = false;
    for (size_t i = 0; i < n; i++) {
        w[i] = 0;
        if (i != skip && up[i]) {
            w[i] = policy_dc_spare(&dcs[cand[i]]);
            has_spare = has_spare || w[i] > 0;
        }
    }
    /* Every site at or over its target: spread in proportion to capacity,
     * so that they fill up evenly. */
    long best = -1;
    double best_score = INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (i == skip || !up[i]) {
            continue;
        }
        double weight = has_spare ? w[i] : policy_dc_capacity(&dcs[cand[i]]);
        double sc = steer_hrw_score(h, dcs[cand[i]].hrw_key, weight);
        if (best < 0 || sc < best_score) {
            best = (long)i;
            best_score = sc;
        }
    }
    return best;
}

size_t policy_pick_hashed(const policy_addr_t *addrs, size_t n, const uint64_t *eligible,
                          bool is_uniform, size_t k, uint64_t h, uint32_t *out)
{
    /* The best k by score, kept sorted in out (k is at most 16). */
    double best[POLICY_MAX_ANSWER];
    size_t got = 0;
    if (k > POLICY_MAX_ANSWER) {
        k = POLICY_MAX_ANSWER;
    }
    for (size_t i = 0; i < n && i < POLICY_MAX_DC_ADDRS; i++) {
        if ((eligible[i / 64] >> (i % 64) & 1) == 0) {
            continue;
        }
        double sc = is_uniform ? -(double)steer_hrw_draw(h, addrs[i].hrw_key)
                               : steer_hrw_score(h, addrs[i].hrw_key, (double)addrs[i].weight);
        if (got == k && sc >= best[got - 1]) {
            continue;
        }
        size_t j = got < k ? got++ : got - 1;
        while (j > 0 && best[j - 1] > sc) {
            best[j] = best[j - 1];
            out[j] = out[j - 1];
            j--;
        }
        best[j] = sc;
        out[j] = (uint32_t)i;
    }
    return got;
}

size_t policy_order_latency(const policy_t *p, const policy_service_t *s, const gslb_addr_t *c,
                            policy_client_key_t *key, uint32_t *order, uint8_t *scope,
                            bool *used_hash, policy_result_t *out)
{
    latency_hit_t hit = latency_table_find(s->latency, c->family, c->addr);
    *scope = hit.scope_bits;
    *used_hash = false;
    out->latency_rows = hit.rows;
    out->latency_row_count = hit.count;
    /* time() is served by the vDSO: no system call. */
    int64_t now = (int64_t)time(NULL);
    size_t n = 0;
    uint32_t rtt[LATENCY_MAX_ROWS];
    for (size_t i = 0; i < hit.count && n < POLICY_MAX_DCS; i++) {
        const latency_row_t *r = &hit.rows[i];
        if (r->expires_s <= now || r->dc >= p->dc_count || (s->cand_mask >> r->dc & 1) == 0) {
            continue;
        }
        rtt[n] = r->rtt_us;
        order[n++] = r->dc;
    }
    if (n == 0) {
        out->latency_row_count = 0;
        return 0;
    }
    /* Rows are sorted by RTT: the ones within the tolerance of the best
     * are equals, split by capacity on the client's hash. */
    uint64_t tol_us = (uint64_t)(s->conf->latency_tolerance_ms * 1000.0);
    size_t equal = 1;
    while (equal < n && (uint64_t)rtt[equal] <= (uint64_t)rtt[0] + tol_us) {
        equal++;
    }
    if (equal > 1) {
        policy_order_hashed(p->dcs, order, equal, policy_client_key(key)->hash);
        *used_hash = true;
    }
    return n;
}
