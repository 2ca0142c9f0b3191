#!/usr/bin/env bash
# bench/health-probes.sh: what 10,000 http health probes a second cost gslbd, on loopback.
#
# Usage: bench/health-probes.sh [--quick] [--rev REV | --worktree]
#   --quick     short run: 1 round, 3 s windows
#   --rev REV   benchmark the gslbd of git revision REV (default: HEAD)
#   --worktree  benchmark the working tree as it is (tracked and new files)
#
# Builds gslbd (-O2 -g, no sanitizers) out of the source tree and bench/probe_target.c,
# generates a configuration of 40 data centers x 250 addresses, each address probed over
# http every second at its own port of a local probe_target, and the same configuration
# without probes. Then, for each round, it runs gslbd (workers: 1, pinned to one core) with
# each configuration and measures the probes finished per second (gslbd's /metrics and the
# targets' own count), the health thread's CPU, and the query rate dnsperf (on the other core)
# gets; and once more with probes only while busy loops share gslbd's core, to see how probing
# degrades when the health thread is short of CPU. It prints tables of the medians. A case in
# which other processes used more than 15% of a core is run again (up to three times), after
# waiting for the machine to be quiet.
# Everything goes under bench/work/ (not tracked); doc/health-benchmark.md has the figures
# of a full run. Not part of `make check`.
#
# Environment: HEALTH_BENCH_CPU_SERVER (0) and HEALTH_BENCH_CPU_CLIENT (1) pick the cores,
# HEALTH_BENCH_DNS_PORT (15390) gslbd's DNS port, HEALTH_BENCH_CTL_PORT (15391) its control
# endpoint, HEALTH_BENCH_PORT_BASE (20000) the first of the 10,000 target ports (keep them
# below the ephemeral range), HEALTH_BENCH_HOGS (3) the busy loops of the last case (0 skips
# it). Every process started here binds to 127.0.0.1 only and ends by itself within an hour.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
WORK=$HERE/work
PY=/usr/bin/python3

QUICK=0
REV=HEAD
while [ $# -gt 0 ]; do
    case "$1" in
    --quick) QUICK=1 ;;
    --rev) REV=$2; shift ;;
    --worktree) REV=worktree ;;
    -h | --help) sed -n '2,26p' "$0"; exit 0 ;;
    *) echo "health-probes.sh: unknown option '$1'" >&2; exit 2 ;;
    esac
    shift
done

CPU_SERVER=${HEALTH_BENCH_CPU_SERVER:-0}
CPU_CLIENT=${HEALTH_BENCH_CPU_CLIENT:-1}
DNS_PORT=${HEALTH_BENCH_DNS_PORT:-15390}
CTL_PORT=${HEALTH_BENCH_CTL_PORT:-15391}
HOGS=${HEALTH_BENCH_HOGS:-3}
PORT_BASE=${HEALTH_BENCH_PORT_BASE:-20000}
if [ "$QUICK" = 1 ]; then
    TIMING=(--rounds 1 --warmup 3 --idle 3 --duration 3)
else
    TIMING=(--rounds 3 --warmup 5 --idle 10 --duration 10)
fi

log() { printf '%s health-bench: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

for tool in dnsperf taskset timeout cc pkg-config autoreconf git; do
    command -v "$tool" >/dev/null || die "'$tool' is missing (apt-get install dnsperf build-essential autoconf automake pkg-config libevent-dev)"
done
[ "$(nproc)" -ge 2 ] || log "warning: fewer than 2 CPUs; server and client will share one"

# ---- build ----------------------------------------------------------------------------------

# A revision is exported with git archive; the working tree is copied like bench/run.sh does.
# Each gets its own source and build directory, so switching between them rebuilds nothing.
if [ "$REV" = worktree ]; then
    TAG=worktree
else
    TAG=$(cd "$ROOT" && git rev-parse --short=12 "$REV^{commit}") || die "unknown revision '$REV'"
fi
SRC=$WORK/health-build/$TAG/src
BUILD=$WORK/health-build/$TAG/build
RUN=$WORK/health
OUT=$RUN/$TAG
mkdir -p "$SRC" "$BUILD" "$OUT"
if [ "$TAG" = worktree ]; then
    (cd "$ROOT" && git ls-files -co --exclude-standard -- . ':!bench' | tar -cf - -T -) |
        tar -xf - -C "$SRC"
elif [ ! -f "$SRC/configure.ac" ]; then
    (cd "$ROOT" && git archive --format=tar "$TAG" -- . ':!bench') | tar -xf - -C "$SRC"
fi
if [ ! -x "$SRC/configure" ]; then
    log "autoreconf ($TAG)"
    (cd "$SRC" && autoreconf -fi >/dev/null 2>&1) || die "autoreconf failed in $SRC"
fi
if [ ! -f "$BUILD/Makefile" ]; then
    log "configure ($TAG, CFLAGS=-O2 -g)"
    (cd "$BUILD" && "$SRC/configure" CFLAGS="-O2 -g" >/dev/null) || die "configure failed"
fi
log "building gslbd ($TAG)"
make -C "$BUILD" -j2 src/gslbd >"$BUILD/make.log" 2>&1 || {
    tail -30 "$BUILD/make.log" >&2
    die "build failed ($BUILD/make.log)"
}
# shellcheck disable=SC2046
cc -O2 -Wall -Wextra -o "$RUN/probe_target" "$HERE/probe_target.c" \
    $(pkg-config --cflags --libs libevent) || die "cannot build probe_target"

# ---- run ------------------------------------------------------------------------------------

PORTS=(--dns-port "$DNS_PORT" --ctl-port "$CTL_PORT" --probe-port-base "$PORT_BASE")
"$PY" "$HERE/health_probes.py" gen "${PORTS[@]}" "$RUN/gen"
log "gslbd $TAG on CPU $CPU_SERVER; dnsperf and targets on CPU $CPU_CLIENT"
"$PY" "$HERE/health_probes.py" run "${PORTS[@]}" "${TIMING[@]}" \
    --gen "$RUN/gen" --work "$OUT" --gslbd "$BUILD/src/gslbd" \
    --probe-target "$RUN/probe_target" --hogs "$HOGS" \
    --cpu-server "$CPU_SERVER" --cpu-client "$CPU_CLIENT"
log "report in $OUT/report.md, raw figures and logs in $OUT/"
