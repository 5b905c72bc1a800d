#!/usr/bin/env python3
"""http-cases.py CASE - write a crafted record stream for httpsplit tests.

Cases: mix (keep-alive, pipelining, HEAD, 304, 100-continue, POST body,
chunked with extensions and trailers, gzip, zlib and raw deflate),
gap (a body with a hole, a body cut by the end of the flow, a gzip body
over a gap), names (hostile FLOW_NAME records), bighdr (a header block
over 64 KiB), connect (CONNECT then a tunnel), midstream (no start),
bomb (an 8 MiB gzip of zeros, then 2 MiB of ordinary JSON and a small
gzip body), members (multi-member gzip, trailing garbage, a second member
cut short), memcap (40 gzip bodies in progress at once, then finished),
hdrcap (20 header blocks of 60 KiB in progress at once, then finished),
codings (br, zstd in two frames, stacked "gzip, br" and "br" + "zstd" header
lines, an unknown coding, a br body cut short, a zstd window over 8 MiB),
cbomb (8 MiB of zeros as br, zstd and "gzip, br"; a small br body after),
zmemcap (8 zstd bodies with 8 MiB windows in progress at once),
switch (WebSocket and h2c after 101, CONNECT tunnels, a refused CONNECT and
an ignored Upgrade followed by more HTTP).
br and zstd data come from the brotli and zstd commands.
The plain bodies are written to ./plain-N when the case has them.
"""
import gzip
import random
import subprocess
import sys
import zlib

sys.path.insert(0, __import__("os").path.dirname(__file__))
from fkrec import *  # noqa

random.seed(7)


def text(n):
    return bytes(random.choice(b"abcdefghij \n") for _ in range(n))


def save(i, b):
    with open("plain-%d" % i, "wb") as f:
        f.write(b)


def resp(body, extra=b"", status=b"200 OK", cl=True):
    h = b"HTTP/1.1 " + status + b"\r\n" + extra
    if cl:
        h += b"Content-Length: %d\r\n" % len(body)
    return h + b"\r\n" + body


def chunked(body, sizes):
    out, i = b"", 0
    for n in sizes:
        out += b"%x;name=val\r\n" % n + body[i:i + n] + b"\r\n"
        i += n
    assert i == len(body)
    return out + b"0\r\nX-Checksum: 1\r\nX-Other: 2\r\n\r\n"


def split_send(w, fid, d, data, off=0, seg=700):
    for i in range(0, len(data), seg):
        w.data(fid, d, off + i, data[i:i + seg])


