/* ctl: creating and stopping the control plane, the GeoIP file watch and service notifications. */
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
#define WATCH_INTERVAL_S 5

void ctl_notify(const char *state)
{
#ifdef HAVE_SYSTEMD
    (void)sd_notify(0, state);
#else
    (void)state;
#endif
}

static bool stat_changed(const struct stat *a, const struct stat *b)
{
    return a->st_dev != b->st_dev || a->st_ino != b->st_ino || a->st_size != b->st_size ||
           a->st_mtim.tv_sec != b->st_mtim.tv_sec || a->st_mtim.tv_nsec != b->st_mtim.tv_nsec;
}

static void on_watch(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    ctl_t *c = arg;
    if (c->watch_path == NULL) {
        return;
    }
    struct stat st;
    if (stat(c->watch_path, &st) != 0) {
        return; /* being replaced, or gone: the reload would fail; wait */
    }
    if (c->has_watch_st && !stat_changed(&st, &c->watch_st)) {
        return;
    }
    bool was_known = c->has_watch_st;
    c->watch_st = st;
    c->has_watch_st = true;
    if (was_known) {
        log_info("geo: database '%s' changed on disk: reloading", c->watch_path);
        ctl_reload_enqueue(c, NULL);
    }
}

void ctl_watch_arm(ctl_t *c, const snapshot_t *s)
{
    const conf_geoip_t *g = &s->conf->geoip;
    bool want = g->database != NULL && g->is_watched;
    if (!want || c->watch_path == NULL || strcmp(c->watch_path, g->database) != 0) {
        free(c->watch_path);
        c->watch_path = want ? xstrdup(g->database) : NULL;
        c->has_watch_st = false;
    }
    if (want) {
        struct stat st;
        if (stat(c->watch_path, &st) == 0) {
            c->watch_st = st;
            c->has_watch_st = true;
        }
        if (c->watch_ev == NULL) {
            c->watch_ev = event_new(c->base, -1, EV_PERSIST, on_watch, c);
            struct timeval tv = {.tv_sec = WATCH_INTERVAL_S};
            event_add(c->watch_ev, &tv);
        }
    } else if (c->watch_ev != NULL) {
        event_free(c->watch_ev);
        c->watch_ev = NULL;
    }
}

int ctl_new(ctl_t **out, const ctl_options_t *opt, snapshot_t *first)
{
    ctl_t *c = xcalloc(1, sizeof(*c));
    *out = c;
    c->conf_path = xstrdup(opt->conf_path);
    c->base = opt->base;
    c->health = opt->health;
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
        if (ctl_overrides_load(&c->overrides, c->state_file) == 0 && c->overrides.count > 0) {
            log_info("ctl: state file '%s': %zu overrides restored", c->state_file,
                     c->overrides.count);
        }
    }
    snapshot_hook_t hook = {.mu = &c->mu, .prepare = ctl_snapshot_publishing, .arg = c};
    snapshot_publish(c->pub, first, &hook);
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
    ctl_http_stop(c);
    if (c->watch_ev != NULL) {
        event_free(c->watch_ev);
    }
    free(c->watch_path);
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
