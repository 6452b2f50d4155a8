#!/bin/bash
# s3ls-window.sh: the cost of `s3ls --since last` with its look-back window
# (issue 15) against a full listing with `aws s3api list-objects-v2`, in
# the same run, on a local Ceph RGW.  Boots its own servers
# (tests/harness/up) in a temporary directory and tears them down on exit
# (or, with S3BENCH_ENV=FILE, uses the running harness whose env file that
# is).  Writes bench/results/s3ls-window.txt.
#
#  - A prefix in the partitioned EventTime layout,
#    p/ACCOUNT/REGION/BUCKET/YYYY/MM/DD/YYYY-MM-DD-00-00-00-UNIQUE:
#    30 days x 2,000 one-byte objects, uploaded by parallel s3put processes.
#  - The first 29 days are listed and committed (the state of a job that
#    has run before); then day 30 arrives (2,000 objects) with 20 late
#    objects in day 29's partition.
#  - The nightly run, `s3ls -0 --since last` with the default window (not
#    committed, so it can be repeated), against
#    `aws s3api list-objects-v2 --prefix p/` over the whole prefix: wall
#    time (best of 3, straight to RGW) and requests (one more run each
#    through tests/harness/faultproxy.py, which counts what it forwards).
#  - The size of the committed and the pending state files.
#
# Needs the build (make), GNU parallel, the AWS CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=${S3BENCH_OUT:-$ROOT/bench/results/s3ls-window.txt}
DAYS=${S3LS_WINDOW_DAYS:-30} PERDAY=${S3LS_WINDOW_PERDAY:-2000}
W=$(mktemp -d "${TMPDIR:-/tmp}/s3lswin.XXXXXX")
chmod 755 "$W"	# the harness runs PostgreSQL as postgres
B= FP=
cleanup() {
	[ -z "$FP" ] || { kill "$FP" 2>/dev/null; wait "$FP" 2>/dev/null; } || true
	# On a shared harness, leave nothing behind in its memory store.
	[ -z "${S3BENCH_ENV:-}" ] || [ -z "$B" ] || aws s3 rb --force "s3://$B" >/dev/null 2>&1 || true
	"$ROOT/tests/harness/down" "$W/h" >/dev/null 2>&1 || true
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

make -s cmd/s3ls/s3ls cmd/s3put/s3put >&2
if [ -n "${S3BENCH_ENV:-}" ]; then
	# shellcheck disable=SC1090
	. "$S3BENCH_ENV"
else
	mkdir -p "$W/h"
	"$ROOT/tests/harness/up" "$W/h" >&2
	# shellcheck disable=SC1091
	. "$W/h/env"
fi
PATH=$ROOT/cmd/s3ls:$ROOT/cmd/s3put:$PATH
export S3LOGS_STATE_DIR=$W/state
B=bench-win-$$-$RANDOM
aws s3 mb "s3://$B" >/dev/null
P=p/123456789012/us-east-1/src

log() { printf '%s\n' "$*" | tee -a "$W/report" >&2; }
secs() { python3 -c 'import time; print("%.3f" % time.time())'; }
best() { sort -n | head -1; }

log "# s3ls-window $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
log "# $(aws --version 2>&1 | cut -d' ' -f1-2); servers: ${S3BENCH_ENV:+the running harness $S3BENCH_ENV}${S3BENCH_ENV:-a fresh tests/harness/up}"

# ---- the objects: DAYS days x PERDAY, EventTime names (time zeroed)
python3 - "$W/objs" "$DAYS" "$PERDAY" <<'PY'
import datetime, os, random, sys
root, days, per = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(15)
d0 = datetime.date(2024, 1, 1)
for i in range(days):
    d = d0 + datetime.timedelta(days=i)
    dd = os.path.join(root, d.strftime("%Y/%m/%d"))
    os.makedirs(dd)
    for _ in range(per):
        open(os.path.join(dd, d.strftime("%Y-%m-%d-00-00-00-") + "%016X" % rnd.getrandbits(64)), "w").write("x")
PY
cat >"$W/put1" <<EOS
#!/bin/sh
# put1 DAY: that day's objects to its partition, with as few s3put as xargs allows
cd "$W/\${2:-objs}/\$1" && ls | xargs sh -c 's3put "\$@" "\$0"' "s3://$B/$P/\$1/" >/dev/null
EOS
chmod +x "$W/put1"
upload() {	# upload DAY...: 8 days at once
	printf '%s\n' "$@" | parallel -j 8 --halt now,fail=1 "$W/put1" {}
}
days=$(cd "$W/objs" && find . -mindepth 3 -maxdepth 3 -type d | sed 's|^\./||' | sort)
last=$(printf '%s\n' "$days" | tail -n 1)
t0=$(secs)
# shellcheck disable=SC2046
upload $(printf '%s\n' "$days" | sed '$d')
t1=$(secs)
n=$(aws s3api list-objects-v2 --bucket "$B" --prefix p/ --query 'length(Contents)')
log "uploaded $n objects ($((DAYS - 1)) days x $PERDAY) with 8 parallel s3put in $(echo "$t1 - $t0" | bc)s"

# ---- the state of a job that has run before: everything so far, committed
t0=$(secs)
s3ls -0 --since last "s3://$B/p/" | tr -cd '\0' | wc -c >"$W/first"
t1=$(secs)
s3ls --commit "s3://$B/p/"
log "first run (no state): $(cat "$W/first") objects listed in $(echo "$t1 - $t0" | bc)s; committed"

# ---- the night's arrivals: day $DAYS, and 20 late objects of the day before
upload "$last"
prev=$(printf '%s\n' "$days" | tail -n 2 | head -n 1)
mkdir -p "$W/late/$prev"
for i in $(seq 20); do printf x >"$W/late/$prev/${prev//\//-}-00-00-00-LATE$(printf '%012d' "$i")"; done
"$W/put1" "$prev" late
total=$(aws s3api list-objects-v2 --bucket "$B" --prefix p/ --query 'length(Contents)')
log "then day $DAYS ($PERDAY objects) and 20 late objects in day $((DAYS - 1))'s partition: $total objects under the prefix"

# ---- the nightly run vs the full listing: correctness first
s3ls -0 --since last "s3://$B/p/" | tr '\0' '\n' >"$W/new"
nnew=$(wc -l <"$W/new")
[ "$nnew" -eq $((PERDAY + 20)) ]
[ "$(grep -c LATE "$W/new")" -eq 20 ]
aws s3api list-objects-v2 --bucket "$B" --prefix p/ --query 'Contents[].Key' --output text | tr '\t' '\n' >"$W/all"
[ "$(wc -l <"$W/all")" -eq "$total" ]
log "s3ls --since last prints $nnew objects (the $PERDAY new and the 20 late); aws lists all $total"

: >"$W/t.s3ls"; : >"$W/t.aws"
for i in 1 2 3; do
	t0=$(secs); s3ls -0 --since last "s3://$B/p/" >/dev/null; t1=$(secs)
	echo "$t1 - $t0" | bc -l >>"$W/t.s3ls"
	t0=$(secs); aws s3api list-objects-v2 --bucket "$B" --prefix p/ >/dev/null; t1=$(secs)
	echo "$t1 - $t0" | bc -l >>"$W/t.aws"
done
ts=$(best <"$W/t.s3ls"); ta=$(best <"$W/t.aws")

# requests, counted by a proxy that forwards them
fp=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 "$ROOT/tests/harness/faultproxy.py" "$fp" "$S3LOGS_S3PORT" &
FP=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$fp/__fault" >/dev/null && break; sleep 0.1; done
count() { curl -sf "http://127.0.0.1:$fp/__fault" | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])'; }
# The state is named by the endpoint: the run through the proxy gets a copy
# of the committed state under the proxy's name, in a directory of its own.
mkdir "$W/state-proxy"
cp "$S3LOGS_STATE_DIR"/*.committed "$W/state-proxy/$B.$(printf '%s\n%s\n%s' \
    "http://127.0.0.1:$fp" "$B" p/ | sha256sum | cut -c1-16).committed"
c0=$(count)
AWS_ENDPOINT_URL=http://127.0.0.1:$fp S3LOGS_STATE_DIR=$W/state-proxy \
    s3ls -v -0 --since last "s3://$B/p/" 2>"$W/v" | tr -cd '\0' | wc -c >"$W/nproxy"
c1=$(count)
[ "$(cat "$W/nproxy")" -eq "$nnew" ]
AWS_ENDPOINT_URL=http://127.0.0.1:$fp aws s3api list-objects-v2 --bucket "$B" --prefix p/ >/dev/null
c2=$(count)
rs=$((c1 - c0)) ra=$((c2 - c1))
[ "$rs" -eq "$(grep -c 'GET http' "$W/v")" ]
rd=$(grep 'GET http' "$W/v" | grep -c 'delimiter=')

cs=$(stat -c %s "$S3LOGS_STATE_DIR"/*.committed)
ps=$(stat -c %s "$S3LOGS_STATE_DIR"/*.pending)
ck=$(tail -n +2 "$S3LOGS_STATE_DIR"/*.committed | tr -cd '\0' | wc -c)
pk=$(tail -n +2 "$S3LOGS_STATE_DIR"/*.pending | tr -cd '\0' | wc -c)
log "nightly run, s3ls -0 --since last (default window, 2 days): runs $(tr '\n' ' ' <"$W/t.s3ls")s; best ${ts}s; $rs requests ($rd of them delimiter listings that find the partitions)"
log "  $(grep -o 'partitioned layout, .*' "$W/v" | head -n 1)"
log "aws s3api list-objects-v2 --prefix p/ (whole prefix):     runs $(tr '\n' ' ' <"$W/t.aws")s; best ${ta}s; $ra requests"
log "ratio aws/s3ls: time $(echo "scale=1; $ta / $ts" | bc)x, requests $(echo "scale=1; $ra / $rs" | bc)x"
log "state files: committed $cs bytes ($((ck - 1)) keys), pending $ps bytes ($((pk - 1)) keys)"
mkdir -p "$(dirname "$OUT")"
cp "$W/report" "$OUT"
