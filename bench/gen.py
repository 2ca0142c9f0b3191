#!/usr/bin/python3
"""Generate everything the benchmark serves and sends: the GeoIP spec, the zones, the gslbd,
gdnsd, NSD and Knot configurations, and the query files.

Usage: gen.py OUTDIR --port-gslbd P --port-gdnsd P --port-shed P --port-control P
              --port-big P [--big-names N] --mkmmdb PATH
       gen.py OUTDIR --geolite2 MMDB --port-gslbd P --port-gdnsd P --port-shed P --port-control P

The first form writes the synthetic set: a synthetic GeoIP database and everything served and
sent with it. The second writes, into its own OUTDIR (a subdirectory of the first's), the same
zone, map and configurations pointing at a real GeoLite2-City database instead, and the
varied-ECS query files drawn from that database's networks; the other query files are links
to the synthetic set's (OUTDIR/..), which must exist.

Each set also has what the two gslbd-only steering cases need (dynamic steering, which gdnsd
does not have): a `hashed` service in gslbd.yaml, and gslbd-shed.yaml, the same configuration
on its own DNS port (--port-shed) with a control endpoint (--port-control) and file load feeds
(steer-load.txt) that make the data center most of the varied-ECS /24s map to (named in
steer-dc.txt) shed part of its clients.

Everything is deterministic (fixed random seed), so two runs send the same queries.
Query files are in dnsperf's -B format: each message is preceded by its length as a
16-bit big-endian number (RFC 1035 4.2.2), so every query can carry its own EDNS Client
Subnet option, which dnsperf's text format cannot express.
"""
import argparse
import bisect
import ipaddress
import os
import random
import struct
import subprocess
import sys

import dns.edns
import dns.flags
import dns.message
import dns.name
import dns.rdatatype

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

ZONE = "bench.example."
BIG_ZONE = "big.example."
EDNS_PAYLOAD = 1232

# The three data centers, each with two IPv4 addresses, and their capacity weights.
DCS = [
    ("us-east", 100, ["192.0.2.10", "192.0.2.11"], (39.04, -77.49)),
    ("eu-west", 100, ["198.51.100.10", "198.51.100.11"], (53.35, -6.26)),
    ("ap-southeast", 50, ["203.0.113.10", "203.0.113.11"], (1.35, 103.82)),
]
# Continent -> data centers in order of preference; the same map for both servers.
CONTINENT_MAP = {
    "NA": ["us-east", "eu-west", "ap-southeast"],
    "SA": ["us-east", "eu-west", "ap-southeast"],
    "EU": ["eu-west", "us-east", "ap-southeast"],
    "AF": ["eu-west", "us-east", "ap-southeast"],
    "AS": ["ap-southeast", "eu-west", "us-east"],
    "OC": ["ap-southeast", "us-east", "eu-west"],
}
DEFAULT_ORDER = ["us-east", "eu-west", "ap-southeast"]

