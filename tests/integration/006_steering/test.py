"""Dynamic steering end to end, with real processes on loopback: backends that report their
load over HTTP, a real Prometheus, and gslbd answering ECS queries for thousands of subnets.

Shedding moves the share of clients the controller's shed fraction says, to the other sites
in proportion to their spare capacity, and brings them back; a site that goes down spreads
its clients the same way; hashed answers survive reloads and only a removed site's clients
move; a latency table beats the map order and can be replaced over the control endpoint;
a feed that goes quiet is marked stale; Prometheus drives a site's load."""
import http.server
import os
import signal
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness  # noqa: E402
from harness import ecs_scope, rrset_addresses  # noqa: E402


HERE = os.path.dirname(os.path.abspath(__file__))
BACKEND = os.path.join(HERE, "..", "lib", "backend.py")
GSLBCTL = os.path.join(harness.BUILDDIR, "src", "gslbctl", "gslbctl")
PROMETHEUS = "/usr/bin/prometheus"
TOKEN = "t0ken-for-the-steering-test"
ADDR = {"a": "192.0.2.1", "b": "192.0.2.2", "c": "192.0.2.3"}
DC_OF = {v: k for k, v in ADDR.items()}
SUBNETS = ["10.%d.%d.0/24" % (i // 256, i % 256) for i in range(5000)]

work = harness.WorkDir("steering")
res = harness.Results()
token_file = work.write("control.token", TOKEN + "\n")
os.chmod(token_file, 0o600)
port = harness.free_port()
ctl_port = harness.free_port()
prom_port = harness.free_port()
target_port = harness.free_port()
CTL = "http://127.0.0.1:%d" % ctl_port
RTT = work.write("rtt.csv", "prefix,datacenter,rtt_ms\n"
                 "198.51.100.0/24,c,5\n198.51.100.0/24,a,60\n198.51.100.0/24,b,70\n")

# ---- backends: one per data center, each reporting the figure in its load file ----
backends = {}
load_files = {}
ports = {}


def set_load(dc, figure):
    with open(load_files[dc] + ".tmp", "w") as f:
        f.write("%s\n" % figure)
    os.replace(load_files[dc] + ".tmp", load_files[dc])


def start_backend(dc):
    backends[dc] = harness.Process(
        ["/usr/bin/python3", BACKEND, "--port", str(ports[dc]), "--status-file",
         work.file("status-" + dc), "--load-file", load_files[dc]], work.file("backend-%s.log" % dc))


for dc, figure in (("a", 0.3), ("b", 0.2), ("c", 0.5)):
    ports[dc] = harness.free_port()
    load_files[dc] = work.file("load-" + dc)
    set_load(dc, figure)
    start_backend(dc)

# ---- a scrape target and a real Prometheus, started first: it takes seconds to scrape ----


class Target(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        data = b'# TYPE dc_load gauge\ndc_load{dc="p"} 1.6\n'
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, fmt, *a):
        pass


target = http.server.ThreadingHTTPServer(("127.0.0.1", target_port), Target)
threading.Thread(target=target.serve_forever, daemon=True).start()
prom_conf = work.write("prometheus.yml", """global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: steering-test
    static_configs:
      - targets: ['127.0.0.1:%d']
""" % target_port)
prom = None
if os.path.exists(PROMETHEUS):
    prom = harness.Process([PROMETHEUS, "--config.file=" + prom_conf,
                            "--storage.tsdb.path=" + work.file("tsdb"),
                            "--web.listen-address=127.0.0.1:%d" % prom_port],
                           work.file("prometheus.log"))

with open(os.path.join(HERE, "gslbd.yaml.in")) as f:
    template = f.read()


def config(hashed_dcs="a, b, c"):
    text = template
    for k, v in {"@PORT@": port, "@CTL_PORT@": ctl_port, "@PROM_PORT@": prom_port,
                 "@SRCDIR@": HERE, "@TOKEN_FILE@": token_file, "@RTT_FILE@": RTT,
                 "@PORT_A@": ports["a"], "@PORT_B@": ports["b"], "@PORT_C@": ports["c"],
                 "@HASHED_DCS@": hashed_dcs}.items():
        text = text.replace(k, str(v))
    return work.write("gslbd.yaml", text)


ctl = harness.Control(CTL, TOKEN)


def http(method, path, body=None, token=TOKEN):
    return ctl.request(method, path, token=token, body=body)


def steering(dc):
    """The steering object of data center dc in /status."""
    status, j = http("GET", "/status", token=None)
    assert status == 200
    for d in j["datacenters"]:
        if d["name"] == dc:
            return d["steering"]
    raise KeyError(dc)


def wait_for(what, cond, timeout_s=10.0):
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        if cond():
            res.check(what, True)
            return True
        time.sleep(0.1)
    res.check(what, False, "(timed out after %.0f s)" % timeout_s)
    return False


def answers(name, subnets, want_scope=None):
    """Data center of each subnet's answer (ECS queries)."""
    out = []
    for net in subnets:
        msg = srv.query(name, "A", ecs=net)
        addrs = rrset_addresses(msg)
        out.append(DC_OF.get(addrs[0]) if addrs else None)
        if want_scope is not None and ecs_scope(msg) != want_scope:
            raise AssertionError("%s for %s: ECS scope %s, want %s"
                                 % (name, net, ecs_scope(msg), want_scope))
    return out


metrics = ctl.metrics


srv = harness.Server(config(), port, work.file("gslbd.log"))


def test_no_load_no_hash():
    wait_for("every backend's figure is read",
             lambda: all(steering(dc)["load"] is not None for dc in "abc"))
    got = answers("shed.steer.test.", SUBNETS[:300], want_scope=0)
    res.check("below target every client gets a (scope 0: the hash is not used)",
              got.count("a") == 300, "(%r)" % {d: got.count(d) for d in set(got)})


def test_shed_and_restore():
    set_load("a", 1.6)
    wait_for("a starts shedding", lambda: steering("a")["shed_fraction"] >= 0.2)
    # Inside the hysteresis band the fraction holds still: measure it there.
    set_load("a", 0.8)
    time.sleep(1.0)
    f = steering("a")["shed_fraction"]
    time.sleep(0.6)
    res.equal("the shed fraction holds inside the band", steering("a")["shed_fraction"], f)
    spare_b, spare_c = steering("b")["spare_capacity"], steering("c")["spare_capacity"]
    got = answers("shed.steer.test.", SUBNETS, want_scope=24)
    moved = sum(1 for d in got if d != "a")
    share = moved / len(got)
    res.check("the share moved off a is its shed fraction %.3f (within 2 points)" % f,
              abs(share - f) <= 0.02, "(moved %.3f)" % share)
    to_b = got.count("b") / max(moved, 1)
    want_b = spare_b / (spare_b + spare_c)
    res.check("moved clients split by spare capacity: b %.2f of them (within 3 points)" % want_b,
              abs(to_b - want_b) <= 0.03, "(b got %.3f)" % to_b)
    again = answers("shed.steer.test.", SUBNETS[:1000])
    res.equal("every client keeps its answer while nothing changes (clients that moved)",
              sum(1 for x, y in zip(again, got) if x != y), 0)
    m = metrics()
    shed_answers = sum(v for (n, labels), v in m.items()
                       if n == "gslbd_datacenter_answers_by_reason_total"
                       and ("reason", "shed") in labels)
    res.check("answers by reason count the shed ones", shed_answers >= moved,
              "(%r < %d)" % (shed_answers, moved))
    st, ex = http("GET", "/explain?name=shed.steer.test.&client=%s" %
                  SUBNETS[got.index("b")], token=None)
    d = ex["decision"]
    res.check("explain shows the shed client's hash point below the fraction",
              d["reason"] == "shed" and d["shed"] and d["hash"]["prefix"] == 24
              and d["hash"]["point"] < d["shed_fraction"], "(%r)" % d)
    set_load("a", 0.1)
    wait_for("a stops shedding when its load falls", lambda: steering("a")["shed_fraction"] == 0)
    got = answers("shed.steer.test.", SUBNETS[:1000])
    res.check("every client is back on a", got.count("a") == 1000,
              "(%r)" % {d: got.count(d) for d in set(got)})


def test_down_spreads_by_spare():
    spare_b, spare_c = steering("b")["spare_capacity"], steering("c")["spare_capacity"]
    backends["a"].stop()
    wait_for("a is down once its backend stops",
             lambda: rrset_addresses(srv.query("shed.steer.test.", "A",
                                               ecs=SUBNETS[0]))[0] != ADDR["a"])
    got = answers("shed.steer.test.", SUBNETS[:3000], want_scope=24)
    res.equal("no client is sent to the down site", got.count("a"), 0)
    to_b = got.count("b") / len(got)
    want_b = spare_b / (spare_b + spare_c)
    res.check("a's clients spread over b and c by spare capacity (b %.2f, within 3 points)"
              % want_b, abs(to_b - want_b) <= 0.03, "(b got %.3f)" % to_b)
    msg = srv.query("shed.steer.test.", "A", ecs=SUBNETS[0])
    res.check("failed-over answers carry the degraded TTL", msg.answer[0].ttl < 30,
              "(ttl %d)" % msg.answer[0].ttl)
    start_backend("a")
    wait_for("a is back once its backend is",
             lambda: rrset_addresses(srv.query("shed.steer.test.", "A",
                                               ecs=SUBNETS[0]))[0] == ADDR["a"])


def test_hashed_across_reloads():
    nets = SUBNETS[:2000]
    before = answers("hashed.steer.test.", nets, want_scope=24)
    shares = {dc: before.count(dc) / len(nets) for dc in "abc"}
    res.check("hashed: equal capacities get a third each (within 4 points)",
              all(abs(s - 1 / 3) <= 0.04 for s in shares.values()), "(%r)" % shares)
    srv.signal(signal.SIGHUP)
    time.sleep(1.5)
    res.equal("hashed: every answer is the same after a reload (clients that moved)",
              sum(1 for x, y in zip(answers("hashed.steer.test.", nets), before) if x != y), 0)
    config("a, b")
    status, j = http("POST", "/reload")
    res.equal("reload without c", status, 200)
    after = answers("hashed.steer.test.", nets)
    moved_others = sum(1 for x, y in zip(before, after) if x != "c" and x != y)
    res.equal("hashed: removing c moves none of a's and b's clients", moved_others, 0)
    res.equal("hashed: none of c's clients stay on it", after.count("c"), 0)
    config()
    status, j = http("POST", "/reload")
    res.equal("hashed: adding c back gives every client its old answer (clients that differ)",
              sum(1 for x, y in zip(answers("hashed.steer.test.", nets), before) if x != y), 0)


def test_latency_table():
    msg = srv.query("lat.steer.test.", "A", ecs="198.51.100.0/24")
    res.equal("latency: the lowest RTT (c) beats the map order (a)", rrset_addresses(msg),
              [ADDR["c"]])
    res.check("latency: the scope covers the table's /24", (ecs_scope(msg) or 0) >= 24)
    msg = srv.query("lat.steer.test.", "A", ecs="203.0.113.0/24")
    res.equal("latency: a client the table does not cover follows the map",
              rrset_addresses(msg), [ADDR["a"]])
    st, ex = http("GET", "/explain?name=lat.steer.test.&client=198.51.100.7", token=None)
    rows = ex["decision"]["latency"]
    res.check("explain shows the latency rows", rows[0]["datacenter"] == "c"
              and rows[0]["rtt_ms"] == 5.0, "(%r)" % rows)
    status, j = http("PUT", "/latency/rtt",
                     b"prefix,datacenter,rtt_ms\n198.51.100.0/24,b,3\n198.51.100.0/24,c,9\n")
    res.equal("PUT /latency/rtt reloads", status, 200)
    res.equal("latency: the uploaded table steers to b",
              rrset_addresses(srv.query("lat.steer.test.", "A", ecs="198.51.100.0/24")),
              [ADDR["b"]])
    status, j = http("PUT", "/latency/rtt", b"198.51.100.0/24,b,3\n198.51.100.1/24,c,9\n")
    res.equal("a bad table is refused", status, 422)
    res.check("with the position of the error",
              any(":2:1: error:" in m and "host bits" in m for m in j.get("messages", [])),
              "(%r)" % j)
    res.equal("the refused table changed nothing",
              rrset_addresses(srv.query("lat.steer.test.", "A", ecs="198.51.100.0/24")),
              [ADDR["b"]])


def test_stale_control_feed():
    out = subprocess.run([GSLBCTL, "-s", "127.0.0.1:%d" % ctl_port, "-T", token_file,
                          "load", "d", "1.6"], capture_output=True, text=True)
    res.check("gslbctl load d 1.6", out.returncode == 0 and "load 1.6" in out.stdout,
              "(%r)" % out)
    wait_for("the pushed figure counts at the next controller step",
             lambda: steering("d")["load"] == 1.6 and not steering("d")["stale"], 2)
    wait_for("a control feed without figures for max_age goes stale",
             lambda: steering("d")["stale"], 5)
    s = steering("d")
    res.check("a stale site counts as at its target (no spare capacity)",
              s["utilisation"] == s["target"] and s["spare_capacity"] == 0, "(%r)" % s)
    m = metrics()
    res.equal("the stale metric says so",
              m.get(("gslbd_datacenter_load_feed_stale", frozenset({("datacenter", "d")}))), 1.0)
    res.check("and the log", "load feed control is stale" in srv.read_log())
    status, j = http("POST", "/datacenters/a/load?value=0.5")
    res.equal("a push to a site whose feed is not control is refused", status, 409)


def test_prometheus_feed():
    if prom is None:
        res.check("Prometheus is installed (Debian package prometheus, scripts/deps.sh)", False)
        return
    ok = wait_for("Prometheus drives p's load",
                  lambda: steering("p")["load"] == 1.6, 30)
    if ok:
        wait_for("and p sheds", lambda: steering("p")["shed_fraction"] > 0, 5)


res.run("no load, no hash", test_no_load_no_hash)
res.run("shed and restore", test_shed_and_restore)
res.run("down spreads by spare capacity", test_down_spreads_by_spare)
res.run("hashed across reloads", test_hashed_across_reloads)
res.run("latency table", test_latency_table)
res.run("stale control feed", test_stale_control_feed)
res.run("prometheus feed", test_prometheus_feed)
target.shutdown()
res.finish()
