/* Unit tests for the server module: UDP and TCP round trips through real loopback sockets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "gslb/server.h"
#include "gslb/util.h"

#include <urcu.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Upper bound on any wait for something that must happen; only reached when
 * a test fails. */
#define GUARD_MS 2000
/* The one deliberate wait: how long "no answer" is watched for. */
#define SILENCE_MS 200
/* Query IDs the pretend responder treats specially. */
#define ID_DROP 0xffff
#define BIG_MARK 0xbb /* in byte 3: answer with BIG_RESP_LEN bytes */
#define BIG_RESP_LEN 40000

/* What the handler and the worker contexts saw; written by worker threads. */
typedef struct seen {
    atomic_uint handled_udp;
    atomic_uint handled_tcp;
    atomic_uint ctx_new;
    atomic_uint ctx_free;
    atomic_uint index_mask;
    atomic_bool is_bad_peer;
    atomic_bool is_bad_ctx;
    bool has_batches;          /* the batch hooks are installed */
    atomic_uint batch_begins;
    atomic_uint batch_ends;
    atomic_bool is_bad_batch;  /* a hook out of turn, or a request outside a batch */
} seen_t;

typedef struct worker_ctx {
    seen_t *seen;
    unsigned index;
    bool is_in_batch;          /* only its own worker thread touches it */
} worker_ctx_t;

static seen_t seen;
/* The server a test started, stopped by the teardown if the test failed first. */
static server_t *running;

static void *ctx_new(void *arg, unsigned index)
{
    seen_t *st = arg;
    worker_ctx_t *c = malloc(sizeof(*c));
    if (c == NULL) {
        abort();
    }
    c->seen = st;
    c->index = index;
    c->is_in_batch = false;
    atomic_fetch_add(&st->ctx_new, 1);
    atomic_fetch_or(&st->index_mask, 1u << index);
    return c;
}

static void ctx_free(void *arg, void *ctx)
{
    seen_t *st = arg;
    worker_ctx_t *c = ctx;
    if (c == NULL || c->seen != st) {
        atomic_store(&st->is_bad_ctx, true);
    }
    atomic_fetch_add(&st->ctx_free, 1);
    free(c);
}

static bool is_loopback_peer(const struct sockaddr *sa, socklen_t len)
{
    if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        return ntohl(in->sin_addr.s_addr) == INADDR_LOOPBACK && in->sin_port != 0;
    }
    if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr) && in6->sin6_port != 0;
    }
    return false;
}

/* A pretend DNS responder: the answer is the query with QR set, except that
 * ID 0xffff is dropped and BIG_MARK asks for a long answer. */
static size_t echo_handle(void *ctx, const server_request_t *req, uint8_t *resp, size_t cap)
{
    worker_ctx_t *c = ctx;
    if (c == NULL || c->seen != &seen) {
        atomic_store(&seen.is_bad_ctx, true);
        return 0;
    }
    atomic_fetch_add(req->transport == SERVER_TCP ? &seen.handled_tcp : &seen.handled_udp, 1);
    if (seen.has_batches && !c->is_in_batch) {
        atomic_store(&seen.is_bad_batch, true);
    }
    if (!is_loopback_peer(req->peer, req->peer_len)) {
        atomic_store(&seen.is_bad_peer, true);
    }
    /* Workers are registered with liburcu, so this is allowed. */
    rcu_read_lock();
    rcu_read_unlock();
    if (req->len < 12 || req->len > cap) {
        return 0;
    }
    if (req->msg[0] == 0xff && req->msg[1] == 0xff) {
        return 0;
    }
    size_t len = req->len;
    memcpy(resp, req->msg, len);
    resp[2] |= 0x80;
    if (req->msg[3] == BIG_MARK && cap >= BIG_RESP_LEN) {
        for (size_t i = len; i < BIG_RESP_LEN; i++) {
            resp[i] = (uint8_t)(i * 7);
        }
        len = BIG_RESP_LEN;
    }
    return len;
}

