/* steer: live load of data centers (feeds), the shed-fraction controller, and the client
 * hash that dynamic steering decisions are made on. */
#ifndef GSLB_STEER_H
#define GSLB_STEER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gslb/util.h"

struct event_base;
typedef struct health health_t;

#define STEER_SLOT_NONE UINT32_MAX /* a data center without a load feed */

/* Where a data center's live load comes from. */
typedef enum steer_feed {
    STEER_FEED_NONE = 0,   /* no live load: the site counts as empty (spare = capacity) */
    STEER_FEED_PROBE,      /* the number its resources' http/https probes read from the body */
    STEER_FEED_FILE,       /* a "KEY VALUE" line of a file other systems write */
    STEER_FEED_CONTROL,    /* pushed through the control endpoint (POST .../load) */
    STEER_FEED_PROMETHEUS, /* a PromQL query against the configured Prometheus server */
    STEER_FEED_COUNT
} steer_feed_t;

/* What a load figure means. */
typedef enum steer_unit {
    STEER_UNIT_UTILISATION = 0, /* a fraction of capacity: 0.5 = half full (may exceed 1) */
    STEER_UNIT_ABSOLUTE,        /* the unit of capacity (requests/s, servers, ...) */
} steer_unit_t;

/* How the probe feed combines its resources' figures into the site's load. */
typedef enum steer_aggregate {
    STEER_AGG_MEAN = 0,
    STEER_AGG_SUM,
} steer_aggregate_t;

#define STEER_DEFAULT_TARGET 0.8
#define STEER_DEFAULT_BAND 0.05       /* shed_above = target + band, restore_below = target - band */
#define STEER_DEFAULT_MAX_STEP 0.25   /* change of the shed fraction per controller step */
#define STEER_DEFAULT_MAX_AGE_MS 30000
#define STEER_DEFAULT_INTERVAL_MS 1000
#define STEER_DEFAULT_HASH_PREFIX_V4 24
#define STEER_DEFAULT_HASH_PREFIX_V6 56

/* A data center's load: section, as conf validated it (conf owns the strings).
 *   feed            where the figure comes from; STEER_FEED_NONE = no section
 *   unit, aggregate see above; aggregate applies to the probe feed only
 *   target          utilisation the controller steers to, 0 < target <= 1
 *   shed_above      shedding starts (or grows) above this utilisation, >= target
 *   restore_below   shedding shrinks below this utilisation, <= target
 *   max_step        largest change of the shed fraction per step, 0 < max_step <= 1
 *   max_age_ms      a figure older than this is stale and stops counting
 *   file_path       STEER_FEED_FILE: resolved path; file_key the key (default the name)
 *   prom_query      STEER_FEED_PROMETHEUS: the PromQL expression (first sample's value) */
typedef struct steer_def {
    steer_feed_t feed;
    steer_unit_t unit;
    steer_aggregate_t aggregate;
    double target, shed_above, restore_below, max_step;
    unsigned max_age_ms;
    char *file_path;
    char *file_key;
    char *prom_query;
} steer_def_t;

/* Free the strings a definition owns and zero it. Any thread, on its own def. */
void steer_def_clear(steer_def_t *d);

/* Text for a feed ("none", "probe", "file", "control", "prometheus"), never NULL. */
const char *steer_feed_name(steer_feed_t f);

/* The Prometheus server of the steering: section (conf owns the strings). */
typedef struct steer_prom_def {
    char *url;            /* "http://host:port" (+ optional path prefix), NULL = none */
    unsigned interval_ms; /* time between evaluations of every query */
    unsigned timeout_ms;
} steer_prom_def_t;

/* ---- the controller (pure, for the health thread and the simulator) ----
 * One step for one data center. f is its shed fraction (0..1) now; u its
 * measured utilisation (load / capacity) since the last step; e the
 * effective target: max(def->target, the fleet's utilisation: every data
 * center together, one without a fresh figure counted at its target and one
 * without a feed as empty), so that when every site is over target they end
 * up equally full instead of all shedding to each other, and a lone site
 * with nowhere to shed to does not shed. Rules:
 *   - f == 0 and u <= shed_above + (e - target): stay at 0 (hysteresis);
 *   - u inside [restore_below, shed_above] shifted by (e - target): hold;
 *   - otherwise the kept fraction k = 1 - f moves towards k * e / u (the
 *     kept share that would make u equal e), half way per step (damping
 *     against the feed's delay), by at most max_step, clamped to [0, 1];
 *     when keeping every client would still leave u at or below e (u == 0
 *     included), f falls by max_step.
 * Returns the new f. Pure; any thread. */
