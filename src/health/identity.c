/* health: probe targets: validation, identity (what makes two targets one probe), owned copies. */
#include "health_int.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A growing byte string for the serialized identity. */
typedef struct ident_buf {
    char *data;
    size_t len, cap;
} ident_buf_t;

static void buf_put(ident_buf_t *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap == 0 ? 128 : b->cap;
        while (cap < b->len + n) {
            cap *= 2;
        }
        b->data = xrealloc(b->data, cap);
        b->cap = cap;
    }
    if (n > 0) {
        memcpy(b->data + b->len, p, n);
    }
    b->len += n;
}

static void buf_u32(ident_buf_t *b, uint32_t v)
{
    buf_put(b, &v, sizeof(v));
}

/* Length-prefixed, with a marker so that NULL and "" stay different. */
static void buf_str(ident_buf_t *b, const char *s)
{
    uint8_t is_set = s != NULL;
    buf_put(b, &is_set, 1);
    if (s != NULL) {
        size_t n = strlen(s);
        buf_u32(b, (uint32_t)n);
        buf_put(b, s, n);
    }
}

static void buf_target(ident_buf_t *b, const struct sockaddr_storage *ss)
{
    buf_u32(b, ss->ss_family);
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
        buf_put(b, &sin->sin_addr, sizeof(sin->sin_addr));
        buf_put(b, &sin->sin_port, sizeof(sin->sin_port));
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
        buf_put(b, &sin6->sin6_addr, sizeof(sin6->sin6_addr));
        buf_put(b, &sin6->sin6_port, sizeof(sin6->sin6_port));
        buf_u32(b, sin6->sin6_scope_id);
    }
}

static int cmp_u16(const void *a, const void *b)
{
    return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

/* Length of a wire-format name including the root label, or 0 when it is
 * not a valid uncompressed name (RFC 1035 3.1: labels <= 63, name <= 255). */
static size_t qname_len(const uint8_t *name)
{
    size_t off = 0;
    while (off < 255) {
        uint8_t l = name[off];
        if (l == 0) {
            return off + 1;
        }
        if (l > 63) {
            return 0;
        }
        off += 1 + (size_t)l;
    }
    return 0;
}

static bool target_is_usable(const health_target_t *t)
{
    if (t->addr.ss_family == AF_INET) {
        return t->addr_len >= sizeof(struct sockaddr_in) && health_addr_port(&t->addr) != 0;
    }
    if (t->addr.ss_family == AF_INET6) {
        return t->addr_len >= sizeof(struct sockaddr_in6) && health_addr_port(&t->addr) != 0;
    }
    return false;
}

static const char *target_problem(const health_target_t *t)
{
    const health_probe_def_t *d = t->def;
    if ((unsigned)d->type >= HEALTH_PROBE_TYPE_COUNT) {
        return "unknown probe type";
    }
    if (d->interval_ms == 0 || d->timeout_ms == 0) {
        return "interval and timeout must be at least 1 ms";
    }
    if (d->load_format != HEALTH_LOAD_NONE) {
        if (d->type != HEALTH_PROBE_HTTP && d->type != HEALTH_PROBE_HTTPS) {
            return "load figures are read by http and https probes only";
        }
        if (d->load_format != HEALTH_LOAD_JSON && d->load_format != HEALTH_LOAD_TEXT) {
            return "unknown load format";
        }
        if (d->load_format == HEALTH_LOAD_JSON &&
            health_load_pointer_problem(d->load_pointer) != NULL) {
            return "invalid JSON pointer for the load figure";
        }
    }
    switch (d->type) {
    case HEALTH_PROBE_TCP:
    case HEALTH_PROBE_HTTP:
    case HEALTH_PROBE_HTTPS:
        if (!target_is_usable(t)) {
            return "needs an IPv4 or IPv6 target with a port";
        }
        for (size_t i = 0; i < d->http_status_count && d->type != HEALTH_PROBE_TCP; i++) {
            if (d->http_status == NULL || d->http_status[i] < 100 || d->http_status[i] > 999) {
                return "HTTP statuses must be 100..999";
            }
        }
        break;
    case HEALTH_PROBE_DNS:
        if (!target_is_usable(t)) {
            return "needs an IPv4 or IPv6 target with a port";
        }
        if (d->dns_qname == NULL || qname_len(d->dns_qname) == 0) {
            return "needs a valid query name";
        }
        if (d->dns_rcode > 15) {
            return "expected RCODE must be 0..15";
        }
        break;
    case HEALTH_PROBE_EXEC:
        if (d->exec_argv == NULL || d->exec_argv[0] == NULL || d->exec_argv[0][0] == '\0') {
            return "needs a command";
        }
        break;
    case HEALTH_PROBE_FILE:
        if (d->file_path == NULL || d->file_path[0] == '\0' || t->file_key == NULL ||
            t->file_key[0] == '\0') {
            return "needs a file path and a key";
        }
        break;
    default:
        break;
    }
    return NULL;
}

/* The pointer a JSON load figure is read at ("" for the whole document),
 * NULL for the other formats, whose pointer means nothing. */
static const char *load_pointer(const health_probe_def_t *d)
{
    if (d->load_format != HEALTH_LOAD_JSON) {
        return NULL;
    }
    return d->load_pointer != NULL ? d->load_pointer : "";
}

/* FNV-1a: the identity only needs a cheap pre-filter before memcmp. */
static uint64_t hash_bytes(const char *p, size_t n)
{
    uint64_t hv = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        hv ^= (uint8_t)p[i];
        hv *= 1099511628211ULL;
    }
    return hv;
}

