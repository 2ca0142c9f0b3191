/* ctl: GET /explain — the decision trace and the real response for one name and client. */
#include "ctl_int.h"

#include <arpa/inet.h>
#include <ldns/ldns.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EXPLAIN_UDP_SIZE 1232 /* what a resolver following DNS flag day 2020 offers */

typedef struct explain_client {
    gslb_addr_t addr;      /* masked to prefix when has_prefix */
    uint8_t prefix;
    bool has_prefix;       /* sent as ECS; else used as the packet's source */
} explain_client_t;

static int client_parse(const char *text, explain_client_t *out, char *err, size_t err_len)
{
    memset(out, 0, sizeof(*out));
    const char *slash = strchr(text, '/');
    size_t host_len = slash != NULL ? (size_t)(slash - text) : strlen(text);
    /* Longer than any address: not worth quoting back. */
    if (host_len > GSLB_ADDR_TEXT_MAX) {
        snprintf(err, err_len, "client must be an address or ADDRESS/PREFIX");
        return -GSLB_EINVAL;
    }
    gslb_prefix_status_t st;
    if (slash == NULL) {
        st = gslb_addr_parse(text, &out->addr) == 0 ? GSLB_PREFIX_OK : GSLB_PREFIX_BAD_ADDRESS;
    } else {
        st = gslb_prefix_parse(text, &out->addr, &out->prefix);
        out->has_prefix = true;
    }
    switch (st) {
    case GSLB_PREFIX_OK:
    case GSLB_PREFIX_HOST_BITS: /* a subnet given by one of its addresses: cleared, as ECS wants */
        return 0;
    case GSLB_PREFIX_BAD_ADDRESS:
        snprintf(err, err_len, "client '%.*s' is not an IP address", (int)host_len, text);
        return -GSLB_EINVAL;
    case GSLB_PREFIX_BAD_LENGTH:
    default:
        snprintf(err, err_len, "client prefix must be 0..%u",
                 out->addr.family == AF_INET ? 32u : 128u);
        return -GSLB_EINVAL;
    }
}

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* A query as a resolver sends it: RD=0, EDNS(0) with 1232 octets, and the
 * client subnet as ECS when a prefix was given. Returns the length. */
static size_t query_build(const ldns_rdf *qname, uint16_t qtype, const explain_client_t *cl,
                          uint8_t *out)
{
    size_t n = 0;
    memset(out, 0, 12);
    put16(out, 0x4a1e);        /* ID */
    put16(out + 4, 1);         /* QDCOUNT */
    put16(out + 10, 1);        /* ARCOUNT: the OPT record */
    n = 12;
    memcpy(out + n, ldns_rdf_data(qname), ldns_rdf_size(qname));
    n += ldns_rdf_size(qname);
    put16(out + n, qtype);
    put16(out + n + 2, LDNS_RR_CLASS_IN);
    n += 4;
    out[n++] = 0; /* OPT owner: root */
    put16(out + n, LDNS_RR_TYPE_OPT);
    put16(out + n + 2, EXPLAIN_UDP_SIZE);
    memset(out + n + 4, 0, 4);
    n += 8;
    if (!cl->has_prefix) {
        put16(out + n, 0);
        return n + 2;
    }
    size_t abytes = (cl->prefix + 7u) / 8u;
    put16(out + n, (unsigned)(4 + 4 + abytes)); /* RDLENGTH */
    put16(out + n + 2, LDNS_EDNS_CLIENT_SUBNET); /* RFC 7871 6 */
    put16(out + n + 4, (unsigned)(4 + abytes));
    put16(out + n + 6, cl->addr.family == AF_INET ? 1 : 2);
    out[n + 8] = cl->prefix;
    out[n + 9] = 0;
    memcpy(out + n + 10, cl->addr.addr, abytes);
    return n + 10 + abytes;
}

static json_t *section_json(ldns_rr_list *list)
{
    json_t *arr = json_array();
    for (size_t i = 0; list != NULL && i < ldns_rr_list_rr_count(list); i++) {
        char *t = ldns_rr2str(ldns_rr_list_rr(list, i));
        size_t len = t != NULL ? strlen(t) : 0;
        while (len > 0 && t[len - 1] == '\n') {
            t[--len] = '\0';
        }
        json_array_append_new(arr, json_string(t != NULL ? t : "?"));
        free(t);
    }
    return arr;
}

