#!/usr/bin/python3
"""scope-check.py: how good are gslbd's EDNS Client Subnet scopes on the real GeoLite2-City?

Starts gslbd on 127.0.0.1 (a free port) with a configuration derived from zones/gslbd.yaml
(its data centers without probes, its `world` map, its `www` map service) and the real
database, sends A queries for the steered name carrying ECS (source /24 for IPv4, /48 for
IPv6) for addresses drawn from networks that exist in the database, and checks every answer
against an oracle computed here from the database alone:

  - every network of the database (its search tree walked by bench/mmdb_tree.py) gets the
    map's decision for its record, as the configuration defines it (nets > cities >
    subdivisions > countries > continents > nearest data centers when nearest_fallback and
    the record has a location > default; the continent from the record, else derived from
    the country); addresses outside the database get the default;
  - the networks, in address order with the gaps between them, are merged into runs of equal
    decisions (an IPv6 tree's IPv4 aliases, which hold IPv4's varied decisions, end runs);
  - for an ECS address the widest correct block is the shortest prefix P whose block around
    the address lies inside the address's run. P may be shorter than the source prefix.

An answer is right when its addresses are those of the data center the decision puts first
(all data centers are up: there are no probes). Its scope is "equal" when it is P, "too
wide" (WRONG: the answer is claimed for clients that get another one) when it is shorter
than P, "too narrow" (correct, but resolvers cache it for fewer clients) when longer.

Exit status: 0 when every query was answered with the right data center and no scope was
too wide; 1 otherwise; 2 when the check could not run.

Needs python3-maxminddb and python3-yaml (Debian: apt-get install -y python3-maxminddb
python3-yaml). Not part of `make check`.
"""
import argparse
import array
import bisect
import collections
import ipaddress
import math
import os
import random
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)

try:
    import yaml
    import mmdb_tree as mt
except ImportError as e:
    sys.stderr.write("scope-check: %s (apt-get install -y python3-maxminddb python3-yaml)\n" % e)
    sys.exit(2)

V4, V6 = mt.V4, mt.V6
WIDTH = mt.WIDTH
EARTH_RADIUS_KM = 6371.0088


def log(msg):
    sys.stderr.write("%s scope-check: %s\n" % (time.strftime("%H:%M:%S"), msg))
    sys.stderr.flush()


def die(msg):
    log("error: " + msg)
    sys.exit(2)


# ---- configuration ------------------------------------------------------------------------

def load_template(path, map_name, service):
    with open(path) as f:
        conf = yaml.safe_load(f)
    maps = conf.get("maps") or {}
    if map_name not in maps:
        die("%s has no map '%s'" % (path, map_name))
    services = conf.get("services") or {}
    svc = None
    for name, s in services.items():
        if name.lower().rstrip(".") == service.lower().rstrip("."):
            svc, service = (s or {}), name
    if svc is None:
        die("%s has no service '%s'" % (path, service))
    if svc.get("map") != map_name:
        die("service %s does not use map %s" % (service, map_name))
    return conf, service, svc


def dc_addresses(dc):
    """(address, weight) of a data center's configuration entry."""
    out = []
    for a in dc.get("addresses") or []:
        if isinstance(a, dict):
            out.append((str(a["address"]), a.get("weight")))
        else:
            out.append((str(a), None))
    return out


def write_config(tpl_path, conf, service, svc, map_name, db_path, port, outdir):
    """A gslbd configuration like the template: listen on 127.0.0.1:port, one worker, the
    template's zones, data centers (without probes), the map and the service."""
    tdir = os.path.dirname(os.path.abspath(tpl_path))
    zones = []
    for z in conf.get("zones") or []:
        z = dict(z)
        if not os.path.isabs(z["file"]):
            z["file"] = os.path.join(tdir, z["file"])
        zones.append(z)
    dcs = {}
    for name, dc in (conf.get("datacenters") or {}).items():
        d = {k: v for k, v in dc.items() if k in ("location", "weight", "min_up_fraction")}
        addrs = []
        for a, w in dc_addresses(dc):
            addrs.append({"address": a, "weight": w} if w is not None else a)
        d["addresses"] = addrs
        dcs[name] = d
    s = {k: v for k, v in svc.items()}
    out = {
        "server": {"listen": ["127.0.0.1:%d" % port], "workers": 1,
                   "edns_payload": (conf.get("server") or {}).get("edns_payload", 1232),
                   "log_level": "warning"},
        "zones": zones,
        "geoip": {"database": os.path.abspath(db_path)},
        "datacenters": dcs,
        "maps": {map_name: conf["maps"][map_name]},
        "services": {service: s},
    }
    path = os.path.join(outdir, "gslbd.yaml")
    with open(path, "w") as f:
        yaml.safe_dump(out, f, sort_keys=False)
    return path


