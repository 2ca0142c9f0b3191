#!/usr/bin/env bash
# bench/hardening.sh: what response rate limiting does to a reflection flood, what rate
# limiting and DNS cookies cost per query, and whether new TCP clients get through a TCP
# lock-out attempt; for gslbd and, in the same run, Knot DNS (its mod-rrl, its TCP limits).
#
# Usage: bench/hardening.sh [--no-deps] [--rate QPS] [--seconds N] [--phases LIST]
#   --rate QPS    the flood's rate (default 20000 q/s, one source address)
#   --seconds N   how long each flood lasts (default 5)
#   --phases LIST comma-separated subset of flood,cost,tcp (default all)
#
# 1. Reflection: dnsperf sends one query for a 450-octet TXT RRset from 127.0.0.2 (the
#    address an attacker would spoof: the victim) at QPS for N seconds, to gslbd and Knot,
#    each without and with rate limiting (rate 20 per second, slip 2, as Knot's and NSD's
#    documentation suggest). For each it prints the queries, the responses that reached
#    the victim, the octets in and out, and the amplification (octets out / octets in).
# 2. Cost: instructions per query under callgrind (10,000 queries, gslbd's worker thread
#    and, to compare with Knot, the whole process less its idle baseline) for a static
#    answer without rate limiting, with it (every response passing: rate 10,000), with every
#    response limited and slipped (rate 1, slip 1), for both servers; and for gslbd with a
#    COOKIE option (a client cookie alone, then a valid server cookie).
# 3. TCP lock-out (bench/tcp_lockout.py): 1,100 connections from 20 /24 networks, each
#    sending a query every 8 seconds, against 1,024 connection slots (gslbd's default
#    tcp_max_connections; Knot's tcp-max-clients set to the same); meanwhile 200 new clients
#    connect one after another. It prints how many were answered and how long they waited.
# Everything goes under bench/work/ (the optimised build is bench/run.sh's); the tables are
# printed and kept in bench/work/hardening/report.md. BENCHMARKS.md explains the figures.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
WORK=$HERE/work
OUT=$WORK/hardening
LOGS=$OUT/logs
PY=/usr/bin/python3
TOOL=("$PY" "$HERE/tool.py")
REV=""
CPU_SERVER=${BENCH_CPU_SERVER:-0}
CPU_CLIENT=${BENCH_CPU_CLIENT:-1}
PORT=${BENCH_PORT_BASE:-15301}
LIFETIME=3600
declare -A SPID=()
STARTED=()
# shellcheck source=bench/common.sh
. "$HERE/common.sh"

DEPS=1
RATE=20000
SECONDS_N=5
PHASES=flood,cost,tcp
while [ $# -gt 0 ]; do
    case "$1" in
    --no-deps) DEPS=0 ;;
    --rate) RATE=$2; shift ;;
    --seconds) SECONDS_N=$2; shift ;;
    --phases) PHASES=$2; shift ;;
    -h | --help) sed -n '2,29p' "$0"; exit 0 ;;
    *) echo "hardening.sh: unknown option '$1'" >&2; exit 2 ;;
    esac
    shift
done

trap kill_started EXIT
trap 'exit 130' INT TERM

[ "$DEPS" = 1 ] && install_packages dnsperf knot valgrind bc python3-dnspython
mkdir -p "$OUT" "$LOGS"
build
port_free "$PORT" || die "port $PORT is in use (set BENCH_PORT_BASE)"

# ---- the zone and the servers' configurations ------------------------------------------------

TXT=$(printf 'x%.0s' $(seq 1 100))
cat >"$OUT/rrl.bench.zone" <<EOF
\$ORIGIN rrl.bench.
\$TTL 300
@    SOA ns1 hostmaster 1 3600 900 86400 300
@    NS  ns1
ns1  A   127.0.0.1
www  A   192.0.2.80
big  TXT "${TXT}1"
big  TXT "${TXT}2"
big  TXT "${TXT}3"
big  TXT "${TXT}4"
EOF
echo "big.rrl.bench. TXT" >"$OUT/q-big.txt"
echo "www.rrl.bench. A" >"$OUT/q-www.txt"

