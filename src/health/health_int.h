/* health: internal types shared by the registry, the health thread and the probe types. */
#ifndef GSLB_HEALTH_INT_H
#define GSLB_HEALTH_INT_H

#include "gslb/health.h"
#include "gslb/util.h"

#include <event2/event.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

/* The bit of a state byte that says the slot is up; only the health thread
 * writes state bytes, and a worker needs a single load and a mask. Operator
 * overrides are the policy's (policy_*_set_admin), not the slots'. */
#define HEALTH_ST_UP 0x01u

/* Longest HTTP body kept for the substring check. */
#define HEALTH_HTTP_BODY_MAX (64 * 1024)

typedef struct health_probe health_probe_t;

/* What a probe type does. start() begins one run; the run ends with exactly
 * one call to health_probe_finish(), either from start() itself (a result
 * known at once) or later from an event callback, and in both cases as the
 * caller's last action on the run. stop() releases whatever the run in
 * flight holds (sockets, events, children) and must be safe to call when
 * nothing runs. release() frees state kept between runs. All three run on
 * the health thread, or on the thread that owns the registry before
 * health_start and after the thread is joined. */
typedef struct health_probe_ops {
    void (*start)(health_probe_t *p);
    void (*stop)(health_probe_t *p);
    void (*release)(health_probe_t *p);
} health_probe_ops_t;

/* One running probe: one target identity, one slot. Fields marked (mu) are
 * read by control threads and written under health_t.mu; the rest belong to
 * the health thread. */
struct health_probe {
    struct health *h;
    health_probe_t *prev, *next;   /* (mu) registry list */
    bool is_kept;                  /* (mu) scratch flag of health_apply */
    uint32_t slot;                 /* (mu) */
    char *name;                    /* (mu) names joined by ", " */
    char *identity;                /* serialized target, compared bytewise */
    size_t identity_len;
    uint64_t identity_hash;
    health_probe_def_t def;        /* owned copy (health_probe_set_target) */
    struct sockaddr_storage target;/* address and port probed (health_target_t.addr) */
    socklen_t target_len;
    char *file_key;                /* FILE: owned copy */
    char *fleet_key;               /* owned copy of health_target_t.fleet_key, or NULL */
    size_t dns_qname_len;          /* DNS: length of def.dns_qname */
    const health_probe_ops_t *ops;

    /* Results. (mu) */
    health_fsm_t fsm;
    health_reason_t last_reason;
    int last_detail;
    unsigned last_latency_ms;
    uint64_t probes, probe_failures;
    uint64_t failures_by_reason[HEALTH_REASON_COUNT];
    double last_change;
    char error[HEALTH_ERROR_MAX];

    /* The load figure (http/https with def.load_format). (mu) */
    bool has_load;                 /* a figure has been read */
    double load;                   /* the last figure read */
    double load_at_ms;             /* health_monotonic_ms() when it was read */
    char load_error[HEALTH_ERROR_MAX]; /* why the last read failed; "" after a success */

    /* Scheduling (health thread). */
    struct event *ev_next;         /* start of the next run */
    struct event *ev_timeout;      /* end of the run in flight */
    bool is_scheduled;             /* first run has been planned */
    bool is_running;
    struct timespec run_start;     /* CLOCK_MONOTONIC */
    void *run;                     /* the type's state for the run in flight */
    void *keep;                    /* the type's state kept between runs */
};

/* A child process that was killed (or abandoned) and still has to be reaped. */
typedef struct health_zombie {
    struct health_zombie *next;
    struct health *h;
    pid_t pid;
    int pidfd;                     /* -1 when pidfd_open is not available */
    struct event *ev;
} health_zombie_t;

/* One SSL_CTX per distinct (verify, CA file) pair, shared by the https
 * probes that use it (refs) and freed with the last of them. */
