/* Unit tests for policy_select: answers follow probe results and overrides as soon as they
 * change, although each thread keeps what it derived from them between changes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "gslb/conf.h"
#include "gslb/health.h"
#include "gslb/policy.h"
#include "health_int.h"

/* dc-a has two addresses, dc-b one; the service wants both addresses of the
 * first data center that is up, in the order dc-a, dc-b. */
static const char config[] =
    "server:\n"
    "  listen: [\"127.0.0.1:5353\"]\n"
    "zones:\n"
    "  - file: test.zone\n"
    "    origin: test.\n"
    "datacenters:\n"
    "  dc-a:\n"
    "    addresses: [192.0.2.1, 192.0.2.2]\n"
    "  dc-b:\n"
    "    addresses: [198.51.100.1]\n"
    "services:\n"
    "  svc.test.:\n"
    "    policy: failover\n"
    "    datacenters: [dc-a, dc-b]\n"
    "    addresses: 2\n"
    "    fail: closed\n";

typedef struct fixture {
    conf_t *conf;
    health_t *health;
    uint32_t slots[3];
    policy_t *policy;
    uint64_t rng;
} fixture_t;

static policy_t *policy_build(fixture_t *f)
{
    policy_t *p = NULL;
    gslb_diag_t *diag = gslb_diag_new(true);
    assert_int_equal(policy_new(&p, f->conf, NULL, diag), 0);
    gslb_diag_free(diag);
    assert_int_equal(policy_resource_count(p), 3);
    policy_health_attach(p, f->health, f->slots);
    return p;
}

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    gslb_diag_t *diag = gslb_diag_new(true);
    assert_int_equal(conf_load_string("select.yaml", config, diag, &f->conf), 0);
    gslb_diag_free(diag);
    assert_int_equal(health_new(&f->health, 3), 0);
    /* A file probe gets a slot; the health thread is never started, so the
     * slots change only when a test changes them. */
    health_probe_def_t def = {.type = HEALTH_PROBE_FILE,
                              .file_path = "health-state",
                              .interval_ms = 1000,
                              .timeout_ms = 1000,
                              .up_threshold = 1,
                              .down_threshold = 1,
                              .is_initially_up = true};
    health_target_t targets[3];
    static const char *const names[3] = {"dc-a/192.0.2.1", "dc-a/192.0.2.2", "dc-b/198.51.100.1"};
    for (size_t i = 0; i < 3; i++) {
        memset(&targets[i], 0, sizeof(targets[i]));
        targets[i].name = names[i];
        targets[i].def = &def;
        targets[i].file_key = names[i];
    }
    assert_int_equal(health_apply(f->health, targets, 3, f->slots), 0);
    f->policy = policy_build(f);
    f->rng = 12345;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    policy_free(f->policy);
    health_free(f->health);
    conf_free(f->conf);
    free(f);
    return 0;
}

/* The data center that answered and how many records it gave, or -1 for NODATA. */
static int answer_dc(fixture_t *f, const policy_t *p, size_t *count)
{
    policy_result_t r;
    gslb_addr_t c = {.family = AF_INET, .addr = {127, 0, 0, 1}};
    policy_select(p, policy_service_at(p, 0), &c, DNS_TYPE_A, &f->rng, &r);
    *count = r.count;
    if (r.type == 0) {
        return -1;
    }
    assert_int_equal(r.type, DNS_TYPE_A);
    assert_int_equal(r.chosen_count, 1);
    return (int)r.chosen[0];
}

static void test_probe_results_change_the_next_answer(void **state)
{
    fixture_t *f = *state;
    size_t n;
    assert_int_equal(answer_dc(f, f->policy, &n), 0);
    assert_int_equal(n, 2);
    health_state_set_probe(f->health, f->slots[0], false);
    assert_int_equal(answer_dc(f, f->policy, &n), 0); /* one of two up is enough by default */
    assert_int_equal(n, 1);
    health_state_set_probe(f->health, f->slots[1], false);
    assert_int_equal(answer_dc(f, f->policy, &n), 1);
    assert_int_equal(n, 1);
    health_state_set_probe(f->health, f->slots[2], false);
    assert_int_equal(answer_dc(f, f->policy, &n), -1); /* fail: closed */
    health_state_set_probe(f->health, f->slots[1], true);
    assert_int_equal(answer_dc(f, f->policy, &n), 0);
    assert_int_equal(n, 1);
    health_state_set_probe(f->health, f->slots[0], true);
    assert_int_equal(answer_dc(f, f->policy, &n), 0);
    assert_int_equal(n, 2);
}

