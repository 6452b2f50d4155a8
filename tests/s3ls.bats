#!/usr/bin/env bats
# s3ls: listing against the real RGW, --since, the exactly-once cursor.
load helper
load harness/s3helper

setup() {
	need_servers
	export S3LOGS_STATE_DIR=$BATS_TEST_TMPDIR/state
}

teardown() {
	stop_bg "${SRV_PID:-}"
}

# badlist MODE: start tests/harness/badlist.py in MODE on a free port ($p),
# its pid in $SRV_PID (teardown stops it, also when the test fails).
badlist() {
	p=$(freeport)
	python3 "$ROOT/tests/harness/badlist.py" "$p" "$1" </dev/null >/dev/null 2>&1 &
	SRV_PID=$!
	for _ in $(seq 50); do curl -sf "http://127.0.0.1:$p/__count" >/dev/null && break; sleep 0.1; done
}

@test "s3ls: awkward keys are listed exactly as aws s3api list-objects-v2 lists them" {
	b=$(mkbucket ls)
	awkward "$b"
	awsls "$b" >"$BATS_TEST_TMPDIR/aws"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/aws")" -eq 21 ]
	run -0 --separate-stderr s3ls "s3://$b/"
	[ "$stderr" = "" ]
	[ "$output" = "$(cat "$BATS_TEST_TMPDIR/aws")" ]
	# one key per page: every page followed, same order
	S3LOGS_MAX_KEYS=1 run -0 --separate-stderr s3ls "s3://$b"
	[ "$stderr" = "" ]
	[ "$output" = "$(cat "$BATS_TEST_TMPDIR/aws")" ]
	# a prefix with a space and UTF-8
	awsls "$b" ord/ >"$BATS_TEST_TMPDIR/aws2"
	S3LOGS_MAX_KEYS=3 run -0 --separate-stderr s3ls "s3://$b/ord/"
	[ "$output" = "$(cat "$BATS_TEST_TMPDIR/aws2")" ]
	run -0 --separate-stderr s3ls "s3://$b/dir/with "
	[ "$output" = "s3://$b/dir/with space.txt" ]
}

@test "s3ls: an empty truncated last page ends the listing cleanly" {
	b=$(mkbucket ls)
	for i in 1 2 3 4; do echo $i | aws s3 cp - "s3://$b/k$i" >/dev/null; done
	S3LOGS_MAX_KEYS=2 run -0 --separate-stderr s3ls -v "s3://$b/"
	[ "$output" = "$(printf 's3://%s/k%s\n' "$b" 1 "$b" 2 "$b" 3 "$b" 4)" ]
	# RGW answers a third, empty, truncated page: it was requested
	[ "$(grep -c 'list-type=2' <<<"$stderr")" -ge 2 ]
}

@test "s3ls -l: size, last-modified and ETag as TSV; -0 separates with NUL" {
	b=$(mkbucket ls)
	printf 'hello world\n' | aws s3 cp - "s3://$b/a b" >/dev/null
	run -0 --separate-stderr s3ls -l "s3://$b/"
	[ "$stderr" = "" ]
	IFS=$'\t' read -r url size lm etag <<<"$output"
	[ "$url" = "s3://$b/a b" ]
	[ "$size" = 12 ]
	[[ $lm =~ ^20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9:.]+Z$ ]]
	[ "$etag" = '"6f5902ac237024bdd0c176cb93063dc4"' ]
	printf 'x' | aws s3 cp - "s3://$b/new
line" >/dev/null
	s3ls -0 "s3://$b/" >"$BATS_TEST_TMPDIR/z"
	[ "$(tr '\0' '|' <"$BATS_TEST_TMPDIR/z")" = "s3://$b/a b|s3://$b/new
line|" ]
}

@test "s3ls: a wrong secret gives exit 1, SignatureDoesNotMatch, nothing on stdout" {
	AWS_SECRET_ACCESS_KEY=wrong run -1 --separate-stderr s3ls s3://logs/
	[ "$output" = "" ]
	[ "$stderr" = "s3ls: s3://logs/: 403 SignatureDoesNotMatch" ]
}

