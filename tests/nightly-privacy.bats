#!/usr/bin/env bats
# Issue 18: the nightly job keeps raw log content (rejected lines with
# addresses and requester names, rows set aside, its log) private whatever
# the caller's umask, while the published site stays readable.
load helper

setup() {
	fresh priv
	"$ROOT/bench/genlogs.py" -n 200 -s 18 --objects 2 --start 2024-01-01 \
	    --days 5 --dir "$T/logs"
	f=$(ls "$T/logs" | head -1)
	# a line pgload cannot store (masked address) and one logparse rejects
	{ head -1 "$T/logs/$f" | awk '{ $5 = "***.***.***.***"; print }'
	  printf 'not a log line from 203.0.113.9 arn:aws:iam::123456789012:user/alice\n'; } >"$T/odd"
	aws s3 cp --quiet --recursive "$T/logs" "s3://$B/"
	aws s3 cp --quiet "$T/odd" "s3://$B/2024-01-01-00-00-00-ODD"
	aws s3api create-bucket --bucket "$B-site" >/dev/null
}

mode() {
	stat -c %a "$1"
}

@test "s3logs-nightly: under umask 022 the state directory, kept lines and log are private" {
	run -0 --separate-stderr bash -c "umask 022 && s3logs-nightly -E -l '$T/nightly.log' \
	    -o '$T/site' -s 's3://$B-site/' 's3://$B/'"
	[ "$(mode "$S3LOGS_STATE_DIR")" = 700 ]
	ls "$S3LOGS_STATE_DIR"/rejects-*.txt "$S3LOGS_STATE_DIR"/setaside-*.tsv
	grep -q 'alice' "$S3LOGS_STATE_DIR"/rejects-*.txt
	for f in "$S3LOGS_STATE_DIR"/* "$T/nightly.log"; do
		[ -d "$f" ] || [ "$(mode "$f")" = 600 ] || { echo "$f: $(mode "$f")"; false; }
	done
	# the site is public: report's files and directories stay readable
	[ "$(mode "$T/site/index.html")" = 644 ]
	[ "$(mode "$T/site")" = 755 ]
}

@test "s3logs-nightly: a state directory left readable by an older run is made private" {
	mkdir -m 755 "$S3LOGS_STATE_DIR"
	run -0 --separate-stderr bash -c "umask 022 && s3logs-nightly -E 's3://$B/'"
	[ "$(mode "$S3LOGS_STATE_DIR")" = 700 ]
	for f in "$S3LOGS_STATE_DIR"/rejects-*.txt "$S3LOGS_STATE_DIR"/setaside-*.tsv; do
		[ "$(mode "$f")" = 600 ]
	done
}

@test "s3logs-nightly: the site upload deletes a page the site no longer has" {
	run -0 --separate-stderr s3logs-nightly -E -o "$T/site" -s "s3://$B-site/" "s3://$B/"
	echo stale | aws s3 cp - "s3://$B-site/r/stale.html" >/dev/null
	run -0 --separate-stderr s3logs-nightly -E -o "$T/site" -s "s3://$B-site/" "s3://$B/"
	run -1 --separate-stderr s3cat "s3://$B-site/r/stale.html"
	[ "$stderr" = "s3cat: s3://$B-site/r/stale.html: 404 NoSuchKey" ]
	run -0 --separate-stderr s3cat "s3://$B-site/index.html"
}
