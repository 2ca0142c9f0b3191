/* geo: MaxMind DB access: open, configurable field paths, allocation-free lookups. */
#include "gslb/geo.h"

#include "db_int.h"
#include "netcache.h"

#include <maxminddb.h>

#include <math.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct geo_db {
    MMDB_s mmdb;
    /* Per conf_geo_field_t: NULL-terminated path for MMDB_aget_value, built
     * at open time so lookups do not allocate; NULL = field not in schema. */
    char **paths[CONF_GEO_FIELD_COUNT];
    uint64_t id; /* unique per opened database, never reused: keys both caches */
};

/* Per-thread cache of decoded records. Reading the six location fields walks
 * the record's maps key by key (MMDB_aget_value), many times the cost of
 * finding the record; but a database has far fewer records than networks
 * (GeoLite2 City: millions of networks, a few hundred thousand records, most
 * queries from a few thousand places), so the decoded fields are kept by the
 * record's data-section offset. Direct-mapped: a slot holds the last record
 * that hashed to it. Thread-local, so no locks and no sharing between cores;
 * keyed by the database id as well, so a reloaded database (which may reuse
 * the old one's address) never sees the old one's entries. In front of it,
 * the network cache (netcache.c) saves the tree walk for addresses of
 * networks seen before. */
#define GEO_CACHE_LOG2_SLOTS 10
#define GEO_CACHE_SLOTS (1u << GEO_CACHE_LOG2_SLOTS) /* about 120 KiB per thread */

typedef struct geo_cache_slot {
    uint64_t db_id;       /* 0 = empty (ids start at 1) */
    uint32_t offset;      /* data-section offset of the record */
    geo_location_t loc;   /* fields read from the record; prefix_bits is per network */
} geo_cache_slot_t;

static _Thread_local geo_cache_slot_t geo_cache[GEO_CACHE_SLOTS];
static _Thread_local geo_cache_stats_t geo_cache_counts;
static const geo_location_t no_location; /* not found, prefix 0 */
static atomic_uint_fast64_t geo_next_id = 1;

/* GeoIP2 / GeoLite2 City layout. */
static const char *const default_continent[] = {"continent", "code", NULL};
static const char *const default_country[] = {"country", "iso_code", NULL};
static const char *const default_subdivision[] = {"subdivisions", "0", "iso_code", NULL};
static const char *const default_city[] = {"city", "names", "en", NULL};
static const char *const default_latitude[] = {"location", "latitude", NULL};
static const char *const default_longitude[] = {"location", "longitude", NULL};

static const char *const *const default_paths[CONF_GEO_FIELD_COUNT] = {
    [CONF_GEO_CONTINENT] = default_continent,
    [CONF_GEO_COUNTRY] = default_country,
    [CONF_GEO_SUBDIVISION] = default_subdivision,
    [CONF_GEO_CITY] = default_city,
    [CONF_GEO_LATITUDE] = default_latitude,
    [CONF_GEO_LONGITUDE] = default_longitude,
};

/* Owned copy of a NULL-terminated string vector; NULL for NULL or empty. */
static char **path_dup(const char *const *parts)
{
    if (parts == NULL || parts[0] == NULL) {
        return NULL;
    }
    size_t n = 0;
    while (parts[n] != NULL) {
        n++;
    }
    char **out = xcalloc(n + 1, sizeof(*out));
    for (size_t i = 0; i < n; i++) {
        out[i] = xstrdup(parts[i]);
    }
    return out;
}

static void path_free(char **path)
{
    if (path == NULL) {
        return;
    }
    for (size_t i = 0; path[i] != NULL; i++) {
        free(path[i]);
    }
    free(path);
}

