/* ctl_api: the HTTP control API's vocabulary — paths, actions, parameters and JSON members —
 * shared by the endpoint (src/ctl/) and its client gslbctl (src/gslbctl/). */
#ifndef GSLB_CTL_API_H
#define GSLB_CTL_API_H

/* Only macros: the client includes this without linking any part of the server.
 * Change a spelling here and both sides follow; operators' scripts that read the
 * JSON do not, so treat every name below as part of a published interface. */

/* ---- Paths ----
 * GET  /metrics                        Prometheus text (format 0.0.4)
 * GET  /status                         JSON, members listed under GET /status below
 * GET  /explain?name=N&client=C[&type=T]
 * GET  /ds/ZONE                        JSON {zone, ds: [DS records, presentation form]}
 * POST /reload                         JSON, answered when the reload is done
 * POST /datacenters/NAME/ACTION[?value=N]
 * POST /resources/DC/ADDRESS/ACTION
 * GET  /  and  /ui/[FILE]              the dashboard page and its files
 * The server routes on the first path segment; the client sends whole paths. */
#define CTL_API_SEG_METRICS "metrics"
#define CTL_API_SEG_STATUS "status"
#define CTL_API_SEG_EXPLAIN "explain"
#define CTL_API_SEG_RELOAD "reload"
#define CTL_API_SEG_DATACENTERS "datacenters"
#define CTL_API_SEG_RESOURCES "resources"
#define CTL_API_SEG_LATENCY "latency"     /* PUT /latency/NAME: a latency table */
#define CTL_API_SEG_DASHBOARD "ui"       /* GET /ui/: the dashboard; GET / redirects there */
#define CTL_API_SEG_DS "ds"               /* GET /ds/ZONE: DS records for the parent */

#define CTL_API_PATH_METRICS "/" CTL_API_SEG_METRICS
#define CTL_API_PATH_STATUS "/" CTL_API_SEG_STATUS
#define CTL_API_PATH_EXPLAIN "/" CTL_API_SEG_EXPLAIN
#define CTL_API_PATH_RELOAD "/" CTL_API_SEG_RELOAD
#define CTL_API_PATH_DATACENTERS "/" CTL_API_SEG_DATACENTERS
#define CTL_API_PATH_RESOURCES "/" CTL_API_SEG_RESOURCES
#define CTL_API_PATH_LATENCY "/" CTL_API_SEG_LATENCY
#define CTL_API_PATH_DASHBOARD "/" CTL_API_SEG_DASHBOARD
#define CTL_API_PATH_DS "/" CTL_API_SEG_DS

/* Query parameters: /explain's, and the weight action's value. */
#define CTL_API_PARAM_NAME "name"
#define CTL_API_PARAM_CLIENT "client"
#define CTL_API_PARAM_TYPE "type"
#define CTL_API_PARAM_VALUE "value"
/* The query type /explain uses when the request has none. */
#define CTL_API_EXPLAIN_DEFAULT_TYPE "A"

/* Admin actions, the last path segment of a POST on a data center or a
 * resource. They double as gslbctl's command names. WEIGHT is for data
 * centers only: with ?value=N it sets the weight, without it it goes back to
 * the configured one. */
#define CTL_API_ACTION_DRAIN "drain"
#define CTL_API_ACTION_UNDRAIN "undrain"
#define CTL_API_ACTION_FORCE_UP "force-up"
#define CTL_API_ACTION_FORCE_DOWN "force-down"
#define CTL_API_ACTION_CLEAR "clear"
#define CTL_API_ACTION_WEIGHT "weight"
#define CTL_API_ACTION_LOAD "load"       /* POST /datacenters/NAME/load?value=FIGURE */

/* Write actions need "Authorization: Bearer TOKEN" (RFC 6750 2.1). */
#define CTL_API_AUTH_HEADER "Authorization"
#define CTL_API_AUTH_SCHEME "Bearer "

/* POST /reload answers 200 when the new configuration serves, and this
 * when it was rejected: the body's messages say why, and the old
 * generation keeps serving. */
#define CTL_API_STATUS_RELOAD_FAILED 422

/* ---- JSON members ----
 * A name used in several objects is defined once; the comments say where. */

/* Every error reply: {"error": "text"}. */
#define CTL_API_KEY_ERROR "error"

/* Replies to actions and reloads: ok, generation, messages (reload);
 * datacenter or resource, then admin or weight (actions). */
