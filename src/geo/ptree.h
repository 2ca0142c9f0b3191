/* geo: hash-consed binary prefix trees, the one shape of the record tree and the decision trees. */
#ifndef GSLB_GEO_PTREE_H
#define GSLB_GEO_PTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A reference is either a node index or, with GEO_PTREE_LEAF set, a leaf
 * value (31 bits). A node's children are references; walking from a root,
 * child[b] is taken for address bit b, so the number of steps to a leaf is
 * the prefix length of the block that leaf covers. */
#define GEO_PTREE_LEAF 0x80000000u
#define GEO_PTREE_NONE 0xffffffffu /* "no reference yet" in memo arrays */
#define GEO_PTREE_MAX_NODES 0x7ffffff0u

typedef struct geo_ptree_node {
    uint32_t child[2];
} geo_ptree_node_t;

/* Nodes are unique: geo_ptree_node returns the existing node for a pair of
 * children it has seen (hash-consing), so equal subtrees are shared, and it
 * never makes a node whose two children are the same leaf (that block is
 * the leaf). Built on the load path only; lookups read nodes[] alone. */
typedef struct geo_ptree {
    geo_ptree_node_t *nodes;
    size_t count, cap;
    uint32_t *slots;  /* open addressing: node index + 1, 0 = empty; NULL: no sharing */
    size_t slot_cap;  /* power of two */
} geo_ptree_t;

static inline bool geo_ptree_is_leaf(uint32_t ref)
{
    return (ref & GEO_PTREE_LEAF) != 0;
}

static inline uint32_t geo_ptree_leaf(uint32_t value)
{
    return GEO_PTREE_LEAF | value;
}

static inline uint32_t geo_ptree_value(uint32_t ref)
{
    return ref & ~GEO_PTREE_LEAF;
}

/* Empty tree. Load path; allocates (aborting on OOM). is_unique false
 * skips the hash table: nodes are then not shared (still no node with two
 * equal leaf children), for a builder that dedupes by other means and
 * cannot spare the table's memory. */
void geo_ptree_init(geo_ptree_t *t, bool is_unique);

/* Release nodes and the hash table; the struct may be initialised again. */
void geo_ptree_fini(geo_ptree_t *t);

/* Drop the hash table: the nodes stay readable, no node can be added. */
void geo_ptree_seal(geo_ptree_t *t);

/* The node with children (left, right), made if new; the leaf itself when
 * both are the same leaf. Returns GEO_PTREE_NONE when the tree is full
 * (GEO_PTREE_MAX_NODES). Load path. */
uint32_t geo_ptree_node(geo_ptree_t *t, uint32_t left, uint32_t right);

/* Copy the subtree at ref of src into dst, with every leaf value v replaced
 * by leaf_map[v] (leaf_map NULL: kept). memo has src->count entries, filled
 * with GEO_PTREE_NONE before the first call; several roots may share it.
 * Returns the reference in dst, or GEO_PTREE_NONE when dst is full. */
uint32_t geo_ptree_map(geo_ptree_t *dst, const geo_ptree_t *src, uint32_t ref,
                       const uint32_t *leaf_map, uint32_t *memo);

/* The tree at ref with the block net/bits (bits <= 128) made one leaf of
 * value leaf, all else as it was; nodes are copied along the path, never
 * changed, so other references into the tree keep their meaning. Returns
 * the new reference, or GEO_PTREE_NONE when the tree is full. */
uint32_t geo_ptree_paint(geo_ptree_t *t, uint32_t ref, const uint8_t *net, unsigned bits,
                         uint32_t leaf);

/* Number of leaf blocks (distinct prefixes ending at a leaf) under ref.
 * memo as for geo_ptree_map (uint64_t per node, filled with UINT64_MAX). */
uint64_t geo_ptree_leaf_count(const geo_ptree_t *t, uint32_t ref, uint64_t *memo);

#endif
