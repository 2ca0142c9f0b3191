/* health: http and https probes: one GET per run on a bufferevent, status and body checks,
 * and the load figure read from the body. */
#include "health_int.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>

#include <openssl/ssl.h>

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Bounds on what a health endpoint may send before the answer is known. */
#define HTTP_LINE_MAX 8192
#define HTTP_HEAD_MAX (64 * 1024)

typedef enum http_phase {
    HTTP_STATUS_LINE,
    HTTP_HEADERS,
    HTTP_BODY_LENGTH, /* Content-Length bytes */
    HTTP_BODY_EOF,    /* until the server closes */
    HTTP_CHUNK_SIZE,
    HTTP_CHUNK_DATA,
    HTTP_CHUNK_END,   /* the CRLF after a chunk */
} http_phase_t;

typedef struct http_run {
    health_connect_t *conn;
    struct bufferevent *bev;
    http_phase_t phase;
    int status;
    bool is_interim;     /* skipping the headers of a 1xx response */
    bool is_chunked;
    bool has_length;
    uint64_t remaining;  /* of the body or of the current chunk */
    size_t head_bytes;
    size_t searched;     /* body bytes already searched for the substring */
    bool is_text_found;  /* the substring has been seen (or none is expected) */
    struct evbuffer *body;
} http_run_t;

/* The outcome of parsing, once there is one. */
typedef struct http_verdict {
    bool is_done;
    health_reason_t reason;
    int detail;
    char text[HEALTH_ERROR_MAX];
} http_verdict_t;

static bool verdict(http_verdict_t *v, health_reason_t reason, int detail, const char *text)
{
    v->is_done = true;
    v->reason = reason;
    v->detail = detail;
    snprintf(v->text, sizeof(v->text), "%s", text != NULL ? text : "");
    return true;
}

static bool status_is_expected(const health_probe_def_t *d, int status)
{
    if (d->http_status_count == 0) {
        return status >= 200 && status <= 299;
    }
    for (size_t i = 0; i < d->http_status_count; i++) {
        if (d->http_status[i] == status) {
            return true;
        }
    }
    return false;
}

/* "HTTP/1.1 200 OK" -> 200, or -1. */
static int parse_status_line(const char *line)
{
    if (strncmp(line, "HTTP/", 5) != 0) {
        return -1;
    }
    const char *sp = strchr(line, ' ');
    if (sp == NULL) {
        return -1;
    }
    int status = 0;
    for (int i = 1; i <= 3; i++) {
        if (sp[i] < '0' || sp[i] > '9') {
            return -1;
        }
        status = status * 10 + (sp[i] - '0');
    }
    if (sp[4] != '\0' && sp[4] != ' ') {
        return -1;
    }
    return status;
}

/* Look for the expected text in what has arrived; a match anywhere in the
 * first HEALTH_HTTP_BODY_MAX bytes is enough. Once found it stays found. */
static bool body_has_text(const health_probe_t *p, http_run_t *run)
{
    const char *needle = p->def.http_body;
    if (run->is_text_found || needle == NULL || needle[0] == '\0') {
        run->is_text_found = true;
        return true;
    }
    size_t nlen = strlen(needle);
    size_t len = evbuffer_get_length(run->body);
    if (len < nlen) {
        return false;
    }
    /* Only the new bytes (and the overlap a match could straddle) are new. */
    size_t from = run->searched >= nlen ? run->searched - nlen + 1 : 0;
    struct evbuffer_ptr start;
    evbuffer_ptr_set(run->body, &start, from, EVBUFFER_PTR_SET);
    run->searched = len;
    run->is_text_found = evbuffer_search(run->body, needle, nlen, &start).pos >= 0;
    return run->is_text_found;
}

/* Move up to n input bytes into the body (the part past the cap is dropped)
 * and decide when possible: as soon as the text is found, unless a load
 * figure is to be read, which needs the whole body (up to the cap). */
static bool body_take(const health_probe_t *p, http_run_t *run, struct evbuffer *in, size_t n,
                      http_verdict_t *v)
{
    size_t have = evbuffer_get_length(run->body);
    size_t keep = HEALTH_HTTP_BODY_MAX - have < n ? HEALTH_HTTP_BODY_MAX - have : n;
    evbuffer_remove_buffer(in, run->body, keep);
    evbuffer_drain(in, n - keep);
    bool has_text = body_has_text(p, run);
    if (has_text && p->def.load_format == HEALTH_LOAD_NONE) {
        return verdict(v, HEALTH_REASON_OK, run->status, NULL);
    }
    if (evbuffer_get_length(run->body) >= HEALTH_HTTP_BODY_MAX) {
        return verdict(v, has_text ? HEALTH_REASON_OK : HEALTH_REASON_BODY, run->status, NULL);
    }
    return false;
}

