/* snapshot: the steps of a load, shared by the files of the module. */
#ifndef GSLB_SNAPSHOT_INT_H
#define GSLB_SNAPSHOT_INT_H

#include "gslb/snapshot.h"

/* zones.c: load every configured zone into s->zones (left NULL when any
 * zone fails; each failure is reported to diag). */
void snapshot_zones_load(snapshot_t *s, gslb_diag_t *diag);

/* zones.c: attach each service of s->policy to the most specific zone that
 * contains its name; a service outside every zone is reported. */
void snapshot_services_attach(snapshot_t *s, gslb_diag_t *diag);

/* zones.c: sign every zone that has dnssec: keys (after the services are attached, so
 * that their names get NSEC records); key problems go to diag. */
void snapshot_zones_sign(snapshot_t *s, gslb_diag_t *diag);

/* probes.c: give every resource of s->policy its health slot (health_apply
 * with one target per resource; health NULL: every resource is up), then
 * every data center with a load feed its load slot (steer_apply; steer
 * NULL: no live load). Runs last, once everything else is valid, because
 * it changes the live probe and feed sets. Returns 0 or the error of
 * health_apply or steer_apply (reported to diag). */
int snapshot_slots_attach(snapshot_t *s, health_t *health, steer_t *steer, gslb_diag_t *diag);

/* limits.c: the rate limits, the tree of exempt networks and the cookie secrets from
 * their file (errors and warnings to diag). */
void snapshot_limits_prepare(snapshot_t *s, gslb_diag_t *diag);

/* publish.c: the publication point; reload.c reads its inputs. */
struct snapshot_pub {
    snapshot_t *current;  /* RCU-published; swapped by the publishing thread only */
    uint64_t generation;  /* of current; the publishing thread's */
    char *conf_path;
    health_t *health;     /* borrowed */
    steer_t *steer;       /* borrowed */
};

#endif
