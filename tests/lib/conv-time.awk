# conv-time.awk: what tshark-conv.sh and flowstat-conv.sh share.
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
# One normalized conversation line: endpoints in string order, each with
# the frames and bytes it sent.
function conv(e1, e2, f1, b1, f2, b2, start, duration,  t) {
	if (e2 < e1) { t = e1; e1 = e2; e2 = t; t = f1; f1 = f2; f2 = t
		t = b1; b1 = b2; b2 = t }
	printf "%s %s %d %d %d %d %s %s\n", e1, e2, f1, b1, f2, b2, start,
	    duration
}
