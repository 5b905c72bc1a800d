#!/usr/bin/python3
"""framed.py FILE: decode flowpcap's framed format (flowpcap(1)): one line
per frame, "ts_ns length flow_id dir payload-hex"; exits 1 if the file
does not end on a frame boundary."""
import struct, sys

b = open(sys.argv[1], "rb").read()
i = 0
while i < len(b):
    if len(b) - i < 16:
        sys.exit("%s: %d bytes left, short frame header" % (sys.argv[1], len(b) - i))
    ts, n, sid = struct.unpack_from("<QII", b, i)
    i += 16
    if len(b) - i < n:
        sys.exit("%s: frame of %d bytes cut" % (sys.argv[1], n))
    print(ts, n, sid & 0x7fffffff, sid >> 31, b[i:i + n].hex())
    i += n
