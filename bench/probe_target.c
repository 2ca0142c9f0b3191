/* probe_target: N loopback HTTP listeners on consecutive ports that answer every request
 * "200 OK" and count what they answered, as targets for gslbd's health probes.
 *
 * Usage: probe_target -p BASE_PORT -n COUNT [-s STATS_FILE] [-l LIFETIME_S]
 *
 * Listens on 127.0.0.1:BASE_PORT .. BASE_PORT+COUNT-1. Each connection gets one answer,
 * "HTTP/1.1 200 OK" with a 3-byte body, as soon as a whole request head has arrived, and is
 * then closed. On SIGUSR1 (and once a second) the counters are written to STATS_FILE as one
 * line of "key=value" pairs (replaced atomically, so a reader never sees half a line); on
 * SIGTERM, SIGINT or when LIFETIME_S (default 3600) has passed, the totals are printed to
 * standard output and the program exits. Build:
 *   cc -O2 -o probe_target probe_target.c $(pkg-config --cflags --libs libevent)
 */
#define _GNU_SOURCE
#include <event2/event.h>
#include <event2/listener.h>

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* A probe's request head is about 120 bytes; anything this long without an end is junk. */
#define REQ_MAX 2048

static const char RESPONSE[] = "HTTP/1.1 200 OK\r\n"
                               "Content-Length: 3\r\n"
                               "Connection: close\r\n"
                               "\r\n"
                               "OK\n";

typedef struct conn {
    struct event *ev;
    int fd;
    uint32_t port_index;
    size_t len;
    char buf[REQ_MAX];
} conn_t;

static struct event_base *base;
static const char *stats_path;
static unsigned port_count;
static uint32_t *per_port;          /* requests answered, by port index */
static uint64_t accepted, answered, closed_early, errors, accept_errors;
static uint64_t open_conns, max_open_conns;
static uint64_t stats_seq;

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static unsigned ports_hit(void)
{
    unsigned n = 0;
    for (unsigned i = 0; i < port_count; i++) {
        n += per_port[i] != 0;
    }
    return n;
}

static void format_stats(char *buf, size_t len)
{
    uint32_t lo = UINT32_MAX, hi = 0;
    for (unsigned i = 0; i < port_count; i++) {
        lo = per_port[i] < lo ? per_port[i] : lo;
        hi = per_port[i] > hi ? per_port[i] : hi;
    }
    snprintf(buf, len,
             "seq=%" PRIu64 " t=%.6f accepted=%" PRIu64 " answered=%" PRIu64
             " closed_early=%" PRIu64 " errors=%" PRIu64 " accept_errors=%" PRIu64
             " open=%" PRIu64 " max_open=%" PRIu64 " ports_hit=%u port_min=%u port_max=%u\n",
             stats_seq, mono_s(), accepted, answered, closed_early, errors, accept_errors,
             open_conns, max_open_conns, ports_hit(), (unsigned)lo, (unsigned)hi);
}

static void write_stats(void)
{
    if (stats_path == NULL) {
        return;
    }
    stats_seq++;
    char line[512], tmp[4096];
    format_stats(line, sizeof(line));
    snprintf(tmp, sizeof(tmp), "%s.tmp", stats_path);
    FILE *f = fopen(tmp, "w");
    if (f == NULL) {
        fprintf(stderr, "probe_target: cannot write '%s' (%s)\n", tmp, strerror(errno));
        return;
    }
    fputs(line, f);
    if (fclose(f) != 0 || rename(tmp, stats_path) != 0) {
        fprintf(stderr, "probe_target: cannot replace '%s' (%s)\n", stats_path, strerror(errno));
    }
}

static void conn_close(conn_t *c)
{
    event_free(c->ev);
    close(c->fd);
    free(c);
    open_conns--;
}

static void conn_read_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    conn_t *c = arg;
    ssize_t n = recv(fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len, 0);
    if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) {
            return;
        }
        errors++;
        conn_close(c);
        return;
    }
    if (n == 0) {
        closed_early++;
        conn_close(c);
        return;
    }
    c->len += (size_t)n;
    c->buf[c->len] = '\0';
    if (memmem(c->buf, c->len, "\r\n\r\n", 4) != NULL) {
        /* The answer fits any loopback socket buffer, so one send does it. */
        if (send(fd, RESPONSE, sizeof(RESPONSE) - 1, MSG_NOSIGNAL) == (ssize_t)sizeof(RESPONSE) - 1) {
            answered++;
            per_port[c->port_index]++;
        } else {
            errors++;
        }
        conn_close(c);
        return;
    }
    if (c->len >= sizeof(c->buf) - 1) {
        errors++;
        conn_close(c);
    }
}

