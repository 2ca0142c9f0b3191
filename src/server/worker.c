/* server: creation, worker threads (one event_base each), start, stop and counters. */
#include "server_int.h"

#include "gslb/util.h"

#include <event2/event.h>
#include <event2/thread.h>
#include <urcu.h>

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_once_t evthread_once = PTHREAD_ONCE_INIT;
static int evthread_rc;

static void evthread_init(void)
{
    evthread_rc = evthread_use_pthreads();
}

bool server_ratelimit_allow(server_worker_t *w, uint64_t *suppressed)
{
    struct timespec ts;
    /* The coarse clock is a vDSO read of the last tick: cheap enough for the
     * packet path, and a second's resolution is all this needs. */
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    if (w->rl.last_s >= 0 && (int64_t)ts.tv_sec - w->rl.last_s < 1) {
        w->rl.suppressed++;
        return false;
    }
    w->rl.last_s = (int64_t)ts.tv_sec;
    *suppressed = w->rl.suppressed;
    w->rl.suppressed = 0;
    return true;
}

static uint16_t port_get(const struct sockaddr_storage *sa)
{
    if (sa->ss_family == AF_INET6) {
        return ntohs(((const struct sockaddr_in6 *)(const void *)sa)->sin6_port);
    }
    return ntohs(((const struct sockaddr_in *)(const void *)sa)->sin_port);
}

static void port_set(struct sockaddr_storage *sa, uint16_t port)
{
    if (sa->ss_family == AF_INET6) {
        ((struct sockaddr_in6 *)(void *)sa)->sin6_port = htons(port);
    } else {
        ((struct sockaddr_in *)(void *)sa)->sin_port = htons(port);
    }
}

static void stop_cb(evutil_socket_t fd, short what, void *arg)
{
    server_worker_t *w = arg;
    (void)fd;
    (void)what;
    event_base_loopbreak(w->base);
}

static void worker_free(server_worker_t *w, size_t listen_count)
{
    if (w == NULL) {
        return;
    }
    /* Connections first: their bufferevents finish closing when the base is freed. */
    server_tcp_close_all(w);
    for (size_t i = 0; w->listeners != NULL && i < listen_count; i++) {
        server_listener_t *l = &w->listeners[i];
        if (l->udp_ev != NULL) {
            event_free(l->udp_ev);
        }
        if (l->udp_fd >= 0) {
            close(l->udp_fd);
        }
        server_tcp_listener_free(l);
    }
    if (w->stop_ev != NULL) {
        event_free(w->stop_ev);
    }
    if (w->base != NULL) {
        event_base_free(w->base);
    }
    free(w->listeners);
    free(w->rx_buf);
    free(w->tx_arena);
    free(w->tcp_resp);
    free(w);
}

static int worker_new(server_t *s, unsigned index, server_worker_t **out)
{
    server_worker_t *w = xcalloc(1, sizeof(*w));
    *out = w;
    w->s = s;
    w->index = index;
    w->rl.last_s = -1;
    w->listeners = xcalloc(s->listen_count, sizeof(*w->listeners));
    for (size_t i = 0; i < s->listen_count; i++) {
        w->listeners[i].w = w;
        w->listeners[i].udp_fd = -1;
        w->listeners[i].tcp_fd = -1;
    }
    w->rx_buf = xmalloc((size_t)SERVER_UDP_BATCH * SERVER_UDP_RX_BUF);
    w->tx_arena = xmalloc(SERVER_UDP_TX_ARENA);
    w->tcp_resp = xmalloc(SERVER_TCP_STAGE);
    server_udp_worker_init(w);

    w->base = event_base_new();
    if (w->base == NULL) {
        log_err("server: worker %u: cannot create event base", index);
        return -GSLB_ESYS;
    }
    /* Activated from the main thread by server_free; libevent's thread
     * support (evthread_use_pthreads) wakes the base for it. Unlike
     * event_base_loopbreak called from outside, it cannot be lost when the
     * worker has not entered its loop yet. */
    w->stop_ev = event_new(w->base, -1, 0, stop_cb, w);
    if (w->stop_ev == NULL) {
        log_err("server: worker %u: cannot create stop event", index);
        return -GSLB_ESYS;
    }
    struct timeval idle = {
        .tv_sec = s->tcp_idle_timeout_ms / 1000,
        .tv_usec = (suseconds_t)(s->tcp_idle_timeout_ms % 1000) * 1000,
    };
    w->idle_tv = event_base_init_common_timeout(w->base, &idle);
    unsigned short_ms = s->tcp_idle_timeout_ms / 8 > 100 ? s->tcp_idle_timeout_ms / 8 : 100;
    short_ms = short_ms < s->tcp_idle_timeout_ms ? short_ms : s->tcp_idle_timeout_ms;
    struct timeval idle_short = {.tv_sec = short_ms / 1000,
                                 .tv_usec = (suseconds_t)(short_ms % 1000) * 1000};
    w->idle_short_tv = event_base_init_common_timeout(w->base, &idle_short);
    if (w->idle_tv == NULL || w->idle_short_tv == NULL) {
        log_err("server: worker %u: cannot create tcp idle timer", index);
        return -GSLB_ESYS;
    }
    return 0;
}

