/* Unit tests for the periodic hook on the health thread (health_tick_set). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <event2/event.h>

#include <pthread.h>
#include <stdatomic.h>

#include "health_test.h"

/* What the hook saw; written on the health thread, read by the test. */
typedef struct tick_ctx {
    _Atomic unsigned calls;        /* calls with a base */
    _Atomic unsigned final_calls;  /* the last call, base NULL */
    _Atomic unsigned other_calls;  /* calls of the hook that was replaced */
    _Atomic unsigned async_runs;   /* callbacks of work the hook started on the base */
    _Atomic bool is_off_thread;    /* every call with a base ran off the test's thread */
    _Atomic bool is_health_thread; /* ... and on the thread called gslbd-health */
    _Atomic bool is_async_on_thread;
    _Atomic bool is_final_on_caller;
    _Atomic bool is_time_ok;       /* now_ms grew and matched the clock */
    pthread_t test_thread;
    double last_ms;                /* health thread only */
    bool does_async;
} tick_ctx_t;

static void ctx_init(tick_ctx_t *c)
{
    memset(c, 0, sizeof(*c));
    atomic_init(&c->is_off_thread, true);
    atomic_init(&c->is_health_thread, true);
    atomic_init(&c->is_async_on_thread, true);
    atomic_init(&c->is_time_ok, true);
    c->test_thread = pthread_self();
}

static bool on_health_thread(void)
{
    char name[16] = "";
    pthread_getname_np(pthread_self(), name, sizeof(name));
    return strcmp(name, "gslbd-health") == 0;
}

static void async_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    tick_ctx_t *c = arg;
    if (!on_health_thread()) {
        atomic_store(&c->is_async_on_thread, false);
    }
    atomic_fetch_add(&c->async_runs, 1);
}

static void hook(void *arg, struct event_base *base, double now_ms)
{
    tick_ctx_t *c = arg;
    if (base == NULL) {
        atomic_store(&c->is_final_on_caller, pthread_equal(pthread_self(), c->test_thread));
        atomic_fetch_add(&c->final_calls, 1);
        return;
    }
    if (pthread_equal(pthread_self(), c->test_thread)) {
        atomic_store(&c->is_off_thread, false);
    }
    if (!on_health_thread()) {
        atomic_store(&c->is_health_thread, false);
    }
    double now = health_monotonic_ms();
    if (now_ms < c->last_ms || now_ms > now) {
        atomic_store(&c->is_time_ok, false);
    }
    c->last_ms = now_ms;
    if (c->does_async) {
        /* Work of its own on the health base, as a hook with HTTP requests has. */
        struct timeval soon = {0, 1000};
        event_base_once(base, -1, EV_TIMEOUT, async_cb, c, &soon);
    }
    atomic_fetch_add(&c->calls, 1);
}

static void other_hook(void *arg, struct event_base *base, double now_ms)
{
    (void)base;
    (void)now_ms;
    tick_ctx_t *c = arg;
    atomic_fetch_add(&c->other_calls, 1);
}

static void test_tick_runs_every_interval_on_the_health_thread(void **state)
{
    (void)state;
    tick_ctx_t c;
    ctx_init(&c);
    health_t *h = NULL;
    assert_int_equal(health_new(&h, 1), 0);
    double before = health_monotonic_ms();
    assert_int_equal(health_tick_set(h, 50, hook, &c), 0);
    assert_int_equal(health_start(h), 0);
    test_sleep_ms(300);
    unsigned calls = atomic_load(&c.calls);
    /* About six; the range leaves room for a loaded machine. */
    if (calls < 3 || calls > 8) {
        fail_msg("%u calls in 300 ms at a 50 ms interval", calls);
    }
    assert_true(atomic_load(&c.is_off_thread));
    assert_true(atomic_load(&c.is_health_thread));
    assert_true(atomic_load(&c.is_time_ok));
    assert_true(c.last_ms > before);
    assert_int_equal(atomic_load(&c.final_calls), 0);

    health_free(h);
    unsigned at_free = atomic_load(&c.calls);
    assert_int_equal(atomic_load(&c.final_calls), 1);
    assert_true(atomic_load(&c.is_final_on_caller));
    test_sleep_ms(150);
    assert_int_equal(atomic_load(&c.calls), at_free);
    assert_int_equal(atomic_load(&c.final_calls), 1);
}

static void test_tick_hook_can_run_async_work_on_the_base(void **state)
{
    (void)state;
    tick_ctx_t c;
    ctx_init(&c);
    c.does_async = true;
    health_t *h = NULL;
    assert_int_equal(health_new(&h, 1), 0);
    assert_int_equal(health_tick_set(h, 20, hook, &c), 0);
    assert_int_equal(health_start(h), 0);
    for (unsigned waited = 0; waited < TEST_WAIT_MS && atomic_load(&c.async_runs) < 3;
         waited += 10) {
        test_sleep_ms(10);
    }
    health_free(h);
    assert_true(atomic_load(&c.async_runs) >= 3);
    assert_true(atomic_load(&c.is_async_on_thread));
}

