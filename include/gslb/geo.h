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

/* Open a MaxMind DB and resolve the configured field paths
 * (conf_geoip_t.fields, an array of CONF_GEO_FIELD_COUNT, copied; pass NULL
 * for the GeoIP2/GeoLite2 City defaults). diag may be NULL.
 * The file is read once into a private copy (an anonymous memory file, or
 * without /proc an unlinked temporary file), which is memory-mapped: the
 * handle never reads path again, so truncating, rewriting or replacing the
 * file while it is open is safe. The copy takes memory the size of the file
 * for as long as the handle lives.
 * Returns 0 and *out, or -GSLB_EGEO after reporting "path: error: ..." to
 * diag (the file cannot be opened or read, changed size while being read,
 * the copy cannot be made, or it is not a MaxMind DB). Load path only. */
int geo_db_open(geo_db_t **out, const char *path, const conf_geo_path_t *fields,
                gslb_diag_t *diag);

/* Free a database; NULL does nothing. Only once no thread uses it. */
void geo_db_free(geo_db_t *db);

/* Look up one address (family AF_INET with 4 bytes, or AF_INET6 with 16) and
 * fill *out, walking the database through libmaxminddb. For explain pages and
 * tests: queries use the compiled trees (geo_tree_t) instead. Never
 * allocates; any thread may call it concurrently.
 * An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is looked up as a.b.c.d, with
 * prefix_bits in IPv6 bits (96 + the IPv4 prefix). An IPv6 address in an
 * IPv4-only database is not found, with prefix_bits 0.
 * Returns 0 (found or not: see out->is_found), -GSLB_EGEO on a corrupt
 * database, or -GSLB_EINVAL for another family. */
int geo_db_lookup(const geo_db_t *db, int family, const uint8_t *addr, geo_location_t *out);

/* Database metadata: build epoch (seconds) and type string ("GeoLite2-City"). */
uint64_t geo_db_build_epoch(const geo_db_t *db);
const char *geo_db_type(const geo_db_t *db);

/* Continent code ("EU") for an ISO 3166-1 alpha-2 country code (any case),
 * or NULL if unknown. Used when a database has no continent field. */
const char *geo_country_continent(const char *country);

/* The shapes of map keys' parts and of location fields, defined once for
 * the configuration's checks and the maps' lookups. n is the part's length
 * in bytes (it need not be NUL-terminated). Any thread. */
#define GEO_SUBDIVISION_MAX 3 /* ISO 3166-2 subdivision codes: 1 to 3 characters */
#define GEO_CITY_MAX (sizeof(((geo_location_t *)0)->city) - 1) /* longer never matches */
/* Two ASCII letters (a country or continent code, any case). */
bool geo_code_is_country(const char *s, size_t n);
/* 1 to GEO_SUBDIVISION_MAX ASCII letters or digits. */
bool geo_code_is_subdivision(const char *s, size_t n);
/* 1 to GEO_CITY_MAX bytes without control characters. */
bool geo_name_is_city(const char *s, size_t n);

/* Continents as small numbers, for per-continent counters: AF AN AS EU NA
 * OC SA in that order, then GEO_CONTINENT_UNKNOWN. */
#define GEO_CONTINENT_COUNT 8
#define GEO_CONTINENT_UNKNOWN (GEO_CONTINENT_COUNT - 1)
/* Index of a continent code ("EU"; exact upper case), GEO_CONTINENT_UNKNOWN
 * for anything else. */
unsigned geo_continent_index(const char *code);
/* Code of a continent index ("EU"), "unknown" for GEO_CONTINENT_UNKNOWN and
 * anything out of range. */
const char *geo_continent_name(unsigned index);

