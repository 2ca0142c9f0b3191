/* Unit tests for weighted random choice: addresses by weight, data centers by capacity. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "policy_int.h"

/* Statistical tolerance. With n = 100,000 draws, a share p has a standard
 * deviation of sqrt(p(1-p)/n): 0.095 percentage points for p = 10%, 0.145
 * for 70%. A window of +-1.5 points is therefore more than 10 sigma for
 * every share tested here, so a correct implementation cannot fail by bad
 * luck, while a wrong one (a share off by a few points) is caught. The
 * seeds are fixed as well, so each run draws the same sequence. */
#define DRAWS 100000
#define TOLERANCE_POINTS 1.5
#define ALL NULL /* every address eligible (all up) */

static void assert_share(size_t count, size_t total, double want_percent)
{
    double got = 100.0 * (double)count / (double)total;
    if (got < want_percent - TOLERANCE_POINTS || got > want_percent + TOLERANCE_POINTS) {
        fail_msg("share %.3f%% is not within %.1f points of %.3f%%", got, TOLERANCE_POINTS,
                 want_percent);
    }
}

static void set_weights(policy_addr_t *addrs, const uint32_t *weights, size_t n)
{
    memset(addrs, 0, n * sizeof(*addrs));
    for (size_t i = 0; i < n; i++) {
        addrs[i].weight = weights[i];
        addrs[i].data[3] = (uint8_t)i;
    }
}

static void test_rng_next_matches_xorshift64star_reference(void **state)
{
    (void)state;
    uint64_t s = 1;
    /* Reference values of xorshift64* (shifts 12, 25, 27; multiplier 0x2545F4914F6CDD1D). */
    assert_int_equal(policy_rng_next(&s), 0x47e4ce4b896cdd1dull);
    assert_int_equal(s, 0x2000001ull);
    assert_int_equal(policy_rng_next(&s), 0xabcfa6a8e079651dull);
    assert_int_equal(s, 0x4004000802801ull);
    assert_int_equal(policy_rng_next(&s), 0xb9d10d8feb731f57ull);
    assert_int_equal(s, 0xd004003202803ull);
}

static void test_pick_weighted_one_of_1_2_7_follows_weights(void **state)
{
    (void)state;
    static const uint32_t weights[3] = {1, 2, 7};
    policy_addr_t addrs[3];
    set_weights(addrs, weights, 3);
    uint64_t rng = 0x9E3779B97F4A7C15ull;
    size_t count[3] = {0};

    for (size_t i = 0; i < DRAWS; i++) {
        uint32_t out[1] = {UINT32_MAX};
        assert_int_equal(policy_pick_weighted(addrs, 3, ALL, 1, &rng, out), 1);
        assert_true(out[0] < 3);
        count[out[0]]++;
    }
    assert_share(count[0], DRAWS, 10.0);
    assert_share(count[1], DRAWS, 20.0);
    assert_share(count[2], DRAWS, 70.0);
}

static void test_pick_weighted_two_of_three_never_repeats(void **state)
{
    (void)state;
    static const uint32_t weights[3] = {1, 2, 7};
    policy_addr_t addrs[3];
    set_weights(addrs, weights, 3);
    uint64_t rng = 12345;

    for (size_t i = 0; i < DRAWS / 10; i++) {
        uint32_t out[3] = {UINT32_MAX, UINT32_MAX, UINT32_MAX};
        assert_int_equal(policy_pick_weighted(addrs, 3, ALL, 2, &rng, out), 2);
        assert_true(out[0] < 3);
        assert_true(out[1] < 3);
        assert_int_not_equal(out[0], out[1]);
        assert_int_equal(out[2], UINT32_MAX); /* nothing written past k */
    }
}