@test "s3ls: a bad URL or a missing bucket fails that item, the others are listed" {
	b=$(mkbucket ls)
	echo x | aws s3 cp - "s3://$b/k" >/dev/null
	run -1 --separate-stderr s3ls s3://no-such-bucket-s3ls/ notaurl "s3://$b/"
	[ "$output" = "s3://$b/k" ]
	[ "$stderr" = "s3ls: s3://no-such-bucket-s3ls/: 404 NoSuchBucket
s3ls: notaurl: not an s3://bucket/prefix URL" ]
}

@test "s3ls: usage and configuration errors exit 2" {
	run -2 --separate-stderr s3ls
	[ "$output" = "" ]
	[ "$stderr" = "usage: s3ls [-0Alv] [--commit] [--since when] [--window days] url ..." ]
	run -2 --separate-stderr s3ls -x s3://logs/
	[[ $stderr == *"usage: s3ls "* ]]
	AWS_ENDPOINT_URL=ftp://x run -2 --separate-stderr s3ls s3://logs/
	[ "$stderr" = "s3ls: endpoint URL ftp://x: not http:// or https://" ]
	run -2 --separate-stderr env -u AWS_ACCESS_KEY_ID \
	    AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_CONFIG_FILE=/dev/null \
	    AWS_EC2_METADATA_DISABLED=true s3ls s3://logs/
	[[ $stderr == "s3ls: no credentials"* ]]
	S3LOGS_RETRIES=x run -2 --separate-stderr s3ls s3://logs/
	[[ $stderr == "s3ls: S3LOGS_RETRIES=x: "* ]]
}

@test "s3ls: | head -1 is silent; >/dev/full exits 1 with a message" {
	b=$(mkbucket ls)
	awkward "$b"
	run -0 --separate-stderr bash -c "s3ls s3://$b/ | head -1"
	[ "$output" = "s3://$b/a+b.txt" ]
	[ "$stderr" = "" ]
	run -1 --separate-stderr bash -c "s3ls s3://$b/ >/dev/full"
	[ "$stderr" = "s3ls: stdout: No space left on device" ]
}

@test "s3ls -v: the endpoint and requests on stderr, never the secret" {
	run -0 --separate-stderr s3ls -v s3://logs/
	[[ $stderr == *"credentials from environment"* ]]
	[[ $stderr == *"GET http://"* ]]
	! grep -qF -- "$AWS_SECRET_ACCESS_KEY" <<<"$stderr"
	# (RGW ignores a session token for a plain user: the status is not the point)
	AWS_SESSION_TOKEN=sekrit-token-xyz run --separate-stderr s3ls -v s3://logs/
	[[ $stderr == *"GET http://"* ]]
	! grep -qF -- "$AWS_SECRET_ACCESS_KEY" <<<"$stderr"
	! grep -qF -- "sekrit-token-xyz" <<<"$stderr"
}

@test "s3ls --since KEY starts after the key" {
	b=$(mkbucket ls)
	for k in a b c d; do echo $k | aws s3 cp - "s3://$b/p/$k" >/dev/null; done
	run -0 --separate-stderr s3ls --since p/b "s3://$b/p/"
	[ "$output" = "s3://$b/p/c
s3://$b/p/d" ]
	[ "$stderr" = "" ]
}

@test "s3ls --since DATE, simple keys: one start-after, no day before is listed" {
	b=$(mkbucket ls)
	for d in 01 02 03 04 05; do
		for h in 00 13; do
			echo x | aws s3 cp - "s3://$b/logs/2024-01-$d-$h-00-00-0123456789ABCDEF" >/dev/null
		done
	done
	run -0 --separate-stderr s3ls -v --since 2024-01-04 "s3://$b/logs/"
	[ "$output" = "$(printf "s3://$b/logs/2024-01-%s-0123456789ABCDEF\n" 04-00-00-00 04-13-00-00 05-00-00-00 05-13-00-00)" ]
	[[ $stderr == *"start-after=logs%2F2024-01-04"* ]]
	run -0 --separate-stderr s3ls --since 2024-01-04T12 "s3://$b/logs/"
	[ "$(wc -l <<<"$output")" -eq 3 ]
	run -0 --separate-stderr s3ls --since 2024-01-05T13:00:01 "s3://$b/logs/"
	[ "$output" = "" ]
}

@test "s3ls --since DATE, date-partitioned keys: whole days are skipped" {
	b=$(mkbucket ls)
	for part in 111122223333/us-east-1/src-a 111122223333/us-west-2/src-b; do
		for d in 01 02 03 04; do
			echo x | aws s3 cp - "s3://$b/p/$part/2024/01/$d/2024-01-$d-10-00-00-AAAA" >/dev/null
		done
	done
	run -0 --separate-stderr s3ls -v --since 2024-01-03 "s3://$b/p/"
	exp="s3://$b/p/111122223333/us-east-1/src-a/2024/01/03/2024-01-03-10-00-00-AAAA
s3://$b/p/111122223333/us-east-1/src-a/2024/01/04/2024-01-04-10-00-00-AAAA
s3://$b/p/111122223333/us-west-2/src-b/2024/01/03/2024-01-03-10-00-00-AAAA
s3://$b/p/111122223333/us-west-2/src-b/2024/01/04/2024-01-04-10-00-00-AAAA"
	[ "$output" = "$exp" ]
	# each partition is listed from its date on
	[[ $stderr == *"start-after=p%2F111122223333%2Fus-east-1%2Fsrc-a%2F2024%2F01%2F03%2F"* ]]
	run -0 --separate-stderr s3ls --since 2024-01-04T11 "s3://$b/p/"
	[ "$output" = "" ]
	run -0 --separate-stderr s3ls --since 2024-01-04T09:30 "s3://$b/p/"
	[ "$(wc -l <<<"$output")" -eq 2 ]
}

@test "s3ls --since DATE: keys in neither format are an error" {
	b=$(mkbucket ls)
	echo x | aws s3 cp - "s3://$b/weird/key" >/dev/null
	run -1 --separate-stderr s3ls --since 2024-01-01 "s3://$b/weird/"
	[ "$output" = "" ]
	[ "$stderr" = "s3ls: s3://$b/weird/: --since DATE: key weird/key fits neither log key format" ]
}

@test "s3ls --since last / --commit: pending until committed, then only new keys" {
	b=$(mkbucket ls)
	for k in 1 2 3; do echo $k | aws s3 cp - "s3://$b/l/$k" >/dev/null; done
	# no pending cursor yet: --commit is a no-op
	run -0 --separate-stderr s3ls --commit "s3://$b/l/"
	[ "$output" = "" ] && [ "$stderr" = "" ]
	run -0 --separate-stderr s3ls --since last "s3://$b/l/"
	[ "$(wc -l <<<"$output")" -eq 3 ]
	# the documented file names: BUCKET.HASH.pending; keys of neither log
	# layout keep a plain cursor, the last key, as the floor record
	hash=$(printf '%s\n%s\n%s' "$AWS_ENDPOINT_URL" "$b" l/ | sha256sum | cut -c1-16)
	[ "$(tr '\0' '\n' <"$S3LOGS_STATE_DIR/$b.$hash.pending")" = "s3ls-state 2
l/3" ]
	[ ! -e "$S3LOGS_STATE_DIR/$b.$hash.committed" ]
	# not committed: a rerun lists the same keys
	run -0 --separate-stderr s3ls --since last "s3://$b/l/"
	[ "$(wc -l <<<"$output")" -eq 3 ]
	run -0 --separate-stderr s3ls --commit "s3://$b/l/"
	[ "$(tr '\0' '\n' <"$S3LOGS_STATE_DIR/$b.$hash.committed")" = "s3ls-state 2
l/3" ]
	[ ! -e "$S3LOGS_STATE_DIR/$b.$hash.pending" ]
	run -0 --separate-stderr s3ls --since last "s3://$b/l/"
	[ "$output" = "" ]
	echo 4 | aws s3 cp - "s3://$b/l/4" >/dev/null
	run -0 --separate-stderr s3ls --since last "s3://$b/l/"
	[ "$output" = "s3://$b/l/4" ]
	# another prefix of the same bucket has its own cursor
	run -0 --separate-stderr s3ls --since last "s3://$b/"
	[ "$(wc -l <<<"$output")" -eq 4 ]
	run -0 s3ls --commit "s3://$b/l/"
	run -0 --separate-stderr s3ls --since last "s3://$b/l/"
	[ "$output" = "" ]
}

@test "s3ls --since last: a failed listing leaves the cursors alone" {
	b=$(mkbucket ls)
	echo 1 | aws s3 cp - "s3://$b/k1" >/dev/null
	run -0 s3ls --since last "s3://$b/"
	run -0 s3ls --commit "s3://$b/"
	echo 2 | aws s3 cp - "s3://$b/k2" >/dev/null
	AWS_SECRET_ACCESS_KEY=wrong run -1 --separate-stderr s3ls --since last "s3://$b/"
	[ "$output" = "" ]
	hash=$(printf '%s\n%s\n%s' "$AWS_ENDPOINT_URL" "$b" "" | sha256sum | cut -c1-16)
	[ ! -e "$S3LOGS_STATE_DIR/$b.$hash.pending" ]
	[ "$(tr '\0' '\n' <"$S3LOGS_STATE_DIR/$b.$hash.committed")" = "s3ls-state 2
k1" ]
}

# Issue 18: hostile servers and hostile keys.

@test "s3ls: a listing that never advances (the same continuation token forever) fails, naming the URL" {
	for mode in stuck cycle; do
		badlist "$mode"
		# (timeout only stops the loop of an s3ls without the check)
		AWS_ENDPOINT_URL=http://127.0.0.1:$p S3LOGS_RETRIES=0 run --separate-stderr \
		    timeout 60 s3ls s3://b/logs/
		n=$(curl -sf "http://127.0.0.1:$p/__count")
		teardown
		[ "$status" -eq 1 ]
		[[ $stderr == "s3ls: s3://b/logs/: the listing does not advance: "* ]]
		[ "$(wc -l <<<"$stderr")" -eq 1 ]
		[ "$n" -le 3 ]
		[ "$(wc -l <<<"$output")" -le 2 ]
	done
}

@test "s3ls: a key outside the prefix (shorter than it) from a server is an error, no over-read" {
	badlist outside
	for since in "" --since=2024-01-01 --since=last; do
		AWS_ENDPOINT_URL=http://127.0.0.1:$p S3LOGS_RETRIES=0 run -1 --separate-stderr \
		    s3ls $since s3://b/logs/
		[ "$output" = "" ]
		[ "$stderr" = "s3ls: s3://b/logs/: the server listed key x, outside the prefix" ]
	done
}

@test "s3ls --since DATE: keys shorter than a date path are read within bounds (ASan)" {
	b=$(mkbucket ls)
	echo x | aws s3 cp - "s3://$b/p/a/r/b/1" >/dev/null
	run -1 --separate-stderr s3ls --since 2024-01-01 "s3://$b/p/"
	[ "$output" = "" ]
	[ "$stderr" = "s3ls: s3://$b/p/: --since DATE: key p/a/r/b/1 fits neither log key format" ]
	echo x | aws s3 cp - "s3://$b/q/2" >/dev/null
	run -1 --separate-stderr s3ls --since 2024-01-01 "s3://$b/q/"
	[ "$stderr" = "s3ls: s3://$b/q/: --since DATE: key q/2 fits neither log key format" ]
}

@test "s3ls: a key with a newline cannot inject a line: refused with a warning, exit 1; -0 prints it" {
	b=$(mkbucket ls)
	for k in "logs/a
s3://other-bucket/secret.txt" "logs/b
-A" "logs/c	tab" logs/d; do
		printf x | aws s3 cp - "s3://$b/$k" >/dev/null
	done
	run -1 --separate-stderr s3ls "s3://$b/logs/"
	[ "$output" = "s3://$b/logs/c	tab
s3://$b/logs/d" ]
	[ "$stderr" = "s3ls: s3://$b/logs/a%0As3://other-bucket/secret.txt: a control character in the key: not printed (use -0)
s3ls: s3://$b/logs/b%0A-A: a control character in the key: not printed (use -0)
s3ls: s3://$b/logs/: 2 keys with control characters not printed" ]
	# -l: a TAB would shift the columns, so it is refused too
	run -1 --separate-stderr s3ls -l "s3://$b/logs/"
	[ "$(wc -l <<<"$output")" -eq 1 ]
	[[ $output == "s3://$b/logs/d	1	"* ]]
	# -0 prints every key, nothing is lost
	s3ls -0 "s3://$b/logs/" >"$BATS_TEST_TMPDIR/z"
	[ "$(tr '\0' '|' <"$BATS_TEST_TMPDIR/z")" = "s3://$b/logs/a
s3://other-bucket/secret.txt|s3://$b/logs/b
-A|s3://$b/logs/c	tab|s3://$b/logs/d|" ]
	# --since last: a refused key is not handed out, so -0 lists it later
	run -1 --separate-stderr s3ls --since last "s3://$b/logs/"
	[ "$(wc -l <<<"$output")" -eq 2 ]
	run -0 s3ls --commit "s3://$b/logs/"
	s3ls -0 --since last "s3://$b/logs/" >"$BATS_TEST_TMPDIR/z"
	[ "$(tr '\0' '|' <"$BATS_TEST_TMPDIR/z")" = "s3://$b/logs/a
s3://other-bucket/secret.txt|s3://$b/logs/b
-A|" ]
}
