#!/usr/bin/env bash
# bench/steer-sim.sh: run the steering simulator (bench/steer_sim.c) on the real GeoLite2-City.
#
# Usage: bench/steer-sim.sh [CLIENTS] [SEED]     (default 100000 client /24s, seed 12345)
#
# Builds gslbd's libraries with -O2 from a copy of the working tree in bench/work/sim-build
# (not tracked; a copy, as the source tree may itself be configured), fetches the
# database with geo/fetch-geolite2.sh when it is missing, and prints the simulator's figures:
# shares against capacity with every site over target, stickiness over 100 steady intervals,
# the controller's settling time and overshoot after a step in demand, and the share of
# clients that move when one data center of five is removed or added back.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
BUILD=$HERE/work/sim-build
DB=$ROOT/geo/GeoLite2-City.mmdb

if [ ! -s "$DB" ]; then
    "$ROOT/geo/fetch-geolite2.sh"
fi
mkdir -p "$BUILD"
# Only files that changed are copied, so make rebuilds what changed.
(cd "$ROOT" && git ls-files -z | grep -zv '^bench/work/' |
    xargs -0 cp --parents -u -t "$BUILD")
if [ ! -f "$BUILD/Makefile" ]; then
    (cd "$BUILD" && autoreconf -fi >/dev/null 2>&1 && ./configure CFLAGS="-O2 -g" >/dev/null)
fi
if ! make -C "$BUILD" -j2 bench/steer_sim >"$BUILD/make.log" 2>&1; then
    cat "$BUILD/make.log" >&2
    exit 1
fi
"$BUILD/bench/steer_sim" "$DB" "${1:-100000}" "${2:-12345}"
