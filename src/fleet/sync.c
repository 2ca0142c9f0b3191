/* fleet: the periodic hook on the health thread: lease, member key, own verdicts, queued
 * writes, the watch and full reads, the mode, and the shared verdict of every keyed slot. */
#include "fleet_int.h"

#include <event2/event.h>

#include <stdlib.h>
#include <string.h>

/* After a failed watch, wait this long before the next one. */
#define WATCH_RETRY_MS 1000
/* After a failed keep-alive, try again this soon (the lease may still live). */
#define KEEPALIVE_RETRY_MS 500

static json_t *kv_put(const char *key, const char *value, int64_t lease)
{
    char *k = fleet_b64_encode(key, strlen(key));
    char *v = fleet_b64_encode(value, strlen(value));
    json_t *j = json_pack("{s:s, s:s}", "key", k, "value", v);
    if (lease != 0) {
        json_object_set_new(j, "lease", json_integer(lease));
    }
    free(k);
    free(v);
    return j;
}

static json_t *kv_delete(const char *key)
{
    char *k = fleet_b64_encode(key, strlen(key));
    json_t *j = json_pack("{s:s}", "key", k);
    free(k);
    return j;
}

static json_int_t int64_field(const json_t *o, const char *name)
{
    const json_t *x = json_object_get(o, name);
    if (json_is_integer(x)) {
        return json_integer_value(x);
    }
    const char *s = json_string_value(x);
    return s != NULL ? strtoll(s, NULL, 10) : 0;
}

static void count_writes(fleet_t *f, uint64_t proposals, uint64_t verdicts)
{
    pthread_mutex_lock(&f->mu);
    f->stats.writes += proposals;
    f->stats.verdicts_published += verdicts;
    pthread_mutex_unlock(&f->mu);
}

/* ---- the lease ---- */

static void grant_done(fleet_t *f, void *arg, int rc, json_t *body, const char *error)
{
    (void)arg;
    f->is_grant_busy = false;
    int64_t id = rc == 0 ? int64_field(body, "ID") : 0;
    if (id == 0) {
        log_debug("fleet: etcd: cannot get a lease (%s)", rc != 0 ? error : "no ID");
        return;
    }
    f->lease_id = id;
    f->is_dirty = true;
    json_object_clear(f->published);
    f->is_member_dirty = true;
    f->next_keepalive_ms = health_monotonic_ms() + f->def.lease_ttl_s * 1000.0 / 3;
    log_info("fleet: instance '%s': lease %lld granted (ttl %u s)", f->def.instance,
             (long long)id, f->def.lease_ttl_s);
}

static void keepalive_done(fleet_t *f, void *arg, int rc, json_t *body, const char *error)
{
    (void)arg;
    f->is_keepalive_busy = false;
    double now = health_monotonic_ms();
    if (rc != 0) {
        log_debug("fleet: etcd: keep-alive failed (%s)", error);
        f->next_keepalive_ms = now + KEEPALIVE_RETRY_MS;
        return;
    }
    pthread_mutex_lock(&f->mu);
    f->stats.keepalives++;
    pthread_mutex_unlock(&f->mu);
    f->next_keepalive_ms = now + f->def.lease_ttl_s * 1000.0 / 3;
    /* An expired lease answers without a TTL (or with 0): its keys are gone,
     * so a new lease is taken and everything published again. */
    if (int64_field(json_object_get(body, "result"), "TTL") <= 0) {
        log_warn("fleet: instance '%s': lease %lld expired; publishing again", f->def.instance,
                 (long long)f->lease_id);
        f->lease_id = 0;
    }
}

static void ping_done(fleet_t *f, void *arg, int rc, json_t *body, const char *error)
{
    (void)arg;
    (void)body;
    (void)rc;
    (void)error;
    f->is_ping_busy = false;
}

/* A read of one key as often as the lease is renewed: what tells that the
 * shared state can still be read (fleet_call counts successful key space
 * requests as contact; a keep-alive alone may pass where reads fail). */
