/* dns: DNS wire format — query parsing (header, question, EDNS(0), ECS) and response writing
 * with name compression. Pure functions: no I/O, no allocation. */
#ifndef GSLB_DNS_H
#define GSLB_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_HEADER_LEN 12
#define DNS_NAME_MAX 255   /* RFC 1035 3.1: octets of a wire name, root label included */
#define DNS_LABEL_MAX 63   /* RFC 1035 3.1 */
#define DNS_UDP_MIN 512    /* RFC 1035 4.2.1: limit without EDNS */
#define DNS_COMP_MAX 128   /* name offsets remembered for compression per message */

/* RR types (IANA "Resource Record (RR) TYPEs"). */
enum dns_type {
    DNS_TYPE_A = 1,
    DNS_TYPE_NS = 2,
    DNS_TYPE_CNAME = 5,
    DNS_TYPE_SOA = 6,
    DNS_TYPE_MB = 7,
    DNS_TYPE_MG = 8,
    DNS_TYPE_MR = 9,
    DNS_TYPE_PTR = 12,
    DNS_TYPE_HINFO = 13,
    DNS_TYPE_MINFO = 14,
    DNS_TYPE_MX = 15,
    DNS_TYPE_TXT = 16,
    DNS_TYPE_AAAA = 28,
    DNS_TYPE_SRV = 33,
    DNS_TYPE_DNAME = 39,
    DNS_TYPE_OPT = 41,
    DNS_TYPE_DS = 43,
    DNS_TYPE_RRSIG = 46,
    DNS_TYPE_NSEC = 47,
    DNS_TYPE_DNSKEY = 48,
    DNS_TYPE_NSEC3 = 50,
    DNS_TYPE_TKEY = 249,
    DNS_TYPE_TSIG = 250,
    DNS_TYPE_IXFR = 251,
    DNS_TYPE_AXFR = 252,
    DNS_TYPE_MAILB = 253,
    DNS_TYPE_MAILA = 254,
    DNS_TYPE_ANY = 255,
    DNS_TYPE_CAA = 257,
};

enum dns_class {
    DNS_CLASS_IN = 1,
    DNS_CLASS_CH = 3,
    DNS_CLASS_HS = 4,
    DNS_CLASS_NONE = 254,
    DNS_CLASS_ANY = 255,
};

enum dns_rcode {
    DNS_RCODE_NOERROR = 0,
    DNS_RCODE_FORMERR = 1,
    DNS_RCODE_SERVFAIL = 2,
    DNS_RCODE_NXDOMAIN = 3,
    DNS_RCODE_NOTIMP = 4,
    DNS_RCODE_REFUSED = 5,
    DNS_RCODE_BADVERS = 16, /* extended: needs OPT (RFC 6891 6.1.3) */
    DNS_RCODE_BADCOOKIE = 23, /* extended: RFC 7873 8 */
};

/* EDNS(0) option codes. */
enum dns_opt_code {
    DNS_OPT_NSID = 3,          /* RFC 5001 */
    DNS_OPT_ECS = 8,           /* RFC 7871 */
    DNS_OPT_COOKIE = 10,       /* RFC 7873 */
    DNS_OPT_TCP_KEEPALIVE = 11,/* RFC 7828 */
    DNS_OPT_EDE = 15,          /* RFC 8914 Extended DNS Errors */
    DNS_OPT_PADDING = 12,      /* RFC 7830 */
};

/* Header flag bits in the second 16-bit word. */
#define DNS_FLAG_QR 0x8000u
#define DNS_FLAG_AA 0x0400u
#define DNS_FLAG_TC 0x0200u
#define DNS_FLAG_RD 0x0100u
#define DNS_FLAG_RA 0x0080u
#define DNS_FLAG_AD 0x0020u
#define DNS_FLAG_CD 0x0010u

/* ECS address families (IANA address family numbers, RFC 7871 section 6). */
#define DNS_ECS_FAMILY_IPV4 1
#define DNS_ECS_FAMILY_IPV6 2

/* A parsed query. Pointers point into the caller's packet buffer, which
 * must outlive the struct. */