static void accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
                      int salen, void *arg)
{
    (void)l;
    (void)sa;
    (void)salen;
    conn_t *c = malloc(sizeof(*c));
    if (c == NULL) {
        close(fd);
        errors++;
        return;
    }
    c->fd = fd;
    c->len = 0;
    c->port_index = (uint32_t)(uintptr_t)arg;
    accepted++;
    open_conns++;
    if (open_conns > max_open_conns) {
        max_open_conns = open_conns;
    }
    c->ev = event_new(base, fd, EV_READ | EV_PERSIST, conn_read_cb, c);
    if (c->ev == NULL || event_add(c->ev, NULL) < 0) {
        errors++;
        if (c->ev != NULL) {
            event_free(c->ev);
        }
        close(fd);
        free(c);
        open_conns--;
        return;
    }
}

static void accept_error_cb(struct evconnlistener *l, void *arg)
{
    (void)l;
    (void)arg;
    /* EMFILE and friends: counted, and the listener keeps going. */
    accept_errors++;
}

static void tick_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
    write_stats();
}

static void usr1_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
    write_stats();
}

static void stop_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    (void)arg;
    event_base_loopbreak(base);
}

static int usage(void)
{
    fprintf(stderr, "usage: probe_target -p BASE_PORT -n COUNT [-s STATS_FILE] [-l LIFETIME_S]\n");
    return 2;
}

int main(int argc, char **argv)
{
    long base_port = 0, count = 0, lifetime_s = 3600;
    int opt;
    while ((opt = getopt(argc, argv, "p:n:s:l:")) != -1) {
        switch (opt) {
        case 'p':
            base_port = strtol(optarg, NULL, 10);
            break;
        case 'n':
            count = strtol(optarg, NULL, 10);
            break;
        case 's':
            stats_path = optarg;
            break;
        case 'l':
            lifetime_s = strtol(optarg, NULL, 10);
            break;
        default:
            return usage();
        }
    }
    if (base_port < 1 || count < 1 || base_port + count - 1 > 65535 || lifetime_s < 1) {
        return usage();
    }
    port_count = (unsigned)count;

    /* One descriptor per listener plus the connections in flight: take the hard limit. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    getrlimit(RLIMIT_NOFILE, &rl);
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)count + 256) {
        fprintf(stderr, "probe_target: need %ld descriptors, the limit is %llu\n", count + 256,
                (unsigned long long)rl.rlim_cur);
        return 1;
    }

    per_port = calloc((size_t)count, sizeof(*per_port));
    struct evconnlistener **ls = calloc((size_t)count, sizeof(*ls));
    base = event_base_new();
    if (per_port == NULL || ls == NULL || base == NULL) {
        fprintf(stderr, "probe_target: out of memory\n");
        return 1;
    }
    for (long i = 0; i < count; i++) {
        struct sockaddr_in sin = {.sin_family = AF_INET,
                                  .sin_port = htons((uint16_t)(base_port + i)),
                                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        ls[i] = evconnlistener_new_bind(
            base, accept_cb, (void *)(uintptr_t)i,
            LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC, 128,
            (struct sockaddr *)&sin, sizeof(sin));
        if (ls[i] == NULL) {
            fprintf(stderr, "probe_target: cannot listen on 127.0.0.1:%ld (%s)\n", base_port + i,
                    strerror(errno));
            return 1;
        }
        evconnlistener_set_error_cb(ls[i], accept_error_cb);
    }

    struct timeval one_s = {1, 0}, life = {lifetime_s, 0};
    struct event *tick = event_new(base, -1, EV_PERSIST, tick_cb, NULL);
    struct event *life_ev = evtimer_new(base, stop_cb, NULL);
    struct event *usr1 = evsignal_new(base, SIGUSR1, usr1_cb, NULL);
    struct event *term = evsignal_new(base, SIGTERM, stop_cb, NULL);
    struct event *intr = evsignal_new(base, SIGINT, stop_cb, NULL);
    event_add(tick, &one_s);
    event_add(life_ev, &life);
    event_add(usr1, NULL);
    event_add(term, NULL);
    event_add(intr, NULL);
    signal(SIGPIPE, SIG_IGN);
    write_stats();
    fprintf(stderr, "probe_target: listening on 127.0.0.1:%ld-%ld\n", base_port,
            base_port + count - 1);

    event_base_dispatch(base);

    write_stats();
    char line[512];
    format_stats(line, sizeof(line));
    fputs(line, stdout);
    for (long i = 0; i < count; i++) {
        evconnlistener_free(ls[i]);
    }
    event_free(tick);
    event_free(life_ev);
    event_free(usr1);
    event_free(term);
    event_free(intr);
    event_base_free(base);
    free(ls);
    free(per_port);
    return 0;
}
