#!/bin/bash
# report.sh: how report's run time grows with loaded log rows, and how it
# compares with the old system's way of computing the same home page.
#
#   bench/report.sh [SMALL BIG]      (rows; default 1000000 10000000)
#
# Boots a throwaway PostgreSQL + RGW (tests/harness/up) into a mktemp
# directory, torn down on exit, and loads two databases with SMALL and BIG
# rows of the same shape (bench/report-gen.sql: same 30 days, 2000 keys and
# 5000 clients; only the number of rows differs), generated in SQL and
# loaded through pgload's own merge path (pgload_staging + pgload_merge(),
# batches of 1M rows in time order), each batch's sums folded into the
# rollups as it commits (pgload_fold()), as pgload's folder does, and the
# (file, downloader) pairs then into report_pairs (report_pairs_fold()), as
# report does; the folds are timed.
# Then, on each database:
#
#   site       `report -o DIR` into an empty DIR: the whole site (every
#              file, downloader, requester, period page and TSV);
#   home       `report -H -o DIR`: the home page alone (tiles, downloads
#              per day, top 25 files with experiment and assay, top 25
#              downloaders, top requesters);
#   old way    what the old Django home page ran over the raw table: the
#              six tiles as count(DISTINCT ...) over logs, downloads per
#              day, the 25 files with most distinct downloaders and the 25
#              most active downloaders.
#
# "report vs old way" compares the same home page (home vs old way); the
# whole site, which the old system never had, is compared too.
#
# Each is run 3 times (after one warm-up); the median wall time is
# reported, with report's peak RSS (/usr/bin/time -v).  Prints ratio lines
# and writes them to bench/results/report.txt.
#
# Environment: REPORT, the report binary to measure (default: the one
# built here, e.g. another tree's to compare two versions); PEER, a second
# report binary timed on the same databases right after it; OUT, the
# results file (default bench/results/report.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
SMALL=${1:-1000000}
BIG=${2:-10000000}
BATCH=1000000
OUT=${OUT:-$ROOT/bench/results/report.txt}
REPORT=${REPORT:-$ROOT/cmd/report/report}
PEER=${PEER:-}

make cmd/report/report cmd/pgload/pgload >&2
H=$(mktemp -d "${TMPDIR:-/tmp}/report-bench.XXXXXX")
chmod 755 "$H"
# The sites are written to a tmpfs when there is one: on a shared machine
# the disk's writeback adds seconds of noise to a run that writes 260 MB
# of pages, the same pages at both sizes.
S=$(mktemp -d /dev/shm/report-site.XXXXXX 2>/dev/null) || S=$H
trap '"$ROOT/tests/harness/down" "$H/srv"; rm -rf "$H" "$S"' EXIT
# The binaries measured are the ones built now, whatever happens to the
# tree during the long load.
mkdir "$H/bin"
cp "$REPORT" "$H/bin/report"
cp cmd/pgload/pgload "$H/bin/"
if [ -n "$PEER" ]; then
	mkdir "$H/peer"
	cp "$PEER" "$H/peer/report"
fi
# (RGW's start is occasionally flaky on a loaded machine: try thrice.)
for try in 1 2 3; do
	"$ROOT/tests/harness/up" "$H/srv" 2>"$H/up.log" && break
	[ "$try" -lt 3 ] || { cat "$H/up.log" >&2; exit 1; }
	rm -rf "$H/srv"
done
# shellcheck disable=SC1091
. "$H/srv/env"
PATH=$H/bin:$PATH

