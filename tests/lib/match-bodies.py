#!/usr/bin/env python3
"""match-bodies.py [-q] MANIFEST DIR - which manifest bodies are in DIR?

MANIFEST is netns-capture.sh's manifest.tsv (url, sha256 of the decoded
body, gzip, bytes, sha256 of the wire body, client port, how).  Every
regular file under DIR (recursively) is hashed; each manifest body must be
matched by its own file whose sha256 is the decoded body's or (for gzip)
the wire body's.  Zero-byte bodies are not required (a tool may well write
no file for them) but are counted if present.

Prints "matched N of M (decoded D, wire W, empty bodies skipped E)" and,
unless -q, one "missing URL how port" line per body not found.  Exit 0
when every non-empty body matched, 1 otherwise.
"""
import collections
import hashlib
import os
import sys

EMPTY = hashlib.sha256(b"").hexdigest()


def main():
    args = sys.argv[1:]
    quiet = False
    if args and args[0] == "-q":
        quiet, args = True, args[1:]
    if len(args) != 2:
        sys.exit("usage: match-bodies.py [-q] MANIFEST DIR")
    manifest, d = args
    have = collections.Counter()
    for root, _, files in os.walk(d):
        for f in files:
            p = os.path.join(root, f)
            if os.path.isfile(p) and not os.path.islink(p):
                h = hashlib.sha256()
                with open(p, "rb") as fh:
                    for blk in iter(lambda: fh.read(1 << 20), b""):
                        h.update(blk)
                have[h.hexdigest()] += 1
    want = []
    for line in open(manifest):
        if line.startswith("#") or not line.strip():
            continue
        url, dec, gz, nbytes, wire, port, how = line.rstrip("\n").split("\t")[:7]
        want.append((url, dec, wire, port, how))
    matched = dec_n = wire_n = empty = 0
    missing = []
    # Bodies with no wire alternative first, so greedy matching is fair.
    for url, dec, wire, port, how in sorted(want, key=lambda w: w[2] not in ("-", w[1])):
        if dec == EMPTY and have[dec] == 0:
            empty += 1
            continue
        if have[dec] > 0:
            have[dec] -= 1
            matched += 1
            dec_n += 1
        elif wire not in ("-", dec) and have[wire] > 0:
            have[wire] -= 1
            matched += 1
            wire_n += 1
        else:
            missing.append((url, how, port))
    print("matched %d of %d (decoded %d, wire %d, empty bodies skipped %d)"
          % (matched, len(want) - empty, dec_n, wire_n, empty))
    if not quiet:
        for m in missing:
            print("missing %s %s port %s" % m)
    sys.exit(1 if missing else 0)


if __name__ == "__main__":
    main()
