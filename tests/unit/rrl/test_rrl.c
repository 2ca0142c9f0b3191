/* Response rate limiting: the token-bucket rule second by second (burst, refill, the
 * window's debt), slip counts, classes and their keys, prefixes, and slot sharing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "gslb/rrl.h"

#define T0 1000000u

static const uint8_t name_a[] = "\003www\001e\004test";
static const uint8_t name_b[] = "\003api\001e\004test";

static rrl_params_t params(uint32_t rate, uint32_t window_s, uint32_t slip)
{
    rrl_params_t p = {.is_enabled = true, .window_s = window_s, .slip = slip,
                      .prefix_v4 = 24, .prefix_v6 = 56};
    for (int c = 0; c < RRL_CLASS_COUNT; c++) {
        p.rate[c] = rate;
    }
    return p;
}

static uint64_t key4(const rrl_params_t *p, const char *ip, rrl_class_t cls, const uint8_t *name)
{
    uint8_t a[4];
    assert_int_equal(inet_pton(AF_INET, ip, a), 1);
    return rrl_key(p, AF_INET, a, cls, name, name ? strlen((const char *)name) + 1 : 0,
                   1 /* A */);
}

/* How many of n responses at now pass, slip and drop. */
static void account_n(rrl_table_t *t, const rrl_params_t *p, uint64_t key, uint32_t now, int n,
                      int *pass, int *slip, int *drop)
{
    *pass = *slip = *drop = 0;
    for (int i = 0; i < n; i++) {
        switch (rrl_account(t, p, key, RRL_ANSWER, now)) {
        case RRL_PASS: (*pass)++; break;
        case RRL_SLIP: (*slip)++; break;
        case RRL_DROP: (*drop)++; break;
        }
    }
}

static void test_rrl_rate_per_second_passes_then_limits(void **state)
{
    (void)state;
    rrl_table_t *t = rrl_table_new(1024);
    rrl_params_t p = params(5, 1, 0);
    uint64_t k = key4(&p, "192.0.2.1", RRL_ANSWER, name_a);
    int pass, slip, drop;
    account_n(t, &p, k, T0, 5, &pass, &slip, &drop);
    assert_int_equal(pass, 5); /* exactly rate: all pass */
    account_n(t, &p, k, T0, 1, &pass, &slip, &drop);
    assert_int_equal(pass, 0); /* rate + 1 in one second: limited */
    assert_int_equal(drop, 1);
    rrl_table_free(t);
}

static void test_rrl_refills_rate_per_second_up_to_one_second(void **state)
{
    (void)state;
    rrl_table_t *t = rrl_table_new(1024);
    rrl_params_t p = params(5, 1, 0);
    uint64_t k = key4(&p, "192.0.2.1", RRL_ANSWER, name_a);
    int pass, slip, drop;
    account_n(t, &p, k, T0, 5, &pass, &slip, &drop);
    /* A quiet stretch of 10 s earns no more than one second's worth. */
    account_n(t, &p, k, T0 + 10, 7, &pass, &slip, &drop);
    assert_int_equal(pass, 5);
    assert_int_equal(drop, 2);
    rrl_table_free(t);
}

static void test_rrl_window_keeps_a_flooding_source_limited(void **state)
{
    (void)state;
    rrl_table_t *t = rrl_table_new(1024);
    rrl_params_t p = params(10, 3, 0); /* may owe up to 30 */
    uint64_t k = key4(&p, "192.0.2.1", RRL_ANSWER, name_a);
    int pass, slip, drop;
    account_n(t, &p, k, T0, 1000, &pass, &slip, &drop);
    assert_int_equal(pass, 10);
    /* The debt is 30 (window x rate): two quiet seconds pay 20 of it. */
    account_n(t, &p, k, T0 + 2, 1, &pass, &slip, &drop);
    assert_int_equal(pass, 0);
    rrl_table_free(t);
    t = rrl_table_new(1024);
    account_n(t, &p, k, T0, 1000, &pass, &slip, &drop);
    account_n(t, &p, k, T0 + 3, 1, &pass, &slip, &drop);
    assert_int_equal(pass, 0); /* -30 + 30 = 0, minus this one: still owed */
    account_n(t, &p, k, T0 + 4, 1, &pass, &slip, &drop);
    assert_int_equal(pass, 1); /* -1 + 10 = 9, then 8 */
    rrl_table_free(t);
}

