/* ctl: the HTTP endpoint — routing, bearer-token checks and the admin actions. */
#include "ctl_int.h"

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <urcu.h>

#define HTTP_BODY_MAX 65536
#define HTTP_TIMEOUT_S 30

void ctl_http_reply_json(struct evhttp_request *req, int code, const char *reason, json_t *j)
{
    char *text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    struct evbuffer *buf = evbuffer_new();
    evbuffer_add_printf(buf, "%s\n", text != NULL ? text : "{}");
    free(text);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
                      "application/json");
    evhttp_send_reply(req, code, reason, buf);
    evbuffer_free(buf);
}

void ctl_http_reply_error(struct evhttp_request *req, int code, const char *reason,
                          const char *text)
{
    json_t *j = json_pack("{s:s}", CTL_API_KEY_ERROR, text);
    ctl_http_reply_json(req, code, reason, j);
    json_decref(j);
}

/* Compare without an early exit, so timing does not reveal a prefix. */
static bool token_equal(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    unsigned char diff = (unsigned char)(la != lb);
    for (size_t i = 0; i < la; i++) {
        diff |= (unsigned char)(a[i] ^ b[i % (lb ? lb : 1)]);
    }
    return diff == 0;
}

/* Write actions need "Authorization: Bearer TOKEN". Replies and returns
 * false when the request may not go on. */
static bool authorized(ctl_t *c, struct evhttp_request *req)
{
    const char *h = evhttp_find_header(evhttp_request_get_input_headers(req),
                                       CTL_API_AUTH_HEADER);
    size_t scheme_len = strlen(CTL_API_AUTH_SCHEME);
    pthread_mutex_lock(&c->mu);
    bool has_token = c->token != NULL;
    bool ok = has_token && h != NULL && strncmp(h, CTL_API_AUTH_SCHEME, scheme_len) == 0 &&
              token_equal(h + scheme_len, c->token);
    pthread_mutex_unlock(&c->mu);
    if (!has_token) {
        ctl_http_reply_error(req, 403, "Forbidden",
                    "write actions are off: set control.token or control.token_file");
        return false;
    }
    if (!ok) {
        evhttp_add_header(evhttp_request_get_output_headers(req), "WWW-Authenticate",
                          "Bearer realm=\"gslbd\"");
        ctl_http_reply_error(req, 401, "Unauthorized", "a valid bearer token is required");
        return false;
    }
    return true;
}

/* Write the overrides to the state file, if one is configured (mu held). */
static void persist(ctl_t *c)
{
    if (c->state_file != NULL) {
        ctl_overrides_save(&c->overrides, c->state_file);
    }
}

static int admin_from_action(const char *action, health_admin_t *out)
{
    static const struct {
        const char *name;
        health_admin_t admin;
    } actions[] = {
        {CTL_API_ACTION_DRAIN, HEALTH_ADMIN_DRAIN},
        {CTL_API_ACTION_UNDRAIN, HEALTH_ADMIN_NONE},
        {CTL_API_ACTION_FORCE_UP, HEALTH_ADMIN_FORCE_UP},
        {CTL_API_ACTION_FORCE_DOWN, HEALTH_ADMIN_FORCE_DOWN},
        {CTL_API_ACTION_CLEAR, HEALTH_ADMIN_NONE},
    };
    for (size_t i = 0; i < GSLB_ARRAY_LEN(actions); i++) {
        if (strcmp(action, actions[i].name) == 0) {
            *out = actions[i].admin;
            return 0;
        }
    }
    return -1;
}

