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
# the slow HTTP and conv rows run once.  The rows come in groups; all run
# unless FK_BENCH_ROWS names some (space-separated), e.g.
#   FK_BENCH_ROWS='streams floor' bash tests/bench.sh bulk
#   streams   pcapcat -r | reasm | flowname | flowsplit -o   vs  tcpflow -r -o
#             and the three-stage pcapcat -r | reasm | flowsplit -o
#             (the output trees must be identical: same names, same bytes);
#             pipe floor: cat F | cat | cat | cat > file: four processes
#             moving the bytes through three pipes and doing nothing else
#   floor     the write floor of the streams job (tests/lib/writefloor.c,
#             build/writefloor): only creating the same files and pwriting
#             the same bytes at the same offsets, in the stream's order,
#             timed by itself; our pipelines' and tcpflow's times against
#             it, on the output file system and on tmpfs (/dev/shm; the
#             streams jobs run there too)
#   pipes     bytes through the pipes of pcapcat -r | reasm | flowname |
#             flowsplit and of pcapcat -r | reasm | flowsplit (each pipe's
#             bytes counted by wc -c reading a pipe), as a percentage of
#             the capture's size
#   stages    pcapcat -r F > recs (pcap decoding alone); reasm < recs
#             > /dev/null (MB/s of payload, packets/s)
#   http      ... | httpsplit -o   vs  tcpflow -e http  vs  tshark --export-objects
#   flowstat  pcapcat -r | reasm | flowstat   vs  tshark -q -z conv,tcp
#   shard     pcapcat -r | flowshard -n 1 and -n 2 -x 'reasm | flowname |
#             flowsplit -o' (the tree must equal the plain pipeline's)
#   syscalls  strace -c -f: system calls per output file of flowsplit and
#             of tcpflow (profile many only; untimed; needs strace), on the
#             first FK_BENCH_STRACE_PACKETS packets (default 200000, or
#             "all": tracing every call of 1.8 M packets takes minutes)
#   live      (root) tcpreplay replays the capture into one end of a veth
#             pair between two network namespaces of our own, at each rate
#             of FK_BENCH_LIVE_RATES (Mbit/s, "top" for --topspeed; default
#             "1000 top"), sender on CPU 0, while on the other end
#             pcapcat -i | reasm | flowsplit -o, then tcpflow -i -o,
#             capture on CPU 1; then, once the capture has gone idle (at
#             most FK_BENCH_LIVE_SETTLE seconds, default 60), SIGINT to its
#             process group.  Per tool: kernel drops (libpcap's counters:
#             pcapcat's, tcpflow's through build/pcapstats.so), the bytes
#             of the files it wrote intact (same name and bytes as in the
#             file capture's streams tree) of all, CPU seconds (user + sys)
#             and per captured packet; FK_BENCH_RUNS runs per rate and tool
# A row whose program is not built yet is skipped.  "ratio" is the
# reference's time over ours (above 1: we are faster).  The results table
# is followed by a compact Markdown summary of the same rows (for README),
# notes, and the targets of issue #15, each PASS or MISS.
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
# FK_BENCH_RUNS, FK_BENCH_ROWS (row groups, above), FK_BENCH_LIVE_RATES,
# FK_BENCH_LIVE_SETTLE, FK_BENCH_STRACE_PACKETS, FK_BENCH_HOSTILE_N,
# FK_BENCH_OUT (where output trees go), FK_BENCH_KEEP=1 keeps the last
# output trees, FK_WRITEFLOOR and FK_PCAPSTATS_SO (the helpers; default
# next to FK_BIN: build/writefloor, build/pcapstats.so, made if missing).
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

# Row groups (see above): want GROUP is true if it runs.
ROWSEL=${FK_BENCH_ROWS:-all}
ALLROWS="streams floor pipes stages http flowstat shard syscalls live"
for g in $ROWSEL; do
	case " all $ALLROWS " in
	*" $g "*) ;;
	*) echo "bench: unknown row group '$g' in FK_BENCH_ROWS (all, or some of: $ALLROWS)" >&2; exit 2 ;;
	esac
done
want() {
	case " $ROWSEL " in *" all "* | *" $1 "*) return 0 ;; esac
	return 1
}
# The helpers (Makefile: make bench builds them next to FK_BIN).
HB=$(dirname "$BIN")
WF=${FK_WRITEFLOOR:-$HB/writefloor}
SHIM=${FK_PCAPSTATS_SO:-$HB/pcapstats.so}
# helper PATH: make it if missing, when BIN is B/bin of this tree's Makefile
helper() {
	[ -e "$1" ] && return 0
	[ "$(basename "$BIN")" = bin ] && [ "$(dirname "$HB")" = "$ROOT" ] &&
		make -s -C "$ROOT" B="$(basename "$HB")" "$(basename "$HB")/$(basename "$1")" >&2 2>&1 && [ -e "$1" ]
}

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
TARGETS=$RUNSD/targets NOTES=$RUNSD/notes
: >"$TARGETS"
: >"$NOTES"
SCR=	# scratch under FK_BENCH_DIR (the saved record stream of the floor)
TMPW=	# the tmpfs output directory of the floor rows
CUR=	# process group of the command being timed
trap 'exit 130' INT TERM
trap '[ -z "$CUR" ] || kill -KILL -- "-$CUR" 2>/dev/null
	live_down
	rm -rf "$ROWS" "$RUNSD" ${SCR:+"$SCR"} ${TMPW:+"$TMPW"}
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

