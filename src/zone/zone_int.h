/* zone: internal structures shared by the loader, the builder and the lookup code. */
#ifndef GSLB_ZONE_INT_H
#define GSLB_ZONE_INT_H

#include "gslb/zone.h"

#include <string.h>

/* Bump allocator: a zone's names, nodes, RRsets and RDATA live in a few big
 * chunks, mapped from the kernel directly so that freeing a zone (the old one
 * after a reload) gives all of its memory back, whatever malloc's heap looks
 * like. Aborts when out of memory, like xmalloc. */
typedef struct zone_arena_chunk {
    struct zone_arena_chunk *next;
    size_t used, size; /* octets of data[] */
    max_align_t data[];
} zone_arena_chunk_t;

typedef struct zone_arena {
    zone_arena_chunk_t *head;
} zone_arena_t;

void *zone_arena_alloc(zone_arena_t *a, size_t n);
void zone_arena_free(zone_arena_t *a);

struct zone;

/* Room for one more element in an array of n elements of size sz that grows
 * in z's scratch arena while records are loaded: capacities are powers of two,
 * so a bigger copy is made when n is 0 or a power of two. Returns the array
 * to use (arr or its copy). */
void *zone_scratch_grow(struct zone *z, void *arr, size_t n, size_t sz);

struct zone {
    zone_arena_t arena;
    zone_arena_t scratch;  /* growing RRset arrays while loading; freed by zone_finalize */
    char *file;
    char *name;            /* presentation origin with final dot */
    uint8_t origin[DNS_NAME_MAX];
    uint8_t origin_len;
    uint8_t origin_labels;
    zone_node_t *apex;
    const zone_rrset_t *soa;
    uint32_t serial;
    uint32_t neg_ttl_s;
    dns_wire_rrset_t *wires; /* precompiled apex RRsets, in the arena (zone_rrset_t.wire_id) */
    uint16_t wire_count;
    zone_node_t **buckets; /* hash table of nodes, chained through hash_next */
    size_t bucket_count;   /* power of two */
    size_t node_count;
    /* While loading (until zone_finalize), each node's cut field points at its
     * parent node instead (NULL at the apex): finalize needs every node's
     * parent, and zone_node_get knows it when it makes the node. */
    const void *signer;    /* zone_signer_set */
    bool is_final;
    zone_node_t *last;     /* while loading: the node zone_node_get returned last */
};

/* Equality of two lower-case wire names of len octets (len >= 1): eight
 * octets at a time, the last word overlapping the one before, where memcmp
 * was a library call per lookup for names of a few dozen octets. */
static inline bool zone_name_eq(const uint8_t *a, const uint8_t *b, size_t len)
{
    uint64_t x, y;
    if (len < 8) {
        for (size_t i = 0; i < len; i++) {
            if (a[i] != b[i]) {
                return false;
            }
        }
        return true;
    }
    for (size_t i = 0; i + 8 < len; i += 8) {
        memcpy(&x, a + i, 8);
        memcpy(&y, b + i, 8);
        if (x != y) {
            return false;
        }
    }
    memcpy(&x, a + len - 8, 8);
    memcpy(&y, b + len - 8, 8);
    return x == y;
}

/* Hash of a lower-case wire name. Inline: every query hashes its name (and,
 * for NXDOMAIN, its ancestors). */
static inline uint64_t zone_name_hash(const uint8_t *name, size_t len)
{
    /* Eight octets per multiply: every query hashes its name (and, for NXDOMAIN, its
     * ancestors), and a byte at a time was a tenth of a static answer's instructions.
     * A multiply only carries bits upwards, so the last steps fold the high half down:
     * the table index is the low bits. Spreads n0000000..n0999999 over 2^20 buckets as
     * evenly as FNV-1a did. */
    const uint64_t k = 0x9E3779B97F4A7C15ull;
    uint64_t h = (uint64_t)len * k;
    uint64_t x;
    if (len < 8) {
        x = 0;
        for (size_t i = 0; i < len; i++) {
            x = x << 8 | name[i];
        }
        h = (h ^ x) * k;
    } else {
        for (size_t i = 0; i + 8 < len; i += 8) {
            memcpy(&x, name + i, 8);
            h = (h ^ x) * k;
        }
        /* The last 8 octets, overlapping the word before if need be: a
         * fixed-size load, where copying the tail took a library call. */
        memcpy(&x, name + len - 8, 8);
        h = (h ^ x) * k;
    }
    h ^= h >> 32;
    h *= 0xD6E8FEB86659FD93ull;
    return h ^ (h >> 32);
}

/* zone_node_find, inline for the lookup code. */
static inline const zone_node_t *zone_node_find_inline(const zone_t *z, const uint8_t *name,
                                                       size_t len)
{
    size_t k = zone_name_hash(name, len) & (z->bucket_count - 1);
    for (const zone_node_t *n = z->buckets[k]; n != NULL; n = n->hash_next) {
        if (n->name_len == len && zone_name_eq(n->name, name, len)) {
            return n;
        }
    }
    return NULL;
}

/* Find or create the node for name (lower-case wire) and the empty
 * non-terminals between it and the apex; name must be inside the zone. The
 * nodes made before zone_finalize link to their parents through cut. */
zone_node_t *zone_node_get(zone_t *z, const uint8_t *name, size_t len);

/* True if name (wire) is equal to or below the origin. */
bool zone_name_in(const zone_t *z, const uint8_t *name, size_t len);

/* Offset of the parent name inside a wire name (skip the first label). */
static inline size_t zone_parent_off(const uint8_t *name)
{
    return 1u + name[0];
}

/* After all records are in: sort RRsets, set APEX/CUT/OCCLUDED/WILDCARD
 * flags, copy the RRset arrays out of the scratch arena at their final size
 * (and free it), resolve RDATA targets and run the semantic checks. Records
 * may not be added afterwards. */
int zone_finalize(zone_t *z, gslb_diag_t *diag);

/* ttl.c: RFC 2181 section 8 bounds TTLs to 0..2^31-1; ldns folds larger
 * values into 32 bits, so the record's text is checked before it. */
#define ZONE_TTL_MAX 2147483647u
/* Check the TTL written in one record's text (from its first character:
 * an owner name unless it starts with a blank; or a $TTL directive). Returns
 * true when there is none or it is within ZONE_TTL_MAX, else false with the
 * token in bad. Pure. */
bool zone_ttl_text_check(const char *text, size_t len, char *bad, size_t badlen);

#endif
