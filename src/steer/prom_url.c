/* steer: the Prometheus server's URL: scheme, numeric host, port and path prefix. */
#include "prom_int.h"

#include <event2/http.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#define URL_FORM "not a URL of the form http://HOST[:PORT][/PREFIX]"

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    if (err != NULL && errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -GSLB_EINVAL;
}

/* The address in host (brackets already removed for IPv6) into u. */
static int parse_host(const char *host, bool is_bracketed, steer_prom_url_t *u, char *err,
                      size_t errlen)
{
    uint8_t bin[16];
    u->family = is_bracketed ? AF_INET6 : AF_INET;
    if (inet_pton(u->family, host, bin) != 1) {
        if (is_bracketed) {
            return fail(err, errlen, "'[%s]' is not an IPv6 address", host);
        }
        return fail(err, errlen,
                    "host '%s' is not an IP address (names are not resolved: give the "
                    "server's address, IPv6 in brackets)",
                    host);
    }
    /* The canonical text, which is also what connect() will be given. */
    if (inet_ntop(u->family, bin, u->addr, sizeof(u->addr)) == NULL) {
        return fail(err, errlen, "host '%s' cannot be used", host);
    }
    return 0;
}

static int parse_uri(const struct evhttp_uri *uri, steer_prom_url_t *u, char *err, size_t errlen)
{
    const char *scheme = evhttp_uri_get_scheme(uri);
    const char *host = evhttp_uri_get_host(uri);
    if (scheme == NULL || host == NULL) {
        return fail(err, errlen, "%s", URL_FORM);
    }
    if (strcasecmp(scheme, "https") == 0) {
        return fail(err, errlen, "https is not supported; use http://");
    }
    if (strcasecmp(scheme, "http") != 0) {
        return fail(err, errlen, "scheme '%s' is not supported; use http://", scheme);
    }
    if (evhttp_uri_get_userinfo(uri) != NULL) {
        return fail(err, errlen, "credentials in the URL are not supported");
    }
    if (evhttp_uri_get_query(uri) != NULL || evhttp_uri_get_fragment(uri) != NULL) {
        return fail(err, errlen, "a query string or fragment is not allowed");
    }
    size_t host_len = strlen(host);
    if (host_len == 0) {
        return fail(err, errlen, "no host");
    }
    int rc;
    if (host[0] == '[' && host_len > 2 && host[host_len - 1] == ']') {
        char *bare = xstrndup(host + 1, host_len - 2);
        rc = parse_host(bare, true, u, err, errlen);
        free(bare);
    } else {
        rc = parse_host(host, false, u, err, errlen);
    }
    if (rc != 0) {
        return rc;
    }
    int port = evhttp_uri_get_port(uri);
    if (port == 0 || port > 65535) {
        return fail(err, errlen, "port %d is out of range", port);
    }
    u->port = port < 0 ? 80 : (uint16_t)port;

    bool is_v6 = u->family == AF_INET6;
    if (u->port == 80) {
        u->host_header = xasprintf("%s%s%s", is_v6 ? "[" : "", u->addr, is_v6 ? "]" : "");
    } else {
        u->host_header = xasprintf("%s%s%s:%u", is_v6 ? "[" : "", u->addr, is_v6 ? "]" : "",
                                   (unsigned)u->port);
    }
    /* The prefix stays as written (already URL-encoded); "/" and trailing
     * slashes go so that the API path can be appended. */
    const char *path = evhttp_uri_get_path(uri);
    size_t path_len = path != NULL ? strlen(path) : 0;
    while (path_len > 0 && path[path_len - 1] == '/') {
        path_len--;
    }
    u->path_prefix = xstrndup(path_len > 0 ? path : "", path_len);
    return 0;
}

int steer_prom_url_parse(const char *url, steer_prom_url_t *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    if (err != NULL && errlen > 0) {
        err[0] = '\0';
    }
    if (url == NULL || url[0] == '\0') {
        return fail(err, errlen, "no URL");
    }
    struct evhttp_uri *uri = evhttp_uri_parse_with_flags(url, 0);
    if (uri == NULL) {
        return fail(err, errlen, "%s", URL_FORM);
    }
    int rc = parse_uri(uri, out, err, errlen);
    evhttp_uri_free(uri);
    if (rc != 0) {
        steer_prom_url_clear(out);
    }
    return rc;
}

void steer_prom_url_clear(steer_prom_url_t *u)
{
    free(u->host_header);
    free(u->path_prefix);
    memset(u, 0, sizeof(*u));
}
