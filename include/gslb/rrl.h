/* rrl: response rate limiting — token buckets per client network, response class and name,
 * in one fixed table shared by the workers, updated with compare-and-swap (no lock, no
 * allocation on the query path). */
#ifndef GSLB_RRL_H
#define GSLB_RRL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a response is counted as. Each class has its own rate, and its own key:
 *  - ANSWER:   a positive answer, keyed by QNAME and QTYPE;
 *  - NODATA:   NOERROR without an answer for the QTYPE (RFC 2308 2.2), by QNAME;
 *  - NXDOMAIN: by the zone's apex, so that random names under one zone share a bucket;
 *  - REFERRAL: a delegation (NOERROR, no AA, NS in authority), by the zone's apex;
 *  - ERROR:    any other RCODE (REFUSED, FORMERR, NOTIMP, SERVFAIL), by network alone. */
typedef enum rrl_class {
    RRL_ANSWER = 0,
    RRL_NODATA,
    RRL_NXDOMAIN,
    RRL_REFERRAL,
    RRL_ERROR,
    RRL_CLASS_COUNT
} rrl_class_t;

/* The class's name in metrics and configuration ("answer", "nodata", "nxdomain",
 * "referral", "error"). */
const char *rrl_class_name(rrl_class_t c);

#define RRL_RATE_MAX 10000u  /* responses per second per bucket */
#define RRL_WINDOW_MAX 60u   /* seconds */
#define RRL_SLIP_MAX 10u

/* The limits, prepared from the configuration at load (read-only afterwards). */
typedef struct rrl_params {
    bool is_enabled;
    uint32_t rate[RRL_CLASS_COUNT]; /* responses per second, 1..RRL_RATE_MAX; 0 = not limited */
    uint32_t window_s;              /* 1..RRL_WINDOW_MAX: how long excess counts against a bucket */
    uint32_t slip;                  /* 0 = drop every limited response, 1 = truncate every one,
                                     * N = truncate every Nth and drop the others */
    uint8_t prefix_v4, prefix_v6;   /* client network: the source address cut to these bits */
} rrl_params_t;

/* What to do with one response. */
typedef enum rrl_verdict {
    RRL_PASS = 0, /* send it as it is */
    RRL_SLIP,     /* limited: send it truncated (TC=1, no records) so that a real client
                   * retries over TCP, or a BADCOOKIE with a fresh cookie */
    RRL_DROP,     /* limited: send nothing */
} rrl_verdict_t;

typedef struct rrl_table rrl_table_t;

/* A table of buckets (rounded up to a power of two, at least 64; 8 octets each),
 * shared by every worker and kept across reloads. Returns NULL when buckets is over
 * 2^26. Load path; allocates (aborts on OOM). */
rrl_table_t *rrl_table_new(size_t buckets);

/* Free a table; NULL does nothing. Only once no worker uses it. */
void rrl_table_free(rrl_table_t *t);

/* Buckets in the table. */
size_t rrl_table_size(const rrl_table_t *t);

/* The key of a response: the client's network (family AF_INET or AF_INET6, addr in network
 * order, 4 or 16 octets, cut to p's prefix here), the class, and name (a lower-case
 * uncompressed wire name of name_len octets, or NULL for ERROR) with qtype (used for
 * ANSWER only). Returns a 64-bit hash (XXH3). Any thread; no allocation. */
uint64_t rrl_key(const rrl_params_t *p, int family, const uint8_t *addr, rrl_class_t cls,
                 const uint8_t *name, size_t name_len, uint16_t qtype);

/* Account one response of class cls with key key at now_s (seconds of any clock that
 * moves forward one per second) and decide. A bucket holds up to one second's worth of
 * responses (rate) and pays one per response; it earns rate per second; while it is
 * negative the responses are limited, and it never owes more than window_s seconds'
 * worth, so a network stays limited until its average over the window falls under the
 * rate. Of the limited responses of a bucket every slip-th is RRL_SLIP, the others
 * RRL_DROP. A class whose rate is 0 always passes. Two keys may meet in a slot pair;
 * the older one loses its state (a fresh bucket). Lock-free (compare-and-swap); any
 * worker thread; never allocates. */
rrl_verdict_t rrl_account(rrl_table_t *t, const rrl_params_t *p, uint64_t key, rrl_class_t cls,
                          uint32_t now_s);

#endif
