"""Helpers for the sync end-to-end tests: the example channel simulator
(tests/sim/channel_sim.py) as a fixture, a tenant whose example channel
speaks HTTP to it, signed webhooks, the admin socket, and reading the hub's
numbers back with hubctl.

Use:  from sim_fixtures import sim, http_tenant, ...   (the `sim` fixture
needs conftest's `hub`).
"""
import base64
import hashlib
import hmac
import http.client
import json
import os
import random
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from conftest import SRC, wait_for

PYTHON = "/usr/bin/python3"
SIM = SRC / "tests" / "sim" / "channel_sim.py"
SAN = os.environ.get("HUB_SAN") == "1"


class Sim:
    """A running channel_sim.py: control plane and channel state over HTTP."""

    def __init__(self, root: Path, hub_url, tenant="demo", channel="example", seed=0,
                 token=None, webhook_secret=None, max_items=100):
        rnd = random.Random(seed)
        self.token = token or f"tok-{rnd.getrandbits(64):016x}"
        self.webhook_secret = webhook_secret or f"whs-{rnd.getrandbits(64):016x}"
        self.log = open(root / "sim.log", "ab")
        self.proc = subprocess.Popen(
            [PYTHON, str(SIM), "--port", "0", "--token", self.token, "--webhook-secret",
             self.webhook_secret, "--hub-url", hub_url, "--tenant", tenant, "--channel", channel,
             "--seed", str(seed), "--max-items", str(max_items)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log)
        line = self.proc.stdout.readline().decode()
        if not line.startswith("listening "):
            self.proc.kill()
            raise AssertionError(f"channel_sim did not start: {line!r}")
        self.port = int(line.split()[1])
        self.url = f"http://127.0.0.1:{self.port}"

    def call(self, method, path, body=None, headers=None, timeout=150):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            data = json.dumps(body).encode() if body is not None else None
            conn.request(method, path, body=data, headers=headers or {})
            r = conn.getresponse()
            text = r.read()
            try:
                doc = json.loads(text)
            except ValueError:
                doc = text
            return r.status, doc
        finally:
            conn.close()

    def _ok(self, method, path, body=None):
        st, doc = self.call(method, path, body)
        assert 200 <= st < 300, f"sim {method} {path} -> {st} {doc}"
        return doc

    def control(self, **knobs):
        return self._ok("POST", "/_control", knobs)["knobs"]

    def order(self, order, wait=True, **opts):
        """Make the sim send an order webhook; with wait, its delivery records."""
        return self._ok("POST", "/_control/order", {"order": order, "wait": wait, **opts})

    def state(self, log=True, since=0):
        return self._ok("GET", f"/_state?log={1 if log else 0}&since={since}")

    def inventory(self):
        return self.state(log=False)["inventory"]

    def api_log(self):
        return self.state()["log"]

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


@pytest.fixture
def sim(hub):
    s = Sim(hub.root, f"http://127.0.0.1:{hub.port}", tenant=hub.tenant)
    yield s
    s.stop()


# ------------------------------------------------------------------ tenant and catalog

def http_tenant(hub, sim, channel_extra="", tenant_extra="", timeout="2s", mode="live"):
    """The tenant's example channel in HTTP mode against `sim`; secrets by file."""
    (hub.root / "token").write_text(sim.token + "\n")
    (hub.root / "webhook_secret").write_text(sim.webhook_secret + "\n")
    hub.write_tenant(f"""[tenant]
currency = EUR
buffer = 0
{tenant_extra}
[channel example]
plugin = example
mode = {mode}
url = {sim.url}
token = file:{hub.root / 'token'}
webhook_secret = file:{hub.root / 'webhook_secret'}
timeout = {timeout}
{channel_extra}
""")


def make_catalog(path: Path, products=4, variants=3, stock=50, seed=1):
    """A small JSON Lines catalog; returns its SKUs.  stock: int or callable(rnd)."""
    rnd = random.Random(seed)
    skus = []
    with open(path, "w") as f:
        for p in range(products):
            vs = []
            for v in range(variants):
                sku = f"T{p:02d}-{v:02d}"
                skus.append(sku)
                q = stock(rnd) if callable(stock) else stock
                vs.append({"sku": sku, "options": {"size": str(36 + v)}, "price": 1000 + 10 * p,
                           "currency": "EUR", "stock": {"default": q}})
            f.write(json.dumps({"id": f"prod-{p}", "title": f"Test product {p}", "options": ["size"],
                                "status": "active", "variants": vs}) + "\n")
    return skus


def catalog_skus(path: Path):
    return [v["sku"] for line in path.read_text().splitlines() if line.strip()
            for v in json.loads(line)["variants"]]


# ------------------------------------------------------------------ the hub's side

def channel_status(hub, channel="example"):
    t = hub.hubctl("status", hub.tenant, json_out=True).json["tenants"][0]
    return next(c for c in t["channels"] if c["name"] == channel)


def wait_settled(hub, timeout=60, channel="example"):
    """Until the channel's outbox is empty and nothing is in flight."""
    def done():
        c = channel_status(hub, channel)
        return c if c["outbox_depth"] == 0 and not c.get("in_flight") else None
    return wait_for(done, timeout=timeout, interval=0.2, what="outbox drained")


def stock(hub, sku):
    return hub.hubctl("stock", "get", hub.tenant, sku, json_out=True).json


def available(hub, skus, channel="example"):
    """{sku: available for the channel}, read with `hubctl product get`, which
    shows every variant of the SKU's product (one call per product)."""
    out, todo = {}, list(skus)
    while todo:
        with ThreadPoolExecutor(max_workers=3) as pool:
            got = list(pool.map(lambda s: hub.hubctl("product", "get", hub.tenant, s, json_out=True).json,
                                todo[:3]))
        for product in got:
            for v in product["variants"]:
                out[v["sku"]] = v["stock"]["available"][channel]
        todo = [s for s in todo if s not in out]
    return {s: out[s] for s in skus}


def ledger(hub, sku):
    return hub.hubctl("ledger", hub.tenant, sku, json_out=True).json


def exceptions(hub):
    return hub.hubctl("exceptions", hub.tenant, json_out=True).json["exceptions"]


def wait_converged(hub, sim, skus, timeout=90, channel="example"):
    """Until the sim shows the hub's available number for every SKU; returns it."""
    deadline = time.monotonic() + timeout
    want, inv = None, None
    while time.monotonic() < deadline:
        wait_settled(hub, timeout=max(1, deadline - time.monotonic()), channel=channel)
        want = available(hub, skus, channel)
        inv = sim.inventory()
        if all(inv.get(s) == q for s, q in want.items()):
            return want
        time.sleep(0.3)
    diff = {s: (q, inv.get(s)) for s, q in want.items() if inv.get(s) != q}
    raise AssertionError(f"sim never converged to the hub (sku: (hub, sim)): {diff}")


def admin(hub, request, timeout=30):
    """One JSON line to hubd's admin socket, one JSON line back."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(str(hub.data / "hubd.sock"))
        s.sendall(json.dumps(request).encode() + b"\n")
        buf = b""
        while not buf.endswith(b"\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
    return json.loads(buf)


# ------------------------------------------------------------------ webhooks into the hub

def sign(secret, body: bytes):
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def order_body(order_id, lines, status="open"):
    return json.dumps({"id": order_id, "status": status, "currency": "EUR",
                       "lines": [{"sku": s, "quantity": q} for s, q in lines]}).encode()


def post(hub, path, body=b"", headers=None, method="POST", timeout=30):
    """(status, parsed JSON body or raw bytes); status 0 when the connection failed."""
    conn = http.client.HTTPConnection("127.0.0.1", hub.port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        text = r.read()
        try:
            return r.status, json.loads(text)
        except ValueError:
            return r.status, text
    except (OSError, http.client.HTTPException) as e:
        return 0, str(e)
    finally:
        conn.close()


def announce_oversize(hub, path, size, headers=None, timeout=30):
    """Announce a body of `size` bytes, send only its first 64 KiB, and read the
    answer (a server that checks Content-Length answers without reading the rest)."""
    with socket.create_connection(("127.0.0.1", hub.port), timeout=timeout) as s:
        head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {size}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items()) + "\r\n"
        try:
            s.sendall(head.encode() + b"x" * min(size, 65536))
        except OSError:
            pass
        buf = b""
        try:
            while b"\r\n" not in buf:
                chunk = s.recv(4096)
                if not chunk:
                    break
                buf += chunk
        except OSError:
            pass
    return int(buf.split(b" ")[1]) if buf.startswith(b"HTTP/1.") else 0


def webhook(hub, secret, body: bytes, event_id, topic="order.created", signature=None, extra=None):
    headers = {"Content-Type": "application/json", "X-Example-Topic": topic,
               "X-Example-Signature": signature if signature is not None else sign(secret, body)}
    if event_id is not None:
        headers["X-Example-Event-Id"] = event_id
    headers.update(extra or {})
    return post(hub, f"/t/{hub.tenant}/example/webhooks", body, headers)
