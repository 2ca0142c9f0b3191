/* Unit tests for reading load figures from probe bodies (JSON pointers and plain text). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "health_int.h"
#include "health_test.h"

/* The outcome of one parse. */
typedef struct parsed {
    int rc;
    double v;
    char err[HEALTH_ERROR_MAX];
} parsed_t;

static parsed_t parse_n(health_load_format_t fmt, const char *pointer, const char *body,
                        size_t len)
{
    parsed_t r;
    memset(&r, 0, sizeof(r));
    r.v = -12345; /* must stay when the parse fails */
    r.rc = health_load_parse(fmt, pointer, body, len, &r.v, r.err, sizeof(r.err));
    if (r.rc == 0) {
        assert_string_equal(r.err, "");
    } else {
        assert_int_equal(r.rc, -GSLB_EINVAL);
        assert_true(r.v == -12345);
        assert_true(r.err[0] != '\0');
    }
    return r;
}

static parsed_t json(const char *pointer, const char *body)
{
    return parse_n(HEALTH_LOAD_JSON, pointer, body, strlen(body));
}

static parsed_t text(const char *body)
{
    return parse_n(HEALTH_LOAD_TEXT, NULL, body, strlen(body));
}

#define assert_figure(r, want)                                                                   \
    do {                                                                                         \
        parsed_t r_ = (r);                                                                       \
        if (r_.rc != 0) {                                                                        \
            fail_msg("expected %g, got error: %s", (double)(want), r_.err);                      \
        }                                                                                        \
        assert_true(r_.v == (want));                                                             \
    } while (0)

#define assert_load_error(r, msg)                                                                \
    do {                                                                                         \
        parsed_t r_ = (r);                                                                       \
        assert_int_equal(r_.rc, -GSLB_EINVAL);                                                   \
        assert_string_equal(r_.err, (msg));                                                      \
    } while (0)

/* ---- JSON ---- */

static void test_json_nested_pointer(void **state)
{
    (void)state;
    assert_figure(json("/load/cpu", "{\"load\": {\"cpu\": 0.42}}"), 0.42);
    assert_figure(json("/load/cpu", "{\"other\": [1, 2], \"load\": {\"mem\": 7, \"cpu\": 3}}"),
                  3);
    assert_figure(json("/a/b/c/d", "{\"a\": {\"b\": {\"c\": {\"d\": 1e3}}}}"), 1000);
    /* Surrounding whitespace and a trailing newline are fine. */
    assert_figure(json("/load", "\n  {\"load\": 5}\n"), 5);
}

static void test_json_whole_document(void **state)
{
    (void)state;
    assert_figure(json("", "0.75"), 0.75);
    assert_figure(json(NULL, " 12 \n"), 12);
    assert_load_error(json("", "{\"load\": 1}"), "the body is an object, not a number");
}

static void test_json_escapes(void **state)
{
    (void)state;
    const char *doc = "{\"a/b\": {\"m~n\": 2}, \"~1\": 3, \"\": 4, \"x\": {\"\": 5}}";
    assert_figure(json("/a~1b/m~0n", doc), 2);
    /* "~01" is "~1", not "/": ~1 is undone first. */
    assert_figure(json("/~01", doc), 3);
    assert_figure(json("/", doc), 4);
    assert_figure(json("/x/", doc), 5);
    assert_load_error(json("/a/b", doc), "no number at /a/b: nothing at /a");
    assert_load_error(json("/a~2b", doc), "bad JSON pointer: '~' must be followed by '0' or '1'");
    assert_load_error(json("load", doc),
                      "bad JSON pointer: a JSON pointer must be empty or start with '/'");
}

