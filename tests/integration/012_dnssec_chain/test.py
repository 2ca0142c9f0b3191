"""A real DNSSEC chain of trust down to gslbd's steered answers, validated by unbound and delv.

In a private network namespace (unshare -rn; without one, on free 127/8 addresses of the
host, and SKIP when neither works): NSD serves a fake root "." and the parent "test.", both
signed with ldns-signzone; the parent delegates gslb.test. to gslbd (port 53 of its glue
address) with the DS that `gslbctl ds` prints. unbound, with the root's key as its only trust
anchor and EDNS Client Subnet towards gslbd, resolves for clients on three continents:
each gets its own data center with AD set; NXDOMAIN (compact denial) and NODATA validate;
a failover keeps validating; delv checks the same answers itself. A ZSK listed with an
activation time a few seconds ahead starts signing at that time without a reload request
(the re-signing timer). Last, gslbd is reloaded with a key the parent's DS does not name,
and unbound must answer SERVFAIL.
"""
import os
import shutil
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))




# Re-run inside a private network namespace first: nothing binds the host's addresses then.
if os.environ.get("GSLBD_NETNS") is None:
    has_netns = shutil.which("unshare") is not None and subprocess.run(
        ["unshare", "-rn", "true"], capture_output=True).returncode == 0
    if has_netns:
        env = dict(os.environ, GSLBD_NETNS="1")
        sys.exit(subprocess.run(["unshare", "-rn", sys.executable, os.path.abspath(__file__)],
                                env=env).returncode)
    print("no network namespace could be made: running on the host's loopback")
    os.environ["GSLBD_NETNS"] = "0"
IN_NETNS = os.environ.get("GSLBD_NETNS") == "1"
if IN_NETNS:
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)

sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import harness  # noqa: E402
from harness import rrset_addresses  # noqa: E402

import dns.edns  # noqa: E402
import dns.exception  # noqa: E402
import dns.flags  # noqa: E402
import dns.message  # noqa: E402
import dns.query  # noqa: E402
import dns.rcode  # noqa: E402
import dns.rdatatype  # noqa: E402

US = ["192.0.2.10", "192.0.2.11"]
EU = ["198.51.100.10", "198.51.100.11"]
AP = ["203.0.113.10", "203.0.113.11"]
TOKEN = "dnssec-chain-token"

for tool in ("nsd", "ldns-signzone", "ldns-keygen", "unbound", "delv"):
    if shutil.which(tool) is None and not os.path.exists("/usr/sbin/" + tool):
        harness.skip("%s is not installed (scripts/deps.sh)" % tool)


def pick_addresses():
    """Two addresses whose port 53 is free: the namespace's own, or random 127/8 ones."""
    if IN_NETNS:
        return "127.0.1.1", "127.0.2.1"
    import random
    rng = random.Random(os.getpid() ^ int(time.time()))
    found = []
    for _ in range(20):
        a = "127.%d.%d.%d" % (rng.randint(1, 254), rng.randint(0, 255), rng.randint(1, 254))
        if a not in found and harness.can_bind_53(a):
            found.append(a)
        if len(found) == 2:
            return found
    harness.skip("no network namespace and no free port 53 on 127/8")


work = harness.WorkDir("dnssec_chain")
r = harness.Results()
ns_addr, child_addr = pick_addresses()
print("mode: %s; NSD on %s, gslbd on %s" % ("network namespace" if IN_NETNS else "host",
                                            ns_addr, child_addr))


def run(args, **kw):
    return subprocess.run(args, cwd=work.path, check=True, capture_output=True, text=True, **kw)


def keygen(zone, ksk):
    """A key made by ldns-keygen in the work folder; returns its base name."""
    args = ["ldns-keygen", "-a", "ECDSAP256SHA256"] + (["-k"] if ksk else []) + [zone]
    return run(args).stdout.strip()


def sign(zone_file, origin, keys):
    run(["ldns-signzone", "-n", "-o", origin, zone_file] + keys)
    return zone_file + ".signed"


# ---- gslbd: the signed child zone, first (its DS goes into the parent) ----
mmdb = harness.make_mmdb(os.path.join(HERE, "..", "003_unbound", "geo.spec"),
                         work.file("geo.mmdb"))
