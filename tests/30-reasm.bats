#!/usr/bin/env bats
# reasm: TCP reassembly against PcapPlusPlus's and tcpflow's expected
# outputs, tshark's follow output (golden md5s), and crafted edge cases.

load helper

PPP="pcapplusplus/PcapExamples"

# split CAPTURE [reasm args]: reassemble into ./out (see tests/lib/fk2files.py)
split() {
	local f="$1"
	shift
	pcapcat -r "$f" | reasm "$@" > rec
	python3 "$LIB/fk2files.py" out < rec
}

# flows: flows.tsv without the address columns' noise
flows() {
	cut -f1,3-13 out/flows.tsv
}

@test "reasm: PcapPlusPlus TcpReassembly expected outputs (both sides, delivery order)" {
	need_corpus
	local c e
	for c in one_tcp_stream:one_tcp_stream_output \
	    one_tcp_stream_max_seq:one_tcp_stream_output \
	    one_http_stream_fin:one_http_stream_fin_output \
	    one_http_stream_fin2:one_http_stream_fin2_output \
	    one_http_stream_rst:one_http_stream_rst_output \
	    one_ipv6_http_stream:one_ipv6_http_stream; do
		e="${c#*:}"
		c="${c%%:*}"
		rm -rf out
		split "$CORPUS/$PPP/$c.pcap"
		[ "$(wc -l < out/flows.tsv)" -eq 1 ]
		cmp out/1.both "$CORPUS/$PPP/$e.txt"
	done
}

@test "reasm: PcapPlusPlus multi-stream expected outputs" {
	need_corpus
	split "$CORPUS/$PPP/four_ipv6_http_streams.pcap"
	[ "$(md5 out/1.both)" = "$(md5 "$CORPUS/$PPP/one_ipv6_http_stream4.txt")" ]
	[ "$(md5 out/2.both)" = "$(md5 "$CORPUS/$PPP/one_ipv6_http_stream2.txt")" ]
	[ "$(md5 out/4.both)" = "$(md5 "$CORPUS/$PPP/one_ipv6_http_stream3.txt")" ]
	rm -rf out
	split "$CORPUS/$PPP/three_http_streams.pcap"
	cmp out/1.both "$CORPUS/$PPP/three_http_streams_conn_3_output.txt"
	cmp out/2.both "$CORPUS/$PPP/three_http_streams_conn_1_output.txt"
	cmp out/3.both "$CORPUS/$PPP/three_http_streams_conn_2_output.txt"
}

@test "reasm: PcapPlusPlus tcpreassembly example (sides and sanity)" {
	need_corpus
	local E="$CORPUS/pcapplusplus/ExamplesTest"
	split "$E/tcp-reassembly.pcap"
	cmp out/1.ab "$E/tcpreassembly_sides/172.16.133.54.64370-23.21.118.18.80.txt"
	cmp out/1.ba "$E/tcpreassembly_sides/23.21.118.18.80-172.16.133.54.64370.txt"
	cmp out/1.both "$E/tcpreassembly_sanity/172.16.133.54.64370-23.21.118.18.80.txt"
}

