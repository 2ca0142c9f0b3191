/* latency: checks of a row's fields (prefix, datacenter, rtt_ms, measured), the same for CSV and
 * JSON. */
#include "latency_int.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

const char *lat_quote(const char *text, size_t len, char *buf)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t i = 0; i < len && i < LAT_QUOTE_TEXT; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '\\') {
            buf[o++] = '\\';
            buf[o++] = '\\';
        } else if (c >= 0x20 && c < 0x7f) {
            buf[o++] = (char)c;
        } else {
            buf[o++] = '\\';
            buf[o++] = 'x';
            buf[o++] = hex[c >> 4];
            buf[o++] = hex[c & 15];
        }
    }
    if (len > LAT_QUOTE_TEXT) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o] = '\0';
    return buf;
}

/* ::ffff:0:0/96, where IPv4-mapped addresses live (RFC 4291 section 2.5.5.2). */
static bool is_v4_mapped(const gslb_addr_t *a, uint8_t bits)
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return a->family == AF_INET6 && bits >= 96 && memcmp(a->addr, mapped, 12) == 0;
}

bool lat_prefix_check(lat_build_t *b, const char *text, size_t len, unsigned line, unsigned col,
                      gslb_addr_t *net, uint8_t *bits)
{
    char q[LAT_QUOTE_MAX];
    if (len == 0) {
        lat_error(b, line, col, "missing prefix");
        return false;
    }
    /* Longer than any address and length, or with a NUL inside: no prefix. */
    char buf[GSLB_ADDR_TEXT_MAX + 8];
    gslb_prefix_status_t st = GSLB_PREFIX_BAD_ADDRESS;
    if (len < sizeof(buf) && memchr(text, '\0', len) == NULL) {
        memcpy(buf, text, len);
        buf[len] = '\0';
        st = gslb_prefix_parse(buf, net, bits);
    }
    switch (st) {
    case GSLB_PREFIX_OK:
        break;
    case GSLB_PREFIX_HOST_BITS: {
        char fixed[GSLB_ADDR_TEXT_MAX];
        lat_error(b, line, col, "prefix '%s' has host bits set (did you mean '%s/%u'?)",
                  lat_quote(text, len, q), gslb_addr_format(net, fixed, sizeof(fixed)), *bits);
        return false;
    }
    case GSLB_PREFIX_BAD_LENGTH:
        if (memchr(text, '/', len) == NULL) {
            lat_error(b, line, col, "prefix '%s' has no /LENGTH", lat_quote(text, len, q));
        } else {
            lat_error(b, line, col, "prefix '%s': the length must be 0 to %u",
                      lat_quote(text, len, q), net->family == AF_INET ? 32u : 128u);
        }
        return false;
    case GSLB_PREFIX_BAD_ADDRESS:
    default:
        lat_error(b, line, col, "prefix '%s' is not a network in ADDRESS/LENGTH form",
                  lat_quote(text, len, q));
        return false;
    }
    if (is_v4_mapped(net, *bits)) {
        gslb_addr_t v4 = {.family = AF_INET};
        memcpy(v4.addr, net->addr + 12, 4);
        *net = v4;
        *bits = (uint8_t)(*bits - 96);
    }
    return true;
}

/* ASCII case-insensitive equality of text[0..len) and the string s. */
static bool equal_fold(const char *text, size_t len, const char *s)
{
    if (strlen(s) != len) {
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char x = text[i], y = s[i];
        x = x >= 'A' && x <= 'Z' ? (char)(x - 'A' + 'a') : x;
        y = y >= 'A' && y <= 'Z' ? (char)(y - 'A' + 'a') : y;
        if (x != y) {
            return false;
        }
    }
    return true;
}

