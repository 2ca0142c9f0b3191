/* health: the health thread: event_base, hand-over from control threads, jittered runs, results. */
#include "health_int.h"

#include <event2/thread.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

/* Event priorities of the health base (lower runs first; libevent only runs
 * the most urgent non-empty queue in each loop turn):
 *   0  hand-over from control threads (reloads, stop)
 *   1  everything a run in flight waits for: sockets, child exits, timeouts
 *      (libevent's default for a base with three queues)
 *   2  starts of new runs
 * The periodic hook (health_tick_set) runs at 1 as well: it is work of the
 * same kind as a result, and at 0 a slow hook would hold back results.
 * When the thread gets less CPU than the probes need, runs in flight are
 * thus finished before new ones are started: probing slows down instead of
 * every run timing out while new starts keep the thread busy. */
#define PRIO_WAKE 0
#define PRIO_TICK 1
#define PRIO_START 2
#define PRIO_COUNT 3
/* Starts run per loop turn before sockets are polled again, so a burst of
 * due starts (after the thread was descheduled) cannot delay the runs
 * already in flight by much. */
#define STARTS_PER_TURN 32

static pthread_once_t evthread_once = PTHREAD_ONCE_INIT;
static int evthread_rc;

static void evthread_setup(void)
{
    /* Control threads call event_active() on the health base, which libevent
     * only allows once locking is on, before the base is created. */
    evthread_rc = evthread_use_pthreads();
}

double health_monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static double realtime_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* xorshift64*: only spreads probe start times, so it need not be strong. */
uint64_t health_rand(health_t *h)
{
    uint64_t x = h->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    h->rng = x;
    return x * 2685821657736338717ULL;
}

/* A uniform double in [0, 1). */
static double rand_unit(health_t *h)
{
    return (double)(health_rand(h) >> 11) / 9007199254740992.0;
}

static struct timeval ms_timeval(double ms)
{
    if (ms < 0) {
        ms = 0;
    }
    uint64_t us = (uint64_t)(ms * 1000.0);
    return (struct timeval){.tv_sec = (time_t)(us / 1000000),
                            .tv_usec = (suseconds_t)(us % 1000000)};
}

static void timer_add_ms(struct event *ev, double ms)
{
    struct timeval tv = ms_timeval(ms);
    event_add(ev, &tv);
}

static void probe_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    health_probe_finish(arg, HEALTH_REASON_TIMEOUT, 0, NULL);
}

static void probe_next_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    health_probe_t *p = arg;
    /* Runs are only planned when the previous one has finished, so a slot
     * never has two in flight: that is the per-target rate limit. */
    p->is_running = true;
    clock_gettime(CLOCK_MONOTONIC, &p->run_start);
    timer_add_ms(p->ev_timeout, p->def.timeout_ms);
    p->ops->start(p);
}

void health_probe_schedule_first(health_probe_t *p)
{
    if (p->is_scheduled) {
        return;
    }
    health_t *h = p->h;
    p->ev_next = event_new(h->base, -1, 0, probe_next_cb, p);
    p->ev_timeout = event_new(h->base, -1, 0, probe_timeout_cb, p);
    if (p->ev_next == NULL || p->ev_timeout == NULL ||
        event_priority_set(p->ev_next, PRIO_START) < 0) {
        log_err("health: resource '%s': cannot create timers (out of memory)", p->name);
        abort();
    }
    p->is_scheduled = true;
    /* A random point of the first interval, so that targets added together
     * (at start-up or by one reload) do not probe in lockstep. */
    timer_add_ms(p->ev_next, rand_unit(h) * p->def.interval_ms);
}

void health_probe_cancel(health_probe_t *p)
{
    p->ops->stop(p);
    p->is_running = false;
    if (p->ev_timeout != NULL) {
        event_free(p->ev_timeout);
        p->ev_timeout = NULL;
    }
    if (p->ev_next != NULL) {
        event_free(p->ev_next);
        p->ev_next = NULL;
    }
    p->ops->release(p);
    p->is_scheduled = false;
}

