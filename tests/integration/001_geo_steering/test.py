"""Geo steering end to end: ECS and source-address steering, TTL, AA, ECS scope, plain authority."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness  # noqa: E402
from harness import ecs_scope, rrset_addresses  # noqa: E402

import dns.flags  # noqa: E402
import dns.rcode  # noqa: E402
import dns.rdatatype  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
US = ["192.0.2.10", "192.0.2.11"]
EU = ["198.51.100.10", "198.51.100.11"]
AP = ["203.0.113.10", "203.0.113.11"]

work = harness.WorkDir("geo-steering")
mmdb = harness.make_mmdb(os.path.join(HERE, "geo.spec"), work.file("geo.mmdb"))
port = harness.free_port()
with open(os.path.join(HERE, "gslbd.yaml.in")) as f:
    conf = f.read().replace("@PORT@", str(port)).replace("@MMDB@", mmdb).replace("@SRCDIR@", HERE)
config = work.write("gslbd.yaml", conf)
srv = harness.Server(config, port, work.file("gslbd.log"))
r = harness.Results()


def steering():
    cases = [
        # name, ECS, expected addresses, expected scope (the database network's prefix)
        ("europe", "2.17.0.0/24", EU, 13),
        ("north-america", "24.1.2.0/24", US, 12),
        ("asia", "1.0.17.0/24", AP, 20),
        ("country-over-continent", "5.0.1.0/24", ["198.51.100.10", "198.51.100.11"], 16),
        ("subdivision-over-country", "8.8.8.0/24", AP, 24),
        ("nets-override", "81.2.3.0/24", US, 24),
        # 81.2.4.0 and the nets entry 81.2.3.0/24 share 21 bits, so the decision is constant on /22.
        ("nets-inside-geo-network-narrows-scope", "81.2.4.0/24", EU, 22),
        ("ipv6-europe", "2a00:1450:4001::/48", EU, 32),
        ("ipv6-north-america", "2600:1f00:1::/48", US, 24),
    ]
    for name, ecs, want, scope in cases:
        m = srv.query("www.gslb.test.", "A", ecs=ecs)
        r.equal("%s: rcode" % name, m.rcode(), dns.rcode.NOERROR)
        r.equal("%s: addresses" % name, rrset_addresses(m), sorted(want))
        r.equal("%s: TTL 30" % name, m.answer[0].ttl if m.answer else None, 30)
        r.check("%s: AA set" % name, m.flags & dns.flags.AA)
        r.equal("%s: ECS scope" % name, ecs_scope(m), scope)


def source_address_and_aaaa():
    m = srv.query("www.gslb.test.", "A")
    r.equal("no-ecs: loopback client gets the default", rrset_addresses(m), US)
    r.equal("no-ecs: no ECS option in the reply", ecs_scope(m), None)
    m = srv.query("www.gslb.test.", "AAAA", ecs="2.17.0.0/24")
    r.equal("aaaa: eu-west IPv6", rrset_addresses(m, "AAAA"), ["2001:db8:20::10"])
    m = srv.query("WwW.GsLb.TeSt.", "A", ecs="2.17.0.0/24")
    r.equal("0x20: question case kept", str(m.question[0].name), "WwW.GsLb.TeSt.")
    r.equal("0x20: answer owner case kept", str(m.answer[0].name), "WwW.GsLb.TeSt.")
    m = srv.query("www.gslb.test.", "TXT", ecs="2.17.0.0/24")
    r.equal("service name: other types are static data", m.answer[0][0].strings, (b"steered",))
    m = srv.query("www.gslb.test.", "MX")
    r.equal("service name: NODATA rcode", m.rcode(), dns.rcode.NOERROR)
    r.equal("service name: NODATA empty answer", len(m.answer), 0)
    r.equal("service name: NODATA SOA", m.authority[0].rdtype if m.authority else None,
            dns.rdatatype.SOA)


def nearest():
    m = srv.query("near.gslb.test.", "A", ecs="41.0.5.0/24")
    # Johannesburg: eu-west (Dublin) is nearer than us-east and Singapore is nearer still?
    # Johannesburg-Singapore ~8,660 km, Johannesburg-Dublin ~9,700 km.
    r.check("nearest: johannesburg -> ap-southeast", rrset_addresses(m)[0] in AP,
            rrset_addresses(m))
    r.equal("nearest: TTL 20", m.answer[0].ttl, 20)
    r.equal("nearest: scope is the geo network", ecs_scope(m), 16)
    m = srv.query("near.gslb.test.", "A", ecs="24.1.0.0/24")
    r.check("nearest: new york -> us-east", rrset_addresses(m)[0] in US, rrset_addresses(m))


def authority():
    m = srv.query("gslb.test.", "SOA")
    r.equal("soa: answer", m.answer[0].rdtype, dns.rdatatype.SOA)
    r.check("soa: AA", m.flags & dns.flags.AA)
    m = srv.query("gslb.test.", "NS")
    r.equal("ns: two records", len(m.answer[0]), 2)
    glue = sorted((str(x.name), x.rdtype) for x in m.additional)
    r.equal("ns: in-zone addresses in additional", glue,
            [("ns1.gslb.test.", dns.rdatatype.A), ("ns2.gslb.test.", dns.rdatatype.AAAA)])
    m = srv.query("nope.gslb.test.", "A")
    r.equal("nxdomain: rcode", m.rcode(), dns.rcode.NXDOMAIN)
    r.check("nxdomain: AA", m.flags & dns.flags.AA)
    r.equal("nxdomain: SOA TTL = min(TTL, MINIMUM)", m.authority[0].ttl, 300)
    m = srv.query("mail.gslb.test.", "AAAA")
    r.equal("nodata: rcode", m.rcode(), dns.rcode.NOERROR)
    r.equal("nodata: no answer", len(m.answer), 0)
    m = srv.query("example.org.", "A")
    r.equal("refused: out-of-zone name", m.rcode(), dns.rcode.REFUSED)
    r.check("refused: AA clear", not (m.flags & dns.flags.AA))
    m = srv.query("www.gslb.test.", "A", ecs="2.17.0.0/24", tcp=True)
    r.equal("tcp: steered answer", rrset_addresses(m), EU)
    r.equal("tcp: ECS scope", ecs_scope(m), 13)
    m = srv.query("version.bind.", "TXT", rdclass="CH")
    r.equal("chaos: version.bind", m.answer[0][0].strings, (b"gslbd-test",))


r.run("steering", steering)
r.run("source address and AAAA", source_address_and_aaaa)
r.run("nearest", nearest)
r.run("authority", authority)
srv.stop()
r.finish()