/* The ECS scope in a response's OPT record, or -1. */
static int response_scope(const ldns_pkt *pkt)
{
    const ldns_rdf *opts = ldns_pkt_edns_data(pkt);
    if (opts == NULL) {
        return -1;
    }
    const uint8_t *d = ldns_rdf_data(opts);
    size_t len = ldns_rdf_size(opts);
    for (size_t i = 0; i + 4 <= len;) {
        unsigned code = (unsigned)d[i] << 8 | d[i + 1];
        unsigned olen = (unsigned)d[i + 2] << 8 | d[i + 3];
        if (code == LDNS_EDNS_CLIENT_SUBNET && olen >= 4 && i + 4 + olen <= len) {
            return d[i + 4 + 3];
        }
        i += 4 + olen;
    }
    return -1;
}

static json_t *response_json(const uint8_t *wire, size_t len)
{
    ldns_pkt *pkt = NULL;
    if (len == 0 || ldns_wire2pkt(&pkt, wire, len) != LDNS_STATUS_OK) {
        return json_pack("{s:s}", CTL_API_KEY_ERROR,
                         len == 0 ? "no response (dropped)" : "unparsable");
    }
    char *rcode = ldns_pkt_rcode2str(ldns_pkt_get_rcode(pkt));
    int scope = response_scope(pkt);
    json_t *j = json_pack("{s:s, s:b, s:b, s:I, s:o, s:o, s:o}",
                          CTL_API_KEY_RCODE, rcode ? rcode : "?",
                          CTL_API_KEY_AA, ldns_pkt_aa(pkt),
                          CTL_API_KEY_TC, ldns_pkt_tc(pkt),
                          CTL_API_KEY_SIZE, (json_int_t)len,
                          CTL_API_KEY_ANSWER, section_json(ldns_pkt_answer(pkt)),
                          CTL_API_KEY_AUTHORITY, section_json(ldns_pkt_authority(pkt)),
                          CTL_API_KEY_ADDITIONAL, section_json(ldns_pkt_additional(pkt)));
    json_object_set_new(j, CTL_API_KEY_ECS_SCOPE,
                        scope >= 0 ? json_integer(scope) : json_null());
    free(rcode);
    ldns_pkt_free(pkt);
    return j;
}

static json_t *location_json(const policy_result_t *r, const gslb_addr_t *client)
{
    if (!r->has_location) {
        return json_null();
    }
    const geo_location_t *l = &r->location;
    gslb_addr_t net = *client;
    gslb_addr_mask(&net, l->prefix_bits);
    char text[GSLB_ADDR_TEXT_MAX], buf[GSLB_ADDR_TEXT_MAX + 8];
    snprintf(buf, sizeof(buf), "%s/%u", gslb_addr_format(&net, text, sizeof(text)),
             l->prefix_bits);
    json_t *j = json_pack("{s:b, s:s, s:s, s:s, s:s, s:s}",
                          CTL_API_KEY_FOUND, l->is_found,
                          CTL_API_KEY_NETWORK, buf,
                          CTL_API_KEY_CONTINENT, l->continent,
                          CTL_API_KEY_COUNTRY, l->country,
                          CTL_API_KEY_SUBDIVISION, l->subdivision,
                          CTL_API_KEY_CITY, l->city);
    if (l->has_coords) {
        json_object_set_new(j, CTL_API_KEY_LATITUDE, json_real(l->latitude));
        json_object_set_new(j, CTL_API_KEY_LONGITUDE, json_real(l->longitude));
    }
    return j;
}

