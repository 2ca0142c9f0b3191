/* zone: building the node table and RRsets, then flags, targets and semantic checks. */
#include "zone_int.h"

#include <ldns/ldns.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool zone_name_in(const zone_t *z, const uint8_t *name, size_t len)
{
    if (len < z->origin_len) {
        return false;
    }
    const uint8_t *p = name;
    /* Walk label boundaries so "xexample.com" does not match "example.com". */
    while ((size_t)(p - name) < len - z->origin_len) {
        p += 1u + *p;
    }
    return (size_t)(p - name) == len - z->origin_len &&
           memcmp(p, z->origin, z->origin_len) == 0;
}

static void rehash(zone_t *z)
{
    size_t n = z->bucket_count ? z->bucket_count * 2 : 64;
    zone_node_t **b = xcalloc(n, sizeof(*b));
    for (size_t i = 0; i < z->bucket_count; i++) {
        zone_node_t *node = z->buckets[i];
        while (node != NULL) {
            zone_node_t *next = node->hash_next;
            size_t k = zone_name_hash(node->name, node->name_len) & (n - 1);
            node->hash_next = b[k];
            b[k] = node;
            node = next;
        }
    }
    free(z->buckets);
    z->buckets = b;
    z->bucket_count = n;
}

const zone_node_t *zone_node_find(const zone_t *z, const uint8_t *name, size_t len)
{
    return zone_node_find_inline(z, name, len);
}

/* Is n the node of name (len octets)? */
static bool node_is(const zone_node_t *n, const uint8_t *name, size_t len)
{
    return n != NULL && n->name_len == len && memcmp(n->name, name, len) == 0;
}

zone_node_t *zone_node_get(zone_t *z, const uint8_t *name, size_t len)
{
    /* Zone files list a name's records together and names of one parent
     * together: the last node, or the last node's parent, is usually the one
     * wanted, without a hash lookup (a random memory access in a big zone). */
    if (!z->is_final && node_is(z->last, name, len)) {
        return z->last;
    }
    zone_node_t *found = (zone_node_t *)zone_node_find(z, name, len);
    if (found != NULL) {
        z->last = found;
        return found;
    }
    if (z->node_count + 1 > z->bucket_count) {
        rehash(z);
    }
    zone_node_t *n = zone_arena_alloc(&z->arena, sizeof(*n));
    memset(n, 0, sizeof(*n));
    uint8_t *copy = zone_arena_alloc(&z->arena, len);
    memcpy(copy, name, len);
    n->name = copy;
    n->name_len = (uint8_t)len;
    n->labels = (uint8_t)dns_name_labels(copy);
    size_t k = zone_name_hash(name, len) & (z->bucket_count - 1);
    n->hash_next = z->buckets[k];
    z->buckets[k] = n;
    z->node_count++;
    /* Every ancestor up to the apex exists, as an empty non-terminal if need be,
     * so the first existing ancestor of any QNAME is its closest encloser. */
    if (len > z->origin_len) {
        const uint8_t *pname = name + zone_parent_off(name);
        size_t plen = len - zone_parent_off(name);
        zone_node_t *sibling = z->last;
        zone_node_t *parent;
        if (!z->is_final && sibling != NULL && node_is(sibling->cut, pname, plen)) {
            parent = (zone_node_t *)sibling->cut;
        } else {
            parent = zone_node_get(z, pname, plen);
        }
        if (!z->is_final) {
            n->cut = parent;
        }
    }
    z->last = n;
    return n;
}

static int type_cmp(const void *a, const void *b)
{
    const zone_rrset_t *x = a, *y = b;
    return (int)x->type - (int)y->type;
}