# row PROFILE TASK OURS_S OURS_MB REF REF_S REF_MB CHECK [RATIO]
# (RATIO: when the ratio is not REF_S / OURS_S)
row() {
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$5" "$6" "$7" "${9:-$(ratio "$3" "$6")}" "$8" >>"$ROWS"
}

# target PASS|MISS TEXT: a line of the targets (issue #15) at the end
target() {
	printf '%s  %s\n' "$1" "$2" >>"$TARGETS"
}

# passmiss AWK-CONDITION VAR=VALUE...: PASS if the condition holds
passmiss() {
	local c=$1
	shift
	awk "$@" "BEGIN { print ($c) ? \"PASS\" : \"MISS\" }" </dev/null
}

# x A B: A / B as "1.23" ("-" if either is not a number, or B is 0)
x() {
	awk -v a="$1" -v b="$2" 'BEGIN {
		if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b + 0 > 0) printf "%.2f", a / b; else printf "-" }'
}

# tree_sum DIR: "files bytes" of regular files, tcpflow's report.xml excluded
tree_sum() {
	find "$1" -type f ! -name report.xml -printf '%s\n' 2>/dev/null |
		awk '{ n++; b += $1 } END { printf "%.0f %.0f", n, b }'
}

# manifest DIR: "name md5" of each regular file, by name (report.xml
# excluded; flow names hold no white space)
manifest() {
	(cd "$1" && find . -type f ! -name report.xml -printf '%P\0' | LC_ALL=C sort -z |
		xargs -0r md5sum) | awk '{ print $2, $1 }'
}

# intact DIR: "files bytes" of DIR's files that are in the reference tree
# with the same name and bytes (REF_MAN, REF_SIZES)
intact() {
	manifest "$1" | awk -v man="$REF_MAN" -v sizes="$REF_SIZES" '
		BEGIN {
			while ((getline l < man) > 0) { split(l, f, " "); m[f[1]] = f[2] }
			while ((getline l < sizes) > 0) { split(l, f, " "); sz[f[1]] = f[2] }
		}
		($1 in m) && m[$1] == $2 { n++; b += sz[$1] }
		END { printf "%.0f %.0f", n, b }'
}

# discard PATH...: output no longer needed (kept on the fresh file system,
# see above: deleting there would slow down the next command)
discard() {
	[ "$OUTFS" = loop ] || rm -rf "$@"
}

# The file system of W, by name, for the rows.
case $OUTFS in
loop) FSNAME=ext4 ;;
tmpfs) FSNAME=tmpfs ;;
*) FSNAME=$(df --output=fstype "$W" 2>/dev/null | tail -1) ;;
esac

# ref_tree [manifest]: REF_SUM ("files bytes") of this profile's streams
# tree (tcpflow's, from the streams rows, else the plain pipeline's, made
# here untimed), PAYLOAD_MB, and with "manifest" REF_MAN and REF_SIZES
# (files: the tree's manifest, "name size" of its files).
REF_MAN=$RUNSD/ref.man REF_SIZES=$RUNSD/ref.sizes
ref_tree() {
	if [ -z "$REF_SUM" ] || { [ "${1:-}" = manifest ] && [ ! -s "$REF_MAN" ]; }; then
		remake
		if [ "$have4" = 1 ]; then
			sh -c "$P4 -o '$W/ref' > /dev/null" 2>"$W/log.ref" || note "$prof: the reference tree: $(tail -1 "$W/log.ref")"
		else
			tcpflow -r "$cap" -o "$W/ref" >"$W/log.ref" 2>&1
		fi
		ref_set "$W/ref" "${1:-}"
		discard "$W/ref"
	fi
	PAYLOAD_MB=$(awk -v b="${REF_SUM#* }" 'BEGIN { printf "%.1f", b / 1048576 }')
}
# ref_set DIR [manifest]: DIR is the reference tree
ref_set() {
	REF_SUM=$(tree_sum "$1")
	if [ "${2:-}" = manifest ]; then
		manifest "$1" >"$REF_MAN"
		(cd "$1" && find . -type f ! -name report.xml -printf '%P %s\n') >"$REF_SIZES"
	fi
}

# wfloor OUT: the write floor into OUT; T_S is writefloor's own time of
# its write phase (its RSS holds the whole payload: not shown)
wfloor() {
	timed wfloor "'$WF' -v -o '$1' '$STREAM' > '$W/wfloor.s'"
	if [ "$T_OK" = 1 ]; then
		T_S=$(cat "$W/wfloor.s")
		note "$(tail -1 "$W/log.wfloor")"
	fi
	T_MB=-
}