/* The text logged and shown for a result: "timeout", "status 503", ... */
static void reason_text(char *buf, size_t len, health_reason_t reason, int detail,
                        const char *text)
{
    if (text != NULL) {
        snprintf(buf, len, "%s", text);
        return;
    }
    switch (reason) {
    case HEALTH_REASON_OK:
        snprintf(buf, len, "ok");
        break;
    case HEALTH_REASON_NETWORK:
        snprintf(buf, len, "network: %s", detail != 0 ? strerror(detail) : "error");
        break;
    case HEALTH_REASON_STATUS:
        snprintf(buf, len, "status %d", detail);
        break;
    case HEALTH_REASON_BODY:
        snprintf(buf, len, "body mismatch");
        break;
    case HEALTH_REASON_RCODE:
        snprintf(buf, len, "rcode %d", detail);
        break;
    case HEALTH_REASON_EXIT:
        snprintf(buf, len, "exit %d", detail);
        break;
    default:
        snprintf(buf, len, "%s", health_reason_name(reason));
        break;
    }
}

static size_t latency_bucket(double ms)
{
    for (size_t i = 0; i < HEALTH_LATENCY_BUCKETS - 1; i++) {
        if (ms <= health_latency_bounds_ms[i]) {
            return i;
        }
    }
    return HEALTH_LATENCY_BUCKETS - 1;
}

void health_probe_finish(health_probe_t *p, health_reason_t reason, int detail, const char *text)
{
    if (!p->is_running) {
        return;
    }
    health_t *h = p->h;
    p->is_running = false;
    event_del(p->ev_timeout);
    p->ops->stop(p);

    double now_ms = health_monotonic_ms();
    double start_ms = (double)p->run_start.tv_sec * 1000.0 + (double)p->run_start.tv_nsec / 1e6;
    double latency_ms = now_ms > start_ms ? now_ms - start_ms : 0;
    char msg[HEALTH_ERROR_MAX];
    reason_text(msg, sizeof(msg), reason, detail, text);
    bool ok = reason == HEALTH_REASON_OK;

    pthread_mutex_lock(&h->mu);
    p->probes++;
    h->stats.probes++;
    if (!ok) {
        p->probe_failures++;
        p->failures_by_reason[reason]++;
        h->stats.probe_failures++;
        h->stats.failures[reason]++;
    }
    p->last_reason = reason;
    p->last_detail = detail;
    p->last_latency_ms = (unsigned)(latency_ms + 0.5);
    snprintf(p->error, sizeof(p->error), "%s", ok ? "" : msg);
    h->stats.latency_count[latency_bucket(latency_ms)]++;
    h->stats.latency_sum_s += latency_ms / 1000.0;
    bool is_changed =
        health_fsm_feed(&p->fsm, ok, p->def.up_threshold, p->def.down_threshold);
    bool is_up = p->fsm.is_up;
    if (is_changed) {
        health_state_set_probe(h, p->slot, is_up);
        p->last_change = realtime_s();
        h->stats.state_changes++;
    }
    pthread_mutex_unlock(&h->mu);

    /* The name only changes on this thread (in a commit), so it is safe to
     * read here without the lock. */
    if (is_changed && is_up) {
        log_info("health: resource '%s': down -> up", p->name);
    } else if (is_changed) {
        log_info("health: resource '%s': up -> down (%s)", p->name, msg);
    } else {
        log_debug("health: resource '%s': probe %s in %.1f ms", p->name, msg, latency_ms);
    }

    /* The next run starts one jittered interval (+-10%) after this one
     * started, or at once when this run took longer than that. */
    double interval_ms = p->def.interval_ms * (0.9 + 0.2 * rand_unit(h));
    timer_add_ms(p->ev_next, start_ms + interval_ms - now_ms);
}

