/* steer: the registry of load slots: one per data center with a feed, kept across reloads by name. */
#include "steer_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prom.h"

steer_t *steer_new(size_t capacity, health_t *health)
{
    steer_t *st = xcalloc(1, sizeof(*st));
    st->capacity = capacity;
    st->pub = xcalloc(capacity, sizeof(*st->pub));
    st->slots = xcalloc(capacity, sizeof(*st->slots));
    for (size_t i = 0; i < capacity; i++) {
        st->slots[i].st = st;
    }
    st->health = health;
    st->interval_ms = STEER_DEFAULT_INTERVAL_MS;
    pthread_mutex_init(&st->mu, NULL);
    return st;
}

static void slot_clear(steer_slot_t *s)
{
    struct steer *st = s->st;
    steer_def_clear(&s->def);
    free(s->probe_slots);
    memset(s, 0, sizeof(*s));
    s->st = st;
}

void steer_free(steer_t *st)
{
    if (st == NULL) {
        return;
    }
    steer_prom_free(st->prom);
    for (size_t i = 0; i < st->capacity; i++) {
        slot_clear(&st->slots[i]);
    }
    free(st->prom_def.url);
    free(st->slots);
    free(st->pub);
    pthread_mutex_destroy(&st->mu);
    free(st);
}

static char *dup_or_null(const char *s)
{
    return s != NULL ? xstrdup(s) : NULL;
}

/* Copy what the controller needs of one data center into slot s; a slot
 * that keeps its feed keeps its figure and shed fraction. */
static void slot_set(steer_slot_t *s, const steer_dc_in_t *in, bool is_new)
{
    bool same_feed = !is_new && s->def.feed == in->def->feed && s->def.unit == in->def->unit;
    steer_def_clear(&s->def);
    s->def = *in->def;
    s->def.file_path = dup_or_null(in->def->file_path);
    s->def.file_key = dup_or_null(in->def->file_key);
    s->def.prom_query = dup_or_null(in->def->prom_query);
    snprintf(s->name, sizeof(s->name), "%s", in->name);
    s->capacity = in->capacity > 0 ? in->capacity : 1;
    free(s->probe_slots);
    s->probe_slots = NULL;
    s->probe_slot_count = in->probe_slot_count;
    if (in->probe_slot_count > 0) {
        s->probe_slots = xcalloc(in->probe_slot_count, sizeof(*s->probe_slots));
        memcpy(s->probe_slots, in->probe_slots, in->probe_slot_count * sizeof(*s->probe_slots));
    }
    s->prom_generation++;
    s->prom_due_ms = 0;
    s->has_file_stat = false;
    if (!same_feed) {
        /* A figure of another feed or unit means something else: start over
         * (the shed fraction too, as it was a response to that figure). */
        s->load = NAN;
        s->sample_ms = -1;
        s->stepped_ms = -1;
        s->has_pushed = false;
        s->is_stale = false;
        s->since_ms = health_monotonic_ms();
        s->shed = 0;
        s->util = s->def.target;
        s->spare_util = s->def.target;
        s->error[0] = '\0';
    }
}

int steer_apply(steer_t *st, const steer_dc_in_t *dcs, size_t n, uint32_t *slots)
{
    pthread_mutex_lock(&st->mu);
    size_t free_count = 0;
    for (size_t i = 0; i < st->capacity; i++) {
        st->slots[i].is_kept = false;
        free_count += !st->slots[i].is_used && !st->slots[i].is_retired;
    }
    /* First the names that keep their slot, then count the new ones. */
    size_t need = 0;
    for (size_t k = 0; k < n; k++) {
        slots[k] = STEER_SLOT_NONE;
        if (dcs[k].def == NULL || dcs[k].def->feed == STEER_FEED_NONE) {
            continue;
        }
        for (size_t i = 0; i < st->capacity; i++) {
            steer_slot_t *s = &st->slots[i];
            if (s->is_used && !s->is_kept && strncmp(s->name, dcs[k].name, sizeof(s->name)) == 0) {
                s->is_kept = true;
                slots[k] = (uint32_t)i;
                break;
            }
        }
        need += slots[k] == STEER_SLOT_NONE;
    }
    if (need > free_count) {
        for (size_t i = 0; i < st->capacity; i++) {
            st->slots[i].is_kept = false;
        }
        pthread_mutex_unlock(&st->mu);
        return -GSLB_ENOSPACE;
    }
    st->nofeed_capacity = 0;
    for (size_t k = 0; k < n; k++) {
        if (dcs[k].def == NULL || dcs[k].def->feed == STEER_FEED_NONE) {
            st->nofeed_capacity += dcs[k].capacity > 0 ? dcs[k].capacity : 0;
            continue;
        }
        bool is_new = slots[k] == STEER_SLOT_NONE;
        if (is_new) {
            for (size_t i = 0; i < st->capacity; i++) {
                steer_slot_t *s = &st->slots[i];
                if (!s->is_used && !s->is_retired) {
                    slot_clear(s);
                    s->is_used = true;
                    s->is_kept = true;
                    slots[k] = (uint32_t)i;
                    break;
                }
            }
        }
        steer_slot_t *s = &st->slots[slots[k]];
        slot_set(s, &dcs[k], is_new);
        steer_publish(st, slots[k]);
    }
    /* Slots whose data center left: retired until the snapshot that may
     * still read them is gone. */
    for (size_t i = 0; i < st->capacity; i++) {
        steer_slot_t *s = &st->slots[i];
        if (s->is_used && !s->is_kept) {
            s->is_used = false;
            s->is_retired = true;
        }
    }
    pthread_mutex_unlock(&st->mu);
    return 0;
}

