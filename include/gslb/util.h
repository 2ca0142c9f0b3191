/* util: error codes, aborting allocators, logging, the config/zone diagnostics collector and
 * the IP address type. */
#ifndef GSLB_UTIL_H
#define GSLB_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Error codes. Fallible functions return 0 or the negative of one of these. */
enum gslb_err {
    GSLB_OK = 0,
    GSLB_ENOMEM = 1,  /* out of memory (only where we do not abort) */
    GSLB_EINVAL,      /* invalid argument or value */
    GSLB_EIO,         /* file or socket I/O failed; errno has detail */
    GSLB_ECONF,       /* configuration has errors (reported through gslb_diag_t) */
    GSLB_EZONE,       /* a zone file has errors (reported through gslb_diag_t) */
    GSLB_EGEO,        /* a GeoIP database could not be opened or read */
    GSLB_ENOTFOUND,   /* looked-up item does not exist */
    GSLB_ENOSPACE,    /* output does not fit in the buffer */
    GSLB_ESYS,        /* a system call failed; errno has detail */
    GSLB_EBUSY,       /* the same operation is already under way */
};

/* Text for a GSLB_E* code (positive or negative). Never returns NULL. */
const char *gslb_strerror(int err);

/* Allocators for load and control paths: they abort the process on OOM, so
 * they never return NULL. Never call them on the query path. */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* printf into a new string; aborts on OOM. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Log levels, most severe first. */
typedef enum log_level {
    LOG_LEVEL_ERR = 0,
    LOG_LEVEL_WARN,
    LOG_LEVEL_INFO,
    LOG_LEVEL_DEBUG,
} log_level_t;

/* Set the most verbose level that is written (default LOG_LEVEL_INFO).
 * Call from main before threads start. */
void log_set_level(log_level_t level);
/* Parse "error", "warning", "info" or "debug"; returns -GSLB_EINVAL otherwise. */
int log_level_parse(const char *s, log_level_t *out);
/* Write one line to stderr with a timestamp and level. Thread-safe: each
 * message is one write(2). Messages follow "module: object 'name': what (cause)". */
void log_msg(log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vmsg(log_level_t level, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
bool log_enabled(log_level_t level);

#define log_err(...) log_msg(LOG_LEVEL_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...)                                  \
    do {                                                \
        if (log_enabled(LOG_LEVEL_DEBUG)) {             \
            log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__);      \
        }                                               \
    } while (0)

/* Diagnostics collector for config and zone loaders: they report every
 * problem, not just the first, in compiler format
 * "file:line:col: error: message" (line and column are 1-based; 0 means
 * unknown and is left out). */
typedef struct gslb_diag gslb_diag_t;

typedef enum diag_severity {
    DIAG_ERROR = 0,
    DIAG_WARNING,
} diag_severity_t;

/* New empty collector. If echo is true, each message is also written to
 * stderr as it is reported (used by --check-config). */
gslb_diag_t *gslb_diag_new(bool echo);
void gslb_diag_free(gslb_diag_t *d);
/* Record one message. file may be NULL (then "gslbd" is shown). */
void gslb_diag_report(gslb_diag_t *d, diag_severity_t sev, const char *file, unsigned line,
                      unsigned col, const char *fmt, ...) __attribute__((format(printf, 6, 7)));
void gslb_diag_vreport(gslb_diag_t *d, diag_severity_t sev, const char *file, unsigned line,
                       unsigned col, const char *fmt, va_list ap)
    __attribute__((format(printf, 6, 0)));
/* Number of DIAG_ERROR messages recorded so far. */
size_t gslb_diag_errors(const gslb_diag_t *d);
/* Number of messages of any severity, and the i-th formatted message
 * ("file:line:col: error: text"); the string is owned by the collector. */
size_t gslb_diag_count(const gslb_diag_t *d);
const char *gslb_diag_message(const gslb_diag_t *d, size_t i);
/* Write every message to the log at error/warning level. */
void gslb_diag_log(const gslb_diag_t *d);

#define GSLB_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* An IPv4 or IPv6 address: a configured resource, a map's network, the
 * client a decision is made for. family is AF_INET or AF_INET6; addr is in
 * network byte order, IPv4 in the first 4 octets. Every octet an address
 * does not use is zero, so two addresses are the same exactly when memcmp
 * says so. A plain value: copy it freely. */
typedef struct gslb_addr {
    int family;
    uint8_t addr[16];
} gslb_addr_t;

/* Room for the text of any address with its final NUL (INET6_ADDRSTRLEN). */
#define GSLB_ADDR_TEXT_MAX 46

/* Parse an address in the usual text forms (dotted quad; RFC 4291 2.2 for
 * IPv6, an IPv4-mapped one staying IPv6). Returns 0 and *out, or
 * -GSLB_EINVAL with *out zeroed. Any thread. */
int gslb_addr_parse(const char *text, gslb_addr_t *out);

/* What gslb_prefix_parse found; callers word their own messages. */
typedef enum gslb_prefix_status {
    GSLB_PREFIX_OK = 0,
    GSLB_PREFIX_BAD_ADDRESS, /* the text before '/' is not an address */
    GSLB_PREFIX_BAD_LENGTH,  /* no '/', or not 1..3 digits up to 32 (IPv4) or 128 (IPv6) */
    GSLB_PREFIX_HOST_BITS,   /* well formed, but bits past the length are set */
} gslb_prefix_status_t;

/* Parse "ADDRESS/LENGTH" (CIDR notation, RFC 4632 3.1). On GSLB_PREFIX_OK
 * and GSLB_PREFIX_HOST_BITS, *out is the address with the bits past the
 * length cleared and *prefix_bits the length: whether set host bits are an
 * error is the caller's choice. On GSLB_PREFIX_BAD_LENGTH, *out is the
 * address (so a message can give its family's range); on
 * GSLB_PREFIX_BAD_ADDRESS it is zeroed. *prefix_bits is 0 unless the length
 * parsed. Any thread. */
gslb_prefix_status_t gslb_prefix_parse(const char *text, gslb_addr_t *out,
                                       uint8_t *prefix_bits);

/* Clear the bits of a past its first prefix_bits (a length past the
 * family's width clears nothing). Any thread. */
void gslb_addr_mask(gslb_addr_t *a, unsigned prefix_bits);

/* Write a's text form (RFC 5952 for IPv6) to buf, which should hold
 * GSLB_ADDR_TEXT_MAX bytes, and return buf; "?" when a is no address or
 * buf is too small. Any thread. */
const char *gslb_addr_format(const gslb_addr_t *a, char *buf, size_t size);

#endif