/* POST /datacenters/NAME/ACTION and /datacenters/NAME/weight?value=N */
static void dc_action(ctl_t *c, struct evhttp_request *req, const char *name, const char *action,
                      const char *query)
{
    health_admin_t admin = HEALTH_ADMIN_NONE;
    bool is_weight = strcmp(action, CTL_API_ACTION_WEIGHT) == 0;
    if (!is_weight && admin_from_action(action, &admin) != 0) {
        ctl_http_reply_error(req, 404, "Not Found",
                    "unknown action (drain, undrain, force-up, force-down, clear, weight, load)");
        return;
    }
    long long weight = -1;
    if (is_weight && query != NULL) {
        struct evkeyvalq q;
        evhttp_parse_query_str(query, &q);
        const char *v = evhttp_find_header(&q, CTL_API_PARAM_VALUE);
        char *end = NULL;
        if (v != NULL && *v != '\0') {
            errno = 0;
            weight = strtoll(v, &end, 10);
            if (errno != 0 || *end != '\0' || weight < 0 || weight > CONF_WEIGHT_MAX) {
                weight = -2;
            }
        }
        evhttp_clear_headers(&q);
    }
    if (weight == -2) {
        ctl_http_reply_error(req, 400, "Bad Request", "value must be an integer 0..1000000");
        return;
    }
    pthread_mutex_lock(&c->mu);
    rcu_read_lock();
    const snapshot_t *s = snapshot_current(c->pub);
    int dc = policy_datacenter_find(s->policy, name);
    const ctl_override_t *known = ctl_overrides_find(&c->overrides, false, name);
    /* Clearing works for names no longer configured, so stale entries can go. */
    bool is_clear = !is_weight && admin == HEALTH_ADMIN_NONE;
    if (dc < 0 && !(known != NULL && (is_clear || (is_weight && weight < 0)))) {
        rcu_read_unlock();
        pthread_mutex_unlock(&c->mu);
        ctl_http_reply_error(req, 404, "Not Found", "no such datacenter");
        return;
    }
    json_t *j;
    if (is_weight) {
        ctl_overrides_set_weight(&c->overrides, name, weight >= 0, (uint32_t)weight);
        ctl_fleet_override_put(c, false, name);
        if (dc >= 0) {
            uint32_t w = weight >= 0 ? (uint32_t)weight
                                     : policy_datacenter_conf_weight(s->policy, (uint32_t)dc);
            policy_datacenter_set_weight(s->policy, (uint32_t)dc, w);
        }
        log_info("ctl: datacenter '%s': weight %s", name,
                 weight >= 0 ? "set at run time" : "back to the configured one");
        j = json_pack("{s:b, s:s, s:I}", CTL_API_KEY_OK, 1, CTL_API_KEY_DATACENTER, name,
                      CTL_API_KEY_WEIGHT,
                      (json_int_t)(dc >= 0 ? policy_datacenter_weight(s->policy, (uint32_t)dc)
                                           : 0));
    } else {
        health_admin_t old = dc >= 0 ? policy_datacenter_admin(s->policy, (uint32_t)dc)
                                     : HEALTH_ADMIN_NONE;
        ctl_overrides_set_admin(&c->overrides, false, name, admin);
        ctl_fleet_override_put(c, false, name);
        if (dc >= 0) {
            policy_datacenter_set_admin(s->policy, (uint32_t)dc, admin);
        }
        log_info("ctl: datacenter '%s': admin %s -> %s", name, health_admin_name(old),
                 health_admin_name(admin));
        j = json_pack("{s:b, s:s, s:s}", CTL_API_KEY_OK, 1, CTL_API_KEY_DATACENTER, name,
                      CTL_API_KEY_ADMIN, health_admin_name(admin));
    }
    rcu_read_unlock();
    persist(c);
    pthread_mutex_unlock(&c->mu);
    ctl_http_reply_json(req, 200, "OK", j);
    json_decref(j);
}

/* POST /resources/DC/ADDRESS/ACTION */
static void res_action(ctl_t *c, struct evhttp_request *req, const char *dc, const char *addr,
                       const char *action)
{
    health_admin_t admin;
    if (admin_from_action(action, &admin) != 0) {
        ctl_http_reply_error(req, 404, "Not Found",
                    "unknown action (drain, undrain, force-up, force-down, clear)");
        return;
    }
    char *key = ctl_resource_key(dc, addr);
    if (key == NULL) {
        ctl_http_reply_error(req, 400, "Bad Request", "not an IP address");
        return;
    }
    pthread_mutex_lock(&c->mu);
    rcu_read_lock();
    const snapshot_t *s = snapshot_current(c->pub);
    long r = policy_resource_find(s->policy, dc, addr);
    bool is_known = ctl_overrides_find(&c->overrides, true, key) != NULL;
    if (r < 0 && !(is_known && admin == HEALTH_ADMIN_NONE)) {
        rcu_read_unlock();
        pthread_mutex_unlock(&c->mu);
        free(key);
        ctl_http_reply_error(req, 404, "Not Found", "no such resource");
        return;
    }
    health_admin_t old = r >= 0 ? policy_resource_admin(s->policy, (size_t)r) : HEALTH_ADMIN_NONE;
    ctl_overrides_set_admin(&c->overrides, true, key, admin);
    ctl_fleet_override_put(c, true, key);
    if (r >= 0) {
        policy_resource_set_admin(s->policy, (size_t)r, admin);
    }
    rcu_read_unlock();
    persist(c);
    pthread_mutex_unlock(&c->mu);
    log_info("ctl: resource '%s': admin %s -> %s", key, health_admin_name(old),
             health_admin_name(admin));
    json_t *j = json_pack("{s:b, s:s, s:s}", CTL_API_KEY_OK, 1, CTL_API_KEY_RESOURCE, key,
                          CTL_API_KEY_ADMIN, health_admin_name(admin));
    ctl_http_reply_json(req, 200, "OK", j);
    json_decref(j);
    free(key);
}

