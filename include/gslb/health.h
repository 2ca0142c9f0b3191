/* health: probes on the health thread's own libevent base, up/down state with hysteresis
 * (up/down thresholds), and a lock-free state array that workers read. */
#ifndef GSLB_HEALTH_H
#define GSLB_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct event_base;

#define HEALTH_SLOT_NONE UINT32_MAX /* "no probe": always up */

typedef enum health_probe_type {
    HEALTH_PROBE_NONE = 0, /* always up */
    HEALTH_PROBE_TCP,      /* up when a TCP connect completes within the timeout */
    HEALTH_PROBE_HTTP,     /* GET path; up on an expected status (and body substring) */
    HEALTH_PROBE_HTTPS,    /* the same over TLS (certificate verified unless tls_verify=false) */
    HEALTH_PROBE_DNS,      /* a query for qname/qtype; up on the expected RCODE */
    HEALTH_PROBE_EXEC,     /* an external command; exit status 0 within the timeout = up */
    HEALTH_PROBE_FILE,     /* state read from a file other systems write; reread on change */
    HEALTH_PROBE_TYPE_COUNT
} health_probe_type_t;

/* How an http/https probe reads a live load figure from the response body.
 * A figure that cannot be read never changes the probe's verdict: health
 * and load are separate. */
typedef enum health_load_format {
    HEALTH_LOAD_NONE = 0, /* no figure is read */
    HEALTH_LOAD_JSON,     /* the JSON number at load_pointer */
    HEALTH_LOAD_TEXT,     /* the first number of a plain-text body */
} health_load_format_t;

/* How resources are probed: one configured probe, shared by every resource
 * that names it. conf builds these (and owns their strings and arrays);
 * health_apply copies what it keeps. Fields of other types are ignored. */
typedef struct health_probe_def {
    health_probe_type_t type;
    uint16_t port;                /* 0 = the type's default (health_probe_def_port) */
    unsigned interval_ms;         /* time between probe starts, jittered by +-10% */
    unsigned timeout_ms;          /* a probe not done by then fails with reason "timeout" */
    unsigned up_threshold;        /* consecutive successes to go from down to up, >= 1 */
    unsigned down_threshold;      /* consecutive failures to go from up to down, >= 1 */
    bool is_initially_up;         /* state before the first results are in */
    /* HTTP and HTTPS */
    char *http_path;              /* NULL = "/" */
    char *http_host;              /* Host header; NULL = the target address */
    uint16_t *http_status;        /* expected statuses; count 0 = any 2xx */
    size_t http_status_count;
    char *http_body;              /* substring the body must contain, or NULL */
    bool tls_verify;              /* verify the certificate chain and host name */
    char *tls_ca_file;            /* PEM CA bundle; NULL = system default */
    health_load_format_t load_format; /* HEALTH_LOAD_NONE for the other types */
    char *load_pointer;           /* JSON: RFC 6901 pointer; "" or NULL = the whole document */
    /* DNS */
    uint8_t *dns_qname;           /* lower-case wire name */
    uint16_t dns_qtype;
    uint8_t dns_rcode;            /* expected RCODE, default 0 (NOERROR) */
    /* EXEC: argv[0] is run without a shell; GSLBD_ADDRESS and GSLBD_PORT are set */
    char **exec_argv;             /* NULL-terminated */
    /* FILE: lines "KEY up" or "KEY down"; a missing key or file counts as a failure */
    char *file_path;
} health_probe_def_t;

/* One probed resource: a definition and where it points. Two targets that
 * are equal in everything but name share one probe and one state slot (so a
 * target is never probed twice per interval). Everything is borrowed for
 * the duration of health_apply. */
typedef struct health_target {
    const char *name;               /* for logs: "us-east/192.0.2.10 (http)"; NULL = made up */
    const health_probe_def_t *def;  /* NULL or type HEALTH_PROBE_NONE: not probed, always up */
    struct sockaddr_storage addr;   /* address and port probed (TCP, HTTP(S), DNS; EXEC's env) */
    socklen_t addr_len;
    const char *file_key;           /* FILE: the key to read */
    const char *fleet_key;          /* the resource's name across a fleet ("dc/address"), or
                                     * NULL without a fleet; part of the identity when set, so
                                     * resources of different names never share a slot then */
} health_target_t;

/* The port def probes when a resource names none: def->port, else the
 * type's default (http 80, https 443, dns 53; 0 for the others). Pure. */
uint16_t health_probe_def_port(const health_probe_def_t *def);

/* Free the strings a definition owns and zero it; the struct itself is the
 * caller's. The one owner of that list for conf's parsed definitions and
 * health's copies. Any thread, on its own definition. */
