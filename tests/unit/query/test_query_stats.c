/* Unit tests for the counters' label sets: continent codes and QTYPE classes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "gslb/query.h"

static void test_continent_index_round_trips_every_code(void **state)
{
    (void)state;
    for (unsigned i = 0; i + 1 < QUERY_STATS_CONTINENTS; i++) {
        assert_int_equal(query_continent_index(query_continent_name(i)), i);
    }
    assert_string_equal(query_continent_name(QUERY_STATS_CONTINENTS - 1), "unknown");
}

static void test_continent_index_other_text_is_unknown(void **state)
{
    (void)state;
    static const char *const others[] = {"", "E", "EUR", "eu", "ZZ", "AFR", "unknown", "NB"};
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
        assert_int_equal(query_continent_index(others[i]), QUERY_STATS_CONTINENTS - 1);
    }
}

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
        cmocka_unit_test(test_continent_index_round_trips_every_code),
        cmocka_unit_test(test_continent_index_other_text_is_unknown),
        cmocka_unit_test(test_qtype_class_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
