/* Unit tests for the load registry: slots kept by name across reloads, retired and reclaimed;
 * the control and file feeds; staleness; the published utilisation and shed fraction; and the
 * fleet's utilisation as the target when every site is full. No health thread: steps are run
 * by hand with chosen times. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gslb/health.h"
#include "gslb/steer.h"

static steer_def_t def(steer_feed_t feed)
{
    steer_def_t d = {.feed = feed,
                     .target = 0.8,
                     .shed_above = 0.85,
                     .restore_below = 0.75,
                     .max_step = 0.25,
                     .max_age_ms = 30000};
    return d;
}

static double pub_util(const steer_t *st, uint32_t slot)
{
    uint64_t bits = atomic_load(&steer_slot_pub(st, slot)->util_bits);
    double u;
    memcpy(&u, &bits, sizeof(u));
    return u;
}

static double pub_shed(const steer_t *st, uint32_t slot)
{
    return (double)atomic_load(&steer_slot_pub(st, slot)->shed) / 4294967296.0;
}

static void test_slots_by_name(void **state)
{
    (void)state;
    steer_t *st = steer_new(3, NULL);
    steer_def_t ctl = def(STEER_FEED_CONTROL), none = def(STEER_FEED_NONE);
    steer_dc_in_t in[3] = {{.name = "a", .capacity = 100, .def = &ctl},
                           {.name = "b", .capacity = 100, .def = &none},
                           {.name = "c", .capacity = 50, .def = &ctl}};
    uint32_t slots[3];
    assert_int_equal(steer_apply(st, in, 3, slots), 0);
    assert_true(slots[0] != STEER_SLOT_NONE && slots[2] != STEER_SLOT_NONE);
    assert_true(slots[1] == STEER_SLOT_NONE);
    assert_null(steer_slot_pub(st, STEER_SLOT_NONE));
    /* a sheds after a step on a figure of 1.6 */
    assert_int_equal(steer_push(st, "a", 1.6), 0);
    steer_step(st, health_monotonic_ms());
    assert_float_equal(pub_shed(st, slots[0]), 0.25, 1e-6);
    /* A reload that keeps a (in another position) keeps its slot and state. */
    steer_dc_in_t in2[2] = {{.name = "d", .capacity = 10, .def = &ctl},
                            {.name = "a", .capacity = 100, .def = &ctl}};
    uint32_t slots2[2];
    assert_int_equal(steer_apply(st, in2, 2, slots2), 0);
    assert_int_equal(slots2[1], slots[0]);
    assert_float_equal(pub_shed(st, slots2[1]), 0.25, 1e-6);
    assert_int_equal(steer_push(st, "c", 0.1), -GSLB_ENOTFOUND); /* c left */
    /* c's slot is retired, not free: a third new name does not fit until reclaim. */
    steer_dc_in_t in3[3] = {in2[0], in2[1], {.name = "e", .capacity = 1, .def = &ctl}};
    uint32_t slots3[3];
    assert_int_equal(steer_apply(st, in3, 3, slots3), -GSLB_ENOSPACE);
    assert_int_equal(steer_push(st, "d", 0.1), 0); /* nothing changed */
    steer_slots_reclaim(st);
    assert_int_equal(steer_apply(st, in3, 3, slots3), 0);
    assert_int_equal(slots3[1], slots[0]);
    /* A changed feed starts over: figure and fraction. */
    steer_def_t file = def(STEER_FEED_FILE);
    file.file_path = "/nonexistent/load";
    file.file_key = "a";
    in3[1].def = &file;
    assert_int_equal(steer_apply(st, in3, 3, slots3), 0);
    assert_float_equal(pub_shed(st, slots3[1]), 0, 1e-12);
    steer_free(st);
}

