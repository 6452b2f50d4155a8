#!/usr/bin/env bats
# The whole pipeline against the real RGW and PostgreSQL, nothing mocked.
load helper

setup() {
	need_servers
	T=$BATS_TEST_TMPDIR
}

# upload DIR BUCKET: put every file of DIR under s3://BUCKET/ with the AWS CLI
# (an independent client, so a bug in s3put cannot hide one in s3ls/s3cat).
upload() {
	aws s3 cp --recursive --quiet "$1" "s3://$2/"
}

@test "end to end: s3ls | parallel s3cat | logparse | pgload loads every uploaded line" {
	b=$(mkbucket e2e)
	newdb e2e
	"$ROOT/bench/genlogs.py" -n 5000 --objects 50 --dir "$T/objs"
	upload "$T/objs" "$b"
	lines=$(cat "$T"/objs/* | wc -l)
	[ "$lines" -eq 5000 ]
	run -0 --separate-stderr bash -o pipefail -c \
	    "s3ls s3://$b/ | parallel -X s3cat | logparse | pgload"
	[ "$output" = "" ]
	[ "$stderr" = "" ]
	[ "$(q 'SELECT count(*) FROM logs')" -eq 5000 ]
	[ "$(q 'SELECT count(DISTINCT line_hash) FROM logs')" -eq 5000 ]
}

@test "end to end: loading the same objects again changes nothing" {
	b=$(mkbucket e2e)
	newdb e2e
	"$ROOT/bench/genlogs.py" -n 2000 --objects 20 -s 7 --dir "$T/objs"
	upload "$T/objs" "$b"
	for i in 1 2; do
		run -0 --separate-stderr bash -o pipefail -c \
		    "s3ls s3://$b/ | parallel -X s3cat | logparse | pgload"
		[ "$(q 'SELECT count(*) FROM logs')" -eq 2000 ]
	done
	[ "$(q 'SELECT sum(requests) FROM daily_total')" -eq 2000 ]
}

@test "end to end: the bytes that reach logparse are the bytes uploaded" {
	b=$(mkbucket e2e)
	"$ROOT/bench/genlogs.py" -n 3000 --objects 30 -s 3 --dir "$T/objs"
	upload "$T/objs" "$b"
	run -0 --separate-stderr bash -o pipefail -c \
	    "s3ls s3://$b/ | parallel -k -X s3cat | cksum"
	[ "$output" = "$(cat "$T"/objs/* | cksum)" ]
}
