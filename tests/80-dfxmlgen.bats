#!/usr/bin/env bats
# dfxmlgen: tcpflow-style DFXML; digests of the flow files; escaping.
load helper

# Captures where tcpflow and flowkit write the same files: names, sizes,
# addresses, ports and MD5 (IPv4 and IPv6, raw IP, chunked HTTP, missing
# segments, websocket, many flows).
TCPFLOW_SET="
zeek/http/multipart.pcap
tcpflow/test3.pcap
tcpflow/bug8.pcap
zeek/http/basic-auth-with-extra-space.pcap
suricata-verify/http-gap-double/input.pcap
zeek/websocket/wstunnel-ssh.pcap
suricata-verify/smb2-ntlmssp-negotiateflags/input.pcap
"

# Lines of a report that change from run to run or host to host.
stable() {
	sed -E -e '/<(compiler|compilation_date|os_sysname|os_release|os_version|host|arch|command_line|uid|username|start_time|utime|stime|maxrss|minflt|majflt|nswap|inblock|oublock|clocktime)>/d' \
		-e '/<library name=/d' -e '/<version>/d' "$1"
}

mkstream() {
	python3 - <<'PY'
import os, sys; sys.path.insert(0, os.environ["LIB"])
from fkrec import *
w = Writer(sys.stdout.buffer, minor=2)
S = 1258589770 * 10**9
w.open(1, ts=S, a="192.168.1.102", pa=36861, b="193.1.193.64", pb=80,
       eth_a="00:0b:db:63:58:a6", eth_b="00:19:e3:e7:5d:23", flags=1, vlan=9)
w.data(1, 0, 0, b"GET / HTTP/1.0\r\n\r\n", ts=S + 1000)
w.name(1, 1, b"evil<&>'\"\x01\xff\xc3\x28\\]]>name")
w.data(1, 1, 0, b"HTTP/1.0 200 OK\r\n\r\nhello", ts=S + 2000)
w.gap(1, 1, 24, 10)
w.data(1, 1, 34, b"world", ts=S + 3000)
w.http(1, 1, body_offset=19, body_len=20, decoded_len=20,
       body_file=b"b/0<1>\x02.txt")
w.http(1, 1, body_offset=40, body_len=0, decoded_len=0, body_file="")
w.close(1, FIN, [dirstats(packets=3, wire_bytes=322, bytes=18,
                          last_ts_ns=S + 3000),
                 dirstats(packets=2, wire_bytes=200, bytes=29, gap_bytes=10,
                          ooo_packets=1, last_ts_ns=S + 191119000)],
        ts=S + 191119000)
w.open(2, ts=S, a="2001:db8::1", pa=5, b="2001:db8::2", pb=6, opener=3)
w.data(2, 0, 0, b"abc", ts=S + 5)
w.stats("x.y=1\n")
w.end()
PY
}

@test "dfxmlgen: the report is well-formed XML, and records pass through" {
	need_cmd xmllint
	mkstream > s.fk
	dfxmlgen -p -d out -o r.xml < s.fk > pass.fk
	cmp s.fk pass.fk
	xmllint --noout r.xml
	stable r.xml > r.stable
	golden dfxmlgen/synthetic.xml r.stable
	# -o -: the report on stdout, no records.
	dfxmlgen -o - < s.fk > r2.xml
	xmllint --noout r2.xml
	grep -q '<filename>192.168.001.102.36861-193.001.193.064.00080--9</filename>' r2.xml
}

@test "dfxmlgen: digests and sizes equal the flow files, gaps as zeros" {
	need_corpus
	for p in zeek/http/multipart.pcap suricata-verify/http-gap-double/input.pcap \
	    tcpflow/bug8.pcap zeek/tcp/miss_end_data.pcap zeek/http/http-large-gap.pcap; do
		pcapcat -r "$CORPUS/$p" | reasm > s.fk
		dfxmlgen -o r.xml < s.fk > /dev/null
		echo "# $p"
		python3 "$LIB/dfxml-check-hashes.py" s.fk r.xml
	done
	mkstream > s.fk
	dfxmlgen -o r.xml < s.fk > /dev/null
	python3 "$LIB/dfxml-check-hashes.py" s.fk r.xml
}

