/* The Prometheus client against a real Prometheus (Debian's /usr/bin/prometheus) that
 * scrapes a target this test serves on loopback: the figure the target shows must come
 * back through the client, and a change to it must follow within a few seconds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/thread.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "prom_test.h"

#define PROMETHEUS_BIN "/usr/bin/prometheus"
#define QUERY "dc_load{dc=\"eu\"}"

/* Bounds on the waits, together under 20 s. Prometheus is ready at once
 * but starts scraping only at its first target update, about 5 s in (not
 * configurable); a change shows after the next scrape, 1 s later. A run
 * takes about 7 s. */
#define READY_WAIT_MS 5000
#define FIRST_VALUE_WAIT_MS 10000
#define CHANGE_WAIT_MS 4000

typedef struct live {
    test_server_t target;   /* what Prometheus scrapes */
    pthread_mutex_t mu;
    char value[32];         /* (mu) the figure the target shows */
    char *dir;              /* temporary: config, TSDB, Prometheus's log */
    char *log_path;
    pid_t pid;              /* Prometheus, 0 = not running */
    uint16_t port;          /* Prometheus's */
    struct event_base *base;
    steer_prom_t *client;
} live_t;

static live_t L;

static void metrics_handler(struct evhttp_request *req, void *arg)
{
    (void)arg;
    const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
    if (strcmp(path, "/metrics") != 0) {
        test_reply(req, 404, "not found\n");
        return;
    }
    pthread_mutex_lock(&L.mu);
    char *body = xasprintf("# TYPE dc_load gauge\n"
                           "dc_load{dc=\"eu\"} %s\n"
                           "dc_load{dc=\"us\"} 0.1\n",
                           L.value);
    pthread_mutex_unlock(&L.mu);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
                      "text/plain; version=0.0.4");
    test_reply(req, 200, body);
    free(body);
}

static void set_value(const char *v)
{
    pthread_mutex_lock(&L.mu);
    snprintf(L.value, sizeof(L.value), "%s", v);
    pthread_mutex_unlock(&L.mu);
}

/* A port nobody listens on now (the kernel's pick, released at once). */
static uint16_t free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET};
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(sin);
    uint16_t port = 0;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
        getsockname(fd, (struct sockaddr *)&sin, &len) == 0) {
        port = ntohs(sin.sin_port);
    }
    if (fd >= 0) {
        close(fd);
    }
    return port;
}

static bool write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    bool ok = f != NULL && fputs(text, f) >= 0;
    if (f != NULL && fclose(f) != 0) {
        ok = false;
    }
    return ok;
}

/* Print the end of Prometheus's log, for a failure's explanation. */
static void print_log_tail(void)
{
    FILE *f = fopen(L.log_path, "r");
    if (f == NULL) {
        return;
    }
    char buf[4096];
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, size > (long)sizeof(buf) - 1 ? size - (long)sizeof(buf) + 1 : 0, SEEK_SET);
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    print_error("---- end of %s ----\n%s\n----\n", L.log_path, buf);
}

