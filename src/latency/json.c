/* latency: the JSON reader: {"entries": [{"prefix", "datacenter", "rtt_ms", "measured"}, ...]}. */
#include "latency_int.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

/* jansson's tree of the text and where each of its values is written. */
typedef struct json_doc {
    lat_json_pos_t *pos;
    size_t count;
} json_doc_t;

/* The position of value i, or none (0) should jansson and the scanner
 * ever disagree. */
static lat_json_pos_t pos_of(const json_doc_t *d, size_t i)
{
    return i < d->count ? d->pos[i] : (lat_json_pos_t){0};
}

/* The value after value i and all it holds: its next sibling. */
static size_t next_of(const json_doc_t *d, size_t i)
{
    return i + (i < d->count ? d->pos[i].size : 1);
}

/* One entry as read so far: which fields it had, which were good, their values. */
typedef struct entry {
    bool has_prefix, has_datacenter, has_rtt_ms;
    bool is_ok;
    gslb_addr_t net;
    uint8_t bits;
    uint32_t dc, rtt_us;
    int64_t measured;
    lat_json_pos_t prefix_pos;
} entry_t;

/* A string field's text, or NULL after reporting what it is instead. */
static const char *string_field(lat_build_t *b, json_t *v, lat_json_pos_t p, const char *what,
                                size_t *len)
{
    if (!json_is_string(v)) {
        lat_error(b, p.line, p.col, "%s must be a string", what);
        return NULL;
    }
    *len = json_string_length(v);
    return json_string_value(v);
}

/* Check one member of an entry, p being its position. */
static void member_read(lat_build_t *b, entry_t *e, const char *key, json_t *v, lat_json_pos_t p)
{
    size_t len;
    const char *s;
    if (strcmp(key, "prefix") == 0) {
        e->has_prefix = true;
        e->prefix_pos = p;
        s = string_field(b, v, p, "prefix", &len);
        e->is_ok &= s != NULL && lat_prefix_check(b, s, len, p.line, p.col, &e->net, &e->bits);
    } else if (strcmp(key, "datacenter") == 0) {
        e->has_datacenter = true;
        s = string_field(b, v, p, "datacenter", &len);
        e->is_ok &= s != NULL && lat_dc_check(b, s, len, p.line, p.col, &e->dc);
    } else if (strcmp(key, "rtt_ms") == 0) {
        e->has_rtt_ms = true;
        if (!json_is_number(v)) {
            lat_error(b, p.line, p.col, "rtt_ms must be a number of milliseconds from 0 to %u",
                      LAT_RTT_MAX_MS);
            e->is_ok = false;
        } else {
            e->is_ok &= lat_rtt_number_check(b, json_number_value(v), p.line, p.col, &e->rtt_us);
        }
    } else if (strcmp(key, "measured") == 0) {
        /* null is an absent measured, as exporters write it. */
        if (json_is_null(v)) {
            return;
        }
        if (!json_is_integer(v) || json_integer_value(v) < 0) {
            lat_error(b, p.line, p.col, "measured must be Unix seconds (an integer from 0)");
            e->is_ok = false;
        } else {
            e->measured = (int64_t)json_integer_value(v);
        }
    } else {
        char q[LAT_QUOTE_MAX];
        lat_error(b, p.key_line, p.key_col,
                  "unknown key '%s' in an entry (expected prefix, datacenter, rtt_ms, measured)",
                  lat_quote(key, strlen(key), q));
        e->is_ok = false;
    }
}

/* One entry (value idx of the document): its members checked in the order
 * written, then the missing ones reported at the entry. */
static void entry_read(lat_build_t *b, const json_doc_t *d, json_t *entry, size_t idx)
{
    lat_json_pos_t ep = pos_of(d, idx);
    if (!json_is_object(entry)) {
        lat_error(b, ep.line, ep.col, "an entry must be an object with prefix, datacenter, "
                  "rtt_ms and optionally measured");
        return;
    }
    entry_t e = {.is_ok = true, .measured = b->default_measured_s};
    const char *key;
    json_t *val;
    size_t i = idx + 1;
    json_object_foreach(entry, key, val) {
        member_read(b, &e, key, val, pos_of(d, i));
        i = next_of(d, i);
    }
    const char *missing[3];
    size_t n = 0;
    if (!e.has_prefix) {
        missing[n++] = "prefix";
    }
    if (!e.has_datacenter) {
        missing[n++] = "datacenter";
    }
    if (!e.has_rtt_ms) {
        missing[n++] = "rtt_ms";
    }
    for (size_t k = 0; k < n; k++) {
        lat_error(b, ep.line, ep.col, "entry has no %s", missing[k]);
    }
    if (e.is_ok && n == 0) {
        lat_row_add(b, &e.net, e.bits, e.dc, e.rtt_us, e.measured, e.prefix_pos.line,
                    e.prefix_pos.col);
    }
}

/* The entries array (value idx of the document). */
static void entries_read(lat_build_t *b, const json_doc_t *d, json_t *entries, size_t idx)
{
    if (!json_is_array(entries)) {
        lat_json_pos_t p = pos_of(d, idx);
        lat_error(b, p.line, p.col, "entries must be an array");
        return;
    }
    size_t k;
    json_t *entry;
    size_t i = idx + 1;
    json_array_foreach(entries, k, entry) {
        if (b->is_stopped) {
            break;
        }
        entry_read(b, d, entry, i);
        i = next_of(d, i);
    }
}

/* The top level: an object whose one key is "entries", an array; problems
 * reported in the order written. */
static void doc_read(lat_build_t *b, const json_doc_t *d, json_t *root)
{
    lat_json_pos_t rp = pos_of(d, 0);
    if (!json_is_object(root)) {
        lat_error(b, rp.line, rp.col, "a table must be an object {\"entries\": [...]}");
        return;
    }
    bool has_entries = false;
    const char *key;
    json_t *val;
    size_t i = 1;
    json_object_foreach(root, key, val) {
        if (strcmp(key, "entries") == 0) {
            has_entries = true;
            entries_read(b, d, val, i);
        } else {
            lat_json_pos_t p = pos_of(d, i);
            char q[LAT_QUOTE_MAX];
            lat_error(b, p.key_line, p.key_col, "unknown key '%s' (expected entries)",
                      lat_quote(key, strlen(key), q));
        }
        i = next_of(d, i);
    }
    if (!has_entries) {
        lat_error(b, rp.line, rp.col, "a table must be an object {\"entries\": [...]}: "
                  "no entries");
    }
}

void lat_json_read(lat_build_t *b, const char *text, size_t len)
{
    json_error_t err;
    /* A repeated key would hide one of the two values: refuse it. */
    json_t *root = json_loadb(text != NULL ? text : "", len, JSON_REJECT_DUPLICATES, &err);
    if (root == NULL) {
        lat_error(b, err.line > 0 ? (unsigned)err.line : 0,
                  err.column > 0 ? (unsigned)err.column : 0, "%s", err.text);
        return;
    }
    json_doc_t d;
    d.pos = lat_json_positions(text, len, &d.count);
    doc_read(b, &d, root);
    free(d.pos);
    json_decref(root);
}