static json_t *candidates_json(const ctl_t *c, const policy_t *p, const policy_result_t *r,
                               bool want_v6)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < r->candidate_count; i++) {
        uint32_t d = r->candidates[i];
        json_t *addrs = json_array();
        for (size_t k = 0; k < policy_resource_count(p); k++) {
            const conf_address_t *a = policy_resource_address(p, k);
            if (policy_resource_dc(p, k) != d || (a->addr.family == AF_INET6) != want_v6) {
                continue;
            }
            char text[GSLB_ADDR_TEXT_MAX];
            gslb_addr_format(&a->addr, text, sizeof(text));
            json_array_append_new(
                addrs, json_pack("{s:s, s:b, s:s, s:I}",
                                 CTL_API_KEY_ADDRESS, text,
                                 CTL_API_KEY_UP, policy_resource_is_up(p, k),
                                 CTL_API_KEY_ADMIN, health_admin_name(policy_resource_admin(p, k)),
                                 CTL_API_KEY_WEIGHT, (json_int_t)a->weight));
        }
        bool is_chosen = false;
        for (size_t k = 0; k < r->chosen_count; k++) {
            is_chosen = is_chosen || r->chosen[k] == d;
        }
        json_array_append_new(
            arr, json_pack("{s:i, s:s, s:b, s:b, s:s, s:I, s:I, s:o, s:o}",
                           CTL_API_KEY_ORDER, (int)i + 1,
                           CTL_API_KEY_DATACENTER, policy_datacenter_name(p, d),
                           CTL_API_KEY_UP, r->candidate_up[i],
                           CTL_API_KEY_CHOSEN, is_chosen,
                           CTL_API_KEY_ADMIN, health_admin_name(policy_datacenter_admin(p, d)),
                           CTL_API_KEY_CONFIGURED_WEIGHT,
                           (json_int_t)policy_datacenter_conf_weight(p, d),
                           CTL_API_KEY_EFFECTIVE_WEIGHT, (json_int_t)policy_datacenter_weight(p, d),
                           CTL_API_KEY_ADDRESSES, addrs,
                           CTL_API_KEY_STEERING, ctl_steering_json(c, p, d)));
    }
    return arr;
}

/* The dynamic step: the client's hash point and whether it was moved, and
 * the latency rows its order came from. */
static json_t *hash_json(const policy_result_t *r)
{
    if (!r->has_hash) {
        return json_null();
    }
    return json_pack("{s:i, s:f}", CTL_API_KEY_HASH_PREFIX, (int)r->hash_bits,
                     CTL_API_KEY_HASH_POINT, r->hash_point);
}

static json_t *latency_json(const policy_t *p, const policy_result_t *r)
{
    if (r->latency_rows == NULL || r->latency_row_count == 0) {
        return json_null();
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < r->latency_row_count; i++) {
        const latency_row_t *row = &r->latency_rows[i];
        json_array_append_new(arr, json_pack("{s:s, s:f}", CTL_API_KEY_DATACENTER,
                                             policy_datacenter_name(p, row->dc),
                                             CTL_API_KEY_RTT_MS, row->rtt_us / 1000.0));
    }
    return arr;
}

static const char *policy_kind_name(conf_policy_t k)
{
    static const char *const names[] = {"map",    "nearest", "weighted",
                                        "failover", "hashed", "latency"};
    return (unsigned)k < GSLB_ARRAY_LEN(names) ? names[k] : "?";
}

