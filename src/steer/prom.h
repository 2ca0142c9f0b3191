/* steer: an asynchronous client for Prometheus instant queries (GET /api/v1/query), the
 * source of the data centers' live load for feed "prometheus". */
#ifndef GSLB_STEER_PROM_H
#define GSLB_STEER_PROM_H

#include <stddef.h>

struct event_base;

/* Room for the error text a callback gets, with its final NUL; longer texts
 * (a long "error" field from the server) are cut. */
#define STEER_PROM_ERROR_MAX 128

/* The largest response body accepted; a larger one fails the query. */
#define STEER_PROM_BODY_MAX (1024 * 1024)

/* A client for one Prometheus server. Every function, and every callback,
 * runs on the thread that runs the event base (or before its loop starts).
 * Like every socket user in gslbd it expects SIGPIPE to be ignored (main
 * does): a server that hangs up while the request is written must give
 * EPIPE, not kill the process. */
typedef struct steer_prom steer_prom_t;

/* Create a client for the server at url: "http://HOST[:PORT][/PREFIX]" where
 * HOST is an IPv4 address or an IPv6 address in brackets. Host names are
 * refused, not resolved, so that no query ever waits on DNS on the event
 * thread: give the server's address. PORT defaults to 80; PREFIX is a
 * path the server is mounted under ("/prometheus", a trailing '/' is
 * dropped); https, credentials, a query string or a fragment are refused.
 * timeout_ms (> 0) bounds each query from its start to its answer, connect
 * included. base is borrowed and must outlive the client.
 * Returns 0 with *out set, or -GSLB_EINVAL with *out NULL and the reason in
 * err (errlen bytes, NUL-terminated; err may be NULL when errlen is 0). */
int steer_prom_new(steer_prom_t **out, struct event_base *base, const char *url,
                   unsigned timeout_ms, char *err, size_t errlen);

/* Free the client. Queries in flight are cancelled and their callbacks are
 * NOT called. May be called from a query's callback. NULL does nothing. */
void steer_prom_free(steer_prom_t *p);

/* The outcome of one query, called exactly once, never from inside
 * steer_prom_query. arg is the caller's. On success rc is 0, value the
 * figure (finite, >= 0) and error NULL. On failure value is 0 and rc is
 *   -GSLB_EIO       the server could not be asked or did not answer well:
 *                   "timeout", "connect: Connection refused",
 *                   "connection closed before the response",
 *                   "HTTP 400: <the error field of the JSON body>", "HTTP 502"
 *   -GSLB_ENOSPACE  "response too large" (over STEER_PROM_BODY_MAX)
 *   -GSLB_ENOTFOUND "empty result" (a vector without samples)
 *   -GSLB_EINVAL    the answer is not a usable figure: "bad JSON: ...",
 *                   "not a number: \"NaN\"", "not finite: \"+Inf\"",
 *                   "negative: \"-1\"", "unsupported result type \"matrix\""
 * error is a short text, valid only during the call. The callback may start
 * new queries and may free the client. */
typedef void (*steer_prom_cb)(void *arg, int rc, double value, const char *error);

/* Start evaluating query (PromQL, sent URL-encoded) now. The value is that of
 * the FIRST sample of a vector result, or of a scalar result. key names the
 * caller's query (any pointer, compared by identity, NULL included): while a
 * query with the same key is in flight this returns -GSLB_EBUSY and cb is
 * never called for it. Returns 0 (cb will run later, from the event loop),
 * -GSLB_EBUSY, or -GSLB_EINVAL (p, query or cb NULL, or query empty).
 * Aborts the process if libevent cannot allocate. */
int steer_prom_query(steer_prom_t *p, const void *key, const char *query, steer_prom_cb cb,
                     void *arg);

#endif
