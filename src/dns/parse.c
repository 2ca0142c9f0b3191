/* dns: query parsing — header, question, and the EDNS(0) OPT record with its options. */
#include "dns_int.h"

#include <stddef.h>
#include <string.h>

static inline uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

/* Skip a possibly compressed name in an RR; returns the offset after it or 0.
 * The whole name is followed, so a pointer into a loop or into garbage is
 * caught. RFC 1035 4.1.4: a pointer refers to a prior occurrence, so each
 * hop must land before the start of the labels it was reached from; the
 * positions strictly decrease, which bounds the walk without a hop counter. */
static size_t skip_name(const uint8_t *pkt, size_t len, size_t off)
{
    size_t total = 0, end = 0, limit = off;
    for (;;) {
        if (off >= len) {
            return 0;
        }
        uint8_t l = pkt[off];
        if ((l & 0xC0) == 0xC0) {
            if (off + 2 > len) {
                return 0;
            }
            size_t target = (size_t)((l & 0x3F) << 8) | pkt[off + 1];
            if (target >= limit) {
                return 0;
            }
            if (end == 0) {
                end = off + 2;
            }
            off = limit = target;
            continue;
        }
        if (l > DNS_LABEL_MAX) {
            return 0;
        }
        total += 1u + l;
        if (total > DNS_NAME_MAX) {
            return 0;
        }
        off += 1u + l;
        if (l == 0) {
            return end != 0 ? end : off;
        }
    }
}

static inline uint32_t rd32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* RFC 7871 section 6: FAMILY, SOURCE PREFIX-LENGTH, SCOPE PREFIX-LENGTH, ADDRESS. */
static inline bool parse_ecs(const uint8_t *p, uint16_t olen, dns_query_t *q)
{
    if (olen < 4) {
        return false;
    }
    uint16_t family = rd16(p);
    unsigned source = p[2];
    unsigned scope = p[3];
    unsigned n = olen - 4u;
    /* 7.1.2: scope must be 0 in queries; address octets exactly ceil(source/8). */
    if (scope != 0 || n != (source + 7u) / 8u) {
        return false;
    }
    if (family == DNS_ECS_FAMILY_IPV4) {
        if (source > 32) {
            return false;
        }
        /* The n <= 4 address octets are the last n of the 4 octets ending with the
         * option, which start at or after FAMILY: one load, shifted to the front. */
        uint32_t a = (uint32_t)((uint64_t)rd32(p + n) << (8 * (4 - n)));
        q->ecs_addr[0] = (uint8_t)(a >> 24);
        q->ecs_addr[1] = (uint8_t)(a >> 16);
        q->ecs_addr[2] = (uint8_t)(a >> 8);
        q->ecs_addr[3] = (uint8_t)a;
        /* Bits past the source prefix must be zero (section 6, ADDRESS). */
        if ((a & (0xFFFFFFFFull >> source)) != 0) {
            return false;
        }
    } else if (family == DNS_ECS_FAMILY_IPV6) {
        if (source > 128) {
            return false;
        }
        memcpy(q->ecs_addr, p + 4, n);
        if (source % 8 != 0 && (q->ecs_addr[source / 8] & (0xFFu >> (source % 8))) != 0) {
            return false;
        }
    } else {
        return false;
    }
    q->has_ecs = true;
    q->ecs_family = family;
    q->ecs_source_bits = (uint8_t)source;
    return true;
}

/* The options in an OPT record's RDATA, rdlen octets at p. */
static bool parse_options(const uint8_t *p, size_t rdlen, dns_query_t *q)
{
    size_t off = 0;
    while (off < rdlen) {
        if (off + 4 > rdlen) {
            return false;
        }
        uint16_t code = rd16(p + off);
        uint16_t olen = rd16(p + off + 2);
        off += 4;
        if (off + olen > rdlen) {
            return false;
        }
        switch (code) {
        case DNS_OPT_ECS:
            if (q->has_ecs || !parse_ecs(p + off, olen, q)) {
                return false;
            }
            break;
        case DNS_OPT_COOKIE:
            /* RFC 7873 5.2.2: a client cookie of 8 octets, then nothing or a server cookie
             * of 8..32; any other length is malformed (FORMERR). One option per query. */
            if (q->has_cookie || (olen != 8 && (olen < 16 || olen > 40))) {
                return false;
            }
            q->has_cookie = true;
            q->cookie = p + off;
            q->cookie_len = (uint8_t)olen;
            break;
        case DNS_OPT_NSID:
            q->has_nsid = true; /* RFC 5001 2.1: requests carry an empty payload */
            break;
        case DNS_OPT_TCP_KEEPALIVE:
            /* RFC 7828 3.2.1: a query's option has no TIMEOUT; a length of 2 is tolerated. */
            if (olen != 0 && olen != 2) {
                return false;
            }
            q->has_tcp_keepalive = true;
            break;
        default:
            break; /* RFC 6891 6.1.2: unknown options are ignored */
        }
        off += olen;
    }
    return true;
}

