/* zone: reading RFC 1035 master files with ldns, record by record, reporting every error. */
#include "zone_int.h"

#include <errno.h>
#include <ldns/ldns.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ZONE_DEFAULT_TTL_S 3600 /* used until a $TTL directive, as BIND and Knot do */

static zone_t *zone_new_empty(const char *file)
{
    zone_t *z = xcalloc(1, sizeof(*z));
    z->file = xstrdup(file);
    z->bucket_count = 64;
    z->buckets = xcalloc(z->bucket_count, sizeof(*z->buckets));
    return z;
}

void zone_free(zone_t *z)
{
    if (z == NULL) {
        return;
    }
    free(z->buckets);
    zone_arena_free(&z->arena);
    zone_arena_free(&z->scratch);
    free(z->file);
    free(z->name);
    free(z);
}

/* Default origin: the file's basename without ".zone" (zones/example.com.zone -> example.com). */
static char *origin_from_file(const char *file)
{
    const char *base = strrchr(file, '/');
    base = base ? base + 1 : file;
    size_t n = strlen(base);
    if (n > 5 && strcmp(base + n - 5, ".zone") == 0) {
        n -= 5;
    }
    return xstrndup(base, n);
}

/* The owner in presentation form for a message, made on first use: formatting
 * it for every record took a tenth of the time to load a large zone. */
static const char *owner_text(const ldns_rdf *owner, char **text)
{
    if (*text == NULL) {
        *text = ldns_rdf2str(owner);
    }
    return *text != NULL ? *text : "?";
}

static void add_rr(zone_t *z, const ldns_rr *rr, unsigned line, ldns_buffer *buf,
                   gslb_diag_t *diag)
{
    const ldns_rdf *owner = ldns_rr_owner(rr);
    uint8_t name[DNS_NAME_MAX];
    size_t len = ldns_rdf_size(owner);
    dns_name_lower(ldns_rdf_data(owner), len, name);
    char *text = NULL;
    uint16_t type = (uint16_t)ldns_rr_get_type(rr);
    if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN) {
        gslb_diag_report(diag, DIAG_ERROR, z->file, line, 0,
                         "'%s': only class IN is served (got class %u)",
                         owner_text(owner, &text), (unsigned)ldns_rr_get_class(rr));
        goto out;
    }
    if (!zone_name_in(z, name, len)) {
        gslb_diag_report(diag, DIAG_ERROR, z->file, line, 0,
                         "'%s': out of zone (not at or below '%s')", owner_text(owner, &text),
                         z->name);
        goto out;
    }
    if (type == DNS_TYPE_SOA && len != z->origin_len) {
        gslb_diag_report(diag, DIAG_ERROR, z->file, line, 0,
                         "'%s': SOA is allowed only at the zone apex '%s'",
                         owner_text(owner, &text), z->name);
        goto out;
    }
    ldns_buffer_clear(buf);
    if (ldns_rr_rdata2buffer_wire(buf, rr) != LDNS_STATUS_OK ||
        ldns_buffer_position(buf) > 65535) {
        gslb_diag_report(diag, DIAG_ERROR, z->file, line, 0, "'%s': RDATA cannot be encoded",
                         owner_text(owner, &text));
        goto out;
    }
    size_t rdlen = ldns_buffer_position(buf);
    zone_node_t *n = zone_node_get(z, name, len);
    zone_rrset_t *set = NULL;
    for (uint16_t i = 0; i < n->rrset_count; i++) {
        if (n->rrsets[i].type == type) {
            set = &n->rrsets[i];
        }
    }
    if (set == NULL) {
        n->rrsets = zone_scratch_grow(z, n->rrsets, n->rrset_count, sizeof(*n->rrsets));
        set = &n->rrsets[n->rrset_count++];
        memset(set, 0, sizeof(*set));
        set->type = type;
        set->ttl_s = ldns_rr_ttl(rr);
        set->line = line;
    } else {
        for (uint16_t i = 0; i < set->count; i++) {
            if (set->rrs[i].len == rdlen &&
                memcmp(set->rrs[i].data, ldns_buffer_begin(buf), rdlen) == 0) {
                goto out; /* RFC 2181 5: an RRset has no duplicate records */
            }
        }
        if (type == DNS_TYPE_SOA) {
            gslb_diag_report(diag, DIAG_ERROR, z->file, line, 0, "'%s': more than one SOA",
                             owner_text(owner, &text));
            goto out;
        }
        if (set->ttl_s != ldns_rr_ttl(rr)) {
            /* RFC 2181 5.2: one TTL per RRset; keep the first, as other servers do. */
            gslb_diag_report(diag, DIAG_WARNING, z->file, line, 0,
                             "'%s': TTL %u differs from the RRset's TTL %u (using %u)",
                             owner_text(owner, &text), ldns_rr_ttl(rr), set->ttl_s, set->ttl_s);
        }
        if (set->count == UINT16_MAX) {
            gslb_diag_report(diag, DIAG_ERROR, z->file, line, 0, "'%s': RRset too large",
                             owner_text(owner, &text));
            goto out;
        }
    }
    set->rrs = zone_scratch_grow(z, set->rrs, set->count, sizeof(*set->rrs));
    uint8_t *copy = zone_arena_alloc(&z->arena, rdlen ? rdlen : 1);
    memcpy(copy, ldns_buffer_begin(buf), rdlen);
    set->rrs[set->count].data = copy;
    set->rrs[set->count].len = (uint16_t)rdlen;
    set->count++;
