/* Unit tests for exec and file probes: real children and real files, bounded waits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <sys/types.h>

#include "health_test.h"

typedef struct fixture {
    char *dir;
} fixture_t;

static int setup(void **state)
{
    fixture_t *fx = xcalloc(1, sizeof(*fx));
    fx->dir = test_tmpdir_new();
    if (fx->dir == NULL) {
        free(fx);
        return -1;
    }
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *fx = *state;
    char *cmd = xasprintf("rm -rf '%s'", fx->dir);
    int rc = system(cmd);
    free(cmd);
    free(fx->dir);
    free(fx);
    return rc == 0 ? 0 : -1;
}

/* The first pid written to path by a command, or 0 once the wait is over. */
static pid_t wait_pid_file(const char *path)
{
    for (unsigned waited = 0; waited < TEST_WAIT_MS; waited += 10) {
        FILE *f = fopen(path, "r");
        long pid = 0;
        if (f != NULL) {
            int n = fscanf(f, "%ld", &pid);
            fclose(f);
            if (n == 1 && pid > 0) {
                return (pid_t)pid;
            }
        }
        test_sleep_ms(10);
    }
    return 0;
}

/* True once pid no longer exists (killed and reaped). */
static bool wait_gone(pid_t pid)
{
    for (unsigned waited = 0; waited < TEST_WAIT_MS; waited += 10) {
        if (kill(pid, 0) < 0 && errno == ESRCH) {
            return true;
        }
        test_sleep_ms(10);
    }
    return false;
}

/* True once pid is dead: gone, or a zombie waiting for a parent that is not
 * us (an orphan's reaper may be slow or absent in a container). */
static bool wait_dead(pid_t pid)
{
    char *stat_path = xasprintf("/proc/%ld/stat", (long)pid);
    bool is_dead = false;
    for (unsigned waited = 0; waited < TEST_WAIT_MS && !is_dead; waited += 10) {
        FILE *f = fopen(stat_path, "r");
        char st = 0;
        if (f == NULL) {
            is_dead = true;
        } else {
            is_dead = fscanf(f, "%*d (%*[^)]) %c", &st) == 1 && (st == 'Z' || st == 'X');
            fclose(f);
        }
        if (!is_dead) {
            test_sleep_ms(10);
        }
    }
    free(stat_path);
    return is_dead;
}

static void test_exec_true_is_up(void **state)
{
    (void)state;
    char *argv[] = {"/bin/true", NULL};
    test_probe_t d = test_def(HEALTH_PROBE_EXEC, "true (exec)");
    d.def.exec_argv = argv;
    d.def.is_initially_up = false;
    uint32_t slot;
    health_t *h = test_health_one(&d, &slot);
    assert_non_null(h);
    health_slot_info_t info;
    assert_true(test_wait_state(h, slot, true, &info));
    assert_int_equal(info.last_reason, HEALTH_REASON_OK);
    assert_true(health_slot_is_up(h, slot));
    health_free(h);
}

static void test_exec_false_is_down_with_exit_status(void **state)
{
    (void)state;
    char *argv[] = {"/bin/false", NULL};
    test_probe_t d = test_def(HEALTH_PROBE_EXEC, "false (exec)");
    d.def.exec_argv = argv;
    uint32_t slot;
    health_t *h = test_health_one(&d, &slot);
    assert_non_null(h);
    health_slot_info_t info;
    assert_true(test_wait_state(h, slot, false, &info));
    assert_int_equal(info.last_reason, HEALTH_REASON_EXIT);
    assert_int_equal(info.last_detail, 1);
    assert_string_equal(info.error, "exit 1");
    assert_false(health_slot_is_up(h, slot));
    health_free(h);
}

static void test_exec_missing_command_is_down(void **state)
{
    (void)state;
    char *argv[] = {"/nonexistent/check", NULL};
    test_probe_t d = test_def(HEALTH_PROBE_EXEC, "missing (exec)");
    d.def.exec_argv = argv;
    uint32_t slot;
    health_t *h = test_health_one(&d, &slot);
    assert_non_null(h);
    health_slot_info_t info;
    assert_true(test_wait_state(h, slot, false, &info));
    assert_int_equal(info.last_reason, HEALTH_REASON_EXIT);
    assert_int_equal(info.last_detail, 127);
    health_free(h);
}

