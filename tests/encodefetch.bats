#!/usr/bin/env bats
# encodefetch against the fixture portal (tests/harness/portal.py,
# started per test on a free loopback port and killed at teardown).
load helper

OBJECTS=$FIXTURES/portal/objects.json

# portal_start [PORTAL OPTIONS]: start the fixture portal, set URL.
portal_start() {
	standin_start "$ROOT/tests/harness/portal.py" "$@"
}

teardown() {
	stop_bg "${STANDIN_PID:-}"
}

# public KIND: the primary keys anonymous users of the portal see, sorted.
public() {
	python3 - "$OBJECTS" "$1" <<-'EOF'
	import json, sys
	d = json.load(open(sys.argv[1]))[sys.argv[2]]
	ok = {'released', 'archived', 'revoked', 'current'}
	for o in d:
	    if o['status'] in ok or (o['status'] == 'disabled' and 'Award' in o['@type']):
	        print(o.get('accession') or o.get('external_accession') or o.get('name'))
	EOF
}

# Requests the portal saw for limit=all ranges.
ranges_seen() {
	grep -c 'limit=all' "$BATS_TEST_TMPDIR/portal.log"
}

@test "encodefetch: bad option, bad type, bad date and no type exit 2 with usage" {
	run -2 --separate-stderr encodefetch --no-such-option files
	[ "$output" = "" ]
	[[ "$stderr" == *"usage: encodefetch [-v] [-r tries] [-u base_url] [--backoff seconds] [--max-value bytes] [--since date] [--timeout seconds] type"* ]]
	run -2 --separate-stderr encodefetch -u http://127.0.0.1:9 experiments
	[ "$output" = "" ]
	[[ "$stderr" == *"encodefetch: experiments: unknown type"* ]]
	run -2 --separate-stderr encodefetch -u http://127.0.0.1:9 --since 2020-13-01 files
	[ "$output" = "" ]
	[ "$stderr" = "encodefetch: --since 2020-13-01: not a date (YYYY-MM-DD)" ]
	run -2 --separate-stderr encodefetch -u http://127.0.0.1:9
	[ "$output" = "" ]
	[[ "$stderr" == usage:* ]]
	run -2 --separate-stderr encodefetch -r 0 -u http://127.0.0.1:9 files
	[ "$output" = "" ]
	[[ "$stderr" == *"-r 0: not a number of tries"* ]]
}

@test "encodefetch files: every public file arrives once, nothing else, 25 columns" {
	portal_start
	run -0 --separate-stderr encodefetch -u "$URL" files
	[ "$stderr" = "" ]
	[ "$(cut -f1 <<<"$output" | sort)" = "$(public files | sort)" ]
	[ "$(cut -f1 <<<"$output" | sort | uniq -d)" = "" ]
	[ "$(awk -F'\t' 'NF != 25' <<<"$output")" = "" ]
	# the month boundary: the last instant of June and the first of July
	grep -q '^ENCFF910AAD	.*2019-06-30T23:59:59.999999+00:00' <<<"$output"
	grep -q '^ENCFF910AAE	.*2019-07-01T00:00:00+00:00' <<<"$output"
	# s3_uri split into bucket and key; revoked files live in encode-private
	grep -q '^ENCFF910AAG	[0-9a-f-]*	\\N	encode-private	2019/09/09/' <<<"$output"
	# restricted: no key, restricted = t; external accession as accession
	grep -q '^ENCFF910AAJ	[0-9a-f-]*	\\N	\\N	\\N	released	.*	t	f	/files/' <<<"$output"
	grep -q '^SRR9100001	' <<<"$output"
	# alternate_accessions as an array, COPY escapes, a size above 2^32
	grep -q '^ENCFF910AAH	[0-9a-f-]*	{"ENCFF910ZZA"}	' <<<"$output"
	grep -qF 'alignments\twith a tab' <<<"$output"
	grep -qF 'multi\nline \\ title' <<<"$output"
	grep -q '	98765432109	' <<<"$output"
}

