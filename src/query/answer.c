/* query: the authoritative answer algorithm — zone lookup, CNAME/DNAME chains, wildcards,
 * referrals, negative answers, service answers and the OPT record. */
#include "query_int.h"

#include <assert.h>
#include <netinet/in.h>
#include <string.h>

/* RFC 2136 2.2: YXDOMAIN, which RFC 6672 2.2 reuses for an overlong DNAME substitution. */
#define QUERY_RCODE_YXDOMAIN 6


static const uint8_t name_version_bind[] = "\007version\004bind";
static const uint8_t name_version_server[] = "\007version\006server";
static const uint8_t name_id_server[] = "\002id\006server";
static const uint8_t name_hostname_bind[] = "\010hostname\004bind";

static void client_from_request(answer_t *a)
{
    const dns_query_t *q = a->q;
    gslb_addr_t *c = &a->client;
    memset(c, 0, sizeof(*c));
    a->has_client = true;
    a->is_client_foreign = false;
    /* RFC 7871 7.1.2: SOURCE PREFIX-LENGTH 0 means the resolver withholds the
     * client's address; fall back to the packet's source. */
    if (q->has_ecs && q->ecs_source_bits > 0) {
        c->family = q->ecs_family == DNS_ECS_FAMILY_IPV4 ? AF_INET : AF_INET6;
        memcpy(c->addr, q->ecs_addr, 16);
        return;
    }
    if (a->req->peer->sa_family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)a->req->peer;
        c->family = AF_INET;
        memcpy(c->addr, &sin->sin_addr, 4);
    } else {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)a->req->peer;
        if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
            c->family = AF_INET;
            memcpy(c->addr, sin6->sin6_addr.s6_addr + 12, 4);
        } else {
            c->family = AF_INET6;
            memcpy(c->addr, &sin6->sin6_addr, 16);
        }
    }
    /* The resolver's address may be of the other family than the option's. */
    if (q->has_ecs) {
        int family = q->ecs_family == DNS_ECS_FAMILY_IPV4 ? AF_INET : AF_INET6;
        a->is_client_foreign = c->family != family;
    }
}

/* The scope for a client of the other family: out of line, as only a query
 * with SOURCE PREFIX-LENGTH 0 from a resolver of that family comes here. */
static __attribute__((noinline)) uint8_t ecs_scope_foreign(const answer_t *a,
                                                           const policy_service_t *s)
{
    conf_policy_t kind = policy_service_conf(s)->policy;
    if (kind != CONF_POLICY_MAP && kind != CONF_POLICY_NEAREST) {
        return 0;
    }
    return a->q->ecs_family == DNS_ECS_FAMILY_IPV4 ? 32 : 128;
}

/* The ECS scope of a decision the policy made for service s, as a prefix
 * length of the query option's FAMILY (RFC 7871 6: SCOPE PREFIX-LENGTH counts
 * bits of that family's addresses); bits is the policy's scope, counted in
 * the client's family. Only with SOURCE PREFIX-LENGTH 0 can the two families
 * differ: the client is then the resolver itself (7.1.2).
 *   same family       bits, which geo keeps within the family's length (0
 *                     only when every address of the family gets the same
 *                     answer)
 *   other family,     the family's full length: no prefix of FAMILY tells
 *   map or nearest    where the answer holds, and a non-zero scope keeps it
 *                     to /0 queries in the resolver's cache (7.3.1), where
 *                     0 would hand the resolver's answer to every client
 *   other family,     0: the policy never looks at the address
 *   weighted/failover */
static inline uint8_t ecs_scope(const answer_t *a, const policy_service_t *s, uint8_t bits)
{
    if (a->is_client_foreign) {
        return ecs_scope_foreign(a, s);
    }
    /* geo_db_lookup and geo_map_resolve count bits of the client's family. */
    assert(bits <= (a->client.family == AF_INET ? 32 : 128));
    return bits;
}

