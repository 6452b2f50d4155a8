#!/bin/bash
# s3bench.sh: s3cat and s3ls against their peers on a local Ceph RGW, in
# the same run.  Boots its own servers (tests/harness/up) in a temporary
# directory and tears them down on exit (or, with S3BENCH_ENV=FILE, uses
# the running harness whose env file that is).  Writes bench/results/s3.txt.
#
#  1. 1000 objects of ~10 KB: s3cat -j 16 reading URLs on stdin vs
#     `rclone copy --transfers 16` (objects/s; best of 3 each).
#  2. 10,000 keys: s3ls vs `aws s3api list-objects-v2` (auto-paged; best of 3).
#  3. A 1 GB object: s3cat | md5sum, peak RSS with /usr/bin/time -v.
#
# Needs the build (make), rclone, the AWS CLI and /usr/bin/time.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=${S3BENCH_OUT:-$ROOT/bench/results/s3.txt}
W=$(mktemp -d "${TMPDIR:-/tmp}/s3bench.XXXXXX")
chmod 755 "$W"	# the harness runs PostgreSQL as postgres
B=
cleanup() {
	# On a shared harness, leave nothing behind in its memory store.
	[ -z "${S3BENCH_ENV:-}" ] || [ -z "$B" ] || aws s3 rb --force "s3://$B" >/dev/null 2>&1 || true
	"$ROOT/tests/harness/down" "$W/h" >/dev/null 2>&1 || true
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

make -s cmd/s3ls/s3ls cmd/s3cat/s3cat cmd/s3put/s3put >&2
if [ -n "${S3BENCH_ENV:-}" ]; then
	# An already running harness (its env file), e.g. when a fresh boot
	# is not wanted; the bucket name is made unique.
	# shellcheck disable=SC1090
	. "$S3BENCH_ENV"
else
	mkdir -p "$W/h"
	"$ROOT/tests/harness/up" "$W/h" >&2
	# shellcheck disable=SC1091
	. "$W/h/env"
fi
PATH=$ROOT/cmd/s3ls:$ROOT/cmd/s3cat:$ROOT/cmd/s3put:$PATH
B=bench-$$-$RANDOM
aws s3 mb "s3://$B" >/dev/null

cat >"$W/rclone.conf" <<CONF
[s3l]
type = s3
provider = Ceph
access_key_id = $AWS_ACCESS_KEY_ID
secret_access_key = $AWS_SECRET_ACCESS_KEY
region = us-east-1
endpoint = $AWS_ENDPOINT_URL
force_path_style = true
list_version = 2
CONF
RC=(env -u AWS_CA_BUNDLE rclone --config "$W/rclone.conf")

log() { printf '%s\n' "$*" | tee -a "$W/report" >&2; }
secs() { python3 -c 'import sys,time; print("%.3f" % time.time())'; }
best() { sort -n | head -1; }

log "# s3bench $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
log "# $(rclone version | head -1), $(aws --version 2>&1 | cut -d' ' -f1-2)"
log "# servers: ${S3BENCH_ENV:+the running harness $S3BENCH_ENV}${S3BENCH_ENV:-a fresh tests/harness/up}"

# ---- 1. 1000 objects of ~10 KB
"$ROOT/bench/genlogs.py" -n 17000 -s 42 --objects 1000 --dir "$W/set1000" >/dev/null
"${RC[@]}" copy --transfers 16 "$W/set1000" "s3l:$B/set1000" >&2
n=$(s3ls "s3://$B/set1000/" | wc -l)
bytes=$(cat "$W"/set1000/* | wc -c)
log "objects: $n, $bytes bytes"
s3ls "s3://$B/set1000/" >"$W/urls"
(cd "$W/set1000" && cat $(ls)) | md5sum >"$W/expect.md5"
s3cat -j 16 <"$W/urls" | md5sum | cmp - "$W/expect.md5" >&2
: >"$W/t.s3cat"; : >"$W/t.rclone"
for i in 1 2 3 4 5; do
	t0=$(secs); s3cat -j 16 <"$W/urls" >/dev/null; t1=$(secs)
	echo "$t1 - $t0" | bc -l >>"$W/t.s3cat"
	rm -rf "$W/dl"; mkdir "$W/dl"
	t0=$(secs); "${RC[@]}" copy --transfers 16 "s3l:$B/set1000" "$W/dl"; t1=$(secs)
	echo "$t1 - $t0" | bc -l >>"$W/t.rclone"
	[ "$(ls "$W/dl" | wc -l)" -eq "$n" ]
done
ts=$(best <"$W/t.s3cat"); tr=$(best <"$W/t.rclone")
: >"$W/t.s3cat32"
for i in 1 2 3; do
	t0=$(secs); s3cat -j 32 <"$W/urls" >/dev/null; t1=$(secs)
	echo "$t1 - $t0" | bc -l >>"$W/t.s3cat32"
done
t32=$(best <"$W/t.s3cat32")
log "s3cat -j 16 <urls:          runs $(tr '\n' ' ' <"$W/t.s3cat")s; best ${ts}s = $(echo "$n / $ts" | bc) obj/s"
log "rclone copy --transfers 16: runs $(tr '\n' ' ' <"$W/t.rclone")s; best ${tr}s = $(echo "$n / $tr" | bc) obj/s"
log "ratio s3cat/rclone objects/s: $(echo "scale=2; $tr / $ts" | bc) (goal >= 1.5)"
log "s3cat -j 32 <urls:          runs $(tr '\n' ' ' <"$W/t.s3cat32")s; best ${t32}s = $(echo "$n / $t32" | bc) obj/s, ratio to rclone $(echo "scale=2; $tr / $t32" | bc)"
/usr/bin/time -v s3cat -j 16 <"$W/urls" 2>"$W/tv" >/dev/null
log "s3cat -j 16 peak RSS: $(awk '/Maximum resident/{print $NF}' "$W/tv") KB"

# ---- 2. 10,000 keys
mkdir "$W/set10k"
python3 - "$W/set10k" <<'PY'
import os, sys
for i in range(10000):
    open(os.path.join(sys.argv[1], "2024-01-%02d-%02d-%02d-00-%016X" % (i // 1000 + 1, i // 60 % 24, i % 60, i * 7919)), "w").write("x")
PY
"${RC[@]}" copy --transfers 16 "$W/set10k" "s3l:$B/set10k" >&2
n=$(s3ls "s3://$B/set10k/" | wc -l)
na=$(aws s3api list-objects-v2 --bucket "$B" --prefix set10k/ --query 'length(Contents)')
[ "$n" -eq 10000 ] && [ "$na" -eq 10000 ]
s3ls "s3://$B/set10k/" | sed "s|^s3://$B/||" >"$W/k1"
aws s3api list-objects-v2 --bucket "$B" --prefix set10k/ --query 'Contents[].Key' --output text | tr '\t' '\n' >"$W/k2"
cmp "$W/k1" "$W/k2" >&2
: >"$W/t.s3ls"; : >"$W/t.aws"
for i in 1 2 3; do
	t0=$(secs); s3ls "s3://$B/set10k/" >/dev/null; t1=$(secs)
	echo "$t1 - $t0" | bc -l >>"$W/t.s3ls"
	t0=$(secs); aws s3api list-objects-v2 --bucket "$B" --prefix set10k/ >/dev/null; t1=$(secs)
	echo "$t1 - $t0" | bc -l >>"$W/t.aws"
done
ts=$(best <"$W/t.s3ls"); ta=$(best <"$W/t.aws")
log "s3ls (10,000 keys):             runs $(tr '\n' ' ' <"$W/t.s3ls")s; best ${ts}s"
log "aws s3api list-objects-v2:      runs $(tr '\n' ' ' <"$W/t.aws")s; best ${ta}s"
log "ratio aws/s3ls time: $(echo "scale=2; $ta / $ts" | bc) (goal >= 2)"
t0=$(secs); s3ls --since 2024-01-10 "s3://$B/set10k/" >"$W/since"; t1=$(secs)
log "s3ls --since 2024-01-10 (last 1000 of 10,000 keys): $(wc -l <"$W/since") keys in $(echo "$t1 - $t0" | bc -l)s"

# ---- 3. a 1 GB object
head -c 1000000000 /dev/urandom >"$W/g1"
md5=$(md5sum <"$W/g1")
/usr/bin/time -v s3put "$W/g1" "s3://$B/g1" 2>"$W/tv"
log "s3put 1 GB (multipart, 16 MiB parts): $(awk -F': ' '/Elapsed/{print $2}' "$W/tv") wall, peak RSS $(awk '/Maximum resident/{print $NF}' "$W/tv") KB"
rm -f "$W/g1"
/usr/bin/time -v -o "$W/tv" bash -c "s3cat s3://$B/g1 | md5sum >'$W/g1.md5'"
[ "$(cat "$W/g1.md5")" = "$md5" ]
log "s3cat 1 GB | md5sum: bytes identical; $(awk -F': ' '/Elapsed/{print $2}' "$W/tv") wall, peak RSS (largest of s3cat, md5sum) $(awk '/Maximum resident/{print $NF}' "$W/tv") KB"
/usr/bin/time -v s3cat -j 4 "s3://$B/g1" "s3://$B/set1000/$(ls "$W/set1000" | head -1)" 2>"$W/tv" >/dev/null
log "s3cat -j 4 (1 GB object, then one behind it): peak RSS $(awk '/Maximum resident/{print $NF}' "$W/tv") KB"
mkdir -p "$(dirname "$OUT")"
cp "$W/report" "$OUT"
