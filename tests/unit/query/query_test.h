/* Helpers shared by the query tests that go through real sockets: a snapshot from a small
 * config, query_answer behind the server's UDP and TCP listeners on 127.0.0.1 and ::1, raw
 * query packets, and a reader for the response's header and OPT record. */
#ifndef GSLB_TEST_QUERY_H
#define GSLB_TEST_QUERY_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "gslb/query.h"
#include "gslb/server.h"
#include "gslb/snapshot.h"
#include "gslb/util.h"

#include "../test_files.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Upper bound on any wait for an answer that must come; only reached when a test fails. */
#define QT_GUARD_MS 2000

/* One zone, e.test., and two services: geo.e.test. decided by a map of nets alone (no
 * GeoIP database), so the answer and the scope (the widest block of one answer, RFC 7871
 * 7.2.1) depend on the client address as follows:
 *   127.0.0.0/8    dc-a  scope 8   (everything else in IPv4 is dc-b)
 *   10.0.0.0/8     dc-b  scope 2   (the default too: 0.0.0.0/2 holds no dc-a address)
 *   ::1            dc-a  scope 81  (::/64 is dc-a, but ::ffff:0:0/96 inside it holds the
 *                                   IPv4 decisions, mostly dc-b; ::1 forks from it at bit 80)
 *   2001:db8::/32  dc-b  scope 3   (the default too: 2000::/3 holds no dc-a address)
 * and fixed.e.test., a failover service that never looks at the client. */
static const char qt_zone[] = "$ORIGIN e.test.\n"
                              "$TTL 300\n"
                              "@ SOA ns1 hostmaster 1 3600 900 86400 300\n"
                              "@ NS ns1\n"
                              "ns1 A 192.0.2.53\n"
                              "www A 192.0.2.80\n";

static const char qt_config[] = "server:\n"
                                "  listen: [\"127.0.0.1:5353\"]\n"
                                "zones:\n"
                                "  - file: e.zone\n"
                                "    origin: e.test.\n"
                                "datacenters:\n"
                                "  dc-a:\n"
                                "    addresses: [192.0.2.1, \"2001:db8::a\"]\n"
                                "  dc-b:\n"
                                "    addresses: [192.0.2.2, \"2001:db8::b\"]\n"
                                "maps:\n"
                                "  m:\n"
                                "    nets:\n"
                                "      \"127.0.0.0/8\": [dc-a]\n"
                                "      \"10.0.0.0/8\": [dc-b]\n"
                                "      \"::/64\": [dc-a]\n"
                                "      \"2001:db8::/32\": [dc-b]\n"
                                "    default: [dc-b]\n"
                                "services:\n"
                                "  geo.e.test.:\n"
                                "    map: m\n"
                                "  fixed.e.test.:\n"
                                "    policy: failover\n"
                                "    datacenters: [dc-a]\n";

/* A worker's context: its query state and the snapshot it answers from. */
typedef struct qt_worker {
    query_worker_t w;
    const snapshot_t *snap;
} qt_worker_t;

typedef struct qt_fixture {
    char dir[64];
    snapshot_t *snap;
    server_t *server4;        /* on 127.0.0.1 */
    server_t *server6;        /* on ::1, NULL when the host's loopback has no IPv6 */
    conf_listen_t listen4, listen6;
} qt_fixture_t;

static inline void *qt_worker_new(void *arg, unsigned index)
{
    qt_worker_t *w = calloc(1, sizeof(*w));
    if (w == NULL) {
        abort();
    }
    query_worker_init(&w->w, index + 1);
    w->snap = arg;
    return w;
}

static inline void qt_worker_free(void *arg, void *ctx)
{
    (void)arg;
    free(ctx);
}

/* The daemon's handler, minus RCU: the snapshot never changes during a test. */
static inline size_t qt_handle(void *ctx, const server_request_t *req, uint8_t *resp, size_t cap)
{
    qt_worker_t *w = ctx;
    return query_answer(&w->w, w->snap, req, resp, cap);
}

