#!/usr/bin/env bats
# The record stream contract every stage keeps (flowkit-records(5)):
# unknown records pass through unchanged, damage is an error naming the
# offset (exit 3), a full disk is an error (exit 1), a closed pipe is not.
load helper

# Each stage that reads records, with the arguments it needs to run here
# (-p: the stages that write files pass records on into a file too).
stage_cmd() {
	case "$1" in
	reasm) echo "reasm" ;;
	flowname) echo "flowname" ;;
	flowsplit) echo "flowsplit -p -o out" ;;
	httpsplit) echo "httpsplit -p -o out" ;;
	dfxmlgen) echo "dfxmlgen -p -o report.xml" ;;
	flowstat) echo "flowstat" ;;
	flowcat) echo "flowcat" ;;
	esac
}
STAGES="reasm flowname flowsplit httpsplit dfxmlgen flowstat flowcat"
# Stages whose standard output is the record stream.
FILTERS="reasm flowname flowsplit httpsplit dfxmlgen"

have() { [ -x "$FK_BIN/$1" ]; }

local_setup() {
	mkdir -p out
	# A stream with only records no stage consumes: an unknown type and
	# a private one, with odd flags, and a STATS record.
	python3 - <<'PY'
import struct
h = b"FLOWKIT\0" + struct.pack("<HHI", 1, 0, 0)
def rec(t, body, flags=0):
    return struct.pack("<HHI", t, flags, len(body)) + body
s = h + rec(0x8001, b"private\0bytes", 0x5a5a) + rec(0x0042, b"") \
      + rec(0x0008, b"test.key=1\n") + rec(0x7fff, bytes(range(256)) * 3)
open("unknown.fk", "wb").write(s)
open("garbage.fk", "wb").write(b"this is not a record stream\n" * 4)
open("trunc.fk", "wb").write(s[:-100])
open("badlen.fk", "wb").write(h + struct.pack("<HHI", 3, 0, 0xFFFFFFF0))
PY
}

@test "every filter passes unknown record types through byte for byte" {
	n=0
	for s in $FILTERS; do
		have "$s" || continue
		$(stage_cmd "$s") < unknown.fk > got.fk
		# A stage may append STATS records of its own and its END
		# record; nothing else.
		python3 - "$s" <<'PY' || { echo "$s changed the stream"; return 1; }
import struct, sys
def recs(path):
    b = open(path, "rb").read()
    assert b[:8] == b"FLOWKIT\0", "no stream header"
    i, out = 16, []
    while i < len(b):
        t, f, n = struct.unpack_from("<HHI", b, i)
        out.append((t, b[i:i + 8 + n]))
        i += 8 + n
    return out
want, got = recs("unknown.fk"), recs("got.fk")
assert got[-1][0] == 9, "no END record last"
got = got[:-1]
got = [r for r in got if not (r[0] == 8 and r[1][8:].startswith(sys.argv[1].encode() + b"."))]
assert want == got, (want, got)
PY
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || skip "no stage built yet"
}

@test "garbage input: exit 3 with a message naming offset 0" {
	for s in $STAGES; do
		have "$s" || continue
		run $(stage_cmd "$s") < garbage.fk
		[ "$status" -eq 3 ] || { echo "$s: status $status: $output"; return 1; }
		[[ "$output" == *"offset 0"* ]] || { echo "$s: $output"; return 1; }
	done
}

@test "truncated stream: exit 3 naming the offset of the cut record" {
	for s in $STAGES; do
		have "$s" || continue
		run $(stage_cmd "$s") < trunc.fk
		[ "$status" -eq 3 ] || { echo "$s: status $status: $output"; return 1; }
		[[ "$output" == *"offset 64"* ]] || { echo "$s: $output"; return 1; }
	done
}

@test "absurd record length: exit 3, no huge allocation" {
	for s in $STAGES; do
		have "$s" || continue
		run $(stage_cmd "$s") < badlen.fk
		[ "$status" -eq 3 ] || { echo "$s: status $status: $output"; return 1; }
		[[ "$output" == *"offset 16"* ]] || { echo "$s: $output"; return 1; }
	done
}

