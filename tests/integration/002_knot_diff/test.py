"""Differential test: gslbd and Knot DNS serve the same zones; their answers must agree.

Both servers run on loopback with diff.test. and the nested child.diff.test. A battery of
queries goes to both over UDP and TCP, and the RCODE, the flags (QR, AA, TC, RD, RA, AD), the
question and every section's records (as sets, TTLs included) must be equal wherever the RFCs
leave no choice. Where they do leave one and the two servers chose differently, the case names
an entry of DIFFERENCES (the RFC text that allows it) and is compared by that entry's own,
looser check. Malformed packets go to gslbd only: it must answer FORMERR or stay silent, and
keep answering. Exits 77 (SKIP) only when knotd is not installed or cannot start.
"""
import os
import shutil
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
import signed  # noqa: E402

import dns.edns  # noqa: E402
import dns.exception  # noqa: E402
import dns.flags  # noqa: E402
import dns.message  # noqa: E402
import dns.name  # noqa: E402
import dns.query  # noqa: E402
import dns.rcode  # noqa: E402
import dns.rdata  # noqa: E402
import dns.rdatatype  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ZONES = [("diff.test.", "diff.test.zone"), ("child.diff.test.", "child.diff.test.zone")]
# Knot has no services: it serves what gslbd's failover policy answers, as static data.
KNOT_SERVICE_RECORDS = {
    "diff.test.zone": [
        "svc      30 A     192.0.2.100",
        "svc      30 AAAA  2001:db8::100",
        "svc2     30 A     192.0.2.100",
        "svc2     30 AAAA  2001:db8::100",
        "s.svcw   30 A     192.0.2.100",
        "s.svcw   30 AAAA  2001:db8::100",
        "svccn    30 CNAME www",
    ],
    "child.diff.test.zone": [
        "geo      30 A     192.0.2.100",
        "geo      30 AAAA  2001:db8::100",
    ],
}
NSID = b"diff-nsid"
VERSION = "diff-version"
IDLE_TIMEOUT_S = 2.0          # gslbd tcp_idle_timeout_ms 2000, Knot tcp-idle-timeout 2
TCP_MAX_CONNECTIONS = 16      # gslbd tcp_max_connections
EDNS_PAYLOAD = 1232           # gslbd's default, Knot's udp-max-payload
COOKIE_SECRET = "8d4e9a0c3b7f61e25a1c0f9e7d3b5a42"  # both servers' cookie secret (RFC 9018)
CNAME_CHAIN_MAX = 8           # ZONE_MAX_CNAME_CHAIN
OPT_EDE = 15                  # RFC 8914 Extended DNS Error
OPT_KEEPALIVE = 11            # RFC 7828
COMPARED_FLAGS = (dns.flags.QR | dns.flags.AA | dns.flags.TC | dns.flags.RD | dns.flags.RA |
                  dns.flags.AD)

# Deliberate differences: where the RFCs allow both behaviours. Each case that meets one
# names it and is checked by its own rule (the functions below) instead of equality.
DIFFERENCES = {
    "cross-zone-chain": (
        "gslbd follows a CNAME or DNAME into another zone it serves; Knot stops at the zone's "
        "edge (a referral when the target is below a cut of the first zone)",
        "RFC 1034 4.3.2 step 3a: 'change QNAME to the canonical name in the CNAME RR, and go "
        "back to step 1'; step 2: 'Search the available zones for the zone which is the "
        "nearest ancestor to QNAME'"),
    "cname-chain-limit": (
        "both stop a long in-zone chain; Knot after 5 aliases, gslbd after 8",
        "RFC 1034 3.6.2: 'CNAME chains should be followed and CNAME loops signalled as an "
        "error'; no length is set, and the resolver restarts from the last target"),
    "glue-as-additional": (
        "gslbd adds the addresses of NS/MX/SRV targets to the additional section only when "
        "they are authoritative data (glue below a cut only in referrals); Knot also adds glue",
        "RFC 1034 4.3.2 step 6: 'Using local data only, attempt to add other RRs which may be "
        "useful to the additional section'; RFC 1034 4.2.1: glue is not authoritative data"),
    "meta-qtype": (
        "QTYPEs 128-254 other than ANY/AXFR/IXFR get NOTIMP from gslbd, QTYPE OPT FORMERR; "
        "Knot answers NODATA",
        "RFC 6895 3.1: 128-255 are QTYPEs and Meta-TYPEs, not data; RFC 1035 4.1.1: 'Not "
        "Implemented - The name server does not support the requested kind of query'"),
    "zone-transfer": (
        "AXFR/IXFR: gslbd REFUSED; Knot NOTIMP (AXFR over UDP) or NOTAUTH (IXFR)",
        "RFC 1035 4.1.1: 'Refused - ... a name server may not wish to perform a particular "
        "operation (e.g., zone transfer) for particular data'"),
    "chaos-aa": (
        "CHAOS TXT version.bind: gslbd sets AA, Knot does not",
        "no RFC defines the CHAOS names (RFC 4892 describes the convention); AA is open"),
    "chaos-other-type": (
        "CHAOS version.bind with a type other than TXT: gslbd NODATA, Knot REFUSED",
        "RFC 2308 2.2: a name that exists without data of the type is NODATA"),
    "qclass-any": (
        "QCLASS * (255): gslbd REFUSED, Knot answers as for IN",
        "RFC 1035 4.1.1: 'Refused - The name server refuses to perform the specified "
        "operation for policy reasons'; gslbd serves class IN only"),
    "cd-bit": (
        "gslbd copies CD into the response; Knot clears it",
        "RFC 4035 3.1.6: 'The name server side MUST copy the setting of the CD bit from a "
        "query to the corresponding response'"),
    "tcp-keepalive": (
        "gslbd answers edns-tcp-keepalive over TCP with its idle timeout; Knot 3.2 omits it",
        "RFC 7828 3.3.2: a server 'MAY include the edns-tcp-keepalive option in the response'"),
    "extended-error": (
        "Extended DNS Error options are left out of every comparison: the two servers add them "
        "to different answers (gslbd to REFUSED, to rate-limited answers and to BADCOOKIE)",
        "RFC 8914: the option is optional; it never changes the RCODE's meaning"),
    "dnssec-denial": (
        "signed zones: gslbd denies a name with RFC 9824 compact denial (NOERROR and an NSEC at "
        "the name, signed online) and signs wildcard answers as the QNAME's own RRset; Knot "
        "keeps an NSEC chain (NXDOMAIN with covering NSECs) and signs with the wildcard's "
        "label count. Signature bytes and times differ anyway (same keys, other moments)",
        "RFC 9824 3 and RFC 4035 3.1.3 both prove non-existence; RFC 4034 3.1.3 lets a "
        "signer sign an RRset under its own name"),
    "cookie-only-query": (
        "a query with QDCOUNT 0 and a COOKIE option: gslbd answers NOERROR with its server "
        "cookie, Knot 3.2 FORMERR",
        "RFC 7873 5.4 (querying for a server cookie): a server that implements cookies answers "
        "such a query with its cookie; FORMERR is what a server without cookies returns"),
    "cookie-badcookie": (
        "a UDP query with a client cookie alone: gslbd answers it with a new server cookie "
        "(BADCOOKIE only when rate limiting holds the answer back), Knot 3.2 answers BADCOOKIE "
        "with the cookie; both servers accept each other's cookies (one secret, RFC 9018)",
        "RFC 7873 5.2.3: the server may discard the request, send BADCOOKIE, or process it "
        "and answer normally with its cookie"),
    "opt-owner": (
        "an OPT RR whose owner is not the root: gslbd FORMERR (with an OPT), Knot accepts it",
        "RFC 6891 6.1.2: OPT 'NAME ... MUST be 0 (root domain)'"),
    "formerr-opt": (
        "a FORMERR for a fault of the OPT record that Knot cannot parse past (two OPTs, an OPT "
        "outside the additional section, its RDATA or an option running past its end): gslbd "
        "includes an OPT record, Knot 3.2 answers as to a query without EDNS",
        "RFC 6891 7: 'If there is a problem with processing the OPT record itself ... a "
        "FORMERR MUST be returned. If this occurs, the response MUST include an OPT record.'"),
    "notify-update": (
        "opcodes NOTIFY and UPDATE: gslbd NOTIMP, Knot NOTAUTH (it implements them)",
        "RFC 1035 4.1.1: 'Not Implemented'; gslbd has no secondaries and takes no updates"),
    "malformed": (
        "a query that cannot be parsed: gslbd answers FORMERR (header and question when it "
        "has one), Knot often stays silent",
        "RFC 1035 4.1.1: 'Format error - The name server was unable to interpret the query'"),
}