/* A one-worker server on family's loopback address, port 0; NULL when it cannot bind. */
static inline server_t *qt_server_up(qt_fixture_t *f, int family)
{
    conf_listen_t *l = family == AF_INET6 ? &f->listen6 : &f->listen4;
    memset(l, 0, sizeof(*l));
    if (family == AF_INET6) {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)(void *)&l->sa;
        in6->sin6_family = AF_INET6;
        in6->sin6_addr = in6addr_loopback;
        l->sa_len = sizeof(*in6);
    } else {
        struct sockaddr_in *in = (struct sockaddr_in *)(void *)&l->sa;
        in->sin_family = AF_INET;
        in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        l->sa_len = sizeof(*in);
    }
    conf_server_t cfg = {.listen = l, .listen_count = 1, .workers = 1};
    server_callbacks_t cb = {
        .handle = qt_handle,
        .ctx_new = qt_worker_new,
        .ctx_free = qt_worker_free,
        .arg = f->snap,
    };
    server_t *s = NULL;
    if (server_new(&s, &cfg, &cb) != 0) {
        return NULL;
    }
    assert_int_equal(server_start(s), 0);
    return s;
}

/* Group setup: the snapshot, then a server on 127.0.0.1 (required) and on ::1 (if any). */
static inline int qt_setup(void **state)
{
    log_set_level(LOG_LEVEL_ERR);
    qt_fixture_t *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "/tmp/test_query_sock.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    test_file_write(f->dir, "e.zone", qt_zone);
    test_file_write(f->dir, "gslbd.yaml", qt_config);
    char path[128];
    snprintf(path, sizeof(path), "%s/gslbd.yaml", f->dir);
    gslb_diag_t *diag = gslb_diag_new(true);
    int rc = snapshot_load(&f->snap, path, NULL, NULL, diag);
    gslb_diag_free(diag);
    assert_int_equal(rc, 0);
    f->server4 = qt_server_up(f, AF_INET);
    assert_non_null(f->server4);
    f->server6 = qt_server_up(f, AF_INET6);
    *state = f;
    return 0;
}

static inline int qt_teardown(void **state)
{
    qt_fixture_t *f = *state;
    server_free(f->server4);
    server_free(f->server6);
    snapshot_free(f->snap);
    test_file_remove(f->dir, "e.zone");
    test_file_remove(f->dir, "gslbd.yaml");
    rmdir(f->dir);
    free(f);
    return 0;
}

/* A query packet being built. */
typedef struct qt_pkt {
    uint8_t b[512];
    size_t len;
    size_t rdlen_at;          /* the OPT RDLENGTH field while options are added */
} qt_pkt_t;

static inline void qt_put(qt_pkt_t *p, const void *data, size_t n)
{
    assert_true(p->len + n <= sizeof(p->b));
    memcpy(p->b + p->len, data, n);
    p->len += n;
}

static inline void qt_put16(qt_pkt_t *p, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    qt_put(p, b, 2);
}

/* Header with ID 0x5a5a, RD, and the given counts. */
static inline void qt_header(qt_pkt_t *p, uint16_t qd, uint16_t an, uint16_t ns, uint16_t ar)
{
    p->len = 0;
    static const uint8_t id_flags[4] = {0x5a, 0x5a, 0x01, 0x00};
    qt_put(p, id_flags, sizeof(id_flags));
    qt_put16(p, qd);
    qt_put16(p, an);
    qt_put16(p, ns);
    qt_put16(p, ar);
}

/* The question: name in wire form (a string literal: its NUL is the root label), class IN. */
#define QT_NAME(s) ((const uint8_t *)(s)), (sizeof(s))
static inline void qt_question(qt_pkt_t *p, const uint8_t *name, size_t len, uint16_t qtype)
{
    qt_put(p, name, len);
    qt_put16(p, qtype);
    qt_put16(p, DNS_CLASS_IN);
}

