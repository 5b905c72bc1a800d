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
awk -F'\t' '
# Times as "SEC.FRAC" strings, handled without floating point: sec() and
# ns() split one; us6() prints it truncated to microseconds.
function sec(t) { return t ~ /\./ ? substr(t, 1, index(t, ".") - 1) : t }
function ns(t,  f) { f = t ~ /\./ ? substr(t, index(t, ".") + 1) : ""
	return substr(f "000000000", 1, 9) + 0 }
function us6(t) { return sprintf("%d.%06d", sec(t), int(ns(t) / 1000)) }
function dur(t0, t1,  d) { d = (sec(t1) - sec(t0)) * 1000000000 + ns(t1) - ns(t0)
	return sprintf("%d.%06d", int(d / 1000000000), int((d % 1000000000) / 1000)) }
function before(t, u) { return sec(t) < sec(u) || (sec(t) == sec(u) && ns(t) < ns(u)) }
function ep(a, p) { return (a ~ /:/ ? "[" a "]" : a) ":" p }
{
	s = $1; src = ep($2 $3, $4); dst = ep($5 $6, $7)
	if (!(s in first)) { first[s] = $9; a[s] = src; b[s] = dst; n++ }
	if (before($9, first[s])) first[s] = $9
	if (!(s in last) || before(last[s], $9)) last[s] = $9
	if (src == a[s]) { fa[s]++; ba[s] += $8 } else { fb[s]++; bb[s] += $8 }
}
END {
	for (s in first) {
		e1 = a[s]; e2 = b[s]; f1 = fa[s] + 0; b1 = ba[s] + 0
		f2 = fb[s] + 0; b2 = bb[s] + 0
		if (e2 < e1) { t = e1; e1 = e2; e2 = t; t = f1; f1 = f2; f2 = t
			t = b1; b1 = b2; b2 = t }
		printf "%s %s %d %d %d %d %s %s\n", e1, e2, f1, b1, f2, b2,
		    us6(first[s]), dur(first[s], last[s])
	}
}' | sort
