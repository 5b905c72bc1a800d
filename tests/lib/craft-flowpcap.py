#!/usr/bin/python3
"""craft-flowpcap.py DIR: the crafted captures of tests/75-flowpcap.bats.

flowpcap-udp.pcap     UDP edge cases (Ethernet): IPv4 options, IPv6 with a
                      hop-by-hop header, VLAN, Ethernet padding, a UDP
                      length beyond the IP datagram, a cut UDP header, a
                      fragment, ICMP, and a TCP flow.
flowpcap-ns.pcap      nanosecond pcap: the second packet's time is not a
                      whole microsecond.
flowpcap-sll.pcap     the first UDP flow of flowpcap-udp.pcap seen on a
                      Linux cooked (link type 113) interface.
"""
import os, sys
from scapy.all import (Ether, Dot1Q, IP, IPv6, IPv6ExtHdrHopByHop, UDP, TCP,
                       ICMP, Raw, CookedLinux, PcapWriter, wrpcap)

d = sys.argv[1]
M1, M2 = "00:00:00:00:00:01", "00:00:00:00:00:02"
E = lambda: Ether(src=M1, dst=M2)
t0 = 1700000000


def at(p, t):
    p.time = t
    return p


pk = []
t = t0
# 1: plain DNS-like exchange, 10.0.0.1:1111 <-> 10.0.0.2:53
pk.append(E() / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=1111, dport=53) / Raw(b"query-1"))
pk.append(E() / IP(src="10.0.0.2", dst="10.0.0.1") / UDP(sport=53, dport=1111) / Raw(b"answer-1!"))
# 2: IPv4 with options (IHL 6)
pk.append(E() / IP(src="10.0.0.3", dst="10.0.0.2", options=b"\x01\x01\x01\x00") /
          UDP(sport=2222, dport=53) / Raw(b"with-options"))
# 3: IPv6 with a hop-by-hop header
pk.append(E() / IPv6(src="2001:db8::1", dst="2001:db8::2") / IPv6ExtHdrHopByHop() /
          UDP(sport=3333, dport=5353) / Raw(b"v6-hbh"))
# 4: VLAN 7, same 5-tuple as flow 1: another flow
pk.append(E() / Dot1Q(vlan=7) / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=1111, dport=53) /
          Raw(b"vlan-7"))
# 5: short datagram in a padded frame: the padding is not payload
p = E() / IP(src="10.0.0.4", dst="10.0.0.2") / UDP(sport=4444, dport=53) / Raw(b"ab")
p = Ether(bytes(p) + b"\xee" * 12)
pk.append(p)
# 6: UDP length claims more than the IP datagram: payload stops at the IP end
p = E() / IP(src="10.0.0.5", dst="10.0.0.2") / UDP(sport=5555, dport=53, len=200) / Raw(b"liar")
p = Ether(bytes(p) + b"\xee" * 10)
pk.append(p)
# 7: UDP header cut by the snap length (counted, no flow)
raw = bytes(E() / IP(src="10.0.0.6", dst="10.0.0.2") / UDP(sport=6666, dport=53) / Raw(b"cut"))
pk.append(Ether(raw[:14 + 20 + 4]))
# 8: a first fragment (skipped), ICMP (skipped)
pk.append(E() / IP(src="10.0.0.7", dst="10.0.0.2", flags="MF") / UDP(sport=7777, dport=53) /
          Raw(b"frag" * 4))
pk.append(E() / IP(src="10.0.0.8", dst="10.0.0.2") / ICMP())
# 9: a TCP flow, 10.0.0.1:40000 -> 10.0.0.9:80
pk.append(E() / IP(src="10.0.0.1", dst="10.0.0.9") / TCP(sport=40000, dport=80, flags="S", seq=100))
pk.append(E() / IP(src="10.0.0.9", dst="10.0.0.1") / TCP(sport=80, dport=40000, flags="SA", seq=500, ack=101))
pk.append(E() / IP(src="10.0.0.1", dst="10.0.0.9") / TCP(sport=40000, dport=80, flags="PA", seq=101, ack=501) / Raw(b"GET / HTTP/1.0\r\n\r\n"))
pk.append(E() / IP(src="10.0.0.9", dst="10.0.0.1") / TCP(sport=80, dport=40000, flags="PA", seq=501, ack=119) / Raw(b"HTTP/1.0 200 OK\r\n\r\nhello"))
# 1 again: second query of flow 1
pk.append(E() / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=1111, dport=53) / Raw(b"query-2"))
for i, p in enumerate(pk):
    at(p, t0 + i * 0.25)
wrpcap(os.path.join(d, "flowpcap-udp.pcap"), pk)

w = PcapWriter(os.path.join(d, "flowpcap-ns.pcap"), nano=True, linktype=1)
from decimal import Decimal
w.write(at(E() / IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=1111, dport=53) / Raw(b"one"),
           Decimal(t0) + Decimal("0.000001")))
w.write(at(E() / IP(src="10.0.0.2", dst="10.0.0.1") / UDP(sport=53, dport=1111) / Raw(b"two"),
           Decimal(t0) + Decimal("0.000002345")))
w.close()

sll = []
for i, (s, dd, sp, dp, pl) in enumerate([("10.0.0.1", "10.0.0.2", 1111, 53, b"sll-q"),
                                        ("10.0.0.2", "10.0.0.1", 53, 1111, b"sll-a")]):
    sll.append(at(CookedLinux(pkttype=0, lladdrtype=1, lladdrlen=6, src=b"\0\0\0\0\0\1\0\0",
                              proto=0x0800) / IP(src=s, dst=dd) / UDP(sport=sp, dport=dp) / Raw(pl),
                  t0 + 10 + i))
wrpcap(os.path.join(d, "flowpcap-sll.pcap"), sll)
