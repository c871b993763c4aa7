#!/usr/bin/python3
"""http_echo.py - a small HTTP/1.1 keep-alive test server for the outbound client.

Listens on 127.0.0.1 (port 0 = ephemeral unless given as argv[1]), prints the
port on stdout, and exits when stdin reaches EOF (the test process died or
closed the pipe) or on SIGTERM.

Paths (any method):
  /echo                 200; body = the request body byte for byte;
                        X-Method, X-Body-Len, X-Req-<name> for each request header
  /delay?ms=N           sleeps N ms, then 200 "slept N"
  /status?code=N[&retry_after=S]
                        status N, Retry-After: S when given, body "status N",
                        plus X-Mixed-Case: "  Some Value  " and two Set-Cookie
  /bytes?n=N[&chunked=1]
                        N bytes, byte i = i % 251 (NULs included), with a
                        Content-Length or chunked
  /count-connections    body = connections accepted so far (decimal)
  /redirect             302 to /status?code=200
Every response carries X-Conn: <number of the connection it came on>.
"""
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

_lock = threading.Lock()
_connections = 0


def _pattern(n):
    block = bytes(i % 251 for i in range(251))
    return (block * (n // 251 + 1))[:n]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        global _connections
        super().setup()
        with _lock:
            _connections += 1
            self.conn_no = _connections

    def log_message(self, fmt, *args):
        pass

    def __getattr__(self, name):
        # do_GET, do_POST, do_PURGE, ...: every method goes to one place.
        if name.startswith("do_"):
            return self.dispatch
        raise AttributeError(name)

    def _read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _send(self, code, body, headers=()):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("X-Conn", str(self.conn_no))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def dispatch(self):
        try:
            self._dispatch()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _dispatch(self):
        url = urlsplit(self.path)
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        body = self._read_body()
        if url.path == "/echo":
            hdrs = [("X-Method", self.command), ("X-Body-Len", str(len(body)))]
            for k, v in self.headers.items():
                hdrs.append(("X-Req-" + k, v))
            self._send(200, body, hdrs)
        elif url.path == "/delay":
            ms = int(q.get("ms", "0"))
            time.sleep(ms / 1000.0)
            self._send(200, b"slept %d" % ms)
        elif url.path == "/status":
            code = int(q.get("code", "200"))
            hdrs = [("X-Mixed-Case", "  Some Value  "), ("Set-Cookie", "a=1"),
                    ("Set-Cookie", "b=2")]
            if "retry_after" in q:
                hdrs.append(("Retry-After", q["retry_after"]))
            self._send(code, b"status %d" % code, hdrs)
        elif url.path == "/bytes":
            n = int(q.get("n", "0"))
            data = _pattern(n)
            if q.get("chunked") == "1":
                self.send_response(200)
                self.send_header("Transfer-Encoding", "chunked")
                self.send_header("X-Conn", str(self.conn_no))
                self.end_headers()
                for i in range(0, n, 65536):
                    part = data[i:i + 65536]
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
                self.wfile.write(b"0\r\n\r\n")
            else:
                self._send(200, data)
        elif url.path == "/count-connections":
            with _lock:
                n = _connections
            self._send(200, str(n).encode())
        elif url.path == "/redirect":
            self._send(302, b"moved", [("Location", "/status?code=200")])
        else:
            self._send(404, b"no such path")


def _watch_stdin():
    try:
        while sys.stdin.buffer.read(4096):
            pass
    finally:
        os._exit(0)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    srv = Server(("127.0.0.1", port), Handler)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    threading.Thread(target=_watch_stdin, daemon=True).start()
    sys.stdout.write("%d\n" % srv.server_address[1])
    sys.stdout.flush()
    srv.serve_forever()


if __name__ == "__main__":
    main()
