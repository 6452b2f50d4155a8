#!/usr/bin/env bats
# s3cat and s3ls through tests/harness/faultproxy.py: 503s, resets, a body
# cut at 1 MB of 20 MB, a stall.  Correct bytes every time, or a clear
# failure once the retries are spent.
load helper
load harness/s3helper

setup_file() {
	need_servers
	export FPPORT=$(freeport)
	python3 "$BATS_TEST_DIRNAME/harness/faultproxy.py" "$FPPORT" "$S3LOGS_S3PORT" 3>&- &
	echo $! >"$BATS_FILE_TMPDIR/fp.pid"
	for _ in $(seq 50); do
		curl -sf "http://127.0.0.1:$FPPORT/__fault" >/dev/null && break
		sleep 0.1
	done
	export FB=$(mkbucket fault)
	head -c 20000000 /dev/urandom >"$BATS_FILE_TMPDIR/big"
	aws s3api put-object --bucket "$FB" --key big.bin --body "$BATS_FILE_TMPDIR/big" >/dev/null
	for i in 1 2 3; do echo "small $i" | aws s3 cp - "s3://$FB/s$i" >/dev/null; done
}

teardown_file() {
	kill "$(cat "$BATS_FILE_TMPDIR/fp.pid")" 2>/dev/null || true
}

setup() {
	FP=http://127.0.0.1:$FPPORT
	curl -sf -X DELETE "$FP/__fault" >/dev/null
	export AWS_ENDPOINT_URL=$FP
}

fault() {
	curl -sf -X POST "$FP/__fault?$1" >/dev/null
}

faults_used() {
	curl -sf "$FP/__fault" | python3 -c 'import json,sys; print(json.load(sys.stdin)["faults"])'
}

@test "fault: two 503 SlowDown are retried, the bytes are right" {
	fault "mode=503&count=2&match=big.bin"
	before=$(faults_used)
	s3cat -v "s3://$FB/big.bin" 2>"$BATS_TEST_TMPDIR/err" | cmp "$BATS_FILE_TMPDIR/big" -
	[ "$(grep -c '503 SlowDown; retry' "$BATS_TEST_TMPDIR/err")" -eq 2 ]
	[ $(( $(faults_used) - before )) -eq 2 ]
}

@test "fault: a connection reset is retried" {
	fault "mode=reset&match=big.bin"
	run -0 --separate-stderr bash -c "s3cat s3://$FB/s1 s3://$FB/big.bin s3://$FB/s2 | md5sum"
	[ "$stderr" = "" ]
	[ "$output" = "$( (echo 'small 1'; cat "$BATS_FILE_TMPDIR/big"; echo 'small 2') | md5sum)" ]
}

@test "fault: a body cut at 1 MB of 20 MB is resumed with a Range, no byte lost or doubled" {
	fault "mode=truncate:1000000&match=big.bin"
	s3cat -v "s3://$FB/big.bin" 2>"$BATS_TEST_TMPDIR/err" | cmp "$BATS_FILE_TMPDIR/big" -
	grep -q 'retry 1 in [0-9]* ms from byte 1000000' "$BATS_TEST_TMPDIR/err"
	grep -q 'big.bin: 206' "$BATS_TEST_TMPDIR/err"
	# twice in a row, and while other objects wait behind it
	fault "mode=truncate:1000000&count=2&match=big.bin"
	run -0 --separate-stderr bash -c "s3cat -j 4 s3://$FB/big.bin s3://$FB/s3 | md5sum"
	[ "$output" = "$( (cat "$BATS_FILE_TMPDIR/big"; echo 'small 3') | md5sum)" ]
}

@test "fault: a cut body of an object queued behind another is resumed too" {
	fault "mode=truncate:1000000&match=big.bin"
	run -0 --separate-stderr bash -c "s3cat -j 4 s3://$FB/s1 s3://$FB/big.bin | md5sum"
	[ "$output" = "$( (echo 'small 1'; cat "$BATS_FILE_TMPDIR/big") | md5sum)" ]
}

@test "fault: a stalled transfer is detected (S3LOGS_STALL_TIMEOUT) and retried" {
	fault "mode=stall:6&match=big.bin"
	S3LOGS_STALL_TIMEOUT=1 s3cat -v "s3://$FB/big.bin" 2>"$BATS_TEST_TMPDIR/err" | cmp "$BATS_FILE_TMPDIR/big" -
	grep -q 'Operation too slow' "$BATS_TEST_TMPDIR/err"
}

@test "fault: 503 on every attempt: a clear failure after the retries, other objects still written" {
	fault "mode=503&count=50&match=s2"
	S3LOGS_RETRIES=2 run -1 --separate-stderr s3cat "s3://$FB/s1" "s3://$FB/s2" "s3://$FB/s3"
	[ "$output" = "small 1
small 3" ]
	[ "$stderr" = "s3cat: s3://$FB/s2: 503 SlowDown (after 3 attempts)" ]
}

@test "fault: a 404 is not retried" {
	before=$(curl -sf "$FP/__fault" | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])')
	run -1 --separate-stderr s3cat "s3://$FB/nope"
	[ "$stderr" = "s3cat: s3://$FB/nope: 404 NoSuchKey" ]
	after=$(curl -sf "$FP/__fault" | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])')
	[ $((after - before)) -eq 1 ]
}

@test "fault: s3ls retries 500s and resets on listing pages" {
	fault "mode=500&count=2&match=list-type"
	fault "mode=reset&match=continuation-token"
	S3LOGS_MAX_KEYS=2 run -0 --separate-stderr s3ls "s3://$FB/"
	[ "$stderr" = "" ]
	[ "$output" = "s3://$FB/big.bin
s3://$FB/s1
s3://$FB/s2
s3://$FB/s3" ]
	fault "mode=500&count=50&match=list-type"
	S3LOGS_RETRIES=1 run -1 --separate-stderr s3ls "s3://$FB/"
	[ "$output" = "" ]
	[ "$stderr" = "s3ls: s3://$FB/: 500 InternalError (after 2 attempts)" ]
}

@test "fault: a wrong secret still fails through the proxy, not retried" {
	AWS_SECRET_ACCESS_KEY=wrong run -1 --separate-stderr s3cat "s3://$FB/s1"
	[ "$output" = "" ]
	[ "$stderr" = "s3cat: s3://$FB/s1: 403 SignatureDoesNotMatch" ]
}
