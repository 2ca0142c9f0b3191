/* Unit tests for MaxMind DB lookups against the fixtures built from fixture.spec. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gslb/geo.h"

/* The check rule builds the fixtures here; GEO_FIXTURE_DIR in the
 * environment overrides it (to run the binary by hand elsewhere). */
#ifndef GEO_FIXTURE_DIR
#define GEO_FIXTURE_DIR "tests/unit/geo"
#endif

static const char *fixture_path(const char *schema)
{
    static char path[4096];
    const char *dir = getenv("GEO_FIXTURE_DIR");
    if (dir == NULL || dir[0] == '\0') {
        dir = GEO_FIXTURE_DIR;
    }
    snprintf(path, sizeof(path), "%s/fixture-%s.mmdb", dir, schema);
    return path;
}

static geo_db_t *open_fixture(const char *schema, const conf_geo_path_t *fields)
{
    gslb_diag_t *diag = gslb_diag_new(true);
    geo_db_t *db = NULL;
    int rc = geo_db_open(&db, fixture_path(schema), fields, diag);
    assert_int_equal(rc, 0);
    assert_non_null(db);
    assert_int_equal(gslb_diag_count(diag), 0);
    gslb_diag_free(diag);
    return db;
}

/* Look up a textual address. */
static int lookup(const geo_db_t *db, const char *text, geo_location_t *loc)
{
    uint8_t addr[16];
    int family = strchr(text, ':') != NULL ? AF_INET6 : AF_INET;
    assert_int_equal(inet_pton(family, text, addr), 1);
    return geo_db_lookup(db, family, addr, loc);
}

static int setup_city(void **state)
{
    *state = open_fixture("city", NULL);
    return 0;
}

static int teardown_db(void **state)
{
    geo_db_free(*state);
    return 0;
}

static void test_db_city_ipv4_reads_every_field(void **state)
{
    geo_location_t loc;
    assert_int_equal(lookup(*state, "81.2.69.5", &loc), 0);
    assert_true(loc.is_found);
    assert_string_equal(loc.continent, "EU");
    assert_string_equal(loc.country, "GB");
    assert_string_equal(loc.subdivision, "ENG");
    assert_string_equal(loc.city, "London");
    assert_true(loc.has_coords);
    assert_true(loc.latitude > 51.514 && loc.latitude < 51.515);
    assert_true(loc.longitude > -0.094 && loc.longitude < -0.093);
}

static void test_db_ipv4_slash24_prefix_is_24(void **state)
{
    geo_location_t loc;
    assert_int_equal(lookup(*state, "81.2.69.200", &loc), 0);
    assert_int_equal(loc.prefix_bits, 24);
}

static void test_db_ipv4_slash16_prefix_is_16(void **state)
{
    geo_location_t loc;
    assert_int_equal(lookup(*state, "2.16.200.1", &loc), 0);
    assert_true(loc.is_found);
    assert_int_equal(loc.prefix_bits, 16);
    assert_string_equal(loc.city, "Paris");
}

static void test_db_network_split_by_inner_one_gives_piece_prefix(void **state)
{
    geo_location_t loc;
    /* 81.2.0.0/16 holds 81.2.69.0/24, so the tree stores the /16's data in
     * pieces; 81.2.1.1 is in the 81.2.0.0/18 piece (1 and 69 share 2 bits). */
    assert_int_equal(lookup(*state, "81.2.1.1", &loc), 0);
    assert_true(loc.is_found);
    assert_int_equal(loc.prefix_bits, 18);
    assert_string_equal(loc.country, "GB");
    assert_string_equal(loc.subdivision, "");
    assert_string_equal(loc.city, "");
}

static void test_db_lower_case_codes_are_upper_cased(void **state)
{
    geo_location_t loc;
    assert_int_equal(lookup(*state, "198.51.100.7", &loc), 0);
    assert_string_equal(loc.continent, "NA");
    assert_string_equal(loc.country, "US");
    assert_string_equal(loc.subdivision, "CA");
    assert_string_equal(loc.city, "San Francisco");
}

