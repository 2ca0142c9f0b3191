/* steer: the client-subnet hash and weighted rendezvous scores (xxHash's XXH3). */
#include <string.h>
#include <sys/socket.h>

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

