/* conf: the YAML configuration (libfyaml) as validated plain structs, with source positions. */
#ifndef GSLB_CONF_H
#define GSLB_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "gslb/fleet.h"
#include "gslb/health.h"
#include "gslb/steer.h"
#include "gslb/util.h"

/* Where a value came from, for error messages: file path as given to
 * conf_load (or resolved relative to it), 1-based line and column. */
typedef struct conf_pos {
    const char *file; /* borrowed from conf_t.path; valid while the conf_t lives */
    unsigned line;
    unsigned col;
} conf_pos_t;

/* A listen address for UDP and TCP. */
typedef struct conf_listen {
    struct sockaddr_storage sa; /* address and port */
    socklen_t sa_len;
    conf_pos_t pos;
} conf_listen_t;

#define CONF_DEFAULT_PORT 53
#define CONF_DEFAULT_EDNS_PAYLOAD 1232   /* DNS flag day 2020 recommendation */
#define CONF_DEFAULT_TCP_IDLE_MS 10000   /* RFC 7766 section 6.2.3: "on the order of seconds" */
#define CONF_DEFAULT_TCP_MAX_CONNS 1024
#define CONF_DEFAULT_TCP_MAX_CONNS_PER_PREFIX 64 /* one network cannot hold every slot */
#define CONF_DEFAULT_TTL_S 30
#define CONF_DEFAULT_WEIGHT 100
#define CONF_WEIGHT_MAX 1000000
#define CONF_DEFAULT_SIGNATURE_CACHE 8192 /* slots per worker: see dnssec_cache_new */

/* server: section. */
typedef struct conf_server {
    conf_listen_t *listen; /* at least one; default 127.0.0.1:53 and ::1:53 */
    size_t listen_count;
    unsigned workers;            /* 0 = one per online CPU */
    uint16_t edns_payload;       /* our EDNS(0) UDP payload size, 512..4096, default 1232 */
    char *nsid;                  /* RFC 5001 NSID payload text, NULL = NSID off */
    char *version;               /* CHAOS TXT version.bind/version.server answer, NULL = REFUSED */
    char *identity;              /* CHAOS TXT id.server/hostname.bind answer, NULL = REFUSED */
    unsigned tcp_idle_timeout_ms;/* RFC 7766 idle timeout, default 10000 */
    unsigned tcp_max_connections;/* per process, default 1024 */
    unsigned tcp_max_connections_per_prefix; /* per client /24 or /56, default 64; 0 = no limit */
    unsigned tcp_max_queries_per_connection; /* close after this many, 0 = no cap (default) */
    unsigned signature_cache; /* online signatures kept per worker (slots), default 8192;
                               * read at start only */
    log_level_t log_level;       /* default info */
    char *user;                  /* drop privileges to this user once sockets are open, or NULL */
    conf_pos_t user_pos;
} conf_server_t;

/* A signing key's role (RFC 6781 3.1): a CSK signs every RRset; a KSK signs the apex
 * DNSKEY, CDS and CDNSKEY RRsets and is the one the parent's DS names; a ZSK signs the rest. */
typedef enum conf_key_role {
    CONF_KEY_CSK = 0,
    CONF_KEY_KSK,
    CONF_KEY_ZSK,
} conf_key_role_t;

/* One key of a zone's dnssec: keys: list. The times are Unix seconds, 0 = not given:
 * the key is published (its DNSKEY served) from publish until delete, and signs (with
 * its DNSKEY published) from activate until inactive. */
typedef struct conf_dnssec_key {
    char *file;           /* key files' common path, resolved, without ".key"/".private" */
    conf_key_role_t role;
    int64_t publish_s, activate_s, inactive_s, delete_s;
    conf_pos_t pos;       /* of the entry, for key errors */
} conf_dnssec_key_t;