static bool body_end(const health_probe_t *p, http_run_t *run, http_verdict_t *v)
{
    if (body_has_text(p, run)) {
        return verdict(v, HEALTH_REASON_OK, run->status, NULL);
    }
    return verdict(v, HEALTH_REASON_BODY, run->status, NULL);
}

static bool malformed(http_verdict_t *v, const char *what)
{
    char text[HEALTH_ERROR_MAX];
    snprintf(text, sizeof(text), "http: %s", what);
    return verdict(v, HEALTH_REASON_STATUS, 0, text);
}

/* After the blank line that ends the headers. */
static bool headers_end(const health_probe_t *p, http_run_t *run, http_verdict_t *v)
{
    if (run->is_interim) {
        /* 1xx (RFC 9110 15.2): the real response follows. */
        run->is_interim = false;
        run->phase = HTTP_STATUS_LINE;
        run->has_length = false;
        run->is_chunked = false;
        return false;
    }
    if (!status_is_expected(&p->def, run->status)) {
        return verdict(v, HEALTH_REASON_STATUS, run->status, NULL);
    }
    if (p->def.http_body == NULL && p->def.load_format == HEALTH_LOAD_NONE) {
        return verdict(v, HEALTH_REASON_OK, run->status, NULL);
    }
    run->body = evbuffer_new();
    if (run->body == NULL) {
        return verdict(v, HEALTH_REASON_NETWORK, ENOMEM, NULL);
    }
    /* RFC 9112 6.3: chunked wins over Content-Length; 204 and 304 have no body. */
    if (run->status == 204 || run->status == 304) {
        return body_end(p, run, v);
    }
    if (run->is_chunked) {
        run->phase = HTTP_CHUNK_SIZE;
    } else if (run->has_length) {
        run->phase = HTTP_BODY_LENGTH;
        if (run->remaining == 0) {
            return body_end(p, run, v);
        }
    } else {
        run->phase = HTTP_BODY_EOF;
    }
    return false;
}

static bool header_line(http_run_t *run, char *line, http_verdict_t *v)
{
    char *colon = strchr(line, ':');
    if (colon == NULL) {
        return malformed(v, "malformed header");
    }
    *colon = '\0';
    char *value = colon + 1;
    value += strspn(value, " \t");
    if (strcasecmp(line, "content-length") == 0) {
        char *end;
        errno = 0;
        unsigned long long n = strtoull(value, &end, 10);
        if (errno != 0 || end == value || value[0] == '-') {
            return malformed(v, "bad Content-Length");
        }
        run->has_length = true;
        run->remaining = n;
    } else if (strcasecmp(line, "transfer-encoding") == 0) {
        run->is_chunked = strcasestr(value, "chunked") != NULL;
    }
    return false;
}

static bool chunk_size_line(const health_probe_t *p, http_run_t *run, const char *line,
                            http_verdict_t *v)
{
    const char *s = line + strspn(line, " \t");
    uint64_t n = 0;
    int digits = 0;
    for (; *s != '\0' && *s != ';' && *s != ' ' && *s != '\t'; s++, digits++) {
        int d;
        if (*s >= '0' && *s <= '9') {
            d = *s - '0';
        } else if ((*s | 0x20) >= 'a' && (*s | 0x20) <= 'f') {
            d = (*s | 0x20) - 'a' + 10;
        } else {
            return malformed(v, "bad chunk size");
        }
        if (n >> 60 != 0) {
            return malformed(v, "bad chunk size");
        }
        n = n * 16 + (uint64_t)d;
    }
    if (digits == 0) {
        return malformed(v, "bad chunk size");
    }
    if (n == 0) {
        /* The last chunk; trailers cannot change the verdict. */
        return body_end(p, run, v);
    }
    run->remaining = n;
    run->phase = HTTP_CHUNK_DATA;
    return false;
}

/* Feed what has arrived; is_eof when the server has closed. Returns true
 * with *v set once the run's result is known. */
