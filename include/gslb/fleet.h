/* fleet: several gslbd instances that agree through etcd: probe verdicts per instance on
 * leased keys, the effective health of each resource by a quorum of the fresh verdicts,
 * admin overrides and load figures shared, and what happens when etcd cannot be reached. */
#ifndef GSLB_FLEET_H
#define GSLB_FLEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gslb/health.h"

struct json_t; /* jansson's */

/* ---- the quorum rule (pure) ---- */

typedef enum fleet_quorum_kind {
    FLEET_QUORUM_MAJORITY = 0, /* up when more than half of the fresh verdicts say up */
    FLEET_QUORUM_ALL,          /* up when every fresh verdict says up */
    FLEET_QUORUM_ANY,          /* up when one fresh verdict says up */
    FLEET_QUORUM_COUNT,        /* up when at least count fresh verdicts say up */
} fleet_quorum_kind_t;

typedef struct fleet_quorum {
    fleet_quorum_kind_t kind;
    unsigned count;            /* FLEET_QUORUM_COUNT only, >= 1 */
} fleet_quorum_t;

/* Decide a resource from up and down, the numbers of fresh verdicts (of
 * live instances, this one included) that say up and down:
 *   majority  up iff 2 * up > up + down (a tie is down)
 *   all       up iff down == 0
 *   any       up iff up >= 1
 *   N         up iff up >= min(N, up + down): with fewer live instances than
 *             N, every one of them must say up
 * Returns HEALTH_SHARED_UP or HEALTH_SHARED_DOWN, or HEALTH_SHARED_NONE when
 * there is no verdict at all (the resource is left to the local probe).
 * Pure; any thread. */
health_shared_t fleet_quorum_decide(const fleet_quorum_t *q, unsigned up, unsigned down);

/* Parse "majority", "all", "any" or a decimal 1..1000 into *out. Returns 0, or
 * -GSLB_EINVAL (out untouched). Pure. */
int fleet_quorum_parse(const char *text, fleet_quorum_t *out);

/* "majority", "all", "any", or the count as text in buf (len >= 12). Pure. */
const char *fleet_quorum_name(const fleet_quorum_t *q, char *buf, size_t len);

/* ---- the contact state machine (pure) ---- */

/* Where an instance takes shared state from, by how long ago etcd last answered. */
typedef enum fleet_mode {
    FLEET_MODE_LOCAL = 0, /* never in contact, or out of contact for longer than the grace
                           * period: local probes and the overrides held locally */
    FLEET_MODE_SHARED,    /* in contact: verdicts by quorum, overrides and loads from etcd */
    FLEET_MODE_GRACE,     /* out of contact, within the grace period: the last shared state */
} fleet_mode_t;

/* The mode at now_ms, when etcd last answered at last_ok_ms (same clock,
 * health_monotonic_ms). has_synced says whether the shared state has been
 * read at least once (a full range); without it the mode is LOCAL.
 *   now - last_ok <= contact_ms               SHARED
 *   now - last_ok <= contact_ms + grace_ms    GRACE
 *   otherwise                                 LOCAL
 * Pure; any thread. */
fleet_mode_t fleet_mode_decide(bool has_synced, double last_ok_ms, double now_ms,
                               unsigned contact_ms, unsigned grace_ms);

/* "local", "shared", "grace". Never NULL. */
const char *fleet_mode_name(fleet_mode_t m);

/* ---- configuration ---- */

#define FLEET_DEFAULT_PREFIX "/gslbd/"
#define FLEET_DEFAULT_LEASE_TTL_S 6
#define FLEET_DEFAULT_GRACE_MS 30000
#define FLEET_DEFAULT_TIMEOUT_MS 1000
#define FLEET_ENDPOINTS_MAX 16

/* The fleet: section as conf validated it (conf owns the strings):
 *   instance        this instance's name, unique in the fleet: [A-Za-z0-9_.-]{1,63}
 *   endpoints       etcd client URLs "http://IP:PORT" or "https://IP:PORT" (IPv6 in
 *                   brackets), tried in order, the next one after a failure
 *   prefix          every key starts with it, ends with '/'
 *   quorum          how the verdicts decide a resource
 *   lease_ttl_s     the lease of this instance's verdicts and member key: they vanish
 *                   this long after the instance stops renewing it (2..300)
 *   grace_ms        out of contact with etcd, the last shared state is kept this long
 *   timeout_ms      each request to etcd, connect included
 *   username, password  etcd authentication (the password from password_file), or NULL
 *   tls_ca_file     PEM CA bundle that signs the etcd servers' certificates (NULL = system)
 *   tls_cert_file, tls_key_file  client certificate and key, or NULL */
typedef struct fleet_def {
    bool is_enabled;
    char *instance;
    char **endpoints;
    size_t endpoint_count;
    char *prefix;
    fleet_quorum_t quorum;
    unsigned lease_ttl_s;
    unsigned grace_ms;
    unsigned timeout_ms;
    char *username;
    char *password;
    char *tls_ca_file;
    char *tls_cert_file;
    char *tls_key_file;
} fleet_def_t;

