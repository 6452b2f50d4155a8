#!/usr/bin/env bats
# pgload: schema, exactly-once batches, rollups, metadata upserts.
load helper

setup() {
	need_servers
	T=$BATS_TEST_TMPDIR
	newdb pgload
}

teardown() {
	for p in ${BG:-} ${PROD:-}; do
		kill -9 "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
}

# gen N SEED: N rows of logparse output in $T/rows-N-SEED.tsv (printed).
# gen LINES [SEED [DAYS]]: bench/genlogs.py's rows over DAYS days (30).
# Tests that count on where batches end use one day: a batch ends early at
# a change of day after half of -b (pgload(1)).
gen() {
	local f=$T/rows-$1-${2:-1}${3:+-d$3}.tsv
	[ -f "$f" ] || "$ROOT/bench/genlogs.py" -n "$1" -s "${2:-1}" \
	    --days "${3:-30}" | logparse >"$f"
	printf '%s\n' "$f"
}

# Every rollup (and report_pairs) against the same numbers computed from logs: counts and
# sums exactly, HyperLogLog distinct counts within 5% (they are exact up to
# about 160 members).  Rows missing on either side count as differences.
check_rollups() {
	local diff
	# pgload returns once its batches are folded: nothing may be queued.
	[ "$(q 'SELECT (SELECT count(*) FROM pgload_queue_obj) +
	    (SELECT count(*) FROM pgload_queue_client) +
	    (SELECT count(*) FROM pgload_queue_requester) +
	    (SELECT count(*) FROM pgload_queue_day) +
	    (SELECT count(*) FROM pgload_queue_err) +
	    (SELECT count(*) FROM pgload_queue_osize)')" -eq 0 ] ||
	    { echo "rows left in the fold queue"; return 1; }
	# report_pairs is folded by report(1); fold it here.
	q 'SELECT report_pairs_fold()' >/dev/null
	diff=$(q "
	CREATE TEMP VIEW n AS
		SELECT (l.time AT TIME ZONE 'UTC')::date AS day, l.object_id,
		    l.client_id, coalesce(l.requester_id, 0) AS rq,
		    l.http_status, l.error_code, l.bytes_sent, op.operation,
		    op.operation IS NOT DISTINCT FROM 'REST.GET.OBJECT'
		    AND l.http_status IN (200, 206) AS dl
		FROM logs l LEFT JOIN operations op USING (operation_id);
	CREATE FUNCTION pg_temp.near(h hll, n bigint) RETURNS boolean
	    LANGUAGE sql AS 'SELECT abs(hll_cardinality(h) - n) <= greatest(2, 0.05 * n)';
	SELECT 'daily_object ' || coalesce(a.day, b.day) || ' ' || coalesce(a.object_id, b.object_id)
	FROM (SELECT day, object_id, count(*) r, count(*) FILTER (WHERE dl) d,
		count(*) FILTER (WHERE dl AND http_status = 200) f,
		count(*) FILTER (WHERE dl AND http_status = 206) p,
		coalesce(sum(bytes_sent), 0) b,
		count(*) FILTER (WHERE http_status >= 400) e,
		count(DISTINCT client_id) FILTER (WHERE dl) u
	    FROM n WHERE object_id IS NOT NULL GROUP BY 1, 2) a
	FULL JOIN daily_object b USING (day, object_id)
	WHERE a.r IS DISTINCT FROM b.requests OR a.d IS DISTINCT FROM b.downloads
	    OR a.f IS DISTINCT FROM b.full_downloads
	    OR a.p IS DISTINCT FROM b.partial_downloads
	    OR a.b IS DISTINCT FROM b.bytes_sent OR a.e IS DISTINCT FROM b.errors
	    OR NOT coalesce(pg_temp.near(b.downloaders, a.u), false)
	UNION ALL
	SELECT 'report_pairs' FROM (SELECT object_id, client_id,
		rq AS requester_id, count(*) d, sum(bytes_sent) b
	    FROM n WHERE dl AND object_id IS NOT NULL
	    AND client_id IS NOT NULL GROUP BY 1, 2, 3) a
	FULL JOIN report_pairs b USING (object_id, client_id, requester_id)
	WHERE a.d IS DISTINCT FROM b.downloads OR a.b IS DISTINCT FROM b.bytes_sent
	UNION ALL
	SELECT 'daily_client' FROM (SELECT day, client_id, count(*) d,
		sum(bytes_sent) b, count(DISTINCT object_id) o
	    FROM n WHERE dl GROUP BY 1, 2) a
	FULL JOIN daily_client b USING (day, client_id)
	WHERE a.d IS DISTINCT FROM b.downloads OR a.b IS DISTINCT FROM b.bytes_sent
	    OR NOT coalesce(pg_temp.near(b.objects, a.o), false)
	UNION ALL
	SELECT 'daily_requester' FROM (SELECT day, rq AS requester_id,
		count(*) d, sum(bytes_sent) b, count(DISTINCT client_id) c,
		count(DISTINCT object_id) o
	    FROM n WHERE dl GROUP BY 1, 2) a
	FULL JOIN daily_requester b USING (day, requester_id)
	WHERE a.d IS DISTINCT FROM b.downloads OR a.b IS DISTINCT FROM b.bytes_sent
	    OR NOT coalesce(pg_temp.near(b.clients, a.c), false)
	    OR NOT coalesce(pg_temp.near(b.objects, a.o), false)
	UNION ALL
	SELECT 'daily_total ' || coalesce(a.day, b.day) FROM (SELECT day,
		count(*) r, count(*) FILTER (WHERE dl) d,
		count(*) FILTER (WHERE dl AND http_status = 200) f,
		count(*) FILTER (WHERE dl AND http_status = 206) p,
		coalesce(sum(bytes_sent), 0) b,
		count(*) FILTER (WHERE http_status >= 400) e,
		count(DISTINCT client_id) FILTER (WHERE dl) u,
		count(DISTINCT object_id) FILTER (WHERE dl) o,
		count(DISTINCT rq) FILTER (WHERE dl) q,
		count(DISTINCT (object_id, client_id)) FILTER (WHERE dl) od
	    FROM n GROUP BY 1) a
	FULL JOIN daily_total b USING (day)
	WHERE a.r IS DISTINCT FROM b.requests OR a.d IS DISTINCT FROM b.downloads
	    OR a.f IS DISTINCT FROM b.full_downloads
	    OR a.p IS DISTINCT FROM b.partial_downloads
	    OR a.b IS DISTINCT FROM b.bytes_sent OR a.e IS DISTINCT FROM b.errors
	    OR NOT coalesce(pg_temp.near(b.downloaders, a.u), false)
	    OR NOT coalesce(pg_temp.near(b.objects, a.o), false)
	    OR NOT coalesce(pg_temp.near(b.requesters, a.q), false)
	    OR NOT coalesce(pg_temp.near(b.object_downloaders, a.od), false)
	UNION ALL
	SELECT 'daily_error' FROM (SELECT day, coalesce(operation, '-') AS operation,
		coalesce(http_status, 0) AS http_status,
		coalesce(error_code, '-') AS error_code, count(*) r
	    FROM n WHERE http_status >= 400 OR error_code IS NOT NULL
	    GROUP BY 1, 2, 3, 4) a
	FULL JOIN daily_error b USING (day, operation, http_status, error_code)
	WHERE a.r IS DISTINCT FROM b.requests")
	[ -z "$diff" ] || { echo "rollups differ from logs: $diff"; return 1; }
	[ "$(q 'SELECT sum(requests) FROM daily_total')" -eq "$(q 'SELECT count(*) FROM logs')" ]
}

@test "pgload: a bad option or operand exits 2 with the usage line" {
	run -2 --separate-stderr pgload -x
	[ "$output" = "" ]
	[[ $stderr == *"usage: pgload [-v] [-b rows] [-d conninfo] [-k file] [-L bytes] [-t table]"* ]]
	run -2 --separate-stderr pgload extra
	[ "$output" = "" ]
	[[ $stderr == "usage: pgload"* ]]
	run -2 --separate-stderr pgload -b 0
	[ "$output" = "" ]
	[[ $stderr == "pgload: -b 0: "* ]]
}

@test "pgload: an unreachable server is a clear error, exit 1" {
	run -1 --separate-stderr pgload -d 'host=127.0.0.1 port=1 connect_timeout=5' </dev/null
	[ "$output" = "" ]
	[[ $stderr == "pgload: "*"127.0.0.1"* ]]
}

@test "pgload: creates the schema, loads, and a second load changes nothing" {
	f=$(gen 20000)
	run -0 --separate-stderr pgload <"$f"
	[ "$output" = "" ]
	[ "$stderr" = "" ]
	n=$(sort -u "$f" | wc -l)
	[ "$(q 'SELECT count(*) FROM logs')" -eq "$n" ]
	[ "$(q 'SELECT count(*) FROM schema_migrations WHERE version < 10')" -ge 4 ]
	before=$(q "SELECT sum(requests), sum(bytes_sent), (SELECT count(*) FROM objects) FROM daily_total")
	run -0 --separate-stderr pgload -b 3000 <"$f"
	[ "$output" = "" ]
	[ "$stderr" = "" ]
	[ "$(q 'SELECT count(*) FROM logs')" -eq "$n" ]
	[ "$(q "SELECT sum(requests), sum(bytes_sent), (SELECT count(*) FROM objects) FROM daily_total")" = "$before" ]
	# Partitions by month, named logs_YYYYMM.
	[ "$(q "SELECT string_agg(c.relname, ' ' ORDER BY c.relname) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'logs'::regclass")" = "logs_202401" ]
	check_rollups
}

@test "pgload: a schema newer than pgload is an error, exit 1, nothing loaded" {
	f=$(gen 20 3)
	pgload </dev/null
	q "INSERT INTO schema_migrations (version, name) VALUES (999, '999-future.sql')"
	run -1 --separate-stderr pgload <"$f"
	[ "$stderr" = "pgload: the database has schema migration 999, which this program does not know: it is older than the schema" ]
	[ "$(q 'SELECT count(*) FROM logs')" -eq 0 ]
}

@test "pgload: the rows read back as logparse wrote them (logs_text)" {
	f=$(gen 2000 3)
	run -0 --separate-stderr pgload <"$f"
	[ "$stderr" = "" ]
	q "\\copy (SELECT replace(line_hash::text, '-', ''), bucket_owner, bucket, to_char(time AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), host(remote_ip), requester, request_id, operation, key, request_uri, http_status, error_code, bytes_sent, object_size, total_time, turnaround_time, referer, user_agent, version_id, host_id, signature_version, cipher_suite, auth_type, host_header, tls_version, access_point_arn, acl_required, source_region, extra FROM logs_text) TO '$T/back.tsv'"
	diff <(sort -u "$f") <(sort "$T/back.tsv")
}

@test "pgload: a request_uri stored as its form reads back exactly; others keep their text" {
	f=$(gen 1 3)
	# key and request_uri (COPY text), and whether the URI takes a form.
	cat >"$T/cases" <<-'EOF'
	dir/file.txt	GET /bkt/dir/file.txt HTTP/1.1	form
	x	GET /x/x HTTP/1.1	form
	k	GET /bkt/k HTTP/1.1\tand\\more	form
	café.txt	PUT /bkt/café.txt HTTP/2.0	form
	a\\b	GET /bkt/a\\b HTTP/1.1	text
	k2	GET /bkt/k2?versionId=3 HTTP/1.1	text
	k3	GET /?prefix=k3 HTTP/1.1	text
	a%20b	GET /bkt/a+b HTTP/1.1	text
	k4	\N	text
	EOF
	i=0
	while IFS=$'\t' read -r key uri how; do
		i=$((i + 1))
		# ENVIRON: awk -v would undo the COPY escapes.
		H=$(printf '%032x' "$i") K=$key U=$uri awk -F'\t' -v OFS='\t' \
		    '{ $1 = ENVIRON["H"]; $9 = ENVIRON["K"]; $10 = ENVIRON["U"]
		    print }' "$f"
	done <"$T/cases" >"$T/in.tsv"
	run -0 --separate-stderr pgload <"$T/in.tsv"
	[ "$stderr" = "" ]
	[ "$(q 'SELECT count(*) FROM logs WHERE uri_form_id IS NOT NULL AND request_uri IS NULL')" -eq "$(grep -c 'form$' "$T/cases")" ]
	[ "$(q 'SELECT count(*) FROM logs WHERE uri_form_id IS NULL')" -eq "$(grep -c 'text$' "$T/cases")" ]
	q "\\copy (SELECT replace(line_hash::text, '-', ''), key, request_uri FROM logs_text) TO '$T/back.tsv'"
	diff <(cut -f1,9,10 "$T/in.tsv" | sort) <(sort "$T/back.tsv")
}

@test "pgload: a base64 host_id stored as bytes reads back exactly; others keep their text" {
	f=$(gen 1 3)
	# host_id (COPY text), and whether it is stored as bytes.
	cat >"$T/cases" <<-'EOF'
	CzBVep/E6Q4zWH2ix+wRNluApcrvFDleg6jN8hc8YYar0PUaP2SJrtP4HUJnjLHW+yBFao+02f4jSG2St9wBJg==	bytes
	JlBTRUVuMYSDLla7IQoJEMACUISraSTPj9ksTFVp6kUgFJkDlSlT2MqRasbzI9v+MpHQvIFwI94=	bytes
	QUJD	bytes
	JlBTRUVuMYSDLla7IQoJEMACUISraSTPj9ksTFVp6kUgFJkDlSlT2MqRasbzI9v+MpHQvIFwI95=	text
	QUJDRB==	text
	QUJDRA=	text
	QU=D	text
	QUJD-_==	text
	ab\\c	text
	\N	text
	EOF
	i=0
	while IFS=$'\t' read -r hid how; do
		i=$((i + 1))
		H=$(printf '%032x' "$i") I=$hid awk -F'\t' -v OFS='\t' \
		    '{ $1 = ENVIRON["H"]; $20 = ENVIRON["I"]; print }' "$f"
	done <"$T/cases" >"$T/in.tsv"
	run -0 --separate-stderr pgload <"$T/in.tsv"
	[ "$stderr" = "" ]
	[ "$(q 'SELECT count(*) FROM logs WHERE host_id_bytes IS NOT NULL AND host_id IS NULL')" -eq "$(grep -c 'bytes$' "$T/cases")" ]
	q "\\copy (SELECT replace(line_hash::text, '-', ''), host_id FROM logs_text) TO '$T/back.tsv'"
	diff <(cut -f1,20 "$T/in.tsv" | sort) <(sort "$T/back.tsv")
}

@test "pgload: duplicates within a batch and across batches are stored once" {
	f=$(gen 3000 2)
	{ cat "$f"; head -500 "$f"; cat "$f"; } >"$T/dup.tsv"
	run -0 --separate-stderr pgload -b 1000 <"$T/dup.tsv"
	[ "$stderr" = "" ]
	[ "$(q 'SELECT count(*) FROM logs')" -eq "$(sort -u "$f" | wc -l)" ]
	check_rollups
}

@test "pgload: a batch with lines loaded before is probed, or merged the slow way; each line once" {
	f=$(gen 3000 12 1)
	head -1000 "$f" >"$T/first.tsv"
	sed -n 501,3000p "$f" >"$T/second.tsv"
	run -0 --separate-stderr pgload -v -b 500 <"$T/first.tsv"
	[[ $stderr == *"pgload: 1000 rows, 1000 new, 0 set aside, "*", 0 batches merged the slow way" ]]
	# Batch 501-1000 was loaded already (its first line is in logs: no
	# fast path tried); the rest is new.
	run -0 --separate-stderr pgload -v -b 500 <"$T/second.tsv"
	[ "$output" = "" ]
	[[ $stderr == *"pgload: stdin:1-500: line 1 is stored already: 500 stored already, loading the rest"* ]]
	[[ $stderr == *"pgload: 2500 rows, 2000 new, 0 set aside, "*", 1 batch probed, 0 batches merged the slow way" ]]
	[ "$(grep -c 'stored already' <<<"$stderr")" -eq 1 ]
	[ "$(q 'SELECT count(*) FROM logs')" -eq "$(sort -u "$f" | wc -l)" ]
	check_rollups
	# Old lines between new first and last ones: the plain COPY into logs
	# fails, pgload rolls back to its savepoint and merges instead.
	gen 2 16 >/dev/null
	{ head -1 "$T/rows-2-16.tsv"; sed -n 100,199p "$f"; tail -1 "$T/rows-2-16.tsv"; } >"$T/mid.tsv"
	run -0 --separate-stderr pgload -v <"$T/mid.tsv"
	[[ $stderr == *"pgload: stdin:1-102: duplicate key value violates unique constraint"*": merging instead"* ]]
	[[ $stderr == *"pgload: 102 rows, 2 new, 0 set aside, "*", 1 batch merged the slow way" ]]
	[ "$(q 'SELECT count(*) FROM logs')" -eq "$(cat "$f" "$T/rows-2-16.tsv" | sort -u | wc -l)" ]
	check_rollups
	# A batch half old, half new: a probe finds the old half, the fast
	# way loads the new one.
	head -2000 "$T/second.tsv" | tail -1200 >"$T/half.tsv"
	gen 600 13 >/dev/null
	cat "$T/rows-600-13.tsv" >>"$T/half.tsv"
	run -0 --separate-stderr pgload -v -b 5000 <"$T/half.tsv"
	[[ $stderr == *"pgload: 1800 rows, 600 new, 0 set aside, "*", 1 batch probed, 0 batches merged the slow way" ]]
	[ "$(q 'SELECT count(*) FROM logs')" -eq "$(cat "$f" "$T/rows-2-16.tsv" "$T/rows-600-13.tsv" | sort -u | wc -l)" ]
	check_rollups
}

@test "pgload: dictionary ids cached across batches and concurrent loaders are right" {
	"$ROOT/bench/genlogs.py" -n 4000 -s 14 --clients 50 --keys 40 | logparse >"$T/all.tsv"
	head -2500 "$T/all.tsv" >"$T/x"
	tail -2500 "$T/all.tsv" >"$T/y"
	pgload -b 300 <"$T/x" 2>"$T/ex" & p1=$!
	pgload -b 170 <"$T/y" 2>"$T/ey" & p2=$!
	pgload -b 1100 <"$T/all.tsv" 2>"$T/ez" & p3=$!
	wait $p1
	wait $p2
	wait $p3
	[ ! -s "$T/ex" ] && [ ! -s "$T/ey" ] && [ ! -s "$T/ez" ]
	# Each value once in its dictionary, and every line reads back as it
	# was written: the ids each loader cached are those of the values.
	[ "$(q 'SELECT count(*) - count(DISTINCT ip) FROM clients')" -eq 0 ]
	[ "$(q 'SELECT count(*) - count(DISTINCT (bucket, key)) FROM objects')" -eq 0 ]
	[ "$(q 'SELECT count(*) - count(DISTINCT requester) FROM requesters')" -eq 0 ]
	[ "$(q 'SELECT count(*) - count(DISTINCT operation) FROM operations')" -eq 0 ]
	[ "$(q 'SELECT count(*) - count(DISTINCT hash) FROM user_agents')" -eq 0 ]
	q "\\copy (SELECT replace(line_hash::text, '-', ''), bucket_owner, bucket, to_char(time AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), host(remote_ip), requester, request_id, operation, key, request_uri, http_status, error_code, bytes_sent, object_size, total_time, turnaround_time, referer, user_agent, version_id, host_id, signature_version, cipher_suite, auth_type, host_header, tls_version, access_point_arn, acl_required, source_region, extra FROM logs_text) TO '$T/back.tsv'"
	diff <(sort -u "$T/all.tsv") <(sort "$T/back.tsv")
	# Object sizes are the largest object_size seen for the key.
	[ "$(q 'SELECT count(*) FROM objects o WHERE size IS DISTINCT FROM (SELECT max(object_size) FROM logs l WHERE l.object_id = o.object_id)')" -eq 0 ]
	check_rollups
}

@test "pgload: a dictionary value another transaction holds: waited for, its id used" {
	f=$(gen 200 9)
	pgload </dev/null	# the schema
	b=$(head -1 "$f" | cut -f3)
	k=$(head -1 "$f" | cut -f9)
	# An uncommitted row of the first line's object, as another loader's
	# slow path holds while it merges.  pgload's dictionary connection
	# gives way (lock_timeout) and tries again until it commits.
	{ printf 'BEGIN;\n'
	  printf 'INSERT INTO objects (bucket, key) VALUES (:%s, :%s);\n' "'b'" "'k'"
	  printf 'SELECT pg_sleep(2);\nCOMMIT;\n'; } >"$T/hold.sql"
	psql -X -q -v ON_ERROR_STOP=1 -v b="$b" -v k="$k" -f "$T/hold.sql" >/dev/null & BG=$!
	sleep 0.5
	pgload -b 50 <"$f"
	wait "$BG"
	BG=
	[ "$(q "SELECT count(*) FROM objects WHERE key = '$k'")" -eq 1 ]
	# Every row of that object carries the id the other transaction made.
	[ "$(q "SELECT count(*) FROM logs l JOIN objects o USING (object_id) WHERE o.key = '$k'")" -eq "$(awk -F'\t' -v k="$k" '$9 == k' "$f" | sort -u | wc -l)" ]
	check_rollups
}

@test "pgload: rollups equal counts from logs across many small batches and months" {
	"$ROOT/bench/genlogs.py" -n 6000 -s 5 --days 50 --start 2024-01-20 --clients 40 --keys 30 |
	    logparse >"$T/a.tsv"
	run -0 --separate-stderr pgload -b 700 <"$T/a.tsv"
	[ "$stderr" = "" ]
	[ "$(q 'SELECT count(*) FROM pg_inherits WHERE inhparent = $$logs$$::regclass')" -eq 3 ]
	check_rollups
	# The views agree with the rollups.
	[ "$(q 'SELECT sum(downloads) FROM top_files')" -eq "$(q 'SELECT sum(downloads) FROM daily_total')" ]
	[ "$(q 'SELECT sum(downloads) FROM top_downloaders')" -eq "$(q 'SELECT sum(downloads) FROM daily_total')" ]
	[ "$(q 'SELECT sum(requests) FROM errors_by_code')" -eq "$(q 'SELECT sum(requests) FROM daily_error')" ]
	[ "$(q 'SELECT sum(downloads) FROM downloads_per_file_day')" -eq "$(q 'SELECT sum(downloads) FROM daily_object')" ]
}

@test "pgload: its HyperLogLog sketches are the bytes hll_add_agg() makes" {
	# Two days: per-day sets of thousands of members (sparse and full
	# encodings), per-file sets of a few (explicit); four batches unioned.
	"$ROOT/bench/genlogs.py" -n 20000 -s 11 --days 2 --clients 3000 --keys 400 |
	    logparse | pgload -b 5000
	q "CREATE VIEW d AS SELECT (l.time AT TIME ZONE 'UTC')::date AS day,
	    l.object_id, l.client_id, coalesce(l.requester_id, 0) AS rq
	    FROM logs l JOIN operations o USING (operation_id)
	    WHERE o.operation = 'REST.GET.OBJECT' AND l.http_status IN (200, 206)" >/dev/null
	# Sets of every size were made.
	[ "$(q "SELECT count(DISTINCT substr(downloaders::text, 1, 4)) FROM
	    (SELECT downloaders FROM daily_total UNION ALL
	    SELECT downloaders FROM daily_object) x")" -ge 3 ]
	[ "$(q "SELECT count(*) FROM (SELECT day, object_id,
	    hll_add_agg(hll_hash_integer(client_id)) h FROM d
	    WHERE object_id IS NOT NULL AND client_id IS NOT NULL GROUP BY 1, 2) a
	    JOIN daily_object b USING (day, object_id)
	    WHERE a.h::text <> b.downloaders::text")" -eq 0 ]
	[ "$(q "SELECT count(*) FROM (SELECT day, client_id,
	    hll_add_agg(hll_hash_integer(object_id)) h FROM d
	    WHERE object_id IS NOT NULL AND client_id IS NOT NULL GROUP BY 1, 2) a
	    JOIN daily_client b USING (day, client_id)
	    WHERE a.h::text <> b.objects::text")" -eq 0 ]
	[ "$(q "SELECT count(*) FROM (SELECT day,
	    hll_add_agg(hll_hash_integer(client_id)) c,
	    hll_add_agg(hll_hash_integer(object_id)) o,
	    hll_add_agg(hll_hash_integer(rq)) r,
	    hll_add_agg(hll_hash_bigint((object_id::bigint << 32) | client_id::bigint)) p
	    FROM d WHERE object_id IS NOT NULL AND client_id IS NOT NULL GROUP BY 1) a
	    JOIN daily_total b USING (day)
	    WHERE a.c::text <> b.downloaders::text OR a.o::text <> b.objects::text
	    OR a.r::text <> b.requesters::text
	    OR a.p::text <> b.object_downloaders::text")" -eq 0 ]
	[ "$(q "SELECT count(*) FROM daily_total")" -eq 2 ]
}

@test "pgload: a malformed row names its line and column; its batch is not committed" {
	f=$(gen 30 4)
	{ head -15 "$f"; head -16 "$f" | tail -1 | awk -F'\t' -v OFS='\t' '{$4 = "2024-13-01T00:00:00Z"; print}'; tail -n +17 "$f"; } >"$T/bad.tsv"
	run -1 --separate-stderr pgload -b 10 <"$T/bad.tsv"
	[ "$output" = "" ]
	[ "$stderr" = "pgload: stdin:16: column time: time out of range" ]
	# The first batch (lines 1-10) is in, nothing of lines 11-20.
	[ "$(q 'SELECT count(*) FROM logs')" -eq 10 ]
	[ "$(q 'SELECT sum(requests) FROM daily_total')" -eq 10 ]

	printf 'abc\tdef\n' >"$T/short.tsv"
	run -1 --separate-stderr pgload <"$T/short.tsv"
	[ "$output" = "" ]
	[ "$stderr" = "pgload: stdin:1: 2 fields, not 29" ]
	head -3 "$f" | sed '2s/^/zz/' >"$T/hash.tsv"
	run -1 --separate-stderr pgload <"$T/hash.tsv"
	[ "$stderr" = "pgload: stdin:2: column line_hash: not 32 hex digits" ]
	head -3 "$f" | awk -F'\t' -v OFS='\t' 'NR == 3 {$5 = "300.1.2.3"} {print}' >"$T/ip.tsv"
	run -1 --separate-stderr pgload <"$T/ip.tsv"
	[ "$stderr" = "pgload: stdin:3: column remote_ip: not an IP address" ]
	[ "$(q 'SELECT count(*) FROM logs')" -eq 10 ]
}

@test "pgload: a row with an escape the server would refuse is named by its input line" {
	f=$(gen 30 4)
	# \377 is a valid COPY escape whose byte is not UTF-8: the server
	# would refuse it, so pgload refuses it first.
	awk -F'\t' -v OFS='\t' 'NR == 24 {$19 = "x\\377y"} {print}' "$f" >"$T/enc.tsv"
	run -1 --separate-stderr pgload -b 20 <"$T/enc.tsv"
	[ "$output" = "" ]
	[ "$stderr" = "pgload: stdin:24: an escape makes invalid UTF-8 (or a NUL byte)" ]
	[ "$(q 'SELECT count(*) FROM logs')" -eq 20 ]
	# In a dictionary column (user_agent) all the same.
	awk -F'\t' -v OFS='\t' 'NR == 27 {$18 = "x\\377y"} {print}' "$f" >"$T/enc2.tsv"
	run -1 --separate-stderr pgload -b 20 <"$T/enc2.tsv"
	[ "$output" = "" ]
	[ "$stderr" = "pgload: stdin:27: an escape makes invalid UTF-8 (or a NUL byte)" ]
	[ "$(wc -l <<<"$stderr")" -eq 1 ]
	[ "$(q 'SELECT count(*) FROM logs')" -eq 20 ]
	# A batch the server rejects ends pgload at once: the sums of the
	# batches committed before it may still be queued, for the next run.
	q 'SELECT pgload_fold()' >/dev/null
	check_rollups
}

@test "pgload -k: bad rows are set aside, the rest is loaded, exit 0" {
	f=$(gen 40 6)
	{ head -5 "$f"; printf 'junk\n'; sed -n 6,20p "$f"; printf 'x\ty\n'; tail -n +21 "$f"; } >"$T/mixed.tsv"
	run -0 --separate-stderr pgload -b 7 -k "$T/aside" <"$T/mixed.tsv"
	[ "$output" = "" ]
	[ "$stderr" = "pgload: stdin:6: 1 fields, not 29: set aside
pgload: stdin:22: 2 fields, not 29: set aside" ]
	[ "$(printf 'junk\nx\ty\n')" = "$(cat "$T/aside")" ]
	[ "$(q 'SELECT count(*) FROM logs')" -eq 40 ]
	check_rollups
}

@test "pgload: killed with SIGKILL mid-batch, rerun, each line exactly once" {
	f=$(gen 5000 7 1)
	# A slow producer: two and a half batches, then a pause inside the
	# third, during which pgload is killed.
	mkfifo "$T/fifo"
	pgload -b 1000 <"$T/fifo" 3>&- &
	BG=$!
	(head -2500 "$f"; exec sleep 120) >"$T/fifo" 3>&- &
	PROD=$!
	for _ in $(seq 600); do
		[ "$(q 'SELECT count(*) FROM logs' 2>/dev/null || echo 0)" -ge 2000 ] && break
		sleep 0.1
	done
	[ "$(q 'SELECT count(*) FROM logs')" -eq 2000 ]
	kill -9 "$BG"
	wait "$BG" 2>/dev/null || true
	BG=
	# Nothing of the third batch, whose 500 rows were in COPY.
	[ "$(q 'SELECT count(*) FROM logs')" -eq 2000 ]
	q 'SELECT pgload_fold()' >/dev/null	# what the killed folder left
	[ "$(q 'SELECT sum(requests) FROM daily_total')" -eq 2000 ]
	run -0 --separate-stderr pgload -b 1000 <"$f"
	[ "$stderr" = "" ]
	[ "$(q 'SELECT count(*) FROM logs')" -eq "$(sort -u "$f" | wc -l)" ]
	[ "$(q 'SELECT count(DISTINCT line_hash) FROM logs')" -eq "$(q 'SELECT count(*) FROM logs')" ]
	check_rollups
}

@test "pgload: a fold that fails is an error, exit 1; its sums stay queued for the next run" {
	f=$(gen 3000 21)
	pgload </dev/null	# the schema first
	q 'ALTER TABLE daily_total RENAME TO daily_total_away' >/dev/null
	run -1 --separate-stderr pgload -b 1000 <"$f"
	[[ $stderr == "pgload: folding the rollups: "*"daily_total"* ]] || { echo "$stderr"; return 1; }
	# The batches committed before the folder failed are in logs, and
	# their sums in the queue: nothing lost, nothing counted.
	[ "$(q 'SELECT count(*) FROM logs')" -ge 1000 ]
	[ "$(q 'SELECT count(*) FROM pgload_queue_day')" -gt 0 ]
	q 'ALTER TABLE daily_total_away RENAME TO daily_total' >/dev/null
	run -0 --separate-stderr pgload -b 1000 <"$f"
	[ "$(q 'SELECT count(*) FROM logs')" -eq "$(sort -u "$f" | wc -l)" ]
	check_rollups
}

@test "pgload_fold: sums of a batch still loading wait, of a failed batch are dropped" {
	pgload </dev/null	# the schema
	# Sums queued (committed) by another session for a batch, as pgload's
	# summer does: the fold goes by the batch transaction's fate.
	queue() {
		q "INSERT INTO pgload_queue_day (day, requests, downloads,
		    full_downloads, partial_downloads, bytes_sent, errors,
		    downloaders, objects, requesters, object_downloaders, batch)
		    VALUES ('$1', 7, 0, 0, 0, 0, 0, hll_empty(), hll_empty(),
		    hll_empty(), hll_empty(), '$2')" >/dev/null
	}
	# A batch that failed (rolled back).
	x=$(q 'BEGIN; SELECT pg_current_xact_id(); ROLLBACK' | grep -E '^[0-9]+$')
	queue 2030-01-01 "$x"
	# A batch still in progress, committed two seconds later.
	printf 'BEGIN;\nSELECT pg_current_xact_id() \\g %s\nSELECT pg_sleep(2);\nCOMMIT;\n' "$T/xid" >"$T/open.sql"
	psql -X -q -At -f "$T/open.sql" >/dev/null & BG=$!
	for _ in $(seq 50); do [ -s "$T/xid" ] && break; sleep 0.1; done
	queue 2030-01-02 "$(cat "$T/xid")"
	q 'SELECT pgload_fold()' >/dev/null
	[ "$(q 'SELECT count(*) FROM daily_total')" -eq 0 ]
	[ "$(q 'SELECT count(*) FROM pgload_queue_day')" -eq 1 ]
	wait "$BG"
	BG=
	q 'SELECT pgload_fold()' >/dev/null
	[ "$(q 'SELECT day, requests FROM daily_total')" = "2030-01-02|7" ]
	[ "$(q 'SELECT count(*) FROM pgload_queue_day')" -eq 0 ]
}

@test "pgload: the server going away mid-load is a clear error, exit 1" {
	f=$(gen 300 8 1)
	mkfifo "$T/fifo"
	PGAPPNAME=pgload-gone pgload -b 100 <"$T/fifo" 2>"$T/err" 3>&- &
	BG=$!
	exec 4>"$T/fifo"
	head -150 "$f" >&4
	# A batch is sent when complete: wait until the first one is in,
	# end pgload's backend while it reads the second, then let it go on.
	for _ in $(seq 300); do
		[ "$(q 'SELECT count(*) FROM logs')" -ge 100 ] && break
		sleep 0.1
	done
	[ "$(q 'SELECT count(*) FROM logs')" -eq 100 ]
	[ "$(q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'pgload-gone'")" = t ]
	tail -n +151 "$f" >&4
	exec 4>&-
	st=0
	wait "$BG" || st=$?
	BG=
	[ "$st" -eq 1 ]
	grep -Eq '^pgload: stdin:101-200: batch not loaded: .*(terminat|server closed the connection)' "$T/err" || { cat "$T/err"; return 1; }
	[ "$(wc -l <"$T/err")" -eq 1 ]
	[ "$(q 'SELECT count(*) FROM logs')" -eq 100 ]
	# The committed batch's sums are in the rollups or still queued: the
	# next pgload or report(1) folds them.
	q 'SELECT pgload_fold()' >/dev/null
	[ "$(q 'SELECT sum(requests) FROM daily_total')" -eq 100 ]
}

@test "pgload: concurrent loaders apply migrations once and store each line once" {
	f=$(gen 4000 9)
	head -3000 "$f" >"$T/x"
	tail -3000 "$f" >"$T/y"
	pgload -b 500 <"$T/x" 2>"$T/ex" & p1=$!
	pgload -b 700 <"$T/y" 2>"$T/ey" & p2=$!
	pgload -b 900 <"$f" 2>"$T/ez" & p3=$!
	wait $p1
	wait $p2
	wait $p3
	[ ! -s "$T/ex" ] && [ ! -s "$T/ey" ] && [ ! -s "$T/ez" ]
	[ "$(q 'SELECT count(*) FROM logs')" -eq "$(sort -u "$f" | wc -l)" ]
	[ "$(q 'SELECT count(*) FROM schema_migrations')" -eq "$(ls "$ROOT"/sql/*.sql | wc -l)" ]
	check_rollups
}

@test "pgload: a batch ends at the first change of day after half of -b" {
	f=$(gen 3000 13 20)	# 150 lines a day
	run -0 --separate-stderr pgload -v -b 400 <"$f"
	[ "$output" = "" ]
	# The rows done after each batch (-v): where each batch ended.
	sed -n 's/^pgload: \([0-9]*\) rows, [0-9]* new, [0-9]* rows\/s$/\1/p' \
	    <<<"$stderr" >"$T/ends"
	[ "$(tail -1 "$T/ends")" -eq 3000 ]
	prev=0
	while read -r end; do
		[ "$((end - prev))" -le 400 ]
		if [ "$end" -lt 3000 ]; then
			# At least half of -b, and the next line is of another day.
			[ "$((end - prev))" -ge 200 ]
			[ "$(sed -n "${end}p" "$f" | cut -f4 | cut -c1-10)" != \
			    "$(sed -n "$((end + 1))p" "$f" | cut -f4 | cut -c1-10)" ]
		fi
		prev=$end
	done <"$T/ends"
	[ "$(wc -l <"$T/ends")" -ge 8 ]
	[ "$(q 'SELECT count(*) FROM logs')" -eq "$(sort -u "$f" | wc -l)" ]
	check_rollups
}

@test "pgload -v: progress on stderr, nothing on stdout" {
	f=$(gen 2000 10 1)
	run -0 --separate-stderr pgload -v -b 1000 <"$f"
	[ "$output" = "" ]
	[[ $stderr == *"pgload: 1000 rows, 1000 new, "*" rows/s"* ]]
	[[ $stderr == *"pgload: 2000 rows, 2000 new, 0 set aside, "* ]]
}

@test "pgload: writes nothing to stdout, so >/dev/full is no error" {
	f=$(gen 100 11)
	run -0 --separate-stderr pgload <"$f" >/dev/full
	[ "$stderr" = "" ]
	[ "$(q 'SELECT count(*) FROM logs')" -eq 100 ]
}

@test "pgload -t: metadata rows are upserted on the primary key" {
	q 'CREATE TABLE "Odd Meta" (id int, k text, name text, n int, tags text[], PRIMARY KEY (k, id))' >/dev/null
	printf '1\ta\tone\t1\t{x,y}\n2\ta\ttwo\t2\t\\N\n1\tb\tthree\t\\N\t{}\n' >"$T/m1"
	run -0 --separate-stderr pgload -t '"Odd Meta"' <"$T/m1"
	[ "$output" = "" ]
	[ "$stderr" = "" ]
	[ "$(q 'SELECT count(*) FROM "Odd Meta"')" -eq 3 ]
	x1=$(q 'SELECT xmin FROM "Odd Meta" WHERE id = 1 AND k = $$a$$')
	# One unchanged, one changed, one new; a duplicate key: the last wins.
	printf '1\ta\tone\t1\t{x,y}\n2\ta\tTWO\t2\t\\N\n3\tc\tnew\t3\t\\N\n3\tc\tnewer\t3\t\\N\n' >"$T/m2"
	run -0 --separate-stderr pgload -v -t '"Odd Meta"' <"$T/m2"
	[ "$output" = "" ]
	[[ $stderr == *"4 rows, 2 new, 0 set aside"* ]]
	[ "$(q 'SELECT xmin FROM "Odd Meta" WHERE id = 1 AND k = $$a$$')" = "$x1" ]
	[ "$(q 'SELECT string_agg(concat_ws($$,$$, id, k, name, n, tags), $$;$$ ORDER BY k, id) FROM "Odd Meta"')" = "1,a,one,1,{x,y};2,a,TWO,2;1,b,three,{};3,c,newer,3" ]
	# Wrong field count: line named, batch not committed.
	printf '9\tz\tnine\t9\t\\N\n9\tz\n' >"$T/m3"
	run -1 --separate-stderr pgload -t '"Odd Meta"' <"$T/m3"
	[ "$stderr" = "pgload: stdin:2: 2 fields, not 5" ]
	# A value of the wrong type: checked against the catalog's type.
	printf '9\tz\tnine\tnine\t\\N\n' >"$T/m4"
	run -1 --separate-stderr pgload -t '"Odd Meta"' <"$T/m4"
	[ "$stderr" = "pgload: stdin:1: column n: not an integer in the range of integer" ]
	# A value the checks do not know (text[]): the server's message with the line.
	printf '9\tz\tnine\t9\t{x\n' >"$T/m5"
	run -1 --separate-stderr pgload -t '"Odd Meta"' <"$T/m5"
	[[ $stderr == "pgload: stdin:1: column tags: malformed array literal"* ]]
	[ "$(q 'SELECT count(*) FROM "Odd Meta" WHERE id = 9')" -eq 0 ]
}

@test "pgload -t: an unknown table or one without a primary key exits 2" {
	run -2 --separate-stderr pgload -t nosuch </dev/null
	[ "$output" = "" ]
	[ "$stderr" = "pgload: nosuch: no such table" ]
	q 'CREATE TABLE nopk (a int)' >/dev/null
	run -2 --separate-stderr pgload -t nopk </dev/null
	[ "$stderr" = "pgload: nopk: no primary key to upsert on" ]
	# A name is never SQL: this is looked up, not run.
	run -2 --separate-stderr pgload -t 'nopk; DROP TABLE nopk' </dev/null
	[ "$output" = "" ]
	[[ $stderr == "pgload: "* ]]
	[ "$(q 'SELECT count(*) FROM nopk')" -eq 0 ]
}

@test "pgload -t files: the ENCODE metadata tables load" {
	# Creates the schema (the ENCODE tables among it) first.
	run -0 --separate-stderr pgload </dev/null
	[ "$stderr" = "" ]
	n=$(q "SELECT count(*) FROM pg_attribute WHERE attrelid = 'labs'::regclass AND attnum > 0 AND NOT attisdropped")
	row=lab-x
	for _ in $(seq 2 "$n"); do row="$row	v"; done
	printf '%s\n' "$row" >"$T/labs"
	run -0 --separate-stderr pgload -t labs <"$T/labs"
	[ "$stderr" = "" ]
	[ "$(q "SELECT count(*) FROM labs WHERE name = 'lab-x'")" -eq 1 ]
}
