#!/usr/bin/env bats
# The pipeline contract (flowkit(7)): Ctrl-C ends a pipeline in order, a
# failure anywhere is visible at its end, files are never lost because a
# pass-through reader went away, binary records never land in a file or a
# terminal by accident, and a missing stage is named.
load helper

local_setup() {
	pcapcat -r "$FK_ROOT/examples/http.pcap" | reasm > s.fk
}

# cut_stream IN OUT K: the first K records of IN, without its END: the
# stream a stage leaves when it is killed.
cut_stream() {
	python3 - "$1" "$2" "$3" <<'PY'
import sys
sys.path.insert(0, __import__("os").environ["LIB"])
from fkrec import read_records, stream_header, record
recs = list(read_records(open(sys.argv[1], "rb")))
with open(sys.argv[2], "wb") as f:
    f.write(stream_header(2))
    for t, fl, b in recs[:int(sys.argv[3])]:
        f.write(record(t, b, fl))
PY
}

@test "every stream ends with one END record, complete" {
	flowname < s.fk | flowsplit -o out | flowcat > recs.txt
	tail -1 recs.txt | grep -q ' END status=complete code=0 text=""'
	[ "$(grep -c ' END ' recs.txt)" -eq 1 ]
}

@test "a failed source is seen at the end of the pipeline: exit 4 naming it, without pipefail" {
	run sh -c 'pcapcat -r nosuch.pcap | reasm | flowstat > table.txt'
	[ "$status" -eq 4 ]
	[[ "$output" == *"flowstat: incomplete input: pcapcat: nosuch.pcap: No such file"* ]]
	# and the END record says so
	pcapcat -r nosuch.pcap 2>/dev/null | reasm | flowcat > recs.txt || true
	grep -q 'END status=incomplete code=1 text="pcapcat: nosuch.pcap' recs.txt
}

@test "a damaged capture: the stream is complete, its exit status reaches the end" {
	head -c 3000 "$FK_ROOT/examples/http.pcap" > cut.pcap
	run sh -c 'pcapcat -r cut.pcap | reasm | flowsplit -o out > /dev/null'
	[ "$status" -eq 4 ]
	[[ "$output" == *"incomplete input: pcapcat: cut.pcap"* ]]
	# what was read is written under its own names, not .partial
	! ls out | grep -q partial
}

@test "a stage killed mid-stream: later stages name open flows .partial and exit 4" {
	# 35 records: inside the first response body of the fourth flow
	cut_stream s.fk cut.fk 35
	run flowsplit -o fs < cut.fk
	[ "$status" -eq 4 ]
	[[ "$output" == *"the input ended without its END record"* ]]
	ls fs | grep -q '\.partial$'
	run httpsplit -o hs < cut.fk
	[ "$status" -eq 4 ]
	ls hs | grep -q 'HTTPBODY.*\.partial$'
	run dfxmlgen -o r.xml < cut.fk
	[ "$status" -eq 4 ]
	[ ! -e r.xml ] && xmllint --noout r.xml.partial
	run flowstat -f json -o f.json < cut.fk
	[ "$status" -eq 4 ]
	python3 -c 'import json, sys; json.load(open("f.json.partial"))'
	# reasm closes the flows it had as "stopped", its END says incomplete
	pcapcat -r "$FK_ROOT/examples/http.pcap" > p.fk
	cut_stream p.fk pcut.fk 40
	reasm < pcut.fk 2>/dev/null | flowcat > recs.txt || true
	grep -q 'reason=stopped' recs.txt
	tail -1 recs.txt | grep -q 'END status=incomplete code=4'
}

@test "pass-through: into a pipe, not into a file or a log unless -p" {
	for s in "flowsplit -o o1" "httpsplit -o o2" "dfxmlgen -o r.xml"; do
		$s < s.fk > log.txt
		[ ! -s log.txt ] || { echo "$s wrote records into a file"; return 1; }
		$s -p < s.fk > log.txt
		[ "$(head -c 7 log.txt)" = FLOWKIT ] || { echo "$s -p"; return 1; }
		$s < s.fk | cat > log.txt
		[ "$(head -c 7 log.txt)" = FLOWKIT ] || { echo "$s | cat"; return 1; }
	done
}

