/* ctl: internal types shared by the control plane's parts (reload, HTTP, metrics, overrides). */
#ifndef GSLB_CTL_INT_H
#define GSLB_CTL_INT_H

#include "gslb/ctl.h"
#include "gslb/ctl_api.h"
#include "gslb/fleet.h"
#include "gslb/util.h"

#include <event2/event.h>
#include <event2/http.h>
#include <jansson.h>

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

/* ---- a growing text buffer (metrics) ---- */
typedef struct ctl_buf {
    char *data;
    size_t len, cap;
} ctl_buf_t;

void ctl_buf_printf(ctl_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append s as a Prometheus label value: \\, \" and \n escaped. */
void ctl_buf_label(ctl_buf_t *b, const char *s);
void ctl_buf_free(ctl_buf_t *b);

/* ---- admin overrides, keyed by name (overrides.c) ---- */

/* One override: a data center ("eu-west") or a resource ("eu-west/192.0.2.1",
 * the address in its canonical text form). */
typedef struct ctl_override {
    char *key;
    bool is_resource;
    health_admin_t admin;  /* HEALTH_ADMIN_NONE = no state override */
    bool has_weight;       /* data centers only */
    uint32_t weight;
} ctl_override_t;

typedef struct ctl_overrides {
    ctl_override_t *items;
    size_t count;
} ctl_overrides_t;

void ctl_overrides_clear(ctl_overrides_t *o);
/* Set (admin != NONE) or remove a state override; entries with nothing left go. */
void ctl_overrides_set_admin(ctl_overrides_t *o, bool is_resource, const char *key,
                             health_admin_t admin);
/* Set or remove (has_weight false) a data center's weight override. */
void ctl_overrides_set_weight(ctl_overrides_t *o, const char *dc, bool has_weight,
                              uint32_t weight);
const ctl_override_t *ctl_overrides_find(const ctl_overrides_t *o, bool is_resource,
                                         const char *key);
/* "dc/address" with the address in canonical form, or NULL when address
 * is not an IP address. Owned by the caller. */
char *ctl_resource_key(const char *dc, const char *address);
/* Apply every override to p (which starts with none). Overrides whose data
 * center or resource p does not have are kept and logged at warning level
 * when log_missing. Returns how many did not apply. */
size_t ctl_overrides_apply(const ctl_overrides_t *o, policy_t *p, bool log_missing);
/* {"version": 1, "datacenters": {...}, "resources": {...}} */
json_t *ctl_overrides_to_json(const ctl_overrides_t *o);
/* One entry as the state file has it: {"admin": "drain", "weight": 50}. */
json_t *ctl_override_json(const ctl_override_t *e);
/* Replace o with the overrides in j; returns 0, or -GSLB_EINVAL with a reason in err. */
int ctl_overrides_from_json(ctl_overrides_t *o, const json_t *j, char *err, size_t err_len);
/* Write o to path atomically (a temporary file in the same directory, fsync,
 * then rename; the directory is fsynced too). A current path that parses is
 * first copied, the same way, to "path.prev", so that a good copy exists at
 * every moment. Returns 0 or -GSLB_EIO (logged). */
int ctl_overrides_save(const ctl_overrides_t *o, const char *path);

/* How the state file was found at start. */
typedef struct ctl_state_load {
    bool is_recovered;  /* path was damaged: the overrides came from path.prev */
    bool is_damaged;    /* path and path.prev were both damaged: no overrides */
    char error[1040];   /* why path (and path.prev) could not be used; "" = fine */
} ctl_state_load_t;

/* Read path into o. A missing file is not an error (o empty, st clear). A
 * damaged one (unreadable, not JSON, wrong shape) is copied to "path.damaged"
 * and path.prev is read instead; st says which happened, and it is logged at
 * error level. Returns 0 when o holds the saved overrides (from either file),
 * else -GSLB_EINVAL/-GSLB_EIO (o empty, st->is_damaged). */
int ctl_overrides_load(ctl_overrides_t *o, const char *path, ctl_state_load_t *st);

/* ---- stable metrics buckets by name (names.c) ---- */
typedef struct ctl_names {
    char *names[QUERY_STATS_SERVICES > QUERY_STATS_DATACENTERS ? QUERY_STATS_SERVICES
                                                               : QUERY_STATS_DATACENTERS];
    size_t count; /* names[0] is "other" */
    size_t max;
} ctl_names_t;

void ctl_names_init(ctl_names_t *n, size_t max);
void ctl_names_free(ctl_names_t *n);
/* The bucket of name, given a new one when there is room, else 0. */
uint16_t ctl_names_id(ctl_names_t *n, const char *name);

/* ---- metrics (metrics.c) ---- */
typedef struct ctl_metrics_resource {
    const char *datacenter;
    char address[48];
    const char *probe;          /* probe type name, "none" when not probed */
    bool is_probe_up;           /* probe state before overrides */
    bool is_up;                 /* answerable: overrides applied */
    health_admin_t admin;
} ctl_metrics_resource_t;

typedef struct ctl_metrics_dc {
    const char *name;
    int is_up_v4, is_up_v6;     /* 1, 0, or -1 without addresses of that family */
    health_admin_t admin;
    uint32_t conf_weight, weight;
    bool has_load;              /* a load feed: the fields below are valid */
    steer_slot_info_t load;
    double spare;               /* spare capacity now */
} ctl_metrics_dc_t;

typedef struct ctl_metrics_input {
    const char *version;
    query_stats_t q;            /* summed over the workers */
    bool has_server;
    server_stats_t srv;
    bool has_health;
    health_stats_t health;
    const ctl_names_t *services, *datacenters; /* bucket names */
    const ctl_metrics_dc_t *dcs;
    size_t dc_count;
    const ctl_metrics_resource_t *res;
    size_t res_count;
    uint64_t generation;
    uint64_t reloads, reload_failures;
    double last_reload_success_s; /* Unix time; 0 = never since start */
    double last_reload_failure_s;  /* Unix time; 0 = none since start */
    double loaded_at_s;
    bool state_file_recovered, state_file_damaged; /* ctl_state_load_t at start */
    bool has_fleet;
    fleet_stats_t fleet;
} ctl_metrics_input_t;

/* Write the Prometheus text exposition (format 0.0.4) of in to b. Pure. */
void ctl_metrics_format(const ctl_metrics_input_t *in, ctl_buf_t *b);
/* Name of an RCODE for labels ("NOERROR", ..., or the number). */
const char *ctl_rcode_name(unsigned rcode, char *buf, size_t len);

/* ---- the control state ---- */

/* A file whose change asks for a reload. */
typedef struct ctl_watched {
    char *path;
    const char *what;     /* for the log: "geo: database", "latency table" */
    struct stat st;
    bool has_st;
} ctl_watched_t;

/* A POST /reload waiting for the reload that will serve it. */
typedef struct ctl_waiter {
    struct ctl_waiter *next;
    struct evhttp_request *req; /* NULL once the client went away */
    struct ctl *c;
} ctl_waiter_t;

struct ctl {
    char *conf_path;
    struct event_base *base;
    health_t *health;
    steer_t *steer;           /* may be NULL */
    fleet_t *fleet;           /* may be NULL */
    snapshot_pub_t *pub;
    const server_t *server;
    _Atomic(query_worker_t *) *workers;
    size_t worker_count;

    /* (mu) guards the overrides, names, token and the publishing of snapshots,
     * so that an admin action and a reload never miss each other's changes. */
    pthread_mutex_t mu;
    ctl_overrides_t overrides;
    ctl_names_t service_names, dc_names;
    char *token;
    char *state_file;
    ctl_state_load_t state_load; /* how the state file was read at start */
    uint64_t reloads, reload_failures;
    double last_reload_success_s;
    double last_reload_failure_s; /* Unix time; 0 = none since start */
    char **last_errors;       /* messages of the last failed reload */
    size_t last_error_count;

    /* Reload thread. (rmu) */
    pthread_mutex_t rmu;
    pthread_cond_t rcond;
    pthread_t thread;
    bool has_thread;
    bool is_wanted;           /* a reload was asked for and has not started */
    bool is_stopping;
    ctl_waiter_t *waiting;    /* served by the next reload to start */
    struct ctl_done *results; /* finished reloads, for the main thread */
    struct event *done_ev;    /* main base: send the results */

    /* HTTP endpoint. */
    struct evhttp *http;

    /* The fleet's shared state, polled on the main thread (fleet.c). */
    struct event *fleet_ev;
    uint64_t fleet_gen;       /* fleet_shared_generation last applied */
    bool has_fleet_seed;      /* the fleet's client hash seed is known (under mu) */
    uint64_t fleet_seed;
    json_t *fleet_load_revs;  /* dc -> the revision of the load figure last pushed */

    /* Files watched for changes (main thread): the GeoIP database with
     * "watch: true" and every latency table. */
    struct event *watch_ev;
    ctl_watched_t *watched;
    size_t watched_count;
};

/* A finished reload. */
typedef struct ctl_done {
    struct ctl_done *next;
    ctl_waiter_t *waiters;
    bool is_ok;
    uint64_t generation;
    char **messages;          /* every diagnostic, "file:line:col: error: ..." */
    size_t message_count;
} ctl_done_t;

/* reload.c */
int ctl_reload_start(ctl_t *c);
void ctl_reload_stop(ctl_t *c);
/* Queue a reload; w (may be NULL) gets the result. Main thread. */
void ctl_reload_enqueue(ctl_t *c, ctl_waiter_t *w);
/* snapshot_hook_t.prepare for a snapshot about to be published (mu held):
 * its metrics buckets and the admin overrides, and the write token and state
 * file of its configuration. arg is the ctl. */
void ctl_snapshot_publishing(void *arg, const snapshot_t *old, snapshot_t *next);

/* http.c */
int ctl_http_start(ctl_t *c, const conf_control_t *cc);
void ctl_http_stop(ctl_t *c);
void ctl_http_reply_json(struct evhttp_request *req, int code, const char *reason, json_t *j);
/* A JSON error reply {"error": text}. */
void ctl_http_reply_error(struct evhttp_request *req, int code, const char *reason,
                          const char *text);

/* latency.c: PUT /latency/NAME (authorized): check the body as the table
 * NAME of the serving configuration, write it over the table's file and
 * reload; the reply is the reload's. Main thread. */
void ctl_latency_put(ctl_t *c, struct evhttp_request *req, const char *name);

/* ds.c: GET /ds/ZONE: {"zone": ZONE, "ds": [DS records in presentation form]} for a signed
 * zone; 404 for an unknown or unsigned one. Main thread. */
void ctl_ds_get(ctl_t *c, struct evhttp_request *req, const char *zone);

/* steering.c: data center dc's live load as a JSON object (null without a
 * feed), for status and explain; and POST /datacenters/NAME/load. Main
 * thread; the first inside rcu_read_lock. */
json_t *ctl_steering_json(const ctl_t *c, const policy_t *p, uint32_t dc);
void ctl_load_action(ctl_t *c, struct evhttp_request *req, const char *name, const char *query);

/* status.c / explain.c / metrics.c: handlers; main thread, inside rcu_read_lock. */
json_t *ctl_status_json(ctl_t *c, const snapshot_t *s);
int ctl_explain(ctl_t *c, const snapshot_t *s, const char *name, const char *client,
                const char *type, json_t **out, char *err, size_t err_len);
void ctl_metrics_collect(ctl_t *c, const snapshot_t *s, ctl_buf_t *b);

/* fleet.c: the fleet's part of the control plane; all do nothing without a fleet.
 * ctl_fleet_config publishes the configuration of s (generation, checksum of
 * the file, hash seed); mu held, from ctl_snapshot_publishing.
 * ctl_fleet_override_put writes the override of key as c->overrides now has
 * it (none: a delete) to etcd; mu held. ctl_fleet_load_put writes a pushed
 * load figure. ctl_fleet_take_overrides fills out with the shared overrides
 * and returns true, or false in local mode or before the first read.
 * ctl_fleet_start/stop run the main thread's timer that applies shared
 * overrides and load figures when they change. Main thread. */
void ctl_fleet_config(ctl_t *c, const snapshot_t *s);
void ctl_fleet_override_put(ctl_t *c, bool is_resource, const char *key);
void ctl_fleet_load_put(ctl_t *c, const char *dc, double value);
bool ctl_fleet_take_overrides(ctl_t *c, ctl_overrides_t *out);
void ctl_fleet_start(ctl_t *c);
void ctl_fleet_stop(ctl_t *c);
/* dashboard.c: the dashboard's static files. */
#ifndef CTL_DASHBOARD_DIR
#define CTL_DASHBOARD_DIR "/usr/share/gslbd/dashboard" /* the build sets the installed one */
#endif
#define CTL_DASHBOARD_INDEX "index.html"
#define CTL_DASHBOARD_SEGMENT_MAX 64
/* The file below the dashboard directory that the path segments after "ui" (n of
 * them, decoded) name, as "a/b.js" in rel, and its Content-Type. No segments
 * name the index. Returns 0, or -GSLB_EINVAL when a segment is empty, starts
 * with '.', has a byte other than letters, digits, '.', '_' and '-', the path
 * does not fit rel, or the extension is not one served. Pure; any thread. */
int ctl_dashboard_file(char *const *seg, size_t n, char *rel, size_t rel_len,
                       const char **content_type);
/* GET/HEAD on "/" or "/ui[/...]" (path raw, seg its n decoded segments; seg[0]
 * is "ui" when n > 0): redirects "/" and "/ui" to "/ui/", serves the file with
 * its type, a validator and "Cache-Control: no-cache", 304 when the client's
 * copy is current, 404 for any other name. Reads the directory of the
 * serving configuration. Main thread. */
void ctl_dashboard_get(ctl_t *c, struct evhttp_request *req, const char *path, char *const *seg,
                       size_t n);

/* watch.c: watch the files of s whose change asks for a reload (the GeoIP
 * database with "watch: true", every latency table), polled every few
 * seconds; a file that keeps its path keeps its last known state. */
void ctl_watch_arm(ctl_t *c, const snapshot_t *s);
/* watch.c: stop watching and free the list. Main thread. */
void ctl_watch_free(ctl_t *c);

#endif