gslb_key = keygen("gslb.test", True)
work.write("gslb.test.zone", """$ORIGIN gslb.test.
$TTL 3600
@       SOA   ns1 hostmaster 2026112101 3600 900 1209600 300
@       NS    ns1
ns1     A     %s
@       MX    10 mail
mail    A     192.0.2.25
www     TXT   "steered"
static  CNAME mail
""" % child_addr)
dns_port = harness.free_port()
ctl_port = harness.free_port()


def write_child_conf(key, extra=""):
    with open(os.path.join(HERE, "gslbd.yaml.in")) as f:
        text = f.read().replace("@EXTRA_KEYS@\n", extra)
    for k, v in (("LISTEN", '"%s:53", "127.0.0.1:%d"' % (child_addr, dns_port)),
                 ("WORK", work.path), ("MMDB", mmdb), ("KEY", key), ("CTL", ctl_port),
                 ("TOKEN", TOKEN)):
        text = text.replace("@%s@" % k, str(v))
    return work.write("gslbd.yaml", text)


child = harness.Server(write_child_conf(gslb_key), dns_port, work.file("gslbd.log"))
ctl = harness.Control("http://127.0.0.1:%d" % ctl_port, TOKEN)
gslbctl = os.path.join(harness.BUILDDIR, "src", "gslbctl", "gslbctl")
ds_text = run([gslbctl, "-s", "127.0.0.1:%d" % ctl_port, "ds", "gslb.test"]).stdout
r.check("gslbctl ds prints the DS of the zone's key",
        "\tDS\t" in ds_text and ds_text.startswith("gslb.test."), ds_text)
res = subprocess.run([gslbctl, "-s", "127.0.0.1:%d" % ctl_port, "ds", "other.test"],
                     capture_output=True, text=True)
r.check("gslbctl ds for a zone not served: exit 1, says so",
        res.returncode == 1 and "no such zone" in res.stderr, res.stderr)

# ---- NSD: the signed root and parent ----
test_ksk, test_zsk = keygen("test", True), keygen("test", False)
root_ksk, root_zsk = keygen(".", True), keygen(".", False)
work.write("test.zone", """$ORIGIN test.
$TTL 3600
@        SOA  ns hostmaster 1 3600 900 1209600 300
@        NS   ns
ns       A    %s
www      A    192.0.2.99
alias    CNAME www.gslb.test.
gslb     NS   ns1.gslb
ns1.gslb A    %s
%s""" % (ns_addr, child_addr, ds_text))


def ds_of(key):
    return run(["ldns-key2ds", "-n", "-2", key + ".key"]).stdout


work.write("root.zone", """$ORIGIN .
$TTL 3600
@        SOA  a.root. hostmaster.root. 1 3600 900 1209600 300
@        NS   a.root.
a.root.  A    %s
test.    NS   ns.test.
ns.test. A    %s
%s""" % (ns_addr, ns_addr, ds_of(test_ksk)))
sign(work.file("test.zone"), "test.", [test_ksk, test_zsk])
sign(work.file("root.zone"), ".", [root_ksk, root_zsk])
nsd_conf = work.write("nsd.conf", """server:
    ip-address: %s
    port: 53
    zonesdir: "%s"
    database: ""
    pidfile: "%s"
    zonelistfile: "%s"
    xfrdfile: "%s"
    xfrdir: "%s"
    username: ""
    chroot: ""
    server-count: 1
    verbosity: 1
remote-control:
    control-enable: no
zone:
    name: "."
    zonefile: "root.zone.signed"
zone:
    name: "test."
    zonefile: "test.zone.signed"
""" % (ns_addr, work.path, work.file("nsd.pid"), work.file("zone.list"), work.file("xfrd.state"),
       work.path))
nsd = harness.Process([shutil.which("nsd") or "/usr/sbin/nsd", "-d", "-c", nsd_conf],
                      work.file("nsd.log"))


def wait_dns(addr, port, name, what, proc):
    deadline = time.time() + 10
    q = dns.message.make_query(name, "SOA")
    while time.time() < deadline:
        if proc.proc.poll() is not None:
            raise RuntimeError("%s exited:\n%s" % (what, proc.read_log()))
        try:
            dns.query.udp(q, addr, port=port, timeout=0.3)
            return
        except (dns.exception.Timeout, OSError):
            time.sleep(0.1)
    raise RuntimeError("%s did not answer:\n%s" % (what, proc.read_log()))