static json_t *decision_json(const ctl_t *c, const snapshot_t *s, const policy_service_t *svc,
                             const explain_client_t *cl, uint16_t qtype, uint64_t *rng)
{
    const policy_t *p = s->policy;
    const conf_service_t *sc = policy_service_conf(svc);
    bool is_address = qtype == LDNS_RR_TYPE_A || qtype == LDNS_RR_TYPE_AAAA ||
                      qtype == LDNS_RR_TYPE_ANY;
    policy_result_t r;
    /* The same call the query path makes (answer_service in query/answer.c). */
    policy_select_full(p, svc, &cl->addr, is_address ? qtype : LDNS_RR_TYPE_CNAME, rng, &r);
    json_t *records = json_array();
    for (size_t i = 0; i < r.count; i++) {
        char text[INET6_ADDRSTRLEN] = "";
        if (r.type == LDNS_RR_TYPE_A || r.type == LDNS_RR_TYPE_AAAA) {
            inet_ntop(r.type == LDNS_RR_TYPE_A ? AF_INET : AF_INET6, r.rrs[i].data, text,
                      sizeof(text));
            json_array_append_new(records, json_string(text));
        } else {
            ldns_rdf *rdf = ldns_rdf_new_frm_data(LDNS_RDF_TYPE_DNAME, r.rrs[i].len,
                                                  r.rrs[i].data);
            char *t = rdf != NULL ? ldns_rdf2str(rdf) : NULL;
            json_array_append_new(records, json_string(t != NULL ? t : "?"));
            free(t);
            ldns_rdf_deep_free(rdf);
        }
    }
    json_t *chosen = json_array();
    for (size_t i = 0; i < r.chosen_count; i++) {
        json_array_append_new(chosen, json_string(policy_datacenter_name(p, r.chosen[i])));
    }
    json_t *match = json_null();
    json_t *leaf = json_null();
    if (sc->policy == CONF_POLICY_MAP || sc->policy == CONF_POLICY_NEAREST ||
        sc->policy == CONF_POLICY_LATENCY) {
        match = json_pack("{s:s, s:s?}", CTL_API_KEY_RULE, geo_match_name(r.match),
                          CTL_API_KEY_KEY, r.match_key);
        /* The decision tree's block: every client in it gets these candidates. */
        gslb_addr_t net = cl->addr;
        gslb_addr_mask(&net, r.scope_bits);
        char text[GSLB_ADDR_TEXT_MAX], buf[GSLB_ADDR_TEXT_MAX + 8];
        snprintf(buf, sizeof(buf), "%s/%u", gslb_addr_format(&net, text, sizeof(text)),
                 r.scope_bits);
        leaf = json_string(buf);
    }
    const char *type = r.type == LDNS_RR_TYPE_A ? "A" : r.type == LDNS_RR_TYPE_AAAA ? "AAAA"
                       : r.type == LDNS_RR_TYPE_CNAME ? "CNAME" : "none (NODATA)";
    json_t *d = json_pack("{s:s, s:s, s:s?, s:o, s:o, s:o, s:o, s:o, s:s, s:I, s:o, s:i, s:b, "
                          "s:b, s:b, s:i, s:i}",
                     CTL_API_KEY_SERVICE, sc->name,
                     CTL_API_KEY_POLICY, policy_kind_name(sc->policy),
                     CTL_API_KEY_MAP, sc->map >= 0 ? s->conf->maps[sc->map].name : NULL,
                     CTL_API_KEY_GEOIP, location_json(&r, &cl->addr),
                     CTL_API_KEY_MATCH, match,
                     CTL_API_KEY_LEAF, leaf,
                     CTL_API_KEY_CANDIDATES,
                     candidates_json(c, p, &r, qtype == LDNS_RR_TYPE_AAAA),
                     CTL_API_KEY_CHOSEN, chosen,
                     CTL_API_KEY_TYPE, type,
                     CTL_API_KEY_TTL, (json_int_t)r.ttl_s,
                     CTL_API_KEY_RECORDS, records,
                     CTL_API_KEY_ECS_SCOPE, (int)r.scope_bits,
                     CTL_API_KEY_DEGRADED, r.is_degraded,
                     CTL_API_KEY_ALL_DOWN, r.is_all_down,
                     CTL_API_KEY_FAIL_CLOSED, r.is_fail_closed,
                     CTL_API_KEY_ADDRESSES_PER_DATACENTER, (int)sc->address_count,
                     CTL_API_KEY_DATACENTERS_PER_ANSWER, (int)sc->dc_count);
    json_object_set_new(d, CTL_API_KEY_REASON, json_string(policy_reason_name(r.reason)));
    json_object_set_new(d, CTL_API_KEY_HASH, hash_json(&r));
    json_object_set_new(d, CTL_API_KEY_SHED, json_boolean(r.is_shed));
    json_object_set_new(d, CTL_API_KEY_SHED_FRACTION, json_real(r.shed_fraction));
    json_object_set_new(d, CTL_API_KEY_LATENCY, latency_json(p, &r));
    return d;
}