int geo_db_open(geo_db_t **out, const char *path, const conf_geo_path_t *fields,
                gslb_diag_t *diag)
{
    *out = NULL;
    geo_db_t *db = xcalloc(1, sizeof(*db));
    int rc = MMDB_open(path, MMDB_MODE_MMAP, &db->mmdb);
    if (rc != MMDB_SUCCESS) {
        if (diag != NULL) {
            gslb_diag_report(diag, DIAG_ERROR, path, 0, 0, "geoip: cannot open database (%s)",
                             MMDB_strerror(rc));
        }
        free(db);
        return -GSLB_EGEO;
    }
    for (size_t f = 0; f < CONF_GEO_FIELD_COUNT; f++) {
        if (fields == NULL) {
            db->paths[f] = path_dup(default_paths[f]);
        } else {
            db->paths[f] = path_dup((const char *const *)fields[f].parts);
        }
    }
    db->id = atomic_fetch_add(&geo_next_id, 1);
    *out = db;
    return 0;
}

void geo_db_free(geo_db_t *db)
{
    if (db == NULL) {
        return;
    }
    for (size_t f = 0; f < CONF_GEO_FIELD_COUNT; f++) {
        path_free(db->paths[f]);
    }
    MMDB_close(&db->mmdb);
    free(db);
}

uint64_t geo_db_build_epoch(const geo_db_t *db)
{
    return db->mmdb.metadata.build_epoch;
}

const char *geo_db_type(const geo_db_t *db)
{
    const char *t = db->mmdb.metadata.database_type;
    return t != NULL ? t : "";
}

/* Fetch one field. Returns 1 with *val when present, 0 when the record does
 * not have it (missing key, index past the end, or a path that does not fit
 * the record's shape), -GSLB_EGEO when the data section is corrupt. */
static int field_get(MMDB_entry_s *entry, char *const *path, MMDB_entry_data_s *val)
{
    if (path == NULL) {
        return 0;
    }
    /* MMDB_aget_value takes a non-const entry but only reads through it. */
    int rc = MMDB_aget_value(entry, val, (const char *const *)path);
    switch (rc) {
    case MMDB_SUCCESS:
        return val->has_data ? 1 : 0;
    case MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR:
    case MMDB_INVALID_LOOKUP_PATH_ERROR:
        return 0;
    default:
        return -GSLB_EGEO;
    }
}

static char ascii_upper(char c)
{
    return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

/* Read a code (continent, country, subdivision) of min_len..cap-1 letters or
 * digits, upper-cased. A value that does not fit is left out rather than
 * truncated: a cut "ENGL" would silently match the wrong map key. */
static int code_read(MMDB_entry_s *entry, char *const *path, char *dst, size_t cap,
                     size_t min_len)
{
    MMDB_entry_data_s val;
    int rc = field_get(entry, path, &val);
    if (rc <= 0) {
        return rc;
    }
    if (val.type != MMDB_DATA_TYPE_UTF8_STRING || val.data_size < min_len ||
        val.data_size >= cap) {
        return 0;
    }
    /* MMDB strings are not NUL-terminated: copy exactly data_size bytes. */
    for (size_t i = 0; i < val.data_size; i++) {
        char c = ascii_upper(val.utf8_string[i]);
        bool is_alnum = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!is_alnum) {
            dst[0] = '\0';
            return 0;
        }
        dst[i] = c;
    }
    dst[val.data_size] = '\0';
    return 1;
}

/* Read a free-text string (the city name), truncated to fit on a UTF-8
 * character boundary. */
static int text_read(MMDB_entry_s *entry, char *const *path, char *dst, size_t cap)
{
    MMDB_entry_data_s val;
    int rc = field_get(entry, path, &val);
    if (rc <= 0) {
        return rc;
    }
    if (val.type != MMDB_DATA_TYPE_UTF8_STRING) {
        return 0;
    }
    size_t n = val.data_size;
    if (n >= cap) {
        n = cap - 1;
        /* Back up over continuation bytes (10xxxxxx) so no character is cut. */
        while (n > 0 && ((unsigned char)val.utf8_string[n] & 0xC0) == 0x80) {
            n--;
        }
    }
    memcpy(dst, val.utf8_string, n);
    dst[n] = '\0';
    return 1;
}

