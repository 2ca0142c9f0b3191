/* Unit tests for the admin overrides table and its state file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl_int.h"

static void test_overrides_set_and_clear_leaves_nothing(void **state)
{
    (void)state;
    ctl_overrides_t o = {0};
    ctl_overrides_set_admin(&o, false, "eu-west", HEALTH_ADMIN_DRAIN);
    ctl_overrides_set_weight(&o, "eu-west", true, 5);
    assert_int_equal(o.count, 1);
    ctl_overrides_set_admin(&o, false, "eu-west", HEALTH_ADMIN_NONE);
    assert_int_equal(o.count, 1); /* the weight is still overridden */
    ctl_overrides_set_weight(&o, "eu-west", false, 0);
    assert_int_equal(o.count, 0);
    ctl_overrides_clear(&o);
}

static void test_resource_key_is_canonical(void **state)
{
    (void)state;
    char *k = ctl_resource_key("dc1", "2001:DB8:0::1");
    assert_string_equal(k, "dc1/2001:db8::1");
    free(k);
    assert_null(ctl_resource_key("dc1", "example.com"));
}

static void test_state_file_round_trip_keeps_every_override(void **state)
{
    (void)state;
    char path[] = "/tmp/gslbd-state-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    ctl_overrides_t o = {0};
    ctl_overrides_set_admin(&o, false, "eu-west", HEALTH_ADMIN_DRAIN);
    ctl_overrides_set_weight(&o, "us-east", true, 250);
    ctl_overrides_set_admin(&o, true, "us-east/192.0.2.10", HEALTH_ADMIN_FORCE_DOWN);
    ctl_overrides_set_admin(&o, true, "ap/2001:db8::1", HEALTH_ADMIN_FORCE_UP);
    assert_int_equal(ctl_overrides_save(&o, path), 0);

    ctl_overrides_t back = {0};
    assert_int_equal(ctl_overrides_load(&back, path), 0);
    assert_int_equal(back.count, 4);
    const ctl_override_t *e = ctl_overrides_find(&back, false, "eu-west");
    assert_non_null(e);
    assert_int_equal(e->admin, HEALTH_ADMIN_DRAIN);
    assert_false(e->has_weight);
    e = ctl_overrides_find(&back, false, "us-east");
    assert_non_null(e);
    assert_true(e->has_weight);
    assert_int_equal(e->weight, 250);
    assert_int_equal(e->admin, HEALTH_ADMIN_NONE);
    e = ctl_overrides_find(&back, true, "us-east/192.0.2.10");
    assert_non_null(e);
    assert_int_equal(e->admin, HEALTH_ADMIN_FORCE_DOWN);
    e = ctl_overrides_find(&back, true, "ap/2001:db8::1");
    assert_non_null(e);
    assert_int_equal(e->admin, HEALTH_ADMIN_FORCE_UP);
    ctl_overrides_clear(&o);
    ctl_overrides_clear(&back);
    unlink(path);
}

static void test_state_file_missing_is_empty_not_an_error(void **state)
{
    (void)state;
    ctl_overrides_t o = {0};
    assert_int_equal(ctl_overrides_load(&o, "/nonexistent/gslbd-state.json"), 0);
    assert_int_equal(o.count, 0);
}

static void test_state_json_with_bad_admin_is_rejected(void **state)
{
    (void)state;
    ctl_overrides_t o = {0};
    char err[256];
    json_t *j = json_loads("{\"version\": 1, \"datacenters\": {\"a\": {\"admin\": \"off\"}}}", 0,
                           NULL);
    assert_int_equal(ctl_overrides_from_json(&o, j, err, sizeof(err)), -GSLB_EINVAL);
    assert_string_equal(err, "'a': admin must be drain, force-up, force-down or none");
    assert_int_equal(o.count, 0);
    json_decref(j);
    j = json_loads("{\"version\": 2}", 0, NULL);
    assert_int_equal(ctl_overrides_from_json(&o, j, err, sizeof(err)), -GSLB_EINVAL);
    json_decref(j);
}

static void test_names_keep_their_bucket_and_overflow_to_other(void **state)
{
    (void)state;
    ctl_names_t n;
    ctl_names_init(&n, 3);
    assert_int_equal(ctl_names_id(&n, "a"), 1);
    assert_int_equal(ctl_names_id(&n, "b"), 2);
    assert_int_equal(ctl_names_id(&n, "a"), 1);
    assert_int_equal(ctl_names_id(&n, "c"), 0);
    assert_string_equal(n.names[0], "other");
    ctl_names_free(&n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_overrides_set_and_clear_leaves_nothing),
        cmocka_unit_test(test_resource_key_is_canonical),
        cmocka_unit_test(test_state_file_round_trip_keeps_every_override),
        cmocka_unit_test(test_state_file_missing_is_empty_not_an_error),
        cmocka_unit_test(test_state_json_with_bad_admin_is_rejected),
        cmocka_unit_test(test_names_keep_their_bucket_and_overflow_to_other),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
