#!/usr/bin/env bash
# bench/dnssec.sh: what DNSSEC costs gslbd — signing throughput on one core, instructions per
# query with and without the DO bit, and the memory of the per-worker signature cache.
#
# Usage: bench/dnssec.sh [--no-deps] [--phases LIST]
#   --phases LIST comma-separated subset of sign,cost,memory (default all)
#
# 1. Signing: a zone of 20,000 names (one A RRset each) is signed at load by
#    `gslbd --check-config` with one key of each algorithm (13 ECDSA P-256, 15 Ed25519,
#    8 RSA-2048, made by ldns-keygen); the load logs the RRsets signed (with their NSEC) and
#    the time: RRsets per second on one core.
# 2. Cost: instructions per query under callgrind (10,000 queries; gslbd's worker thread,
#    and the whole process less its idle baseline) for a static A, a steered A (weighted over
#    three data centers), each without and with DO, twice over (pass 2 is the warm cache);
#    for nonexistent names, all different (without DO, and with DO where each is an online
#    NSEC signature: a cache miss); and 100 nonexistent names asked 100 times each with DO
#    (per name one signature, then the cache).
# 3. Memory: the signature cache's size per worker (slots x slot), how many steered answers
#    of 2 services x 3 data centers (the example's shape) and 1,000 services x 3 data centers
#    are signed at load, and how many slots the queries fill (every service asked for A and
#    AAAA until each data center has answered; copies and signings counted by /metrics).
# Everything goes under bench/work/dnssec/ (the optimised build is bench/run.sh's); the tables
# are printed and kept in bench/work/dnssec/report.md. BENCHMARKS.md explains the figures.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
WORK=$HERE/work
OUT=$WORK/dnssec
LOGS=$OUT/logs
PY=/usr/bin/python3
TOOL=("$PY" "$HERE/tool.py")
REV=""
CPU_SERVER=${BENCH_CPU_SERVER:-0}
CPU_CLIENT=${BENCH_CPU_CLIENT:-1}
PORT=${BENCH_PORT_BASE:-15401}
CTL_PORT=$((PORT + 1))
LIFETIME=3600
declare -A SPID=()
STARTED=()
# shellcheck source=bench/common.sh
. "$HERE/common.sh"

DEPS=1
PHASES=sign,cost,memory
while [ $# -gt 0 ]; do
    case "$1" in
    --no-deps) DEPS=0 ;;
    --phases) PHASES=$2; shift ;;
    -h | --help) sed -n '2,23p' "$0"; exit 0 ;;
    *) echo "dnssec.sh: unknown option '$1'" >&2; exit 2 ;;
    esac
    shift
done

trap kill_started EXIT
trap 'exit 130' INT TERM

[ "$DEPS" = 1 ] && install_packages dnsperf valgrind bc ldnsutils python3-dnspython
rm -rf "$OUT"
mkdir -p "$OUT" "$LOGS"
build
port_free "$PORT" || die "port $PORT is in use (set BENCH_PORT_BASE)"

# key ZONE ALG [BITS]: a key made by ldns-keygen in $OUT (SEP flag: it signs as a CSK).
key() {
    (cd "$OUT" && ldns-keygen -a "$2" ${3:+-b "$3"} -k "$1")
}

# ---- 1. signing throughput ------------------------------------------------------------------

if has_phase sign; then
    log "sign: 20,000 names signed at load, one key of each algorithm"
    {
        echo "\$ORIGIN big.bench."
        echo "\$TTL 300"
        echo "@ SOA ns1 hostmaster 1 3600 900 86400 300"
        echo "@ NS ns1"
        echo "ns1 A 127.0.0.1"
        for i in $(seq 1 20000); do
            echo "h$i A 192.0.$((i / 256 % 256)).$((i % 256))"
        done
    } >"$OUT/big.bench.zone"
    rm -f "$OUT/sign.jsonl"
    for alg in ECDSAP256SHA256 ED25519 RSASHA256; do
        k=$(key big.bench "$alg" "$([ "$alg" = RSASHA256 ] && echo 2048 || true)")
        cat >"$OUT/sign-$alg.yaml" <<EOF
