#!/usr/bin/env bats
# flowsplit: per-direction files as tcpflow writes them, console mode,
# fd cache, byte cap, gap policies, path safety.
load helper

# listing DIR: "md5  path" of every file below DIR, sorted by path.
listing() {
	(cd "$1" && find . -type f | sed 's|^\./||' | LC_ALL=C sort |
		while IFS= read -r f; do echo "$(md5 "$f")  $f"; done)
}

# Captures where flowkit and tcpflow 1.6.1 write the same files (names and
# bytes).  Chosen to cover VLAN, IPv6, raw IP, pcapng, nanosecond,
# big-endian, gaps, QinQ, port reuse (the connection counter); see CAVEATS
# in flowsplit(1) for the known differences.  data/X is tests/data/X.
SIDE_BY_SIDE="
tcpflow/test1.pcap
tcpflow/test2.pcap
tcpflow/test3.pcap
tcpflow/test4.pcap
tcpflow/airsnort-linux-browser_page_load.pcap
tcpflow/bug6.pcap
tcpflow/bug8.pcap
tcpflow/image2.pcap
tcpflow/test-gzip.pcap
tcpflow/test1-part1.pcap
pcapplusplus/PcapExamples/four_ipv6_http_streams.pcap
pcapplusplus/PcapExamples/one_ipv6_http_stream.pcap
pcapplusplus/PcapExamples/one_http_stream_fin2.pcap
pcapplusplus/PcapExamples/raw_ip.pcap
pcapplusplus/PcapExamples/nanosecs_big_endian.pcap
pcapplusplus/PacketExamples/TwoHttpRequests.pcap
pcapplusplus/PacketExamples/tls1_3.pcap
pcapplusplus/PacketExamples/someip.pcapng
scapy/tls_new-session-ticket.pcap
suricata-verify/bug-4702-01/input.pcap
suricata-verify/dcerpc-request-http-response/input.pcap
suricata-verify/detect-bypass/input.pcap
suricata-verify/bug-6244-tcp-rst-with-data/tcp-rst-with-data.pcap
suricata-verify/filestore-filecontainer-http/filecontainer-http.pcap
suricata-verify/http-response-line/input.pcap
suricata-verify/eve-payload-06-tcp-data-leading-gap/tcp-leading-gap.pcap
zeek/vlan-qinqinq.pcap
data/reasm-portreuse.pcap
"

@test "flowsplit: the tcpflow test MD5s of test1, test2 and test4" {
	need_corpus
	pipeline "$CORPUS/tcpflow/test1.pcap" o1 > /dev/null
	pipeline "$CORPUS/tcpflow/test2.pcap" o2 > /dev/null
	pipeline "$CORPUS/tcpflow/test4.pcap" o4 > /dev/null
	[ "$(md5 o1/074.125.019.101.00080-192.168.001.102.50956)" = ae30a88136feb0655492bdb75e078643 ]
	[ "$(md5 o1/074.125.019.104.00080-192.168.001.102.50955)" = 61051e417d34e1354559e3a8901d19d3 ]
	[ "$(md5 o1/192.168.001.102.50955-074.125.019.104.00080)" = 14e9c335bf54dc4652999e25d99fecfe ]
	[ "$(md5 o1/192.168.001.102.50956-074.125.019.101.00080)" = 78b8073093d107207327103e80fbdf43 ]
	[ "$(md5 o2/010.000.000.001.09999-010.000.000.002.36559--42)" = b7d0b9ee8a7c1ea94b6b43b5a3e0da83 ]
	[ "$(md5 o2/010.000.000.002.36559-010.000.000.001.09999--42)" = c4b95c552616bda3e21d063e8ee2e332 ]
	a=2001:0:53aa:64c:422:2ece:a29c:9cf6 b=2001:67c:1220:809::93e5:916.00080
	[ "$(md5 o4/$a.51391-$b)" = 2600d38f9524c66f190212bbdb6f3c96 ]
	[ "$(md5 o4/$a.51396-$b)" = 547bdc57f5ac3bac3b6620afc19d5a00 ]
	[ "$(md5 o4/$b-$a.51391)" = 2a8f64558ad7a1731e4950a3f7f16913 ]
	[ "$(md5 o4/$b-$a.51396)" = b4772e037e05aaf315aaad911a59650d ]
	[ "$(ls o1 | wc -l)" -eq 4 ] && [ "$(ls o2 | wc -l)" -eq 2 ] &&
		[ "$(ls o4 | wc -l)" -eq 12 ]
}

