#!/usr/bin/env bats
# Issue 8: the nightly pipeline broken in several places, rerun, and every
# distinct log line ends up in PostgreSQL exactly once; the cursor never
# skips data and never re-lists what was committed.
load helper

setup() {
	fresh once
}

teardown() {
	stop_bg "${FP_PID:-}"
}

# gen NAME LINES SEED [START [DAYS]]: generated log objects in $T/NAME,
# uploaded to $B.
gen() {
	"$ROOT/bench/genlogs.py" -n "$2" -s "$3" --objects "$(( $2 / 100 ))" \
	    --start "${4:-2024-01-01}" --days "${5:-30}" --dir "$T/$1"
	aws s3 cp --recursive --quiet "$T/$1" "s3://$B/"
}

# expect_exactly N: the table holds N rows, all distinct, and the rollups
# agree with them.
expect_exactly() {
	[ "$(q 'SELECT count(*) FROM logs')" -eq "$1" ]
	[ "$(q 'SELECT count(DISTINCT line_hash) FROM logs')" -eq "$1" ]
	[ "$(q 'SELECT coalesce(sum(requests), 0) FROM daily_total')" -eq "$1" ]
}

# wait_rows N: until the table holds N rows or more (10 s at most; the
# test then goes on and its own checks decide).
wait_rows() {
	local n _
	for _ in $(seq 200); do
		n=$(q 'SELECT count(*) FROM logs' 2>/dev/null || echo 0)
		[ "${n:-0}" -ge "$1" ] && break
		sleep 0.05
	done
}

# pipeline: the documented nightly logs step, run as written.
pipeline() {
	bash -o pipefail -c "s3ls -0 --since last s3://$B/ | parallel -0 -X -j 4 --halt now,fail=1 s3cat |
	    logparse | pgload -b ${BATCH:-100000} && s3ls --commit s3://$B/"
}

@test "exactly once: injected S3 errors fail the run, the rerun completes it" {
	gen a 3000 11
	p=$(freeport)
	python3 "$ROOT/tests/harness/faultproxy.py" "$p" "$S3LOGS_S3PORT" &
	FP_PID=$!
	for _ in $(seq 50); do curl -sf "http://127.0.0.1:$p/__fault" >/dev/null && break; sleep 0.1; done
	# Two 503s are absorbed by s3cat's retries; a 500 on every request for
	# one object outlasts them and fails the run.
	victim=$(ls "$T/a" | sed -n 17p)
	curl -sf -X POST "http://127.0.0.1:$p/__fault?mode=503&count=2" >/dev/null
	curl -sf -X POST "http://127.0.0.1:$p/__fault?mode=500&count=1000&match=$victim" >/dev/null
	AWS_ENDPOINT_URL=http://127.0.0.1:$p S3LOGS_RETRIES=2 run --separate-stderr pipeline
	[ "$status" -ne 0 ]
	[[ $stderr == *"$victim"* ]]
	# Nothing committed: the cursor did not move.
	run -0 --separate-stderr s3ls --since last "s3://$B/"
	[ "$(printf '%s\n' "$output" | grep -c .)" -eq 30 ]
	run -0 --separate-stderr pipeline
	expect_exactly 3000
}

@test "exactly once: pgload killed mid-batch, rerun, each line once" {
	# One day: a batch ends early at a change of day (pgload(1)), and
	# whole batches are then whole multiples of -b.
	gen a 6000 12 2024-01-01 1
	# A slow reader of the listing makes pgload commit a few batches and be
	# killed inside a later one.
	bash -o pipefail -c "s3ls --since last s3://$B/ | parallel -X -j 2 s3cat |
	    logparse | pgload -b 500" &
	pid=$!
	wait_rows 1000
	pkill -9 -f '^pgload -b 500' || true
	wait "$pid" || true
	n=$(q 'SELECT count(*) FROM logs')
	[ $(( n % 500 )) -eq 0 ] || [ "$n" -eq 6000 ]   # whole batches only
	run -0 --separate-stderr pipeline
	expect_exactly 6000
}

