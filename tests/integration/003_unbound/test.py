"""A real resolver in front of gslbd: unbound reaches gslbd through a delegation.

A parent gslbd serves test. and delegates gslb.test. (glue included) to the gslbd under test,
which steers www.gslb.test. by GeoIP. unbound (Debian's, with the subnetcache module) resolves
through a stub zone for test. and sends EDNS Client Subnet to the child. The child listens on
port 53 of a random 127/8 address when this process may bind it, so unbound follows the real
referral and glue; otherwise unbound gets a second stub zone for gslb.test. with the child's
port (the referral still comes from the parent for everything else). Exits 77 (SKIP) only when
unbound is not installed or cannot start.
"""
import os
import random
import shutil
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness  # noqa: E402
from harness import ecs_scope, rrset_addresses  # noqa: E402

import dns.edns  # noqa: E402
import dns.exception  # noqa: E402
import dns.flags  # noqa: E402
import dns.message  # noqa: E402
import dns.query  # noqa: E402
import dns.rcode  # noqa: E402
import dns.rdatatype  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
US = ["192.0.2.10", "192.0.2.11"]
EU = ["198.51.100.10", "198.51.100.11"]
AP = ["203.0.113.10", "203.0.113.11"]
TTL = 30




def pick_child_address():
    """A random 127/8 address whose port 53 is usable, or None."""
    rng = random.Random(os.getpid() ^ int(time.time()))
    for _ in range(10):
        addr = "127.%d.%d.%d" % (rng.randint(1, 254), rng.randint(0, 255), rng.randint(1, 254))
        if harness.can_bind_53(addr):
            return addr
    return None


class Unbound(harness.Process):
    """unbound in the foreground on 127.0.0.1:port, stopped by PID."""

    def __init__(self, work, port, parent_port, child_addr, child_port, stub_child):
        self.port = port
        exe = shutil.which("unbound") or ("/usr/sbin/unbound"
                                          if os.path.exists("/usr/sbin/unbound") else None)
        if exe is None:
            harness.skip("unbound is not installed (apt-get install unbound)")
        # Root hints on loopback, and every name outside test. refused locally: the resolver
        # never sends a packet off this machine.
        hints = work.write("root.hints", ". 3600 NS root.invalid.\n"
                                         "root.invalid. 3600 A 127.0.0.254\n")
        conf = [
            "server:",
            "    verbosity: 1",
            "    interface: 127.0.0.1@%d" % port,
            "    port: %d" % port,
            "    do-ip6: no",
            "    do-daemonize: no",
            "    use-syslog: no",
            "    logfile: \"\"",
            "    username: \"\"",
            "    chroot: \"\"",
            "    directory: \"%s\"" % work.path,
            "    pidfile: \"%s\"" % work.file("unbound.pid"),
            "    num-threads: 1",
            "    so-reuseport: no",
            "    access-control: 127.0.0.0/8 allow",
            "    do-not-query-localhost: no",
            "    outgoing-interface: 127.0.0.1",
            "    root-hints: \"%s\"" % hints,
            "    local-zone: \".\" refuse",
            "    local-zone: \"test.\" transparent",
            "    module-config: \"subnetcache validator iterator\"",
            "    send-client-subnet: %s" % child_addr,
            "    client-subnet-always-forward: yes",
            "    max-client-subnet-ipv4: 24",
            "    max-client-subnet-ipv6: 56",
            # 0x20: unbound checks that gslbd echoes the QNAME's letter case.
            "    use-caps-for-id: yes",
            "    prefetch: no",
            "    trust-anchor-signaling: no",
            "    root-key-sentinel: no",
            "remote-control:",
            "    control-enable: no",
            "stub-zone:",
            "    name: \"test.\"",
            "    stub-addr: 127.0.0.1@%d" % parent_port,
        ]
        if stub_child:
            conf += ["stub-zone:",
                     "    name: \"gslb.test.\"",
                     "    stub-addr: %s@%d" % (child_addr, child_port)]
        path = work.write("unbound.conf", "\n".join(conf) + "\n")
        checkconf = shutil.which("unbound-checkconf")
        if checkconf:
            res = subprocess.run([checkconf, path], capture_output=True, text=True)
            if res.returncode != 0:
                raise RuntimeError("unbound-checkconf: %s%s" % (res.stdout, res.stderr))
        try:
            harness.Process.__init__(self, [exe, "-d", "-c", path], work.file("unbound.log"))
        except OSError as e:
            harness.skip("unbound cannot run (%s)" % e)
        self.wait_ready()

    def wait_ready(self, timeout_s=10.0):
        deadline = time.time() + timeout_s
        q = dns.message.make_query("www.test.", "A")
        while time.time() < deadline:
            if self.proc.poll() is not None:
                harness.skip("unbound exited with %s:\n%s" % (self.proc.returncode, self.read_log()))
            try:
                dns.query.udp(q, "127.0.0.1", port=self.port, timeout=0.3)
                return
            except (dns.exception.Timeout, OSError):
                time.sleep(0.1)
        harness.skip("unbound did not answer within %.0f s:\n%s" % (timeout_s, self.read_log()))


    def query(self, name, rdtype="A", ecs=None, timeout=5.0):
        """A recursive query (RD=1) from a client; ecs is "addr/prefix" or None."""
        options = []
        if ecs is not None:
            addr, prefix = ecs.split("/")
            options.append(dns.edns.ECSOption(addr, int(prefix), 0))
        q = dns.message.make_query(name, rdtype, use_edns=0, payload=1232, options=options)
        return dns.query.udp(q, "127.0.0.1", port=self.port, timeout=timeout)


