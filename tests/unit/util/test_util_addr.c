/* Unit tests for the IP address type's parser (address, ADDRESS/LENGTH) and formatter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <sys/socket.h>

#include "gslb/util.h"

static const gslb_addr_t zero;

static void assert_addr_text(const gslb_addr_t *a, const char *want)
{
    char buf[GSLB_ADDR_TEXT_MAX];
    assert_string_equal(gslb_addr_format(a, buf, sizeof(buf)), want);
}

static void test_addr_v4_fills_four_octets_and_zeroes_the_rest(void **state)
{
    (void)state;
    gslb_addr_t a;
    memset(&a, 0xa5, sizeof(a));
    assert_int_equal(gslb_addr_parse("192.0.2.1", &a), 0);
    assert_int_equal(a.family, AF_INET);
    static const uint8_t want[16] = {192, 0, 2, 1};
    assert_memory_equal(a.addr, want, sizeof(want));
}

static void test_addr_v6_parses_every_text_form(void **state)
{
    (void)state;
    static const uint8_t want[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
    static const char *const forms[] = {"2001:db8::1", "2001:DB8:0:0:0:0:0:1",
                                        "2001:0db8::0001", "2001:db8::0.0.0.1"};
    for (size_t i = 0; i < GSLB_ARRAY_LEN(forms); i++) {
        gslb_addr_t a;
        assert_int_equal(gslb_addr_parse(forms[i], &a), 0);
        assert_int_equal(a.family, AF_INET6);
        assert_memory_equal(a.addr, want, sizeof(want));
    }
}

static void test_addr_v4_mapped_stays_v6(void **state)
{
    (void)state;
    gslb_addr_t a;
    assert_int_equal(gslb_addr_parse("::ffff:192.0.2.1", &a), 0);
    assert_int_equal(a.family, AF_INET6);
    static const uint8_t want[16] = {[10] = 0xff, [11] = 0xff, [12] = 192, [13] = 0, [14] = 2,
                                     [15] = 1};
    assert_memory_equal(a.addr, want, sizeof(want));
    assert_addr_text(&a, "::ffff:192.0.2.1");
}

static void test_addr_bad_text_is_einval_and_zeroed(void **state)
{
    (void)state;
    static const char *const bad[] = {"",         "192.0.2",      "192.0.2.256", "192.0.2.1 ",
                                      " ::1",     "2001:db8::g",  "1::2::3",     "www.example",
                                      "::1/128",  "192.0.2.1/32", "[::1]",       "192.0.2.1:53"};
    for (size_t i = 0; i < GSLB_ARRAY_LEN(bad); i++) {
        gslb_addr_t a;
        memset(&a, 0xa5, sizeof(a));
        assert_int_equal(gslb_addr_parse(bad[i], &a), -GSLB_EINVAL);
        assert_memory_equal(&a, &zero, sizeof(a));
    }
}

static void test_addr_format_writes_canonical_text(void **state)
{
    (void)state;
    gslb_addr_t a;
    assert_int_equal(gslb_addr_parse("2001:DB8:0:0::1", &a), 0);
    assert_addr_text(&a, "2001:db8::1");
    assert_int_equal(gslb_addr_parse("198.51.100.7", &a), 0);
    assert_addr_text(&a, "198.51.100.7");
}

static void test_addr_format_without_address_or_room_is_question_mark(void **state)
{
    (void)state;
    assert_addr_text(&zero, "?");
    gslb_addr_t a;
    assert_int_equal(gslb_addr_parse("2001:db8::1", &a), 0);
    char small[8];
    assert_string_equal(gslb_addr_format(&a, small, sizeof(small)), "?");
}

static void test_prefix_v4_and_v6_parse(void **state)
{
    (void)state;
    gslb_addr_t a;
    uint8_t bits;
    assert_int_equal(gslb_prefix_parse("10.0.0.0/8", &a, &bits), GSLB_PREFIX_OK);
    assert_int_equal(a.family, AF_INET);
    assert_int_equal(bits, 8);
    assert_addr_text(&a, "10.0.0.0");
    assert_int_equal(gslb_prefix_parse("2001:db8::/32", &a, &bits), GSLB_PREFIX_OK);
    assert_int_equal(a.family, AF_INET6);
    assert_int_equal(bits, 32);
    assert_addr_text(&a, "2001:db8::");
    assert_int_equal(gslb_prefix_parse("::ffff:192.0.2.0/120", &a, &bits), GSLB_PREFIX_OK);
    assert_int_equal(a.family, AF_INET6);
    assert_int_equal(bits, 120);
}

static void test_prefix_length_zero_and_full_width_are_ok(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        uint8_t bits;
    } cases[] = {{"0.0.0.0/0", 0}, {"192.0.2.1/32", 32}, {"::/0", 0}, {"::1/128", 128},
                 {"10.0.0.0/08", 8}, {"10.0.0.0/008", 8}};
    for (size_t i = 0; i < GSLB_ARRAY_LEN(cases); i++) {
        gslb_addr_t a;
        uint8_t bits = 99;
        assert_int_equal(gslb_prefix_parse(cases[i].text, &a, &bits), GSLB_PREFIX_OK);
        assert_int_equal(bits, cases[i].bits);
    }
}

static void test_prefix_length_out_of_range_is_bad_length_with_family(void **state)
{
    (void)state;
    gslb_addr_t a;
    uint8_t bits;
    assert_int_equal(gslb_prefix_parse("192.0.2.0/33", &a, &bits), GSLB_PREFIX_BAD_LENGTH);
    assert_int_equal(a.family, AF_INET);
    assert_int_equal(bits, 0);
    assert_int_equal(gslb_prefix_parse("2001:db8::/129", &a, &bits), GSLB_PREFIX_BAD_LENGTH);
    assert_int_equal(a.family, AF_INET6);
    assert_int_equal(gslb_prefix_parse("2001:db8::/999", &a, &bits), GSLB_PREFIX_BAD_LENGTH);
}

static void test_prefix_length_that_is_not_plain_digits_is_bad_length(void **state)
{
    (void)state;
    static const char *const bad[] = {"192.0.2.0",    "192.0.2.0/",    "192.0.2.0/+24",
                                      "192.0.2.0/ 24", "192.0.2.0/-0", "192.0.2.0/0024",
                                      "192.0.2.0/24x", "192.0.2.0//24", "2001:db8::/32/1"};
    for (size_t i = 0; i < GSLB_ARRAY_LEN(bad); i++) {
        gslb_addr_t a;
        uint8_t bits;
        assert_int_equal(gslb_prefix_parse(bad[i], &a, &bits), GSLB_PREFIX_BAD_LENGTH);
    }
}

static void test_prefix_bad_address_is_bad_address_and_zeroed(void **state)
{
    (void)state;
    char long_text[80];
    memset(long_text, '1', 60);
    strcpy(long_text + 60, "/8");
    const char *const bad[] = {"/8", "x/8", "192.0.2/24", "192.0.2.0 /24", "www/8", long_text};
    for (size_t i = 0; i < GSLB_ARRAY_LEN(bad); i++) {
        gslb_addr_t a;
        uint8_t bits = 99;
        assert_int_equal(gslb_prefix_parse(bad[i], &a, &bits), GSLB_PREFIX_BAD_ADDRESS);
        assert_memory_equal(&a, &zero, sizeof(a));
        assert_int_equal(bits, 0);
    }
}

static void test_prefix_host_bits_are_reported_and_cleared(void **state)
{
    (void)state;
    static const struct {
        const char *text, *net;
        uint8_t bits;
    } cases[] = {{"10.1.2.3/8", "10.0.0.0", 8},
                 {"10.1.0.0/15", "10.0.0.0", 15},
                 {"192.0.2.1/31", "192.0.2.0", 31},
                 {"2001:db8::1/32", "2001:db8::", 32},
                 {"2001:db8:ffff::/33", "2001:db8:8000::", 33},
                 {"1.2.3.4/0", "0.0.0.0", 0}};
    for (size_t i = 0; i < GSLB_ARRAY_LEN(cases); i++) {
        gslb_addr_t a;
        uint8_t bits;
        assert_int_equal(gslb_prefix_parse(cases[i].text, &a, &bits), GSLB_PREFIX_HOST_BITS);
        assert_int_equal(bits, cases[i].bits);
        assert_addr_text(&a, cases[i].net);
    }
}

static void test_addr_mask_clears_past_length_only(void **state)
{
    (void)state;
    gslb_addr_t a;
    assert_int_equal(gslb_addr_parse("192.168.255.255", &a), 0);
    gslb_addr_mask(&a, 20);
    assert_addr_text(&a, "192.168.240.0");
    gslb_addr_mask(&a, 200);
    assert_addr_text(&a, "192.168.240.0");
    assert_int_equal(gslb_addr_parse("2001:db8:ffff:ffff::1", &a), 0);
    gslb_addr_mask(&a, 52);
    assert_addr_text(&a, "2001:db8:ffff:f000::");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addr_v4_fills_four_octets_and_zeroes_the_rest),
        cmocka_unit_test(test_addr_v6_parses_every_text_form),
        cmocka_unit_test(test_addr_v4_mapped_stays_v6),
        cmocka_unit_test(test_addr_bad_text_is_einval_and_zeroed),
        cmocka_unit_test(test_addr_format_writes_canonical_text),
        cmocka_unit_test(test_addr_format_without_address_or_room_is_question_mark),
        cmocka_unit_test(test_prefix_v4_and_v6_parse),
        cmocka_unit_test(test_prefix_length_zero_and_full_width_are_ok),
        cmocka_unit_test(test_prefix_length_out_of_range_is_bad_length_with_family),
        cmocka_unit_test(test_prefix_length_that_is_not_plain_digits_is_bad_length),
        cmocka_unit_test(test_prefix_bad_address_is_bad_address_and_zeroed),
        cmocka_unit_test(test_prefix_host_bits_are_reported_and_cleared),
        cmocka_unit_test(test_addr_mask_clears_past_length_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
