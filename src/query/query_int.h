/* query: internal helpers shared by the snapshot builder. */
#ifndef GSLB_QUERY_INT_H
#define GSLB_QUERY_INT_H

#include "gslb/health.h"
#include "gslb/query.h"

/* Health probe definitions for every resource of a policy, in resource
 * order, with the strings they point to. */
typedef struct query_probe_defs {
    health_probe_def_t *defs;
    size_t count;
    char **names;
    char **keys;
    uint8_t **qnames;
} query_probe_defs_t;

void query_probe_defs_build(const policy_t *p, const conf_t *c, query_probe_defs_t *out);
void query_probe_defs_free(query_probe_defs_t *defs);

#endif
