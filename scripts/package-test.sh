#!/usr/bin/env bash
# Build the Debian package from this tree, check it with lintian, install it on this
# machine, verify its systemd unit, start the installed gslbd with the installed default
# configuration in a private network namespace (its loopback port 53 is then free) and
# query it over DNS and the control endpoint; then purge the package again.
#   sudo scripts/package-test.sh          (KEEP=1 keeps the package installed)
# Takes a few minutes (a full build); not part of make check.
set -euo pipefail
top="$(cd "$(dirname "$0")/.." && pwd)"
if [ "$(id -u)" -ne 0 ]; then
    echo "package-test.sh: run as root (it installs the package and uses a network namespace)" >&2
    exit 2
fi
export DEBIAN_FRONTEND=noninteractive
need=(debhelper lintian dpkg-dev systemd bind9-dnsutils curl iproute2)
missing=()
for p in "${need[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ "${#missing[@]}" -eq 0 ] || apt-get install -y -qq --no-install-recommends "${missing[@]}"

work="$(mktemp -d)"
cleanup() {
    if [ -z "${KEEP:-}" ] && dpkg-query -W gslbd >/dev/null 2>&1; then
        dpkg --purge gslbd >/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

step() { printf '\n== %s\n' "$*"; }

step "copy the source tree (tracked and new files, no build output)"
mkdir "$work/gslbd"
(cd "$top" && git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
    tar --null -T - -cf -) | tar -xf - -C "$work/gslbd"

step "dpkg-buildpackage -us -uc -b"
start=$(date +%s)
(cd "$work/gslbd" && dpkg-buildpackage -us -uc -b >"$work/build.log" 2>&1) || {
    tail -n 60 "$work/build.log"
    exit 1
}
echo "built in $(( $(date +%s) - start )) s"
deb="$(ls "$work"/gslbd_*.deb)"
changes="$(ls "$work"/gslbd_*.changes)"

step "lintian (errors fail)"
lintian --fail-on error --info "$changes"

step "contents"
dpkg-deb -c "$deb" | awk '{print $6}' >"$work/contents"
for f in ./usr/sbin/gslbd ./usr/bin/gslbctl ./usr/share/man/man8/gslbd.8.gz \
         ./usr/share/man/man8/gslbctl.8.gz ./usr/share/man/man5/gslbd.conf.5.gz \
         ./lib/systemd/system/gslbd.service ./etc/gslbd/gslbd.yaml ./etc/gslbd/example.zone \
         ./usr/share/gslbd/dashboard/index.html ./usr/share/gslbd/dashboard/app.js \
         ./usr/share/gslbd/dashboard/vendor/d3-geo.min.js \
         ./usr/share/gslbd/dashboard/vendor/countries-110m.json \
         ./usr/lib/sysusers.d/gslbd.conf; do
    grep -qx "$f" "$work/contents" || { echo "missing from the package: $f"; exit 1; }
done
if grep -qi 'geolite\|\.mmdb' "$work/contents"; then
    echo "a GeoIP database is packaged"; exit 1
fi
echo "every expected file is there, and no GeoIP database"

step "install"
dpkg -i "$deb"
getent passwd gslbd >/dev/null || { echo "no gslbd user after installing"; exit 1; }
echo "user: $(getent passwd gslbd)"

step "systemd-analyze verify"
systemd-analyze verify /lib/systemd/system/gslbd.service

step "the installed gslbd with the installed configuration"
/usr/sbin/gslbd -c /etc/gslbd/gslbd.yaml --check-config
unshare --net bash -euo pipefail -c '
    ip link set lo up
    /usr/sbin/gslbd -c /etc/gslbd/gslbd.yaml >'"$work"'/gslbd.log 2>&1 &
    pid=$!
    trap "kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true" EXIT
    for _ in $(seq 100); do
        dig @127.0.0.1 +short +tries=1 +time=1 gslb.example. SOA >/dev/null 2>&1 && break
        sleep 0.1
    done
    answer="$(dig @127.0.0.1 +short www.gslb.example. A)"
    echo "www.gslb.example. A: $answer"
    [ "$answer" = "192.0.2.10" ]
    answer6="$(dig @::1 +short www.gslb.example. AAAA)"
    echo "www.gslb.example. AAAA over ::1: $answer6"
    [ "$answer6" = "2001:db8::10" ]
    user="$(ps -o user= -p $pid)"
    echo "runs as: $user"
    [ "$user" = gslbd ]
    curl -sf http://127.0.0.1:8053/status | grep -q "\"generation\": 1"
    type="$(curl -sf -o /dev/null -w "%{content_type}" http://127.0.0.1:8053/ui/)"
    echo "dashboard: $type"
    [ "$type" = "text/html; charset=utf-8" ]
    curl -sf -o /dev/null http://127.0.0.1:8053/ui/vendor/countries-110m.json
    /usr/bin/gslbctl --server 127.0.0.1:8053 status | head -n 5
' || { cat "$work/gslbd.log"; exit 1; }
echo
echo "package test passed: $deb"
