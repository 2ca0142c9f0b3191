/* Unit tests for the shed-fraction controller, the client hash and rendezvous scores:
 * every rule of the controller checked at its boundary, so that moving one by a step fails. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "gslb/steer.h"

static steer_def_t def_default(void)
{
    steer_def_t d = {.feed = STEER_FEED_CONTROL,
                     .target = 0.8,
                     .shed_above = 0.85,
                     .restore_below = 0.75,
                     .max_step = 0.25,
                     .max_age_ms = 30000};
    return d;
}

/* Not shedding: nothing happens up to shed_above, shedding starts just above it. */
static void test_start_threshold(void **state)
{
    (void)state;
    steer_def_t d = def_default();
    assert_true(steer_controller_step(&d, 0, 0.85, 0.8) == 0);
    assert_true(steer_controller_step(&d, 0, 0.84, 0.8) == 0);
    assert_true(steer_controller_step(&d, 0, 0.86, 0.8) > 0);
    /* Below target while not shedding: stays at 0, never negative. */
    assert_true(steer_controller_step(&d, 0, 0.1, 0.8) == 0);
}

/* Shedding: inside [restore_below, shed_above] the fraction holds exactly. */
static void test_hold_band(void **state)
{
    (void)state;
    steer_def_t d = def_default();
    assert_true(steer_controller_step(&d, 0.3, 0.75, 0.8) == 0.3);
    assert_true(steer_controller_step(&d, 0.3, 0.85, 0.8) == 0.3);
    assert_true(steer_controller_step(&d, 0.3, 0.8, 0.8) == 0.3);
    assert_true(steer_controller_step(&d, 0.3, 0.86, 0.8) > 0.3);
    assert_true(steer_controller_step(&d, 0.3, 0.74, 0.8) < 0.3);
}

/* Over the band: half way to the kept share that brings u to e. */
static void test_half_way(void **state)
{
    (void)state;
    steer_def_t d = def_default();
    d.max_step = 1.0;
    /* keep 1 -> goal 0.8/1.6 = 0.5 -> half way: keep 0.75 -> f 0.25 */
    assert_float_equal(steer_controller_step(&d, 0, 1.6, 0.8), 0.25, 1e-12);
    /* keep 0.5, u 0.5 -> goal 0.5 * 0.8 / 0.5 = 0.8 -> keep 0.65 -> f 0.35 */
    assert_float_equal(steer_controller_step(&d, 0.5, 0.5, 0.8), 0.35, 1e-12);
    /* keep 0.5, u 0.4 -> goal 1.0: keeping everyone is fine -> f falls by
     * max_step (all the way here) */
    assert_float_equal(steer_controller_step(&d, 0.5, 0.4, 0.8), 0.0, 1e-12);
}

/* One step moves the fraction by at most max_step, either way. */
static void test_max_step(void **state)
{
    (void)state;
    steer_def_t d = def_default();
    d.max_step = 0.1;
    assert_float_equal(steer_controller_step(&d, 0, 10.0, 0.8), 0.1, 1e-12);
    assert_float_equal(steer_controller_step(&d, 0.5, 0.01, 0.8), 0.4, 1e-12);
    /* No traffic at all: give back max_step, never below 0. */
    assert_float_equal(steer_controller_step(&d, 0.5, 0, 0.8), 0.4, 1e-12);
    assert_true(steer_controller_step(&d, 0.05, 0, 0.8) == 0);
    /* Never above 1. */
    d.max_step = 1.0;
    assert_true(steer_controller_step(&d, 0.95, 1000.0, 0.8) <= 1.0);
}

/* When the fleet is fuller than the target, the band moves with it: a
 * site at the fleet's level holds, so that all fill evenly. */
static void test_fleet_target(void **state)
{
    (void)state;
    steer_def_t d = def_default();
    assert_true(steer_controller_step(&d, 0.2, 1.2, 1.2) == 0.2);
    assert_true(steer_controller_step(&d, 0, 1.25, 1.2) == 0);
    assert_true(steer_controller_step(&d, 0, 1.26, 1.2) > 0);
    assert_true(steer_controller_step(&d, 0.2, 1.14, 1.2) < 0.2);
}

/* A closed loop with one site: u = (1 - f) * demand. After a step in
 * demand the site settles inside the band within 10 steps, overshooting
 * the target by at most 10%, and holds still on the steady load. */
static void test_closed_loop(void **state)
{
    (void)state;
    steer_def_t d = def_default();
    double f = 0, demand = 1.6;
    int settled = -1;
    double worst = 0;
    for (int i = 0; i < 40; i++) {
        double u = (1 - f) * demand;
        if (settled < 0 && u >= d.restore_below && u <= d.shed_above) {
            settled = i;
        }
        if (settled >= 0 && (u < d.restore_below || u > d.shed_above)) {
            fail_msg("left the band at step %d (u %.3f)", i, u);
        }
        double under = (d.target - u) / d.target;
        worst = under > worst ? under : worst;
        f = steer_controller_step(&d, f, u, d.target);
    }
    assert_true(settled >= 0 && settled <= 10);
    assert_true(worst <= 0.10);
    /* Demand falls back: shedding is released. */
    demand = 0.5;
    for (int i = 0; i < 10; i++) {
        f = steer_controller_step(&d, f, (1 - f) * demand, d.target);
    }
    assert_true(f == 0);
}

