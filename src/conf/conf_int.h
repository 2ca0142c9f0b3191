/* conf: private helpers shared by the loader's files (YAML access, values, errors). */
#ifndef GSLB_CONF_INT_H
#define GSLB_CONF_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <libfyaml.h>

#include "gslb/conf.h"

/* One message waiting to be reported; they are sorted by position before
 * they reach the caller's gslb_diag_t so that the output reads top to bottom
 * like a compiler's, whatever order the sections were checked in. */
typedef struct conf_msg {
    conf_pos_t pos;
    diag_severity_t sev;
    size_t seq; /* report order, to keep the sort stable */
    char *text;
} conf_msg_t;

/* The loader's state for one configuration. */
typedef struct conf_cx {
    conf_t *c;
    conf_msg_t *msgs;
    size_t msg_count, msg_cap;
    size_t error_count;
} conf_cx_t;

/* A YAML value with the position to report it at. node is NULL for an empty
 * value ("key:" with nothing after it); pos is the value's own position for
 * scalars, and the position of the key that holds it for collections and
 * empty values (libfyaml 0.7 exposes start marks through scalar tokens only). */
typedef struct conf_val {
    struct fy_node *node;
    conf_pos_t pos;
} conf_val_t;

/* Longest user value quoted in a message; longer ones are cut with "...". */
#define CONF_QUOTE_MAX 64

/* Name characters allowed for data centers and maps: [A-Za-z0-9_.-]+. */
#define CONF_NAME_MAX 63

