/* gslbctl: the command-line client of gslbd's HTTP control endpoint (status, explain, actions). */
#include "config.h"

#include "gslb/ctl_api.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_SERVER "127.0.0.1:8053"
#define TIMEOUT_S 30

typedef struct reply {
    int code;          /* 0 = no response */
    char *body;
    size_t len;
} reply_t;

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: gslbctl [OPTIONS] COMMAND [ARGS]\n"
            "Talk to gslbd's control endpoint.\n\n"
            "Commands:\n"
            "  status                      data centers, resources, probes, overrides, reloads\n"
            "  explain NAME CLIENT [TYPE]  how gslbd answers NAME (type A by default) for CLIENT,\n"
            "                              an address or a subnet ADDRESS/PREFIX as sent in ECS\n"
            "  drain TARGET                hand out no new answers from TARGET (probes go on)\n"
            "  undrain TARGET              undo drain (same as clear)\n"
            "  force-up TARGET             treat TARGET as up whatever its probes say\n"
            "  force-down TARGET           treat TARGET as down whatever its probes say\n"
            "  clear TARGET                remove TARGET's override\n"
            "  weight DC N | weight DC reset   set a data center's capacity weight at run time\n"
            "  load DC FIGURE                  report a data center's load (its feed: control)\n"
            "  ds ZONE                     the DS records of a signed zone, for its parent\n"
            "  reload                      reload configuration, zones and GeoIP; print errors\n"
            "  metrics                     print the Prometheus metrics\n\n"
            "TARGET is a data center name, or DATACENTER/ADDRESS for one resource.\n\n"
            "Options:\n"
            "  -s, --server HOST:PORT  control endpoint (default %s)\n"
            "  -t, --token TOKEN       bearer token for write actions (or GSLBCTL_TOKEN)\n"
            "  -T, --token-file FILE   read the token from the first line of FILE\n"
            "  -j, --json              print the endpoint's JSON instead of tables\n"
            "  -h, --help              show this help\n"
            "  -V, --version           show the version\n",
            DEFAULT_SERVER);
}

static void on_reply(struct evhttp_request *req, void *arg)
{
    reply_t *r = arg;
    if (req == NULL) {
        return;
    }
    r->code = evhttp_request_get_response_code(req);
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    r->len = evbuffer_get_length(in);
    r->body = malloc(r->len + 1);
    if (r->body == NULL) {
        r->len = 0;
        return;
    }
    evbuffer_remove(in, r->body, r->len);
    r->body[r->len] = '\0';
}

/* One request; returns 0 with *r filled, or -1 when the endpoint did not answer. */
static int request(const char *server, const char *token, enum evhttp_cmd_type cmd,
                   const char *path, reply_t *r)
{
    memset(r, 0, sizeof(*r));
    char host[256];
    const char *colon = strrchr(server, ':');
    if (colon == NULL || (size_t)(colon - server) >= sizeof(host)) {
        fprintf(stderr, "gslbctl: --server must be HOST:PORT (got '%s')\n", server);
        return -1;
    }
    memcpy(host, server, (size_t)(colon - server));
    host[colon - server] = '\0';
    char *h = host;
    if (h[0] == '[' && h[strlen(h) - 1] == ']') {
        h[strlen(h) - 1] = '\0';
        h++;
    }
    int port = atoi(colon + 1);
    struct event_base *base = event_base_new();
    struct evhttp_connection *conn =
        base != NULL ? evhttp_connection_base_new(base, NULL, h, (unsigned short)port) : NULL;
    if (conn == NULL) {
        fprintf(stderr, "gslbctl: cannot set up a connection to %s\n", server);
        if (base != NULL) {
            event_base_free(base);
        }
        return -1;
    }
    evhttp_connection_set_timeout(conn, TIMEOUT_S);
    struct evhttp_request *req = evhttp_request_new(on_reply, r);
    struct evkeyvalq *hdr = evhttp_request_get_output_headers(req);
    evhttp_add_header(hdr, "Host", h);
    evhttp_add_header(hdr, "Connection", "close");
    char auth[1100];
    if (token != NULL) {
        snprintf(auth, sizeof(auth), CTL_API_AUTH_SCHEME "%s", token);
        evhttp_add_header(hdr, CTL_API_AUTH_HEADER, auth);
    }
    int rc = evhttp_make_request(conn, req, cmd, path);
    if (rc == 0) {
        event_base_dispatch(base);
    }
    evhttp_connection_free(conn);
    event_base_free(base);
    if (rc != 0 || r->code == 0) {
        fprintf(stderr, "gslbctl: no answer from http://%s%s (is gslbd running with a control "
                        "section?)\n",
                server, path);
        return -1;
    }
    return 0;
}

