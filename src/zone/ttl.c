/* zone: the TTLs written in a record's text, checked before ldns folds them into 32 bits. */
#include "zone_int.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* A TTL as zone files write it: seconds, or BIND's units (1h30m, 2d, 1W).
 * Returns false when the token is not one; *out saturates above UINT64_MAX/2. */
static bool ttl_value(const char *t, size_t n, uint64_t *out)
{
    uint64_t total = 0, num = 0;
    bool has_digit = false;
    for (size_t i = 0; i < n; i++) {
        char c = t[i];
        if (c >= '0' && c <= '9') {
            num = num > UINT64_MAX / 20 ? UINT64_MAX / 20 : num * 10 + (uint64_t)(c - '0');
            has_digit = true;
            continue;
        }
        uint64_t unit;
        switch (tolower((unsigned char)c)) {
        case 's': unit = 1; break;
        case 'm': unit = 60; break;
        case 'h': unit = 3600; break;
        case 'd': unit = 86400; break;
        case 'w': unit = 604800; break;
        default: return false;
        }
        if (!has_digit) {
            return false;
        }
        total += num > UINT64_MAX / 1209600 ? UINT64_MAX / 4 : num * unit;
        num = 0;
        has_digit = false;
    }
    total += num;
    *out = total > UINT64_MAX / 2 ? UINT64_MAX / 2 : total;
    return true;
}

static bool is_class(const char *t, size_t n)
{
    static const char *const classes[] = {"IN", "CH", "HS", "CS", "NONE", "ANY"};
    for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
        if (strlen(classes[i]) == n && strncasecmp(t, classes[i], n) == 0) {
            return true;
        }
    }
    return n > 5 && strncasecmp(t, "CLASS", 5) == 0 && isdigit((unsigned char)t[5]);
}

/* The next blank-separated token of text[*pos..len), or false at the end
 * of the first line or at a comment. */
static bool next_token(const char *text, size_t len, size_t *pos, const char **tok, size_t *n)
{
    size_t i = *pos;
    while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '(')) {
        i++;
    }
    if (i >= len || text[i] == '\n' || text[i] == '\r' || text[i] == ';') {
        return false;
    }
    size_t start = i;
    while (i < len && !isspace((unsigned char)text[i]) && text[i] != ';' && text[i] != '(') {
        i++;
    }
    *tok = text + start;
    *n = i - start;
    *pos = i;
    return true;
}

bool zone_ttl_text_check(const char *text, size_t len, char *bad, size_t badlen)
{
    size_t pos = 0;
    const char *tok;
    size_t n;
    if (len >= 4 && strncasecmp(text, "$TTL", 4) == 0) {
        pos = 4;
    } else if (len > 0 && text[0] != ' ' && text[0] != '\t') {
        if (!next_token(text, len, &pos, &tok, &n)) { /* the owner name */
            return true;
        }
    }
    /* Then the TTL and the class, in either order, before the type. */
    for (int k = 0; k < 2 && next_token(text, len, &pos, &tok, &n); k++) {
        uint64_t v;
        if (isdigit((unsigned char)tok[0]) && ttl_value(tok, n, &v)) {
            if (v > ZONE_TTL_MAX) {
                snprintf(bad, badlen, "%.*s", (int)(n < 40 ? n : 40), tok);
                return false;
            }
        } else if (!is_class(tok, n)) {
            break; /* the type */
        }
    }
    return true;
}
