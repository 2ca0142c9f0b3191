/* health: the slot registry: health_apply with identity dedup, the state array, slot info. */
#include "health_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const unsigned health_latency_bounds_ms[HEALTH_LATENCY_BUCKETS - 1] = {
    1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000,
};

/* ---- the state array ---- */

/* Publish a change of a state byte: readers that cache what they derived
 * from the array compare generations (health_generation). The release
 * orders the state write before the new generation. */
static void state_changed(health_t *h)
{
    atomic_fetch_add_explicit(&h->generation, 1, memory_order_release);
}

/* Only the health thread writes state bytes (and the thread that owns the
 * registry before it starts), so a plain store does. */
static void state_store(health_t *h, uint32_t slot, bool is_up)
{
    atomic_store_explicit(&h->state[slot], is_up ? HEALTH_ST_UP : 0, memory_order_release);
    state_changed(h);
}

/* A shared verdict, when there is one, is what workers read. */
void health_state_set_probe(health_t *h, uint32_t slot, bool is_up)
{
    uint8_t v = atomic_load_explicit(&h->shared[slot], memory_order_relaxed);
    state_store(h, slot, v == HEALTH_SHARED_NONE ? is_up : v == HEALTH_SHARED_UP);
}

/* A slot handed out or freed forgets the fleet's verdict of its old owner. */
static void state_reset(health_t *h, uint32_t slot, bool is_up)
{
    atomic_store_explicit(&h->shared[slot], HEALTH_SHARED_NONE, memory_order_relaxed);
    state_store(h, slot, is_up);
}

int health_slot_set_shared(health_t *h, uint32_t slot, health_shared_t v)
{
    if (h == NULL || slot >= h->capacity) {
        return -GSLB_ENOTFOUND;
    }
    pthread_mutex_lock(&h->mu);
    const health_probe_t *p = h->slots[slot];
    if (p == NULL) {
        pthread_mutex_unlock(&h->mu);
        return -GSLB_ENOTFOUND;
    }
    if (atomic_load_explicit(&h->shared[slot], memory_order_relaxed) != (uint8_t)v) {
        atomic_store_explicit(&h->shared[slot], (uint8_t)v, memory_order_relaxed);
        health_state_set_probe(h, slot, p->fsm.is_up);
    }
    pthread_mutex_unlock(&h->mu);
    return 0;
}

size_t health_slots_list(const health_t *h, health_slot_ref_t **out)
{
    *out = NULL;
    if (h == NULL) {
        return 0;
    }
    pthread_mutex_t *mu = (pthread_mutex_t *)&h->mu;
    pthread_mutex_lock(mu);
    size_t n = 0;
    for (const health_probe_t *p = h->probes; p != NULL; p = p->next) {
        n += p->fleet_key != NULL && p->slot != HEALTH_SLOT_NONE;
    }
    health_slot_ref_t *list = xcalloc(n ? n : 1, sizeof(*list));
    size_t i = 0;
    for (const health_probe_t *p = h->probes; p != NULL && i < n; p = p->next) {
        if (p->fleet_key == NULL || p->slot == HEALTH_SLOT_NONE) {
            continue;
        }
        list[i].slot = p->slot;
        list[i].is_up = p->fsm.is_up;
        list[i].has_result = p->probes > 0;
        list[i].shared =
            (health_shared_t)atomic_load_explicit(&h->shared[p->slot], memory_order_relaxed);
        list[i].fleet_key = xstrdup(p->fleet_key);
        i++;
    }
    pthread_mutex_unlock(mu);
    *out = list;
    return i;
}

void health_slots_list_free(health_slot_ref_t *list, size_t n)
{
    for (size_t i = 0; list != NULL && i < n; i++) {
        free(list[i].fleet_key);
    }
    free(list);
}

uint64_t health_generation(const health_t *h)
{
    if (h == NULL) {
        return 0;
    }
    return atomic_load_explicit(&((health_t *)h)->generation, memory_order_acquire);
}

bool health_slot_is_up(const health_t *h, uint32_t slot)
{
    /* HEALTH_SLOT_NONE is >= every capacity, so it takes the same exit. */
    if (h == NULL || slot >= h->capacity) {
        return true;
    }
    return (atomic_load_explicit(&h->state[slot], memory_order_relaxed) & HEALTH_ST_UP) != 0;
}

/* ---- lifetime ---- */