# ---- the oracle ---------------------------------------------------------------------------

def haversine_km(lat1, lon1, lat2, lon2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = math.radians(lat2 - lat1), math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, a)))


def alnum_code(v, lo, hi):
    """A code gslbd accepts (lo..hi letters or digits), upper-cased; else None."""
    if not isinstance(v, str) or not lo <= len(v) <= hi:
        return None
    v = v.upper()
    return v if all(c.isascii() and c.isalnum() for c in v) else None


class MapOracle:
    """The map's decision (a tuple of data center names) for a database record."""

    def __init__(self, conf, map_name, country_continent):
        m = conf["maps"][map_name]
        self.dc_names = list((conf.get("datacenters") or {}).keys())
        self.locations = {}
        for name, dc in conf["datacenters"].items():
            loc = dc.get("location")
            if loc is not None:
                self.locations[name] = (float(loc[0]), float(loc[1]))

        def dcs(v):
            return tuple([v] if isinstance(v, str) else v)

        self.cities = {}
        for k, v in (m.get("cities") or {}).items():
            parts = k.split("/")
            parts = [p.upper() for p in parts[:-1]] + [parts[-1].lower()]
            self.cities["/".join(parts)] = dcs(v)
        self.subdivisions = {k.upper(): dcs(v) for k, v in (m.get("subdivisions") or {}).items()}
        self.countries = {k.upper(): dcs(v) for k, v in (m.get("countries") or {}).items()}
        self.continents = {k.upper(): dcs(v) for k, v in (m.get("continents") or {}).items()}
        self.default = dcs(m.get("default") or self.dc_names)
        self.nearest_fallback = bool(m.get("nearest_fallback", False))
        self.country_continent = country_continent
        self.nets = {V4: [], V6: []}
        for k, v in (m.get("nets") or {}).items():
            n = ipaddress.ip_network(k, strict=True)
            fam = V4 if n.version == 4 else V6
            start = int(n.network_address)
            self.nets[fam].append((start, start + n.num_addresses - 1, n.prefixlen, dcs(v)))

    def nearest(self, lat, lon):
        keyed = []
        for i, name in enumerate(self.dc_names):
            loc = self.locations.get(name)
            if loc is None:
                keyed.append(((1, 0.0), i, name))
            else:
                keyed.append(((0, haversine_km(lat, lon, loc[0], loc[1])), i, name))
        keyed.sort()
        return tuple(name for _, _, name in keyed)

    def decide(self, rec):
        cont, country, sub, city, lat, lon = mt.fields(rec)
        cont = alnum_code(cont, 2, 2)
        country = alnum_code(country, 2, 2)
        sub = alnum_code(sub, 1, 15)
        if country is not None:
            if isinstance(city, str) and city:
                c = city.lower()
                if sub is not None:
                    r = self.cities.get("%s/%s/%s" % (country, sub, c))
                    if r:
                        return r
                r = self.cities.get("%s/%s" % (country, c))
                if r:
                    return r
            if sub is not None:
                r = self.subdivisions.get("%s/%s" % (country, sub))
                if r:
                    return r
            r = self.countries.get(country)
            if r:
                return r
        if cont is None and country is not None:
            cont = self.country_continent.get(country)
        if cont is not None:
            r = self.continents.get(cont)
            if r:
                return r
        if (self.nearest_fallback and isinstance(lat, (int, float)) and
                isinstance(lon, (int, float)) and -90 <= lat <= 90 and -180 <= lon <= 180):
            return self.nearest(float(lat), float(lon))
        return self.default


def country_continents(tree, blocks):
    """Country -> continent as the database itself pairs them (the most common pairing), for
    records that have a country but no continent."""
    votes = collections.defaultdict(collections.Counter)
    for fam, bl in blocks.items():
        for off, start in bl.first_start.items():
            cont, country = mt.fields(tree.record(fam, start, off))[:2]
            if isinstance(cont, str) and isinstance(country, str):
                votes[country.upper()][cont.upper()] += 1
    return {c: v.most_common(1)[0][0] for c, v in votes.items()}


