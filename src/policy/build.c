/* policy: building data centers, maps and services from the validated config. */
#include "policy_int.h"

#include <ldns/ldns.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Presentation name -> lower-case wire. Returns the length or 0. */
static size_t name_to_wire(const char *text, uint8_t *out)
{
    ldns_rdf *rdf = NULL;
    if (ldns_str2rdf_dname(&rdf, text) != LDNS_STATUS_OK) {
        return 0;
    }
    size_t len = ldns_rdf_size(rdf);
    if (len > DNS_NAME_MAX) {
        len = 0;
    } else {
        dns_name_lower(ldns_rdf_data(rdf), len, out);
    }
    ldns_rdf_deep_free(rdf);
    return len;
}

#define REPORT(diag, pos, ...) \
    gslb_diag_report(diag, DIAG_ERROR, (pos).file, (pos).line, (pos).col, __VA_ARGS__)

static int build_dc(policy_dc_t *dc, const conf_datacenter_t *c, gslb_diag_t *diag)
{
    dc->name = c->name;
    dc->hrw_key = steer_name_key(c->name, strlen(c->name));
    dc->load_slot = STEER_SLOT_NONE;
    dc->target = c->load.feed != STEER_FEED_NONE ? c->load.target : 1.0;
    dc->weight = c->weight;
    atomic_init(&dc->weight_eff, c->weight);
    atomic_init(&dc->admin, HEALTH_ADMIN_NONE);
    dc->conf = c;
    dc->min_up_fraction = c->min_up_fraction;
    dc->v4 = xcalloc(c->address_count ? c->address_count : 1, sizeof(*dc->v4));
    dc->v6 = xcalloc(c->address_count ? c->address_count : 1, sizeof(*dc->v6));
    for (size_t i = 0; i < c->address_count; i++) {
        const conf_address_t *a = &c->addresses[i];
        policy_addr_t *slot = a->addr.family == AF_INET ? &dc->v4[dc->v4_count++]
                                                        : &dc->v6[dc->v6_count++];
        memcpy(slot->data, a->addr.addr, a->addr.family == AF_INET ? 4 : 16);
        slot->weight = a->weight ? a->weight : 1;
        slot->hrw_key = steer_name_key(slot->data, a->addr.family == AF_INET ? 4 : 16);
        slot->slot = HEALTH_SLOT_NONE;
        atomic_init(&slot->admin, HEALTH_ADMIN_NONE);
    }
    dc->is_v4_uniform = true;
    dc->is_v6_uniform = true;
    for (size_t i = 1; i < dc->v4_count; i++) {
        dc->is_v4_uniform = dc->is_v4_uniform && dc->v4[i].weight == dc->v4[0].weight;
    }
    for (size_t i = 1; i < dc->v6_count; i++) {
        dc->is_v6_uniform = dc->is_v6_uniform && dc->v6[i].weight == dc->v6[0].weight;
    }
    if (dc->v4_count > POLICY_MAX_DC_ADDRS || dc->v6_count > POLICY_MAX_DC_ADDRS) {
        REPORT(diag, c->pos, "datacenter '%s': at most %d addresses of each family", c->name,
               POLICY_MAX_DC_ADDRS);
        return -GSLB_ECONF;
    }
    if (c->cname != NULL) {
        size_t len = name_to_wire(c->cname, dc->cname);
        if (len == 0) {
            REPORT(diag, c->pos, "datacenter '%s': cname is not a valid name", c->name);
            return -GSLB_ECONF;
        }
        dc->cname_len = (uint16_t)len;
        dc->has_cname = true;
    }
    return 0;
}

