/* Unit tests for configuration errors: each class of problem, its text and its line:col. */
#include "conf_test.h"

#include <stdlib.h>

static void test_errors_unknown_key_suggests_closest(void **state)
{
    (void)state;
    conf_run_t r = conf_run(CONF_BASE
                            "server:\n"
                            "  lisen: 127.0.0.1\n"
                            "  colour: red\n"
                            "service: {}\n"
                            "  \n");
    assert_conf_error(&r, "t.yaml:6:3: error: unknown key 'lisen' in server "
                          "(did you mean 'listen'?)");
    assert_conf_error(&r, "t.yaml:7:3: error: unknown key 'colour' in server");
    assert_conf_error(&r, "t.yaml:8:1: error: unknown key 'service' in the top level "
                          "(did you mean 'services'?)");
    assert_int_equal(gslb_diag_errors(r.d), 3);
    conf_run_free(&r);
}

static void test_errors_unknown_key_in_datacenter_suggests_transposed(void **state)
{
    (void)state;
    conf_run_t r = conf_run(CONF_BASE "  dc3: {wieght: 5, addresses: [192.0.2.3]}\n");
    assert_conf_error(&r, "t.yaml:5:9: error: unknown key 'wieght' in datacenter 'dc3' "
                          "(did you mean 'weight'?)");
    conf_run_free(&r);
}

static void test_errors_out_of_range_quotes_value_and_range(void **state)
{
    (void)state;
    conf_run_t r = conf_run(CONF_BASE
                            "  dc3: {weight: 0, addresses: [192.0.2.3]}\n"
                            "server: {workers: 300, edns_payload: 100, tcp_idle_timeout_ms: 50}\n");
    assert_conf_error(&r, "t.yaml:5:17: error: datacenter 'dc3': weight must be 1..1000000 "
                          "(got 0)");
    assert_conf_error(&r, "t.yaml:6:19: error: server: workers must be 0..256 (got 300)");
    assert_conf_error(&r, "t.yaml:6:38: error: server: edns_payload must be 512..4096 (got 100)");
    assert_conf_error(&r, "t.yaml:6:64: error: server: tcp_idle_timeout_ms must be 100..600000 "
                          "(got 50)");
    assert_int_equal(gslb_diag_errors(r.d), 4);
    conf_run_free(&r);
}

static void test_errors_location_out_of_range_names_coordinate(void **state)
{
    (void)state;
    conf_run_t r = conf_run(CONF_BASE
                            "  dc3: {location: [91, 0], addresses: [192.0.2.3]}\n"
                            "  dc4: {location: [0, -180.5], addresses: [192.0.2.4]}\n"
                            "  dc5: {location: [1, 2, 3], addresses: [192.0.2.5]}\n");
    assert_conf_error(&r, "t.yaml:5:20: error: datacenter 'dc3': latitude must be -90..90 "
                          "(got 91)");
    assert_conf_error(&r, "t.yaml:6:23: error: datacenter 'dc4': longitude must be -180..180 "
                          "(got -180.5)");
    assert_conf_error(&r, "t.yaml:7:9: error: datacenter 'dc5': location must be "
                          "[latitude, longitude] (got a list of 3)");
    conf_run_free(&r);
}

static void test_errors_wrong_type_names_expected_type(void **state)
{
    (void)state;
    conf_run_t r = conf_run(CONF_BASE
                            "server:\n"
                            "  workers: many\n"
                            "  listen: {a: 1}\n"
                            "  nsid: [x]\n"
                            "maps: [1, 2]\n"
                            "services:\n"
                            "  www.example.com: {policy: failover, ttl: 1.5}\n");
    assert_conf_error(&r, "t.yaml:6:12: error: server: workers must be an integer (got 'many')");
    assert_conf_error(&r, "t.yaml:7:3: error: server: listen must be an address or a list of "
                          "addresses (got a mapping)");
    assert_conf_error(&r, "t.yaml:8:3: error: server: nsid must be a string (got a list)");
    assert_conf_error(&r, "t.yaml:9:1: error: maps must be a mapping (got a list)");
    assert_conf_error(&r, "t.yaml:11:44: error: service 'www.example.com.': ttl must be an "
                          "integer (got '1.5')");
    conf_run_free(&r);
}

