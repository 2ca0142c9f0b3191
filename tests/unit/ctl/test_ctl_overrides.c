/* Unit tests for the admin overrides table and its state file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
    ctl_state_load_t st;
    assert_int_equal(ctl_overrides_load(&back, path, &st), 0);
    assert_false(st.is_recovered);
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
    char *prev = xasprintf("%s.prev", path);
    unlink(prev); /* the empty file mkstemp made, kept as the previous copy */
    free(prev);
}

/* A fresh directory holding the state file "state.json" and its copies. */
typedef struct state_dir {
    char dir[64];
    char *path, *prev, *damaged;
} state_dir_t;

static void state_dir_init(state_dir_t *d)
{
    snprintf(d->dir, sizeof(d->dir), "/tmp/gslbd-state-XXXXXX");
    assert_non_null(mkdtemp(d->dir));
    d->path = xasprintf("%s/state.json", d->dir);
    d->prev = xasprintf("%s.prev", d->path);
    d->damaged = xasprintf("%s.damaged", d->path);
}

static void state_dir_free(state_dir_t *d)
{
    unlink(d->path);
    unlink(d->prev);
    unlink(d->damaged);
    assert_int_equal(rmdir(d->dir), 0); /* no temporary file left behind */
    free(d->path);
    free(d->prev);
    free(d->damaged);
}

static void save_drain(const char *path, const char *dc)
{
    ctl_overrides_t o = {0};
    ctl_overrides_set_admin(&o, false, dc, HEALTH_ADMIN_DRAIN);
    assert_int_equal(ctl_overrides_save(&o, path), 0);
    ctl_overrides_clear(&o);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* Cut path to its first half, as a crash or a full disk might. */
static off_t truncate_half(const char *path)
{
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(truncate(path, sb.st_size / 2), 0);
    return sb.st_size / 2;
}

static bool only_drained(const ctl_overrides_t *o, const char *dc)
{
    const ctl_override_t *e = ctl_overrides_find(o, false, dc);
    return o->count == 1 && e != NULL && e->admin == HEALTH_ADMIN_DRAIN;
}

static void test_state_file_save_keeps_the_previous_copy(void **state)
{
    (void)state;
    state_dir_t d;
    state_dir_init(&d);
    save_drain(d.path, "eu-west");
    assert_int_equal(access(d.prev, F_OK), -1); /* nothing before the first save */
    save_drain(d.path, "us-east");
    ctl_overrides_t o = {0};
    ctl_state_load_t st;
    assert_int_equal(ctl_overrides_load(&o, d.prev, &st), 0);
    assert_true(only_drained(&o, "eu-west"));
    assert_int_equal(ctl_overrides_load(&o, d.path, &st), 0);
    assert_true(only_drained(&o, "us-east"));
    assert_false(st.is_recovered || st.is_damaged);
    ctl_overrides_clear(&o);
    state_dir_free(&d);
}

static void test_damaged_state_file_falls_back_to_the_previous_copy(void **state)
{
    (void)state;
    state_dir_t d;
    state_dir_init(&d);
    save_drain(d.path, "eu-west");
    save_drain(d.path, "us-east");
    off_t half = truncate_half(d.path);
    ctl_overrides_t o = {0};
    ctl_state_load_t st;
    assert_int_equal(ctl_overrides_load(&o, d.path, &st), 0);
    assert_true(only_drained(&o, "eu-west"));
    assert_true(st.is_recovered);
    assert_false(st.is_damaged);
    /* The parse error names the file and where it broke. */
    char *want = xasprintf("%s:", d.path);
    assert_non_null(strstr(st.error, want));
    free(want);
    assert_int_equal(access(d.damaged, F_OK), 0);

    /* The next save neither promotes the damaged file to the previous copy
     * nor overwrites the copy kept aside. */
    save_drain(d.path, "ap");
    assert_int_equal(ctl_overrides_load(&o, d.prev, &st), 0);
    assert_true(only_drained(&o, "eu-west"));
    assert_int_equal(ctl_overrides_load(&o, d.path, &st), 0);
    assert_true(only_drained(&o, "ap"));
    struct stat sb;
    assert_int_equal(stat(d.damaged, &sb), 0);
    assert_int_equal(sb.st_size, half); /* still the truncated text */
    ctl_overrides_clear(&o);
    state_dir_free(&d);
}

static void test_wrong_shape_counts_as_damaged(void **state)
{
    (void)state;
    state_dir_t d;
    state_dir_init(&d);
    save_drain(d.path, "eu-west");
    save_drain(d.path, "us-east");
    write_text(d.path, "{\"version\": 1, \"datacenters\": []}\n");
    ctl_overrides_t o = {0};
    ctl_state_load_t st;
    assert_int_equal(ctl_overrides_load(&o, d.path, &st), 0);
    assert_true(only_drained(&o, "eu-west"));
    assert_true(st.is_recovered);
    assert_non_null(strstr(st.error, "'datacenters' must be an object"));
    ctl_overrides_clear(&o);
    state_dir_free(&d);
}

static void test_state_file_and_previous_copy_both_damaged(void **state)
{
    (void)state;
    state_dir_t d;
    state_dir_init(&d);
    save_drain(d.path, "eu-west");
    save_drain(d.path, "us-east");
    truncate_half(d.path);
    write_text(d.prev, "not json\n");
    ctl_overrides_t o = {0};
    ctl_state_load_t st;
    assert_true(ctl_overrides_load(&o, d.path, &st) < 0);
    assert_int_equal(o.count, 0);
    assert_true(st.is_damaged);
    assert_false(st.is_recovered);
    /* Both files' errors, the previous copy's with its line and column. */
    assert_non_null(strstr(st.error, d.path));
    char *want = xasprintf("%s:1:", d.prev);
    assert_non_null(strstr(st.error, want));
    free(want);
    ctl_overrides_clear(&o);
    state_dir_free(&d);
}

static void test_state_file_missing_is_empty_not_an_error(void **state)
{
    (void)state;
    ctl_overrides_t o = {0};
    ctl_state_load_t st;
    assert_int_equal(ctl_overrides_load(&o, "/nonexistent/gslbd-state.json", &st), 0);
    assert_int_equal(o.count, 0);
    assert_false(st.is_recovered || st.is_damaged);
    assert_string_equal(st.error, "");
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
        cmocka_unit_test(test_state_file_save_keeps_the_previous_copy),
        cmocka_unit_test(test_damaged_state_file_falls_back_to_the_previous_copy),
        cmocka_unit_test(test_wrong_shape_counts_as_damaged),
        cmocka_unit_test(test_state_file_and_previous_copy_both_damaged),
        cmocka_unit_test(test_state_json_with_bad_admin_is_rejected),
        cmocka_unit_test(test_names_keep_their_bucket_and_overflow_to_other),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
