#!/usr/bin/python3
"""Soak test of gslbd on loopback, driven by bench/soak.sh (not part of make check).

For --minutes N it runs, all at once, against one gslbd serving the example's zone and a
configuration derived from zones/gslbd.yaml:

- load: dnsperf over UDP and over TCP at a fixed total rate (--rate, 80% UDP), a mix of steered
  names (A and AAAA, most with an EDNS Client Subnet from 20,000 /24s of GeoLite2-City),
  static names and names that do not exist;
- reloads every --reload-every seconds through POST /reload or SIGHUP; every third one with
  a broken zone or configuration file, which must be refused while the old data keeps
  serving (the good file is put back afterwards); the good ones change the zone's serial or
  server.version, which must then be served;
- backends: one HTTP backend per data center on its own 127.0.0.x, probed by gslbd; in
  turn one is stopped, kept stopped for half of --flap-every seconds after the answers drop
  it, and started again, half of --flap-every after the last start; the time until the
  answers drop its addresses (and take them back) is measured against the probe settings;
- TCP abuse: idle connections from one /24 beyond the per-network limit, a crowd of idle
  connections from many /24s that fills the connection table, slow senders; meanwhile a new
  TCP client (from a /24 of its own) asks every half second and must be answered;
- gslbd's resident memory (VmRSS) every 2 seconds.

It prints a report and exits 1 when a target is missed: a query lost (dnsperf's or the
driver's own), a SERVFAIL (nothing in the mix can cause one), a new TCP client not served,
a reload result other than the expected one, the old data not served after a broken
reload, a probe detection time above its bound, a backend's addresses back while it is
stopped, more connections of the hoarding /24 served at once than its limit, the achieved
rate under 97% of the asked one (saturated: the other figures mean little then), growth of
the highest RSS between reloads from the second third of the run (the first is warm-up) to
the last above --rss-growth percent, or a shutdown longer than 10 s.
"""
import argparse
import asyncio
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

import dns.edns
import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import gen  # noqa: E402  (bench/gen.py: the GeoLite2 /24s and the dnsperf -B format)

PY = "/usr/bin/python3"
ORIGIN = "gslb.example.com."
TOKEN = "soak-control-token"
TCP_MAX = 256            # server.tcp_max_connections: small, so the crowd below fills it
PER_PREFIX = 64          # server.tcp_max_connections_per_prefix (its default)
HOARD_CONNS = 150        # idle connections from one /24 (127.0.66.0/24)
CROWD_NETS, CROWD_PER_NET = 40, 6   # idle connections from many /24s (127.0.100.0/24 ...)
SLOW_CONNS = 10          # connections that send a query one byte per second
ABUSE_QUERY_EVERY_S = 8  # the lock-out pattern of issue 13: one query every 8 seconds
NEW_CLIENT_EVERY_S = 0.5
# A client of each data center (the example's): its ECS /24 and the DC's IPv4 addresses.
CLIENTS = {"eu-west": "81.2.69.0", "us-east": "24.48.0.0", "ap-southeast": "1.0.16.0"}
BACKEND_ADDR = {"us-east": "127.0.0.11", "eu-west": "127.0.0.12", "ap-southeast": "127.0.0.13"}
SHUTDOWN_BOUND_S = 10.0


def log(msg):
    print("%s soak: %s" % (time.strftime("%H:%M:%S"), msg), flush=True)


# ---- counting --------------------------------------------------------------------------------

class Tally:
    """What happened to the queries the driver sends itself (probe timing, reload checks)."""

    def __init__(self):
        self.mu = threading.Lock()
        self.sent = self.answered = self.servfail = self.lost = 0
        self.lost_at = []

    def add(self, outcome):
        with self.mu:
            self.sent += 1
            if outcome == "lost":
                self.lost += 1
                self.lost_at.append(time.strftime("%H:%M:%S"))
            else:
                self.answered += 1
                if outcome == dns.rcode.SERVFAIL:
                    self.servfail += 1


TALLY = Tally()
FAILURES = []   # (check, detail) of every target missed


def fail(check, detail):
    FAILURES.append((check, detail))
    log("MISS %s: %s" % (check, detail))


def ask(port, name, rdtype="A", ecs=None, timeout=2.0, rdclass="IN"):
    """One UDP query from the driver; the response, or None when lost (counted either way)."""
    opts = [dns.edns.ECSOption(ecs, 24)] if ecs else []
    q = dns.message.make_query(name, rdtype, rdclass, use_edns=0, payload=1232, options=opts)
    q.flags &= ~dns.flags.RD
    try:
        m = dns.query.udp(q, "127.0.0.1", port=port, timeout=timeout)
    except (dns.exception.Timeout, OSError):
        TALLY.add("lost")
        return None
    TALLY.add(m.rcode())
    return m


def v4_of(m):
    return {r.address for rr in (m.answer if m else []) if rr.rdtype == dns.rdatatype.A
            for r in rr}


# ---- processes -------------------------------------------------------------------------------

STARTED = []  # every Popen started here, stopped by PID at the end
STOPPING = threading.Event()  # set when the run ends: nothing more is started


