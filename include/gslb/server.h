/* server: UDP/TCP listeners on libevent, one worker thread per CPU, batched UDP I/O. */
#ifndef GSLB_SERVER_H
#define GSLB_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "gslb/conf.h"

/* Largest DNS message we read or write: TCP allows 65535 (RFC 1035 4.2.2). */
#define SERVER_MAX_MSG 65535

/* Transport a query arrived on. */
typedef enum server_transport {
    SERVER_UDP = 0,
    SERVER_TCP = 1,
} server_transport_t;

/* One query handed to the handler. */
typedef struct server_request {
    const uint8_t *msg;            /* the DNS message (no TCP length prefix) */
    size_t len;
    const struct sockaddr *peer;   /* client address (sockaddr_in or sockaddr_in6) */
    socklen_t peer_len;
    server_transport_t transport;
} server_request_t;

/* Query handler, called on a worker thread. It writes the response into
 * resp (capacity resp_cap: 65535 for TCP, 65535 for UDP; the handler itself
 * applies the client's UDP payload limit) and returns its length, or 0 to send
 * nothing (drop). worker_ctx is the pointer that worker_ctx_new returned for
 * this worker. The handler must not block. */
typedef size_t (*server_handler_fn)(void *worker_ctx, const server_request_t *req, uint8_t *resp,
                                    size_t resp_cap);

/* Create / destroy a worker's private context (buffers, counters, RNG);
 * called on the worker's own thread, index 0..workers-1. */
typedef void *(*server_worker_ctx_new_fn)(void *arg, unsigned worker_index);
typedef void (*server_worker_ctx_free_fn)(void *arg, void *worker_ctx);

/* Optional hooks around each batch of requests (the datagrams of one recvmmsg
 * call, or the messages of one TCP read): handle is called only between a
 * batch_begin and its batch_end, on the same worker thread. They let the
 * handler take per-batch state, such as an RCU read-side section, once for
 * many queries instead of once per query. They must not block. */
typedef void (*server_batch_fn)(void *worker_ctx);

typedef struct server_callbacks {
    server_handler_fn handle;
    server_batch_fn batch_begin; /* may be NULL */
    server_batch_fn batch_end;   /* may be NULL */
    server_worker_ctx_new_fn ctx_new;
    server_worker_ctx_free_fn ctx_free;
    void *arg; /* passed to ctx_new/ctx_free */
} server_callbacks_t;

typedef struct server server_t;

/* Open every listen socket from cfg (UDP and TCP, one set per worker with
 * SO_REUSEPORT) so that bind errors are reported before threads start.
 * Returns 0 and *out, or -GSLB_ESYS after logging
 * "server: listen '127.0.0.1:53': cannot bind (Address already in use)".
 * The callbacks struct is copied. Main thread only. */
int server_new(server_t **out, const conf_server_t *cfg, const server_callbacks_t *cb);

/* Start the worker threads. Each registers with liburcu (rcu_register_thread)
 * so handlers may use rcu_read_lock(). Returns 0 or -GSLB_ESYS. */
int server_start(server_t *s);

/* Ask the workers to stop, wait for them, close sockets and free everything.
 * In-flight TCP connections are closed. NULL does nothing. Main thread only. */
void server_free(server_t *s);

/* The port actually bound by the first listener (useful with port 0 in tests). */
uint16_t server_bound_port(const server_t *s);

/* Number of worker threads that server_start runs. */
unsigned server_worker_count(const server_t *s);

/* Counters summed over all workers since server_new. All but tcp_open only
 * grow. For metrics: the values are read without stopping the workers, so
 * they are a near-current view, not one instant. */
typedef struct server_stats {
    uint64_t udp_received;     /* datagrams read */
    uint64_t udp_answered;     /* answers the handler produced (sent = this - udp_send_dropped) */
    uint64_t udp_truncated;    /* dropped: larger than the receive buffer */
    uint64_t udp_send_dropped; /* responses not sent: socket buffer full or send error */
    uint64_t tcp_accepted;     /* connections accepted and served */
    uint64_t tcp_rejected;     /* closed at once: over tcp_max_connections */
    uint64_t tcp_queries;      /* messages read over TCP */
    uint64_t tcp_idle_closed;  /* connections closed by the idle timeout */
    uint64_t tcp_prefix_rejected; /* closed at once: over tcp_max_connections_per_prefix */
    uint64_t tcp_evicted;      /* idle connections closed to admit a new client */
    uint64_t tcp_open;         /* connections open now */
} server_stats_t;

/* Fill *out with the current counters. Never blocks or allocates; any thread,
 * between server_new and server_free. */
void server_stats_get(const server_t *s, server_stats_t *out);

#endif
