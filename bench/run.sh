#!/usr/bin/env bash
# bench/run.sh: gslbd against gdnsd and a null responder, per CPU core, on loopback.
#
# Usage: bench/run.sh [--quick] [--no-deps] [--no-geolite2] [--phases LIST] [--rev COMMIT]
#   --quick       short smoke run: 1 round of 2 s per case, 100,000-name zone
#   --no-deps     do not check or install Debian packages
#   --no-geolite2 only the synthetic GeoIP database, not the real GeoLite2-City as well
#   --phases LIST comma-separated subset of: throughput,latency,callgrind,zone
#   --rev COMMIT  benchmark gslbd as of COMMIT instead of the working tree
#
# Every case of the throughput, latency and callgrind phases runs twice over: with the
# synthetic GeoIP database and with the real GeoLite2-City at geo/GeoLite2-City.mmdb
# (fetched by geo/fetch-geolite2.sh when missing; when it cannot be had, the GeoLite2 rows
# are skipped with a message). The callgrind phase also measures two gslbd-only cases of
# dynamic steering, which gdnsd does not have: the varied-ECS queries against a hashed service
# (hashed-ecsvar), and against the map service while the data center most of them map to sheds
# part of its clients (shed-ecsvar, in gslbd instances of their own: gslbd-shed and
# gslbd-shed-geolite2). Everything it builds, generates and records goes under
# bench/work/ (not tracked). The tables are printed at the end and kept in
# bench/work/results/report.md; BENCHMARKS.md explains the method and holds the figures of
# a full run.
#
# Environment: BENCH_CPU_SERVER (default 0) and BENCH_CPU_CLIENT (default 1) pick the cores;
# BENCH_PORT_BASE (default 15301) the first of ten loopback ports; BENCH_MAX_RATE (default
# 100000) caps the offered rate of the latency runs (dnsperf -v on one core times
# responses accurately up to about that rate here).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
WORK=$HERE/work
GEN=$WORK/gen
RES=$WORK/results
LOGS=$WORK/logs
PY=/usr/bin/python3
TOOL=("$PY" "$HERE/tool.py")
# shellcheck source=bench/common.sh
. "$HERE/common.sh"

QUICK=0
DEPS=1
WANT_GEOLITE2=1
REV=""
PHASES="throughput,latency,callgrind,zone"
while [ $# -gt 0 ]; do
    case "$1" in
    --quick) QUICK=1 ;;
    --no-deps) DEPS=0 ;;
    --no-geolite2) WANT_GEOLITE2=0 ;;
    --phases) PHASES=$2; shift ;;
    --rev) REV=$2; shift ;;
    -h | --help) sed -n '2,25p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option '$1'" >&2; exit 2 ;;
    esac
    shift
done

CPU_SERVER=${BENCH_CPU_SERVER:-0}
CPU_CLIENT=${BENCH_CPU_CLIENT:-1}
PORT_BASE=${BENCH_PORT_BASE:-15301}
MAX_RATE=${BENCH_MAX_RATE:-100000}
LAT_QUIET_MS=1.0
PORT_GSLBD=$PORT_BASE
PORT_GDNSD=$((PORT_BASE + 1))
PORT_NULL=$((PORT_BASE + 2))
PORT_BIG=$((PORT_BASE + 3))
PORT_GSLBD_G2=$((PORT_BASE + 4))
PORT_GDNSD_G2=$((PORT_BASE + 5))
PORT_GSLBD_SHED=$((PORT_BASE + 6))
PORT_GSLBD_SHED_G2=$((PORT_BASE + 7))
PORT_CTL_SHED=$((PORT_BASE + 8))
PORT_CTL_SHED_G2=$((PORT_BASE + 9))
GEOLITE2=$ROOT/geo/GeoLite2-City.mmdb
HAS_GEOLITE2=0
if [ "$QUICK" = 1 ]; then
    REPS=1 DURATION=2 LAT_DURATION=2 BIG_NAMES=100000 RELOAD_RATE=10000
    CG_CASES="static geo-ecsvar"
