/* Unit tests for tcp, http, https and dns probes against loopback servers run by the test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/thread.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>

#include "health_test.h"

/* Everything the servers need; they run on their own thread and base. */
typedef struct servers {
    struct event_base *base;
    pthread_t thread;
    struct evhttp *http;
    struct evhttp *https;
    SSL_CTX *tls;
    struct event *dns_ev;
    int dns_fd;
    int tcp_fd;
    uint16_t http_port, https_port, dns_port, tcp_port;
    _Atomic int dns_rcode;
    _Atomic bool dns_wrong_id;
    pthread_mutex_t mu;
    double load_cpu;      /* (mu) the figure /load-json reports */
    char last_host[256];
    char last_agent[256];
    char *dir;
    char *cert_path;
} servers_t;

static servers_t S;

/* ---- a self-signed certificate for 127.0.0.1 and localhost ---- */

static bool add_ext(X509 *x, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (ext == NULL) {
        return false;
    }
    bool ok = X509_add_ext(x, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    return ok;
}

static SSL_CTX *tls_server_new(const char *cert_path)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    SSL_CTX *ctx = NULL;
    if (key == NULL || x == NULL) {
        goto out;
    }
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -3600);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_set_pubkey(x, key);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"localhost", -1,
                               -1, 0);
    X509_set_issuer_name(x, name);
    if (!add_ext(x, NID_basic_constraints, "critical,CA:TRUE") ||
        !add_ext(x, NID_subject_key_identifier, "hash") ||
        !add_ext(x, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost") ||
        X509_sign(x, key, EVP_sha256()) == 0) {
        goto out;
    }
    FILE *f = fopen(cert_path, "w");
    if (f == NULL) {
        goto out;
    }
    int written = PEM_write_X509(f, x);
    fclose(f);
    if (written != 1) {
        goto out;
    }
    ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == NULL || SSL_CTX_use_certificate(ctx, x) != 1 ||
        SSL_CTX_use_PrivateKey(ctx, key) != 1) {
        SSL_CTX_free(ctx);
        ctx = NULL;
    }
out:
    X509_free(x);
    EVP_PKEY_free(key);
    return ctx;
}

/* ---- HTTP handlers ---- */

static void remember_request(struct evhttp_request *req)
{
    struct evkeyvalq *in = evhttp_request_get_input_headers(req);
    const char *host = evhttp_find_header(in, "Host");
    const char *agent = evhttp_find_header(in, "User-Agent");
    pthread_mutex_lock(&S.mu);
    snprintf(S.last_host, sizeof(S.last_host), "%s", host != NULL ? host : "");
    snprintf(S.last_agent, sizeof(S.last_agent), "%s", agent != NULL ? agent : "");
    pthread_mutex_unlock(&S.mu);
}

static void reply(struct evhttp_request *req, int status, const char *body)
{
    struct evbuffer *buf = evbuffer_new();
    evbuffer_add_printf(buf, "%s", body);
    evhttp_send_reply(req, status, status == 200 ? "OK" : "Service Unavailable", buf);
    evbuffer_free(buf);
}

static void handle_ok(struct evhttp_request *req, void *arg)
{
    (void)arg;
    remember_request(req);
    reply(req, 200, "status: all systems healthy\n");
}

static void handle_fail(struct evhttp_request *req, void *arg)
{
    (void)arg;
    remember_request(req);
    reply(req, 503, "maintenance\n");
}

static void handle_chunked(struct evhttp_request *req, void *arg)
{
    (void)arg;
    evhttp_send_reply_start(req, 200, "OK");
    struct evbuffer *buf = evbuffer_new();
    /* The expected text straddles two chunks. */
    evbuffer_add_printf(buf, "status: all systems hea");
    evhttp_send_reply_chunk(req, buf);
    evbuffer_add_printf(buf, "lthy\n");
    evhttp_send_reply_chunk(req, buf);
    evbuffer_free(buf);
    evhttp_send_reply_end(req);
}

