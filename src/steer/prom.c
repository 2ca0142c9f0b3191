/* steer: the Prometheus client's requests: one evhttp connection per query in flight, a
 * deadline per query, and callbacks run from the client's own event. */
#include "prom.h"

#include "prom_int.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

/* Response headers past this fail the query like an oversized body. */
#define PROM_HEADERS_MAX (64 * 1024)

/* libevent's own I/O timeouts are a backstop behind the query's deadline, so
 * that the deadline (which also covers a server that trickles bytes) is
 * what reports "timeout". */
#define PROM_EVHTTP_SLACK_MS 1000

typedef struct prom_req prom_req_t;

struct steer_prom {
    struct event_base *base;
    steer_prom_url_t url;
    unsigned timeout_ms;
    prom_req_t *reqs; /* in flight */
};

/* One query in flight. Its event is the deadline while the answer is
 * awaited and is made active at once when the outcome is known: the caller's
 * callback and the freeing of the connection always happen there, never
 * inside a libevent callback (evhttp can even call back from inside
 * evhttp_make_request). */
struct prom_req {
    steer_prom_t *p;
    prom_req_t *prev, *next;
    const void *key;
    steer_prom_cb cb;
    void *arg;
    struct evhttp_connection *evcon;
    struct event *ev;
    bool is_done;              /* rc, value and error hold the outcome */
    int rc;
    double value;
    char error[STEER_PROM_ERROR_MAX];
    /* Why evhttp gave up, for the text of the outcome. */
    bool has_http_error;
    enum evhttp_request_error http_error;
    int connect_errno;         /* errno of a failed connect, 0 = none seen */
    bool is_connect_timeout;
    bufferevent_event_cb evhttp_event_cb; /* evhttp's connect callback that connect_hook wraps */
    void *evhttp_event_arg;
};

static void req_link(steer_prom_t *p, prom_req_t *r)
{
    r->p = p;
    r->next = p->reqs;
    if (p->reqs != NULL) {
        p->reqs->prev = r;
    }
    p->reqs = r;
}

static void req_unlink(prom_req_t *r)
{
    if (r->prev != NULL) {
        r->prev->next = r->next;
    } else {
        r->p->reqs = r->next;
    }
    if (r->next != NULL) {
        r->next->prev = r->prev;
    }
    r->prev = r->next = NULL;
}

/* Free an unlinked request without calling back. Freeing the connection
 * drops its evhttp request without calling evhttp's callbacks either. */
static void req_free(prom_req_t *r)
{
    if (r->evcon != NULL) {
        evhttp_connection_free(r->evcon);
    }
    if (r->ev != NULL) {
        event_free(r->ev);
    }
    free(r);
}

/* Record the outcome; the first one wins. Returns whether this was it. */
static bool req_set(prom_req_t *r, int rc, double value, const char *error)
{
    if (r->is_done) {
        return false;
    }
    r->is_done = true;
    r->rc = rc;
    r->value = rc == 0 ? value : 0;
    snprintf(r->error, sizeof(r->error), "%s", rc == 0 || error == NULL ? "" : error);
    return true;
}

/* Record the outcome and have the request's event deliver it at once. */
static void req_done(prom_req_t *r, int rc, double value, const char *error)
{
    if (req_set(r, rc, value, error)) {
        event_del(r->ev);
        event_active(r->ev, EV_TIMEOUT, 1);
    }
}

/* The request's event: the deadline passed, or the outcome is known. */
static void req_event_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    prom_req_t *r = arg;
    req_set(r, -GSLB_EIO, 0, "timeout"); /* unless the outcome came first */
    steer_prom_cb cb = r->cb;
    void *cb_arg = r->arg;
    int rc = r->rc;
    double value = r->value;
    char error[STEER_PROM_ERROR_MAX];
    memcpy(error, r->error, sizeof(error));
    req_unlink(r);
    req_free(r);
    /* Last: the callback may start queries or free the client. */
    cb(cb_arg, rc, value, rc == 0 ? NULL : error);
}

/* evhttp calls back with no request or a request without status when the
 * exchange failed; say why from what was seen on the way. */
