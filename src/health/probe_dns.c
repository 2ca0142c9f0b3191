/* health: dns probes: one hand-built UDP query, up when the answer has the expected RCODE. */
#include "health_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* RFC 1035 4.1.1: a 12-byte header, then the question. */
#define DNS_HEADER_LEN 12
#define DNS_FLAG_QR 0x80   /* in byte 2 */
#define DNS_RCODE_MASK 0x0f /* in byte 3 */

typedef struct dns_run {
    int fd;
    struct event *ev;
    uint16_t id;
} dns_run_t;

static const char *rcode_name(unsigned rcode)
{
    static const char *const names[] = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN",
                                        "NOTIMP",  "REFUSED", "YXDOMAIN", "YXRRSET",
                                        "NXRRSET", "NOTAUTH", "NOTZONE"};
    return rcode < GSLB_ARRAY_LEN(names) ? names[rcode] : "RCODE";
}

static void dns_read_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    health_probe_t *p = arg;
    dns_run_t *run = p->run;
    uint8_t buf[512];
    /* Read everything queued: stray or late answers to earlier queries
     * (another ID) are skipped rather than failing the probe. */
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                return;
            }
            if (errno == EINTR) {
                continue;
            }
            /* A connected UDP socket reports ICMP port unreachable here. */
            int err = errno;
            health_probe_finish(p, health_reason_from_errno(err), err, NULL);
            return;
        }
        if (n < DNS_HEADER_LEN || (buf[2] & DNS_FLAG_QR) == 0 ||
            (uint16_t)(buf[0] << 8 | buf[1]) != run->id) {
            continue;
        }
        unsigned rcode = buf[3] & DNS_RCODE_MASK;
        if (rcode == p->def.dns_rcode) {
            health_probe_finish(p, HEALTH_REASON_OK, (int)rcode, NULL);
        } else {
            char text[64];
            snprintf(text, sizeof(text), "rcode %s", rcode_name(rcode));
            health_probe_finish(p, HEALTH_REASON_RCODE, (int)rcode, text);
        }
        return;
    }
}

static void dns_start(health_probe_t *p)
{
    const health_probe_def_t *d = &p->def;
    uint8_t q[DNS_HEADER_LEN + 255 + 4];
    uint16_t id = (uint16_t)health_rand(p->h);
    memset(q, 0, DNS_HEADER_LEN);
    q[0] = (uint8_t)(id >> 8);
    q[1] = (uint8_t)id;
    /* Flags all zero: a standard query without RD, as an authoritative
     * server is being asked about its own data. QDCOUNT = 1. */
    q[5] = 1;
    size_t len = DNS_HEADER_LEN;
    memcpy(q + len, d->dns_qname, p->dns_qname_len);
    len += p->dns_qname_len;
    q[len++] = (uint8_t)(d->dns_qtype >> 8);
    q[len++] = (uint8_t)d->dns_qtype;
    q[len++] = 0;
    q[len++] = 1; /* class IN */

    int fd = socket(p->target.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        int err = errno;
        health_probe_finish(p, HEALTH_REASON_NETWORK, err, NULL);
        return;
    }
    /* Connected, so only the target's answers arrive and ICMP errors surface. */
    if (connect(fd, (const struct sockaddr *)&p->target, p->target_len) < 0 ||
        send(fd, q, len, 0) != (ssize_t)len) {
        int err = errno;
        close(fd);
        health_probe_finish(p, health_reason_from_errno(err), err, NULL);
        return;
    }
    dns_run_t *run = xcalloc(1, sizeof(*run));
    run->fd = fd;
    run->id = id;
    run->ev = event_new(p->h->base, fd, EV_READ | EV_PERSIST, dns_read_cb, p);
    if (run->ev == NULL || event_add(run->ev, NULL) < 0) {
        if (run->ev != NULL) {
            event_free(run->ev);
        }
        close(fd);
        free(run);
        health_probe_finish(p, HEALTH_REASON_NETWORK, ENOMEM, NULL);
        return;
    }
    p->run = run;
}

static void dns_stop(health_probe_t *p)
{
    dns_run_t *run = p->run;
    if (run == NULL) {
        return;
    }
    event_free(run->ev);
    close(run->fd);
    free(run);
    p->run = NULL;
}

static void dns_release(health_probe_t *p)
{
    (void)p;
}

const health_probe_ops_t health_probe_dns_ops = {
    .start = dns_start,
    .stop = dns_stop,
    .release = dns_release,
};
