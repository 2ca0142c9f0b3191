/* geo: binary trie of a map's nets: entries (longest-prefix match and ECS scope). */
#include "nets.h"

#include "gslb/util.h"

#include <stdlib.h>

void geo_nets_init(geo_nets_t *t, unsigned width)
{
    t->width = width;
    t->cap = 16;
    t->nodes = xcalloc(t->cap, sizeof(*t->nodes));
    t->count = 1;
    t->nodes[0].entry = -1;
}

void geo_nets_fini(geo_nets_t *t)
{
    free(t->nodes);
    t->nodes = NULL;
    t->count = t->cap = 0;
}

static uint32_t node_add(geo_nets_t *t)
{
    if (t->count == t->cap) {
        t->cap *= 2;
        t->nodes = xrealloc(t->nodes, t->cap * sizeof(*t->nodes));
    }
    geo_nets_node_t *n = &t->nodes[t->count];
    n->child[0] = n->child[1] = 0;
    n->entry = -1;
    return (uint32_t)t->count++;
}

int32_t geo_nets_insert(geo_nets_t *t, const uint8_t *addr, unsigned bits, int32_t entry)
{
    uint32_t cur = 0;
    for (unsigned i = 0; i < bits; i++) {
        unsigned b = geo_addr_bit(addr, i);
        if (t->nodes[cur].child[b] == 0) {
            /* node_add may move the array: index, don't hold pointers. */
            uint32_t n = node_add(t);
            t->nodes[cur].child[b] = n;
        }
        cur = t->nodes[cur].child[b];
    }
    if (t->nodes[cur].entry >= 0) {
        return t->nodes[cur].entry;
    }
    t->nodes[cur].entry = entry;
    return -1;
}

geo_nets_hit_t geo_nets_lookup(const geo_nets_t *t, const uint8_t *addr, unsigned loc_bits)
{
    /* One walk down addr's path collects both answers:
     *  - the deepest entry on the path (longest prefix containing addr);
     *  - the deepest depth d at which the path has a sibling subtree. Every
     *    entry in that subtree shares exactly d leading bits with addr, so
     *    addr's /(d+1) block excludes it, and since only nodes leading to
     *    entries exist, the subtree does hold one.
     * Why that is the whole scope rule: inside addr's /base block, an entry
     * either contains the block (prefix <= base and on the path) or lies
     * strictly inside it (prefix > base). No entry on the path is deeper than
     * base: with a match, base is the deepest one; without, there is none.
     * So the entries that can change the decision within the block are the
     * ones in sibling subtrees at depth >= base, and cutting the block down
     * to /(d+1) for the deepest such d leaves all of them outside. */
    geo_nets_hit_t hit = {.entry = -1, .scope_bits = 0};
    if (t->count == 1 && t->nodes[0].entry < 0) {
        /* No entries (most maps have no nets for a family): nothing can
         * match or narrow the scope, which is the location's. */
        hit.scope_bits = loc_bits < t->width ? loc_bits : t->width;
        return hit;
    }
    unsigned match_bits = 0;
    int deepest_fork = -1;
    uint32_t cur = 0;
    unsigned depth = 0;
    for (;;) {
        const geo_nets_node_t *n = &t->nodes[cur];
        if (n->entry >= 0) {
            hit.entry = n->entry;
            match_bits = depth;
        }
        if (depth == t->width) {
            break;
        }
        unsigned b = geo_addr_bit(addr, depth);
        if (n->child[b ^ 1u] != 0) {
            deepest_fork = (int)depth;
        }
        if (n->child[b] == 0) {
            break;
        }
        cur = n->child[b];
        depth++;
    }
    unsigned base = hit.entry >= 0 ? match_bits : loc_bits;
    if (base > t->width) {
        base = t->width;
    }
    hit.scope_bits = base;
    if (deepest_fork >= 0 && (unsigned)deepest_fork >= base) {
        hit.scope_bits = (unsigned)deepest_fork + 1;
    }
    return hit;
}
