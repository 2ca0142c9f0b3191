/* rrl: the bucket table and the token-bucket rule (see gslb/rrl.h). */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <xxhash.h>

#include "gslb/rrl.h"
#include "gslb/util.h"

/* One bucket in 64 bits, so that a worker replaces it with one compare-and-swap:
 *   bits 48..63  tag: the key's top 16 bits (which key owns the slot)
 *   bits 28..47  time: the second of the last update, modulo 2^20 (12 days)
 *   bits  7..27  balance + 2^20: responses the bucket may still send (negative = owed)
 *   bits  0..6   limited responses since the last slip, modulo the slip setting
 * An all-zero word is an empty slot. */
#define TAG_SHIFT 48
#define TIME_SHIFT 28
#define TIME_MASK 0xFFFFFu
#define BAL_SHIFT 7
#define BAL_MASK 0x1FFFFFu
#define BAL_BIAS (1 << 20)
#define SLIP_MASK 0x7Fu

#define TABLE_MIN 64u
#define TABLE_MAX (1u << 26)
#define CAS_TRIES 4

struct rrl_table {
    size_t mask; /* buckets - 1 */
    _Atomic uint64_t *slots;
};

static const char *const class_names[RRL_CLASS_COUNT] = {
    [RRL_ANSWER] = "answer",     [RRL_NODATA] = "nodata", [RRL_NXDOMAIN] = "nxdomain",
    [RRL_REFERRAL] = "referral", [RRL_ERROR] = "error",
};

const char *rrl_class_name(rrl_class_t c)
{
    return (unsigned)c < RRL_CLASS_COUNT ? class_names[c] : "?";
}

rrl_table_t *rrl_table_new(size_t buckets)
{
    if (buckets > TABLE_MAX) {
        return NULL;
    }
    size_t n = TABLE_MIN;
    while (n < buckets) {
        n <<= 1;
    }
    rrl_table_t *t = xcalloc(1, sizeof(*t));
    t->mask = n - 1;
    t->slots = xcalloc(n, sizeof(*t->slots));
    return t;
}

void rrl_table_free(rrl_table_t *t)
{
    if (t == NULL) {
        return;
    }
    free(t->slots);
    free(t);
}

size_t rrl_table_size(const rrl_table_t *t)
{
    return t->mask + 1;
}

/* A big-endian mask of the first bits of a 64-bit word (bits 0..64). */
static inline uint64_t mask64(unsigned bits)
{
    return bits == 0 ? 0 : bits >= 64 ? ~(uint64_t)0 : ~(uint64_t)0 << (64 - bits);
}

static inline uint64_t load_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) {
        v = v << 8 | p[i];
    }
    return v;
}

uint64_t rrl_key(const rrl_params_t *p, int family, const uint8_t *addr, rrl_class_t cls,
                 const uint8_t *name, size_t name_len, uint16_t qtype)
{
    /* One buffer, one hash: family, class and QTYPE in a word, the network in two (address
     * bits past the prefix cleared), then the name. */
    uint64_t buf[3 + (255 + 7) / 8];
    uint64_t hi, lo;
    if (family == AF_INET6) {
        hi = load_be64(addr) & mask64(p->prefix_v6);
        lo = load_be64(addr + 8) & mask64(p->prefix_v6 > 64 ? p->prefix_v6 - 64u : 0);
    } else {
        uint64_t a = (uint64_t)addr[0] << 56 | (uint64_t)addr[1] << 48 |
                     (uint64_t)addr[2] << 40 | (uint64_t)addr[3] << 32;
        hi = a & mask64(p->prefix_v4);
        lo = 0;
    }
    buf[0] = (uint64_t)(family == AF_INET6 ? 6 : 4) << 32 | (uint64_t)cls << 16 |
             (cls == RRL_ANSWER ? qtype : 0);
    buf[1] = hi;
    buf[2] = lo;
    size_t n = 3 * sizeof(uint64_t);
    if (cls != RRL_ERROR && name != NULL) {
        name_len = name_len > 255 ? 255 : name_len;
        memcpy((uint8_t *)buf + n, name, name_len);
        n += name_len;
    }
    return XXH3_64bits(buf, n);
}