/* Successive draws without replacement: P(a, b, c) = w_a/W * w_b/(W - w_a). */
static void test_pick_weighted_all_three_orders_follow_weights(void **state)
{
    (void)state;
    static const uint32_t weights[3] = {1, 2, 7};
    policy_addr_t addrs[3];
    set_weights(addrs, weights, 3);
    uint64_t rng = 77;
    size_t count[3][3] = {{0}};

    for (size_t i = 0; i < DRAWS; i++) {
        uint32_t out[3];
        assert_int_equal(policy_pick_weighted(addrs, 3, ALL, 3, &rng, out), 3);
        assert_int_equal(out[0] + out[1] + out[2], 3); /* a permutation of 0, 1, 2 */
        count[out[0]][out[1]]++;
    }
    assert_share(count[2][1], DRAWS, 100.0 * 0.7 * 2.0 / 3.0);
    assert_share(count[2][0], DRAWS, 100.0 * 0.7 * 1.0 / 3.0);
    assert_share(count[1][2], DRAWS, 100.0 * 0.2 * 7.0 / 8.0);
    assert_share(count[1][0], DRAWS, 100.0 * 0.2 * 1.0 / 8.0);
    assert_share(count[0][2], DRAWS, 100.0 * 0.1 * 7.0 / 9.0);
    assert_share(count[0][1], DRAWS, 100.0 * 0.1 * 2.0 / 9.0);
}

static void test_pick_weighted_k_greater_than_n_returns_n(void **state)
{
    (void)state;
    static const uint32_t weights[3] = {5, 1, 1};
    policy_addr_t addrs[3];
    set_weights(addrs, weights, 3);
    uint64_t rng = 99;
    uint32_t out[8];

    for (size_t i = 0; i < 1000; i++) {
        memset(out, 0xFF, sizeof(out));
        assert_int_equal(policy_pick_weighted(addrs, 3, ALL, 8, &rng, out), 3);
        bool seen[3] = {false, false, false};
        for (size_t j = 0; j < 3; j++) {
            assert_true(out[j] < 3);
            assert_false(seen[out[j]]);
            seen[out[j]] = true;
        }
        assert_int_equal(out[3], UINT32_MAX);
    }
}

static void test_pick_weighted_k_zero_returns_zero(void **state)
{
    (void)state;
    static const uint32_t weights[2] = {1, 1};
    policy_addr_t addrs[2];
    set_weights(addrs, weights, 2);
    uint64_t rng = 5;
    uint64_t before = rng;
    uint32_t out[1] = {UINT32_MAX};

    assert_int_equal(policy_pick_weighted(addrs, 2, ALL, 0, &rng, out), 0);
    assert_int_equal(out[0], UINT32_MAX);
    assert_int_equal(rng, before); /* no random number used */
}

static void test_pick_weighted_single_entry_always_chosen(void **state)
{
    (void)state;
    static const uint32_t weights[1] = {1000};
    policy_addr_t addrs[1];
    set_weights(addrs, weights, 1);
    uint64_t rng = 3;

    for (size_t i = 0; i < 100; i++) {
        uint32_t out[2] = {UINT32_MAX, UINT32_MAX};
        assert_int_equal(policy_pick_weighted(addrs, 1, ALL, 2, &rng, out), 1);
        assert_int_equal(out[0], 0);
    }
}

/* Config keeps weights >= 1; a zero weight must still never be drawn. */
static void test_pick_weighted_zero_weight_never_chosen(void **state)
{
    (void)state;
    static const uint32_t weights[4] = {0, 3, 0, 1};
    policy_addr_t addrs[4];
    set_weights(addrs, weights, 4);
    uint64_t rng = 2024;

    for (size_t i = 0; i < 10000; i++) {
        uint32_t out[4] = {UINT32_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX};
        assert_int_equal(policy_pick_weighted(addrs, 4, ALL, 4, &rng, out), 2);
        assert_true(out[0] == 1 || out[0] == 3);
        assert_true(out[1] == 1 || out[1] == 3);
        assert_int_not_equal(out[0], out[1]);
    }
}