out:
    free(text);
}

static int set_origin(zone_t *z, const char *origin, gslb_diag_t *diag)
{
    ldns_rdf *rdf = NULL;
    if (ldns_str2rdf_dname(&rdf, origin) != LDNS_STATUS_OK) {
        gslb_diag_report(diag, DIAG_ERROR, z->file, 0, 0, "zone origin '%s' is not a valid name",
                         origin);
        return -GSLB_EZONE;
    }
    if (ldns_rdf_size(rdf) > DNS_NAME_MAX) {
        ldns_rdf_deep_free(rdf);
        return -GSLB_EZONE;
    }
    z->origin_len = (uint8_t)ldns_rdf_size(rdf);
    dns_name_lower(ldns_rdf_data(rdf), z->origin_len, z->origin);
    z->origin_labels = (uint8_t)dns_name_labels(z->origin);
    char *text = ldns_rdf2str(rdf);
    for (char *p = text; *p; p++) {
        *p = (*p >= 'A' && *p <= 'Z') ? (char)(*p + 32) : *p;
    }
    z->name = text;
    ldns_rdf_deep_free(rdf);
    return 0;
}

/* Consume blank and comment-only lines, counting them. ldns reads them as
 * part of the record that follows, so without this the line counter before
 * a call can point at a comment above the record instead of the record. */
static void skip_blank_lines(FILE *fp, int *line)
{
    for (;;) {
        /* Most lines start with an owner name: one character of lookahead, put
         * back, settles them. Only a line starting with blanks needs its start
         * remembered (the blanks mean "same owner as before"); ftell costs a
         * system call, which for a million records was a second of loading. */
        int first = getc(fp);
        if (first == EOF) {
            return;
        }
        if (first != ' ' && first != '\t' && first != '\r' && first != ';' && first != '\n') {
            ungetc(first, fp);
            return;
        }
        ungetc(first, fp);
        long pos = ftell(fp);
        int c;
        do {
            c = getc(fp);
        } while (c == ' ' || c == '\t' || c == '\r');
        if (c == ';') {
            do {
                c = getc(fp);
            } while (c != '\n' && c != EOF);
        }
        if (c == '\n') {
            (*line)++;
            continue;
        }
        if (c != EOF && pos >= 0) {
            fseek(fp, pos, SEEK_SET); /* keep leading blanks: they mean "same owner" */
        }
        return;
    }
}

/* The TTL of the record (or $TTL directive) just read, from its text:
 * text[from..to) is what ldns consumed. */
static bool ttl_ok(zone_t *z, const char *text, long from, long to, int line, gslb_diag_t *diag)
{
    char bad[48];
    if (text == NULL || from < 0 || to <= from ||
        zone_ttl_text_check(text + from, (size_t)(to - from), bad, sizeof(bad))) {
        return true;
    }
    gslb_diag_report(diag, DIAG_ERROR, z->file, (unsigned)line, 0,
                     "TTL %s is above %u, the largest RFC 2181 section 8 allows", bad,
                     ZONE_TTL_MAX);
    return false;
}

