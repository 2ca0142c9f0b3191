/* Unit tests for loading valid configurations: every field, defaults, paths and YAML errors. */
#include "conf_test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <unistd.h>

static const char full_yaml[] =
    "server:\n"                                                            /* 1 */
    "  listen: [\"127.0.0.1:5353\", \"[::1]:5354\", \"192.0.2.53\"]\n"     /* 2 */
    "  workers: 2\n"                                                       /* 3 */
    "  edns_payload: 1400\n"                                               /* 4 */
    "  nsid: \"gslbd-1\"\n"                                                /* 5 */
    "  version: \"gslbd 0.1\"\n"                                           /* 6 */
    "  identity: ns1\n"                                                    /* 7 */
    "  tcp_idle_timeout_ms: 5000\n"                                        /* 8 */
    "  tcp_max_connections: 64\n"                                          /* 9 */
    "  log_level: debug\n"                                                 /* 10 */
    "zones:\n"                                                             /* 11 */
    "  - file: gslb.example.com.zone\n"                                    /* 12 */
    "    origin: GSLB.example.com\n"                                       /* 13 */
    "  - /etc/gslbd/other.zone\n"                                          /* 14 */
    "geoip:\n"                                                             /* 15 */
    "  database: ../geo/GeoLite2-City.mmdb\n"                              /* 16 */
    "  fields:\n"                                                          /* 17 */
    "    city: [city, names, de]\n"                                        /* 18 */
    "    subdivision: null\n"                                              /* 19 */
    "    country: registered_country/iso_code\n"                           /* 20 */
    "datacenters:\n"                                                       /* 21 */
    "  us-east:\n"                                                         /* 22 */
    "    location: [39.04, -77.49]\n"                                      /* 23 */
    "    weight: 200\n"                                                    /* 24 */
    "    addresses:\n"                                                     /* 25 */
    "      - 192.0.2.10\n"                                                 /* 26 */
    "      - { address: \"2001:db8::10\", weight: 2 }\n"                   /* 27 */
    "  eu-west:\n"                                                         /* 28 */
    "    location: [53.35, -6]\n"                                          /* 29 */
    "    addresses: [198.51.100.10]\n"                                     /* 30 */
    "  ap-southeast:\n"                                                    /* 31 */
    "    location: [1.29, 103.85]\n"                                       /* 32 */
    "    cname: ap.CDN.example.net\n"                                      /* 33 */
    "maps:\n"                                                              /* 34 */
    "  world:\n"                                                           /* 35 */
    "    nets: { \"10.0.0.0/8\": [us-east], \"2001:db8:1::/48\": eu-west }\n" /* 36 */
    "    cities: { \"gb/London\": [eu-west], \"us/ca/San Jose\": [us-east] }\n" /* 37 */
    "    subdivisions: { \"us/ca\": [us-east] }\n"                         /* 38 */
    "    countries: { gb: [eu-west, us-east] }\n"                          /* 39 */
    "    continents: { EU: [eu-west, us-east], AS: [ap-southeast] }\n"     /* 40 */
    "    default: [us-east, eu-west, ap-southeast]\n"                      /* 41 */
    "    nearest_fallback: true\n"                                         /* 42 */
    "services:\n"                                                          /* 43 */
    "  www.GSLB.example.com:\n"                                            /* 44 */
    "    map: world\n"                                                     /* 45 */
    "    ttl: 60\n"                                                        /* 46 */
    "    addresses: 2\n"                                                   /* 47 */
    "    datacenters_per_answer: 3\n"                                      /* 48 */
    "  api.gslb.example.com.:\n"                                           /* 49 */
    "    policy: failover\n"                                               /* 50 */
    "    datacenters: [eu-west, us-east]\n";                               /* 51 */

static void assert_pos(conf_pos_t pos, const conf_t *c, unsigned line, unsigned col)
{
    assert_ptr_equal(pos.file, c->path);
    assert_int_equal(pos.line, line);
    assert_int_equal(pos.col, col);
}