else
    REPS=3 DURATION=10 LAT_DURATION=3 BIG_NAMES=1000000 RELOAD_RATE=20000
    CG_CASES="static geo-noecs geo-ecs1 geo-ecsvar wrr tcp"
fi
CASES="static geo-noecs geo-ecs1 geo-ecsvar wrr tcp"
# The steering cases, gslbd only (see cg_cases_of): the varied-ECS stream of geo-ecsvar against
# the hashed service, and against the map service with its busiest data center shedding.
CG_HASHED_CASES="hashed-ecsvar"
CG_SHED_CASES="shed-ecsvar"
# The shed fraction shed-ecsvar runs at, at least (bench/gen.py's load file: 0.4375 after the
# controller's second step).
SHED_MIN=0.4
# Every process started here ends by itself after this long, whatever happens to the script.
LIFETIME=3600

# ---- packages -------------------------------------------------------------------------------

install_deps() {
    # What building gslbd needs (as scripts/deps.sh, without the example's extras), then
    # the servers and tools the benchmark runs.
    install_packages build-essential autoconf automake libtool pkg-config \
        libldns-dev libmaxminddb-dev libevent-dev libssl-dev libfyaml-dev liburcu-dev \
        libcmocka-dev libxxhash-dev libsodium-dev libjansson-dev \
        dnsperf gdnsd nsd knot valgrind python3 python3-dnspython python3-maxminddb \
        libmaxmind-db-writer-perl bc
}

# ---- generated data -------------------------------------------------------------------------

generate() {
    local stamp
    stamp=$(cat "$HERE/gen.py" "$ROOT/tests/tools/mkmmdb.pl" | md5sum | cut -d' ' -f1)
    stamp="$stamp $PORT_BASE $BIG_NAMES"
    if [ -f "$GEN/stamp" ] && [ "$(cat "$GEN/stamp")" = "$stamp" ]; then
        return 0
    fi
    log "generating zones, GeoIP database, configurations and queries (about a minute)"
    rm -rf "$GEN"
    "$PY" "$HERE/gen.py" "$GEN" --port-gslbd "$PORT_GSLBD" --port-gdnsd "$PORT_GDNSD" \
        --port-shed "$PORT_GSLBD_SHED" --port-control "$PORT_CTL_SHED" \
        --port-big "$PORT_BIG" --big-names "$BIG_NAMES" \
        --mkmmdb "$ROOT/tests/tools/mkmmdb.pl"
    echo "$stamp" >"$GEN/stamp"
}

# The real database: geo/GeoLite2-City.mmdb, fetched when missing. Sets HAS_GEOLITE2.
find_geolite2() {
    if [ "$WANT_GEOLITE2" = 0 ]; then
        log "GeoLite2: skipped (--no-geolite2); synthetic database only"
        return 0
    fi
    if [ ! -s "$GEOLITE2" ]; then
        log "GeoLite2: no $GEOLITE2; fetching it with geo/fetch-geolite2.sh"
        "$ROOT/geo/fetch-geolite2.sh" >&2 || true
    fi
    local why=""
    if [ ! -s "$GEOLITE2" ]; then
        why="GeoLite2-City could not be had (geo/fetch-geolite2.sh failed)"
    elif ! "$PY" -c 'import maxminddb' 2>/dev/null; then
        why="python3-maxminddb is not installed (apt-get install python3-maxminddb)"
    elif ! "$PY" -c 'import maxminddb, sys; maxminddb.open_database(sys.argv[1])' \
        "$GEOLITE2" 2>/dev/null; then
        why="$GEOLITE2 is not a readable MaxMind DB"
    fi
    if [ -n "$why" ]; then
        log "GeoLite2: SKIPPED, only the synthetic database is benchmarked: $why"
        return 0
    fi
    HAS_GEOLITE2=1
}