# Locations the synthetic GeoIP database hands out:
# continent, country, subdivision, city, latitude, longitude.
PLACES = [
    ("NA", "US", "NY", "New_York", 40.71, -74.01),
    ("NA", "US", "CA", "San_Jose", 37.34, -121.89),
    ("NA", "US", "VA", "Ashburn", 39.04, -77.49),
    ("NA", "US", "TX", "Dallas", 32.78, -96.80),
    ("NA", "CA", "ON", "Toronto", 43.65, -79.38),
    ("NA", "MX", "CMX", "Mexico_City", 19.43, -99.13),
    ("SA", "BR", "SP", "Sao_Paulo", -23.55, -46.63),
    ("SA", "AR", "C", "Buenos_Aires", -34.60, -58.38),
    ("SA", "CL", "RM", "Santiago", -33.45, -70.67),
    ("EU", "GB", "ENG", "London", 51.51, -0.13),
    ("EU", "FR", "IDF", "Paris", 48.86, 2.35),
    ("EU", "DE", "BE", "Berlin", 52.52, 13.40),
    ("EU", "DE", "HE", "Frankfurt", 50.11, 8.68),
    ("EU", "NL", "NH", "Amsterdam", 52.37, 4.90),
    ("EU", "ES", "MD", "Madrid", 40.42, -3.70),
    ("EU", "IT", "25", "Milan", 45.46, 9.19),
    ("EU", "PL", "14", "Warsaw", 52.23, 21.01),
    ("EU", "SE", "AB", "Stockholm", 59.33, 18.07),
    ("EU", "RU", "MOW", "Moscow", 55.75, 37.62),
    ("AF", "ZA", "GP", "Johannesburg", -26.20, 28.05),
    ("AF", "NG", "LA", "Lagos", 6.52, 3.38),
    ("AF", "EG", "C", "Cairo", 30.04, 31.24),
    ("AF", "KE", "30", "Nairobi", -1.29, 36.82),
    ("AS", "JP", "13", "Tokyo", 35.69, 139.69),
    ("AS", "JP", "27", "Osaka", 34.69, 135.50),
    ("AS", "SG", "-", "Singapore", 1.29, 103.85),
    ("AS", "IN", "MH", "Mumbai", 19.08, 72.88),
    ("AS", "IN", "KA", "Bangalore", 12.97, 77.59),
    ("AS", "KR", "11", "Seoul", 37.57, 126.98),
    ("AS", "CN", "SH", "Shanghai", 31.23, 121.47),
    ("AS", "HK", "-", "Hong_Kong", 22.32, 114.17),
    ("AS", "ID", "JK", "Jakarta", -6.21, 106.85),
    ("OC", "AU", "NSW", "Sydney", -33.87, 151.21),
    ("OC", "AU", "VIC", "Melbourne", -37.81, 144.96),
    ("OC", "NZ", "AUK", "Auckland", -36.85, 174.76),
]

STATIC_HOSTS = 1000   # h0000..h0999, each with A and AAAA
STATIC_TXT = 100      # t000..t099, each with a TXT record
QUERIES = 100000      # per query file for the throughput runs
CALLGRIND_QUERIES = 10000
ECS_NETS = 20000      # distinct /24s in the varied-ECS case
FIXED_ECS = "81.2.69.0"  # a London /24 in the synthetic database

# The gslbd-only steering cases. The hashed service's name is as long as "geo", so that its
# queries differ from the map service's in the policy they meet and in nothing else.
HASHED_NAME = "hsh"
# Utilisation in the shedding configuration's load file: the busiest data center (the one the
# map sends most varied-ECS /24s to) over its target (the default, 0.8), the others well under
# it. The whole fleet must stay under the target too: were it over, the controller would aim
# every site at the fleet's level and the busiest one would not shed. Here (100 x 1.6 +
# 100 x 0.2 + 50 x 0.2) / 250 = 0.76 (or less with ap-southeast the busiest). The first step
# on 1.6 sheds 0.25 of the site's clients, a second (the file touched again) 0.4375.
STEER_BUSY_UTIL = 1.6
STEER_IDLE_UTIL = 0.2
# The figures are written once and only touched to step the controller: they must not go
# stale while valgrind runs (a stale site counts as at its target, which would change the
# spill-over's weights). One hour, as long as any process of bench/run.sh lives.
STEER_MAX_AGE_MS = 3600000


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


# ---- GeoIP --------------------------------------------------------------------------------

def geo_slash8s(rng):
    """The /8 blocks the synthetic database covers (public unicast, no special ranges)."""
    skip = {0, 10, 81, 100, 127, 169, 172, 192, 198, 203}
    pool = [a for a in range(1, 224) if a not in skip]
    return sorted(rng.sample(pool, 120))


