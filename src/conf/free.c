/* conf: releases a configuration and everything it owns. */
#include <stdlib.h>

#include "conf_int.h"

void conf_geo_path_clear(conf_geo_path_t *p)
{
    if (p->parts != NULL) {
        for (size_t i = 0; i < p->count; i++) {
            free(p->parts[i]);
        }
        free(p->parts);
    }
    p->parts = NULL;
    p->count = 0;
}

static void entries_free(conf_map_entry_t *e, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(e[i].key);
        free(e[i].dcs.dc);
    }
    free(e);
}

static void map_free(conf_map_t *m)
{
    free(m->name);
    for (size_t i = 0; i < m->net_count; i++) {
        free(m->nets[i].dcs.dc);
    }
    free(m->nets);
    entries_free(m->cities, m->city_count);
    entries_free(m->subdivisions, m->subdivision_count);
    entries_free(m->countries, m->country_count);
    entries_free(m->continents, m->continent_count);
    free(m->default_dcs.dc);
}

void conf_free(conf_t *c)
{
    if (c == NULL) {
        return;
    }
    free(c->server.listen);
    free(c->server.nsid);
    free(c->server.version);
    free(c->server.identity);
    free(c->server.user);
    free(c->control.token);
    free(c->control.token_file);
    free(c->control.state_file);
    free(c->control.dashboard);
    free(c->rate_limit.exempt);
    free(c->cookies.secret_file);
    for (size_t i = 0; i < c->zone_count; i++) {
        free(c->zones[i].file);
        free(c->zones[i].origin);
        conf_dnssec_clear(&c->zones[i].dnssec);
    }
    free(c->zones);
    free(c->geoip.database);
    for (size_t i = 0; i < CONF_GEO_FIELD_COUNT; i++) {
        conf_geo_path_clear(&c->geoip.fields[i]);
    }
    for (size_t i = 0; i < c->probe_count; i++) {
        conf_probe_clear(&c->probes[i]);
    }
    free(c->probes);
    for (size_t i = 0; i < c->datacenter_count; i++) {
        for (size_t j = 0; j < c->datacenters[i].address_count; j++) {
            free(c->datacenters[i].addresses[j].probe_key);
        }
        free(c->datacenters[i].name);
        free(c->datacenters[i].addresses);
        free(c->datacenters[i].cname);
        steer_def_clear(&c->datacenters[i].load);
    }
    free(c->datacenters);
    for (size_t i = 0; i < c->map_count; i++) {
        map_free(&c->maps[i]);
    }
    free(c->maps);
    for (size_t i = 0; i < c->service_count; i++) {
        free(c->services[i].name);
        free(c->services[i].datacenters.dc);
    }
    free(c->services);
    for (size_t i = 0; i < c->latency_table_count; i++) {
        free(c->latency_tables[i].name);
        free(c->latency_tables[i].file);
    }
    free(c->latency_tables);
    free(c->steering.prometheus.url);
    fleet_def_clear(&c->fleet.def);
    free(c->path);
    free(c->dir);
    free(c);
}