static void put_answer_rrset(answer_t *a, const uint8_t *owner, const zone_rrset_t *set)
{
    if (dns_writer_put_rrset(&a->w, DNS_SECTION_ANSWER, owner, set->type, set->ttl_s, set->rrs,
                             set->count) < 0) {
        a->is_tc = true; /* RFC 2181 9: the RRset did not fit, tell the client to retry on TCP */
        return;
    }
    if (a->signer != NULL) {
        query_put_sigs(a, DNS_SECTION_ANSWER, owner, set, set->ttl_s);
    }
}

/* The TTL of a negative answer's SOA and NSEC (RFC 2308 5, RFC 9077), capped when a
 * service failed closed. */
static uint32_t negative_ttl(const answer_t *a, const zone_t *z)
{
    uint32_t ttl = zone_negative_ttl(z);
    return a->neg_ttl_cap_s != 0 && a->neg_ttl_cap_s < ttl ? a->neg_ttl_cap_s : ttl;
}

/* RFC 2308 3 and 5: SOA of the zone in the authority section, TTL = min(SOA TTL, MINIMUM). */
static void put_negative_soa(answer_t *a, const zone_t *z)
{
    const zone_rrset_t *soa = zone_soa(z);
    if (a->is_tc) {
        return;
    }
    uint32_t ttl = negative_ttl(a, z);
    /* The precompiled SOA while nothing but the question is in the message
     * (the origin is then a suffix of the QNAME); the writer falls back when
     * it does not apply. */
    const dns_wire_rrset_t *wire = zone_rrset_wire(z, soa);
    int rc = wire != NULL ? dns_writer_put_wire(&a->w, DNS_SECTION_AUTHORITY, wire, ttl) : 1;
    if (rc > 0) {
        rc = dns_writer_put_rrset(&a->w, DNS_SECTION_AUTHORITY, zone_origin(z), DNS_TYPE_SOA,
                                  ttl, soa->rrs, 1);
    }
    if (rc < 0) {
        a->is_tc = true;
        return;
    }
    if (a->signer != NULL) {
        query_put_sigs(a, DNS_SECTION_AUTHORITY, zone_origin(z), soa, ttl);
    }
}


/* Additional-section processing (RFC 1035 3.3.9, 3.3.11, RFC 2782): addresses
 * of in-zone targets. Optional data: left out when it does not fit, except
 * glue below a zone cut in a referral (RFC 9471: required glue sets TC). */
static void put_additional(answer_t *a, const zone_rrset_t *set, bool is_referral)
{
    if (!zone_rrset_has_additional(set) || a->is_tc) {
        return;
    }
    for (uint16_t i = 0; i < set->count; i++) {
        const zone_node_t *t = zone_rrset_additional_target(set, i, is_referral);
        if (t == NULL) {
            continue;
        }
        bool is_glue = (t->flags & ZONE_NODE_OCCLUDED) != 0;
        static const uint16_t types[] = {DNS_TYPE_A, DNS_TYPE_AAAA};
        for (size_t k = 0; k < 2; k++) {
            const zone_rrset_t *addr = zone_node_rrset(t, types[k]);
            if (addr == NULL) {
                continue;
            }
            dns_writer_mark_t before = dns_writer_mark(&a->w);
            if (dns_writer_put_rrset(&a->w, DNS_SECTION_ADDITIONAL, t->name, addr->type,
                                     addr->ttl_s, addr->rrs, addr->count) < 0) {
                if (is_glue && is_referral) {
                    a->is_tc = true;
                    return;
                }
                continue;
            }
            /* RFC 4035 3.1.1: the RRSIGs of authoritative additional data when they fit;
             * an RRset whose signature does not fit is left out with it (glue has none). */
            if (a->signer != NULL && addr->sig_count > 0 &&
                dns_writer_put_rrset(&a->w, DNS_SECTION_ADDITIONAL, t->name, DNS_TYPE_RRSIG,
                                     addr->ttl_s, addr->sigs, addr->sig_count) < 0) {
                dns_writer_rollback(&a->w, before);
            }
        }
    }
}

