/* conf unit tests for the fleet: section: defaults, every key, and each error at its position. */
#include "conf_test.h"

#include <stdlib.h>
#include <unistd.h>

static void test_fleet_absent_is_off(void **state)
{
    (void)state;
    conf_run_t r = conf_run_ok(CONF_BASE);
    assert_false(r.c->fleet.def.is_enabled);
    conf_run_free(&r);
}

static void test_fleet_defaults(void **state)
{
    (void)state;
    conf_run_t r = conf_run_ok(CONF_BASE "fleet:\n"
                                         "  instance: ns1\n"
                                         "  endpoints: [http://127.0.0.1:2379, "
                                         "'https://[::1]:2379']\n");
    const fleet_def_t *d = &r.c->fleet.def;
    assert_true(d->is_enabled);
    assert_string_equal(d->instance, "ns1");
    assert_int_equal(d->endpoint_count, 2);
    assert_string_equal(d->endpoints[1], "https://[::1]:2379");
    assert_string_equal(d->prefix, "/gslbd/");
    assert_int_equal(d->quorum.kind, FLEET_QUORUM_MAJORITY);
    assert_int_equal(d->lease_ttl_s, FLEET_DEFAULT_LEASE_TTL_S);
    assert_int_equal(d->grace_ms, FLEET_DEFAULT_GRACE_MS);
    assert_int_equal(d->timeout_ms, FLEET_DEFAULT_TIMEOUT_MS);
    assert_null(d->username);
    assert_null(d->password);
    conf_run_free(&r);
}

static void test_fleet_every_key(void **state)
{
    (void)state;
    char path[] = "/tmp/gslbd-conf-fleet-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "s3cret pw\n", 10), 10);
    close(fd);
    char *yaml = xasprintf(CONF_BASE "fleet:\n"
                                     "  instance: ns-2.eu\n"
                                     "  endpoints: [http://127.0.0.1:2379]\n"
                                     "  prefix: /prod/gslb/\n"
                                     "  quorum: 2\n"
                                     "  lease_ttl_s: 2\n"
                                     "  grace_ms: 0\n"
                                     "  timeout_ms: 50\n"
                                     "  username: gslbd\n"
                                     "  password_file: %s\n"
                                     "  tls_ca_file: ca.pem\n"
                                     "  tls_cert_file: /etc/c.pem\n"
                                     "  tls_key_file: /etc/k.pem\n",
                           path);
    conf_run_t r = conf_run(yaml);
    free(yaml);
    unlink(path);
    assert_int_equal(r.rc, 0); /* a warning about the file's mode is allowed */
    const fleet_def_t *d = &r.c->fleet.def;
    assert_string_equal(d->prefix, "/prod/gslb/");
    assert_int_equal(d->quorum.kind, FLEET_QUORUM_COUNT);
    assert_int_equal(d->quorum.count, 2);
    assert_int_equal(d->lease_ttl_s, 2);
    assert_int_equal(d->grace_ms, 0);
    assert_int_equal(d->timeout_ms, 50);
    assert_string_equal(d->username, "gslbd");
    assert_string_equal(d->password, "s3cret pw");
    assert_string_equal(d->tls_ca_file, "ca.pem");
    assert_string_equal(d->tls_key_file, "/etc/k.pem");
    conf_run_free(&r);
}

static void test_fleet_errors_at_their_positions(void **state)
{
    (void)state;
    conf_run_t r = conf_run(CONF_BASE "fleet:\n"
                                      "  endpoints: [http://etcd1:2379, http://127.0.0.1:0]\n"
                                      "  quorum: most\n"
                                      "  lease_ttl_s: 1\n"
                                      "  prefix: gslbd\n"
                                      "  tls_cert_file: c.pem\n"
                                      "  grace: 5\n");
    assert_conf_error(&r, "t.yaml:5:1: error: fleet: needs an instance name, unique in the fleet");
    assert_conf_error(&r, "t.yaml:6:15: error: fleet: endpoint 'http://etcd1:2379': the host must "
                          "be an IP address (names are not resolved)");
    assert_conf_error(&r, "t.yaml:6:34: error: fleet: endpoint 'http://127.0.0.1:0': the port "
                          "must be 1..65535, with no path after it");
    assert_conf_error(&r, "t.yaml:7:11: error: fleet: quorum must be majority, all, any or "
                          "1..1000 (got 'most')");
    assert_conf_error(&r, "t.yaml:8:16: error: fleet: lease_ttl_s must be 2..300 (got 1)");
    assert_conf_error(&r, "t.yaml:9:11: error: fleet: prefix must start and end with '/' "
                          "(got 'gslbd')");
    assert_conf_error(&r, "t.yaml:5:1: error: fleet: give tls_cert_file and tls_key_file "
                          "together");
    assert_conf_error(&r, "t.yaml:11:3: error: unknown key 'grace' in fleet");
    conf_run_free(&r);
}

static void test_fleet_needs_endpoints_and_a_valid_name(void **state)
{
    (void)state;
    conf_run_t r = conf_run(CONF_BASE "fleet: {instance: 'ns 1', username: u}\n");
    assert_conf_error(&r, "t.yaml:5:1: error: fleet: needs endpoints (etcd client URLs)");
    assert_conf_error(&r, "t.yaml:5:19: error: fleet: instance 'ns 1': use 1..63 of A-Z a-z "
                          "0-9 _ . -");
    assert_conf_error(&r, "t.yaml:5:1: error: fleet: give username and password_file together");
    conf_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fleet_absent_is_off),
        cmocka_unit_test(test_fleet_defaults),
        cmocka_unit_test(test_fleet_every_key),
        cmocka_unit_test(test_fleet_errors_at_their_positions),
        cmocka_unit_test(test_fleet_needs_endpoints_and_a_valid_name),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
