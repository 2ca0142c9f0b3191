/* dns: response writing — header, echoed question, RRs with name compression, OPT. */
#include "gslb/dns.h"

#include <arpa/inet.h>
#include <string.h>

/* Big-endian stores as one byte swap and one store (octet by octet, the
 * compiler emitted a shift and a store per octet). */
static inline void wr16(uint8_t *p, uint16_t v)
{
    uint16_t be = htons(v);
    memcpy(p, &be, 2);
}

static inline void wr32(uint8_t *p, uint32_t v)
{
    uint32_t be = htonl(v);
    memcpy(p, &be, 4);
}

static inline uint8_t lower(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

static inline size_t room(const dns_writer_t *w)
{
    if (w->reserved >= w->limit) {
        return 0; /* unsigned: limit - reserved would wrap and remove the bound */
    }
    size_t end = w->limit - w->reserved;
    return w->len < end ? end - w->len : 0;
}

int dns_writer_begin(dns_writer_t *w, uint8_t *buf, size_t cap, size_t limit,
                     const dns_query_t *q, const uint8_t *pkt)
{
    w->buf = buf;
    w->cap = cap;
    w->limit = limit < cap ? limit : cap;
    w->reserved = 0;
    w->len = DNS_HEADER_LEN;
    w->counts[0] = w->counts[1] = w->counts[2] = 0;
    w->comp_count = 0;
    w->qname_lc = NULL;
    w->qname_len = 0;
    w->qdcount = 0;
    w->flags = (uint16_t)(DNS_FLAG_QR | (q->flags & (0x7800u | DNS_FLAG_RD | DNS_FLAG_CD)));
    if (w->limit < DNS_HEADER_LEN) {
        return -1;
    }
    wr16(buf, q->id);
    memset(buf + 2, 0, DNS_HEADER_LEN - 2);
    if (q->has_question) {
        size_t qlen = (size_t)q->question_end - DNS_HEADER_LEN;
        if (DNS_HEADER_LEN + qlen > w->limit) {
            return -1;
        }
        /* Echo byte-for-byte: the client's 0x20 letter case survives (RFC 1035 4.1.2). */
        memcpy(buf + DNS_HEADER_LEN, pkt + DNS_HEADER_LEN, qlen);
        w->len += qlen;
        w->qdcount = 1;
        w->qname_lc = q->qname_lc;
        w->qname_len = q->qname_len;
        size_t off = DNS_HEADER_LEN;
        while (buf[off] != 0 && w->comp_count < DNS_COMP_MAX) {
            w->comp[w->comp_count++] = (uint16_t)off;
            off += 1u + buf[off];
        }
    }
    return 0;
}

void dns_writer_reserve(dns_writer_t *w, size_t n)
{
    w->reserved += n;
}

dns_writer_mark_t dns_writer_mark(const dns_writer_t *w)
{
    dns_writer_mark_t m = {.len = w->len, .comp_count = w->comp_count};
    memcpy(m.counts, w->counts, sizeof(m.counts));
    return m;
}

void dns_writer_rollback(dns_writer_t *w, dns_writer_mark_t m)
{
    w->len = m.len;
    w->comp_count = m.comp_count;
    memcpy(w->counts, m.counts, sizeof(m.counts));
}

/* Does the (possibly compressed) name at buf[off] equal the uncompressed name?
 * Only octets before w->len count: the name being written is registered
 * label by label, and what lies past its end is stale (a rolled-back record
 * or an earlier message in a reused buffer), so matching it could make the
 * name point into itself.
 * Names are equal ignoring ASCII case, but the names written here come from
 * zone data (owners lower-cased) and most compare equal octet for octet, so a
 * label is first compared with memcmp and only folded when that fails. For
 * the echoed QNAME, which keeps the client's case (RFC 1035 4.1.2; resolvers
 * randomise it, draft-vixie-dnsext-dns0x20), the query's lower-cased copy
 * stands in for it. */
static bool name_at_equals(const dns_writer_t *w, size_t off, const uint8_t *name)
{
    unsigned hops = 0;
    for (;;) {
        if (off >= w->len) {
            return false;
        }
        uint8_t l = w->buf[off];
        if ((l & 0xC0) == 0xC0) {
            if (++hops > 64) {
                return false;
            }
            off = (size_t)((l & 0x3F) << 8) | w->buf[off + 1];
            continue;
        }
        if (l != *name) {
            return false;
        }
        if (l == 0) {
            return true;
        }
        const uint8_t *have = w->buf + off;
        if (off - DNS_HEADER_LEN < w->qname_len) {
            have = w->qname_lc + (off - DNS_HEADER_LEN);
        }
        if (memcmp(have + 1, name + 1, l) != 0) {
            for (uint8_t i = 1; i <= l; i++) {
                if (lower(have[i]) != lower(name[i])) {
                    return false;
                }
            }
        }
        off += 1u + l;
        name += 1u + l;
    }
}

static int find_suffix(const dns_writer_t *w, const uint8_t *suffix)
{
    for (unsigned i = 0; i < w->comp_count; i++) {
        if (name_at_equals(w, w->comp[i], suffix)) {
            return w->comp[i];
        }
    }
    return -1;
}

/* Write an uncompressed name, compressed against names already in the
 * message (RFC 1035 4.1.4). Returns 0 or -1 when out of room. */
static int put_name(dns_writer_t *w, const uint8_t *name)
{
    const uint8_t *p = name;
    for (;;) {
        if (*p == 0) {
            if (room(w) < 1) {
                return -1;
            }
            w->buf[w->len++] = 0;
            return 0;
        }
        int ptr = find_suffix(w, p);
        if (ptr >= 0) {
            if (room(w) < 2) {
                return -1;
            }
            wr16(w->buf + w->len, (uint16_t)(0xC000u | (unsigned)ptr));
            w->len += 2;
            return 0;
        }
        size_t l = 1u + *p;
        if (room(w) < l) {
            return -1;
        }
        /* Offsets past 0x3FFF cannot be pointed at (14-bit pointer). */
        if (w->len <= 0x3FFF && w->comp_count < DNS_COMP_MAX) {
            w->comp[w->comp_count++] = (uint16_t)w->len;
        }
        memcpy(w->buf + w->len, p, l);
        w->len += l;
        p += l;
    }
}

static int put_bytes(dns_writer_t *w, const uint8_t *p, size_t n)
{
    if (room(w) < n) {
        return -1;
    }
    memcpy(w->buf + w->len, p, n);
    w->len += n;
    return 0;
}

/* RDATA with compressible names (RFC 3597 section 4 lists the RFC 1035 types). */
static int put_rdata(dns_writer_t *w, uint16_t type, const uint8_t *rd, uint16_t rdlen)
{
    switch (type) {
    case DNS_TYPE_NS:
    case DNS_TYPE_CNAME:
    case DNS_TYPE_PTR:
    case DNS_TYPE_MB:
    case DNS_TYPE_MG:
    case DNS_TYPE_MR:
        return put_name(w, rd);
    case DNS_TYPE_MX:
        if (put_bytes(w, rd, 2) < 0) {
            return -1;
        }
        return put_name(w, rd + 2);
    case DNS_TYPE_SOA:
    case DNS_TYPE_MINFO: {
        size_t n1 = dns_name_len(rd, rdlen);
        size_t n2 = dns_name_len(rd + n1, rdlen - n1);
        if (put_name(w, rd) < 0 || put_name(w, rd + n1) < 0) {
            return -1;
        }
        return put_bytes(w, rd + n1 + n2, rdlen - n1 - n2);
    }
    default:
        return put_bytes(w, rd, rdlen);
    }
}

int dns_writer_put_rr(dns_writer_t *w, dns_section_t sec, const uint8_t *owner, uint16_t type,
                      uint16_t rclass, uint32_t ttl_s, const uint8_t *rdata, uint16_t rdlen)
{
    dns_writer_mark_t m = dns_writer_mark(w);
    if (owner == NULL) {
        if (room(w) < 2) {
            return -1;
        }
        wr16(w->buf + w->len, 0xC000u | DNS_HEADER_LEN);
        w->len += 2;
    } else if (put_name(w, owner) < 0) {
        goto fail;
    }
    if (room(w) < 10) {
        goto fail;
    }
    uint8_t *rr = w->buf + w->len;
    wr16(rr, type);
    wr16(rr + 2, rclass);
    wr32(rr + 4, ttl_s);
    w->len += 10;
    size_t start = w->len;
    if (put_rdata(w, type, rdata, rdlen) < 0) {
        goto fail;
    }
    wr16(rr + 8, (uint16_t)(w->len - start));
    w->counts[sec]++;
    return 0;
fail:
    dns_writer_rollback(w, m);
    return -1;
}

/* Types whose RDATA has names that may be compressed (as put_rdata). */
static bool has_compressible_rdata(uint16_t type)
{
    switch (type) {
    case DNS_TYPE_NS:
    case DNS_TYPE_CNAME:
    case DNS_TYPE_PTR:
    case DNS_TYPE_MB:
    case DNS_TYPE_MG:
    case DNS_TYPE_MR:
    case DNS_TYPE_MX:
    case DNS_TYPE_SOA:
    case DNS_TYPE_MINFO:
        return true;
    default:
        return false;
    }
}

int dns_writer_put_rrset(dns_writer_t *w, dns_section_t sec, const uint8_t *owner,
                         uint16_t type, uint32_t ttl_s, const dns_rdata_t *rrs, size_t count)
{
    if (owner == NULL && !has_compressible_rdata(type)) {
        /* Most answers: the QNAME's A, AAAA, TXT or a service's addresses.
         * Every RR is a pointer to the QNAME, the same 8 octets of type,
         * class and TTL, and its RDATA as stored, so the size is known up
         * front: one room check, no marks, no name lookups. */
        size_t need = 0;
        for (size_t i = 0; i < count; i++) {
            need += 12u + rrs[i].len;
        }
        if (room(w) < need) {
            return -1;
        }
        uint8_t fixed[10];
        wr16(fixed, 0xC000u | DNS_HEADER_LEN);
        wr16(fixed + 2, type);
        wr16(fixed + 4, DNS_CLASS_IN);
        wr32(fixed + 6, ttl_s);
        uint8_t *p = w->buf + w->len;
        for (size_t i = 0; i < count; i++) {
            memcpy(p, fixed, sizeof(fixed));
            wr16(p + 10, rrs[i].len);
            /* Constant sizes for A and AAAA: copied inline, not by a library call. */
            if (rrs[i].len == 4) {
                memcpy(p + 12, rrs[i].data, 4);
            } else if (rrs[i].len == 16) {
                memcpy(p + 12, rrs[i].data, 16);
            } else {
                memcpy(p + 12, rrs[i].data, rrs[i].len);
            }
            p += 12u + rrs[i].len;
        }
        w->len += need;
        w->counts[sec] = (uint16_t)(w->counts[sec] + count);
        return 0;
    }
    dns_writer_mark_t m = dns_writer_mark(w);
    for (size_t i = 0; i < count; i++) {
        if (dns_writer_put_rr(w, sec, owner, type, DNS_CLASS_IN, ttl_s, rrs[i].data, rrs[i].len) <
            0) {
            dns_writer_rollback(w, m);
            return -1;
        }
    }
    return 0;
}

size_t dns_opt_size(const dns_opt_out_t *opt, const dns_query_t *q)
{
    size_t n = 11;
    if (opt->nsid != NULL) {
        n += 4u + opt->nsid_len;
    }
    if (opt->has_ecs && q->has_ecs) {
        n += 8u + (q->ecs_source_bits + 7u) / 8u;
    }
    if (opt->has_tcp_keepalive) {
        n += 6;
    }
    return n;
}

int dns_writer_put_opt(dns_writer_t *w, const dns_opt_out_t *opt, const dns_query_t *q)
{
    size_t need = dns_opt_size(opt, q);
    w->reserved = w->reserved >= need ? w->reserved - need : 0;
    if (room(w) < need) {
        return -1;
    }
    uint8_t *p = w->buf + w->len;
    p[0] = 0; /* root owner */
    wr16(p + 1, DNS_TYPE_OPT);
    wr16(p + 3, opt->udp_size);
    p[5] = opt->ext_rcode;
    p[6] = 0; /* version 0 */
    wr16(p + 7, opt->is_do ? 0x8000u : 0);
    wr16(p + 9, (uint16_t)(need - 11));
    p += 11;
    if (opt->nsid != NULL) {
        wr16(p, DNS_OPT_NSID);
        wr16(p + 2, opt->nsid_len);
        memcpy(p + 4, opt->nsid, opt->nsid_len);
        p += 4u + opt->nsid_len;
    }
    if (opt->has_ecs && q->has_ecs) {
        /* RFC 7871 7.2.1: FAMILY, SOURCE and ADDRESS as in the query, our SCOPE. */
        size_t alen = (q->ecs_source_bits + 7u) / 8u;
        wr16(p, DNS_OPT_ECS);
        wr16(p + 2, (uint16_t)(4u + alen));
        wr16(p + 4, q->ecs_family);
        p[6] = q->ecs_source_bits;
        p[7] = opt->ecs_scope_bits;
        memcpy(p + 8, q->ecs_addr, alen);
        p += 8u + alen;
    }
    if (opt->has_tcp_keepalive) {
        wr16(p, DNS_OPT_TCP_KEEPALIVE);
        wr16(p + 2, 2);
        wr16(p + 4, opt->tcp_keepalive_100ms);
    }
    w->len += need;
    w->counts[DNS_SECTION_ADDITIONAL]++;
    return 0;
}

void dns_writer_set_flags(dns_writer_t *w, uint16_t flags)
{
    w->flags |= flags;
}

size_t dns_writer_finish(dns_writer_t *w, uint8_t rcode)
{
    uint16_t flags = (uint16_t)((w->flags & ~0x000Fu) | (rcode & 0x0Fu));
    wr16(w->buf + 2, flags);
    wr16(w->buf + 4, w->qdcount);
    wr16(w->buf + 6, w->counts[0]);
    wr16(w->buf + 8, w->counts[1]);
    wr16(w->buf + 10, w->counts[2]);
    return w->len;
}

size_t dns_write_header_error(uint8_t *buf, size_t cap, const uint8_t *pkt, size_t len,
                              uint8_t rcode)
{
    if (len < 4 || cap < DNS_HEADER_LEN) {
        return 0;
    }
    uint16_t qflags = (uint16_t)((pkt[2] << 8) | pkt[3]);
    memset(buf, 0, DNS_HEADER_LEN);
    buf[0] = pkt[0];
    buf[1] = pkt[1];
    wr16(buf + 2, (uint16_t)(DNS_FLAG_QR | (qflags & (0x7800u | DNS_FLAG_RD | DNS_FLAG_CD)) |
                             (rcode & 0x0Fu)));
    return DNS_HEADER_LEN;
}
