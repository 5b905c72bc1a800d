#!/usr/bin/env bats
# Every program has a manual page; the pages are lint-clean; each
# program's usage message is its page's SYNOPSIS.
load helper

synopsis_of_page() {
	MANWIDTH=1000 mandoc -Tascii "$1" | col -b |
		sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' | sed '1d;$d' |
		tr -s ' \t\n' ' ' | sed 's/^ //; s/ $//'
}

# The usage lines: "usage: " and its indented continuation lines.
usage_lines() {
	awk 'NR == 1 || (go && /^ /) { print; go = 1; next } { exit }'
}

synopsis_of_usage() {
	"$1" --help 2>/dev/null | usage_lines | sed 's/^usage: //; s/^       //' |
		tr -s ' \t\n' ' ' | sed 's/^ //; s/ $//'
}

# The option letters of a SYNOPSIS: -abc clusters and -x arg.
synopsis_letters() {
	tr ' ' '\n' | sed -n 's/^\[*-\([0-9A-Za-z][0-9A-Za-z]*\)\]*$/\1/p' |
		fold -w1 | sort -u
}

@test "every program in cmd/ has a section 1 page, and the format a section 5 page" {
	for c in "$FK_ROOT"/cmd/*.c; do
		n=$(basename "$c" .c)
		[ -f "$FK_ROOT/man/$n.1" ] || { echo "no man/$n.1"; return 1; }
	done
	[ -f "$FK_ROOT/man/flowkit-records.5" ]
}

@test "manual pages are mandoc -Tlint clean" {
	need_cmd mandoc
	for m in "$FK_ROOT"/man/*.[157]; do
		run mandoc -Tlint -Wwarning "$m"
		[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	done
}

@test "--help of every program starts with its SYNOPSIS; a usage error prints it on stderr, exit 2" {
	need_cmd mandoc
	for c in "$FK_ROOT"/cmd/*.c; do
		n=$(basename "$c" .c)
		[ -f "$FK_ROOT/man/$n.1" ] || continue
		page=$(synopsis_of_page "$FK_ROOT/man/$n.1")
		usage=$(synopsis_of_usage "$FK_BIN/$n")
		[ "$page" = "$usage" ] || {
			echo "$n: page:  $page"
			echo "$n: usage: $usage"
			return 1
		}
		"$FK_BIN/$n" -@ >out 2>err </dev/null && { echo "$n -@ exited 0"; return 1; }
		rc=$?
		[ "$rc" -eq 2 ] || { echo "$n -@ exited $rc"; return 1; }
		[ ! -s out ] || { echo "$n -@ wrote on stdout"; return 1; }
		"$FK_BIN/$n" --help | usage_lines >want
		grep -v 'invalid option' err >got
		diff -u want got || { echo "$n: usage error does not print the usage"; return 1; }
	done
}

@test "-h and --help: stdout, exit 0, every option of the SYNOPSIS described, 80 columns" {
	need_cmd mandoc
	for c in "$FK_ROOT"/cmd/*.c; do
		n=$(basename "$c" .c)
		for h in -h --help; do
			"$FK_BIN/$n" $h >out 2>err </dev/null || { echo "$n $h exited $?"; return 1; }
			[ ! -s err ] || { echo "$n $h wrote on stderr"; cat err; return 1; }
			[ "$(grep -c '' out)" -gt 3 ] || { echo "$n $h: too short"; cat out; return 1; }
		done
		cmp -s out <("$FK_BIN/$n" -h) || { echo "$n: -h and --help differ"; return 1; }
		awk 'length > 80 { print FILENAME ": " $0; bad = 1 } END { exit bad }' out ||
			return 1
		# The line after the usage is the one-line description.
		desc=$(sed -n "$(($(usage_lines <out | wc -l) + 1))p" out)
		[ -n "$desc" ] || { echo "$n: no description line"; return 1; }
		for l in $(synopsis_of_page "$FK_ROOT/man/$n.1" | synopsis_letters); do
			grep -Eq "^  -$l([ ,]|\$)" out || { echo "$n --help: -$l not described"; cat out; return 1; }
		done
		grep -Eq '^  (-V, )?--version ' out || { echo "$n --help: no --version"; return 1; }
	done
}

@test "--version (and -V where it is not taken) prints the one flowkit version" {
	v=$(sed -n 's/^#define FK_VERSION_STRING[[:space:]]*"\(.*\)"$/\1/p' "$FK_ROOT/common/fk_version.h")
	[ -n "$v" ]
	for c in "$FK_ROOT"/cmd/*.c; do
		n=$(basename "$c" .c)
		run "$FK_BIN/$n" --version
		[ "$status" -eq 0 ] && [ "$output" = "$n (flowkit) $v" ] ||
			{ echo "$n --version: $status $output"; return 1; }
		if "$FK_BIN/$n" --help | grep -q '^  -V, --version '; then
			run "$FK_BIN/$n" -V
			[ "$status" -eq 0 ] && [ "$output" = "$n (flowkit) $v" ] ||
				{ echo "$n -V: $status $output"; return 1; }
		fi
	done
	# flowname -V and flowshard -V keep their meaning.
	! flowname --help | grep -q -- '-V, --version'
	! flowshard --help | grep -q -- '-V, --version'
	# dfxmlgen writes it in the report's <creator>.
	pcapcat -r "$FK_ROOT/examples/http.pcap" | reasm | dfxmlgen -o report.xml >/dev/null
	grep -q "<version>$v</version>" report.xml
}

@test "flowkit(7) is installed with the other pages" {
	[ -f "$FK_ROOT/man/flowkit.7" ]
	# CMDS= installs the pages alone: nothing is built here.
	make -s -C "$FK_ROOT" install CMDS= DESTDIR="$T/dest" PREFIX=/usr >/dev/null
	for m in "$FK_ROOT"/man/*.[157]; do
		b=$(basename "$m")
		[ -f "$T/dest/usr/share/man/man${b##*.}/$b" ] || { echo "$b not installed"; return 1; }
	done
}

@test "every page has EXIT STATUS, EXAMPLES and SEE ALSO" {
	for m in "$FK_ROOT"/man/*.1; do
		for s in "EXIT STATUS" EXAMPLES "SEE ALSO"; do
			grep -q "^\.Sh $s" "$m" || { echo "$m: no $s"; return 1; }
		done
	done
}