# The configurations and query files for the real database, in gen/geolite2/ (the same
# zone, map and query files as the synthetic set; the varied-ECS /24s drawn from it).
generate_geolite2() {
    local dir=$GEN/geolite2 stamp
    stamp=$(cat "$HERE/gen.py" "$HERE/mmdb_tree.py" | md5sum | cut -d' ' -f1)
    stamp="$stamp $PORT_GSLBD_G2 $PORT_GDNSD_G2 $PORT_GSLBD_SHED_G2 $PORT_CTL_SHED_G2"
    stamp="$stamp $(stat -L -c '%s %Y' "$GEOLITE2") $GEOLITE2"
    if [ -f "$dir/stamp" ] && [ "$(cat "$dir/stamp")" = "$stamp" ]; then
        return 0
    fi
    log "generating the GeoLite2 set: configurations and 20,000 ECS /24s from the database"
    rm -rf "$dir"
    "$PY" "$HERE/gen.py" "$dir" --geolite2 "$GEOLITE2" --port-gslbd "$PORT_GSLBD_G2" \
        --port-gdnsd "$PORT_GDNSD_G2" --port-shed "$PORT_GSLBD_SHED_G2" \
        --port-control "$PORT_CTL_SHED_G2"
    echo "$stamp" >"$dir/stamp"
}

# ---- processes and cgroups ------------------------------------------------------------------

declare -A SPID=() CGDIR=()
STARTED=()
CG_ROOT=/sys/fs/cgroup/cpu
HAS_QUOTA=0

# All PIDs of a process tree (NSD forks its server and xfrd processes).
tree_pids() {
    local p=$1
    echo "$p"
    for c in $(pgrep -P "$p" || true); do tree_pids "$c"; done
}

# Limit NAME to half a core: cfs_quota = half of cfs_period (10 ms periods keep the stalls
# short). Without a writable cgroup v1 cpu controller the CPU time per query is still
# measured from schedstat, but the figures may then be bounded by the client.
cg_limit() {
    local name=$1
    [ -w "$CG_ROOT" ] || return 0
    local d="$CG_ROOT/gslbd-bench-$$-$name"
    mkdir -p "$d" 2>/dev/null || return 0
    echo 10000 >"$d/cpu.cfs_period_us"
    echo 5000 >"$d/cpu.cfs_quota_us"
    echo "${SPID[$name]}" >"$d/cgroup.procs"
    CGDIR[$name]=$d
    HAS_QUOTA=1
}

cg_unlimit() {
    local d=${CGDIR[$1]:-}
    [ -n "$d" ] && echo -1 >"$d/cpu.cfs_quota_us"
    return 0
}

cleanup() {
    kill_started
    for d in "${CGDIR[@]}"; do
        rmdir "$d" 2>/dev/null || true
    done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- phases ---------------------------------------------------------------------------------

# Server instances: gslbd and gdnsd with the synthetic database, and (when the real one is
# there) gslbd-geolite2 and gdnsd-geolite2, the same configuration with GeoLite2-City. The
# callgrind phase runs gslbd-shed (and gslbd-shed-geolite2) too: gslbd with the same
# configuration plus load feeds that make one data center shed, and a control endpoint.
declare -A PORT=([gslbd]=$PORT_GSLBD [gdnsd]=$PORT_GDNSD [null]=$PORT_NULL
                 [gslbd-geolite2]=$PORT_GSLBD_G2 [gdnsd-geolite2]=$PORT_GDNSD_G2
                 [gslbd-shed]=$PORT_GSLBD_SHED [gslbd-shed-geolite2]=$PORT_GSLBD_SHED_G2)
declare -A CTL_PORT=([gslbd-shed]=$PORT_CTL_SHED [gslbd-shed-geolite2]=$PORT_CTL_SHED_G2)
DNS_SERVERS="gslbd gdnsd"
SHED_SERVERS="gslbd-shed"

# server_cmd NAME: the command line of a server instance, into CMD.
server_cmd() {
    case $1 in
    gslbd) CMD=("$GSLBD" -c "$GEN/gslbd.yaml") ;;
    gdnsd) CMD=(gdnsd -c "$GEN/gdnsd" start) ;;
    gslbd-geolite2) CMD=("$GSLBD" -c "$GEN/geolite2/gslbd.yaml") ;;
    gdnsd-geolite2) CMD=(gdnsd -c "$GEN/geolite2/gdnsd" start) ;;
    gslbd-shed) CMD=("$GSLBD" -c "$GEN/gslbd-shed.yaml") ;;
    gslbd-shed-geolite2) CMD=("$GSLBD" -c "$GEN/geolite2/gslbd-shed.yaml") ;;
    *) die "no server instance '$1'" ;;
    esac
}

