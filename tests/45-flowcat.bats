#!/usr/bin/env bats
# flowcat: the stream formats (tcpflow's console, tcpreen's logs, password),
# against tcpflow and tcpreen themselves; gaps, terminals, EPIPE, usage.
# The records format is tested in 10-records.bats.
load helper

FORMATS="tcpflow strip hex C raw count null password"

@test "flowcat: every format on test1 and test2 (golden)" {
	need_corpus
	for c in tcpflow/test2.pcap tcpflow/test1.pcap; do
		pcapcat -r "$CORPUS/$c" | reasm | flowname > in.fk
		for f in $FORMATS; do
			echo "=== $c -f $f"
			flowcat -f $f < in.fk
		done
		for o in -C -D "-D -C" -B -0 -G "-b 100"; do
			echo "=== $c -f tcpflow $o"
			flowcat -f tcpflow $o < in.fk
		done
		echo "=== $c -f hex -b 20"
		flowcat -f hex -b 20 < in.fk
	done > out
	golden flowcat-formats out
}

# The tcpflow format is flowsplit's console: one implementation (flowcat
# marks gaps, flowsplit -c does with -g mark).
@test "flowcat: -f tcpflow prints what flowsplit -c prints" {
	need_corpus
	for c in tcpflow/test1.pcap tcpflow/test4.pcap tcpflow/bug6.pcap \
	    pcapplusplus/PcapExamples/four_ipv6_http_streams.pcap \
	    suricata-verify/eve-payload-06-tcp-data-leading-gap/tcp-leading-gap.pcap; do
		pcapcat -r "$CORPUS/$c" | reasm | flowname > in.fk
		for o in -c -C -D "-c -B" "-c -0" "-c -b 1k"; do
			flowsplit -g mark $o < in.fk > a
			fo=${o/-c/}
			flowcat -f tcpflow $fo < in.fk > b
			cmp a b || { echo "$c $o"; return 1; }
		done
	done
}

