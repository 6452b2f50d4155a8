# helper.bash: loaded by every tests/*.bats file.
#
# Tests run against the servers that tests/run started (its env file is in
# $S3LOGS_HARNESS); each test that touches them takes its own bucket or
# database so that tests cannot see each other's data.  xe's tap3 rule
# applies: check status, stdout and stderr every time; stderr is empty
# unless the test expects a message.
bats_require_minimum_version 1.5.0

ROOT=${S3LOGS_ROOT:-$(cd "$BATS_TEST_DIRNAME/.." && pwd)}
SHARED=${S3LOGS_SHARED:-$ROOT/../shared}
FIXTURES=$ROOT/tests/fixtures

# need_shared: the reference data under ../shared, read in place (never
# copied into the project); tests that use it are skipped where it is absent.
need_shared() {
	[ -d "$SHARED/data" ] || skip "no $SHARED/data"
}

# need_servers: fail (not skip) when run outside tests/run.
need_servers() {
	if [ -z "${S3LOGS_HARNESS:-}" ] || [ ! -f "$S3LOGS_HARNESS/env" ]; then
		echo "no test servers: run this file through tests/run" >&2
		return 1
	fi
}

# uniqname PREFIX: a name no other test uses (lower case, bucket-safe).
uniqname() {
	printf '%s-%s-%s-%s' "$1" "${BATS_SUITE_TEST_NUMBER:-0}" "$$" "$RANDOM" |
	    tr 'A-Z_' 'a-z-'
}

# awss3 ARGS: the AWS CLI against the test RGW (it reads AWS_ENDPOINT_URL).
awss3() {
	aws "$@"
}

# mkbucket: create a fresh bucket, print its name.
mkbucket() {
	local b
	b=$(uniqname "${1:-t}")
	aws s3api create-bucket --bucket "$b" >/dev/null || return 1
	printf '%s\n' "$b"
}

# newdb: create a fresh database and point PGDATABASE at it.
newdb() {
	local db
	db=$(uniqname "${1:-t}" | tr '-' '_')
	createdb "$db" || return 1
	export PGDATABASE=$db
}

# q SQL: one value (or rows, unaligned) from psql.
q() {
	psql -X -q -A -t -v ON_ERROR_STOP=1 -c "$1"
}

# pg_restart: restart the test PostgreSQL (fast shutdown).  The new server
# must not inherit bats' file descriptors: bats waits for every writer of
# its pipes to exit, so an inherited pipe would hang the run at its end.
pg_restart() {
	runuser -u postgres -- python3 -c '
import os, sys
os.closerange(3, 1 << 16)
os.execvp(sys.argv[1], sys.argv[1:])' \
	    "$S3LOGS_PGBIN/pg_ctl" -D "$S3LOGS_PGDATA" -m fast -w \
	    -l "$S3LOGS_PGDATA/../restart.log" restart </dev/null >/dev/null 2>&1
}

# fresh NAME [nodb]: the start of a test of the nightly steps: T (the test's
# own directory), S3LOGS_STATE_DIR under it, a new bucket in B and, unless
# nodb, a new database, both named after NAME.
fresh() {
	need_servers || return 1
	T=$BATS_TEST_TMPDIR
	export S3LOGS_STATE_DIR=$T/state
	B=$(mkbucket "$1") || return 1
	[ "${2:-}" = nodb ] || newdb "$1"
}

# freeport: a free TCP port on 127.0.0.1.
freeport() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# standin_start SCRIPT [ARGS]: a stand-in server of tests/harness that
# takes --port-file and --log (portal.py, hugeportal.py) on a free
# loopback port, logging to $BATS_TEST_TMPDIR/portal.log; sets STANDIN_PID
# (for stop_bg in teardown) and URL.
standin_start() {
	local pf=$BATS_TEST_TMPDIR/portal.port i
	rm -f "$pf"
	python3 "$@" --port-file "$pf" --log "$BATS_TEST_TMPDIR/portal.log" 3>&- &
	STANDIN_PID=$!
	for i in $(seq 100); do
		[ -s "$pf" ] && break
		sleep 0.1
	done
	[ -s "$pf" ] || { echo "portal did not start" >&2; return 1; }
	URL=http://127.0.0.1:$(cat "$pf")
}

# stop_bg PID...: stop background servers a test started, and reap them
# (empty arguments are skipped, so teardown may pass unset variables).
stop_bg() {
	local p
	for p; do
		[ -n "$p" ] || continue
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
}
