"""Integration-test harness: start real gslbd processes on loopback, query them, count results.

Every server is started on 127.0.0.1 with a free port, and killed by PID when the
test ends (also on failure). Results print as "N passed, M failed".
"""
import atexit
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

import json
import urllib.error
import urllib.request

import dns.edns
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype

SRCDIR = os.environ.get("abs_top_srcdir") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", "..", ".."))
BUILDDIR = os.environ.get("abs_top_builddir") or SRCDIR
GSLBD = os.environ.get("GSLBD") or os.path.join(BUILDDIR, "src", "gslbd")
MKMMDB = os.path.join(SRCDIR, "tests", "tools", "mkmmdb.pl")


def free_port():
    """A port free for both UDP and TCP on 127.0.0.1 (tiny race accepted)."""
    for _ in range(50):
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        t.bind(("127.0.0.1", 0))
        port = t.getsockname()[1]
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            u.bind(("127.0.0.1", port))
        except OSError:
            t.close()
            continue
        t.close()
        u.close()
        return port
    raise RuntimeError("no free port on 127.0.0.1")


class WorkDir:
    """A temporary directory for one test's generated files (config, mmdb, logs)."""

    def __init__(self, name):
        self.path = tempfile.mkdtemp(prefix="gslbd-%s-" % name)
        atexit.register(self.cleanup)

    def file(self, name):
        return os.path.join(self.path, name)

    def write(self, name, text):
        p = self.file(name)
        with open(p, "w") as f:
            f.write(text)
        return p

    def cleanup(self):
        if os.environ.get("GSLBD_KEEP_WORK"):
            print("work directory kept: %s" % self.path)
            return
        shutil.rmtree(self.path, ignore_errors=True)


def make_mmdb(spec_path, out_path, schema="city"):
    subprocess.run(["perl", MKMMDB, "--schema", schema, spec_path, out_path], check=True)
    return out_path


class Process:
    """A child process with its output in a log file, stopped by PID (SIGTERM, then SIGKILL)
    when the test ends, whatever happens. Raises OSError when it cannot be started."""

    def __init__(self, args, log_path):
        self.log_path = log_path
        self.log = open(log_path, "w")
        try:
            self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        except OSError:
            self.log.close()
            raise
        atexit.register(self.stop)

    def read_log(self):
        self.log.flush()
        with open(self.log_path) as f:
            return f.read()

    def signal(self, sig):
        os.kill(self.proc.pid, sig)

    def stop(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()


class Server(Process):
    """A gslbd process on 127.0.0.1:port."""

    def __init__(self, config_path, port, log_path):
        self.port = port
        super().__init__([GSLBD, "-c", config_path], log_path)
        self.wait_ready()

    def wait_ready(self, timeout_s=10.0):
        deadline = time.time() + timeout_s
        q = dns.message.make_query("version.bind.", "TXT", "CH")
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("gslbd exited with %s:\n%s" % (self.proc.returncode,
                                                                   self.read_log()))
            try:
                dns.query.udp(q, "127.0.0.1", port=self.port, timeout=0.2)
                return
            except (dns.exception.Timeout, OSError):
                time.sleep(0.05)
        raise RuntimeError("gslbd did not answer within %.0f s:\n%s" % (timeout_s,
                                                                        self.read_log()))

    def query(self, name, rdtype="A", ecs=None, tcp=False, edns=True, payload=1232,
              rdclass="IN", want_dnssec=False, timeout=2.0):
        """Send one query; ecs is "addr/prefix" or None. Returns a dns.message.Message."""
        options = []
        if ecs is not None:
            addr, prefix = ecs.split("/")
            options.append(dns.edns.ECSOption(addr, int(prefix), 0))
        q = dns.message.make_query(name, rdtype, rdclass, use_edns=0 if edns else None,
                                   payload=payload, options=options, want_dnssec=want_dnssec)
        q.flags &= ~dns.flags.RD
        if tcp:
            return dns.query.tcp(q, "127.0.0.1", port=self.port, timeout=timeout)
        return dns.query.udp(q, "127.0.0.1", port=self.port, timeout=timeout)


def ecs_scope(msg):
    """The ECS scope prefix of a response, or None without ECS."""
    for opt in msg.options:
        if isinstance(opt, dns.edns.ECSOption):
            return opt.scopelen
    return None


def cookie_of(msg):
    """The COOKIE option data (client cookie, then server cookie) of a message, or None."""
    for o in msg.options:
        if o.otype == dns.edns.COOKIE:
            return o.to_wire() if hasattr(o, "to_wire") else o.data
    return None


def rrset_addresses(msg, rdtype="A"):
    """Sorted addresses of the answer's A/AAAA RRset."""
    out = []
    for rrset in msg.answer:
        if rrset.rdtype == dns.rdatatype.from_text(rdtype):
            out.extend(r.address for r in rrset)
    return sorted(out)


class Control:
    """A client of gslbd's control endpoint at url ("http://127.0.0.1:PORT"), with the
    bearer token used unless a request names another (None: no token)."""

    def __init__(self, url, token=None):
        self.url = url
        self.token = token

    def request(self, method, path, token=..., body=None, timeout=20):
        """(status, parsed JSON or text) of one request."""
        req = urllib.request.Request(self.url + path, data=body, method=method)
        token = self.token if token is ... else token
        if token is not None:
            req.add_header("Authorization", "Bearer " + token)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                status, text, ctype = resp.status, resp.read().decode(), resp.headers["Content-Type"]
        except urllib.error.HTTPError as e:
            status, text, ctype = e.code, e.read().decode(), e.headers["Content-Type"]
        return status, json.loads(text) if (ctype or "").startswith("application/json") else text

    def metrics(self):
        """{(name, frozenset(labels)): value} of every sample of /metrics."""
        from prometheus_client.parser import text_string_to_metric_families
        status, text = self.request("GET", "/metrics", token=None)
        assert status == 200
        out = {}
        for fam in text_string_to_metric_families(text):
            for s in fam.samples:
                out[(s.name, frozenset(s.labels.items()))] = s.value
        return out


SKIP = 77  # the exit status automake's test driver reports as SKIP


def skip(why):
    """End the test as skipped: a component it needs is not there or cannot run here."""
    print("SKIP: %s" % why)
    sys.exit(SKIP)


def can_bind_53(addr):
    """True if UDP and TCP port 53 of addr are free and this process may bind them."""
    socks = []
    try:
        for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
            s = socket.socket(socket.AF_INET, kind)
            socks.append(s)
            s.bind((addr, 53))
        return True
    except OSError:
        return False
    finally:
        for s in socks:
            s.close()


class Results:
    """Collects named checks and prints "N passed, M failed" at the end."""

    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, cond, detail=""):
        if cond:
            self.passed += 1
            print("ok   %s" % name)
        else:
            self.failed += 1
            print("FAIL %s %s" % (name, detail))

    def equal(self, name, got, want):
        self.check(name, got == want, "(got %r, want %r)" % (got, want))

    def run(self, name, fn):
        """Run a group of checks; an exception counts as one failure."""
        try:
            fn()
        except Exception:
            self.failed += 1
            print("FAIL %s raised:\n%s" % (name, traceback.format_exc()))

    def finish(self):
        print("%d passed, %d failed" % (self.passed, self.failed))
        sys.exit(0 if self.failed == 0 and self.passed > 0 else 1)
