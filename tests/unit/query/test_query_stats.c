/* Unit tests for the counters' label sets: QTYPE classes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "gslb/query.h"

static void test_qtype_class_names(void **state)
{
    (void)state;
    assert_string_equal(query_qtype_class_name(query_qtype_class(DNS_TYPE_AAAA)), "AAAA");
    assert_string_equal(query_qtype_class_name(query_qtype_class(DNS_TYPE_MX)), "MX");
    assert_string_equal(query_qtype_class_name(query_qtype_class(65000)), "other");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_qtype_class_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
