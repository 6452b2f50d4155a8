#!/usr/bin/env bats
# s3cat: bytes, order, errors, against the real RGW.
load helper
load harness/s3helper

setup() {
	need_servers
}

@test "s3cat: awkward keys are byte-identical to aws s3 cp s3://... -" {
	b=$(mkbucket cat)
	awkward "$b"
	s3ls "s3://$b/" >"$BATS_TEST_TMPDIR/urls"
	while IFS= read -r u; do
		aws s3 cp "$u" -
	done <"$BATS_TEST_TMPDIR/urls" >"$BATS_TEST_TMPDIR/aws"
	# URLs on stdin, then as operands, then one process per URL
	s3cat <"$BATS_TEST_TMPDIR/urls" >"$BATS_TEST_TMPDIR/stdin"
	cmp "$BATS_TEST_TMPDIR/aws" "$BATS_TEST_TMPDIR/stdin"
	mapfile -t urls <"$BATS_TEST_TMPDIR/urls"
	run -0 --separate-stderr s3cat -j 3 "${urls[@]}"
	[ "$stderr" = "" ]
	[ "$output" = "$(cat "$BATS_TEST_TMPDIR/aws")" ]
	s3ls -0 "s3://$b/" | s3cat -0 >"$BATS_TEST_TMPDIR/nul"
	cmp "$BATS_TEST_TMPDIR/aws" "$BATS_TEST_TMPDIR/nul"
}

@test "s3cat: output keeps the input order whatever finishes first (-j 1..16, spill past 1 MiB)" {
	b=$(mkbucket cat)
	d=$BATS_TEST_TMPDIR/src
	mkdir "$d"
	# sizes from 0 bytes to 3 MB, big ones early so small ones finish first
	python3 - "$d" <<'PY'
import os, random, sys
r = random.Random(7)
sizes = [3000000, 0, 1, 2500000] + [r.randrange(1, 40000) for _ in range(36)]
for i, n in enumerate(sizes):
    with open(os.path.join(sys.argv[1], "o%02d" % i), "wb") as f:
        f.write(bytes(r.getrandbits(8) for _ in range(min(n, 4096))) * (n // 4096 + 1))
        f.truncate(n)
PY
	aws s3 cp --recursive --quiet "$d" "s3://$b/"
	ls "$d" | sed "s|^|s3://$b/|" >"$BATS_TEST_TMPDIR/urls"
	(cd "$d" && cat $(ls)) >"$BATS_TEST_TMPDIR/expect"
	for j in 1 4 16; do
		s3cat -j $j <"$BATS_TEST_TMPDIR/urls" >"$BATS_TEST_TMPDIR/got"
		cmp "$BATS_TEST_TMPDIR/expect" "$BATS_TEST_TMPDIR/got"
	done
	# TMPDIR is where waiting objects spill: nothing is left there
	mkdir "$BATS_TEST_TMPDIR/spill"
	TMPDIR=$BATS_TEST_TMPDIR/spill s3cat -j 8 <"$BATS_TEST_TMPDIR/urls" | cmp "$BATS_TEST_TMPDIR/expect" -
	[ -z "$(ls -A "$BATS_TEST_TMPDIR/spill")" ]
}

@test "s3cat: a missing object is reported, the others are written, exit 1" {
	b=$(mkbucket cat)
	echo one | aws s3 cp - "s3://$b/one" >/dev/null
	echo two | aws s3 cp - "s3://$b/two" >/dev/null
	run -1 --separate-stderr s3cat "s3://$b/one" "s3://$b/nope" notaurl "s3://$b/two" s3://no-such-bucket-s3cat/x
	[ "$output" = "one
two" ]
	[ "$stderr" = "s3cat: s3://$b/nope: 404 NoSuchKey
s3cat: notaurl: not an s3://bucket/key URL
s3cat: s3://no-such-bucket-s3cat/x: 404 NoSuchBucket" ]
}

@test "s3cat: a wrong secret gives exit 1, SignatureDoesNotMatch, nothing on stdout" {
	b=$(mkbucket cat)
	echo one | aws s3 cp - "s3://$b/one" >/dev/null
	AWS_SECRET_ACCESS_KEY=wrong run -1 --separate-stderr s3cat "s3://$b/one"
	[ "$output" = "" ]
	[ "$stderr" = "s3cat: s3://$b/one: 403 SignatureDoesNotMatch" ]
}

@test "s3cat: a multipart object (ETag md5-N) is written whole" {
	b=$(mkbucket cat)
	head -c 12000000 /dev/urandom >"$BATS_TEST_TMPDIR/big"
	aws s3 cp --quiet "$BATS_TEST_TMPDIR/big" "s3://$b/big"
	run -0 s3ls -l "s3://$b/"
	[[ $output == *'-2"' ]]
	s3cat "s3://$b/big" | cmp "$BATS_TEST_TMPDIR/big" -
}

@test "s3cat: usage errors exit 2" {
	run -2 --separate-stderr s3cat -x
	[ "$output" = "" ]
	[[ $stderr == *"usage: s3cat [-0Av] [-j jobs] [url ...]" ]]
	run -2 --separate-stderr s3cat -j 0 s3://logs/x
	[ "$stderr" = "s3cat: -j 0: not a number in 1..256" ]
}

@test "s3cat: | head -c 1 is silent; >/dev/full exits 1 with a message" {
	b=$(mkbucket cat)
	head -c 5000000 /dev/zero | aws s3 cp - "s3://$b/z" >/dev/null
	run --separate-stderr bash -c "s3cat s3://$b/z | head -c 1 >/dev/null; echo \${PIPESTATUS[0]}"
	[ "$output" = 141 ]
	[ "$stderr" = "" ]
	run -1 --separate-stderr bash -c "s3cat s3://$b/z >/dev/full"
	[ "$stderr" = "s3cat: stdout: No space left on device" ]
}

@test "s3cat -v: requests on stderr, never the secret" {
	b=$(mkbucket cat)
	echo one | aws s3 cp - "s3://$b/one" >/dev/null
	run -0 --separate-stderr s3cat -v "s3://$b/one"
	[ "$output" = one ]
	[[ $stderr == *"GET http://"*"/one: 200"* ]]
	! grep -qF -- "$AWS_SECRET_ACCESS_KEY" <<<"$stderr"
}

@test "s3cat -A: anonymous reads of a public bucket; s3ls -A is refused without list permission" {
	k=$(uniqname anon)
	echo public | aws s3 cp - "s3://site/$k" >/dev/null
	run -0 --separate-stderr env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY s3cat -A "s3://site/$k"
	[ "$output" = public ]
	[ "$stderr" = "" ]
	run -1 --separate-stderr env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY s3ls -A s3://site/
	[ "$stderr" = "s3ls: s3://site/: 403 AccessDenied" ]
}

@test "s3cat: s3ls | parallel -X s3cat and s3ls -0 | parallel -0 -X s3cat (the documented forms)" {
	b=$(mkbucket cat)
	awkward "$b"
	s3ls "s3://$b/" | s3cat >"$BATS_TEST_TMPDIR/direct"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/direct")" -eq 21 ]
	run -0 --separate-stderr bash -o pipefail -c "s3ls s3://$b/ | parallel -k -X -j 2 -n 5 s3cat | cmp - '$BATS_TEST_TMPDIR/direct'"
	[ "$stderr" = "" ]
	run -0 --separate-stderr bash -o pipefail -c "s3ls -0 s3://$b/ | parallel -0 -k -X -j 3 -n 4 s3cat | cmp - '$BATS_TEST_TMPDIR/direct'"
	[ "$stderr" = "" ]
}
