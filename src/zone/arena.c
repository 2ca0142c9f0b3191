/* zone: bump allocator for a zone's immutable data, in chunks mapped from the kernel. */
#include "zone_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* Chunks are mapped, so pages a small zone never touches cost no memory. */
#define ARENA_CHUNK (1024u * 1024u)
/* Nothing in a zone needs more than pointer alignment; rounding the many small
 * pieces (names, 4-octet A RDATA) up to 16 cost a large zone a tenth of its
 * memory. */
#define ARENA_ALIGN 8u

void *zone_arena_alloc(zone_arena_t *a, size_t n)
{
    n = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    zone_arena_chunk_t *c = a->head;
    if (c == NULL || c->size - c->used < n) {
        size_t map = sizeof(*c) + n;
        map = map > ARENA_CHUNK ? map : ARENA_CHUNK;
        c = mmap(NULL, map, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (c == MAP_FAILED) {
            fprintf(stderr, "gslbd: out of memory (mapping %zu bytes for a zone)\n", map);
            abort();
        }
        c->size = map - sizeof(*c);
        c->used = 0;
        c->next = a->head;
        a->head = c;
    }
    void *p = (char *)c->data + c->used;
    c->used += n;
    return p;
}

void zone_arena_free(zone_arena_t *a)
{
    zone_arena_chunk_t *c = a->head;
    while (c != NULL) {
        zone_arena_chunk_t *next = c->next;
        munmap(c, sizeof(*c) + c->size);
        c = next;
    }
    a->head = NULL;
}

void *zone_scratch_grow(zone_t *z, void *arr, size_t n, size_t sz)
{
    if (n != 0 && (n & (n - 1)) != 0) {
        return arr; /* the capacity is the next power of two: still room */
    }
    void *p = zone_arena_alloc(&z->scratch, (n != 0 ? 2 * n : 1) * sz);
    if (n != 0) {
        memcpy(p, arr, n * sz);
    }
    return p;
}
