/* fleet: the etcd v3 JSON gateway client: endpoints with failover, one evhttp connection per
 * request (TLS through bufferevent_openssl), authentication tokens and the watch stream. */
#include "fleet_int.h"

#include "gslb/health.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEADERS_MAX (64 * 1024)
/* The status of a request that was never sent (no token yet): neither an
 * answer from etcd nor a failure of it. */
#define NOT_SENT (-1)

struct fleet_req {
    fleet_t *f;
    fleet_req_t *prev, *next;
    size_t ep;                     /* the endpoint it went to */
    fleet_call_cb cb;
    void *arg;
    struct evhttp_connection *evcon;
    struct event *ev;              /* delivers the outcome */
    bool is_kv;                    /* a key space request (/v3/kv/...) */
    bool is_done;
    int rc;
    int status;
    json_t *body;
    char error[FLEET_ERROR_MAX];
    /* The watch. */
    bool is_watch;
    void (*on_event)(fleet_t *f, json_t *result);
    void (*on_end)(fleet_t *f, const char *error);
    struct evbuffer *stream;       /* bytes of the message being received */
};

static int fail(char *err, size_t errlen, const char *what, const char *path)
{
    unsigned long e = ERR_get_error();
    char ebuf[128] = "";
    if (e != 0) {
        ERR_error_string_n(e, ebuf, sizeof(ebuf));
    }
    ERR_clear_error();
    snprintf(err, errlen, "%s '%s' (%s)", what, path, ebuf[0] ? ebuf : "unknown error");
    return -GSLB_EINVAL;
}

int fleet_client_init(fleet_t *f, char *err, size_t errlen)
{
    const fleet_def_t *d = &f->def;
    if (d->endpoint_count == 0) {
        snprintf(err, errlen, "no etcd endpoint");
        return -GSLB_EINVAL;
    }
    f->eps = xcalloc(d->endpoint_count, sizeof(*f->eps));
    bool has_tls = false;
    for (size_t i = 0; i < d->endpoint_count; i++) {
        const char *why = fleet_endpoint_parse(d->endpoints[i], &f->eps[i]);
        if (why != NULL) {
            snprintf(err, errlen, "endpoint '%s': %s", d->endpoints[i], why);
            return -GSLB_EINVAL;
        }
        f->eps[i].url = d->endpoints[i];
        has_tls |= f->eps[i].is_tls;
    }
    f->ep_count = d->endpoint_count;
    if (!has_tls) {
        return 0;
    }
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL) {
        return fail(err, errlen, "cannot create a TLS context for", "etcd");
    }
    f->ssl_ctx = ctx;
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    if (d->tls_ca_file != NULL) {
        if (SSL_CTX_load_verify_locations(ctx, d->tls_ca_file, NULL) != 1) {
            return fail(err, errlen, "cannot read the CA file", d->tls_ca_file);
        }
    } else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
        return fail(err, errlen, "cannot read the system CA store for", "etcd");
    }
    if (d->tls_cert_file != NULL &&
        SSL_CTX_use_certificate_chain_file(ctx, d->tls_cert_file) != 1) {
        return fail(err, errlen, "cannot read the client certificate", d->tls_cert_file);
    }
    if (d->tls_key_file != NULL &&
        SSL_CTX_use_PrivateKey_file(ctx, d->tls_key_file, SSL_FILETYPE_PEM) != 1) {
        return fail(err, errlen, "cannot read the client key", d->tls_key_file);
    }
    return 0;
}

void fleet_client_free(fleet_t *f)
{
    if (f->ssl_ctx != NULL) {
        SSL_CTX_free(f->ssl_ctx);
        f->ssl_ctx = NULL;
    }
    free(f->eps);
    f->eps = NULL;
}

/* ---- requests ---- */

static void req_unlink(fleet_req_t *r)
{
    if (r->prev != NULL) {
        r->prev->next = r->next;
    } else {
        r->f->reqs = r->next;
    }
    if (r->next != NULL) {
        r->next->prev = r->prev;
    }
    r->prev = r->next = NULL;
}