static void assert_path(const conf_geo_path_t *p, const char *a, const char *b, const char *x)
{
    const char *want[] = {a, b, x};
    size_t n = x != NULL ? 3 : b != NULL ? 2 : 1;
    assert_int_equal(p->count, n);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(p->parts[i], want[i]);
    }
    assert_null(p->parts[n]);
}

static void test_load_full_config_fills_server(void **state)
{
    (void)state;
    conf_run_t r = conf_run_ok(full_yaml);
    const conf_t *c = r.c;
    assert_string_equal(c->path, "t.yaml");
    const conf_server_t *s = &c->server;
    assert_int_equal(s->listen_count, 3);
    const struct sockaddr_in *v4 = (const struct sockaddr_in *)&s->listen[0].sa;
    assert_int_equal(v4->sin_family, AF_INET);
    assert_int_equal(ntohs(v4->sin_port), 5353);
    assert_int_equal(ntohl(v4->sin_addr.s_addr), 0x7f000001);
    assert_int_equal(s->listen[0].sa_len, sizeof(struct sockaddr_in));
    assert_pos(s->listen[0].pos, c, 2, 12);
    const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)&s->listen[1].sa;
    assert_int_equal(v6->sin6_family, AF_INET6);
    assert_int_equal(ntohs(v6->sin6_port), 5354);
    assert_true(IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr));
    assert_int_equal(s->listen[1].sa_len, sizeof(struct sockaddr_in6));
    const struct sockaddr_in *bare = (const struct sockaddr_in *)&s->listen[2].sa;
    assert_int_equal(ntohs(bare->sin_port), CONF_DEFAULT_PORT);
    assert_int_equal(s->workers, 2);
    assert_int_equal(s->edns_payload, 1400);
    assert_string_equal(s->nsid, "gslbd-1");
    assert_string_equal(s->version, "gslbd 0.1");
    assert_string_equal(s->identity, "ns1");
    assert_int_equal(s->tcp_idle_timeout_ms, 5000);
    assert_int_equal(s->tcp_max_connections, 64);
    assert_int_equal(s->log_level, LOG_LEVEL_DEBUG);
    conf_run_free(&r);
}

static void test_load_full_config_fills_zones_and_geoip(void **state)
{
    (void)state;
    conf_run_t r = conf_run_ok(full_yaml);
    const conf_t *c = r.c;
    assert_int_equal(c->zone_count, 2);
    assert_string_equal(c->zones[0].file, "gslb.example.com.zone");
    assert_string_equal(c->zones[0].origin, "gslb.example.com.");
    assert_pos(c->zones[0].pos, c, 12, 5);
    assert_string_equal(c->zones[1].file, "/etc/gslbd/other.zone");
    assert_null(c->zones[1].origin);
    assert_pos(c->zones[1].pos, c, 14, 5);

    const conf_geoip_t *g = &c->geoip;
    assert_string_equal(g->database, "../geo/GeoLite2-City.mmdb");
    assert_path(&g->fields[CONF_GEO_CONTINENT], "continent", "code", NULL);
    assert_path(&g->fields[CONF_GEO_COUNTRY], "registered_country", "iso_code", NULL);
    assert_null(g->fields[CONF_GEO_SUBDIVISION].parts);
    assert_int_equal(g->fields[CONF_GEO_SUBDIVISION].count, 0);
    assert_path(&g->fields[CONF_GEO_CITY], "city", "names", "de");
    assert_path(&g->fields[CONF_GEO_LATITUDE], "location", "latitude", NULL);
    assert_path(&g->fields[CONF_GEO_LONGITUDE], "location", "longitude", NULL);
    conf_run_free(&r);
}

