/* gslbd: command line, start-up, signal handling and snapshot reloads. */
#include "config.h"

/* The read-side primitives inlined from liburcu's headers: a counter update
 * on thread-local state, where the library calls also looked the state up
 * through __tls_get_addr. */
#define _LGPL_SOURCE /* before any urcu header */

#include <event2/event.h>
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <urcu.h>

#include "gslb/ctl.h"
#include "gslb/fleet.h"
#include "gslb/health.h"
#include "gslb/steer.h"
#include "gslb/query.h"
#include "gslb/server.h"
#include "gslb/snapshot.h"
#include "gslb/util.h"

/* Where the snapshot workers answer from is published; replaced whole on reload (RCU). */
static snapshot_pub_t *published;

/* Slots in the health state array: one octet each, so a million costs 1 MiB
 * and covers any realistic number of probed resources. */
#define HEALTH_CAPACITY (1u << 20)
/* Load slots: one per data center with a load feed, across reloads. */
#define STEER_CAPACITY 4096
/* Longest wait for the fleet's shared state at start; etcd on the same
 * network answers in milliseconds, and without it the instance starts on
 * its own probes rather than not at all. */
#define FLEET_WARM_START_MS 5000

typedef struct daemon {
    const char *conf_path;
    health_t *health;
    steer_t *steer;
    fleet_t *fleet;                     /* NULL without a fleet: section */
    struct event_base *base;
    ctl_t *ctl;
    _Atomic(query_worker_t *) *workers; /* read by ctl for metrics */
    unsigned worker_count;
    rrl_table_t *rrl;           /* rate limiter buckets, sized at start, shared by the workers */
    cookie_keys_t *cookie_keys; /* generated cookie secrets, rotated by a timer on base */
    struct event *cookie_timer;
    struct event *resign_timer; /* re-signs signed zones before their signatures expire */
    unsigned signature_cache;   /* slots of each worker's signature cache (set at start) */
} daemon_t;

/* How often the re-signing timer looks at the snapshot's resign_at. */
#define RESIGN_CHECK_S 5

/* A worker's context: its query state, and the snapshot of the batch in progress. */
typedef struct worker_ctx {
    query_worker_t w;
    const snapshot_t *snap; /* valid between batch_begin and batch_end */
} worker_ctx_t;

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: gslbd -c FILE [--check-config]\n"
            "Authoritative DNS server with global server load balancing.\n\n"
            "  -c, --config FILE   configuration file (YAML)\n"
            "  -t, --check-config  load and validate the configuration, zones and GeoIP\n"
            "                      database, print every problem, exit 0 if valid, else 1\n"
            "  -d, --debug         log at debug level\n"
            "  -h, --help          show this help\n"
            "  -V, --version       show the version\n\n"
            "Signals: SIGHUP reloads the configuration, zones and GeoIP database;\n"
            "SIGINT and SIGTERM stop the server. gslbctl(8) talks to the control endpoint.\n");
}

static void *worker_ctx_new(void *arg, unsigned index)
{
    daemon_t *d = arg;
    worker_ctx_t *wc = xcalloc(1, sizeof(*wc));
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    query_worker_init(&wc->w, ((uint64_t)ts.tv_nsec << 20) ^ (uint64_t)ts.tv_sec ^
                                  ((uint64_t)(index + 1) * 0x9E3779B97F4A7C15ull));
    wc->w.rrl = d->rrl;
    wc->w.cookie_keys = d->cookie_keys;
    wc->w.sig_cache = dnssec_cache_new(d->signature_cache);
    if (index < d->worker_count) {
        atomic_store_explicit(&d->workers[index], &wc->w, memory_order_release);
    }
    return wc;
}

