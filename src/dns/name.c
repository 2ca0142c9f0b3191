/* dns: helpers for uncompressed wire-format names. */
#include "gslb/dns.h"

static inline uint8_t lower(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

void dns_name_lower(const uint8_t *name, size_t len, uint8_t *out)
{
    size_t i = 0;
    while (i < len) {
        uint8_t l = name[i];
        out[i++] = l;
        for (uint8_t k = 0; k < l && i < len; k++, i++) {
            out[i] = lower(name[i]);
        }
        if (l == 0) {
            break;
        }
    }
}

size_t dns_name_len(const uint8_t *p, size_t max)
{
    size_t i = 0;
    for (;;) {
        if (i >= max) {
            return 0;
        }
        uint8_t l = p[i];
        if (l > DNS_LABEL_MAX) {
            return 0; /* a compression pointer or an extended label type (RFC 6891 5) */
        }
        i += 1u + l;
        if (i > DNS_NAME_MAX) {
            return 0;
        }
        if (l == 0) {
            return i;
        }
    }
}

unsigned dns_name_labels(const uint8_t *name)
{
    unsigned n = 0;
    while (*name != 0) {
        n++;
        name += 1u + *name;
    }
    return n;
}

bool dns_name_equal(const uint8_t *a, const uint8_t *b)
{
    for (;;) {
        if (*a != *b) {
            return false;
        }
        uint8_t l = *a;
        if (l == 0) {
            return true;
        }
        for (uint8_t i = 1; i <= l; i++) {
            if (lower(a[i]) != lower(b[i])) {
                return false;
            }
        }
        a += 1u + l;
        b += 1u + l;
    }
}
