/* geo: MaxMind DB lookups, client -> data-center maps, great-circle distance ordering. */
#ifndef GSLB_GEO_H
#define GSLB_GEO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gslb/conf.h"
#include "gslb/util.h"

/* Location of a client network as read from the database. Fixed-size
 * strings so a lookup never allocates; empty string = field absent. */
typedef struct geo_location {
    bool is_found;         /* the address is in the database */
    char continent[3];     /* "EU", upper case; derived from country if the DB has none */
    char country[3];       /* ISO 3166-1 alpha-2, upper case */
    char subdivision[8];   /* ISO 3166-2 subdivision part, upper case ("CA", "ENG") */
    char city[64];         /* city name as stored (UTF-8), truncated to fit */
    bool has_coords;
    double latitude, longitude; /* degrees */
    uint8_t prefix_bits;   /* prefix length of the database network holding the address, in
                            * bits of the queried family (IPv4: 0..32, IPv6: 0..128). When
                            * not found, the prefix of the empty network that holds it. */
    uint64_t record_id;    /* the database record the fields came from: equal non-zero ids
                            * mean equal fields (maps cache their decision by it); 0 = not
                            * from a database record (not found, or filled in by hand) */
} geo_location_t;

typedef struct geo_db geo_db_t;

/* Open a MaxMind DB (memory-mapped) and resolve the configured field paths
 * (conf_geoip_t.fields, an array of CONF_GEO_FIELD_COUNT, copied; pass NULL
 * for the GeoIP2/GeoLite2 City defaults). diag may be NULL.
 * Returns 0 and *out, or -GSLB_EGEO after reporting "file: error: ..." to diag.
 * Load path only. */
int geo_db_open(geo_db_t **out, const char *path, const conf_geo_path_t *fields,
                gslb_diag_t *diag);

/* Free a database; NULL does nothing. Only once no thread uses it. */
void geo_db_free(geo_db_t *db);

/* Look up one address (family AF_INET with 4 bytes, or AF_INET6 with 16) and
 * fill *out. Never allocates; any thread may call it concurrently.
 * An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is looked up as a.b.c.d, with
 * prefix_bits in IPv6 bits (96 + the IPv4 prefix). An IPv6 address in an
 * IPv4-only database is not found, with prefix_bits 0.
 * Returns 0 (found or not: see out->is_found), -GSLB_EGEO on a corrupt
 * database, or -GSLB_EINVAL for another family. */
int geo_db_lookup(const geo_db_t *db, int family, const uint8_t *addr, geo_location_t *out);

/* Lookups keep two small per-thread caches. The network cache remembers, for
 * recently seen database networks, what the tree walk found (the record and
 * the network's prefix), so another address of a known network skips the
 * walk. The record cache keeps the location fields of recently used records
 * (a record is shared by every network of one place), so a hot place is read
 * once. These are the calling thread's counts (metrics sum them per worker):
 * hits and misses count found lookups whose fields came from the record
 * cache or were read from the database; net_hits counts lookups answered
 * without a tree walk, net_misses those that walked. Any thread, for its own
 * figures. */
typedef struct geo_cache_stats {
    uint64_t hits;
    uint64_t misses;
    uint64_t net_hits;
    uint64_t net_misses;
} geo_cache_stats_t;
geo_cache_stats_t geo_cache_stats(void);

/* Database metadata: build epoch (seconds) and type string ("GeoLite2-City"). */
uint64_t geo_db_build_epoch(const geo_db_t *db);
const char *geo_db_type(const geo_db_t *db);

/* Continent code ("EU") for an ISO 3166-1 alpha-2 country code (any case),
 * or NULL if unknown. Used when a database has no continent field. */
const char *geo_country_continent(const char *country);

/* Great-circle distance in kilometres between two points in degrees (haversine). */
double geo_distance_km(double lat1, double lon1, double lat2, double lon2);

