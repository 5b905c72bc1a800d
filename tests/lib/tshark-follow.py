#!/usr/bin/env python3
"""tshark-follow.py - per-stream, per-direction bytes of a capture as
tshark sees them (`-z follow,tcp,yaml,N`, out-of-order reassembly on).

usage: tshark-follow.py CAPTURE [NAME]

Prints one TSV row per stream direction that carried data:
  NAME stream src_host src_port dst_host dst_port md5 length gap_bytes
md5/length are over the data with tshark's gap markers
("[N bytes missing in capture file]\\0" chunks) removed; gap_bytes is the
sum of their N.  Used to (re)generate tests/golden/reasm-tshark.tsv.
"""

import base64
import hashlib
import re
import subprocess
import sys

MARK = re.compile(rb"^\[(\d+) bytes missing in capture file\]\x00$")


def tshark(args):
    return subprocess.run(["tshark", "-n", "-o",
                           "tcp.reassemble_out_of_order:TRUE"] + args,
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                          check=False).stdout


FIRST = 50      # streams followed by the first run (more cost a run per 50)


def follow_args(ids):
    args = []
    for s in ids:
        args += ["-z", "follow,tcp,yaml,%d" % s]
    return args


def first_run(cap):
    """One tshark run: the frames with TCP payload and their stream
    (printed first), then the follow sections of streams 0..FIRST-1
    (those without data come out empty).  Returns the streams with
    data, frame number -> stream, and the sections."""
    out = tshark(["-r", cap, "-Y", "tcp.len > 0", "-T", "fields",
                  "-e", "frame.number", "-e", "tcp.stream"]
                 + follow_args(range(FIRST)))
    k = out.find(b"peers:\n")
    fields, rest = (out, b"") if k < 0 else (out[:k], out[k:])
    frame = {}
    for ln in fields.decode().split("\n"):
        f = ln.split("\t")
        if len(f) == 2 and f[0].strip() and f[1].strip():
            frame[int(f[0])] = int(f[1].split(",")[0])
    return sorted(set(frame.values())), frame, parse(rest)


def parse(text):
    """Yield (peers, [(peer, bytes)]) for each follow section."""
    peers, chunks, cur = {}, [], None
    sections = []
    lines = text.decode("utf-8", "replace").split("\n")
    i = 0
    state = None
    while i < len(lines):
        ln = lines[i]
        if ln.startswith("peers:"):
            if state is not None:
                sections.append((peers, chunks))
            peers, chunks, state = {}, [], "peers"
        elif ln.startswith("  - peer:"):
            p = int(ln.split(":")[1])
            host = lines[i + 1].split(":", 1)[1].strip()
            port = int(lines[i + 2].split(":", 1)[1])
            peers[p] = (host, port)
            i += 2
        elif ln.startswith("  - packet:"):
            cur = {"peer": None, "data": b"",
                   "frame": int(ln.split(":")[1])}
            chunks.append(cur)
        elif ln.startswith("    peer:") and cur is not None:
            cur["peer"] = int(ln.split(":")[1])
        elif ln.startswith("    data: !!binary |"):
            b64 = []
            while i + 1 < len(lines) and lines[i + 1].startswith("      "):
                i += 1
                b64.append(lines[i].strip())
            cur["data"] = base64.b64decode("".join(b64))
        elif ln.startswith("    data: "):
            cur["data"] = ln[len("    data: "):].strip().strip('"').encode()
        i += 1
    if state is not None:
        sections.append((peers, chunks))
    return sections


def main():
    cap = sys.argv[1]
    name = sys.argv[2] if len(sys.argv) > 2 else cap
    ids, frame, secs = first_run(cap)
    if len(secs) != FIRST:
        sys.stderr.write("%s: %d follow sections for %d streams\n"
                         % (cap, len(secs), FIRST))
        sys.exit(1)
    runs = [(secs, [s for s in ids if s < FIRST])]
    later = [s for s in ids if s >= FIRST]
    # one tshark run per batch of 50 more streams (each -z is its own tap)
    for k in range(0, len(later), 50):
        batch = later[k:k + 50]
        runs.append((parse(tshark(["-r", cap, "-q"] + follow_args(batch))),
                     batch))
    for secs, batch in runs:
        if batch is not runs[0][1] and len(secs) != len(batch):
            sys.stderr.write("%s: %d follow sections for %d streams\n"
                             % (cap, len(secs), len(batch)))
            sys.exit(1)
        # tshark prints the sections in no particular order: find each
        # one's stream from a frame number it lists
        bystream = {}
        for peers, chunks in secs:
            fr = [c["frame"] for c in chunks if c["frame"] in frame]
            if fr:
                bystream[frame[fr[0]]] = (peers, chunks)
            elif chunks:
                sys.stderr.write("%s: a follow section of no stream\n"
                                 % cap)
                sys.exit(1)
        for s in batch:
            if s not in bystream:
                continue    # payload tshark's follow does not show
            peers, chunks = bystream[s]
            for p in (0, 1):
                data, gap = b"", 0
                for c in chunks:
                    if c["peer"] != p:
                        continue
                    m = MARK.match(c["data"])
                    if m:
                        gap += int(m.group(1))
                    else:
                        data += c["data"]
                if not data and not gap:
                    continue
                src, dst = peers[p], peers[1 - p]
                print("\t".join(str(x) for x in (
                    name, s, src[0], src[1], dst[0], dst[1],
                    hashlib.md5(data).hexdigest(), len(data), gap)))


if __name__ == "__main__":
    main()