/* --- errors (load.c) --- */
void conf_error(conf_cx_t *cx, conf_pos_t pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void conf_warning(conf_cx_t *cx, conf_pos_t pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* --- YAML access (node.c) --- */
/* Position of a scalar's first character, or of the first scalar inside a
 * collection; fallback when there is none (empty value or collection). */
conf_pos_t conf_node_pos(const conf_cx_t *cx, struct fy_node *n, conf_pos_t fallback);
/* The value of a mapping pair, positioned at the value or else at its key. */
conf_val_t conf_pair_val(const conf_cx_t *cx, struct fy_node_pair *p);
/* The key of a pair as text, or NULL (reported) when the key is not a scalar. */
const char *conf_pair_key(conf_cx_t *cx, struct fy_node_pair *p, const char *ctx);
/* A sequence item as a value; pos is the item's position, or fallback. */
conf_val_t conf_item_val(const conf_cx_t *cx, struct fy_node *item, conf_pos_t fallback);
/* Report keys of map that are not in known (NULL-terminated), with a
 * suggestion. ctx names the mapping in messages
 * ("server", "datacenter 'us-east'"). */
void conf_keys_check(conf_cx_t *cx, const conf_val_t *map, const char *const *known,
                     const char *ctx);
/* Look up key in a mapping value; false if absent (out untouched). */
bool conf_get(const conf_cx_t *cx, const conf_val_t *map, const char *key, conf_val_t *out);
/* True for an empty value, ~, null, Null, NULL (plain scalars only). */
bool conf_val_is_null(const conf_val_t *v);
/* Text of a scalar value ("" for null), NULL for a collection. */
const char *conf_val_text(const conf_val_t *v, size_t *len);
/* A short description of a value for "(got ...)": "'text'", "a list", "a mapping", "null". */
const char *conf_val_describe(const conf_val_t *v, char *buf, size_t size);
/* Check that v is a mapping/sequence/non-null scalar; report "what must be a ..." if not. */
bool conf_val_is_map(conf_cx_t *cx, const conf_val_t *v, const char *what);
bool conf_val_is_list(conf_cx_t *cx, const conf_val_t *v, const char *what);
bool conf_val_is_scalar(conf_cx_t *cx, const conf_val_t *v, const char *what);
/* Typed scalars; each reports its own error ("what must be min..max (got x)") and returns false. */
bool conf_val_int(conf_cx_t *cx, const conf_val_t *v, const char *what, long long min,
                  long long max, long long *out);
bool conf_val_double(conf_cx_t *cx, const conf_val_t *v, const char *what, double min, double max,
                     double *out);
bool conf_val_bool(conf_cx_t *cx, const conf_val_t *v, const char *what, bool *out);
/* A string of min_len..max_len bytes, newly allocated; NULL (reported) otherwise. */
char *conf_val_str(conf_cx_t *cx, const conf_val_t *v, const char *what, size_t min_len,
                   size_t max_len);
/* Copy text into buf for a message, cut to CONF_QUOTE_MAX with "...". */
const char *conf_quote(const char *text, size_t len, char *buf, size_t size);

/* --- value syntax (value.c) --- */
/* Levenshtein distance, capped: returns limit + 1 as soon as it exceeds limit. */
size_t conf_edit_distance(const char *a, const char *b, size_t limit);
/* The candidate closest to s within edit distance 2 (and less than s's
 * length), or NULL. */
const char *conf_suggest(const char *s, const char *const *candidates, size_t n);
/* "ADDR", "ADDR:PORT", "[IPV6]", "[IPV6]:PORT" or a bare IPv6 address; port
 * defaults to CONF_DEFAULT_PORT. Returns NULL or the reason it is invalid. */
const char *conf_listen_parse(const char *s, conf_listen_t *out);
/* Check a DNS name in presentation form (no escapes): labels of 1..63
 * octets, at most 255 octets on the wire, not the root. On success returns
 * NULL and *out is the name with a final dot (lower-cased if lower);
 * otherwise the reason. */
const char *conf_dname_normalize(const char *s, bool lower, char **out);
/* [A-Za-z0-9_.-]{1,CONF_NAME_MAX} */
bool conf_name_is_valid(const char *s);
/* path unchanged if absolute or dir is NULL/".", else "dir/path". */
char *conf_path_resolve(const char *dir, const char *path);

/* --- duplicate keys (dups.c) --- */
/* Report every key given twice in a mapping of the unresolved document
 * (merge keys excluded; service names compared as DNS names); returns how
 * many, and whether the document uses aliases or merge keys. */
size_t conf_dups_check(conf_cx_t *cx, struct fy_node *root, bool *has_aliases);

/* --- the parse guard (guard.c) --- */
#define CONF_PARSE_TIMEOUT_MS 10000
/* Deadline of the guard's child; tests shorten it. */
extern unsigned conf_parse_timeout_ms;
/* Parse in place, without the child: only for the fuzz target (fuzz/conf.c), where a fork per
 * input is too slow and the fuzzer's own -timeout catches a hang. Never set in the daemon. */
extern bool conf_parse_guard_disabled;
/* Run parse(yaml, len) in a child process first: when it does not finish
 * within conf_parse_timeout_ms (it is killed) or dies of a signal, report
 * it to diag under name and return -GSLB_ECONF, so the caller never runs
 * the parser on that input itself; otherwise (including when no child can
 * be made) return 0. The child's own result is not used: the caller's parse
 * reports the file's errors. Load path only; the calling thread waits. */
int conf_parse_guard(const char *name, const char *yaml, size_t len,
                     int (*parse)(const char *yaml, size_t len), gslb_diag_t *diag);

/* --- sections --- */
void conf_server_parse(conf_cx_t *cx, const conf_val_t *v);    /* server.c; v may be NULL */
void conf_zones_parse(conf_cx_t *cx, const conf_val_t *v);     /* server.c */
void conf_geoip_parse(conf_cx_t *cx, const conf_val_t *v);     /* geo.c; v may be NULL */
void conf_control_parse(conf_cx_t *cx, const conf_val_t *v);   /* control.c; v may be NULL */
void conf_datacenters_parse(conf_cx_t *cx, const conf_val_t *v); /* datacenters.c */
void conf_maps_parse(conf_cx_t *cx, const conf_val_t *v);      /* maps.c */
void conf_services_parse(conf_cx_t *cx, const conf_val_t *v);  /* services.c */
void conf_probes_parse(conf_cx_t *cx, const conf_val_t *v);    /* probes.c; before datacenters */
/* "probe: NAME" as an index into conf_t.probes, or -1 (reported when unknown). */
int conf_probe_ref_parse(conf_cx_t *cx, const conf_val_t *v, const char *ctx);
void conf_probe_clear(conf_probe_t *p);                        /* probes.c */
/* steer.c: a data center's load: mapping (ctx names the data center); the
 * steering: section (v may be NULL: defaults); cross-section checks of
 * the load feeds, once every section is parsed. */
void conf_load_feed_parse(conf_cx_t *cx, conf_datacenter_t *dc, const conf_val_t *v,
                          const char *ctx);
void conf_steering_parse(conf_cx_t *cx, const conf_val_t *v);
void conf_steering_check(conf_cx_t *cx);
/* rate_limit.c: the rate_limit: and cookies: sections (v may be NULL: defaults). */
void conf_rate_limit_parse(conf_cx_t *cx, const conf_val_t *v);
void conf_cookies_parse(conf_cx_t *cx, const conf_val_t *v);
/* fleet.c: the fleet: section; v may be NULL (no fleet). */
void conf_fleet_parse(conf_cx_t *cx, const conf_val_t *v);
/* dnssec.c: a zone's dnssec: mapping into d (keys, signature times); clear frees it. */
void conf_dnssec_parse(conf_cx_t *cx, conf_dnssec_t *d, const conf_val_t *v);
void conf_dnssec_clear(conf_dnssec_t *d);
/* latency.c: the latency_tables: section (before services). */
void conf_latency_tables_parse(conf_cx_t *cx, const conf_val_t *v);
/* service_steer.c: a service's failover, hash_prefix_v4/v6, rotate,
 * latency and latency_tolerance_ms keys; sv is the service's mapping (node
 * NULL = none), policy_val the policy key's value when it was valid. */
void conf_service_steering_parse(conf_cx_t *cx, conf_service_t *s, const conf_val_t *sv,
                                 const char *ctx, const conf_val_t *policy_val);

/* A list of data center names (or one name) as indexes; unknown names,
 * repeats and (unless allow_empty) an empty list are reported. */
bool conf_dc_list_parse(conf_cx_t *cx, const conf_val_t *v, const char *what, bool allow_empty,
                        conf_dc_list_t *out);

/* --- freeing parts (free.c) --- */
void conf_geo_path_clear(conf_geo_path_t *p);

#endif
