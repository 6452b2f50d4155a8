#!/usr/bin/env bats
# Build, manual pages and the usage contract shared by every program.
load helper

PROGS="s3ls s3cat s3put logparse pgload encodefetch report"

@test "every program has a manual page, and mandoc -Tlint -Wwarning is clean" {
	for p in $PROGS; do
		[ -f "$ROOT/man/$p.1" ] || { echo "no man/$p.1"; return 1; }
	done
	run -0 --separate-stderr mandoc -Tlint -Wwarning "$ROOT"/man/*
	[ "$output" = "" ]
}

@test "the build prints no warnings with -Wall -Wextra" {
	tmp=$BATS_TEST_TMPDIR/src
	mkdir -p "$tmp"
	cp -r "$ROOT/Makefile" "$ROOT/lib" "$ROOT/cmd" "$tmp/"
	[ ! -d "$ROOT/sql" ] || cp -r "$ROOT/sql" "$tmp/"
	[ ! -d "$ROOT/scripts" ] || cp -r "$ROOT/scripts" "$tmp/"
	run -0 --separate-stderr make -C "$tmp" clean all
	! grep -i 'warning' <<<"$stderr$output"
}

@test "a bad option exits 2 with the usage line of the SYNOPSIS" {
	for p in $PROGS; do
		run -2 --separate-stderr "$p" --no-such-option
		[ "$output" = "" ]
		usage=$(printf '%s\n' "$stderr" | grep '^usage: ' | head -1)
		[ -n "$usage" ] || { echo "$p: no usage line: $stderr"; return 1; }
		# The SYNOPSIS as mandoc renders it, joined onto one line.
		syn=$(MANWIDTH=1000 mandoc -Tutf8 -O width=1000 "$ROOT/man/$p.1" | col -bx |
		    awk '/^SYNOPSIS/{f=1;next} /^[A-Z]/{f=0} f' | sed 's/^ *//' | grep -v '^$' | head -1)
		[ "usage: $syn" = "$usage" ] || { echo "$p: usage:  $usage"; echo "$p: synopsis: $syn"; return 1; }
	done
}

@test "make install honours PREFIX and DESTDIR" {
	d=$BATS_TEST_TMPDIR/stage
	run -0 make -C "$ROOT" install DESTDIR="$d" PREFIX=/opt/s3logs
	for p in $PROGS; do
		[ -x "$d/opt/s3logs/bin/$p" ]
		[ -f "$d/opt/s3logs/share/man/man1/$p.1" ]
	done
	[ -f "$d/opt/s3logs/share/man/man7/s3logs.7" ]
}