static void batch_begin(void *ctx)
{
    worker_ctx_t *c = ctx;
    if (c->is_in_batch) {
        atomic_store(&seen.is_bad_batch, true);
    }
    c->is_in_batch = true;
    atomic_fetch_add(&seen.batch_begins, 1);
}

static void batch_end(void *ctx)
{
    worker_ctx_t *c = ctx;
    if (!c->is_in_batch) {
        atomic_store(&seen.is_bad_batch, true);
    }
    c->is_in_batch = false;
    atomic_fetch_add(&seen.batch_ends, 1);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static socklen_t loopback_addr(int family, uint16_t port, struct sockaddr_storage *sa)
{
    memset(sa, 0, sizeof(*sa));
    if (family == AF_INET6) {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)(void *)sa;
        in6->sin6_family = AF_INET6;
        in6->sin6_addr = in6addr_loopback;
        in6->sin6_port = htons(port);
        return sizeof(*in6);
    }
    struct sockaddr_in *in = (struct sockaddr_in *)(void *)sa;
    in->sin_family = AF_INET;
    in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    in->sin_port = htons(port);
    return sizeof(*in);
}

static conf_listen_t listen_addr;

static conf_server_t server_conf(int family, unsigned idle_ms, unsigned max_conns)
{
    listen_addr.sa_len = loopback_addr(family, 0, &listen_addr.sa);
    conf_server_t cfg = {
        .listen = &listen_addr,
        .listen_count = 1,
        .workers = 2,
        .tcp_idle_timeout_ms = idle_ms,
        .tcp_max_connections = max_conns,
    };
    return cfg;
}

/* Start a 2-worker server on family's loopback address, port 0; rc gets
 * server_new's result. With has_batches the batch hooks are installed. */
static server_t *server_up_hooks(int family, unsigned idle_ms, unsigned max_conns,
                                 bool has_batches, int *rc)
{
    memset(&seen, 0, sizeof(seen));
    seen.has_batches = has_batches;
    conf_server_t cfg = server_conf(family, idle_ms, max_conns);
    server_callbacks_t cb = {
        .handle = echo_handle,
        .batch_begin = has_batches ? batch_begin : NULL,
        .batch_end = has_batches ? batch_end : NULL,
        .ctx_new = ctx_new,
        .ctx_free = ctx_free,
        .arg = &seen,
    };
    server_t *s = NULL;
    *rc = server_new(&s, &cfg, &cb);
    if (*rc != 0) {
        return NULL;
    }
    running = s;
    assert_int_equal(server_worker_count(s), 2);
    assert_int_not_equal(server_bound_port(s), 0);
    assert_int_equal(server_start(s), 0);
    return s;
}

static server_t *server_up(int family, unsigned idle_ms, unsigned max_conns, int *rc)
{
    return server_up_hooks(family, idle_ms, max_conns, false, rc);
}

static server_t *server_up_v4(unsigned idle_ms, unsigned max_conns)
{
    int rc;
    server_t *s = server_up(AF_INET, idle_ms, max_conns, &rc);
    assert_int_equal(rc, 0);
    assert_non_null(s);
    return s;
}

/* Stop the server, check that it stopped promptly and tidied its workers. */
static void server_down(server_t *s)
{
    int64_t t0 = now_ms();
    running = NULL;
    server_free(s);
    assert_true(now_ms() - t0 < 1000);
    assert_int_equal(atomic_load(&seen.ctx_new), 2);
    assert_int_equal(atomic_load(&seen.ctx_free), 2);
    assert_int_equal(atomic_load(&seen.index_mask), 3);
    assert_false(atomic_load(&seen.is_bad_peer));
    assert_false(atomic_load(&seen.is_bad_ctx));
    assert_false(atomic_load(&seen.is_bad_batch));
    assert_int_equal(atomic_load(&seen.batch_begins), atomic_load(&seen.batch_ends));
}

