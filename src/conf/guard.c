/* conf: the YAML library's first look at a file happens in a child process with a deadline, so
 * that a hang or crash inside the library cannot stop the server from serving, reloading or
 * exiting (libfyaml 0.7.12 loops forever on a 3-byte "%\xe5\n"). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "conf_int.h"

unsigned conf_parse_timeout_ms = CONF_PARSE_TIMEOUT_MS;
bool conf_parse_guard_disabled = false;

/* In the child: close every descriptor above stderr. The child inherits the server's
 * listeners and client connections; holding them would keep a connection the server closes
 * open until the parse ends, and the listeners alive after the server exits. */
static void close_inherited(void)
{
#ifdef SYS_close_range
    if (syscall(SYS_close_range, 3u, ~0u, 0u) == 0) {
        return;
    }
#endif
    struct rlimit nofile;
    int top = getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < 65536
                  ? (int)nofile.rlim_cur
                  : 65536;
    for (int fd = 3; fd < top; fd++) {
        (void)close(fd);
    }
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int conf_parse_guard(const char *name, const char *yaml, size_t len,
                     int (*parse)(const char *yaml, size_t len), gslb_diag_t *diag)
{
    if (conf_parse_guard_disabled) {
        return 0;
    }
    pid_t pid = fork();
    if (pid < 0) {
        /* No child to spare: parse in place, as before this guard. */
        return 0;
    }
    if (pid == 0) {
        /* The child only parses and exits; a CPU limit stops a busy loop even
         * if the parent is gone. (No address-space limit: the sanitizers
         * reserve terabytes of shadow memory.) */
        struct rlimit cpu = {.rlim_cur = conf_parse_timeout_ms / 1000 + 1,
                             .rlim_max = conf_parse_timeout_ms / 1000 + 2};
        setrlimit(RLIMIT_CPU, &cpu);
        close_inherited();
        _exit(parse(yaml, len) == 0 ? 0 : 1);
    }
    double deadline = now_ms() + conf_parse_timeout_ms;
    int status = 0;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) {
            break;
        }
        if (r < 0 && errno != EINTR) {
            return 0; /* the child is not ours to wait for (SIGCHLD ignored): parse in place */
        }
        if (now_ms() >= deadline) {
            kill(pid, SIGKILL);
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
            }
            gslb_diag_report(diag, DIAG_ERROR, name, 0, 0,
                             "the YAML parser did not finish within %u ms; the file is refused "
                             "(check it for bytes that are not UTF-8 or a malformed directive)",
                             conf_parse_timeout_ms);
            return -GSLB_ECONF;
        }
        struct timespec ts = {.tv_nsec = 2 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    if (WIFSIGNALED(status)) {
        gslb_diag_report(diag, DIAG_ERROR, name, 0, 0,
                         "the YAML parser crashed on this file (signal %d); the file is refused",
                         WTERMSIG(status));
        return -GSLB_ECONF;
    }
    return 0;
}
