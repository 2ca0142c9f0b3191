/* Unit tests for the Prometheus client against a fake Prometheus on loopback with canned
 * answers, chosen by the first part of the URL's path prefix. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/thread.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/queue.h>
#include <unistd.h>

#include "prom_test.h"

/* A PromQL expression with every character that needs encoding in a query string. */
#define TRICKY_QUERY "sum(rate(x{dc=\"eu\",a=~\"b|c\"}[1m])) / 2 + 1 > 0 & #"

static const char VECTOR_BODY[] =
    "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
    "{\"metric\":{\"dc\":\"eu\"},\"value\":[1700000000.123,\"0.7\"]},"
    "{\"metric\":{\"dc\":\"us\"},\"value\":[1700000000.123,\"0.2\"]}]}}";
static const char SCALAR_BODY[] =
    "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\","
    "\"result\":[1700000000.5,\"42.5\"]}}";
static const char EMPTY_BODY[] =
    "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}";
static const char MATRIX_BODY[] =
    "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[]}}";
static const char BAD_DATA_BODY[] =
    "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"invalid parameter "
    "\\\"query\\\": 1:5: parse error: unclosed left parenthesis\"}";

/* Everything the fake server keeps; it runs on its own thread. */
typedef struct fake {
    test_server_t http;
    int cut_fd;          /* accepts, reads the request, sends half a response, closes */
    uint16_t cut_port;
    struct event *cut_ev;
    int trickle_fd;      /* accepts and answers a byte at a time, never all of it */
    uint16_t trickle_port;
    struct event *trickle_ev;
    struct trickle *trickles; /* its connections, freed at the end */
    pthread_mutex_t mu;  /* guards what follows */
    char last_agent[64];
    char last_host[64];
    char last_query[256]; /* decoded "query" parameter */
    char last_path[128];
} fake_t;

static fake_t F;
static struct event_base *C; /* the client's base, run by the test's thread */

static char *url_for(const char *what)
{
    return xasprintf("http://127.0.0.1:%u/%s", F.http.port, what);
}

/* ---- the fake Prometheus ---- */

static void remember(struct evhttp_request *req)
{
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    struct evkeyvalq *in = evhttp_request_get_input_headers(req);
    const char *agent = evhttp_find_header(in, "User-Agent");
    const char *host = evhttp_find_header(in, "Host");
    struct evkeyvalq params;
    TAILQ_INIT(&params);
    const char *q = evhttp_uri_get_query(uri);
    const char *query = NULL;
    if (q != NULL && evhttp_parse_query_str(q, &params) == 0) {
        query = evhttp_find_header(&params, "query");
    }
    pthread_mutex_lock(&F.mu);
    snprintf(F.last_agent, sizeof(F.last_agent), "%s", agent != NULL ? agent : "");
    snprintf(F.last_host, sizeof(F.last_host), "%s", host != NULL ? host : "");
    snprintf(F.last_query, sizeof(F.last_query), "%s", query != NULL ? query : "");
    snprintf(F.last_path, sizeof(F.last_path), "%s", evhttp_uri_get_path(uri));
    pthread_mutex_unlock(&F.mu);
    evhttp_clear_headers(&params);
}

static void reply_sample(struct evhttp_request *req, const char *value)
{
    char *body = xasprintf("{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":"
                           "[{\"metric\":{},\"value\":[1700000000,\"%s\"]}]}}",
                           value);
    test_reply(req, 200, body);
    free(body);
}

static void reply_big(struct evhttp_request *req, bool is_chunked)
{
    size_t n = 2 * STEER_PROM_BODY_MAX;
    char *junk = xmalloc(n);
    memset(junk, ' ', n);
    struct evbuffer *buf = evbuffer_new();
    evbuffer_add(buf, junk, n);
    free(junk);
    if (is_chunked) {
        evhttp_send_reply_start(req, 200, "OK");
        evhttp_send_reply_chunk(req, buf);
        evhttp_send_reply_end(req);
    } else {
        evhttp_send_reply(req, 200, "OK", buf);
    }
    evbuffer_free(buf);
}