#define CONF_DEFAULT_SIG_VALIDITY_S (5 * 86400) /* RRSIG expiry: inception + this */
#define CONF_DEFAULT_SIG_INCEPTION_S 3600       /* inception this far in the past (clock skew) */
#define CONF_SIG_VALIDITY_MIN_S 7200
#define CONF_SIG_VALIDITY_MAX_S (90 * 86400)

/* A zone's dnssec: mapping (key_count 0 = the zone is not signed). */
typedef struct conf_dnssec {
    conf_dnssec_key_t *keys;
    size_t key_count;
    uint32_t signature_validity_s; /* default CONF_DEFAULT_SIG_VALIDITY_S */
    uint32_t refresh_s;            /* re-sign this long after a load; default validity / 4 */
    conf_pos_t pos;
} conf_dnssec_t;

/* zones: one entry per master file. */
typedef struct conf_zone {
    char *file;   /* path resolved relative to the config file's directory */
    char *origin; /* absolute presentation name ("example.com.") or NULL = from the file's SOA */
    conf_dnssec_t dnssec;
    conf_pos_t pos;
} conf_zone_t;

/* The location fields read from a MaxMind DB record, each a path of map
 * keys and array indexes (a component made only of digits is an array index),
 * e.g. {"subdivisions", "0", "iso_code"}. */
typedef enum conf_geo_field {
    CONF_GEO_CONTINENT = 0, /* default continent/code */
    CONF_GEO_COUNTRY,       /* default country/iso_code */
    CONF_GEO_SUBDIVISION,   /* default subdivisions/0/iso_code */
    CONF_GEO_CITY,          /* default city/names/en */
    CONF_GEO_LATITUDE,      /* default location/latitude */
    CONF_GEO_LONGITUDE,     /* default location/longitude */
    CONF_GEO_FIELD_COUNT
} conf_geo_field_t;

typedef struct conf_geo_path {
    char **parts; /* NULL-terminated; parts == NULL means "field not present in this schema" */
    size_t count;
} conf_geo_path_t;

/* geoip: section. */
typedef struct conf_geoip {
    char *database;                              /* resolved path, NULL = no GeoIP */
    conf_geo_path_t fields[CONF_GEO_FIELD_COUNT]; /* always filled: defaults if not configured */
    bool is_watched;                             /* "watch: true": reload when the file changes */
    conf_pos_t pos;
} conf_geoip_t;

#define CONF_DEFAULT_CONTROL_PORT 8053
#define CONF_CONTROL_TOKEN_MIN 8    /* bytes: shorter tokens are guessable */
#define CONF_CONTROL_TOKEN_MAX 1024

/* control: section: the HTTP control endpoint (metrics, status, explain,
 * admin actions, reload). Without the section there is no endpoint. */
typedef struct conf_control {
    bool is_enabled;             /* the section is present */
    struct sockaddr_storage sa;  /* listen address and port, default 127.0.0.1:8053 */
    socklen_t sa_len;
    char *token;                 /* bearer token for write actions (from token or token_file);
                                  * NULL = write actions are refused */
    char *token_file;            /* resolved path the token was read from, or NULL */
    char *state_file;            /* resolved path where admin overrides persist, or NULL */
    char *dashboard;             /* resolved directory of the dashboard's files, or NULL =
                                  * the installed one (CTL_DASHBOARD_DIR) */
    conf_pos_t pos;
} conf_control_t;


/* Defaults: a dead backend is down after 3 failures 2 s apart, i.e. within
 * about 6-8 s; a recovered one is up again after 2 successes. */
#define CONF_DEFAULT_PROBE_INTERVAL_MS 2000
#define CONF_DEFAULT_PROBE_TIMEOUT_MS 1000
#define CONF_DEFAULT_UP_THRESHOLD 2
#define CONF_DEFAULT_DOWN_THRESHOLD 3

