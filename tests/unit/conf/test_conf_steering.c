/* conf unit tests for dynamic steering: capacity, a data center's load: section, steering:,
 * latency_tables: and the services' steering keys; defaults, and every error at its position. */
#include "conf_test.h"

static void test_defaults(void **state)
{
    (void)state;
    conf_run_t r = conf_run_ok("zones: [a.zone]\n"
                               "latency_tables: {rtt: {file: rtt.csv}}\n"
                               "datacenters:\n"
                               "  dc1: {location: [1, 2], addresses: [192.0.2.1], capacity: 400,\n"
                               "        load: {feed: control}}\n"
                               "  dc2: {location: [3, 4], addresses: [192.0.2.2], weight: 7,\n"
                               "        load: {feed: file, file: /run/load, unit: absolute}}\n"
                               "  dc3: {location: [5, 6], addresses: [192.0.2.3]}\n"
                               "services:\n"
                               "  a.example.com: {policy: hashed}\n"
                               "  b.example.com: {policy: latency, latency: rtt, map: m}\n"
                               "maps: {m: {default: [dc1, dc2]}}\n");
    const conf_t *c = r.c;
    assert_int_equal(c->datacenters[0].weight, 400);
    assert_int_equal(c->datacenters[1].weight, 7);
    assert_int_equal(c->datacenters[2].weight, CONF_DEFAULT_WEIGHT);
    const steer_def_t *d = &c->datacenters[0].load;
    assert_int_equal(d->feed, STEER_FEED_CONTROL);
    assert_int_equal(d->unit, STEER_UNIT_UTILISATION);
    assert_int_equal(d->aggregate, STEER_AGG_MEAN);
    assert_float_equal(d->target, 0.8, 1e-12);
    assert_float_equal(d->shed_above, 0.85, 1e-12);
    assert_float_equal(d->restore_below, 0.75, 1e-12);
    assert_float_equal(d->max_step, 0.25, 1e-12);
    assert_int_equal(d->max_age_ms, 30000);
    d = &c->datacenters[1].load;
    assert_int_equal(d->feed, STEER_FEED_FILE);
    assert_int_equal(d->aggregate, STEER_AGG_SUM); /* absolute figures add up */
    assert_string_equal(d->file_path, "/run/load");
    assert_string_equal(d->file_key, "dc2"); /* the key defaults to the name */
    assert_int_equal(c->datacenters[2].load.feed, STEER_FEED_NONE);
    assert_int_equal(c->steering.interval_ms, 1000);
    assert_true(c->steering.hash_seed == 0);
    assert_null(c->steering.prometheus.url);
    const conf_service_t *s = &c->services[0];
    assert_int_equal(s->policy, CONF_POLICY_HASHED);
    assert_int_equal(s->failover, CONF_FAILOVER_SPREAD);
    assert_int_equal(s->hash_prefix_v4, 24);
    assert_int_equal(s->hash_prefix_v6, 56);
    assert_false(s->is_rotated);
    s = &c->services[1];
    assert_int_equal(s->policy, CONF_POLICY_LATENCY);
    assert_int_equal(s->latency, 0);
    assert_float_equal(s->latency_tolerance_ms, 5.0, 1e-12);
    assert_int_equal(c->latency_tables[0].max_age_s, 0);
    conf_run_free(&r);
}