static void req_free(fleet_req_t *r)
{
    if (r->evcon != NULL) {
        evhttp_connection_free(r->evcon);
    }
    if (r->ev != NULL) {
        event_free(r->ev);
    }
    if (r->stream != NULL) {
        evbuffer_free(r->stream);
    }
    json_decref(r->body);
    free(r);
}

void fleet_reqs_drop(fleet_t *f)
{
    while (f->reqs != NULL) {
        fleet_req_t *r = f->reqs;
        req_unlink(r);
        req_free(r);
    }
    f->has_watch = false;
}

/* Record the outcome (the first one wins) and deliver it from r->ev. */
static void req_done(fleet_req_t *r, int rc, int status, json_t *body, const char *error)
{
    if (r->is_done) {
        json_decref(body);
        return;
    }
    r->is_done = true;
    r->rc = rc;
    r->status = status;
    r->body = body;
    snprintf(r->error, sizeof(r->error), "%s", error != NULL ? error : "");
    event_del(r->ev);
    event_active(r->ev, EV_TIMEOUT, 1);
}

/* Transport failures and overloaded servers move the client on; answers
 * that say our request was wrong do not. */
static void account(fleet_t *f, fleet_req_t *r)
{
    /* Contact means the shared state can be read and written: only key
     * space requests that succeed count (a lease keep-alive may pass where
     * reads are refused), and a refusal (no permission, bad credentials)
     * is no more contact than silence. A watch that ends tells nothing
     * about etcd now; its end is only a reason to try the next endpoint. */
    bool is_answer = r->is_kv && r->rc == 0;
    bool is_server_fine = r->status > 0 && r->status < 500;
    pthread_mutex_lock(&f->mu);
    f->stats.failures += r->rc != 0;
    pthread_mutex_unlock(&f->mu);
    double now = health_monotonic_ms();
    if (r->rc == 0) {
        if (f->backoff_ms > 0) {
            log_info("fleet: etcd '%s': answering again", f->eps[r->ep].url);
        }
        f->backoff_ms = 0;
    } else if (!r->is_watch && r->status != NOT_SENT) {
        /* Fewer requests while etcd fails: 100 ms after the first failure,
         * doubling to FLEET_BACKOFF_MAX_MS; the first failure is a warning,
         * the rest until etcd answers again are debug messages. */
        if (f->backoff_ms == 0) {
            log_warn("fleet: etcd '%s': %s", f->eps[r->ep].url, r->error);
        } else {
            log_debug("fleet: etcd '%s': %s", f->eps[r->ep].url, r->error);
        }
        f->backoff_ms = f->backoff_ms == 0 ? 100 : f->backoff_ms * 2;
        if (f->backoff_ms > FLEET_BACKOFF_MAX_MS) {
            f->backoff_ms = FLEET_BACKOFF_MAX_MS;
        }
        f->backoff_until_ms = now + f->backoff_ms;
    }
    if (is_answer) {
        /* Written here only; other threads read it under mu (fleet_stats_get). */
        pthread_mutex_lock(&f->mu);
        f->last_ok_ms = now;
        pthread_mutex_unlock(&f->mu);
    } else if (!is_server_fine && r->ep == f->ep_current && f->ep_count > 1) {
        f->ep_current = (f->ep_current + 1) % f->ep_count;
        log_debug("fleet: etcd: trying '%s' next", f->eps[f->ep_current].url);
    }
    if (r->status == 401 || (r->body != NULL && json_is_integer(json_object_get(r->body, "code")) &&
                             json_integer_value(json_object_get(r->body, "code")) == 16)) {
        /* gRPC code 16 (unauthenticated): the token expired; get a new one. */
        free(f->token);
        f->token = NULL;
    }
}

