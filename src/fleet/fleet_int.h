/* fleet: internal types shared by the etcd client, the key layout, the shared view and the sync. */
#ifndef GSLB_FLEET_INT_H
#define GSLB_FLEET_INT_H

#include "gslb/fleet.h"
#include "gslb/util.h"

#include <jansson.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

/* The periodic hook's interval: the longest a queued write or a verdict
 * change waits before it is sent. */
#define FLEET_TICK_MS 50
/* A full read of the prefix even without a watch event, in case the watch
 * died without telling. */
#define FLEET_RESYNC_MS 10000
/* The watch stream is restarted after this long without a byte, so a
 * server that vanished without closing is noticed. */
#define FLEET_WATCH_IDLE_S 30
/* Puts per transaction (etcd's --max-txn-ops defaults to 128). */
#define FLEET_TXN_OPS 100
/* Largest response accepted (a range of every key of a large fleet). */
#define FLEET_BODY_MAX (64 * 1024 * 1024)
#define FLEET_ERROR_MAX 160
/* Longest pause between requests while etcd fails. */
#define FLEET_BACKOFF_MAX_MS 1000

/* One etcd endpoint, parsed. */
typedef struct fleet_endpoint {
    char *url;                     /* as configured, for logs */
    char host[64];                 /* the address text, no brackets */
    char host_header[72];          /* "IP:PORT" or "[IPv6]:PORT" */
    uint16_t port;
    int family;
    bool is_tls;
} fleet_endpoint_t;

/* endpoint.c: read url into ep; NULL, or the reason it is not an endpoint. Pure. */
const char *fleet_endpoint_parse(const char *url, fleet_endpoint_t *ep);

/* The shared state as read from etcd (view.c). */
typedef struct fleet_view {
    json_t *verdicts;              /* resource -> {instance: bool} */
    json_t *members;               /* instance -> member object */
    json_t *overrides;             /* state file form */
    json_t *loads;                 /* dc -> {"value", "revision"} */
    bool has_seed;                 /* the fleet's client hash seed is set */
    uint64_t seed;
    json_int_t revision;           /* etcd's revision the view is as of */
} fleet_view_t;

typedef struct fleet_req fleet_req_t;

/* The outcome of a call: rc 0 with the JSON object the server answered
 * (borrowed for the call); -GSLB_EINVAL when etcd refused the request (a
 * 4xx other than an expired token: asking again will not help); or
 * -GSLB_EIO when it may (no answer, a 5xx, an expired token). On failure
 * body is NULL and error a short text ("timeout", "connect: Connection
 * refused", "HTTP 503: etcdserver: no leader"). Runs on the health thread, from the request's own event, never
 * inside fleet_call. */
typedef void (*fleet_call_cb)(fleet_t *f, void *arg, int rc, json_t *body, const char *error);

struct fleet {
    fleet_def_t def;               /* deep copy */
    health_t *health;
    fleet_endpoint_t *eps;
    size_t ep_count;
    void *ssl_ctx;                 /* SSL_CTX *, NULL without an https endpoint */
    unsigned contact_ms;           /* longer than this without an answer: out of contact */

    /* Health thread only. */
    struct event_base *base;       /* from the first hook call */
    fleet_req_t *reqs;             /* every request in flight, the watch included */
    size_t ep_current;
    unsigned backoff_ms;           /* 0 = etcd answered the last request */
    double backoff_until_ms;       /* no new request before this time */
    char *token;                   /* etcd auth token, NULL = none yet */
    bool is_auth_busy;
    int64_t lease_id;              /* 0 = none */
    bool is_grant_busy, is_keepalive_busy, is_txn_busy, is_range_busy, is_queue_busy;
    bool is_member_dirty;          /* the member key must be (re)written */
    bool is_member_busy;
    bool is_seed_busy;             /* the seed's create-if-absent transaction is under way */
    double next_keepalive_ms;
    bool is_ping_busy;
    double next_ping_ms;           /* the next read that checks contact (ping_step) */
    double next_range_ms;
    bool want_range;               /* read the prefix again (a watch was created) */
    json_t *events_during_range;   /* watch messages received while a read is in flight */
    bool has_watch;
    double watch_retry_ms;         /* no new watch before this time */
    double watch_started_ms;       /* when the current (or last) watch was started */
    json_t *published;             /* resource key -> bool: own verdicts etcd has, this lease */
    json_t *txn_sent;              /* the same for the transaction in flight */
    fleet_mode_t applied_mode;     /* the mode the slots were last set for */
    uint64_t health_gen;           /* health_generation when the slots were last copied */
    bool is_dirty;                 /* copy the slots on the next turn whatever the generation */
    double next_full_ms;           /* copy them at least this often */
    double last_ok_ms;             /* written on the health thread under mu */
    bool has_synced;