static int build_service(policy_t *p, policy_service_t *s, const conf_service_t *c,
                         gslb_diag_t *diag)
{
    s->conf = c;
    s->kind = c->policy;
    size_t len = name_to_wire(c->name, s->name);
    if (len == 0) {
        REPORT(diag, c->pos, "service '%s': not a valid DNS name", c->name);
        return -GSLB_ECONF;
    }
    s->name_len = (uint8_t)len;
    if (c->policy == CONF_POLICY_MAP) {
        if (c->map < 0 || (size_t)c->map >= p->map_count) {
            REPORT(diag, c->pos, "service '%s': policy map needs a map", c->name);
            return -GSLB_ECONF;
        }
        s->map = p->maps[c->map];
    }
    if (c->policy == CONF_POLICY_LATENCY) {
        if (c->latency < 0 || (size_t)c->latency >= p->latency_table_count ||
            p->latency_tables[c->latency] == NULL) {
            return -GSLB_ECONF; /* the table's own errors were reported */
        }
        s->latency = p->latency_tables[c->latency];
        if (c->map >= 0 && (size_t)c->map < p->map_count) {
            s->fallback_map = p->maps[c->map];
        }
    }
    s->hash_bits[0] = c->hash_prefix_v4;
    s->hash_bits[1] = c->hash_prefix_v6;
    if (c->datacenters.count == 0) {
        for (size_t i = 0; i < p->dc_count; i++) {
            s->cand[s->cand_count++] = (uint32_t)i;
        }
    } else {
        for (size_t i = 0; i < c->datacenters.count && s->cand_count < POLICY_MAX_DCS; i++) {
            s->cand[s->cand_count++] = c->datacenters.dc[i];
        }
    }
    for (size_t i = 0; i < s->cand_count; i++) {
        s->cand_mask |= 1ull << s->cand[i];
    }
    if (c->policy == CONF_POLICY_HASHED) {
        policy_hashed_build(p, s);
    }
    return 0;
}

static atomic_uint_fast64_t policy_next_id = 1;

int policy_new(policy_t **out, const conf_t *conf, const geo_db_t *geo, gslb_diag_t *diag)
{
    size_t before = gslb_diag_errors(diag);
    policy_t *p = xcalloc(1, sizeof(*p));
    p->id = atomic_fetch_add(&policy_next_id, 1);
    p->geo = geo;
    atomic_init(&p->hash_seed, conf->steering.hash_seed);
    *out = NULL;
    if (conf->datacenter_count > POLICY_MAX_DCS) {
        gslb_diag_report(diag, DIAG_ERROR, conf->path, 0, 0,
                         "at most %d datacenters are supported (got %zu)", POLICY_MAX_DCS,
                         conf->datacenter_count);
        policy_free(p);
        return -GSLB_ECONF;
    }
    p->dc_count = conf->datacenter_count;
    p->dcs = xcalloc(p->dc_count ? p->dc_count : 1, sizeof(*p->dcs));
    p->sites = xcalloc(p->dc_count ? p->dc_count : 1, sizeof(*p->sites));
    for (size_t i = 0; i < p->dc_count; i++) {
        const conf_datacenter_t *c = &conf->datacenters[i];
        policy_dc_t *dc = &p->dcs[i];
        build_dc(dc, c, diag);
        p->resource_count += c->address_count;
        for (int v6 = 0; v6 < 2; v6++) {
            if (policy_dc_serves(dc, v6 != 0)) {
                p->serves_mask[v6] |= 1ull << i;
            }
        }
        p->sites[i].latitude = c->latitude;
        p->sites[i].longitude = c->longitude;
        p->sites[i].has_location = c->has_location;
    }
    p->resources = xcalloc(p->resource_count ? p->resource_count : 1, sizeof(*p->resources));
    size_t r = 0;
    for (size_t d = 0; d < p->dc_count; d++) {
        policy_dc_t *dc = &p->dcs[d];
        size_t v4 = 0, v6 = 0;
        for (size_t a = 0; a < dc->conf->address_count && dc->v4 != NULL; a++) {
            bool is_v4 = dc->conf->addresses[a].addr.family == AF_INET;
            p->resources[r++] = is_v4 ? &dc->v4[v4++] : &dc->v6[v6++];
        }
    }
    policy_latency_build(p, conf, diag);
    geo_records_t *recs = NULL;
    if (policy_records_build(p, conf, &recs, diag) == 0) {
        p->map_count = conf->map_count;
        p->maps = xcalloc(p->map_count ? p->map_count : 1, sizeof(*p->maps));
        for (size_t i = 0; i < p->map_count; i++) {
            geo_map_new(&p->maps[i], &conf->maps[i], p->sites, p->dc_count, recs, diag);
        }
        p->service_count = conf->service_count;
        p->services = xcalloc(p->service_count ? p->service_count : 1, sizeof(*p->services));
        for (size_t i = 0; i < p->service_count; i++) {
            const conf_service_t *c = &conf->services[i];
            build_service(p, &p->services[i], c, diag);
            if (c->policy == CONF_POLICY_NEAREST && geo == NULL) {
                gslb_diag_report(diag, DIAG_WARNING, c->pos.file, c->pos.line, c->pos.col,
                                 "service '%s': policy nearest without a geoip database answers "
                                 "in config order",
                                 c->name);
            }
        }
        if (gslb_diag_errors(diag) == before) {
            policy_trees_build(p, conf, recs, diag);
        }
    }
    geo_records_free(recs);
    if (gslb_diag_errors(diag) > before) {
        policy_free(p);
        return -GSLB_ECONF;
    }
    *out = p;
    return 0;
}

