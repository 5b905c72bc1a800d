#!/usr/bin/env bats
# Bounded resources: peak RSS of each stage on a million flows, a SYN
# flood, and a flow with a huge hole, measured with /usr/bin/time -f %M
# (KiB).  The bounds are stated here; `FK_SCALE_REPORT=1` prints the
# measured figures (the README and CAVEATS quote them).
#
# Measured on x86-64, glibc, -O2 (2026-11, KiB):
#   1,000,000 sequential flows, pcapcat | reasm | flowname | flowstat:
#     pcapcat 8,900   reasm 17,700   flowname 173,000 (grows: it keeps
#     every name that carried data)   flowstat 9,700
#   100,000 flows into flowsplit: flowsplit 15,300, flowname 30,000
#   reasm at 100k and at 1M sequential flows: 17,700 both (flat); 35,400
#     both with the reasm of 13:55 (retrans_unchecked)
#   SYN flood of 1M: reasm default caps 462,000, later 569,000 (1M flows
#     open, 450-550 bytes each); reasm -n 10000: 9,500-10,400, 990,000
#     evictions
#   1 GB hole then 11 MB of data: reasm 8,400 (-B 4m), GAP reason buffer
#   50,000 flows, each with a gzip request and a chunked response in
#     progress, into httpsplit: 145,000 (default -M 32m: 837 decoders
#     kept, 49,163 cut); 10,000 such gzip flows: 45,000 (was 320,000)
#
# Under FK_SANITIZER the sizes are 10 times smaller and the bounds are
# relative (same checks, sanitizer memory is not the program's).
load helper

bats_require_minimum_version 1.5.0

sanitized() { [ -n "${FK_SANITIZER:-}" ]; }

# The synthetic captures are made once per gen-flows.py version, in a
# cache directory outside the test's scratch space.
CACHE="${FK_TEST_CACHE:-${TMPDIR:-/tmp}/flowkit-test-cache}"

cached() {	# cached MODE N: print the path of gen-flows.py MODE N
	local sum f
	sum=$(md5sum "$LIB/gen-flows.py" | cut -c1-8)
	f="$CACHE/$1-$2-$sum.pcap"
	if [ ! -s "$f" ]; then
		mkdir -p "$CACHE"
		python3 "$LIB/gen-flows.py" "$1" "$2" "$f.tmp.$$" && mv "$f.tmp.$$" "$f"
	fi
	echo "$f"
}

# rss FILE: the peak RSS (KiB) /usr/bin/time wrote to FILE.
rss() { tail -n 1 "$1"; }

report() {
	echo "# $*" >&3
	[ "${FK_SCALE_REPORT:-0}" = 1 ] && echo "$*" >> "${FK_SCALE_LOG:-/dev/null}"
	return 0
}

# under NAME KIB BOUND: RSS KIB of NAME is under BOUND KiB (not checked
# absolutely under a sanitizer, whose shadow memory is not the program's).
under() {
	report "$1: peak RSS $2 KiB (bound $3 KiB)"
	sanitized && return 0
	[ "$2" -le "$3" ] || { echo "$1: peak RSS $2 KiB > $3 KiB"; return 1; }
}

local_setup() {
	need_cmd /usr/bin/time
	TM="/usr/bin/time -f %M"
	if sanitized; then
		NFLOWS=100000 NSMALL=5000 NSYN=100000
		# No quarantine to speak of: RSS then follows the program's heap.
		export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=4"
	else
		# flowsplit: 50,000 flows (100,000 files), creating files is slow.
		NFLOWS=1000000 NSMALL=50000 NSYN=1000000
	fi
}

