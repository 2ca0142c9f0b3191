/* policy: choosing a service's answer for one client — candidate data centers from a geo
 * map, distance, weights or a fixed order, then addresses by weight. */
#ifndef GSLB_POLICY_H
#define GSLB_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gslb/conf.h"
#include "gslb/dns.h"
#include "gslb/geo.h"
#include "gslb/health.h"
#include "gslb/latency.h"
#include "gslb/steer.h"
#include "gslb/util.h"

#define POLICY_MAX_ANSWER 64 /* records in one service answer */
#define POLICY_MAX_DCS GEO_MAX_SITES

typedef struct policy policy_t;
typedef struct policy_service policy_service_t;

/* Build the data centers, maps and services of conf. geo (may be NULL when
 * no GeoIP database is configured) is borrowed and must outlive the policy.
 * Problems are reported to diag at the config positions. Returns 0 and
 * *out, or -GSLB_ECONF. Load path only. */
int policy_new(policy_t **out, const conf_t *conf, const geo_db_t *geo, gslb_diag_t *diag);
void policy_free(policy_t *p);

/* Resources (answerable addresses) in config order: data center by data
 * center, address by address. The snapshot builder gives each a health slot. */
size_t policy_resource_count(const policy_t *p);

/* The config entries of resource i (0 <= i < policy_resource_count). */
const conf_datacenter_t *policy_resource_datacenter(const policy_t *p, size_t i);
const conf_address_t *policy_resource_address(const policy_t *p, size_t i);

/* Attach health state: slots[i] is resource i's slot in h (HEALTH_SLOT_NONE
 * = not probed, always up). h is borrowed and must outlive the policy. Load
 * path only, before the policy is published. */
void policy_health_attach(policy_t *p, const health_t *h, const uint32_t *slots);

size_t policy_service_count(const policy_t *p);
const policy_service_t *policy_service_at(const policy_t *p, size_t i);
/* The service's owner name, lower-case uncompressed wire. */
const uint8_t *policy_service_name(const policy_service_t *s);
/* Can service s answer type (A or AAAA) with addresses for some client: does one of
 * its candidate data centers have addresses of that family? For the NSEC type bitmap
 * of a signed service name. Any thread. */
bool policy_service_can_answer(const policy_t *p, const policy_service_t *s, uint16_t type);
/* Every answer service s can give that is known in advance, for signing them at load:
 * for each of its data centers (and its fail: data center), each family it has addresses
 * of, every choice of the addresses one answer takes from it (the service's `addresses`
 * of the data center's n), at the normal and at the degraded TTL; and the CNAME of a
 * CNAME site. Only when an answer takes one data center, and a data center's choices are
 * at most max_choices (C(n, k)); the rest (partly down sites, several data centers per
 * answer) is signed on first use. fn gets each RRset: type, TTL and records pointing into
 * the policy (the pointers the answers will carry). Returns how many RRsets it gave. Load
 * path. */
typedef void (*policy_answer_fn)(void *arg, uint16_t type, uint32_t ttl_s,
                                 const dns_rdata_t *rrs, size_t count);
size_t policy_service_answers(const policy_t *p, const policy_service_t *s, size_t max_choices,
                              policy_answer_fn fn, void *arg);
/* The config entry the service came from (positions for messages). */
const conf_service_t *policy_service_conf(const policy_service_t *s);

/* Why a service's answer went where it did, for metrics and explain. */
typedef enum policy_reason {
    POLICY_REASON_PREFERRED = 0, /* the first candidate of the client's order */
    POLICY_REASON_SHED,          /* the first candidate sheds this client (load over target) */
    POLICY_REASON_FAILED_OVER,   /* the first candidate is down (or drained) */
    POLICY_REASON_LATENCY,       /* the lowest measured RTT (latency policy, covered client) */
    POLICY_REASON_HASHED,        /* rendezvous hashing of the client subnet (hashed policy) */
    POLICY_REASON_COUNT
} policy_reason_t;

/* Text for a reason ("preferred", "shed", "failed-over", "latency", "hashed"). */
const char *policy_reason_name(policy_reason_t r);

/* A service's answer for one client and QTYPE. The rdata pointers point into
 * the policy and stay valid while it lives. */