wait_dns(ns_addr, 53, ".", "nsd", nsd)

# ---- unbound: the root's key is the only trust anchor ----
root_dnskey = "".join(line.split(";")[0].rstrip() + "\n" for line in run(
    ["ldns-read-zone", "-c", "-E", "DNSKEY", work.file("root.zone.signed")]).stdout.splitlines())
anchor = work.write("root.key", root_dnskey)
ub_port = harness.free_port()
ub_conf = work.write("unbound.conf", "\n".join([
    "server:",
    "    verbosity: 1",
    "    interface: 127.0.0.1@%d" % ub_port,
    "    port: %d" % ub_port,
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
    "    root-hints: \"%s\"" % work.write("root.hints", ". 3600 NS a.root.\n"
                                                       "a.root. 3600 A %s\n" % ns_addr),
    "    trust-anchor-file: \"%s\"" % anchor,
    # test. is special-use (RFC 6761): unbound answers it locally unless told not to.
    "    local-zone: \"test.\" nodefault",
    "    module-config: \"subnetcache validator iterator\"",
    "    send-client-subnet: %s" % child_addr,
    "    client-subnet-always-forward: yes",
    "    max-client-subnet-ipv4: 24",
    "    val-log-level: 2",
    "    prefetch: no",
    "    qname-minimisation: no",
    "    trust-anchor-signaling: no",
    "    root-key-sentinel: no",
    "remote-control:",
    "    control-enable: no",
]) + "\n")
unbound = harness.Process([shutil.which("unbound") or "/usr/sbin/unbound", "-d", "-c", ub_conf],
                          work.file("unbound.log"))
wait_dns("127.0.0.1", ub_port, "test.", "unbound", unbound)


def resolve(name, rdtype="A", ecs=None):
    options = []
    if ecs is not None:
        addr, prefix = ecs.split("/")
        options.append(dns.edns.ECSOption(addr, int(prefix), 0))
    q = dns.message.make_query(name, rdtype, use_edns=0, payload=1232, options=options,
                               want_dnssec=True)
    return dns.query.udp(q, "127.0.0.1", port=ub_port, timeout=8)


def is_ad(m):
    return bool(m.flags & dns.flags.AD)


delv_anchor = work.write("delv.anchors", "trust-anchors {\n%s};\n" % "".join(
    '    . static-key %s %s %s "%s";\n' % tuple(line.split()[4:7] + ["".join(line.split()[7:])])
    for line in root_dnskey.splitlines() if line.strip()))


def delv(name, rdtype="A"):
    res = subprocess.run(["delv", "-a", delv_anchor, "+root=.", "@127.0.0.1", "-p", str(ub_port),
                          name, rdtype], capture_output=True, text=True, timeout=30)
    return res.stdout + res.stderr


def three_continents():
    for who, ecs, want in (("europe", "2.17.0.0/24", EU), ("north-america", "24.1.2.0/24", US),
                           ("asia", "1.0.17.0/24", AP)):
        m = resolve("www.gslb.test.", "A", ecs)
        r.equal("%s: rcode" % who, m.rcode(), dns.rcode.NOERROR)
        r.equal("%s: own data center" % who, rrset_addresses(m), sorted(want))
        r.check("%s: AD set by unbound" % who, is_ad(m), dns.flags.to_text(m.flags))
    m = resolve("www.gslb.test.", "AAAA", "24.1.2.0/24")
    r.check("north-america AAAA: validated", is_ad(m) and rrset_addresses(m, "AAAA") ==
            ["2001:db8:10::10"], str(m))
    for name, rdtype in (("gslb.test.", "MX"), ("static.gslb.test.", "A"), ("alias.test.", "A"),
                         ("gslb.test.", "DNSKEY"), ("gslb.test.", "CDS")):
        m = resolve(name, rdtype)
        r.check("%s %s: validated" % (name, rdtype), m.rcode() == dns.rcode.NOERROR and
                is_ad(m) and m.answer, str(m))