def geo_spec(rng):
    """Networks of several sizes, like a real database: each covered /8 is cut into /12s,
    a third of those into /16s with their own places, a tenth of those into /20s."""
    lines = ["# CIDR CONTINENT COUNTRY SUBDIVISION CITY LAT LON (synthetic, for the benchmark)"]

    def line(net):
        p = rng.choice(PLACES)
        lines.append("%s %s %s %s %s %.2f %.2f" % (net, p[0], p[1], p[2], p[3], p[4], p[5]))

    for a in geo_slash8s(random.Random(1)):
        for b12 in range(16):
            line("%d.%d.0.0/12" % (a, b12 << 4))
            if rng.random() < 0.33:
                for b16 in range(16):
                    b = (b12 << 4) | b16
                    line("%d.%d.0.0/16" % (a, b))
                    if rng.random() < 0.10:
                        for c20 in range(16):
                            line("%d.%d.%d.0/20" % (a, b, c20 << 4))
    # The fixed ECS client's network, and a few IPv6 ones.
    lines.append("81.2.0.0/16 EU GB ENG London 51.51 -0.13")
    lines.append("2a00:1450::/32 EU IE L Dublin 53.35 -6.26")
    lines.append("2600:1f00::/24 NA US VA Ashburn 39.04 -77.49")
    lines.append("2400:cb00::/32 AS SG - Singapore 1.29 103.85")
    return "\n".join(lines) + "\n"


def ecs_nets(rng):
    """ECS_NETS distinct /24s: 95% inside the database's networks, 5% outside it."""
    covered = geo_slash8s(random.Random(1))
    uncovered = [a for a in range(1, 224) if a not in covered and a not in (10, 127)]
    seen = set()
    out = []
    while len(out) < ECS_NETS:
        a = rng.choice(covered) if rng.random() < 0.95 else rng.choice(uncovered)
        net = (a, rng.randrange(256), rng.randrange(256))
        if net in seen:
            continue
        seen.add(net)
        out.append("%d.%d.%d.0" % net)
    return out


# ---- zones --------------------------------------------------------------------------------

def zone_static_part(origin):
    out = [
        "$ORIGIN %s" % origin,
        "$TTL 3600",
        "@ IN SOA ns1 hostmaster ( 2024010101 3600 900 1209600 300 )",
        "@ IN NS ns1",
        "@ IN NS ns2",
        "ns1 IN A 192.0.2.53",
        "ns2 IN A 198.51.100.53",
        "@ IN MX 10 mail",
        "@ IN MX 20 mail2",
        "mail IN A 192.0.2.25",
        "mail2 IN A 198.51.100.25",
        '@ IN TXT "v=spf1 mx -all"',
    ]
    for i in range(STATIC_HOSTS):
        out.append("h%04d IN A 10.%d.%d.%d" % (i, i >> 16 & 255, i >> 8 & 255, i & 255))
        out.append("h%04d IN AAAA 2001:db8::%x" % (i, i + 1))
    for i in range(STATIC_TXT):
        out.append('t%03d IN TXT "benchmark text record number %d"' % (i, i))
    return out


def zone_gslbd():
    # The services (geo, wrr) come from the configuration, not the zone file.
    return "\n".join(zone_static_part(ZONE)) + "\n"


def zone_gdnsd():
    lines = zone_static_part(ZONE)
    lines.append("geo 30 IN DYNA geoip!geo")
    lines.append("wrr 30 IN DYNA weighted!wrr")
    return "\n".join(lines) + "\n"


def big_zone(n):
    """A zone of n names: each with an A record, every 4th with AAAA, every 10th with TXT."""
    parts = [
        "$ORIGIN %s\n$TTL 3600\n" % BIG_ZONE,
        "@ IN SOA ns1 hostmaster ( 2024010101 3600 900 1209600 300 )\n",
        "@ IN NS ns1\n@ IN NS ns2\nns1 IN A 192.0.2.53\nns2 IN A 198.51.100.53\n",
    ]
    chunk = []
    for i in range(n):
        name = "n%07d" % i
        chunk.append("%s IN A 10.%d.%d.%d\n" % (name, i >> 16 & 255, i >> 8 & 255, i & 255))
        if i % 4 == 0:
            chunk.append("%s IN AAAA 2001:db8:%x::%x\n" % (name, i >> 16, i & 0xFFFF))
        if i % 10 == 0:
            chunk.append('%s IN TXT "record %d"\n' % (name, i))
        if len(chunk) > 50000:
            parts.append("".join(chunk))
            chunk = []
    parts.append("".join(chunk))
    return "".join(parts)