/* The thresholds at their limits: accepted exactly there. */
static void test_threshold_limits(void **state)
{
    (void)state;
    conf_run_t r = conf_run_ok(
        "zones: [a.zone]\n"
        "steering: {interval_ms: 100, hash_seed: 7, prometheus: {url: 'http://127.0.0.1:9090',\n"
        "           interval_ms: 1000, timeout_ms: 999}}\n"
        "datacenters:\n"
        "  dc1: {addresses: [192.0.2.1], load: {feed: control, target: 0.9, shed_above: 0.9,\n"
        "        restore_below: 0.9, max_step: 1, max_age_ms: 100}}\n"
        "  dc2: {addresses: [192.0.2.2], load: {feed: prometheus, query: 'up', target: 1,\n"
        "        restore_below: 0}}\n"
        "services:\n"
        "  a.example.com: {policy: failover, failover: ordered, hash_prefix_v4: 32,\n"
        "                  hash_prefix_v6: 0, rotate: true}\n");
    const steer_def_t *d = &r.c->datacenters[0].load;
    assert_float_equal(d->shed_above, 0.9, 1e-12);
    assert_float_equal(d->restore_below, 0.9, 1e-12);
    d = &r.c->datacenters[1].load;
    assert_float_equal(d->shed_above, 1.0, 1e-12); /* target + 0.05, at most 1 */
    assert_float_equal(d->restore_below, 0.0, 1e-12);
    assert_int_equal(r.c->services[0].failover, CONF_FAILOVER_ORDERED);
    assert_int_equal(r.c->services[0].hash_prefix_v4, 32);
    assert_true(r.c->services[0].is_rotated);
    assert_true(r.c->steering.hash_seed == 7);
    assert_int_equal(r.c->steering.prometheus.timeout_ms, 999);
    conf_run_free(&r);
}

static void test_errors_load_section(void **state)
{
    (void)state;
    conf_run_t r = conf_run(
        "zones: [a.zone]\n"
        "probes:\n"
        "  tcp1: {type: tcp, port: 80}\n"
        "datacenters:\n"
        "  dc1: {addresses: [192.0.2.1], capacity: 10, weight: 20, load: {feed: prob}}\n"
        "  dc2: {addresses: [192.0.2.2], load: {target: 0.5}}\n"
        "  dc3: {addresses: [192.0.2.3], load: {feed: file, key: x2, target: 0, query: up}}\n"
        "  dc4: {addresses: [192.0.2.4], probe: tcp1, load: {feed: probe, target: 0.7,\n"
        "        shed_above: 0.69, restore_below: 0.71, max_step: 1.01}}\n"
        "  dc5: {addresses: [192.0.2.5], load: {feed: prometheus, aggregate: sum, unit: bytes}}\n");
    assert_conf_error(&r, "t.yaml:5:55: error: datacenter 'dc1': weight is another name for "
                          "capacity: give one of them");
    assert_conf_error(&r, "t.yaml:5:72: error: datacenter 'dc1': load: feed must be probe, file, "
                          "control or prometheus (got 'prob') (did you mean 'probe'?)");
    assert_conf_error(&r, "t.yaml:6:33: error: datacenter 'dc2': load needs a feed (probe, file, "
                          "control or prometheus)");
    assert_conf_error(&r, "t.yaml:7:33: error: datacenter 'dc3': load: feed file needs a file");
    assert_conf_error(&r, "t.yaml:7:69: error: datacenter 'dc3': load: target must be 0.01..1 "
                          "(got 0)");
    assert_conf_error(&r, "t.yaml:7:79: error: datacenter 'dc3': load: query is only used with "
                          "feed prometheus (feed is file)");
    assert_conf_error(&r, "t.yaml:8:46: error: datacenter 'dc4': load: feed probe needs an http "
                          "or https probe with a load: setting on its addresses");
    assert_conf_error(&r, "t.yaml:9:21: error: datacenter 'dc4': load: shed_above (0.69) must be "
                          "at least target (0.7)");
    assert_conf_error(&r, "t.yaml:9:42: error: datacenter 'dc4': load: restore_below (0.71) must "
                          "be at most target (0.7)");
    assert_conf_error(&r, "t.yaml:9:58: error: datacenter 'dc4': load: max_step must be 0.01..1 "
                          "(got 1.01)");
    assert_conf_error(&r, "t.yaml:10:33: error: datacenter 'dc5': load: feed prometheus needs a "
                          "query");
    assert_conf_error(&r, "t.yaml:10:69: error: datacenter 'dc5': load: aggregate is only used "
                          "with feed probe (feed is prometheus)");
    assert_conf_error(&r, "t.yaml:10:80: error: datacenter 'dc5': load: unit must be utilisation "
                          "or absolute (got 'bytes')");
    assert_conf_error(&r, "t.yaml:10:33: error: datacenter 'dc5': load: feed prometheus needs "
                          "steering: prometheus: url");
    assert_int_equal(gslb_diag_errors(r.d), 14);
    conf_run_free(&r);
}

