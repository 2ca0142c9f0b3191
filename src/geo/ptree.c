/* geo: hash-consed binary prefix trees: unique nodes, copies with leaf maps, painted blocks. */
#include "ptree.h"

#include "nets.h"

#include "gslb/util.h"

#include <stdlib.h>
#include <string.h>

#define PTREE_INITIAL_NODES 1024u

void geo_ptree_init(geo_ptree_t *t, bool is_unique)
{
    t->cap = PTREE_INITIAL_NODES;
    t->nodes = xmalloc(t->cap * sizeof(*t->nodes));
    t->count = 0;
    t->slot_cap = is_unique ? 2 * PTREE_INITIAL_NODES : 0;
    t->slots = is_unique ? xcalloc(t->slot_cap, sizeof(*t->slots)) : NULL;
}

void geo_ptree_fini(geo_ptree_t *t)
{
    free(t->nodes);
    free(t->slots);
    memset(t, 0, sizeof(*t));
}

void geo_ptree_seal(geo_ptree_t *t)
{
    free(t->slots);
    t->slots = NULL;
    t->slot_cap = 0;
    if (t->count > 0 && t->count < t->cap) {
        t->nodes = xrealloc(t->nodes, t->count * sizeof(*t->nodes));
        t->cap = t->count;
    }
}

static inline size_t pair_hash(uint32_t left, uint32_t right)
{
    uint64_t h = ((uint64_t)left << 32 | right) * 0x9E3779B97F4A7C15ull;
    return (size_t)(h ^ (h >> 29));
}

/* Double the hash table and put every node back. */
static void slots_grow(geo_ptree_t *t)
{
    free(t->slots);
    t->slot_cap *= 2;
    t->slots = xcalloc(t->slot_cap, sizeof(*t->slots));
    size_t mask = t->slot_cap - 1;
    for (size_t i = 0; i < t->count; i++) {
        size_t s = pair_hash(t->nodes[i].child[0], t->nodes[i].child[1]) & mask;
        while (t->slots[s] != 0) {
            s = (s + 1) & mask;
        }
        t->slots[s] = (uint32_t)i + 1;
    }
}

uint32_t geo_ptree_node(geo_ptree_t *t, uint32_t left, uint32_t right)
{
    if (left == right && geo_ptree_is_leaf(left)) {
        return left; /* both halves of the block say the same: the block is the leaf */
    }
    size_t mask = t->slot_cap - 1;
    size_t s = t->slots != NULL ? pair_hash(left, right) & mask : 0;
    while (t->slots != NULL && t->slots[s] != 0) {
        const geo_ptree_node_t *n = &t->nodes[t->slots[s] - 1];
        if (n->child[0] == left && n->child[1] == right) {
            return t->slots[s] - 1;
        }
        s = (s + 1) & mask;
    }
    if (t->count >= GEO_PTREE_MAX_NODES) {
        return GEO_PTREE_NONE;
    }
    if (t->count == t->cap) {
        t->cap *= 2;
        t->nodes = xrealloc(t->nodes, t->cap * sizeof(*t->nodes));
    }
    uint32_t idx = (uint32_t)t->count++;
    t->nodes[idx].child[0] = left;
    t->nodes[idx].child[1] = right;
    if (t->slots != NULL) {
        t->slots[s] = idx + 1;
        /* Keep the table at most half full: probes stay short. */
        if (2 * t->count > t->slot_cap) {
            slots_grow(t);
        }
    }
    return idx;
}

uint32_t geo_ptree_map(geo_ptree_t *dst, const geo_ptree_t *src, uint32_t ref,
                       const uint32_t *leaf_map, uint32_t *memo)
{
    if (geo_ptree_is_leaf(ref)) {
        return leaf_map != NULL ? geo_ptree_leaf(leaf_map[geo_ptree_value(ref)]) : ref;
    }
    if (memo[ref] != GEO_PTREE_NONE) {
        return memo[ref];
    }
    /* Recursion depth is the source tree's height: at most 128. */
    uint32_t l = geo_ptree_map(dst, src, src->nodes[ref].child[0], leaf_map, memo);
    uint32_t r = geo_ptree_map(dst, src, src->nodes[ref].child[1], leaf_map, memo);
    if (l == GEO_PTREE_NONE || r == GEO_PTREE_NONE) {
        return GEO_PTREE_NONE;
    }
    uint32_t out = geo_ptree_node(dst, l, r);
    memo[ref] = out;
    return out;
}

static uint32_t paint_at(geo_ptree_t *t, uint32_t ref, const uint8_t *net, unsigned bits,
                         unsigned depth, uint32_t leaf)
{
    if (depth == bits) {
        return leaf;
    }
    /* A leaf above the block stands for two equal halves: split it. */
    uint32_t child[2];
    if (geo_ptree_is_leaf(ref)) {
        child[0] = child[1] = ref;
    } else {
        child[0] = t->nodes[ref].child[0];
        child[1] = t->nodes[ref].child[1];
    }
    unsigned b = geo_addr_bit(net, depth);
    child[b] = paint_at(t, child[b], net, bits, depth + 1, leaf);
    if (child[b] == GEO_PTREE_NONE) {
        return GEO_PTREE_NONE;
    }
    return geo_ptree_node(t, child[0], child[1]);
}

uint32_t geo_ptree_paint(geo_ptree_t *t, uint32_t ref, const uint8_t *net, unsigned bits,
                         uint32_t leaf)
{
    return paint_at(t, ref, net, bits, 0, leaf);
}

uint64_t geo_ptree_leaf_count(const geo_ptree_t *t, uint32_t ref, uint64_t *memo)
{
    if (geo_ptree_is_leaf(ref)) {
        return 1;
    }
    if (memo[ref] != UINT64_MAX) {
        return memo[ref];
    }
    uint64_t n = geo_ptree_leaf_count(t, t->nodes[ref].child[0], memo) +
                 geo_ptree_leaf_count(t, t->nodes[ref].child[1], memo);
    memo[ref] = n;
    return n;
}