/* The client key depends on the subnet cut to its prefix, and on nothing else. */
static void test_client_key(void **state)
{
    (void)state;
    uint8_t a[16] = {192, 0, 2, 1}, b[16] = {192, 0, 2, 200}, c[16] = {192, 0, 3, 1};
    steer_key_t ka = steer_client_key(AF_INET, a, 24, 0);
    assert_int_equal(ka.bits, 24);
    assert_true(ka.hash == steer_client_key(AF_INET, b, 24, 0).hash);
    assert_true(ka.hash != steer_client_key(AF_INET, c, 24, 0).hash);
    assert_true(ka.hash == steer_client_key(AF_INET, c, 23, 0).hash ||
                steer_client_key(AF_INET, a, 23, 0).hash == steer_client_key(AF_INET, c, 23, 0).hash);
    assert_true(ka.hash != steer_client_key(AF_INET, a, 24, 1).hash); /* the seed counts */
    assert_true(ka.hash != steer_client_key(AF_INET6, a, 24, 0).hash); /* so does the family */
    assert_int_equal(steer_client_key(AF_INET, a, 99, 0).bits, 32);
    assert_int_equal(steer_client_key(AF_INET6, a, 200, 0).bits, 128);
    /* A /22 ignores the two low bits of the third octet. */
    uint8_t d1[4] = {10, 1, 4, 9}, d2[4] = {10, 1, 7, 9}, d3[4] = {10, 1, 8, 9};
    assert_true(steer_client_key(AF_INET, d1, 22, 0).hash ==
                steer_client_key(AF_INET, d2, 22, 0).hash);
    assert_true(steer_client_key(AF_INET, d1, 22, 0).hash !=
                steer_client_key(AF_INET, d3, 22, 0).hash);
}

/* Weighted rendezvous: each item wins in proportion to its weight, and
 * removing one moves only the keys it had. */
static void test_hrw_shares(void **state)
{
    (void)state;
    const double w[4] = {1, 2, 3, 4};
    uint64_t keys[4];
    for (int i = 0; i < 4; i++) {
        char name[8];
        snprintf(name, sizeof(name), "dc%d", i);
        keys[i] = steer_name_key(name, strlen(name));
    }
    enum { N = 200000 };
    int wins[4] = {0}, moved = 0, moved_other = 0;
    for (uint32_t k = 0; k < N; k++) {
        uint8_t addr[4] = {(uint8_t)(k >> 16), (uint8_t)(k >> 8), (uint8_t)k, 0};
        uint64_t h = steer_client_key(AF_INET, addr, 24, 7).hash;
        int best = -1, best3 = -1;
        double bs = INFINITY, bs3 = INFINITY;
        for (int i = 0; i < 4; i++) {
            double sc = steer_hrw_score(h, keys[i], w[i]);
            if (sc < bs) {
                bs = sc;
                best = i;
            }
            if (i != 3 && sc < bs3) {
                bs3 = sc;
                best3 = i;
            }
        }
        wins[best]++;
        moved += best != best3;
        moved_other += best != 3 && best != best3;
    }
    for (int i = 0; i < 4; i++) {
        double share = (double)wins[i] / N, want = w[i] / 10.0;
        assert_true(fabs(share - want) < 0.01);
    }
    assert_int_equal(moved_other, 0);
    assert_int_equal(moved, wins[3]);
    /* Weight 0 or less never wins. */
    assert_true(isinf(steer_hrw_score(1, 2, 0)));
}

/* The series logarithm of the rendezvous score agrees with log(3) over the
 * whole range of u, to 1e-9 relative. */
static void test_neg_log(void **state)
{
    (void)state;
    const double us[] = {1e-16, 1.1e-16, 0.001, 0.25, 0.5, 0.70710678, 0.7071068, 0.9, 0.999999,
                         1 - 1e-15};
    for (size_t i = 0; i < sizeof(us) / sizeof(us[0]); i++) {
        double want = -log(us[i]);
        assert_true(fabs(steer_neg_log_unit(us[i]) - want) <= 1e-9 * want + 1e-15);
    }
    uint64_t x = 88172645463325252ull;
    for (int i = 0; i < 100000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        double u = ((double)(x >> 11) + 0.5) / 9007199254740992.0;
        double want = -log(u);
        assert_true(fabs(steer_neg_log_unit(u) - want) <= 1e-9 * want + 1e-15);
    }
}

static void test_fraction_scaled(void **state)
{
    (void)state;
    assert_true(steer_fraction_scaled(0) == 0);
    assert_true(steer_fraction_scaled(-1) == 0);
    assert_true(steer_fraction_scaled(NAN) == 0);
    assert_true(steer_fraction_scaled(1) == 1ull << 32);
    assert_true(steer_fraction_scaled(0.5) == 1ull << 31);
    /* f = 1 sheds every point, f = 0 none. */
    assert_true((uint64_t)UINT32_MAX < steer_fraction_scaled(1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_start_threshold), cmocka_unit_test(test_hold_band),
        cmocka_unit_test(test_half_way),        cmocka_unit_test(test_max_step),
        cmocka_unit_test(test_fleet_target),    cmocka_unit_test(test_closed_loop),
        cmocka_unit_test(test_client_key),      cmocka_unit_test(test_hrw_shares),
        cmocka_unit_test(test_fraction_scaled), cmocka_unit_test(test_neg_log),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