@test "reasm: PcapPlusPlus http-packets (no handshakes, missing segments)" {
	need_corpus
	local E="$CORPUS/pcapplusplus/ExamplesTest" f port id
	split "$E/http-packets.pcap"
	# 12 flows; the gap-free ones are byte-identical, the others
	# carry the same bytes and as many gap bytes as PcapPlusPlus marks
	[ "$(wc -l < out/flows.tsv)" -eq 12 ]
	for f in "$E"/tcpreassembly_multiple_streams/*.txt; do
		port=$(basename "$f" | cut -d- -f1 | awk -F. '{print $NF}')
		id=$(awk -v p="$port" '$4 == p { print $1 }' out/flows.tsv)
		python3 - "$f" "out/$id.both" "out/$id.ab" "out/$id.ba" "$id" <<'PY'
import re, sys
exp = open(sys.argv[1], "rb").read()
gaps = sum(int(x) for x in re.findall(rb"\[(\d+) bytes missing\]", exp))
data = re.sub(rb"\[\d+ bytes missing\]", b"", exp)
both = open(sys.argv[2], "rb").read()
fl = [l.split("\t") for l in open("out/flows.tsv")]
row = [r for r in fl if r[0] == sys.argv[5]][0]
ourgap = int(row[10]) + int(row[11])
assert len(data) == len(both), (sys.argv[1], len(data), len(both))
assert gaps == ourgap, (sys.argv[1], gaps, ourgap)
if gaps == 0:
    assert data == both, sys.argv[1]
else:
    assert sorted(data) == sorted(both), sys.argv[1]
PY
	done
}

@test "reasm: tcpflow test1/test2 md5s (tcpflow/tests/test1.sh)" {
	need_corpus
	split "$CORPUS/tcpflow/test1.pcap"
	# tcpflow writes no file for a direction without data (flow 1 is
	# a lone ACK)
	find out -name '*.a[b]' -size +0 -o -name '*.ba' -size +0 |
	    xargs md5sum | awk '{print $1}' | sort > got
	sort > want <<-EOF
	ae30a88136feb0655492bdb75e078643
	61051e417d34e1354559e3a8901d19d3
	14e9c335bf54dc4652999e25d99fecfe
	78b8073093d107207327103e80fbdf43
	EOF
	diff want got
	rm -rf out
	split "$CORPUS/tcpflow/test2.pcap"
	md5sum out/1.ab out/1.ba | awk '{print $1}' | sort > got
	printf '%s\n' b7d0b9ee8a7c1ea94b6b43b5a3e0da83 \
	    c4b95c552616bda3e21d063e8ee2e332 | sort > want
	diff want got
}

@test "reasm: every stream direction of the corpus matches tshark follow, or is a known difference" {
	# tshark's per-direction md5/length of every corpus capture with TCP
	# are in golden/reasm-tshark.tsv (regenerate: FK_UPDATE_GOLDEN=1,
	# slow); every difference must be in golden/reasm-tshark-known.tsv
	# with its reason, and every entry there must still differ.  After a
	# change to reasm, `python3 tests/lib/reasm-vs-tshark.py --explain-new`
	# prints the lines to add and to delete (see its header).
	need_corpus
	if [ "${FK_UPDATE_GOLDEN:-0}" = 1 ]; then
		need_cmd tshark
		python3 "$LIB/reasm-vs-tshark.py" -u -j 2
	fi
	run python3 "$LIB/reasm-vs-tshark.py" -j 2
	echo "$output" | grep -v "^NOT COMPARED"
	[ "$status" -eq 0 ]
}

@test "reasm: VLAN tagged one way only: two half-flows, one flow with -Q" {
	split "$DATA/reasm-vlanoneway.pcap"
	[ "$(wc -l < out/flows.tsv)" -eq 2 ]
	flowcat < rec | grep -c "FLOW_OPEN.*vlan=3136" | grep -qx 1
	rm -rf out
	split "$DATA/reasm-vlanoneway.pcap" -Q
	[ "$(wc -l < out/flows.tsv)" -eq 1 ]
	[ "$(cat out/1.ab)" = "tagged request" ]
	[ "$(cat out/1.ba)" = "untagged reply" ]
	! flowcat < rec | grep -q "vlan="
	# flowshard (without -V) keeps both halves in one shard
	pcapcat -r "$DATA/reasm-vlanoneway.pcap" | flowshard -n 4 -o shard
	[ "$(for f in shard*; do reasm -Q < "$f" | flowcat; done |
	    grep -c FLOW_OPEN)" -eq 1 ]
}

@test "reasm: a packet with malformed IPv4 options is dropped, as its receiver does" {
	pcapcat -r "$DATA/reasm-ipoptbad.pcap" | reasm -v > rec 2> err
	grep -qx 'reasm.skipped.ip_options=1' err
	python3 "$LIB/fk2files.py" out < rec
	[ "$(cat out/1.ab)" = "kept alert" ]
	[ "$(cat out/1.ba)" = "ok" ]
	flowcat < rec | grep FLOW_CLOSE | grep -q 'reason=fin'
}

@test "reasm: port reuse makes two flows" {
	split "$DATA/reasm-portreuse.pcap"
	[ "$(wc -l < out/flows.tsv)" -eq 2 ]
	[ "$(cat out/1.ab)" = "first connection" ]
	[ "$(cat out/2.ab)" = "second connection" ]
	[ "$(cat out/2.ba)" = "reply two" ]
	# both closed by FIN; the second one is flagged as a reuse
	awk '{ print $8 }' out/flows.tsv | sort -u | grep -qx 1
	flowcat < rec | grep "FLOW_OPEN id=2" | grep -q reused
}

@test "reasm: sequence numbers wrapping past 2^32" {
	split "$DATA/reasm-wrap.pcap"
	[ "$(cat out/1.ab)" = "$(printf 'A%.0s' $(seq 30))$(printf 'B%.0s' $(seq 30))$(printf 'C%.0s' $(seq 30))$(printf 'D%.0s' $(seq 30))" ]
	[ "$(cat out/1.ba)" = "aaaaaaabbbbbbbcccccccddddddd" ]
	[ "$(awk '{print $12 + $13}' out/flows.tsv)" -eq 0 ]
}

@test "reasm: overlapping out-of-order copies: first copy wins, OVERLAP has the loser" {
	split "$DATA/reasm-overlap.pcap"
	[ "$(cat out/1.ab)" = "0123456789abcdefghijKKKKKKKKKK" ]
	flowcat < rec | grep OVERLAP > ovl
	[ "$(wc -l < ovl)" -eq 2 ]
	grep -q 'off=20 len=5 rejected="XXXXX"' ovl
	grep -q 'off=15 len=5 rejected="xxxxx"' ovl
}

@test "reasm: an in-order segment filling a hole beats buffered data" {
	split "$DATA/reasm-holefill.pcap"
	[ "$(cat out/1.ab)" = "0123456789IIIIIIIIIIoooootail" ]
	flowcat < rec | grep OVERLAP | grep -q 'off=15 len=5 rejected="ooooo"'
}

@test "reasm: SYN with data is delivered at offset 0" {
	split "$DATA/reasm-syndata.pcap"
	[ "$(cat out/1.ab)" = "syn-data;more" ]
	[ "$(cat out/1.ba)" = "ok" ]
}

@test "reasm: RST closes the flow after reporting the hole before it" {
	split "$DATA/reasm-rst.pcap"
	[ "$(cat out/1.ba)" = "part one;part three" ]
	[ "$(cat out/gaps.tsv)" = "$(printf '1\t1\t9\t11\t1')" ]
	[ "$(cut -f8 out/flows.tsv)" = 2 ]
}

@test "reasm: Ethernet padding is not data" {
	split "$DATA/reasm-padding.pcap"
	[ "$(cat out/1.ab)" = "hi" ]
	[ "$(cat out/1.ba)" = "yo" ]
}

@test "reasm: mid-stream start" {
	split "$DATA/reasm-midstream.pcap"
	flowcat < rec | grep FLOW_OPEN | grep -q opener=midstream
	[ "$(cat out/1.ab)" = "$(printf 'GET /mid HTTP/1.0\r\n\r\n')" ]
	[ "$(cat out/1.ba)" = "$(printf 'HTTP/1.0 200 OK\r\n\r\nbody')" ]
	[ "$(cut -f8 out/flows.tsv)" = 4 ]
}

@test "reasm: an ACK before the data it acknowledges gives nothing up; an acked hole is a GAP 2 s later" {
	# packets out of time order (issue #12 item 6): the client ACKs
	# [0,20) of the server before [0,10) comes in the capture
	split "$DATA/reasm-ackfirst.pcap"
	[ "$(cat out/1.ba)" = "AAAAAAAAAABBBBBBBBBBDDDDDDDDDD" ]
	[ "$(cat out/1.ab)" = "$(printf 'request\nmore\nlater')" ]
	# [20,30), acked, never came: given up (lost) once the capture's
	# clock is 2 s past the ACK, before the next packet's data
	[ "$(cat out/gaps.tsv)" = "$(printf '1\t1\t20\t10\t1')" ]
	flowcat < rec | grep -E 'GAP|DATA' | cut -d' ' -f2,3,6 > order
	cat order
	[ "$(sed -n 4,6p order | tr '\n' ' ')" = "DATA id=1 len=5 GAP id=1 len=10 DATA id=1 len=10 " ]
	flowcat < rec | grep -q 'GAP id=1 dir=1 off=20 len=10 reason=lost ts=2023-11-14T22:13:23.010999000Z'
	[ "$(cut -f8 out/flows.tsv)" = 1 ]
}

@test "reasm: mid-stream start: offset 0 is the lowest sequence number of the start window" {
	# issue #12 item 7: the first segment seen is 100 bytes ahead of
	# the second, which is kept; [90,100) never came
	split "$DATA/reasm-midorder.pcap"
	[ "$(cat out/1.ab)" = "$(printf 'f%.0s' $(seq 90))second" ]
	[ "$(cat out/gaps.tsv)" = "$(printf '1\t0\t90\t10\t3')" ]
	flowcat < rec | grep 'FLOW_CLOSE id=1' | grep -q 'ab=pkts:2,wire:204,bytes:96,gap:10,retrans:0,ooo:1,'
	# the window ends after 8 segments: a 9th before them is not placed
	[ "$(cat out/2.ab)" = "AAAAAAAAAABBBBBBBBBBCCCCCCCCCCDDDDDDDDDDEEEEEEEEEEFFFFFFFFFFGGGGGGGGGGHHHHHHHHHH" ]
	flowcat < rec | grep 'FLOW_CLOSE id=2' | grep -q 'bytes:80,gap:0,retrans:100,'
}

@test "reasm: tcpflow's test1-out-of-order and test5-lines-randomized: flowsplit's files are tcpflow's" {
	need_corpus
	need_cmd tcpflow
	local c=test1-out-of-order f
	pcapcat -r "$CORPUS/tcpflow/$c.pcap" | reasm | flowname | flowsplit -o out
	tcpflow -r "$CORPUS/tcpflow/$c.pcap" -o tf > /dev/null 2>&1
	f=074.125.019.104.00080-192.168.001.102.50955
	[ "$(ls out)" = "$f" ]
	[ "$(stat -c %s out/$f)" -eq 1483 ]
	cmp out/$f tf/$f
	rm -rf out tf
	c=test5-lines-randomized
	pcapcat -r "$CORPUS/tcpflow/$c.pcap" | reasm | flowname | flowsplit -o out
	tcpflow -r "$CORPUS/tcpflow/$c.pcap" -o tf > /dev/null 2>&1
	f=192.168.010.105.49392-069.163.156.173.00080
	cmp out/$f tf/$f
	# tcpflow takes the server's FIN, first in the file, for a connection
	# of its own (a 6-byte file of zeros): the data is in its c1 file
	f=069.163.156.173.00080-192.168.010.105.49392
	[ "$(stat -c %s out/$f)" -eq 1884 ]
	cmp out/$f tf/${f}c1
}

@test "reasm: a hole never filled is a GAP at the right offset" {
	split "$DATA/reasm-gap.pcap"
	[ "$(cat out/1.ab)" = "AAAAAAAAAACCCCCCCCCC" ]
	[ "$(cat out/gaps.tsv)" = "$(printf '1\t0\t10\t10\t1')" ]
	[ "$(cut -f8 out/flows.tsv)" = 1 ]
}

@test "reasm: keepalives are not data" {
	split "$DATA/reasm-keepalive.pcap"
	[ "$(cat out/1.ab)" = "hello world" ]
	[ "$(wc -l < out/gaps.tsv)" -eq 0 ]
}

@test "reasm: IPv6 out of order and retransmitted" {
	split "$DATA/reasm-ipv6ooo.pcap"
	[ "$(cat out/1.ab)" = "first.....second...." ]
	[ "$(cat out/1.ba)" = "answer" ]
	[ "$(cut -f2 out/flows.tsv)" = 6 ]
}

@test "reasm: idle timeout and flow cap close flows (reasons timeout, evict)" {
	split "$DATA/reasm-idle.pcap"
	[ "$(cut -f8 out/flows.tsv | tr '\n' ' ')" = "4 4 " ]
	rm -rf out
	split "$DATA/reasm-idle.pcap" -t 5
	# flow 1 goes on after 20 s: resumed, the same flow; flow 2 timed out
	[ "$(cut -f8 out/flows.tsv | tr '\n' ' ')" = "4 3 " ]
	[ "$(cat out/1.ab)" = "$(printf 'early\nlate')" ]
	rm -rf out
	# -w 0: nothing remembered, the late data is a new mid-stream flow
	# at offset 0
	split "$DATA/reasm-idle.pcap" -t 5 -w 0
	[ "$(cut -f8 out/flows.tsv | tr '\n' ' ')" = "3 3 4 " ]
	[ "$(cat out/3.ab)" = "late" ]
	rm -rf out
	split "$DATA/reasm-idle.pcap" -n 1
	[ "$(cut -f8 out/flows.tsv | tr '\n' ' ')" = "5 5 4 " ]
}

@test "reasm: STATS record, -v, -k and pass-through" {
	pcapcat -r "$DATA/reasm-rst.pcap" | reasm -v > rec 2> err
	grep -q '^reasm.packets=7$' err
	grep -q '^reasm.flows=1$' err
	grep -q '^reasm.closed.rst=1$' err
	flowcat < rec | grep -q 'STATS "reasm.packets=7'
	# PACKET records are consumed unless -k; other records pass through
	[ "$(flowcat < rec | grep -c ' PACKET ')" -eq 0 ]
	pcapcat -r "$DATA/reasm-rst.pcap" | reasm -k | flowcat > txt
	[ "$(grep -c ' PACKET ' txt)" -eq 7 ]
	pcapcat -r "$DATA/reasm-rst.pcap" | reasm | reasm | flowcat > txt2
	[ "$(grep -c FLOW_OPEN txt2)" -eq 1 ]
}

@test "reasm: garbled record stream exits 3 naming the offset" {
	pcapcat -r "$DATA/reasm-gap.pcap" > rec
	head -c 100 rec > cut
	run reasm < cut
	[ "$status" -eq 3 ]
	[[ "$output" == *"offset"* ]]
	printf 'not a record stream at all' > junk
	run reasm < junk
	[ "$status" -eq 3 ]
	[[ "$output" == *"offset 0"* ]]
}

@test "reasm: usage errors exit 2" {
	run reasm -x
	[ "$status" -eq 2 ]
	[[ "$output" == *"usage: reasm"* ]]
	run reasm -B 0
	[ "$status" -eq 2 ]
	run reasm extra
	[ "$status" -eq 2 ]
}

@test "reasm: tiny buffer cap gives up holes as GAP (reason buffer), nothing lost" {
	split "$DATA/reasm-overlap.pcap" -B 5
	grep -q "	2$" out/gaps.tsv
	# every byte is either delivered or reported
	[ "$(awk '{print $9 + $11}' out/flows.tsv)" -eq 30 ]
}

@test "reasm: hostile captures never crash" {
	need_corpus
	local f
	for f in $(corpus_tagged tcpdump-malformed-input | head -40) \
	    $(corpus_tagged fuzz-regression | head -20); do
		# 4: pcapcat found the capture damaged and its END says so
		rc=0
		pcapcat -r "$FK_CORPUS/$f" 2>/dev/null | reasm > /dev/null 2>&1 || rc=$?
		case $rc in 0|4) ;; *) echo "reasm failed on $f ($rc)"; return 1 ;; esac
	done
}

@test "reasm: TCP header cut by the snaplen still makes a flow (simson.pcap)" {
	# snaplen 40: only the ports of each segment were captured
	split "$DATA/reasm-hdrcut.pcap"
	[ "$(wc -l < out/flows.tsv)" -eq 1 ]
	flowcat < rec | grep FLOW_CLOSE | grep -q 'ab=pkts:3,wire:3162,bytes:0'
	flowcat < rec | grep -q 'reasm.header_cut=3\\nreasm.header_cut_bytes=3000'
	# header whole up to its options: the payload is a hole, a GAP
	rm -rf out
	split "$DATA/reasm-optcut.pcap"
	[ "$(cat out/1.ab)" = "tail" ]
	[ "$(cat out/gaps.tsv)" = "$(printf '1\t0\t0\t100\t3')" ]
	flowcat < rec | grep FLOW_CLOSE | grep -q 'ab=pkts:4,'
}

@test "reasm: simson.pcap (snaplen 40) flows are all there" {
	need_corpus
	pcapcat -r "$CORPUS/tcpflow/simson.pcap" | reasm -v 2> err | flowcat > txt
	grep -q '^reasm.header_cut=303$' err
	[ "$(grep -c FLOW_OPEN txt)" -eq 10 ]
	# every packet is in a flow: 303 packets, 401764 bytes on the wire
	grep FLOW_CLOSE txt | sed 's/.*ab=pkts:\([0-9]*\),wire:\([0-9]*\),.*ba=pkts:\([0-9]*\),wire:\([0-9]*\),.*/\1 \2 \3 \4/' |
	    awk '{ p += $1 + $3; w += $2 + $4 } END { print p, w }' > tot
	[ "$(cat tot)" = "303 401764" ]
}