/* RFC 1034 4.3.2 step 3b: a referral to the zone cut. A referral for the
 * QNAME itself clears AA; one reached through a CNAME or DNAME (step 3a went
 * back to step 1 with the new name) keeps it, as the answer section holds
 * our authoritative alias. */
static void put_referral(answer_t *a, const zone_node_t *cut, bool is_first)
{
    const zone_rrset_t *ns = zone_node_rrset(cut, DNS_TYPE_NS);
    if (is_first) {
        a->is_aa = false;
        a->is_referral = true;
    }
    if (a->is_tc) {
        return;
    }
    if (dns_writer_put_rrset(&a->w, DNS_SECTION_AUTHORITY, cut->name, DNS_TYPE_NS, ns->ttl_s,
                             ns->rrs, ns->count) < 0) {
        a->is_tc = true;
        return;
    }
    if (a->signer != NULL) {
        query_put_referral_ds(a, cut);
    }
    put_additional(a, ns, true);
}

static bool is_dnssec_type(uint16_t t)
{
    return t == DNS_TYPE_RRSIG || t == DNS_TYPE_NSEC || t == DNS_TYPE_NSEC3;
}

/* What answering at one node led to. */
typedef enum step {
    STEP_DONE = 0, /* the answer is complete (or truncated) */
    STEP_NODATA,   /* the name exists without data of the QTYPE */
    STEP_FOLLOW,   /* an alias was written; go on with its target */
} step_t;

/* A service node. The policy decides the A/AAAA answer, or a CNAME when the
 * client's first data center is a CNAME site; for every other QTYPE that
 * choice still matters, because a name that is an alias has no other data
 * (RFC 2181 10.1) and the CNAME answers every type (RFC 1034 4.3.2 step 3a).
 * Returns STEP_DONE, STEP_FOLLOW with *target set, or STEP_NODATA when the
 * zone's own data at the node is to be used. */
static step_t answer_service(answer_t *a, const zone_node_t *node, const uint8_t *owner,
                             uint16_t qtype, const uint8_t **target)
{
    bool is_address = qtype == DNS_TYPE_A || qtype == DNS_TYPE_AAAA || qtype == DNS_TYPE_ANY;
    if (!a->has_client) {
        client_from_request(a);
    }
    policy_result_t res;
    /* For other types, asking for the CNAME gives exactly the CNAME choice. */
    policy_select(a->snap->policy, node->service, &a->client,
                  is_address ? qtype : DNS_TYPE_CNAME, &a->wk->rng, &res);
    /* Even a NODATA here depended on the client: another one may get a CNAME. */
    uint8_t scope = ecs_scope(a, node->service, res.scope_bits);
    if (scope > a->scope_bits) {
        a->scope_bits = scope;
    }
    if (res.is_all_down) {
        a->wk->stats.service_all_down[policy_service_stat_id(node->service)]++;
    }
    if (res.type == 0) {
        if (res.is_fail_closed) {
            /* fail: closed: an empty answer that resolvers keep only briefly. */
            a->neg_ttl_cap_s = res.ttl_s;
        }
        return STEP_NODATA;
    }
    query_stats_t *st = &a->wk->stats;
    st->service_answers[policy_service_stat_id(node->service)]++;
    for (size_t i = 0; i < res.chosen_count; i++) {
        uint16_t dc = policy_datacenter_stat_id(a->snap->policy, res.chosen[i]);
        st->dc_answers[dc]++;
        st->continent_dc_answers[res.continent][dc]++;
    }
    st->continent_answers[res.continent]++;
    if (res.chosen_count > 0) {
        st->reason_answers[policy_datacenter_stat_id(a->snap->policy, res.chosen[0])]
                          [res.reason]++;
    }
    if (dns_writer_put_rrset(&a->w, DNS_SECTION_ANSWER, owner, res.type, res.ttl_s, res.rrs,
                             res.count) < 0) {
        a->is_tc = true;
        return STEP_DONE;
    }
    if (a->signer != NULL) {
        /* The one cost a miss may have on the query path: signing this RRset once per
         * worker (dnssec_cache_sign). */
        query_put_sig_online(a, DNS_SECTION_ANSWER, owner, node, res.type, res.ttl_s, res.rrs,
                             res.count);
    }
    /* RFC 8482: for ANY the CNAME is the one RRset; for CNAME it is the answer. */
    if (res.type != DNS_TYPE_CNAME || qtype == DNS_TYPE_CNAME || qtype == DNS_TYPE_ANY) {
        return STEP_DONE;
    }
    *target = res.rrs[0].data;
    return STEP_FOLLOW;
}