@test "encodefetch datasets, labs, awards: every public object once" {
	portal_start
	for t in datasets labs awards; do
		run -0 --separate-stderr encodefetch -u "$URL" "$t"
		[ "$stderr" = "" ]
		[ "$(cut -f1 <<<"$output" | sort)" = "$(public "$t" | sort)" ]
		[ "$(cut -f1 <<<"$output" | sort | uniq -d)" = "" ]
	done
	# datasets without date_created come in their own request
	run -0 --separate-stderr encodefetch -u "$URL" datasets
	grep -q '^ENCSR910AAC	annotations	Annotation	released	' <<<"$output"
	# a NUL (\u0000) cannot be stored in PostgreSQL text: it is dropped
	grep -q '^ENCSR910AAD	references	Reference	released	\\N	\\N	\\N	genome	genome index	' <<<"$output"
	grep -q 'date_created%21=%2A' "$BATS_TEST_TMPDIR/portal.log"
}

@test "encodefetch: months with no results (404) are empty ranges, not errors" {
	portal_start
	run -0 --separate-stderr encodefetch -u "$URL" files
	[ "$stderr" = "" ]
	# 2019-02 has no files: the portal answers 404 No results found
	grep -q '^404 .*date_created=gte:2019-02-01&date_created=lt:2019-03-01' \
	    "$BATS_TEST_TMPDIR/portal.log"
	[ "$(grep -c '^404 ' "$BATS_TEST_TMPDIR/portal.log")" -ge 5 ]
}

@test "encodefetch: a cut-off stream (HTTP 200, truncated) is detected and retried" {
	portal_start
	run -0 --separate-stderr encodefetch -u "$URL" files
	want=$output
	n=$(ranges_seen)
	: >"$BATS_TEST_TMPDIR/portal.log"
	teardown
	portal_start --truncate 1
	run -0 --separate-stderr encodefetch -u "$URL" files
	[ "$output" = "$want" ]
	[[ "$stderr" == "encodefetch: files [2019-01-01, 2019-02-01): HTTP 200: cut-off stream"*"; retrying in 1 s" ]]
	[ "$(wc -l <<<"$stderr")" -eq 1 ]
	[ "$(ranges_seen)" -eq $((n + 1)) ]
}

@test "encodefetch: a stream whose total disagrees with its hits is retried" {
	portal_start --short 1
	run -0 --separate-stderr encodefetch -u "$URL" files
	[ "$(cut -f1 <<<"$output" | sort)" = "$(public files | sort)" ]
	[ "$stderr" = "encodefetch: files [2019-01-01, 2019-02-01): incomplete: 2 of 3 results; retrying in 1 s" ]
}

@test "encodefetch: 503s and connection resets are retried with backoff" {
	portal_start --fail503 2 --reset 1
	run -0 --separate-stderr encodefetch -u "$URL" files
	[ "$(cut -f1 <<<"$output" | sort)" = "$(public files | sort)" ]
	[ "$(cut -f1 <<<"$output" | sort | uniq -d)" = "" ]
	[ "$(grep -c 'HTTP 503; retrying in [12] s' <<<"$stderr")" -eq 2 ]
	[ "$(grep -c 'retrying in 4 s' <<<"$stderr")" -eq 1 ]
	[ "$(wc -l <<<"$stderr")" -eq 3 ]
	[ "$(grep -c '^503 ' "$BATS_TEST_TMPDIR/portal.log")" -eq 2 ]
}

