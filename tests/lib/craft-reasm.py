#!/usr/bin/python3
"""craft-reasm.py - write the small edge-case captures tests/30-reasm.bats
uses into tests/data/reasm-*.pcap (run once; the pcaps are committed).

usage: /usr/bin/python3 craft-reasm.py [DIR]  (the distribution python has scapy)
"""

import os
import struct
import sys

from scapy.all import (Ether, IP, IPv6, TCP, Raw, PPPoE, Dot1Q,  # noqa: E402
                       IPv6ExtHdrFragment, fragment, fragment6, wrpcap)

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "data")
CLI, SRV = "10.0.0.1", "10.0.0.2"
CMAC, SMAC = "02:00:00:00:00:01", "02:00:00:00:00:02"


class Conv:
    """One TCP conversation: c() sends from the client, s() from the
    server; seq numbers are given relative to each side's ISN+1."""

    def __init__(self, cport=40000, sport=80, cisn=1000, sisn=5000,
                 v6=False):
        self.cport, self.sport = cport, sport
        self.isn = {"c": cisn, "s": sisn}
        self.nxt = {"c": 0, "s": 0}
        self.v6 = v6
        self.pkts = []
        self.t = 1700000000.0

    def pkt(self, who, flags, rel=None, data=b"", ack=True, raw_seq=None,
            pad=0):
        peer = "s" if who == "c" else "c"
        if rel is None:
            rel = self.nxt[who]
        seq = raw_seq if raw_seq is not None else \
            (self.isn[who] + 1 + rel) % 2**32
        ackno = (self.isn[peer] + 1 + self.nxt[peer]) % 2**32 if ack else 0
        src, dst = (CLI, SRV) if who == "c" else (SRV, CLI)
        sp, dp = (self.cport, self.sport) if who == "c" else \
            (self.sport, self.cport)
        ip = (IPv6(src="fd00::1" if who == "c" else "fd00::2",
                   dst="fd00::2" if who == "c" else "fd00::1")
              if self.v6 else IP(src=src, dst=dst))
        p = (Ether(src=CMAC if who == "c" else SMAC,
                   dst=SMAC if who == "c" else CMAC) / ip /
             TCP(sport=sp, dport=dp, flags=flags, seq=seq,
                 ack=ackno if "A" in flags else 0, window=65535))
        if data:
            p = p / Raw(data)
        if pad:
            p = p / Raw(b"\0" * pad)
            p[IP].len = len(p[IP]) - pad
        self.t += 0.001
        p.time = self.t
        self.pkts.append(p)
        if raw_seq is None:
            self.nxt[who] = max(self.nxt[who], rel + len(data))
        return p

    def handshake(self):
        self.pkt("c", "S", raw_seq=self.isn["c"], ack=False)
        self.pkt("s", "SA", raw_seq=self.isn["s"])
        self.pkt("c", "A")

    def fin(self):
        self.pkt("c", "FA")
        self.nxt["c"] += 1
        self.pkt("s", "FA")
        self.nxt["s"] += 1
        self.pkt("c", "A")


def write(name, pkts):
    wrpcap(os.path.join(OUT, "reasm-%s.pcap" % name), pkts)


