#!/usr/bin/env bats
# flowname: tcpflow-compatible FLOW_NAME records.
load helper

# names: the FLOW_NAME records of a stream on stdin, "flow dir name".
names() {
	python3 -c '
import sys; sys.path.insert(0, sys.argv[1]); from fkrec import *
for n, f in records(sys.stdin.buffer):
    if n == "FLOW_NAME":
        print(f["flow"], f["dir"], f["name"].decode("utf-8", "replace"))
' "$LIB"
}

@test "flowname: tcpflow's names for test1, test2 (VLAN) and test4 (IPv6)" {
	need_corpus
	for f in test1 test2 test4; do
		pcapcat -r "$CORPUS/tcpflow/$f.pcap" | reasm | flowname | names |
			cut -d' ' -f3 | sort > $f.names
	done
	grep -qx '074.125.019.104.00080-192.168.001.102.50955' test1.names
	grep -qx '192.168.001.102.50955-074.125.019.104.00080' test1.names
	grep -qx '010.000.000.001.09999-010.000.000.002.36559--42' test2.names
	grep -qx '010.000.000.002.36559-010.000.000.001.09999--42' test2.names
	grep -qx '2001:0:53aa:64c:422:2ece:a29c:9cf6.51391-2001:67c:1220:809::93e5:916.00080' test4.names
	grep -qx '2001:67c:1220:809::93e5:916.00080-2001:0:53aa:64c:422:2ece:a29c:9cf6.51396' test4.names
	[ "$(wc -l < test4.names)" -eq 12 ]
}

@test "flowname: every template token" {
	craft > in.fk <<'PY'
w.open(1, ts=1303415757_321807000, a="10.0.0.1", pa=1234, b="10.0.0.2", pb=80,
       flags=1, vlan=42, eth_a="00:19:66:a7:83:b3", eth_b="00:23:54:c2:0f:27")
w.open(2, ts=0, a="2001:db8::1", pa=5, b="::1", pb=65535)
PY
	flowname -T '%A.%a-%B.%b_%E_%e_%T_%t_%V%v_%C%c_%#_%N%K%M%G_%S_%%' < in.fk |
		names > out
	golden flowname-tokens out
	flowname -V < in.fk | names > novlan
	grep -qx '1 0 010.000.000.001.01234-010.000.000.002.00080' novlan
}

@test "flowname: -F shorthands as tcpflow (-Ft -FT -Fk -Fm -Fg -Fc)" {
	craft > in.fk <<'PY'
w.open(1, ts=1303415757_321807000, a="172.16.5.2", pa=5678, b="172.16.5.92", pb=9999)
PY
	for F in t T k m g c; do
		echo "-F$F $(flowname -F$F < in.fk | names | head -1)"
	done > out
	golden flowname-F out
}

@test "flowname: connection counter follows tcpflow on port reuse" {
	need_corpus
	# tcpflow: flow_test.pcap, three connections on one 4-tuple.
	pcapcat -r "$CORPUS/tcpflow/flow_test.pcap" | reasm | flowname | names |
		awk '$2 == 0 { print $3 }' > out
	printf '%s\n' 172.016.005.002.05678-172.016.005.092.09999 \
		172.016.005.002.05678-172.016.005.092.09999c1 \
		172.016.005.002.05678-172.016.005.092.09999c2 | diff - out
}

@test "flowname: a direction without data does not take a name" {
	craft > in.fk <<'PY'
for i in (1, 2, 3):
    w.open(i)
    w.data(i, 0, 0, b"req")
    if i != 2:
        w.data(i, 1, 0, b"resp")
    w.close(i)
PY
	flowname < in.fk | names > out
	golden flowname-counter out
}

@test "flowname: names stay unique without a counter in the template" {
	craft > in.fk <<'PY'
w.open(1); w.open(2); w.data(1, 0, 0, b"x"); w.data(2, 0, 0, b"y")
PY
	flowname -T 'same' < in.fk | names > out
	[ "$(cut -d' ' -f3 out | sort -u | wc -l)" -eq 4 ]
}

@test "flowname: unsafe or invalid templates are usage errors" {
	for t in '../x' '/abs/%A' 'a//%A' '%A/../x' '.' 'x/' '%' '%Q' ''; do
		run flowname -T "$t" < /dev/null
		[ "$status" -eq 2 ] || { echo "accepted: '$t'"; return 1; }
	done
	run flowname -Fz < /dev/null
	[ "$status" -eq 2 ]
	craft < /dev/null | flowname -T '%A/%B/%a-%b' > /dev/null
}

@test "flowname: other records pass through unchanged, upstream names replaced" {
	craft > in.fk <<'PY'
w.open(7); w.name(7, 0, "old"); w.data(7, 0, 0, b"abc"); w.gap(7, 1, 0, 10)
w.close(7); w.stats("x.y=1\n")
PY
	flowname < in.fk > out.fk
	python3 "$LIB/fkrec.py" dump < out.fk | grep -v '^FLOW_NAME\|flowname\.\|^END' > a
	python3 "$LIB/fkrec.py" dump < in.fk | grep -v '^FLOW_NAME' > b
	diff b a
	[ "$(names < out.fk | wc -l)" -eq 2 ]
	! names < out.fk | grep -q old
}

# Open flows sharing a base name (QinQ flows on one 4-tuple, -V): each new
# flow took every count in use in turn (20,000 flows: minutes); now each
# base name keeps its next count and the counts given back (fk_namer).
@test "flowname: 20,000 open flows sharing one name, in linear time" {
	craft > in.fk <<'PY'
for i in range(1, 20001):
    w.open(i, flags=3, vlan=7, vlan_inner=i % 4096)
for i in range(1, 20001, 2):
    w.close(i)
for i in range(20001, 20004):
    w.open(i, flags=3, vlan=7)
PY
	timeout 20 flowname -V < in.fk | names > out
	[ "$(wc -l < out)" -eq 40006 ]
	# Closed without data: their counts are given back, lowest first.
	grep -qx '20001 0 010.000.000.001.01024-010.000.000.002.00080' out
	grep -qx '20002 0 010.000.000.001.01024-010.000.000.002.00080c2' out
	grep -qx '20003 1 010.000.000.002.00080-010.000.000.001.01024c4' out
	grep -qx '20000 0 010.000.000.001.01024-010.000.000.002.00080c19999' out
}

@test "flowname: %U%u and %O %o name a flow's tunnel; the default names of tenants take c1, c2" {
	pcapcat -r "$DATA/reasm-tun-tenants.pcap" | reasm |
	    flowname -T '%A.%a-%B.%b%U%u-%O-%o' | names > got
	cat got
	grep -Eqx '1 0 010.000.000.001.40000-010.000.000.002.00080--vxlan-[0-9a-f]{16}-192.000.002.001-192.000.002.002' got
	grep -Eqx '3 1 010.000.000.002.00080-010.000.000.001.40000--gre-[0-9a-f]{16}-198.051.100.002-198.051.100.001' got
	[ "$(cut -d' ' -f3 got | sort -u | wc -l)" -eq 6 ]
	# not tunneled: the tokens are empty
	pcapcat -r "$DATA/reasm-portreuse.pcap" | reasm |
	    flowname -T '%A%U%u%O%o' | names | head -1 | grep -qx '1 0 010.000.000.001'
	# the default template keeps the names apart with the counter
	pcapcat -r "$DATA/reasm-tun-tenants.pcap" | reasm | flowname |
	    names | cut -d' ' -f3 | sort > def
	grep -qx '010.000.000.001.40000-010.000.000.002.00080c2' def
}