static void req_event_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    fleet_req_t *r = arg;
    req_done(r, -GSLB_EIO, 0, NULL, "timeout"); /* unless the outcome came first */
    fleet_t *f = r->f;
    account(f, r);
    req_unlink(r);
    if (r->is_watch) {
        f->has_watch = false;
        void (*on_end)(fleet_t *, const char *) = r->on_end;
        char error[FLEET_ERROR_MAX];
        memcpy(error, r->error, sizeof(error));
        req_free(r);
        on_end(f, error[0] ? error : "closed");
        return;
    }
    fleet_call_cb cb = r->cb;
    void *cb_arg = r->arg;
    json_t *body = r->body;
    r->body = NULL;
    int rc = r->rc;
    char error[FLEET_ERROR_MAX];
    memcpy(error, r->error, sizeof(error));
    req_free(r);
    cb(f, cb_arg, rc, rc == 0 ? body : NULL, rc == 0 ? NULL : error);
    json_decref(body);
}

/* The body as JSON: 200 with an object is success; otherwise the text
 * etcd gives ("error" or "message"). */
static void answer(fleet_req_t *r, int status, const char *data, size_t len)
{
    json_error_t je = {0};
    json_t *j = data != NULL ? json_loadb(data, len, 0, &je) : NULL;
    char text[FLEET_ERROR_MAX];
    if (status == 200 && json_is_object(j)) {
        req_done(r, 0, status, j, NULL);
        return;
    }
    const char *msg = json_string_value(json_object_get(j, "error"));
    if (msg == NULL) {
        msg = json_string_value(json_object_get(j, "message"));
    }
    if (status == 200) {
        snprintf(text, sizeof(text), "not a JSON object: %.100s",
                 j == NULL ? je.text : "wrong type");
    } else {
        snprintf(text, sizeof(text), "HTTP %d%s%s", status, msg ? ": " : "", msg ? msg : "");
    }
    /* A refusal (a 4xx other than an expired token) will not change when
     * asked again; the rest may. */
    bool is_refused = status >= 400 && status < 500 && status != 401 &&
                      json_integer_value(json_object_get(j, "code")) != 16;
    req_done(r, is_refused ? -GSLB_EINVAL : -GSLB_EIO, status, j, text);
}

static void http_done_cb(struct evhttp_request *req, void *arg)
{
    fleet_req_t *r = arg;
    int status = req != NULL ? evhttp_request_get_response_code(req) : 0;
    if (status == 0) {
        req_done(r, -GSLB_EIO, 0, NULL, r->is_watch ? "watch closed" : "connection failed");
        return;
    }
    if (r->is_watch) {
        req_done(r, -GSLB_EIO, status, NULL, status == 200 ? "watch ended" : "watch refused");
        return;
    }
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t len = evbuffer_get_length(in);
    const char *body = len > 0 ? (const char *)evbuffer_pullup(in, -1) : NULL;
    answer(r, status, body, len);
}

static void http_error_cb(enum evhttp_request_error error, void *arg)
{
    fleet_req_t *r = arg;
    req_done(r, -GSLB_EIO, 0, NULL,
             error == EVREQ_HTTP_TIMEOUT          ? "timeout"
             : error == EVREQ_HTTP_DATA_TOO_LONG ? "response too large"
             : error == EVREQ_HTTP_EOF           ? "connection closed"
                                                 : "connection failed");
}

/* The watch's stream: one JSON message per line. Each whole message
 * (creation, events, progress) is a reason to read the prefix again; a
 * message with "error" or a cancel ends the watch. */