static void ping_step(fleet_t *f, double now_ms)
{
    if (f->is_ping_busy || now_ms < f->next_ping_ms) {
        return;
    }
    f->next_ping_ms = now_ms + f->def.lease_ttl_s * 1000.0 / 3;
    f->is_ping_busy = true;
    char *key = fleet_key_member(f, f->def.instance);
    char *k = fleet_b64_encode(key, strlen(key));
    fleet_call(f, "/v3/kv/range", json_pack("{s:s, s:b}", "key", k, "count_only", 1), ping_done,
               NULL);
    free(k);
    free(key);
}

static void lease_step(fleet_t *f, double now_ms)
{
    if (f->lease_id == 0 && !f->is_grant_busy) {
        f->is_grant_busy = true;
        count_writes(f, 1, 0);
        fleet_call(f, "/v3/lease/grant", json_pack("{s:i}", "TTL", (int)f->def.lease_ttl_s),
                   grant_done, NULL);
    } else if (f->lease_id != 0 && !f->is_keepalive_busy && now_ms >= f->next_keepalive_ms) {
        f->is_keepalive_busy = true;
        fleet_call(f, "/v3/lease/keepalive", json_pack("{s:I}", "ID", (json_int_t)f->lease_id),
                   keepalive_done, NULL);
    }
}

/* ---- the member key ---- */

static void member_done(fleet_t *f, void *arg, int rc, json_t *body, const char *error)
{
    (void)arg;
    (void)body;
    f->is_member_busy = false;
    if (rc != 0) {
        f->is_member_dirty = true;
        log_debug("fleet: etcd: member key not written (%s)", error);
    }
}

static void member_step(fleet_t *f)
{
    if (f->lease_id == 0 || !f->is_member_dirty || f->is_member_busy) {
        return;
    }
    pthread_mutex_lock(&f->mu);
    char seed[24];
    snprintf(seed, sizeof(seed), "%llu", (unsigned long long)f->hash_seed);
    json_t *m = json_pack("{s:s, s:I, s:s, s:s}", "instance", f->def.instance,
                          "config_generation", (json_int_t)f->config_generation,
                          "config_checksum", f->config_checksum, "hash_seed", seed);
    pthread_mutex_unlock(&f->mu);
    char *text = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(m);
    char *key = fleet_key_member(f, f->def.instance);
    f->is_member_dirty = false;
    f->is_member_busy = true;
    count_writes(f, 1, 0);
    fleet_call(f, "/v3/kv/put", kv_put(key, text, f->lease_id), member_done, NULL);
    free(key);
    free(text);
}

/* ---- the client hash seed ----
 * The first instance to find no seed in etcd writes its configured one, in a
 * transaction that only puts it while the key does not exist: every instance
 * then hashes clients with that one, whatever its own file says. */

static void seed_done(fleet_t *f, void *arg, int rc, json_t *body, const char *error)
{
    (void)arg;
    (void)body;
    f->is_seed_busy = false;
    if (rc != 0) {
        log_debug("fleet: etcd: hash seed not written (%s)", error);
        return;
    }
    f->want_range = true;
}

static void seed_step(fleet_t *f)
{
    pthread_mutex_lock(&f->mu);
    bool is_needed = f->has_view && !f->view.has_seed && f->config_generation != 0;
    char seed[24];
    snprintf(seed, sizeof(seed), "%llu", (unsigned long long)f->hash_seed);
    pthread_mutex_unlock(&f->mu);
    if (!is_needed || f->is_seed_busy || !f->has_synced) {
        return;
    }
    char *key = fleet_key_seed(f);
    char *k64 = fleet_b64_encode(key, strlen(key));
    json_t *txn = json_pack("{s:[{s:s, s:s, s:s, s:s}], s:[{s:o}]}", "compare", "key", k64,
                            "target", "CREATE", "result", "EQUAL", "create_revision", "0",
                            "success", "requestPut", kv_put(key, seed, 0));
    free(k64);
    free(key);
    f->is_seed_busy = true;
    count_writes(f, 1, 0);
    fleet_call(f, "/v3/kv/txn", txn, seed_done, NULL);
}

/* ---- queued writes (overrides, loads) ---- */

