/* snapshot: the publication point — one RCU pointer, swapped whole, old snapshots retired. */

/* liburcu's read side inline: snapshot_current runs once per batch of queries. */
#define _LGPL_SOURCE /* before any urcu header */

#include "snapshot_int.h"

#include <stdlib.h>
#include <urcu.h>

snapshot_pub_t *snapshot_pub_new(const char *conf_path, health_t *health, steer_t *steer)
{
    snapshot_pub_t *pub = xcalloc(1, sizeof(*pub));
    pub->conf_path = xstrdup(conf_path);
    pub->health = health;
    pub->steer = steer;
    return pub;
}

/* Wait until no reader can hold old, then free it, and only then let
 * health reuse the slots of the resources that old had and its successor
 * does not (health_apply retired them while old was still being served). */
static void retire(snapshot_pub_t *pub, snapshot_t *old)
{
    if (old == NULL) {
        return;
    }
    synchronize_rcu(); /* every reader has left its read-side section on old */
    snapshot_free(old);
    health_slots_reclaim(pub->health);
    steer_slots_reclaim(pub->steer);
}

void snapshot_pub_free(snapshot_pub_t *pub)
{
    if (pub == NULL) {
        return;
    }
    retire(pub, rcu_xchg_pointer(&pub->current, NULL));
    free(pub->conf_path);
    free(pub);
}

const snapshot_t *snapshot_current(const snapshot_pub_t *pub)
{
    return rcu_dereference(pub->current);
}

uint64_t snapshot_publish(snapshot_pub_t *pub, snapshot_t *next, const snapshot_hook_t *hook)
{
    bool has_lock = hook != NULL && hook->mu != NULL;
    if (has_lock) {
        pthread_mutex_lock(hook->mu);
    }
    /* Only this thread swaps the pointer, so the current one is stable here. */
    snapshot_t *old = pub->current;
    next->generation = ++pub->generation;
    if (hook != NULL && hook->prepare != NULL) {
        hook->prepare(hook->arg, old, next);
    }
    rcu_xchg_pointer(&pub->current, next);
    if (has_lock) {
        pthread_mutex_unlock(hook->mu);
    }
    retire(pub, old);
    return next->generation;
}
