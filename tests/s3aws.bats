#!/usr/bin/env bats
# S3 as users meet it on AWS, against RGW through tests/harness/fakeaws.py:
# buckets in another region (301 PermanentRedirect, 400
# AuthorizationHeaderMalformed), and every credential source of the AWS
# CLI (web identity, assume role, credential_process, SSO, container,
# IMDSv2), each answered in AWS's format; refusals; renewal.
load helper
load harness/s3helper

setup_file() {
	need_servers
	export W301=$(mkbucket w301) W400=$(mkbucket w400) WBODY=$(mkbucket wbody)
	export WBARE=$(mkbucket wbare) MANY=$(mkbucket many)
	for b in $W301 $W400 $WBODY $WBARE; do
		echo "in $b" | aws s3 cp - "s3://$b/k" >/dev/null
	done
	for i in $(seq -w 1 12); do
		echo "object $i" | aws s3 cp - "s3://$MANY/o$i" >/dev/null
	done
	export FAPORT=$(freeport) FALOG=$BATS_FILE_TMPDIR/fakeaws.log
	: >"$FALOG"
	python3 "$BATS_TEST_DIRNAME/harness/fakeaws.py" "$FAPORT" "$S3LOGS_S3PORT" "$FALOG" \
	    "key=$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
	    "bucket=$W301:us-west-2:301" "bucket=$W400:eu-central-1:400" \
	    "bucket=$WBODY:ap-south-1:400body" "bucket=$WBARE:sa-east-1:301bare" \
	    webtoken=good-web-token ecstoken=good-ecs-token ssotoken=good-sso-token 3>&- &
	echo $! >"$BATS_FILE_TMPDIR/fa.pid"
	for _ in $(seq 50); do
		curl -s -o /dev/null "http://127.0.0.1:$FAPORT/" && break
		sleep 0.1
	done
}

teardown_file() {
	kill "$(cat "$BATS_FILE_TMPDIR/fa.pid")" 2>/dev/null || true
}

teardown() {
	[ -z "${FA2_PID:-}" ] || kill "$FA2_PID" 2>/dev/null || true
}

setup() {
	T=$BATS_TEST_TMPDIR
	FA=http://127.0.0.1:$FAPORT
	: >"$T/credentials"
	printf '[default]\n' >"$T/config"
	ROLE=arn:aws:iam::123456789012:role/s3logs-reader
}

# aws_env CMD...: CMD with no credentials in the environment, the test's
# shared files, S3 (and STS, SSO) at the stand-in, no IMDS.
aws_env() {
	env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN \
	    AWS_ENDPOINT_URL="$FA" AWS_ENDPOINT_URL_STS="$FA" AWS_ENDPOINT_URL_SSO="$FA" \
	    AWS_SHARED_CREDENTIALS_FILE="$T/credentials" AWS_CONFIG_FILE="$T/config" \
	    AWS_EC2_METADATA_DISABLED=true "$@"
}

# no_secrets TEXT: none of the secrets and tokens issued so far, nor the
# RGW user's secret, is in TEXT.
no_secrets() {
	! grep -qF -- "$AWS_SECRET_ACCESS_KEY" <<<"$1" || return 1
	[ -s "$FALOG.secrets" ] || return 0
	! grep -qFf "$FALOG.secrets" <<<"$1"
}