static void watch_chunk_cb(struct evhttp_request *req, void *arg)
{
    fleet_req_t *r = arg;
    if (r->is_done) {
        return;
    }
    if (evhttp_request_get_response_code(req) != 200) {
        return; /* the done callback reports it */
    }
    evbuffer_add_buffer(r->stream, evhttp_request_get_input_buffer(req));
    for (;;) {
        struct evbuffer_ptr nl = evbuffer_search(r->stream, "\n", 1, NULL);
        if (nl.pos < 0) {
            break;
        }
        size_t n = (size_t)nl.pos;
        char *line = xmalloc(n + 1);
        evbuffer_remove(r->stream, line, n);
        evbuffer_drain(r->stream, 1);
        line[n] = '\0';
        json_t *j = json_loadb(line, n, 0, NULL);
        free(line);
        json_t *res = json_object_get(j, "result");
        if (!json_is_object(res) || json_is_true(json_object_get(res, "canceled"))) {
            req_done(r, -GSLB_EIO, 200, NULL, "watch cancelled by the server");
            json_decref(j);
            return;
        }
        /* The callback only updates the view: the request stays valid. */
        r->on_event(r->f, res);
        json_decref(j);
    }
    if (evbuffer_get_length(r->stream) > FLEET_BODY_MAX) {
        req_done(r, -GSLB_EIO, 200, NULL, "watch message too large");
    }
}

static SSL *ssl_new(fleet_t *f, const fleet_endpoint_t *ep)
{
    SSL *ssl = SSL_new(f->ssl_ctx);
    if (ssl == NULL) {
        return NULL;
    }
    /* Endpoints are addresses: the certificate must name that address. */
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), ep->host);
    return ssl;
}

/* A request to the current endpoint; r->evcon set, or the outcome recorded. */
static struct evhttp_request *req_open(fleet_t *f, fleet_req_t *r, unsigned timeout_s)
{
    const fleet_endpoint_t *ep = &f->eps[f->ep_current];
    r->ep = f->ep_current;
    if (ep->is_tls) {
        SSL *ssl = ssl_new(f, ep);
        struct bufferevent *bev =
            ssl != NULL ? bufferevent_openssl_socket_new(f->base, -1, ssl,
                                                         BUFFEREVENT_SSL_CONNECTING,
                                                         BEV_OPT_CLOSE_ON_FREE |
                                                             BEV_OPT_DEFER_CALLBACKS)
                        : NULL;
        if (bev == NULL) {
            if (ssl != NULL) {
                SSL_free(ssl);
            }
            req_done(r, -GSLB_EIO, 0, NULL, "cannot set up TLS");
            return NULL;
        }
        bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
        r->evcon = evhttp_connection_base_bufferevent_new(f->base, NULL, bev, ep->host, ep->port);
    } else {
        r->evcon = evhttp_connection_base_new(f->base, NULL, ep->host, ep->port);
    }
    if (r->evcon == NULL) {
        log_err("fleet: cannot create an HTTP connection (out of memory)");
        abort();
    }
    evhttp_connection_set_family(r->evcon, ep->family);
    evhttp_connection_set_timeout(r->evcon, (int)timeout_s);
    evhttp_connection_set_retries(r->evcon, 0);
    evhttp_connection_set_max_body_size(r->evcon, FLEET_BODY_MAX);
    evhttp_connection_set_max_headers_size(r->evcon, HEADERS_MAX);
    struct evhttp_request *req = evhttp_request_new(http_done_cb, r);
    if (req == NULL) {
        log_err("fleet: cannot create an HTTP request (out of memory)");
        abort();
    }
    evhttp_request_set_error_cb(req, http_error_cb);
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    evhttp_add_header(h, "Host", ep->host_header);
    evhttp_add_header(h, "User-Agent", "gslbd");
    evhttp_add_header(h, "Content-Type", "application/json");
    evhttp_add_header(h, "Connection", "close");
    if (f->token != NULL) {
        evhttp_add_header(h, "Authorization", f->token);
    }
    return req;
}

