/* ctl: GET /metrics — collecting the counters and writing the Prometheus text format. */
#include "config.h"

#include "ctl_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *ctl_rcode_name(unsigned rcode, char *buf, size_t len)
{
    static const char *const names[] = {
        "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
        "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE",
    };
    if (rcode < GSLB_ARRAY_LEN(names)) {
        return names[rcode];
    }
    if (rcode == 16) {
        return "BADVERS"; /* RFC 6891 extended RCODE */
    }
    snprintf(buf, len, "%u", rcode);
    return buf;
}

static void help(ctl_buf_t *b, const char *name, const char *type, const char *text)
{
    ctl_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, text, name, type);
}

/* A metric without labels: its HELP and TYPE lines, then its one sample. */
static void single(ctl_buf_t *b, const char *name, const char *type, const char *text,
                   uint64_t value)
{
    help(b, name, type, text);
    ctl_buf_printf(b, "%s %llu\n", name, (unsigned long long)value);
}

/* The fleet: where shared state comes from, and the traffic to etcd. */
static void fleet_metrics(const ctl_metrics_input_t *in, ctl_buf_t *b)
{
    const fleet_stats_t *f = &in->fleet;
    help(b, "gslbd_fleet_mode", "gauge",
         "Where shared state comes from: 1 for the mode in the label (shared: etcd in contact; "
         "grace: etcd unreachable, last shared state kept; local: own probes and overrides).");
    for (int m = FLEET_MODE_LOCAL; m <= FLEET_MODE_GRACE; m++) {
        ctl_buf_printf(b, "gslbd_fleet_mode{mode=\"%s\"} %d\n", fleet_mode_name((fleet_mode_t)m),
                       f->mode == (fleet_mode_t)m ? 1 : 0);
    }
    help(b, "gslbd_fleet_etcd_reachable", "gauge", "1 while etcd answers (mode shared).");
    ctl_buf_printf(b, "gslbd_fleet_etcd_reachable %d\n", f->mode == FLEET_MODE_SHARED ? 1 : 0);
    help(b, "gslbd_fleet_members", "gauge", "Live instances of the fleet seen in etcd.");
    ctl_buf_printf(b, "gslbd_fleet_members %zu\n", f->members);
    single(b, "gslbd_fleet_etcd_requests_total", "counter",
           "HTTP requests to etcd.", f->requests);
    single(b, "gslbd_fleet_etcd_failures_total", "counter",
           "Requests to etcd that failed (no answer, an error, or a refusal).", f->failures);
    single(b, "gslbd_fleet_etcd_writes_total", "counter",
           "Writes asked of etcd: transactions, puts and lease grants (each one Raft entry).",
           f->writes);
    single(b, "gslbd_fleet_keepalives_total", "counter",
           "Lease keep-alives etcd answered.", f->keepalives);
    single(b, "gslbd_fleet_verdicts_published_total", "counter",
           "Verdict changes of this instance written to etcd.", f->verdicts_published);
}

static void labelled(ctl_buf_t *b, const char *name, const char *label, const char *value,
                     uint64_t n)
{
    ctl_buf_printf(b, "%s{%s=\"", name, label);
    ctl_buf_label(b, value);
    ctl_buf_printf(b, "\"} %llu\n", (unsigned long long)n);
}