# lists_and_reads SOURCE ENV...: s3ls lists and s3cat reads with the
# credentials that ENV configures; -v names SOURCE and no secret.
lists_and_reads() {
	local src=$1; shift
	run -0 --separate-stderr aws_env "$@" s3ls -v "s3://$W301/"
	[ "$output" = "s3://$W301/k" ]
	[[ $stderr == *"credentials from $src"* ]]
	no_secrets "$stderr"
	run -0 --separate-stderr aws_env "$@" s3cat -v "s3://$W301/k" "s3://$MANY/o01"
	[ "$output" = "in $W301
object 01" ]
	[[ $stderr == *"credentials from $src"* ]]
	no_secrets "$stderr"
}

# ---- regions

@test "region: 301 PermanentRedirect is followed and re-signed, s3ls and s3cat" {
	: >"$FALOG"
	run -0 --separate-stderr aws_env env AWS_ACCESS_KEY_ID="$AWS_ACCESS_KEY_ID" \
	    AWS_SECRET_ACCESS_KEY="$AWS_SECRET_ACCESS_KEY" s3ls -v "s3://$W301/"
	[ "$output" = "s3://$W301/k" ]
	[[ $stderr == *"bucket $W301 is in region us-west-2"* ]]
	# the custom endpoint keeps its host; only the signature changes
	[[ $stderr == *"GET $FA/$W301?"*": 301"*"GET $FA/$W301?"*": 200"* ]]
	grep -q "^S3 GET /$W301 region=us-west-2 key=static" "$FALOG"
	run -0 --separate-stderr aws_env env AWS_ACCESS_KEY_ID="$AWS_ACCESS_KEY_ID" \
	    AWS_SECRET_ACCESS_KEY="$AWS_SECRET_ACCESS_KEY" s3cat "s3://$W301/k"
	[ "$output" = "in $W301" ]
	[ "$stderr" = "" ]
}

@test "region: 400 AuthorizationHeaderMalformed, from the header or the XML <Region>" {
	for b in $W400 $WBODY; do
		run -0 --separate-stderr env AWS_ENDPOINT_URL="$FA" s3ls "s3://$b/"
		[ "$output" = "s3://$b/k" ]
		[ "$stderr" = "" ]
		run -0 --separate-stderr env AWS_ENDPOINT_URL="$FA" s3cat -j 3 \
		    "s3://$b/k" "s3://$b/k" "s3://$MANY/o02" "s3://$b/k"
		[ "$output" = "in $b
in $b
object 02
in $b" ]
		[ "$stderr" = "" ]
	done
	grep -q "^S3 GET /$WBODY/k region=ap-south-1 key=static" "$FALOG"
}

@test "region: a 301 without the region is resolved by a HEAD of the bucket, once" {
	: >"$FALOG"
	run -0 --separate-stderr env AWS_ENDPOINT_URL="$FA" s3cat -v "s3://$WBARE/k" "s3://$WBARE/k"
	[ "$output" = "in $WBARE
in $WBARE" ]
	[[ $stderr == *"HEAD $FA/$WBARE: 200"* ]]
	[ "$(grep -c "^S3 HEAD /$WBARE " "$FALOG")" -le 2 ]
	[ "$(grep -c "^S3 GET /$WBARE/k region=sa-east-1" "$FALOG")" -eq 2 ]
}

@test "region: with no region configured anywhere, a bucket in any region is listed and read" {
	run -0 --separate-stderr aws_env env -u AWS_REGION -u AWS_DEFAULT_REGION \
	    AWS_ACCESS_KEY_ID="$AWS_ACCESS_KEY_ID" AWS_SECRET_ACCESS_KEY="$AWS_SECRET_ACCESS_KEY" \
	    s3ls -v "s3://$W400/"
	[ "$output" = "s3://$W400/k" ]
	[[ $stderr == *"region us-east-1,"* ]]
	run -0 --separate-stderr aws_env env -u AWS_REGION -u AWS_DEFAULT_REGION \
	    AWS_ACCESS_KEY_ID="$AWS_ACCESS_KEY_ID" AWS_SECRET_ACCESS_KEY="$AWS_SECRET_ACCESS_KEY" \
	    s3cat "s3://$W301/k" "s3://$W400/k" "s3://$WBODY/k"
	[ "$output" = "in $W301
in $W400
in $WBODY" ]
	[ "$stderr" = "" ]
}

# ---- credentials

@test "creds: web identity (AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE) through STS" {
	printf 'good-web-token\n' >"$T/token"
	: >"$FALOG"
	lists_and_reads "web identity" AWS_ROLE_ARN=$ROLE AWS_WEB_IDENTITY_TOKEN_FILE="$T/token"
	grep -q "^STS AssumeRoleWithWebIdentity ok role=$ROLE" "$FALOG"
	grep -q "key=temp" "$FALOG"
	! grep -q "key=static" "$FALOG"
	# a wrong token: exit 1, the source named, the token never printed
	printf 'wrong-web-token\n' >"$T/token"
	run -1 --separate-stderr aws_env AWS_ROLE_ARN=$ROLE AWS_WEB_IDENTITY_TOKEN_FILE="$T/token" \
	    s3ls -v "s3://$W301/"
	[ "$output" = "" ]
	[ "$stderr" = "s3ls: credentials from web identity (STS at $FA/): 400 InvalidIdentityToken" ]
	run -1 --separate-stderr aws_env AWS_ROLE_ARN=$ROLE AWS_WEB_IDENTITY_TOKEN_FILE="$T/token" \
	    s3cat -v "s3://$W301/k"
	[[ $stderr == *"web identity"*"InvalidIdentityToken"* ]]
	! grep -q wrong-web-token <<<"$stderr"
}

@test "creds: a profile's role_arn + source_profile through STS AssumeRole (SigV4)" {
	cat >"$T/credentials" <<-EOF
	[base]
	aws_access_key_id = $AWS_ACCESS_KEY_ID
	aws_secret_access_key = $AWS_SECRET_ACCESS_KEY
	[wrong]
	aws_access_key_id = $AWS_ACCESS_KEY_ID
	aws_secret_access_key = not-the-secret
	EOF
	cat >"$T/config" <<-EOF
	[profile reader]
	role_arn = $ROLE
	source_profile = base
	role_session_name = nightly
	[profile refused]
	role_arn = $ROLE
	source_profile = wrong
	EOF
	: >"$FALOG"
	lists_and_reads "assume role $ROLE (profile reader)" AWS_PROFILE=reader
	grep -q "^STS AssumeRole ok role=$ROLE session=nightly" "$FALOG"
	run -1 --separate-stderr aws_env AWS_PROFILE=refused s3ls -v "s3://$W301/"
	[ "$output" = "" ]
	[ "$stderr" = "s3ls: credentials from assume role $ROLE (profile refused) (STS at $FA/): 403 SignatureDoesNotMatch" ]
	! grep -q not-the-secret <<<"$stderr"
}

@test "creds: credential_process (JSON, Version 1, with Expiration)" {
	# the process gets temporary credentials from the stand-in, in the
	# credential_process format
	cat >"$T/proc" <<-EOF
	#!/bin/sh
	curl -sf -H 'Authorization: good-ecs-token' $FA/container/credentials |
	    python3 -c 'import json,sys; d=json.load(sys.stdin); d["SessionToken"]=d.pop("Token"); d["Version"]=1; print(json.dumps(d))'
	EOF
	chmod +x "$T/proc"
	printf '#!/bin/sh\necho oops >&2\nexit 3\n' >"$T/fails"
	chmod +x "$T/fails"
	cat >"$T/config" <<-EOF
	[profile proc]
	credential_process = $T/proc
	[profile fails]
	credential_process = $T/fails --secret-arg
	EOF
	lists_and_reads "credential_process (profile proc)" AWS_PROFILE=proc
	run -1 --separate-stderr aws_env AWS_PROFILE=fails s3ls "s3://$W301/"
	[ "$output" = "" ]
	[ "$stderr" = "oops
s3ls: credentials from credential_process (profile fails): the command failed (exit status 3)" ]
}

@test "creds: SSO profile from the CLI's token cache, then GetRoleCredentials" {
	H=$T/home
	mkdir -p "$H/.aws/sso/cache"
	cat >"$T/config" <<-EOF
	[profile sso]
	sso_session = corp
	sso_account_id = 123456789012
	sso_role_name = s3logs-reader
	[sso-session corp]
	sso_start_url = https://corp.awsapps.com/start
	sso_region = us-east-1
	[profile legacy]
	sso_start_url = https://legacy.awsapps.com/start
	sso_region = us-east-1
	sso_account_id = 123456789012
	sso_role_name = s3logs-reader
	EOF
	f=$H/.aws/sso/cache/$(printf corp | sha1sum | cut -d' ' -f1).json
	printf '{"startUrl": "https://corp.awsapps.com/start", "region": "us-east-1", "accessToken": "good-sso-token", "expiresAt": "2099-01-01T00:00:00Z"}' >"$f"
	: >"$FALOG"
	lists_and_reads "SSO (profile sso)" HOME="$H" AWS_PROFILE=sso
	grep -q "^SSO ok role=s3logs-reader account=123456789012" "$FALOG"
	# the legacy form keys the cache by the start URL; a refused token
	f=$H/.aws/sso/cache/$(printf https://legacy.awsapps.com/start | sha1sum | cut -d' ' -f1).json
	printf '{"accessToken": "stale-sso-token", "expiresAt": "2099-01-01T00:00:00Z"}' >"$f"
	run -1 --separate-stderr aws_env HOME="$H" AWS_PROFILE=legacy s3cat "s3://$W301/k"
	[ "$output" = "" ]
	[[ $stderr == "s3cat: credentials from SSO (profile legacy) ($FA/federation/credentials?"*"): 401" ]]
	! grep -q stale-sso-token <<<"$stderr"
	# an expired cached token: log in again
	printf '{"accessToken": "good-sso-token", "expiresAt": "2020-01-01T00:00:00Z"}' >"$f"
	run -1 --separate-stderr aws_env HOME="$H" AWS_PROFILE=legacy s3cat "s3://$W301/k"
	[ "$stderr" = "s3cat: credentials from SSO (profile legacy): the SSO token has expired: run aws sso login" ]
}

@test "creds: container credentials (FULL_URI, token from a file or the environment)" {
	printf 'good-ecs-token\n' >"$T/ecstoken"
	: >"$FALOG"
	lists_and_reads container AWS_CONTAINER_CREDENTIALS_FULL_URI="$FA/container/credentials" \
	    AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE="$T/ecstoken"
	grep -q "^ECS ok" "$FALOG"
	run -0 --separate-stderr aws_env AWS_CONTAINER_CREDENTIALS_FULL_URI="$FA/container/credentials" \
	    AWS_CONTAINER_AUTHORIZATION_TOKEN=good-ecs-token s3cat "s3://$W301/k"
	[ "$output" = "in $W301" ]
	run -1 --separate-stderr aws_env AWS_CONTAINER_CREDENTIALS_FULL_URI="$FA/container/credentials" \
	    AWS_CONTAINER_AUTHORIZATION_TOKEN=bad-ecs-token s3ls -v "s3://$W301/"
	[ "$output" = "" ]
	[ "$stderr" = "s3ls: credentials from the container service ($FA/container/credentials): 401" ]
	# plain http only to loopback or the link-local service
	run -1 --separate-stderr aws_env AWS_CONTAINER_CREDENTIALS_FULL_URI=http://example.com/creds \
	    s3ls "s3://$W301/"
	[[ $stderr == *"not https, loopback or 169.254.170.2" ]]
}

@test "creds: IMDSv2 (token PUT, then the role's credentials)" {
	: >"$FALOG"
	lists_and_reads "instance metadata" AWS_EC2_METADATA_DISABLED=false \
	    AWS_EC2_METADATA_SERVICE_ENDPOINT="$FA"
	[ "$(grep -c '^IMDS token' "$FALOG")" -ge 2 ]
	! grep -q '^IMDS refused' "$FALOG"
}

@test "creds: the order is the CLI's: environment, then role, then files" {
	cat >"$T/credentials" <<-EOF
	[default]
	aws_access_key_id = $AWS_ACCESS_KEY_ID
	aws_secret_access_key = $AWS_SECRET_ACCESS_KEY
	EOF
	printf 'good-web-token\n' >"$T/token"
	run -0 --separate-stderr aws_env AWS_ROLE_ARN=$ROLE AWS_WEB_IDENTITY_TOKEN_FILE="$T/token" \
	    AWS_ACCESS_KEY_ID="$AWS_ACCESS_KEY_ID" AWS_SECRET_ACCESS_KEY="$AWS_SECRET_ACCESS_KEY" \
	    s3ls -v "s3://$W301/"
	[[ $stderr == *"credentials from environment"* ]]
	run -0 --separate-stderr aws_env AWS_ROLE_ARN=$ROLE AWS_WEB_IDENTITY_TOKEN_FILE="$T/token" \
	    s3ls -v "s3://$W301/"
	[[ $stderr == *"credentials from web identity"* ]]
	run -0 --separate-stderr aws_env s3ls -v "s3://$W301/"
	[[ $stderr == *"credentials from credentials file"* ]]
}

@test "creds: temporary credentials are renewed before they expire in a long s3cat run" {
	# A second stand-in whose credentials last 5 minutes: inside s3logs'
	# 10-minute margin, so each renewal check finds them due.
	port=$(freeport)
	log=$T/short.log
	python3 "$BATS_TEST_DIRNAME/harness/fakeaws.py" "$port" "$S3LOGS_S3PORT" "$log" \
	    "key=$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" webtoken=good-web-token ttl=300 3>&- &
	FA2_PID=$!
	for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
	printf 'good-web-token\n' >"$T/token"
	urls=$(for i in $(seq -w 1 12); do echo "s3://$MANY/o$i"; done)
	run -0 --separate-stderr bash -c "printf '%s\n' '$urls' | env -u AWS_ACCESS_KEY_ID \
	    -u AWS_SECRET_ACCESS_KEY AWS_ENDPOINT_URL=http://127.0.0.1:$port \
	    AWS_ENDPOINT_URL_STS=http://127.0.0.1:$port AWS_ROLE_ARN=$ROLE \
	    AWS_WEB_IDENTITY_TOKEN_FILE='$T/token' AWS_SHARED_CREDENTIALS_FILE=/dev/null \
	    AWS_CONFIG_FILE=/dev/null s3cat -v -j 2"
	[ "${#lines[@]}" -eq 12 ]
	[ "${lines[11]}" = "object 12" ]
	[ "$(grep -c '^ISSUE .* via=sts' "$log")" -ge 2 ]
	[[ $stderr == *"credentials from web identity renewed"* ]]
	! grep -q '^EXPIRED' "$log"
	FALOG=$log no_secrets "$stderr"
	# with an hour left, one set serves the whole run
	: >"$FALOG"
	run -0 --separate-stderr bash -c "printf '%s\n' '$urls' | env -u AWS_ACCESS_KEY_ID \
	    -u AWS_SECRET_ACCESS_KEY AWS_ENDPOINT_URL=$FA AWS_ENDPOINT_URL_STS=$FA AWS_ROLE_ARN=$ROLE \
	    AWS_WEB_IDENTITY_TOKEN_FILE='$T/token' AWS_SHARED_CREDENTIALS_FILE=/dev/null \
	    AWS_CONFIG_FILE=/dev/null s3cat -j 2"
	[ "${#lines[@]}" -eq 12 ]
	[ "$(grep -c '^ISSUE .* via=sts' "$FALOG")" -eq 1 ]
}

# ---- configuration the CLI reads

@test "config: addressing_style in the profile's s3 block" {
	printf '[default]\ns3 =\n    addressing_style = virtual\nregion = us-east-1\n' >"$T/config"
	run -0 --separate-stderr env AWS_CONFIG_FILE="$T/config" \
	    AWS_ENDPOINT_URL=http://localhost:$S3LOGS_S3PORT s3ls -v "s3://$MANY/o01"
	[ "$output" = "s3://$MANY/o01" ]
	[[ $stderr == *"GET http://$MANY.localhost:$S3LOGS_S3PORT/?"*": 200"* ]]
	printf '[default]\ns3 =\n    addressing_style = path\n' >"$T/config"
	run -0 --separate-stderr env AWS_CONFIG_FILE="$T/config" \
	    AWS_ENDPOINT_URL=http://localhost:$S3LOGS_S3PORT s3ls -v "s3://$MANY/o01"
	[[ $stderr == *"GET http://localhost:$S3LOGS_S3PORT/$MANY?"*": 200"* ]]
	printf '[default]\ns3 =\n    addressing_style = sideways\n' >"$T/config"
	run -2 --separate-stderr env AWS_CONFIG_FILE="$T/config" s3ls "s3://$MANY/"
	[ "$stderr" = "s3ls: addressing_style sideways: not auto, path or virtual" ]
}

@test "config: AWS_MAX_ATTEMPTS and AWS_RETRY_MODE set the attempts" {
	run -1 --separate-stderr env AWS_MAX_ATTEMPTS=3 AWS_ENDPOINT_URL=http://127.0.0.1:1 \
	    s3ls "s3://$MANY/"
	[[ $stderr == *"(after 3 attempts)" ]]
	run -1 --separate-stderr env AWS_MAX_ATTEMPTS=1 AWS_ENDPOINT_URL=http://127.0.0.1:1 \
	    s3cat "s3://$MANY/o01"
	[[ $stderr != *"after"*"attempts"* ]]
	run -1 --separate-stderr env AWS_RETRY_MODE=standard AWS_ENDPOINT_URL=http://127.0.0.1:1 \
	    s3cat "s3://$MANY/o01"
	[[ $stderr == *"(after 3 attempts)" ]]
	printf '[default]\nmax_attempts = 2\nretry_mode = adaptive\n' >"$T/config"
	run -1 --separate-stderr env AWS_CONFIG_FILE="$T/config" AWS_ENDPOINT_URL=http://127.0.0.1:1 \
	    s3ls "s3://$MANY/"
	[[ $stderr == *"(after 2 attempts)" ]]
	run -2 --separate-stderr env AWS_RETRY_MODE=bogus s3ls "s3://$MANY/"
	[ "$stderr" = "s3ls: retry mode bogus: not legacy, standard or adaptive" ]
	run -2 --separate-stderr env AWS_MAX_ATTEMPTS=0 s3ls "s3://$MANY/"
	[ "$stderr" = "s3ls: max attempts 0: not a number in 1..101" ]
}

@test "creds: a profile's role_arn with web_identity_token_file, or credential_source" {
	printf 'good-web-token\n' >"$T/token"
	printf 'good-ecs-token\n' >"$T/ecstoken"
	cat >"$T/config" <<-EOF
	[profile eks]
	role_arn = $ROLE
	web_identity_token_file = $T/token
	[profile ecsrole]
	role_arn = $ROLE
	credential_source = EcsContainer
	[profile badsource]
	role_arn = $ROLE
	credential_source = Floppy
	EOF
	: >"$FALOG"
	lists_and_reads "web identity" AWS_PROFILE=eks
	grep -q "^STS AssumeRoleWithWebIdentity ok" "$FALOG"
	# the container's credentials sign AssumeRole
	: >"$FALOG"
	lists_and_reads "assume role $ROLE (profile ecsrole)" AWS_PROFILE=ecsrole \
	    AWS_CONTAINER_CREDENTIALS_FULL_URI="$FA/container/credentials" \
	    AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE="$T/ecstoken"
	grep -q "^ECS ok" "$FALOG"
	grep -q "^STS AssumeRole ok" "$FALOG"
	run -1 --separate-stderr aws_env AWS_PROFILE=badsource s3ls "s3://$W301/"
	[ "$stderr" = "s3ls: credentials from assume role $ROLE (profile badsource): credential_source Floppy: not Environment, Ec2InstanceMetadata or EcsContainer" ]
}

@test "creds and region: s3put uploads (multipart too) with web identity to a bucket in another region" {
	printf 'good-web-token\n' >"$T/token"
	head -c 20000000 /dev/urandom >"$T/big"
	echo small >"$T/small"
	: >"$FALOG"
	run -0 --separate-stderr aws_env AWS_ROLE_ARN=$ROLE AWS_WEB_IDENTITY_TOKEN_FILE="$T/token" \
	    s3put -v "$T/big" "$T/small" "s3://$W301/up/"
	[ "$output" = "" ]
	[[ $stderr == *"bucket $W301 is in region us-west-2"* ]]
	no_secrets "$stderr"
	aws s3 cp "s3://$W301/up/big" - | cmp "$T/big" -
	[ "$(aws s3 cp "s3://$W301/up/small" -)" = small ]
	! grep -q "key=static" "$FALOG"
}
