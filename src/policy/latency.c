/* policy: the latency tables a policy's latency services order their candidates by. */
#include "policy_int.h"

#include <stdlib.h>

void policy_latency_build(policy_t *p, const conf_t *conf, gslb_diag_t *diag)
{
    p->latency_table_count = conf->latency_table_count;
    p->latency_tables =
        xcalloc(p->latency_table_count ? p->latency_table_count : 1, sizeof(*p->latency_tables));
    const char **names = xcalloc(conf->datacenter_count ? conf->datacenter_count : 1,
                                 sizeof(*names));
    for (size_t i = 0; i < conf->datacenter_count; i++) {
        names[i] = conf->datacenters[i].name;
    }
    for (size_t i = 0; i < conf->latency_table_count; i++) {
        const conf_latency_table_t *t = &conf->latency_tables[i];
        if (latency_table_load(&p->latency_tables[i], t->file, names, conf->datacenter_count,
                               (int64_t)t->max_age_s, diag) == 0) {
            latency_stats_t st;
            latency_table_stats(p->latency_tables[i], &st);
            log_info("policy: latency table '%s': %zu rows, %zu prefixes, %zu leaf blocks, "
                     "%zu KiB, built in %.0f ms",
                     t->name, st.entries, st.prefixes, st.leaves, st.bytes / 1024, st.build_ms);
        }
    }
    free(names);
}

size_t policy_latency_table_count(const policy_t *p)
{
    return p->latency_table_count;
}

const latency_table_t *policy_latency_table(const policy_t *p, size_t i)
{
    return i < p->latency_table_count ? p->latency_tables[i] : NULL;
}