static void test_db_missing_continent_is_derived_from_country(void **state)
{
    geo_location_t loc;
    assert_int_equal(lookup(*state, "203.0.113.1", &loc), 0);
    assert_string_equal(loc.country, "JP");
    assert_string_equal(loc.continent, "AS");
    assert_string_equal(loc.subdivision, "13");
}

static void test_db_not_found_gives_empty_network_prefix(void **state)
{
    geo_location_t loc;
    /* 8.8.8.8 sits in the empty 8.0.0.0/7 beside 10.0.0.0/8. */
    assert_int_equal(lookup(*state, "8.8.8.8", &loc), 0);
    assert_false(loc.is_found);
    assert_int_equal(loc.prefix_bits, 7);
    assert_string_equal(loc.country, "");
    assert_false(loc.has_coords);
}

static void test_db_empty_record_is_found_without_fields(void **state)
{
    geo_location_t loc;
    assert_int_equal(lookup(*state, "192.0.2.200", &loc), 0);
    assert_true(loc.is_found);
    assert_int_equal(loc.prefix_bits, 25);
    assert_string_equal(loc.continent, "");
    assert_string_equal(loc.country, "");
    assert_false(loc.has_coords);
}

static void test_db_ipv6_more_specific_network_wins(void **state)
{
    geo_location_t loc;
    assert_int_equal(lookup(*state, "2001:db8:1::42", &loc), 0);
    assert_true(loc.is_found);
    assert_int_equal(loc.prefix_bits, 48);
    assert_string_equal(loc.city, "Berlin");
    assert_string_equal(loc.subdivision, "BE");
    /* The /32 is split around the /48s at its start: 2001:db8:ffff:: is in
     * the 2001:db8:8000::/33 piece. */
    assert_int_equal(lookup(*state, "2001:db8:ffff::1", &loc), 0);
    assert_int_equal(loc.prefix_bits, 33);
    assert_string_equal(loc.country, "DE");
    assert_string_equal(loc.city, "");
}

static void test_db_ipv6_utf8_city_is_kept(void **state)
{
    geo_location_t loc;
    assert_int_equal(lookup(*state, "2001:db8:2::1", &loc), 0);
    assert_string_equal(loc.city, "S\xc3\xa3o Paulo");
    assert_true(loc.latitude < -23.0);
}

static void test_db_long_city_is_cut_on_character_boundary(void **state)
{
    geo_location_t loc;
    assert_int_equal(lookup(*state, "2001:db8:3::1", &loc), 0);
    /* 62 'A' then a 2-byte character: 64 bytes do not fit in 63. */
    assert_int_equal(strlen(loc.city), 62);
    assert_int_equal(strspn(loc.city, "A"), 62);
    assert_false(loc.has_coords);
}

static void test_db_ipv4_mapped_ipv6_finds_ipv4_data(void **state)
{
    geo_location_t loc;
    assert_int_equal(lookup(*state, "::ffff:81.2.69.5", &loc), 0);
    assert_true(loc.is_found);
    assert_string_equal(loc.city, "London");
    /* In IPv6 bits: the /24 sits under ::ffff:0:0/96. */
    assert_int_equal(loc.prefix_bits, 120);
}

static void test_db_ipv4_mapped_not_found_prefix_in_ipv6_bits(void **state)
{
    geo_location_t loc;
    assert_int_equal(lookup(*state, "::ffff:8.8.8.8", &loc), 0);
    assert_false(loc.is_found);
    assert_int_equal(loc.prefix_bits, 96 + 7);
}

static void test_db_ipv6_not_found_prefix_in_ipv6_bits(void **state)
{
    geo_location_t loc;
    assert_int_equal(lookup(*state, "2001:db9::1", &loc), 0);
    assert_false(loc.is_found);
    /* 2001:db8:: and 2001:db9:: share 31 bits: the empty network is a /32. */
    assert_int_equal(loc.prefix_bits, 32);
}

static void test_db_metadata_type_and_epoch(void **state)
{
    assert_string_equal(geo_db_type(*state), "GeoIP2-City");
    assert_true(geo_db_build_epoch(*state) > 1500000000u);
}

