#!/usr/bin/python3
"""Helpers for bench/run.sh: wait for a server, run dnsperf while measuring the server's CPU
time, read callgrind totals, measure memory, and print the result tables.

Subcommands:
  wait PORT QNAME [--timeout S] [--since EPOCH] [--tcp]
                                           poll until QNAME A gets NOERROR with an answer;
                                           prints the seconds it took (since EPOCH)
  perf --pid PID --out FILE --server S --case C [--db D] [--rep N] [--latency] -- DNSPERF-ARGS...
                                           run dnsperf (its own command line, taskset
                                           included), add one JSON line to FILE; D is the
                                           GeoIP database (synthetic, the default, or
                                           geolite2)
  cgtotal FILE                             total Ir of a callgrind output file
  cgfunc FILE FUNC...                      inclusive Ir of each function in FILE (0 if absent),
                                           on one line
  mem PID...                               VmRSS, VmHWM and PSS (kB) summed over the PIDs
  reload PID LOG                           SIGHUP gslbd, print the seconds until LOG gets one
                                           more "reloaded" line
  steer PORT DC                            from gslbd's /metrics on control port PORT: data
                                           center DC's shed fraction, utilisation and stale
                                           flag, and the answers shed so far (every data
                                           center), on one line
  report RESULTS-DIR                       print the tables (Markdown) from the JSON lines
"""
import glob
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import time
import urllib.request

import dns.message
import dns.query
import dns.rcode


# ---- wait -----------------------------------------------------------------------------------

def cmd_wait(args):
    port = int(args[0])
    qname = args[1]
    timeout = 600.0
    tcp = "--tcp" in args
    if "--timeout" in args:
        timeout = float(args[args.index("--timeout") + 1])
    # --since EPOCH: count from when the server was started, not from when this (slow to
    # import) script got going.
    since = float(args[args.index("--since") + 1]) if "--since" in args else time.time()
    start = time.monotonic() - (time.time() - since)
    q = dns.message.make_query(qname, "A")
    while time.monotonic() - start < timeout:
        try:
            if tcp:
                r = dns.query.tcp(q, "127.0.0.1", port=port, timeout=0.5)
            else:
                r = dns.query.udp(q, "127.0.0.1", port=port, timeout=0.5)
            if r.rcode() == dns.rcode.NOERROR and r.answer:
                print("%.3f" % (time.monotonic() - start))
                return 0
        except (OSError, dns.exception.DNSException):
            pass
        time.sleep(0.02)
    print("timeout", file=sys.stderr)
    return 1


# ---- perf -----------------------------------------------------------------------------------

def cpu_ns(pid):
    """CPU time of every thread of pid so far: schedstat's first field (ns on CPU)."""
    total = 0
    for path in glob.glob("/proc/%d/task/*/schedstat" % pid):
        try:
            with open(path) as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass  # a thread that ended between the listing and the read
    return total


def parse_dnsperf(text):
    out = {}
    pats = {
        "sent": r"Queries sent:\s+(\d+)",
        "completed": r"Queries completed:\s+(\d+)",
        "lost": r"Queries lost:\s+(\d+)",
        "qps": r"Queries per second:\s+([\d.]+)",
        "runtime_s": r"Run time \(s\):\s+([\d.]+)",
        "avg_latency_s": r"Average Latency \(s\):\s+([\d.]+)",
        "req_size": r"Average packet size:\s+request (\d+)",
        "resp_size": r"Average packet size:\s+request \d+, response (\d+)",
    }
    for k, p in pats.items():
        m = re.search(p, text)
        if m:
            out[k] = float(m.group(1))
    m = re.search(r"Response codes:\s+(.*)", text)
    if m:
        out["rcodes"] = {k: int(v) for k, v in re.findall(r"([A-Z]+) (\d+) \(", m.group(1))}
    return out


def percentile(sorted_vals, p):
    if not sorted_vals:
        return None
    k = min(len(sorted_vals) - 1, max(0, int(round(p / 100.0 * len(sorted_vals) + 0.5)) - 1))
    return sorted_vals[k]


