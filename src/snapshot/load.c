/* snapshot: loading one — config, zones, GeoIP database, policy and health slots, in order. */
#include "snapshot_int.h"

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

/* Answers that depend only on the configuration, prepared once. */
static void prepare(snapshot_t *s)
{
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
}

int snapshot_load(snapshot_t **out, const char *conf_path, health_t *health, steer_t *steer,
                  gslb_diag_t *diag)
{
    *out = NULL;
    snapshot_t *s = xcalloc(1, sizeof(*s));
    int rc = conf_load(conf_path, diag, &s->conf);
    if (rc != 0) {
        free(s);
        return rc;
    }
    size_t before = gslb_diag_errors(diag);
    snapshot_zones_load(s, diag);
    const conf_geoip_t *g = &s->conf->geoip;
    if (g->database != NULL) {
        geo_db_open(&s->geo, g->database, g->fields, diag);
    }
    policy_new(&s->policy, s->conf, s->geo, diag);
    if (s->zones != NULL && s->policy != NULL) {
        snapshot_services_attach(s, diag);
        if (gslb_diag_errors(diag) == before) {
            snapshot_zones_sign(s, diag);
        }
    }
    snapshot_limits_prepare(s, diag);
    if (gslb_diag_errors(diag) > before || s->zones == NULL || s->policy == NULL ||
        (g->database != NULL && s->geo == NULL) ||
        snapshot_slots_attach(s, health, steer, diag) != 0) {
        snapshot_free(s);
        return -GSLB_ECONF;
    }
    prepare(s);
    s->loaded_at = time(NULL);
    *out = s;
    return 0;
}

void snapshot_free(snapshot_t *s)
{
    if (s == NULL) {
        return;
    }
    policy_free(s->policy);
    geo_tree_free(s->rrl_exempt);
    zone_set_free(s->zones);
    for (size_t i = 0; i < s->signer_count; i++) {
        dnssec_zone_free(s->signers[i]);
    }
    free(s->signers);
    geo_db_free(s->geo);
    conf_free(s->conf);
    free(s);
}
