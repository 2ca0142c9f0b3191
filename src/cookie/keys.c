/* cookie: the generated server secret and its rotation, read by workers without locks. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "gslb/cookie.h"
#include "gslb/util.h"

/* Three slots in turn: at generation g the current secret is slot g % 3 and the previous
 * one slot (g - 1) % 3, so a rotation writes the slot nobody is meant to read (g + 1) % 3
 * before it publishes g + 1. The words are atomics so that a reader racing a rotation
 * (hours apart) reads a torn secret at worst, never undefined behaviour: a cookie then
 * fails to validate and its client gets a new one. */
struct cookie_keys {
    _Atomic uint64_t slot[3][COOKIE_SECRET_LEN / 8];
    _Atomic uint64_t generation;
};

static void slot_fill(cookie_keys_t *k, unsigned i)
{
    uint64_t w[COOKIE_SECRET_LEN / 8];
    randombytes_buf(w, sizeof(w));
    for (size_t j = 0; j < GSLB_ARRAY_LEN(w); j++) {
        atomic_store_explicit(&k->slot[i][j], w[j], memory_order_relaxed);
    }
    sodium_memzero(w, sizeof(w));
}

static void slot_copy(const cookie_keys_t *k, unsigned i, uint8_t *out)
{
    uint64_t w[COOKIE_SECRET_LEN / 8];
    for (size_t j = 0; j < GSLB_ARRAY_LEN(w); j++) {
        w[j] = atomic_load_explicit(&k->slot[i][j], memory_order_relaxed);
    }
    memcpy(out, w, sizeof(w));
}

cookie_keys_t *cookie_keys_new(void)
{
    if (sodium_init() < 0) {
        return NULL;
    }
    cookie_keys_t *k = xcalloc(1, sizeof(*k));
    slot_fill(k, 0);
    atomic_store_explicit(&k->generation, 0, memory_order_release);
    return k;
}

void cookie_keys_free(cookie_keys_t *k)
{
    if (k == NULL) {
        return;
    }
    sodium_memzero(k, sizeof(*k));
    free(k);
}

void cookie_keys_rotate(cookie_keys_t *k)
{
    uint64_t g = atomic_load_explicit(&k->generation, memory_order_relaxed);
    slot_fill(k, (unsigned)((g + 1) % 3));
    atomic_store_explicit(&k->generation, g + 1, memory_order_release);
}

void cookie_keys_get(const cookie_keys_t *k, cookie_secrets_t *out)
{
    uint64_t g = atomic_load_explicit(&k->generation, memory_order_acquire);
    slot_copy(k, (unsigned)(g % 3), out->current);
    out->has_previous = g > 0;
    if (out->has_previous) {
        slot_copy(k, (unsigned)((g + 2) % 3), out->previous);
    }
}