int health_new(health_t **out, size_t capacity)
{
    *out = NULL;
    if (capacity >= HEALTH_SLOT_NONE) {
        return -GSLB_EINVAL;
    }
    health_t *h = xcalloc(1, sizeof(*h));
    h->capacity = capacity;
    /* One spare element so that capacity 0 still gets real allocations. */
    h->state = xcalloc(capacity + 1, sizeof(*h->state));
    h->shared = xcalloc(capacity + 1, sizeof(*h->shared));
    h->slots = xcalloc(capacity + 1, sizeof(*h->slots));
    h->free_slots = xcalloc(capacity + 1, sizeof(*h->free_slots));
    h->retired = xcalloc(capacity + 1, sizeof(*h->retired));
    for (size_t i = 0; i < capacity; i++) {
        atomic_init(&h->state[i], HEALTH_ST_UP);
        atomic_init(&h->shared[i], HEALTH_SHARED_NONE);
        /* Pushed from the top down so the lowest slot is handed out first. */
        h->free_slots[i] = (uint32_t)(capacity - 1 - i);
    }
    h->free_count = capacity;
    pthread_mutex_init(&h->mu, NULL);
    pthread_cond_init(&h->cond, NULL);
    int rc = health_thread_init(h);
    if (rc < 0) {
        pthread_cond_destroy(&h->cond);
        pthread_mutex_destroy(&h->mu);
        free(h->retired);
        free(h->free_slots);
        free(h->slots);
        free(h->shared);
        free(h->state);
        free(h);
        return rc;
    }
    *out = h;
    return 0;
}

/* Called by health_free once no thread runs probes any more. */
void health_registry_free(health_t *h)
{
    health_probe_t *p = h->probes;
    while (p != NULL) {
        health_probe_t *next = p->next;
        health_probe_cancel(p);
        health_probe_free(p);
        p = next;
    }
    h->probes = NULL;
    pthread_cond_destroy(&h->cond);
    pthread_mutex_destroy(&h->mu);
    free(h->retired);
    free(h->free_slots);
    free(h->slots);
    free(h->shared);
    free(h->state);
    free(h);
}

static const health_probe_ops_t *ops_for(health_probe_type_t type)
{
    switch (type) {
    case HEALTH_PROBE_TCP:
        return &health_probe_tcp_ops;
    case HEALTH_PROBE_HTTP:
    case HEALTH_PROBE_HTTPS:
        return &health_probe_http_ops;
    case HEALTH_PROBE_DNS:
        return &health_probe_dns_ops;
    case HEALTH_PROBE_EXEC:
        return &health_probe_exec_ops;
    case HEALTH_PROBE_FILE:
        return &health_probe_file_ops;
    default:
        return NULL;
    }
}

void health_probe_free(health_probe_t *p)
{
    if (p == NULL) {
        return;
    }
    health_probe_clear_target(p);
    free(p->name);
    free(p->identity);
    free(p);
}

/* ---- health_apply ---- */

/* Per target scratch data. */
typedef struct apply_def {
    char *id;
    size_t id_len;
    uint64_t hash;
    size_t leader;          /* first target with the same identity; SIZE_MAX when not probed */
    size_t group_next;      /* next target led by the same leader, SIZE_MAX at the end */
    size_t group_tail;      /* leader only: last target of the group */
    health_probe_t *probe;  /* leader only: the probe it maps to */
} apply_def_t;

/* Open-addressing index from identity to an opaque index, sized for n keys. */
typedef struct ident_index {
    size_t mask;
    size_t *vals;           /* SIZE_MAX = empty */
} ident_index_t;

static void index_init(ident_index_t *ix, size_t n)
{
    size_t cap = 16;
    while (cap < 2 * n + 1) {
        cap *= 2;
    }
    ix->mask = cap - 1;
    ix->vals = xmalloc(cap * sizeof(*ix->vals));
    for (size_t i = 0; i < cap; i++) {
        ix->vals[i] = SIZE_MAX;
    }
}

typedef bool (*index_eq_t)(const void *ctx, size_t val, const char *id, size_t len, uint64_t hash);

/* Returns the stored value equal to (id, len), or inserts val and returns SIZE_MAX. */
static size_t index_find_or_add(ident_index_t *ix, const void *ctx, index_eq_t eq, const char *id,
                                size_t len, uint64_t hash, size_t val)
{
    for (size_t pos = hash & ix->mask;; pos = (pos + 1) & ix->mask) {
        if (ix->vals[pos] == SIZE_MAX) {
            if (val != SIZE_MAX) {
                ix->vals[pos] = val;
            }
            return SIZE_MAX;
        }
        if (eq(ctx, ix->vals[pos], id, len, hash)) {
            return ix->vals[pos];
        }
    }
}

