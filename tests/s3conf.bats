#!/usr/bin/env bats
# Configuration the way the AWS CLI resolves it; SigV4 against botocore.
load helper
load harness/s3helper

setup() {
	need_servers
	T=$BATS_TEST_TMPDIR
}

teardown() {
	[ -z "${IMDS_PID:-}" ] || kill "$IMDS_PID" 2>/dev/null || true
}

@test "config: credentials and region from a profile in the shared files" {
	cat >"$T/credentials" <<-EOF
	[default]
	aws_access_key_id = WRONGKEY
	aws_secret_access_key = wrong
	[s3logs]
	aws_access_key_id = $AWS_ACCESS_KEY_ID
	aws_secret_access_key = $AWS_SECRET_ACCESS_KEY
	EOF
	cat >"$T/config" <<-EOF
	[profile s3logs]
	region = us-east-1
	endpoint_url = $AWS_ENDPOINT_URL
	s3 =
	  addressing_style = path
	EOF
	run -0 --separate-stderr env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY \
	    -u AWS_ENDPOINT_URL -u AWS_REGION -u AWS_DEFAULT_REGION AWS_PROFILE=s3logs \
	    AWS_SHARED_CREDENTIALS_FILE="$T/credentials" AWS_CONFIG_FILE="$T/config" \
	    s3ls -v s3://logs/
	[[ $stderr == *"endpoint $AWS_ENDPOINT_URL, region us-east-1, credentials from credentials file"* ]]
	# the default profile has the wrong secret
	run -1 --separate-stderr env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY \
	    AWS_SHARED_CREDENTIALS_FILE="$T/credentials" AWS_CONFIG_FILE="$T/config" \
	    s3ls s3://logs/
	[ "$stderr" = "s3ls: s3://logs/: 403 InvalidAccessKeyId" ]
	# environment credentials win over the files
	run -0 --separate-stderr env AWS_SHARED_CREDENTIALS_FILE="$T/credentials" s3ls -v s3://logs/
	[[ $stderr == *"credentials from environment"* ]]
}

@test "config: AWS_ENDPOINT_URL_S3 wins over AWS_ENDPOINT_URL; a path is refused" {
	run -0 --separate-stderr env AWS_ENDPOINT_URL_S3="$AWS_ENDPOINT_URL" \
	    AWS_ENDPOINT_URL=http://127.0.0.1:1 s3ls s3://logs/
	[ "$stderr" = "" ]
	run -2 --separate-stderr env AWS_ENDPOINT_URL="$AWS_ENDPOINT_URL/x" s3ls s3://logs/
	[ "$stderr" = "s3ls: endpoint URL $AWS_ENDPOINT_URL/x: a path is not supported" ]
	# a default port is dropped from Host, as curl does, so the signature holds
	run -0 --separate-stderr env AWS_ENDPOINT_URL=http://127.0.0.1:$S3LOGS_S3PORT/ s3ls s3://logs/
}

@test "config: https with certificate verification (AWS_CA_BUNDLE is used)" {
	# No TLS server here: a bundle that does not exist must make the
	# request fail, which shows it is passed to TLS and never ignored.
	run -1 --separate-stderr env AWS_ENDPOINT_URL=https://127.0.0.1:$S3LOGS_S3PORT \
	    AWS_CA_BUNDLE=/nonexistent S3LOGS_RETRIES=0 s3ls s3://logs/
	[ "$output" = "" ]
	[[ $stderr == "s3ls: s3://logs/: "* ]]
}

@test "config: instance-profile credentials from IMDSv2 (fake metadata service)" {
	port=$(freeport)
	python3 "$ROOT/tests/harness/fakeimds.py" "$port" "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" >"$T/imds.log" 3>&- &
	IMDS_PID=$!
	for _ in $(seq 50); do python3 -c "import socket,sys; socket.create_connection((\"127.0.0.1\", $port))" 2>/dev/null && break; sleep 0.1; done
	b=$(mkbucket imds)
	echo hi | aws s3 cp - "s3://$b/k" >/dev/null
	run -0 --separate-stderr env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY \
	    -u AWS_EC2_METADATA_DISABLED AWS_SHARED_CREDENTIALS_FILE=/dev/null \
	    AWS_CONFIG_FILE=/dev/null AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:$port \
	    s3cat -v "s3://$b/k"
	[ "$output" = hi ]
	[[ $stderr == *"credentials from instance metadata"* ]]
	! grep -qF -- "$AWS_SECRET_ACCESS_KEY" <<<"$stderr"
	[ "$(cat "$T/imds.log")" = "PUT /latest/api/token
GET /latest/meta-data/iam/security-credentials/ token=yes
GET /latest/meta-data/iam/security-credentials/s3logs-role token=yes" ]
	# metadata disabled and nothing else: a configuration error
	run -2 --separate-stderr env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY \
	    AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_CONFIG_FILE=/dev/null s3cat "s3://$b/k"
	[[ $stderr == "s3cat: no credentials"* ]]
}

# sign ARGS: our signer and botocore's on the same request, same instant.
sign_both() {
	"$T/s3sigv4test" "$@" >"$T/ours"
	python3 "$ROOT/tests/harness/sigv4ref.py" "$@" >"$T/theirs"
	diff "$T/ours" "$T/theirs"
}

@test "sigv4: Authorization identical to botocore's S3SigV4Auth on awkward requests" {
	# Built with the flags of the library (make check passes them on), so
	# that a sanitizer build links.
	cc ${S3LOGS_CFLAGS:-} -D_GNU_SOURCE -I"$ROOT/lib" -o "$T/s3sigv4test" \
	    "$ROOT/tests/unit/s3sigv4test.c" "$ROOT/lib/libs3logs.a" ${S3LOGS_LDFLAGS:-} \
	    $(pkg-config --libs libcrypto libcurl)
	E=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
	K=(AKIDEXAMPLE 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY')
	sign_both GET /bkt us-east-1 1700000000 $E "${K[@]}" q list-type 2 h host 127.0.0.1:9000
	sign_both GET "/bkt/dir/with space+(1)!*'é日本%41//x~_-.txt" eu-west-3 1700000000 $E "${K[@]}" \
	    h host bkt.s3.amazonaws.com h Range 'bytes=5-'
	sign_both GET /bkt us-east-1 1234567890 $E "${K[@]}" \
	    q prefix 'a/b c&d<e>=+%' q list-type 2 q start-after "x'y!*()" \
	    q continuation-token 'AbC+/=' q encoding-type url h host 127.0.0.1:9000
	sign_both POST /bkt/k us-east-1 1700000000 UNSIGNED-PAYLOAD "${K[@]}" v uploads \
	    h host h:1 h Content-Type 'text/html;  charset=utf-8' h x-amz-security-token 'tok/en+='
	sign_both PUT /bkt/dot/./x//y us-west-2 1700000000 \
	    2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824 "${K[@]}" \
	    q partNumber 3 q uploadId '2~abc-DEF_ghi' h host h h Cache-Control '  max-age=60 '
}
