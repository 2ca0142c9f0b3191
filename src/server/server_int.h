/* server: internal types shared by the listen, UDP, TCP and worker parts of the module. */
#ifndef GSLB_SERVER_INT_H
#define GSLB_SERVER_INT_H

#include "gslb/server.h"

#include <event2/event.h>
#include <event2/listener.h>

#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/time.h>

/* Datagrams read (and answers sent) per recvmmsg/sendmmsg call. */
#define SERVER_UDP_BATCH 64
/* Receive buffer per datagram. Queries are small (a question and an OPT
 * record); anything larger arrives with MSG_TRUNC and is dropped. */
#define SERVER_UDP_RX_BUF 4096
/* Batches handled per readable event, so TCP on the same base is not starved. */
#define SERVER_UDP_ROUNDS 8
/* Per-worker response arena: responses of one batch are written back to back;
 * when less than SERVER_MAX_MSG is left the pending ones are sent first. */
#define SERVER_UDP_TX_ARENA (4 * (SERVER_MAX_MSG + 1))
/* Stop reading a TCP connection while more than this much output is unsent,
 * and start again once it is down to SERVER_TCP_OUT_RESUME (refilling before
 * it runs dry keeps a reading client busy). */
#define SERVER_TCP_OUT_MAX (256 * 1024)
#define SERVER_TCP_OUT_RESUME (64 * 1024)
/* Per-worker staging buffer for the answers to one read's TCP queries; when
 * less than one largest answer (with its prefix) is left, the staged ones
 * are handed to the connection first. */
#define SERVER_TCP_STAGE (4 * (2 + SERVER_MAX_MSG))
/* Pending connections the kernel queues per listening socket. */
#define SERVER_TCP_BACKLOG 1024
/* Pause before accepting again after accept() ran out of descriptors or memory. */
#define SERVER_ACCEPT_RETRY_MS 100
/* Largest worker count accepted from the configuration. */
#define SERVER_MAX_WORKERS 1024

/* Room for one IP_PKTINFO or IPV6_PKTINFO control message, suitably aligned. */
typedef union server_cmsg_buf {
    struct cmsghdr align;
    uint8_t buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) > CMSG_SPACE(sizeof(struct in_pktinfo))
                    ? CMSG_SPACE(sizeof(struct in6_pktinfo))
                    : CMSG_SPACE(sizeof(struct in_pktinfo))];
} server_cmsg_buf_t;

/* At most one log line per second per worker for per-packet problems. */
typedef struct server_ratelimit {
    int64_t last_s;      /* monotonic second of the last line written, -1 = never */
    uint64_t suppressed; /* lines dropped since */
} server_ratelimit_t;

/* Per-worker counters. Only the owning worker writes them (relaxed
 * load + store, no locked instruction); server_stats_get reads them from any
 * thread. */
typedef struct server_counters {
    _Atomic uint64_t udp_received;
    _Atomic uint64_t udp_answered;
    _Atomic uint64_t udp_truncated;
    _Atomic uint64_t udp_send_dropped;
    _Atomic uint64_t tcp_accepted;
    _Atomic uint64_t tcp_rejected;
    _Atomic uint64_t tcp_queries;
    _Atomic uint64_t tcp_idle_closed;
    _Atomic uint64_t tcp_prefix_rejected;
    _Atomic uint64_t tcp_evicted;
} server_counters_t;

typedef struct server_worker server_worker_t;
typedef struct server_conn server_conn_t;

/* One listen address as served by one worker: its own UDP and TCP sockets. */
typedef struct server_listener {
    server_worker_t *w;
    int family;
    int udp_fd;                    /* -1 when not open */
    bool has_pktinfo;              /* udp_fd reports each query's destination (wildcard bind) */
    int tcp_fd;                    /* -1 when not open or owned by tcp */
    struct event *udp_ev;          /* persistent read event on udp_fd */
    struct evconnlistener *tcp;    /* owns tcp_fd once created */
    struct event *accept_retry_ev; /* re-enables tcp after an accept error */
    char name[64];                 /* "127.0.0.1:53" / "[::1]:53" for messages */
} server_listener_t;

struct server_worker {
    server_t *s;
    unsigned index;
    pthread_t thread;
    bool has_thread;
    struct event_base *base;
    struct event *stop_ev; /* activated from the main thread by server_free */
    void *ctx;             /* from ctx_new, on this worker's thread */
    server_listener_t *listeners; /* s->listen_count entries */
    server_conn_t *conns;         /* open TCP connections (doubly linked), the most recently
                                   * active first: the last is the one to evict */
    server_conn_t *conns_tail;
    /* tcp_idle_timeout_ms as a libevent common timeout: every connection
     * uses the same duration, so re-arming is O(1) instead of a heap update. */
    const struct timeval *idle_tv;
    /* The shorter idle timeout used while the connection table is over
     * three quarters full (RFC 7766 6.2.3 lets a server close idle
     * connections under pressure). */
    const struct timeval *idle_short_tv;
    server_ratelimit_t rl;
    server_counters_t ctr;