/* probes: how a resource's health is checked (health/ runs them). The
 * definition is health's own; conf fills it in and owns its strings:
 *   type               none tcp http https dns exec file (health_probe_type_name)
 *   port               0 = the type's default: http 80, https 443, dns 53 (tcp needs one)
 *   interval_ms        100..3600000, default 2000
 *   timeout_ms         10..60000 and below interval, default 1000
 *   up/down_threshold  1..100, default 2 and 3
 *   is_initially_up    "initial: up" (default) or "down"
 *   http_path          "path", NULL = "/"; http_host "host"; http_status "expect";
 *                      http_body "body"; tls_verify default true; tls_ca_file
 *                      "ca_file" resolved, NULL = system CAs
 *   load_format        "load": text = HEALTH_LOAD_TEXT, a JSON pointer = HEALTH_LOAD_JSON
 *                      with load_pointer ("" = the whole body); http/https only
 *   dns_qname          "qname" in lower-case wire form, default the root; dns_qtype
 *                      "qtype", default SOA; dns_rcode "rcode", default NOERROR
 *   exec_argv          "command"
 *   file_path          "file", resolved */
typedef struct conf_probe {
    char *name;
    health_probe_def_t def;
    conf_pos_t pos;
} conf_probe_t;

/* One answerable address of a data center (a resource). */
typedef struct conf_address {
    gslb_addr_t addr;
    uint32_t weight; /* 1..CONF_WEIGHT_MAX, default 1 */
    int probe;       /* index into conf_t.probes; -1 = the data center's probe (or none) */
    bool has_probe_addr;
    gslb_addr_t probe_addr; /* probe this address instead of the answered one */
    uint16_t probe_port;    /* 0 = the probe's port */
    char *probe_key;        /* file probes: the key to read, NULL = the address text */
    conf_pos_t pos;
} conf_address_t;

/* datacenters: one entry per site. */
typedef struct conf_datacenter {
    char *name;
    double latitude, longitude; /* degrees; valid only if has_location */
    bool has_location;
    uint32_t weight;             /* capacity ("capacity", alias "weight"), in the
                                  * operator's unit, 1..CONF_WEIGHT_MAX, default 100 */
    steer_def_t load;            /* load: section; load.feed STEER_FEED_NONE = none */
    conf_pos_t load_pos;
    conf_address_t *addresses;   /* IPv4 and IPv6 mixed, in config order */
    size_t address_count;
    char *cname;                 /* absolute presentation name answered instead of addresses, or NULL */
    int probe;                   /* default probe for the addresses, index into conf_t.probes, -1 = none */
    double min_up_fraction;      /* the site is down when fewer than this fraction of its
                                  * addresses (of the QTYPE's family) are up; 0 = down only
                                  * when none is up. 0..1 */
    conf_pos_t pos;
} conf_datacenter_t;

/* An ordered list of data centers, as indexes into conf_t.datacenters. */
typedef struct conf_dc_list {
    uint32_t *dc;
    size_t count;
} conf_dc_list_t;

/* A keyed map entry: continents "EU", countries "GB", subdivisions "US/CA",
 * cities "GB/London" or "US/CA/San Francisco" (keys case-insensitive for codes). */
typedef struct conf_map_entry {
    char *key;
    conf_dc_list_t dcs;
    conf_pos_t pos;
} conf_map_entry_t;

/* A CIDR override in a map's nets: list. */
typedef struct conf_map_net {
    gslb_addr_t net;     /* host bits are zero */
    uint8_t prefix_bits; /* 0..32 for IPv4, 0..128 for IPv6 */
    conf_dc_list_t dcs;
    conf_pos_t pos;
} conf_map_net_t;

/* maps: name -> rules. Resolution order: nets > cities > subdivisions >
 * countries > continents > (nearest by distance if is_nearest_fallback) > default. */
typedef struct conf_map {
    char *name;
    conf_map_net_t *nets;
    size_t net_count;
    conf_map_entry_t *cities, *subdivisions, *countries, *continents;
    size_t city_count, subdivision_count, country_count, continent_count;
    conf_dc_list_t default_dcs;   /* empty = all data centers in config order */
    bool is_nearest_fallback;     /* "nearest_fallback: true" */
    conf_pos_t pos;
} conf_map_t;