static void test_db_bad_family_is_einval(void **state)
{
    geo_location_t loc;
    uint8_t addr[16] = {0};
    assert_int_equal(geo_db_lookup(*state, AF_UNIX, addr, &loc), -GSLB_EINVAL);
}

static void test_db_open_missing_file_reports_egeo(void **state)
{
    (void)state;
    gslb_diag_t *diag = gslb_diag_new(false);
    geo_db_t *db = (geo_db_t *)&db;
    assert_int_equal(geo_db_open(&db, "/nonexistent/x.mmdb", NULL, diag), -GSLB_EGEO);
    assert_null(db);
    assert_int_equal(gslb_diag_errors(diag), 1);
    const char *msg = gslb_diag_message(diag, 0);
    assert_non_null(strstr(msg, "/nonexistent/x.mmdb: error: geoip: cannot open database ("));
    gslb_diag_free(diag);
}

static void test_db_open_non_mmdb_file_reports_egeo(void **state)
{
    (void)state;
    char path[] = "/tmp/gslb-geo-test-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    fputs("this is not a MaxMind database\n", f);
    fclose(f);
    gslb_diag_t *diag = gslb_diag_new(false);
    geo_db_t *db = NULL;
    assert_int_equal(geo_db_open(&db, path, NULL, diag), -GSLB_EGEO);
    assert_null(db);
    assert_int_equal(gslb_diag_errors(diag), 1);
    unlink(path);
    gslb_diag_free(diag);
}

static void test_db_free_null_does_nothing(void **state)
{
    (void)state;
    geo_db_free(NULL);
}

/* The flat schemas: fields at the top level, no continent. */
static char *flat_country[] = {"country_code", NULL};
static char *flat_region[] = {"region", NULL};
static char *flat_city[] = {"city", NULL};
static char *flat_lat[] = {"latitude", NULL};
static char *flat_lon[] = {"longitude", NULL};

static const conf_geo_path_t flat_fields[CONF_GEO_FIELD_COUNT] = {
    [CONF_GEO_CONTINENT] = {NULL, 0},
    [CONF_GEO_COUNTRY] = {flat_country, 1},
    [CONF_GEO_SUBDIVISION] = {flat_region, 1},
    [CONF_GEO_CITY] = {flat_city, 1},
    [CONF_GEO_LATITUDE] = {flat_lat, 1},
    [CONF_GEO_LONGITUDE] = {flat_lon, 1},
};

static void check_flat_london(const geo_db_t *db)
{
    geo_location_t loc;
    assert_int_equal(lookup(db, "81.2.69.5", &loc), 0);
    assert_true(loc.is_found);
    assert_int_equal(loc.prefix_bits, 24);
    assert_string_equal(loc.country, "GB");
    assert_string_equal(loc.continent, "EU");
    assert_string_equal(loc.subdivision, "ENG");
    assert_string_equal(loc.city, "London");
    assert_true(loc.has_coords);
    assert_true(loc.latitude > 51.514 && loc.latitude < 51.515);
    assert_true(loc.longitude > -0.094 && loc.longitude < -0.093);

    assert_int_equal(lookup(db, "198.51.100.1", &loc), 0);
    assert_string_equal(loc.country, "US");
    assert_string_equal(loc.continent, "NA");

    assert_int_equal(lookup(db, "2001:db8:2::1", &loc), 0);
    assert_string_equal(loc.continent, "SA");
    assert_true(loc.longitude < -46.0 && loc.longitude > -47.0);
}

static void test_db_flat_schema_derives_continent(void **state)
{
    (void)state;
    geo_db_t *db = open_fixture("flat", flat_fields);
    assert_string_equal(geo_db_type(db), "Test-Flat");
    check_flat_london(db);
    geo_db_free(db);
}

static void test_db_flat_text_schema_parses_string_coordinates(void **state)
{
    (void)state;
    geo_db_t *db = open_fixture("flat-text", flat_fields);
    check_flat_london(db);
    geo_db_free(db);
}