static void test_load_full_config_fills_datacenters(void **state)
{
    (void)state;
    conf_run_t r = conf_run_ok(full_yaml);
    const conf_t *c = r.c;
    assert_int_equal(c->datacenter_count, 3);
    const conf_datacenter_t *us = &c->datacenters[0];
    assert_string_equal(us->name, "us-east");
    assert_pos(us->pos, c, 22, 3);
    assert_true(us->has_location);
    assert_true(us->latitude > 39.039 && us->latitude < 39.041);
    assert_true(us->longitude > -77.491 && us->longitude < -77.489);
    assert_int_equal(us->weight, 200);
    assert_null(us->cname);
    assert_int_equal(us->address_count, 2);
    assert_int_equal(us->addresses[0].addr.family, AF_INET);
    const uint8_t a0[4] = {192, 0, 2, 10};
    assert_memory_equal(us->addresses[0].addr.addr, a0, 4);
    assert_int_equal(us->addresses[0].weight, 1);
    assert_pos(us->addresses[0].pos, c, 26, 9);
    assert_int_equal(us->addresses[1].addr.family, AF_INET6);
    assert_int_equal(us->addresses[1].addr.addr[0], 0x20);
    assert_int_equal(us->addresses[1].addr.addr[15], 0x10);
    assert_int_equal(us->addresses[1].weight, 2);
    assert_pos(us->addresses[1].pos, c, 27, 20);

    const conf_datacenter_t *eu = &c->datacenters[1];
    assert_string_equal(eu->name, "eu-west");
    assert_int_equal(eu->weight, CONF_DEFAULT_WEIGHT);
    assert_true(eu->longitude > -6.001 && eu->longitude < -5.999);
    const conf_datacenter_t *ap = &c->datacenters[2];
    assert_string_equal(ap->cname, "ap.CDN.example.net.");
    assert_int_equal(ap->address_count, 0);
    assert_null(ap->addresses);

    assert_int_equal(conf_datacenter_find(c, "eu-west"), 1);
    assert_int_equal(conf_datacenter_find(c, "ap-southeast"), 2);
    assert_int_equal(conf_datacenter_find(c, "nowhere"), -1);
    conf_run_free(&r);
}

static void assert_dcs(const conf_dc_list_t *l, size_t n, const uint32_t *want)
{
    assert_int_equal(l->count, n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(l->dc[i], want[i]);
    }
}

static void test_load_full_config_fills_maps(void **state)
{
    (void)state;
    conf_run_t r = conf_run_ok(full_yaml);
    const conf_t *c = r.c;
    assert_int_equal(c->map_count, 1);
    const conf_map_t *m = &c->maps[0];
    assert_string_equal(m->name, "world");
    assert_pos(m->pos, c, 35, 3);
    assert_int_equal(m->net_count, 2);
    assert_int_equal(m->nets[0].net.family, AF_INET);
    assert_int_equal(m->nets[0].net.addr[0], 10);
    assert_int_equal(m->nets[0].prefix_bits, 8);
    assert_dcs(&m->nets[0].dcs, 1, (const uint32_t[]){0});
    assert_pos(m->nets[0].pos, c, 36, 13);
    assert_int_equal(m->nets[1].net.family, AF_INET6);
    assert_int_equal(m->nets[1].prefix_bits, 48);
    assert_int_equal(m->nets[1].net.addr[5], 1);
    assert_dcs(&m->nets[1].dcs, 1, (const uint32_t[]){1});

    /* Codes are upper-cased; the city name keeps its case. */
    assert_int_equal(m->city_count, 2);
    assert_string_equal(m->cities[0].key, "GB/London");
    assert_string_equal(m->cities[1].key, "US/CA/San Jose");
    assert_pos(m->cities[0].pos, c, 37, 15);
    assert_int_equal(m->subdivision_count, 1);
    assert_string_equal(m->subdivisions[0].key, "US/CA");
    assert_int_equal(m->country_count, 1);
    assert_string_equal(m->countries[0].key, "GB");
    assert_dcs(&m->countries[0].dcs, 2, (const uint32_t[]){1, 0});
    assert_int_equal(m->continent_count, 2);
    assert_string_equal(m->continents[1].key, "AS");
    assert_dcs(&m->continents[1].dcs, 1, (const uint32_t[]){2});
    assert_dcs(&m->default_dcs, 3, (const uint32_t[]){0, 1, 2});
    assert_true(m->is_nearest_fallback);
    conf_run_free(&r);
}

