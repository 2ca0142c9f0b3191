/* geo: internal layout of the record tree that the decision trees are compiled from. */
#ifndef GSLB_GEO_RECORDS_H
#define GSLB_GEO_RECORDS_H

#include "gslb/geo.h"

#include "ptree.h"

/* Leaf value of a block the database does not cover. */
#define GEO_RECORDS_NONE 0u

/* The whole database as one tree: a leaf's value is a record index, and
 * the leaf's depth is the prefix of the database network (neighbouring
 * networks of the same record are already one leaf). locs[0] is the empty
 * location of uncovered blocks; locs[i] for i > 0 are the distinct records
 * with their fields read once. root4 is the IPv4 tree (in an IPv6 database
 * the subtree at ::/96), root6 the IPv6 tree with the database's own aliases
 * (::ffff:0:0/96, 2002::/16, 2001::/32 lead where the file points). */
struct geo_records {
    geo_ptree_t tree;
    uint32_t root4, root6;
    geo_location_t *locs;
    uint32_t *offsets; /* data-section offset of each record */
    size_t count;      /* entries of locs and offsets, the empty one included */
};

#endif