static void handle_load_json(struct evhttp_request *req, void *arg)
{
    (void)arg;
    pthread_mutex_lock(&S.mu);
    double cpu = S.load_cpu;
    pthread_mutex_unlock(&S.mu);
    char body[128];
    snprintf(body, sizeof(body), "{\"load\": {\"cpu\": %g}}", cpu);
    reply(req, 200, body);
}

static void handle_load_text(struct evhttp_request *req, void *arg)
{
    (void)arg;
    reply(req, 200, "load 17.5 rps\n");
}

static struct bufferevent *https_bev(struct event_base *base, void *arg)
{
    return bufferevent_openssl_socket_new(base, -1, SSL_new(arg), BUFFEREVENT_SSL_ACCEPTING,
                                          BEV_OPT_CLOSE_ON_FREE);
}

static struct evhttp *http_server_new(struct event_base *base, uint16_t *port)
{
    struct evhttp *http = evhttp_new(base);
    evhttp_set_cb(http, "/ok", handle_ok, NULL);
    evhttp_set_cb(http, "/fail", handle_fail, NULL);
    evhttp_set_cb(http, "/chunked", handle_chunked, NULL);
    evhttp_set_cb(http, "/load-json", handle_load_json, NULL);
    evhttp_set_cb(http, "/load-text", handle_load_text, NULL);
    struct evhttp_bound_socket *bound = evhttp_bind_socket_with_handle(http, "127.0.0.1", 0);
    if (bound == NULL) {
        evhttp_free(http);
        return NULL;
    }
    struct sockaddr_in sin;
    socklen_t len = sizeof(sin);
    getsockname(evhttp_bound_socket_get_fd(bound), (struct sockaddr *)&sin, &len);
    *port = ntohs(sin.sin_port);
    return http;
}

/* ---- a DNS responder that answers with a chosen RCODE ---- */

static void dns_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    (void)arg;
    uint8_t buf[512];
    struct sockaddr_storage from;
    socklen_t len = sizeof(from);
    ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len);
    if (n < 12) {
        return;
    }
    buf[2] |= 0x80; /* QR */
    buf[3] = (uint8_t)((buf[3] & 0xf0) | (atomic_load(&S.dns_rcode) & 0x0f));
    if (atomic_load(&S.dns_wrong_id)) {
        buf[1] ^= 0x5a;
    }
    sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, len);
}

static int loopback_socket(int type, uint16_t *port)
{
    int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = 0};
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(sin);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 ||
        getsockname(fd, (struct sockaddr *)&sin, &len) < 0) {
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    *port = ntohs(sin.sin_port);
    return fd;
}

static void *server_main(void *arg)
{
    (void)arg;
    event_base_loop(S.base, EVLOOP_NO_EXIT_ON_EMPTY);
    return NULL;
}

static int servers_start(void **state)
{
    (void)state;
    /* The servers write to clients that hang up mid-handshake on purpose
     * (failed verification); like any server, take EPIPE over SIGPIPE. */
    signal(SIGPIPE, SIG_IGN);
    evthread_use_pthreads();
    pthread_mutex_init(&S.mu, NULL);
    S.load_cpu = 0.42;
    S.dir = test_tmpdir_new();
    if (S.dir == NULL) {
        return -1;
    }
    S.cert_path = test_path(S.dir, "cert.pem");
    S.tls = tls_server_new(S.cert_path);
    S.base = event_base_new();
    if (S.tls == NULL || S.base == NULL) {
        return -1;
    }
    S.http = http_server_new(S.base, &S.http_port);
    S.https = http_server_new(S.base, &S.https_port);
    if (S.http == NULL || S.https == NULL) {
        return -1;
    }
    evhttp_set_bevcb(S.https, https_bev, S.tls);
    S.dns_fd = loopback_socket(SOCK_DGRAM | SOCK_NONBLOCK, &S.dns_port);
    S.tcp_fd = loopback_socket(SOCK_STREAM, &S.tcp_port);
    /* The kernel completes handshakes into the backlog; nobody accepts. */
    if (S.dns_fd < 0 || S.tcp_fd < 0 || listen(S.tcp_fd, 64) < 0) {
        return -1;
    }
    S.dns_ev = event_new(S.base, S.dns_fd, EV_READ | EV_PERSIST, dns_cb, NULL);
    event_add(S.dns_ev, NULL);
    return pthread_create(&S.thread, NULL, server_main, NULL) == 0 ? 0 : -1;
}