static int client(int family, int type, uint16_t port)
{
    int fd = socket(family, type | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    int one = 1;
    if (type == SOCK_STREAM) {
        assert_int_equal(setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)), 0);
    } else {
        int rcvbuf = 1 << 20;
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    }
    struct sockaddr_storage sa;
    socklen_t len = loopback_addr(family, port, &sa);
    /* Connected UDP sockets also drop answers from any other source address. */
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, len), 0);
    return fd;
}

static bool wait_readable(int fd, int timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, timeout_ms) == 1;
}

/* Fill buf with a query of len bytes (len >= 12) for id. */
static void query_make(uint8_t *buf, uint16_t id, size_t len)
{
    buf[0] = (uint8_t)(id >> 8);
    buf[1] = (uint8_t)id;
    buf[2] = 0x01; /* RD */
    buf[3] = 0x00;
    buf[4] = 0;
    buf[5] = 1;
    for (size_t i = 6; i < len; i++) {
        buf[i] = (uint8_t)(id + i);
    }
}

/* Check that ans (alen bytes) answers the query make_query(id, qlen) would give. */
static void answer_check(const uint8_t *ans, size_t alen, uint16_t id, size_t qlen)
{
    uint8_t q[4096];
    assert_true(qlen <= sizeof(q));
    query_make(q, id, qlen);
    assert_int_equal(alen, qlen);
    assert_int_equal(ans[0], q[0]);
    assert_int_equal(ans[1], q[1]);
    assert_int_equal(ans[2], q[2] | 0x80);
    assert_memory_equal(ans + 3, q + 3, qlen - 3);
}

static size_t udp_len_for(uint16_t id)
{
    return 12 + id % 300;
}

static void udp_query(int fd, uint16_t id, size_t len)
{
    uint8_t q[8192];
    assert_true(len <= sizeof(q));
    query_make(q, id, len);
    assert_int_equal(send(fd, q, len, 0), (ssize_t)len);
}

static ssize_t udp_recv(int fd, uint8_t *buf, size_t cap)
{
    if (!wait_readable(fd, GUARD_MS)) {
        return -1;
    }
    return recv(fd, buf, cap, MSG_DONTWAIT);
}

static void udp_expect_nothing_queued(int fd)
{
    uint8_t buf[16];
    assert_int_equal(recv(fd, buf, sizeof(buf), MSG_DONTWAIT), -1);
    assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
}

static void test_udp_many_queries_each_answered_once(void **state)
{
    (void)state;
    enum { SOCKS = 8, PER_SOCK = 64 };
    server_t *s = server_up_v4(0, 0);
    uint16_t port = server_bound_port(s);
    int fds[SOCKS];
    static uint8_t answered[SOCKS * PER_SOCK];
    memset(answered, 0, sizeof(answered));

    /* Several sources, so the kernel spreads them over both workers'
     * sockets; a burst per source, so batches hold many datagrams. */
    for (int k = 0; k < SOCKS; k++) {
        fds[k] = client(AF_INET, SOCK_DGRAM, port);
        for (int i = 0; i < PER_SOCK; i++) {
            uint16_t id = (uint16_t)(k * PER_SOCK + i);
            udp_query(fds[k], id, udp_len_for(id));
        }
    }
    for (int k = 0; k < SOCKS; k++) {
        for (int i = 0; i < PER_SOCK; i++) {
            uint8_t a[4096];
            ssize_t n = udp_recv(fds[k], a, sizeof(a));
            assert_true(n >= 12);
            uint16_t id = (uint16_t)(a[0] << 8 | a[1]);
            assert_true(id / PER_SOCK == (uint16_t)k);
            assert_int_equal(answered[id], 0);
            answered[id] = 1;
            answer_check(a, (size_t)n, id, udp_len_for(id));
        }
        udp_expect_nothing_queued(fds[k]);
    }
    assert_int_equal(atomic_load(&seen.handled_udp), SOCKS * PER_SOCK);
    server_stats_t st;
    server_stats_get(s, &st);
    assert_int_equal(st.udp_received, SOCKS * PER_SOCK);
    assert_int_equal(st.udp_answered, SOCKS * PER_SOCK);
    assert_int_equal(st.udp_send_dropped, 0);
    for (int k = 0; k < SOCKS; k++) {
        close(fds[k]);
    }
    server_down(s);
}

