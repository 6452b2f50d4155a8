#!/bin/sh
# Build fuzz/logline_fuzz (libFuzzer + ASan + UBSan) and run it.
# usage: fuzz/run.sh [seconds] [libFuzzer options...]   (default 600 s)
# Findings land in fuzz/findings/ (crash-*); the corpus grows in
# fuzz/corpus/ (seeded from fuzz/seeds/).  Needs clang with compiler-rt
# (Debian: clang, libclang-rt-14-dev).
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
