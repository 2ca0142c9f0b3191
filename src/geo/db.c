/* geo: MaxMind DB access: open, configurable field paths, allocation-free lookups. */
#include "gslb/geo.h"

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
    uint64_t id; /* unique per opened database, never reused: keys the record cache */
    /* The search tree, walked here rather than by MMDB_lookup_sockaddr (see
     * tree_walk): node and depth where IPv4 addresses start in an IPv6 tree
     * (after 96 zero bits, or where the tree ends above that). */
    uint32_t ipv4_node;
    unsigned ipv4_depth;
};

/* Per-thread cache of decoded records. Reading the six location fields walks
 * the record's maps key by key (MMDB_aget_value), many times the cost of
 * finding the record; but a database has far fewer records than networks
 * (GeoLite2 City: millions of networks, a few hundred thousand records, most
 * queries from a few thousand places), so the decoded fields are kept by the
 * record's data-section offset. Direct-mapped: a slot holds the last record
 * that hashed to it. Thread-local, so no locks and no sharing between cores;
 * keyed by the database id as well, so a reloaded database (which may reuse
 * the old one's address) never sees the old one's entries. */
#define GEO_CACHE_LOG2_SLOTS 10
#define GEO_CACHE_SLOTS (1u << GEO_CACHE_LOG2_SLOTS) /* about 120 KiB per thread */

typedef struct geo_cache_slot {
    uint64_t db_id;       /* 0 = empty (ids start at 1) */
    uint32_t offset;      /* data-section offset of the record */
    geo_location_t loc;   /* fields read from the record; prefix_bits is per network */
} geo_cache_slot_t;

static _Thread_local geo_cache_slot_t geo_cache[GEO_CACHE_SLOTS];
static _Thread_local geo_cache_stats_t geo_cache_counts;
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

/* The search tree (MaxMind DB format, "Search Tree Section"): node_count
 * nodes of two records of record_size bits, the left one for a 0 bit. A
 * record below node_count is the next node; equal to it, no data; above it,
 * data at record - node_count - 16 in the data section. libmaxminddb checked
 * the record size (24, 28 or 32) when it opened the file. */
