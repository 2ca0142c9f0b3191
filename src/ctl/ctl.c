/* ctl: creating and stopping the control plane, and service notifications. */
#include "config.h"

#include "ctl_int.h"

#ifdef HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* geoipupdate replaces the file by rename: a few seconds' delay is fine for
 * a database that changes weekly, and a stat() every 5 s costs nothing. */

void ctl_notify(const char *state)
{
#ifdef HAVE_SYSTEMD
    (void)sd_notify(0, state);
#else
    (void)state;
#endif
}

int ctl_new(ctl_t **out, const ctl_options_t *opt, snapshot_t *first)
{
    ctl_t *c = xcalloc(1, sizeof(*c));
    *out = c;
    c->conf_path = xstrdup(opt->conf_path);
    c->base = opt->base;
    c->health = opt->health;
    c->steer = opt->steer;
    c->fleet = opt->fleet;
    c->pub = opt->pub;
    c->server = opt->server;
    c->workers = opt->workers;
    c->worker_count = opt->worker_count;
    pthread_mutex_init(&c->mu, NULL);
    ctl_names_init(&c->service_names, QUERY_STATS_SERVICES);
    ctl_names_init(&c->dc_names, QUERY_STATS_DATACENTERS);

    const conf_control_t *cc = &first->conf->control;
    if (cc->token != NULL) {
        c->token = xstrdup(cc->token);
    }
    if (cc->state_file != NULL) {
        c->state_file = xstrdup(cc->state_file);
        /* A damaged file is logged, falls back to its previous copy and shows
         * in /status and /metrics: see c->state_load. */
        if (ctl_overrides_load(&c->overrides, c->state_file, &c->state_load) == 0 &&
            !c->state_load.is_recovered && c->overrides.count > 0) {
            log_info("ctl: state file '%s': %zu overrides restored", c->state_file,
                     c->overrides.count);
        }
    }
    ctl_overrides_t shared = {0};
    if (ctl_fleet_take_overrides(c, &shared)) {
        /* The warm start: the fleet's overrides, not this instance's last ones. */
        ctl_overrides_clear(&c->overrides);
        c->overrides = shared;
        log_info("ctl: %zu overrides from the fleet", c->overrides.count);
    }
    /* ... and the fleet's client hash seed, from the first query. */
    c->has_fleet_seed = fleet_hash_seed(c->fleet, &c->fleet_seed);
    c->fleet_gen = fleet_shared_generation(c->fleet);
    snapshot_hook_t hook = {.mu = &c->mu, .prepare = ctl_snapshot_publishing, .arg = c};
    snapshot_publish(c->pub, first, &hook);
    ctl_fleet_start(c);
    ctl_watch_arm(c, first);

    int rc = ctl_reload_start(c);
    if (rc == 0 && cc->is_enabled) {
        rc = ctl_http_start(c, cc);
    }
    return rc;
}

void ctl_free(ctl_t *c)
{
    if (c == NULL) {
        return;
    }
    ctl_reload_stop(c);
    ctl_fleet_stop(c);
    ctl_http_stop(c);
    ctl_watch_free(c);
    ctl_overrides_clear(&c->overrides);
    ctl_names_free(&c->service_names);
    ctl_names_free(&c->dc_names);
    for (size_t i = 0; i < c->last_error_count; i++) {
        free(c->last_errors[i]);
    }
    free(c->last_errors);
    free(c->token);
    free(c->state_file);
    free(c->conf_path);
    pthread_mutex_destroy(&c->mu);
    free(c);
}
