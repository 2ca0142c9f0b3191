/* policy: the geo decision trees of a policy: record tree, distance trees, continent tree. */
#include "policy_int.h"

#include <time.h>

static double ms_since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

int policy_records_build(policy_t *p, const conf_t *conf, geo_records_t **recs,
                         gslb_diag_t *diag)
{
    *recs = NULL;
    if (p->geo == NULL) {
        return 0;
    }
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = geo_records_build(recs, p->geo);
    if (rc < 0) {
        const char *db = conf->geoip.database != NULL ? conf->geoip.database : conf->path;
        gslb_diag_report(diag, DIAG_ERROR, db, 0, 0,
                         "geoip: cannot read the database's networks (corrupt search tree "
                         "or record)");
        return rc;
    }
    p->records_ms = ms_since(&t0);
    p->records = geo_records_count(*recs);
    return 0;
}

static void tree_log(const char *what, const char *name, const geo_tree_t *t)
{
    geo_tree_stats_t st = geo_tree_stats(t);
    log_info("policy: %s '%s': decision tree built in %.0f ms: %llu IPv4 and %llu IPv6 leaf "
             "blocks, %zu distinct results, %zu KiB",
             what, name, st.build_ms, (unsigned long long)st.leaves4,
             (unsigned long long)st.leaves6, st.results, (st.bytes + 1023) / 1024);
}

void policy_trees_build(policy_t *p, const conf_t *conf, const geo_records_t *recs,
                        gslb_diag_t *diag)
{
    if (p->geo != NULL) {
        log_info("policy: geoip: database read in %.0f ms: %zu distinct records",
                 p->records_ms, geo_records_count(recs));
    }
    for (size_t i = 0; i < p->map_count; i++) {
        tree_log("map", conf->maps[i].name, geo_map_tree(p->maps[i]));
    }
    for (size_t i = 0; i < p->service_count; i++) {
        policy_service_t *s = &p->services[i];
        /* latency without a map: distance is the order of uncovered clients */
        bool uses_distance = s->kind == CONF_POLICY_NEAREST ||
                             (s->kind == CONF_POLICY_LATENCY && s->fallback_map == NULL);
        if (!uses_distance) {
            continue;
        }
        if (geo_tree_nearest_new(&s->nearest, recs, p->sites, s->cand, s->cand_count) < 0) {
            gslb_diag_report(diag, DIAG_ERROR, s->conf->pos.file, s->conf->pos.line,
                             s->conf->pos.col, "service '%s': decision tree does not fit in "
                             "memory", s->conf->name);
            continue;
        }
        tree_log("service", s->conf->name, s->nearest);
    }
    if (geo_tree_continent_new(&p->continents, recs) < 0) {
        gslb_diag_report(diag, DIAG_ERROR, conf->path, 0, 0,
                         "geoip: continent tree does not fit in memory");
    }
}

size_t policy_tree_count(const policy_t *p)
{
    size_t n = p->map_count + (p->continents != NULL);
    for (size_t i = 0; i < p->service_count; i++) {
        n += p->services[i].nearest != NULL;
    }
    return n;
}

void policy_tree_at(const policy_t *p, size_t i, const char **kind, const char **name,
                    geo_tree_stats_t *stats)
{
    const geo_tree_t *t = NULL;
    if (i < p->map_count) {
        *kind = "map";
        *name = geo_map_name(p->maps[i]);
        t = geo_map_tree(p->maps[i]);
    } else {
        i -= p->map_count;
        for (size_t k = 0; k < p->service_count && t == NULL; k++) {
            const policy_service_t *s = &p->services[k];
            if (s->nearest != NULL && i-- == 0) {
                *kind = "service";
                *name = s->conf->name;
                t = s->nearest;
            }
        }
        if (t == NULL) {
            *kind = "continents";
            *name = "";
            t = p->continents;
        }
    }
    *stats = geo_tree_stats(t);
}

double policy_records_ms(const policy_t *p)
{
    return p->records_ms;
}

size_t policy_records_count(const policy_t *p)
{
    return p->records;
}