static void test_rrl_window_one_forgives_after_one_second(void **state)
{
    (void)state;
    rrl_table_t *t = rrl_table_new(1024);
    rrl_params_t p = params(10, 1, 0);
    uint64_t k = key4(&p, "192.0.2.1", RRL_ANSWER, name_a);
    int pass, slip, drop;
    account_n(t, &p, k, T0, 1000, &pass, &slip, &drop);
    account_n(t, &p, k, T0 + 1, 10, &pass, &slip, &drop);
    assert_int_equal(pass, 0); /* -10 + 10 = 0: each costs 1 */
    account_n(t, &p, k, T0 + 3, 10, &pass, &slip, &drop);
    assert_int_equal(pass, 10);
    rrl_table_free(t);
}

static void test_rrl_slip_two_truncates_every_other_limited(void **state)
{
    (void)state;
    rrl_table_t *t = rrl_table_new(1024);
    rrl_params_t p = params(1, 1, 2);
    uint64_t k = key4(&p, "192.0.2.1", RRL_ANSWER, name_a);
    assert_int_equal(rrl_account(t, &p, k, RRL_ANSWER, T0), RRL_PASS);
    assert_int_equal(rrl_account(t, &p, k, RRL_ANSWER, T0), RRL_SLIP); /* the first limited */
    assert_int_equal(rrl_account(t, &p, k, RRL_ANSWER, T0), RRL_DROP);
    assert_int_equal(rrl_account(t, &p, k, RRL_ANSWER, T0), RRL_SLIP);
    assert_int_equal(rrl_account(t, &p, k, RRL_ANSWER, T0), RRL_DROP);
    rrl_table_free(t);
}

static void test_rrl_slip_counts(void **state)
{
    (void)state;
    const uint32_t slips[] = {0, 1, 3, 10};
    for (size_t i = 0; i < sizeof(slips) / sizeof(slips[0]); i++) {
        rrl_table_t *t = rrl_table_new(1024);
        rrl_params_t p = params(1, 1, slips[i]);
        uint64_t k = key4(&p, "192.0.2.1", RRL_ANSWER, name_a);
        int pass, slip, drop;
        account_n(t, &p, k, T0, 1 + 30, &pass, &slip, &drop);
        assert_int_equal(pass, 1);
        int want = slips[i] == 0 ? 0 : (30 + (int)slips[i] - 1) / (int)slips[i];
        assert_int_equal(slip, want);
        assert_int_equal(drop, 30 - want);
        rrl_table_free(t);
    }
}

static void test_rrl_rate_zero_and_disabled_pass(void **state)
{
    (void)state;
    rrl_table_t *t = rrl_table_new(1024);
    rrl_params_t p = params(1, 1, 0);
    p.rate[RRL_NXDOMAIN] = 0;
    uint64_t k = key4(&p, "192.0.2.1", RRL_NXDOMAIN, name_a);
    for (int i = 0; i < 100; i++) {
        assert_int_equal(rrl_account(t, &p, k, RRL_NXDOMAIN, T0), RRL_PASS);
    }
    p = params(1, 1, 0);
    p.is_enabled = false;
    k = key4(&p, "192.0.2.1", RRL_ANSWER, name_a);
    for (int i = 0; i < 100; i++) {
        assert_int_equal(rrl_account(t, &p, k, RRL_ANSWER, T0), RRL_PASS);
    }
    rrl_table_free(t);
}

static void test_rrl_each_class_uses_its_rate(void **state)
{
    (void)state;
    rrl_table_t *t = rrl_table_new(4096);
    rrl_params_t p = params(1, 1, 0);
    const uint32_t rates[RRL_CLASS_COUNT] = {3, 4, 5, 6, 7};
    for (int c = 0; c < RRL_CLASS_COUNT; c++) {
        p.rate[c] = rates[c];
    }
    for (int c = 0; c < RRL_CLASS_COUNT; c++) {
        uint64_t k = key4(&p, "192.0.2.1", (rrl_class_t)c, name_a);
        int passed = 0;
        for (int i = 0; i < 20; i++) {
            passed += rrl_account(t, &p, k, (rrl_class_t)c, T0) == RRL_PASS;
        }
        assert_int_equal(passed, rates[c]);
    }
    rrl_table_free(t);
}

