#!/usr/bin/env python3
"""Opens COUNT HTTP/2 connections (h2c, prior knowledge) to HOST:PORT; on each: the preface and an empty SETTINGS,
one GET / read to its end, and the server's SETTINGS acknowledged; then prints "ready COUNT" and holds them, idle,
until its standard input closes (or SIGTERM). On any failure it prints "error MESSAGE" and exits 1.

usage: h2_idle_client.py HOST PORT COUNT
"""
import socket
import struct
import sys
import time

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
DATA, HEADERS, RST_STREAM, SETTINGS, GOAWAY = 0, 1, 3, 4, 7
END_STREAM, END_HEADERS, ACK = 0x1, 0x4, 0x1


def frame(kind: int, flags: int, stream: int, payload: bytes = b"") -> bytes:
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload


def request(authority: bytes) -> bytes:
    # HPACK: :method GET (static 2), :scheme http (6), :path / (4), :authority as a literal with indexing (name 1).
    block = b"\x82\x86\x84\x41" + bytes([len(authority)]) + authority
    return frame(HEADERS, END_STREAM | END_HEADERS, 1, block)


def settle(s: socket.socket) -> None:
    """Reads frames until stream 1 has ended, acknowledging the server's SETTINGS on the way."""
    buf, acked, done = b"", False, False
    while not (done and acked):
        chunk = s.recv(65536)
        if not chunk:
            raise ConnectionError("closed by the proxy")
        buf += chunk
        while len(buf) >= 9:
            length = int.from_bytes(buf[0:3], "big")
            if len(buf) < 9 + length:
                break
            kind, flags, stream = buf[3], buf[4], int.from_bytes(buf[5:9], "big") & 0x7FFFFFFF
            buf = buf[9 + length:]
            if kind == SETTINGS and not flags & ACK:
                s.sendall(frame(SETTINGS, ACK, 0))
                acked = True
            elif kind in (DATA, HEADERS) and stream == 1 and flags & END_STREAM:
                done = True
            elif kind in (RST_STREAM, GOAWAY):
                raise ConnectionError(f"frame type {kind} from the proxy")


def main() -> int:
    host, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    conns = []
    deadline = time.monotonic() + 90
    try:
        for _ in range(count):
            s = socket.create_connection((host, port), timeout=10)
            s.sendall(PREFACE + frame(SETTINGS, 0, 0) + request(b"bench"))
            settle(s)
            conns.append(s)
            if time.monotonic() > deadline:
                raise TimeoutError(f"only {len(conns)} of {count} settled within 90 s")
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
