#!/usr/bin/python3
"""craft-tunnels.py - write the small tunnel captures tests/30-reasm.bats
uses into tests/data/reasm-tun-*.pcap (run once; the pcaps are committed).

usage: /usr/bin/python3 craft-tunnels.py [DIR]  (the distribution python has scapy)
"""

import os
import struct
import sys

from scapy.all import Ether, IP, IPv6, TCP, UDP, GRE, Raw, wrpcap  # noqa
from scapy.layers.vxlan import VXLAN  # noqa: E402

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "data")
T0 = 1700000000.0


def conv(data_c, data_s, cport=40000):
    """An inner TCP conversation 10.0.0.1:cport <-> 10.0.0.2:80, as a list
    of (from_client, IP packet)."""
    c, s = 1000, 5000
    pk = []

    def p(fc, flags, seq, ack, data=b""):
        src, dst = ("10.0.0.1", "10.0.0.2") if fc else ("10.0.0.2", "10.0.0.1")
        sp, dp = (cport, 80) if fc else (80, cport)
        t = IP(src=src, dst=dst) / TCP(sport=sp, dport=dp, flags=flags,
                                       seq=seq, ack=ack, window=65535)
        pk.append((fc, t / Raw(data) if data else t))

    p(1, "S", c, 0)
    p(0, "SA", s, c + 1)
    p(1, "A", c + 1, s + 1)
    p(1, "PA", c + 1, s + 1, data_c)
    p(0, "PA", s + 1, c + 1 + len(data_c), data_s)
    p(1, "FA", c + 1 + len(data_c), s + 1 + len(data_s))
    p(0, "FA", s + 1 + len(data_s), c + 2 + len(data_c))
    p(1, "A", c + 2 + len(data_c), s + 2 + len(data_s))
    return pk


def eth(inner):
    return Ether(src="02:00:00:00:00:0a", dst="02:00:00:00:00:0b") / inner


def vxlan(vni, fc, inner):
    a, b = ("192.0.2.1", "192.0.2.2") if fc else ("192.0.2.2", "192.0.2.1")
    return eth(IP(src=a, dst=b) / UDP(sport=50000 + vni, dport=4789) /
               VXLAN(vni=vni) / eth(inner))


def gre(fc, inner):
    a, b = ("198.51.100.1", "198.51.100.2") if fc else \
        ("198.51.100.2", "198.51.100.1")
    return eth(IP(src=a, dst=b) / GRE(key_present=1, key=7, proto=0x0800) /
               inner)


def ipip(n, inner):
    """inner wrapped in n IPv4-in-IPv4 layers."""
    for i in range(n):
        inner = IP(src="203.0.113.%d" % (2 * i + 1),
                   dst="203.0.113.%d" % (2 * i + 2)) / inner
    return eth(inner)


def stamp(pkts):
    for i, p in enumerate(pkts):
        p.time = T0 + i * 0.001
    return pkts


def main():
    os.makedirs(OUT, exist_ok=True)
    # Three tenants, one inner 4-tuple: VXLAN 100 and 200 between the
    # same VTEPs, and a keyed GRE tunnel; their packets interleave.
    a = conv(b"tenant one\n", b"reply one\n")
    b = conv(b"tenant two\n", b"reply two\n")
    g = conv(b"tenant gre\n", b"reply gre\n")
    pk = []
    for (fa, pa), (fb, pb), (fg, pg) in zip(a, b, g):
        pk += [vxlan(100, fa, pa), vxlan(200, fb, pb), gre(fg, pg)]
    wrpcap(os.path.join(OUT, "reasm-tun-tenants.pcap"), stamp(pk))
    # Four IP-in-IP layers are decoded, five are too deep.
    pk = [ipip(4, p) for _, p in conv(b"four deep\n", b"ok\n", 40001)]
    pk += [ipip(5, p) for _, p in conv(b"five deep\n", b"no\n", 40002)]
    wrpcap(os.path.join(OUT, "reasm-tun-depth.pcap"), stamp(pk))
    # A link type not decoded (147, LINKTYPE_USER0), twice.
    with open(os.path.join(OUT, "reasm-tun-linktype.pcap"), "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 147))
        for i in range(2):
            f.write(struct.pack("<IIII", int(T0) + i, 0, 4, 4) + b"abcd")


main()
