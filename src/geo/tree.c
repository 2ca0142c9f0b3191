/* geo: decision trees compiled at load: one walk of the client's address bits per decision. */
#include "tree.h"

#include "ptree.h"
#include "records.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

/* A distinct decision: lists[off .. off + count) in the tree's list store. */
typedef struct tree_result {
    uint32_t off;
    uint32_t count;
} tree_result_t;

/* The first TREE_STRIDE_BITS of an address index a table of where the walk
 * stands after them (a node, or a leaf reached sooner) and how deep that is:
 * one load instead of the top sixteen steps, which every query takes. */
#define TREE_STRIDE_BITS 16
#define TREE_STRIDE_SIZE (1u << TREE_STRIDE_BITS)

typedef struct tree_top {
    uint32_t ref[TREE_STRIDE_SIZE];
    uint8_t depth[TREE_STRIDE_SIZE];
} tree_top_t;

struct geo_tree {
    geo_ptree_node_t *nodes; /* sealed: read-only after the build */
    size_t node_count;
    uint32_t root4, root6;
    tree_top_t *top4, *top6;
    uint32_t *lists;
    size_t list_len;
    tree_result_t *results;
    size_t result_count;
    geo_tree_stats_t stats;
};

/* The distinct results while building, found again by content. */
typedef struct results_build {
    geo_tree_t *t;
    size_t list_cap, result_cap;
    uint32_t *slots; /* open addressing: result index + 1, 0 = empty */
    size_t slot_cap; /* power of two */
} results_build_t;

static uint64_t list_hash(const uint32_t *dcs, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull ^ n;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ dcs[i]) * 0x100000001b3ull;
    }
    return h ^ (h >> 31);
}

static bool list_equal(const geo_tree_t *t, uint32_t idx, const uint32_t *dcs, size_t n)
{
    const tree_result_t *r = &t->results[idx];
    return r->count == n && memcmp(t->lists + r->off, dcs, n * sizeof(*dcs)) == 0;
}

static void slots_put(results_build_t *b, uint32_t idx)
{
    const tree_result_t *r = &b->t->results[idx];
    size_t mask = b->slot_cap - 1;
    size_t s = list_hash(b->t->lists + r->off, r->count) & mask;
    while (b->slots[s] != 0) {
        s = (s + 1) & mask;
    }
    b->slots[s] = idx + 1;
}

/* The index of the result with this list, added if new. */
static uint32_t result_intern(results_build_t *b, const uint32_t *dcs, size_t n)
{
    geo_tree_t *t = b->t;
    size_t mask = b->slot_cap - 1;
    size_t s = list_hash(dcs, n) & mask;
    while (b->slots[s] != 0) {
        if (list_equal(t, b->slots[s] - 1, dcs, n)) {
            return b->slots[s] - 1;
        }
        s = (s + 1) & mask;
    }
    if (t->result_count == b->result_cap) {
        b->result_cap *= 2;
        t->results = xrealloc(t->results, b->result_cap * sizeof(*t->results));
    }
    while (t->list_len + n > b->list_cap) {
        b->list_cap *= 2;
        t->lists = xrealloc(t->lists, b->list_cap * sizeof(*t->lists));
    }
    uint32_t idx = (uint32_t)t->result_count++;
    t->results[idx].off = (uint32_t)t->list_len;
    t->results[idx].count = (uint32_t)n;
    memcpy(t->lists + t->list_len, dcs, n * sizeof(*dcs));
    t->list_len += n;
    if (2 * t->result_count > b->slot_cap) {
        free(b->slots);
        b->slot_cap *= 2;
        b->slots = xcalloc(b->slot_cap, sizeof(*b->slots));
        for (uint32_t i = 0; i < t->result_count; i++) {
            slots_put(b, i);
        }
    } else {
        b->slots[s] = idx + 1;
    }
    return idx;
}

static int cmp_net_bits(const void *a, const void *b)
{
    const geo_tree_net_t *na = *(const geo_tree_net_t *const *)a;
    const geo_tree_net_t *nb = *(const geo_tree_net_t *const *)b;
    if (na->bits != nb->bits) {
        return na->bits < nb->bits ? -1 : 1;
    }
    return na < nb ? -1 : na > nb;
}

/* Paint nets over the location decisions, least specific first so that a
 * more specific block ends up on top. */