bool lat_dc_check(lat_build_t *b, const char *text, size_t len, unsigned line, unsigned col,
                  uint32_t *dc)
{
    if (len == 0) {
        lat_error(b, line, col, "missing datacenter");
        return false;
    }
    for (size_t i = 0; i < b->name_count; i++) {
        if (strlen(b->names[i]) == len && memcmp(b->names[i], text, len) == 0) {
            *dc = (uint32_t)i;
            return true;
        }
    }
    /* Only a hint that cannot be wrong: the same name in another case. */
    const char *hint = NULL;
    for (size_t i = 0; i < b->name_count && hint == NULL; i++) {
        if (equal_fold(text, len, b->names[i])) {
            hint = b->names[i];
        }
    }
    char q[LAT_QUOTE_MAX];
    if (hint != NULL) {
        lat_error(b, line, col, "unknown datacenter '%s' (did you mean '%s'?)",
                  lat_quote(text, len, q), hint);
    } else {
        lat_error(b, line, col, "unknown datacenter '%s'", lat_quote(text, len, q));
    }
    return false;
}

/* Value of the decimal digits text[0..n), or UINT64_MAX when it does not
 * fit below that. */
static uint64_t digits_value(const char *text, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned)(text[i] - '0');
        if (v > (UINT64_MAX - 1 - d) / 10) {
            return UINT64_MAX;
        }
        v = v * 10 + d;
    }
    return v;
}

static size_t digits_span(const char *text, size_t len)
{
    size_t n = 0;
    while (n < len && text[n] >= '0' && text[n] <= '9') {
        n++;
    }
    return n;
}

bool lat_rtt_text_check(lat_build_t *b, const char *text, size_t len, unsigned line,
                        unsigned col, uint32_t *rtt_us)
{
    if (len == 0) {
        lat_error(b, line, col, "missing rtt_ms");
        return false;
    }
    /* DIGITS[.DIGITS], read exactly: whole milliseconds, then the fraction's
     * first three digits as microseconds and the fourth to round. */
    size_t whole = digits_span(text, len);
    size_t frac = 0;
    bool is_number = whole > 0;
    if (is_number && whole < len) {
        frac = digits_span(text + whole + 1, len - whole - 1);
        is_number = text[whole] == '.' && frac > 0 && whole + 1 + frac == len;
    }
    uint64_t ms = is_number ? digits_value(text, whole) : 0;
    bool is_frac_zero = true;
    uint64_t us = 0;
    for (size_t i = 0; i < frac; i++) {
        unsigned d = (unsigned)(text[whole + 1 + i] - '0');
        is_frac_zero = is_frac_zero && d == 0;
        if (i < 3) {
            us = us * 10 + d;
        } else if (i == 3 && d >= 5) {
            us++;
        }
    }
    for (size_t i = frac; i < 3; i++) {
        us *= 10;
    }
    if (!is_number || ms > LAT_RTT_MAX_MS || (ms == LAT_RTT_MAX_MS && !is_frac_zero)) {
        char q[LAT_QUOTE_MAX];
        lat_error(b, line, col, "rtt_ms must be a number of milliseconds from 0 to %u, not '%s'",
                  LAT_RTT_MAX_MS, lat_quote(text, len, q));
        return false;
    }
    *rtt_us = (uint32_t)(ms * 1000 + us);
    return true;
}

bool lat_rtt_number_check(lat_build_t *b, double ms, unsigned line, unsigned col,
                          uint32_t *rtt_us)
{
    /* Written so that NaN fails too (JSON has none, but the check is cheap). */
    if (!(ms >= 0.0 && ms <= (double)LAT_RTT_MAX_MS)) {
        lat_error(b, line, col,
                  "rtt_ms must be a number of milliseconds from 0 to %u, not %.10g",
                  LAT_RTT_MAX_MS, ms);
        return false;
    }
    *rtt_us = (uint32_t)(ms * 1000.0 + 0.5);
    return true;
}

bool lat_measured_text_check(lat_build_t *b, const char *text, size_t len, unsigned line,
                             unsigned col, int64_t *measured_s)
{
    uint64_t v = len > 0 && digits_span(text, len) == len ? digits_value(text, len) : UINT64_MAX;
    if (v > (uint64_t)INT64_MAX) {
        char q[LAT_QUOTE_MAX];
        lat_error(b, line, col, "measured must be Unix seconds (an integer from 0), not '%s'",
                  lat_quote(text, len, q));
        return false;
    }
    *measured_s = (int64_t)v;
    return true;
}
