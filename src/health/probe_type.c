/* health: the probe types' names (conf parses them, pages print them), default ports, clearing. */
#include "gslb/health.h"

#include <stdlib.h>
#include <string.h>

/* Indexed by health_probe_type_t; the order is the one error messages list. */
static const char *const names[HEALTH_PROBE_TYPE_COUNT] = {
    [HEALTH_PROBE_NONE] = "none", [HEALTH_PROBE_TCP] = "tcp",   [HEALTH_PROBE_HTTP] = "http",
    [HEALTH_PROBE_HTTPS] = "https", [HEALTH_PROBE_DNS] = "dns", [HEALTH_PROBE_EXEC] = "exec",
    [HEALTH_PROBE_FILE] = "file",
};

const char *health_probe_type_name(health_probe_type_t t)
{
    if ((unsigned)t >= HEALTH_PROBE_TYPE_COUNT) {
        return "unknown";
    }
    return names[t];
}

uint16_t health_probe_def_port(const health_probe_def_t *def)
{
    if (def->port != 0) {
        return def->port;
    }
    switch (def->type) {
    case HEALTH_PROBE_HTTP: return 80;
    case HEALTH_PROBE_HTTPS: return 443;
    case HEALTH_PROBE_DNS: return 53;
    default: return 0;
    }
}

void health_probe_def_clear(health_probe_def_t *d)
{
    free(d->http_path);
    free(d->http_host);
    free(d->http_status);
    free(d->http_body);
    free(d->tls_ca_file);
    free(d->load_pointer);
    free(d->dns_qname);
    if (d->exec_argv != NULL) {
        for (size_t i = 0; d->exec_argv[i] != NULL; i++) {
            free(d->exec_argv[i]);
        }
        free(d->exec_argv);
    }
    free(d->file_path);
    memset(d, 0, sizeof(*d));
}
