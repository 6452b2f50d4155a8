#!/bin/bash
# pgload.sh [-n LINES]: pgload against psql's \copy on the same rows, same run.
#
# Boots a throwaway PostgreSQL (tests/harness/up) in a temporary directory
# and makes two inputs of LINES (default 1000000) rows each with
# bench/genlogs.py | logparse:
#
#   default: bench/genlogs.py -n LINES (--burst 1): every download a new
#            (day, file, client), the worst case for daily_object_client
#            and the report_pairs triggers on it (sql/021-report-pairs.sql);
#   burst:   bench/genlogs.py -n LINES --burst 8: sessions of ranged GETs
#            of one file by one client, as genome browsers make.
#
# For each, in its own empty database:
#
#   peer:   psql -c '\copy logs_plain FROM rows.tsv'  -- the same 29 typed
#           columns in one table partitioned by month like logs, with the
#           same primary key (time, line_hash); no dedupe (a duplicate would
#           abort the whole COPY), no dictionaries, no rollups;
#   pgload: pgload <rows.tsv: dedupe, dictionaries, all rollups, batches
#           of 100000 lines in their own transactions (the fast path);
#   again:  (default input only) pgload <rows.tsv a second time: every
#           line a duplicate, every batch merged the slow way.
#
# Prints rows/s and peak RSS (/usr/bin/time -v) for each, the ratio lines,
# and writes the same to bench/results/pgload.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
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

psql() { command psql -X -q -v ON_ERROR_STOP=1 "$@"; }

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
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'; }

# setup DB FILE: an empty database with pgload's schema and logs_plain.
setup() {
	local db=$1 f=$2 m next
	createdb "$db"
	# Schema first (an empty load), so that no timing includes it.
	PGDATABASE=$db cmd/pgload/pgload </dev/null
	{
		echo "CREATE TABLE logs_plain (LIKE pgload_staging,
		    PRIMARY KEY (time, line_hash)) PARTITION BY RANGE (time);"
		for m in $(cut -f4 "$f" | cut -c1-7 | sort -u); do
			next=$(date -u -d "$m-01 +1 month" +%Y-%m)
			echo "CREATE TABLE logs_plain_${m/-/} PARTITION OF logs_plain
			    FOR VALUES FROM ('$m-01 00:00+00') TO ('$next-01 00:00+00');"
		done
	} >"$W/plain.sql"
	# pgload_staging is a temporary table: make it exist in this session.
	PGDATABASE=$db psql -c 'SELECT pgload_prepare()' -f "$W/plain.sql" >/dev/null
}

# bench NAME FILE [again]: peer and pgload (and a second pgload) on FILE.
bench() {
	local name=$1 f=$2 again=${3:-} db=bench_$1 rows rows2 slow
	export PGDATABASE=$db
	setup "$db" "$f"
	psql -c CHECKPOINT
	timed plain psql -c "\\copy logs_plain FROM '$f'" >/dev/null
	local plain_s=$SECS plain_rss=$RSS_KB
	psql -c CHECKPOINT
	timed pgload cmd/pgload/pgload -v <"$f" 2>"$W/v.$name"
	local load_s=$SECS load_rss=$RSS_KB
	rows=$(psql -At -c 'SELECT count(*) FROM logs')
	slow=$(tail -1 "$W/v.$name" | sed 's/.*s, //')
	printf '%s: psql \\copy logs_plain: %8s rows/s %6.1f s  peak RSS %s KB (psql)  %s rows\n' \
	    "$name" "$(rate "$N" "$plain_s")" "$plain_s" "$plain_rss" \
	    "$(psql -At -c 'SELECT count(*) FROM logs_plain')" >>"$out"
	printf '%s: pgload (new rows):      %8s rows/s %6.1f s  peak RSS %s KB  %s rows, %s\n' \
	    "$name" "$(rate "$N" "$load_s")" "$load_s" "$load_rss" "$rows" "$slow" >>"$out"
	awk -v a="$plain_s" -v b="$load_s" -v n="$name" 'BEGIN {
		printf "%s: ratio pgload/psql-copy rows/s (new rows): %.2fx\n", n, a / b }' >>"$out"
	if [ -n "$again" ]; then
		psql -c CHECKPOINT
		timed again cmd/pgload/pgload -v <"$f" 2>"$W/v2.$name"
		rows2=$(psql -At -c 'SELECT count(*) FROM logs')
		slow=$(tail -1 "$W/v2.$name" | sed 's/.*s, //')
		printf '%s: pgload (all duplicate): %8s rows/s %6.1f s  peak RSS %s KB  %s rows after, %s\n' \
		    "$name" "$(rate "$N" "$SECS")" "$SECS" "$RSS_KB" "$rows2" "$slow" >>"$out"
		awk -v a="$plain_s" -v b="$SECS" -v n="$name" 'BEGIN {
			printf "%s: ratio pgload/psql-copy rows/s (second load, all duplicates): %.2fx\n", n, a / b }' >>"$out"
		[ "$rows" = "$rows2" ] && echo "$name: second load: row count unchanged ($rows)" >>"$out" ||
		    echo "$name: second load: ROW COUNT CHANGED $rows -> $rows2" >>"$out"
	fi
	echo "$name: table sizes (logs, logs_plain): $(psql -At -F' ' -c "SELECT pg_size_pretty(sum(pg_total_relation_size(c.oid))) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'logs'::regclass UNION ALL SELECT pg_size_pretty(sum(pg_total_relation_size(c.oid))) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'logs_plain'::regclass" | paste -sd' ')" >>"$out"
	echo "$name: daily_object_client rows: $(psql -At -c 'SELECT count(*) FROM daily_object_client')" >>"$out"
}

bench/genlogs.py -n "$N" | cmd/logparse/logparse >"$W/rows.tsv"
bench/genlogs.py -n "$N" --burst 8 | cmd/logparse/logparse >"$W/burst.tsv"

out=$W/result
{
	echo "# bench/pgload.sh -n $N ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))"
	echo "# default: bench/genlogs.py -n $N | logparse: $N rows, $(wc -c <"$W/rows.tsv") bytes"
	echo "# burst:   bench/genlogs.py -n $N --burst 8 | logparse: $N rows, $(wc -c <"$W/burst.tsv") bytes"
	echo "# server: tests/harness/up (fsync off, shared_buffers 256MB); pgload -b 100000"
} >"$out"
bench default "$W/rows.tsv" again
bench burst "$W/burst.tsv"
echo "# load at the end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out"
cat "$out"
mkdir -p bench/results
cp "$out" bench/results/pgload.txt
