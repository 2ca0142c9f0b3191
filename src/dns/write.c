/* dns: response writing — header, echoed question, RRs with name compression, OPT. */
#include "dns_int.h"

#include <arpa/inet.h>
#include <assert.h>
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

static inline size_t room(const dns_writer_t *w)
{
    if (w->reserved >= w->limit) {
        return 0; /* unsigned: limit - reserved would wrap and remove the bound */
    }
    size_t end = w->limit - w->reserved;
    return w->len < end ? end - w->len : 0;
}

/* memcpy for a few dozen octets, without the library call: eight at a time,
 * the last word overlapping the one before. */
static inline void copy_short(uint8_t *dst, const uint8_t *src, size_t n)
{
    uint64_t x;
    if (n < 8) {
        for (size_t i = 0; i < n; i++) {
            dst[i] = src[i];
        }
        return;
    }
    for (size_t i = 0; i + 8 < n; i += 8) {
        memcpy(&x, src + i, 8);
        memcpy(dst + i, &x, 8);
    }
    memcpy(&x, src + n - 8, 8);
    memcpy(dst + n - 8, &x, 8);
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
    w->has_qname_comp = false;
    w->qname_lc = NULL;
    w->qname_len = 0;
    w->qname_labels = 0;
    w->wire_pending = NULL;
    w->wire_at = 0;
    w->qdcount = 0;
    w->flags = (uint16_t)(DNS_FLAG_QR | (q->flags & (0x7800u | DNS_FLAG_RD | DNS_FLAG_CD)));
    if (w->limit < DNS_HEADER_LEN) {
        return -1;
    }
    /* The rest of the header is written by dns_writer_finish. */
    wr16(buf, q->id);
    if (q->has_question) {
        size_t qlen = (size_t)q->question_end - DNS_HEADER_LEN;
        if (DNS_HEADER_LEN + qlen > w->limit) {
            return -1;
        }
        /* Echo byte-for-byte: the client's 0x20 letter case survives (RFC 1035 4.1.2). */
        copy_short(buf + DNS_HEADER_LEN, pkt + DNS_HEADER_LEN, qlen);
        w->len += qlen;
        w->qdcount = 1;
        w->qname_lc = q->qname_lc;
        w->qname_len = q->qname_len;
        w->qname_labels = q->qname_labels;
    }
    return 0;
}

dns_writer_mark_t dns_writer_mark(const dns_writer_t *w)
{
    dns_writer_mark_t m = {.len = w->len, .comp_count = w->comp_count};
    memcpy(m.counts, w->counts, sizeof(m.counts));
    return m;
}

/* Forget the dictionary entries from comp_count on. The QNAME's entries are
 * the first ones, made when the first name is written: rolling back to an
 * empty dictionary may have dropped them, so they are made again when needed. */
static inline void comp_truncate(dns_writer_t *w, unsigned comp_count)
{
    w->comp_count = comp_count;
    if (comp_count == 0) {
        w->has_qname_comp = false;
    }
}

void dns_writer_rollback(dns_writer_t *w, dns_writer_mark_t m)
{
    if (m.len <= w->wire_at) {
        w->wire_pending = NULL; /* the precompiled RRset is gone with the rest */
    }
    w->len = m.len;
    comp_truncate(w, m.comp_count);
    memcpy(w->counts, m.counts, sizeof(m.counts));
}

/* Key of the name suffix s of len octets (not the root, so len >= 3): its
 * length, its first label's length and the two octets after that, with 0x20
 * set in both so that letters compare without regard to case. Names equal but
 * for letter case have equal keys; unequal names rarely do, and a key match
 * is confirmed with names_equal. */
static inline uint32_t comp_key(const uint8_t *s, size_t len)
{
    return (uint32_t)len << 24 | (uint32_t)s[0] << 16 | (uint32_t)(s[1] | 0x20) << 8 |
           (uint32_t)(s[2] | 0x20);
}

/* Equality of two uncompressed names of n octets each, ignoring ASCII case.
 * Names from zone data and the lower-cased QNAME are compared word by word;
 * only names with capitals (a DNAME substitution keeps the client's letter
 * case) take the octet loop. Length octets (0..63) are never letters, so
 * folding the whole name is right. */
static bool names_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
    uint64_t x, y;
    size_t i = 0;
    if (n >= 8) {
        for (; i + 8 < n; i += 8) {
            memcpy(&x, a + i, 8);
            memcpy(&y, b + i, 8);
            if (x != y) {
                goto fold;
            }
        }
        memcpy(&x, a + n - 8, 8);
        memcpy(&y, b + n - 8, 8);
        if (x != y) {
            goto fold;
        }
        return true;
    }
    for (; i < n; i++) {
        if (a[i] != b[i]) {
            goto fold;
        }
    }
    return true;
