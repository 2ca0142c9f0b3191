/* Unit tests for geo maps: rule precedence, key normalisation, diagnostics and ECS scope. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "gslb/geo.h"

/* Data centers: 0 lon, 1 nyc, 2 tyo, 3 sfo, 4 without a location. */
enum { LON, NYC, TYO, SFO, NOWHERE, SITE_COUNT };
static const geo_site_t sites[SITE_COUNT] = {
    [LON] = {51.5074, -0.1278, true},
    [NYC] = {40.7128, -74.0060, true},
    [TYO] = {35.6762, 139.6503, true},
    [SFO] = {37.7749, -122.4194, true},
    [NOWHERE] = {0.0, 0.0, false},
};

static uint32_t dc_lon[] = {LON}, dc_nyc[] = {NYC}, dc_tyo[] = {TYO}, dc_sfo[] = {SFO};
static uint32_t dc_lon_nyc[] = {LON, NYC}, dc_nyc_sfo[] = {NYC, SFO};

#define DCS(a) {(a), GSLB_ARRAY_LEN(a)}
#define POS(l) {"maps.yaml", (l), 7}

static conf_map_net_t net4(const char *text, uint8_t bits, conf_dc_list_t dcs, unsigned line)
{
    conf_map_net_t n = {.prefix_bits = bits, .dcs = dcs, .pos = POS(line)};
    n.net.family = strchr(text, ':') != NULL ? AF_INET6 : AF_INET;
    assert_int_equal(inet_pton(n.net.family, text, n.net.addr), 1);
    return n;
}

/* The map most tests use; built fresh per test. */
typedef struct fixture {
    conf_map_net_t nets[4];
    conf_map_entry_t cities[2], subdivisions[1], countries[2], continents[2];
    conf_map_t cm;
    geo_map_t *map;
} fixture_t;

static void fixture_fill(fixture_t *f)
{
    memset(f, 0, sizeof(*f));
    f->nets[0] = net4("10.0.0.0", 8, (conf_dc_list_t)DCS(dc_nyc), 3);
    f->nets[1] = net4("10.1.0.0", 16, (conf_dc_list_t)DCS(dc_tyo), 4);
    f->nets[2] = net4("192.168.4.0", 24, (conf_dc_list_t)DCS(dc_lon), 5);
    f->nets[3] = net4("2001:db8::", 32, (conf_dc_list_t)DCS(dc_sfo), 6);
    f->cities[0] = (conf_map_entry_t){"GB/ENG/London", DCS(dc_lon), POS(8)};
    f->cities[1] = (conf_map_entry_t){"us/San Francisco", DCS(dc_sfo), POS(9)};
    f->subdivisions[0] = (conf_map_entry_t){"US/CA", DCS(dc_nyc_sfo), POS(11)};
    f->countries[0] = (conf_map_entry_t){"gb", DCS(dc_lon_nyc), POS(13)};
    f->countries[1] = (conf_map_entry_t){"JP", DCS(dc_tyo), POS(14)};
    f->continents[0] = (conf_map_entry_t){"EU", DCS(dc_lon), POS(16)};
    f->continents[1] = (conf_map_entry_t){"na", DCS(dc_nyc), POS(17)};
    f->cm = (conf_map_t){
        .name = "web",
        .nets = f->nets,
        .net_count = 4,
        .cities = f->cities,
        .city_count = 2,
        .subdivisions = f->subdivisions,
        .subdivision_count = 1,
        .countries = f->countries,
        .country_count = 2,
        .continents = f->continents,
        .continent_count = 2,
        .pos = POS(1),
    };
}

