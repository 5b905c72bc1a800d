#!/usr/bin/env bats
# flowrelay: a TCP relay that records its connections.  Real clients and
# servers, on loopback (127.0.0.1, ::1) and unix sockets only; every
# process runs under timeout.  tests/lib/relay-peer.py is the scriptable
# client and server.

load helper

PEER="$LIB/relay-peer.py"
PIDS=()

teardown() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
}

# bg CMD...: run CMD in the background (output to files, fd 3 closed).
bg() {
	"$@" 3>&- &
	PIDS+=($!)
}

# wait_for FILE [PATTERN]: until FILE exists (and matches), at most 20 s.
wait_for() {
	local i
	for i in $(seq 200); do
		if [ -s "$1" ] && { [ -z "${2:-}" ] || grep -q "$2" "$1"; }; then
			return 0
		fi
		sleep 0.1
	done
	echo "timed out waiting for $1 ${2:-}"
	cat "$1" 2>/dev/null
	return 1
}

# relay ARGS...: start flowrelay ARGS > rec 2> relay.err, and set RPORT
# to the client port it announces (RELAY is the pid to wait for).
relay() {
	timeout 30 flowrelay "$@" > rec 2> relay.err 3>&- &
	RELAY=$!
	PIDS+=($RELAY)
	wait_for relay.err "listening for the client"
	RPORT=$(sed -n 's/.*listening for the client on .* port \([0-9]*\)$/\1/p' relay.err)
}

# relay_done: wait for the relay; fail unless it exited with status ${1:-0}.
relay_done() {
	local st=0
	wait "$RELAY" || st=$?
	[ "$st" -eq "${1:-0}" ] || { echo "flowrelay exited $st"; cat relay.err; return 1; }
}

# http_server DIR ADDR: python's http.server on a free port of ADDR; sets HPORT.
http_server() {
	bg timeout 60 python3 -u -m http.server 0 --bind "$2" --directory "$1" \
		> http.log 2>&1
	wait_for http.log "Serving HTTP"
	HPORT=$(sed -n 's/.* port \([0-9]*\) .*/\1/p' http.log)
}

# peer_server KIND ADDR [N]: relay-peer.py server; sets SPORT.
peer_server() {
	rm -f sport
	bg timeout 30 python3 "$PEER" server "$1" "$2" sport "${3:-1}" > server.log 2>&1
	wait_for sport
	SPORT=$(cat sport)
}

# flows: the relay's records as tests/lib/fk2files.py sees them, in ./f
flows() {
	rm -rf f
	python3 "$LIB/fk2files.py" f < rec
}

# curl_bytes TRACE DIR: the bytes curl --trace logged as sent (DIR "=>")
# or received ("<=").
curl_bytes() {
	python3 - "$1" "$2" <<'PY'
import re, sys
out, take = bytearray(), False
for line in open(sys.argv[1], encoding="latin-1"):
    if line.startswith(("=>", "<=", "==")):
        take = line.startswith(sys.argv[2] + " Send" if sys.argv[2] == "=>"
                               else sys.argv[2] + " Recv") and "SSL" not in line
        continue
    m = re.match(r"[0-9a-f]{4,}: ", line)
    if take and m:
        hexpart = line[m.end():m.end() + 48]
        out += bytes(int(h, 16) for h in hexpart.split())
sys.stdout.buffer.write(out)
PY
}

@test "flowrelay: -h, bad options and a terminal as output" {
	run flowrelay -h
	[ "$status" -eq 0 ]
	[[ "$output" == *"usage: flowrelay"* ]]
	run flowrelay -@
	[ "$status" -eq 2 ]
	[[ "$output" == *"usage: flowrelay"* ]]
	run flowrelay -p sctp 80
	[ "$status" -eq 2 ]
	[[ "$output" == *"protocols are tcp, tcp6 and local"* ]]
	run flowrelay -c 80
	[ "$status" -eq 2 ]
	run flowrelay -p local /nonexistent.sock
	[ "$status" -eq 2 ]
	run flowrelay -F 0 80
	[ "$status" -eq 2 ]
	run flowrelay 80 1 2
	[ "$status" -eq 2 ]
	if command -v script >/dev/null; then
		run timeout 10 script -qec "$FK_BIN/flowrelay -m 1 80" /dev/null
		[ "$status" -eq 2 ]
		[[ "$output" == *"standard output is a terminal"* ]]
	fi
}

