#!/usr/bin/env python3
"""pipeline-client.py HOST PORT URL_LABEL_PREFIX PATH...

A tiny HTTP/1.1 pipelining client (curl cannot pipeline): it sends every
request for PATH... in ONE write on one connection (the last one with
"Connection: close"), then reads the responses back to back.  A path
prefixed with "gz:" is requested with "Accept-Encoding: gzip".

Prints one manifest line per response on stdout, tab separated:
  url  sha256(decoded body)  gzip(yes|no)  bytes(decoded)  sha256(wire body)  client_port  how
"""
import gzip
import hashlib
import socket
import sys


def read_response(f):
    status = f.readline()
    if not status:
        return None
    headers = {}
    while True:
        line = f.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        k, _, v = line.decode("latin-1").partition(":")
        headers[k.strip().lower()] = v.strip()
    body = b""
    if headers.get("transfer-encoding", "").lower() == "chunked":
        parts = []
        while True:
            size = int(f.readline().split(b";")[0].strip(), 16)
            if size == 0:
                while f.readline() not in (b"\r\n", b"\n", b""):
                    pass
                break
            parts.append(f.read(size))
            f.readline()
        body = b"".join(parts)
    elif "content-length" in headers:
        body = f.read(int(headers["content-length"]))
    else:
        body = f.read()
    return status, headers, body


def main():
    host, port, prefix = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    paths = sys.argv[4:]
    reqs = []
    for i, p in enumerate(paths):
        gz = p.startswith("gz:")
        p = p[3:] if gz else p
        last = i == len(paths) - 1
        hdr = "GET %s HTTP/1.1\r\nHost: %s:%d\r\nUser-Agent: fk-pipeline/1\r\n" % (p, host, port)
        if gz:
            hdr += "Accept-Encoding: gzip\r\n"
        hdr += "Connection: %s\r\n\r\n" % ("close" if last else "keep-alive")
        reqs.append((p, hdr))
    s = socket.create_connection((host, port), timeout=30)
    cport = s.getsockname()[1]
    s.sendall("".join(h for _, h in reqs).encode())
    f = s.makefile("rb")
    for p, _ in reqs:
        r = read_response(f)
        if r is None:
            sys.exit("pipeline-client: connection closed early at %s" % p)
        status, headers, wire = r
        if b" 200 " not in status:
            sys.exit("pipeline-client: %s: %r" % (p, status))
        isgz = headers.get("content-encoding", "") == "gzip"
        body = gzip.decompress(wire) if isgz else wire
        print("\t".join([prefix + p, hashlib.sha256(body).hexdigest(),
                         "yes" if isgz else "no", str(len(body)),
                         hashlib.sha256(wire).hexdigest(), str(cport), "pipelined"]))
    s.close()


if __name__ == "__main__":
    main()
