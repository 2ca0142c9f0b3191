/* health: tcp probes, and the non-blocking connect that http probes build on. */
#include "health_int.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

struct health_connect {
    health_probe_t *p;
    int fd;
    struct event *ev;
    health_connect_cb_t cb;
};

health_reason_t health_reason_from_errno(int err)
{
    switch (err) {
    case ECONNREFUSED:
    case ECONNRESET:
        return HEALTH_REASON_REFUSED;
    case ETIMEDOUT:
        return HEALTH_REASON_TIMEOUT;
    default:
        return HEALTH_REASON_NETWORK;
    }
}

static void connect_ready_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    health_connect_t *c = arg;
    int err = 0;
    socklen_t len = sizeof(err);
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) {
        err = errno;
    }
    health_probe_t *p = c->p;
    health_connect_cb_t cb = c->cb;
    event_free(c->ev);
    free(c);
    if (err != 0) {
        close(fd);
        cb(p, -1, err);
        return;
    }
    cb(p, fd, 0);
}

int health_connect_start(health_probe_t *p, health_connect_cb_t cb, health_connect_t **out)
{
    *out = NULL;
    int fd = socket(p->target.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return errno;
    }
    /* A connect to loopback may complete (or fail) at once; the write event
     * then fires on the next loop turn, so both cases end in the callback. */
    if (connect(fd, (const struct sockaddr *)&p->target, p->target_len) < 0 &&
        errno != EINPROGRESS) {
        int err = errno;
        close(fd);
        return err;
    }
    health_connect_t *c = xcalloc(1, sizeof(*c));
    c->p = p;
    c->fd = fd;
    c->cb = cb;
    c->ev = event_new(p->h->base, fd, EV_WRITE, connect_ready_cb, c);
    if (c->ev == NULL || event_add(c->ev, NULL) < 0) {
        if (c->ev != NULL) {
            event_free(c->ev);
        }
        close(fd);
        free(c);
        return ENOMEM;
    }
    *out = c;
    return 0;
}

void health_connect_cancel(health_connect_t *c)
{
    if (c == NULL) {
        return;
    }
    event_free(c->ev);
    close(c->fd);
    free(c);
}

static void tcp_connected(health_probe_t *p, int fd, int err)
{
    p->run = NULL;
    if (fd >= 0) {
        close(fd);
    }
    health_probe_finish(p, err == 0 ? HEALTH_REASON_OK : health_reason_from_errno(err), err, NULL);
}

static void tcp_start(health_probe_t *p)
{
    health_connect_t *c;
    int err = health_connect_start(p, tcp_connected, &c);
    if (err != 0) {
        health_probe_finish(p, health_reason_from_errno(err), err, NULL);
        return;
    }
    p->run = c;
}

static void tcp_stop(health_probe_t *p)
{
    health_connect_cancel(p->run);
    p->run = NULL;
}

static void tcp_release(health_probe_t *p)
{
    (void)p;
}

const health_probe_ops_t health_probe_tcp_ops = {
    .start = tcp_start,
    .stop = tcp_stop,
    .release = tcp_release,
};