static void queries(const ctl_metrics_input_t *in, ctl_buf_t *b)
{
    static const char *const transports[2] = {"udp", "tcp"};
    help(b, "gslbd_queries_total", "counter", "Queries with a question, by transport and QTYPE.");
    for (int t = 0; t < 2; t++) {
        for (int c = 0; c < QUERY_QT_COUNT; c++) {
            ctl_buf_printf(b, "gslbd_queries_total{transport=\"%s\",qtype=\"%s\"} %llu\n",
                           transports[t], query_qtype_class_name((query_qtype_class_t)c),
                           (unsigned long long)in->q.qtypes[t][c]);
        }
    }
    help(b, "gslbd_packets_received_total", "counter",
         "DNS messages received, malformed ones included, by transport.");
    for (int t = 0; t < 2; t++) {
        ctl_buf_printf(b, "gslbd_packets_received_total{transport=\"%s\"} %llu\n", transports[t],
                       (unsigned long long)in->q.queries[t]);
    }
    help(b, "gslbd_responses_total", "counter", "Responses by transport and RCODE.");
    for (unsigned r = 0; r < QUERY_RCODES; r++) {
        uint64_t tcp = in->q.tcp_rcodes[r];
        uint64_t udp = in->q.rcodes[r] >= tcp ? in->q.rcodes[r] - tcp : 0;
        bool is_common = r <= 5;
        if (!is_common && udp == 0 && tcp == 0) {
            continue; /* rare RCODEs appear once they happen */
        }
        char nb[16];
        const char *name = ctl_rcode_name(r, nb, sizeof(nb));
        ctl_buf_printf(b, "gslbd_responses_total{transport=\"udp\",rcode=\"%s\"} %llu\n", name,
                       (unsigned long long)udp);
        ctl_buf_printf(b, "gslbd_responses_total{transport=\"tcp\",rcode=\"%s\"} %llu\n", name,
                       (unsigned long long)tcp);
    }
    single(b, "gslbd_truncated_responses_total", "counter",
           "Responses sent with TC=1.", in->q.truncated);
    single(b, "gslbd_dropped_total", "counter",
           "Malformed or unanswerable messages dropped without a response.", in->q.dropped);
    help(b, "gslbd_ecs_queries_total", "counter",
         "Answered queries by presence of an EDNS Client Subnet option.");
    ctl_buf_printf(b, "gslbd_ecs_queries_total{ecs=\"absent\"} %llu\n",
                   (unsigned long long)in->q.ecs[0]);
    ctl_buf_printf(b, "gslbd_ecs_queries_total{ecs=\"present\"} %llu\n",
                   (unsigned long long)in->q.ecs[1]);
    help(b, "gslbd_rrl_limited_total", "counter",
         "UDP responses held back by rate limiting (slipped or dropped), by response class.");
    for (int c = 0; c < RRL_CLASS_COUNT; c++) {
        labelled(b, "gslbd_rrl_limited_total", "class", rrl_class_name((rrl_class_t)c),
                 in->q.rrl_limited[c]);
    }
    single(b, "gslbd_rrl_slipped_total", "counter",
           "Rate-limited responses sent truncated (TC=1) or as BADCOOKIE instead of dropped.",
           in->q.rrl_slipped);
    help(b, "gslbd_dnssec_signatures_total", "counter",
         "RRSIGs of answers made per query (steered, wildcard, denial): from the worker's "
         "signature cache, copied from those signed at load, or signed for the query.");
    labelled(b, "gslbd_dnssec_signatures_total", "source", "cache", in->q.signatures[0]);
    labelled(b, "gslbd_dnssec_signatures_total", "source", "presigned", in->q.signatures[1]);
    labelled(b, "gslbd_dnssec_signatures_total", "source", "signed", in->q.signatures[2]);
    single(b, "gslbd_dnssec_sign_failures_total", "counter",
           "Online signatures that could not be made (the answer went out unsigned).",
           in->q.sign_failures);
    help(b, "gslbd_cookie_queries_total", "counter",
         "Queries with a DNS COOKIE option, by what it held (RFC 7873).");
    for (int k = QUERY_COOKIE_CLIENT_ONLY; k <= QUERY_COOKIE_INVALID; k++) {
        labelled(b, "gslbd_cookie_queries_total", "cookie", query_cookie_name((query_cookie_t)k),
                 in->q.cookies[k - 1]);
    }
}