static void test_udp_handler_zero_sends_no_answer(void **state)
{
    (void)state;
    server_t *s = server_up_v4(0, 0);
    int fd = client(AF_INET, SOCK_DGRAM, server_bound_port(s));

    /* Same source, same worker, handled in order: an answer to the dropped
     * query would arrive before the second one's. */
    udp_query(fd, ID_DROP, 40);
    udp_query(fd, 7, 40);
    uint8_t a[512];
    ssize_t n = udp_recv(fd, a, sizeof(a));
    assert_int_equal(n, 40);
    answer_check(a, (size_t)n, 7, 40);
    assert_int_equal(atomic_load(&seen.handled_udp), 2);
    assert_false(wait_readable(fd, SILENCE_MS));

    close(fd);
    server_down(s);
}

static void test_udp_oversized_query_dropped_and_counted(void **state)
{
    (void)state;
    server_t *s = server_up_v4(0, 0);
    int fd = client(AF_INET, SOCK_DGRAM, server_bound_port(s));

    udp_query(fd, 1, 5000);
    udp_query(fd, 2, 4096); /* exactly the receive buffer: still whole */
    uint8_t a[8192];
    ssize_t n = udp_recv(fd, a, sizeof(a));
    answer_check(a, (size_t)n, 2, 4096);
    server_stats_t st;
    server_stats_get(s, &st);
    assert_int_equal(st.udp_truncated, 1);
    assert_int_equal(atomic_load(&seen.handled_udp), 1);

    close(fd);
    server_down(s);
}

static void test_udp_large_answers_all_sent(void **state)
{
    (void)state;
    enum { SOCKS = 4, PER_SOCK = 4 };
    server_t *s = server_up_v4(0, 0);
    int fds[SOCKS];

    /* Answers of 40000 bytes overflow one worker's response arena after a
     * few, so a batch is sent in several parts. */
    for (int k = 0; k < SOCKS; k++) {
        fds[k] = client(AF_INET, SOCK_DGRAM, server_bound_port(s));
        for (int i = 0; i < PER_SOCK; i++) {
            uint8_t q[64];
            query_make(q, (uint16_t)(k * PER_SOCK + i), sizeof(q));
            q[3] = BIG_MARK;
            assert_int_equal(send(fds[k], q, sizeof(q), 0), (ssize_t)sizeof(q));
        }
    }
    static uint8_t a[BIG_RESP_LEN + 1];
    for (int k = 0; k < SOCKS; k++) {
        for (int i = 0; i < PER_SOCK; i++) {
            ssize_t n = udp_recv(fds[k], a, sizeof(a));
            assert_int_equal(n, BIG_RESP_LEN);
            assert_int_equal(a[3], BIG_MARK);
            assert_int_equal(a[2] & 0x80, 0x80);
            assert_int_equal(a[BIG_RESP_LEN - 1], (uint8_t)((BIG_RESP_LEN - 1) * 7));
        }
        close(fds[k]);
    }
    server_down(s);
}

/* TCP helpers. */

static void send_all(int fd, const uint8_t *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
        assert_true(n > 0);
        buf += n;
        len -= (size_t)n;
    }
}

/* Read exactly len bytes; false on EOF, error or GUARD_MS without data. */
static bool recv_exact(int fd, uint8_t *buf, size_t len)
{
    while (len > 0) {
        if (!wait_readable(fd, GUARD_MS)) {
            return false;
        }
        ssize_t n = recv(fd, buf, len, 0);
        if (n <= 0) {
            return false;
        }
        buf += n;
        len -= (size_t)n;
    }
    return true;
}

