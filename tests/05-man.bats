#!/usr/bin/env bats
# Every program has a manual page; the pages are lint-clean; each
# program's usage message is its page's SYNOPSIS.
load helper

synopsis_of_page() {
	MANWIDTH=1000 mandoc -Tascii "$1" | col -b |
		sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' | sed '1d;$d' |
		tr -s ' \t\n' ' ' | sed 's/^ //; s/ $//'
}

synopsis_of_usage() {
	"$1" -h 2>&1 | sed 's/^usage: //; s/^       //' |
		tr -s ' \t\n' ' ' | sed 's/^ //; s/ $//'
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
	for m in "$FK_ROOT"/man/*.[15]; do
		run mandoc -Tlint -Wwarning "$m"
		[ "$status" -eq 0 ] || { echo "$output"; return 1; }
	done
}

@test "usage() of every program matches its SYNOPSIS, and -h exits 2" {
	need_cmd mandoc
	for c in "$FK_ROOT"/cmd/*.c; do
		n=$(basename "$c" .c)
		[ -f "$FK_ROOT/man/$n.1" ] || continue
		run "$FK_BIN/$n" -h
		[ "$status" -eq 2 ] || { echo "$n -h exited $status"; return 1; }
		page=$(synopsis_of_page "$FK_ROOT/man/$n.1")
		usage=$(synopsis_of_usage "$FK_BIN/$n")
		[ "$page" = "$usage" ] || {
			echo "$n: page:  $page"
			echo "$n: usage: $usage"
			return 1
		}
	done
}

@test "every page has EXIT STATUS, EXAMPLES and SEE ALSO" {
	for m in "$FK_ROOT"/man/*.1; do
		for s in "EXIT STATUS" EXAMPLES "SEE ALSO"; do
			grep -q "^\.Sh $s" "$m" || { echo "$m: no $s"; return 1; }
		done
	done
}