typedef struct dns_query {
    uint16_t id;
    uint16_t flags;           /* raw second header word */
    uint8_t opcode;
    uint16_t qdcount;
    /* Question (valid when has_question). */
    bool has_question;
    const uint8_t *qname;     /* the QNAME as the client wrote it (case kept), at offset 12 */
    uint8_t qname_len;        /* wire octets including the root label, 1..255 */
    uint8_t qname_labels;     /* labels, root not counted */
    uint16_t qtype, qclass;
    uint16_t question_end;    /* offset just past QCLASS */
    /* EDNS(0), RFC 6891. */
    bool has_edns;
    uint8_t edns_version;
    bool is_do;               /* DNSSEC OK bit */
    uint16_t edns_udp_size;   /* requestor's payload size as sent */
    bool has_nsid;            /* NSID requested (RFC 5001) */
    bool has_tcp_keepalive;   /* edns-tcp-keepalive present (RFC 7828) */
    /* DNS COOKIE, RFC 7873 4: client cookie (8 octets), then the server cookie if any. */
    bool has_cookie;
    uint8_t cookie_len;       /* 8, or 16..40 (checked: other lengths are FORMERR) */
    const uint8_t *cookie;    /* into the packet */
    /* EDNS Client Subnet, RFC 7871 section 6. */
    bool has_ecs;
    uint16_t ecs_family;      /* DNS_ECS_FAMILY_IPV4 or _IPV6 */
    uint8_t ecs_source_bits;  /* SOURCE PREFIX-LENGTH */
    uint8_t ecs_addr[16];     /* ADDRESS, zero-padded to 4 or 16 octets */
    /* Last, so that parsing clears everything before it in one memset. */
    uint8_t qname_lc[DNS_NAME_MAX]; /* lower-cased copy of the QNAME */
} dns_query_t;

/* Outcome of parsing; the hot path never fails in the C sense. */
typedef enum dns_parse_result {
    DNS_PARSE_OK = 0,
    DNS_PARSE_DROP,     /* not answerable: too short for a header, or QR=1 (a response) */
    DNS_PARSE_FORMERR,  /* malformed: answer FORMERR (question echoed when has_question) */
    DNS_PARSE_FORMERR_OPT, /* the OPT record is at fault: FORMERR with an OPT (RFC 6891 7) */
    DNS_PARSE_NOTIMP,   /* opcode other than QUERY (RFC 1035 4.1.1) */
    DNS_PARSE_BADVERS,  /* EDNS version > 0 (RFC 6891 6.1.3) */
    DNS_PARSE_COOKIE_ONLY, /* QDCOUNT 0 and a good OPT with a COOKIE option: a client asking
                            * for a server cookie (RFC 7873 5.4) */
} dns_parse_result_t;

/* Parse a query message of len octets. Checks: header present and QR=0;
 * opcode QUERY; QDCOUNT == 1; QNAME uncompressed with labels <= 63 and name
 * <= 255 octets; every other RR well formed (names, lengths); at most one OPT,
 * only in the additional section, owner root; a well-formed ECS option
 * (family 1 or 2, source prefix within the family, address octets ==
 * ceil(source/8), bits past the prefix zero, scope 0) — RFC 7871 7.1.2
 * says a malformed option gets FORMERR; a COOKIE option of 8 or 16..40 octets and
 * at most one (RFC 7873 5.2.2); no octets after the last RR.
 * A fault in a record of TYPE OPT (cut short, RDATA past the message, a
 * second one, outside the additional section, owner not the root, a
 * malformed option) gives DNS_PARSE_FORMERR_OPT, any other DNS_PARSE_FORMERR.
 * With QDCOUNT 0 (and opcode QUERY) the records are still read: a good OPT of
 * version 0 with a COOKIE option gives DNS_PARSE_COOKIE_ONLY; another OPT
 * among them, or a fault in one, gives DNS_PARSE_FORMERR_OPT
 * (DNS_PARSE_BADVERS for a good OPT of version > 0), anything else
 * DNS_PARSE_FORMERR.
 * Fills q as far as it got; is_do is the first OPT's whenever its fixed part
 * was read. Never allocates; any thread. */
dns_parse_result_t dns_query_parse(const uint8_t *pkt, size_t len, dns_query_t *q);

/* Lower-case an uncompressed wire name into out (same length). */
void dns_name_lower(const uint8_t *name, size_t len, uint8_t *out);

/* Length of an uncompressed wire name at p (max octets available), or 0 if
 * malformed (label > 63, longer than 255, runs past max, or a pointer). */
size_t dns_name_len(const uint8_t *p, size_t max);

