#!/usr/bin/env python3
"""shard-pairs.py SHARD.fk... - check that no host pair spans two shards.

A dissector independent of flowkit's (Ethernet with VLAN tags, Linux
cooked, BSD null/loop, raw IP; then IPv4/IPv6) reads the PACKET records
of each shard file and collects the unordered IP address pair of every
packet, IP fragments included.  Prints "packets=N ip=N fragments=N
pairs=N" and exits 1, naming the pair, if a pair occurs in two shards.
For tests/85-flowshard.bats.
"""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fkrec import PACKET, read_records  # noqa: E402


def ip_pair(p):
    """(pair, is_fragment) of an IP packet at p, or None."""
    if len(p) >= 20 and p[0] >> 4 == 4:
        frag = struct.unpack("!H", p[6:8])[0] & 0x3FFF
        a, b = p[12:16], p[16:20]
        return (min(a, b), max(a, b)), frag != 0
    if len(p) >= 40 and p[0] >> 4 == 6:
        a, b = p[8:24], p[24:40]
        return (min(a, b), max(a, b)), p[6] == 44
    return None


def ether(p, off):
    if len(p) < off + 2:
        return None
    t = struct.unpack("!H", p[off:off + 2])[0]
    off += 2
    while t in (0x8100, 0x88A8, 0x9100) and len(p) >= off + 4:
        t = struct.unpack("!H", p[off + 2:off + 4])[0]
        off += 4
    if t in (0x0800, 0x86DD):
        return ip_pair(p[off:])
    return None


def pair_of(link, p):
    if link == 1:
        return ether(p, 12)
    if link == 113:
        return ether(p, 14)
    if link in (101, 12, 14, 228, 229):
        return ip_pair(p)
    if link in (0, 108):
        return ip_pair(p[4:])
    return None


def main():
    owner = {}
    n = nip = nfrag = 0
    for path in sys.argv[1:]:
        with open(path, "rb") as f:
            for typ, _flags, body in read_records(f):
                if typ != PACKET:
                    continue
                n += 1
                link = struct.unpack("<I", body[8:12])[0]
                r = pair_of(link, body[24:])
                if r is None:
                    continue
                pair, frag = r
                nip += 1
                nfrag += frag
                if owner.setdefault(pair, path) != path:
                    sys.exit("pair %s-%s in %s and %s" % (
                        pair[0].hex(), pair[1].hex(), owner[pair], path))
    print("packets=%d ip=%d fragments=%d pairs=%d" % (n, nip, nfrag,
                                                      len(owner)))


if __name__ == "__main__":
    main()
