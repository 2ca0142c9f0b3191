#!/usr/bin/env bash
# Install dependencies, build with -Werror and AddressSanitizer/UndefinedBehaviorSanitizer,
# and run every unit and integration test (make check).
set -euo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"
cd "$top"
scripts/deps.sh
autoreconf -fi >/dev/null
./configure --enable-developer >/dev/null
make -j"$(nproc)" >/dev/null
# LeakSanitizer needs ptrace-free environments; keep leak checks on, abort on UBSan reports.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
status=0
make -j"$(nproc)" check || status=$?
if [ "$status" -ne 0 ]; then
    for f in $(find tests -name '*.log' ! -name 'test-suite.log'); do
        if grep -qE '^(FAIL|ERROR)' "${f%.log}.trs" 2>/dev/null; then
            echo "==== $f"
            cat "$f"
        fi
    done
fi
# One closing line over every unit and integration test program.
if [ -f test-suite.log ]; then
    count() { sed -n "s/^# $1: *//p" test-suite.log | head -n 1; }
    pass=$(count PASS)
    failed=$(( $(count FAIL) + $(count ERROR) + $(count XPASS) ))
    echo "${pass:-0} passed, ${failed} failed, $(count SKIP) skipped"
elif [ "$status" -eq 0 ]; then
    status=1
fi
exit "$status"