# same_tree DIR: "identical (N files)" if DIR equals tcpflow's tree of
# the same run (TFTREE), else what differs
same_tree() {
	local n
	n=$(tree_sum "$1")
	if diff -rq -x report.xml "$TFTREE" "$1" >"$W/diff" 2>&1; then
		echo "identical (${n% *} files)"
	else
		echo "DIFFERS from tcpflow's: $(wc -l <"$W/diff") entries (${n% *} files ${n#* } B)"
		head -5 "$W/diff" >&2
	fi
}

# job_done FS OUT JOB R: JOB's tree of run R is made: in the last run,
# compared with tcpflow's (RUNSD/same.JOB); on tmpfs, removed at once
# (what tmpfs holds is memory: the next jobs would have less)
job_done() {
	if [ "$4" = "$RUNS" ]; then
		if [ "$T_OK" = 1 ]; then same_tree "$2/$3.$4"; else echo "FAILED (see above)"; fi >"$RUNSD/same.$3"
	fi
	if [ "$1" = "$FSNAME" ]; then discard "$2/$3.$4"; else rm -rf "$2/$3.$4"; fi
}

# stream_runs FS OUT: the stream jobs with output in OUT on file system FS
# (the output file system, remade before each run, or tmpfs): tcpflow, our
# pipelines, the pipe floor (streams) and the write floor (floor), RUNS
# times alternately; their rows, and the targets of issue #15.
stream_runs() {
	local fs=$1 out=$2 r j sfx= tf_s tf_mb o_s check task
	local do3=0 docat=0 dowf=0
	[ "$fs" = "$FSNAME" ] || sfx=" $fs"
	[ "$have3" = 1 ] && do3=1
	[ "$fs" = "$FSNAME" ] && want streams && docat=1
	[ -n "$STREAM" ] && want floor && dowf=1
	rm -f "$RUNSD"/runs.* "$RUNSD"/same.*
	TFTREE=$out/tcpflow.$RUNS
	for r in $(seq "$RUNS"); do
		[ "$fs" != "$FSNAME" ] || [ "$r" = 1 ] || remake
		timed tcpflow "tcpflow -r '$cap' -o '$out/tcpflow.$r'"
		runs_add tcpflow
		if [ "$have4" = 1 ]; then
			timed ours "$P4 -o '$out/ours.$r' > /dev/null"
			runs_add ours
			job_done "$fs" "$out" ours "$r"
		fi
		if [ $do3 = 1 ]; then
			timed ours3 "$P3 -o '$out/ours3.$r' > /dev/null"
			runs_add ours3
			job_done "$fs" "$out" ours3 "$r"
		fi
		if [ $docat = 1 ]; then
			timed floor "cat '$cap' | cat | cat | cat > '$W/floor.$r'"
			runs_add floor
			discard "$W/floor.$r"
		fi
		if [ $dowf = 1 ]; then
			wfloor "$out/wfloor.$r"
			runs_add wfloor
			job_done "$fs" "$out" wfloor "$r"
		fi
		if [ "$r" -lt "$RUNS" ]; then
			if [ "$fs" = "$FSNAME" ]; then discard "$out/tcpflow.$r"; else rm -rf "$out/tcpflow.$r"; fi
		fi
	done
	runs_median tcpflow
	tf_s=$T_S tf_mb=$T_MB
	MED[$fs.tcpflow]=$tf_s
	if [ "$fs" = "$FSNAME" ]; then
		if want shard || want live; then ref_set "$TFTREE" manifest; else ref_set "$TFTREE"; fi
		ref_tree
		echo "payload: $PAYLOAD_MB MB in ${REF_SUM% *} stream files (tcpflow)"
	fi
	for j in ours ours3; do
		[ -s "$RUNSD/runs.$j" ] || continue
		runs_median $j
		MED[$fs.$j]=$T_S
		if [ "$T_OK" = 1 ]; then check=$(cat "$RUNSD/same.$j"); else check="FAILED (see above)"; fi
		if [ $j = ours ]; then task="streams$sfx"; else task="streams 3-stage$sfx"; fi
		row "$prof" "$task" "$T_S" "$T_MB" "tcpflow" "$tf_s" "$tf_mb" "$check"
	done
	[ "$have4" = 1 ] || row "$prof" "streams$sfx" - - "tcpflow" "$tf_s" "$tf_mb" "skipped: pipeline not built"
	if [ $docat = 1 ]; then
		runs_median floor
		row "$prof" "pipe floor" "$T_S" "$T_MB" "tcpflow" "$tf_s" "$tf_mb" "4 cats, 3 pipes, 1 file: moving the bytes, no work"
	fi
	if [ $dowf = 1 ]; then
		runs_median wfloor
		if [ "$T_OK" = 1 ]; then
			MED[$fs.wfloor]=$T_S
			check=$(cat "$RUNSD/same.wfloor")
		else
			T_S=- check="FAILED (see above)"
		fi
		check="ours $(x "${MED[$fs.ours]:-}" "$T_S")x it, 3-stage $(x "${MED[$fs.ours3]:-}" "$T_S")x, tcpflow $(x "$tf_s" "$T_S")x; files $check"
		row "$prof" "write floor$sfx" "$T_S" "-" "tcpflow" "$tf_s" "$tf_mb" "$check"
	fi
	if [ "$fs" = "$FSNAME" ]; then discard "$out/tcpflow.$RUNS"; else rm -rf "$out/tcpflow.$RUNS"; fi
	stream_targets "$fs"
}

