#!/bin/sh
# logparse.sh: logparse throughput against the simple Python `re` peer
# (bench/logparse_re.py), in the same run, on 1M genlogs lines (~590 MB).
#
# usage: bench/logparse.sh [lines]        (default 1000000)
#
# Needs no servers.  Writes the report to stdout and bench/results/logparse.txt.
# Times come from /usr/bin/time -v (Debian package `time`): wall clock and
# CPU (user+sys).  The machine is shared, so wall time includes waiting for
# a core; CPU time is the one-core figure.  logparse runs 3 times into
# /dev/null (best kept, page cache warm) and once more, untimed, into a
# file for the comparison; the peer runs once (it takes minutes), timed,
# into a file (which costs it well under 1% of its time).
set -eu
cd "$(dirname "$0")/.."
ROOT=$PWD
N=${1:-1000000}
OUT=$ROOT/bench/results/logparse.txt
T=$(mktemp -d "${TMPDIR:-/tmp}/logparse-bench.XXXXXX")
trap 'rm -rf "$T"' EXIT INT TERM

[ -x cmd/logparse/logparse ] || make cmd/logparse/logparse >&2

# stats FILE: "wall cpu rss" from a /usr/bin/time -v report
stats() {
	awk -F': ' '
	/Elapsed \(wall clock\)/ { n = split($2, a, ":"); w = 0
		for (i = 1; i <= n; i++) w = w * 60 + a[i] }
	/User time/ { u = $2 } /System time/ { s = $2 }
	/Maximum resident/ { r = $2 }
	END { printf "%.2f %.2f %d\n", w, u + s, r }' "$1"
}

{
echo "# bench/logparse.sh, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores shared, $(uname -m)"
echo "# cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
python3 bench/genlogs.py -n "$N" -s 1 >"$T/in.log"
cat "$T/in.log" >/dev/null
bytes=$(wc -c <"$T/in.log")
echo "input: $N lines, $bytes bytes (bench/genlogs.py -n $N -s 1)"

best=
for i in 1 2 3; do
	/usr/bin/time -v -o "$T/t.lp" cmd/logparse/logparse "$T/in.log" >/dev/null
	set -- $(stats "$T/t.lp")
	echo "logparse run $i: wall $1 s, cpu $2 s, peak rss $3 KB"
	if [ -z "$best" ] || awk "BEGIN { exit !($1 < $best) }"; then
		best=$1 bcpu=$2 brss=$3
	fi
done
/usr/bin/time -v -o "$T/t.lpu" cmd/logparse/logparse -u "$T/in.log" >/dev/null
set -- $(stats "$T/t.lpu")
echo "logparse -u: wall $1 s, cpu $2 s, peak rss $3 KB"
cmd/logparse/logparse -r "$T/rej.lp" "$T/in.log" >"$T/out.lp"
rows=$(wc -l <"$T/out.lp")
rej=$(wc -l <"$T/rej.lp")
echo "logparse: $rows rows, $rej rejected"

/usr/bin/time -v -o "$T/t.re" python3 bench/logparse_re.py "$T/in.log" \
    >"$T/out.re" 2>"$T/err.re"
set -- $(stats "$T/t.re")
pwall=$1 pcpu=$2 prss=$3
prows=$(wc -l <"$T/out.re")
echo "logparse_re.py: wall $pwall s, cpu $pcpu s, peak rss $prss KB, $prows rows ($(cat "$T/err.re"))"

# Same columns: every peer row must be a logparse row, in order.
python3 - "$T/out.re" "$T/out.lp" <<'EOF'
import sys
a, b = open(sys.argv[1], "rb"), open(sys.argv[2], "rb")
same = diff = 0
for r in a:
    for s in b:
        if s == r:
            same += 1
            break
    else:
        diff += 1
print("same columns: %d peer rows byte-identical to logparse rows, %d not" % (same, diff))
EOF

awk -v b="$bytes" -v w="$best" -v c="$bcpu" -v pw="$pwall" -v pc="$pcpu" -v r="$brss" 'BEGIN {
	printf "logparse throughput: %.0f MB/s wall, %.0f MB/s per CPU second (one core)\n", b / w / 1e6, b / c / 1e6
	printf "logparse_re.py throughput: %.1f MB/s wall, %.1f MB/s per CPU second\n", b / pw / 1e6, b / pc / 1e6
	printf "ratio (peer / logparse): %.1fx wall, %.1fx cpu\n", pw / w, pc / c
	printf "logparse peak RSS: %.1f MB (limit 16 MB)\n", r / 1024
}'
} | tee "$OUT"