void health_probe_def_clear(health_probe_def_t *def);

/* Check the syntax of an RFC 6901 JSON pointer: "" (the whole document) or
 * a sequence of '/' each followed by a reference token, in which '~' may
 * only start "~0" (for '~') or "~1" (for '/'). Returns NULL when pointer is
 * valid, else a short reason with static storage. Pure; any thread. conf
 * links it without the rest of health. */
const char *health_load_pointer_problem(const char *pointer);

/* Why the last probe failed (or HEALTH_REASON_OK). */
typedef enum health_reason {
    HEALTH_REASON_OK = 0,
    HEALTH_REASON_TIMEOUT,
    HEALTH_REASON_REFUSED,      /* connection refused or reset */
    HEALTH_REASON_NETWORK,      /* other socket error (unreachable, ...) */
    HEALTH_REASON_STATUS,       /* unexpected HTTP status (detail: the status) */
    HEALTH_REASON_BODY,         /* body did not contain the expected text */
    HEALTH_REASON_TLS,          /* TLS handshake or certificate verification failed */
    HEALTH_REASON_RCODE,        /* unexpected DNS RCODE (detail: the rcode) */
    HEALTH_REASON_EXIT,         /* command exited non-zero (detail: status) or was killed */
    HEALTH_REASON_FILE,         /* file missing, key missing, or says down */
    HEALTH_REASON_COUNT
} health_reason_t;

/* Operator overrides. The registry keeps none: a slot is shared by every
 * resource with the same probe target, while an override names one data
 * center or address. The policy applies them (policy_*_set_admin); the type
 * lives here as the vocabulary of up and down they share. */
typedef enum health_admin {
    HEALTH_ADMIN_NONE = 0,
    HEALTH_ADMIN_DRAIN,       /* not handed out; probing and state go on */
    HEALTH_ADMIN_FORCE_UP,
    HEALTH_ADMIN_FORCE_DOWN,
} health_admin_t;

#define HEALTH_NAME_MAX 256  /* bytes kept of a resource name in health_slot_info_t */
#define HEALTH_ERROR_MAX 128 /* bytes kept of a failure text */

/* A snapshot of one slot, for status pages and logs (not for the query path). */
typedef struct health_slot_info {
    bool is_up;               /* probe state (before the policy's admin overrides) */
    health_reason_t last_reason;
    int last_detail;          /* HTTP status, RCODE or exit status */
    unsigned last_latency_ms;
    unsigned successes, failures; /* current consecutive counts */
    uint64_t probes, probe_failures;
    double last_change;       /* CLOCK_REALTIME seconds of the last state change, 0 = never */
    const char *name;         /* points into name_buf below, so it lives as long as *out */
    /* Additions for status pages and metrics. */
    health_probe_type_t type;
    uint64_t failures_by_reason[HEALTH_REASON_COUNT]; /* index HEALTH_REASON_OK stays 0 */
    char error[HEALTH_ERROR_MAX]; /* last result as logged ("status 503"); "" after a success */
    /* The load figure of an http/https probe with a load setting (health_slot_load). */
    bool has_load;            /* a figure has been read */
    double load;              /* the last figure read; 0 without one */
    double load_age_ms;       /* ms since it was read (health_monotonic_ms); 0 without one */
    char load_error[HEALTH_ERROR_MAX]; /* why the last read failed; "" after a success */
    char name_buf[HEALTH_NAME_MAX]; /* truncated copy of the resource name(s) */
    /* With a fleet: the verdict of the quorum (health_slot_set_shared). */
    int shared;               /* a health_shared_t */
} health_slot_info_t;

/* Upper bounds (ms) of the probe latency histogram; the last bucket is +Inf. */
#define HEALTH_LATENCY_BUCKETS 13
extern const unsigned health_latency_bounds_ms[HEALTH_LATENCY_BUCKETS - 1];

/* Registry-wide counters for metrics. Latency counts are per bucket (not
 * cumulative): latency_count[i] counts probes with latency <= bound[i] and
 * > bound[i-1]; the last entry counts the rest. Every finished probe is
 * counted, failures included (a timeout counts as its timeout). */
typedef struct health_stats {
    size_t capacity, slots_used;
    uint64_t probes, probe_failures;
    uint64_t failures[HEALTH_REASON_COUNT]; /* by reason; index HEALTH_REASON_OK stays 0 */
    uint64_t state_changes;                 /* up <-> down transitions */
    uint64_t latency_count[HEALTH_LATENCY_BUCKETS];
    double latency_sum_s;
} health_stats_t;