class Knot(harness.Process):
    """knotd on 127.0.0.1:port with its own rundir and storage, stopped by PID."""

    def __init__(self, work, port, keys):
        self.port = port
        knotd = shutil.which("knotd") or ("/usr/sbin/knotd" if os.path.exists("/usr/sbin/knotd")
                                          else None)
        if knotd is None:
            harness.skip("knotd is not installed (apt-get install knot)")
        for sub in ("knot-run", "knot-storage"):
            os.makedirs(work.file(sub), exist_ok=True)
        zones = []
        for origin, fname in ZONES:
            with open(os.path.join(HERE, fname)) as f:
                text = f.read()
            text += "\n; services of gslbd, as static data\n"
            text += "\n".join(KNOT_SERVICE_RECORDS.get(fname, [])) + "\n"
            path = work.write("knot-" + fname, text)
            zones.append("  - domain: %s\n    file: \"%s\"\n" % (origin, path))
        zones.append(signed.knot_zone(work, HERE))
        run, storage = work.file("knot-run"), work.file("knot-storage")
        conf = (
            "server:\n"
            "    rundir: \"%s\"\n"
            "    pidfile: \"%s/knot.pid\"\n"
            "    listen: 127.0.0.1@%d\n"
            "    udp-max-payload: %d\n"
            "    nsid: \"%s\"\n"
            "    version: \"%s\"\n"
            "    identity: \"\"\n"
            "    tcp-idle-timeout: %ds\n"
            "    edns-client-subnet: on\n"
            "    udp-workers: 1\n"
            "    tcp-workers: 1\n"
            "    background-workers: 1\n"
            "control:\n"
            "    listen: \"%s/knot.sock\"\n"
            "database:\n"
            "    storage: \"%s\"\n"
            "log:\n"
            "  - target: stderr\n"
            "    any: info\n"
            "mod-cookies:\n"
            "  - id: shared\n"
            "    secret: 0x%s\n"
            "%s"
            "template:\n"
            "  - id: default\n"
            "    global-module: mod-cookies/shared\n"
            "    storage: \"%s\"\n"
            "    zonefile-sync: -1\n"
            "    zonefile-load: whole\n"
            "    journal-content: none\n"
            "zone:\n" % (run, run, port, EDNS_PAYLOAD, NSID.decode(), VERSION,
                         int(IDLE_TIMEOUT_S), run, storage, COOKIE_SECRET,
                         signed.knot_policy(), storage)) + "".join(zones)
        conf_path = work.write("knot.conf", conf)
        signed.knot_import(work, conf_path, keys)
        try:
            harness.Process.__init__(self, [knotd, "-c", conf_path], work.file("knot.log"))
        except OSError as e:
            harness.skip("knotd cannot run (%s)" % e)
        self.wait_ready()

    def wait_ready(self, timeout_s=15.0):
        deadline = time.time() + timeout_s
        while time.time() < deadline:
            if self.proc.poll() is not None:
                harness.skip("knotd exited with %s:\n%s" % (self.proc.returncode, self.read_log()))
            ready = 0
            for origin in [z for z, _ in ZONES] + [signed.ORIGIN]:
                q = dns.message.make_query(origin, "SOA")
                try:
                    m = dns.query.udp(q, "127.0.0.1", port=self.port, timeout=0.2)
                    ready += m.rcode() == dns.rcode.NOERROR and bool(m.flags & dns.flags.AA)
                except (dns.exception.Timeout, OSError):
                    pass
            if ready == len(ZONES) + 1:
                return
            time.sleep(0.1)
        harness.skip("knotd did not serve the zones within %.0f s:\n%s" % (timeout_s, self.read_log()))



# ---------------------------------------------------------------------------------------------
# Queries and comparison


class Case:
    """One query of the battery. diff names a DIFFERENCES entry (or None for equality)."""

    def __init__(self, qname, qtype="A", diff=None, transports=("udp", "tcp"), edns=True,
                 payload=1232, do=False, rd=None, cd=False, ecs=None, nsid=False,
                 keepalive=False, rdclass="IN", target=None, note=""):
        self.qname, self.qtype, self.diff = qname, qtype, diff
        self.transports, self.edns, self.payload, self.do = transports, edns, payload, do
        self.rd, self.cd, self.ecs, self.nsid, self.keepalive = rd, cd, ecs, nsid, keepalive
        self.rdclass, self.target, self.note = rdclass, target, note

    def message(self, transport):
        options = []
        if self.ecs:
            addr, prefix = self.ecs.split("/")
            options.append(dns.edns.ECSOption(addr, int(prefix), 0))
        if self.nsid:
            options.append(dns.edns.GenericOption(dns.edns.NSID, b""))
        if self.keepalive:
            options.append(dns.edns.GenericOption(OPT_KEEPALIVE, b""))
        name = dns.name.from_text(self.qname) if isinstance(self.qname, str) else self.qname
        q = dns.message.make_query(name, self.qtype, self.rdclass,
                                   use_edns=0 if self.edns else False, payload=self.payload,
                                   options=options, want_dnssec=self.do)
        # RD is echoed (RFC 1035 4.1.1): clear over UDP, set over TCP unless told.
        rd = self.rd if self.rd is not None else transport == "tcp"
        q.flags = (dns.flags.RD if rd else 0) | (dns.flags.CD if self.cd else 0)
        return q

    def label(self, transport):
        name = self.qname if isinstance(self.qname, str) else self.qname.to_text()
        if len(name) > 48:
            name = name[:20] + "..." + name[-24:]
        extra = []
        if not self.edns:
            extra.append("noedns")
        if self.do:
            extra.append("do")
        if self.ecs:
            extra.append("ecs")
        if self.nsid:
            extra.append("nsid")
        if self.keepalive:
            extra.append("keepalive")
        if self.cd:
            extra.append("cd")
        if self.rdclass != "IN":
            extra.append(self.rdclass)
        return "%s %s/%s%s" % (transport, name, self.qtype,
                               (" [" + ",".join(extra) + "]") if extra else "")