static void test_exec_sees_target_in_environment(void **state)
{
    (void)state;
    char *argv[] = {"/bin/sh", "-c",
                    "test \"$GSLBD_ADDRESS\" = 192.0.2.10 && test \"$GSLBD_PORT\" = 8080", NULL};
    test_probe_t d = test_def(HEALTH_PROBE_EXEC, "env (exec)");
    d.def.exec_argv = argv;
    d.def.is_initially_up = false;
    test_def_target(&d, "192.0.2.10", 8080);
    uint32_t slot;
    health_t *h = test_health_one(&d, &slot);
    assert_non_null(h);
    health_slot_info_t info;
    assert_true(test_wait_state(h, slot, true, &info));
    health_free(h);
}

static void test_exec_sleep_past_timeout_is_down_with_timeout(void **state)
{
    (void)state;
    char *argv[] = {"/bin/sleep", "5", NULL};
    test_probe_t d = test_def(HEALTH_PROBE_EXEC, "sleep (exec)");
    d.def.exec_argv = argv;
    d.def.timeout_ms = 200;
    uint32_t slot;
    health_t *h = test_health_one(&d, &slot);
    assert_non_null(h);
    health_slot_info_t info;
    assert_true(test_wait_state(h, slot, false, &info));
    assert_int_equal(info.last_reason, HEALTH_REASON_TIMEOUT);
    assert_string_equal(info.error, "timeout");
    assert_true(info.last_latency_ms >= 190);
    health_free(h);
}

static void test_exec_timeout_kills_child_and_its_group(void **state)
{
    fixture_t *fx = *state;
    char *child = test_path(fx->dir, "child.pid");
    char *grandchild = test_path(fx->dir, "grandchild.pid");
    /* The shell starts a background sleep (same process group) and waits. */
    char *script = xasprintf("echo $$ >> '%s'; /bin/sleep 5 & echo $! >> '%s'; wait", child,
                             grandchild);
    char *argv[] = {"/bin/sh", "-c", script, NULL};
    test_probe_t d = test_def(HEALTH_PROBE_EXEC, "group (exec)");
    d.def.exec_argv = argv;
    d.def.timeout_ms = 200;
    d.def.interval_ms = 300;
    uint32_t slot;
    health_t *h = test_health_one(&d, &slot);
    assert_non_null(h);
    health_slot_info_t info;
    assert_true(test_wait_state(h, slot, false, &info));
    assert_int_equal(info.last_reason, HEALTH_REASON_TIMEOUT);
    pid_t pid = wait_pid_file(child);
    pid_t gpid = wait_pid_file(grandchild);
    assert_true(pid > 0);
    assert_true(gpid > 0);
    /* The first run has timed out: its shell is killed and reaped by the
     * probe; the orphaned sleep is killed with the group (init reaps it). */
    assert_true(wait_gone(pid));
    assert_true(wait_dead(gpid));
    health_free(h);
    free(script);
    free(child);
    free(grandchild);
}

static void test_exec_removed_probe_kills_running_child(void **state)
{
    fixture_t *fx = *state;
    char *child = test_path(fx->dir, "child.pid");
    char *script = xasprintf("echo $$ >> '%s'; exec /bin/sleep 30", child);
    char *argv[] = {"/bin/sh", "-c", script, NULL};
    test_probe_t d = test_def(HEALTH_PROBE_EXEC, "long (exec)");
    d.def.exec_argv = argv;
    d.def.timeout_ms = 30000;
    uint32_t slot;
    health_t *h = test_health_one(&d, &slot);
    assert_non_null(h);
    pid_t pid = wait_pid_file(child);
    assert_true(pid > 0);
    assert_int_equal(kill(pid, 0), 0);
    /* On return the probe is stopped and its child killed. */
    assert_int_equal(test_health_apply(h, NULL, 0, NULL), 0);
    assert_true(wait_gone(pid));
    health_slot_info_t info;
    assert_int_equal(health_slot_info(h, slot, &info), -GSLB_ENOTFOUND);
    health_free(h);
    free(script);
    free(child);
}

static void test_exec_free_kills_running_child(void **state)
{
    fixture_t *fx = *state;
    char *child = test_path(fx->dir, "child.pid");
    char *script = xasprintf("echo $$ >> '%s'; exec /bin/sleep 30", child);
    char *argv[] = {"/bin/sh", "-c", script, NULL};
    test_probe_t d = test_def(HEALTH_PROBE_EXEC, "long (exec)");
    d.def.exec_argv = argv;
    d.def.timeout_ms = 30000;
    uint32_t slot;
    health_t *h = test_health_one(&d, &slot);
    assert_non_null(h);
    pid_t pid = wait_pid_file(child);
    assert_true(pid > 0);
    health_free(h);
    /* Reaped by health_free itself, so it is gone at once. */
    assert_int_equal(kill(pid, 0), -1);
    assert_int_equal(errno, ESRCH);
    free(script);
    free(child);
}