static void test_errors_bool_and_log_level_list_allowed_values(void **state)
{
    (void)state;
    conf_run_t r = conf_run(CONF_BASE
                            "server: {log_level: loud}\n"
                            "maps: {m: {default: [dc1], nearest_fallback: yes}}\n");
    assert_conf_error(&r, "t.yaml:5:21: error: server: log_level must be error, warning, info "
                          "or debug (got 'loud')");
    assert_conf_error(&r, "t.yaml:6:46: error: map 'm': nearest_fallback must be true or false "
                          "(got 'yes')");
    conf_run_free(&r);
}

static void test_errors_invalid_addresses_and_listen_strings(void **state)
{
    (void)state;
    conf_run_t r = conf_run(CONF_BASE
                            "  dc3: {addresses: [192.0.2.300, {address: 2001:db8::1, weight: 0}]}\n"
                            "server:\n"
                            "  listen:\n"
                            "    - 127.0.0.1:99999\n"
                            "    - example.com:53\n"
                            "    - \"[::1\"\n"
                            "    - 127.0.0.1:53\n"
                            "    - 127.0.0.1\n");
    assert_conf_error(&r, "t.yaml:5:21: error: datacenter 'dc3': '192.0.2.300' is not an IPv4 "
                          "or IPv6 address");
    assert_conf_error(&r, "t.yaml:5:65: error: datacenter 'dc3': address weight must be "
                          "1..1000000 (got 0)");
    assert_conf_error(&r, "t.yaml:8:7: error: server: listen '127.0.0.1:99999': port must be "
                          "1..65535");
    assert_conf_error(&r, "t.yaml:9:7: error: server: listen 'example.com:53': not an IP "
                          "address (host names are not resolved)");
    assert_conf_error(&r, "t.yaml:10:7: error: server: listen '[::1': missing ']' after an IPv6 "
                          "address");
    assert_conf_error(&r, "t.yaml:12:7: error: server: listen '127.0.0.1' is given twice "
                          "(first at line 11)");
    assert_int_equal(gslb_diag_errors(r.d), 6);
    conf_run_free(&r);
}

static void test_errors_cidr_syntax_and_host_bits(void **state)
{
    (void)state;
    conf_run_t r = conf_run(CONF_BASE
                            "maps:\n"
                            "  m:\n"
                            "    nets:\n"
                            "      10.0.0.0/33: [dc1]\n"
                            "      10.1.2.3/8: [dc1]\n"
                            "      2001:db8::1/32: [dc2]\n"
                            "      192.0.2.0: [dc1]\n");
    assert_conf_error(&r, "t.yaml:8:7: error: map 'm': nets: '10.0.0.0/33' is not a network in "
                          "ADDRESS/PREFIX form");
    assert_conf_error(&r, "t.yaml:9:7: error: map 'm': nets: '10.1.2.3/8' has host bits set "
                          "(did you mean '10.0.0.0/8'?)");
    assert_conf_error(&r, "t.yaml:10:7: error: map 'm': nets: '2001:db8::1/32' has host bits set "
                          "(did you mean '2001:db8::/32'?)");
    assert_conf_error(&r, "t.yaml:11:7: error: map 'm': nets: '192.0.2.0' is not a network in "
                          "ADDRESS/PREFIX form");
    conf_run_free(&r);
}