fold:
    for (i = 0; i < n; i++) {
        if (dns_lower(a[i]) != dns_lower(b[i])) {
            return false;
        }
    }
    return true;
}

static inline void comp_add(dns_writer_t *w, size_t off, uint32_t key, const uint8_t *name)
{
    unsigned i = w->comp_count++;
    w->comp[i] = (uint16_t)off;
    w->comp_key[i] = key;
    w->comp_name[i] = name;
}

/* The first n entries of a precompiled RRset written at offset at. */
static void comp_add_wire(dns_writer_t *w, const dns_wire_rrset_t *t, size_t at, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        comp_add(w, at + t->comp_off[i], t->comp_key[i], t->comp_name[i]);
    }
}

/* The QNAME's suffixes, at their offsets in the echoed question, compared
 * through the query's lower-cased copy; then those of a precompiled RRset
 * written before any name was compressed. */
static void comp_add_qname(dns_writer_t *w)
{
    w->has_qname_comp = true;
    const uint8_t *q = w->qname_lc;
    if (q != NULL) {
        for (size_t off = 0; q[off] != 0 && w->comp_count < DNS_COMP_MAX; off += 1u + q[off]) {
            comp_add(w, DNS_HEADER_LEN + off, comp_key(q + off, w->qname_len - off), q + off);
        }
    }
    if (w->wire_pending != NULL) {
        comp_add_wire(w, w->wire_pending, w->wire_at, w->wire_comp);
    }
}

/* The first dictionary entry equal to the suffix s of len octets, or -1. */
static inline int comp_find(const dns_writer_t *w, const uint8_t *s, size_t len, uint32_t key)
{
    for (unsigned i = 0; i < w->comp_count; i++) {
        if (w->comp_key[i] == key && names_equal(w->comp_name[i], s, len)) {
            return w->comp[i];
        }
    }
    return -1;
}

/* Octets of an uncompressed name. */
static inline size_t name_len(const uint8_t *name)
{
    size_t n = 1;
    while (name[n - 1] != 0) {
        n += 1u + name[n - 1];
    }
    return n;
}

/* Write the uncompressed name of n octets, compressed against the names
 * already in the message (RFC 1035 4.1.4): its longest suffix in the
 * dictionary becomes a pointer, and each label written before it is added to
 * the dictionary. Returns 0 or -1 when out of room (nothing is written then). */