@test "reasm: a timestamp of 0 is data: no flow split by the clock jump" {
	split "$DATA/reasm-ts0.pcap"
	[ "$(wc -l < out/flows.tsv)" -eq 2 ]
	[ "$(cat out/1.ab)" = "at zero;later" ]
	[ "$(cut -f8 out/flows.tsv | tr '\n' ' ')" = "4 4 " ]
	flowcat < rec | grep -q 'FLOW_OPEN id=1 ts=1970-01-01T00:00:00.000000000Z'
}

@test "reasm: a bare ACK on an unknown 4-tuple opens a mid-stream flow and is counted" {
	split "$DATA/reasm-bareack.pcap"
	[ "$(wc -l < out/flows.tsv)" -eq 1 ]
	# sides are decided by the first packet that can: the request
	flowcat < rec | grep FLOW_OPEN | grep -q '10.0.0.1:40000 > 10.0.0.2:80 opener=midstream'
	flowcat < rec | grep FLOW_OPEN | grep -q 'ts=2023-11-14T22:13:20.001000000Z'
	flowcat < rec | grep FLOW_CLOSE | grep -q 'ab=pkts:2,wire:115,.*ba=pkts:2,wire:116,'
	[ "$(cat out/1.ab)" = "request" ]
	[ "$(cat out/1.ba)" = "response" ]
	! flowcat < rec | grep -q no_flow
}

