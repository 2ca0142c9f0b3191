# bench/common.sh: what the benchmark scripts share, sourced by them: logging, the optimised
# out-of-tree build of gslbd, and starting and stopping servers by PID.
#
# The sourcing script sets: HERE (bench/), ROOT (the source tree), WORK (its work directory),
# LOGS (server logs), REV (a commit to build, or empty for the working tree), CPU_SERVER
# (the core servers run on), LIFETIME (seconds after which every started process ends by
# itself), PY (/usr/bin/python3) and TOOL (bench/tool.py's command), and declares the
# associative array SPID and the array STARTED.

# has_phase NAME: whether NAME is in the comma-separated list PHASES.
has_phase() { [[ ",$PHASES," == *",$1,"* ]]; }

# install_packages PKG...: install, with apt-get, those of the Debian packages PKG that are not
# installed yet.
install_packages() {
    local missing=() p sudo=""
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
            missing+=("$p")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    [ "$(id -u)" -ne 0 ] && sudo=sudo
    log "installing: ${missing[*]}"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${missing[@]}"
}

log() { printf '%s bench: %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# ---- build ------------------------------------------------------------------------------

# An optimised build without sanitizers, out of the source tree: the working tree's files
# (tracked and new, not ignored; bench/ too, as Makefile.am includes bench/local.mk) are
# copied to work/src and built in work/build, so the developer build in the source tree is
# left alone. With --rev the files come from that commit instead, into work/rev/COMMIT/.
build() {
    local base=$WORK
    if [ -n "$REV" ]; then
        local sha
        sha=$(git -C "$ROOT" rev-parse --short "$REV^{commit}") || die "no commit '$REV'"
        base=$WORK/rev/$sha
        mkdir -p "$base/src"
        [ -x "$base/src/configure" ] || git -C "$ROOT" archive "$sha" | tar -xf - -C "$base/src"
    else
        mkdir -p "$base/src"
        (cd "$ROOT" && git ls-files -co --exclude-standard -- . ':!bench/work' | tar -cf - -T -) |
            tar -xf - -C "$base/src"
    fi
    mkdir -p "$base/build"
    if [ ! -x "$base/src/configure" ] || [ ! -f "$base/src/Makefile.in" ]; then
        log "autoreconf in ${base#"$HERE"/}/src"
        (cd "$base/src" && autoreconf -fi >"$WORK/autoreconf.log" 2>&1) || {
            tail -5 "$WORK/autoreconf.log" >&2
            die "autoreconf failed (work/autoreconf.log)"
        }
    fi
    if [ ! -f "$base/build/Makefile" ]; then
        log "configure (CFLAGS=-O2 -g)"
        (cd "$base/build" && ../src/configure CFLAGS="-O2 -g" >/dev/null)
    fi
    log "building gslbd${REV:+ at $REV}"
    make -C "$base/build" -j2 src/gslbd >"$WORK/build.log" 2>&1 || {
        tail -30 "$WORK/build.log" >&2
        die "build failed (work/build.log)"
    }
    GSLBD=$base/build/src/gslbd
    cc -O2 -Wall -o "$WORK/nullresp" "$HERE/nullresp.c"
}

# ---- servers ----------------------------------------------------------------------------

# start NAME CMD...: run CMD pinned to the server core, bounded in time, its output in
# LOGS/NAME.log; sets SPID[NAME].
start() {
    local name=$1
    shift
    timeout --signal=TERM --kill-after=10 "$LIFETIME" \
        taskset -c "$CPU_SERVER" "$@" >"$LOGS/$name.log" 2>&1 &
    local tpid=$! pid=""
    for _ in $(seq 1 100); do
        pid=$(pgrep -P "$tpid" | head -1 || true)
        [ -n "$pid" ] && break
        sleep 0.05
    done
    [ -n "$pid" ] || die "$name did not start (logs/$name.log)"
    SPID[$name]=$pid
    STARTED+=("$pid")
}

# stop NAME: SIGTERM the server by PID and wait for it to go.
stop() {
    local pid=${SPID[$1]:-}
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 200); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    kill -KILL "$pid" 2>/dev/null || true
    unset "SPID[$1]"
}

# port_free PORT: true when PORT is free on 127.0.0.1 for UDP and TCP.
port_free() {
    "$PY" - "$1" <<'EOF'
import socket, sys
p = int(sys.argv[1])
for t in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
    s = socket.socket(socket.AF_INET, t)
    try:
        s.bind(("127.0.0.1", p))
    except OSError:
        sys.exit(1)
    finally:
        s.close()
EOF
}

# wait_ready PORT NAME [SECONDS]: until the server on PORT answers NAME (A), or die.
wait_ready() {
    "${TOOL[@]}" wait "$1" "$2" --timeout "${3:-120}" >/dev/null ||
        die "server on port $1 did not answer $2"
}

# Stop everything started (SIGTERM, then SIGKILL); for the scripts' EXIT traps.
kill_started() {
    for pid in "${STARTED[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    sleep 0.5
    for pid in "${STARTED[@]}"; do
        kill -KILL "$pid" 2>/dev/null || true
    done
}