static void queue_done(fleet_t *f, void *arg, int rc, json_t *body, const char *error)
{
    json_t *ops = arg;
    f->is_queue_busy = false;
    if (rc == -GSLB_EINVAL) {
        /* etcd refused them (no permission on the prefix, a value too
         * large): they would block every later write. */
        log_err("fleet: etcd refused %zu shared overrides or load figures (%s); dropped",
                json_array_size(ops), error);
        json_decref(ops);
        pthread_mutex_lock(&f->mu);
        f->writes_in_flight = false;
        pthread_mutex_unlock(&f->mu);
        return;
    }
    if (rc != 0) {
        /* Back to the front of the queue, in order, for the next turn. */
        log_debug("fleet: etcd: %zu queued writes not taken (%s)", json_array_size(ops), error);
        pthread_mutex_lock(&f->mu);
        json_array_extend(ops, f->queue);
        json_decref(f->queue);
        f->queue = ops;
        f->writes_in_flight = false;
        pthread_mutex_unlock(&f->mu);
        return;
    }
    json_decref(ops);
    f->want_range = true;
    json_int_t rev = int64_field(json_object_get(body, "header"), "revision");
    pthread_mutex_lock(&f->mu);
    f->writes_in_flight = false;
    if (rev > f->write_revision) {
        f->write_revision = rev;
    }
    pthread_mutex_unlock(&f->mu);
}

static void queue_step(fleet_t *f)
{
    if (f->is_queue_busy) {
        return;
    }
    pthread_mutex_lock(&f->mu);
    size_t n = json_array_size(f->queue);
    if (n == 0) {
        pthread_mutex_unlock(&f->mu);
        return;
    }
    /* One transaction per turn, each key once in it (etcd refuses a key
     * twice in one transaction): a later write of the same key waits. */
    json_t *ops = json_array();
    json_t *keys = json_object();
    json_t *rest = json_array();
    size_t i;
    json_t *op;
    json_array_foreach(f->queue, i, op) {
        const char *key = json_string_value(json_object_get(op, "key"));
        if (json_array_size(ops) < FLEET_TXN_OPS && json_object_get(keys, key) == NULL &&
            json_array_size(rest) == 0) {
            json_object_set_new(keys, key, json_true());
            json_array_append(ops, op);
        } else {
            json_array_append(rest, op);
        }
    }
    json_decref(f->queue);
    f->queue = rest;
    f->writes_in_flight = true;
    pthread_mutex_unlock(&f->mu);
    json_decref(keys);
    json_t *success = json_array();
    json_array_foreach(ops, i, op) {
        const char *key = json_string_value(json_object_get(op, "key"));
        const char *value = json_string_value(json_object_get(op, "value"));
        json_array_append_new(success,
                              value != NULL
                                  ? json_pack("{s:o}", "requestPut", kv_put(key, value, 0))
                                  : json_pack("{s:o}", "requestDeleteRange", kv_delete(key)));
    }
    f->is_queue_busy = true;
    count_writes(f, 1, 0);
    fleet_call(f, "/v3/kv/txn", json_pack("{s:o}", "success", success), queue_done, ops);
}

/* ---- own verdicts ---- */

static void txn_done(fleet_t *f, void *arg, int rc, json_t *body, const char *error)
{
    (void)arg;
    (void)body;
    f->is_txn_busy = false;
    if (rc != 0) {
        log_debug("fleet: etcd: verdicts not written (%s)", error);
    } else {
        const char *k;
        json_t *v;
        json_object_foreach(f->txn_sent, k, v) {
            if (json_is_null(v)) {
                json_object_del(f->published, k);
            } else {
                json_object_set(f->published, k, v);
            }
        }
        pthread_mutex_lock(&f->mu);
        f->own_verdicts = json_object_size(f->published);
        pthread_mutex_unlock(&f->mu);
    }
    json_object_clear(f->txn_sent);
    f->is_dirty = true; /* more may wait, or the failed ones go again */
}

/* Verdicts that changed since etcd last took them (all of them after a
 * new lease), and deletes for resources no longer probed; at most one
 * transaction in flight. */