static void close_address(server_t *s, size_t li)
{
    for (unsigned i = 0; i < s->worker_count; i++) {
        server_listener_t *l = &s->workers[i]->listeners[li];
        if (l->udp_fd >= 0) {
            close(l->udp_fd);
            l->udp_fd = -1;
        }
        if (l->tcp_fd >= 0) {
            close(l->tcp_fd);
            l->tcp_fd = -1;
        }
    }
}

/* Open every worker's TCP and UDP socket for one address. With port 0 the
 * first TCP socket takes a port from the kernel and all others bind to it;
 * returns an errno value and the failed step in *what. */
static int open_address_once(server_t *s, size_t li, struct sockaddr_storage *sa, socklen_t len,
                             bool is_any_port, const char **what)
{
    for (unsigned i = 0; i < s->worker_count; i++) {
        server_listener_t *l = &s->workers[i]->listeners[li];
        int err = server_socket_open(SOCK_STREAM, (struct sockaddr *)sa, len, &l->tcp_fd, what);
        if (err != 0) {
            return err;
        }
        if (i == 0 && is_any_port) {
            struct sockaddr_storage got;
            socklen_t got_len = sizeof(got);
            if (getsockname(l->tcp_fd, (struct sockaddr *)&got, &got_len) != 0) {
                *what = "read the bound port";
                return errno;
            }
            port_set(sa, port_get(&got));
        }
        err = server_socket_open(SOCK_DGRAM, (struct sockaddr *)sa, len, &l->udp_fd, what);
        if (err != 0) {
            return err;
        }
    }
    return 0;
}

static int open_address(server_t *s, const conf_listen_t *cl, size_t li)
{
    struct sockaddr_storage sa;
    socklen_t len;
    char name[64];

    memcpy(&sa, &cl->sa, sizeof(sa));
    if (sa.ss_family == AF_INET) {
        len = sizeof(struct sockaddr_in);
    } else if (sa.ss_family == AF_INET6) {
        len = sizeof(struct sockaddr_in6);
    } else {
        log_err("server: listen address %zu: unsupported address family %d", li + 1,
                (int)sa.ss_family);
        return -GSLB_EINVAL;
    }
    server_addr_format((struct sockaddr *)&sa, name, sizeof(name));

    /* With port 0 the kernel picks a TCP port that may be taken for UDP (or
     * on another worker's try): pick again a few times before giving up. */
    bool is_any_port = port_get(&sa) == 0;
    unsigned attempts = is_any_port ? 16 : 1;
    const char *what = "bind";
    int err = 0;
    for (unsigned a = 0; a < attempts; a++) {
        if (is_any_port) {
            port_set(&sa, 0);
        }
        err = open_address_once(s, li, &sa, len, is_any_port, &what);
        if (err == 0) {
            break;
        }
        close_address(s, li);
        if (!is_any_port || err != EADDRINUSE) {
            break;
        }
    }
    if (err != 0) {
        char eb[128];
        log_err("server: listen '%s': cannot %s (%s)", name, what,
                server_errstr(err, eb, sizeof(eb)));
        return -GSLB_ESYS;
    }

    server_addr_format((struct sockaddr *)&sa, name, sizeof(name));
    for (unsigned i = 0; i < s->worker_count; i++) {
        server_listener_t *l = &s->workers[i]->listeners[li];
        l->family = sa.ss_family;
        l->has_pktinfo = server_addr_is_any((struct sockaddr *)&sa);
        snprintf(l->name, sizeof(l->name), "%s", name);
    }
    if (li == 0) {
        s->bound_port = port_get(&sa);
    }
    return 0;
}