load() {	# load DB ROWS
	local db=$1 rows=$2 b=0 n f=0 t0 t1 t2
	local batches=$(((rows + BATCH - 1) / BATCH))
	createdb "$db"
	pgload -d "dbname=$db" </dev/null		# applies sql/*.sql
	while [ "$rows" -gt 0 ]; do
		n=$((rows < BATCH ? rows : BATCH))
		psql -X -q -d "$db" -v ON_ERROR_STOP=1 -v batch=$b \
		    -v batches=$batches -v rows=$n \
		    -f "$ROOT/bench/report-gen.sql" >/dev/null
		# Each batch's sums are folded when it commits, as pgload's
		# folder does.
		t0=$(now)
		psql -X -q -d "$db" -c 'SELECT pgload_fold()' >/dev/null
		t1=$(now)
		f=$(echo "$f + $t1 - $t0" | bc -l)
		rows=$((rows - n))
		b=$((b + 1))
	done
	t1=$(now)
	psql -X -q -d "$db" -c 'SELECT report_pairs_fold()' >/dev/null
	t2=$(now)
	printf '%s: pgload_fold() %.1f s in all (%d batches), report_pairs_fold() %.1f s\n' \
	    "$db" "$f" "$batches" "$(echo "$t2 - $t1" | bc -l)" >>"$H/folds"
	psql -X -q -d "$db" -c 'VACUUM ANALYZE' >/dev/null
}

now() { date +%s.%N; }

median() { sort -g | sed -n 2p; }

# The old home page, over the raw logs table.
OLDSQL="
SELECT count(*), count(DISTINCT (l.object_id, l.client_id)),
    count(DISTINCT l.client_id), count(DISTINCT l.object_id),
    count(DISTINCT l.requester_id) FILTER (WHERE l.requester_id <> 0)
FROM logs l JOIN operations o USING (operation_id)
WHERE o.operation = 'REST.GET.OBJECT' AND l.http_status IN (200, 206);
SELECT avg(size) FROM objects WHERE object_id IN (SELECT DISTINCT l.object_id
    FROM logs l JOIN operations o USING (operation_id)
    WHERE o.operation = 'REST.GET.OBJECT' AND l.http_status IN (200, 206));
SELECT date_trunc('day', l.time), count(*)
FROM logs l JOIN operations o USING (operation_id)
WHERE o.operation = 'REST.GET.OBJECT' AND l.http_status IN (200, 206)
GROUP BY 1 ORDER BY 1;
SELECT l.object_id, count(DISTINCT l.client_id) AS u
FROM logs l JOIN operations o USING (operation_id)
WHERE o.operation = 'REST.GET.OBJECT' AND l.http_status IN (200, 206)
GROUP BY 1 ORDER BY u DESC LIMIT 25;
SELECT l.client_id, count(*) AS n
FROM logs l JOIN operations o USING (operation_id)
WHERE o.operation = 'REST.GET.OBJECT' AND l.http_status IN (200, 206)
GROUP BY 1 ORDER BY n DESC LIMIT 25;
"

# timeit CMD...: wall seconds of CMD, median of 3 after a warm-up run.
timeit() {
	local i t0 t1 ts=()
	"$@" >/dev/null
	for i in 1 2 3; do
		t0=$(now)
		"$@" >/dev/null
		t1=$(now)
		ts+=("$(echo "$t1 - $t0" | bc -l)")
	done
	printf '%s\n' "${ts[@]}" | median
}

fresh() {	# fresh ARGS...: report into an empty directory, peak RSS kept
	[ ! -d "$S/site" ] || mv "$S/site" "$S/old.$(date +%s%N)"
	/usr/bin/time -v -o "$H/time" report "$@" -o "$S/site"
}

measure() {	# measure DB -> sets R_T R_RSS R_FILES H_T O_T (P_T P_H with PEER)
	local db=$1
	R_T=$(timeit fresh -d "dbname=$db")
	R_RSS=$(awk -F': ' '/Maximum resident/ { print $2 }' "$H/time")
	R_FILES=$(wc -l <"$S/site/manifest.txt")
	rm -rf "$S"/old.*
	H_T=$(timeit report -H -d "dbname=$db" -o "$S/site")
	O_T=$(timeit psql -X -q -d "$db" -v ON_ERROR_STOP=1 -c "$OLDSQL")
	[ -n "$PEER" ] || return 0
	P_T=$(PATH=$H/peer:$PATH timeit fresh -d "dbname=$db")
	rm -rf "$S"/old.*
	P_H=$(PATH=$H/peer:$PATH timeit report -H -d "dbname=$db" -o "$S/site")
}

