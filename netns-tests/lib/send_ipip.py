#!/usr/bin/env python3
"""send_ipip.py IFACE DST_MAC OUTER_SRC OUTER_DST INNER_SRC INNER_DST PORT SIZE
- send one IPv4-in-IPv4 frame out of IFACE (AF_PACKET), as the load balancer
would: the inner packet is a UDP datagram INNER_SRC:PORT -> INNER_DST:PORT
with SIZE bytes of payload. A frame larger than a page leaves AF_PACKET
non-linear (only the Ethernet header in the skb's linear part) and stays so
across a veth: the paged tunnel packet a real receives."""
import socket
import struct
import sys


def checksum(data):
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ipv4(src, dst, proto, payload):
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0, 0x4000, 64,
                         proto, 0, socket.inet_aton(src), socket.inet_aton(dst))
    csum = checksum(header)
    return header[:10] + struct.pack("!H", csum) + header[12:] + payload


iface, dst_mac, outer_src, outer_dst, inner_src, inner_dst = sys.argv[1:7]
port, size = int(sys.argv[7]), int(sys.argv[8])
udp = struct.pack("!HHHH", port, port, 8 + size, 0) + b"j" * size   # checksum 0: none
inner = ipv4(inner_src, inner_dst, socket.IPPROTO_UDP, udp)
outer = ipv4(outer_src, outer_dst, socket.IPPROTO_IPIP, inner)
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((iface, 0))
src_mac = s.getsockname()[4]
s.send(bytes.fromhex(dst_mac.replace(":", "")) + src_mac + struct.pack("!H", 0x0800) + outer)
