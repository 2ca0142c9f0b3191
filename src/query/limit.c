/* query: DNS Cookies (RFC 7873, RFC 9018) and response rate limiting around one answer. */
#include "query_int.h"

#include <netinet/in.h>
#include <string.h>
#include <time.h>

/* RFC 8914 EXTRA-TEXT of the limited responses that are still sent. */
static const char text_tcp[] = "rate limited: retry over TCP";
static const char text_cookie[] = "rate limited: retry with the new server cookie";

/* The wall clock in seconds, read once per query that needs it: cookies carry it, and
 * the rate limiter counts in it. The coarse clock is read from the vDSO, not a syscall. */
static uint32_t now_s(answer_t *a)
{
    if (a->now_s == 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME_COARSE, &ts);
        a->now_s = (uint32_t)ts.tv_sec | 1u; /* never 0: 0 means "not read yet" */
    }
    return a->now_s;
}

/* The packet's source address (never the ECS one: only it can be spoofed or proven), as
 * octets of its family; an IPv4-mapped IPv6 address counts as IPv4. */
static const uint8_t *peer_addr(const server_request_t *req, int *family, size_t *len)
{
    if (req->peer->sa_family == AF_INET) {
        *family = AF_INET;
        *len = 4;
        return (const uint8_t *)&((const struct sockaddr_in *)req->peer)->sin_addr;
    }
    const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)req->peer;
    if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
        *family = AF_INET;
        *len = 4;
        return sin6->sin6_addr.s6_addr + 12;
    }
    *family = AF_INET6;
    *len = 16;
    return sin6->sin6_addr.s6_addr;
}

void query_cookie_begin(answer_t *a, dns_opt_out_t *opt, uint8_t *buf)
{
    const dns_query_t *q = a->q;
    const snapshot_t *snap = a->snap;
    a->cookie = QUERY_COOKIE_NONE;
    if (!q->has_cookie || !snap->has_cookies) {
        return; /* RFC 7873 5.2: without cookies the option is ignored */
    }
    cookie_secrets_t generated;
    const cookie_secrets_t *s = &snap->cookie_secrets;
    if (!snap->has_cookie_secret) {
        if (a->wk->cookie_keys == NULL) {
            return;
        }
        cookie_keys_get(a->wk->cookie_keys, &generated);
        s = &generated;
    }
    int family;
    size_t alen;
    const uint8_t *addr = peer_addr(a->req, &family, &alen);
    bool is_fresh;
    cookie_verdict_t v = cookie_check(s, q->cookie, q->cookie_len, addr, alen, now_s(a),
                                      &is_fresh);
    memcpy(buf, q->cookie, COOKIE_CLIENT_LEN);
    if (v == COOKIE_VALID && is_fresh) {
        memcpy(buf + COOKIE_CLIENT_LEN, q->cookie + COOKIE_CLIENT_LEN, COOKIE_SERVER_LEN);
    } else {
        cookie_server_make(s, q->cookie, addr, alen, now_s(a), buf + COOKIE_CLIENT_LEN);
    }
    opt->cookie = buf;
    opt->cookie_len = COOKIE_CLIENT_LEN + COOKIE_SERVER_LEN;
    a->cookie = v == COOKIE_VALID     ? QUERY_COOKIE_VALID
                : v == COOKIE_INVALID ? QUERY_COOKIE_INVALID
                                      : QUERY_COOKIE_CLIENT_ONLY;
    a->wk->stats.cookies[a->cookie - 1]++;
}

/* The class of the response being sent and the name its bucket is keyed by. */
static rrl_class_t response_class(const answer_t *a, uint8_t rcode, const uint8_t **name,
                                  size_t *len)
{
    const dns_query_t *q = a->q;
    *name = q->qname_lc;
    *len = q->qname_len;
    if (rcode == DNS_RCODE_NOERROR && !a->is_compact_nx) {
        if (a->is_referral && a->zone != NULL) {
            *name = zone_origin(a->zone);
            *len = zone_origin_len(a->zone);
            return RRL_REFERRAL;
        }
        return a->w.counts[DNS_SECTION_ANSWER] > 0 ? RRL_ANSWER : RRL_NODATA;
    }
    /* Compact denial answers a nonexistent name NOERROR; random names must still share
     * their zone's NXDOMAIN bucket, or a flood of them would never be limited. */
    if (rcode == DNS_RCODE_NXDOMAIN || a->is_compact_nx) {
        if (a->zone != NULL) {
            *name = zone_origin(a->zone);
            *len = zone_origin_len(a->zone);
        }
        return RRL_NXDOMAIN;
    }
    *name = NULL;
    *len = 0;
    return RRL_ERROR;
}

rrl_verdict_t query_rrl_check(answer_t *a, uint8_t rcode)
{
    const snapshot_t *snap = a->snap;
    query_worker_t *w = a->wk;
    /* Only UDP reflects: a TCP client has completed a handshake from its address. */
    if (!snap->rrl.is_enabled || w->rrl == NULL || a->req->transport != SERVER_UDP) {
        return RRL_PASS;
    }
    /* A valid server cookie proves the same (RFC 7873 5.3). */
    if (a->cookie == QUERY_COOKIE_VALID && snap->is_rrl_cookie_exempt) {
        return RRL_PASS;
    }
    int family;
    size_t alen;
    const uint8_t *addr = peer_addr(a->req, &family, &alen);
    if (snap->rrl_exempt != NULL && geo_tree_find(snap->rrl_exempt, family, addr).dc_count > 0) {
        return RRL_PASS;
    }
    const uint8_t *name;
    size_t len;
    rrl_class_t cls = response_class(a, rcode, &name, &len);
    uint64_t key = rrl_key(&snap->rrl, family, addr, cls, name, len, a->q->qtype);
    rrl_verdict_t v = rrl_account(w->rrl, &snap->rrl, key, cls, now_s(a));
    if (v != RRL_PASS) {
        w->stats.rrl_limited[cls]++;
        w->stats.rrl_slipped += v == RRL_SLIP;
    }
    return v;
}

uint8_t query_rrl_slip(answer_t *a, dns_opt_out_t *opt, size_t limit, uint8_t rcode)
{
    const dns_query_t *q = a->q;
    /* Start again from the question: nothing of the answer is sent. */
    dns_writer_begin(&a->w, a->w.buf, a->w.cap, limit, q, a->req->msg);
    a->is_tc = false;
    /* A client that sent a cookie learns the server cookie and retries over UDP with it,
     * exempt then (RFC 7873 5.2.3, 5.2.4: BADCOOKIE is the server's choice under rate
     * limiting); any other client gets TC=1 and retries over TCP (RFC 7766). */
    bool is_badcookie = a->cookie == QUERY_COOKIE_CLIENT_ONLY ||
                        a->cookie == QUERY_COOKIE_INVALID;
    if (q->has_edns) {
        opt->has_ede = true;
        opt->ede_code = DNS_EDE_OTHER;
        opt->ede_text = is_badcookie ? text_cookie : text_tcp;
        opt->ede_text_len = (uint8_t)(is_badcookie ? sizeof(text_cookie) - 1
                                                   : sizeof(text_tcp) - 1);
        dns_writer_reserve(&a->w, dns_opt_size(opt, q));
    }
    if (is_badcookie) {
        a->is_aa = false;
        return DNS_RCODE_BADCOOKIE;
    }
    a->is_tc = true;
    return rcode;
}