@test "1,000,000 flows through pcapcat | reasm | flowname | flowstat: bounded RSS per stage" {
	f=$(cached flows "$NFLOWS")
	$TM -o m.pcapcat pcapcat -r "$f" 2>e.pcapcat |
		$TM -o m.reasm reasm 2>e.reasm |
		$TM -o m.flowname flowname 2>e.flowname |
		$TM -o m.flowstat flowstat -f tsv > stat.tsv 2>e.flowstat
	[ "${PIPESTATUS[*]}" = "0 0 0 0" ] || { echo "${PIPESTATUS[*]}"; cat e.*; return 1; }
	# Every flow is in the table, once.
	[ "$(grep -c 'fin' stat.tsv)" -eq "$NFLOWS" ] || { head -3 stat.tsv; return 1; }
	# pcapcat, reasm and flowstat do not grow with the number of flows
	# here (flows close on FIN; flowstat streams closed flows): 64 MiB.
	under pcapcat "$(rss m.pcapcat)" 65536
	under reasm "$(rss m.reasm)" 65536
	under flowstat "$(rss m.flowstat)" 65536
	# flowname remembers every name that carried data (flowname(1)
	# CAVEATS): at most 128 bytes per flow direction plus 32 MiB.
	under flowname "$(rss m.flowname)" $((NFLOWS * 2 * 128 / 1024 + 32768))
}

@test "50,000 flows into flowsplit: every file, bounded RSS" {
	f=$(cached flows "$NSMALL")
	$TM -o m.reasm reasm < <(pcapcat -r "$f") |
		flowname | $TM -o m.flowsplit flowsplit -o out > /dev/null 2>e.flowsplit
	[ "${PIPESTATUS[*]}" = "0 0 0" ] || { echo "${PIPESTATUS[*]}"; cat e.*; return 1; }
	[ "$(find out -type f | wc -l)" -eq $((NSMALL * 2)) ]
	# Spot check: the first and the last flow, both directions.
	[ "$(cat out/010.000.000.000.01024-010.255.000.001.00080)" = "conn 0 round 0" ]
	[ "$(cat out/010.255.000.001.00080-010.000.000.000.01024)" = "reply 0" ]
	i=$((NSMALL - 1))
	c=$(printf '010.%03d.%03d.%03d.%05d' $((i >> 16 & 255)) $((i >> 8 & 255)) $((i & 255)) $((1024 + i % 60000)))
	[ "$(cat "out/$c-010.255.000.001.00080")" = "conn $i round 0" ]
	# One entry per open flow, freed at FLOW_CLOSE (flowsplit(1)).
	under flowsplit "$(rss m.flowsplit)" 65536
}