typedef struct health health_t;

/* What a fleet decided about a slot (health_slot_set_shared): NONE leaves
 * the slot to its own probe; UP and DOWN override the probe's state in
 * what workers read, while the probe goes on and keeps its own state. */
typedef enum health_shared {
    HEALTH_SHARED_NONE = 0,
    HEALTH_SHARED_UP,
    HEALTH_SHARED_DOWN,
} health_shared_t;

/* Most periodic hooks a registry runs: health_tick_set's and those of
 * health_tick_add. */
#define HEALTH_TICKS_MAX 4

/* Create the health registry with room for capacity slots (the state array
 * is allocated once and never moves, so workers can read it without locks).
 * Returns 0 and *out or -GSLB_EINVAL. Main thread. */
int health_new(health_t **out, size_t capacity);

/* Start the health thread with its own event_base. Returns 0 or -GSLB_ESYS. */
int health_start(health_t *h);

/* Stop the thread (in-flight probes are abandoned, child processes killed)
 * and free everything. NULL does nothing. Main thread. With a periodic hook
 * (health_tick_set), its timer is stopped with the thread and the hook is
 * called once more, with base NULL, before the base is freed. */
void health_free(health_t *h);

/* A periodic hook: work that belongs on the health thread but is not a
 * probe (the steering controller's step). base is the health thread's
 * event base: the hook may start its own asynchronous work on it (timers,
 * evhttp requests), whose callbacks then run on the health thread too.
 * now_ms is health_monotonic_ms() at the call. The hook runs between probe
 * callbacks, without the registry lock: it may read health_slot_load and
 * health_slot_info, but must not block, and must not call health_apply or
 * health_free. */
typedef void (*health_tick_fn_t)(void *arg, struct event_base *base, double now_ms);

/* Call fn(arg, base, now_ms) on the health thread every interval_ms once
 * health_start has started it (the first call one interval after the
 * start). The timer is persistent and has the priority of probe I/O (1,
 * the base's default), so neither starves the other and probe starts wait
 * behind both. One hook per registry: a second call replaces the first.
 * At health_free, once the thread has stopped and before the base is
 * freed, fn is called one last time with base NULL, on the thread calling
 * health_free (started or not): the hook frees whatever it still has on the
 * base then (events, connections, requests) and starts nothing. Returns 0,
 * or -GSLB_EINVAL when h or fn is NULL, interval_ms is 0, or health_start
 * has already run. Main thread, before health_start. */
int health_tick_set(health_t *h, unsigned interval_ms, health_tick_fn_t fn, void *arg);

/* Another periodic hook beside health_tick_set's (the fleet's), with the
 * same contract: fn(arg, base, now_ms) every interval_ms on the health
 * thread, and once more with base NULL at health_free. Hooks added here are
 * never replaced. Returns 0, or -GSLB_EINVAL (as health_tick_set, or when
 * HEALTH_TICKS_MAX - 1 hooks are already added). Main thread, before
 * health_start. */
int health_tick_add(health_t *h, unsigned interval_ms, health_tick_fn_t fn, void *arg);

/* Set the fleet's verdict of slot: what workers read becomes up for
 * HEALTH_SHARED_UP, down for HEALTH_SHARED_DOWN, and the probe's own state
 * again for HEALTH_SHARED_NONE; the probe keeps running either way. A slot
 * handed out again starts at NONE. Returns 0, or -GSLB_ENOTFOUND for a free
 * or retired slot. Health thread only (a periodic hook); takes the registry
 * lock briefly. */
int health_slot_set_shared(health_t *h, uint32_t slot, health_shared_t v);

/* One probed slot with a fleet key, as health_slots_list copies it. */
typedef struct health_slot_ref {
    uint32_t slot;
    bool is_up;          /* the probe's own state (before any shared verdict) */
    bool has_result;     /* at least one probe run finished */
    health_shared_t shared;
    char *fleet_key;     /* owned by the list */
} health_slot_ref_t;

/* Copy every slot in use whose targets had a fleet_key into a new array
 * (*out, owned by the caller, freed with health_slots_list_free), in no
 * particular order. Returns how many. Any thread; takes the registry lock
 * for the copy (call it at most a few times a second). */
size_t health_slots_list(const health_t *h, health_slot_ref_t **out);
void health_slots_list_free(health_slot_ref_t *list, size_t n);

