#!/usr/bin/env bash
# bench/fleet.sh: a fleet of three gslbd instances on a three-member etcd cluster, on loopback.
#
# Usage: bench/fleet.sh [--quick]
#   --quick  2 rounds and an 8 s window instead of 5 rounds and 30 s
#
# Starts etcd (Debian's etcd-server, /usr/bin/etcd) three times, a TCP target for 3 x 1,000
# tcp probes every 2 s, an HTTP backend for one probed site, and three gslbd instances of
# the tree's build (src/gslbd, or $GSLBD), then prints: the time from a backend dying to
# all three instances answering without it, the time a drain made on one instance takes to
# reach the two others, the etcd writes per second in steady state and at the start, and
# the figures computed for ten instances. doc/fleet.md has the figures of a run. Every
# process binds to 127.0.0.1 and is stopped by PID at the end. Not part of `make check`.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
export abs_top_srcdir="$ROOT"
export abs_top_builddir="${abs_top_builddir:-$ROOT}"
if [ ! -x "${GSLBD:-$abs_top_builddir/src/gslbd}" ]; then
    echo "bench/fleet.sh: build gslbd first (./configure && make)" >&2
    exit 1
fi
exec /usr/bin/python3 "$HERE/fleet.py" "$@"
