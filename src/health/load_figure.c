/* health: the live load figures of http probes: stored on the health thread, read by others. */
#include "health_int.h"

#include <stdio.h>
#include <string.h>

void health_probe_load_record(health_probe_t *p, const char *body, size_t len)
{
    health_t *h = p->h;
    double value = 0;
    char err[HEALTH_ERROR_MAX] = "";
    /* Parsed outside the lock: readers never wait for a 64 KiB document. */
    int rc = health_load_parse(p->def.load_format, p->def.load_pointer, body, len, &value, err,
                               sizeof(err));
    double now_ms = health_monotonic_ms();

    pthread_mutex_lock(&h->mu);
    bool was_failing = p->load_error[0] != '\0';
    bool is_new_error = rc != 0 && strcmp(p->load_error, err) != 0;
    if (rc == 0) {
        p->has_load = true;
        p->load = value;
        p->load_at_ms = now_ms;
    }
    snprintf(p->load_error, sizeof(p->load_error), "%s", rc == 0 ? "" : err);
    pthread_mutex_unlock(&h->mu);

    /* Once per change, not once per run: an endpoint that stopped reporting
     * would otherwise fill the log at the probe interval. The name only
     * changes on this thread, so it is read without the lock. */
    if (is_new_error) {
        log_warn("health: resource '%s': cannot read the load figure (%s)", p->name, err);
    } else if (rc == 0 && was_failing) {
        log_info("health: resource '%s': load figure read again (%g)", p->name, value);
    }
}

int health_slot_load(const health_t *h, uint32_t slot, double *value, double *at_ms, char *err,
                     size_t errlen)
{
    if (err != NULL && errlen > 0) {
        err[0] = '\0';
    }
    if (h == NULL || slot >= h->capacity) {
        return -GSLB_ENOTFOUND;
    }
    /* As in health_slot_info: the lock is not part of the logical state. */
    pthread_mutex_t *mu = (pthread_mutex_t *)&h->mu;
    pthread_mutex_lock(mu);
    const health_probe_t *p = h->slots[slot];
    int rc = -GSLB_ENOTFOUND;
    if (p != NULL) {
        if (err != NULL && errlen > 0) {
            snprintf(err, errlen, "%s", p->load_error);
        }
        if (p->has_load) {
            if (value != NULL) {
                *value = p->load;
            }
            if (at_ms != NULL) {
                *at_ms = p->load_at_ms;
            }
            rc = 0;
        }
    }
    pthread_mutex_unlock(mu);
    return rc;
}