/* The fixed part of an OPT record from its TYPE at t on (CLASS = payload
 * size, TTL = extended RCODE, version, flags), known to be in the message. */
static inline void parse_opt_fixed(const uint8_t *t, dns_query_t *q)
{
    q->has_edns = true;
    q->edns_udp_size = rd16(t + 2);
    q->edns_version = t[5];
    q->is_do = (t[6] & 0x80) != 0;
}

/* The question at offset 12; returns the offset past it, or 0 if malformed. */
static inline size_t parse_question(const uint8_t *pkt, size_t len, dns_query_t *q)
{
    unsigned labels = 0;
    size_t nlen = dns_name_scan_inline(pkt + DNS_HEADER_LEN, len - DNS_HEADER_LEN, &labels);
    size_t end = DNS_HEADER_LEN + nlen + 4;
    if (nlen == 0 || end > len) {
        return 0;
    }
    const uint8_t *qname = pkt + DNS_HEADER_LEN;
    q->qname = qname;
    q->qname_len = (uint8_t)nlen;
    q->qname_labels = (uint8_t)labels;
    q->qtype = rd16(qname + nlen);
    q->qclass = rd16(qname + nlen + 2);
    q->question_end = (uint16_t)end;
    q->has_question = true;
    /* Last, when little else is live: its constants then stay in registers. */
    dns_name_lower_inline(qname, nlen, q->qname_lc);
    return end;
}

/* Every record after the question, from off, in the general case: any counts, names
 * compressed or not. Out of line so that the usual shape keeps its registers. */
static __attribute__((noinline)) dns_parse_result_t parse_records(const uint8_t *pkt, size_t len,
                                                                  size_t off, dns_query_t *q)
{
    uint16_t an = rd16(pkt + 6), ns = rd16(pkt + 8), ar = rd16(pkt + 10);
    unsigned total = (unsigned)an + ns + ar;
    bool seen_opt = false;
    for (unsigned i = 0; i < total; i++) {
        size_t rr_off = off;
        off = skip_name(pkt, len, off);
        if (off == 0 || off + 2 > len) {
            return DNS_PARSE_FORMERR;
        }
        uint16_t type = rd16(pkt + off);
        /* RFC 6891 7: a fault in the OPT record is answered with an OPT. */
        dns_parse_result_t bad = type == DNS_TYPE_OPT ? DNS_PARSE_FORMERR_OPT : DNS_PARSE_FORMERR;
        if (off + 10 > len) {
            return bad;
        }
        uint16_t rdlen = rd16(pkt + off + 8);
        size_t rdata = off + 10;
        if (rdata + rdlen > len) {
            return bad;
        }
        if (type == DNS_TYPE_OPT) {
            if (!seen_opt) {
                parse_opt_fixed(pkt + off, q); /* its DO bit, for a FORMERR too */
            }
            /* RFC 6891 6.1.1: one OPT, in the additional section only; 6.1.2: owner root. */
            if (seen_opt || i < (unsigned)an + ns || pkt[rr_off] != 0) {
                return DNS_PARSE_FORMERR_OPT;
            }
            if (!parse_options(pkt + rdata, rdlen, q)) {
                return DNS_PARSE_FORMERR_OPT;
            }
            seen_opt = true;
        }
        off = rdata + rdlen;
    }
    if (off != len) {
        return DNS_PARSE_FORMERR; /* trailing octets after the last record */
    }
    if (q->has_edns && q->edns_version > 0) {
        return DNS_PARSE_BADVERS;
    }
    return DNS_PARSE_OK;
}

