/* server: UDP queries read and answered in batches with recvmmsg/sendmmsg, no allocation. */
#include "server_int.h"

#include "gslb/util.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

void server_udp_worker_init(server_worker_t *w)
{
    for (unsigned i = 0; i < SERVER_UDP_BATCH; i++) {
        w->rx_iov[i].iov_base = w->rx_buf + (size_t)i * SERVER_UDP_RX_BUF;
        w->rx_iov[i].iov_len = SERVER_UDP_RX_BUF;
        struct msghdr *rh = &w->rx_msgs[i].msg_hdr;
        rh->msg_iov = &w->rx_iov[i];
        rh->msg_iovlen = 1;
        rh->msg_name = &w->rx_peer[i];
        rh->msg_control = w->rx_cmsg[i].buf;

        struct msghdr *th = &w->tx_msgs[i].msg_hdr;
        th->msg_iov = &w->tx_iov[i];
        th->msg_iovlen = 1;
    }
    /* server_udp_read_cb sets the in/out fields before the first read. */
    w->rx_dirty = SERVER_UDP_BATCH;
    w->rx_controllen = 0;
}

/* Build into out the control message that makes the answer to rh leave from
 * the address the query was sent to; returns its length, 0 when rh carried no
 * packet info. */
static size_t pktinfo_reply(struct msghdr *rh, server_cmsg_buf_t *out)
{
    struct cmsghdr *oc = &out->align;

    for (struct cmsghdr *c = CMSG_FIRSTHDR(rh); c != NULL; c = CMSG_NXTHDR(rh, c)) {
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
            struct in_pktinfo pi;
            memcpy(&pi, CMSG_DATA(c), sizeof(pi));
            /* ip(7): ipi_spec_dst (the local address the query reached) becomes
             * the source; a zero ifindex leaves the choice of interface to
             * routing, as for any other reply. */
            pi.ipi_ifindex = 0;
            memset(out, 0, sizeof(*out));
            oc->cmsg_level = IPPROTO_IP;
            oc->cmsg_type = IP_PKTINFO;
            oc->cmsg_len = CMSG_LEN(sizeof(pi));
            memcpy(CMSG_DATA(oc), &pi, sizeof(pi));
            return CMSG_SPACE(sizeof(pi));
        }
        if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
            /* Kept as received: ipi6_addr is the query's destination and the
             * arrival interface matters for link-local addresses (RFC 3542 6.1). */
            memset(out, 0, sizeof(*out));
            oc->cmsg_level = IPPROTO_IPV6;
            oc->cmsg_type = IPV6_PKTINFO;
            oc->cmsg_len = CMSG_LEN(sizeof(struct in6_pktinfo));
            memcpy(CMSG_DATA(oc), CMSG_DATA(c), sizeof(struct in6_pktinfo));
            return CMSG_SPACE(sizeof(struct in6_pktinfo));
        }
    }
    return 0;
}

static bool is_transient(int err)
{
    return err == EAGAIN || err == EWOULDBLOCK || err == EINTR;
}

/* Send the first ntx prepared answers. A full socket buffer drops the rest
 * (the clients retry; waiting would stall every other query on this worker). */
static void udp_send(server_listener_t *l, int fd, unsigned ntx)
{
    server_worker_t *w = l->w;
    unsigned next = 0;
    uint64_t dropped = 0;
    int last_err = 0;

    /* Counted before they leave, so a client that has its answer also sees
     * it in the counters. */
    server_counter_add(&w->ctr.udp_answered, ntx);
    while (next < ntx) {
        int r = sendmmsg(fd, w->tx_msgs + next, ntx - next, MSG_DONTWAIT);
        if (r > 0) {
            next += (unsigned)r;
            continue;
        }
        int err = r < 0 ? errno : EIO;
        if (err == EINTR) {
            continue;
        }
        last_err = err;
        if (err == EAGAIN || err == EWOULDBLOCK || err == ENOBUFS) {
            dropped += ntx - next;
            break;
        }
        /* sendmmsg reports an error only when the first remaining message
         * fails; that one is bad on its own (e.g. an unreachable peer), so
         * skip it and keep going with the others. */
        dropped++;
        next++;
    }
    if (dropped > 0) {
        server_counter_add(&w->ctr.udp_send_dropped, dropped);
        uint64_t suppressed;
        if (server_ratelimit_allow(w, &suppressed)) {
            char eb[128];
            log_warn("server: listen '%s': %" PRIu64 " udp answers not sent (%s); "
                     "%" PRIu64 " similar messages suppressed",
                     l->name, dropped, server_errstr(last_err, eb, sizeof(eb)), suppressed);
        }
    }
}

