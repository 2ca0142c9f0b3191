/* Unit tests for the up/down hysteresis state machine. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "gslb/health.h"

/* Feed a sequence of 'S' (success) and 'F' (failure); returns how many
 * results changed the state. */
static unsigned feed(health_fsm_t *f, const char *seq, unsigned up, unsigned down)
{
    unsigned changes = 0;
    for (const char *c = seq; *c != '\0'; c++) {
        if (health_fsm_feed(f, *c == 'S', up, down)) {
            changes++;
        }
    }
    return changes;
}

static void test_fsm_flapping_below_down_threshold_stays_up(void **state)
{
    (void)state;
    health_fsm_t f = {.is_up = true};
    assert_int_equal(feed(&f, "FFSFFSFFSFFS", 3, 3), 0);
    assert_true(f.is_up);
    assert_int_equal(f.successes, 1);
    assert_int_equal(f.failures, 0);
}

static void test_fsm_down_threshold_failures_go_down(void **state)
{
    (void)state;
    health_fsm_t f = {.is_up = true};
    assert_false(health_fsm_feed(&f, false, 3, 3));
    assert_false(health_fsm_feed(&f, false, 3, 3));
    assert_true(health_fsm_feed(&f, false, 3, 3));
    assert_false(f.is_up);
    assert_int_equal(f.failures, 3);
    /* More failures change nothing. */
    assert_false(health_fsm_feed(&f, false, 3, 3));
    assert_false(f.is_up);
}

static void test_fsm_flapping_below_up_threshold_stays_down(void **state)
{
    (void)state;
    health_fsm_t f = {.is_up = false};
    assert_int_equal(feed(&f, "SSFSSFSSF", 3, 3), 0);
    assert_false(f.is_up);
    assert_int_equal(f.failures, 1);
}

static void test_fsm_up_threshold_successes_go_up(void **state)
{
    (void)state;
    health_fsm_t f = {.is_up = true};
    assert_int_equal(feed(&f, "FFF", 3, 3), 1);
    assert_false(f.is_up);
    assert_int_equal(feed(&f, "SS", 3, 3), 0);
    assert_false(f.is_up);
    assert_true(health_fsm_feed(&f, true, 3, 3));
    assert_true(f.is_up);
    assert_int_equal(f.successes, 3);
    assert_int_equal(f.failures, 0);
}

static void test_fsm_thresholds_of_one_follow_every_result(void **state)
{
    (void)state;
    health_fsm_t f = {.is_up = true};
    assert_true(health_fsm_feed(&f, false, 1, 1));
    assert_false(f.is_up);
    assert_true(health_fsm_feed(&f, true, 1, 1));
    assert_true(f.is_up);
    assert_false(health_fsm_feed(&f, true, 1, 1));
    assert_true(health_fsm_feed(&f, false, 1, 1));
    assert_false(f.is_up);
}

static void test_fsm_threshold_zero_acts_as_one(void **state)
{
    (void)state;
    health_fsm_t f = {.is_up = false};
    assert_true(health_fsm_feed(&f, true, 0, 0));
    assert_true(f.is_up);
    assert_true(health_fsm_feed(&f, false, 0, 0));
    assert_false(f.is_up);
}

static void test_fsm_asymmetric_thresholds_use_their_own_counts(void **state)
{
    (void)state;
    health_fsm_t f = {.is_up = true};
    /* down after 2, up after 4 */
    assert_int_equal(feed(&f, "FSFF", 4, 2), 1);
    assert_false(f.is_up);
    assert_int_equal(feed(&f, "SSSFSSS", 4, 2), 0);
    assert_false(f.is_up);
    assert_int_equal(feed(&f, "S", 4, 2), 1);
    assert_true(f.is_up);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fsm_flapping_below_down_threshold_stays_up),
        cmocka_unit_test(test_fsm_down_threshold_failures_go_down),
        cmocka_unit_test(test_fsm_flapping_below_up_threshold_stays_down),
        cmocka_unit_test(test_fsm_up_threshold_successes_go_up),
        cmocka_unit_test(test_fsm_thresholds_of_one_follow_every_result),
        cmocka_unit_test(test_fsm_threshold_zero_acts_as_one),
        cmocka_unit_test(test_fsm_asymmetric_thresholds_use_their_own_counts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
