#!/bin/bash
# netns-capture.sh - record real TCP traffic between two private network
# namespaces: nginx in one, a client workload in the other, tcpdump writing
# a pcap.  Only addresses assigned inside our own namespaces ever carry
# traffic (10.77.0.0/24 and fd00:77::/64); nothing touches the host network.
#
# usage: netns-capture.sh [-l LOSS%] PROFILE OUTDIR
#   PROFILE  http  keep-alive, IPv6, 60 HTTP/1.0 connections, pipelining,
#                  gzip+chunked, 4 MB files; random loss (default 2.5%)
#            bulk  ~1 GB of TCP payload in 50 parallel flows, no loss
#            many  150,000+ short HTTP/1.0 connections, no loss
#            demo  a few small flows incl. gzip+chunked (examples/http.pcap)
#   -l LOSS  percent of TCP packets dropped at random (both namespaces)
#
# Writes OUTDIR/capture.pcap, OUTDIR/manifest.tsv (one line per response
# body: url, sha256 of the decoded body, gzip yes/no, decoded bytes,
# sha256 of the body as on the wire after de-chunking, client port, how)
# and OUTDIR/info.txt (tcpdump and loss counters).
#
# Needs root, ip, nginx, curl, tcpdump, python3; ethtool (offloads off, so
# packets are wire-sized), nft (loss), ab (profile many) if present.
# Env: FK_NS_TIMEOUT  seconds before the workload is abandoned (default 300)
#      FK_BULK_RATE   bulk: server egress rate limit (tc tbf; default 800mbit)
#      FK_MANY_CONNS  many: number of connections (default 152000)
#      FK_KEEP_BODIES 1: keep what the client received in OUTDIR/bodies

set -euo pipefail

LOSS=
while getopts l: o; do
	case $o in
	l) LOSS=$OPTARG ;;
	*) echo "usage: $0 [-l LOSS%] PROFILE OUTDIR" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 2 ] || { echo "usage: $0 [-l LOSS%] http|bulk|many|demo OUTDIR" >&2; exit 2; }
PROFILE=$1
OUT=$2
case $PROFILE in
http) : "${LOSS:=2.5}" ;;
bulk | many | demo) : "${LOSS:=0}" ;;
*) echo "netns-capture: unknown profile $PROFILE" >&2; exit 2 ;;
esac
[ "$(id -u)" = 0 ] || { echo "netns-capture: needs root" >&2; exit 77; }
for c in ip nginx curl tcpdump python3; do
	command -v $c >/dev/null || { echo "netns-capture: $c missing" >&2; exit 77; }
done
HERE=$(cd "$(dirname "$0")" && pwd)
TIMEOUT=${FK_NS_TIMEOUT:-300}

SRV=fk-srv-$$
CLI=fk-cli-$$
VS=fks$$
VC=fkc$$
S4=10.77.0.1
C4=10.77.0.2
S6=fd00:77::1
C6=fd00:77::2
PORT=8080

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
W=$(mktemp -d /tmp/fk-netns.XXXXXX)
chmod 755 "$W"
NGINX_PID=
TCPDUMP_PID=

log() { echo "netns-capture: $*" >&2; }

