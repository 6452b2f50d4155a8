#!/usr/bin/env bats
# logparse: S3 server access log lines to PostgreSQL COPY rows (contract 1).
load helper

setup() {
	F=$FIXTURES/logparse
	CORPUS=$SHARED/data/s3-access-logs/corpus.log
}

# row N FILE: line N of logparse's output for FILE, one column per line.
row() {
	logparse "$2" | sed -n "$1p" | tr '\t' '\n'
}

# xxh128 FILE: XXH3-128 of FILE's bytes, high half first, from libxxhash
# itself (Python ctypes), as a second opinion on line_hash.
xxh128() {
	python3 - "$1" <<'EOF'
import ctypes, sys
class H(ctypes.Structure):
    _fields_ = [("lo", ctypes.c_uint64), ("hi", ctypes.c_uint64)]
x = ctypes.CDLL("libxxhash.so.0")
x.XXH3_128bits.restype = H
x.XXH3_128bits.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
b = open(sys.argv[1], "rb").read()
h = x.XXH3_128bits(b, len(b))
print("%016x%016x" % (h.hi, h.lo))
EOF
}

@test "logparse: a bad option exits 2 with the usage line" {
	run -2 --separate-stderr logparse -x
	[ "$output" = "" ]
	[ "${stderr_lines[-1]}" = "usage: logparse [-Hguv] [-L bytes] [-o operation] [-r file] [-s status] [file ...]" ]
}

@test "logparse -H: the header row is the 29 column names of contract 1" {
	run -0 --separate-stderr logparse -H </dev/null
	[ "$stderr" = "" ]
	want="line_hash bucket_owner bucket time remote_ip requester request_id operation key request_uri http_status error_code bytes_sent object_size total_time turnaround_time referer user_agent version_id host_id signature_version cipher_suite auth_type host_header tls_version access_point_arn acl_required source_region extra"
	[ "$output" = "$(printf '%s' "$want" | tr ' ' '\t')" ]
}

@test "logparse: every fixture line gives the reviewed row, byte for byte" {
	run -0 --separate-stderr logparse "$F/good.log"
	[ "$stderr" = "" ]
	[ "${#lines[@]}" -eq 19 ]
	diff <(printf '%s\n' "$output") "$F/good.tsv"
	# 29 columns everywhere, never more, never fewer.
	[ "$(printf '%s\n' "$output" | awk -F'\t' 'NF != 29' | wc -l)" -eq 0 ]
}

@test "logparse: 18 to 27 fields, absent ones NULL, field 28 on in extra" {
	run -0 --separate-stderr row 1 "$F/good.log"
	[ "${lines[3]}" = "2012-03-03T14:05:09Z" ]
	[ "${lines[17]}" = "curl/8.0" ]
	for i in $(seq 18 28); do [ "${lines[$i]}" = '\N' ]; done
	run -0 --separate-stderr row 3 "$F/good.log"
	[ "${lines[18]}" = "3HL4kqtJvjVBH40Nrjfkd" ]
	[ "${lines[25]}" = "arn:aws:s3:us-west-2:111122223333:accesspoint/demo-ap" ]
	[ "${lines[26]}" = '\N' ]
	run -0 --separate-stderr row 5 "$F/good.log"
	[ "${lines[26]}" = '\N' ]
	[ "${lines[27]}" = "eu-central-1" ]
	[ "${lines[28]}" = '\N' ]
	run -0 --separate-stderr row 6 "$F/good.log"
	[ "${lines[27]}" = "eu-central-1" ]
	[ "${lines[28]}" = 'future1 "future two"' ]
	[ "$stderr" = "" ]
}

@test "logparse: raw quotes inside the Request-URI, Referer and User-Agent" {
	run -0 --separate-stderr row 7 "$F/good.log"
	[ "${lines[9]}" = 'GET /a"b?x=" HTTP/1.1' ]
	[ "${lines[10]}" = "404" ]
	[ "${lines[11]}" = "NoSuchKey" ]
	run -0 --separate-stderr row 8 "$F/good.log"
	[ "${lines[17]}" = 'pip/24.0 {"ci":null,"openssl":"OpenSSL 3.0.2  15 Mar 2022"}' ]
	[ "${lines[19]}" = "Qm9ndXNIb3N0SWRGb3JBVGVzdEZpeHR1cmVPbmx5Tm90UmVhbERhdGFBdEFsbA0123456789abcdEFGH=" ]
	run -0 --separate-stderr row 9 "$F/good.log"
	[ "${lines[17]}" = '"Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"' ]
	run -0 --separate-stderr row 10 "$F/good.log"
	[ "${lines[16]}" = 'see "this" page' ]
	[ "${lines[17]}" = "curl/8.0" ]
	[ "$stderr" = "" ]
}

