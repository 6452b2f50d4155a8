#!/bin/sh
# run-encode.sh: build and run the libFuzzer target for the ENCODE
# portal's JSON (fuzz/encode_fuzz.c: lib/encode.c's parser feeding
# encodefetch's sink), under AddressSanitizer and UndefinedBehaviorSanitizer.
#
# usage: fuzz/run-encode.sh [seconds] [libFuzzer options...]   (default 600 s)
#
# Seeds: fuzz/encode-seeds/ (written for this project: byte 0 picks the
# type and the value cap, byte 1 the piece size, the rest is the body).
# The corpus grows in fuzz/encode-corpus/, findings land in
# fuzz/findings/encode-*; reproduce one with: fuzz/encode_fuzz FILE.
# encodefetch's warnings about bad values go to stderr, which is closed
# (-close_fd_mask=2) to keep the log readable; reproduce a finding to see
# them.  Not part of `make check`.
set -eu
cd "$(dirname "$0")"
secs=${1:-600}
[ $# -gt 0 ] && shift
CC=${CC:-clang}
DEP=$(pkg-config --cflags libcurl libcrypto yajl)
LIBS=$(pkg-config --libs libcurl libcrypto yajl)
$CC -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -D_GNU_SOURCE -I../lib $DEP -o encode_fuzz encode_fuzz.c \
    ../lib/buf.c ../lib/day.c ../lib/encode.c ../lib/out.c ../lib/pgval.c \
    ../lib/retry.c ../lib/utf8.c ../lib/util.c $LIBS
mkdir -p encode-corpus findings
exec ./encode_fuzz -max_total_time="$secs" -max_len=8192 -timeout=10 \
    -close_fd_mask=2 -artifact_prefix=findings/encode- -print_final_stats=1 \
    "$@" encode-corpus encode-seeds
