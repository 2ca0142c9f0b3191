/* ctl: the reload thread — ask snapshot/ for a reload off the query path, report the result. */
#include "ctl_int.h"

#include <stdlib.h>
#include <time.h>
#include <urcu.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Give the snapshot its buckets and the overrides. */
static void snapshot_prepare(ctl_t *c, snapshot_t *s, bool log_missing)
{
    policy_t *p = s->policy;
    for (size_t i = 0; i < policy_service_count(p); i++) {
        const conf_service_t *sc = policy_service_conf(policy_service_at(p, i));
        policy_service_set_stat_id(p, i, ctl_names_id(&c->service_names, sc->name));
    }
    for (uint32_t d = 0; d < policy_datacenter_count(p); d++) {
        policy_datacenter_set_stat_id(p, d, ctl_names_id(&c->dc_names,
                                                        policy_datacenter_name(p, d)));
    }
    ctl_overrides_apply(&c->overrides, p, log_missing);
}

static char *dup_or_null(const char *s)
{
    return s != NULL ? xstrdup(s) : NULL;
}

void ctl_snapshot_publishing(void *arg, const snapshot_t *old, snapshot_t *next)
{
    ctl_t *c = arg;
    snapshot_prepare(c, next, true);
    free(c->token);
    c->token = dup_or_null(next->conf->control.token);
    free(c->state_file);
    c->state_file = dup_or_null(next->conf->control.state_file);
    ctl_fleet_config(c, next);
    if (old != NULL && !fleet_def_equal(&old->conf->fleet.def, &next->conf->fleet.def)) {
        /* The fleet's client, lease and key layout live as long as the
         * process: a new instance name or etcd cluster takes a restart. */
        log_warn("config: '%s': fleet: changes take effect at the next restart",
                 next->conf->path);
    }
    if (old != NULL) {
        c->reloads++;
    }
    c->last_reload_success_s = now_s();
}

/* One reload, on the reload thread. Fills d. */
static void reload_once(ctl_t *c, ctl_done_t *d)
{
    gslb_diag_t *diag = gslb_diag_new(false);
    snapshot_hook_t hook = {.mu = &c->mu, .prepare = ctl_snapshot_publishing, .arg = c};
    int rc = snapshot_reload(c->pub, diag, &hook, &d->generation);
    d->is_ok = rc == 0;
    d->message_count = gslb_diag_count(diag);
    d->messages = xcalloc(d->message_count + 1, sizeof(*d->messages));
    for (size_t i = 0; i < d->message_count; i++) {
        d->messages[i] = xstrdup(gslb_diag_message(diag, i));
    }
    gslb_diag_free(diag);
    if (rc == 0) {
        return;
    }
    pthread_mutex_lock(&c->mu);
    c->reload_failures++;
    c->last_reload_failure_s = now_s();
    for (size_t i = 0; i < c->last_error_count; i++) {
        free(c->last_errors[i]);
    }
    free(c->last_errors);
    c->last_errors = xcalloc(d->message_count + 1, sizeof(*c->last_errors));
    for (size_t i = 0; i < d->message_count; i++) {
        c->last_errors[i] = xstrdup(d->messages[i]);
    }
    c->last_error_count = d->message_count;
    pthread_mutex_unlock(&c->mu);
}

static void *reload_main(void *arg)
{
    ctl_t *c = arg;
    rcu_register_thread();
    pthread_mutex_lock(&c->rmu);
    for (;;) {
        while (!c->is_wanted && !c->is_stopping) {
            pthread_cond_wait(&c->rcond, &c->rmu);
        }
        if (c->is_stopping) {
            break;
        }
        /* Everyone who asked until now is served by this reload; whoever asks
         * while it runs waits for the next one, which then reads files that
         * are at least as new as when they asked. */
        c->is_wanted = false;
        ctl_done_t *d = xcalloc(1, sizeof(*d));
        d->waiters = c->waiting;
        c->waiting = NULL;
        pthread_mutex_unlock(&c->rmu);

        ctl_notify("RELOADING=1");
        reload_once(c, d);
        ctl_notify("READY=1");

        pthread_mutex_lock(&c->rmu);
        d->next = c->results;
        c->results = d;
        event_active(c->done_ev, EV_READ, 0);
    }
    pthread_mutex_unlock(&c->rmu);
    rcu_unregister_thread();
    return NULL;
}

static void done_free(ctl_done_t *d)
{
    for (size_t i = 0; i < d->message_count; i++) {
        free(d->messages[i]);
    }
    free(d->messages);
    free(d);
}

/* Forget a waiter; its connection must not call back into freed memory. */
static void waiter_free(ctl_waiter_t *w)
{
    if (w->req != NULL) {
        struct evhttp_connection *conn = evhttp_request_get_connection(w->req);
        if (conn != NULL) {
            evhttp_connection_set_closecb(conn, NULL, NULL);
        }
    }
    free(w);
}

