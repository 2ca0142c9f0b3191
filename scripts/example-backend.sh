#!/usr/bin/env bash
# Start or stop the example's stand-in backends: one small HTTP server per data center
# on 127.0.0.1 (us-east 8081, eu-west 8082, ap-southeast 8083), probed by gslbd. Each
# serves /status, a JSON document with the site's utilisation, which gslbd reads as the
# data center's live load.
#   scripts/example-backend.sh start [DC...]       (default: all)
#   scripts/example-backend.sh stop  [DC...]
#   scripts/example-backend.sh load DC FIGURE      (utilisation, e.g. 0.3; 1.2 is over-full)
set -euo pipefail
run_dir="${GSLBD_EXAMPLE_RUN:-${TMPDIR:-/tmp}/gslbd-example}"
declare -A ports=([us-east]=8081 [eu-west]=8082 [ap-southeast]=8083)

# The status document a backend serves, written whole so a probe never reads half of it.
set_load() {
    mkdir -p "$run_dir/www-$1"
    printf '{"status": "ok", "utilisation": %s}\n' "$2" > "$run_dir/www-$1/status.new"
    mv "$run_dir/www-$1/status.new" "$run_dir/www-$1/status"
}

action="${1:-}"
shift || true
if [ "$action" = load ]; then
    if [ $# -ne 2 ] || [ -z "${ports[$1]:-}" ] ||
        ! [[ "$2" =~ ^[0-9]+(\.[0-9]+)?$ ]]; then
        echo "usage: $0 load us-east|eu-west|ap-southeast FIGURE" >&2
        exit 2
    fi
    set_load "$1" "$2"
    echo "backend $1: reports utilisation $2"
    exit 0
fi
dcs=("$@")
[ "${#dcs[@]}" -gt 0 ] || dcs=(us-east eu-west ap-southeast)

for dc in "${dcs[@]}"; do
    port="${ports[$dc]:-}"
    if [ -z "$port" ]; then
        echo "unknown data center '$dc' (us-east, eu-west, ap-southeast)" >&2
        exit 2
    fi
    pidfile="$run_dir/$dc.pid"
    case "$action" in
    start)
        if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
            continue
        fi
        [ -f "$run_dir/www-$dc/status" ] || set_load "$dc" 0.3
        /usr/bin/python3 -m http.server --bind 127.0.0.1 --directory "$run_dir/www-$dc" "$port" \
            >/dev/null 2>&1 &
        echo $! > "$pidfile"
        sleep 0.5
        if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
            rm -f "$pidfile"
            echo "backend $dc: cannot listen on 127.0.0.1:$port (in use?)" >&2
            exit 1
        fi
        echo "backend $dc: listening on 127.0.0.1:$port (PID $(cat "$pidfile"))"
        ;;
    stop)
        if [ -f "$pidfile" ]; then
            kill "$(cat "$pidfile")" 2>/dev/null || true
            rm -f "$pidfile"
            echo "backend $dc: stopped"
        fi
        ;;
    *)
        echo "usage: $0 start|stop [us-east|eu-west|ap-southeast ...] | load DC FIGURE" >&2
        exit 2
        ;;
    esac
done
