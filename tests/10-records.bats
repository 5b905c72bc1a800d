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