@test "encodefetch: a range that keeps failing exits 1; the other ranges still print" {
	portal_start --broken 2019-07
	run -1 --separate-stderr encodefetch -r 2 -u "$URL" files
	[ "$(cut -f1 <<<"$output" | sort)" = "$(public files | grep -v -e ENCFF910AAE -e ENCFF910AAF | sort)" ]
	[ "$stderr" = "encodefetch: files [2019-07-01, 2019-08-01): HTTP 500; retrying in 1 s
encodefetch: files [2019-07-01, 2019-08-01): HTTP 500 (gave up after 2 tries)" ]
}

@test "encodefetch --since: only objects created on or after the date (and undated ones)" {
	portal_start
	run -0 --separate-stderr encodefetch --since 2020-02-12 -u "$URL" files
	[ "$stderr" = "" ]
	[ "$(cut -f1 <<<"$output" | sort | tr '\n' ' ')" = "ENCFF910AAJ ENCFF910AAK ENCFF910AAL ENCFF910AAM " ]
	grep -q 'date_created=gte:2020-02-12&date_created=lt:2020-03-01' "$BATS_TEST_TMPDIR/portal.log"
	! grep -q 'gte:2019' "$BATS_TEST_TMPDIR/portal.log"
}

@test "encodefetch: redirects are followed, Accept is application/json" {
	portal_start
	run -0 --separate-stderr encodefetch -u "$URL/redirect" labs
	[ "$stderr" = "" ]
	[ "$(cut -f1 <<<"$output" | sort)" = "$(public labs | sort)" ]
	grep -q '^301 /redirect/search/' "$BATS_TEST_TMPDIR/portal.log"
}

@test "encodefetch: a portal that is not there fails with 1 and names the range" {
	run -1 --separate-stderr encodefetch -r 1 -u http://127.0.0.1:9 labs
	[ "$output" = "" ]
	[[ "$stderr" == "encodefetch: labs (all): Couldn't connect to server"*"(gave up after 1 tries)" ]]
}

@test "encodefetch: | head -1 is silent; >/dev/full exits 1 with a message" {
	portal_start
	run -0 --separate-stderr bash -c "encodefetch -u '$URL' files | head -1"
	[ "$(wc -l <<<"$output")" -eq 1 ]
	[ "$stderr" = "" ]
	run -1 --separate-stderr bash -c "encodefetch -u '$URL' labs >/dev/full"
	[ "$output" = "" ]
	[ "$stderr" = "encodefetch: stdout: No space left on device" ]
}

@test "encodefetch | pgload -t: loads, escapes round-trip, reloading upserts" {
	need_servers
	newdb ef
	portal_start
	for t in files datasets labs awards; do
		encodefetch -u "$URL" "$t" >"$BATS_TEST_TMPDIR/$t.tsv"
		run -0 --separate-stderr pgload -t "$t" <"$BATS_TEST_TMPDIR/$t.tsv"
		[ "$stderr" = "" ]
	done
	[ "$(q 'SELECT count(*) FROM files')" -eq "$(public files | wc -l)" ]
	[ "$(q 'SELECT count(*) FROM datasets')" -eq "$(public datasets | wc -l)" ]
	[ "$(q "SELECT output_type FROM files WHERE accession = 'ENCFF910AAL'")" = "alignments	with a tab" ]
	[ "$(q "SELECT assay_title = E'multi\\nline \\\\ title' FROM files WHERE accession = 'ENCFF910AAL'")" = t ]
	[ "$(q "SELECT file_size FROM files WHERE accession = 'ENCFF910AAL'")" = 98765432109 ]
	# a second full load and a --since load change nothing
	pgload -t files <"$BATS_TEST_TMPDIR/files.tsv"
	encodefetch --since 2020-01-01 -u "$URL" files | pgload -t files
	[ "$(q 'SELECT count(*) FROM files')" -eq "$(public files | wc -l)" ]
}

# logline KEY STATUS: an S3 access log line for encode-public/KEY.
logline() {
	printf '%s encode-public [%s +0000] 192.0.2.%d - REQ%s REST.GET.OBJECT %s "GET /encode-public/%s HTTP/1.1" %s - 1000 1000 10 5 "-" "curl/8.0" - HID= SigV4 ECDHE-RSA-AES128-GCM-SHA256 - encode-public.s3.amazonaws.com TLSv1.2 -\n' \
	    aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa \
	    "$3" "$((RANDOM % 200 + 1))" "$RANDOM$RANDOM" "$1" "$1" "$2"
}

@test "encodefetch: the join resolves every log line of a public file, and counts the rest by reason" {
	need_servers
	newdb efjoin
	portal_start
	for t in files datasets labs awards; do
		encodefetch -u "$URL" "$t" | pgload -t "$t"
	done
	# An authenticated crawl sees non-public files too (their keys for the log).
	ENCODE_ACCESS_KEY=k ENCODE_SECRET_KEY=s encodefetch -u "$URL" files >"$BATS_TEST_TMPDIR/all.tsv"
	log=$BATS_TEST_TMPDIR/access.log
	: >"$log"
	# two lines for every key the metadata names, public or not
	awk -F'\t' '$5 != "\\N" { print $1 "\t" $2 "\t" $5 }' "$BATS_TEST_TMPDIR/all.tsv" >"$BATS_TEST_TMPDIR/keys"
	while IFS=$'\t' read -r acc uuid key; do
		logline "$key" 200 "05/Jan/2024:01:02:03" >>"$log"
		logline "$key" 206 "06/Jan/2024:01:02:03" >>"$log"
	done <"$BATS_TEST_TMPDIR/keys"
	uuid_aab=$(awk -F'\t' '$1 == "ENCFF910AAB" { print $2 }' "$BATS_TEST_TMPDIR/all.tsv")
	uuid_aaj=$(awk -F'\t' '$1 == "ENCFF910AAJ" { print $2 }' "$BATS_TEST_TMPDIR/all.tsv")
	# the uuid fallback: same file, an older upload directory
	logline "2018/12/31/$uuid_aab/ENCFF910AAB.bam" 200 "07/Jan/2024:00:00:00" >>"$log"
	# a restricted file (it has no s3_uri; the key follows the upload rule)
	logline "2020/02/12/$uuid_aaj/ENCFF910AAJ.fastq.gz" 403 "07/Jan/2024:00:00:01" >>"$log"
	# a key nobody knows, and one that is no file at all
	logline "2021/01/01/01234567-89ab-4cde-8f01-23456789abcd/ENCFF999XXX.bam" 404 "07/Jan/2024:00:00:02" >>"$log"
	logline "robots.txt" 404 "07/Jan/2024:00:00:03" >>"$log"
	run -0 --separate-stderr bash -c "logparse <'$log' | pgload"

	# every log line of every public file with a key resolves to that file
	npub=$(awk -F'\t' '$6 ~ /^(released|archived|revoked)$/ && $5 != "\\N"' "$BATS_TEST_TMPDIR/all.tsv" | wc -l)
	[ "$npub" -eq 11 ]
	[ "$(q "SELECT count(*) FROM log_metadata WHERE match = 'key'")" -eq $((2 * npub)) ]
	[ "$(q "SELECT count(*) FROM log_metadata m JOIN files f ON f.accession = m.file_accession
	    WHERE m.key = f.s3_key")" -eq $((2 * npub)) ]
	[ "$(q "SELECT count(DISTINCT file_accession) FROM object_files WHERE match = 'key'")" -eq "$npub" ]
	# fallbacks: the uuid, then alternate_accessions (a replaced file's key)
	[ "$(q "SELECT file_accession || '|' || match FROM object_files JOIN objects USING (object_id)
	    WHERE key LIKE '2018/12/31/%'")" = "ENCFF910AAB|uuid" ]
	[ "$(q "SELECT file_accession || '|' || match FROM object_files JOIN objects USING (object_id)
	    WHERE key LIKE '%/ENCFF910ZZA.bed.gz'")" = "ENCFF910AAH|alternate_accession" ]
	# the metadata behind a resolved line: dataset lab and award, not the pipeline's
	[ "$(q "SELECT DISTINCT dataset_accession || '|' || lab_name || '|' || award_name || '|' || project
	    FROM log_metadata WHERE file_accession = 'ENCFF910AAB'")" = "ENCSR910AAA|ada-lovelace|U01HG900001|ENCODE" ]

	# the rest, by reason: anonymous metadata cannot tell replaced from deleted
	[ "$(q "SELECT reason || ':' || objects || ':' || requests FROM unresolved_by_reason ORDER BY reason")" = \
	    "not_a_file:1:1
restricted:1:1
unknown:4:7" ]
	# with the authenticated crawl loaded, non-public files name their status
	run -0 --separate-stderr pgload -t files <"$BATS_TEST_TMPDIR/all.tsv"
	[ "$(q "SELECT reason || ':' || objects FROM unresolved_by_reason ORDER BY reason")" = \
	    "deleted:1
in progress:1
not_a_file:1
replaced:1
restricted:1
unknown:1" ]
	# and public resolution did not change
	[ "$(q "SELECT count(*) FROM log_metadata WHERE file_accession IS NOT NULL")" -eq $((2 * npub + 3)) ]
}