/* A query without a question (QDCOUNT 0): nothing to answer, so FORMERR, with
 * an OPT when the query has one, like the FORMERRs for a bad OPT. RFC 7873 5.4
 * would answer a query holding only a COOKIE option, but cookies are not
 * implemented. A version above 0 still gets BADVERS (RFC 6891 6.1.3). Out of
 * line: inlined, it cost every query a saved register. */
static __attribute__((noinline)) dns_parse_result_t parse_no_question(const uint8_t *pkt,
                                                                      size_t len, dns_query_t *q)
{
    dns_parse_result_t r = parse_records(pkt, len, DNS_HEADER_LEN, q);
    if (r != DNS_PARSE_OK) {
        return r;
    }
    if (q->has_cookie) {
        return DNS_PARSE_COOKIE_ONLY; /* RFC 7873 5.4: asking for a server cookie */
    }
    return q->has_edns ? DNS_PARSE_FORMERR_OPT : DNS_PARSE_FORMERR;
}

/* QDCOUNT 1, ANCOUNT 0, NSCOUNT 0, ARCOUNT 1: the counts of nearly every query. */
static const uint8_t one_question_one_additional[8] = {0, 1, 0, 0, 0, 0, 0, 1};
/* Owner root, TYPE OPT. */
static const uint8_t opt_head[3] = {0, DNS_TYPE_OPT >> 8, DNS_TYPE_OPT & 0xFF};

dns_parse_result_t dns_query_parse(const uint8_t *pkt, size_t len, dns_query_t *q)
{
    memset(q, 0, offsetof(dns_query_t, qname_lc));
    if (len < DNS_HEADER_LEN || len > 65535) {
        return DNS_PARSE_DROP;
    }
    uint16_t flags = rd16(pkt + 2);
    q->id = rd16(pkt);
    q->flags = flags;
    if (flags & DNS_FLAG_QR) {
        return DNS_PARSE_DROP; /* never answer a response: avoids reflection loops */
    }
    uint8_t opcode = (uint8_t)((flags >> 11) & 0x0F);
    q->opcode = opcode;
    uint16_t qdcount = rd16(pkt + 4);
    q->qdcount = qdcount;
    if (qdcount != 1) {
        if (opcode != 0) {
            return DNS_PARSE_NOTIMP;
        }
        return qdcount == 0 ? parse_no_question(pkt, len, q) : DNS_PARSE_FORMERR;
    }
    size_t off = parse_question(pkt, len, q);
    if (opcode != 0) {
        return DNS_PARSE_NOTIMP;
    }
    if (off == 0) {
        return DNS_PARSE_FORMERR;
    }
    const uint8_t *rr = pkt + off;
    if (memcmp(pkt + 4, one_question_one_additional, 8) == 0 && len - off >= 11 &&
        memcmp(rr, opt_head, 3) == 0) {
        /* Most queries: the question and one OPT record, owner root, nothing
         * after it. The same checks as the loop below, without its name walk;
         * a lone ECS option, the usual content, is read without the option loop. */
        size_t rdlen = rd16(rr + 9);
        if (len - off != 11 + rdlen) {
            /* Short of the end: octets after the last record; past it: the OPT's
             * RDLENGTH is wrong, a FORMERR that copies its DO bit. */
            if (len - off > 11 + rdlen) {
                return DNS_PARSE_FORMERR;
            }
            parse_opt_fixed(rr + 1, q);
            return DNS_PARSE_FORMERR_OPT;
        }
        parse_opt_fixed(rr + 1, q);
        if (rdlen != 0) {
            const uint8_t *opt = rr + 11;
            if (rdlen >= 4 && rd16(opt) == DNS_OPT_ECS && rd16(opt + 2) == rdlen - 4) {
                if (!parse_ecs(opt + 4, (uint16_t)(rdlen - 4), q)) {
                    return DNS_PARSE_FORMERR_OPT;
                }
            } else if (!parse_options(opt, rdlen, q)) {
                return DNS_PARSE_FORMERR_OPT;
            }
        }
        return q->edns_version > 0 ? DNS_PARSE_BADVERS : DNS_PARSE_OK;
    }
    return parse_records(pkt, len, off, q);
}
