#!/usr/bin/env python3
"""Opens COUNT connections to HOST:PORT, sends one byte on each and waits for its echo (so every connection is proxied
end to end), prints "ready COUNT" and then holds them, idle, until its standard input closes (or SIGTERM).
On any failure it prints "error MESSAGE" and exits 1.

usage: idle_client.py HOST PORT COUNT
"""
import socket
import sys
import time


def main() -> int:
    host, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    conns = []
    deadline = time.monotonic() + 60
    try:
        for _ in range(count):
            s = socket.create_connection((host, port), timeout=10)
            s.sendall(b"x")
            conns.append(s)
            if time.monotonic() > deadline:
                raise TimeoutError(f"only {len(conns)} of {count} connected within 60 s")
        for i, s in enumerate(conns):
            s.settimeout(max(0.1, deadline + 30 - time.monotonic()))
            if s.recv(1) != b"x":
                raise ConnectionError(f"connection {i}: no echo (closed by the proxy?)")
    except Exception as error:  # noqa: BLE001 - report whatever went wrong to the harness
        print(f"error {type(error).__name__}: {error} after {len(conns)} connections", flush=True)
        return 1
    print(f"ready {len(conns)}", flush=True)
    sys.stdin.read()  # hold until the harness closes our stdin
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(0)