/* ---- compiled decision trees ----------------------------------------------
 *
 * At load, the database is read once, network by network, through
 * libmaxminddb's node API into a record tree (geo_records_t). Each map, each
 * distance-ordered service and the continent counter then compile it into a
 * decision tree: one binary prefix tree per address family whose leaves
 * index a table of distinct ordered data-center lists, with sibling blocks of
 * equal decision merged all the way up. A query walks its address bits down
 * the tree: no libmaxminddb call, no record decoding, no string compare. The
 * depth of the leaf reached is the widest prefix on which the decision is
 * constant: the ECS scope (RFC 7871 section 7.2.1).
 *
 * Embedded IPv4 addresses: an IPv4-mapped client (::ffff:a.b.c.d) is decided
 * as the IPv4 client a.b.c.d, IPv4 nets included (the IPv4 tree is grafted at
 * ::ffff:0:0/96 of the IPv6 tree, whatever the database has there), with its
 * scope in IPv6 bits. Every other IPv6 address follows the database's own
 * tree, so a 6to4 address (2002::/16) resolves to the IPv4 address in its
 * bits 16..47 and a Teredo address (2001::/32) to the one in bits 32..63 (the
 * Teredo server) where the database aliases those prefixes to its IPv4 tree,
 * as MaxMind's databases do; IPv4 nets entries do not apply to them. */

typedef struct geo_records geo_records_t;

/* Read every network of db into a record tree, each distinct record's
 * location fields read once. A tree deeper than the address width, a cycle,
 * a node number out of range or an unreadable record is a corrupt database.
 * Returns 0 and *out, or -GSLB_EGEO. Load path; takes seconds on a
 * GeoLite2-City-sized file and about a hundred bytes per node and record,
 * freed by geo_records_free once the trees are compiled. */
int geo_records_build(geo_records_t **out, const geo_db_t *db);
/* Distinct records in the tree (NULL: 0), for logs. */
size_t geo_records_count(const geo_records_t *r);
/* Free a record tree; NULL does nothing. */
void geo_records_free(geo_records_t *r);

typedef struct geo_tree geo_tree_t;

/* What a tree decided for one address. */
typedef struct geo_tree_hit {
    const uint32_t *dcs;  /* ordered data-center indexes (for the continent tree: one
                           * element, the continent index); valid while the tree lives */
    uint32_t dc_count;
    uint32_t result;      /* index of the distinct result: equal indexes, equal lists */
    uint8_t scope_bits;   /* depth of the leaf, in bits of the queried family */
} geo_tree_hit_t;

/* The decision for an address (AF_INET6 with 16 bytes, else AF_INET with 4).
 * Never allocates, no locks; any thread, for as long as the tree lives. */
geo_tree_hit_t geo_tree_find(const geo_tree_t *t, int family, const uint8_t *addr);

/* Size and cost of a tree, for logs and the status page. */
typedef struct geo_tree_stats {
    size_t nodes;        /* internal nodes */
    uint64_t leaves4;    /* leaf blocks of the IPv4 tree */
    uint64_t leaves6;    /* leaf blocks of the IPv6 tree */
    size_t results;      /* distinct results */
    size_t bytes;        /* memory held by the tree */
    double build_ms;     /* compile time, record tree excluded */
} geo_tree_stats_t;
geo_tree_stats_t geo_tree_stats(const geo_tree_t *t);

/* Free a tree; NULL does nothing. Only once no thread reads it. */
void geo_tree_free(geo_tree_t *t);

/* A block painted over a tree's decisions (a map's nets: entry, a latency
 * table's prefix); the most specific block wins, and of two equal blocks
 * the later in the array. net has zero host bits (family's width: IPv4 in
 * net[0..4)); bits <= 32 (IPv4) or 128 (IPv6). */
typedef struct geo_tree_net {
    int family;          /* AF_INET or AF_INET6 */
    uint8_t net[16];
    uint8_t bits;
    const uint32_t *dcs; /* the block's decision; borrowed for the call (copied) */
    size_t dc_count;     /* <= GEO_MAX_SITES; 0 reads like "uncovered" */
} geo_tree_net_t;

/* Compile a tree of nets alone, without a database: every address outside
 * all of them decides the empty list (dc_count 0, "uncovered"), every
 * address inside one decides the dcs of the most specific one holding it.
 * Equal neighbours merge, so a hit's scope_bits is the widest block around
 * the address with the same decision, covered or not. IPv4-mapped IPv6
 * addresses (::ffff:0:0/96) are decided by the IPv4 nets, as in every geo
 * tree: an AF_INET6 net inside that /96 is hidden by them, and one
 * containing it does not reach into it. nets may be NULL when n is 0.
 * Returns 0 and *out, or -GSLB_ENOMEM (the tree outgrows its 31-bit
 * references; *out NULL). Load path; allocates. */