static void test_pick_weighted_more_than_max_addrs_clamped(void **state)
{
    (void)state;
    enum { N = POLICY_MAX_DC_ADDRS + 6 };
    policy_addr_t addrs[N];
    uint32_t weights[N];
    for (size_t i = 0; i < N; i++) {
        weights[i] = 1;
    }
    set_weights(addrs, weights, N);
    uint64_t rng = 11;
    uint32_t out[N];

    assert_int_equal(policy_pick_weighted(addrs, N, ALL, N, &rng, out), POLICY_MAX_DC_ADDRS);
    bool seen[POLICY_MAX_DC_ADDRS] = {false};
    for (size_t j = 0; j < POLICY_MAX_DC_ADDRS; j++) {
        assert_true(out[j] < POLICY_MAX_DC_ADDRS);
        assert_false(seen[out[j]]); /* without replacement: each index once */
        seen[out[j]] = true;
    }
}

static void test_pick_weighted_equal_weights_uniform(void **state)
{
    (void)state;
    enum { N = 8 };
    static const uint32_t weights[N] = {3, 3, 3, 3, 3, 3, 3, 3};
    policy_addr_t addrs[N];
    set_weights(addrs, weights, N);
    uint64_t rng = 0xDEADBEEF;
    size_t count[N] = {0};

    for (size_t i = 0; i < DRAWS; i++) {
        uint32_t out[1];
        assert_int_equal(policy_pick_weighted(addrs, N, ALL, 1, &rng, out), 1);
        count[out[0]]++;
    }
    for (size_t i = 0; i < N; i++) {
        assert_share(count[i], DRAWS, 100.0 / N);
    }
}

static void test_order_weighted_first_place_follows_capacity_100_300(void **state)
{
    (void)state;
    policy_dc_t dcs[2];
    memset(dcs, 0, sizeof(dcs));
    dcs[0].weight_eff = 100;
    dcs[1].weight_eff = 300;
    uint64_t rng = 0x0123456789ABCDEFull;
    size_t first[2] = {0};

    for (size_t i = 0; i < DRAWS; i++) {
        uint32_t cand[2] = {0, 1};
        policy_order_weighted(dcs, cand, 2, &rng);
        assert_int_not_equal(cand[0], cand[1]);
        assert_true(cand[0] < 2 && cand[1] < 2);
        first[cand[0]]++;
    }
    assert_share(first[0], DRAWS, 25.0);
    assert_share(first[1], DRAWS, 75.0);
}

/* cand holds data-center indexes: the weight is the indexed data center's. */
static void test_order_weighted_uses_weight_of_candidate_index(void **state)
{
    (void)state;
    policy_dc_t dcs[5];
    memset(dcs, 0, sizeof(dcs));
    dcs[0].weight_eff = 1000;
    dcs[1].weight_eff = 1;
    dcs[3].weight_eff = 1;
    dcs[4].weight_eff = 3;
    uint64_t rng = 42;
    size_t first[5] = {0};

    for (size_t i = 0; i < DRAWS; i++) {
        uint32_t cand[3] = {1, 4, 3};
        policy_order_weighted(dcs, cand, 3, &rng);
        assert_int_equal(cand[0] + cand[1] + cand[2], 8);
        assert_true(cand[0] != cand[1] && cand[1] != cand[2] && cand[0] != cand[2]);
        first[cand[0]]++;
    }
    assert_int_equal(first[0], 0);
    assert_share(first[1], DRAWS, 20.0);
    assert_share(first[3], DRAWS, 20.0);
    assert_share(first[4], DRAWS, 60.0);
}

