/* geo: the database's networks read once through libmaxminddb's node API into a record tree. */
#include "records.h"

#include "db_int.h"

#include <maxminddb.h>

#include <stdlib.h>
#include <string.h>

/* Build state: the database, memo tables indexed by MMDB node number (an
 * alias such as ::ffff:0:0/96 points at a node already walked, which is then
 * shared, not walked again), and the record index by data offset. */
typedef struct walk {
    const geo_db_t *db;
    const MMDB_s *mmdb;
    unsigned width;       /* 32 or 128 */
    uint32_t *memo;       /* MMDB node -> reference in recs->tree, GEO_PTREE_NONE */
    uint8_t *height;      /* MMDB node -> height of its subtree (steps to the deepest leaf) */
    uint32_t *by_offset;  /* open addressing: record index, 0 = empty */
    size_t by_offset_cap; /* power of two */
    size_t rec_cap;
    geo_records_t *recs;
} walk_t;

static size_t offset_hash(uint32_t off)
{
    return (size_t)((off * 0x9E3779B97F4A7C15ull) >> 17);
}

static void offsets_grow(walk_t *w)
{
    free(w->by_offset);
    w->by_offset_cap *= 2;
    w->by_offset = xcalloc(w->by_offset_cap, sizeof(*w->by_offset));
    size_t mask = w->by_offset_cap - 1;
    for (size_t i = 1; i < w->recs->count; i++) {
        size_t s = offset_hash(w->recs->offsets[i]) & mask;
        while (w->by_offset[s] != 0) {
            s = (s + 1) & mask;
        }
        w->by_offset[s] = (uint32_t)i;
    }
}

/* The record index of data offset off, reading the record the first time
 * it is seen (a record is shared by every network of one place). */
static int record_index(walk_t *w, uint32_t off, uint32_t *out)
{
    geo_records_t *r = w->recs;
    size_t mask = w->by_offset_cap - 1;
    size_t s = offset_hash(off) & mask;
    while (w->by_offset[s] != 0) {
        if (r->offsets[w->by_offset[s]] == off) {
            *out = w->by_offset[s];
            return 0;
        }
        s = (s + 1) & mask;
    }
    if (r->count >= GEO_PTREE_LEAF) {
        return -GSLB_EGEO;
    }
    if (r->count == w->rec_cap) {
        w->rec_cap *= 2;
        r->locs = xrealloc(r->locs, w->rec_cap * sizeof(*r->locs));
        r->offsets = xrealloc(r->offsets, w->rec_cap * sizeof(*r->offsets));
    }
    uint32_t idx = (uint32_t)r->count;
    int rc = geo_db_record_read(w->db, off, &r->locs[idx]);
    if (rc < 0) {
        return rc;
    }
    r->locs[idx].is_found = true;
    r->offsets[idx] = off;
    r->count++;
    w->by_offset[s] = idx;
    if (2 * r->count > w->by_offset_cap) {
        offsets_grow(w);
    }
    *out = idx;
    return 0;
}

static int walk_node(walk_t *w, uint32_t node, unsigned depth, uint32_t *out);

/* One record of a search node, reached at depth (the prefix length of the
 * block it stands for): a subtree, no data, or a record. */
static int walk_record(walk_t *w, uint8_t type, uint64_t value, const MMDB_entry_s *entry,
                       unsigned depth, uint32_t *out, unsigned *height)
{
    uint32_t idx;
    int rc;
    *height = 0;
    switch (type) {
    case MMDB_RECORD_TYPE_SEARCH_NODE:
        if (depth >= w->width || value >= w->mmdb->metadata.node_count) {
            return -GSLB_EGEO; /* deeper than an address, or a node that is not there */
        }
        rc = walk_node(w, (uint32_t)value, depth, out);
        *height = rc == 0 ? w->height[value] : 0;
        return rc;
    case MMDB_RECORD_TYPE_EMPTY:
        *out = geo_ptree_leaf(GEO_RECORDS_NONE);
        return 0;
    case MMDB_RECORD_TYPE_DATA:
        if ((rc = record_index(w, entry->offset, &idx)) < 0) {
            return rc;
        }
        *out = geo_ptree_leaf(idx);
        return 0;
    default:
        return -GSLB_EGEO;
    }
}