static char *token_from_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        perror(path);
        return NULL;
    }
    char buf[1100];
    char *line = fgets(buf, sizeof(buf), f);
    fclose(f);
    if (line == NULL) {
        fprintf(stderr, "gslbctl: %s: empty\n", path);
        return NULL;
    }
    size_t len = strlen(buf);
    while (len > 0 && strchr(" \t\r\n", buf[len - 1]) != NULL) {
        buf[--len] = '\0';
    }
    return strdup(buf + strspn(buf, " \t"));
}

/* Percent-encode s for a path segment or query value. */
static char *enc(const char *s)
{
    return evhttp_encode_uri(s);
}

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s != NULL ? s : "";
}

static long long num(const json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

static bool is_true(const json_t *o, const char *key)
{
    return json_is_true(json_object_get(o, key));
}

static const char *updown(const json_t *v)
{
    return json_is_null(v) || v == NULL ? "-" : json_is_true(v) ? "up" : "DOWN";
}

static void print_time(const char *label, double t)
{
    char buf[64] = "never";
    if (t > 0) {
        time_t tt = (time_t)t;
        struct tm tm;
        gmtime_r(&tt, &tm);
        strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm);
    }
    printf("%s%s", label, buf);
}

static void print_status(const json_t *j)
{
    printf("gslbd %s, generation %lld, ", str(j, CTL_API_KEY_VERSION),
           num(j, CTL_API_KEY_GENERATION));
    print_time("loaded ", (double)num(j, CTL_API_KEY_LOADED_AT));
    printf(", config %s\n", str(j, CTL_API_KEY_CONFIG));
    const json_t *rl = json_object_get(j, CTL_API_KEY_RELOADS);
    printf("reloads: %lld succeeded, %lld failed", num(rl, CTL_API_KEY_SUCCEEDED),
           num(rl, CTL_API_KEY_FAILED));
    print_time(", last success ", json_number_value(json_object_get(rl, CTL_API_KEY_LAST_SUCCESS)));
    printf("\n");
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(rl, CTL_API_KEY_LAST_ERRORS), i, v) {
        printf("  last failure: %s\n", json_string_value(v));
    }
    json_array_foreach(json_object_get(j, CTL_API_KEY_ZONES), i, v) {
        printf("zone %s serial %lld (%lld names) from %s\n", str(v, CTL_API_KEY_ORIGIN),
               num(v, CTL_API_KEY_SERIAL), num(v, CTL_API_KEY_NAMES), str(v, CTL_API_KEY_FILE));
    }
    const json_t *geo = json_object_get(j, CTL_API_KEY_GEOIP);
    if (json_is_object(geo)) {
        printf("geoip %s (%s)%s, %lld records read in %.0f ms\n", str(geo, CTL_API_KEY_DATABASE),
               str(geo, CTL_API_KEY_TYPE), is_true(geo, CTL_API_KEY_WATCH) ? ", watched" : "",
               num(geo, CTL_API_KEY_RECORD_COUNT),
               json_real_value(json_object_get(geo, CTL_API_KEY_READ_MS)));
        json_array_foreach(json_object_get(geo, CTL_API_KEY_DECISION_TREES), i, v) {
            printf("  decision tree %s %s: %lld IPv4 + %lld IPv6 leaf blocks, %lld results, "
                   "%lld KiB, built in %.0f ms\n",
                   str(v, CTL_API_KEY_KIND), str(v, CTL_API_KEY_NAME),
                   num(v, CTL_API_KEY_LEAVES_IPV4), num(v, CTL_API_KEY_LEAVES_IPV6),
                   num(v, CTL_API_KEY_RESULTS), (num(v, CTL_API_KEY_BYTES) + 1023) / 1024,
                   json_real_value(json_object_get(v, CTL_API_KEY_BUILD_MS)));
        }
    }
    const json_t *fl = json_object_get(j, CTL_API_KEY_FLEET);
    if (json_is_object(fl)) {
        printf("fleet: instance %s, mode %s, quorum %s, %lld etcd requests (%lld failed)%s%s\n",
               str(fl, "instance"), str(fl, "mode"), str(fl, "quorum"),
               num(fl, "etcd_requests"), num(fl, "etcd_failures"),
               is_true(fl, "config_mismatch") ? ", CONFIGURATIONS DIFFER" : "",
               is_true(fl, "hash_seed_mismatch") ? ", HASH SEEDS DIFFER" : "");
        printf("  %-20s %-10s %-18s %-20s\n", "MEMBER", "GENERATION", "CONFIG CHECKSUM",
               "HASH SEED");
        json_array_foreach(json_object_get(fl, "members"), i, v) {
            printf("  %-20s %-10lld %-18s %-20s%s\n", str(v, "instance"),
                   num(v, "config_generation"), str(v, "config_checksum"), str(v, "hash_seed"),
                   is_true(v, "self") ? " (this one)" : "");
        }
    }
    printf("\n%-20s %-5s %-5s %-11s %-8s %-8s %-6s %-6s %s\n", "DATACENTER", "IPV4", "IPV6",
           "ADMIN", "WEIGHT", "CONFIG", "UP", "UTIL", "SHED");
    json_array_foreach(json_object_get(j, CTL_API_KEY_DATACENTERS), i, v) {
        size_t k, up = 0, n = 0;
        json_t *r;
        json_array_foreach(json_object_get(v, CTL_API_KEY_RESOURCES), k, r) {
            n++;
            up += is_true(r, CTL_API_KEY_UP);
        }
        /* Live load: utilisation (STALE when the feed went quiet) and shed fraction. */
        char util[16] = "-", shed[16] = "-", upn[24];
        const json_t *st = json_object_get(v, CTL_API_KEY_STEERING);
        if (json_is_object(st)) {
            if (is_true(st, CTL_API_KEY_STALE)) {
                snprintf(util, sizeof(util), "STALE");
            } else {
                snprintf(util, sizeof(util), "%.2f",
                         json_number_value(json_object_get(st, CTL_API_KEY_UTILISATION)));
            }
            snprintf(shed, sizeof(shed), "%.0f%%",
                     100.0 * json_number_value(json_object_get(st, CTL_API_KEY_SHED_FRACTION)));
        }
        snprintf(upn, sizeof(upn), "%zu/%zu", up, n);
        printf("%-20s %-5s %-5s %-11s %-8lld %-8lld %-6s %-6s %s\n", str(v, CTL_API_KEY_NAME),
               updown(json_object_get(v, CTL_API_KEY_UP_IPV4)),
               updown(json_object_get(v, CTL_API_KEY_UP_IPV6)), str(v, CTL_API_KEY_ADMIN),
               num(v, CTL_API_KEY_EFFECTIVE_WEIGHT), num(v, CTL_API_KEY_CONFIGURED_WEIGHT), upn,
               util, shed);
    }
    printf("\n%-40s %-5s %-6s %-6s %-11s %s\n", "RESOURCE", "UP", "PROBE", "STATE", "ADMIN",
           "LAST RESULT");
    json_array_foreach(json_object_get(j, CTL_API_KEY_DATACENTERS), i, v) {
        size_t k;
        json_t *r;
        json_array_foreach(json_object_get(v, CTL_API_KEY_RESOURCES), k, r) {
            char name[128];
            snprintf(name, sizeof(name), "%s/%s", str(v, CTL_API_KEY_NAME),
                     str(r, CTL_API_KEY_ADDRESS));
            const json_t *p = json_object_get(r, CTL_API_KEY_PROBE);
            bool probed = strcmp(str(p, CTL_API_KEY_TYPE), CTL_API_PROBE_NONE) != 0;
            printf("%-40s %-5s %-6s %-6s %-11s %s\n", name,
                   is_true(r, CTL_API_KEY_UP) ? "yes" : "NO", str(p, CTL_API_KEY_TYPE),
                   probed ? updown(json_object_get(p, CTL_API_KEY_UP)) : "-",
                   str(r, CTL_API_KEY_ADMIN), probed ? str(p, CTL_API_KEY_LAST_RESULT) : "-");
        }
    }
}

