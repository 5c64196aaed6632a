#!/usr/bin/env python3
"""udp_sink.py ADDR PORT - receive UDP datagrams on ADDR:PORT and print the
length of each, one a line."""
import socket
import sys

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
while True:
    data = s.recv(65536)
    print(len(data), flush=True)
