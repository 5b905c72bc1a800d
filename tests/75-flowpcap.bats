#!/usr/bin/env bats
# flowpcap: flow table, selection, pcap/framed/payload output.
# Crafted captures: tests/lib/craft-flowpcap.py (committed in tests/data).
load helper

U="$DATA/flowpcap-udp.pcap"

# xdump FILE: tcpdump's view of a pcap, timestamps and bytes.
xdump() {
	tcpdump -nn --nano -x -r "$1" 2>/dev/null
}

@test "flowpcap: usage errors exit 2" {
	run flowpcap -@
	[ "$status" -eq 2 ]
	for a in "-f nope" "-P icmp" "-p 80-10" "-p 70000" "-a 10.0.0.300" \
	    "-a 10.0.0.0/33" "-F 0" "-m 0" "-f payload -w x" "-f payload" \
	    "-T %A -o d" "-l -w -" "-f payload -P tcp -o d" "extra"; do
		run flowpcap $a </dev/null
		[ "$status" -eq 2 ] || { echo "flowpcap $a: $status"; return 1; }
	done
}

@test "flowpcap -l: the flow table of the crafted UDP capture" {
	pcapcat -r "$U" | flowpcap -l > list.tsv
	golden flowpcap-udp.list list.tsv
}

@test "flowpcap -l: the leading columns are flowstat's, same names, same values" {
	pcapcat -r "$FK_ROOT/examples/http.pcap" > p.fk
	flowpcap -l < p.fk > l.tsv
	reasm < p.fk | flowstat -f tsv > s.tsv
	head -1 l.tsv | cut -f1-11 | grep -qx "$(printf 'id\tproto\ta_addr\ta_port\tb_addr\tb_port\tvlan\tinner_vlan\tstart\tend\tduration')"
	[ "$(grep -c . l.tsv)" -eq 5 ]
	diff <(cut -f1-11 l.tsv) <(cut -f1-11 s.tsv)
	# absent values are empty fields, not "-"
	! grep -q '	-	\|	-$' l.tsv
	python3 -c 'import csv
r = list(csv.DictReader(open("l.tsv"), delimiter="\t"))
assert all(x["vlan"] == "" and int(x["wire_bytes"]) > 0 for x in r), r'
}

@test "flowpcap: records pass through, then a STATS record" {
	pcapcat -r "$U" | flowcat > in.txt
	pcapcat -r "$U" | flowpcap | flowcat > out.txt
	grep -v "flowpcap\\." out.txt | sed 's/^@[0-9]* //' > a
	sed 's/^@[0-9]* //' in.txt > b
	diff a b
	grep -q 'flowpcap.skipped.fragment=1' out.txt
	grep -q 'flowpcap.skipped.short_udp=1' out.txt
	grep -q 'flowpcap.skipped.not_udp=1' out.txt
}

@test "flowpcap -f payload: UDP directions to files (options, IPv6 HBH, VLAN, padding)" {
	pcapcat -r "$U" | flowpcap -f payload -o p > /dev/null
	[ "$(cat p/010.000.000.001.01111-010.000.000.002.00053)" = query-1query-2 ]
	[ "$(cat p/010.000.000.002.00053-010.000.000.001.01111)" = answer-1! ]
	[ "$(cat p/010.000.000.001.01111-010.000.000.002.00053--7)" = vlan-7 ]
	[ "$(cat p/010.000.000.003.02222-010.000.000.002.00053)" = with-options ]
	[ "$(cat p/2001:db8::1.03333-2001:db8::2.05353)" = v6-hbh ]
	[ "$(cat p/010.000.000.004.04444-010.000.000.002.00053)" = ab ]
	[ "$(cat p/010.000.000.005.05555-010.000.000.002.00053)" = liar ]
	[ "$(ls p | wc -l)" -eq 7 ]
}

@test "flowpcap -f framed: header layout decoded by tests/lib/framed.py" {
	pcapcat -r "$U" | flowpcap -f framed -w - > all.framed
	python3 "$LIB/framed.py" all.framed > frames.txt
	golden flowpcap-udp.frames frames.txt
	pcapcat -r "$U" | flowpcap -f framed -o f > /dev/null
	[ -f f/flow0007.framed ]
	python3 "$LIB/framed.py" f/flow0007.framed > f7.txt
	awk '$3 == 7' frames.txt | diff - f7.txt
}

