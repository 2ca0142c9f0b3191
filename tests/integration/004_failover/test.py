"""Health probes and failover end to end: real HTTP(S) backends on loopback are stopped,
restarted and made to fail, and the steered answers must follow within the detection time."""
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness  # noqa: E402
from harness import rrset_addresses  # noqa: E402

import dns.rcode  # noqa: E402
import dns.rdatatype  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
BACKEND = os.path.join(HERE, "..", "lib", "backend.py")
EU = ["198.51.100.10", "198.51.100.11"]
US = ["192.0.2.10"]
INTERVAL_S, DOWN_THRESHOLD, UP_THRESHOLD = 0.2, 2, 2
# The bound: a dead backend is noticed within interval x down_threshold + 2 s.
DETECT_BOUND_S = INTERVAL_S * DOWN_THRESHOLD + 2.0

work = harness.WorkDir("failover")
mmdb = harness.make_mmdb(os.path.join(HERE, "geo.spec"), work.file("geo.mmdb"))
cert, key = work.file("cert.pem"), work.file("key.pem")
subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
                "-keyout", key, "-out", cert], check=True, capture_output=True)


class Backend:
    """One HTTP(S) backend process on 127.0.0.1:port, killed by PID."""

    def __init__(self, name, tls=False):
        self.port = harness.free_port()
        self.status_file = work.file(name + ".status")
        self.tls = tls
        self.proc = None
        self.start()

    def start(self):
        args = [sys.executable, BACKEND, "--port", str(self.port),
                "--status-file", self.status_file]
        if self.tls:
            args += ["--cert", cert, "--key", key]
        self.proc = subprocess.Popen(args)
        harness.atexit.register(self.stop)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=5)

    def status(self, text):
        with open(self.status_file, "w") as f:
            f.write(text)


eu1, eu2, us1 = Backend("eu1"), Backend("eu2"), Backend("us1")
tls = Backend("tls", tls=True)
port = harness.free_port()
with open(os.path.join(HERE, "gslbd.yaml.in")) as f:
    conf = f.read()
for k, v in {"@PORT@": port, "@MMDB@": mmdb, "@SRCDIR@": HERE, "@CERT@": cert,
             "@P_EU1@": eu1.port, "@P_EU2@": eu2.port, "@P_US1@": us1.port,
             "@P_TLS@": tls.port}.items():
    conf = conf.replace(k, str(v))
srv = harness.Server(work.write("gslbd.yaml", conf), port, work.file("gslbd.log"))
r = harness.Results()
EU_CLIENT = "2.17.0.0/24"


def www():
    m = srv.query("www.fo.test.", "A", ecs=EU_CLIENT)
    return rrset_addresses(m), (m.answer[0].ttl if m.answer else None)


def wait_for(pred, limit_s):
    """Poll every 50 ms; returns seconds until pred() held, or None after limit_s."""
    t0 = time.time()
    while time.time() - t0 < limit_s:
        if pred():
            return time.time() - t0
        time.sleep(0.05)
    return None


def failover_and_recovery():
    # Probes start "up" and need a moment to confirm; all healthy: Europe -> eu-west.
    r.check("start: eu-west serves Europe", wait_for(lambda: www() == (EU, 30), 3) is not None,
            www())
    eu1.stop()
    eu2.stop()
    t = wait_for(lambda: www()[0] == US, DETECT_BOUND_S)
    r.check("kill eu-west: answers move to us-east within %.1f s" % DETECT_BOUND_S,
            t is not None, www())
    if t is not None:
        print("measured failover time: %.2f s (bound %.1f s)" % (t, DETECT_BOUND_S))
    r.equal("fallback answer has the degraded TTL", www()[1], 10)
    # A reload with unchanged probes keeps their state: eu-west stays down, it
    # does not flip back to its initial "up" state.
    reloads = srv.read_log().count("reloaded")
    srv.signal(signal.SIGHUP)
    r.check("reload: completes", wait_for(lambda: srv.read_log().count("reloaded") > reloads, 5)
            is not None, srv.read_log()[-1500:])
    r.equal("reload: health state kept, still failed over", www()[0], US)
    eu1.start()
    eu2.start()
    t = wait_for(lambda: www() == (EU, 30), INTERVAL_S * UP_THRESHOLD + 2.0)
    r.check("restart eu-west: answers come back with the full TTL", t is not None, www())
    if t is not None:
        print("measured recovery time: %.2f s" % t)


def status_503_and_partial():
    eu1.status("503")
    t = wait_for(lambda: www()[0] == ["198.51.100.11"], DETECT_BOUND_S)
    r.check("503 takes one address out; the other still answers", t is not None, www())
    r.equal("partly down site: degraded TTL", www()[1], 10)
    eu2.status("200 degraded")
    t = wait_for(lambda: www()[0] == US, DETECT_BOUND_S)
    r.check("body mismatch takes the last address out: us-east answers", t is not None, www())
    eu1.status("200")
    eu2.status("200")
    r.check("both healthy again", wait_for(lambda: www() == (EU, 30), 3) is not None, www())


def all_down():
    eu1.stop()
    eu2.stop()
    us1.stop()
    t = wait_for(lambda: srv.query("closed.fo.test.", "A").rcode() == dns.rcode.NOERROR and
                 not srv.query("closed.fo.test.", "A").answer, DETECT_BOUND_S)
    r.check("fail closed: empty answer when its only site is down", t is not None)
    m = srv.query("closed.fo.test.", "A")
    r.equal("fail closed: SOA TTL capped to the degraded TTL",
            m.authority[0].ttl if m.authority else None, 15)
    time.sleep(INTERVAL_S * DOWN_THRESHOLD + 0.3)
    addrs, ttl = www()
    r.equal("fail open: everything down answers as if all were up", addrs, EU)
    r.equal("fail open: degraded TTL", ttl, 10)
    for b in (eu1, eu2, us1):
        b.start()


def https_probes():
    def up(name):
        return lambda: bool(srv.query(name + ".fo.test.", "A").answer)

    r.check("https, verification off: up", wait_for(up("tls-a"), 3) is not None)
    r.check("https, verification on with the CA configured: up",
            wait_for(up("tls-b"), 3) is not None)
    r.check("https, verification on without the CA: down",
            wait_for(lambda: not up("tls-c")(), 3) is not None)


r.run("failover and recovery", failover_and_recovery)
r.run("503 and partial", status_503_and_partial)
r.run("all down", all_down)
r.run("https probes", https_probes)
log = srv.read_log()
r.check("state changes are logged with the reason", "up -> down" in log and "refused" in log,
        log[-2000:])
srv.stop()
r.finish()
