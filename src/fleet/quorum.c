/* fleet: the quorum rule over fresh verdicts, the contact state machine (both pure), and the
 * definition's strings: what conf links without the rest of the fleet. */
#include "gslb/fleet.h"

#include "gslb/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUORUM_COUNT_MAX 1000

health_shared_t fleet_quorum_decide(const fleet_quorum_t *q, unsigned up, unsigned down)
{
    unsigned n = up + down;
    if (n == 0) {
        return HEALTH_SHARED_NONE;
    }
    bool is_up;
    switch (q->kind) {
    case FLEET_QUORUM_ALL:
        is_up = down == 0;
        break;
    case FLEET_QUORUM_ANY:
        is_up = up >= 1;
        break;
    case FLEET_QUORUM_COUNT: {
        /* Fewer live instances than the count: all of them must agree, so
         * that a fleet shrunk by failures still decides instead of calling
         * everything down. */
        unsigned need = q->count < n ? q->count : n;
        is_up = up >= (need > 0 ? need : 1);
        break;
    }
    case FLEET_QUORUM_MAJORITY:
    default:
        is_up = 2 * up > n;
        break;
    }
    return is_up ? HEALTH_SHARED_UP : HEALTH_SHARED_DOWN;
}

int fleet_quorum_parse(const char *text, fleet_quorum_t *out)
{
    static const struct {
        const char *word;
        fleet_quorum_kind_t kind;
    } words[] = {
        {"majority", FLEET_QUORUM_MAJORITY},
        {"all", FLEET_QUORUM_ALL},
        {"any", FLEET_QUORUM_ANY},
    };
    for (size_t i = 0; i < GSLB_ARRAY_LEN(words); i++) {
        if (strcmp(text, words[i].word) == 0) {
            *out = (fleet_quorum_t){.kind = words[i].kind, .count = 0};
            return 0;
        }
    }
    if (text[0] < '1' || text[0] > '9') {
        return -GSLB_EINVAL;
    }
    char *end;
    errno = 0;
    unsigned long n = strtoul(text, &end, 10);
    if (errno != 0 || *end != '\0' || n < 1 || n > QUORUM_COUNT_MAX) {
        return -GSLB_EINVAL;
    }
    *out = (fleet_quorum_t){.kind = FLEET_QUORUM_COUNT, .count = (unsigned)n};
    return 0;
}

const char *fleet_quorum_name(const fleet_quorum_t *q, char *buf, size_t len)
{
    switch (q->kind) {
    case FLEET_QUORUM_ALL:
        return "all";
    case FLEET_QUORUM_ANY:
        return "any";
    case FLEET_QUORUM_COUNT:
        snprintf(buf, len, "%u", q->count);
        return buf;
    case FLEET_QUORUM_MAJORITY:
    default:
        return "majority";
    }
}

fleet_mode_t fleet_mode_decide(bool has_synced, double last_ok_ms, double now_ms,
                               unsigned contact_ms, unsigned grace_ms)
{
    if (!has_synced) {
        return FLEET_MODE_LOCAL;
    }
    double age_ms = now_ms - last_ok_ms;
    if (age_ms <= (double)contact_ms) {
        return FLEET_MODE_SHARED;
    }
    if (age_ms <= (double)contact_ms + (double)grace_ms) {
        return FLEET_MODE_GRACE;
    }
    return FLEET_MODE_LOCAL;
}

const char *fleet_mode_name(fleet_mode_t m)
{
    switch (m) {
    case FLEET_MODE_SHARED:
        return "shared";
    case FLEET_MODE_GRACE:
        return "grace";
    case FLEET_MODE_LOCAL:
    default:
        return "local";
    }
}

void fleet_def_clear(fleet_def_t *d)
{
    free(d->instance);
    for (size_t i = 0; i < d->endpoint_count; i++) {
        free(d->endpoints[i]);
    }
    free(d->endpoints);
    free(d->prefix);
    free(d->username);
    if (d->password != NULL) {
        explicit_bzero(d->password, strlen(d->password));
    }
    free(d->password);
    free(d->tls_ca_file);
    free(d->tls_cert_file);
    free(d->tls_key_file);
    memset(d, 0, sizeof(*d));
}

static bool str_eq(const char *a, const char *b)
{
    return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

bool fleet_def_equal(const fleet_def_t *a, const fleet_def_t *b)
{
    if (a->is_enabled != b->is_enabled || a->endpoint_count != b->endpoint_count ||
        a->quorum.kind != b->quorum.kind || a->quorum.count != b->quorum.count ||
        a->lease_ttl_s != b->lease_ttl_s || a->grace_ms != b->grace_ms ||
        a->timeout_ms != b->timeout_ms) {
        return false;
    }
    for (size_t i = 0; i < a->endpoint_count; i++) {
        if (!str_eq(a->endpoints[i], b->endpoints[i])) {
            return false;
        }
    }
    return str_eq(a->instance, b->instance) && str_eq(a->prefix, b->prefix) &&
           str_eq(a->username, b->username) && str_eq(a->password, b->password) &&
           str_eq(a->tls_ca_file, b->tls_ca_file) && str_eq(a->tls_cert_file, b->tls_cert_file) &&
           str_eq(a->tls_key_file, b->tls_key_file);
}