void policy_free(policy_t *p)
{
    if (p == NULL) {
        return;
    }
    for (size_t i = 0; i < p->dc_count; i++) {
        free(p->dcs[i].v4);
        free(p->dcs[i].v6);
    }
    for (size_t i = 0; i < p->map_count; i++) {
        geo_map_free(p->maps[i]);
    }
    for (size_t i = 0; i < p->service_count; i++) {
        geo_tree_free(p->services[i].nearest);
        free(p->services[i].hrw_table);
    }
    geo_tree_free(p->continents);
    for (size_t i = 0; i < p->latency_table_count; i++) {
        latency_table_free(p->latency_tables[i]);
    }
    free(p->latency_tables);
    free(p->dcs);
    free(p->resources);
    free(p->sites);
    free(p->maps);
    free(p->services);
    free(p);
}

size_t policy_resource_count(const policy_t *p)
{
    return p->resource_count;
}

/* Resource i -> (data center, address index within it). */
static bool resource_locate(const policy_t *p, size_t i, size_t *dc, size_t *addr)
{
    for (size_t d = 0; d < p->dc_count; d++) {
        size_t n = p->dcs[d].conf->address_count;
        if (i < n) {
            *dc = d;
            *addr = i;
            return true;
        }
        i -= n;
    }
    return false;
}

const conf_datacenter_t *policy_resource_datacenter(const policy_t *p, size_t i)
{
    size_t d, a;
    return resource_locate(p, i, &d, &a) ? p->dcs[d].conf : NULL;
}

const conf_address_t *policy_resource_address(const policy_t *p, size_t i)
{
    size_t d, a;
    return resource_locate(p, i, &d, &a) ? &p->dcs[d].conf->addresses[a] : NULL;
}

void policy_health_attach(policy_t *p, const health_t *h, const uint32_t *slots)
{
    p->health = h;
    size_t r = 0;
    for (size_t d = 0; d < p->dc_count; d++) {
        policy_dc_t *dc = &p->dcs[d];
        size_t v4 = 0, v6 = 0;
        /* build_dc split the addresses by family in config order; walk the same way. */
        for (size_t a = 0; a < dc->conf->address_count; a++, r++) {
            if (dc->conf->addresses[a].addr.family == AF_INET) {
                dc->v4[v4++].slot = slots[r];
            } else {
                dc->v6[v6++].slot = slots[r];
            }
        }
    }
}

void policy_steer_attach(policy_t *p, const steer_t *st, const uint32_t *slots)
{
    for (size_t d = 0; d < p->dc_count; d++) {
        p->dcs[d].load = steer_slot_pub(st, slots[d]);
        p->dcs[d].load_slot = p->dcs[d].load != NULL ? slots[d] : STEER_SLOT_NONE;
    }
}

uint32_t policy_datacenter_load_slot(const policy_t *p, uint32_t dc)
{
    return dc < p->dc_count ? p->dcs[dc].load_slot : STEER_SLOT_NONE;
}

double policy_datacenter_spare(const policy_t *p, uint32_t dc)
{
    return dc < p->dc_count ? policy_dc_spare(&p->dcs[dc]) : 0;
}

size_t policy_service_count(const policy_t *p)
{
    return p->service_count;
}

const policy_service_t *policy_service_at(const policy_t *p, size_t i)
{
    return i < p->service_count ? &p->services[i] : NULL;
}

const uint8_t *policy_service_name(const policy_service_t *s)
{
    return s->name;
}

const conf_service_t *policy_service_conf(const policy_service_t *s)
{
    return s->conf;
}