static void test_db_default_paths_on_flat_schema_find_no_fields(void **state)
{
    (void)state;
    geo_db_t *db = open_fixture("flat", NULL);
    geo_location_t loc;
    assert_int_equal(lookup(db, "81.2.69.5", &loc), 0);
    assert_true(loc.is_found);
    assert_string_equal(loc.country, "");
    assert_string_equal(loc.continent, "");
    /* "city" is a string here, so city/names/en does not fit the record. */
    assert_string_equal(loc.city, "");
    assert_false(loc.has_coords);
    geo_db_free(db);
}

static void test_db_absent_field_path_is_left_empty(void **state)
{
    (void)state;
    conf_geo_path_t fields[CONF_GEO_FIELD_COUNT];
    memcpy(fields, flat_fields, sizeof(fields));
    fields[CONF_GEO_CITY].parts = NULL;
    fields[CONF_GEO_LATITUDE].parts = NULL;
    geo_db_t *db = open_fixture("flat", fields);
    geo_location_t loc;
    assert_int_equal(lookup(db, "81.2.69.5", &loc), 0);
    assert_string_equal(loc.country, "GB");
    assert_string_equal(loc.city, "");
    /* Longitude alone is not a position. */
    assert_false(loc.has_coords);
    geo_db_free(db);
}

static void test_db_array_index_path_reads_subdivision(void **state)
{
    (void)state;
    static char *sub_iso[] = {"subdivisions", "0", "iso_code", NULL};
    static char *sub_missing[] = {"subdivisions", "1", "iso_code", NULL};
    conf_geo_path_t fields[CONF_GEO_FIELD_COUNT] = {{NULL, 0}};
    fields[CONF_GEO_SUBDIVISION] = (conf_geo_path_t){sub_iso, 3};
    fields[CONF_GEO_COUNTRY] = (conf_geo_path_t){sub_missing, 3};
    geo_db_t *db = open_fixture("city", fields);
    geo_location_t loc;
    assert_int_equal(lookup(db, "81.2.69.5", &loc), 0);
    assert_string_equal(loc.subdivision, "ENG");
    assert_string_equal(loc.country, "");
    geo_db_free(db);
}

/* ---- records shared by several networks ---- */

static void test_db_record_pieces_keep_their_own_prefix(void **state)
{
    geo_location_t loc;
    /* 81.2.1.1 and 81.2.128.1 are in different pieces (/18, /17) of the same
     * 81.2.0.0/16 record: one record, each piece with its own prefix. */
    assert_int_equal(lookup(*state, "81.2.1.1", &loc), 0);
    assert_int_equal(loc.prefix_bits, 18);
    uint64_t first_id = loc.record_id;
    assert_int_equal(lookup(*state, "81.2.128.1", &loc), 0);
    assert_true(loc.is_found);
    assert_int_equal(loc.prefix_bits, 17);
    assert_string_equal(loc.country, "GB");
    assert_int_equal(loc.record_id, first_id);
    assert_int_not_equal(loc.record_id, 0);
}

static void test_db_same_network_gives_the_same_fields(void **state)
{
    geo_location_t a, b;
    assert_int_equal(lookup(*state, "198.51.100.1", &a), 0);
    assert_int_equal(lookup(*state, "198.51.100.200", &b), 0);
    assert_memory_equal(&a, &b, sizeof(a));
}

static void test_db_field_paths_are_per_handle(void **state)
{
    (void)state;
    /* The same file opened twice, once without the city field: a record read
     * through one handle must not answer for the other. */
    conf_geo_path_t no_city[CONF_GEO_FIELD_COUNT];
    static char *cont[] = {"continent", "code", NULL};
    static char *cc[] = {"country", "iso_code", NULL};
    memset(no_city, 0, sizeof(no_city));
    no_city[CONF_GEO_CONTINENT] = (conf_geo_path_t){cont, 2};
    no_city[CONF_GEO_COUNTRY] = (conf_geo_path_t){cc, 2};
    geo_db_t *full = open_fixture("city", NULL);
    geo_db_t *bare = open_fixture("city", no_city);
    geo_location_t loc;
    for (int round = 0; round < 2; round++) {
        assert_int_equal(lookup(full, "81.2.69.5", &loc), 0);
        assert_string_equal(loc.city, "London");
        uint64_t full_id = loc.record_id;
        assert_int_equal(lookup(bare, "81.2.69.5", &loc), 0);
        assert_string_equal(loc.country, "GB");
        assert_string_equal(loc.city, "");
        assert_int_not_equal(loc.record_id, full_id);
    }
    geo_db_free(bare);
    geo_db_free(full);
}

