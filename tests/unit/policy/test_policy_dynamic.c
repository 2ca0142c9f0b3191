/* Unit tests for the dynamic step of policy_select: shedding by client hash, spill-over on
 * spare capacity, failover spread or ordered, the hashed policy, best N, rotation, and the
 * ECS scope each of them gives. Loads are pushed and stepped by hand (no health thread). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "gslb/conf.h"
#include "gslb/health.h"
#include "gslb/policy.h"
#include "gslb/steer.h"

static const char config[] =
    "zones:\n"
    "  - file: test.zone\n"
    "    origin: test.\n"
    "datacenters:\n"
    "  a:\n"
    "    capacity: 100\n"
    "    addresses: [192.0.2.1]\n"
    "    load: {feed: control}\n"
    "  b:\n"
    "    capacity: 100\n"
    "    addresses: [192.0.2.2]\n"
    "    load: {feed: control}\n"
    "  c:\n"
    "    capacity: 200\n"
    "    addresses: [192.0.2.3]\n"
    "    load: {feed: control}\n"
    "  d:\n"
    "    addresses: [198.51.100.1, 198.51.100.2, 198.51.100.3, 198.51.100.4]\n"
    "services:\n"
    "  spread.test.:\n"
    "    policy: failover\n"
    "    datacenters: [a, b, c]\n"
    "  ordered.test.:\n"
    "    policy: failover\n"
    "    datacenters: [a, b, c]\n"
    "    failover: ordered\n"
    "  hashed.test.:\n"
    "    policy: hashed\n"
    "    datacenters: [a, b, c]\n"
    "  best2.test.:\n"
    "    policy: failover\n"
    "    datacenters: [a, b, c]\n"
    "    datacenters_per_answer: 2\n"
    "  rot.test.:\n"
    "    policy: failover\n"
    "    datacenters: [d]\n"
    "    addresses: 4\n"
    "    rotate: true\n"
    "  hashaddr.test.:\n"
    "    policy: hashed\n"
    "    datacenters: [d]\n"
    "    hash_prefix_v4: 20\n";

enum { SVC_SPREAD, SVC_ORDERED, SVC_HASHED, SVC_BEST2, SVC_ROT, SVC_HASHADDR };
enum { DC_A, DC_B, DC_C, DC_D };
#define CLIENTS 20000

typedef struct fixture {
    conf_t *conf;
    policy_t *policy;
    steer_t *steer;
    uint64_t rng;
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    gslb_diag_t *diag = gslb_diag_new(true);
    assert_int_equal(conf_load_string("dynamic.yaml", config, diag, &f->conf), 0);
    assert_int_equal(policy_new(&f->policy, f->conf, NULL, diag), 0);
    gslb_diag_free(diag);
    f->steer = steer_new(16, NULL);
    steer_dc_in_t in[4];
    uint32_t slots[4];
    for (size_t i = 0; i < 4; i++) {
        const conf_datacenter_t *dc = &f->conf->datacenters[i];
        in[i] = (steer_dc_in_t){.name = dc->name, .capacity = dc->weight, .def = &dc->load};
    }
    assert_int_equal(steer_apply(f->steer, in, 4, slots), 0);
    assert_true(slots[DC_D] == STEER_SLOT_NONE);
    policy_steer_attach(f->policy, f->steer, slots);
    f->rng = 42;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    policy_free(f->policy);
    steer_free(f->steer);
    conf_free(f->conf);
    free(f);
    return 0;
}

/* Utilisation figures for a, b, c, and one controller step on them. */
static void loads(fixture_t *f, double a, double b, double c, double now_ms)
{
    assert_int_equal(steer_push(f->steer, "a", a), 0);
    assert_int_equal(steer_push(f->steer, "b", b), 0);
    assert_int_equal(steer_push(f->steer, "c", c), 0);
    steer_step(f->steer, now_ms);
}