/* The target name inside the RDATA of types that name another owner. */
static const uint8_t *rdata_target(uint16_t type, const dns_rdata_t *rd, size_t *len)
{
    size_t off;
    switch (type) {
    case DNS_TYPE_NS:
    case DNS_TYPE_CNAME:
    case DNS_TYPE_DNAME:
        off = 0;
        break;
    case DNS_TYPE_MX:
        off = 2;
        break;
    case DNS_TYPE_SRV:
        off = 6;
        break;
    default:
        return NULL;
    }
    if (rd->len <= off) {
        return NULL;
    }
    *len = dns_name_len(rd->data + off, rd->len - off);
    return *len ? rd->data + off : NULL;
}

static void resolve_targets(zone_t *z, zone_rrset_t *set)
{
    size_t len;
    if (rdata_target(set->type, &set->rrs[0], &len) == NULL) {
        return;
    }
    const zone_node_t **t = zone_arena_alloc(&z->arena, set->count * sizeof(*t));
    for (uint16_t i = 0; i < set->count; i++) {
        t[i] = NULL;
        const uint8_t *name = rdata_target(set->type, &set->rrs[i], &len);
        if (name != NULL) {
            uint8_t lc[DNS_NAME_MAX];
            dns_name_lower(name, len, lc);
            if (zone_name_in(z, lc, len)) {
                t[i] = zone_node_find(z, lc, len);
            }
        }
    }
    set->targets = t;
}

static void name_text(const uint8_t *name, char *out, size_t cap)
{
    size_t o = 0;
    if (*name == 0) {
        snprintf(out, cap, ".");
        return;
    }
    while (*name != 0 && o + 2 < cap) {
        uint8_t l = *name++;
        for (uint8_t i = 0; i < l && o + 5 < cap; i++, name++) {
            uint8_t c = *name;
            if (c == '.' || c == '\\') {
                out[o++] = '\\';
                out[o++] = (char)c;
            } else if (c > 32 && c < 127) {
                out[o++] = (char)c;
            } else {
                o += (size_t)snprintf(out + o, cap - o, "\\%03u", c);
            }
        }
        out[o++] = '.';
    }
    out[o] = '\0';
}

static void check_node(zone_t *z, zone_node_t *n, gslb_diag_t *diag)
{
    char text[1024];
    const zone_rrset_t *cname = zone_node_rrset(n, DNS_TYPE_CNAME);
    if (cname != NULL) {
        for (uint16_t i = 0; i < n->rrset_count; i++) {
            uint16_t t = n->rrsets[i].type;
            /* RFC 2181 10.1: a CNAME owner has no other data (DNSSEC types excepted). */
            if (t != DNS_TYPE_CNAME && t != DNS_TYPE_RRSIG && t != DNS_TYPE_NSEC) {
                /* Point at whichever of the two came second: that record made the clash. */
                unsigned other = n->rrsets[i].line;
                unsigned later = other > cname->line ? other : cname->line;
                char *type = ldns_rr_type2str((ldns_rr_type)t);
                name_text(n->name, text, sizeof(text));
                gslb_diag_report(diag, DIAG_ERROR, z->file, later, 0,
                                 "'%s': CNAME (line %u) cannot coexist with other data "
                                 "(%s, line %u)",
                                 text, cname->line, type ? type : "?", other);
                free(type);
                break;
            }
        }
        if (cname->count > 1) {
            name_text(n->name, text, sizeof(text));
            gslb_diag_report(diag, DIAG_ERROR, z->file, cname->line, 0,
                             "'%s': more than one CNAME record", text);
        }
    }
    const zone_rrset_t *dname = zone_node_rrset(n, DNS_TYPE_DNAME);
    if (dname != NULL && dname->count > 1) {
        name_text(n->name, text, sizeof(text));
        gslb_diag_report(diag, DIAG_ERROR, z->file, dname->line, 0,
                         "'%s': more than one DNAME record", text);
    }
    if ((n->flags & ZONE_NODE_OCCLUDED) != 0) {
        for (uint16_t i = 0; i < n->rrset_count; i++) {
            uint16_t t = n->rrsets[i].type;
            if (t != DNS_TYPE_A && t != DNS_TYPE_AAAA) {
                name_text(n->name, text, sizeof(text));
                gslb_diag_report(diag, DIAG_WARNING, z->file, n->rrsets[i].line, 0,
                                 "'%s': data below a zone cut is never served (occluded)",
                                 text);
                break;
            }
        }
    }
}

