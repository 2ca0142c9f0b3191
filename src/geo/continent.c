/* geo: ISO 3166-1 country code -> continent code, for databases without a continent field. */
#include "gslb/geo.h"

#include <stdlib.h>
#include <string.h>

/* One row per assigned ISO 3166-1 alpha-2 code, plus XK (Kosovo), which
 * MaxMind and others use although ISO has not assigned it. Continents are the
 * seven codes GeoIP2 databases use: AF Africa, AN Antarctica, AS Asia, EU
 * Europe, NA North America (with Central America and the Caribbean), OC
 * Oceania, SA South America. Border cases follow the usual GeoIP grouping:
 * Russia EU, Cyprus EU, Turkey AS, the Caucasus (AM AZ GE) AS, Egypt AF,
 * Panama NA, Christmas Island and Timor-Leste AS, the sub-Antarctic
 * territories (BV GS HM TF) AN. Sorted by code for bsearch. */
static const struct country_row {
    char country[3];
    char continent[3];
} rows[] = {
    {"AD", "EU"}, {"AE", "AS"}, {"AF", "AS"}, {"AG", "NA"}, {"AI", "NA"}, {"AL", "EU"},
    {"AM", "AS"}, {"AO", "AF"}, {"AQ", "AN"}, {"AR", "SA"}, {"AS", "OC"}, {"AT", "EU"},
    {"AU", "OC"}, {"AW", "NA"}, {"AX", "EU"}, {"AZ", "AS"}, {"BA", "EU"}, {"BB", "NA"},
    {"BD", "AS"}, {"BE", "EU"}, {"BF", "AF"}, {"BG", "EU"}, {"BH", "AS"}, {"BI", "AF"},
    {"BJ", "AF"}, {"BL", "NA"}, {"BM", "NA"}, {"BN", "AS"}, {"BO", "SA"}, {"BQ", "NA"},
    {"BR", "SA"}, {"BS", "NA"}, {"BT", "AS"}, {"BV", "AN"}, {"BW", "AF"}, {"BY", "EU"},
    {"BZ", "NA"}, {"CA", "NA"}, {"CC", "AS"}, {"CD", "AF"}, {"CF", "AF"}, {"CG", "AF"},
    {"CH", "EU"}, {"CI", "AF"}, {"CK", "OC"}, {"CL", "SA"}, {"CM", "AF"}, {"CN", "AS"},
    {"CO", "SA"}, {"CR", "NA"}, {"CU", "NA"}, {"CV", "AF"}, {"CW", "NA"}, {"CX", "AS"},
    {"CY", "EU"}, {"CZ", "EU"}, {"DE", "EU"}, {"DJ", "AF"}, {"DK", "EU"}, {"DM", "NA"},
    {"DO", "NA"}, {"DZ", "AF"}, {"EC", "SA"}, {"EE", "EU"}, {"EG", "AF"}, {"EH", "AF"},
    {"ER", "AF"}, {"ES", "EU"}, {"ET", "AF"}, {"FI", "EU"}, {"FJ", "OC"}, {"FK", "SA"},
    {"FM", "OC"}, {"FO", "EU"}, {"FR", "EU"}, {"GA", "AF"}, {"GB", "EU"}, {"GD", "NA"},
    {"GE", "AS"}, {"GF", "SA"}, {"GG", "EU"}, {"GH", "AF"}, {"GI", "EU"}, {"GL", "NA"},
    {"GM", "AF"}, {"GN", "AF"}, {"GP", "NA"}, {"GQ", "AF"}, {"GR", "EU"}, {"GS", "AN"},
    {"GT", "NA"}, {"GU", "OC"}, {"GW", "AF"}, {"GY", "SA"}, {"HK", "AS"}, {"HM", "AN"},
    {"HN", "NA"}, {"HR", "EU"}, {"HT", "NA"}, {"HU", "EU"}, {"ID", "AS"}, {"IE", "EU"},
    {"IL", "AS"}, {"IM", "EU"}, {"IN", "AS"}, {"IO", "AS"}, {"IQ", "AS"}, {"IR", "AS"},
    {"IS", "EU"}, {"IT", "EU"}, {"JE", "EU"}, {"JM", "NA"}, {"JO", "AS"}, {"JP", "AS"},
    {"KE", "AF"}, {"KG", "AS"}, {"KH", "AS"}, {"KI", "OC"}, {"KM", "AF"}, {"KN", "NA"},
    {"KP", "AS"}, {"KR", "AS"}, {"KW", "AS"}, {"KY", "NA"}, {"KZ", "AS"}, {"LA", "AS"},
    {"LB", "AS"}, {"LC", "NA"}, {"LI", "EU"}, {"LK", "AS"}, {"LR", "AF"}, {"LS", "AF"},
    {"LT", "EU"}, {"LU", "EU"}, {"LV", "EU"}, {"LY", "AF"}, {"MA", "AF"}, {"MC", "EU"},
    {"MD", "EU"}, {"ME", "EU"}, {"MF", "NA"}, {"MG", "AF"}, {"MH", "OC"}, {"MK", "EU"},
    {"ML", "AF"}, {"MM", "AS"}, {"MN", "AS"}, {"MO", "AS"}, {"MP", "OC"}, {"MQ", "NA"},
    {"MR", "AF"}, {"MS", "NA"}, {"MT", "EU"}, {"MU", "AF"}, {"MV", "AS"}, {"MW", "AF"},
    {"MX", "NA"}, {"MY", "AS"}, {"MZ", "AF"}, {"NA", "AF"}, {"NC", "OC"}, {"NE", "AF"},
    {"NF", "OC"}, {"NG", "AF"}, {"NI", "NA"}, {"NL", "EU"}, {"NO", "EU"}, {"NP", "AS"},
    {"NR", "OC"}, {"NU", "OC"}, {"NZ", "OC"}, {"OM", "AS"}, {"PA", "NA"}, {"PE", "SA"},
    {"PF", "OC"}, {"PG", "OC"}, {"PH", "AS"}, {"PK", "AS"}, {"PL", "EU"}, {"PM", "NA"},
    {"PN", "OC"}, {"PR", "NA"}, {"PS", "AS"}, {"PT", "EU"}, {"PW", "OC"}, {"PY", "SA"},
    {"QA", "AS"}, {"RE", "AF"}, {"RO", "EU"}, {"RS", "EU"}, {"RU", "EU"}, {"RW", "AF"},
    {"SA", "AS"}, {"SB", "OC"}, {"SC", "AF"}, {"SD", "AF"}, {"SE", "EU"}, {"SG", "AS"},
    {"SH", "AF"}, {"SI", "EU"}, {"SJ", "EU"}, {"SK", "EU"}, {"SL", "AF"}, {"SM", "EU"},
    {"SN", "AF"}, {"SO", "AF"}, {"SR", "SA"}, {"SS", "AF"}, {"ST", "AF"}, {"SV", "NA"},
    {"SX", "NA"}, {"SY", "AS"}, {"SZ", "AF"}, {"TC", "NA"}, {"TD", "AF"}, {"TF", "AN"},
    {"TG", "AF"}, {"TH", "AS"}, {"TJ", "AS"}, {"TK", "OC"}, {"TL", "AS"}, {"TM", "AS"},
    {"TN", "AF"}, {"TO", "OC"}, {"TR", "AS"}, {"TT", "NA"}, {"TV", "OC"}, {"TW", "AS"},
    {"TZ", "AF"}, {"UA", "EU"}, {"UG", "AF"}, {"UM", "OC"}, {"US", "NA"}, {"UY", "SA"},
    {"UZ", "AS"}, {"VA", "EU"}, {"VC", "NA"}, {"VE", "SA"}, {"VG", "NA"}, {"VI", "NA"},
    {"VN", "AS"}, {"VU", "OC"}, {"WF", "OC"}, {"WS", "OC"}, {"XK", "EU"}, {"YE", "AS"},
    {"YT", "AF"}, {"ZA", "AF"}, {"ZM", "AF"}, {"ZW", "AF"},
};

