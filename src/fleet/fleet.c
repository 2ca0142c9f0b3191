/* fleet: the fleet's lifetime, its definition, and what other threads read and hand over. */
#include "fleet_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char *dup_or_null(const char *s)
{
    return s != NULL ? xstrdup(s) : NULL;
}

static void def_copy(fleet_def_t *dst, const fleet_def_t *src)
{
    *dst = *src;
    dst->instance = dup_or_null(src->instance);
    dst->endpoints = xcalloc(src->endpoint_count ? src->endpoint_count : 1, sizeof(char *));
    for (size_t i = 0; i < src->endpoint_count; i++) {
        dst->endpoints[i] = xstrdup(src->endpoints[i]);
    }
    dst->prefix = xstrdup(src->prefix != NULL ? src->prefix : FLEET_DEFAULT_PREFIX);
    dst->username = dup_or_null(src->username);
    dst->password = dup_or_null(src->password);
    dst->tls_ca_file = dup_or_null(src->tls_ca_file);
    dst->tls_cert_file = dup_or_null(src->tls_cert_file);
    dst->tls_key_file = dup_or_null(src->tls_key_file);
    if (dst->lease_ttl_s < 2) {
        dst->lease_ttl_s = FLEET_DEFAULT_LEASE_TTL_S;
    }
    if (dst->timeout_ms == 0) {
        dst->timeout_ms = FLEET_DEFAULT_TIMEOUT_MS;
    }
}

int fleet_new(fleet_t **out, const fleet_def_t *def, health_t *h, char *err, size_t errlen)
{
    *out = NULL;
    if (def == NULL || !def->is_enabled || def->instance == NULL || h == NULL) {
        snprintf(err, errlen, "no fleet configured");
        return -GSLB_EINVAL;
    }
    fleet_t *f = xcalloc(1, sizeof(*f));
    def_copy(&f->def, def);
    f->health = h;
    pthread_mutex_init(&f->mu, NULL);
    pthread_cond_init(&f->cond, NULL);
    f->published = json_object();
    f->txn_sent = json_object();
    f->events_during_range = json_array();
    f->view.verdicts = json_object();
    f->view.members = json_object();
    f->view.overrides = json_object();
    f->view.loads = json_object();
    f->queue = json_array();
    f->last_ok_ms = -1e18;
    f->stats.last_contact_age_s = -1;
    /* Out of contact once two keep-alives in a row went unanswered (and at
     * least one request timeout has passed), so one lost request or a
     * failover to the next endpoint does not count. */
    unsigned keepalive_ms = f->def.lease_ttl_s * 1000 / 3;
    f->contact_ms = 2 * keepalive_ms > 2 * f->def.timeout_ms ? 2 * keepalive_ms
                                                              : 2 * f->def.timeout_ms;
    int rc = fleet_client_init(f, err, errlen);
    if (rc == 0 && health_tick_add(h, FLEET_TICK_MS, fleet_tick, f) != 0) {
        snprintf(err, errlen, "cannot add the fleet's periodic hook to the health thread");
        rc = -GSLB_EINVAL;
    }
    if (rc != 0) {
        fleet_free(f);
        return rc;
    }
    *out = f;
    return 0;
}

void fleet_free(fleet_t *f)
{
    if (f == NULL) {
        return;
    }
    fleet_reqs_drop(f);
    fleet_client_free(f);
    free(f->token);
    json_decref(f->published);
    json_decref(f->txn_sent);
    json_decref(f->events_during_range);
    fleet_view_clear(&f->view);
    json_decref(f->queue);
    pthread_cond_destroy(&f->cond);
    pthread_mutex_destroy(&f->mu);
    fleet_def_clear(&f->def);
    free(f);
}

bool fleet_wait_synced(fleet_t *f, unsigned timeout_ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&f->mu);
    while (!f->is_synced_pub) {
        if (pthread_cond_timedwait(&f->cond, &f->mu, &until) == ETIMEDOUT) {
            break;
        }
    }
    bool ok = f->is_synced_pub;
    pthread_mutex_unlock(&f->mu);
    return ok;
}

void fleet_config_set(fleet_t *f, uint64_t generation, const char *checksum, uint64_t hash_seed)
{
    if (f == NULL) {
        return;
    }
    pthread_mutex_lock(&f->mu);
    f->config_generation = generation;
    snprintf(f->config_checksum, sizeof(f->config_checksum), "%s", checksum);
    f->hash_seed = hash_seed;
    f->is_config_dirty = true;
    pthread_mutex_unlock(&f->mu);
}

static void enqueue(fleet_t *f, char *key, char *value)
{
    pthread_mutex_lock(&f->mu);
    json_array_append_new(f->queue, json_pack("{s:s, s:s?}", "key", key, "value", value));
    pthread_mutex_unlock(&f->mu);
    free(key);
    free(value);
}

