#!/usr/bin/env python3
"""http_get.py HOST PORT LOCAL_PORT PATH - one HTTP GET from a fixed source
port; prints the body. Closes with a reset (SO_LINGER 0) so the client keeps
no TIME_WAIT state and the same source port (the same flow) can be used again
at once, which `curl --local-port` cannot do."""
import socket
import struct
import sys

host, port, local_port, path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
family = socket.AF_INET6 if ":" in host else socket.AF_INET
s = socket.socket(family, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
s.settimeout(3)
s.bind(("", local_port))
s.connect((host, port))
s.sendall(f"GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n".encode())
data = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
s.close()
head, _, body = data.partition(b"\r\n\r\n")
if not head.startswith(b"HTTP/1.0 200") and not head.startswith(b"HTTP/1.1 200"):
    sys.exit(f"unexpected reply: {head[:80]!r}")
sys.stdout.write(body.decode())
