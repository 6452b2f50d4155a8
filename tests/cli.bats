#!/usr/bin/env bats
# The command-line conventions of every program: --help (usage and the
# options on stdout, exit 0), --version (exit 0), a bad option (usage on
# stderr, exit 2); and logparse -H | pgload.
load helper

PROGS="s3ls s3cat s3put logparse pgload encodefetch report s3logs-nightly"

@test "cli: --help prints the usage line and the options on stdout, exit 0" {
	for p in $PROGS; do
		run -0 --separate-stderr "$p" --help
		[ "$stderr" = "" ]
		[[ ${lines[0]} == "usage: $p "* ]]
		[[ $output == *"--help"*"--version"* ]]
		# the usage line is the one a bad option prints
		run -2 --separate-stderr "$p" -Z
		[ "$output" = "" ]
		u=$(printf '%s\n' "$stderr" | grep '^usage: ')
		help=$("$p" --help | head -n 1)
		[ "$u" = "$help" ]
	done
}

@test "cli: --help wins wherever it comes, before -- only" {
	run -0 --separate-stderr s3cat -v --help s3://nothing/here
	[ "$stderr" = "" ]
	[[ ${lines[0]} == "usage: s3cat "* ]]
	run -1 --separate-stderr logparse -- --help
	[ "$output" = "" ]
	[[ $stderr == "logparse: --help: "* ]]
}

@test "cli: --version prints the program's name and the toolkit's version, exit 0" {
	v=$(sed -n 's/^VERSION = //p' "$ROOT/Makefile")
	[ -n "$v" ]
	for p in $PROGS; do
		run -0 --separate-stderr "$p" --version
		[ "$stderr" = "" ]
		[ "$output" = "$p $v" ]
	done
}

@test "cli: logparse -H | pgload skips the header row and loads the rest" {
	need_servers
	newdb cli
	run -0 --separate-stderr bash -c "logparse -H '$FIXTURES/logparse/good.log' | pgload -v"
	[ "$output" = "" ]
	[[ $stderr != *"set aside"*[1-9]* ]] || [[ $stderr == *" 0 set aside"* ]]
	n=$(logparse "$FIXTURES/logparse/good.log" | wc -l)
	[ "$(q 'SELECT count(*) FROM logs')" -eq "$n" ]
	# a header row anywhere else is a bad line, set aside
	run -1 --separate-stderr bash -c "{ logparse '$FIXTURES/logparse/good.log'; logparse -H </dev/null; } | pgload"
	[[ $stderr == *"stdin:$((n + 1)):"* ]]
}