def ask(port, q, transport, timeout=3.0):
    """Send q, return the parsed response with its wire form in .raw."""
    wire = q.to_wire()
    raw = udp_raw(port, wire, timeout) if transport == "udp" else tcp_raw(port, wire, timeout)
    if raw is None:
        raise dns.exception.Timeout("no %s answer from port %d" % (transport, port))
    m = dns.message.from_wire(raw)
    if m.id != q.id:
        raise dns.exception.FormError("answer id %d for query id %d" % (m.id, q.id))
    m.raw = raw
    return m


def canonical(rd):
    """RDATA text in canonical form (RFC 4034 6.2: names inside lower-cased)."""
    wire = rd.to_digestable()
    return dns.rdata.from_wire(rd.rdclass, rd.rdtype, wire, 0, len(wire)).to_text()


def records(section):
    """A section as a set of records: owner (lower case), class, type, TTL, RDATA text."""
    out = set()
    for rrset in section:
        for rd in rrset:
            out.add((rrset.name.to_text().lower(), rrset.rdclass, rrset.rdtype, rrset.ttl,
                     canonical(rd)))
    return out


def options(m, drop=(OPT_EDE,)):
    """The options as (code, data); of a COOKIE the client cookie and the server cookie's
    version and reserved octets only: both servers make RFC 9018 cookies with one secret, but
    each with the second it answers in (the cookies themselves are checked elsewhere)."""
    out = []
    for o in m.options:
        if o.otype in drop:
            continue
        data = o.to_wire() if hasattr(o, "to_wire") else b""
        if o.otype == dns.edns.COOKIE:
            data = data[:12]
        out.append((o.otype, data))
    return sorted(out)


def summary(m):
    """Everything compared, as a dict of comparable values."""
    return {
        "rcode": dns.rcode.to_text(m.rcode()),
        "flags": dns.flags.to_text(m.flags & COMPARED_FLAGS),
        "question": [(q.name.to_text(), q.rdclass, q.rdtype) for q in m.question],
        "answer": records(m.answer),
        "authority": records(m.authority),
        "additional": records(m.additional),
        "edns": m.edns,
        "payload": m.payload if m.edns >= 0 else None,
        "do": bool(m.ednsflags & dns.flags.DO) if m.edns >= 0 else None,
        "options": options(m),
    }


def differences(a, b, keys=None):
    """Names and values of the summary fields that differ."""
    out = []
    for k in keys or a:
        if a[k] != b[k]:
            if isinstance(a[k], set):
                out.append("%s: gslbd only %s, knot only %s" % (k, sorted(a[k] - b[k]),
                                                                 sorted(b[k] - a[k])))
            else:
                out.append("%s: gslbd %r, knot %r" % (k, a[k], b[k]))
    return out


# ---------------------------------------------------------------------------------------------
# Loose checks for the documented differences. Each returns a list of problems.


def loose_cross_zone(case, transport, g, k):
    """gslbd = Knot's answer for the alias, completed by Knot's answer for the target."""
    kt = ask(knot.port, Case(case.target, case.qtype).message(transport), transport)
    want = summary(kt)
    want["answer"] = records(k.answer) | records(kt.answer)
    want["question"] = summary(k)["question"]
    return differences(summary(g), want)


def loose_chain_limit(case, transport, g, k):
    sg, sk = summary(g), summary(k)
    out = differences(sg, sk, ["rcode", "flags", "question", "authority", "additional"])
    cnames = [r for r in sg["answer"] if r[2] == dns.rdatatype.CNAME]
    if len(cnames) != len(sg["answer"]) or len(cnames) != CNAME_CHAIN_MAX:
        out.append("gslbd: want %d CNAMEs and nothing else, got %r" % (CNAME_CHAIN_MAX,
                                                                        sorted(sg["answer"])))
    if not sk["answer"] <= sg["answer"]:
        out.append("knot's shorter chain is not a prefix of gslbd's")
    return out


def loose_glue(case, transport, g, k):
    sg, sk = summary(g), summary(k)
    out = differences(sg, sk, ["rcode", "flags", "question", "answer", "authority"])
    missing = sk["additional"] - sg["additional"]
    if not sg["additional"] <= sk["additional"]:
        out.append("gslbd additional has more: %r" % sorted(sg["additional"] - sk["additional"]))
    if not missing or any(not r[0].endswith(".sub.diff.test.") for r in missing):
        out.append("only glue below the cut sub.diff.test may be left out: %r" % sorted(missing))
    return out


def loose_rcode(*rcodes, aa=False):
    def check(case, transport, g, k):
        out = []
        if g.rcode() not in rcodes:
            out.append("gslbd rcode %s, want one of %s" % (
                dns.rcode.to_text(g.rcode()), [dns.rcode.to_text(r) for r in rcodes]))
        if bool(g.flags & dns.flags.AA) != aa:
            out.append("gslbd AA %s, want %s" % (bool(g.flags & dns.flags.AA), aa))
        if g.answer or g.authority or [r for r in g.additional]:
            out.append("gslbd: sections not empty")
        if summary(g)["question"] != summary(k)["question"]:
            out.append("question differs")
        return out
    return check


def loose_chaos_aa(case, transport, g, k):
    sg, sk = summary(g), summary(k)
    out = differences(sg, sk, ["rcode", "question", "answer", "authority", "additional"])
    if not g.flags & dns.flags.AA or k.flags & dns.flags.AA:
        out.append("want AA from gslbd only")
    return out


def loose_chaos_other(case, transport, g, k):
    out = []
    if g.rcode() != dns.rcode.NOERROR or g.answer or not g.flags & dns.flags.AA:
        out.append("gslbd: want NOERROR, AA, empty answer")
    if k.rcode() != dns.rcode.REFUSED:
        out.append("knot changed: %s" % dns.rcode.to_text(k.rcode()))
    return out


def loose_cd(case, transport, g, k):
    out = differences(summary(g), summary(k))
    if not g.flags & dns.flags.CD:
        out.append("gslbd did not copy CD")
    return out


def loose_keepalive(case, transport, g, k):
    sg, sk = summary(g), summary(k)
    out = differences(sg, sk, [f for f in sg if f != "options"])
    ka = [o for o in g.options if o.otype == OPT_KEEPALIVE]
    want = struct.pack("!H", int(IDLE_TIMEOUT_S * 10))
    if transport == "tcp":
        if len(ka) != 1 or ka[0].to_wire() != want:
            out.append("gslbd keepalive option %r, want TIMEOUT %r" % (
                [o.to_wire() for o in ka], want))
    elif ka:
        out.append("gslbd sent keepalive over UDP (RFC 7828 3.2.1 forbids it)")
    if options(g, (OPT_EDE, OPT_KEEPALIVE)) != sk["options"]:
        out.append("other options differ")
    return out


LOOSE = {
    "cross-zone-chain": loose_cross_zone,
    "cname-chain-limit": loose_chain_limit,
    "glue-as-additional": loose_glue,
    "zone-transfer": loose_rcode(dns.rcode.REFUSED),
    "chaos-aa": loose_chaos_aa,
    "chaos-other-type": loose_chaos_other,
    "qclass-any": loose_rcode(dns.rcode.REFUSED),
    "cd-bit": loose_cd,
    "tcp-keepalive": loose_keepalive,
}