static int servers_stop(void **state)
{
    (void)state;
    event_base_loopexit(S.base, NULL);
    pthread_join(S.thread, NULL);
    event_free(S.dns_ev);
    close(S.dns_fd);
    close(S.tcp_fd);
    evhttp_free(S.http);
    evhttp_free(S.https);
    event_base_free(S.base);
    SSL_CTX_free(S.tls);
    unlink(S.cert_path);
    rmdir(S.dir);
    free(S.cert_path);
    free(S.dir);
    pthread_mutex_destroy(&S.mu);
    return 0;
}

static int reset_dns(void **state)
{
    (void)state;
    atomic_store(&S.dns_rcode, 0);
    atomic_store(&S.dns_wrong_id, false);
    return 0;
}

/* ---- helpers ---- */

/* Run d until its state is the opposite of where it started. */
static health_slot_info_t run_until_flip(test_probe_t *d, bool expect_up)
{
    d->def.is_initially_up = !expect_up;
    uint32_t slot;
    health_t *h = test_health_one(d, &slot);
    assert_non_null(h);
    health_slot_info_t info;
    assert_true(test_wait_state(h, slot, expect_up, &info));
    assert_int_equal(health_slot_is_up(h, slot), expect_up);
    health_free(h);
    return info;
}

static test_probe_t http_def(health_probe_type_t type, uint16_t port, char *path)
{
    test_probe_t d = test_def(type, "test/127.0.0.1 (http)");
    test_def_target(&d, "127.0.0.1", port);
    d.def.http_path = path;
    return d;
}

/* ---- tcp ---- */

static void test_tcp_listening_port_is_up(void **state)
{
    (void)state;
    test_probe_t d = test_def(HEALTH_PROBE_TCP, "test/127.0.0.1 (tcp)");
    test_def_target(&d, "127.0.0.1", S.tcp_port);
    health_slot_info_t info = run_until_flip(&d, true);
    assert_int_equal(info.last_reason, HEALTH_REASON_OK);
}

static void test_tcp_closed_port_is_down_refused(void **state)
{
    (void)state;
    uint16_t port;
    int fd = loopback_socket(SOCK_STREAM, &port);
    assert_true(fd >= 0);
    close(fd); /* bound once, now free: nothing listens there */
    test_probe_t d = test_def(HEALTH_PROBE_TCP, "test/127.0.0.1 (tcp)");
    test_def_target(&d, "127.0.0.1", port);
    health_slot_info_t info = run_until_flip(&d, false);
    assert_int_equal(info.last_reason, HEALTH_REASON_REFUSED);
    assert_string_equal(info.error, "refused");
}

/* ---- http ---- */

static void test_http_200_is_up_and_sends_host_and_agent(void **state)
{
    (void)state;
    test_probe_t d = http_def(HEALTH_PROBE_HTTP, S.http_port, "/ok");
    health_slot_info_t info = run_until_flip(&d, true);
    assert_int_equal(info.last_reason, HEALTH_REASON_OK);
    assert_int_equal(info.last_detail, 200);
    char host[64];
    snprintf(host, sizeof(host), "127.0.0.1:%u", S.http_port);
    pthread_mutex_lock(&S.mu);
    assert_string_equal(S.last_host, host);
    assert_string_equal(S.last_agent, "gslbd-health");
    pthread_mutex_unlock(&S.mu);
}

static void test_http_host_header_follows_def(void **state)
{
    (void)state;
    test_probe_t d = http_def(HEALTH_PROBE_HTTP, S.http_port, "/ok");
    d.def.http_host = "www.example.com";
    run_until_flip(&d, true);
    pthread_mutex_lock(&S.mu);
    assert_string_equal(S.last_host, "www.example.com");
    pthread_mutex_unlock(&S.mu);
}