@test "empty input: no record stream, an earlier stage failed: exit 4" {
	for s in $STAGES; do
		have "$s" || continue
		run $(stage_cmd "$s") < /dev/null
		[ "$status" -eq 4 ] || { echo "$s: status $status: $output"; return 1; }
		[[ "$output" == *"no record stream on the input"* ]] || { echo "$s: $output"; return 1; }
	done
}

@test "concatenated streams are one stream" {
	have flowcat || skip
	cat unknown.fk unknown.fk | flowcat > both.txt
	[ "$(grep -c 'type=0x8001' both.txt)" -eq 2 ]
}

@test "output to a full disk: exit 1 with a message" {
	[ -w /dev/full ] || skip "no /dev/full"
	# Enough records that the writer must flush before exit.
	python3 - <<'PY'
import struct
h = b"FLOWKIT\0" + struct.pack("<HHI", 1, 0, 0)
body = b"x" * 60000
open("big.fk", "wb").write(h + (struct.pack("<HHI", 0x8001, 0, len(body)) + body) * 100)
PY
	for s in $FILTERS; do
		have "$s" || continue
		run sh -c "$(stage_cmd "$s") < big.fk > /dev/full"
		[ "$status" -eq 1 ] || { echo "$s: status $status: $output"; return 1; }
		[[ "$output" == *"No space left on device"* ]] || { echo "$s: $output"; return 1; }
	done
}

@test "a reader that goes away ends the stage quietly (EPIPE)" {
	python3 - <<'PY'
import struct
h = b"FLOWKIT\0" + struct.pack("<HHI", 1, 0, 0)
body = b"x" * 60000
open("big.fk", "wb").write(h + (struct.pack("<HHI", 0x8001, 0, len(body)) + body) * 200)
PY
	for s in $FILTERS flowcat; do
		have "$s" || continue
		rm -f err
		$(stage_cmd "$s") < big.fk 2>err | head -c 10 > /dev/null
		rc=${PIPESTATUS[0]}
		[ "$rc" -eq 0 ] || { echo "$s: status $rc"; cat err; return 1; }
		[ ! -s err ] || { echo "$s wrote to stderr:"; cat err; return 1; }
	done
}

@test "damage: every record before the damage is still written downstream" {
	python3 - <<'PY'
import struct
h = b"FLOWKIT\0" + struct.pack("<HHI", 1, 0, 0)
r = struct.pack("<HHI", 0x8001, 0, 5) + b"hello"
open("dmg.fk", "wb").write(h + r * 3 + b"\x01\x00")
PY
	for s in $FILTERS; do
		have "$s" || continue
		run sh -c "$(stage_cmd "$s") < dmg.fk > got.fk"
		[ "$status" -eq 3 ] || { echo "$s: status $status"; return 1; }
		[ "$(flowcat < got.fk | grep -c 'type=0x8001')" -eq 3 ] ||
			{ echo "$s lost records before the damage"; return 1; }
	done
}

@test "a FLOW_OPEN with flow id 0 is damage in every stage that reads it: exit 3, no crash" {
	python3 - <<'PY'
import sys
sys.path.insert(0, __import__("os").environ["LIB"])
from fkrec import Writer
w = Writer(open("id0.fk", "wb"))
w.open(1)
w.data(1, 0, 0, b"GET / HTTP/1.0\r\n\r\n")
w.open(0)
w.data(0, 0, 0, b"x")
w.close(0)
PY
	for s in $STAGES; do
		have "$s" || continue
		run sh -c "$(stage_cmd "$s") < id0.fk > got.fk"
		case $s in
		reasm) [ "$status" -eq 0 ] || { echo "reasm: status $status"; return 1; } ;;
		*)	[ "$status" -eq 3 ] || { echo "$s: status $status: $output"; return 1; }
			[[ "$output" == *"FLOW_OPEN record: flow id 0"* ]] || { echo "$s: $output"; return 1; } ;;
		esac
	done
}

# ---- references to capture files (flowkit-records(5), References)