# ---- configurations -------------------------------------------------------------------------

def gslbd_config(port, mmdb, zone_file, origin, with_services=True, steer=None):
    """steer: None, or {"control_port": P, "load_file": PATH} for the shedding configuration:
    a control endpoint (to read the shed fractions) and a file load feed on every data center
    (the figures of all of them count towards the fleet's level)."""
    y = [
        "server:",
        '  listen: ["127.0.0.1:%d"]' % port,
        "  workers: 1",
        "  edns_payload: %d" % EDNS_PAYLOAD,
        "  log_level: info",
        "zones:",
        "  - file: %s" % zone_file,
        "    origin: %s" % origin,
    ]
    if with_services:
        y += ["geoip:", "  database: %s" % mmdb, "datacenters:"]
        for name, weight, addrs, loc in DCS:
            y.append("  %s:" % name)
            y.append("    location: [%s, %s]" % loc)
            y.append("    weight: %d" % weight)
            y.append("    addresses: [%s]" % ", ".join(addrs))
            if steer:
                y.append("    load: {feed: file, file: %s, max_age_ms: %d}" %
                         (steer["load_file"], STEER_MAX_AGE_MS))
        y += ["maps:", "  world:", "    continents:"]
        for cont, order in CONTINENT_MAP.items():
            y.append("      %s: [%s]" % (cont, ", ".join(order)))
        y.append("    default: [%s]" % ", ".join(DEFAULT_ORDER))
        y += [
            "services:",
            "  geo.%s:" % ZONE,
            "    policy: map",
            "    map: world",
            "    ttl: 30",
            "    addresses: 2",
            "  wrr.%s:" % ZONE,
            "    policy: weighted",
            "    ttl: 30",
            "    addresses: 2",
            # The map service's data centers, by rendezvous hashing of the client's /24.
            "  %s.%s:" % (HASHED_NAME, ZONE),
            "    policy: hashed",
            "    ttl: 30",
            "    addresses: 2",
        ]
        if steer:
            y += ["control:", "  listen: 127.0.0.1:%d" % steer["control_port"]]
    else:
        # No services: a minimal data center, as the configuration requires one.
        y += ["datacenters:", "  only:", "    addresses: [192.0.2.1]"]
    return "\n".join(y) + "\n"


def gdnsd_config(port, mmdb, rundir, statedir):
    c = [
        "options => {",
        '  listen => [ "127.0.0.1:%d" ]' % port,
        "  udp_threads => 1",
        "  tcp_threads => 1",
        "  edns_client_subnet => true",
        # As large as gdnsd allows (gslbd asks for 4 MiB): dnsperf starts with a burst of
        # 500 queries, more than the default buffer holds.
        "  udp_rcvbuf => 1048576",
        "  zones_default_ttl => 3600",
        "  run_dir => %s" % rundir,
        "  state_dir => %s" % statedir,
        "}",
        "plugins => {",
        "  geoip => {",
        "    maps => {",
        "      world => {",
        "        geoip2_db => %s" % mmdb,
        "        datacenters => [ %s ]" % ", ".join(DEFAULT_ORDER),
        "        map => {",
    ]
    for cont, order in CONTINENT_MAP.items():
        c.append("          %s => [ %s ]" % (cont, ", ".join(order)))
    c += [
        "          default => [ %s ]" % ", ".join(DEFAULT_ORDER),
        "        }",
        "      }",
        "    }",
        "    resources => {",
        "      geo => {",
        "        map => world",
        "        dcmap => {",
    ]
    for name, _, addrs, _ in DCS:
        # An array is a multifo set: every address of the data center is answered, as
        # gslbd does with addresses: 2.
        c.append("          %s => [ %s ]" % (name, ", ".join(addrs)))
    c += ["        }", "      }", "    }", "  }", "  weighted => {", "    wrr => {"]
    for name, weight, addrs, _ in DCS:
        # Grouped-single: one group (data center) by weight, then all its addresses (equal
        # weights), like gslbd's weighted policy with addresses: 2. Group weight = the sum
        # of its addresses' weights, so 2+2 : 2+2 : 1+1 is 100 : 100 : 50.
        w = weight // 50
        c.append("      %s => {" % name)
        for i, a in enumerate(addrs):
            c.append("        a%d => [ %s, %d ]" % (i, a, w))
        c.append("      }")
    c += ["    }", "  }", "}"]
    return "\n".join(c) + "\n"


