/* dnssec: zone signing (RFC 4033-4035) — keys read with ldns, RRSIGs made with OpenSSL at
 * load for static data and online for steered answers and denial (RFC 9824 compact denial),
 * and the per-worker cache of online signatures. */
#ifndef GSLB_DNSSEC_H
#define GSLB_DNSSEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "gslb/conf.h"
#include "gslb/dns.h"
#include "gslb/util.h"
#include "gslb/zone.h"

#define DNSSEC_SIG_MAX 512                                 /* signature octets (RSA-4096) */
#define DNSSEC_RRSIG_FIXED 18                              /* RRSIG RDATA before the signer */
#define DNSSEC_RRSIG_MAX (DNSSEC_RRSIG_FIXED + DNS_NAME_MAX + DNSSEC_SIG_MAX)
#define DNSSEC_MAX_KEYS 8                                  /* keys of one zone */
#define DNSSEC_TYPE_CDS 59                                 /* RFC 7344 3.1 */
#define DNSSEC_TYPE_CDNSKEY 60                             /* RFC 7344 3.2 */
#define DNSSEC_TYPE_NXNAME 128                             /* RFC 9824: no such name */
#define DNSSEC_NSEC_MAX (DNS_NAME_MAX + 2 + 32 * 3)        /* NSEC RDATA we make */

/* A signed zone's keys and signing state: built at load, read-only afterwards, shared by
 * every worker (OpenSSL key objects are safe to sign with from several threads). */
typedef struct dnssec_zone dnssec_zone_t;

/* Sign zone z (loaded, services attached, not yet published) with the keys of conf:
 * reads each key (BIND private-key format through ldns, the DNSKEY from the .key file),
 * checks it (readable, algorithm 8, 13 or 15, owner = the zone's origin, private key
 * matching the public one, role and SEP flag), adds the apex DNSKEY, CDS and CDNSKEY
 * RRsets (RFC 7344: CDS with SHA-256 digests of the active KSKs/CSKs), signs every
 * authoritative RRset (RFC 4035 2.2: not the NS of a delegation, not glue) with the
 * active ZSKs/CSKs (the key RRsets with the active KSKs/CSKs), and gives every
 * authoritative node its NSEC (RFC 9824: next "\000.owner", the node's types plus RRSIG
 * and NSEC, and A/AAAA where a service answers them when service_types says so).
 * Signatures run from now - CONF_DEFAULT_SIG_INCEPTION_S to now + validity.
 * Problems go to diag at the key's configuration position. Returns 0 and *out (owned
 * by the caller, which must keep it as long as z: z points to it, zone_signer), or
 * -GSLB_ECONF. Load path only. */
typedef bool (*dnssec_service_types_fn)(const void *service, uint16_t type, void *arg);
int dnssec_zone_sign(dnssec_zone_t **out, zone_t *z, const conf_dnssec_t *conf, time_t now,
                     dnssec_service_types_fn service_types, void *arg, gslb_diag_t *diag);

/* Sign at load an answer a steered service at owner_ref (its zone node; owner, its
 * lower-case wire name) will give: records as the policy will point to them
 * (policy_service_answers). Found by dnssec_cache_sign_stable on a worker's first use,
 * which then copies instead of signing. Returns 0, or -1 when signing failed. Load path,
 * before dnssec_zone_presign_done. */
int dnssec_zone_presign(dnssec_zone_t *dz, const void *owner_ref, const uint8_t *owner,
                        size_t owner_len, uint16_t type, uint32_t ttl_s, const dns_rdata_t *rrs,
                        size_t count);

/* Index what dnssec_zone_presign signed; returns how many. Load path, once. */
size_t dnssec_zone_presign_done(dnssec_zone_t *dz);

/* Free; NULL does nothing. Only once no worker can use the zone. */
void dnssec_zone_free(dnssec_zone_t *dz);

/* When the zone must be signed again: the earliest of load time + refresh_s and the next
 * key event (publish, activate, inactive, delete) after the load. Any thread. */
time_t dnssec_zone_resign_at(const dnssec_zone_t *dz);

/* A process-unique number of this signing (never reused), keying cached signatures. */
uint64_t dnssec_zone_id(const dnssec_zone_t *dz);

/* The DS records (RFC 4034 5, SHA-256 digest, RFC 4509) of the zone's published KSKs and
 * CSKs in presentation form, one per line, into out (NUL-terminated, cut at cap).
 * Returns the length it needed. Any thread. */
