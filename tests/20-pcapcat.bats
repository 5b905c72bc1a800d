#!/usr/bin/env bats
# pcapcat(1): capture files (pcap, pcapng, gzip) and live capture to a
# record stream.  Counts are checked against the corpus MANIFEST
# (capinfos), timestamps and bytes against tcpdump and tshark.
load helper

# npk: PACKET records in the record stream on stdin.
npk() {
	python3 "$LIB/fkrec.py" count | awk '$1 == "PACKET" { n = $2 } END { print n + 0 }'
}

# manifest_packets PATH: the `packets` column for a corpus path.
manifest_packets() {
	awk -F'\t' -v p="$1" '$1 == p { print $9 }' "$FK_CORPUS/MANIFEST.tsv"
}

# same_as_tcpdump FILE [pcapcat args]: every packet's ns timestamp, wire
# length and captured bytes equal what tcpdump prints (libpcap's reader).
same_as_tcpdump() {
	local f="$1"
	shift
	pcapcat "$@" > out.fk
	case "$f" in
	*.gz) zcat "$f" | tcpdump -r - -n -tt --time-stamp-precision=nano -xx > td.txt 2>/dev/null ;;
	*) tcpdump -r "$f" -n -tt --time-stamp-precision=nano -xx > td.txt 2>/dev/null ;;
	esac
	python3 - <<'PY'
import sys
sys.path.insert(0, __import__("os").environ["LIB"])
from fkrec import records
want, cur = [], None
for line in open("td.txt"):
    if line.startswith("\t0x"):
        cur[1].append(bytes.fromhex("".join(line.split(":", 1)[1].split()[:8])))
    else:
        s, ns = line.split()[0].split(".")
        cur = [int(s) * 10**9 + int(ns), []]
        want.append(cur)
got = [f for n, f in records(open("out.fk", "rb")) if n == "PACKET"]
assert len(got) == len(want) > 0, (len(got), len(want))
for i, (g, (ts, chunks)) in enumerate(zip(got, want)):
    assert g["ts"] == ts, (i, g["ts"], ts)
    assert g["data"] == b"".join(chunks), (i, "bytes differ")
PY
}

@test "every corpus capture: exit 0 or 3, no crash, packet count = MANIFEST" {
	need_corpus
	# One process for all 1,414 captures: see the script for the rules
	# and the three files where tshark reads a damaged file differently.
	run python3 "$LIB/pcapcat-corpus.py" "$FK_CORPUS/MANIFEST.tsv" "$FK_CORPUS"
	echo "$output" | tail -20
	[ "$status" -eq 0 ]
}

@test "classic pcap: little/big endian, micro/nanoseconds: timestamps and bytes = tcpdump" {
	need_corpus
	need_cmd tcpdump
	same_as_tcpdump "$CORPUS/tcpflow/flow_test.pcap" -r "$CORPUS/tcpflow/flow_test.pcap"
	same_as_tcpdump "$CORPUS/tcpdump/isup.pcap" -r "$CORPUS/tcpdump/isup.pcap"
	same_as_tcpdump "$CORPUS/tcpdump/unaligned-nfs-1.pcap" -r "$CORPUS/tcpdump/unaligned-nfs-1.pcap"
	same_as_tcpdump "$CORPUS/tcpdump/tcp-handshake-nano.pcap" -r "$CORPUS/tcpdump/tcp-handshake-nano.pcap"
	same_as_tcpdump "$CORPUS/pcapplusplus/PcapExamples/nanosecs.pcap" -r "$CORPUS/pcapplusplus/PcapExamples/nanosecs.pcap"
}

@test "pcapng: if_tsresol, several interfaces, obsolete packet blocks, gzip: = tcpdump" {
	need_corpus
	need_cmd tcpdump
	for f in zeek/pcapng-multi-interface.pcapng zeek/ldap/issue-32.pcapng \
	    scapy/pfcp.pcap tcpdump/icmp-length-zero.pcapng \
	    scapy/http_head.pcapng.gz scapy/dcerpc_msnrpc.pcapng.gz \
	    scapy/http_tcp_psh.pcap.gz; do
		same_as_tcpdump "$CORPUS/$f" -r "$CORPUS/$f" || { echo "$f"; return 1; }
	done
}