static void get_metrics(ctl_t *c, struct evhttp_request *req)
{
    ctl_buf_t b = {0};
    rcu_read_lock();
    ctl_metrics_collect(c, snapshot_current(c->pub), &b);
    rcu_read_unlock();
    struct evbuffer *buf = evbuffer_new();
    evbuffer_add(buf, b.data, b.len);
    ctl_buf_free(&b);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
                      "text/plain; version=0.0.4; charset=utf-8");
    evhttp_send_reply(req, 200, "OK", buf);
    evbuffer_free(buf);
}

static void get_status(ctl_t *c, struct evhttp_request *req)
{
    rcu_read_lock();
    json_t *j = ctl_status_json(c, snapshot_current(c->pub));
    rcu_read_unlock();
    ctl_http_reply_json(req, 200, "OK", j);
    json_decref(j);
}

static void get_explain(ctl_t *c, struct evhttp_request *req, const char *query)
{
    struct evkeyvalq q;
    evhttp_parse_query_str(query != NULL ? query : "", &q);
    const char *name = evhttp_find_header(&q, CTL_API_PARAM_NAME);
    const char *client = evhttp_find_header(&q, CTL_API_PARAM_CLIENT);
    const char *type = evhttp_find_header(&q, CTL_API_PARAM_TYPE);
    if (name == NULL || client == NULL) {
        evhttp_clear_headers(&q);
        ctl_http_reply_error(req, 400, "Bad Request",
                    "usage: /explain?name=NAME&client=ADDRESS[/PREFIX][&type=A|AAAA|...]");
        return;
    }
    json_t *j = NULL;
    char err[256];
    rcu_read_lock();
    int rc = ctl_explain(c, snapshot_current(c->pub), name, client, type, &j, err,
                         sizeof(err));
    rcu_read_unlock();
    evhttp_clear_headers(&q);
    if (rc != 0) {
        ctl_http_reply_error(req, 400, "Bad Request", err);
        return;
    }
    ctl_http_reply_json(req, 200, "OK", j);
    json_decref(j);
}

/* Split path into at most n segments (decoded), returning how many, or n + 1
 * when there are more or a segment decodes to a NUL byte ("a.js%00.html" would
 * otherwise read as "a.js"): no route takes that many. */
static size_t split_path(const char *path, char **seg, size_t n)
{
    size_t count = 0;
    bool has_nul = false;
    const char *p = path;
    while (*p == '/') {
        p++;
    }
    while (*p != '\0' && count < n) {
        const char *e = strchr(p, '/');
        size_t len = e != NULL ? (size_t)(e - p) : strlen(p);
        char *raw = xstrndup(p, len);
        size_t decoded_len = 0;
        seg[count] = evhttp_uridecode(raw, 0, &decoded_len);
        has_nul |= strlen(seg[count]) != decoded_len;
        count++;
        free(raw);
        p += len;
        while (*p == '/') {
            p++;
        }
    }
    return *p == '\0' && !has_nul ? count : n + 1;
}

