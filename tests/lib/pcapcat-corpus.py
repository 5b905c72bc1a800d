#!/usr/bin/env python3
"""pcapcat-corpus.py - run pcapcat on every capture of the corpus MANIFEST
and check it against the manifest (capinfos/tshark numbers).

usage: pcapcat-corpus.py MANIFEST.tsv CORPUSDIR [TAG]

For every row with format != text (or only rows tagged TAG):
  - pcapcat must exit 0 or 3 (never crash: no signal, no sanitizer exit);
  - exit 3 must come with a message "pcapcat: FILE: offset N: ...";
  - a file tagged truncated or corrupt must exit 3;
  - the PACKET count must equal the manifest's `packets` column, except
    for files tshark cannot read (unsupported-by-tshark) and the KNOWN
    divergences below.
Prints one line per failure and exits 1 if there was any.
"""
import csv
import io
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fkrec import read_records, PACKET  # noqa: E402

# Files where pcapcat and tshark (wiretap) count differently, on purpose.
KNOWN = {
    # Wireshark guesses a non-standard pcap variant for these damaged
    # files and reads different records; pcapcat reads the standard
    # layout (as libpcap does) up to the damage.
    "pcaps/pcapplusplus/fuzz_regression_samples/"
    "crash-exception-cast-constructed-record": 2,
    "pcaps/suricata-verify/bug-6875-01/fuzz.pcap": 1,
    # pcap 2.3 with caplen > len: libpcap swaps the two, and so the
    # "truncated" packet fits; wiretap does not swap.
    "pcaps/pcapplusplus/fuzz_regression_samples/"
    "clusterfuzz-testcase-minimized-FuzzTarget-5766899836387328": 1,
}
DAMAGE_TAGS = ("truncated", "corrupt", "not-pcap-magic")


def main():
    manifest, corpus = sys.argv[1], sys.argv[2]
    tag = sys.argv[3] if len(sys.argv) > 3 else None
    fails = n = 0
    with open(manifest) as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    for r in rows:
        if r["format"] == "text":
            continue
        tags = r["tags"].split(",")
        if tag and tag not in tags:
            continue
        n += 1
        path = os.path.join(corpus, r["path"])
        p = subprocess.run(["pcapcat", "-r", path], capture_output=True)
        err = p.stderr.decode("utf-8", "replace")
        bad = []
        if p.returncode not in (0, 3):
            bad.append("exit %d" % p.returncode)
        if p.returncode == 3 and ("pcapcat: %s: offset " % path) not in err:
            bad.append("exit 3 without 'FILE: offset N:' message")
        if p.returncode == 0 and err:
            bad.append("stderr not empty")
        if any(t in tags for t in DAMAGE_TAGS) and p.returncode != 3 \
                and r["path"] not in KNOWN:
            bad.append("damaged file, exit %d" % p.returncode)
        try:
            got = sum(1 for t, _, _ in read_records(io.BytesIO(p.stdout))
                      if t == PACKET)
        except ValueError as e:
            bad.append("bad record stream: %s" % e)
            got = -1
        want = KNOWN.get(r["path"], int(r["packets"] or 0))
        if "unsupported-by-tshark" not in tags and got != want:
            bad.append("packets %d, manifest %d" % (got, want))
        if bad:
            fails += 1
            print("FAIL %s: %s: %s" % (r["path"], "; ".join(bad),
                                      err.strip()[:200]))
    print("checked %d captures, %d failures" % (n, fails))
    return 1 if fails or n == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