static void worker_ctx_free(void *arg, void *ctx)
{
    daemon_t *d = arg;
    worker_ctx_t *wc = ctx;
    /* Workers stop from server_free on the main thread, where the control
     * endpoint also runs, so no metrics read can be in progress here. */
    for (unsigned i = 0; i < d->worker_count; i++) {
        if (atomic_load_explicit(&d->workers[i], memory_order_relaxed) == &wc->w) {
            atomic_store_explicit(&d->workers[i], NULL, memory_order_relaxed);
        }
    }
    dnssec_cache_free(wc->w.sig_cache);
    free(ctx);
}

/* One read-side section per batch of queries, and one look at the published
 * snapshot: a reload waits at most for the batch in progress, and a query
 * pays nothing for finding its snapshot. */
static void batch_begin(void *ctx)
{
    worker_ctx_t *wc = ctx;
    rcu_read_lock();
    wc->snap = snapshot_current(published);
}

static void batch_end(void *ctx)
{
    worker_ctx_t *wc = ctx;
    wc->snap = NULL;
    rcu_read_unlock();
}

/* Called by the server between batch_begin and batch_end. */
static size_t handle_query(void *ctx, const server_request_t *req, uint8_t *resp, size_t cap)
{
    worker_ctx_t *wc = ctx;
    return query_answer(&wc->w, wc->snap, req, resp, cap);
}

static void log_snapshot(const snapshot_t *s, uint64_t generation)
{
    for (size_t i = 0; i < zone_set_count(s->zones); i++) {
        const zone_t *z = zone_set_at(s->zones, i);
        log_info("zone: '%s': loaded from '%s' (serial %u, %zu names)", zone_name(z),
                 zone_file(z), zone_serial(z), zone_node_count(z));
    }
    if (s->geo != NULL) {
        log_info("geo: database '%s': %s, built %llu", s->conf->geoip.database,
                 geo_db_type(s->geo), (unsigned long long)geo_db_build_epoch(s->geo));
    }
    log_info("config: '%s': generation %llu: %zu datacenters, %zu services", s->conf->path,
             (unsigned long long)generation, s->conf->datacenter_count,
             s->conf->service_count);
}

/* Switch to the configured user once every socket is open (port 53 needs
 * root, serving does not). glibc applies set*id to every thread, the health
 * thread included, so exec probes run as that user too. */
static int drop_privileges(const conf_server_t *cfg)
{
    if (cfg->user == NULL) {
        if (geteuid() == 0) {
            log_warn("gslbd: running as root; set server.user to drop privileges after binding");
        }
        return 0;
    }
    const struct passwd *pw = getpwnam(cfg->user);
    if (pw == NULL) {
        log_err("gslbd: user '%s': no such user", cfg->user);
        return -GSLB_EINVAL;
    }
    if (geteuid() != 0) {
        if (pw->pw_uid == geteuid()) {
            return 0;
        }
        log_err("gslbd: user '%s': cannot switch to it without root", cfg->user);
        return -GSLB_EINVAL;
    }
    gid_t gid = pw->pw_gid;
    char eb[128];
    if (setgroups(1, &gid) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
        log_err("gslbd: user '%s': cannot switch (%s)", cfg->user,
                strerror_r(errno, eb, sizeof(eb)));
        return -GSLB_ESYS;
    }
    if (pw->pw_uid != 0 && setuid(0) == 0) {
        log_err("gslbd: user '%s': root could be regained after the switch", cfg->user);
        return -GSLB_ESYS;
    }
    log_info("gslbd: running as user '%s' (uid %u, gid %u)", cfg->user, (unsigned)pw->pw_uid,
             (unsigned)pw->pw_gid);
    return 0;
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
    (void)what;
    daemon_t *d = arg;
    if (sig == SIGHUP) {
        ctl_reload_request(d->ctl);
        return;
    }
    log_info("gslbd: stopping on signal %d", (int)sig);
    event_base_loopbreak(d->base);
}

static void on_cookie_rotate(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    daemon_t *d = arg;
    cookie_keys_rotate(d->cookie_keys);
    log_info("cookies: new server secret; the previous one stays valid until the next");
}

