"""Response rate limiting and DNS cookies against a real gslbd on loopback, with real
clients: a flood of one query from one address is answered up to the rate, then slipped
(TC=1) every other time and otherwise dropped, with counters that match what the flooder
saw; an exempt address and TCP are never limited; dig, from the flooded address, still gets
its answer (after BADCOOKIE with a cookie, over TCP after TC=1 without); cookies are
answered as RFC 7873 and RFC 9018 say, and the secret file is shared by two instances (an
anycast pair), whose cookies validate on either."""
import os
import re
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness  # noqa: E402

import dns.edns  # noqa: E402
import dns.exception  # noqa: E402
import dns.flags  # noqa: E402
import dns.message  # noqa: E402
import dns.query  # noqa: E402
import dns.rcode  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
work = harness.WorkDir("rrl")
res = harness.Results()
RATE = 20
SECRET = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
ports = [harness.free_port(), harness.free_port()]
ctl_port = harness.free_port()

key_path = work.write("cookie.key", SECRET + "\n")
os.chmod(key_path, 0o600)


def config(port, with_control):
    ctl = "control:\n  listen: 127.0.0.1:%d\n" % ctl_port if with_control else ""
    return work.write("gslbd-%d.yaml" % port, """server:
  listen: ["127.0.0.1:%d"]
  workers: 2
zones:
  - file: %s
    origin: rrl.test.
datacenters:
  a: {addresses: [192.0.2.1]}
rate_limit:
  rate: %d
  window_s: 1
  slip: 2
  exempt: [127.0.0.3/32]
cookies:
  secret_file: %s
%s""" % (port, os.path.join(HERE, "test.zone"), RATE, key_path, ctl))


srv = harness.Server(config(ports[0], True), ports[0], work.file("gslbd-0.log"))
peer = harness.Server(config(ports[1], False), ports[1], work.file("gslbd-1.log"))
control = harness.Control("http://127.0.0.1:%d" % ctl_port)


def flood(source, n, name="big.rrl.test.", rdtype="TXT", port=None):
    """Send n identical queries from source as fast as possible, then collect the replies
    for a second. Returns (full answers, truncated, total replies, seconds spent sending)."""
    port = port or ports[0]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
    s.bind((source, 0))
    wire = dns.message.make_query(name, rdtype, use_edns=0, payload=1232).to_wire()
    start = time.time()
    for i in range(n):
        s.sendto(wire[:0] + bytes([i >> 8 & 0xFF, i & 0xFF]) + wire[2:], ("127.0.0.1", port))
    spent = time.time() - start
    full = tc = total = 0
    s.settimeout(1.0)
    while True:
        try:
            data = s.recv(65535)
        except socket.timeout:
            break
        m = dns.message.from_wire(data)
        total += 1
        if m.flags & dns.flags.TC:
            tc += 1
        elif m.answer:
            full += 1
    s.close()
    return full, tc, total, spent


class Flooder:
    """Queries from source for name/rdtype at about rate_qps, in a thread, for as long as
    the with-block lasts: the bucket of that address, name and type stays over its limit."""

    def __init__(self, source, name="big.rrl.test.", rdtype="TXT", rate_qps=1000):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((source, 0))
        self.wire = dns.message.make_query(name, rdtype, use_edns=0).to_wire()
        self.gap = 1.0 / rate_qps
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while not self.stop.is_set():
            for _ in range(10):
                self.sock.sendto(self.wire, ("127.0.0.1", ports[0]))
            time.sleep(10 * self.gap)

    def __enter__(self):
        self.thread.start()
        time.sleep(0.3)
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()
        self.sock.close()


def limited_counter():
    m = control.metrics()
    return (m.get(("gslbd_rrl_limited_total", frozenset({("class", "answer")})), 0),
            m.get(("gslbd_rrl_slipped_total", frozenset()), 0))


def test_flood_is_limited():
    before_limited, before_slipped = limited_counter()
    n = 400
    full, tc, total, spent = flood("127.0.0.2", n)
    seconds = int(spent) + 2  # the buckets refill once per second of the wall clock
    res.check("flood: answered in full up to the rate", RATE <= full <= RATE * seconds,
              "full=%d spent=%.2fs" % (full, spent))
    limited = n - full
    res.check("flood: every other limited response slips (TC=1)",
              limited // 2 <= tc <= limited // 2 + seconds,
              "limited=%d tc=%d" % (limited, tc))
    res.equal("flood: nothing else is sent", total, full + tc)
    after_limited, after_slipped = limited_counter()
    res.equal("metrics: limited answers counted", after_limited - before_limited, limited)
    res.equal("metrics: slipped responses counted", after_slipped - before_slipped, tc)
    print("flood of %d queries: %d answered, %d truncated, %d dropped (%.0f%% of the"
          " reflection stopped)" % (n, full, tc, n - total, 100.0 * (n - full) / n))