/* Frame a query for id of qlen bytes at out; returns the framed length. */
static size_t tcp_frame(uint8_t *out, uint16_t id, size_t qlen)
{
    out[0] = (uint8_t)(qlen >> 8);
    out[1] = (uint8_t)qlen;
    query_make(out + 2, id, qlen);
    return qlen + 2;
}

static void tcp_expect_answer(int fd, uint16_t id, size_t qlen)
{
    uint8_t pfx[2];
    uint8_t a[4096];
    assert_true(recv_exact(fd, pfx, 2));
    size_t len = (size_t)pfx[0] << 8 | pfx[1];
    assert_int_equal(len, qlen);
    assert_true(recv_exact(fd, a, len));
    answer_check(a, len, id, qlen);
}

/* True when the server closed the connection (EOF or reset) within GUARD_MS. */
static bool tcp_closed_by_peer(int fd)
{
    uint8_t b[64];
    for (;;) {
        if (!wait_readable(fd, GUARD_MS)) {
            return false;
        }
        ssize_t n = recv(fd, b, sizeof(b), 0);
        if (n == 0 || (n < 0 && errno == ECONNRESET)) {
            return true;
        }
        if (n < 0) {
            return false;
        }
    }
}

static void test_tcp_one_query_answered(void **state)
{
    (void)state;
    server_t *s = server_up_v4(0, 0);
    int fd = client(AF_INET, SOCK_STREAM, server_bound_port(s));
    uint8_t q[600];

    send_all(fd, q, tcp_frame(q, 0x1234, 500));
    tcp_expect_answer(fd, 0x1234, 500);
    assert_int_equal(atomic_load(&seen.handled_tcp), 1);

    close(fd);
    server_down(s);
}

static void test_tcp_pipelined_queries_all_answered_in_order(void **state)
{
    (void)state;
    server_t *s = server_up_v4(0, 0);
    int fd = client(AF_INET, SOCK_STREAM, server_bound_port(s));
    uint8_t q[1024];
    size_t n = 0;

    n += tcp_frame(q + n, 1, 30);
    n += tcp_frame(q + n, ID_DROP, 30); /* no answer, the others still come */
    n += tcp_frame(q + n, 2, 200);
    n += tcp_frame(q + n, 3, 12);
    send_all(fd, q, n);
    tcp_expect_answer(fd, 1, 30);
    tcp_expect_answer(fd, 2, 200);
    tcp_expect_answer(fd, 3, 12);
    assert_int_equal(atomic_load(&seen.handled_tcp), 4);

    close(fd);
    server_down(s);
}

static void test_batch_hooks_enclose_every_udp_and_tcp_request(void **state)
{
    (void)state;
    int rc;
    server_t *s = server_up_hooks(AF_INET, 0, 0, true, &rc);
    assert_int_equal(rc, 0);
    uint16_t port = server_bound_port(s);
    int ufd = client(AF_INET, SOCK_DGRAM, port);
    for (uint16_t id = 1; id <= 20; id++) {
        udp_query(ufd, id, udp_len_for(id));
    }
    for (int i = 0; i < 20; i++) {
        uint8_t a[4096];
        assert_true(udp_recv(ufd, a, sizeof(a)) >= 12);
    }
    int tfd = client(AF_INET, SOCK_STREAM, port);
    uint8_t q[1024];
    size_t n = 0;
    n += tcp_frame(q + n, 1, 30);
    n += tcp_frame(q + n, 2, 40);
    send_all(tfd, q, n);
    tcp_expect_answer(tfd, 1, 30);
    tcp_expect_answer(tfd, 2, 40);
    assert_int_equal(atomic_load(&seen.handled_udp), 20);
    assert_int_equal(atomic_load(&seen.handled_tcp), 2);
    /* At least one UDP batch and one TCP read; never one per request more than that. */
    assert_true(atomic_load(&seen.batch_begins) >= 2);
    assert_true(atomic_load(&seen.batch_begins) <= 22);
    close(ufd);
    close(tfd);
    server_down(s);
}