static void test_errors_steering_and_tables(void **state)
{
    (void)state;
    conf_run_t r = conf_run(
        "zones: [a.zone]\n"
        "steering: {interval_ms: 99, hash_seed: -1, prometheus: {url: 'https://x',\n"
        "           interval_ms: 1000, timeout_ms: 1000}}\n"
        "latency_tables:\n"
        "  rtt: {max_age_s: -5}\n"
        "datacenters:\n"
        "  dc1: {location: [1, 2], addresses: [192.0.2.1]}\n");
    assert_conf_error(&r, "t.yaml:2:25: error: steering: interval_ms must be 100..60000 (got 99)");
    assert_conf_error(&r, "t.yaml:2:40: error: steering: hash_seed must be 0..9223372036854775807 "
                          "(got -1)");
    assert_conf_error(&r, "t.yaml:2:62: error: steering: prometheus: url must start with http:// "
                          "(got 'https://x')");
    assert_conf_error(&r, "t.yaml:3:43: error: steering: prometheus: timeout_ms must be below "
                          "interval_ms (1000 ms) (got 1000)");
    assert_conf_error(&r, "t.yaml:5:3: error: latency table 'rtt' needs a file");
    assert_conf_error(&r, "t.yaml:5:20: error: latency table 'rtt': max_age_s must be "
                          "0..31622400 (got -5)");
    assert_int_equal(gslb_diag_errors(r.d), 6);
    conf_run_free(&r);
}

static void test_errors_service_keys(void **state)
{
    (void)state;
    conf_run_t r = conf_run(
        CONF_BASE
        "latency_tables: {rtt: {file: rtt.csv}}\n"
        "services:\n"
        "  a.example.com: {policy: failover, failover: sideways, hash_prefix_v4: 33,\n"
        "                  hash_prefix_v6: 129, rotate: 3}\n"
        "  b.example.com: {policy: failover, latency: rtt, latency_tolerance_ms: 3}\n"
        "  c.example.com: {policy: latency, map: m}\n"
        "  d.example.com: {policy: latency, latency: rt, latency_tolerance_ms: 10001}\n"
        "maps: {m: {default: [dc1]}}\n");
    assert_conf_error(&r, "t.yaml:7:47: error: service 'a.example.com.': failover must be spread "
                          "or ordered (got 'sideways')");
    assert_conf_error(&r, "t.yaml:7:73: error: service 'a.example.com.': hash_prefix_v4 must be "
                          "0..32 (got 33)");
    assert_conf_error(&r, "t.yaml:8:35: error: service 'a.example.com.': hash_prefix_v6 must be "
                          "0..128 (got 129)");
    assert_conf_error(&r, "t.yaml:8:48: error: service 'a.example.com.': rotate must be true or "
                          "false (got '3')");
    assert_conf_error(&r, "t.yaml:9:46: error: service 'b.example.com.': latency is only used with "
                          "policy latency");
    assert_conf_error(&r, "t.yaml:9:73: error: service 'b.example.com.': latency_tolerance_ms is "
                          "only used with policy latency");
    assert_conf_error(&r, "t.yaml:10:27: error: service 'c.example.com.': policy latency needs a "
                          "latency table (latency: NAME)");
    assert_conf_error(&r, "t.yaml:11:45: error: service 'd.example.com.': unknown latency table "
                          "'rt' (did you mean 'rtt'?)");
    assert_conf_error(&r, "t.yaml:11:71: error: service 'd.example.com.': latency_tolerance_ms "
                          "must be 0..10000 (got 10001)");
    conf_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_threshold_limits),
        cmocka_unit_test(test_errors_load_section),
        cmocka_unit_test(test_errors_steering_and_tables),
        cmocka_unit_test(test_errors_service_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
