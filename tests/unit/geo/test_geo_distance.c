/* Unit tests for great-circle distance, nearest-first ordering and the continent table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "gslb/geo.h"

#define LONDON 51.5074, -0.1278
#define NEW_YORK 40.7128, -74.0060
#define TOKYO 35.6762, 139.6503
#define SYDNEY -33.8688, 151.2093
#define SAN_FRANCISCO 37.7749, -122.4194

static void assert_near(double got, double want, double rel)
{
    if (fabs(got - want) > fabs(want) * rel) {
        fail_msg("%f is not within %.2f%% of %f", got, rel * 100.0, want);
    }
}

static void test_distance_london_new_york_about_5570_km(void **state)
{
    (void)state;
    assert_near(geo_distance_km(LONDON, NEW_YORK), 5570.0, 0.01);
}

static void test_distance_is_symmetric(void **state)
{
    (void)state;
    assert_near(geo_distance_km(TOKYO, SYDNEY), geo_distance_km(SYDNEY, TOKYO), 1e-12);
    assert_near(geo_distance_km(TOKYO, SYDNEY), 7820.0, 0.01);
}

static void test_distance_same_point_is_zero(void **state)
{
    (void)state;
    assert_true(geo_distance_km(LONDON, LONDON) < 1e-9);
}

static void test_distance_antipodes_is_half_circumference(void **state)
{
    (void)state;
    /* pi * 6371.0088 km */
    assert_near(geo_distance_km(0.0, 0.0, 0.0, 180.0), 20015.115, 1e-6);
    assert_near(geo_distance_km(90.0, 0.0, -90.0, 0.0), 20015.115, 1e-6);
}

static void test_distance_across_date_line_is_short(void **state)
{
    (void)state;
    /* 179.5 E to 179.5 W on the equator: one degree, about 111 km. */
    assert_near(geo_distance_km(0.0, 179.5, 0.0, -179.5), 111.2, 0.01);
}

static void test_order_nearest_first(void **state)
{
    (void)state;
    const geo_site_t sites[] = {
        {SYDNEY, true}, {LONDON, true}, {TOKYO, true}, {NEW_YORK, true}, {SAN_FRANCISCO, true},
    };
    uint32_t cand[] = {0, 1, 2, 3, 4};
    /* From Chicago. */
    geo_sites_order_by_distance(sites, cand, 5, 41.8781, -87.6298);
    const uint32_t want[] = {3, 4, 1, 2, 0};
    assert_memory_equal(cand, want, sizeof(want));
}

static void test_order_ties_keep_given_order(void **state)
{
    (void)state;
    /* Sites 1, 2 and 4 are at the same place; 0 and 3 too. */
    const geo_site_t sites[] = {
        {TOKYO, true}, {LONDON, true}, {LONDON, true}, {TOKYO, true}, {LONDON, true},
    };
    uint32_t cand[] = {4, 0, 2, 3, 1};
    geo_sites_order_by_distance(sites, cand, 5, 48.8566, 2.3522);
    const uint32_t want[] = {4, 2, 1, 0, 3};
    assert_memory_equal(cand, want, sizeof(want));
}

static void test_order_sites_without_location_last_in_given_order(void **state)
{
    (void)state;
    const geo_site_t sites[] = {
        {0.0, 0.0, false}, {TOKYO, true}, {0.0, 0.0, false}, {LONDON, true},
    };
    uint32_t cand[] = {2, 0, 1, 3};
    geo_sites_order_by_distance(sites, cand, 4, NEW_YORK);
    const uint32_t want[] = {3, 1, 2, 0};
    assert_memory_equal(cand, want, sizeof(want));
}

static void test_order_subset_of_sites(void **state)
{
    (void)state;
    const geo_site_t sites[] = {
        {SYDNEY, true}, {LONDON, true}, {TOKYO, true}, {NEW_YORK, true},
    };
    uint32_t cand[] = {3, 0};
    geo_sites_order_by_distance(sites, cand, 2, SYDNEY);
    assert_int_equal(cand[0], 0);
    assert_int_equal(cand[1], 3);
}

static void test_order_max_sites_sorted_fully(void **state)
{
    (void)state;
    geo_site_t sites[GEO_MAX_SITES];
    uint32_t cand[GEO_MAX_SITES];
    /* Sites along the equator given in reverse distance from (0, 0). */
    for (size_t i = 0; i < GEO_MAX_SITES; i++) {
        sites[i] = (geo_site_t){0.0, (double)(GEO_MAX_SITES - i), true};
        cand[i] = (uint32_t)i;
    }
    geo_sites_order_by_distance(sites, cand, GEO_MAX_SITES, 0.0, 0.0);
    for (size_t i = 0; i < GEO_MAX_SITES; i++) {
        assert_int_equal(cand[i], GEO_MAX_SITES - 1 - i);
    }
}

static void test_order_zero_and_one_candidates_untouched(void **state)
{
    (void)state;
    const geo_site_t sites[] = {{LONDON, true}};
    uint32_t cand[] = {0};
    geo_sites_order_by_distance(sites, cand, 0, TOKYO);
    geo_sites_order_by_distance(sites, cand, 1, TOKYO);
    assert_int_equal(cand[0], 0);
}

static void test_continent_spot_checks(void **state)
{
    (void)state;
    assert_string_equal(geo_country_continent("GB"), "EU");
    assert_string_equal(geo_country_continent("US"), "NA");
    assert_string_equal(geo_country_continent("JP"), "AS");
    assert_string_equal(geo_country_continent("BR"), "SA");
    assert_string_equal(geo_country_continent("AU"), "OC");
    assert_string_equal(geo_country_continent("ZA"), "AF");
    assert_string_equal(geo_country_continent("AQ"), "AN");
    assert_string_equal(geo_country_continent("MX"), "NA");
    assert_string_equal(geo_country_continent("XK"), "EU");
    /* First and last rows, which a bsearch slip would miss. */
    assert_string_equal(geo_country_continent("AD"), "EU");
    assert_string_equal(geo_country_continent("ZW"), "AF");
}

static void test_continent_lower_case_country_accepted(void **state)
{
    (void)state;
    assert_string_equal(geo_country_continent("gb"), "EU");
    assert_string_equal(geo_country_continent("nZ"), "OC");
}

static void test_continent_unknown_country_is_null(void **state)
{
    (void)state;
    assert_null(geo_country_continent("UK"));
    assert_null(geo_country_continent("ZZ"));
    assert_null(geo_country_continent(""));
    assert_null(geo_country_continent("G"));
    assert_null(geo_country_continent("GBR"));
    assert_null(geo_country_continent("G1"));
    assert_null(geo_country_continent(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_distance_london_new_york_about_5570_km),
        cmocka_unit_test(test_distance_is_symmetric),
        cmocka_unit_test(test_distance_same_point_is_zero),
        cmocka_unit_test(test_distance_antipodes_is_half_circumference),
        cmocka_unit_test(test_distance_across_date_line_is_short),
        cmocka_unit_test(test_order_nearest_first),
        cmocka_unit_test(test_order_ties_keep_given_order),
        cmocka_unit_test(test_order_sites_without_location_last_in_given_order),
        cmocka_unit_test(test_order_subset_of_sites),
        cmocka_unit_test(test_order_max_sites_sorted_fully),
        cmocka_unit_test(test_order_zero_and_one_candidates_untouched),
        cmocka_unit_test(test_continent_spot_checks),
        cmocka_unit_test(test_continent_lower_case_country_accepted),
        cmocka_unit_test(test_continent_unknown_country_is_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
