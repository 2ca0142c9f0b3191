/* Unit tests for the control: section, geoip.watch and server.user. */
#include "conf_test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <unistd.h>

static uint16_t control_port(const conf_t *c)
{
    return ntohs(((const struct sockaddr_in *)&c->control.sa)->sin_port);
}

static void test_control_absent_is_disabled(void **state)
{
    (void)state;
    conf_run_t r = conf_run_ok(CONF_BASE);
    assert_false(r.c->control.is_enabled);
    assert_null(r.c->control.token);
    assert_false(r.c->geoip.is_watched);
    assert_null(r.c->server.user);
    conf_run_free(&r);
}

static void test_control_empty_section_listens_on_loopback_8053(void **state)
{
    (void)state;
    conf_run_t r = conf_run_ok(CONF_BASE "control:\n");
    assert_true(r.c->control.is_enabled);
    const struct sockaddr_in *sin = (const struct sockaddr_in *)&r.c->control.sa;
    assert_int_equal(sin->sin_family, AF_INET);
    assert_int_equal(ntohl(sin->sin_addr.s_addr), INADDR_LOOPBACK);
    assert_int_equal(control_port(r.c), CONF_DEFAULT_CONTROL_PORT);
    assert_null(r.c->control.state_file);
    assert_null(r.c->control.dashboard);
    conf_run_free(&r);
}

static void test_control_full_section_parses_every_field(void **state)
{
    (void)state;
    conf_run_t r = conf_run_ok(CONF_BASE "control:\n"
                                         "  listen: 127.0.0.2:9000\n"
                                         "  token: s3cret-token\n"
                                         "  state_file: /var/lib/gslbd/state.json\n"
                                         "  dashboard: /usr/local/share/gslbd/dashboard\n");
    assert_int_equal(control_port(r.c), 9000);
    assert_string_equal(r.c->control.dashboard, "/usr/local/share/gslbd/dashboard");
    assert_string_equal(r.c->control.token, "s3cret-token");
    assert_string_equal(r.c->control.state_file, "/var/lib/gslbd/state.json");
    conf_run_free(&r);
}

static void test_control_listen_without_port_uses_8053(void **state)
{
    (void)state;
    conf_run_t r = conf_run_ok(CONF_BASE "control: {listen: \"[::1]\"}\n");
    const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&r.c->control.sa;
    assert_int_equal(sin6->sin6_family, AF_INET6);
    assert_int_equal(ntohs(sin6->sin6_port), CONF_DEFAULT_CONTROL_PORT);
    conf_run_free(&r);
}

static void test_control_public_listen_warns(void **state)
{
    (void)state;
    conf_run_t r = conf_run(CONF_BASE "control: {listen: 0.0.0.0:8053, token: abcdefgh12}\n");
    assert_int_equal(r.rc, 0);
    assert_true(conf_run_has(&r, "t.yaml:5:19: warning: control: listen '0.0.0.0:8053' is not a "
                                 "loopback address: whoever reaches it can read metrics, status "
                                 "and explain"));
    conf_run_free(&r);
}

static void test_control_unknown_key_suggests(void **state)
{
    (void)state;
    conf_run_t r = conf_run(CONF_BASE "control:\n  tokn: abcdefgh\n");
    assert_conf_error(&r, "t.yaml:6:3: error: unknown key 'tokn' in control (did you mean "
                          "'token'?)");
    conf_run_free(&r);
}

static void test_control_short_token_is_error(void **state)
{
    (void)state;
    conf_run_t r = conf_run(CONF_BASE "control: {token: abc}\n");
    assert_conf_error(&r, "t.yaml:5:18: error: control: token must be 8..1024 bytes long (got 3)");
    conf_run_free(&r);
}

static void test_control_token_and_token_file_is_error(void **state)
{
    (void)state;
    conf_run_t r = conf_run(CONF_BASE "control: {token: abcdefgh, token_file: /x}\n");
    assert_conf_error(&r, "t.yaml:5:40: error: control: give token or token_file, not both");
    conf_run_free(&r);
}

static void test_control_bad_listen_and_missing_token_file_both_reported(void **state)
{
    (void)state;
    conf_run_t r = conf_run(CONF_BASE "control:\n"
                                      "  listen: localhost:80\n"
                                      "  token_file: /nonexistent/gslbd.token\n");
    assert_conf_error(&r, "t.yaml:6:11: error: control: listen 'localhost:80': not an IP address "
                          "(host names are not resolved)");
    assert_conf_error(&r, "t.yaml:7:15: error: control: token_file '/nonexistent/gslbd.token': "
                          "cannot read (No such file or directory)");
    conf_run_free(&r);
}

static void test_control_token_file_first_line_is_the_token(void **state)
{
    (void)state;
    char path[] = "/tmp/gslbd-token-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "  tok-from-file-123 \nsecond line\n", 33), 33);
    close(fd);
    char yaml[512];
    snprintf(yaml, sizeof(yaml), CONF_BASE "control: {token_file: %s}\n", path);
    conf_run_t r = conf_run_ok(yaml);
    assert_string_equal(r.c->control.token, "tok-from-file-123");
    assert_string_equal(r.c->control.token_file, path);
    conf_run_free(&r);
    unlink(path);
}

static void test_geoip_watch_parses_bool(void **state)
{
    (void)state;
    conf_run_t r = conf_run_ok(CONF_BASE "geoip: {database: x.mmdb, watch: true}\n");
    assert_true(r.c->geoip.is_watched);
    conf_run_free(&r);
    r = conf_run(CONF_BASE "geoip: {database: x.mmdb, watch: yes}\n");
    assert_conf_error(&r, "t.yaml:5:34: error: geoip: watch must be true or false (got 'yes')");
    conf_run_free(&r);
}

static void test_server_user_unknown_is_error(void **state)
{
    (void)state;
    conf_run_t r = conf_run(CONF_BASE "server: {user: no-such-user-gslbd}\n");
    assert_conf_error(&r, "t.yaml:5:16: error: server: user 'no-such-user-gslbd' does not exist");
    conf_run_free(&r);
    r = conf_run_ok(CONF_BASE "server: {user: root}\n");
    assert_string_equal(r.c->server.user, "root");
    conf_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_control_absent_is_disabled),
        cmocka_unit_test(test_control_empty_section_listens_on_loopback_8053),
        cmocka_unit_test(test_control_full_section_parses_every_field),
        cmocka_unit_test(test_control_listen_without_port_uses_8053),
        cmocka_unit_test(test_control_public_listen_warns),
        cmocka_unit_test(test_control_unknown_key_suggests),
        cmocka_unit_test(test_control_short_token_is_error),
        cmocka_unit_test(test_control_token_and_token_file_is_error),
        cmocka_unit_test(test_control_bad_listen_and_missing_token_file_both_reported),
        cmocka_unit_test(test_control_token_file_first_line_is_the_token),
        cmocka_unit_test(test_geoip_watch_parses_bool),
        cmocka_unit_test(test_server_user_unknown_is_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
