/* geo: the distance-order and continent trees, compiled like the maps' trees. */
#include "tree.h"

#include <stdlib.h>
#include <string.h>

/* What a distance-ordered service needs to order its candidates. */
typedef struct nearest_ctx {
    const geo_site_t *sites;
    const uint32_t *cand;
    size_t n;
} nearest_ctx_t;

static size_t nearest_classify(void *ctx, const geo_location_t *loc, uint32_t *dcs)
{
    const nearest_ctx_t *c = ctx;
    memcpy(dcs, c->cand, c->n * sizeof(*dcs));
    if (loc->is_found && loc->has_coords) {
        geo_sites_order_by_distance(c->sites, dcs, c->n, loc->latitude, loc->longitude);
    }
    return c->n;
}

int geo_tree_nearest_new(geo_tree_t **out, const geo_records_t *recs, const geo_site_t *sites,
                         const uint32_t *cand, size_t n)
{
    nearest_ctx_t ctx = {.sites = sites, .cand = cand, .n = n < GEO_MAX_SITES ? n : GEO_MAX_SITES};
    return geo_tree_compile(out, recs, nearest_classify, &ctx, NULL, 0);
}

static size_t continent_classify(void *ctx, const geo_location_t *loc, uint32_t *dcs)
{
    (void)ctx;
    dcs[0] = loc->is_found ? geo_continent_index(loc->continent) : GEO_CONTINENT_UNKNOWN;
    return 1;
}

int geo_tree_continent_new(geo_tree_t **out, const geo_records_t *recs)
{
    return geo_tree_compile(out, recs, continent_classify, NULL, NULL, 0);
}