def long_name(prefix_len, suffix):
    """Three 63-octet labels, one of prefix_len octets, then suffix (wire length 4+192+...)."""
    labels = [b"a" * 63] * 3 + [b"b" * prefix_len]
    return dns.name.Name(labels + [x.encode() for x in suffix.rstrip(".").split(".")] + [b""])


def battery():
    C = Case
    cases = [
        # Plain authoritative data, mixed TTLs, 0x20 case, additional processing.
        C("www.diff.test."), C("www.diff.test.", "AAAA"), C("www.diff.test.", "TXT"),
        C("WwW.dIfF.TeSt.", "A", note="0x20"), C("diff.test.", "SOA"), C("diff.test.", "NS"),
        C("diff.test.", "MX"), C("_sip._udp.diff.test.", "SRV"), C("ns1.diff.test.", "AAAA"),
        C("diff.test.", "TXT", do=True), C("www.diff.test.", "RRSIG"),
        C("www.diff.test.", "TYPE65280", note="unknown data type: NODATA (RFC 3597, 8906)"),
        # Zone cuts: referrals with glue, DS on the parent side, nothing served from below.
        C("sub.diff.test."), C("www.sub.diff.test."), C("ns1.sub.diff.test."),
        C("ns2.sub.diff.test.", "AAAA"), C("sub.diff.test.", "NS"), C("sub.diff.test.", "DS"),
        C("www.sub.diff.test.", "DS"), C("sub.diff.test.", "SOA"), C("ext.diff.test."),
        C("ext.diff.test.", "DS"), C("sib.diff.test.", "MX"), C("a.b.sib.diff.test.", "TXT"),
        C("host.subdel.w.diff.test."), C("bigdel.diff.test."), C("x.bigdel.diff.test."),
        C("bigdel.diff.test.", edns=False, note="glue over 512: TC (RFC 9471)"),
        C("mxsub.diff.test.", "MX", diff="glue-as-additional"),
        # The nested child zone: the most specific zone answers, DS at its apex from the parent.
        C("child.diff.test.", "SOA"), C("child.diff.test.", "NS"), C("child.diff.test.", "DS"),
        C("child.diff.test.", "A"), C("www.child.diff.test."), C("www.child.diff.test.", "DS"),
        C("ns1.child.diff.test."), C("ns1.child.diff.test.", "DS"), C("nx.child.diff.test."),
        C("diff.test.", "DS"),
        # CNAME chains.
        C("alias.diff.test."), C("alias.diff.test.", "CNAME"), C("alias.diff.test.", "TXT"),
        C("alias.diff.test.", "MX"), C("a1.diff.test."), C("a1.diff.test.", "AAAA"),
        C("a2.diff.test.", "CNAME"), C("toout.diff.test."), C("tosub.diff.test."),
        C("tosub.diff.test.", "DS"), C("tosubapex.diff.test.", "DS"),
        C("tosubapex.diff.test."), C("dangling.diff.test."), C("loop1.diff.test."),
        C("loop2.diff.test.", "TXT"), C("self.diff.test."), C("tomail.diff.test.", "MX"),
        C("tomail.diff.test.", "AAAA"), C("towild.diff.test.", "TXT"),
        C("towild.diff.test.", "MX"), C("tochildapex.diff.test.", "DS"),
        C("tobig.diff.test.", "TXT", note="alias fits, target does not: TC"),
        C("tochild.diff.test.", diff="cross-zone-chain", target="www.child.diff.test."),
        C("tochildapex.diff.test.", "SOA", diff="cross-zone-chain", target="child.diff.test."),
        C("back.child.diff.test.", diff="cross-zone-chain", target="www.diff.test."),
        C("c1.diff.test.", diff="cname-chain-limit"),
        # Wildcards: RFC 4592 2.2.1 shapes (w. stands for its "example.").
        C("host3.w.diff.test.", "MX"), C("host3.w.diff.test.", "A"),
        C("foo.bar.w.diff.test.", "TXT"), C("host1.w.diff.test.", "MX"),
        C("sub.*.w.diff.test.", "MX"), C("_telnet._tcp.host1.w.diff.test.", "SRV"),
        C("ghost.*.w.diff.test.", "MX"), C("*.w.diff.test.", "TXT"),
        C("_tcp.host1.w.diff.test.", "A"), C("foo._tcp.host1.w.diff.test.", "A"),
        C("_ssh._tcp.host1.w.diff.test.", "SRV"), C("_ssh._tcp.host2.w.diff.test.", "SRV"),
        C("HoSt3.W.diff.test.", "TXT", note="0x20 on a synthesized owner"),
        C("host3.w.diff.test.", "ANY"), C("x.wc.diff.test."), C("x.wc.diff.test.", "CNAME"),
        C("x.wc.diff.test.", "TXT"), C("a.b.wc.diff.test.", "AAAA"),
        C("y.wc2.diff.test.", "TXT"), C("ns.subdel.w.diff.test."),
        C("foo.child.diff.test.", "TXT"), C("foo.child.diff.test."),
        C("a.www.child.diff.test.", "TXT"),
        # Empty non-terminals: NODATA, and they block wildcards above them.
        C("ent.diff.test."), C("b.ent.diff.test.", "TXT"), C("x.ent.diff.test."),
        C("a.b.ent.diff.test."), C("x.d.wild2.diff.test."), C("d.wild2.diff.test."),
        C("wild2.diff.test."), C("x.wild2.diff.test."), C("ent.diff.test.", "ANY"),
        # NXDOMAIN, with the SOA's TTL = min(TTL, MINIMUM) in both zones.
        C("nx.diff.test."), C("a.b.nx.diff.test.", "MX"), C("nx.diff.test.", "ANY"),
        C("NX.Diff.Test.", "AAAA"),
        # DNAME.
        C("www.dn.diff.test."), C("a.b.dn.diff.test."), C("dn.diff.test.", "DNAME"),
        C("dn.diff.test."), C("dn.diff.test.", "CNAME"), C("nope.dn.diff.test."),
        C("www.dn.diff.test.", "DNAME"), C("www.dn.diff.test.", "CNAME"),
        C("WWW.DN.diff.test."), C("x.dnx.diff.test."), C("todn.diff.test."),
        C("todn.diff.test.", "CNAME"), C("todm.diff.test."), C("todm.diff.test.", "TXT"),
        C(long_name(47, "dn.diff.test."), note="DNAME result too long: YXDOMAIN"),
        C(long_name(44, "dn.diff.test.")),
        C("www.dnchild.diff.test.", diff="cross-zone-chain", target="www.child.diff.test."),
        # ANY (RFC 8482: one RRset, with its additional data).
        C("diff.test.", "ANY"), C("www.diff.test.", "ANY"), C("alias.diff.test.", "ANY"),
        C("big.diff.test.", "ANY"),
        # Truncation (RFC 2181 9) and the same over TCP.
        C("big.diff.test.", "TXT"), C("big.diff.test.", "TXT", edns=False),
        C("big.diff.test.", "TXT", payload=4096), C("mid.diff.test.", "TXT", edns=False),
        C("mid.diff.test.", "TXT"), C("manymx.diff.test.", "MX", edns=False),
        C("manymx.diff.test.", "MX"), C("www.diff.test.", payload=100),
        # EDNS options and flags.
        C("www.diff.test.", nsid=True), C("nx.diff.test.", nsid=True),
        C("www.diff.test.", ecs="192.0.2.0/24"), C("nx.diff.test.", ecs="2001:db8::/56"),
        C("www.diff.test.", ecs="0.0.0.0/0"), C("www.diff.test.", "AAAA", do=True),
        C("www.diff.test.", keepalive=True, diff="tcp-keepalive"),
        C("www.diff.test.", cd=True, diff="cd-bit"),
        C("www.diff.test.", rd=True, transports=("udp",)),
        # Service names: ordinary names apart from their A/AAAA (or CNAME) answers.
        C("svc.diff.test."), C("svc.diff.test.", "AAAA"), C("svc.diff.test.", "TXT"),
        C("svc.diff.test.", "MX"), C("svc.diff.test.", "CNAME"), C("svc.diff.test.", "ANY"),
        C("x.svc.diff.test."), C("svc2.diff.test.", "TXT"), C("svc2.diff.test."),
        C("s.svcw.diff.test.", "TXT"), C("t.svcw.diff.test.", "TXT"),
        C("tosvc.diff.test."), C("tosvc.diff.test.", "AAAA"), C("tosvc.diff.test.", "TXT"),
        C("geo.child.diff.test."), C("geo.child.diff.test.", "MX"),
        C("svc.diff.test.", ecs="198.51.100.0/24"),
        C("svccn.diff.test."), C("svccn.diff.test.", "AAAA"), C("svccn.diff.test.", "MX"),
        C("svccn.diff.test.", "TXT"), C("svccn.diff.test.", "CNAME"),
        C("svccn.diff.test.", "ANY"),
        # Outside our zones, other classes and QTYPEs.
        C("example.org."), C("test."), C(".", "NS"), C("diff.test.", "AXFR",
                                                      diff="zone-transfer"),
        C("diff.test.", "IXFR", diff="zone-transfer", transports=("udp",)),
        C("www.diff.test.", "TYPE200", diff="meta-qtype"),
        C("www.diff.test.", "MAILA", diff="meta-qtype"),
        C("www.diff.test.", "TSIG", diff="meta-qtype", transports=("udp",)),
        C("www.diff.test.", "A", rdclass="HS"), C("www.diff.test.", "A", rdclass="CH"),
        C("www.diff.test.", "A", rdclass="ANY", diff="qclass-any"),
        C("version.bind.", "TXT", rdclass="CH", diff="chaos-aa"),
        C("VERSION.bind.", "TXT", rdclass="CH", diff="chaos-aa"),
        C("version.server.", "TXT", rdclass="CH", diff="chaos-aa"),
        C("id.server.", "TXT", rdclass="CH"), C("hostname.bind.", "TXT", rdclass="CH"),
        C("authors.bind.", "TXT", rdclass="CH"),
        C("version.bind.", "A", rdclass="CH", diff="chaos-other-type"),
    ]
    return cases