/* Start Prometheus with a config that scrapes the target every second. */
static int prometheus_start(void)
{
    char *config = xasprintf("%s/prometheus.yml", L.dir);
    char *text = xasprintf("global:\n"
                           "  scrape_interval: 1s\n"
                           "  evaluation_interval: 1s\n"
                           "scrape_configs:\n"
                           "  - job_name: gslbd-test\n"
                           "    scrape_interval: 1s\n"
                           "    scrape_timeout: 1s\n"
                           "    static_configs:\n"
                           "      - targets: ['127.0.0.1:%u']\n",
                           L.target.port);
    bool ok = write_text(config, text);
    free(text);
    L.port = free_port();
    if (!ok || L.port == 0) {
        free(config);
        return -1;
    }
    /* Everything the child needs is built before fork: after it, in a
     * process with threads, only async-signal-safe calls are allowed. */
    char *argv[] = {
        PROMETHEUS_BIN,
        xasprintf("--config.file=%s", config),
        xasprintf("--storage.tsdb.path=%s/data", L.dir),
        xasprintf("--web.listen-address=127.0.0.1:%u", L.port),
        "--log.level=warn",
        NULL,
    };
    free(config);
    int log_fd = open(L.log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    pid_t pid = log_fd >= 0 ? fork() : -1;
    if (pid == 0) {
        /* If this test dies, Prometheus goes with it. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int null_fd = open("/dev/null", O_RDONLY);
        if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(log_fd, 1) < 0 || dup2(log_fd, 2) < 0) {
            _exit(126);
        }
        execv(PROMETHEUS_BIN, argv);
        _exit(127);
    }
    if (log_fd >= 0) {
        close(log_fd);
    }
    for (size_t i = 1; i <= 3; i++) {
        free(argv[i]);
    }
    if (pid < 0) {
        return -1;
    }
    L.pid = pid;
    return 0;
}

/* Whether Prometheus has exited (and is reaped). */
static bool prometheus_exited(int *status)
{
    if (L.pid == 0) {
        return true;
    }
    if (waitpid(L.pid, status, WNOHANG) == L.pid) {
        L.pid = 0;
        return true;
    }
    return false;
}

static void prometheus_stop(void)
{
    if (L.pid == 0) {
        return;
    }
    int status;
    kill(L.pid, SIGTERM);
    double until = test_now_ms() + 5000;
    while (!prometheus_exited(&status) && test_now_ms() < until) {
        test_sleep_ms(20);
    }
    if (L.pid != 0) {
        kill(L.pid, SIGKILL);
        waitpid(L.pid, &status, 0);
        L.pid = 0;
    }
}

/* GET path from Prometheus with a plain blocking socket; true on 200. */
static bool http_get_ok(const char *path)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return false;
    }
    struct timeval tv = {.tv_sec = 1};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(L.port)};
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = false;
    if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0) {
        char req[128];
        int n = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n", path);
        char line[64] = "";
        if (write(fd, req, (size_t)n) == n) {
            ssize_t got = read(fd, line, sizeof(line) - 1);
            line[got > 0 ? got : 0] = '\0';
            ok = strncmp(line, "HTTP/1.", 7) == 0 && strncmp(line + 8, " 200", 4) == 0;
        }
    }
    close(fd);
    return ok;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static int setup(void **state)
{
    (void)state;
    if (access(PROMETHEUS_BIN, X_OK) != 0) {
        print_error("%s is missing (%s): this test needs a real Prometheus; install the "
                    "Debian package 'prometheus' (scripts/deps.sh)\n",
                    PROMETHEUS_BIN, strerror(errno));
        return -1;
    }
    signal(SIGPIPE, SIG_IGN);
    evthread_use_pthreads();
    pthread_mutex_init(&L.mu, NULL);
    set_value("0.7");
    const char *tmp = getenv("TMPDIR");
    char *tmpl = xasprintf("%s/gslbd-prom-test-XXXXXX", tmp != NULL && tmp[0] ? tmp : "/tmp");
    L.dir = mkdtemp(tmpl);
    if (L.dir == NULL) {
        free(tmpl);
        return -1;
    }
    L.log_path = xasprintf("%s/prometheus.log", L.dir);
    L.base = event_base_new();
    if (L.base == NULL || test_server_start(&L.target, "127.0.0.1", metrics_handler, NULL) != 0) {
        return -1;
    }
    if (prometheus_start() != 0) {
        print_error("cannot start %s\n", PROMETHEUS_BIN);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    prometheus_stop();
    steer_prom_free(L.client);
    test_server_stop(&L.target);
    if (L.base != NULL) {
        event_base_free(L.base);
    }
    if (L.dir != NULL) {
        nftw(L.dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    }
    free(L.log_path);
    free(L.dir);
    pthread_mutex_destroy(&L.mu);
    memset(&L, 0, sizeof(L));
    return 0;
}

static void wait_ready(void)
{
    double until = test_now_ms() + READY_WAIT_MS;
    int status = 0;
    while (!http_get_ok("/-/ready")) {
        if (prometheus_exited(&status)) {
            print_log_tail();
            fail_msg("prometheus exited before it was ready (status 0x%x)", status);
        }
        if (test_now_ms() > until) {
            print_log_tail();
            fail_msg("prometheus not ready on 127.0.0.1:%u after %d ms", L.port, READY_WAIT_MS);
        }
        test_sleep_ms(50);
    }
}

/* Query through the client until it answers want, for at most ms. */
static void wait_value(steer_prom_t *p, double want, unsigned ms)
{
    double until = test_now_ms() + ms;
    test_outcome_t o;
    for (;;) {
        memset(&o, 0, sizeof(o));
        assert_int_equal(steer_prom_query(p, &L, QUERY, test_outcome_cb, &o), 0);
        assert_true(test_run_until(L.base, &o.calls, 1, 3000));
        if (o.rc == 0 && o.value == want) {
            return;
        }
        if (test_now_ms() > until) {
            break;
        }
        test_sleep_ms(100);
    }
    print_log_tail();
    if (o.rc == 0) {
        fail_msg("query %s: %g after %u ms, want %g", QUERY, o.value, ms, want);
    }
    fail_msg("query %s: no %g after %u ms; last error: %s", QUERY, want, ms, o.error);
}

static void test_value_follows_the_scraped_target(void **state)
{
    (void)state;
    wait_ready();
    char url[64];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u", L.port);
    char err[128];
    assert_int_equal(steer_prom_new(&L.client, L.base, url, 1000, err, sizeof(err)), 0);
    steer_prom_t *p = L.client;
    wait_value(p, 0.7, FIRST_VALUE_WAIT_MS);
    set_value("0.9");
    wait_value(p, 0.9, CHANGE_WAIT_MS);

    /* The server's own reason for a bad query comes back too. */
    test_outcome_t o = {0};
    assert_int_equal(steer_prom_query(p, &o, "sum(dc_load", test_outcome_cb, &o), 0);
    assert_true(test_run_until(L.base, &o.calls, 1, 3000));
    assert_int_equal(o.rc, -GSLB_EIO);
    if (strncmp(o.error, "HTTP 400: ", 10) != 0 || strstr(o.error, "parse error") == NULL) {
        fail_msg("bad query: unexpected error '%s'", o.error);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_value_follows_the_scraped_target, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
