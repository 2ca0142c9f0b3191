/* steer: the figure in Prometheus's answer to an instant query (JSON, values as strings). */
#include "prom_int.h"

#include <jansson.h>

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest piece of a value quoted back in an error. */
#define QUOTE_MAX 40

static int fail(int rc, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(int rc, char *err, size_t errlen, const char *fmt, ...)
{
    if (err != NULL && errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return rc;
}

/* A sample's value: Prometheus sends "0.7", "1e+21", "NaN", "+Inf", "-Inf". */
static int parse_number(const char *s, double *value, char *err, size_t errlen)
{
    char *end = NULL;
    double v = s[0] != '\0' ? strtod(s, &end) : NAN;
    if (end == NULL || end == s || *end != '\0' || isnan(v)) {
        return fail(-GSLB_EINVAL, err, errlen, "not a number: \"%.*s\"", QUOTE_MAX, s);
    }
    if (isinf(v)) {
        return fail(-GSLB_EINVAL, err, errlen, "not finite: \"%.*s\"", QUOTE_MAX, s);
    }
    if (v < 0) {
        return fail(-GSLB_EINVAL, err, errlen, "negative: \"%.*s\"", QUOTE_MAX, s);
    }
    *value = v + 0.0; /* -0 becomes 0 */
    return 0;
}

/* [<timestamp>, "<value>"]: a scalar result, or a vector sample's "value". */
static int parse_pair(const json_t *pair, double *value, char *err, size_t errlen)
{
    const char *text = json_string_value(json_array_get(pair, 1));
    if (!json_is_array(pair) || json_array_size(pair) != 2 || text == NULL) {
        return fail(-GSLB_EINVAL, err, errlen, "bad JSON: a value is not [time, \"number\"]");
    }
    return parse_number(text, value, err, errlen);
}

static int parse_success(const json_t *root, double *value, char *err, size_t errlen)
{
    const json_t *data = json_object_get(root, "data");
    const char *type = json_string_value(json_object_get(data, "resultType"));
    const json_t *result = json_object_get(data, "result");
    if (!json_is_object(data) || type == NULL || result == NULL) {
        return fail(-GSLB_EINVAL, err, errlen, "bad JSON: no data.resultType and data.result");
    }
    if (strcmp(type, "scalar") == 0) {
        return parse_pair(result, value, err, errlen);
    }
    if (strcmp(type, "vector") != 0) {
        return fail(-GSLB_EINVAL, err, errlen, "unsupported result type \"%.*s\"", QUOTE_MAX,
                    type);
    }
    if (!json_is_array(result)) {
        return fail(-GSLB_EINVAL, err, errlen, "bad JSON: data.result is not an array");
    }
    if (json_array_size(result) == 0) {
        return fail(-GSLB_ENOTFOUND, err, errlen, "empty result");
    }
    const json_t *pair = json_object_get(json_array_get(result, 0), "value");
    if (pair == NULL) {
        return fail(-GSLB_EINVAL, err, errlen, "bad JSON: the first sample has no value");
    }
    return parse_pair(pair, value, err, errlen);
}

int steer_prom_result_parse(int status, const char *body, size_t len, double *value, char *err,
                            size_t errlen)
{
    *value = 0;
    if (err != NULL && errlen > 0) {
        err[0] = '\0';
    }
    json_error_t jerr;
    json_t *root = json_loadb(body != NULL ? body : "", body != NULL ? len : 0, 0, &jerr);
    /* Prometheus explains a failed query (400, 422, 503) in "error". */
    const char *why = json_string_value(json_object_get(root, "error"));
    int rc;
    if (status != 200) {
        if (why != NULL && why[0] != '\0') {
            rc = fail(-GSLB_EIO, err, errlen, "HTTP %d: %s", status, why);
        } else {
            rc = fail(-GSLB_EIO, err, errlen, "HTTP %d", status);
        }
    } else if (root == NULL) {
        rc = fail(-GSLB_EINVAL, err, errlen, "bad JSON: %s", jerr.text);
    } else if (!json_is_object(root)) {
        rc = fail(-GSLB_EINVAL, err, errlen, "bad JSON: not an object");
    } else {
        const char *st = json_string_value(json_object_get(root, "status"));
        if (st == NULL || strcmp(st, "success") != 0) {
            rc = fail(-GSLB_EIO, err, errlen, "query failed: %s",
                      why != NULL ? why : "status is not \"success\"");
        } else {
            rc = parse_success(root, value, err, errlen);
        }
    }
    json_decref(root);
    if (rc != 0) {
        *value = 0;
    }
    return rc;
}