static void test_rrl_keys_by_network_class_and_name(void **state)
{
    (void)state;
    rrl_params_t p = params(1, 1, 0);
    /* The same /24 is one network; the next /24 is another. */
    assert_true(key4(&p, "192.0.2.1", RRL_ANSWER, name_a) ==
                key4(&p, "192.0.2.254", RRL_ANSWER, name_a));
    assert_true(key4(&p, "192.0.2.1", RRL_ANSWER, name_a) !=
                key4(&p, "192.0.3.1", RRL_ANSWER, name_a));
    /* A /25 splits what a /24 joins, by one bit. */
    p.prefix_v4 = 25;
    assert_true(key4(&p, "192.0.2.1", RRL_ANSWER, name_a) !=
                key4(&p, "192.0.2.129", RRL_ANSWER, name_a));
    assert_true(key4(&p, "192.0.2.1", RRL_ANSWER, name_a) ==
                key4(&p, "192.0.2.127", RRL_ANSWER, name_a));
    p.prefix_v4 = 24;
    /* Names and classes are part of the key; errors are keyed by network alone. */
    assert_true(key4(&p, "192.0.2.1", RRL_ANSWER, name_a) !=
                key4(&p, "192.0.2.1", RRL_ANSWER, name_b));
    assert_true(key4(&p, "192.0.2.1", RRL_ANSWER, name_a) !=
                key4(&p, "192.0.2.1", RRL_NODATA, name_a));
    assert_true(key4(&p, "192.0.2.1", RRL_ERROR, name_a) ==
                key4(&p, "192.0.2.1", RRL_ERROR, name_b));
    /* QTYPE counts for answers only. */
    uint8_t a[4] = {192, 0, 2, 1};
    assert_true(rrl_key(&p, AF_INET, a, RRL_ANSWER, name_a, sizeof(name_a), 1) !=
                rrl_key(&p, AF_INET, a, RRL_ANSWER, name_a, sizeof(name_a), 28));
    assert_true(rrl_key(&p, AF_INET, a, RRL_NXDOMAIN, name_a, sizeof(name_a), 1) ==
                rrl_key(&p, AF_INET, a, RRL_NXDOMAIN, name_a, sizeof(name_a), 28));
    /* IPv6 by /56. */
    uint8_t x[16], y[16];
    inet_pton(AF_INET6, "2001:db8:0:ff::1", x);
    inet_pton(AF_INET6, "2001:db8:0:ff:ffff::2", y);
    assert_true(rrl_key(&p, AF_INET6, x, RRL_ANSWER, name_a, sizeof(name_a), 1) ==
                rrl_key(&p, AF_INET6, y, RRL_ANSWER, name_a, sizeof(name_a), 1));
    inet_pton(AF_INET6, "2001:db8:0:100::1", y);
    assert_true(rrl_key(&p, AF_INET6, x, RRL_ANSWER, name_a, sizeof(name_a), 1) !=
                rrl_key(&p, AF_INET6, y, RRL_ANSWER, name_a, sizeof(name_a), 1));
}

static void test_rrl_other_networks_are_not_limited(void **state)
{
    (void)state;
    rrl_table_t *t = rrl_table_new(65536);
    rrl_params_t p = params(2, 1, 0);
    uint64_t flood = key4(&p, "192.0.2.1", RRL_ANSWER, name_a);
    int pass, slip, drop;
    account_n(t, &p, flood, T0, 1000, &pass, &slip, &drop);
    assert_int_equal(pass, 2);
    char ip[32];
    int limited = 0;
    for (int i = 0; i < 200; i++) {
        snprintf(ip, sizeof(ip), "198.51.%d.7", i);
        uint64_t k = key4(&p, ip, RRL_ANSWER, name_a);
        limited += rrl_account(t, &p, k, RRL_ANSWER, T0) != RRL_PASS;
    }
    assert_int_equal(limited, 0);
    rrl_table_free(t);
}

static void test_rrl_table_size_rounds_up_and_bounds(void **state)
{
    (void)state;
    rrl_table_t *t = rrl_table_new(1000);
    assert_int_equal(rrl_table_size(t), 1024);
    rrl_table_free(t);
    t = rrl_table_new(1);
    assert_int_equal(rrl_table_size(t), 64);
    rrl_table_free(t);
    assert_null(rrl_table_new((1u << 26) + 1));
    rrl_table_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rrl_rate_per_second_passes_then_limits),
        cmocka_unit_test(test_rrl_refills_rate_per_second_up_to_one_second),
        cmocka_unit_test(test_rrl_window_keeps_a_flooding_source_limited),
        cmocka_unit_test(test_rrl_window_one_forgives_after_one_second),
        cmocka_unit_test(test_rrl_slip_two_truncates_every_other_limited),
        cmocka_unit_test(test_rrl_slip_counts),
        cmocka_unit_test(test_rrl_rate_zero_and_disabled_pass),
        cmocka_unit_test(test_rrl_each_class_uses_its_rate),
        cmocka_unit_test(test_rrl_keys_by_network_class_and_name),
        cmocka_unit_test(test_rrl_other_networks_are_not_limited),
        cmocka_unit_test(test_rrl_table_size_rounds_up_and_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
