#!/usr/bin/env python3
"""httpsplit-vs-tshark.py - httpsplit's bodies against tshark's export objects.

usage: httpsplit-vs-tshark.py [-u [-j N] | -v] GOLDEN KNOWN [CAPTURE...]

Regenerate the golden file (tshark is slow: one command, run once, when
tshark or the corpus changes):

    FK_UPDATE_GOLDEN=1 bats tests/60-httpsplit.bats -f 'export objects'
  or
    python3 tests/lib/httpsplit-vs-tshark.py -u \\
        tests/golden/httpsplit-tshark.tsv tests/golden/httpsplit-tshark-known.tsv

The captures are those of $FK_CORPUS/MANIFEST.tsv tagged "http" (or the
CAPTUREs given, paths relative to $FK_CORPUS).

With -u, GOLDEN is rewritten from
    nice tshark -r CAP -o tcp.reassemble_out_of_order:TRUE \\
        --export-objects http,DIR -q
(-j N such runs at a time, default 1): one line per exported object,
    capture  sha256  size  tshark's file name
and one "capture - 0 -" line for a capture tshark found no object in, so
every capture looked at is listed.

Otherwise GOLDEN is compared with `pcapcat -r CAP | reasm | httpsplit -q -o
DIR` (PATH must hold them) for every capture in GOLDEN.  Bodies are matched
by sha256 (the names differ).  tshark's export objects hold the de-chunked
and decoded (gzip, deflate, br) entity of every request and response
with a body, the same as httpsplit's final names; a .partial file of
httpsplit never counts as a match.  Empty bodies are left out on both
sides.  Every body found by one side only is a difference:
    capture  side  sha256  size  name
with side "tshark" (tshark exported it, httpsplit has no complete body with
those bytes) or "httpsplit".  Each must be explained by a line of KNOWN:
    capture  side  sha256  category  reason  [size and name, for the reader]
(sha256 "*" covers every difference of that capture and side).  Exit 1 on
a difference KNOWN does not explain, and on a KNOWN line that matches no
difference (it no longer holds: remove it).  -v prints every difference
with its explanation.
"""

import collections
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.environ.get("FK_CORPUS",
                        os.path.join(HERE, "../../../shared/corpus"))
EMPTY = hashlib.sha256(b"").hexdigest()


def tagged(tag):
    with open(os.path.join(CORPUS, "MANIFEST.tsv")) as f:
        next(f)
        for ln in f:
            c = ln.rstrip("\n").split("\t")
            if len(c) > 10 and tag in c[10].split(","):
                yield c[0]


def sha256(path):
    h = hashlib.sha256()
    n = 0
    with open(path, "rb") as fh:
        for blk in iter(lambda: fh.read(1 << 20), b""):
            h.update(blk)
            n += len(blk)
    return h.hexdigest(), n


def files(d):
    for root, _, names in os.walk(d):
        for f in sorted(names):
            p = os.path.join(root, f)
            if os.path.isfile(p) and not os.path.islink(p):
                yield os.path.relpath(p, d), p