@test "20,000 HTTP flows open at once (closed flows linger in reasm): httpsplit's RSS stays small" {
	[ -z "${FK_SANITIZER:-}" ] || skip "RSS under a sanitizer is the allocator's"
	python3 - <<'PY'
import sys, os
sys.path.insert(0, os.environ["LIB"])
from fkrec import Writer
N = 20000
w = Writer(open("many.fk", "wb"))
for i in range(1, N + 1):
    w.open(i, a="10.%d.%d.%d" % (i >> 16, i >> 8 & 255, i & 255), pa=1024 + i % 60000)
    w.data(i, 0, 0, b"GET /f%d HTTP/1.0\r\nHost: x\r\n\r\n" % i)
    body = b"body %d\n" % i
    w.data(i, 1, 0, b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
for i in range(1, N + 1):
    w.close(i)
PY
	$TM -o m.httpsplit httpsplit -o out < many.fk > /dev/null 2>e.httpsplit ||
		{ cat e.httpsplit; return 1; }
	[ "$(find out -name '*HTTPBODY*' | wc -l)" -eq 20000 ]
	# Between messages a flow holds no parser buffer: about 1.5 KiB a
	# flow; the bound allows 4 KiB a flow plus 32 MiB (it was 16 KiB).
	under httpsplit "$(rss m.httpsplit)" $((20000 * 4 + 32768))
}

@test "50,000 flows with a gzip and a chunked message in progress each: httpsplit's RSS stays within -M" {
	[ -z "${FK_SANITIZER:-}" ] || skip "RSS under a sanitizer is the allocator's"
	# 100,000 messages in progress. Each flow: a POST whose gzip body has
	# begun (200 bytes of it), and a chunked response in the middle of a
	# chunk; none ends before the input does.  Without the -M cap the
	# decoders alone would take 50,000 x ~40 KiB: 2 GB.
	python3 - <<'PY'
import sys, os, zlib
sys.path.insert(0, os.environ["LIB"])
from fkrec import Writer
N = 50000
co = zlib.compressobj(9, zlib.DEFLATED, 31)
gz = co.compress(bytes(range(64)) * 64) + co.flush(zlib.Z_SYNC_FLUSH)
w = Writer(open("msgs.fk", "wb"))
for i in range(1, N + 1):
    w.open(i, a="10.%d.%d.%d" % (i >> 16, i >> 8 & 255, i & 255), pa=1024 + i % 60000)
    w.data(i, 0, 0, b"POST /u HTTP/1.1\r\nHost: h\r\nContent-Encoding: gzip\r\n"
           b"Content-Length: 100000\r\n\r\n" + gz[:200])
    w.data(i, 1, 0, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
           b"1000\r\n" + b"c" * 200)
PY
	$TM -o m.httpsplit httpsplit -o out < msgs.fk 2>e.httpsplit | flowcat | grep STATS > stats
	[ "${PIPESTATUS[0]}" -eq 0 ] || { cat e.httpsplit; return 1; }
	grep -q 'httpsplit.requests=50000\\n' stats
	grep -q 'httpsplit.incomplete=100000\\n' stats
	# ~800 decoders fit in the default -M 32m; the others were cut
	cut=$(sed 's/.*memcap_cut=\([0-9]*\).*/\1/' stats)
	report "httpsplit: $cut of 50000 decoders cut for -M"
	[ "$cut" -gt 48000 ] && [ "$cut" -lt 50000 ]
	[ "$(grep -c 'memory cap' e.httpsplit)" -eq 1 ]
	# The flows' own few KiB (as between messages, 4 KiB a flow plus
	# 32 MiB) and the -M cap (32 MiB): messages in progress add no more.
	under "httpsplit, 50,000 gzip and 50,000 chunked messages in progress" \
	    "$(rss m.httpsplit)" $((50000 * 4 + 32768 + 32768))
}

@test "reasm memory is flat as sequential flows grow (100k vs 1M)" {
	# The sanitizers' allocators keep freed memory (quarantine, size
	# classes): RSS measures them, not the program.  make check measures.
	[ -z "${FK_SANITIZER:-}" ] || skip "RSS under a sanitizer is the allocator's"
	small=$(cached flows $((NFLOWS / 10)))
	big=$(cached flows "$NFLOWS")
	pcapcat -r "$small" | $TM -o m.small reasm | flowcat | grep STATS > s.small
	[ "${PIPESTATUS[*]}" = "0 0 0 0" ]
	pcapcat -r "$big" | $TM -o m.big reasm | flowcat | grep STATS > s.big
	[ "${PIPESTATUS[*]}" = "0 0 0 0" ]
	grep -q "reasm.closed.fin=$((NFLOWS / 10))\\\\n" s.small
	grep -q "reasm.closed.fin=$NFLOWS\\\\n" s.big
	a=$(rss m.small) b=$(rss m.big)
	report "reasm: peak RSS $a KiB at $((NFLOWS / 10)) flows, $b KiB at $NFLOWS flows"
	# Ten times the flows, at most a quarter more memory (linear growth
	# would be 10x).
	[ "$b" -le $((a + a / 4 + 2048)) ] || { echo "reasm grows: $a -> $b KiB"; return 1; }
}

@test "SYN flood: reasm's flow cap bounds its memory, flows are evicted" {
	f=$(cached synflood "$NSYN")
	pcapcat -r "$f" > syn.fk
	# Default cap (1,000,000 flows): CAVEATS say about 300 bytes a flow,
	# measured about 550; the bound allows 768 bytes a flow plus 64 MiB.
	$TM -o m.default reasm < syn.fk | flowcat | grep -e FLOW_OPEN -e STATS | cut -c1-400 > default.txt
	[ "${PIPESTATUS[0]}" -eq 0 ]
	under "reasm (default caps, $NSYN SYNs)" "$(rss m.default)" $((1000000 * 768 / 1024 + 65536))
	[ "$(grep -c 'FLOW_OPEN' default.txt)" -eq "$NSYN" ]
	# A small cap: 10,000 flows open at most, the rest evicted.
	$TM -o m.small reasm -n 10000 < syn.fk | flowcat > small.txt
	[ "${PIPESTATUS[0]}" -eq 0 ]
	ev=$(grep -c 'reason=evict' small.txt)
	report "reasm -n 10000: $ev flows evicted of $NSYN"
	[ "$ev" -eq $((NSYN - 10000)) ]
	grep -q "reasm.closed.evict=$((NSYN - 10000))" small.txt
	under "reasm -n 10000" "$(rss m.small)" $((10000 * 768 / 1024 + 65536))
	# And clearly less than with the default cap.
	[ "$(rss m.small)" -lt "$(rss m.default)" ]
}

@test "a 1 GB hole then 11 MB of data: reasm stays under its -B cap and reports a GAP" {
	python3 "$LIB/fault-streams.py" hole 1000000000 hole.pcap
	pcapcat -r hole.pcap > hole.fk
	# Baseline: reasm on the handshake alone.
	python3 - <<'PY'
import sys, os
sys.path.insert(0, os.environ["LIB"])
from fkrec import read_records, record, stream_header, PACKET
recs = [r for r in read_records(open("hole.fk", "rb")) if r[0] == PACKET][:3]
open("base.fk", "wb").write(stream_header() + b"".join(record(t, b, f) for t, f, b in recs))
PY
	$TM -o m.base reasm < base.fk > /dev/null
	base=$(rss m.base)
	for B in 1m 4m; do
		$TM -o m.$B reasm -B $B < hole.fk | flowcat > out.$B.txt
		[ "${PIPESTATUS[0]}" -eq 0 ]
		kb=$((${B%m} * 1024))
		# The hole is given up for the buffer cap, the data after it
		# delivered at its true offset, all of it.
		grep -q 'GAP id=1 dir=0 off=0 len=1000000000 reason=buffer' out.$B.txt ||
			{ grep -v DATA out.$B.txt; return 1; }
		grep -q 'reasm.bytes=11200000' out.$B.txt
		# Out-of-order bytes are capped at -B (plus one segment), plus
		# per-segment overhead: twice -B over the baseline, plus 4 MiB.
		under "reasm -B $B, 1 GB hole (baseline $base)" "$(rss m.$B)" $((base + 2 * kb + 4096))
	done
}

@test "100,000 flows with data open at once into dfxmlgen: RSS within its documented cost per flow" {
	[ -z "${FK_SANITIZER:-}" ] || skip "RSS under a sanitizer is the allocator's"
	python3 - <<'PY'
import sys, os
sys.path.insert(0, os.environ["LIB"])
from fkrec import Writer
N = 100000
w = Writer(open("open.fk", "wb"))
for i in range(1, N + 1):
    w.open(i, a="10.%d.%d.%d" % (i >> 16, i >> 8 & 255, i & 255), pa=1024 + i % 60000)
    w.data(i, 0, 0, b"request %d" % i)
    w.data(i, 1, 0, b"reply %d" % i)
for i in range(1, N + 1):
    w.close(i)
PY
	$TM -o m.dfxmlgen dfxmlgen -o r.xml < open.fk > /dev/null 2> e.dfxmlgen ||
		{ cat e.dfxmlgen; return 1; }
	[ "$(grep -c '<fileobject>' r.xml)" -eq 200000 ]
	# dfxmlgen(1) CAVEATS: about 1.7 KiB per open flow with data both ways
	# (the digest contexts); the bound allows 2.5 KiB plus 32 MiB.
	under dfxmlgen "$(rss m.dfxmlgen)" $((100000 * 5 / 2 + 32768))
}