META_RCODES = {"TYPE200": dns.rcode.NOTIMP, "MAILA": dns.rcode.NOTIMP,
               "TSIG": dns.rcode.NOTIMP, "OPT": dns.rcode.FORMERR}


def run_battery():
    used = set()
    for case in battery():
        for transport in case.transports:
            name = case.label(transport)
            q = case.message(transport)
            try:
                g = ask(srv.port, q, transport)
                k = ask(knot.port, q, transport)
            except (dns.exception.DNSException, OSError) as e:
                r.check(name, False, "(no answer: %r)" % e)
                continue
            if case.diff == "meta-qtype":
                problems = loose_rcode(META_RCODES[case.qtype])(case, transport, g, k)
            elif case.diff is not None:
                problems = LOOSE[case.diff](case, transport, g, k)
            else:
                problems = differences(summary(g), summary(k))
            if case.diff is not None:
                used.add(case.diff)
                name += " ~" + case.diff
            r.check(name, not problems, "\n    " + "\n    ".join(problems))
            check_echo_and_size(name, case, q, g, k)
    return used


def check_echo_and_size(name, case, q, g, k):
    """The question comes back byte for byte (0x20 case kept), the QNAME's records keep the
    client's case, and compression keeps gslbd's message no larger than Knot's."""
    qlen = len(q.question[0].name.to_wire()) + 4
    if g.question and q.to_wire()[12:12 + qlen] != g.raw[12:12 + qlen]:
        r.check(name + ": question echoed byte for byte", False)
    for rrset in g.answer[:1]:
        if rrset.name == q.question[0].name and rrset.name.to_text() != \
                q.question[0].name.to_text():
            r.check(name + ": answer owner keeps the QNAME's case", False,
                    "(%s)" % rrset.name.to_text())
    if case.diff is None and not differences(summary(g), summary(k)):
        gl, kl = len(g.to_wire()), len(k.to_wire())
        if gl > kl:
            r.check(name + ": compressed no worse than knot", False, "(%d > %d)" % (gl, kl))


# ---------------------------------------------------------------------------------------------
# Raw packets: EDNS errors, header rules, malformed input.