static gslb_addr_t client(uint32_t i)
{
    gslb_addr_t c = {.family = AF_INET};
    /* one client per /24 across 10.0.0.0/8 and beyond, host part varying */
    uint32_t net = 0x0a000000u + (i << 8);
    c.addr[0] = (uint8_t)(net >> 24);
    c.addr[1] = (uint8_t)(net >> 16);
    c.addr[2] = (uint8_t)(net >> 8);
    c.addr[3] = (uint8_t)(i * 37);
    return c;
}

static void select_for(fixture_t *f, int svc, const gslb_addr_t *c, policy_result_t *r)
{
    policy_select(f->policy, policy_service_at(f->policy, (size_t)svc), c, 1 /* A */, &f->rng, r);
}

/* No load, no failure: the first candidate, the hash never consulted, scope 0. */
static void test_no_shed_no_hash(void **state)
{
    fixture_t *f = *state;
    loads(f, 0.3, 0.3, 0.3, health_monotonic_ms());
    policy_result_t r;
    for (uint32_t i = 0; i < 100; i++) {
        gslb_addr_t c = client(i);
        select_for(f, SVC_SPREAD, &c, &r);
        assert_int_equal(r.chosen[0], DC_A);
        assert_false(r.has_hash);
        assert_int_equal(r.scope_bits, 0);
        assert_int_equal(r.reason, POLICY_REASON_PREFERRED);
    }
}

/* a at 1.6 sheds 25% after one step; its shed clients go to b and c in
 * proportion to their spare capacity (60 : 120); every answer depends on
 * the /24, and the same client always gets the same site. */
static void test_shed_and_spill(void **state)
{
    fixture_t *f = *state;
    loads(f, 1.6, 0.2, 0.2, health_monotonic_ms());
    policy_result_t r;
    int n[3] = {0};
    for (uint32_t i = 0; i < CLIENTS; i++) {
        gslb_addr_t c = client(i);
        select_for(f, SVC_SPREAD, &c, &r);
        assert_true(r.has_hash);
        assert_int_equal(r.scope_bits, 24);
        assert_float_equal(r.shed_fraction, 0.25, 1e-6);
        n[r.chosen[0]]++;
        assert_int_equal(r.is_shed, r.chosen[0] != DC_A);
        assert_int_equal(r.reason, r.is_shed ? POLICY_REASON_SHED : POLICY_REASON_PREFERRED);
        assert_false(r.is_degraded); /* shed is not a failure: normal TTL */
        /* sticky */
        policy_result_t again;
        gslb_addr_t c2 = c;
        c2.addr[3] ^= 0x55; /* another host of the same /24 */
        select_for(f, SVC_SPREAD, &c2, &again);
        assert_int_equal(again.chosen[0], r.chosen[0]);
    }
    double shed = (double)(n[DC_B] + n[DC_C]) / CLIENTS;
    assert_true(fabs(shed - 0.25) < 0.01);
    double to_c = (double)n[DC_C] / (n[DC_B] + n[DC_C]);
    assert_true(fabs(to_c - 2.0 / 3.0) < 0.03);
}

/* A larger shed fraction keeps every client shed before shed, at the same site. */
static void test_shed_monotone(void **state)
{
    fixture_t *f = *state;
    double now = health_monotonic_ms();
    loads(f, 1.6, 0.2, 0.2, now);
    static uint8_t before[CLIENTS];
    policy_result_t r;
    for (uint32_t i = 0; i < CLIENTS; i++) {
        gslb_addr_t c = client(i);
        select_for(f, SVC_SPREAD, &c, &r);
        before[i] = (uint8_t)r.chosen[0];
    }
    loads(f, 1.6, 0.2, 0.2, now + 1); /* same figures, a new sample: f grows */
    int kept = 0, moved = 0;
    for (uint32_t i = 0; i < CLIENTS; i++) {
        gslb_addr_t c = client(i);
        select_for(f, SVC_SPREAD, &c, &r);
        if (before[i] != DC_A) {
            assert_int_equal(r.chosen[0], before[i]);
            kept++;
        } else {
            moved += r.chosen[0] != DC_A;
        }
    }
    assert_true(kept > 0 && moved > 0);
}

/* A down first candidate: spread by spare capacity (failover: spread), or
 * all to the next one (failover: ordered). Down answers carry the degraded TTL. */