int geo_tree_from_nets(geo_tree_t **out, const geo_tree_net_t *nets, size_t n);

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

/* Compile the distance order of cand[0..n) (n <= GEO_MAX_SITES, indexes
 * into sites[]) for every network of recs (NULL: no database): nearest
 * first from the network's coordinates, or cand's own order where the
 * database has none. The arrays are copied. Returns 0 and *out, or
 * -GSLB_ENOMEM. Load path. */
int geo_tree_nearest_new(geo_tree_t **out, const geo_records_t *recs, const geo_site_t *sites,
                         const uint32_t *cand, size_t n);

/* Compile the continent of every network of recs (NULL: every address
 * GEO_CONTINENT_UNKNOWN), for counting answers by client continent: the
 * hit's dcs[0] is the continent index. Returns 0 and *out, or -GSLB_ENOMEM.
 * Load path. */
int geo_tree_continent_new(geo_tree_t **out, const geo_records_t *recs);

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

/* Build a map from its config and compile its decision tree over recs (the
 * database's record tree, NULL without a database). sites[] has one entry
 * per data center in the config (for nearest_fallback). Keys and nets are
 * conf's to check (src/conf/maps.c): here they are only normalised, without
 * messages; a later key equal to an earlier one but for case, or a repeated
 * network, is ignored (the first wins), and a key too long to normalise is
 * skipped. Problems go to diag with the entry's (or map's) position: an empty,
 * over-long (more than GEO_MAX_SITES) or out-of-range data-center list,
 * more than GEO_MAX_SITES data centers where the map needs all of them
 * (nearest_fallback, empty default), a decision tree that does not fit in
 * memory. Nothing from cm, sites or recs is kept: the map owns copies.
 * diag may be NULL.
 * Returns 0 and *out, or -GSLB_ECONF (and *out = NULL). Load path only. */
int geo_map_new(geo_map_t **out, const conf_map_t *cm, const geo_site_t *sites,
                size_t site_count, const geo_records_t *recs, gslb_diag_t *diag);
/* Free a map; NULL does nothing. Only once no thread resolves with it. */
void geo_map_free(geo_map_t *m);

/* The map's decision for a client address (family, addr as in
 * geo_tree_find), from its compiled tree: out->dcs, dc_count and scope_bits
 * (the widest prefix on which the decision is constant); out->match is
 * GEO_MATCH_DEFAULT and out->key NULL, as the tree keeps no rule names
 * (geo_map_resolve_rules says which rule decided). Never allocates; any
 * thread. */
void geo_map_resolve(const geo_map_t *m, int family, const uint8_t *addr,
                     geo_map_result_t *out);

/* The compiled tree of the map, for its figures, and the map's name. */
const geo_tree_t *geo_map_tree(const geo_map_t *m);
const char *geo_map_name(const geo_map_t *m);

/* The rules themselves, for explain pages and as the reference the compiled
 * tree is checked against: resolve the map for a client address and its
 * location (loc may be NULL or !is_found when there is no DB or no record),
 * naming the rule that decided. An IPv4-mapped IPv6 client is matched
 * against the IPv4 nets and its scope is given in IPv6 bits (96 + the IPv4
 * scope). The scope here is the rule's own block, not the widest one:
 *  - a nets match with prefix P: scope = P, or longer if a more specific nets
 *    entry lies inside P (then 1 + the bits the client shares with it);
 *  - a location match: scope = loc->prefix_bits, lengthened the same way
 *    for any nets entry that lies inside that network;
 *  - default without location: scope as for a location match.
 * Never allocates; any thread. */
void geo_map_resolve_rules(const geo_map_t *m, int family, const uint8_t *addr,
                           const geo_location_t *loc, geo_map_result_t *out);

/* Name of a geo_match_t ("net", "city", ...), for explain and logs. */
const char *geo_match_name(geo_match_t m);

#endif