def udp_raw(port, wire, timeout=1.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        s.sendto(wire, ("127.0.0.1", port))
        return s.recv(65535)
    except socket.timeout:
        return None
    finally:
        s.close()


def tcp_raw(port, wire, timeout=2.0):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(struct.pack("!H", len(wire)) + wire)
        return read_tcp_message(s)
    finally:
        s.close()


def read_exact(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def read_tcp_message(s):
    try:
        pfx = read_exact(s, 2)
        if pfx is None:
            return None
        return read_exact(s, struct.unpack("!H", pfx)[0])
    except (socket.timeout, ConnectionError):
        return None


def header(ident=0x1234, flags=0, qd=1, an=0, ns=0, ar=0):
    return struct.pack("!HHHHHH", ident, flags, qd, an, ns, ar)


QNAME = b"\x03www\x04diff\x04test\x00"
Q_A = QNAME + b"\x00\x01\x00\x01"
OPT = b"\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00"


def opt_rr(version=0, flags=0, rdata=b"", owner=b"\x00", payload=1232):
    return owner + struct.pack("!HHBBHH", 41, payload, 0, version, flags, len(rdata)) + rdata


def ecs_option(family, source, scope, address):
    """An ECS option (RFC 7871 6) with these fields, valid or not."""
    data = struct.pack("!HBB", family, source, scope) + address
    return struct.pack("!HH", 8, len(data)) + data


def rcode_of(wire):
    """(rcode including the extended bits, parsed message) of a response."""
    m = dns.message.from_wire(wire)
    return m.rcode(), m


def raw_same():
    """Well-formed but unusual queries whose answers must equal Knot's."""
    cases = [
        ("edns version 1: BADVERS with OPT", header(ar=1) + Q_A + opt_rr(version=1)),
        ("edns version 1 for a missing name: still BADVERS",
         header(ar=1) + b"\x02nx\x04diff\x04test\x00\x00\x01\x00\x01" + opt_rr(version=1)),
        ("unknown edns option ignored",
         header(ar=1) + Q_A + opt_rr(rdata=b"\xfd\xe9\x00\x04abcd")),
        ("unknown edns flags ignored and not echoed", header(ar=1) + Q_A + opt_rr(flags=0x7fff)),
        ("DO bit echoed", header(ar=1) + Q_A + opt_rr(flags=0x8000)),
        ("payload below 512 treated as 512", header(ar=1) + Q_A + opt_rr(payload=16)),
        ("ECS with unknown family: FORMERR with OPT",
         header(ar=1) + Q_A + opt_rr(rdata=ecs_option(7, 24, 0, b"\x01\x02\x03"))),
        ("ECS with too few address octets: FORMERR with OPT",
         header(ar=1) + Q_A + opt_rr(rdata=ecs_option(1, 24, 0, b"\x01\x02"))),
        ("ECS source prefix 33: FORMERR with OPT",
         header(ar=1) + Q_A + opt_rr(rdata=ecs_option(1, 33, 0, b"\x01\x02\x03\x04\x00"))),
        ("ARCOUNT without the record: FORMERR", header(ar=1) + Q_A),
        ("trailing garbage after the question: FORMERR", header() + Q_A + b"\xde\xad\xbe\xef"),
        ("QDCOUNT 0: FORMERR", header(qd=0)),
        ("QDCOUNT 0 with OPT: FORMERR with OPT", header(qd=0, ar=1) + OPT),
        ("QDCOUNT 0 with OPT version 1: BADVERS", header(qd=0, ar=1) + opt_rr(version=1)),
        ("COOKIE option of 12 octets: FORMERR with OPT",
         header(ar=1) + Q_A + opt_rr(rdata=b"\x00\x0a\x00\x0c" + b"\x03" * 12)),
        ("opcode IQUERY: NOTIMP", header(flags=1 << 11) + Q_A),
        ("opcode STATUS: NOTIMP", header(flags=2 << 11) + Q_A),
        ("QR=1 is dropped", header(flags=0x8000) + Q_A),
        ("packet shorter than a header is dropped", b"\x12\x34\x00\x00\x00"),
        ("TC, AA, Z and RCODE bits of a query are ignored",
         header(flags=0x0200 | 0x0400 | 0x0040 | 0x0003) + Q_A),
        ("name of exactly 255 octets",
         header() + (b"\x3f" + b"a" * 63) * 3 + b"\x2f" + b"a" * 47 + QNAME[4:] +
         b"\x00\x01\x00\x01"),
    ]
    for name, wire in cases:
        for transport in ("udp", "tcp"):
            if transport == "tcp" and wire[2] & 0x80:
                continue
            if transport == "tcp" and len(wire) < 12:
                continue
            send = udp_raw if transport == "udp" else tcp_raw
            g, k = send(srv.port, wire), send(knot.port, wire)
            label = "raw %s: %s" % (transport, name)
            if g is None or k is None:
                r.check(label, g is None and k is None,
                        "(gslbd %s, knot %s)" % ("silent" if g is None else "answered",
                                                 "silent" if k is None else "answered"))
                continue
            sg, sk = summary(dns.message.from_wire(g)), summary(dns.message.from_wire(k))
            problems = differences(sg, sk)
            r.check(label, not problems, "; ".join(problems))


def raw_different():
    """Documented differences sent as raw packets: gslbd's side is checked exactly."""
    notify = header(flags=4 << 11) + b"\x04diff\x04test\x00\x00\x06\x00\x01"
    update = header(flags=5 << 11) + b"\x04diff\x04test\x00\x00\x06\x00\x01"
    for label, wire in (("NOTIFY", notify), ("UPDATE", update)):
        g = udp_raw(srv.port, wire)
        rc = rcode_of(g)[0] if g else None
        r.equal("raw udp: opcode %s: NOTIMP ~notify-update" % label, rc, dns.rcode.NOTIMP)
    wire = header(ar=1) + Q_A + opt_rr(owner=b"\xc0\x0c")
    g = udp_raw(srv.port, wire)
    r.equal("raw udp: OPT owner not root: FORMERR ~opt-owner",
            rcode_of(g)[0] if g else None, dns.rcode.FORMERR)
    r.check("raw udp: OPT owner not root: the FORMERR has an OPT ~opt-owner",
            g is not None and formerr_opt_problems(g) == [],
            "; ".join(formerr_opt_problems(g)) if g else "(silent)")
    opt_faults = [
        ("two OPT RRs", header(ar=2) + Q_A + OPT + OPT),
        ("OPT in the answer section", header(an=1) + Q_A + OPT),
        ("OPT in the authority section", header(ns=1) + Q_A + OPT),
        ("OPT option running past RDATA",
         header(ar=1) + Q_A + opt_rr(rdata=b"\xfd\xe9\x00\x09abcd")),
        ("OPT RDLENGTH past the packet", header(ar=1) + Q_A + OPT[:-2] + b"\x00\x10"),
    ]
    for name, wire in opt_faults:
        for transport in ("udp", "tcp"):
            send = udp_raw if transport == "udp" else tcp_raw
            g, k = send(srv.port, wire), send(knot.port, wire)
            label = "raw %s: %s: FORMERR with OPT ~formerr-opt" % (transport, name)
            if g is None:
                r.check(label, False, "(gslbd silent)")
                continue
            problems = formerr_opt_problems(g)
            if k is not None:
                # Everything else as Knot's answer: RCODE, flags, question, no records.
                sg, sk = summary(dns.message.from_wire(g)), summary(dns.message.from_wire(k))
                problems += differences(sg, sk, ["rcode", "flags", "question", "answer",
                                                 "authority", "additional"])
            r.check(label, not problems, "; ".join(problems))


def cookie_differences():
    """RFC 7873 5.4 and 5.2.3 as each server answers them, and RFC 9018 between them."""
    client = b"\x01" * 8
    wire = header(qd=0, ar=1) + opt_rr(rdata=b"\x00\x0a\x00\x08" + client)
    for transport in ("udp", "tcp"):
        send = udp_raw if transport == "udp" else tcp_raw
        g, k = send(srv.port, wire), send(knot.port, wire)
        mg = dns.message.from_wire(g) if g else None
        c = harness.cookie_of(mg) if mg else None
        r.check("raw %s: COOKIE-only query: NOERROR, no question, our cookie ~cookie-only-query"
                % transport, mg is not None and mg.rcode() == dns.rcode.NOERROR and
                not mg.question and c is not None and len(c) == 24 and c[:9] == client + b"\x01",
                repr(mg))
        r.equal("raw %s: COOKIE-only query: Knot FORMERR ~cookie-only-query" % transport,
                rcode_of(k)[0] if k else None, dns.rcode.FORMERR)
    client = b"\x02" * 8
    q = dns.message.make_query("www.diff.test.", "A", use_edns=0, options=[
        dns.edns.GenericOption(dns.edns.COOKIE, client)])
    q.flags &= ~dns.flags.RD
    g = dns.query.udp(q, "127.0.0.1", port=srv.port, timeout=2)
    k = dns.query.udp(q, "127.0.0.1", port=knot.port, timeout=2)
    gc, kc = harness.cookie_of(g), harness.cookie_of(k)
    r.check("client cookie alone: gslbd answers with a new cookie ~cookie-badcookie",
            g.rcode() == dns.rcode.NOERROR and len(g.answer) == 1 and gc is not None and
            gc[:8] == client, repr(g))
    r.check("client cookie alone: Knot BADCOOKIE with a new cookie ~cookie-badcookie",
            k.rcode() == dns.rcode.BADCOOKIE and kc is not None and kc[:8] == client, repr(k))
    # Each server's cookie is valid at the other: gslbd sends Knot's back as it is (fresh
    # and valid), and Knot answers gslbd's instead of BADCOOKIE.
    for name, cookie, port in (("Knot's cookie at gslbd", kc, srv.port),
                               ("gslbd's cookie at Knot", gc, knot.port)):
        q2 = dns.message.make_query("www.diff.test.", "A", use_edns=0, options=[
            dns.edns.GenericOption(dns.edns.COOKIE, cookie or client)])
        q2.flags &= ~dns.flags.RD
        m = dns.query.udp(q2, "127.0.0.1", port=port, timeout=2)
        r.check("%s: valid, answered ~cookie-badcookie" % name,
                m.rcode() == dns.rcode.NOERROR and len(m.answer) == 1 and
                (port == knot.port or harness.cookie_of(m) == cookie), repr(m))


def formerr_opt_problems(wire):
    """How a response falls short of RFC 6891 7's FORMERR: the RCODE, and an OPT record
    with our payload size, version 0 and no options (a bad option is not echoed)."""
    m = dns.message.from_wire(wire)
    out = []
    if m.rcode() != dns.rcode.FORMERR:
        out.append("rcode %s" % dns.rcode.to_text(m.rcode()))
    if m.edns != 0:
        out.append("edns %r, want an OPT of version 0" % m.edns)
    elif m.payload != EDNS_PAYLOAD or m.options:
        out.append("OPT payload %r options %r" % (m.payload, m.options))
    return out
    g = udp_raw(srv.port, header() + QNAME + b"\x00\x29\x00\x01")
    r.equal("raw udp: QTYPE OPT: FORMERR ~meta-qtype", rcode_of(g)[0] if g else None,
            dns.rcode.FORMERR)


MALFORMED = [
    ("header only, QDCOUNT 1", header()),
    ("QDCOUNT 2", header(qd=2) + Q_A + Q_A),
    ("name runs past the end", header() + b"\x03www\x04diff\x10test"),
    ("no QTYPE/QCLASS", header() + QNAME),
    ("half a QTYPE", header() + QNAME + b"\x00\x01\x00"),
    ("compression pointer loop in the question", header() + b"\xc0\x0c\x00\x01\x00\x01"),
    ("forward compression pointer", header() + b"\x03www\xc0\x14\x00\x01\x00\x01" + QNAME[4:]),
    ("compressed QNAME", header() + b"\x03www\xc0\x0c\x00\x01\x00\x01"),
    ("label of 64 octets", header() + b"\x40" + b"a" * 64 + QNAME[4:] + b"\x00\x01\x00\x01"),
    ("name of 256 octets",
     header() + (b"\x3f" + b"a" * 63) * 3 + b"\x3d" + b"a" * 61 + QNAME[4:] +
     b"\x00\x01\x00\x01"),
    ("extended label type 0x41", header() + b"\x41\x00" + QNAME + b"\x00\x01\x00\x01"),
    ("pointer loop in an additional record",
     header(ar=1) + Q_A + b"\xc0\x1f" + b"\x00\x01\x00\x01\x00\x00\x00\x00\x00\x00"),
    ("additional record name past the end", header(ar=1) + Q_A + b"\x05ab"),
    ("additional record RDLENGTH past the end",
     header(ar=1) + Q_A + b"\x00\x00\x01\x00\x01\x00\x00\x00\x00\x00\x40\x01"),
    ("ECS with bits past the source prefix",
     header(ar=1) + Q_A + opt_rr(rdata=b"\x00\x08\x00\x07\x00\x01\x17\x00\x01\x02\x03")),
    ("ECS with unknown family",
     header(ar=1) + Q_A + opt_rr(rdata=b"\x00\x08\x00\x07\x00\x07\x18\x00\x01\x02\x03")),
    ("ECS with a non-zero scope in the query",
     header(ar=1) + Q_A + opt_rr(rdata=ecs_option(1, 24, 24, b"\x01\x02\x03"))),
    ("truncated OPT fixed part", header(ar=1) + Q_A + OPT[:7]),
    ("answer count without records", header(an=3) + Q_A),
    ("65535 in every count", header(qd=1, an=65535, ns=65535, ar=65535) + Q_A),
    ("all zero octets", bytes(64)),
    ("all 0xff but QR and opcode", b"\x12\x34\x01" + b"\xff" * 61),
]


def malformed():
    """gslbd answers FORMERR (or nothing) and keeps serving; Knot's reaction is noted only."""
    ok_query = dns.message.make_query("www.diff.test.", "A")
    for name, wire in MALFORMED:
        for transport in ("udp", "tcp"):
            try:
                g = udp_raw(srv.port, wire) if transport == "udp" else tcp_raw(srv.port, wire)
            except OSError as e:
                r.check("malformed %s: %s" % (transport, name), False, "(%r)" % e)
                continue
            label = "malformed %s: %s ~malformed" % (transport, name)
            if g is None:
                r.check(label + " (silent)", True)
            else:
                ident_ok = len(g) >= 12 and g[:2] == wire[:2] and g[2] & 0x80
                rc = g[3] & 0x0F if len(g) >= 12 else None
                r.check(label + " (FORMERR)", ident_ok and rc == dns.rcode.FORMERR,
                        "(got %s)" % g[:16].hex())
            m = ask(srv.port, ok_query, transport)
            if m.rcode() != dns.rcode.NOERROR or not m.answer:
                r.check("malformed %s: %s: still serving" % (transport, name), False)
    m = ask(srv.port, ok_query, "udp")
    r.check("malformed: gslbd still answers after every case", m.rcode() == dns.rcode.NOERROR
            and len(m.answer) == 1, str(m))


# ---------------------------------------------------------------------------------------------
# TCP (RFC 7766, 7828): pipelining, split messages, idle timeout, connection cap.


def tcp_behaviour():
    names = [("www.diff.test.", "A"), ("nx.diff.test.", "A"), ("big.diff.test.", "TXT"),
             ("www.sub.diff.test.", "A"), ("alias.diff.test.", "A"), ("svc.diff.test.", "A")]
    for port, who in ((srv.port, "gslbd"), (knot.port, "knot")):
        s = socket.create_connection(("127.0.0.1", port), timeout=3)
        buf = b""
        for i, (n, t) in enumerate(names):
            w = dns.message.make_query(n, t, id=1000 + i).to_wire()
            buf += struct.pack("!H", len(w)) + w
        s.sendall(buf)  # all queries in one segment: RFC 7766 6.2.1.1 pipelining
        got = {}
        for _ in names:
            w = read_tcp_message(s)
            if w is None:
                break
            m = dns.message.from_wire(w)
            got[m.id] = m
        r.equal("tcp %s: %d pipelined queries answered" % (who, len(names)), sorted(got),
                list(range(1000, 1000 + len(names))))
        if who == "gslbd" and len(got) == len(names):
            for i, (n, t) in enumerate(names):
                u = dns.message.make_query(n, t)
                want = summary(ask(knot.port, u, "tcp"))
                problems = differences(summary(got[1000 + i]), want)
                r.check("tcp gslbd: pipelined answer %s/%s equals knot's" % (n, t), not problems,
                        "; ".join(problems))
        s.close()

    # A message split over several segments, and two messages sharing one.
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=3)
    w1 = dns.message.make_query("www.diff.test.", "A", id=7).to_wire()
    w2 = dns.message.make_query("mx1.diff.test.", "A", id=8).to_wire()
    stream = struct.pack("!H", len(w1)) + w1 + struct.pack("!H", len(w2)) + w2
    for i in range(0, len(stream), 5):
        s.sendall(stream[i:i + 5])
        time.sleep(0.01)
    ids = []
    for _ in range(2):
        w = read_tcp_message(s)
        ids.append(dns.message.from_wire(w).id if w else None)
    r.equal("tcp gslbd: messages split across segments", sorted(ids, key=str), [7, 8])
    s.close()

    # Idle timeout: a connection with nothing to say is closed after about 2 s (RFC 7766 6.2.3).
    for port, who in ((srv.port, "gslbd"), (knot.port, "knot")):
        s = socket.create_connection(("127.0.0.1", port), timeout=IDLE_TIMEOUT_S * 4)
        t0 = time.time()
        try:
            data = s.recv(1)
        except (socket.timeout, ConnectionError):
            data = None
        took = time.time() - t0
        r.check("tcp %s: idle connection closed after the idle timeout" % who,
                data == b"" and IDLE_TIMEOUT_S * 0.5 <= took <= IDLE_TIMEOUT_S * 3,
                "(data %r after %.2f s)" % (data, took))
        s.close()

    # A query resets the idle timer: a connection in use outlives the timeout.
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=3)
    alive = True
    for i in range(4):
        w = dns.message.make_query("www.diff.test.", "A", id=50 + i).to_wire()
        s.sendall(struct.pack("!H", len(w)) + w)
        alive = alive and read_tcp_message(s) is not None
        time.sleep(IDLE_TIMEOUT_S * 0.4)
    r.check("tcp gslbd: queries keep a connection open past the idle timeout", alive)
    s.close()

    # Connection cap: tcp_max_connections open at once; the next is closed unanswered.
    # The server sees the closes above asynchronously: let it catch up first.
    time.sleep(0.3)
    conns = []
    try:
        for i in range(TCP_MAX_CONNECTIONS):
            c = socket.create_connection(("127.0.0.1", srv.port), timeout=3)
            w = dns.message.make_query("www.diff.test.", "A", id=i).to_wire()
            c.sendall(struct.pack("!H", len(w)) + w)
            if read_tcp_message(c) is None:
                break
            conns.append(c)
        r.equal("tcp gslbd: %d connections served at once" % TCP_MAX_CONNECTIONS, len(conns),
                TCP_MAX_CONNECTIONS)
        extra = socket.create_connection(("127.0.0.1", srv.port), timeout=3)
        w = dns.message.make_query("www.diff.test.", "A", id=999).to_wire()
        try:
            extra.sendall(struct.pack("!H", len(w)) + w)
            over = read_tcp_message(extra)
        except OSError:
            over = None
        extra.close()
        r.check("tcp gslbd: a connection over the cap is closed unanswered", over is None)
        conns.pop().close()
        answered = None
        for _ in range(20):  # the server sees the close a moment later
            time.sleep(0.05)
            try:
                answered = tcp_raw(srv.port, w)
            except OSError:
                answered = None
            if answered is not None:
                break
        r.check("tcp gslbd: a slot freed by a close is usable again", answered is not None)
    finally:
        for c in conns:
            c.close()
    m = ask(srv.port, dns.message.make_query("www.diff.test.", "A"), "udp")
    r.equal("udp gslbd: served while TCP was full and after", m.rcode(), dns.rcode.NOERROR)