static void test_push_rules(void **state)
{
    (void)state;
    steer_t *st = steer_new(4, NULL);
    steer_def_t ctl = def(STEER_FEED_CONTROL), file = def(STEER_FEED_FILE);
    file.file_path = "/nonexistent";
    file.file_key = "f";
    steer_dc_in_t in[2] = {{.name = "c", .capacity = 100, .def = &ctl},
                           {.name = "f", .capacity = 100, .def = &file}};
    uint32_t slots[2];
    assert_int_equal(steer_apply(st, in, 2, slots), 0);
    assert_int_equal(steer_push(st, "c", 0), 0);
    assert_int_equal(steer_push(st, "c", -0.01), -GSLB_EINVAL);
    assert_int_equal(steer_push(st, "c", NAN), -GSLB_EINVAL);
    assert_int_equal(steer_push(st, "c", INFINITY), -GSLB_EINVAL);
    assert_int_equal(steer_push(st, "f", 0.5), -GSLB_EINVAL); /* not a control feed */
    assert_int_equal(steer_push(st, "x", 0.5), -GSLB_ENOTFOUND);
    steer_free(st);
}

/* Absolute figures are divided by the capacity; a stale feed counts as at
 * its target, once logged, and its shed fraction holds. */
static void test_units_and_staleness(void **state)
{
    (void)state;
    steer_t *st = steer_new(4, NULL);
    steer_def_t abs = def(STEER_FEED_CONTROL);
    abs.unit = STEER_UNIT_ABSOLUTE;
    abs.max_age_ms = 1000;
    steer_def_t none = def(STEER_FEED_NONE);
    /* b, without a feed, counts as empty: somewhere for a's clients to go. */
    steer_dc_in_t in[2] = {{.name = "a", .capacity = 200, .def = &abs},
                           {.name = "b", .capacity = 200, .def = &none}};
    uint32_t slots[2];
    assert_int_equal(steer_apply(st, in, 2, slots), 0);
    double t0 = health_monotonic_ms();
    assert_int_equal(steer_push(st, "a", 100), 0);
    steer_step(st, t0);
    steer_slot_info_t info;
    assert_int_equal(steer_slot_info(st, slots[0], &info), 0);
    assert_float_equal(info.util, 0.5, 1e-12);
    assert_float_equal(pub_util(st, slots[0]), 0.5, 1e-12); /* the first figure at once */
    assert_false(info.is_stale);
    assert_int_equal(steer_push(st, "a", 400), 0); /* 2.0: sheds */
    steer_step(st, health_monotonic_ms());
    double f = pub_shed(st, slots[0]);
    assert_true(f > 0);
    /* 1000 ms without a figure is still fresh; a moment more is stale. */
    double pushed = health_monotonic_ms();
    steer_step(st, pushed + 990);
    assert_int_equal(steer_slot_info(st, slots[0], &info), 0);
    assert_false(info.is_stale);
    steer_step(st, pushed + 1100);
    assert_int_equal(steer_slot_info(st, slots[0], &info), 0);
    assert_true(info.is_stale);
    assert_int_equal(info.stale_events, 1);
    assert_float_equal(info.util, 0.8, 1e-12);
    assert_float_equal(pub_util(st, slots[0]), 0.8, 1e-12);
    assert_float_equal(pub_shed(st, slots[0]), f, 1e-9);
    steer_step(st, pushed + 1200); /* still stale: counted once */
    assert_int_equal(steer_slot_info(st, slots[0], &info), 0);
    assert_int_equal(info.stale_events, 1);
    /* Fresh again: the figure counts at once. */
    assert_int_equal(steer_push(st, "a", 60), 0);
    steer_step(st, health_monotonic_ms());
    assert_float_equal(pub_util(st, slots[0]), 0.3, 1e-12);
    steer_free(st);
}

/* Every site over target: each aims for the fleet's utilisation, so a site
 * at the fleet's level does not shed; a lone site with nowhere to shed to
 * does not either. */
