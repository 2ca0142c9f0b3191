/* server: DNS over TCP (RFC 7766) with a connection cap, idle timeout and output backpressure. */
#include "server_int.h"

#include "gslb/util.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include <xxhash.h>

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Read no further ahead than one whole largest message plus its prefix: the
 * input then always holds at most one message's worth that we cannot yet
 * answer, and a client cannot make us buffer more. */
#define TCP_IN_MAX (2 + SERVER_MAX_MSG)

struct server_conn {
    server_worker_t *w;
    struct bufferevent *bev;
    struct event *idle_ev;
    struct sockaddr_storage peer;
    socklen_t peer_len;
    bool is_draining; /* the peer finished sending: close once our output is written */
    bool is_paused;   /* reading stopped until the output drains */
    uint32_t bucket;  /* its client network's counter in s->prefix_open */
    uint32_t queries; /* read so far, for tcp_max_queries_per_connection */
    struct timespec active; /* last complete query (CLOCK_MONOTONIC_COARSE) */
    server_conn_t *prev;
    server_conn_t *next;
};

/* The counter of the client's network (/24, /56) in the prefix table: its
 * bucket by XXH3 of the network. */
static uint32_t prefix_bucket(const struct sockaddr *sa)
{
    uint8_t key[8] = {0};
    if (sa->sa_family == AF_INET) {
        key[0] = 4;
        memcpy(key + 1, &((const struct sockaddr_in *)sa)->sin_addr, 3);
    } else if (sa->sa_family == AF_INET6) {
        key[0] = 6;
        memcpy(key + 1, &((const struct sockaddr_in6 *)sa)->sin6_addr, 7);
    }
    return (uint32_t)(XXH3_64bits(key, sizeof(key)) & (SERVER_PREFIX_BUCKETS - 1));
}

static void list_unlink(server_worker_t *w, server_conn_t *c)
{
    if (c->prev != NULL) {
        c->prev->next = c->next;
    } else {
        w->conns = c->next;
    }
    if (c->next != NULL) {
        c->next->prev = c->prev;
    } else {
        w->conns_tail = c->prev;
    }
    c->prev = c->next = NULL;
}

static void list_push_front(server_worker_t *w, server_conn_t *c)
{
    c->prev = NULL;
    c->next = w->conns;
    if (w->conns != NULL) {
        w->conns->prev = c;
    } else {
        w->conns_tail = c;
    }
    w->conns = c;
}

/* A complete query: the connection is the most recently active. */
static void conn_touch(server_conn_t *c)
{
    /* The coarse clock is read from the vDSO: no system call, and unlike the
     * base's cached time, no lock. */
    clock_gettime(CLOCK_MONOTONIC_COARSE, &c->active);
    if (c->w->conns != c) {
        list_unlink(c->w, c);
        list_push_front(c->w, c);
    }
}

static void conn_close(server_conn_t *c)
{
    server_worker_t *w = c->w;

    list_unlink(w, c);
    /* Released before the socket closes, so a client that sees the close
     * can connect again at once. */
    atomic_fetch_sub(&w->s->tcp_open, 1);
    if (w->s->tcp_per_prefix > 0) {
        atomic_fetch_sub(&w->s->prefix_open[c->bucket], 1);
    }
    event_free(c->idle_ev);
    /* Closes the socket (BEV_OPT_CLOSE_ON_FREE); unsent output is discarded. */
    bufferevent_free(c->bev);
    free(c);
}

static void idle_arm(server_conn_t *c)
{
    const server_t *s = c->w->s;
    bool is_crowded = (uint64_t)atomic_load_explicit(&((server_t *)s)->tcp_open,
                                                     memory_order_relaxed) * 4 >
                      (uint64_t)s->tcp_max_connections * 3;
    evtimer_add(c->idle_ev, is_crowded ? c->w->idle_short_tv : c->w->idle_tv);
}

/* Answer every complete message in the input, in order. Stops early, with
 * reading disabled, while the output holds more than SERVER_TCP_OUT_MAX: a
 * client that sends queries without reading the answers must not make us
 * buffer without bound. May close (and free) c.
 * Per batch, not per message: the messages are read in place from the input
 * made contiguous once and drained once, the answers are gathered in the
 * worker's staging buffer and handed to the bufferevent together, and the
 * idle timer is re-armed once. Each drain, add and timer change runs
 * libevent callbacks and an event_add under the base's lock, which done per
 * message cost more than answering it. */
