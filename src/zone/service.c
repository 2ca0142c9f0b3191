/* zone: marking steered service names in a loaded zone. */
#include "zone_int.h"

int zone_service_attach(zone_t *z, const uint8_t *name, const void *service, gslb_diag_t *diag,
                        const char *file, unsigned line, unsigned col)
{
    size_t len = dns_name_len(name, DNS_NAME_MAX);
    if (len == 0 || !zone_name_in(z, name, len)) {
        gslb_diag_report(diag, DIAG_ERROR, file, line, col, "service is not inside zone '%s'",
                         z->name);
        return -GSLB_EZONE;
    }
    const zone_node_t *cut = NULL;
    const zone_node_t *n = NULL;
    zone_match_t m = zone_lookup(z, name, len, dns_name_labels(name), false, &n);
    if (m == ZONE_MATCH_DELEGATION) {
        cut = n;
    }
    if (cut != NULL) {
        gslb_diag_report(diag, DIAG_ERROR, file, line, col,
                         "service is at or below a zone cut in zone '%s' (delegated, line %u)",
                         z->name, cut->rrset_count ? cut->rrsets[0].line : 0);
        return -GSLB_EZONE;
    }
    zone_node_t *node = zone_node_get(z, name, len);
    static const uint16_t clash[] = {DNS_TYPE_CNAME, DNS_TYPE_A, DNS_TYPE_AAAA, DNS_TYPE_DNAME};
    for (size_t i = 0; i < GSLB_ARRAY_LEN(clash); i++) {
        const zone_rrset_t *set = zone_node_rrset(node, clash[i]);
        if (set != NULL) {
            gslb_diag_report(diag, DIAG_ERROR, file, line, col,
                             "service name also has static %s records in '%s' line %u "
                             "(the service answers those)",
                             clash[i] == DNS_TYPE_CNAME ? "CNAME"
                             : clash[i] == DNS_TYPE_A   ? "A"
                             : clash[i] == DNS_TYPE_AAAA ? "AAAA"
                                                         : "DNAME",
                             z->file, set->line);
            return -GSLB_EZONE;
        }
    }
    if (node->flags & ZONE_NODE_SERVICE) {
        gslb_diag_report(diag, DIAG_ERROR, file, line, col, "service is defined twice");
        return -GSLB_EZONE;
    }
    node->flags |= ZONE_NODE_SERVICE;
    node->service = service;
    return 0;
}
