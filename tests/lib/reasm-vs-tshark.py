#!/usr/bin/env python3
"""reasm-vs-tshark.py - compare reasm's streams with tshark's follow output
on every corpus capture with TCP, against a table of known differences.

usage: reasm-vs-tshark.py [-j N] [--explain-new] [LIST GOLDEN KNOWN]
       reasm-vs-tshark.py -u | --add-missing [-j N] [LIST GOLDEN]

LIST names captures (paths relative to $FK_CORPUS), one a line, '#'
comments allowed; GOLDEN holds tshark's view of their streams, one TSV
row per stream direction with data (tshark-follow.py: capture, stream,
src, sport, dst, dport, md5, length, gap_bytes; a listed capture without
rows had no TCP payload for tshark); KNOWN is the table of known,
justified differences.  They default to tests/golden/reasm-tshark.list,
reasm-tshark.tsv and reasm-tshark-known.tsv.

Every capture is run once through `pcapcat -r CAP | reasm` (PATH must
hold them; N at a time, default 2; pcapcat may exit 3 on a damaged
capture and reasm 4 after it).  A direction is named by its sender and
receiver, tcpdump style, and its rank among the streams between the two
endpoints: "10.0.0.1.1024>10.0.0.2.80#0".  The k-th tshark stream
between two endpoints is matched with the k-th reasm flow between them
that carried data (or a gap).  A direction differs when its bytes, gaps
left out, have another md5 or length in reasm than in tshark, or when
only one of the two has it.  Gap byte counts may differ (tshark marks a
hole only when an ACK passes it).

KNOWN has one line per difference: capture, direction (or "*": every
direction of the capture), category, one-line reason; tab-separated,
'#' comments.  Categories in use are listed at the top of the file.
The captures of the categories vlan-keyed and vlan-one-way are run with
reasm -Q too, and must then match tshark in every direction.
Exit 1 when a difference is not in KNOWN (unexplained), a KNOWN entry
no longer differs (stale: remove it), so the table stays true, or a
corpus capture with TCP packets is not in LIST.

Regenerating after a change to reasm (one command):

    PATH=$PWD/build/bin:$PATH python3 tests/lib/reasm-vs-tshark.py --explain-new

prints the unexplained differences as candidate KNOWN lines, then the
stale entries as lines to delete.  The category is only guessed
(vlan-keyed, vlan-one-way, tunnel-keyed when reasm has several flows
between the two endpoints; tshark-drops-after-hole when tshark's bytes
are a prefix of ours, which have a gap; else unexplained): look at each before adding it, and give it its reason.

tshark's side: --add-missing runs tshark (tshark-follow.py, under nice,
N at a time) on every capture of $FK_CORPUS/MANIFEST.tsv with TCP
packets that LIST lacks, smallest first, adding each one to LIST and
GOLDEN as soon as it is done, so an interrupted run resumes where it
stopped; -u empties LIST and GOLDEN first, to redo them all (about 1.5
CPU seconds a capture, most of it tshark starting; an hour or more on a
busy 2-core machine).  `FK_UPDATE_GOLDEN=1 bats tests/30-reasm.bats`
runs -u.
"""

import collections
import concurrent.futures
import hashlib
import ipaddress
import os
import struct
import subprocess
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from fkrec import read_records, FLOW_OPEN, DATA, GAP  # noqa: E402

CORPUS = os.environ.get("FK_CORPUS", os.path.join(HERE, "../../../shared/corpus"))
GOLDEN = os.path.join(HERE, "../golden")
# categories whose differences must go away with reasm -Q
QCATS = ("vlan-keyed", "vlan-one-way")
DEFAULTS = [os.path.join(GOLDEN, n) for n in
            ("reasm-tshark.list", "reasm-tshark.tsv",
             "reasm-tshark-known.tsv")]


def addr(fam, raw):
    if fam == 4:
        return str(ipaddress.IPv4Address(raw[:4]))
    return str(ipaddress.IPv6Address(raw))


def norm(host):
    """tshark writes IPv4-mapped IPv6 as ::ffff:1.2.3.4; use one form."""
    return str(ipaddress.ip_address(host))


def captures(listfile):
    with open(listfile) as f:
        for ln in f:
            ln = ln.split("#", 1)[0].strip()
            if ln:
                yield ln


def dirname(src, dst, k):
    return "%s.%d>%s.%d#%d" % (src[0], src[1], dst[0], dst[1], k)