static void test_json_arrays(void **state)
{
    (void)state;
    const char *doc = "{\"sites\": [{\"load\": 1}, {\"load\": 2.5}], \"top\": [[9, 8]]}";
    assert_figure(json("/sites/0/load", doc), 1);
    assert_figure(json("/sites/1/load", doc), 2.5);
    assert_figure(json("/top/0/1", doc), 8);
    assert_figure(json("/1", "[0, 6]"), 6);
    assert_load_error(json("/sites/2/load", doc), "no number at /sites/2/load: nothing at /sites/2");
    assert_load_error(json("/sites/01/load", doc),
                      "no number at /sites/01/load: '01' is not an array index");
    assert_load_error(json("/sites/-/load", doc),
                      "no number at /sites/-/load: '-' is not an array index");
    assert_load_error(json("/sites/x", doc), "no number at /sites/x: 'x' is not an array index");
    assert_load_error(json("/sites/", doc), "no number at /sites/: '' is not an array index");
    assert_load_error(json("/top/+1", doc), "no number at /top/+1: '+1' is not an array index");
    assert_load_error(json("/top/99999999999999999999999", doc),
                      "no number at /top/99999999999999999999999");
}

static void test_json_missing_key(void **state)
{
    (void)state;
    assert_load_error(json("/load", "{\"lod\": 1}"), "no number at /load");
    assert_load_error(json("/load/cpu", "{\"lod\": 1}"), "no number at /load/cpu: nothing at /load");
    assert_load_error(json("/load/cpu", "{\"load\": {}}"), "no number at /load/cpu");
    /* Keys are case-sensitive. */
    assert_load_error(json("/Load", "{\"load\": 1}"), "no number at /Load");
}

static void test_json_wrong_types(void **state)
{
    (void)state;
    assert_load_error(json("/load", "{\"load\": \"0.5\"}"), "/load is a string, not a number");
    assert_load_error(json("/load", "{\"load\": true}"), "/load is a boolean, not a number");
    assert_load_error(json("/load", "{\"load\": null}"), "/load is null, not a number");
    assert_load_error(json("/load", "{\"load\": [1]}"), "/load is an array, not a number");
    assert_load_error(json("/load", "{\"load\": {\"cpu\": 1}}"),
                      "/load is an object, not a number");
    /* Looking inside something that has no members. */
    assert_load_error(json("/load/cpu", "{\"load\": 5}"), "no number at /load/cpu: /load is a number");
    assert_load_error(json("/load/cpu", "{\"load\": \"x\"}"),
                      "no number at /load/cpu: /load is a string");
    assert_load_error(json("/load", "7"), "no number at /load: the body is a number");
}

static void test_json_numbers_and_range(void **state)
{
    (void)state;
    assert_figure(json("/n", "{\"n\": 0}"), 0);
    assert_figure(json("/n", "{\"n\": -0}"), 0);
    assert_false(signbit(json("/n", "{\"n\": -0.0}").v));
    assert_figure(json("/n", "{\"n\": 17}"), 17);
    assert_figure(json("/n", "{\"n\": 2.5e-3}"), 2.5e-3);
    /* Integers past 64 bits are large figures, not errors. */
    assert_figure(json("/n", "{\"n\": 123456789012345678901234567890}"),
                  123456789012345678901234567890.0);
    assert_figure(json("/n", "{\"n\": 1.5e308}"), 1.5e308);
    assert_load_error(json("/n", "{\"n\": -1}"), "negative: -1");
    assert_load_error(json("/n", "{\"n\": -0.25}"), "negative: -0.25");
    /* Beyond a double: jansson refuses the document. */
    parsed_t r = json("/n", "{\"n\": 1e400}");
    assert_int_equal(r.rc, -GSLB_EINVAL);
    assert_non_null(strstr(r.err, "not JSON: "));
    assert_non_null(strstr(r.err, "overflow"));
    /* JSON has no NaN or Infinity. */
    r = json("/n", "{\"n\": NaN}");
    assert_non_null(strstr(r.err, "not JSON: "));
    r = json("/n", "{\"n\": Infinity}");
    assert_non_null(strstr(r.err, "not JSON: "));
}

