#!/usr/bin/env python3
"""fault-streams.py CASE [ARGS] - crafted record streams and captures for
tests/96-faults.bats and tests/97-scale.bats.  Writes files in the
current directory.

  enospc-split      big.fk: 5 flows of 200000 bytes each ("B"*, "C"*, ...),
                    named flow1..flow5 (dir 0); expected contents in
                    want/flowN
  enospc-http       http.fk: one flow, 5 responses of 100000 bytes
                    ("a"*, "b"*, ...) with Content-Length; want/bodyN
  http-interleaved N
                    httpil.fk: N flows open at once, each one GET and one
                    200 response whose 3000-byte body comes in 3 rounds
                    interleaved across all flows; bodies in want/ (by flow)
  short TYPE        short-TYPE.fk: a valid FLOW_OPEN, then a record of TYPE
                    (hex) whose body is one byte shorter than its fixed part
                    (HTTP: also a body without its strings' NULs, see
                    short-0100-nonul.fk)
  random SEED       random-SEED.fk: a stream header then 4096 random bytes
  soup SEED         soup-SEED.fk: 300 well-framed records of every type
                    whose fields are random or extreme (unknown and reused
                    flow ids, directions 2..255, offsets near 2^64, huge
                    gaps, HTTP fragments, hostile names, random packets)
  esc               esc.fk: a flow whose data and names hold ESC sequences
  names             names.fk: hostile FLOW_NAME records (.., /abs, NUL,
                    5000-byte names, control bytes) on HTTP flows with
                    hostile Content-Types and URLs
  fuzz-http FILE    wrap a fuzz_http input (first byte: split, the rest:
                    the direction's bytes) into a record stream on stdout
  hole BYTES OUT.pcap
                    one flow: handshake, a segment BYTES ahead of the next
                    expected sequence number, then 8000 full segments after
                    it (about 11 MB), then the missing first segment never
                    comes; FIN both ways
"""
import os
import random
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fkrec import *  # noqa

FIXED = {PACKET: 24, FLOW_OPEN: 80, DATA: 32, GAP: 40, OVERLAP: 32,
         FLOW_CLOSE: 152, FLOW_NAME: 16, HTTP: 64}


def want(name, b):
    os.makedirs("want", exist_ok=True)
    with open(os.path.join("want", name), "wb") as f:
        f.write(b)


def enospc_split():
    with open("big.fk", "wb") as f:
        w = Writer(f)
        for i in range(1, 6):
            w.open(i, pa=1000 + i, ts=1700000000 * 10**9)
            w.name(i, 0, "flow%d" % i)
            w.name(i, 1, "flow%d.rev" % i)
            body = bytes([65 + i]) * 200000
            want("flow%d" % i, body)
            for o in range(0, len(body), 1000):
                w.data(i, 0, o, body[o:o + 1000])
        for i in range(1, 6):
            w.close(i)


def enospc_http():
    with open("http.fk", "wb") as f:
        w = Writer(f)
        w.open(1, a="10.0.0.2", pa=40000, b="10.0.0.1", pb=80)
        w.data(1, 0, 0, b"".join(b"GET /f%d HTTP/1.1\r\nHost: h\r\n\r\n" % i
                                 for i in range(5)))
        off = 0
        for i in range(5):
            body = bytes([97 + i]) * 100000
            want("body%d" % (i + 1), body)
            m = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                 b"Content-Length: %d\r\n\r\n" % len(body)) + body
            for j in range(0, len(m), 1400):
                w.data(1, 1, off + j, m[j:j + 1400])
            off += len(m)
        w.close(1)


def http_interleaved(n):
    n = int(n)
    with open("httpil.fk", "wb", buffering=1 << 20) as f:
        w = Writer(f)
        hdr = {}
        for i in range(1, n + 1):
            w.open(i, a="10.%d.%d.%d" % (i >> 16 & 255, i >> 8 & 255, i & 255),
                   pa=1024 + i % 60000, b="10.255.0.1", pb=80)
            w.name(i, 0, "c%06d" % i)
            w.name(i, 1, "s%06d" % i)
            w.data(i, 0, 0, b"GET /x%d HTTP/1.1\r\nHost: h\r\n\r\n" % i)
            h = b"HTTP/1.1 200 OK\r\nContent-Length: 3000\r\n\r\n"
            w.data(i, 1, 0, h)
            hdr[i] = len(h)
        for r in range(3):
            for i in range(1, n + 1):
                piece = (b"flow %d part %d " % (i, r)).ljust(1000, b"." if r < 2 else b"!")
                w.data(i, 1, hdr[i] + 1000 * r, piece)
        for i in range(1, n + 1):
            w.close(i)
    # expected bodies, one file listing them compactly
    with open("want-http", "w") as f:
        f.write("%d\n" % n)


