/* bench/steer_sim.c: the steering simulator. Client subnets drawn from a real GeoIP database,
 * data centers with capacities, gslbd's own policy and controller code, and a closed loop in
 * which each data center's reported load is the demand it was assigned divided by its
 * capacity. Prints the figures the dynamic steering issue asks for; see bench/steer-sim.sh.
 *
 * Usage: steer_sim DATABASE.mmdb [CLIENTS] [SEED]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "gslb/conf.h"
#include "gslb/geo.h"
#include "gslb/policy.h"
#include "gslb/steer.h"

#define DCS 5

static const struct {
    const char *name;
    double lat, lon;
    unsigned capacity;
} sites[DCS] = {
    {"us-east", 38.9, -77.0, 400}, {"us-west", 37.4, -122.1, 300}, {"eu-west", 53.3, -6.3, 300},
    {"eu-central", 50.1, 8.7, 200}, {"ap-southeast", 1.35, 103.8, 200},
};

typedef struct sim {
    conf_t *conf;
    geo_db_t *geo;
    policy_t *policy;
    steer_t *steer;
    gslb_addr_t *clients;
    double *demand;       /* per client, in capacity units */
    size_t n;
    uint64_t rng;
} sim_t;

static uint64_t next_rand(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1Dull;
}

/* The configuration: the sites (some left out: skip < 0 keeps all), a
 * nearest service with spread failover and a hashed service. */
static char *config_text(const char *db, int skip)
{
    size_t cap = 8192;
    char *s = malloc(cap);
    size_t len = (size_t)snprintf(s, cap,
                                  "zones:\n  - file: none.zone\n    origin: sim.\n"
                                  "geoip:\n  database: %s\n"
                                  "datacenters:\n",
                                  db);
    for (int i = 0; i < DCS; i++) {
        if (i == skip) {
            continue;
        }
        len += (size_t)snprintf(s + len, cap - len,
                                "  %s:\n    location: [%g, %g]\n    capacity: %u\n"
                                "    addresses: [192.0.2.%d]\n"
                                "    load: {feed: control, unit: absolute}\n",
                                sites[i].name, sites[i].lat, sites[i].lon, sites[i].capacity,
                                i + 1);
    }
    snprintf(s + len, cap - len,
             "services:\n"
             "  near.sim.:\n    policy: nearest\n"
             "  hashed.sim.:\n    policy: hashed\n");
    return s;
}

static int build(sim_t *s, const char *db, int skip)
{
    char *text = config_text(db, skip);
    gslb_diag_t *diag = gslb_diag_new(true);
    int rc = conf_load_string("sim.yaml", text, diag, &s->conf);
    if (rc == 0 && s->geo == NULL) {
        rc = geo_db_open(&s->geo, db, s->conf->geoip.fields, diag);
    }
    if (rc == 0) {
        rc = policy_new(&s->policy, s->conf, s->geo, diag);
    }
    if (rc != 0) {
        fprintf(stderr, "steer_sim: cannot build the policy\n");
        exit(1);
    }
    gslb_diag_free(diag);
    free(text);
    steer_dc_in_t in[DCS];
    uint32_t slots[DCS];
    size_t n = s->conf->datacenter_count;
    for (size_t i = 0; i < n; i++) {
        const conf_datacenter_t *dc = &s->conf->datacenters[i];
        in[i] = (steer_dc_in_t){.name = dc->name, .capacity = dc->weight, .def = &dc->load};
    }
    if (steer_apply(s->steer, in, n, slots) != 0) {
        fprintf(stderr, "steer_sim: steer_apply failed\n");
        exit(1);
    }
    policy_steer_attach(s->policy, s->steer, slots);
    return 0;
}

static void unbuild(sim_t *s)
{
    policy_free(s->policy);
    conf_free(s->conf);
    s->policy = NULL;
    s->conf = NULL;
    steer_slots_reclaim(s->steer);
}

/* n distinct /24 client subnets that the database locates (with
 * coordinates), drawn uniformly from the IPv4 space it covers. */
