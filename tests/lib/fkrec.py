#!/usr/bin/env python3
"""fkrec.py - build and read flowkit record streams in tests.

The wire layout is flowkit-records(5) / common/fk_record.h: a 16-byte
stream header, then records of an 8-byte header (type u16, flags u16,
body length u32) and a body; everything little-endian.

Writing, from a test:

    import sys; sys.path.insert(0, LIB); from fkrec import *
    w = Writer(sys.stdout.buffer)
    w.open(1, ts=1_000_000_000, a="10.0.0.1", pa=1234, b="10.0.0.2", pb=80)
    w.data(1, 0, 0, b"GET / HTTP/1.0\\r\\n\\r\\n")
    w.close(1, FIN, [dirstats(packets=3), dirstats()])

Reading: `for typ, flags, body in read_records(f): ...`, or from the
shell: `python3 fkrec.py dump < stream` prints one line per record.
"""

import ipaddress
import struct
import sys

MAGIC = b"FLOWKIT\0"
PACKET, FLOW_OPEN, DATA, GAP, OVERLAP, FLOW_CLOSE, FLOW_NAME, STATS = range(1, 9)
HTTP = 0x0100
NAMES = {PACKET: "PACKET", FLOW_OPEN: "FLOW_OPEN", DATA: "DATA", GAP: "GAP",
         OVERLAP: "OVERLAP", FLOW_CLOSE: "FLOW_CLOSE",
         FLOW_NAME: "FLOW_NAME", STATS: "STATS", HTTP: "HTTP"}
# close reasons
FIN, RST, TIMEOUT, END, EVICT, REUSE = range(1, 7)
# opener
OPEN_SYN, OPEN_SYNACK, OPEN_MIDSTREAM = 1, 2, 3
# gap reasons
GAP_LOST, GAP_BUFFER, GAP_CLOSE = 1, 2, 3
HTTP_REQUEST, HTTP_RESPONSE = 1, 2

DIRSTATS_FIELDS = ("packets", "wire_bytes", "bytes", "gap_bytes",
                   "retrans_bytes", "ooo_packets", "overlaps", "last_ts_ns")


def stream_header(minor=0):
    return MAGIC + struct.pack("<HHI", 1, minor, 0)


def record(typ, body, flags=0):
    return struct.pack("<HHI", typ, flags, len(body)) + body


def _addr(s):
    """An address string -> (family, 16 bytes)."""
    ip = ipaddress.ip_address(s)
    raw = ip.packed
    return (4 if ip.version == 4 else 6), raw + bytes(16 - len(raw))


def _mac(s):
    return bytes(int(x, 16) for x in s.split(":")) if s else bytes(6)


def dirstats(**kw):
    """Per-direction FLOW_CLOSE counters; unnamed ones are 0."""
    for k in kw:
        if k not in DIRSTATS_FIELDS:
            raise KeyError(k)
    return tuple(kw.get(k, 0) for k in DIRSTATS_FIELDS)


def open_body(flow_id, ts=0, a="10.0.0.1", pa=1024, b="10.0.0.2", pb=80,
              opener=OPEN_SYN, flags=0, vlan=0, vlan_inner=0,
              eth_a=None, eth_b=None, ifindex=0, proto=6):
    fam, ra = _addr(a)
    fam_b, rb = _addr(b)
    assert fam == fam_b
    if eth_a or eth_b:
        flags |= 0x0004
    return (struct.pack("<QQBBBBHHHHHH", flow_id, ts, fam, proto, opener, 0,
                        flags, vlan, vlan_inner, pa, pb, 0)
            + ra + rb + _mac(eth_a) + _mac(eth_b)
            + struct.pack("<I", ifindex))


def data_body(flow_id, d, off, payload, ts=0, flags=0):
    return struct.pack("<QBB6xQQ", flow_id, d, flags, off, ts) + payload


def gap_body(flow_id, d, off, length, ts=0, reason=GAP_LOST):
    return struct.pack("<QBB6xQQQ", flow_id, d, reason, off, length, ts)


def close_body(flow_id, reason=FIN, stats=None, ts=0):
    stats = stats or [dirstats(), dirstats()]
    b = struct.pack("<QQB7x", flow_id, ts, reason)
    for s in stats:
        b += struct.pack("<8Q", *s)
    return b