static int paint_nets(results_build_t *b, geo_ptree_t *pt, uint32_t *root4, uint32_t *root6,
                      const geo_tree_net_t *nets, size_t net_count)
{
    if (net_count == 0) {
        return 0;
    }
    const geo_tree_net_t **order = xmalloc(net_count * sizeof(*order));
    for (size_t i = 0; i < net_count; i++) {
        order[i] = &nets[i];
    }
    qsort(order, net_count, sizeof(*order), cmp_net_bits);
    int rc = 0;
    for (size_t i = 0; i < net_count && rc == 0; i++) {
        const geo_tree_net_t *n = order[i];
        uint32_t leaf = geo_ptree_leaf(result_intern(b, n->dcs, n->dc_count));
        uint32_t *root = n->family == AF_INET ? root4 : root6;
        uint32_t ref = geo_ptree_paint(pt, *root, n->net, n->bits, leaf);
        if (ref == GEO_PTREE_NONE) {
            rc = -GSLB_ENOMEM;
        } else {
            *root = ref;
        }
    }
    free(order);
    return rc;
}

/* The location decisions of every record, as leaves of a copy of the record
 * tree (equal neighbours merge on the way), or one leaf without a database. */
static int classify_records(results_build_t *b, geo_ptree_t *pt, const geo_records_t *recs,
                            geo_tree_classify_fn classify, void *ctx, uint32_t *root4,
                            uint32_t *root6)
{
    uint32_t dcs[GEO_MAX_SITES];
    if (recs == NULL) {
        geo_location_t none;
        memset(&none, 0, sizeof(none));
        size_t n = classify(ctx, &none, dcs);
        *root4 = *root6 = geo_ptree_leaf(result_intern(b, dcs, n));
        return 0;
    }
    uint32_t *leaf_map = xmalloc(recs->count * sizeof(*leaf_map));
    for (size_t i = 0; i < recs->count; i++) {
        size_t n = classify(ctx, &recs->locs[i], dcs);
        leaf_map[i] = result_intern(b, dcs, n);
    }
    size_t memo_len = recs->tree.count ? recs->tree.count : 1;
    uint32_t *memo = xmalloc(memo_len * sizeof(*memo));
    memset(memo, 0xff, memo_len * sizeof(*memo));
    *root4 = geo_ptree_map(pt, &recs->tree, recs->root4, leaf_map, memo);
    *root6 = geo_ptree_map(pt, &recs->tree, recs->root6, leaf_map, memo);
    free(memo);
    free(leaf_map);
    return *root4 == GEO_PTREE_NONE || *root6 == GEO_PTREE_NONE ? -GSLB_ENOMEM : 0;
}

