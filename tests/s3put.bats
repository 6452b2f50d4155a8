#!/usr/bin/env bats
# s3put: single, stdin, multipart, website publishing with -r.
load helper
load harness/s3helper

setup() {
	need_servers
	T=$BATS_TEST_TMPDIR
}

head_obj() {
	aws s3api head-object --bucket "$1" --key "$2" \
	    --query '[ContentType, CacheControl, ETag]' --output text
}

@test "s3put: a file, Content-Type from the extension, Cache-Control" {
	b=$(mkbucket put)
	printf '<h1>hi</h1>\n' >"$T/index.html"
	run -0 --separate-stderr s3put -c max-age=60 "$T/index.html" "s3://$b/a b/index.html"
	[ "$output" = "" ] && [ "$stderr" = "" ]
	run -0 head_obj "$b" "a b/index.html"
	[ "$output" = "text/html; charset=utf-8	max-age=60	\"$(md5sum <"$T/index.html" | cut -c1-32)\"" ]
	run -0 s3cat "s3://$b/a b/index.html"
	[ "$output" = "<h1>hi</h1>" ]
	# several files into a prefix; -t overrides the guess
	printf 'a{}' >"$T/s.css"
	printf 'x' >"$T/noext"
	run -0 --separate-stderr s3put "$T/s.css" "$T/noext" "s3://$b/p/"
	run -0 head_obj "$b" p/s.css
	[[ $output == "text/css; charset=utf-8	None	"* ]]
	run -0 head_obj "$b" p/noext
	[[ $output == "application/octet-stream	None	"* ]]
	run -0 s3put -t text/plain "$T/noext" "s3://$b/p/noext"
	run -0 head_obj "$b" p/noext
	[[ $output == "text/plain	None	"* ]]
}

