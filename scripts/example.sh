#!/usr/bin/env bash
# Install dependencies, build gslbd, fetch a GeoLite2 City database, start the example
# server on 127.0.0.1:5353 with zones/gslbd.yaml, and show steered answers for clients
# on three continents. The server keeps running until Ctrl-C
# (with --demo it stops after the queries).
set -euo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"
cd "$top"
demo_only=false
[ "${1:-}" = "--demo" ] && demo_only=true

scripts/deps.sh
if [ ! -x src/gslbd ]; then
    autoreconf -fi >/dev/null
    ./configure >/dev/null
fi
make -j"$(nproc)" >/dev/null
geo/fetch-geolite2.sh

src/gslbd -c zones/gslbd.yaml --check-config
scripts/example-backend.sh start
src/gslbd -c zones/gslbd.yaml &
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
    dig @127.0.0.1 -p 5353 +norecurse "$@" | sed -n '/flags:/p;/ANSWER SECTION/,/^$/p;/CLIENT-SUBNET/p'
}
show www.gslb.example.com A +subnet=81.2.69.0/24     # London: eu-west
show www.gslb.example.com A +subnet=24.48.0.0/24     # Canada: us-east
show www.gslb.example.com A +subnet=1.0.16.0/24      # Japan: ap-southeast
show www.gslb.example.com AAAA +subnet=2a00:1450:4001::/48
show api.gslb.example.com A +subnet=1.0.16.0/24      # nearest by distance
show nonexistent.gslb.example.com A

if $demo_only; then
    exit 0
fi
echo
echo "gslbd is serving gslb.example.com on 127.0.0.1:5353 (PID $pid); Ctrl-C stops it."
echo "The dashboard is at http://127.0.0.1:8053/ (token: example-control-token)."
echo "Try a failover: scripts/example-backend.sh stop eu-west, then query from London again."
echo "Try a spill-over: scripts/example-backend.sh load eu-west 1.2 (see the README)."
wait "$pid"
