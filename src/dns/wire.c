/* dns: precompiled RRsets — wire form made once per zone load, copied into responses. */
#include "dns_int.h"

#include <string.h>

/* The names in RDATA that the writer compresses (as put_rdata in write.c);
 * returns how many (0..2) with their offsets and lengths. rd is well formed. */
static unsigned rdata_names(uint16_t type, const uint8_t *rd, uint16_t rdlen, size_t off[2],
                            size_t len[2])
{
    if (!dns_type_compresses(type)) {
        return 0;
    }
    switch (type) {
    case DNS_TYPE_MX:
        off[0] = 2;
        len[0] = rdlen - 2u;
        return 1;
    case DNS_TYPE_MINFO:
    case DNS_TYPE_SOA:
        off[0] = 0;
        len[0] = dns_name_len(rd, rdlen);
        off[1] = len[0];
        len[1] = dns_name_len(rd + len[0], rdlen - len[0]);
        return 2;
    default: /* NS, CNAME, PTR, MB, MG, MR: one name */
        off[0] = 0;
        len[0] = rdlen;
        return 1;
    }
}

/* Walk a name written by the writer at wire[*i]: labels, then the root or a
 * pointer, whose offset is recorded. Returns -1 on too many pointers. */
static int walk_name(dns_wire_rrset_t *t, size_t *i)
{
    const uint8_t *p = t->wire;
    while (p[*i] != 0) {
        if ((p[*i] & 0xC0) == 0xC0) {
            if (t->ptr_count >= DNS_WIRE_PTRS) {
                return -1;
            }
            t->ptr_off[t->ptr_count++] = (uint16_t)*i;
            *i += 2;
            return 0;
        }
        *i += 1u + p[*i];
    }
    *i += 1;
    return 0;
}

/* Equality of n octets ignoring ASCII case. */
static bool equal_nocase(const uint8_t *a, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (dns_lower(a[i]) != dns_lower(b[i])) {
            return false;
        }
    }
    return true;
}

/* If name (n octets) is strictly below the anchor, record its label just in
 * front of the anchor as a guard. Returns -1 on too many guards. */
static int add_guard(dns_wire_rrset_t *t, const uint8_t *name, size_t n, const uint8_t *anchor,
                     size_t anchor_len)
{
    if (n <= anchor_len || !equal_nocase(name + n - anchor_len, anchor, anchor_len)) {
        return 0;
    }
    size_t off = 0;
    while (n - off - 1u - name[off] > anchor_len) {
        off += 1u + name[off];
    }
    if (n - off - 1u - name[off] != anchor_len) {
        return 0; /* "xexample.com" ends in "example.com" but not on a label boundary */
    }
    for (unsigned i = 0; i < t->guard_count; i++) {
        if (t->guard[i][0] == name[off] && equal_nocase(t->guard[i], name + off, 1u + name[off])) {
            return 0; /* the same label guards already */
        }
    }
    if (t->guard_count >= DNS_WIRE_GUARDS) {
        return -1;
    }
    t->guard[t->guard_count++] = name + off;
    return 0;
}

int dns_wire_rrset_build(dns_wire_rrset_t *out, const uint8_t *anchor, size_t anchor_len,
                         uint16_t type, uint32_t ttl_s, const dns_rdata_t *rrs, size_t count)
{
    return dns_wire_rrset_build_extra(out, anchor, anchor_len, type, ttl_s, rrs, count, NULL, 0);
}

/* Types whose RDATA has no names the writer compresses (as put_rdata). */
static bool is_flat_rdata(uint16_t type, const dns_rdata_t *rrs, size_t count)
{
    size_t off[2], len[2];
    return count > 0 && rdata_names(type, rrs[0].data, rrs[0].len, off, len) == 0;
}

