/* latency: the row collector: errors with their positions, prefixes found again, repeats refused. */
#include "latency_int.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void lat_build_init(lat_build_t *b, const char *name, gslb_diag_t *diag,
                    const char *const *names, size_t name_count, int64_t default_measured_s,
                    int64_t max_age_s)
{
    memset(b, 0, sizeof(*b));
    clock_gettime(CLOCK_MONOTONIC, &b->started);
    b->name = name;
    b->diag = diag;
    b->names = names;
    b->name_count = name_count;
    b->default_measured_s = default_measured_s;
    b->max_age_s = max_age_s;
    b->row_cap = 64;
    b->rows = xmalloc(b->row_cap * sizeof(*b->rows));
    b->group_cap = 16;
    b->groups = xmalloc(b->group_cap * sizeof(*b->groups));
    b->slot_cap = 32;
    b->slots = xcalloc(b->slot_cap, sizeof(*b->slots));
}

void lat_build_fini(lat_build_t *b)
{
    free(b->rows);
    free(b->groups);
    free(b->slots);
    b->rows = NULL;
    b->groups = NULL;
    b->slots = NULL;
    b->row_count = b->group_count = 0;
}

void lat_error(lat_build_t *b, unsigned line, unsigned col, const char *fmt, ...)
{
    if (b->is_stopped) {
        return;
    }
    b->errors++;
    if (b->diag != NULL) {
        va_list ap;
        va_start(ap, fmt);
        gslb_diag_vreport(b->diag, DIAG_ERROR, b->name, line, col, fmt, ap);
        va_end(ap);
    }
    if (b->errors == LAT_MAX_ERRORS) {
        b->is_stopped = true;
        if (b->diag != NULL) {
            gslb_diag_report(b->diag, DIAG_ERROR, b->name, 0, 0,
                             "too many errors (%d), stopped reading", LAT_MAX_ERRORS);
        }
    }
}

static uint64_t prefix_hash(const gslb_addr_t *net, uint8_t bits)
{
    uint64_t h = 0xcbf29ce484222325ull ^ (uint64_t)net->family << 8 ^ bits;
    for (size_t i = 0; i < sizeof(net->addr); i++) {
        h = (h ^ net->addr[i]) * 0x100000001b3ull;
    }
    return h ^ (h >> 29);
}

static bool group_is(const lat_group_t *g, const gslb_addr_t *net, uint8_t bits)
{
    return g->bits == bits && g->net.family == net->family &&
           memcmp(g->net.addr, net->addr, sizeof(net->addr)) == 0;
}

static void slots_grow(lat_build_t *b)
{
    free(b->slots);
    b->slot_cap *= 2;
    b->slots = xcalloc(b->slot_cap, sizeof(*b->slots));
    size_t mask = b->slot_cap - 1;
    for (size_t i = 0; i < b->group_count; i++) {
        size_t s = prefix_hash(&b->groups[i].net, b->groups[i].bits) & mask;
        while (b->slots[s] != 0) {
            s = (s + 1) & mask;
        }
        b->slots[s] = (uint32_t)i + 1;
    }
}

/* The index of the prefix net/bits, added (without rows) if new. */
static uint32_t group_intern(lat_build_t *b, const gslb_addr_t *net, uint8_t bits)
{
    size_t mask = b->slot_cap - 1;
    size_t s = prefix_hash(net, bits) & mask;
    while (b->slots[s] != 0) {
        if (group_is(&b->groups[b->slots[s] - 1], net, bits)) {
            return b->slots[s] - 1;
        }
        s = (s + 1) & mask;
    }
    if (b->group_count == b->group_cap) {
        b->group_cap *= 2;
        b->groups = xrealloc(b->groups, b->group_cap * sizeof(*b->groups));
    }
    uint32_t idx = (uint32_t)b->group_count++;
    b->groups[idx] = (lat_group_t){.net = *net, .bits = bits, .last = LAT_NONE, .count = 0};
    if (2 * b->group_count > b->slot_cap) {
        slots_grow(b);
    } else {
        b->slots[s] = idx + 1;
    }
    return idx;
}

static int64_t expires_at(const lat_build_t *b, int64_t measured_s)
{
    if (b->max_age_s <= 0) {
        return INT64_MAX;
    }
    return measured_s > INT64_MAX - b->max_age_s ? INT64_MAX : measured_s + b->max_age_s;
}

void lat_row_add(lat_build_t *b, const gslb_addr_t *net, uint8_t bits, uint32_t dc,
                 uint32_t rtt_us, int64_t measured_s, unsigned line, unsigned col)
{
    uint32_t g = group_intern(b, net, bits);
    lat_group_t *grp = &b->groups[g];
    char text[GSLB_ADDR_TEXT_MAX];
    for (uint32_t r = grp->last; r != LAT_NONE; r = b->rows[r].prev) {
        if (b->rows[r].dc == dc) {
            lat_error(b, line, col, "prefix '%s/%u' with datacenter '%s' is listed twice "
                      "(first at line %u)", gslb_addr_format(net, text, sizeof(text)),
                      bits, b->names[dc], b->rows[r].line);
            return;
        }
    }
    if (grp->count == LATENCY_MAX_ROWS) {
        lat_error(b, line, col, "prefix '%s/%u' has more than %d datacenters",
                  gslb_addr_format(net, text, sizeof(text)), bits, LATENCY_MAX_ROWS);
        return;
    }
    if (b->row_count == b->row_cap) {
        b->row_cap *= 2;
        b->rows = xrealloc(b->rows, b->row_cap * sizeof(*b->rows));
    }
    uint32_t idx = (uint32_t)b->row_count++;
    b->rows[idx] = (lat_row_in_t){.group = g, .prev = grp->last, .dc = dc, .rtt_us = rtt_us,
                                  .expires_s = expires_at(b, measured_s), .line = line};
    grp->last = idx;
    grp->count++;
}