/* An RRset at the apex of z owned by the QNAME, with its additional records:
 * precompiled when it has names in its RDATA and nothing but the question
 * is in the message yet. */
static void put_apex_rrset(answer_t *a, const zone_t *z, const zone_rrset_t *set)
{
    /* With signatures the RRSIG must follow the RRset, before additional records. */
    const dns_wire_rrset_t *wire = a->signer == NULL ? zone_rrset_wire(z, set) : NULL;
    int rc = wire != NULL ? dns_writer_put_wire(&a->w, DNS_SECTION_ANSWER, wire, set->ttl_s) : 1;
    if (rc == DNS_WIRE_WRITTEN_EXTRA) {
        return; /* the additional records came with it */
    }
    if (rc < 0) {
        a->is_tc = true;
        return;
    }
    if (rc > 0) {
        put_answer_rrset(a, NULL, set);
    }
    put_additional(a, set, false);
}

/* The data at an existing node of z (exact or wildcard match; owner is the
 * name asked, so a synthesized answer carries the QNAME, RFC 4592 2.3.1). */
static step_t answer_node(answer_t *a, const zone_t *z, const zone_node_t *node,
                          const uint8_t *owner, uint16_t qtype, const uint8_t **target)
{
    if (node->flags & ZONE_NODE_SERVICE) {
        step_t st = answer_service(a, node, owner, qtype, target);
        bool is_policy_type = qtype == DNS_TYPE_A || qtype == DNS_TYPE_AAAA ||
                              qtype == DNS_TYPE_CNAME;
        if (st != STEP_NODATA || is_policy_type) {
            return st; /* a service name has no static A, AAAA or CNAME */
        }
    }
    const zone_rrset_t *cname = zone_node_cname(node);
    if (cname != NULL && qtype != DNS_TYPE_CNAME) {
        put_answer_rrset(a, owner, cname);
        if (qtype == DNS_TYPE_ANY) {
            return STEP_DONE; /* RFC 8482: the CNAME is the one RRset */
        }
        *target = cname->rrs[0].data;
        return STEP_FOLLOW;
    }
    const zone_rrset_t *set = NULL;
    if (qtype == DNS_TYPE_NSEC && a->signer != NULL && node->nsec != NULL && !a->is_wild) {
        /* The name's own NSEC is data of a signed zone: asked for, it is the answer (a
         * NODATA whose proof lists NSEC would contradict itself). */
        put_answer_rrset(a, owner, node->nsec);
        return STEP_DONE;
    }
    if (qtype == DNS_TYPE_ANY) {
        /* RFC 8482 4.1: answer ANY with one RRset of the node. */
        for (uint16_t i = 0; i < node->rrset_count && set == NULL; i++) {
            if (!is_dnssec_type(node->rrsets[i].type)) {
                set = &node->rrsets[i];
            }
        }
    } else {
        set = zone_node_rrset(node, qtype);
    }
    if (set == NULL) {
        return STEP_NODATA;
    }
    if (owner == NULL && (node->flags & ZONE_NODE_APEX)) {
        put_apex_rrset(a, z, set); /* the QNAME is the origin */
    } else {
        put_answer_rrset(a, owner, set);
        if (zone_rrset_has_additional(set)) {
            put_additional(a, set, false); /* checked here: most answers have none */
        }
    }
    return STEP_DONE;
}