def http_body_for(i):
    return b"".join((b"flow %d part %d " % (i, r)).ljust(1000, b"." if r < 2 else b"!")
                    for r in range(3))


def short(typ):
    typ = int(typ, 16)
    fixed = FIXED[typ]
    with open("short-%04x.fk" % typ, "wb") as f:
        w = Writer(f)
        w.open(1, pa=1234)
        off = 16 + 8 + FIXED[FLOW_OPEN]
        # A plausible prefix: flow id 1, direction 0, the rest zero.
        body = (struct.pack("<QB", 1, 0) + bytes(200))[:fixed - 1]
        if typ == PACKET:
            body = bytes(fixed - 1)
        w.raw(typ, body)
        w.close(1)
    if typ == HTTP:
        with open("short-0100-nonul.fk", "wb") as f:
            w = Writer(f)
            w.open(1, pa=1234)
            b = http_body(1, 1, body_file="x")
            b = b[:64] + b"abc"      # strings cut, no NUL at all
            w.raw(HTTP, b)
            w.close(1)
    print(off)


def rand(seed):
    r = random.Random(int(seed))
    with open("random-%s.fk" % seed, "wb") as f:
        f.write(stream_header() + bytes(r.getrandbits(8) for _ in range(4096)))


def soup(seed):
    r = random.Random(int(seed))
    big = (0, 1, 2**31, 2**32 - 1, 2**32, 2**63 - 1, 2**63, 2**64 - 1)

    def num(bits):
        return r.choice(big) % (1 << bits) if r.random() < 0.3 else r.getrandbits(bits)

    def fid():
        return r.choice((1, 1, 2, 3, 4, 5, 2**64 - 1, r.getrandbits(64) or 7))

    def direction():
        return r.choice((2, 255)) if r.random() < 0.01 else r.getrandbits(1)

    pieces = (b"GET / HTTP/1.1\r\nHost: h\r\n\r\n",
              b"POST /x HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
              b"HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551615\r\n\r\n",
              b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
              b"Content-Encoding: gzip\r\n\r\n",
              b"ffffffffffffffff\r\n", b"0\r\n\r\n", b"\x1f\x8b\x08\x00" + bytes(20),
              b"HTTP/1.0 100 Continue\r\n\r\n", b"CONNECT h:443 HTTP/1.1\r\n\r\n",
              b"\r\n" * 40, b"x" * 5000, b"../../etc/passwd\0")

    def payload():
        if r.random() < 0.6:
            return b"".join(r.choice(pieces) for _ in range(r.randint(1, 3)))
        return bytes(r.getrandbits(8) for _ in range(r.randint(0, 300)))

    def text():
        return r.choice(("", "a", "../x", "/abs", "a/../../b", "\x1b[31m",
                         "n" * 3000, "ok.txt", "%s%n%x"))

    def pkt():
        eth = bytes(12) + r.choice((b"\x08\x00", b"\x86\xdd", b"\x81\x00", b"\x88\xa8"))
        ip = bytes([0x45, 0, 0, r.randint(0, 255), 0, 0, r.choice((0, 0x20, 0x40)),
                    r.randint(0, 255), 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2])
        tcp = struct.pack(">HHIIBBHHH", 1024, 80, num(32), num(32),
                          r.choice((0x50, 0xf0, 0x00)), r.getrandbits(8), 65535, 0, 0)
        b = eth + ip + tcp + payload()
        if r.random() < 0.3:
            b = b[:r.randint(0, len(b))]
        return packet_body(b, ts=num(64), linktype=r.choice((1, 1, 101, 113, 276, 0, 2**32 - 1)),
                           origlen=r.choice((len(b), 0, 2**32 - 1)), ifindex=num(32))

    out = stream_header()
    for _ in range(300):
        t = r.choice((FLOW_OPEN, FLOW_OPEN, DATA, DATA, DATA, DATA, GAP, OVERLAP,
                      FLOW_CLOSE, FLOW_NAME, HTTP, STATS, PACKET, 0x7777))
        if t == FLOW_OPEN:
            fam = "x" if r.random() < 0.01 else r.choice("46")
            a, b = ("10.0.0.1", "10.0.0.2") if fam != "6" else ("::1", "fe80::2")
            body = bytearray(open_body(fid(), ts=num(64), a=a, pa=num(16), b=b, pb=num(16),
                                       opener=r.getrandbits(8), flags=num(16), vlan=num(16),
                                       vlan_inner=num(16), ifindex=num(32),
                                       proto=r.choice((6, 6, 17, 0, 255))))
            if fam == "x":
                body[16] = r.getrandbits(8)
            body = bytes(body)
        elif t in (DATA, OVERLAP):
            off = r.choice((0, 0, r.randint(0, 100000), num(64)))
            body = data_body(fid(), direction(), off, payload(), ts=num(64), flags=num(8))
        elif t == GAP:
            body = gap_body(fid(), direction(), num(64), num(64), ts=num(64), reason=num(8))
        elif t == FLOW_CLOSE:
            body = close_body(fid(), reason=num(8), ts=num(64),
                              stats=[tuple(num(64) for _ in range(8)) for _ in range(2)])
        elif t == FLOW_NAME:
            body = name_body(fid(), direction(), text())
        elif t == HTTP:
            body = http_body(fid(), direction(), kind=num(8), flags=num(16), status=num(16),
                             seq=num(32), hdr_offset=num(64), body_offset=num(64),
                             body_len=num(64), decoded_len=num(64), ts=num(64),
                             body_file=text(), method=text(), uri=text(), ctype=text(), host=text())
        elif t == STATS:
            body = r.choice((b"a.b=1\n", b"=\n", b"x" * 100, b"k=18446744073709551616\n", b""))
        elif t == PACKET:
            body = pkt()
        else:
            body = payload()
        if r.random() < 0.005:
            body = body[:r.randint(0, 8)]	# shorter than any fixed part
        out += record(t, body, flags=r.choice((0, 0, 0, num(16))))
    with open("soup-%s.fk" % seed, "wb") as f:
        f.write(out)


