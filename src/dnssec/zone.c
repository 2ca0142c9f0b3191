/* dnssec: signing a loaded zone at load — key states, the apex's DNSKEY, CDS and CDNSKEY,
 * an RRSIG for every authoritative RRset and an NSEC for every authoritative name. */
#include "dnssec_int.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static _Atomic uint64_t next_id = 1;

/* Is t inside [from, until) with 0 meaning "always" for from and "never" for until? */
static bool is_within(int64_t now, int64_t from, int64_t until)
{
    return (from == 0 || from <= now) && (until == 0 || now < until);
}

/* The earliest of the key's times after now, or 0. */
static int64_t next_event(const conf_dnssec_key_t *k, int64_t now)
{
    int64_t t[] = {k->publish_s, k->activate_s, k->inactive_s, k->delete_s};
    int64_t best = 0;
    for (size_t i = 0; i < 4; i++) {
        if (t[i] > now && (best == 0 || t[i] < best)) {
            best = t[i];
        }
    }
    return best;
}

static bool signs_keys(const dnssec_key_t *k)
{
    return k->is_active && k->role != CONF_KEY_ZSK;
}

static bool signs_zone(const dnssec_key_t *k)
{
    return k->is_active && k->role != CONF_KEY_KSK;
}

/* Types the key RRsets are signed by the KSKs for (RFC 6781 3.1; RFC 7344 4.1: CDS and
 * CDNSKEY are signed by a key the parent's DS names). */
static bool is_key_type(uint16_t t)
{
    return t == DNS_TYPE_DNSKEY || t == DNSSEC_TYPE_CDS || t == DNSSEC_TYPE_CDNSKEY;
}

/* Sign set (owned by owner) with every active key of the right role, into the zone. */
static int sign_set(dnssec_zone_t *dz, zone_t *z, const uint8_t *owner, size_t owner_len,
                    zone_rrset_t *set)
{
    dz->sign_count++;
    dns_rdata_t sigs[DNSSEC_MAX_KEYS];
    size_t n = 0;
    bool is_keys = is_key_type(set->type);
    for (size_t i = 0; i < dz->key_count; i++) {
        const dnssec_key_t *k = &dz->keys[i];
        if (is_keys ? !signs_keys(k) : !signs_zone(k)) {
            continue;
        }
        uint8_t buf[DNSSEC_RRSIG_MAX];
        size_t len = dnssec_sign_with(k, dz->origin, dz->origin_len, dz->inception,
                                      dz->expiration, owner, owner_len, set->type, set->ttl_s,
                                      set->rrs, set->count, buf, sizeof(buf));
        if (len == 0) {
            return -1;
        }
        uint8_t *d = zone_alloc(z, len);
        memcpy(d, buf, len);
        sigs[n].data = d;
        sigs[n].len = (uint16_t)len;
        n++;
    }
    dns_rdata_t *keep = zone_alloc(z, (n ? n : 1) * sizeof(*keep));
    memcpy(keep, sigs, n * sizeof(*keep));
    set->sigs = keep;
    set->sig_count = (uint16_t)n;
    return 0;
}

/* The NSEC of an authoritative node (RFC 9824 3: next name "\000.owner"; the types at the
 * name, RRSIG and NSEC; at a delegation only NS and DS are the parent's, RFC 4035 2.3). */
