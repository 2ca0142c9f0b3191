/* zone: RFC 1035 master files loaded with ldns into an immutable lookup structure whose
 * RRsets are kept in uncompressed wire format, ready to be copied into responses. */
#ifndef GSLB_ZONE_H
#define GSLB_ZONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gslb/dns.h"
#include "gslb/util.h"

#define ZONE_MAX_CNAME_CHAIN 8 /* CNAMEs followed inside served zones before stopping */

struct zone_node;

/* One RRset: every record of one type at one owner name. */
typedef struct zone_rrset {
    uint16_t type;
    uint16_t count;             /* records, >= 1 */
    uint32_t ttl_s;             /* one TTL per RRset (RFC 2181 5.2) */
    dns_rdata_t *rrs;           /* count records, uncompressed wire RDATA */
    /* For NS, MX, SRV, CNAME and DNAME: per record, the node in the same zone named
     * by the RDATA target (NULL when not in this zone). Used for glue and
     * additional-section processing (RFC 1035 3.3.9, 4.3.2) and CNAME chains. */
    const struct zone_node **targets;
    uint32_t line;              /* zone-file line of its first record, for messages */
    uint16_t wire_id;           /* 1 + index of its precompiled form (zone_rrset_wire), or 0 */
    uint16_t sig_count;         /* signed zones: RRSIG RDATA covering this RRset (RFC 4034 3), */
    const dns_rdata_t *sigs;    /* made at load by the dnssec module; 0 / NULL = unsigned */
} zone_rrset_t;

/* Node flags. */
#define ZONE_NODE_APEX 0x0001u      /* the zone's origin */
#define ZONE_NODE_CUT 0x0002u       /* NS RRset below the apex: a delegation (zone cut) */
#define ZONE_NODE_OCCLUDED 0x0004u  /* strictly below a zone cut: glue or occluded data */
#define ZONE_NODE_WILDCARD 0x0008u  /* this node has a child "*" (RFC 4592) */
#define ZONE_NODE_SERVICE 0x0010u   /* A/AAAA (and CNAME) come from a steered service */

/* One owner name. Nodes exist for every name with data, every empty
 * non-terminal (rrset_count == 0) between them and the apex, and every service. */
typedef struct zone_node {
    const uint8_t *name;        /* lower-case uncompressed wire name */
    uint8_t name_len;
    uint8_t labels;
    uint16_t flags;
    uint16_t rrset_count;
    zone_rrset_t *rrsets;       /* sorted by type */
    const struct zone_node *cut;/* for OCCLUDED nodes: the delegation above them */
    const void *service;        /* ZONE_NODE_SERVICE: opaque pointer owned by the policy layer */
    /* Signed zones: the node's NSEC (RFC 9824 compact denial: next name "\000.owner", the
     * types at the name) with its RRSIG, for NODATA answers; NULL when unsigned or
     * occluded. Made at load by the dnssec module. */
    const zone_rrset_t *nsec;
    struct zone_node *hash_next;
} zone_node_t;

typedef struct zone zone_t;

/* Load a zone from an RFC 1035 master file with ldns. origin is the zone's
 * presentation name ("example.com." or "example.com"); NULL = the file's
 * basename without a final ".zone". Every problem is reported to diag as
 * "file:line: error: ..." with ldns's status text for syntax errors, and
 * loading goes on to find the rest. Checks: exactly one SOA, at the apex;
 * NS at the apex; class IN; all data at or below the origin; CNAME alone at
 * its owner (RFC 2181 10.1); at most one CNAME/DNAME per owner.
 * Duplicate records are merged (RFC 2181 5). Returns 0 and *out, or
 * -GSLB_EZONE / -GSLB_EIO. Load path only. */
int zone_load(zone_t **out, const char *file, const char *origin, gslb_diag_t *diag);

/* Same, from a string (for tests); name is used in messages. */
int zone_load_string(zone_t **out, const char *name, const char *text, const char *origin,
                     gslb_diag_t *diag);

/* Free a zone; NULL does nothing. Only once no worker uses it. */
void zone_free(zone_t *z);

/* Mark name (lower-case wire, inside the zone) as a steered service: the node is
 * created (with empty non-terminals) if the zone file has no data there.
 * Errors (reported to diag at file/line/col, returning -GSLB_EZONE): the name
 * is not inside the zone, is at or below a zone cut, or has a CNAME or
 * A/AAAA records in the zone file. Load path only, before the zone is
 * published. The service pointer is kept, not owned. */
int zone_service_attach(zone_t *z, const uint8_t *name, const void *service, gslb_diag_t *diag,
                        const char *file, unsigned line, unsigned col);

/* Accessors. */
const uint8_t *zone_origin(const zone_t *z);  /* lower-case wire */
uint8_t zone_origin_len(const zone_t *z);
uint8_t zone_origin_labels(const zone_t *z);
const char *zone_file(const zone_t *z);
const char *zone_name(const zone_t *z);        /* presentation, with final dot */
uint32_t zone_serial(const zone_t *z);
const zone_node_t *zone_apex(const zone_t *z);
const zone_rrset_t *zone_soa(const zone_t *z);
/* TTL for negative answers: min(SOA TTL, SOA MINIMUM), RFC 2308 section 5. */
uint32_t zone_negative_ttl(const zone_t *z);
/* The precompiled form of an RRset of z at the apex with names in its RDATA
 * (SOA, NS, MX, ...), anchored at the origin, or NULL when it has none. The
 * SOA's serves negative answers too (RFC 2308 3: owner = the origin). Any
 * thread; lives as long as z. */
const dns_wire_rrset_t *zone_rrset_wire(const zone_t *z, const zone_rrset_t *set);
size_t zone_node_count(const zone_t *z);