# gslbd_conf NAME RATE_LIMIT_YAML: a gslbd configuration with that rate_limit: section.
gslbd_conf() {
    cat >"$OUT/$1.yaml" <<EOF
server:
  listen: ["127.0.0.1:$PORT"]
  workers: 1
  log_level: warning
zones:
  - file: $OUT/rrl.bench.zone
    origin: rrl.bench.
datacenters:
  a: {addresses: [192.0.2.1]}
$2
EOF
}
gslbd_conf gslbd-off ""
gslbd_conf gslbd-rrl "rate_limit: {rate: 20, slip: 2, window_s: 5}"
gslbd_conf gslbd-pass "rate_limit: {rate: 10000, window_s: 1}"
gslbd_conf gslbd-slip "rate_limit: {rate: 1, slip: 1, window_s: 1}"

# knot_conf NAME MODULE_YAML: a knotd configuration, with mod-rrl when given.
knot_conf() {
    local dir=$OUT/$1
    rm -rf "$dir"
    mkdir -p "$dir/run" "$dir/storage"
    cat >"$dir/knot.conf" <<EOF
server:
    rundir: "$dir/run"
    pidfile: "$dir/run/knot.pid"
    listen: 127.0.0.1@$PORT
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
    tcp-max-clients: 1024
    tcp-idle-timeout: 10s
control:
    listen: "$dir/run/knot.sock"
database:
    storage: "$dir/storage"
log:
  - target: stderr
    any: warning
$2
template:
  - id: default
    storage: "$dir/storage"
    zonefile-sync: -1
    zonefile-load: whole
    journal-content: none
$3
zone:
  - domain: rrl.bench.
    file: "$OUT/rrl.bench.zone"
EOF
}
knot_conf knot-off "" ""
# knot_rrl NAME RATE SLIP: Knot with mod-rrl on every zone.
knot_rrl() {
    knot_conf "$1" "mod-rrl:
  - id: limit
    rate-limit: $2
    slip: $3" "    global-module: mod-rrl/limit"
}
knot_rrl knot-rrl 20 2
knot_rrl knot-pass 100000 2
knot_rrl knot-slip 1 1

server_cmd() {
    case $1 in
    gslbd-*) CMD=("$GSLBD" -c "$OUT/$1.yaml") ;;
    knot-*) CMD=(knotd -c "$OUT/$1/knot.conf") ;;
    esac
}

# ---- 1. reflection --------------------------------------------------------------------------

# One flood against NAME; appends a JSON row to flood.jsonl.
flood() {
    local name=$1
    server_cmd "$name"
    start "$name" "${CMD[@]}"
    wait_ready "$PORT" www.rrl.bench. 30
    local out
    out=$(taskset -c "$CPU_CLIENT" dnsperf -a 127.0.0.2 -s 127.0.0.1 -p "$PORT" \
        -d "$OUT/q-big.txt" -Q "$RATE" -l "$SECONDS_N" -t 1 -c 1 -q 65000 2>&1)
    stop "$name"
    echo "$out" >"$LOGS/dnsperf-$name.txt"
    "$PY" - "$name" "$SECONDS_N" <<EOF >>"$OUT/flood.jsonl"
import json, re, sys
t = open("$LOGS/dnsperf-$name.txt").read()
def num(pat):
    m = re.search(pat, t)
    return float(m.group(1)) if m else 0.0
sent = num(r"Queries sent:\s+(\d+)")
done = num(r"Queries completed:\s+(\d+)")
req = num(r"Average packet size:\s+request (\d+)")
resp = num(r"Average packet size:\s+request \d+, response (\d+)")
print(json.dumps({"server": sys.argv[1], "seconds": float(sys.argv[2]), "sent": sent,
                  "completed": done, "req_octets": req, "resp_octets": resp}))
EOF
}