static void fake_handler(struct evhttp_request *req, void *arg)
{
    (void)arg;
    remember(req);
    const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
    char what[32] = "";
    const char *api = strstr(path, "/api/v1/query");
    if (api == NULL || strcmp(api, "/api/v1/query") != 0 || path[0] != '/' ||
        (size_t)(api - path) >= sizeof(what)) {
        test_reply(req, 404, "404 page not found\n");
        return;
    }
    /* The first segment of the prefix picks the answer ("/vector/deeper" too). */
    size_t n = strcspn(path + 1, "/");
    snprintf(what, sizeof(what), "%.*s", (int)n, path + 1);
    if (strcmp(what, "vector") == 0 || strcmp(what, "") == 0) {
        test_reply(req, 200, VECTOR_BODY);
    } else if (strcmp(what, "scalar") == 0) {
        test_reply(req, 200, SCALAR_BODY);
    } else if (strcmp(what, "empty") == 0) {
        test_reply(req, 200, EMPTY_BODY);
    } else if (strcmp(what, "matrix") == 0) {
        test_reply(req, 200, MATRIX_BODY);
    } else if (strcmp(what, "nan") == 0) {
        reply_sample(req, "NaN");
    } else if (strcmp(what, "inf") == 0) {
        reply_sample(req, "+Inf");
    } else if (strcmp(what, "negative") == 0) {
        reply_sample(req, "-0.25");
    } else if (strcmp(what, "exponent") == 0) {
        reply_sample(req, "1.5e+3");
    } else if (strcmp(what, "bad400") == 0) {
        test_reply(req, 400, BAD_DATA_BODY);
    } else if (strcmp(what, "plain503") == 0) {
        test_reply(req, 503, "Service Unavailable\n");
    } else if (strcmp(what, "invalid") == 0) {
        test_reply(req, 200, "<html>not json</html>");
    } else if (strcmp(what, "big") == 0) {
        reply_big(req, false);
    } else if (strcmp(what, "bigchunked") == 0) {
        reply_big(req, true);
    } else if (strcmp(what, "silent") == 0) {
        /* Never answered; evhttp_free at the end drops it. */
    } else {
        test_reply(req, 404, "404 page not found\n");
    }
}

/* The connection that dies: read the request, send half an answer, close. */
static void cut_conn_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    struct event *self = arg;
    char buf[4096];
    while (read(fd, buf, sizeof(buf)) > 0) {
    }
    static const char half[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                               "Content-Length: 500\r\n\r\n{\"status\":\"succ";
    ssize_t w = write(fd, half, sizeof(half) - 1);
    (void)w;
    event_free(self);
    close(fd);
}

static void cut_accept_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    (void)arg;
    int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (c < 0) {
        return;
    }
    struct event *ev = event_new(F.http.base, c, EV_READ, cut_conn_cb, event_self_cbarg());
    event_add(ev, NULL);
}

/* One byte every 50 ms: every read is quick, so only a deadline for the
 * whole exchange ends it. */
typedef struct trickle {
    int fd;
    struct event *ev;
    size_t sent;
    struct trickle *next;
} trickle_t;

static void trickle_tick(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    trickle_t *t = arg;
    static const char head[] = "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n";
    char c = t->sent < sizeof(head) - 1 ? head[t->sent] : ' ';
    if (write(t->fd, &c, 1) != 1) {
        /* The client has gone; the rest is freed at the end. */
        event_del(t->ev);
        close(t->fd);
        t->fd = -1;
        return;
    }
    t->sent++;
}

static void trickle_accept_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    (void)arg;
    int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (c < 0) {
        return;
    }
    trickle_t *t = xcalloc(1, sizeof(*t));
    t->fd = c;
    t->ev = event_new(F.http.base, -1, EV_PERSIST, trickle_tick, t);
    t->next = F.trickles;
    F.trickles = t;
    struct timeval tv = {.tv_sec = 0, .tv_usec = 50000};
    event_add(t->ev, &tv);
}

static int listen_loopback(uint16_t *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET};
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(sin);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 || listen(fd, 16) != 0 ||
        getsockname(fd, (struct sockaddr *)&sin, &len) != 0) {
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    *port = ntohs(sin.sin_port);
    return fd;
}