class Blocks:
    """The blocks of one family's tree in address order: start, prefix length and record
    offset (ALIAS_OFF for an alias block), and an address of each distinct record."""
    ALIAS_OFF = 0xFFFFFFFF

    def __init__(self, tree, family):
        self.family = family
        self.starts = array.array("Q") if family == V4 else []
        self.plens = array.array("B")
        self.offs = array.array("I")
        self.first_start = {}
        for start, plen, kind, off in tree.networks(family):
            self.starts.append(start)
            self.plens.append(plen)
            if kind == mt.ALIAS:
                self.offs.append(self.ALIAS_OFF)
            else:
                self.offs.append(off)
                if off not in self.first_start:
                    self.first_start[off] = start


class Runs:
    """A family's address space as maximal runs of equal decisions: the start of each run
    and its decision (an index into Oracle.res_list)."""

    def __init__(self, family):
        self.family = family
        self.starts = array.array("Q") if family == V4 else []
        self.results = array.array("I")
        self.last_end = (1 << WIDTH[family]) - 1

    def find(self, addr):
        """(run start, run end, result id) of the run holding addr."""
        i = bisect.bisect_right(self.starts, addr) - 1
        end = self.starts[i + 1] - 1 if i + 1 < len(self.starts) else self.last_end
        return self.starts[i], end, self.results[i]


def widest_prefix(addr, lo, hi, width):
    """The shortest prefix P such that addr's /P block lies inside [lo, hi]."""
    for p in range(width + 1):
        size = 1 << (width - p)
        base = addr & ~(size - 1)
        if base >= lo and base + size - 1 <= hi:
            return p
    raise AssertionError("address outside its run")


class Oracle:
    def __init__(self, tree, mo, blocks):
        self.tree = tree
        self.mo = mo
        self.blocks = blocks
        self.res_ids = {}
        self.res_list = []
        self.alias_res = self.res_id(("<alias>",))
        self.runs = {}

    def res_id(self, dcs):
        i = self.res_ids.get(dcs)
        if i is None:
            i = self.res_ids[dcs] = len(self.res_list)
            self.res_list.append(dcs)
        return i

    def build(self, family):
        width = WIDTH[family]
        bl = self.blocks[family]
        runs = Runs(family)
        default = self.res_id(self.mo.default)
        by_record = {}
        for off, start in bl.first_start.items():
            by_record[off] = self.res_id(self.mo.decide(self.tree.record(family, start, off)))
        by_record[Blocks.ALIAS_OFF] = self.alias_res
        # The map's nets cut the address space into segments between their boundaries
        # (cuts); seg_net[i] is the decision of the longest nets entry holding the segment
        # that ends before cuts[i], or None.
        nets = sorted(self.mo.nets[family])
        cuts = sorted({s for s, _, _, _ in nets} | {e + 1 for _, e, _, _ in nets})
        seg_net = []
        for i, c in enumerate(cuts + [1 << width]):
            lo = cuts[i - 1] if i > 0 else 0
            best = None
            for s, e, plen, dcs in nets:
                if s <= lo and c - 1 <= e and (best is None or plen > best[0]):
                    best = (plen, dcs)
            seg_net.append(None if best is None else self.res_id(best[1]))

        starts, results = runs.starts, runs.results
        last = [None]  # the decision of the current run

        def add(start, res):
            if res != last[0]:
                starts.append(start)
                results.append(res)
                last[0] = res

        def put(start, end, res):
            i = bisect.bisect_right(cuts, start)
            while True:
                seg_end = cuts[i] - 1 if i < len(cuts) else end
                piece_end = min(end, seg_end)
                net = seg_net[i]
                add(start, res if net is None or res == self.alias_res else net)
                if piece_end == end:
                    return
                start = piece_end + 1
                i += 1

        pos = 0
        for start, plen, off in zip(bl.starts, bl.plens, bl.offs):
            end = start + (1 << (width - plen)) - 1
            if start < pos:
                raise AssertionError("blocks overlap or are out of order at %x" % start)
            if start > pos:
                put(pos, start - 1, default)
            res = by_record[off]
            if not cuts:
                # No nets for the family (the usual case): add() inlined.
                if res != last[0]:
                    starts.append(start)
                    results.append(res)
                    last[0] = res
            else:
                put(start, end, res)
            pos = end + 1
        if pos <= (1 << width) - 1:
            put(pos, (1 << width) - 1, default)
        self.runs[family] = runs

    def expect(self, family, addr):
        """(decision, widest correct prefix, run start, run end) for an address."""
        lo, hi, res = self.runs[family].find(addr)
        return self.res_list[res], widest_prefix(addr, lo, hi, WIDTH[family]), lo, hi


