/* Helpers shared by the health unit tests: defs, bounded waits, temporary files. */
#ifndef GSLB_TEST_HEALTH_H
#define GSLB_TEST_HEALTH_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "gslb/health.h"
#include "gslb/util.h"

/* Upper bound for any wait on a probe result; results come within a few
 * intervals (50 ms here), so this only matters when something is broken. */
#define TEST_WAIT_MS 4000

static inline void test_sleep_ms(unsigned ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) < 0) {
    }
}

/* A def and the one resource the tests apply it to (name, address, key),
 * varied together; test_target() turns it into what health_apply takes. */
typedef struct test_probe {
    health_probe_def_t def;
    const char *name;
    struct sockaddr_storage addr;
    socklen_t addr_len;
    const char *file_key;
} test_probe_t;

/* A def with short timings and thresholds of 1, so each result shows. */
static inline test_probe_t test_def(health_probe_type_t type, const char *name)
{
    test_probe_t d;
    memset(&d, 0, sizeof(d));
    d.name = name;
    d.def.type = type;
    d.def.interval_ms = 50;
    d.def.timeout_ms = 1000;
    d.def.up_threshold = 1;
    d.def.down_threshold = 1;
    d.def.is_initially_up = true;
    return d;
}

static inline void test_def_target(test_probe_t *d, const char *addr, uint16_t port)
{
    memset(&d->addr, 0, sizeof(d->addr));
    if (strchr(addr, ':') != NULL) {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&d->addr;
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons(port);
        inet_pton(AF_INET6, addr, &sin6->sin6_addr);
        d->addr_len = sizeof(*sin6);
    } else {
        struct sockaddr_in *sin = (struct sockaddr_in *)&d->addr;
        sin->sin_family = AF_INET;
        sin->sin_port = htons(port);
        inet_pton(AF_INET, addr, &sin->sin_addr);
        d->addr_len = sizeof(*sin);
    }
}

/* The target of d; it points into d, which must outlive it. */
static inline health_target_t test_target(const test_probe_t *d)
{
    health_target_t t;
    memset(&t, 0, sizeof(t));
    t.name = d->name;
    t.def = &d->def;
    memcpy(&t.addr, &d->addr, sizeof(t.addr));
    t.addr_len = d->addr_len;
    t.file_key = d->file_key;
    return t;
}

/* health_apply with the targets of ds[0..n) (at most 8). */
static inline int test_health_apply(health_t *h, const test_probe_t *ds, size_t n, uint32_t *slots)
{
    health_target_t ts[8];
    if (n > 8) {
        return -GSLB_EINVAL;
    }
    for (size_t i = 0; i < n; i++) {
        ts[i] = test_target(&ds[i]);
    }
    return health_apply(h, n > 0 ? ts : NULL, n, slots);
}

/* Wait until the slot has finished at least n probes; *out has the last
 * snapshot. Returns false on timeout. */
static inline bool test_wait_probes(health_t *h, uint32_t slot, uint64_t n,
                                    health_slot_info_t *out)
{
    for (unsigned waited = 0; waited < TEST_WAIT_MS; waited += 10) {
        if (health_slot_info(h, slot, out) == 0 && out->probes >= n) {
            return true;
        }
        test_sleep_ms(10);
    }
    return false;
}

/* Wait until the probe state of the slot is is_up. */
static inline bool test_wait_state(health_t *h, uint32_t slot, bool is_up, health_slot_info_t *out)
{
    for (unsigned waited = 0; waited < TEST_WAIT_MS; waited += 10) {
        if (health_slot_info(h, slot, out) == 0 && out->is_up == is_up && out->probes > 0) {
            return true;
        }
        test_sleep_ms(10);
    }
    return false;
}

/* Start a registry with one def applied; returns its slot in *slot. */
static inline health_t *test_health_one(const test_probe_t *d, uint32_t *slot)
{
    health_t *h = NULL;
    if (health_new(&h, 8) != 0 || test_health_apply(h, d, 1, slot) != 0 || health_start(h) != 0) {
        health_free(h);
        return NULL;
    }
    return h;
}

/* A fresh temporary directory and paths inside it. */
static inline char *test_tmpdir_new(void)
{
    const char *base = getenv("TMPDIR");
    char *tmpl = xasprintf("%s/gslbd-health-test-XXXXXX", base != NULL && base[0] ? base : "/tmp");
    char *dir = mkdtemp(tmpl);
    if (dir == NULL) {
        free(tmpl);
    }
    return dir;
}

static inline char *test_path(const char *dir, const char *name)
{
    return xasprintf("%s/%s", dir, name);
}

static inline bool test_write_file(const char *path, const char *text)
{
    /* Written beside and renamed, as a well-behaved writer would. */
    char *tmp = xasprintf("%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    bool ok = f != NULL && fputs(text, f) >= 0;
    if (f != NULL && fclose(f) != 0) {
        ok = false;
    }
    ok = ok && rename(tmp, path) == 0;
    free(tmp);
    return ok;
}

#endif