/* Serialize every field that changes what is probed or how results turn
 * into state. The name (logs only) and is_initially_up (only matters before
 * the first result) stay out, so that renaming a resource or flipping its
 * start state on reload keeps the running probe and its state. Fields of
 * other probe types are ignored. */
int health_target_identity(const health_target_t *t, char **out, size_t *out_len,
                           uint64_t *out_hash)
{
    const health_probe_def_t *d = t->def;
    const char *problem = target_problem(t);
    if (problem != NULL) {
        log_err("health: resource '%s': cannot probe (%s)", t->name != NULL ? t->name : "?",
                problem);
        return -GSLB_EINVAL;
    }
    ident_buf_t b = {0};
    buf_u32(&b, d->type);
    buf_u32(&b, d->interval_ms);
    buf_u32(&b, d->timeout_ms);
    buf_u32(&b, d->up_threshold == 0 ? 1 : d->up_threshold);
    buf_u32(&b, d->down_threshold == 0 ? 1 : d->down_threshold);
    switch (d->type) {
    case HEALTH_PROBE_TCP:
        buf_target(&b, &t->addr);
        break;
    case HEALTH_PROBE_HTTP:
    case HEALTH_PROBE_HTTPS: {
        buf_target(&b, &t->addr);
        buf_str(&b, d->http_path != NULL && d->http_path[0] != '\0' ? d->http_path : "/");
        buf_str(&b, d->http_host);
        buf_str(&b, d->http_body);
        /* The statuses are a set: order and repeats do not matter. */
        uint16_t *st = xcalloc(d->http_status_count + 1, sizeof(*st));
        if (d->http_status_count > 0) {
            memcpy(st, d->http_status, d->http_status_count * sizeof(*st));
        }
        qsort(st, d->http_status_count, sizeof(*st), cmp_u16);
        for (size_t i = 0; i < d->http_status_count; i++) {
            if (i == 0 || st[i] != st[i - 1]) {
                buf_u32(&b, st[i]);
            }
        }
        free(st);
        buf_u32(&b, 0);
        /* Where the figure is read changes what the probe reports. */
        buf_u32(&b, d->load_format);
        buf_str(&b, load_pointer(d));
        if (d->type == HEALTH_PROBE_HTTPS) {
            buf_u32(&b, d->tls_verify);
            buf_str(&b, d->tls_verify ? d->tls_ca_file : NULL);
        }
        break;
    }
    case HEALTH_PROBE_DNS:
        buf_target(&b, &t->addr);
        buf_put(&b, d->dns_qname, qname_len(d->dns_qname));
        buf_u32(&b, d->dns_qtype);
        buf_u32(&b, d->dns_rcode);
        break;
    case HEALTH_PROBE_EXEC:
        /* The target reaches the command through GSLBD_ADDRESS/GSLBD_PORT. */
        buf_target(&b, &t->addr);
        for (size_t i = 0; d->exec_argv[i] != NULL; i++) {
            buf_str(&b, d->exec_argv[i]);
        }
        buf_str(&b, NULL);
        break;
    case HEALTH_PROBE_FILE:
        buf_str(&b, d->file_path);
        buf_str(&b, t->file_key);
        break;
    default:
        break;
    }
    if (t->fleet_key != NULL) {
        buf_str(&b, t->fleet_key);
    }
    *out = b.data;
    *out_len = b.len;
    *out_hash = hash_bytes(b.data, b.len);
    return 0;
}

static char *dup_or_null(const char *s)
{
    return s != NULL ? xstrdup(s) : NULL;
}