/* RFC 6672 2.2: replace the DNAME owner suffix of name with the target. */
static size_t dname_substitute(const uint8_t *name, size_t len, const zone_node_t *owner,
                               const dns_rdata_t *target, uint8_t *out)
{
    size_t prefix = len - owner->name_len;
    if (prefix + target->len > DNS_NAME_MAX) {
        return 0;
    }
    memcpy(out, name, prefix);
    memcpy(out + prefix, target->data, target->len);
    return prefix + target->len;
}

/* The zone that answers for name: the most specific one, except that DS is
 * answered by the parent side of a cut (RFC 4035 3.1.4.1), so a zone apex
 * is passed over for DS when its parent is served too. */
static inline const zone_t *find_zone(const answer_t *a, const uint8_t *name, size_t len)
{
    bool is_ds = a->q->qtype == DNS_TYPE_DS;
    const zone_t *z = zone_set_find(a->snap->zones, name, len, 0, is_ds);
    if (z == NULL && is_ds) {
        z = zone_set_find(a->snap->zones, name, len, 0, false);
    }
    return z;
}

/* The RFC 1034 4.3.2 loop, following CNAMEs and DNAMEs while they stay in
 * our zones (step 3a goes back to step 1, which searches every available
 * zone), up to ZONE_MAX_CNAME_CHAIN aliases and never round a loop.
 * Returns the RCODE. */
static uint8_t resolve(answer_t *a, const zone_t *z)
{
    const dns_query_t *q = a->q;
    uint16_t qtype = q->qtype;
    /* Lower-case names looked up after each alias, for lookups and loop checks. */
    uint8_t names[ZONE_MAX_CNAME_CHAIN][DNS_NAME_MAX];
    size_t lens[ZONE_MAX_CNAME_CHAIN];
    /* DNAME-synthesized CNAME targets as written (they own the next step's records). */
    uint8_t synth[ZONE_MAX_CNAME_CHAIN][DNS_NAME_MAX];
    const uint8_t *name = q->qname_lc;
    size_t len = q->qname_len;
    const uint8_t *owner = NULL; /* NULL: the QNAME, written as a pointer to the question */
    for (unsigned chain = 0;; chain++) {
        const zone_node_t *node = NULL;
        zone_match_t m = zone_lookup(z, name, len, 0, qtype == DNS_TYPE_DS, &node);
        const uint8_t *target = NULL;
        a->signer = q->is_do ? zone_signer(z) : NULL;
        a->name_lc = name;
        a->name_len = len;
        a->is_wild = m == ZONE_MATCH_WILDCARD;
        if (m == ZONE_MATCH_DELEGATION) {
            put_referral(a, node, chain == 0);
            return DNS_RCODE_NOERROR;
        }
        if (m == ZONE_MATCH_NXDOMAIN) {
            put_negative_soa(a, z);
            if (a->signer != NULL) {
                /* RFC 9824 3.2: compact denial answers NOERROR with the NXNAME proof. */
                query_put_denial(a, NULL, qtype, negative_ttl(a, z));
                a->is_compact_nx = true;
                return DNS_RCODE_NOERROR;
            }
            /* RFC 6604 3: the RCODE describes the last name of the chain. */
            return DNS_RCODE_NXDOMAIN;
        }
        if (m == ZONE_MATCH_DNAME) {
            const zone_rrset_t *dname = zone_node_rrset(node, DNS_TYPE_DNAME);
            put_answer_rrset(a, node->name, dname);
            size_t syn_len = dname_substitute(owner != NULL ? owner : q->qname, len, node,
                                              &dname->rrs[0], synth[chain]);
            if (syn_len == 0) {
                /* RFC 6672 2.2: the substituted name would be too long. The SOA
                 * lets the error be cached like a negative answer, as peers do. */
                put_negative_soa(a, z);
                return QUERY_RCODE_YXDOMAIN;
            }
            /* RFC 6672 3.1: the synthesized CNAME has the DNAME's TTL. */
            if (!a->is_tc && dns_writer_put_rr(&a->w, DNS_SECTION_ANSWER, owner, DNS_TYPE_CNAME,
                                               DNS_CLASS_IN, dname->ttl_s, synth[chain],
                                               (uint16_t)syn_len) < 0) {
                a->is_tc = true;
            }
            if (qtype == DNS_TYPE_CNAME) {
                return DNS_RCODE_NOERROR; /* the synthesized CNAME is the answer */
            }
            target = synth[chain];
        } else {
            switch (answer_node(a, z, node, owner, qtype, &target)) {
            case STEP_DONE:
                return DNS_RCODE_NOERROR;
            case STEP_NODATA:
                put_negative_soa(a, z); /* RFC 2308 2.2: NODATA */
                if (a->signer != NULL) {
                    query_put_denial(a, node, qtype, negative_ttl(a, z));
                }
                return DNS_RCODE_NOERROR;
            case STEP_FOLLOW:
                break;
            }
        }
        size_t target_len = dns_name_len(target, DNS_NAME_MAX);
        if (a->is_tc || chain + 1 >= ZONE_MAX_CNAME_CHAIN || target_len == 0) {
            return DNS_RCODE_NOERROR;
        }
        uint8_t *next = names[chain];
        dns_name_lower(target, target_len, next);
        lens[chain] = target_len;
        if (target_len == q->qname_len && memcmp(next, q->qname_lc, target_len) == 0) {
            return DNS_RCODE_NOERROR; /* back at the QNAME: a loop */
        }
        for (unsigned i = 0; i < chain; i++) {
            if (lens[i] == target_len && memcmp(names[i], next, target_len) == 0) {
                return DNS_RCODE_NOERROR; /* a loop: stop with what we have */
            }
        }
        z = find_zone(a, next, target_len);
        if (z == NULL) {
            return DNS_RCODE_NOERROR; /* out of our zones: the resolver follows it */
        }
        name = next;
        len = target_len;
        owner = target;
    }
}

