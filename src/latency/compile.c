/* latency: rows grouped per prefix and sorted, prefixes compiled into a geo decision tree;
 * lookups. */
#include "latency_int.h"

#include "gslb/geo.h"

#include <stdlib.h>
#include <string.h>

/* The rows of one prefix: rows[off .. off + count) of the table. */
typedef struct lat_rows_ref {
    uint32_t off;
    uint32_t count;
} lat_rows_ref_t;

struct latency_table {
    geo_tree_t *tree;        /* leaf value: [prefix index] or [] (uncovered) */
    latency_row_t *rows;     /* grouped by prefix, each group by (rtt_us, dc) */
    lat_rows_ref_t *groups;  /* per prefix index */
    size_t group_count;
    latency_stats_t stats;
};

static int row_cmp(const void *a, const void *b)
{
    const latency_row_t *x = a, *y = b;
    if (x->rtt_us != y->rtt_us) {
        return x->rtt_us < y->rtt_us ? -1 : 1;
    }
    return x->dc < y->dc ? -1 : x->dc > y->dc;
}

static double elapsed_ms(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* Lay the rows out group after group, each group sorted. */
static void rows_group(latency_table_t *t, const lat_build_t *b)
{
    t->rows = xmalloc((b->row_count ? b->row_count : 1) * sizeof(*t->rows));
    t->groups = xmalloc((b->group_count ? b->group_count : 1) * sizeof(*t->groups));
    t->group_count = b->group_count;
    uint32_t off = 0;
    for (size_t g = 0; g < b->group_count; g++) {
        const lat_group_t *grp = &b->groups[g];
        t->groups[g] = (lat_rows_ref_t){.off = off, .count = grp->count};
        latency_row_t *out = t->rows + off;
        size_t n = 0;
        for (uint32_t r = grp->last; r != LAT_NONE; r = b->rows[r].prev) {
            const lat_row_in_t *in = &b->rows[r];
            out[n++] = (latency_row_t){.dc = in->dc, .rtt_us = in->rtt_us,
                                       .expires_s = in->expires_s};
        }
        qsort(out, n, sizeof(*out), row_cmp);
        off += grp->count;
    }
}

int lat_compile(latency_table_t **out, lat_build_t *b)
{
    *out = NULL;
    latency_table_t *t = xcalloc(1, sizeof(*t));
    rows_group(t, b);
    /* Each prefix paints its own index: the tree's leaf says which group,
     * the most specific prefix on top, and blocks that no prefix covers
     * keep the empty list. */
    size_t n = b->group_count;
    uint32_t *index = xmalloc((n ? n : 1) * sizeof(*index));
    geo_tree_net_t *nets = xcalloc(n ? n : 1, sizeof(*nets));
    for (size_t g = 0; g < n; g++) {
        const lat_group_t *grp = &b->groups[g];
        index[g] = (uint32_t)g;
        nets[g] = (geo_tree_net_t){.family = grp->net.family, .bits = grp->bits,
                                   .dcs = &index[g], .dc_count = 1};
        memcpy(nets[g].net, grp->net.addr, sizeof(nets[g].net));
    }
    int rc = geo_tree_from_nets(&t->tree, nets, n);
    free(nets);
    free(index);
    if (rc < 0) {
        lat_error(b, 0, 0, "the table's %zu prefixes do not fit in a decision tree", n);
        latency_table_free(t);
        return -GSLB_ECONF;
    }
    geo_tree_stats_t ts = geo_tree_stats(t->tree);
    t->stats.entries = b->row_count;
    t->stats.prefixes = b->group_count;
    t->stats.leaves = (size_t)(ts.leaves4 + ts.leaves6);
    t->stats.bytes = sizeof(*t) + ts.bytes + b->row_count * sizeof(*t->rows) +
                     b->group_count * sizeof(*t->groups);
    t->stats.build_ms = elapsed_ms(&b->started);
    *out = t;
    return 0;
}

void latency_table_free(latency_table_t *t)
{
    if (t == NULL) {
        return;
    }
    geo_tree_free(t->tree);
    free(t->rows);
    free(t->groups);
    free(t);
}

latency_hit_t latency_table_find(const latency_table_t *t, int family, const uint8_t *addr)
{
    latency_hit_t hit = {.rows = NULL, .count = 0, .scope_bits = 0};
    if (t == NULL) {
        return hit;
    }
    geo_tree_hit_t h = geo_tree_find(t->tree, family, addr);
    hit.scope_bits = h.scope_bits;
    if (h.dc_count > 0) {
        const lat_rows_ref_t *g = &t->groups[h.dcs[0]];
        hit.rows = t->rows + g->off;
        hit.count = g->count;
    }
    return hit;
}

void latency_table_stats(const latency_table_t *t, latency_stats_t *out)
{
    if (t == NULL) {
        memset(out, 0, sizeof(*out));
        return;
    }
    *out = t->stats;
}