/* Free the strings of a definition and zero it. Any thread, on its own def. */
void fleet_def_clear(fleet_def_t *d);

/* Whether two definitions are the same in every key. Pure. */
bool fleet_def_equal(const fleet_def_t *a, const fleet_def_t *b);

/* Check one endpoint URL; NULL when valid, else a short reason (static). Pure. */
const char *fleet_endpoint_problem(const char *url);

/* ---- the running fleet ---- */

typedef struct fleet fleet_t;

/* Create the fleet of def (copied) for the probes of h: registers its
 * periodic hook on the health thread (health_tick_add), which then keeps
 * the lease, publishes this instance's verdicts, watches the prefix and
 * sets each keyed slot's shared verdict (health_slot_set_shared). Returns
 * 0 and *out, or -GSLB_EINVAL with the reason in err (a TLS file that
 * cannot be read, no endpoint, a hook slot taken). Main thread, before
 * health_start; free with fleet_free after health_free. */
int fleet_new(fleet_t **out, const fleet_def_t *def, health_t *h, char *err, size_t errlen);

/* Free the fleet; NULL does nothing. After health_free (whose last call
 * of the hook has dropped every request in flight). Main thread. */
void fleet_free(fleet_t *f);

/* Wait until the shared state has been read once (verdicts, overrides,
 * loads) or timeout_ms has passed: the warm start. Returns true when it
 * was read. Main thread, after health_start; blocks. */
bool fleet_wait_synced(fleet_t *f, unsigned timeout_ms);

/* Publish the configuration this instance serves: its generation, a hex
 * checksum of the configuration file and the client hash seed. Any thread;
 * published on the health thread's next turn. */
void fleet_config_set(fleet_t *f, uint64_t generation, const char *checksum, uint64_t hash_seed);

/* Write an admin override to etcd, for every instance: key "dc" (is_resource
 * false) or "dc/address"; value is the override as the state file writes one
 * ({"admin": "drain", "weight": 50}), NULL to delete it. value is borrowed.
 * Queued and sent from the health thread, retried until etcd takes it. Any
 * thread. */
void fleet_override_put(fleet_t *f, bool is_resource, const char *key, const struct json_t *value);

/* Write data center dc's load figure (the control feed) to etcd. Queued
 * like fleet_override_put. Any thread. */
void fleet_load_put(fleet_t *f, const char *dc, double value);

/* A counter that grows whenever the shared overrides or load figures read
 * from etcd change, or the mode changes. Any thread. */
uint64_t fleet_shared_generation(const fleet_t *f);

/* Whether every write handed to fleet_override_put and fleet_load_put has
 * been taken by etcd and is in the shared view: until then the view lacks
 * this instance's latest changes, and applying it would undo them for a
 * moment. Any thread. */
bool fleet_writes_settled(const fleet_t *f);

/* The fleet's client hash seed (key "seed" under the prefix) into *out:
 * false until the shared state has been read with a seed in it. The first
 * instance to find none writes its configured seed (fleet_config_set).
 * Any thread. */
bool fleet_hash_seed(const fleet_t *f, uint64_t *out);

/* The mode now. Any thread. */
fleet_mode_t fleet_mode(const fleet_t *f);

/* The shared overrides in the state file's form ({"version": 1,
 * "datacenters": {...}, "resources": {...}}), a new reference, or NULL
 * when the shared state has never been read. Any thread. */
struct json_t *fleet_overrides_json(const fleet_t *f);

/* The shared load figures as {"dc": {"value": V, "revision": R}}, a new
 * reference (an empty object before the first read). Any thread. */
struct json_t *fleet_loads_json(const fleet_t *f);

/* The fleet's state for /status: {"instance", "mode", "quorum", "endpoint",
 * "last_contact_s", "members": [{"instance", "config_generation",
 * "config_checksum", "hash_seed", "self"}], "verdicts_published",
 * "etcd_requests", "etcd_failures", "etcd_writes", "keepalives",
 * "config_mismatch" (a member's file checksum differs from this one's),
 * "hash_seed_mismatch" (a member's client hash seed differs)}.
 * A new reference. Any thread. */
struct json_t *fleet_status_json(const fleet_t *f);

/* Counters for metrics. */
typedef struct fleet_stats {
    fleet_mode_t mode;
    uint64_t requests, failures;  /* HTTP requests to etcd, and those that failed */
    uint64_t writes;              /* raft writes asked for: puts, txns, deletes, lease grants */
    uint64_t keepalives;
    uint64_t verdicts_published;  /* single verdict puts, inside txns */
    size_t members;               /* live instances seen, this one included */
    double last_contact_age_s;    /* -1 = never */
} fleet_stats_t;

/* Copy the counters. Any thread. */
void fleet_stats_get(const fleet_t *f, fleet_stats_t *out);

#endif