static int node_nsec(dnssec_zone_t *dz, zone_t *z, zone_node_t *n,
                     dnssec_service_types_fn service_types, void *arg)
{
    uint16_t types[512];
    size_t t = 0;
    bool is_cut = (n->flags & ZONE_NODE_CUT) != 0;
    for (uint16_t i = 0; i < n->rrset_count && t < 500; i++) {
        uint16_t ty = n->rrsets[i].type;
        if (!is_cut || ty == DNS_TYPE_NS || ty == DNS_TYPE_DS) {
            types[t++] = ty;
        }
    }
    if ((n->flags & ZONE_NODE_SERVICE) && service_types != NULL) {
        /* The addresses a service can give; never CNAME: a NODATA proof with the CNAME
         * bit set is bogus to validators, and a client that gets a CNAME gets no NODATA. */
        static const uint16_t svc[] = {DNS_TYPE_A, DNS_TYPE_AAAA};
        for (size_t i = 0; i < 2; i++) {
            if (service_types(n->service, svc[i], arg)) {
                types[t++] = svc[i];
            }
        }
    }
    types[t++] = DNS_TYPE_RRSIG;
    types[t++] = DNS_TYPE_NSEC;
    uint8_t next[DNS_NAME_MAX];
    size_t next_len = dnssec_nsec_next(n->name, n->name_len, next);
    uint8_t rdata[DNS_NAME_MAX + 2 + 256 * 34];
    size_t len = dnssec_nsec_rdata(next, next_len, types, t, rdata, sizeof(rdata));
    if (len == 0) {
        return -1;
    }
    zone_rrset_t *set = zone_alloc(z, sizeof(*set));
    memset(set, 0, sizeof(*set));
    dns_rdata_t *rr = zone_alloc(z, sizeof(*rr));
    uint8_t *d = zone_alloc(z, len);
    memcpy(d, rdata, len);
    rr->data = d;
    rr->len = (uint16_t)len;
    set->type = DNS_TYPE_NSEC;
    set->count = 1;
    set->ttl_s = zone_negative_ttl(z); /* RFC 9077: min(SOA TTL, MINIMUM) */
    set->rrs = rr;
    if (sign_set(dz, z, n->name, n->name_len, set) != 0) {
        return -1;
    }
    n->nsec = set;
    return 0;
}

/* DNSKEY (published keys), CDNSKEY and CDS (RFC 7344 4: the keys the parent's DS should
 * name, the active KSKs and CSKs; CDS with SHA-256, RFC 4509) at the apex. */
static int add_key_records(dnssec_zone_t *dz, zone_t *z)
{
    dns_rdata_t dnskey[DNSSEC_MAX_KEYS], cdnskey[DNSSEC_MAX_KEYS], cds[DNSSEC_MAX_KEYS];
    uint8_t ds_wire[DNSSEC_MAX_KEYS][64];
    size_t nk = 0, nc = 0;
    for (size_t i = 0; i < dz->key_count; i++) {
        dnssec_key_t *k = &dz->keys[i];
        if (!k->is_published) {
            continue;
        }
        dnskey[nk].data = k->rdata;
        dnskey[nk++].len = k->rdata_len;
        if (!signs_keys(k)) {
            continue;
        }
        ldns_rr *ds = ldns_key_rr2ds(k->dnskey, LDNS_SHA256);
        ldns_buffer *b = ldns_buffer_new(64);
        bool is_ok = ds != NULL && ldns_rr_rdata2buffer_wire(b, ds) == LDNS_STATUS_OK &&
                     ldns_buffer_position(b) <= sizeof(ds_wire[0]);
        if (is_ok) {
            memcpy(ds_wire[nc], ldns_buffer_begin(b), ldns_buffer_position(b));
            cds[nc].data = ds_wire[nc];
            cds[nc].len = (uint16_t)ldns_buffer_position(b);
            cdnskey[nc].data = k->rdata;
            cdnskey[nc++].len = k->rdata_len;
        }
        ldns_buffer_free(b);
        ldns_rr_free(ds);
        if (!is_ok) {
            return -1;
        }
    }
    /* DNSKEY with the SOA's TTL; CDS and CDNSKEY with TTL 0, so that a parent polling them
     * never acts on a cached copy from before a rollover step (as Knot does). */
    uint32_t ttl = zone_soa(z)->ttl_s;
    if (zone_apex_rrset_add(z, DNS_TYPE_DNSKEY, ttl, dnskey, nk) != 0) {
        return -1;
    }
    if (nc > 0 && (zone_apex_rrset_add(z, DNSSEC_TYPE_CDS, 0, cds, nc) != 0 ||
                   zone_apex_rrset_add(z, DNSSEC_TYPE_CDNSKEY, 0, cdnskey, nc) != 0)) {
        return -1;
    }
    return 0;
}