static void req_failed(prom_req_t *r)
{
    char text[STEER_PROM_ERROR_MAX];
    int rc = -GSLB_EIO;
    if (r->is_connect_timeout ||
        (r->has_http_error && r->http_error == EVREQ_HTTP_TIMEOUT)) {
        snprintf(text, sizeof(text), "timeout");
    } else if (r->connect_errno != 0) {
        snprintf(text, sizeof(text), "connect: %s", strerror(r->connect_errno));
    } else if (!r->has_http_error) {
        snprintf(text, sizeof(text), "connect failed");
    } else {
        switch (r->http_error) {
        case EVREQ_HTTP_DATA_TOO_LONG:
            rc = -GSLB_ENOSPACE;
            snprintf(text, sizeof(text), "response too large");
            break;
        case EVREQ_HTTP_INVALID_HEADER:
            snprintf(text, sizeof(text), "malformed HTTP response");
            break;
        case EVREQ_HTTP_BUFFER_ERROR:
            snprintf(text, sizeof(text), "I/O error");
            break;
        case EVREQ_HTTP_REQUEST_CANCEL:
            snprintf(text, sizeof(text), "cancelled");
            break;
        case EVREQ_HTTP_EOF:
        default:
            snprintf(text, sizeof(text), "connection closed before the response");
            break;
        }
    }
    req_done(r, rc, 0, text);
}

static void http_error_cb(enum evhttp_request_error error, void *arg)
{
    prom_req_t *r = arg;
    r->has_http_error = true;
    r->http_error = error;
}

/* evhttp's callback for the end of the exchange, whatever it was. */
static void http_done_cb(struct evhttp_request *req, void *arg)
{
    prom_req_t *r = arg;
    int status = req != NULL ? evhttp_request_get_response_code(req) : 0;
    if (status == 0) {
        req_failed(r);
        return;
    }
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t len = evbuffer_get_length(in);
    const char *body = len > 0 ? (const char *)evbuffer_pullup(in, -1) : NULL;
    char text[STEER_PROM_ERROR_MAX];
    double value = 0;
    int rc = steer_prom_result_parse(status, body, len, &value, text, sizeof(text));
    req_done(r, rc, value, text);
}

/* Sits in front of evhttp's connect callback to keep errno: on a refused
 * connection evhttp closes the socket before it calls back, and the
 * closing overwrites errno, so "Connection refused" would be lost. evhttp
 * installs its own callbacks once connected, which removes this one. */
static void connect_hook(struct bufferevent *bev, short what, void *arg)
{
    prom_req_t *r = arg;
    if (what & BEV_EVENT_ERROR) {
        r->connect_errno = EVUTIL_SOCKET_ERROR();
    }
    if (what & BEV_EVENT_TIMEOUT) {
        r->is_connect_timeout = true;
    }
    r->evhttp_event_cb(bev, what, r->evhttp_event_arg);
}

static void hook_connect(prom_req_t *r)
{
    struct bufferevent *bev = evhttp_connection_get_bufferevent(r->evcon);
    bufferevent_data_cb read_cb, write_cb;
    bufferevent_event_cb event_cb;
    void *cb_arg;
    bufferevent_getcb(bev, &read_cb, &write_cb, &event_cb, &cb_arg);
    if (event_cb == NULL) {
        return;
    }
    r->evhttp_event_cb = event_cb;
    r->evhttp_event_arg = cb_arg;
    bufferevent_setcb(bev, read_cb, write_cb, connect_hook, r);
}

static void out_of_memory(const char *what)
{
    log_err("steer: prometheus: cannot create %s (out of memory)", what);
    abort();
}

/* The connection and request for r, sent; the outcome arrives through
 * http_done_cb (possibly before this returns). */
