#!/usr/bin/env bats
# Hostile and broken input for the data path (issue 18): values the
# database cannot hold, escapes that make bytes it refuses, lines of any
# length, a portal that sends huge tokens, trickles, or is down, and
# report_key's row deleted.  Servers: the harness's PostgreSQL, and the
# stand-ins tests/harness/portal.py and tests/harness/hugeportal.py.
load helper

setup() {
	T=$BATS_TEST_TMPDIR
}

teardown() {
	stop_bg "${STANDIN_PID:-}"
}

# maxrss FILE: the "Maximum resident set size" (KB) of /usr/bin/time -v.
maxrss() {
	awk -F': ' '/Maximum resident set size/ { print $2 }' "$1"
}

# ---- encodefetch: values, sizes, time, a portal that is down

@test "encodefetch | pgload -t: out-of-range values load as NULL, named with object and field" {
	need_servers
	newdb badval
	python3 - "$T/objects.json" <<-'EOF'
	import json, sys
	def f(acc, created, **kw):
	    o = {'@id': '/files/%s/' % acc, '@type': ['File', 'Item'], 'accession': acc,
	         'uuid': '00000000-0000-4000-8000-%012d' % int(acc[-3:]), 'status': 'released',
	         'date_created': created, 'file_size': 1000}
	    o.update(kw)
	    return o
	files = [f('ENCFF000001', '2019-01-05T00:00:00+00:00'),
	         f('ENCFF000002', '2019-01-06T25:00:00+00:00', biological_replicates=[1, 99999999999]),
	         f('ENCFF000003', '2019-01-07T00:00:00Z', file_size=9999999999999999999)]
	json.dump({'files': files, 'datasets': [], 'labs': [], 'awards': []}, open(sys.argv[1], 'w'))
	EOF
	standin_start "$ROOT/tests/harness/portal.py" --objects "$T/objects.json"
	run -0 --separate-stderr encodefetch -u "$URL" files
	[ "$(wc -l <<<"$output")" -eq 3 ]
	[[ "$stderr" == *'/files/ENCFF000003/: file_size: "9999999999999999999": not an integer in the range of bigint, loaded as NULL'* ]]
	[[ "$stderr" == *'/files/ENCFF000002/: date_created: "2019-01-06T25:00:00+00:00": not a timestamp, loaded as NULL'* ]]
	[[ "$stderr" == *'/files/ENCFF000002/: biological_replicates: "99999999999": not an integer in the range of int, left out'* ]]
	[ "$(wc -l <<<"$stderr")" -eq 3 ]
	run -0 --separate-stderr pgload -t files <<<"$output"
	[ "$stderr" = "" ]
	[ "$(q "SELECT count(*) FROM files")" -eq 3 ]
	[ "$(q "SELECT coalesce(file_size::text, 'null') FROM files WHERE accession = 'ENCFF000003'")" = null ]
	[ "$(q "SELECT coalesce(date_created::text, 'null') || ' ' || biological_replicates::text FROM files WHERE accession = 'ENCFF000002'")" = "null {1}" ]
}

@test "encodefetch: a huge JSON string fails at --max-value, in bounded memory; a smaller one loads" {
	standin_start "$ROOT/tests/harness/hugeportal.py" --string 40000000
	run -1 --separate-stderr /usr/bin/time -v -o "$T/time" encodefetch -r 1 -u "$URL" labs
	[ "$output" = "" ]
	[[ "$stderr" == "encodefetch: labs (all): HTTP 200: a JSON value longer than 4194304 bytes (see --max-value) after "* ]]
	echo "max RSS $(maxrss "$T/time") KB" >&3
	[ "$(maxrss "$T/time")" -lt 65536 ]
	teardown
	standin_start "$ROOT/tests/harness/hugeportal.py" --string 3000000
	run -0 --separate-stderr encodefetch -u "$URL" labs
	[ "$stderr" = "" ]
	[ "$(cut -f2 <<<"$output" | wc -c)" -eq 3000001 ]
	run -1 --separate-stderr encodefetch -r 1 --max-value 1048576 -u "$URL" labs
	[[ "$stderr" == *"a JSON value longer than 1048576 bytes"* ]]
	teardown
	standin_start "$ROOT/tests/harness/hugeportal.py" --number 5000000
	run -1 --separate-stderr encodefetch -r 1 -u "$URL" labs
	[[ "$stderr" == *"a JSON value longer than 4194304 bytes"* ]]
}

@test "encodefetch --timeout: a portal that trickles a byte at a time is cut off" {
	standin_start "$ROOT/tests/harness/hugeportal.py" --trickle 0.2
	run -1 --separate-stderr encodefetch -r 1 --timeout 2 -u "$URL" labs
	[ "$output" = "" ]
	[[ "$stderr" == "encodefetch: labs (all): Timeout was reached"*"(gave up after 1 tries)" ]]
	run -2 --separate-stderr encodefetch --timeout x labs
	[[ "$stderr" == *"--timeout x: not a number of seconds"* ]]
}

