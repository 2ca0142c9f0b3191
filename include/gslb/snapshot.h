/* snapshot: the load path — configuration, zones, GeoIP, policy and health slots as one
 * immutable snapshot that the query path reads. */
#ifndef GSLB_SNAPSHOT_H
#define GSLB_SNAPSHOT_H

#include <stdint.h>
#include <time.h>

#include "gslb/conf.h"
#include "gslb/geo.h"
#include "gslb/health.h"
#include "gslb/policy.h"
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
} snapshot_t;

/* Load the config at conf_path and everything it names (zones, GeoIP
 * database), attach services to their zones, and validate it all. Every
 * problem is reported to diag as "file:line[:col]: error: ..."; nothing is
 * published here. When everything is valid and health is not NULL, the
 * resources' probes are handed to health (health_apply: unchanged probes
 * keep their state) as the last step. health may be NULL (--check-config):
 * every resource is then up. Returns 0 and *out (owned by the caller), or a
 * negative GSLB_E* code when any error was reported (*out NULL). Load path
 * only: the main thread at start, then the reload thread. */
int snapshot_load(snapshot_t **out, const char *conf_path, health_t *health, gslb_diag_t *diag);

/* Free a snapshot; NULL does nothing. No reader may still hold it. */
void snapshot_free(snapshot_t *s);

#endif