# The program, the database and the query files of an instance.
server_of() {
    local s=${1%-geolite2}
    echo "${s%-shed}"
}
db_of() { [[ $1 == *-geolite2 ]] && echo geolite2 || echo synthetic; }
qdir_of() { [[ $1 == *-geolite2 ]] && echo "$GEN/geolite2" || echo "$GEN"; }

start_servers() {
    for srv in $DNS_SERVERS; do
        server_cmd "$srv"
        start "$srv" "${CMD[@]}"
    done
    start null "$WORK/nullresp" 127.0.0.1 "$PORT_NULL" "$LIFETIME"
    for srv in $DNS_SERVERS; do
        wait_ready "${PORT[$srv]}" "h0001.bench.example."
    done
}

# perf SERVER CASE REP OUT [--latency RATE]: one dnsperf run from the client core.
perf() {
    local srv=$1 case=$2 rep=$3 out=$4
    shift 4
    local file="q-$case.bin" mode=udp
    if [ "$case" = tcp ]; then
        file=q-static.bin mode=tcp
    fi
    file="$(qdir_of "$srv")/$file"
    local extra=() opts=()
    if [ "${1:-}" = --latency ]; then
        opts=(--latency --rate "$2")
        extra=(-Q "$2" -v -l "${3:-$LAT_DURATION}")
    else
        extra=(-l "$DURATION")
    fi
    taskset -c "$CPU_CLIENT" "${TOOL[@]}" perf --pid "${SPID[$srv]}" --out "$out" \
        --server "$(server_of "$srv")" --db "$(db_of "$srv")" --case "$case" --rep "$rep" \
        "${opts[@]}" -- dnsperf -B -d "$file" -s 127.0.0.1 -p "${PORT[$srv]}" -m "$mode" \
        -c 4 -q 500 -t 5 "${extra[@]}" ||
        log "warning: dnsperf against $srv ($case) reported a problem"
}

phase_throughput() {
    log "throughput: $REPS round(s) x $(wc -w <<<"$CASES") cases x" \
        "$(($(wc -w <<<"$DNS_SERVERS") + 1)) servers, ${DURATION}s each"
    for name in $DNS_SERVERS null; do cg_limit "$name"; done
    [ "$HAS_QUOTA" = 1 ] || log "warning: no cgroup cpu quota; figures may be client-bound"
    for rep in $(seq 1 "$REPS"); do
        for case in $CASES; do
            for srv in null $DNS_SERVERS; do
                [ "$case" = tcp ] && [ "$srv" = null ] && continue
                perf "$srv" "$case" "$rep" "$RES/throughput.jsonl"
            done
        done
        log "throughput: round $rep done"
    done
}

# Offered rate per case: half of the slowest server's single-core saturation rate (the
# median queries/s per core, over both databases), so every server runs at or below half
# its saturation.
half_rate() {
    "$PY" - "$RES/throughput.jsonl" "$1" "$MAX_RATE" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
case, cap = sys.argv[2], float(sys.argv[3])
v = []
for s in ("gslbd", "gdnsd"):
    for db in ("synthetic", "geolite2"):
        q = [r["qps_per_core"] for r in rows if r["server"] == s and r["case"] == case
             and r.get("db", "synthetic") == db and "qps_per_core" in r]
        if q:
            v.append(statistics.median(q))
print(int(min(min(v) / 2, cap)) if v else 20000)
EOF
}

# True when a short run against the null responder at RATE has p99 <= LAT_QUIET_MS: the
# machine (both cores) is quiet enough for a latency measurement to mean something.
quiet() {
    local ctl="$RES/latency-control.jsonl"
    perf null static 0 "$ctl" --latency "$1" 1
    "$PY" - "$ctl" "$LAT_QUIET_MS" <<'EOF'
import json, sys
r = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
sys.exit(0 if r.get("p99_ms") is not None and r["p99_ms"] <= float(sys.argv[2]) else 1)
EOF
}

