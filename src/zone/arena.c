/* zone: bump allocator for a zone's immutable data. */
#include "zone_int.h"

#include <stdlib.h>

#define ARENA_CHUNK (256u * 1024u)

void *zone_arena_alloc(zone_arena_t *a, size_t n)
{
    n = (n + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1);
    zone_arena_chunk_t *c = a->head;
    if (c == NULL || c->size - c->used < n) {
        size_t size = n > ARENA_CHUNK ? n : ARENA_CHUNK;
        c = xmalloc(sizeof(*c) + size);
        c->size = size;
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
        free(c);
        c = next;
    }
    a->head = NULL;
}
