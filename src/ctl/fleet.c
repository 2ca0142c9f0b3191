/* ctl: the fleet's side of the control plane: admin overrides and load figures written to
 * etcd, the shared ones applied when they change, and the configuration each instance serves. */
#include "ctl_int.h"

#include <event2/event.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <urcu.h>

/* How often the main thread looks for shared changes: a drain reaches the
 * workers at most this long after the fleet read it from etcd. */
#define FLEET_POLL_MS 20

void ctl_fleet_config(ctl_t *c, const snapshot_t *s)
{
    if (c->fleet == NULL) {
        return;
    }
    /* The checksum of the file as read now: a fleet whose members print
     * different checksums runs different configurations. */
    char sum[24] = "unreadable";
    FILE *f = fopen(s->conf->path, "rbe");
    if (f != NULL) {
        XXH3_state_t *st = XXH3_createState();
        XXH3_64bits_reset(st);
        char buf[8192];
        size_t n;
        while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
            XXH3_64bits_update(st, buf, n);
        }
        snprintf(sum, sizeof(sum), "%016llx", (unsigned long long)XXH3_64bits_digest(st));
        XXH3_freeState(st);
        fclose(f);
    }
    if (c->has_fleet_seed) {
        /* Hash clients as the rest of the fleet does, whatever this file says. */
        policy_set_hash_seed(s->policy, c->fleet_seed);
    }
    fleet_config_set(c->fleet, s->generation, sum, policy_hash_seed(s->policy));
}

void ctl_fleet_override_put(ctl_t *c, bool is_resource, const char *key)
{
    if (c->fleet == NULL) {
        return;
    }
    const ctl_override_t *e = ctl_overrides_find(&c->overrides, is_resource, key);
    json_t *v = e != NULL ? ctl_override_json(e) : NULL;
    fleet_override_put(c->fleet, is_resource, key, v);
    json_decref(v);
}

void ctl_fleet_load_put(ctl_t *c, const char *dc, double value)
{
    if (c->fleet != NULL) {
        fleet_load_put(c->fleet, dc, value);
    }
}

/* Set every data center and resource of p to what o says (no entry: no
 * override, the configured weight), one store each, so that no worker sees
 * a state in between. */
static void overrides_set(const ctl_overrides_t *o, policy_t *p)
{
    for (uint32_t d = 0; d < policy_datacenter_count(p); d++) {
        const ctl_override_t *e = ctl_overrides_find(o, false, policy_datacenter_name(p, d));
        policy_datacenter_set_admin(p, d, e != NULL ? e->admin : HEALTH_ADMIN_NONE);
        policy_datacenter_set_weight(p, d, e != NULL && e->has_weight
                                               ? e->weight
                                               : policy_datacenter_conf_weight(p, d));
    }
    for (size_t i = 0; i < policy_resource_count(p); i++) {
        char text[GSLB_ADDR_TEXT_MAX];
        char *key = xasprintf("%s/%s", policy_resource_datacenter(p, i)->name,
                              gslb_addr_format(&policy_resource_address(p, i)->addr, text,
                                               sizeof(text)));
        const ctl_override_t *e = ctl_overrides_find(o, true, key);
        policy_resource_set_admin(p, i, e != NULL ? e->admin : HEALTH_ADMIN_NONE);
        free(key);
    }
}

bool ctl_fleet_take_overrides(ctl_t *c, ctl_overrides_t *out)
{
    if (c->fleet == NULL || fleet_mode(c->fleet) == FLEET_MODE_LOCAL) {
        return false;
    }
    json_t *j = fleet_overrides_json(c->fleet);
    if (j == NULL) {
        return false;
    }
    char err[256];
    int rc = ctl_overrides_from_json(out, j, err, sizeof(err));
    json_decref(j);
    if (rc != 0) {
        log_warn("ctl: the fleet's overrides cannot be used (%s)", err);
        return false;
    }
    return true;
}

