#!/usr/bin/env bats
# flowrec and flowcat -f json: records -> JSON Lines -> records is
# byte-identical; hand-written lines; bad lines named by number and field.
load helper

# roundtrip FILE: flowcat -f json | flowrec gives back FILE's bytes.
roundtrip() {
	flowcat -f json < "$1" > rt.json || true
	flowrec < rt.json > rt.fk
	cmp "$1" rt.fk
}

@test "flowrec: round trip byte for byte on 100 corpus captures (reasm, flowname, httpsplit)" {
	need_corpus
	n=0
	while read -r f; do
		rm -rf h
		pcapcat -r "$FK_CORPUS/$f" 2>/dev/null | reasm 2>/dev/null |
			flowname 2>/dev/null | httpsplit -o h 2>/dev/null |
			{ flowcat -f inline > a.fk || true; }	# bytes, not references
		roundtrip a.fk || { echo "differs: $f"; return 1; }
		n=$((n + 1))
	done < <(awk -F'\t' 'NR > 1 && $10 > 0 && $5 < 300000 { print $1 }' \
		"$FK_CORPUS/MANIFEST.tsv" | awk 'NR % 5 == 1' | head -100)
	[ "$n" -ge 50 ]
}

@test "flowrec: headers, END, unknown types, header flags, reserved bytes, minor 0 round trip" {
	# by hand: two streams, the first of minor 0 without END, odd bodies
	python3 - <<'PY'
import struct
def rec(t, body, flags=0):
    return struct.pack('<HHI', t, flags, len(body)) + body
hdr0 = b'FLOWKIT\0' + struct.pack('<HHI', 1, 0, 7)
hdr1 = b'FLOWKIT\0' + struct.pack('<HHI', 1, 1, 0)
data = struct.pack('<QBB6xQQ', 1, 0, 0, 0, 5) + b'\xff\xfe'
gap_extra = struct.pack('<QBB6xQQQ', 1, 1, 1, 0, 3, 9) + b'more'
name = struct.pack('<QB7x', 1, 0) + b'bad\xffname'
end = bytes([0, 0]) + b'\x00' * 6
open('odd.fk', 'wb').write(hdr0 + rec(0x8001, b'\x01\x02\x03', 6) +
    rec(3, data, 2) + rec(4, gap_extra) + rec(7, name) + hdr1 +
    rec(8, b'x.y=1\n') + rec(9, end))
PY
	roundtrip odd.fk
	grep -q '"type":32769' rt.json
	grep -q '"hdr_flags":6' rt.json
	grep -q '"minor":0,"reserved":7' rt.json
	grep -q '"raw":' rt.json
	grep -q '"name_b64":' rt.json
}

@test "flowrec: hand-written lines take defaults; a bad line names its number and field, exit 3" {
	cat > hand.jsonl <<'J'
# a comment, then a blank line

{"type":"FLOW_OPEN","flow_id":7,"addr_a":"2001:db8::1","port_a":1,"addr_b":"2001:db8::2","port_b":2}
{"type":"DATA","flow_id":7,"time":"2026-01-02T03:04:05.5Z","text":"hi\n"}
J
	flowrec < hand.jsonl | flowcat > out
	grep -q 'FLOW_OPEN id=7 .*\[2001:db8::1\]:1 > \[2001:db8::2\]:2 opener=syn' out
	grep -q 'DATA id=7 dir=0 off=0 len=3 ts=2026-01-02T03:04:05.500000000Z "hi\\n"' out
	grep -q 'END status=complete' out
	bad() {
		printf '%s\n' '{"type":"FLOW_OPEN","flow_id":1,"addr_a":"1.2.3.4","addr_b":"1.2.3.5"}' "$1" > b.jsonl
		run bash -c 'flowrec < b.jsonl 2>&1 >/dev/null'
		[ "$status" -eq 3 ] || { echo "exit $status for $1"; return 1; }
		[[ $output == *"line 2: "*"$2"* ]] || { echo "$1: $output"; return 1; }
	}
	bad '{"type":"DATA","flow_id":1,"len":3,"text":"ab"}' 'len: 3, but text holds 2 bytes'
	bad '{"type":"DATA","flow_id":1,"time_ns":1,"time":"1970-01-01T00:00:00Z"}' 'time: not the time time_ns says'
	bad '{"type":"DATA","flow_id":1,"dir":2}' 'dir: not a whole number from 0 to 1'
	bad '{"type":"DATA","dir":0}' 'flow_id: required'
	bad '{"type":"DATA","flow_id":1,"flowid":1}' 'flowid: no such field'
	bad '{"type":"DATA","flow_id":1,"data":"!!"}' 'data: not base64'
	bad '{"type":"FLOW_OPEN","flow_id":2,"family":4,"addr_a":"::1","addr_b":"::2"}' 'addr_a: an IPv6 address, but the family is 4'
	bad '{"type":"GAP","flow_id":1,"reason":"gone"}' 'reason: "gone" is not one of lost, buffer, close'
	bad '{"type":"DATA","flow_id":1,"x":{"y":1}}' 'column'
	bad '{"type":"DATA","flow_id":1,"x":[1]}' 'nested objects and arrays'
	bad '{"type":"NOPE"}' 'type: "NOPE" is no record type'
	bad '{"type":"HEADER","major":2}' 'major: version 1 is the only one'
	bad '{"type":"DATA","flow_id":1' "column"
	# what came before the bad line was written, and the END says so
	printf '%s\n' '{"type":"FLOW_OPEN","flow_id":1,"addr_a":"1.2.3.4","addr_b":"1.2.3.5"}' '{' | flowrec 2>/dev/null | flowcat > o || true
	grep -q 'FLOW_OPEN id=1' o
	grep -q 'END status=incomplete code=3' o
}