# Wait (up to 10 tries, 3 s apart) for a quiet machine; false if it stayed busy.
wait_quiet() {
    local try=1
    until quiet "$1"; do
        [ "$try" -ge 10 ] && return 1
        try=$((try + 1))
        sleep 3
    done
}

# Repeated and interleaved like the throughput runs. This machine is shared: someone else's
# work on either core puts milliseconds into a run's p99 whatever the server. So each group
# of runs (one case, every server) is bracketed by 1 s control runs against the null
# responder: it starts once the control shows a quiet machine, and is kept only if the
# control after it is quiet too (else it is run again, up to 3 times). The tables give
# medians over the rounds.
phase_latency() {
    [ -f "$RES/throughput.jsonl" ] || die "the latency phase needs the throughput phase"
    log "latency: fixed rate at half saturation, no CPU quota, $REPS x ${LAT_DURATION}s each"
    rm -f "$RES/latency-control.jsonl"
    for name in $DNS_SERVERS null; do cg_unlimit "$name"; done
    declare -A rate=()
    for case in $CASES; do rate[$case]=$(half_rate "$case"); done
    local group="$RES/latency-group.jsonl"
    for rep in $(seq 1 "$REPS"); do
        for case in $CASES; do
            for attempt in 1 2 3; do
                wait_quiet "${rate[$case]}" || log "latency: machine busy; measuring $case anyway"
                rm -f "$group"
                for srv in null $DNS_SERVERS; do
                    [ "$case" = tcp ] && [ "$srv" = null ] && continue
                    perf "$srv" "$case" "$rep" "$group" --latency "${rate[$case]}"
                done
                quiet "${rate[$case]}" && break
                [ "$attempt" -lt 3 ] && log "latency: $case disturbed; running it again"
            done
            cat "$group" >>"$RES/latency.jsonl"
            rm -f "$group"
        done
    done
}

# The callgrind cases of an instance. gdnsd has no dynamic steering, so the steering cases
# are gslbd's alone: the hashed one in the usual instances (nothing sheds there), the
# shedding one in the shedding instances, where it is the only case (shedding applies to
# every service).
cg_cases_of() {
    case ${1%-geolite2} in
    gslbd) echo "$CG_CASES $CG_HASHED_CASES" ;;
    gslbd-shed) echo "$CG_SHED_CASES" ;;
    *) echo "$CG_CASES" ;;
    esac
}

# steer_state SRV: the shedding data center's shed fraction, utilisation, stale flag and
# answers shed so far, from SRV's /metrics, into SHED_F, SHED_U, SHED_STALE, SHED_N.
steer_state() {
    local dc out
    dc=$(cat "$(qdir_of "$1")/steer-dc.txt")
    out=$("${TOOL[@]}" steer "${CTL_PORT[$1]}" "$dc") || out=""
    read -r SHED_F SHED_U SHED_STALE SHED_N <<<"${out:-0 - - 0}"
}

# The controller steps once per new figure of the load file (a new modification time): 0.25
# on the first, 0.4375 on the second (bench/gen.py). Touch the file, a step's length apart,
# until the shed fraction is at least SHED_MIN; then leave it, so that the fraction holds
# while the queries are counted. The outcome is checked (and logged) before the case runs.
shed_ramp() {
    local srv=$1 load
    load="$(qdir_of "$srv")/steer-load.txt"
    for _ in $(seq 1 30); do
        steer_state "$srv"
        awk -v f="$SHED_F" -v m="$SHED_MIN" 'BEGIN { exit !(f + 0 >= m + 0) }' && return 0
        touch "$load"
        sleep 1.5
    done
}

# The newest dump callgrind wrote for PID.
cg_latest() { ls -t "$WORK/callgrind/$1.$2.out."* 2>/dev/null | head -1; }