static inline uint64_t pack(uint64_t tag, uint32_t time_s, int32_t balance, uint32_t slips)
{
    return (tag << TAG_SHIFT) | ((uint64_t)(time_s & TIME_MASK) << TIME_SHIFT) |
           ((uint64_t)((uint32_t)(balance + BAL_BIAS) & BAL_MASK) << BAL_SHIFT) |
           (slips & SLIP_MASK);
}

static inline int32_t balance_of(uint64_t v)
{
    return (int32_t)((v >> BAL_SHIFT) & BAL_MASK) - BAL_BIAS;
}

static inline uint32_t time_of(uint64_t v)
{
    return (uint32_t)(v >> TIME_SHIFT) & TIME_MASK;
}

rrl_verdict_t rrl_account(rrl_table_t *t, const rrl_params_t *p, uint64_t key, rrl_class_t cls,
                          uint32_t now_s)
{
    uint32_t rate = (unsigned)cls < RRL_CLASS_COUNT ? p->rate[cls] : 0;
    if (!p->is_enabled || rate == 0) {
        return RRL_PASS;
    }
    int32_t most = (int32_t)rate;
    int32_t least = -(int32_t)(rate * p->window_s);
    uint64_t tag = key >> TAG_SHIFT;
    now_s &= TIME_MASK;
    /* A key may live in either slot of its pair (one cache line). */
    _Atomic uint64_t *pair = &t->slots[key & t->mask & ~(size_t)1];
    for (int attempt = 0; attempt < CAS_TRIES; attempt++) {
        uint64_t v0 = atomic_load_explicit(&pair[0], memory_order_relaxed);
        uint64_t v1 = atomic_load_explicit(&pair[1], memory_order_relaxed);
        _Atomic uint64_t *slot;
        uint64_t old;
        bool is_mine;
        if (v0 != 0 && (v0 >> TAG_SHIFT) == tag) {
            slot = &pair[0], old = v0, is_mine = true;
        } else if (v1 != 0 && (v1 >> TAG_SHIFT) == tag) {
            slot = &pair[1], old = v1, is_mine = true;
        } else {
            /* Take the slot whose owner was seen longest ago (an empty one first). */
            uint32_t age0 = v0 == 0 ? TIME_MASK + 1 : ((now_s - time_of(v0)) & TIME_MASK);
            uint32_t age1 = v1 == 0 ? TIME_MASK + 1 : ((now_s - time_of(v1)) & TIME_MASK);
            slot = age1 > age0 ? &pair[1] : &pair[0];
            old = age1 > age0 ? v1 : v0;
            is_mine = false;
        }
        int32_t balance = most;
        uint32_t slips = 0;
        if (is_mine) {
            balance = balance_of(old);
            slips = (uint32_t)(old & SLIP_MASK);
            uint32_t elapsed = (now_s - time_of(old)) & TIME_MASK;
            if (elapsed > 0) {
                int64_t earned = (int64_t)elapsed * rate;
                int64_t b = (int64_t)balance + earned;
                balance = b > most ? most : (int32_t)b;
            }
        }
        balance -= 1;
        bool is_limited = balance < 0;
        if (balance < least) {
            balance = least;
        }
        /* The first limited response of a run slips, then every slip-th. */
        bool is_slip = is_limited && p->slip > 0 && slips == 0;
        if (is_limited) {
            slips = p->slip > 0 ? (slips + 1) % p->slip : 0;
        } else {
            slips = 0;
        }
        uint64_t nv = pack(tag, now_s, balance, slips);
        if (atomic_compare_exchange_weak_explicit(slot, &old, nv, memory_order_relaxed,
                                                  memory_order_relaxed)) {
            if (!is_limited) {
                return RRL_PASS;
            }
            return is_slip ? RRL_SLIP : RRL_DROP;
        }
    }
    /* Lost every race for this pair to other workers: let this one through. */
    return RRL_PASS;
}
