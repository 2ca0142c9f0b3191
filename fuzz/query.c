/* libFuzzer target for the query path: the input is one DNS message, answered by
 * query_answer from a fixture snapshot over UDP and over TCP.
 *
 * The snapshot is built once (LLVMFuzzerInitialize) from the embedded configuration and
 * zones below, written to a temporary directory: two zones (a parent with a delegation, DS,
 * CNAMEs, DNAMEs and a wildcard; a nested child), services with every kind of target, and
 * when GSLB_FUZZ_GEOIP names a MaxMind database (scripts/fuzz.sh generates one from
 * tests/integration/001_geo_steering/geo.spec) a GeoIP map and a nearest service too. The
 * parent zone is signed with an ECDSA key made at start (queries with DO get RRSIGs,
 * compact denial and signatures made online through the worker's signature cache).
 *
 * For each input: the UDP response must fit the client's payload limit (512 without EDNS,
 * the smaller of the client's and ours with it, never below 512), and any response must
 * parse back with ldns and have QR set. The client address (IPv4 or IPv6, from a few
 * GeoIP networks) is chosen from the message ID, so it is in the fuzzer's hands. */
#include <ldns/ldns.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gslb/dns.h"
#include "gslb/query.h"
#include "gslb/server.h"
#include "gslb/snapshot.h"
#include "gslb/util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char parent_zone[] =
    "$ORIGIN p.test.\n"
    "$TTL 3600\n"
    "@ SOA ns1 hostmaster 1 3600 900 86400 300\n"
    "@ NS ns1\n"
    "@ MX 10 mail\n"
    "@ TXT \"v=spf1 -all\"\n"
    "@ CAA 0 issue \"ca.example\"\n"
    "ns1 A 192.0.2.1\n"
    "ns1 AAAA 2001:db8::1\n"
    "mail A 192.0.2.25\n"
    "www A 192.0.2.10\n"
    "www AAAA 2001:db8::10\n"
    "_sip._udp SRV 10 5 5060 www\n"
    "10.2.0.192.in-addr PTR www\n"
    "cn CNAME www\n"
    "loop1 CNAME loop2\n"
    "loop2 CNAME loop1\n"
    "out CNAME www.example.\n"
    "sub NS ns1.sub\n"
    "ns1.sub A 192.0.2.53\n"
    "tosub CNAME www.sub\n"
    "c NS ns1.c\n"
    "c DS 1 13 2 E2D3C916F6DEEAC73294E8268FB5885044A833FC5459588F4A9184CFC41A5766\n"
    "ns1.c A 192.0.2.60\n"
    "toc CNAME c\n"
    "dm DNAME tg\n"
    "www.tg A 192.0.2.81\n"
    "todm CNAME www.dm\n"
    "dn DNAME target\n"
    "www.target A 192.0.2.80\n"
    "*.wild A 192.0.2.99\n"
    "*.wild TXT \"wild\"\n"
    "long TXT \"" "0123456789012345678901234567890123456789012345678901234567890123456789"
    "0123456789012345678901234567890123456789012345678901234567890123456789" "\"\n"
    "big A 192.0.2.101\nbig A 192.0.2.102\nbig A 192.0.2.103\nbig A 192.0.2.104\n"
    "big A 192.0.2.105\nbig A 192.0.2.106\nbig A 192.0.2.107\nbig A 192.0.2.108\n"
    "big AAAA 2001:db8::101\nbig AAAA 2001:db8::102\nbig AAAA 2001:db8::103\n"
    "big AAAA 2001:db8::104\nbig AAAA 2001:db8::105\nbig AAAA 2001:db8::106\n";

static const char child_zone[] =
    "$ORIGIN c.p.test.\n"
    "$TTL 300\n"
    "@ SOA ns1 hostmaster 1 3600 900 86400 300\n"
    "@ NS ns1\n"
    "ns1 A 192.0.2.60\n"
    "www A 192.0.2.61\n";

static const char config_head[] =
    "server:\n"
    "  listen: [\"127.0.0.1:5353\"]\n"
    "  version: \"gslbd-fuzz\"\n"
    "  nsid: \"fuzz-1\"\n"
    "zones:\n"
    "  - file: p.zone\n"
    "    origin: p.test.\n"
    "    dnssec: {keys: [{file: Kfuzz, role: csk}]}\n"
    "  - file: c.zone\n"
    "    origin: c.p.test.\n"
    "datacenters:\n"
    "  us-east:\n"
    "    location: [39.04, -77.49]\n"
    "    addresses: [192.0.2.10, 192.0.2.11, \"2001:db8:10::10\"]\n"
    "  eu-west:\n"
    "    location: [53.35, -6.26]\n"
    "    addresses: [198.51.100.10, 198.51.100.11, \"2001:db8:20::10\"]\n"
    "  dc-c:\n"
    "    cname: www.p.test.\n"
    "maps:\n"
    "  nets:\n"
    "    nets:\n"
    "      \"127.0.0.0/8\": [us-east]\n"
    "      \"10.0.0.0/8\": [eu-west]\n"
    "      \"2001:db8::/32\": [eu-west]\n"
    "    default: [us-east]\n"
    "services:\n"
    "  svc.p.test.:\n"
    "    policy: failover\n"
    "    datacenters: [us-east, eu-west]\n"
    "  alias.p.test.:\n"
    "    policy: failover\n"
    "    datacenters: [dc-c]\n"
    "  netmap.p.test.:\n"
    "    map: nets\n"
    "    addresses: 2\n"
    "  weighted.p.test.:\n"
    "    policy: weighted\n"
    "    datacenters: [us-east, eu-west]\n";