double steer_controller_step(const steer_def_t *def, double f, double u, double e);

/* ---- the client hash ----
 * The point of a client in [0, 2^32): the high 32 bits of its 64-bit hash
 * (steer_client_hash). A data center with shed fraction f (scaled to
 * steer_fraction_scaled) keeps the clients whose point is at or above it. */
typedef struct steer_key {
    uint64_t hash;  /* XXH3 of the client subnet with the seed */
    uint8_t bits;   /* the subnet's prefix length: the ECS scope the hash depends on */
} steer_key_t;

/* Hash of the client subnet: family (AF_INET or AF_INET6) and address
 * (4 or 16 bytes, network order) cut to prefix_bits (clamped to the
 * family's length), with seed (the same on every instance so that they all
 * agree). Pure, no allocation; any thread. */
steer_key_t steer_client_key(int family, const uint8_t *addr, uint8_t prefix_bits, uint64_t seed);

/* Hash of a name (data center or address text) for rendezvous hashing:
 * stable across reloads and instances. Pure. */
uint64_t steer_name_key(const void *data, size_t len);

/* The query path's rendezvous hashing, inline: XXH3 compiled into the
 * caller (xxHash's header-only mode), and the logarithm from its series. */
#ifndef XXH_INLINE_ALL
#define XXH_INLINE_ALL
#endif
#include <xxhash.h>
#include <math.h>
#include <string.h>

/* The unweighted rendezvous draw of an item with key item_key for client
 * hash h: 64 uniform bits from both. Among items of equal weight the one
 * with the HIGHEST draw wins. Pure. */
static inline uint64_t steer_hrw_draw(uint64_t h, uint64_t item_key)
{
    return XXH3_64bits_withSeed(&h, sizeof(h), item_key);
}

/* -ln(u) for u in (0, 1): u = m 2^e with m in [sqrt(1/2), sqrt(2)), and
 * ln(m) = 2 atanh(s), s = (m - 1) / (m + 1), |s| < 0.172, from six terms
 * of its series (error below 1e-11). Far cheaper than log(3). Pure. */
static inline double steer_neg_log_unit(double u)
{
    uint64_t bits;
    memcpy(&bits, &u, sizeof(bits));
    int e = (int)((bits >> 52) & 0x7ff) - 1023;
    bits = (bits & 0x000fffffffffffffull) | 0x3ff0000000000000ull;
    double m;
    memcpy(&m, &bits, sizeof(m));
    if (m > 1.4142135623730951) {
        m *= 0.5;
        e++;
    }
    double s = (m - 1.0) / (m + 1.0), s2 = s * s;
    double ln_m = 2.0 * s *
                  (1.0 + s2 * (1.0 / 3 + s2 * (1.0 / 5 + s2 * (1.0 / 7 + s2 * (1.0 / 9 + s2 / 11)))));
    return -((double)e * 0.6931471805599453 + ln_m);
}

/* The weighted rendezvous (highest random weight) score of an item with
 * key item_key and weight w > 0 for client hash h: -ln(u) / w with u
 * uniform in (0, 1) from steer_hrw_draw; the item with the LOWEST score
 * wins, so each wins in proportion to its weight, and removing one item
 * only moves the clients it had. w <= 0 gives +inf (never chosen unless all
 * are). Pure. */
static inline double steer_hrw_score(uint64_t h, uint64_t item_key, double w)
{
    if (!(w > 0)) {
        return INFINITY;
    }
    uint64_t x = steer_hrw_draw(h, item_key);
    /* 53 random bits, never 0, so -ln(u) is finite and > 0. */
    double u = ((double)(x >> 11) + 0.5) * (1.0 / 9007199254740992.0);
    return steer_neg_log_unit(u) / w;
}