/* DS records one per line, ready for the parent's zone or its registrar. */
static void print_ds(const json_t *j)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(j, CTL_API_KEY_DS), i, v) {
        printf("%s\n", json_string_value(v));
    }
}

static void print_explain(const json_t *j)
{
    printf("%s %s for %s (as the %s)\n", str(j, CTL_API_KEY_NAME), str(j, CTL_API_KEY_TYPE),
           str(j, CTL_API_KEY_CLIENT), str(j, CTL_API_KEY_CLIENT_AS));
    const json_t *d = json_object_get(j, CTL_API_KEY_DECISION);
    size_t i;
    json_t *v;
    if (json_is_object(d)) {
        printf("service: policy %s%s%s\n", str(d, CTL_API_KEY_POLICY),
               json_is_string(json_object_get(d, CTL_API_KEY_MAP)) ? ", map " : "",
               str(d, CTL_API_KEY_MAP));
        const json_t *g = json_object_get(d, CTL_API_KEY_GEOIP);
        if (json_is_object(g)) {
            printf("geoip: %s %s: %s %s %s %s\n", str(g, CTL_API_KEY_NETWORK),
                   is_true(g, CTL_API_KEY_FOUND) ? "found" : "not found",
                   str(g, CTL_API_KEY_CONTINENT), str(g, CTL_API_KEY_COUNTRY),
                   str(g, CTL_API_KEY_SUBDIVISION), str(g, CTL_API_KEY_CITY));
        } else {
            printf("geoip: not used\n");
        }
        const json_t *m = json_object_get(d, CTL_API_KEY_MATCH);
        if (json_is_object(m)) {
            printf("map rule: %s %s\n", str(m, CTL_API_KEY_RULE), str(m, CTL_API_KEY_KEY));
        }
        if (json_is_string(json_object_get(d, CTL_API_KEY_LEAF))) {
            printf("decision tree leaf: %s (every client in it gets these candidates)\n",
                   str(d, CTL_API_KEY_LEAF));
        }
        printf("candidates, in order:\n");
        json_array_foreach(json_object_get(d, CTL_API_KEY_CANDIDATES), i, v) {
            printf("  %lld. %-18s %-5s admin %-10s weight %lld (configured %lld)%s\n",
                   num(v, CTL_API_KEY_ORDER), str(v, CTL_API_KEY_DATACENTER),
                   is_true(v, CTL_API_KEY_UP) ? "up" : "DOWN", str(v, CTL_API_KEY_ADMIN),
                   num(v, CTL_API_KEY_EFFECTIVE_WEIGHT), num(v, CTL_API_KEY_CONFIGURED_WEIGHT),
                   is_true(v, CTL_API_KEY_CHOSEN) ? "  <- chosen" : "");
            const json_t *st = json_object_get(v, CTL_API_KEY_STEERING);
            if (json_is_object(st)) {
                const json_t *ld = json_object_get(st, CTL_API_KEY_LOAD);
                const json_t *age = json_object_get(st, CTL_API_KEY_FEED_AGE_S);
                printf("       load feed %s: load %s%g, utilisation %.2f (target %.2f), "
                       "age %s%.1f s%s, shed %.1f%%, spare %.0f\n",
                       str(st, CTL_API_KEY_FEED), json_is_number(ld) ? "" : "none ",
                       json_is_number(ld) ? json_number_value(ld) : 0.0,
                       json_number_value(json_object_get(st, CTL_API_KEY_UTILISATION)),
                       json_number_value(json_object_get(st, CTL_API_KEY_TARGET)),
                       json_is_number(age) ? "" : "never ",
                       json_is_number(age) ? json_number_value(age) : 0.0,
                       is_true(st, CTL_API_KEY_STALE) ? ", STALE" : "",
                       100.0 * json_number_value(json_object_get(st, CTL_API_KEY_SHED_FRACTION)),
                       json_number_value(json_object_get(st, CTL_API_KEY_SPARE)));
            }
            size_t k;
            json_t *a;
            json_array_foreach(json_object_get(v, CTL_API_KEY_ADDRESSES), k, a) {
                printf("       %-39s %-5s admin %-10s weight %lld\n", str(a, CTL_API_KEY_ADDRESS),
                       is_true(a, CTL_API_KEY_UP) ? "up" : "DOWN", str(a, CTL_API_KEY_ADMIN),
                       num(a, CTL_API_KEY_WEIGHT));
            }
        }
        json_array_foreach(json_object_get(d, CTL_API_KEY_LATENCY), i, v) {
            printf("%s %s %.1f ms", i == 0 ? "latency rows:" : ",", str(v, CTL_API_KEY_DATACENTER),
                   json_number_value(json_object_get(v, CTL_API_KEY_RTT_MS)));
        }
        if (json_array_size(json_object_get(d, CTL_API_KEY_LATENCY)) > 0) {
            printf("\n");
        }
        const json_t *h = json_object_get(d, CTL_API_KEY_HASH);
        if (json_is_object(h)) {
            printf("client hash: subnet /%lld, point %.4f (first candidate sheds %.1f%%)%s\n",
                   num(h, CTL_API_KEY_HASH_PREFIX),
                   json_number_value(json_object_get(h, CTL_API_KEY_HASH_POINT)),
                   100.0 * json_number_value(json_object_get(d, CTL_API_KEY_SHED_FRACTION)),
                   is_true(d, CTL_API_KEY_SHED) ? ": shed" : "");
        }
        printf("reason: %s\n", str(d, CTL_API_KEY_REASON));
        printf("decision: %s, ttl %lld, ECS scope /%lld%s%s%s:", str(d, CTL_API_KEY_TYPE),
               num(d, CTL_API_KEY_TTL), num(d, CTL_API_KEY_ECS_SCOPE),
               is_true(d, CTL_API_KEY_DEGRADED) ? ", degraded" : "",
               is_true(d, CTL_API_KEY_ALL_DOWN) ? ", all down" : "",
               is_true(d, CTL_API_KEY_FAIL_CLOSED) ? ", failed closed" : "");
        json_array_foreach(json_object_get(d, CTL_API_KEY_RECORDS), i, v) {
            printf(" %s", json_string_value(v));
        }
        printf("\n");
    }
    const json_t *r = json_object_get(j, CTL_API_KEY_RESPONSE);
    const json_t *scope = json_object_get(r, CTL_API_KEY_ECS_SCOPE);
    printf("response: %s%s%s", str(r, CTL_API_KEY_RCODE), is_true(r, CTL_API_KEY_AA) ? ", aa" : "",
           is_true(r, CTL_API_KEY_TC) ? ", tc" : "");
    if (json_is_integer(scope)) {
        printf(", ECS scope /%lld", (long long)json_integer_value(scope));
    }
    printf("\n");
    static const char *const sections[] = {CTL_API_KEY_ANSWER, CTL_API_KEY_AUTHORITY};
    for (size_t s = 0; s < sizeof(sections) / sizeof(sections[0]); s++) {
        json_array_foreach(json_object_get(r, sections[s]), i, v) {
            printf("  %s\n", json_string_value(v));
        }
    }
    printf("note: %s\n", str(j, CTL_API_KEY_NOTE));
}