# ---- queries and answers ------------------------------------------------------------------

def encode_name(name):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode("ascii")
    return out + b"\0"


def make_query(qid, qname_wire, family, addr, source):
    nbytes = (source + 7) // 8
    width = WIDTH[family]
    abytes = addr.to_bytes(width // 8, "big")[:nbytes]
    ecs = struct.pack("!HBB", 1 if family == V4 else 2, source, 0) + abytes
    opt = struct.pack("!HH", 8, len(ecs)) + ecs
    # Header: no RD (an authoritative server is asked), one question, one OPT record.
    return (struct.pack("!HHHHHH", qid, 0, 1, 0, 0, 1) + qname_wire + struct.pack("!HH", 1, 1) +
            b"\0" + struct.pack("!HHIH", 41, 1232, 0, len(opt)) + opt)


def skip_name(m, i):
    while True:
        n = m[i]
        if n == 0:
            return i + 1
        if n & 0xC0 == 0xC0:
            return i + 2
        i += n + 1


def parse_response(m):
    """(id, rcode, [A addresses as bytes], (family, source, scope, address bytes) or None)."""
    qid, flags, qd, an, ns, ar = struct.unpack_from("!HHHHHH", m, 0)
    i = 12
    for _ in range(qd):
        i = skip_name(m, i) + 4
    addrs = []
    ecs = None
    for sec, count in enumerate((an, ns, ar)):
        for _ in range(count):
            i = skip_name(m, i)
            rtype, rclass, ttl, rdlen = struct.unpack_from("!HHIH", m, i)
            i += 10
            rdata = m[i:i + rdlen]
            i += rdlen
            if sec == 0 and rtype == 1 and rdlen == 4:
                addrs.append(bytes(rdata))
            elif sec == 2 and rtype == 41:
                j = 0
                while j + 4 <= len(rdata):
                    code, olen = struct.unpack_from("!HH", rdata, j)
                    o = rdata[j + 4:j + 4 + olen]
                    if code == 8 and olen >= 4:
                        fam, src, scope = struct.unpack_from("!HBB", o, 0)
                        ecs = (fam, src, scope, bytes(o[4:]))
                    j += 4 + olen
    return qid, flags & 0xF, addrs, ecs


def free_port():
    """A port free for both UDP and TCP on 127.0.0.1 (gslbd serves both)."""
    for _ in range(50):
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind(("127.0.0.1", 0))
        port = u.getsockname()[1]
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            t.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            u.close()
            t.close()
    die("no free port on 127.0.0.1")


def wait_ready(port, qname_wire, proc, timeout):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.2)
    q = (struct.pack("!HHHHHH", 4242, 0, 1, 0, 0, 0) + qname_wire + struct.pack("!HH", 1, 1))
    t0 = time.monotonic()
    try:
        while time.monotonic() - t0 < timeout:
            if proc.poll() is not None:
                return False
            try:
                s.sendto(q, ("127.0.0.1", port))
                m = s.recv(4096)
                _, rcode, addrs, _ = parse_response(m)
                if rcode == 0 and addrs:
                    return True
            except OSError:
                pass
            time.sleep(0.05)
    finally:
        s.close()
    return False


