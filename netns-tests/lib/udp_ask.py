#!/usr/bin/env python3
"""udp_ask.py HOST PORT MESSAGE - send one datagram from a connected UDP
socket and print the answer. A connected socket only accepts datagrams from
HOST:PORT, so an answer proves the reply came back from the address asked
(a service's reverse NAT worked). Exits 1 on timeout or ICMP error."""
import socket
import sys

host, port, message = sys.argv[1], int(sys.argv[2]), sys.argv[3].encode()
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.connect((host, port))
s.send(message)
try:
    print(s.recv(2048).decode())
except OSError as e:   # timeout, or ECONNREFUSED from an ICMP unreachable
    sys.exit(f"udp_ask: {e}")
