#!/usr/bin/env python3
"""fk2files.py - split a reasm record stream into per-flow files (tests).

usage: fk2files.py DIR < records

Writes, for every flow id N:
  DIR/N.ab, DIR/N.ba   the DATA bytes of each direction, at their offsets
                       (a GAP leaves nothing: bytes are appended in order,
                       and the offsets are checked to be contiguous)
  DIR/N.both           DATA bytes of both directions in record order
and DIR/flows.tsv: id, family, a, port_a, b, port_b, opener, close reason,
ab bytes, ba bytes, ab gap bytes, ba gap bytes, overlaps; and
DIR/gaps.tsv: id, dir, offset, len, reason.  Exits 1 if a direction's
DATA/GAP offsets are not contiguous (a lost or repeated byte).
"""

import ipaddress
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fkrec import (read_records, FLOW_OPEN, DATA, GAP, OVERLAP,  # noqa: E402
                   FLOW_CLOSE)


def addr(fam, raw):
    if fam == 4:
        return str(ipaddress.IPv4Address(raw[:4]))
    return str(ipaddress.IPv6Address(raw))


def main():
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    flows = {}
    files = {}
    nxt = {}
    gaps = []
    bad = 0

    def f(name):
        if name not in files:
            files[name] = open(os.path.join(outdir, name), "wb")
        return files[name]

    for typ, _, body in read_records(sys.stdin.buffer):
        if typ == FLOW_OPEN:
            fid, ts, fam, proto, opener = struct.unpack_from("<QQBBB", body)
            pa, pb = struct.unpack_from("<HH", body, 26)
            flows[fid] = {"fam": fam, "a": addr(fam, body[32:48]), "pa": pa,
                          "b": addr(fam, body[48:64]), "pb": pb,
                          "opener": opener, "reason": 0,
                          "bytes": [0, 0], "gap": [0, 0], "ovl": 0}
            for d in ("ab", "ba", "both"):
                f("%d.%s" % (fid, d))
        elif typ in (DATA, GAP):
            if typ == DATA:
                fid, d, _, off, ts = struct.unpack_from("<QBB6xQQ", body)
                n = len(body) - 32
            else:
                fid, d, reason, off, n, ts = struct.unpack_from(
                    "<QBB6xQQQ", body)
                gaps.append((fid, d, off, n, reason))
            key = (fid, d)
            if nxt.get(key, 0) != off:
                sys.stderr.write("flow %d dir %d: offset %d, expected %d\n"
                                 % (fid, d, off, nxt.get(key, 0)))
                bad = 1
            nxt[key] = off + n
            if fid not in flows:
                sys.stderr.write("flow %d: record before FLOW_OPEN\n" % fid)
                bad = 1
                continue
            if typ == DATA:
                data = body[32:]
                f("%d.%s" % (fid, "ab" if d == 0 else "ba")).write(data)
                f("%d.both" % fid).write(data)
                flows[fid]["bytes"][d] += n
            else:
                flows[fid]["gap"][d] += n
        elif typ == OVERLAP:
            fid = struct.unpack_from("<Q", body)[0]
            if fid in flows:
                flows[fid]["ovl"] += 1
        elif typ == FLOW_CLOSE:
            fid, ts, reason = struct.unpack_from("<QQB", body)
            if fid in flows:
                flows[fid]["reason"] = reason
    for fh in files.values():
        fh.close()
    with open(os.path.join(outdir, "flows.tsv"), "w") as t:
        for fid in sorted(flows):
            x = flows[fid]
            t.write("\t".join(str(v) for v in (
                fid, x["fam"], x["a"], x["pa"], x["b"], x["pb"],
                x["opener"], x["reason"], x["bytes"][0], x["bytes"][1],
                x["gap"][0], x["gap"][1], x["ovl"])) + "\n")
    with open(os.path.join(outdir, "gaps.tsv"), "w") as t:
        for g in gaps:
            t.write("\t".join(str(v) for v in g) + "\n")
    return bad


if __name__ == "__main__":
    sys.exit(main())