@test "dfxmlgen: digests equal md5sum/sha256sum of the files flowsplit writes" {
	need_corpus
	[ -x "$FK_BIN/flowsplit" ] || skip "flowsplit not built"
	for p in zeek/http/multipart.pcap suricata-verify/http-gap-double/input.pcap \
	    tcpflow/bug8.pcap; do
		rm -rf out
		pcapcat -r "$CORPUS/$p" | reasm | dfxmlgen -d out -o r.xml |
			flowsplit -o out
		python3 - <<'PY'
import hashlib, sys, xml.etree.ElementTree as ET
n = 0
for fo in ET.parse("r.xml").getroot().iter():
    if not fo.tag.endswith("fileobject"):
        continue
    kids = {c.tag.rsplit("}", 1)[-1]: c for c in fo}
    if "filename" not in kids or "tcpflow" not in kids:
        continue
    data = open(kids["filename"].text, "rb").read()
    assert len(data) == int(kids["filesize"].text), kids["filename"].text
    for c in fo:
        if c.tag.endswith("hashdigest"):
            h = hashlib.new(c.get("type").lower(), data).hexdigest()
            assert h == c.text, (kids["filename"].text, c.get("type"))
    n += 1
assert n > 0
PY
	done
}

@test "dfxmlgen: names, sizes, addresses, ports and MD5 equal tcpflow's report" {
	need_corpus
	for p in $TCPFLOW_SET; do
		g=dfxmlgen/tcpflow-$(echo "$p" | tr / _).txt
		if [ "${FK_UPDATE_GOLDEN:-0}" = 1 ]; then
			need_cmd tcpflow
			rm -rf td
			tcpflow -r "$CORPUS/$p" -o td -X t.xml -e md5 > /dev/null 2>&1
			python3 "$LIB/dfxml-summary.py" t.xml > expected
			[ -s expected ]
			golden "$g" expected
		fi
		pcapcat -r "$CORPUS/$p" | reasm | dfxmlgen -d out -o r.xml > /dev/null
		python3 "$LIB/dfxml-summary.py" r.xml > got
		echo "# $p"
		diff -u "$GOLDEN/$g" got
	done
}

@test "dfxmlgen: HTTP bodies as byte runs, like tcpflow -e http" {
	need_corpus
	[ -x "$FK_BIN/httpsplit" ] || skip "httpsplit not built"
	pcapcat -r "$CORPUS/zeek/http/multipart.pcap" | reasm | httpsplit -H -o bodies |
		dfxmlgen -d out -b bodies -o r.xml > /dev/null
	xmllint --noout r.xml
	# tcpflow -e http: <byte_run file_offset='158'> ... -HTTPBODY-001.json, 465;
	# then the URL and the hashes httpsplit computed as it wrote the body.
	grep -q "<byte_run file_offset='158' len='465'><fileobject><filename>bodies/054.243.088.146.00080-141.142.228.005.57262-HTTPBODY-001.json</filename><url>http://httpbin.org/post</url><filesize>465</filesize><hashdigest type='MD5'>226244811006caf4ac904344841168dd</hashdigest><hashdigest type='SHA256'>dd485ecf240e12807516b0a27718fc3ab9a17c1158a452967343c98cefba07a0</hashdigest></fileobject></byte_run>" r.xml
	# Every body file listed has the size and hashes listed.
	python3 - <<'PY'
import hashlib, xml.etree.ElementTree as ET
n = 0
for br in ET.parse("r.xml").getroot().iter():
    if not br.tag.endswith("byte_run"):
        continue
    for fo in br:
        kids = {c.tag.split("}")[-1] + c.get("type", ""): c.text for c in fo}
        data = open(kids["filename"], "rb").read()
        assert len(data) == int(kids["filesize"]), kids
        assert hashlib.md5(data).hexdigest() == kids["hashdigestMD5"], kids
        assert hashlib.sha256(data).hexdigest() == kids["hashdigestSHA256"], kids
        n += 1
assert n > 0
PY
	# The body is where the byte run says, in the flow file (identity
	# encoded here, so the body file holds the same bytes).
	pcapcat -r "$CORPUS/zeek/http/multipart.pcap" | reasm > s.fk
	python3 - <<'PY'
import os, struct, sys; sys.path.insert(0, os.environ["LIB"])
from fkrec import read_records, DATA
flow = bytearray()
for typ, _, body in read_records(open("s.fk", "rb")):
    if typ == DATA and body[8] == 1:
        off = struct.unpack_from("<Q", body, 16)[0]
        flow[off:off + len(body) - 32] = body[32:]
name = "bodies/054.243.088.146.00080-141.142.228.005.57262-HTTPBODY-001.json"
assert bytes(flow[158:158 + 465]) == open(name, "rb").read()
PY
}

