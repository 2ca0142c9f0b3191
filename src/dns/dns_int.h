/* dns: name helpers shared by the module's files, inline for the query path. */
#ifndef GSLB_DNS_INT_H
#define GSLB_DNS_INT_H

#include "gslb/dns.h"

#include <string.h>

/* ASCII lower case of one octet. */
static inline uint8_t dns_lower(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

/* Lower-case 8 octets at once: 0x20 is added to each octet in 'A'..'Z'. Label length
 * octets (0..63) are never in that range, so a whole wire name goes through unchanged
 * but for its letters, with no walk over the labels. */
static inline uint64_t dns_lower8(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101ull;
    uint64_t low7 = x & (0x7F * ones);
    uint64_t ge_a = low7 + (0x80 - 'A') * ones;     /* high bit: low 7 bits >= 'A' */
    uint64_t gt_z = low7 + (0x80 - 'Z' - 1) * ones; /* high bit: low 7 bits > 'Z' */
    /* gt_z implies ge_a, so their difference is ge_a ^ gt_z; ... and the octet is < 0x80. */
    uint64_t upper = (ge_a ^ gt_z) & ~x & (0x80 * ones);
    return x | (upper >> 2);
}

/* dns_name_lower, for callers on the query path. */
static inline void dns_name_lower_inline(const uint8_t *name, size_t len, uint8_t *out)
{
    if (len < 8) {
        for (size_t i = 0; i < len; i++) {
            out[i] = dns_lower(name[i]);
        }
        return;
    }
    uint64_t x;
    for (size_t i = 0; i + 8 < len; i += 8) {
        memcpy(&x, name + i, 8);
        x = dns_lower8(x);
        memcpy(out + i, &x, 8);
    }
    /* The last 8 octets, overlapping the words before if need be: lower-casing
     * twice changes nothing, and fixed-size copies need no library call. */
    memcpy(&x, name + len - 8, 8);
    x = dns_lower8(x);
    memcpy(out + len - 8, &x, 8);
}

/* dns_name_scan, for callers on the query path. Reading stops short of octet 255:
 * the root label read at i < 255 ends a name of at most 255 octets, and a name that
 * would be longer fails to find its next label, so no length test per label. One
 * unsigned comparison sends both the root label and a length above 63 out of the loop. */
static inline size_t dns_name_scan_inline(const uint8_t *p, size_t max, unsigned *labels)
{
    if (max > DNS_NAME_MAX) {
        max = DNS_NAME_MAX;
    }
    size_t i = 0;
    unsigned n = 0;
    for (;;) {
        if (i >= max) {
            return 0;
        }
        unsigned l = p[i];
        if (l - 1u >= DNS_LABEL_MAX) {
            if (l != 0) {
                return 0; /* a compression pointer or an extended label type (RFC 6891 5) */
            }
            *labels = n;
            return i + 1;
        }
        i += 1u + l;
        n++;
    }
}

/* Is type one of the RFC 1035 types whose RDATA names may be compressed (RFC 3597
 * section 4: NS, CNAME, SOA, PTR, MX, MB, MG, MR, MINFO)? The one list the writer
 * and the precompiled RRsets share. */
static inline bool dns_type_compresses(uint16_t type)
{
    switch (type) {
    case DNS_TYPE_NS:
    case DNS_TYPE_CNAME:
    case DNS_TYPE_PTR:
    case DNS_TYPE_MB:
    case DNS_TYPE_MG:
    case DNS_TYPE_MR:
    case DNS_TYPE_MX:
    case DNS_TYPE_SOA:
    case DNS_TYPE_MINFO:
        return true;
    default:
        return false;
    }
}

#endif