static void test_load_full_config_fills_services(void **state)
{
    (void)state;
    conf_run_t r = conf_run_ok(full_yaml);
    const conf_t *c = r.c;
    assert_int_equal(c->service_count, 2);
    const conf_service_t *www = &c->services[0];
    assert_string_equal(www->name, "www.gslb.example.com.");
    assert_pos(www->pos, c, 44, 3);
    assert_int_equal(www->policy, CONF_POLICY_MAP);
    assert_int_equal(www->map, 0);
    assert_int_equal(www->datacenters.count, 0);
    assert_int_equal(www->ttl_s, 60);
    assert_int_equal(www->address_count, 2);
    assert_int_equal(www->dc_count, 3);
    const conf_service_t *api = &c->services[1];
    assert_string_equal(api->name, "api.gslb.example.com.");
    assert_int_equal(api->policy, CONF_POLICY_FAILOVER);
    assert_int_equal(api->map, -1);
    assert_dcs(&api->datacenters, 2, (const uint32_t[]){1, 0});
    conf_run_free(&r);
}

static void test_load_minimal_config_applies_defaults(void **state)
{
    (void)state;
    conf_run_t r = conf_run_ok("zones: [a.zone]\n"
                               "datacenters:\n"
                               "  dc1: {addresses: [192.0.2.1]}\n"
                               "services:\n"
                               "  www.example.com: {policy: weighted}\n"
                               "  api.example.com:\n"
                               "    policy: weighted\n");
    const conf_t *c = r.c;
    const conf_server_t *s = &c->server;
    assert_int_equal(s->listen_count, 2);
    const struct sockaddr_in *v4 = (const struct sockaddr_in *)&s->listen[0].sa;
    assert_int_equal(ntohl(v4->sin_addr.s_addr), 0x7f000001);
    assert_int_equal(ntohs(v4->sin_port), CONF_DEFAULT_PORT);
    const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)&s->listen[1].sa;
    assert_true(IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr));
    assert_int_equal(ntohs(v6->sin6_port), CONF_DEFAULT_PORT);
    assert_int_equal(s->workers, 0);
    assert_int_equal(s->edns_payload, CONF_DEFAULT_EDNS_PAYLOAD);
    assert_null(s->nsid);
    assert_null(s->version);
    assert_null(s->identity);
    assert_int_equal(s->tcp_idle_timeout_ms, CONF_DEFAULT_TCP_IDLE_MS);
    assert_int_equal(s->tcp_max_connections, CONF_DEFAULT_TCP_MAX_CONNS);
    assert_int_equal(s->log_level, LOG_LEVEL_INFO);

    assert_null(c->geoip.database);
    assert_path(&c->geoip.fields[CONF_GEO_SUBDIVISION], "subdivisions", "0", "iso_code");
    assert_path(&c->geoip.fields[CONF_GEO_CITY], "city", "names", "en");
    assert_int_equal(c->datacenters[0].weight, CONF_DEFAULT_WEIGHT);
    assert_false(c->datacenters[0].has_location);
    assert_int_equal(c->map_count, 0);

    assert_int_equal(c->service_count, 2);
    const conf_service_t *svc = &c->services[0];
    assert_int_equal(svc->policy, CONF_POLICY_WEIGHTED);
    assert_int_equal(svc->map, -1);
    assert_int_equal(svc->datacenters.count, 0);
    assert_int_equal(svc->ttl_s, CONF_DEFAULT_TTL_S);
    assert_int_equal(svc->address_count, 1);
    assert_int_equal(svc->dc_count, 1);
    conf_run_free(&r);
}

static void test_load_service_without_policy_picks_map_or_nearest(void **state)
{
    (void)state;
    conf_run_t r = conf_run_ok(CONF_BASE
                               "geoip: {database: g.mmdb}\n"
                               "maps:\n"
                               "  m: {countries: {GB: [dc2]}}\n"
                               "services:\n"
                               "  a.example.com: {map: m}\n"
                               "  b.example.com:\n");
    assert_int_equal(r.c->services[0].policy, CONF_POLICY_MAP);
    assert_int_equal(r.c->services[0].map, 0);
    assert_int_equal(r.c->services[1].policy, CONF_POLICY_NEAREST);
    assert_int_equal(r.c->services[1].map, -1);
    conf_run_free(&r);
}