static void conn_process(server_conn_t *c)
{
    server_worker_t *w = c->w;
    const server_callbacks_t *cb = &w->s->cb;
    struct evbuffer *in = bufferevent_get_input(c->bev);
    struct evbuffer *out = bufferevent_get_output(c->bev);
    size_t out_len = evbuffer_get_length(out);
    size_t avail = evbuffer_get_length(in);
    if (avail < 2) {
        return;
    }
    /* At most TCP_IN_MAX plus one read: the read watermark bounds it. */
    const uint8_t *data = evbuffer_pullup(in, -1);
    if (data == NULL) {
        conn_close(c);
        return;
    }
    size_t pos = 0;    /* octets of input consumed */
    size_t staged = 0; /* octets of answers in w->tcp_resp */
    bool is_broken = false;

    if (cb->batch_begin != NULL) {
        cb->batch_begin(w->ctx);
    }
    while (avail - pos >= 2) {
        if (out_len + staged > SERVER_TCP_OUT_MAX) {
            bufferevent_disable(c->bev, EV_READ);
            c->is_paused = true;
            break;
        }
        size_t len = (size_t)data[pos] << 8 | data[pos + 1];
        if (len == 0) {
            /* No DNS message is empty (the header alone is 12 bytes): the
             * stream is not DNS, and nothing after this can be framed. */
            is_broken = true;
            break;
        }
        if (avail - pos < 2 + len) {
            break;
        }
        server_request_t req = {
            .msg = data + pos + 2,
            .len = len,
            .peer = (const struct sockaddr *)&c->peer,
            .peer_len = c->peer_len,
            .transport = SERVER_TCP,
        };
        pos += 2 + len;
        server_counter_add(&w->ctr.tcp_queries, 1);
        c->queries++;

        if (SERVER_TCP_STAGE - staged < 2 + SERVER_MAX_MSG) {
            if (evbuffer_add(out, w->tcp_resp, staged) != 0) {
                is_broken = true;
                break;
            }
            out_len += staged;
            staged = 0;
        }
        uint8_t *resp = w->tcp_resp + staged;
        size_t rlen = cb->handle(w->ctx, &req, resp + 2, SERVER_MAX_MSG);
        assert(rlen <= SERVER_MAX_MSG);
        if (rlen == 0 || rlen > SERVER_MAX_MSG) {
            continue;
        }
        resp[0] = (uint8_t)(rlen >> 8);
        resp[1] = (uint8_t)(rlen & 0xff);
        staged += 2 + rlen;
        if (w->s->tcp_max_queries > 0 && c->queries >= w->s->tcp_max_queries) {
            break; /* the last one this connection gets */
        }
    }
    if (cb->batch_end != NULL) {
        cb->batch_end(w->ctx);
    }
    if (!is_broken && staged > 0 && evbuffer_add(out, w->tcp_resp, staged) != 0) {
        is_broken = true;
    }
    if (is_broken) {
        /* Answers not yet sent go with the connection. */
        conn_close(c);
        return;
    }
    if (pos > 0) {
        evbuffer_drain(in, pos);
        /* RFC 7766 6.2.3: the idle timer restarts with each complete query;
         * after the last one of a batch is the same. */
        idle_arm(c);
        conn_touch(c);
    }
    if (w->s->tcp_max_queries > 0 && c->queries >= w->s->tcp_max_queries) {
        /* Served its share: no more reading; close once the answers are out. */
        bufferevent_disable(c->bev, EV_READ);
        c->is_draining = true;
        if (evbuffer_get_length(out) + staged == 0 &&
            evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
            conn_close(c);
        }
    }
}

static void conn_read_cb(struct bufferevent *bev, void *arg)
{
    (void)bev;
    conn_process(arg);
}

/* Called after each write that leaves SERVER_TCP_OUT_RESUME or less unsent. */
static void conn_write_cb(struct bufferevent *bev, void *arg)
{
    server_conn_t *c = arg;

    /* A client reading a long stream of answers is not idle. */
    idle_arm(c);
    if (c->is_draining) {
        if (evbuffer_get_length(bufferevent_get_output(bev)) == 0) {
            conn_close(c);
        }
        return;
    }
    if (c->is_paused) {
        c->is_paused = false;
        bufferevent_enable(bev, EV_READ);
        /* Messages already buffered produce no new read event. */
        conn_process(c);
    }
}

