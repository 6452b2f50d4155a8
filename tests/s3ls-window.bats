#!/usr/bin/env bats
# s3ls --since last against the real RGW: late and out-of-order log
# objects (issue 15).  Each run lists again a window before the newest key
# it handed out and prints only what it has not handed out before, for the
# simple key layout and the partitioned EventTime and DeliveryTime ones.
load helper

setup() {
	fresh win nodb
	: >"$T/all"
}

# put KEY...: one small object per key in $B (its content: the key).
put() {
	local d k
	d=$(mktemp -d "$T/put.XXXXXX")
	for k; do
		mkdir -p "$d/$(dirname "$k")"
		printf '%s\n' "$k" >"$d/$k"
	done
	aws s3 cp --recursive --quiet "$d" "s3://$B/"
	rm -rf "$d"
}

# since PREFIX [ARGS]: s3ls --since last on s3://$B/PREFIX, the keys it
# prints (bucket stripped) in $output, its stderr in $stderr.
since() {
	local p=$1
	shift
	run -0 --separate-stderr s3ls --since last "$@" "s3://$B/$p"
	output=$(printf '%s\n' "$output" | sed "s|^s3://$B/||")
}

# commit PREFIX: s3ls --commit, and the keys of the run just committed
# join $T/all (every key handed out by a committed run).
commit() {
	[ -z "$output" ] || printf '%s\n' "$output" >>"$T/all"
	run -0 --separate-stderr s3ls --commit "s3://$B/$1"
	[ "$output" = "" ] && [ "$stderr" = "" ]
}

# once N: $T/all holds N keys, each once.
once() {
	[ "$(sort "$T/all" | uniq -d)" = "" ]
	[ "$(wc -l <"$T/all")" -eq "$1" ]
}

# keys: $output sorted, one line per key, for comparisons.
keys() {
	printf '%s\n' "$output" | sort
}

statefile() {
	printf '%s/%s.%s.%s' "$S3LOGS_STATE_DIR" "$B" \
	    "$(printf '%s\n%s\n%s' "$AWS_ENDPOINT_URL" "$B" "$1" | sha256sum | cut -c1-16)" "$2"
}