@test "exactly once: PostgreSQL restarted during a load, rerun, each line once" {
	gen a 6000 13
	BATCH=500 pipeline &
	pid=$!
	wait_rows 500
	pg_restart
	wait "$pid" && st=0 || st=$?
	if [ "$st" -ne 0 ]; then
		run -0 --separate-stderr pipeline
	fi
	expect_exactly 6000
}

@test "new objects are picked up by the next run, and nothing older is listed again" {
	gen a 2000 14 2024-01-01
	run -0 --separate-stderr pipeline
	expect_exactly 2000
	run -0 --separate-stderr s3ls --since last "s3://$B/"
	[ "$output" = "" ]
	gen b 1000 15 2024-03-01
	run -0 --separate-stderr s3ls --since last "s3://$B/"
	[ "$(printf '%s\n' "$output" | grep -c .)" -eq 10 ]
	! printf '%s\n' "$output" | grep -q '/2024-01-'
	run -0 --separate-stderr pipeline
	expect_exactly 3000
}

# shuffled LAYOUT: 40 log objects of 2 days arrive in random order over
# five runs of the nightly step (one of them killed before --commit), each
# in the layout LAYOUT; every line ends up in PostgreSQL exactly once, and
# the committed runs list every object exactly once.
shuffled() {
	"$ROOT/bench/genlogs.py" -n 4000 -s 21 --objects 40 --start 2024-01-01 --days 2 --dir "$T/gen"
	mkdir "$T/objs"
	for f in "$T"/gen/*; do
		f=${f##*/}
		case $1 in
		simple) k=logs/$f ;;
		event) k=logs/123456789012/us-east-1/src/${f:0:4}/${f:5:2}/${f:8:2}/${f:0:10}-00-00-00-${f:20} ;;
		delivery) k=logs/123456789012/us-east-1/src/${f:0:4}/${f:5:2}/${f:8:2}/$f ;;
		esac
		mkdir -p "$T/objs/${k%/*}"
		cp "$T/gen/$f" "$T/objs/$k"
	done
	(cd "$T/objs" && find . -type f | sed 's|^\./||' | shuf --random-source=<(yes)) >"$T/order"
	split -n l/5 -d "$T/order" "$T/part."
	: >"$T/listed"
	for i in 0 1 2 3 4; do
		while IFS= read -r k; do
			mkdir -p "$T/up$i/${k%/*}"
			cp "$T/objs/$k" "$T/up$i/$k"
		done <"$T/part.0$i"
		aws s3 cp --recursive --quiet "$T/up$i" "s3://$B/"
		if [ "$i" -eq 2 ]; then
			# killed before --commit: loaded, not committed
			bash -o pipefail -c "s3ls -0 --since last s3://$B/logs/ | parallel -0 -X s3cat | logparse | pgload"
		fi
		bash -o pipefail -c "s3ls -0 --since last s3://$B/logs/ | tee -a '$T/listed' |
		    parallel -0 -X -j 4 --halt now,fail=1 s3cat | logparse | pgload &&
		    s3ls --commit s3://$B/logs/"
	done
	expect_exactly 4000
	[ "$(tr '\0' '\n' <"$T/listed" | sort | uniq -d)" = "" ]
	[ "$(tr -cd '\0' <"$T/listed" | wc -c)" -eq 40 ]
	run -0 --separate-stderr s3ls --since last "s3://$B/logs/"
	[ "$output" = "" ]
}

@test "exactly once: log objects arriving in shuffled order over several runs, simple layout" {
	shuffled simple
}

@test "exactly once: log objects arriving in shuffled order over several runs, partitioned EventTime layout" {
	shuffled event
}

@test "exactly once: log objects arriving in shuffled order over several runs, partitioned DeliveryTime layout" {
	shuffled delivery
}