@test "flowcat: -f tcpflow, -C, -D, -B, -0, -G byte for byte as tcpflow -c, -g" {
	need_corpus
	need_cmd tcpflow
	for c in tcpflow/test2.pcap tcpflow/test4.pcap \
	    pcapplusplus/PacketExamples/TwoHttpRequests.pcap; do
		pcapcat -r "$CORPUS/$c" | reasm | flowname > in.fk
		for o in "" -C -D -B -0 -g "-D -g" "-C -g"; do
			mkdir -p t && (cd t && tcpflow -c $o -r "$CORPUS/$c" > ../a 2>/dev/null)
			flowcat -f tcpflow ${o//-g/-G} < in.fk > b
			cmp a b || { echo "$c [$o]"; return 1; }
		done
	done
}

# One scripted conversation through the real tcpreen, logged in every
# format at once, and captured on lo with pcapcat: the logs must agree.
@test "flowcat: the tcpreen formats as tcpreen logs a live connection" {
	need_root
	need_cmd tcpreen ss timeout
	p1=$((20000 + RANDOM % 20000)); p2=$((p1 + 1))
	timeout 60 pcapcat -q -i lo "tcp port $p2" > cap.fk 2> pc.err &
	pc=$!
	timeout 60 python3 "$LIB/console-peer.py" server $p1 > srv.out &
	sp=$!
	for i in $(seq 100); do grep -q ready srv.out && break; sleep 0.1; done
	args=
	for f in strip hex C raw count null password; do args="$args -f $f -o log.$f"; done
	timeout 60 tcpreen -q -n -m 1 $args -s 127.0.0.1 $p1 $p2 > tr.out 2>&1 &
	tp=$!
	for i in $(seq 100); do ss -ltn | grep -q ":$p2 " && break; sleep 0.1; done
	sleep 0.5	# pcapcat is capturing by now
	timeout 30 python3 "$LIB/console-peer.py" client $p2
	wait $tp
	wait $sp
	sleep 0.5
	kill -TERM $pc
	wait $pc || true
	reasm < cap.fk > s.fk
	norm() { sed 's/^Connection to: .*/Connection to: X/' "$@"; }
	for f in strip hex raw count null; do
		flowcat -f $f < s.fk > our.$f
		diff <(norm log.$f-*) <(norm our.$f) || { echo "format $f"; return 1; }
	done
	# C: the same bytes, written as valid C by flowcat
	flowcat -f C < s.fk > our.C
	python3 - log.C-* our.C <<'PY'
import codecs, re, sys
def tcpreen(line):      # \0xHH, \0, \E, ^?, \r, \n, \\ (test data has no \0 before 'x')
    out, i = bytearray(), 0
    while i < len(line):
        if line.startswith("\\0x", i): out.append(int(line[i+3:i+5], 16)); i += 5
        elif line.startswith("\\0", i): out.append(0); i += 2
        elif line.startswith("\\E", i): out.append(27); i += 2
        elif line.startswith("^?", i): out.append(127); i += 2
        elif line.startswith("\\r", i): out.append(13); i += 2
        elif line.startswith("\\n", i): out.append(10); i += 2
        elif line.startswith("\\\\", i): out.append(92); i += 2
        else: out.append(ord(line[i])); i += 1
    return bytes(out)
def ours(line):
    return codecs.escape_decode(line.encode())[0]
a = open(sys.argv[1], encoding="latin-1").read().splitlines()
b = open(sys.argv[2], encoding="latin-1").read().splitlines()
assert len(a) == len(b), (len(a), len(b))
n = 0
for x, y in zip(a, b):
    if x.startswith(("<<< ", ">>> ")):
        assert x[:4] == y[:4] and tcpreen(x[4:]) == ours(y[4:]), (x, y)
        n += 1
    elif not x.startswith("Connection to:"):
        assert x == y, (x, y)
assert n == 9, n
PY
	# password: tcpreen says "UNKNOWN: user:pass", flowcat names flow and method
	flowcat -f password < s.fk > our.password
	[ "$(cat log.password-*)" = "UNKNOWN: alice:s3cr3t" ]
	grep -qx "127.000.000.001.[0-9]*-127.000.000.001.0*$p2: USER/PASS alice:s3cr3t" our.password
}

@test "flowcat: -f password finds FTP, POP3, IMAP, AUTH PLAIN/LOGIN, HTTP Basic logins" {
	craft > in.fk <<'PY'
import base64
b64 = lambda s: base64.b64encode(s)
w.open(1, pb=21)
w.data(1, 1, 0, b"220 ready\r\n")
w.data(1, 0, 0, b"USER al")                 # a line across two records
w.data(1, 0, 7, b"ice\r\nPASS s3cr3t\r\n")
w.open(2, pa=2000, pb=110)
w.data(2, 0, 0, b"user bob\npass hunter2\n")
w.open(3, pa=3000, pb=143)
w.data(3, 0, 0, b'a1 LOGIN "carol x" "p\\"w\\\\d"\r\nb2 login dave pw4\r\n')
w.open(4, pa=4000, pb=25)
w.data(4, 0, 0, b"AUTH PLAIN " + b64(b"\0erin\0pw5") + b"\r\nAUTH PLAIN\r\n")
w.data(4, 0, 50, b64(b"az\0frank\0pw6") + b"\r\nAUTH LOGIN\r\n")
w.data(4, 0, 80, b64(b"gina") + b"\r\n" + b64(b"pw\x1b[7") + b"\r\n")
w.open(5, pa=5000, pb=8080)
w.data(5, 0, 0, b"GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Basic " +
       b64(b"hank:pa:ss") + b"\r\nProxy-Authorization: basic " +
       b64(b"ivy:pw8") + b"\r\n\r\n")
w.open(6, pa=6000, pb=21)
w.data(6, 0, 0, b"USER jo")
w.gap(6, 0, 7, 3)                            # the line is cut: skipped
w.data(6, 0, 10, b"e\r\nPASS lost\r\n")
w.data(6, 0, 23, b"PASS " + b"x" * 2000 + b"\r\n")   # too long: skipped
w.data(6, 0, 2030, b"x 1 Authorization: Basic Zm9v\r\n")  # no colon
for i in range(1, 7):
    w.close(i)
PY
	flowcat -f password < in.fk > out
	cat > want <<'EOF'
010.000.000.001.01024-010.000.000.002.00021: FTP alice:s3cr3t
010.000.000.001.02000-010.000.000.002.00110: POP3 bob:hunter2
010.000.000.001.03000-010.000.000.002.00143: IMAP carol x:p"w\\d
010.000.000.001.03000-010.000.000.002.00143: IMAP dave:pw4
010.000.000.001.04000-010.000.000.002.00025: PLAIN erin:pw5
010.000.000.001.04000-010.000.000.002.00025: PLAIN frank:pw6
010.000.000.001.04000-010.000.000.002.00025: LOGIN gina:pw\x1b[7
010.000.000.001.05000-010.000.000.002.08080: HTTP hank:pa:ss
010.000.000.001.05000-010.000.000.002.08080: HTTP ivy:pw8
010.000.000.001.06000-010.000.000.002.00021: FTP :lost
EOF
	diff want out
}

@test "flowcat: gaps and overlaps are marked in every text format" {
	craft > in.fk <<'PY'
w.open(1); w.data(1, 0, 0, b"abc\n"); w.gap(1, 0, 4, 4); w.data(1, 0, 8, b"def")
w.overlap(1, 0, 1, b"X"); w.data(1, 1, 0, b"ok\n"); w.close(1)
PY
	n=010.000.000.001.01024-010.000.000.002.00080
	flowcat -f tcpflow < in.fk > o
	grep -qx "$n: \[4 bytes missing\]" o
	grep -qx "$n: \[1 bytes at offset 1 sent again with other contents, not shown\]" o
	flowcat -f tcpflow -C < in.fk | grep -qx '\[4 bytes missing\]'
	for f in strip hex C raw count; do
		flowcat -f $f < in.fk > o
		grep -qx '<<< \[4 bytes missing\]' o || { echo $f; cat o; return 1; }
	done
	flowcat -f strip < in.fk > o
	# a marker starts a line: "def" had no newline before ">>> ok"
	grep -qx '<<< def' o && grep -qx '>>> ok' o
	! flowcat -f null < in.fk | grep -q missing
	# flowsplit -c stays tcpflow's (no marker) unless -g mark
	! flowsplit -c < in.fk | grep -q missing
	flowsplit -c -g mark < in.fk | grep -qx "$n: \[4 bytes missing\]"
}

@test "flowcat: interleaved connections say which one the lines belong to" {
	craft > in.fk <<'PY'
w.open(1, pa=1111); w.open(2, pa=2222)
w.data(1, 0, 0, b"one\n"); w.data(2, 0, 0, b"two\n"); w.data(1, 1, 0, b"1\n")
w.close(2)
w.data(7, 0, 0, b"no open\n")
PY
	flowcat -f strip < in.fk > out
	cat > want <<'EOF'
Connection from: 10.0.0.1 port 1111
Connection to: 10.0.0.2 port 80
Transmission follows...
Connection from: 10.0.0.1 port 2222
Connection to: 10.0.0.2 port 80
Transmission follows...
Connection: 10.0.0.1 port 1111 to 10.0.0.2 port 80
<<< one
Connection: 10.0.0.1 port 2222 to 10.0.0.2 port 80
<<< two
Connection: 10.0.0.1 port 1111 to 10.0.0.2 port 80
>>> 1
Connection: 10.0.0.1 port 2222 to 10.0.0.2 port 80
End of input: 4 bytes received.
End of output: 0 bytes sent.
End of transmission.
Connection: flow 7
<<< no open
Connection: 10.0.0.1 port 1111 to 10.0.0.2 port 80
End of input: 4 bytes received.
End of output: 2 bytes sent.
End of transmission.
Connection: flow 7
End of input: 8 bytes received.
End of output: 0 bytes sent.
End of transmission.
EOF
	diff want out
}

# script(1) gives flowcat a terminal; stty -onlcr keeps its bytes as they are.
@test "flowcat: on a terminal no control byte from a stream is printed, unless raw" {
	need_cmd script
	craft > in.fk <<'PY'
w.open(1); w.name(1, 0, b"na\x1bme")
w.data(1, 0, 0, b"a\x1b]0;pwned\x07b\x00\r\nc\rd\x9b\xff\x7f\n")
w.data(1, 1, 0, b"USER \x1b[2J\r\nPASS \x07\r\n"); w.close(1)
PY
	for f in tcpflow strip hex C count null password; do
		script -qec "stty -onlcr; flowcat -f $f < in.fk" /dev/null > tty.$f
		[ -s tty.$f ] || [ $f = null ]
		! LC_ALL=C grep -q $'[\x01-\x09\x0b-\x1f\x7f-\xff]' tty.$f ||
			{ echo "format $f"; od -c tty.$f; return 1; }
	done
	grep -qx 'na_me: a.\]0;pwned.b.' tty.tcpflow
	grep -q ': USER/PASS \\x1b\[2J:\\x07$' tty.password
	# piped, tcpflow's bytes: CR kept
	flowcat -f tcpflow < in.fk | grep -q $'\r'
	# asked for: raw and -B pass the bytes
	script -qec "stty -onlcr; flowcat -f raw < in.fk" /dev/null | grep -q $'\x1b]0;pwned'
	script -qec "stty -onlcr; flowcat -f tcpflow -B < in.fk" /dev/null | grep -q $'\x1b]0;pwned'
	# colours: -g on a terminal, not in a pipe; -G always
	script -qec "stty -onlcr; flowcat -f tcpflow -g < in.fk" /dev/null | grep -q $'^\x1b\\[0;34m'
	! flowcat -f tcpflow -g < in.fk | grep -q $'\x1b\\['
	flowcat -f strip -G < in.fk | grep -q $'^\x1b\\[0;31m>>> '
}

@test "flowcat, flowsplit -c: on a terminal no C1 control from a name is printed, UTF-8 is" {
	need_cmd script
	# 0x9b: 8-bit CSI; c2 9b: U+009B; c4 9b: U+011B, a letter
	craft > in.fk <<'PY'
w.open(1, pb=21); w.name(1, 0, b"evil\x9b2J\xc2\x9b31m\xc4\x9b")
w.data(1, 0, 0, b"USER bob\r\nPASS s\xc2\x9b3\r\n"); w.close(1)
PY
	for c in "flowcat -f tcpflow" "flowcat -f password" "flowsplit -c"; do
		script -qec "stty -onlcr; $c < in.fk" /dev/null > tty.out
		[ -s tty.out ]
		cat -v tty.out
		grep -q $'^evil_2J__31m\xc4\x9b: ' tty.out
		# nothing else outside ASCII
		[ "$(LC_ALL=C grep -o $'[\x80-\xff]' tty.out | wc -l)" = 2 ]
	done
	# piped too: a name is a file name, and those hold no control
	# character (fk_name_safe), so warnings that print them are safe
	flowcat -f tcpflow < in.fk | grep -q $'^evil_2J__31m\xc4\x9b: '
	flowsplit -o out < in.fk
	[ -f out/$'evil_2J__31m\xc4\x9b' ]
}

@test "flowcat: output into a closed pipe exits quietly" {
	need_corpus
	pcapcat -r "$CORPUS/tcpflow/test1.pcap" | reasm > in.fk
	for f in tcpflow hex C; do
		run bash -c "flowcat -f $f < in.fk | head -c 10 > /dev/null; echo \" \${PIPESTATUS[0]}\""
		[ "$status" -eq 0 ]
		[ "${lines[-1]##* }" = 0 ] || { echo "$f: $output"; return 1; }
		[[ "$output" != *rror* ]]
	done
}

@test "flowcat: usage errors exit 2; damaged input exits 3" {
	run flowcat -f bogus < /dev/null
	[ "$status" -eq 2 ]
	run flowcat -f hex -C < /dev/null
	[ "$status" -eq 2 ]
	run flowcat -g < /dev/null
	[ "$status" -eq 2 ]
	run flowcat -f tcpflow -x < /dev/null
	[ "$status" -eq 2 ]
	run flowcat -b -1 -f hex < /dev/null
	[ "$status" -eq 2 ]
	craft > in.fk <<'PY'
w.open(1); w.data(1, 0, 0, b"abc")
PY
	head -c -2 in.fk > cut.fk
	run flowcat -f hex < cut.fk
	[ "$status" -eq 3 ]
	[[ "$output" == *offset* ]]
	# -C alone chooses the tcpflow format
	flowcat -C < in.fk > o
	[ "$(cat o)" = abc ]
}
