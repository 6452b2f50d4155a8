#!/bin/sh
# hostile.sh: the worst cases of issue 18's data path, this build against
# an older one (the peer: the same programs before the fix), in the same
# run: encodefetch on one huge JSON string, logparse on one 200 MiB line,
# encodefetch against a portal that answers 503 to every range.
#
# usage: bench/hostile.sh OLDBINDIR     (a directory holding the older
#        encodefetch and logparse; build one from an older commit)
#
# Needs no database: the portals are tests/harness/hugeportal.py and
# tests/harness/portal.py on loopback.  Every run is limited to 60 s
# (timeout(1)): "timeout" means the program had not finished.  Writes the
# report to stdout and bench/results/hostile.txt.  /usr/bin/time -v gives
# wall time and peak RSS.
set -eu
cd "$(dirname "$0")/.."
ROOT=$PWD
OLD=${1:?usage: bench/hostile.sh OLDBINDIR}
NEW=$ROOT/cmd
OUT=$ROOT/bench/results/hostile.txt
T=$(mktemp -d "${TMPDIR:-/tmp}/hostile-bench.XXXXXX")
PID=
trap '[ -z "$PID" ] || kill "$PID" 2>/dev/null; rm -rf "$T"' EXIT INT TERM

bin() { [ -x "$1/$2/$2" ] && echo "$1/$2/$2" || echo "$1/$2"; }

# portal SCRIPT ARGS: start a stand-in, set URL.
portal() {
	[ -z "$PID" ] || { kill "$PID"; wait "$PID" 2>/dev/null || true; }
	rm -f "$T/port"
	python3 "$@" --port-file "$T/port" --log "$T/portal.log" &
	PID=$!
	while [ ! -s "$T/port" ]; do sleep 0.1; done
	URL=http://127.0.0.1:$(cat "$T/port")
	: >"$T/portal.log"
}

# measure LABEL CMD...: one line "LABEL: exit N, wall S s, peak_rss K KB".
measure() {
	label=$1
	shift
	st=0
	/usr/bin/time -v -o "$T/time" timeout 60 "$@" >"$T/out" 2>"$T/err" || st=$?
	awk -F': ' -v l="$label" -v st="$st" '
	/Elapsed \(wall clock\)/ { n = split($2, a, ":"); w = 0
		for (i = 1; i <= n; i++) w = w * 60 + a[i] }
	/Maximum resident/ { r = $2 }
	END { printf "%s: exit %s%s, wall %.2f s, peak_rss %d KB\n", l, st,
	    st == 124 ? " (timeout)" : "", w, r }' "$T/time"
}

{
echo "# bench/hostile.sh ($(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores shared, $(uname -m))"
echo "# old: $OLD   new: $NEW"
for mb in 8 32 150; do
	portal tests/harness/hugeportal.py --string $((mb * 1000000))
	measure "encodefetch labs, one ${mb} MB JSON string, old" "$(bin "$OLD" encodefetch)" -r 1 -u "$URL" labs
	measure "encodefetch labs, one ${mb} MB JSON string, new --max-value 200000000" \
	    "$(bin "$NEW" encodefetch)" -r 1 --max-value 200000000 -u "$URL" labs
	measure "encodefetch labs, one ${mb} MB JSON string, new default (refused at 4 MiB)" \
	    "$(bin "$NEW" encodefetch)" -r 1 -u "$URL" labs
done
python3 -c '
import sys
w = sys.stdout.buffer
b = b"x" * (1 << 20)
for _ in range(200):
    w.write(b)
w.write(b"\n")' >"$T/huge.log"
cat tests/fixtures/logparse/good.log >>"$T/huge.log"
measure "logparse, a 200 MiB line then good.log, old" "$(bin "$OLD" logparse)" "$T/huge.log"
measure "logparse, a 200 MiB line then good.log, new" "$(bin "$NEW" logparse)" "$T/huge.log"
portal tests/harness/portal.py --fail503 1000000
measure "encodefetch -r 1 files, every range 503, old" "$(bin "$OLD" encodefetch)" -r 1 -u "$URL" files
echo "  ranges requested: $(grep -c limit=all "$T/portal.log")"
: >"$T/portal.log"
measure "encodefetch -r 1 files, every range 503, new" "$(bin "$NEW" encodefetch)" -r 1 -u "$URL" files
echo "  ranges requested: $(grep -c limit=all "$T/portal.log")"
# The portal runs in this pipeline's subshell: stop it here, or tee waits.
kill "$PID"
wait "$PID" 2>/dev/null || true
} | tee "$OUT"