    /* (mu): what other threads read or hand over. */
    pthread_mutex_t mu;
    pthread_cond_t cond;
    fleet_view_t view;             /* the shared state as last read and watched */
    bool has_view;                 /* view has been read once (else overrides are not known) */
    json_t *queue;                 /* writes waiting: [{"key": K, "value": V or null}] */
    bool writes_in_flight;         /* a transaction of queued writes is under way */
    json_int_t write_revision;     /* etcd's revision after the last queued writes */
    uint64_t shared_gen;
    fleet_mode_t mode;
    bool is_synced_pub;            /* has_synced, for fleet_wait_synced */
    bool is_seed_warned;           /* a member with another hash seed was logged */
    bool is_config_dirty;          /* the member key must say the new configuration */
    uint64_t config_generation;
    char config_checksum[72];
    uint64_t hash_seed;
    fleet_stats_t stats;
    size_t own_verdicts;           /* own verdicts etcd holds */
};

/* etcd.c: the client of etcd's v3 JSON gateway. */
/* Parse the endpoints of f->def into f->eps and build the TLS context when
 * one is https. Returns 0 or -GSLB_EINVAL with the reason in err. */
int fleet_client_init(fleet_t *f, char *err, size_t errlen);
/* Free what fleet_client_init made. Requests must be gone (fleet_reqs_drop). */
void fleet_client_free(fleet_t *f);
/* POST body (a JSON object, stolen) to path ("/v3/kv/range") on the current
 * endpoint; cb(f, arg, ...) later. With a username, calls before the token
 * is there fail at once ("not authenticated yet") after starting the
 * authentication. A transport failure or a 5xx moves to the next endpoint.
 * Health thread. */
void fleet_call(fleet_t *f, const char *path, json_t *body, fleet_call_cb cb, void *arg);
/* Start watching every key under the prefix: on_event(f, result) runs for
 * each message of the stream (its creation included) with the message's
 * "result" object (borrowed), on_end(f, error) once when it ends. Health
 * thread. */
void fleet_watch_start(fleet_t *f, void (*on_event)(fleet_t *f, json_t *result),
                       void (*on_end)(fleet_t *f, const char *error));
/* Drop every request in flight without calling back. Health thread, or
 * the thread freeing the fleet. */
void fleet_reqs_drop(fleet_t *f);

/* keys.c: base64 and the key layout under the prefix. */
/* Standard base64 of data[0..len), a new string. */
char *fleet_b64_encode(const void *data, size_t len);
/* Decode text; a new NUL-terminated buffer with *len bytes, or NULL when
 * text is not base64. */
char *fleet_b64_decode(const char *text, size_t *len);
/* prefix + "members/" + instance, and the others below. New strings. */
char *fleet_key_member(const fleet_t *f, const char *instance);
char *fleet_key_verdict(const fleet_t *f, const char *instance, const char *resource);
char *fleet_key_override(const fleet_t *f, bool is_resource, const char *name);
char *fleet_key_load(const fleet_t *f, const char *dc);
char *fleet_key_seed(const fleet_t *f);
/* The end of the range of every key under the prefix (the prefix with its
 * last byte incremented). */
char *fleet_key_prefix_end(const fleet_t *f);

/* view.c: a range answer as the shared view. */
/* Read the kvs of a range answer (body) under prefix into a new view (*out,
 * freed with fleet_view_clear). Keys and values that do not decode or do
 * not fit the layout are skipped (counted in *skipped). Returns 0, or
 * -GSLB_EINVAL when body is not a range answer (no view). Pure. */
int fleet_view_parse(const char *prefix, const json_t *body, fleet_view_t *out, size_t *skipped);
/* Apply the events of one watch message (its "result") to v: a PUT reads
 * the kv as fleet_view_parse would, a DELETE removes what the key held;
 * events of a revision the view already has are skipped. Sets
 * *is_shared_changed when an override or a load figure changed. Returns 0,
 * or -GSLB_EINVAL when result is not a watch message (v unchanged). Pure. */
int fleet_view_apply(const char *prefix, fleet_view_t *v, const json_t *result,
                     bool *is_shared_changed);
void fleet_view_clear(fleet_view_t *v);
/* The decision for resource: own is this instance's own verdict
 * (HEALTH_SHARED_NONE before its probe has a result), counted instead of
 * what the view has under self. A verdict counts only while its instance's
 * member key exists: the member key and the verdicts share one lease, and a
 * verdict seen without its member is left over from an instance that is
 * going away (or whose member key is not written yet). Pure. */
health_shared_t fleet_view_decide(const fleet_view_t *v, const char *resource, const char *self,
                                  health_shared_t own, const fleet_quorum_t *q);

/* sync.c: the periodic hook. */
void fleet_tick(void *arg, struct event_base *base, double now_ms);

#endif