static bool http_parse(const health_probe_t *p, http_run_t *run, struct evbuffer *in, bool is_eof,
                       http_verdict_t *v)
{
    for (;;) {
        switch (run->phase) {
        case HTTP_STATUS_LINE:
        case HTTP_HEADERS:
        case HTTP_CHUNK_SIZE:
        case HTTP_CHUNK_END: {
            size_t n;
            char *line = evbuffer_readln(in, &n, EVBUFFER_EOL_CRLF);
            if (line == NULL) {
                if (evbuffer_get_length(in) > HTTP_LINE_MAX) {
                    return malformed(v, "line too long");
                }
                if (!is_eof) {
                    return false;
                }
                if (run->phase == HTTP_STATUS_LINE || run->phase == HTTP_HEADERS) {
                    return verdict(v, HEALTH_REASON_NETWORK, 0,
                                   "http: connection closed before the response");
                }
                return body_end(p, run, v);
            }
            run->head_bytes += n;
            bool is_done = false;
            if (run->head_bytes > HTTP_HEAD_MAX) {
                is_done = malformed(v, "response head too long");
            } else if (run->phase == HTTP_STATUS_LINE) {
                run->status = parse_status_line(line);
                if (run->status < 0) {
                    is_done = malformed(v, "malformed status line");
                } else {
                    run->is_interim = run->status < 200;
                    run->phase = HTTP_HEADERS;
                }
            } else if (run->phase == HTTP_HEADERS) {
                is_done = n == 0 ? headers_end(p, run, v) : header_line(run, line, v);
            } else if (run->phase == HTTP_CHUNK_SIZE) {
                is_done = chunk_size_line(p, run, line, v);
            } else {
                run->phase = HTTP_CHUNK_SIZE;
            }
            free(line);
            if (is_done) {
                return true;
            }
            break;
        }
        case HTTP_BODY_LENGTH:
        case HTTP_CHUNK_DATA: {
            size_t avail = evbuffer_get_length(in);
            if (avail == 0) {
                return is_eof ? body_end(p, run, v) : false;
            }
            size_t n = avail < run->remaining ? avail : (size_t)run->remaining;
            run->remaining -= n;
            if (body_take(p, run, in, n, v)) {
                return true;
            }
            if (run->remaining == 0) {
                if (run->phase == HTTP_BODY_LENGTH) {
                    return body_end(p, run, v);
                }
                run->phase = HTTP_CHUNK_END;
            }
            break;
        }
        case HTTP_BODY_EOF:
            if (body_take(p, run, in, evbuffer_get_length(in), v)) {
                return true;
            }
            return is_eof ? body_end(p, run, v) : false;
        }
    }
}

/* End the run with verdict v. A good run's body also carries the load
 * figure, read before the result is recorded, so that a reader who sees
 * the run counted sees its figure too. A figure that cannot be read leaves
 * the verdict alone. */
static void http_finish(health_probe_t *p, const http_verdict_t *v)
{
    http_run_t *run = p->run;
    if (v->reason == HEALTH_REASON_OK && p->def.load_format != HEALTH_LOAD_NONE && run != NULL) {
        size_t len = run->body != NULL ? evbuffer_get_length(run->body) : 0;
        const char *body = len > 0 ? (const char *)evbuffer_pullup(run->body, -1) : NULL;
        health_probe_load_record(p, body, len);
    }
    health_probe_finish(p, v->reason, v->detail, v->text[0] != '\0' ? v->text : NULL);
}

static void http_read_cb(struct bufferevent *bev, void *arg)
{
    health_probe_t *p = arg;
    http_verdict_t v = {0};
    if (http_parse(p, p->run, bufferevent_get_input(bev), false, &v)) {
        http_finish(p, &v);
    }
}

static void http_event_cb(struct bufferevent *bev, short what, void *arg)
{
    health_probe_t *p = arg;
    int err = errno;
    http_verdict_t v = {0};
    if (what & BEV_EVENT_ERROR) {
        unsigned long tls_err = p->def.type == HEALTH_PROBE_HTTPS
                                    ? bufferevent_get_openssl_error(bev)
                                    : 0;
        if (tls_err != 0) {
            char text[HEALTH_ERROR_MAX];
            health_tls_error_text(bufferevent_openssl_get_ssl(bev), tls_err, text, sizeof(text));
            while (bufferevent_get_openssl_error(bev) != 0) {
            }
            verdict(&v, HEALTH_REASON_TLS, 0, text);
        } else if (err != 0) {
            verdict(&v, health_reason_from_errno(err), err, NULL);
        } else {
            verdict(&v, HEALTH_REASON_NETWORK, 0, "network: connection failed");
        }
        http_finish(p, &v);
        return;
    }
    if (what & BEV_EVENT_EOF) {
        if (!http_parse(p, p->run, bufferevent_get_input(bev), true, &v)) {
            verdict(&v, HEALTH_REASON_NETWORK, 0, "http: connection closed before the response");
        }
        http_finish(p, &v);
    }
}

/* The name the server is asked for: http_host without a port, else the
 * target address. Used for SNI and the certificate check. */
