/* conf: syntax of scalar values: addresses, CIDRs, listen strings, DNS names, names, paths. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_int.h"

/* Longest string compared for suggestions; longer ones get none. */
#define SUGGEST_MAX_LEN 64
/* Suggest only close matches: one or two typos. */
#define SUGGEST_MAX_DIST 2

size_t conf_edit_distance(const char *a, const char *b, size_t limit)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > SUGGEST_MAX_LEN || lb > SUGGEST_MAX_LEN) {
        return limit + 1;
    }
    if ((la > lb ? la - lb : lb - la) > limit) {
        return limit + 1;
    }
    size_t prev[SUGGEST_MAX_LEN + 1], cur[SUGGEST_MAX_LEN + 1];
    for (size_t j = 0; j <= lb; j++) {
        prev[j] = j;
    }
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        size_t row_min = cur[0];
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t d = prev[j - 1] + cost;
            if (prev[j] + 1 < d) {
                d = prev[j] + 1;
            }
            if (cur[j - 1] + 1 < d) {
                d = cur[j - 1] + 1;
            }
            cur[j] = d;
            if (d < row_min) {
                row_min = d;
            }
        }
        if (row_min > limit) {
            return limit + 1;
        }
        memcpy(prev, cur, (lb + 1) * sizeof(prev[0]));
    }
    return prev[lb] > limit ? limit + 1 : prev[lb];
}

const char *conf_suggest(const char *s, const char *const *candidates, size_t n)
{
    const char *best = NULL;
    size_t best_d = SUGGEST_MAX_DIST + 1;
    size_t len = strlen(s);
    for (size_t i = 0; i < n; i++) {
        if (candidates[i] == NULL) {
            continue;
        }
        size_t d = conf_edit_distance(s, candidates[i], SUGGEST_MAX_DIST);
        /* d < len: replacing every character of a short word is no typo. */
        if (d < best_d && d < len) {
            best = candidates[i];
            best_d = d;
        }
    }
    return best;
}

/* A port: 1..65535 in decimal. */
static int port_parse(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 5 || strspn(s, "0123456789") != n) {
        return -1;
    }
    long p = strtol(s, NULL, 10);
    return p >= 1 && p <= 65535 ? (int)p : -1;
}

const char *conf_listen_parse(const char *s, conf_listen_t *out)
{
    char host[INET6_ADDRSTRLEN + 1];
    const char *port_s = NULL;
    bool is_v6 = false;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (close == NULL || (size_t)(close - s - 1) >= sizeof(host)) {
            return "missing ']' after an IPv6 address";
        }
        memcpy(host, s + 1, (size_t)(close - s - 1));
        host[close - s - 1] = '\0';
        if (close[1] == ':') {
            port_s = close + 2;
        } else if (close[1] != '\0') {
            return "expected ':PORT' after ']'";
        }
        is_v6 = true;
    } else {
        const char *colon = strchr(s, ':');
        if (colon != NULL && strchr(colon + 1, ':') != NULL) {
            /* Two or more colons: a bare IPv6 address, no port. */
            if (strlen(s) >= sizeof(host)) {
                return "not an IP address";
            }
            strcpy(host, s);
            is_v6 = true;
        } else if (colon != NULL) {
            if ((size_t)(colon - s) >= sizeof(host)) {
                return "not an IP address";
            }
            memcpy(host, s, (size_t)(colon - s));
            host[colon - s] = '\0';
            port_s = colon + 1;
        } else {
            if (strlen(s) >= sizeof(host)) {
                return "not an IP address";
            }
            strcpy(host, s);
        }
    }
    int port = CONF_DEFAULT_PORT;
    if (port_s != NULL && (port = port_parse(port_s)) < 0) {
        return "port must be 1..65535";
    }
    /* Text without a colon never parses as IPv6, so the family check is
     * only needed for the bracketed and bare IPv6 forms. */
    gslb_addr_t a;
    bool is_addr = gslb_addr_parse(host, &a) == 0;
    if (is_v6 && (!is_addr || a.family != AF_INET6)) {
        return "not an IPv6 address";
    }
    if (!is_addr) {
        return "not an IP address (host names are not resolved)";
    }
    memset(&out->sa, 0, sizeof(out->sa));
    if (is_v6) {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->sa;
        memcpy(&sin6->sin6_addr, a.addr, 16);
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((uint16_t)port);
        out->sa_len = sizeof(*sin6);
    } else {
        struct sockaddr_in *sin = (struct sockaddr_in *)&out->sa;
        memcpy(&sin->sin_addr, a.addr, 4);
        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)port);
        out->sa_len = sizeof(*sin);
    }
    return NULL;
}

/* ASCII only, whatever the locale. */
static bool is_alnum(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
}

static char to_lower(char ch)
{
    return ch >= 'A' && ch <= 'Z' ? (char)(ch - 'A' + 'a') : ch;
}

static bool is_host_char(unsigned char ch)
{
    return is_alnum(ch) || ch == '-' || ch == '_';
}

const char *conf_dname_normalize(const char *s, bool lower, char **out)
{
    size_t len = strlen(s);
    if (len == 0) {
        return "empty name";
    }
    if (strcmp(s, ".") == 0) {
        return "the root name is not allowed here";
    }
    size_t body = s[len - 1] == '.' ? len - 1 : len;
    /* RFC 1035 section 2.3.4: 63 octets per label, 255 on the wire, where
     * the wire form is one length octet per label plus the root octet. */
    size_t wire = 1;
    size_t label = 0;
    for (size_t i = 0; i <= body; i++) {
        if (i == body || s[i] == '.') {
            if (label == 0) {
                return "empty label";
            }
            if (label > 63) {
                return "label longer than 63 octets";
            }
            wire += label + 1;
            label = 0;
            continue;
        }
        if (!is_host_char((unsigned char)s[i])) {
            return "only letters, digits, '-' and '_' are allowed in labels";
        }
        label++;
    }
    if (wire > 255) {
        return "name longer than 255 octets";
    }
    char *n = xmalloc(body + 2);
    for (size_t i = 0; i < body; i++) {
        n[i] = lower ? to_lower(s[i]) : s[i];
    }
    n[body] = '.';
    n[body + 1] = '\0';
    *out = n;
    return NULL;
}

bool conf_name_is_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > CONF_NAME_MAX) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (!is_alnum(ch) && ch != '_' && ch != '.' && ch != '-') {
            return false;
        }
    }
    return true;
}

char *conf_path_resolve(const char *dir, const char *path)
{
    if (path[0] == '/' || dir == NULL || strcmp(dir, ".") == 0) {
        return xstrdup(path);
    }
    size_t dl = strlen(dir);
    return xasprintf("%s%s%s", dir, dl > 0 && dir[dl - 1] == '/' ? "" : "/", path);
}
