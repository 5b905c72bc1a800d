#!/bin/sh
# Run the bats suite (all of tests/*.bats, or the files given) and end with
# a one-line summary "N passed, N failed, N skipped".  Exit status is
# bats' own: 0 only when every test passed or was skipped.
cd "$(dirname "$0")/.." || exit 1
[ $# -eq 0 ] && set -- tests/*.bats
# Scratch files in memory when there is room: some tests write 100,000+
# small files, and removing them from a disk takes minutes.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ] &&
    [ "$(df -Pk /dev/shm | awk 'NR == 2 { print $4 }')" -gt 4000000 ]; then
	TMPDIR=/dev/shm
	export TMPDIR
fi
# A test that hangs fails after BATS_TEST_TIMEOUT seconds instead of
# holding up the run (the slowest, the corpus under ASan, takes minutes).
BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-1800}
export BATS_TEST_TIMEOUT
log=$(mktemp)
trap 'rm -f "$log"' EXIT
bats --tap "$@" | tee "$log"
rc=$?
# POSIX sh has no PIPESTATUS: recompute failure from the TAP lines.
pass=$(grep -c '^ok ' "$log" | tr -d ' ')
skip=$(grep -c '^ok .* # skip' "$log" | tr -d ' ')
fail=$(grep -c '^not ok ' "$log" | tr -d ' ')
pass=$((pass - skip))
echo "$pass passed, $fail failed, $skip skipped"
if [ "$fail" -ne 0 ] || ! grep -q '^1\.\.' "$log"; then
	exit 1
fi
exit 0
