#!/bin/bash
# screenshots.sh: the report site as a browser draws it, for a person to
# look at: headless Chromium screenshots of the home page and the countries
# page, into bench/results/report-home.png and report-countries.png.
#
#   bench/screenshots.sh
#
# Boots a throwaway PostgreSQL (tests/harness/up) into a mktemp directory,
# torn down on exit; loads the report test fixture (with its ENCODE rows)
# and 20,000 lines of bench/genlogs.py over 90 days; builds a country and
# an ASN database with tests/harness/mkmmdb (made-up networks: genlogs'
# addresses are random); renders the site with both, and opens it from
# the local directory (file://), without network.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/bench/results

make >&2
H=$(mktemp -d "${TMPDIR:-/tmp}/screenshots.XXXXXX")
chmod 755 "$H"
trap '"$ROOT/tests/harness/down" "$H/srv"; rm -rf "$H"' EXIT
for try in 1 2 3; do
	"$ROOT/tests/harness/up" "$H/srv" 2>"$H/up.log" && break
	[ "$try" -lt 3 ] || { cat "$H/up.log" >&2; exit 1; }
	rm -rf "$H/srv"
done
# shellcheck disable=SC1091
. "$H/srv/env"
PATH=$ROOT/cmd/report:$ROOT/cmd/pgload:$ROOT/cmd/logparse:$PATH

createdb shots
export PGDATABASE=shots
F=$ROOT/tests/fixtures/report
logparse "$F/site.log" | pgload
for t in files datasets labs awards; do
	pgload -t "$t" <"$F/$t.tsv"
done
"$ROOT/bench/genlogs.py" -n 20000 -s 11 --days 90 --keys 300 --clients 2000 |
    logparse | pgload

# Every IPv4 /8 to one of 16 countries and one of 24 networks; IPv6 to one.
countries=("US United States" "DE Germany" "GB United Kingdom" "JP Japan"
    "CN China" "FR France" "CA Canada" "IN India" "KR South Korea"
    "AU Australia" "NL Netherlands" "BR Brazil" "CH Switzerland"
    "SE Sweden" "IT Italy" "ES Spain")
for o in $(seq 1 223); do
	echo "$o.0.0.0/8 ${countries[$(( (o * 7) % 16 < 6 ? 0 : (o * 7) % 16 ))]}"
done >"$H/c.txt"
echo "2001:db8::/32 DE Germany" >>"$H/c.txt"
for o in $(seq 1 223); do
	n=$(( (o * 5) % 24 ))
	echo "$o.0.0.0/8 $((64500 + n)) Example Network $n"
done >"$H/a.txt"
echo "2001:db8::/32 64600 Example IPv6 Research Network" >>"$H/a.txt"
"$ROOT/tests/harness/mkmmdb" country "$H/country.mmdb" <"$H/c.txt"
"$ROOT/tests/harness/mkmmdb" asn "$H/asn.mmdb" <"$H/a.txt"
report --geoip-database "$H/country.mmdb" --geoip-database "$H/asn.mmdb" \
    -o "$H/site" >/dev/null

shot() {	# shot PAGE PNG
	local u
	u=$(mktemp -d "$H/chromium.XXXXXX")
	timeout 120 chromium --headless --no-sandbox --disable-gpu \
	    --disable-quic --no-first-run --disable-background-networking \
	    --disable-component-update --disable-sync --user-data-dir="$u" \
	    --hide-scrollbars --screenshot="$2" --window-size=1280,1600 \
	    "file://$H/site/$1" >/dev/null 2>&1
	[ -s "$2" ]
	echo "screenshots: $1 -> ${2#"$ROOT"/}" >&2
}
mkdir -p "$OUT"
shot index.html "$OUT/report-home.png"
shot countries.html "$OUT/report-countries.png"
