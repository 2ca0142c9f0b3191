/* steer: internal state of the load registry and its controller. */
#ifndef GSLB_STEER_INT_H
#define GSLB_STEER_INT_H

#include "gslb/health.h"
#include "gslb/steer.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define STEER_NAME_MAX 64
#define STEER_ERROR_MAX 128

/* One data center with a feed. Everything here is under steer_t.mu; the
 * published values the workers read are in steer_t.pub. */
typedef struct steer_slot {
    struct steer *st;    /* back-pointer, for feed callbacks */
    bool is_used;        /* a data center of the current set holds it */
    bool is_retired;     /* its data center left the set: free after reclaim */
    bool is_kept;        /* scratch flag of steer_apply */
    char name[STEER_NAME_MAX];
    steer_def_t def;     /* owned copy */
    double capacity;
    uint32_t *probe_slots;
    size_t probe_slot_count;
    /* The last figure and when it was taken (monotonic ms; < 0 = none). */
    double load;
    double sample_ms;
    double stepped_ms;   /* sample_ms the controller last stepped on */
    double since_ms;     /* when the slot got its feed: a first figure is due within max_age */
    bool has_pushed;     /* control feed: load/sample_ms came from steer_push */
    bool is_stale;
    uint64_t stale_events, samples;
    char error[STEER_ERROR_MAX];
    double shed;         /* the controller's state (also published) */
    double util;         /* utilisation the controller used last */
    double spare_util;   /* published utilisation: util smoothed for spare capacity */
    /* File feed: what the file looked like when it was last read. */
    struct timespec file_mtime;
    off_t file_size;
    bool has_file_stat;
    /* Prometheus feed. */
    double prom_due_ms;  /* next evaluation */
    uint64_t prom_generation; /* bumped by steer_apply: results of older queries are dropped */
} steer_slot_t;

typedef struct steer_prom steer_prom_t;

struct steer {
    size_t capacity;
    steer_slot_pub_t *pub;   /* capacity entries, never moved */
    pthread_mutex_t mu;
    steer_slot_t *slots;     /* (mu) */
    health_t *health;        /* borrowed: probe-fed figures */
    double nofeed_capacity;  /* (mu) capacity of the data centers without a feed: they
                              * count as empty in the fleet's utilisation */
    /* Controller settings (steer_start). */
    unsigned interval_ms;
    steer_prom_def_t prom_def; /* owned copy of the url */
    steer_prom_t *prom;      /* health thread: created on the first step that needs it */
    struct event_base *base; /* health thread's, from the tick */
};

/* Share of a new figure taken into the published (smoothed) utilisation:
 * spill-over goes where spare capacity is, and spare capacity follows the
 * spill-over, so reacting at once to each figure would swing the spill
 * back and forth between sites from one step to the next. */
#define STEER_SPARE_SMOOTHING 0.3
#define STEER_SPARE_SNAP 0.005 /* closer than this to the figure: take the figure */

/* The published utilisation and shed fraction of slot i (mu held). */
void steer_publish(steer_t *st, size_t i);

/* Read the figure of a file feed into s if the file changed (mu held).
 * now_ms monotonic, now_real_s wall clock. */
void steer_file_read(steer_slot_t *s, double now_ms, double now_real_s);

/* Collect the figure of a probe feed from its health slots (mu held). */
void steer_probe_read(steer_t *st, steer_slot_t *s, double now_ms);

/* Start due Prometheus queries (mu held; health thread). */
void steer_prom_poll(steer_t *st, double now_ms);

#endif
