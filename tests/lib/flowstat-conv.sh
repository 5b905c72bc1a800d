#!/bin/sh
# flowstat-conv.sh: flowstat -f tsv on stdin -> the normalized form of
# tshark-conv.sh (see there), sorted.  Columns are found by their names.
awk -F'\t' "$(cat "$(dirname "$0")/conv-time.awk")"'
NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
{ conv(ep($c["a_addr"], $c["a_port"]), ep($c["b_addr"], $c["b_port"]),
    $c["ab_packets"], $c["ab_wire_bytes"], $c["ba_packets"],
    $c["ba_wire_bytes"], us6($c["start"]), dur("0", $c["duration"])) }
' | sort
