"""The TCP lock-out attempt, measured: an attacker holds as many connections as it can, each
sending one query every few seconds, from enough /24 networks that no per-network limit stops
it; meanwhile new clients connect one after another and ask one query each. Prints, as one
JSON line, how many new clients were answered, how long they waited, and how many of the
attacker's connections the server kept open.

Usage: tcp_lockout.py PORT [--attackers N] [--networks K] [--every S] [--clients C]
Run with /usr/bin/python3 (dnspython). Binds only 127.0.0.0/8 addresses."""
import json
import resource
import selectors
import socket
import struct
import sys
import time

import dns.message


def arg(name, default):
    return type(default)(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else default


PORT = int(sys.argv[1])
ATTACKERS = arg("--attackers", 1100)
NETWORKS = arg("--networks", 20)
EVERY_S = arg("--every", 8.0)
CLIENTS = arg("--clients", 200)
HOLD_S = arg("--hold", 20.0)

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
WIRE = dns.message.make_query("www.rrl.bench.", "A").to_wire()
FRAME = struct.pack("!H", len(WIRE)) + WIRE


def connect(source, timeout):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((source, 0))
    s.connect(("127.0.0.1", PORT))
    return s


def ask(s):
    """One query on connection s; True when its answer came back whole."""
    s.sendall(FRAME)
    head = b""
    while len(head) < 2:
        chunk = s.recv(2 - len(head))
        if not chunk:
            return False
        head += chunk
    n = struct.unpack("!H", head)[0]
    body = b""
    while len(body) < n:
        chunk = s.recv(n - len(body))
        if not chunk:
            return False
        body += chunk
    return True


# The attacker: connections spread over NETWORKS /24s (127.0.1.0/24 ...), each with a first
# query, then one query every EVERY_S seconds, for as long as the server keeps it.
attack = []
for i in range(ATTACKERS):
    src = "127.0.%d.%d" % (1 + i % NETWORKS, 1 + i // NETWORKS)
    try:
        s = connect(src, 2)
        ask(s)
        s.setblocking(False)
        attack.append(s)
    except OSError:
        pass
opened = len(attack)
sel = selectors.DefaultSelector()
for s in attack:
    sel.register(s, selectors.EVENT_READ)
alive = set(attack)
next_at = {s: time.monotonic() + EVERY_S * (k / max(len(attack), 1))
           for k, s in enumerate(attack)}


def attacker_turn(budget_s):
    """Keep the attack going for budget_s seconds: queries when due, drain what comes back,
    drop connections the server closed."""
    end = time.monotonic() + budget_s
    while True:
        now = time.monotonic()
        if now >= end:
            return
        for s in list(alive):
            if next_at[s] <= now:
                try:
                    s.send(FRAME)
                except OSError:
                    alive.discard(s)
                    sel.unregister(s)
                    continue
                next_at[s] = now + EVERY_S
        for key, _ in sel.select(timeout=min(0.05, max(end - now, 0))):
            s = key.fileobj
            try:
                data = s.recv(4096)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if not data:
                alive.discard(s)
                sel.unregister(s)


attacker_turn(2.0)
held_at_start = len(alive)
served = 0
waits = []
deadline = time.monotonic() + HOLD_S
for c in range(CLIENTS):
    src = "127.0.200.%d" % (1 + c % 250)
    t0 = time.monotonic()
    ok = False
    try:
        s = connect(src, 3)
        ok = ask(s)
        s.close()
    except OSError:
        pass
    if ok:
        served += 1
        waits.append(time.monotonic() - t0)
    attacker_turn(max(0.0, min(0.05, deadline - time.monotonic())))
attacker_turn(1.0)
waits.sort()
print(json.dumps({
    "attackers": ATTACKERS, "networks": NETWORKS, "every_s": EVERY_S,
    "attacker_opened": opened, "attacker_held_before": held_at_start,
    "attacker_held_after": len(alive),
    "clients": CLIENTS, "clients_served": served,
    "wait_median_ms": 1000 * waits[len(waits) // 2] if waits else None,
    "wait_p99_ms": 1000 * waits[min(len(waits) - 1, int(len(waits) * 0.99))] if waits else None,
}))