/* dns_name_len and dns_name_labels in one walk: the length as dns_name_len
 * returns it, and the labels (root not counted) in *labels when valid. */
size_t dns_name_scan(const uint8_t *p, size_t max, unsigned *labels);

/* Number of labels of a valid uncompressed wire name (root not counted). */
unsigned dns_name_labels(const uint8_t *name);

/* Case-insensitive equality of two uncompressed wire names. */
bool dns_name_equal(const uint8_t *a, const uint8_t *b);

/* One record's RDATA in uncompressed wire form. */
typedef struct dns_rdata {
    const uint8_t *data;
    uint16_t len;
} dns_rdata_t;

/* Message sections a writer appends to. */
typedef enum dns_section {
    DNS_SECTION_ANSWER = 0,
    DNS_SECTION_AUTHORITY = 1,
    DNS_SECTION_ADDITIONAL = 2,
} dns_section_t;

/* Response writer over a caller-owned buffer.
 * Compression (RFC 1035 4.1.4) keeps a dictionary of the names in the message:
 * for every label written uncompressed (and every label of the echoed QNAME)
 * its offset, the suffix of the name it starts, as passed to the writer, and a
 * cheap key of that suffix (length and first octets) that rules out most
 * comparisons. A name is written as its longest suffix already in the message,
 * found by the same longest-suffix-first, first-registered-wins search as a
 * walk over the message would do, but comparing flat names instead of
 * following pointers in the buffer. Hence the names given to the writer must
 * stay valid until the message is finished. */
struct dns_wire_rrset;

typedef struct dns_writer {
    uint8_t *buf;
    size_t cap;        /* buffer size */
    size_t limit;      /* message may not grow past this (client payload limit) */
    size_t reserved;   /* octets kept free at the end (for OPT) */
    size_t len;
    uint16_t qdcount;  /* 1 when the question was echoed */
    uint16_t counts[3];/* ANCOUNT, NSCOUNT, ARCOUNT */
    uint16_t flags;
    bool has_qname_comp;     /* the QNAME's labels are in the dictionary (done on first use) */
    unsigned comp_count;     /* dictionary entries; the QNAME's come first */
    uint16_t comp[DNS_COMP_MAX];              /* offset in buf of each entry */
    uint32_t comp_key[DNS_COMP_MAX];          /* key of its name (see write.c) */
    const uint8_t *comp_name[DNS_COMP_MAX];   /* its name, uncompressed, any letter case */
    const uint8_t *qname_lc; /* the query's lower-cased QNAME, for compression (may be NULL) */
    size_t qname_len;        /* its octets: buf[12 .. 12 + qname_len) is the echoed QNAME */
    unsigned qname_labels;   /* its labels, root not counted */
    /* A precompiled RRset written while the dictionary was still empty: its
     * entries join the dictionary after the QNAME's, when those are made. */
    const struct dns_wire_rrset *wire_pending;
    size_t wire_at;          /* where that RRset starts in buf */
    unsigned wire_comp;      /* how many of its entries were written */
} dns_writer_t;

/* A writer position to roll back to (RFC 2181 9: an RRset is sent whole or not at all). */
typedef struct dns_writer_mark {
    size_t len;
    uint16_t counts[3];
    unsigned comp_count;
} dns_writer_mark_t;

/* Start a response to q (parsed from pkt) in buf: header with the query's ID,
 * QR=1, opcode, RD and CD copied; the question echoed byte-for-byte when
 * q->has_question (so the client's letter case is kept). limit is the
 * largest message allowed (<= cap; 512 for UDP without EDNS). q must outlive
 * the writer (names are compared with its lower-cased QNAME). Returns 0, or
 * -1 if even the header and question do not fit. */
int dns_writer_begin(dns_writer_t *w, uint8_t *buf, size_t cap, size_t limit,
                     const dns_query_t *q, const uint8_t *pkt);

/* Keep n more octets free at the end (for the OPT RR written last). Inline:
 * every EDNS query reserves. */
static inline void dns_writer_reserve(dns_writer_t *w, size_t n)
{
    w->reserved += n;
}

dns_writer_mark_t dns_writer_mark(const dns_writer_t *w);
void dns_writer_rollback(dns_writer_t *w, dns_writer_mark_t m);

