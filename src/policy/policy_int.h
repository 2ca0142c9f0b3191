/* policy: internal structures shared by the builder and the selection code. */
#ifndef GSLB_POLICY_INT_H
#define GSLB_POLICY_INT_H

#include "gslb/policy.h"

#include <stdatomic.h>

#define POLICY_MAX_DC_ADDRS 256 /* addresses of one family per data center */
#define POLICY_ADDR_WORDS (POLICY_MAX_DC_ADDRS / 64) /* words of an address bitset */

/* One answerable address (a resource). */
typedef struct policy_addr {
    uint8_t data[16];   /* RDATA: 4 octets (A) or 16 (AAAA) */
    uint32_t weight;
    uint32_t slot;      /* health slot, HEALTH_SLOT_NONE when not probed */
    _Atomic uint8_t admin; /* health_admin_t set by the control module; relaxed */
    uint64_t hrw_key;   /* rendezvous key: hash of the address */
} policy_addr_t;

typedef struct policy_dc {
    const char *name;   /* borrowed from the conf */
    uint32_t weight;    /* configured capacity weight */
    _Atomic uint32_t weight_eff; /* effective weight the policy reads: configured, or the
                                  * control module's run-time override; relaxed */
    _Atomic uint8_t admin;       /* health_admin_t set by the control module; relaxed */
    uint16_t stat_id;            /* metrics bucket, set before publishing; 0 = other */
    policy_addr_t *v4, *v6;
    size_t v4_count, v6_count;
    uint8_t cname[DNS_NAME_MAX]; /* wire, when has_cname */
    uint16_t cname_len;
    bool has_cname;
    bool is_v4_uniform;          /* every IPv4 address has the same weight */
    bool is_v6_uniform;          /* every IPv6 address has the same weight */
    double min_up_fraction;
    uint64_t hrw_key;            /* rendezvous key: hash of the name (stable across reloads) */
    const steer_slot_pub_t *load; /* live utilisation and shed fraction, NULL = no feed */
    uint32_t load_slot;          /* its slot in the load registry, STEER_SLOT_NONE = none */
    double target;               /* utilisation target of its load feed */
    const conf_datacenter_t *conf; /* borrowed */
} policy_dc_t;

struct policy_service {
    uint8_t name[DNS_NAME_MAX];
    uint8_t name_len;
    const conf_service_t *conf; /* borrowed */
    conf_policy_t kind;
    const geo_map_t *map;       /* CONF_POLICY_MAP */
    geo_tree_t *nearest;        /* CONF_POLICY_NEAREST: distance order of cand[] per network */
    uint32_t cand[POLICY_MAX_DCS];
    size_t cand_count;
    uint64_t cand_mask;         /* bit per data-center index */
    const latency_table_t *latency; /* CONF_POLICY_LATENCY: the table (owned by the policy) */
    const geo_map_t *fallback_map;  /* CONF_POLICY_LATENCY with a map: order of uncovered clients */
    uint8_t hash_bits[2];       /* client subnet hashed: [0] IPv4, [1] IPv6 */
    uint8_t *hrw_table;         /* CONF_POLICY_HASHED: POLICY_HRW_BUCKETS rows of cand_count
                                 * data centers, each row the rendezvous order of its bucket
                                 * for the configured capacities; NULL = computed per query */
    uint16_t stat_id;           /* metrics bucket, set before publishing; 0 = other */
};

struct policy {
    uint64_t id;                /* unique per built policy, never reused: keys per-thread views */
    const geo_db_t *geo;
    const health_t *health;
    _Atomic uint64_t admin_generation; /* bumped after every override change (admin.c) */
    _Atomic uint32_t weight_overrides; /* data centers whose run-time weight differs from the
                                        * configured one: the hashed tables do not hold then */
    uint64_t serves_mask[2];    /* bit per data center with records (or a CNAME) for
                                 * A answers ([0]) and AAAA answers ([1]) */
    size_t resource_count;
    policy_addr_t **resources;  /* resource index -> its address entry */
    policy_dc_t *dcs;
    size_t dc_count;
    geo_site_t *sites;
    geo_map_t **maps;
    size_t map_count;
    geo_tree_t *continents;     /* client continent per network, for the answer counters */
    double records_ms;          /* time to read the database into a record tree */
    size_t records;             /* distinct records it had */
    policy_service_t *services;
    size_t service_count;
    _Atomic uint64_t hash_seed; /* steering: hash_seed, or the fleet's (policy_set_hash_seed) */
    latency_table_t **latency_tables;
    size_t latency_table_count;
};

/* Can data center dc answer A (want_v6 false) or AAAA queries: a CNAME site
 * answers both, others need an address of the family. The one definition the
 * builder's serves_mask and the selection's fallbacks share. */
static inline bool policy_dc_serves(const policy_dc_t *dc, bool want_v6)
{
    return dc->has_cname || (want_v6 ? dc->v6_count : dc->v4_count) > 0;
}

/* One address's state for a decision, overrides applied (see policy.h). */
typedef enum policy_addr_state {
    POLICY_ADDR_UP = 0,
    POLICY_ADDR_DOWN,     /* probe or forced down: fail open may still use it */
    POLICY_ADDR_DRAINED,  /* never handed out */
} policy_addr_state_t;

policy_addr_state_t policy_addr_state(const policy_t *p, const policy_dc_t *dc,
                                      const policy_addr_t *a);

/* Read p->geo (if any) into *recs (NULL without a database), timing it.
 * Returns 0, or -GSLB_EGEO after reporting a corrupt database to diag. */