static uint8_t answer_chaos(answer_t *a)
{
    const dns_query_t *q = a->q;
    const uint8_t *rdata = NULL;
    uint16_t rdlen = 0;
    if (dns_name_equal(q->qname_lc, name_version_bind) ||
        dns_name_equal(q->qname_lc, name_version_server)) {
        rdata = a->snap->chaos_version;
        rdlen = a->snap->chaos_version_len;
    } else if (dns_name_equal(q->qname_lc, name_id_server) ||
               dns_name_equal(q->qname_lc, name_hostname_bind)) {
        rdata = a->snap->chaos_identity;
        rdlen = a->snap->chaos_identity_len;
    }
    if (rdlen == 0) {
        return DNS_RCODE_REFUSED;
    }
    a->is_aa = true;
    if (q->qtype == DNS_TYPE_TXT || q->qtype == DNS_TYPE_ANY) {
        if (dns_writer_put_rr(&a->w, DNS_SECTION_ANSWER, NULL, DNS_TYPE_TXT, DNS_CLASS_CH, 0,
                              rdata, rdlen) < 0) {
            a->is_tc = true;
        }
    }
    return DNS_RCODE_NOERROR;
}

static uint8_t answer_question(answer_t *a)
{
    const dns_query_t *q = a->q;
    if (q->qclass == DNS_CLASS_CH) {
        return answer_chaos(a);
    }
    if (q->qclass != DNS_CLASS_IN) {
        return DNS_RCODE_REFUSED;
    }
    switch (q->qtype) {
    case DNS_TYPE_AXFR:
    case DNS_TYPE_IXFR:
        a->ede = DNS_EDE_PROHIBITED;
        return DNS_RCODE_REFUSED; /* zone transfers are not offered */
    case DNS_TYPE_OPT:
        return DNS_RCODE_FORMERR; /* RFC 6891 6.1.1: OPT is not a question type */
    case DNS_TYPE_ANY:
        break;
    default:
        if (q->qtype >= 128 && q->qtype <= 254) {
            return DNS_RCODE_NOTIMP; /* RFC 6895 3.1: other meta-TYPEs */
        }
        break;
    }
    const zone_t *z = find_zone(a, q->qname_lc, q->qname_len);
    a->zone = z;
    if (z == NULL) {
        a->ede = DNS_EDE_NOT_AUTHORITATIVE;
        return DNS_RCODE_REFUSED; /* not authoritative for this name */
    }
    a->is_aa = true;
    return resolve(a, z);
}

