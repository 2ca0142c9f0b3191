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
    /* The eligible addresses with a weight, compacted, so that each draw
     * walks only those; the one left last needs no draw. Successive weighted
     * draws without replacement: the order the remaining ones are kept in
     * does not change the probabilities. */
    uint64_t w[POLICY_MAX_DC_ADDRS];
    uint32_t idx[POLICY_MAX_DC_ADDRS];
    size_t m = 0;
    uint64_t total = 0;
    if (n > POLICY_MAX_DC_ADDRS) {
        n = POLICY_MAX_DC_ADDRS;
    }
    for (size_t word = 0; word * 64 < n; word++) {
        size_t left = n - word * 64;
        uint64_t bits = left >= 64 ? ~0ull : (1ull << left) - 1;
        if (eligible != NULL) {
            bits &= eligible[word];
        }
        while (bits != 0) {
            size_t i = word * 64 + (size_t)__builtin_ctzll(bits);
            bits &= bits - 1;
            if (addrs[i].weight > 0) {
                idx[m] = (uint32_t)i;
                w[m] = addrs[i].weight;
                total += w[m];
                m++;
            }
        }
    }
    size_t got = 0;
    while (got < k && m > 0) {
        size_t j = 0;
        if (m > 1) {
            uint64_t r = below(rng, total);
            while (r >= w[j]) {
                r -= w[j];
                j++;
            }
        }
        out[got++] = idx[j];
        total -= w[j];
        m--;
        w[j] = w[m];
        idx[j] = idx[m];
    }
    return got;
}

size_t policy_pick_uniform(uint64_t eligible, size_t k, uint64_t *rng, uint32_t *out)
{
    if (k == 0 || eligible == 0) {
        return 0;
    }
    uint64_t rest = eligible & (eligible - 1);
    if (rest == 0) {
        out[0] = (uint32_t)__builtin_ctzll(eligible);
        return 1;
    }
    if ((rest & (rest - 1)) == 0) {
        /* Two eligible, the usual case: one random bit orders them, and
         * with k == 1 the first is the pick. */
        uint32_t a = (uint32_t)__builtin_ctzll(eligible);
        uint32_t b = (uint32_t)__builtin_ctzll(rest);
        if (policy_rng_next(rng) >> 63) {
            uint32_t t = a;
            a = b;
            b = t;
        }
        out[0] = a;
        if (k == 1) {
            return 1;
        }
        out[1] = b;
        return 2;
    }
    uint32_t idx[64];
    size_t m = 0;
    while (eligible != 0) {
        idx[m++] = (uint32_t)__builtin_ctzll(eligible);
        eligible &= eligible - 1;
    }
    if (k > m) {
        k = m;
    }
    /* The first k steps of a Fisher-Yates shuffle; the last one left needs no draw. */
    for (size_t j = 0; j < k; j++) {
        size_t r = j;
        if (m - j > 1) {
            r += (size_t)below(rng, m - j);
        }
        uint32_t t = idx[r];
        idx[r] = idx[j];
        idx[j] = t;
        out[j] = t;
    }
    return k;
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
