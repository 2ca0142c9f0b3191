/* Unit tests for the probes: section and the health settings of data centers and services. */
#include "conf_test.h"

static const char probes_yaml[] =
    "zones: [a.zone]\n"
    "probes:\n"
    "  web:\n"
    "    type: http\n"
    "    port: 8080\n"
    "    path: /health\n"
    "    expect: [200, 204]\n"
    "    body: OK\n"
    "    interval_ms: 500\n"
    "    timeout_ms: 200\n"
    "    up_threshold: 1\n"
    "    down_threshold: 2\n"
    "    initial: down\n"
    "  check: {type: exec, command: [/bin/true, -x]}\n"
    "  ns: {type: dns, qname: Example.COM, qtype: a, rcode: nxdomain}\n"
    "datacenters:\n"
    "  dc1:\n"
    "    probe: web\n"
    "    min_up_fraction: 0.5\n"
    "    addresses:\n"
    "      - 192.0.2.1\n"
    "      - {address: 192.0.2.2, probe: check, probe_address: 10.0.0.2, probe_port: 81}\n"
    "services:\n"
    "  www.example.com: {policy: failover, ttl: 40, fail: dc1}\n"
    "  api.example.com: {policy: failover, fail: closed, degraded_ttl: 5}\n";

static void test_probes_full_section_parses_every_field(void **state)
{
    (void)state;
    conf_run_t r = conf_run_ok(probes_yaml);
    const conf_t *c = r.c;
    assert_int_equal(c->probe_count, 3);
    const conf_probe_t *web = &c->probes[0];
    assert_string_equal(web->name, "web");
    assert_int_equal(web->def.type, HEALTH_PROBE_HTTP);
    assert_int_equal(web->def.port, 8080);
    assert_string_equal(web->def.http_path, "/health");
    assert_int_equal(web->def.http_status_count, 2);
    assert_int_equal(web->def.http_status[1], 204);
    assert_string_equal(web->def.http_body, "OK");
    assert_int_equal(web->def.interval_ms, 500);
    assert_int_equal(web->def.timeout_ms, 200);
    assert_int_equal(web->def.up_threshold, 1);
    assert_int_equal(web->def.down_threshold, 2);
    assert_false(web->def.is_initially_up);
    assert_true(web->def.tls_verify);
    const conf_probe_t *exec = &c->probes[1];
    assert_string_equal(exec->def.exec_argv[0], "/bin/true");
    assert_string_equal(exec->def.exec_argv[1], "-x");
    assert_null(exec->def.exec_argv[2]);
    const conf_probe_t *ns = &c->probes[2];
    /* Lower-cased, in wire form. */
    assert_memory_equal(ns->def.dns_qname, "\7example\3com", 13);
    assert_int_equal(ns->def.dns_qtype, 1);
    assert_int_equal(ns->def.dns_rcode, 3);
    const conf_datacenter_t *dc = &c->datacenters[0];
    assert_int_equal(dc->probe, 0);
    assert_true(dc->min_up_fraction > 0.49 && dc->min_up_fraction < 0.51);
    assert_int_equal(dc->addresses[0].probe, -1);
    assert_int_equal(dc->addresses[1].probe, 1);
    assert_true(dc->addresses[1].has_probe_addr);
    assert_int_equal(dc->addresses[1].probe_port, 81);
    assert_int_equal(c->services[0].fail, CONF_FAIL_DATACENTER);
    assert_int_equal(c->services[0].fail_dc, 0);
    assert_int_equal(c->services[0].degraded_ttl_s, 20);
    assert_int_equal(c->services[1].fail, CONF_FAIL_CLOSED);
    assert_int_equal(c->services[1].degraded_ttl_s, 5);
    conf_run_free(&r);
}

static void test_probes_defaults_detect_dead_backend_within_ten_seconds(void **state)
{
    (void)state;
    conf_run_t r = conf_run_ok("zones: [a.zone]\n"
                               "probes: {p: {type: tcp, port: 80}}\n"
                               "datacenters: {dc1: {probe: p, addresses: [192.0.2.1]}}\n");
    const conf_probe_t *p = &r.c->probes[0];
    assert_true(p->def.is_initially_up);
    /* Worst case to notice: down_threshold intervals plus one timeout. */
    assert_true(p->def.down_threshold * p->def.interval_ms + p->def.timeout_ms <= 10000);
    conf_run_free(&r);
}

