/* steer: one step of the shed-fraction controller (pure; see steer.h). */
#include "gslb/steer.h"

/* Share of the way to the goal taken per step: the figure a step sees
 * lags the answers it changed (feed interval, resolver caches), so moving
 * all the way at once would overshoot. */
#define STEER_GAIN 0.5

double steer_controller_step(const steer_def_t *def, double f, double u, double e)
{
    double shift = e > def->target ? e - def->target : 0;
    double hi = def->shed_above + shift;
    double lo = def->restore_below + shift;
    if (!(f > 0)) {
        f = 0;
        if (!(u > hi)) {
            return 0; /* not shedding, and not over the start threshold */
        }
    } else if (u >= lo && u <= hi) {
        return f; /* inside the hysteresis band: hold */
    }
    double next;
    if (!(u > 0)) {
        next = f - def->max_step; /* nothing arrives: give clients back */
    } else {
        double keep = 1.0 - f;
        /* keep' = keep * e / u would make u equal e if the clients kept
         * brought load in proportion; a first shed starts from keep = 1. */
        double goal = keep * e / u;
        if (goal >= 1) {
            /* Even keeping every client stays at or below e: release at
             * full step (half way would only approach 0). */
            next = f - def->max_step;
        } else {
            next = 1.0 - (keep + STEER_GAIN * (goal - keep));
        }
        if (next > f + def->max_step) {
            next = f + def->max_step;
        } else if (next < f - def->max_step) {
            next = f - def->max_step;
        }
    }
    if (next < 0) {
        next = 0;
    } else if (next > 1) {
        next = 1;
    }
    return next;
}
