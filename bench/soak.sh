#!/usr/bin/env bash
# bench/soak.sh: a soak test of gslbd on loopback (not part of make check).
#
# Usage: bench/soak.sh [--minutes N] [--rate QPS] [--gslbd PATH] [--release] [-- DRIVER-OPTIONS]
#   --minutes N   how long the load runs (default 30)
#   --rate QPS    total queries per second, 80% UDP and 20% TCP (default 3000: well below
#                 what gslbd answers on a 2-core machine, so that nothing may be lost)
#   --gslbd PATH  the server binary (default: src/gslbd, the tree's own build)
#   --release     build gslbd with -O2 -g and without sanitizers out of the source tree, as
#                 bench/run.sh does (bench/work/src, bench/work/build), and soak that build:
#                 RSS figures mean something only without AddressSanitizer
#   DRIVER-OPTIONS  passed to bench/soak.py: --reload-every S (3), --flap-every S (30),
#                 --rss-growth PCT (5), --mmdb PATH, --keep
#
# One gslbd serves the example's zone with a configuration derived from zones/gslbd.yaml,
# probing one HTTP backend per data center on 127.0.0.11-13, under mixed UDP and TCP load with
# ECS from GeoLite2-City (dnsperf), while it is reloaded every few seconds (some reloads with
# broken files), backends are stopped and started, and TCP abuse clients hold connections.
# bench/soak.py does the work and prints the report; the exit status is 1 when a target is
# missed. Everything binds loopback only, lives in a temporary directory, and every process
# started is stopped by PID at the end.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
PY=/usr/bin/python3
GSLBD=$ROOT/src/gslbd
RELEASE=0
ARGS=()
while [ $# -gt 0 ]; do
    case "$1" in
    --minutes | --rate) ARGS+=("$1" "$2"); shift ;;
    --gslbd) GSLBD=$2; shift ;;
    --release) RELEASE=1 ;;
    --) shift; ARGS+=("$@"); break ;;
    -h | --help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "soak.sh: unknown option '$1' (--help)" >&2; exit 2 ;;
    esac
    shift
done

die() { echo "soak.sh: $*" >&2; exit 1; }

command -v dnsperf >/dev/null || die "dnsperf is missing (apt-get install dnsperf)"
"$PY" -c 'import dns, yaml, maxminddb' 2>/dev/null ||
    die "$PY lacks dnspython, yaml or maxminddb" \
        "(apt-get install python3-dnspython python3-yaml python3-maxminddb)"
[ -s "$ROOT/geo/GeoLite2-City.mmdb" ] ||
    die "no geo/GeoLite2-City.mmdb: fetch it with geo/fetch-geolite2.sh (scripts/example.sh does)"
[ "$(nproc)" -ge 2 ] || die "needs two cores"

if [ "$RELEASE" = 1 ]; then
    # As bench/run.sh's build(): the working tree copied to bench/work/src, configured there
    # and built in bench/work/build, so the tree's own (developer) build is left alone.
    work=$HERE/work
    mkdir -p "$work/src" "$work/build"
    (cd "$ROOT" && git ls-files -co --exclude-standard -- . ':!bench/work' | tar -cf - -T -) |
        tar -xf - -C "$work/src"
    if [ ! -x "$work/src/configure" ] || [ ! -f "$work/src/Makefile.in" ]; then
        (cd "$work/src" && autoreconf -fi >"$work/autoreconf.log" 2>&1) ||
            die "autoreconf failed ($work/autoreconf.log)"
    fi
    if [ ! -f "$work/build/Makefile" ]; then
        (cd "$work/build" && ../src/configure CFLAGS="-O2 -g" >/dev/null)
    fi
    echo "soak.sh: building gslbd (-O2 -g, no sanitizers) in bench/work/build" >&2
    make -C "$work/build" -j2 src/gslbd >"$work/build.log" 2>&1 || {
        tail -30 "$work/build.log" >&2
        die "build failed ($work/build.log)"
    }
    GSLBD=$work/build/src/gslbd
fi
[ -x "$GSLBD" ] || die "no gslbd at $GSLBD: build it first (make), or use --release"

exec "$PY" "$HERE/soak.py" --gslbd "$GSLBD" "${ARGS[@]}"