# nrecs TYPE FILE: how many records of TYPE (a number) FILE holds, and
# how many carry the reference flag ("n refs").
nrecs() {
	python3 - "$1" "$2" <<'PY'
import struct, sys
t, b = int(sys.argv[1], 0), open(sys.argv[2], "rb").read()
i, n, r = 16, 0, 0
while i + 8 <= len(b):
    ty, fl, ln = struct.unpack_from("<HHI", b, i)
    if ty == 0x4c46:
        i += 16
        continue
    if ty == t:
        n += 1
        r += fl & 1
    i += 8 + ln
print(n, r)
PY
}

@test "references: a pipe carries references, a file the bytes; the same files either way" {
	cp "$FK_ROOT/examples/http.pcap" c.pcap
	pcapcat -r c.pcap | cat > piped.fk	# a pipe: references
	pcapcat -r c.pcap > file.fk		# a file: the bytes
	pcapcat -R -r c.pcap | cat > inline.fk	# -R: the bytes
	[ "$(nrecs 0x000a piped.fk)" = "1 0" ]	# one FILE record
	read -r np nr < <(nrecs 0x0001 piped.fk)
	[ "$nr" -gt 0 ] && [ "$nr" -le "$np" ]
	[ "$(nrecs 0x000a file.fk)" = "0 0" ]
	[ "$(nrecs 0x000a inline.fk)" = "0 0" ]
	cmp file.fk inline.fk
	[ "$(stat -c %s piped.fk)" -lt "$(( $(stat -c %s file.fk) / 2 ))" ]
	# a capture not every user may read: the bytes (later stages may
	# run as another user)
	cp c.pcap private.pcap
	chmod 600 private.pcap
	pcapcat -r private.pcap | cat > private.fk
	[ "$(nrecs 0x000a private.fk)" = "0 0" ]
	# every stage sees the same records: identical outputs
	pcapcat -r c.pcap | reasm | flowname | flowsplit -o a
	pcapcat -R -r c.pcap | reasm | flowname | flowsplit -o b
	diff -r a b
	pcapcat -r c.pcap | reasm | flowname | httpsplit -o ha -l ha.log
	pcapcat -R -r c.pcap | reasm | flowname | httpsplit -o hb -l hb.log
	diff -r ha hb
	diff ha.log hb.log
	pcapcat -r c.pcap | reasm | flowcat -f json > a.json
	pcapcat -R -r c.pcap | reasm | flowcat -f json > b.json
	# the same records and bytes (offsets in the stream differ)
	diff <(sed 's/"at":[0-9]*,//' a.json) <(sed 's/"at":[0-9]*,//' b.json)
	# reasm refers to the capture for in-order payload too
	pcapcat -r c.pcap | reasm | cat > r.fk
	read -r nd nr < <(nrecs 0x0003 r.fk)
	[ "$nr" -gt 0 ]
	[ "$(nrecs 0x000a r.fk)" = "1 0" ]
	# ... and writes the bytes into a file
	pcapcat -r c.pcap | reasm > r2.fk
	[ "$(nrecs 0x000a r2.fk)" = "0 0" ]
	pcapcat -R -r c.pcap | reasm > r3.fk
	cmp r2.fk r3.fk
}