/* A fraction 0..1 scaled to the client point's range [0, 2^32]. */
static inline uint64_t steer_fraction_scaled(double f)
{
    if (!(f > 0)) {
        return 0;
    }
    if (f >= 1) {
        return 1ull << 32;
    }
    return (uint64_t)(f * 4294967296.0);
}

/* ---- live state: one slot per data center with a load feed ----
 * The registry lives as long as the process (like health_t): a reload
 * hands it the new data centers (steer_apply) and a data center that keeps
 * its name keeps its slot, load figures and shed fraction. Workers read a
 * slot's published values with relaxed atomic loads; the health thread is
 * the only writer (control pushes are stored for it and read on its next
 * step). */
typedef struct steer steer_t;

/* What one published slot holds (workers read these). */
typedef struct steer_slot_pub {
    _Atomic uint64_t shed;      /* shed fraction scaled by steer_fraction_scaled */
    _Atomic uint64_t util_bits; /* double: utilisation the policy uses (target when stale) */
} steer_slot_pub_t;

/* One data center for steer_apply. Borrowed for the call. */
typedef struct steer_dc_in {
    const char *name;
    double capacity;             /* configured capacity (operator's unit) */
    const steer_def_t *def;      /* feed STEER_FEED_NONE: no slot */
    const uint32_t *probe_slots; /* STEER_FEED_PROBE: health slots of its resources */
    size_t probe_slot_count;
} steer_dc_in_t;

/* Create the registry with room for capacity slots; health (borrowed, may
 * be NULL) is where probe-fed figures are read. Never fails. Main thread. */
steer_t *steer_new(size_t capacity, health_t *health);

/* Stop the controller and free everything; NULL does nothing. Main thread,
 * after the health thread is stopped. */
void steer_free(steer_t *st);

/* Register the controller on the health thread (health_tick_set) with the
 * steering interval and Prometheus server of def (NULL = defaults, none).
 * Returns 0 or -GSLB_EINVAL. Main thread, before health_start. */
int steer_start(steer_t *st, unsigned interval_ms, const steer_prom_def_t *prom);

/* Replace the set of data centers: slots[i] gets dcs[i]'s slot
 * (STEER_SLOT_NONE without a feed). A name that had a slot keeps it and its
 * state; slots of names no longer present are retired and reused only after
 * steer_slots_reclaim. Returns 0 or -GSLB_ENOSPACE (nothing changed). The
 * load path's thread; the controller picks the change up at its next step. */
int steer_apply(steer_t *st, const steer_dc_in_t *dcs, size_t n, uint32_t *slots);

/* Free the retired slots (after the RCU grace period of the snapshot that
 * no longer uses them). Load path's thread; st may be NULL. */
void steer_slots_reclaim(steer_t *st);

/* The published values of slot (STEER_SLOT_NONE or out of range: NULL).
 * The pointer is stable for the registry's life. Any thread. */
const steer_slot_pub_t *steer_slot_pub(const steer_t *st, uint32_t slot);

/* A figure pushed through the control endpoint for the data center called
 * name, in its unit. Returns 0, -GSLB_ENOTFOUND (no such data center with a
 * slot) or -GSLB_EINVAL (its feed is not "control", or value is not a
 * finite number >= 0). Any control thread. */
int steer_push(steer_t *st, const char *name, double value);

/* A copy of a slot's state for status pages, explain and metrics (takes the
 * registry lock; never per query). */
typedef struct steer_slot_info {
    char name[64];
    steer_feed_t feed;
    double capacity;
    double load;         /* last figure in the feed's unit; NAN = none yet */
    double util;         /* utilisation the policy uses now */
    double age_s;        /* since the last fresh figure; INFINITY = never */
    bool is_stale;       /* no figure within max_age */
    double shed;         /* shed fraction */
    double target;
    uint64_t stale_events; /* transitions into stale */
    uint64_t samples;      /* figures received */
    char error[128];       /* why the last attempt to read a figure failed, "" = none */
} steer_slot_info_t;
int steer_slot_info(const steer_t *st, uint32_t slot, steer_slot_info_t *out);

/* Run one controller step now with the given monotonic time in ms (the
 * health thread's timer calls it; tests and the simulator call it
 * directly). Health thread only once steer_start was called. */
void steer_step(steer_t *st, double now_ms);

#endif