@test "logparse: bare dashes, lifecycle records, odd host id, time offsets" {
	run -0 --separate-stderr row 11 "$F/good.log"
	[ "${lines[7]}" = "REST.COPY.OBJECT_GET" ]
	[ "${lines[9]}" = '\N' ]
	[ "${lines[10]}" = '\N' ]
	[ "${lines[13]}" = "5000" ]
	[ "${lines[16]}" = '\N' ]
	[ "${lines[17]}" = '\N' ]
	[ "${lines[18]}" = "vXkz.2" ]
	[ "${lines[20]}" = "SigV4" ]
	run -0 --separate-stderr row 12 "$F/good.log"
	[ "${lines[4]}" = '\N' ]
	[ "${lines[5]}" = "AmazonS3" ]
	[ "${lines[9]}" = '\N' ]
	run -0 --separate-stderr row 17 "$F/good.log"
	[ "${lines[19]}" = "AIDAEXAMPLEEXTRATOKEN Qm9ndXNIb3N0SWRGb3JBVGVzdEZpeHR1cmVPbmx5Tm90UmVhbERhdGFBdEFsbA0123456789abcdEFGH=" ]
	[ "${lines[20]}" = "SigV4" ]
	[ "${lines[24]}" = "TLSv1.2" ]
	run -0 --separate-stderr row 18 "$F/good.log"
	[ "${lines[6]}" = "e5042925-b524-4b3b-a869-f3881e78ff3a" ]
	[ "${lines[7]}" = "S3.COMPUTE.OBJECT.CHECKSUM" ]
	[ "${lines[13]}" = "9223372036854775807" ]
	[ "${lines[27]}" = "us-east-1" ]
	run -0 --separate-stderr row 19 "$F/good.log"
	[ "${lines[3]}" = "2024-02-29T23:30:00Z" ]
	[ "${lines[4]}" = "2001:db8::1" ]
	[ "$stderr" = "" ]
}

@test "logparse: line_hash is XXH3-128 of the line without LF or CRLF" {
	sed -n 2p "$F/good.log" | tr -d '\n' >"$BATS_TEST_TMPDIR/l"
	want=$(xxh128 "$BATS_TEST_TMPDIR/l")
	run -0 --separate-stderr logparse "$BATS_TEST_TMPDIR/l"
	[ "$stderr" = "" ]
	[ "${output%%$'\t'*}" = "$want" ]
	# The same record with CRLF, or twice, gives the same row.
	printf '%s\r\n%s\n' "$(cat "$BATS_TEST_TMPDIR/l")" "$(cat "$BATS_TEST_TMPDIR/l")" |
	    logparse >"$BATS_TEST_TMPDIR/out"
	[ "$(sort -u "$BATS_TEST_TMPDIR/out" | wc -l)" -eq 1 ]
	[ "$(sed -n 1p "$BATS_TEST_TMPDIR/out")" = "$output" ]
	# Trailing spaces are ignored for the fields but kept in the hash.
	run -0 --separate-stderr row 13 "$F/good.log"
	[ "${lines[17]}" = "curl/8.0" ]
	[ "${lines[18]}" = '\N' ]
	[ "${lines[4]}" = "198.51.100.23" ]
	[ "${lines[5]}" = '\N' ]
}

@test "logparse: backslash, TAB and CR are COPY-escaped" {
	run -0 --separate-stderr row 15 "$F/good.log"
	[ "$stderr" = "" ]
	[ "${lines[9]}" = 'GET /k\\x HTTP/1.1' ]
	[ "${lines[17]}" = 'tab\there\\' ]
	printf '%s\n' "$(sed -n 14p "$F/good.log")" | grep -q $'\r$'
	run -0 --separate-stderr row 14 "$F/good.log"
	[ "${lines[18]}" = '\N' ]
}