/* Signatures expire and keys change state at set times: when the serving snapshot's
 * earliest such time has come, the normal reload path signs everything again (a failed
 * reload keeps the old snapshot, and this asks again at the next tick). */
static void on_resign_check(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    daemon_t *d = arg;
    rcu_read_lock();
    const snapshot_t *s = snapshot_current(published);
    time_t at = s != NULL ? s->resign_at : 0;
    rcu_read_unlock();
    if (at != 0 && at <= time(NULL)) {
        log_info("dnssec: signatures due for renewal (or a key event): reloading");
        ctl_reload_request(d->ctl);
    }
}

/* The limiter's table and the cookie secrets live for the whole process (reloads keep
 * the buckets' state); their sizes and the rotation period are read from the
 * configuration at start. */
static int limits_start(daemon_t *d, const conf_t *c)
{
    d->rrl = rrl_table_new(c->rate_limit.table_size);
    d->cookie_keys = cookie_keys_new();
    if (d->rrl == NULL || d->cookie_keys == NULL) {
        log_err("gslbd: cannot set up rate limiting or cookies (libsodium)");
        return -GSLB_ESYS;
    }
    d->cookie_timer = event_new(d->base, -1, EV_PERSIST, on_cookie_rotate, d);
    struct timeval tv = {.tv_sec = c->cookies.rotate_s, .tv_usec = 0};
    event_add(d->cookie_timer, &tv);
    d->resign_timer = event_new(d->base, -1, EV_PERSIST, on_resign_check, d);
    struct timeval rv = {.tv_sec = RESIGN_CHECK_S, .tv_usec = 0};
    event_add(d->resign_timer, &rv);
    return 0;
}

