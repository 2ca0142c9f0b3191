/* query: the fixed label set of the per-worker QTYPE counters. */
#include "gslb/query.h"

#include <string.h>

query_qtype_class_t query_qtype_class(uint16_t qtype)
{
    switch (qtype) {
    case DNS_TYPE_A: return QUERY_QT_A;
    case DNS_TYPE_AAAA: return QUERY_QT_AAAA;
    case DNS_TYPE_CNAME: return QUERY_QT_CNAME;
    case DNS_TYPE_MX: return QUERY_QT_MX;
    case DNS_TYPE_TXT: return QUERY_QT_TXT;
    case DNS_TYPE_NS: return QUERY_QT_NS;
    case DNS_TYPE_SOA: return QUERY_QT_SOA;
    case DNS_TYPE_SRV: return QUERY_QT_SRV;
    case DNS_TYPE_CAA: return QUERY_QT_CAA;
    case DNS_TYPE_PTR: return QUERY_QT_PTR;
    case DNS_TYPE_DS: return QUERY_QT_DS;
    case DNS_TYPE_ANY: return QUERY_QT_ANY;
    default: return QUERY_QT_OTHER;
    }
}

const char *query_qtype_class_name(query_qtype_class_t c)
{
    static const char *const names[QUERY_QT_COUNT] = {
        "A", "AAAA", "CNAME", "MX", "TXT", "NS", "SOA", "SRV", "CAA", "PTR", "DS", "ANY", "other",
    };
    return (unsigned)c < QUERY_QT_COUNT ? names[c] : "other";
}

const char *query_cookie_name(query_cookie_t c)
{
    static const char *const names[] = {"none", "client_only", "valid", "invalid"};
    return (unsigned)c < GSLB_ARRAY_LEN(names) ? names[c] : "none";
}
