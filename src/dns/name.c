/* dns: helpers for uncompressed wire-format names. */
#include "dns_int.h"

void dns_name_lower(const uint8_t *name, size_t len, uint8_t *out)
{
    dns_name_lower_inline(name, len, out);
}

size_t dns_name_scan(const uint8_t *p, size_t max, unsigned *labels)
{
    return dns_name_scan_inline(p, max, labels);
}

size_t dns_name_len(const uint8_t *p, size_t max)
{
    unsigned labels;
    return dns_name_scan(p, max, &labels);
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
            if (dns_lower(a[i]) != dns_lower(b[i])) {
                return false;
            }
        }
        a += 1u + l;
        b += 1u + l;
    }
}