@test "logparse: invalid UTF-8 and NUL load as UTF-8 and decode back losslessly" {
	logparse "$F/good.log" >"$BATS_TEST_TMPDIR/out"
	# The whole output is valid UTF-8 with no NUL.
	iconv -f UTF-8 -t UTF-8 "$BATS_TEST_TMPDIR/out" >/dev/null
	[ "$(tr -cd '\000' <"$BATS_TEST_TMPDIR/out" | wc -c)" -eq 0 ]
	run -0 --separate-stderr python3 - "$F/good.log" "$BATS_TEST_TMPDIR/out" <<'EOF'
import re, sys
raw = open(sys.argv[1], "rb").read().split(b"\n")[15]
row = open(sys.argv[2], "rb").read().split(b"\n")[15].split(b"\t")
ua = row[17]
assert ua.decode("utf-8")
dec = re.sub(rb"\xf4\x8f[\xbc-\xbf][\x80-\xbf]",
             lambda m: bytes([(m[0][2] - 0xbc) << 6 | (m[0][3] - 0x80)]), ua)
want = raw[raw.rindex(b'"-" "') + 5:raw.rindex(b'" -')]
print(dec == want, row[9].decode())
EOF
	[ "$output" = "True GET /café HTTP/1.1" ]
	[ "$stderr" = "" ]
}