static void test_load_listen_single_string_and_bare_ipv6_use_defaults(void **state)
{
    (void)state;
    conf_run_t r = conf_run_ok(CONF_BASE "server: {listen: \"2001:db8::53\"}\n");
    assert_int_equal(r.c->server.listen_count, 1);
    const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)&r.c->server.listen[0].sa;
    assert_int_equal(v6->sin6_family, AF_INET6);
    assert_int_equal(ntohs(v6->sin6_port), 53);
    assert_int_equal(v6->sin6_addr.s6_addr[15], 0x53);
    conf_run_free(&r);

    r = conf_run_ok(CONF_BASE "server: {listen: \"[2001:db8::1]\"}\n");
    v6 = (const struct sockaddr_in6 *)&r.c->server.listen[0].sa;
    assert_int_equal(ntohs(v6->sin6_port), 53);
    conf_run_free(&r);
}

static void test_load_merge_keys_are_overridden_by_own_keys(void **state)
{
    (void)state;
    /* The mapping's own keys win over merged ones, before or after "<<". */
    conf_run_t r = conf_run_ok("zones: [a.zone]\n"
                               "datacenters:\n"
                               "  dc1: &site\n"
                               "    weight: 7\n"
                               "    addresses: [192.0.2.1]\n"
                               "  dc2:\n"
                               "    <<: *site\n"
                               "    addresses: [192.0.2.2]\n"
                               "  dc3:\n"
                               "    addresses: [192.0.2.3]\n"
                               "    <<: *site\n"
                               "  dc4: *site\n");
    assert_int_equal(r.c->datacenter_count, 4);
    for (size_t i = 1; i < 4; i++) {
        assert_int_equal(r.c->datacenters[i].weight, 7);
        assert_int_equal(r.c->datacenters[i].address_count, 1);
    }
    assert_int_equal(r.c->datacenters[1].addresses[0].addr.addr[3], 2);
    assert_int_equal(r.c->datacenters[2].addresses[0].addr.addr[3], 3);
    assert_int_equal(r.c->datacenters[3].addresses[0].addr.addr[3], 1);
    conf_run_free(&r);
}

/* Write a file under dir; returns its path (caller frees). */
static char *file_write(const char *dir, const char *name, const char *text)
{
    char *path = xasprintf("%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
    return path;
}

static void test_load_relative_paths_resolve_against_config_dir(void **state)
{
    (void)state;
    char dir[] = "/tmp/gslbd-conf-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *path = file_write(dir, "gslb.yaml",
                            "zones: [gslb.zone, {file: /abs/other.zone}]\n"
                            "geoip: {database: ../geo/city.mmdb}\n"
                            "datacenters: {dc1: {addresses: [192.0.2.1]}}\n");
    gslb_diag_t *d = gslb_diag_new(false);
    conf_t *c = NULL;
    assert_int_equal(conf_load(path, d, &c), 0);
    assert_non_null(c);
    assert_string_equal(c->path, path);
    assert_string_equal(c->dir, dir);
    char *want = xasprintf("%s/gslb.zone", dir);
    assert_string_equal(c->zones[0].file, want);
    assert_string_equal(c->zones[1].file, "/abs/other.zone");
    free(want);
    want = xasprintf("%s/../geo/city.mmdb", dir);
    assert_string_equal(c->geoip.database, want);
    free(want);
    assert_ptr_equal(c->zones[0].pos.file, c->path);
    conf_free(c);
    gslb_diag_free(d);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0);
    free(path);
}

