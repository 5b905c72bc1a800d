#!/usr/bin/env bats
# The examples run: every .Bd -literal block and run of .Dl lines under
# EXAMPLES in every manual page, and every ```sh block of README.md
# (tests/lib/examples.py extracts them), run with bash -e -o pipefail in
# a scratch directory holding the captures they name.  An example fails
# on a non-zero exit status, or when what it writes is empty: each file
# or directory it names with -o, -w or >, or else its standard output
# and error.  The blocks of one file run in order in one directory, so a
# later block may read what an earlier one wrote.
load helper

# The captures the examples name: NAME SOURCE [FALLBACK], relative to
# the repository; a corpus capture falls back to FALLBACK when the corpus
# is not here, and its examples are skipped without one.
CAPTURES=(
	"dump.pcap examples/http.pcap"
	"x.pcap examples/http.pcap"
	"capture.pcap examples/http.pcap"
	"http.pcap @/tcpflow/test1.pcap"
	"a.pcap examples/http.pcap"
	"b.pcap examples/http.pcap"
	"test1.pcap @/tcpflow/test1.pcap examples/http.pcap"
	"test2.pcap @/tcpflow/test2.pcap examples/http.pcap"
	"image2.pcap @/tcpflow/image2.pcap examples/http.pcap"
	"DnsPackets.pcap @/pcapplusplus/PcapExamples/DnsPackets.pcap tests/data/flowpcap-udp.pcap"
	"bruteforce.pcap @/zeek/ftp/bruteforce.pcap"
	"reasm-rst.pcap tests/data/reasm-rst.pcap"
	"reasm-idle.pcap tests/data/reasm-idle.pcap"
)

# What the examples do live, done here on files, on free ports of the
# loopback (servers started by the test) and in the scratch directory.
# sed expressions, applied in order to every block.
SUBST=(
	's/pcapcat -i eth0 /pcapcat -r dump.pcap /'
	's/pcapcat -i lo \(.*\) port 8080/pcapcat -r x.pcap \1 port 80/'
	's/flowrelay -s 127\.0\.0\.1 80 8080/flowrelay -m 1 -s 127.0.0.1 $SP $RP/'
	's/ 8000 8080/ $SP $RP/'
	's/127\.0\.0\.1:8080/127.0.0.1:$RP/'
	's|/run/app\.sock /tmp/app-spy\.sock|app.sock app-spy.sock|'
	's|^examples/shard\.sh|"$FK_ROOT"/examples/shard.sh|'
	's|4/node1,4/node2|2/:|'
	's/| less$/| cat/'
	# a person types the client once the relay listens: wait for it too
	# (a sanitizer build starts slowly)
	's/^curl -s /curl -s --retry 30 --retry-connrefused --retry-delay 1 /'
)
# pcapcat -Z needs root.
[ "$(id -u)" = 0 ] || SUBST+=('s/ -Z nobody//')

# Blocks that are not run, and why.
SKIP=(
	"README.md:2	make demo and make check install packages and run this suite"
	"README.md:6	make targets that run this suite"
)

# Every file an example names with -o, -w or > (not - or /dev/null),
# shell variables and {} replacement strings as globs.
targets() {
	sed 's/set -o [a-z]*//g' <<<"$1" |
		grep -oE -- "(-[ow] +|> *)[^ |;&)'\"<>]+" |
		sed -E 's/^(-[ow] +|> *)//' | grep -vxE -- '-|/dev/null|&[0-9]' |
		sed -E 's/\$[A-Za-z_]+|\{[^}]*\}/*/g' | sort -u
}

# nonempty GLOB: a non-empty file matches GLOB or GLOB*, or is below one.
nonempty() {
	local f
	for f in $1 $1*; do
		[ -e "$f" ] || continue
		[ -n "$(find "$f" -type f -size +0c -print -quit)" ] && return 0
	done
	return 1
}

start_servers() {
	mkdir -p www
	printf '<html><body>flowkit example page %s</body></html>\n' "$(seq 1 50)" >www/index.html
	SP=$((20000 + RANDOM % 20000))
	RP=$((SP + 1))
	python3 -m http.server -b 127.0.0.1 -d www "$SP" >/dev/null 2>&1 &
	SERVERS+=($!)
	python3 -m http.server -b ::1 -d www "$SP" >/dev/null 2>&1 &
	SERVERS+=($!)
	python3 - "$PWD/app.sock" "$PWD/www" >/dev/null 2>&1 <<'PY' &
import functools, http.server, socketserver, sys
class S(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    pass
class H(http.server.SimpleHTTPRequestHandler):
    def address_string(self):
        return "local"
S(sys.argv[1], functools.partial(H, directory=sys.argv[2])).serve_forever()
PY
	SERVERS+=($!)
	export SP RP
	for _ in $(seq 100); do
		curl -s -o /dev/null "http://127.0.0.1:$SP/" &&
			curl -s -g -o /dev/null "http://[::1]:$SP/" &&
			curl -s -o /dev/null --unix-socket app.sock http://x/ && return 0
		sleep 0.1
	done
	echo "the example servers did not start"
	return 1
}

# The servers' pids: not a bare wait or jobs -p, which would take in
# bats' timeout watchdog too.
SERVERS=()
stop_servers() {
	[ ${#SERVERS[@]} -eq 0 ] && return 0
	kill "${SERVERS[@]}" 2>/dev/null
	wait "${SERVERS[@]}" 2>/dev/null || true
	SERVERS=()
}
teardown() { stop_servers; }

# client BLOCK: one request through the relay the block runs.
client() {
	case $1 in
	*"-p local"*) curl -s -o /dev/null --unix-socket app-spy.sock http://x/ ;;
	*"-p tcp6"*) curl -s -g -o /dev/null "http://[::1]:$RP/" ;;
	*) curl -s -o /dev/null "http://127.0.0.1:$RP/" ;;
	esac
}

