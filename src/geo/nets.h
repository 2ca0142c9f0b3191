/* geo: internal binary trie of a map's nets: entries, for longest-prefix match and ECS scope. */
#ifndef GSLB_GEO_NETS_H
#define GSLB_GEO_NETS_H

#include <stddef.h>
#include <stdint.h>

/* A binary trie over the address bits of one family. Node 0 is the root;
 * child index 0 means "no child" (the root is nobody's child). Only nodes on
 * the path to some entry exist, so an existing child always has at least one
 * entry in its subtree; the scope calculation relies on that. */
typedef struct geo_nets_node {
    uint32_t child[2];
    int32_t entry; /* index of the entry ending here, or -1 */
} geo_nets_node_t;

typedef struct geo_nets {
    geo_nets_node_t *nodes;
    size_t count, cap;
    unsigned width; /* address bits: 32 or 128 */
} geo_nets_t;

/* Result of a lookup. */
typedef struct geo_nets_hit {
    int32_t entry;      /* longest matching entry, or -1 */
    unsigned scope_bits;/* prefix over which the nets decision (and the location, for a
                         * block of base_bits) is constant; see geo_nets_lookup */
} geo_nets_hit_t;

/* Empty trie for width 32 or 128. Load path. */
void geo_nets_init(geo_nets_t *t, unsigned width);

/* Release the nodes; the struct may be initialised again. */
void geo_nets_fini(geo_nets_t *t);

/* Add addr/bits as entry. Returns -1 when added, or the index of the entry
 * already stored for exactly the same network (then nothing changes). Load path;
 * allocates (aborting on OOM). */
int32_t geo_nets_insert(geo_nets_t *t, const uint8_t *addr, unsigned bits, int32_t entry);

/* Longest-prefix match for addr, and the ECS scope of the decision:
 * base = the match's prefix length, else loc_bits (the prefix over which the
 * client's location is constant, clamped to the width); then, for every entry
 * N that lies strictly inside addr's /base block without containing addr,
 * scope = max(base, 1 + bits that addr and N share). Never allocates. */
geo_nets_hit_t geo_nets_lookup(const geo_nets_t *t, const uint8_t *addr, unsigned loc_bits);

/* Bit i (0 = most significant of byte 0) of an address. */
static inline unsigned geo_addr_bit(const uint8_t *addr, unsigned i)
{
    return (addr[i / 8] >> (7 - i % 8)) & 1u;
}

#endif