/* The GeoIP map, added to the maps section when there is a database. */
static const char world_map[] =
    "  world:\n"
    "    continents:\n"
    "      NA: [us-east, eu-west]\n"
    "      EU: [eu-west, us-east]\n"
    "    countries:\n"
    "      RU: [eu-west]\n"
    "    nets:\n"
    "      \"81.2.3.0/24\": [us-east]\n"
    "    default: [us-east]\n";

static snapshot_t *snap;
static query_worker_t worker;
static uint8_t resp[SERVER_MAX_MSG];

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
        fprintf(stderr, "fuzz/query: cannot write %s\n", path);
        abort();
    }
}

/* An ECDSA P-256 key for p.test. as dir/Kfuzz.private and dir/Kfuzz.key. */
static void write_key(const char *dir)
{
    ldns_key *k = ldns_key_new_frm_algorithm(LDNS_SIGN_ECDSAP256SHA256, 256);
    ldns_rdf *owner = NULL;
    if (k == NULL || ldns_str2rdf_dname(&owner, "p.test.") != LDNS_STATUS_OK) {
        abort();
    }
    ldns_key_set_pubkey_owner(k, owner);
    ldns_key_set_flags(k, 257);
    ldns_rr *rr = ldns_key2rr(k);
    char path[512];
    snprintf(path, sizeof(path), "%s/Kfuzz.private", dir);
    FILE *f = fopen(path, "w");
    if (rr == NULL || f == NULL) {
        abort();
    }
    ldns_key_print(f, k);
    fclose(f);
    snprintf(path, sizeof(path), "%s/Kfuzz.key", dir);
    f = fopen(path, "w");
    if (f == NULL) {
        abort();
    }
    ldns_rr_print(f, rr);
    fclose(f);
    ldns_rr_free(rr);
    ldns_key_deep_free(k);
}

/* The configuration: config_head, with the GeoIP services and map when a database is given. */
static char *config_text(const char *geoip)
{
    size_t cap = sizeof(config_head) + sizeof(world_map) + 1024;
    char *t = malloc(cap);
    if (t == NULL) {
        abort();
    }
    if (geoip == NULL) {
        snprintf(t, cap, "%s", config_head);
        return t;
    }
    /* geoip before maps, the world map at the end of maps, the GeoIP services at the end. */
    const char *maps_at = strstr(config_head, "maps:\n");
    const char *services_at = strstr(config_head, "services:\n");
    int n = snprintf(t, cap, "%.*s", (int)(maps_at - config_head), config_head);
    n += snprintf(t + n, cap - (size_t)n, "geoip:\n  database: %s\n", geoip);
    n += snprintf(t + n, cap - (size_t)n, "%.*s%s", (int)(services_at - maps_at), maps_at,
                  world_map);
    n += snprintf(t + n, cap - (size_t)n, "%s", services_at);
    snprintf(t + n, cap - (size_t)n,
             "  geo.p.test.:\n    map: world\n    ttl: 30\n"
             "  near.p.test.:\n    policy: nearest\n    datacenters: [us-east, eu-west]\n"
             "    ttl: 20\n"
             /* Low enough that the fuzzer's repeated queries are limited, slipped and
              * answered BADCOOKIE, with one network exempt. */
             "rate_limit:\n  rate: 5\n  slip: 2\n  window_s: 1\n  exempt: [10.0.0.0/8]\n");
    return t;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    log_set_level(LOG_LEVEL_ERR);
    char dir[] = "/tmp/gslb_fuzz_query.XXXXXX";
    if (mkdtemp(dir) == NULL) {
        abort();
    }
    const char *geoip = getenv("GSLB_FUZZ_GEOIP");
    if (geoip != NULL && (geoip[0] == '\0' || access(geoip, R_OK) != 0)) {
        fprintf(stderr, "fuzz/query: GSLB_FUZZ_GEOIP=%s is not readable; no GeoIP\n", geoip);
        geoip = NULL;
    }
    char *conf = config_text(geoip);
    write_file(dir, "p.zone", parent_zone);
    write_file(dir, "c.zone", child_zone);
    write_file(dir, "gslbd.yaml", conf);
    write_key(dir);
    free(conf);
    char path[512];
    snprintf(path, sizeof(path), "%s/gslbd.yaml", dir);
    gslb_diag_t *diag = gslb_diag_new(true);
    int rc = snapshot_load(&snap, path, NULL, NULL, diag);
    gslb_diag_free(diag);
    if (rc != 0) {
        fprintf(stderr, "fuzz/query: the fixture snapshot does not load (%d)\n", rc);
        abort();
    }
    static const char *const names[] = {"p.zone", "c.zone", "gslbd.yaml", "Kfuzz.private",
                                        "Kfuzz.key"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        unlink(path);
    }
    rmdir(dir);
    query_worker_init(&worker, 1);
    worker.rrl = rrl_table_new(4096);
    worker.cookie_keys = cookie_keys_new();
    worker.sig_cache = dnssec_cache_new(256);
    if (worker.rrl == NULL || worker.cookie_keys == NULL) {
        abort();
    }
    fprintf(stderr, "fuzz/query: fixture snapshot loaded (%s GeoIP)\n",
            geoip != NULL ? "with" : "without");
    return 0;
}