static int group_setup(void **state)
{
    (void)state;
    /* The big answers are cut off by the client mid-write; take EPIPE. */
    signal(SIGPIPE, SIG_IGN);
    evthread_use_pthreads();
    pthread_mutex_init(&F.mu, NULL);
    C = event_base_new();
    if (C == NULL || test_server_start(&F.http, "127.0.0.1", fake_handler, NULL) != 0) {
        return -1;
    }
    F.cut_fd = listen_loopback(&F.cut_port);
    if (F.cut_fd < 0) {
        return -1;
    }
    /* Added from this thread before the server's loop sees it: libevent
     * with pthreads locks the base, so that is allowed. */
    F.cut_ev = event_new(F.http.base, F.cut_fd, EV_READ | EV_PERSIST, cut_accept_cb, NULL);
    F.trickle_fd = listen_loopback(&F.trickle_port);
    if (F.trickle_fd < 0) {
        return -1;
    }
    F.trickle_ev =
        event_new(F.http.base, F.trickle_fd, EV_READ | EV_PERSIST, trickle_accept_cb, NULL);
    return event_add(F.cut_ev, NULL) == 0 && event_add(F.trickle_ev, NULL) == 0 ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    /* Stopped first: the loop must not run while its events are freed. */
    event_base_loopexit(F.http.base, NULL);
    pthread_join(F.http.thread, NULL);
    F.http.is_running = false;
    event_free(F.cut_ev);
    close(F.cut_fd);
    event_free(F.trickle_ev);
    close(F.trickle_fd);
    while (F.trickles != NULL) {
        trickle_t *t = F.trickles;
        F.trickles = t->next;
        event_free(t->ev);
        if (t->fd >= 0) {
            close(t->fd);
        }
        free(t);
    }
    evhttp_free(F.http.http);
    event_base_free(F.http.base);
    event_base_free(C);
    pthread_mutex_destroy(&F.mu);
    return 0;
}

/* One query at the canned answer `what`. */
static test_outcome_t ask(const char *what, unsigned timeout_ms)
{
    char *url = url_for(what);
    test_outcome_t o = test_query_once(C, url, timeout_ms, "dc_load{dc=\"eu\"}");
    free(url);
    return o;
}

static void assert_failed(const test_outcome_t *o, int rc, const char *error)
{
    assert_int_equal(o->calls, 1);
    assert_int_equal(o->rc, rc);
    assert_string_equal(o->error, error);
    assert_true(o->value == 0);
}

/* ---- the server's URL ---- */

static void test_url_forms_accepted(void **state)
{
    (void)state;
    static const char *const good[] = {
        "http://127.0.0.1:9090",
        "http://127.0.0.1:9090/",
        "http://127.0.0.1",
        "http://[::1]:9090/prometheus/",
        "HTTP://10.0.0.1:9090/a/b",
    };
    for (size_t i = 0; i < GSLB_ARRAY_LEN(good); i++) {
        steer_prom_t *p = NULL;
        char err[128] = "x";
        assert_int_equal(steer_prom_new(&p, C, good[i], 1000, err, sizeof(err)), 0);
        assert_non_null(p);
        assert_string_equal(err, "");
        steer_prom_free(p);
    }
}

static void test_url_forms_refused_with_reason(void **state)
{
    (void)state;
    static const struct {
        const char *url;
        const char *reason; /* a part of the text */
    } bad[] = {
        {"https://127.0.0.1:9090", "https is not supported"},
        {"ftp://127.0.0.1:9090", "scheme 'ftp' is not supported"},
        {"127.0.0.1:9090", "not a URL of the form http://HOST[:PORT]"},
        {"http://", "no host"},
        {"http://prometheus.example:9090", "not an IP address (names are not resolved"},
        {"http://[::zz]:9090", "not a URL of the form"},
        {"http://[v1.future]:9090", "is not an IPv6 address"},
        {"http://user:pw@127.0.0.1:9090", "credentials"},
        {"http://127.0.0.1:9090/?x=1", "query string"},
        {"http://127.0.0.1:9090/#top", "fragment"},
        {"http://127.0.0.1:0", "port 0"},
        {"http://127.0.0.1:99999", "not a URL of the form"},
        {"", "no URL"},
    };
    for (size_t i = 0; i < GSLB_ARRAY_LEN(bad); i++) {
        steer_prom_t *p = (steer_prom_t *)&p;
        char err[160] = "";
        assert_int_equal(steer_prom_new(&p, C, bad[i].url, 1000, err, sizeof(err)), -GSLB_EINVAL);
        assert_null(p);
        if (strstr(err, bad[i].reason) == NULL) {
            fail_msg("url '%s': error '%s' does not say '%s'", bad[i].url, err, bad[i].reason);
        }
    }
    steer_prom_t *p = NULL;
    char err[64];
    assert_int_equal(steer_prom_new(&p, C, "http://127.0.0.1", 0, err, sizeof(err)), -GSLB_EINVAL);
    assert_non_null(strstr(err, "timeout"));
    assert_int_equal(steer_prom_new(&p, NULL, "http://127.0.0.1", 10, err, sizeof(err)),
                     -GSLB_EINVAL);
    /* No room for a reason is fine too. */
    assert_int_equal(steer_prom_new(&p, C, "https://127.0.0.1", 10, NULL, 0), -GSLB_EINVAL);
}

