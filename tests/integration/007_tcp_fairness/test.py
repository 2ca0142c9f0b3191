"""TCP fairness on loopback: one client network cannot hold more than its share of the
connection slots, idle connections give way to new clients when every slot is taken (the
lock-out of a client that holds every slot with one query every few seconds), and a
connection can be capped in queries."""
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import harness  # noqa: E402

import dns.message  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
work = harness.WorkDir("tcpfair")
res = harness.Results()
port = harness.free_port()
zone = os.path.join(HERE, "..", "005_control", "test.zone")


def config(extra):
    return work.write("gslbd.yaml", """server:
  listen: ["127.0.0.1:%d"]
  workers: 1
  tcp_max_connections: 40
  tcp_idle_timeout_ms: 30000
%s
zones:
  - file: %s
    origin: ctl.test.
datacenters:
  a: {addresses: [192.0.2.1]}
""" % (port, extra, zone))


def read_msg(s):
    def exact(n):
        b = b""
        while len(b) < n:
            chunk = s.recv(n - len(b))
            if not chunk:
                return None
            b += chunk
        return b
    try:
        head = exact(2)
        if head is None:
            return None
        return exact(struct.unpack("!H", head)[0])
    except OSError:
        return None


def ask(s, qid=1):
    w = dns.message.make_query("static.ctl.test.", "A", id=qid).to_wire()
    try:
        s.sendall(struct.pack("!H", len(w)) + w)
    except OSError:
        return None
    return read_msg(s)


def connect(source):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(3)
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    return s


def test_per_prefix_limit():
    srv = harness.Server(config("  tcp_max_connections_per_prefix: 16"), port,
                         work.file("gslbd-1.log"))
    held = []
    served = 0
    for i in range(40):
        s = connect("127.0.0.2")
        if ask(s, i) is not None:
            served += 1
            held.append(s)
        else:
            s.close()
    res.equal("one network gets tcp_max_connections_per_prefix connections, no more", served, 16)
    other = connect("127.0.5.1")
    res.check("a client of another network is still served", ask(other) is not None)
    other.close()
    res.check("and the log says why the others were closed",
              "tcp_max_connections_per_prefix 16" in srv.read_log())
    for s in held:
        s.close()
    srv.stop()


def test_idle_give_way():
    srv = harness.Server(config("  tcp_max_connections_per_prefix: 0"), port,
                         work.file("gslbd-2.log"))
    # Every slot taken by clients that asked once and now sit idle (they would
    # ask again every few seconds to stay under the idle timeout).
    held = []
    for i in range(40):
        s = connect("127.0.%d.1" % (10 + i))
        if ask(s, i) is not None:
            held.append(s)
    res.equal("every slot is taken", len(held), 40)
    time.sleep(1.3)
    late = connect("127.0.99.1")
    res.check("a new client is served: the longest idle connection gave way",
              ask(late) is not None)
    res.check("the connection that was idle longest was the one closed",
              ask(held[0], 7) is None and ask(held[-1], 8) is not None)
    late.close()
    for s in held:
        s.close()
    srv.stop()


def test_query_cap():
    srv = harness.Server(config("  tcp_max_queries_per_connection: 3"), port,
                         work.file("gslbd-3.log"))
    s = connect("127.0.0.3")
    w = b"".join(struct.pack("!H", len(m)) + m for m in
                 (dns.message.make_query("static.ctl.test.", "A", id=i).to_wire()
                  for i in range(5)))
    s.sendall(w)
    answers = 0
    while read_msg(s) is not None:
        answers += 1
    res.equal("a connection capped at 3 queries answers 3, then closes", answers, 3)
    s.close()
    srv.stop()


res.run("per-prefix limit", test_per_prefix_limit)
res.run("idle connections give way", test_idle_give_way)
res.run("query cap", test_query_cap)
res.finish()