static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    health_tick_t *t = arg;
    t->fn(t->arg, event_get_base(t->ev), health_monotonic_ms());
}

/* Fill hook t (mu held, thread not started). */
static void tick_fill(health_t *h, health_tick_t *t, unsigned interval_ms, health_tick_fn_t fn,
                      void *arg)
{
    if (t->ev == NULL) {
        /* Made here, added by the thread when it starts. */
        t->ev = event_new(h->base, -1, EV_PERSIST, tick_cb, t);
        if (t->ev == NULL || event_priority_set(t->ev, PRIO_TICK) < 0) {
            log_err("health: cannot create the periodic timer (out of memory)");
            abort();
        }
    }
    t->interval_ms = interval_ms;
    t->fn = fn;
    t->arg = arg;
}

int health_tick_set(health_t *h, unsigned interval_ms, health_tick_fn_t fn, void *arg)
{
    if (h == NULL || fn == NULL || interval_ms == 0) {
        return -GSLB_EINVAL;
    }
    pthread_mutex_lock(&h->mu);
    if (h->is_started) {
        pthread_mutex_unlock(&h->mu);
        return -GSLB_EINVAL;
    }
    tick_fill(h, &h->ticks[0], interval_ms, fn, arg);
    pthread_mutex_unlock(&h->mu);
    return 0;
}

int health_tick_add(health_t *h, unsigned interval_ms, health_tick_fn_t fn, void *arg)
{
    if (h == NULL || fn == NULL || interval_ms == 0) {
        return -GSLB_EINVAL;
    }
    pthread_mutex_lock(&h->mu);
    int rc = -GSLB_EINVAL;
    for (size_t i = 1; i < HEALTH_TICKS_MAX && !h->is_started; i++) {
        if (h->ticks[i].ev == NULL) {
            tick_fill(h, &h->ticks[i], interval_ms, fn, arg);
            rc = 0;
            break;
        }
    }
    pthread_mutex_unlock(&h->mu);
    return rc;
}

/* Control threads hand changes (and the stop request) over through here. */
static void wake_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    health_t *h = arg;
    pthread_mutex_lock(&h->mu);
    if (h->pending != NULL) {
        health_change_commit(h, h->pending);
        h->pending = NULL;
        pthread_cond_broadcast(&h->cond);
    }
    if (h->is_stopping) {
        for (health_probe_t *p = h->probes; p != NULL; p = p->next) {
            health_probe_cancel(p);
        }
        for (size_t i = 0; i < HEALTH_TICKS_MAX; i++) {
            if (h->ticks[i].ev != NULL) {
                event_del(h->ticks[i].ev);
            }
        }
        event_base_loopbreak(h->base);
    }
    pthread_mutex_unlock(&h->mu);
}

static void *thread_main(void *arg)
{
    health_t *h = arg;
    pthread_mutex_lock(&h->mu);
    for (health_probe_t *p = h->probes; p != NULL; p = p->next) {
        health_probe_schedule_first(p);
    }
    for (size_t i = 0; i < HEALTH_TICKS_MAX; i++) {
        if (h->ticks[i].ev != NULL) {
            struct timeval tv = ms_timeval(h->ticks[i].interval_ms);
            event_add(h->ticks[i].ev, &tv);
        }
    }
    pthread_mutex_unlock(&h->mu);
    /* The wake event is never added (only activated), so keep the loop
     * alive while no probe is configured. */
    event_base_loop(h->base, EVLOOP_NO_EXIT_ON_EMPTY);
    return NULL;
}

