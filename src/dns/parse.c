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

/* RFC 7871 section 6: FAMILY, SOURCE PREFIX-LENGTH, SCOPE PREFIX-LENGTH, ADDRESS. */
static bool parse_ecs(const uint8_t *p, uint16_t olen, dns_query_t *q)
{
    if (olen < 4) {
        return false;
    }
    uint16_t family = rd16(p);
    uint8_t source = p[2];
    uint8_t scope = p[3];
    unsigned maxbits;
    if (family == DNS_ECS_FAMILY_IPV4) {
        maxbits = 32;
    } else if (family == DNS_ECS_FAMILY_IPV6) {
        maxbits = 128;
    } else {
        return false;
    }
    /* 7.1.2: scope must be 0 in queries; address octets exactly ceil(source/8). */
    if (source > maxbits || scope != 0 || (unsigned)(olen - 4) != (source + 7u) / 8u) {
        return false;
    }
    memcpy(q->ecs_addr, p + 4, (size_t)olen - 4);
    /* Bits past the source prefix must be zero (section 6, ADDRESS). */
    if (source % 8 != 0) {
        uint8_t mask = (uint8_t)(0xFFu >> (source % 8));
        if (q->ecs_addr[source / 8] & mask) {
            return false;
        }
    }
    q->has_ecs = true;
    q->ecs_family = family;
    q->ecs_source_bits = source;
    return true;
}

static bool parse_opt(const uint8_t *pkt, size_t rr, size_t rdata, uint16_t rdlen, dns_query_t *q)
{
    /* OPT owner must be the root name (RFC 6891 6.1.2). */
    if (pkt[rr] != 0) {
        return false;
    }
    q->has_edns = true;
    q->edns_udp_size = rd16(pkt + rr + 3);
    q->edns_version = pkt[rr + 6];
    q->is_do = (pkt[rr + 7] & 0x80) != 0;
    size_t off = rdata, end = rdata + rdlen;
    while (off < end) {
        if (off + 4 > end) {
            return false;
        }
        uint16_t code = rd16(pkt + off);
        uint16_t olen = rd16(pkt + off + 2);
        off += 4;
        if (off + olen > end) {
            return false;
        }
        switch (code) {
        case DNS_OPT_ECS:
            if (q->has_ecs || !parse_ecs(pkt + off, olen, q)) {
                return false;
            }
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

static dns_parse_result_t parse_question(const uint8_t *pkt, size_t len, dns_query_t *q)
{
    unsigned labels = 0;
    size_t nlen = dns_name_scan_inline(pkt + DNS_HEADER_LEN, len - DNS_HEADER_LEN, &labels);
    if (nlen == 0 || DNS_HEADER_LEN + nlen + 4 > len) {
        return DNS_PARSE_FORMERR;
    }
    q->qname = pkt + DNS_HEADER_LEN;
    q->qname_len = (uint8_t)nlen;
    dns_name_lower_inline(q->qname, nlen, q->qname_lc);
    q->qname_labels = (uint8_t)labels;
    q->qtype = rd16(pkt + DNS_HEADER_LEN + nlen);
    q->qclass = rd16(pkt + DNS_HEADER_LEN + nlen + 2);
    q->question_end = (uint16_t)(DNS_HEADER_LEN + nlen + 4);
    q->has_question = true;
    return DNS_PARSE_OK;
}

dns_parse_result_t dns_query_parse(const uint8_t *pkt, size_t len, dns_query_t *q)
{
    memset(q, 0, offsetof(dns_query_t, qname_lc));
    if (len < DNS_HEADER_LEN || len > 65535) {
        return DNS_PARSE_DROP;
    }
    q->id = rd16(pkt);
    q->flags = rd16(pkt + 2);
    if (q->flags & DNS_FLAG_QR) {
        return DNS_PARSE_DROP; /* never answer a response: avoids reflection loops */
    }
    q->opcode = (uint8_t)((q->flags >> 11) & 0x0F);
    q->qdcount = rd16(pkt + 4);
    uint16_t an = rd16(pkt + 6), ns = rd16(pkt + 8), ar = rd16(pkt + 10);
    if (q->qdcount != 1) {
        return q->opcode != 0 ? DNS_PARSE_NOTIMP : DNS_PARSE_FORMERR;
    }
    dns_parse_result_t r = parse_question(pkt, len, q);
    if (q->opcode != 0) {
        return DNS_PARSE_NOTIMP;
    }
    if (r != DNS_PARSE_OK) {
        return r;
    }
    size_t off = q->question_end;
    if (an == 0 && ns == 0 && ar == 1 && len - off >= 11 && pkt[off] == 0 &&
        rd16(pkt + off + 1) == DNS_TYPE_OPT) {
        /* Most queries: the question and one OPT record, owner root, nothing
         * after it. The same checks as the loop below, without its name walk. */
        uint16_t rdlen = rd16(pkt + off + 9);
        if (off + 11 + rdlen != len || !parse_opt(pkt, off, off + 11, rdlen, q)) {
            return DNS_PARSE_FORMERR;
        }
        return q->edns_version > 0 ? DNS_PARSE_BADVERS : DNS_PARSE_OK;
    }
    unsigned total = (unsigned)an + ns + ar;
    bool seen_opt = false;
    for (unsigned i = 0; i < total; i++) {
        size_t rr = off;
        off = skip_name(pkt, len, off);
        if (off == 0 || off + 10 > len) {
            return DNS_PARSE_FORMERR;
        }
        uint16_t type = rd16(pkt + off);
        uint16_t rdlen = rd16(pkt + off + 8);
        size_t rdata = off + 10;
        if (rdata + rdlen > len) {
            return DNS_PARSE_FORMERR;
        }
        if (type == DNS_TYPE_OPT) {
            /* RFC 6891 6.1.1: one OPT, in the additional section only. */
            if (seen_opt || i < (unsigned)an + ns || !parse_opt(pkt, rr, rdata, rdlen, q)) {
                return DNS_PARSE_FORMERR;
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