@test "reasm: retransmitted bytes that differ from the delivered ones are an OVERLAP (-R)" {
	split "$DATA/reasm-retrans.pcap"
	[ "$(cat out/1.ab)" = "0123456789abcdefghijklmno" ]
	flowcat < rec | grep OVERLAP > ovl
	# same-data retransmission and keepalive: nothing; differing: the
	# rejected bytes at their offsets, the first copy still wins
	[ "$(wc -l < ovl)" -eq 2 ]
	grep -q 'off=12 len=3 rejected="CDE"' ovl
	grep -q 'off=17 len=3 rejected="HIJ"' ovl
	flowcat < rec | grep -q 'reasm.retrans_unchecked=0'
	# without history: no OVERLAP, the bytes are counted as unchecked
	pcapcat -r "$DATA/reasm-retrans.pcap" | reasm -R 0 -v 2> err > rec0
	[ "$(flowcat < rec0 | grep -c OVERLAP)" -eq 0 ]
	grep -q '^reasm.retrans_unchecked=16$' err
	# a history smaller than the distance: only what it holds is compared
	pcapcat -r "$DATA/reasm-retrans.pcap" | reasm -R 8 | flowcat > txt
	grep -q 'OVERLAP.*off=12 len=3 rejected="CDE"' txt
	grep -q 'retrans_unchecked=10' txt
	# -M bounds histories too: dropped first, nothing lost
	pcapcat -r "$DATA/reasm-retrans.pcap" | reasm -M 1 | flowcat > txt
	[ "$(grep -c OVERLAP txt)" -eq 0 ]
	grep -q 'DATA.*"klmno"' txt
}

