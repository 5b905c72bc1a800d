#!/usr/bin/env bats
# httpsplit: HTTP/1.x bodies out of a record stream.
load helper

# bodies DIR: "sha256 name" of every file under DIR, sorted by name.
bodies() {
	(cd "$1" && find . -type f | sed 's|^\./||' | LC_ALL=C sort |
		while read -r f; do printf '%s %s\n' "$(sha256sum "$f" | cut -c1-64)" "$f"; done)
}

case_run() {
	python3 "$LIB/http-cases.py" "$1" >"$1.rec"
	httpsplit -o out <"$1.rec" >"$1.out" 2>"$1.err"
}

@test "httpsplit: image2.pcap gives tcpflow's names and the reference objects" {
	need_corpus
	pcapcat -r "$CORPUS/tcpflow/image2.pcap" | reasm | httpsplit -o out >/dev/null
	d=out/127.000.000.001.00080-127.000.000.001.52054
	[ "$(sha256sum <"$d-HTTPBODY-002.jpg" | cut -c1-64)" = a2143e21d1f93004f145684e87da19860f9dc4ccd6fb234c7b822aeeef97afdb ]
	cmp "$d-HTTPBODY-001.html" "$CORPUS/tcpflow/image.html"
	[ "$(sha256sum <"$d-HTTPBODY-003.html" | cut -c1-64)" = ea84aa7a5f57591ffd8bdd44e933cdeb30b48432c776e3361713daae9c0ab3ae ]
	bodies out >list
	golden httpsplit/image2.list list
}

@test "httpsplit: passes every record through unchanged, adds HTTP and STATS" {
	need_corpus
	pcapcat -r "$CORPUS/tcpflow/image2.pcap" | reasm >in.rec
	httpsplit -o out <in.rec >out.rec
	flowcat <in.rec >a
	flowcat <out.rec | grep -v -e '^@[0-9]* HTTP ' -e 'httpsplit\.' >b
	diff <(sed 's/^@[0-9]* //' a) <(sed 's/^@[0-9]* //' b)
	[ "$(flowcat <out.rec | grep -c '^@[0-9]* HTTP ')" -eq 6 ]
}

@test "httpsplit: keep-alive, pipelining, HEAD, 304, 100-continue, chunked, gzip, deflate" {
	case_run mix
	d=out/010.000.000.001.00080-010.000.000.002.36559
	cmp "$d-HTTPBODY-001.html" plain-0
	[ ! -e "$d-HTTPBODY-002" ]		# HEAD: no body
	cmp "$d-HTTPBODY-003.png" plain-1	# chunked, extensions, trailers
	[ ! -e "$d-HTTPBODY-004" ]		# 304
	cmp "$d-HTTPBODY-005" plain-2		# gzip inside chunked
	cmp "$d-HTTPBODY-006.css" plain-3	# zlib deflate
	cmp "$d-HTTPBODY-007" plain-5		# raw deflate
	cmp "$d-HTTPBODY-009.txt" <(printf created)	# after 100 Continue
	cmp out/010.000.000.002.36559-010.000.000.001.00080-HTTPBODY-008.txt plain-4
	cmp out/server-side-HTTPBODY-001.jpg plain-6	# FLOW_NAME, close-delimited
	[ ! -e "$d-HTTPBODY-005.raw" ]		# decoded fine: no raw kept
	flowcat <mix.out | grep -e '^@[0-9]* HTTP ' -e httpsplit | sed 's/^@[0-9]* //' >recs
	golden httpsplit/mix.records recs
	[ ! -s mix.err ]
}

@test "httpsplit: -r keeps the wire form of every body" {
	python3 "$LIB/http-cases.py" mix >mix.rec
	httpsplit -r -o out <mix.rec >/dev/null
	d=out/010.000.000.001.00080-010.000.000.002.36559
	[ -f "$d-HTTPBODY-003.png.raw" ]
	grep -q '^3e7;name=val' "$d-HTTPBODY-003.png.raw"
	gzip -dc <"$d-HTTPBODY-006.css.raw" >/dev/null 2>&1 || python3 -c '
import sys, zlib; zlib.decompress(open(sys.argv[1], "rb").read())' "$d-HTTPBODY-006.css.raw"
}