static void test_order_weighted_second_place_follows_remaining_weights(void **state)
{
    (void)state;
    policy_dc_t dcs[3];
    memset(dcs, 0, sizeof(dcs));
    dcs[0].weight_eff = 1;
    dcs[1].weight_eff = 2;
    dcs[2].weight_eff = 7;
    uint64_t rng = 8;
    size_t count[3][3] = {{0}};

    for (size_t i = 0; i < DRAWS; i++) {
        uint32_t cand[3] = {0, 1, 2};
        policy_order_weighted(dcs, cand, 3, &rng);
        count[cand[0]][cand[1]]++;
    }
    assert_share(count[2][1], DRAWS, 100.0 * 0.7 * 2.0 / 3.0);
    assert_share(count[2][0], DRAWS, 100.0 * 0.7 * 1.0 / 3.0);
    assert_share(count[1][2], DRAWS, 100.0 * 0.2 * 7.0 / 8.0);
    assert_share(count[1][0], DRAWS, 100.0 * 0.2 * 1.0 / 8.0);
    assert_share(count[0][2], DRAWS, 100.0 * 0.1 * 7.0 / 9.0);
    assert_share(count[0][1], DRAWS, 100.0 * 0.1 * 2.0 / 9.0);
}

static void test_order_weighted_single_candidate_untouched(void **state)
{
    (void)state;
    policy_dc_t dcs[3];
    memset(dcs, 0, sizeof(dcs));
    dcs[2].weight_eff = 5;
    uint64_t rng = 1;
    uint32_t cand[1] = {2};

    policy_order_weighted(dcs, cand, 1, &rng);
    assert_int_equal(cand[0], 2);
    assert_int_equal(rng, 1); /* no random number used */
}

static void test_order_weighted_reads_effective_not_configured_weight(void **state)
{
    (void)state;
    policy_dc_t dcs[2];
    memset(dcs, 0, sizeof(dcs));
    dcs[0].weight = 1000; /* configured: would win nearly always */
    dcs[1].weight = 1;
    dcs[0].weight_eff = 0; /* run-time override: never first while dcs[1] has weight */
    dcs[1].weight_eff = 5;
    uint64_t rng = 99;
    for (size_t i = 0; i < 1000; i++) {
        uint32_t cand[2] = {0, 1};
        policy_order_weighted(dcs, cand, 2, &rng);
        assert_int_equal(cand[0], 1);
    }
}

static void test_pick_weighted_skips_addresses_that_are_down(void **state)
{
    (void)state;
    static const uint32_t weights[3] = {5, 1, 5};
    policy_addr_t addrs[3];
    set_weights(addrs, weights, 3);
    uint64_t rng = 42;
    for (size_t i = 0; i < 1000; i++) {
        uint32_t out[3] = {UINT32_MAX, UINT32_MAX, UINT32_MAX};
        /* Only address 1 is up: it is the only one ever returned. */
        const uint64_t only_second[POLICY_ADDR_WORDS] = {1u << 1};
        assert_int_equal(policy_pick_weighted(addrs, 3, only_second, 3, &rng, out), 1);
        assert_int_equal(out[0], 1);
    }
    uint32_t out[3];
    const uint64_t none[POLICY_ADDR_WORDS] = {0};
    assert_int_equal(policy_pick_weighted(addrs, 3, none, 3, &rng, out), 0);
}

/* Equal weights: every one of the six orders of three addresses is as likely. */
static void test_pick_uniform_all_orders_equally_likely(void **state)
{
    (void)state;
    uint64_t rng = 7;
    size_t orders[3][3] = {{0}};
    size_t seen_first[3] = {0};
    for (size_t d = 0; d < DRAWS; d++) {
        uint32_t out[3] = {UINT32_MAX, UINT32_MAX, UINT32_MAX};
        assert_int_equal(policy_pick_uniform(0x7, 3, &rng, out), 3);
        assert_true(out[0] < 3 && out[1] < 3 && out[2] < 3);
        assert_true(out[0] != out[1] && out[1] != out[2] && out[0] != out[2]);
        orders[out[0]][out[1]]++;
        seen_first[out[0]]++;
    }
    for (size_t i = 0; i < 3; i++) {
        assert_share(seen_first[i], DRAWS, 100.0 / 3);
        for (size_t j = 0; j < 3; j++) {
            if (i != j) {
                assert_share(orders[i][j], DRAWS, 100.0 / 6);
            }
        }
    }
}

