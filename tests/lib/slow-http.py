#!/usr/bin/env python3
"""slow-http.py PORT [SIZE] - an HTTP server on 127.0.0.1:PORT that answers
every request with "Content-Length: SIZE" (default 10,000,000) and sends
the body 100 KB every 0.1 s, so a pipeline capturing it can be interrupted
in the middle of a body.  It exits after 60 s."""
import socket, sys, threading, time

size = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000_000
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(5)
s.settimeout(60)


def serve(c):
    c.recv(1000)
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
              b"Content-Length: %d\r\n\r\n" % size)
    try:
        left = size
        while left > 0:
            n = min(left, 100_000)
            c.sendall(b"z" * n)
            left -= n
            time.sleep(0.1)
    except OSError:
        pass
    c.close()


end = time.time() + 60
while time.time() < end:
    try:
        c, _ = s.accept()
    except OSError:
        break
    threading.Thread(target=serve, args=(c,), daemon=True).start()