def run_queries(port, qname_wire, samples, window, timeout, tries, on_answer):
    """Send every (family, address, source) of samples, at most window in flight, over one
    non-blocking UDP socket; call on_answer(index, message) for each response and return the
    indexes that got none after tries attempts, the number of queries sent again and the
    seconds it took."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    s.connect(("127.0.0.1", port))
    s.setblocking(False)
    inflight = {}             # id -> [index, attempts]
    sent_order = collections.deque()  # (time, id, index) in sending order
    free_ids = collections.deque(range(65536))
    cooling = collections.deque()  # (time, id): ids given up on, reused once late answers are unlikely
    retry = collections.deque()
    lost = []
    resent = 0
    n = len(samples)
    nxt = 0
    done = 0
    last_report = time.monotonic()
    t0 = last_report

    def send(idx, attempts):
        qid = free_ids.popleft()
        fam, addr, src = samples[idx]
        while True:
            try:
                s.send(make_query(qid, qname_wire, fam, addr, src))
                break
            except BlockingIOError:
                select.select([], [s], [], 0.01)
        inflight[qid] = [idx, attempts]
        sent_order.append((time.monotonic(), qid, idx))

    while done < n:
        while len(inflight) < window and free_ids and (retry or nxt < n):
            if retry:
                idx, attempts = retry.popleft()
                send(idx, attempts)
            else:
                send(nxt, 1)
                nxt += 1
        r, _, _ = select.select([s], [], [], 0.02)
        if r:
            while True:
                try:
                    m = s.recv(65535)
                except BlockingIOError:
                    break
                except ConnectionRefusedError:
                    die("gslbd stopped answering (connection refused)")
                if len(m) < 12:
                    continue
                qid = struct.unpack_from("!H", m, 0)[0]
                ent = inflight.pop(qid, None)
                if ent is None:
                    continue  # a late answer to a query already given up on or resent
                free_ids.append(qid)
                on_answer(ent[0], m)
                done += 1
        now = time.monotonic()
        while sent_order and now - sent_order[0][0] > timeout:
            _, qid, idx = sent_order.popleft()
            ent = inflight.get(qid)
            if ent is None or ent[0] != idx:
                continue
            del inflight[qid]
            # The id rests a while: a late answer to it is then ignored, not taken for the
            # answer to another query.
            cooling.append((now, qid))
            if ent[1] < tries:
                retry.append((idx, ent[1] + 1))
                resent += 1
            else:
                lost.append(idx)
                done += 1
        while cooling and now - cooling[0][0] > 10 * timeout:
            free_ids.append(cooling.popleft()[1])
        if now - last_report > 10:
            last_report = now
            log("%d of %d answered (%.0f q/s)" % (done, n, done / (now - t0)))
    s.close()
    return lost, resent, time.monotonic() - t0


# ---- main -----------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(
        description="Measure the ECS scope quality of gslbd against the real GeoLite2-City.")
    ap.add_argument("-n", "--count", type=int, default=1000000,
                    help="queries (sampled addresses) in all (default 1,000,000)")
    ap.add_argument("--quick", action="store_true", help="short run: --count 20000")
    ap.add_argument("--v6-share", type=float, default=0.25,
                    help="share of the queries that are IPv6 (default 0.25)")
    ap.add_argument("--v4-source", type=int, default=24, help="IPv4 ECS source prefix (24)")
    ap.add_argument("--v6-source", type=int, default=48, help="IPv6 ECS source prefix (48)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (1)")
    ap.add_argument("--weight", choices=("network", "address"), default="network",
                    help="draw every database network as likely (network, the default) or "
                    "every address the networks cover (address)")
    ap.add_argument("--database", default=os.path.join(ROOT, "geo", "GeoLite2-City.mmdb"))
    ap.add_argument("--gslbd", default=os.path.join(ROOT, "src", "gslbd"))
    ap.add_argument("--template", default=os.path.join(ROOT, "zones", "gslbd.yaml"),
                    help="configuration whose data centers, map and service are used")
    ap.add_argument("--map", default="world")
    ap.add_argument("--service", default="www.gslb.example.com.")
    ap.add_argument("--window", type=int, default=512, help="queries in flight (512)")
    ap.add_argument("--timeout", type=float, default=1.0, help="seconds before a resend (1)")
    ap.add_argument("--show", type=int, default=10, help="wrong answers listed (10)")
    a = ap.parse_args()
    if a.quick:
        a.count = min(a.count, 20000)
    if not 0 <= a.v6_share <= 1 or not 1 <= a.v4_source <= 32 or not 1 <= a.v6_source <= 128:
        die("bad --v6-share or source prefix")
    if not 1 <= a.window <= 30000 or a.timeout <= 0:
        die("--window must be 1..30000 and --timeout above 0")
    if not os.path.exists(a.database):
        die("no database at %s (geo/fetch-geolite2.sh fetches it)" % a.database)
    if not os.access(a.gslbd, os.X_OK):
        die("no gslbd at %s (build it, or --gslbd PATH)" % a.gslbd)

    conf, service, svc = load_template(a.template, a.map, a.service)
    addr_dc = {}
    for name, dc in conf["datacenters"].items():
        for addr, _ in dc_addresses(dc):
            ip = ipaddress.ip_address(addr)
            if ip.version == 4:
                addr_dc[ip.packed] = name
    # The data centers that can answer A: the service's candidates with IPv4 addresses.
    cand = svc.get("datacenters") or list(conf["datacenters"].keys())
    cand = [d for d in cand if any(ipaddress.ip_address(x).version == 4
                                   for x, _ in dc_addresses(conf["datacenters"][d]))]

    def answer_dc(decision):
        for d in decision:
            if d in cand:
                return d
        return cand[0]

    t0 = time.monotonic()
    log("reading %s" % a.database)
    tree = mt.Tree(a.database)
    if tree.ip_version != 6 and a.v6_share > 0:
        die("an IPv4-only database: use --v6-share 0")
    fams = [V4, V6] if tree.ip_version == 6 else [V4]
    blocks = {}
    for fam in fams:
        blocks[fam] = Blocks(tree, fam)
        log("IPv%d: %d blocks, %d distinct records (%.0f s)" % (
            fam, len(blocks[fam].plens), len(blocks[fam].first_start), time.monotonic() - t0))
    mo = MapOracle(conf, a.map, country_continents(tree, blocks))
    oracle = Oracle(tree, mo, blocks)
    for fam in fams:
        oracle.build(fam)
        log("IPv%d: %d runs of equal decisions (%.0f s)" % (
            fam, len(oracle.runs[fam].starts), time.monotonic() - t0))

    # Samples: with --weight network, a network of the database at random (every network
    # as likely), then an address in it at random; with --weight address, an address at
    # random among all the addresses the database's networks cover. Either is cut to the
    # ECS source prefix.
    rng = random.Random(a.seed)
    n6 = int(round(a.count * a.v6_share))
    n4 = a.count - n6
    samples = []
    for fam, cnt, src in ((V4, n4, a.v4_source), (V6, n6, a.v6_source)):
        if cnt == 0:
            continue
        bl = blocks[fam]
        width = WIDTH[fam]
        if len(bl.first_start) == 0:
            die("no IPv%d networks in the database" % fam)
        mask = ((1 << width) - 1) ^ ((1 << (width - src)) - 1)
        if a.weight == "address":
            idx, cum, total = [], [], 0
            for i, (plen, off) in enumerate(zip(bl.plens, bl.offs)):
                if off != Blocks.ALIAS_OFF:
                    total += 1 << (width - plen)
                    idx.append(i)
                    cum.append(total)
            for _ in range(cnt):
                r = rng.randrange(total)
                k = bisect.bisect_right(cum, r)
                i = idx[k]
                addr = bl.starts[i] + (r - (cum[k - 1] if k else 0))
                samples.append((fam, addr & mask, src))
            continue
        got = 0
        while got < cnt:
            i = rng.randrange(len(bl.plens))
            if bl.offs[i] == Blocks.ALIAS_OFF:
                continue
            addr = bl.starts[i] + rng.randrange(1 << (width - bl.plens[i]))
            samples.append((fam, addr & mask, src))
            got += 1
    rng.shuffle(samples)

    work = tempfile.mkdtemp(prefix="scope-check.")
    proc = None

    def stop(*_):
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def on_signal(signum, _frame):
        stop()
        shutil.rmtree(work, ignore_errors=True)
        sys.exit(128 + signum)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    qname_wire = encode_name(service)
    stats = {fam: collections.Counter() for fam in (V4, V6)}
    extra = {fam: 0 for fam in (V4, V6)}
    examples = []
    try:
        for attempt in range(3):
            port = free_port()
            cpath = write_config(a.template, conf, service, svc, a.map, a.database, port, work)
            logf = open(os.path.join(work, "gslbd.log"), "w")
            proc = subprocess.Popen([a.gslbd, "-c", cpath], stdout=logf, stderr=subprocess.STDOUT)
            logf.close()
            if wait_ready(port, qname_wire, proc, 30):
                break
            stop()
            with open(os.path.join(work, "gslbd.log")) as f:
                text = f.read()
            if attempt == 2 or "in use" not in text:
                die("gslbd did not start:\n" + text)
        log("gslbd (pid %d) on 127.0.0.1:%d; %d IPv4 /%d and %d IPv6 /%d queries" % (
            proc.pid, port, n4, a.v4_source, n6, a.v6_source))

        def on_answer(idx, m):
            fam, addr, src = samples[idx]
            st = stats[fam]
            st["answered"] += 1
            try:
                _, rcode, addrs, ecs = parse_response(m)
            except (struct.error, IndexError):
                st["malformed"] += 1
                return
            decision, want_p, lo, hi = oracle.expect(fam, addr)
            want_dc = answer_dc(decision)
            got = sorted({addr_dc.get(x, "?%s" % ipaddress.ip_address(x)) for x in addrs})
            why = []
            if rcode != 0 or not addrs:
                why.append("rcode %d, %d addresses" % (rcode, len(addrs)))
            elif got != [want_dc]:
                why.append("data centers %s, expected %s" % (",".join(got), want_dc))
            else:
                st["right_dc"] += 1
            scope = None
            if ecs is None or ecs[0] != (1 if fam == V4 else 2) or ecs[1] != src:
                why.append("no matching ECS option in the answer")
                st["no_ecs"] += 1
            else:
                scope = ecs[2]
                if scope == want_p:
                    st["equal"] += 1
                elif scope < want_p:
                    st["too_wide"] += 1
                    why.append("scope /%d too wide" % scope)
                else:
                    st["too_narrow"] += 1
                    extra[fam] += scope - want_p
            if why:
                st["bad"] += 1
            if why and len(examples) < a.show:
                width = WIDTH[fam]
                examples.append("%s/%d: %s (decision %s, widest correct /%d, run %s - %s%s)" % (
                    ipaddress.ip_address(addr), src, "; ".join(why), ",".join(decision), want_p,
                    ipaddress.ip_address(lo) if width == 128 else ipaddress.IPv4Address(lo),
                    ipaddress.ip_address(hi) if width == 128 else ipaddress.IPv4Address(hi),
                    "" if scope is None else ", scope /%d" % scope))

        lost, resent, secs = run_queries(port, qname_wire, samples, a.window, a.timeout, 3, on_answer)
        for idx in lost:
            stats[samples[idx][0]]["lost"] += 1
        log("%d queries in %.0f s (%.0f q/s)" % (len(samples), secs, len(samples) / secs))
    finally:
        stop()
        shutil.rmtree(work, ignore_errors=True)

    def pct(x, n):
        return "%.2f%%" % (100.0 * x / n) if n else "-"

    print("ECS scope check: gslbd %s against %s (%s, built %s)" % (
        a.gslbd, os.path.basename(a.database), tree.database_type,
        time.strftime("%Y-%m-%d", time.gmtime(tree.build_epoch))))
    print("map '%s' of %s, service %s; samples weighted by %s, seed %d" % (
        a.map, a.template, service, a.weight, a.seed))
    print()
    print("| family | queries | answered | right data centers | scope equal | too wide (WRONG) "
          "| too narrow | mean extra bits (all) | mean extra bits (too narrow) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    tot = collections.Counter()
    tot_extra = 0
    rows = []
    for fam, cnt, src in ((V4, n4, a.v4_source), (V6, n6, a.v6_source)):
        rows.append(("IPv%d /%d" % (fam, src), cnt, stats[fam], extra[fam]))
        tot.update(stats[fam])
        tot_extra += extra[fam]
    rows.append(("all", n4 + n6, tot, tot_extra))
    for label, cnt, st, ex in rows:
        if cnt == 0:
            continue
        scoped = st["equal"] + st["too_wide"] + st["too_narrow"]
        print("| %s | %d | %s | %s | %s | %s | %s | %s | %s |" % (
            label, cnt, pct(st["answered"], cnt), pct(st["right_dc"], cnt),
            pct(st["equal"], cnt), pct(st["too_wide"], cnt), pct(st["too_narrow"], cnt),
            "%.2f" % (ex / scoped) if scoped else "-",
            "%.2f" % (ex / st["too_narrow"]) if st["too_narrow"] else "-"))
    bad = tot["bad"] + tot["lost"] + tot["malformed"]
    print()
    print("lost %d (after 3 tries), sent again %d, malformed %d, without ECS %d" % (
        tot["lost"], resent, tot["malformed"], tot["no_ecs"]))
    if examples:
        print("\nfirst wrong answers:")
        for e in examples:
            print("  " + e)
    print("\nresult: %s" % ("PASS (no wrong answer, no scope too wide)" if bad == 0 else
                            "FAIL (%d queries wrong, too wide or unanswered)" % bad))
    return 0 if bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
