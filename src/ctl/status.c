/* ctl: GET /status — data centers, resources, probe results, overrides, snapshot and zones. */
#include "config.h"

#include "ctl_int.h"

#include <arpa/inet.h>
#include <stdlib.h>

static json_t *tristate(int v)
{
    return v < 0 ? json_null() : json_boolean(v > 0);
}

static json_t *probe_json(const health_t *h, uint32_t slot)
{
    health_slot_info_t info;
    if (slot == HEALTH_SLOT_NONE || health_slot_info(h, slot, &info) != 0) {
        return json_pack("{s:s, s:b}", "type", "none", "up", 1);
    }
    json_t *j = json_pack("{s:s, s:b, s:s, s:s, s:I, s:I, s:I, s:i, s:i}", "type",
                          health_probe_type_name(info.type), "up", info.is_up, "name", info.name,
                          "last_result", info.error[0] != '\0' ? info.error : "ok", "probes",
                          (json_int_t)info.probes, "failures", (json_int_t)info.probe_failures,
                          "last_latency_ms", (json_int_t)info.last_latency_ms, "successes_in_row",
                          (int)info.successes, "failures_in_row", (int)info.failures);
    json_object_set_new(j, "last_change", info.last_change > 0 ? json_real(info.last_change)
                                                               : json_null());
    if (info.admin != HEALTH_ADMIN_NONE) {
        json_object_set_new(j, "slot_admin", json_string(health_admin_name(info.admin)));
    }
    return j;
}

static json_t *datacenters_json(ctl_t *c, const policy_t *p)
{
    json_t *arr = json_array();
    size_t r = 0;
    for (uint32_t d = 0; d < policy_datacenter_count(p); d++) {
        json_t *res = json_array();
        for (; r < policy_resource_count(p) && policy_resource_dc(p, r) == d; r++) {
            const conf_address_t *a = policy_resource_address(p, r);
            char text[INET6_ADDRSTRLEN];
            inet_ntop(a->addr.family, a->addr.addr, text, sizeof(text));
            json_array_append_new(
                res, json_pack("{s:s, s:b, s:s, s:I, s:o}", "address", text, "up",
                               policy_resource_is_up(p, r), "admin",
                               health_admin_name(policy_resource_admin(p, r)), "weight",
                               (json_int_t)a->weight,
                               "probe", probe_json(c->health, policy_resource_slot(p, r))));
        }
        json_array_append_new(
            arr, json_pack("{s:s, s:o, s:o, s:s, s:I, s:I, s:o}", "name",
                           policy_datacenter_name(p, d), "up_ipv4",
                           tristate(policy_datacenter_health(p, d, false)), "up_ipv6",
                           tristate(policy_datacenter_health(p, d, true)), "admin",
                           health_admin_name(policy_datacenter_admin(p, d)), "configured_weight",
                           (json_int_t)policy_datacenter_conf_weight(p, d), "effective_weight",
                           (json_int_t)policy_datacenter_weight(p, d), "resources", res));
    }
    return arr;
}

json_t *ctl_status_json(ctl_t *c, const snapshot_t *s)
{
    json_t *zones = json_array();
    for (size_t i = 0; i < zone_set_count(s->zones); i++) {
        const zone_t *z = zone_set_at(s->zones, i);
        json_array_append_new(zones, json_pack("{s:s, s:s, s:I, s:I}", "origin", zone_name(z),
                                               "file", zone_file(z), "serial",
                                               (json_int_t)zone_serial(z), "names",
                                               (json_int_t)zone_node_count(z)));
    }
    json_t *geo = json_null();
    if (s->geo != NULL) {
        geo = json_pack("{s:s, s:s, s:I, s:b}", "database", s->conf->geoip.database, "type",
                        geo_db_type(s->geo), "build_epoch",
                        (json_int_t)geo_db_build_epoch(s->geo), "watch",
                        s->conf->geoip.is_watched);
    }
    pthread_mutex_lock(&c->mu);
    json_t *errors = json_array();
    for (size_t i = 0; i < c->last_error_count; i++) {
        json_array_append_new(errors, json_string(c->last_errors[i]));
    }
    json_t *reloads = json_pack("{s:I, s:I, s:f, s:o}", "succeeded", (json_int_t)c->reloads,
                                "failed", (json_int_t)c->reload_failures,
                                "last_success", c->last_reload_success_s, "last_errors", errors);
    json_t *overrides = ctl_overrides_to_json(&c->overrides);
    json_object_del(overrides, "version");
    json_t *state = c->state_file != NULL ? json_string(c->state_file) : json_null();
    pthread_mutex_unlock(&c->mu);
    return json_pack("{s:s, s:I, s:I, s:s, s:o, s:o, s:o, s:o, s:o, s:o}", "version",
                     PACKAGE_VERSION, "generation", (json_int_t)s->generation, "loaded_at",
                     (json_int_t)s->loaded_at, "config", s->conf->path, "zones", zones, "geoip",
                     geo, "reloads", reloads, "overrides", overrides, "state_file", state,
                     "datacenters", datacenters_json(c, s->policy));
}
