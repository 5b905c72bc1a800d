#!/usr/bin/env bats
# flowstat: per-flow report; numbers against tshark's conversations.
load helper

# Captures whose TCP conversations tshark and flowkit see alike: plain
# HTTP, many flows with port reuse, IPv6 on raw IP, QinQ, overlaps and
# retransmissions, missing segments, gzip'd pcapng with ns timestamps,
# loopback, out-of-order with SYN data, 100 flows.
TSHARK_SET="
zeek/http/multipart.pcap
suricata-verify/bug-7657-01/input.pcap
pcapplusplus/PcapExamples/four_ipv6_http_streams.pcap
zeek/var-services-std-ports.pcap
zeek/http/vnd.ms-cab-compressed-multi-conn.pcap
zeek/http-qinq-0.pcap
zeek/tls/dhe.pcap
zeek/postgresql/psql-aws-ssl-require-15432.pcap
scapy/dcerpc_msnrpc.pcapng.gz
suricata-verify/http-urldecode-body/input.pcap
tcpdump/bgp-4byte-asn.pcap
suricata-verify/util-action-tests/util-action-06/input.pcap
zeek/ldap/ldap-max-recursion.pcap
"

# The synthetic stream: two flows, one closed, one open at the end, STATS
# with hostile bytes.
mkstream() {
	python3 - "$@" <<'PY'
import os, sys; sys.path.insert(0, os.environ["LIB"])
from fkrec import *
w = Writer(sys.stdout.buffer, minor=2)
S = 1258589770 * 10**9
w.open(1, ts=S, a="192.168.1.102", pa=36861, b="193.1.193.64", pb=80,
       flags=1, vlan=7)
w.open(2, ts=S + 5000, a="2001:db8::1", pa=5555, b="2001:db8::2", pb=443)
w.data(1, 0, 0, b"GET / HTTP/1.0\r\n\r\n", ts=S + 1000)
w.data(1, 1, 0, b"HTTP/1.0 200 OK\r\n\r\nhello", ts=S + 2000)
w.gap(2, 0, 0, 10)
w.overlap(2, 0, 3, b"zz")
w.stats("reasm.flows=2\nevil=\x01\x1b[31m\"\\\xff\n")
w.close(1, FIN, [dirstats(packets=3, wire_bytes=322, bytes=18,
                          retrans_bytes=4, last_ts_ns=S + 3000),
                 dirstats(packets=2, wire_bytes=200, bytes=24, ooo_packets=1,
                          last_ts_ns=S + 191119000)], ts=S + 191119000)
w.data(2, 0, 10, b"x" * 100, ts=S + 9000)
w.data(99, 1, 0, b"no open for this one", ts=S + 10**9)
w.end()
PY
}

# N flows, each closed, with wire bytes (i * 37) % 1000.
mkmany() {
	python3 - "$1" <<'PY'
import os, sys; sys.path.insert(0, os.environ["LIB"])
from fkrec import *
w = Writer(sys.stdout.buffer)
for i in range(1, int(sys.argv[1]) + 1):
    w.open(i, ts=i * 10**9, a="10.%d.%d.%d" % (i >> 16, (i >> 8) & 255, i & 255),
           pa=1024 + i % 60000, b="10.255.0.1", pb=80)
    w.close(i, FIN, [dirstats(packets=i % 7 + 1, wire_bytes=(i * 37) % 1000,
                              last_ts_ns=i * 10**9 + i),
                     dirstats(packets=1, wire_bytes=60)])
PY
}

@test "flowstat: packets, bytes, start and duration equal tshark's conversations" {
	need_corpus
	for p in $TSHARK_SET; do
		g=flowstat/conv-$(echo "$p" | tr / _).txt
		if [ "${FK_UPDATE_GOLDEN:-0}" = 1 ]; then
			need_cmd tshark
			sh "$LIB/tshark-conv.sh" "$CORPUS/$p" > expected
			[ -s expected ]
			golden "$g" expected
		fi
		pcapcat -r "$CORPUS/$p" | reasm | flowstat -f tsv |
			sh "$LIB/flowstat-conv.sh" > got
		echo "# $p"
		diff -u "$GOLDEN/$g" got
	done
}