@test "reasm: the PPPoE session length bounds the datagram: padding is not data" {
	split "$DATA/reasm-pppoepad.pcap"
	[ "$(cat out/1.ba)" = "hello world" ]
	[ "$(flowcat < rec | grep -c OVERLAP)" -eq 0 ]
	[ "$(wc -l < out/gaps.tsv)" -eq 0 ]
}

@test "reasm: IPv4 and IPv6 fragments are reassembled; overlapping fragments: first copy wins" {
	split "$DATA/reasm-frag4.pcap" -v 2> err
	# the fragment first seen carried XXXXXXXX over its last 8 bytes
	# (TCP data 52..59)
	python3 - out/1.ab <<'PY'
import sys
d = bytearray(bytes(range(65, 91)) * 4)
d[52:60] = b"XXXXXXXX"
assert open(sys.argv[1], "rb").read() == bytes(d), open(sys.argv[1], "rb").read()
PY
	[ "$(cat out/1.ba)" = ok ]
	grep -q '^reasm.frag.datagrams=1$' err
	grep -q '^reasm.frag.overlap_differ=1$' err
	rm -rf out
	split "$DATA/reasm-frag6.pcap" -v 2> err
	python3 - out/1.ab <<'PY'
import sys
d = bytearray(bytes(range(65, 91)) * 4)
d[68:76] = b"XXXXXXXX"
assert open(sys.argv[1], "rb").read() == bytes(d), open(sys.argv[1], "rb").read()
PY
	grep -q '^reasm.frag.datagrams=1$' err
	# the late copy of a fragment of a completed datagram is counted
	grep -q '^reasm.frag.dropped_fragments=1$' err
}

