/* fleet: an etcd endpoint URL read into an address, a port and whether it is https. */
#include "fleet_int.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *fleet_endpoint_parse(const char *url, fleet_endpoint_t *ep)
{
    memset(ep, 0, sizeof(*ep));
    const char *rest;
    if (strncmp(url, "http://", 7) == 0) {
        rest = url + 7;
    } else if (strncmp(url, "https://", 8) == 0) {
        rest = url + 8;
        ep->is_tls = true;
    } else {
        return "must start with http:// or https://";
    }
    const char *colon;
    size_t host_len;
    if (rest[0] == '[') {
        const char *close = strchr(rest, ']');
        if (close == NULL || close[1] != ':') {
            return "an IPv6 address must be in brackets and followed by :PORT";
        }
        host_len = (size_t)(close - rest - 1);
        rest++;
        colon = close + 1;
        ep->family = AF_INET6;
    } else {
        colon = strchr(rest, ':');
        if (colon == NULL) {
            return "needs a port (http://IP:PORT)";
        }
        host_len = (size_t)(colon - rest);
        ep->family = AF_INET;
    }
    if (host_len == 0 || host_len >= sizeof(ep->host)) {
        return "needs an IP address";
    }
    memcpy(ep->host, rest, host_len);
    ep->host[host_len] = '\0';
    uint8_t bin[16];
    if (inet_pton(ep->family, ep->host, bin) != 1) {
        return "the host must be an IP address (names are not resolved)";
    }
    char *end;
    unsigned long port = strtoul(colon + 1, &end, 10);
    if (colon[1] < '0' || colon[1] > '9' || port < 1 || port > 65535 ||
        (*end != '\0' && strcmp(end, "/") != 0)) {
        return "the port must be 1..65535, with no path after it";
    }
    ep->port = (uint16_t)port;
    snprintf(ep->host_header, sizeof(ep->host_header),
             ep->family == AF_INET6 ? "[%s]:%u" : "%s:%u", ep->host, (unsigned)port);
    return NULL;
}

const char *fleet_endpoint_problem(const char *url)
{
    fleet_endpoint_t ep;
    return fleet_endpoint_parse(url, &ep);
}

