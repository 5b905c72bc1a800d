#!/usr/bin/env python3
"""tshark-follow.py PCAP OUTDIR - reference TCP streams from tshark.

Runs `tshark -z follow,tcp,yaml,N` (out-of-order reassembly on) for every
TCP stream of PCAP and writes one file per stream direction into OUTDIR,
named like tcpflow: AAA.AAA.AAA.AAA.PPPPP-BBB.BBB.BBB.BBB.PPPPP (IPv6:
the compressed address, e.g. fd00:77::2.51972-fd00:77::1.08080).  A
direction that carried no bytes gets no file.  A later connection on the
same 4-tuple gets the suffix c1, c2, ... (as tcpflow does).

Prints "streams N files M bytes B" on stdout.  tshark's gap marker
"[N bytes missing in capture file]" is reported on stderr.
"""
import base64
import ipaddress
import os
import subprocess
import sys

BATCH = 200


def name(host, port):
    a = ipaddress.ip_address(host)
    if a.version == 4:
        h = ".".join("%03d" % int(x) for x in host.split("."))
    else:
        h = a.compressed
    return "%s.%05d" % (h, int(port))


def parse(text):
    """Yield (first_packet, [(host, port)]*2, {peer: [bytes...]}) per block."""
    blocks = []
    cur = None
    lines = text.split("\n")
    i = 0
    n = len(lines)
    while i < n:
        line = lines[i]
        if line == "peers:":
            cur = {"peers": [], "data": {0: [], 1: []}, "first": None}
            blocks.append(cur)
        elif line.startswith("    host: ") and cur is not None:
            cur["peers"].append([line[10:].strip(), None])
        elif line.startswith("    port: ") and cur is not None:
            cur["peers"][-1][1] = int(line[10:])
        elif line.startswith("  - packet: ") and cur is not None:
            pkt = int(line[12:])
            if cur["first"] is None:
                cur["first"] = pkt
        elif line.startswith("    peer: ") and cur is not None:
            peer = int(line[10:])
        elif line.startswith("    data: !!binary |") and cur is not None:
            b64 = []
            i += 1
            while i < n and lines[i].startswith("      "):
                b64.append(lines[i].strip())
                i += 1
            cur["data"][peer].append(base64.b64decode("".join(b64)))
            continue
        i += 1
    return blocks


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: tshark-follow.py PCAP OUTDIR")
    pcap, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    ids = subprocess.run(["tshark", "-r", pcap, "-Y", "tcp", "-T", "fields", "-e", "tcp.stream"],
                         check=True, capture_output=True, text=True).stdout.split()
    streams = sorted({int(x) for x in ids if x})
    blocks = []
    for k in range(0, len(streams), BATCH):
        cmd = ["tshark", "-r", pcap, "-o", "tcp.reassemble_out_of_order:TRUE", "-q"]
        for s in streams[k:k + BATCH]:
            cmd += ["-z", "follow,tcp,yaml,%d" % s]
        r = subprocess.run(cmd, check=True, capture_output=True, text=True)
        blocks += parse(r.stdout)
    blocks.sort(key=lambda b: b["first"] if b["first"] is not None else 1 << 62)
    seen = {}
    files = total = 0
    for b in blocks:
        if len(b["peers"]) != 2:
            continue
        n0, n1 = name(*b["peers"][0]), name(*b["peers"][1])
        key = tuple(sorted((n0, n1)))
        c = seen.get(key, 0)
        seen[key] = c + 1
        suffix = "c%d" % c if c else ""
        for peer, (src, dst) in ((0, (n0, n1)), (1, (n1, n0))):
            data = b"".join(b["data"][peer])
            if not data:
                continue
            if b"bytes missing in capture file]" in data:
                print("tshark-follow: %s-%s has a gap marker" % (src, dst), file=sys.stderr)
            with open(os.path.join(out, "%s-%s%s" % (src, dst, suffix)), "wb") as f:
                f.write(data)
            files += 1
            total += len(data)
    print("streams %d files %d bytes %d" % (len(blocks), files, total))


if __name__ == "__main__":
    main()
