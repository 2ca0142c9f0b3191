/* steer: the client-subnet hash and weighted rendezvous scores (xxHash's XXH3). */
#include <math.h>
#include <string.h>
#include <sys/socket.h>

#include <xxhash.h>

#include "gslb/steer.h"

steer_key_t steer_client_key(int family, const uint8_t *addr, uint8_t prefix_bits, uint64_t seed)
{
    unsigned max = family == AF_INET ? 32 : 128;
    unsigned bits = prefix_bits < max ? prefix_bits : max;
    /* The family and prefix length go into the hashed bytes, so that
     * 10.0.0.0/24 and the IPv6 network that starts with the same octets
     * never share a point. */
    uint8_t buf[18] = {(uint8_t)(family == AF_INET ? 4 : 6), (uint8_t)bits};
    unsigned whole = bits / 8;
    memcpy(buf + 2, addr, whole);
    if (bits % 8 != 0) {
        buf[2 + whole] = (uint8_t)(addr[whole] & (0xffu << (8 - bits % 8)));
        whole++;
    }
    steer_key_t k = {.hash = XXH3_64bits_withSeed(buf, 2 + whole, seed), .bits = (uint8_t)bits};
    return k;
}

uint64_t steer_name_key(const void *data, size_t len)
{
    return XXH3_64bits(data, len);
}

double steer_hrw_score(uint64_t h, uint64_t item_key, double w)
{
    if (!(w > 0)) {
        return INFINITY;
    }
    uint64_t x = XXH3_64bits_withSeed(&h, sizeof(h), item_key);
    /* u in (0, 1): 53 random bits, never 0, so -log(u) is finite and > 0. */
    double u = ((double)(x >> 11) + 0.5) * (1.0 / 9007199254740992.0);
    return -log(u) / w;
}