# stream_targets FS: issue #15's targets for the streams job on FS
stream_targets() {
	local fs=$1 j o tf fl name r vf ok text
	tf=${MED[$fs.tcpflow]:-}
	fl=${MED[$fs.wfloor]:-}
	for j in ours3 ours; do
		o=${MED[$fs.$j]:-}
		[ -n "$o" ] || continue
		if [ $j = ours3 ]; then name="pcapcat -r | reasm | flowsplit -o"; else name="pcapcat -r | reasm | flowname | flowsplit -o"; fi
		r=$(x "$tf" "$o")
		case $prof in
		bulk)
			vf=$(x "$o" "$fl")
			ok=$(passmiss 'r >= 2 || (fl > 0 && fl > tf / 2 && vf != "-" && vf <= 1.2)' -v r="$r" -v fl="${fl:-0}" -v tf="$tf" -v vf="$vf")
			text="$prof $fs: $name: ${r}x tcpflow (target >= 2x)"
			if [ -z "$fl" ]; then
				text="$text; the write floor not measured"
			elif [ "$(passmiss 'fl > tf / 2' -v fl="$fl" -v tf="$tf")" = PASS ]; then
				text="$text, or ${vf}x the write floor (target <= 1.2x: the floor, $fl s, is above half of tcpflow's $tf s)"
			else
				text="$text (the write floor, $fl s, is below half of tcpflow's $tf s: its 1.2x target does not apply; ours ${vf}x it)"
			fi
			target "$ok" "$text"
			;;
		many)
			target "$(passmiss 'r >= 1.5' -v r="$r")" "$prof $fs: $name: ${r}x tcpflow (target >= 1.5x)"
			;;
		esac
	done
}