#define CTL_API_KEY_OK "ok"
#define CTL_API_KEY_MESSAGES "messages"
#define CTL_API_KEY_DATACENTER "datacenter"
#define CTL_API_KEY_RESOURCE "resource"

/* Used in several objects. */
#define CTL_API_KEY_NAME "name"           /* status, data center, probe, explain */
#define CTL_API_KEY_TYPE "type"           /* probe, geoip database, explain, decision */
#define CTL_API_KEY_GENERATION "generation" /* status, explain, reload */
#define CTL_API_KEY_ADMIN "admin"         /* actions, data centers, resources, candidates */
#define CTL_API_KEY_WEIGHT "weight"       /* actions, resources, candidate addresses */
#define CTL_API_KEY_UP "up"               /* resources, probes, candidates */
#define CTL_API_KEY_ADDRESS "address"     /* resources, candidate addresses */
#define CTL_API_KEY_CONFIGURED_WEIGHT "configured_weight" /* data centers, candidates */
#define CTL_API_KEY_EFFECTIVE_WEIGHT "effective_weight"   /* data centers, candidates */
#define CTL_API_KEY_GEOIP "geoip"         /* status (database), decision (location) */
#define CTL_API_KEY_ECS_SCOPE "ecs_scope" /* decision, response */

/* GET /status */
#define CTL_API_KEY_VERSION "version"
#define CTL_API_KEY_LOADED_AT "loaded_at"
#define CTL_API_KEY_CONFIG "config"
#define CTL_API_KEY_ZONES "zones"
#define CTL_API_KEY_RELOADS "reloads"
#define CTL_API_KEY_OVERRIDES "overrides"
#define CTL_API_KEY_STATE_FILE "state_file"
#define CTL_API_KEY_SHARED "shared"         /* probe: the fleet's verdict, "up"/"down"/null */
#define CTL_API_KEY_FLEET "fleet"           /* status: null without a fleet, else fleet_status_json */
#define CTL_API_KEY_DATACENTERS "datacenters"
/* state_file: null without control.state_file, else how it was read at start */
#define CTL_API_KEY_PATH "path"
#define CTL_API_KEY_RECOVERED_FROM_PREVIOUS "recovered_from_previous" /* from STATE.prev */
#define CTL_API_KEY_DAMAGED "damaged"     /* STATE and STATE.prev damaged: no overrides */
/* and CTL_API_KEY_ERROR: why STATE (and STATE.prev) could not be used, or null */
/* zones[] */
#define CTL_API_KEY_ORIGIN "origin"
#define CTL_API_KEY_FILE "file"
#define CTL_API_KEY_SERIAL "serial"
#define CTL_API_KEY_NAMES "names"
/* geoip */
#define CTL_API_KEY_DATABASE "database"
#define CTL_API_KEY_BUILD_EPOCH "build_epoch"
#define CTL_API_KEY_WATCH "watch"
#define CTL_API_KEY_RECORD_COUNT "records"  /* distinct records read at load */
#define CTL_API_KEY_READ_MS "read_ms"       /* time to read them */
#define CTL_API_KEY_DECISION_TREES "decision_trees"
/* geoip.decision_trees[] */
#define CTL_API_KEY_KIND "kind"             /* "map", "service" or "continents" */
#define CTL_API_KEY_BUILD_MS "build_ms"
#define CTL_API_KEY_LEAVES_IPV4 "leaves_ipv4"
#define CTL_API_KEY_LEAVES_IPV6 "leaves_ipv6"
#define CTL_API_KEY_RESULTS "results"
#define CTL_API_KEY_BYTES "bytes"
/* reloads */
#define CTL_API_KEY_SUCCEEDED "succeeded"
#define CTL_API_KEY_FAILED "failed"
#define CTL_API_KEY_LAST_SUCCESS "last_success"
#define CTL_API_KEY_LAST_FAILURE "last_failure" /* Unix time, or null: none since start */
#define CTL_API_KEY_LAST_ERRORS "last_errors"
/* datacenters[] */
#define CTL_API_KEY_LOCATION "location"   /* [latitude, longitude] in degrees, or null */
#define CTL_API_KEY_UP_IPV4 "up_ipv4"
#define CTL_API_KEY_UP_IPV6 "up_ipv6"
#define CTL_API_KEY_RESOURCES "resources"
/* resources[] */
#define CTL_API_KEY_PROBE "probe"
/* probe; its type is CTL_API_PROBE_NONE when the resource is not probed */
#define CTL_API_PROBE_NONE "none"
#define CTL_API_KEY_LAST_RESULT "last_result"
#define CTL_API_KEY_PROBES "probes"
#define CTL_API_KEY_FAILURES "failures"
#define CTL_API_KEY_LAST_LATENCY_MS "last_latency_ms"
#define CTL_API_KEY_SUCCESSES_IN_ROW "successes_in_row"
#define CTL_API_KEY_FAILURES_IN_ROW "failures_in_row"
#define CTL_API_KEY_LAST_CHANGE "last_change"