phase_callgrind() {
    log "callgrind: instructions per query over 10,000 queries per case;" \
        "$CG_HASHED_CASES and $CG_SHED_CASES for gslbd only (gdnsd has no dynamic steering)"
    mkdir -p "$WORK/callgrind"
    rm -f "$WORK/callgrind/"*
    for srv in $DNS_SERVERS $SHED_SERVERS; do
        stop "$srv"
        server_cmd "$srv"
        # The load figures are as fresh as their file: a fresh one for the controller's
        # first step.
        [ -n "${CTL_PORT[$srv]:-}" ] && touch "$(qdir_of "$srv")/steer-load.txt"
        start "$srv" valgrind --tool=callgrind \
            --callgrind-out-file="$WORK/callgrind/$srv.%p.out" "${CMD[@]}"
        local pid=${SPID[$srv]}
        # gdnsd compiles GeoLite2-City into its own tree at start: minutes under valgrind.
        wait_ready "${PORT[$srv]}" "h0001.bench.example." 1200
        [ -n "${CTL_PORT[$srv]:-}" ] && shed_ramp "$srv"
        sleep 1
        # Idle baseline: what the server runs with no queries, per second.
        callgrind_control -z "$pid" >/dev/null
        local t0 t1
        t0=$(date +%s.%N)
        sleep 2
        callgrind_control -d "$pid" >/dev/null
        t1=$(date +%s.%N)
        local idle idle_rate
        idle=$("${TOOL[@]}" cgtotal "$(cg_latest "$srv" "$pid")")
        idle_rate=$(echo "$idle / ($t1 - $t0)" | bc -l)
        for case in $(cg_cases_of "$srv"); do
            local file="cg-$case.bin" mode=udp
            [ "$case" = tcp ] && file=cg-static.bin mode=tcp
            file="$(qdir_of "$srv")/$file"
            # shed-ecsvar: only if the data center really sheds; its fraction goes with
            # the figures.
            local row_extra='{}' dc=""
            if [ "$case" = shed-ecsvar ]; then
                dc=$(cat "$(qdir_of "$srv")/steer-dc.txt")
                steer_state "$srv"
                if ! awk -v f="$SHED_F" 'BEGIN { exit !(f + 0 > 0) }'; then
                    log "error: callgrind $srv $case: $dc does not shed (shed fraction" \
                        "$SHED_F, utilisation $SHED_U, stale $SHED_STALE; logs/$srv.log);" \
                        "case not measured"
                    CG_FAILED="$CG_FAILED $srv:$case"
                    continue
                fi
                log "callgrind $srv $case: $dc sheds, shed fraction $SHED_F" \
                    "(utilisation $SHED_U, stale $SHED_STALE)"
                awk -v f="$SHED_F" -v m="$SHED_MIN" 'BEGIN { exit !(f + 0 >= m + 0) }' ||
                    log "warning: callgrind $srv $case: shed fraction $SHED_F below $SHED_MIN"
            fi
            # Pass 1 is the first sight of the queries; pass 2 sends the same
            # ones again, as a server in service sees the same clients again
            # (only per-thread caches tell the two apart).
            local pass
            for pass in 1 2; do
                local shed_before=0
                if [ -n "$dc" ]; then
                    steer_state "$srv"
                    shed_before=$SHED_N
                fi
                callgrind_control -z "$pid" >/dev/null
                t0=$(date +%s.%N)
                local out
                out=$(taskset -c "$CPU_CLIENT" dnsperf -B -d "$file" -s 127.0.0.1 \
                    -p "${PORT[$srv]}" -m "$mode" -n 1 -c 1 -q 20 -t 10 2>&1)
                callgrind_control -d "$pid" >/dev/null
                t1=$(date +%s.%N)
                local dump total completed
                dump=$(cg_latest "$srv" "$pid")
                total=$("${TOOL[@]}" cgtotal "$dump")
                completed=$(sed -n 's/.*Queries completed: *\([0-9]*\).*/\1/p' <<<"$out")
                # gslbd: also the worker thread's own instructions, which need no idle
                # baseline (the other threads' work is what varies from run to run), and
                # the policy's share of them.
                local worker="" policy=""
                if [ "$(server_of "$srv")" = gslbd ]; then
                    read -r worker policy <<<"$("${TOOL[@]}" cgfunc "$dump" worker_main \
                        policy_select)"
                fi
                if [ -n "$dc" ]; then
                    # Read after the dump: not counted.
                    steer_state "$srv"
                    local shed_n=$((SHED_N - shed_before))
                    log "callgrind $srv $case pass $pass: shed fraction $SHED_F;" \
                        "$shed_n of ${completed:-0} answers shed from $dc"
                    row_extra=$(printf '{"shed_dc":"%s","shed_fraction":%s,"shed_answers":%d}' \
                        "$dc" "$SHED_F" "$shed_n")
                fi
                "$PY" -c 'import json,sys; t,i,r,d,c=map(float,sys.argv[1:6]);
row={"server":sys.argv[6],"db":sys.argv[9],"case":sys.argv[7],
"pass":int(sys.argv[8]),"ir_total":t,"idle_ir":r*d,"completed":c,
"ir_per_query":(t-r*d)/10000.0}; row.update(json.loads(sys.argv[10]))
for k, v in (("worker_ir_per_query", sys.argv[11]), ("policy_ir_per_query", sys.argv[12])):
    if v: row[k] = float(v) / 10000.0
print(json.dumps(row))' \
                    "$total" "$idle" "$idle_rate" "$(echo "$t1 - $t0" | bc -l)" \
                    "${completed:-0}" "$(server_of "$srv")" "$case" "$pass" "$(db_of "$srv")" \
                    "$row_extra" "$worker" "$policy" >>"$RES/callgrind.jsonl"
                [ "${completed:-0}" = 10000 ] ||
                    log "warning: callgrind $srv $case: only ${completed:-0} of 10000 answered"
            done
        done
        stop "$srv"
    done
}