/* An error response without an answer: header, the question when it was
 * read, and with has_opt an OPT record carrying nothing but our payload size,
 * the query's DO bit and the RCODE's upper bits. Its options are left out:
 * an ECS option that caused the error must not be echoed. */
static size_t answer_error(query_worker_t *w, const snapshot_t *snap,
                           const server_request_t *req, const dns_query_t *q, uint8_t *resp,
                           size_t cap, uint8_t rcode, bool has_opt)
{
    bool is_tcp = req->transport == SERVER_TCP;
    dns_writer_t wr;
    if ((q->has_question || has_opt) && dns_writer_begin(&wr, resp, cap, cap, q, req->msg) == 0) {
        if (has_opt) {
            dns_opt_out_t opt = {.udp_size = snap->edns_payload,
                                 .ext_rcode = (uint8_t)(rcode >> 4),
                                 .is_do = q->is_do};
            dns_writer_put_opt(&wr, &opt, q);
        }
        w->stats.rcodes[rcode]++;
        w->stats.tcp_rcodes[rcode] += is_tcp;
        return dns_writer_finish(&wr, (uint8_t)(rcode & 0x0F));
    }
    size_t n = dns_write_header_error(resp, cap, req->msg, req->len, rcode);
    if (n > 0) {
        w->stats.rcodes[rcode]++;
        w->stats.tcp_rcodes[rcode] += is_tcp;
    } else {
        w->stats.dropped++;
    }
    return n;
}

void query_worker_init(query_worker_t *w, uint64_t seed)
{
    memset(w, 0, sizeof(*w));
    w->rng = seed ? seed : 0x9E3779B97F4A7C15ull;
}

