/* Unit tests for the diagnostics collector's message format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "gslb/util.h"

static void test_diag_line_and_col_compiler_format(void **state)
{
    (void)state;
    gslb_diag_t *d = gslb_diag_new(false);
    gslb_diag_report(d, DIAG_ERROR, "a.yaml", 3, 7, "bad '%s'", "x");
    gslb_diag_report(d, DIAG_WARNING, "a.yaml", 4, 0, "meh");
    gslb_diag_report(d, DIAG_ERROR, NULL, 0, 0, "no file");
    assert_int_equal(gslb_diag_errors(d), 2);
    assert_int_equal(gslb_diag_count(d), 3);
    assert_string_equal(gslb_diag_message(d, 0), "a.yaml:3:7: error: bad 'x'");
    assert_string_equal(gslb_diag_message(d, 1), "a.yaml:4: warning: meh");
    assert_string_equal(gslb_diag_message(d, 2), "gslbd: error: no file");
    assert_null(gslb_diag_message(d, 3));
    gslb_diag_free(d);
}

static void test_strerror_negative_and_unknown_codes(void **state)
{
    (void)state;
    assert_string_equal(gslb_strerror(-GSLB_ECONF), "configuration has errors");
    assert_string_equal(gslb_strerror(GSLB_ECONF), "configuration has errors");
    assert_string_equal(gslb_strerror(-GSLB_EBUSY), "already in progress");
    assert_string_equal(gslb_strerror(9999), "unknown error");
}

static void test_log_level_parse_names_and_rejects_unknown(void **state)
{
    (void)state;
    log_level_t l;
    assert_int_equal(log_level_parse("debug", &l), 0);
    assert_int_equal(l, LOG_LEVEL_DEBUG);
    assert_int_equal(log_level_parse("WARNING", &l), 0);
    assert_int_equal(l, LOG_LEVEL_WARN);
    assert_int_equal(log_level_parse("loud", &l), -GSLB_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_diag_line_and_col_compiler_format),
        cmocka_unit_test(test_strerror_negative_and_unknown_codes),
        cmocka_unit_test(test_log_level_parse_names_and_rejects_unknown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