/* Append one RR. owner is an uncompressed wire name, or NULL for the QNAME
 * (written as a pointer to offset 12, which keeps the client's letter case).
 * owner and the names in rdata must stay valid until the message is finished
 * (they are compared with later names).
 * Names inside RDATA are compressed only for the RFC 1035 types whose RDATA
 * names may be compressed (RFC 3597 section 4: NS, CNAME, SOA, PTR, MX, MB,
 * MG, MR, MINFO). rdata must be well formed for its type. Returns 0, or -1
 * when it does not fit (the writer is unchanged). */
int dns_writer_put_rr(dns_writer_t *w, dns_section_t sec, const uint8_t *owner, uint16_t type,
                      uint16_t rclass, uint32_t ttl_s, const uint8_t *rdata, uint16_t rdlen);

/* Append a whole RRset of count records; all or nothing. Returns 0 or -1. */
int dns_writer_put_rrset(dns_writer_t *w, dns_section_t sec, const uint8_t *owner,
                         uint16_t type, uint32_t ttl_s, const dns_rdata_t *rrs, size_t count);

#define DNS_WIRE_OCTETS 512 /* largest precompiled RRset */
#define DNS_WIRE_RRS 8       /* most records in one */
#define DNS_WIRE_PTRS 16     /* most compression pointers in one */
#define DNS_WIRE_COMP 16     /* most dictionary entries it adds */
#define DNS_WIRE_GUARDS 4    /* most names in its RDATA strictly below the anchor */

/* An RRset in wire form, made once when a zone is loaded, that
 * dns_writer_put_wire copies into a response instead of compressing its
 * names again. It is what dns_writer_put_rrset writes, owner = anchor, right
 * after a question whose QNAME is the anchor. For a QNAME that is the anchor
 * with labels in front, the pointers move by the number of octets in front
 * (the anchor and the record both start that much later) and the compression
 * is the same as long as no RDATA name can be compressed into those labels:
 * the QNAME's label just in front of the anchor differs from the label just
 * in front of the anchor of every RDATA name below it (the guards). The
 * struct holds pointers to the RDATA it was made from, which must outlive it. */
typedef struct dns_wire_rrset {
    uint16_t len;                              /* octets of wire, extra records included */
    uint16_t head_len;                         /* octets of the RRset alone */
    uint8_t anchor_len;                        /* octets of the anchor name */
    uint8_t rr_count;                          /* records of the RRset */
    uint8_t extra_count;                       /* additional-section records after it */
    uint8_t ptr_count;
    uint8_t head_ptr_count;                    /* pointers inside the RRset alone */
    uint8_t comp_count;
    uint8_t head_comp_count;                   /* dictionary entries of the RRset alone */
    uint8_t guard_count;
    uint16_t ttl_off[DNS_WIRE_RRS];            /* offset of each record's TTL */
    uint16_t ptr_off[DNS_WIRE_PTRS];           /* offset of each compression pointer */
    uint16_t comp_off[DNS_WIRE_COMP];          /* the dictionary entries it adds: offset, */
    uint32_t comp_key[DNS_WIRE_COMP];          /* key and name, as dns_writer_t's */
    const uint8_t *comp_name[DNS_WIRE_COMP];
    const uint8_t *guard[DNS_WIRE_GUARDS];     /* labels, length octet first, any case */
    uint8_t wire[DNS_WIRE_OCTETS];             /* as written after the anchor's question */
} dns_wire_rrset_t;

/* Make the wire form of the RRset (type, ttl_s, count records rrs) owned by
 * anchor, a lower-case wire name of anchor_len octets. rrs must outlive out.
 * Load path only (any thread). Returns 0, or -1 when the RRset does not
 * qualify (too big, too many names or pointers); out is then unusable. */
int dns_wire_rrset_build(dns_wire_rrset_t *out, const uint8_t *anchor, size_t anchor_len,
                         uint16_t type, uint32_t ttl_s, const dns_rdata_t *rrs, size_t count);

/* An RRset for the additional section of a precompiled one: count records
 * of type (one without names in its RDATA, such as A or AAAA) owned by the
 * uncompressed wire name owner. */
typedef struct dns_wire_extra {
    const uint8_t *owner;
    uint16_t type;
    uint32_t ttl_s;
    const dns_rdata_t *rrs;
    size_t count;
} dns_wire_extra_t;

/* dns_wire_rrset_build, followed by the additional-section RRsets that come
 * after the RRset in an answer (addresses of MX or NS targets, RFC 1035
 * 3.3.9), in order, as dns_writer_put_rrset writes them; extra and what it
 * points to must outlive out. Load path only. Returns 0, or -1 when the
 * whole does not qualify (the RRset alone may still). */
