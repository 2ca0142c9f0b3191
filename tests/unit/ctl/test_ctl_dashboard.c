/* Unit tests for the names the dashboard serves: which files, which types, nothing else. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "ctl_int.h"

/* Run ctl_dashboard_file on the segments of a path after "/ui/" (space separated). */
static int file_of(const char *segments, char *rel, size_t rel_len, const char **type)
{
    char buf[512];
    char *seg[8];
    size_t n = 0;
    snprintf(buf, sizeof(buf), "%s", segments);
    for (char *save = NULL, *t = strtok_r(buf, " ", &save); t != NULL && n < 8;
         t = strtok_r(NULL, " ", &save)) {
        seg[n++] = t;
    }
    return ctl_dashboard_file(seg, n, rel, rel_len, type);
}

static void test_dashboard_no_segments_is_the_index(void **state)
{
    (void)state;
    char rel[64];
    const char *type = NULL;
    assert_int_equal(ctl_dashboard_file(NULL, 0, rel, sizeof(rel), &type), 0);
    assert_string_equal(rel, "index.html");
    assert_string_equal(type, "text/html; charset=utf-8");
}

static void test_dashboard_vendor_file_keeps_its_folder_and_type(void **state)
{
    (void)state;
    char rel[64];
    const char *type = NULL;
    assert_int_equal(file_of("vendor d3-geo.min.js", rel, sizeof(rel), &type), 0);
    assert_string_equal(rel, "vendor/d3-geo.min.js");
    assert_string_equal(type, "text/javascript; charset=utf-8");
    assert_int_equal(file_of("vendor countries-110m.json", rel, sizeof(rel), &type), 0);
    assert_string_equal(type, "application/json");
    assert_int_equal(file_of("style.css", rel, sizeof(rel), &type), 0);
    assert_string_equal(type, "text/css; charset=utf-8");
}

static void test_dashboard_dot_segments_and_hidden_files_refused(void **state)
{
    (void)state;
    char rel[64];
    const char *type = NULL;
    assert_int_equal(file_of("..", rel, sizeof(rel), &type), -GSLB_EINVAL);
    assert_int_equal(file_of(". index.html", rel, sizeof(rel), &type), -GSLB_EINVAL);
    assert_int_equal(file_of("vendor .. .. secret.json", rel, sizeof(rel), &type), -GSLB_EINVAL);
    assert_int_equal(file_of(".hidden.js", rel, sizeof(rel), &type), -GSLB_EINVAL);
}

static void test_dashboard_slashes_and_odd_bytes_refused(void **state)
{
    (void)state;
    char rel[64];
    const char *type = NULL;
    /* What "%2f", "%5c" and friends decode to inside one segment. */
    static const char *const bad[] = {"../x.js", "a/b.js", "a\\b.js", "a b.js", "a%b.js",
                                      "a:b.js", "\xc3\xa9.js", ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *seg[1] = {(char *)bad[i]};
        assert_int_equal(ctl_dashboard_file(seg, 1, rel, sizeof(rel), &type), -GSLB_EINVAL);
    }
}

static void test_dashboard_unknown_extension_refused(void **state)
{
    (void)state;
    char rel[64];
    const char *type = NULL;
    assert_int_equal(file_of("local.mk", rel, sizeof(rel), &type), -GSLB_EINVAL);
    assert_int_equal(file_of("index.html.bak", rel, sizeof(rel), &type), -GSLB_EINVAL);
    assert_int_equal(file_of("README", rel, sizeof(rel), &type), -GSLB_EINVAL);
}

static void test_dashboard_too_long_refused(void **state)
{
    (void)state;
    char rel[16];
    const char *type = NULL;
    assert_int_equal(file_of("vendor topojson-client.min.js", rel, sizeof(rel), &type),
                     -GSLB_EINVAL);
    char big[CTL_DASHBOARD_SEGMENT_MAX + 8];
    memset(big, 'a', sizeof(big));
    memcpy(big + sizeof(big) - 4, ".js", 4);
    char *seg[1] = {big};
    char wide[256];
    assert_int_equal(ctl_dashboard_file(seg, 1, wide, sizeof(wide), &type), -GSLB_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dashboard_no_segments_is_the_index),
        cmocka_unit_test(test_dashboard_vendor_file_keeps_its_folder_and_type),
        cmocka_unit_test(test_dashboard_dot_segments_and_hidden_files_refused),
        cmocka_unit_test(test_dashboard_slashes_and_odd_bytes_refused),
        cmocka_unit_test(test_dashboard_unknown_extension_refused),
        cmocka_unit_test(test_dashboard_too_long_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