static void apply_overrides(ctl_t *c)
{
    ctl_overrides_t next = {0};
    if (!ctl_fleet_take_overrides(c, &next)) {
        return;
    }
    pthread_mutex_lock(&c->mu);
    json_t *was = ctl_overrides_to_json(&c->overrides);
    json_t *now = ctl_overrides_to_json(&next);
    bool is_same = json_equal(was, now);
    json_decref(was);
    json_decref(now);
    if (!is_same) {
        ctl_overrides_clear(&c->overrides);
        c->overrides = next;
        next = (ctl_overrides_t){0};
        rcu_read_lock();
        overrides_set(&c->overrides, snapshot_current(c->pub)->policy);
        rcu_read_unlock();
        if (c->state_file != NULL) {
            /* The state file keeps the last shared overrides: what this
             * instance follows when etcd is gone for longer than the grace. */
            ctl_overrides_save(&c->overrides, c->state_file);
        }
        log_info("ctl: %zu overrides from the fleet applied", c->overrides.count);
    }
    pthread_mutex_unlock(&c->mu);
    ctl_overrides_clear(&next);
}

/* Push each load figure whose revision is new into the steering registry. */
static void apply_loads(ctl_t *c)
{
    if (c->steer == NULL || fleet_mode(c->fleet) == FLEET_MODE_LOCAL) {
        return;
    }
    json_t *loads = fleet_loads_json(c->fleet);
    const char *dc;
    json_t *v;
    json_object_foreach(loads, dc, v) {
        json_t *rev = json_object_get(v, "revision");
        json_t *seen = json_object_get(c->fleet_load_revs, dc);
        if (seen != NULL && json_integer_value(seen) >= json_integer_value(rev)) {
            continue;
        }
        json_object_set(c->fleet_load_revs, dc, rev);
        int rc = steer_push(c->steer, dc, json_number_value(json_object_get(v, "value")));
        if (rc != 0) {
            log_debug("ctl: datacenter '%s': shared load not used (%s)", dc, gslb_strerror(rc));
        }
    }
    json_decref(loads);
}

/* Adopt the fleet's client hash seed when it is new: every instance then gives
 * a client the same data center. Kept once known, even out of contact with
 * etcd: a seed that changed back would move clients for nothing. */
static void apply_seed(ctl_t *c)
{
    uint64_t seed;
    if (!fleet_hash_seed(c->fleet, &seed) || (c->has_fleet_seed && seed == c->fleet_seed)) {
        return;
    }
    pthread_mutex_lock(&c->mu);
    c->has_fleet_seed = true;
    c->fleet_seed = seed;
    rcu_read_lock();
    const snapshot_t *s = snapshot_current(c->pub);
    uint64_t configured = s->conf->steering.hash_seed;
    policy_set_hash_seed(s->policy, seed);
    rcu_read_unlock();
    pthread_mutex_unlock(&c->mu);
    log_info("ctl: client hash seed %llu from the fleet (this file says %llu)",
             (unsigned long long)seed, (unsigned long long)configured);
}

static void poll_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    ctl_t *c = arg;
    uint64_t gen = fleet_shared_generation(c->fleet);
    /* While this instance's own changes are on their way to etcd and back,
     * the shared state is older than what it already applied: wait. */
    if (gen == c->fleet_gen || !fleet_writes_settled(c->fleet)) {
        return;
    }
    c->fleet_gen = gen;
    apply_seed(c);
    apply_overrides(c);
    apply_loads(c);
}

void ctl_fleet_start(ctl_t *c)
{
    if (c->fleet == NULL) {
        return;
    }
    c->fleet_load_revs = json_object();
    c->fleet_ev = event_new(c->base, -1, EV_PERSIST, poll_cb, c);
    struct timeval tv = {0, FLEET_POLL_MS * 1000};
    if (c->fleet_ev == NULL || event_add(c->fleet_ev, &tv) != 0) {
        log_err("ctl: cannot create the fleet's timer (out of memory)");
        abort();
    }
}

void ctl_fleet_stop(ctl_t *c)
{
    if (c->fleet_ev != NULL) {
        event_free(c->fleet_ev);
        c->fleet_ev = NULL;
    }
    json_decref(c->fleet_load_revs);
    c->fleet_load_revs = NULL;
}
