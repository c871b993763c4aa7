#!/usr/bin/python3
"""channel_sim.py - simulator of the "example channel" HTTP API (tests/sim/README.md).

    /usr/bin/python3 tests/sim/channel_sim.py --port 0 --token T --webhook-secret S \
        --hub-url http://127.0.0.1:8080 --tenant demo --channel example [--seed N]

Prints "listening <port>" on stdout when ready; exits on SIGTERM/SIGINT or
when stdin reaches EOF (the test that started it died or closed the pipe).

Channel API (Authorization: Bearer <token> on every call):
  POST /v1/inventory   {"items":[{"sku","quantity"}]}            -> {"results":[...]}
  POST /v1/listings    {"items":[{"sku","listing":{...}}]}       -> {"results":[... "id":"L-n"]}
  GET  /v1/inventory[?skus=A,B]                                  -> {"items":[{"sku","quantity"}]}
Control plane for tests (no auth, no faults, not in the request log):
  POST /_control        knobs (sim_state.DEFAULT_KNOBS, seed, throttle_storm, set_quantity, webhook_url)
  POST /_control/order  {"order":{...}, "duplicates", "delay_ms", "signature", "event_id", "wait"}
  GET  /_state[?since=<seq>&log=0]   POST /_reset[?seed=N]
"""
import argparse
import json
import os
import signal
import socket
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sim_state import ControlError, State  # noqa: E402
from sim_webhooks import Delivery  # noqa: E402