phase_zone() {
    log "zone: $BIG_NAMES names: load time and memory of gslbd, NSD and Knot; gslbd reload"
    local last
    last=$(printf 'n%07d.big.example.' $((BIG_NAMES - 1)))
    port_free "$PORT_BIG" || die "port $PORT_BIG is in use"
    for srv in gslbd nsd knot; do
        rm -rf "$GEN/knot/db" "$GEN/knot/"*.mdb "$GEN/knot/timers" "$GEN/knot/journal"
        mkdir -p "$GEN/knot/db"
        local t0
        t0=$(date +%s.%N)
        case $srv in
        gslbd) start big-gslbd "$GSLBD" -c "$GEN/gslbd-big.yaml" ;;
        nsd) start big-nsd nsd -d -c "$GEN/nsd/nsd.conf" ;;
        knot) start big-knot knotd -c "$GEN/knot/knot.conf" ;;
        esac
        local load_s
        load_s=$("${TOOL[@]}" wait "$PORT_BIG" "$last" --timeout 900 --since "$t0") ||
            die "$srv did not serve the big zone (logs/big-$srv.log)"
        sleep 2
        local mem
        # shellcheck disable=SC2046
        mem=$("${TOOL[@]}" mem $(tree_pids "${SPID[big-$srv]}"))
        "$PY" -c 'import json,sys; m=json.loads(sys.argv[1]); m.update(kind="load",
server=sys.argv[2], names=int(sys.argv[3]), load_s=float(sys.argv[4])); print(json.dumps(m))' \
            "$mem" "$srv" "$BIG_NAMES" "$load_s" >>"$RES/zone.jsonl"
        if [ "$srv" = gslbd ]; then
            reload_under_load
        fi
        stop "big-$srv"
        sleep 1
    done
}

