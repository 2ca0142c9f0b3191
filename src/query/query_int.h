/* query: internal helpers shared by the snapshot builder. */
#ifndef GSLB_QUERY_INT_H
#define GSLB_QUERY_INT_H

#include "gslb/health.h"
#include "gslb/query.h"

/* The health targets of every resource of a policy, in resource order,
 * with the strings they point to; the defs are borrowed from the conf_t. */
typedef struct query_probe_targets {
    health_target_t *targets;
    size_t count;
    char **names;
    char **keys;
} query_probe_targets_t;

void query_probe_targets_build(const policy_t *p, const conf_t *c, query_probe_targets_t *out);
void query_probe_targets_free(query_probe_targets_t *pt);

#endif