/* Replace the set of probes with targets[0..n): slots[i] gets target i's
 * state slot. A target equal to one already running keeps its slot, state
 * and counters (reload keeps health); new targets start in their def's
 * is_initially_up state; running probes that are not in targets are stopped
 * at once. A stopped probe's slot is retired, not freed: it keeps the state
 * it last had, for readers of the snapshot being replaced, and is handed out
 * again only after health_slots_reclaim. A target without a probe gets
 * HEALTH_SLOT_NONE. Returns 0, or -GSLB_ENOSPACE when the new targets need
 * more than the free slots (nothing changed). May be called before or after
 * health_start, from one control thread at a time. Identity is every field
 * that affects probing except the name and is_initially_up; targets sharing
 * a slot are logged under their names joined by ", ". After health_start
 * the call waits (briefly) for the health thread to acknowledge, so on
 * return removed probes are stopped (exec children killed) and new slots
 * hold their initial state. Also returns -GSLB_EINVAL for a target that
 * cannot be probed (unknown type, interval_ms or timeout_ms 0, no address or
 * port for tcp/http/https/dns, no argv, file path or key, no qname, a load
 * format on a type other than http/https, an invalid load pointer); nothing
 * is changed then either. */
int health_apply(health_t *h, const health_target_t *targets, size_t n, uint32_t *slots);

/* Free the slots that health_apply retired, so that later calls can hand
 * them out; they read as up with no override until then. Call it once no
 * reader can still hold a snapshot built before the last health_apply: after
 * the snapshot built with it is published and the RCU grace period that
 * follows has passed. The same control thread as health_apply; h may be
 * NULL. */
void health_slots_reclaim(health_t *h);

/* Is the probe of slot up? HEALTH_SLOT_NONE and free slots are always up.
 * One atomic load; any thread, never blocks. h may be NULL (up). */
bool health_slot_is_up(const health_t *h, uint32_t slot);

/* A counter that grows after every change of any slot's answerable state
 * (probe result, slot taken or freed), so that a reader which
 * derived something from health_slot_is_up can tell whether it still holds:
 * equal generations mean no change in between. Acquire load, so slot states
 * read after it are at least as new. Any thread, never blocks; h may be NULL
 * (0, and never changes). */
uint64_t health_generation(const health_t *h);

/* Copy the state of a slot; returns -GSLB_ENOTFOUND for a free or retired slot. Any
 * thread; takes the registry lock briefly (never call it per query). */
int health_slot_info(const health_t *h, uint32_t slot, health_slot_info_t *out);

/* The live load figure the probe of slot read last from a response body
 * (http/https probes with a load setting; only runs that passed the health
 * check are read). Returns 0 with *value (in the unit the endpoint reports)
 * and *at_ms (health_monotonic_ms() when it was read; the caller judges
 * staleness) when the probe has read one; a later failed read keeps the
 * figure and its time. Returns -GSLB_ENOTFOUND for HEALTH_SLOT_NONE, free or
 * retired slots, probes without a load setting, and when no figure has been
 * read yet. In every case err (when not NULL) receives the reason the last
 * read failed, "" when it succeeded or there was none (truncated to
 * errlen). value and at_ms may be NULL. Any thread; takes the registry lock
 * briefly (never call it per query). */
int health_slot_load(const health_t *h, uint32_t slot, double *value, double *at_ms, char *err,
                     size_t errlen);

/* Number of slots (the capacity given to health_new): status pages walk
 * 0..capacity and skip the slots for which health_slot_info says
 * -GSLB_ENOTFOUND. Any thread. */
size_t health_capacity(const health_t *h);

/* Copy the registry-wide counters. Any thread; takes the registry lock
 * briefly. Returns 0, or -GSLB_EINVAL when h is NULL. */
int health_stats_get(const health_t *h, health_stats_t *out);

/* Milliseconds of CLOCK_MONOTONIC: the clock of every time the health
 * module hands out, so that other modules can tell how old they are. Only
 * differences mean anything. Any thread, never blocks. */
double health_monotonic_ms(void);

/* Text for a reason ("timeout", "refused", "status", ...). */
const char *health_reason_name(health_reason_t r);

/* Text for a probe type ("none", "tcp", "http", ...; the words the
 * configuration uses, "unknown" out of range) and an override ("none",
 * "drain", "force-up", "force-down"). Never NULL; any thread. The probe
 * type's name lives on its own (probe_type.c), so conf can link it without
 * the health thread. */
const char *health_probe_type_name(health_probe_type_t t);
const char *health_admin_name(health_admin_t a);

/* The hysteresis state machine, exposed for unit tests: feed one probe
 * result; returns true when the state changed. */
typedef struct health_fsm {
    bool is_up;
    unsigned successes, failures;
} health_fsm_t;
bool health_fsm_feed(health_fsm_t *f, bool ok, unsigned up_threshold, unsigned down_threshold);

#endif
