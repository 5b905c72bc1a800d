#!/bin/bash
# bench.sh [PROFILE...] - flowkit against tcpflow and tshark on real captures.
#
# PROFILEs (default: bulk many hostile), recorded by tests/lib/netns-capture.sh
# and cached in FK_BENCH_DIR (default /var/tmp/flowkit-bench; rebuilt when
# missing, which needs root):
#   bulk     ~1 GB of TCP payload in 50 parallel HTTP flows
#   many     ~150,000 short HTTP/1.0 connections
#   hostile  generated, not recorded: reasm on inputs shaped to make its
#            per-packet work grow (see the hostile rows below)
#
# Per profile, side by side on the same input (wall seconds and peak RSS
# from /usr/bin/time -f '%e %M'; for a pipeline the RSS is its largest
# stage).  The stream rows run FK_BENCH_RUNS times (default 3), ours and
# tcpflow alternately, and show the median time (this 2-core VM is noisy);
# the slow HTTP and conv rows run once:
#   streams   pcapcat -r | reasm | flowname | flowsplit -o   vs  tcpflow -r -o
#             (the output trees must be identical: same names, same bytes)
#   floor     cat F | cat | cat | cat > file: four processes moving the
#             bytes through three pipes and doing nothing else, the least
#             a four-stage pipeline can cost (shown against tcpflow too)
#   pcapcat   pcapcat -r F > recs   (pcap decoding alone)
#   reasm     reasm < recs > /dev/null   (MB/s of payload, packets/s)
#   http      ... | httpsplit -o   vs  tcpflow -e http  vs  tshark --export-objects
#   flowstat  pcapcat -r | reasm | flowstat   vs  tshark -q -z conv,tcp
# A row whose program is not built yet is skipped.  "ratio" is the
# reference's time over ours (above 1: we are faster).  The results table
# is followed by a compact Markdown summary of the same rows (for README).
#
# Output trees go to a fresh ext4 file system (a sparse 24 GB image under
# FK_BENCH_DIR, loop-mounted, made anew for each profile; root), else to
# tmpfs, else under FK_BENCH_DIR: a used file system's own state weighs
# on whoever runs next (ext4 without a journal, as here, scans past
# recently deleted inodes: creating 300,000 files minutes after deleting
# as many takes minutes), so nothing is deleted there: the file system is
# remade before each run.  Dirty pages are written out (sync) before each
# timed command.
#
# Every command is killed after FK_BENCH_TIMEOUT seconds (default 300;
# tshark --export-objects on the 1 GB capture takes longer than that) and
# shows as ">300".  tshark's conv table runs with HTTP dissection and TCP
# desegmentation off (it needs neither; with them it is several times slower).
#
# Env: FK_BIN (default build/bin), FK_BENCH_DIR, FK_BENCH_TIMEOUT,
# FK_BENCH_RUNS, FK_BENCH_OUT (where output trees go), FK_BENCH_KEEP=1
# keeps the last output trees.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${FK_BIN:-$ROOT/build/bin}
case $BIN in /*) ;; *) BIN=$ROOT/$BIN ;; esac
DIR=${FK_BENCH_DIR:-/var/tmp/flowkit-bench}
TMO=${FK_BENCH_TIMEOUT:-300}
[ $# -gt 0 ] || set -- bulk many hostile
TIME=/usr/bin/time
[ -x $TIME ] || { echo "bench: /usr/bin/time missing (Debian package time)" >&2; exit 1; }

have() { [ -x "$BIN/$1" ]; }
note() { echo "bench: $*" >&2; }

echo "== machine"
echo "cpu:    $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//') x $(nproc)"
echo "memory: $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
echo "kernel: $(uname -r)"
echo "tools:  $(tcpflow -V 2>/dev/null | head -1), $(tshark -v 2>/dev/null | head -1)"
echo "flowkit: $BIN ($(cd "$ROOT" && git describe --always --dirty 2>/dev/null))"

RUNS=${FK_BENCH_RUNS:-3}
mkdir -p "$DIR"
# Where output trees go: a fresh ext4 file system in a sparse image (loop
# device with direct I/O: its pages are not cached twice), made anew
# before each measured job; else tmpfs; else FK_BENCH_DIR.  Formatted
# like this machine's disk (ext4, no journal); on it nothing is deleted,
# it is remade instead (see discard).
IMG=$DIR/out.img MNT=$DIR/mnt
LOOP=
fresh_fs() {
	if mountpoint -q "$MNT"; then
		for _ in $(seq 20); do umount "$MNT" 2>/dev/null && break; sleep 0.5; done
		! mountpoint -q "$MNT" || return 1
	fi
	[ -z "$LOOP" ] || losetup -d "$LOOP"
	LOOP=
	mkdir -p "$MNT" && rm -f "$IMG" && truncate -s 24G "$IMG" &&
		mkfs.ext4 -q -F -O ^has_journal -i 4096 -E lazy_itable_init=1 "$IMG" &&
		LOOP=$(losetup --direct-io=on --find --show "$IMG") &&
		mount "$LOOP" "$MNT" && mkdir -p "$MNT/work"
}
# remake: a fresh output file system (loop), then before each measured job
remake() {
	[ "$OUTFS" != loop ] && return 0
	fresh_fs || { note "cannot remake the output file system"; exit 1; }
}
if [ -n "${FK_BENCH_OUT:-}" ]; then
	W=$FK_BENCH_OUT OUTFS=given
elif [ "$(id -u)" = 0 ] && command -v mkfs.ext4 >/dev/null && fresh_fs 2>/dev/null; then
	W=$MNT/work OUTFS=loop
elif [ "$(df --output=avail -k /dev/shm 2>/dev/null | tail -1)" -gt $((8 << 20)) ] 2>/dev/null; then
	W=/dev/shm/flowkit-bench-work OUTFS=tmpfs
else
	W=$DIR/work OUTFS=dir
fi
echo "output: $W ($([ $OUTFS = loop ] && echo "a fresh ext4 image, remade before each job" || df --output=fstype "$(dirname "$W")" | tail -1)), $RUNS runs per stream row"
ROWS=$(mktemp)
RUNSD=$(mktemp -d)
CUR=	# process group of the command being timed
trap 'exit 130' INT TERM
trap '[ -z "$CUR" ] || kill -KILL -- "-$CUR" 2>/dev/null
	rm -rf "$ROWS" "$RUNSD"
	if [ "${FK_BENCH_KEEP:-0}" = 1 ]; then :
	elif [ $OUTFS = loop ]; then umount "$MNT" && losetup -d "$LOOP" && rm -f "$IMG"
	else rm -rf "$W"; fi' EXIT

# timed NAME CMD: run sh -c CMD under /usr/bin/time, in a session of
# its own so that after FK_BENCH_TIMEOUT seconds all of it can be killed
# (tshark finishes its export on SIGTERM: SIGKILL 5 s later); sets T_S
# (">N" on timeout), T_MB and T_OK.
timed() {
	local name=$1 cmd=$2 rc kb pid dog
	T_S=- T_MB=- T_OK=1
	rm -f "$W/time.$name" "$W/killed.$name"
	sync
	setsid $TIME -f '%e %M' -o "$W/time.$name" sh -c "$cmd" >"$W/log.$name" 2>&1 &
	pid=$! CUR=$!
	(
		sleep "$TMO"
		touch "$W/killed.$name"
		kill -TERM -- "-$pid" 2>/dev/null
		sleep 5
		kill -KILL -- "-$pid" 2>/dev/null
	) &
	dog=$!
	wait "$pid"
	rc=$?
	kill "$dog" 2>/dev/null
	wait "$dog" 2>/dev/null
	# what is left of the group (a killed command's children) goes too,
	# and is gone before the next command (its files closed)
	for _ in $(seq 50); do
		kill -KILL -- "-$pid" 2>/dev/null || break
		sleep 0.1
	done
	CUR=
	read -r T_S kb < <(grep -E '^[0-9.]+ [0-9]+$' "$W/time.$name" 2>/dev/null) || true
	T_MB=$(awk -v k="${kb:-0}" 'BEGIN { printf "%.0f", k / 1024 }')
	T_S=${T_S:--}
	if [ -e "$W/killed.$name" ]; then
		note "$name: killed after ${TMO}s"
		T_S=">$TMO" T_MB=- T_OK=0
	elif [ $rc != 0 ]; then
		note "$name failed (exit $rc): $(tail -3 "$W/log.$name")"
		T_OK=0
	fi
}

# runs_add NAME: remember this run's T_S/T_MB/T_OK under NAME
runs_add() {
	echo "$T_S $T_MB $T_OK" >>"$RUNSD/runs.$1"
}

# runs_median NAME: T_S = median time of NAME's runs (">N" if any timed
# out), T_MB = largest RSS, T_OK = all runs succeeded; shows the spread.
runs_median() {
	local f="$RUNSD/runs.$1" n
	n=$(wc -l <"$f")
	if grep -q '^>' "$f"; then
		T_S=$(grep -m1 -o '^>[0-9]*' "$f")
	else
		T_S=$(cut -d' ' -f1 "$f" | sort -g | sed -n "$(((n + 1) / 2))p")
	fi
	T_MB=$(awk '$2 != "-" && $2 + 0 > m { m = $2 } END { print m == "" ? "-" : m }' "$f")
	T_OK=$(awk 'BEGIN { ok = 1 } $3 != 1 { ok = 0 } END { print ok }' "$f")
	note "$1: $(cut -d' ' -f1 "$f" | tr '\n' ' ')s, median $T_S"
}

# ratio OURS REF: REF / OURS (">x" when the reference timed out)
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		gt = sub(/^>/, "", b)
		if (a + 0 > 0 && b != "-") printf "%s%.2f", gt ? ">" : "", b / a; else printf "-" }'
}

# row PROFILE TASK OURS_S OURS_MB REF REF_S REF_MB CHECK
row() {
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$6" "$7" "$(ratio "$3" "$6")" "$8" >>"$ROWS"
}

# tree_sum DIR: "files bytes" of regular files, tcpflow's report.xml excluded
tree_sum() {
	find "$1" -type f ! -name report.xml -printf '%s\n' 2>/dev/null |
		awk '{ n++; b += $1 } END { printf "%d %d", n, b }'
}

# discard PATH...: output no longer needed (kept on the fresh file system,
# see above: deleting there would slow down the next command)
discard() {
	[ "$OUTFS" = loop ] || rm -rf "$@"
}

for prof in "$@"; do
	[ "$prof" = hostile ] && continue	# below
	cap=$DIR/$prof/capture.pcap
	if [ ! -s "$cap" ] || ! grep -q '^tcpdump	0 packets dropped' "$DIR/$prof/info.txt" 2>/dev/null; then
		note "recording the $prof capture into $DIR/$prof (once)"
		rm -rf "$DIR/$prof"
		if ! "$ROOT/tests/lib/netns-capture.sh" "$prof" "$DIR/$prof" >&2; then
			note "cannot record $prof (root and network namespaces needed): skipped"
			continue
		fi
	fi
	[ "$OUTFS" = loop ] || rm -rf "$W"
	remake
	mkdir -p "$W"
	pkts=$(awk -F'\t' '$1 == "tcpdump" && /captured/ { split($2, a, " "); print a[1] }' "$DIR/$prof/info.txt")
	echo
	echo "== $prof: $cap, $(du -m "$cap" | cut -f1) MB, ${pkts:-?} packets"

	# Streams: tcpflow and ours alternately, RUNS times each; the trees
	# of the last run are compared.  tcpflow's also gives the payload size.
	rm -f "$RUNSD"/runs.*
	for r in $(seq "$RUNS"); do
		[ "$r" = 1 ] || remake
		timed tcpflow "tcpflow -r '$cap' -o '$W/tcpflow.$r'"
		runs_add tcpflow
		if have pcapcat && have reasm && have flowname && have flowsplit; then
			timed ours "'$BIN/pcapcat' -r '$cap' | '$BIN/reasm' | '$BIN/flowname' | '$BIN/flowsplit' -o '$W/ours.$r' > /dev/null"
			runs_add ours
		fi
		timed floor "cat '$cap' | cat | cat | cat > '$W/floor.$r'"
		runs_add floor
		if [ "$r" -lt "$RUNS" ]; then discard "$W/tcpflow.$r" "$W/ours.$r"; fi
		discard "$W/floor.$r"
	done
	mv "$W/tcpflow.$RUNS" "$W/tcpflow"
	[ -d "$W/ours.$RUNS" ] && mv "$W/ours.$RUNS" "$W/ours"
	runs_median tcpflow
	tf_s=$T_S tf_mb=$T_MB
	read -r tf_files tf_bytes <<<"$(tree_sum "$W/tcpflow")"
	payload_mb=$(awk -v b="$tf_bytes" 'BEGIN { printf "%.1f", b / 1048576 }')
	echo "payload: $payload_mb MB in $tf_files stream files (tcpflow)"

	if have pcapcat && have reasm && have flowname && have flowsplit; then
		runs_median ours
		o_s=$T_S o_mb=$T_MB
		read -r o_files o_bytes <<<"$(tree_sum "$W/ours")"
		if [ "$T_OK" = 1 ] && diff -rq -x report.xml "$W/tcpflow" "$W/ours" >"$W/diff" 2>&1; then
			check="identical ($o_files files)"
		else
			check="DIFFERS: $(wc -l <"$W/diff") entries (ours $o_files files $o_bytes B)"
			head -5 "$W/diff" >&2
		fi
		row "$prof" streams "$o_s" "$o_mb" "tcpflow" "$tf_s" "$tf_mb" "$check"
	else
		row "$prof" streams - - "tcpflow" "$tf_s" "$tf_mb" "skipped: pipeline not built"
	fi
	runs_median floor
	row "$prof" "pipe floor" "$T_S" "$T_MB" "tcpflow" "$tf_s" "$tf_mb" "4 cats, 3 pipes, 1 file: moving the bytes, no work"
	discard "$W/ours" "$W/tcpflow"

	remake
	if have pcapcat; then
		timed pcapcat "'$BIN/pcapcat' -r '$cap' > '$W/recs'"
		p_s=$T_S
		rate=$(awk -v s="$T_S" -v p="${pkts:-0}" 'BEGIN { if (s > 0) printf "%.0f kpkt/s", p / s / 1000; else print "-" }')
		row "$prof" "pcapcat" "$T_S" "$T_MB" "-" "-" "-" "$rate, $(du -m "$W/recs" | cut -f1) MB of records"
		if have reasm; then
			timed reasm "'$BIN/reasm' < '$W/recs' > /dev/null"
			rate=$(awk -v s="$T_S" -v p="${pkts:-0}" -v m="$payload_mb" \
				'BEGIN { if (s > 0) printf "%.0f MB/s payload, %.0f kpkt/s", m / s, p / s / 1000; else print "-" }')
			row "$prof" "reasm alone" "$T_S" "$T_MB" "-" "-" "-" "$rate"
		fi
		discard "$W/recs"
		: "$p_s"
	fi

	# HTTP bodies: three extractors
	remake
	timed tcpflow_http "tcpflow -e http -r '$cap' -o '$W/tfh'"
	th_s=$T_S th_mb=$T_MB
	th_n=$(find "$W/tfh" -type f -name '*HTTPBODY*' 2>/dev/null | wc -l)
	discard "$W/tfh"
	remake
	timed tshark_http "tshark -r '$cap' -o tcp.reassemble_out_of_order:TRUE -q --export-objects 'http,$W/tsh'"
	ts_s=$T_S ts_mb=$T_MB
	ts_n=$(find "$W/tsh" -type f 2>/dev/null | wc -l)
	discard "$W/tsh"
	if have pcapcat && have reasm && have httpsplit; then
		fn=
		have flowname && fn="| '$BIN/flowname'"
		remake
		timed httpsplit "'$BIN/pcapcat' -r '$cap' | '$BIN/reasm' $fn | '$BIN/httpsplit' -o '$W/hs' > /dev/null"
		# count bodies the way tcpflow names them, if httpsplit does too
		hs_n=$(find "$W/hs" -type f -name '*HTTPBODY*' 2>/dev/null | wc -l)
		[ "$hs_n" -gt 0 ] || hs_n=$(find "$W/hs" -type f 2>/dev/null | wc -l)
		discard "$W/hs"
		row "$prof" "http bodies" "$T_S" "$T_MB" "tcpflow -e http" "$th_s" "$th_mb" "files: ours $hs_n, tcpflow $th_n"
		row "$prof" "http bodies" "$T_S" "$T_MB" "tshark export" "$ts_s" "$ts_mb" "files: ours $hs_n, tshark $ts_n"
	else
		row "$prof" "http bodies" - - "tcpflow -e http" "$th_s" "$th_mb" "skipped: httpsplit not built (tcpflow $th_n files)"
		row "$prof" "http bodies" - - "tshark export" "$ts_s" "$ts_mb" "skipped: httpsplit not built (tshark $ts_n files)"
	fi

	# flow table
	timed tshark_conv "tshark -r '$cap' -o tcp.desegment_tcp_streams:FALSE --disable-protocol http -q -z conv,tcp > '$W/conv'"
	tc_s=$T_S tc_mb=$T_MB
	tc_n=$(grep -c '<->' "$W/conv" 2>/dev/null)
	if have pcapcat && have reasm && have flowstat; then
		timed flowstat "'$BIN/pcapcat' -r '$cap' | '$BIN/reasm' | '$BIN/flowstat' > '$W/fstat'"
		row "$prof" "flow table" "$T_S" "$T_MB" "tshark conv,tcp" "$tc_s" "$tc_mb" "tshark: $tc_n conversations"
	else
		row "$prof" "flow table" - - "tshark conv,tcp" "$tc_s" "$tc_mb" "skipped: flowstat not built"
	fi
done

# Hostile shapes (generated, no capture or root needed): reasm alone on
# FK_BENCH_HOSTILE_N (default 500000) packets of each shape, against as
# many packets of one plain in-order flow (tests/lib/gen-flows.py inorder):
#   frag flood  first fragments of IPv4 datagrams that never complete
#               (4096 pending datagrams: each fragment finds its own)
#   front       4095 one-byte segments buffered 10 MB ahead, then N
#               landing in front of them (each finds its place)
# The per-packet work must not grow with what is buffered: under 3x the
# time of the in-order flow (ratio above 0.33).
HN=${FK_BENCH_HOSTILE_N:-500000}
case " $* " in *" hostile "*) hostile=1 ;; *) hostile=0 ;; esac
if [ $hostile = 1 ] && have pcapcat && have reasm; then
	mkdir -p "$W/hostile"
	echo
	echo "== hostile: reasm on $HN generated packets of each shape"
	ok=1
	for m in inorder fragflood front; do
		python3 "$ROOT/tests/lib/gen-flows.py" $m "$HN" "$W/hostile/$m.pcap" &&
			"$BIN/pcapcat" -r "$W/hostile/$m.pcap" > "$W/hostile/$m.fk" || ok=0
		rm -f "$W/hostile/$m.pcap"
	done
	if [ $ok = 1 ]; then
		rm -f "$RUNSD"/runs.*
		for r in $(seq "$RUNS"); do
			for m in inorder fragflood front; do
				timed "h_$m" "'$BIN/reasm' < '$W/hostile/$m.fk' > /dev/null"
				runs_add "h_$m"
			done
		done
		runs_median h_inorder
		in_s=$T_S in_mb=$T_MB
		for m in fragflood front; do
			runs_median "h_$m"
			case $m in
			fragflood) task="reasm frag flood" what="$HN first fragments, never completed" ;;
			front) task="reasm in front" what="4095 buffered, $HN segments in front" ;;
			esac
			x=$(awk -v a="$T_S" -v b="$in_s" 'BEGIN { if (b + 0 > 0) printf "%.1f", a / b; else print "-" }')
			row hostile "$task" "$T_S" "$T_MB" "in-order flow" "$in_s" "$in_mb" "$what: ${x}x the in-order time (target < 3x)"
		done
	else
		note "hostile: cannot generate the inputs (python3): skipped"
	fi
	discard "$W/hostile"
fi

echo
echo "== results (seconds wall, MB peak RSS; ratio = reference / ours)"
{
	printf 'profile\ttask\tours s\tours MB\treference\tref s\tref MB\tratio\tcheck\n'
	cat "$ROWS"
} | column -t -s $'\t'

# The same, compact, as a Markdown table for the README: one line per
# comparison (time and peak RSS of each side, the ratio), and the rates of
# the stages timed alone.
echo
echo "== summary (Markdown; ratio = reference time / ours, above 1: we are faster)"
echo
awk -F'\t' '
	function cell(s, mb) { return s == "-" ? "-" : (mb == "-" ? s " s" : s " s, " mb " MB") }
	BEGIN { print "| capture | task | flowkit | reference | ratio | notes |"; print "|---|---|---|---|---|---|" }
	$5 != "-" { printf "| %s | %s | %s | %s: %s | %s | %s |\n", $1, $2, cell($3, $4), $5, cell($6, $7), $8 == "-" ? "-" : "**" $8 "x**", $9; next }
	{ printf "| %s | %s | %s | - | - | %s |\n", $1, $2, cell($3, $4), $9 }
' "$ROWS"