static void test_db_not_found_has_no_record_id(void **state)
{
    geo_location_t loc;
    assert_int_equal(lookup(*state, "8.8.8.8", &loc), 0);
    assert_false(loc.is_found);
    assert_int_equal(loc.record_id, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_db_city_ipv4_reads_every_field, setup_city,
                                        teardown_db),
        cmocka_unit_test_setup_teardown(test_db_ipv4_slash24_prefix_is_24, setup_city,
                                        teardown_db),
        cmocka_unit_test_setup_teardown(test_db_ipv4_slash16_prefix_is_16, setup_city,
                                        teardown_db),
        cmocka_unit_test_setup_teardown(test_db_network_split_by_inner_one_gives_piece_prefix,
                                        setup_city, teardown_db),
        cmocka_unit_test_setup_teardown(test_db_lower_case_codes_are_upper_cased, setup_city,
                                        teardown_db),
        cmocka_unit_test_setup_teardown(test_db_missing_continent_is_derived_from_country,
                                        setup_city, teardown_db),
        cmocka_unit_test_setup_teardown(test_db_not_found_gives_empty_network_prefix,
                                        setup_city, teardown_db),
        cmocka_unit_test_setup_teardown(test_db_empty_record_is_found_without_fields,
                                        setup_city, teardown_db),
        cmocka_unit_test_setup_teardown(test_db_ipv6_more_specific_network_wins, setup_city,
                                        teardown_db),
        cmocka_unit_test_setup_teardown(test_db_ipv6_utf8_city_is_kept, setup_city,
                                        teardown_db),
        cmocka_unit_test_setup_teardown(test_db_long_city_is_cut_on_character_boundary,
                                        setup_city, teardown_db),
        cmocka_unit_test_setup_teardown(test_db_ipv4_mapped_ipv6_finds_ipv4_data, setup_city,
                                        teardown_db),
        cmocka_unit_test_setup_teardown(test_db_ipv4_mapped_not_found_prefix_in_ipv6_bits,
                                        setup_city, teardown_db),
        cmocka_unit_test_setup_teardown(test_db_ipv6_not_found_prefix_in_ipv6_bits,
                                        setup_city, teardown_db),
        cmocka_unit_test_setup_teardown(test_db_metadata_type_and_epoch, setup_city,
                                        teardown_db),
        cmocka_unit_test_setup_teardown(test_db_bad_family_is_einval, setup_city, teardown_db),
        cmocka_unit_test(test_db_open_missing_file_reports_egeo),
        cmocka_unit_test(test_db_open_non_mmdb_file_reports_egeo),
        cmocka_unit_test(test_db_free_null_does_nothing),
        cmocka_unit_test(test_db_flat_schema_derives_continent),
        cmocka_unit_test(test_db_flat_text_schema_parses_string_coordinates),
        cmocka_unit_test(test_db_default_paths_on_flat_schema_find_no_fields),
        cmocka_unit_test(test_db_absent_field_path_is_left_empty),
        cmocka_unit_test(test_db_array_index_path_reads_subdivision),
        cmocka_unit_test_setup_teardown(test_db_record_pieces_keep_their_own_prefix, setup_city,
                                        teardown_db),
        cmocka_unit_test_setup_teardown(test_db_same_network_gives_the_same_fields, setup_city,
                                        teardown_db),
        cmocka_unit_test(test_db_field_paths_are_per_handle),
        cmocka_unit_test_setup_teardown(test_db_not_found_has_no_record_id, setup_city,
                                        teardown_db),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