@test "flowrelay: curl through the relay; flowsplit files are exactly what curl sent and got" {
	need_cmd curl
	mkdir www
	head -c 300000 /dev/urandom > www/blob.bin
	http_server www 127.0.0.1
	timeout 30 flowrelay -m 1 "$HPORT" 2> relay.err 3>&- |
		flowname | flowsplit -o out > /dev/null 3>&- &
	RELAY=$!
	PIDS+=($RELAY)
	wait_for relay.err "listening for the client"
	RPORT=$(sed -n 's/.* port \([0-9]*\)$/\1/p' relay.err)
	timeout 20 curl -sS --trace trace -o got.bin "http://127.0.0.1:$RPORT/blob.bin"
	relay_done
	cmp got.bin www/blob.bin
	# A is the client (any port), B the server
	ab=$(ls out/127.000.000.001.*-127.000.000.001.$(printf %05d "$HPORT"))
	ba=$(ls out/127.000.000.001.$(printf %05d "$HPORT")-127.000.000.001.*)
	[ "$(ls out | wc -l)" -eq 2 ]
	curl_bytes trace "=>" > sent
	curl_bytes trace "<=" > received
	[ -s sent ] && [ -s received ]
	cmp "$ab" sent
	cmp "$ba" received
	tail -c 300000 "$ba" | cmp - www/blob.bin
}

@test "flowrelay: records: one flow, offsets contiguous, fin, counters, STATS" {
	need_cmd curl
	mkdir www
	echo hello > www/a.txt
	http_server www 127.0.0.1
	relay -m 1 "$HPORT"
	timeout 20 curl -sS -o got "http://127.0.0.1:$RPORT/a.txt"
	relay_done
	flows
	[ "$(wc -l < f/flows.tsv)" -eq 1 ]
	# id fam a pa b pb opener reason: family 4, server port, SYN, fin
	read -r id fam a pa b pb opener reason abn ban rest < f/flows.tsv
	[ "$id" = 1 ] && [ "$fam" = 4 ] && [ "$a" = 127.0.0.1 ] && [ "$b" = 127.0.0.1 ]
	[ "$pb" = "$HPORT" ] && [ "$opener" = 1 ] && [ "$reason" = 1 ]
	[ "$abn" -eq "$(stat -c %s f/1.ab)" ] && [ "$ban" -gt 6 ]
	tail -c 6 f/1.ba | cmp - www/a.txt
	flowcat < rec > cat.txt
	grep -q "FLOW_CLOSE id=1 reason=fin" cat.txt
	grep -q "ab=pkts:[1-9][0-9]*,wire:$abn,bytes:$abn," cat.txt
	grep -q 'flowrelay.connections=1\\nflowrelay.failed=0' cat.txt
	# stream header first, then FLOW_OPEN, DATA..., FLOW_CLOSE, STATS
	python3 "$LIB/fkrec.py" count < rec > count
	grep -qx "FLOW_OPEN 1" count && grep -qx "FLOW_CLOSE 1" count && grep -qx "STATS 1" count
	flowstat < rec > /dev/null
}