static void test_load_file_errors_name_the_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/gslbd-conf-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *path = file_write(dir, "bad.yaml", "zones: [a.zone]\ndatacenters: {dc1: {weight: 0}}\n");
    gslb_diag_t *d = gslb_diag_new(false);
    conf_t *c = NULL;
    assert_int_equal(conf_load(path, d, &c), -GSLB_ECONF);
    assert_null(c);
    /* Sorted by position: the data center's name comes before its weight. */
    assert_int_equal(gslb_diag_count(d), 2);
    char *want = xasprintf("%s:2:15: error: datacenter 'dc1': needs addresses or a cname", path);
    assert_string_equal(gslb_diag_message(d, 0), want);
    free(want);
    want = xasprintf("%s:2:29: error: datacenter 'dc1': weight must be 1..1000000 (got 0)", path);
    assert_string_equal(gslb_diag_message(d, 1), want);
    free(want);
    gslb_diag_free(d);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0);
    free(path);
}

static void test_load_missing_file_reports_cannot_read(void **state)
{
    (void)state;
    gslb_diag_t *d = gslb_diag_new(false);
    conf_t *c = (conf_t *)d; /* must be reset to NULL */
    assert_int_equal(conf_load("/nonexistent/gslbd.yaml", d, &c), -GSLB_EIO);
    assert_null(c);
    assert_int_equal(gslb_diag_errors(d), 1);
    assert_string_equal(gslb_diag_message(d, 0),
                        "/nonexistent/gslbd.yaml: error: cannot read (No such file or directory)");
    gslb_diag_free(d);
}

static void test_load_yaml_syntax_error_reports_position(void **state)
{
    (void)state;
    conf_run_t r = conf_run("zones: [a.zone]\n"
                            "datacenters:\n"
                            "  dc1: {addresses: [192.0.2.1]\n"
                            "  dc2: 3\n");
    assert_int_equal(r.rc, -GSLB_ECONF);
    assert_null(r.c);
    assert_int_equal(gslb_diag_errors(r.d), 1);
    const char *m = gslb_diag_message(r.d, 0);
    /* libfyaml's own text after our position prefix. */
    if (strncmp(m, "t.yaml:4:", 9) != 0 || strstr(m, ": error: ") == NULL) {
        conf_run_dump(&r);
        fail_msg("unexpected: %s", m);
    }
    conf_run_free(&r);
}

static void test_load_yaml_unclosed_quote_reports_libfyaml_message(void **state)
{
    (void)state;
    conf_run_t r = conf_run("zones: [a.zone]\nserver:\n  nsid: \"abc\n");
    assert_int_equal(r.rc, -GSLB_ECONF);
    assert_true(conf_run_has(&r, "t.yaml:3:10: error: double-quoted scalar without closing quote"));
    conf_run_free(&r);
}

static void test_load_empty_document_is_an_error(void **state)
{
    (void)state;
    conf_run_t r = conf_run("# nothing here\n");
    assert_conf_error(&r, "t.yaml:1:1: error: configuration is empty (expected a mapping with "
                          "zones and datacenters)");
    conf_run_free(&r);
}

static void test_free_null_is_noop(void **state)
{
    (void)state;
    conf_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_full_config_fills_server),
        cmocka_unit_test(test_load_full_config_fills_zones_and_geoip),
        cmocka_unit_test(test_load_full_config_fills_datacenters),
        cmocka_unit_test(test_load_full_config_fills_maps),
        cmocka_unit_test(test_load_full_config_fills_services),
        cmocka_unit_test(test_load_minimal_config_applies_defaults),
        cmocka_unit_test(test_load_service_without_policy_picks_map_or_nearest),
        cmocka_unit_test(test_load_listen_single_string_and_bare_ipv6_use_defaults),
        cmocka_unit_test(test_load_merge_keys_are_overridden_by_own_keys),
        cmocka_unit_test(test_load_relative_paths_resolve_against_config_dir),
        cmocka_unit_test(test_load_file_errors_name_the_file),
        cmocka_unit_test(test_load_missing_file_reports_cannot_read),
        cmocka_unit_test(test_load_yaml_syntax_error_reports_position),
        cmocka_unit_test(test_load_yaml_unclosed_quote_reports_libfyaml_message),
        cmocka_unit_test(test_load_empty_document_is_an_error),
        cmocka_unit_test(test_free_null_is_noop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
