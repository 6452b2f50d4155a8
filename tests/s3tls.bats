#!/usr/bin/env bats
# HTTPS: the harness's RGW serves TLS too (beast ssl_endpoint) with a
# certificate from a throwaway CA (tests/harness/up).  Verified with
# AWS_CA_BUNDLE or the profile's ca_bundle, refused otherwise; keep-alive
# and resume (a Range after a cut body) behave as over HTTP.
load helper
load harness/s3helper

setup_file() {
	need_servers
	export TB=$(mkbucket tls)
	head -c 5000000 /dev/urandom >"$BATS_FILE_TMPDIR/big"
	aws s3api put-object --bucket "$TB" --key big.bin --body "$BATS_FILE_TMPDIR/big" >/dev/null
	for i in 1 2 3 4 5; do echo "small $i" | aws s3 cp - "s3://$TB/s$i" >/dev/null; done
}

setup() {
	T=$BATS_TEST_TMPDIR
	[ -n "${S3LOGS_TEST_HTTPS_ENDPOINT:-}" ] || skip "no HTTPS endpoint in the harness"
}

teardown() {
	[ -z "${FP_PID:-}" ] || kill "$FP_PID" 2>/dev/null || true
}

@test "tls: verified with AWS_CA_BUNDLE: s3ls lists and s3cat reads" {
	run -0 --separate-stderr env AWS_ENDPOINT_URL="$S3LOGS_TEST_HTTPS_ENDPOINT" \
	    AWS_CA_BUNDLE="$S3LOGS_TEST_CA" s3ls "s3://$TB/s"
	[ "${#lines[@]}" -eq 5 ]
	[ "$stderr" = "" ]
	run -0 --separate-stderr env AWS_ENDPOINT_URL="$S3LOGS_TEST_HTTPS_ENDPOINT" \
	    AWS_CA_BUNDLE="$S3LOGS_TEST_CA" s3cat "s3://$TB/s1" "s3://$TB/s2"
	[ "$output" = "small 1
small 2" ]
	[ "$stderr" = "" ]
	# the profile's ca_bundle does the same
	printf '[default]\nca_bundle = %s\n' "$S3LOGS_TEST_CA" >"$T/config"
	run -0 --separate-stderr env AWS_ENDPOINT_URL="$S3LOGS_TEST_HTTPS_ENDPOINT" \
	    AWS_CONFIG_FILE="$T/config" s3cat "s3://$TB/s3"
	[ "$output" = "small 3" ]
}

@test "tls: an untrusted certificate is refused with a clear message, exit 1" {
	run -1 --separate-stderr env AWS_ENDPOINT_URL="$S3LOGS_TEST_HTTPS_ENDPOINT" \
	    s3ls "s3://$TB/"
	[ "$output" = "" ]
	[[ $stderr == "s3ls: s3://$TB/: SSL certificate problem: "*"(TLS: the server's certificate is not trusted; a private CA goes in AWS_CA_BUNDLE)" ]]
	run -1 --separate-stderr env AWS_ENDPOINT_URL="$S3LOGS_TEST_HTTPS_ENDPOINT" \
	    s3cat "s3://$TB/s1"
	[ "$output" = "" ]
	[[ $stderr == "s3cat: s3://$TB/s1: SSL certificate problem: "*"not trusted"* ]]
	# not retried: a certificate does not get better
	[ "$(grep -c . <<<"$stderr")" -eq 1 ]
	# a CA that did not sign it is no better
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
	    -subj "/CN=other CA" -keyout "$T/k" -out "$T/other.pem" 2>/dev/null
	run -1 --separate-stderr env AWS_ENDPOINT_URL="$S3LOGS_TEST_HTTPS_ENDPOINT" \
	    AWS_CA_BUNDLE="$T/other.pem" s3cat "s3://$TB/s1"
	[[ $stderr == *"not trusted"* ]]
}

@test "tls: connections are kept alive as over HTTP" {
	for ep in "$AWS_ENDPOINT_URL" "$S3LOGS_TEST_HTTPS_ENDPOINT"; do
		run -0 --separate-stderr env AWS_ENDPOINT_URL="$ep" AWS_CA_BUNDLE="$S3LOGS_TEST_CA" \
		    s3cat -v -j 1 "s3://$TB/s1" "s3://$TB/s2" "s3://$TB/s3" "s3://$TB/s4" "s3://$TB/s5"
		[ "${#lines[@]}" -eq 5 ]
		[ "$(grep -c ': 200' <<<"$stderr")" -eq 5 ]
		[ "$(grep -c '(new connection)' <<<"$stderr")" -eq 1 ]
	done
}

@test "tls: a body cut over TLS is resumed with a Range, bytes exact" {
	# A TLS-terminating fault proxy with the harness's certificate: RGW's
	# own TLS endpoint cannot be told to cut a body.
	d=$(dirname "$S3LOGS_TEST_CA")
	port=$(freeport)
	python3 "$BATS_TEST_DIRNAME/harness/faultproxy.py" "$port" "$S3LOGS_S3PORT" \
	    "$d/server.pem" "$d/server.key" 3>&- &
	FP_PID=$!
	for _ in $(seq 50); do
		curl -sf --cacert "$S3LOGS_TEST_CA" "https://127.0.0.1:$port/__fault" >/dev/null && break
		sleep 0.1
	done
	curl -sf --cacert "$S3LOGS_TEST_CA" -X POST \
	    "https://127.0.0.1:$port/__fault?mode=truncate:1000000&match=big.bin" >/dev/null
	AWS_ENDPOINT_URL=https://127.0.0.1:$port AWS_CA_BUNDLE="$S3LOGS_TEST_CA" \
	    s3cat -v "s3://$TB/big.bin" 2>"$T/err" | cmp "$BATS_FILE_TMPDIR/big" -
	grep -q 'retry 1 in [0-9]* ms from byte 1000000' "$T/err"
	grep -q 'big.bin: 206' "$T/err"
	# and the whole object straight from RGW's TLS endpoint
	AWS_ENDPOINT_URL="$S3LOGS_TEST_HTTPS_ENDPOINT" AWS_CA_BUNDLE="$S3LOGS_TEST_CA" \
	    s3cat "s3://$TB/big.bin" | cmp "$BATS_FILE_TMPDIR/big" -
}