size_t query_answer(query_worker_t *w, const snapshot_t *snap, const server_request_t *req,
                    uint8_t *resp, size_t cap)
{
    dns_query_t q;
    dns_parse_result_t r = dns_query_parse(req->msg, req->len, &q);
    w->stats.queries[req->transport == SERVER_TCP ? 1 : 0]++;
    switch (r) {
    case DNS_PARSE_DROP:
        w->stats.dropped++;
        return 0;
    case DNS_PARSE_FORMERR:
        return answer_error(w, snap, req, &q, resp, cap, DNS_RCODE_FORMERR, false);
    case DNS_PARSE_FORMERR_OPT:
        return answer_error(w, snap, req, &q, resp, cap, DNS_RCODE_FORMERR, true);
    case DNS_PARSE_NOTIMP:
        return answer_error(w, snap, req, &q, resp, cap, DNS_RCODE_NOTIMP, false);
    case DNS_PARSE_BADVERS:
        if (!q.has_question) {
            /* QDCOUNT 0 and OPT version > 0: nothing but the header and the OPT. */
            return answer_error(w, snap, req, &q, resp, cap, DNS_RCODE_BADVERS, true);
        }
        break;
    case DNS_PARSE_COOKIE_ONLY:
        if (!snap->has_cookies || (!snap->has_cookie_secret && w->cookie_keys == NULL)) {
            /* Nothing to answer a query without a question: FORMERR, as Knot does. */
            return answer_error(w, snap, req, &q, resp, cap, DNS_RCODE_FORMERR, true);
        }
        break;
    case DNS_PARSE_OK:
        break;
    }
    if (q.has_question) {
        w->stats.qtypes[req->transport == SERVER_TCP ? 1 : 0][query_qtype_class(q.qtype)]++;
    }
    /* Field by field: the writer's compression dictionary makes the struct a
     * couple of kilobytes, which a designated initializer would zero for every
     * query. dns_writer_begin sets up the writer; client is filled on first use. */
    answer_t a;
    a.snap = snap;
    a.q = &q;
    a.wk = w;
    a.req = req;
    a.is_aa = false;
    a.is_tc = false;
    a.ede = 0;
    a.has_client = false;
    a.scope_bits = 0;
    a.neg_ttl_cap_s = 0;
    a.zone = NULL;
    a.is_referral = false;
    a.cookie = QUERY_COOKIE_NONE;
    a.now_s = 0;
    a.signer = NULL;
    a.name_lc = q.qname_lc;
    a.name_len = q.qname_len;
    a.is_wild = false;
    a.is_compact_nx = false;
    size_t limit = cap;
    if (req->transport == SERVER_UDP) {
        /* RFC 6891 6.2.5: use the smaller of the two payload sizes, never below 512. */
        limit = DNS_UDP_MIN;
        if (q.has_edns) {
            uint16_t ours = snap->edns_payload;
            limit = q.edns_udp_size < ours ? q.edns_udp_size : ours;
            limit = limit < DNS_UDP_MIN ? DNS_UDP_MIN : limit;
        }
    }
    if (dns_writer_begin(&a.w, resp, cap, limit, &q, req->msg) < 0) {
        return answer_error(w, snap, req, &q, resp, cap, DNS_RCODE_FORMERR, false);
    }
    dns_opt_out_t opt = {.udp_size = snap->edns_payload, .is_do = q.is_do};
    uint8_t cookie_buf[COOKIE_CLIENT_LEN + COOKIE_SERVER_LEN];
    if (q.has_edns) {
        if (q.has_nsid && snap->conf->server.nsid != NULL) {
            opt.nsid = (const uint8_t *)snap->conf->server.nsid;
            opt.nsid_len = (uint16_t)strlen(snap->conf->server.nsid);
        }
        opt.has_ecs = q.has_ecs;
        opt.has_tcp_keepalive = req->transport == SERVER_TCP && q.has_tcp_keepalive;
        opt.tcp_keepalive_100ms = snap->tcp_keepalive_100ms;
        if (q.has_cookie) {
            query_cookie_begin(&a, &opt, cookie_buf);
        }
        dns_writer_reserve(&a.w, dns_opt_size(&opt, &q));
    }
    uint8_t rcode;
    if (r == DNS_PARSE_BADVERS) {
        rcode = DNS_RCODE_BADVERS; /* RFC 6891 6.1.3: nothing but the OPT */
    } else if (r == DNS_PARSE_COOKIE_ONLY) {
        rcode = DNS_RCODE_NOERROR; /* RFC 7873 5.4: the header and our cookie */
    } else {
        rcode = answer_question(&a);
    }
    if (snap->rrl.is_enabled) {
        rrl_verdict_t v = query_rrl_check(&a, rcode);
        if (v == RRL_DROP) {
            return 0;
        }
        if (v == RRL_SLIP) {
            rcode = query_rrl_slip(&a, &opt, limit, rcode);
        }
    }
    if (q.has_edns) {
        opt.ext_rcode = (uint8_t)(rcode >> 4);
        /* RFC 7871 7.2.1: the scope is the prefix the answer depended on; 0 = any client. */
        opt.ecs_scope_bits = a.scope_bits;
        /* An error without records: room for the EDE option was not reserved
         * (answers never need it), and the response has plenty. */
        if (a.ede != 0) {
            opt.has_ede = true;
            opt.ede_code = a.ede;
        }
        dns_writer_put_opt(&a.w, &opt, &q);
    }
    if (a.is_aa) {
        dns_writer_set_flags(&a.w, DNS_FLAG_AA);
    }
    if (a.is_tc) {
        dns_writer_set_flags(&a.w, DNS_FLAG_TC);
        w->stats.truncated++;
    }
    size_t rc_index = rcode < QUERY_RCODES ? rcode : 0;
    w->stats.rcodes[rc_index]++;
    w->stats.tcp_rcodes[rc_index] += req->transport == SERVER_TCP;
    w->stats.ecs[q.has_ecs ? 1 : 0]++;
    return dns_writer_finish(&a.w, (uint8_t)(rcode & 0x0F));
}