typedef struct health_tls_ctx {
    struct health_tls_ctx *next;
    unsigned refs;
    bool verify;
    char *ca_file;                 /* NULL = system default paths */
    void *ctx;                     /* SSL_CTX *, or NULL when it could not be built */
    char error[HEALTH_ERROR_MAX];  /* why ctx is NULL */
} health_tls_ctx_t;

/* A change set from health_apply, committed by the health thread. */
typedef struct health_change {
    health_probe_t **removed;
    size_t removed_count;
    health_probe_t **added;
    size_t added_count;
    health_probe_t **renamed;      /* kept probes whose joined name changed */
    char **new_names;
    size_t renamed_count;
} health_change_t;

/* One periodic hook on the health thread. */
typedef struct health_tick {
    struct event *ev;              /* NULL = no hook */
    unsigned interval_ms;
    health_tick_fn_t fn;
    void *arg;
} health_tick_t;

struct health {
    size_t capacity;
    _Atomic uint8_t *state;        /* capacity bytes, never moved */
    _Atomic uint8_t *shared;       /* capacity health_shared_t values, health thread writes */
    _Atomic uint64_t generation;   /* bumped after every change of a state byte */

    pthread_mutex_t mu;
    pthread_cond_t cond;
    health_probe_t **slots;        /* (mu) slot -> probe, NULL = free */
    size_t slots_used;             /* (mu) */
    uint32_t *free_slots;          /* (mu) stack of free slots, lowest on top at first */
    size_t free_count;             /* (mu) */
    uint32_t *retired;             /* (mu) slots of removed probes, not free before
                                    * health_slots_reclaim: readers of the previous
                                    * snapshot may still look at them */
    size_t retired_count;          /* (mu) */
    health_probe_t *probes;        /* (mu) every configured probe */
    health_change_t *pending;      /* (mu) waiting for the health thread */
    bool is_started;               /* (mu) */
    bool is_stopping;              /* (mu) */
    health_stats_t stats;          /* (mu), capacity/slots_used filled on read */

    pthread_t thread;
    struct event_base *base;
    struct event *ev_wake;

    /* The periodic hooks (health_tick_set is [0], health_tick_add the
     * others): set before the thread starts, read by it afterwards. */
    health_tick_t ticks[HEALTH_TICKS_MAX];

    /* Health thread only. */
    uint64_t rng;
    health_zombie_t *zombies;
    health_tls_ctx_t *tls_ctxs;
};

/* identity.c */
/* Validate t and serialize its identity into a new buffer (owned by the
 * caller). Returns 0 or -GSLB_EINVAL (logged). */
int health_target_identity(const health_target_t *t, char **out, size_t *out_len,
                           uint64_t *out_hash);
/* Copy a validated target into p: a deep copy of its def, its address and key. */
void health_probe_set_target(health_probe_t *p, const health_target_t *t);
/* Free what health_probe_set_target copied. */
void health_probe_clear_target(health_probe_t *p);
/* A name for logs when the target has none: "192.0.2.10:80 (http)". */
char *health_target_default_name(const health_target_t *t);

/* registry.c */
void health_state_set_probe(health_t *h, uint32_t slot, bool is_up);
/* Apply a change set; mu held. Runs on the health thread once it is started. */
void health_change_commit(health_t *h, health_change_t *c);
/* Free the probes and the registry itself; no thread may run probes. */
void health_registry_free(health_t *h);
void health_probe_free(health_probe_t *p);
/* The address of ss as text (no brackets, no port) and its port (host order). */
void health_addr_text(const struct sockaddr_storage *ss, char *buf, size_t len);
uint16_t health_addr_port(const struct sockaddr_storage *ss);

/* thread.c */
int health_thread_init(health_t *h);
void health_probe_schedule_first(health_probe_t *p);
void health_probe_cancel(health_probe_t *p);
/* End the run in flight: stop it, record the result (reason OK = success;
 * detail and text as described in health.h; text NULL = the default text
 * for the reason), feed the state machine, log a state change and plan the
 * next run. */
void health_probe_finish(health_probe_t *p, health_reason_t reason, int detail, const char *text);
uint64_t health_rand(health_t *h);