static void draw_clients(sim_t *s, size_t n)
{
    s->clients = calloc(n, sizeof(*s->clients));
    s->demand = calloc(n, sizeof(*s->demand));
    uint8_t *seen = calloc(1u << 24, 1);
    size_t got = 0;
    while (got < n) {
        uint32_t net = (uint32_t)(next_rand(&s->rng) >> 40); /* a /24 */
        if (seen[net]) {
            continue;
        }
        seen[net] = 1;
        uint8_t a[16] = {(uint8_t)(net >> 16), (uint8_t)(net >> 8), (uint8_t)net, 1};
        geo_location_t loc;
        if (geo_db_lookup(s->geo, AF_INET, a, &loc) != 0 || !loc.is_found || !loc.has_coords) {
            continue;
        }
        s->clients[got].family = AF_INET;
        memcpy(s->clients[got].addr, a, 4);
        got++;
    }
    free(seen);
    s->n = n;
}

static const policy_service_t *service(const sim_t *s, const char *owner_first_label)
{
    for (size_t i = 0; i < policy_service_count(s->policy); i++) {
        const policy_service_t *svc = policy_service_at(s->policy, i);
        if (strncmp(policy_service_conf(svc)->name, owner_first_label,
                    strlen(owner_first_label)) == 0) {
            return svc;
        }
    }
    abort();
}

/* Assign every client once; assigned[d] is the demand each site got,
 * choice[i] the site of client i (config index of the current policy). */
static void assign(sim_t *s, const policy_service_t *svc, double *assigned, uint8_t *choice)
{
    memset(assigned, 0, DCS * sizeof(*assigned));
    for (size_t i = 0; i < s->n; i++) {
        policy_result_t r;
        policy_select(s->policy, svc, &s->clients[i], 1 /* A */, &s->rng, &r);
        uint32_t d = r.chosen_count > 0 ? r.chosen[0] : 0;
        assigned[d] += s->demand[i];
        if (choice != NULL) {
            choice[i] = (uint8_t)d;
        }
    }
}

/* One interval of the loop: assign, report each site's load, step the controller. */
static void interval(sim_t *s, const policy_service_t *svc, double *assigned, uint8_t *choice)
{
    assign(s, svc, assigned, choice);
    for (size_t d = 0; d < s->conf->datacenter_count; d++) {
        steer_push(s->steer, s->conf->datacenters[d].name, assigned[d]);
    }
    steer_step(s->steer, health_monotonic_ms());
}

static double total_capacity(const sim_t *s)
{
    double c = 0;
    for (size_t d = 0; d < s->conf->datacenter_count; d++) {
        c += s->conf->datacenters[d].weight;
    }
    return c;
}

static void set_demand(sim_t *s, double total)
{
    for (size_t i = 0; i < s->n; i++) {
        s->demand[i] = total / (double)s->n;
    }
}