# SIGHUP gslbd while dnsperf sends a fixed rate of queries for the big zone's names.
reload_under_load() {
    local pid=${SPID[big-gslbd]} tmp="$RES/reload-dnsperf.txt"
    local secs=$((QUICK == 1 ? 10 : 30))
    taskset -c "$CPU_CLIENT" dnsperf -B -d "$GEN/q-big.bin" -s 127.0.0.1 -p "$PORT_BIG" \
        -Q "$RELOAD_RATE" -l "$secs" -c 4 -q 500 -t 5 >"$tmp" 2>&1 &
    local dpid=$!
    sleep 3
    local reload_s
    reload_s=$("${TOOL[@]}" reload "$pid" "$LOGS/big-gslbd.log") || reload_s=-1
    wait "$dpid" || true
    local mem
    mem=$("${TOOL[@]}" mem "$pid")
    "$PY" - "$tmp" "$mem" "$reload_s" "$BIG_NAMES" "$RELOAD_RATE" "$HERE" \
        >>"$RES/zone.jsonl" <<'EOF'
import json, sys
sys.path.insert(0, sys.argv[6])
import tool
r = tool.parse_dnsperf(open(sys.argv[1]).read())
r.update(json.loads(sys.argv[2]))
r.update(kind="reload", server="gslbd", reload_s=float(sys.argv[3]), names=int(sys.argv[4]),
         rate=float(sys.argv[5]))
print(json.dumps(r))
EOF
}

machine() {
    echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
    echo "- CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'),"\
         "$(nproc) online cores; kernel $(uname -r)"
    local ver
    if [ -n "$REV" ]; then
        ver=$(git -C "$ROOT" rev-parse --short "$REV^{commit}")
    else
        ver="$(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- src include ||
            echo ' with uncommitted changes')"
    fi
    echo "- gslbd $ver,"\
         "gcc -O2; gdnsd $(dpkg-query -W -f='${Version}' gdnsd),"\
         "dnsperf $(dpkg-query -W -f='${Version}' dnsperf), NSD $(dpkg-query -W -f='${Version}' nsd),"\
         "Knot $(dpkg-query -W -f='${Version}' knot)"
    echo "- GeoIP: synthetic (tests/tools/mkmmdb.pl)$([ "$HAS_GEOLITE2" = 1 ] &&
        "$PY" -c 'import maxminddb, sys, time; m = maxminddb.open_database(sys.argv[1]).metadata()
print(" and %s built %s" % (m.database_type, time.strftime("%Y-%m-%d", time.gmtime(m.build_epoch))),
      end="")' "$GEOLITE2")"
    echo "- server on core $CPU_SERVER, dnsperf on core $CPU_CLIENT;"\
         "CPU quota: $([ "$HAS_QUOTA" = 1 ] && echo 'cgroup v1 cfs 5 ms / 10 ms' || echo none);"\
         "mode: $([ "$QUICK" = 1 ] && echo quick || echo full)"
}

# ---- main -----------------------------------------------------------------------------------

[ "$(nproc)" -ge 2 ] || die "needs two cores: one for the server, one for dnsperf"
[ "$DEPS" = 1 ] && install_deps
mkdir -p "$WORK" "$LOGS"
build
generate
if has_phase throughput || has_phase latency || has_phase callgrind; then
    find_geolite2
    if [ "$HAS_GEOLITE2" = 1 ]; then
        generate_geolite2
        DNS_SERVERS="$DNS_SERVERS gslbd-geolite2 gdnsd-geolite2"
        SHED_SERVERS="$SHED_SERVERS gslbd-shed-geolite2"
    fi
fi
has_phase callgrind || SHED_SERVERS=""
# A phase run again replaces its own results only, so "--phases latency" reuses the
# throughput figures it needs.
mkdir -p "$RES"
for ph in throughput latency callgrind zone; do
    has_phase "$ph" && rm -f "$RES/$ph.jsonl"
done
for p in "$PORT_NULL" $(for srv in $DNS_SERVERS $SHED_SERVERS; do
    echo "${PORT[$srv]}" "${CTL_PORT[$srv]:-}"
done); do
    port_free "$p" || die "port $p is in use (set BENCH_PORT_BASE)"
done

if has_phase throughput || has_phase latency || has_phase callgrind; then
    start_servers
fi
has_phase throughput && phase_throughput
has_phase latency && phase_latency
stop null
CG_FAILED=""
has_phase callgrind && phase_callgrind
for srv in $DNS_SERVERS; do stop "$srv"; done
has_phase zone && phase_zone

{
    echo "## Results"
    echo
    machine
    echo
    "${TOOL[@]}" report "$RES"
} >"$RES/report.md"
cat "$RES/report.md"
[ -z "$CG_FAILED" ] || die "callgrind cases not measured:$CG_FAILED (see the log above)"