static inline uint32_t tree_record(const geo_db_t *db, uint32_t node, unsigned bit)
{
    const MMDB_s *m = &db->mmdb;
    const uint8_t *p = m->file_content + (size_t)node * m->full_record_byte_size;
    switch (m->metadata.record_size) {
    case 24:
        p += bit * 3;
        return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
    case 28:
        /* The middle octet holds the high nibble of each record. */
        if (bit == 0) {
            return (uint32_t)(p[3] & 0xF0) << 20 | (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 |
                   p[2];
        }
        return (uint32_t)(p[3] & 0x0F) << 24 | (uint32_t)p[4] << 16 | (uint32_t)p[5] << 8 | p[6];
    default:
        p += bit * 4;
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    }
}

/* Follow addr's first width bits from node (reached after depth bits) until
 * the walk leaves the tree; returns the record it ends on and the depth in
 * *out_depth. MMDB_lookup_sockaddr does the same through a sockaddr, a
 * function pointer per node and more checks: about 600 instructions per
 * lookup, a sixth of a geo answer. */
static uint32_t tree_walk(const geo_db_t *db, uint32_t node, unsigned depth, const uint8_t *addr,
                          unsigned width, unsigned *out_depth)
{
    const uint8_t *base = db->mmdb.file_content;
    uint32_t node_count = db->mmdb.metadata.node_count;
    unsigned i = 0;
    /* One loop per record size, so that the size is not decided at every node. */
#define TREE_WALK(bytes, left, right)                                                         \
    for (; node < node_count && i < width; i++) {                                             \
        const uint8_t *p = base + (size_t)node * (bytes);                                     \
        node = (addr[i >> 3] >> (7 - (i & 7))) & 1u ? (right) : (left);                       \
    }
    switch (db->mmdb.metadata.record_size) {
    case 24:
        TREE_WALK(6, (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2],
                  (uint32_t)p[3] << 16 | (uint32_t)p[4] << 8 | p[5])
        break;
    case 28:
        /* The middle octet holds the high nibble of each record. */
        TREE_WALK(7,
                  (uint32_t)(p[3] & 0xF0) << 20 | (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 |
                      p[2],
                  (uint32_t)(p[3] & 0x0F) << 24 | (uint32_t)p[4] << 16 | (uint32_t)p[5] << 8 |
                      p[6])
        break;
    default:
        TREE_WALK(8, (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3],
                  (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16 | (uint32_t)p[6] << 8 | p[7])
        break;
    }
#undef TREE_WALK
    *out_depth = depth + i;
    return node;
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
    if (db->mmdb.metadata.ip_version == 6) {
        while (db->ipv4_depth < 96 && db->ipv4_node < db->mmdb.metadata.node_count) {
            db->ipv4_node = tree_record(db, db->ipv4_node, 0);
            db->ipv4_depth++;
        }
    }
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

int geo_db_lookup(const geo_db_t *db, int family, const uint8_t *addr, geo_location_t *out)
{
    /* An IPv4-mapped address is looked up as the IPv4 address it carries:
     * the same record GeoLite2's alias of ::ffff:0:0/96 leads to, and it
     * also works in IPv4-only trees and in IPv6 trees without the alias.
     * The prefix is reported in IPv6 bits, as the caller asked in IPv6. */
    if (family == AF_INET6 && is_v4_mapped(addr)) {
        int rc = geo_db_lookup(db, AF_INET, addr + 12, out);
        out->prefix_bits = (uint8_t)(out->prefix_bits + 96);
        return rc;
    }
    memset(out, 0, sizeof(*out));
    bool is_v6_tree = db->mmdb.metadata.ip_version == 6;
    uint32_t node;
    unsigned depth;
    unsigned width;
    if (family == AF_INET) {
        width = 32;
        node = tree_walk(db, is_v6_tree ? db->ipv4_node : 0, is_v6_tree ? db->ipv4_depth : 0,
                         addr, width, &depth);
    } else if (family == AF_INET6) {
        if (!is_v6_tree) {
            /* An IPv4-only database knows nothing of IPv6: every IPv6 address
             * gets the same (empty) answer, so the whole space is one network. */
            return 0;
        }
        width = 128;
        node = tree_walk(db, 0, 0, addr, width, &depth);
    } else {
        return -GSLB_EINVAL;
    }
    uint32_t node_count = db->mmdb.metadata.node_count;
    if (node < node_count) {
        return -GSLB_EGEO; /* all bits used and still inside the tree: corrupt */
    }

    /* In an IPv6 tree IPv4 addresses live under ::/96, so an IPv4 /24 is at
     * depth 120. If the tree ends above ::/96 (no IPv4 data at all) the depth
     * is below 96 and the block covers all of IPv4: prefix 0. */
    unsigned bits = depth;
    if (family == AF_INET && is_v6_tree) {
        bits = bits >= 96 ? bits - 96 : 0;
    }
    out->prefix_bits = (uint8_t)(bits > width ? width : bits);
    if (node == node_count) {
        return 0;
    }
    uint64_t data_off = (uint64_t)node - node_count - 16;
    if (node - node_count < 16 || data_off >= db->mmdb.data_section_size) {
        return -GSLB_EGEO; /* points outside the data section: corrupt */
    }
    out->is_found = true;
    uint8_t prefix_bits = out->prefix_bits;
    uint32_t off = (uint32_t)data_off;
    /* Fibonacci hashing spreads offsets (often multiples of a record size) over the slots. */
    geo_cache_slot_t *slot =
        &geo_cache[(uint32_t)(off * 2654435769u) >> (32 - GEO_CACHE_LOG2_SLOTS)];
    if (slot->db_id == db->id && slot->offset == off) {
        *out = slot->loc;
        out->prefix_bits = prefix_bits;
        geo_cache_counts.hits++;
        return 0;
    }
    geo_cache_counts.misses++;
    MMDB_entry_s entry = {.mmdb = &db->mmdb, .offset = off};
    int rc = record_read(db, &entry, out);
    if (rc < 0) {
        memset(out, 0, sizeof(*out));
        out->prefix_bits = prefix_bits;
        return rc;
    }
    /* Ids count up from 1 per opened database, so this never repeats within a
     * process's lifetime of reloads (2^32 of them). */
    out->record_id = db->id << 32 | off;
    slot->db_id = db->id;
    slot->offset = off;
    slot->loc = *out;
    return 0;
}

geo_cache_stats_t geo_cache_stats(void)
{
    return geo_cache_counts;
}