static void answers(const ctl_metrics_input_t *in, ctl_buf_t *b)
{
    help(b, "gslbd_service_answers_total", "counter", "Answers chosen by a service policy.");
    for (size_t i = 0; i < in->services->count; i++) {
        if (i > 0 || in->q.service_answers[0] > 0) {
            labelled(b, "gslbd_service_answers_total", "service", in->services->names[i],
                     in->q.service_answers[i]);
        }
    }
    help(b, "gslbd_service_all_down_answers_total", "counter",
         "Answers given while every data center of the service was down (its fail mode decided).");
    for (size_t i = 0; i < in->services->count; i++) {
        if (i > 0 || in->q.service_all_down[0] > 0) {
            labelled(b, "gslbd_service_all_down_answers_total", "service",
                     in->services->names[i], in->q.service_all_down[i]);
        }
    }
    help(b, "gslbd_datacenter_answers_total", "counter",
         "Service answers a data center contributed records to.");
    for (size_t i = 0; i < in->datacenters->count; i++) {
        if (i > 0 || in->q.dc_answers[0] > 0) {
            labelled(b, "gslbd_datacenter_answers_total", "datacenter",
                     in->datacenters->names[i], in->q.dc_answers[i]);
        }
    }
    help(b, "gslbd_client_continent_answers_total", "counter",
         "Service answers by the continent the client was located in.");
    for (unsigned i = 0; i < QUERY_STATS_CONTINENTS; i++) {
        labelled(b, "gslbd_client_continent_answers_total", "continent", geo_continent_name(i),
                 in->q.continent_answers[i]);
    }
    /* Continent x data center grows as their product: only the pairs that happened. */
    help(b, "gslbd_client_continent_datacenter_answers_total", "counter",
         "Service answers a data center contributed records to, by the client's continent.");
    for (unsigned i = 0; i < QUERY_STATS_CONTINENTS; i++) {
        for (size_t d = 0; d < in->datacenters->count; d++) {
            uint64_t n = in->q.continent_dc_answers[i][d];
            if (n == 0) {
                continue;
            }
            ctl_buf_printf(b, "gslbd_client_continent_datacenter_answers_total{continent=\"%s\","
                              "datacenter=\"",
                           geo_continent_name(i));
            ctl_buf_label(b, in->datacenters->names[d]);
            ctl_buf_printf(b, "\"} %llu\n", (unsigned long long)n);
        }
    }
}

static void resource_labels(ctl_buf_t *b, const char *name, const ctl_metrics_resource_t *r)
{
    ctl_buf_printf(b, "%s{datacenter=\"", name);
    ctl_buf_label(b, r->datacenter);
    ctl_buf_printf(b, "\",address=\"%s\",probe=\"%s\"}", r->address, r->probe);
}

static void health(const ctl_metrics_input_t *in, ctl_buf_t *b)
{
    help(b, "gslbd_resource_probe_up", "gauge",
         "Probe state of each resource before overrides (1 up, 0 down; always 1 unprobed).");
    for (size_t i = 0; i < in->res_count; i++) {
        resource_labels(b, "gslbd_resource_probe_up", &in->res[i]);
        ctl_buf_printf(b, " %d\n", in->res[i].is_probe_up ? 1 : 0);
    }
    help(b, "gslbd_resource_up", "gauge",
         "Whether each resource is handed out now (probe state with admin overrides).");
    for (size_t i = 0; i < in->res_count; i++) {
        resource_labels(b, "gslbd_resource_up", &in->res[i]);
        ctl_buf_printf(b, " %d\n", in->res[i].is_up ? 1 : 0);
    }
    help(b, "gslbd_resource_admin_override", "gauge",
         "Admin override in force on a resource (1 for the one that applies).");
    for (size_t i = 0; i < in->res_count; i++) {
        if (in->res[i].admin == HEALTH_ADMIN_NONE) {
            continue;
        }
        ctl_buf_printf(b, "gslbd_resource_admin_override{datacenter=\"");
        ctl_buf_label(b, in->res[i].datacenter);
        ctl_buf_printf(b, "\",address=\"%s\",override=\"%s\"} 1\n", in->res[i].address,
                       health_admin_name(in->res[i].admin));
    }
    if (!in->has_health) {
        return;
    }
    const health_stats_t *h = &in->health;
    help(b, "gslbd_probe_latency_seconds", "histogram",
         "Time each finished probe took (failures included; a timeout counts as its timeout).");
    uint64_t cum = 0;
    for (size_t i = 0; i < HEALTH_LATENCY_BUCKETS; i++) {
        cum += h->latency_count[i];
        if (i + 1 < HEALTH_LATENCY_BUCKETS) {
            ctl_buf_printf(b, "gslbd_probe_latency_seconds_bucket{le=\"%g\"} %llu\n",
                           health_latency_bounds_ms[i] / 1000.0, (unsigned long long)cum);
        } else {
            ctl_buf_printf(b, "gslbd_probe_latency_seconds_bucket{le=\"+Inf\"} %llu\n",
                           (unsigned long long)cum);
        }
    }
    ctl_buf_printf(b, "gslbd_probe_latency_seconds_sum %.6f\n", h->latency_sum_s);
    ctl_buf_printf(b, "gslbd_probe_latency_seconds_count %llu\n", (unsigned long long)cum);
    help(b, "gslbd_probe_failures_total", "counter", "Failed probes by reason.");
    for (int r = 1; r < HEALTH_REASON_COUNT; r++) {
        labelled(b, "gslbd_probe_failures_total", "reason",
                 health_reason_name((health_reason_t)r), h->failures[r]);
    }
    single(b, "gslbd_probes_total", "counter",
           "Probes finished.", h->probes);
    single(b, "gslbd_probe_state_changes_total", "counter",
           "Probe up/down transitions.", h->state_changes);
}

