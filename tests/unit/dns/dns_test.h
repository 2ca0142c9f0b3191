/* Helpers shared by the dns parse tests: a query packet built octet by octet. */
#ifndef GSLB_TEST_DNS_H
#define GSLB_TEST_DNS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "gslb/dns.h"

/* A wire name from a string literal: the literal's NUL is the root label. */
#define WIRE(s) ((const uint8_t *)(s)), (sizeof(s))

/* A query being built octet by octet. */
typedef struct pkt {
    uint8_t b[1024];
    size_t len;
    size_t opt_rdlen_at; /* offset of the OPT RDLENGTH field while options are added */
} pkt_t;

static inline void put8(pkt_t *p, uint8_t v)
{
    assert_true(p->len < sizeof(p->b));
    p->b[p->len++] = v;
}

static inline void put16(pkt_t *p, uint16_t v)
{
    put8(p, (uint8_t)(v >> 8));
    put8(p, (uint8_t)v);
}

static inline void put32(pkt_t *p, uint32_t v)
{
    put16(p, (uint16_t)(v >> 16));
    put16(p, (uint16_t)v);
}

static inline void put_data(pkt_t *p, const uint8_t *d, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        put8(p, d[i]);
    }
}

static inline void header(pkt_t *p, uint16_t id, uint16_t flags, uint16_t qd, uint16_t an,
                          uint16_t ns, uint16_t ar)
{
    memset(p, 0, sizeof(*p));
    put16(p, id);
    put16(p, flags);
    put16(p, qd);
    put16(p, an);
    put16(p, ns);
    put16(p, ar);
}

static inline void question(pkt_t *p, const uint8_t *name, size_t len, uint16_t qtype)
{
    put_data(p, name, len);
    put16(p, qtype);
    put16(p, DNS_CLASS_IN);
}

/* A standard query for www.example.com/A with the given header counts. */
static inline void simple_query(pkt_t *p, uint16_t an, uint16_t ns, uint16_t ar)
{
    header(p, 0x1234, DNS_FLAG_RD, 1, an, ns, ar);
    question(p, WIRE("\003www\007example\003com"), DNS_TYPE_A);
}

/* OPT RR header; options follow until opt_end() fills in RDLENGTH. */
static inline void opt_begin(pkt_t *p, uint16_t udp_size, uint8_t version, uint16_t flags)
{
    put8(p, 0);
    put16(p, DNS_TYPE_OPT);
    put16(p, udp_size);
    put8(p, 0); /* extended RCODE */
    put8(p, version);
    put16(p, flags);
    p->opt_rdlen_at = p->len;
    put16(p, 0);
}

static inline void opt_option(pkt_t *p, uint16_t code, const uint8_t *data, uint16_t len)
{
    put16(p, code);
    put16(p, len);
    put_data(p, data, len);
}

static inline void opt_end(pkt_t *p)
{
    size_t rdlen = p->len - p->opt_rdlen_at - 2;
    p->b[p->opt_rdlen_at] = (uint8_t)(rdlen >> 8);
    p->b[p->opt_rdlen_at + 1] = (uint8_t)rdlen;
}

/* A query with one OPT carrying one ECS option of the given fields. */
static inline void ecs_query(pkt_t *p, uint16_t family, uint8_t source, uint8_t scope,
                             const uint8_t *addr, uint16_t addr_len)
{
    uint8_t opt[4 + 16];
    assert_true(addr_len <= 16);
    opt[0] = (uint8_t)(family >> 8);
    opt[1] = (uint8_t)family;
    opt[2] = source;
    opt[3] = scope;
    if (addr_len > 0) {
        memcpy(opt + 4, addr, addr_len);
    }
    simple_query(p, 0, 0, 1);
    opt_begin(p, 1232, 0, 0);
    opt_option(p, DNS_OPT_ECS, opt, (uint16_t)(4 + addr_len));
    opt_end(p);
}

/* Parse with the result struct full of junk first, so that fields the
 * parser must clear are seen to be cleared. */
static inline dns_parse_result_t parse(const pkt_t *p, dns_query_t *q)
{
    memset(q, 0xA5, sizeof(*q));
    return dns_query_parse(p->b, p->len, q);
}

#endif