@test "flowpcap -o: mixed link types go to sibling files" {
	need_cmd tcpdump
	pcapcat -r "$U" -r "$DATA/flowpcap-sll.pcap" |
		flowpcap -P udp -w m.pcap -o o > /dev/null
	[ -f o/flow0001.pcap ] && [ -f o/flow0001.lt113.pcap ]
	[ "$(tcpdump -nn -r m.pcap 2>/dev/null | wc -l)" -eq 8 ]
	tcpdump -r m.lt113.pcap 2>&1 | grep -q 'LINUX_SLL'
	[ "$(tcpdump -nn -r o/flow0001.lt113.pcap 2>/dev/null | wc -l)" -eq 2 ]
	[ "$(tcpdump -nn -r o/flow0001.pcap 2>/dev/null | wc -l)" -eq 3 ]
	# -w - cannot take a second link type: written what it can, exit 1
	run sh -c 'pcapcat -r "$1" -r "$2" | flowpcap -P udp -w - > s.pcap' _ \
	    "$U" "$DATA/flowpcap-sll.pcap"
	[ "$status" -eq 1 ]
	[ "$(tcpdump -nn -r s.pcap 2>/dev/null | wc -l)" -eq 8 ]
}

@test "flowpcap -w: nanosecond times rewrite a file in place; stdout cuts them" {
	need_cmd tcpdump
	pcapcat -r "$DATA/flowpcap-ns.pcap" | flowpcap -w n.pcap > /dev/null
	xdump n.pcap | grep -q '^22:13:20.000002345 '
	xdump n.pcap | grep -q '^22:13:20.000001000 '
	pcapcat -r "$DATA/flowpcap-ns.pcap" | flowpcap -w - 2> err > s.pcap
	grep -q 'cut to microseconds' err
	xdump s.pcap | grep -q '^22:13:20.000002000 '
}

@test "flowpcap: empty selection writes a valid empty capture" {
	need_cmd tcpdump
	pcapcat -r "$U" | flowpcap -F 99 -w e.pcap -o o -l > l.tsv
	[ "$(wc -l < l.tsv)" -eq 1 ]
	[ "$(tcpdump -nn -r e.pcap 2>/dev/null | wc -l)" -eq 0 ]
	tcpdump -r e.pcap 2>&1 | grep -q EN10MB
	[ -z "$(ls o)" ]
}