static void test_down_spread_or_ordered(void **state)
{
    fixture_t *f = *state;
    loads(f, 0.2, 0.5, 0.2, health_monotonic_ms()); /* spare b 30, c 120 */
    policy_datacenter_set_admin(f->policy, DC_A, HEALTH_ADMIN_FORCE_DOWN);
    policy_result_t r;
    int n[3] = {0}, ordered_b = 0;
    for (uint32_t i = 0; i < CLIENTS; i++) {
        gslb_addr_t c = client(i);
        select_for(f, SVC_SPREAD, &c, &r);
        n[r.chosen[0]]++;
        assert_int_equal(r.reason, POLICY_REASON_FAILED_OVER);
        assert_true(r.is_degraded);
        assert_int_equal(r.scope_bits, 24);
        select_for(f, SVC_ORDERED, &c, &r);
        ordered_b += r.chosen[0] == DC_B;
        assert_int_equal(r.scope_bits, 0);
    }
    assert_int_equal(n[DC_A], 0);
    assert_true(fabs((double)n[DC_C] / CLIENTS - 0.8) < 0.02);
    assert_int_equal(ordered_b, CLIENTS);
    policy_datacenter_set_admin(f->policy, DC_A, HEALTH_ADMIN_NONE);
}

/* Every site at or over target: spill in proportion to capacity. A stale
 * feed counts as at target. */
static void test_all_full_by_capacity(void **state)
{
    fixture_t *f = *state;
    double now = health_monotonic_ms();
    loads(f, 0.2, 0.5, 0.2, now);
    /* 40 s later without figures every feed is stale: all at target. */
    steer_step(f->steer, now + 40000);
    policy_datacenter_set_admin(f->policy, DC_A, HEALTH_ADMIN_FORCE_DOWN);
    assert_float_equal(policy_datacenter_spare(f->policy, DC_B), 0, 1e-9);
    policy_result_t r;
    int to_c = 0;
    for (uint32_t i = 0; i < CLIENTS; i++) {
        gslb_addr_t c = client(i);
        select_for(f, SVC_SPREAD, &c, &r);
        to_c += r.chosen[0] == DC_C;
    }
    assert_true(fabs((double)to_c / CLIENTS - 2.0 / 3.0) < 0.02);
    policy_datacenter_set_admin(f->policy, DC_A, HEALTH_ADMIN_NONE);
}

/* hashed: shares by capacity (1:1:2); a site going down moves only its clients. */
static void test_hashed(void **state)
{
    fixture_t *f = *state;
    loads(f, 0.1, 0.1, 0.1, health_monotonic_ms());
    static uint8_t before[CLIENTS];
    policy_result_t r;
    int n[3] = {0};
    for (uint32_t i = 0; i < CLIENTS; i++) {
        gslb_addr_t c = client(i);
        select_for(f, SVC_HASHED, &c, &r);
        before[i] = (uint8_t)r.chosen[0];
        n[r.chosen[0]]++;
        assert_int_equal(r.scope_bits, 24);
        assert_int_equal(r.reason, POLICY_REASON_HASHED);
    }
    assert_true(fabs((double)n[DC_C] / CLIENTS - 0.5) < 0.015);
    assert_true(fabs((double)n[DC_A] / CLIENTS - 0.25) < 0.015);
    policy_datacenter_set_admin(f->policy, DC_B, HEALTH_ADMIN_DRAIN);
    for (uint32_t i = 0; i < CLIENTS; i++) {
        gslb_addr_t c = client(i);
        select_for(f, SVC_HASHED, &c, &r);
        if (before[i] != DC_B) {
            assert_int_equal(r.chosen[0], before[i]);
        } else {
            assert_int_not_equal(r.chosen[0], DC_B);
        }
    }
    policy_datacenter_set_admin(f->policy, DC_B, HEALTH_ADMIN_NONE);
}

/* The hashed policy's per-bucket table and the order computed per query
 * (used while a capacity is changed at run time) are the same function: a
 * small change of capacity moves a few clients, not half of them, and the
 * configured capacity back gives every client its old answer. */