static void verdicts_step(fleet_t *f, const health_slot_ref_t *list, size_t n)
{
    if (f->lease_id == 0 || f->is_txn_busy) {
        return;
    }
    json_t *success = json_array();
    json_t *current = json_object();
    for (size_t i = 0; i < n; i++) {
        json_object_set_new(current, list[i].fleet_key, json_true());
        if (!list[i].has_result || json_array_size(success) >= FLEET_TXN_OPS) {
            continue;
        }
        json_t *had = json_object_get(f->published, list[i].fleet_key);
        if (had != NULL && json_is_true(had) == list[i].is_up) {
            continue;
        }
        char *key = fleet_key_verdict(f, f->def.instance, list[i].fleet_key);
        json_array_append_new(success, json_pack("{s:o}", "requestPut",
                                                 kv_put(key, list[i].is_up ? "up" : "down",
                                                        f->lease_id)));
        json_object_set_new(f->txn_sent, list[i].fleet_key, json_boolean(list[i].is_up));
        free(key);
    }
    const char *k;
    json_t *v;
    json_object_foreach(f->published, k, v) {
        if (json_object_get(current, k) == NULL && json_array_size(success) < FLEET_TXN_OPS) {
            char *key = fleet_key_verdict(f, f->def.instance, k);
            json_array_append_new(success, json_pack("{s:o}", "requestDeleteRange",
                                                     kv_delete(key)));
            json_object_set_new(f->txn_sent, k, json_null());
            free(key);
        }
    }
    json_decref(current);
    size_t ops = json_array_size(success);
    if (ops == 0) {
        json_decref(success);
        return;
    }
    f->is_txn_busy = true;
    count_writes(f, 1, ops);
    fleet_call(f, "/v3/kv/txn", json_pack("{s:o}", "success", success), txn_done, NULL);
}

static void apply_step(fleet_t *f, fleet_mode_t mode, const health_slot_ref_t *list, size_t n);

/* Live instances seen (this one included once it has a lease); mu held. */
static void members_count(fleet_t *f)
{
    f->stats.members = json_object_size(f->view.members);
    if (json_object_get(f->view.members, f->def.instance) == NULL && f->lease_id != 0) {
        f->stats.members++;
    }
}
static void mode_step(fleet_t *f, fleet_mode_t mode);

/* ---- reading the shared state ---- */

static void range_done(fleet_t *f, void *arg, int rc, json_t *body, const char *error)
{
    (void)arg;
    f->is_range_busy = false;
    if (rc != 0) {
        json_array_clear(f->events_during_range);
        log_debug("fleet: etcd: cannot read the shared state (%s)", error);
        return;
    }
    fleet_view_t v;
    size_t skipped = 0;
    if (fleet_view_parse(f->def.prefix, body, &v, &skipped) != 0) {
        json_array_clear(f->events_during_range);
        log_warn("fleet: etcd: the answer to a range is not one; ignored");
        return;
    }
    if (skipped > 0) {
        log_debug("fleet: etcd: %zu keys under '%s' do not fit the layout; ignored", skipped,
                  f->def.prefix);
    }
    /* Watch events that arrived while the read was in flight may be newer
     * than it: they go on top (those it already has are skipped). */
    size_t i;
    json_t *result;
    bool is_ignored = false;
    json_array_foreach(f->events_during_range, i, result) {
        fleet_view_apply(f->def.prefix, &v, result, &is_ignored);
    }
    json_array_clear(f->events_during_range);
    pthread_mutex_lock(&f->mu);
    bool is_changed = !f->has_view || !json_equal(f->view.overrides, v.overrides) ||
                      !json_equal(f->view.loads, v.loads) || f->view.has_seed != v.has_seed ||
                      f->view.seed != v.seed;
    fleet_view_clear(&f->view);
    f->view = v;
    f->has_view = true;
    members_count(f);
    f->shared_gen += is_changed;
    /* Members hashing clients with another seed send them elsewhere. */
    char own_seed[24];
    snprintf(own_seed, sizeof(own_seed), "%llu", (unsigned long long)f->hash_seed);
    const char *other = NULL;
    const char *name;
    json_t *m;
    json_object_foreach(f->view.members, name, m) {
        const char *seed = json_string_value(json_object_get(m, "hash_seed"));
        if (f->config_generation != 0 && seed != NULL && strcmp(seed, own_seed) != 0) {
            other = name;
        }
    }
    if (other != NULL && !f->is_seed_warned) {
        log_warn("fleet: instance '%s' hashes clients with another seed than '%s' (%s): "
                 "the same client may get different data centers; set the same "
                 "steering: hash_seed everywhere", other, f->def.instance, own_seed);
    }
    f->is_seed_warned = other != NULL;
    bool was_synced = f->is_synced_pub;
    size_t members = f->stats.members;
    pthread_mutex_unlock(&f->mu);
    f->has_synced = true;
    f->is_dirty = true;
    if (!was_synced) {
        /* The warm start: the mode and the slots' verdicts are the fleet's
         * before fleet_wait_synced lets the server answer (and ctl take the
         * shared overrides). */
        mode_step(f, FLEET_MODE_SHARED);
        health_slot_ref_t *list;
        size_t n = health_slots_list(f->health, &list);
        apply_step(f, FLEET_MODE_SHARED, list, n);
        health_slots_list_free(list, n);
        log_info("fleet: instance '%s': shared state read (%zu members)", f->def.instance,
                 members);
    }
    pthread_mutex_lock(&f->mu);
    f->is_synced_pub = true;
    pthread_cond_broadcast(&f->cond);
    pthread_mutex_unlock(&f->mu);
}

