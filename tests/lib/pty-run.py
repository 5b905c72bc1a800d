#!/usr/bin/env python3
# pty-run.py [-d delay] [-i secs] [-e tty|file] OUT ERR CMD...: run CMD with
# its standard error on a pseudo-terminal (-e tty, the default) or on the
# file ERR (-e file), and its standard output read slowly (a 64 KiB read
# every delay seconds, default 0.01) into OUT, so that a long run is
# shown as it goes.  -i secs: send SIGINT after secs.  The terminal's
# bytes go to ERR raw (the terminal turns "\n" into "\r\n").  Prints
# "rc ELAPSED" at the end.
import getopt, os, pty, select, signal, subprocess, sys, time

opts, args = getopt.getopt(sys.argv[1:], "d:i:e:")
o = dict(opts)
delay = float(o.get("-d", "0.01"))
intr = float(o.get("-i", "0"))
outname, errname, cmd = args[0], args[1], args[2:]
tty = o.get("-e", "tty") == "tty"
if tty:
    m, s = pty.openpty()
    errf = s
else:
    errf = open(errname, "wb")
t0 = time.monotonic()
p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=errf)
if tty:
    os.close(s)
else:
    errf.close()
err = b""
sent = False
fds = [p.stdout] + ([m] if tty else [])
with open(outname, "wb") as out:
    while True:
        r, _, _ = select.select(fds, [], [], 30)
        if not r:
            sys.exit("pty-run: no output for 30 s")
        if tty and m in r:
            try:
                err += os.read(m, 65536)
            except OSError:
                fds.remove(m)
        if p.stdout in r:
            d = os.read(p.stdout.fileno(), 65536)
            if not d:
                break
            out.write(d)
            time.sleep(delay)
        if intr and not sent and time.monotonic() - t0 > intr:
            p.send_signal(signal.SIGINT)
            sent = True
rc = p.wait()
while tty:
    r, _, _ = select.select([m], [], [], 0.2)
    try:
        d = os.read(m, 65536) if r else b""
    except OSError:
        d = b""
    if not d:
        break
    err += d
if tty:
    open(errname, "wb").write(err)
print(rc, "%.2f" % (time.monotonic() - t0))