static void test_errors_invalid_dns_names(void **state)
{
    (void)state;
    char long_label[64];
    memset(long_label, 'a', 63);
    long_label[63] = '\0';
    char *yaml = xasprintf(CONF_BASE
                           "  dc3: {cname: \"a b.example.net\"}\n"
                           "services:\n"
                           "  bad..example.com: {policy: failover}\n"
                           "  x%s.example.com: {policy: failover}\n"
                           "  %s.%s.%s.%s.com: {policy: failover}\n"
                           "  .: {policy: failover}\n",
                           long_label, long_label, long_label, long_label, long_label);
    conf_run_t r = conf_run(yaml);
    free(yaml);
    assert_conf_error(&r, "t.yaml:5:16: error: datacenter 'dc3': cname 'a b.example.net' is not a "
                          "valid DNS name (only letters, digits, '-' and '_' are allowed in "
                          "labels)");
    assert_conf_error(&r, "t.yaml:7:3: error: service 'bad..example.com': not a valid DNS name "
                          "(empty label)");
    /* Long values are cut to 64 characters in messages. */
    char *want = xasprintf("t.yaml:8:3: error: service 'x%s...': not a valid DNS name (label "
                           "longer than 63 octets)",
                           long_label);
    assert_conf_error(&r, want);
    free(want);
    want = xasprintf("t.yaml:9:3: error: service '%s....': not a valid DNS name (name longer "
                     "than 255 octets)",
                     long_label);
    assert_conf_error(&r, want);
    free(want);
    assert_conf_error(&r, "t.yaml:10:3: error: service '.': not a valid DNS name (the root name "
                          "is not allowed here)");
    conf_run_free(&r);
}

static void test_errors_duplicate_names_report_first_line(void **state)
{
    (void)state;
    conf_run_t r = conf_run(CONF_BASE
                            "  dc1: {addresses: [192.0.2.9]}\n"
                            "server:\n"
                            "  workers: 1\n"
                            "  workers: 2\n"
                            "maps:\n"
                            "  m: {default: [dc1]}\n"
                            "  m: {default: [dc2]}\n"
                            "services:\n"
                            "  www.example.com: {policy: failover}\n"
                            "  WWW.example.com.: {policy: failover}\n"
                            "  x.example.com: {policy: failover, ttl: 0}\n");
    assert_conf_error(&r, "t.yaml:5:3: error: duplicate datacenter 'dc1' (first at line 3)");
    assert_conf_error(&r, "t.yaml:8:3: error: duplicate key 'workers' in server "
                          "(first at line 7)");
    assert_conf_error(&r, "t.yaml:11:3: error: duplicate map 'm' (first at line 10)");
    assert_conf_error(&r, "t.yaml:14:3: error: duplicate service 'WWW.example.com.' "
                          "(first at line 13)");
    /* Checking goes on after duplicates. */
    assert_conf_error(&r, "t.yaml:15:42: error: service 'x.example.com.': ttl must be "
                          "1..86400 (got 0)");
    assert_int_equal(gslb_diag_errors(r.d), 5);
    conf_run_free(&r);
}

static void test_errors_duplicates_with_aliases_report_only_duplicates(void **state)
{
    (void)state;
    /* Aliases cannot be resolved with duplicates present, so the weight
     * error cannot be seen in this run; every duplicate still is. */
    conf_run_t r = conf_run(CONF_BASE
                            "  dc3: &s {weight: 0, addresses: [192.0.2.3]}\n"
                            "  dc4: *s\n"
                            "  dc4: *s\n"
                            "maps: {m: {}, m: {}}\n");
    assert_conf_error(&r, "t.yaml:7:3: error: duplicate datacenter 'dc4' (first at line 6)");
    assert_conf_error(&r, "t.yaml:8:15: error: duplicate map 'm' (first at line 8)");
    assert_int_equal(gslb_diag_errors(r.d), 2);
    conf_run_free(&r);
}

static void test_errors_duplicates_inside_lists_and_maps(void **state)
{
    (void)state;
    conf_run_t r = conf_run(CONF_BASE
                            "  dc3: {addresses: [192.0.2.3, \"192.0.2.3\"]}\n"
                            "maps:\n"
                            "  m:\n"
                            "    countries: {GB: [dc1], gb: [dc2]}\n"
                            "    default: [dc1, dc2, dc1]\n");
    assert_conf_error(&r, "t.yaml:5:32: error: datacenter 'dc3': address 192.0.2.3 is listed "
                          "twice (first at line 5)");
    assert_conf_error(&r, "t.yaml:8:28: error: map 'm': countries: 'gb' is listed twice "
                          "(first at line 8)");
    assert_conf_error(&r, "t.yaml:9:25: error: map 'm': default: datacenter 'dc1' is listed "
                          "twice");
    conf_run_free(&r);
}