static void test_http_503_is_down_with_status(void **state)
{
    (void)state;
    test_probe_t d = http_def(HEALTH_PROBE_HTTP, S.http_port, "/fail");
    health_slot_info_t info = run_until_flip(&d, false);
    assert_int_equal(info.last_reason, HEALTH_REASON_STATUS);
    assert_int_equal(info.last_detail, 503);
    assert_string_equal(info.error, "status 503");
    assert_int_equal(info.failures_by_reason[HEALTH_REASON_STATUS], info.probe_failures);
}

static void test_http_503_in_expected_list_is_up(void **state)
{
    (void)state;
    static uint16_t statuses[] = {200, 503};
    test_probe_t d = http_def(HEALTH_PROBE_HTTP, S.http_port, "/fail");
    d.def.http_status = statuses;
    d.def.http_status_count = 2;
    run_until_flip(&d, true);
}

static void test_http_200_not_in_expected_list_is_down(void **state)
{
    (void)state;
    static uint16_t statuses[] = {204};
    test_probe_t d = http_def(HEALTH_PROBE_HTTP, S.http_port, "/ok");
    d.def.http_status = statuses;
    d.def.http_status_count = 1;
    health_slot_info_t info = run_until_flip(&d, false);
    assert_int_equal(info.last_detail, 200);
}

static void test_http_404_is_down(void **state)
{
    (void)state;
    test_probe_t d = http_def(HEALTH_PROBE_HTTP, S.http_port, "/missing");
    health_slot_info_t info = run_until_flip(&d, false);
    assert_int_equal(info.last_detail, 404);
}

static void test_http_body_match_is_up(void **state)
{
    (void)state;
    test_probe_t d = http_def(HEALTH_PROBE_HTTP, S.http_port, "/ok");
    d.def.http_body = "all systems healthy";
    run_until_flip(&d, true);
}

static void test_http_body_mismatch_is_down(void **state)
{
    (void)state;
    test_probe_t d = http_def(HEALTH_PROBE_HTTP, S.http_port, "/ok");
    d.def.http_body = "all systems degraded";
    health_slot_info_t info = run_until_flip(&d, false);
    assert_int_equal(info.last_reason, HEALTH_REASON_BODY);
    assert_string_equal(info.error, "body mismatch");
}

static void test_http_body_across_chunks_is_up(void **state)
{
    (void)state;
    test_probe_t d = http_def(HEALTH_PROBE_HTTP, S.http_port, "/chunked");
    d.def.http_body = "all systems healthy";
    run_until_flip(&d, true);
}

static void test_http_closed_port_is_down_refused(void **state)
{
    (void)state;
    uint16_t port;
    int fd = loopback_socket(SOCK_STREAM, &port);
    assert_true(fd >= 0);
    close(fd);
    test_probe_t d = http_def(HEALTH_PROBE_HTTP, port, "/ok");
    health_slot_info_t info = run_until_flip(&d, false);
    assert_int_equal(info.last_reason, HEALTH_REASON_REFUSED);
}

static void test_http_silent_server_is_down_timeout(void **state)
{
    (void)state;
    /* The TCP listener completes the handshake but never answers. */
    test_probe_t d = http_def(HEALTH_PROBE_HTTP, S.tcp_port, "/ok");
    d.def.timeout_ms = 150;
    health_slot_info_t info = run_until_flip(&d, false);
    assert_int_equal(info.last_reason, HEALTH_REASON_TIMEOUT);
}

/* ---- https ---- */

static void test_https_without_verification_is_up(void **state)
{
    (void)state;
    test_probe_t d = http_def(HEALTH_PROBE_HTTPS, S.https_port, "/ok");
    d.def.tls_verify = false;
    d.def.http_body = "healthy";
    run_until_flip(&d, true);
}