/* A watch message: its creation asks for a full read (what changed before
 * it is not in the stream); events update the view in place, once it has
 * been read. mu is taken for the update. */
static void watch_event(fleet_t *f, json_t *result)
{
    if (json_is_true(json_object_get(result, "created")) || !f->has_synced) {
        f->want_range = true;
        return;
    }
    if (json_array_size(json_object_get(result, "events")) == 0) {
        return; /* progress notification */
    }
    if (f->is_range_busy) {
        json_array_append(f->events_during_range, result);
    }
    bool is_shared_changed = false;
    pthread_mutex_lock(&f->mu);
    int rc = fleet_view_apply(f->def.prefix, &f->view, result, &is_shared_changed);
    members_count(f);
    f->shared_gen += is_shared_changed;
    pthread_mutex_unlock(&f->mu);
    if (rc != 0) {
        f->want_range = true;
    }
    f->is_dirty = true;
}

static void watch_end(fleet_t *f, const char *error)
{
    log_debug("fleet: etcd: watch ended (%s)", error);
    /* A watch that lived ended by going quiet (FLEET_WATCH_IDLE_S): a new
     * one at once, so that no change waits for the next full read. One that
     * died young waits a little, as a failing endpoint would. */
    double now = health_monotonic_ms();
    bool is_long_lived = now - f->watch_started_ms > WATCH_RETRY_MS * 5.0;
    f->watch_retry_ms = now + (is_long_lived ? 0 : WATCH_RETRY_MS);
}

static void read_step(fleet_t *f, double now_ms)
{
    if (!f->has_watch && now_ms >= f->watch_retry_ms) {
        f->watch_started_ms = now_ms;
        fleet_watch_start(f, watch_event, watch_end);
    }
    if (f->is_range_busy || !(f->want_range || now_ms >= f->next_range_ms)) {
        return;
    }
    f->want_range = false;
    f->next_range_ms = now_ms + FLEET_RESYNC_MS;
    f->is_range_busy = true;
    char *end = fleet_key_prefix_end(f);
    char *k = fleet_b64_encode(f->def.prefix, strlen(f->def.prefix));
    char *e = fleet_b64_encode(end, strlen(end));
    fleet_call(f, "/v3/kv/range", json_pack("{s:s, s:s}", "key", k, "range_end", e), range_done,
               NULL);
    free(end);
    free(k);
    free(e);
}

/* ---- the slots ---- */

static const char *shared_name(health_shared_t s)
{
    return s == HEALTH_SHARED_UP ? "up" : s == HEALTH_SHARED_DOWN ? "down" : "local";
}