def tshark_start(cap, d):
    return subprocess.Popen(
        ["nice", "tshark", "-r", os.path.join(CORPUS, cap),
         "-o", "tcp.reassemble_out_of_order:TRUE",
         "--export-objects", "http," + d, "-q"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)


def tshark_lines(cap, d):
    out = []
    for rel, p in files(d):
        h, n = sha256(p)
        out.append((cap, h, str(n), rel.replace("\t", " ")
                    .replace("\n", " ")))
    if not out:
        out.append((cap, "-", "0", "-"))
    return out


def update(golden, caps, jobs):
    tmp = tempfile.mkdtemp(prefix="hs-tshark.")
    lines = []
    running = collections.OrderedDict()
    todo = list(caps)
    i = 0
    try:
        while todo or running:
            while todo and len(running) < jobs:
                cap = todo.pop(0)
                d = os.path.join(tmp, str(i))
                i += 1
                running[cap] = (tshark_start(cap, d), d)
            cap = next(iter(running))
            p, d = running.pop(cap)
            p.wait()
            lines.extend(tshark_lines(cap, d))
            shutil.rmtree(d, ignore_errors=True)
            sys.stderr.write("\r%d/%d " % (i - len(running), len(caps)))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    sys.stderr.write("\n")
    with open(golden + ".new", "w") as f:
        f.write("# capture\tsha256\tsize\ttshark's name"
                " (tests/lib/httpsplit-vs-tshark.py -u)\n")
        for ln in lines:
            f.write("\t".join(ln) + "\n")
    os.rename(golden + ".new", golden)


def read_tsv(path):
    with open(path) as f:
        for ln in f:
            if ln.startswith("#") or not ln.strip():
                continue
            yield ln.rstrip("\n").split("\t")


def ours(cap, d):
    """sha256 -> (size, name) of httpsplit's complete bodies; and all
    hashes of its files (partial and raw ones too, for the report)."""
    p1 = subprocess.Popen(["pcapcat", "-r", os.path.join(CORPUS, cap)],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    p2 = subprocess.Popen(["reasm"], stdin=p1.stdout, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL)
    p3 = subprocess.Popen(["httpsplit", "-q", "-o", d], stdin=p2.stdout,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    p1.stdout.close()
    p2.stdout.close()
    err = p3.communicate()[1]
    codes = (p1.wait(), p2.wait(), p3.returncode)
    # 3 and 4: a damaged or cut capture; its bodies still count
    if any(c not in (0, 3, 4) for c in codes):
        raise RuntimeError("%s: exit %s: %s" % (cap, codes, err.decode(
            "utf-8", "replace")))
    final, other = {}, {}
    for rel, p in files(d):
        if "-HTTPBODY-" not in os.path.basename(rel):
            continue		# the -HTTP header files
        h, n = sha256(p)
        if h == EMPTY:
            continue
        if rel.endswith((".raw", ".partial", ".encoded")):
            other.setdefault(h, (n, rel))
        else:
            final.setdefault(h, (n, rel))
    return final, other


def main():
    args = sys.argv[1:]
    upd, verbose, jobs = False, False, 1
    while args and args[0].startswith("-"):
        a = args.pop(0)
        if a == "-u":
            upd = True
        elif a == "-v":
            verbose = True
        elif a == "-j":
            jobs = int(args.pop(0))
        else:
            sys.exit(__doc__)
    if len(args) < 2:
        sys.exit(__doc__)
    golden, known = args[0], args[1]
    caps = args[2:]
    if upd:
        update(golden, caps or sorted(set(tagged("http"))), jobs)
        return 0

    want = collections.OrderedDict()
    for c in read_tsv(golden):
        cap, h, n, name = c[0], c[1], c[2], c[3]
        want.setdefault(cap, {})
        if h not in ("-", EMPTY):
            want[cap].setdefault(h, (int(n), name))
    if caps:
        want = collections.OrderedDict((c, want[c]) for c in caps)
    expl = {}
    for c in read_tsv(known):
        expl[(c[0], c[1], c[2])] = [c[3], c[4], 0]

    diffs = []
    tmp = tempfile.mkdtemp(prefix="hs-ours.")
    try:
        for i, (cap, theirs) in enumerate(want.items()):
            d = os.path.join(tmp, str(i))
            final, other = ours(cap, d)
            shutil.rmtree(d, ignore_errors=True)
            for h, (n, name) in theirs.items():
                if h not in final:
                    how = ""
                    if h in other:
                        how = " (ours: %s)" % other[h][1]
                    diffs.append((cap, "tshark", h, n, name + how))
            for h, (n, name) in final.items():
                if h not in theirs:
                    diffs.append((cap, "httpsplit", h, n, name))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    bad = explained = 0
    for cap, side, h, n, name in diffs:
        e = expl.get((cap, side, h)) or expl.get((cap, side, "*"))
        if e:
            e[2] += 1
            explained += 1
            if verbose:
                print("known\t%s\t%s\t%s\t%d\t%s\t%s: %s"
                      % (cap, side, h, n, name, e[0], e[1]))
        else:
            bad += 1
            print("DIFF\t%s\t%s\t%s\t%d\t%s" % (cap, side, h, n, name))
    for (cap, side, h), (cat, why, used) in expl.items():
        if not used and cap in want:
            bad += 1
            print("STALE\t%s\t%s\t%s\t%s\t%s" % (cap, side, h, cat, why))
    print("note: %d captures, %d tshark objects, %d differences, %d explained,"
          " %d failures" % (len(want), sum(len(v) for v in want.values()),
                            len(diffs), explained, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
