/* query: what the files of the module share — the state of one response being built. */
#ifndef GSLB_QUERY_INT_H
#define GSLB_QUERY_INT_H

#include "gslb/query.h"

/* State of one response being built. */
typedef struct answer {
    dns_writer_t w;
    const snapshot_t *snap;
    const dns_query_t *q;
    query_worker_t *wk;
    const server_request_t *req;
    bool is_aa;
    bool is_tc;
    uint16_t ede;              /* RFC 8914 INFO-CODE to send with an error, 0 = none */
    bool has_client;
    uint8_t scope_bits;        /* widest dependency of the answer on the client, in bits of
                                * the ECS option's family */
    bool is_client_foreign;    /* with has_client: the client's family is not the ECS
                                * option's (see ecs_scope) */
    uint32_t neg_ttl_cap_s;    /* a service that failed closed caps the negative TTL */
    gslb_addr_t client;
    /* For rate limiting: the zone the QNAME was found in (NULL: none), and whether the
     * response is a referral. */
    const zone_t *zone;
    bool is_referral;
    query_cookie_t cookie;     /* what the query's COOKIE option held */
    uint32_t now_s;            /* wall clock, read on first use (limit.c); 0 = not yet */
    /* DNSSEC (sign.c): the signer of the zone being answered from when the query has DO
     * and the zone is signed, else NULL; the lower-case name being looked up (the QNAME,
     * then each alias target) and whether it matched a wildcard (signed online as itself). */
    const dnssec_zone_t *signer;
    const uint8_t *name_lc;
    size_t name_len;
    bool is_wild;
    bool is_compact_nx;        /* a nonexistent name answered NOERROR (RFC 9824): still an
                                * NXDOMAIN to the rate limiter */
} answer_t;

/* ---- sign.c ---- */

/* After an RRset of set's type written by the caller in section sec with ttl_s: its
 * RRSIGs (precompiled, or for a wildcard answer signed online as a->name_lc). Sets TC
 * when they do not fit outside the additional section (RFC 4035 3.1.1). */
void query_put_sigs(answer_t *a, dns_section_t sec, const uint8_t *owner,
                    const zone_rrset_t *set, uint32_t ttl_s);

/* The RRSIG of an RRset made per query (a steered answer), signed online through the
 * worker's cache, owned by a->name_lc; written as query_put_sigs does. owner_ref: NULL, or
 * the node of a steered answer whose records live in the snapshot (the cache then keys on
 * pointers, dnssec_cache_sign_stable). */
void query_put_sig_online(answer_t *a, dns_section_t sec, const uint8_t *owner,
                          const void *owner_ref, uint16_t type, uint32_t ttl_s,
                          const dns_rdata_t *rrs, size_t count);

/* Denial of existence with DO in a signed zone (RFC 9824 compact denial), after the SOA:
 * node NULL: the name does not exist: an NSEC at a->name_lc with RRSIG, NSEC and NXNAME
 * (the caller answers NOERROR); otherwise NODATA at node: its NSEC (precompiled, or for
 * a wildcard or a service that has no data of qtype now, made and signed online). */
void query_put_denial(answer_t *a, const zone_node_t *node, uint16_t qtype, uint32_t ttl_s);

/* A referral's proof about DS (RFC 4035 3.1.4): the DS RRset of the cut with its RRSIG,
 * or the cut's NSEC showing there is none. */
void query_put_referral_ds(answer_t *a, const zone_node_t *cut);


/* ---- limit.c ---- */

/* With cookies on and a COOKIE option in the query: check it against the secrets in force
 * (the snapshot's shared ones, else the worker's generated ones), set a->cookie and
 * count it, and point opt at the COOKIE option to send (RFC 7873 5.2: the client cookie
 * and a server cookie, the one received when still fresh, else a new one) written in
 * buf (24 octets, alive until the response is written). */
void query_cookie_begin(answer_t *a, dns_opt_out_t *opt, uint8_t *buf);

/* Account the response of RCODE rcode that a holds with the rate limiter and decide
 * whether it is sent, slipped or dropped; counts limited and slipped responses.
 * RRL_PASS without counting for TCP, exempt networks, valid cookies (when exempt),
 * or when rate limiting is off. */
rrl_verdict_t query_rrl_check(answer_t *a, uint8_t rcode);

/* Turn a's response into a slipped one: the question alone with TC=1 and rcode kept,
 * or for a client that sent a cookie without a valid server cookie, BADCOOKIE (the
 * returned RCODE) with its new cookie; with EDNS an EDE (Other, with text) is added to
 * opt. limit is the message limit of the response. Returns the RCODE to send. */
uint8_t query_rrl_slip(answer_t *a, dns_opt_out_t *opt, size_t limit, uint8_t rcode);

#endif
