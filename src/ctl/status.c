/* ctl: GET /status — data centers, resources, probe results, overrides, snapshot and zones. */
#include "config.h"

#include "ctl_int.h"

#include <stdlib.h>

static json_t *tristate(int v)
{
    return v < 0 ? json_null() : json_boolean(v > 0);
}

static json_t *probe_json(const health_t *h, uint32_t slot)
{
    health_slot_info_t info;
    if (slot == HEALTH_SLOT_NONE || health_slot_info(h, slot, &info) != 0) {
        return json_pack("{s:s, s:b}", CTL_API_KEY_TYPE, CTL_API_PROBE_NONE, CTL_API_KEY_UP, 1);
    }
    json_t *j = json_pack("{s:s, s:b, s:s, s:s, s:I, s:I, s:I, s:i, s:i}",
                          CTL_API_KEY_TYPE, health_probe_type_name(info.type),
                          CTL_API_KEY_UP, info.is_up,
                          CTL_API_KEY_NAME, info.name,
                          CTL_API_KEY_LAST_RESULT, info.error[0] != '\0' ? info.error : "ok",
                          CTL_API_KEY_PROBES, (json_int_t)info.probes,
                          CTL_API_KEY_FAILURES, (json_int_t)info.probe_failures,
                          CTL_API_KEY_LAST_LATENCY_MS, (json_int_t)info.last_latency_ms,
                          CTL_API_KEY_SUCCESSES_IN_ROW, (int)info.successes,
                          CTL_API_KEY_FAILURES_IN_ROW, (int)info.failures);
    json_object_set_new(j, CTL_API_KEY_LAST_CHANGE,
                        info.last_change > 0 ? json_real(info.last_change) : json_null());
    /* With a fleet: what the quorum decided (null: the probe's own state counts). */
    json_object_set_new(j, CTL_API_KEY_SHARED,
                        info.shared == HEALTH_SHARED_NONE
                            ? json_null()
                            : json_string(info.shared == HEALTH_SHARED_UP ? "up" : "down"));
    return j;
}

/* [latitude, longitude] in degrees, or null when the data center has no location. */
static json_t *location_json(const conf_t *conf, uint32_t d)
{
    /* The policy numbers data centers in configuration order. */
    if (d >= conf->datacenter_count || !conf->datacenters[d].has_location) {
        return json_null();
    }
    return json_pack("[f, f]", conf->datacenters[d].latitude, conf->datacenters[d].longitude);
}

static json_t *datacenters_json(ctl_t *c, const snapshot_t *s)
{
    const policy_t *p = s->policy;
    json_t *arr = json_array();
    size_t r = 0;
    for (uint32_t d = 0; d < policy_datacenter_count(p); d++) {
        json_t *res = json_array();
        for (; r < policy_resource_count(p) && policy_resource_dc(p, r) == d; r++) {
            const conf_address_t *a = policy_resource_address(p, r);
            char text[GSLB_ADDR_TEXT_MAX];
            gslb_addr_format(&a->addr, text, sizeof(text));
            json_array_append_new(
                res, json_pack("{s:s, s:b, s:s, s:I, s:o}",
                               CTL_API_KEY_ADDRESS, text,
                               CTL_API_KEY_UP, policy_resource_is_up(p, r),
                               CTL_API_KEY_ADMIN, health_admin_name(policy_resource_admin(p, r)),
                               CTL_API_KEY_WEIGHT, (json_int_t)a->weight,
                               CTL_API_KEY_PROBE,
                               probe_json(c->health, policy_resource_slot(p, r))));
        }
        json_array_append_new(
            arr, json_pack("{s:s, s:o, s:o, s:o, s:s, s:I, s:I, s:o, s:o}",
                           CTL_API_KEY_NAME, policy_datacenter_name(p, d),
                           CTL_API_KEY_LOCATION, location_json(s->conf, d),
                           CTL_API_KEY_UP_IPV4, tristate(policy_datacenter_health(p, d, false)),
                           CTL_API_KEY_UP_IPV6, tristate(policy_datacenter_health(p, d, true)),
                           CTL_API_KEY_ADMIN, health_admin_name(policy_datacenter_admin(p, d)),
                           CTL_API_KEY_CONFIGURED_WEIGHT,
                           (json_int_t)policy_datacenter_conf_weight(p, d),
                           CTL_API_KEY_EFFECTIVE_WEIGHT, (json_int_t)policy_datacenter_weight(p, d),
                           CTL_API_KEY_RESOURCES, res,
                           CTL_API_KEY_STEERING, ctl_steering_json(c, p, d)));
    }
    return arr;
}

