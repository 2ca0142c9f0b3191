"""A fleet of three gslbd instances that agree through a real three-member etcd cluster on
loopback: verdicts decided by quorum, a drain made on one instance applied by all, the same
data center for the same client everywhere, an etcd leader lost, etcd lost altogether (grace,
then local probes), etcd back (resync), a restarted instance that answers with the shared
state from its first query, and the quorum "any"."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness  # noqa: E402
from harness import rrset_addresses  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
BACKEND = os.path.join(HERE, "..", "lib", "backend.py")
FAKE_ETCD = os.path.join(HERE, "..", "lib", "fake_etcd.py")
ETCD = "/usr/bin/etcd"
EU, US = ["198.51.100.10"], ["192.0.2.10"]
INTERVAL_S, DOWN_THRESHOLD = 0.2, 2
GRACE_S = 3.0
TOKEN = "fleet-test-token"

if not os.access(ETCD, os.X_OK):
    print("FAIL: %s is not installed (Debian package etcd-server; scripts/deps.sh)" % ETCD)
    sys.exit(1)

work = harness.WorkDir("fleet")
r = harness.Results()


class Backend:
    """One HTTP backend on 127.0.0.1, stopped and started by PID."""

    def __init__(self, name):
        self.port = harness.free_port()
        self.status_file = work.file(name + ".status")
        self.proc = None
        self.start()
        harness.atexit.register(self.stop)

    def start(self):
        if self.proc is not None and self.proc.poll() is None:
            return
        self.proc = subprocess.Popen([sys.executable, BACKEND, "--port", str(self.port),
                                      "--status-file", self.status_file])

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=5)


class Etcd:
    """One member of the etcd cluster, its data in the work directory, stopped by PID."""

    def __init__(self, name, client_port, peer_port, cluster):
        self.name, self.client_port, self.peer_port = name, client_port, peer_port
        self.cluster = cluster
        self.url = "http://127.0.0.1:%d" % client_port
        self.proc = None
        self.start()

    def start(self):
        args = [ETCD, "--name", self.name, "--data-dir", work.file("etcd-" + self.name),
                "--listen-client-urls", self.url, "--advertise-client-urls", self.url,
                "--listen-peer-urls", "http://127.0.0.1:%d" % self.peer_port,
                "--initial-advertise-peer-urls", "http://127.0.0.1:%d" % self.peer_port,
                "--initial-cluster", self.cluster, "--initial-cluster-state", "new",
                "--initial-cluster-token", "gslbd-fleet-test",
                "--heartbeat-interval", "50", "--election-timeout", "500"]
        self.proc = harness.Process(args, work.file("etcd-%s.log" % self.name))

    def stop(self):
        self.proc.stop()

    def call(self, path, body):
        req = urllib.request.Request(self.url + path, data=json.dumps(body).encode(),
                                     method="POST")
        with urllib.request.urlopen(req, timeout=2) as resp:
            return json.loads(resp.read().decode())


ports = [(harness.free_port(), harness.free_port()) for _ in range(3)]
cluster = ",".join("e%d=http://127.0.0.1:%d" % (i, p[1]) for i, p in enumerate(ports))
members = [Etcd("e%d" % i, c, p, cluster) for i, (c, p) in enumerate(ports)]


def etcd_healthy(m):
    try:
        return m.call("/v3/kv/range", {"key": "eA=="}).get("header") is not None
    except OSError:
        return False


def wait_for(pred, limit_s, step=0.05):
    """Poll; seconds until pred() held, or None after limit_s."""
    t0 = time.time()
    while time.time() - t0 < limit_s:
        if pred():
            return time.time() - t0
        time.sleep(step)
    return None


if wait_for(lambda: all(etcd_healthy(m) for m in members), 20) is None:
    print("FAIL: the etcd cluster did not come up:\n" + members[0].proc.read_log()[-2000:])
    sys.exit(1)

own = [Backend("own-%d" % i) for i in range(3)]
us = Backend("us")
ENDPOINTS = ", ".join(m.url for m in members)


class Instance:
    """One gslbd of the fleet: its own DNS port, control port, name and probe backend."""

    def __init__(self, i, quorum, endpoints=None, extra=""):
        self.i = i
        self.name = "ns%d" % (i + 1)
        self.endpoints = endpoints or ENDPOINTS
        self.extra = extra
        self.port = harness.free_port()
        self.ctl_port = harness.free_port()
        self.ctl = harness.Control("http://127.0.0.1:%d" % self.ctl_port, TOKEN)
        self.server = None
        self.start(quorum)

    def write_conf(self, quorum):
        with open(os.path.join(HERE, "gslbd.yaml.in")) as f:
            conf = f.read()
        for k, v in {"@PORT@": self.port, "@CTL_PORT@": self.ctl_port, "@SRCDIR@": HERE,
                     "@STATE@": work.file(self.name + ".state"), "@P_OWN@": own[self.i % len(own)].port,
                     "@P_US@": us.port, "@NAME@": self.name, "@ENDPOINTS@": self.endpoints,
                     "@QUORUM@": quorum, "@EXTRA@": self.extra,
                     # ns3's file has another client hash seed: it must take the fleet's.
                     "@SEED@": 999 if self.i == 2 else 4242}.items():
            conf = conf.replace(k, str(v))
        return work.write(self.name + ".yaml", conf)

    def start(self, quorum):
        path = self.write_conf(quorum)
        self.server = harness.Server(path, self.port, work.file(self.name + ".log"))

    def stop(self):
        self.server.stop()

    def write_extra(self, extra):
        self.extra = extra

    def www(self):
        try:
            return rrset_addresses(self.server.query("www.fl.test.", "A", timeout=1.0))
        except Exception as e:  # noqa: BLE001 - a timeout is an answer here
            return "no answer: %s" % e

    def status(self):
        return self.ctl.request("GET", "/status", token=None)[1]

    def mode(self):
        return self.status()["fleet"]["mode"]


def all_www(insts, want):
    return all(x.www() == want for x in insts)


def leader_index():
    for i, m in enumerate(members):
        try:
            st = m.call("/v3/maintenance/status", {})
        except OSError:
            continue
        if st.get("leader") == st.get("header", {}).get("member_id"):
            return i
    return None


fleet = [Instance(i, "majority") for i in range(3)]
A, B, C = fleet


def quorum_majority():
    t = wait_for(lambda: all_www(fleet, EU), 5)
    r.check("start: every instance serves eu-west", t is not None, [x.www() for x in fleet])
    names = lambda: sorted(m["instance"] for m in A.status()["fleet"]["members"])  # noqa: E731
    r.check("status: three members", wait_for(lambda: names() == ["ns1", "ns2", "ns3"], 3)
            is not None, names())
    st = A.status()["fleet"]
    sums = [m["config_checksum"] for m in st["members"]]
    r.check("status: every member publishes its configuration's checksum",
            all(len(x) == 16 for x in sums) and all(m["config_generation"] == 1
                                                     for m in st["members"]), st["members"])
    # Each instance's file names its own ports: the status must say they differ.
    r.equal("status: different files are reported as different configurations",
            st["config_mismatch"], len(set(sums)) > 1)
    r.equal("status: the same hash seed everywhere (ns3's file says another)",
            st["hash_seed_mismatch"], False)
    seeds = sorted(set(m["hash_seed"] for m in st["members"]))
    r.equal("status: every member hashes with the first instance's seed", seeds, ["4242"])
    out = subprocess.run([os.path.join(harness.BUILDDIR, "src", "gslbctl", "gslbctl"), "-s",
                          "127.0.0.1:%d" % A.ctl_port, "status"], capture_output=True,
                         text=True, timeout=10).stdout
    r.check("gslbctl status: the fleet, its members and the differing files",
            "fleet: instance ns1, mode shared, quorum majority" in out and
            "CONFIGURATIONS DIFFER" in out and
            all(("  ns%d " % k) in out for k in (1, 2, 3)) and "(this one)" in out, out)
    t0 = time.time()
    own[1].stop()
    own[2].stop()
    bound = INTERVAL_S * DOWN_THRESHOLD + 1.0
    t = wait_for(lambda: all_www(fleet, US), bound + 2)
    r.check("majority: a backend two of three cannot reach is down on all three "
            "(within %.1f s)" % bound, t is not None and time.time() - t0 <= bound + 0.5,
            [x.www() for x in fleet])
    if t is not None:
        print("measured: backend lost by two of three -> all three without it in %.2f s "
              "(bound %.1f s)" % (time.time() - t0, bound))
    dc = [x for x in A.status()["datacenters"] if x["name"] == "eu-west"][0]
    probe = dc["resources"][0]["probe"]
    r.check("majority: ns1's own probe says up, the fleet's verdict down",
            probe["up"] is True and probe["shared"] == "down", probe)
    time.sleep(1.0)
    r.equal("majority: ns1 keeps answering without it", A.www(), US)


def drain_propagates():
    own[1].start()
    own[2].start()
    r.check("backends back: eu-west again everywhere",
            wait_for(lambda: all_www(fleet, EU), 5) is not None, [x.www() for x in fleet])
    t0 = time.time()
    status, body = A.ctl.request("POST", "/datacenters/eu-west/drain")
    r.equal("drain through ns1: accepted", status, 200)
    t = wait_for(lambda: B.www() == US and C.www() == US, 3, step=0.01)
    r.check("drain through ns1 changes the answers of ns2 and ns3", t is not None,
            [x.www() for x in fleet])
    if t is not None:
        print("measured: drain on ns1 -> ns2 and ns3 answering without it in %.3f s"
              % (time.time() - t0))
    status, _ = C.ctl.request("POST", "/datacenters/eu-west/undrain")
    r.check("undrain through ns3 reaches every instance",
            status == 200 and wait_for(lambda: all_www(fleet, EU), 3) is not None,
            [x.www() for x in fleet])


def load_of(x, dc):
    d = [v for v in x.status()["datacenters"] if v["name"] == dc][0]
    return (d.get("steering") or {}).get("load")


def load_propagates():
    status, _ = A.ctl.request("POST", "/datacenters/lf/load?value=0.42")
    r.equal("load pushed through ns1: accepted", status, 200)
    t = wait_for(lambda: load_of(B, "lf") == 0.42 and load_of(C, "lf") == 0.42, 3)
    r.check("a load figure pushed through ns1 is applied by ns2 and ns3", t is not None,
            [load_of(x, "lf") for x in fleet])


def same_datacenter_for_each_client():
    differ = 0
    for n in range(1000):
        ecs = "10.%d.%d.0/24" % (n // 256, n % 256)
        got = [rrset_addresses(x.server.query("hashed.fl.test.", "A", ecs=ecs)) for x in fleet]
        differ += not (got[0] == got[1] == got[2])
    r.equal("1,000 ECS clients get the same data center from all three", differ, 0)


def leader_lost():
    li = leader_index()
    r.check("etcd: a leader is known", li is not None)
    if li is None:
        return
    members[li].stop()
    answers_ok = True
    t0 = time.time()
    while time.time() - t0 < 3.0:
        answers_ok &= all_www(fleet, EU)
        time.sleep(0.1)
    r.check("etcd leader killed: answers do not change", answers_ok, [x.www() for x in fleet])
    status, _ = B.ctl.request("POST", "/datacenters/eu-west/drain")
    t = wait_for(lambda: A.www() == US and C.www() == US, 5)
    r.check("etcd leader killed: a drain still reaches every instance",
            status == 200 and t is not None, [x.www() for x in fleet])
    B.ctl.request("POST", "/datacenters/eu-west/undrain")
    r.check("undrain reaches every instance", wait_for(lambda: all_www(fleet, EU), 5)
            is not None, [x.www() for x in fleet])
    members[li].start()
    r.check("etcd member restarted", wait_for(lambda: etcd_healthy(members[li]), 10)
            is not None)


def etcd_lost_and_back():
    # The shared state at the loss: eu-west down by majority, while ns1 itself sees it up.
    own[1].stop()
    own[2].stop()
    r.check("before the loss: all three without eu-west",
            wait_for(lambda: all_www(fleet, US), 5) is not None, [x.www() for x in fleet])
    for m in members:
        m.stop()
    t0 = time.time()
    kept = True
    while time.time() - t0 < GRACE_S - 0.5:
        kept &= all_www(fleet, US)
        time.sleep(0.1)
    r.check("etcd gone: every instance keeps the last shared state during the grace period",
            kept, [x.www() for x in fleet])
    t = wait_for(lambda: A.www() == EU, GRACE_S + 5)
    r.check("after the grace period: ns1 follows its own probe (eu-west up)", t is not None,
            A.www())
    r.equal("after the grace period: ns2 follows its own probe (eu-west down)", B.www(), US)
    r.equal("status: ns1 in local mode", A.mode(), "local")
    m = A.ctl.metrics()
    r.equal("metric: gslbd_fleet_mode{mode=local} is 1",
            m.get(("gslbd_fleet_mode", frozenset({("mode", "local")}))), 1.0)
    r.equal("metric: gslbd_fleet_etcd_reachable is 0",
            m.get(("gslbd_fleet_etcd_reachable", frozenset())), 0.0)
    for mb in members:
        mb.start()
    r.check("etcd back", wait_for(lambda: all(etcd_healthy(x) for x in members), 20)
            is not None)
    t = wait_for(lambda: all_www(fleet, US) and A.mode() == "shared", 10)
    r.check("etcd back: ns1 resyncs and follows the quorum again", t is not None,
            [x.www() for x in fleet])


def hashed_answers(x, n=30):
    return [rrset_addresses(x.server.query("hashed.fl.test.", "A", ecs="10.9.%d.0/24" % k))[0]
            for k in range(n)]


def warm_start():
    A.stop()
    # Drained while ns1 is down: its own state file does not have it, only etcd.
    status, _ = B.ctl.request("POST", "/datacenters/h1/drain")
    r.check("drain h1 through ns2 reaches ns3",
            status == 200 and wait_for(lambda: "203.0.113.1" not in hashed_answers(C), 3)
            is not None)
    A.start("majority")
    first = A.www()
    r.equal("restarted ns1 answers with the shared verdicts from its first query", first, US)
    r.check("restarted ns1 applies the shared drain from its first queries",
            "203.0.113.1" not in hashed_answers(A), hashed_answers(A))
    B.ctl.request("POST", "/datacenters/h1/undrain")
    r.check("undrain h1 reaches ns1", wait_for(lambda: "203.0.113.1" in hashed_answers(A), 3)
            is not None)


def quorum_any():
    for x in fleet:
        x.stop()
    for x in fleet:
        x.start("any")
    t = wait_for(lambda: all_www(fleet, EU), 5)
    r.check("any: a backend one of three can reach is up on all three", t is not None,
            [x.www() for x in fleet])


def lease_expiry():
    """Quorum all: one instance that cannot reach the backend keeps it down everywhere, until
    that instance dies without a word and its lease (2 s) takes its verdicts away."""
    for x in fleet:
        x.stop()
    for x in fleet:
        x.start("all")
    own[0].start()
    own[1].start()
    own[2].stop()

    def own_probe(x):
        dc = [v for v in x.status()["datacenters"] if v["name"] == "eu-west"][0]
        return dc["resources"][0]["probe"]["up"]

    settled = wait_for(lambda: own_probe(A) and own_probe(B) and not own_probe(C), 5)
    time.sleep(0.5)  # for ns3's verdict to reach etcd and the others
    r.check("all: a backend one of three cannot reach is down on all three",
            settled is not None and all_www(fleet, US), [x.www() for x in fleet])
    t0 = time.time()
    C.server.signal(signal.SIGKILL)
    still = wait_for(lambda: A.www() == EU, 1.0)
    r.check("a killed instance's verdict still counts before its lease expires", still is None,
            A.www())
    t = wait_for(lambda: A.www() == EU and B.www() == EU, 6)
    r.check("its verdict stops counting once the lease expires (2 s)", t is not None,
            [A.www(), B.www()])
    if t is not None:
        print("measured: killed instance's verdicts gone after %.2f s" % (time.time() - t0))
    own[2].start()


def misbehaving_etcd():
    """Endpoints that hang, answer junk or JSON of the wrong shapes: the instance starts,
    answers from its own probes, reports local mode, and nothing crashes."""
    fakes = []
    for mode in ("hang", "junk", "shapes"):
        port = harness.free_port()
        fakes.append((harness.Process([sys.executable, FAKE_ETCD, "--port", str(port), "--mode",
                                       mode], work.file("fake-%s.log" % mode)), port))
    time.sleep(0.5)
    eps = ", ".join("http://127.0.0.1:%d" % p for _, p in fakes)
    bad = Instance(3, "majority", endpoints=eps)
    extra.append(bad)
    r.check("misbehaving etcd: the instance answers from its own probes",
            wait_for(lambda: bad.www() == EU, 5) is not None, bad.www())
    time.sleep(2.0)
    st = bad.status()["fleet"]
    r.equal("misbehaving etcd: local mode", st["mode"], "local")
    r.check("misbehaving etcd: requests failed and were counted", st["etcd_failures"] > 3, st)
    r.check("misbehaving etcd: still answering", bad.www() == EU, bad.www())
    bad.stop()
    for p, _ in fakes:
        p.stop()


def etcd_auth():
    """Username and password: the instance authenticates and joins."""
    root = members[0]
    root.call("/v3/auth/user/add", {"name": "root", "password": "r00t pass"})
    root.call("/v3/auth/user/grant", {"user": "root", "role": "root"})
    root.call("/v3/auth/enable", {})
    pw = work.write("etcd.password", "r00t pass\n")
    os.chmod(pw, 0o600)
    B.stop()
    B.write_extra("  username: root\n  password_file: %s\n" % pw)
    B.start("any")
    t = wait_for(lambda: B.mode() == "shared", 5)
    r.check("auth: the instance with username and password is in shared mode", t is not None,
            B.status()["fleet"])
    r.check("auth: it sees itself as a member", "ns2" in [m["instance"] for m in
                                                          B.status()["fleet"]["members"]])
    status, _ = A.ctl.request("POST", "/datacenters/h2/drain")
    r.equal("auth: a drain on ns1, without credentials, still applies locally", status, 200)
    t = wait_for(lambda: A.mode() == "local", GRACE_S + 6)
    r.check("auth: ns1, refused by etcd, falls back to local mode", t is not None, A.mode())
    r.check("auth: ns1 logs that etcd refused its write",
            "refused 1 shared overrides" in A.server.read_log(), A.server.read_log()[-1500:])


def etcd_tls():
    """TLS: a one-member etcd serving https; the CA file verifies it, the system CAs do not."""
    cert, key = work.file("etcd-cert.pem"), work.file("etcd-key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=etcd", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    cport, pport = harness.free_port(), harness.free_port()
    url = "https://127.0.0.1:%d" % cport
    tls_etcd = harness.Process([ETCD, "--name", "t", "--data-dir", work.file("etcd-tls"),
                                "--listen-client-urls", url, "--advertise-client-urls", url,
                                "--listen-peer-urls", "http://127.0.0.1:%d" % pport,
                                "--initial-advertise-peer-urls", "http://127.0.0.1:%d" % pport,
                                "--initial-cluster", "t=http://127.0.0.1:%d" % pport,
                                "--cert-file", cert, "--key-file", key],
                               work.file("etcd-tls.log"))
    good = Instance(4, "majority", endpoints=url, extra="  tls_ca_file: %s\n" % cert)
    extra.append(good)
    t = wait_for(lambda: good.mode() == "shared", 10)
    r.check("tls: with the CA file the instance is in shared mode", t is not None,
            good.status()["fleet"])
    wrong = Instance(5, "majority", endpoints=url)
    extra.append(wrong)
    time.sleep(1.0)
    r.equal("tls: without it the certificate is refused (local mode)", wrong.mode(), "local")
    good.stop()
    wrong.stop()
    tls_etcd.stop()


extra = []
r.run("misbehaving etcd", misbehaving_etcd)
r.run("quorum majority", quorum_majority)
r.run("drain propagates", drain_propagates)
r.run("load figures propagate", load_propagates)
r.run("same data center for each client", same_datacenter_for_each_client)
r.run("etcd leader lost", leader_lost)
r.run("etcd lost and back", etcd_lost_and_back)
r.run("warm start", warm_start)
r.run("quorum any", quorum_any)
r.run("lease expiry", lease_expiry)
r.run("etcd authentication", etcd_auth)
r.run("etcd over TLS", etcd_tls)
for x in fleet + extra:
    x.stop()  # so that leaks at exit are reported too
    with open(x.server.log_path) as f:
        log = f.read()
    r.check("%s: stopped without a sanitizer report" % x.name,
            "runtime error" not in log and "Sanitizer" not in log, log[-2000:])
r.finish()
