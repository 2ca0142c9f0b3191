/* geo: internal interface of the decision-tree compiler, for the map and distance classifiers. */
#ifndef GSLB_GEO_TREE_H
#define GSLB_GEO_TREE_H

#include "gslb/geo.h"

/* The decision for one location: write the ordered data-center list to
 * dcs (room for GEO_MAX_SITES) and return its length. loc->is_found is false
 * for blocks the database does not cover. Called once per distinct record
 * while compiling; ctx is the caller's. */
typedef size_t (*geo_tree_classify_fn)(void *ctx, const geo_location_t *loc, uint32_t *dcs);

/* Compile a tree: every record of recs (NULL: no database, every address
 * uncovered) gets classify's decision, then nets[] (geo_tree_net_t, in
 * gslb/geo.h) are painted in order of prefix length, then equal neighbours
 * are merged and the nodes compacted.
 * Returns 0 and *out, or -GSLB_ENOMEM when the tree outgrows its 31-bit
 * references. Load path. */
int geo_tree_compile(geo_tree_t **out, const geo_records_t *recs, geo_tree_classify_fn classify,
                     void *ctx, const geo_tree_net_t *nets, size_t net_count);

#endif