def cmd_perf(args):
    sep = args.index("--")
    opts, cmd = args[:sep], args[sep + 1:]

    def opt(name, default=None):
        return opts[opts.index(name) + 1] if name in opts else default

    pid = int(opt("--pid", "0"))
    latency = "--latency" in opts
    # dnsperf's output goes to a file and is read afterwards: with -v it is one line per
    # response, and reading it live would compete with dnsperf for the client's core.
    outpath = opt("--out") + ".dnsperf.tmp"
    c0, t0 = cpu_ns(pid) if pid else 0, time.monotonic()
    with open(outpath, "w") as fo:
        p = subprocess.run(cmd, stdout=fo, stderr=subprocess.STDOUT)
    c1, t1 = cpu_ns(pid) if pid else 0, time.monotonic()
    lat = []
    timeouts = 0
    tail = []
    with open(outpath) as fi:
        for line in fi:
            # -v prints one line per response: "> RCODE ... LATENCY", or "> T ..." on timeout.
            if line.startswith("> "):
                f = line.split()
                if f[1] == "T":
                    timeouts += 1
                elif latency:
                    try:
                        lat.append(float(f[-1]))
                    except ValueError:
                        pass
                continue
            tail.append(line)
    os.unlink(outpath)
    text = "".join(tail)
    r = parse_dnsperf(text)
    r.update({
        "server": opt("--server"),
        "case": opt("--case"),
        "db": opt("--db", "synthetic"),
        "rep": int(opt("--rep", "0")),
        "mode": "latency" if latency else "throughput",
        "cpu_s": (c1 - c0) / 1e9,
        "wall_s": t1 - t0,
        "rate": float(opt("--rate", "0")),
    })
    if r.get("cpu_s", 0) > 0 and "completed" in r:
        r["qps_per_core"] = r["completed"] / r["cpu_s"]
        r["cores"] = r["cpu_s"] / r.get("runtime_s", r["wall_s"])
    if latency:
        lat.sort()
        r["p50_ms"] = percentile(lat, 50) * 1e3 if lat else None
        r["p99_ms"] = percentile(lat, 99) * 1e3 if lat else None
        r["p999_ms"] = percentile(lat, 99.9) * 1e3 if lat else None
        r["latency_samples"] = len(lat)
        r["timeouts"] = timeouts
    with open(opt("--out"), "a") as f:
        f.write(json.dumps(r) + "\n")
    if p.returncode != 0 or "completed" not in r:
        sys.stderr.write(text)
        return 1
    return 0


# ---- callgrind, memory ------------------------------------------------------------------------

def cmd_cgtotal(args):
    total = 0
    with open(args[0]) as f:
        for line in f:
            if line.startswith("totals:") or line.startswith("summary:"):
                total = int(line.split()[1])
                if line.startswith("totals:"):
                    break
    print(total)
    return 0


def cmd_cgfunc(args):
    # callgrind_annotate sums a function's inclusive cost over the call graph; its lines end
    # in "FILE:FUNCTION [OBJECT]" for the function's own code (other lines are inlined parts).
    out = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100",
                          "--auto=no", args[0]], capture_output=True, text=True,
                         check=True).stdout
    cost = {}
    for line in out.splitlines():
        m = re.match(r"\s*([\d,]+) .*:(\w+) \[", line)
        if m:
            v = int(m.group(1).replace(",", ""))
            cost[m.group(2)] = max(cost.get(m.group(2), 0), v)
    print(" ".join(str(cost.get(f, 0)) for f in args[1:]))
    return 0