static void datacenters(const ctl_metrics_input_t *in, ctl_buf_t *b)
{
    static const char *const fams[2] = {"ipv4", "ipv6"};
    help(b, "gslbd_datacenter_up", "gauge",
         "Whether a data center counts as up for answers of an address family.");
    for (size_t i = 0; i < in->dc_count; i++) {
        const ctl_metrics_dc_t *d = &in->dcs[i];
        int st[2] = {d->is_up_v4, d->is_up_v6};
        for (int f = 0; f < 2; f++) {
            if (st[f] < 0) {
                continue;
            }
            ctl_buf_printf(b, "gslbd_datacenter_up{datacenter=\"");
            ctl_buf_label(b, d->name);
            ctl_buf_printf(b, "\",family=\"%s\"} %d\n", fams[f], st[f]);
        }
    }
    help(b, "gslbd_datacenter_admin_override", "gauge",
         "Admin override in force on a data center (1 for the one that applies).");
    for (size_t i = 0; i < in->dc_count; i++) {
        if (in->dcs[i].admin != HEALTH_ADMIN_NONE) {
            ctl_buf_printf(b, "gslbd_datacenter_admin_override{datacenter=\"");
            ctl_buf_label(b, in->dcs[i].name);
            ctl_buf_printf(b, "\",override=\"%s\"} 1\n", health_admin_name(in->dcs[i].admin));
        }
    }
    help(b, "gslbd_datacenter_configured_weight", "gauge",
         "Capacity weight of a data center in the configuration.");
    for (size_t i = 0; i < in->dc_count; i++) {
        labelled(b, "gslbd_datacenter_configured_weight", "datacenter", in->dcs[i].name,
                 in->dcs[i].conf_weight);
    }
    help(b, "gslbd_datacenter_effective_weight", "gauge",
         "Capacity weight the policy uses now (configured, or set at run time).");
    for (size_t i = 0; i < in->dc_count; i++) {
        labelled(b, "gslbd_datacenter_effective_weight", "datacenter", in->dcs[i].name,
                 in->dcs[i].weight);
    }
}

/* Dynamic steering: live load per data center and answers by reason. */
static void steering(const ctl_metrics_input_t *in, ctl_buf_t *b)
{
    static const struct {
        const char *name, *help;
    } gauges[] = {
        {"gslbd_datacenter_load", "Last load figure of a data center's feed (in its unit)."},
        {"gslbd_datacenter_utilisation", "Utilisation the policy uses (target while stale)."},
        {"gslbd_datacenter_load_feed_age_seconds", "Age of the last load figure."},
        {"gslbd_datacenter_load_feed_stale", "1 while the load feed is stale."},
        {"gslbd_datacenter_shed_fraction", "Share of its clients a data center sheds (0..1)."},
        {"gslbd_datacenter_spare_capacity", "Capacity x (target - utilisation), at least 0."},
        {"gslbd_datacenter_load_feed_stale_total", "Times the load feed became stale."},
    };
    for (size_t g = 0; g < GSLB_ARRAY_LEN(gauges); g++) {
        help(b, gauges[g].name, g + 1 == GSLB_ARRAY_LEN(gauges) ? "counter" : "gauge",
             gauges[g].help);
        for (size_t i = 0; i < in->dc_count; i++) {
            const ctl_metrics_dc_t *d = &in->dcs[i];
            if (!d->has_load) {
                continue;
            }
            double v[] = {d->load.load,
                          d->load.util,
                          d->load.age_s,
                          d->load.is_stale ? 1 : 0,
                          d->load.shed,
                          d->spare,
                          (double)d->load.stale_events};
            if (!isfinite(v[g])) {
                continue; /* no figure yet */
            }
            ctl_buf_printf(b, "%s{datacenter=\"", gauges[g].name);
            ctl_buf_label(b, d->name);
            ctl_buf_printf(b, "\"} %.6g\n", v[g]);
        }
    }
    help(b, "gslbd_datacenter_answers_by_reason_total", "counter",
         "Service answers by their first data center and why it was chosen.");
    for (size_t i = 0; i < in->datacenters->count && i < QUERY_STATS_DATACENTERS; i++) {
        for (int r = 0; r < POLICY_REASON_COUNT; r++) {
            uint64_t n = in->q.reason_answers[i][r];
            if (n == 0) {
                continue;
            }
            ctl_buf_printf(b, "gslbd_datacenter_answers_by_reason_total{datacenter=\"");
            ctl_buf_label(b, in->datacenters->names[i]);
            ctl_buf_printf(b, "\",reason=\"%s\"} %llu\n", policy_reason_name((policy_reason_t)r),
                           (unsigned long long)n);
        }
    }
}

