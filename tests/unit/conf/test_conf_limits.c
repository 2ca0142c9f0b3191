/* conf unit tests for rate_limit: and cookies:: defaults (off / on), every key at its limits
 * and one step past them, and every error at its position. */
#include "conf_test.h"

static void test_defaults_rate_limit_off_cookies_on(void **state)
{
    (void)state;
    conf_run_t r = conf_run_ok(CONF_BASE);
    const conf_rate_limit_t *rl = &r.c->rate_limit;
    assert_false(rl->is_enabled);
    for (int c = 0; c < CONF_RRL_CLASSES; c++) {
        assert_int_equal(rl->rate[c], 100);
    }
    assert_int_equal(rl->window_s, 5);
    assert_int_equal(rl->slip, 2);
    assert_int_equal(rl->prefix_v4, 24);
    assert_int_equal(rl->prefix_v6, 56);
    assert_int_equal(rl->table_size, 65536);
    assert_true(rl->is_cookie_exempt);
    assert_int_equal(rl->exempt_count, 0);
    assert_true(r.c->cookies.is_enabled);
    assert_null(r.c->cookies.secret_file);
    assert_int_equal(r.c->cookies.rotate_s, 86400);
    conf_run_free(&r);
}

static void test_rate_limit_empty_section_is_on(void **state)
{
    (void)state;
    conf_run_t r = conf_run_ok(CONF_BASE "rate_limit:\n");
    assert_true(r.c->rate_limit.is_enabled);
    conf_run_free(&r);
    r = conf_run_ok(CONF_BASE "rate_limit: {enabled: false, rate: 5}\n");
    assert_false(r.c->rate_limit.is_enabled);
    conf_run_free(&r);
}

static void test_rate_limit_keys_at_their_limits(void **state)
{
    (void)state;
    conf_run_t r = conf_run_ok(CONF_BASE "rate_limit:\n"
                                          "  rate: 10000\n"
                                          "  nxdomain_rate: 0\n"
                                          "  answer_rate: 1\n"
                                          "  nodata_rate: 2\n"
                                          "  referral_rate: 3\n"
                                          "  error_rate: 4\n"
                                          "  window_s: 60\n"
                                          "  slip: 10\n"
                                          "  prefix_v4: 32\n"
                                          "  prefix_v6: 128\n"
                                          "  table_size: 1024\n"
                                          "  valid_cookie: limited\n"
                                          "  exempt: [10.0.0.0/8, '2001:db8::/32', 192.0.2.1/32]\n");
    const conf_rate_limit_t *rl = &r.c->rate_limit;
    assert_int_equal(rl->rate[CONF_RRL_ANSWER], 1);
    assert_int_equal(rl->rate[CONF_RRL_NODATA], 2);
    assert_int_equal(rl->rate[CONF_RRL_NXDOMAIN], 0);
    assert_int_equal(rl->rate[CONF_RRL_REFERRAL], 3);
    assert_int_equal(rl->rate[CONF_RRL_ERROR], 4);
    assert_int_equal(rl->window_s, 60);
    assert_int_equal(rl->slip, 10);
    assert_int_equal(rl->prefix_v4, 32);
    assert_int_equal(rl->prefix_v6, 128);
    assert_int_equal(rl->table_size, 1024);
    assert_false(rl->is_cookie_exempt);
    assert_int_equal(rl->exempt_count, 3);
    assert_int_equal(rl->exempt[1].net.family, AF_INET6);
    assert_int_equal(rl->exempt[1].prefix_bits, 32);
    assert_int_equal(rl->exempt[2].pos.line, 18);
    conf_run_free(&r);
    r = conf_run_ok(CONF_BASE "rate_limit: {rate: 0, window_s: 1, slip: 0, prefix_v4: 1,\n"
                              "             prefix_v6: 1, valid_cookie: exempt}\n");
    assert_int_equal(r.c->rate_limit.rate[CONF_RRL_ERROR], 0);
    assert_int_equal(r.c->rate_limit.window_s, 1);
    assert_int_equal(r.c->rate_limit.slip, 0);
    conf_run_free(&r);
}

static void test_rate_limit_one_step_past_the_limits(void **state)
{
    (void)state;
    conf_run_t r = conf_run(CONF_BASE "rate_limit:\n"
                                      "  rate: 10001\n"
                                      "  error_rate: -1\n"
                                      "  window_s: 0\n"
                                      "  slip: 11\n"
                                      "  prefix_v4: 33\n"
                                      "  prefix_v6: 0\n"
                                      "  table_size: 1023\n"
                                      "  valid_cookie: maybe\n"
                                      "  exempt: [10.0.0.1/8, nonsense, {a: 1}]\n"
                                      "  rates: 3\n");
    assert_conf_error(&r, "t.yaml:6:9: error: rate_limit: rate must be 0..10000 (got 10001)");
    assert_conf_error(&r, "t.yaml:7:15: error: rate_limit: error_rate must be 0..10000 (got -1)");
    assert_conf_error(&r, "t.yaml:8:13: error: rate_limit: window_s must be 1..60 (got 0)");
    assert_conf_error(&r, "t.yaml:9:9: error: rate_limit: slip must be 0..10 (got 11)");
    assert_conf_error(&r, "t.yaml:10:14: error: rate_limit: prefix_v4 must be 1..32 (got 33)");
    assert_conf_error(&r, "t.yaml:11:14: error: rate_limit: prefix_v6 must be 1..128 (got 0)");
    assert_conf_error(&r,
                      "t.yaml:12:15: error: rate_limit: table_size must be 1024..67108864 (got 1023)");
    assert_conf_error(&r, "t.yaml:13:17: error: rate_limit: valid_cookie must be exempt or "
                          "limited (got 'maybe')");
    assert_conf_error(&r, "t.yaml:14:12: error: rate_limit: exempt: '10.0.0.1/8' has host bits "
                          "set (did you mean '10.0.0.0/8'?)");
    assert_conf_error(&r, "t.yaml:14:24: error: rate_limit: exempt: 'nonsense' is not a network "
                          "in ADDRESS/PREFIX form");
    assert_conf_error(&r, "t.yaml:14:35: error: rate_limit: exempt must be a string (got a "
                          "mapping)");
    assert_conf_error(&r, "t.yaml:15:3: error: unknown key 'rates' in rate_limit (did you mean "
                          "'rate'?)");
    conf_run_free(&r);
}

static void test_cookies_keys(void **state)
{
    (void)state;
    conf_run_t r = conf_run_ok(CONF_BASE "cookies: {enabled: false, secret_file: /etc/k,\n"
                                         "          rotate_s: 3600}\n");
    assert_false(r.c->cookies.is_enabled);
    assert_string_equal(r.c->cookies.secret_file, "/etc/k");
    assert_int_equal(r.c->cookies.rotate_s, 3600);
    conf_run_free(&r);
    r = conf_run(CONF_BASE "cookies: {rotate_s: 3599, enabled: 3, secret: x}\n");
    assert_conf_error(&r, "t.yaml:5:21: error: cookies: rotate_s must be 3600..7776000 (got 3599)");
    assert_conf_error(&r, "t.yaml:5:36: error: cookies: enabled must be true or false (got '3')");
    assert_conf_error(&r, "t.yaml:5:39: error: unknown key 'secret' in cookies");
    conf_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_rate_limit_off_cookies_on),
        cmocka_unit_test(test_rate_limit_empty_section_is_on),
        cmocka_unit_test(test_rate_limit_keys_at_their_limits),
        cmocka_unit_test(test_rate_limit_one_step_past_the_limits),
        cmocka_unit_test(test_cookies_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