static void req_send(steer_prom_t *p, prom_req_t *r, const char *query)
{
    const steer_prom_url_t *u = &p->url;
    r->evcon = evhttp_connection_base_new(p->base, NULL, u->addr, u->port);
    if (r->evcon == NULL) {
        out_of_memory("an HTTP connection");
    }
    unsigned long long slack_ms = (unsigned long long)p->timeout_ms + PROM_EVHTTP_SLACK_MS;
    struct timeval slack = {.tv_sec = (time_t)(slack_ms / 1000),
                            .tv_usec = (suseconds_t)(slack_ms % 1000) * 1000};
    evhttp_connection_set_family(r->evcon, u->family);
    evhttp_connection_set_timeout_tv(r->evcon, &slack);
    evhttp_connection_set_retries(r->evcon, 0);
    evhttp_connection_set_max_body_size(r->evcon, STEER_PROM_BODY_MAX);
    evhttp_connection_set_max_headers_size(r->evcon, PROM_HEADERS_MAX);

    struct evhttp_request *req = evhttp_request_new(http_done_cb, r);
    if (req == NULL) {
        out_of_memory("an HTTP request");
    }
    evhttp_request_set_error_cb(req, http_error_cb);
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    evhttp_add_header(h, "Host", u->host_header);
    evhttp_add_header(h, "User-Agent", "gslbd");
    evhttp_add_header(h, "Accept", "application/json");
    evhttp_add_header(h, "Connection", "close");

    char *encoded = evhttp_uriencode(query, -1, 0);
    if (encoded == NULL) {
        out_of_memory("the request URI");
    }
    char *target = xasprintf("%s/api/v1/query?query=%s", u->path_prefix, encoded);
    free(encoded);
    int rc = evhttp_make_request(r->evcon, req, EVHTTP_REQ_GET, target);
    free(target);
    if (rc != 0) {
        /* Only when libevent runs out of memory or cannot set up the socket. */
        req_done(r, -GSLB_EIO, 0, "cannot send the request");
    } else if (!r->is_done) {
        hook_connect(r);
    }
}

int steer_prom_new(steer_prom_t **out, struct event_base *base, const char *url,
                   unsigned timeout_ms, char *err, size_t errlen)
{
    if (err != NULL && errlen > 0) {
        err[0] = '\0';
    }
    if (out == NULL) {
        return -GSLB_EINVAL;
    }
    *out = NULL;
    if (base == NULL) {
        if (err != NULL && errlen > 0) {
            snprintf(err, errlen, "no event base");
        }
        return -GSLB_EINVAL;
    }
    if (timeout_ms == 0) {
        if (err != NULL && errlen > 0) {
            snprintf(err, errlen, "the timeout must be at least 1 ms");
        }
        return -GSLB_EINVAL;
    }
    steer_prom_url_t u;
    int rc = steer_prom_url_parse(url, &u, err, errlen);
    if (rc != 0) {
        return rc;
    }
    steer_prom_t *p = xcalloc(1, sizeof(*p));
    p->base = base;
    p->url = u;
    p->timeout_ms = timeout_ms;
    *out = p;
    return 0;
}

void steer_prom_free(steer_prom_t *p)
{
    if (p == NULL) {
        return;
    }
    while (p->reqs != NULL) {
        prom_req_t *r = p->reqs;
        req_unlink(r);
        req_free(r);
    }
    steer_prom_url_clear(&p->url);
    free(p);
}

int steer_prom_query(steer_prom_t *p, const void *key, const char *query, steer_prom_cb cb,
                     void *arg)
{
    if (p == NULL || query == NULL || query[0] == '\0' || cb == NULL) {
        return -GSLB_EINVAL;
    }
    for (const prom_req_t *r = p->reqs; r != NULL; r = r->next) {
        if (r->key == key) {
            return -GSLB_EBUSY;
        }
    }
    prom_req_t *r = xcalloc(1, sizeof(*r));
    r->key = key;
    r->cb = cb;
    r->arg = arg;
    r->ev = evtimer_new(p->base, req_event_cb, r);
    if (r->ev == NULL) {
        out_of_memory("a timer");
    }
    struct timeval tv = {.tv_sec = p->timeout_ms / 1000,
                         .tv_usec = (p->timeout_ms % 1000) * 1000};
    evtimer_add(r->ev, &tv);
    req_link(p, r);
    req_send(p, r, query);
    return 0;
}