@test "encodefetch: a portal that answers 503 to every range gives up after 3 ranges in a row" {
	# Probes (limit=1) are answered; every limit=all range gets 503.
	standin_start "$ROOT/tests/harness/portal.py" --fail503 100000
	run -1 --separate-stderr encodefetch -r 1 -u "$URL" files
	[ "$output" = "" ]
	[[ "$stderr" == *"encodefetch: files: giving up: 3 ranges in a row failed" ]]
	[ "$(grep -c 'limit=all' "$T/portal.log")" -eq 3 ]
	# Retries of each range, with the backoff shortened.
	: >"$T/portal.log"
	run -1 --separate-stderr encodefetch -r 3 --backoff 0 -u "$URL" files
	[ "$(grep -c 'retrying in 0 s' <<<"$stderr")" -eq 6 ]
	[ "$(grep -c 'limit=all' "$T/portal.log")" -eq 9 ]
	[ "$(tail -1 <<<"$stderr")" = "encodefetch: files: giving up: 3 ranges in a row failed" ]
}

@test "encodefetch: a portal that is not there (closed port) fails fast with --backoff 0" {
	run -1 --separate-stderr encodefetch -r 3 --backoff 0 -u http://127.0.0.1:9 files
	[ "$output" = "" ]
	[ "$(grep -c "Couldn't connect to server" <<<"$stderr")" -eq 6 ]
	[ "$(grep -c 'retrying in 0 s' <<<"$stderr")" -eq 4 ]
	run -2 --separate-stderr encodefetch --backoff -1 files
	[[ "$stderr" == *"--backoff -1: not a number of seconds"* ]]
}

# ---- pgload -t: typed columns

# filerow ACC SIZE CREATED: a files row (25 columns).
filerow() {
	printf '%s\t00000000-0000-4000-8000-000000000001\t\\N\tencode-public\t2020/01/01/x/%s.bam\treleased\tbam\t\\N\tbam\talignments\talignment\tGRCh38\t%s\t\\N\t%s\texperiments\tENCSR000AAA\tlab\taward\t{1,2}\tTF ChIP-seq\tChIP-seq\tf\tf\t/files/%s/\n' \
	    "$1" "$1" "$2" "$3" "$1"
}

@test "pgload -t -k: a bad bigint or timestamp is set aside, the good rows load; without -k nothing" {
	need_servers
	newdb badmeta
	{
		filerow ENCFF000001 1000 2020-01-01T00:00:00+00:00
		filerow ENCFF000002 9999999999999999999 2020-01-01T00:00:00+00:00
		filerow ENCFF000003 1000 2020-02-30T00:00:00+00:00
		filerow ENCFF000004 '\x31' 2020-01-02T00:00:00Z
	} >"$T/files.tsv"
	run -1 --separate-stderr pgload -t files <"$T/files.tsv"
	[ "$output" = "" ]
	[ "$stderr" = "pgload: stdin:2: column file_size: not an integer in the range of bigint" ]
	[ "$(q "SELECT count(*) FROM files")" -eq 0 ]
	run -0 --separate-stderr pgload -t files -k "$T/bad.tsv" <"$T/files.tsv"
	[ "$stderr" = "pgload: stdin:2: column file_size: not an integer in the range of bigint: set aside
pgload: stdin:3: column date_created: not a time like 2024-01-05T02:56:06Z: set aside" ]
	[ "$(cat "$T/bad.tsv")" = "$(sed -n 2,3p "$T/files.tsv")" ]
	[ "$(q "SELECT string_agg(accession || ':' || file_size, ' ' ORDER BY accession) FROM files")" = \
	    "ENCFF000001:1000 ENCFF000004:1" ]
	# A NULL in a NOT NULL column is set aside too.
	filerow ENCFF000005 1000 2020-01-01T00:00:00Z | sed 's/\tf\tf\t/\t\\N\tf\t/' >"$T/null.tsv"
	run -0 --separate-stderr pgload -t files -k "$T/bad2.tsv" <"$T/null.tsv"
	[ "$stderr" = "pgload: stdin:1: column restricted: NULL in a NOT NULL column: set aside" ]
}

# ---- pgload logs: escapes that make bytes PostgreSQL refuses

@test "pgload: \\xff and \\000 escapes are refused (set aside with -k), not a failed load" {
	need_servers
	newdb badesc
	good=$FIXTURES/logparse/good.tsv
	n=$(wc -l <"$good")
	awk -F'\t' -v OFS='\t' 'NR == 2 { $18 = "curl\\xff" } NR == 3 { $18 = "a\\000b" }
	    NR == 4 { $18 = "ok\\\\xff\\x41" } { print }' "$good" >"$T/in.tsv"
	run -0 --separate-stderr pgload -k "$T/bad.tsv" <"$T/in.tsv"
	[ "$output" = "" ]
	[ "$stderr" = "pgload: stdin:2: an escape makes invalid UTF-8 (or a NUL byte): set aside
pgload: stdin:3: an escape makes invalid UTF-8 (or a NUL byte): set aside" ]
	[ "$(cat "$T/bad.tsv")" = "$(sed -n 2,3p "$T/in.tsv")" ]
	[ "$(q "SELECT count(*) FROM logs")" -eq $((n - 2)) ]
	# an escaped backslash before "xff" is text, and \x41 is "A"
	[ "$(q "SELECT count(*) FROM logs_text WHERE user_agent = 'ok\\xffA'")" -eq 1 ]
	run -1 --separate-stderr pgload <"$T/in.tsv"
	[ "$stderr" = "pgload: stdin:2: an escape makes invalid UTF-8 (or a NUL byte)" ]
}

# ---- line length

# hugeline MB: a line of MB MiB of "x", from a bounded generator.
hugeline() {
	python3 -c '
import sys
w = sys.stdout.buffer
b = b"x" * (1 << 20)
for _ in range(int(sys.argv[1])):
    w.write(b)
w.write(b"\n")' "$1"
}

@test "logparse: a 200 MiB line is rejected in bounded memory; the lines after it are parsed" {
	log=$FIXTURES/logparse/good.log
	{ head -2 "$log"; hugeline 200; tail -n +3 "$log"; } >"$T/in.log"
	run -0 --separate-stderr /usr/bin/time -v -o "$T/time" logparse -r "$T/rej" "$T/in.log"
	echo "max RSS $(maxrss "$T/time") KB" >&3
	[ "$(maxrss "$T/time")" -lt 32768 ]
	[ "$output" = "$(logparse "$log")" ]
	[ "$stderr" = "logparse: $T/in.log:3: longer than 1048576 bytes (-L), cut
logparse: 1 line rejected: longer than 1048576 bytes (-L)" ]
	[ "$(cut -f1-3 "$T/rej")" = "$T/in.log	3	longer than 1048576 bytes (-L), cut" ]
	[ "$(cut -f4 "$T/rej" | wc -c)" -eq $((1048576 + 1)) ]
	# -L: a lower limit; without -r the rejection is exit 1
	{ head -1 "$log"; head -c 3000 /dev/zero | tr '\0' x; echo; tail -n +2 "$log"; } >"$T/in2.log"
	run -1 --separate-stderr logparse -L 2048 "$T/in2.log"
	[ "$output" = "$(logparse "$log")" ]
	[[ "$stderr" == "logparse: $T/in2.log:2: longer than 2048 bytes (-L), cut"* ]]
	run -2 --separate-stderr logparse -L 10 "$T/in2.log"
	[[ "$stderr" == *"-L 10: not a number of bytes"* ]]
}

@test "pgload: a 200 MiB line is set aside (cut) in bounded memory; the lines after it load" {
	need_servers
	newdb hugeline
	good=$FIXTURES/logparse/good.tsv
	n=$(wc -l <"$good")
	{ head -1 "$good"; hugeline 200; tail -n +2 "$good"; } >"$T/in.tsv"
	run -0 --separate-stderr /usr/bin/time -v -o "$T/time" pgload -k "$T/bad.tsv" <"$T/in.tsv"
	echo "max RSS $(maxrss "$T/time") KB" >&3
	[ "$(maxrss "$T/time")" -lt 131072 ]
	[ "$stderr" = "pgload: stdin:2: a line of 209715200 bytes, longer than -L 1048576, cut to that: set aside" ]
	[ "$(wc -c <"$T/bad.tsv")" -eq $((1048576 + 1)) ]
	[ "$(q "SELECT count(*) FROM logs")" -eq "$n" ]
	{ head -1 "$good"; head -c 3000 /dev/zero | tr '\0' x; echo; } >"$T/in2.tsv"
	run -1 --separate-stderr pgload -L 2048 <"$T/in2.tsv"
	[ "$stderr" = "pgload: stdin:2: a line of 3000 bytes, longer than -L 2048" ]
}

# ---- report_key

@test "report: deleting report_key's row makes a new key; report then runs" {
	need_servers
	newdb rkey
	logparse "$FIXTURES/report/site.log" | pgload
	old=$(q "SELECT encode(key, 'hex') FROM report_key")
	[ -n "$old" ]
	q "DELETE FROM report_key" >/dev/null
	run -0 --separate-stderr report -o "$T/site"
	new=$(q "SELECT encode(key, 'hex') FROM report_key")
	[ -n "$new" ] && [ "$new" != "$old" ]
	q "TRUNCATE report_key" >/dev/null
	[ "$(q "SELECT count(*) FROM report_key")" -eq 1 ]
	run -0 --separate-stderr report -o "$T/site2"
}
