#!/usr/bin/env python3
"""console-peer.py - one scripted conversation, lock-step, for comparing
flowcat's tcpreen formats with tcpreen's own logs.

usage: console-peer.py server PORT      (listen on 127.0.0.1:PORT, one client)
       console-peer.py client PORT      (connect to 127.0.0.1:PORT)

Each side sends its next message only after it has received the other
side's whole message, so every message is one send, one TCP segment on
loopback and one read in tcpreen.  The client closes first.  Messages: an
FTP-like login (USER/PASS), a binary message with every byte value, a
line with control bytes.  Everything ends with a newline.
"""

import socket
import sys

SERVER = [
    b"220 flowkit test ready\r\n",
    b"331 password please\r\n",
    b"230 logged in\r\n",
    bytes(range(256)) + b"\n",
    b"221 bye\r\n",
]
CLIENT = [
    b"USER alice\r\n",
    b"PASS s3cr3t\r\n",
    b"BIN\r\n",
    b"a\x00b\x1b[31mc\x7fd\xe9 \"q\" \\ end\r\n",
]


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise SystemExit("console-peer: connection closed early")
        buf += chunk
    return buf


def main():
    role, port = sys.argv[1], int(sys.argv[2])
    if role == "server":
        ls = socket.socket()
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("127.0.0.1", port))
        ls.listen(1)
        ls.settimeout(20)
        print("ready", flush=True)
        s, _ = ls.accept()
        s.settimeout(20)
        for i, msg in enumerate(SERVER):
            if i > 0:
                recv_exact(s, len(CLIENT[i - 1]))
            s.sendall(msg)
        if s.recv(1) != b"":        # wait for the client's close
            raise SystemExit("console-peer: unexpected data")
        s.close()
    else:
        s = socket.create_connection(("127.0.0.1", port), timeout=20)
        for i, msg in enumerate(SERVER):
            recv_exact(s, len(msg))
            if i < len(CLIENT):
                s.sendall(CLIENT[i])
        s.close()


if __name__ == "__main__":
    main()