/* ---- answers ---- */

static void test_vector_gives_first_sample_and_request_is_well_formed(void **state)
{
    (void)state;
    char *url = xasprintf("http://127.0.0.1:%u/vector/deeper/", F.http.port);
    test_outcome_t o = test_query_once(C, url, 2000, TRICKY_QUERY);
    free(url);
    assert_int_equal(o.calls, 1);
    assert_int_equal(o.rc, 0);
    assert_true(o.value == 0.7);
    assert_true(o.is_error_null);
    char host[32];
    snprintf(host, sizeof(host), "127.0.0.1:%u", F.http.port);
    pthread_mutex_lock(&F.mu);
    assert_string_equal(F.last_agent, "gslbd");
    assert_string_equal(F.last_host, host);
    assert_string_equal(F.last_path, "/vector/deeper/api/v1/query");
    assert_string_equal(F.last_query, TRICKY_QUERY);
    pthread_mutex_unlock(&F.mu);
}

static void test_scalar_and_exponent_values(void **state)
{
    (void)state;
    test_outcome_t o = ask("scalar", 2000);
    assert_int_equal(o.rc, 0);
    assert_true(o.value == 42.5);
    o = ask("exponent", 2000);
    assert_int_equal(o.rc, 0);
    assert_true(o.value == 1500.0);
}

static void test_empty_vector_is_not_found(void **state)
{
    (void)state;
    test_outcome_t o = ask("empty", 2000);
    assert_failed(&o, -GSLB_ENOTFOUND, "empty result");
}

static void test_nan_inf_and_negative_are_refused(void **state)
{
    (void)state;
    test_outcome_t o = ask("nan", 2000);
    assert_failed(&o, -GSLB_EINVAL, "not a number: \"NaN\"");
    o = ask("inf", 2000);
    assert_failed(&o, -GSLB_EINVAL, "not finite: \"+Inf\"");
    o = ask("negative", 2000);
    assert_failed(&o, -GSLB_EINVAL, "negative: \"-0.25\"");
}

static void test_matrix_is_unsupported(void **state)
{
    (void)state;
    test_outcome_t o = ask("matrix", 2000);
    assert_failed(&o, -GSLB_EINVAL, "unsupported result type \"matrix\"");
}

static void test_http_errors_carry_the_servers_reason(void **state)
{
    (void)state;
    test_outcome_t o = ask("bad400", 2000);
    assert_failed(&o, -GSLB_EIO,
                  "HTTP 400: invalid parameter \"query\": 1:5: parse error: unclosed left "
                  "parenthesis");
    o = ask("plain503", 2000);
    assert_failed(&o, -GSLB_EIO, "HTTP 503");
    o = ask("no-such-answer", 2000);
    assert_failed(&o, -GSLB_EIO, "HTTP 404");
}

static void test_invalid_json_is_refused(void **state)
{
    (void)state;
    test_outcome_t o = ask("invalid", 2000);
    assert_int_equal(o.calls, 1);
    assert_int_equal(o.rc, -GSLB_EINVAL);
    assert_true(strncmp(o.error, "bad JSON: ", 10) == 0);
}

static void test_oversized_body_is_refused(void **state)
{
    (void)state;
    test_outcome_t o = ask("big", 2000);
    assert_failed(&o, -GSLB_ENOSPACE, "response too large");
    o = ask("bigchunked", 2000);
    assert_failed(&o, -GSLB_ENOSPACE, "response too large");
}

/* ---- the network failing ---- */

static void test_silent_server_times_out(void **state)
{
    (void)state;
    double start = test_now_ms();
    test_outcome_t o = ask("silent", 300);
    double took = test_now_ms() - start;
    assert_failed(&o, -GSLB_EIO, "timeout");
    assert_true(took >= 290);
    assert_true(took < 1500);
}

static void test_trickling_server_times_out(void **state)
{
    (void)state;
    char *url = xasprintf("http://127.0.0.1:%u", F.trickle_port);
    double start = test_now_ms();
    test_outcome_t o = test_query_once(C, url, 400, "up");
    double took = test_now_ms() - start;
    free(url);
    assert_failed(&o, -GSLB_EIO, "timeout");
    assert_true(took >= 390);
    assert_true(took < 1000);
}