static void test_policy_overrides_change_the_next_answer(void **state)
{
    fixture_t *f = *state;
    size_t n;
    assert_int_equal(answer_dc(f, f->policy, &n), 0);
    policy_datacenter_set_admin(f->policy, 0, HEALTH_ADMIN_DRAIN);
    assert_int_equal(answer_dc(f, f->policy, &n), 1);
    policy_datacenter_set_admin(f->policy, 0, HEALTH_ADMIN_NONE);
    assert_int_equal(answer_dc(f, f->policy, &n), 0);
    assert_int_equal(n, 2);
    policy_resource_set_admin(f->policy, 1, HEALTH_ADMIN_FORCE_DOWN);
    assert_int_equal(answer_dc(f, f->policy, &n), 0);
    assert_int_equal(n, 1);
    policy_resource_set_admin(f->policy, 0, HEALTH_ADMIN_DRAIN);
    assert_int_equal(answer_dc(f, f->policy, &n), 1);
    policy_resource_set_admin(f->policy, 0, HEALTH_ADMIN_NONE);
    policy_resource_set_admin(f->policy, 1, HEALTH_ADMIN_NONE);
    assert_int_equal(answer_dc(f, f->policy, &n), 0);
    assert_int_equal(n, 2);
}

/* Two policies over the same health state (a reload) never share what a
 * thread derived: the second one's override shows at once, the first one's
 * answers stay as they were. */
static void test_each_policy_has_its_own_view(void **state)
{
    fixture_t *f = *state;
    size_t n;
    policy_t *second = policy_build(f);
    assert_int_equal(answer_dc(f, f->policy, &n), 0);
    policy_datacenter_set_admin(second, 0, HEALTH_ADMIN_FORCE_DOWN);
    assert_int_equal(answer_dc(f, second, &n), 1);
    assert_int_equal(answer_dc(f, f->policy, &n), 0);
    assert_int_equal(answer_dc(f, second, &n), 1);
    policy_free(second);
}

/* The query path stops walking candidates once it has the data centers it
 * answers from; the full walk lists them all; the answers agree. */
static void test_select_and_select_full_agree(void **state)
{
    fixture_t *f = *state;
    gslb_addr_t c = {.family = AF_INET, .addr = {127, 0, 0, 1}};
    for (int round = 0; round < 3; round++) {
        if (round == 1) {
            health_state_set_probe(f->health, f->slots[0], false);
            health_state_set_probe(f->health, f->slots[1], false);
        } else if (round == 2) {
            health_state_set_probe(f->health, f->slots[2], false);
        }
        policy_result_t quick, full;
        uint64_t rng1 = 77, rng2 = 77;
        policy_select(f->policy, policy_service_at(f->policy, 0), &c, DNS_TYPE_A, &rng1, &quick);
        policy_select_full(f->policy, policy_service_at(f->policy, 0), &c, DNS_TYPE_A, &rng2,
                           &full);
        assert_int_equal(quick.type, full.type);
        assert_int_equal(quick.count, full.count);
        assert_int_equal(quick.ttl_s, full.ttl_s);
        assert_int_equal(quick.is_degraded, full.is_degraded);
        assert_int_equal(quick.is_all_down, full.is_all_down);
        assert_int_equal(quick.chosen_count, full.chosen_count);
        for (size_t i = 0; i < quick.count; i++) {
            assert_memory_equal(quick.rrs[i].data, full.rrs[i].data, 4);
        }
        assert_int_equal(full.candidate_count, 2);
        assert_true(quick.candidate_count <= full.candidate_count);
        for (size_t i = 0; i < quick.candidate_count; i++) {
            assert_int_equal(quick.candidates[i], full.candidates[i]);
            assert_int_equal(quick.candidate_up[i], full.candidate_up[i]);
        }
        /* dc-a up: the walk stops there; dc-a down: dc-b is needed too. */
        assert_int_equal(quick.candidate_count, round == 0 ? 1 : 2);
        assert_int_equal(full.candidate_up[0], round == 0);
        assert_int_equal(full.candidate_up[1], round < 2);
    }
}

static void test_health_generation_moves_only_on_changes(void **state)
{
    fixture_t *f = *state;
    uint64_t g0 = health_generation(f->health);
    assert_true(health_slot_is_up(f->health, f->slots[0]));
    assert_int_equal(health_generation(f->health), g0);
    health_state_set_probe(f->health, f->slots[0], false);
    uint64_t g1 = health_generation(f->health);
    assert_true(g1 > g0);
    health_state_set_probe(f->health, f->slots[0], true);
    assert_true(health_generation(f->health) > g1);
    assert_int_equal(health_generation(NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_probe_results_change_the_next_answer, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_policy_overrides_change_the_next_answer, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_each_policy_has_its_own_view, setup, teardown),
        cmocka_unit_test_setup_teardown(test_select_and_select_full_agree, setup, teardown),
        cmocka_unit_test_setup_teardown(test_health_generation_moves_only_on_changes, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
