#!/usr/bin/env bash
# Build the libFuzzer targets (fuzz/build.sh, what `make fuzz` runs) and run each for SECONDS
# (default 60): the query path, the zone loader, the configuration loader. Seeds are written
# to fuzz/seeds by fuzz/mkseeds.py; each target's corpus grows in fuzz/work/<target>/corpus
# and its findings land in fuzz/work/<target>/ (crash-*, timeout-*, leak-*, oom-*).
# Prints executions, speed and coverage per target; exits non-zero when a target found a
# crash, a hang or a leak, and names the file that reproduces it
# (fuzz/build/fuzz/<target> <file>).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
SECONDS_EACH="${1:-60}"
cd "$ROOT"
fuzz/build.sh
rm -rf fuzz/seeds
/usr/bin/python3 fuzz/mkseeds.py fuzz/seeds
mmdb="$ROOT/fuzz/work/geo.mmdb"
mkdir -p fuzz/work
if [ ! -s "$mmdb" ]; then
    perl tests/tools/mkmmdb.pl --schema city tests/integration/001_geo_steering/geo.spec "$mmdb"
fi
export GSLB_FUZZ_GEOIP="$mmdb"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
status=0
for t in query zone conf; do
    work="fuzz/work/$t"
    mkdir -p "$work/corpus"
    log="$work/fuzz.log"
    rc=0
    fuzz/build/fuzz/"$t" "$work/corpus" "fuzz/seeds/$t" \
        -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
        -artifact_prefix="$work/" -print_final_stats=1 >"$log" 2>&1 || rc=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" || true)
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+' "$log" | tail -n 1 || true)
    echo "fuzz $t: ${runs:-?} executions, ${speed:-?}/s, ${cov:-no coverage line}"
    if [ "$rc" -ne 0 ]; then
        status=1
        echo "fuzz $t: FAILED (exit $rc); the last lines of $log:"
        grep -E 'ERROR|SUMMARY|==[0-9]+==|runtime error|fuzz/' "$log" | head -n 20 || true
        grep -E '^artifact_prefix|Test unit written to' "$log" || true
    fi
done
exit "$status"