@test "flowstat: text, tsv and json reports of a synthetic stream" {
	mkstream > s.fk
	for f in text tsv json; do
		flowstat -f "$f" < s.fk > "out.$f"
		golden "flowstat/synthetic.$f" "out.$f"
	done
	python3 -m json.tool out.json > /dev/null
	# Nothing raw from the input: no control bytes; text and TSV are
	# ASCII, JSON is UTF-8 (fk_json) without C0, DEL or C1 controls
	! LC_ALL=C grep -q "$(printf '[\001-\010\016-\037\177-\377]')" out.text out.tsv
	python3 -c '
import re, sys
t = open("out.json", "rb").read().decode("utf-8")
assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f]", t), t'
	grep -q '"evil": "\\u0001\\u001b\[31m\\"\\\\ÿ"' out.json
}

@test "flowstat: json of corpus captures is valid and totals add up" {
	need_corpus
	pcapcat -r "$CORPUS/zeek/ldap/ldap-max-recursion.pcap" | reasm |
		flowstat -f json > r.json
	python3 - <<'PY'
import json
r = json.load(open("r.json"))
f = r["flows"]
assert len(f) == r["totals"]["flows"] == 100, len(f)
for d in ("ab", "ba"):
    for k in ("packets", "wire_bytes", "payload_bytes", "gap_bytes",
              "retrans_bytes"):
        k = d + "_" + k
        assert sum(x[k] for x in f) == r["totals"][k], k
assert all(x["close"] in ("fin", "rst", "timeout", "end", "evict", "reuse")
           for x in f)
# STATS: an object of integers, keys as the stages wrote them
s = r["stats"]
assert s["reasm.flows"] == 100 and type(s["reasm.flows"]) is int, s
assert all(type(v) is int for v in s.values()), s
PY
}