/* Read a coordinate stored as a double, float, integer or (in some third
 * party schemas) a decimal string. Returns 1 with *deg, 0 if absent or not a
 * finite number in -limit..limit. */
static int coord_read(MMDB_entry_s *entry, char *const *path, double limit, double *deg)
{
    MMDB_entry_data_s val;
    int rc = field_get(entry, path, &val);
    if (rc <= 0) {
        return rc;
    }
    double d;
    switch (val.type) {
    case MMDB_DATA_TYPE_DOUBLE:
        d = val.double_value;
        break;
    case MMDB_DATA_TYPE_FLOAT:
        d = val.float_value;
        break;
    case MMDB_DATA_TYPE_INT32:
        d = val.int32;
        break;
    case MMDB_DATA_TYPE_UINT16:
        d = val.uint16;
        break;
    case MMDB_DATA_TYPE_UINT32:
        d = val.uint32;
        break;
    case MMDB_DATA_TYPE_UTF8_STRING: {
        /* strtod needs a terminated string; coordinates are short, so a
         * longer value is not a coordinate. The daemon never calls
         * setlocale, so the decimal point is '.'. */
        char buf[32];
        if (val.data_size == 0 || val.data_size >= sizeof(buf)) {
            return 0;
        }
        memcpy(buf, val.utf8_string, val.data_size);
        buf[val.data_size] = '\0';
        char *end;
        d = strtod(buf, &end);
        if (*end != '\0') {
            return 0;
        }
        break;
    }
    default:
        return 0;
    }
    if (!isfinite(d) || d < -limit || d > limit) {
        return 0;
    }
    *deg = d;
    return 1;
}

/* Fill every location field from a found record. */
static int record_read(const geo_db_t *db, MMDB_entry_s *entry, geo_location_t *out)
{
    int rc;
    if ((rc = code_read(entry, db->paths[CONF_GEO_CONTINENT], out->continent,
                        sizeof(out->continent), 2)) < 0) {
        return rc;
    }
    if ((rc = code_read(entry, db->paths[CONF_GEO_COUNTRY], out->country, sizeof(out->country),
                        2)) < 0) {
        return rc;
    }
    if ((rc = code_read(entry, db->paths[CONF_GEO_SUBDIVISION], out->subdivision,
                        sizeof(out->subdivision), 1)) < 0) {
        return rc;
    }
    if ((rc = text_read(entry, db->paths[CONF_GEO_CITY], out->city, sizeof(out->city))) < 0) {
        return rc;
    }
    double lat = 0.0, lon = 0.0;
    int has_lat = coord_read(entry, db->paths[CONF_GEO_LATITUDE], 90.0, &lat);
    if (has_lat < 0) {
        return has_lat;
    }
    int has_lon = coord_read(entry, db->paths[CONF_GEO_LONGITUDE], 180.0, &lon);
    if (has_lon < 0) {
        return has_lon;
    }
    if (has_lat && has_lon) {
        out->has_coords = true;
        out->latitude = lat;
        out->longitude = lon;
    }
    if (out->continent[0] == '\0' && out->country[0] != '\0') {
        const char *cont = geo_country_continent(out->country);
        if (cont != NULL) {
            memcpy(out->continent, cont, sizeof(out->continent));
        }
    }
    return 0;
}

/* ::ffff:0:0/96, RFC 4291 section 2.5.5.2. */
static bool is_v4_mapped(const uint8_t *a)
{
    static const uint8_t prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return memcmp(a, prefix, sizeof(prefix)) == 0;
}

/* Walk the search tree for addr (AF_INET: 4 bytes, AF_INET6: 16, not
 * IPv4-mapped). Returns 0 with the record's offset and the prefix of the
 * network holding addr in *e, or -GSLB_EGEO on a corrupt database. */