static void apply_step(fleet_t *f, fleet_mode_t mode, const health_slot_ref_t *list, size_t n)
{
    pthread_mutex_lock(&f->mu);
    for (size_t i = 0; i < n; i++) {
        health_shared_t own = !list[i].has_result ? HEALTH_SHARED_NONE
                              : list[i].is_up     ? HEALTH_SHARED_UP
                                                  : HEALTH_SHARED_DOWN;
        health_shared_t d = HEALTH_SHARED_NONE;
        if (mode != FLEET_MODE_LOCAL) {
            d = fleet_view_decide(&f->view, list[i].fleet_key, f->def.instance, own,
                                  &f->def.quorum);
        }
        if (d != list[i].shared) {
            health_slot_set_shared(f->health, list[i].slot, d);
            /* A change of what workers read is news; taking over a state
             * the probe already had is not. */
            bool is_news = list[i].shared != HEALTH_SHARED_NONE
                               ? (d != HEALTH_SHARED_NONE ||
                                  (list[i].shared == HEALTH_SHARED_UP) != list[i].is_up)
                               : (d == HEALTH_SHARED_UP) != list[i].is_up;
            if (is_news) {
                log_info("fleet: resource '%s': shared verdict %s -> %s", list[i].fleet_key,
                         shared_name(list[i].shared), shared_name(d));
            }
        }
    }
    pthread_mutex_unlock(&f->mu);
}

static void mode_step(fleet_t *f, fleet_mode_t mode)
{
    if (mode == f->applied_mode) {
        return;
    }
    fleet_mode_t old = f->applied_mode;
    f->applied_mode = mode;
    f->is_dirty = true;
    pthread_mutex_lock(&f->mu);
    f->mode = mode;
    f->stats.mode = mode;
    f->shared_gen++;
    pthread_mutex_unlock(&f->mu);
    if (mode == FLEET_MODE_SHARED) {
        log_info("fleet: instance '%s': %s -> shared (etcd '%s')", f->def.instance,
                 fleet_mode_name(old), f->eps[f->ep_current].url);
        /* Back in contact: read everything again before trusting the view. */
        f->want_range = true;
    } else if (mode == FLEET_MODE_GRACE) {
        log_warn("fleet: instance '%s': etcd unreachable; keeping the last shared state for "
                 "%u ms", f->def.instance, f->def.grace_ms);
    } else {
        log_warn("fleet: instance '%s': %s -> local: following the local probes and overrides",
                 f->def.instance, fleet_mode_name(old));
    }
}

void fleet_tick(void *arg, struct event_base *base, double now_ms)
{
    fleet_t *f = arg;
    if (base == NULL) {
        fleet_reqs_drop(f);
        return;
    }
    f->base = base;
    fleet_mode_t mode =
        fleet_mode_decide(f->has_synced, f->last_ok_ms, now_ms, f->contact_ms, f->def.grace_ms);
    mode_step(f, mode);
    pthread_mutex_lock(&f->mu);
    bool is_config_new = f->config_generation != 0 && f->is_config_dirty;
    f->is_config_dirty = false;
    pthread_mutex_unlock(&f->mu);
    f->is_member_dirty |= is_config_new;
    if (now_ms >= f->backoff_until_ms) {
        lease_step(f, now_ms);
        ping_step(f, now_ms);
        member_step(f);
        seed_step(f);
        queue_step(f);
        read_step(f, now_ms);
    }
    /* The slots are copied only when something they depend on may have
     * changed: a probe result or shared verdict (the health generation), a
     * new view, lease or mode, a finished transaction, or once a second. */
    uint64_t gen = health_generation(f->health);
    if (gen == f->health_gen && !f->is_dirty && now_ms < f->next_full_ms) {
        return;
    }
    f->health_gen = gen;
    f->is_dirty = false;
    f->next_full_ms = now_ms + 1000;
    health_slot_ref_t *list;
    size_t n = health_slots_list(f->health, &list);
    verdicts_step(f, list, n);
    /* Until the first read, the slots stay with their probes (warm start:
     * main waits for that read before answering). */
    if (f->has_synced || mode == FLEET_MODE_LOCAL) {
        apply_step(f, f->has_synced ? mode : FLEET_MODE_LOCAL, list, n);
    }
    health_slots_list_free(list, n);
}
