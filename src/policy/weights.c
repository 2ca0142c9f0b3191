/* policy: random choice in proportion to weights (addresses and data centers). */
#include "policy_int.h"

uint64_t policy_rng_next(uint64_t *state)
{
    /* xorshift64* (Vigna 2016): fast, good enough for load spreading. */
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1Dull;
}

/* Uniform in [0, n) without modulo bias that matters for n << 2^64. */
static uint64_t below(uint64_t *rng, uint64_t n)
{
    return (uint64_t)(((unsigned __int128)policy_rng_next(rng) * n) >> 64);
}

size_t policy_pick_weighted(const policy_addr_t *addrs, size_t n, const uint64_t *eligible,
                            size_t k, uint64_t *rng, uint32_t *out)
{
    uint64_t w[POLICY_MAX_DC_ADDRS];
    uint64_t total = 0;
    if (n > POLICY_MAX_DC_ADDRS) {
        n = POLICY_MAX_DC_ADDRS;
    }
    for (size_t i = 0; i < n; i++) {
        bool ok = eligible == NULL || ((eligible[i / 64] >> (i % 64)) & 1u) != 0;
        w[i] = ok ? addrs[i].weight : 0;
        total += w[i];
    }
    size_t got = 0;
    while (got < k && total > 0) {
        uint64_t r = below(rng, total);
        size_t i = 0;
        while (r >= w[i]) {
            r -= w[i];
            i++;
        }
        out[got++] = (uint32_t)i;
        total -= w[i];
        w[i] = 0;
    }
    return got;
}

void policy_order_weighted(const policy_dc_t *dcs, uint32_t *cand, size_t n, uint64_t *rng)
{
    uint64_t w[POLICY_MAX_DCS];
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        w[i] = atomic_load_explicit(&dcs[cand[i]].weight_eff, memory_order_relaxed);
        total += w[i];
    }
    /* Successive weighted draws without replacement: the first place goes to
     * each data center in proportion to its capacity weight. */
    for (size_t pos = 0; pos + 1 < n && total > 0; pos++) {
        uint64_t r = below(rng, total);
        size_t i = pos;
        while (r >= w[i]) {
            r -= w[i];
            i++;
        }
        uint32_t c = cand[i];
        uint64_t cw = w[i];
        cand[i] = cand[pos];
        w[i] = w[pos];
        cand[pos] = c;
        w[pos] = cw;
        total -= cw;
    }
}
