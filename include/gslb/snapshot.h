/* snapshot: the load path — configuration, zones, GeoIP, policy and health slots as one
 * immutable snapshot, published to the query path with RCU. */
#ifndef GSLB_SNAPSHOT_H
#define GSLB_SNAPSHOT_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "gslb/conf.h"
#include "gslb/cookie.h"
#include "gslb/dnssec.h"
#include "gslb/geo.h"
#include "gslb/health.h"
#include "gslb/policy.h"
#include "gslb/rrl.h"
#include "gslb/steer.h"
#include "gslb/util.h"
#include "gslb/zone.h"

/* Everything a worker reads to answer queries. Built whole by
 * snapshot_load, published once, never modified afterwards (the policy's
 * atomics aside: admin overrides and weights), and freed only when no
 * worker can still hold it (RCU). */
typedef struct snapshot {
    conf_t *conf;
    zone_set_t *zones;
    geo_db_t *geo;            /* NULL when no geoip database is configured */
    policy_t *policy;
    time_t loaded_at;
    uint64_t generation;      /* set by the publisher */
    /* Prepared once so the query path only copies. */
    uint16_t edns_payload;    /* our EDNS(0) UDP payload size */
    uint16_t tcp_keepalive_100ms; /* RFC 7828 TIMEOUT, units of 100 ms */
    uint8_t chaos_version[256]; /* TXT RDATA for version.bind, len 0 = REFUSED */
    uint16_t chaos_version_len;
    uint8_t chaos_identity[256];/* TXT RDATA for id.server, len 0 = REFUSED */
    uint16_t chaos_identity_len;
    /* Response rate limiting (rate_limit:); rrl.is_enabled false = off. */
    rrl_params_t rrl;
    bool is_rrl_cookie_exempt;  /* a valid server cookie exempts a response */
    geo_tree_t *rrl_exempt;     /* networks never limited (any hit), or NULL */
    /* DNS Cookies (cookies:): the secrets from cookies: secret_file when has_cookie_secret,
     * else the process's generated ones (cookie_keys_t, given to each worker). */
    bool has_cookies;
    bool has_cookie_secret;
    cookie_secrets_t cookie_secrets;
    /* DNSSEC: signers[i] signs zone_set_at(zones, i) when that zone has dnssec: keys (else
     * NULL); resign_at is when the earliest of them must be signed again (0 = none). */
    dnssec_zone_t **signers;
    size_t signer_count;
    time_t resign_at;
} snapshot_t;

/* Load the config at conf_path and everything it names (zones, GeoIP
 * database), attach services to their zones, and validate it all. Every
 * problem is reported to diag as "file:line[:col]: error: ..."; nothing is
 * published here. When everything is valid and health is not NULL, the
 * resources' probes are handed to health (health_apply: unchanged probes
 * keep their state) as the last step, then the data centers' load feeds to
 * steer (steer_apply: data centers that keep their name keep their load
 * state). health may be NULL (--check-config): every resource is then up;
 * steer may be NULL: no live load. Returns 0 and *out (owned by the caller), or a
 * negative GSLB_E* code when any error was reported (*out NULL). Load path
 * only: the main thread at start, then the reload thread. */
int snapshot_load(snapshot_t **out, const char *conf_path, health_t *health, steer_t *steer,
                  gslb_diag_t *diag);

/* Free a snapshot; NULL does nothing. No reader may still hold it. */
void snapshot_free(snapshot_t *s);

/* ---- publishing ----
 * One publication point holds the snapshot being served. Workers read it
 * inside an RCU read-side section (liburcu); one thread at a time publishes
 * (the main thread at start, then the reload thread), and an old snapshot is
 * freed only after every reader has left it. */
typedef struct snapshot_pub snapshot_pub_t;

/* A new, empty publication point (owned by the caller) for the
 * configuration at conf_path (copied), the health registry and the load
 * registry (borrowed, may be NULL: every resource up, no live load), all
 * used by snapshot_reload. Never fails (allocation aborts). Main thread. */
snapshot_pub_t *snapshot_pub_new(const char *conf_path, health_t *health, steer_t *steer);

/* Unpublish the snapshot being served, wait until no reader holds it, and
 * free it with the publication point. NULL does nothing. Main thread, once
 * no other thread publishes or reads any more. */
void snapshot_pub_free(snapshot_pub_t *pub);

/* The snapshot being served, or NULL before the first publish. The caller
 * must be an RCU reader inside rcu_read_lock and must not keep the pointer
 * past rcu_read_unlock. Any registered reader thread; never blocks. */
const snapshot_t *snapshot_current(const snapshot_pub_t *pub);

/* What a caller puts in place as a snapshot is published, under its own
 * lock: prepare runs with *mu held, after next got its generation and just
 * before workers can see next (old is the snapshot being replaced, NULL the
 * first time), and mu is released after the swap. So whatever prepare
 * copies into next (admin overrides, metrics buckets) and whatever the
 * caller changes under mu on the serving snapshot never miss each other.
 * mu and prepare may be NULL. */
typedef struct snapshot_hook {
    pthread_mutex_t *mu;
    void (*prepare)(void *arg, const snapshot_t *old, snapshot_t *next);
    void *arg;
} snapshot_hook_t;

/* Publish next (ownership passes to pub) as the next generation, then wait
 * for the grace period (every reader has left the snapshot it replaced),
 * free the old one, and only then let health reuse the slots of resources
 * that next no longer has (health_slots_reclaim), and steer those of data
 * centers it no longer has (steer_slots_reclaim). next must be the snapshot
 * loaded last with pub's health. hook may be NULL. Returns next's
 * generation (1 for the first). The publishing thread only; it must not be
 * inside a read-side section. */
uint64_t snapshot_publish(snapshot_pub_t *pub, snapshot_t *next, const snapshot_hook_t *hook);

/* A reload: load the configuration again (snapshot_load with pub's path and
 * health), log every diagnostic, warn about settings that apply only at the
 * next start, and publish the result (snapshot_publish with hook). Every
 * diagnostic also goes to diag. On failure nothing is published and the
 * snapshot being served stays. *generation is the generation serving on
 * return. Returns 0 or the negative GSLB_E* code of the load. The publishing
 * thread only (the reload thread), not inside a read-side section. */
int snapshot_reload(snapshot_pub_t *pub, gslb_diag_t *diag, const snapshot_hook_t *hook,
                    uint64_t *generation);

#endif
