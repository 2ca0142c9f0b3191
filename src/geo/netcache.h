/* geo: internal per-thread cache of database lookup results, keyed by database network. */
#ifndef GSLB_GEO_NETCACHE_H
#define GSLB_GEO_NETCACHE_H

#include <stdbool.h>
#include <stdint.h>

/* What one tree walk found for an address. A database answers the same for
 * every address that shares the first prefix_bits bits with it (the walk
 * reads no further), so the result belongs to that network, not just to the
 * address. */
typedef struct geo_netcache_entry {
    uint32_t data_offset; /* data-section offset of the record; 0 when !is_found */
    uint8_t prefix_bits;  /* network prefix in bits of the family (IPv4 0..32, IPv6 0..128) */
    bool is_found;
    bool is_cached;       /* from a find: whether the cache had it (else the rest is 0) */
} geo_netcache_entry_t;

/* Find the cached result for an IPv4 (4 bytes) or IPv6 (16 bytes) address,
 * in network order, of database db_id (the database's unique id, cut to 32
 * bits as in record_id; 0 is never an id). Returns the entry, with is_cached set when some cached network of
 * that database holds the address. By value, in registers: nothing of the
 * caller's escapes. Never allocates; calling thread's cache only. */
geo_netcache_entry_t geo_netcache_find4(uint32_t db_id, const uint8_t *addr);
geo_netcache_entry_t geo_netcache_find6(uint32_t db_id, const uint8_t *addr);

/* Remember that the network of e->prefix_bits bits holding addr gave *e in
 * database db_id, evicting whatever used the slot. Never allocates; calling
 * thread's cache only. */
void geo_netcache_put4(uint32_t db_id, const uint8_t *addr, const geo_netcache_entry_t *e);
void geo_netcache_put6(uint32_t db_id, const uint8_t *addr, const geo_netcache_entry_t *e);

#endif