rows_of() { psql -X -A -t -d "$1" -c "$2"; }

t0=$(now)
load small "$SMALL"
load big "$BIG"
t1=$(now)
echo "report bench: loaded $SMALL + $BIG rows in $(printf '%.0f' "$(echo "$t1 - $t0" | bc -l)") s" >&2

measure small
S_T=$R_T S_RSS=$R_RSS S_FILES=$R_FILES S_H=$H_T S_O=$O_T S_PT=${P_T:-} S_PH=${P_H:-}
measure big
B_T=$R_T B_RSS=$R_RSS B_FILES=$R_FILES B_H=$H_T B_O=$O_T B_PT=${P_T:-} B_PH=${P_H:-}

fmt() { printf '%.2f' "$1"; }
mkdir -p "$(dirname "$OUT")"
{
	echo "# bench/report.sh $SMALL $BIG  ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores shared)"
	echo "# report: $REPORT; sites written to $(df --output=fstype "$S" | tail -1) ($S)"
	for db in small big; do
		echo "# $db: $(rows_of $db 'SELECT count(*) FROM logs') log rows," \
		    "$(rows_of $db 'SELECT count(*) FROM daily_object') daily_object," \
		    "$(rows_of $db 'SELECT count(*) FROM daily_client') daily_client," \
		    "$(rows_of $db 'SELECT count(*) FROM report_pairs') report_pairs rows"
		echo "# $db: on disk (heap + indexes): $(rows_of $db "SELECT string_agg(
		    t || ' ' || pg_size_pretty(pg_total_relation_size(t::regclass)), ', ')
		    FROM unnest('{daily_object,daily_client,report_pairs}'::text[]) t")"
	done
	sed 's/^/# fold after load: /' "$H/folds"
	echo "report site $SMALL rows: $(fmt "$S_T") s, peak RSS $S_RSS kB, $S_FILES files"
	echo "report site $BIG rows: $(fmt "$B_T") s, peak RSS $B_RSS kB, $B_FILES files"
	echo "report -H (home page) $SMALL rows: $(fmt "$S_H") s"
	echo "report -H (home page) $BIG rows: $(fmt "$B_H") s"
	echo "old way (home page) $SMALL rows: $(fmt "$S_O") s"
	echo "old way (home page) $BIG rows: $(fmt "$B_O") s"
	echo "ratio report site ${BIG}/${SMALL} rows: $(fmt "$(echo "$B_T / $S_T" | bc -l)") (goal < 1.3)"
	echo "ratio report -H ${BIG}/${SMALL} rows: $(fmt "$(echo "$B_H / $S_H" | bc -l)") (goal < 1.3)"
	echo "ratio old way / report -H at $BIG rows (same home page): $(fmt "$(echo "$B_O / $B_H" | bc -l)") (goal >= 20)"
	echo "ratio old way / report site at $BIG rows (home page vs whole site): $(fmt "$(echo "$B_O / $B_T" | bc -l)")"
	if [ -n "$PEER" ]; then
		echo "# peer: $PEER, on the same databases"
		echo "peer site $SMALL rows: $(fmt "$S_PT") s; $BIG rows: $(fmt "$B_PT") s"
		echo "peer -H $SMALL rows: $(fmt "$S_PH") s; $BIG rows: $(fmt "$B_PH") s"
		echo "ratio peer site ${BIG}/${SMALL} rows: $(fmt "$(echo "$B_PT / $S_PT" | bc -l)")"
		echo "ratio peer -H ${BIG}/${SMALL} rows: $(fmt "$(echo "$B_PH / $S_PH" | bc -l)")"
		echo "ratio report/peer site: $SMALL rows $(fmt "$(echo "$S_T / $S_PT" | bc -l)"), $BIG rows $(fmt "$(echo "$B_T / $B_PT" | bc -l)")"
		echo "ratio report/peer -H: $SMALL rows $(fmt "$(echo "$S_H / $S_PH" | bc -l)"), $BIG rows $(fmt "$(echo "$B_H / $B_PH" | bc -l)")"
	fi
} | tee "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
