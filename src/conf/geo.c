/* conf: the geoip: section (database path and the record fields to read). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_int.h"

/* Deepest field path accepted; GeoIP2 paths are at most three deep. */
#define GEO_PATH_MAX_PARTS 16

static const char *const geoip_keys[] = {"database", "fields", "watch", NULL};

/* Indexed by conf_geo_field_t; also the keys of geoip.fields. */
static const char *const field_names[] = {
    "continent", "country", "subdivision", "city", "latitude", "longitude", NULL,
};

/* The GeoIP2/GeoLite2 City schema. */
static const char *const field_defaults[CONF_GEO_FIELD_COUNT] = {
    "continent/code", "country/iso_code", "subdivisions/0/iso_code",
    "city/names/en",  "location/latitude", "location/longitude",
};

/* Split "a/b/0/c" into parts; false if a part is empty. */
static bool path_split(const char *s, conf_geo_path_t *out)
{
    size_t n = 1;
    for (const char *p = s; *p != '\0'; p++) {
        n += *p == '/';
    }
    if (n > GEO_PATH_MAX_PARTS) {
        return false;
    }
    char **parts = xcalloc(n + 1, sizeof(*parts));
    const char *start = s;
    for (size_t i = 0; i < n; i++) {
        const char *end = strchr(start, '/');
        size_t len = end != NULL ? (size_t)(end - start) : strlen(start);
        if (len == 0) {
            for (size_t j = 0; j < i; j++) {
                free(parts[j]);
            }
            free(parts);
            return false;
        }
        parts[i] = xstrndup(start, len);
        start = end != NULL ? end + 1 : start + len;
    }
    out->parts = parts;
    out->count = n;
    return true;
}

static void field_parse(conf_cx_t *cx, const conf_val_t *v, conf_geo_field_t f)
{
    conf_geo_path_t *path = &cx->c->geoip.fields[f];
    char what[64];
    snprintf(what, sizeof(what), "geoip: fields: %s", field_names[f]);
    /* null or "": the database has no such field, so rules on it never match. */
    size_t len = 0;
    const char *text = conf_val_text(v, &len);
    if (conf_val_is_null(v) || (text != NULL && len == 0)) {
        conf_geo_path_clear(path);
        return;
    }
    if (fy_node_get_type(v->node) == FYNT_SCALAR) {
        conf_geo_path_t p = {0};
        if (!path_split(text, &p)) {
            char q[CONF_QUOTE_MAX + 4];
            conf_error(cx, v->pos,
                       "%s must be a path like 'a/b/0/c' with 1..%d non-empty parts (got '%s')",
                       what, GEO_PATH_MAX_PARTS, conf_quote(text, len, q, sizeof(q)));
            return;
        }
        conf_geo_path_clear(path);
        *path = p;
        return;
    }
    if (fy_node_get_type(v->node) != FYNT_SEQUENCE) {
        char d[CONF_QUOTE_MAX + 8];
        conf_error(cx, v->pos, "%s must be a path string or a list of keys (got %s)", what,
                   conf_val_describe(v, d, sizeof(d)));
        return;
    }
    size_t n = (size_t)fy_node_sequence_item_count(v->node);
    if (n == 0 || n > GEO_PATH_MAX_PARTS) {
        conf_error(cx, v->pos, "%s must list 1..%d keys (got %zu; use null for none)", what,
                   GEO_PATH_MAX_PARTS, n);
        return;
    }
    char **parts = xcalloc(n + 1, sizeof(*parts));
    size_t count = 0;
    void *iter = NULL;
    struct fy_node *item;
    while ((item = fy_node_sequence_iterate(v->node, &iter)) != NULL) {
        conf_val_t iv = conf_item_val(cx, item, v->pos);
        char *part = conf_val_str(cx, &iv, what, 1, 256);
        if (part != NULL) {
            parts[count++] = part;
        }
    }
    if (count != n) {
        for (size_t i = 0; i < count; i++) {
            free(parts[i]);
        }
        free(parts);
        return;
    }
    conf_geo_path_clear(path);
    path->parts = parts;
    path->count = n;
}

static void fields_parse(conf_cx_t *cx, const conf_val_t *v)
{
    if (conf_val_is_null(v)) {
        return;
    }
    if (!conf_val_is_map(cx, v, "geoip: fields")) {
        return;
    }
    conf_keys_check(cx, v, field_names, "geoip: fields");
    for (size_t f = 0; f < CONF_GEO_FIELD_COUNT; f++) {
        conf_val_t fv;
        if (conf_get(cx, v, field_names[f], &fv)) {
            field_parse(cx, &fv, (conf_geo_field_t)f);
        }
    }
}

void conf_geoip_parse(conf_cx_t *cx, const conf_val_t *v)
{
    conf_geoip_t *g = &cx->c->geoip;
    for (size_t f = 0; f < CONF_GEO_FIELD_COUNT; f++) {
        bool ok = path_split(field_defaults[f], &g->fields[f]);
        (void)ok; /* the defaults are well formed */
    }
    g->pos.file = cx->c->path;
    if (v == NULL || conf_val_is_null(v)) {
        return;
    }
    g->pos = v->pos;
    if (!conf_val_is_map(cx, v, "geoip")) {
        return;
    }
    conf_keys_check(cx, v, geoip_keys, "geoip");
    conf_val_t dv, fv, wv;
    if (conf_get(cx, v, "database", &dv)) {
        char *db = conf_val_str(cx, &dv, "geoip: database", 1, PATH_MAX);
        if (db != NULL) {
            g->database = conf_path_resolve(cx->c->dir, db);
            free(db);
        }
    } else {
        conf_error(cx, v->pos, "geoip: missing required key 'database'");
    }
    if (conf_get(cx, v, "fields", &fv)) {
        fields_parse(cx, &fv);
    }
    if (conf_get(cx, v, "watch", &wv) && !conf_val_is_null(&wv)) {
        conf_val_bool(cx, &wv, "geoip: watch", &g->is_watched);
    }
}