static void test_tcp_split_query_reassembled(void **state)
{
    (void)state;
    server_t *s = server_up_v4(0, 0);
    int fd = client(AF_INET, SOCK_STREAM, server_bound_port(s));
    uint8_t q[600];
    size_t n = tcp_frame(q, 42, 300);

    /* Split inside the length prefix, then inside the message. */
    send_all(fd, q, 1);
    send_all(fd, q + 1, 100);
    send_all(fd, q + 101, n - 101);
    tcp_expect_answer(fd, 42, 300);

    close(fd);
    server_down(s);
}

static void test_tcp_two_connections_served_independently(void **state)
{
    (void)state;
    server_t *s = server_up_v4(0, 0);
    uint16_t port = server_bound_port(s);
    int a = client(AF_INET, SOCK_STREAM, port);
    int b = client(AF_INET, SOCK_STREAM, port);
    uint8_t qa[128];
    uint8_t qb[128];
    size_t na = tcp_frame(qa, 100, 50);
    size_t nb = tcp_frame(qb, 200, 60);

    /* A's unfinished query must not hold up B's. */
    send_all(a, qa, 10);
    send_all(b, qb, nb);
    tcp_expect_answer(b, 200, 60);
    send_all(a, qa + 10, na - 10);
    tcp_expect_answer(a, 100, 50);

    close(a);
    close(b);
    server_down(s);
}

static void test_tcp_idle_connection_closed_after_timeout(void **state)
{
    (void)state;
    server_t *s = server_up_v4(200, 0);
    int fd = client(AF_INET, SOCK_STREAM, server_bound_port(s));
    uint8_t q[64];
    size_t n = tcp_frame(q, 5, 20);

    send_all(fd, q, n);
    tcp_expect_answer(fd, 5, 20);
    int64_t t0 = now_ms();
    send_all(fd, q, 3); /* a partial query, then nothing */
    assert_true(tcp_closed_by_peer(fd));
    int64_t waited = now_ms() - t0;
    assert_true(waited >= 150);
    assert_true(waited < GUARD_MS);
    server_stats_t st;
    server_stats_get(s, &st);
    assert_int_equal(st.tcp_idle_closed, 1);
    assert_int_equal(st.tcp_open, 0);

    close(fd);
    server_down(s);
}

static void test_tcp_over_connection_cap_closed(void **state)
{
    (void)state;
    server_t *s = server_up_v4(0, 1);
    uint16_t port = server_bound_port(s);
    uint8_t q[64];
    size_t n = tcp_frame(q, 9, 20);

    int a = client(AF_INET, SOCK_STREAM, port);
    send_all(a, q, n);
    tcp_expect_answer(a, 9, 20); /* a is accepted and counted */
    int b = client(AF_INET, SOCK_STREAM, port);
    assert_true(tcp_closed_by_peer(b));
    send_all(a, q, n);
    tcp_expect_answer(a, 9, 20);
    server_stats_t st;
    server_stats_get(s, &st);
    assert_int_equal(st.tcp_rejected, 1);
    assert_int_equal(st.tcp_open, 1);

    /* Once a is gone its slot is free again; the server may not have seen
     * the close yet, so a few new connections may still be turned away. */
    close(a);
    close(b);
    bool is_served = false;
    for (int i = 0; i < 50 && !is_served; i++) {
        int c = client(AF_INET, SOCK_STREAM, port);
        send_all(c, q, n);
        uint8_t pfx[2];
        is_served = recv_exact(c, pfx, 2);
        close(c);
    }
    assert_true(is_served);

    server_down(s);
}

static void test_tcp_zero_length_message_closes_connection(void **state)
{
    (void)state;
    server_t *s = server_up_v4(0, 0);
    int fd = client(AF_INET, SOCK_STREAM, server_bound_port(s));
    const uint8_t zero[2] = {0, 0};

    send_all(fd, zero, sizeof(zero));
    assert_true(tcp_closed_by_peer(fd));
    assert_int_equal(atomic_load(&seen.handled_tcp), 0);

    close(fd);
    server_down(s);
}

