#!/usr/bin/env bats
# Real traffic: nginx and curl in two private network namespaces, 2.5%
# random loss, recorded by tcpdump (tests/lib/netns-capture.sh, profile
# http: keep-alive, IPv6, 60 HTTP/1.0 connections, pipelining,
# gzip+chunked, 4 MB bodies).  The recording differs every run, so the
# tests assert correctness only: every stream direction byte-exact against
# tshark's follow, every HTTP body byte-exact against what curl received.
load helper

setup_file() {
	CAP="$BATS_FILE_TMPDIR/cap"
	export CAP
	[ "$(id -u)" = 0 ] || return 0
	for c in ip nginx curl tcpdump tshark python3; do
		command -v $c >/dev/null || return 0
	done
	FK_NS_TIMEOUT=90 timeout 150 "$FK_ROOT/tests/lib/netns-capture.sh" http "$CAP" \
		>"$BATS_FILE_TMPDIR/harness.log" 2>&1 || true
}

# need_capture: skip unless setup_file recorded the capture.
need_capture() {
	need_root
	need_cmd ip nginx curl tcpdump tshark python3
	[ -s "$CAP/capture.pcap" ] && [ -s "$CAP/manifest.tsv" ] || {
		cat "$BATS_FILE_TMPDIR/harness.log" 2>/dev/null
		skip "no namespaces / capture (see harness.log)"
	}
}

@test "realtraffic: the harness recorded ~80 bodies over lossy TCP" {
	need_capture
	cat "$CAP/info.txt"
	n=$(grep -vc '^#' "$CAP/manifest.tsv")
	echo "bodies: $n"
	[ "$n" -ge 80 ]
	# loss needs nft (or sch_netem); without it the run is loss-free
	grep -q '^dropped' "$CAP/info.txt" || echo "note: no random loss (nft missing?)"
	# the capture is complete
	grep -q '^tcpdump	0 packets dropped by kernel' "$CAP/info.txt"
	# IPv6, gzip, pipelining and HTTP/1.0 are all there
	grep -q 'fd00:77::1' "$CAP/manifest.tsv"
	grep -q '	yes	.*	gzip$' "$CAP/manifest.tsv"
	[ "$(grep -c '	pipelined$' "$CAP/manifest.tsv")" -ge 5 ]
	[ "$(grep -c '	http10$' "$CAP/manifest.tsv")" -eq 60 ]
}

@test "realtraffic: every stream direction byte-exact vs tshark follow" {
	need_capture
	need_cmd pcapcat reasm flowname flowsplit
	# tests/lib/tshark-follow.py (shared with the reasm tests): one row per
	# direction with data: name stream src sport dst dport md5 length gaps
	python3 "$LIB/tshark-follow.py" "$CAP/capture.pcap" ref >ref.tsv
	pipeline "$CAP/capture.pcap" out
	awk -F'\t' '{
		split($3, a, "."); split($5, b, ".")
		s = ($3 ~ /:/) ? $3 : sprintf("%03d.%03d.%03d.%03d", a[1], a[2], a[3], a[4])
		d = ($5 ~ /:/) ? $5 : sprintf("%03d.%03d.%03d.%03d", b[1], b[2], b[3], b[4])
		printf "%s.%05d-%s.%05d\t%s\t%s\t%s\n", s, $4, d, $6, $7, $8, $9
	}' ref.tsv | sort >ref.names
	bad=0 nref=0 nours=0
	while IFS=$'\t' read -r n sum len gaps; do
		nref=$((nref + 1))
		[ "$gaps" = 0 ] || echo "note: tshark sees $gaps missing bytes in $n"
		if [ ! -f "out/$n" ]; then
			echo "missing in ours: $n ($len bytes)"
			bad=$((bad + 1))
		elif [ "$(md5 "out/$n")" != "$sum" ]; then
			echo "differs: $n (tshark $len bytes, ours $(wc -c <"out/$n"))"
			bad=$((bad + 1))
		fi
	done <ref.names
	for f in out/*; do
		[ -f "$f" ] || continue
		n=${f#out/}
		nours=$((nours + 1))
		[ -s "$f" ] || continue
		grep -q "^$n	" ref.names || { echo "extra in ours: $n ($(wc -c <"$f") bytes)"; bad=$((bad + 1)); }
	done
	echo "tshark directions: $nref, our files: $nours, problems: $bad"
	[ "$nref" -ge 120 ]
	[ "$bad" -eq 0 ]
}

@test "realtraffic: every HTTP body recovered byte-exact (httpsplit vs tcpflow vs tshark)" {
	need_capture
	need_cmd pcapcat reasm flowname httpsplit
	pcapcat -r "$CAP/capture.pcap" | reasm | flowname | httpsplit -o ours >/dev/null
	ours=$(python3 "$LIB/match-bodies.py" "$CAP/manifest.tsv" ours) && rc=0 || rc=$?
	tf=- ts=-
	if command -v tcpflow >/dev/null; then
		mkdir tf && tcpflow -e http -r "$CAP/capture.pcap" -o tf >/dev/null 2>&1 || true
		tf=$(python3 "$LIB/match-bodies.py" -q "$CAP/manifest.tsv" tf || true)
	fi
	tshark -r "$CAP/capture.pcap" -o tcp.reassemble_out_of_order:TRUE -q \
		--export-objects http,ts >/dev/null 2>&1 || true
	ts=$(python3 "$LIB/match-bodies.py" -q "$CAP/manifest.tsv" ts || true)
	echo "httpsplit:                 $ours"
	echo "tcpflow -e http:           $tf"
	echo "tshark --export-objects:   $ts"
	[ "$rc" -eq 0 ]
}