static bool def_eq(const void *ctx, size_t val, const char *id, size_t len, uint64_t hash)
{
    const apply_def_t *ad = &((const apply_def_t *)ctx)[val];
    return ad->hash == hash && ad->id_len == len && memcmp(ad->id, id, len) == 0;
}

static bool probe_eq(const void *ctx, size_t val, const char *id, size_t len, uint64_t hash)
{
    const health_probe_t *p = ((health_probe_t *const *)ctx)[val];
    return p->identity_hash == hash && p->identity_len == len && memcmp(p->identity, id, len) == 0;
}

/* The name of target t for logs; *own receives what must be freed. */
static const char *target_name(const health_target_t *t, char **own)
{
    *own = t->name == NULL ? health_target_default_name(t) : NULL;
    return *own != NULL ? *own : t->name;
}

/* The distinct names of a group, in target order, joined by ", ". */
static char *group_name(const health_target_t *targets, const apply_def_t *ads, size_t leader)
{
    char *joined = NULL;
    size_t len = 0;
    for (size_t k = leader; k != SIZE_MAX; k = ads[k].group_next) {
        char *own;
        const char *name = target_name(&targets[k], &own);
        bool is_dup = false;
        for (size_t j = leader; j != k && !is_dup; j = ads[j].group_next) {
            char *other_own;
            is_dup = strcmp(target_name(&targets[j], &other_own), name) == 0;
            free(other_own);
        }
        if (!is_dup) {
            size_t n = strlen(name);
            joined = xrealloc(joined, len + n + 3);
            if (len > 0) {
                memcpy(joined + len, ", ", 2);
                len += 2;
            }
            memcpy(joined + len, name, n + 1);
            len += n;
        }
        free(own);
    }
    return joined;
}

static health_probe_t *probe_new(health_t *h, const health_target_t *t, apply_def_t *ad,
                                 char *name)
{
    health_probe_t *p = xcalloc(1, sizeof(*p));
    p->h = h;
    p->slot = HEALTH_SLOT_NONE;
    p->name = name;
    p->identity = ad->id;
    p->identity_len = ad->id_len;
    p->identity_hash = ad->hash;
    ad->id = NULL;
    health_probe_set_target(p, t);
    p->ops = ops_for(p->def.type);
    p->fsm.is_up = p->def.is_initially_up;
    return p;
}

static void change_free(health_change_t *c)
{
    for (size_t i = 0; i < c->renamed_count; i++) {
        free(c->new_names[i]);
    }
    free(c->new_names);
    free(c->renamed);
    free(c->added);
    free(c->removed);
}

void health_change_commit(health_t *h, health_change_t *c)
{
    /* A removed probe stops here, but its slot is retired, not freed: the
     * snapshot being served still maps a resource to it until the one built
     * with this change is published and every worker has moved over. Until
     * then the slot keeps the state it had (a down address stays down) and
     * is not handed to this change's additions; health_slots_reclaim frees
     * it after the grace period. */
    for (size_t i = 0; i < c->removed_count; i++) {
        health_probe_t *p = c->removed[i];
        health_probe_cancel(p);
        if (p->prev != NULL) {
            p->prev->next = p->next;
        } else {
            h->probes = p->next;
        }
        if (p->next != NULL) {
            p->next->prev = p->prev;
        }
        h->slots[p->slot] = NULL;
        h->slots_used--;
        h->retired[h->retired_count++] = p->slot;
        log_debug("health: resource '%s': probe stopped", p->name);
        health_probe_free(p);
    }
    for (size_t i = 0; i < c->added_count; i++) {
        health_probe_t *p = c->added[i];
        p->slot = h->free_slots[--h->free_count];
        h->slots[p->slot] = p;
        h->slots_used++;
        state_reset(h, p->slot, p->def.is_initially_up);
        p->prev = NULL;
        p->next = h->probes;
        if (h->probes != NULL) {
            h->probes->prev = p;
        }
        h->probes = p;
        if (h->is_started) {
            health_probe_schedule_first(p);
        }
    }
    for (size_t i = 0; i < c->renamed_count; i++) {
        free(c->renamed[i]->name);
        c->renamed[i]->name = c->new_names[i];
        c->new_names[i] = NULL;
    }
}