/* Copy a node's RRsets and their record arrays out of the scratch arena, where
 * they grew by doubling, into the zone's arena at their final size. */
static void compact_rrsets(zone_t *z, zone_node_t *n)
{
    if (n->rrset_count == 0) {
        return;
    }
    zone_rrset_t *sets = zone_arena_alloc(&z->arena, n->rrset_count * sizeof(*sets));
    memcpy(sets, n->rrsets, n->rrset_count * sizeof(*sets));
    for (uint16_t i = 0; i < n->rrset_count; i++) {
        dns_rdata_t *rrs = zone_arena_alloc(&z->arena, sets[i].count * sizeof(*rrs));
        memcpy(rrs, sets[i].rrs, sets[i].count * sizeof(*rrs));
        sets[i].rrs = rrs;
    }
    n->rrsets = sets;
}

int zone_finalize(zone_t *z, gslb_diag_t *diag)
{
    size_t before = gslb_diag_errors(diag);
    /* Flags depend on ancestors, so visit names in order of label count: a
     * counting sort (a name has at most 127 labels). */
    size_t first[DNS_NAME_MAX / 2 + 2] = {0};
    for (size_t b = 0; b < z->bucket_count; b++) {
        for (zone_node_t *n = z->buckets[b]; n != NULL; n = n->hash_next) {
            first[n->labels + 1]++;
        }
    }
    for (size_t d = 1; d < GSLB_ARRAY_LEN(first); d++) {
        first[d] += first[d - 1];
    }
    size_t k = z->node_count;
    zone_node_t **all = xmalloc((k ? k : 1) * sizeof(*all));
    for (size_t b = 0; b < z->bucket_count; b++) {
        for (zone_node_t *n = z->buckets[b]; n != NULL; n = n->hash_next) {
            all[first[n->labels]++] = n;
        }
    }
    for (size_t i = 0; i < k; i++) {
        zone_node_t *n = all[i];
        if (n->rrset_count > 1) {
            qsort(n->rrsets, n->rrset_count, sizeof(*n->rrsets), type_cmp);
        }
        /* From here on cut means the delegation above an occluded node. */
        const zone_node_t *parent = n->cut;
        n->cut = NULL;
        if (n->name_len == z->origin_len) {
            n->flags |= ZONE_NODE_APEX;
            continue;
        }
        if (parent->flags & ZONE_NODE_OCCLUDED) {
            n->flags |= ZONE_NODE_OCCLUDED;
            n->cut = parent->cut;
        } else if (parent->flags & ZONE_NODE_CUT) {
            n->flags |= ZONE_NODE_OCCLUDED;
            n->cut = parent;
        }
        if (!(n->flags & ZONE_NODE_OCCLUDED) && zone_node_rrset(n, DNS_TYPE_NS) != NULL) {
            n->flags |= ZONE_NODE_CUT;
        }
        if (n->name[0] == 1 && n->name[1] == '*') {
            ((zone_node_t *)parent)->flags |= ZONE_NODE_WILDCARD;
        }
    }
    for (size_t i = 0; i < k; i++) {
        compact_rrsets(z, all[i]);
    }
    zone_arena_free(&z->scratch);
    z->is_final = true;
    z->last = NULL;
    for (size_t i = 0; i < k; i++) {
        for (uint16_t j = 0; j < all[i]->rrset_count; j++) {
            resolve_targets(z, &all[i]->rrsets[j]);
        }
        check_node(z, all[i], diag);
    }
    free(all);
    return gslb_diag_errors(diag) > before ? -GSLB_EZONE : 0;
}
