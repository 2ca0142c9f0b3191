/* zone: finding a QNAME's node — exact match, zone cut, DNAME, wildcard or closest encloser. */
#include "zone_int.h"

#include <string.h>

zone_match_t zone_lookup(const zone_t *z, const uint8_t *qname, size_t len, unsigned labels,
                         bool is_ds, const zone_node_t **node)
{
    (void)labels;
    const zone_node_t *n = zone_node_find_inline(z, qname, len);
    if (n != NULL) {
        if (n->flags & ZONE_NODE_OCCLUDED) {
            *node = n->cut;
            return ZONE_MATCH_DELEGATION;
        }
        /* RFC 4035 3.1.4.1 / RFC 1034 4.3.2: DS lives on the parent side of a cut. */
        if ((n->flags & ZONE_NODE_CUT) && !is_ds) {
            *node = n;
            return ZONE_MATCH_DELEGATION;
        }
        *node = n;
        return ZONE_MATCH_EXACT;
    }
    /* Walk up to the closest encloser; every ancestor inside the zone exists
     * as a node (empty non-terminals included), so the first hit is it. */
    size_t off = 0;
    while (len - off > z->origin_len) {
        off += 1u + qname[off];
        /* The name is inside the zone: a tail as long as the origin is the apex,
         * the closest encloser of most names that do not exist, found unhashed. */
        const zone_node_t *a = len - off == z->origin_len
                                   ? z->apex
                                   : zone_node_find_inline(z, qname + off, len - off);
        if (a == NULL) {
            continue;
        }
        if (a->flags & ZONE_NODE_OCCLUDED) {
            *node = a->cut;
            return ZONE_MATCH_DELEGATION;
        }
        if (a->flags & ZONE_NODE_CUT) {
            *node = a;
            return ZONE_MATCH_DELEGATION;
        }
        if (zone_node_rrset(a, DNS_TYPE_DNAME) != NULL) {
            *node = a; /* RFC 6672 2.3: names below a DNAME owner are redirected */
            return ZONE_MATCH_DNAME;
        }
        if (a->flags & ZONE_NODE_WILDCARD) {
            /* RFC 4592 3.3.1: the source of synthesis is "*" under the closest encloser. */
            uint8_t wild[DNS_NAME_MAX];
            size_t wlen = 2u + (len - off);
            if (wlen <= DNS_NAME_MAX) {
                wild[0] = 1;
                wild[1] = '*';
                memcpy(wild + 2, qname + off, len - off);
                const zone_node_t *w = zone_node_find_inline(z, wild, wlen);
                if (w != NULL) {
                    *node = w;
                    return ZONE_MATCH_WILDCARD;
                }
            }
        }
        *node = a;
        return ZONE_MATCH_NXDOMAIN;
    }
    *node = z->apex;
    return ZONE_MATCH_NXDOMAIN;
}