static test_probe_t file_def(char *path, const char *key)
{
    test_probe_t d = test_def(HEALTH_PROBE_FILE, key);
    d.def.file_path = path;
    d.file_key = key;
    return d;
}

static void test_file_key_up_is_up(void **state)
{
    fixture_t *fx = *state;
    char *path = test_path(fx->dir, "state");
    assert_true(test_write_file(path, "# maintained by the deploy tool\nweb1 down\nweb2 up\n"));
    test_probe_t d = file_def(path, "web2");
    d.def.is_initially_up = false;
    uint32_t slot;
    health_t *h = test_health_one(&d, &slot);
    assert_non_null(h);
    health_slot_info_t info;
    assert_true(test_wait_state(h, slot, true, &info));
    assert_int_equal(info.last_reason, HEALTH_REASON_OK);
    health_free(h);
    free(path);
}

static void test_file_key_down_is_down(void **state)
{
    fixture_t *fx = *state;
    char *path = test_path(fx->dir, "state");
    assert_true(test_write_file(path, "web1 down\nweb2 up\n"));
    test_probe_t d = file_def(path, "web1");
    uint32_t slot;
    health_t *h = test_health_one(&d, &slot);
    assert_non_null(h);
    health_slot_info_t info;
    assert_true(test_wait_state(h, slot, false, &info));
    assert_int_equal(info.last_reason, HEALTH_REASON_FILE);
    assert_string_equal(info.error, "file: down");
    health_free(h);
    free(path);
}

static void test_file_missing_key_is_down(void **state)
{
    fixture_t *fx = *state;
    char *path = test_path(fx->dir, "state");
    assert_true(test_write_file(path, "web1 up\n"));
    test_probe_t d = file_def(path, "web9");
    uint32_t slot;
    health_t *h = test_health_one(&d, &slot);
    assert_non_null(h);
    health_slot_info_t info;
    assert_true(test_wait_state(h, slot, false, &info));
    assert_int_equal(info.last_reason, HEALTH_REASON_FILE);
    assert_string_equal(info.error, "file: key 'web9' not found");
    health_free(h);
    free(path);
}

static void test_file_missing_file_is_down(void **state)
{
    fixture_t *fx = *state;
    char *path = test_path(fx->dir, "absent");
    test_probe_t d = file_def(path, "web1");
    uint32_t slot;
    health_t *h = test_health_one(&d, &slot);
    assert_non_null(h);
    health_slot_info_t info;
    assert_true(test_wait_state(h, slot, false, &info));
    assert_int_equal(info.last_reason, HEALTH_REASON_FILE);
    health_free(h);
    free(path);
}

static void test_file_change_is_picked_up(void **state)
{
    fixture_t *fx = *state;
    char *path = test_path(fx->dir, "state");
    assert_true(test_write_file(path, "web1 down\n"));
    test_probe_t d = file_def(path, "web1");
    uint32_t slot;
    health_t *h = test_health_one(&d, &slot);
    assert_non_null(h);
    health_slot_info_t info;
    assert_true(test_wait_state(h, slot, false, &info));
    assert_true(test_write_file(path, "web1 up\n"));
    assert_true(test_wait_state(h, slot, true, &info));
    /* Rewritten in place this time (same inode, new size). */
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("web1   down  \n", f);
    fclose(f);
    assert_true(test_wait_state(h, slot, false, &info));
    assert_true(info.last_change > 0);
    health_free(h);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exec_true_is_up),
        cmocka_unit_test(test_exec_false_is_down_with_exit_status),
        cmocka_unit_test(test_exec_missing_command_is_down),
        cmocka_unit_test(test_exec_sees_target_in_environment),
        cmocka_unit_test(test_exec_sleep_past_timeout_is_down_with_timeout),
        cmocka_unit_test_setup_teardown(test_exec_timeout_kills_child_and_its_group, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_exec_removed_probe_kills_running_child, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_exec_free_kills_running_child, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_key_up_is_up, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_key_down_is_down, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_missing_key_is_down, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_missing_file_is_down, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_change_is_picked_up, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