def write_cut(name, pkts, snaplen):
    """A pcap whose frames are cut to snaplen bytes (wire length kept)."""
    with open(os.path.join(OUT, "reasm-%s.pcap" % name), "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, snaplen, 1))
        for p in pkts:
            b = bytes(p)
            t = int(round(p.time * 1e6))
            f.write(struct.pack("<IIII", t // 10**6, t % 10**6,
                                min(len(b), snaplen), len(b)))
            f.write(b[:snaplen])


def main():
    os.makedirs(OUT, exist_ok=True)

    # port reuse: two connections on one 4-tuple, different ISNs
    a = Conv(cisn=1000, sisn=5000)
    a.handshake()
    a.pkt("c", "PA", data=b"first connection\n")
    a.pkt("s", "PA", data=b"reply one\n")
    a.fin()
    b = Conv(cisn=900000, sisn=700000)
    b.t = a.t + 0.5
    b.handshake()
    b.pkt("c", "PA", data=b"second connection\n")
    b.pkt("s", "PA", data=b"reply two\n")
    b.fin()
    write("portreuse", a.pkts + b.pkts)

    # sequence numbers wrap past 2^32 inside the data
    c = Conv(cisn=2**32 - 50, sisn=2**32 - 3)
    c.handshake()
    for i in range(4):
        c.pkt("c", "PA", data=bytes([65 + i]) * 30)
        c.pkt("s", "PA", data=bytes([97 + i]) * 7)
    c.fin()
    write("wrap", c.pkts)

    # overlap, different data: the first (buffered) copy wins
    c = Conv()
    c.handshake()
    c.pkt("c", "PA", 0, b"0123456789")
    c.pkt("c", "PA", 20, b"KKKKKKKKKK")          # [20,30) buffered
    c.pkt("c", "PA", 15, b"xxxxxXXXXX")          # [15,25): [20,25) differs
    c.pkt("c", "PA", 10, b"abcdefghij")          # fills [10,20)
    c.fin()
    write("overlap", c.pkts)

    # an in-order segment filling a hole beats buffered out-of-order data
    c = Conv()
    c.handshake()
    c.pkt("c", "PA", 0, b"0123456789")
    c.pkt("c", "PA", 15, b"oooooooooo")          # [15,25) buffered
    c.pkt("c", "PA", 10, b"IIIIIIIIII")          # [10,20) in order: wins
    c.pkt("c", "PA", 25, b"tail")
    c.fin()
    write("holefill", c.pkts)

    # SYN carrying data (TCP Fast Open style)
    c = Conv()
    c.pkt("c", "S", raw_seq=c.isn["c"], ack=False, data=b"syn-data;")
    c.nxt["c"] = 9
    c.pkt("s", "SA", raw_seq=c.isn["s"])
    c.pkt("c", "PA", data=b"more\n")
    c.pkt("s", "PA", data=b"ok\n")
    c.fin()
    write("syndata", c.pkts)

    # RST in the middle of a transfer, with a hole before it
    c = Conv()
    c.handshake()
    c.pkt("c", "PA", data=b"request\n")
    c.pkt("s", "PA", 0, b"part one;")
    c.pkt("s", "PA", 20, b"part three")        # [9,20) never comes
    c.pkt("c", "RA")
    write("rst", c.pkts)

    # Ethernet padding: IP total length shorter than the frame
    c = Conv()
    c.handshake()
    c.pkt("c", "PA", data=b"hi", pad=4)
    c.pkt("s", "PA", data=b"yo", pad=4)
    c.fin()
    write("padding", c.pkts)

    # the client's packets carry VLAN 3136, the server's none (a switch
    # port that tags one way, suricata-verify bug-4376): two half-flows,
    # one flow with reasm -Q
    c = Conv()
    c.handshake()
    c.pkt("c", "PA", data=b"tagged request\n")
    c.pkt("s", "PA", data=b"untagged reply\n")
    c.fin()
    for i, p in enumerate(c.pkts):
        if p[IP].src == CLI:
            q = Ether(src=p.src, dst=p.dst) / Dot1Q(vlan=3136) / p[IP]
            q.time = p.time
            c.pkts[i] = q
    write("vlanoneway", c.pkts)

    # IPv4 options: a router alert is kept; a 2-byte security option
    # (RFC 1108: 3 at least) makes the receiver drop its byte, and the
    # FIN takes the sequence number the dropped byte had
    c = Conv()
    c.handshake()
    c.pkt("c", "PA", data=b"kept ")
    c.pkt("c", "PA", data=b"alert\n")
    c.pkts[-1][IP].options = b"\x94\x04\x00\x00"
    c.pkt("c", "PA", data=b"X")
    c.pkts[-1][IP].options = b"\x82\x02\x00\x00"
    c.nxt["c"] -= 1
    c.pkt("s", "PA", data=b"ok\n")
    c.fin()
    for p in c.pkts:
        del p[IP].ihl, p[IP].len, p[IP].chksum, p[TCP].chksum
    write("ipoptbad", c.pkts)

    # capture starts mid-stream: no handshake
    c = Conv(cisn=123456, sisn=654321)
    c.nxt = {"c": 500, "s": 800}
    c.pkt("c", "PA", data=b"GET /mid HTTP/1.0\r\n\r\n")
    c.pkt("s", "PA", data=b"HTTP/1.0 200 OK\r\n\r\nbody")
    c.pkt("c", "FA")
    write("midstream", c.pkts)

    # a hole that is never filled: GAP at the right offset
    c = Conv()
    c.handshake()
    c.pkt("c", "PA", 0, b"AAAAAAAAAA")
    c.pkt("c", "PA", 20, b"CCCCCCCCCC")          # [10,20) lost
    c.nxt["c"] = 30
    c.fin()
    write("gap", c.pkts)

    # keepalives: one byte before snd_nxt, and a zero-window probe
    c = Conv()
    c.handshake()
    c.pkt("c", "PA", data=b"hello")
    c.pkt("c", "A", 4, b"\0")                    # keepalive (junk byte)
    c.pkt("c", "A", 4, b"")                      # empty keepalive
    c.pkt("c", "PA", data=b" world")
    c.fin()
    write("keepalive", c.pkts)

    # IPv6 with out-of-order arrival and a retransmission
    c = Conv(v6=True)
    c.handshake()
    c.pkt("c", "PA", 10, b"second....")
    c.pkt("c", "PA", 0, b"first.....")
    c.pkt("c", "PA", 0, b"first.....")           # plain retransmission
    c.pkt("s", "PA", 0, b"answer")
    c.fin()
    write("ipv6ooo", c.pkts)

    # idle flows: flow 1 talks at t=0 and t=20s, flow 2 at t=10s
    a = Conv(cport=40001)
    b = Conv(cport=40002)
    b.t = a.t + 10
    a.handshake()
    a.pkt("c", "PA", data=b"early\n")
    b.handshake()
    b.pkt("c", "PA", data=b"middle\n")
    a.t += 20
    a.pkt("c", "PA", data=b"late\n")
    write("idle", sorted(a.pkts + b.pkts, key=lambda p: p.time))

    # snaplen 40 on Ethernet cuts the TCP header after 6 bytes (the
    # ports and part of seq, as in tcpflow's simson.pcap): the flow must
    # still exist and count its packets; with snaplen 60 the header is
    # whole up to the options, the payload is a hole
    c = Conv(cisn=123456, sisn=654321)
    c.nxt = {"c": 500, "s": 800}
    for i in range(3):
        c.pkt("s", "A", data=bytes([65 + i]) * 1000)
    write_cut("hdrcut", c.pkts, 40)
    c = Conv()
    c.handshake()
    c.pkt("c", "PA", data=b"x" * 100)
    c.pkts[-1][TCP].options = [("NOP", None)] * 12     # 32 bytes of options
    c.pkt("c", "PA", data=b"tail")
    write_cut("optcut", c.pkts, 60)

    # a first packet with timestamp 0, then real times: no special value,
    # and the clock jump does not time the flow out
    a = Conv(cport=40001)
    b = Conv(cport=40002)
    a.t = -0.001
    a.pkt("c", "PA", data=b"at zero;")
    b.t = 1700000000.0
    b.handshake()
    b.pkt("c", "PA", data=b"other")
    a.t = b.t + 0.5
    a.pkt("c", "PA", data=b"later")
    write("ts0", sorted(a.pkts + b.pkts, key=lambda p: p.time))

    # capture starting mid-connection with a bare ACK: it opens the flow
    # and is counted in it (tshark conversations count it too)
    c = Conv(cisn=123456, sisn=654321)
    c.nxt = {"c": 500, "s": 800}
    c.pkt("s", "A")
    c.pkt("c", "PA", data=b"request")
    c.pkt("s", "PA", data=b"response")
    c.pkt("c", "A")
    write("bareack", c.pkts)


    # retransmissions of delivered bytes: the same bytes (no OVERLAP),
    # different bytes (OVERLAP, the first copy still wins), a segment
    # straddling the delivery point, and a keepalive's junk byte
    c = Conv()
    c.handshake()
    c.pkt("c", "PA", 0, b"0123456789")
    c.pkt("c", "PA", 10, b"abcdefghij")
    c.pkt("c", "PA", 0, b"0123456789")           # same: no OVERLAP
    c.pkt("c", "PA", 12, b"CDE")                 # [12,15) differs
    c.pkt("c", "PA", 17, b"HIJklmno")            # [17,20) differs, rest new
    c.pkt("c", "A", 24, b"\0")                   # keepalive: not compared
    c.pkt("s", "PA", 0, b"ok")
    c.fin()
    write("retrans", c.pkts)


    # PPPoE: the session length bounds the datagram; an IPv4 total length
    # past it (zeek's pppoe-over-qinq.pcap) reaches into Ethernet padding,
    # which is not data: a hole the real segment fills
    c = Conv()
    c.handshake()
    c.pkt("s", "PA", 0, b"hello")
    bad = c.pkt("s", "PA", 5, b"")
    inner = bad[IP].copy()
    inner.len = 46
    del inner.chksum
    p = (Ether(src=SMAC, dst=CMAC, type=0x8864) /
         PPPoE(sessionid=7, len=42) / Raw(b"\x00\x21" + bytes(inner)[:40])
         / Raw(b"\0" * 6))
    p.time = bad.time
    c.pkts[-1] = p
    c.pkt("s", "PA", 5, b" world")
    c.fin()
    write("pppoepad", c.pkts)


    # IP fragments: a TCP segment in 3 IPv4 fragments, out of order, one
    # repeated with other bytes (the first copy wins); the same in IPv6
    for v6 in (False, True):
        c = Conv(v6=v6)
        c.handshake()
        seg = c.pkt("c", "PA", data=bytes(range(65, 91)) * 4)
        c.pkts.pop()
        if v6:
            p = seg.copy()
            p[IPv6].remove_payload()
            p = Ether(src=CMAC, dst=SMAC) / IPv6(
                src="fd00::1", dst="fd00::2") / IPv6ExtHdrFragment(id=77) / \
                seg[TCP]
            fr = [Ether(src=CMAC, dst=SMAC) / f
                  for f in fragment6(p[IPv6], 96)]
        else:
            seg[IP].id = 77
            fr = [Ether(src=CMAC, dst=SMAC) / f
                  for f in fragment(seg[IP], 40)]
        bad = fr[1].copy()
        raw = bytearray(bytes(bad))
        raw[-8:] = b"XXXXXXXX"
        bad = Ether(bytes(raw))
        order = [bad, fr[2], fr[0]] + fr[1:2] + fr[3:]
        for i, f in enumerate(order):
            f.time = seg.time + i * 0.0001
        c.pkts.extend(order)
        c.t = order[-1].time
        c.pkt("s", "PA", data=b"ok")
        c.fin()
        write("frag6" if v6 else "frag4", c.pkts)


    # injected packets the endpoints ignore: a RST from the client 1 GiB
    # past the window, then the rest of the response, then a RST in the
    # window (which does close the flow)
    c = Conv()
    c.handshake()
    c.pkt("c", "PA", data=b"request\n")
    c.pkt("s", "PA", 0, b"part one;")
    c.pkt("c", "R", raw_seq=(c.isn["c"] + 1 + 8 + 2**30) % 2**32, ack=False)
    c.pkt("s", "PA", data=b"part two")
    c.pkt("c", "A")
    c.pkt("c", "RA")
    write("rstwin", c.pkts)

    # window scaling (both SYNs carry the option, the server's window is
    # 1000 << 7): a RST 200000 bytes past the client's data is ignored,
    # one 100000 bytes past it is in the window and closes the flow
    c = Conv()
    c.handshake()
    c.pkts[0][TCP].options = [("WScale", 7)]
    c.pkts[1][TCP].options = [("WScale", 7)]
    c.pkt("c", "PA", data=b"request\n")
    c.pkt("s", "PA", data=b"answer")
    c.pkts[-1][TCP].window = 1000
    c.pkt("c", "R", raw_seq=(c.isn["c"] + 9 + 200000) % 2**32, ack=False)
    c.pkt("s", "PA", data=b" more")
    c.pkts[-1][TCP].window = 1000
    c.pkt("c", "R", raw_seq=(c.isn["c"] + 9 + 100000) % 2**32, ack=False)
    write("rstscale", c.pkts)

    # a bare SYN with a new ISN injected by the server mid-connection:
    # ignored, the response continues in the same flow
    c = Conv()
    c.handshake()
    c.pkt("c", "PA", data=b"request\n")
    c.pkt("s", "PA", data=b"first half;")
    c.pkt("s", "S", raw_seq=0x90000000, ack=False)
    c.pkt("s", "PA", data=b"second half")
    c.fin()
    write("syninject", c.pkts)

    # a new connection on the 4-tuple of one whose end was not captured:
    # its SYN is ignored at first, the server's SYN-ACK answering it makes
    # it a new flow after all
    a = Conv(cisn=1000, sisn=5000)
    a.handshake()
    a.pkt("c", "PA", data=b"first connection\n")
    a.pkt("s", "PA", data=b"reply one\n")
    b = Conv(cisn=900000, sisn=700000)
    b.t = a.t + 5
    b.handshake()
    b.pkt("c", "PA", data=b"second connection\n")
    b.pkt("s", "PA", data=b"reply two\n")
    b.fin()
    write("synconfirm", a.pkts + b.pkts)

    # one direction captured: the client's FIN, then a SYN whose ISN lies
    # past everything it sent (as TIME_WAIT accepts it): a new flow
    a = Conv(cisn=1000, sisn=5000)
    a.pkt("c", "S", raw_seq=a.isn["c"], ack=False)
    a.pkt("c", "A")
    a.pkt("c", "PA", data=b"first connection\n")
    a.pkt("c", "FA")
    b = Conv(cisn=1000 + 100000, sisn=7000)
    b.t = a.t + 1
    b.pkt("c", "S", raw_seq=b.isn["c"], ack=False)
    b.pkt("c", "A")
    b.pkt("c", "PA", data=b"second connection\n")
    write("syntimewait", a.pkts + b.pkts)

    # packets out of time order (tcpflow's test5-lines-randomized): the
    # client ACKs [0,20) before [0,10) comes; the hole waits for it.  A
    # hole acked and never filled, [20,30), is given up 2 s later, when
    # the client's next segment moves the clock on.
    c = Conv()
    c.handshake()
    c.pkt("c", "PA", data=b"request\n")
    c.pkt("s", "PA", 10, b"BBBBBBBBBB")
    c.pkt("c", "A")                              # ACKs 20: [0,10) missing
    c.pkt("s", "PA", 0, b"AAAAAAAAAA")           # ... but it comes
    c.pkt("s", "PA", 30, b"DDDDDDDDDD")
    c.pkt("c", "A")                              # ACKs 40: [20,30) missing
    c.pkt("c", "PA", data=b"more\n")             # within 2 s: waits
    c.t += 3
    c.pkt("c", "PA", data=b"later\n")            # 3 s on: [20,30) lost
    c.fin()
    write("ackfirst", c.pkts)

    # mid-stream start, one direction captured (tcpflow's
    # test1-out-of-order): the first segment seen is ahead of the second;
    # offset 0 is the second's, [90,100) is a hole.  Flow 2: the start
    # window ends after 8 segments; a segment before them is not placed.
    c = Conv(cisn=123456, sisn=654321)
    c.nxt = {"c": 500, "s": 800}
    c.pkt("s", "A", 100, b"second")
    c.pkt("s", "A", 0, b"f" * 90)
    d = Conv(cport=40001, cisn=123456, sisn=654321)
    d.t = c.t
    for i in range(8):
        d.pkt("s", "A", 100 + 10 * i, bytes([65 + i]) * 10)
    d.pkt("s", "A", 0, b"z" * 100)
    write("midorder", c.pkts + d.pkts)

    # a server's stale ISN: a bare FIN with sequence number 0 and a
    # SYN+ACK whose ISN it then changes before the client acknowledges
    # it (suricata-verify bug-3286, tcp-fastopen-10): the side re-bases
    # on the later SYN+ACK; once acknowledged, an old one is ignored
    c = Conv(cisn=1000, sisn=7000)
    c.pkt("c", "S", raw_seq=c.isn["c"], ack=False)
    c.pkt("s", "FA", raw_seq=0)
    c.pkt("s", "SA", raw_seq=7000)
    c.isn["s"] = 90000
    c.pkt("s", "SA", raw_seq=90000)
    c.pkt("c", "A")
    c.pkt("c", "PA", data=b"request")
    c.pkt("s", "PA", data=b"response one;")
    c.pkt("s", "SA", raw_seq=7000)
    c.pkt("s", "PA", data=b"two")
    c.fin()
    write("rebase", c.pkts)

    # retransmissions 5 s after both FINs (past the 2 s linger): a FIN
    # and the server's last data again; then, 100 s later, data past
    # the old sequence space: a new flow
    c = Conv()
    c.handshake()
    c.pkt("c", "PA", data=b"request")
    c.pkt("s", "PA", data=b"response")
    c.fin()
    c.t += 5
    c.pkt("c", "FA", rel=7)
    c.pkt("s", "PA", rel=0, data=b"response")
    c.pkt("c", "A")
    c.t += 100
    c.pkt("c", "PA", rel=5000, data=b"unrelated")
    write("timewait", c.pkts)

    # idle longer than -t, then more of the same connection (after a
    # 5-byte hole): it resumes; another connection idle as long goes on
    # with an unrelated sequence number, a third with a new SYN
    a = Conv(cport=40001)
    a.handshake()
    a.pkt("c", "PA", data=b"early;")
    a.pkt("s", "PA", data=b"reply;")
    b = Conv(cport=40002)
    b.t = a.t
    b.handshake()
    b.pkt("c", "PA", data=b"old")
    c = Conv(cport=40003)
    c.t = a.t
    c.handshake()
    c.pkt("c", "PA", data=b"first")
    a.t += 400
    a.pkt("c", "PA", rel=11, data=b"late")
    a.pkt("s", "PA", data=b"again")
    a.fin()
    b.t = a.t
    b.pkt("c", "PA", rel=3 + 2**30, data=b"other")
    d = Conv(cport=40003, cisn=777777, sisn=888888)
    d.t = a.t
    d.handshake()
    d.pkt("c", "PA", data=b"second")
    write("resume", sorted(a.pkts + b.pkts + c.pkts + d.pkts,
                           key=lambda p: p.time))

    # a sampled capture of a transfer longer than 4 GiB (zeek's FTP
    # bigtransfer): the server's data jumps ~1.8 GiB at a time, past the
    # 2^32 wrap, each time the client ACKs it first (ahead of any data
    # seen), less than 2 s apart: the holes wait while the stream moves
    # on more than 2^31 past the delivery point
    c = Conv(cisn=3000, sisn=2**32 - 100000)
    c.handshake()
    c.pkt("c", "PA", data=b"RETR big")
    c.pkt("s", "PA", data=b"start;")
    for i in range(1, 5):
        rel = i * 1900000000 + i
        c.t += 0.5
        c.nxt["s"] = rel
        c.pkt("c", "A")
        c.pkt("s", "PA", rel=rel, data=b"chunk%d;" % i)
    c.fin()
    write("wrapjump", c.pkts)


if __name__ == "__main__":
    main()