static void on_client_gone(struct evhttp_connection *conn, void *arg)
{
    (void)conn;
    ctl_waiter_t *w = arg;
    w->req = NULL;
}

static void reply(ctl_waiter_t *w, const ctl_done_t *d)
{
    if (w->req == NULL) {
        return;
    }
    struct evhttp_connection *conn = evhttp_request_get_connection(w->req);
    if (conn != NULL) {
        evhttp_connection_set_closecb(conn, NULL, NULL);
    }
    json_t *msgs = json_array();
    for (size_t i = 0; i < d->message_count; i++) {
        json_array_append_new(msgs, json_string(d->messages[i]));
    }
    json_t *j = json_pack("{s:b, s:I, s:o}", CTL_API_KEY_OK, d->is_ok, CTL_API_KEY_GENERATION,
                          (json_int_t)d->generation, CTL_API_KEY_MESSAGES, msgs);
    if (d->is_ok) {
        ctl_http_reply_json(w->req, 200, "OK", j);
    } else {
        ctl_http_reply_json(w->req, CTL_API_STATUS_RELOAD_FAILED, "Unprocessable Entity", j);
    }
    json_decref(j);
    w->req = NULL; /* sent: libevent frees the request */
}

/* Main thread: answer the POST /reload requests of finished reloads. */
static void on_done(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    ctl_t *c = arg;
    pthread_mutex_lock(&c->rmu);
    ctl_done_t *list = c->results;
    c->results = NULL;
    pthread_mutex_unlock(&c->rmu);
    /* Oldest first. */
    ctl_done_t *rev = NULL;
    while (list != NULL) {
        ctl_done_t *next = list->next;
        list->next = rev;
        rev = list;
        list = next;
    }
    for (ctl_done_t *d = rev; d != NULL;) {
        for (ctl_waiter_t *w = d->waiters; w != NULL;) {
            ctl_waiter_t *wn = w->next;
            reply(w, d);
            waiter_free(w);
            w = wn;
        }
        if (d->is_ok) {
            rcu_read_lock();
            ctl_watch_arm(c, snapshot_current(c->pub));
            rcu_read_unlock();
        }
        ctl_done_t *dn = d->next;
        done_free(d);
        d = dn;
    }
}

void ctl_reload_enqueue(ctl_t *c, ctl_waiter_t *w)
{
    if (w != NULL && w->req != NULL) {
        struct evhttp_connection *conn = evhttp_request_get_connection(w->req);
        if (conn != NULL) {
            evhttp_connection_set_closecb(conn, on_client_gone, w);
        }
    }
    pthread_mutex_lock(&c->rmu);
    if (w != NULL) {
        w->next = c->waiting;
        c->waiting = w;
    }
    c->is_wanted = true;
    pthread_cond_signal(&c->rcond);
    pthread_mutex_unlock(&c->rmu);
}

void ctl_reload_request(ctl_t *c)
{
    log_info("config: '%s': reload requested", c->conf_path);
    ctl_reload_enqueue(c, NULL);
}

int ctl_reload_start(ctl_t *c)
{
    pthread_mutex_init(&c->rmu, NULL);
    pthread_cond_init(&c->rcond, NULL);
    c->done_ev = event_new(c->base, -1, 0, on_done, c);
    if (c->done_ev == NULL) {
        return -GSLB_ESYS;
    }
    if (pthread_create(&c->thread, NULL, reload_main, c) != 0) {
        log_err("ctl: cannot start the reload thread");
        return -GSLB_ESYS;
    }
    (void)pthread_setname_np(c->thread, "gslbd-reload");
    c->has_thread = true;
    return 0;
}

void ctl_reload_stop(ctl_t *c)
{
    if (c->has_thread) {
        pthread_mutex_lock(&c->rmu);
        c->is_stopping = true;
        pthread_cond_signal(&c->rcond);
        pthread_mutex_unlock(&c->rmu);
        pthread_join(c->thread, NULL);
        c->has_thread = false;
    }
    /* Whoever still waits gets no answer: their connections close with the endpoint. */
    for (ctl_waiter_t *w = c->waiting; w != NULL;) {
        ctl_waiter_t *n = w->next;
        waiter_free(w);
        w = n;
    }
    c->waiting = NULL;
    for (ctl_done_t *d = c->results; d != NULL;) {
        ctl_done_t *n = d->next;
        for (ctl_waiter_t *w = d->waiters; w != NULL;) {
            ctl_waiter_t *wn = w->next;
            waiter_free(w);
            w = wn;
        }
        done_free(d);
        d = n;
    }
    c->results = NULL;
    if (c->done_ev != NULL) {
        event_free(c->done_ev);
        c->done_ev = NULL;
    }
    pthread_cond_destroy(&c->rcond);
    pthread_mutex_destroy(&c->rmu);
}
