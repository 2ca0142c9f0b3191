/* query: the health targets of a policy's resources, from the config's probe definitions. */
#include "query_int.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

static void set_addr(health_target_t *t, const conf_addr_t *a, uint16_t port)
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

void query_probe_targets_free(query_probe_targets_t *pt)
{
    for (size_t i = 0; i < pt->count; i++) {
        free(pt->names[i]);
        free(pt->keys[i]);
    }
    free(pt->targets);
    free(pt->names);
    free(pt->keys);
    memset(pt, 0, sizeof(*pt));
}

void query_probe_targets_build(const policy_t *p, const conf_t *c, query_probe_targets_t *out)
{
    size_t n = policy_resource_count(p);
    out->count = n;
    out->targets = xcalloc(n ? n : 1, sizeof(*out->targets));
    out->names = xcalloc(n ? n : 1, sizeof(*out->names));
    out->keys = xcalloc(n ? n : 1, sizeof(*out->keys));
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
