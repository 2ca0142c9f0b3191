/* ctl: dynamic steering on the control endpoint: a data center's live load as JSON, and
 * POST /datacenters/NAME/load?value=FIGURE for the control feed. */
#include "ctl_int.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

/* A number, or null for NaN and infinities (JSON has neither). */
static json_t *number_or_null(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

json_t *ctl_steering_json(const ctl_t *c, const policy_t *p, uint32_t dc)
{
    steer_slot_info_t info;
    uint32_t slot = policy_datacenter_load_slot(p, dc);
    if (slot == STEER_SLOT_NONE || steer_slot_info(c->steer, slot, &info) != 0) {
        return json_null();
    }
    return json_pack("{s:s, s:f, s:o, s:f, s:o, s:b, s:f, s:f, s:f, s:s?}",
                     CTL_API_KEY_FEED, steer_feed_name(info.feed),
                     CTL_API_KEY_CAPACITY, (double)policy_datacenter_weight(p, dc),
                     CTL_API_KEY_LOAD, number_or_null(info.load),
                     CTL_API_KEY_UTILISATION, info.util,
                     CTL_API_KEY_FEED_AGE_S, number_or_null(info.age_s),
                     CTL_API_KEY_STALE, info.is_stale,
                     CTL_API_KEY_SHED_FRACTION, info.shed,
                     CTL_API_KEY_TARGET, info.target,
                     CTL_API_KEY_SPARE, policy_datacenter_spare(p, dc),
                     CTL_API_KEY_FEED_ERROR, info.error[0] != '\0' ? info.error : NULL);
}

void ctl_load_action(ctl_t *c, struct evhttp_request *req, const char *name, const char *query)
{
    double value = NAN;
    if (query != NULL) {
        struct evkeyvalq q;
        evhttp_parse_query_str(query, &q);
        const char *v = evhttp_find_header(&q, CTL_API_PARAM_VALUE);
        if (v != NULL && *v != '\0') {
            char *end;
            errno = 0;
            value = strtod(v, &end);
            if (errno != 0 || *end != '\0') {
                value = NAN;
            }
        }
        evhttp_clear_headers(&q);
    }
    if (!isfinite(value) || value < 0) {
        ctl_http_reply_error(req, 400, "Bad Request", "value must be a number >= 0");
        return;
    }
    int rc = c->steer != NULL ? steer_push(c->steer, name, value) : -GSLB_ENOTFOUND;
    if (rc == -GSLB_ENOTFOUND) {
        ctl_http_reply_error(req, 404, "Not Found", "no such datacenter with a load feed");
        return;
    }
    if (rc != 0) {
        ctl_http_reply_error(req, 409, "Conflict",
                             "the datacenter's load feed is not 'control'");
        return;
    }
    log_debug("ctl: datacenter '%s': load %g", name, value);
    ctl_fleet_load_put(c, name, value);
    json_t *j = json_pack("{s:b, s:s, s:f}", CTL_API_KEY_OK, 1, CTL_API_KEY_DATACENTER, name,
                          CTL_API_KEY_LOAD, value);
    ctl_http_reply_json(req, 200, "OK", j);
    json_decref(j);
}