static void test_hashed_table_matches_live(void **state)
{
    fixture_t *f = *state;
    static uint8_t before[CLIENTS];
    policy_result_t r;
    for (uint32_t i = 0; i < CLIENTS; i++) {
        gslb_addr_t c = client(i);
        select_for(f, SVC_HASHED, &c, &r);
        before[i] = (uint8_t)r.chosen[0];
    }
    policy_datacenter_set_weight(f->policy, DC_A, 102);
    int moved = 0;
    for (uint32_t i = 0; i < CLIENTS; i++) {
        gslb_addr_t c = client(i);
        select_for(f, SVC_HASHED, &c, &r);
        moved += r.chosen[0] != before[i];
        /* only towards a, whose capacity grew */
        assert_true(r.chosen[0] == before[i] || r.chosen[0] == DC_A);
    }
    assert_true(moved > 0 && moved < CLIENTS / 50);
    policy_datacenter_set_weight(f->policy, DC_A, 100);
    for (uint32_t i = 0; i < CLIENTS; i++) {
        gslb_addr_t c = client(i);
        select_for(f, SVC_HASHED, &c, &r);
        assert_int_equal(r.chosen[0], before[i]);
    }
}

/* hashed inside a data center: one address per client by rendezvous hash,
 * the same for the whole /20 (hash_prefix_v4), spread over the four. */
static void test_hashed_addresses(void **state)
{
    fixture_t *f = *state;
    policy_result_t r;
    int seen[256] = {0};
    for (uint32_t i = 0; i < 4000; i++) {
        gslb_addr_t c = client(i * 16);
        select_for(f, SVC_HASHADDR, &c, &r);
        assert_int_equal(r.count, 1);
        assert_int_equal(r.scope_bits, 20);
        seen[r.rrs[0].data[3]]++;
        policy_result_t again;
        gslb_addr_t c2 = client(i * 16 + 15); /* same /20 */
        select_for(f, SVC_HASHADDR, &c2, &again);
        assert_memory_equal(again.rrs[0].data, r.rrs[0].data, 4);
    }
    for (int k = 1; k <= 4; k++) {
        assert_true(seen[k] > 800);
    }
}

/* Best N: a shed client gets its spill-over site first, then the next
 * sites in order, never the site that shed it. */
static void test_best_n(void **state)
{
    fixture_t *f = *state;
    loads(f, 1.6, 0.2, 0.2, health_monotonic_ms());
    policy_result_t r;
    for (uint32_t i = 0; i < 2000; i++) {
        gslb_addr_t c = client(i);
        select_for(f, SVC_BEST2, &c, &r);
        assert_int_equal(r.chosen_count, 2);
        if (r.is_shed) {
            assert_int_not_equal(r.chosen[0], DC_A);
            assert_int_not_equal(r.chosen[1], DC_A);
        } else {
            assert_int_equal(r.chosen[0], DC_A);
            assert_int_equal(r.chosen[1], DC_B);
        }
    }
}

/* rotate: the same four records, first record moving on by one per query. */
static void test_rotate(void **state)
{
    fixture_t *f = *state;
    policy_result_t r;
    gslb_addr_t c = client(1);
    uint8_t first[8];
    for (int q = 0; q < 8; q++) {
        select_for(f, SVC_ROT, &c, &r);
        assert_int_equal(r.count, 4);
        int sum = 0;
        for (size_t i = 0; i < 4; i++) {
            sum += r.rrs[i].data[3];
            /* rotation keeps the cyclic order */
            assert_int_equal(r.rrs[(i + 1) % 4].data[3], r.rrs[i].data[3] % 4 + 1);
        }
        assert_int_equal(sum, 1 + 2 + 3 + 4);
        first[q] = r.rrs[0].data[3];
    }
    for (int q = 1; q < 8; q++) {
        assert_int_equal(first[q], first[q - 1] % 4 + 1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_no_shed_no_hash, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shed_and_spill, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shed_monotone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_down_spread_or_ordered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_all_full_by_capacity, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hashed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hashed_table_matches_live, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hashed_addresses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_best_n, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rotate, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