int dns_wire_rrset_build_extra(dns_wire_rrset_t *out, const uint8_t *anchor, size_t anchor_len,
                               uint16_t type, uint32_t ttl_s, const dns_rdata_t *rrs,
                               size_t count, const dns_wire_extra_t *extra, size_t n);

/* Append the precompiled RRset t in section sec, every record with TTL ttl_s,
 * exactly as dns_writer_put_rrset would have written it (owner = the anchor).
 * Applies only while the message holds nothing but the question, and the
 * anchor must then be the QNAME or a suffix of it on a label boundary.
 * Its additional-section records (dns_wire_rrset_build_extra) come along
 * when they fit too. Returns DNS_WIRE_WRITTEN_EXTRA when written with them,
 * DNS_WIRE_WRITTEN when the RRset alone was written (the caller adds its
 * additional records, if any, the usual way), -1 when it does not fit
 * (nothing written: the caller sets TC as for dns_writer_put_rrset), 1 when
 * it does not apply (the caller writes the RRset with dns_writer_put_rrset).
 * Query path; no allocation. */
#define DNS_WIRE_WRITTEN 0
#define DNS_WIRE_WRITTEN_EXTRA 2
int dns_writer_put_wire(dns_writer_t *w, dns_section_t sec, const dns_wire_rrset_t *t,
                        uint32_t ttl_s);

/* The OPT RR we send back (RFC 6891 6.1.2). */
typedef struct dns_opt_out {
    uint16_t udp_size;        /* our payload size */
    uint8_t ext_rcode;        /* upper 8 bits of a 12-bit rcode (BADVERS = 1) */
    bool is_do;
    const uint8_t *nsid;      /* NSID payload or NULL */
    uint16_t nsid_len;
    bool has_ecs;             /* echo ECS with family/source/address from q and this scope */
    uint8_t ecs_scope_bits;
    bool has_tcp_keepalive;   /* RFC 7828: send our idle timeout */
    uint16_t tcp_keepalive_100ms;
    bool has_ede;             /* RFC 8914: an Extended DNS Error, INFO-CODE ede_code, */
    uint16_t ede_code;
    const char *ede_text;     /* with this EXTRA-TEXT (UTF-8, not NUL-terminated), or NULL */
    uint8_t ede_text_len;
    const uint8_t *cookie;    /* RFC 7873 4: COOKIE option data (client + server cookie), */
    uint8_t cookie_len;       /* or NULL / 0 for none */
} dns_opt_out_t;

/* RFC 8914 section 4 INFO-CODEs gslbd sends. */
enum {
    DNS_EDE_OTHER = 0,              /* with EXTRA-TEXT: rate limited, BADCOOKIE */
    DNS_EDE_PROHIBITED = 18,        /* zone transfers are not offered */
    DNS_EDE_NOT_AUTHORITATIVE = 20, /* the name is in none of our zones */
};

/* Size the OPT RR for opt will take (for dns_writer_reserve). Inline: every
 * EDNS query needs it. */
static inline size_t dns_opt_size(const dns_opt_out_t *opt, const dns_query_t *q)
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
    if (opt->has_ede) {
        n += 6u + opt->ede_text_len;
    }
    if (opt->cookie != NULL) {
        n += 4u + opt->cookie_len;
    }
    return n;
}

/* Write the OPT RR in the additional section, using space reserved for it
 * (the reservation is released first). Returns 0 or -1. */
int dns_writer_put_opt(dns_writer_t *w, const dns_opt_out_t *opt, const dns_query_t *q);

/* Set header flags (DNS_FLAG_AA, DNS_FLAG_TC, ...) in addition to those begin set. */
static inline void dns_writer_set_flags(dns_writer_t *w, uint16_t flags)
{
    w->flags |= flags;
}

/* Write the counts and the rcode's low 4 bits into the header; returns the
 * message length. */
size_t dns_writer_finish(dns_writer_t *w, uint8_t rcode);

/* Header-only error response (no question) for a packet whose question could
 * not be parsed: ID and opcode copied when at least 4 octets exist. Returns
 * the length (12) or 0 if the packet is too short to answer. */
size_t dns_write_header_error(uint8_t *buf, size_t cap, const uint8_t *pkt, size_t len,
                              uint8_t rcode);

#endif