@test "pcapng interfaces: ifindex and link type per packet as tshark sees them" {
	need_corpus
	need_cmd tshark
	for f in pcapplusplus/PcapExamples/many_interfaces-1.pcapng \
	    pcapplusplus/PcapExamples/pcapng-example.pcapng \
	    pcapplusplus/PacketExamples/ldap.pcapng zeek/pcapng-multi-interface.pcapng; do
		tshark -r "$CORPUS/$f" -T fields -e frame.interface_id 2>/dev/null > want
		pcapcat -r "$CORPUS/$f" | python3 "$LIB/fkrec.py" dump |
			sed -n 's/^PACKET .* ifindex=\([0-9]*\) .*/\1/p' > got
		cmp want got || { echo "$f"; return 1; }
	done
	# many_interfaces-1: 62 Ethernet packets on interface 0, 2 null (BSD
	# loopback) packets on interface 10.
	pcapcat -r "$CORPUS/pcapplusplus/PcapExamples/many_interfaces-1.pcapng" |
		python3 "$LIB/fkrec.py" dump | awk '/^PACKET/ { print $3, $5 }' |
		sort | uniq -c | awk '{ print $1, $2, $3 }' > got
	printf '2 linktype=0 ifindex=10\n62 linktype=1 ifindex=0\n' > want
	diff want got
}

@test "pcapng crafted: power-of-2 if_tsresol, if_tsoffset, big-endian, SPB, unknown blocks" {
	python3 - <<'PY'
import struct
def blk(t, body, e=">"):
    body += b"\0" * (-len(body) % 4)
    n = len(body) + 12
    return struct.pack(e + "II", t, n) + body + struct.pack(e + "I", n)
def opt(code, val, e=">"):
    return struct.pack(e + "HH", code, len(val)) + val + b"\0" * (-len(val) % 4)
pkt = bytes(range(64))
for e, name in ((">", "be.pcapng"), ("<", "le.pcapng")):
    shb = blk(0x0a0d0d0a, struct.pack(e + "IHHq", 0x1a2b3c4d, 1, 0, -1) +
              opt(4, b"crafted", e) + opt(0, b"", e), e)
    # if 0: ts in 2^-10 s, offset 1000 s; if 1: 10^-3 s, snaplen 20
    idb0 = blk(1, struct.pack(e + "HHI", 1, 0, 0) + opt(9, b"\x8a", e) +
               opt(14, struct.pack(e + "q", 1000), e) + opt(0, b"", e), e)
    idb1 = blk(1, struct.pack(e + "HHI", 101, 0, 20) + opt(9, b"\x03", e), e)
    unk = blk(0x0badcafe, b"ignored block" * 3, e)
    isb = blk(5, struct.pack(e + "IIIx", 0, 0, 0), e)
    # EPB on if 0: ts = 3 * 1024 + 512 units = 3.5 s (+1000 s offset)
    epb0 = blk(6, struct.pack(e + "IIIII", 0, 0, 3 * 1024 + 512, 64, 100) + pkt, e)
    epb1 = blk(6, struct.pack(e + "IIIII", 1, 0, 1234567, 20, 64) + pkt[:20], e)
    pb = blk(2, struct.pack(e + "HHIIII", 1, 0, 0, 42, 10, 10) + pkt[:10], e)
    spb = blk(3, struct.pack(e + "I", 64) + pkt, e)
    # a second section: interface numbering goes on (2), ids restart at 0
    shb2 = blk(0x0a0d0d0a, struct.pack(e + "IHHq", 0x1a2b3c4d, 1, 0, -1), e)
    idb2 = blk(1, struct.pack(e + "HHI", 113, 0, 0) + opt(9, b"\x09", e), e)
    epb2 = blk(6, struct.pack(e + "IIIII", 0, 1, 5, 16, 16) + pkt[:16], e)
    open(name, "wb").write(shb + idb0 + unk + idb1 + isb + epb0 + epb1 +
                           pb + spb + shb2 + idb2 + epb2)
PY
	for f in be.pcapng le.pcapng; do
		run pcapcat -r $f
		[ "$status" -eq 0 ]
		pcapcat -r $f | python3 "$LIB/fkrec.py" dump | cut -d' ' -f1-6 > got
		cat > want <<-'EOF'
		PACKET ts=1003500000000 linktype=1 origlen=100 ifindex=0 caplen=64
		PACKET ts=1234567000000 linktype=101 origlen=64 ifindex=1 caplen=20
		PACKET ts=42000000 linktype=101 origlen=10 ifindex=1 caplen=10
		PACKET ts=42000000 linktype=1 origlen=64 ifindex=0 caplen=64
		PACKET ts=4294967301 linktype=113 origlen=16 ifindex=2 caplen=16
		STATS text='pcapcat.packets=5\npcapcat.filtered=0\npcapcat.damaged_files=0\n'
		END status=0 code=0 text=''
		EOF
		diff want got
	done
	# tshark agrees on the timestamps it gives (none for the SPB).
	if command -v tshark >/dev/null; then
		tshark -r be.pcapng -T fields -e frame.time_epoch 2>/dev/null > ts
		[ "$(sed -n 1p ts)" = "1003.500000000" ]
		[ "$(sed -n 2p ts)" = "1234.567000000" ]
		[ "$(sed -n 5p ts)" = "4.294967301" ]
	fi
}