static void test_errors_unknown_references_suggest_names(void **state)
{
    (void)state;
    conf_run_t r = conf_run(CONF_BASE
                            "maps:\n"
                            "  world: {countries: {GB: [dc3]}, default: [dc1]}\n"
                            "services:\n"
                            "  www.gslb.example.com.: {map: wrld}\n"
                            "  api.gslb.example.com.: {policy: failover, datacenters: [dc1, "
                            "nowhere]}\n");
    assert_conf_error(&r, "t.yaml:6:28: error: map 'world': countries 'GB': unknown datacenter "
                          "'dc3' (did you mean 'dc1'?)");
    assert_conf_error(&r, "t.yaml:8:32: error: service 'www.gslb.example.com.': unknown map "
                          "'wrld' (did you mean 'world'?)");
    assert_conf_error(&r, "t.yaml:9:64: error: service 'api.gslb.example.com.': datacenters: "
                          "unknown datacenter 'nowhere'");
    assert_int_equal(gslb_diag_errors(r.d), 3);
    conf_run_free(&r);
}

static void test_errors_datacenter_needs_exactly_one_of_addresses_and_cname(void **state)
{
    (void)state;
    conf_run_t r = conf_run(CONF_BASE
                            "  dc3: {cname: x.example.net, addresses: [192.0.2.3]}\n"
                            "  dc4: {weight: 5}\n"
                            "  dc5: {addresses: []}\n"
                            "  dc6:\n");
    assert_conf_error(&r, "t.yaml:5:16: error: datacenter 'dc3': give either addresses or cname, "
                          "not both");
    assert_conf_error(&r, "t.yaml:6:3: error: datacenter 'dc4': needs addresses or a cname");
    assert_conf_error(&r, "t.yaml:7:9: error: datacenter 'dc5': addresses must not be empty");
    assert_conf_error(&r, "t.yaml:8:3: error: datacenter 'dc6' must be a mapping (got null)");
    assert_int_equal(gslb_diag_errors(r.d), 4);
    conf_run_free(&r);
}

static void test_errors_map_entries_with_empty_lists(void **state)
{
    (void)state;
    conf_run_t r = conf_run(CONF_BASE
                            "maps:\n"
                            "  m:\n"
                            "    countries: {GB: []}\n"
                            "    nets: {\"10.0.0.0/8\": []}\n"
                            "    continents:\n"
                            "      EU:\n"
                            "    subdivisions: {US: [dc1]}\n");
    assert_conf_error(&r, "t.yaml:7:17: error: map 'm': countries 'GB' must list at least one "
                          "datacenter");
    assert_conf_error(&r, "t.yaml:8:12: error: map 'm': nets '10.0.0.0/8' must list at least "
                          "one datacenter");
    assert_conf_error(&r, "t.yaml:10:7: error: map 'm': continents 'EU' must list at least one "
                          "datacenter");
    assert_conf_error(&r, "t.yaml:11:20: error: map 'm': subdivisions: 'US' must be "
                          "'COUNTRY/SUBDIVISION' like 'US/CA'");
    assert_int_equal(gslb_diag_errors(r.d), 4);
    conf_run_free(&r);
}

