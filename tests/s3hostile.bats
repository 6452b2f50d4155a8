#!/usr/bin/env bats
# Issue 18: s3put against a server that misbehaves on purpose
# (tests/harness/s3hostile.py): a listing that never advances, a 200 MB
# listing page, XML nested a million deep, a DOCTYPE with entities.  Each
# gives exit 1 and a clear message, in bounded memory, and never hangs.
load helper

setup_file() {
	export HPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	python3 "$BATS_TEST_DIRNAME/harness/s3hostile.py" "$HPORT" 3>&- &
	echo $! >"$BATS_FILE_TMPDIR/h.pid"
	for _ in $(seq 50); do
		curl -sf "http://127.0.0.1:$HPORT/__count" >/dev/null && break
		sleep 0.1
	done
}

teardown_file() {
	kill "$(cat "$BATS_FILE_TMPDIR/h.pid")" 2>/dev/null || true
}

setup() {
	T=$BATS_TEST_TMPDIR
	export AWS_ENDPOINT_URL=http://127.0.0.1:$HPORT AWS_ACCESS_KEY_ID=x \
	    AWS_SECRET_ACCESS_KEY=y AWS_EC2_METADATA_DISABLED=true S3LOGS_RETRIES=0
	mkdir -p "$T/site"
	echo a >"$T/site/a.html"
}

# A guard against the old infinite loop, not a timing assertion: a run that
# needs the timeout has failed.
hang_guard() {
	timeout 120 "$@"
}

@test "s3put -r: a listing whose continuation token never changes fails, it does not loop" {
	before=$(curl -sf "http://127.0.0.1:$HPORT/__count")
	run -1 --separate-stderr hang_guard s3put -r "$T/site" s3://loop/p/
	[ "$output" = "" ]
	[ "$stderr" = "s3put: s3://loop/p/: the listing does not advance: continuation token same-token repeated" ]
	# the first page, the same token once more, and no further
	[ $(( $(curl -sf "http://127.0.0.1:$HPORT/__count") - before )) -eq 2 ]
}

@test "s3put -r: a 200 MB listing page fails clearly, in bounded memory" {
	run -1 --separate-stderr /usr/bin/time -o "$T/rss" -f %M s3put -r "$T/site" s3://huge/p/
	[ "$output" = "" ]
	[ "$stderr" = "s3put: s3://huge/p/: response body larger than 16 MiB" ]
	# max RSS in KiB: well below the 200 MB page (the old code held it all)
	[ "$(tail -n 1 "$T/rss")" -lt 204800 ]
}

@test "s3put -r: a listing nested a million deep fails clearly, in bounded memory" {
	run -1 --separate-stderr /usr/bin/time -o "$T/rss" -f %M s3put -r "$T/site" s3://deep/p/
	[ "$output" = "" ]
	[ "$stderr" = "s3put: s3://deep/p/: bad XML in response: elements nested too deeply at line 2" ]
	[ "$(tail -n 1 "$T/rss")" -lt 102400 ]
}

@test "s3put -r: a listing with a DOCTYPE (entity definitions) is refused" {
	run -1 --separate-stderr s3put -r "$T/site" s3://doctype/p/
	[ "$output" = "" ]
	[ "$stderr" = "s3put: s3://doctype/p/: bad XML in response: a DOCTYPE declaration at line 1" ]
}

@test "s3put -r: two directories and an endpoint that does not answer: exit 1, no crash" {
	mkdir -p "$T/two"
	echo b >"$T/two/b.html"
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	AWS_ENDPOINT_URL=http://127.0.0.1:$port run -1 --separate-stderr s3put -r "$T/site" "$T/two" s3://site/p/
	[ "$output" = "" ]
	[ "$(grep -c "^s3put: s3://site/p/: Failed to connect to 127.0.0.1 port $port" <<<"$stderr")" -eq 2 ]
	[ "$(wc -l <<<"$stderr")" -eq 2 ]
}