static int setup_map(void **state)
{
    fixture_t *f = test_malloc(sizeof(*f));
    fixture_fill(f);
    gslb_diag_t *diag = gslb_diag_new(true);
    int rc = geo_map_new(&f->map, &f->cm, sites, SITE_COUNT, NULL, diag);
    gslb_diag_free(diag);
    if (rc != 0) {
        test_free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown_map(void **state)
{
    fixture_t *f = *state;
    geo_map_free(f->map);
    test_free(f);
    return 0;
}

static geo_location_t place(const char *cont, const char *cc, const char *sub, const char *city,
                            uint8_t prefix_bits)
{
    geo_location_t loc = {.is_found = true, .prefix_bits = prefix_bits};
    strcpy(loc.continent, cont);
    strcpy(loc.country, cc);
    strcpy(loc.subdivision, sub);
    strcpy(loc.city, city);
    return loc;
}

static void resolve(const geo_map_t *m, const char *text, const geo_location_t *loc,
                    geo_map_result_t *out)
{
    uint8_t addr[16];
    int family = strchr(text, ':') != NULL ? AF_INET6 : AF_INET;
    assert_int_equal(inet_pton(family, text, addr), 1);
    memset(out, 0xA5, sizeof(*out));
    geo_map_resolve_rules(m, family, addr, loc, out);
}

static void assert_dcs(const geo_map_result_t *r, const uint32_t *want, size_t n)
{
    assert_int_equal(r->dc_count, n);
    assert_memory_equal(r->dcs, want, n * sizeof(*want));
}

/* ---- precedence ---- */

static void test_map_nets_beats_city(void **state)
{
    fixture_t *f = *state;
    geo_map_result_t r;
    geo_location_t loc = place("EU", "GB", "ENG", "London", 24);
    resolve(f->map, "10.1.2.3", &loc, &r);
    assert_int_equal(r.match, GEO_MATCH_NET);
    assert_string_equal(r.key, "10.1.0.0/16");
    assert_dcs(&r, dc_tyo, 1);
}

static void test_map_nets_longest_prefix_wins(void **state)
{
    fixture_t *f = *state;
    geo_map_result_t r;
    resolve(f->map, "10.2.0.1", NULL, &r);
    assert_int_equal(r.match, GEO_MATCH_NET);
    assert_string_equal(r.key, "10.0.0.0/8");
    assert_dcs(&r, dc_nyc, 1);
}

static void test_map_nets_ipv6_entry_matches(void **state)
{
    fixture_t *f = *state;
    geo_map_result_t r;
    resolve(f->map, "2001:db8:abcd::1", NULL, &r);
    assert_int_equal(r.match, GEO_MATCH_NET);
    assert_string_equal(r.key, "2001:db8::/32");
    assert_int_equal(r.scope_bits, 32);
}

static void test_map_nets_ipv4_mapped_client_matches_ipv4_entry(void **state)
{
    fixture_t *f = *state;
    geo_map_result_t r;
    resolve(f->map, "::ffff:10.1.2.3", NULL, &r);
    assert_int_equal(r.match, GEO_MATCH_NET);
    assert_string_equal(r.key, "10.1.0.0/16");
    /* Scope in the query's family: 96 + 16. */
    assert_int_equal(r.scope_bits, 112);
}

static void test_map_city_with_subdivision_matches(void **state)
{
    fixture_t *f = *state;
    geo_map_result_t r;
    geo_location_t loc = place("EU", "GB", "ENG", "London", 24);
    resolve(f->map, "81.2.69.1", &loc, &r);
    assert_int_equal(r.match, GEO_MATCH_CITY);
    assert_string_equal(r.key, "GB/ENG/London");
    assert_dcs(&r, dc_lon, 1);
}

static void test_map_city_without_subdivision_key_matches(void **state)
{
    fixture_t *f = *state;
    geo_map_result_t r;
    /* "US/CA/San Francisco" is not a key; "us/San Francisco" is, and wins over US/CA. */
    geo_location_t loc = place("NA", "US", "CA", "San Francisco", 24);
    resolve(f->map, "198.51.100.1", &loc, &r);
    assert_int_equal(r.match, GEO_MATCH_CITY);
    assert_string_equal(r.key, "us/San Francisco");
    assert_dcs(&r, dc_sfo, 1);
}

static void test_map_subdivision_matches_when_no_city(void **state)
{
    fixture_t *f = *state;
    geo_map_result_t r;
    geo_location_t loc = place("NA", "US", "CA", "Los Angeles", 24);
    resolve(f->map, "198.51.100.1", &loc, &r);
    assert_int_equal(r.match, GEO_MATCH_SUBDIVISION);
    assert_string_equal(r.key, "US/CA");
    assert_dcs(&r, dc_nyc_sfo, 2);
}

static void test_map_country_matches_when_no_subdivision(void **state)
{
    fixture_t *f = *state;
    geo_map_result_t r;
    geo_location_t loc = place("EU", "GB", "SCT", "Edinburgh", 20);
    resolve(f->map, "81.2.69.1", &loc, &r);
    assert_int_equal(r.match, GEO_MATCH_COUNTRY);
    assert_string_equal(r.key, "gb");
    assert_dcs(&r, dc_lon_nyc, 2);
}

static void test_map_continent_matches_when_no_country(void **state)
{
    fixture_t *f = *state;
    geo_map_result_t r;
    geo_location_t loc = place("EU", "FR", "IDF", "Paris", 16);
    resolve(f->map, "2.16.0.1", &loc, &r);
    assert_int_equal(r.match, GEO_MATCH_CONTINENT);
    assert_string_equal(r.key, "EU");
    assert_dcs(&r, dc_lon, 1);
}

static void test_map_continent_derived_when_location_lacks_it(void **state)
{
    fixture_t *f = *state;
    geo_map_result_t r;
    geo_location_t loc = place("", "CA", "", "", 16);
    resolve(f->map, "2.16.0.1", &loc, &r);
    assert_int_equal(r.match, GEO_MATCH_CONTINENT);
    assert_string_equal(r.key, "na");
}

static void test_map_default_is_all_sites_in_config_order(void **state)
{
    fixture_t *f = *state;
    geo_map_result_t r;
    geo_location_t loc = place("OC", "AU", "NSW", "Sydney", 16);
    resolve(f->map, "2.16.0.1", &loc, &r);
    assert_int_equal(r.match, GEO_MATCH_DEFAULT);
    assert_string_equal(r.key, "default");
    const uint32_t all[] = {LON, NYC, TYO, SFO, NOWHERE};
    assert_dcs(&r, all, SITE_COUNT);
}

static void test_map_no_location_gives_default(void **state)
{
    fixture_t *f = *state;
    geo_map_result_t r;
    resolve(f->map, "2a00::1", NULL, &r);
    assert_int_equal(r.match, GEO_MATCH_DEFAULT);
    geo_location_t loc = place("EU", "GB", "ENG", "London", 24);
    loc.is_found = false;
    resolve(f->map, "2a00::1", &loc, &r);
    assert_int_equal(r.match, GEO_MATCH_DEFAULT);
}

static void test_map_configured_default_used(void **state)
{
    (void)state;
    fixture_t f;
    fixture_fill(&f);
    f.cm.default_dcs = (conf_dc_list_t)DCS(dc_tyo);
    assert_int_equal(geo_map_new(&f.map, &f.cm, sites, SITE_COUNT, NULL, NULL), 0);
    geo_map_result_t r;
    resolve(f.map, "2a00::1", NULL, &r);
    assert_int_equal(r.match, GEO_MATCH_DEFAULT);
    assert_dcs(&r, dc_tyo, 1);
    geo_map_free(f.map);
}

static void test_map_nearest_fallback_orders_by_distance(void **state)
{
    (void)state;
    fixture_t f;
    fixture_fill(&f);
    f.cm.is_nearest_fallback = true;
    assert_int_equal(geo_map_new(&f.map, &f.cm, sites, SITE_COUNT, NULL, NULL), 0);
    geo_map_result_t r;
    geo_location_t loc = place("OC", "AU", "NSW", "Sydney", 16);
    loc.has_coords = true;
    loc.latitude = -33.8688;
    loc.longitude = 151.2093;
    resolve(f.map, "2.16.0.1", &loc, &r);
    assert_int_equal(r.match, GEO_MATCH_NEAREST);
    assert_string_equal(r.key, "nearest");
    assert_ptr_equal(r.dcs, r.nearest);
    const uint32_t want[] = {TYO, SFO, NYC, LON, NOWHERE};
    assert_dcs(&r, want, SITE_COUNT);

    /* Rules still come first... */
    loc = place("EU", "GB", "", "", 16);
    loc.has_coords = true;
    resolve(f.map, "2.16.0.1", &loc, &r);
    assert_int_equal(r.match, GEO_MATCH_COUNTRY);
    /* ...and without coordinates there is nothing to measure from. */
    loc = place("OC", "AU", "", "", 16);
    resolve(f.map, "2.16.0.1", &loc, &r);
    assert_int_equal(r.match, GEO_MATCH_DEFAULT);
    geo_map_free(f.map);
}

static void test_map_nearest_needs_fallback_enabled(void **state)
{
    fixture_t *f = *state;
    geo_map_result_t r;
    geo_location_t loc = place("OC", "AU", "", "", 16);
    loc.has_coords = true;
    loc.latitude = -33.8688;
    loc.longitude = 151.2093;
    resolve(f->map, "2.16.0.1", &loc, &r);
    assert_int_equal(r.match, GEO_MATCH_DEFAULT);
}

/* ---- keys ---- */

static void test_map_keys_case_insensitive(void **state)
{
    fixture_t *f = *state;
    geo_map_result_t r;
    geo_location_t loc = place("eu", "gb", "eng", "LONDON", 24);
    resolve(f->map, "81.2.69.1", &loc, &r);
    assert_int_equal(r.match, GEO_MATCH_CITY);
    assert_string_equal(r.key, "GB/ENG/London");
    loc = place("", "jp", "", "", 24);
    resolve(f->map, "81.2.69.1", &loc, &r);
    assert_int_equal(r.match, GEO_MATCH_COUNTRY);
    assert_string_equal(r.key, "JP");
    loc = place("NA", "us", "ca", "", 24);
    resolve(f->map, "81.2.69.1", &loc, &r);
    assert_int_equal(r.match, GEO_MATCH_SUBDIVISION);
}

static void test_map_city_name_with_slash_is_one_name(void **state)
{
    (void)state;
    conf_map_entry_t cities[] = {
        {"CH/Biel/Bienne", DCS(dc_lon), POS(2)},
        {"CH/BE/Biel/Bienne", DCS(dc_nyc), POS(3)},
    };
    conf_map_t cm = {.name = "slash", .cities = cities, .city_count = 2, .pos = POS(1)};
    geo_map_t *m = NULL;
    assert_int_equal(geo_map_new(&m, &cm, sites, SITE_COUNT, NULL, NULL), 0);
    geo_map_result_t r;
    geo_location_t loc = place("EU", "CH", "BE", "Biel/Bienne", 24);
    resolve(m, "81.2.69.1", &loc, &r);
    assert_string_equal(r.key, "CH/BE/Biel/Bienne");
    loc = place("EU", "CH", "", "Biel/Bienne", 24);
    resolve(m, "81.2.69.1", &loc, &r);
    assert_string_equal(r.key, "CH/Biel/Bienne");
    geo_map_free(m);
}

/* Bad keys and keys equal but for case are conf's to report (see
 * tests/unit/conf/test_conf_errors.c); geo only has to stay well defined
 * should one reach it: the first of equal keys or networks wins, silently. */
static void test_map_duplicate_keys_keep_the_first_silently(void **state)
{
    (void)state;
    conf_map_entry_t countries[] = {{"GB", DCS(dc_lon), POS(5)}, {"gb", DCS(dc_nyc), POS(6)},
                                    {"Gb", DCS(dc_nyc), POS(7)}};
    conf_map_entry_t cities[] = {{"GB/London", DCS(dc_lon), POS(8)},
                                 {"gb/LONDON", DCS(dc_nyc), POS(9)}};
    conf_map_net_t nets[] = {net4("10.0.0.0", 8, (conf_dc_list_t)DCS(dc_nyc), 3),
                             net4("10.0.0.0", 8, (conf_dc_list_t)DCS(dc_lon), 4)};
    conf_map_t cm = {.name = "dup",
                     .countries = countries,
                     .country_count = 3,
                     .cities = cities,
                     .city_count = 2,
                     .nets = nets,
                     .net_count = 2,
                     .pos = POS(1)};
    gslb_diag_t *diag = gslb_diag_new(false);
    geo_map_t *m = NULL;
    assert_int_equal(geo_map_new(&m, &cm, sites, SITE_COUNT, NULL, diag), 0);
    assert_int_equal(gslb_diag_count(diag), 0);
    geo_map_result_t r;
    geo_location_t loc = place("EU", "GB", "", "", 24);
    resolve(m, "81.2.69.1", &loc, &r);
    assert_string_equal(r.key, "GB");
    assert_dcs(&r, dc_lon, 1);
    loc = place("EU", "GB", "", "London", 24);
    resolve(m, "81.2.69.1", &loc, &r);
    assert_string_equal(r.key, "GB/London");
    assert_dcs(&r, dc_lon, 1);
    resolve(m, "10.1.2.3", &loc, &r);
    assert_string_equal(r.key, "10.0.0.0/8");
    assert_dcs(&r, dc_nyc, 1);
    geo_map_free(m);
    gslb_diag_free(diag);
}

/* A key too long for the comparison buffer cannot come from conf (city
 * names are at most 63 bytes there); geo skips it rather than overflow. */
static void test_map_too_long_key_skipped_silently(void **state)
{
    (void)state;
    char long_city[3 + 80 + 1] = "GB/";
    memset(long_city + 3, 'x', 80);
    long_city[3 + 80] = '\0';
    conf_map_entry_t cities[] = {{long_city, DCS(dc_nyc), POS(5)},
                                 {"GB/London", DCS(dc_lon), POS(6)}};
    conf_map_t cm = {.name = "long", .cities = cities, .city_count = 2, .pos = POS(1)};
    gslb_diag_t *diag = gslb_diag_new(false);
    geo_map_t *m = NULL;
    assert_int_equal(geo_map_new(&m, &cm, sites, SITE_COUNT, NULL, diag), 0);
    assert_int_equal(gslb_diag_count(diag), 0);
    geo_map_result_t r;
    geo_location_t loc = place("EU", "GB", "", "London", 24);
    resolve(m, "81.2.69.1", &loc, &r);
    assert_string_equal(r.key, "GB/London");
    geo_map_free(m);
    gslb_diag_free(diag);
}

/* Whether a code is assigned is conf's question (a warning there); geo
 * builds a map for any well-formed code. */
static void test_map_unassigned_country_is_accepted_silently(void **state)
{
    (void)state;
    conf_map_entry_t countries[] = {{"UK", DCS(dc_lon), POS(5)}};
    conf_map_t cm = {.name = "w", .countries = countries, .country_count = 1, .pos = POS(1)};
    gslb_diag_t *diag = gslb_diag_new(false);
    geo_map_t *m = NULL;
    assert_int_equal(geo_map_new(&m, &cm, sites, SITE_COUNT, NULL, diag), 0);
    assert_int_equal(gslb_diag_count(diag), 0);
    geo_map_free(m);
    gslb_diag_free(diag);
}

static void test_map_bad_data_center_lists_reported(void **state)
{
    (void)state;
    static uint32_t bad_index[] = {LON, SITE_COUNT};
    conf_map_entry_t countries[] = {{"GB", DCS(bad_index), POS(5)}, {"FR", {NULL, 0}, POS(6)}};
    conf_map_t cm = {.name = "d", .countries = countries, .country_count = 2, .pos = POS(1)};
    gslb_diag_t *diag = gslb_diag_new(false);
    geo_map_t *m = NULL;
    assert_int_equal(geo_map_new(&m, &cm, sites, SITE_COUNT, NULL, diag), -GSLB_ECONF);
    assert_int_equal(gslb_diag_errors(diag), 2);
    assert_string_equal(gslb_diag_message(diag, 0),
                        "maps.yaml:5:7: error: map 'd': country 'GB': data center index 5 out "
                        "of range (5 data centers)");
    assert_string_equal(gslb_diag_message(diag, 1),
                        "maps.yaml:6:7: error: map 'd': country 'FR': needs at least one data "
                        "center");
    gslb_diag_free(diag);
}

static void test_map_free_null_does_nothing(void **state)
{
    (void)state;
    geo_map_free(NULL);
}

static void test_map_match_names(void **state)
{
    (void)state;
    assert_string_equal(geo_match_name(GEO_MATCH_NET), "net");
    assert_string_equal(geo_match_name(GEO_MATCH_CITY), "city");
    assert_string_equal(geo_match_name(GEO_MATCH_SUBDIVISION), "subdivision");
    assert_string_equal(geo_match_name(GEO_MATCH_COUNTRY), "country");
    assert_string_equal(geo_match_name(GEO_MATCH_CONTINENT), "continent");
    assert_string_equal(geo_match_name(GEO_MATCH_NEAREST), "nearest");
    assert_string_equal(geo_match_name(GEO_MATCH_DEFAULT), "default");
}

/* ---- scope ---- */

static void test_scope_matched_nets_uses_its_prefix(void **state)
{
    fixture_t *f = *state;
    geo_map_result_t r;
    geo_location_t loc = place("EU", "GB", "ENG", "London", 24);
    resolve(f->map, "10.1.2.3", &loc, &r);
    assert_int_equal(r.scope_bits, 16);
}

static void test_scope_inner_nets_narrows_matched_nets(void **state)
{
    fixture_t *f = *state;
    geo_map_result_t r;
    /* 10.2.0.1 matches 10/8, but 10.1/16 lies inside it: 10.2 and 10.1
     * share 14 bits, so the answer holds only for 10.2.0.0/15. */
    resolve(f->map, "10.2.0.1", NULL, &r);
    assert_int_equal(r.match, GEO_MATCH_NET);
    assert_int_equal(r.scope_bits, 15);
}

static void test_scope_location_uses_database_prefix(void **state)
{
    fixture_t *f = *state;
    geo_map_result_t r;
    geo_location_t loc = place("EU", "GB", "ENG", "London", 24);
    resolve(f->map, "81.2.69.1", &loc, &r);
    assert_int_equal(r.scope_bits, 24);
}

static void test_scope_nets_inside_geo_network_narrows_scope(void **state)
{
    fixture_t *f = *state;
    geo_map_result_t r;
    /* The database network is 192.168.0.0/16, but 192.168.4.0/24 inside
     * it answers differently; .5 and .4 share 23 bits. */
    geo_location_t loc = place("EU", "GB", "", "", 16);
    resolve(f->map, "192.168.5.1", &loc, &r);
    assert_int_equal(r.match, GEO_MATCH_COUNTRY);
    assert_int_equal(r.scope_bits, 24);
    /* Far from the entry, only the bits up to the fork count. */
    resolve(f->map, "192.168.200.1", &loc, &r);
    assert_int_equal(r.scope_bits, 17);
}

static void test_scope_nets_outside_geo_network_ignored(void **state)
{
    fixture_t *f = *state;
    geo_map_result_t r;
    geo_location_t loc = place("EU", "GB", "", "", 24);
    resolve(f->map, "192.168.200.1", &loc, &r);
    assert_int_equal(r.scope_bits, 24);
}

static void test_scope_not_found_uses_empty_network_prefix(void **state)
{
    fixture_t *f = *state;
    geo_map_result_t r;
    geo_location_t loc = {.is_found = false, .prefix_bits = 7};
    resolve(f->map, "8.8.8.8", &loc, &r);
    assert_int_equal(r.match, GEO_MATCH_DEFAULT);
    /* 10.0.0.0/8 shares only 6 bits with 8.8.8.8: it lies outside the
     * empty 8.0.0.0/7, which therefore stays the scope. */
    assert_int_equal(r.scope_bits, 7);
}

static void test_scope_no_location_no_nets_is_zero(void **state)
{
    (void)state;
    conf_map_entry_t countries[] = {{"GB", DCS(dc_lon), POS(5)}};
    conf_map_t cm = {.name = "n", .countries = countries, .country_count = 1, .pos = POS(1)};
    geo_map_t *m = NULL;
    assert_int_equal(geo_map_new(&m, &cm, sites, SITE_COUNT, NULL, NULL), 0);
    geo_map_result_t r;
    resolve(m, "8.8.8.8", NULL, &r);
    assert_int_equal(r.match, GEO_MATCH_DEFAULT);
    assert_int_equal(r.scope_bits, 0);
    resolve(m, "2001:db8::1", NULL, &r);
    assert_int_equal(r.scope_bits, 0);
    geo_map_free(m);
}

static void test_scope_no_location_with_nets_is_fork_depth(void **state)
{
    fixture_t *f = *state;
    geo_map_result_t r;
    /* 2a00:: and 2001:db8::/32 share 4 bits. */
    resolve(f->map, "2a00::1", NULL, &r);
    assert_int_equal(r.match, GEO_MATCH_DEFAULT);
    assert_int_equal(r.scope_bits, 5);
}

static void test_scope_nets_of_other_family_leave_location_scope(void **state)
{
    (void)state;
    /* Nets entries of one family only: clients of the other family (and
     * IPv4-mapped ones, which count as IPv4) get the location's rule and
     * its prefix, clamped to the family's width, as a map without nets. */
    conf_map_entry_t countries[] = {{"GB", DCS(dc_lon), POS(5)}};
    conf_map_net_t only6[] = {net4("2001:db8::", 32, (conf_dc_list_t)DCS(dc_sfo), 3)};
    conf_map_net_t only4[] = {net4("10.0.0.0", 8, (conf_dc_list_t)DCS(dc_nyc), 3)};
    conf_map_t cm6 = {.name = "v6",
                      .nets = only6,
                      .net_count = 1,
                      .countries = countries,
                      .country_count = 1,
                      .pos = POS(1)};
    conf_map_t cm4 = cm6;
    cm4.name = "v4";
    cm4.nets = only4;
    geo_map_t *m6 = NULL, *m4 = NULL;
    assert_int_equal(geo_map_new(&m6, &cm6, sites, SITE_COUNT, NULL, NULL), 0);
    assert_int_equal(geo_map_new(&m4, &cm4, sites, SITE_COUNT, NULL, NULL), 0);
    geo_map_result_t r;

    geo_location_t loc = place("EU", "GB", "ENG", "London", 16);
    resolve(m6, "10.2.3.4", &loc, &r);
    assert_int_equal(r.match, GEO_MATCH_COUNTRY);
    assert_dcs(&r, dc_lon, 1);
    assert_int_equal(r.scope_bits, 16);
    loc.prefix_bits = 40;
    resolve(m6, "10.2.3.4", &loc, &r);
    assert_int_equal(r.scope_bits, 32);
    loc.prefix_bits = 112;
    resolve(m6, "::ffff:10.2.3.4", &loc, &r);
    assert_int_equal(r.match, GEO_MATCH_COUNTRY);
    assert_int_equal(r.scope_bits, 112);
    loc.prefix_bits = 90;
    resolve(m6, "::ffff:10.2.3.4", &loc, &r);
    assert_int_equal(r.scope_bits, 96);
    /* The same clients in the map with the IPv4 entry. */
    loc.prefix_bits = 16;
    resolve(m4, "10.2.3.4", &loc, &r);
    assert_int_equal(r.match, GEO_MATCH_NET);
    assert_int_equal(r.scope_bits, 8);
    loc.prefix_bits = 112;
    resolve(m4, "::ffff:10.2.3.4", &loc, &r);
    assert_int_equal(r.match, GEO_MATCH_NET);
    assert_int_equal(r.scope_bits, 104);

    loc.prefix_bits = 48;
    resolve(m4, "2a00:1450::1", &loc, &r);
    assert_int_equal(r.match, GEO_MATCH_COUNTRY);
    assert_int_equal(r.scope_bits, 48);
    loc.prefix_bits = 129;
    resolve(m4, "2a00:1450::1", &loc, &r);
    assert_int_equal(r.scope_bits, 128);
    resolve(m6, "2001:db8::1", &loc, &r);
    assert_int_equal(r.match, GEO_MATCH_NET);
    assert_int_equal(r.scope_bits, 32);
    geo_map_free(m6);
    geo_map_free(m4);
}

static void test_map_unknown_family_uses_location_only(void **state)
{
    fixture_t *f = *state;
    /* An address of neither family matches no nets and has scope 0; the
     * location still decides. The result starts as garbage, so a field
     * left unset shows. */
    uint8_t addr[16] = {10, 1, 2, 3};
    geo_location_t loc = place("EU", "GB", "ENG", "London", 24);
    geo_map_result_t r;
    memset(&r, 0xA5, sizeof(r));
    geo_map_resolve_rules(f->map, AF_UNSPEC, addr, &loc, &r);
    assert_int_equal(r.match, GEO_MATCH_CITY);
    assert_int_equal(r.scope_bits, 0);
    memset(&r, 0xA5, sizeof(r));
    geo_map_resolve_rules(f->map, AF_UNSPEC, addr, NULL, &r);
    assert_int_equal(r.match, GEO_MATCH_DEFAULT);
    assert_string_equal(r.key, "default");
    assert_int_equal(r.scope_bits, 0);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup_map, teardown_map)
    const struct CMUnitTest tests[] = {
        T(test_map_nets_beats_city),
        T(test_map_nets_longest_prefix_wins),
        T(test_map_nets_ipv6_entry_matches),
        T(test_map_nets_ipv4_mapped_client_matches_ipv4_entry),
        T(test_map_city_with_subdivision_matches),
        T(test_map_city_without_subdivision_key_matches),
        T(test_map_subdivision_matches_when_no_city),
        T(test_map_country_matches_when_no_subdivision),
        T(test_map_continent_matches_when_no_country),
        T(test_map_continent_derived_when_location_lacks_it),
        T(test_map_default_is_all_sites_in_config_order),
        T(test_map_no_location_gives_default),
        cmocka_unit_test(test_map_configured_default_used),
        cmocka_unit_test(test_map_nearest_fallback_orders_by_distance),
        T(test_map_nearest_needs_fallback_enabled),
        T(test_map_keys_case_insensitive),
        cmocka_unit_test(test_map_city_name_with_slash_is_one_name),
        cmocka_unit_test(test_map_duplicate_keys_keep_the_first_silently),
        cmocka_unit_test(test_map_too_long_key_skipped_silently),
        cmocka_unit_test(test_map_unassigned_country_is_accepted_silently),
        cmocka_unit_test(test_map_bad_data_center_lists_reported),
        cmocka_unit_test(test_map_free_null_does_nothing),
        cmocka_unit_test(test_map_match_names),
        T(test_scope_matched_nets_uses_its_prefix),
        T(test_scope_inner_nets_narrows_matched_nets),
        T(test_scope_location_uses_database_prefix),
        T(test_scope_nets_inside_geo_network_narrows_scope),
        T(test_scope_nets_outside_geo_network_ignored),
        T(test_scope_not_found_uses_empty_network_prefix),
        T(test_scope_no_location_no_nets_is_zero),
        T(test_scope_nets_of_other_family_leave_location_scope),
        T(test_map_unknown_family_uses_location_only),
        T(test_scope_no_location_with_nets_is_fork_depth),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
