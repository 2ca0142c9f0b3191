#!/usr/bin/env bash
# Install dependencies, build gslbd, fetch a GeoLite2 City database, start the example
# server on 127.0.0.1:5353 with zones/gslbd.yaml, and show steered answers for clients
# on three continents. The server keeps running until Ctrl-C
# (with --demo it stops after the queries). With --dnssec the zone is signed: a key is
# made once with ldns-keygen in zones/keys/, the configuration zones/gslbd-signed.yaml
# names it, and the answers are shown with their signatures and the DS for the parent.
set -euo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"
cd "$top"
demo_only=false
signed=false
for arg in "$@"; do
    case "$arg" in
    --demo) demo_only=true ;;
    --dnssec) signed=true ;;
    *) echo "usage: scripts/example.sh [--demo] [--dnssec]" >&2; exit 2 ;;
    esac
done
conf=zones/gslbd.yaml

scripts/deps.sh
if [ ! -x src/gslbd ]; then
    autoreconf -fi >/dev/null
    ./configure >/dev/null
fi
make -j"$(nproc)" >/dev/null
geo/fetch-geolite2.sh

if $signed; then
    # One ECDSA P-256 (algorithm 13) key signing everything (a CSK), made once.
    mkdir -p zones/keys
    key="$(cd zones/keys && ls K*.private 2>/dev/null | head -1 || true)"
    if [ -z "$key" ]; then
        key="$(cd zones/keys && ldns-keygen -a ECDSAP256SHA256 -k gslb.example.com).private"
    fi
    sed "s|^    origin: gslb.example.com.$|&\n    dnssec:\n      keys: [{file: keys/${key%.private}, role: csk}]|" \
        zones/gslbd.yaml > zones/gslbd-signed.yaml
    conf=zones/gslbd-signed.yaml
fi
src/gslbd -c "$conf" --check-config
scripts/example-backend.sh start
src/gslbd -c "$conf" &
pid=$!
stop_all() {
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    scripts/example-backend.sh stop >/dev/null
}
trap stop_all EXIT INT TERM
for _ in $(seq 50); do
    dig @127.0.0.1 -p 5353 +short +tries=1 +time=1 gslb.example.com SOA >/dev/null 2>&1 && break
    sleep 0.1
done

show() {
    echo
    echo "\$ dig @127.0.0.1 -p 5353 $*"
    dig @127.0.0.1 -p 5353 +norecurse "$@" |
        sed -n '/flags:/p;/ANSWER SECTION/,/^$/p;/AUTHORITY SECTION/,/^$/p;/CLIENT-SUBNET/p'
}
show www.gslb.example.com A +subnet=81.2.69.0/24     # London: eu-west
show www.gslb.example.com A +subnet=24.48.0.0/24     # Canada: us-east
show www.gslb.example.com A +subnet=1.0.16.0/24      # Japan: ap-southeast
show www.gslb.example.com AAAA +subnet=2a00:1450:4001::/48
show api.gslb.example.com A +subnet=1.0.16.0/24      # nearest by distance
show nonexistent.gslb.example.com A
if $signed; then
    show www.gslb.example.com A +dnssec +subnet=81.2.69.0/24
    show nonexistent.gslb.example.com A +dnssec
    echo
    echo "\$ src/gslbctl/gslbctl ds gslb.example.com      # give this to the parent zone"
    src/gslbctl/gslbctl ds gslb.example.com
fi

if $demo_only; then
    exit 0
fi
echo
echo "gslbd is serving gslb.example.com on 127.0.0.1:5353 (PID $pid); Ctrl-C stops it."
echo "The dashboard is at http://127.0.0.1:8053/ (token: example-control-token)."
echo "Try a failover: scripts/example-backend.sh stop eu-west, then query from London again."
echo "Try a spill-over: scripts/example-backend.sh load eu-west 1.2 (see the README)."
wait "$pid"