/* GET /ds/ZONE */
#define CTL_API_KEY_ZONE "zone"
#define CTL_API_KEY_DS "ds"

/* GET /explain */
#define CTL_API_KEY_CLIENT "client"
#define CTL_API_KEY_CLIENT_AS "client_as"
#define CTL_API_KEY_DECISION "decision"
#define CTL_API_KEY_RESPONSE "response"
#define CTL_API_KEY_NOTE "note"
/* decision */
#define CTL_API_KEY_SERVICE "service"
#define CTL_API_KEY_POLICY "policy"
#define CTL_API_KEY_MAP "map"
#define CTL_API_KEY_MATCH "match"
#define CTL_API_KEY_LEAF "leaf"           /* the decision tree's block holding the client */
#define CTL_API_KEY_CANDIDATES "candidates"
#define CTL_API_KEY_CHOSEN "chosen"       /* decision: names; candidates[]: a boolean */
#define CTL_API_KEY_TTL "ttl"
#define CTL_API_KEY_RECORDS "records"
#define CTL_API_KEY_DEGRADED "degraded"
#define CTL_API_KEY_ALL_DOWN "all_down"
#define CTL_API_KEY_FAIL_CLOSED "fail_closed"
#define CTL_API_KEY_ADDRESSES_PER_DATACENTER "addresses_per_datacenter"
#define CTL_API_KEY_DATACENTERS_PER_ANSWER "datacenters_per_answer"
/* decision.geoip */
#define CTL_API_KEY_FOUND "found"
#define CTL_API_KEY_NETWORK "network"
#define CTL_API_KEY_CONTINENT "continent"
#define CTL_API_KEY_COUNTRY "country"
#define CTL_API_KEY_SUBDIVISION "subdivision"
#define CTL_API_KEY_CITY "city"
#define CTL_API_KEY_LATITUDE "latitude"
#define CTL_API_KEY_LONGITUDE "longitude"
/* decision.match */
#define CTL_API_KEY_RULE "rule"
#define CTL_API_KEY_KEY "key"
/* decision.candidates[] */
#define CTL_API_KEY_ORDER "order"
#define CTL_API_KEY_ADDRESSES "addresses"
/* response */
#define CTL_API_KEY_RCODE "rcode"
#define CTL_API_KEY_AA "aa"
#define CTL_API_KEY_TC "tc"
#define CTL_API_KEY_SIZE "size"
#define CTL_API_KEY_ANSWER "answer"

/* Dynamic steering: status data centers, explain candidates and decision. */
#define CTL_API_KEY_STEERING "steering"   /* data center, candidate: object below */
#define CTL_API_KEY_FEED "feed"
#define CTL_API_KEY_CAPACITY "capacity"
#define CTL_API_KEY_LOAD "load"           /* last figure in the feed's unit, null = none */
#define CTL_API_KEY_UTILISATION "utilisation"
#define CTL_API_KEY_FEED_AGE_S "feed_age_s"
#define CTL_API_KEY_STALE "stale"
#define CTL_API_KEY_SHED_FRACTION "shed_fraction"
#define CTL_API_KEY_TARGET "target"
#define CTL_API_KEY_SPARE "spare_capacity"
#define CTL_API_KEY_FEED_ERROR "feed_error"
#define CTL_API_KEY_REASON "reason"       /* decision: preferred, shed, failed-over, ... */
#define CTL_API_KEY_HASH "hash"           /* decision: {prefix, point} or null */
#define CTL_API_KEY_HASH_PREFIX "prefix"
#define CTL_API_KEY_HASH_POINT "point"
#define CTL_API_KEY_SHED "shed"           /* decision: moved off its first candidate */
#define CTL_API_KEY_LATENCY "latency"     /* decision: rows used [{datacenter, rtt_ms}] */
#define CTL_API_KEY_RTT_MS "rtt_ms"
#define CTL_API_KEY_AUTHORITY "authority"
#define CTL_API_KEY_ADDITIONAL "additional"

#endif
