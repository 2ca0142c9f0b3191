#!/usr/bin/env bash
# Start or stop the example's stand-in backends: one small HTTP server per data center
# on 127.0.0.1 (us-east 8081, eu-west 8082, ap-southeast 8083), probed by gslbd.
#   scripts/example-backend.sh start [DC...]   (default: all)
#   scripts/example-backend.sh stop  [DC...]
set -euo pipefail
run_dir="${GSLBD_EXAMPLE_RUN:-${TMPDIR:-/tmp}/gslbd-example}"
mkdir -p "$run_dir/www"
declare -A ports=([us-east]=8081 [eu-west]=8082 [ap-southeast]=8083)

action="${1:-}"
shift || true
dcs=("$@")
[ "${#dcs[@]}" -gt 0 ] || dcs=(us-east eu-west ap-southeast)
echo "ok" > "$run_dir/www/health"

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
        /usr/bin/python3 -m http.server --bind 127.0.0.1 --directory "$run_dir/www" "$port" \
            >/dev/null 2>&1 &
        echo $! > "$pidfile"
        echo "backend $dc: listening on 127.0.0.1:$port (PID $!)"
        ;;
    stop)
        if [ -f "$pidfile" ]; then
            kill "$(cat "$pidfile")" 2>/dev/null || true
            rm -f "$pidfile"
            echo "backend $dc: stopped"
        fi
        ;;
    *)
        echo "usage: $0 start|stop [us-east|eu-west|ap-southeast ...]" >&2
        exit 2
        ;;
    esac
done
