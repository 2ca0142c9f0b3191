/* query: the fixed label sets of the per-worker counters (QTYPE classes, continents). */
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

static const char *const continents[QUERY_STATS_CONTINENTS] = {
    "AF", "AN", "AS", "EU", "NA", "OC", "SA", "unknown",
};

unsigned query_continent_index(const char *code)
{
    /* Called for every service answer: the seven codes told apart by their
     * two letters at once rather than by string comparisons. */
    if (code[0] == '\0' || code[1] == '\0' || code[2] != '\0') {
        return QUERY_STATS_CONTINENTS - 1;
    }
    switch ((unsigned)(unsigned char)code[0] << 8 | (unsigned char)code[1]) {
    case 'A' << 8 | 'F': return 0;
    case 'A' << 8 | 'N': return 1;
    case 'A' << 8 | 'S': return 2;
    case 'E' << 8 | 'U': return 3;
    case 'N' << 8 | 'A': return 4;
    case 'O' << 8 | 'C': return 5;
    case 'S' << 8 | 'A': return 6;
    default: return QUERY_STATS_CONTINENTS - 1;
    }
}

const char *query_continent_name(unsigned index)
{
    return index < QUERY_STATS_CONTINENTS ? continents[index] : "unknown";
}