@test "reasm: PcapPlusPlus frag_http_req: the reassembled request is byte-exact" {
	need_corpus
	split "$CORPUS/$PPP/frag_http_req.pcap"
	python3 - "$CORPUS/$PPP/frag_http_req_reassembled.txt" out/1.ab <<'PY'
import re, sys
want = bytes.fromhex(re.sub(r"[^0-9a-fA-F]", "", open(sys.argv[1]).read()))
got = open(sys.argv[2], "rb").read()
assert len(got) == 1460 and want[54:] == got, (len(got), len(want))
PY
}

@test "reasm: a RST outside the receive window is ignored and counted; one inside closes" {
	split "$DATA/reasm-rstwin.pcap" -v 2> err
	[ "$(wc -l < out/flows.tsv)" -eq 1 ]
	[ "$(cat out/1.ba)" = "part one;part two" ]
	[ "$(wc -l < out/gaps.tsv)" -eq 0 ]
	[ "$(cut -f8 out/flows.tsv)" = 2 ]
	grep -q '^reasm.rst_ignored=1$' err
	# window scaling: 1000 << 7 takes a RST 100000 bytes ahead, not 200000
	rm -rf out
	split "$DATA/reasm-rstscale.pcap" -v 2> err
	[ "$(cat out/1.ba)" = "answer more" ]
	[ "$(cut -f8 out/flows.tsv)" = 2 ]
	grep -q '^reasm.rst_ignored=1$' err
	# the ignored RST counts as a packet, not as the flow's last one
	flowcat < rec | grep FLOW_CLOSE | grep -q 'ab=pkts:5,'
}

@test "reasm: a SYN with a new ISN injected mid-connection is ignored: no new flow, no GAP" {
	split "$DATA/reasm-syninject.pcap" -v 2> err
	[ "$(wc -l < out/flows.tsv)" -eq 1 ]
	[ "$(cat out/1.ba)" = "first half;second half" ]
	[ "$(wc -l < out/gaps.tsv)" -eq 0 ]
	[ "$(cut -f8 out/flows.tsv)" = 1 ]
	grep -q '^reasm.syn_ignored=1$' err
	grep -q '^reasm.port_reuse=0$' err
}

@test "reasm: port reuse whose old connection's end was not captured: the SYN-ACK confirms it" {
	split "$DATA/reasm-synconfirm.pcap" -v 2> err
	[ "$(wc -l < out/flows.tsv)" -eq 2 ]
	[ "$(cat out/1.ab)" = "first connection" ]
	[ "$(cat out/2.ab)" = "second connection" ]
	[ "$(cat out/2.ba)" = "reply two" ]
	[ "$(cut -f8 out/flows.tsv | tr '\n' ' ')" = "6 1 " ]
	grep -q '^reasm.port_reuse=1$' err
	! grep -q syn_ignored err
	flowcat < rec > txt
	# the new flow starts at its SYN, which counts there, not in the old one
	grep 'FLOW_OPEN id=2 ts=2023-11-14T22:13:25.006000000Z ' txt |
	    grep 'opener=syn' | grep -q reused
	grep 'FLOW_CLOSE id=1' txt | grep -q 'ts=2023-11-14T22:13:20.005000000Z ab=pkts:3,'
	grep 'FLOW_CLOSE id=2' txt | grep -q 'ab=pkts:5,'
	# one direction, a FIN, then a SYN past the old sequence space: new
	rm -rf out
	split "$DATA/reasm-syntimewait.pcap" -v 2> err
	[ "$(wc -l < out/flows.tsv)" -eq 2 ]
	[ "$(cat out/2.ab)" = "second connection" ]
	grep -q '^reasm.port_reuse=1$' err
}

@test "reasm: per-packet time does not grow with what is buffered (fragment flood, segments in front)" {
	# 20000 never-completed first fragments (4096 pending datagrams),
	# and 20000 segments landing in front of 4095 buffered ones, against
	# as many packets of one in-order flow: were 30x and 14x, now ~1-2x;
	# CPU time (user + sys), the reference at least 0.05 s, bound 5x
	local m t
	for m in inorder fragflood front; do
		python3 "$LIB/gen-flows.py" $m 20000 $m.pcap
		pcapcat -r $m.pcap > $m.fk
		python3 - $m.fk > $m.t <<'PY'
import os, resource, subprocess, sys
best = None
for _ in range(3):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(sys.argv[1], "rb") as f:
        subprocess.run(["reasm"], stdin=f, stdout=subprocess.DEVNULL, check=True)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    best = t if best is None else min(best, t)
print("%.4f" % best)
PY
	done
	for m in fragflood front; do
		t=$(awk -v a="$(cat $m.t)" -v b="$(cat inorder.t)" \
		    'BEGIN { if (b < 0.05) b = 0.05; printf "%.2f", a / b }')
		echo "$m: $(cat $m.t) s, in-order $(cat inorder.t) s: ${t}x"
		awk -v x="$t" 'BEGIN { exit !(x < 5) }'
	done
	# the same streams as before: every fragment counted, nothing lost
	reasm -v < fragflood.fk 2>&1 >/dev/null | grep -q '^reasm.frag.dropped=20000$'
	reasm < front.fk | flowcat | grep FLOW_CLOSE | grep -q 'ab=pkts:24097,.*bytes:24095,gap:9984094,'
}