@test "flowstat: the text totals equal the sums of the tsv columns" {
	need_corpus
	pcapcat -r "$CORPUS/suricata-verify/bug-7657-01/input.pcap" | reasm > s.fk
	flowstat < s.fk > r.txt
	flowstat -f tsv < s.fk > r.tsv
	sums=$(awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		{ p += $c["ab_packets"] + $c["ba_packets"]
		  b += $c["ab_wire_bytes"] + $c["ba_wire_bytes"]
		  d += $c["ab_payload_bytes"] + $c["ba_payload_bytes"] }
		END { print p, b, d }' r.tsv)
	tot=$(awk '$1 == "packets" { p = $4 } $1 == "bytes" { b = $4 }
		$1 == "data" { d = $4 } END { print p, b, d }' r.txt)
	[ "$sums" = "$tot" ]
	[ "$(grep -c . r.tsv)" -eq 25 ]
}

@test "flowstat: -s sorts, -n keeps the top rows, -r reverses" {
	mkmany 500 > m.fk
	flowstat -f tsv -s bytes < m.fk > all.tsv
	flowstat -f tsv -s bytes -n 7 < m.fk > top.tsv
	head -8 all.tsv | diff - top.tsv
	# Largest first, ties by id (column 14: ab_wire_bytes; ba is 60).
	head -1 all.tsv | cut -f14 | grep -qx ab_wire_bytes
	tail -n +2 all.tsv | sort -t"$(printf '\t')" -k14,14nr -k1,1n |
		diff - <(tail -n +2 all.tsv)
	# Smallest first with -r: the last three of the descending order.
	flowstat -f tsv -s bytes -r -n 3 < m.fk | tail -n +2 | cut -f1,14 > low
	tail -n +2 all.tsv | sort -t"$(printf '\t')" -k14,14n -k1,1n |
		head -3 | cut -f1,14 | diff - low
	flowstat -f tsv -s start < m.fk | tail -n +2 | cut -f1 > ids
	seq 1 500 | diff - ids
	# Without -s the order is the order flows close; -n limits rows only.
	flowstat -n 2 < m.fk > n2.txt
	grep -q '^flows 500 ' n2.txt
	[ "$(grep -c '^[0-9]' n2.txt)" -eq 2 ]
}

@test "flowstat: -p passes the stream through unchanged, report to -o or stderr" {
	mkstream > s.fk
	flowstat -p -o r.txt < s.fk > pass.fk
	cmp s.fk pass.fk
	flowstat < s.fk | diff - r.txt
	flowstat -p -f tsv < s.fk 2> r.tsv > pass2.fk
	cmp s.fk pass2.fk
	flowstat -f tsv < s.fk | diff - r.tsv
}

@test "flowstat: streaming report of many flows in bounded memory" {
	mkmany 30000 > m.fk
	if [ -z "${FK_SANITIZER:-}" ]; then
		(ulimit -v 40000; flowstat -f tsv < m.fk > r.tsv)
	else
		flowstat -f tsv < m.fk > r.tsv
	fi
	[ "$(wc -l < r.tsv)" -eq 30001 ]
	flowstat -s packets -n 5 < m.fk | grep -q '^flows 30000 '
}

@test "flowstat: damaged input exits 3, usage errors exit 2, closed pipe exits 0" {
	mkstream > s.fk
	head -c 100 s.fk > cut.fk
	run flowstat < cut.fk
	[ "$status" -eq 3 ]
	[[ "$output" == *offset* ]]
	run flowstat -f xml < s.fk
	[ "$status" -eq 2 ]
	run flowstat -s nosuchkey < s.fk
	[ "$status" -eq 2 ]
	run flowstat -n -1 < s.fk
	[ "$status" -eq 2 ]
	run flowstat -r < s.fk
	[ "$status" -eq 2 ]
	run flowstat extra < s.fk
	[ "$status" -eq 2 ]
	mkmany 20000 > m.fk
	run sh -c 'flowstat -f tsv < m.fk | head -1'
	[ "$status" -eq 0 ]
	[ "${lines[0]%%	*}" = id ]
}

@test "flowstat: man page examples run" {
	need_corpus
	cp "$CORPUS/zeek/http/multipart.pcap" dump.pcap
	pcapcat -r dump.pcap | reasm | flowstat > r1
	grep -q '141.142.228.5:57262' r1
	pcapcat -r dump.pcap | reasm | flowstat -s bytes -n 10 > r2
	grep -q '^flows 1 (fin 1)' r2
	pcapcat -r dump.pcap | reasm | flowstat -f tsv | cut -f 1,3-6,9,11-15 > r3
	[ "$(sed -n 1p r3)" = "$(printf 'id\ta_addr\ta_port\tb_addr\tb_port\tstart\tduration\tab_packets\tba_packets\tab_wire_bytes\tba_wire_bytes')" ]
	[ "$(sed -n 2p r3)" = "$(printf '1\t141.142.228.5\t57262\t54.243.88.146\t80\t1369159408.433593000\t0.098050000\t6\t4\t945\t895')" ]
	[ -x "$FK_BIN/flowsplit" ] || skip "flowsplit not built"
	pcapcat -r dump.pcap | reasm | flowstat -p -f json -o flows.json |
		flowsplit -o out
	python3 -m json.tool flows.json > /dev/null
	[ "$(ls out | wc -l)" -ge 2 ]
}

@test "flowstat: the tunnel column (tsv) and object (json) of tunneled flows" {
	pcapcat -r "$DATA/reasm-tun-tenants.pcap" | reasm | flowstat -f tsv > out.tsv
	cat out.tsv
	head -1 out.tsv | awk -F'\t' '$NF != "tunnel" { exit 1 }'
	[ "$(cut -f27 out.tsv | grep -Ec '^vxlan-[0-9a-f]{16}$')" -eq 2 ]
	[ "$(cut -f27 out.tsv | grep -Ec '^gre-[0-9a-f]{16}$')" -eq 1 ]
	pcapcat -r "$DATA/reasm-tun-tenants.pcap" | reasm | flowstat -f json |
	    python3 -c 'import json, sys
f = json.load(sys.stdin)["flows"]
assert [x["tunnel"].split("-")[0] for x in f] == ["vxlan", "vxlan", "gre"], f
assert len({x["tunnel"] for x in f}) == 3'
	# not tunneled: empty in TSV, null in JSON
	pcapcat -r "$DATA/reasm-portreuse.pcap" | reasm | flowstat -f tsv |
	    tail -n +2 | cut -f27 | sort -u | grep -qx ''
	pcapcat -r "$DATA/reasm-portreuse.pcap" | reasm | flowstat -f jsonl |
	    jq -e 'select(.tunnel != null)' | grep -c . | grep -qx 0
}

# The bundled example through flowstat's three formats for scripts, read
# by csv, json and jq: the same columns, and the types, not only parsing.
@test "flowstat: tsv, json and jsonl load in python csv/json and jq with typed values" {
	pcapcat -r "$FK_ROOT/examples/http.pcap" | reasm > s.fk
	flowstat -f tsv < s.fk > r.tsv
	flowstat -f json < s.fk > r.json
	flowstat -f jsonl < s.fk > r.jsonl
	python3 - <<'PY'
import csv, json
rows = list(csv.DictReader(open("r.tsv", newline=""), delimiter="\t"))
doc = json.load(open("r.json"))
lines = [json.loads(l) for l in open("r.jsonl")]
flows = doc["flows"]
assert len(rows) == len(flows) == len(lines) == 4, (len(rows), len(flows))
# one set of names, in one order, in all three
assert list(rows[0].keys()) == list(flows[0].keys()) == list(lines[0].keys())
assert flows == lines
ints = [k for k in flows[0] if k.endswith(("_packets", "_bytes", "_overlaps",
        "_port")) or k == "id"]
assert len(ints) == 17, ints
for t, j in zip(rows, flows):
    for k in ints:
        assert type(j[k]) is int and int(t[k]) == j[k], k
    for k in ("start", "end", "duration"):
        assert type(j[k]) is float and float(t[k]) == j[k], k
    assert j["end"] >= j["start"] and abs(j["end"] - j["start"] - j["duration"]) < 1e-6
    for k in ("proto", "a_addr", "b_addr", "close"):
        assert type(j[k]) is str and t[k] == j[k], k
    # absent: null in JSON, an empty field in TSV (not "-")
    for k in ("vlan", "inner_vlan", "tunnel"):
        assert j[k] is None and t[k] == "", k
    assert j["proto"] == "tcp" and j["close"] == "fin"
tot = doc["totals"]
assert tot["flows"] == 4 and tot["close"] == {"fin": 4}
for k in ints:
    if k.startswith(("ab_", "ba_")):
        assert tot[k] == sum(f[k] for f in flows), k
st = doc["stats"]
assert type(st) is dict and st["pcapcat.packets"] == 86, st
assert all(type(v) is int for v in st.values()), st
PY
	jq -e '(.flows | length) == 4 and
	    ([.flows[] | .ab_payload_bytes + .ba_payload_bytes] | add) ==
	    .stats["reasm.bytes"] and
	    (.stats | to_entries | all(.value | type == "number")) and
	    (.flows | all(.a_port | type == "number")) and
	    (.flows | all(.vlan == null)) and
	    (.flows[0].start | type == "number")' r.json
	jq -se 'length == 4 and all(.id | type == "number")' r.jsonl
	# the header of -f tsv and the keys of the JSON, in one order
	[ "$(head -1 r.tsv)" = "$(jq -r '.flows[0] | keys_unsorted | join("\t")' r.json)" ]
}

@test "flowstat: STATS in JSON: integers, the last value of a key, other values as strings" {
	python3 - > st.fk <<'PY'
import os, sys; sys.path.insert(0, os.environ["LIB"])
from fkrec import *
w = Writer(sys.stdout.buffer)
w.stats("a.n=1\na.big=18446744073709551615\na.over=18446744073709551616\n"
        "a.lead=007\na.neg=-3\na.word=x\"y\nnoeq\n")
w.stats("a.n=2\n")
w.end()
PY
	flowstat -f json < st.fk > r.json
	python3 -c 'import json
s = json.load(open("r.json"))["stats"]
assert s == {"a.big": 18446744073709551615, "a.over": "18446744073709551616",
    "a.lead": "007", "a.neg": "-3", "a.word": "x\"y", "noeq": None,
    "a.n": 2}, s
assert list(s)[-1] == "a.n"'
}

@test "flowstat -f jsonl: a flow's line is written as it closes, before the input ends" {
	mkmany 3 > m.fk
	# all but the END record: the input stays open after the three flows
	python3 - <<'PY'
import os, select, subprocess, sys
data = open("m.fk", "rb").read()
p = subprocess.Popen(["flowstat", "-f", "jsonl"], stdin=subprocess.PIPE,
                     stdout=subprocess.PIPE)
p.stdin.write(data)
p.stdin.flush()
got = b""
while got.count(b"\n") < 3:
    r, _, _ = select.select([p.stdout], [], [], 10)
    assert r, "no line within 10 s while the input is open: %r" % got
    chunk = os.read(p.stdout.fileno(), 65536)
    assert chunk, got
    got += chunk
assert p.poll() is None          # still running: the lines came live
p.stdin.close()
assert p.stdout.read() == b"" and p.wait() in (0, 4)
import json
assert [json.loads(l)["id"] for l in got.splitlines()] == [1, 2, 3]
PY
}
