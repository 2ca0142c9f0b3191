/* latency: where each value of a JSON text starts, for messages about values jansson accepted. */
#include "latency_int.h"

#include <stdlib.h>

typedef struct scan {
    const char *p;
    size_t len, off;
    unsigned line, col; /* of p[off] */
    lat_json_pos_t *v;
    size_t n, cap;
} scan_t;

/* Move past p[off], counting lines and characters as jansson does: a
 * newline starts a line, a UTF-8 continuation byte is no new column. */
static void step(scan_t *s)
{
    unsigned char c = (unsigned char)s->p[s->off++];
    if (c == '\n') {
        s->line++;
        s->col = 1;
    } else if ((c & 0xc0) != 0x80) {
        s->col++;
    }
}

static bool at(const scan_t *s, char c)
{
    return s->off < s->len && s->p[s->off] == c;
}

static void skip_ws(scan_t *s)
{
    while (s->off < s->len && (s->p[s->off] == ' ' || s->p[s->off] == '\t' ||
                               s->p[s->off] == '\n' || s->p[s->off] == '\r')) {
        step(s);
    }
}

/* A string, from its opening quote past its closing one. */
static void skip_string(scan_t *s)
{
    step(s);
    while (s->off < s->len) {
        char c = s->p[s->off];
        step(s);
        if (c == '\\' && s->off < s->len) {
            step(s);
        } else if (c == '"') {
            return;
        }
    }
}

/* A number or literal: up to the next delimiter. */
static void skip_scalar(scan_t *s)
{
    while (s->off < s->len) {
        char c = s->p[s->off];
        if (c == ',' || c == ']' || c == '}' || c == ' ' || c == '\t' || c == '\n' ||
            c == '\r') {
            return;
        }
        step(s);
    }
}

static size_t push(scan_t *s, unsigned key_line, unsigned key_col)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 64;
        s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
    }
    s->v[s->n] = (lat_json_pos_t){.line = s->line, .col = s->col, .key_line = key_line,
                                  .key_col = key_col, .size = 1};
    return s->n++;
}

/* One value and everything inside it. Recursion is as deep as the text's
 * nesting, which jansson has already bounded (2048 levels). Every loop
 * consumes a byte or stops, so text jansson never saw cannot hang it. */
static void scan_value(scan_t *s, unsigned key_line, unsigned key_col)
{
    skip_ws(s);
    size_t idx = push(s, key_line, key_col);
    if (s->off >= s->len) {
        return;
    }
    char open = s->p[s->off];
    if (open == '{' || open == '[') {
        char close = open == '{' ? '}' : ']';
        step(s);
        skip_ws(s);
        while (s->off < s->len && !at(s, close)) {
            unsigned kl = 0, kc = 0;
            if (open == '{') {
                kl = s->line;
                kc = s->col;
                skip_string(s);
                skip_ws(s);
                if (!at(s, ':')) {
                    break;
                }
                step(s);
            }
            scan_value(s, kl, kc);
            skip_ws(s);
            if (!at(s, ',')) {
                break;
            }
            step(s);
            skip_ws(s);
        }
        if (at(s, close)) {
            step(s);
        }
    } else if (open == '"') {
        skip_string(s);
    } else {
        skip_scalar(s);
    }
    s->v[idx].size = (uint32_t)(s->n - idx);
}

lat_json_pos_t *lat_json_positions(const char *text, size_t len, size_t *count)
{
    scan_t s = {.p = text, .len = len, .off = 0, .line = 1, .col = 1};
    scan_value(&s, 0, 0);
    *count = s.n;
    return s.v;
}