static int show(const reply_t *r, bool as_json, void (*print)(const json_t *))
{
    json_error_t je;
    json_t *j = json_loadb(r->body, r->len, 0, &je);
    bool ok = r->code >= 200 && r->code < 300;
    if (as_json || j == NULL || print == NULL || !ok) {
        if (!ok && j != NULL && json_is_string(json_object_get(j, CTL_API_KEY_ERROR)) && !as_json) {
            fprintf(stderr, "gslbctl: %s (HTTP %d)\n", str(j, CTL_API_KEY_ERROR), r->code);
        } else {
            fwrite(r->body, 1, r->len, ok ? stdout : stderr);
        }
    } else {
        print(j);
    }
    json_decref(j);
    return ok ? 0 : 1;
}

static void print_reload(const json_t *j)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(j, CTL_API_KEY_MESSAGES), i, v) {
        printf("%s\n", json_string_value(v));
    }
    printf("reloaded: serving generation %lld\n", num(j, CTL_API_KEY_GENERATION));
}

static void print_action(const json_t *j)
{
    /* The member that names the target doubles as its label. */
    const char *what = json_is_string(json_object_get(j, CTL_API_KEY_DATACENTER))
                           ? CTL_API_KEY_DATACENTER
                           : CTL_API_KEY_RESOURCE;
    if (json_is_integer(json_object_get(j, CTL_API_KEY_WEIGHT))) {
        printf("%s %s: weight %lld\n", what, str(j, what), num(j, CTL_API_KEY_WEIGHT));
    } else if (json_is_number(json_object_get(j, CTL_API_KEY_LOAD))) {
        printf("%s %s: load %g\n", what, str(j, what),
               json_number_value(json_object_get(j, CTL_API_KEY_LOAD)));
    } else {
        printf("%s %s: admin %s\n", what, str(j, what), str(j, CTL_API_KEY_ADMIN));
    }
}