/* Only eligible bits are returned, never twice, at most k, and all of them when k is larger. */
static void test_pick_uniform_only_eligible_never_repeats(void **state)
{
    (void)state;
    uint64_t rng = 99;
    const uint64_t eligible = (1ull << 2) | (1ull << 5) | (1ull << 63);
    size_t hits[64] = {0};
    for (size_t d = 0; d < 30000; d++) {
        uint32_t out[64];
        assert_int_equal(policy_pick_uniform(eligible, 2, &rng, out), 2);
        assert_true(out[0] != out[1]);
        for (size_t j = 0; j < 2; j++) {
            assert_true((eligible >> out[j] & 1) != 0);
            hits[out[j]]++;
        }
    }
    assert_share(hits[2], 60000, 100.0 / 3);
    assert_share(hits[63], 60000, 100.0 / 3);
    uint32_t out[64];
    assert_int_equal(policy_pick_uniform(eligible, 10, &rng, out), 3);
    assert_int_equal(policy_pick_uniform(eligible, 0, &rng, out), 0);
    assert_int_equal(policy_pick_uniform(0, 2, &rng, out), 0);
    assert_int_equal(policy_pick_uniform(1ull << 40, 2, &rng, out), 1);
    assert_int_equal(out[0], 40);
}

/* Two eligible (the usual data center): both orders, and either one alone, equally likely. */
static void test_pick_uniform_two_eligible_both_orders(void **state)
{
    (void)state;
    uint64_t rng = 3;
    const uint64_t eligible = (1ull << 4) | (1ull << 9);
    size_t first4 = 0, single4 = 0;
    for (size_t d = 0; d < DRAWS; d++) {
        uint32_t out[2] = {UINT32_MAX, UINT32_MAX};
        assert_int_equal(policy_pick_uniform(eligible, 2, &rng, out), 2);
        assert_true((out[0] == 4 && out[1] == 9) || (out[0] == 9 && out[1] == 4));
        first4 += out[0] == 4;
        assert_int_equal(policy_pick_uniform(eligible, 1, &rng, out), 1);
        assert_true(out[0] == 4 || out[0] == 9);
        single4 += out[0] == 4;
    }
    assert_share(first4, DRAWS, 50.0);
    assert_share(single4, DRAWS, 50.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rng_next_matches_xorshift64star_reference),
        cmocka_unit_test(test_pick_weighted_one_of_1_2_7_follows_weights),
        cmocka_unit_test(test_pick_weighted_two_of_three_never_repeats),
        cmocka_unit_test(test_pick_weighted_skips_addresses_that_are_down),
        cmocka_unit_test(test_pick_weighted_all_three_orders_follow_weights),
        cmocka_unit_test(test_pick_weighted_k_greater_than_n_returns_n),
        cmocka_unit_test(test_pick_weighted_k_zero_returns_zero),
        cmocka_unit_test(test_pick_weighted_single_entry_always_chosen),
        cmocka_unit_test(test_pick_weighted_zero_weight_never_chosen),
        cmocka_unit_test(test_pick_weighted_more_than_max_addrs_clamped),
        cmocka_unit_test(test_pick_weighted_equal_weights_uniform),
        cmocka_unit_test(test_pick_uniform_all_orders_equally_likely),
        cmocka_unit_test(test_pick_uniform_only_eligible_never_repeats),
        cmocka_unit_test(test_pick_uniform_two_eligible_both_orders),
        cmocka_unit_test(test_order_weighted_first_place_follows_capacity_100_300),
        cmocka_unit_test(test_order_weighted_uses_weight_of_candidate_index),
        cmocka_unit_test(test_order_weighted_second_place_follows_remaining_weights),
        cmocka_unit_test(test_order_weighted_single_candidate_untouched),
        cmocka_unit_test(test_order_weighted_reads_effective_not_configured_weight),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