static void process(const ctl_metrics_input_t *in, ctl_buf_t *b)
{
    help(b, "gslbd_build_info", "gauge", "Version of the running gslbd.");
    ctl_buf_printf(b, "gslbd_build_info{version=\"");
    ctl_buf_label(b, in->version);
    ctl_buf_printf(b, "\"} 1\n");
    single(b, "gslbd_config_generation", "gauge",
           "Generation of the serving snapshot.", in->generation);
    help(b, "gslbd_config_loaded_timestamp_seconds", "gauge",
         "When the serving snapshot was loaded (Unix time).");
    ctl_buf_printf(b, "gslbd_config_loaded_timestamp_seconds %.0f\n", in->loaded_at_s);
    single(b, "gslbd_reloads_total", "counter",
           "Successful reloads.", in->reloads);
    single(b, "gslbd_reload_failures_total", "counter",
           "Reloads that failed (the previous snapshot kept serving).", in->reload_failures);
    help(b, "gslbd_last_reload_success_timestamp_seconds", "gauge",
         "When the last successful reload (or the start) finished (Unix time).");
    ctl_buf_printf(b, "gslbd_last_reload_success_timestamp_seconds %.3f\n",
                   in->last_reload_success_s);
    /* Above the success time while the configuration on disk cannot be loaded. */
    help(b, "gslbd_last_reload_failure_timestamp_seconds", "gauge",
         "When the last failed reload finished (Unix time; 0 = none since the start).");
    ctl_buf_printf(b, "gslbd_last_reload_failure_timestamp_seconds %.3f\n",
                   in->last_reload_failure_s);
    help(b, "gslbd_state_file_recovered", "gauge",
         "1 when the state file was damaged at start and the overrides came from its "
         "previous copy.");
    ctl_buf_printf(b, "gslbd_state_file_recovered %d\n", in->state_file_recovered ? 1 : 0);
    help(b, "gslbd_state_file_damaged", "gauge",
         "1 when the state file and its previous copy were both damaged at start: "
         "no saved overrides apply.");
    ctl_buf_printf(b, "gslbd_state_file_damaged %d\n", in->state_file_damaged ? 1 : 0);
    if (in->has_fleet) {
        fleet_metrics(in, b);
    }
    if (!in->has_server) {
        return;
    }
    const server_stats_t *s = &in->srv;
    single(b, "gslbd_udp_send_dropped_total", "counter",
           "UDP responses not sent (socket buffer full or send error).", s->udp_send_dropped);
    single(b, "gslbd_udp_oversized_dropped_total", "counter",
           "UDP datagrams dropped for being larger than the receive buffer.", s->udp_truncated);
    single(b, "gslbd_tcp_connections_total", "counter",
           "TCP connections accepted.", s->tcp_accepted);
    single(b, "gslbd_tcp_connections_rejected_total", "counter",
           "TCP connections closed at once for being over tcp_max_connections.", s->tcp_rejected);
    single(b, "gslbd_tcp_connections_prefix_rejected_total", "counter",
           "TCP connections closed at once: their client network (/24, /56) had "
           "tcp_max_connections_per_prefix open.", s->tcp_prefix_rejected);
    single(b, "gslbd_tcp_connections_evicted_total", "counter",
           "Idle TCP connections closed to admit a new client when every slot was taken.",
           s->tcp_evicted);
    single(b, "gslbd_tcp_connections_open", "gauge",
           "TCP connections open now.", s->tcp_open);
}