@test "s3put: standard input, small and multipart" {
	b=$(mkbucket put)
	run -0 --separate-stderr bash -c "echo hello | s3put - s3://$b/hello.txt"
	[ "$(s3cat "s3://$b/hello.txt")" = hello ]
	head -c 12000000 /dev/urandom >"$T/r"
	S3LOGS_PART_SIZE=5242880 run -0 --separate-stderr bash -c "s3put - s3://$b/r <'$T/r'"
	[ "$stderr" = "" ]
	s3cat "s3://$b/r" | cmp "$T/r" -
	run -0 head_obj "$b" r
	[[ $output == *'-3"' ]]
}

@test "s3put: a large file goes in parts; the ETag is S3's multipart ETag" {
	b=$(mkbucket put)
	head -c 11000000 /dev/urandom >"$T/big.bin"
	S3LOGS_PART_SIZE=5242880 run -0 --separate-stderr s3put -v "$T/big.bin" "s3://$b/big.bin"
	[ "$(grep -c 'partNumber=' <<<"$stderr")" -eq 3 ]
	s3cat "s3://$b/big.bin" | cmp "$T/big.bin" -
	# the multipart ETag computed locally: MD5 of the part MD5s, -3
	exp=$(python3 - "$T/big.bin" <<'PY'
import hashlib, sys
d = open(sys.argv[1], "rb").read(); p = 5242880
m = b"".join(hashlib.md5(d[i:i + p]).digest() for i in range(0, len(d), p))
print('"%s-%d"' % (hashlib.md5(m).hexdigest(), (len(d) + p - 1) // p))
PY
)
	run -0 s3ls -l "s3://$b/big.bin"
	[ "$(cut -f4 <<<"$output")" = "$exp" ]
}

@test "s3put -r: publishes a site, then uploads only what changed" {
	p=$(uniqname pub)
	mkdir -p "$T/site/sub" "$T/site/img"
	printf '<h1>home</h1>\n' >"$T/site/index.html"
	printf '<h1>sub</h1>\n' >"$T/site/sub/index.html"
	printf 'body{}\n' >"$T/site/style.css"
	printf '<svg/>\n' >"$T/site/img/a.svg"
	head -c 6000000 /dev/urandom >"$T/site/data.bin"
	export S3LOGS_PART_SIZE=5242880
	run -0 --separate-stderr s3put -v -r "$T/site/" "s3://site/$p"
	[ "$output" = "" ]
	[ "$(grep -c ' -> s3://site/' <<<"$stderr")" -eq 5 ]
	# served by the website endpoint with the right types
	run -0 curl -sS -D - -o /dev/null -H 'Host: site.s3-website.localhost' \
	    "http://127.0.0.1:$S3LOGS_S3PORT/$p/sub/index.html"
	[[ $output == *"Content-Type: text/html; charset=utf-8"* ]]
	run -0 curl -sS -H 'Host: site.s3-website.localhost' "http://127.0.0.1:$S3LOGS_S3PORT/$p/index.html"
	[ "$output" = "<h1>home</h1>" ]
	run -0 aws s3api head-object --bucket site --key "$p/img/a.svg" --query ContentType --output text
	[ "$output" = "image/svg+xml" ]
	# nothing changed: nothing uploaded
	run -0 --separate-stderr s3put -v -r "$T/site" "s3://site/$p/"
	[ "$(grep -c ' -> ' <<<"$stderr")" -eq 0 ]
	[ "$(grep -c ': unchanged' <<<"$stderr")" -eq 5 ]
	! grep -q 'PUT \|POST ' <<<"$stderr"
	# one page changed, one added
	printf '<h1>home 2</h1>\n' >"$T/site/index.html"
	printf 'new\n' >"$T/site/new.txt"
	run -0 --separate-stderr s3put -v -r "$T/site" "s3://site/$p/"
	[ "$(grep ' -> ' <<<"$stderr" | sed 's/.* -> //')" = "s3://site/$p/index.html
s3://site/$p/new.txt" ]
	[ "$(s3cat "s3://site/$p/index.html")" = "<h1>home 2</h1>" ]
}

@test "s3put: a missing file fails that item, the others are uploaded" {
	b=$(mkbucket put)
	echo a >"$T/a"
	run -1 --separate-stderr s3put "$T/nope" "$T/a" "s3://$b/"
	[ "$output" = "" ]
	[ "$stderr" = "s3put: $T/nope: No such file or directory" ]
	[ "$(s3cat "s3://$b/a")" = a ]
	run -1 --separate-stderr s3put "$T" "s3://$b/"
	[ "$stderr" = "s3put: $T: a directory (use -r)" ]
}

@test "s3put: a wrong secret gives exit 1 with SignatureDoesNotMatch" {
	b=$(mkbucket put)
	echo a >"$T/a"
	AWS_SECRET_ACCESS_KEY=wrong run -1 --separate-stderr s3put "$T/a" "s3://$b/a"
	[ "$output" = "" ]
	[ "$stderr" = "s3put: s3://$b/a: 403 SignatureDoesNotMatch" ]
}

@test "s3put: usage errors exit 2" {
	run -2 --separate-stderr s3put -x
	[ "$output" = "" ]
	[[ $stderr == *"usage: s3put [-Anrv] [--delete] [-c cache-control] [-t content-type] file ... url" ]]
	run -2 --separate-stderr s3put a b s3://logs/key
	[ "$stderr" = "s3put: s3://logs/key: several files need a URL ending in /" ]
	S3LOGS_PART_SIZE=100 run -2 --separate-stderr s3put a s3://logs/key
	[[ $stderr == "s3put: S3LOGS_PART_SIZE=100: "* ]]
}

@test "s3put -r: two directories in one run are both published (no use after free)" {
	b=$(mkbucket put)
	mkdir -p "$T/d1/x" "$T/d2"
	echo one >"$T/d1/x/one.txt"
	echo two >"$T/d2/two.txt"
	run -0 --separate-stderr s3put -r "$T/d1" "$T/d2" "s3://$b/p/"
	[ "$output" = "" ] && [ "$stderr" = "" ]
	[ "$(s3cat "s3://$b/p/x/one.txt")" = one ]
	[ "$(s3cat "s3://$b/p/two.txt")" = two ]
}

@test "s3put -r: symbolic links are followed, a loop is reported" {
	b=$(mkbucket put)
	mkdir -p "$T/real/sub" "$T/other"
	echo page >"$T/real/sub/index.html"
	echo shared >"$T/other/s.css"
	ln -s real "$T/site"
	ln -s ../other "$T/real/css"
	ln -s sub/index.html "$T/real/home.html"
	# the operand itself is a link to a directory
	run -0 --separate-stderr s3put -r "$T/site" "s3://$b/p/"
	[ "$output" = "" ] && [ "$stderr" = "" ]
	run -0 s3ls "s3://$b/p/"
	[ "$output" = "s3://$b/p/css/s.css
s3://$b/p/home.html
s3://$b/p/sub/index.html" ]
	[ "$(s3cat "s3://$b/p/css/s.css")" = shared ]
	# a link back up is not followed forever; the rest is still published
	ln -s .. "$T/real/sub/up"
	echo new >"$T/real/new.txt"
	run -1 --separate-stderr s3put -r "$T/site" "s3://$b/p/"
	[ "$stderr" = "s3put: $T/site/sub/up: a symbolic link loop, not followed" ]
	[ "$(s3cat "s3://$b/p/new.txt")" = new ]
}

@test "s3put -r --delete: a stale page is removed, nothing else" {
	b=$(mkbucket put)
	mkdir -p "$T/site/r"
	echo home >"$T/site/index.html"
	echo old >"$T/site/r/old.html"
	echo keep >"$T/site/r/keep.html"
	run -0 --separate-stderr s3put -r "$T/site" "s3://$b/site"
	# objects beside the prefix: a sibling with the same leading text, the
	# bucket root, and a "folder" marker that is the prefix itself
	echo x | aws s3 cp - "s3://$b/site2/index.html" >/dev/null
	echo x | aws s3 cp - "s3://$b/siteindex.html" >/dev/null
	echo x | aws s3 cp - "s3://$b/top.html" >/dev/null
	aws s3api put-object --bucket "$b" --key site/ >/dev/null
	rm "$T/site/r/old.html"
	# -n shows the delete and does nothing
	run -0 --separate-stderr s3put -n -r --delete "$T/site" "s3://$b/site"
	[ "$stderr" = "s3put: would delete s3://$b/site/r/old.html" ]
	run -0 s3cat "s3://$b/site/r/old.html"
	run -0 --separate-stderr s3put -v -r --delete "$T/site" "s3://$b/site"
	[ "$(grep -c 'delete' <<<"$stderr")" -eq 1 ]
	[[ $stderr == *"s3put: delete s3://$b/site/r/old.html"* ]]
	run -0 s3ls "s3://$b/"
	[ "$output" = "s3://$b/site/
s3://$b/site/index.html
s3://$b/site/r/keep.html
s3://$b/site2/index.html
s3://$b/siteindex.html
s3://$b/top.html" ]
	# nothing left to delete: nothing deleted
	run -0 --separate-stderr s3put -v -r --delete "$T/site" "s3://$b/site/"
	! grep -q 'delete' <<<"$stderr"
}

@test "s3put -r --delete: after an error nothing is deleted; it takes one directory" {
	b=$(mkbucket put)
	mkdir -p "$T/site"
	echo a >"$T/site/a.html"
	echo b >"$T/site/b.html"
	run -0 --separate-stderr s3put -r "$T/site" "s3://$b/"
	rm "$T/site/b.html"
	ln -s nowhere "$T/site/dangling.html"
	run -1 --separate-stderr s3put -r --delete "$T/site" "s3://$b/"
	[ "$stderr" = "s3put: $T/site/dangling.html: No such file or directory
s3put: $T/site: not deleting from s3://$b/ after the errors above" ]
	[ "$(s3cat "s3://$b/b.html")" = b ]
	# an empty directory (a report that wrote nothing) does not empty the site
	mkdir "$T/empty"
	run -1 --separate-stderr s3put -r --delete "$T/empty" "s3://$b/"
	[ "$stderr" = "s3put: $T/empty: no files: not deleting everything under s3://$b/" ]
	[ "$(s3cat "s3://$b/a.html")" = a ]
	run -2 --separate-stderr s3put -r --delete "$T/site" "$T" "s3://$b/"
	[ "$stderr" = "s3put: --delete needs -r and one directory" ]
	run -2 --separate-stderr s3put --delete "$T/site/a.html" "s3://$b/a.html"
	[ "$stderr" = "s3put: --delete needs -r and one directory" ]
}
