/* health: the probe types' names (conf parses them, pages print them) and default ports. */
#include "gslb/health.h"

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