def nsd_config(port, workdir, zone_file):
    return """server:
    ip-address: 127.0.0.1@{port}
    server-count: 1
    database: ""
    zonelistfile: "{w}/zone.list"
    pidfile: "{w}/nsd.pid"
    xfrdfile: "{w}/xfrd.state"
    xfrdir: "{w}"
    cookie-secret-file: "{w}/cookiesecrets.txt"
    username: ""
    chroot: ""
    logfile: "{w}/nsd.log"
    verbosity: 1
    zonefiles-check: no
remote-control:
    control-enable: no
zone:
    name: {zone}
    zonefile: "{zf}"
""".format(port=port, w=workdir, zone=BIG_ZONE, zf=zone_file)


def knot_config(port, workdir, zone_file):
    return """server:
    listen: 127.0.0.1@{port}
    rundir: "{w}"
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
database:
    storage: "{w}/db"
log:
  - target: stderr
    any: info
template:
  - id: default
    storage: "{w}"
    zonefile-load: whole
    zonefile-sync: -1
    journal-content: none
    semantic-checks: off
zone:
  - domain: {zone}
    file: "{zf}"
""".format(port=port, w=workdir, zone=BIG_ZONE, zf=zone_file)


# ---- queries --------------------------------------------------------------------------------

def wire(qname, qtype, ecs=None):
    opts = []
    if ecs is not None:
        opts.append(dns.edns.ECSOption(ecs, 24))
    m = dns.message.make_query(qname, qtype, use_edns=0, payload=EDNS_PAYLOAD, options=opts)
    m.flags &= ~dns.flags.RD  # an authoritative server is asked without recursion
    m.id = 0                  # dnsperf overwrites the ID
    return m.to_wire()


def static_queries(rng, n):
    """30% A, 20% AAAA, 15% MX, 15% TXT, 20% NXDOMAIN (A for names that do not exist)."""
    out = []
    for _ in range(n):
        r = rng.random()
        h = "h%04d.%s" % (rng.randrange(STATIC_HOSTS), ZONE)
        if r < 0.30:
            out.append(wire(h, "A"))
        elif r < 0.50:
            out.append(wire(h, "AAAA"))
        elif r < 0.65:
            out.append(wire(ZONE, "MX"))
        elif r < 0.80:
            t = ZONE if rng.random() < 0.2 else "t%03d.%s" % (rng.randrange(STATIC_TXT), ZONE)
            out.append(wire(t, "TXT"))
        else:
            out.append(wire("nx%06d.%s" % (rng.randrange(1000000), ZONE), "A"))
    return out


def save(path, msgs):
    with open(path, "wb") as f:
        for m in msgs:
            f.write(struct.pack("!H", len(m)))
            f.write(m)


def queries(outdir, rng):
    nets = ecs_nets(random.Random(7))
    write(os.path.join(outdir, "ecs-nets.txt"), "\n".join(nets) + "\n")
    geo = "geo." + ZONE
    cases = {
        "static": lambda n, r: static_queries(r, n),
        "geo-noecs": lambda n, r: [wire(geo, "A") for _ in range(n)],
        "geo-ecs1": lambda n, r: [wire(geo, "A", FIXED_ECS) for _ in range(n)],
        # Every /24 once per 20,000 queries, in a shuffled order.
        "geo-ecsvar": lambda n, r: [wire(geo, "A", nets[i % len(nets)]) for i in
                                    shuffled(r, n)],
        "wrr": lambda n, r: [wire("wrr." + ZONE, "A") for _ in range(n)],
    }
    for name, make in cases.items():
        save(os.path.join(outdir, "q-%s.bin" % name), make(QUERIES, rng))
        save(os.path.join(outdir, "cg-%s.bin" % name), make(CALLGRIND_QUERIES, rng))


