/* query: building a snapshot — config, zones, GeoIP database and policy, validated together. */
#include "query_int.h"

#include <stdlib.h>
#include <string.h>

/* A TXT RDATA of one character-string (RFC 1035 3.3.14), at most 255 octets. */
static uint16_t txt_rdata(const char *text, uint8_t *out)
{
    size_t n = strlen(text);
    if (n > 255) {
        n = 255;
    }
    out[0] = (uint8_t)n;
    memcpy(out + 1, text, n);
    return (uint16_t)(n + 1);
}

static void load_zones(query_snapshot_t *s, gslb_diag_t *diag)
{
    const conf_t *c = s->conf;
    zone_t **zones = xcalloc(c->zone_count ? c->zone_count : 1, sizeof(*zones));
    size_t n = 0;
    for (size_t i = 0; i < c->zone_count; i++) {
        zone_t *z = NULL;
        if (zone_load(&z, c->zones[i].file, c->zones[i].origin, diag) == 0) {
            zones[n++] = z;
        }
    }
    if (n == c->zone_count) {
        zone_set_new(&s->zones, zones, n, diag);
    } else {
        for (size_t i = 0; i < n; i++) {
            zone_free(zones[i]);
        }
    }
    free(zones);
}

/* Each service name must be inside a served zone; the most specific zone owns it. */
static void attach_services(query_snapshot_t *s, gslb_diag_t *diag)
{
    for (size_t i = 0; i < policy_service_count(s->policy); i++) {
        const policy_service_t *svc = policy_service_at(s->policy, i);
        const conf_service_t *c = policy_service_conf(svc);
        const uint8_t *name = policy_service_name(svc);
        size_t len = dns_name_len(name, DNS_NAME_MAX);
        const zone_t *z = zone_set_find(s->zones, name, len, 0, false);
        if (z == NULL) {
            gslb_diag_report(diag, DIAG_ERROR, c->pos.file, c->pos.line, c->pos.col,
                             "service '%s': not inside any served zone", c->name);
            continue;
        }
        /* The zone is still private to this loader: it is published only after
         * every check has passed, so changing it here is safe. */
        zone_service_attach((zone_t *)z, name, svc, diag, c->pos.file, c->pos.line, c->pos.col);
    }
}

/* Give every resource its health slot. Runs last, once everything else has
 * been validated, because it changes the live probe set. */
static int attach_health(query_snapshot_t *s, health_t *health, gslb_diag_t *diag)
{
    query_probe_targets_t pt;
    query_probe_targets_build(s->policy, s->conf, &pt);
    uint32_t *slots = xcalloc(pt.count ? pt.count : 1, sizeof(*slots));
    int rc = 0;
    if (health != NULL) {
        rc = health_apply(health, pt.targets, pt.count, slots);
    } else {
        for (size_t i = 0; i < pt.count; i++) {
            slots[i] = HEALTH_SLOT_NONE;
        }
    }
    if (rc != 0) {
        gslb_diag_report(diag, DIAG_ERROR, s->conf->path, 0, 0,
                         "health: cannot start %zu probes (%s)", pt.count, gslb_strerror(rc));
    } else {
        policy_health_attach(s->policy, health, slots);
    }
    free(slots);
    query_probe_targets_free(&pt);
    return rc;
}

int query_snapshot_load(query_snapshot_t **out, const char *conf_path, health_t *health,
                        gslb_diag_t *diag)
{
    *out = NULL;
    query_snapshot_t *s = xcalloc(1, sizeof(*s));
    int rc = conf_load(conf_path, diag, &s->conf);
    if (rc != 0) {
        free(s);
        return rc;
    }
    size_t before = gslb_diag_errors(diag);
    load_zones(s, diag);
    const conf_geoip_t *g = &s->conf->geoip;
    if (g->database != NULL) {
        geo_db_open(&s->geo, g->database, g->fields, diag);
    }
    policy_new(&s->policy, s->conf, s->geo, diag);
    if (s->zones != NULL && s->policy != NULL) {
        attach_services(s, diag);
    }
    if (gslb_diag_errors(diag) > before || s->zones == NULL || s->policy == NULL ||
        (g->database != NULL && s->geo == NULL) || attach_health(s, health, diag) != 0) {
        query_snapshot_free(s);
        return -GSLB_ECONF;
    }
    const conf_server_t *srv = &s->conf->server;
    s->edns_payload = srv->edns_payload ? srv->edns_payload : CONF_DEFAULT_EDNS_PAYLOAD;
    unsigned ka = srv->tcp_idle_timeout_ms / 100u;
    s->tcp_keepalive_100ms = (uint16_t)(ka > 65535 ? 65535 : ka);
    if (srv->version != NULL) {
        s->chaos_version_len = txt_rdata(srv->version, s->chaos_version);
    }
    if (srv->identity != NULL) {
        s->chaos_identity_len = txt_rdata(srv->identity, s->chaos_identity);
    }
    s->loaded_at = time(NULL);
    *out = s;
    return 0;
}

void query_snapshot_free(query_snapshot_t *s)
{
    if (s == NULL) {
        return;
    }
    policy_free(s->policy);
    zone_set_free(s->zones);
    geo_db_free(s->geo);
    conf_free(s->conf);
    free(s);
}
