/* health: load figures from probe bodies: a JSON number at a pointer, or the first number of text. */
#include "health_int.h"

#include <jansson.h>

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

__attribute__((format(printf, 3, 4))) static int fail(char *err, size_t errlen, const char *fmt,
                                                      ...)
{
    if (err != NULL && errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -GSLB_EINVAL;
}

/* The last check every figure passes, whatever format it came in. */
static int figure_take(double v, double *out, char *err, size_t errlen)
{
    if (!isfinite(v)) {
        return fail(err, errlen, "not a finite number");
    }
    if (v < 0) {
        return fail(err, errlen, "negative: %g", v);
    }
    *out = v + 0.0; /* -0 becomes 0 */
    return 0;
}

/* ---- JSON ---- */

static const char *json_kind(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER:
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

/* An array index as RFC 6901 section 4 spells it: "0", or decimal digits
 * without a leading zero. "-" (the element after the last) names nothing
 * that could hold a figure. Returns false when tok is not one; an index too
 * large for size_t becomes SIZE_MAX, which no array reaches. */
static bool array_index(const char *tok, size_t *out)
{
    if (tok[0] == '\0' || (tok[0] == '0' && tok[1] != '\0')) {
        return false;
    }
    size_t idx = 0;
    for (const char *s = tok; *s != '\0'; s++) {
        if (*s < '0' || *s > '9') {
            return false;
        }
        unsigned d = (unsigned)(*s - '0');
        idx = idx > (SIZE_MAX - d) / 10 ? SIZE_MAX : idx * 10 + d;
    }
    *out = idx;
    return true;
}

/* Decode the reference token starting at *s (after its '/') into tok, undoing
 * "~1" -> '/' and "~0" -> '~' in that order (RFC 6901 section 4: "~01" is
 * "~1"); *s moves to the next '/' or the end. The pointer is valid. */
static void token_next(const char **s, char *tok)
{
    const char *p = *s;
    size_t n = 0;
    while (*p != '\0' && *p != '/') {
        if (p[0] == '~') {
            tok[n++] = p[1] == '1' ? '/' : '~';
            p += 2;
        } else {
            tok[n++] = *p++;
        }
    }
    tok[n] = '\0';
    *s = p;
}

/* Walk pointer from root. Returns the value, or NULL with the reason in err. */
static const json_t *pointer_walk(const json_t *root, const char *pointer, char *err,
                                  size_t errlen)
{
    const json_t *cur = root;
    char *tok = xmalloc(strlen(pointer) + 1);
    const char *s = pointer;
    while (*s == '/') {
        /* For messages: pointer[0..at) named cur, pointer[0..upto) names next. */
        int at = (int)(s - pointer);
        s++;
        token_next(&s, tok);
        int upto = (int)(s - pointer);
        const json_t *next = NULL;
        size_t idx = 0;
        if (json_is_object(cur)) {
            next = json_object_get(cur, tok);
        } else if (json_is_array(cur)) {
            if (!array_index(tok, &idx)) {
                fail(err, errlen, "no number at %s: '%s' is not an array index", pointer, tok);
                cur = NULL;
                break;
            }
            next = idx < json_array_size(cur) ? json_array_get(cur, idx) : NULL;
        } else if (at == 0) {
            /* Only objects and arrays have members. */
            fail(err, errlen, "no number at %s: the body is %s", pointer, json_kind(cur));
            cur = NULL;
            break;
        } else {
            fail(err, errlen, "no number at %s: %.*s is %s", pointer, at, pointer,
                 json_kind(cur));
            cur = NULL;
            break;
        }
        if (next == NULL && *s == '\0') {
            fail(err, errlen, "no number at %s", pointer);
        } else if (next == NULL) {
            fail(err, errlen, "no number at %s: nothing at %.*s", pointer, upto, pointer);
        }
        cur = next;
        if (cur == NULL) {
            break;
        }
    }
    free(tok);
    return cur;
}

static int json_figure(const char *pointer, const char *body, size_t len, double *out, char *err,
                       size_t errlen)
{
    const char *why = health_load_pointer_problem(pointer);
    if (why != NULL) {
        return fail(err, errlen, "bad JSON pointer: %s", why);
    }
    if (pointer == NULL) {
        pointer = "";
    }
    json_error_t jerr;
    /* Any value at the top ("" may name a bare number); integers as doubles,
     * so that one beyond 64 bits is a large figure rather than an error. */
    json_t *root = json_loadb(body, len, JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL, &jerr);
    if (root == NULL) {
        return fail(err, errlen, "not JSON: %s at line %d col %d", jerr.text, jerr.line,
                    jerr.column);
    }
    int rc = -GSLB_EINVAL;
    const json_t *v = pointer_walk(root, pointer, err, errlen);
    if (v != NULL && !json_is_number(v)) {
        fail(err, errlen, "%s%s is %s, not a number", pointer[0] != '\0' ? "" : "the body",
             pointer, json_kind(v));
    } else if (v != NULL) {
        rc = figure_take(json_number_value(v), out, err, errlen);
    }
    json_decref(root);
    return rc;
}

/* ---- text ---- */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_word_char(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/* Length of the number starting at s[0..n): [+-] digits [. digits] [e [+-] digits],
 * where either side of the point may be empty but not both; an exponent
 * without digits is not part of it. 0 when no number starts there. Every
 * such number is one strtod reads whole. */
static size_t number_len(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && (s[i] == '+' || s[i] == '-')) {
        i++;
    }
    size_t int_digits = 0, frac_digits = 0;
    while (i < n && is_digit(s[i])) {
        i++;
        int_digits++;
    }
    if (i < n && s[i] == '.') {
        size_t j = i + 1;
        while (j < n && is_digit(s[j])) {
            j++;
            frac_digits++;
        }
        if (int_digits + frac_digits > 0) {
            i = j;
        }
    }
    if (int_digits + frac_digits == 0) {
        return 0;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        size_t j = i + 1;
        if (j < n && (s[j] == '+' || s[j] == '-')) {
            j++;
        }
        size_t k = j;
        while (k < n && is_digit(s[k])) {
            k++;
        }
        if (k > j) {
            i = k;
        }
    }
    return i;
}

/* A word strtod would read as infinity or NaN, standing alone at s[0..n)
 * (not the start of "information"); its length or 0. */
static size_t non_finite_len(const char *s, size_t n)
{
    static const char *const words[] = {"infinity", "inf", "nan"};
    for (size_t w = 0; w < GSLB_ARRAY_LEN(words); w++) {
        size_t wl = strlen(words[w]);
        if (n >= wl && strncasecmp(s, words[w], wl) == 0 && (n == wl || !is_word_char(s[wl]))) {
            return wl;
        }
    }
    return 0;
}

static int text_figure(const char *body, size_t len, double *out, char *err, size_t errlen)
{
    for (size_t i = 0; i < len; i++) {
        size_t n = number_len(body + i, len - i);
        if (n == 0) {
            bool at_word_start = i == 0 || !is_word_char(body[i - 1]);
            size_t wl = at_word_start ? non_finite_len(body + i, len - i) : 0;
            if (wl > 0) {
                /* A service that prints "load nan" has no figure; the next
                 * number in its text is something else. */
                return fail(err, errlen, "not a finite number: %.*s", (int)wl, body + i);
            }
            continue;
        }
        if (len >= HEALTH_HTTP_BODY_MAX && i + n == len) {
            /* The probe keeps only the first HEALTH_HTTP_BODY_MAX bytes:
             * digits may have been cut off. */
            return fail(err, errlen, "number cut off at the %d-byte body limit",
                        HEALTH_HTTP_BODY_MAX);
        }
        char *text = xmalloc(n + 1);
        memcpy(text, body + i, n);
        text[n] = '\0';
        errno = 0;
        double v = strtod(text, NULL);
        bool is_overflow = errno == ERANGE && isinf(v);
        int rc = is_overflow ? fail(err, errlen, "not a finite number: %.40s", text)
                             : figure_take(v, out, err, errlen);
        free(text);
        return rc;
    }
    return fail(err, errlen, "no number in the body");
}

int health_load_parse(health_load_format_t fmt, const char *pointer, const char *body, size_t len,
                      double *out, char *err, size_t errlen)
{
    if (fmt != HEALTH_LOAD_JSON && fmt != HEALTH_LOAD_TEXT) {
        return fail(err, errlen, "no load format");
    }
    if (len == 0) {
        return fail(err, errlen, "empty body");
    }
    if (fmt == HEALTH_LOAD_JSON) {
        return json_figure(pointer, body, len, out, err, errlen);
    }
    return text_figure(body, len, out, err, errlen);
}
