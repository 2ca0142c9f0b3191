/* conf unit tests for the parse guard: a file that hangs the YAML library (libfyaml 0.7.12
 * loops forever on "%\xe5\n") is refused within the deadline instead of hanging the loader,
 * and good and bad files load as before. */
#include "conf_test.h"

#include <poll.h>
#include <signal.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "conf_int.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_hanging_yaml_is_refused_in_time(void **state)
{
    (void)state;
    conf_parse_timeout_ms = 500;
    alarm(20); /* the old loader never returns: fail the test instead of hanging it */
    double t0 = now_s();
    conf_run_t r = conf_run("%\xe5\n");
    double took = now_s() - t0;
    alarm(0);
    assert_int_equal(r.rc, -GSLB_ECONF);
    assert_null(r.c);
    assert_true(took < 5.0);
    assert_conf_error(&r, "t.yaml: error: the YAML parser did not finish within 500 ms; the file "
                          "is refused (check it for bytes that are not UTF-8 or a malformed "
                          "directive)");
    conf_run_free(&r);
    conf_parse_timeout_ms = CONF_PARSE_TIMEOUT_MS;
}

/* The parse child must not hold the parent's descriptors: a client connection the server
 * closes while a parse runs has to close then, not when the child ends (up to the deadline
 * later), and the listeners must not outlive the server in a child. Here a pipe stands for
 * a connection: 300 ms into the parse of a file that hangs, the parent closes the write end,
 * and the read end must see end-of-file at once. */
static int pipe_fds[2];
static volatile sig_atomic_t eof_seen = -1;

static void close_during_parse(int sig)
{
    (void)sig;
    close(pipe_fds[1]);
    struct pollfd p = {.fd = pipe_fds[0], .events = POLLIN};
    char c;
    eof_seen = poll(&p, 1, 200) == 1 && read(pipe_fds[0], &c, 1) == 0;
}

static void test_child_holds_no_descriptor(void **state)
{
    (void)state;
    assert_int_equal(pipe(pipe_fds), 0);
    conf_parse_timeout_ms = 1500;
    signal(SIGALRM, close_during_parse);
    struct itimerval it = {.it_value = {.tv_usec = 300 * 1000}};
    setitimer(ITIMER_REAL, &it, NULL);
    conf_run_t r = conf_run("%\xe5\n");
    signal(SIGALRM, SIG_DFL);
    assert_int_equal(r.rc, -GSLB_ECONF);
    assert_int_equal(eof_seen, 1);
    conf_run_free(&r);
    close(pipe_fds[0]);
    conf_parse_timeout_ms = CONF_PARSE_TIMEOUT_MS;
}

/* The guard changes nothing for files the library finishes with. */
static void test_good_and_bad_files_load_as_before(void **state)
{
    (void)state;
    conf_run_t r = conf_run_ok(CONF_BASE);
    assert_int_equal(r.c->datacenter_count, 2);
    conf_run_free(&r);
    r = conf_run("zones: [a.zone\n");
    assert_int_equal(r.rc, -GSLB_ECONF);
    assert_true(gslb_diag_errors(r.d) > 0);
    conf_run_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hanging_yaml_is_refused_in_time),
        cmocka_unit_test(test_child_holds_no_descriptor),
        cmocka_unit_test(test_good_and_bad_files_load_as_before),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