def status_kb(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def pss_kb(pid):
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def cmd_mem(args):
    pids = [int(a) for a in args]
    rss = sum(status_kb(p, "VmRSS") for p in pids)
    hwm = max(status_kb(p, "VmHWM") for p in pids)
    pss = sum(pss_kb(p) for p in pids)
    print(json.dumps({"rss_kb": rss, "hwm_kb": hwm, "pss_kb": pss, "processes": len(pids)}))
    return 0


def cmd_reload(args):
    pid, log = int(args[0]), args[1]

    def count():
        with open(log, errors="replace") as f:
            return sum(1 for line in f if "': reloaded" in line)

    before = count()
    start = time.monotonic()
    os.kill(pid, signal.SIGHUP)
    while time.monotonic() - start < 600:
        if count() > before:
            print("%.3f" % (time.monotonic() - start))
            return 0
        time.sleep(0.01)
    print("timeout", file=sys.stderr)
    return 1


# ---- steering -------------------------------------------------------------------------------

def cmd_steer(args):
    port, dc = int(args[0]), args[1]
    # Under valgrind the endpoint answers slowly.
    with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=60) as r:
        text = r.read().decode("utf-8", "replace")
    v = {"gslbd_datacenter_shed_fraction": 0.0, "gslbd_datacenter_utilisation": None,
         "gslbd_datacenter_load_feed_stale": None}
    shed = 0
    for line in text.splitlines():
        m = re.match(r'(\w+)\{([^}]*)\} (\S+)$', line)
        if not m:
            continue
        labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(2)))
        if m.group(1) in v and labels.get("datacenter") == dc:
            v[m.group(1)] = float(m.group(3))
        elif (m.group(1) == "gslbd_datacenter_answers_by_reason_total" and
              labels.get("reason") == "shed"):
            shed += int(float(m.group(3)))
    print("%s %s %s %d" % (repr(v["gslbd_datacenter_shed_fraction"]),
                           "-" if v["gslbd_datacenter_utilisation"] is None
                           else repr(v["gslbd_datacenter_utilisation"]),
                           "-" if v["gslbd_datacenter_load_feed_stale"] is None
                           else "%d" % v["gslbd_datacenter_load_feed_stale"], shed))
    return 0


# ---- report ---------------------------------------------------------------------------------

CASES = [
    ("static", "static: A, AAAA, MX, TXT, NXDOMAIN"),
    ("geo-noecs", "geo service, no ECS"),
    ("geo-ecs1", "geo service, one fixed ECS /24"),
    ("geo-ecsvar", "geo service, ECS over 20,000 /24s"),
    ("wrr", "weighted service"),
    ("tcp", "TCP (static mix)"),
    # gslbd only (callgrind): dynamic steering, which gdnsd does not have.
    ("hashed-ecsvar", "hashed service, ECS over 20,000 /24s"),
    ("shed-ecsvar", "geo service, ECS over 20,000 /24s, busiest site shedding"),
]

# The budget: the hashed and shedding paths add at most this many instructions per
# query to the map policy (geo-ecsvar).
STEER_BUDGET_IR = 150


def load(path):
    out = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line:
                    out.append(json.loads(line))
    return out