@test "flowpcap -m: at most N packets per flow" {
	need_cmd tcpdump
	pcapcat -r "$U" | flowpcap -m 1 -o o > /dev/null
	for f in o/*.pcap; do
		[ "$(tcpdump -nn -r "$f" 2>/dev/null | wc -l)" -eq 1 ]
	done
	tcpdump -nn -r o/flow0001.pcap 2>/dev/null | grep -q '1111 > 10.0.0.2.53'
}

@test "flowpcap: hostile names and planted symlinks never escape -o" {
	mkdir o
	ln -s ../victim o/flow0001.pcap
	run sh -c 'pcapcat -r "$1" | flowpcap -o o > /dev/null' _ "$U"
	[ "$status" -eq 1 ]
	[ ! -e victim ]
	[ -f o/flow0002.pcap ]
	run flowpcap -f payload -T '../%A' -o p < /dev/null
	[ "$status" -eq 2 ]
	# a template that expands unsafely for a flow skips it, exit 1
	pcapcat -r "$U" | flowpcap -f payload -T '%A/x/%a' -o q > /dev/null
	[ -f q/010.000.000.001/x/01111 ]
}

@test "flowpcap -F: each TCP stream of corpus captures equals tshark's tcp.stream" {
	need_corpus
	need_cmd tshark tcpdump
	for f in pcapplusplus/ExamplesTest/http-packets.pcap \
	    pcapplusplus/PcapExamples/four_ipv6_http_streams.pcap \
	    suricata-verify/bug-7657-01/input.pcap; do
		n=$(tshark -r "$CORPUS/$f" -T fields -e tcp.stream 2>/dev/null |
		    sort -n | tail -1)
		pcapcat -r "$CORPUS/$f" | flowpcap -t 0 -P tcp -o o > /dev/null
		for s in $(seq 0 "$n"); do
			tshark -r "$CORPUS/$f" -Y "tcp.stream==$s" -F pcap \
			    -w ts.pcap 2>/dev/null
			id=$(printf '%04d' $((s + 1)))
			xdump ts.pcap > a
			xdump "o/flow$id.pcap" > b
			cmp -s a b || { echo "$f stream $s"; return 1; }
		done
		rm -rf o
	done
}

@test "flowpcap -a/-p: address and port-range selections equal tcpdump BPF" {
	need_corpus
	need_cmd tcpdump
	f="$CORPUS/pcapplusplus/PcapExamples/DnsPackets.pcap"
	pcapcat -r "$f" | flowpcap -a 10.0.0.0/24 -w a.pcap > /dev/null
	tcpdump -r "$f" -w b.pcap '(tcp or udp) and net 10.0.0.0/24' 2>/dev/null
	xdump a.pcap > a
	xdump b.pcap > b
	[ -s a ] && diff a b
	pcapcat -r "$f" | flowpcap -a fe80::/16 -P udp -w a6.pcap > /dev/null
	tcpdump -r "$f" -w b6.pcap 'udp and (ip6 net fe80::/16)' 2>/dev/null
	xdump a6.pcap > a
	xdump b6.pcap > b
	[ -s a ] && diff a b
	g="$CORPUS/pcapplusplus/PcapExamples/4KHttpRequests.pcap"
	pcapcat -r "$g" | flowpcap -p 60500-61600 -w p.pcap > /dev/null
	tcpdump -r "$g" -w q.pcap '(tcp or udp) and portrange 60500-61600' 2>/dev/null
	xdump p.pcap > a
	xdump q.pcap > b
	[ -s a ] && diff a b
}

@test "flowpcap -f payload: UDP flows of a DNS capture equal tshark follow,udp,raw" {
	need_corpus
	need_cmd tshark
	f="$CORPUS/pcapplusplus/PcapExamples/DnsPackets.pcap"
	pcapcat -r "$f" | flowpcap -t 0 -f payload -o u > /dev/null
	run python3 "$LIB/udp-follow-check.py" "$f" u 25
	echo "$output" | grep -v '^ok' || true
	[ "$status" -eq 0 ]
}

@test "flowpcap: damaged record stream exits 3" {
	pcapcat -r "$U" | head -c 300 > cut.fk
	run sh -c 'flowpcap -l < cut.fk'
	[ "$status" -eq 3 ]
}

@test "flowpcap: man page EXAMPLES run" {
	need_corpus
	f="$CORPUS/pcapplusplus/PcapExamples/DnsPackets.pcap"
	pcapcat -r "$f" | flowpcap -l | grep -q '^1	udp	10.0.0.1	56520'
	pcapcat -r "$f" | flowpcap -a 10.0.0.0/8 -p 53 -m 10 -o dns | reasm |
		flowstat > /dev/null
	[ -f dns/flow0001.pcap ]
	pcapcat -r "$f" | flowpcap -f payload -o udp > /dev/null
	[ -n "$(ls udp)" ]
}

@test "flowpcap -o: a FIFO at a flow's file name is refused, no hang; -w FIFO is written" {
	pcapcat -r "$U" | flowpcap -o ref > /dev/null
	mkdir p && mkfifo p/flow0001.pcap
	pcapcat -r "$U" > in.fk
	run timeout 10 flowpcap -o p < in.fk
	[ "$status" -eq 1 ] || { echo "status $status: $output"; return 1; }
	[[ "$output" == *"p/flow0001.pcap: not a regular file: skipping this file"* ]]
	[ -p p/flow0001.pcap ]
	for f in ref/*; do
		b=${f##*/}
		[ "$b" = flow0001.pcap ] || cmp "$f" "p/$b"
	done
	timeout 10 flowpcap -o p < in.fk 2>/dev/null | flowcat | grep -q 'flowpcap.not_regular=1'
	# a FIFO the user names is theirs: written as usual
	mkfifo w.pipe
	cat w.pipe > w.pcap &
	timeout 10 flowpcap -w w.pipe < in.fk
	wait $!
	pcapcat -r "$U" | flowpcap -w w.ref
	cmp w.ref w.pcap
}