static void test_json_not_json(void **state)
{
    (void)state;
    parsed_t r = json("/load", "load 17.5 rps");
    assert_int_equal(r.rc, -GSLB_EINVAL);
    assert_true(strncmp(r.err, "not JSON: ", 10) == 0);
    assert_non_null(strstr(r.err, " at line 1 col "));
    r = json("/load", "{\n  \"load\": }\n");
    assert_true(strncmp(r.err, "not JSON: ", 10) == 0);
    assert_non_null(strstr(r.err, " at line 2 col "));
    /* Two documents in one body are not one document. */
    r = json("", "1 2");
    assert_true(strncmp(r.err, "not JSON: ", 10) == 0);
    /* A NUL byte inside the body. */
    r = parse_n(HEALTH_LOAD_JSON, "/a", "{\"a\": 1}\0", 9);
    assert_true(strncmp(r.err, "not JSON: ", 10) == 0);
}

/* ---- text ---- */

static void test_text_first_number(void **state)
{
    (void)state;
    assert_figure(text("load 17.5 rps"), 17.5);
    assert_figure(text("17"), 17);
    assert_figure(text("cpu=0.42 mem=0.9"), 0.42);
    assert_figure(text("x=+3e2;"), 300);
    assert_figure(text("rate: .5/s"), 0.5);
    assert_figure(text("5. then"), 5);
    assert_figure(text("1E-2"), 0.01);
    /* An exponent without digits is not part of the number. */
    assert_figure(text("12e units"), 12);
    assert_figure(text("12e+"), 12);
    /* JSON read as text: its first number. */
    assert_figure(text("{\"load\": {\"cpu\": 0.42}}"), 0.42);
    /* Decimal only: hex stops at the x. */
    assert_figure(text("0x1A"), 0);
    /* "node-3": the minus is read as a sign. */
    assert_load_error(text("cpu: -0.3"), "negative: -0.3");
    assert_load_error(text("-"), "no number in the body");
    assert_load_error(text("no digits here. - + e"), "no number in the body");
}

static void test_text_nan_and_inf(void **state)
{
    (void)state;
    assert_load_error(text("nan"), "not a finite number: nan");
    assert_load_error(text("load NaN, 5 workers"), "not a finite number: NaN");
    assert_load_error(text("load: -inf"), "not a finite number: inf");
    assert_load_error(text("Infinity"), "not a finite number: Infinity");
    assert_load_error(text("1e999"), "not a finite number: 1e999");
    /* Words that only start like one are text to skip. */
    assert_figure(text("information: 5"), 5);
    assert_figure(text("banana 6"), 6);
    assert_figure(text("nanny 7 nan"), 7);
    /* A number too small for a double is 0-ish, not an error. */
    parsed_t r = text("1e-999");
    assert_int_equal(r.rc, 0);
    assert_true(r.v >= 0 && r.v < 1e-300);
}

static void test_text_binary_and_long_numbers(void **state)
{
    (void)state;
    assert_figure(parse_n(HEALTH_LOAD_TEXT, NULL, "\0\0\x01 load\0 12\0", 13), 12);
    /* A number as long as the text allows. */
    size_t n = 5000;
    char *digits = xmalloc(n + 1);
    memset(digits, '9', n);
    digits[0] = '1';
    digits[n] = '\0';
    /* The reason quotes the first 40 characters. */
    char want[64];
    snprintf(want, sizeof(want), "not a finite number: %.40s", digits);
    assert_load_error(text(digits), want);
    digits[300] = '\0';
    parsed_t r = text(digits);
    assert_int_equal(r.rc, 0);
    assert_true(r.v > 1e299 && isfinite(r.v));
    free(digits);
}

/* ---- both ---- */