int health_apply(health_t *h, const health_target_t *targets, size_t n, uint32_t *slots)
{
    if (h == NULL || (n > 0 && (targets == NULL || slots == NULL))) {
        return -GSLB_EINVAL;
    }
    int rc = 0;
    apply_def_t *ads = xcalloc(n + 1, sizeof(*ads));
    health_change_t c = {0};
    ident_index_t defs_ix = {0};
    ident_index_t probes_ix = {0};
    health_probe_t **existing = NULL;
    bool is_locked = false;

    /* Identities and groups of equal targets, without the lock. */
    index_init(&defs_ix, n);
    for (size_t i = 0; i < n; i++) {
        ads[i].leader = SIZE_MAX;
        ads[i].group_next = SIZE_MAX;
        if (targets[i].def == NULL || targets[i].def->type == HEALTH_PROBE_NONE) {
            continue;
        }
        rc = health_target_identity(&targets[i], &ads[i].id, &ads[i].id_len, &ads[i].hash);
        if (rc < 0) {
            goto out;
        }
        size_t j = index_find_or_add(&defs_ix, ads, def_eq, ads[i].id, ads[i].id_len, ads[i].hash,
                                     i);
        if (j == SIZE_MAX) {
            ads[i].leader = i;
            ads[i].group_tail = i;
        } else {
            ads[i].leader = j;
            ads[ads[j].group_tail].group_next = i;
            ads[j].group_tail = i;
        }
    }

    pthread_mutex_lock(&h->mu);
    is_locked = true;

    /* Match each group with a running probe. */
    size_t m = 0;
    for (health_probe_t *p = h->probes; p != NULL; p = p->next) {
        m++;
    }
    existing = xcalloc(m + 1, sizeof(*existing));
    index_init(&probes_ix, m);
    m = 0;
    for (health_probe_t *p = h->probes; p != NULL; p = p->next) {
        p->is_kept = false;
        existing[m] = p;
        index_find_or_add(&probes_ix, existing, probe_eq, p->identity, p->identity_len,
                          p->identity_hash, m);
        m++;
    }
    size_t new_count = 0, kept_count = 0;
    for (size_t i = 0; i < n; i++) {
        if (ads[i].leader != i) {
            continue;
        }
        size_t k = index_find_or_add(&probes_ix, existing, probe_eq, ads[i].id, ads[i].id_len,
                                     ads[i].hash, SIZE_MAX);
        if (k == SIZE_MAX) {
            new_count++;
        } else {
            ads[i].probe = existing[k];
            existing[k]->is_kept = true;
            kept_count++;
        }
    }
    /* Only free slots count: those of the probes removed now are reused
     * after the grace period (health_change_commit). */
    if (new_count > h->free_count) {
        log_err("health: cannot apply %zu probes (%zu new, %zu slots free; slots of removed "
                "probes are reused only once the previous snapshot is retired)",
                n, new_count, h->free_count);
        rc = -GSLB_ENOSPACE;
        goto out;
    }

    /* The change set. */
    c.removed = xcalloc(m - kept_count + 1, sizeof(*c.removed));
    c.added = xcalloc(new_count + 1, sizeof(*c.added));
    c.renamed = xcalloc(kept_count + 1, sizeof(*c.renamed));
    c.new_names = xcalloc(kept_count + 1, sizeof(*c.new_names));
    for (size_t k = 0; k < m; k++) {
        if (!existing[k]->is_kept) {
            c.removed[c.removed_count++] = existing[k];
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (ads[i].leader != i) {
            continue;
        }
        char *name = group_name(targets, ads, i);
        if (ads[i].probe == NULL) {
            ads[i].probe = probe_new(h, &targets[i], &ads[i], name);
            c.added[c.added_count++] = ads[i].probe;
        } else if (strcmp(ads[i].probe->name, name) != 0) {
            c.renamed[c.renamed_count] = ads[i].probe;
            c.new_names[c.renamed_count++] = name;
        } else {
            free(name);
        }
    }

    if (h->is_started) {
        /* The health thread owns the probes' events: hand the change over and
         * wait until it is in, so removed probes are stopped on return. */
        h->pending = &c;
        event_active(h->ev_wake, EV_READ, 0);
        while (h->pending == &c) {
            pthread_cond_wait(&h->cond, &h->mu);
        }
    } else {
        health_change_commit(h, &c);
    }
    for (size_t i = 0; i < n; i++) {
        slots[i] = ads[i].leader == SIZE_MAX ? HEALTH_SLOT_NONE : ads[ads[i].leader].probe->slot;
    }
    log_info("health: applied %zu probes (%zu slots: %zu new, %zu kept, %zu stopped)", n,
             new_count + kept_count, new_count, kept_count, c.removed_count);

out:
    if (is_locked) {
        for (health_probe_t *p = h->probes; p != NULL; p = p->next) {
            p->is_kept = false;
        }
        pthread_mutex_unlock(&h->mu);
    }
    change_free(&c);
    for (size_t i = 0; i < n; i++) {
        free(ads[i].id);
    }
    free(ads);
    free(existing);
    free(defs_ix.vals);
    free(probes_ix.vals);
    return rc;
}

void health_slots_reclaim(health_t *h)
{
    if (h == NULL) {
        return;
    }
    pthread_mutex_lock(&h->mu);
    for (size_t i = 0; i < h->retired_count; i++) {
        uint32_t slot = h->retired[i];
        h->free_slots[h->free_count++] = slot;
        /* A free slot reads as up, like "no probe". */
        state_reset(h, slot, true);
    }
    h->retired_count = 0;
    pthread_mutex_unlock(&h->mu);
}

/* ---- info and names ---- */

int health_slot_info(const health_t *h, uint32_t slot, health_slot_info_t *out)
{
    memset(out, 0, sizeof(*out));
    if (h == NULL || slot >= h->capacity) {
        return -GSLB_ENOTFOUND;
    }
    /* The lock is not part of the logical state; casting it away keeps the
     * read-only signature of the contract. */
    pthread_mutex_t *mu = (pthread_mutex_t *)&h->mu;
    pthread_mutex_lock(mu);
    const health_probe_t *p = h->slots[slot];
    if (p == NULL) {
        pthread_mutex_unlock(mu);
        return -GSLB_ENOTFOUND;
    }
    out->is_up = p->fsm.is_up;
    out->shared = atomic_load_explicit(&h->shared[slot], memory_order_relaxed);
    out->last_reason = p->last_reason;
    out->last_detail = p->last_detail;
    out->last_latency_ms = p->last_latency_ms;
    out->successes = p->fsm.successes;
    out->failures = p->fsm.failures;
    out->probes = p->probes;
    out->probe_failures = p->probe_failures;
    out->last_change = p->last_change;
    out->type = p->def.type;
    memcpy(out->failures_by_reason, p->failures_by_reason, sizeof(out->failures_by_reason));
    snprintf(out->error, sizeof(out->error), "%s", p->error);
    if (p->has_load) {
        double age_ms = health_monotonic_ms() - p->load_at_ms;
        out->has_load = true;
        out->load = p->load;
        out->load_age_ms = age_ms > 0 ? age_ms : 0;
    }
    snprintf(out->load_error, sizeof(out->load_error), "%s", p->load_error);
    snprintf(out->name_buf, sizeof(out->name_buf), "%s", p->name);
    out->name = out->name_buf;
    pthread_mutex_unlock(mu);
    return 0;
}

size_t health_capacity(const health_t *h)
{
    return h != NULL ? h->capacity : 0;
}

int health_stats_get(const health_t *h, health_stats_t *out)
{
    memset(out, 0, sizeof(*out));
    if (h == NULL) {
        return -GSLB_EINVAL;
    }
    pthread_mutex_t *mu = (pthread_mutex_t *)&h->mu;
    pthread_mutex_lock(mu);
    *out = h->stats;
    out->capacity = h->capacity;
    out->slots_used = h->slots_used;
    pthread_mutex_unlock(mu);
    return 0;
}

const char *health_reason_name(health_reason_t r)
{
    static const char *const names[HEALTH_REASON_COUNT] = {
        [HEALTH_REASON_OK] = "ok",         [HEALTH_REASON_TIMEOUT] = "timeout",
        [HEALTH_REASON_REFUSED] = "refused", [HEALTH_REASON_NETWORK] = "network",
        [HEALTH_REASON_STATUS] = "status", [HEALTH_REASON_BODY] = "body",
        [HEALTH_REASON_TLS] = "tls",       [HEALTH_REASON_RCODE] = "rcode",
        [HEALTH_REASON_EXIT] = "exit",     [HEALTH_REASON_FILE] = "file",
    };
    if ((unsigned)r >= HEALTH_REASON_COUNT) {
        return "unknown";
    }
    return names[r];
}

const char *health_admin_name(health_admin_t a)
{
    static const char *const names[] = {
        [HEALTH_ADMIN_NONE] = "none",
        [HEALTH_ADMIN_DRAIN] = "drain",
        [HEALTH_ADMIN_FORCE_UP] = "force-up",
        [HEALTH_ADMIN_FORCE_DOWN] = "force-down",
    };
    if ((unsigned)a >= GSLB_ARRAY_LEN(names)) {
        return "unknown";
    }
    return names[a];
}
