#!/usr/bin/env bash
# Build the libFuzzer targets into fuzz/build/fuzz/{query,zone,conf}: the source files (tracked,
# or new and not ignored) are
# copied to fuzz/build (the source tree may itself be configured in place, which autotools
# refuses to share with another build), configured there with clang and the fuzzer's
# instrumentation plus ASan/UBSan, and the targets linked with -fsanitize=fuzzer.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BUILD="$ROOT/fuzz/build"
CC="${FUZZ_CC:-clang}"
SAN="address,undefined"
if ! command -v "$CC" >/dev/null 2>&1; then
    echo "fuzz/build.sh: $CC not found (scripts/deps.sh installs clang)" >&2
    exit 1
fi
mkdir -p "$BUILD"
(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard | grep -zv '^fuzz/build/\|^fuzz/work/' |
    xargs -0 cp --parents -u -t "$BUILD")
if [ ! -f "$BUILD/Makefile" ]; then
    (cd "$BUILD" && autoreconf -fi >/dev/null 2>&1 &&
        ./configure CC="$CC" CFLAGS="-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,$SAN" \
            >configure.out 2>&1) || { cat "$BUILD/configure.out" >&2; exit 1; }
fi
if ! make -C "$BUILD" -j2 FUZZ_LINK="-fsanitize=fuzzer,$SAN" \
        fuzz/query fuzz/zone fuzz/conf >"$BUILD/make.log" 2>&1; then
    tail -n 40 "$BUILD/make.log" >&2
    exit 1
fi
echo "fuzz targets: $BUILD/fuzz/query $BUILD/fuzz/zone $BUILD/fuzz/conf"