/* An OPT record, owner root, payload 1232; options follow until qt_opt_end. */
static inline void qt_opt_begin(qt_pkt_t *p, uint8_t version, uint16_t flags)
{
    uint8_t fixed[9] = {0, 0, DNS_TYPE_OPT, 0x04, 0xd0, 0, version,
                        (uint8_t)(flags >> 8), (uint8_t)flags};
    qt_put(p, fixed, sizeof(fixed));
    p->rdlen_at = p->len;
    qt_put16(p, 0);
}

static inline void qt_opt_end(qt_pkt_t *p)
{
    size_t rdlen = p->len - p->rdlen_at - 2;
    p->b[p->rdlen_at] = (uint8_t)(rdlen >> 8);
    p->b[p->rdlen_at + 1] = (uint8_t)rdlen;
}

/* An ECS option with the fields as given, right or wrong (n address octets). */
static inline void qt_ecs(qt_pkt_t *p, uint16_t family, uint8_t source, uint8_t scope,
                          const uint8_t *addr, size_t n)
{
    qt_put16(p, DNS_OPT_ECS);
    qt_put16(p, (uint16_t)(4 + n));
    qt_put16(p, family);
    qt_put(p, &source, 1);
    qt_put(p, &scope, 1);
    if (n > 0) {
        qt_put(p, addr, n);
    }
}

/* The usual query: geo.e.test./A, one OPT with one ECS option. */
static inline void qt_ecs_query(qt_pkt_t *p, const uint8_t *qname, size_t qname_len,
                                uint16_t family, uint8_t source, uint8_t scope,
                                const uint8_t *addr, size_t n)
{
    qt_header(p, 1, 0, 0, 1);
    qt_question(p, qname, qname_len, DNS_TYPE_A);
    qt_opt_begin(p, 0, 0);
    qt_ecs(p, family, source, scope, addr, n);
    qt_opt_end(p);
}

static inline bool qt_wait_readable(int fd)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    return poll(&pfd, 1, QT_GUARD_MS) == 1;
}