typedef struct policy_result {
    uint16_t type;              /* DNS_TYPE_A, _AAAA or _CNAME; 0 = no data of that type (NODATA) */
    uint32_t ttl_s;
    uint8_t scope_bits;         /* ECS scope prefix the decision depended on (RFC 7871 7.2.1) */
    size_t count;
    dns_rdata_t rrs[POLICY_MAX_ANSWER];
    /* The decision, for metrics and explain. */
    uint8_t continent;          /* the client's continent (geo_continent_index) */
    geo_location_t location;    /* policy_select_full only: valid when has_location */
    bool has_location;
    geo_match_t match;          /* policy_select_full only, for map policies */
    const char *match_key;      /* policy_select_full only */
    uint32_t candidates[POLICY_MAX_DCS]; /* ordered candidate data centers (config indexes) */
    size_t candidate_count;
    bool candidate_up[POLICY_MAX_DCS];   /* health of each candidate for this QTYPE's family */
    uint32_t chosen[POLICY_MAX_DCS];     /* data centers that contributed records */
    size_t chosen_count;
    bool is_degraded;    /* from a fallback or partly down site: ttl_s is the degraded TTL */
    bool is_all_down;    /* every candidate was down; the service's fail mode decided */
    bool is_fail_closed; /* fail: closed applied: answer NODATA with SOA TTL = ttl_s */
    /* Dynamic steering. */
    policy_reason_t reason;
    bool has_hash;       /* the decision used the client hash: scope_bits >= hash_bits */
    uint8_t hash_bits;   /* the client subnet's prefix length that was hashed */
    double hash_point;   /* the client's point in [0, 1) */
    bool is_shed;        /* moved off its first candidate by its shed fraction */
    double shed_fraction;/* of the first candidate, when it was consulted */
    const latency_row_t *latency_rows; /* latency policy: the table row list used (explain) */
    size_t latency_row_count;          /* 0 = not covered (the fallback order decided) */
} policy_result_t;

/* Choose the answer of service s for client c and qtype. Steps, in order:
 * the client's candidate order (geo tree leaf, distance, latency table,
 * rendezvous hash or fixed order); health and overrides; the dynamic step:
 * when the first candidate is down (failover: spread) or sheds the client
 * (its point, the client subnet cut to hash_prefix hashed, is below the
 * candidate's shed fraction), the client goes to one of the other
 * candidates that are up by weighted rendezvous hashing on spare capacity
 * (capacity x (target - utilisation); by capacity when none has any), and
 * the scope becomes at least the hashed prefix; then addresses (by
 * rendezvous hash for the hashed policy) and the optional rotation.
 * The rest of this comment describes the health rules.
 * qtype is A, AAAA, CNAME or ANY (ANY is answered like A). c is the client
 * the decision is made for: the ECS address when the query had one with a non-zero source prefix (RFC
 * 7871 7.1.1), else the packet's source address. The ordered candidates
 * are walked: down addresses are never handed out, a data center is down
 * when fewer than max(1, ceil(min_up_fraction * n)) of its n addresses of
 * the family are up,
 * and answers come from the first dc_count data centers that are up. When
 * all are down the service's fail mode applies (open: as if all were up;
 * closed: NODATA; a data center: that one). Answers from a fallback or
 * partly down site carry the degraded TTL. The ECS scope is the one of the
 * location decision: health is the same for every client. rng is the
 * caller's per-thread random state (any non-zero seed). Never allocates,
 * never blocks; any worker thread. */
void policy_select(const policy_t *p, const policy_service_t *s, const gslb_addr_t *c,
                   uint16_t qtype, uint64_t *rng, policy_result_t *out);

/* The same answer, but candidates[] lists every candidate data center with
 * its health, also those behind the ones answering (policy_select stops at
 * the last data center it needs, so there the list may end early). For
 * explain and status pages; same threads and guarantees. */
void policy_select_full(const policy_t *p, const policy_service_t *s, const gslb_addr_t *c,
                        uint16_t qtype, uint64_t *rng, policy_result_t *out);

/* Attach live load: slots[d] is data center d's slot in st
 * (STEER_SLOT_NONE: no feed, the site counts as empty). st is borrowed and
 * must outlive the policy. Load path only, before publishing. */
void policy_steer_attach(policy_t *p, const steer_t *st, const uint32_t *slots);

/* Data center dc's load slot (STEER_SLOT_NONE without a feed, or out of
 * range) and its spare capacity now (capacity x (target - utilisation), at
 * least 0; the capacity without a feed). For status pages; any thread. */
uint32_t policy_datacenter_load_slot(const policy_t *p, uint32_t dc);
double policy_datacenter_spare(const policy_t *p, uint32_t dc);

/* Latency tables of a policy (conf order), for status pages; NULL when i is
 * out of range. */
size_t policy_latency_table_count(const policy_t *p);
const latency_table_t *policy_latency_table(const policy_t *p, size_t i);