const char *policy_datacenter_name(const policy_t *p, uint32_t dc)
{
    return dc < p->dc_count ? p->dcs[dc].name : "?";
}

size_t policy_datacenter_count(const policy_t *p)
{
    return p->dc_count;
}

bool policy_service_can_answer(const policy_t *p, const policy_service_t *s, uint16_t type)
{
    bool want_v6 = type == DNS_TYPE_AAAA;
    for (size_t i = 0; i < s->cand_count; i++) {
        const policy_dc_t *dc = &p->dcs[s->cand[i]];
        if ((want_v6 ? dc->v6_count : dc->v4_count) > 0) {
            return true;
        }
    }
    return false;
}

/* C(n, k), or limit + 1 as soon as it passes limit. */
static size_t choices(size_t n, size_t k, size_t limit)
{
    size_t c = 1;
    for (size_t i = 0; i < k; i++) {
        c = c * (n - i) / (i + 1);
        if (c > limit) {
            return limit + 1;
        }
    }
    return c;
}

/* Every k-subset of the data center's addresses of one family, at each TTL. */
static size_t dc_subsets(const policy_dc_t *dc, bool want_v6, size_t k, const uint32_t *ttls,
                         size_t nttl, policy_answer_fn fn, void *arg)
{
    const policy_addr_t *addrs = want_v6 ? dc->v6 : dc->v4;
    size_t n = want_v6 ? dc->v6_count : dc->v4_count;
    size_t idx[POLICY_MAX_ANSWER];
    for (size_t i = 0; i < k; i++) {
        idx[i] = i;
    }
    size_t given = 0;
    for (;;) {
        dns_rdata_t rrs[POLICY_MAX_ANSWER];
        for (size_t i = 0; i < k; i++) {
            rrs[i].data = addrs[idx[i]].data;
            rrs[i].len = want_v6 ? 16 : 4;
        }
        for (size_t t = 0; t < nttl; t++) {
            fn(arg, want_v6 ? DNS_TYPE_AAAA : DNS_TYPE_A, ttls[t], rrs, k);
            given++;
        }
        /* The next subset in lexicographic order of indexes. */
        size_t i = k;
        while (i > 0 && idx[i - 1] == n - k + i - 1) {
            i--;
        }
        if (i == 0) {
            return given;
        }
        idx[i - 1]++;
        for (size_t j = i; j < k; j++) {
            idx[j] = idx[j - 1] + 1;
        }
    }
}

size_t policy_service_answers(const policy_t *p, const policy_service_t *s, size_t max_choices,
                              policy_answer_fn fn, void *arg)
{
    const conf_service_t *c = s->conf;
    if (c->dc_count > 1) {
        return 0; /* answers mix data centers: too many to list */
    }
    size_t per_dc = c->address_count ? c->address_count : 1;
    uint32_t ttls[2] = {c->ttl_s, c->degraded_ttl_s};
    size_t nttl = c->degraded_ttl_s != 0 && c->degraded_ttl_s != c->ttl_s ? 2 : 1;
    uint32_t dcs[POLICY_MAX_DCS + 1];
    size_t ndc = 0;
    for (size_t i = 0; i < s->cand_count; i++) {
        dcs[ndc++] = s->cand[i];
    }
    if (c->fail == CONF_FAIL_DATACENTER && !(s->cand_mask & (1ull << c->fail_dc))) {
        dcs[ndc++] = (uint32_t)c->fail_dc;
    }
    size_t given = 0;
    for (size_t i = 0; i < ndc; i++) {
        const policy_dc_t *dc = &p->dcs[dcs[i]];
        if (dc->has_cname) {
            dns_rdata_t rr = {.data = dc->cname, .len = dc->cname_len};
            for (size_t t = 0; t < nttl; t++) {
                fn(arg, DNS_TYPE_CNAME, ttls[t], &rr, 1);
                given++;
            }
            continue;
        }
        for (int v6 = 0; v6 < 2; v6++) {
            size_t n = v6 ? dc->v6_count : dc->v4_count;
            size_t k = per_dc < n ? per_dc : n;
            if (n == 0 || k > POLICY_MAX_ANSWER || choices(n, k, max_choices) > max_choices) {
                continue;
            }
            given += dc_subsets(dc, v6 != 0, k, ttls, nttl, fn, arg);
        }
    }
    return given;
}