int dns_wire_rrset_build_extra(dns_wire_rrset_t *out, const uint8_t *anchor, size_t anchor_len,
                               uint16_t type, uint32_t ttl_s, const dns_rdata_t *rrs,
                               size_t count, const dns_wire_extra_t *extra, size_t n)
{
    if (anchor_len < 1 || anchor_len > DNS_NAME_MAX || count < 1 || count > DNS_WIRE_RRS) {
        return -1;
    }
    memset(out, 0, sizeof(*out));
    /* The model message: a question for the anchor itself. */
    uint8_t pkt[DNS_HEADER_LEN + DNS_NAME_MAX + 4] = {0};
    memcpy(pkt + DNS_HEADER_LEN, anchor, anchor_len);
    size_t qend = DNS_HEADER_LEN + anchor_len + 4;
    dns_query_t q;
    memset(&q, 0, sizeof(q));
    q.has_question = true;
    q.qname = pkt + DNS_HEADER_LEN;
    q.qname_len = (uint8_t)anchor_len;
    q.qname_labels = (uint8_t)dns_name_labels(anchor);
    q.question_end = (uint16_t)qend;
    memcpy(q.qname_lc, anchor, anchor_len);
    dns_writer_t w;
    uint8_t buf[sizeof(pkt) + DNS_WIRE_OCTETS];
    if (dns_writer_begin(&w, buf, sizeof(buf), sizeof(buf), &q, pkt) < 0 ||
        dns_writer_put_rrset(&w, DNS_SECTION_ANSWER, anchor, type, ttl_s, rrs, count) < 0) {
        return -1;
    }
    size_t head_end = w.len;
    unsigned head_comp = w.comp_count;
    for (size_t e = 0; e < n; e++) {
        if (!is_flat_rdata(extra[e].type, extra[e].rrs, extra[e].count) ||
            dns_writer_put_rrset(&w, DNS_SECTION_ADDITIONAL, extra[e].owner, extra[e].type,
                                 extra[e].ttl_s, extra[e].rrs, extra[e].count) < 0) {
            return -1;
        }
    }
    if (w.counts[DNS_SECTION_ADDITIONAL] > UINT8_MAX) {
        return -1;
    }
    if (w.len - qend > DNS_WIRE_OCTETS) {
        return -1;
    }
    if (w.comp_count >= DNS_COMP_MAX || w.comp_count - q.qname_labels > DNS_WIRE_COMP) {
        return -1; /* a full dictionary drops entries: not the same as in a response */
    }
    out->len = (uint16_t)(w.len - qend);
    out->head_len = (uint16_t)(head_end - qend);
    out->anchor_len = (uint8_t)anchor_len;
    out->rr_count = (uint8_t)count;
    out->extra_count = (uint8_t)w.counts[DNS_SECTION_ADDITIONAL];
    out->head_comp_count = (uint8_t)(head_comp - q.qname_labels);
    memcpy(out->wire, buf + qend, out->len);
    for (unsigned i = q.qname_labels; i < w.comp_count; i++) {
        unsigned k = out->comp_count++;
        out->comp_off[k] = (uint16_t)(w.comp[i] - qend);
        out->comp_key[k] = w.comp_key[i];
        out->comp_name[k] = w.comp_name[i];
    }
    /* Every pointer, to the anchor in the question or back into the records. */
    size_t i = 0;
    for (size_t r = 0; r < count; r++) {
        if (walk_name(out, &i) < 0) {
            return -1;
        }
        out->ttl_off[r] = (uint16_t)(i + 4);
        size_t rd_start = i + 10;
        size_t rd_end = rd_start + (size_t)(out->wire[i + 8] << 8 | out->wire[i + 9]);
        size_t off[2], len[2];
        unsigned names = rdata_names(type, rrs[r].data, rrs[r].len, off, len);
        i = rd_start;
        if (names > 0 && off[0] == 2) {
            i += 2; /* MX preference */
        }
        for (unsigned k = 0; k < names; k++) {
            if (walk_name(out, &i) < 0 ||
                add_guard(out, rrs[r].data + off[k], len[k], anchor, anchor_len) < 0) {
                return -1;
            }
        }
        i = rd_end;
    }
    if (i != out->head_len) {
        return -1;
    }
    out->head_ptr_count = out->ptr_count;
    /* The additional records: only their owners are names. */
    for (size_t e = 0; e < n; e++) {
        for (size_t r = 0; r < extra[e].count; r++) {
            if (walk_name(out, &i) < 0) {
                return -1;
            }
            /* Compressed like an RDATA name, so guarded like one. */
            const uint8_t *name = extra[e].owner;
            if (r == 0 && add_guard(out, name, dns_name_len(name, DNS_NAME_MAX), anchor,
                                    anchor_len) < 0) {
                return -1;
            }
            i += 10u + (size_t)(out->wire[i + 8] << 8 | out->wire[i + 9]);
        }
    }
    return i == out->len ? 0 : -1;
}