# run_block ID TEXT: run one example; fail with its output if it fails.
run_block() {
	local id="$1" text="$2" e rc t pid
	for e in "${SUBST[@]}"; do
		text=$(sed -e "$e" <<<"$text")
	done
	printf '%s\n' "$text" >ex.sh
	echo "== $id"
	cat ex.sh
	if [[ $text == *flowrelay* ]]; then
		timeout 60 bash -e -o pipefail ex.sh >ex.out 2>ex.err &
		pid=$!
		# The example's own client, or one request from here once the
		# relay listens.
		if [[ $text != *curl* ]]; then
			for _ in $(seq 200); do
				client "$text" && break
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.1
			done
		fi
		wait "$pid" && rc=0 || rc=$?
	else
		timeout 120 bash -e -o pipefail ex.sh >ex.out 2>ex.err && rc=0 || rc=$?
	fi
	# 141: SIGPIPE, a reader like head(1) that stopped early.
	if [ "$rc" -ne 0 ] && [ "$rc" -ne 141 ]; then
		echo "exit status $rc"
		head -c 2000 ex.err
		return 1
	fi
	local got=0
	while IFS= read -r t; do
		got=1
		nonempty "$t" || { echo "$t: missing or empty"; return 1; }
	done < <(targets "$text")
	if [ "$got" = 0 ] && [ ! -s ex.out ] && [ ! -s ex.err ]; then
		echo "no output"
		return 1
	fi
}

# examples FILE: run every example of FILE (relative to the repository).
examples() {
	local file="$FK_ROOT/$1" id text c name src fb s
	for c in "${CAPTURES[@]}"; do
		read -r name src fb <<<"$c"
		case $src in @*) src="$CORPUS${src#@}" ;; *) src="$FK_ROOT/$src" ;; esac
		[ -f "$src" ] || src=${fb:+$FK_ROOT/$fb}
		[ -n "$src" ] && cp "$src" "$name"
	done
	gzip -c dump.pcap >dump.pcap.gz
	# A gzip'd pcapng: the corpus has one; else a gzip'd pcap does.
	cp "$CORPUS/zeek/contentline/telnet-long-line-no-eol.pcapng.gz" \
		trace.pcapng.gz 2>/dev/null || gzip -c dump.pcap >trace.pcapng.gz
	grep -q flowrelay "$file" && { start_servers || return 1; }
	local n=0 rc=0
	while IFS= read -r -d '' rec; do
		id=${rec%%$'\n'*}
		text=${rec#*$'\n'}
		for s in "${SKIP[@]}"; do
			[ "${s%%$'\t'*}" = "$id" ] && continue 2
		done
		for c in $(grep -oE -- '-r +[A-Za-z0-9_.-]+' <<<"$text" | sed 's/^-r *//' | sort -u); do
			[ -f "$c" ] || { echo "$id: no $c here (the corpus?): skipped"; continue 2; }
		done
		n=$((n + 1))
		run_block "$id" "$text" || { rc=1; break; }
	done < <(python3 "$LIB/examples.py" "$file")
	stop_servers
	[ "$rc" = 0 ] || return 1
	[ "$n" -gt 0 ] || { echo "no examples run in $1"; return 1; }
}

@test "every section 1 page has examples" {
	for m in "$FK_ROOT"/man/*.1; do
		python3 "$LIB/examples.py" "$m" | grep -qz . || { echo "$m: no examples"; return 1; }
	done
}

@test "examples: README.md" { need_cmd curl; examples README.md; }
@test "examples: dfxmlgen(1)" { need_cmd xmllint; examples man/dfxmlgen.1; }
@test "examples: flowcat(1)" { examples man/flowcat.1; }
@test "examples: flowrec(1)" { examples man/flowrec.1; }
@test "examples: flowname(1)" { examples man/flowname.1; }
@test "examples: flowpcap(1)" { need_cmd xxd; examples man/flowpcap.1; }
@test "examples: flowrelay(1)" { need_cmd curl; examples man/flowrelay.1; }
@test "examples: flowshard(1)" { need_cmd parallel; examples man/flowshard.1; }
@test "examples: flowsplit(1)" { examples man/flowsplit.1; }
@test "examples: flowstat(1)" { examples man/flowstat.1; }
@test "examples: httpsplit(1)" { examples man/httpsplit.1; }
@test "examples: pcapcat(1)" { examples man/pcapcat.1; }
@test "examples: reasm(1)" { examples man/reasm.1; }
@test "examples: flowkit(7)" { need_cmd curl; examples man/flowkit.7; }

@test "manual pages fit 80 columns" {
	need_cmd man
	for m in "$FK_ROOT"/man/*.[157]; do
		LC_ALL=C MANWIDTH=80 man -l "$m" 2>/dev/null | awk -v m="$(basename "$m")" '
			length > 80 { print m ": " length ": " $0; bad = 1 }
			END { exit bad }' || return 1
	done
}