@test "reasm: tenants with one inner 4-tuple in VXLAN 100, VXLAN 200 and GRE stay three flows" {
	split "$DATA/reasm-tun-tenants.pcap"
	[ "$(wc -l < out/flows.tsv)" -eq 3 ]
	[ "$(cat out/1.ab)" = "tenant one" ]
	[ "$(cat out/2.ab)" = "tenant two" ]
	[ "$(cat out/3.ab)" = "tenant gre" ]
	[ "$(cat out/3.ba)" = "reply gre" ]
	python3 "$LIB/fkrec.py" dump rec | grep FLOW_OPEN > opens
	cat opens
	# FLOW_OPEN's tunnel extension: type, id, outer addresses of A, B
	grep -c "tunnel={type=4,.*a='192.0.2.1',b='192.0.2.2'}" opens |
	    grep -qx 2
	grep -q "flow=3 .*tunnel={type=2,.*a='198.51.100.1',b='198.51.100.2'}" opens
	[ "$(grep -o 'id=[0-9]*' opens | sort -u | wc -l)" -eq 3 ]
	pcapcat -r "$DATA/reasm-tun-tenants.pcap" | reasm |
	    flowcat -f records | grep -q 'tunnel=vxlan/.* outer=192.0.2.1>192.0.2.2'
}

@test "reasm: at most 4 tunnels deep; deeper packets are counted" {
	pcapcat -r "$DATA/reasm-tun-depth.pcap" | reasm -v > rec 2> err
	cat err
	grep -qx 'reasm.flows=1' err
	grep -qx 'reasm.skipped.tunnel_depth=8' err
	python3 "$LIB/fk2files.py" out < rec
	[ "$(cat out/1.ab)" = "four deep" ]
}

@test "reasm: AH is skipped, IPComp payloads are counted (libpcap AH-IPcomp)" {
	need_corpus
	pcapcat -r "$CORPUS/libpcap/AH-IPcomp-IPv4.pcap" | reasm -v \
	    > /dev/null 2> err
	grep -qx 'reasm.tcp=6' err
	grep -qx 'reasm.skipped.ipcomp=4' err
	pcapcat -r "$CORPUS/libpcap/AH-IPcomp-IPv6.pcap" | reasm -v \
	    > /dev/null 2> err
	grep -qx 'reasm.tcp=8' err
	grep -qx 'reasm.skipped.ipcomp=7' err
}

@test "reasm: an unknown link type is named once on stderr and counted per type" {
	pcapcat -r "$DATA/reasm-tun-linktype.pcap" | reasm -v > /dev/null 2> err
	cat err
	[ "$(grep -c 'LINKTYPE 147' err)" -eq 1 ]
	grep -qx 'reasm.skipped.linktype=2' err
	grep -qx 'reasm.skipped.linktype.147=2' err
}

