#!/usr/bin/env python3
"""A cheap upstream for the idle-connection and start-up workloads.

Accepts as many connections as the fd limit allows, echoes whatever a connection sends (the harness sends one byte
per connection to prove it is proxied end to end) and otherwise just holds the socket. One thread, selectors/epoll,
no per-connection state beyond the socket object.

usage: idle_upstream.py HOST PORT      (prints "listening" once ready; exits on SIGTERM/SIGINT)
"""
import selectors
import signal
import socket
import sys


def main() -> int:
    host, port = sys.argv[1], int(sys.argv[2])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    listener.listen(4096)
    listener.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(listener, selectors.EVENT_READ, None)
    print("listening", flush=True)
    while True:
        for key, _ in sel.select(timeout=1.0):
            if key.data is None:
                for _ in range(512):  # bounded accept burst
                    try:
                        conn, _addr = listener.accept()
                    except (BlockingIOError, InterruptedError):
                        break
                    except OSError:  # EMFILE and friends: leave the rest in the backlog
                        break
                    conn.setblocking(False)
                    sel.register(conn, selectors.EVENT_READ, True)
                continue
            conn = key.fileobj
            try:
                data = conn.recv(65536)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            if not data:
                sel.unregister(conn)
                conn.close()
                continue
            try:
                conn.send(data)  # tiny echoes; a full send buffer just drops the excess, which the harness never hits
            except OSError:
                pass


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(0)