int policy_records_build(policy_t *p, const conf_t *conf, geo_records_t **recs,
                         gslb_diag_t *diag);

/* Read the configuration's latency tables (latency.c); errors go to diag
 * with the file's positions. Data center names are the config's. */
void policy_latency_build(policy_t *p, const conf_t *conf, gslb_diag_t *diag);

/* Compile the distance trees of the nearest services and the continent
 * tree over recs, and log every tree's figures. Problems go to diag. */
void policy_trees_build(policy_t *p, const conf_t *conf, const geo_records_t *recs,
                        gslb_diag_t *diag);

/* Pick k of the n addresses at random in proportion to their weights,
 * without replacement, only among those whose bit is set in the bitset
 * eligible (POLICY_ADDR_WORDS words; NULL = all); writes indexes to out and
 * returns how many. */
size_t policy_pick_weighted(const policy_addr_t *addrs, size_t n, const uint64_t *eligible,
                            size_t k, uint64_t *rng, uint32_t *out);

/* The same for addresses of equal weight, at most 64 of them: pick k of
 * those whose bit is set in eligible (bit i = address i), each set of k
 * equally likely and in random order; writes indexes to out and returns
 * how many (min(k, bits set)). */
size_t policy_pick_uniform(uint64_t eligible, size_t k, uint64_t *rng, uint32_t *out);

/* ---- dynamic steering (dynamic.c) ---- */

/* The client's hash, computed on first use within one decision. */
typedef struct policy_client_key {
    const gslb_addr_t *client;
    uint64_t seed;
    uint8_t bits;       /* hash prefix of the client's family */
    bool is_done;
    steer_key_t key;
} policy_client_key_t;

static inline const steer_key_t *policy_client_key(policy_client_key_t *k)
{
    if (!k->is_done) {
        k->key = steer_client_key(k->client->family, k->client->addr, k->bits, k->seed);
        k->is_done = true;
    }
    return &k->key;
}

/* Effective capacity of data center dc (the run-time weight, else the configured one). */
static inline double policy_dc_capacity(const policy_dc_t *dc)
{
    return (double)atomic_load_explicit(&dc->weight_eff, memory_order_relaxed);
}

/* Spare capacity: capacity x (target - utilisation), at least 0; the whole
 * capacity for a site without a load feed. */
double policy_dc_spare(const policy_dc_t *dc);

/* The shed fraction of dc, scaled as steer_fraction_scaled (0 without a feed). */
static inline uint64_t policy_dc_shed(const policy_dc_t *dc)
{
    return dc->load != NULL ? atomic_load_explicit(&dc->load->shed, memory_order_relaxed) : 0;
}

/* The hashed policy works on buckets of clients: the client hash's low
 * POLICY_HRW_BITS bits (the shed decision uses the high 32, so the two do
 * not depend on each other). Every client of a bucket gets the same order, the
 * weighted rendezvous order of the bucket number, so the order can be
 * computed once per bucket at load (policy_hashed_build) and looked up per
 * query; 65,536 buckets keep the shares within a few tenths of a point. */
#define POLICY_HRW_BITS 16
#define POLICY_HRW_BUCKETS (1u << POLICY_HRW_BITS)
#define POLICY_HRW_TABLE_MAX_DCS 16 /* more candidates: computed per query */

static inline uint32_t policy_hrw_bucket(uint64_t client_hash)
{
    return (uint32_t)(client_hash & (POLICY_HRW_BUCKETS - 1));
}

/* Sort cand[0..n) by weighted rendezvous score for hash h, capacity
 * weighted (best first). */
void policy_order_hashed(const policy_dc_t *dcs, uint32_t *cand, size_t n, uint64_t h);

/* The table of s (CONF_POLICY_HASHED, at most POLICY_HRW_TABLE_MAX_DCS
 * candidates): the order of every bucket for the configured capacities.
 * Load path. */
void policy_hashed_build(policy_t *p, policy_service_t *s);

/* The latency policy's order for client c: the table's rows that have not
 * expired and name candidates of s, those within the tolerance of the best
 * first (split by rendezvous hash on capacity when several), then the rest
 * by RTT. Returns how many were written to order (0 = not covered), and
 * sets *scope to the leaf's scope and *used_hash when the split hashed. */
size_t policy_order_latency(const policy_t *p, const policy_service_t *s, const gslb_addr_t *c,
                            policy_client_key_t *key, uint32_t *order, uint8_t *scope,
                            bool *used_hash, policy_result_t *out);

/* Among candidates that are up (up[i]) other than index skip, the one a
 * moved client goes to: weighted rendezvous hashing on spare capacity (on
 * capacity when no candidate has spare). Returns its index, or -1 when
 * none is up. */
long policy_spill_pick(const policy_dc_t *dcs, const uint32_t *cand, const bool *up, size_t n,
                       size_t skip, uint64_t h);

/* The hashed policy's addresses: the k eligible addresses (bit set in
 * eligible) with the best rendezvous scores by weight, best first (all
 * weights equal: is_uniform, the cheaper unweighted draw). Returns how many
 * were written as indexes to out. */
size_t policy_pick_hashed(const policy_addr_t *addrs, size_t n, const uint64_t *eligible,
                          bool is_uniform, size_t k, uint64_t h, uint32_t *out);

/* Order cand[0..n) randomly in proportion to data-center capacity weights. */
void policy_order_weighted(const policy_dc_t *dcs, uint32_t *cand, size_t n, uint64_t *rng);

#endif
