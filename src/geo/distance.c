/* geo: great-circle distance and nearest-first ordering of data centers. */
#include "gslb/geo.h"

#include <assert.h>
#include <math.h>

/* IUGG mean Earth radius (R1 = (2a + b) / 3), the usual choice for a
 * spherical model; the haversine error against the ellipsoid stays under 0.5%. */
#define GEO_EARTH_RADIUS_KM 6371.0088

static double deg_to_rad(double deg)
{
    return deg * (M_PI / 180.0);
}

double geo_distance_km(double lat1, double lon1, double lat2, double lon2)
{
    double phi1 = deg_to_rad(lat1);
    double phi2 = deg_to_rad(lat2);
    double dphi = deg_to_rad(lat2 - lat1);
    double dlambda = deg_to_rad(lon2 - lon1);
    double s_phi = sin(dphi / 2.0);
    double s_lambda = sin(dlambda / 2.0);
    double a = s_phi * s_phi + cos(phi1) * cos(phi2) * s_lambda * s_lambda;
    /* Rounding can push a a hair above 1 for antipodal points; asin would
     * then return NaN. */
    if (a > 1.0) {
        a = 1.0;
    }
    return 2.0 * GEO_EARTH_RADIUS_KM * asin(sqrt(a));
}

/* Sort key of one candidate: sites with a usable location first, by distance. */
typedef struct sort_key {
    bool is_far; /* no location (or a non-finite distance): sorts after every located site */
    double km;
} sort_key_t;

static sort_key_t site_key(const geo_site_t *site, double lat, double lon)
{
    sort_key_t k = {.is_far = true, .km = 0.0};
    if (site->has_location) {
        double km = geo_distance_km(lat, lon, site->latitude, site->longitude);
        if (isfinite(km)) {
            k.is_far = false;
            k.km = km;
        }
    }
    return k;
}

/* Strictly less: equal keys never swap, which keeps the sort stable. */
static bool key_less(sort_key_t a, sort_key_t b)
{
    if (a.is_far != b.is_far) {
        return !a.is_far;
    }
    return !a.is_far && a.km < b.km;
}

void geo_sites_order_by_distance(const geo_site_t *sites, uint32_t *cand, size_t n, double lat,
                                 double lon)
{
    /* Insertion sort: n is at most GEO_MAX_SITES, the keys live on the stack
     * (no allocation on the query path) and equal keys keep their order. */
    sort_key_t keys[GEO_MAX_SITES];
    assert(n <= GEO_MAX_SITES);
    if (n > GEO_MAX_SITES) {
        n = GEO_MAX_SITES;
    }
    for (size_t i = 0; i < n; i++) {
        keys[i] = site_key(&sites[cand[i]], lat, lon);
    }
    for (size_t i = 1; i < n; i++) {
        sort_key_t k = keys[i];
        uint32_t c = cand[i];
        size_t j = i;
        while (j > 0 && key_less(k, keys[j - 1])) {
            keys[j] = keys[j - 1];
            cand[j] = cand[j - 1];
            j--;
        }
        keys[j] = k;
        cand[j] = c;
    }
}