/* ---- signing (load path only, before the zone is published) ----
 * The dnssec module signs a loaded zone in place: it walks the nodes, adds the apex's
 * key records and hangs signatures and NSEC records, allocated with the zone, on the
 * RRsets and nodes. */

/* Memory of n octets that lives and dies with z (aborts when out of memory). */
void *zone_alloc(zone_t *z, size_t n);

/* The nodes of z one by one in no particular order: start with *pos = 0 and prev NULL,
 * pass back what it returned; NULL at the end. Writable: load path only. */
zone_node_t *zone_node_next(zone_t *z, size_t *pos, zone_node_t *prev);

/* Add an RRset of type (not yet at the apex; not SOA, NS or CNAME) with count records
 * (copied) to the apex, keeping its RRsets sorted. Returns 0, or -GSLB_EZONE when the
 * apex already has that type. */
int zone_apex_rrset_add(zone_t *z, uint16_t type, uint32_t ttl_s, const dns_rdata_t *rrs,
                        size_t count);

/* The signer of z (an opaque pointer owned by the snapshot: the dnssec module's
 * dnssec_zone_t), NULL for an unsigned zone. Set once before publishing. */
void zone_signer_set(zone_t *z, const void *signer);
const void *zone_signer(const zone_t *z);

/* Exact lookup of a lower-case wire name of len octets; NULL if absent. Never allocates. */
const zone_node_t *zone_node_find(const zone_t *z, const uint8_t *name, size_t len);

/* The RRset of type at a node, or NULL. Inline: every answer looks up one or two. */
static inline const zone_rrset_t *zone_node_rrset(const zone_node_t *n, uint16_t type)
{
    /* Sorted by type: stop at the first larger one. */
    for (uint16_t i = 0; i < n->rrset_count; i++) {
        if (n->rrsets[i].type >= type) {
            return n->rrsets[i].type == type ? &n->rrsets[i] : NULL;
        }
    }
    return NULL;
}

/* The CNAME RRset of a node, or NULL. A loaded zone has no other data at a
 * CNAME's owner but DNSSEC types (RFC 2181 10.1, checked at load), whose
 * numbers are larger, so it is the first RRset if there is one. */
static inline const zone_rrset_t *zone_node_cname(const zone_node_t *n)
{
    return n->rrset_count > 0 && n->rrsets[0].type == DNS_TYPE_CNAME ? &n->rrsets[0] : NULL;
}

/* Does an answer with set call for additional-section processing (RFC 1035
 * 3.3.9, 3.3.11, RFC 2782)? Only NS, MX and SRV do; the targets kept for
 * CNAME and DNAME serve chain following. */
static inline bool zone_rrset_has_additional(const zone_rrset_t *set)
{
    bool is_wanted = set->type == DNS_TYPE_NS || set->type == DNS_TYPE_MX ||
                     set->type == DNS_TYPE_SRV;
    return is_wanted && set->targets != NULL;
}

/* The node of the i-th record's target whose addresses go in the additional
 * section, or NULL: none in the zone, glue below a cut outside a referral
 * (not authoritative data for a normal answer), or a target already named by
 * an earlier record (the same target twice is written once). */
static inline const struct zone_node *zone_rrset_additional_target(const zone_rrset_t *set,
                                                                   uint16_t i, bool is_referral)
{
    const struct zone_node *t = set->targets[i];
    if (t == NULL || ((t->flags & ZONE_NODE_OCCLUDED) != 0 && !is_referral)) {
        return NULL;
    }
    for (uint16_t j = 0; j < i; j++) {
        if (set->targets[j] == t) {
            return NULL;
        }
    }
    return t;
}

/* Result of walking a QNAME down a zone. */
typedef enum zone_match {
    ZONE_MATCH_EXACT = 0,  /* node is the QNAME's node (may be an empty non-terminal) */
    ZONE_MATCH_DELEGATION, /* the QNAME is at or below a zone cut: node = the cut */
    ZONE_MATCH_WILDCARD,   /* no such name, but "*.<closest encloser>" exists: node = it */
    ZONE_MATCH_DNAME,      /* an ancestor has a DNAME (RFC 6672): node = it */
    ZONE_MATCH_NXDOMAIN,   /* no such name: node = the closest encloser */
} zone_match_t;

/* Find qname (lower-case wire, len octets, labels labels, inside the zone) per
 * RFC 1034 4.3.2 and RFC 4592: a zone cut above or at the name wins (except
 * that a query for DS at a cut is answered by the parent's data, so with
 * is_ds an exact cut node is returned as EXACT); otherwise an exact match;
 * otherwise the closest encloser's wildcard child; otherwise NXDOMAIN with
 * the closest encloser. Never allocates; any worker. */
zone_match_t zone_lookup(const zone_t *z, const uint8_t *qname, size_t len, unsigned labels,
                         bool is_ds, const zone_node_t **node);

/* The zones of one snapshot, found by longest suffix. */
typedef struct zone_set zone_set_t;

/* Take ownership of n zones (the array itself is copied). Reports a zone
 * loaded twice to diag. Returns 0 and *out or -GSLB_EZONE. */
int zone_set_new(zone_set_t **out, zone_t **zones, size_t n, gslb_diag_t *diag);
void zone_set_free(zone_set_t *s);
size_t zone_set_count(const zone_set_t *s);
zone_t *zone_set_at(const zone_set_t *s, size_t i);

/* The most specific zone containing qname, or NULL (then the answer is
 * REFUSED). With skip_apex_of set, a zone whose origin equals qname is
 * passed over in favour of its parent (used for DS at a zone cut, RFC 4035
 * 3.1.4.1). Never allocates. */
const zone_t *zone_set_find(const zone_set_t *s, const uint8_t *qname, size_t len,
                            unsigned labels, bool skip_apex_of);

#endif
