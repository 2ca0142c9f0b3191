/* steer: the controller's periodic step on the health thread: gather figures, mark stale feeds,
 * turn utilisation into shed fractions and publish them. */
#include "steer_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "prom.h"

static double realtime_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The figure as a fraction of capacity. */
static double util_of(const steer_slot_t *s)
{
    return s->def.unit == STEER_UNIT_ABSOLUTE ? s->load / s->capacity : s->load;
}

static bool is_fresh(const steer_slot_t *s, double now_ms)
{
    return s->sample_ms >= 0 && isfinite(s->load) && now_ms - s->sample_ms <= s->def.max_age_ms;
}

/* Staleness: a feed without a figure for max_age stops counting (once
 * logged per episode); a slot that never had one gets max_age from when
 * it got its feed. */
static void stale_update(steer_slot_t *s, double now_ms)
{
    bool fresh = is_fresh(s, now_ms);
    double since = s->sample_ms >= 0 ? s->sample_ms : s->since_ms;
    bool stale = !fresh && now_ms - since > s->def.max_age_ms;
    if (stale && !s->is_stale) {
        s->stale_events++;
        log_warn("steer: datacenter '%s': load feed %s is stale (no figure for %u ms%s%s); "
                 "counting it as at its target %.2f",
                 s->name, steer_feed_name(s->def.feed), s->def.max_age_ms,
                 s->error[0] ? ": " : "", s->error, s->def.target);
    } else if (!stale && s->is_stale) {
        log_info("steer: datacenter '%s': load feed %s is fresh again", s->name,
                 steer_feed_name(s->def.feed));
    }
    s->is_stale = stale;
}

void steer_step(steer_t *st, double now_ms)
{
    pthread_mutex_lock(&st->mu);
    double now_real = realtime_s();
    for (size_t i = 0; i < st->capacity; i++) {
        steer_slot_t *s = &st->slots[i];
        if (!s->is_used) {
            continue;
        }
        if (s->def.feed == STEER_FEED_FILE) {
            steer_file_read(s, now_ms, now_real);
        } else if (s->def.feed == STEER_FEED_PROBE) {
            steer_probe_read(st, s, now_ms);
        }
    }
    steer_prom_poll(st, now_ms);

    /* The fleet's utilisation: every data center, a site without a figure
     * (stale, or none yet) at its target and one without a feed empty, as
     * the spill-over counts them. When it is above a site's target every
     * site is full, and the site aims for the fleet's level instead, so that
     * all end up equally full rather than shedding to each other. */
    double load = 0, cap = st->nofeed_capacity;
    for (size_t i = 0; i < st->capacity; i++) {
        steer_slot_t *s = &st->slots[i];
        if (!s->is_used) {
            continue;
        }
        stale_update(s, now_ms);
        bool has = !s->is_stale && is_fresh(s, now_ms);
        load += (has ? util_of(s) : s->def.target) * s->capacity;
        cap += s->capacity;
    }
    double fleet = cap > 0 ? load / cap : 0;
    for (size_t i = 0; i < st->capacity; i++) {
        steer_slot_t *s = &st->slots[i];
        if (!s->is_used) {
            continue;
        }
        if (s->is_stale || !is_fresh(s, now_ms)) {
            /* No figure to act on: the site counts as at its target (no
             * spare capacity for others) and its shed fraction holds. */
            s->util = s->def.target;
            s->spare_util = s->def.target;
            s->stepped_ms = -1; /* the next fresh figure counts at once */
        } else {
            s->util = util_of(s);
            if (s->sample_ms > s->stepped_ms) {
                /* Smoothed, and snapped once close: a steady figure then
                 * gives steady spill-over weights, and no client moves. */
                s->spare_util += STEER_SPARE_SMOOTHING * (s->util - s->spare_util);
                if (s->stepped_ms < 0 || fabs(s->util - s->spare_util) < STEER_SPARE_SNAP) {
                    s->spare_util = s->util;
                }
                /* One step per new figure: stepping again on the same
                 * figure would act twice on one measurement. */
                double e = fleet > s->def.target ? fleet : s->def.target;
                s->shed = steer_controller_step(&s->def, s->shed, s->util, e);
                s->stepped_ms = s->sample_ms;
            }
        }
        steer_publish(st, i);
    }
    pthread_mutex_unlock(&st->mu);
}

/* The health thread's hook: a step every interval; a last call with no
 * base (the thread has stopped, its base is about to go) frees the
 * Prometheus client's connections first. */
static void tick(void *arg, struct event_base *base, double now_ms)
{
    steer_t *st = arg;
    if (base == NULL) {
        steer_prom_free(st->prom);
        st->prom = NULL;
        st->base = NULL;
        return;
    }
    st->base = base;
    steer_step(st, now_ms);
}

int steer_start(steer_t *st, unsigned interval_ms, const steer_prom_def_t *prom)
{
    st->interval_ms = interval_ms > 0 ? interval_ms : STEER_DEFAULT_INTERVAL_MS;
    if (prom != NULL && prom->url != NULL) {
        st->prom_def = *prom;
        st->prom_def.url = xstrdup(prom->url);
    }
    if (st->health == NULL) {
        return -GSLB_EINVAL;
    }
    return health_tick_set(st->health, st->interval_ms, tick, st);
}