def shuffled(rng, n):
    idx = list(range(n))
    rng.shuffle(idx)
    return idx


def big_queries(outdir, n, rng):
    msgs = []
    for _ in range(QUERIES):
        msgs.append(wire("n%07d.%s" % (rng.randrange(n), BIG_ZONE), "A"))
    save(os.path.join(outdir, "q-big.bin"), msgs)


# ---- the steering cases (gslbd only) ---------------------------------------------------------

def spec_continents(spec, nets):
    """The continent the synthetic database gives each /24 of nets: that of the longest of its
    networks holding it (/20, /16 or /12, as geo_spec cuts them); None outside the database."""
    cont = {}
    for line in spec.splitlines():
        f = line.split()
        if f and not line.startswith("#") and ":" not in f[0]:
            cont[f[0]] = f[1]
    out = []
    for net in nets:
        a, b, c, _ = (int(x) for x in net.split("."))
        for key in ("%d.%d.%d.0/20" % (a, b, c & 0xF0), "%d.%d.0.0/16" % (a, b),
                    "%d.%d.0.0/12" % (a, b & 0xF0)):
            if key in cont:
                out.append(cont[key])
                break
        else:
            out.append(None)
    return out


def copy_renamed(src, dst, old, new):
    """The queries of src with QNAME old (wire form, the same length as new) renamed new:
    the same messages, byte for byte, but for the name."""
    assert len(old) == len(new)
    with open(src, "rb") as f:
        data = f.read()
    out = []
    pos = 0
    while pos < len(data):
        (n,) = struct.unpack("!H", data[pos:pos + 2])
        m = data[pos + 2:pos + 2 + n]
        if m[12:12 + len(old)] != old:
            raise SystemExit("gen.py: a query of %s does not ask for the expected name" % src)
        out.append(m[:12] + new + m[12 + len(old):])
        pos += 2 + n
    save(dst, out)


def steer_set(out, mmdb, port_shed, port_control, continents):
    """What the gslbd-only steering cases need in a set (OUTDIR out, whose gslbd.yaml, zone and
    cg-geo-ecsvar.bin are written): continents are those of the varied-ECS /24s, to find the
    data center the map sends most of them to.

    hashed-ecsvar: cg-geo-ecsvar.bin asking for the hashed service instead (gslbd.yaml has it).
    shed-ecsvar: cg-geo-ecsvar.bin itself, against gslbd-shed.yaml: gslbd.yaml on another
    port, with a control endpoint and every data center's load read from steer-load.txt, where
    the busiest one (named in steer-dc.txt) is over its target."""
    count = {}
    for c in continents:
        dc = CONTINENT_MAP.get(c, DEFAULT_ORDER)[0]
        count[dc] = count.get(dc, 0) + 1
    busiest = max(DEFAULT_ORDER, key=lambda d: count.get(d, 0))
    write(os.path.join(out, "steer-dc.txt"), busiest + "\n")
    load = os.path.join(out, "steer-load.txt")
    write(load, "# utilisation of each data center (bench/gen.py): %s over its target\n" % busiest +
          "".join("%s %.1f\n" % (name, STEER_BUSY_UTIL if name == busiest else STEER_IDLE_UTIL)
                  for name, _, _, _ in DCS))
    write(os.path.join(out, "gslbd-shed.yaml"),
          gslbd_config(port_shed, mmdb, os.path.join(out, "bench.example.zone"), ZONE,
                       steer={"control_port": port_control, "load_file": load}))
    geo = dns.name.from_text("geo." + ZONE).to_wire()
    hashed = dns.name.from_text(HASHED_NAME + "." + ZONE).to_wire()
    copy_renamed(os.path.join(out, "cg-geo-ecsvar.bin"), os.path.join(out, "cg-hashed-ecsvar.bin"),
                 geo, hashed)
    link = os.path.join(out, "cg-shed-ecsvar.bin")
    if os.path.lexists(link):
        os.unlink(link)
    os.symlink("cg-geo-ecsvar.bin", link)
    print("gen.py: varied-ECS /24s by first data center: %s; %s sheds in gslbd-shed.yaml" % (
        ", ".join("%s %d" % (d, count.get(d, 0)) for d in DEFAULT_ORDER), busiest),
        file=sys.stderr)


