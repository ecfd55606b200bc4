#!/usr/bin/env python3
"""ptyrun.py - run a command on a fresh pty (its controlling terminal) and drive it.

    ptyrun.py [--size ROWSxCOLS] [--stdin TEXT|--stdin-null] STEP... -- CMD [ARG...]

Steps, in order:
    expect:REGEX    wait (20 s) until the output since the last match matches REGEX
    send:TEXT       type TEXT (Python escapes: \\n, \\x03 ...)
    resize:RxC      set the pty's window size (the kernel sends SIGWINCH to the command)
    sleep:SECONDS
    kill:SIGNAME    send a signal to the command
Then wait (30 s) for the command to exit. Prints the output (\\r dropped) and at the end
"EXIT N" (or "EXIT timeout", "TIMEOUT /REGEX/") and "TERMIOS same" or "TERMIOS differ":
the terminal's settings after the command exited against those before it started.
With --stdin the command's stdin is a pipe carrying TEXT (then closed), --stdin-null
/dev/null: only stdout and stderr are the pty. The exit status is the command's (99
when an expect timed out).
"""
import fcntl
import os
import re
import select
import signal
import struct
import sys
import termios
import time


def set_size(fd, rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def main():
    args = sys.argv[1:]
    size, stdin, steps = (24, 80), None, []
    while args and args[0] != "--":
        a = args.pop(0)
        if a == "--size":
            r, c = args.pop(0).split("x")
            size = (int(r), int(c))
        elif a == "--stdin":
            stdin = args.pop(0).encode().decode("unicode_escape").encode()
        elif a == "--stdin-null":
            stdin = b""
        else:
            steps.append(a)
    cmd = args[1:]
    master, slave = os.openpty()
    set_size(master, *size)
    before = termios.tcgetattr(slave)
    rpipe = wpipe = None
    if stdin is not None:
        rpipe, wpipe = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        os.dup2(rpipe if rpipe is not None else slave, 0)
        os.dup2(slave, 1)
        os.dup2(slave, 2)
        try:
            os.execvp(cmd[0], cmd)
        finally:
            os._exit(127)
    if rpipe is not None:
        os.close(rpipe)
        os.write(wpipe, stdin)
        os.close(wpipe)

    out = bytearray()
    mark = 0
    status = None

    def pump(timeout):
        nonlocal status
        r, _, _ = select.select([master], [], [], timeout)
        if r:
            try:
                out.extend(os.read(master, 65536))
            except OSError:
                pass
        if status is None:
            p, st = os.waitpid(pid, os.WNOHANG)
            if p == pid:
                status = os.waitstatus_to_exitcode(st)

    rc = None
    for s in steps:
        kind, _, arg = s.partition(":")
        if kind == "expect":
            rx = re.compile(arg.encode())
            end = time.time() + 20
            while True:
                m = rx.search(bytes(out).replace(b"\r", b""), mark)
                if m:
                    mark = m.end()
                    break
                if time.time() > end:
                    rc = 99
                    break
                pump(0.1)
            if rc:
                print("TIMEOUT /%s/" % arg)
                break
        elif kind == "send":
            os.write(master, arg.encode().decode("unicode_escape").encode("latin-1"))
        elif kind == "resize":
            r, c = arg.split("x")
            set_size(master, int(r), int(c))
        elif kind == "kill":
            os.kill(pid, getattr(signal, arg))
        elif kind == "sleep":
            end = time.time() + float(arg)
            while time.time() < end:
                pump(0.05)
    end = time.time() + 30
    while status is None and time.time() < end:
        pump(0.1)
    if status is None:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    # What is still buffered: the slave stays open here, so no EIO; stop at silence.
    while select.select([master], [], [], 0.2)[0]:
        chunk = os.read(master, 65536)
        if not chunk:
            break
        out.extend(chunk)
    after = termios.tcgetattr(slave)
    sys.stdout.write(bytes(out).replace(b"\r", b"").decode("utf-8", "replace"))
    print()
    print("EXIT %s" % ("timeout" if status is None else status))
    print("TERMIOS %s" % ("same" if before == after else "differ"))
    if rc is None:
        rc = 98 if status is None else status
    sys.exit(rc)


main()
