/* health: the up/down hysteresis state machine fed with one probe result at a time. */
#include "gslb/health.h"

#include <limits.h>

bool health_fsm_feed(health_fsm_t *f, bool ok, unsigned up_threshold, unsigned down_threshold)
{
    /* A threshold of 0 would mean "change before any evidence"; treat it as 1. */
    if (up_threshold == 0) {
        up_threshold = 1;
    }
    if (down_threshold == 0) {
        down_threshold = 1;
    }
    /* Each result breaks the opposite run, so only consecutive results count. */
    if (ok) {
        f->failures = 0;
        if (f->successes < UINT_MAX) {
            f->successes++;
        }
        if (!f->is_up && f->successes >= up_threshold) {
            f->is_up = true;
            return true;
        }
        return false;
    }
    f->successes = 0;
    if (f->failures < UINT_MAX) {
        f->failures++;
    }
    if (f->is_up && f->failures >= down_threshold) {
        f->is_up = false;
        return true;
    }
    return false;
}