/* load.c: read a load figure from body[0..len) (not NUL-terminated; NUL
 * bytes are allowed) as fmt says:
 *   HEALTH_LOAD_JSON  the body is one JSON value (any type at the top) and
 *                     the figure is the number at pointer (RFC 6901; NULL or
 *                     "" = the whole body). Array elements are named by
 *                     decimal indexes without leading zeros ("-" names none);
 *                     the value must be a JSON number, integer or real (an
 *                     integer beyond 64 bits is read as a double).
 *   HEALTH_LOAD_TEXT  the first number in the body, after any other text:
 *                     [+-] digits [. digits] [e [+-] digits] (decimal only,
 *                     the C locale's point), as strtod reads it. A "nan",
 *                     "inf" or "infinity" word before it is an error, not
 *                     something to skip. When len >= HEALTH_HTTP_BODY_MAX the
 *                     body is taken to be cut there, and a number that runs
 *                     to its end is an error (its digits may go on).
 * The figure must be finite and >= 0. Returns 0 with *out set, or
 * -GSLB_EINVAL with *out untouched and a short reason in err[0..errlen)
 * (when err is not NULL): "empty body", "no number at /load", "not JSON:
 * <jansson's text> at line L col C", "negative: -3", "not a finite number",
 * ... Pure; any thread. */
int health_load_parse(health_load_format_t fmt, const char *pointer, const char *body, size_t len,
                      double *out, char *err, size_t errlen);

/* load_figure.c: read the figure of a good run's body[0..len) (body may be
 * NULL when len is 0) and store it, or the reason it could not be read, in
 * p (under h->mu). A new reason is logged as a warning, once; the figure
 * readable again after a failure is logged once at info level. Health
 * thread, in the run's last callback. */
void health_probe_load_record(health_probe_t *p, const char *body, size_t len);

/* probe_tcp.c: a non-blocking connect shared by the tcp and http probes.
 * On success *out is set and cb runs later, once, with the connected socket
 * (err 0; cb owns fd) or an errno value (fd -1); the connect object is freed
 * before cb runs. When the connect fails at once, the errno value is
 * returned, cb never runs and *out is NULL. health_connect_cancel aborts a
 * connect whose cb has not run (NULL does nothing). */
typedef struct health_connect health_connect_t;
typedef void (*health_connect_cb_t)(health_probe_t *p, int fd, int err);
int health_connect_start(health_probe_t *p, health_connect_cb_t cb, health_connect_t **out);
void health_connect_cancel(health_connect_t *c);
health_reason_t health_reason_from_errno(int err);

/* Per-type operations. */
extern const health_probe_ops_t health_probe_tcp_ops;
extern const health_probe_ops_t health_probe_http_ops; /* HTTP and HTTPS */
extern const health_probe_ops_t health_probe_dns_ops;
extern const health_probe_ops_t health_probe_exec_ops;
extern const health_probe_ops_t health_probe_file_ops;

/* tls.c: client TLS for https probes; health thread only. */
/* The shared context for (verify, ca_file), with a reference taken. Never
 * NULL; when OpenSSL could not build it, ctx is NULL and error says why. */
health_tls_ctx_t *health_tls_ctx_get(health_t *h, bool verify, const char *ca_file);
void health_tls_ctx_put(health_t *h, health_tls_ctx_t *t);
/* Free every context left (at health_free). */
void health_tls_ctxs_free(health_t *h);
/* A new SSL * (as void *) for one connection to host (a name or an address
 * literal): SNI for names, and with verification on, the certificate must
 * match host. NULL with text on failure. */
void *health_tls_ssl_new(const health_tls_ctx_t *t, const char *host, char *err, size_t len);
/* Text for a failed handshake: "tls: certificate verify failed: ...". */
void health_tls_error_text(void *ssl, unsigned long err, char *buf, size_t len);

/* probe_exec.c: reap (blocking) every child that is still around. */
void health_zombies_reap_all(health_t *h);

#endif