@test "logparse: rejected lines are counted by reason, others still print, exit 1" {
	run -1 --separate-stderr logparse "$F/good.log" "$F/bad.log"
	[ "${#lines[@]}" -eq 19 ]
	[ "${stderr_lines[0]}" = "logparse: $F/bad.log:1: too few fields" ]
	[ "${stderr_lines[1]}" = "logparse: $F/bad.log:2: two records spliced" ]
	[ "${stderr_lines[3]}" = "logparse: $F/bad.log:4: bad time" ]
	[ "${stderr_lines[9]}" = "logparse: $F/bad.log:10: shifted fields" ]
	[ "${stderr_lines[10]}" = "logparse: further rejected lines are only counted" ]
	summary=$(printf '%s\n' "${stderr_lines[@]:11}")
	[ "$summary" = "logparse: 1 line rejected: too few fields
logparse: 2 lines rejected: bad time
logparse: 1 line rejected: bad operation
logparse: 1 line rejected: bad request-uri
logparse: 1 line rejected: bad http status
logparse: 2 lines rejected: bad number
logparse: 1 line rejected: bad referer or user-agent quoting
logparse: 1 line rejected: shifted fields
logparse: 1 line rejected: two records spliced" ]
}

@test "logparse -r: every rejected raw line is kept with input and line number, exit 0" {
	run -0 --separate-stderr logparse -r "$BATS_TEST_TMPDIR/rej" "$F/bad.log" - <"$F/bad.log"
	[ "$output" = "" ]
	[ "$(wc -l <"$BATS_TEST_TMPDIR/rej")" -eq 22 ]
	cut -f4- "$BATS_TEST_TMPDIR/rej" | head -11 | cmp - "$F/bad.log"
	cut -f4- "$BATS_TEST_TMPDIR/rej" | tail -11 | cmp - "$F/bad.log"
	[ "$(sed -n 2p "$BATS_TEST_TMPDIR/rej" | cut -f1-3)" = "$F/bad.log	2	two records spliced" ]
	[ "$(sed -n 22p "$BATS_TEST_TMPDIR/rej" | cut -f1-3)" = "stdin	11	bad request-uri" ]
	[ "${stderr_lines[-1]}" = "logparse: 2 lines rejected: two records spliced" ]
	run -2 --separate-stderr logparse -r /nonexistent/dir/rej "$F/good.log"
	[ "$output" = "" ]
	[ "$stderr" = "logparse: /nonexistent/dir/rej: No such file or directory" ]
}

@test "logparse -o, -g, -s: keep by operation and HTTP status" {
	run -0 --separate-stderr logparse -g "$F/good.log"
	[ "$stderr" = "" ]
	[ "$(printf '%s\n' "$output" | cut -f8 | sort -u)" = "REST.GET.OBJECT" ]
	[ "${#lines[@]}" -eq 11 ]
	run -0 --separate-stderr logparse -o REST.PUT.OBJECT -o REST.GET.ACL,WEBSITE.GET.OBJECT "$F/good.log"
	[ "$(printf '%s\n' "$output" | cut -f8 | tr '\n' ' ')" = "REST.PUT.OBJECT REST.GET.ACL WEBSITE.GET.OBJECT " ]
	run -0 --separate-stderr logparse -s 3xx,404 "$F/good.log"
	[ "$(printf '%s\n' "$output" | cut -f11 | tr '\n' ' ')" = "304 404 404 " ]
	run -0 --separate-stderr logparse -s - "$F/good.log"
	[ "$(printf '%s\n' "$output" | cut -f8 | tr '\n' ' ')" = "REST.COPY.OBJECT_GET S3.EXPIRE.OBJECT " ]
	run -0 --separate-stderr logparse -g -s 200-206 "$F/good.log"
	[ "$(printf '%s\n' "$output" | cut -f11 | sort | uniq -c | tr -s ' \n' '  ')" = " 9 200 1 206 " ]
	[ "$stderr" = "" ]
	run -2 --separate-stderr logparse -s 2x "$F/good.log"
	[ "$output" = "" ]
	[ "$stderr" = "logparse: -s: bad status: 2x" ]
	run -2 --separate-stderr logparse -s 300-200 "$F/good.log"
	[ "$stderr" = "logparse: -s: bad status range: 300-200" ]
}

@test "logparse -u: repeated lines are dropped, distinct ones never" {
	run -0 --separate-stderr logparse -u -v "$F/good.log" "$F/good.log" - <"$F/good.log"
	[ "${#lines[@]}" -eq 19 ]
	diff <(printf '%s\n' "$output") "$F/good.tsv"
	[ "$stderr" = "logparse: 57 lines: 19 rows, 0 rejected, 0 filtered, 38 duplicates, 0 blank" ]
	# Many distinct lines: none is dropped.
	python3 "$ROOT/bench/genlogs.py" -n 5000 -s 3 >"$BATS_TEST_TMPDIR/big"
	[ "$(logparse -u "$BATS_TEST_TMPDIR/big" | wc -l)" -eq "$(sort -u "$BATS_TEST_TMPDIR/big" | wc -l)" ]
}

@test "logparse: stdin, '-', blank lines; an unreadable file gives 1, others still print" {
	run -0 --separate-stderr logparse <"$F/good.log"
	diff <(printf '%s\n' "$output") "$F/good.tsv"
	[ "$stderr" = "" ]
	run -0 --separate-stderr bash -c "printf '\n  \n\r\n' | cat - '$F/good.log' | logparse -v"
	[ "${#lines[@]}" -eq 19 ]
	[ "$stderr" = "logparse: 22 lines: 19 rows, 0 rejected, 0 filtered, 0 duplicates, 3 blank" ]
	run -1 --separate-stderr logparse /nonexistent "$F/good.log"
	[ "${#lines[@]}" -eq 19 ]
	[ "$stderr" = "logparse: /nonexistent: No such file or directory" ]
}

@test "logparse: lines of any length (a 1 MB User-Agent)" {
	python3 - "$F/good.log" >"$BATS_TEST_TMPDIR/long" <<'EOF'
import sys
l = open(sys.argv[1], "rb").read().split(b"\n")[1]
sys.stdout.buffer.write(l.replace(b'"aws-cli/2.15.0', b'"' + b"x\" y " * 200000 + b'aws-cli/2.15.0') + b"\n")
EOF
	run -0 --separate-stderr logparse "$BATS_TEST_TMPDIR/long"
	[ "$stderr" = "" ]
	[ "${#output}" -gt 1000000 ]
	[ "$(printf '%s\n' "$output" | cut -f21,25)" = "SigV4	TLSv1.2" ]
}

@test "logparse | head -1 is silent" {
	python3 "$ROOT/bench/genlogs.py" -n 20000 -s 5 >"$BATS_TEST_TMPDIR/big"
	run -0 --separate-stderr bash -c "logparse '$BATS_TEST_TMPDIR/big' | head -1"
	[ "${#lines[@]}" -eq 1 ]
	[ "$stderr" = "" ]
}

@test "logparse >/dev/full exits 1 with a message" {
	run -1 --separate-stderr bash -c "logparse '$F/good.log' >/dev/full"
	[ "$stderr" = "logparse: stdout: No space left on device" ]
}

@test "logparse: corpus.log parses except the lines marked for rejection" {
	need_shared
	run -0 --separate-stderr logparse -r "$BATS_TEST_TMPDIR/rej" "$CORPUS"
	[ "${#lines[@]}" -eq 162 ]
	[ "$(printf '%s\n' "$output" | awk -F'\t' 'NF != 29' | wc -l)" -eq 0 ]
	# L57/L67 spliced, L166 truncated (NEGATIVE); L44 is an EDITED test
	# line with " any other fields" appended, rejected as shifted.
	[ "$(cut -f2,3 "$BATS_TEST_TMPDIR/rej" | tr '\t\n' ': ')" = "44:shifted fields 57:two records spliced 67:two records spliced 166:too few fields " ]
	# Every REAL and REAL-ANON line is parsed, except the spliced L67.
	real=$(awk -F'\t' '$3 ~ /^REAL/ { print $1 }' "$SHARED/data/s3-access-logs/corpus-index.tsv" | grep -vx 67 | wc -l)
	[ "$real" -eq 136 ]
	# The 27-field doc lines carry source_region; L164 keeps field 28.
	[ "$(sed -n 1p "$CORPUS" | logparse | cut -f28)" = "us-east-1" ]
	[ "$(sed -n 2p "$CORPUS" | logparse | cut -f26-29)" = '\N	\N	us-east-1	\N' ]
	[ "$(sed -n 164p "$CORPUS" | logparse | cut -f28,29)" = "us-east-1	ExtraUnknownField" ]
	# The bulk file: all 1069 lines.
	[ "$(logparse "$SHARED/data/s3-access-logs/corpus-bulk.log" | wc -l)" -eq 1069 ]
}

@test "logparse: fields agree with the other parsers' expected values" {
	need_shared
	run -0 --separate-stderr python3 "$ROOT/tests/harness/compare_expected.py" "$(command -v logparse)" "$SHARED/data/s3-access-logs"
	[ "$stderr" = "" ]
	# The two disagreements are deliberate (see the report and logparse(1)):
	# Elastic keeps a quoted "-" Request-URI as "-", contract 1 says NULL;
	# OTel drops field 28, we keep it in extra.
	[ "$output" = "DIFF elastic L23 request_uri: theirs='-' ours=None
DIFF otel L164 extra (dropped by OTel): theirs=None ours='ExtraUnknownField'
compared 584 values, 2 disagreements" ]
}

@test "logparse: the rows load into PostgreSQL with typed columns" {
	need_servers
	newdb logparse
	cols=$(logparse -H </dev/null | tr '\t' '\n' | sed 's/$/ text/' | paste -sd, - |
	    sed 's/line_hash text/line_hash uuid/; s/time text/time timestamptz/;
	    s/bytes_sent text/bytes_sent bigint/; s/object_size text/object_size bigint/;
	    s/http_status text/http_status int/; s/total_time text/total_time bigint/;
	    s/turnaround_time text/turnaround_time bigint/')
	q "create table t ($cols)"
	{ cat "$F/good.log"; [ ! -f "$CORPUS" ] || cat "$CORPUS"; } |
	    logparse -H -r /dev/null >"$BATS_TEST_TMPDIR/rows"
	run -0 --separate-stderr psql -X -q -v ON_ERROR_STOP=1 -c "\\copy t from '$BATS_TEST_TMPDIR/rows' (format text, header true)"
	[ "$stderr" = "" ]
	n=$(($(wc -l <"$BATS_TEST_TMPDIR/rows") - 1))
	[ "$(q 'select count(*) from t')" -eq "$n" ]
	[ "$(q "select time from t where remote_ip = '2001:db8::1'")" = "2024-02-29 23:30:00+00" ]
	[ "$(q "select user_agent from t where user_agent like 'tab%'")" = 'tab	here\' ]
	[ "$(q "select count(*) from t where referer = 'see \"this\" page'")" -eq 1 ]
}
