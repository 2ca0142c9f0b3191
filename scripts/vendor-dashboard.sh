#!/usr/bin/env bash
# Fetch the dashboard's JavaScript libraries and map data from the npm registry into DIR
# (the build runs it for dashboard/vendor/): d3-array and d3-geo (ISC) draw the map,
# topojson-client (ISC) decodes world-atlas's Natural Earth outlines (ISC; the data is in
# the public domain). Exact versions, checked by npm against the registry's integrity hashes.
set -euo pipefail
out="${1:?usage: vendor-dashboard.sh DIR}"
packages=(d3-array@3.2.5 d3-geo@3.1.2 topojson-client@3.1.0 world-atlas@2.0.2)
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