static fleet_req_t *req_new(fleet_t *f, unsigned deadline_ms)
{
    fleet_req_t *r = xcalloc(1, sizeof(*r));
    r->f = f;
    r->ev = evtimer_new(f->base, req_event_cb, r);
    if (r->ev == NULL) {
        log_err("fleet: cannot create a timer (out of memory)");
        abort();
    }
    if (deadline_ms > 0) {
        struct timeval tv = {.tv_sec = deadline_ms / 1000, .tv_usec = (deadline_ms % 1000) * 1000};
        evtimer_add(r->ev, &tv);
    }
    r->next = f->reqs;
    if (f->reqs != NULL) {
        f->reqs->prev = r;
    }
    f->reqs = r;
    pthread_mutex_lock(&f->mu);
    f->stats.requests++;
    pthread_mutex_unlock(&f->mu);
    return r;
}

static void req_send(fleet_req_t *r, struct evhttp_request *req, const char *path, json_t *body)
{
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    evbuffer_add(evhttp_request_get_output_buffer(req), text, strlen(text));
    free(text);
    if (evhttp_make_request(r->evcon, req, EVHTTP_REQ_POST, path) != 0) {
        req_done(r, -GSLB_EIO, 0, NULL, "cannot send the request");
    }
}

static void auth_done(fleet_t *f, void *arg, int rc, json_t *body, const char *error)
{
    (void)arg;
    f->is_auth_busy = false;
    const char *token = json_string_value(json_object_get(body, "token"));
    if (rc != 0 || token == NULL) {
        log_warn("fleet: etcd authentication as '%s' failed (%s)", f->def.username,
                 rc != 0 ? error : "no token in the answer");
        return;
    }
    free(f->token);
    f->token = xstrdup(token);
    log_info("fleet: authenticated to etcd as '%s'", f->def.username);
}

void fleet_call(fleet_t *f, const char *path, json_t *body, fleet_call_cb cb, void *arg)
{
    fleet_req_t *r = req_new(f, f->def.timeout_ms);
    r->cb = cb;
    r->arg = arg;
    r->is_kv = strncmp(path, "/v3/kv/", 7) == 0;
    bool is_auth = strcmp(path, "/v3/auth/authenticate") == 0;
    if (f->def.username != NULL && f->token == NULL && !is_auth) {
        if (!f->is_auth_busy) {
            f->is_auth_busy = true;
            fleet_call(f, "/v3/auth/authenticate",
                       json_pack("{s:s, s:s}", "name", f->def.username, "password",
                                 f->def.password != NULL ? f->def.password : ""),
                       auth_done, NULL);
        }
        json_decref(body);
        req_done(r, -GSLB_EIO, NOT_SENT, NULL, "not authenticated yet");
        return;
    }
    unsigned timeout_s = (f->def.timeout_ms + 999) / 1000 + 1;
    struct evhttp_request *req = req_open(f, r, timeout_s);
    if (req == NULL) {
        json_decref(body);
        return;
    }
    req_send(r, req, path, body);
}

void fleet_watch_start(fleet_t *f, void (*on_event)(fleet_t *f, json_t *result),
                       void (*on_end)(fleet_t *f, const char *error))
{
    fleet_req_t *r = req_new(f, 0);
    r->is_watch = true;
    r->on_event = on_event;
    r->on_end = on_end;
    r->stream = evbuffer_new();
    f->has_watch = true;
    if (f->def.username != NULL && f->token == NULL) {
        req_done(r, -GSLB_EIO, NOT_SENT, NULL, "not authenticated yet");
        return;
    }
    struct evhttp_request *req = req_open(f, r, FLEET_WATCH_IDLE_S);
    if (req == NULL) {
        return;
    }
    evhttp_request_set_chunked_cb(req, watch_chunk_cb);
    char *key = xstrdup(f->def.prefix);
    char *end = fleet_key_prefix_end(f);
    char *k64 = fleet_b64_encode(key, strlen(key));
    char *e64 = fleet_b64_encode(end, strlen(end));
    json_t *body = json_pack("{s:{s:s, s:s, s:b}}", "create_request", "key", k64, "range_end",
                             e64, "progress_notify", 1);
    free(key);
    free(end);
    free(k64);
    free(e64);
    req_send(r, req, "/v3/watch", body);
}