@test "flowrelay: | httpsplit -o http: the body equals the served file (man page example)" {
	need_cmd curl
	[ -x "$FK_BIN/httpsplit" ] || skip "no httpsplit"
	mkdir www
	head -c 2000000 /dev/urandom > www/big.bin
	http_server www 127.0.0.1
	timeout 30 flowrelay -m 1 "$HPORT" 2> relay.err 3>&- |
		flowname | httpsplit -o http > /dev/null 3>&- &
	RELAY=$!
	PIDS+=($RELAY)
	wait_for relay.err "listening for the client"
	RPORT=$(sed -n 's/.* port \([0-9]*\)$/\1/p' relay.err)
	timeout 20 curl -sS -o got.bin "http://127.0.0.1:$RPORT/big.bin"
	relay_done
	cmp got.bin www/big.bin
	n=0
	for f in http/*HTTPBODY*; do
		cmp -s "$f" www/big.bin && n=$((n + 1))
	done
	[ "$n" -eq 1 ]
}

@test "flowrelay: bulk echo both ways at once (backpressure), several clients in parallel" {
	peer_server echo tcp:127.0.0.1:0 3
	relay -m 3 "$SPORT"
	local cl=() i
	for i in 1 2 3; do
		timeout 60 python3 "$PEER" client echo "tcp:127.0.0.1:$RPORT" 3000000 > c$i.out 3>&- &
		cl+=($!)
	done
	# each client's own exit, not job numbers: a client may print its
	# result after the relay has seen its connection close
	for i in 0 1 2; do wait "${cl[$i]}" || { echo "client $((i + 1)) failed"; cat c$((i + 1)).out; }; done
	relay_done
	for i in 1 2 3; do grep -qx "ok 3000000" c$i.out || { echo "client $i:"; cat c$i.out; return 1; }; done
	flows
	[ "$(wc -l < f/flows.tsv)" -eq 3 ]
	for i in 1 2 3; do
		cmp f/$i.ab f/$i.ba
		[ "$(stat -c %s f/$i.ab)" -eq 3000000 ]
	done
	awk -F'\t' '$8 != 1 { exit 1 }' f/flows.tsv
}

@test "flowrelay: half-close is forwarded (shutdown), the reply comes back, reason fin" {
	peer_server halfclose tcp:127.0.0.1:0
	relay -m 1 "$SPORT"
	run timeout 20 python3 "$PEER" client halfclose "tcp:127.0.0.1:$RPORT"
	[ "$status" -eq 0 ]
	[ "${lines[1]}" = ok ]
	relay_done
	flows
	cut -f8-10 f/flows.tsv | grep -qx "$(printf '1\t5000\t%s' "$(printf '%s\n' "${lines[0]}" | wc -c)")"
}

@test "flowrelay: a server that resets: the client sees the reset, reason rst" {
	peer_server rst tcp:127.0.0.1:0
	relay -m 1 "$SPORT"
	run timeout 20 python3 "$PEER" client reset "tcp:127.0.0.1:$RPORT"
	[ "$status" -eq 0 ]
	[ "$output" = reset ]
	relay_done
	flows
	cut -f8 f/flows.tsv | grep -qx 2
	[ "$(cat f/1.ab)" = hello ]
	[ "$(cat f/1.ba)" = bye ]
	flowcat < rec | grep -q 'closed.rst=1'
}

@test "flowrelay: -b cuts each connection after exactly max_bytes, reason evict" {
	peer_server echo tcp:127.0.0.1:0
	relay -m 1 -b 1000 "$SPORT"
	run timeout 20 python3 "$PEER" client limit "tcp:127.0.0.1:$RPORT"
	[ "$status" -eq 0 ]
	[ "$output" -le 1000 ]
	relay_done
	flows
	read -r id fam a pa b pb opener reason abn ban rest < f/flows.tsv
	[ "$reason" = 5 ]
	[ $((abn + ban)) -eq 1000 ]
	# what came back to the client is all the server-to-client bytes relayed
	[ "$output" -eq "$ban" ]
}

@test "flowrelay: -F 1 serves one client at a time, -m 2 exits after the second" {
	peer_server echo tcp:127.0.0.1:0 2
	relay -F 1 -m 2 "$SPORT"
	run timeout 20 python3 "$PEER" client two "tcp:127.0.0.1:$RPORT"
	[ "$status" -eq 0 ]
	[ "$output" = ok ]
	relay_done
	flowcat < rec | awk '{ print $2, $3 }' | grep -E '^(FLOW_OPEN|FLOW_CLOSE)' > order
	printf 'FLOW_OPEN id=1\nFLOW_CLOSE id=1\nFLOW_OPEN id=2\nFLOW_CLOSE id=2\n' | diff - order
	flows
	[ "$(cat f/1.ab)" = first ] && [ "$(cat f/2.ab)" = second ] && [ "$(cat f/2.ba)" = second ]
}

@test "flowrelay: SIGTERM closes open connections as stopped, ends the stream interrupted, exit 0" {
	peer_server echo tcp:127.0.0.1:0
	relay "$SPORT"
	bg timeout 20 python3 "$PEER" client hold "tcp:127.0.0.1:$RPORT" ready > hold.out
	wait_for ready
	# the flow is open and its echo was relayed; records are flushed live
	wait_for rec
	flowcat < rec | grep -q 'DATA id=1 dir=1 off=0 len=2'
	kill -TERM "$RELAY"
	relay_done
	wait_for hold.out closed
	flowcat < rec > cat.txt
	grep -q 'FLOW_CLOSE id=1 reason=stopped' cat.txt
	grep -q 'closed.stopped=1' cat.txt
	tail -1 cat.txt | grep -q 'END status=interrupted'
}

@test "flowrelay: IPv6 (-p tcp6) to python's http.server on ::1" {
	need_cmd curl
	python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null ||
		skip "no ::1"
	mkdir www
	echo six > www/six.txt
	http_server www ::1
	relay -p tcp6 -m 1 "$HPORT"
	grep -q 'on ::1 port' relay.err
	timeout 20 curl -sS -o got "http://[::1]:$RPORT/six.txt"
	relay_done
	cmp got www/six.txt
	flows
	read -r id fam a pa b pb rest < f/flows.tsv
	[ "$fam" = 6 ] && [ "$a" = ::1 ] && [ "$b" = ::1 ] && [ "$pb" = "$HPORT" ]
	flowname < rec | flowsplit -o out > /dev/null
	[ "$(ls out | wc -l)" -eq 2 ]
}

@test "flowrelay: -p tcp/tcp6: IPv6 clients to an IPv4 server, IPv4-mapped in a family 6 record" {
	python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null ||
		skip "no ::1"
	peer_server echo tcp:127.0.0.1:0
	relay -p tcp/tcp6 -m 1 "$SPORT"
	run timeout 20 python3 "$PEER" client echo "tcp:::1:$RPORT" 1000
	[ "$output" = "ok 1000" ]
	relay_done
	flows
	read -r id fam a pa b pb rest < f/flows.tsv
	[ "$fam" = 6 ] && [ "$a" = ::1 ] && [ "$b" = ::ffff:7f00:1 ] && [ "$pb" = "$SPORT" ]
}

@test "flowrelay: unix sockets (-p local): zero addresses, client port = connection number; socket removed" {
	peer_server echo "unix:$T/srv.sock" 2
	timeout 30 flowrelay -p local -m 2 "$T/srv.sock" "$T/relay.sock" > rec 2> relay.err 3>&- &
	RELAY=$!
	PIDS+=($RELAY)
	for i in $(seq 200); do [ -S relay.sock ] && break; sleep 0.1; done
	run timeout 20 python3 "$PEER" client echo "unix:$T/relay.sock" 70000
	[ "$output" = "ok 70000" ]
	run timeout 20 python3 "$PEER" client halfclose "unix:$T/relay.sock"
	relay_done
	[ ! -e relay.sock ]
	flows
	printf '1\t4\t0.0.0.0\t1\t0.0.0.0\t0\n2\t4\t0.0.0.0\t2\t0.0.0.0\t0\n' > want
	cut -f1-6 f/flows.tsv | diff want -
	[ "$(stat -c %s f/1.ba)" -eq 70000 ]
	flowname < rec | flowsplit -o out > /dev/null
	[ "$(ls out | wc -l)" -eq 4 ]
}

@test "flowrelay: -p local: a unix server whose listen backlog is full is connected to when it has room" {
	# backlog 1, one accept every 0.2 s: a non-blocking connect says
	# EAGAIN meanwhile; flowrelay tries again, as a blocking connect waits
	peer_server slowecho "unix:$T/srv.sock" 8
	timeout 30 flowrelay -p local -m 8 "$T/srv.sock" "$T/relay.sock" > rec 2> relay.err 3>&- &
	RELAY=$!
	PIDS+=($RELAY)
	for i in $(seq 200); do [ -S relay.sock ] && break; sleep 0.1; done
	# 8 clients at once (threads of one process: quick to start)
	timeout 30 python3 - "$T/relay.sock" > clients.out 3>&- <<'PY'
import socket, sys, threading
res = {}
def cli(i):
    try:
        c = socket.socket(socket.AF_UNIX)
        c.connect(sys.argv[1])
        c.sendall(b"hi%d" % i)
        c.shutdown(socket.SHUT_WR)
        res[i] = c.recv(100)
    except OSError as e:
        res[i] = repr(e).encode()
ts = [threading.Thread(target=cli, args=(i,)) for i in range(8)]
[t.start() for t in ts]
[t.join() for t in ts]
print(sum(res[i] == b"hi%d" % i for i in range(8)), res)
PY
	relay_done || { cat clients.out; return 1; }
	cat clients.out
	[ "$(cut -d' ' -f1 clients.out)" = 8 ]
	[ ! -s relay.err ] || { cat relay.err; return 1; }
	flowcat < rec | grep -q 'flowrelay.failed=0'
	[ "$(flowcat < rec | grep -c 'FLOW_CLOSE .*reason=fin')" -eq 8 ]
}

@test "flowrelay: -l listens for the server, which connects to the relay" {
	timeout 30 flowrelay -l -m 1 0 > rec 2> relay.err 3>&- &
	RELAY=$!
	PIDS+=($RELAY)
	wait_for relay.err "listening for the client"
	wait_for relay.err "listening for the server"
	RPORT=$(sed -n 's/.*for the client on .* port \([0-9]*\)$/\1/p' relay.err)
	LPORT=$(sed -n 's/.*for the server on .* port \([0-9]*\)$/\1/p' relay.err)
	# the client first: it waits for a server
	bg timeout 20 python3 "$PEER" client echo "tcp:127.0.0.1:$RPORT" 50000 > c.out
	bg timeout 20 python3 "$PEER" dial echo "tcp:127.0.0.1:$LPORT"
	relay_done
	wait_for c.out "ok 50000"
	flows
	[ "$(stat -c %s f/1.ab)" -eq 50000 ]
	cmp f/1.ab f/1.ba
}

@test "flowrelay: -c connects to the client, which listens" {
	peer_server echo tcp:127.0.0.1:0
	rm -f cport
	bg timeout 20 python3 "$PEER" client echo "listen:cport:tcp:127.0.0.1:0" 4000 > c.out
	wait_for cport
	timeout 30 flowrelay -c -a 127.0.0.1 "$SPORT" "$(cat cport)" > rec 2> relay.err 3>&-
	wait_for c.out "ok 4000"
	flows
	read -r id fam a pa b pb rest < f/flows.tsv
	[ "$pa" = "$(cat cport)" ] && [ "$pb" = "$SPORT" ]
}

@test "flowrelay: a server that refuses: the client is reset, no flow, exit 1" {
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	relay -m 1 "$port"
	run timeout 20 python3 "$PEER" client reset "tcp:127.0.0.1:$RPORT"
	[ "$output" = reset ]
	relay_done 1
	grep -q "connect to the server at 127.0.0.1 port $port: Connection refused" relay.err
	python3 "$LIB/fkrec.py" count < rec > count
	! grep -q FLOW_OPEN count
	flowcat < rec | grep -q 'flowrelay.failed=1'
}

@test "flowrelay: -q relays without records" {
	peer_server echo tcp:127.0.0.1:0
	relay -q -m 1 "$SPORT"
	run timeout 20 python3 "$PEER" client echo "tcp:127.0.0.1:$RPORT" 1000
	[ "$output" = "ok 1000" ]
	relay_done
	[ ! -s rec ]
}

@test "flowrelay: man page examples: IPv6 with -b 1k | flowcat, unix socket | flowcat" {
	python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null ||
		skip "no ::1"
	peer_server echo tcp:::1:0
	timeout 30 flowrelay -p tcp6 -b 1k -m 1 "$SPORT" 2> relay.err 3>&- | flowcat > cat.txt 3>&- &
	RELAY=$!
	PIDS+=($RELAY)
	wait_for relay.err "listening for the client"
	RPORT=$(sed -n 's/.* port \([0-9]*\)$/\1/p' relay.err)
	run timeout 20 python3 "$PEER" client limit "tcp:::1:$RPORT"
	relay_done
	grep -q 'FLOW_OPEN id=1 .*\[::1\]:[0-9]* > \[::1\]:'"$SPORT"' opener=syn' cat.txt
	grep -q 'FLOW_CLOSE id=1 reason=evict' cat.txt
	grep -q 'flowrelay.bytes=1024\\n' cat.txt

	peer_server echo "unix:$T/app.sock"
	timeout 30 flowrelay -p local -m 1 "$T/app.sock" "$T/app-spy.sock" 2> relay.err 3>&- |
		flowcat > cat2.txt 3>&- &
	RELAY=$!
	PIDS+=($RELAY)
	for i in $(seq 200); do [ -S app-spy.sock ] && break; sleep 0.1; done
	run timeout 20 python3 "$PEER" client echo "unix:$T/app-spy.sock" 10
	[ "$output" = "ok 10" ]
	relay_done
	grep -q 'FLOW_OPEN id=1 .* 0.0.0.0:1 > 0.0.0.0:0 opener=syn' cat2.txt
	grep -q 'FLOW_CLOSE id=1 reason=fin' cat2.txt
}

@test "flowrelay: -F 2 with 8 clients at once: the others wait in the backlog, all are served" {
	peer_server echo tcp:127.0.0.1:0 8
	relay -F 2 -m 8 "$SPORT"
	for i in $(seq 8); do
		timeout 30 python3 "$PEER" client echo "tcp:127.0.0.1:$RPORT" 200000 > c$i.out 3>&- &
	done
	relay_done
	for i in $(seq 8); do wait_for c$i.out "ok 200000"; done
	flows
	[ "$(wc -l < f/flows.tsv)" -eq 8 ]
	awk -F'\t' '$8 != 1 || $9 != 200000 || $10 != 200000 { exit 1 }' f/flows.tsv
	# never more than 2 flows open at once
	flowcat < rec | awk '/FLOW_OPEN/ { n++; if (n > 2) exit 1 } /FLOW_CLOSE/ { n-- }'
}

@test "flowrelay: the reader of the records goes away: exit 0" {
	peer_server echo tcp:127.0.0.1:0
	(
		timeout 30 flowrelay -m 1 "$SPORT" 2> relay.err | head -c 20 > /dev/null
		echo "${PIPESTATUS[0]}" > relay.status
	) 3>&- &
	PIDS+=($!)
	wait_for relay.err "listening for the client"
	RPORT=$(sed -n 's/.* port \([0-9]*\)$/\1/p' relay.err)
	run timeout 20 python3 "$PEER" client echo "tcp:127.0.0.1:$RPORT" 1000000
	wait_for relay.status
	[ "$(cat relay.status)" = 0 ]
}

@test "flowrelay: few descriptors (ulimit -n 24): -F shrinks, every client is still served" {
	peer_server echo tcp:127.0.0.1:0 8
	(ulimit -n 24 && exec timeout 30 flowrelay -F 10 -m 8 "$SPORT") > rec 2> relay.err 3>&- &
	RELAY=$!
	PIDS+=($RELAY)
	wait_for relay.err "listening for the client"
	grep -q 'relaying at most 4 connections at once' relay.err
	RPORT=$(sed -n 's/.*listening for the client on .* port \([0-9]*\)$/\1/p' relay.err)
	for i in $(seq 8); do
		timeout 30 python3 "$PEER" client echo "tcp:127.0.0.1:$RPORT" 100000 > c$i.out 3>&- &
	done
	relay_done
	for i in $(seq 8); do wait_for c$i.out "ok 100000"; done
	flows
	[ "$(wc -l < f/flows.tsv)" -eq 8 ]
	flowcat < rec | awk '/FLOW_OPEN/ { n++; if (n > 4) exit 1 } /FLOW_CLOSE/ { n-- }'
}

@test "flowrelay: the same exchanges through tcpreen (the reference) relay the same byte counts" {
	need_cmd tcpreen
	local kind
	for kind in halfclose echo; do
		peer_server "$kind" tcp:127.0.0.1:0
		rm -f tr.out tr.err
		timeout 30 tcpreen -n -a 127.0.0.1 -m 1 -f count -s 127.0.0.1 "$SPORT" \
			> tr.out 2> tr.err 3>&- &
		PIDS+=($!)
		wait_for tr.err "Listening on: 127.0.0.1 port"
		tport=$(sed -n 's/^Listening on: 127.0.0.1 port \([0-9]*\)$/\1/p' tr.err)
		timeout 20 python3 "$PEER" client "$kind" "tcp:127.0.0.1:$tport" > tr.client
		wait_for tr.out "End of transmission"
		tin=$(sed -n 's/^End of input: \([0-9]*\) bytes received.*/\1/p' tr.out)
		tout=$(sed -n 's/^End of output: \([0-9]*\) bytes sent.*/\1/p' tr.out)

		peer_server "$kind" tcp:127.0.0.1:0
		relay -m 1 "$SPORT"
		timeout 20 python3 "$PEER" client "$kind" "tcp:127.0.0.1:$RPORT" > fr.client
		relay_done
		cmp tr.client fr.client
		flows
		read -r id fam a pa b pb opener reason abn ban rest < f/flows.tsv
		echo "$kind: tcpreen $tin/$tout, flowrelay $abn/$ban"
		[ "$tin" -eq "$abn" ] && [ "$tout" -eq "$ban" ] && [ "$reason" = 1 ]
	done
}