zones:
  - file: $OUT/big.bench.zone
    origin: big.bench.
    dnssec: {keys: [{file: $OUT/$k, role: csk}]}
datacenters:
  a: {addresses: [192.0.2.1]}
EOF
        taskset -c "$CPU_SERVER" "$GSLBD" -c "$OUT/sign-$alg.yaml" --check-config \
            >"$LOGS/sign-$alg.log" 2>&1 || die "signing with $alg failed (logs/sign-$alg.log)"
        "$PY" - "$alg" "$LOGS/sign-$alg.log" <<'EOF' >>"$OUT/sign.jsonl"
import json, re, sys
t = open(sys.argv[2]).read()
m = re.search(r"(\d+) RRsets signed with \d+ of \d+ keys in ([\d.]+) ms", t)
n, ms = int(m.group(1)), float(m.group(2))
print(json.dumps({"alg": sys.argv[1], "rrsets": n, "ms": ms, "per_s": n / (ms / 1000.0)}))
EOF
    done
fi

# ---- the signed zone and service used by the cost and memory phases -------------------------

CSK=$(key dnssec.bench ECDSAP256SHA256)
cat >"$OUT/dnssec.bench.zone" <<EOF
\$ORIGIN dnssec.bench.
\$TTL 300
@    SOA ns1 hostmaster 1 3600 900 86400 300
@    NS  ns1
ns1  A   127.0.0.1
www  A   192.0.2.80
EOF
# gslbd_conf NAME SERVICES_YAML [SERVER_EXTRA]
gslbd_conf() {
    cat >"$OUT/$1.yaml" <<EOF
server:
  listen: ["127.0.0.1:$PORT"]
  workers: 1
  log_level: info
${3:-}
zones:
  - file: $OUT/dnssec.bench.zone
    origin: dnssec.bench.
    dnssec: {keys: [{file: $OUT/$CSK, role: csk}]}
control:
  listen: 127.0.0.1:$CTL_PORT
datacenters:
  dc-a: {addresses: [192.0.2.1, 192.0.2.2, "2001:db8:a::1", "2001:db8:a::2"]}
  dc-b: {addresses: [198.51.100.1, 198.51.100.2, "2001:db8:b::1", "2001:db8:b::2"]}
  dc-c: {addresses: [203.0.113.1, 203.0.113.2, "2001:db8:c::1", "2001:db8:c::2"]}
services:
$2
EOF
}
svc() { echo "  $1.dnssec.bench.: {policy: weighted, datacenters: [dc-a, dc-b, dc-c], addresses: 2}"; }

# ---- 2. cost per query ----------------------------------------------------------------------

cg_latest() { ls -t "$OUT/cg/$1.$2.out."* 2>/dev/null | head -1; }

# cg_case NAME CASE QUERYFILE [DNSPERF ARGS...]: 10,000 queries; appends a JSON row.
cg_case() {
    local srv=$1 case=$2 file=$3 pid=${SPID[$1]}
    shift 3
    callgrind_control -z "$pid" >/dev/null
    local t0 t1 out
    t0=$(date +%s.%N)
    out=$(taskset -c "$CPU_CLIENT" dnsperf -e -s 127.0.0.1 -p "$PORT" -d "$file" -n 1 \
        -c 1 -q 20 -t 10 "$@" 2>&1)
    callgrind_control -d "$pid" >/dev/null
    t1=$(date +%s.%N)
    local dump total worker completed
    dump=$(cg_latest "$srv" "$pid")
    total=$("${TOOL[@]}" cgtotal "$dump")
    read -r worker <<<"$("${TOOL[@]}" cgfunc "$dump" worker_main)"
    completed=$(sed -n 's/.*Queries completed: *\([0-9]*\).*/\1/p' <<<"$out")
    [ "${completed:-0}" = 10000 ] || log "warning: $case: ${completed:-0} of 10000 answered"
    "$PY" -c 'import json,sys
c,t,i,d,w=sys.argv[1:6]
print(json.dumps({"case":c,"ir_per_query":(float(t)-float(i)*float(d))/10000.0,
                  "worker_ir_per_query":float(w)/10000.0}))' \
        "$case" "$total" "$IDLE_RATE" "$(echo "$t1 - $t0" | bc -l)" "$worker" >>"$OUT/cost.jsonl"
}

