#!/usr/bin/env python3
"""relay-peer.py - clients and servers for tests/65-flowrelay.bats.

Addresses: tcp:HOST:PORT (IPv4 or IPv6, port after the last colon; port 0
picks one) or unix:PATH.  Everything runs under a 30 s alarm.

relay-peer.py server KIND ADDR PORTFILE [N]
    Listen on ADDR; when listening, write the port (or path) to PORTFILE
    (atomically).  Serve N connections (default 1), each in a thread,
    then exit.  KIND:
      echo       send back everything read, until EOF; then close
      halfclose  read until EOF, then reply "got N bytes SHA256" and close
      rst        read one chunk, reply "bye", then reset (SO_LINGER 0)
      slowecho   echo, but with a listen backlog of 1 and one accept
                 every 0.2 s: connects beyond the backlog must wait
relay-peer.py dial KIND ADDR
    Be the server, but connect to ADDR (flowrelay -l) instead of listening.
relay-peer.py client KIND ADDR [ARG]
    Connect to ADDR (or, with ADDR listen:PORTFILE:ADDR, listen there and
    take one connection: flowrelay -c).  KIND:
      echo SIZE  send SIZE pseudo-random bytes (default 100000) while
                 reading the echo; check it; print "ok SIZE"
      halfclose  send 5000 bytes, shutdown(SHUT_WR), read to EOF; print the
                 reply, and "ok" if it matches
      reset      send "hello", read to EOF; print "reset" or "eof"
      hold FILE  send "hi", read the echo, write "ready" to FILE, then
                 read to EOF (until the relay closes); print "closed"
      limit      send 10000 bytes while reading; print how many bytes came
                 back before the relay closed (EOF or reset)
      two        the -F 1 test: client 1 connects and gets an echo; client
                 2 connects and sends "second"; client 1 closes; client 2
                 then gets its echo; print "ok"
"""

import hashlib
import os
import random
import signal
import socket
import struct
import sys
import threading
import time


def parse(addr):
    kind, _, rest = addr.partition(":")
    if kind == "unix":
        return socket.AF_UNIX, rest
    host, _, port = rest.rpartition(":")
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    return fam, (host, int(port))


def listener(addr, portfile, backlog=16):
    fam, sa = parse(addr)
    s = socket.socket(fam, socket.SOCK_STREAM)
    if fam != socket.AF_UNIX:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(sa)
    s.listen(backlog)
    name = s.getsockname()
    val = name if fam == socket.AF_UNIX else str(name[1])
    with open(portfile + ".tmp", "w") as f:
        f.write(val + "\n")
    os.rename(portfile + ".tmp", portfile)
    return s


def dial(addr):
    fam, sa = parse(addr)
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.connect(sa)
    return s


def read_all(c):
    buf = bytearray()
    while True:
        b = c.recv(65536)
        if not b:
            return bytes(buf)
        buf += b


def serve(kind, c):
    try:
        if kind in ("echo", "slowecho"):
            while True:
                b = c.recv(65536)
                if not b:
                    break
                c.sendall(b)
        elif kind == "halfclose":
            data = read_all(c)
            c.sendall(b"got %d bytes %s\n" % (
                len(data), hashlib.sha256(data).hexdigest().encode()))
        elif kind == "rst":
            c.recv(65536)
            c.sendall(b"bye")
            c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                         struct.pack("ii", 1, 0))
    except OSError:
        pass
    finally:
        c.close()


def server(kind, addr, portfile, n=1):
    s = listener(addr, portfile, 1 if kind == "slowecho" else 16)
    threads = []
    for _ in range(n):
        if kind == "slowecho":
            time.sleep(0.2)
        c, _ = s.accept()
        t = threading.Thread(target=serve, args=(kind, c))
        t.start()
        threads.append(t)
    for t in threads:
        t.join()


def payload(n, seed=1):
    r = random.Random(seed)
    if hasattr(r, "randbytes"):      # Python 3.9: ~100x faster than per byte
        return r.randbytes(n)
    return bytes(r.getrandbits(8) for _ in range(n))


def pump(c, data):
    """Send data while reading; return what came back until EOF."""
    got = bytearray()
    err = []

    def reader():
        try:
            while True:
                b = c.recv(65536)
                if not b:
                    return
                got.extend(b)
        except OSError as e:
            err.append(e)

    t = threading.Thread(target=reader)
    t.start()
    try:
        c.sendall(data)
        c.shutdown(socket.SHUT_WR)
    except OSError:
        pass
    t.join()
    return bytes(got), err


def client(kind, addr, arg=None):
    if addr.startswith("listen:"):
        _, portfile, real = addr.split(":", 2)
        s = listener(real, portfile)
        c, _ = s.accept()
        s.close()
    else:
        c = dial(addr)
    if kind == "echo":
        n = int(arg or 100000)
        data = payload(n)
        got, err = pump(c, data)
        if got != data or err:
            print("mismatch: sent %d, got %d %s" % (n, len(got), err))
            return 1
        print("ok %d" % n)
    elif kind == "halfclose":
        data = payload(5000, 2)
        c.sendall(data)
        c.shutdown(socket.SHUT_WR)
        reply = read_all(c)
        want = b"got 5000 bytes %s\n" % hashlib.sha256(data).hexdigest().encode()
        sys.stdout.write(reply.decode())
        print("ok" if reply == want else "bad")
    elif kind == "reset":
        try:
            c.sendall(b"hello")
            read_all(c)
            print("eof")
        except (ConnectionResetError, BrokenPipeError):
            print("reset")
    elif kind == "hold":
        c.sendall(b"hi")
        assert c.recv(2) == b"hi"
        with open(arg + ".tmp", "w") as f:
            f.write("ready\n")
        os.rename(arg + ".tmp", arg)
        try:
            read_all(c)
        except OSError:
            pass
        print("closed")
    elif kind == "limit":
        got, err = pump(c, payload(10000, 3))
        print(len(got))
    elif kind == "two":
        c.sendall(b"first")
        assert c.recv(5) == b"first"
        c2 = dial(addr)
        c2.sendall(b"second")
        c.close()
        c2.shutdown(socket.SHUT_WR)
        got = read_all(c2)
        print("ok" if got == b"second" else "bad %r" % got)
    c.close()
    return 0


def main():
    signal.alarm(30)
    a = sys.argv[1:]
    if a[0] == "server":
        server(a[1], a[2], a[3], int(a[4]) if len(a) > 4 else 1)
        return 0
    if a[0] == "dial":
        serve(a[1], dial(a[2]))
        return 0
    if a[0] == "client":
        return client(a[1], a[2], a[3] if len(a) > 3 else None)
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
