#!/usr/bin/env bash
# Zero-downtime reload check (not part of make check): start gslbd on loopback with the
# example's zone and a copy of its configuration (probes off), run dnsperf for DURATION
# seconds at a fixed RATE against a mix of static and service names, reload every second
# through the control endpoint (alternating two valid configurations that change an answer),
# and report queries sent, completed and lost, and the SERVFAIL count.
#
# Usage: scripts/reload-under-load.sh [DURATION_S [RATE_QPS]]    (default 60 s at 20000 q/s)
set -euo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"
duration="${1:-60}"
rate="${2:-20000}"
port="${RELOAD_TEST_PORT:-15399}"
ctl_port="${RELOAD_TEST_CTL_PORT:-18099}"
gslbd="$top/src/gslbd"
[ -x "$gslbd" ] || { echo "build gslbd first (make)" >&2; exit 1; }
command -v dnsperf >/dev/null || { echo "install dnsperf (scripts/deps.sh)" >&2; exit 1; }

work="$(mktemp -d /tmp/gslbd-reload-XXXXXX)"
pid=""
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

# Two configurations that differ in one answer: us-east's first address.
token="reload-under-load-token"
make_conf() {
    sed -e "s|\"127.0.0.1:5353\", \"\[::1\]:5353\"|\"127.0.0.1:$port\"|" \
        -e "s|file: gslb.example.com.zone|file: $top/zones/gslb.example.com.zone|" \
        -e "s|database: ../geo/GeoLite2-City.mmdb|database: $top/geo/GeoLite2-City.mmdb|" \
        -e '/^    probe: web$/d' \
        -e "s|192.0.2.10, probe_address|$1, probe_address|" \
        -e '/^control:/,$d' \
        "$top/zones/gslbd.yaml" | sed -e '/^probes:/,/^datacenters:/{/^datacenters:/!d}'
    printf 'control:\n  listen: 127.0.0.1:%s\n  token: %s\n' "$ctl_port" "$token"
}
make_conf 192.0.2.10 > "$work/a.yaml"
make_conf 192.0.2.12 > "$work/b.yaml"
cp "$work/a.yaml" "$work/gslbd.yaml"
"$gslbd" -c "$work/gslbd.yaml" --check-config >/dev/null

"$gslbd" -c "$work/gslbd.yaml" > "$work/gslbd.log" 2>&1 &
pid=$!
for _ in $(seq 100); do
    dig @127.0.0.1 -p "$port" +short +tries=1 +time=1 gslb.example.com SOA >/dev/null 2>&1 && break
    sleep 0.1
done

# Half static names (SOA, NS, glue), half service names (steered A and AAAA).
: > "$work/queries"
for _ in $(seq 50); do
    cat >> "$work/queries" <<'Q'
gslb.example.com SOA
gslb.example.com NS
ns1.gslb.example.com A
www.gslb.example.com A
www.gslb.example.com AAAA
api.gslb.example.com A
Q
done

dnsperf -s 127.0.0.1 -p "$port" -d "$work/queries" -l "$duration" -Q "$rate" -c 4 -T 1 \
    -t 2 > "$work/dnsperf.out" 2>&1 &
perf=$!
reloads=0
failed=0
start=$(date +%s)
while kill -0 "$perf" 2>/dev/null; do
    sleep 1
    if [ $((reloads % 2)) -eq 0 ]; then cp "$work/b.yaml" "$work/gslbd.yaml"; else cp "$work/a.yaml" "$work/gslbd.yaml"; fi
    code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $token" \
        "http://127.0.0.1:$ctl_port/reload" || true)
    reloads=$((reloads + 1))
    [ "$code" = 200 ] || failed=$((failed + 1))
    [ $(( $(date +%s) - start )) -gt $((duration + 30)) ] && break
done
wait "$perf" || true

sent=$(sed -n 's/^ *Queries sent: *\([0-9]*\).*/\1/p' "$work/dnsperf.out")
completed=$(sed -n 's/^ *Queries completed: *\([0-9]*\).*/\1/p' "$work/dnsperf.out")
lost=$(sed -n 's/^ *Queries lost: *\([0-9]*\).*/\1/p' "$work/dnsperf.out")
servfail=$(sed -n 's/.*SERVFAIL \([0-9]*\).*/\1/p' "$work/dnsperf.out")
generation=$(curl -s "http://127.0.0.1:$ctl_port/metrics" | sed -n 's/^gslbd_config_generation //p')
echo "duration ${duration} s, rate ${rate} q/s, reloads sent ${reloads} (${failed} not 200), final generation ${generation}"
echo "queries sent ${sent}, completed ${completed}, lost ${lost}, SERVFAIL ${servfail:-0}"
grep -E 'Response codes|Average Latency|Latency StdDev|Queries per second' "$work/dnsperf.out" || true
[ "${lost:-1}" = 0 ] && [ "${servfail:-0}" = 0 ] && [ "$failed" = 0 ]