@test "gzip: compressed and plain give the same stream; damaged gzip is exit 3" {
	need_corpus
	f="$CORPUS/zeek/http/get-gzip.pcap"
	pcapcat -r "$f" > plain.fk
	gzip -c "$f" > get.pcap.gz
	pcapcat -r get.pcap.gz > gz.fk
	cmp plain.fk gz.fk
	pcapcat -r - < get.pcap.gz > stdin.fk
	cmp plain.fk stdin.fk
	# cut the gzip file short: the packets before the cut, then exit 3
	head -c $(( $(stat -c %s get.pcap.gz) - 30 )) get.pcap.gz > cut.gz
	run pcapcat -r cut.gz
	[ "$status" -eq 3 ]
	[[ "$output" == *"cut.gz: offset "* ]]
	n=$(pcapcat -r cut.gz 2>/dev/null | npk)
	[ "$n" -gt 0 ] && [ "$n" -lt "$(pcapcat -r "$f" | npk)" ]
	# corrupt the deflate data
	python3 -c '
d = bytearray(open("get.pcap.gz", "rb").read())
for i in range(200, 260): d[i] ^= 0x5a
open("bad.gz", "wb").write(d)'
	run pcapcat -r bad.gz
	[ "$status" -eq 3 ]
	[[ "$output" == *"bad.gz: offset "* ]]
}

@test "stdin: default and -r - give the same stream as -r FILE" {
	need_corpus
	f="$CORPUS/tcpflow/flow_test.pcap"
	pcapcat -r "$f" > a.fk
	pcapcat < "$f" > b.fk
	pcapcat -r - < "$f" > c.fk
	cmp a.fk b.fk
	cmp a.fk c.fk
	[ "$(npk < a.fk)" = "$(manifest_packets pcaps/tcpflow/flow_test.pcap)" ]
}

# no_end_text: the stream on stdin with its END record's text dropped.
no_end_text() {
	python3 -c '
import sys; sys.path.insert(0, sys.argv[1]); from fkrec import *
o = sys.stdout.buffer
o.write(stream_header(2))
for t, f, b in read_records(sys.stdin.buffer):
    o.write(record(t, b[:8] if t == END_REC else b, f))
' "$LIB"
}

@test "files are read in place (mmap): the same records and exit status as through a pipe" {
	need_corpus
	# a spread of formats and damage: every 25th capture of the manifest
	awk -F'\t' 'NR > 1 && NR % 25 == 0 { print $1 }' "$FK_CORPUS/MANIFEST.tsv" > list
	[ "$(wc -l < list)" -gt 40 ]
	while read -r p; do
		f="$FK_CORPUS/$p"
		rc1=0 rc2=0
		pcapcat -r "$f" > mapped.fk 2>/dev/null || rc1=$?
		cat "$f" | pcapcat > piped.fk 2>/dev/null || rc2=$?
		[ "$rc1" = "$rc2" ] || { echo "$p: exit $rc1 mapped, $rc2 piped"; false; }
		# the same but for the file's name in a damage message (END)
		cmp <(no_end_text < mapped.fk) <(no_end_text < piped.fk) ||
			{ echo "$p: streams differ"; false; }
	done < list
	# -s and -c on a mapped file
	f="$CORPUS/tcpflow/flow_test.pcap"
	cmp <(pcapcat -s 60 -c 5 -r "$f" > out.fk; cat out.fk) <(cat "$f" | pcapcat -s 60 -c 5)
	# into a pipe, references: the same records once their bytes are in
	cmp <(pcapcat -s 60 -c 5 -r "$f" | flowcat -f inline) <(cat "$f" | pcapcat -s 60 -c 5)
}

