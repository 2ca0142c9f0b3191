/* util: leveled logging to stderr, one write(2) per line so threads do not interleave. */
#include "gslb/util.h"

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static atomic_int max_level = LOG_LEVEL_INFO;

static const char *const level_names[] = {"error", "warning", "info", "debug"};

void log_set_level(log_level_t level)
{
    atomic_store(&max_level, (int)level);
}

bool log_enabled(log_level_t level)
{
    return (int)level <= atomic_load_explicit(&max_level, memory_order_relaxed);
}

int log_level_parse(const char *s, log_level_t *out)
{
    for (size_t i = 0; i < GSLB_ARRAY_LEN(level_names); i++) {
        if (strcasecmp(s, level_names[i]) == 0) {
            *out = (log_level_t)i;
            return 0;
        }
    }
    if (strcasecmp(s, "warn") == 0 || strcasecmp(s, "err") == 0) {
        *out = s[0] == 'w' || s[0] == 'W' ? LOG_LEVEL_WARN : LOG_LEVEL_ERR;
        return 0;
    }
    return -GSLB_EINVAL;
}

void log_vmsg(log_level_t level, const char *fmt, va_list ap)
{
    if (!log_enabled(level)) {
        return;
    }
    char line[2048];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
    int m = snprintf(line + n, sizeof(line) - n, ".%03ldZ gslbd[%d] %s: ", ts.tv_nsec / 1000000L,
                     (int)getpid(), level_names[level]);
    if (m > 0) {
        n += (size_t)m;
    }
    if (n < sizeof(line)) {
        int k = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
        if (k > 0) {
            n += (size_t)k;
        }
    }
    if (n > sizeof(line) - 2) {
        n = sizeof(line) - 2;
    }
    line[n++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, n);
    (void)w;
}

void log_msg(log_level_t level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(level, fmt, ap);
    va_end(ap);
}
