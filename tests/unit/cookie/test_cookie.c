/* DNS Cookies: RFC 9018 appendix A's server cookie, validity in time (age and clock skew in
 * serial arithmetic), secrets current and previous, client address binding, malformed and
 * foreign cookies, secret text, and rotation of the generated secret. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "gslb/cookie.h"

/* RFC 9018 appendix A.1: a client at 198.51.100.100 learns a server cookie. */
#define A1_TIME 1559731985u
static const uint8_t a1_client[8] = {0x24, 0x64, 0xc4, 0xab, 0xcf, 0x10, 0xc9, 0x57};
static const uint8_t a1_addr[4] = {198, 51, 100, 100};
static const char a1_secret[] = "e5e973e5a6b2a43f48e7dc849e37bfcf";
static const uint8_t a1_server[16] = {0x01, 0x00, 0x00, 0x00, 0x5c, 0xf7, 0x9f, 0x11,
                                      0x1f, 0x81, 0x30, 0xc3, 0xee, 0xe2, 0x94, 0x80};

static cookie_secrets_t a1_secrets(void)
{
    cookie_secrets_t s = {0};
    assert_int_equal(cookie_secret_parse(a1_secret, strlen(a1_secret), s.current), 0);
    return s;
}

/* Client cookie followed by server cookie, as a query carries them. */
static void opt_of(uint8_t *opt, const uint8_t *client, const uint8_t *server)
{
    memcpy(opt, client, 8);
    memcpy(opt + 8, server, 16);
}

static void test_cookie_rfc9018_a1_vector(void **state)
{
    (void)state;
    cookie_secrets_t s = a1_secrets();
    uint8_t out[16];
    cookie_server_make(&s, a1_client, a1_addr, sizeof(a1_addr), A1_TIME, out);
    assert_memory_equal(out, a1_server, sizeof(out));
    uint8_t opt[24];
    opt_of(opt, a1_client, a1_server);
    bool is_fresh = false;
    assert_int_equal(cookie_check(&s, opt, sizeof(opt), a1_addr, 4, A1_TIME + 10, &is_fresh),
                     COOKIE_VALID);
    assert_true(is_fresh);
}

static void test_cookie_client_only(void **state)
{
    (void)state;
    cookie_secrets_t s = a1_secrets();
    bool is_fresh = true;
    assert_int_equal(cookie_check(&s, a1_client, 8, a1_addr, 4, A1_TIME, &is_fresh),
                     COOKIE_CLIENT_ONLY);
    assert_false(is_fresh);
}

static void test_cookie_lifetime_bounds(void **state)
{
    (void)state;
    cookie_secrets_t s = a1_secrets();
    uint8_t opt[24];
    opt_of(opt, a1_client, a1_server);
    bool is_fresh;
    /* One hour old is still valid; one second more is not. */
    assert_int_equal(cookie_check(&s, opt, 24, a1_addr, 4, A1_TIME + 3600, &is_fresh),
                     COOKIE_VALID);
    assert_int_equal(cookie_check(&s, opt, 24, a1_addr, 4, A1_TIME + 3601, &is_fresh),
                     COOKIE_INVALID);
    /* Five minutes ahead of our clock is accepted; one second more is not. */
    assert_int_equal(cookie_check(&s, opt, 24, a1_addr, 4, A1_TIME - 300, &is_fresh),
                     COOKIE_VALID);
    assert_int_equal(cookie_check(&s, opt, 24, a1_addr, 4, A1_TIME - 301, &is_fresh),
                     COOKIE_INVALID);
    /* Renewed once half an hour old. */
    assert_int_equal(cookie_check(&s, opt, 24, a1_addr, 4, A1_TIME + 1799, &is_fresh),
                     COOKIE_VALID);
    assert_true(is_fresh);
    assert_int_equal(cookie_check(&s, opt, 24, a1_addr, 4, A1_TIME + 1800, &is_fresh),
                     COOKIE_VALID);
    assert_false(is_fresh);
}

static void test_cookie_serial_arithmetic_across_wrap(void **state)
{
    (void)state;
    cookie_secrets_t s = a1_secrets();
    uint8_t server[16], opt[24];
    uint32_t t = 0xFFFFFF00u;
    cookie_server_make(&s, a1_client, a1_addr, 4, t, server);
    opt_of(opt, a1_client, server);
    bool is_fresh;
    assert_int_equal(cookie_check(&s, opt, 24, a1_addr, 4, t + 0x200u, &is_fresh),
                     COOKIE_VALID);
}

static void test_cookie_bound_to_client_address_and_cookie(void **state)
{
    (void)state;
    cookie_secrets_t s = a1_secrets();
    uint8_t opt[24];
    opt_of(opt, a1_client, a1_server);
    bool is_fresh;
    const uint8_t other[4] = {198, 51, 100, 101};
    assert_int_equal(cookie_check(&s, opt, 24, other, 4, A1_TIME, &is_fresh), COOKIE_INVALID);
    opt[0] ^= 1;
    assert_int_equal(cookie_check(&s, opt, 24, a1_addr, 4, A1_TIME, &is_fresh),
                     COOKIE_INVALID);
}

