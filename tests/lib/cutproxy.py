#!/usr/bin/env python3
"""cutproxy.py - a TCP proxy on 127.0.0.1 that cuts connections mid-transfer.

  cutproxy.py PORTFILE TARGET_PORT CUT_AFTER CUTS [stall]

Listens on a free port (written to PORTFILE), forwards to 127.0.0.1:TARGET_PORT, and for
the first CUTS connections that carry more than CUT_AFTER bytes from the server, closes
both sides after CUT_AFTER bytes: a registry link that drops in the middle of a layer.
A file PORTFILE.cuts counts the cuts made. With "stall", a cut connection stays open and
silent instead (a transfer that hangs mid-layer). Test tooling only; loopback only.
"""
import socket
import sys
import threading

portfile, target, cut_after, cuts = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
stall = sys.argv[5:] == ["stall"]
lock = threading.Lock()
state = {"cuts": 0}


def pump(src, dst, limit):
    sent = 0
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            if limit is not None:
                with lock:
                    cutting = state["cuts"] < cuts
                if cutting and sent + len(data) > cut_after:
                    dst.sendall(data[: cut_after - sent])
                    with lock:
                        state["cuts"] += 1
                        open(portfile + ".cuts", "w").write(str(state["cuts"]))
                    while stall and src.recv(65536):
                        pass
                    break
            dst.sendall(data)
            sent += len(data)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def serve(client):
    upstream = socket.create_connection(("127.0.0.1", target))
    threading.Thread(target=pump, args=(client, upstream, None), daemon=True).start()
    pump(upstream, client, cut_after)


ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", 0))
ls.listen(16)
with open(portfile + ".tmp", "w") as f:
    f.write(str(ls.getsockname()[1]))
import os

os.rename(portfile + ".tmp", portfile)
while True:
    c, _ = ls.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
