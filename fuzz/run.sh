#!/bin/sh
# run.sh: build and run the libFuzzer target for the log line parser.
#
# usage: fuzz/run.sh [seconds] [libFuzzer options...]   (default 600 s)
#
# fuzz/logline_fuzz.c fuzzes lib/logline.c (libc + xxHash only) under
# AddressSanitizer and UndefinedBehaviorSanitizer.  Besides crashes, leaks
# and UB it checks, for every line the parser accepts, that the COPY row
#  - fits LOGLINE_COPYMAX, has 29 columns and ends in one newline;
#  - is valid UTF-8 with no NUL byte (so it always loads into UTF8);
#  - decodes (COPY unescaping, then U+10FF00+b -> byte b) back to every
#    field byte for byte, and that every field lies inside the input line.
# Needs clang with compiler-rt (Debian: clang, libclang-rt-14-dev).
# Seeds: fuzz/seeds/ (the lines of tests/fixtures/logparse/, written for
# this project).  The corpus grows in fuzz/corpus/, findings land in
# fuzz/findings/crash-*; reproduce one with: fuzz/logline_fuzz FILE.
# Not part of `make check`.
#
# fuzz/seen_fuzz.c checks lib/seen.c (the bounded set behind logparse -u)
# against a naive FIFO model; build and run it with
#   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Ilib \
#       -o fuzz/seen_fuzz fuzz/seen_fuzz.c lib/seen.c lib/util.c
#   fuzz/seen_fuzz -max_total_time=60
set -eu
cd "$(dirname "$0")"
secs=${1:-600}
[ $# -gt 0 ] && shift
CC=${CC:-clang}
XXH=$(pkg-config --cflags libxxhash 2>/dev/null || true)
$CC -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -D_GNU_SOURCE -I../lib $XXH -o logline_fuzz logline_fuzz.c ../lib/logline.c
mkdir -p corpus findings
exec ./logline_fuzz -max_total_time="$secs" -max_len=4096 -timeout=10 \
    -artifact_prefix=findings/ -print_final_stats=1 "$@" corpus seeds