static int run(daemon_t *d, snapshot_t *snap)
{
    int rc = 1;
    server_t *srv = NULL;
    struct event *sigs[3] = {NULL, NULL, NULL};
    log_snapshot(snap, 1);
    server_callbacks_t cb = {.handle = handle_query,
                             .batch_begin = batch_begin,
                             .batch_end = batch_end,
                             .ctx_new = worker_ctx_new,
                             .ctx_free = worker_ctx_free,
                             .arg = d};
    /* The snapshot is published by ctl_new; until then no worker runs (server_start). */
    d->signature_cache = snap->conf->server.signature_cache;
    if (server_new(&srv, &snap->conf->server, &cb) != 0) {
        snapshot_free(snap);
        goto out;
    }
    /* After server_new, which turns on libevent's thread support: the reload
     * thread wakes this base. */
    d->base = event_base_new();
    if (limits_start(d, snap->conf) != 0) {
        snapshot_free(snap);
        goto out;
    }
    d->worker_count = server_worker_count(srv);
    d->workers = xcalloc(d->worker_count, sizeof(*d->workers));
    published = snapshot_pub_new(d->conf_path, d->health, d->steer);
    ctl_options_t opt = {.conf_path = d->conf_path,
                         .base = d->base,
                         .health = d->health,
                         .steer = d->steer,
                         .fleet = d->fleet,
                         .pub = published,
                         .server = srv,
                         .workers = d->workers,
                         .worker_count = d->worker_count};
    const conf_server_t *scfg = &snap->conf->server;
    if (ctl_new(&d->ctl, &opt, snap) != 0 || drop_privileges(scfg) != 0 ||
        server_start(srv) != 0) {
        goto out;
    }
    const int signals[] = {SIGINT, SIGTERM, SIGHUP};
    for (size_t i = 0; i < GSLB_ARRAY_LEN(signals); i++) {
        sigs[i] = evsignal_new(d->base, signals[i], on_signal, d);
        event_add(sigs[i], NULL);
    }
    log_info("gslbd %s: serving with %u workers", PACKAGE_VERSION, server_worker_count(srv));
    log_info("dnssec: signature cache: %u slots per worker, %zu KiB each",
             d->signature_cache, dnssec_cache_bytes(d->signature_cache) / 1024);
    ctl_notify("READY=1");
    event_base_dispatch(d->base);
    ctl_notify("STOPPING=1");
    rc = 0;
out:
    for (size_t i = 0; i < GSLB_ARRAY_LEN(sigs); i++) {
        if (sigs[i] != NULL) {
            event_free(sigs[i]);
        }
    }
    server_free(srv);
    ctl_free(d->ctl);
    if (d->cookie_timer != NULL) {
        event_free(d->cookie_timer);
    }
    if (d->resign_timer != NULL) {
        event_free(d->resign_timer);
    }
    rrl_table_free(d->rrl);
    cookie_keys_free(d->cookie_keys);
    if (d->base != NULL) {
        event_base_free(d->base);
    }
    free(d->workers);
    snapshot_pub_free(published);
    published = NULL;
    return rc;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'}, {"check-config", no_argument, NULL, 't'},
        {"debug", no_argument, NULL, 'd'},        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},      {NULL, 0, NULL, 0},
    };
    daemon_t d = {0};
    bool check_only = false, debug = false;
    int c;
    while ((c = getopt_long(argc, argv, "c:tdhV", opts, NULL)) != -1) {
        switch (c) {
        case 'c': d.conf_path = optarg; break;
        case 't': check_only = true; break;
        case 'd': debug = true; break;
        case 'h': usage(stdout); return 0;
        case 'V': printf("gslbd %s\n", PACKAGE_VERSION); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (d.conf_path == NULL || optind != argc) {
        usage(stderr);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    gslb_diag_t *diag = gslb_diag_new(check_only);
    snapshot_t *snap = NULL;
    if (!check_only && (health_new(&d.health, HEALTH_CAPACITY) != 0)) {
        return 1;
    }
    if (!check_only) {
        d.steer = steer_new(STEER_CAPACITY, d.health);
    }
    int rc = snapshot_load(&snap, d.conf_path, d.health, d.steer, diag);
    if (!check_only) {
        gslb_diag_log(diag);
    }
    gslb_diag_free(diag);
    if (rc != 0) {
        if (!check_only) {
            log_err("config: '%s': not started (%s)", d.conf_path, gslb_strerror(rc));
        }
        health_free(d.health);
        steer_free(d.steer);
        return 1;
    }
    if (check_only) {
        printf("%s: configuration, zones and GeoIP database are valid\n", d.conf_path);
        snapshot_free(snap);
        return 0;
    }
    log_set_level(debug ? LOG_LEVEL_DEBUG : snap->conf->server.log_level);
    const conf_steering_t *sc = &snap->conf->steering;
    const fleet_def_t *fd = &snap->conf->fleet.def;
    char ferr[256];
    if (fd->is_enabled && fleet_new(&d.fleet, fd, d.health, ferr, sizeof(ferr)) != 0) {
        log_err("fleet: cannot start (%s)", ferr);
        snapshot_free(snap);
        health_free(d.health);
        steer_free(d.steer);
        return 1;
    }
    if (steer_start(d.steer, sc->interval_ms, &sc->prometheus) != 0 ||
        health_start(d.health) != 0) {
        log_err("health: cannot start the health thread");
        snapshot_free(snap);
        health_free(d.health);
        fleet_free(d.fleet);
        steer_free(d.steer);
        return 1;
    }
    /* The warm start: the fleet's verdicts and overrides before the first
     * answer, so that a restarted instance does not serve what it alone
     * knows (every resource up) until its probes catch up. */
    if (d.fleet != NULL && !fleet_wait_synced(d.fleet, FLEET_WARM_START_MS)) {
        log_warn("fleet: etcd did not answer within %u ms; starting on local probes",
                 FLEET_WARM_START_MS);
    }
    /* The main thread reads snapshots for the control endpoint. */
    rcu_register_thread();
    rc = run(&d, snap);
    rcu_unregister_thread();
    health_free(d.health);
    fleet_free(d.fleet);
    steer_free(d.steer);
    return rc;
}