/* conf is the only validator of map keys: geo builds from what passed. */
static void test_errors_map_keys_with_bad_codes_are_errors(void **state)
{
    (void)state;
    conf_run_t r = conf_run(CONF_BASE
                            "maps:\n"
                            "  m:\n"
                            "    continents: {xx: [dc1], eu: [dc2]}\n"
                            "    countries: {GBR: [dc1]}\n"
                            "    subdivisions: {US/CALI: [dc1]}\n"
                            "    cities: {G1/London: [dc1]}\n");
    assert_conf_error(&r, "t.yaml:7:18: error: map 'm': continent key must be one of "
                          "AF AN AS EU NA OC SA (got 'XX')");
    assert_conf_error(&r, "t.yaml:8:17: error: map 'm': country key must be a two-letter "
                          "ISO 3166-1 code, e.g. GB (got 'GBR')");
    assert_conf_error(&r, "t.yaml:9:20: error: map 'm': subdivision key must be COUNTRY/CODE "
                          "with a 1 to 3 character ISO 3166-2 code, e.g. US/CA or GB/ENG "
                          "(got 'US/CALI')");
    assert_conf_error(&r, "t.yaml:10:14: error: map 'm': city key must be COUNTRY/City or "
                          "COUNTRY/SUBDIVISION/City with a name of 1 to 63 bytes, e.g. "
                          "GB/London or US/CA/San Francisco (got 'G1/London')");
    assert_int_equal(gslb_diag_errors(r.d), 4);
    conf_run_free(&r);
}

/* City keys of the wrong shape, a name too long for geo/ to match and keys
 * equal but for case: conf is the only one to report them. */
#define X16 "xxxxxxxxxxxxxxxx"
static void test_errors_map_city_keys_bad_shape_long_name_or_twice(void **state)
{
    (void)state;
    conf_run_t r = conf_run(CONF_BASE
                            "maps:\n"
                            "  m:\n"
                            "    cities:\n"
                            "      London: [dc1]\n"
                            "      \"GB/\": [dc1]\n"
                            "      GB/" X16 X16 X16 X16 ": [dc1]\n"
                            "      GB/London: [dc1]\n"
                            "      gb/LONDON: [dc2]\n");
    assert_conf_error(&r, "t.yaml:8:7: error: map 'm': cities: 'London' must be 'COUNTRY/CITY' "
                          "or 'COUNTRY/SUBDIVISION/CITY'");
    assert_conf_error(&r, "t.yaml:9:7: error: map 'm': cities: 'GB/' must be 'COUNTRY/CITY' "
                          "or 'COUNTRY/SUBDIVISION/CITY'");
    assert_conf_error(&r, "t.yaml:10:7: error: map 'm': city key must be COUNTRY/City or "
                          "COUNTRY/SUBDIVISION/City with a name of 1 to 63 bytes, e.g. "
                          "GB/London or US/CA/San Francisco (got 'GB/" X16 X16 X16 X16 "')");
    assert_conf_error(&r, "t.yaml:12:7: error: map 'm': cities: 'gb/LONDON' is listed twice "
                          "(first at line 11)");
    assert_int_equal(gslb_diag_errors(r.d), 4);
    conf_run_free(&r);
}
#undef X16

/* The same network written two ways is one network. */
static void test_errors_map_nets_listed_twice(void **state)
{
    (void)state;
    conf_run_t r = conf_run(CONF_BASE
                            "maps:\n"
                            "  m:\n"
                            "    nets:\n"
                            "      2001:db8::/32: [dc1]\n"
                            "      2001:DB8:0::/32: [dc2]\n");
    assert_conf_error(&r, "t.yaml:9:7: error: map 'm': nets: '2001:DB8:0::/32' is listed twice "
                          "(first at line 8)");
    assert_int_equal(gslb_diag_errors(r.d), 1);
    conf_run_free(&r);
}

static void test_errors_map_key_unassigned_country_is_a_warning(void **state)
{
    (void)state;
    conf_run_t r = conf_run(CONF_BASE
                            "maps:\n"
                            "  m:\n"
                            "    countries: {uk: [dc1]}\n"
                            "    cities: {\"CH/Biel/Bienne\": [dc2]}\n");
    assert_int_equal(r.rc, 0);
    assert_int_equal(gslb_diag_errors(r.d), 0);
    assert_int_equal(gslb_diag_count(r.d), 1);
    assert_string_equal(gslb_diag_message(r.d, 0),
                        "t.yaml:7:17: warning: map 'm': 'UK': 'UK' is not an ISO 3166-1 "
                        "country code (the United Kingdom is GB)");
    conf_run_free(&r);
}

