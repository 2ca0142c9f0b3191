/* health: exec probes: run a command without a shell; kill its group on timeout; reap it. */
#include "health_int.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* How often to look for an exited child when pidfd_open(2) is unavailable. */
#define EXEC_POLL_MS 20

typedef struct exec_run {
    pid_t pid;          /* 0 once reaped */
    int pidfd;          /* -1: poll with a timer instead */
    struct event *ev;
} exec_run_t;

static int pidfd_open_cloexec(pid_t pid)
{
#ifdef SYS_pidfd_open
    /* The descriptor is close-on-exec by definition. */
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    (void)pid;
    errno = ENOSYS;
    return -1;
#endif
}

static void poll_again(struct event *ev)
{
    struct timeval tv = {.tv_sec = 0, .tv_usec = EXEC_POLL_MS * 1000};
    event_add(ev, &tv);
}

/* A watch for pid: readable pidfd, or a polling timer when there is none. */
static struct event *watch_new(health_t *h, int pidfd, event_callback_fn cb, void *arg)
{
    struct event *ev = pidfd >= 0 ? event_new(h->base, pidfd, EV_READ, cb, arg)
                                  : event_new(h->base, -1, 0, cb, arg);
    if (ev == NULL) {
        log_err("health: cannot watch a child process (out of memory)");
        abort();
    }
    if (pidfd >= 0) {
        event_add(ev, NULL);
    } else {
        poll_again(ev);
    }
    return ev;
}

/* ---- children that were killed and still have to be reaped ---- */

static void zombie_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    health_zombie_t *z = arg;
    pid_t r = waitpid(z->pid, NULL, WNOHANG);
    if (r == 0 || (r < 0 && errno == EINTR)) {
        if (z->pidfd < 0) {
            poll_again(z->ev);
        } else {
            event_add(z->ev, NULL);
        }
        return;
    }
    health_t *h = z->h;
    for (health_zombie_t **pp = &h->zombies; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == z) {
            *pp = z->next;
            break;
        }
    }
    event_free(z->ev);
    if (z->pidfd >= 0) {
        close(z->pidfd);
    }
    free(z);
}

static void zombie_add(health_t *h, pid_t pid, int pidfd)
{
    health_zombie_t *z = xcalloc(1, sizeof(*z));
    z->h = h;
    z->pid = pid;
    z->pidfd = pidfd;
    z->ev = watch_new(h, pidfd, zombie_cb, z);
    z->next = h->zombies;
    h->zombies = z;
}

void health_zombies_reap_all(health_t *h)
{
    health_zombie_t *z = h->zombies;
    while (z != NULL) {
        health_zombie_t *next = z->next;
        /* Not reaped yet, so the pid (and group id) cannot have been reused. */
        kill(-z->pid, SIGKILL);
        while (waitpid(z->pid, NULL, 0) < 0 && errno == EINTR) {
        }
        event_free(z->ev);
        if (z->pidfd >= 0) {
            close(z->pidfd);
        }
        free(z);
        z = next;
    }
    h->zombies = NULL;
}

/* ---- the probe ---- */

/* Has the child exited? WNOWAIT leaves it a zombie, so its pid and process
 * group id stay ours until the rest of the group has been killed. */
static bool child_peek(pid_t pid, int *status)
{
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) < 0) {
        /* ECHILD: reaped behind our back (SIGCHLD set to SIG_IGN). */
        *status = -1;
        return errno != EINTR;
    }
    if (si.si_pid == 0) {
        return false;
    }
    *status = si.si_code == CLD_EXITED ? si.si_status : 128 + si.si_status;
    return true;
}

static void exec_child_cb(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    health_probe_t *p = arg;
    exec_run_t *run = p->run;
    int status;
    if (!child_peek(run->pid, &status)) {
        if (run->pidfd < 0) {
            poll_again(run->ev);
        } else {
            event_add(run->ev, NULL);
        }
        return;
    }
    /* Whatever the command left running in its group goes with it. */
    kill(-run->pid, SIGKILL);
    while (waitpid(run->pid, NULL, 0) < 0 && errno == EINTR) {
    }
    run->pid = 0;
    char text[64];
    if (status == 0) {
        health_probe_finish(p, HEALTH_REASON_OK, 0, NULL);
        return;
    }
    if (status < 0) {
        snprintf(text, sizeof(text), "exit status unknown");
    } else if (status >= 128) {
        snprintf(text, sizeof(text), "killed by signal %d", status - 128);
    } else {
        snprintf(text, sizeof(text), "exit %d", status);
    }
    health_probe_finish(p, HEALTH_REASON_EXIT, status, text);
}