static inline bool qt_recv_exact(int fd, uint8_t *buf, size_t len)
{
    while (len > 0) {
        if (!qt_wait_readable(fd)) {
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

/* Send the query to the server on family's loopback over transport and return the
 * answer's length in out (0: no answer within QT_GUARD_MS). */
static inline size_t qt_exchange(const qt_fixture_t *f, int family, server_transport_t transport,
                                 const qt_pkt_t *q, uint8_t *out, size_t cap)
{
    server_t *s = family == AF_INET6 ? f->server6 : f->server4;
    assert_non_null(s);
    struct sockaddr_storage sa;
    const conf_listen_t *l = family == AF_INET6 ? &f->listen6 : &f->listen4;
    memcpy(&sa, &l->sa, l->sa_len);
    uint16_t port = htons(server_bound_port(s));
    if (family == AF_INET6) {
        ((struct sockaddr_in6 *)(void *)&sa)->sin6_port = port;
    } else {
        ((struct sockaddr_in *)(void *)&sa)->sin_port = port;
    }
    int type = transport == SERVER_TCP ? SOCK_STREAM : SOCK_DGRAM;
    int fd = socket(family, type | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, l->sa_len), 0);
    size_t n = 0;
    if (transport == SERVER_TCP) {
        uint8_t framed[2 + sizeof(q->b)];
        framed[0] = (uint8_t)(q->len >> 8);
        framed[1] = (uint8_t)q->len;
        memcpy(framed + 2, q->b, q->len);
        assert_int_equal(send(fd, framed, q->len + 2, MSG_NOSIGNAL), (ssize_t)(q->len + 2));
        uint8_t pfx[2];
        if (qt_recv_exact(fd, pfx, 2)) {
            n = (size_t)pfx[0] << 8 | pfx[1];
            assert_true(n <= cap);
            assert_true(qt_recv_exact(fd, out, n));
        }
    } else {
        assert_int_equal(send(fd, q->b, q->len, 0), (ssize_t)q->len);
        if (qt_wait_readable(fd)) {
            ssize_t got = recv(fd, out, cap, 0);
            n = got > 0 ? (size_t)got : 0;
        }
    }
    close(fd);
    return n;
}

static inline uint16_t qt_rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* Skip a possibly compressed name in a well-formed message: the offset past it. */
static inline size_t qt_skip_name(const uint8_t *m, size_t len, size_t off)
{
    while (off < len && m[off] != 0) {
        if ((m[off] & 0xC0) == 0xC0) {
            return off + 2;
        }
        off += 1u + m[off];
    }
    return off + 1;
}

/* What a test checks in a response: header fields and the OPT record, if any. */
typedef struct qt_resp {
    uint16_t id, flags, counts[4]; /* QD, AN, NS, AR */
    uint16_t rcode;                /* 12 bits: header's low 4, OPT's extended 8 on top */
    bool has_opt;
    bool is_opt_root;              /* its owner is the root */
    uint16_t opt_udp_size;
    uint8_t opt_version;
    uint16_t opt_flags;
    const uint8_t *opt_rdata;      /* into the answer buffer */
    uint16_t opt_rdlen;
    unsigned opt_count;            /* OPT records seen */
    size_t question_end;           /* offset past the question section */
    uint16_t an_type;              /* the first answer record's TYPE and RDATA */
    const uint8_t *an_rdata;
    uint16_t an_rdlen;
} qt_resp_t;

/* Read a response the server wrote; every record must lie inside it. */
static inline void qt_resp_read(const uint8_t *m, size_t len, qt_resp_t *r)
{
    memset(r, 0, sizeof(*r));
    assert_true(len >= DNS_HEADER_LEN);
    r->id = qt_rd16(m);
    r->flags = qt_rd16(m + 2);
    for (int i = 0; i < 4; i++) {
        r->counts[i] = qt_rd16(m + 4 + 2 * i);
    }
    r->rcode = (uint16_t)(r->flags & 0x0F);
    size_t off = DNS_HEADER_LEN;
    for (unsigned i = 0; i < r->counts[0]; i++) {
        off = qt_skip_name(m, len, off) + 4;
        assert_true(off <= len);
    }
    r->question_end = off;
    unsigned rrs = (unsigned)r->counts[1] + r->counts[2] + r->counts[3];
    for (unsigned i = 0; i < rrs; i++) {
        size_t owner = off;
        off = qt_skip_name(m, len, off);
        assert_true(off + 10 <= len);
        uint16_t rdlen = qt_rd16(m + off + 8);
        assert_true(off + 10 + rdlen <= len);
        if (i == 0 && r->counts[1] > 0) {
            r->an_type = qt_rd16(m + off);
            r->an_rdata = m + off + 10;
            r->an_rdlen = rdlen;
        }
        if (qt_rd16(m + off) == DNS_TYPE_OPT) {
            r->opt_count++;
            r->has_opt = true;
            r->is_opt_root = m[owner] == 0 && off == owner + 1;
            r->opt_udp_size = qt_rd16(m + off + 2);
            r->rcode = (uint16_t)(r->rcode | m[off + 4] << 4);
            r->opt_version = m[off + 5];
            r->opt_flags = qt_rd16(m + off + 6);
            r->opt_rdata = m + off + 10;
            r->opt_rdlen = rdlen;
        }
        off += 10u + rdlen;
    }
    assert_int_equal(off, len);
}

/* The ECS option of a response's OPT: its data (family, source, scope, address) and
 * length, or NULL when there is none. */
static inline const uint8_t *qt_resp_ecs(const qt_resp_t *r, uint16_t *olen)
{
    for (size_t off = 0; r->has_opt && off + 4 <= r->opt_rdlen;) {
        uint16_t code = qt_rd16(r->opt_rdata + off);
        uint16_t n = qt_rd16(r->opt_rdata + off + 2);
        if (code == DNS_OPT_ECS) {
            *olen = n;
            return r->opt_rdata + off + 4;
        }
        off += 4u + n;
    }
    return NULL;
}

#endif
