/* geo: per-thread cache of database lookup results, keyed by the network they hold for. */
#include "netcache.h"

/* A lookup does not know its network's prefix before walking the tree, so a
 * network is filed under one of a few fixed levels: the shortest level that
 * is at least its prefix, keyed by the address cut to that level. Every
 * address of the level block is inside the network (the level is no shorter
 * than the prefix), so a slot that matches the address cut to its level
 * answers for it; a find tries the levels in turn. A network longer than the
 * last level but one lands in the full-width level and is cached per
 * address.
 *
 * The levels follow the common sizes of database networks: allocations and
 * their splits on 4-bit boundaries for IPv4, and ISP (/32), site (/48) and
 * subnet (/64) sizes with their halves for IPv6. Fewer levels mean fewer
 * probes on a miss; coarser ones mean more slots per wide network. */
static const uint8_t levels4[] = {8, 12, 16, 20, 24, 32};
static const uint8_t levels6[] = {16, 24, 32, 40, 48, 56, 64, 128};
#define LEVELS4 (sizeof(levels4) / sizeof(levels4[0]))
#define LEVELS6 (sizeof(levels6) / sizeof(levels6[0]))

/* Direct-mapped, thread-local: no locks, no sharing between cores, bounded
 * memory (512 KiB + 256 KiB per thread). The database id in every slot keeps
 * a reloaded database from seeing its predecessor's entries; db_id 0 marks
 * an empty slot, as ids start at 1. Slots of all levels share one table per
 * family, so the table follows whatever mix of network sizes the traffic
 * has. */
#define NETCACHE4_LOG2_SLOTS 15
#define NETCACHE6_LOG2_SLOTS 13

typedef struct slot4 {
    uint32_t net;         /* address cut to level bits */
    uint32_t db_id;
    uint32_t data_offset;
    uint8_t level;
    uint8_t prefix_bits;
    bool is_found;
} slot4_t;

typedef struct slot6 {
    uint64_t net_hi, net_lo; /* address cut to level bits, as two big-endian halves */
    uint32_t db_id;
    uint32_t data_offset;
    uint8_t level;
    uint8_t prefix_bits;
    bool is_found;
} slot6_t;

static _Thread_local slot4_t cache4[1u << NETCACHE4_LOG2_SLOTS];
static _Thread_local slot6_t cache6[1u << NETCACHE6_LOG2_SLOTS];

/* The order a find probes the levels in: only levels that some network has
 * been filed under (a slot of any other level cannot match, so a miss costs
 * one probe per level in use, not one per level), most often answering
 * first. A level joins at the end when first filled; a hit at position k > 0
 * swaps it with the one before (a self-organising list: it settles in the
 * order of how often levels answer, and follows a change in the traffic's
 * mix without counters). Per thread, like the slots, and never emptied: a
 * level in the list that no longer holds anything of a database costs a
 * probe on a miss, nothing worse. */
typedef struct probe_order {
    uint8_t count;     /* levels in use */
    uint8_t level[8];  /* level bits, in probe order */
    uint8_t in_use;    /* bit i: levelsN[i] is in level[] */
} probe_order_t;

/* Before anything is filed, level[0] is the full width, so that a find
 * can always make its first probe without asking whether there is one: it
 * finds nothing there, as no slot of that level is filled either. */
static _Thread_local probe_order_t order4 = {.level = {32}};
static _Thread_local probe_order_t order6 = {.level = {128}};
_Static_assert(LEVELS4 <= 8 && LEVELS6 <= 8, "probe_order_t holds 8 levels");

static uint32_t load_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t load_be64(const uint8_t *p)
{
    return (uint64_t)load_be32(p) << 32 | load_be32(p + 4);
}

/* The IPv4 netmask of each prefix length: a probe cuts with one load and
 * an and, where the shift needs four instructions. */
static const uint32_t mask4[32 + 1] = {
    0x00000000u, 0x80000000u, 0xc0000000u, 0xe0000000u, 0xf0000000u, 0xf8000000u, 0xfc000000u,
    0xfe000000u, 0xff000000u, 0xff800000u, 0xffc00000u, 0xffe00000u, 0xfff00000u, 0xfff80000u,
    0xfffc0000u, 0xfffe0000u, 0xffff0000u, 0xffff8000u, 0xffffc000u, 0xffffe000u, 0xfffff000u,
    0xfffff800u, 0xfffffc00u, 0xfffffe00u, 0xffffff00u, 0xffffff80u, 0xffffffc0u, 0xffffffe0u,
    0xfffffff0u, 0xfffffff8u, 0xfffffffcu, 0xfffffffeu, 0xffffffffu,
};

/* The first bits of an IPv4 address, the rest cleared; 0 <= bits <= 32. */
static uint32_t cut32(uint32_t a, unsigned bits)
{
    return a & mask4[bits];
}

/* The first bits of a word, the rest cleared; 1 <= bits <= 64. */
static uint64_t cut64(uint64_t a, unsigned bits)
{
    return a & ~(uint64_t)0 << (64 - bits);
}

/* An IPv6 address cut to level bits, as two halves. */
static void cut128(uint64_t hi, uint64_t lo, unsigned level, uint64_t *net_hi, uint64_t *net_lo)
{
    *net_hi = level >= 64 ? hi : cut64(hi, level);
    *net_lo = level <= 64 ? 0 : cut64(lo, level - 64);
}

/* Fibonacci hashing: the multiply carries every key bit into the top bits
 * taken as the index, and cut addresses differ mostly in their high bits. */
static slot4_t *slot4_at(uint32_t net, unsigned level)
{
    uint64_t h = ((uint64_t)net << 8 | level) * 0x9E3779B97F4A7C15ull;
    return &cache4[h >> (64 - NETCACHE4_LOG2_SLOTS)];
}

