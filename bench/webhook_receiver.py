#!/usr/bin/env python3
"""A loopback webhook receiver for bench/webhooks.sh: answers 204 to every POST on any path
(HTTP/1.1 keep-alive, one thread per connection) and counts them; GET /count prints
"<posts> <first_ns> <last_ns>" (time.monotonic_ns of the first and last POST).
Usage: webhook_receiver.py PORT"""
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
state = {"n": 0, "first": 0, "last": 0}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        length = int(self.headers.get("content-length", "0"))
        self.rfile.read(length)
        now = time.monotonic_ns()
        with lock:
            if state["n"] == 0:
                state["first"] = now
            state["n"] += 1
            state["last"] = now
        self.send_response(204)
        self.send_header("content-length", "0")
        self.end_headers()

    def do_GET(self):
        with lock:
            body = f'{state["n"]} {state["first"]} {state["last"]}\n'.encode()
        self.send_response(200)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
