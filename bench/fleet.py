"""Measure a fleet of three gslbd instances on a three-member etcd cluster, on loopback.

Prints: the time from a backend dying to all three instances answering without it, the time
for a drain made on one instance to reach the two others, and the etcd writes per second of
3 instances x 1,000 resources probed every 2 s (steady state and the start), with the figure
computed for 10 instances. Run by bench/fleet.sh; every process binds to 127.0.0.1 and is
stopped by PID at the end.
"""
import asyncio
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration", "lib"))
import harness  # noqa: E402
from harness import rrset_addresses  # noqa: E402

QUICK = "--quick" in sys.argv
RESOURCES = 1000
INTERVAL_MS, DOWN_THRESHOLD = 2000, 3
LEASE_TTL_S = 6
WINDOW_S = 8 if QUICK else 30
ROUNDS = 2 if QUICK else 5
work = tempfile.mkdtemp(prefix="gslbd-fleet-bench-")
procs = []


def cleanup():
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
    if os.environ.get("FLEET_BENCH_KEEP"):
        print("work directory kept: %s" % work)
    else:
        shutil.rmtree(work, ignore_errors=True)


harness.atexit.register(cleanup)


def start(args, name):
    log = open(os.path.join(work, name + ".log"), "w")
    p = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT)
    procs.append(p)
    return p


def post(url, body=None, token=None):
    req = urllib.request.Request(url, data=json.dumps(body).encode() if body is not None
                                 else b"", method="POST")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=5) as resp:
        return json.loads(resp.read().decode())


def get(url):
    with urllib.request.urlopen(url, timeout=5) as resp:
        return resp.read().decode()


def wait_for(pred, limit_s, step=0.02):
    t0 = time.time()
    while time.time() - t0 < limit_s:
        if pred():
            return time.time() - t0
        time.sleep(step)
    return None


# ---- a TCP target that accepts and closes: what 3,000 tcp probes connect to ----
def tcp_target(port, stop):
    async def handle(reader, writer):
        writer.close()

    async def main():
        srv = await asyncio.start_server(handle, "127.0.0.1", port, backlog=1024)
        while not stop.is_set():
            await asyncio.sleep(0.2)
        srv.close()

    asyncio.run(main())


# ---- etcd ----
ports = [(harness.free_port(), harness.free_port()) for _ in range(3)]
cluster = ",".join("b%d=http://127.0.0.1:%d" % (i, p[1]) for i, p in enumerate(ports))
etcd_urls = []
for i, (cp, pp) in enumerate(ports):
    url = "http://127.0.0.1:%d" % cp
    etcd_urls.append(url)
    start(["/usr/bin/etcd", "--name", "b%d" % i, "--data-dir", os.path.join(work, "etcd%d" % i),
           "--listen-client-urls", url, "--advertise-client-urls", url,
           "--listen-peer-urls", "http://127.0.0.1:%d" % pp,
           "--initial-advertise-peer-urls", "http://127.0.0.1:%d" % pp,
           "--initial-cluster", cluster, "--initial-cluster-state", "new"], "etcd%d" % i)


def etcd_ok(url):
    try:
        return "header" in post(url + "/v3/kv/range", {"key": "eA=="})
    except OSError:
        return False


if wait_for(lambda: all(etcd_ok(u) for u in etcd_urls), 30) is None:
    sys.exit("etcd did not start")


def proposals():
    """Raft proposals committed, as the leader counts them (the cluster's writes)."""
    best = 0.0
    for u in etcd_urls:
        for line in get(u + "/metrics").splitlines():
            if line.startswith("etcd_server_proposals_committed_total "):
                best = max(best, float(line.split()[1]))
    return best


# ---- backends and gslbd ----
stop_target = threading.Event()
target_port = harness.free_port()
threading.Thread(target=tcp_target, args=(target_port, stop_target), daemon=True).start()
site_port = harness.free_port()
site = None


def site_start():
    global site
    site = start([sys.executable, os.path.join(ROOT, "tests", "integration", "lib",
                                               "backend.py"), "--port", str(site_port),
                  "--status-file", os.path.join(work, "site.status")], "site")


def site_stop():
    site.terminate()
    site.wait()


site_start()
TOKEN = "fleet-bench-token"


