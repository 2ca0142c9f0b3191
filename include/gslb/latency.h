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
 *   CSV:  prefix,datacenter,rtt_ms[,measured]   one per line; blanks and tabs
 *         around fields, '#' comments (to the end of the line), blank lines,
 *         CRLF line ends, a leading UTF-8 byte order mark and a first line
 *         whose first field is "prefix" (a header) skipped; an empty
 *         measured field is an absent one
 *   JSON: {"entries": [{"prefix": "...", "datacenter": "...", "rtt_ms": N,
 *          "measured": UNIX_SECONDS}, ...]}   no other keys; measured may be
 *          null or absent
 * prefix is a CIDR (host bits zero), IPv4 or IPv6; an IPv4-mapped IPv6 one
 * (::ffff:a.b.c.d/96+n) is the IPv4 prefix a.b.c.d/n, as the trees decide
 * IPv4-mapped clients by their IPv4 address (so an IPv6 prefix that contains
 * ::ffff:0:0/96 does not reach into it). rtt_ms 0..600000 (may have a
 * fraction; kept in whole microseconds, rounded). measured (optional, Unix
 * seconds, an integer from 0) defaults to default_measured_s (the file's
 * modification time, or the time of a PUT). A row's expires_s is measured +
 * max_age_s (saturating; max_age_s <= 0 = never, INT64_MAX): a row already
 * expired is still read, and counts as absent. names[0..name_count) are the
 * data center names rows may use (exact; an unknown name is an error, with
 * a hint when only its case differs). The same (prefix, datacenter) twice is
 * an error naming the first line, as are more than LATENCY_MAX_ROWS rows for
 * one prefix. Every problem goes to diag (NULL: none reported) as
 * "name:line:col: error: ..." (CSV: the line and the offending field's first
 * character, or where a missing field would start; JSON: jansson's position
 * for a syntax error, else the offending value's or key's first character;
 * columns count UTF-8 characters), up to 100 errors, then one saying the
 * reading stopped. Returns 0 and *out (an empty table when there are no
 * rows), or -GSLB_ECONF and *out NULL. text may be NULL when len is 0; it,
 * names and diag are not kept. Load path or control thread; never the query
 * path. */
int latency_table_parse(latency_table_t **out, const char *name, const char *text, size_t len,
                        const char *format, const char *const *names, size_t name_count,
                        int64_t default_measured_s, int64_t max_age_s, gslb_diag_t *diag);

/* Read and parse the file at path (format from the extension: ".json", any
 * case, is JSON, anything else CSV; default_measured_s = the file's mtime;
 * messages name the file by path). Returns as latency_table_parse, or
 * -GSLB_EIO (errno set) after reporting "path: error: cannot read
 * (strerror)" when the file cannot be opened or read. Load path or control
 * thread. */
int latency_table_load(latency_table_t **out, const char *path, const char *const *names,
                       size_t name_count, int64_t max_age_s, gslb_diag_t *diag);

/* Free a table; NULL does nothing. Only once no thread looks up in it. */
void latency_table_free(latency_table_t *t);

/* The rows for a client address (family AF_INET6 with 16 bytes, anything
 * else AF_INET with 4): the most specific prefix holding it wins; an
 * IPv4-mapped IPv6 address is looked up as its IPv4 address, with its scope
 * in IPv6 bits (96 + the IPv4 scope). Never allocates, no locks; any thread,
 * for as long as the table lives. t NULL: count 0, scope 0. */
latency_hit_t latency_table_find(const latency_table_t *t, int family, const uint8_t *addr);

/* Figures for status pages and logs. */
typedef struct latency_stats {
    size_t entries;       /* rows read */
    size_t prefixes;      /* distinct prefixes */
    size_t leaves;        /* leaf blocks of the compiled trees (both families; the IPv6
                           * count includes the IPv4 tree grafted at ::ffff:0:0/96) */
    size_t bytes;         /* memory of the compiled trees and row lists */
    double build_ms;      /* wall time of the parse and compile, milliseconds */
} latency_stats_t;
/* Fill *out with t's figures (t NULL: all zero). Any thread. */
void latency_table_stats(const latency_table_t *t, latency_stats_t *out);

#endif