def truncation_whole_over_tcp():
    """The TC answer over UDP and the whole RRset over TCP, explicitly."""
    q = dns.message.make_query("big.diff.test.", "TXT", use_edns=0, payload=1232)
    u = ask(srv.port, q, "udp")
    t = ask(srv.port, q, "tcp")
    r.check("truncation: UDP answer has TC and no partial RRset",
            bool(u.flags & dns.flags.TC) and not u.answer, str(u.flags))
    r.equal("truncation: TCP answer has all 24 records",
            sum(len(x) for x in t.answer), 24)
    r.check("truncation: TCP answer has no TC", not t.flags & dns.flags.TC)
    r.equal("edns: default payload size advertised", u.payload, EDNS_PAYLOAD)
    q = dns.message.make_query("www.diff.test.", "A", use_edns=False)
    m = ask(srv.port, q, "udp")
    r.equal("edns: no OPT in the answer to a query without one", m.edns, -1)


srv = knot = None
work = harness.WorkDir("knot-diff")
r = harness.Results()


def signed_battery():
    """DO queries for the signed zone: equal but for signature bytes, times and denial."""
    used = set()
    for name, qtype, what in signed.queries():
        case = Case(name, qtype, do=True, diff=None if what == "same" else "dnssec-denial")
        for transport in case.transports:
            label = case.label(transport)
            q = case.message(transport)
            try:
                g = ask(srv.port, q, transport)
                k = ask(knot.port, q, transport)
            except (dns.exception.DNSException, OSError) as e:
                r.check(label, False, "(no answer: %r)" % e)
                continue
            if case.diff is not None:
                used.add(case.diff)
                label += " ~" + case.diff
            raw = summary(g)
            gs, ks = signed.normalise(raw, what), signed.normalise(summary(k), what)
            problems = differences(gs, ks)
            # Whatever is left out of the comparison, gslbd must have signed something.
            has_sig = any(rec[2] == dns.rdatatype.RRSIG for sec in ("answer", "authority")
                          for rec in raw[sec])
            if not has_sig:
                problems.append("gslbd sent no RRSIG")
            r.check("signed " + label, not problems, "\n    " + "\n    ".join(problems))
    return used