/* The compiled decision trees: what each cost to build and holds. */
static json_t *trees_json(const policy_t *p)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < policy_tree_count(p); i++) {
        const char *kind, *name;
        geo_tree_stats_t st;
        policy_tree_at(p, i, &kind, &name, &st);
        json_array_append_new(arr, json_pack("{s:s, s:s, s:f, s:I, s:I, s:I, s:I}",
                                             CTL_API_KEY_KIND, kind, CTL_API_KEY_NAME, name,
                                             CTL_API_KEY_BUILD_MS, st.build_ms,
                                             CTL_API_KEY_LEAVES_IPV4, (json_int_t)st.leaves4,
                                             CTL_API_KEY_LEAVES_IPV6, (json_int_t)st.leaves6,
                                             CTL_API_KEY_RESULTS, (json_int_t)st.results,
                                             CTL_API_KEY_BYTES, (json_int_t)st.bytes));
    }
    return arr;
}

json_t *ctl_status_json(ctl_t *c, const snapshot_t *s)
{
    json_t *zones = json_array();
    for (size_t i = 0; i < zone_set_count(s->zones); i++) {
        const zone_t *z = zone_set_at(s->zones, i);
        json_array_append_new(zones, json_pack("{s:s, s:s, s:I, s:I}",
                                               CTL_API_KEY_ORIGIN, zone_name(z),
                                               CTL_API_KEY_FILE, zone_file(z),
                                               CTL_API_KEY_SERIAL, (json_int_t)zone_serial(z),
                                               CTL_API_KEY_NAMES,
                                               (json_int_t)zone_node_count(z)));
    }
    json_t *geo = json_null();
    if (s->geo != NULL) {
        geo = json_pack("{s:s, s:s, s:I, s:b, s:I, s:f, s:o}",
                        CTL_API_KEY_DATABASE, s->conf->geoip.database,
                        CTL_API_KEY_TYPE, geo_db_type(s->geo),
                        CTL_API_KEY_BUILD_EPOCH, (json_int_t)geo_db_build_epoch(s->geo),
                        CTL_API_KEY_WATCH, s->conf->geoip.is_watched,
                        CTL_API_KEY_RECORD_COUNT, (json_int_t)policy_records_count(s->policy),
                        CTL_API_KEY_READ_MS, policy_records_ms(s->policy),
                        CTL_API_KEY_DECISION_TREES, trees_json(s->policy));
    }
    pthread_mutex_lock(&c->mu);
    json_t *errors = json_array();
    for (size_t i = 0; i < c->last_error_count; i++) {
        json_array_append_new(errors, json_string(c->last_errors[i]));
    }
    json_t *reloads = json_pack("{s:I, s:I, s:f, s:o, s:o}",
                                CTL_API_KEY_SUCCEEDED, (json_int_t)c->reloads,
                                CTL_API_KEY_FAILED, (json_int_t)c->reload_failures,
                                CTL_API_KEY_LAST_SUCCESS, c->last_reload_success_s,
                                CTL_API_KEY_LAST_FAILURE,
                                c->last_reload_failure_s > 0 ? json_real(c->last_reload_failure_s)
                                                             : json_null(),
                                CTL_API_KEY_LAST_ERRORS, errors);
    /* The state file's format; its version number means nothing here. */
    json_t *overrides = ctl_overrides_to_json(&c->overrides);
    json_object_del(overrides, "version");
    json_t *state = json_null();
    if (c->state_file != NULL) {
        const ctl_state_load_t *sl = &c->state_load;
        state = json_pack("{s:s, s:b, s:b, s:o}", CTL_API_KEY_PATH, c->state_file,
                          CTL_API_KEY_RECOVERED_FROM_PREVIOUS, sl->is_recovered,
                          CTL_API_KEY_DAMAGED, sl->is_damaged,
                          CTL_API_KEY_ERROR,
                          sl->error[0] != '\0' ? json_string(sl->error) : json_null());
    }
    pthread_mutex_unlock(&c->mu);
    return json_pack("{s:s, s:I, s:I, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
                     CTL_API_KEY_VERSION, PACKAGE_VERSION,
                     CTL_API_KEY_GENERATION, (json_int_t)s->generation,
                     CTL_API_KEY_LOADED_AT, (json_int_t)s->loaded_at,
                     CTL_API_KEY_CONFIG, s->conf->path,
                     CTL_API_KEY_ZONES, zones,
                     CTL_API_KEY_GEOIP, geo,
                     CTL_API_KEY_RELOADS, reloads,
                     CTL_API_KEY_OVERRIDES, overrides,
                     CTL_API_KEY_STATE_FILE, state,
                     CTL_API_KEY_FLEET, c->fleet != NULL ? fleet_status_json(c->fleet)
                                                         : json_null(),
                     CTL_API_KEY_DATACENTERS, datacenters_json(c, s));
}
