/* geo: internal entry points of the database module, for its tests. */
#ifndef GSLB_GEO_DB_INT_H
#define GSLB_GEO_DB_INT_H

#include "gslb/geo.h"

/* geo_db_lookup without the per-thread caches: walks the tree and reads the
 * record every time, and leaves the cache counters alone. Same inputs,
 * outputs and errors as geo_db_lookup; any thread. The reference the caches
 * are checked against. */
int geo_db_lookup_uncached(const geo_db_t *db, int family, const uint8_t *addr,
                           geo_location_t *out);

#endif