void health_probe_set_target(health_probe_t *p, const health_target_t *t)
{
    const health_probe_def_t *src = t->def;
    health_probe_def_t *dst = &p->def;
    memset(dst, 0, sizeof(*dst));
    dst->type = src->type;
    dst->port = src->port;
    dst->interval_ms = src->interval_ms;
    dst->timeout_ms = src->timeout_ms;
    dst->up_threshold = src->up_threshold == 0 ? 1 : src->up_threshold;
    dst->down_threshold = src->down_threshold == 0 ? 1 : src->down_threshold;
    dst->is_initially_up = src->is_initially_up;
    if (src->type == HEALTH_PROBE_HTTP || src->type == HEALTH_PROBE_HTTPS) {
        dst->http_path = xstrdup(src->http_path != NULL && src->http_path[0] != '\0'
                                     ? src->http_path
                                     : "/");
        dst->http_host = dup_or_null(src->http_host);
        dst->http_status_count = src->http_status_count;
        if (src->http_status_count > 0) {
            dst->http_status = xcalloc(src->http_status_count, sizeof(uint16_t));
            memcpy(dst->http_status, src->http_status, src->http_status_count * sizeof(uint16_t));
        }
        dst->http_body = dup_or_null(src->http_body);
        dst->tls_verify = src->tls_verify;
        dst->tls_ca_file = src->tls_verify ? dup_or_null(src->tls_ca_file) : NULL;
        dst->load_format = src->load_format;
        dst->load_pointer = dup_or_null(load_pointer(src));
    }
    p->dns_qname_len = 0;
    if (src->type == HEALTH_PROBE_DNS) {
        p->dns_qname_len = qname_len(src->dns_qname);
        dst->dns_qname = xmalloc(p->dns_qname_len);
        memcpy(dst->dns_qname, src->dns_qname, p->dns_qname_len);
        dst->dns_qtype = src->dns_qtype;
        dst->dns_rcode = src->dns_rcode;
    }
    if (src->type == HEALTH_PROBE_EXEC) {
        size_t n = 0;
        while (src->exec_argv[n] != NULL) {
            n++;
        }
        dst->exec_argv = xcalloc(n + 1, sizeof(char *));
        for (size_t i = 0; i < n; i++) {
            dst->exec_argv[i] = xstrdup(src->exec_argv[i]);
        }
    }
    p->file_key = NULL;
    if (src->type == HEALTH_PROBE_FILE) {
        dst->file_path = xstrdup(src->file_path);
        p->file_key = xstrdup(t->file_key);
    }
    p->fleet_key = t->fleet_key != NULL ? xstrdup(t->fleet_key) : NULL;
    memcpy(&p->target, &t->addr, sizeof(p->target));
    p->target_len = t->addr_len;
}

void health_probe_clear_target(health_probe_t *p)
{
    health_probe_def_clear(&p->def);
    free(p->file_key);
    p->file_key = NULL;
    free(p->fleet_key);
    p->fleet_key = NULL;
}

void health_addr_text(const struct sockaddr_storage *ss, char *buf, size_t len)
{
    const void *addr = NULL;
    if (ss->ss_family == AF_INET) {
        addr = &((const struct sockaddr_in *)ss)->sin_addr;
    } else if (ss->ss_family == AF_INET6) {
        addr = &((const struct sockaddr_in6 *)ss)->sin6_addr;
    }
    if (addr == NULL || inet_ntop(ss->ss_family, addr, buf, (socklen_t)len) == NULL) {
        snprintf(buf, len, "-");
    }
}

uint16_t health_addr_port(const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET) {
        return ntohs(((const struct sockaddr_in *)ss)->sin_port);
    }
    if (ss->ss_family == AF_INET6) {
        return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
    }
    return 0;
}

char *health_target_default_name(const health_target_t *t)
{
    const health_probe_def_t *d = t->def;
    if (d->type == HEALTH_PROBE_FILE) {
        return xasprintf("%s:%s (file)", d->file_path, t->file_key);
    }
    if (d->type == HEALTH_PROBE_EXEC && t->addr.ss_family == AF_UNSPEC) {
        return xasprintf("%s (exec)", d->exec_argv[0]);
    }
    char addr[INET6_ADDRSTRLEN];
    health_addr_text(&t->addr, addr, sizeof(addr));
    bool is_v6 = t->addr.ss_family == AF_INET6;
    return xasprintf("%s%s%s:%u (%s)", is_v6 ? "[" : "", addr, is_v6 ? "]" : "",
                     health_addr_port(&t->addr), health_probe_type_name(d->type));
}