def med(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


def fmt_k(v):
    return "-" if v is None else "%.0fk" % (v / 1000.0)


def fmt_f(v, d=2):
    return "-" if v is None else ("%." + str(d) + "f") % v


DBS = [("synthetic", "synthetic"), ("geolite2", "GeoLite2")]


def db_of(r):
    return r.get("db", "synthetic")


def cmd_report(args):
    d = args[0]
    thr = load(os.path.join(d, "throughput.jsonl"))
    lat = load(os.path.join(d, "latency.jsonl"))
    cg = load(os.path.join(d, "callgrind.jsonl"))
    zs = load(os.path.join(d, "zone.jsonl"))
    servers = ["gslbd", "gdnsd", "null"]
    summary = {}
    # The null responder does not read a database: every row of a case shows its runs.
    dbs = [(k, t) for k, t in DBS if any(db_of(r) == k for r in thr + lat + cg)] or DBS[:1]

    def pick(rows, s, case, db):
        return [r for r in rows if r["server"] == s and r["case"] == case and
                (s == "null" or db_of(r) == db)]

    if thr:
        print("### Throughput per CPU core (server pinned to one core, CPU quota 50%%; "
              "median of %d runs)\n" % len({r["rep"] for r in thr}))
        print("| case | GeoIP database | gslbd q/s/core | gdnsd q/s/core | null q/s/core | "
              "gslbd/gdnsd | gslbd % of null | gdnsd % of null | lost (gslbd/gdnsd/null) | "
              "resp. bytes (gslbd/gdnsd) |")
        print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for case, title in CASES:
        for db, db_title in dbs:
            row = {}
            for s in servers:
                rs = pick(thr, s, case, db)
                row[s] = {
                    "qpc": med([r.get("qps_per_core") for r in rs]),
                    "lost": sum(int(r.get("lost", 0)) for r in rs) if rs else None,
                    "resp": med([r.get("resp_size") for r in rs]),
                }
            if row["gslbd"]["qpc"] is None and row["gdnsd"]["qpc"] is None:
                continue
            summary.setdefault(db, {})[case] = row
            g, o, n = row["gslbd"]["qpc"], row["gdnsd"]["qpc"], row["null"]["qpc"]
            ratio = g / o if g and o else None
            gpn = 100.0 * g / n if g and n else None
            opn = 100.0 * o / n if o and n else None
            lost = "/".join("-" if row[s]["lost"] is None else str(row[s]["lost"])
                            for s in servers)
            resp = "/".join(fmt_f(row[s]["resp"], 0) for s in ("gslbd", "gdnsd"))
            print("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                title, db_title, fmt_k(g), fmt_k(o), fmt_k(n), fmt_f(ratio),
                fmt_f(gpn, 1) + "%" if gpn else "-", fmt_f(opn, 1) + "%" if opn else "-",
                lost, resp))

    if lat:
        print("\n### Latency at a fixed rate below saturation (no CPU quota; median of %d runs)\n"
              % len({r["rep"] for r in lat}))
        print("| case | GeoIP database | offered q/s | gslbd p50 / p99 ms | gdnsd p50 / p99 ms | "
              "null p50 / p99 ms | lost (gslbd/gdnsd/null) |")
        print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
        for case, title in CASES:
            for db, db_title in dbs:
                rs = {s: pick(lat, s, case, db) for s in servers}
                if not rs["gslbd"] and not rs["gdnsd"]:
                    continue
                rate = next((r["rate"] for v in rs.values() for r in v), 0)
                cells = []
                for s in servers:
                    if rs[s]:
                        cells.append("%s / %s" % (
                            fmt_f(med([r.get("p50_ms") for r in rs[s]]), 3),
                            fmt_f(med([r.get("p99_ms") for r in rs[s]]), 3)))
                    else:
                        cells.append("-")
                lost = "/".join(str(sum(int(r.get("lost", 0)) for r in rs[s])) if rs[s] else "-"
                                for s in servers)
                print("| %s | %s | %s | %s | %s | %s | %s |" % (
                    title, db_title, fmt_k(rate), cells[0], cells[1], cells[2], lost))

    if cg:
        print("\n### Instructions per query (callgrind, 10,000 queries, idle baseline "
              "subtracted)\n")
        print("First pass: the queries seen for the first time; second pass: the same "
              "queries again.\n")
        print("| case | GeoIP database | gslbd 1st | gdnsd 1st | gslbd/gdnsd 1st | gslbd 2nd "
              "| gdnsd 2nd | gslbd/gdnsd 2nd |")
        print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for case, title in CASES:
            for db, db_title in dbs:
                cells = []
                for p in (1, 2):
                    v = {}
                    for s in ("gslbd", "gdnsd"):
                        rs = [r for r in pick(cg, s, case, db) if r.get("pass", 1) == p]
                        v[s] = med([r["ir_per_query"] for r in rs])
                    ratio = v["gslbd"] / v["gdnsd"] if v["gslbd"] and v["gdnsd"] else None
                    cells += [fmt_f(v["gslbd"], 0), fmt_f(v["gdnsd"], 0), fmt_f(ratio)]
                if all(c == fmt_f(None, 0) for c in (cells[0], cells[1], cells[3], cells[4])):
                    continue
                print("| %s | %s | %s |" % (title, db_title, " | ".join(cells)))
        steer_report(cg, dbs, pick)

    if zs:
        print("\n### Large zone: %s names\n" % "{:,}".format(zs[0]["names"]))
        print("| server | names | load s | VmRSS MB | VmHWM MB | PSS MB (all processes) |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        for r in [r for r in zs if r.get("kind") == "load"]:
            print("| %s | %d | %s | %s | %s | %s |" % (
                r["server"], r["names"], fmt_f(r["load_s"]), fmt_f(r["rss_kb"] / 1024.0, 0),
                fmt_f(r["hwm_kb"] / 1024.0, 0), fmt_f(r["pss_kb"] / 1024.0, 0)))
        for r in [r for r in zs if r.get("kind") == "reload"]:
            rc = r.get("rcodes", {})
            bad = sum(v for k, v in rc.items() if k != "NOERROR")
            print("\ngslbd reload (SIGHUP) of the %d-name zone while dnsperf sends %s q/s: "
                  "%s s from the signal to the new zone serving (log line); during the run "
                  "%d of %d queries lost, %d answers not NOERROR (%s); VmHWM %s MB." % (
                      r["names"], fmt_k(r["rate"]), fmt_f(r["reload_s"]), int(r.get("lost", 0)),
                      int(r.get("sent", 0)), bad,
                      ", ".join("%s %d" % kv for kv in rc.items()) or "none",
                      fmt_f(r["hwm_kb"] / 1024.0, 0)))
    with open(os.path.join(d, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    return 0


def steer_report(cg, dbs, pick):
    """gslbd's instructions per query on the varied-ECS stream: the map service (geo-ecsvar),
    the hashed service (hashed-ecsvar) and the map service while its busiest data center
    sheds (shed-ecsvar), each steering case against the budget over the map."""
    cases = ("geo-ecsvar", "hashed-ecsvar", "shed-ecsvar")
    if not any(r["case"] in cases[1:] for r in cg):
        return
    print("\n### Dynamic steering: instructions per query over the map policy (gslbd)\n")
    print("The varied-ECS queries (20,000 /24s) against the map service (geo-ecsvar), the "
          "hashed service (hashed-ecsvar) and the map service while the data center most of "
          "them map to sheds part of its clients (shed-ecsvar); target: at most %d "
          "instructions per query more than the map. *process*: as in the table above (every "
          "thread, idle baseline subtracted); *worker thread*: the worker's own instructions, "
          "no baseline needed (steadier from run to run); *policy_select*: the policy's "
          "share of them.\n" % STEER_BUDGET_IR)
    measures = [("ir_per_query", "process"), ("worker_ir_per_query", "worker thread"),
                ("policy_ir_per_query", "policy_select")]
    print("| GeoIP database | pass | instructions | map | hashed | hashed - map | shedding | "
          "shed - map | hashed <= +%d | shedding <= +%d |" % (STEER_BUDGET_IR, STEER_BUDGET_IR))
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |")
    sites = []
    for db, db_title in dbs:
        for p in (1, 2):
            rows = {c: [r for r in pick(cg, "gslbd", c, db) if r.get("pass", 1) == p]
                    for c in cases}
            if not rows["hashed-ecsvar"] and not rows["shed-ecsvar"]:
                continue
            for key, title in measures:
                v = {c: med([r.get(key) for r in rs]) for c, rs in rows.items()}
                if all(x is None for x in v.values()):
                    continue
                base = v["geo-ecsvar"]
                d = {c: None if v[c] is None or base is None else v[c] - base
                     for c in cases[1:]}
                verdict = {c: "no figure" if d[c] is None else
                           "met" if round(d[c]) <= STEER_BUDGET_IR else "NOT MET"
                           for c in cases[1:]}
                print("| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                    db_title, p, title, fmt_f(base, 0), fmt_f(v["hashed-ecsvar"], 0),
                    fmt_signed(d["hashed-ecsvar"]), fmt_f(v["shed-ecsvar"], 0),
                    fmt_signed(d["shed-ecsvar"]), verdict["hashed-ecsvar"],
                    verdict["shed-ecsvar"]))
        shed = pick(cg, "gslbd", "shed-ecsvar", db)
        if shed:
            sites.append("%s: %s at shed fraction %s, answers shed per pass %s of %s" % (
                db_title, shed[0].get("shed_dc", "?"),
                "/".join(sorted({fmt_f(r.get("shed_fraction"), 4) for r in shed})),
                ", ".join("{:,}".format(r.get("shed_answers", 0)) for r in shed),
                "{:,}".format(int(shed[0].get("completed", 0)))))
    if sites:
        print("\nShedding site: " + "; ".join(sites) + ".")


def fmt_signed(v):
    return "-" if v is None else "%+.0f" % v


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    cmds = {"wait": cmd_wait, "perf": cmd_perf, "cgtotal": cmd_cgtotal, "mem": cmd_mem,
            "reload": cmd_reload, "steer": cmd_steer, "cgfunc": cmd_cgfunc,
            "report": cmd_report}
    return cmds[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    sys.exit(main())