static void test_connection_dying_mid_answer(void **state)
{
    (void)state;
    char *url = xasprintf("http://127.0.0.1:%u", F.cut_port);
    test_outcome_t o = test_query_once(C, url, 2000, "up");
    free(url);
    assert_failed(&o, -GSLB_EIO, "connection closed before the response");
}

static void test_stopped_server_refuses(void **state)
{
    (void)state;
    test_server_t s;
    assert_int_equal(test_server_start(&s, "127.0.0.1", fake_handler, NULL), 0);
    char *url = xasprintf("http://127.0.0.1:%u/scalar", s.port);
    test_outcome_t o = test_query_once(C, url, 2000, "up");
    assert_int_equal(o.rc, 0);
    test_server_stop(&s);
    o = test_query_once(C, url, 2000, "up");
    free(url);
    assert_failed(&o, -GSLB_EIO, "connect: Connection refused");
}

static void test_ipv6_server(void **state)
{
    (void)state;
    test_server_t s;
    if (test_server_start(&s, "::1", fake_handler, NULL) != 0) {
        skip(); /* no IPv6 loopback here */
    }
    char *url = xasprintf("http://[::1]:%u/scalar", s.port);
    test_outcome_t o = test_query_once(C, url, 2000, "up");
    free(url);
    char host[32];
    snprintf(host, sizeof(host), "[::1]:%u", s.port);
    pthread_mutex_lock(&F.mu);
    bool is_host_ok = strcmp(F.last_host, host) == 0;
    pthread_mutex_unlock(&F.mu);
    test_server_stop(&s);
    assert_int_equal(o.rc, 0);
    assert_true(o.value == 42.5);
    assert_true(is_host_ok);
}

/* ---- several queries, the busy rule and freeing ---- */

static void test_same_key_is_busy_until_answered(void **state)
{
    (void)state;
    char *url = url_for("silent");
    steer_prom_t *p = NULL;
    assert_int_equal(steer_prom_new(&p, C, url, 200, NULL, 0), 0);
    free(url);
    int key_a, key_b;
    test_outcome_t a = {0}, a2 = {0}, b = {0};
    assert_int_equal(steer_prom_query(p, &key_a, "up", test_outcome_cb, &a), 0);
    assert_int_equal(steer_prom_query(p, &key_a, "up", test_outcome_cb, &a2), -GSLB_EBUSY);
    assert_int_equal(steer_prom_query(p, &key_b, "up", test_outcome_cb, &b), 0);
    assert_int_equal(steer_prom_query(p, NULL, "", test_outcome_cb, &b), -GSLB_EINVAL);
    assert_int_equal(steer_prom_query(p, NULL, "up", NULL, &b), -GSLB_EINVAL);
    assert_true(test_run_until(C, &b.calls, 1, 3000));
    test_run_until(C, &a.calls, 1, 1000);
    assert_int_equal(a.calls, 1);
    assert_int_equal(a2.calls, 0);
    assert_string_equal(a.error, "timeout");
    /* Answered: the key is free again. */
    assert_int_equal(steer_prom_query(p, &key_a, "up", test_outcome_cb, &a2), 0);
    assert_true(test_run_until(C, &a2.calls, 1, 3000));
    steer_prom_free(p);
}

static void test_many_keys_answered_together(void **state)
{
    (void)state;
    char *url = url_for("vector");
    steer_prom_t *p = NULL;
    assert_int_equal(steer_prom_new(&p, C, url, 2000, NULL, 0), 0);
    free(url);
    test_outcome_t o[8];
    memset(o, 0, sizeof(o));
    int total = 0;
    for (size_t i = 0; i < GSLB_ARRAY_LEN(o); i++) {
        assert_int_equal(steer_prom_query(p, &o[i], "up", test_outcome_cb, &o[i]), 0);
    }
    double until = test_now_ms() + 5000;
    while (total < 8 && test_now_ms() < until) {
        int none = 0;
        test_run_until(C, &none, 1, 20);
        total = 0;
        for (size_t i = 0; i < GSLB_ARRAY_LEN(o); i++) {
            total += o[i].calls;
        }
    }
    for (size_t i = 0; i < GSLB_ARRAY_LEN(o); i++) {
        assert_int_equal(o[i].calls, 1);
        assert_int_equal(o[i].rc, 0);
        assert_true(o[i].value == 0.7);
    }
    steer_prom_free(p);
}