static void read_records(zone_t *z, FILE *fp, const char *text, gslb_diag_t *diag)
{
    uint32_t default_ttl = ZONE_DEFAULT_TTL_S;
    ldns_rdf *origin = ldns_dname_new_frm_data(z->origin_len, z->origin);
    ldns_rdf *prev = NULL;
    ldns_buffer *buf = ldns_buffer_new(65535);
    int line = 1;
    for (;;) {
        skip_blank_lines(fp, &line);
        if (feof(fp)) {
            break;
        }
        ldns_rr *rr = NULL;
        int start = line; /* ldns's counter has passed the record when it returns */
        long from = ftell(fp); /* a memory stream: no system call */
        ldns_status s = ldns_rr_new_frm_fp_l(&rr, fp, &default_ttl, &origin, &prev, &line);
        long to = ftell(fp);
        switch (s) {
        case LDNS_STATUS_OK:
            if (ttl_ok(z, text, from, to, start, diag)) {
                add_rr(z, rr, (unsigned)start, buf, diag);
            }
            ldns_rr_free(rr);
            break;
        case LDNS_STATUS_SYNTAX_TTL:
            ttl_ok(z, text, from, to, start, diag);
            break;
        case LDNS_STATUS_SYNTAX_EMPTY:
        case LDNS_STATUS_SYNTAX_ORIGIN:
            break;
        case LDNS_STATUS_SYNTAX_INCLUDE:
            gslb_diag_report(diag, DIAG_ERROR, z->file, (unsigned)start, 0,
                             "$INCLUDE is not supported (list each file under zones:)");
            break;
        default:
            gslb_diag_report(diag, DIAG_ERROR, z->file, (unsigned)start, 0, "%s",
                             ldns_get_errorstr_by_id(s));
            break;
        }
    }
    ldns_buffer_free(buf);
    ldns_rdf_deep_free(origin);
    ldns_rdf_deep_free(prev);
}

static int check_apex(zone_t *z, gslb_diag_t *diag)
{
    zone_node_t *apex = (zone_node_t *)zone_node_find(z, z->origin, z->origin_len);
    const zone_rrset_t *soa = apex ? zone_node_rrset(apex, DNS_TYPE_SOA) : NULL;
    if (soa == NULL) {
        gslb_diag_report(diag, DIAG_ERROR, z->file, 0, 0, "zone '%s': no SOA record at the apex",
                         z->name);
        return -GSLB_EZONE;
    }
    if (zone_node_rrset(apex, DNS_TYPE_NS) == NULL) {
        gslb_diag_report(diag, DIAG_ERROR, z->file, 0, 0, "zone '%s': no NS records at the apex",
                         z->name);
        return -GSLB_EZONE;
    }
    const dns_rdata_t *rd = &soa->rrs[0];
    size_t n1 = dns_name_len(rd->data, rd->len);
    size_t n2 = n1 ? dns_name_len(rd->data + n1, rd->len - n1) : 0;
    if (n1 == 0 || n2 == 0 || n1 + n2 + 20 != rd->len) {
        gslb_diag_report(diag, DIAG_ERROR, z->file, soa->line, 0, "zone '%s': malformed SOA",
                         z->name);
        return -GSLB_EZONE;
    }
    const uint8_t *f = rd->data + n1 + n2;
    z->serial = (uint32_t)f[0] << 24 | (uint32_t)f[1] << 16 | (uint32_t)f[2] << 8 | f[3];
    uint32_t minimum = (uint32_t)f[16] << 24 | (uint32_t)f[17] << 16 | (uint32_t)f[18] << 8 | f[19];
    z->neg_ttl_s = soa->ttl_s < minimum ? soa->ttl_s : minimum; /* RFC 2308 section 5 */
    z->apex = apex;
    z->soa = soa;
    return 0;
}

/* The additional-section RRsets of an answer with the apex RRset set, as
 * put_additional in the answer code picks them (at most 2 per record, the
 * rest is never precompiled). Returns how many. */
static size_t wire_extras(const zone_rrset_t *set, dns_wire_extra_t extra[2 * DNS_WIRE_RRS])
{
    size_t n = 0;
    if (!zone_rrset_has_additional(set) || set->count > DNS_WIRE_RRS) {
        return 0;
    }
    for (uint16_t i = 0; i < set->count; i++) {
        const zone_node_t *t = zone_rrset_additional_target(set, i, false);
        if (t == NULL) {
            continue;
        }
        static const uint16_t types[] = {DNS_TYPE_A, DNS_TYPE_AAAA};
        for (size_t k = 0; k < 2; k++) {
            const zone_rrset_t *addr = zone_node_rrset(t, types[k]);
            if (addr != NULL) {
                extra[n++] = (dns_wire_extra_t){.owner = t->name, .type = addr->type,
                                                .ttl_s = addr->ttl_s, .rrs = addr->rrs,
                                                .count = addr->count};
            }
        }
    }
    return n;
}

/* Precompile the apex RRsets with names in their RDATA (the SOA for every
 * negative answer, NS and MX for the usual questions about the zone itself).
 * An RRset that does not qualify is simply written the general way. */