static void test_https_verified_without_ca_is_down_tls(void **state)
{
    (void)state;
    test_probe_t d = http_def(HEALTH_PROBE_HTTPS, S.https_port, "/ok");
    d.def.tls_verify = true;
    health_slot_info_t info = run_until_flip(&d, false);
    assert_int_equal(info.last_reason, HEALTH_REASON_TLS);
    assert_non_null(strstr(info.error, "tls: certificate verify failed"));
}

static void test_https_verified_with_ca_file_is_up(void **state)
{
    (void)state;
    test_probe_t d = http_def(HEALTH_PROBE_HTTPS, S.https_port, "/ok");
    d.def.tls_verify = true;
    d.def.tls_ca_file = S.cert_path;
    run_until_flip(&d, true);
}

static void test_https_verified_with_localhost_name_is_up(void **state)
{
    (void)state;
    test_probe_t d = http_def(HEALTH_PROBE_HTTPS, S.https_port, "/ok");
    d.def.tls_verify = true;
    d.def.tls_ca_file = S.cert_path;
    d.def.http_host = "localhost";
    run_until_flip(&d, true);
}

static void test_https_wrong_host_name_is_down_tls(void **state)
{
    (void)state;
    test_probe_t d = http_def(HEALTH_PROBE_HTTPS, S.https_port, "/ok");
    d.def.tls_verify = true;
    d.def.tls_ca_file = S.cert_path;
    d.def.http_host = "www.example.com";
    health_slot_info_t info = run_until_flip(&d, false);
    assert_int_equal(info.last_reason, HEALTH_REASON_TLS);
}

static void test_https_missing_ca_file_is_down_tls(void **state)
{
    (void)state;
    test_probe_t d = http_def(HEALTH_PROBE_HTTPS, S.https_port, "/ok");
    d.def.tls_verify = true;
    d.def.tls_ca_file = "/nonexistent/ca.pem";
    health_slot_info_t info = run_until_flip(&d, false);
    assert_int_equal(info.last_reason, HEALTH_REASON_TLS);
}

static void test_https_against_plain_http_is_down(void **state)
{
    (void)state;
    test_probe_t d = http_def(HEALTH_PROBE_HTTPS, S.http_port, "/ok");
    d.def.tls_verify = false;
    d.def.timeout_ms = 500;
    health_slot_info_t info = run_until_flip(&d, false);
    assert_int_not_equal(info.last_reason, HEALTH_REASON_OK);
}

/* ---- load figures ---- */

static void set_load_cpu(double v)
{
    pthread_mutex_lock(&S.mu);
    S.load_cpu = v;
    pthread_mutex_unlock(&S.mu);
}

static int reset_load(void **state)
{
    (void)state;
    set_load_cpu(0.42);
    return 0;
}

/* Wait until the slot's figure is want; *at_ms gets its time. */
static bool wait_load(health_t *h, uint32_t slot, double want, double *at_ms)
{
    for (unsigned waited = 0; waited < TEST_WAIT_MS; waited += 10) {
        double v;
        if (health_slot_load(h, slot, &v, at_ms, NULL, 0) == 0 && fabs(v - want) < 1e-9) {
            return true;
        }
        test_sleep_ms(10);
    }
    return false;
}

static test_probe_t load_def(health_probe_type_t type, uint16_t port, char *path,
                             health_load_format_t fmt, char *pointer)
{
    test_probe_t d = http_def(type, port, path);
    d.def.load_format = fmt;
    d.def.load_pointer = pointer;
    return d;
}

static void test_http_load_json_pointer_follows_the_server(void **state)
{
    (void)state;
    test_probe_t d = load_def(HEALTH_PROBE_HTTP, S.http_port, "/load-json", HEALTH_LOAD_JSON,
                              "/load/cpu");
    uint32_t slot;
    double before = health_monotonic_ms();
    health_t *h = test_health_one(&d, &slot);
    assert_non_null(h);
    double at1;
    assert_true(wait_load(h, slot, 0.42, &at1));
    assert_true(at1 >= before && at1 <= health_monotonic_ms());
    health_slot_info_t info;
    assert_int_equal(health_slot_info(h, slot, &info), 0);
    assert_true(info.is_up);
    assert_true(info.has_load);
    assert_true(fabs(info.load - 0.42) < 1e-9);
    assert_true(info.load_age_ms >= 0 && info.load_age_ms < TEST_WAIT_MS);
    assert_string_equal(info.load_error, "");
    char err[HEALTH_ERROR_MAX] = "x";
    double v;
    assert_int_equal(health_slot_load(h, slot, &v, NULL, err, sizeof(err)), 0);
    assert_string_equal(err, "");

    /* The next run reports the new figure, read later. */
    set_load_cpu(0.9);
    double at2;
    assert_true(wait_load(h, slot, 0.9, &at2));
    assert_true(at2 > at1);
    health_free(h);
}