static void test_free_cancels_without_callbacks(void **state)
{
    (void)state;
    char *url = url_for("silent");
    steer_prom_t *p = NULL;
    assert_int_equal(steer_prom_new(&p, C, url, 300, NULL, 0), 0);
    free(url);
    test_outcome_t waiting = {0}, connecting = {0};
    assert_int_equal(steer_prom_query(p, &waiting, "up", test_outcome_cb, &waiting), 0);
    /* Let the first reach the server and wait there. */
    int none = 0;
    test_run_until(C, &none, 1, 100);
    assert_int_equal(steer_prom_query(p, &connecting, "up", test_outcome_cb, &connecting), 0);
    steer_prom_free(p);
    /* Past the deadline: nothing may call back into freed memory. */
    test_run_until(C, &none, 1, 500);
    assert_int_equal(waiting.calls, 0);
    assert_int_equal(connecting.calls, 0);
    steer_prom_free(NULL);
}

/* A callback that frees the client while another query is in flight. */
typedef struct free_in_cb {
    steer_prom_t *p;
    test_outcome_t first;
} free_in_cb_t;

static void free_client_cb(void *arg, int rc, double value, const char *error)
{
    free_in_cb_t *f = arg;
    test_outcome_cb(&f->first, rc, value, error);
    steer_prom_free(f->p);
}

static void test_free_from_a_callback(void **state)
{
    (void)state;
    /* The first query times out at 200 ms and frees the client; the
     * second, started 100 ms later, is still waiting then. */
    char *url = url_for("silent");
    free_in_cb_t f = {0};
    assert_int_equal(steer_prom_new(&f.p, C, url, 200, NULL, 0), 0);
    free(url);
    test_outcome_t other = {0};
    assert_int_equal(steer_prom_query(f.p, &f, "up", free_client_cb, &f), 0);
    int none = 0;
    test_run_until(C, &none, 1, 100);
    assert_int_equal(steer_prom_query(f.p, &other, "up", test_outcome_cb, &other), 0);
    assert_true(test_run_until(C, &f.first.calls, 1, 3000));
    test_run_until(C, &none, 1, 400);
    assert_string_equal(f.first.error, "timeout");
    assert_int_equal(other.calls, 0);
}

/* A callback that asks again with the same key. */
typedef struct again {
    steer_prom_t *p;
    int calls;
    int rc_of_second_ask;
    double last_value;
} again_t;

static void ask_again_cb(void *arg, int rc, double value, const char *error)
{
    (void)error;
    again_t *g = arg;
    g->calls++;
    g->last_value = rc == 0 ? value : -1;
    if (g->calls == 1) {
        g->rc_of_second_ask = steer_prom_query(g->p, g, "up", ask_again_cb, g);
    }
}

static void test_query_again_from_the_callback(void **state)
{
    (void)state;
    char *url = url_for("scalar");
    again_t g = {0};
    assert_int_equal(steer_prom_new(&g.p, C, url, 2000, NULL, 0), 0);
    free(url);
    assert_int_equal(steer_prom_query(g.p, &g, "up", ask_again_cb, &g), 0);
    assert_true(test_run_until(C, &g.calls, 2, 3000));
    assert_int_equal(g.rc_of_second_ask, 0);
    assert_true(g.last_value == 42.5);
    steer_prom_free(g.p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url_forms_accepted),
        cmocka_unit_test(test_url_forms_refused_with_reason),
        cmocka_unit_test(test_vector_gives_first_sample_and_request_is_well_formed),
        cmocka_unit_test(test_scalar_and_exponent_values),
        cmocka_unit_test(test_empty_vector_is_not_found),
        cmocka_unit_test(test_nan_inf_and_negative_are_refused),
        cmocka_unit_test(test_matrix_is_unsupported),
        cmocka_unit_test(test_http_errors_carry_the_servers_reason),
        cmocka_unit_test(test_invalid_json_is_refused),
        cmocka_unit_test(test_oversized_body_is_refused),
        cmocka_unit_test(test_silent_server_times_out),
        cmocka_unit_test(test_trickling_server_times_out),
        cmocka_unit_test(test_connection_dying_mid_answer),
        cmocka_unit_test(test_stopped_server_refuses),
        cmocka_unit_test(test_ipv6_server),
        cmocka_unit_test(test_same_key_is_busy_until_answered),
        cmocka_unit_test(test_many_keys_answered_together),
        cmocka_unit_test(test_free_cancels_without_callbacks),
        cmocka_unit_test(test_free_from_a_callback),
        cmocka_unit_test(test_query_again_from_the_callback),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
