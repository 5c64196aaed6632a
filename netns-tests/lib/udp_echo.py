#!/usr/bin/env python3
"""udp_echo.py NAME PORT - a UDP server (a DNS-like exchange) that answers
every datagram with "NAME <the datagram>"."""
import socket
import sys

name, port = sys.argv[1].encode(), int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", port))
while True:
    data, peer = s.recvfrom(2048)
    s.sendto(name + b" " + data, peer)