void fleet_override_put(fleet_t *f, bool is_resource, const char *key, const json_t *value)
{
    if (f == NULL) {
        return;
    }
    char *text = value != NULL ? json_dumps(value, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    enqueue(f, fleet_key_override(f, is_resource, key), text);
}

void fleet_load_put(fleet_t *f, const char *dc, double value)
{
    if (f == NULL) {
        return;
    }
    json_t *j = json_pack("{s:f}", "value", value);
    char *text = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(17));
    json_decref(j);
    enqueue(f, fleet_key_load(f, dc), text);
}

bool fleet_hash_seed(const fleet_t *f, uint64_t *out)
{
    if (f == NULL) {
        return false;
    }
    pthread_mutex_t *mu = (pthread_mutex_t *)&f->mu;
    pthread_mutex_lock(mu);
    bool has = f->has_view && f->view.has_seed;
    if (has) {
        *out = f->view.seed;
    }
    pthread_mutex_unlock(mu);
    return has;
}

uint64_t fleet_shared_generation(const fleet_t *f)
{
    if (f == NULL) {
        return 0;
    }
    pthread_mutex_t *mu = (pthread_mutex_t *)&f->mu;
    pthread_mutex_lock(mu);
    uint64_t g = f->shared_gen;
    pthread_mutex_unlock(mu);
    return g;
}

bool fleet_writes_settled(const fleet_t *f)
{
    if (f == NULL) {
        return true;
    }
    pthread_mutex_t *mu = (pthread_mutex_t *)&f->mu;
    pthread_mutex_lock(mu);
    bool ok = json_array_size(f->queue) == 0 && !f->writes_in_flight &&
              f->view.revision >= f->write_revision;
    pthread_mutex_unlock(mu);
    return ok;
}

fleet_mode_t fleet_mode(const fleet_t *f)
{
    if (f == NULL) {
        return FLEET_MODE_LOCAL;
    }
    pthread_mutex_t *mu = (pthread_mutex_t *)&f->mu;
    pthread_mutex_lock(mu);
    fleet_mode_t m = f->mode;
    pthread_mutex_unlock(mu);
    return m;
}

json_t *fleet_overrides_json(const fleet_t *f)
{
    pthread_mutex_t *mu = (pthread_mutex_t *)&f->mu;
    pthread_mutex_lock(mu);
    json_t *j = f->has_view ? json_deep_copy(f->view.overrides) : NULL;
    pthread_mutex_unlock(mu);
    return j;
}

json_t *fleet_loads_json(const fleet_t *f)
{
    pthread_mutex_t *mu = (pthread_mutex_t *)&f->mu;
    pthread_mutex_lock(mu);
    json_t *j = json_deep_copy(f->view.loads);
    pthread_mutex_unlock(mu);
    return j;
}

void fleet_stats_get(const fleet_t *f, fleet_stats_t *out)
{
    pthread_mutex_t *mu = (pthread_mutex_t *)&f->mu;
    pthread_mutex_lock(mu);
    *out = f->stats;
    double last = f->last_ok_ms;
    pthread_mutex_unlock(mu);
    out->last_contact_age_s = last > 0 ? (health_monotonic_ms() - last) / 1000.0 : -1;
}

json_t *fleet_status_json(const fleet_t *f)
{
    fleet_stats_t st;
    fleet_stats_get(f, &st);
    char qbuf[16];
    pthread_mutex_t *mu = (pthread_mutex_t *)&f->mu;
    pthread_mutex_lock(mu);
    json_t *members = json_array();
    bool is_mismatch = false, is_seed_mismatch = false;
    char own_seed[24];
    snprintf(own_seed, sizeof(own_seed), "%llu", (unsigned long long)f->hash_seed);
    const char *name;
    json_t *m;
    json_object_foreach(f->view.members, name, m) {
        json_t *e = json_deep_copy(m);
        json_object_set_new(e, "instance", json_string(name));
        json_object_set_new(e, "self", json_boolean(strcmp(name, f->def.instance) == 0));
        const char *sum = json_string_value(json_object_get(m, "config_checksum"));
        const char *seed = json_string_value(json_object_get(m, "hash_seed"));
        is_mismatch |= sum == NULL || strcmp(sum, f->config_checksum) != 0;
        is_seed_mismatch |= seed == NULL || strcmp(seed, own_seed) != 0;
        json_array_append_new(members, e);
    }
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:I, s:I, s:I, s:I, s:I, s:b, s:b}",
                          "instance", f->def.instance, "mode", fleet_mode_name(st.mode),
                          "quorum", fleet_quorum_name(&f->def.quorum, qbuf, sizeof(qbuf)),
                          "prefix", f->def.prefix,
                          "last_contact_s",
                          st.last_contact_age_s >= 0 ? json_real(st.last_contact_age_s)
                                                     : json_null(),
                          "members", members, "verdicts_published",
                          (json_int_t)f->own_verdicts, "etcd_requests",
                          (json_int_t)st.requests, "etcd_failures", (json_int_t)st.failures,
                          "etcd_writes", (json_int_t)st.writes, "keepalives",
                          (json_int_t)st.keepalives, "config_mismatch", is_mismatch,
                          "hash_seed_mismatch", is_seed_mismatch);
    pthread_mutex_unlock(mu);
    return j;
}