@test "flowrec: hostile input: a line longer than -l, deep nesting, a NUL, binary" {
	head -c 200000 /dev/zero | tr '\0' '[' > deep.jsonl
	run bash -c 'flowrec < deep.jsonl 2>&1 >/dev/null'
	[ "$status" -eq 3 ]
	[[ $output == *"line 1:"* ]]
	{ printf '{"type":"STATS","text":"'; head -c 5000 /dev/zero | tr '\0' 'a'; printf '"}\n'; } > long.jsonl
	run bash -c 'flowrec -l 1k < long.jsonl 2>&1 >/dev/null'
	[ "$status" -eq 3 ]
	[[ $output == *"line 1: longer than 1024 bytes (-l)"* ]]
	flowrec < long.jsonl | flowcat -f json | grep -q '"type":"STATS"'
	head -c 100000 /dev/urandom > rnd.jsonl
	run bash -c 'flowrec < rnd.jsonl 2>&1 >/dev/null'
	[ "$status" -eq 3 ] || [ "$status" -eq 0 ]
	run flowrec -l 10
	[ "$status" -eq 2 ]
}

@test "flowcat -f json refuses the stream options" {
	run flowcat -f json -x </dev/null
	[ "$status" -eq 2 ]
	run flowcat -f json -b 10 </dev/null
	[ "$status" -eq 2 ]
}

@test "flowrec: a PACKET given as a TCP segment: checksums right, reasm reads it" {
	cat > seg.jsonl <<'J'
{"type":"PACKET","src":"10.0.0.1:40000","dst":"10.0.0.2:80","seq":100,"tcp_flags":"S"}
{"type":"PACKET","src":"10.0.0.2:80","dst":"10.0.0.1:40000","seq":500,"ack":101,"tcp_flags":"SA"}
{"type":"PACKET","src":"10.0.0.1:40000","dst":"10.0.0.2:80","seq":101,"ack":501,"text":"hello\n","tcp_flags":"FPA"}
{"type":"PACKET","src":"[2001:db8::1]:5","dst":"[2001:db8::2]:6","seq":7,"payload":"AAEC","tcp_flags":16}
J
	flowrec < seg.jsonl | reasm | flowcat > out
	grep -q 'DATA id=1 dir=0 off=0 len=6 .*"hello\\n"' out
	grep -q 'FLOW_OPEN id=2 .*\[2001:db8::1\]:5 > \[2001:db8::2\]:6 opener=midstream' out
	flowrec < seg.jsonl | flowcat -f json | grep -c '"link_type":101' | grep -qx 4
	if command -v tshark >/dev/null; then
		flowrec < seg.jsonl | flowpcap -w seg.pcap > /dev/null
		tshark -r seg.pcap -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE \
			-T fields -e tcp.checksum.status -e ip.checksum.status 2>/dev/null > cs
		# 1: good (0: bad, 2: not checked)
		awk '{ for (i = 1; i <= NF; i++) if ($i != 1) bad = 1 } END { exit bad + (NR != 4) }' cs ||
			{ cat cs; return 1; }
	fi
	run bash -c 'echo "{\"type\":\"PACKET\",\"src\":\"1.2.3.4:1\",\"dst\":\"[::1]:2\"}" | flowrec 2>&1 >/dev/null'
	[ "$status" -eq 3 ]
	[[ $output == *"line 1: dst: an IPv6 address, but src is IPv4"* ]]
	run bash -c 'echo "{\"type\":\"PACKET\",\"src\":\"1.2.3.4:1\",\"dst\":\"1.2.3.5:2\",\"data\":\"\"}" | flowrec 2>&1 >/dev/null'
	[ "$status" -eq 3 ]
	[[ $output == *"src: a frame (data) or a segment"* ]]
}