def case_mix(w):
    bodies = [text(n) for n in (1000, 5000, 30000, 7000, 20, 300)]
    for i, b in enumerate(bodies):
        save(i, b)
    w.open(1, a="10.0.0.2", pa=36559, b="10.0.0.1", pb=80)
    reqs = (b"GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
            b"HEAD /a HTTP/1.1\r\nHost: h\r\n\r\n"
            b"GET /c HTTP/1.1\r\nHost: h\r\n\r\n"
            b"GET /d HTTP/1.1\r\nHost: h\r\nIf-None-Match: x\r\n\r\n"
            b"GET /e HTTP/1.1\r\nHost: h\r\n\r\n"
            b"GET /f HTTP/1.1\r\nHost: h\r\n\r\n"
            b"GET /g HTTP/1.1\r\nHost: h\r\n\r\n"
            b"POST /up HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n"
            b"Content-Type: text/plain\r\nContent-Length: 20\r\n\r\n" +
            bodies[4])
    split_send(w, 1, 0, reqs, seg=50)   # pipelined
    gz = gzip.compress(bodies[2])
    zl = zlib.compress(bodies[3])
    co = zlib.compressobj(6, zlib.DEFLATED, -15)
    raw = co.compress(bodies[5]) + co.flush()
    rs = (resp(bodies[0], b"Content-Type: text/html; charset=utf-8\r\n") +
          b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n" +      # HEAD
          b"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n"
          b"Transfer-Encoding: chunked\r\n\r\n" +
          chunked(bodies[1], [1, 999, 4000]) +
          b"HTTP/1.1 304 Not Modified\r\n\r\n" +
          resp(gz, b"Content-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n",
               cl=False)[:-len(gz)] + chunked(gz, [len(gz) // 2, len(gz) - len(gz) // 2]) +
          resp(zl, b"Content-Encoding: deflate\r\nContent-Type: text/css\r\n") +
          resp(raw, b"Content-Encoding: deflate\r\n") +
          b"HTTP/1.1 100 Continue\r\n\r\n" +
          resp(b"created", b"Content-Type: text/plain\r\n", b"201 Created"))
    split_send(w, 1, 1, rs, seg=1448)
    w.close(1, FIN)
    # HTTP/1.0, close-delimited, non-standard port, FLOW_NAME given
    w.open(2, a="10.0.0.3", pa=4000, b="10.0.0.1", pb=8080)
    w.name(2, 0, "client-side")
    w.name(2, 1, "server-side")
    w.data(2, 0, 0, b"GET /x.jpg HTTP/1.0\r\n\r\n")
    b = text(4000)
    save(6, b)
    split_send(w, 2, 1, b"HTTP/1.0 200 OK\r\nContent-Type: image/jpeg\r\n\r\n" + b)
    w.close(2, FIN)


def case_gap(w):
    b0, b1, b2 = text(10000), text(3000), text(50000)
    save(0, b0)
    save(1, b1)
    save(2, b2)
    w.open(1, a="10.0.0.2", pa=1111, b="10.0.0.1", pb=80)
    w.data(1, 0, 0, b"GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n"
           b"GET /c HTTP/1.1\r\n\r\n")
    r = resp(b0, b"Content-Type: text/plain\r\n")
    hl = len(r) - len(b0)
    w.data(1, 1, 0, r[:hl + 4000])
    w.gap(1, 1, hl + 4000, 1000)            # a hole inside body 1
    w.data(1, 1, hl + 5000, r[hl + 5000:])
    r2 = resp(b1, b"Content-Type: text/plain\r\n")
    w.data(1, 1, len(r), r2)                # complete
    gz = gzip.compress(b2, 1)
    r3 = resp(gz, b"Content-Encoding: gzip\r\n")
    o = len(r) + len(r2)
    w.data(1, 1, o, r3[:len(r3) - len(gz) + 3000])
    w.gap(1, 1, o + len(r3) - len(gz) + 3000, 100)
    w.data(1, 1, o + len(r3) - len(gz) + 3100, r3[len(r3) - len(gz) + 3100:])
    w.close(1, RST)
    # a body cut by the end of the flow
    w.open(2, a="10.0.0.2", pa=2222, b="10.0.0.1", pb=80)
    w.data(2, 0, 0, b"GET /cut HTTP/1.1\r\n\r\n")
    r = resp(b1, b"Content-Type: text/plain\r\n")
    w.data(2, 1, 0, r[:-1000])
    w.close(2, END)
    # a gap that swallows a whole header block: resync on the next one
    w.open(3, a="10.0.0.2", pa=3333, b="10.0.0.1", pb=80)
    w.data(3, 0, 0, b"GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n"
           b"GET /3 HTTP/1.1\r\n\r\n")
    ra = resp(b"first", b"Content-Type: text/plain\r\n")
    rb = resp(b"second", b"Content-Type: text/plain\r\n")
    rc = resp(b"third", b"Content-Type: text/plain\r\n")
    w.data(3, 1, 0, ra)
    w.gap(3, 1, len(ra), len(rb) + 10)
    w.data(3, 1, len(ra) + len(rb) + 10, rc[10:])
    w.data(3, 1, len(ra) + len(rb) + len(rc), rc)
    w.close(3, FIN)


def case_names(w):
    for i, nm in enumerate([b"../../escape", b"/abs/path", b"a/../../b",
                            b"nul\0byte", b".", b"", b"x" * 5000]):
        fid = i + 1
        w.open(fid, a="10.0.0.2", pa=1000 + i, b="10.0.0.1", pb=80)
        w.name(fid, 1, nm)
        w.data(fid, 0, 0, b"GET /../../etc/passwd HTTP/1.1\r\n\r\n")
        w.data(fid, 1, 0, resp(b"hello", b"Content-Type: ../../x/y\r\n"))
        w.close(fid, FIN)


def case_bighdr(w):
    w.open(1, a="10.0.0.2", pa=1000, b="10.0.0.1", pb=80)
    w.data(1, 0, 0, b"GET / HTTP/1.1\r\n\r\n")
    h = b"HTTP/1.1 200 OK\r\n" + b"X-Junk: " + b"a" * 70000 + b"\r\n"
    split_send(w, 1, 1, h + b"Content-Length: 5\r\n\r\nhello", seg=1448)
    w.close(1, FIN)
    w.open(2, a="10.0.0.2", pa=1001, b="10.0.0.1", pb=80)
    w.data(2, 0, 0, b"GET / HTTP/1.1\r\n\r\n")
    w.data(2, 1, 0, resp(b"fine"))
    w.close(2, FIN)


def case_connect(w):
    w.open(1, a="10.0.0.2", pa=1000, b="10.0.0.1", pb=3128)
    w.data(1, 0, 0, b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\n\r\n")
    w.data(1, 1, 0, b"HTTP/1.1 200 Connection established\r\n\r\n")
    w.data(1, 0, 55, b"\x16\x03\x01 GET / HTTP/1.1\r\n\r\n")
    w.data(1, 1, 39, b"\x16\x03\x03 HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nX")
    w.close(1, FIN)


def case_midstream(w):
    w.open(1, a="10.0.0.2", pa=1000, b="10.0.0.1", pb=80, opener=OPEN_MIDSTREAM)
    w.data(1, 0, 0, b"ing\r\n\r\nGET /two HTTP/1.1\r\nHost: h\r\n\r\n")
    w.data(1, 1, 0, b"end of an old body\r\n" + resp(b"the body", b"Content-Type: text/plain\r\n"))
    w.close(1, FIN)


def gz(b, level=6):
    c = zlib.compressobj(level, zlib.DEFLATED, 31)
    return c.compress(b) + c.flush()


def gz_resp(w, fid, port, body, ctype=b"text/plain", seg=1448):
    """A flow with one GET and a gzip response of wire body `body`."""
    w.open(fid, a="10.0.0.2", pa=port, b="10.0.0.1", pb=80)
    w.data(fid, 0, 0, b"GET /%d HTTP/1.1\r\nHost: h\r\n\r\n" % fid)
    split_send(w, fid, 1, resp(body, b"Content-Type: " + ctype +
                               b"\r\nContent-Encoding: gzip\r\n"), seg=seg)
    w.close(fid, FIN)


def case_bomb(w):
    # 8 MiB of zeros: ~1030:1, cut by the ratio cap after 1 MiB.
    gz_resp(w, 1, 40000, gz(bytes(8 << 20), 9), seg=60000)
    # 2 MiB of JSON lines: compressible (~10:1), decoded in full.
    js = b"".join(b'{"id":%d,"name":"item","ok":true}\n' % i
                  for i in range(70000))[:2 << 20]
    save(0, js)
    gz_resp(w, 2, 40001, gz(js), ctype=b"application/json", seg=60000)
    t = text(20000)
    save(1, t)
    gz_resp(w, 3, 40002, gz(t))


def case_members(w):
    a, b, c = text(3000), text(5000), text(100)
    save(0, a + b + c)
    save(1, a)
    # three members (RFC 1952 2.2), in Content-Length and in chunks that
    # split each member's magic number (1f | 8b)
    gz_resp(w, 1, 1001, gz(a) + gz(b) + gz(c))
    w.open(2, a="10.0.0.2", pa=1002, b="10.0.0.1", pb=80)
    w.data(2, 0, 0, b"GET / HTTP/1.1\r\n\r\n")
    m = gz(a) + gz(b) + gz(c)
    w.data(2, 1, 0, b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n"
           b"Transfer-Encoding: chunked\r\n\r\n" +
           chunked(m, [len(gz(a)) + 1, len(gz(b)), len(gz(c)) - 1]))
    w.close(2, FIN)
    # one member, then garbage (and a lone 0x1f that starts no member)
    gz_resp(w, 3, 1003, gz(a) + b"\x1fgarbage after the member")
    # zlib (deflate) then garbage
    w.open(4, a="10.0.0.2", pa=1004, b="10.0.0.1", pb=80)
    w.data(4, 0, 0, b"GET / HTTP/1.1\r\n\r\n")
    w.data(4, 1, 0, resp(zlib.compress(a) + b"\0\0\0\0",
                         b"Content-Encoding: deflate\r\n"))
    w.close(4, FIN)
    # the second member cut short: the body is complete on the wire,
    # its decoded form is not
    gz_resp(w, 5, 1005, gz(a) + gz(b)[:200])


def case_memcap(w):
    n = 40
    bodies = [text(50000) for _ in range(n)]
    wire = []
    for i, b in enumerate(bodies):
        save(i, b)
        fid = i + 1
        z = gz(b)
        m = resp(z, b"Content-Type: text/plain\r\nContent-Encoding: gzip\r\n")
        wire.append(m)
        w.open(fid, a="10.0.0.2", pa=2000 + i, b="10.0.0.1", pb=80)
        w.data(fid, 0, 0, b"GET / HTTP/1.1\r\n\r\n")
        w.data(fid, 1, 0, m[:len(m) // 2])
    for i, m in enumerate(wire):
        w.data(i + 1, 1, len(m) // 2, m[len(m) // 2:])
        w.close(i + 1, FIN)


def case_hdrcap(w):
    n = 20
    for i in range(n):
        fid = i + 1
        w.open(fid, a="10.0.0.2", pa=3000 + i, b="10.0.0.1", pb=80)
        w.data(fid, 0, 0, b"GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n")
        w.data(fid, 1, 0, b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 60000)
    for i in range(n):
        fid = i + 1
        rest = (b"\r\nContent-Length: 5\r\n\r\nfirst" +
                resp(b"second", b"Content-Type: text/plain\r\n"))
        w.data(fid, 1, 60024, rest)
        w.close(fid, FIN)


def br(b, *opts):
    return subprocess.run(["brotli", "-c"] + list(opts), input=b,
                          stdout=subprocess.PIPE, check=True).stdout


def zst(b, *opts):
    return subprocess.run(["zstd", "-q", "-c"] + list(opts), input=b,
                          stdout=subprocess.PIPE, check=True).stdout


def coded_resp(w, fid, port, body, cenc, ctype=b"text/plain", seg=1448):
    """A flow with one GET and a response of wire body `body`."""
    w.open(fid, a="10.0.0.2", pa=port, b="10.0.0.1", pb=80)
    w.data(fid, 0, 0, b"GET /%d HTTP/1.1\r\nHost: h\r\n\r\n" % fid)
    split_send(w, fid, 1, resp(body, b"Content-Type: " + ctype + b"\r\n" +
                               cenc), seg=seg)
    w.close(fid, FIN)


def case_codings(w):
    t = [text(n) for n in (20000, 9000, 30000, 12000, 500, 40000)]
    for i, b in enumerate(t):
        save(i, b)
    save(6, t[1] + t[4])
    coded_resp(w, 1, 5001, br(t[0]), b"Content-Encoding: br\r\n")
    # two frames
    coded_resp(w, 2, 5002, zst(t[1]) + zst(t[4]), b"Content-Encoding: zstd\r\n")
    # stacked: gzip first, then br; undone br first
    coded_resp(w, 3, 5003, br(gz(t[2])), b"Content-Encoding: gzip, br\r\n")
    # stacked over two header lines, chunked
    w.open(4, a="10.0.0.2", pa=5004, b="10.0.0.1", pb=80)
    w.data(4, 0, 0, b"GET / HTTP/1.1\r\n\r\n")
    m = zst(br(t[3]))
    w.data(4, 1, 0, b"HTTP/1.1 200 OK\r\nContent-Encoding: br\r\n"
           b"Content-Encoding: zstd\r\nTransfer-Encoding: chunked\r\n\r\n" +
           chunked(m, [7, len(m) - 7]))
    w.close(4, FIN)
    # a coding not known: kept as sent
    coded_resp(w, 5, 5005, b"\x1f\x9d" + t[4], b"Content-Encoding: compress\r\n")
    # a br body cut short (all on the wire): not complete
    coded_resp(w, 6, 5006, br(t[5])[:-40], b"Content-Encoding: br\r\n")
    # zstd asking for a 128 MiB window: refused (RFC 8878 7.2 allows 8 MiB)
    # (from a pipe, so the frame gives no size and keeps its window)
    coded_resp(w, 7, 5007, zst(text(1000) * 100, "--long=27", "-1"),
               b"Content-Encoding: zstd\r\n")


def case_cbomb(w):
    z = bytes(8 << 20)
    coded_resp(w, 1, 6001, br(z), b"Content-Encoding: br\r\n")
    coded_resp(w, 2, 6002, zst(z, "-19"), b"Content-Encoding: zstd\r\n")
    coded_resp(w, 3, 6003, br(gz(z, 9)), b"Content-Encoding: gzip, br\r\n")
    t = text(20000)
    save(0, t)
    coded_resp(w, 4, 6004, br(t), b"Content-Encoding: br\r\n")


def case_zmemcap(w):
    n = 8
    wire = []
    for i in range(n):
        b = random.Random(i).randbytes(200000)   # stored: window-bound
        save(i, b)
        fid = i + 1
        z = subprocess.run(["zstd", "-q", "-c", "--no-content-size", "-1",
                            "--zstd=wlog=23"], input=b,
                           stdout=subprocess.PIPE, check=True).stdout
        m = resp(z, b"Content-Type: text/plain\r\nContent-Encoding: zstd\r\n")
        wire.append(m)
        w.open(fid, a="10.0.0.2", pa=7000 + i, b="10.0.0.1", pb=80)
        w.data(fid, 0, 0, b"GET / HTTP/1.1\r\n\r\n")
        w.data(fid, 1, 0, m[:len(m) // 2])
    for i, m in enumerate(wire):
        w.data(i + 1, 1, len(m) // 2, m[len(m) // 2:])
        w.close(i + 1, FIN)


def case_switch(w):
    # WebSocket: frames both ways after the 101, some like HTTP text
    w.open(1, a="10.0.0.2", pa=8001, b="10.0.0.1", pb=80)
    q = (b"GET /chat HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n"
         b"Connection: Upgrade\r\nSec-WebSocket-Key: x\r\n\r\n")
    a = (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
         b"Connection: Upgrade\r\n\r\n")
    c1 = b"\x81\x9c\x00\x00\x00\x00GET / HTTP/1.1\r\nHost: x\r\n\r\n"
    s1 = b"\x81\x1bHTTP/1.1 200 OK\r\nX: y\r\n\r\n" + b"\x82\x7e\x01\x00" + bytes(256)
    w.data(1, 0, 0, q)
    w.data(1, 1, 0, a + s1[:10])        # frames in the 101's segment
    w.data(1, 0, len(q), c1)
    w.data(1, 1, len(a) + 10, s1[10:])
    w.close(1, FIN)
    # h2c
    w.open(2, a="10.0.0.2", pa=8002, b="10.0.0.1", pb=80)
    q2 = (b"GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, HTTP2-Settings\r\n"
          b"Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n")
    a2 = b"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n"
    w.data(2, 0, 0, q2)
    w.data(2, 1, 0, a2 + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00")
    w.data(2, 0, len(q2), b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00")
    w.close(2, FIN)
    # CONNECT, the client's TLS bytes seen before the proxy's answer
    w.open(3, a="10.0.0.2", pa=8003, b="10.0.0.1", pb=3128)
    q3 = b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"
    w.data(3, 0, 0, q3)
    w.data(3, 0, len(q3), b"\x16\x03\x01\x00\x05hello")
    w.data(3, 1, 0, b"HTTP/1.1 200 Connection established\r\n\r\n")
    w.data(3, 1, 39, b"\x16\x03\x03 HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nX")
    w.close(3, FIN)
    # CONNECT refused, then plain HTTP on the same connection
    w.open(4, a="10.0.0.2", pa=8004, b="10.0.0.1", pb=3128)
    q4 = b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"
    a4 = resp(b"no", b"Content-Type: text/plain\r\n", b"407 Proxy Authentication Required")
    w.data(4, 0, 0, q4)
    w.data(4, 1, 0, a4)
    w.data(4, 0, len(q4), b"GET http://h/ HTTP/1.1\r\nHost: h\r\n\r\n")
    w.data(4, 1, len(a4), resp(b"after refusal", b"Content-Type: text/plain\r\n"))
    w.close(4, FIN)
    # Upgrade ignored (200): HTTP goes on
    w.open(5, a="10.0.0.2", pa=8005, b="10.0.0.1", pb=80)
    q5 = b"GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
    a5 = resp(b"first", b"Content-Type: text/plain\r\n")
    w.data(5, 0, 0, q5)
    w.data(5, 1, 0, a5)
    w.data(5, 0, len(q5), b"GET /2 HTTP/1.1\r\nHost: h\r\n\r\n")
    w.data(5, 1, len(a5), resp(b"second", b"Content-Type: text/plain\r\n"))
    w.close(5, FIN)


if __name__ == "__main__":
    w = Writer(sys.stdout.buffer)
    globals()["case_" + sys.argv[1]](w)
