/* latency: internal interface between the table readers (CSV, JSON), the row collector and the
 * compiler. */
#ifndef GSLB_LATENCY_INT_H
#define GSLB_LATENCY_INT_H

#include "gslb/latency.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Errors reported for one table before the readers stop (one more message
 * then says so): a table written wrong on every line should not flood the
 * log with a million lines. */
#define LAT_MAX_ERRORS 100

/* "No row" in the per-prefix chains. */
#define LAT_NONE UINT32_MAX

/* Longest quoted text in a message: LAT_QUOTE_TEXT bytes of input, each
 * shown as at most 4 characters (\xNN), then "..." and the NUL. */
#define LAT_QUOTE_TEXT 48
#define LAT_QUOTE_MAX (LAT_QUOTE_TEXT * 4 + 4)

/* Longest round trip a table may give, in milliseconds (ten minutes is no
 * measurement of a network path any more, rather a unit mix-up). */
#define LAT_RTT_MAX_MS 600000u

/* A row as read, before compiling. */
typedef struct lat_row_in {
    uint32_t group;    /* index of the row's prefix in lat_build_t.groups */
    uint32_t prev;     /* the prefix's row read before this one, LAT_NONE for the first */
    uint32_t dc;       /* index into lat_build_t.names */
    uint32_t rtt_us;
    int64_t expires_s; /* INT64_MAX = never */
    unsigned line;     /* where the row was read (1-based), for "first at line N" */
} lat_row_in_t;

/* A distinct prefix and the chain of its rows (newest first through prev). */
typedef struct lat_group {
    gslb_addr_t net;   /* host bits zero; IPv4-mapped IPv6 prefixes are made IPv4 */
    uint8_t bits;      /* in net's family */
    uint32_t last;     /* the prefix's latest row */
    uint32_t count;    /* its rows, <= LATENCY_MAX_ROWS */
} lat_group_t;

/* Everything one parse collects: the caller's settings, the rows so far
 * and the error count. One per parse, on the load path or control thread;
 * not shared between threads. */
typedef struct lat_build {
    const char *name;              /* the table's name in messages */
    gslb_diag_t *diag;             /* NULL: errors are only counted */
    const char *const *names;      /* data center names rows may use */
    size_t name_count;
    int64_t default_measured_s;    /* measured of rows that give none */
    int64_t max_age_s;             /* <= 0: rows never expire */
    struct timespec started;       /* CLOCK_MONOTONIC at the start, for build_ms */
    size_t errors;
    bool is_stopped;               /* LAT_MAX_ERRORS reached: readers read no further */
    lat_row_in_t *rows;
    size_t row_count, row_cap;
    lat_group_t *groups;
    size_t group_count, group_cap;
    uint32_t *slots;               /* open addressing over groups: index + 1, 0 = empty */
    size_t slot_cap;               /* power of two */
} lat_build_t;

/* ---- the collector (build.c) ---------------------------------------------- */

/* Start a parse: takes the caller's settings (borrowed for the parse) and
 * the start time. Allocates (aborting on OOM). */
void lat_build_init(lat_build_t *b, const char *name, gslb_diag_t *diag,
                    const char *const *names, size_t name_count, int64_t default_measured_s,
                    int64_t max_age_s);

/* Release the rows and prefixes; the struct may be initialised again. */
void lat_build_fini(lat_build_t *b);

/* Report "name:line:col: error: ..." (line or col 0: left out) and count
 * it; after LAT_MAX_ERRORS, say the reading stops and set is_stopped.
 * Nothing is reported once stopped. */
void lat_error(lat_build_t *b, unsigned line, unsigned col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Add a checked row (net/bits from lat_prefix_check, dc from
 * lat_dc_check). Reports, at line:col, the same (prefix, data center)
 * given twice (naming the first line) and a prefix with more than
 * LATENCY_MAX_ROWS rows; such a row is left out. */
void lat_row_add(lat_build_t *b, const gslb_addr_t *net, uint8_t bits, uint32_t dc,
                 uint32_t rtt_us, int64_t measured_s, unsigned line, unsigned col);

/* ---- field checks, shared by both formats (fields.c) ------------------------
 * Each takes a field's text (text[0..len), not NUL-terminated, any bytes)
 * and its position, and returns true with the value, or false after
 * reporting what is wrong with it at line:col. */

/* A CIDR prefix with zero host bits. An IPv4-mapped IPv6 prefix
 * (::ffff:a.b.c.d/96+n) comes back as the IPv4 prefix a.b.c.d/n: the trees
 * decide IPv4-mapped clients by their IPv4 address. */
bool lat_prefix_check(lat_build_t *b, const char *text, size_t len, unsigned line, unsigned col,
                      gslb_addr_t *net, uint8_t *bits);

/* The index of a data center name among b->names (exact, case-sensitive). */
bool lat_dc_check(lat_build_t *b, const char *text, size_t len, unsigned line, unsigned col,
                  uint32_t *dc);

/* A round trip written as decimal milliseconds ("12", "0.35"), 0 to
 * LAT_RTT_MAX_MS, to whole microseconds (rounded half up). */
bool lat_rtt_text_check(lat_build_t *b, const char *text, size_t len, unsigned line,
                        unsigned col, uint32_t *rtt_us);

/* A round trip given as a number of milliseconds (JSON), as above. */
bool lat_rtt_number_check(lat_build_t *b, double ms, unsigned line, unsigned col,
                          uint32_t *rtt_us);

/* A measurement time written as decimal Unix seconds (no sign, fits int64). */
bool lat_measured_text_check(lat_build_t *b, const char *text, size_t len, unsigned line,
                             unsigned col, int64_t *measured_s);

/* Write text[0..len) to buf (LAT_QUOTE_MAX bytes) for a message: printable
 * ASCII as is, backslash and other bytes as \\ and \xNN, cut after
 * LAT_QUOTE_TEXT bytes with "...". Returns buf. */
const char *lat_quote(const char *text, size_t len, char *buf);

/* ---- the readers (csv.c, json.c) --------------------------------------------
 * Read every row of text[0..len) into b, reporting every problem (up to
 * LAT_MAX_ERRORS). text may be NULL when len is 0. */
void lat_csv_read(lat_build_t *b, const char *text, size_t len);
void lat_json_read(lat_build_t *b, const char *text, size_t len);

/* Where each value of a JSON text is (json_pos.c), since jansson keeps no
 * positions of values: one entry per value in document order (a container
 * before its contents; an object's member values in the order written,
 * which is jansson's iteration order). */
typedef struct lat_json_pos {
    unsigned line, col;         /* the value's first character, 1-based (col in characters) */
    unsigned key_line, key_col; /* its key's opening quote inside an object, else 0 */
    uint32_t size;              /* values in the subtree, the value itself included */
} lat_json_pos_t;

/* The positions of every value of text[0..len), which jansson has already
 * accepted (on other text the result is some list, never a read past len).
 * Returns a new array (free it) and its length in *count. Allocates,
 * aborting on OOM. */
lat_json_pos_t *lat_json_positions(const char *text, size_t len, size_t *count);

/* ---- the compiler (compile.c) ------------------------------------------------ */

/* Compile the rows of b (which must have no errors) into a table: rows
 * grouped per prefix, sorted by (rtt_us, dc), the prefixes painted into a
 * geo decision tree. Returns 0 and *out, or -GSLB_ECONF after reporting
 * a table too big for the tree. b is left as it was (the caller frees it). */
int lat_compile(latency_table_t **out, lat_build_t *b);

#endif