static void test_http_load_text_reads_first_number(void **state)
{
    (void)state;
    test_probe_t d = load_def(HEALTH_PROBE_HTTP, S.http_port, "/load-text", HEALTH_LOAD_TEXT,
                              NULL);
    uint32_t slot;
    health_t *h = test_health_one(&d, &slot);
    assert_non_null(h);
    assert_true(wait_load(h, slot, 17.5, NULL));
    health_free(h);
}

static void test_https_load_json_is_read(void **state)
{
    (void)state;
    test_probe_t d = load_def(HEALTH_PROBE_HTTPS, S.https_port, "/load-json", HEALTH_LOAD_JSON,
                              "/load/cpu");
    d.def.tls_verify = false;
    uint32_t slot;
    health_t *h = test_health_one(&d, &slot);
    assert_non_null(h);
    assert_true(wait_load(h, slot, 0.42, NULL));
    health_free(h);
}

/* Count lines of what fd 2 received in file that contain text. */
static unsigned count_in_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[1024];
    unsigned n = 0;
    while (fgets(line, sizeof(line), f) != NULL) {
        n += strstr(line, text) != NULL;
    }
    fclose(f);
    return n;
}

/* Health and load are separate: a body without a figure leaves the probe
 * up, and says why there is no figure, in the log once, not every run. */
static void test_http_load_unreadable_leaves_probe_up(void **state)
{
    (void)state;
    char *log_path = test_path(S.dir, "stderr.log");
    int log_fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    assert_true(log_fd >= 0);
    fflush(stderr);
    int saved = dup(2);
    assert_true(saved >= 0);
    dup2(log_fd, 2);

    test_probe_t d = load_def(HEALTH_PROBE_HTTP, S.http_port, "/ok", HEALTH_LOAD_TEXT, NULL);
    d.def.is_initially_up = false;
    uint32_t slot;
    health_t *h = test_health_one(&d, &slot);
    assert_non_null(h);
    health_slot_info_t info;
    bool is_done = test_wait_state(h, slot, true, &info) &&
                   test_wait_probes(h, slot, info.probes + 4, &info);
    double v = -1, at = -1;
    char err[HEALTH_ERROR_MAX];
    int rc = health_slot_load(h, slot, &v, &at, err, sizeof(err));
    health_free(h);

    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    close(log_fd);
    unsigned warnings = count_in_file(log_path, "cannot read the load figure");
    unlink(log_path);
    free(log_path);

    assert_true(is_done);
    assert_true(info.is_up);
    assert_int_equal(info.last_reason, HEALTH_REASON_OK);
    assert_false(info.has_load);
    assert_string_equal(info.load_error, "no number in the body");
    assert_int_equal(rc, -GSLB_ENOTFOUND);
    assert_string_equal(err, "no number in the body");
    assert_true(v == -1 && at == -1);
    assert_int_equal(warnings, 1);
}

/* The substring check and the figure use the same body; a run that fails
 * the check has no figure. */
static void test_http_load_with_body_check(void **state)
{
    (void)state;
    test_probe_t d = load_def(HEALTH_PROBE_HTTP, S.http_port, "/load-json", HEALTH_LOAD_JSON,
                              "/load/cpu");
    d.def.http_body = "\"cpu\"";
    uint32_t slot;
    health_t *h = test_health_one(&d, &slot);
    assert_non_null(h);
    assert_true(wait_load(h, slot, 0.42, NULL));
    assert_true(health_slot_is_up(h, slot));
    health_free(h);

    d.def.http_body = "\"mem\"";
    health_slot_info_t info = run_until_flip(&d, false);
    assert_int_equal(info.last_reason, HEALTH_REASON_BODY);
    assert_false(info.has_load);
    assert_string_equal(info.load_error, "");
}

