#!/bin/sh
# flowstat-conv.sh: flowstat -f tsv on stdin -> the normalized form of
# tshark-conv.sh (see there), sorted.
awk -F'\t' "$(cat "$(dirname "$0")/conv-time.awk")"'
NR > 1 { conv(ep($3, $4), ep($5, $6), $11, $13, $12, $14, us6($8), dur("0", $10)) }
' | sort
