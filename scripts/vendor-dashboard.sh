#!/usr/bin/env bash
# Fetch the dashboard's JavaScript libraries and map data from the npm registry into DIR
# (the build runs it for dashboard/vendor/): d3-array and d3-geo (ISC; d3-geo's GeographicLib
# parts MIT) draw the map, topojson-client (ISC) decodes world-atlas's Natural Earth outlines
# (ISC; the data is in the public domain). Exact versions, each tarball checked against the
# integrity hash pinned below (the registry's dist.integrity when the version was chosen).
set -euo pipefail
out="${1:?usage: vendor-dashboard.sh DIR}"
packages=(d3-array@3.2.5 d3-geo@3.1.2 topojson-client@3.1.0 world-atlas@2.0.2)
# package name -> sha512 of its tarball, as npm writes it in dist.integrity
declare -A integrity=(
    [d3-array]="sha512-Th8qGXoBalmWsstpkuhmBuTsBQIFqYOJtjlBvNVvBfJ8E3uYusBUwUR8HU20U0qKKQkgCvKyR1YjiozWadk5QA=="
    [d3-geo]="sha512-5R8ZgDQorIxmauv7R6gpE/ndz+Z0qAZssigq0aXFdvPHdY41RqtW02jrRUQAL724NdPABYXo1+gQEGBBr7uKNg=="
    [topojson-client]="sha512-605uxS6bcYxGXw9qi62XyrV6Q3xwbndjachmNxu8HWTtVPxZfEJN9fd/SZS1Q54Sn2y0TMyMxFj/cJINqGHrKw=="
    [world-atlas]="sha512-IXfV0qwlKXpckz1FhwXVwKRjiIhOnWttOskm5CtxMsjgE/MXAYRHWJqgXOpM8IkcPBoXnyTU5lFHcYa5ChG0LQ=="
)
# package name -> the files the page loads
declare -A files=(
    [d3-array]="dist/d3-array.min.js"
    [d3-geo]="dist/d3-geo.min.js"
    [topojson-client]="dist/topojson-client.min.js"
    [world-atlas]="countries-110m.json"
)
if ! command -v npm >/dev/null 2>&1; then
    echo "vendor-dashboard.sh: npm is needed to fetch the dashboard's libraries (scripts/deps.sh installs it)" >&2
    exit 1
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "${packages[@]}" >/dev/null)
mkdir -p "$tmp/out"
for spec in "${packages[@]}"; do
    name="${spec%@*}"
    version="${spec##*@}"
    got="sha512-$(openssl dgst -sha512 -binary "$tmp/$name-$version.tgz" | base64 -w0)"
    if [ "$got" != "${integrity[$name]}" ]; then
        echo "vendor-dashboard.sh: $spec: tarball hash $got, expected ${integrity[$name]}" >&2
        exit 1
    fi
    mkdir -p "$tmp/$name"
    tar -xzf "$tmp/$name-$version.tgz" -C "$tmp/$name"
    for f in ${files[$name]}; do
        cp "$tmp/$name/package/$f" "$tmp/out/"
    done
    cp "$tmp/$name/package/LICENSE" "$tmp/out/LICENSE.$name.txt"
    echo "$name $version" >>"$tmp/out/VERSIONS.txt"
done
rm -rf "$out"
mkdir -p "$(dirname "$out")"
mv "$tmp/out" "$out"
