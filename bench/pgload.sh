#!/bin/bash
# pgload.sh [-n LINES]: pgload against psql's \copy on the same rows, same run.
#
# Boots a throwaway PostgreSQL (tests/harness/up) in a temporary directory,
# makes LINES (default 1000000) rows with bench/genlogs.py | logparse, then:
#
#   peer:   psql -c '\copy logs_plain FROM rows.tsv'  -- the same 29 typed
#           columns in one table partitioned by month like logs, with the
#           same primary key (time, line_hash); no dedupe (a duplicate would
#           abort the whole COPY), no dictionaries, no rollups;
#   pgload: pgload <rows.tsv into an empty schema: dedupe, dictionaries,
#           all rollups, batches of 100000 lines in their own transactions;
#   again:  pgload <rows.tsv a second time: every line a duplicate;
#   -b N:   pgload -b LINES into another empty schema: one batch, so each
#           rollup row is upserted once instead of once per batch.
#
# Prints rows/s and peak RSS (/usr/bin/time -v) for each, the ratio lines,
# and writes the same to bench/results/pgload.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
N=1000000
while getopts n: o; do
	case $o in
	n) N=$OPTARG ;;
	*) echo "usage: pgload.sh [-n lines]" >&2; exit 2 ;;
	esac
done

make -s cmd/pgload/pgload cmd/logparse/logparse
W=$(mktemp -d "${TMPDIR:-/tmp}/pgload-bench.XXXXXX")
chmod 755 "$W"
cleanup() { tests/harness/down "$W/h" >/dev/null 2>&1 || true; rm -rf "$W"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

tests/harness/up "$W/h" >/dev/null
# shellcheck disable=SC1091
. "$W/h/env"
export PGDATABASE=bench

bench/genlogs.py -n "$N" | cmd/logparse/logparse >"$W/rows.tsv"
bytes=$(wc -c <"$W/rows.tsv")
createdb bench

psql() { command psql -X -q -v ON_ERROR_STOP=1 "$@"; }

# Schema first (an empty load), so that neither timing includes it.
cmd/pgload/pgload </dev/null
months=$(cut -f4 "$W/rows.tsv" | cut -c1-7 | sort -u)
{
	echo "CREATE TABLE logs_plain (LIKE pgload_staging,
	    PRIMARY KEY (time, line_hash)) PARTITION BY RANGE (time);"
	for m in $months; do
		next=$(date -u -d "$m-01 +1 month" +%Y-%m)
		echo "CREATE TABLE logs_plain_${m/-/} PARTITION OF logs_plain
		    FOR VALUES FROM ('$m-01 00:00+00') TO ('$next-01 00:00+00');"
	done
} >"$W/plain.sql"
# pgload_staging is a temporary table: make it exist in this session.
psql -c 'SELECT pgload_prepare()' -f "$W/plain.sql" >/dev/null

# timed NAME CMD...: run CMD under /usr/bin/time -v; sets SECS and RSS_KB.
timed() {
	local name=$1; shift
	/usr/bin/time -v -o "$W/time.$name" "$@"
	SECS=$(awk -F': ' '/Elapsed \(wall clock\)/ {
		n = split($2, p, ":"); s = 0
		for (i = 1; i <= n; i++) s = s * 60 + p[i]
		print s }' "$W/time.$name")
	RSS_KB=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$W/time.$name")
}

out=$W/result
{
	echo "# bench/pgload.sh -n $N ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))"
	echo "# input: bench/genlogs.py -n $N | logparse: $N rows, $bytes bytes"
	echo "# server: tests/harness/up (fsync off, shared_buffers 256MB)"
} >"$out"

psql -c CHECKPOINT
timed plain psql -c "\\copy logs_plain FROM '$W/rows.tsv'" >/dev/null
plain_s=$SECS plain_rss=$RSS_KB
psql -c CHECKPOINT
timed pgload cmd/pgload/pgload <"$W/rows.tsv"
load_s=$SECS load_rss=$RSS_KB
rows=$(psql -At -c 'SELECT count(*) FROM logs')
psql -c CHECKPOINT
timed again cmd/pgload/pgload <"$W/rows.tsv"
again_s=$SECS again_rss=$RSS_KB
rows2=$(psql -At -c 'SELECT count(*) FROM logs')
plain_rows=$(psql -At -c 'SELECT count(*) FROM logs_plain')
# The same first load in one batch (-b N): fewer, larger rollup upserts.
createdb bench1
PGDATABASE=bench1 cmd/pgload/pgload </dev/null
psql -c CHECKPOINT
PGDATABASE=bench1 timed big cmd/pgload/pgload -b "$N" <"$W/rows.tsv"
big_s=$SECS big_rss=$RSS_KB
sizes=$(psql -At -F' ' -c "SELECT pg_size_pretty(sum(pg_total_relation_size(c.oid))) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'logs'::regclass UNION ALL SELECT pg_size_pretty(sum(pg_total_relation_size(c.oid))) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'logs_plain'::regclass" | paste -sd' ')

rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'; }
{
	printf 'psql \\copy logs_plain:  %8s rows/s  %6.1f s  peak RSS %s KB (psql)  %s rows\n' \
	    "$(rate "$N" "$plain_s")" "$plain_s" "$plain_rss" "$plain_rows"
	printf 'pgload (new rows):      %8s rows/s  %6.1f s  peak RSS %s KB  %s rows\n' \
	    "$(rate "$N" "$load_s")" "$load_s" "$load_rss" "$rows"
	printf 'pgload (all duplicate): %8s rows/s  %6.1f s  peak RSS %s KB  %s rows after\n' \
	    "$(rate "$N" "$again_s")" "$again_s" "$again_rss" "$rows2"
	printf 'pgload -b %s (1 batch): %8s rows/s  %6.1f s  peak RSS %s KB\n' \
	    "$N" "$(rate "$N" "$big_s")" "$big_s" "$big_rss"
	echo "table sizes (logs, logs_plain): $sizes"
	awk -v a="$plain_s" -v b="$load_s" -v c="$again_s" -v d="$big_s" 'BEGIN {
		printf "ratio pgload/psql-copy rows/s (new rows): %.2fx\n", a / b
		printf "ratio pgload/psql-copy rows/s (second load, all duplicates): %.2fx\n", a / c
		printf "ratio pgload -b N/psql-copy rows/s (new rows, one batch): %.2fx\n", a / d }'
	[ "$rows" = "$rows2" ] && echo "second load: row count unchanged ($rows)" ||
	    echo "second load: ROW COUNT CHANGED $rows -> $rows2"
} >>"$out"
cat "$out"
mkdir -p bench/results
cp "$out" bench/results/pgload.txt