/* A data center's coordinates for distance ordering. */
typedef struct geo_site {
    double latitude, longitude;
    bool has_location; /* sites without a location sort last, in given order */
} geo_site_t;

/* Order candidate sites by distance from (lat, lon), nearest first; ties keep
 * the given order. cand[] holds n site indexes into sites[], and is rewritten
 * in place. Never allocates; n <= GEO_MAX_SITES. */
#define GEO_MAX_SITES 64
void geo_sites_order_by_distance(const geo_site_t *sites, uint32_t *cand, size_t n,
                                 double lat, double lon);

/* Which map rule decided. */
typedef enum geo_match {
    GEO_MATCH_NET = 0,
    GEO_MATCH_CITY,
    GEO_MATCH_SUBDIVISION,
    GEO_MATCH_COUNTRY,
    GEO_MATCH_CONTINENT,
    GEO_MATCH_NEAREST,
    GEO_MATCH_DEFAULT,
} geo_match_t;

/* Result of resolving a map for one client. dcs points into the map, or for
 * GEO_MATCH_NEAREST into this struct's own nearest[]: use the result where
 * it was filled in (a copy's dcs would still point at the original). */
typedef struct geo_map_result {
    geo_match_t match;
    const uint32_t *dcs;    /* ordered data-center indexes (into conf_t.datacenters) */
    size_t dc_count;        /* <= GEO_MAX_SITES */
    uint32_t nearest[GEO_MAX_SITES]; /* storage used when match == GEO_MATCH_NEAREST */
    uint8_t scope_bits;     /* ECS scope: prefix length over which this decision is constant */
    const char *key;        /* the matched entry's key ("EU", "GB/London", "10.0.0.0/8"), or
                             * "nearest" or "default"; valid while the map lives */
} geo_map_result_t;

typedef struct geo_map geo_map_t;

/* Build a lookup-ready map from its config. sites[] has one entry per
 * data center in the config (for nearest_fallback). Keys are validated
 * here too; problems go to diag with the entry's position: bad key syntax,
 * keys equal but for case, duplicate nets, an empty or out-of-range
 * data-center list, more than GEO_MAX_SITES data centers where the map
 * needs all of them (nearest_fallback, empty default). A well-formed but
 * unassigned country code ("UK") is only a warning. Nothing from cm or
 * sites is kept: the map owns copies. diag may be NULL.
 * Returns 0 and *out, or -GSLB_ECONF (and *out = NULL). Load path only. */
int geo_map_new(geo_map_t **out, const conf_map_t *cm, const geo_site_t *sites,
                size_t site_count, gslb_diag_t *diag);
/* Free a map; NULL does nothing. Only once no thread resolves with it. */
void geo_map_free(geo_map_t *m);

/* Resolve the map for a client address (family, addr as in geo_db_lookup)
 * and its location (loc may be NULL or !is_found when there is no DB or no
 * record). The location rules' decision for a record (loc->record_id) is kept
 * in a small per-thread cache, so clients of a place seen before skip the
 * rule tables. An IPv4-mapped IPv6 client is matched against the IPv4 nets and
 * its scope is given in IPv6 bits (96 + the IPv4 scope). Scope rules (RFC
 * 7871 section 7.2.1: the scope must cover only addresses that would get the
 * same answer):
 *  - a nets match with prefix P: scope = P, or longer if a more specific nets
 *    entry lies inside P (then 1 + the bits the client shares with it);
 *  - a location match: scope = loc->prefix_bits, lengthened the same way
 *    for any nets entry that lies inside that network;
 *  - default without location: scope as for a location match.
 * Never allocates; any thread. */
void geo_map_resolve(const geo_map_t *m, int family, const uint8_t *addr,
                     const geo_location_t *loc, geo_map_result_t *out);

/* Name of a geo_match_t ("net", "city", ...), for explain and logs. */
const char *geo_match_name(geo_match_t m);

#endif