# FK_UPDATE_GOLDEN=1 rewrites the golden listing from tcpflow itself.
# Without flowname, flowsplit names the files the same (its own tcpflow
# default names and connection counter).
@test "flowsplit: same file names and bytes as tcpflow on $(echo $SIDE_BY_SIDE | wc -w) captures, with and without flowname" {
	need_corpus
	for c in $SIDE_BY_SIDE; do
		case $c in data/*) p="$DATA/${c#data/}" ;; *) p="$CORPUS/$c" ;; esac
		mkdir -p "o/$c" "n/$c"
		if [ "${FK_UPDATE_GOLDEN:-0}" = 1 ]; then
			need_cmd tcpflow
			tcpflow -r "$p" -o "o/$c" > /dev/null 2>&1
			rm -f "o/$c/report.xml"
		else
			pipeline "$p" "o/$c" > /dev/null
			pcapcat -r "$p" | reasm | flowsplit -o "n/$c" > /dev/null
			diff -r "o/$c" "n/$c" >&2 || echo "$c: differs without flowname"
		fi
		listing "o/$c" | sed "s|^|$c  |"
	done > got
	golden flowsplit-vs-tcpflow got
}

# Port reuse and VLANs: flowsplit alone names every file as flowname does
# (tcpflow's connection counter; VLANs in the names).
@test "flowsplit: without flowname, the same files as with it on port-reuse and VLAN captures" {
	need_corpus
	for c in $( (corpus_tagged port-reuse; corpus_tagged qinq) | sort -u) \
	    pcaps/pcapplusplus/PcapExamples/example2.pcap \
	    pcaps/suricata-verify/filestore-filecontainer-http/filecontainer-http.pcap; do
		mkdir -p "o/$c" "n/$c"
		pipeline "$FK_CORPUS/$c" "o/$c" > /dev/null 2>&1
		pcapcat -r "$FK_CORPUS/$c" 2> /dev/null | reasm 2> /dev/null |
			flowsplit -o "n/$c" > /dev/null
		diff -r "o/$c" "n/$c" || { echo "$c: differs"; return 1; }
	done
	# The counter was exercised: port reuse, zeek's q-in-q files (example2's
	# c1 was a retransmission after close, a flow no longer: issue #12.4).
	find o -name '*c1' | grep -q .
	[ "$(find o -type f | wc -l)" -gt 300 ]
}

# tcpflow: a second connection on a 4-tuple writes ...c1, it does not
# overwrite the first one's files.
@test "flowsplit: without flowname, port reuse gets tcpflow's connection counter" {
	pcapcat -r "$DATA/reasm-portreuse.pcap" | reasm | flowsplit -o o > /dev/null
	ls o > got
	printf '%s\n' 010.000.000.001.40000-010.000.000.002.00080 \
		010.000.000.001.40000-010.000.000.002.00080c1 \
		010.000.000.002.00080-010.000.000.001.40000 \
		010.000.000.002.00080-010.000.000.001.40000c1 | diff - got
}

# Two QinQ flows open at once that differ only in the inner VLAN: one
# name (tcpflow's has the outer VLAN), so the second gets the counter.
@test "flowsplit: QinQ flows differing in the inner VLAN do not share a file" {
	craft > in.fk <<'PY'
w.open(1, flags=3, vlan=5, vlan_inner=1); w.open(2, flags=3, vlan=5, vlan_inner=2)
w.data(1, 0, 0, b"A" * 3000); w.data(2, 0, 0, b"B" * 3000)
w.close(1); w.close(2)
PY
	flowsplit -o o < in.fk > /dev/null
	f=010.000.000.001.01024-010.000.000.002.00080--5
	[ "$(tr -cd A < o/$f | wc -c)" -eq 3000 ] && [ "$(wc -c < o/$f)" -eq 3000 ]
	[ "$(tr -cd B < o/${f}c1 | wc -c)" -eq 3000 ] && [ "$(wc -c < o/${f}c1)" -eq 3000 ]
	[ "$(ls o | wc -l)" -eq 2 ]
	flowname < in.fk | flowsplit -o n > /dev/null
	diff -r o n
}

@test "flowsplit: without flowname, tcpflow's default names" {
	need_corpus
	pcapcat -r "$CORPUS/tcpflow/test2.pcap" | reasm | flowsplit -o o > /dev/null
	[ "$(md5 o/010.000.000.001.09999-010.000.000.002.36559--42)" = b7d0b9ee8a7c1ea94b6b43b5a3e0da83 ]
}

@test "flowsplit: mtime is the flow start, to the microsecond" {
	need_corpus
	pipeline "$CORPUS/tcpflow/test2.pcap" o > /dev/null
	[ "$(stat -c %Y o/010.000.000.002.36559-010.000.000.001.09999--42)" = 1297021813 ]
	stat -c %y o/010.000.000.002.36559-010.000.000.001.09999--42 | grep -q '13\.492592000'
}

@test "flowsplit: -f 4 with 40 interleaved flows writes every file complete" {
	craft > in.fk <<'PY'
for i in range(1, 41):
    w.open(i, pa=1000 + i)
for r in range(5):
    for i in range(1, 41):
        w.data(i, 0, r * 3, b"%03d" % (i + r))
        w.data(i, 1, r * 2, b"%02d" % r)
for i in range(1, 41):
    w.close(i)
PY
	flowsplit -f 4 -o small < in.fk > /dev/null
	flowsplit -o big < in.fk > /dev/null
	[ "$(ls small | wc -l)" -eq 80 ]
	diff -r big small
	[ "$(cat small/010.000.000.001.01007-010.000.000.002.00080)" = 007008009010011 ]
	flowsplit -f 4 -o small < in.fk | python3 "$LIB/fkrec.py" dump |
		grep -q 'flowsplit.reopens=[1-9]'
}

@test "flowsplit: -b cuts each direction at max_bytes" {
	craft > in.fk <<'PY'
w.open(1); w.data(1, 0, 0, b"0123456789"); w.data(1, 0, 10, b"abcdef")
w.data(1, 1, 0, b"xy"); w.close(1)
PY
	flowsplit -b 12 -o o < in.fk > /dev/null
	[ "$(cat o/010.000.000.001.01024-010.000.000.002.00080)" = 0123456789ab ]
	[ "$(cat o/010.000.000.002.00080-010.000.000.001.01024)" = xy ]
	flowsplit -c -b 4 < in.fk > out
	grep -qx '010.000.000.001.01024-010.000.000.002.00080: 0123' out
}

@test "flowsplit: gaps are holes by default, -g skip and -g mark" {
	craft > in.fk <<'PY'
w.open(1); w.data(1, 0, 0, b"abc"); w.gap(1, 0, 3, 4); w.data(1, 0, 7, b"def")
w.gap(1, 0, 10, 5, reason=GAP_CLOSE); w.close(1)
PY
	f=010.000.000.001.01024-010.000.000.002.00080
	flowsplit -o h < in.fk > /dev/null
	printf 'abc\0\0\0\0def' | cmp - h/$f
	flowsplit -g skip -o s < in.fk > /dev/null
	[ "$(cat s/$f)" = abcdef ]
	flowsplit -g mark -o m < in.fk > /dev/null
	[ "$(cat m/$f)" = 'abc[4 bytes missing]def[5 bytes missing]' ]
	run flowsplit -g bogus < in.fk
	[ "$status" -eq 2 ]
}

@test "flowsplit: console -c, -C and -D as tcpflow prints" {
	need_corpus
	pcapcat -r "$CORPUS/tcpflow/test2.pcap" | reasm | flowname > in.fk
	{ flowsplit -c < in.fk; flowsplit -C < in.fk; flowsplit -D < in.fk; } > out
	golden flowsplit-console out
	craft > bin.fk <<'PY'
w.open(1); w.data(1, 0, 0, b"a\x1b[31mb\x00\r\nc\xff"); w.close(1)
PY
	flowsplit -C < bin.fk > o1
	printf 'a.[31mb.\r\nc.\n' | cmp - o1
	flowsplit -C -B < bin.fk > o2
	printf 'a\033[31mb\0\r\nc\377\n' | cmp - o2
}

@test "flowsplit: console -g mark shows gaps; a terminal gets no CR" {
	craft > in.fk <<'PY'
w.open(1); w.data(1, 0, 0, b"a\r\nb"); w.gap(1, 0, 4, 3); w.data(1, 0, 7, b"c\rd")
w.close(1)
PY
	n=010.000.000.001.01024-010.000.000.002.00080
	flowsplit -c < in.fk > o
	printf '%s: a\r\nb\n%s: c\rd\n' $n $n | cmp - o
	flowsplit -c -g mark < in.fk > o
	printf '%s: a\r\nb\n%s: [3 bytes missing]\n%s: c\rd\n' $n $n $n | cmp - o
	need_cmd script
	script -qec "stty -onlcr; flowsplit -C < in.fk" /dev/null > tty
	printf 'a\nb\nc.d\n' | cmp - tty
}

@test "flowsplit: console output into a closed pipe exits quietly" {
	need_corpus
	pcapcat -r "$CORPUS/tcpflow/test1.pcap" | reasm > in.fk
	run bash -c 'flowsplit -c < in.fk | head -c 10; echo " ${PIPESTATUS[0]}"'
	[ "$status" -eq 0 ]
	[ "${lines[-1]##* }" = 0 ] || { echo "$output"; return 1; }
	[[ "$output" != *rror* ]]
}

@test "flowsplit: names never escape the output directory" {
	craft > in.fk <<'PY'
for i, n in enumerate([b"../evil", b"/abs/olute", b"a/../../b", b"./x//y/",
                       b"..", b"ok/sub/file", b"link/z", b"c\x00d\x01"], 1):
    w.open(i); w.name(i, 0, n); w.data(i, 0, 0, b"data%d" % i); w.close(i)
PY
	mkdir -p top/o outside
	ln -s ../../outside top/o/link
	run flowsplit -o top/o < in.fk
	[ "$(ls outside | wc -l)" -eq 0 ]
	[ ! -e top/evil ] && [ ! -e /abs/olute ] && [ ! -e top/b ]
	[ "$(cat top/o/evil)" = data1 ]
	[ "$(cat top/o/abs/olute)" = data2 ]
	[ "$(cat top/o/a/b)" = data3 ]
	[ "$(cat top/o/x/y)" = data4 ]
	[ "$(cat top/o/_)" = data5 ]
	[ "$(cat top/o/ok/sub/file)" = data6 ]
	[ "$(cat top/o/c_d_)" = data8 ]
	# the planted symlink is not followed: that direction fails, exit 1
	[ "$status" -eq 1 ]
	[ -L top/o/link ]
}

@test "flowsplit: records pass through unchanged after the files" {
	need_corpus
	pcapcat -r "$CORPUS/tcpflow/test1.pcap" | reasm | flowname > in.fk
	flowsplit -p -o o < in.fk > out.fk
	python3 "$LIB/fkrec.py" dump < in.fk > a
	python3 "$LIB/fkrec.py" dump < out.fk | grep -v 'flowsplit\.' > b
	diff a b
}

@test "a hole of 1 GiB or more (forged offsets) is warned about once and counted; -b caps the file" {
	craft > holes.fk <<'PY'
w.open(1)
w.data(1, 0, 0, b"start")
w.data(1, 0, 3 << 30, b"far away")
w.data(1, 0, 6 << 30, b"further")
w.close(1)
PY
	run sh -c 'flowsplit -o out < holes.fk | flowcat | grep big_holes'
	[ "${#lines[@]}" -ge 2 ]
	[ "$(printf '%s\n' "$output" | grep -c 'a hole of')" -eq 1 ]
	[[ "$output" == *"flowsplit.big_holes=2"* ]]
	flowsplit -b 1m -o capped < holes.fk > /dev/null 2>&1
	[ "$(stat -c %s capped/*)" -eq 5 ]
}

# The stream of tests below: flow 1 opens sub/keep and stays open; once the
# file "go" exists, flow 2 writes 1 MiB into "filler".
swap_feed() {
	craft <<'PY'
import os, time
w.open(1, pa=1001); w.name(1, 0, b"sub/keep"); w.data(1, 0, 0, b"flow 1\n")
sys.stdout.buffer.flush()
for _ in range(1500):
    if os.path.exists("go"):
        break
    time.sleep(0.02)
w.open(2, pa=1002); w.name(2, 0, b"filler")
for i in range(16):
    w.data(2, 0, i * 65536, b"F" * 65536)
PY
}

@test "flowsplit: the cleanup after a full disk renames in the directories it opened, never through a link" {
	need_root
	for fds in 128 1; do	# flow 1's file open, and evicted
		rm -rf victim go && mkdir -p full victim && echo precious > victim/keep
		mount -t tmpfs -o size=512k tmpfs full
		swap_feed | flowsplit -f $fds -o full/out > /dev/null 2> err &
		for _ in $(seq 100); do [ -e full/out/sub/keep ] && break; sleep 0.05; done
		mv full/out/sub full/out/sub.real
		ln -s "$PWD/victim" full/out/sub
		touch go
		wait $! && { umount full; echo "exit 0 on a full disk"; return 1; }
		ls -lR full victim
		cat err
		grep -q 'No space left on device' err || { umount full; return 1; }
		[ "$(ls victim)" = keep ] && [ "$(cat victim/keep)" = precious ] ||
			{ umount full; return 1; }
		if [ $fds = 128 ]; then
			# renamed where it is, through the directory held open
			[ "$(cat full/out/sub.real/keep.partial)" = "flow 1" ] ||
				{ umount full; return 1; }
		else
			# reached again by name: the link is not followed
			grep -q 'sub/keep: cannot rename' err || { umount full; return 1; }
		fi
		umount full
	done
}

@test "flowsplit: a FIFO or socket at a flow's file name is refused for that direction only" {
	craft > in.fk <<'PY'
for i in (1, 2, 3):
    w.open(i); w.name(i, 0, b"f%d" % i); w.data(i, 0, 0, b"data%d" % i); w.close(i)
PY
	mkdir o && mkfifo o/f1
	python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' o/f2
	run timeout 10 flowsplit -o o < in.fk
	[ "$status" -eq 1 ] || { echo "status $status: $output"; return 1; }
	[[ "$output" == *"o/f1: not a regular file: skipping this file"* ]]
	[[ "$output" == *"o/f2: not a regular file: skipping this file"* ]]
	[ -p o/f1 ] && [ -S o/f2 ] && [ "$(cat o/f3)" = data3 ]
	timeout 10 flowsplit -o o < in.fk 2>/dev/null | flowcat | grep -q 'flowsplit.not_regular=2'
}
