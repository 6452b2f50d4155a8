#!/bin/sh
# run.sh: build and run one libFuzzer target under ASan and UBSan.
#
# usage: fuzz/run.sh [target] [seconds] [libFuzzer options...]
#        target: logline (default), s3xml or awsconf; seconds: default 600
#
# Needs clang with compiler-rt (Debian 12: apt-get install clang
# libclang-rt-14-dev).  Not part of `make check`.
#
# fuzz/logline_fuzz.c fuzzes lib/logline.c (libc + xxHash only, with
# lib/day.c and lib/utf8.c).  Besides
# crashes, leaks and UB it checks, for every line the parser accepts, that
# the COPY row
#  - fits LOGLINE_COPYMAX, has 29 columns and ends in one newline;
#  - is valid UTF-8 with no NUL byte (so it always loads into UTF8);
#  - decodes (COPY unescaping, then U+10FF00+b -> byte b) back to every
#    field byte for byte, and that every field lies inside the input line.
# Seeds: fuzz/seeds/ (the lines of tests/fixtures/logparse/).
#
# fuzz/s3xml_fuzz.c fuzzes lib/s3xml.c (expat), the parser of S3 listing
# pages and error bodies: s3xml_parse_list, s3xml_find, s3xml_urldecode.
# Seeds: fuzz/seeds-s3xml/ (the first byte picks the entry point).
#
# fuzz/awsconf_fuzz.c fuzzes lib/awsconf.c, the reader of the AWS CLI's
# config and credentials files.  Seeds: fuzz/seeds-awsconf/ ("SECTION\n
# KEY\n" then the file).
#
# Seeds are small files written for this project.  The corpus grows in
# fuzz/corpus-TARGET/, findings land in fuzz/findings-TARGET/crash-*;
# reproduce one with: fuzz/TARGET_fuzz FILE.  Each run appends a line of
# its final statistics (executions, seconds, findings) to
# bench/results/fuzz.txt.
#
# fuzz/seen_fuzz.c checks lib/seen.c (the bounded set behind logparse -u)
# against a naive FIFO model; build and run it with
#   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Ilib \
#       -o fuzz/seen_fuzz fuzz/seen_fuzz.c lib/seen.c lib/util.c
#   fuzz/seen_fuzz -max_total_time=60
set -eu
cd "$(dirname "$0")"
target=logline
case ${1:-} in
logline|s3xml|awsconf) target=$1; shift ;;
esac
secs=${1:-600}
[ $# -gt 0 ] && shift
CC=${CC:-clang}
FLAGS="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -D_GNU_SOURCE -I../lib"
case $target in
logline)
	XXH=$(pkg-config --cflags libxxhash 2>/dev/null || true)
	$CC $FLAGS $XXH -o logline_fuzz logline_fuzz.c ../lib/logline.c \
	    ../lib/day.c ../lib/utf8.c
	seeds=seeds maxlen=4096 ;;
s3xml)
	$CC $FLAGS $(pkg-config --cflags expat) -o s3xml_fuzz s3xml_fuzz.c \
	    ../lib/s3xml.c ../lib/buf.c ../lib/util.c $(pkg-config --libs expat)
	seeds=seeds-s3xml maxlen=65536 ;;
awsconf)
	$CC $FLAGS -o awsconf_fuzz awsconf_fuzz.c ../lib/awsconf.c ../lib/util.c
	seeds=seeds-awsconf maxlen=4096 ;;
esac
mkdir -p "corpus-$target" "findings-$target"
log=$target.log
rc=0
./${target}_fuzz -max_total_time="$secs" -max_len=$maxlen -timeout=10 \
    -artifact_prefix="findings-$target/" -print_final_stats=1 "$@" \
    "corpus-$target" "$seeds" 2>"$log" || rc=$?
tail -n 20 "$log" >&2
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
took=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
cov=$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' "$log" | tail -n 1)
found=$(ls "findings-$target" | wc -l)
printf '%s %s: %s s asked, %s executions (%s/s), cov %s, corpus %s, %s findings, exit %s\n' \
    "$(date -u +%Y-%m-%dT%H:%MZ)" "$target" "$secs" "${execs:-?}" "${took:-?}" \
    "${cov:-?}" "$(ls "corpus-$target" | wc -l)" "$found" "$rc" >>../bench/results/fuzz.txt
exit $rc