static void build_wires(zone_t *z)
{
    zone_node_t *apex = z->apex;
    z->wires = zone_arena_alloc(&z->arena, apex->rrset_count * sizeof(*z->wires));
    for (uint16_t i = 0; i < apex->rrset_count; i++) {
        zone_rrset_t *set = &apex->rrsets[i];
        switch (set->type) {
        case DNS_TYPE_NS:
        case DNS_TYPE_SOA:
        case DNS_TYPE_MX:
        case DNS_TYPE_PTR:
        case DNS_TYPE_MINFO:
            break;
        default:
            continue;
        }
        dns_wire_rrset_t *t = &z->wires[z->wire_count];
        dns_wire_extra_t extra[2 * DNS_WIRE_RRS];
        size_t n = wire_extras(set, extra);
        if ((n > 0 && dns_wire_rrset_build_extra(t, z->origin, z->origin_len, set->type,
                                                 set->ttl_s, set->rrs, set->count, extra,
                                                 n) == 0) ||
            dns_wire_rrset_build(t, z->origin, z->origin_len, set->type, set->ttl_s, set->rrs,
                                 set->count) == 0) {
            set->wire_id = ++z->wire_count;
        }
    }
}

const dns_wire_rrset_t *zone_rrset_wire(const zone_t *z, const zone_rrset_t *set)
{
    return set->wire_id != 0 ? &z->wires[set->wire_id - 1] : NULL;
}

static int load_fp(zone_t **out, zone_t *z, FILE *fp, const char *text, const char *origin,
                   gslb_diag_t *diag)
{
    size_t before = gslb_diag_errors(diag);
    char *guess = origin ? NULL : origin_from_file(z->file);
    int rc = set_origin(z, origin ? origin : guess, diag);
    free(guess);
    if (rc == 0) {
        zone_node_get(z, z->origin, z->origin_len);
        read_records(z, fp, text, diag);
        /* Finalize first: it sorts the RRsets that the apex checks look up. */
        rc = zone_finalize(z, diag);
        if (gslb_diag_errors(diag) == before) {
            rc = check_apex(z, diag);
        }
        if (rc == 0 && z->apex != NULL) {
            build_wires(z);
        }
    }
    if (rc == 0 && gslb_diag_errors(diag) > before) {
        rc = -GSLB_EZONE;
    }
    if (rc != 0) {
        zone_free(z);
        *out = NULL;
        return rc;
    }
    *out = z;
    return 0;
}

/* The whole file in memory, NUL-terminated: the loader reads it through a
 * memory stream, whose positions cost nothing, so each record's own text is
 * at hand. */
static char *slurp(const char *file, size_t *len)
{
    FILE *f = fopen(file, "rb");
    if (f == NULL) {
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = xmalloc(cap);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n - 1 == 0) {
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
    }
    int err = ferror(f) ? errno : 0;
    fclose(f);
    if (err != 0) {
        free(buf);
        errno = err;
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

int zone_load(zone_t **out, const char *file, const char *origin, gslb_diag_t *diag)
{
    *out = NULL;
    size_t len = 0;
    char *text = slurp(file, &len);
    if (text != NULL && len == 0) {
        /* fmemopen refuses an empty buffer; a blank line reads the same. */
        free(text);
        text = xstrdup("\n");
        len = 1;
    }
    FILE *fp = text != NULL ? fmemopen(text, len, "r") : NULL;
    if (fp == NULL) {
        gslb_diag_report(diag, DIAG_ERROR, file, 0, 0, "cannot read zone file (%s)",
                         strerror(errno));
        free(text);
        return -GSLB_EIO;
    }
    int rc = load_fp(out, zone_new_empty(file), fp, text, origin, diag);
    fclose(fp);
    free(text);
    return rc;
}

int zone_load_string(zone_t **out, const char *name, const char *text, const char *origin,
                     gslb_diag_t *diag)
{
    *out = NULL;
    FILE *fp = fmemopen((void *)text, strlen(text), "r");
    if (fp == NULL) {
        return -GSLB_EIO;
    }
    int rc = load_fp(out, zone_new_empty(name), fp, text, origin, diag);
    fclose(fp);
    return rc;
}

const uint8_t *zone_origin(const zone_t *z) { return z->origin; }
uint8_t zone_origin_len(const zone_t *z) { return z->origin_len; }
uint8_t zone_origin_labels(const zone_t *z) { return z->origin_labels; }
const char *zone_file(const zone_t *z) { return z->file; }
const char *zone_name(const zone_t *z) { return z->name; }
uint32_t zone_serial(const zone_t *z) { return z->serial; }
const zone_node_t *zone_apex(const zone_t *z) { return z->apex; }
const zone_rrset_t *zone_soa(const zone_t *z) { return z->soa; }
uint32_t zone_negative_ttl(const zone_t *z) { return z->neg_ttl_s; }
size_t zone_node_count(const zone_t *z) { return z->node_count; }