# --- live capture --------------------------------------------------------
LNS_S= LNS_C= LV_S= LV_C=
live_down() {
	local ns p
	for ns in $LNS_C $LNS_S; do
		# only processes we started live in our own namespaces
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null
	done
	LNS_S= LNS_C=
}
# live_up: two namespaces of our own and a veth pair between them, no
# addresses (nothing is routed: the replayed frames are for other MACs and
# only captured), offloads off as when the captures were recorded
live_up() {
	[ -z "$LNS_S" ] || return 0
	LNS_S=fkb-snd-$$ LNS_C=fkb-cap-$$ LV_S=fkbs$$ LV_C=fkbc$$
	if ! { ip netns add "$LNS_S" && ip netns add "$LNS_C" &&
		ip link add "$LV_S" type veth peer name "$LV_C" &&
		ip link set "$LV_S" netns "$LNS_S" && ip link set "$LV_C" netns "$LNS_C" &&
		ip -n "$LNS_S" link set "$LV_S" up && ip -n "$LNS_C" link set "$LV_C" up; }; then
		live_down
		return 1
	fi
	ip netns exec "$LNS_S" ethtool -K "$LV_S" tso off gso off gro off >/dev/null 2>&1
	ip netns exec "$LNS_C" ethtool -K "$LV_C" tso off gso off gro off >/dev/null 2>&1
	return 0
}
# live_cpu PGID: CPU ticks (user + sys) of the processes of group PGID
live_cpu() {
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v g="$1" '$5 == g { t += $14 + $15 } END { print t + 0 }'
}
# live_idle PGID: wait until the group has used (almost) no CPU for 1 s
# (it has read and written all it captured), at most FK_BENCH_LIVE_SETTLE
# seconds (default 60)
live_idle() {
	local prev cur idle=0 n=0 max=$((${FK_BENCH_LIVE_SETTLE:-60} * 4))
	prev=$(live_cpu "$1")
	while [ $n -lt $max ]; do
		sleep 0.25
		n=$((n + 1))
		cur=$(live_cpu "$1")
		if [ $((cur - prev)) -le 0 ]; then
			idle=$((idle + 1))
			[ $idle -ge 4 ] && return 0
		else
			idle=0
		fi
		prev=$cur
	done
	note "live: the capture was still busy after ${FK_BENCH_LIVE_SETTLE:-60}s"
}
# live_run TOOL RATE R: one live capture of this profile's capture replayed
# at RATE (Mbit/s or "top"); appends "cpu_s rss_mb received dropped
# captured sent mbps files bytes ok" to RUNSD/live.TOOL.RATE, files and
# bytes: those of the reference tree's files it wrote intact
live_run() {
	local tool=$1 rate=$2 r=$3 out=$W/live.$1.$3 cmd pg ok=1 rargs
	local cpu mb recv drop capd sent mbps files bytes
	remake
	rm -f "$W/live.stats" "$W/live.log" "$W/live.time" "$W/live.replay"
	case $tool in
	ours) cmd="'$BIN/pcapcat' -v -i $LV_C 2>'$W/live.stats' | '$BIN/reasm' | '$BIN/flowsplit' -o '$out' > /dev/null" ;;
	tcpflow) cmd="LD_PRELOAD='$SHIM' FK_PCAPSTATS='$W/live.stats' tcpflow -i $LV_C -o '$out'" ;;
	esac
	# its own session; SIGINT not ignored (a background job's is);
	# bash waits for the whole pipeline after SIGINT, time ignores it
	setsid env --default-signal=INT ip netns exec "$LNS_C" taskset -c "$LCPU_CAP" \
		$TIME -f '%e %U %S %M' -o "$W/live.time" bash -c "trap : INT; $cmd" >"$W/live.log" 2>&1 &
	pg=$! CUR=$!
	for _ in $(seq 100); do
		grep -qs 'listening on' "$W/live.stats" "$W/live.log" && break
		sleep 0.1
	done
	grep -qs 'listening on' "$W/live.stats" "$W/live.log" || { note "live $tool: not listening: $(tail -2 "$W/live.log")"; ok=0; }
	if [ "$rate" = top ]; then rargs=--topspeed; else rargs="--mbps $rate"; fi
	timeout "$TMO" ip netns exec "$LNS_S" taskset -c "$LCPU_SND" \
		tcpreplay -i "$LV_S" $rargs "$cap" >"$W/live.replay" 2>&1 ||
		{ note "live: tcpreplay failed: $(tail -2 "$W/live.replay")"; ok=0; }
	live_idle "$pg"
	kill -INT -- "-$pg" 2>/dev/null
	for _ in $(seq 600); do kill -0 "$pg" 2>/dev/null || break; sleep 0.1; done
	kill -KILL -- "-$pg" 2>/dev/null && { note "live $tool: killed, SIGINT did not end it"; ok=0; }
	wait "$pg" || { note "live $tool: exit $?: $(tail -2 "$W/live.log")"; ok=0; }
	CUR=
	read -r cpu mb < <(awk 'NF == 4 && $1 ~ /^[0-9.]+$/ { printf "%.2f %.0f\n", $2 + $3, $4 / 1024 }' "$W/live.time")
	# "[E packets emitted, ]R received by filter, D dropped by kernel, ..."
	read -r recv drop capd < <(cat "$W/live.stats" "$W/live.log" 2>/dev/null | awk '/received by filter/ {
		for (i = 2; i <= NF; i++) {
			if ($i == "emitted,") e = $(i - 2)
			if ($i == "received") r = $(i - 1)
			if ($i == "dropped" && $(i + 2) == "kernel,") d = $(i - 1)
		}
		if (e == "") e = r - d
		print r, d, e; exit }')
	sent=$(awk '/^Actual:/ { print $2 }' "$W/live.replay")
	mbps=$(awk '/^Rated:/ { print $4 }' "$W/live.replay")
	read -r files bytes <<<"$(intact "$out")"
	echo "${cpu:--} ${mb:--} ${recv:--} ${drop:--} ${capd:--} ${sent:--} ${mbps:--} $files $bytes $ok" >>"$RUNSD/live.$tool.$rate"
	discard "$out"
}
# live_rows: the live rows and targets of this profile
live_rows() {
	local rate r t f o tf lbl rb
	read -r _ rb <<<"$REF_SUM"
	for rate in $LIVE_RATES; do
		rm -f "$RUNSD"/live.*
		for r in $(seq "$RUNS"); do
			for t in ours tcpflow; do live_run $t "$rate" "$r"; done
		done
		# per tool: median CPU s, max RSS, drops per run, captured,
		# bytes recovered (worst run), CPU us per captured packet
		for t in ours tcpflow; do
			f=$RUNSD/live.$t.$rate
			read -r "${t}_mb" "${t}_drops" "${t}_rec" "${t}_us" "${t}_ok" "${t}_sent" "${t}_mbps" "${t}_lost" < <(awk -v rb="$rb" '
				{ n++; if ($2 + 0 > mb) mb = $2; d = d (n > 1 ? "," : "") $4
				  tc += $1; tp += $5; if (n == 1 || $9 < minb) minb = $9; if ($10 != 1) bad = 1
				  s = s (n > 1 ? "," : "") $6; m = m (n > 1 ? "/" : "") $7
				  l = l (n > 1 ? "," : "") ($3 - $4 - $5) }
				END {
					printf "%s %s %s %s %s %s %s %s\n", mb + 0, d,
					    (rb > 0 ? sprintf("%.1f%%", 100 * minb / rb) : "-"),
					    (tp > 0 ? sprintf("%.2f", 1e6 * tc / tp) : "-"), (bad ? 0 : 1), s, m, l }' "$f")
			printf -v "${t}_cpu" '%s' "$(cut -d' ' -f1 "$f" | sort -g | sed -n "$(((RUNS + 1) / 2))p")"
		done
		if [ "$rate" = top ]; then lbl="live top speed"; else lbl="live $rate Mbit/s"; fi
		# shellcheck disable=SC2154
		row "$prof" "$lbl" "$ours_cpu" "$ours_mb" "tcpflow -i" "$tcpflow_cpu" "$tcpflow_mb" \
			"CPU s; drops ours $ours_drops, tcpflow $tcpflow_drops; bytes in intact files (worst run) ours $ours_rec, tcpflow $tcpflow_rec; CPU us/captured packet ours $ours_us, tcpflow $tcpflow_us; sent $ours_sent pkts at $ours_mbps Mbit/s (ours), $tcpflow_mbps (tcpflow)$([ "$ours_ok$tcpflow_ok" = 11 ] || echo "; SOME RUNS FAILED")"
		[ "$(echo "$ours_lost" | tr -d ',0')" = "" ] ||
			echo "$prof $lbl: pcapcat received but did not emit (left in the ring at SIGINT): $ours_lost packets per run" >>"$NOTES"
		# a run without libpcap's counters is a MISS
		o=$(echo "$ours_drops" | tr ',' '\n' | awk '$1 !~ /^[0-9]+$/ { u = 1 } { s += $1 } END { print u ? "unknown" : s + 0 }')
		target "$(passmiss 'o == 0' -v o="$o")" "$prof $lbl: kernel drops: ours $ours_drops, tcpflow $tcpflow_drops (target: 0 where tcpflow drops)"
		target "$(passmiss 'o != "-" && t != "-" && o <= 2 * t' -v o="$ours_us" -v t="$tcpflow_us")" \
			"$prof $lbl: CPU per captured packet: ours $ours_us us, tcpflow $tcpflow_us us: $(x "$ours_us" "$tcpflow_us")x (target <= 2x)"
	done
}
LIVE_RATES=${FK_BENCH_LIVE_RATES:-1000 top}
LCPU_SND=0 LCPU_CAP=1
[ "$(nproc)" -ge 2 ] || LCPU_CAP=0
declare -A MED

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
	capb=$(stat -c %s "$cap")
	echo
	echo "== $prof: $cap, $(du -m "$cap" | cut -f1) MB, ${pkts:-?} packets"
	have4=0 have3=0
	have pcapcat && have reasm && have flowname && have flowsplit && have4=1
	have pcapcat && have reasm && have flowsplit && have3=1
	PN="'$BIN/pcapcat' -r '$cap' | '$BIN/reasm' | '$BIN/flowname'"
	P4="$PN | '$BIN/flowsplit'"
	P3="'$BIN/pcapcat' -r '$cap' | '$BIN/reasm' | '$BIN/flowsplit'"
	REF_SUM= PAYLOAD_MB= STREAM=
	rm -f "$REF_MAN" "$REF_SIZES"
	MED=()

	# Streams and the write floor: on the output file system, then tmpfs.
	if want floor; then
		if [ "$have4" = 1 ] && helper "$WF"; then
			[ -n "$SCR" ] || SCR=$(mktemp -d "$DIR/scratch.XXXXXX")
			STREAM=$SCR/stream.fk
			sh -c "$PN > '$STREAM'" 2>"$W/log.stream" ||
				{ note "$prof: cannot save the record stream: $(tail -1 "$W/log.stream")"; STREAM=; }
		else
			note "$prof: write floor skipped: $([ "$have4" = 1 ] && echo "$WF missing" || echo "pipeline not built")"
		fi
	fi
	if want streams || want floor; then
		stream_runs "$FSNAME" "$W"
		if want floor && [ "$FSNAME" != tmpfs ]; then
			if [ "$(df --output=avail -k /dev/shm 2>/dev/null | tail -1)" -gt $((capb / 1024 * 5)) ] 2>/dev/null; then
				remake	# its cached pages go too
				TMPW=$(mktemp -d /dev/shm/flowkit-bench.XXXXXX)
				stream_runs tmpfs "$TMPW"
				rm -rf "$TMPW"
				TMPW=
			else
				note "$prof: not enough room on /dev/shm for the tmpfs rows"
			fi
		fi
		remake
	fi
	[ -z "$STREAM" ] || rm -f "$STREAM"

	# Bytes through the pipes: each pipe's bytes, counted by wc -c reading
	# a pipe (what the stage before it writes into a pipe).
	if want pipes && [ "$have3" = 1 ]; then
		b1=$(timeout "$TMO" sh -c "'$BIN/pcapcat' -r '$cap' | wc -c")
		b2=$(timeout "$TMO" sh -c "'$BIN/pcapcat' -r '$cap' | '$BIN/reasm' | wc -c")
		b3=-
		have flowname && b3=$(timeout "$TMO" sh -c "'$BIN/pcapcat' -r '$cap' | '$BIN/reasm' | '$BIN/flowname' | wc -c")
		read -r mb1 mb2 mb3 pc3 pc4 < <(awk -v a="$b1" -v b="$b2" -v c="$b3" -v t="$capb" 'BEGIN {
			printf "%.0f %.0f %s %.1f %s\n", a / 1048576, b / 1048576, c == "-" ? "-" : sprintf("%.0f", c / 1048576),
			    100 * (a + b) / t, c == "-" ? "-" : sprintf("%.1f", 100 * (a + b + c) / t) }')
		row "$prof" "pipe bytes" - - - - - "4 stages: $mb1 + $mb2 + $mb3 MB = $pc4% of the capture ($((capb >> 20)) MB); 3 stages (no flowname): $pc3%"
		target "$(passmiss 'p != "-" && p < 5' -v p="$pc4")" "$prof: bytes through the pipes of pcapcat -r | reasm | flowname | flowsplit: $pc4% of the capture (target < 5%)"
		target "$(passmiss 'p < 5' -v p="$pc3")" "$prof: bytes through the pipes of pcapcat -r | reasm | flowsplit: $pc3% of the capture (target < 5%)"
	fi

	# flowshard: one and two shards of the streams job into one directory.
	if want shard && [ "$have4" = 1 ] && have flowshard; then
		ref_tree manifest
		rm -f "$RUNSD"/runs.*
		for r in $(seq "$RUNS"); do
			for n in 1 2; do
				remake
				timed "shard$n" "'$BIN/pcapcat' -r '$cap' | '$BIN/flowshard' -v -n $n -x \"'$BIN/reasm' | '$BIN/flowname' | '$BIN/flowsplit' -o '$W/shard$n.$r' > /dev/null\""
				runs_add "shard$n"
				bal=$(awk '/^flowshard: shard/ { printf "%s%s", n++ ? " / " : "", $4 }' "$W/log.shard$n")
				echo "$bal" >"$RUNSD/bal.$n"
				if [ "$r" = "$RUNS" ]; then
					if manifest "$W/shard$n.$r" | cmp -s - "$REF_MAN"; then
						echo "identical to the plain pipeline's (${REF_SUM% *} files)"
					else
						echo "DIFFERS from the plain pipeline's: $(tree_sum "$W/shard$n.$r") against $REF_SUM (files bytes)"
					fi >"$RUNSD/same.$n"
				fi
				discard "$W/shard$n.$r"
			done
		done
		for n in 1 2; do
			runs_median "shard$n"
			row "$prof" "flowshard -n $n" "$T_S" "$T_MB" "4-stage pipeline" "${MED[$FSNAME.ours]:--}" "-" \
				"$(cat "$RUNSD/same.$n"); packets per shard $(cat "$RUNSD/bal.$n")"
		done
		grep -q '^flowshard:' "$NOTES" || echo "flowshard: gains need more cores than this $(nproc)-core VM (the pipeline's stages already use both); and flowshard spreads by host pair: a capture between two hosts (bulk and many here) stays in one shard (the packets per shard show it)" >>"$NOTES"
	fi

	# System calls per output file: flowsplit's and tcpflow's (strace -c).
	if want syscalls && [ "$prof" = many ]; then
		if ! command -v strace >/dev/null; then
			note "syscalls: strace missing (apt-get install strace): skipped"
		elif [ "$have4" = 1 ]; then
			# on the first FK_BENCH_STRACE_PACKETS packets (default
			# 200000): tracing every call of the whole capture takes
			# minutes here, and the calls per file are the same
			remake
			[ -n "$SCR" ] || SCR=$(mktemp -d "$DIR/scratch.XXXXXX")
			spk=${FK_BENCH_STRACE_PACKETS:-200000}
			if [ "$spk" = all ]; then
				ln -sf "$cap" "$SCR/prefix.pcap"
			else
				tcpdump -r "$cap" -c "$spk" -w "$SCR/prefix.pcap" 2>/dev/null
			fi
			timed strace_ours "'$BIN/pcapcat' -r '$SCR/prefix.pcap' | '$BIN/reasm' | '$BIN/flowname' | strace -f -c -o '$W/strace.ours' '$BIN/flowsplit' -o '$W/st.ours' > /dev/null"
			so_ok=$T_OK
			so_n=$(tree_sum "$W/st.ours")
			timed strace_tf "strace -f -c -o '$W/strace.tf' tcpflow -r '$SCR/prefix.pcap' -o '$W/st.tf'"
			st_ok=$T_OK
			st_n=$(tree_sum "$W/st.tf")
			# calls per file: the total and the five most frequent calls
			percall() {
				awk -v n="$2" '$1 ~ /^[0-9.]+$/ && NF >= 5 {
					if ($NF == "total") t = $4; else printf "%.0f %s\n", $4, $NF }
					END { printf "%.0f total\n", t }' "$1" | sort -rn |
					awk -v n="$2" '$2 == "total" { t = $1; next } k++ < 5 { s = s sprintf(" %s %.2f", $2, $1 / n) }
						END { printf "%.2f (%s)\n", (n > 0 ? t / n : 0), substr(s, 2) }'
			}
			po=$(percall "$W/strace.ours" "${so_n% *}")
			pt=$(percall "$W/strace.tf" "${st_n% *}")
			if [ "$so_ok$st_ok" = 11 ]; then
				row "$prof" "syscalls/file" - - "tcpflow" - - \
					"flowsplit $po, tcpflow $pt per file (${so_n% *} and ${st_n% *} files of $([ "$spk" = all ] && echo all the || echo the first $spk) packets); ratio: tcpflow's calls / ours" \
					"$(x "${pt%% *}" "${po%% *}")"
			else
				row "$prof" "syscalls/file" - - "tcpflow" - - "FAILED (see above)"
			fi
			discard "$W/st.ours" "$W/st.tf"
			rm -f "$SCR/prefix.pcap"
		fi
	fi

	if want stages && have pcapcat; then
		ref_tree
		remake
		timed pcapcat "'$BIN/pcapcat' -r '$cap' > '$W/recs'"
		rate=$(awk -v s="$T_S" -v p="${pkts:-0}" 'BEGIN { if (s > 0) printf "%.0f kpkt/s", p / s / 1000; else print "-" }')
		row "$prof" "pcapcat" "$T_S" "$T_MB" "-" "-" "-" "$rate, $(du -m "$W/recs" | cut -f1) MB of records"
		if have reasm; then
			timed reasm "'$BIN/reasm' < '$W/recs' > /dev/null"
			rate=$(awk -v s="$T_S" -v p="${pkts:-0}" -v m="$PAYLOAD_MB" \
				'BEGIN { if (s > 0) printf "%.0f MB/s payload, %.0f kpkt/s", m / s, p / s / 1000; else print "-" }')
			row "$prof" "reasm alone" "$T_S" "$T_MB" "-" "-" "-" "$rate"
		fi
		discard "$W/recs"
	fi

	# HTTP bodies: three extractors
	if want http; then
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
	fi

	# flow table
	if want flowstat; then
		timed tshark_conv "tshark -r '$cap' -o tcp.desegment_tcp_streams:FALSE --disable-protocol http -q -z conv,tcp > '$W/conv'"
		tc_s=$T_S tc_mb=$T_MB
		tc_n=$(grep -c '<->' "$W/conv" 2>/dev/null)
		if have pcapcat && have reasm && have flowstat; then
			timed flowstat "'$BIN/pcapcat' -r '$cap' | '$BIN/reasm' | '$BIN/flowstat' > '$W/fstat'"
			row "$prof" "flow table" "$T_S" "$T_MB" "tshark conv,tcp" "$tc_s" "$tc_mb" "tshark: $tc_n conversations"
		else
			row "$prof" "flow table" - - "tshark conv,tcp" "$tc_s" "$tc_mb" "skipped: flowstat not built"
		fi
	fi

	# Live capture: tcpreplay into a veth pair, pcapcat and tcpflow capture.
	if want live; then
		why=
		[ "$(id -u)" = 0 ] || why="needs root"
		for c in ip tcpreplay taskset tcpflow ethtool; do
			command -v $c >/dev/null || why="${why:+$why, }$c missing"
		done
		[ "$have3" = 1 ] || why="${why:+$why, }pipeline not built"
		[ -n "$why" ] || helper "$SHIM" || why="$SHIM missing"
		[ -n "$why" ] || live_up || why="cannot make the network namespaces"
		if [ -n "$why" ]; then
			note "live: skipped: $why"
		else
			ref_tree manifest
			live_rows
			grep -q '^live:' "$NOTES" || echo "live: CPU s in the time columns (user + sys of the capturing processes, pinned to CPU $LCPU_CAP; tcpreplay on CPU $LCPU_SND); drops are libpcap's kernel drop counter per run; bytes in intact files: the bytes of the files that are in the streams tree of the file capture with the same name and bytes, of all its bytes" >>"$NOTES"
		fi
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
			target "$(passmiss 'x != "-" && x < 3' -v x="$x")" "hostile: $task: ${x}x the in-order time (target < 3x)"
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

if [ -s "$NOTES" ]; then
	echo
	echo "== notes"
	sed 's/^/- /' "$NOTES"
fi
if [ -s "$TARGETS" ]; then
	echo
	echo "== targets (issue #15, and the hostile shapes; $(grep -c '^PASS' "$TARGETS") PASS, $(grep -c '^MISS' "$TARGETS") MISS)"
	cat "$TARGETS"
fi