static void test_cookie_foreign_formats_are_invalid(void **state)
{
    (void)state;
    cookie_secrets_t s = a1_secrets();
    uint8_t opt[40];
    bool is_fresh;
    opt_of(opt, a1_client, a1_server);
    opt[8] = 2; /* another version */
    assert_int_equal(cookie_check(&s, opt, 24, a1_addr, 4, A1_TIME, &is_fresh), COOKIE_INVALID);
    opt_of(opt, a1_client, a1_server);
    opt[9] = 1; /* reserved octets not zero */
    assert_int_equal(cookie_check(&s, opt, 24, a1_addr, 4, A1_TIME, &is_fresh), COOKIE_INVALID);
    opt_of(opt, a1_client, a1_server);
    opt[23] ^= 0x80; /* hash */
    assert_int_equal(cookie_check(&s, opt, 24, a1_addr, 4, A1_TIME, &is_fresh), COOKIE_INVALID);
    /* Another server's 8-octet or 32-octet cookie. */
    memset(opt + 8, 0x55, 32);
    assert_int_equal(cookie_check(&s, opt, 16, a1_addr, 4, A1_TIME, &is_fresh), COOKIE_INVALID);
    assert_int_equal(cookie_check(&s, opt, 40, a1_addr, 4, A1_TIME, &is_fresh), COOKIE_INVALID);
}

static void test_cookie_previous_secret_validates_but_renews(void **state)
{
    (void)state;
    cookie_secrets_t s = {0};
    assert_int_equal(cookie_secret_parse("00112233445566778899aabbccddeeff", 32, s.current), 0);
    uint8_t opt[24];
    opt_of(opt, a1_client, a1_server);
    bool is_fresh;
    assert_int_equal(cookie_check(&s, opt, 24, a1_addr, 4, A1_TIME, &is_fresh), COOKIE_INVALID);
    cookie_secrets_t old = a1_secrets();
    memcpy(s.previous, old.current, sizeof(s.previous));
    s.has_previous = true;
    assert_int_equal(cookie_check(&s, opt, 24, a1_addr, 4, A1_TIME, &is_fresh), COOKIE_VALID);
    assert_false(is_fresh); /* made with the previous secret: replaced */
}

static void test_cookie_ipv6_client(void **state)
{
    (void)state;
    cookie_secrets_t s = a1_secrets();
    uint8_t a6[16], b6[16], server[16], opt[24];
    inet_pton(AF_INET6, "2001:db8:220:1:59de:d0f4:8769:82b8", a6);
    inet_pton(AF_INET6, "2001:db8:220:1:59de:d0f4:8769:82b9", b6);
    cookie_server_make(&s, a1_client, a6, 16, A1_TIME, server);
    opt_of(opt, a1_client, server);
    bool is_fresh;
    assert_int_equal(cookie_check(&s, opt, 24, a6, 16, A1_TIME, &is_fresh), COOKIE_VALID);
    assert_int_equal(cookie_check(&s, opt, 24, b6, 16, A1_TIME, &is_fresh), COOKIE_INVALID);
}

static void test_cookie_secret_text(void **state)
{
    (void)state;
    uint8_t k[16];
    assert_int_equal(cookie_secret_parse("E5E973E5A6B2A43F48E7DC849E37BFCF", 32, k), 0);
    assert_int_equal(k[0], 0xe5);
    assert_int_equal(cookie_secret_parse("e5e973e5a6b2a43f48e7dc849e37bfc", 31, k), -1);
    assert_int_equal(cookie_secret_parse("e5e973e5a6b2a43f48e7dc849e37bfcf0", 33, k), -1);
    assert_int_equal(cookie_secret_parse("g5e973e5a6b2a43f48e7dc849e37bfcf", 32, k), -1);
}

static void test_cookie_keys_rotation(void **state)
{
    (void)state;
    cookie_keys_t *k = cookie_keys_new();
    assert_non_null(k);
    cookie_secrets_t s0, s1, s2;
    cookie_keys_get(k, &s0);
    assert_false(s0.has_previous);
    uint8_t server[16], opt[24];
    cookie_server_make(&s0, a1_client, a1_addr, 4, A1_TIME, server);
    opt_of(opt, a1_client, server);
    bool is_fresh;
    cookie_keys_rotate(k);
    cookie_keys_get(k, &s1);
    assert_true(s1.has_previous);
    assert_memory_equal(s1.previous, s0.current, 16);
    assert_memory_not_equal(s1.current, s0.current, 16);
    /* A cookie of the secret before stays valid for one rotation, not two. */
    assert_int_equal(cookie_check(&s1, opt, 24, a1_addr, 4, A1_TIME, &is_fresh), COOKIE_VALID);
    cookie_keys_rotate(k);
    cookie_keys_get(k, &s2);
    assert_memory_equal(s2.previous, s1.current, 16);
    assert_int_equal(cookie_check(&s2, opt, 24, a1_addr, 4, A1_TIME, &is_fresh),
                     COOKIE_INVALID);
    cookie_keys_free(k);
    cookie_keys_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cookie_rfc9018_a1_vector),
        cmocka_unit_test(test_cookie_client_only),
        cmocka_unit_test(test_cookie_lifetime_bounds),
        cmocka_unit_test(test_cookie_serial_arithmetic_across_wrap),
        cmocka_unit_test(test_cookie_bound_to_client_address_and_cookie),
        cmocka_unit_test(test_cookie_foreign_formats_are_invalid),
        cmocka_unit_test(test_cookie_previous_secret_validates_but_renews),
        cmocka_unit_test(test_cookie_ipv6_client),
        cmocka_unit_test(test_cookie_secret_text),
        cmocka_unit_test(test_cookie_keys_rotation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