/* Reset the controller: no load, so every shed fraction falls back to 0. */
static void settle_empty(sim_t *s, const policy_service_t *svc)
{
    double assigned[DCS];
    set_demand(s, 0);
    for (int k = 0; k < 12; k++) {
        interval(s, svc, assigned, NULL);
    }
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: steer_sim DATABASE.mmdb [CLIENTS] [SEED]\n");
        return 2;
    }
    const char *db = argv[1];
    size_t n = argc > 2 ? (size_t)strtoul(argv[2], NULL, 10) : 100000;
    sim_t s = {.rng = argc > 3 ? strtoull(argv[3], NULL, 10) : 12345};
    if (s.rng == 0) {
        s.rng = 1;
    }
    log_set_level(LOG_LEVEL_WARN); /* the loads' figures, not every tree build */
    s.steer = steer_new(64, NULL);
    build(&s, db, -1);
    draw_clients(&s, n);
    const policy_service_t *near = service(&s, "near");
    double cap = total_capacity(&s);
    double assigned[DCS];
    uint8_t *choice = calloc(n, 1), *prev = calloc(n, 1), *first = calloc(n, 1);
    int fails = 0;
    printf("steering simulator: %zu client /24s drawn from %s, %d data centers, "
           "capacity %.0f\n\n",
           n, db, DCS, cap);

    /* 1. Native shares (no shedding): demand far below target. */
    set_demand(&s, 0.3 * cap);
    interval(&s, near, assigned, choice);
    printf("1. nearest order without shedding (demand 30%% of capacity):\n");
    printf("   %-14s %9s %11s %11s\n", "datacenter", "capacity", "cap share", "clients");
    for (int d = 0; d < DCS; d++) {
        printf("   %-14s %9u %10.1f%% %10.1f%%\n", sites[d].name, sites[d].capacity,
               100.0 * sites[d].capacity / cap, 100.0 * assigned[d] / (0.3 * cap));
    }

    /* 2. Every site over target: demand 130% of capacity. */
    set_demand(&s, 1.3 * cap);
    for (int k = 0; k < 40; k++) {
        interval(&s, near, assigned, choice);
    }
    double worst = 0;
    printf("\n2. demand 130%% of capacity (every site over its target 0.8), after 40 "
           "intervals:\n");
    printf("   %-14s %11s %11s %11s %8s\n", "datacenter", "cap share", "share", "util",
           "shed");
    for (int d = 0; d < DCS; d++) {
        double share = assigned[d] / (1.3 * cap), want = sites[d].capacity / cap;
        steer_slot_info_t info;
        steer_slot_info(s.steer, policy_datacenter_load_slot(s.policy, (uint32_t)d), &info);
        printf("   %-14s %10.1f%% %10.1f%% %11.2f %7.1f%%\n", sites[d].name, 100 * want,
               100 * share, assigned[d] / sites[d].capacity, 100 * info.shed);
        worst = fabs(share - want) > worst ? fabs(share - want) : worst;
    }
    printf("   largest difference from the capacity share: %.2f points (target <= 2): %s\n",
           100 * worst, 100 * worst <= 2 ? "met" : "NOT MET");
    fails += 100 * worst > 2;

    /* 3. Stickiness: 100 steady intervals, who changes site? */
    interval(&s, near, assigned, first);
    size_t changed = 0;
    uint8_t *ever = calloc(n, 1);
    for (int k = 0; k < 100; k++) {
        interval(&s, near, assigned, choice);
        for (size_t i = 0; i < n; i++) {
            ever[i] |= choice[i] != first[i];
        }
    }
    for (size_t i = 0; i < n; i++) {
        changed += ever[i];
    }
    printf("\n3. 100 steady intervals at that demand: %.3f%% of clients kept their data "
           "center (target 100%%): %s\n",
           100.0 - 100.0 * (double)changed / n, changed == 0 ? "met" : "NOT MET");
    fails += changed != 0;

    /* 4. Step in demand: us-east's own clients push it from just under its
     * target to well over it, while the others have room. */
    settle_empty(&s, near);
    set_demand(&s, 0.5 * cap);
    for (int k = 0; k < 20; k++) {
        interval(&s, near, assigned, NULL);
    }
    uint32_t dc = 0;
    assign(&s, near, assigned, choice);
    double before_util = assigned[dc] / sites[dc].capacity;
    for (size_t i = 0; i < n; i++) {
        if (choice[i] == dc) {
            s.demand[i] *= 1.6;
        }
    }
    double lo = 0.75, hi = 0.85, target = 0.8;
    printf("\n4. step in demand: %s's own clients go from utilisation %.2f to %.2f "
           "(target %.2f, band %.2f..%.2f):\n   interval:",
           sites[dc].name, before_util, before_util * 1.6, target, lo, hi);
    enum { STEPS = 30 };
    double u_series[STEPS];
    for (int k = 0; k < STEPS; k++) {
        interval(&s, near, assigned, NULL);
        u_series[k] = assigned[dc] / sites[dc].capacity;
        if (k < 15) {
            printf(" %.2f", u_series[k]);
        }
    }
    printf(" ...\n");
    /* Settled: inside the band from then on. */
    int settled = -1;
    for (int k = STEPS - 1; k >= 0 && u_series[k] >= lo && u_series[k] <= hi; k--) {
        settled = k + 1;
    }
    /* Overshoot: how far past the target the controller pushed, on the far side. */
    double min_u = 10;
    for (int k = 1; k < STEPS; k++) {
        min_u = u_series[k] < min_u ? u_series[k] : min_u;
    }
    double overshoot = min_u < target ? (target - min_u) / target : 0;
    printf("   settled inside the band after %d intervals (target <= 10): %s\n", settled,
           settled > 0 && settled <= 10 ? "met" : "NOT MET");
    printf("   overshoot below the target: %.1f%% (target <= 10%%): %s\n", 100 * overshoot,
           overshoot <= 0.10 ? "met" : "NOT MET");
    fails += !(settled > 0 && settled <= 10) + (overshoot > 0.10);
    /* Every site after the step. */
    for (int d = 0; d < DCS; d++) {
        printf("   %-14s utilisation %.2f\n", sites[d].name, assigned[d] / sites[d].capacity);
    }

    /* 5. A data center goes down: where do its clients go, against the
     * others' spare capacity just before? */
    settle_empty(&s, near);
    set_demand(&s, 0.4 * cap);
    for (int k = 0; k < 10; k++) {
        interval(&s, near, assigned, prev);
    }
    uint32_t down = 3; /* eu-central */
    double spare[DCS], spare_sum = 0;
    for (int d = 0; d < DCS; d++) {
        spare[d] = d == (int)down ? 0 : policy_datacenter_spare(s.policy, (uint32_t)d);
        spare_sum += spare[d];
    }
    policy_datacenter_set_admin(s.policy, down, HEALTH_ADMIN_FORCE_DOWN);
    assign(&s, near, assigned, choice);
    size_t went[DCS] = {0}, total_moved = 0, others_moved = 0;
    for (size_t i = 0; i < n; i++) {
        if (prev[i] == down) {
            went[choice[i]]++;
            total_moved++;
        } else {
            others_moved += choice[i] != prev[i];
        }
    }
    printf("\n5. %s goes down (demand 40%% of capacity): where its %zu clients go\n",
           sites[down].name, total_moved);
    printf("   %-14s %14s %12s\n", "datacenter", "spare share", "got");
    double worst_spread = 0;
    for (int d = 0; d < DCS; d++) {
        if (d == (int)down) {
            continue;
        }
        double want = spare[d] / spare_sum, got = (double)went[d] / (double)total_moved;
        printf("   %-14s %13.1f%% %11.1f%%\n", sites[d].name, 100 * want, 100 * got);
        worst_spread = fabs(want - got) > worst_spread ? fabs(want - got) : worst_spread;
    }
    printf("   largest difference: %.2f points; clients of other sites that moved: %zu\n",
           100 * worst_spread, others_moved);
    policy_datacenter_set_admin(s.policy, down, HEALTH_ADMIN_NONE);

    /* 6. Remove one of N and add it back: who moves? Hashed policy, and the
     * nearest policy below target (spread failover). */
    settle_empty(&s, near);
    set_demand(&s, 0.3 * cap);
    for (int pass = 0; pass < 2; pass++) {
        const char *svc_name = pass == 0 ? "hashed" : "near";
        printf("\n6%c. policy %s: remove one data center from the configuration, then add it "
               "back\n",
               'a' + pass, svc_name);
        printf("   %-14s %10s %10s %10s %10s %8s\n", "removed", "its share", "moved",
               "re-add moves", "not back", "target");
        for (int rm = 0; rm < DCS; rm++) {
            assign(&s, service(&s, svc_name), assigned, prev);
            double its = assigned[rm] / (0.3 * cap);
            unbuild(&s);
            build(&s, db, rm);
            assign(&s, service(&s, svc_name), assigned, choice);
            size_t moved = 0;
            for (size_t i = 0; i < n; i++) {
                /* indexes after rm shift down by one */
                choice[i] = (uint8_t)(choice[i] >= rm ? choice[i] + 1 : choice[i]);
                moved += choice[i] != prev[i];
            }
            unbuild(&s);
            build(&s, db, -1);
            assign(&s, service(&s, svc_name), assigned, first);
            size_t back = 0, readd = 0;
            for (size_t i = 0; i < n; i++) {
                back += first[i] != prev[i];
                readd += first[i] != choice[i];
            }
            double m = (double)moved / n, a = (double)readd / n;
            bool ok = m <= its + 0.01 && a <= its + 0.01 && back == 0;
            printf("   %-14s %9.2f%% %9.2f%% %11.2f%% %9.2f%% %8s\n", sites[rm].name, 100 * its,
                   100 * m, 100 * a, 100.0 * (double)back / n, ok ? "met" : "NOT MET");
            fails += !ok;
        }
    }
    printf("\n%s\n", fails == 0 ? "all targets met" : "SOME TARGETS NOT MET");
    free(ever);
    free(choice);
    free(prev);
    free(first);
    unbuild(&s);
    geo_db_free(s.geo);
    steer_free(s.steer);
    free(s.clients);
    free(s.demand);
    return fails == 0 ? 0 : 1;
}
