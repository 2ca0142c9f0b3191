/* geo: internal entry points of the database module, for the record walk and tests. */
#ifndef GSLB_GEO_DB_INT_H
#define GSLB_GEO_DB_INT_H

#include "gslb/geo.h"

#include <maxminddb.h>

/* The libmaxminddb handle of db, for walking its search tree (records.c).
 * Borrowed: valid while db lives. */
const MMDB_s *geo_db_mmdb(const geo_db_t *db);

/* Read the record at data-section offset off (from MMDB_read_node's entry)
 * into *out with the configured field paths; prefix_bits and record_id are
 * left 0. Returns 0, or -GSLB_EGEO when the data section is corrupt. Load
 * path; any thread. */
int geo_db_record_read(const geo_db_t *db, uint32_t off, geo_location_t *out);

/* Folder where this process's descriptors appear as files ("/proc/self/fd"):
 * geo_db_open hands libmaxminddb its private copy by a name in it. When it
 * is absent the copy goes to an unlinked temporary file instead; tests point
 * it at a missing folder to take that path. Not thread-safe to change. */
extern const char *geo_db_fd_dir;

#endif