static void test_fleet_target(void **state)
{
    (void)state;
    steer_t *st = steer_new(4, NULL);
    steer_def_t ctl = def(STEER_FEED_CONTROL);
    steer_dc_in_t in[2] = {{.name = "a", .capacity = 100, .def = &ctl},
                           {.name = "b", .capacity = 100, .def = &ctl}};
    uint32_t slots[2];
    assert_int_equal(steer_apply(st, in, 2, slots), 0);
    assert_int_equal(steer_push(st, "a", 1.2), 0);
    assert_int_equal(steer_push(st, "b", 1.2), 0);
    steer_step(st, health_monotonic_ms());
    assert_true(pub_shed(st, slots[0]) == 0);
    /* a alone over the fleet's level (1.2 vs 1.0): a sheds. */
    assert_int_equal(steer_push(st, "a", 1.2), 0);
    assert_int_equal(steer_push(st, "b", 0.8), 0);
    steer_step(st, health_monotonic_ms());
    assert_true(pub_shed(st, slots[0]) > 0);
    steer_free(st);
    st = steer_new(4, NULL);
    assert_int_equal(steer_apply(st, in, 1, slots), 0);
    assert_int_equal(steer_push(st, "a", 3.0), 0);
    steer_step(st, health_monotonic_ms());
    assert_true(pub_shed(st, slots[0]) == 0);
    steer_free(st);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* KEY VALUE lines; reread on change; as fresh as the file's mtime. */
static void test_file_feed(void **state)
{
    (void)state;
    char dir[] = "/tmp/steer-file-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[64];
    snprintf(path, sizeof(path), "%s/load", dir);
    write_file(path, "# written by the test\nb 0.9\n  a\t0.55 \nc x\n");
    steer_t *st = steer_new(4, NULL);
    steer_def_t fa = def(STEER_FEED_FILE), fc = def(STEER_FEED_FILE), fd = def(STEER_FEED_FILE);
    fa.file_path = fc.file_path = fd.file_path = path;
    fa.file_key = "a";
    fc.file_key = "c";
    fd.file_key = "d";
    fa.max_age_ms = 5000;
    steer_dc_in_t in[3] = {{.name = "a", .capacity = 100, .def = &fa},
                           {.name = "c", .capacity = 100, .def = &fc},
                           {.name = "d", .capacity = 100, .def = &fd}};
    uint32_t slots[3];
    assert_int_equal(steer_apply(st, in, 3, slots), 0);
    steer_step(st, health_monotonic_ms());
    steer_slot_info_t info;
    assert_int_equal(steer_slot_info(st, slots[0], &info), 0);
    assert_float_equal(info.load, 0.55, 1e-12);
    assert_int_equal(steer_slot_info(st, slots[1], &info), 0);
    assert_true(isnan(info.load));
    assert_string_equal(info.error, "line 4: 'x' is not a number >= 0");
    assert_int_equal(steer_slot_info(st, slots[2], &info), 0);
    assert_string_equal(info.error, "no line for key 'd'");
    /* A file written 10 s ago is 10 s old: stale for a max_age of 5 s. */
    write_file(path, "a 0.65\n");
    struct timespec old[2];
    clock_gettime(CLOCK_REALTIME, &old[0]);
    old[0].tv_sec -= 10;
    old[1] = old[0];
    assert_int_equal(utimensat(AT_FDCWD, path, old, 0), 0);
    double now = health_monotonic_ms();
    steer_step(st, now);
    assert_int_equal(steer_slot_info(st, slots[0], &info), 0);
    assert_float_equal(info.load, 0.65, 1e-12);
    assert_true(info.age_s > 9.5);
    steer_step(st, now + 100);
    assert_int_equal(steer_slot_info(st, slots[0], &info), 0);
    assert_true(info.is_stale);
    /* A missing file is an error, not a crash. */
    unlink(path);
    steer_step(st, health_monotonic_ms());
    assert_int_equal(steer_slot_info(st, slots[0], &info), 0);
    assert_non_null(strstr(info.error, "cannot read"));
    steer_free(st);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slots_by_name),       cmocka_unit_test(test_push_rules),
        cmocka_unit_test(test_units_and_staleness), cmocka_unit_test(test_fleet_target),
        cmocka_unit_test(test_file_feed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