/* Read one BIG_MARK answer for id. */
static void tcp_expect_big_answer(int fd, uint16_t id)
{
    static uint8_t a[BIG_RESP_LEN];
    uint8_t pfx[2];
    assert_true(recv_exact(fd, pfx, 2));
    assert_int_equal((size_t)pfx[0] << 8 | pfx[1], BIG_RESP_LEN);
    assert_true(recv_exact(fd, a, BIG_RESP_LEN));
    assert_int_equal((unsigned)a[0] << 8 | a[1], id);
    assert_int_equal(a[2] & 0x80, 0x80);
    assert_int_equal(a[3], BIG_MARK);
    assert_int_equal(a[BIG_RESP_LEN - 1], (uint8_t)((BIG_RESP_LEN - 1) * 7));
}

/* Frame n queries asking for BIG_MARK answers, IDs 0..n-1, into q. */
static size_t tcp_frame_big(uint8_t *q, unsigned n, size_t qlen)
{
    size_t off = 0;
    for (unsigned i = 0; i < n; i++) {
        size_t k = tcp_frame(q + off, (uint16_t)i, qlen);
        q[off + 2 + 3] = BIG_MARK;
        off += k;
    }
    return off;
}

static void test_tcp_half_close_after_queries_still_answered(void **state)
{
    (void)state;
    enum { QUERIES = 30 };
    server_t *s = server_up_v4(0, 0);
    int fd = client(AF_INET, SOCK_STREAM, server_bound_port(s));
    uint8_t q[QUERIES * 66];

    /* 1.2 MB of answers: the end of the queries is seen while many are
     * still unsent, and they must all go out before the close. */
    send_all(fd, q, tcp_frame_big(q, QUERIES, 64));
    assert_int_equal(shutdown(fd, SHUT_WR), 0);
    for (unsigned i = 0; i < QUERIES; i++) {
        tcp_expect_big_answer(fd, (uint16_t)i);
    }
    assert_true(tcp_closed_by_peer(fd));

    close(fd);
    server_down(s);
}

static void test_tcp_unread_answers_apply_backpressure_all_answered(void **state)
{
    (void)state;
    enum { QUERIES = 400, QLEN = 64 };
    server_t *s = server_up_v4(0, 0);
    int fd = client(AF_INET, SOCK_STREAM, server_bound_port(s));

    /* 26 kB of queries in one write, each asking for a 40000-byte answer:
     * 16 MB of answers, so the server's unsent output passes its limit
     * while the input still holds queries, and reading from this connection
     * has to pause and resume as the client reads. */
    static uint8_t q[QUERIES * (QLEN + 2)];
    send_all(fd, q, tcp_frame_big(q, QUERIES, QLEN));
    for (unsigned i = 0; i < QUERIES; i++) {
        tcp_expect_big_answer(fd, (uint16_t)i);
    }
    assert_int_equal(atomic_load(&seen.handled_tcp), QUERIES);

    close(fd);
    server_down(s);
}

static void test_ipv6_loopback_udp_and_tcp_answered(void **state)
{
    (void)state;
    int rc;
    server_t *s = server_up(AF_INET6, 0, 0, &rc);
    if (s == NULL) {
        assert_int_equal(rc, -GSLB_ESYS);
        skip(); /* no IPv6 on this host's loopback */
    }
    uint16_t port = server_bound_port(s);

    int u = client(AF_INET6, SOCK_DGRAM, port);
    udp_query(u, 77, 64);
    uint8_t a[512];
    ssize_t n = udp_recv(u, a, sizeof(a));
    answer_check(a, (size_t)n, 77, 64);

    int t = client(AF_INET6, SOCK_STREAM, port);
    uint8_t q[128];
    send_all(t, q, tcp_frame(q, 78, 64));
    tcp_expect_answer(t, 78, 64);

    close(u);
    close(t);
    server_down(s);
}

