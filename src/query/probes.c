/* query: turning the config's probes into health probe definitions, one per resource. */
#include "query_int.h"

#include <arpa/inet.h>
#include <ldns/ldns.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

static uint16_t default_port(health_probe_type_t t)
{
    switch (t) {
    case HEALTH_PROBE_HTTP: return 80;
    case HEALTH_PROBE_HTTPS: return 443;
    case HEALTH_PROBE_DNS: return 53;
    default: return 0;
    }
}

static void set_target(health_probe_def_t *d, const conf_addr_t *a, uint16_t port)
{
    memset(&d->target, 0, sizeof(d->target));
    if (a->family == AF_INET) {
        struct sockaddr_in *sin = (struct sockaddr_in *)&d->target;
        sin->sin_family = AF_INET;
        sin->sin_port = htons(port);
        memcpy(&sin->sin_addr, a->addr, 4);
        d->target_len = sizeof(*sin);
    } else {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&d->target;
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(port);
        memcpy(&sin6->sin6_addr, a->addr, 16);
        d->target_len = sizeof(*sin6);
    }
}

/* Presentation name -> wire, lower-cased, into out (DNS_NAME_MAX octets). */
static bool qname_wire(const char *text, uint8_t *out)
{
    ldns_rdf *rdf = NULL;
    if (ldns_str2rdf_dname(&rdf, text) != LDNS_STATUS_OK) {
        return false;
    }
    bool ok = ldns_rdf_size(rdf) <= DNS_NAME_MAX;
    if (ok) {
        dns_name_lower(ldns_rdf_data(rdf), ldns_rdf_size(rdf), out);
    }
    ldns_rdf_deep_free(rdf);
    return ok;
}

void query_probe_defs_free(query_probe_defs_t *defs)
{
    for (size_t i = 0; i < defs->count; i++) {
        free(defs->names[i]);
        free(defs->keys[i]);
        free(defs->qnames[i]);
    }
    free(defs->defs);
    free(defs->names);
    free(defs->keys);
    free(defs->qnames);
    memset(defs, 0, sizeof(*defs));
}

void query_probe_defs_build(const policy_t *p, const conf_t *c, query_probe_defs_t *out)
{
    size_t n = policy_resource_count(p);
    out->count = n;
    out->defs = xcalloc(n ? n : 1, sizeof(*out->defs));
    out->names = xcalloc(n ? n : 1, sizeof(*out->names));
    out->keys = xcalloc(n ? n : 1, sizeof(*out->keys));
    out->qnames = xcalloc(n ? n : 1, sizeof(*out->qnames));
    for (size_t i = 0; i < n; i++) {
        const conf_datacenter_t *dc = policy_resource_datacenter(p, i);
        const conf_address_t *a = policy_resource_address(p, i);
        health_probe_def_t *d = &out->defs[i];
        int k = a->probe >= 0 ? a->probe : dc->probe;
        if (k < 0) {
            d->type = HEALTH_PROBE_NONE;
            continue;
        }
        const conf_probe_t *pr = &c->probes[k];
        char addr_text[INET6_ADDRSTRLEN];
        inet_ntop(a->addr.family, a->addr.addr, addr_text, sizeof(addr_text));
        out->names[i] = xasprintf("%s/%s (%s)", dc->name, addr_text,
                                  health_probe_type_name(pr->type));
        d->name = out->names[i];
        d->type = pr->type;
        uint16_t port = a->probe_port ? a->probe_port : pr->port ? pr->port
                                                                 : default_port(pr->type);
        set_target(d, a->has_probe_addr ? &a->probe_addr : &a->addr, port);
        d->interval_ms = pr->interval_ms;
        d->timeout_ms = pr->timeout_ms;
        d->up_threshold = pr->up_threshold;
        d->down_threshold = pr->down_threshold;
        d->is_initially_up = pr->is_initially_up;
        d->http_path = pr->path ? pr->path : "/";
        d->http_host = pr->host;
        d->http_status = pr->expect;
        d->http_status_count = pr->expect_count;
        d->http_body = pr->body;
        d->tls_verify = pr->tls_verify;
        d->tls_ca_file = pr->ca_file;
        if (pr->type == HEALTH_PROBE_DNS) {
            out->qnames[i] = xcalloc(1, DNS_NAME_MAX);
            if (!qname_wire(pr->qname ? pr->qname : ".", out->qnames[i])) {
                out->qnames[i][0] = 0;
            }
            d->dns_qname = out->qnames[i];
            d->dns_qtype = pr->qtype;
            d->dns_rcode = pr->rcode;
        }
        d->exec_argv = pr->command;
        d->file_path = pr->file;
        if (pr->type == HEALTH_PROBE_FILE) {
            out->keys[i] = xstrdup(a->probe_key ? a->probe_key : addr_text);
            d->file_key = out->keys[i];
        }
    }
}