def esc():
    evil = (b"\x1b]0;owned\x07\x1b[2J\x1b[31mRED\x1b[0m \x9b31m csi8 "
            b"\x1bP+q\x1b\\ bell\x07 bs\x08 del\x7f cr\rnul\x00 end\n")
    with open("esc.fk", "wb") as f:
        w = Writer(f)
        w.open(1, pa=4444)
        w.name(1, 0, b"name\x1b]0;title\x07\x1b[2Jx")
        w.name(1, 1, b"rev\x1b[31m")
        w.data(1, 0, 0, evil)
        w.data(1, 1, 0, evil * 2)
        w.raw(STATS, b"evil.key=\x1b[2J\x1b]0;t\x07\n")
        w.raw(0x8001, evil)
        w.close(1)


HOSTILE_NAMES = [
    b"../../escape1", b"/tmp/abs-escape2", b"a/../../escape3",
    b"..", b".", b"", b"/", b"//", b"a//b", b"./../escape4",
    b"nul\x00/../../escape5", b"\x00", b"a\x00b",
    b"x" * 5000, (b"d/" * 2500) + b"deep", b"../" * 1000 + b"escape6",
    b"ctl\x01\x1b[2J\n\r\t", b"sub/\xff\xfe/../../../escape7",
    b"..\\..\\escape8", b"./.", b"a/./b/../../../escape9",
]


