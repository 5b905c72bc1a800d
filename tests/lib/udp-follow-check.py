#!/usr/bin/python3
"""udp-follow-check.py CAPTURE DIR [MAX]: compare the per-direction payload
files flowpcap -f payload -o DIR wrote (default tcpflow names) with
`tshark -z follow,udp,raw,N` for the first MAX UDP streams (default 20).
Prints one line per stream checked; exits 1 on any difference."""
import ipaddress, os, subprocess, sys

cap, d = sys.argv[1], sys.argv[2]
maxn = int(sys.argv[3]) if len(sys.argv) > 3 else 20


def tshark(*args):
    return subprocess.run(["tshark", "-r", cap] + list(args), check=True,
                          capture_output=True, text=True).stdout


def name(ep):
    addr, port = ep.rsplit(":", 1)
    addr = addr.strip("[]")
    a = ipaddress.ip_address(addr)
    if a.version == 4:
        s = ".".join("%03d" % int(x) for x in addr.split("."))
    else:
        s = a.compressed
    return "%s.%05d" % (s, int(port))


streams = sorted({int(x) for x in tshark("-T", "fields", "-e", "udp.stream").split()
                  if x.strip()})
bad = 0
for n in streams[:maxn]:
    out = tshark("-q", "-z", "follow,udp,raw,%d" % n)
    nodes, data = [None, None], [b"", b""]
    for line in out.splitlines():
        if line.startswith("Node 0: "):
            nodes[0] = name(line[8:])
        elif line.startswith("Node 1: "):
            nodes[1] = name(line[8:])
        elif nodes[1] is not None and line and not line.startswith("="):
            side = 1 if line.startswith("\t") else 0
            data[side] += bytes.fromhex(line.strip())
    for side in (0, 1):
        fn = os.path.join(d, "%s-%s" % (nodes[side], nodes[1 - side]))
        got = open(fn, "rb").read() if os.path.exists(fn) else b""
        ok = got == data[side]
        bad |= not ok
        print("%s stream %d %s %d bytes" % ("ok" if ok else "DIFF", n,
              os.path.basename(fn), len(data[side])))
sys.exit(1 if bad else 0)