/* A zone file with its own DNSSEC records would clash with what signing makes. */
static bool has_dnssec_records(zone_t *z, gslb_diag_t *diag)
{
    bool is_found = false;
    size_t pos = 0;
    for (zone_node_t *n = zone_node_next(z, &pos, NULL); n != NULL;
         n = zone_node_next(z, &pos, n)) {
        for (uint16_t i = 0; i < n->rrset_count; i++) {
            uint16_t t = n->rrsets[i].type;
            if (t == DNS_TYPE_RRSIG || t == DNS_TYPE_NSEC || t == DNS_TYPE_NSEC3 ||
                t == 51 /* NSEC3PARAM */ || is_key_type(t)) {
                gslb_diag_report(diag, DIAG_ERROR, zone_file(z), n->rrsets[i].line, 0,
                                 "zone '%s' is signed by gslbd (dnssec: keys) and must not "
                                 "hold DNSSEC records itself (type %u)",
                                 zone_name(z), (unsigned)t);
                is_found = true;
            }
        }
    }
    return is_found;
}

static int sign_nodes(dnssec_zone_t *dz, zone_t *z, dnssec_service_types_fn service_types,
                      void *arg)
{
    size_t pos = 0;
    for (zone_node_t *n = zone_node_next(z, &pos, NULL); n != NULL;
         n = zone_node_next(z, &pos, n)) {
        if (n->flags & ZONE_NODE_OCCLUDED) {
            continue; /* glue and data below a cut are not authoritative (RFC 4035 2.2) */
        }
        bool is_cut = (n->flags & ZONE_NODE_CUT) != 0;
        for (uint16_t i = 0; i < n->rrset_count; i++) {
            zone_rrset_t *set = &n->rrsets[i];
            if (is_cut && set->type != DNS_TYPE_DS) {
                continue; /* the NS of a delegation is the child's */
            }
            if (sign_set(dz, z, n->name, n->name_len, set) != 0) {
                return -1;
            }
        }
        if (node_nsec(dz, z, n, service_types, arg) != 0) {
            return -1;
        }
    }
    return 0;
}

static size_t active_count(const dnssec_zone_t *dz)
{
    size_t n = 0;
    for (size_t i = 0; i < dz->key_count; i++) {
        n += dz->keys[i].is_active;
    }
    return n;
}

