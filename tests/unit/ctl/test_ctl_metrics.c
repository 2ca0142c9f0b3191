/* Unit tests for the Prometheus text written by ctl_metrics_format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "ctl_int.h"

typedef struct fixture {
    ctl_metrics_input_t in;
    ctl_names_t services, dcs;
    ctl_metrics_dc_t dc[1];
    ctl_metrics_resource_t res[1];
    ctl_buf_t out;
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    ctl_names_init(&f->services, QUERY_STATS_SERVICES);
    ctl_names_init(&f->dcs, QUERY_STATS_DATACENTERS);
    uint16_t sid = ctl_names_id(&f->services, "www.example.com.");
    uint16_t did = ctl_names_id(&f->dcs, "eu\"west");
    f->in.version = "1.2.3";
    f->in.services = &f->services;
    f->in.datacenters = &f->dcs;
    f->in.q.qtypes[0][QUERY_QT_AAAA] = 7;
    f->in.q.rcodes[3] = 5;
    f->in.q.tcp_rcodes[3] = 2;
    f->in.q.service_answers[sid] = 11;
    f->in.q.dc_answers[did] = 9;
    f->in.q.continent_dc_answers[geo_continent_index("EU")][did] = 6;
    f->in.q.continent_dc_answers[geo_continent_index("NA")][did] = 3;
    f->in.has_health = true;
    f->in.health.latency_count[0] = 1; /* <= 1 ms */
    f->in.health.latency_count[2] = 2; /* <= 5 ms */
    f->in.health.latency_count[HEALTH_LATENCY_BUCKETS - 1] = 1;
    f->in.health.latency_sum_s = 6.5;
    f->dc[0] = (ctl_metrics_dc_t){.name = "eu\"west", .is_up_v4 = 1, .is_up_v6 = -1,
                                  .admin = HEALTH_ADMIN_DRAIN, .conf_weight = 100, .weight = 40};
    f->res[0] = (ctl_metrics_resource_t){.datacenter = "eu\"west", .address = "192.0.2.1",
                                         .probe = "http", .is_probe_up = true};
    f->in.dcs = f->dc;
    f->in.dc_count = 1;
    f->in.res = f->res;
    f->in.res_count = 1;
    f->in.state_file_recovered = true;
    f->in.last_reload_success_s = 1700000000.0;
    f->in.last_reload_failure_s = 1700000060.5;
    ctl_metrics_format(&f->in, &f->out);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    ctl_names_free(&f->services);
    ctl_names_free(&f->dcs);
    ctl_buf_free(&f->out);
    free(f);
    return 0;
}

static void assert_line(const fixture_t *f, const char *line)
{
    char *want = malloc(strlen(line) + 3);
    strcpy(want, "\n");
    strcat(want, line);
    strcat(want, "\n");
    if (strstr(f->out.data, want) == NULL) {
        fail_msg("missing line: %s\n%s", line, f->out.data);
    }
    free(want);
}

static void test_metrics_queries_by_transport_and_qtype(void **state)
{
    assert_line(*state, "gslbd_queries_total{transport=\"udp\",qtype=\"AAAA\"} 7");
    assert_line(*state, "gslbd_queries_total{transport=\"tcp\",qtype=\"other\"} 0");
}

static void test_metrics_responses_split_udp_and_tcp(void **state)
{
    assert_line(*state, "gslbd_responses_total{transport=\"udp\",rcode=\"NXDOMAIN\"} 3");
    assert_line(*state, "gslbd_responses_total{transport=\"tcp\",rcode=\"NXDOMAIN\"} 2");
}

static void test_metrics_label_values_are_escaped(void **state)
{
    assert_line(*state, "gslbd_datacenter_answers_total{datacenter=\"eu\\\"west\"} 9");
    assert_line(*state, "gslbd_service_answers_total{service=\"www.example.com.\"} 11");
}

static void test_metrics_continent_to_datacenter_only_pairs_seen(void **state)
{
    const fixture_t *f = *state;
    assert_line(f, "gslbd_client_continent_datacenter_answers_total{continent=\"EU\","
                   "datacenter=\"eu\\\"west\"} 6");
    assert_line(f, "gslbd_client_continent_datacenter_answers_total{continent=\"NA\","
                   "datacenter=\"eu\\\"west\"} 3");
    assert_null(strstr(f->out.data, "continent_datacenter_answers_total{continent=\"AS\""));
}

static void test_metrics_reload_success_and_failure_times(void **state)
{
    assert_line(*state, "gslbd_last_reload_success_timestamp_seconds 1700000000.000");
    assert_line(*state, "gslbd_last_reload_failure_timestamp_seconds 1700000060.500");
}

static void test_metrics_histogram_is_cumulative(void **state)
{
    assert_line(*state, "gslbd_probe_latency_seconds_bucket{le=\"0.001\"} 1");
    assert_line(*state, "gslbd_probe_latency_seconds_bucket{le=\"0.002\"} 1");
    assert_line(*state, "gslbd_probe_latency_seconds_bucket{le=\"0.005\"} 3");
    assert_line(*state, "gslbd_probe_latency_seconds_bucket{le=\"+Inf\"} 4");
    assert_line(*state, "gslbd_probe_latency_seconds_count 4");
}

static void test_metrics_state_file_recovery(void **state)
{
    assert_line(*state, "gslbd_state_file_recovered 1");
    assert_line(*state, "gslbd_state_file_damaged 0");
}

static void test_metrics_datacenter_state_and_weights(void **state)
{
    assert_line(*state, "gslbd_datacenter_up{datacenter=\"eu\\\"west\",family=\"ipv4\"} 1");
    assert_line(*state,
                "gslbd_datacenter_admin_override{datacenter=\"eu\\\"west\",override=\"drain\"} 1");
    assert_line(*state, "gslbd_datacenter_configured_weight{datacenter=\"eu\\\"west\"} 100");
    assert_line(*state, "gslbd_datacenter_effective_weight{datacenter=\"eu\\\"west\"} 40");
    const fixture_t *f = *state;
    assert_null(strstr(f->out.data, "family=\"ipv6\""));
}

static void test_metrics_every_family_has_help_and_type(void **state)
{
    const fixture_t *f = *state;
    size_t help = 0, type = 0;
    for (const char *p = f->out.data; (p = strstr(p, "# HELP ")) != NULL; p++) {
        help++;
    }
    for (const char *p = f->out.data; (p = strstr(p, "# TYPE ")) != NULL; p++) {
        type++;
    }
    assert_true(help > 20);
    assert_int_equal(help, type);
    assert_line(*state, "# TYPE gslbd_probe_latency_seconds histogram");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_metrics_queries_by_transport_and_qtype, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_metrics_responses_split_udp_and_tcp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_metrics_label_values_are_escaped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_metrics_continent_to_datacenter_only_pairs_seen,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_metrics_reload_success_and_failure_times, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_metrics_histogram_is_cumulative, setup, teardown),
        cmocka_unit_test_setup_teardown(test_metrics_state_file_recovery, setup, teardown),
        cmocka_unit_test_setup_teardown(test_metrics_datacenter_state_and_weights, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_metrics_every_family_has_help_and_type, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