static void test_errors_several_errors_reported_in_file_order(void **state)
{
    (void)state;
    conf_run_t r = conf_run("services:\n"
                            "  www.example.com: {policy: failover, ttl: 0}\n"
                            "maps:\n"
                            "  m: {default: [nope]}\n"
                            "zones: [a.zone]\n"
                            "datacenters:\n"
                            "  dc1: {weight: -1, addresses: [192.0.2.1]}\n");
    assert_int_equal(r.rc, -GSLB_ECONF);
    assert_int_equal(gslb_diag_count(r.d), 3);
    assert_string_equal(gslb_diag_message(r.d, 0), "t.yaml:2:44: error: service "
                                                   "'www.example.com.': ttl must be 1..86400 "
                                                   "(got 0)");
    assert_string_equal(gslb_diag_message(r.d, 1), "t.yaml:4:17: error: map 'm': default: "
                                                   "unknown datacenter 'nope'");
    assert_string_equal(gslb_diag_message(r.d, 2), "t.yaml:7:17: error: datacenter 'dc1': "
                                                   "weight must be 1..1000000 (got -1)");
    conf_run_free(&r);
}

static void test_errors_policy_and_map_must_agree(void **state)
{
    (void)state;
    conf_run_t r = conf_run(CONF_BASE
                            "maps: {m: {default: [dc1]}}\n"
                            "services:\n"
                            "  a.example.com: {policy: map}\n"
                            "  b.example.com: {policy: weighted, map: m}\n"
                            "  c.example.com: {policy: nerest}\n");
    assert_conf_error(&r, "t.yaml:7:27: error: service 'a.example.com.': policy map needs a map");
    assert_conf_error(&r, "t.yaml:8:42: error: service 'b.example.com.': map is only used with "
                          "policy map or latency (policy is 'weighted')");
    assert_conf_error(&r, "t.yaml:9:27: error: service 'c.example.com.': policy must be map, "
                          "nearest, weighted, failover, hashed or latency (got 'nerest') (did you mean "
                          "'nearest'?)");
    assert_int_equal(gslb_diag_errors(r.d), 3);
    conf_run_free(&r);
}

static void test_errors_nearest_needs_locations(void **state)
{
    (void)state;
    conf_run_t r = conf_run("zones: [a.zone]\n"
                            "geoip: {database: g.mmdb}\n"
                            "datacenters:\n"
                            "  dc1: {location: [1, 2], addresses: [192.0.2.1]}\n"
                            "  dc2: {addresses: [192.0.2.2]}\n"
                            "maps: {m: {default: [dc1], nearest_fallback: true}}\n"
                            "services:\n"
                            "  a.example.com:\n"
                            "  b.example.com: {map: m, datacenters: [dc2]}\n"
                            "  c.example.com: {policy: nearest, datacenters: [dc1]}\n");
    assert_conf_error(&r, "t.yaml:8:3: error: service 'a.example.com.': policy nearest needs a "
                          "location for datacenter 'dc2'");
    assert_conf_error(&r, "t.yaml:9:3: error: service 'b.example.com.': nearest_fallback of its "
                          "map needs a location for datacenter 'dc2'");
    assert_int_equal(gslb_diag_errors(r.d), 2);
    conf_run_free(&r);
}

static void test_errors_nearest_without_geoip_is_a_warning(void **state)
{
    (void)state;
    conf_run_t r = conf_run(CONF_BASE "services:\n  a.example.com:\n");
    assert_int_equal(r.rc, 0);
    assert_non_null(r.c);
    assert_int_equal(gslb_diag_errors(r.d), 0);
    assert_int_equal(gslb_diag_count(r.d), 1);
    assert_string_equal(gslb_diag_message(r.d, 0),
                        "t.yaml:6:3: warning: service 'a.example.com.': policy nearest locates "
                        "clients, but there is no geoip database");
    conf_run_free(&r);
}

