/* zone: internal structures shared by the loader, the builder and the lookup code. */
#ifndef GSLB_ZONE_INT_H
#define GSLB_ZONE_INT_H

#include "gslb/zone.h"

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
    zone_node_t **buckets; /* hash table of nodes, chained through hash_next */
    size_t bucket_count;   /* power of two */
    size_t node_count;
    /* While loading (until zone_finalize), each node's cut field points at its
     * parent node instead (NULL at the apex): finalize needs every node's
     * parent, and zone_node_get knows it when it makes the node. */
    bool is_final;
    zone_node_t *last;     /* while loading: the node zone_node_get returned last */
};

/* Hash of a lower-case wire name. */
uint64_t zone_name_hash(const uint8_t *name, size_t len);

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

#endif