/* Is cmd one of the admin actions that take a TARGET (the command is the action's name)? */
static bool is_admin_action(const char *cmd)
{
    static const char *const actions[] = {
        CTL_API_ACTION_DRAIN,      CTL_API_ACTION_UNDRAIN, CTL_API_ACTION_FORCE_UP,
        CTL_API_ACTION_FORCE_DOWN, CTL_API_ACTION_CLEAR,
    };
    for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
        if (strcmp(cmd, actions[i]) == 0) {
            return true;
        }
    }
    return false;
}

/* The path of an admin action on TARGET ("dc" or "dc/address"). */
static char *action_path(const char *target, const char *action)
{
    const char *slash = strchr(target, '/');
    char *out;
    if (slash == NULL) {
        char *dc = enc(target);
        size_t n = strlen(dc) + strlen(action) + 32;
        out = malloc(n);
        snprintf(out, n, CTL_API_PATH_DATACENTERS "/%s/%s", dc, action);
        free(dc);
        return out;
    }
    char *dcraw = strndup(target, (size_t)(slash - target));
    char *dc = enc(dcraw);
    char *addr = enc(slash + 1);
    size_t n = strlen(dc) + strlen(addr) + strlen(action) + 32;
    out = malloc(n);
    snprintf(out, n, CTL_API_PATH_RESOURCES "/%s/%s/%s", dc, addr, action);
    free(dcraw);
    free(dc);
    free(addr);
    return out;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"server", required_argument, NULL, 's'}, {"token", required_argument, NULL, 't'},
        {"token-file", required_argument, NULL, 'T'}, {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},         {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    const char *server = DEFAULT_SERVER;
    char *token = NULL;
    bool as_json = false;
    int c;
    while ((c = getopt_long(argc, argv, "s:t:T:jhV", opts, NULL)) != -1) {
        switch (c) {
        case 's': server = optarg; break;
        case 't': free(token); token = strdup(optarg); break;
        case 'T':
            free(token);
            if ((token = token_from_file(optarg)) == NULL) {
                return 2;
            }
            break;
        case 'j': as_json = true; break;
        case 'h': usage(stdout); return 0;
        case 'V': printf("gslbctl %s\n", PACKAGE_VERSION); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (token == NULL && getenv("GSLBCTL_TOKEN") != NULL) {
        token = strdup(getenv("GSLBCTL_TOKEN"));
    }
    int nargs = argc - optind;
    char **args = argv + optind;
    if (nargs < 1) {
        usage(stderr);
        return 2;
    }
    const char *cmd = args[0];
    reply_t r;
    int rc = 2;
    char *path = NULL;
    if (strcmp(cmd, "status") == 0 && nargs == 1) {
        rc = request(server, token, EVHTTP_REQ_GET, CTL_API_PATH_STATUS, &r)
                 ? 1
                 : show(&r, as_json, print_status);
    } else if (strcmp(cmd, "metrics") == 0 && nargs == 1) {
        rc = request(server, token, EVHTTP_REQ_GET, CTL_API_PATH_METRICS, &r)
                 ? 1
                 : show(&r, true, NULL);
    } else if (strcmp(cmd, "explain") == 0 && (nargs == 3 || nargs == 4)) {
        char *n = enc(args[1]), *cl = enc(args[2]);
        char *t = enc(nargs == 4 ? args[3] : CTL_API_EXPLAIN_DEFAULT_TYPE);
        size_t len = strlen(n) + strlen(cl) + strlen(t) + 64;
        path = malloc(len);
        snprintf(path, len,
                 CTL_API_PATH_EXPLAIN "?" CTL_API_PARAM_NAME "=%s"
                 "&" CTL_API_PARAM_CLIENT "=%s"
                 "&" CTL_API_PARAM_TYPE "=%s",
                 n, cl, t);
        free(n);
        free(cl);
        free(t);
        rc = request(server, token, EVHTTP_REQ_GET, path, &r)
                 ? 1
                 : show(&r, as_json, print_explain);
    } else if (strcmp(cmd, "ds") == 0 && nargs == 2) {
        char *z = enc(args[1]);
        size_t len = strlen(z) + sizeof(CTL_API_PATH_DS) + 2;
        path = malloc(len);
        snprintf(path, len, CTL_API_PATH_DS "/%s", z);
        free(z);
        rc = request(server, token, EVHTTP_REQ_GET, path, &r)
                 ? 1
                 : show(&r, as_json, print_ds);
    } else if (strcmp(cmd, "reload") == 0 && nargs == 1) {
        if (request(server, token, EVHTTP_REQ_POST, CTL_API_PATH_RELOAD, &r) != 0) {
            rc = 1;
        } else if (r.code == CTL_API_STATUS_RELOAD_FAILED && !as_json) {
            /* Every error, in compiler format, where editors and scripts look for them. */
            json_t *j = json_loadb(r.body, r.len, 0, NULL);
            size_t i;
            json_t *v;
            json_array_foreach(json_object_get(j, CTL_API_KEY_MESSAGES), i, v) {
                fprintf(stderr, "%s\n", json_string_value(v));
            }
            fprintf(stderr, "gslbctl: reload failed; gslbd still serves generation %lld\n",
                    num(j, CTL_API_KEY_GENERATION));
            json_decref(j);
            rc = 1;
        } else {
            rc = show(&r, as_json, print_reload);
        }
    } else if (strcmp(cmd, CTL_API_ACTION_WEIGHT) == 0 && nargs == 3 &&
               strchr(args[1], '/') == NULL) {
        char *base = action_path(args[1], CTL_API_ACTION_WEIGHT);
        bool is_reset = strcmp(args[2], "reset") == 0;
        size_t len = strlen(base) + strlen(args[2]) + 16;
        path = malloc(len);
        if (strspn(args[2], "0123456789") != strlen(args[2]) && !is_reset) {
            fprintf(stderr, "gslbctl: weight must be a number or 'reset'\n");
            free(base);
            free(path);
            free(token);
            return 2;
        }
        /* Without a value the server goes back to the configured weight. */
        snprintf(path, len, "%s%s%s", base, is_reset ? "" : "?" CTL_API_PARAM_VALUE "=",
                 is_reset ? "" : args[2]);
        free(base);
        rc = request(server, token, EVHTTP_REQ_POST, path, &r)
                 ? 1
                 : show(&r, as_json, print_action);
    } else if (strcmp(cmd, CTL_API_ACTION_LOAD) == 0 && nargs == 3 &&
               strchr(args[1], '/') == NULL) {
        char *end;
        double v = strtod(args[2], &end);
        if (*args[2] == '\0' || *end != '\0' || !(v >= 0)) {
            fprintf(stderr, "gslbctl: load must be a number >= 0\n");
            free(token);
            return 2;
        }
        char *base = action_path(args[1], CTL_API_ACTION_LOAD);
        size_t len = strlen(base) + strlen(args[2]) + 16;
        path = malloc(len);
        snprintf(path, len, "%s?" CTL_API_PARAM_VALUE "=%s", base, args[2]);
        free(base);
        rc = request(server, token, EVHTTP_REQ_POST, path, &r)
                 ? 1
                 : show(&r, as_json, print_action);
    } else if (nargs == 2 && is_admin_action(cmd)) {
        path = action_path(args[1], cmd);
        rc = request(server, token, EVHTTP_REQ_POST, path, &r)
                 ? 1
                 : show(&r, as_json, print_action);
    } else {
        usage(stderr);
        free(token);
        return 2;
    }
    if (rc != 2) {
        free(r.body);
    }
    free(path);
    free(token);
    return rc;
}