int health_thread_init(health_t *h)
{
    pthread_once(&evthread_once, evthread_setup);
    if (evthread_rc != 0) {
        log_err("health: cannot enable libevent threading");
        return -GSLB_ESYS;
    }
    struct event_config *cfg = event_config_new();
    if (cfg == NULL ||
        event_config_set_max_dispatch_interval(cfg, NULL, STARTS_PER_TURN, PRIO_START) < 0) {
        if (cfg != NULL) {
            event_config_free(cfg);
        }
        log_err("health: cannot configure the event base (out of memory)");
        return -GSLB_ESYS;
    }
    h->base = event_base_new_with_config(cfg);
    event_config_free(cfg);
    if (h->base == NULL || event_base_priority_init(h->base, PRIO_COUNT) < 0) {
        log_err("health: cannot create the event base");
        if (h->base != NULL) {
            event_base_free(h->base);
            h->base = NULL;
        }
        return -GSLB_ESYS;
    }
    h->ev_wake = event_new(h->base, -1, 0, wake_cb, h);
    if (h->ev_wake == NULL || event_priority_set(h->ev_wake, PRIO_WAKE) < 0) {
        if (h->ev_wake != NULL) {
            event_free(h->ev_wake);
            h->ev_wake = NULL;
        }
        event_base_free(h->base);
        h->base = NULL;
        return -GSLB_ESYS;
    }
    if (getrandom(&h->rng, sizeof(h->rng), GRND_NONBLOCK) != (ssize_t)sizeof(h->rng)) {
        h->rng = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
    }
    if (h->rng == 0) {
        h->rng = 0x9e3779b97f4a7c15ULL;
    }
    return 0;
}

int health_start(health_t *h)
{
    if (h == NULL) {
        return -GSLB_EINVAL;
    }
    pthread_mutex_lock(&h->mu);
    if (h->is_started) {
        pthread_mutex_unlock(&h->mu);
        return -GSLB_EINVAL;
    }
    h->is_started = true;
    pthread_mutex_unlock(&h->mu);

    /* Process-directed signals belong to the main thread; a blocked SIGPIPE
     * also keeps a write to a closed probe socket from killing the daemon. */
    sigset_t block, old;
    sigemptyset(&block);
    int sigs[] = {SIGHUP, SIGINT, SIGTERM, SIGQUIT, SIGUSR1, SIGUSR2, SIGCHLD, SIGPIPE, SIGALRM};
    for (size_t i = 0; i < GSLB_ARRAY_LEN(sigs); i++) {
        sigaddset(&block, sigs[i]);
    }
    pthread_sigmask(SIG_BLOCK, &block, &old);
    int rc = pthread_create(&h->thread, NULL, thread_main, h);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        log_err("health: cannot start the health thread (%s)", strerror(rc));
        pthread_mutex_lock(&h->mu);
        h->is_started = false;
        pthread_mutex_unlock(&h->mu);
        return -GSLB_ESYS;
    }
    /* So top -H and /proc/PID/task/TID/comm tell its CPU apart from the
     * workers' (the kernel keeps 15 characters). */
    (void)pthread_setname_np(h->thread, "gslbd-health");
    return 0;
}

void health_free(health_t *h)
{
    if (h == NULL) {
        return;
    }
    pthread_mutex_lock(&h->mu);
    bool is_started = h->is_started;
    h->is_stopping = true;
    pthread_mutex_unlock(&h->mu);
    if (is_started) {
        event_active(h->ev_wake, EV_READ, 0);
        pthread_join(h->thread, NULL);
    }
    /* The thread is gone: what is left is torn down here, events before the
     * base they belong to. The hook goes first, so that what it keeps on the
     * base goes with it. */
    for (size_t i = HEALTH_TICKS_MAX; i-- > 0;) {
        health_tick_t *t = &h->ticks[i];
        if (t->ev != NULL) {
            event_del(t->ev);
            t->fn(t->arg, NULL, health_monotonic_ms());
            event_free(t->ev);
            t->ev = NULL;
        }
    }
    for (health_probe_t *p = h->probes; p != NULL; p = p->next) {
        health_probe_cancel(p);
    }
    health_zombies_reap_all(h);
    health_tls_ctxs_free(h);
    event_free(h->ev_wake);
    event_base_free(h->base);
    health_registry_free(h);
}