static double elapsed_ms(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* The stride table of the tree at root. */
static tree_top_t *top_build(const geo_ptree_node_t *nodes, uint32_t root)
{
    tree_top_t *top = xmalloc(sizeof(*top));
    for (uint32_t i = 0; i < TREE_STRIDE_SIZE; i++) {
        uint32_t ref = root;
        unsigned d = 0;
        while (d < TREE_STRIDE_BITS && !geo_ptree_is_leaf(ref)) {
            ref = nodes[ref].child[(i >> (TREE_STRIDE_BITS - 1 - d)) & 1];
            d++;
        }
        top->ref[i] = ref;
        top->depth[i] = (uint8_t)d;
    }
    return top;
}

int geo_tree_compile(geo_tree_t **out, const geo_records_t *recs, geo_tree_classify_fn classify,
                     void *ctx, const geo_tree_net_t *nets, size_t net_count)
{
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    *out = NULL;
    geo_tree_t *t = xcalloc(1, sizeof(*t));
    results_build_t b = {.t = t, .list_cap = 64, .result_cap = 16, .slot_cap = 32};
    t->lists = xmalloc(b.list_cap * sizeof(*t->lists));
    t->results = xmalloc(b.result_cap * sizeof(*t->results));
    b.slots = xcalloc(b.slot_cap, sizeof(*b.slots));

    geo_ptree_t work, final;
    geo_ptree_init(&work, true);
    geo_ptree_init(&final, true);
    uint32_t root4, root6;
    int rc = classify_records(&b, &work, recs, classify, ctx, &root4, &root6);
    if (rc == 0) {
        rc = paint_nets(&b, &work, &root4, &root6, nets, net_count);
    }
    if (rc == 0) {
        /* An IPv4-mapped client (::ffff:0:0/96, RFC 4291 section 2.5.5.2) is
         * the IPv4 client it carries, IPv4 nets included: graft the IPv4 tree
         * there, whatever the database has at that prefix, so the IPv6 tree
         * alone answers every IPv6 address and its leaves stay exact. */
        static const uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        root6 = geo_ptree_paint(&work, root6, mapped, 96, root4);
        if (root6 == GEO_PTREE_NONE) {
            rc = -GSLB_ENOMEM;
        }
    }
    if (rc == 0) {
        /* Painting leaves the nodes it replaced behind: keep only what the
         * roots reach. */
        size_t memo_len = work.count ? work.count : 1;
        uint32_t *memo = xmalloc(memo_len * sizeof(*memo));
        memset(memo, 0xff, memo_len * sizeof(*memo));
        t->root4 = geo_ptree_map(&final, &work, root4, NULL, memo);
        t->root6 = geo_ptree_map(&final, &work, root6, NULL, memo);
        free(memo);
        if (t->root4 == GEO_PTREE_NONE || t->root6 == GEO_PTREE_NONE) {
            rc = -GSLB_ENOMEM;
        }
    }
    geo_ptree_fini(&work);
    free(b.slots);
    if (rc < 0) {
        geo_ptree_fini(&final);
        geo_tree_free(t);
        return rc;
    }
    geo_ptree_seal(&final);
    t->nodes = final.nodes;
    t->node_count = final.count;
    t->top4 = top_build(t->nodes, t->root4);
    t->top6 = top_build(t->nodes, t->root6);

    uint64_t *leaf_memo = xmalloc((t->node_count ? t->node_count : 1) * sizeof(*leaf_memo));
    memset(leaf_memo, 0xff, (t->node_count ? t->node_count : 1) * sizeof(*leaf_memo));
    t->stats.leaves4 = geo_ptree_leaf_count(&final, t->root4, leaf_memo);
    t->stats.leaves6 = geo_ptree_leaf_count(&final, t->root6, leaf_memo);
    free(leaf_memo);
    t->stats.nodes = t->node_count;
    t->stats.results = t->result_count;
    t->stats.bytes = sizeof(*t) + 2 * sizeof(tree_top_t) + t->node_count * sizeof(*t->nodes) +
                     t->list_len * sizeof(*t->lists) + t->result_count * sizeof(*t->results);
    t->stats.build_ms = elapsed_ms(&t0);
    *out = t;
    return 0;
}

void geo_tree_free(geo_tree_t *t)
{
    if (t == NULL) {
        return;
    }
    free(t->nodes);
    free(t->top4);
    free(t->top6);
    free(t->lists);
    free(t->results);
    free(t);
}

geo_tree_stats_t geo_tree_stats(const geo_tree_t *t)
{
    return t->stats;
}

static inline uint32_t load_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t load_be64(const uint8_t *p)
{
    return (uint64_t)load_be32(p) << 32 | load_be32(p + 4);
}

geo_tree_hit_t geo_tree_find(const geo_tree_t *t, int family, const uint8_t *addr)
{
    const geo_ptree_node_t *nodes = t->nodes;
    uint32_t ref;
    unsigned depth = 0;
    if (family == AF_INET6) {
        /* The tree's height never exceeds 128 (the builder refuses deeper
         * database trees), so the walk stays within the address. */
        uint64_t word = load_be64(addr);
        uint32_t i = (uint32_t)(word >> (64 - TREE_STRIDE_BITS));
        ref = t->top6->ref[i];
        depth = t->top6->depth[i];
        word <<= depth;
        while (!geo_ptree_is_leaf(ref)) {
            ref = nodes[ref].child[word >> 63];
            word <<= 1;
            if (++depth == 64) {
                word = load_be64(addr + 8);
            }
        }
    } else {
        uint32_t word = load_be32(addr);
        uint32_t i = word >> (32 - TREE_STRIDE_BITS);
        ref = t->top4->ref[i];
        depth = t->top4->depth[i];
        word <<= depth;
        while (!geo_ptree_is_leaf(ref)) {
            ref = nodes[ref].child[word >> 31];
            word <<= 1;
            depth++;
        }
    }
    uint32_t value = geo_ptree_value(ref);
    const tree_result_t *r = &t->results[value];
    return (geo_tree_hit_t){
        .dcs = t->lists + r->off,
        .dc_count = r->count,
        .result = value,
        .scope_bits = (uint8_t)depth,
    };
}
