/* cookie: checking and making RFC 9018 server cookies (see gslb/cookie.h). */
#include <string.h>

#include <sodium.h>

#include "gslb/cookie.h"

#define VERSION_1 1

/* Equality of two 8-octet hashes in time that does not depend on where they differ. */
static inline bool hash_equal(const uint8_t *a, const uint8_t *b)
{
    uint64_t x, y;
    memcpy(&x, a, 8);
    memcpy(&y, b, 8);
    return (x ^ y) == 0;
}

/* Client cookie | version | reserved | timestamp | client address (RFC 9018 4.4). */
static void server_hash(const uint8_t *secret, const uint8_t *client, uint32_t time_s,
                        const uint8_t *addr, size_t addr_len, uint8_t *out)
{
    uint8_t in[COOKIE_CLIENT_LEN + 8 + 16];
    size_t n = 0;
    memcpy(in, client, COOKIE_CLIENT_LEN);
    n += COOKIE_CLIENT_LEN;
    in[n++] = VERSION_1;
    in[n++] = 0;
    in[n++] = 0;
    in[n++] = 0;
    in[n++] = (uint8_t)(time_s >> 24);
    in[n++] = (uint8_t)(time_s >> 16);
    in[n++] = (uint8_t)(time_s >> 8);
    in[n++] = (uint8_t)time_s;
    addr_len = addr_len > 16 ? 16 : addr_len;
    memcpy(in + n, addr, addr_len);
    n += addr_len;
    crypto_shorthash_siphash24(out, in, n, secret);
}

void cookie_server_make(const cookie_secrets_t *s, const uint8_t *client, const uint8_t *addr,
                        size_t addr_len, uint32_t now_s, uint8_t *out)
{
    out[0] = VERSION_1;
    out[1] = out[2] = out[3] = 0;
    out[4] = (uint8_t)(now_s >> 24);
    out[5] = (uint8_t)(now_s >> 16);
    out[6] = (uint8_t)(now_s >> 8);
    out[7] = (uint8_t)now_s;
    server_hash(s->current, client, now_s, addr, addr_len, out + 8);
}

cookie_verdict_t cookie_check(const cookie_secrets_t *s, const uint8_t *opt, size_t len,
                              const uint8_t *addr, size_t addr_len, uint32_t now_s,
                              bool *is_fresh)
{
    *is_fresh = false;
    if (len == COOKIE_CLIENT_LEN) {
        return COOKIE_CLIENT_ONLY;
    }
    const uint8_t *sc = opt + COOKIE_CLIENT_LEN;
    /* Only our own format: version 1, 16 octets, reserved octets zero. */
    if (len != COOKIE_CLIENT_LEN + COOKIE_SERVER_LEN || sc[0] != VERSION_1 || sc[1] != 0 ||
        sc[2] != 0 || sc[3] != 0) {
        return COOKIE_INVALID;
    }
    uint32_t ts = (uint32_t)sc[4] << 24 | (uint32_t)sc[5] << 16 | (uint32_t)sc[6] << 8 | sc[7];
    /* Serial number arithmetic (RFC 1982): the signed distance from the cookie's time. */
    int32_t age = (int32_t)(now_s - ts);
    if (age > COOKIE_MAX_AGE_S || age < -COOKIE_MAX_AHEAD_S) {
        return COOKIE_INVALID;
    }
    uint8_t h[8];
    server_hash(s->current, opt, ts, addr, addr_len, h);
    bool is_match = hash_equal(h, sc + 8);
    bool is_current = is_match;
    if (!is_match && s->has_previous) {
        server_hash(s->previous, opt, ts, addr, addr_len, h);
        is_match = hash_equal(h, sc + 8);
    }
    if (!is_match) {
        return COOKIE_INVALID;
    }
    /* Sent back unchanged only when made with the current secret and not yet due for renewal. */
    *is_fresh = is_current && age < COOKIE_RENEW_AGE_S;
    return COOKIE_VALID;
}

int cookie_secret_parse(const char *text, size_t len, uint8_t out[COOKIE_SECRET_LEN])
{
    size_t bin_len = 0;
    if (len != 2 * COOKIE_SECRET_LEN ||
        sodium_hex2bin(out, COOKIE_SECRET_LEN, text, len, NULL, &bin_len, NULL) != 0 ||
        bin_len != COOKIE_SECRET_LEN) {
        return -1;
    }
    return 0;
}
