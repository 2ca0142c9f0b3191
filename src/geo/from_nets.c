/* geo: decision trees of painted blocks alone, for tables keyed by prefix (latency tables). */
#include "tree.h"

/* Without a database every address is the same "not found" location:
 * decide the empty list, which the painted blocks then cover. */
static size_t uncovered_classify(void *ctx, const geo_location_t *loc, uint32_t *dcs)
{
    (void)ctx;
    (void)loc;
    (void)dcs;
    return 0;
}

int geo_tree_from_nets(geo_tree_t **out, const geo_tree_net_t *nets, size_t n)
{
    return geo_tree_compile(out, NULL, uncovered_classify, NULL, nets, n);
}
