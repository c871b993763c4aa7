"""Helpers to run the Shopify simulator (tests/sim/shopify/) from a test.

    from shopify_sim import ShopifySim, WebhookSink
    sim = ShopifySim(tmp_path, hub_url="http://127.0.0.1:8080/t/demo/shopify/webhooks")
    sim.gql("{ shop { name } }")            -> (http status, headers, json)
    sim.control(latency_ms=50)               sim.order([{"sku": "A", "quantity": 1}], wait=True)
    sim.state()                              sim.stop()

WebhookSink is a loopback HTTP server standing in for the hub's webhook route: it
records every delivery (headers and raw bytes) and answers the statuses a test scripts.
"""
import http.client
import json
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from conftest import SRC

PYTHON = "/usr/bin/python3"


class ShopifySim:
    def __init__(self, root: Path, hub_url="", token="shpat_test", webhook_secret="whsec-test",
                 shop="demo-shop.myshopify.com", plan=None, api_versions=None, extra=()):
        self.token, self.webhook_secret, self.shop = token, webhook_secret, shop
        cmd = [PYTHON, "-m", "tests.sim.shopify", "--port", "0", "--shop", shop, "--token", token,
               "--webhook-secret", webhook_secret, "--hub-url", hub_url]
        if plan:
            cmd += ["--plan", plan]
        if api_versions:
            cmd += ["--api-versions", api_versions]
        cmd += list(extra)
        self.log = open(Path(root) / "shopify_sim.log", "ab")
        self.proc = subprocess.Popen(cmd, cwd=str(SRC), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.log)
        line = self.proc.stdout.readline().decode()
        if not line.startswith("listening "):
            self.proc.kill()
            raise AssertionError(f"shopify sim did not start: {line!r} (see {root}/shopify_sim.log)")
        self.port = int(line.split()[1])
        self.url = f"http://127.0.0.1:{self.port}"

    def call(self, method, path, body=None, headers=None, raw=None, timeout=60):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
            conn.request(method, path, body=data, headers=headers or {})
            r = conn.getresponse()
            text = r.read()
            try:
                doc = json.loads(text)
            except ValueError:
                doc = text
            return r.status, {k.lower(): v for k, v in r.getheaders()}, doc
        finally:
            conn.close()

    def gql(self, query, variables=None, version="2026-04", token=None, headers=None):
        h = {"Content-Type": "application/json",
             "X-Shopify-Access-Token": self.token if token is None else token}
        if token is False:
            del h["X-Shopify-Access-Token"]
        h.update(headers or {})
        return self.call("POST", f"/admin/api/{version}/graphql.json",
                         {"query": query, "variables": variables or {}}, h)

    def data(self, query, variables=None, version="2026-04"):
        """The `data` of a query that must succeed (HTTP 200, no top-level errors)."""
        st, _, doc = self.gql(query, variables, version)
        assert st == 200 and "errors" not in doc, f"{st} {doc}"
        return doc["data"]

    def _ok(self, method, path, body=None):
        st, _, doc = self.call(method, path, body)
        assert 200 <= st < 300, f"sim {method} {path} -> {st} {doc}"
        return doc

    def control(self, **knobs):
        return self._ok("POST", "/_control", knobs)["knobs"]

    def order(self, lines, wait=True, **opts):
        return self._ok("POST", "/_control/order", dict(opts, lines=lines, wait=wait))

    def cancel(self, order_id, restock=True, wait=True):
        return self._ok("POST", "/_control/cancel", {"order_id": order_id, "restock": restock, "wait": wait})

    def set_inventory(self, sku, quantity, wait=True, **opts):
        return self._ok("POST", "/_control/set_inventory", dict(opts, sku=sku, quantity=quantity, wait=wait))

    def state(self, log=False):
        return self._ok("GET", f"/_state?log={1 if log else 0}")

    def reset(self):
        return self._ok("POST", "/_reset")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.log.close()


class WebhookSink:
    """Records deliveries; `script` is a list of statuses answered in turn (then `default`),
    `hold_s` delays every answer."""

    def __init__(self, default=200):
        self.got, self.script, self.default, self.hold_s = [], [], default, 0.0
        self.lock = threading.Lock()
        sink = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n)
                with sink.lock:
                    status = sink.script.pop(0) if sink.script else sink.default
                    sink.got.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                                     "body": body, "status": status, "t": time.monotonic()})
                if sink.hold_s:
                    time.sleep(sink.hold_s)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.srv.daemon_threads = True
        threading.Thread(target=self.srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.srv.server_address[1]}/t/demo/shopify/webhooks"

    def topics(self):
        with self.lock:
            return [g["headers"]["x-shopify-topic"] for g in self.got]

    def of(self, topic):
        with self.lock:
            return [g for g in self.got if g["headers"]["x-shopify-topic"] == topic]

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()
