/* ctl: the control plane — the reload thread, admin overrides, and the HTTP control
 * endpoint (/metrics, /status, /explain, admin actions) on the main event base. */
#ifndef GSLB_CTL_H
#define GSLB_CTL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "gslb/fleet.h"
#include "gslb/health.h"
#include "gslb/query.h"
#include "gslb/server.h"
#include "gslb/snapshot.h"

struct event_base;

typedef struct ctl ctl_t;

typedef struct ctl_options {
    const char *conf_path;           /* reloaded from; borrowed for the ctl's lifetime */
    struct event_base *base;         /* the main thread's base: HTTP, timers, reload results */
    health_t *health;                /* borrowed; read for status and metrics */
    steer_t *steer;                  /* borrowed; load pushes, status and metrics; may be NULL */
    fleet_t *fleet;                  /* borrowed; shared overrides, loads, status; may be NULL */
    snapshot_pub_t *pub;             /* borrowed; where snapshots are published and reloaded */
    const server_t *server;          /* for transport counters; may be NULL */
    _Atomic(query_worker_t *) *workers; /* one per worker, NULL until that worker runs */
    size_t worker_count;
} ctl_options_t;

/* Take over first (a snapshot loaded by the caller), give its services and
 * data centers their metrics buckets, read the admin overrides from the
 * configured state file (or, with a fleet in contact with etcd, take the
 * shared ones) and apply them, and publish it as generation 1 in
 * opt->pub (nothing may be published there yet). When the configuration has
 * a control section, open the HTTP endpoint on opt->base. Start the reload
 * thread. Returns 0 and *out, or -GSLB_ESYS when the endpoint cannot be bound
 * (logged; first is then still published and owned by opt->pub). Main
 * thread, which must be an RCU reader thread (rcu_register_thread). */
int ctl_new(ctl_t **out, const ctl_options_t *opt, snapshot_t *first);

/* Ask for a reload (SIGHUP, geoip watch). Reloads run one at a time on the
 * reload thread; requests made while one runs are served by a single next
 * one. Main thread. */
void ctl_reload_request(ctl_t *c);

/* Stop the reload thread (a reload in progress finishes first), close the
 * endpoint and free the control state. The published snapshot is left in
 * place for the caller to retire. NULL does nothing. Main thread. */
void ctl_free(ctl_t *c);

/* Tell the service manager (systemd, when built with it) about a state
 * change: "READY=1", "RELOADING=1", "STOPPING=1". Does nothing without
 * systemd or outside a unit. Any thread. */
void ctl_notify(const char *state);

#endif