static int tree_find(const geo_db_t *db, int family, const uint8_t *addr,
                     geo_netcache_entry_t *e)
{
    struct sockaddr_in sin;
    struct sockaddr_in6 sin6;
    const struct sockaddr *sa;
    unsigned width;
    if (family == AF_INET) {
        memset(&sin, 0, sizeof(sin));
        sin.sin_family = AF_INET;
        memcpy(&sin.sin_addr, addr, 4);
        sa = (const struct sockaddr *)&sin;
        width = 32;
    } else {
        memset(&sin6, 0, sizeof(sin6));
        sin6.sin6_family = AF_INET6;
        memcpy(&sin6.sin6_addr, addr, 16);
        sa = (const struct sockaddr *)&sin6;
        width = 128;
    }
    *e = (geo_netcache_entry_t){0};

    int mmdb_err = MMDB_SUCCESS;
    MMDB_lookup_result_s res = MMDB_lookup_sockaddr(&db->mmdb, sa, &mmdb_err);
    if (mmdb_err == MMDB_IPV6_LOOKUP_IN_IPV4_DATABASE_ERROR) {
        /* An IPv4-only database knows nothing of IPv6: every IPv6 address
         * gets the same (empty) answer, so the whole space is one network. */
        return 0;
    }
    if (mmdb_err != MMDB_SUCCESS) {
        return -GSLB_EGEO;
    }

    /* libmaxminddb reports the depth in its own tree. In an IPv6 tree IPv4
     * addresses live under ::/96, so an IPv4 /24 comes back as 120. If the
     * tree ends above ::/96 (no IPv4 data at all) the depth is below 96 and
     * the block covers all of IPv4: prefix 0. */
    unsigned bits = res.netmask;
    if (family == AF_INET && db->mmdb.metadata.ip_version == 6) {
        bits = bits >= 96 ? bits - 96 : 0;
    }
    e->prefix_bits = (uint8_t)(bits > width ? width : bits);
    if (res.found_entry) {
        e->is_found = true;
        e->data_offset = res.entry.offset;
    }
    return 0;
}

/* Read the record at data-section offset off into *out, and keep the fields
 * in slot unless it is NULL. Out of line, like lookup_walk: the cached path
 * then needs few registers and no stack frame. Returns 0, or -GSLB_EGEO when
 * the record cannot be read (then only prefix_bits is set). */
static __attribute__((noinline)) int record_fill(const geo_db_t *db, uint32_t off,
                                                 uint8_t prefix_bits, geo_cache_slot_t *slot,
                                                 geo_location_t *out)
{
    memset(out, 0, sizeof(*out));
    /* The entry a lookup would return: the record at this offset. */
    MMDB_entry_s entry = {.mmdb = &db->mmdb, .offset = off};
    int rc = record_read(db, &entry, out);
    if (rc < 0) {
        memset(out, 0, sizeof(*out));
        out->prefix_bits = prefix_bits;
        return rc;
    }
    out->is_found = true;
    out->prefix_bits = prefix_bits;
    /* Ids count up from 1 per opened database, so this never repeats within a
     * process's lifetime of reloads (2^32 of them). */
    out->record_id = db->id << 32 | off;
    if (slot != NULL) {
        slot->db_id = db->id;
        slot->offset = off;
        slot->loc = *out;
    }
    return 0;
}

/* Fill *out from a tree result: the record's fields, through the record
 * cache when use_cache, and the network's prefix. Returns 0, or -GSLB_EGEO
 * when the record cannot be read (then only prefix_bits is set). */
static inline int location_fill(const geo_db_t *db, const geo_netcache_entry_t *e,
                                bool use_cache, geo_location_t *out)
{
    uint8_t prefix_bits = e->prefix_bits;
    uint32_t off = e->data_offset;
    if (!e->is_found) {
        /* A copy of a zero struct: seven vector moves, where memset of
         * this size becomes a fourteen-round rep stos. */
        *out = no_location;
        out->prefix_bits = prefix_bits;
        return 0;
    }
    if (!use_cache) {
        return record_fill(db, off, prefix_bits, NULL, out);
    }
    /* Fibonacci hashing spreads offsets (often multiples of a record size)
     * over the slots. */
    geo_cache_slot_t *slot =
        &geo_cache[(uint32_t)(off * 2654435769u) >> (32 - GEO_CACHE_LOG2_SLOTS)];
    if (slot->db_id == db->id && slot->offset == off) {
        *out = slot->loc;
        out->prefix_bits = prefix_bits;
        geo_cache_counts.hits++;
        return 0;
    }
    geo_cache_counts.misses++;
    return record_fill(db, off, prefix_bits, slot, out);
}

