#!/bin/sh
# tshark-conv.sh FILE: tshark's view of the TCP conversations in FILE, one
# normalized line per tcp.stream, sorted:
#   EP1 EP2 FRAMES1 BYTES1 FRAMES2 BYTES2 START DURATION
# EP is ADDR:PORT, EP1 < EP2 as strings; FRAMES1/BYTES1 are the frames EP1
# sent and the sum of their frame lengths (what `tshark -z conv,tcp` shows
# as frames and bytes, which it rounds to kB from 10000 bytes up, so the
# sums are made here from frame.len); START is the first frame's epoch
# time, DURATION latest minus earliest, both in seconds, truncated to 6
# decimals.
# flowstat-conv.sh prints flowstat -f tsv in the same form.
tshark -n -r "$1" -Y tcp -T fields -E separator=/t -e tcp.stream \
    -e ip.src -e ipv6.src -e tcp.srcport -e ip.dst -e ipv6.dst \
    -e tcp.dstport -e frame.len -e frame.time_epoch 2>/dev/null |
awk -F'\t' "$(cat "$(dirname "$0")/conv-time.awk")"'
{
	s = $1; src = ep($2 $3, $4); dst = ep($5 $6, $7)
	if (!(s in first)) { first[s] = $9; a[s] = src; b[s] = dst; n++ }
	if (before($9, first[s])) first[s] = $9
	if (!(s in last) || before(last[s], $9)) last[s] = $9
	if (src == a[s]) { fa[s]++; ba[s] += $8 } else { fb[s]++; bb[s] += $8 }
}
END {
	for (s in first)
		conv(a[s], b[s], fa[s], ba[s], fb[s], bb[s], us6(first[s]),
		    dur(first[s], last[s]))
}' | sort