MAX_BODY = 8 * 1024 * 1024
MALFORMED = b"<html><body>502 upstream hiccup</body></html"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "example-channel-sim/1.0"

    def setup(self):
        super().setup()
        st = self.server.state
        with st.lock:
            st.conn_seq += 1
            self.conn_no = st.conn_seq

    def log_message(self, fmt, *args):
        pass

    # ------------------------------------------------------------ plumbing
    def send(self, status, body, headers=None, ctype="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
        except OSError:
            self.close_connection = True  # the client went away (e.g. it timed out)

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n > MAX_BODY:
            self.close_connection = True
            return None
        return self.rfile.read(n) if n else b""

    def reset_connection(self):
        """Close with RST, answering nothing."""
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass
        self.close_connection = True

    def do_GET(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def do_PUT(self):
        self.dispatch()

    def do_DELETE(self):
        self.dispatch()

    def dispatch(self):
        url = urlsplit(self.path)
        body = self.read_body()
        if body is None:
            self.send(413, {"error": "body too large"})
            return
        if url.path.startswith("/_"):
            self.control_plane(url, body)
        else:
            self.api(url, body)

    # ------------------------------------------------------------ control plane
    def control_plane(self, url, body):
        st = self.server.state
        q = parse_qs(url.query)
        try:
            if url.path == "/_control" and self.command == "POST":
                self.send(200, {"knobs": st.control(json.loads(body or b"{}"))})
            elif url.path == "/_control/order" and self.command == "POST":
                spec = json.loads(body or b"{}")
                d = Delivery(st, spec).start()
                if spec.get("wait"):
                    d.done.wait(120)
                    self.send(200, d.summary())
                else:
                    self.send(202, {"event_id": d.event_id, "queued": True})
            elif url.path == "/_state" and self.command == "GET":
                since = int(q.get("since", ["0"])[0])
                self.send(200, st.snapshot(q.get("log", ["1"])[0] != "0", since))
            elif url.path == "/_reset" and self.command == "POST":
                st.reset(int(q.get("seed", ["0"])[0]))
                self.send(200, {"ok": True})
            else:
                self.send(404, {"error": f"no control endpoint {self.command} {url.path}"})
        except (ControlError, ValueError) as e:
            self.send(400, {"error": str(e)})

    # ------------------------------------------------------------ the channel API
    def api(self, url, body):
        st = self.server.state
        arrived = time.monotonic()
        entry = {"t": arrived, "wall": time.time(), "method": self.command, "path": url.path,
                 "skus": 0, "fault": None, "conn": self.conn_no}
        routes = {"/v1/inventory": ("GET", "POST"), "/v1/listings": ("POST",)}
        if url.path not in routes:
            return self.answer(entry, 404, {"error": f"no such endpoint {url.path}"})
        if self.command not in routes[url.path]:
            return self.answer(entry, 405, {"error": f"{self.command} not allowed on {url.path}"},
                               {"Allow": ", ".join(routes[url.path])})
        if self.headers.get("Authorization") != f"Bearer {st.token}":
            return self.answer(entry, 401, {"error": "invalid or missing bearer token"})

        items, err = None, None
        if self.command == "POST":
            try:
                doc = json.loads(body)
                items = doc.get("items") if isinstance(doc, dict) else None
                if not isinstance(items, list):
                    err = "body must be {\"items\": [...]}"
                elif isinstance(doc, dict) and set(doc) != {"items"}:
                    err = f"unknown field '{sorted(set(doc) - {'items'})[0]}'"
            except ValueError as e:
                err = f"body is not JSON: {e}"
            if items is not None and isinstance(items, list):
                entry["skus"] = len(items)

        with st.lock:
            fault, retry_after = st.decide()
            if fault in ("storm", "rate"):
                entry["fault"] = fault
                return self.answer(entry, 429, {"error": "rate limited"},
                                   {"Retry-After": str(retry_after)}, retry_after=retry_after, locked=True)
            if fault == "reset":
                entry["fault"] = fault
                entry["status"] = 0
                entry["answered"] = time.monotonic()
                st.record(entry)
                self.reset_connection()
                return None
            if fault == "error":
                entry["fault"] = fault
                return self.answer(entry, st.error_status(), {"error": "internal error, try again"},
                                   locked=True)
            if err is None and items is not None and len(items) > st.knobs["max_items"]:
                err = f"too many items: {len(items)} > {st.knobs['max_items']}"
            if err:
                return self.answer(entry, 400, {"error": err}, locked=True)
            # Effects happen on arrival, whatever becomes of the answer.
            if url.path == "/v1/listings":
                result = {"results": st.put_listings(items)}
            elif self.command == "POST":
                result = {"results": st.set_inventory(items)}
            else:
                skus = parse_qs(url.query).get("skus")
                wanted = [s for s in ",".join(skus).split(",") if s] if skus else None
                result = None
            latency = st.knobs["latency_ms"] / 1000.0
            hold = st.knobs["timeout_ms"] / 1000.0
        if result is None:
            result = {"items": st.get_inventory(wanted)}
            entry["skus"] = len(result["items"])
        if fault == "timeout":
            entry["fault"] = fault
            time.sleep(hold)
        elif latency:
            time.sleep(latency)
        if fault == "malformed":
            entry["fault"] = fault
            return self.answer(entry, 200, MALFORMED, ctype="text/html")
        return self.answer(entry, 200, result)

    def answer(self, entry, status, body, headers=None, retry_after=None, locked=False, ctype="application/json"):
        st = self.server.state
        if not locked:
            st.lock.acquire()
        try:
            h = st.rate_headers()
            h.update(headers or {})
            entry["status"] = status
            entry["answered"] = time.monotonic()
            if retry_after is not None:
                entry["retry_after"] = retry_after
                entry["wait_until"] = entry["answered"] + retry_after
            st.record(entry)
        finally:
            if not locked:
                st.lock.release()
        # Written outside the lock when we took it; under it otherwise (short).
        self.send(status, body, h, ctype)
        return None


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--token", default="sim-token")
    ap.add_argument("--webhook-secret", default="sim-webhook-secret")
    ap.add_argument("--hub-url", default="http://127.0.0.1:8080")
    ap.add_argument("--tenant", default="demo")
    ap.add_argument("--channel", default="example")
    ap.add_argument("--max-items", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    webhook_url = f"{a.hub_url.rstrip('/')}/t/{a.tenant}/{a.channel}/webhooks"
    srv = Server((a.host, a.port), Handler)
    srv.state = State(a.token, a.webhook_secret, webhook_url, a.max_items, a.seed)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    def watch_stdin():
        try:
            while sys.stdin.buffer.read(4096):
                pass
        except (OSError, ValueError):
            pass
        stop.set()

    if not sys.stdin.isatty():
        threading.Thread(target=watch_stdin, daemon=True).start()
    threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    print(f"listening {srv.server_address[1]}", flush=True)
    while not stop.wait(0.2):
        pass
    srv.shutdown()
    srv.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
