/* Unit tests for publishing snapshots: generations, the caller's hook and lock, reloads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../test_files.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <urcu.h>

#include "gslb/snapshot.h"

static const char zone[] = "$ORIGIN s.test.\n"
                           "$TTL 3600\n"
                           "@ SOA ns1 hostmaster 1 3600 900 86400 300\n"
                           "@ NS ns1\n"
                           "ns1 A 192.0.2.1\n";

static const char config_one[] = "zones: [{file: s.zone, origin: s.test.}]\n"
                                 "datacenters:\n"
                                 "  dc-a: {addresses: [192.0.2.10]}\n"
                                 "services:\n"
                                 "  www.s.test.: {policy: failover}\n";

static const char config_two[] = "zones: [{file: s.zone, origin: s.test.}]\n"
                                 "datacenters:\n"
                                 "  dc-a: {addresses: [192.0.2.10]}\n"
                                 "  dc-b: {addresses: [192.0.2.20]}\n"
                                 "services:\n"
                                 "  www.s.test.: {policy: failover}\n";

static const char config_broken[] = "zones: [{file: s.zone, origin: s.test.}]\n"
                                    "datacenters:\n"
                                    "  dc-a: {addresses: [not-an-address]}\n";

typedef struct fixture {
    char dir[64];
    char path[128];
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    snprintf(f->dir, sizeof(f->dir), "/tmp/test_snapshot_publish.XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    test_file_write(f->dir, "s.zone", zone);
    test_file_write(f->dir, "gslbd.yaml", config_one);
    snprintf(f->path, sizeof(f->path), "%s/gslbd.yaml", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    char path[128];
    snprintf(path, sizeof(path), "%s/s.zone", f->dir);
    unlink(path);
    unlink(f->path);
    rmdir(f->dir);
    free(f);
    return 0;
}

static snapshot_t *load(const char *path, health_t *health)
{
    gslb_diag_t *diag = gslb_diag_new(true);
    snapshot_t *s = NULL;
    assert_int_equal(snapshot_load(&s, path, health, NULL, diag), 0);
    gslb_diag_free(diag);
    return s;
}

/* What the hook saw, for the tests to check. */
typedef struct seen {
    pthread_mutex_t mu;
    unsigned calls;
    bool was_locked;
    const snapshot_t *old, *next;
    uint64_t generation;
} seen_t;

static void record(void *arg, const snapshot_t *old, snapshot_t *next)
{
    seen_t *seen = arg;
    seen->calls++;
    seen->was_locked = pthread_mutex_trylock(&seen->mu) == EBUSY;
    seen->old = old;
    seen->next = next;
    seen->generation = next->generation;
}

static void test_publish_first_is_generation_one_under_callers_lock(void **state)
{
    fixture_t *f = *state;
    snapshot_pub_t *pub = snapshot_pub_new(f->path, NULL, NULL);
    rcu_read_lock();
    assert_null(snapshot_current(pub));
    rcu_read_unlock();

    seen_t seen = {.mu = PTHREAD_MUTEX_INITIALIZER};
    snapshot_hook_t hook = {.mu = &seen.mu, .prepare = record, .arg = &seen};
    snapshot_t *first = load(f->path, NULL);
    assert_int_equal(snapshot_publish(pub, first, &hook), 1);
    assert_int_equal(seen.calls, 1);
    assert_true(seen.was_locked);
    assert_null(seen.old);
    assert_ptr_equal(seen.next, first);
    assert_int_equal(seen.generation, 1);
    /* The lock is given back once the snapshot is out. */
    assert_int_equal(pthread_mutex_trylock(&seen.mu), 0);
    pthread_mutex_unlock(&seen.mu);
    rcu_read_lock();
    assert_ptr_equal(snapshot_current(pub), first);
    rcu_read_unlock();
    snapshot_pub_free(pub);
}

static void test_reload_publishes_the_next_generation(void **state)
{
    fixture_t *f = *state;
    snapshot_pub_t *pub = snapshot_pub_new(f->path, NULL, NULL);
    snapshot_t *first = load(f->path, NULL);
    snapshot_publish(pub, first, NULL);

    test_file_write(f->dir, "gslbd.yaml", config_two);
    seen_t seen = {.mu = PTHREAD_MUTEX_INITIALIZER};
    snapshot_hook_t hook = {.mu = &seen.mu, .prepare = record, .arg = &seen};
    gslb_diag_t *diag = gslb_diag_new(true);
    uint64_t generation = 0;
    assert_int_equal(snapshot_reload(pub, diag, &hook, &generation), 0);
    gslb_diag_free(diag);
    assert_int_equal(generation, 2);
    assert_int_equal(seen.calls, 1);
    assert_ptr_equal(seen.old, first);
    assert_int_equal(seen.generation, 2);
    rcu_read_lock();
    const snapshot_t *now = snapshot_current(pub);
    assert_ptr_equal(now, seen.next);
    assert_int_equal(now->generation, 2);
    assert_int_equal(now->conf->datacenter_count, 2);
    rcu_read_unlock();
    snapshot_pub_free(pub);
}