class Worker(threading.Thread):
    """A thread of the run; an exception in it is a missed target, unless the run is ending."""

    def __init__(self):
        super().__init__(daemon=True)

    def run(self):
        try:
            self.work()
        except Exception as e:  # noqa: BLE001 (any failure of the driver is reported)
            if not STOPPING.is_set():
                fail("driver", "%s stopped: %s: %s" % (type(self).__name__,
                                                       type(e).__name__, e))


def spawn(args, log_path, **kw):
    if STOPPING.is_set():
        raise RuntimeError("the run is ending")
    p = subprocess.Popen(args, stdout=open(log_path, "w"), stderr=subprocess.STDOUT, **kw)
    STARTED.append(p)
    return p


def stop_all():
    STOPPING.set()
    for p in STARTED:
        if p.poll() is None:
            p.terminate()
    for p in STARTED:
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def free_port(addr="127.0.0.1"):
    """A port free for UDP and TCP on addr (a small race is accepted)."""
    for _ in range(50):
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        t.bind((addr, 0))
        port = t.getsockname()[1]
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            u.bind((addr, port))
            return port
        except OSError:
            continue
        finally:
            t.close()
            u.close()
    raise SystemExit("soak: no free port on %s" % addr)


class Backend:
    """A data center's stand-in: an HTTP server answering /status with its utilisation, as
    scripts/example-backend.sh runs it, on the data center's own loopback address."""

    def __init__(self, dc, work):
        self.dc, self.addr = dc, BACKEND_ADDR[dc]
        self.port = free_port(self.addr)
        self.dir = os.path.join(work, "www-" + dc)
        self.log = os.path.join(work, "backend-%s.log" % dc)
        os.makedirs(self.dir)
        with open(os.path.join(self.dir, "status"), "w") as f:
            f.write('{"status": "ok", "utilisation": 0.3}\n')
        self.proc = None

    def start(self):
        self.proc = spawn([PY, "-m", "http.server", "--bind", self.addr, "--directory", self.dir,
                           str(self.port)], self.log)
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                socket.create_connection((self.addr, self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        raise SystemExit("soak: backend %s did not listen on %s:%d" % (self.dc, self.addr,
                                                                       self.port))

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=5)


class Control:
    def __init__(self, port):
        self.url = "http://127.0.0.1:%d" % port

    def request(self, method, path, timeout=120):
        req = urllib.request.Request(self.url + path, method=method,
                                     data=b"" if method == "POST" else None)
        req.add_header("Authorization", "Bearer " + TOKEN)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def metric(self, name):
        _, text = self.request("GET", "/metrics", timeout=10)
        m = re.search(r"^%s (\S+)$" % re.escape(name), text, re.M)
        return float(m.group(1)) if m else None


# ---- configuration and zone ------------------------------------------------------------------

class Files:
    """The zone and configuration gslbd reads, their good contents, and broken variants."""

    def __init__(self, work, port, ctl_port, mmdb, backends):
        self.work = work
        self.zone_path = os.path.join(work, "gslb.example.com.zone")
        self.conf_path = os.path.join(work, "gslbd.yaml")
        with open(os.path.join(ROOT, "zones", "gslb.example.com.zone")) as f:
            self.zone_text = f.read()
        with open(os.path.join(ROOT, "zones", "gslbd.yaml")) as f:
            c = yaml.safe_load(f)
        c["server"]["listen"] = ["127.0.0.1:%d" % port]
        c["server"]["tcp_max_connections"] = TCP_MAX
        c["server"]["tcp_max_connections_per_prefix"] = PER_PREFIX
        c["zones"][0]["file"] = self.zone_path
        c["geoip"]["database"] = mmdb
        for dc, d in c["datacenters"].items():
            for a in d["addresses"]:
                a["probe_address"], a["probe_port"] = backends[dc].addr, backends[dc].port
        c["control"] = {"listen": "127.0.0.1:%d" % ctl_port, "token": TOKEN,
                        "state_file": os.path.join(work, "state.json")}
        self.conf = c
        self.probe = c["probes"]["web"]
        # What a good reload changes, and a check reads back: the zone's serial, and the
        # configuration's server.version (answered to version.bind CH TXT).
        self.serial, self.version = 1, 1
        self.write_good()

    def zone(self, serial):
        return re.sub(r"\d+(\s*; serial)", r"%d\1" % serial, self.zone_text, count=1)

    def config(self, version):
        self.conf["server"]["version"] = "gslbd soak %d" % version
        return yaml.safe_dump(self.conf, sort_keys=False)

    @staticmethod
    def put(path, data):
        """Replace a file whole (write aside, rename), as an operator's tooling would."""
        mode = "wb" if isinstance(data, bytes) else "w"
        with open(path + ".new", mode) as f:
            f.write(data)
        os.replace(path + ".new", path)

    def write_good(self):
        self.put(self.zone_path, self.zone(self.serial))
        self.put(self.conf_path, self.config(self.version))

    def broken(self, i):
        """(description, path, contents) of the i-th broken variant."""
        z, c = self.zone(self.serial + 1), self.config(self.version + 1)
        variants = [
            ("zone: an address that is not one", self.zone_path,
             z + "bad IN A 192.0.2.300\n"),
            ("zone: a TTL above 2147483647", self.zone_path,
             z + "big 99999999999 IN A 192.0.2.1\n"),
            ("zone: cut in half (no SOA left at the end)", self.zone_path,
             z[len(z) // 2:]),
            ("config: YAML syntax error", self.conf_path,
             c.replace("services:", "services: [", 1)),
            ("config: the 3 bytes that hang libfyaml 0.7.12", self.conf_path,
             b"%\xe5\n"),
            ("config: a service naming an unknown map", self.conf_path,
             c.replace("map: world", "map: nowhere", 1)),
            ("config: cut in half", self.conf_path, c[:len(c) // 2]),
        ]
        return variants[i % len(variants)]


# ---- the reloads -----------------------------------------------------------------------------

class Reloader(Worker):
    """Reloads every `every` seconds: two good ones, then a broken one; every fourth good
    one and every second broken one by SIGHUP, the rest by POST /reload."""

    def __init__(self, files, ctl, pid, port, every, deadline):
        super().__init__()
        self.files, self.ctl, self.pid, self.port = files, ctl, pid, port
        self.every, self.deadline = every, deadline
        self.busy = False
        self.n = {"good": 0, "good_ok": 0, "broken": 0, "broken_refused": 0,
                  "sighup": 0, "old_data_kept": 0}
        self.times = []

    def served_state(self):
        """(SOA serial, version number) as served now, or None when a query was lost."""
        soa = ask(self.port, ORIGIN, "SOA")
        ver = ask(self.port, "version.bind.", "TXT", rdclass="CH")
        if soa is None or ver is None or not soa.answer or not ver.answer:
            return None
        text = b"".join(ver.answer[0][0].strings).decode()
        m = re.fullmatch(r"gslbd soak (\d+)", text)
        return soa.answer[0][0].serial, int(m.group(1)) if m else text

    def wait_metric(self, name, above, limit_s=120):
        t0 = time.time()
        while time.time() - t0 < limit_s:
            v = self.ctl.metric(name)
            if v is not None and v > above:
                return True
            time.sleep(0.1)
        return False

    def reload(self, by_signal):
        """(ok, detail): True for a reload that succeeded."""
        t0 = time.time()
        if by_signal:
            self.n["sighup"] += 1
            gen0 = self.ctl.metric("gslbd_config_generation")
            fails0 = self.ctl.metric("gslbd_reload_failures_total")
            os.kill(self.pid, signal.SIGHUP)
            t_end = t0 + 120
            while time.time() < t_end:
                if self.ctl.metric("gslbd_config_generation") > gen0:
                    self.times.append(time.time() - t0)
                    return True, "SIGHUP: new generation"
                if self.ctl.metric("gslbd_reload_failures_total") > fails0:
                    self.times.append(time.time() - t0)
                    return False, "SIGHUP: reload failure counted"
                time.sleep(0.05)
            return None, "SIGHUP: no outcome within 120 s"
        status, body = self.ctl.request("POST", "/reload")
        self.times.append(time.time() - t0)
        if status == 200:
            return True, "POST /reload: 200"
        if status == 422:
            return False, "POST /reload: 422 " + body.strip()[:200]
        return None, "POST /reload: %d %s" % (status, body.strip()[:200])

    def good(self, i):
        f = self.files
        if i % 2 == 0:
            f.serial += 1
        else:
            f.version += 1
        f.write_good()
        self.n["good"] += 1
        ok, detail = self.reload(by_signal=self.n["good"] % 4 == 0)
        state = self.served_state()
        if ok is True and state == (f.serial, f.version):
            self.n["good_ok"] += 1
        else:
            fail("good reload served", "%s; served (serial, version) %s, want %s" %
                 (detail, state, (f.serial, f.version)))

    def broken(self, i):
        f = self.files
        what, path, data = f.broken(i)
        before = self.served_state()
        Files.put(path, data)
        self.n["broken"] += 1
        ok, detail = self.reload(by_signal=self.n["broken"] % 2 == 0)
        f.write_good()
        after = self.served_state()
        www = ask(self.port, "www." + ORIGIN, "A", ecs=CLIENTS["eu-west"])
        if ok is False:
            self.n["broken_refused"] += 1
        else:
            fail("broken reload refused", "%s: %s" % (what, detail))
        if after is not None and after == before == (f.serial, f.version) and www and www.answer:
            self.n["old_data_kept"] += 1
        else:
            fail("old data after a broken reload", "%s: served %s before, %s after, want %s" %
                 (what, before, after, (f.serial, f.version)))

    def work(self):
        i = 0
        while time.time() + self.every < self.deadline:
            time.sleep(self.every)
            self.busy = True
            try:
                if i % 3 == 2:
                    self.broken(i // 3)
                else:
                    self.good(i - i // 3)
            finally:
                self.busy = False
            i += 1


# ---- backends stopped and started: probe timing -------------------------------------------

class Flapper(Worker):
    """In turn, stops one data center's backend `every` / 2 seconds after the last start,
    measures the time until its client's answers no longer hold the DC's addresses, checks
    for `every` / 2 seconds that they stay out, then starts it and measures the time until
    they are back."""

    def __init__(self, backends, dc_addrs, probe, port, every, deadline):
        super().__init__()
        self.backends, self.dc_addrs, self.port = backends, dc_addrs, port
        self.every, self.deadline = every, deadline
        jitter = 1.1 * probe["interval_ms"] / 1000.0
        # Detection needs threshold probes in a row; each starts within interval +10%; the
        # last may take up to its timeout (a refused connection fails at once); 1 s for
        # the poll and the scheduler.
        self.down_bound = jitter * probe["down_threshold"] + probe["timeout_ms"] / 1000.0 + 1.0
        self.up_bound = jitter * probe["up_threshold"] + 1.0
        self.down_s, self.up_s = [], []
        self.flaps_back = 0

    def has_dc(self, dc):
        m = ask(self.port, "www." + ORIGIN, "A", ecs=CLIENTS[dc], timeout=1.0)
        return None if m is None else bool(v4_of(m) & self.dc_addrs[dc])

    def wait_for(self, dc, want, limit_s):
        t0 = time.time()
        while time.time() - t0 < limit_s:
            if self.has_dc(dc) is want:
                return time.time() - t0
            time.sleep(0.1)
        return None

    def work(self):
        dcs = sorted(self.backends)
        i = 0
        while time.time() + self.every < self.deadline:
            time.sleep(self.every / 2)
            dc = dcs[i % len(dcs)]
            i += 1
            self.backends[dc].stop()
            t = self.wait_for(dc, False, 60)
            if t is None or t > self.down_bound:
                fail("probe: backend down noticed", "%s: %s s (bound %.1f s)" %
                     (dc, "not within 60" if t is None else "%.2f" % t, self.down_bound))
            if t is not None:
                self.down_s.append(t)
            # Down: its addresses must stay out (reloads keep the probe state).
            t_end = time.time() + self.every / 2
            while time.time() < t_end:
                if self.has_dc(dc):
                    self.flaps_back += 1
                    fail("probe: down stays down", "%s answered while its backend is stopped"
                         % dc)
                    break
                time.sleep(0.2)
            self.backends[dc].start()
            t = self.wait_for(dc, True, 60)
            if t is None or t > self.up_bound:
                fail("probe: backend up noticed", "%s: %s s (bound %.1f s)" %
                     (dc, "not within 60" if t is None else "%.2f" % t, self.up_bound))
            if t is not None:
                self.up_s.append(t)


# ---- TCP abuse -------------------------------------------------------------------------------

class Abuse(Worker):
    """TCP abuse clients and new TCP clients, on one asyncio loop."""

    def __init__(self, port, deadline):
        super().__init__()
        self.port, self.deadline = port, deadline
        self.query = dns.message.make_query(ORIGIN, "SOA").to_wire()
        self.held = {}       # group -> connections answered and not closed
        self.max_hoard = 0   # most connections of the one /24 held at once
        self.max_server_side = 0
        self.closed = {"hoard": 0, "crowd": 0, "slow": 0}
        self.new_ok = self.new_failed = 0
        self.new_fail_at = []
        self.frame = struct.pack("!H", len(self.query)) + self.query

    async def read_answer(self, reader, timeout):
        head = await asyncio.wait_for(reader.readexactly(2), timeout)
        return await asyncio.wait_for(reader.readexactly(struct.unpack("!H", head)[0]), timeout)

    async def idle_client(self, group, source):
        """Connect, ask, sit idle asking every ABUSE_QUERY_EVERY_S; reconnect when closed."""
        while time.time() < self.deadline:
            writer = None
            counted = False
            try:
                reader, writer = await asyncio.open_connection(
                    "127.0.0.1", self.port, local_addr=(source, 0))
                while time.time() < self.deadline:
                    writer.write(self.frame)
                    await writer.drain()
                    await self.read_answer(reader, 5)
                    if not counted:
                        # Held: answered and still open half a second later (a connection
                        # over the limit may be answered before it is closed).
                        try:
                            await asyncio.wait_for(reader.read(1), 0.5)
                            break
                        except asyncio.TimeoutError:
                            pass
                        counted = True
                        self.held[group] = self.held.get(group, 0) + 1
                        if group == "hoard":
                            self.max_hoard = max(self.max_hoard, self.held[group])
                    try:
                        # Anything but EOF within the pause is unexpected; EOF = closed.
                        await asyncio.wait_for(reader.read(1), ABUSE_QUERY_EVERY_S)
                        break
                    except asyncio.TimeoutError:
                        pass
            except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError):
                pass
            finally:
                if counted:
                    self.held[group] -= 1
                if writer is not None:
                    writer.close()
            self.closed[group] += 1
            await asyncio.sleep(0.5 + random.random())

    async def slow_client(self, source):
        """Send each query one byte per second."""
        while time.time() < self.deadline:
            writer = None
            try:
                reader, writer = await asyncio.open_connection(
                    "127.0.0.1", self.port, local_addr=(source, 0))
                while time.time() < self.deadline:
                    for b in self.frame:
                        writer.write(bytes([b]))
                        await writer.drain()
                        await asyncio.sleep(1.0)
                    await self.read_answer(reader, 5)
            except (OSError, asyncio.IncompleteReadError, asyncio.TimeoutError):
                pass
            finally:
                if writer is not None:
                    writer.close()
            self.closed["slow"] += 1
            await asyncio.sleep(1.0)

    async def new_client(self, n):
        """A new client from a /24 of its own (127.0.5.0/24): must be answered within 3 s.
        A failure is noted with its time and what went wrong where."""
        stage = ["connect"]
        writer = None

        async def exchange():
            nonlocal writer
            reader, writer = await asyncio.open_connection(
                "127.0.0.1", self.port, local_addr=("127.0.5.%d" % (1 + n % 250), 0))
            stage[0] = "answer"
            writer.write(self.frame)
            await writer.drain()
            return dns.message.from_wire(await self.read_answer(reader, 3))

        try:
            r = await asyncio.wait_for(exchange(), 3)
            if r.rcode() == dns.rcode.NOERROR and r.answer:
                self.new_ok += 1
                return
            why = dns.rcode.to_text(r.rcode())
        except asyncio.TimeoutError:
            why = "no reply in 3 s"
        except asyncio.IncompleteReadError:
            why = "closed"
        except (OSError, dns.exception.DNSException) as e:
            why = type(e).__name__
        finally:
            if writer is not None:
                writer.close()
        self.new_failed += 1
        self.new_fail_at.append("%s %s: %s" % (time.strftime("%H:%M:%S"), stage[0], why))

    def server_side(self):
        """Established connections to gslbd's port from the hoarding /24, as the kernel
        lists them (/proc/net/tcp: addresses in hex, host byte order)."""
        want = ":%04X" % self.port
        n = 0
        with open("/proc/net/tcp") as f:
            for line in f.readlines()[1:]:
                local, remote, st = line.split()[1:4]
                if st == "01" and local.endswith(want):
                    ip = bytes.fromhex(remote.split(":")[0])[::-1]
                    n += ip[:3] == bytes([127, 0, 66])
        return n

    async def watch(self):
        while time.time() < self.deadline:
            self.max_server_side = max(self.max_server_side, self.server_side())
            await asyncio.sleep(1)

    async def main(self):
        tasks = [asyncio.create_task(self.watch())]
        tasks += [asyncio.create_task(self.idle_client("hoard", "127.0.66.%d" % (1 + i % 250)))
                 for i in range(HOARD_CONNS)]
        tasks += [asyncio.create_task(self.idle_client("crowd", "127.0.%d.%d" % (100 + n, 1 + k)))
                  for n in range(CROWD_NETS) for k in range(CROWD_PER_NET)]
        tasks += [asyncio.create_task(self.slow_client("127.0.67.%d" % (1 + i)))
                  for i in range(SLOW_CONNS)]
        n = 0
        await asyncio.sleep(3)   # let the abuse take the table first
        while time.time() < self.deadline:
            tasks.append(asyncio.create_task(self.new_client(n)))
            n += 1
            await asyncio.sleep(NEW_CLIENT_EVERY_S)
        await asyncio.sleep(1)
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def work(self):
        asyncio.run(self.main())


# ---- memory ----------------------------------------------------------------------------------

class RssSampler(Worker):
    def __init__(self, pid, reloader, deadline, every=2.0):
        super().__init__()
        self.pid, self.reloader, self.deadline, self.every = pid, reloader, deadline, every
        self.samples = []   # (seconds since start, VmRSS in kB, reload in progress)

    def work(self):
        t0 = time.time()
        while time.time() < self.deadline:
            try:
                with open("/proc/%d/status" % self.pid) as f:
                    kb = int(re.search(r"^VmRSS:\s+(\d+)", f.read(), re.M).group(1))
            except (OSError, AttributeError):
                return
            self.samples.append((time.time() - t0, kb, self.reloader.busy))
            time.sleep(self.every)


# ---- load ------------------------------------------------------------------------------------

def ecs_nets(mmdb, cache_dir):
    """20,000 /24s drawn from the database's networks (bench/gen.py), cached per database."""
    st = os.stat(mmdb)
    stamp = "%s %d %d" % (os.path.realpath(mmdb), st.st_size, int(st.st_mtime))
    cache = os.path.join(cache_dir, "ecs-nets.txt")
    if os.path.exists(cache):
        with open(cache) as f:
            lines = f.read().splitlines()
        if lines and lines[0] == stamp:
            return lines[1:]
    log("drawing 20,000 client /24s from %s (about half a minute, once)" % mmdb)
    nets = [n[0] for n in gen.geolite2_ecs_nets(mmdb, random.Random(7))]
    os.makedirs(cache_dir, exist_ok=True)
    with open(cache, "w") as f:
        f.write("\n".join([stamp] + nets) + "\n")
    return nets


def query_file(path, nets, n=50000):
    """dnsperf -B queries: 45% www A, 10% www AAAA, 15% api A, all with ECS; 10% www A
    without ECS; 12% static names (SOA, NS, MX, TXT, CAA, SRV, glue, a CNAME); 8% names
    that do not exist."""
    rng = random.Random(13)
    static = [(ORIGIN, "SOA"), (ORIGIN, "NS"), (ORIGIN, "MX"), (ORIGIN, "TXT"),
              (ORIGIN, "CAA"), ("_sip._udp." + ORIGIN, "SRV"), ("ns1." + ORIGIN, "A"),
              ("ns1." + ORIGIN, "AAAA"), ("mail." + ORIGIN, "A"), ("status." + ORIGIN, "A"),
              ("www." + ORIGIN, "TXT")]
    msgs = []
    for _ in range(n):
        r = rng.random()
        ecs = rng.choice(nets)
        if r < 0.45:
            msgs.append(gen.wire("www." + ORIGIN, "A", ecs))
        elif r < 0.55:
            msgs.append(gen.wire("www." + ORIGIN, "AAAA", ecs))
        elif r < 0.70:
            msgs.append(gen.wire("api." + ORIGIN, "A", ecs))
        elif r < 0.80:
            msgs.append(gen.wire("www." + ORIGIN, "A"))
        elif r < 0.92:
            msgs.append(gen.wire(*rng.choice(static)))
        else:
            msgs.append(gen.wire("nx%06d.%s" % (rng.randrange(10 ** 6), ORIGIN), "A"))
    gen.save(path, msgs)


def dnsperf(mode, port, qfile, rate, seconds, clients, out):
    return spawn(["dnsperf", "-B", "-d", qfile, "-s", "127.0.0.1", "-p", str(port), "-m", mode,
                  "-c", str(clients), "-Q", str(rate), "-l", str(seconds), "-t", "5",
                  "-S", "60"], out)


def parse_dnsperf(path):
    with open(path) as f:
        text = f.read()

    def num(label):
        m = re.search(r"^\s*%s:\s+([\d.]+)" % re.escape(label), text, re.M)
        return float(m.group(1)) if m else None

    codes = {}
    m = re.search(r"Response codes:\s+(.*)", text)
    if m:
        for code, count in re.findall(r"([A-Z]+) (\d+)", m.group(1)):
            codes[code] = int(count)
    lat = re.search(r"Average Latency \(s\):\s+([\d.]+) \(min [\d.]+, max ([\d.]+)\)", text)
    return {"sent": num("Queries sent"), "completed": num("Queries completed"),
            "lost": num("Queries lost"), "qps": num("Queries per second"), "codes": codes,
            "avg_ms": float(lat.group(1)) * 1000 if lat else None,
            "max_ms": float(lat.group(2)) * 1000 if lat else None, "text": text}


# ---- the run ---------------------------------------------------------------------------------

def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gslbd", required=True)
    ap.add_argument("--minutes", type=float, default=30)
    ap.add_argument("--rate", type=int, default=3000, help="total queries per second")
    ap.add_argument("--reload-every", type=float, default=3.0)
    ap.add_argument("--flap-every", type=float, default=30.0)
    ap.add_argument("--rss-growth", type=float, default=5.0,
                    help="largest growth of the highest RSS between reloads from the second "
                    "third of the run to the last, %%")
    ap.add_argument("--mmdb", default=os.path.join(ROOT, "geo", "GeoLite2-City.mmdb"))
    ap.add_argument("--cache", default=os.path.join(HERE, "work", "soak"))
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    a = ap.parse_args()

    work = tempfile.mkdtemp(prefix="gslbd-soak-")
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda n, _: sys.exit("soak: interrupted (signal %d)" % n))
    try:
        return run(a, work)
    finally:
        stop_all()
        if a.keep:
            log("kept %s" % work)
        else:
            shutil.rmtree(work, ignore_errors=True)


def run(a, work):
    seconds = int(a.minutes * 60)
    asan = b"__asan_init" in open(a.gslbd, "rb").read()
    nets = ecs_nets(a.mmdb, a.cache)
    qfile = os.path.join(work, "queries.bin")
    query_file(qfile, nets)

    backends = {dc: Backend(dc, work) for dc in BACKEND_ADDR}
    for b in backends.values():
        b.start()
    port, ctl_port = free_port(), free_port()
    files = Files(work, port, ctl_port, os.path.abspath(a.mmdb), backends)
    dc_addrs = {dc: {x["address"] for x in d["addresses"] if ":" not in x["address"]}
                for dc, d in files.conf["datacenters"].items()}
    chk = subprocess.run([a.gslbd, "-c", files.conf_path, "--check-config"],
                         capture_output=True, text=True)
    if chk.returncode != 0:
        raise SystemExit("soak: the derived configuration does not check:\n" + chk.stderr)
    env = dict(os.environ)
    if asan:
        # Leaks are the unit tests' business; here the exit status is not read.
        env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "detect_leaks=0")
    gslbd_log = os.path.join(work, "gslbd.log")
    srv = spawn([a.gslbd, "-c", files.conf_path], gslbd_log, env=env)
    ctl = Control(ctl_port)
    t0 = time.time()
    while time.time() - t0 < 120:
        if srv.poll() is not None:
            raise SystemExit("soak: gslbd exited:\n" + open(gslbd_log).read()[-3000:])
        try:
            if ctl.request("GET", "/metrics", timeout=2)[0] == 200:
                break
        except OSError:
            pass
        time.sleep(0.2)
    log("gslbd PID %d (%s) on 127.0.0.1:%d, control :%d, ready in %.1f s; backends %s" % (
        srv.pid, "ASan build" if asan else "no sanitizers", port, ctl_port, time.time() - t0,
        ", ".join("%s %s:%d" % (dc, b.addr, b.port) for dc, b in sorted(backends.items()))))
    # Every DC's client answered from its DC once the probes confirm the backends.
    for dc in CLIENTS:
        t_end = time.time() + 30
        while not (v4_of(ask(port, "www." + ORIGIN, "A", ecs=CLIENTS[dc])) & dc_addrs[dc]):
            if time.time() > t_end:
                raise SystemExit("soak: the %s client is not answered from %s" % (dc, dc))
            time.sleep(0.2)

    deadline = time.time() + seconds
    udp_rate = int(a.rate * 0.8)
    tcp_rate = a.rate - udp_rate
    log("%d s at %d q/s (UDP %d, TCP %d), reload every %.0f s, a backend stopped every %.0f s"
        % (seconds, a.rate, udp_rate, tcp_rate, a.reload_every, a.flap_every))
    perf_udp = dnsperf("udp", port, qfile, udp_rate, seconds, 4, os.path.join(work, "udp.out"))
    perf_tcp = dnsperf("tcp", port, qfile, tcp_rate, seconds, 8, os.path.join(work, "tcp.out"))
    reloader = Reloader(files, ctl, srv.pid, port, a.reload_every, deadline)
    flapper = Flapper(backends, dc_addrs, files.probe, port, a.flap_every, deadline)
    abuse = Abuse(port, deadline)
    rss = RssSampler(srv.pid, reloader, deadline)
    threads = [reloader, flapper, abuse, rss]
    for t in threads:
        t.start()
    next_note = time.time() + 60
    while time.time() < deadline:
        time.sleep(1)
        if srv.poll() is not None:
            fail("gslbd alive", "exited with %s" % srv.returncode)
            break
        if time.time() >= next_note:
            next_note += 60
            s = rss.samples[-1] if rss.samples else (0, 0, 0)
            log("%3.0f min: RSS %.1f MB, reloads %d good %d broken, backend flips %d, new TCP "
                "clients %d served %d not, hoarding /24 holds %d" % (
                    (time.time() - (deadline - seconds)) / 60, s[1] / 1024.0,
                    reloader.n["good"], reloader.n["broken"],
                    len(flapper.down_s) + len(flapper.up_s), abuse.new_ok, abuse.new_failed,
                    abuse.held.get("hoard", 0)))
    for t in threads:
        t.join(timeout=180)
        if t.is_alive():
            fail("driver", "%s did not finish" % type(t).__name__)
    for p in (perf_udp, perf_tcp):
        try:
            p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            fail("dnsperf", "did not finish")
            p.kill()
    # Shutdown within a bounded time, whatever the reload thread is doing.
    t_stop = time.time()
    stop_s = None
    if srv.poll() is None:
        srv.terminate()
        try:
            srv.wait(timeout=30)
            stop_s = time.time() - t_stop
        except subprocess.TimeoutExpired:
            srv.kill()
    if stop_s is None or stop_s > SHUTDOWN_BOUND_S:
        fail("shutdown", "gslbd took %s s to stop on SIGTERM (bound %.0f s)" % (
            "over 30" if stop_s is None else "%.1f" % stop_s, SHUTDOWN_BOUND_S))
    return report(a, work, asan, seconds, udp_rate, tcp_rate, reloader, flapper, abuse, rss,
                  stop_s, gslbd_log)


def report(a, work, asan, seconds, udp_rate, tcp_rate, reloader, flapper, abuse, rss, stop_s,
           gslbd_log):
    rows = []

    def row(what, figure, target, ok, detail=""):
        rows.append((what, figure, target, "ok" if ok else "MISSED"))
        if not ok:
            FAILURES.append((what, figure + (" " + detail if detail else "")))

    for mode, rate in (("udp", udp_rate), ("tcp", tcp_rate)):
        d = parse_dnsperf(os.path.join(work, mode + ".out"))
        if d["sent"] is None:
            row("dnsperf %s" % mode.upper(), "no summary", "runs", False)
            print(d["text"][-2000:])
            continue
        sf = d["codes"].get("SERVFAIL", 0)
        row("%s queries sent / answered" % mode.upper(), "%d / %d" % (d["sent"], d["completed"]),
            "", True)
        row("%s lost" % mode.upper(), "%d" % d["lost"], "0", d["lost"] == 0)
        row("%s SERVFAIL" % mode.upper(), "%d" % sf, "0", sf == 0)
        row("%s rate achieved" % mode.upper(), "%.0f q/s of %d" % (d["qps"], rate),
            ">= 97%", d["qps"] >= 0.97 * rate)
        row("%s latency avg / max" % mode.upper(), "%.2f / %.0f ms" % (d["avg_ms"], d["max_ms"]),
            "", True)
        row("%s response codes" % mode.upper(),
            ", ".join("%s %d" % kv for kv in sorted(d["codes"].items())), "", True)
    t = TALLY
    row("driver queries sent / answered", "%d / %d" % (t.sent, t.answered), "", True)
    row("driver queries lost", "%d" % t.lost, "0", t.lost == 0,
        "(at " + " ".join(t.lost_at[:10]) + ")")
    row("driver SERVFAIL", "%d" % t.servfail, "0", t.servfail == 0)
    n = reloader.n
    times = reloader.times
    row("reloads good: served after", "%d of %d (%d by SIGHUP in all)" % (
        n["good_ok"], n["good"], n["sighup"]), "all", n["good_ok"] == n["good"] and n["good"] > 0)
    row("reloads broken: refused", "%d of %d" % (n["broken_refused"], n["broken"]), "all",
        n["broken_refused"] == n["broken"] and n["broken"] > 0)
    row("reloads broken: old data kept", "%d of %d" % (n["old_data_kept"], n["broken"]), "all",
        n["old_data_kept"] == n["broken"] and n["broken"] > 0)
    if times:
        row("reload time median / max", "%.2f / %.2f s" % (statistics.median(times), max(times)),
            "", True)
    for what, xs, bound in (("down", flapper.down_s, flapper.down_bound),
                            ("up", flapper.up_s, flapper.up_bound)):
        row("probe: backend %s noticed (n, median, max)" % what,
            "%d, %.2f, %.2f s" % (len(xs), statistics.median(xs) if xs else float("nan"),
                                  max(xs) if xs else float("nan")),
            "<= %.1f s" % bound, bool(xs) and max(xs) <= bound)
    row("probe: stopped backend back in answers", "%d" % flapper.flaps_back, "0",
        flapper.flaps_back == 0)
    row("TCP new clients served", "%d of %d" % (abuse.new_ok, abuse.new_ok + abuse.new_failed),
        "all", abuse.new_failed == 0 and abuse.new_ok > 0,
        "(failed: " + ", ".join(abuse.new_fail_at[:10]) + ")")
    row("TCP hoarding /24: most held at once", "%d of %d tried" % (abuse.max_hoard, HOARD_CONNS),
        "<= %d" % PER_PREFIX, 0 < abuse.max_hoard <= PER_PREFIX)
    row("TCP hoarding /24: most in the kernel's table", "%d" % abuse.max_server_side,
        "", True)   # established, counting those not yet accepted
    row("TCP abuse connections closed by the server", "hoard %d, crowd %d, slow %d" % (
        abuse.closed["hoard"], abuse.closed["crowd"], abuse.closed["slow"]), "", True)

    # RSS: the first third of the run is warm-up. Judged are the samples taken between
    # reloads (a reload holds two snapshots for a moment): they move between a few levels as
    # the allocator reuses freed snapshots, so the highest of them in the last third is
    # compared with the highest in the second; a leak raises it, a plateau does not. The
    # means and the peaks during reloads are shown, not judged.
    s = rss.samples
    thirds = [[x for x in s if k * seconds / 3 <= x[0] < (k + 1) * seconds / 3]
              for k in range(3)]
    calm = [[x[1] for x in t if not x[2]] for t in thirds]
    if len(calm[1]) >= 3 and len(calm[2]) >= 3:
        h2, h3 = max(calm[1]), max(calm[2])
        growth = 100.0 * (h3 - h2) / h2
        row("RSS between reloads, highest: 2nd third -> last", "%.1f -> %.1f MB (%+.1f%%)" % (
            h2 / 1024, h3 / 1024, growth), "<= +%.1f%%" % a.rss_growth, growth <= a.rss_growth)
        row("RSS between reloads, mean: 2nd third -> last", "%.1f -> %.1f MB" % (
            statistics.mean(calm[1]) / 1024, statistics.mean(calm[2]) / 1024), "", True)
        row("RSS peak in reloads: 2nd third -> last", "%.1f -> %.1f MB" % (
            max(x[1] for x in thirds[1]) / 1024, max(x[1] for x in thirds[2]) / 1024), "", True)
    else:
        row("RSS samples between reloads", "%d, %d" % (len(calm[1]), len(calm[2])),
            ">= 3 per third", False)
    row("gslbd stop on SIGTERM", "%.2f s" % stop_s if stop_s is not None else "no",
        "<= %.0f s" % SHUTDOWN_BOUND_S, stop_s is not None and stop_s <= SHUTDOWN_BOUND_S)

    print()
    step = max(1, seconds // 15)
    print("RSS over time (VmRSS, MB, per %d s): between reloads lowest and highest, and the "
          "peak; one # per 10 MB of the highest between reloads" % step)
    for k in range(0, seconds, step):
        w = [x for x in s if k <= x[0] < k + step]
        c = [x[1] / 1024 for x in w if not x[2]] or [float("nan")]
        if w:
            print("  %5d s  %7.1f %7.1f  %7.1f  %s" % (
                k, min(c), max(c), max(x[1] for x in w) / 1024,
                "#" * int(max(c) / 10) if c[0] == c[0] else ""))
    print()
    print("## Soak: %g minutes, %d q/s (UDP %d, TCP %d), gslbd %s" % (
        a.minutes, udp_rate + tcp_rate, udp_rate, tcp_rate,
        "with AddressSanitizer (RSS figures include its shadow and quarantine)" if asan
        else "without sanitizers"))
    print()
    w = [max(len(r[i]) for r in rows + [("what", "figure", "target", "")]) for i in range(4)]
    fmt = "| %%-%ds | %%-%ds | %%-%ds | %%-%ds |" % tuple(w)
    print(fmt % ("what", "figure", "target", ""))
    print("|" + "|".join("-" * (x + 2) for x in w) + "|")
    for r in rows:
        print(fmt % r)
    print()
    with open(os.path.join(work, "rss.json"), "w") as f:
        json.dump(s, f)
    misses = FAILURES
    if misses:
        print("targets missed: %d" % len(misses))
        for what, detail in misses[:30]:
            print("  - %s: %s" % (what, detail))
        errs = [ln for ln in open(gslbd_log) if "error" in ln.lower() or "ERROR" in ln][-10:]
        if errs:
            print("gslbd's last error lines (the broken reloads log theirs by design):")
            print("".join("  " + ln for ln in errs), end="")
        return 1
    print("all targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