/* The daemon's environment without inherited GSLBD_* values, plus ours.
 * Entries from environ are borrowed; extra[] receives what must be freed. */
static char **env_build(const health_probe_t *p, char *extra[2])
{
    size_t n = 0;
    while (environ != NULL && environ[n] != NULL) {
        n++;
    }
    char **envp = xcalloc(n + 3, sizeof(*envp));
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (strncmp(environ[i], "GSLBD_ADDRESS=", 14) != 0 &&
            strncmp(environ[i], "GSLBD_PORT=", 11) != 0) {
            envp[k++] = environ[i];
        }
    }
    extra[0] = extra[1] = NULL;
    if (p->target.ss_family == AF_INET || p->target.ss_family == AF_INET6) {
        char addr[INET6_ADDRSTRLEN];
        health_addr_text(&p->target, addr, sizeof(addr));
        extra[0] = xasprintf("GSLBD_ADDRESS=%s", addr);
        extra[1] = xasprintf("GSLBD_PORT=%u", health_addr_port(&p->target));
        envp[k++] = extra[0];
        envp[k++] = extra[1];
    }
    return envp;
}

static void exec_start(health_probe_t *p)
{
    const health_probe_def_t *d = &p->def;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_t fa;
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_init(&fa);

    /* Its own process group, so a timeout can kill what it started too;
     * default signal handling and an empty mask whatever this thread has. */
    sigset_t none, dfl;
    sigemptyset(&none);
    sigemptyset(&dfl);
    int sigs[] = {SIGHUP, SIGINT, SIGTERM, SIGQUIT, SIGUSR1, SIGUSR2, SIGCHLD, SIGPIPE, SIGALRM};
    for (size_t i = 0; i < GSLB_ARRAY_LEN(sigs); i++) {
        sigaddset(&dfl, sigs[i]);
    }
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                        POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &dfl);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
    /* Listening sockets and the like are none of the command's business. */
    posix_spawn_file_actions_addclosefrom_np(&fa, STDERR_FILENO + 1);
#endif

    char *extra[2];
    char **envp = env_build(p, extra);
    pid_t pid = 0;
    int rc = posix_spawnp(&pid, d->exec_argv[0], &fa, &attr, d->exec_argv, envp);
    free(extra[0]);
    free(extra[1]);
    free(envp);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) {
        char text[HEALTH_ERROR_MAX];
        snprintf(text, sizeof(text), "exec: cannot run '%.48s' (%s)", d->exec_argv[0],
                 strerror(rc));
        health_probe_finish(p, HEALTH_REASON_EXIT, 127, text);
        return;
    }
    exec_run_t *run = xcalloc(1, sizeof(*run));
    run->pid = pid;
    run->pidfd = pidfd_open_cloexec(pid);
    run->ev = watch_new(p->h, run->pidfd, exec_child_cb, p);
    p->run = run;
}

static void exec_stop(health_probe_t *p)
{
    exec_run_t *run = p->run;
    if (run == NULL) {
        return;
    }
    event_free(run->ev);
    if (run->pid > 0) {
        /* Timed out or removed: kill the whole group now and let the reaper
         * collect the child when it is gone, without blocking the loop. */
        kill(-run->pid, SIGKILL);
        zombie_add(p->h, run->pid, run->pidfd);
    } else if (run->pidfd >= 0) {
        close(run->pidfd);
    }
    free(run);
    p->run = NULL;
}

static void exec_release(health_probe_t *p)
{
    (void)p;
}

const health_probe_ops_t health_probe_exec_ops = {
    .start = exec_start,
    .stop = exec_stop,
    .release = exec_release,
};