static void conn_event_cb(struct bufferevent *bev, short events, void *arg)
{
    server_conn_t *c = arg;

    if ((events & BEV_EVENT_EOF) && !(events & BEV_EVENT_ERROR) &&
        evbuffer_get_length(bufferevent_get_output(bev)) > 0) {
        /* The client may half-close after its last query (RFC 7766 6.2.1
         * lets it); the answers still go out, then we close. */
        bufferevent_disable(bev, EV_READ);
        c->is_draining = true;
        return;
    }
    conn_close(c);
}

static void conn_idle_cb(evutil_socket_t fd, short what, void *arg)
{
    server_conn_t *c = arg;
    (void)fd;
    (void)what;
    server_counter_add(&c->w->ctr.tcp_idle_closed, 1);
    conn_close(c);
}

static void reject_log(server_listener_t *l, const struct sockaddr *sa, unsigned open,
                       const char *limit_name, unsigned limit)
{
    uint64_t suppressed;
    if (!server_ratelimit_allow(l->w, &suppressed)) {
        return;
    }
    char peer[64];
    server_addr_format(sa, peer, sizeof(peer));
    log_warn("server: listen '%s': connection from '%s' closed: %u connections open "
             "(%s %u); %" PRIu64 " similar messages suppressed",
             l->name, peer, open, limit_name, limit, suppressed);
}

/* Every slot is taken: close this worker's least recently active
 * connection if it has been idle at least SERVER_TCP_EVICT_IDLE_MS, so that
 * a new client is admitted instead of refused. Returns whether one was. */
static bool evict_idle(server_worker_t *w)
{
    server_conn_t *c = w->conns_tail;
    if (c == NULL || c->is_draining) {
        return false;
    }
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
    double idle_ms = (double)(now.tv_sec - c->active.tv_sec) * 1e3 +
                     (double)(now.tv_nsec - c->active.tv_nsec) / 1e6;
    if (idle_ms < SERVER_TCP_EVICT_IDLE_MS ||
        evbuffer_get_length(bufferevent_get_output(c->bev)) > 0) {
        return false;
    }
    server_counter_add(&w->ctr.tcp_evicted, 1);
    conn_close(c);
    return true;
}

static void accept_cb(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
                      int sa_len, void *arg)
{
    server_listener_t *l = arg;
    server_worker_t *w = l->w;
    server_t *s = w->s;
    (void)lev;

    /* One client network may not hold more than its share of the slots
     * (TCP cannot be spoofed, so the source is the client's). Count first,
     * check after, here and below: two workers racing for the last slot
     * cannot both get it. */
    uint32_t bucket = prefix_bucket(sa);
    if (s->tcp_per_prefix > 0) {
        unsigned mine = atomic_fetch_add(&s->prefix_open[bucket], 1);
        if (mine >= s->tcp_per_prefix) {
            atomic_fetch_sub(&s->prefix_open[bucket], 1);
            server_counter_add(&w->ctr.tcp_prefix_rejected, 1);
            evutil_closesocket(fd);
            reject_log(l, sa, mine, "from its network, tcp_max_connections_per_prefix",
                       s->tcp_per_prefix);
            return;
        }
    }
    unsigned open = atomic_fetch_add(&s->tcp_open, 1);
    if (open >= s->tcp_max_connections && !evict_idle(w)) {
        atomic_fetch_sub(&s->tcp_open, 1);
        if (s->tcp_per_prefix > 0) {
            atomic_fetch_sub(&s->prefix_open[bucket], 1);
        }
        server_counter_add(&w->ctr.tcp_rejected, 1);
        evutil_closesocket(fd);
        reject_log(l, sa, open, "tcp_max_connections", s->tcp_max_connections);
        return;
    }

    /* Answers are written whole; Nagle would hold back the second of two
     * pipelined answers until the first is acknowledged. */
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));

    server_conn_t *c = xcalloc(1, sizeof(*c));
    c->w = w;
    c->bev = bufferevent_socket_new(w->base, fd, BEV_OPT_CLOSE_ON_FREE);
    c->idle_ev = evtimer_new(w->base, conn_idle_cb, c);
    if (c->bev == NULL || c->idle_ev == NULL) {
        if (c->bev != NULL) {
            bufferevent_free(c->bev);
        } else {
            evutil_closesocket(fd);
        }
        if (c->idle_ev != NULL) {
            event_free(c->idle_ev);
        }
        free(c);
        atomic_fetch_sub(&s->tcp_open, 1);
        if (s->tcp_per_prefix > 0) {
            atomic_fetch_sub(&s->prefix_open[bucket], 1);
        }
        return;
    }
    c->bucket = bucket;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &c->active);
    size_t n = sa_len > 0 ? (size_t)sa_len : 0;
    if (n > sizeof(c->peer)) {
        n = sizeof(c->peer);
    }
    memcpy(&c->peer, sa, n);
    c->peer_len = (socklen_t)n;

    bufferevent_setcb(c->bev, conn_read_cb, conn_write_cb, conn_event_cb, c);
    bufferevent_setwatermark(c->bev, EV_READ, 0, TCP_IN_MAX);
    bufferevent_setwatermark(c->bev, EV_WRITE, SERVER_TCP_OUT_RESUME, 0);
    if (bufferevent_enable(c->bev, EV_READ | EV_WRITE) != 0) {
        bufferevent_free(c->bev);
        event_free(c->idle_ev);
        free(c);
        atomic_fetch_sub(&s->tcp_open, 1);
        if (s->tcp_per_prefix > 0) {
            atomic_fetch_sub(&s->prefix_open[bucket], 1);
        }
        return;
    }
    list_push_front(w, c);
    idle_arm(c);
    server_counter_add(&w->ctr.tcp_accepted, 1);
}