@test "dfxmlgen: hostile streams: huge gaps, wrapping offsets, long names" {
	need_cmd xmllint
	python3 - > h.fk <<'PY'
import os, sys; sys.path.insert(0, os.environ["LIB"])
from fkrec import *
w = Writer(sys.stdout.buffer)
w.open(1, a="10.0.0.1", b="10.0.0.2")
w.gap(1, 0, 0, 1 << 40)			# a 1 TiB gap...
w.data(1, 0, 1 << 40, b"x")		# ...and a hole: not hashed
w.data(1, 0, (1 << 64) - 2, b"wrap")	# offset + len wraps
w.name(1, 1, bytes(range(256)) * 100)	# 25600 bytes of every value
w.data(1, 1, 5, b"late")
w.data(1, 1, 0, b"early")		# before the end: a violation
w.name(1, 1, "too-late")		# the file exists: ignored
w.gap(1, 1, (1 << 64) - 1, 5)
w.http(1, 1, body_offset=1, body_len=3, body_file=b"\xff" * 5000)
w.data(0, 0, 0, b"flow id 0")
w.close(7, RST)				# never opened
PY
	run dfxmlgen -o r.xml < h.fk
	[ "$status" -eq 0 ]
	xmllint --noout r.xml
	python3 - <<'PY'
import xml.etree.ElementTree as ET
r = ET.parse("r.xml").getroot()
fo = [e for e in r.iter() if e.tag.endswith("fileobject")
      and any(c.tag.endswith("tcpflow") for c in e)]
kids = [{c.tag.rsplit("}", 1)[-1]: c for c in f} for f in fo]
assert len(fo) == 2, len(fo)
# A->B: the 1 TiB hole makes the size but no digests; the wrap a violation.
assert kids[0]["filesize"].text == str((1 << 40) + 1)
assert "hashdigest" not in kids[0]
assert kids[0]["tcpflow"].get("violations") == "1"
# B->A: "late" at 5 stands, "early" is a violation; the name sanitized
# as flowsplit does it (control bytes to "_"), the later name ignored.
assert kids[1]["filesize"].text == "9"
assert kids[1]["tcpflow"].get("violations") == "1"
assert "hashdigest" in kids[1]
name = kids[1]["filename"].text
assert "\\x0" not in name and "\\x1" not in name and name.startswith("_"), name[:80]
assert r.find("total_flows").text == "2"
PY
}

@test "dfxmlgen: over-long FLOW_NAMEs are listed as flowsplit shortens and writes them" {
	need_cmd xmllint
	python3 - > long.fk <<'PY'
import os, sys; sys.path.insert(0, os.environ["LIB"])
from fkrec import *
w = Writer(sys.stdout.buffer)
for i, (n0, n1) in enumerate([("x" * 5000, "y/" * 2000 + "z"),
                              ("x" * 4999 + "w", "d/" + "e" * 300 + "/f")], 1):
    w.open(i, pa=1000 + i)
    w.name(i, 0, n0)
    w.name(i, 1, n1)
    w.data(i, 0, 0, b"client %d\n" % i)
    w.data(i, 1, 0, b"server %d\n" % i)
    w.close(i)
PY
	dfxmlgen -d out -o r.xml < long.fk | flowsplit -o out > /dev/null
	xmllint --noout r.xml
	python3 - <<'PY'
import os, re
names = re.findall(r"<filename>([^<]*)</filename>", open("r.xml").read())
files = sorted(os.path.join(d, f) for d, _, fs in os.walk("out") for f in fs)
assert sorted(names) == files, (names, files)
assert len(set(files)) == 4, files	# the two x... names stay apart
for f in files:
    assert all(len(c) <= 240 for c in f.split("/")), f
    assert len(f) < 1024 + 4, f
PY
}

