#!/usr/bin/env python3
"""dfxml-check-hashes.py STREAM REPORT.xml: recompute every flow
direction's file from the record stream as flowsplit writes it (DATA
bytes at their stream offsets, so the holes GAPs leave read as zeros; a
gap at the end does not lengthen the file)
and check dfxmlgen's <filesize> and MD5/SHA1/SHA256 <hashdigest>s against
it.  Prints "checked N" and exits 0, or names the first mismatch."""
import hashlib
import ipaddress
import os
import struct
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fkrec import read_records, FLOW_OPEN, DATA  # noqa: E402

ALGS = {"MD5": hashlib.md5, "SHA1": hashlib.sha1, "SHA256": hashlib.sha256}


class Side:
    def __init__(self):
        self.h = {k: f() for k, f in ALGS.items()}
        self.size = 0

    def feed(self, b):
        for h in self.h.values():
            h.update(b)
        self.size += len(b)

    def fill(self, end):
        while self.size < end:
            self.feed(bytes(min(end - self.size, 1 << 20)))


def main():
    sides, opens = {}, {}
    with open(sys.argv[1], "rb") as f:
        for typ, _, body in read_records(f):
            if typ == FLOW_OPEN:
                fid, fam = struct.unpack_from("<Q8xB", body)
                pa, pb = struct.unpack_from("<HH", body, 26)
                n = 4 if fam == 4 else 16
                opens[fid] = (str(ipaddress.ip_address(body[32:32 + n])), pa)
            elif typ == DATA:
                fid, d, off = struct.unpack_from("<QB7xQ", body)
                s = sides.setdefault((fid, d), Side())
                s.fill(off)
                skip = s.size - off
                s.feed(body[32 + skip:])
    root = ET.parse(sys.argv[2]).getroot()
    checked = 0
    for fo in root.iter():
        if not fo.tag.endswith("fileobject"):
            continue
        tf = [c for c in fo if c.tag.endswith("tcpflow")]
        if not tf:
            continue
        a = tf[0].attrib
        fid = int(a["flow_id"])
        d = 0 if (a["src_ipn"], int(a["srcport"])) == opens[fid] else 1
        s = sides.get((fid, d), Side())
        size = int([c for c in fo if c.tag.endswith("filesize")][0].text)
        if size != s.size:
            sys.exit("flow %d dir %d: filesize %d, stream %d" %
                     (fid, d, size, s.size))
        got = {c.get("type"): c.text for c in fo
               if c.tag.endswith("hashdigest")}
        want = {k: h.hexdigest() for k, h in s.h.items()} if s.size else {}
        if got != want:
            sys.exit("flow %d dir %d: digests %r, stream %r" %
                     (fid, d, got, want))
        checked += 1
    print("checked %d" % checked)


main()
