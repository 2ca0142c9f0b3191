/* Unit tests for the health thread's scheduling order: control first, runs in flight, then starts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "health_int.h"
#include "health_test.h"

/* A file probe needs no network; its file does not exist, which only makes
 * every run fail, and that is not what is looked at here. */
static health_t *start_one(char **dir, uint32_t *slot)
{
    *dir = test_tmpdir_new();
    assert_non_null(*dir);
    char *path = test_path(*dir, "missing");
    test_probe_t d = test_def(HEALTH_PROBE_FILE, "sched");
    d.def.file_path = path;
    d.file_key = "web1";
    health_t *h = test_health_one(&d, slot);
    free(path);
    assert_non_null(h);
    health_slot_info_t info;
    assert_true(test_wait_probes(h, *slot, 1, &info));
    return h;
}

/* When the thread gets less CPU than the probes need, a new start must not
 * run while a run in flight has a result or a timeout waiting: otherwise
 * starts crowd out results and every run ends in a timeout. */
static void test_sched_new_runs_wait_for_runs_in_flight(void **state)
{
    (void)state;
    char *dir;
    uint32_t slot;
    health_t *h = start_one(&dir, &slot);
    pthread_mutex_lock(&h->mu);
    const health_probe_t *p = h->slots[slot];
    int start_prio = event_get_priority(p->ev_next);
    int timeout_prio = event_get_priority(p->ev_timeout);
    pthread_mutex_unlock(&h->mu);
    /* Sockets and child exits of a run get the base's default priority;
     * an event made now on the same base shows what that is. */
    struct event *io = event_new(h->base, -1, 0, NULL, NULL);
    assert_non_null(io);
    int io_prio = event_get_priority(io);
    event_free(io);
    assert_true(start_prio > io_prio);
    assert_true(start_prio > timeout_prio);
    health_free(h);
    rmdir(dir);
    free(dir);
}

/* Reloads and stop requests are not held up behind a backlog of probes. */
static void test_sched_control_hand_over_comes_first(void **state)
{
    (void)state;
    char *dir;
    uint32_t slot;
    health_t *h = start_one(&dir, &slot);
    pthread_mutex_lock(&h->mu);
    int wake_prio = event_get_priority(h->ev_wake);
    int start_prio = event_get_priority(h->slots[slot]->ev_next);
    int timeout_prio = event_get_priority(h->slots[slot]->ev_timeout);
    pthread_mutex_unlock(&h->mu);
    assert_int_equal(wake_prio, 0);
    assert_true(wake_prio < timeout_prio);
    assert_true(wake_prio < start_prio);
    health_free(h);
    rmdir(dir);
    free(dir);
}

static void tick_noop(void *arg, struct event_base *base, double now_ms)
{
    (void)arg;
    (void)base;
    (void)now_ms;
}

/* The periodic hook is work like a result: it neither waits behind new
 * starts nor holds back the hand-over from control threads. */
static void test_sched_tick_runs_with_runs_in_flight(void **state)
{
    (void)state;
    health_t *h = NULL;
    assert_int_equal(health_new(&h, 1), 0);
    assert_int_equal(health_tick_set(h, 1000, tick_noop, NULL), 0);
    struct event *io = event_new(h->base, -1, 0, NULL, NULL);
    assert_non_null(io);
    int io_prio = event_get_priority(io);
    event_free(io);
    assert_int_equal(event_get_priority(h->ticks[0].ev), io_prio);
    assert_int_equal(io_prio, 1);
    assert_true(event_get_priority(h->ev_wake) < io_prio);
    health_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sched_new_runs_wait_for_runs_in_flight),
        cmocka_unit_test(test_sched_control_hand_over_comes_first),
        cmocka_unit_test(test_sched_tick_runs_with_runs_in_flight),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