@test "dfxmlgen -o -: no C1 control from a name reaches a terminal, UTF-8 letters do" {
	need_cmd script
	craft > in.fk <<'PY'
w.open(1); w.name(1, 0, b"evil\x9b2J\xc2\x9b31m\xc4\x9b"); w.data(1, 0, 0, b"x"); w.close(1)
PY
	script -qec "stty -onlcr; dfxmlgen -o - < in.fk" /dev/null > tty.out
	cat -v tty.out | grep filename
	# the name of the file flowsplit writes: controls become '_'
	grep -qF $'<filename>evil_2J__31m\xc4\x9b</filename>' tty.out
	# nothing else outside ASCII
	[ "$(LC_ALL=C grep -o $'[\x80-\xff]' tty.out | wc -l)" = 2 ]
	dfxmlgen -o r.xml < in.fk
	grep -qF $'<filename>evil_2J__31m\xc4\x9b</filename>' r.xml
}

@test "dfxmlgen: damaged input exits 3, usage errors exit 2" {
	mkstream > s.fk
	head -c 150 s.fk > cut.fk
	run dfxmlgen -o r.xml < cut.fk
	[ "$status" -eq 3 ]
	run dfxmlgen < s.fk
	[ "$status" -eq 2 ]
	run dfxmlgen -a md4 -o r.xml < s.fk
	[ "$status" -eq 2 ]
	run dfxmlgen -o r.xml extra < s.fk
	[ "$status" -eq 2 ]
	run dfxmlgen -o /nonexistent/dir/r.xml < s.fk
	[ "$status" -eq 1 ]
	dfxmlgen -a sha256 -o r.xml < s.fk > /dev/null
	[ "$(grep -c "type='SHA256'" r.xml)" -eq 3 ]
	! grep -q "type='MD5'" r.xml
	dfxmlgen -a none -o r.xml < s.fk > /dev/null
	! grep -q hashdigest r.xml
}

@test "dfxmlgen: man page examples run" {
	need_corpus
	need_cmd xmllint
	cp "$CORPUS/zeek/http/multipart.pcap" dump.pcap
	pcapcat -r dump.pcap | reasm | dfxmlgen -a sha256 -o - > report.xml
	xmllint --noout report.xml
	[ -x "$FK_BIN/flowname" ] && [ -x "$FK_BIN/flowsplit" ] ||
		skip "flowname or flowsplit not built"
	pcapcat -r dump.pcap | reasm | flowname |
		dfxmlgen -d out -o report.xml | flowsplit -o out
	xmllint --xpath "//*[local-name()='hashdigest'][@type='MD5']/text()" \
		report.xml > sums
	[ -s sums ]
	for f in out/*; do grep -q "$(md5 "$f")" sums; done
}

# The file names flowsplit writes without flowname: tcpflow's counter.
@test "dfxmlgen: without flowname, the names flowsplit writes on port reuse" {
	pcapcat -r "$DATA/reasm-portreuse.pcap" | reasm > in.fk
	dfxmlgen -a none -d out -o r.xml < in.fk | flowsplit -o out > /dev/null
	grep -o '<filename>[^<]*</filename>' r.xml | sed 's/<[^>]*>//g' | sort > names
	(cd out && ls | sed 's|^|out/|') | diff - names
	grep -qx 'out/010.000.000.001.40000-010.000.000.002.00080c1' names
}