/* Probes go on while the hook runs, and the hook while probes run. */
static void test_tick_and_probes_share_the_thread(void **state)
{
    (void)state;
    tick_ctx_t c;
    ctx_init(&c);
    char *dir = test_tmpdir_new();
    assert_non_null(dir);
    char *path = test_path(dir, "state");
    assert_true(test_write_file(path, "web1 up\n"));
    test_probe_t d = test_def(HEALTH_PROBE_FILE, "tick");
    d.def.file_path = path;
    d.file_key = "web1";
    health_t *h = NULL;
    uint32_t slot;
    assert_int_equal(health_new(&h, 2), 0);
    assert_int_equal(test_health_apply(h, &d, 1, &slot), 0);
    assert_int_equal(health_tick_set(h, 30, hook, &c), 0);
    assert_int_equal(health_start(h), 0);
    health_slot_info_t info;
    assert_true(test_wait_probes(h, slot, 4, &info));
    for (unsigned waited = 0; waited < TEST_WAIT_MS && atomic_load(&c.calls) < 3; waited += 10) {
        test_sleep_ms(10);
    }
    assert_true(atomic_load(&c.calls) >= 3);
    health_free(h);
    unlink(path);
    rmdir(dir);
    free(path);
    free(dir);
}

static void test_tick_set_rules(void **state)
{
    (void)state;
    tick_ctx_t c;
    ctx_init(&c);
    health_t *h = NULL;
    assert_int_equal(health_new(&h, 1), 0);
    assert_int_equal(health_tick_set(NULL, 50, hook, &c), -GSLB_EINVAL);
    assert_int_equal(health_tick_set(h, 0, hook, &c), -GSLB_EINVAL);
    assert_int_equal(health_tick_set(h, 50, NULL, &c), -GSLB_EINVAL);
    /* One hook: the second call replaces the first. */
    assert_int_equal(health_tick_set(h, 10, other_hook, &c), 0);
    assert_int_equal(health_tick_set(h, 20, hook, &c), 0);
    assert_int_equal(health_start(h), 0);
    assert_int_equal(health_tick_set(h, 20, hook, &c), -GSLB_EINVAL);
    for (unsigned waited = 0; waited < TEST_WAIT_MS && atomic_load(&c.calls) < 2; waited += 10) {
        test_sleep_ms(10);
    }
    health_free(h);
    assert_true(atomic_load(&c.calls) >= 2);
    assert_int_equal(atomic_load(&c.other_calls), 0);
    assert_int_equal(atomic_load(&c.final_calls), 1);
}

/* Without health_start the hook never runs with a base, but still gets
 * its last call, so that its owner has one place to clean up. */
static void test_tick_without_start_gets_only_the_last_call(void **state)
{
    (void)state;
    tick_ctx_t c;
    ctx_init(&c);
    health_t *h = NULL;
    assert_int_equal(health_new(&h, 1), 0);
    assert_int_equal(health_tick_set(h, 10, hook, &c), 0);
    test_sleep_ms(50);
    health_free(h);
    assert_int_equal(atomic_load(&c.calls), 0);
    assert_int_equal(atomic_load(&c.final_calls), 1);
    assert_true(atomic_load(&c.is_final_on_caller));
}

/* An added hook runs beside the one health_tick_set installs, and neither replaces the other. */
static void test_tick_add_runs_beside_the_set_hook(void **state)
{
    (void)state;
    tick_ctx_t c, d;
    ctx_init(&c);
    ctx_init(&d);
    health_t *h = NULL;
    assert_int_equal(health_new(&h, 1), 0);
    assert_int_equal(health_tick_add(h, 30, hook, &d), 0);
    assert_int_equal(health_tick_set(h, 30, hook, &c), 0);
    assert_int_equal(health_tick_add(h, 0, hook, &d), -GSLB_EINVAL);
    assert_int_equal(health_start(h), 0);
    assert_int_equal(health_tick_add(h, 30, other_hook, &d), -GSLB_EINVAL);
    test_sleep_ms(200);
    assert_true(atomic_load(&c.calls) >= 2);
    assert_true(atomic_load(&d.calls) >= 2);
    assert_true(atomic_load(&d.is_health_thread));
    health_free(h);
    assert_int_equal(atomic_load(&c.final_calls), 1);
    assert_int_equal(atomic_load(&d.final_calls), 1);
    assert_int_equal(atomic_load(&d.other_calls), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tick_add_runs_beside_the_set_hook),
        cmocka_unit_test(test_tick_runs_every_interval_on_the_health_thread),
        cmocka_unit_test(test_tick_hook_can_run_async_work_on_the_base),
        cmocka_unit_test(test_tick_and_probes_share_the_thread),
        cmocka_unit_test(test_tick_set_rules),
        cmocka_unit_test(test_tick_without_start_gets_only_the_last_call),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