size_t dnssec_zone_ds_text(const dnssec_zone_t *dz, char *out, size_t cap);

/* Sign one RRset online with the zone's newest active ZSK (or CSK): owner is the
 * lower-case wire name of owner_len octets, the RRSIG's label count is its labels (so a
 * name synthesized from a wildcard is signed as itself, RFC 9824 wildcard handling),
 * ttl_s the TTL served and signed; rrs in any order (sorted canonically here, RFC 4034
 * 6.3). Writes the RRSIG RDATA into out (cap >= DNSSEC_RRSIG_MAX is always enough).
 * Returns its length, or 0 when signing failed. Any thread; allocates inside OpenSSL. */
size_t dnssec_sign_online(const dnssec_zone_t *dz, const uint8_t *owner, size_t owner_len,
                          uint16_t type, uint32_t ttl_s, const dns_rdata_t *rrs, size_t count,
                          uint8_t *out, size_t cap);

/* NSEC RDATA (RFC 4034 4.1): next name (wire, next_len octets) then the type bitmap of
 * types[0..n) (any order, duplicates allowed). Returns its length, or 0 when it does not
 * fit cap. Pure. */
size_t dnssec_nsec_rdata(const uint8_t *next, size_t next_len, const uint16_t *types, size_t n,
                         uint8_t *out, size_t cap);

/* The NSEC "next" name of compact denial for owner (RFC 9824 3.1): "\000.owner", or the
 * owner itself when that would pass 255 octets. Writes it to out (DNS_NAME_MAX octets)
 * and returns its length. Pure. */
size_t dnssec_nsec_next(const uint8_t *owner, size_t owner_len, uint8_t *out);

/* ---- the per-worker signature cache ----
 * A fixed number of slots, allocated when the worker starts, in sets of
 * DNSSEC_CACHE_WAYS; a key (two independent 64-bit hashes over the signing's id, the
 * owner, type, TTL and the records' RDATA, taken in an order-independent way, so that a
 * hit needs no sort) selects a set, and a miss replaces the first slot of the set whose
 * reference bit is clear, clearing the others' on the way (CLOCK within the set). A slot
 * holds the RRSIG RDATA. Only its worker touches it: no locks. */
#define DNSSEC_CACHE_WAYS 4
typedef struct dnssec_cache dnssec_cache_t;

/* A cache of slots entries (rounded up to a power of two, at least DNSSEC_CACHE_WAYS).
 * Never fails (allocation aborts). */
dnssec_cache_t *dnssec_cache_new(size_t slots);
void dnssec_cache_free(dnssec_cache_t *c);

/* Octets a cache of slots entries takes. Pure. */
size_t dnssec_cache_bytes(size_t slots);

/* Counters of a cache: lookups answered from it, and signatures made on misses
 * (failures included). Read by the owning worker's stats, or racily for metrics. */
typedef struct dnssec_cache_stats {
    uint64_t hits;
    uint64_t presigned;   /* misses answered by a signature made at load (copied) */
    uint64_t misses;      /* signed now */
    uint64_t failures;
} dnssec_cache_stats_t;
const dnssec_cache_stats_t *dnssec_cache_stats(const dnssec_cache_t *c);

/* The RRSIG RDATA over the RRset (as dnssec_sign_online takes it), from the cache or
 * signed now and kept. Returns it (valid until the next call on c) and sets *len, or
 * NULL when signing failed. The query path: no allocation on a hit; a miss signs
 * (OpenSSL allocates). Only the cache's worker. */
const uint8_t *dnssec_cache_sign(dnssec_cache_t *c, const dnssec_zone_t *dz,
                                 const uint8_t *owner, size_t owner_len, uint16_t type,
                                 uint32_t ttl_s, const dns_rdata_t *rrs, size_t count,
                                 uint16_t *len);

/* The same for an RRset whose records and owner live in the snapshot the zone's signing
 * belongs to (a steered answer: the policy's addresses, the service's node): keyed on
 * owner_ref (a pointer standing for the owner, such as its zone node) and the records'
 * data pointers instead of their octets, which within one signing always denote the same
 * octets. Cheaper on a hit (no octet is hashed); same threads and guarantees. */
const uint8_t *dnssec_cache_sign_stable(dnssec_cache_t *c, const dnssec_zone_t *dz,
                                        const void *owner_ref, const uint8_t *owner,
                                        size_t owner_len, uint16_t type, uint32_t ttl_s,
                                        const dns_rdata_t *rrs, size_t count, uint16_t *len);

#endif