/* Answer the n datagrams that recvmmsg just filled in. */
static void udp_batch_handle(server_listener_t *l, int fd, unsigned n)
{
    server_worker_t *w = l->w;
    const server_callbacks_t *cb = &w->s->cb;
    size_t used = 0;
    unsigned ntx = 0;
    uint64_t truncated = 0;

    server_counter_add(&w->ctr.udp_received, n);
    if (cb->batch_begin != NULL) {
        cb->batch_begin(w->ctx);
    }
    for (unsigned i = 0; i < n; i++) {
        struct msghdr *rh = &w->rx_msgs[i].msg_hdr;
        if (rh->msg_flags & MSG_TRUNC) {
            /* Larger than SERVER_UDP_RX_BUF: the tail is lost, so the query
             * cannot be parsed reliably. */
            truncated++;
            continue;
        }
        if (SERVER_UDP_TX_ARENA - used < SERVER_MAX_MSG) {
            udp_send(l, fd, ntx);
            used = 0;
            ntx = 0;
        }
        server_request_t req = {
            .msg = w->rx_iov[i].iov_base,
            .len = w->rx_msgs[i].msg_len,
            .peer = (const struct sockaddr *)&w->rx_peer[i],
            .peer_len = rh->msg_namelen,
            .transport = SERVER_UDP,
        };
        uint8_t *resp = w->tx_arena + used;
        size_t rlen = cb->handle(w->ctx, &req, resp, SERVER_MAX_MSG);
        assert(rlen <= SERVER_MAX_MSG);
        if (rlen == 0 || rlen > SERVER_MAX_MSG) {
            continue;
        }
        struct msghdr *th = &w->tx_msgs[ntx].msg_hdr;
        w->tx_iov[ntx].iov_base = resp;
        w->tx_iov[ntx].iov_len = rlen;
        /* The peer stays valid: rx_peer is not reused before the next recvmmsg. */
        th->msg_name = rh->msg_name;
        th->msg_namelen = rh->msg_namelen;
        size_t clen = l->has_pktinfo ? pktinfo_reply(rh, &w->tx_cmsg[ntx]) : 0;
        th->msg_control = clen > 0 ? w->tx_cmsg[ntx].buf : NULL;
        th->msg_controllen = clen;
        th->msg_flags = 0;
        used += rlen;
        ntx++;
    }
    if (cb->batch_end != NULL) {
        cb->batch_end(w->ctx);
    }
    server_counter_add(&w->ctr.udp_truncated, truncated);
    udp_send(l, fd, ntx);

    if (truncated > 0) {
        uint64_t suppressed;
        /* A client's doing, so only at debug level; checked first so that a
         * hidden line does not use up the worker's one line per second. */
        if (log_enabled(LOG_LEVEL_DEBUG) && server_ratelimit_allow(w, &suppressed)) {
            log_debug("server: listen '%s': dropped %" PRIu64 " udp queries larger than %d bytes; "
                      "%" PRIu64 " similar messages suppressed",
                      l->name, truncated, SERVER_UDP_RX_BUF, suppressed);
        }
    }
}

void server_udp_read_cb(evutil_socket_t fd, short what, void *arg)
{
    server_listener_t *l = arg;
    server_worker_t *w = l->w;
    (void)what;

    /* Bounded: whatever is still queued after SERVER_UDP_ROUNDS batches makes
     * the level-triggered event fire again after the base ran the other
     * active events (TCP connections, stop). */
    size_t controllen = l->has_pktinfo ? sizeof(w->rx_cmsg[0].buf) : 0;
    if (controllen != w->rx_controllen) {
        w->rx_controllen = controllen;
        w->rx_dirty = SERVER_UDP_BATCH;
    }
    for (unsigned round = 0; round < SERVER_UDP_ROUNDS; round++) {
        /* recvmmsg writes these fields only in the headers it fills, so
         * only those of the last batch need setting again. */
        for (unsigned i = 0; i < w->rx_dirty; i++) {
            struct msghdr *rh = &w->rx_msgs[i].msg_hdr;
            rh->msg_namelen = sizeof(w->rx_peer[i]);
            rh->msg_controllen = controllen;
            rh->msg_flags = 0;
        }
        w->rx_dirty = 0;
        int n = recvmmsg(fd, w->rx_msgs, SERVER_UDP_BATCH, MSG_DONTWAIT, NULL);
        if (n > 0) {
            w->rx_dirty = (unsigned)n;
        }
        if (n < 0) {
            int err = errno;
            uint64_t suppressed;
            if (!is_transient(err) && server_ratelimit_allow(w, &suppressed)) {
                char eb[128];
                log_warn("server: listen '%s': udp receive failed (%s); "
                         "%" PRIu64 " similar messages suppressed",
                         l->name, server_errstr(err, eb, sizeof(eb)), suppressed);
            }
            return;
        }
        if (n == 0) {
            return;
        }
        udp_batch_handle(l, fd, (unsigned)n);
        if (n < SERVER_UDP_BATCH) {
            return;
        }
    }
}