def test_exempt_and_tcp_are_not_limited():
    full, tc, total, _ = flood("127.0.0.3", 300)
    res.equal("exempt address: every query answered in full", (full, tc, total), (300, 0, 300))
    ok = 0
    with Flooder("127.0.0.2"):
        limited_before, _ = limited_counter()
        for _ in range(30):
            q = dns.message.make_query("big.rrl.test.", "TXT", use_edns=0)
            m = dns.query.tcp(q, "127.0.0.1", port=ports[0], timeout=2, source="127.0.0.2")
            ok += len(m.answer) == 1 and not m.flags & dns.flags.TC
        limited_after, _ = limited_counter()
    res.check("  while the UDP flood from that address is limited",
              limited_after > limited_before)
    res.equal("TCP from the flooded address: every query answered", ok, 30)


def dig(*args):
    out = subprocess.run(["dig", "-p", str(ports[0]), "@127.0.0.1", "-b", "127.0.0.2"] +
                         list(args), capture_output=True, text=True, timeout=30)
    return out.stdout


def test_real_clients_get_through_a_flood():
    # During the flood, dig asks the flooded question from the flooded address. With a
    # cookie (dig's default) a slipped reply is BADCOOKIE with the new cookie, and the
    # retry with it is exempt; without one it is TC=1, and dig retries over TCP. A dropped
    # reply is retried after a second.
    cases = (("dig with a cookie", [], ";; BADCOOKIE, retrying"),
             ("dig without a cookie", ["+nocookie"], ";; Truncated, retrying in TCP mode"))
    with Flooder("127.0.0.2"):
        for label, extra, via in cases:
            got, out = False, ""
            for _ in range(4):
                out = dig("big.rrl.test.", "TXT", "+time=1", "+tries=4", *extra)
                if via in out:
                    got = "status: NOERROR" in out and re.search(r"ANSWER: 4,", out) is not None
                    break
            res.check("%s gets the answer from a flooded address (%s)" % (label, via[3:]),
                      got, out[-800:])


def cookie_query(opt_data, port=None, timeout=2):
    q = dns.message.make_query("www.rrl.test.", "A", use_edns=0,
                               options=[dns.edns.GenericOption(dns.edns.COOKIE, opt_data)])
    return dns.query.udp(q, "127.0.0.1", port=port or ports[0], timeout=timeout,
                         source="127.0.0.4")


def test_cookies():
    client = bytes.fromhex("0102030405060708")
    m = cookie_query(client)
    c = harness.cookie_of(m)
    res.check("client cookie alone: a server cookie comes back", c is not None and len(c) == 24
              and c[:8] == client and c[8] == 1, repr(c))
    m2 = cookie_query(c)
    res.equal("a fresh server cookie is sent back as it is", harness.cookie_of(m2), c)
    res.equal("  and the query is answered", len(m2.answer), 1)
    m3 = cookie_query(c, port=ports[1])
    res.equal("the other instance (same secret file) accepts it too", harness.cookie_of(m3), c)
    forged = c[:-1] + bytes([c[-1] ^ 1])
    m4 = cookie_query(forged)
    res.check("a forged server cookie is answered with a new one",
              len(m4.answer) == 1 and harness.cookie_of(m4) != forged and harness.cookie_of(m4)[:8] == client)
    for bad in (b"\x01" * 7, b"\x01" * 12, b"\x01" * 41):
        m5 = cookie_query(bad)
        res.equal("a %d-octet COOKIE option is FORMERR" % len(bad), m5.rcode(),
                  dns.rcode.FORMERR)
    out = subprocess.run(["dig", "-p", str(ports[0]), "@127.0.0.1", "+cookie", "www.rrl.test."],
                         capture_output=True, text=True, timeout=30).stdout
    res.check("dig +cookie: the server cookie is good", re.search(r"COOKIE: [0-9a-f]{48} \(good\)",
                                                                  out) is not None, out[-500:])


def test_badcookie_under_flood():
    client = bytes.fromhex("a1a2a3a4a5a6a7a8")
    rcodes = []
    with Flooder("127.0.0.4", name="www.rrl.test.", rdtype="A"):
        for _ in range(6):
            try:
                m = cookie_query(client, timeout=0.5)
            except dns.exception.Timeout:
                rcodes.append("dropped")
                continue
            rcodes.append(dns.rcode.to_text(m.rcode()))
            if m.rcode() == dns.rcode.BADCOOKIE:
                ede = [o for o in m.options if o.otype == dns.edns.EDE]
                res.check("BADCOOKIE carries a new cookie and an EDE",
                          harness.cookie_of(m) is not None and len(ede) == 1 and
                          "server cookie" in (ede[0].text or ""), repr(m.options))
                retry = cookie_query(harness.cookie_of(m))
                res.equal("  the retry with it is answered", len(retry.answer), 1)
                break
    res.check("a limited client with a cookie gets BADCOOKIE", "BADCOOKIE" in rcodes,
              repr(rcodes))


res.run("flood is limited", test_flood_is_limited)
res.run("exempt and TCP", test_exempt_and_tcp_are_not_limited)
res.run("real clients", test_real_clients_get_through_a_flood)
res.run("cookies", test_cookies)
res.run("BADCOOKIE", test_badcookie_under_flood)
srv.stop()
peer.stop()
res.finish()