static void test_errors_missing_sections_and_wrong_top_level(void **state)
{
    (void)state;
    conf_run_t r = conf_run("server: {workers: 1}\n");
    assert_conf_error(&r, "t.yaml:1:1: error: missing required key 'zones'");
    assert_conf_error(&r, "t.yaml:1:1: error: missing required key 'datacenters'");
    conf_run_free(&r);

    r = conf_run("- a\n- b\n");
    assert_conf_error(&r, "t.yaml:1:3: error: the top level must be a mapping (got a list)");
    conf_run_free(&r);

    r = conf_run("zones: []\ndatacenters: {}\n");
    assert_conf_error(&r, "t.yaml:1:1: error: zones must list at least one zone file");
    assert_conf_error(&r, "t.yaml:2:1: error: datacenters must define at least one data center");
    conf_run_free(&r);
}

static void test_errors_zone_entries(void **state)
{
    (void)state;
    conf_run_t r = conf_run("zones:\n"
                            "  - {origin: example.com}\n"
                            "  - {file: b.zone, origin: \"bad name.\"}\n"
                            "  - b.zone\n"
                            "  - [x]\n"
                            "datacenters: {dc1: {addresses: [192.0.2.1]}}\n");
    assert_conf_error(&r, "t.yaml:2:6: error: zone: missing required key 'file'");
    assert_conf_error(&r, "t.yaml:3:28: error: zone: origin 'bad name.' is not a valid DNS name "
                          "(only letters, digits, '-' and '_' are allowed in labels)");
    assert_conf_error(&r, "t.yaml:4:5: error: zone file 'b.zone' is listed twice "
                          "(first at line 3)");
    assert_conf_error(&r, "t.yaml:5:6: error: zones: each entry must be a file name or a mapping "
                          "(got a list)");
    assert_int_equal(gslb_diag_errors(r.d), 4);
    conf_run_free(&r);
}

static void test_errors_geoip_fields(void **state)
{
    (void)state;
    conf_run_t r = conf_run(CONF_BASE
                            "geoip:\n"
                            "  fields:\n"
                            "    city: a//b\n"
                            "    country: []\n"
                            "    continent: \"\"\n"
                            "    lattitude: x\n");
    assert_conf_error(&r, "t.yaml:5:1: error: geoip: missing required key 'database'");
    assert_conf_error(&r, "t.yaml:7:11: error: geoip: fields: city must be a path like 'a/b/0/c' "
                          "with 1..16 non-empty parts (got 'a//b')");
    assert_conf_error(&r, "t.yaml:8:5: error: geoip: fields: country must list 1..16 keys "
                          "(got 0; use null for none)");
    assert_conf_error(&r, "t.yaml:10:5: error: unknown key 'lattitude' in geoip: fields "
                          "(did you mean 'latitude'?)");
    assert_int_equal(gslb_diag_errors(r.d), 4);
    conf_run_free(&r);
}

static void test_errors_second_document_and_complex_key(void **state)
{
    (void)state;
    conf_run_t r = conf_run(CONF_BASE "---\nzones: [b.zone]\n");
    assert_conf_error(&r, "t.yaml:6:1: error: only one YAML document is allowed");
    conf_run_free(&r);

    r = conf_run(CONF_BASE "? [a]\n: 1\n");
    assert_conf_error(&r, "t.yaml:5:4: error: keys in the top level must be strings");
    conf_run_free(&r);
}

static void test_errors_yaml_error_inside_alias_has_position(void **state)
{
    (void)state;
    conf_run_t r = conf_run(CONF_BASE "server: *nothing\n");
    assert_conf_error(&r, "t.yaml:5:10: error: invalid alias");
    conf_run_free(&r);
}

/* A zone's dnssec: mapping: roles, times, validity and refresh bounds, and the signature
 * cache's size, each at its position. */