def main():
    global srv, knot
    keys = signed.make_keys(work)
    kport = harness.free_port()
    knot = Knot(work, kport, keys)
    port = harness.free_port()
    key = work.write("cookie.key", COOKIE_SECRET + "\n")
    os.chmod(key, 0o600)
    with open(os.path.join(HERE, "gslbd.yaml.in")) as f:
        conf = (f.read().replace("@PORT@", str(port)).replace("@SRCDIR@", HERE)
                .replace("@WORK@", work.path)
                .replace("@SIGNED_ZONE@\n", signed.gslbd_zone(work, HERE, keys)))
    srv = harness.Server(work.write("gslbd.yaml", conf), port, work.file("gslbd.log"))
    used = set()
    r.run("battery", lambda: used.update(run_battery()))
    r.run("signed zone", lambda: used.update(signed_battery()))
    r.run("raw packets", raw_same)
    r.run("raw packets with documented differences", raw_different)
    r.run("cookies", cookie_differences)
    r.run("malformed packets", malformed)
    r.run("truncation", truncation_whole_over_tcp)
    r.run("tcp", tcp_behaviour)
    used |= {"notify-update", "opt-owner", "formerr-opt", "meta-qtype", "malformed",
             "extended-error", "cookie-only-query", "cookie-badcookie"}
    r.equal("every documented difference is exercised", sorted(set(DIFFERENCES) - used), [])
    log = srv.read_log()
    r.check("gslbd log has no sanitizer report", "Sanitizer" not in log and
            "runtime error" not in log, log[-2000:])
    srv.stop()
    knot.stop()
    r.finish()


if __name__ == "__main__":
    main()
