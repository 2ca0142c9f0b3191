/* snapshot: a reload — load the configuration again, report, and publish what loaded. */
#include "snapshot_int.h"

#include <string.h>

static bool listen_equal(const conf_server_t *a, const conf_server_t *b)
{
    if (a->listen_count != b->listen_count || a->workers != b->workers) {
        return false;
    }
    for (size_t i = 0; i < a->listen_count; i++) {
        if (a->listen[i].sa_len != b->listen[i].sa_len ||
            memcmp(&a->listen[i].sa, &b->listen[i].sa, a->listen[i].sa_len) != 0) {
            return false;
        }
    }
    return true;
}

/* Settings that only a restart applies: say so rather than pretend. */
static void warn_restart_only(const conf_t *old, const conf_t *new)
{
    if (!listen_equal(&old->server, &new->server)) {
        log_warn("config: '%s': server listen addresses or workers changed; they apply at the "
                 "next start, not on reload",
                 new->path);
    }
    const conf_control_t *a = &old->control, *b = &new->control;
    if (a->is_enabled != b->is_enabled || a->sa_len != b->sa_len ||
        memcmp(&a->sa, &b->sa, a->sa_len) != 0) {
        log_warn("config: '%s': control listen address changed; it applies at the next start, "
                 "not on reload",
                 new->path);
    }
    const char *ou = old->server.user ? old->server.user : "";
    const char *nu = new->server.user ? new->server.user : "";
    if (strcmp(ou, nu) != 0) {
        log_warn("config: '%s': server user changed; it applies at the next start", new->path);
    }
    const conf_steering_t *sa = &old->steering, *sb = &new->steering;
    const char *pa = sa->prometheus.url ? sa->prometheus.url : "";
    const char *pb = sb->prometheus.url ? sb->prometheus.url : "";
    if (sa->interval_ms != sb->interval_ms || strcmp(pa, pb) != 0 ||
        sa->prometheus.interval_ms != sb->prometheus.interval_ms ||
        sa->prometheus.timeout_ms != sb->prometheus.timeout_ms) {
        log_warn("config: '%s': steering interval_ms or prometheus changed; they apply at the "
                 "next start (the hash seed and every load setting apply now)",
                 new->path);
    }
}

int snapshot_reload(snapshot_pub_t *pub, gslb_diag_t *diag, const snapshot_hook_t *hook,
                    uint64_t *generation)
{
    snapshot_t *next = NULL;
    int rc = snapshot_load(&next, pub->conf_path, pub->health, pub->steer, diag);
    gslb_diag_log(diag);
    if (rc != 0) {
        *generation = pub->generation;
        log_err("config: '%s': reload failed, still serving generation %llu", pub->conf_path,
                (unsigned long long)*generation);
        return rc;
    }
    /* Only this thread publishes, so the serving snapshot stays put here. */
    if (pub->current != NULL) {
        warn_restart_only(pub->current->conf, next->conf);
    }
    size_t dc_count = next->conf->datacenter_count;
    size_t service_count = next->conf->service_count;
    *generation = snapshot_publish(pub, next, hook);
    log_info("config: '%s': reloaded, serving generation %llu (%zu datacenters, %zu services)",
             pub->conf_path, (unsigned long long)*generation, dc_count, service_count);
    return 0;
}