@test "reasm: NFLOG, ARCnet, IPoIB, FDDI and Juniper captures give their streams" {
	need_corpus
	local c n
	for c in zeek/nflog-http.pcap:1 tcpdump/arcnet-rfc1051-arp-icmp-http.pcap:1 \
	    tcpdump/arcnet-rfc1201-arp-icmp-http.pcap:1 tcpdump/ipoib.pcap:1 \
	    zeek/dns-inverse-query.pcap:1 tcpdump/bgp-aigp.pcap:1; do
		n=${c##*:}
		pcapcat -r "$CORPUS/${c%:*}" | reasm -v > /dev/null 2> err
		grep -q "^reasm.flows=[$n-9]" err || { echo "$c"; cat err; false; }
		if grep -q skipped.linktype err; then false; fi
	done
}

@test "reasm: a side re-bases on a new SYN+ACK before it sent anything, never on a bare FIN (issue #12.3)" {
	# the server: a FIN with sequence number 0, a SYN+ACK, another with
	# a new ISN (the client acknowledges that one), data, the first
	# SYN+ACK again (ignored), data: no hole
	split "$DATA/reasm-rebase.pcap" -v 2> err
	[ "$(wc -l < out/flows.tsv)" -eq 1 ]
	[ "$(cat out/1.ab)" = "request" ]
	[ "$(cat out/1.ba)" = "response one;two" ]
	[ "$(wc -l < out/gaps.tsv)" -eq 0 ]
	[ "$(cut -f8 out/flows.tsv)" = 1 ]
	grep -qx 'reasm.syn_ignored=1' err
}

@test "reasm: suricata-verify bug-3286 and tcp-fastopen-10: no leading hole from a stale ISN" {
	need_corpus
	local c
	for c in bug-3286-02-linux-evasion/with_evasion_linux.pcap \
	    bug-3286-03-windows-evasion/with_evasion_windows.pcap \
	    tcp-fastopen-10-syn-data-ignore/input.pcap; do
		pcapcat -r "$CORPUS/suricata-verify/$c" | reasm -v 2> err > /dev/null
		grep -qx 'reasm.flows=1' err || { echo "$c"; cat err; false; }
		grep -qx 'reasm.gap_bytes=0' err || { echo "$c"; cat err; false; }
	done
}

@test "reasm: retransmissions after a closed flow lingered are counted, not a new flow (-w, issue #12.4)" {
	# 5 s after both FINs: the client's FIN, the server's data, an ACK
	# again; 100 s later, data far past the old sequence space
	split "$DATA/reasm-timewait.pcap" -v 2> err
	[ "$(wc -l < out/flows.tsv)" -eq 2 ]
	[ "$(cat out/1.ab)" = request ]
	[ "$(cat out/1.ba)" = response ]
	[ "$(cat out/2.ab)" = unrelated ]
	[ "$(cut -f8 out/flows.tsv | tr '\n' ' ')" = "1 4 " ]
	grep -qx 'reasm.closed_late_packets=3' err
	grep -qx 'reasm.closed_late_bytes=8' err
	grep -qx 'reasm.retrans_bytes=8' err
	# -w 0: the retransmissions open a mid-stream flow
	rm -rf out
	split "$DATA/reasm-timewait.pcap" -w 0 -v 2> err
	[ "$(wc -l < out/flows.tsv)" -eq 2 ]
	[ "$(cat out/2.ab)" = response ]
	! grep -q closed_late err
	# the cap: one flow remembered at most, the older forgotten
	pcapcat -r "$DATA/reasm-resume.pcap" | reasm -w 1 -v 2>&1 >/dev/null |
	    grep -qx 'reasm.closed_forgotten=2'
}

@test "reasm: a flow idle past -t resumes if its sequence numbers go on; a SYN or another sequence starts a new one (issue #12.5)" {
	# flow 40001 goes on after 400 s, after a 5-byte hole; 40002 with a
	# sequence number 1 GiB away; 40003 with a new SYN
	split "$DATA/reasm-resume.pcap" -v 2> err
	grep -qx 'reasm.resumed=1' err
	[ "$(cut -f1,4,8 out/flows.tsv | tr '\t\n' ': ')" = "1:40001:1 2:40002:3 3:40003:3 4:40002:4 5:40003:4 " ]
	[ "$(cat out/1.ab)" = "early;late" ]
	[ "$(cat out/1.ba)" = "reply;again" ]
	[ "$(cat out/gaps.tsv)" = "$(printf '1\t0\t6\t5\t1')" ]
	[ "$(cat out/4.ab)" = other ]
	[ "$(cat out/5.ab)" = second ]
	# the resumed flow keeps its file names: no c1 for 40001
	pcapcat -r "$DATA/reasm-resume.pcap" | reasm | flowname | flowsplit -o fs
	ls fs > names
	cat names
	[ "$(grep -c 40001 names)" -eq 2 ]
	! grep 40001 names | grep -q c1
	grep -q '40002-010.000.000.002.00080c1$' names
	grep -q '40003-010.000.000.002.00080c1$' names
	[ "$(head -c 6 fs/010.000.000.001.40001-010.000.000.002.00080)" = "early;" ]
	[ "$(tail -c 4 fs/010.000.000.001.40001-010.000.000.002.00080)" = late ]
}

@test "reasm: of13_ericsson's 18 idle directions resume: flowsplit's files are tcpflow's" {
	need_corpus
	need_cmd tcpflow
	local f
	pcapcat -r "$CORPUS/tcpdump/of13_ericsson.pcapng" | reasm | flowname |
	    flowsplit -o fs
	tcpflow -r "$CORPUS/tcpdump/of13_ericsson.pcapng" -o tf > /dev/null 2>&1
	rm -f tf/report.xml
	diff <(ls tf) <(ls fs)
	for f in tf/*; do
		cmp "$f" "fs/${f#tf/}"
	done
}

@test "reasm: jumps of 1.9 GB past the 2^32 wrap, ACKed ahead of the data, while holes wait: bytes and gaps as tshark's" {
	# zeek's sampled FTP bigtransfer in small: the server's data at
	# offsets 0, 1.9e9, 3.8e9, 5.7e9, 7.6e9, each ACKed by the client
	# before it comes, 0.5 s apart; tshark follow gives 8 and 34 bytes
	# with 1899999995 + 3 * 1899999994 bytes missing
	split "$DATA/reasm-wrapjump.pcap" -v 2> err
	[ "$(cat out/1.ab)" = "RETR big" ]
	[ "$(cat out/1.ba)" = "start;chunk1;chunk2;chunk3;chunk4;" ]
	[ "$(cut -f3,4 out/gaps.tsv | tr '\t\n' ': ')" = "6:1899999995 1900000008:1899999994 3800000009:1899999994 5700000010:1899999994 " ]
	grep -qx 'reasm.gap_bytes=7599999977' err
	grep -qx 'reasm.retrans_bytes=0' err
}
