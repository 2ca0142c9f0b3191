/* latency: tables of measured round-trip times per client prefix and data center,
 * compiled into prefix trees like the geo maps, for the `latency` policy. */
#ifndef GSLB_LATENCY_H
#define GSLB_LATENCY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gslb/util.h"

#define LATENCY_MAX_ROWS 64 /* data centers per prefix (= GEO_MAX_SITES) */

/* One measurement as a leaf holds it: data center index, RTT and when it
 * stops counting. Rows of a leaf are sorted by rtt_us, then dc. */
typedef struct latency_row {
    uint32_t dc;          /* index into the names given to latency_table_parse */
    uint32_t rtt_us;      /* microseconds */
    int64_t expires_s;    /* CLOCK_REALTIME seconds after which the row is ignored;
                           * INT64_MAX = never */
} latency_row_t;

/* A lookup: the rows of the most specific prefix of the table that covers
 * the address (count 0 = not covered), and the prefix length of the leaf
 * that decided, i.e. the widest block around the address with the same
 * rows (the ECS scope the answer depends on; it covers the table entry's
 * own prefix, or the uncovered gap around it). */
typedef struct latency_hit {
    const latency_row_t *rows; /* valid while the table lives */
    size_t count;
    uint8_t scope_bits;        /* in the address's family */
} latency_hit_t;

typedef struct latency_table latency_table_t;

/* Parse a table from text. format "csv" or "json" (see doc/configuration.md,
 * "Latency tables"):
 *   CSV:  prefix,datacenter,rtt_ms[,measured]   one per line; '#' comments,
 *         blank lines and a first line "prefix,datacenter,rtt_ms..." skipped
 *   JSON: {"entries": [{"prefix": "...", "datacenter": "...", "rtt_ms": N,
 *          "measured": UNIX_SECONDS}, ...]}
 * prefix is a CIDR (host bits zero), IPv4 or IPv6; rtt_ms 0..600000 (may
 * have a fraction); measured (optional, Unix seconds) defaults to
 * default_measured_s (the file's modification time, or the time of a PUT).
 * A row whose measured + max_age_s is in the past counts as absent from then
 * on (max_age_s 0 = never). names[0..name_count) are the data center names
 * rows may use (an unknown name is an error). Every problem goes to diag as
 * "name:line:col: error: ..." (CSV: the line and field; JSON: jansson's
 * position). Returns 0 and *out, or -GSLB_ECONF. Load path or control
 * thread; never the query path. */
int latency_table_parse(latency_table_t **out, const char *name, const char *text, size_t len,
                        const char *format, const char *const *names, size_t name_count,
                        int64_t default_measured_s, int64_t max_age_s, gslb_diag_t *diag);

/* Read and parse the file at path (format from the extension: ".json" is
 * JSON, anything else CSV; default_measured_s = the file's mtime). */
int latency_table_load(latency_table_t **out, const char *path, const char *const *names,
                       size_t name_count, int64_t max_age_s, gslb_diag_t *diag);

void latency_table_free(latency_table_t *t);

/* The rows for a client address (family AF_INET or AF_INET6, 4 or 16
 * bytes). Never allocates or blocks; any thread. t NULL: count 0, scope 0. */
latency_hit_t latency_table_find(const latency_table_t *t, int family, const uint8_t *addr);

/* Figures for status pages and logs. */
typedef struct latency_stats {
    size_t entries;       /* rows read */
    size_t prefixes;      /* distinct prefixes */
    size_t leaves;        /* leaf blocks of the compiled trees (both families) */
    size_t bytes;         /* memory of the compiled trees and row lists */
    double build_ms;
} latency_stats_t;
void latency_table_stats(const latency_table_t *t, latency_stats_t *out);

#endif