static int put_name(dns_writer_t *w, const uint8_t *name, size_t n)
{
    assert(n == name_len(name));
    if (!w->has_qname_comp) {
        comp_add_qname(w);
    }
    /* The keys of the labels written out are kept where their entries will go:
     * past comp_count nothing is looked at. */
    unsigned base = w->comp_count;
    unsigned k = 0;
    size_t off = 0;
    int ptr = -1;
    while (name[off] != 0) {
        uint32_t key = comp_key(name + off, n - off);
        ptr = comp_find(w, name + off, n - off, key);
        if (ptr >= 0) {
            break;
        }
        if (base + k < DNS_COMP_MAX) {
            w->comp_key[base + k] = key;
        }
        k++;
        off += 1u + name[off];
    }
    size_t need = off + (ptr >= 0 ? 2 : 1);
    if (room(w) < need) {
        return -1;
    }
    uint8_t *out = w->buf + w->len;
    copy_short(out, name, off);
    if (ptr >= 0) {
        wr16(out + off, (uint16_t)(0xC000u | (unsigned)ptr));
    } else {
        out[off] = 0;
    }
    /* Offsets past 0x3FFF cannot be pointed at (14-bit pointer). */
    size_t at = 0;
    for (unsigned i = base; i < base + k && i < DNS_COMP_MAX && w->len + at <= 0x3FFF; i++) {
        w->comp[i] = (uint16_t)(w->len + at);
        w->comp_name[i] = name + at;
        w->comp_count = i + 1;
        at += 1u + name[at];
    }
    w->len += need;
    return 0;
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

/* RDATA with compressible names (RFC 3597 section 4 lists the RFC 1035 types).
 * rdata is well formed, so a name that ends it is as long as what is left. */
static int put_rdata(dns_writer_t *w, uint16_t type, const uint8_t *rd, uint16_t rdlen)
{
    size_t n1;
    if (!dns_type_compresses(type)) {
        return put_bytes(w, rd, rdlen);
    }
    switch (type) {
    case DNS_TYPE_MX:
        if (room(w) < 2) {
            return -1;
        }
        memcpy(w->buf + w->len, rd, 2);
        w->len += 2;
        return put_name(w, rd + 2, rdlen - 2u);
    case DNS_TYPE_MINFO:
        n1 = name_len(rd);
        if (put_name(w, rd, n1) < 0) {
            return -1;
        }
        return put_name(w, rd + n1, rdlen - n1);
    case DNS_TYPE_SOA: {
        /* MNAME, RNAME, then five 32-bit fields. */
        n1 = name_len(rd);
        size_t n2 = rdlen - n1 - 20u;
        if (put_name(w, rd, n1) < 0 || put_name(w, rd + n1, n2) < 0) {
            return -1;
        }
        return put_bytes(w, rd + n1 + n2, 20);
    }
    default:
        return put_name(w, rd, rdlen); /* NS, CNAME, PTR, MB, MG, MR: one name */
    }
}

int dns_writer_put_rr(dns_writer_t *w, dns_section_t sec, const uint8_t *owner, uint16_t type,
                      uint16_t rclass, uint32_t ttl_s, const uint8_t *rdata, uint16_t rdlen)
{
    size_t start = w->len;
    unsigned comp_count = w->comp_count;
    if (owner == NULL) {
        if (room(w) < 2) {
            return -1;
        }
        wr16(w->buf + w->len, 0xC000u | DNS_HEADER_LEN);
        w->len += 2;
    } else if (put_name(w, owner, name_len(owner)) < 0) {
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
    size_t rd_start = w->len;
    if (put_rdata(w, type, rdata, rdlen) < 0) {
        goto fail;
    }
    wr16(rr + 8, (uint16_t)(w->len - rd_start));
    w->counts[sec]++;
    return 0;
fail:
    w->len = start;
    comp_truncate(w, comp_count);
    return -1;
}

/* Is off among the dictionary entries from index from on? */
static bool comp_has(const dns_writer_t *w, unsigned from, size_t off)
{
    for (unsigned i = from; i < w->comp_count; i++) {
        if (w->comp[i] == off) {
            return true;
        }
    }
    return false;
}

int dns_writer_put_rrset(dns_writer_t *w, dns_section_t sec, const uint8_t *owner,
                         uint16_t type, uint32_t ttl_s, const dns_rdata_t *rrs, size_t count)
{
    if (!dns_type_compresses(type) && count > 0 && (owner == NULL || owner[0] != 0)) {
        /* Most RRsets: A, AAAA, TXT and a service's addresses, in the answer
         * or (for MX and NS targets) the additional section. Only the owner
         * is a name, the same in every record: the first record's owner is
         * compressed, and every later one is a pointer to where that one
         * starts (its first label, which was added to the dictionary as the
         * whole name), or the pointer it consists of. That is what
         * compressing each owner would give, so the size of the rest is known
         * up front: one room check, no marks, no name lookups. */
        size_t start = w->len;
        unsigned comp_count = w->comp_count;
        uint16_t ptr = 0xC000u | DNS_HEADER_LEN;
        size_t need = 0;
        if (owner == NULL) {
            need = 2;
        } else {
            if (put_name(w, owner, name_len(owner)) < 0) {
                return -1;
            }
            const uint8_t *o = w->buf + start;
            if ((o[0] & 0xC0) == 0xC0) {
                ptr = (uint16_t)(o[0] << 8 | o[1]);
            } else if (comp_has(w, comp_count, start)) {
                ptr = (uint16_t)(0xC000u | start);
            } else if (count > 1) {
                /* Not in the dictionary (full, or too far in): no shortcut. */
                w->len = start;
                comp_truncate(w, comp_count);
                goto general;
            }
        }
        for (size_t i = 0; i < count; i++) {
            need += 12u + rrs[i].len;
        }
        need -= 2; /* the first owner is counted above */
        if (room(w) < need) {
            w->len = start;
            comp_truncate(w, comp_count);
            return -1;
        }
        uint8_t fixed[8];
        wr16(fixed, type);
        wr16(fixed + 2, DNS_CLASS_IN);
        wr32(fixed + 4, ttl_s);
        uint8_t *p = w->buf + w->len;
        for (size_t i = 0; i < count; i++) {
            if (i > 0 || owner == NULL) {
                wr16(p, ptr);
                p += 2;
            }
            memcpy(p, fixed, sizeof(fixed));
            wr16(p + 8, rrs[i].len);
            /* Constant sizes for A and AAAA: copied inline, not by a library call. */
            if (rrs[i].len == 4) {
                memcpy(p + 10, rrs[i].data, 4);
            } else if (rrs[i].len == 16) {
                memcpy(p + 10, rrs[i].data, 16);
            } else {
                memcpy(p + 10, rrs[i].data, rrs[i].len);
            }
            p += 10u + rrs[i].len;
        }
        w->len += need;
        w->counts[sec] = (uint16_t)(w->counts[sec] + count);
        return 0;
    }
general:;
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

/* Labels of a and b (length octet first) equal but for ASCII case. */
static bool labels_equal(const uint8_t *a, const uint8_t *b)
{
    if (a[0] != b[0]) {
        return false;
    }
    for (size_t i = 1; i <= a[0]; i++) {
        if (dns_lower(a[i]) != dns_lower(b[i])) {
            return false;
        }
    }
    return true;
}

int dns_writer_put_wire(dns_writer_t *w, dns_section_t sec, const dns_wire_rrset_t *t,
                        uint32_t ttl_s)
{
    size_t qlen = w->qname_len;
    /* Nothing but the question: the dictionary holds the QNAME's entries at most. */
    if (w->qdcount != 1 || w->len != DNS_HEADER_LEN + qlen + 4 || qlen < t->anchor_len ||
        w->qname_labels + t->comp_count > DNS_COMP_MAX || w->len + t->len > 0x3FFF) {
        return 1;
    }
    size_t delta = qlen - t->anchor_len;
    if (delta > 0 && t->guard_count > 0) {
        /* The QNAME's label just in front of the anchor. */
        const uint8_t *q = w->qname_lc;
        size_t off = 0;
        while (qlen - off - 1u - q[off] > t->anchor_len) {
            off += 1u + q[off];
        }
        for (unsigned i = 0; i < t->guard_count; i++) {
            if (labels_equal(q + off, t->guard[i])) {
                return 1; /* an RDATA name could point into the QNAME's labels */
            }
        }
    }
    /* With its additional records when they fit too (they are optional data,
     * each written when it fits: all of them fit then), or else alone. */
    size_t n = t->len;
    unsigned ptrs = t->ptr_count, comps = t->comp_count, extra = t->extra_count;
    size_t free_octets = room(w);
    if (free_octets < n) {
        n = t->head_len;
        ptrs = t->head_ptr_count;
        comps = t->head_comp_count;
        extra = 0;
        if (free_octets < n) {
            return -1;
        }
    }
    size_t at = w->len;
    uint8_t *p = w->buf + at;
    copy_short(p, t->wire, n);
    if (delta > 0) {
        for (unsigned i = 0; i < ptrs; i++) {
            uint8_t *ptr = p + t->ptr_off[i];
            wr16(ptr, (uint16_t)((ptr[0] << 8 | ptr[1]) + delta));
        }
    }
    for (unsigned i = 0; i < t->rr_count; i++) {
        wr32(p + t->ttl_off[i], ttl_s);
    }
    w->len += n;
    w->counts[sec] = (uint16_t)(w->counts[sec] + t->rr_count);
    w->counts[DNS_SECTION_ADDITIONAL] = (uint16_t)(w->counts[DNS_SECTION_ADDITIONAL] + extra);
    if (w->has_qname_comp) {
        comp_add_wire(w, t, at, comps);
    } else {
        w->wire_pending = t;
        w->wire_at = at;
        w->wire_comp = comps;
    }
    return extra > 0 ? DNS_WIRE_WRITTEN_EXTRA : DNS_WIRE_WRITTEN;
}

/* The options of the OPT RR, from p on. Kept out of line: most responses
 * have none, and their path then saves and restores no registers. */
static __attribute__((noinline)) void put_opt_options(uint8_t *p, const dns_opt_out_t *opt,
                                                      const dns_query_t *q)
{
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
        p += 6;
    }
    if (opt->cookie != NULL) {
        wr16(p, DNS_OPT_COOKIE);
        wr16(p + 2, opt->cookie_len);
        memcpy(p + 4, opt->cookie, opt->cookie_len);
        p += 4u + opt->cookie_len;
    }
    if (opt->has_ede) {
        wr16(p, DNS_OPT_EDE);
        wr16(p + 2, (uint16_t)(2u + opt->ede_text_len));
        wr16(p + 4, opt->ede_code);
        if (opt->ede_text_len > 0) {
            memcpy(p + 6, opt->ede_text, opt->ede_text_len);
        }
    }
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
    w->len += need;
    w->counts[DNS_SECTION_ADDITIONAL]++;
    if (need > 11) {
        put_opt_options(p + 11, opt, q);
    }
    return 0;
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