/* Data-center name by config index, for explain and metrics. */
const char *policy_datacenter_name(const policy_t *p, uint32_t dc);
size_t policy_datacenter_count(const policy_t *p);

/* Operator overrides and run-time weights. The control module sets them on
 * the published policy (and on each new one before it is published, from
 * its name-keyed table), so they are the one part of a policy that changes
 * after publication: each is a relaxed atomic that a worker reads once per
 * decision. The overrides reuse the health module's vocabulary:
 *   HEALTH_ADMIN_DRAIN       never handed out, not even when a service fails
 *                            open; probes and their state go on
 *   HEALTH_ADMIN_FORCE_UP    up whatever the probes say
 *   HEALTH_ADMIN_FORCE_DOWN  down whatever the probes say (a service that
 *                            fails open may still answer with it)
 * A resource's own FORCE_UP/FORCE_DOWN wins over its data center's; a drain
 * of either excludes the resource. Setters: any control thread, never the
 * query path; getters: any thread. Indexes out of range are ignored (setters)
 * or read as HEALTH_ADMIN_NONE / 0 (getters). */
void policy_datacenter_set_admin(policy_t *p, uint32_t dc, health_admin_t admin);
health_admin_t policy_datacenter_admin(const policy_t *p, uint32_t dc);
void policy_resource_set_admin(policy_t *p, size_t i, health_admin_t admin);
health_admin_t policy_resource_admin(const policy_t *p, size_t i);
/* Effective capacity weight of a data center (0..CONF_WEIGHT_MAX): the
 * configured weight until set. The policy reads only the effective one. */
void policy_datacenter_set_weight(policy_t *p, uint32_t dc, uint32_t weight);
uint32_t policy_datacenter_weight(const policy_t *p, uint32_t dc);
uint32_t policy_datacenter_conf_weight(const policy_t *p, uint32_t dc);

/* The seed of the client hash (hashed services, shedding, spill-over): the
 * configuration's steering: hash_seed until set. A fleet sets the seed it
 * shares so that every instance hashes a client alike; workers see the new
 * seed from their next query. Any thread (one atomic store / load). */
void policy_set_hash_seed(policy_t *p, uint64_t seed);
uint64_t policy_hash_seed(const policy_t *p);

/* Index of the data center called name, or -1. */
int policy_datacenter_find(const policy_t *p, const char *name);
/* Index of the resource "dc/address" (the address in any valid text form),
 * or -1. */
long policy_resource_find(const policy_t *p, const char *dc, const char *address);
/* Resource i's data center index and health slot (HEALTH_SLOT_NONE when not
 * probed), for status pages. */
uint32_t policy_resource_dc(const policy_t *p, size_t i);
uint32_t policy_resource_slot(const policy_t *p, size_t i);
/* Is data center dc up for A (want_v6 false) or AAAA answers, as the
 * candidate walk would see it now: 1 up, 0 down, -1 when it has no records
 * of that family. */
int policy_datacenter_health(const policy_t *p, uint32_t dc, bool want_v6);
/* Is resource i answerable now (probe state with every override applied)? */
bool policy_resource_is_up(const policy_t *p, size_t i);

/* Metrics buckets: stable numbers the control module gives services and
 * data centers by name, so per-worker counters keep their meaning across
 * reloads. Set before publishing; 0 (the default) is the shared "other"
 * bucket. */
void policy_service_set_stat_id(policy_t *p, size_t i, uint16_t id);
uint16_t policy_service_stat_id(const policy_service_t *s);
void policy_datacenter_set_stat_id(policy_t *p, uint32_t dc, uint16_t id);
uint16_t policy_datacenter_stat_id(const policy_t *p, uint32_t dc);

/* The compiled geo decision trees of a policy, for the status page: maps
 * first (kind "map", the map's name), then nearest services (kind
 * "service", the owner name), then the continent counter's (kind
 * "continents", name ""). i < policy_tree_count; pointers live as long as
 * the policy. Any thread. */
size_t policy_tree_count(const policy_t *p);
void policy_tree_at(const policy_t *p, size_t i, const char **kind, const char **name,
                    geo_tree_stats_t *stats);
/* How long reading the GeoIP database into its record tree took at load
 * (ms; 0 without a database) and how many distinct records it had. */
double policy_records_ms(const policy_t *p);
size_t policy_records_count(const policy_t *p);

/* Next value of a xorshift64* generator; state must be non-zero. */
uint64_t policy_rng_next(uint64_t *state);

#endif