if has_phase flood; then
    rm -f "$OUT/flood.jsonl"
    log "reflection: $RATE q/s for ${SECONDS_N}s from 127.0.0.2, one query for 450 octets of TXT"
    for srv in gslbd-off gslbd-rrl knot-off knot-rrl; do
        flood "$srv"
    done
fi

# ---- 2. cost per query ----------------------------------------------------------------------

# A valid server cookie from the running gslbd, for the client cookie c0c1c2c3c4c5c6c7.
server_cookie() {
    "$PY" - "$PORT" <<'EOF'
import sys
import dns.edns, dns.message, dns.query
q = dns.message.make_query("www.rrl.bench.", "A", use_edns=0, options=[
    dns.edns.GenericOption(dns.edns.COOKIE, bytes.fromhex("c0c1c2c3c4c5c6c7"))])
r = dns.query.udp(q, "127.0.0.1", port=int(sys.argv[1]), timeout=5)
for o in r.options:
    if o.otype == dns.edns.COOKIE:
        print((o.to_wire() if hasattr(o, "to_wire") else o.data).hex())
EOF
}

cg_latest() { ls -t "$OUT/cg/$1.$2.out."* 2>/dev/null | head -1; }

# cg_case SERVER CASE QUERYFILE [DNSPERF ARGS...]: 10,000 queries; appends a JSON row.
cg_case() {
    local srv=$1 case=$2 file=$3 pid=${SPID[$1]}
    shift 3
    callgrind_control -z "$pid" >/dev/null
    local t0 t1 out
    t0=$(date +%s.%N)
    out=$(taskset -c "$CPU_CLIENT" dnsperf -e -s 127.0.0.1 -p "$PORT" -d "$file" -n 10000 \
        -c 1 -q 20 -t 10 "$@" 2>&1)
    callgrind_control -d "$pid" >/dev/null
    t1=$(date +%s.%N)
    local dump total worker="" completed
    dump=$(cg_latest "$srv" "$pid")
    total=$("${TOOL[@]}" cgtotal "$dump")
    [[ $srv == gslbd-* ]] && read -r worker <<<"$("${TOOL[@]}" cgfunc "$dump" worker_main)"
    completed=$(sed -n 's/.*Queries completed: *\([0-9]*\).*/\1/p' <<<"$out")
    [ "${completed:-0}" = 10000 ] || log "warning: $srv $case: ${completed:-0} of 10000 answered"
    "$PY" -c 'import json,sys
s,c,t,i,d,w=sys.argv[1:7]
row={"server":s,"case":c,"ir_per_query":(float(t)-float(i)*float(d))/10000.0}
if w: row["worker_ir_per_query"]=float(w)/10000.0
print(json.dumps(row))' "$srv" "$case" "$total" "$IDLE_RATE" "$(echo "$t1 - $t0" | bc -l)" \
        "$worker" >>"$OUT/cost.jsonl"
}

# cg_server NAME: start NAME under callgrind and measure its idle instructions per second.
cg_server() {
    local name=$1
    server_cmd "$name"
    start "$name" valgrind --tool=callgrind --callgrind-out-file="$OUT/cg/$name.%p.out" \
        "${CMD[@]}"
    wait_ready "$PORT" www.rrl.bench. 300
    sleep 1
    local pid=${SPID[$name]} t0 t1 idle
    callgrind_control -z "$pid" >/dev/null
    t0=$(date +%s.%N)
    sleep 2
    callgrind_control -d "$pid" >/dev/null
    t1=$(date +%s.%N)
    idle=$("${TOOL[@]}" cgtotal "$(cg_latest "$name" "$pid")")
    IDLE_RATE=$(echo "$idle / ($t1 - $t0)" | bc -l)
}

