#!/bin/sh
# encodefetch.sh: peak memory of encodefetch on one streamed limit=all answer
# of N synthetic File objects (default 1000000), served by the fixture portal
# (tests/harness/portal.py --synth N, all in one month, so one
# response carries them all).  The peer, in the same run, is the old way:
# the same limit=all response read whole and parsed in memory
# (Python json.load, as the 2019 loader did with requests' .json()).  The
# synthetic portal sends the same ~0.75 KB object whatever field= asks, so
# both read the same bytes.
#
#	bench/encodefetch.sh [N]
#
# Needs: the built cmd/encodefetch/encodefetch, python3, /usr/bin/time.
# Prints the measurements and ratio lines; also writes them to
# bench/results/encodefetch.txt.  Requirement: peak RSS under 50 MB.
set -eu

N=${1:-1000000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=$ROOT/cmd/encodefetch/encodefetch
OUT=$ROOT/bench/results/encodefetch.txt
[ -x "$BIN" ] || { echo "encodefetch.sh: build first (make cmd/encodefetch/encodefetch)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "encodefetch.sh: needs /usr/bin/time (apt package time)" >&2; exit 2; }

TMP=$(mktemp -d)
PID=
cleanup() {
	[ -z "$PID" ] || kill "$PID" 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT INT TERM

python3 "$ROOT/tests/harness/portal.py" --synth "$N" \
    --port-file "$TMP/port" </dev/null >/dev/null 2>&1 &
PID=$!
i=0
while [ ! -s "$TMP/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
URL=http://127.0.0.1:$(cat "$TMP/port")

# field: value of one /usr/bin/time -v line
tv() {
	sed -n "s/^[[:space:]]*$1: //p" "$2"
}
secs() {
	# h:mm:ss or m:ss.ss -> seconds
	echo "$1" | awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s }'
}

# encodefetch: the rows go to wc (their count is checked), the month's rows
# wait in a temporary file in $TMP.
TMPDIR=$TMP /usr/bin/time -v -o "$TMP/ef.time" "$BIN" -u "$URL" files | wc -l >"$TMP/ef.rows"
ef_rows=$(tr -d ' ' <"$TMP/ef.rows")
ef_rss=$(tv 'Maximum resident set size (kbytes)' "$TMP/ef.time")
ef_wall=$(secs "$(tv 'Elapsed (wall clock) time (h:mm:ss or m:ss)' "$TMP/ef.time")")

# peer: the same single response, read whole and parsed in memory.
Q='type=File&format=json&limit=all&field=accession&field=uuid&field=s3_uri&date_created=gte:2020-01-01'
/usr/bin/time -v -o "$TMP/py.time" python3 -c '
import json, sys, urllib.request
req = urllib.request.Request(sys.argv[1], headers={"Accept": "application/json"})
d = json.load(urllib.request.urlopen(req))
print(len(d["@graph"]))' "$URL/search/?$Q" >"$TMP/py.rows"
py_rows=$(cat "$TMP/py.rows")
py_rss=$(tv 'Maximum resident set size (kbytes)' "$TMP/py.time")
py_wall=$(secs "$(tv 'Elapsed (wall clock) time (h:mm:ss or m:ss)' "$TMP/py.time")")

verdict=FAIL
[ "$ef_rows" -eq "$N" ] && [ "$ef_rss" -lt 51200 ] && verdict=PASS

{
	echo "# bench/encodefetch.sh $N  ($(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores shared, $(uname -m))"
	echo "# one streamed limit=all response of $N synthetic File objects (fixture portal --synth)"
	echo "encodefetch files:            rows $ef_rows  peak_rss_kb $ef_rss  wall_s $ef_wall"
	echo "peer python json.load (old):  hits $py_rows  peak_rss_kb $py_rss  wall_s $py_wall"
	awk -v a="$py_rss" -v b="$ef_rss" 'BEGIN { printf "ratio peak_rss peer/encodefetch: %.1fx\n", a / b }'
	awk -v a="$py_wall" -v b="$ef_wall" 'BEGIN { printf "ratio wall peer/encodefetch: %.2fx (wall includes the portal generating the JSON)\n", a / b }'
	echo "requirement peak_rss < 51200 kB (50 MB) and rows == $N: $verdict"
} | tee "$OUT"
[ "$verdict" = PASS ]