static bool is_resource_shortage(int err)
{
    return err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM;
}

static void accept_error_cb(struct evconnlistener *lev, void *arg)
{
    server_listener_t *l = arg;
    int err = EVUTIL_SOCKET_ERROR();

    uint64_t suppressed;
    if (server_ratelimit_allow(l->w, &suppressed)) {
        char eb[128];
        log_warn("server: listen '%s': cannot accept connection (%s); "
                 "%" PRIu64 " similar messages suppressed",
                 l->name, server_errstr(err, eb, sizeof(eb)), suppressed);
    }
    if (is_resource_shortage(err)) {
        /* The pending connection stays queued and the listening socket stays
         * readable: without a pause the worker would spin on accept. */
        evconnlistener_disable(lev);
        struct timeval tv = {0, SERVER_ACCEPT_RETRY_MS * 1000};
        evtimer_add(l->accept_retry_ev, &tv);
    }
}

static void accept_retry_cb(evutil_socket_t fd, short what, void *arg)
{
    server_listener_t *l = arg;
    (void)fd;
    (void)what;
    evconnlistener_enable(l->tcp);
}

int server_tcp_listener_init(server_listener_t *l)
{
    server_worker_t *w = l->w;

    l->accept_retry_ev = evtimer_new(w->base, accept_retry_cb, l);
    if (l->accept_retry_ev == NULL) {
        log_err("server: listen '%s': cannot create accept timer", l->name);
        return -GSLB_ESYS;
    }
    /* The socket is already bound and listening (backlog 0 = leave it);
     * the reuse flags matter only when libevent binds, they are set already. */
    unsigned flags = LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC | LEV_OPT_REUSEABLE |
                     LEV_OPT_REUSEABLE_PORT;
    l->tcp = evconnlistener_new(w->base, accept_cb, l, flags, 0, l->tcp_fd);
    if (l->tcp == NULL) {
        log_err("server: listen '%s': cannot create tcp listener", l->name);
        return -GSLB_ESYS;
    }
    l->tcp_fd = -1; /* owned by the listener now */
    evconnlistener_set_error_cb(l->tcp, accept_error_cb);
    return 0;
}

void server_tcp_listener_free(server_listener_t *l)
{
    if (l->tcp != NULL) {
        evconnlistener_free(l->tcp);
        l->tcp = NULL;
    }
    if (l->tcp_fd >= 0) {
        close(l->tcp_fd);
        l->tcp_fd = -1;
    }
    if (l->accept_retry_ev != NULL) {
        event_free(l->accept_retry_ev);
        l->accept_retry_ev = NULL;
    }
}

void server_tcp_close_all(server_worker_t *w)
{
    while (w->conns != NULL) {
        conn_close(w->conns);
    }
}