static void test_probes_errors_are_positioned_and_suggest(void **state)
{
    (void)state;
    conf_run_t r = conf_run("zones: [a.zone]\n"
                            "probes:\n"
                            "  p: {type: htp}\n"
                            "  q: {type: tcp}\n"
                            "  s: {type: http, timeout_ms: 3000, qname: x}\n"
                            "datacenters:\n"
                            "  dc1: {probe: pp, addresses: [192.0.2.1]}\n"
                            "services:\n"
                            "  www.example.com: {policy: failover, fail: nowhere}\n");
    assert_conf_error(&r, "t.yaml:3:13: error: probe 'p': type must be one of none, tcp, http, "
                          "https, dns, exec, file (got 'htp') (did you mean 'http'?)");
    assert_conf_error(&r, "t.yaml:4:3: error: probe 'q': type tcp needs a port");
    assert_conf_error(&r, "t.yaml:5:31: error: probe 's': timeout_ms must be below interval_ms "
                          "(2000 ms) (got 3000)");
    assert_conf_error(&r, "t.yaml:5:44: error: probe 's': 'qname' does not apply to type http");
    assert_conf_error(&r, "t.yaml:7:16: error: datacenter 'dc1': unknown probe 'pp' "
                          "(did you mean 'p'?)");
    assert_conf_error(&r, "t.yaml:9:45: error: service 'www.example.com.': fail must be open, "
                          "closed or a datacenter name (got 'nowhere')");
    conf_run_free(&r);
}

static void test_probes_load_accepts_text_and_json_pointers(void **state)
{
    (void)state;
    conf_run_t r = conf_run_ok("zones: [a.zone]\n"
                               "probes:\n"
                               "  t: {type: http, load: text}\n"
                               "  cpu: {type: http, load: /load/cpu}\n"
                               "  whole: {type: https, load: \"\"}\n"
                               "  esc: {type: http, load: \"/a~0b~1c/0\"}\n"
                               "  root: {type: http, load: /}\n"
                               "  none: {type: http}\n"
                               "datacenters: {dc1: {probe: t, addresses: [192.0.2.1]}}\n");
    const conf_probe_t *p = r.c->probes;
    assert_int_equal(p[0].def.load_format, HEALTH_LOAD_TEXT);
    assert_null(p[0].def.load_pointer);
    assert_int_equal(p[1].def.load_format, HEALTH_LOAD_JSON);
    assert_string_equal(p[1].def.load_pointer, "/load/cpu");
    assert_int_equal(p[2].def.load_format, HEALTH_LOAD_JSON);
    assert_string_equal(p[2].def.load_pointer, "");
    /* Kept as written: the escapes are undone when the pointer is walked. */
    assert_string_equal(p[3].def.load_pointer, "/a~0b~1c/0");
    assert_string_equal(p[4].def.load_pointer, "/");
    assert_int_equal(p[5].def.load_format, HEALTH_LOAD_NONE);
    assert_null(p[5].def.load_pointer);
    conf_run_free(&r);
}

static void test_probes_load_rejects_bad_values_where_they_are(void **state)
{
    (void)state;
    conf_run_t r = conf_run("zones: [a.zone]\n"
                            "probes:\n"
                            "  word: {type: http, load: cpu}\n"
                            "  tilde: {type: http, load: /a~2b}\n"
                            "  end: {type: https, load: \"/a/~\"}\n"
                            "  list: {type: http, load: [/a]}\n"
                            "  null:\n"
                            "    type: http\n"
                            "    load:\n"
                            "  case: {type: http, load: Text}\n"
                            "  tcp: {type: tcp, port: 80, load: text}\n"
                            "  dns: {type: dns, load: /load}\n"
                            "datacenters:\n"
                            "  dc1: {probe: word, addresses: [192.0.2.1]}\n");
    assert_conf_error(&r, "t.yaml:3:28: error: probe 'word': load must be text or a JSON "
                          "pointer (\"\" or starting with '/') (got 'cpu')");
    assert_conf_error(&r, "t.yaml:4:29: error: probe 'tilde': load: invalid JSON pointer: '~' "
                          "must be followed by '0' or '1' (got '/a~2b')");
    assert_conf_error(&r, "t.yaml:5:28: error: probe 'end': load: invalid JSON pointer: '~' "
                          "must be followed by '0' or '1' (got '/a/~')");
    assert_conf_error(&r, "t.yaml:6:22: error: probe 'list': load must be a string "
                          "(got a list)");
    assert_conf_error(&r, "t.yaml:9:5: error: probe 'null': load must be a string (got null)");
    assert_conf_error(&r, "t.yaml:10:28: error: probe 'case': load must be text or a JSON "
                          "pointer (\"\" or starting with '/') (got 'Text')");
    assert_conf_error(&r, "t.yaml:11:36: error: probe 'tcp': 'load' does not apply to type tcp");
    assert_conf_error(&r, "t.yaml:12:26: error: probe 'dns': 'load' does not apply to type dns");
    /* One error per bad key: a key on the wrong type is not parsed as well. */
    assert_int_equal(gslb_diag_count(r.d), 8);
    conf_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_probes_full_section_parses_every_field),
        cmocka_unit_test(test_probes_defaults_detect_dead_backend_within_ten_seconds),
        cmocka_unit_test(test_probes_errors_are_positioned_and_suggest),
        cmocka_unit_test(test_probes_load_accepts_text_and_json_pointers),
        cmocka_unit_test(test_probes_load_rejects_bad_values_where_they_are),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
