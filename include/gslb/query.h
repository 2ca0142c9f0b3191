/* query: answering one DNS query from the published snapshot (config, zones, GeoIP, policy). */
#ifndef GSLB_QUERY_H
#define GSLB_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "gslb/cookie.h"
#include "gslb/dnssec.h"
#include "gslb/rrl.h"
#include "gslb/server.h"
#include "gslb/snapshot.h"

/* QTYPEs counted on their own in metrics; everything else is "other". */
typedef enum query_qtype_class {
    QUERY_QT_A = 0,
    QUERY_QT_AAAA,
    QUERY_QT_CNAME,
    QUERY_QT_MX,
    QUERY_QT_TXT,
    QUERY_QT_NS,
    QUERY_QT_SOA,
    QUERY_QT_SRV,
    QUERY_QT_CAA,
    QUERY_QT_PTR,
    QUERY_QT_DS,
    QUERY_QT_ANY,
    QUERY_QT_OTHER,
    QUERY_QT_COUNT
} query_qtype_class_t;

/* The class a QTYPE is counted under, and its name ("A", ..., "other"). */
query_qtype_class_t query_qtype_class(uint16_t qtype);
const char *query_qtype_class_name(query_qtype_class_t c);

/* Metrics buckets for services and data centers, numbered by the control
 * module by name so that they keep their meaning across reloads (see
 * policy_service_set_stat_id); bucket 0 collects the rest ("other"). */
#define QUERY_STATS_SERVICES 256
#define QUERY_STATS_DATACENTERS 256
/* Client continents, indexed as geo_continent_index numbers them. */
#define QUERY_STATS_CONTINENTS GEO_CONTINENT_COUNT
#define QUERY_RCODES 24 /* RCODEs counted one by one (extended ones included) */

/* Per-worker counters; plain integers written only by their worker and
 * summed on read (stale reads are fine for metrics). */
typedef struct query_stats {
    uint64_t queries[2];         /* by transport: SERVER_UDP, SERVER_TCP */
    uint64_t qtypes[2][QUERY_QT_COUNT]; /* queries with a question, by transport and QTYPE */
    uint64_t rcodes[QUERY_RCODES]; /* responses by RCODE (extended included) */
    uint64_t tcp_rcodes[QUERY_RCODES]; /* the part of rcodes sent over TCP */
    uint64_t dropped;            /* malformed or not answerable: no response sent */
    uint64_t truncated;          /* TC=1 responses */
    uint64_t ecs[2];             /* [0] without ECS, [1] with ECS */
    uint64_t service_answers[QUERY_STATS_SERVICES];  /* answers by service bucket */
    /* answers (or fail: closed empty ones) given while every candidate was down */
    uint64_t service_all_down[QUERY_STATS_SERVICES];
    uint64_t dc_answers[QUERY_STATS_DATACENTERS];    /* data centers in answers, by bucket */
    uint64_t continent_answers[QUERY_STATS_CONTINENTS]; /* service answers by client continent */
    /* data centers in answers by the client's continent and the data center's bucket: where
     * each continent's clients are sent (the dashboard's flows) */
    uint64_t continent_dc_answers[QUERY_STATS_CONTINENTS][QUERY_STATS_DATACENTERS];
    /* service answers by their first data center's bucket and the reason it was chosen */
    uint64_t reason_answers[QUERY_STATS_DATACENTERS][POLICY_REASON_COUNT];
    uint64_t rrl_limited[RRL_CLASS_COUNT]; /* responses limited (slipped or dropped), by class */
    uint64_t rrl_slipped;        /* of those, sent truncated or as BADCOOKIE */
    uint64_t cookies[3];         /* queries with a COOKIE option, by query_cookie_t - 1 */
    uint64_t signatures[3];      /* online RRSIGs sent: [0] from the worker's cache, [1] copied
                                  * from those signed at load, [2] signed for this query */
    uint64_t sign_failures;      /* online signatures that could not be made (sent unsigned) */
} query_stats_t;

/* What a query's COOKIE option held, as far as the answer is concerned. */
typedef enum query_cookie {
    QUERY_COOKIE_NONE = 0,    /* no option, or cookies are off */
    QUERY_COOKIE_CLIENT_ONLY, /* a client cookie alone */
    QUERY_COOKIE_VALID,       /* with a server cookie we made, within its lifetime */
    QUERY_COOKIE_INVALID,     /* with a server cookie we cannot accept */
} query_cookie_t;

/* Metrics label of a cookie kind ("client_only", "valid", "invalid"). */
const char *query_cookie_name(query_cookie_t c);

/* A worker's private state: RNG for weighted choice and counters, and the process-wide
 * objects it shares with the other workers (set after query_worker_init; NULL = none). */
typedef struct query_worker {
    uint64_t rng;
    query_stats_t stats;
    rrl_table_t *rrl;                 /* the rate limiter's buckets (lock-free, shared) */
    const cookie_keys_t *cookie_keys; /* generated cookie secrets (lock-free reads) */
    dnssec_cache_t *sig_cache;        /* this worker's online signatures (owned by the
                                       * worker's creator); NULL = sign without caching */
} query_worker_t;

/* Initialise a worker's state (rrl and cookie_keys NULL); seed must differ per worker. */
void query_worker_init(query_worker_t *w, uint64_t seed);

/* Answer one query (RFC 1034 4.3.2 algorithm, RFC 2308 negative answers,
 * RFC 4592 wildcards, RFC 6891 EDNS, RFC 7871 ECS, RFC 8482 ANY) into resp and
 * return the response length, or 0 to send nothing (a packet with QR=1 or too
 * short to carry a header). UDP responses are limited to the client's payload
 * size (512 without EDNS) with TC=1 when the answer does not fit. Never
 * allocates, locks or logs; the caller holds the snapshot (rcu_read_lock). */
size_t query_answer(query_worker_t *w, const snapshot_t *snap, const server_request_t *req,
                    uint8_t *resp, size_t cap);

#endif