cleanup() {
	set +e
	local ns p
	[ -n "$TCPDUMP_PID" ] && kill "$TCPDUMP_PID" 2>/dev/null
	[ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null
	for ns in $CLI $SRV; do
		ip netns list 2>/dev/null | grep -qw "$ns" || continue
		# Only processes we started live in our private namespaces.
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null; done
	done
	sleep 0.2
	for ns in $CLI $SRV; do
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- namespaces -----------------------------------------------------------
ip netns add $SRV || { log "cannot create network namespaces"; exit 77; }
ip netns add $CLI || { log "cannot create network namespaces"; exit 77; }
ip link add $VS type veth peer name $VC
ip link set $VS netns $SRV
ip link set $VC netns $CLI
ip -n $SRV addr add $S4/24 dev $VS
ip -n $CLI addr add $C4/24 dev $VC
ip -n $SRV addr add $S6/64 dev $VS nodad
ip -n $CLI addr add $C6/64 dev $VC nodad
for ns in $SRV $CLI; do ip -n $ns link set lo up; done
ip -n $SRV link set $VS up
ip -n $CLI link set $VC up
if command -v ethtool >/dev/null; then
	ip netns exec $SRV ethtool -K $VS tso off gso off gro off 2>/dev/null || true
	ip netns exec $CLI ethtool -K $VC tso off gso off gro off 2>/dev/null || true
else
	log "ethtool missing: offloads stay on, packets may be larger than the MTU"
fi
# Many short connections: wide port range, reuse TIME_WAIT ports.
for ns in $SRV $CLI; do
	ip netns exec $ns sysctl -qw net.ipv4.ip_local_port_range="1024 65535" \
		net.ipv4.tcp_tw_reuse=1 net.core.somaxconn=4096 \
		net.ipv4.tcp_max_syn_backlog=4096 2>/dev/null || true
done

# --- random loss: sch_netem is often not built; nftables numgen works ------
LOSS_HOW=none
if [ "$LOSS" != 0 ]; then
	permille=$(awk -v l="$LOSS" 'BEGIN { printf "%d", l * 10 }')
	if ip netns exec $SRV tc qdisc add dev $VS root netem loss "$LOSS%" 2>/dev/null; then
		ip netns exec $CLI tc qdisc add dev $VC root netem loss "$LOSS%"
		LOSS_HOW="netem $LOSS% each direction"
	elif command -v nft >/dev/null; then
		# Drop before the capture point (server output: a hole in the
		# pcap, filled by the retransmission) and after it (input on
		# both sides: the pcap holds the original and the retransmission).
		half=$(( (permille + 1) / 2 ))
		for ns in $SRV $CLI; do
			ip netns exec $ns nft -f - <<-EOF
			table inet fkloss {
				chain in { type filter hook input priority 0; meta l4proto tcp numgen random mod 1000 < $half counter drop; }
				chain out { type filter hook output priority 0; meta l4proto tcp numgen random mod 1000 < $half counter drop; }
			}
			EOF
		done
		LOSS_HOW="nftables numgen $LOSS% (half at input, half at output, both namespaces)"
	else
		log "no netem and no nft: recording without loss"
	fi
fi

# --- docroot ----------------------------------------------------------------
D=$W/www
mkdir -p "$D"/sub
python3 - "$D" "$PROFILE" <<'EOF'
import os, random, sys, json
d, prof = sys.argv[1], sys.argv[2]
r = random.Random(1234)
def w(name, data):
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
w("index.html", "<!doctype html>\n<html><head><title>flowkit</title>"
  '<link rel="stylesheet" href="style.css"><script src="app.js"></script></head>\n<body>\n'
  + "".join("<p>paragraph %d: the quick brown fox jumps over the lazy dog</p>\n" % i for i in range(120))
  + "</body></html>\n")
w("style.css", "".join("div.c%d { margin: %dpx; color: #%06x; }\n" % (i, i % 17, r.randrange(1 << 24)) for i in range(200)))
w("app.js", "".join("function f%d(x) { return x * %d + %d; }\n" % (i, i, i * 7) for i in range(300)))
w("data.json", json.dumps([{"id": i, "name": "item-%d" % i, "tags": ["a", "b", str(i % 7)]} for i in range(400)]))
w("tiny.txt", "hello, flowkit\n")
w("empty.txt", "")
w("sub/page.html", "<html><body>" + "x" * 3000 + "</body></html>\n")
w("logo.png", bytes(r.randrange(256) for _ in range(7000)))
if prof in ("http", "bulk"):
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"]
    lines, n = [], 0
    while n < 1 << 20:
        l = " ".join(r.choice(words) for _ in range(12)) + "\n"
        lines.append(l); n += len(l)
    w("text1m.txt", "".join(lines)[: 1 << 20])
    w("rand4m.bin", os.urandom(4 << 20))
if prof == "bulk":
    w("bulk20m.bin", os.urandom(20 << 20))
EOF
chmod -R a+rX "$D"

# --- nginx ------------------------------------------------------------------
LISTEN="listen $S4:$PORT reuseport backlog=4096; listen [$S6]:$PORT;"
[ "$PROFILE" = many ] && for p in 8081 8082 8083; do LISTEN="$LISTEN listen $S4:$p reuseport backlog=4096;"; done
cat >"$W/nginx.conf" <<EOF
worker_processes 2;
pid $W/nginx.pid;
error_log $W/error.log warn;
events { worker_connections 8192; }
http {
	include /etc/nginx/mime.types;
	default_type application/octet-stream;
	access_log off;
	client_body_temp_path $W/body;
	proxy_temp_path $W/proxy;
	fastcgi_temp_path $W/fastcgi;
	uwsgi_temp_path $W/uwsgi;
	scgi_temp_path $W/scgi;
	sendfile on;
	keepalive_timeout 30;
	keepalive_requests 10000;
	gzip on;
	gzip_min_length 64;
	gzip_types text/plain text/css application/javascript application/json text/xml;
	server {
		$LISTEN
		root $D;
	}
}
EOF
ip netns exec $SRV nginx -e "$W/error.log" -c "$W/nginx.conf" -g 'daemon off;' 2>>"$W/error.log" &
NGINX_PID=$!
ok=
for _ in $(seq 100); do
	if ip netns exec $CLI curl -s -o /dev/null --max-time 1 http://$S4:$PORT/tiny.txt 2>/dev/null; then ok=1; break; fi
	kill -0 $NGINX_PID 2>/dev/null || break
	sleep 0.05
done
[ -n "$ok" ] || { log "nginx did not start:"; cat "$W/error.log" >&2; exit 1; }
# That probe is not part of the capture: tcpdump starts now.

# --- tcpdump ----------------------------------------------------------------
PCAP=$OUT/capture.pcap
rm -f "$PCAP"
ip netns exec $CLI tcpdump -n -i $VC -s 0 -B 262144 -U -Z root -w "$PCAP" tcp 2>"$W/tcpdump.err" &
TCPDUMP_PID=$!
for _ in $(seq 100); do
	grep -q "listening on" "$W/tcpdump.err" 2>/dev/null && break
	kill -0 $TCPDUMP_PID 2>/dev/null || { cat "$W/tcpdump.err" >&2; exit 1; }
	sleep 0.05
done
grep -q "listening on" "$W/tcpdump.err" || { log "tcpdump not ready"; exit 1; }

# --- workload -----------------------------------------------------------------
M=$W/manifest.tsv
: >"$M"
B=$W/bodies
mkdir -p "$B"
NB=0
cli() { timeout "$TIMEOUT" ip netns exec $CLI "$@"; }

# curl_seq HOW BASE PATH...: one curl process, one keep-alive connection,
# a path prefixed gz: asks for gzip (the raw gzip body is kept, decoded here).
curl_seq() {
	local how=$1 base=$2 args=() p gz first=1 i=0 files=()
	shift 2
	for p in "$@"; do
		[ $first = 1 ] || args+=(--next)
		first=0
		gz=no
		case $p in gz:*) gz=yes; p=${p#gz:}; args+=(-H 'Accept-Encoding: gzip') ;; esac
		NB=$((NB + 1))
		args+=(-s --max-time 120 -o "$B/$NB" -w "$NB\t$base$p\t$gz\t%{local_port}\t%{http_code}\t%header{content-encoding}\n" "$base$p")
	done
	cli curl "${args[@]}" >"$W/curl.out" || { log "curl failed ($how)"; exit 1; }
	manifest_from_curl "$how"
}

# curl_compressed HOW URL: --compressed (curl decodes gzip itself).
curl_compressed() {
	NB=$((NB + 1))
	cli curl -s --max-time 120 --compressed -o "$B/$NB" \
		-w "$NB\t$2\tdecoded\t%{local_port}\t%{http_code}\t%header{content-encoding}\n" "$2" >"$W/curl.out" ||
		{ log "curl failed ($1)"; exit 1; }
	manifest_from_curl "$1"
}

manifest_from_curl() {
	local how=$1 n url gz port code enc wire dec bytes path
	while IFS=$'\t' read -r n url gz port code enc; do
		[ "$code" = 200 ] || { log "$url: HTTP $code"; exit 1; }
		path=/${url#*://*/}
		if [ "$enc" = gzip ] && [ "$gz" = yes ]; then
			wire=$(sha256sum <"$B/$n" | cut -c1-64)
			dec=$(gzip -dc <"$B/$n" | sha256sum | cut -c1-64)
			bytes=$(gzip -dc <"$B/$n" | wc -c)
		else
			dec=$(sha256sum <"$B/$n" | cut -c1-64)
			bytes=$(wc -c <"$B/$n")
			if [ "$enc" = gzip ]; then wire=-; else wire=$dec; fi
		fi
		# The body the client decoded must be the server's file.
		[ "$dec" = "$(sha256sum <"$D$path" | cut -c1-64)" ] || { log "$url: body differs from the server file"; exit 1; }
		[ "$enc" = gzip ] && gz=yes || gz=no
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$url" "$dec" "$gz" "$bytes" "$wire" "$port" "$how" >>"$M"
	done <"$W/curl.out"
}

pipelined() {
	cli python3 "$HERE/pipeline-client.py" "$S4" $PORT "http://$S4:$PORT" "$@" >>"$M" ||
		{ log "pipelined client failed"; exit 1; }
}

U4=http://$S4:$PORT
U6="http://[$S6]:$PORT"
case $PROFILE in
demo)
	curl_seq keepalive "$U4" /index.html gz:/style.css /logo.png gz:/data.json
	curl_compressed compressed "$U6/app.js"
	curl_seq http10 "$U4" /tiny.txt
	pipelined /sub/page.html gz:/app.js /tiny.txt
	;;
http)
	# keep-alive sequence (8 bodies, one connection)
	curl_seq keepalive "$U4" /index.html /style.css /app.js /data.json /logo.png \
		/text1m.txt /rand4m.bin /sub/page.html
	# IPv6 (6 bodies, gzip+chunked among them)
	curl_seq ipv6 "$U6" /index.html gz:/style.css /logo.png gz:/text1m.txt /empty.txt /rand4m.bin
	# gzip + chunked, curl --compressed (2 bodies)
	curl_compressed compressed "$U4/app.js"
	curl_compressed compressed "$U4/data.json"
	# gzip + chunked, raw gzip kept (2 bodies, one keep-alive connection)
	curl_seq gzip "$U4" gz:/index.html gz:/text1m.txt
	# pipelined: 5 requests in one write (5 bodies)
	pipelined /index.html gz:/style.css /logo.png /tiny.txt gz:/data.json
	# 60 short HTTP/1.0 connections (60 bodies)
	files=(/index.html /style.css /app.js /data.json /tiny.txt /logo.png /sub/page.html /empty.txt)
	for i in $(seq 0 59); do
		args=()
		NB=$((NB + 1))
		p=${files[i % ${#files[@]}]}
		cli curl -0 -s --max-time 60 -o "$B/$NB" \
			-w "$NB\t$U4$p\tno\t%{local_port}\t%{http_code}\t%header{content-encoding}\n" "$U4$p" >"$W/curl.out" ||
			{ log "curl -0 failed"; exit 1; }
		manifest_from_curl http10
	done
	;;
bulk)
	# 50 parallel flows x 20 MB = 1000 MB of payload.  Unthrottled, veth
	# outruns tcpdump (which then drops); a token bucket on the server's
	# egress keeps the capture complete.
	ip netns exec $SRV tc qdisc add dev $VS root tbf rate "${FK_BULK_RATE:-800mbit}" \
		burst 256kb latency 100ms 2>/dev/null || log "tbf not available: capture may drop packets"
	pids=()
	for i in $(seq 1 50); do
		cli curl -s --max-time "$TIMEOUT" -o /dev/null "$U4/bulk20m.bin?flow=$i" &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p" || { log "bulk curl failed"; exit 1; }; done
	printf '%s\t%s\tno\t%s\t%s\t-\tbulk x50\n' "$U4/bulk20m.bin" \
		"$(sha256sum <"$D/bulk20m.bin" | cut -c1-64)" $((20 << 20)) \
		"$(sha256sum <"$D/bulk20m.bin" | cut -c1-64)" >>"$M"
	;;
many)
	N=${FK_MANY_CONNS:-152000}
	command -v ab >/dev/null || { log "ab (apache2-utils) missing"; exit 77; }
	pids=()
	for p in 8080 8081 8082 8083; do
		cli ab -q -n $((N / 4)) -c 16 -s 20 -r "http://$S4:$p/tiny.txt" >"$W/ab.$p" 2>&1 &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p" || { log "ab failed"; cat "$W"/ab.* >&2; exit 1; }; done
	grep -h -E 'Complete requests|Failed requests|Requests per second' "$W"/ab.* >>"$W/info"
	printf '%s\t%s\tno\t%s\t%s\t-\tab x%d\n' "$U4/tiny.txt" \
		"$(sha256sum <"$D/tiny.txt" | cut -c1-64)" "$(wc -c <"$D/tiny.txt")" \
		"$(sha256sum <"$D/tiny.txt" | cut -c1-64)" "$N" >>"$M"
	;;
esac

# --- stop tcpdump cleanly -------------------------------------------------------
# Let the last FIN/ACKs through; without immediate mode the capture ring
# hands over a block when it fills or after 1 s, so wait for that.
sleep 2
kill -INT $TCPDUMP_PID
wait $TCPDUMP_PID || true
TCPDUMP_PID=
{
	echo "profile	$PROFILE"
	echo "loss	$LOSS_HOW"
	for ns in $SRV $CLI; do
		ip netns exec $ns nft list table inet fkloss 2>/dev/null |
			awk -v ns="${ns%-*}" '/chain/ { c = $2 } /counter/ { for (i = 1; i < NF; i++) if ($i == "packets") print "dropped\t" ns " " c "\t" $(i + 1) }' || true
	done
	grep -E 'captured|dropped by kernel|received by filter' "$W/tcpdump.err" | sed 's/^/tcpdump\t/' || true
	[ -f "$W/info" ] && sed 's/^/ab\t/' "$W/info"
} >"$OUT/info.txt"
{
	printf '#url\tsha256\tgzip\tbytes\tsha256_wire\tclient_port\thow\n'
	cat "$M"
} >"$OUT/manifest.tsv"
if [ "${FK_KEEP_BODIES:-0}" = 1 ]; then rm -rf "$OUT/bodies"; cp -r "$B" "$OUT/bodies"; fi
if grep -q 'dropped by kernel' "$W/tcpdump.err" && ! grep -q '^0 packets dropped by kernel' "$W/tcpdump.err"; then
	log "WARNING: tcpdump dropped packets, the capture is incomplete"
fi
log "$(grep -c . "$M") bodies, $(wc -c <"$PCAP") bytes in $PCAP"