def denial():
    m = resolve("nope.gslb.test.", "A")
    r.check("nonexistent name: NOERROR/NODATA (compact denial), AD", m.rcode() ==
            dns.rcode.NOERROR and not m.answer and is_ad(m), str(m))
    m = resolve("www.gslb.test.", "MX", "2.17.0.0/24")
    r.check("service NODATA: AD", m.rcode() == dns.rcode.NOERROR and not m.answer and is_ad(m),
            str(m))
    m = resolve("mail.gslb.test.", "AAAA")
    r.check("static NODATA: AD", m.rcode() == dns.rcode.NOERROR and not m.answer and is_ad(m),
            str(m))


def with_delv():
    for name, rdtype in (("www.gslb.test.", "A"), ("gslb.test.", "MX"), ("static.gslb.test.", "A"),
                         ("gslb.test.", "DNSKEY")):
        out = delv(name, rdtype)
        r.check("delv %s %s: fully validated" % (name, rdtype), "; fully validated" in out, out)
    for name, rdtype in (("absent.gslb.test.", "A"), ("mail.gslb.test.", "TXT")):
        out = delv(name, rdtype)
        r.check("delv %s %s: negative, fully validated" % (name, rdtype),
                "negative response, fully validated" in out, out)


def failover():
    status, body = ctl.request("POST", "/datacenters/eu-west/force-down")
    r.equal("force-down eu-west: accepted", status, 200)
    # A European network not asked before: no cache entry in unbound.
    m = resolve("www.gslb.test.", "A", "81.2.3.0/24")
    # Where the client goes is the policy's business (tested elsewhere); here: not eu-west.
    r.check("europe after failover: another data center", rrset_addresses(m) in
            (sorted(US), sorted(AP)), str(m.answer))
    r.check("europe after failover: AD set", is_ad(m), dns.flags.to_text(m.flags))
    ctl.request("POST", "/datacenters/eu-west/clear")


def key_event_resigns():
    """A ZSK activated a few seconds from now: gslbd signs with it by itself, no reload asked."""
    zsk = run(["ldns-keygen", "-a", "ECDSAP256SHA256", "gslb.test"]).stdout.strip()
    tag = int(zsk.rsplit("+", 1)[1])
    write_child_conf(gslb_key, extra='        - {file: %s/%s, role: zsk, activate: %d}\n' %
                     (work.path, zsk, int(time.time()) + 8))
    status, _ = ctl.request("POST", "/reload")
    r.equal("reload with a ZSK to come: accepted", status, 200)

    def soa_tags():
        q = dns.message.make_query("gslb.test.", "SOA", want_dnssec=True)
        m = dns.query.udp(q, "127.0.0.1", port=dns_port, timeout=3)
        return sorted(rd.key_tag for rrset in m.answer if rrset.rdtype == dns.rdatatype.RRSIG
                      for rd in rrset)
    r.check("before its activation the new ZSK does not sign", tag not in soa_tags(),
            str(soa_tags()))
    deadline = time.time() + 30
    while time.time() < deadline and tag not in soa_tags():
        time.sleep(0.5)
    r.check("at its activation gslbd re-signs by itself with the new ZSK", tag in soa_tags(),
            str(soa_tags()))
    r.check("the re-signing went through the reload path (logged)",
            "dnssec: signatures due for renewal" in child.read_log(), child.read_log()[-1500:])


def broken_key():
    """A key the parent's DS does not name: the chain breaks and unbound says SERVFAIL."""
    other = keygen("gslb.test", True)
    write_child_conf(other)
    status, body = ctl.request("POST", "/reload")
    r.equal("reload with an unknown key: accepted by gslbd", status, 200)
    m = resolve("sip-never-asked.gslb.test.", "A")
    r.equal("broken chain: unbound answers SERVFAIL", m.rcode(), dns.rcode.SERVFAIL)
    m = resolve("www.gslb.test.", "A", "2.99.0.0/24")
    r.equal("broken chain, steered name: SERVFAIL", m.rcode(), dns.rcode.SERVFAIL)


r.run("clients on three continents", three_continents)
r.run("denial of existence", denial)
r.run("delv", with_delv)
r.run("failover keeps validating", failover)
r.run("a key event re-signs without a reload request", key_event_resigns)
r.run("a broken key fails validation", broken_key)
log = child.read_log()
r.check("gslbd log has no sanitizer report", "Sanitizer" not in log and "runtime error" not in log,
        log[-2000:])
unbound.stop()
nsd.stop()
child.stop()
r.finish()
