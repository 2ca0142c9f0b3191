#!/usr/bin/python3
"""Write the fuzz targets' seed corpora into DIR/{query,zone,conf}: DNS queries in the shapes
the query tests send (plain, EDNS, DO, NSID, ECS right and wrong, cookies, odd classes and
opcodes, names of the fixture in fuzz/query.c), and the zone and configuration files of the
tests and the example (zones/, tests/integration/*/)."""
import glob
import os
import shutil
import sys

import dns.edns
import dns.flags
import dns.message
import dns.opcode
import dns.rdataclass
import dns.rdatatype


def queries():
    names = ["p.test.", "www.p.test.", "cn.p.test.", "loop1.p.test.", "out.p.test.",
             "www.sub.p.test.", "tosub.p.test.", "c.p.test.", "www.c.p.test.", "toc.p.test.",
             "x.dm.p.test.", "www.dm.p.test.", "todm.p.test.", "www.dn.p.test.",
             "a.b.wild.p.test.", "long.p.test.", "big.p.test.", "_sip._udp.p.test.",
             "svc.p.test.", "alias.p.test.", "netmap.p.test.", "weighted.p.test.",
             "geo.p.test.", "near.p.test.", "nx.p.test.", "other.test.", "."]
    types = ["A", "AAAA", "ANY", "TXT", "MX", "NS", "SOA", "DS", "CNAME", "SRV", "CAA", "PTR",
             "AXFR", "DNAME"]
    out = []
    for i, name in enumerate(names):
        qtype = types[i % len(types)]
        out.append(dns.message.make_query(name, qtype, use_edns=False))
        out.append(dns.message.make_query(name, "A" if i % 2 else "AAAA", use_edns=0,
                                          payload=512 + 97 * i, want_dnssec=i % 3 == 0))
    ecs = [("81.2.3.4", 24, 0), ("2a00:1450::1", 56, 0), ("24.1.2.3", 32, 0),
           ("0.0.0.0", 0, 0), ("10.0.0.0", 8, 4), ("2001:db8::", 128, 0)]
    for addr, bits, scope in ecs:
        for name in ["geo.p.test.", "near.p.test.", "netmap.p.test.", "www.p.test."]:
            opt = dns.edns.ECSOption(addr, bits, scope)
            out.append(dns.message.make_query(name, "A", use_edns=0, options=[opt],
                                              payload=1232))
    nsid = dns.edns.GenericOption(dns.edns.NSID, b"")
    cookie = dns.edns.GenericOption(dns.edns.COOKIE, b"\x01\x02\x03\x04\x05\x06\x07\x08")
    keepalive = dns.edns.GenericOption(11, b"")
    out.append(dns.message.make_query("big.p.test.", "ANY", use_edns=0,
                                      options=[nsid, cookie, keepalive], payload=4096))
    out.append(dns.message.make_query("www.p.test.", "A", use_edns=1))
    q = dns.message.make_query("version.bind.", "TXT", rdclass=dns.rdataclass.CH)
    out.append(q)
    q = dns.message.make_query("www.p.test.", "A")
    q.set_opcode(dns.opcode.NOTIFY)
    out.append(q)
    q = dns.message.make_query("www.p.test.", "A")
    q.flags |= dns.flags.QR
    out.append(q)
    wires = [m.to_wire() for m in out]
    wires.append(b"\x12\x34\x00\x00\x00")           # shorter than a header
    wires.append(b"\x12\x34\x01\x00" + b"\x00" * 8)  # no question
    # A compression loop in the question.
    wires.append(b"\x5a\x5a\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\xc0\x0c\x00\x01\x00\x01")
    # Two OPT records (FORMERR): once made ldns, which the harness then used, leak.
    opt = b"\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00"
    wires.append(b"\x5a\x5b\x01\x00\x00\x01\x00\x00\x00\x00\x00\x02\x03www\x01p\x04test\x00"
                 b"\x00\x01\x00\x01" + opt + opt)
    # Cookies: a query for a server cookie alone (QDCOUNT 0, RFC 7873 5.4), a client and
    # server cookie, and a malformed 12-octet one.
    wires.append(b"\x5a\x5c\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x29\x04\xd0"
                 b"\x00\x00\x00\x00\x00\x0c\x00\x0a\x00\x08" + b"\x01" * 8)
    for data in (b"\x02" * 8 + b"\x01\x00\x00\x00" + b"\x00" * 12, b"\x03" * 12):
        out2 = dns.message.make_query("www.p.test.", "A", use_edns=0, options=[
            dns.edns.GenericOption(dns.edns.COOKIE, data)])
        wires.append(out2.to_wire())
    return wires


def main():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    top = sys.argv[1]
    for sub in ("query", "zone", "conf"):
        os.makedirs(os.path.join(top, sub), exist_ok=True)
    for i, w in enumerate(queries()):
        with open(os.path.join(top, "query", "q%03d" % i), "wb") as f:
            f.write(w)
    pats = {"zone": ["zones/*.zone", "tests/integration/*/*.zone", "tests/integration/*/*.zone.in"],
            "conf": ["zones/*.yaml", "tests/integration/*/*.yaml.in"]}
    for sub, globs in pats.items():
        for pat in globs:
            for path in sorted(glob.glob(os.path.join(root, pat))):
                rel = os.path.relpath(path, root).replace("/", "_")
                shutil.copyfile(path, os.path.join(top, sub, rel))


if __name__ == "__main__":
    main()