static int row_cmp(const void *key, const void *elem)
{
    const struct country_row *r = elem;
    return strcmp(key, r->country);
}

const char *geo_country_continent(const char *country)
{
    if (country == NULL) {
        return NULL;
    }
    /* Fold to upper case by hand: toupper() depends on the locale. */
    char code[3];
    for (size_t i = 0; i < 2; i++) {
        char c = country[i];
        if (c >= 'a' && c <= 'z') {
            c = (char)(c - 'a' + 'A');
        }
        if (c < 'A' || c > 'Z') {
            return NULL;
        }
        code[i] = c;
    }
    if (country[2] != '\0') {
        return NULL;
    }
    code[2] = '\0';
    const struct country_row *r = bsearch(code, rows, GSLB_ARRAY_LEN(rows), sizeof(rows[0]),
                                          row_cmp);
    return r != NULL ? r->continent : NULL;
}

static const char *const continent_codes[GEO_CONTINENT_COUNT] = {
    "AF", "AN", "AS", "EU", "NA", "OC", "SA", "unknown",
};

unsigned geo_continent_index(const char *code)
{
    /* Seven codes told apart by their two letters at once. */
    if (code[0] == '\0' || code[1] == '\0' || code[2] != '\0') {
        return GEO_CONTINENT_UNKNOWN;
    }
    switch ((unsigned)(unsigned char)code[0] << 8 | (unsigned char)code[1]) {
    case 'A' << 8 | 'F': return 0;
    case 'A' << 8 | 'N': return 1;
    case 'A' << 8 | 'S': return 2;
    case 'E' << 8 | 'U': return 3;
    case 'N' << 8 | 'A': return 4;
    case 'O' << 8 | 'C': return 5;
    case 'S' << 8 | 'A': return 6;
    default: return GEO_CONTINENT_UNKNOWN;
    }
}

const char *geo_continent_name(unsigned index)
{
    return index < GEO_CONTINENT_COUNT ? continent_codes[index] : "unknown";
}

static bool is_letter(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

bool geo_code_is_country(const char *s, size_t n)
{
    return n == 2 && is_letter(s[0]) && is_letter(s[1]);
}

bool geo_code_is_subdivision(const char *s, size_t n)
{
    if (n < 1 || n > GEO_SUBDIVISION_MAX) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (!is_letter(s[i]) && !(s[i] >= '0' && s[i] <= '9')) {
            return false;
        }
    }
    return true;
}

bool geo_name_is_city(const char *s, size_t n)
{
    if (n < 1 || n > GEO_CITY_MAX) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) {
            return false;
        }
    }
    return true;
}