    /* UDP batch state, reused for every batch. */
    struct mmsghdr rx_msgs[SERVER_UDP_BATCH];
    struct iovec rx_iov[SERVER_UDP_BATCH];
    struct sockaddr_storage rx_peer[SERVER_UDP_BATCH];
    server_cmsg_buf_t rx_cmsg[SERVER_UDP_BATCH];
    uint8_t *rx_buf; /* SERVER_UDP_BATCH * SERVER_UDP_RX_BUF */
    /* Receive headers whose in/out fields (name and control lengths, flags)
     * recvmmsg may have changed since they were last set, and the control
     * length they were set for (it differs between listeners). */
    unsigned rx_dirty;
    size_t rx_controllen;
    struct mmsghdr tx_msgs[SERVER_UDP_BATCH];
    struct iovec tx_iov[SERVER_UDP_BATCH];
    server_cmsg_buf_t tx_cmsg[SERVER_UDP_BATCH];
    uint8_t *tx_arena; /* SERVER_UDP_TX_ARENA bytes */

    /* TCP: the answers staged for one connection, each after its 2-byte prefix. */
    uint8_t *tcp_resp; /* SERVER_TCP_STAGE */
};

struct server {
    server_callbacks_t cb;
    unsigned worker_count;
    server_worker_t **workers;
    size_t listen_count;
    uint16_t bound_port; /* port of the first listen address after bind */
    unsigned tcp_idle_timeout_ms;
    unsigned tcp_max_connections;
    atomic_uint tcp_open; /* connections open now, across workers */
    unsigned tcp_per_prefix;      /* 0 = no limit */
    unsigned tcp_max_queries;     /* 0 = no cap */
    atomic_uint *prefix_open;     /* SERVER_PREFIX_BUCKETS counters of connections per client
                                   * network (hash of its /24 or /56), across workers */
    bool is_started;
};

#define SERVER_PREFIX_BUCKETS 65536
/* A connection idle at least this long may be closed to admit a new client
 * when every slot is taken. */
#define SERVER_TCP_EVICT_IDLE_MS 1000

/* listen.c */

/* Format sa as "127.0.0.1:53" or "[::1]:53" into buf (always terminated). */
void server_addr_format(const struct sockaddr *sa, char *buf, size_t cap);

/* True for the wildcard address of either family (0.0.0.0, ::). */
bool server_addr_is_any(const struct sockaddr *sa);

/* Open a nonblocking, close-on-exec socket of type SOCK_DGRAM or SOCK_STREAM
 * with SO_REUSEADDR and SO_REUSEPORT (IPV6_V6ONLY for IPv6, packet info for
 * UDP on a wildcard address) and bind it to sa; TCP sockets are also put in
 * listening state.
 * Returns 0 and *out_fd, or an errno value with *what naming the step that
 * failed ("bind", ...). Logs nothing: the caller knows the address name. */
int server_socket_open(int type, const struct sockaddr *sa, socklen_t sa_len, int *out_fd,
                       const char **what);

/* Text for errno value err; thread-safe (buf is used when needed). */
const char *server_errstr(int err, char *buf, size_t cap);

/* worker.c */

/* True when a per-packet problem may be logged now on this worker; then
 * *suppressed is the number of lines dropped since the last one. Worker thread. */
bool server_ratelimit_allow(server_worker_t *w, uint64_t *suppressed);

/* Add n to a counter that only the calling worker writes. */
static inline void server_counter_add(_Atomic uint64_t *c, uint64_t n)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
                          memory_order_relaxed);
}

/* udp.c */

/* Point the worker's receive and send headers at its buffers (once, at setup). */
void server_udp_worker_init(server_worker_t *w);

/* libevent read callback for a listener's UDP socket (arg: server_listener_t). */
void server_udp_read_cb(evutil_socket_t fd, short what, void *arg);

/* tcp.c */

/* Create the evconnlistener for l->tcp_fd on the worker's base; it takes the
 * descriptor over. Returns 0 or -GSLB_ESYS. Main thread, before start. */
int server_tcp_listener_init(server_listener_t *l);

/* Free the listener and its retry timer (closes its socket). */
void server_tcp_listener_free(server_listener_t *l);

/* Close every open connection of w. Worker thread after its loop ended, or
 * any thread when the worker never ran. */
void server_tcp_close_all(server_worker_t *w);

#endif
