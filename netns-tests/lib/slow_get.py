#!/usr/bin/env python3
"""slow_get.py HOST PORT PATH OUT - an HTTP GET that reads its reply slowly
(16 KiB, then a pause), so TCP flow control keeps the connection open for
seconds: a long-lived flow for drain and restart tests. Writes the body to
OUT as it arrives; exits 0 when the whole body came."""
import socket
import sys
import time

host, port, path, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
family = socket.AF_INET6 if ":" in host else socket.AF_INET
s = socket.socket(family, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
s.settimeout(10)
s.connect((host, port))
s.sendall(f"GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n".encode())
data = b""
while b"\r\n\r\n" not in data:
    data += s.recv(4096)
head, _, body = data.partition(b"\r\n\r\n")
length = int([l for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")][0].split(b":")[1])
with open(out, "wb") as f:
    f.write(body)
    got = len(body)
    while got < length:
        chunk = s.recv(16384)
        if not chunk:
            sys.exit(f"connection closed after {got} of {length} bytes")
        f.write(chunk)
        f.flush()
        got += len(chunk)
        time.sleep(0.05)
