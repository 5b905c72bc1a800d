#!/usr/bin/env python3
"""dfxml-summary.py REPORT.xml: one sorted line per <fileobject> that has a
<filename> (directly, not the ones inside <byte_run>), for comparing the
reports of tcpflow -X and dfxmlgen:

    BASENAME FILESIZE FAMILY SRC SRCPORT DST DSTPORT MD5

Works with and without tcpflow's namespace; MD5 is "-" when missing."""
import os
import sys
import xml.etree.ElementTree as ET


def local(tag):
    return tag.rsplit("}", 1)[-1]


def child(e, name):
    for c in e:
        if local(c.tag) == name:
            return c
    return None


def main():
    root = ET.parse(sys.argv[1]).getroot()
    out = []
    for fo in root.iter():
        if local(fo.tag) != "fileobject":
            continue
        fn = child(fo, "filename")
        tf = child(fo, "tcpflow")
        if fn is None or tf is None:
            continue
        md5 = "-"
        for c in fo:
            if local(c.tag) == "hashdigest" and c.get("type") == "MD5":
                md5 = c.text.strip()
        a = tf.attrib
        out.append(" ".join([os.path.basename(fn.text or ""),
                             child(fo, "filesize").text.strip(),
                             a.get("family", "-"), a.get("src_ipn", "-"),
                             a.get("srcport", "-"), a.get("dst_ipn", "-"),
                             a.get("dstport", "-"), md5]))
    for line in sorted(out):
        print(line)


main()