static void test_errors_dnssec_keys_and_times(void **state)
{
    (void)state;
    conf_run_t r = conf_run("datacenters:\n"
                            "  dc1: {addresses: [192.0.2.1]}\n"
                            "server: {signature_cache: 10}\n"
                            "zones:\n"
                            "  - file: z.zone\n"
                            "    dnssec:\n"
                            "      signature_validity_s: 600\n"
                            "      keys:\n"
                            "        - {file: Ka, role: kzk, activate: yesterday}\n"
                            "        - {file: Kb, activate: 2000, inactive: 1000}\n"
                            "        - {role: zsk}\n"
                            "  - file: y.zone\n"
                            "    dnssec: {keys: []}\n");
    assert_conf_error(&r, "t.yaml:3:27: error: server: signature_cache must be 64..16777216 "
                          "(got 10)");
    assert_conf_error(&r, "t.yaml:7:29: error: dnssec: signature_validity_s must be "
                          "7200..7776000 (got 600)");
    assert_conf_error(&r, "t.yaml:9:28: error: dnssec key: role must be csk, ksk or zsk "
                          "(got 'kzk')");
    assert_conf_error(&r, "t.yaml:9:43: error: dnssec key: activate must be Unix seconds, "
                          "YYYY-MM-DDTHH:MM:SSZ or YYYYMMDDHHMMSS (got 'yesterday')");
    assert_conf_error(&r, "t.yaml:10:12: error: dnssec key: inactive must come after activate");
    assert_conf_error(&r, "t.yaml:11:12: error: dnssec key: missing required key 'file'");
    assert_conf_error(&r, "t.yaml:13:14: error: dnssec: keys must list at least one key");
    assert_int_equal(gslb_diag_errors(r.d), 7);
    conf_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_errors_unknown_key_suggests_closest),
        cmocka_unit_test(test_errors_unknown_key_in_datacenter_suggests_transposed),
        cmocka_unit_test(test_errors_out_of_range_quotes_value_and_range),
        cmocka_unit_test(test_errors_location_out_of_range_names_coordinate),
        cmocka_unit_test(test_errors_wrong_type_names_expected_type),
        cmocka_unit_test(test_errors_bool_and_log_level_list_allowed_values),
        cmocka_unit_test(test_errors_invalid_addresses_and_listen_strings),
        cmocka_unit_test(test_errors_cidr_syntax_and_host_bits),
        cmocka_unit_test(test_errors_invalid_dns_names),
        cmocka_unit_test(test_errors_duplicate_names_report_first_line),
        cmocka_unit_test(test_errors_duplicates_with_aliases_report_only_duplicates),
        cmocka_unit_test(test_errors_duplicates_inside_lists_and_maps),
        cmocka_unit_test(test_errors_unknown_references_suggest_names),
        cmocka_unit_test(test_errors_datacenter_needs_exactly_one_of_addresses_and_cname),
        cmocka_unit_test(test_errors_map_entries_with_empty_lists),
        cmocka_unit_test(test_errors_map_keys_with_bad_codes_are_errors),
        cmocka_unit_test(test_errors_map_city_keys_bad_shape_long_name_or_twice),
        cmocka_unit_test(test_errors_map_nets_listed_twice),
        cmocka_unit_test(test_errors_map_key_unassigned_country_is_a_warning),
        cmocka_unit_test(test_errors_several_errors_reported_in_file_order),
        cmocka_unit_test(test_errors_policy_and_map_must_agree),
        cmocka_unit_test(test_errors_nearest_needs_locations),
        cmocka_unit_test(test_errors_nearest_without_geoip_is_a_warning),
        cmocka_unit_test(test_errors_missing_sections_and_wrong_top_level),
        cmocka_unit_test(test_errors_zone_entries),
        cmocka_unit_test(test_errors_geoip_fields),
        cmocka_unit_test(test_errors_second_document_and_complex_key),
        cmocka_unit_test(test_errors_yaml_error_inside_alias_has_position),
        cmocka_unit_test(test_errors_dnssec_keys_and_times),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