@test "httpsplit: bodies over a gap or cut short are .partial, right bytes at right offsets" {
	case_run gap
	d=out/010.000.000.001.00080-010.000.000.002.01111
	# hole of 1000 bytes at 4000: the rest is in place
	cmp -n 4000 "$d-HTTPBODY-001.txt.partial" plain-0
	cmp -i 5000 "$d-HTTPBODY-001.txt.partial" plain-0
	cmp "$d-HTTPBODY-002.txt" plain-1
	# gzip over a gap: decoded up to the hole, raw kept
	[ -f "$d-HTTPBODY-003.partial" ] && [ -f "$d-HTTPBODY-003.raw" ]
	n=$(stat -c %s "$d-HTTPBODY-003.partial")
	[ "$n" -gt 0 ] && cmp -n "$n" "$d-HTTPBODY-003.partial" plain-2
	# cut by the end of the flow
	cmp -n 2000 out/010.000.000.001.00080-010.000.000.002.02222-HTTPBODY-001.txt.partial plain-1
	# a gap swallowing a whole response: the next one is found again
	cat out/010.000.000.001.00080-010.000.000.002.03333-HTTPBODY-002.txt >third
	[ "$(cat third)" = third ]
	flowcat <gap.out | grep -q 'httpsplit.incomplete=3'
	grep -q '3 incomplete' gap.err
	flowcat <gap.out | grep -e '^@[0-9]* HTTP ' | sed 's/^@[0-9]* //' >recs
	golden httpsplit/gap.records recs
}

@test "httpsplit: hostile flow names and headers never escape the output directory" {
	mkdir sub && cd sub
	case_run names
	[ -z "$(find .. -maxdepth 1 ! -name sub ! -name .. | grep -v '^\.\./sub$')" ] || { find ..; false; }
	[ "$(find out -name '*HTTPBODY*' | wc -l)" -ge 6 ]
	! find out -name '*..*' | grep -q .
}

@test "httpsplit: a header block over 64 KiB abandons that direction only" {
	case_run bighdr
	flowcat <bighdr.out | grep -q 'httpsplit.header_too_big=1'
	[ "$(cat out/*01001-HTTPBODY-001)" = fine ]
}

@test "httpsplit: CONNECT tunnels and midstream flows" {
	case_run connect
	[ -z "$(find out -name '*HTTPBODY*')" ]
	rm -rf out
	case_run midstream
	[ "$(cat out/*HTTPBODY-001.txt)" = "the body" ]
}

@test "httpsplit: usage errors exit 2" {
	run httpsplit
	[ "$status" -eq 2 ]
	run httpsplit -o
	[ "$status" -eq 2 ]
	run httpsplit -o x extra
	[ "$status" -eq 2 ]
}

@test "httpsplit: corpus chunked/gzip/deflate/ipv6/pipelined/keep-alive bodies match tshark" {
	need_corpus
	for f in pcapplusplus/PcapExamples/three_http_streams.pcap \
	    pcapplusplus/PcapExamples/four_ipv6_http_streams.pcap \
	    pcapplusplus/PcapExamples/one_tcp_stream.pcap \
	    suricata-verify/http-evader/http-evader-106/input.pcap \
	    suricata-verify/filestore-dont/input.pcap \
	    suricata-verify/http-post-data-decompression/input.pcap \
	    tcpflow/bug8.pcap; do
		n=$(echo "$f" | tr / _)
		pcapcat -r "$CORPUS/$f" | reasm | httpsplit -q -o "$n" >/dev/null
		bodies "$n" >"$n.list"
		golden "httpsplit/$n.list" "$n.list"
		if command -v tshark >/dev/null; then
			tshark -r "$CORPUS/$f" -o tcp.reassemble_out_of_order:TRUE \
			    --export-objects "http,ts-$n" -Q >/dev/null 2>&1 || true
			mkdir -p "ts-$n"
			(cd "ts-$n" && find . -type f -size +0 -exec sha256sum {} + | cut -c1-64 | sort -u) >a
			grep -- '-HTTPBODY-' "$n.list" | grep -v -e '\.raw$' -e '\.partial$' | cut -c1-64 | sort -u >b
			comm -23 a b >missing
			[ ! -s missing ] || { echo "$f: tshark has bodies we lack"; cat missing; false; }
		fi
	done
}

# Without flowname, tcpflow's connection counter: the second connection on
# a 4-tuple does not overwrite the first one's body (its name ends in c1).
@test "httpsplit: without flowname, port reuse does not overwrite a body" {
	craft > in.fk <<'PY'
for i in (1, 2):
    w.open(i)
    w.data(i, 0, 0, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    w.data(i, 1, 0, b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nbody%d" % i)
    w.close(i)
PY
	httpsplit -o o < in.fk > /dev/null
	f=010.000.000.002.00080-010.000.000.001.01024
	[ "$(cat o/$f-HTTPBODY-001)" = body1 ]
	[ "$(cat o/${f}c1-HTTPBODY-001)" = body2 ]
	flowname < in.fk | httpsplit -o n > /dev/null
	diff -r o n
}
