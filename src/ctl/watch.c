/* ctl: the files whose change asks for a reload (a watched GeoIP database, latency tables). */
#include "ctl_int.h"

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#define WATCH_INTERVAL_S 5

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
    bool reload = false;
    for (size_t i = 0; i < c->watched_count; i++) {
        ctl_watched_t *w = &c->watched[i];
        struct stat st;
        if (stat(w->path, &st) != 0) {
            continue; /* being replaced, or gone: the reload would fail; wait */
        }
        if (w->has_st && !stat_changed(&st, &w->st)) {
            continue;
        }
        bool was_known = w->has_st;
        w->st = st;
        w->has_st = true;
        if (was_known) {
            log_info("%s '%s' changed on disk: reloading", w->what, w->path);
            reload = true;
        }
    }
    if (reload) {
        ctl_reload_enqueue(c, NULL);
    }
}

static void watched_free(ctl_watched_t *w, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(w[i].path);
    }
    free(w);
}

void ctl_watch_arm(ctl_t *c, const snapshot_t *s)
{
    const conf_t *conf = s->conf;
    size_t n = conf->latency_table_count + 1;
    ctl_watched_t *w = xcalloc(n, sizeof(*w));
    size_t k = 0;
    if (conf->geoip.database != NULL && conf->geoip.is_watched) {
        w[k].path = xstrdup(conf->geoip.database);
        w[k++].what = "geo: database";
    }
    for (size_t i = 0; i < conf->latency_table_count; i++) {
        w[k].path = xstrdup(conf->latency_tables[i].file);
        w[k++].what = "latency table";
    }
    /* A file watched before keeps what it looked like, so a change made
     * while the reload ran is still seen; a new one starts from now. */
    for (size_t i = 0; i < k; i++) {
        bool known = false;
        for (size_t j = 0; j < c->watched_count && !known; j++) {
            if (strcmp(c->watched[j].path, w[i].path) == 0 && c->watched[j].has_st) {
                w[i].st = c->watched[j].st;
                w[i].has_st = known = true;
            }
        }
        if (!known && stat(w[i].path, &w[i].st) == 0) {
            w[i].has_st = true;
        }
    }
    watched_free(c->watched, c->watched_count);
    c->watched = w;
    c->watched_count = k;
    if (k > 0 && c->watch_ev == NULL) {
        c->watch_ev = event_new(c->base, -1, EV_PERSIST, on_watch, c);
        struct timeval tv = {.tv_sec = WATCH_INTERVAL_S};
        event_add(c->watch_ev, &tv);
    } else if (k == 0 && c->watch_ev != NULL) {
        event_free(c->watch_ev);
        c->watch_ev = NULL;
    }
}

void ctl_watch_free(ctl_t *c)
{
    if (c->watch_ev != NULL) {
        event_free(c->watch_ev);
        c->watch_ev = NULL;
    }
    watched_free(c->watched, c->watched_count);
    c->watched = NULL;
    c->watched_count = 0;
}