typedef enum conf_policy {
    CONF_POLICY_MAP = 0, /* geo map (needs map:) */
    CONF_POLICY_NEAREST, /* data centers ordered by great-circle distance from the client */
    CONF_POLICY_WEIGHTED,/* one data center chosen at random by capacity weight */
    CONF_POLICY_FAILOVER,/* the fixed order in datacenters: */
    CONF_POLICY_HASHED,  /* weighted rendezvous hashing of the client subnet by capacity */
    CONF_POLICY_LATENCY, /* ordered by measured RTT from a latency table */
} conf_policy_t;

/* Where the clients of a data center that is down (or sheds) go. */
typedef enum conf_failover {
    CONF_FAILOVER_SPREAD = 0, /* over the next candidates by spare capacity, per client hash */
    CONF_FAILOVER_ORDERED,    /* all to the next candidate that is up */
} conf_failover_t;

/* What a service answers when every candidate data center is down. */
typedef enum conf_fail {
    CONF_FAIL_OPEN = 0,  /* answer as if all were up (default, as other GSLBs do) */
    CONF_FAIL_CLOSED,    /* empty answer: NOERROR/NODATA with the SOA, TTL = degraded_ttl */
    CONF_FAIL_DATACENTER,/* answer from fail_dc whatever its state */
} conf_fail_t;

/* services: a load-balanced owner name inside a served zone. */
typedef struct conf_service {
    char *name;            /* absolute presentation name, lower case, with final dot */
    conf_policy_t policy;
    int map;               /* index into conf_t.maps for CONF_POLICY_MAP, else -1 */
    conf_dc_list_t datacenters; /* candidates; empty = all, in config order */
    uint32_t ttl_s;        /* 1..86400, default 30 */
    unsigned address_count;/* addresses per answer, 1..16, default 1 */
    unsigned dc_count;     /* data centers contributing addresses, 1..16, default 1 */
    conf_fail_t fail;      /* "fail: open|closed|<datacenter>" */
    int fail_dc;           /* CONF_FAIL_DATACENTER: index into conf_t.datacenters */
    uint32_t degraded_ttl_s; /* TTL when answering from a fallback or partly down site;
                              * default max(1, ttl / 2) */
    conf_failover_t failover; /* "failover: spread | ordered", default spread */
    uint8_t hash_prefix_v4;  /* client subnet hashed: 0..32, default 24 */
    uint8_t hash_prefix_v6;  /* 0..128, default 56 */
    bool is_rotated;         /* "rotate: true": records rotate from query to query */
    int latency;             /* CONF_POLICY_LATENCY: index into conf_t.latency_tables */
    double latency_tolerance_ms; /* RTTs within this of the best count as equal, default 5 */
    conf_pos_t pos;
} conf_service_t;

/* latency_tables: name -> a table of RTTs per client prefix and data center
 * (include/gslb/latency.h), read at load and on change. */
typedef struct conf_latency_table {
    char *name;
    char *file;         /* resolved path */
    unsigned max_age_s; /* rows older than this are ignored; 0 = never */
    conf_pos_t pos;
} conf_latency_table_t;

#define CONF_DEFAULT_LATENCY_TOLERANCE_MS 5.0

/* steering: section: the controller and the client hash. */
typedef struct conf_steering {
    unsigned interval_ms;   /* controller step, default 1000 */
    uint64_t hash_seed;     /* the same on every instance of a fleet, default 0 */
    steer_prom_def_t prometheus; /* url NULL = no Prometheus */
    conf_pos_t pos;
} conf_steering_t;

/* rate_limit: section: response rate limiting (RRL). Without the section it is off. */
enum {
    /* Response classes, in this order in conf_rate_limit_t.rate (the rrl module's order). */
    CONF_RRL_ANSWER = 0,
    CONF_RRL_NODATA,
    CONF_RRL_NXDOMAIN,
    CONF_RRL_REFERRAL,
    CONF_RRL_ERROR,
    CONF_RRL_CLASSES
};
#define CONF_RRL_DEFAULT_RATE 100
#define CONF_RRL_DEFAULT_WINDOW_S 5
#define CONF_RRL_DEFAULT_SLIP 2
#define CONF_RRL_DEFAULT_TABLE_SIZE 65536