/* The subtree of MMDB node `node`, which stands for a block of prefix
 * length depth. A node reached again (an alias) is shared if its subtree
 * still fits in the address from the new depth; a cycle in a corrupt file
 * runs past the address width and is refused. */
static int walk_node(walk_t *w, uint32_t node, unsigned depth, uint32_t *out)
{
    if (w->memo[node] != GEO_PTREE_NONE) {
        if (depth + w->height[node] > w->width) {
            return -GSLB_EGEO;
        }
        *out = w->memo[node];
        return 0;
    }
    MMDB_search_node_s sn;
    if (MMDB_read_node((MMDB_s *)w->mmdb, node, &sn) != MMDB_SUCCESS) {
        return -GSLB_EGEO;
    }
    uint32_t l, r;
    unsigned hl, hr;
    int rc = walk_record(w, sn.left_record_type, sn.left_record, &sn.left_record_entry,
                         depth + 1, &l, &hl);
    if (rc == 0) {
        rc = walk_record(w, sn.right_record_type, sn.right_record, &sn.right_record_entry,
                         depth + 1, &r, &hr);
    }
    if (rc < 0) {
        return rc;
    }
    uint32_t ref = geo_ptree_node(&w->recs->tree, l, r);
    if (ref == GEO_PTREE_NONE) {
        return -GSLB_EGEO;
    }
    w->memo[node] = ref;
    w->height[node] = (uint8_t)(1 + (hl > hr ? hl : hr));
    *out = ref;
    return 0;
}

/* In an IPv6 tree, IPv4 lives under ::/96: follow 96 zero bits from root6.
 * A leaf on the way covers all of IPv4. */
static uint32_t ipv4_root(const geo_records_t *r)
{
    uint32_t ref = r->root6;
    for (unsigned d = 0; d < 96 && !geo_ptree_is_leaf(ref); d++) {
        ref = r->tree.nodes[ref].child[0];
    }
    return ref;
}

int geo_records_build(geo_records_t **out, const geo_db_t *db)
{
    *out = NULL;
    const MMDB_s *mmdb = geo_db_mmdb(db);
    uint32_t nodes = mmdb->metadata.node_count;
    geo_records_t *r = xcalloc(1, sizeof(*r));
    /* The walk's memo already shares what the file shares (its aliases). */
    geo_ptree_init(&r->tree, false);
    walk_t w = {
        .db = db,
        .mmdb = mmdb,
        .width = mmdb->metadata.ip_version == 6 ? 128 : 32,
        .memo = xmalloc((nodes ? nodes : 1) * sizeof(*w.memo)),
        .height = xcalloc(nodes ? nodes : 1, 1),
        .by_offset_cap = 1024,
        .rec_cap = 1024,
        .recs = r,
    };
    memset(w.memo, 0xff, (nodes ? nodes : 1) * sizeof(*w.memo));
    w.by_offset = xcalloc(w.by_offset_cap, sizeof(*w.by_offset));
    r->locs = xmalloc(w.rec_cap * sizeof(*r->locs));
    r->offsets = xmalloc(w.rec_cap * sizeof(*r->offsets));
    /* Index 0: addresses the database does not cover. */
    memset(&r->locs[0], 0, sizeof(r->locs[0]));
    r->offsets[0] = 0;
    r->count = 1;

    int rc = 0;
    uint32_t root = geo_ptree_leaf(GEO_RECORDS_NONE);
    if (nodes > 0) {
        rc = walk_node(&w, 0, 0, &root);
    }
    if (rc == 0) {
        if (w.width == 128) {
            r->root6 = root;
            r->root4 = ipv4_root(r);
        } else {
            /* An IPv4-only database covers no IPv6 address. */
            r->root4 = root;
            r->root6 = geo_ptree_leaf(GEO_RECORDS_NONE);
        }
        geo_ptree_seal(&r->tree);
    }
    free(w.memo);
    free(w.height);
    free(w.by_offset);
    if (rc < 0) {
        geo_records_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

void geo_records_free(geo_records_t *r)
{
    if (r == NULL) {
        return;
    }
    geo_ptree_fini(&r->tree);
    free(r->locs);
    free(r->offsets);
    free(r);
}

size_t geo_records_count(const geo_records_t *r)
{
    return r != NULL ? r->count - 1 : 0;
}
