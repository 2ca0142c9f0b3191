"""The differential test's signed zone: gslbd and Knot sign signed.test. with the same KSK and
ZSK (made by ldns-keygen, imported into Knot's KASP database with keymgr), and answers to DO
queries must agree on everything but the signature bytes and times (inception, expiration,
signature) and the style of denial: gslbd answers a nonexistent name with RFC 9824 compact
denial (NOERROR, an NSEC at the name) and signs wildcard answers as the QNAME's own; Knot
keeps an NSEC chain (NXDOMAIN, covering NSECs) and signs them with the wildcard's label
count. NSEC records and their RRSIGs are left out of the comparison for that reason.
"""
import os
import subprocess

import dns.rcode
import dns.rdatatype

ORIGIN = "signed.test."
ZONE_FILE = "signed.test.zone"
# Knot has no services: the failover policy's answer for svc, as static data.
KNOT_SERVICE_RECORDS = ["svc 300 A 192.0.2.100", "svc 300 AAAA 2001:db8::100"]


def make_keys(work):
    """A KSK and a ZSK for the zone (ECDSA P-256); returns their base names in work."""
    def keygen(ksk):
        args = ["ldns-keygen", "-a", "ECDSAP256SHA256"] + (["-k"] if ksk else []) + [ORIGIN]
        return subprocess.run(args, cwd=work.path, check=True, capture_output=True,
                              text=True).stdout.strip()
    return keygen(True), keygen(False)


def knot_policy():
    """Knot's signing policy: the imported keys only, CDS/CDNSKEY always, NSEC."""
    return ("policy:\n"
            "  - id: imported\n"
            "    manual: on\n"
            "    cds-cdnskey-publish: always\n"
            "    nsec3: off\n")


def knot_zone(work, here):
    """Knot's zone entry, with its copy of the zone file (the service's answer added)."""
    with open(os.path.join(here, ZONE_FILE)) as f:
        text = f.read() + "\n" + "\n".join(KNOT_SERVICE_RECORDS) + "\n"
    path = work.write("knot-" + ZONE_FILE, text)
    return ("  - domain: %s\n    file: \"%s\"\n    dnssec-signing: on\n"
            "    dnssec-policy: imported\n" % (ORIGIN, path))


def knot_import(work, conf_path, keys):
    """Put the keys into Knot's KASP database (before knotd starts)."""
    for base in keys:
        subprocess.run(["keymgr", "-c", conf_path, ORIGIN, "import-bind",
                        work.file(base + ".private")], check=True, capture_output=True)


def gslbd_zone(work, here, keys):
    """gslbd's zones: entry for the signed zone."""
    return ("  - file: %s\n"
            "    origin: %s\n"
            "    dnssec:\n"
            "      keys:\n"
            "        - {file: %s, role: ksk}\n"
            "        - {file: %s, role: zsk}\n" % (os.path.join(here, ZONE_FILE), ORIGIN,
                                                   work.file(keys[0]), work.file(keys[1])))


def queries():
    """(name, type, what) of the DO queries; what is 'same', 'nxdomain' or 'wildcard'."""
    return [
        (ORIGIN, "SOA", "same"), (ORIGIN, "NS", "same"), (ORIGIN, "MX", "same"),
        (ORIGIN, "TXT", "same"), (ORIGIN, "CAA", "same"), (ORIGIN, "DNSKEY", "same"),
        (ORIGIN, "CDS", "same"), (ORIGIN, "CDNSKEY", "same"),
        ("ns1." + ORIGIN, "A", "same"), ("ns1." + ORIGIN, "AAAA", "same"),
        ("www." + ORIGIN, "A", "same"), ("www." + ORIGIN, "AAAA", "same"),
        ("alias." + ORIGIN, "A", "same"), ("alias." + ORIGIN, "CNAME", "same"),
        ("_sip._udp." + ORIGIN, "SRV", "same"), ("ptr." + ORIGIN, "PTR", "same"),
        ("svc." + ORIGIN, "A", "same"), ("svc." + ORIGIN, "AAAA", "same"),
        ("svc." + ORIGIN, "TXT", "same"),
        ("sec." + ORIGIN, "DS", "same"), ("www.sec." + ORIGIN, "A", "same"),
        ("www.insec." + ORIGIN, "A", "same"),
        # NODATA: the SOA and its RRSIG compared, the NSEC proof not.
        ("www." + ORIGIN, "MX", "same"), ("mail." + ORIGIN, "AAAA", "same"),
        ("ent." + ORIGIN, "A", "same"), ("svc." + ORIGIN, "MX", "same"),
        ("insec." + ORIGIN, "DS", "same"),
        ("nope." + ORIGIN, "A", "nxdomain"), ("a.b.nope." + ORIGIN, "TXT", "nxdomain"),
        ("host.wild." + ORIGIN, "A", "wildcard"),
    ]


def _rrsig_fields(text):
    """An RRSIG's RDATA text without expiration, inception and signature."""
    f = text.split()
    return " ".join(f[:4] + f[6:8])  # covered, algorithm, labels, original TTL; tag, signer


def normalise(summary, what):
    """The summary with signature bytes and times, NSEC records and their RRSIGs dropped;
    for a wildcard answer also the RRSIG's label count (gslbd: the QNAME's)."""
    out = dict(summary)
    for sec in ("answer", "authority", "additional"):
        recs = set()
        for (owner, rdclass, rdtype, ttl, text) in summary[sec]:
            if rdtype == dns.rdatatype.NSEC:
                continue
            if rdtype == dns.rdatatype.RRSIG:
                if text.split()[0] == "NSEC":
                    continue
                text = _rrsig_fields(text)
                if what == "wildcard":
                    f = text.split()
                    text = " ".join(f[:2] + f[3:])
            recs.add((owner, rdclass, rdtype, ttl, text))
        out[sec] = recs
    if what == "nxdomain" and summary["rcode"] in ("NOERROR", "NXDOMAIN"):
        out["rcode"] = "NXDOMAIN or compact denial"
    return out
