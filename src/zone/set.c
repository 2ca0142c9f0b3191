/* zone: the set of served zones, found by longest-suffix match of the QNAME. */
#include "zone_int.h"

#include <stdlib.h>
#include <string.h>

/* Up to this many zones are found by comparing each origin with the QNAME's tail,
 * longest origin first: for the usual handful of zones that is a few length checks and
 * one memcmp, where the table costs a hash of every suffix of the QNAME. */
#define ZONE_SET_LINEAR_MAX 8

struct zone_set {
    zone_t **zones;
    size_t count;
    const zone_t **table; /* open addressing on the origin's hash; size is a power of two */
    size_t table_size;
    const zone_t **by_len; /* the zones, longest origin first (for count <= LINEAR_MAX) */
};

static const zone_t *table_find(const zone_set_t *s, const uint8_t *name, size_t len)
{
    size_t mask = s->table_size - 1;
    for (size_t i = zone_name_hash(name, len) & mask;; i = (i + 1) & mask) {
        const zone_t *z = s->table[i];
        if (z == NULL) {
            return NULL;
        }
        if (z->origin_len == len && memcmp(z->origin, name, len) == 0) {
            return z;
        }
    }
}

int zone_set_new(zone_set_t **out, zone_t **zones, size_t n, gslb_diag_t *diag)
{
    zone_set_t *s = xcalloc(1, sizeof(*s));
    s->zones = xcalloc(n ? n : 1, sizeof(*s->zones));
    s->table_size = 8;
    while (s->table_size < 2 * n + 1) {
        s->table_size *= 2;
    }
    s->table = xcalloc(s->table_size, sizeof(*s->table));
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        const zone_t *dup = table_find(s, zones[i]->origin, zones[i]->origin_len);
        if (dup != NULL) {
            gslb_diag_report(diag, DIAG_ERROR, zones[i]->file, 0, 0,
                             "zone '%s' is already loaded from '%s'", zones[i]->name, dup->file);
            zone_free(zones[i]);
            rc = -GSLB_EZONE;
            continue;
        }
        size_t mask = s->table_size - 1;
        size_t k = zone_name_hash(zones[i]->origin, zones[i]->origin_len) & mask;
        while (s->table[k] != NULL) {
            k = (k + 1) & mask;
        }
        s->table[k] = zones[i];
        s->zones[s->count++] = zones[i];
    }
    if (rc != 0) {
        zone_set_free(s);
        *out = NULL;
        return rc;
    }
    s->by_len = xcalloc(s->count ? s->count : 1, sizeof(*s->by_len));
    for (size_t i = 0; i < s->count; i++) {
        size_t j = i;
        for (; j > 0 && s->by_len[j - 1]->origin_len < s->zones[i]->origin_len; j--) {
            s->by_len[j] = s->by_len[j - 1];
        }
        s->by_len[j] = s->zones[i];
    }
    *out = s;
    return 0;
}

void zone_set_free(zone_set_t *s)
{
    if (s == NULL) {
        return;
    }
    for (size_t i = 0; i < s->count; i++) {
        zone_free(s->zones[i]);
    }
    free(s->zones);
    free(s->table);
    free(s->by_len);
    free(s);
}

size_t zone_set_count(const zone_set_t *s)
{
    return s->count;
}

zone_t *zone_set_at(const zone_set_t *s, size_t i)
{
    return i < s->count ? s->zones[i] : NULL;
}

/* True when off is where a label of the wire name starts (so the tail from off is a
 * whole name, not "xexample.com" matching "example.com"). */
static bool is_label_start(const uint8_t *name, size_t off)
{
    size_t i = 0;
    while (i < off) {
        i += 1u + name[i];
    }
    return i == off;
}

const zone_t *zone_set_find(const zone_set_t *s, const uint8_t *qname, size_t len,
                            unsigned labels, bool skip_apex_of)
{
    (void)labels;
    if (s->count == 1) {
        /* One zone, the usual case: its origin is the QNAME's tail, whole labels. */
        const zone_t *z = s->zones[0];
        size_t olen = z->origin_len;
        if (olen > len || (skip_apex_of && olen == len) ||
            !zone_name_eq(qname + len - olen, z->origin, olen)) {
            return NULL;
        }
        size_t i = 0;
        while (i < len - olen) {
            i += 1u + qname[i];
        }
        return i == len - olen ? z : NULL;
    }
    if (s->count <= ZONE_SET_LINEAR_MAX) {
        /* Longest origin first, so the first match is the most specific zone. */
        for (size_t i = 0; i < s->count; i++) {
            const zone_t *z = s->by_len[i];
            size_t olen = z->origin_len;
            if (olen > len || (skip_apex_of && olen == len)) {
                continue;
            }
            if (zone_name_eq(qname + len - olen, z->origin, olen) &&
                is_label_start(qname, len - olen)) {
                return z;
            }
        }
        return NULL;
    }
    size_t off = 0;
    for (;;) {
        if (!(skip_apex_of && off == 0)) {
            const zone_t *z = table_find(s, qname + off, len - off);
            if (z != NULL) {
                return z;
            }
        }
        if (qname[off] == 0) {
            return NULL;
        }
        off += 1u + qname[off];
    }
}