static slot6_t *slot6_at(uint64_t hi, uint64_t lo, unsigned level)
{
    uint64_t h = (hi ^ (lo * 0xC2B2AE3D27D4EB4Full) ^ level) * 0x9E3779B97F4A7C15ull;
    return &cache6[h >> (64 - NETCACHE6_LOG2_SLOTS)];
}

/* The entry for a at one level if the slot holds it, else one not cached. */
static inline geo_netcache_entry_t probe4(uint32_t db_id, uint32_t a, unsigned level)
{
    uint32_t net = cut32(a, level);
    const slot4_t *s = slot4_at(net, level);
    if (s->net != net || s->db_id != db_id || s->level != level) {
        return (geo_netcache_entry_t){0};
    }
    return (geo_netcache_entry_t){.data_offset = s->data_offset,
                                  .prefix_bits = s->prefix_bits,
                                  .is_found = s->is_found,
                                  .is_cached = true};
}

static inline geo_netcache_entry_t probe6(uint32_t db_id, uint64_t hi, uint64_t lo,
                                          unsigned level)
{
    uint64_t net_hi, net_lo;
    cut128(hi, lo, level, &net_hi, &net_lo);
    const slot6_t *s = slot6_at(net_hi, net_lo, level);
    if (s->net_hi != net_hi || s->net_lo != net_lo || s->db_id != db_id || s->level != level) {
        return (geo_netcache_entry_t){0};
    }
    return (geo_netcache_entry_t){.data_offset = s->data_offset,
                                  .prefix_bits = s->prefix_bits,
                                  .is_found = s->is_found,
                                  .is_cached = true};
}

/* Swap the level at position k > 0 of o with the one before. */
static void order_promote(probe_order_t *o, unsigned k)
{
    uint8_t l = o->level[k];
    o->level[k] = o->level[k - 1];
    o->level[k - 1] = l;
}

/* The levels after the first in probe order. Out of line: the first probe
 * usually answers, and alone it needs few registers. */
static __attribute__((noinline)) geo_netcache_entry_t find4_others(uint32_t db_id, uint32_t a)
{
    for (unsigned k = 1; k < order4.count; k++) {
        geo_netcache_entry_t e = probe4(db_id, a, order4.level[k]);
        if (e.is_cached) {
            order_promote(&order4, k);
            return e;
        }
    }
    return (geo_netcache_entry_t){0};
}

static __attribute__((noinline)) geo_netcache_entry_t find6_others(uint32_t db_id, uint64_t hi,
                                                                   uint64_t lo)
{
    for (unsigned k = 1; k < order6.count; k++) {
        geo_netcache_entry_t e = probe6(db_id, hi, lo, order6.level[k]);
        if (e.is_cached) {
            order_promote(&order6, k);
            return e;
        }
    }
    return (geo_netcache_entry_t){0};
}

/* The first level in probe order, then the rest. */
geo_netcache_entry_t geo_netcache_find4(uint32_t db_id, const uint8_t *addr)
{
    uint32_t a = load_be32(addr);
    geo_netcache_entry_t e = probe4(db_id, a, order4.level[0]);
    return e.is_cached ? e : find4_others(db_id, a);
}

geo_netcache_entry_t geo_netcache_find6(uint32_t db_id, const uint8_t *addr)
{
    uint64_t hi = load_be64(addr), lo = load_be64(addr + 8);
    geo_netcache_entry_t e = probe6(db_id, hi, lo, order6.level[0]);
    return e.is_cached ? e : find6_others(db_id, hi, lo);
}

/* Add level i of levels to o's probe order if it is not there yet. */
static void order_use(probe_order_t *o, const uint8_t *levels, unsigned i)
{
    if (o->in_use & (1u << i)) {
        return;
    }
    o->in_use = (uint8_t)(o->in_use | 1u << i);
    o->level[o->count++] = levels[i];
}

/* For each prefix length, the index into levels4/levels6 of the shortest
 * level that is at least that long (the last level is the full width):
 * where a network of that prefix is filed. A put then costs one load, not
 * a search of the levels. Written out from the level lists above; the
 * level test checks every prefix against them. */
static const uint8_t level_index4[32 + 1] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5,
    5,
};
static const uint8_t level_index6[128 + 1] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2,
    2, 3, 3, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6,
    6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
    7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
    7,
};

void geo_netcache_put4(uint32_t db_id, const uint8_t *addr, const geo_netcache_entry_t *e)
{
    unsigned i = level_index4[e->prefix_bits <= 32 ? e->prefix_bits : 32];
    unsigned level = levels4[i];
    uint32_t net = cut32(load_be32(addr), level);
    *slot4_at(net, level) = (slot4_t){.net = net,
                                      .db_id = db_id,
                                      .data_offset = e->data_offset,
                                      .level = (uint8_t)level,
                                      .prefix_bits = e->prefix_bits,
                                      .is_found = e->is_found};
    order_use(&order4, levels4, i);
}

void geo_netcache_put6(uint32_t db_id, const uint8_t *addr, const geo_netcache_entry_t *e)
{
    unsigned i = level_index6[e->prefix_bits <= 128 ? e->prefix_bits : 128];
    unsigned level = levels6[i];
    uint64_t net_hi, net_lo;
    cut128(load_be64(addr), load_be64(addr + 8), level, &net_hi, &net_lo);
    *slot6_at(net_hi, net_lo, level) = (slot6_t){.net_hi = net_hi,
                                                 .net_lo = net_lo,
                                                 .db_id = db_id,
                                                 .data_offset = e->data_offset,
                                                 .level = (uint8_t)level,
                                                 .prefix_bits = e->prefix_bits,
                                                 .is_found = e->is_found};
    order_use(&order6, levels6, i);
}