static void test_server_new_port_in_use_returns_esys(void **state)
{
    (void)state;
    /* A socket without SO_REUSEPORT holds the port: ours cannot share it. */
    int holder = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    assert_true(holder >= 0);
    struct sockaddr_storage sa;
    socklen_t len = loopback_addr(AF_INET, 0, &sa);
    assert_int_equal(bind(holder, (struct sockaddr *)&sa, len), 0);
    assert_int_equal(getsockname(holder, (struct sockaddr *)&sa, &len), 0);

    conf_server_t cfg = server_conf(AF_INET, 0, 0);
    memcpy(&listen_addr.sa, &sa, len);
    server_callbacks_t cb = {.handle = echo_handle};
    server_t *s = (server_t *)&cb; /* must be reset to NULL */
    assert_int_equal(server_new(&s, &cfg, &cb), -GSLB_ESYS);
    assert_null(s);

    close(holder);
}

static void test_server_free_with_open_connection_closes_it(void **state)
{
    (void)state;
    server_t *s = server_up_v4(0, 0);
    int fd = client(AF_INET, SOCK_STREAM, server_bound_port(s));
    uint8_t q[64];

    send_all(fd, q, tcp_frame(q, 3, 20));
    tcp_expect_answer(fd, 3, 20);
    send_all(fd, q, 5); /* leave a query half-sent */
    server_down(s);
    assert_true(tcp_closed_by_peer(fd));

    close(fd);
}

static void test_server_free_without_start_releases_sockets(void **state)
{
    (void)state;
    memset(&seen, 0, sizeof(seen));
    conf_server_t cfg = server_conf(AF_INET, 0, 0);
    server_callbacks_t cb = {.handle = echo_handle, .ctx_new = ctx_new, .arg = &seen};
    server_t *s = NULL;
    assert_int_equal(server_new(&s, &cfg, &cb), 0);
    uint16_t port = server_bound_port(s);
    server_free(s);
    server_free(NULL);
    assert_int_equal(atomic_load(&seen.ctx_new), 0);

    /* The port is free again: a socket without SO_REUSEPORT can take it. */
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_storage sa;
    socklen_t len = loopback_addr(AF_INET, port, &sa);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, len), 0);
    close(fd);
}

static int server_stop_left_running(void **state)
{
    (void)state;
    server_free(running);
    running = NULL;
    return 0;
}

#define SERVER_TEST(f) cmocka_unit_test_teardown(f, server_stop_left_running)

int main(void)
{
    log_set_level(LOG_LEVEL_ERR);
    const struct CMUnitTest tests[] = {
        SERVER_TEST(test_udp_many_queries_each_answered_once),
        SERVER_TEST(test_udp_handler_zero_sends_no_answer),
        SERVER_TEST(test_udp_oversized_query_dropped_and_counted),
        SERVER_TEST(test_udp_large_answers_all_sent),
        SERVER_TEST(test_tcp_one_query_answered),
        SERVER_TEST(test_tcp_pipelined_queries_all_answered_in_order),
        SERVER_TEST(test_batch_hooks_enclose_every_udp_and_tcp_request),
        SERVER_TEST(test_tcp_split_query_reassembled),
        SERVER_TEST(test_tcp_two_connections_served_independently),
        SERVER_TEST(test_tcp_idle_connection_closed_after_timeout),
        SERVER_TEST(test_tcp_over_connection_cap_closed),
        SERVER_TEST(test_tcp_zero_length_message_closes_connection),
        SERVER_TEST(test_tcp_half_close_after_queries_still_answered),
        SERVER_TEST(test_tcp_unread_answers_apply_backpressure_all_answered),
        SERVER_TEST(test_ipv6_loopback_udp_and_tcp_answered),
        SERVER_TEST(test_server_new_port_in_use_returns_esys),
        SERVER_TEST(test_server_free_with_open_connection_closes_it),
        SERVER_TEST(test_server_free_without_start_releases_sockets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