def names():
    with open("names.fk", "wb") as f:
        w = Writer(f)
        fid = 0
        for i, nm in enumerate(HOSTILE_NAMES):
            fid += 1
            w.open(fid, a="10.0.0.2", pa=2000 + i, b="10.0.0.1", pb=80)
            w.name(fid, 0, nm)
            w.name(fid, 1, nm + b"-r" if nm else b"")
            # URLs also name bodies (httpsplit -u): dot segments, encoded
            # slashes, dots, NULs and backslashes, absolute forms with a
            # hostile authority, components over NAME_MAX, deep paths.
            uri = [b"/../../../../escape-uri", b"/%2e%2e/%2e%2e/escape",
                   b"/a?x=/../../b", b"http://h/../../e", b"/" + b"u" * 6000,
                   b"/\x00/../x", b"/%2f..%2f..%2fescape-pct",
                   b"/a%00b/%2e%2e%2f%2e%2e%2fescape-pct2/%2e%2e",
                   b"http://..%2f..%2fhostesc2/x", b"http://../../y",
                   b"/" + (b"c" * 300 + b"/") * 3 + b"%2e" * 200,
                   b"/..\\..\\escape-bs", b"//../..//x/",
                   b"/" + b"d/" * 200 + b"deep"][i % 14]
            host = [b"../../hostesc", b"", b"/abs/hostesc", b"..",
                    b"a%2f..%2fhostesc", b"h\x01\x1b[2J"][i % 6]
            ctype = [b"text/../../../escape-ct", b"image/../../x",
                     b"application/\x00/../../y", b"a/" + b"t" * 5000,
                     b"../..", b"text/html; name=../../z"][i % 6]
            req = b"GET " + uri + b" HTTP/1.1\r\nHost: " + host + b"\r\n\r\n"
            w.data(fid, 0, 0, req)
            body = b"body %d\n" % i
            rsp = (b"HTTP/1.1 200 OK\r\nContent-Type: " + ctype +
                   b"\r\nContent-Disposition: attachment; filename=\"../../../cd-escape\"\r\n"
                   b"Content-Length: %d\r\n\r\n" % len(body)) + body
            w.data(fid, 1, 0, rsp)
            w.close(fid)


def fuzz_http(path):
    data = open(path, "rb").read()
    out = sys.stdout.buffer
    w = Writer(out)
    w.open(1, a="10.0.0.2", pa=40000, b="10.0.0.1", pb=80)
    if len(data) > 1:
        split, data = data[0], data[1:]
        # The same bytes both ways: one as requests, one as responses.
        i = off = 0
        while i < len(data):
            n = 1 + (split * (i + 7)) % 97
            n = min(n, len(data) - i)
            if split & 1 and data[i] == 0xFF:
                w.gap(1, 0, off, n)
                w.gap(1, 1, off, n)
            else:
                w.data(1, 0, off, data[i:i + n])
                w.data(1, 1, off, data[i:i + n])
            off += n
            i += n
    w.close(1, FIN if split & 2 else RST)


def hole(nbytes, out):
    g = {}
    exec(open(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                           "gen-flows.py")).read().replace(
        'if __name__ == "__main__":', "if False:"), g)
    nbytes = int(nbytes)
    w = g["Writer"](out)
    pk = g["packet"]
    SYN, FIN, PSH, ACK = 0x02, 0x01, 0x08, 0x10
    c, s = bytes([10, 1, 1, 1]), bytes([10, 1, 1, 2])
    cs, ss = 100000, 5000
    w.put(pk(c, s, 40000, 80, cs, 0, SYN))
    w.put(pk(s, c, 80, 40000, ss, cs + 1, SYN | ACK))
    w.put(pk(c, s, 40000, 80, cs + 1, ss + 1, ACK))
    seg = 1400
    base = cs + 1 + nbytes       # the first byte after the hole
    for k in range(8000):
        pay = bytes([k & 0xFF]) * seg
        w.put(pk(c, s, 40000, 80, base + k * seg, ss + 1, PSH | ACK, pay))
    end = base + 8000 * seg
    w.put(pk(c, s, 40000, 80, end, ss + 1, FIN | ACK))
    w.put(pk(s, c, 80, 40000, ss + 1, cs + 1, FIN | ACK))
    w.f.close()


CASES = {"soup": soup, "enospc-split": enospc_split, "enospc-http": enospc_http,
         "http-interleaved": http_interleaved, "short": short,
         "random": rand, "esc": esc, "names": names,
         "fuzz-http": fuzz_http, "hole": hole}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in CASES:
        sys.exit(__doc__)
    CASES[sys.argv[1]](*sys.argv[2:])