@test "window, simple layout: a late key before the cursor is listed by the next run, once" {
	put logs/2024-01-05-00-00-01-AAAA logs/2024-01-05-00-00-03-CCCC
	since logs/
	[ "$output" = "logs/2024-01-05-00-00-01-AAAA
logs/2024-01-05-00-00-03-CCCC" ]
	commit logs/
	# the issue's case: BBBB sorts between the two, after they were listed
	put logs/2024-01-05-00-00-02-BBBB
	since logs/
	[ "$output" = "logs/2024-01-05-00-00-02-BBBB" ]
	[ "$stderr" = "" ]
	commit logs/
	# a day late, and a new one; a killed run (no --commit) and its rerun
	# list the same, and nothing is lost
	put logs/2024-01-04-01-00-00-LATE logs/2024-01-05-10-00-00-DDDD
	since logs/
	[ "$output" = "logs/2024-01-04-01-00-00-LATE
logs/2024-01-05-10-00-00-DDDD" ]
	since logs/
	[ "$output" = "logs/2024-01-04-01-00-00-LATE
logs/2024-01-05-10-00-00-DDDD" ]
	commit logs/
	# nothing comes back
	since logs/
	[ "$output" = "" ]
	commit logs/
	once 5
	# the listing starts at the window (2 days before the newest key),
	# never at the start of the prefix
	since logs/ -v
	[[ $stderr == *"simple layout, 5 keys handed out in the window, listing after 2024-01-03-10-00-00"* ]]
	[[ $stderr == *"start-after=logs%2F2024-01-03-10-00-00"* ]]
	[ "$(grep -c 'list-type=2' <<<"$stderr")" -eq 1 ]
}

@test "window, simple layout: later than the window is the documented limit; --window and a sweep catch it" {
	put logs/2024-01-05-00-00-00-AAAA logs/2024-01-10-00-00-00-BBBB
	since logs/
	commit logs/
	put logs/2024-01-07-00-00-00-LATE logs/2024-01-07-23-59-59-LATE
	# more than 2 days before the newest key: not listed by default
	since logs/
	[ "$output" = "" ]
	# a wider window lists them
	since logs/ --window 60h
	[ "$output" = "logs/2024-01-07-23-59-59-LATE" ]
	since logs/ --window 3
	[ "$output" = "logs/2024-01-07-00-00-00-LATE
logs/2024-01-07-23-59-59-LATE" ]
	since logs/ --window 3d
	[ "$(wc -l <<<"$output")" -eq 2 ]
	# the sweep: --since DATE lists everything from that date again
	run -0 --separate-stderr s3ls --since 2024-01-07 "s3://$B/logs/"
	[ "$(printf '%s\n' "$output" | grep -c LATE)" -eq 2 ]
	run -2 --separate-stderr s3ls --window 1d "s3://$B/logs/"
	[ "$stderr" = "s3ls: --window: only with --since last" ]
	run -2 --separate-stderr s3ls --since last --window 0 "s3://$B/logs/"
	[ "$stderr" = "s3ls: --window 0: not a duration from 1h to 3650d" ]
	run -2 --separate-stderr s3ls --since last --window 2x "s3://$B/logs/"
}

@test "window, partitioned EventTime layout, prefix above the account: late keys of a day and a day-late key, once" {
	P1=p/111122223333/us-east-1/src-a
	P2=p/111122223333/us-west-2/src-b
	put "$P1/2024/01/05/2024-01-05-00-00-00-5F3A" "$P1/2024/01/05/2024-01-05-00-00-00-9C21"
	since p/
	[ "$(keys)" = "$P1/2024/01/05/2024-01-05-00-00-00-5F3A
$P1/2024/01/05/2024-01-05-00-00-00-9C21" ]
	commit p/
	# the issue's case: the same day's 1B77 and 7E02, delivered later
	put "$P1/2024/01/05/2024-01-05-00-00-00-1B77" "$P1/2024/01/05/2024-01-05-00-00-00-7E02"
	since p/
	[ "$(keys)" = "$P1/2024/01/05/2024-01-05-00-00-00-1B77
$P1/2024/01/05/2024-01-05-00-00-00-7E02" ]
	commit p/
	# the next day's partition begins ...
	put "$P1/2024/01/06/2024-01-06-00-00-00-AAAA"
	since p/
	[ "$output" = "$P1/2024/01/06/2024-01-06-00-00-00-AAAA" ]
	commit p/
	# ... and then the previous day's partition gets a late object, as
	# does another source bucket's; a killed run and its rerun lose nothing
	put "$P1/2024/01/05/2024-01-05-00-00-00-0001" "$P2/2024/01/05/2024-01-05-00-00-00-FFFF" \
	    "$P1/2024/01/06/2024-01-06-00-00-00-0BBB"
	since p/
	exp="$P1/2024/01/05/2024-01-05-00-00-00-0001
$P1/2024/01/06/2024-01-06-00-00-00-0BBB
$P2/2024/01/05/2024-01-05-00-00-00-FFFF"
	[ "$(keys)" = "$exp" ]
	since p/
	[ "$(keys)" = "$exp" ]
	commit p/
	since p/
	[ "$output" = "" ]
	commit p/
	once 8
	# the cost follows the window: the partitions are found with a
	# delimiter, and each is listed from the window's first day
	since p/ -v
	[[ $stderr == *"partitioned layout, 8 keys handed out in the window, listing after each partition's 2024/01/04"* ]]
	[[ $stderr == *"start-after=p%2F111122223333%2Fus-east-1%2Fsrc-a%2F2024%2F01%2F04"* ]]
	[[ $stderr == *"start-after=p%2F111122223333%2Fus-west-2%2Fsrc-b%2F2024%2F01%2F04"* ]]
	[ "$(grep 'list-type=2' <<<"$stderr" | grep -v -c 'delimiter=')" -eq 2 ]
}

@test "window, partitioned DeliveryTime layout, prefix at and above the partition: out-of-order keys, once" {
	P=d/222233334444/eu-west-1/src
	put "$P/2024/02/28/2024-02-28-23-10-00-AAAA" "$P/2024/02/29/2024-02-29-02-00-00-BBBB"
	# the prefix of one partition (no levels to walk) ...
	since "$P/"
	[ "$(wc -l <<<"$output")" -eq 2 ]
	commit "$P/"
	put "$P/2024/02/29/2024-02-29-01-00-00-LATE" "$P/2024/02/28/2024-02-28-05-00-00-DAYLATE" \
	    "$P/2024/03/01/2024-03-01-00-30-00-NEW"
	since "$P/" -v
	[ "$(keys)" = "$P/2024/02/28/2024-02-28-05-00-00-DAYLATE
$P/2024/02/29/2024-02-29-01-00-00-LATE
$P/2024/03/01/2024-03-01-00-30-00-NEW" ]
	[[ $stderr == *"start-after=d%2F222233334444%2Feu-west-1%2Fsrc%2F2024%2F02%2F27"* ]]
	[ "$(grep -c 'list-type=2' <<<"$stderr")" -eq 1 ]
	commit "$P/"
	since "$P/"
	[ "$output" = "" ]
	# ... and, with its own state, the prefix above the region
	since d/222233334444/
	[ "$(wc -l <<<"$output")" -eq 5 ]
	commit d/222233334444/
	put "$P/2024/02/29/2024-02-29-00-00-01-LATE2"
	since d/222233334444/ -v
	[ "$output" = "$P/2024/02/29/2024-02-29-00-00-01-LATE2" ]
	[ "$(grep 'list-type=2' <<<"$stderr" | grep -c 'delimiter=')" -eq 2 ]
	commit d/222233334444/
	since "$P/"
	[ "$output" = "$P/2024/02/29/2024-02-29-00-00-01-LATE2" ]
}

@test "window: the state holds the window's keys only; an old single-key cursor is read and upgraded" {
	for d in 01 02 03 04 05 06 07 08; do
		ks+=("logs/2024-01-$d-00-00-00-A" "logs/2024-01-$d-12-00-00-B")
	done
	put "${ks[@]}"
	since logs/
	[ "$(wc -l <<<"$output")" -eq 16 ]
	commit logs/
	# new format: a header line, then NUL-terminated records: the floor
	# (none) and the keys of the 2 days before the newest (06-12 on)
	[ "$(head -n1 "$(statefile logs/ committed)")" = "s3ls-state 2" ]
	[ "$(tail -n +2 "$(statefile logs/ committed)" | tr '\0' '\n')" = "
logs/2024-01-06-12-00-00-B
logs/2024-01-07-00-00-00-A
logs/2024-01-07-12-00-00-B
logs/2024-01-08-00-00-00-A
logs/2024-01-08-12-00-00-B" ]
	# an old cursor file (the last key, raw) goes on after that key ...
	printf 'logs/2024-01-07-00-00-00-A' >"$(statefile logs/ committed)"
	since logs/
	[ "$output" = "logs/2024-01-07-12-00-00-B
logs/2024-01-08-00-00-00-A
logs/2024-01-08-12-00-00-B" ]
	commit logs/
	# ... keeps it as a floor while it is inside the window ...
	[ "$(tail -n +2 "$(statefile logs/ committed)" | tr '\0' '\n' | head -n1)" = "logs/2024-01-07-00-00-00-A" ]
	put logs/2024-01-06-23-00-00-LATE logs/2024-01-07-01-00-00-LATE
	since logs/
	[ "$output" = "logs/2024-01-07-01-00-00-LATE" ]
	commit logs/
	# ... and drops it once the window has moved past it
	put logs/2024-01-10-00-00-00-C
	since logs/
	[ "$output" = "logs/2024-01-10-00-00-00-C" ]
	commit logs/
	[ "$(tail -n +2 "$(statefile logs/ committed)" | tr '\0' '\n')" = "
logs/2024-01-08-00-00-00-A
logs/2024-01-08-12-00-00-B
logs/2024-01-10-00-00-00-C" ]
	# a damaged state file is an error, not a fresh start
	printf 's3ls-state 2\nlogs/x' >"$(statefile logs/ committed)"
	run -1 --separate-stderr s3ls --since last "s3://$B/logs/"
	[ "$output" = "" ]
	[ "$stderr" = "s3ls: s3://$B/logs/: $(statefile logs/ committed): not a state file of s3ls" ]
}
