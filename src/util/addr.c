/* util: the IP address type's text parser and formatter, one for config, policy and control. */
#include "gslb/util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

int gslb_addr_parse(const char *text, gslb_addr_t *out)
{
    memset(out, 0, sizeof(*out));
    /* A text with a colon is never IPv4 and one without is never IPv6, so
     * the order decides nothing; IPv4 first is the common case. */
    if (inet_pton(AF_INET, text, out->addr) == 1) {
        out->family = AF_INET;
        return 0;
    }
    if (inet_pton(AF_INET6, text, out->addr) == 1) {
        out->family = AF_INET6;
        return 0;
    }
    memset(out, 0, sizeof(*out));
    return -GSLB_EINVAL;
}

static unsigned width(const gslb_addr_t *a)
{
    return a->family == AF_INET ? 32 : 128;
}

void gslb_addr_mask(gslb_addr_t *a, unsigned prefix_bits)
{
    for (unsigned i = 0; i < width(a) / 8; i++) {
        int keep = (int)prefix_bits - (int)(i * 8);
        a->addr[i] &= keep >= 8 ? 0xff : keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));
    }
}

/* A length: 1..3 decimal digits, no sign or space, up to max; -1 if not that. */
static int length_parse(const char *s, unsigned max)
{
    size_t n = strlen(s);
    if (n == 0 || n > 3 || strspn(s, "0123456789") != n) {
        return -1;
    }
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    return v <= max ? (int)v : -1;
}

gslb_prefix_status_t gslb_prefix_parse(const char *text, gslb_addr_t *out,
                                       uint8_t *prefix_bits)
{
    memset(out, 0, sizeof(*out));
    *prefix_bits = 0;
    const char *slash = strchr(text, '/');
    size_t len = slash != NULL ? (size_t)(slash - text) : strlen(text);
    char host[GSLB_ADDR_TEXT_MAX];
    if (len >= sizeof(host)) {
        return GSLB_PREFIX_BAD_ADDRESS;
    }
    memcpy(host, text, len);
    host[len] = '\0';
    if (gslb_addr_parse(host, out) != 0) {
        return GSLB_PREFIX_BAD_ADDRESS;
    }
    int bits = slash != NULL ? length_parse(slash + 1, width(out)) : -1;
    if (bits < 0) {
        return GSLB_PREFIX_BAD_LENGTH;
    }
    *prefix_bits = (uint8_t)bits;
    gslb_addr_t masked = *out;
    gslb_addr_mask(&masked, (unsigned)bits);
    bool has_host_bits = memcmp(&masked, out, sizeof(masked)) != 0;
    *out = masked;
    return has_host_bits ? GSLB_PREFIX_HOST_BITS : GSLB_PREFIX_OK;
}

const char *gslb_addr_format(const gslb_addr_t *a, char *buf, size_t size)
{
    if ((a->family != AF_INET && a->family != AF_INET6) ||
        inet_ntop(a->family, a->addr, buf, (socklen_t)size) == NULL) {
        snprintf(buf, size, "?");
    }
    return buf;
}