@test "stdin a file read past a prefix: read from its offset, as through a pipe" {
	f="$DATA/reasm-gap.pcap"
	for n in 1 234 4096 5000; do
		{ head -c $n /dev/zero; cat "$f"; } > in.bin
		tail -c +$((n + 1)) in.bin | pcapcat > piped.fk
		{ dd bs=$n count=1 of=/dev/null 2>/dev/null; pcapcat > file.fk; } < in.bin
		cmp piped.fk file.fk || { echo "prefix of $n bytes"; false; }
		{ dd bs=$n count=1 of=/dev/null 2>/dev/null; pcapcat -r - > file.fk; } < in.bin
		cmp piped.fk file.fk
	done
	[ "$(npk < piped.fk)" -gt 0 ]
	cmp piped.fk <(pcapcat -r "$f" | flowcat -f inline)
}

@test "a file that shrinks while being read, in place or by reference: exit 1 with a message, no crash" {
	python3 - <<'PY'
import struct
with open("orig.pcap", "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    pkt = bytes(300)
    for i in range(100000):
        f.write(struct.pack("<IIII", i, 0, len(pkt), len(pkt)) + pkt)
PY
	# -R: read in place (mapped); else read with read(2), the packets
	# references.  The pipe fills and pcapcat waits; then the file shrinks.
	for opt in -R ""; do
		cp orig.pcap big.pcap
		{ r=0; pcapcat $opt -r big.pcap 2>err || r=$?; echo $r > rc; } |
			{ sleep 1; cat > /dev/null; } &
		p=$!
		sleep 0.3
		truncate -s 100000 big.pcap
		wait "$p"	# not a bare wait: bats' timeout watchdog is a job too
		cat err
		[ "$(cat rc)" = 1 ]
		grep -q 'big.pcap: .*the file shrank while being read' err
	done
}

@test "several -r: all packets in order, ifindex = file index << 16 | interface" {
	need_corpus
	a="$CORPUS/tcpflow/flow_test.pcap"
	b="$CORPUS/zeek/pcapng-multi-interface.pcapng"
	pcapcat -r "$a" -r "$b" -r "$a" | python3 "$LIB/fkrec.py" dump |
		sed -n 's/^PACKET .* ifindex=\([0-9]*\) .*/\1/p' | uniq -c |
		awk '{ print $1, $2 }' > got
	printf '24 0\n2 65536\n4 65537\n24 131072\n' > want
	diff want got
}

@test "damaged files: output up to the damage, 'FILE: offset N:' message, exit 3, next files still read" {
	need_corpus
	f="$CORPUS/tcpflow/flow_test.pcap"
	# cut inside the 10th packet's data
	off=$(python3 -c '
import struct
d = open("'"$f"'", "rb").read(); o = 24
for i in range(9): o += 16 + struct.unpack_from("<I", d, o + 8)[0]
print(o + 20)')
	head -c "$off" "$f" > cut.pcap
	run pcapcat -r cut.pcap
	[ "$status" -eq 3 ]
	[[ "$output" == "pcapcat: cut.pcap: offset "*": file ends inside a packet"* ]]
	pcapcat -r cut.pcap -r "$f" 2>err > out.fk || [ $? -eq 3 ]
	[ "$(npk < out.fk)" -eq $((9 + 24)) ]
	python3 "$LIB/fkrec.py" dump < out.fk | grep -q 'damaged_files=1'
	grep -q "offset $((off - 20)): file ends inside a packet" err
	# the record stream itself is complete: it ends with the STATS record
	python3 "$LIB/fkrec.py" dump < out.fk | tail -2 | head -1 | grep -q "^STATS"
	# impossible length in a pcap record header
	python3 -c '
import struct
d = bytearray(open("'"$f"'", "rb").read())
struct.pack_into("<I", d, 24 + 8, 0x7fffffff)
open("huge.pcap", "wb").write(d)'
	run pcapcat -r huge.pcap
	[ "$status" -eq 3 ]
	[[ "$output" == *"huge.pcap: offset 24: packet claims 2147483647 captured bytes"* ]]
}

@test "damaged corpus files: truncated, corrupt, fuzz regressions, invalid versions" {
	need_corpus
	for t in truncated corrupt; do
		run python3 "$LIB/pcapcat-corpus.py" "$FK_CORPUS/MANIFEST.tsv" "$FK_CORPUS" "$t"
		echo "$output" | tail -5
		[ "$status" -eq 0 ]
	done
	for f in "$CORPUS"/pcapplusplus/fuzz_regression_samples/* \
	    "$CORPUS"/libpcap/pcap-invalid-version-*.pcap \
	    "$CORPUS"/libpcap/pcapng-invalid-vers-*.pcapng \
	    "$CORPUS"/libpcap/shb-option-too-long.pcapng \
	    "$CORPUS"/libpcap/linktype-reserved-field-not-zero.pcap; do
		run pcapcat -r "$f"
		[ "$status" -eq 0 ] || [ "$status" -eq 3 ] || { echo "$f: $status"; return 1; }
	done
	for f in "$CORPUS"/libpcap/pcap-invalid-version-*.pcap \
	    "$CORPUS"/libpcap/pcapng-invalid-vers-*.pcapng \
	    "$CORPUS"/libpcap/shb-option-too-long.pcapng \
	    "$CORPUS"/libpcap/linktype-reserved-field-not-zero.pcap; do
		run pcapcat -r "$f"
		[ "$status" -eq 3 ] || { echo "$f: $status"; return 1; }
		[[ "$output" == *": offset "* ]]
	done
	# pcap 2.5: read like 2.4 (as tshark does), but reported as damaged
	n=$(pcapcat -r "$CORPUS/libpcap/pcap-invalid-version-2.pcap" 2>/dev/null | npk)
	[ "$n" -eq "$(manifest_packets pcaps/libpcap/pcap-invalid-version-2.pcap)" ]
}

@test "empty, short and unknown input: exit 3; missing file: exit 1; bad usage: exit 2" {
	: > empty.pcap
	run pcapcat -r empty.pcap
	[ "$status" -eq 3 ]
	[[ "$output" == *"empty.pcap: offset 0: empty file"* ]]
	printf '\xd4\xc3' > short.pcap
	run pcapcat -r short.pcap
	[ "$status" -eq 3 ]
	echo "hello, world, this is text" > text.pcap
	run pcapcat -r text.pcap
	[ "$status" -eq 3 ]
	[[ "$output" == *"text.pcap: offset 0: not a pcap or pcapng file"* ]]
	run pcapcat -r no-such-file.pcap
	[ "$status" -eq 1 ]
	[[ "$output" == *"no-such-file.pcap"* ]]
	run pcapcat -x
	[ "$status" -eq 2 ]
	run pcapcat -c 0 -r text.pcap
	[ "$status" -eq 2 ]
	run pcapcat -i lo -r text.pcap
	[ "$status" -eq 2 ]
}

@test "BPF expression: same packets as tcpdump; bad expression is exit 2" {
	need_corpus
	need_cmd tcpdump
	for t in "zeek/http/get-gzip.pcap|tcp port 80 and tcp[tcpflags] & tcp-syn != 0" \
	    "tcpflow/flow_test.pcap|tcp and src port 9999" \
	    "tcpdump/tcp-handshake-nano.pcap|tcp" \
	    "tcpdump/isup.pcap|sctp" \
	    "zeek/pcapng-multi-interface.pcapng|udp or arp"; do
		f="$CORPUS/${t%%|*}"
		e="${t#*|}"
		want=$(tcpdump -r "$f" -n $e 2>/dev/null | wc -l)
		# shellcheck disable=SC2086
		got=$(pcapcat -r "$f" $e | npk)
		[ "$got" = "$want" ] || { echo "$t: $got, tcpdump $want"; return 1; }
	done
	# filtered packets are counted
	want=$(tcpdump -r "$CORPUS/tcpflow/flow_test.pcap" -n not src port 9999 2>/dev/null | wc -l)
	pcapcat -r "$CORPUS/tcpflow/flow_test.pcap" tcp and src port 9999 |
		python3 "$LIB/fkrec.py" dump | grep -q "filtered=$want\\\\n"
	# a pcapng with Ethernet and BSD loopback interfaces (which tcpdump
	# cannot read): one filter per link type
	[ "$(pcapcat -r "$CORPUS/pcapplusplus/PcapExamples/many_interfaces-1.pcapng" ip | npk)" -eq 64 ]
	run pcapcat -r "$CORPUS/tcpflow/flow_test.pcap" tcp port nonsense-port
	[ "$status" -eq 2 ]
	[[ "$output" == *"bad filter expression"* ]]
}

@test "-c stops after N packets; -s cuts packets to N bytes" {
	need_corpus
	f="$CORPUS/tcpflow/flow_test.pcap"
	[ "$(pcapcat -c 5 -r "$f" | npk)" -eq 5 ]
	[ "$(pcapcat -c 30 -r "$f" -r "$f" | npk)" -eq 30 ]
	[ "$(pcapcat -c 3 -r "$f" tcp and src port 9999 | npk)" -eq 3 ]
	pcapcat -s 40 -r "$f" | python3 "$LIB/fkrec.py" dump > d
	! grep '^PACKET' d | grep -v 'caplen=40'
	grep -q 'origlen=74 ' d
}

@test "-Z drops privileges after opening the files" {
	need_root
	need_corpus
	id nobody >/dev/null 2>&1 || skip "no user nobody"
	cp "$CORPUS/tcpflow/flow_test.pcap" priv.pcap
	chmod 600 priv.pcap
	[ "$(pcapcat -Z nobody -r priv.pcap | npk)" -eq 24 ]
	run pcapcat -Z no-such-user-here -r priv.pcap
	[ "$status" -eq 2 ]
}

# Live capture on lo: an HTTP server on a high port and curl.
start_server() {
	PORT=$(( 20000 + RANDOM % 20000 ))
	echo hello > index.html
	python3 -m http.server -b 127.0.0.1 "$PORT" >/dev/null 2>&1 &
	SRV=$!
	for _ in $(seq 50); do
		curl -s -o /dev/null "http://127.0.0.1:$PORT/" && return 0
		sleep 0.1
	done
	return 1
}

# wait_listening ERRFILE: until pcapcat -v says the capture is open.
wait_listening() {
	for _ in $(seq 100); do
		grep -q 'listening on' "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

@test "live capture on lo: -c, BPF filter, -Z, exit 0" {
	need_root
	need_cmd curl
	start_server
	timeout 30 pcapcat -v -i lo -c 10 -Z nobody "tcp port $PORT" > live.fk 2> err &
	pid=$!
	wait_listening err
	for _ in 1 2 3 4 5; do curl -s -o /dev/null "http://127.0.0.1:$PORT/"; done
	wait $pid
	kill $SRV
	[ "$(npk < live.fk)" -eq 10 ]
	python3 "$LIB/fkrec.py" dump < live.fk > d
	! grep '^PACKET' d | grep -v 'linktype=1 '
	grep -q 'pcapcat.received=' d
	# the captured packets read back through reasm-independent checks:
	# ns timestamps are recent (after 2020) and non-decreasing
	python3 - <<'PY'
import sys
sys.path.insert(0, __import__("os").environ["LIB"])
from fkrec import records
ts = [f["ts"] for n, f in records(open("live.fk", "rb")) if n == "PACKET"]
assert ts == sorted(ts) and ts[0] > 1577836800 * 10**9, ts
PY
}

@test "live capture: SIGTERM flushes, prints statistics, exits 0" {
	need_root
	need_cmd curl
	start_server
	pcapcat -v -i lo "tcp port $PORT" > live.fk 2> err &
	pid=$!
	wait_listening err
	curl -s -o /dev/null "http://127.0.0.1:$PORT/"
	sleep 0.5
	kill -TERM $pid
	rc=0
	wait $pid || rc=$?
	kill $SRV
	[ "$rc" -eq 0 ]
	grep -q 'received by filter' err
	[ "$(npk < live.fk)" -ge 6 ]
	python3 "$LIB/fkrec.py" dump < live.fk | tail -2 | head -1 | grep -q "pcapcat.packets="
	# -q: no statistics on stderr
	pcapcat -q -i lo "tcp port $PORT" > live2.fk 2> err2 &
	pid=$!
	sleep 1
	kill -INT $pid
	wait $pid
	! grep -q 'received by filter' err2
}

@test "live capture: -B sizes the buffer (KiB, or a suffix); a quiet link's packets still flow within the block timeout" {
	need_root
	need_cmd curl
	run pcapcat -B 10 -i lo
	[ "$status" -eq 2 ]
	[[ "$output" == *"at least 64 KiB"* ]]
	run pcapcat -B 3000000 -i lo
	[ "$status" -eq 2 ]
	start_server
	for b in 4096 8m; do
		rm -f live.fk err
		# the records are read while the capture runs: one request, then
		# silence; its packets must come out without more traffic
		pcapcat -v -B "$b" -i lo "tcp port $PORT" 2> err > live.fk &
		pid=$!
		wait_listening err
		curl -s -o /dev/null "http://127.0.0.1:$PORT/"
		n=0
		for _ in $(seq 30); do
			n=$(npk < live.fk 2>/dev/null || echo 0)
			[ "$n" -ge 6 ] && break
			sleep 0.1
		done
		kill -INT $pid
		wait $pid
		[ "$n" -ge 6 ]
	done
	kill $SRV
}

@test "the EXAMPLES of pcapcat(1) run" {
	need_corpus
	need_cmd reasm flowname flowsplit httpsplit flowcat
	cp "$CORPUS/zeek/http/get-gzip.pcap" x.pcap
	cp "$CORPUS/tcpflow/flow_test.pcap" a.pcap
	cp "$CORPUS/tcpdump/isup.pcap" b.pcap
	gzip -c "$CORPUS/zeek/pcapng-multi-interface.pcapng" > trace.pcapng.gz
	pcapcat -r x.pcap | reasm | flowname | flowsplit -o out
	[ -n "$(ls out)" ]
	pcapcat -r trace.pcapng.gz | flowcat > c1
	grep -c PACKET c1
	[ "$(pcapcat -r trace.pcapng.gz | npk)" -eq 6 ]
	pcapcat -r a.pcap -r b.pcap | flowcat > c2
	pcapcat -r x.pcap tcp port 80 | reasm | httpsplit -o http > /dev/null
	[ -d http ]
}

# mkbig N FILE: a pcap of N UDP packets of 1000 bytes (1 MB a thousand).
mkbig() {
	python3 - "$@" <<'PY'
import struct, sys
n, name = int(sys.argv[1]), sys.argv[2]
pl = b"x" * 958
frame = (b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" +
         struct.pack("!BBHHHBBH4s4s", 0x45, 0, 986, 0, 0, 64, 17, 0,
                     bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])) +
         struct.pack("!HHHH", 1111, 53, 966, 0) + pl)
with open(name, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for i in range(n):
        f.write(struct.pack("<IIII", 1700000000 + i // 1000, i % 1000,
                            len(frame), len(frame)) + frame)
PY
}

# The progress tests read pcapcat's output slowly to make a run last:
# with -R the packets' bytes go through the pipe (not references), so
# the reader's pace holds pcapcat back.
@test "progress on a terminal: one line redrawn at most 4 times a second, then a summary" {
	mkbig 10000 big.pcap
	read -r rc secs < <(python3 "$LIB/pty-run.py" out.fk err pcapcat -R -r big.pcap)
	[ "$rc" -eq 0 ]
	pcapcat -R -r big.pcap 2> plain.err | cmp - out.fk
	[ ! -s plain.err ]
	cat -v err
	python3 - "$secs" <<'PY'
import re, sys
secs = float(sys.argv[1])
e = open("err", "rb").read().decode()
# the progress lines: "\r" + text + clear to the end of the line
lines = re.findall(r"\rpcapcat: +(\d+)% ([\d.]+ MiB) of 9\.7 MiB, (\d+) packets, "
                   r"[\d.]+ MiB/s, \d+:\d\d left\x1b\[K", e)
assert len(lines) >= 2, e
assert len(lines) <= secs * 4 + 2, (len(lines), secs)
pct = [int(x[0]) for x in lines]
pk = [int(x[2]) for x in lines]
assert pct == sorted(pct) and pk == sorted(pk) and pk[-1] < 10000, lines
# the summary replaces the last line: cleared, then a line of its own
assert re.search(r"\r\x1b\[Kpcapcat: 9\.7 MiB, 10000 packets in [\d.]+ s, "
                 r"[\d.]+ MiB/s\r\n$", e), e
PY
}

@test "progress: none with -q, none when stderr is not a terminal, none for a pipe" {
	mkbig 3000 big.pcap
	read -r rc _ < <(python3 "$LIB/pty-run.py" -d 0.03 out.fk err pcapcat -q -r big.pcap)
	[ "$rc" -eq 0 ] && [ ! -s err ]
	read -r rc _ < <(python3 "$LIB/pty-run.py" -d 0.03 -e file out.fk err pcapcat -r big.pcap)
	[ "$rc" -eq 0 ] && [ ! -s err ]
	read -r rc _ < <(python3 "$LIB/pty-run.py" -d 0.03 out.fk err sh -c 'cat big.pcap | pcapcat')
	[ "$rc" -eq 0 ] && [ ! -s err ]
	# a file on stdin is a file: shown
	read -r rc _ < <(python3 "$LIB/pty-run.py" -d 0.03 out.fk err sh -c 'pcapcat < big.pcap')
	[ "$rc" -eq 0 ]
	grep -q 'packets in' err
}

@test "progress -P: plain lines at the interval into a log, a summary, no terminal codes" {
	mkbig 10000 big.pcap
	read -r rc secs < <(python3 "$LIB/pty-run.py" -d 0.02 -e file out.fk log pcapcat -R -P 1 -r big.pcap)
	[ "$rc" -eq 0 ]
	cat log
	! grep -q "$(printf '[\r\033]')" log
	n=$(grep -c '^pcapcat: progress: .*% .* of 9\.7 MiB, [0-9]* packets, .* left$' log)
	[ "$n" -ge 1 ]
	# one a second at most
	awk -v n="$n" -v s="$secs" 'BEGIN { exit !(n <= s + 1) }'
	tail -1 log | grep -q '^pcapcat: 9\.7 MiB, 10000 packets in '
	# also from a pipe, without a total
	cat big.pcap | pcapcat -P 1 2> log2 > /dev/null
	grep -qx 'pcapcat: 9\.7 MiB, 10000 packets in [0-9.]* s, [0-9.]* [KMG]*i*B/s' log2
	run pcapcat -P 0 -r big.pcap
	[ "$status" -eq 2 ]
}

@test "progress: a warning starts on a line of its own; SIGINT ends with the summary of what was read" {
	mkbig 10000 big.pcap
	head -c 9000000 big.pcap > cut.pcap
	read -r rc _ < <(python3 "$LIB/pty-run.py" out.fk err pcapcat -R -r cut.pcap)
	[ "$rc" -eq 3 ]
	cat -v err
	python3 - <<'PY'
import re
e = open("err", "rb").read().decode()
assert re.search(r"\x1b\[K\r\npcapcat: cut\.pcap: offset \d+: file ends inside", e), e
assert re.search(r"\npcapcat: 8\.6 MiB, \d+ packets in [\d.]+ s, [\d.]+ MiB/s\r\n$", e), e
PY
	# SIGINT: the stream ends, interrupted; the summary counts what was read
	read -r rc _ < <(python3 "$LIB/pty-run.py" -d 0.02 -i 0.5 out.fk err pcapcat -R -r big.pcap)
	[ "$rc" -eq 0 ]
	cat -v err
	flowcat < out.fk | tail -1 | grep -q 'END status=interrupted'
	n=$(npk < out.fk)
	[ "$n" -lt 10000 ]
	grep -q "pcapcat: [0-9.]* MiB, $n packets in " err
}
