/* health: reading a load figure from an http/https probe's response body (JSON pointer or text). */
#include "health_int.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* One reference token of an RFC 6901 pointer, unescaped (~1 is '/', ~0 is
 * '~'); *p moves past it. Returns false for a '~' not followed by 0 or 1. */
static bool pointer_token(const char **p, char *out, size_t cap)
{
    size_t n = 0;
    const char *s = *p;
    while (*s != '\0' && *s != '/') {
        char c = *s++;
        if (c == '~') {
            if (*s != '0' && *s != '1') {
                return false;
            }
            c = *s++ == '0' ? '~' : '/';
        }
        if (n + 1 < cap) {
            out[n++] = c;
        }
    }
    out[n] = '\0';
    *p = s;
    return true;
}

/* An array index: decimal digits, no leading zero (RFC 6901 section 4). */
static bool array_index(const char *tok, size_t *out)
{
    size_t len = strlen(tok);
    if (len == 0 || len > 9 || (len > 1 && tok[0] == '0') ||
        strspn(tok, "0123456789") != len) {
        return false;
    }
    *out = (size_t)strtoul(tok, NULL, 10);
    return true;
}

static int json_figure(const char *pointer, const char *body, size_t len, double *out, char *err,
                       size_t errlen)
{
    json_error_t je;
    json_t *root = json_loadb(body, len, JSON_DECODE_ANY, &je);
    if (root == NULL) {
        snprintf(err, errlen, "not JSON: %s at line %d column %d", je.text, je.line, je.column);
        return -GSLB_EINVAL;
    }
    const json_t *v = root;
    const char *p = pointer != NULL ? pointer : "";
    char tok[256];
    while (*p == '/' && v != NULL) {
        p++;
        if (!pointer_token(&p, tok, sizeof(tok))) {
            v = NULL;
            break;
        }
        size_t idx;
        if (json_is_object(v)) {
            v = json_object_get(v, tok);
        } else if (json_is_array(v) && array_index(tok, &idx)) {
            v = json_array_get(v, idx);
        } else {
            v = NULL;
        }
    }
    int rc = 0;
    if (v == NULL || *p != '\0') {
        snprintf(err, errlen, "no value at %s", pointer);
        rc = -GSLB_EINVAL;
    } else if (!json_is_number(v)) {
        snprintf(err, errlen, "the value at %s is not a number", pointer);
        rc = -GSLB_EINVAL;
    } else {
        *out = json_number_value(v);
    }
    json_decref(root);
    return rc;
}

/* The first number of a text: optional sign, digits with an optional
 * fraction, optional exponent (what strtod reads, without hex or inf). */
static int text_figure(const char *body, size_t len, double *out, char *err, size_t errlen)
{
    for (size_t i = 0; i < len; i++) {
        bool is_start = isdigit((unsigned char)body[i]) ||
                        (body[i] == '.' && i + 1 < len && isdigit((unsigned char)body[i + 1]));
        if (!is_start) {
            continue;
        }
        size_t from = i;
        if (from > 0 && (body[from - 1] == '-' || body[from - 1] == '+')) {
            from--;
        }
        char buf[64];
        size_t n = 0;
        for (size_t k = from; k < len && n + 1 < sizeof(buf); k++) {
            char c = body[k];
            if (!(isdigit((unsigned char)c) || c == '.' || c == '-' || c == '+' || c == 'e' ||
                  c == 'E')) {
                break;
            }
            buf[n++] = c;
        }
        buf[n] = '\0';
        char *end;
        errno = 0;
        double d = strtod(buf, &end);
        if (end == buf || errno == ERANGE) {
            snprintf(err, errlen, "'%s' is not a number", buf);
            return -GSLB_EINVAL;
        }
        *out = d;
        return 0;
    }
    snprintf(err, errlen, "no number in the body");
    return -GSLB_EINVAL;
}

int health_load_parse(health_load_format_t fmt, const char *pointer, const char *body, size_t len,
                      double *out, char *err, size_t errlen)
{
    double v = 0;
    int rc = fmt == HEALTH_LOAD_JSON ? json_figure(pointer, body, len, &v, err, errlen)
             : fmt == HEALTH_LOAD_TEXT ? text_figure(body, len, &v, err, errlen)
                                       : -GSLB_EINVAL;
    if (rc != 0) {
        if (fmt == HEALTH_LOAD_NONE) {
            snprintf(err, errlen, "no load format");
        }
        return rc;
    }
    if (!isfinite(v)) {
        snprintf(err, errlen, "the figure is not finite");
        return -GSLB_EINVAL;
    }
    if (v < 0) {
        snprintf(err, errlen, "the figure %g is negative", v);
        return -GSLB_EINVAL;
    }
    *out = v;
    return 0;
}

void health_probe_load_store(health_probe_t *p, bool ok, double value, const char *err)
{
    health_t *h = p->h;
    pthread_mutex_lock(&h->mu);
    bool is_new_error = !ok && strcmp(p->load_error, err) != 0;
    if (ok) {
        p->has_load = true;
        p->load = value;
        p->load_at_ms = health_monotonic_ms();
        p->load_error[0] = '\0';
    } else {
        snprintf(p->load_error, sizeof(p->load_error), "%s", err);
    }
    char name[HEALTH_NAME_MAX];
    snprintf(name, sizeof(name), "%s", p->name);
    pthread_mutex_unlock(&h->mu);
    if (is_new_error) {
        log_warn("health: resource '%s': cannot read the load figure (%s)", name, err);
    }
}
