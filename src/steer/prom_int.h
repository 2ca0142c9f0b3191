/* steer: the parts of the Prometheus client that need no network: the server's URL and the
 * body of a query's answer. */
#ifndef GSLB_STEER_PROM_INT_H
#define GSLB_STEER_PROM_INT_H

#include "gslb/util.h"

#include <stddef.h>
#include <stdint.h>

/* Where the server is, from its URL (steer_prom_url_parse).
 *   family       AF_INET or AF_INET6
 *   addr         the numeric address without brackets, for connecting
 *   port         TCP port, 80 when the URL has none
 *   host_header  what the Host header says: "192.0.2.1:9090", "[2001:db8::1]:9090"
 *                (no port when it is 80); owned
 *   path_prefix  "" or "/prometheus": the request path is this followed by
 *                "/api/v1/query"; owned */
typedef struct steer_prom_url {
    int family;
    char addr[GSLB_ADDR_TEXT_MAX];
    uint16_t port;
    char *host_header;
    char *path_prefix;
} steer_prom_url_t;

/* Parse "http://HOST[:PORT][/PREFIX]" as steer_prom_new documents it.
 * Returns 0 with *out filled (free with steer_prom_url_clear), or
 * -GSLB_EINVAL with *out zeroed and the reason in err (errlen bytes; err
 * may be NULL when errlen is 0). Pure; any thread. */
int steer_prom_url_parse(const char *url, steer_prom_url_t *out, char *err, size_t errlen);

/* Free what u owns and zero it. */
void steer_prom_url_clear(steer_prom_url_t *u);

/* Read the figure out of the answer to an instant query: HTTP status and
 * body (len bytes, need not be NUL-terminated, may be NULL when len is 0).
 * Returns 0 with *value (finite, >= 0), or one of the negative codes
 * steer_prom_cb documents (-GSLB_EIO for a status other than 200,
 * -GSLB_ENOTFOUND, -GSLB_EINVAL) with *value 0 and the reason in err
 * (errlen bytes, cut to fit). Pure; any thread. */
int steer_prom_result_parse(int status, const char *body, size_t len, double *value, char *err,
                            size_t errlen);

#endif
