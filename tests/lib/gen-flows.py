#!/usr/bin/env python3
"""Write synthetic pcaps with many TCP flows, fast (no scapy).

usage: gen-flows.py MODE N OUT.pcap [ROUNDS]

MODE
  synflood     N SYNs from distinct source ports/addresses, nothing else
  flows        N complete connections one after another: handshake, one
               data segment each way, FIN/ACK both ways
  interleaved  N connections all open at once: N handshakes, then ROUNDS
               (default 3) rounds of one client segment per connection,
               then all FINs -- every flow is live at the same time
  fragflood    N first fragments (MF set, offset 0) of IPv4 datagrams that
               never complete, all with distinct ids: reasm holds as many
               pending datagrams as it may (4096)
  front        one connection: 4095 one-byte segments 10 MB ahead (buffered,
               holes between them), then N one-byte segments in front of
               them, holes between them too (the first byte never comes)
  inorder      one connection: N + 4095 one-byte segments in order (what
               fragflood and front are compared with: as many packets)

Payload of connection i, round r: b"conn %d round %d\n".  Addresses are
from 10.0.0.0/8 (client) and 10.255.0.1 (server port 80): synthetic only,
never sent anywhere.
"""
import struct
import sys


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


ETH = bytes.fromhex("020000000002" "020000000001" "0800")


def packet(src, dst, sport, dport, seq, ack, flags, payload=b"",
           ident=0, frag=0x4000, total=None):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF,
                      ack & 0xFFFFFFFF, 5 << 4, flags, 65535, 0, 0) + payload
    if total is None:
        total = 20 + len(tcp)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, ident, frag, 64,
                     6, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ETH + ip + tcp


class Writer:
    def __init__(self, path):
        self.f = open(path, "wb", buffering=1 << 20)
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        self.t = 1700000000 * 1000000

    def put(self, frame):
        self.t += 10
        self.f.write(struct.pack("<IIII", self.t // 1000000, self.t % 1000000,
                                 len(frame), len(frame)) + frame)


SYN, FIN, RST, PSH, ACK = 0x02, 0x01, 0x04, 0x08, 0x10
SERVER = bytes([10, 255, 0, 1])


def client(i):
    return bytes([10, (i >> 16) & 0xFF, (i >> 8) & 0xFF, i & 0xFF]), 1024 + (i % 60000)


def main():
    mode, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    w = Writer(out)
    if mode == "synflood":
        for i in range(n):
            c, p = client(i)
            w.put(packet(c, SERVER, p, 80, i * 7919, 0, SYN))
    elif mode == "flows":
        for i in range(n):
            c, p = client(i)
            cs, ss = 1000, 5000
            w.put(packet(c, SERVER, p, 80, cs, 0, SYN))
            w.put(packet(SERVER, c, 80, p, ss, cs + 1, SYN | ACK))
            req = b"conn %d round 0\n" % i
            w.put(packet(c, SERVER, p, 80, cs + 1, ss + 1, PSH | ACK, req))
            rsp = b"reply %d\n" % i
            w.put(packet(SERVER, c, 80, p, ss + 1, cs + 1 + len(req), PSH | ACK, rsp))
            w.put(packet(c, SERVER, p, 80, cs + 1 + len(req), ss + 1 + len(rsp), FIN | ACK))
            w.put(packet(SERVER, c, 80, p, ss + 1 + len(rsp), cs + 2 + len(req), FIN | ACK))
            w.put(packet(c, SERVER, p, 80, cs + 2 + len(req), ss + 2 + len(rsp), ACK))
    elif mode == "interleaved":
        seq = [1001] * n
        for i in range(n):
            c, p = client(i)
            w.put(packet(c, SERVER, p, 80, 1000, 0, SYN))
            w.put(packet(SERVER, c, 80, p, 5000, 1001, SYN | ACK))
        for r in range(rounds):
            for i in range(n):
                c, p = client(i)
                data = b"conn %d round %d\n" % (i, r)
                w.put(packet(c, SERVER, p, 80, seq[i], 5001, PSH | ACK, data))
                seq[i] += len(data)
        for i in range(n):
            c, p = client(i)
            w.put(packet(c, SERVER, p, 80, seq[i], 5001, FIN | ACK))
            w.put(packet(SERVER, c, 80, p, 5001, seq[i] + 1, FIN | ACK))
    elif mode == "fragflood":
        for i in range(n):
            c = bytes([10, 0, (i >> 16) & 0xFF, 1])
            # the first 24 bytes of a 40-byte TCP segment: MF set
            f = packet(c, SERVER, 1234, 80, 1000, 0, ACK, b"x" * 16,
                       ident=i & 0xFFFF, frag=0x2000, total=20 + 24)
            w.put(f[:14 + 20 + 24])
    elif mode in ("front", "inorder"):
        c, p = client(0)
        w.put(packet(c, SERVER, p, 80, 1000, 0, SYN))
        w.put(packet(SERVER, c, 80, p, 5000, 1001, SYN | ACK))
        w.put(packet(c, SERVER, p, 80, 1001, 5001, ACK))
        if mode == "front":
            for k in range(4095):
                w.put(packet(c, SERVER, p, 80, 1001 + 10000000 + 2 * k, 5001,
                             ACK, b"F"))
            for k in range(1, n + 1):
                w.put(packet(c, SERVER, p, 80, 1001 + 2 * k, 5001, ACK, b"x"))
        else:
            for k in range(n + 4095):
                w.put(packet(c, SERVER, p, 80, 1001 + k, 5001, ACK, b"x"))
    else:
        sys.exit("unknown mode " + mode)
    w.f.close()


if __name__ == "__main__":
    main()
