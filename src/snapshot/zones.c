/* snapshot: the zones of a snapshot, and the services attached to them. */
#include "snapshot_int.h"

#include "gslb/dns.h"

#include <stdlib.h>
#include <time.h>

void snapshot_zones_load(snapshot_t *s, gslb_diag_t *diag)
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

void snapshot_services_attach(snapshot_t *s, gslb_diag_t *diag)
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

static bool service_types(const void *service, uint16_t type, void *arg)
{
    return policy_service_can_answer(arg, service, type);
}

/* Where one service's answers go while they are signed at load. */
typedef struct presign_cx {
    dnssec_zone_t *dz;
    const zone_node_t *node;
    const uint8_t *name;
    size_t len;
    int rc;
} presign_cx_t;

static void presign_one(void *arg, uint16_t type, uint32_t ttl_s, const dns_rdata_t *rrs,
                        size_t count)
{
    presign_cx_t *cx = arg;
    if (dnssec_zone_presign(cx->dz, cx->node, cx->name, cx->len, type, ttl_s, rrs, count) != 0) {
        cx->rc = -1;
    }
}

/* A data center's choices of addresses signed at load, at most: beyond, on first use. */
#define PRESIGN_MAX_CHOICES 64

/* Sign at load the answers each service of zone z can give that are known in advance (one
 * data center's addresses per answer, per family, at the normal and degraded TTL): workers
 * then copy them on first use instead of signing. */
static void presign_services(snapshot_t *s, zone_t *z, dnssec_zone_t *dz, gslb_diag_t *diag,
                             const conf_zone_t *cz)
{
    presign_cx_t cx = {.dz = dz};
    for (size_t i = 0; i < policy_service_count(s->policy); i++) {
        const policy_service_t *svc = policy_service_at(s->policy, i);
        const uint8_t *name = policy_service_name(svc);
        size_t len = dns_name_len(name, DNS_NAME_MAX);
        const zone_node_t *node = zone_node_find(z, name, len);
        if (node == NULL || node->service != svc) {
            continue; /* in another zone */
        }
        cx.node = node;
        cx.name = node->name;
        cx.len = node->name_len;
        policy_service_answers(s->policy, svc, PRESIGN_MAX_CHOICES, presign_one, &cx);
    }
    size_t n = dnssec_zone_presign_done(dz);
    if (cx.rc != 0) {
        gslb_diag_report(diag, DIAG_WARNING, cz->pos.file, cz->pos.line, cz->pos.col,
                         "zone '%s': some steered answers could not be signed at load (they "
                         "are signed on first use)", zone_name(z));
    }
    log_info("dnssec: zone '%s': %zu steered answers signed at load", zone_name(z), n);
}

void snapshot_zones_sign(snapshot_t *s, gslb_diag_t *diag)
{
    const conf_t *c = s->conf;
    size_t n = zone_set_count(s->zones);
    s->signers = xcalloc(n ? n : 1, sizeof(*s->signers));
    s->signer_count = n;
    time_t now = time(NULL);
    for (size_t i = 0; i < n && i < c->zone_count; i++) {
        const conf_dnssec_t *d = &c->zones[i].dnssec;
        if (d->key_count == 0) {
            continue;
        }
        if (dnssec_zone_sign(&s->signers[i], zone_set_at(s->zones, i), d, now, service_types,
                             s->policy, diag) != 0) {
            continue;
        }
        presign_services(s, zone_set_at(s->zones, i), s->signers[i], diag, &c->zones[i]);
        time_t at = dnssec_zone_resign_at(s->signers[i]);
        if (s->resign_at == 0 || at < s->resign_at) {
            s->resign_at = at;
        }
    }
}