# ---- the real database ------------------------------------------------------------------------

ECS_FLOOR = 5  # /24s every country gets at least (as far as it has them)


def geolite2_ecs_nets(mmdb, rng):
    """ECS_NETS distinct /24s whose first address lies in a network of the real database,
    spread over its countries: each country (records without one count as "-") gets up to
    ECS_FLOOR, the rest go to the countries in proportion to the /24s they cover. Returns
    [(network address, country, continent)] (continent None when the record has none)."""
    import mmdb_tree as mt
    tree = mt.Tree(mmdb)
    # Per country: the blocks holding a /24's first address, and how many /24s each holds.
    blocks = {}
    for start, plen, kind, off in tree.networks(mt.V4):
        if kind != mt.DATA or (plen > 24 and start & 0xFF):
            continue
        rec = mt.fields(tree.record(mt.V4, start, off))
        country = rec[1] or "-"
        blocks.setdefault(country, []).append((start, 1 << (24 - plen) if plen <= 24 else 1,
                                               rec[0]))
    avail = {c: sum(n for _, n, _ in b) for c, b in blocks.items()}
    countries = sorted(blocks)
    quota = {c: min(avail[c], ECS_FLOOR) for c in countries}
    # The rest by largest remainder, in rounds, as some countries run out.
    left = ECS_NETS - sum(quota.values())
    while left > 0:
        open_ = [c for c in countries if quota[c] < avail[c]]
        if not open_:
            raise SystemExit("gen.py: the database covers fewer than %d /24s" % ECS_NETS)
        total = sum(avail[c] for c in open_)
        shares = {c: left * avail[c] / total for c in open_}
        add = {c: min(int(shares[c]), avail[c] - quota[c]) for c in open_}
        given = sum(add.values())
        for c in sorted(open_, key=lambda c: (-(shares[c] - int(shares[c])), c)):
            if given >= left:
                break
            if quota[c] + add[c] < avail[c]:
                add[c] += 1
                given += 1
        for c in open_:
            quota[c] += add[c]
        left -= given
    seen = set()
    out = []
    for c in countries:
        b = blocks[c]
        cum = []
        t = 0
        for _, n, _ in b:
            t += n
            cum.append(t)
        got = 0
        while got < quota[c]:
            r = rng.randrange(t)
            i = bisect.bisect_right(cum, r)
            net = b[i][0] + ((r - (cum[i - 1] if i else 0)) << 8)
            if net in seen:
                continue
            seen.add(net)
            out.append(("%d.%d.%d.0" % (net >> 24, net >> 16 & 255, net >> 8 & 255), c, b[i][2]))
            got += 1
    rng.shuffle(out)
    return out