def name_body(flow_id, d, name):
    if isinstance(name, str):
        name = name.encode()
    return struct.pack("<QB7x", flow_id, d) + name


def http_body(flow_id, d, kind=HTTP_RESPONSE, flags=0, status=200, seq=0,
              hdr_offset=0, body_offset=0, body_len=0, decoded_len=None,
              ts=0, body_file="", method="", uri="", ctype="", host=""):
    if decoded_len is None:
        decoded_len = body_len
    var = b"".join((s.encode() if isinstance(s, str) else s) + b"\0"
                   for s in (body_file, method, uri, ctype, host))
    return struct.pack("<QBBHHxxI4xQQQQQ", flow_id, d, kind, flags, status,
                       seq, hdr_offset, body_offset, body_len, decoded_len,
                       ts) + var


def packet_body(data, ts=0, linktype=1, origlen=None, ifindex=0):
    if origlen is None:
        origlen = len(data)
    return struct.pack("<QIII4x", ts, linktype, origlen, ifindex) + data


class Writer:
    """Write a record stream to a binary file object."""

    def __init__(self, f, header=True):
        self.f = f
        if header:
            f.write(stream_header())

    def raw(self, typ, body, flags=0):
        self.f.write(record(typ, body, flags))

    def open(self, flow_id, **kw):
        self.raw(FLOW_OPEN, open_body(flow_id, **kw))

    def data(self, flow_id, d, off, payload, **kw):
        self.raw(DATA, data_body(flow_id, d, off, payload, **kw))

    def gap(self, flow_id, d, off, length, **kw):
        self.raw(GAP, gap_body(flow_id, d, off, length, **kw))

    def overlap(self, flow_id, d, off, payload, **kw):
        self.raw(OVERLAP, data_body(flow_id, d, off, payload, **kw))

    def close(self, flow_id, reason=FIN, stats=None, ts=0):
        self.raw(FLOW_CLOSE, close_body(flow_id, reason, stats, ts))

    def name(self, flow_id, d, name):
        self.raw(FLOW_NAME, name_body(flow_id, d, name))

    def http(self, flow_id, d, **kw):
        self.raw(HTTP, http_body(flow_id, d, **kw))

    def stats(self, text):
        self.raw(STATS, text.encode() if isinstance(text, str) else text)

    def packet(self, data, **kw):
        self.raw(PACKET, packet_body(data, **kw))


def read_records(f):
    """Yield (type, flags, body) for every record of a stream (headers
    anywhere in the stream are skipped)."""
    while True:
        h = f.read(8)
        if not h:
            return
        if len(h) < 8:
            raise ValueError("truncated record header")
        if h == MAGIC:
            f.read(8)
            continue
        typ, flags, n = struct.unpack("<HHI", h)
        body = f.read(n)
        if len(body) < n:
            raise ValueError("truncated record body")
        yield typ, flags, body


def _dump(f, out):
    for typ, flags, body in read_records(f):
        name = NAMES.get(typ, "0x%04x" % typ)
        extra = ""
        if typ in (DATA, OVERLAP):
            fid, d, _, off, ts = struct.unpack_from("<QBB6xQQ", body)
            extra = " flow=%d dir=%d off=%d len=%d" % (fid, d, off,
                                                      len(body) - 32)
        elif typ == GAP:
            fid, d, r, off, n, ts = struct.unpack_from("<QBB6xQQQ", body)
            extra = " flow=%d dir=%d off=%d len=%d" % (fid, d, off, n)
        elif typ in (FLOW_OPEN, FLOW_CLOSE):
            extra = " flow=%d" % struct.unpack_from("<Q", body)[0]
        elif typ == FLOW_NAME:
            fid, d = struct.unpack_from("<QB", body)
            extra = " flow=%d dir=%d name=%r" % (fid, d, body[16:])
        out.write("%s%s\n" % (name, extra))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "dump":
        _dump(sys.stdin.buffer, sys.stdout)
    else:
        sys.stderr.write("usage: fkrec.py dump < stream\n")
        sys.exit(2)
