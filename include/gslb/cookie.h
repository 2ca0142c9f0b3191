/* cookie: DNS Cookies (RFC 7873) with interoperable server cookies (RFC 9018: version 1,
 * SipHash-2-4 from libsodium) and the server secrets they are made with. */
#ifndef GSLB_COOKIE_H
#define GSLB_COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define COOKIE_CLIENT_LEN 8   /* RFC 7873 4: a client cookie is exactly 8 octets */
#define COOKIE_SERVER_LEN 16  /* RFC 9018 4: version, reserved, timestamp, hash */
#define COOKIE_SERVER_MIN 8   /* RFC 7873 4: a server cookie is 8..32 octets */
#define COOKIE_SERVER_MAX 32
#define COOKIE_SECRET_LEN 16  /* SipHash-2-4 key */
#define COOKIE_MAX_AGE_S 3600 /* RFC 9018 4.3: older server cookies are not valid */
#define COOKIE_MAX_AHEAD_S 300 /* RFC 9018 4.3: nor ones more than 5 minutes ahead */
#define COOKIE_RENEW_AGE_S 1800 /* RFC 9018 4.3: a valid cookie this old is replaced */

/* The server secrets a cookie may be checked against: the current one (new cookies are
 * made with it) and optionally the one before it, so that cookies handed out before a
 * rotation stay valid for their lifetime (RFC 9018 4.4). A plain value. */
typedef struct cookie_secrets {
    uint8_t current[COOKIE_SECRET_LEN];
    uint8_t previous[COOKIE_SECRET_LEN];
    bool has_previous;
} cookie_secrets_t;

/* What a query's COOKIE option held (RFC 7873 5.2). */
typedef enum cookie_verdict {
    COOKIE_CLIENT_ONLY = 0, /* a client cookie alone: answer with a new server cookie */
    COOKIE_VALID,           /* a server cookie we made for this client cookie and address,
                             * within its lifetime */
    COOKIE_INVALID,         /* a server cookie we cannot accept (other version, other secret,
                             * expired, from the future, other client): treated as a client
                             * cookie alone, or BADCOOKIE */
} cookie_verdict_t;

/* Check the COOKIE option data opt (len octets: 8, or 16..40 as the parser checked) of a
 * query from client address addr (4 octets for IPv4, 16 for IPv6, network order) at wall
 * clock time now_s (seconds since the epoch, compared in serial number arithmetic, RFC
 * 1982). *is_fresh is set when a VALID cookie is young enough to be sent back as it is.
 * Any thread; no allocation. */
cookie_verdict_t cookie_check(const cookie_secrets_t *s, const uint8_t *opt, size_t len,
                              const uint8_t *addr, size_t addr_len, uint32_t now_s,
                              bool *is_fresh);

/* Write the RFC 9018 version 1 server cookie for client cookie client (8 octets), client
 * address addr (4 or 16 octets) and time now_s with s->current into out (16 octets).
 * Any thread; no allocation. */
void cookie_server_make(const cookie_secrets_t *s, const uint8_t *client, const uint8_t *addr,
                        size_t addr_len, uint32_t now_s, uint8_t *out);

/* ---- the generated secret, rotated in the running server ----
 * A process-wide pair of secrets for servers whose configuration gives none: a random
 * one at start, replaced by cookie_keys_rotate (the previous one stays valid until the
 * next rotation). Workers read it without locks. */
typedef struct cookie_keys cookie_keys_t;

/* New keys with a random current secret (libsodium's randombytes) and no previous one.
 * Returns NULL when libsodium cannot be initialised. Main thread. */
cookie_keys_t *cookie_keys_new(void);

/* Free the keys; NULL does nothing. Only once no worker reads them. */
void cookie_keys_free(cookie_keys_t *k);

/* Make a new random current secret; the current one becomes the previous one. One
 * thread at a time (the main thread's timer); workers may read meanwhile. */
void cookie_keys_rotate(cookie_keys_t *k);

/* Copy the secrets in force into *out. Lock-free; any thread (a worker copies them once
 * per query that carries a cookie). */
void cookie_keys_get(const cookie_keys_t *k, cookie_secrets_t *out);

/* Parse a secret written as 32 hexadecimal digits into out. Returns 0, or -1 when text is
 * not exactly that. Any thread. */
int cookie_secret_parse(const char *text, size_t len, uint8_t out[COOKIE_SECRET_LEN]);

#endif