if has_phase cost; then
    rm -rf "$OUT/cg" "$OUT/cost.jsonl"
    mkdir -p "$OUT/cg"
    log "cost: instructions per query under callgrind, 10,000 queries per case"
    for srv in gslbd-off gslbd-pass gslbd-slip knot-off knot-pass knot-slip; do
        cg_server "$srv"
        case $srv in
        gslbd-off)
            cg_case "$srv" static "$OUT/q-www.txt"
            cg_case "$srv" cookie-client "$OUT/q-www.txt" -E 10:c0c1c2c3c4c5c6c7
            cookie=$(server_cookie)
            [ "${#cookie}" = 48 ] || die "no server cookie from gslbd"
            cg_case "$srv" cookie-valid "$OUT/q-www.txt" -E "10:$cookie"
            ;;
        *-pass) cg_case "$srv" rrl-pass "$OUT/q-www.txt" ;;
        *-slip) cg_case "$srv" rrl-slip "$OUT/q-www.txt" ;;
        knot-off) cg_case "$srv" static "$OUT/q-www.txt" ;;
        esac
        stop "$srv"
    done
fi

# ---- 3. TCP lock-out ------------------------------------------------------------------------

if has_phase tcp; then
    rm -f "$OUT/tcp.jsonl"
    log "tcp: 1,100 connections from 20 /24s, a query every 8 s each; 200 new clients"
    for srv in gslbd-off knot-off; do
        server_cmd "$srv"
        start "$srv" "${CMD[@]}"
        wait_ready "$PORT" www.rrl.bench. 30
        taskset -c "$CPU_CLIENT" "$PY" "$HERE/tcp_lockout.py" "$PORT" |
            "$PY" -c 'import json,sys; r=json.loads(sys.stdin.read()); r["server"]=sys.argv[1]
print(json.dumps(r))' "$srv" >>"$OUT/tcp.jsonl"
        stop "$srv"
    done
fi

# ---- report ---------------------------------------------------------------------------------

"$PY" - "$OUT" <<'EOF' | tee "$OUT/report.md"
import json, os, sys
out = sys.argv[1]
def load(name):
    p = os.path.join(out, name)
    return [json.loads(l) for l in open(p)] if os.path.exists(p) else []
rows = load("flood.jsonl")
if rows:
    print("### Reflection: one source, one query, 450 octets of TXT")
    print()
    print("| server | queries | responses | answered share | octets in/s | octets out/s | "
          "amplification |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        bin_ = r["sent"] * r["req_octets"] / r["seconds"]
        bout = r["completed"] * r["resp_octets"] / r["seconds"]
        print("| %s | %d | %d | %.1f%% | %.0f | %.0f | %.2f |" % (
            r["server"], r["sent"], r["completed"], 100.0 * r["completed"] / max(r["sent"], 1),
            bin_, bout, bout / bin_ if bin_ else 0))
    print()
cost = load("cost.jsonl")
if cost:
    base = {r["server"].split("-")[0]: r for r in cost if r["case"] == "static"}
    print("### Cost per query (callgrind, instructions)")
    print()
    print("| server | case | whole process | vs its static case | gslbd worker thread |")
    print("|---|---|---:|---:|---:|")
    for r in cost:
        b = base.get(r["server"].split("-")[0])
        delta = r["ir_per_query"] - b["ir_per_query"] if b else 0
        print("| %s | %s | %.0f | %+.0f | %s |" % (
            r["server"], r["case"], r["ir_per_query"], delta,
            "%.0f" % r["worker_ir_per_query"] if "worker_ir_per_query" in r else "-"))
    print()
tcp = load("tcp.jsonl")
if tcp:
    print("### TCP lock-out attempt")
    print()
    print("| server | attacker connections held (before / after) | new clients answered | "
          "wait median | wait p99 |")
    print("|---|---:|---:|---:|---:|")
    for r in tcp:
        print("| %s | %d / %d of %d | %d of %d | %s ms | %s ms |" % (
            r["server"], r["attacker_held_before"], r["attacker_held_after"],
            r["attacker_opened"], r["clients_served"], r["clients"],
            "%.1f" % r["wait_median_ms"] if r["wait_median_ms"] is not None else "-",
            "%.1f" % r["wait_p99_ms"] if r["wait_p99_ms"] is not None else "-"))
EOF
