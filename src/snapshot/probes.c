/* snapshot: health slots for a policy's resources, from the config's probe definitions. */
#include "snapshot_int.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

static void set_addr(health_target_t *t, const gslb_addr_t *a, uint16_t port)
{
    memset(&t->addr, 0, sizeof(t->addr));
    if (a->family == AF_INET) {
        struct sockaddr_in *sin = (struct sockaddr_in *)&t->addr;
        sin->sin_family = AF_INET;
        sin->sin_port = htons(port);
        memcpy(&sin->sin_addr, a->addr, 4);
        t->addr_len = sizeof(*sin);
    } else {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&t->addr;
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(port);
        memcpy(&sin6->sin6_addr, a->addr, 16);
        t->addr_len = sizeof(*sin6);
    }
}

/* The health targets of every resource of a policy, in resource order,
 * with the strings they point to; the defs are borrowed from the conf_t. */
typedef struct targets {
    health_target_t *targets;
    size_t count;
    char **names;
    char **keys;
    char **fleet_keys;
} targets_t;

static void targets_free(targets_t *pt)
{
    for (size_t i = 0; i < pt->count; i++) {
        free(pt->names[i]);
        free(pt->keys[i]);
        free(pt->fleet_keys[i]);
    }
    free(pt->targets);
    free(pt->names);
    free(pt->keys);
    free(pt->fleet_keys);
    memset(pt, 0, sizeof(*pt));
}

static void targets_build(const policy_t *p, const conf_t *c, targets_t *out)
{
    size_t n = policy_resource_count(p);
    out->count = n;
    out->targets = xcalloc(n ? n : 1, sizeof(*out->targets));
    out->names = xcalloc(n ? n : 1, sizeof(*out->names));
    out->keys = xcalloc(n ? n : 1, sizeof(*out->keys));
    out->fleet_keys = xcalloc(n ? n : 1, sizeof(*out->fleet_keys));
    for (size_t i = 0; i < n; i++) {
        const conf_datacenter_t *dc = policy_resource_datacenter(p, i);
        const conf_address_t *a = policy_resource_address(p, i);
        health_target_t *t = &out->targets[i];
        int k = a->probe >= 0 ? a->probe : dc->probe;
        if (k < 0) {
            continue; /* no def: not probed */
        }
        const health_probe_def_t *def = &c->probes[k].def;
        char addr_text[INET6_ADDRSTRLEN];
        inet_ntop(a->addr.family, a->addr.addr, addr_text, sizeof(addr_text));
        out->names[i] = xasprintf("%s/%s (%s)", dc->name, addr_text,
                                  health_probe_type_name(def->type));
        t->name = out->names[i];
        if (c->fleet.def.is_enabled) {
            /* The name every instance knows the resource by, whatever
             * address it probes. */
            out->fleet_keys[i] = xasprintf("%s/%s", dc->name, addr_text);
            t->fleet_key = out->fleet_keys[i];
        }
        t->def = def;
        uint16_t port = a->probe_port ? a->probe_port : health_probe_def_port(def);
        set_addr(t, a->has_probe_addr ? &a->probe_addr : &a->addr, port);
        if (def->type == HEALTH_PROBE_FILE) {
            /* The key defaults to the answered address, also when another is probed. */
            out->keys[i] = xstrdup(a->probe_key ? a->probe_key : addr_text);
            t->file_key = out->keys[i];
        }
    }
}

/* Load slots: data centers with a load feed get theirs from steer (by
 * name, so a reload keeps the controller's state); a probe feed reads the
 * health slots of the data center's resources. */
static int steer_attach(snapshot_t *s, steer_t *steer, const uint32_t *health_slots,
                        gslb_diag_t *diag)
{
    const conf_t *c = s->conf;
    size_t n = c->datacenter_count;
    steer_dc_in_t *in = xcalloc(n ? n : 1, sizeof(*in));
    uint32_t *slots = xcalloc(n ? n : 1, sizeof(*slots));
    size_t r = 0;
    for (size_t d = 0; d < n; d++) {
        const conf_datacenter_t *dc = &c->datacenters[d];
        in[d].name = dc->name;
        in[d].capacity = dc->weight;
        in[d].def = &dc->load;
        in[d].probe_slots = &health_slots[r];
        in[d].probe_slot_count = dc->address_count;
        r += dc->address_count;
        slots[d] = STEER_SLOT_NONE;
    }
    int rc = steer != NULL ? steer_apply(steer, in, n, slots) : 0;
    if (rc != 0) {
        gslb_diag_report(diag, DIAG_ERROR, c->path, 0, 0,
                         "steer: cannot keep load state for %zu data centers (%s)", n,
                         gslb_strerror(rc));
    } else {
        policy_steer_attach(s->policy, steer, slots);
    }
    free(in);
    free(slots);
    return rc;
}

int snapshot_slots_attach(snapshot_t *s, health_t *health, steer_t *steer, gslb_diag_t *diag)
{
    targets_t pt;
    targets_build(s->policy, s->conf, &pt);
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
        rc = steer_attach(s, steer, slots, diag);
    }
    free(slots);
    targets_free(&pt);
    return rc;
}