static void test_slot_load_without_figure_is_not_found(void **state)
{
    (void)state;
    test_probe_t d = http_def(HEALTH_PROBE_HTTP, S.http_port, "/load-json");
    uint32_t slot;
    health_t *h = test_health_one(&d, &slot);
    assert_non_null(h);
    health_slot_info_t info;
    assert_true(test_wait_probes(h, slot, 2, &info));
    char err[HEALTH_ERROR_MAX] = "x";
    double v = -1;
    /* No load setting: nothing is read, and there is no error either. */
    assert_int_equal(health_slot_load(h, slot, &v, NULL, err, sizeof(err)), -GSLB_ENOTFOUND);
    assert_string_equal(err, "");
    assert_true(v == -1);
    assert_false(info.has_load);
    strcpy(err, "x");
    assert_int_equal(health_slot_load(h, HEALTH_SLOT_NONE, &v, NULL, err, sizeof(err)),
                     -GSLB_ENOTFOUND);
    assert_string_equal(err, "");
    assert_int_equal(health_slot_load(h, slot + 1, &v, NULL, NULL, 0), -GSLB_ENOTFOUND);
    assert_int_equal(health_slot_load(NULL, 0, &v, NULL, NULL, 0), -GSLB_ENOTFOUND);
    health_free(h);
}

/* ---- dns ---- */

static test_probe_t dns_def(void)
{
    static uint8_t qname[] = "\3www\7example\3com";
    test_probe_t d = test_def(HEALTH_PROBE_DNS, "test/127.0.0.1 (dns)");
    test_def_target(&d, "127.0.0.1", S.dns_port);
    d.def.dns_qname = qname;
    d.def.dns_qtype = 1;
    return d;
}

static void test_dns_expected_rcode_is_up(void **state)
{
    (void)state;
    test_probe_t d = dns_def();
    health_slot_info_t info = run_until_flip(&d, true);
    assert_int_equal(info.last_reason, HEALTH_REASON_OK);
}

static void test_dns_other_rcode_is_down_with_rcode(void **state)
{
    (void)state;
    atomic_store(&S.dns_rcode, 2);
    test_probe_t d = dns_def();
    health_slot_info_t info = run_until_flip(&d, false);
    assert_int_equal(info.last_reason, HEALTH_REASON_RCODE);
    assert_int_equal(info.last_detail, 2);
    assert_string_equal(info.error, "rcode SERVFAIL");
}

static void test_dns_expected_nxdomain_is_up(void **state)
{
    (void)state;
    atomic_store(&S.dns_rcode, 3);
    test_probe_t d = dns_def();
    d.def.dns_rcode = 3;
    run_until_flip(&d, true);
}

static void test_dns_wrong_id_is_ignored_and_times_out(void **state)
{
    (void)state;
    atomic_store(&S.dns_wrong_id, true);
    test_probe_t d = dns_def();
    d.def.timeout_ms = 150;
    health_slot_info_t info = run_until_flip(&d, false);
    assert_int_equal(info.last_reason, HEALTH_REASON_TIMEOUT);
}

static void test_dns_closed_port_is_down(void **state)
{
    (void)state;
    uint16_t port;
    int fd = loopback_socket(SOCK_DGRAM, &port);
    assert_true(fd >= 0);
    close(fd);
    test_probe_t d = dns_def();
    test_def_target(&d, "127.0.0.1", port);
    health_slot_info_t info = run_until_flip(&d, false);
    assert_int_equal(info.last_reason, HEALTH_REASON_REFUSED);
}

/* ---- several probes at once ---- */