def fill(template, **values):
    with open(os.path.join(HERE, template)) as f:
        text = f.read()
    for k, v in values.items():
        text = text.replace("@%s@" % k, str(v))
    return text


work = harness.WorkDir("unbound")
r = harness.Results()
if shutil.which("unbound") is None and not os.path.exists("/usr/sbin/unbound"):
    harness.skip("unbound is not installed (apt-get install unbound)")

mmdb = harness.make_mmdb(os.path.join(HERE, "geo.spec"), work.file("geo.mmdb"))
child_port = harness.free_port()
# GSLBD_UNBOUND_STUB=1 forces the stub-zone mode (to test it where port 53 is available).
child_addr = None if os.environ.get("GSLBD_UNBOUND_STUB") else pick_child_address()
delegation = child_addr is not None
if delegation:
    # The resolver follows the parent's referral: glue address, port 53.
    listen = '"%s:53", "127.0.0.1:%d"' % (child_addr, child_port)
else:
    child_addr = "127.0.0.1"
    listen = '"127.0.0.1:%d"' % child_port
print("mode: %s" % ("referral to %s:53" % child_addr if delegation
                    else "stub zone for gslb.test. on port %d" % child_port))

work.write("gslb.test.zone", fill("gslb.test.zone.in", CHILD_ADDR=child_addr))
work.write("test.zone", fill("test.zone.in", CHILD_ADDR=child_addr))
child_conf = work.write("child.yaml", fill("gslbd-child.yaml.in", LISTEN=listen, WORK=work.path,
                                           MMDB=mmdb))
child = harness.Server(child_conf, child_port, work.file("child.log"))
parent_port = harness.free_port()
parent_conf = work.write("parent.yaml", fill("gslbd-parent.yaml.in", PORT=parent_port,
                                             WORK=work.path))
parent = harness.Server(parent_conf, parent_port, work.file("parent.log"))
unbound = Unbound(work, harness.free_port(), parent_port, child_addr, child_port,
                  stub_child=not delegation)


def resolver_flags(name, m):
    r.check("%s: RA set, AA clear (a resolver's answer)" % name,
            m.flags & dns.flags.RA and not m.flags & dns.flags.AA, dns.flags.to_text(m.flags))


def static_names():
    m = unbound.query("mail.gslb.test.", "A")
    r.equal("static: rcode", m.rcode(), dns.rcode.NOERROR)
    r.equal("static: address", rrset_addresses(m), ["192.0.2.25"])
    resolver_flags("static", m)
    m = unbound.query("gslb.test.", "MX")
    r.equal("static: MX at the child apex", [str(x.exchange) for x in m.answer[0]],
            ["mail.gslb.test."])
    m = unbound.query("static.gslb.test.", "A")
    r.equal("static: CNAME then address", [(str(x.name), x.rdtype) for x in m.answer],
            [("static.gslb.test.", dns.rdatatype.CNAME), ("mail.gslb.test.", dns.rdatatype.A)])
    m = unbound.query("www.test.", "A")
    r.equal("parent zone: address", rrset_addresses(m), ["192.0.2.99"])
    m = unbound.query("gslb.test.", "DS")
    r.equal("DS at the cut: NOERROR from the parent", m.rcode(), dns.rcode.NOERROR)
    r.check("DS at the cut: no DS, parent's SOA",
            not m.answer and m.authority and str(m.authority[0].name) == "test.",
            str(m.authority))
    m = unbound.query("WwW.GsLb.TeSt.", "TXT", ecs="2.17.0.0/24")
    r.equal("0x20 client query: TXT at the service name", m.answer[0][0].strings
            if m.answer else None, (b"steered",))


