#!/bin/sh
# run-pgcheck.sh: build and run the libFuzzer target for pgload's line
# checks (fuzz/pgcheck_fuzz.c: checkline(), COPY unescaping, the -t column
# type checks of lib/pgval.c, and tbtext()), under AddressSanitizer and
# UndefinedBehaviorSanitizer.
#
# usage: fuzz/run-pgcheck.sh [seconds] [libFuzzer options...]  (default 600 s)
#
# Seeds: fuzz/pgcheck-seeds/ (written for this project: byte 0 picks logs
# or -t mode and the -t column count, bytes 1-8 the -t column types, the
# rest is the line).  The corpus grows in fuzz/pgcheck-corpus/, findings
# land in fuzz/findings/pgcheck-*; reproduce one with:
# fuzz/pgcheck_fuzz FILE.  Not part of `make check`.
set -eu
cd "$(dirname "$0")"
secs=${1:-600}
[ $# -gt 0 ] && shift
CC=${CC:-clang}
make -C .. lib/migrations.c >/dev/null
DEP=$(pkg-config --cflags libpq libxxhash)
LIBS=$(pkg-config --libs libpq libxxhash)
$CC -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -D_GNU_SOURCE -I../lib $DEP -o pgcheck_fuzz pgcheck_fuzz.c \
    ../lib/day.c ../lib/hll.c ../lib/hmap.c ../lib/lineio.c ../lib/logline.c \
    ../lib/migrate.c ../lib/migrations.c ../lib/out.c ../lib/pg.c \
    ../lib/pgval.c ../lib/progress.c ../lib/utf8.c ../lib/util.c $LIBS -lpthread -lm
mkdir -p pgcheck-corpus findings
exec ./pgcheck_fuzz -max_total_time="$secs" -max_len=4096 -timeout=10 \
    -artifact_prefix=findings/pgcheck- -print_final_stats=1 \
    "$@" pgcheck-corpus pgcheck-seeds
