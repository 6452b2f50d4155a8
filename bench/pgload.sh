#!/bin/bash
# pgload.sh [-n LINES]: pgload against psql's \copy on the same rows, same run.
#
# Boots a throwaway PostgreSQL (tests/harness/up) in a temporary directory
# and makes two inputs of LINES (default 1000000) rows each with
# bench/genlogs.py | logparse:
#
#   default: bench/genlogs.py -n LINES (--burst 1): every download a new
#            (day, file, client), the worst case for the sums of downloads
#            per (file, client) (report_pairs_queue, sql/002-rollups.sql);
#   burst:   bench/genlogs.py -n LINES --burst 8: sessions of ranged GETs
#            of one file by one client, as genome browsers make.
#
# For each input, ROUNDS times (default 5), alternating, each run in its
# own new database (the previous one dropped, autovacuum idle, CHECKPOINT
# done, so that no run pays for another's writes):
#
#   peer:   psql -c '\copy logs_plain FROM rows.tsv'  -- the same 29 typed
#           columns in one table partitioned by month like logs, with the
#           same primary key (time, line_hash); no dedupe (a duplicate would
#           abort the whole COPY), no dictionaries, no rollups;
#   pgload: pgload <rows.tsv: dedupe, dictionaries, all rollups folded
#           (pgload returns when they are), batches of 100000 lines in their
#           own transactions;
# then, on the last pgload database of the default input:
#   again:  pgload <rows.tsv a second time: every line a duplicate, every
#           batch probed (its keys looked up in logs, nothing loaded); the
#           row count must not change.
#
# Prints each run's rows/s and peak RSS (/usr/bin/time -v), the medians and
# their ratio, and writes the same to bench/results/pgload.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
N=1000000
ROUNDS=5
while getopts n:r: o; do
	case $o in
	n) N=$OPTARG ;;
	r) ROUNDS=$OPTARG ;;
	*) echo "usage: pgload.sh [-n lines] [-r rounds]" >&2; exit 2 ;;
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

# quiet: wait until no autovacuum worker runs (at most 2 minutes), then
# CHECKPOINT, so that a timed run does not share the machine with the
# previous run's aftermath.
quiet() {
	local i
	for i in $(seq 120); do
		[ "$(PGDATABASE=postgres psql -At -c "SELECT count(*) FROM
		    pg_stat_activity WHERE backend_type = 'autovacuum worker'")" = 0 ] &&
		    break
		sleep 1
	done
	PGDATABASE=postgres psql -c CHECKPOINT
}

# setup DB FILE: a new database with pgload's schema and logs_plain.
setup() {
	local db=$1 f=$2 m next
	dropdb --if-exists "$db"
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

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# bench NAME FILE [again]: ROUNDS of peer and pgload on FILE, alternating.
bench() {
	local name=$1 f=$2 again=${3:-} r rows slow ps ls pr lr
	: >"$W/peer.s"
	: >"$W/pgload.s"
	for r in $(seq "$ROUNDS"); do
		setup bench_peer "$f"
		export PGDATABASE=bench_peer
		quiet
		timed plain psql -c "\\copy logs_plain FROM '$f'" >/dev/null
		ps=$SECS pr=$RSS_KB
		rows=$(psql -At -c 'SELECT count(*) FROM logs_plain')
		echo "$ps" >>"$W/peer.s"
		printf '%s: round %d: psql \\copy logs_plain: %8s rows/s %6.2f s  peak RSS %s KB  %s rows\n' \
		    "$name" "$r" "$(rate "$N" "$ps")" "$ps" "$pr" "$rows" >>"$out"
		dropdb bench_peer

		setup bench_pgload "$f"
		export PGDATABASE=bench_pgload
		quiet
		timed pgload cmd/pgload/pgload -v <"$f" 2>"$W/v.$name"
		ls=$SECS lr=$RSS_KB
		rows=$(psql -At -c 'SELECT count(*) FROM logs')
		slow=$(tail -1 "$W/v.$name" | sed 's/.*s, //')
		echo "$ls" >>"$W/pgload.s"
		printf '%s: round %d: pgload (new rows):       %8s rows/s %6.2f s  peak RSS %s KB  %s rows, %s\n' \
		    "$name" "$r" "$(rate "$N" "$ls")" "$ls" "$lr" "$rows" "$slow" >>"$out"
		awk -v a="$ps" -v b="$ls" -v n="$name" -v r="$r" 'BEGIN {
			printf "%s: round %d: ratio pgload/psql-copy rows/s: %.2fx\n", n, r, a / b }' >>"$out"
	done
	ps=$(median <"$W/peer.s")
	ls=$(median <"$W/pgload.s")
	awk -v a="$ps" -v b="$ls" -v n="$name" -v k="$ROUNDS" 'BEGIN {
		printf "%s: median of %d: psql \\copy %.2f s, pgload %.2f s: ratio pgload/psql-copy rows/s %.2fx\n",
		    n, k, a, b, a / b }' >>"$out"
	echo "$name: pending in the queue after pgload returned: $(psql -At -c 'SELECT (SELECT count(*) FROM pgload_queue_obj) + (SELECT count(*) FROM pgload_queue_day) + (SELECT count(*) FROM pgload_queue_client)') rows" >>"$out"
	echo "$name: table sizes (logs): $(psql -At -c "SELECT pg_size_pretty(sum(pg_total_relation_size(c.oid))) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'logs'::regclass")" >>"$out"
	echo "$name: report_pairs_queue rows: $(psql -At -c 'SELECT count(*) FROM report_pairs_queue')" >>"$out"
	if [ -n "$again" ]; then
		quiet
		timed again cmd/pgload/pgload -v <"$f" 2>"$W/v2.$name"
		rows2=$(psql -At -c 'SELECT count(*) FROM logs')
		slow=$(tail -1 "$W/v2.$name" | sed 's/.*s, //')
		printf '%s: pgload (all duplicate): %8s rows/s %6.2f s  peak RSS %s KB  %s rows after, %s\n' \
		    "$name" "$(rate "$N" "$SECS")" "$SECS" "$RSS_KB" "$rows2" "$slow" >>"$out"
		awk -v a="$ps" -v b="$SECS" -v n="$name" 'BEGIN {
			printf "%s: ratio pgload (second load, all duplicates)/median psql-copy rows/s: %.2fx\n", n, a / b }' >>"$out"
		[ "$rows" = "$rows2" ] && echo "$name: second load: row count unchanged ($rows)" >>"$out" ||
		    echo "$name: second load: ROW COUNT CHANGED $rows -> $rows2" >>"$out"
	fi
	dropdb bench_pgload
}

bench/genlogs.py -n "$N" | cmd/logparse/logparse >"$W/rows.tsv"
bench/genlogs.py -n "$N" --burst 8 | cmd/logparse/logparse >"$W/burst.tsv"

out=$W/result
{
	echo "# bench/pgload.sh -n $N ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg))"
	echo "# default: bench/genlogs.py -n $N | logparse: $N rows, $(wc -c <"$W/rows.tsv") bytes"
	echo "# burst:   bench/genlogs.py -n $N --burst 8 | logparse: $N rows, $(wc -c <"$W/burst.tsv") bytes"
	echo "# server: tests/harness/up (fsync off, shared_buffers 256MB); pgload -b 100000; $ROUNDS rounds"
} >"$out"
bench default "$W/rows.tsv" again
bench burst "$W/burst.tsv"
echo "# load at the end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out"
cat "$out"
mkdir -p bench/results
cp "$out" bench/results/pgload.txt