int dnssec_zone_sign(dnssec_zone_t **out, zone_t *z, const conf_dnssec_t *conf, time_t now,
                     dnssec_service_types_fn service_types, void *arg, gslb_diag_t *diag)
{
    *out = NULL;
    dnssec_zone_t *dz = xcalloc(1, sizeof(*dz));
    dz->id = atomic_fetch_add(&next_id, 1);
    memcpy(dz->origin, zone_origin(z), zone_origin_len(z));
    dz->origin_len = zone_origin_len(z);
    size_t before = gslb_diag_errors(diag);
    const conf_pos_t *p = &conf->pos;
    if (conf->key_count > DNSSEC_MAX_KEYS) {
        gslb_diag_report(diag, DIAG_ERROR, p->file, p->line, p->col,
                         "zone '%s': dnssec: at most %d keys (got %zu)", zone_name(z),
                         DNSSEC_MAX_KEYS, conf->key_count);
        goto fail;
    }
    time_t resign = now + (time_t)conf->refresh_s;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (size_t i = 0; i < conf->key_count; i++) {
        const conf_dnssec_key_t *ck = &conf->keys[i];
        dnssec_key_t *k = &dz->keys[dz->key_count];
        if (dnssec_key_load(k, ck, z, diag) != 0) {
            continue;
        }
        dz->key_count++;
        k->is_published = is_within(now, ck->publish_s, ck->delete_s) ||
                          is_within(now, ck->activate_s, ck->inactive_s);
        k->is_active = k->is_published && is_within(now, ck->activate_s, ck->inactive_s);
        k->activate_s = ck->activate_s;
        int64_t ev = next_event(ck, now);
        if (ev != 0 && ev < resign) {
            resign = (time_t)ev;
        }
    }
    if (gslb_diag_errors(diag) > before) {
        goto fail;
    }
    for (size_t i = 0; i < dz->key_count; i++) {
        const dnssec_key_t *k = &dz->keys[i];
        if (signs_zone(k) && (dz->online == NULL || k->activate_s >= dz->online->activate_s)) {
            dz->online = k;
        }
    }
    bool has_ksk = false;
    for (size_t i = 0; i < dz->key_count; i++) {
        has_ksk = has_ksk || signs_keys(&dz->keys[i]);
    }
    if (dz->online == NULL || !has_ksk) {
        gslb_diag_report(diag, DIAG_ERROR, p->file, p->line, p->col,
                         "zone '%s': dnssec: no active %s now (a csk, or a ksk and a zsk, "
                         "must be active)",
                         zone_name(z), dz->online == NULL ? "key signs the zone" : "key signs "
                         "the DNSKEY RRset");
        goto fail;
    }
    if (has_dnssec_records(z, diag)) {
        goto fail;
    }
    /* RFC 4035 5.3.1 uses serial-number arithmetic on these: 32 bits wrap in 2106. */
    dz->inception = (uint32_t)(now - CONF_DEFAULT_SIG_INCEPTION_S);
    dz->expiration = (uint32_t)(now + (time_t)conf->signature_validity_s);
    dz->resign_at = resign;
    if (add_key_records(dz, z) != 0 || sign_nodes(dz, z, service_types, arg) != 0) {
        gslb_diag_report(diag, DIAG_ERROR, p->file, p->line, p->col,
                         "zone '%s': dnssec: signing failed (OpenSSL)", zone_name(z));
        goto fail;
    }
    zone_signer_set(z, dz);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    char until[32], again[32];
    time_t exp = (time_t)now + (time_t)conf->signature_validity_s;
    struct tm tm;
    strftime(until, sizeof(until), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&exp, &tm));
    strftime(again, sizeof(again), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&resign, &tm));
    log_info("dnssec: zone '%s': %zu RRsets signed with %zu of %zu keys in %.1f ms; signatures "
             "valid until %s, signed again at %s", zone_name(z), dz->sign_count,
             active_count(dz), dz->key_count, ms, until, again);
    *out = dz;
    return 0;
fail:
    dnssec_zone_free(dz);
    return -GSLB_ECONF;
}

void dnssec_zone_free(dnssec_zone_t *dz)
{
    if (dz == NULL) {
        return;
    }
    for (size_t i = 0; i < dz->key_count; i++) {
        dnssec_key_clear(&dz->keys[i]);
    }
    dnssec_presig_free(dz);
    free(dz);
}

time_t dnssec_zone_resign_at(const dnssec_zone_t *dz)
{
    return dz->resign_at;
}

uint64_t dnssec_zone_id(const dnssec_zone_t *dz)
{
    return dz->id;
}

size_t dnssec_zone_ds_text(const dnssec_zone_t *dz, char *out, size_t cap)
{
    size_t len = 0;
    if (cap > 0) {
        out[0] = '\0';
    }
    for (size_t i = 0; i < dz->key_count; i++) {
        const dnssec_key_t *k = &dz->keys[i];
        if (!k->is_published || k->role == CONF_KEY_ZSK) {
            continue;
        }
        ldns_rr *ds = ldns_key_rr2ds(k->dnskey, LDNS_SHA256);
        char *text = ds != NULL ? ldns_rr2str(ds) : NULL;
        if (text != NULL) {
            size_t n = strlen(text);
            if (len + n < cap) {
                memcpy(out + len, text, n + 1);
            }
            len += n;
        }
        free(text);
        ldns_rr_free(ds);
    }
    return len;
}