/* The tree walk for lookup, and filing its result in the network cache
 * when use_cache. */
static __attribute__((noinline)) int lookup_walk(const geo_db_t *db, bool is_v6,
                                                 const uint8_t *addr, bool use_cache,
                                                 geo_location_t *out)
{
    geo_netcache_entry_t e;
    int rc = tree_find(db, is_v6 ? AF_INET6 : AF_INET, addr, &e);
    if (rc < 0) {
        memset(out, 0, sizeof(*out));
        return rc;
    }
    if (use_cache) {
        geo_cache_counts.net_misses++;
        /* The cache takes 32-bit database ids, as record_id does. */
        if (is_v6) {
            geo_netcache_put6((uint32_t)db->id, addr, &e);
        } else {
            geo_netcache_put4((uint32_t)db->id, addr, &e);
        }
    }
    return location_fill(db, &e, use_cache, out);
}

/* Look up an IPv4 address (is_v6 false, 4 bytes) or an IPv6 one that is not
 * IPv4-mapped (16 bytes): the network cache, else a tree walk. */
static inline int lookup(const geo_db_t *db, bool is_v6, const uint8_t *addr, bool use_cache,
                         geo_location_t *out)
{
    if (use_cache) {
        if (is_v6 && db->mmdb.metadata.ip_version == 4) {
            /* What MMDB_IPV6_LOOKUP_IN_IPV4_DATABASE_ERROR means (see
             * tree_find), known without asking: nothing to walk or cache. */
            *out = no_location;
            return 0;
        }
        uint32_t db_id = (uint32_t)db->id;
        geo_netcache_entry_t e =
            is_v6 ? geo_netcache_find6(db_id, addr) : geo_netcache_find4(db_id, addr);
        if (e.is_cached) {
            geo_cache_counts.net_hits++;
            return location_fill(db, &e, true, out);
        }
    }
    return lookup_walk(db, is_v6, addr, use_cache, out);
}

/* geo_db_lookup, with or without the caches. */
static inline int lookup_any(const geo_db_t *db, int family, const uint8_t *addr,
                             bool use_cache, geo_location_t *out)
{
    bool is_v6 = false;
    unsigned extra_bits = 0;
    if (family == AF_INET6) {
        /* An IPv4-mapped address is looked up as the IPv4 address it
         * carries: the same record GeoLite2's alias of ::ffff:0:0/96 leads
         * to, and it also works in IPv4-only trees and in IPv6 trees
         * without the alias. The prefix is reported in IPv6 bits, as the
         * caller asked in IPv6. */
        if (is_v4_mapped(addr)) {
            addr += 12;
            extra_bits = 96;
        } else {
            is_v6 = true;
        }
    } else if (family != AF_INET) {
        memset(out, 0, sizeof(*out));
        return -GSLB_EINVAL;
    }
    int rc = lookup(db, is_v6, addr, use_cache, out);
    out->prefix_bits = (uint8_t)(out->prefix_bits + extra_bits);
    return rc;
}

int geo_db_lookup(const geo_db_t *db, int family, const uint8_t *addr, geo_location_t *out)
{
    return lookup_any(db, family, addr, true, out);
}

int geo_db_lookup_uncached(const geo_db_t *db, int family, const uint8_t *addr,
                           geo_location_t *out)
{
    return lookup_any(db, family, addr, false, out);
}

geo_cache_stats_t geo_cache_stats(void)
{
    return geo_cache_counts;
}
