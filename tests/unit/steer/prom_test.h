/* Helpers shared by the Prometheus client tests: an HTTP server on its own thread, and
 * running the client's event base until its callbacks have come. */
#ifndef GSLB_TEST_STEER_PROM_H
#define GSLB_TEST_STEER_PROM_H

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/thread.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "gslb/util.h"
#include "prom.h"

/* An evhttp server on loopback with its own base and thread; every request
 * goes to one handler, run on that thread. */
typedef struct test_server {
    struct event_base *base;
    struct evhttp *http;
    pthread_t thread;
    uint16_t port;
    bool is_running;
} test_server_t;

static inline void *test_server_main(void *arg)
{
    test_server_t *s = arg;
    event_base_loop(s->base, EVLOOP_NO_EXIT_ON_EMPTY);
    return NULL;
}

/* Start s on addr ("127.0.0.1" or "::1") and a port the kernel picks.
 * evthread_use_pthreads() must have been called. Returns 0, or -1 with
 * nothing left running (the address cannot be bound). */
static inline int test_server_start(test_server_t *s, const char *addr,
                                    void (*handler)(struct evhttp_request *, void *), void *arg)
{
    memset(s, 0, sizeof(*s));
    s->base = event_base_new();
    s->http = s->base != NULL ? evhttp_new(s->base) : NULL;
    if (s->http == NULL) {
        goto fail;
    }
    evhttp_set_gencb(s->http, handler, arg);
    struct evhttp_bound_socket *bound = evhttp_bind_socket_with_handle(s->http, addr, 0);
    if (bound == NULL) {
        goto fail;
    }
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    if (getsockname(evhttp_bound_socket_get_fd(bound), (struct sockaddr *)&ss, &len) != 0) {
        goto fail;
    }
    s->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                             : ((struct sockaddr_in *)&ss)->sin_port);
    if (pthread_create(&s->thread, NULL, test_server_main, s) != 0) {
        goto fail;
    }
    s->is_running = true;
    return 0;
fail:
    if (s->http != NULL) {
        evhttp_free(s->http);
    }
    if (s->base != NULL) {
        event_base_free(s->base);
    }
    memset(s, 0, sizeof(*s));
    return -1;
}

/* Stop the thread and close the server and every connection it has. */
static inline void test_server_stop(test_server_t *s)
{
    if (!s->is_running) {
        return;
    }
    event_base_loopexit(s->base, NULL);
    pthread_join(s->thread, NULL);
    evhttp_free(s->http);
    event_base_free(s->base);
    memset(s, 0, sizeof(*s));
}

/* Send status with body (NUL-terminated) as the reply to req. */
static inline void test_reply(struct evhttp_request *req, int status, const char *body)
{
    struct evbuffer *buf = evbuffer_new();
    evbuffer_add(buf, body, strlen(body));
    evhttp_send_reply(req, status, status == 200 ? "OK" : "Error", buf);
    evbuffer_free(buf);
}

static inline double test_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static inline void test_sleep_ms(unsigned ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0) {
    }
}

/* What a steer_prom_cb was called with, and how often. */
typedef struct test_outcome {
    int calls;
    int rc;
    double value;
    bool is_error_null;
    char error[STEER_PROM_ERROR_MAX];
} test_outcome_t;

static inline void test_outcome_cb(void *arg, int rc, double value, const char *error)
{
    test_outcome_t *o = arg;
    o->calls++;
    o->rc = rc;
    o->value = value;
    o->is_error_null = error == NULL;
    snprintf(o->error, sizeof(o->error), "%s", error != NULL ? error : "");
}

static inline void test_tick_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
}

/* Run base until *calls reaches want or ms pass; returns whether it did. A
 * ticking timer keeps each loop turn short. */
static inline bool test_run_until(struct event_base *base, const int *calls, int want, unsigned ms)
{
    struct event *tick = event_new(base, -1, EV_PERSIST, test_tick_cb, NULL);
    struct timeval tv = {.tv_sec = 0, .tv_usec = 20000};
    event_add(tick, &tv);
    double until = test_now_ms() + ms;
    while (*calls < want && test_now_ms() < until) {
        event_base_loop(base, EVLOOP_ONCE);
    }
    event_free(tick);
    return *calls >= want;
}

/* One query through a fresh client; the outcome after at most 5 s. */
static inline test_outcome_t test_query_once(struct event_base *base, const char *url,
                                             unsigned timeout_ms, const char *query)
{
    test_outcome_t o;
    memset(&o, 0, sizeof(o));
    steer_prom_t *p = NULL;
    char err[STEER_PROM_ERROR_MAX - 32];
    if (steer_prom_new(&p, base, url, timeout_ms, err, sizeof(err)) != 0) {
        o.rc = 1; /* not a code the callback can give */
        snprintf(o.error, sizeof(o.error), "steer_prom_new: %s", err);
        return o;
    }
    if (steer_prom_query(p, &o, query, test_outcome_cb, &o) == 0) {
        test_run_until(base, &o.calls, 1, 5000);
    }
    steer_prom_free(p);
    return o;
}

#endif