def ours(cap, args=()):
    """reasm's flows: [{"a": (host, port), "b": ..., 0: [bytes, gap],
    1: [...]}] in FLOW_OPEN order, and an error string or None."""
    p1 = subprocess.Popen(["pcapcat", "-r", os.path.join(CORPUS, cap)],
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    p2 = subprocess.Popen(["reasm"] + list(args), stdin=p1.stdout, stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL)
    p1.stdout.close()
    flows = collections.OrderedDict()
    for typ, _, body in read_records(p2.stdout):
        if typ == FLOW_OPEN:
            fid, _, fam = struct.unpack_from("<QQB", body)
            fl, v1, v2, pa, pb = struct.unpack_from("<HHHHH", body, 20)
            flows[fid] = {"a": (addr(fam, body[32:48]), pa),
                          "b": (addr(fam, body[48:64]), pb),
                          "vlan": (fl & 3, v1, v2), "tun": fl & 0x10,
                          0: [[], 0], 1: [[], 0]}
        elif typ == DATA:
            fid, d = struct.unpack_from("<QB", body)
            flows[fid][d][0].append(body[32:])
        elif typ == GAP:
            fid, d, _, _, n = struct.unpack_from("<QBB6xQQ", body)
            flows[fid][d][1] += n
    r2, r1 = p2.wait(), p1.wait()
    err = None
    if r1 not in (0, 3) or r2 not in (0, 4) or (r1 == 0 and r2 != 0):
        err = "pcapcat exit %d, reasm exit %d" % (r1, r2)
    out = []
    for f in flows.values():
        for d in (0, 1):
            f[d][0] = b"".join(f[d][0])
        out.append(f)
    return out, err


def guess(flows, f, d, tshark_len=None, tshark_md5=None):
    """A category for a difference, to be checked by a human."""
    data, gap = f[d]
    if len(flows) > 1:
        if len(set(g["vlan"] for g in flows)) > 1:
            if all(bool(g[0][0]) != bool(g[1][0]) for g in flows):
                return "vlan-one-way"
            return "vlan-keyed"
        if any(g["tun"] for g in flows):
            return "tunnel-keyed"
    if (tshark_len is not None and tshark_len < len(data) and
            hashlib.md5(data[:tshark_len]).hexdigest() == tshark_md5):
        return "tshark-drops-after-hole" if gap else "tshark-stops-early"
    return "unexplained"


def compare(cap, rows, args=()):
    """Differences of one capture: {direction: (kind, detail, guess)}."""
    flows, err = ours(cap, args)
    if err:
        return {"*": ("error", err, "unexplained")}
    byends = collections.defaultdict(list)
    for f in flows:
        if f[0][0] or f[1][0] or f[0][1] or f[1][1]:
            byends[frozenset((f["a"], f["b"]))].append(f)
    streams = collections.OrderedDict()
    for r in rows:
        streams.setdefault(int(r[1]), []).append(r)
    seen = collections.Counter()
    diff = {}
    used = set()
    for s, rs in streams.items():
        a = (norm(rs[0][2]), int(rs[0][3]))
        b = (norm(rs[0][4]), int(rs[0][5]))
        ends = frozenset((a, b))
        k = seen[ends]
        seen[ends] += 1
        f = byends[ends][k] if k < len(byends[ends]) else None
        if f is not None:
            used.add(id(f))
        got = {}
        for r in rs:
            src = (norm(r[2]), int(r[3]))
            dst = (norm(r[4]), int(r[5]))
            got[src] = r
            name = dirname(src, dst, k)
            if f is None:
                diff[name] = ("tshark-only", "stream %d: no reasm flow, "
                              "tshark %s bytes" % (s, r[7]), "unexplained")
                continue
            data, gap = f[0 if src == f["a"] else 1]
            md5 = hashlib.md5(data).hexdigest()
            if md5 == r[6] and len(data) == int(r[7]):
                continue
            tl = int(r[7])
            diff[name] = ("differs", "stream %d: reasm %d bytes (gaps %d), "
                          "tshark %d bytes (gaps %s)"
                          % (s, len(data), gap, tl, r[8]),
                          guess(byends[ends], f, 0 if src == f["a"] else 1,
                                tl, r[6]))
        if f is None:
            continue
        # a direction reasm has and tshark's stream has not
        for src, dst, d in ((f["a"], f["b"], 0), (f["b"], f["a"], 1)):
            if src not in got and f[d][0]:
                diff[dirname(src, dst, k)] = (
                    "reasm-only", "stream %d: reasm %d bytes, tshark none"
                    % (s, len(f[d][0])), guess(byends[ends], f, d))
    for ends, fl in byends.items():
        for k, f in enumerate(fl):
            if id(f) in used:
                continue
            for src, dst, d in ((f["a"], f["b"], 0), (f["b"], f["a"], 1)):
                if f[d][0]:
                    diff[dirname(src, dst, k)] = (
                        "reasm-only", "no tshark stream: reasm %d bytes"
                        % len(f[d][0]), guess(fl, f, d))
    return diff


def read_known(path):
    known = collections.OrderedDict()
    with open(path) as f:
        for n, ln in enumerate(f, 1):
            if not ln.strip() or ln.startswith("#"):
                continue
            r = ln.rstrip("\n").split("\t")
            if len(r) != 4 or not all(x.strip() for x in r):
                sys.exit("%s:%d: want capture, direction, category, reason"
                         % (path, n))
            known[(r[0], r[1])] = (r[2], r[3], n)
    return known


def manifest_captures():
    """The corpus captures with TCP packets, from MANIFEST.tsv."""
    with open(os.path.join(CORPUS, "MANIFEST.tsv")) as f:
        head = f.readline().rstrip("\n").split("\t")
        path, tcp = head.index("path"), head.index("tcp_packets")
        for ln in f:
            r = ln.rstrip("\n").split("\t")
            if r[tcp].isdigit() and int(r[tcp]) > 0:
                yield r[path]


def add_missing(listfile, golden, jobs):
    """Run tshark on the MANIFEST captures with TCP that LIST lacks,
    appending each one's rows to GOLDEN and its name to LIST as soon as
    it is done (an interrupted run loses nothing), then sort both."""
    have = set(captures(listfile))
    todo = sorted((c for c in manifest_captures() if c not in have),
                  key=lambda c: os.path.getsize(os.path.join(CORPUS, c)))
    lock = threading.Lock()

    def one(cap):
        out = subprocess.run(
            ["nice", sys.executable, os.path.join(HERE, "tshark-follow.py"),
             os.path.join(CORPUS, cap), cap],
            stdout=subprocess.PIPE, check=True,
            universal_newlines=True).stdout
        with lock:
            with open(golden, "a") as g:
                g.write(out)
            with open(listfile, "a") as li:
                li.write(cap + "\n")
            sys.stderr.write("tshark %s\n" % cap)
    with concurrent.futures.ThreadPoolExecutor(jobs) as ex:
        list(ex.map(one, todo))
    with open(listfile) as f:
        lines = f.readlines()
    head = [ln for ln in lines if ln.startswith("#")]
    with open(listfile, "w") as f:
        f.write("".join(head + sorted(set(lines) - set(head))))
    with open(golden) as f:
        rows = f.readlines()
    rows.sort(key=lambda r: (r.split("\t", 1)[0],
                             int(r.split("\t")[1])))
    with open(golden, "w") as f:
        f.write("".join(rows))


def main():
    args = sys.argv[1:]
    jobs, explain, upd = 2, False, None
    while args and args[0].startswith("-"):
        a = args.pop(0)
        if a == "-j":
            jobs = int(args.pop(0))
        elif a == "--explain-new":
            explain = True
        elif a == "-u":
            upd = "all"
        elif a == "--add-missing":
            upd = "missing"
        else:
            sys.exit(__doc__)
    args += DEFAULTS[len(args):]
    listfile, golden, knownfile = args[:3]
    if upd:
        if upd == "all":
            with open(listfile) as f:
                head = [ln for ln in f if ln.startswith("#")]
            with open(listfile, "w") as f:
                f.write("".join(head))
            open(golden, "w").close()
        add_missing(listfile, golden, jobs)
        return 0
    rows = collections.defaultdict(list)
    with open(golden) as f:
        for ln in f:
            r = ln.rstrip("\n").split("\t")
            rows[r[0]].append(r)
    known = read_known(knownfile)
    caps = list(captures(listfile))
    with concurrent.futures.ThreadPoolExecutor(jobs) as ex:
        diffs = list(ex.map(lambda c: compare(c, rows[c]), caps))
        # the VLAN categories say reasm -Q matches tshark: check it
        qcaps = sorted(set(c for (c, d), v in known.items()
                           if v[0] in QCATS))
        qdiffs = list(ex.map(lambda c: compare(c, rows[c], ["-Q"]), qcaps))
    qbad = [(c, d, v) for c, q in zip(qcaps, qdiffs) for d, v in q.items()]
    new, ndirs, nknown = [], 0, 0
    hit = set()
    for cap, diff in zip(caps, diffs):
        ndirs += len(rows[cap])
        for d, (kind, detail, guess) in diff.items():
            if (cap, d) in known:
                hit.add((cap, d))
            elif (cap, "*") in known:
                hit.add((cap, "*"))
            else:
                new.append((cap, d, kind, detail, guess))
                continue
            nknown += 1
    stale = [k for k in known if k not in hit]
    if explain:
        for cap, d, kind, detail, guess in new:
            print("%s\t%s\t%s\t%s: %s" % (cap, d, guess, kind, detail))
        for cap, d in stale:
            cat, why, n = known[(cap, d)]
            print("# stale, delete line %d: %s\t%s\t%s" % (n, cap, d, cat))
        return 0
    for cap, d, (kind, detail, _) in qbad:
        print("DIFFERS WITH -Q %s %s: %s: %s" % (cap, d, kind, detail))
    for cap, d, kind, detail, guess in new:
        print("UNEXPLAINED %s %s: %s: %s" % (cap, d, kind, detail))
    for cap, d in stale:
        cat, why, n = known[(cap, d)]
        print("STALE %s:%d: %s %s (%s) no longer differs"
              % (os.path.basename(knownfile), n, cap, d, cat))
    missing = [c for c in manifest_captures() if c not in set(caps)]
    for cap in missing:
        print("NOT COMPARED %s (no tshark golden yet: --add-missing)" % cap)
    print("%d captures, %d tshark directions, %d known differences, "
          "%d unexplained, %d stale, %d not compared"
          % (len(caps), ndirs, nknown, len(new), len(stale), len(missing)))
    return 1 if new or stale or missing or qbad else 0


if __name__ == "__main__":
    sys.exit(main())