def geolite2_set(out, mmdb, port_gslbd, port_gdnsd, port_shed, port_control):
    """The configurations of both servers with the real database, and the query files."""
    mmdb = os.path.abspath(mmdb)
    write(os.path.join(out, "bench.example.zone"), zone_gslbd())
    write(os.path.join(out, "gslbd.yaml"),
          gslbd_config(port_gslbd, mmdb, os.path.join(out, "bench.example.zone"), ZONE))
    gd = os.path.join(out, "gdnsd")
    for d in ("zones", "run", "state"):
        os.makedirs(os.path.join(gd, d), exist_ok=True)
    write(os.path.join(gd, "zones", "bench.example"), zone_gdnsd())
    write(os.path.join(gd, "config"),
          gdnsd_config(port_gdnsd, mmdb, os.path.join(gd, "run"), os.path.join(gd, "state")))

    nets = geolite2_ecs_nets(mmdb, random.Random(7))
    write(os.path.join(out, "ecs-nets.txt"), "".join("%s %s\n" % n[:2] for n in nets))
    geo = "geo." + ZONE
    rng = random.Random(43)
    for prefix, n in (("q", QUERIES), ("cg", CALLGRIND_QUERIES)):
        # As the synthetic case: every /24 once per 20,000 queries, in a shuffled order.
        save(os.path.join(out, "%s-geo-ecsvar.bin" % prefix),
             [wire(geo, "A", nets[i % len(nets)][0]) for i in shuffled(rng, n)])
        # The other cases do not depend on the database: the synthetic set's files.
        for case in ("static", "geo-noecs", "geo-ecs1", "wrr"):
            name = "%s-%s.bin" % (prefix, case)
            if not os.path.exists(os.path.join(out, "..", name)):
                raise SystemExit("gen.py: no %s in %s: generate the synthetic set first" %
                                 (name, os.path.dirname(out)))
            path = os.path.join(out, name)
            if os.path.lexists(path):
                os.unlink(path)
            os.symlink(os.path.join("..", name), path)
    steer_set(out, mmdb, port_shed, port_control, [n[2] for n in nets])


# ---- main -----------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--port-gslbd", type=int, required=True)
    ap.add_argument("--port-gdnsd", type=int, required=True)
    ap.add_argument("--port-shed", type=int, required=True,
                    help="gslbd with its busiest data center shedding (gslbd-shed.yaml)")
    ap.add_argument("--port-control", type=int, required=True,
                    help="that gslbd's control endpoint")
    ap.add_argument("--port-big", type=int)
    ap.add_argument("--big-names", type=int, default=1000000)
    ap.add_argument("--mkmmdb")
    ap.add_argument("--geolite2", metavar="MMDB",
                    help="write the set for this real GeoLite2-City database instead")
    a = ap.parse_args()
    out = os.path.abspath(a.outdir)
    os.makedirs(out, exist_ok=True)
    if a.geolite2:
        geolite2_set(out, a.geolite2, a.port_gslbd, a.port_gdnsd, a.port_shed, a.port_control)
        return 0
    if a.port_big is None or a.mkmmdb is None:
        ap.error("--port-big and --mkmmdb are required for the synthetic set")
    rng = random.Random(42)

    mmdb = os.path.join(out, "bench.mmdb")
    spec = os.path.join(out, "geo.spec")
    spec_text = geo_spec(random.Random(3))
    write(spec, spec_text)
    subprocess.run(["perl", a.mkmmdb, "--schema", "city", spec, mmdb], check=True)

    write(os.path.join(out, "bench.example.zone"), zone_gslbd())
    write(os.path.join(out, "gslbd.yaml"),
          gslbd_config(a.port_gslbd, mmdb, os.path.join(out, "bench.example.zone"), ZONE))

    gd = os.path.join(out, "gdnsd")
    for d in ("zones", "run", "state"):
        os.makedirs(os.path.join(gd, d), exist_ok=True)
    write(os.path.join(gd, "zones", "bench.example"), zone_gdnsd())
    write(os.path.join(gd, "config"),
          gdnsd_config(a.port_gdnsd, mmdb, os.path.join(gd, "run"), os.path.join(gd, "state")))

    queries(out, rng)
    steer_set(out, mmdb, a.port_shed, a.port_control,
              spec_continents(spec_text, ecs_nets(random.Random(7))))

    big = os.path.join(out, "big.example.zone")
    write(big, big_zone(a.big_names))
    write(os.path.join(out, "gslbd-big.yaml"),
          gslbd_config(a.port_big, mmdb, big, BIG_ZONE, with_services=False))
    for srv, conf in (("nsd", nsd_config), ("knot", knot_config)):
        d = os.path.join(out, srv)
        os.makedirs(os.path.join(d, "db"), exist_ok=True)
        write(os.path.join(d, "%s.conf" % srv), conf(a.port_big, d, big))
    big_queries(out, a.big_names, random.Random(9))
    return 0


if __name__ == "__main__":
    sys.exit(main())