static void test_empty_body_and_no_format(void **state)
{
    (void)state;
    assert_load_error(parse_n(HEALTH_LOAD_JSON, "/a", "", 0), "empty body");
    assert_load_error(parse_n(HEALTH_LOAD_TEXT, NULL, NULL, 0), "empty body");
    assert_load_error(parse_n(HEALTH_LOAD_NONE, NULL, "5", 1), "no load format");
    assert_load_error(parse_n((health_load_format_t)9, NULL, "5", 1), "no load format");
    /* Whitespace alone. */
    assert_load_error(text(" \r\n\t"), "no number in the body");
    parsed_t r = json("", " \n");
    assert_true(strncmp(r.err, "not JSON: ", 10) == 0);
}

static void test_err_buffer_may_be_small_or_absent(void **state)
{
    (void)state;
    double v = 1;
    char err[8];
    assert_int_equal(health_load_parse(HEALTH_LOAD_TEXT, NULL, "x", 1, &v, err, sizeof(err)),
                     -GSLB_EINVAL);
    assert_string_equal(err, "no numb");
    assert_int_equal(health_load_parse(HEALTH_LOAD_TEXT, NULL, "x", 1, &v, NULL, 0),
                     -GSLB_EINVAL);
    assert_int_equal(health_load_parse(HEALTH_LOAD_TEXT, NULL, "4", 1, &v, NULL, 0), 0);
    assert_true(v == 4);
}

/* The probe keeps the first HEALTH_HTTP_BODY_MAX bytes of a body; what it
 * hands over may thus be cut anywhere. */
static void test_body_cut_at_the_limit(void **state)
{
    (void)state;
    size_t max = HEALTH_HTTP_BODY_MAX;
    char *body = xmalloc(max + 1);

    /* JSON: a document longer than the limit is not JSON any more. */
    memcpy(body, "{\"load\": 0.5, \"pad\": \"", 22);
    memset(body + 22, 'x', max - 22);
    body[max] = '\0';
    parsed_t r = parse_n(HEALTH_LOAD_JSON, "/load", body, max);
    assert_true(strncmp(r.err, "not JSON: ", 10) == 0);

    /* A document that fills the limit exactly is whole. */
    memset(body, ' ', max);
    memcpy(body, "{\"load\": 0.5}", 13);
    assert_figure(parse_n(HEALTH_LOAD_JSON, "/load", body, max), 0.5);

    /* Text: a figure early in a long body is read. */
    memset(body, '.', max);
    memcpy(body, "load 3 ", 7);
    assert_figure(parse_n(HEALTH_LOAD_TEXT, NULL, body, max), 3);

    /* A number that runs into the cut may have lost digits. */
    memset(body, '.', max);
    memcpy(body + max - 4, " 123", 4);
    assert_load_error(parse_n(HEALTH_LOAD_TEXT, NULL, body, max),
                      "number cut off at the 65536-byte body limit");
    /* One that ends before the cut is whole. */
    memcpy(body + max - 5, " 123 ", 5);
    assert_figure(parse_n(HEALTH_LOAD_TEXT, NULL, body, max), 123);
    /* A shorter body ends where the server ended it. */
    assert_figure(parse_n(HEALTH_LOAD_TEXT, NULL, body + 1, max - 2), 123);
    free(body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_nested_pointer),
        cmocka_unit_test(test_json_whole_document),
        cmocka_unit_test(test_json_escapes),
        cmocka_unit_test(test_json_arrays),
        cmocka_unit_test(test_json_missing_key),
        cmocka_unit_test(test_json_wrong_types),
        cmocka_unit_test(test_json_numbers_and_range),
        cmocka_unit_test(test_json_not_json),
        cmocka_unit_test(test_text_first_number),
        cmocka_unit_test(test_text_nan_and_inf),
        cmocka_unit_test(test_text_binary_and_long_numbers),
        cmocka_unit_test(test_empty_body_and_no_format),
        cmocka_unit_test(test_err_buffer_may_be_small_or_absent),
        cmocka_unit_test(test_body_cut_at_the_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
