#!/bin/bash
# shard-same.sh CAPTURE WORKDIR N... - reassemble CAPTURE in one pipeline
# and sharded by flowshard -n N (for each N given, the shards' pipelines
# running in parallel into one directory) and compare the directories
# with diff -r.  Exit 0 if every N gives the single run's files; prints
# the differences otherwise.  For tests/85-flowshard.bats.
set -uo pipefail
cap=$1 work=$2
shift 2
mkdir -p "$work"
rm -rf "$work/single"
pcapcat -r "$cap" 2>/dev/null | reasm | flowname | flowsplit -o "$work/single" >/dev/null
rc=$?
# 4: a damaged capture (pcapcat exits 3), told to the end of the pipeline
[ $rc -eq 0 ] || [ $rc -eq 4 ] || { echo "$cap: single run failed ($rc)"; exit 1; }
[ -d "$work/single" ] || mkdir "$work/single"
fail=0
for n in "$@"; do
	d="$work/n$n"
	rm -rf "$d" "$work/s$n".*.fk
	mkdir -p "$d"
	pcapcat -r "$cap" 2>/dev/null | flowshard -n "$n" -o "$work/s$n."
	rc=$?
	[ $rc -eq 0 ] || [ $rc -eq 4 ] || { echo "$cap: flowshard -n $n failed ($rc)"; fail=1; continue; }
	pids=()
	for ((i = 0; i < n; i++)); do
		reasm < "$work/s$n.$i.fk" 2>/dev/null | flowname | flowsplit -o "$d" >/dev/null 2>&1 &
		pids+=($!)
	done
	for p in "${pids[@]}"; do
		wait "$p"
		r=$?
		[ $r -eq 0 ] || [ $r -eq 4 ] || { echo "$cap: -n $n: a shard pipeline failed ($r)"; fail=1; }
	done
	diff -r "$work/single" "$d" >/dev/null || {
		echo "$cap: -n $n differs from a single run:"
		diff -rq "$work/single" "$d" | head -5
		fail=1
	}
done
exit $fail
