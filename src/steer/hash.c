/* steer: the client-subnet hash and weighted rendezvous scores (xxHash's XXH3). */
#include <arpa/inet.h>
#include <endian.h>
#include <string.h>
#include <sys/socket.h>

#include "gslb/steer.h"

steer_key_t steer_client_key(int family, const uint8_t *addr, uint8_t prefix_bits, uint64_t seed)
{
    unsigned max = family == AF_INET ? 32 : 128;
    unsigned bits = prefix_bits < max ? prefix_bits : max;
    /* The family and prefix length go into the seed, so that 10.0.0.0/24
     * and the IPv6 network that starts with the same octets, or the same
     * network cut to another length, never share a point. */
    uint64_t tag = seed ^ ((uint64_t)(family == AF_INET ? 4 : 6) << 56 | (uint64_t)bits << 48);
    steer_key_t k = {.bits = (uint8_t)bits};
    if (family == AF_INET) {
        uint32_t a;
        memcpy(&a, addr, 4);
        a = ntohl(a);
        a = bits == 0 ? 0 : a & (0xffffffffu << (32 - bits));
        k.hash = XXH3_64bits_withSeed(&a, sizeof(a), tag);
        return k;
    }
    uint64_t w[2];
    memcpy(w, addr, 16);
    w[0] = be64toh(w[0]);
    w[1] = be64toh(w[1]);
    if (bits <= 64) {
        w[0] = bits == 0 ? 0 : w[0] & (~0ull << (64 - bits));
        w[1] = 0;
    } else if (bits < 128) {
        w[1] &= ~0ull << (128 - bits);
    }
    k.hash = XXH3_64bits_withSeed(w, sizeof(w), tag);
    return k;
}

uint64_t steer_name_key(const void *data, size_t len)
{
    return XXH3_64bits(data, len);
}