void steer_slots_reclaim(steer_t *st)
{
    if (st == NULL) {
        return;
    }
    pthread_mutex_lock(&st->mu);
    for (size_t i = 0; i < st->capacity; i++) {
        steer_slot_t *s = &st->slots[i];
        if (s->is_retired) {
            slot_clear(s);
            atomic_store_explicit(&st->pub[i].shed, 0, memory_order_relaxed);
        }
    }
    pthread_mutex_unlock(&st->mu);
}

const steer_slot_pub_t *steer_slot_pub(const steer_t *st, uint32_t slot)
{
    if (st == NULL || slot >= st->capacity) {
        return NULL;
    }
    return &st->pub[slot];
}

void steer_publish(steer_t *st, size_t i)
{
    steer_slot_t *s = &st->slots[i];
    uint64_t bits;
    double u = s->spare_util;
    memcpy(&bits, &u, sizeof(bits));
    atomic_store_explicit(&st->pub[i].util_bits, bits, memory_order_relaxed);
    atomic_store_explicit(&st->pub[i].shed, steer_fraction_scaled(s->shed),
                          memory_order_relaxed);
}

static steer_slot_t *find_locked(steer_t *st, const char *name)
{
    for (size_t i = 0; i < st->capacity; i++) {
        steer_slot_t *s = &st->slots[i];
        if (s->is_used && strncmp(s->name, name, sizeof(s->name)) == 0) {
            return s;
        }
    }
    return NULL;
}

int steer_push(steer_t *st, const char *name, double value)
{
    if (!isfinite(value) || value < 0) {
        return -GSLB_EINVAL;
    }
    pthread_mutex_lock(&st->mu);
    steer_slot_t *s = find_locked(st, name);
    int rc = 0;
    if (s == NULL) {
        rc = -GSLB_ENOTFOUND;
    } else if (s->def.feed != STEER_FEED_CONTROL) {
        rc = -GSLB_EINVAL;
    } else {
        s->load = value;
        s->sample_ms = health_monotonic_ms();
        s->has_pushed = true;
        s->samples++;
        s->error[0] = '\0';
    }
    pthread_mutex_unlock(&st->mu);
    return rc;
}

int steer_slot_info(const steer_t *st, uint32_t slot, steer_slot_info_t *out)
{
    memset(out, 0, sizeof(*out));
    if (st == NULL || slot >= st->capacity) {
        return -GSLB_ENOTFOUND;
    }
    steer_t *m = (steer_t *)st;
    pthread_mutex_lock(&m->mu);
    const steer_slot_t *s = &st->slots[slot];
    int rc = -GSLB_ENOTFOUND;
    if (s->is_used) {
        double now = health_monotonic_ms();
        snprintf(out->name, sizeof(out->name), "%s", s->name);
        out->feed = s->def.feed;
        out->capacity = s->capacity;
        out->load = s->load;
        out->util = s->util;
        out->age_s = s->sample_ms >= 0 ? (now - s->sample_ms) / 1000.0 : INFINITY;
        out->is_stale = s->is_stale;
        out->shed = s->shed;
        out->target = s->def.target;
        out->stale_events = s->stale_events;
        out->samples = s->samples;
        snprintf(out->error, sizeof(out->error), "%s", s->error);
        rc = 0;
    }
    pthread_mutex_unlock(&m->mu);
    return rc;
}
