#!/usr/bin/env bats
# The unit tests of lib/ (tests/unit/*_test.c), one test per module.  They
# need no server; tests/run builds them with the flags of the library
# (`make unit` builds and runs them alone).  Each prints one summary line
# and names every failed check on stderr.
load helper

# unit NAME: run tests/unit/NAME_test; it must pass and say nothing else.
unit() {
	local t=$ROOT/tests/unit/$1_test
	[ -x "$t" ] || { echo "no $t: run make unit" >&2; return 1; }
	run -0 --separate-stderr "$t"
	[ "$stderr" = "" ]
	[[ $output == "$1: "*" cases, "*" checks, 0 failed" ]]
}

@test "unit: lib/buf (text and bytes, growth, printf, reset, free)" {
	unit buf
}

@test "unit: lib/day (day numbers against gmtime_r, dates, YYYY-MM-DD)" {
	unit day
}

@test "unit: lib/hll (postgresql-hll hashes and format, promotion, merge)" {
	unit hll
}

@test "unit: lib/hmap (byte keys, growth, iteration, clear)" {
	unit hmap
}

@test "unit: lib/html (escaping, URL and TSV encoding, numbers, page)" {
	unit html
}

@test "unit: lib/lineio (empty, NULs, long lines, cut lines, pipes, errors)" {
	unit lineio
}

@test "unit: lib/pgval (integers, dates, timestamps, booleans, uuids, arrays)" {
	unit pgval
}

@test "unit: lib/progress (lines due, formats, truncation)" {
	unit progress
}

@test "unit: lib/pseudo (pseudonyms, networks, public requesters)" {
	unit pseudo
}

@test "unit: lib/s3xml (listing pages, error bodies, limits)" {
	unit s3xml
}

@test "unit: lib/seen (the last window of hashes, against a FIFO model)" {
	unit seen
}

@test "unit: lib/sigv4 (encoding, query, dates, AWS's get-vanilla vector)" {
	unit sigv4
}

@test "unit: lib/state (atomic replace, errors, the state directory)" {
	unit state
}

@test "unit: lib/utf8 (RFC 3629 edge cases, against fuzz/oracle.h)" {
	unit utf8
}

@test "unit: lib/util (parse_num, hexval, std_option, x*alloc)" {
	unit util
}

@test "unit: every tests/unit/*_test.c has a test here" {
	local f n
	for f in "$ROOT"/tests/unit/*_test.c; do
		n=$(basename "$f" _test.c)
		grep -q "^	unit $n\$" "$BATS_TEST_FILENAME" ||
		    { echo "tests/unit.bats does not run $n" >&2; return 1; }
	done
}