@test "s3logs-nightly: logs, report and publish; a second run loads nothing twice" {
	gen a 2000 16
	aws s3api create-bucket --bucket "$B-site" >/dev/null
	run -0 --separate-stderr s3logs-nightly -E -o "$T/site" -s "s3://$B-site/" "s3://$B/"
	expect_exactly 2000
	[ -f "$T/site/index.html" ]
	[[ $stderr == *"done in"* ]]
	run -0 --separate-stderr aws s3 ls "s3://$B-site/index.html"
	run -0 --separate-stderr s3logs-nightly -E -o "$T/site" -s "s3://$B-site/" "s3://$B/"
	expect_exactly 2000
	[[ $stderr == *": 0 log objects"* ]] || [[ $stderr == *"0 new objects"* ]]
}

@test "s3logs-nightly: lines that cannot be loaded are kept, the rest loaded, the cursor committed" {
	gen a 300 17
	# One more object: a line whose remote address is masked (logparse
	# passes it, pgload cannot store it) and a line logparse rejects.
	f=$(ls "$T/a" | head -1)
	{ head -1 "$T/a/$f" | awk '{ $5 = "***.***.***.***"; print }'
	  printf 'not a log line\n'; } >"$T/odd"
	aws s3 cp --quiet "$T/odd" "s3://$B/2024-01-01-00-00-00-ODD"
	run -0 --separate-stderr s3logs-nightly -E "s3://$B/"
	expect_exactly 300
	[[ $stderr == *"rows pgload could not store kept in"* ]]
	[[ $stderr == *"1 rejected"*"1 set aside"* ]]
	grep -q '\*\*\*\.\*\*\*' "$S3LOGS_STATE_DIR"/setaside-*.tsv
	grep -q 'not a log line' "$S3LOGS_STATE_DIR"/rejects-*.txt
	# The cursor went past them: nothing is listed again.
	run -0 --separate-stderr s3logs-nightly -E "s3://$B/"
	expect_exactly 300
	[[ $stderr == *"0 new objects"* ]]
}

@test "s3logs-nightly -S: objects later than the window are loaded by the sweep, on its schedule, once" {
	gen a 300 18 "$(date -u -d '3 days ago' +%Y-%m-%d)" 1
	run -0 --separate-stderr s3logs-nightly -E -S 7 "s3://$B/"
	expect_exactly 300
	[[ $stderr == *"sweep: reading s3://$B/ again from $(date -u -d '14 days ago' +%Y-%m-%d)"* ]]
	[ -s "$S3LOGS_STATE_DIR/sweep.last" ]
	# 5 days older than the newest key: outside the window of s3ls
	gen b 100 19 "$(date -u -d '8 days ago' +%Y-%m-%d)" 1
	run -0 --separate-stderr s3logs-nightly -E -S 7 "s3://$B/"
	[[ $stderr == *"0 new objects"* ]]
	[[ $stderr != *"sweep:"* ]]
	expect_exactly 300
	# a week later, the sweep is due and reads them
	echo 0 >"$S3LOGS_STATE_DIR/sweep.last"
	run -0 --separate-stderr s3logs-nightly -E -S 7 "s3://$B/"
	[[ $stderr == *"sweep: 4 objects"* ]]
	[[ $stderr == *"sweep: 400 rows, 100 new"* ]]
	expect_exactly 400
	run -2 --separate-stderr s3logs-nightly -S x "s3://$B/"
	[ "$stderr" = "s3logs-nightly: -S x: not a number of days from 1 to 999" ]
}

@test "s3logs-nightly: a second run while one holds the lock exits 1 and does nothing" {
	mkdir -p "$S3LOGS_STATE_DIR"
	exec 8>>"$S3LOGS_STATE_DIR/nightly.lock"
	flock -n 8
	run -1 --separate-stderr s3logs-nightly -E "s3://$B/"
	[[ $stderr == *"another run"* ]]
	exec 8>&-
}

@test "s3logs-nightly: usage errors exit 2" {
	run -2 --separate-stderr s3logs-nightly
	[[ $stderr == "usage: s3logs-nightly "* ]]
	run -2 --separate-stderr s3logs-nightly -j x s3://b/
	run -2 --separate-stderr s3logs-nightly not-a-url
}