if has_phase cost; then
    rm -rf "$OUT/cg" "$OUT/cost.jsonl"
    mkdir -p "$OUT/cg"
    log "cost: instructions per query under callgrind, 10,000 queries per case"
    gslbd_conf cost "$(svc steer)"
    for i in $(seq 1 10000); do echo "www.dnssec.bench. A"; done >"$OUT/q-static.txt"
    for i in $(seq 1 10000); do echo "steer.dnssec.bench. A"; done >"$OUT/q-steer.txt"
    for i in $(seq 1 10000); do echo "nx$i.dnssec.bench. A"; done >"$OUT/q-nx.txt"
    for i in $(seq 1 10000); do echo "ny$i.dnssec.bench. A"; done >"$OUT/q-nx2.txt"
    for i in $(seq 1 10000); do echo "nz$((i % 100)).dnssec.bench. A"; done >"$OUT/q-nx100.txt"
    start cost valgrind --tool=callgrind --callgrind-out-file="$OUT/cg/cost.%p.out" \
        "$GSLBD" -c "$OUT/cost.yaml"
    wait_ready "$PORT" www.dnssec.bench. 300
    sleep 1
    pid=${SPID[cost]}
    callgrind_control -z "$pid" >/dev/null
    t0=$(date +%s.%N)
    sleep 2
    callgrind_control -d "$pid" >/dev/null
    t1=$(date +%s.%N)
    idle=$("${TOOL[@]}" cgtotal "$(cg_latest cost "$pid")")
    IDLE_RATE=$(echo "$idle / ($t1 - $t0)" | bc -l)
    for pass in 1 2; do
        cg_case cost "static-nodo-$pass" "$OUT/q-static.txt"
        cg_case cost "static-do-$pass" "$OUT/q-static.txt" -D
        cg_case cost "steered-nodo-$pass" "$OUT/q-steer.txt"
        cg_case cost "steered-do-$pass" "$OUT/q-steer.txt" -D
    done
    cg_case cost "nxdomain-nodo" "$OUT/q-nx.txt"
    cg_case cost "nxdomain-do-miss" "$OUT/q-nx2.txt" -D
    # 100 names asked 100 times each: the first time of each signs, then the cache.
    cg_case cost "nxdomain-do-100names" "$OUT/q-nx100.txt" -D
    stop cost
fi

# ---- 3. memory ------------------------------------------------------------------------------