@test "the pass-through reader goes away: files and reports complete, exit 0" {
	flowsplit -o full < s.fk > /dev/null
	flowsplit -o cut < s.fk | head -c 100 > /dev/null
	[ "${PIPESTATUS[0]}" -eq 0 ]
	diff -r full cut
	httpsplit -o hfull < s.fk > /dev/null
	httpsplit -o hcut < s.fk | head -c 100 > /dev/null
	[ "${PIPESTATUS[0]}" -eq 0 ]
	diff -r hfull hcut
	dfxmlgen -o r.xml < s.fk | head -c 10 > /dev/null
	[ "${PIPESTATUS[0]}" -eq 0 ]
	tail -1 r.xml | grep -q '</dfxml>'
	flowstat -p -f json -o f.json < s.fk | head -c 10 > /dev/null
	[ "${PIPESTATUS[0]}" -eq 0 ]
	jq -e '.flows | length == 4' f.json > /dev/null
}

@test "a missing stage is named: no reasm before flowsplit, reasm twice" {
	run sh -c "pcapcat -r '$FK_ROOT/examples/http.pcap' | flowsplit -o out > /dev/null"
	[ "$status" -eq 0 ]
	[[ "$output" == *"no stream records in the input: put reasm before flowsplit"* ]]
	run sh -c "reasm < s.fk > /dev/null"
	[[ "$output" == *"no PACKET records in the input"* ]]
	run sh -c "flowpcap -l < s.fk"
	[[ "$output" == *"no PACKET records in the input"* ]]
	# the right order says nothing
	run sh -c "flowsplit -o out2 < s.fk > /dev/null"
	[ -z "$output" ]
}

# A writer that sends part of a stream and then holds the pipe open,
# ignoring signals: a stage downstream of it drains, then is aborted by a
# second SIGINT.
@test "SIGINT: a stage drains its pipe; a second SIGINT aborts, naming files .partial" {
	n=$(python3 "$LIB/fkrec.py" count < s.fk | awk '{ t += $2 } END { print t }')
	cut_stream s.fk part.fk $((n / 2))
	( trap '' INT TERM; cat part.fk; sleep 30 ) | flowsplit -o out > /dev/null 2> err &
	pid=$!
	for _ in $(seq 50); do ls out 2>/dev/null | grep -q . && break; sleep 0.1; done
	sleep 0.3
	fs=$(pgrep -P $$ -f "flowsplit -o out" || pgrep -f "flowsplit -o out" | head -1)
	kill -INT "$fs"
	sleep 0.5
	kill -0 "$fs"	# still draining after the first
	kill -INT "$fs"
	rc=0
	wait "$pid" || rc=$?
	pkill -f "sleep 30" || true
	[ "$rc" -eq 130 ]
	grep -q 'interrupted again' err
	ls out | grep -q '\.partial$'
}

@test "SIGINT to a live pipeline's process group: every stage finishes, reports valid, cut body .partial" {
	need_root
	need_cmd jq xmllint setsid
	PORT=$(( 20000 + RANDOM % 20000 ))
	python3 "$LIB/slow-http.py" "$PORT" 2>/dev/null &
	srv=$!
	for _ in $(seq 100); do
		(exec 3<> "/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
		sleep 0.1
	done
	# its own process group, as a shell gives a pipeline (setsid does
	# not fork here: $! is the group's leader)
	setsid bash -c "trap : INT TERM; pcapcat -v -i lo tcp port $PORT 2> cap.err |
	    reasm | flowname | httpsplit -o http | dfxmlgen -o r.xml |
	    flowstat -p -f json -o flows.json | flowsplit -o fs 2> err;
	    echo \${PIPESTATUS[*]} > rcs" &
	pg=$!
	for _ in $(seq 100); do grep -q 'listening on' cap.err 2>/dev/null && break; sleep 0.1; done
	curl -s -o /dev/null --max-time 20 "http://127.0.0.1:$PORT/" &
	cli=$!
	for _ in $(seq 100); do
		[ "$(cat http/*HTTPBODY* 2>/dev/null | wc -c)" -gt 300000 ] && break
		sleep 0.1
	done
	kill -INT -- -"$pg"
	for _ in $(seq 100); do [ -s rcs ] && break; sleep 0.1; done
	kill "$srv" "$cli" 2>/dev/null || true
	cat rcs err; ls -l http fs
	[ "$(cat rcs)" = "0 0 0 0 0 0 0" ]
	ls http | grep -q 'HTTPBODY-001.txt.partial$'
	! ls http | grep -q 'HTTPBODY-001.txt$'
	xmllint --noout r.xml
	jq -e '.flows | length >= 1' flows.json > /dev/null
	jq -e '.flows[0].close == "stopped"' flows.json > /dev/null
	ls fs | grep -q '\.partial$'
}