/* A network the limits do not apply to (exempt:), ADDRESS/PREFIX with no host bits. */
typedef struct conf_net {
    gslb_addr_t net;
    uint8_t prefix_bits;
    conf_pos_t pos;
} conf_net_t;

typedef struct conf_rate_limit {
    bool is_enabled;                  /* the section is present (and enabled: is not false) */
    uint32_t rate[CONF_RRL_CLASSES];  /* responses/s per bucket, 0 = class not limited;
                                       * rate: sets all, answer_rate etc. one each */
    uint32_t window_s;                /* default 5 */
    uint32_t slip;                    /* default 2 */
    uint8_t prefix_v4, prefix_v6;     /* default 24 and 56 */
    uint32_t table_size;              /* buckets, default 65536; read at start only */
    bool is_cookie_exempt;            /* valid server cookie: not limited (default true) */
    conf_net_t *exempt;
    size_t exempt_count;
    conf_pos_t pos;
} conf_rate_limit_t;

/* cookies: section: DNS Cookies (RFC 7873, RFC 9018). On unless enabled: false. */
#define CONF_COOKIE_DEFAULT_ROTATE_S 86400
typedef struct conf_cookies {
    bool is_enabled;     /* default true */
    char *secret_file;   /* resolved path of the shared secrets (hex, current then previous),
                          * or NULL: a random secret rotated every rotate_s */
    conf_pos_t secret_file_pos;
    unsigned rotate_s;   /* default 86400; read at start only */
    conf_pos_t pos;
} conf_cookies_t;
/* fleet: section: gslbd instances that agree through etcd (gslb/fleet.h has
 * the keys and their ranges). def.is_enabled false = no section. */
typedef struct conf_fleet {
    fleet_def_t def;
    conf_pos_t pos;
} conf_fleet_t;

/* A whole configuration file. All strings and arrays are owned by it. */
typedef struct conf {
    char *path; /* as given to conf_load */
    char *dir;  /* directory of path, for resolving relative file names */
    conf_server_t server;
    conf_zone_t *zones;
    size_t zone_count;
    conf_geoip_t geoip;
    conf_control_t control;
    conf_probe_t *probes;
    size_t probe_count;
    conf_datacenter_t *datacenters;
    size_t datacenter_count;
    conf_map_t *maps;
    size_t map_count;
    conf_service_t *services;
    size_t service_count;
    conf_latency_table_t *latency_tables;
    size_t latency_table_count;
    conf_steering_t steering;
    conf_rate_limit_t rate_limit;
    conf_cookies_t cookies;
    conf_fleet_t fleet;
} conf_t;

/* Parse and validate the YAML file at path. Every problem is reported to diag
 * as "file:line:col: error: ..." (all of them, not just the first). Returns 0
 * and *out (owned by the caller, free with conf_free), or -GSLB_ECONF when
 * any error was reported (then *out is NULL), or -GSLB_EIO when the file
 * cannot be read (also reported to diag). Load path only; any thread. */
int conf_load(const char *path, gslb_diag_t *diag, conf_t **out);

/* Same as conf_load, from a string in memory; name is used in messages and
 * relative paths resolve against the current directory. For tests. */
int conf_load_string(const char *name, const char *yaml, gslb_diag_t *diag, conf_t **out);

/* Free a configuration; NULL does nothing. */
void conf_free(conf_t *c);

/* Index of the probe called name, or -1. */
int conf_probe_find(const conf_t *c, const char *name);

/* Index of the data center called name, or -1. */
int conf_datacenter_find(const conf_t *c, const char *name);

/* Index of the latency table called name, or -1. */
int conf_latency_table_index(const conf_t *c, const char *name);

#endif