# fill NAME COUNT: gslbd with COUNT steered services; every one asked for A and AAAA 20
# times (each of the three data centers answers with near certainty: 1 - 3 (2/3)^20); the
# signatures made (cache misses) are the distinct RRsets, the slots they fill.
fill() {
    local name=$1 n=$2 services="" i
    for i in $(seq 1 "$n"); do
        services+="$(svc "s$i")"$'\n'
    done
    gslbd_conf "$name" "$services" "  signature_cache: 65536"
    for i in $(seq 1 "$n"); do
        for _ in $(seq 1 20); do
            echo "s$i.dnssec.bench. A"
            echo "s$i.dnssec.bench. AAAA"
        done
    done >"$OUT/q-$name.txt"
    start "$name" "$GSLBD" -c "$OUT/$name.yaml"
    wait_ready "$PORT" www.dnssec.bench. 60
    taskset -c "$CPU_CLIENT" dnsperf -D -s 127.0.0.1 -p "$PORT" -d "$OUT/q-$name.txt" -n 1 \
        -c 1 -q 50 -t 10 >"$LOGS/dnsperf-$name.txt" 2>&1
    local metrics filled slot_kib atload
    metrics=$(curl -s "http://127.0.0.1:$CTL_PORT/metrics")
    # Slots filled: signatures copied from those made at load, plus any signed now.
    filled=$(sed -n 's/^gslbd_dnssec_signatures_total{source="\(presigned\|signed\)"} \([0-9]*\)$/\2/p' \
        <<<"$metrics" | paste -sd+ | bc)
    slot_kib=$(sed -n 's/.*signature cache: \([0-9]*\) slots per worker, \([0-9]*\) KiB.*/\1 \2/p' \
        "$LOGS/$name.log")
    atload=$(sed -n "s/.*zone 'dnssec.bench.': \([0-9]*\) steered answers signed at load.*/\1/p" \
        "$LOGS/$name.log" | tail -1)
    stop "$name"
    "$PY" -c 'import json,sys
n,filled,atload,slots,kib=sys.argv[1:6]
slot=float(kib)*1024/float(slots)
print(json.dumps({"services":int(n),"signatures":int(filled),"at_load":int(atload),
                  "slot_octets":round(slot),"filled_kib":int(filled)*slot/1024,
                  "slots_default":8192,"default_kib":8192*slot/1024}))' \
        "$n" "$filled" "${atload:-0}" $slot_kib >>"$OUT/memory.jsonl"
}

if has_phase memory; then
    rm -f "$OUT/memory.jsonl"
    log "memory: signature cache filled by 2 and by 1,000 services x 3 data centers"
    fill mem-2 2
    fill mem-1000 1000
fi

# ---- report ---------------------------------------------------------------------------------

"$PY" - "$OUT" <<'EOF' | tee "$OUT/report.md"
import json, os, sys
out = sys.argv[1]
def rows(name):
    p = os.path.join(out, name)
    return [json.loads(l) for l in open(p)] if os.path.exists(p) else []
sign = rows("sign.jsonl")
if sign:
    print("| algorithm | RRsets signed | ms | RRsets/s (one core) |\n|---|---:|---:|---:|")
    for r in sign:
        print("| %s | %d | %.0f | %.0f |" % (r["alg"], r["rrsets"], r["ms"], r["per_s"]))
    print()
cost = {r["case"]: r for r in rows("cost.jsonl")}
if cost:
    print("| case | worker instr/query | process instr/query | DO / no DO (worker) |")
    print("|---|---:|---:|---:|")
    for c in ("static-nodo-1", "static-do-1", "static-nodo-2", "static-do-2", "steered-nodo-1",
              "steered-do-1", "steered-nodo-2", "steered-do-2", "nxdomain-nodo",
              "nxdomain-do-miss", "nxdomain-do-100names"):
        if c not in cost:
            continue
        r = cost[c]
        ratio = ""
        base = (c.replace("-do-miss", "-nodo").replace("-do-100names", "-nodo")
                .replace("-do-", "-nodo-"))
        if "-do" in c and base in cost:
            ratio = "%.2fx" % (r["worker_ir_per_query"] / cost[base]["worker_ir_per_query"])
        print("| %s | %.0f | %.0f | %s |" % (c, r["worker_ir_per_query"], r["ir_per_query"],
                                             ratio))
    print()
mem = rows("memory.jsonl")
if mem:
    print("| services x 3 data centers | answers signed at load | slots filled by the "
          "queries | slot octets | filled KiB | default cache KiB per worker |")
    print("|---:|---:|---:|---:|---:|---:|")
    for r in mem:
        print("| %d | %d | %d | %d | %.0f | %.0f |" % (r["services"], r["at_load"],
                                                     r["signatures"], r["slot_octets"],
                                                     r["filled_kib"], r["default_kib"]))
EOF