def negative_names():
    m = unbound.query("nope.gslb.test.", "A")
    r.equal("nxdomain: rcode", m.rcode(), dns.rcode.NXDOMAIN)
    r.check("nxdomain: child's SOA in authority",
            m.authority and m.authority[0].rdtype == dns.rdatatype.SOA and
            str(m.authority[0].name) == "gslb.test.", str(m.authority))
    r.check("nxdomain: SOA TTL at most the negative TTL (300)",
            m.authority and m.authority[0].ttl <= 300, str(m.authority))
    m = unbound.query("nope.test.", "A")
    r.equal("nxdomain in the parent: rcode", m.rcode(), dns.rcode.NXDOMAIN)
    m = unbound.query("www.gslb.test.", "MX", ecs="2.17.0.0/24")
    r.equal("service NODATA: rcode", m.rcode(), dns.rcode.NOERROR)
    r.equal("service NODATA: no answer", len(m.answer), 0)
    r.check("service NODATA: child's SOA",
            m.authority and str(m.authority[0].name) == "gslb.test.", str(m.authority))


def steering_through_cache():
    first = {}
    for name, ecs, want, scope in (("europe", "2.17.0.0/24", EU, 13),
                                   ("north-america", "24.1.2.0/24", US, 12),
                                   ("asia", "1.0.17.0/24", AP, 20)):
        m = unbound.query("www.gslb.test.", "A", ecs=ecs)
        first[name] = m
        r.equal("%s: rcode" % name, m.rcode(), dns.rcode.NOERROR)
        r.equal("%s: own data center's addresses" % name, rrset_addresses(m), sorted(want))
        r.equal("%s: ECS scope passed on by the resolver" % name, ecs_scope(m), scope)
        resolver_flags(name, m)
    time.sleep(1.2)
    # Another client of the same GeoIP networks: answered from the cache entry of the first
    # (the scope let unbound share it), so its TTL has gone down.
    for name, ecs, want in (("europe", "2.18.5.0/24", EU),
                            ("north-america", "24.8.0.0/24", US),
                            ("asia", "1.0.30.0/24", AP)):
        m = unbound.query("www.gslb.test.", "A", ecs=ecs)
        r.equal("%s, other subnet in scope: same data center" % name, rrset_addresses(m),
                sorted(want))
        r.check("%s, other subnet in scope: from the cache (TTL below %d)" % (name, TTL),
                m.answer and m.answer[0].ttl < TTL, str(m.answer))
    # The continents did not leak into each other's cache entries.
    m = unbound.query("www.gslb.test.", "A", ecs="81.2.3.0/24")
    r.equal("london, other EU network: europe, fresh (TTL %d)" % TTL,
            (rrset_addresses(m), m.answer[0].ttl if m.answer else None), (sorted(EU), TTL))
    m = unbound.query("www.gslb.test.", "AAAA", ecs="24.1.2.0/24")
    r.equal("north-america: AAAA", rrset_addresses(m, "AAAA"), ["2001:db8:10::10"])
    m = unbound.query("alias.test.", "A", ecs="2.17.0.0/24")
    r.equal("parent CNAME into the service: europe", rrset_addresses(m), sorted(EU))
    r.equal("parent CNAME into the service: chain", [(str(x.name), x.rdtype) for x in m.answer],
            [("alias.test.", dns.rdatatype.CNAME), ("www.gslb.test.", dns.rdatatype.A)])
    m = unbound.query("www.gslb.test.", "A")
    r.equal("client without ECS: its own address (loopback) gets the default", rrset_addresses(m),
            sorted(US))


r.run("static names", static_names)
r.run("negative answers", negative_names)
r.run("steering through the resolver's cache", steering_through_cache)
for srv, name in ((child, "child"), (parent, "parent")):
    log = srv.read_log()
    r.check("%s gslbd log has no sanitizer report" % name,
            "Sanitizer" not in log and "runtime error" not in log, log[-2000:])
unbound.stop()
child.stop()
parent.stop()
r.finish()