static void route(struct evhttp_request *req, void *arg)
{
    ctl_t *c = arg;
    const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
    const char *path = evhttp_uri_get_path(uri);
    const char *query = evhttp_uri_get_query(uri);
    enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
    char *seg[5] = {NULL};
    size_t n = split_path(path != NULL ? path : "/", seg, 4);
    bool is_get = cmd == EVHTTP_REQ_GET || cmd == EVHTTP_REQ_HEAD;
    bool is_post = cmd == EVHTTP_REQ_POST;

    if ((n == 0 || (n <= 4 && strcmp(seg[0], CTL_API_SEG_DASHBOARD) == 0)) && is_get) {
        ctl_dashboard_get(c, req, path != NULL ? path : "/", seg, n);
    } else if (n == 1 && strcmp(seg[0], CTL_API_SEG_METRICS) == 0 && is_get) {
        get_metrics(c, req);
    } else if (n == 1 && strcmp(seg[0], CTL_API_SEG_STATUS) == 0 && is_get) {
        get_status(c, req);
    } else if (n == 1 && strcmp(seg[0], CTL_API_SEG_EXPLAIN) == 0 && is_get) {
        get_explain(c, req, query);
    } else if (n == 2 && strcmp(seg[0], CTL_API_SEG_DS) == 0 && is_get) {
        ctl_ds_get(c, req, seg[1]);
    } else if (n == 1 && strcmp(seg[0], CTL_API_SEG_RELOAD) == 0 && is_post) {
        if (authorized(c, req)) {
            ctl_waiter_t *w = xcalloc(1, sizeof(*w));
            w->req = req;
            w->c = c;
            log_info("config: '%s': reload requested over the control endpoint", c->conf_path);
            ctl_reload_enqueue(c, w); /* answered when the reload is done */
        }
    } else if (n == 3 && strcmp(seg[0], CTL_API_SEG_DATACENTERS) == 0 && is_post) {
        if (authorized(c, req)) {
            if (strcmp(seg[2], CTL_API_ACTION_LOAD) == 0) {
                ctl_load_action(c, req, seg[1], query);
            } else {
                dc_action(c, req, seg[1], seg[2], query);
            }
        }
    } else if (n == 2 && strcmp(seg[0], CTL_API_SEG_LATENCY) == 0 &&
               cmd == EVHTTP_REQ_PUT) {
        if (authorized(c, req)) {
            ctl_latency_put(c, req, seg[1]);
        }
    } else if (n == 4 && strcmp(seg[0], CTL_API_SEG_RESOURCES) == 0 && is_post) {
        if (authorized(c, req)) {
            res_action(c, req, seg[1], seg[2], seg[3]);
        }
    } else if (n <= 4 && n >= 1 && !is_get && !is_post) {
        ctl_http_reply_error(req, 405, "Method Not Allowed", "use GET to read and POST to act");
    } else {
        ctl_http_reply_error(req, 404, "Not Found",
                    "endpoints: GET /, /metrics, /status, /explain, /ds/ZONE; POST /reload, "
                    "/datacenters/NAME/ACTION, /resources/DC/ADDRESS/ACTION");
    }
    for (size_t i = 0; i < GSLB_ARRAY_LEN(seg); i++) {
        free(seg[i]);
    }
}

static void addr_format(const struct sockaddr_storage *sa, char *buf, size_t len)
{
    char host[INET6_ADDRSTRLEN] = "?";
    if (sa->ss_family == AF_INET6) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
        inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
        snprintf(buf, len, "[%s]:%u", host, (unsigned)ntohs(sin6->sin6_port));
    } else {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
        inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
        snprintf(buf, len, "%s:%u", host, (unsigned)ntohs(sin->sin_port));
    }
}

int ctl_http_start(ctl_t *c, const conf_control_t *cc)
{
    char name[64];
    addr_format(&cc->sa, name, sizeof(name));
    int fd = socket(cc->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(fd, (const struct sockaddr *)&cc->sa, cc->sa_len) != 0 || listen(fd, 64) != 0) {
        char eb[128];
        log_err("ctl: listen '%s': cannot bind (%s)", name, strerror_r(errno, eb, sizeof(eb)));
        if (fd >= 0) {
            close(fd);
        }
        return -GSLB_ESYS;
    }
    c->http = evhttp_new(c->base);
    if (c->http == NULL || evhttp_accept_socket_with_handle(c->http, fd) == NULL) {
        log_err("ctl: listen '%s': cannot start the HTTP server", name);
        close(fd);
        return -GSLB_ESYS;
    }
    evhttp_set_max_body_size(c->http, HTTP_BODY_MAX);
    evhttp_set_timeout(c->http, HTTP_TIMEOUT_S);
    evhttp_set_allowed_methods(c->http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
                                            EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE);
    evhttp_set_gencb(c->http, route, c);
    log_info("ctl: control endpoint on http://%s/ (write actions %s)", name,
             c->token != NULL ? "need the bearer token" : "off: no token configured");
    return 0;
}

void ctl_http_stop(ctl_t *c)
{
    if (c->http != NULL) {
        evhttp_free(c->http);
        c->http = NULL;
    }
}
