/* Helpers shared by the conf unit tests: load YAML from a string and look for diagnostics. */
#ifndef GSLB_TEST_CONF_H
#define GSLB_TEST_CONF_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "gslb/conf.h"

/* The outcome of one load: rc, the config (on success) and every diagnostic. */
typedef struct conf_run {
    int rc;
    conf_t *c;
    gslb_diag_t *d;
} conf_run_t;

static inline void conf_run_dump(const conf_run_t *r)
{
    for (size_t i = 0; i < gslb_diag_count(r->d); i++) {
        fprintf(stderr, "  diag[%zu]: %s\n", i, gslb_diag_message(r->d, i));
    }
}

static inline conf_run_t conf_run(const char *yaml)
{
    conf_run_t r = {.d = gslb_diag_new(false)};
    r.rc = conf_load_string("t.yaml", yaml, r.d, &r.c);
    return r;
}

static inline void conf_run_free(conf_run_t *r)
{
    conf_free(r->c);
    gslb_diag_free(r->d);
}

/* Load yaml that must be valid: no errors and no warnings. */
static inline conf_run_t conf_run_ok(const char *yaml)
{
    conf_run_t r = conf_run(yaml);
    if (r.rc != 0 || gslb_diag_count(r.d) != 0) {
        conf_run_dump(&r);
    }
    assert_int_equal(r.rc, 0);
    assert_non_null(r.c);
    assert_int_equal(gslb_diag_count(r.d), 0);
    return r;
}

static inline bool conf_run_has(const conf_run_t *r, const char *msg)
{
    for (size_t i = 0; i < gslb_diag_count(r->d); i++) {
        if (strcmp(gslb_diag_message(r->d, i), msg) == 0) {
            return true;
        }
    }
    return false;
}

/* The load failed and reported exactly msg among its diagnostics. */
#define assert_conf_error(r, msg)                                                                \
    do {                                                                                         \
        assert_int_equal((r)->rc, -GSLB_ECONF);                                                  \
        assert_null((r)->c);                                                                     \
        if (!conf_run_has((r), (msg))) {                                                         \
            conf_run_dump(r);                                                                    \
            fail_msg("missing diagnostic: %s", (msg));                                           \
        }                                                                                        \
    } while (0)

/* Enough to be valid, for tests that add one problem. */
#define CONF_BASE                                                                                \
    "zones: [a.zone]\n"                                                                          \
    "datacenters:\n"                                                                             \
    "  dc1: {location: [1, 2], addresses: [192.0.2.1]}\n"                                        \
    "  dc2: {location: [3, 4], addresses: [192.0.2.2]}\n"

#endif