static void test_reload_failure_keeps_serving_the_old_one(void **state)
{
    fixture_t *f = *state;
    snapshot_pub_t *pub = snapshot_pub_new(f->path, NULL, NULL);
    snapshot_t *first = load(f->path, NULL);
    snapshot_publish(pub, first, NULL);

    test_file_write(f->dir, "gslbd.yaml", config_broken);
    seen_t seen = {.mu = PTHREAD_MUTEX_INITIALIZER};
    snapshot_hook_t hook = {.mu = &seen.mu, .prepare = record, .arg = &seen};
    gslb_diag_t *diag = gslb_diag_new(true);
    uint64_t generation = 0;
    assert_int_equal(snapshot_reload(pub, diag, &hook, &generation), -GSLB_ECONF);
    assert_true(gslb_diag_errors(diag) > 0);
    gslb_diag_free(diag);
    assert_int_equal(generation, 1);
    assert_int_equal(seen.calls, 0);
    rcu_read_lock();
    assert_ptr_equal(snapshot_current(pub), first);
    rcu_read_unlock();
    snapshot_pub_free(pub);
}

/* dc-a's address is probed and down; the reload replaces it with another. */
static const char config_probed[] = "zones: [{file: s.zone, origin: s.test.}]\n"
                                    "probes: {p: {type: tcp, port: 80, initial: down}}\n"
                                    "datacenters:\n"
                                    "  dc-a: {probe: p, addresses: [192.0.2.10]}\n"
                                    "services:\n"
                                    "  www.s.test.: {policy: failover}\n";

static const char config_replaced[] = "zones: [{file: s.zone, origin: s.test.}]\n"
                                      "probes: {p: {type: tcp, port: 80, initial: up}}\n"
                                      "datacenters:\n"
                                      "  dc-a: {probe: p, addresses: [192.0.2.20]}\n"
                                      "services:\n"
                                      "  www.s.test.: {policy: failover}\n";

/* What the previous snapshot said about its resource just before the swap,
 * when workers can still be reading it. */
typedef struct old_view {
    bool was_called;
    bool is_up;
    uint32_t slot;
} old_view_t;

static void look_at_old(void *arg, const snapshot_t *old, snapshot_t *next)
{
    (void)next;
    old_view_t *v = arg;
    v->was_called = true;
    v->is_up = policy_resource_is_up(old->policy, 0);
    v->slot = policy_resource_slot(old->policy, 0);
}

/* The health slot of a removed resource must not serve a new probe while
 * the snapshot that names it can still be read: a down address would be
 * handed out as up. */
static void test_reload_keeps_removed_slots_until_old_snapshot_is_gone(void **state)
{
    fixture_t *f = *state;
    health_t *health = NULL;
    assert_int_equal(health_new(&health, 4), 0); /* never started: nothing is probed */
    test_file_write(f->dir, "gslbd.yaml", config_probed);
    snapshot_pub_t *pub = snapshot_pub_new(f->path, health, NULL);
    snapshot_publish(pub, load(f->path, health), NULL);
    rcu_read_lock();
    assert_false(policy_resource_is_up(snapshot_current(pub)->policy, 0));
    rcu_read_unlock();

    test_file_write(f->dir, "gslbd.yaml", config_replaced);
    old_view_t v = {0};
    snapshot_hook_t hook = {.prepare = look_at_old, .arg = &v};
    gslb_diag_t *diag = gslb_diag_new(true);
    uint64_t generation = 0;
    assert_int_equal(snapshot_reload(pub, diag, &hook, &generation), 0);
    gslb_diag_free(diag);
    assert_true(v.was_called);
    assert_false(v.is_up);

    rcu_read_lock();
    const snapshot_t *now = snapshot_current(pub);
    assert_true(policy_resource_is_up(now->policy, 0));
    assert_int_not_equal(policy_resource_slot(now->policy, 0), v.slot);
    rcu_read_unlock();
    /* Once the old snapshot is gone the slot is free again (free slots read up). */
    assert_true(health_slot_is_up(health, v.slot));
    snapshot_pub_free(pub);
    health_free(health);
}

int main(void)
{
    rcu_register_thread();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_publish_first_is_generation_one_under_callers_lock,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_reload_publishes_the_next_generation, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_reload_failure_keeps_serving_the_old_one, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_reload_keeps_removed_slots_until_old_snapshot_is_gone, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    rcu_unregister_thread();
    return rc;
}