static int listener_events_init(server_listener_t *l)
{
    l->udp_ev = event_new(l->w->base, l->udp_fd, EV_READ | EV_PERSIST, server_udp_read_cb, l);
    if (l->udp_ev == NULL || event_add(l->udp_ev, NULL) != 0) {
        log_err("server: listen '%s': cannot watch udp socket", l->name);
        return -GSLB_ESYS;
    }
    return server_tcp_listener_init(l);
}

static unsigned worker_count_pick(unsigned configured)
{
    unsigned n = configured;
    if (n == 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        n = cpus > 0 ? (unsigned)(cpus < SERVER_MAX_WORKERS ? cpus : SERVER_MAX_WORKERS) : 1;
    }
    if (n > SERVER_MAX_WORKERS) {
        log_warn("server: workers %u is more than %u; using %u", n, SERVER_MAX_WORKERS,
                 SERVER_MAX_WORKERS);
        n = SERVER_MAX_WORKERS;
    }
    return n;
}

int server_new(server_t **out, const conf_server_t *cfg, const server_callbacks_t *cb)
{
    *out = NULL;
    if (cfg->listen_count == 0 || cfg->listen == NULL) {
        log_err("server: no listen address configured");
        return -GSLB_EINVAL;
    }
    if (cb == NULL || cb->handle == NULL) {
        log_err("server: no query handler given");
        return -GSLB_EINVAL;
    }
    pthread_once(&evthread_once, evthread_init);
    if (evthread_rc != 0) {
        log_err("server: cannot enable libevent thread support");
        return -GSLB_ESYS;
    }

    server_t *s = xcalloc(1, sizeof(*s));
    s->cb = *cb;
    s->listen_count = cfg->listen_count;
    s->tcp_idle_timeout_ms =
        cfg->tcp_idle_timeout_ms > 0 ? cfg->tcp_idle_timeout_ms : CONF_DEFAULT_TCP_IDLE_MS;
    s->tcp_max_connections =
        cfg->tcp_max_connections > 0 ? cfg->tcp_max_connections : CONF_DEFAULT_TCP_MAX_CONNS;
    atomic_init(&s->tcp_open, 0);
    s->tcp_per_prefix = cfg->tcp_max_connections_per_prefix;
    s->tcp_max_queries = cfg->tcp_max_queries_per_connection;
    s->prefix_open = xcalloc(SERVER_PREFIX_BUCKETS, sizeof(*s->prefix_open));
    s->worker_count = worker_count_pick(cfg->workers);
    s->workers = xcalloc(s->worker_count, sizeof(*s->workers));

    int rc = 0;
    for (unsigned i = 0; i < s->worker_count; i++) {
        rc = worker_new(s, i, &s->workers[i]);
        if (rc != 0) {
            goto out;
        }
    }
    /* Every socket before any thread: a taken port fails here, in main. */
    for (size_t li = 0; li < s->listen_count; li++) {
        rc = open_address(s, &cfg->listen[li], li);
        if (rc != 0) {
            goto out;
        }
    }
    for (unsigned i = 0; i < s->worker_count; i++) {
        for (size_t li = 0; li < s->listen_count; li++) {
            rc = listener_events_init(&s->workers[i]->listeners[li]);
            if (rc != 0) {
                goto out;
            }
        }
    }

out:
    if (rc != 0) {
        server_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

static void *worker_main(void *arg)
{
    server_worker_t *w = arg;
    const server_callbacks_t *cb = &w->s->cb;

    rcu_register_thread();
    w->ctx = cb->ctx_new != NULL ? cb->ctx_new(cb->arg, w->index) : NULL;
    if (event_base_dispatch(w->base) < 0) {
        log_err("server: worker %u: event loop failed", w->index);
    }
    /* Close connections on this thread, before the context they were
     * served with goes away. */
    server_tcp_close_all(w);
    if (cb->ctx_free != NULL) {
        cb->ctx_free(cb->arg, w->ctx);
    }
    w->ctx = NULL;
    rcu_unregister_thread();
    return NULL;
}

int server_start(server_t *s)
{
    if (s->is_started) {
        log_err("server: already started");
        return -GSLB_EINVAL;
    }
    s->is_started = true;

    /* Workers inherit a mask that blocks asynchronous signals, so SIGHUP,
     * SIGTERM and friends reach the main thread, and a SIGPIPE raised by a
     * write to a reset TCP peer stays pending on the worker (the write fails
     * with EPIPE) instead of killing the process. Faults stay deliverable. */
    sigset_t block, old;
    sigfillset(&block);
    sigdelset(&block, SIGSEGV);
    sigdelset(&block, SIGBUS);
    sigdelset(&block, SIGFPE);
    sigdelset(&block, SIGILL);
    sigdelset(&block, SIGTRAP);
    sigdelset(&block, SIGABRT);
    pthread_sigmask(SIG_BLOCK, &block, &old);

    int rc = 0;
    for (unsigned i = 0; i < s->worker_count; i++) {
        server_worker_t *w = s->workers[i];
        int err = pthread_create(&w->thread, NULL, worker_main, w);
        if (err != 0) {
            char eb[128];
            log_err("server: worker %u: cannot start thread (%s)", i,
                    server_errstr(err, eb, sizeof(eb)));
            rc = -GSLB_ESYS;
            break;
        }
        w->has_thread = true;
        /* Within the kernel's 15 characters since i < SERVER_MAX_WORKERS. */
        char tname[32];
        snprintf(tname, sizeof(tname), "gslbd-w%u", i);
        (void)pthread_setname_np(w->thread, tname);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}

void server_free(server_t *s)
{
    if (s == NULL) {
        return;
    }
    for (unsigned i = 0; i < s->worker_count; i++) {
        server_worker_t *w = s->workers[i];
        if (w != NULL && w->has_thread) {
            event_active(w->stop_ev, EV_READ, 0);
        }
    }
    for (unsigned i = 0; i < s->worker_count; i++) {
        server_worker_t *w = s->workers[i];
        if (w != NULL && w->has_thread) {
            pthread_join(w->thread, NULL);
            w->has_thread = false;
        }
    }
    for (unsigned i = 0; i < s->worker_count; i++) {
        worker_free(s->workers[i], s->listen_count);
    }
    free(s->workers);
    free(s->prefix_open);
    free(s);
}

uint16_t server_bound_port(const server_t *s)
{
    return s->bound_port;
}

unsigned server_worker_count(const server_t *s)
{
    return s->worker_count;
}

void server_stats_get(const server_t *s, server_stats_t *out)
{
    memset(out, 0, sizeof(*out));
    for (unsigned i = 0; i < s->worker_count; i++) {
        const server_counters_t *c = &s->workers[i]->ctr;
        out->udp_received += atomic_load_explicit(&c->udp_received, memory_order_relaxed);
        out->udp_answered += atomic_load_explicit(&c->udp_answered, memory_order_relaxed);
        out->udp_truncated += atomic_load_explicit(&c->udp_truncated, memory_order_relaxed);
        out->udp_send_dropped += atomic_load_explicit(&c->udp_send_dropped, memory_order_relaxed);
        out->tcp_accepted += atomic_load_explicit(&c->tcp_accepted, memory_order_relaxed);
        out->tcp_rejected += atomic_load_explicit(&c->tcp_rejected, memory_order_relaxed);
        out->tcp_queries += atomic_load_explicit(&c->tcp_queries, memory_order_relaxed);
        out->tcp_idle_closed += atomic_load_explicit(&c->tcp_idle_closed, memory_order_relaxed);
        out->tcp_prefix_rejected +=
            atomic_load_explicit(&c->tcp_prefix_rejected, memory_order_relaxed);
        out->tcp_evicted += atomic_load_explicit(&c->tcp_evicted, memory_order_relaxed);
    }
    out->tcp_open = atomic_load_explicit(&s->tcp_open, memory_order_relaxed);
}
