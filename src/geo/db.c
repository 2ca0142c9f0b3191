/* geo: MaxMind DB access: open, configurable field paths, allocation-free lookups. */
#include "gslb/geo.h"

#include "db_int.h"

#include <maxminddb.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

struct geo_db {
    MMDB_s mmdb;
    /* Per conf_geo_field_t: NULL-terminated path for MMDB_aget_value, built
     * at open time so lookups do not allocate; NULL = field not in schema. */
    char **paths[CONF_GEO_FIELD_COUNT];
    uint64_t id; /* unique per opened database, never reused: keys record ids */
};

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

const char *geo_db_fd_dir = "/proc/self/fd";

/* Copy the whole of src, which an fstat before the copy found size bytes
 * long, to dst. Returns 0, an errno value, or -1 when the file did not hold
 * exactly size bytes (it was being truncated or rewritten meanwhile). */
static int copy_all(int dst, int src, off_t size)
{
    enum { CHUNK = 1 << 20 };
    char *buf = xmalloc(CHUNK);
    off_t done = 0;
    int err = 0;
    while (err == 0) {
        ssize_t n = read(src, buf, CHUNK);
        if (n < 0) {
            if (errno != EINTR) {
                err = errno;
            }
            continue;
        }
        if (n == 0) {
            break;
        }
        if (n > size - done) {
            err = -1; /* grew */
            break;
        }
        for (ssize_t off = 0; off < n && err == 0;) {
            ssize_t w = write(dst, buf + off, (size_t)(n - off));
            if (w > 0) {
                off += w;
            } else if (w == 0) {
                err = ENOSPC;
            } else if (errno != EINTR) {
                err = errno;
            }
        }
        done += n;
    }
    if (err == 0 && done != size) {
        err = -1; /* shrank */
    }
    free(buf);
    return err;
}

/* Open path through a private copy into *mmdb. The copy is an anonymous
 * memory file (memfd) opened by name through geo_db_fd_dir, as
 * libmaxminddb only opens paths; without /proc it is a temporary file in
 * TMPDIR (or /tmp), mode 0600 and unlinked as soon as it is mapped. Either
 * way no other process can reach the bytes the mapping reads, so truncating
 * or rewriting path cannot fault a lookup (SIGBUS) or change its answers.
 * Messages name path, never the copy. Returns 0, or -1 after reporting. */
