/* dnssec: reading one signing key — the private key in BIND's format through ldns, the
 * DNSKEY from the .key file — and checking that the two belong together and to the zone. */
#include "dnssec_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DNSKEY_FLAG_ZONE 0x0100u /* RFC 4034 2.1.1 */
#define DNSKEY_FLAG_SEP 0x0001u

static void key_error(gslb_diag_t *diag, const conf_dnssec_key_t *k, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void key_error(gslb_diag_t *diag, const conf_dnssec_key_t *k, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    gslb_diag_report(diag, DIAG_ERROR, k->pos.file, k->pos.line, k->pos.col, "dnssec key '%s': %s",
                     k->file, msg);
}

/* The first resource record of the .key file (comment lines skipped), or NULL. */
static ldns_rr *read_dnskey(FILE *fp, ldns_status *st)
{
    int line = 1;
    uint32_t ttl = 3600;
    ldns_rdf *origin = NULL, *prev = NULL;
    ldns_rr *rr = NULL;
    while (!feof(fp)) {
        *st = ldns_rr_new_frm_fp_l(&rr, fp, &ttl, &origin, &prev, &line);
        if (*st == LDNS_STATUS_OK) {
            break;
        }
        rr = NULL;
        if (*st != LDNS_STATUS_SYNTAX_EMPTY && *st != LDNS_STATUS_SYNTAX_TTL &&
            *st != LDNS_STATUS_SYNTAX_ORIGIN && *st != LDNS_STATUS_SYNTAX_INCLUDE) {
            break;
        }
    }
    ldns_rdf_deep_free(origin);
    ldns_rdf_deep_free(prev);
    return rr;
}

static FILE *open_part(const conf_dnssec_key_t *k, const char *suffix, char *path, size_t cap)
{
    snprintf(path, cap, "%s%s", k->file, suffix);
    return fopen(path, "r");
}

int dnssec_key_load(dnssec_key_t *out, const conf_dnssec_key_t *k, const zone_t *z,
                    gslb_diag_t *diag)
{
    memset(out, 0, sizeof(*out));
    char path[4200];
    ldns_key *priv = NULL;
    ldns_rr *pub = NULL;
    ldns_rr *derived = NULL;
    ldns_buffer *wire = NULL;
    int rc = -GSLB_ECONF;
    FILE *fp = open_part(k, ".private", path, sizeof(path));
    if (fp == NULL) {
        key_error(diag, k, "cannot read '%s' (%s)", path, strerror(errno));
        goto out;
    }
    ldns_status st = ldns_key_new_frm_fp(&priv, fp);
    fclose(fp);
    if (st != LDNS_STATUS_OK || priv == NULL) {
        key_error(diag, k, "'%s' is not a private key file ldns can read (%s)", path,
                  ldns_get_errorstr_by_id(st));
        priv = NULL;
        goto out;
    }
    int alg = (int)ldns_key_algorithm(priv);
    if (alg != 8 && alg != 13 && alg != 15) {
        char got[16];
        snprintf(got, sizeof(got), "%d", alg);
        key_error(diag, k, "algorithm must be 8 (RSASHA256), 13 (ECDSAP256SHA256) or 15 "
                  "(ED25519) (got %s)", got);
        goto out;
    }
    fp = open_part(k, ".key", path, sizeof(path));
    if (fp == NULL) {
        key_error(diag, k, "cannot read '%s' (%s)", path, strerror(errno));
        goto out;
    }
    pub = read_dnskey(fp, &st);
    fclose(fp);
    if (pub == NULL || ldns_rr_get_type(pub) != LDNS_RR_TYPE_DNSKEY ||
        ldns_rr_rd_count(pub) != 4) {
        key_error(diag, k, "'%s' holds no DNSKEY record (%s)", path,
                  pub == NULL ? ldns_get_errorstr_by_id(st) : "another type");
        goto out;
    }
    /* The key must be the zone's: its owner is the origin (RFC 4034 2). */
    char *owner = ldns_rdf2str(ldns_rr_owner(pub));
    ldns_rdf *origin = ldns_dname_new_frm_data(zone_origin_len(z), zone_origin(z));
    bool is_owner = origin != NULL && ldns_dname_compare(ldns_rr_owner(pub), origin) == 0;
    ldns_rdf_deep_free(origin);
    if (!is_owner) {
        key_error(diag, k, "the key is for '%s', not for this zone '%s'",
                  owner != NULL ? owner : "?", zone_name(z));
        free(owner);
        goto out;
    }
    free(owner);
    uint16_t flags = ldns_rdf2native_int16(ldns_rr_rdf(pub, 0));
    int pub_alg = ldns_rdf2native_int8(ldns_rr_rdf(pub, 2));
    if (pub_alg != alg) {
        key_error(diag, k, "the .key and .private files are of different algorithms");
        goto out;
    }
    if ((flags & DNSKEY_FLAG_ZONE) == 0) {
        key_error(diag, k, "the DNSKEY is not a zone key (flag 256 clear)");
        goto out;
    }
    /* The public key the private key implies must be the one published. */
    ldns_key_set_flags(priv, flags);
    ldns_key_set_pubkey_owner(priv, ldns_rdf_clone(ldns_rr_owner(pub)));
    derived = ldns_key2rr(priv);
    if (derived == NULL || ldns_rr_rd_count(derived) != 4 ||
        ldns_rdf_compare(ldns_rr_rdf(derived, 3), ldns_rr_rdf(pub, 3)) != 0) {
        key_error(diag, k, "the private key does not match the DNSKEY in '%s'", path);
        goto out;
    }
    bool is_sep = (flags & DNSKEY_FLAG_SEP) != 0;
    if (k->role != CONF_KEY_ZSK && !is_sep) {
        gslb_diag_report(diag, DIAG_WARNING, k->pos.file, k->pos.line, k->pos.col,
                         "dnssec key '%s': a %s without the SEP flag (257): parents and "
                         "tools expect it", k->file, k->role == CONF_KEY_KSK ? "ksk" : "csk");
    }
    wire = ldns_buffer_new(1024);
    if (ldns_rr_rdata2buffer_wire(wire, pub) != LDNS_STATUS_OK ||
        ldns_buffer_position(wire) > sizeof(out->rdata)) {
        key_error(diag, k, "the DNSKEY in '%s' is too large", path);
        goto out;
    }
    out->rdata_len = (uint16_t)ldns_buffer_position(wire);
    memcpy(out->rdata, ldns_buffer_begin(wire), out->rdata_len);
    EVP_PKEY *pkey = ldns_key_evp_key(priv);
    if (pkey == NULL || EVP_PKEY_up_ref(pkey) != 1) {
        key_error(diag, k, "the private key in '%s.private' cannot be used with OpenSSL",
                  k->file);
        goto out;
    }
    out->pkey = pkey;
    /* Ed25519 signs the message itself (no digest, RFC 8080 4); the others SHA-256. */
    out->tmpl = EVP_MD_CTX_new();
    if (out->tmpl == NULL ||
        EVP_DigestSignInit(out->tmpl, NULL, alg == 15 ? NULL : EVP_sha256(), NULL, pkey) != 1) {
        key_error(diag, k, "OpenSSL cannot sign with the key in '%s.private'", k->file);
        dnssec_key_clear(out);
        goto out;
    }
    out->tag = ldns_calc_keytag(pub);
    out->alg = (uint8_t)alg;
    out->role = k->role;
    out->dnskey = pub;
    pub = NULL;
    rc = 0;
out:
    ldns_buffer_free(wire);
    ldns_rr_free(derived);
    ldns_rr_free(pub);
    if (priv != NULL) {
        ldns_key_deep_free(priv); /* unlike the other ldns frees, not NULL-safe */
    }
    return rc;
}

void dnssec_key_clear(dnssec_key_t *k)
{
    EVP_MD_CTX_free(k->tmpl);
    EVP_PKEY_free(k->pkey);
    ldns_rr_free(k->dnskey);
    memset(k, 0, sizeof(*k));
}
