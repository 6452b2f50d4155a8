#!/bin/bash
# pipeline.sh [LINES] [OBJECTS]: issue 8's end-to-end benchmark.
#
# LINES generated access-log lines (default 1,000,000) in OBJECTS log objects
# (default 1000) are uploaded to a throwaway Ceph RGW; then, in the same run,
# against a throwaway PostgreSQL:
#   s3logs: s3ls | parallel -X s3cat | logparse | pgload   (dedupe + rollups)
#   peer:   aws s3 cp --recursive; a Python `re` parser; psql \copy
#           (the way a user would do it today, into a plain table)
# and prints both wall times and their ratio.  Results go to
# bench/results/pipeline.txt as well.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
LINES=${1:-1000000}
OBJECTS=${2:-1000}
OUT=bench/results/pipeline.txt

tests/harness/deps
make -s all
H=$(mktemp -d /tmp/s3logs-bench.XXXXXX)
chmod 755 "$H"
trap 'tests/harness/down "$H"' EXIT
tests/harness/up "$H"
# shellcheck disable=SC1091
. "$H/env"
PATH=$(printf '%s:' "$ROOT"/cmd/*)$PATH

echo "generating $LINES lines in $OBJECTS objects" >&2
bench/genlogs.py -n "$LINES" --objects "$OBJECTS" --dir "$H/objs"
bytes=$(cat "$H"/objs/* | wc -c)
aws s3api create-bucket --bucket benchlogs >/dev/null
s3put -r "$H/objs/" s3://benchlogs/ >/dev/null
createdb ours
createdb peer

now() { date +%s.%N; }
# CPU seconds the whole machine has spent (user, nice, system, irq,
# softirq): the pipeline shares 2 cores with RGW and PostgreSQL.
cpu() { awk '/^cpu / { print ($2 + $3 + $4 + $7 + $8) / 100 }' /proc/stat; }

echo "s3logs pipeline" >&2
c0=$(cpu)
t0=$(now)
PGDATABASE=ours bash -o pipefail -c \
    's3ls s3://benchlogs/ | parallel -X -j 4 s3cat | logparse | pgload'
t1=$(now)
c1=$(cpu)
ours=$(echo "$t1 - $t0" | bc)
cpu_ours=$(echo "$c1 - $c0" | bc)
nours=$(PGDATABASE=ours psql -X -A -t -c 'SELECT count(*) FROM logs')

echo "peer: aws s3 cp --recursive + python re + psql \\copy" >&2
PGDATABASE=peer psql -X -q -c "CREATE TABLE logs_plain ($(bench/logparse_re.py -H </dev/null |
    tr '\t' '\n' | sed 's/$/ text/' | paste -sd, -))"
t0=$(now)
aws s3 cp --recursive --quiet s3://benchlogs/ "$H/dl/"
ta=$(now)
python3 bench/logparse_re.py "$H"/dl/* >"$H/rows.tsv"
tb=$(now)
PGDATABASE=peer psql -X -q -c "\\copy logs_plain FROM '$H/rows.tsv'"
t1=$(now)
peer=$(echo "$t1 - $t0" | bc)
steps=$(printf 'aws s3 cp %.1f s, python re %.1f s, psql \\copy %.1f s' \
    "$(echo "$ta - $t0" | bc)" "$(echo "$tb - $ta" | bc)" "$(echo "$t1 - $tb" | bc)")
npeer=$(PGDATABASE=peer psql -X -A -t -c 'SELECT count(*) FROM logs_plain')

{
	echo "# bench/pipeline.sh $LINES $OBJECTS  ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, RGW + PostgreSQL 15 on loopback)"
	echo "input: $OBJECTS objects, $LINES lines, $bytes bytes"
	printf 's3logs (s3ls | parallel -X s3cat | logparse | pgload): %.1f s, %d rows (dedupe + rollups)\n' "$ours" "$nours"
	printf 'peer (aws s3 cp --recursive; python re; psql \\copy):   %.1f s, %d rows (plain text table)\n' "$peer" "$npeer"
	echo "peer steps: $steps"
	printf 's3logs CPU seconds (user+sys of every process, RGW and PostgreSQL included): %s\n' "$cpu_ours"
	printf 'ratio: s3logs is %.1fx faster end to end\n' "$(echo "$peer / $ours" | bc -l)"
} | tee "$OUT"