static void tls_host(const health_probe_t *p, char *buf, size_t len)
{
    const health_probe_def_t *d = &p->def;
    if (d->http_host == NULL || d->http_host[0] == '\0') {
        health_addr_text(&p->target, buf, len);
        return;
    }
    const char *h = d->http_host;
    if (h[0] == '[') {
        const char *end = strchr(h, ']');
        size_t n = end != NULL ? (size_t)(end - h - 1) : strlen(h + 1);
        snprintf(buf, len, "%.*s", (int)n, h + 1);
        return;
    }
    const char *colon = strchr(h, ':');
    if (colon != NULL && strchr(colon + 1, ':') == NULL) {
        snprintf(buf, len, "%.*s", (int)(colon - h), h);
        return;
    }
    snprintf(buf, len, "%s", h);
}

static void http_connected(health_probe_t *p, int fd, int err)
{
    http_run_t *run = p->run;
    const health_probe_def_t *d = &p->def;
    run->conn = NULL;
    if (err != 0) {
        health_probe_finish(p, health_reason_from_errno(err), err, NULL);
        return;
    }
    struct event_base *base = p->h->base;
    bool is_tls = d->type == HEALTH_PROBE_HTTPS;
    if (is_tls) {
        char host[256];
        char text[HEALTH_ERROR_MAX];
        tls_host(p, host, sizeof(host));
        SSL *ssl = health_tls_ssl_new(p->keep, host, text, sizeof(text));
        if (ssl == NULL) {
            close(fd);
            health_probe_finish(p, HEALTH_REASON_TLS, 0, text);
            return;
        }
        run->bev = bufferevent_openssl_socket_new(base, fd, ssl, BUFFEREVENT_SSL_CONNECTING,
                                                  BEV_OPT_CLOSE_ON_FREE);
    } else {
        run->bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
    }
    if (run->bev == NULL) {
        log_err("health: resource '%s': cannot create a bufferevent (out of memory)", p->name);
        abort();
    }
    if (is_tls) {
        bufferevent_openssl_set_allow_dirty_shutdown(run->bev, 1);
    }

    char addr[INET6_ADDRSTRLEN];
    char host[300];
    uint16_t port = health_addr_port(&p->target);
    if (d->http_host != NULL && d->http_host[0] != '\0') {
        snprintf(host, sizeof(host), "%s", d->http_host);
    } else {
        bool is_v6 = p->target.ss_family == AF_INET6;
        health_addr_text(&p->target, addr, sizeof(addr));
        /* RFC 9110 7.2: the port goes in only when it is not the scheme's. */
        if (port == (is_tls ? 443 : 80)) {
            snprintf(host, sizeof(host), "%s%s%s", is_v6 ? "[" : "", addr, is_v6 ? "]" : "");
        } else {
            snprintf(host, sizeof(host), "%s%s%s:%u", is_v6 ? "[" : "", addr, is_v6 ? "]" : "",
                     port);
        }
    }
    evbuffer_add_printf(bufferevent_get_output(run->bev),
                        "GET %s HTTP/1.1\r\n"
                        "Host: %s\r\n"
                        "Connection: close\r\n"
                        "User-Agent: gslbd-health\r\n"
                        "Accept: */*\r\n"
                        "\r\n",
                        d->http_path, host);
    bufferevent_setcb(run->bev, http_read_cb, NULL, http_event_cb, p);
    bufferevent_enable(run->bev, EV_READ | EV_WRITE);
}

static void http_start(health_probe_t *p)
{
    if (p->def.type == HEALTH_PROBE_HTTPS && p->keep == NULL) {
        /* Built here, on the health thread, and shared while in use. */
        p->keep = health_tls_ctx_get(p->h, p->def.tls_verify, p->def.tls_ca_file);
    }
    http_run_t *run = xcalloc(1, sizeof(*run));
    p->run = run;
    int err = health_connect_start(p, http_connected, &run->conn);
    if (err != 0) {
        health_probe_finish(p, health_reason_from_errno(err), err, NULL);
    }
}

static void http_stop(health_probe_t *p)
{
    http_run_t *run = p->run;
    if (run == NULL) {
        return;
    }
    health_connect_cancel(run->conn);
    if (run->bev != NULL) {
        bufferevent_free(run->bev);
    }
    if (run->body != NULL) {
        evbuffer_free(run->body);
    }
    free(run);
    p->run = NULL;
}

static void http_release(health_probe_t *p)
{
    health_tls_ctx_put(p->h, p->keep);
    p->keep = NULL;
}

const health_probe_ops_t health_probe_http_ops = {
    .start = http_start,
    .stop = http_stop,
    .release = http_release,
};