@test "references: a saved stream needs its capture; flowcat -f inline makes it self-contained" {
	cp "$FK_ROOT/examples/http.pcap" c.pcap
	pcapcat -r c.pcap | tee s.fk | reasm | flowsplit -o want > /dev/null
	flowcat -f inline < s.fk > i.fk
	[ "$(nrecs 0x000a i.fk)" = "0 0" ]
	pcapcat -R -r c.pcap > direct.fk
	cmp i.fk direct.fk
	reasm < s.fk | flowsplit -o got1 > /dev/null
	diff -r want got1
	# modified in place, same size: refused, exit 1, naming the file
	touch -d '2001-01-01' c.pcap
	run reasm < s.fk
	[ "$status" -eq 1 ]
	[[ "$output" == *"c.pcap: modified since it was read"* ]]
	# shorter
	cp "$FK_ROOT/examples/http.pcap" c2.pcap
	pcapcat -r c2.pcap | cat > s2.fk
	truncate -s 20000 c2.pcap
	run flowcat -f inline < s2.fk > /dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == *"c2.pcap: shorter than when it was read"* ]]
	# replaced by another file of the same name
	cp "$FK_ROOT/examples/http.pcap" c3.pcap
	pcapcat -r c3.pcap | cat > s3.fk
	cp c3.pcap c3.new && mv c3.new c3.pcap
	run flowcat < s3.fk
	[ "$status" -eq 1 ]
	[[ "$output" == *"c3.pcap: replaced since it was read"* ]]
	# gone: the error names it; a later stage sees the failure (exit 4)
	rm c.pcap
	run sh -c 'reasm < s.fk | flowsplit -o gone'
	[ "$status" -eq 4 ]
	[[ "$output" == *"c.pcap: No such file or directory"* ]]
	# the self-contained stream does not need it
	reasm < i.fk | flowsplit -o got2 > /dev/null
	diff -r want got2
	# a file that grew (a capture still being written) is still read
	cp "$FK_ROOT/examples/http.pcap" c4.pcap
	pcapcat -r c4.pcap | cat > s4.fk
	head -c 1000 c4.pcap >> c4.pcap
	reasm < s4.fk | flowsplit -o got4 > /dev/null
	diff -r want got4
}

@test "references: forged FILE records and references are damage: exit 3, naming the offset" {
	cp "$FK_ROOT/examples/http.pcap" c.pcap
	python3 - "$PWD/c.pcap" <<'PY'
import os, struct, sys
path = sys.argv[1].encode()
st = os.stat(sys.argv[1])
h = b"FLOWKIT\0" + struct.pack("<HHI", 1, 2, 0)
def rec(t, body, flags=0):
    return struct.pack("<HHI", t, flags, len(body)) + body
def filerec(fid, p, size=st.st_size):
    return rec(0x000a, struct.pack("<IIQQQQ16sQ", fid, 0, size,
        st.st_mtime_ns, st.st_dev, st.st_ino, bytes(16), 0) + p)
pkt = struct.pack("<QIIII", 0, 1, 60, 0, 0)
def ref(fid, ln, off):
    return struct.pack("<IIQ", fid, ln, off)
open("relative.fk", "wb").write(h + filerec(1, b"c.pcap"))
open("unknown.fk", "wb").write(h + filerec(1, path) + rec(1, pkt + ref(2, 60, 24), 1))
open("past.fk", "wb").write(h + filerec(1, path) + rec(1, pkt + ref(1, 60, st.st_size - 10), 1))
open("short.fk", "wb").write(h + filerec(1, path) + rec(1, b"\0" * 8, 1))
# announced bigger than it is: the file is shorter than announced
open("bigger.fk", "wb").write(h + filerec(1, path, st.st_size + 100) + rec(1, pkt + ref(1, 60, st.st_size), 1))
PY
	for f in relative unknown past short; do
		run reasm < $f.fk
		[ "$status" -eq 3 ] || { echo "$f: $status $output"; return 1; }
		[[ "$output" == *"offset 16: "* ]] || [[ "$output" == *"offset 16"[0-9]*": "* ]] ||
			[[ "$output" == *"offset "[0-9]*": "* ]]
	done
	run reasm < bigger.fk
	[ "$status" -eq 1 ]
	[[ "$output" == *"c.pcap: shorter than when it was read"* ]]
}

@test "references: flowshard writes the bytes for a command that runs ssh" {
	cp "$FK_ROOT/examples/http.pcap" c.pcap
	pcapcat -r c.pcap | flowshard -n 2 -x 'cat > local$FK_SHARD.fk'
	pcapcat -r c.pcap | flowshard -n 2 -x ': ssh; cat > remote$FK_SHARD.fk'
	read -r n r < <(nrecs 0x0001 local0.fk)
	[ "$r" -gt 0 ]
	[ "$(nrecs 0x000a remote0.fk)" = "0 0" ]
	[ "$(nrecs 0x000a remote1.fk)" = "0 0" ]
	read -r n r < <(nrecs 0x0001 remote1.fk)
	[ "$n" -gt 0 ] && [ "$r" -eq 0 ]
}