void ctl_metrics_format(const ctl_metrics_input_t *in, ctl_buf_t *b)
{
    process(in, b);
    queries(in, b);
    answers(in, b);
    datacenters(in, b);
    steering(in, b);
    health(in, b);
}

/* Relaxed loads of counters that their worker writes with plain increments:
 * a value may be a little stale, never torn (64-bit aligned loads). */
static uint64_t load(const uint64_t *p)
{
    return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static void sum_workers(const ctl_t *c, query_stats_t *out)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < c->worker_count; i++) {
        const query_worker_t *w = atomic_load_explicit(&c->workers[i], memory_order_acquire);
        if (w == NULL) {
            continue;
        }
        const uint64_t *src = (const uint64_t *)&w->stats;
        uint64_t *dst = (uint64_t *)out;
        /* query_stats_t is made only of uint64_t counters. */
        for (size_t k = 0; k < sizeof(*out) / sizeof(uint64_t); k++) {
            dst[k] += load(&src[k]);
        }
    }
}

void ctl_metrics_collect(ctl_t *c, const snapshot_t *s, ctl_buf_t *b)
{
    const policy_t *p = s->policy;
    ctl_metrics_input_t in = {.version = PACKAGE_VERSION};
    sum_workers(c, &in.q);
    if (c->server != NULL) {
        in.has_server = true;
        server_stats_get(c->server, &in.srv);
    }
    in.has_health = health_stats_get(c->health, &in.health) == 0;
    size_t ndc = policy_datacenter_count(p);
    size_t nres = policy_resource_count(p);
    ctl_metrics_dc_t *dcs = xcalloc(ndc ? ndc : 1, sizeof(*dcs));
    ctl_metrics_resource_t *res = xcalloc(nres ? nres : 1, sizeof(*res));
    for (uint32_t d = 0; d < ndc; d++) {
        dcs[d].name = policy_datacenter_name(p, d);
        dcs[d].is_up_v4 = policy_datacenter_health(p, d, false);
        dcs[d].is_up_v6 = policy_datacenter_health(p, d, true);
        dcs[d].admin = policy_datacenter_admin(p, d);
        dcs[d].conf_weight = policy_datacenter_conf_weight(p, d);
        dcs[d].weight = policy_datacenter_weight(p, d);
        uint32_t ls = policy_datacenter_load_slot(p, d);
        dcs[d].has_load = ls != STEER_SLOT_NONE && steer_slot_info(c->steer, ls, &dcs[d].load) == 0;
        dcs[d].spare = policy_datacenter_spare(p, d);
    }
    for (size_t i = 0; i < nres; i++) {
        const conf_address_t *a = policy_resource_address(p, i);
        res[i].datacenter = policy_datacenter_name(p, policy_resource_dc(p, i));
        gslb_addr_format(&a->addr, res[i].address, sizeof(res[i].address));
        health_slot_info_t info;
        uint32_t slot = policy_resource_slot(p, i);
        bool has_probe = slot != HEALTH_SLOT_NONE && health_slot_info(c->health, slot, &info) == 0;
        res[i].probe = has_probe ? health_probe_type_name(info.type) : "none";
        res[i].is_probe_up = has_probe ? info.is_up : true;
        res[i].is_up = policy_resource_is_up(p, i);
        res[i].admin = policy_resource_admin(p, i);
    }
    in.dcs = dcs;
    in.dc_count = ndc;
    in.res = res;
    in.res_count = nres;
    in.generation = s->generation;
    in.loaded_at_s = (double)s->loaded_at;
    pthread_mutex_lock(&c->mu);
    in.services = &c->service_names;
    in.datacenters = &c->dc_names;
    in.reloads = c->reloads;
    in.reload_failures = c->reload_failures;
    in.last_reload_success_s = c->last_reload_success_s;
    in.last_reload_failure_s = c->last_reload_failure_s;
    in.state_file_recovered = c->state_load.is_recovered;
    in.state_file_damaged = c->state_load.is_damaged;
    if (c->fleet != NULL) {
        in.has_fleet = true;
        fleet_stats_get(c->fleet, &in.fleet);
    }
    ctl_metrics_format(&in, b);
    pthread_mutex_unlock(&c->mu);
    free(dcs);
    free(res);
}