static void test_many_probes_run_together_and_stop_on_reload(void **state)
{
    (void)state;
    test_probe_t defs[4] = {
        http_def(HEALTH_PROBE_HTTP, S.http_port, "/ok"),
        http_def(HEALTH_PROBE_HTTP, S.http_port, "/fail"),
        http_def(HEALTH_PROBE_HTTPS, S.https_port, "/ok"),
        dns_def(),
    };
    uint32_t slots[4];
    health_t *h = NULL;
    assert_int_equal(health_new(&h, 4), 0);
    assert_int_equal(health_start(h), 0);
    assert_int_equal(test_health_apply(h, defs, 4, slots), 0);
    health_slot_info_t info;
    for (size_t i = 0; i < 4; i++) {
        assert_true(test_wait_probes(h, slots[i], 3, &info));
    }
    assert_true(health_slot_is_up(h, slots[0]));
    assert_false(health_slot_is_up(h, slots[1]));
    assert_true(health_slot_is_up(h, slots[3]));
    /* Keep only the dns probe: the others stop at once and free their slots. */
    uint32_t kept;
    assert_int_equal(test_health_apply(h, &defs[3], 1, &kept), 0);
    assert_int_equal(kept, slots[3]);
    assert_int_equal(health_slot_info(h, slots[0], &info), -GSLB_ENOTFOUND);
    assert_true(test_wait_probes(h, kept, info.probes + 2, &info));
    health_stats_t st;
    assert_int_equal(health_stats_get(h, &st), 0);
    assert_int_equal(st.slots_used, 1);
    assert_true(st.probes >= 12);
    health_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tcp_listening_port_is_up),
        cmocka_unit_test(test_tcp_closed_port_is_down_refused),
        cmocka_unit_test(test_http_200_is_up_and_sends_host_and_agent),
        cmocka_unit_test(test_http_host_header_follows_def),
        cmocka_unit_test(test_http_503_is_down_with_status),
        cmocka_unit_test(test_http_503_in_expected_list_is_up),
        cmocka_unit_test(test_http_200_not_in_expected_list_is_down),
        cmocka_unit_test(test_http_404_is_down),
        cmocka_unit_test(test_http_body_match_is_up),
        cmocka_unit_test(test_http_body_mismatch_is_down),
        cmocka_unit_test(test_http_body_across_chunks_is_up),
        cmocka_unit_test(test_http_closed_port_is_down_refused),
        cmocka_unit_test(test_http_silent_server_is_down_timeout),
        cmocka_unit_test(test_https_without_verification_is_up),
        cmocka_unit_test(test_https_verified_without_ca_is_down_tls),
        cmocka_unit_test(test_https_verified_with_ca_file_is_up),
        cmocka_unit_test(test_https_verified_with_localhost_name_is_up),
        cmocka_unit_test(test_https_wrong_host_name_is_down_tls),
        cmocka_unit_test(test_https_missing_ca_file_is_down_tls),
        cmocka_unit_test(test_https_against_plain_http_is_down),
        cmocka_unit_test_setup(test_http_load_json_pointer_follows_the_server, reset_load),
        cmocka_unit_test(test_http_load_text_reads_first_number),
        cmocka_unit_test_setup(test_https_load_json_is_read, reset_load),
        cmocka_unit_test(test_http_load_unreadable_leaves_probe_up),
        cmocka_unit_test_setup(test_http_load_with_body_check, reset_load),
        cmocka_unit_test(test_slot_load_without_figure_is_not_found),
        cmocka_unit_test_setup(test_dns_expected_rcode_is_up, reset_dns),
        cmocka_unit_test_setup(test_dns_other_rcode_is_down_with_rcode, reset_dns),
        cmocka_unit_test_setup(test_dns_expected_nxdomain_is_up, reset_dns),
        cmocka_unit_test_setup(test_dns_wrong_id_is_ignored_and_times_out, reset_dns),
        cmocka_unit_test_setup(test_dns_closed_port_is_down, reset_dns),
        cmocka_unit_test_setup(test_many_probes_run_together_and_stop_on_reload, reset_dns),
    };
    return cmocka_run_group_tests(tests, servers_start, servers_stop);
}