def config(name, dns_port, ctl_port):
    lines = ["server: {listen: ['127.0.0.1:%d'], workers: 1}" % dns_port,
             "zones: [{file: %s, origin: fl.test.}]" % os.path.join(
                 ROOT, "tests", "integration", "009_fleet", "test.zone"),
             "control: {listen: '127.0.0.1:%d', token: %s}" % (ctl_port, TOKEN),
             "probes:",
             "  tcp: {type: tcp, port: %d, interval_ms: %d, timeout_ms: 1000, "
             "down_threshold: %d}" % (target_port, INTERVAL_MS, DOWN_THRESHOLD),
             "  web: {type: http, path: /health, interval_ms: %d, timeout_ms: 1000, "
             "down_threshold: %d}" % (INTERVAL_MS, DOWN_THRESHOLD),
             "datacenters:",
             "  site-a: {probe: web, addresses: [{address: 198.51.100.10, "
             "probe_address: 127.0.0.1, probe_port: %d}]}" % site_port,
             "  site-b: {addresses: [192.0.2.10]}"]
    per_dc = 100
    for d in range(RESOURCES // per_dc):
        lines.append("  r%d:" % d)
        lines.append("    probe: tcp")
        lines.append("    addresses:")
        for a in range(per_dc):
            lines.append("      - {address: 10.%d.%d.%d, probe_address: 127.0.0.1}"
                         % (d, a // 250, a % 250 + 1))
    lines += ["services:",
              "  www.fl.test.: {policy: failover, datacenters: [site-a, site-b], ttl: 30}",
              "fleet:",
              "  instance: %s" % name,
              "  endpoints: [%s]" % ", ".join(etcd_urls),
              "  prefix: /bench/",
              "  lease_ttl_s: %d" % LEASE_TTL_S]
    path = os.path.join(work, name + ".yaml")
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


class Instance:
    def __init__(self, name):
        self.name = name
        self.dns_port, self.ctl_port = harness.free_port(), harness.free_port()
        self.ctl = "http://127.0.0.1:%d" % self.ctl_port
        self.proc = start([harness.GSLBD, "-c", config(name, self.dns_port, self.ctl_port)],
                          name)
        self.server = harness.Server.__new__(harness.Server)
        self.server.port = self.dns_port
        self.server.proc = self.proc
        self.server.log_path = os.path.join(work, name + ".log")
        self.server.log = open(self.server.log_path, "a")
        self.server.wait_ready(30)

    def www(self):
        try:
            return rrset_addresses(self.server.query("www.fl.test.", "A", timeout=0.5))
        except Exception:  # noqa: BLE001
            return None

    def fleet(self):
        return json.loads(get(self.ctl + "/status"))["fleet"]

    def metric(self, name):
        for line in get(self.ctl + "/metrics").splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
        return 0.0


fleet = [Instance("ns%d" % (i + 1)) for i in range(3)]
A, B, C = fleet
want = RESOURCES + 1  # and site-a; site-b is not probed
t = wait_for(lambda: all(x.fleet()["verdicts_published"] == want for x in fleet), 60, 0.2)
if t is None:
    sys.exit("the instances did not publish their %d verdicts: %s"
             % (want, [x.fleet()["verdicts_published"] for x in fleet]))
start_writes = sum(x.metric("gslbd_fleet_etcd_writes_total") for x in fleet)
print("start: each instance published %d verdicts; %d etcd writes in all (lease, member key, "
      "transactions of up to 100 puts)" % (want, start_writes))

# ---- steady state: etcd writes per second ----
time.sleep(2)
p0 = proposals()
w0 = sum(x.metric("gslbd_fleet_etcd_writes_total") for x in fleet)
k0 = sum(x.metric("gslbd_fleet_keepalives_total") for x in fleet)
r0 = sum(x.metric("gslbd_fleet_etcd_requests_total") for x in fleet)
time.sleep(WINDOW_S)
p1 = proposals()
w1 = sum(x.metric("gslbd_fleet_etcd_writes_total") for x in fleet)
k1 = sum(x.metric("gslbd_fleet_keepalives_total") for x in fleet)
r1 = sum(x.metric("gslbd_fleet_etcd_requests_total") for x in fleet)
steady_writes = (w1 - w0) / WINDOW_S
steady_keep = (k1 - k0) / WINDOW_S
steady_prop = (p1 - p0) / WINDOW_S
steady_req = (r1 - r0) / WINDOW_S
print("steady state, 3 x %d resources every %d ms, %d s window:" % (RESOURCES, INTERVAL_MS,
                                                                   WINDOW_S))
print("  gslbd writes to etcd:        %.2f /s" % steady_writes)
print("  lease keep-alives:           %.2f /s" % steady_keep)
print("  raft proposals (etcd):       %.2f /s" % steady_prop)
print("  HTTP requests to etcd:       %.2f /s" % steady_req)

# ---- a backend dying ----
bound = INTERVAL_MS / 1000 * DOWN_THRESHOLD + 1
deaths = []
for _ in range(ROUNDS):
    wait_for(lambda: all(x.www() == ["198.51.100.10"] for x in fleet), 30, 0.1)
    t0 = time.time()
    site_stop()
    t = wait_for(lambda: all(x.www() == ["192.0.2.10"] for x in fleet), bound + 10, 0.02)
    deaths.append(t if t is not None else float("inf"))
    site_start()
print("backend dies -> all three answer without it: median %.2f s, max %.2f s over %d "
      "(target %.1f s = %d ms x %d + 1 s)" % (statistics.median(deaths), max(deaths), ROUNDS,
                                              bound, INTERVAL_MS, DOWN_THRESHOLD))

# ---- drain propagation ----
wait_for(lambda: all(x.www() == ["198.51.100.10"] for x in fleet), 30, 0.1)
drains = []
for _ in range(ROUNDS):
    t0 = time.time()
    post(A.ctl + "/datacenters/site-a/drain", token=TOKEN)
    t = wait_for(lambda: B.www() == ["192.0.2.10"] and C.www() == ["192.0.2.10"], 5, 0.005)
    drains.append(t if t is not None else float("inf"))
    post(A.ctl + "/datacenters/site-a/undrain", token=TOKEN)
    wait_for(lambda: all(x.www() == ["198.51.100.10"] for x in fleet), 5, 0.01)
print("drain on ns1 -> ns2 and ns3 answer without it: median %.3f s, max %.3f s over %d "
      "(target 1 s)" % (statistics.median(drains), max(drains), ROUNDS))

# ---- ten instances, computed ----
per_instance_keep = steady_keep / 3
print("10 instances x %d resources (computed from the above): %.2f keep-alives/s, %.2f "
      "writes/s in steady state; each verdict change costs one put (in a transaction of up "
      "to 100 per instance per 50 ms); the start costs %d writes per instance"
      % (RESOURCES, per_instance_keep * 10, steady_writes / 3 * 10, start_writes / 3))
stop_target.set()