static int open_private_copy(MMDB_s *mmdb, const char *path, gslb_diag_t *diag)
{
    const char *what = NULL; /* the failing step, for the message */
    int err = 0;
    int src = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (src < 0 || fstat(src, &st) != 0) {
        err = errno;
        if (diag != NULL) {
            gslb_diag_report(diag, DIAG_ERROR, path, 0, 0, "geoip: cannot open database (%s)",
                             strerror(err));
        }
        if (src >= 0) {
            close(src);
        }
        return -1;
    }

    char copy_path[4096];
    bool via_fd = access(geo_db_fd_dir, F_OK) == 0;
    int dst;
    if (via_fd) {
        what = "memfd_create";
        dst = memfd_create("gslbd-geoip", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    } else {
        const char *dir = getenv("TMPDIR");
        if (dir == NULL || dir[0] == '\0') {
            dir = "/tmp";
        }
        what = "temporary file";
        int n = snprintf(copy_path, sizeof(copy_path), "%s/gslbd-geoip-XXXXXX", dir);
        if (n < 0 || (size_t)n >= sizeof(copy_path)) {
            errno = ENAMETOOLONG;
            dst = -1;
        } else {
            dst = mkostemp(copy_path, O_CLOEXEC);
        }
    }
    if (dst < 0) {
        err = errno;
    } else if (!S_ISREG(st.st_mode)) {
        what = NULL;
        err = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
    } else if ((err = copy_all(dst, src, st.st_size)) != 0) {
        what = NULL;
    } else if (via_fd && fcntl(dst, F_ADD_SEALS,
                               F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
        /* Nothing else holds the memfd; sealed, not even we can change it. */
        what = "sealing the copy";
        err = errno;
    }
    close(src);

    int rc = MMDB_SUCCESS;
    if (err == 0) {
        if (via_fd) {
            snprintf(copy_path, sizeof(copy_path), "%s/%d", geo_db_fd_dir, dst);
        }
        rc = MMDB_open(copy_path, MMDB_MODE_MMAP, mmdb);
    }
    if (dst >= 0) {
        if (!via_fd) {
            unlink(copy_path);
        }
        /* MMDB_open maps the file and closes its own descriptor; the
         * mapping keeps the copy alive without this one. */
        close(dst);
    }

    if (diag != NULL) {
        if (err == -1) {
            gslb_diag_report(diag, DIAG_ERROR, path, 0, 0,
                             "geoip: cannot read database (the file changed while it was "
                             "read; it is being replaced?)");
        } else if (err != 0 && what != NULL) {
            gslb_diag_report(diag, DIAG_ERROR, path, 0, 0,
                             "geoip: cannot copy database (%s: %s)", what, strerror(err));
        } else if (err != 0) {
            gslb_diag_report(diag, DIAG_ERROR, path, 0, 0, "geoip: cannot read database (%s)",
                             strerror(err));
        } else if (rc != MMDB_SUCCESS) {
            gslb_diag_report(diag, DIAG_ERROR, path, 0, 0, "geoip: cannot open database (%s)",
                             MMDB_strerror(rc));
        }
    }
    return err == 0 && rc == MMDB_SUCCESS ? 0 : -1;
}

int geo_db_open(geo_db_t **out, const char *path, const conf_geo_path_t *fields,
                gslb_diag_t *diag)
{
    *out = NULL;
    geo_db_t *db = xcalloc(1, sizeof(*db));
    if (open_private_copy(&db->mmdb, path, diag) != 0) {
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
 * IPv4-mapped). Returns 0 with the record's offset (is_found) and the prefix
 * of the network holding addr, or -GSLB_EGEO on a corrupt database. */
static int tree_find(const geo_db_t *db, int family, const uint8_t *addr, bool *is_found,
                     uint32_t *off, uint8_t *prefix_bits)
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
    *is_found = false;
    *off = 0;
    *prefix_bits = 0;

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
    *prefix_bits = (uint8_t)(bits > width ? width : bits);
    if (res.found_entry) {
        *is_found = true;
        *off = res.entry.offset;
    }
    return 0;
}

int geo_db_record_read(const geo_db_t *db, uint32_t off, geo_location_t *out)
{
    memset(out, 0, sizeof(*out));
    /* The entry a lookup would return: the record at this offset. */
    MMDB_entry_s entry = {.mmdb = &db->mmdb, .offset = off};
    int rc = record_read(db, &entry, out);
    if (rc < 0) {
        memset(out, 0, sizeof(*out));
    }
    return rc;
}

const MMDB_s *geo_db_mmdb(const geo_db_t *db)
{
    return &db->mmdb;
}

int geo_db_lookup(const geo_db_t *db, int family, const uint8_t *addr, geo_location_t *out)
{
    unsigned extra_bits = 0;
    if (family == AF_INET6) {
        /* An IPv4-mapped address is looked up as the IPv4 address it
         * carries: the same record GeoLite2's alias of ::ffff:0:0/96 leads
         * to, and it also works in IPv4-only trees and in IPv6 trees
         * without the alias. The prefix is reported in IPv6 bits, as the
         * caller asked in IPv6. */
        if (is_v4_mapped(addr)) {
            addr += 12;
            family = AF_INET;
            extra_bits = 96;
        }
    } else if (family != AF_INET) {
        memset(out, 0, sizeof(*out));
        return -GSLB_EINVAL;
    }
    bool is_found;
    uint32_t off;
    uint8_t prefix_bits;
    int rc = tree_find(db, family, addr, &is_found, &off, &prefix_bits);
    if (rc == 0 && is_found) {
        rc = geo_db_record_read(db, off, out);
        if (rc == 0) {
            out->is_found = true;
            /* Ids count up from 1 per opened database, so this never repeats
             * within a process's lifetime of reloads (2^32 of them). */
            out->record_id = db->id << 32 | off;
        }
    } else {
        memset(out, 0, sizeof(*out));
    }
    out->prefix_bits = (uint8_t)(prefix_bits + extra_bits);
    return rc;
}