int ctl_explain(ctl_t *c, const snapshot_t *s, const char *name, const char *client,
                const char *type, json_t **out, char *err, size_t err_len)
{
    *out = NULL;
    explain_client_t cl;
    if (client_parse(client, &cl, err, err_len) != 0) {
        return -GSLB_EINVAL;
    }
    if (type == NULL) {
        type = CTL_API_EXPLAIN_DEFAULT_TYPE;
    }
    uint16_t qtype = (uint16_t)ldns_get_rr_type_by_name(type);
    if (qtype == 0) {
        snprintf(err, err_len, "unknown type '%s'", type);
        return -GSLB_EINVAL;
    }
    ldns_rdf *qname = ldns_dname_new_frm_str(name);
    if (qname == NULL || ldns_rdf_size(qname) > DNS_NAME_MAX) {
        ldns_rdf_deep_free(qname);
        snprintf(err, err_len, "name '%s' is not a valid DNS name", name);
        return -GSLB_EINVAL;
    }
    uint8_t lc[DNS_NAME_MAX];
    dns_name_lower(ldns_rdf_data(qname), ldns_rdf_size(qname), lc);

    /* The real answer, from the code that answers queries. */
    uint8_t msg[512 + DNS_NAME_MAX];
    size_t mlen = query_build(qname, qtype, &cl, msg);
    struct sockaddr_storage peer;
    memset(&peer, 0, sizeof(peer));
    socklen_t peer_len;
    if (!cl.has_prefix && cl.addr.family == AF_INET6) {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&peer;
        sin6->sin6_family = AF_INET6;
        memcpy(&sin6->sin6_addr, cl.addr.addr, 16);
        peer_len = sizeof(*sin6);
    } else {
        struct sockaddr_in *sin = (struct sockaddr_in *)&peer;
        sin->sin_family = AF_INET;
        /* With ECS the source does not matter (RFC 7871 7.1.1); loopback it is. */
        if (cl.has_prefix) {
            sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        } else {
            memcpy(&sin->sin_addr, cl.addr.addr, 4);
        }
        peer_len = sizeof(*sin);
    }
    server_request_t req = {.msg = msg, .len = mlen, .peer = (struct sockaddr *)&peer,
                            .peer_len = peer_len, .transport = SERVER_UDP};
    query_worker_t *w = xcalloc(1, sizeof(*w));
    query_worker_init(w, (uint64_t)time(NULL) * 0x9E3779B97F4A7C15ull ^ (uint64_t)clock());
    uint8_t *resp = xmalloc(SERVER_MAX_MSG);
    size_t rlen = query_answer(w, s, &req, resp, SERVER_MAX_MSG);

    json_t *decision = json_null();
    const policy_t *p = s->policy;
    for (size_t i = 0; i < policy_service_count(p); i++) {
        const policy_service_t *svc = policy_service_at(p, i);
        if (dns_name_equal(policy_service_name(svc), lc)) {
            decision = decision_json(c, s, svc, &cl, qtype, &w->rng);
            break;
        }
    }
    char *qtext = ldns_rdf2str(qname);
    *out = json_pack("{s:s, s:s, s:s, s:s, s:I, s:o, s:o, s:s}",
                     CTL_API_KEY_NAME, qtext ? qtext : name,
                     CTL_API_KEY_TYPE, type,
                     CTL_API_KEY_CLIENT, client,
                     CTL_API_KEY_CLIENT_AS,
                     cl.has_prefix ? "EDNS Client Subnet option" : "packet source address",
                     CTL_API_KEY_GENERATION, (json_int_t)s->generation,
                     CTL_API_KEY_DECISION, decision,
                     CTL_API_KEY_RESPONSE, response_json(resp, rlen),
                     CTL_API_KEY_NOTE,
                     json_is_null(decision)
                         ? "not a service name: the zone's own data answers"
                         : "the response is what gslbd answers for this query now; where a "
                           "data center has more addresses than an answer takes, the ones "
                           "handed out are drawn at random by weight per query, so the "
                           "decision's records and the response's may differ, and so may "
                           "repeated calls (weighted policies draw the data center order too)");
    free(qtext);
    free(resp);
    free(w);
    ldns_rdf_deep_free(qname);
    return 0;
}
