#!/usr/bin/env python3
"""real_http.py NAME DIR PORT - a real server's HTTP service on [::]:PORT
(IPv4 too): GET serves the files of DIR like `python3 -m http.server`; POST
reads the whole body and answers "NAME LENGTH SHA256" so an upload can be
checked end to end. Requests are logged to stderr ("GET /big ...")."""
import functools
import hashlib
import http.server
import socket
import sys


class Handler(http.server.SimpleHTTPRequestHandler):
    def do_POST(self):
        left = int(self.headers.get("Content-Length", 0))
        digest, got = hashlib.sha256(), 0
        while left > 0:
            chunk = self.rfile.read(min(left, 1 << 16))
            if not chunk:
                break
            digest.update(chunk)
            got += len(chunk)
            left -= len(chunk)
        body = f"{self.server.name} {got} {digest.hexdigest()}\n".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class DualStackServer(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6

    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()


name, directory, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
server = DualStackServer(("::", port), functools.partial(Handler, directory=directory))
server.name = name
server.serve_forever()