/* The UDP limit query_answer must keep to: 512 without EDNS, else the smaller of the
 * client's and our payload size, never below 512. The query is read with our own parser,
 * not ldns: ldns 1.8 leaks the second OPT record of a query that has two (a FORMERR query
 * the fuzzer finds at once). A query the parser refuses gets the widest limit the server
 * could pick for it. */
static size_t udp_limit(const uint8_t *data, size_t size)
{
    size_t ours = snap->edns_payload < DNS_UDP_MIN ? DNS_UDP_MIN : snap->edns_payload;
    dns_query_t q;
    dns_parse_result_t r = dns_query_parse(data, size, &q);
    if (r != DNS_PARSE_OK && r != DNS_PARSE_BADVERS && r != DNS_PARSE_COOKIE_ONLY) {
        return ours;
    }
    if (!q.has_edns) {
        return DNS_UDP_MIN;
    }
    size_t limit = q.edns_udp_size < ours ? q.edns_udp_size : ours;
    return limit < DNS_UDP_MIN ? DNS_UDP_MIN : limit;
}

static void check_response(const char *what, size_t n)
{
    if (n == 0) {
        return;
    }
    ldns_pkt *p = NULL;
    ldns_status st = ldns_wire2pkt(&p, resp, n);
    if (st != LDNS_STATUS_OK) {
        fprintf(stderr, "fuzz/query: %s response of %zu bytes does not parse: %s\n", what, n,
                ldns_get_errorstr_by_id(st));
        abort();
    }
    if (!ldns_pkt_qr(p)) {
        fprintf(stderr, "fuzz/query: %s response without QR\n", what);
        abort();
    }
    ldns_pkt_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > SERVER_MAX_MSG) {
        return 0;
    }
    /* The client: picked by the message ID's low bits (a copy keeps the fuzzer's buffer). */
    struct sockaddr_in in4 = {.sin_family = AF_INET, .sin_port = htons(5353)};
    struct sockaddr_in6 in6 = {.sin6_family = AF_INET6, .sin6_port = htons(5353)};
    static const char *const v4[] = {"127.0.0.1", "81.2.3.4", "24.1.2.3", "5.0.1.2",
                                     "10.1.2.3", "192.0.2.1", "0.0.0.0", "255.255.255.255"};
    static const char *const v6[] = {"::1", "2a00:1450::1", "2600:1f00::1", "2001:db8::5",
                                     "::ffff:81.2.3.4", "::", "2400:cb00::1", "fe80::1"};
    unsigned pick = size >= 2 ? data[1] & 15u : 0;
    const struct sockaddr *peer;
    socklen_t peer_len;
    if (pick < 8) {
        inet_pton(AF_INET, v4[pick], &in4.sin_addr);
        peer = (const struct sockaddr *)&in4;
        peer_len = sizeof(in4);
    } else {
        inet_pton(AF_INET6, v6[pick - 8], &in6.sin6_addr);
        peer = (const struct sockaddr *)&in6;
        peer_len = sizeof(in6);
    }
    /* Copy so that ASan sees reads past the message's end. */
    uint8_t *msg = malloc(size ? size : 1);
    if (msg == NULL) {
        return 0;
    }
    memcpy(msg, data, size);
    server_request_t req = {
        .msg = msg, .len = size, .peer = peer, .peer_len = peer_len, .transport = SERVER_UDP};

    size_t n = query_answer(&worker, snap, &req, resp, sizeof(resp));
    size_t limit = udp_limit(msg, size);
    if (n > limit) {
        fprintf(stderr, "fuzz/query: UDP response of %zu bytes over the limit of %zu\n", n,
                limit);
        abort();
    }
    check_response("UDP", n);

    req.transport = SERVER_TCP;
    n = query_answer(&worker, snap, &req, resp, sizeof(resp));
    check_response("TCP", n);
    free(msg);
    return 0;
}
