"""Fixtures for the Shopify plugin's end-to-end tests: the Shopify simulator
(tests/sim/shopify, its README is the contract) as a subprocess, a tenant with a
shopify channel pointed at it (and an example channel as "the other channel"),
and helpers to read both sides."""
import json
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import SRC, Hub, read_jsonl, wait_for

TOKEN = "shpat_e2e_0123456789abcdef"
SECRET = "e2e-webhook-secret"
SHOP = "e2e-shop.myshopify.com"
LOCATION = "gid://shopify/Location/1"

TENANT = """[tenant]
currency = EUR
buffer = 0

[channel shopify]
plugin = shopify
mode = {mode}
shop = {shop}
endpoint = http://127.0.0.1:{port}
api_version = {version}
access_token = {token_ref}
webhook_secret = env:HUB_E2E_SHOPIFY_SECRET
location_id = {location}
poll_interval = {poll}
drift_grace = 300ms
auth_retry = {auth_retry}
{extra}
[channel example]
plugin = example
mode = live
path = {example}
"""


class ShopifySim:
    """The simulator process and its control plane."""

    def __init__(self, root: Path, hub_url: str, plan="standard", versions="2025-10,2026-01,2026-04"):
        self.log = open(root / "shopify-sim.log", "ab")
        cmd = ["/usr/bin/python3", "-m", "tests.sim.shopify", "--port", "0", "--shop", SHOP, "--token", TOKEN,
               "--webhook-secret", SECRET, "--hub-url", hub_url, "--plan", plan, "--api-versions", versions,
               "--currency", "EUR"]
        self.proc = subprocess.Popen(cmd, cwd=SRC, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log)
        line = self.proc.stdout.readline().decode()
        if not line.startswith("listening "):
            self.close()
            raise AssertionError(f"simulator did not start: {line!r}; see {root}/shopify-sim.log")
        self.port = int(line.split()[1])
        self.base = f"http://127.0.0.1:{self.port}"

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()  # EOF on stdin stops it
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()
        self.log.close()

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=120) as r:
            return json.loads(r.read() or b"{}")

    def control(self, **knobs):
        return self.call("POST", "/_control", knobs)

    def order(self, lines, wait=True, **extra):
        return self.call("POST", "/_control/order", dict(extra, lines=lines, wait=wait))

    def cancel(self, order_id, restock=True, wait=True):
        return self.call("POST", "/_control/cancel", {"order_id": order_id, "restock": restock, "wait": wait})

    def set_inventory(self, sku, quantity, wait=True):
        return self.call("POST", "/_control/set_inventory", {"sku": sku, "quantity": quantity, "wait": wait})

    def webhook(self, **spec):
        return self.call("POST", "/_control/webhook", spec)

    def state(self, log=False):
        return self.call("GET", "/_state" + ("" if log else "?log=0"))

    def stock(self):
        """{sku: available at the tenant's location}"""
        inv = self.state()["inventory"]
        return {sku: locs["1"]["available"] for sku, locs in inv.items() if "1" in locs}

    def products(self):
        return {p["handle"]: p for p in self.state()["products"]}

    def requests(self):
        return self.state()["counters"]["requests"]

    def by_operation(self):
        return dict(self.state()["counters"]["by_operation"])

    def push_calls(self):
        """API calls other than the order backfill's reads."""
        return sum(n for op, n in self.by_operation().items() if op != "orders")


def catalog(path):
    return [json.loads(l) for l in Path(path).read_text().splitlines() if l.strip()]


def hub_available(hub, sku, channel="shopify"):
    return hub.hubctl("stock", "get", hub.tenant, sku, json_out=True).json["available"][channel]


def outbox_empty(hub, channel="shopify"):
    st = hub.hubctl("status", hub.tenant, json_out=True).json
    for ch in st["tenants"][0]["channels"]:
        if ch["name"] == channel:
            return ch.get("outbox_depth", ch.get("outbox", {}).get("depth", 1)) == 0
    return False


def channel_status(hub, channel="shopify"):
    st = hub.hubctl("status", hub.tenant, json_out=True).json
    return next(ch for ch in st["tenants"][0]["channels"] if ch["name"] == channel)


def example_stock(path):
    """The example channel's last pushed quantity per SKU."""
    out = {}
    for l in read_jsonl(path):
        if l["op"] == "stock":
            out[l["sku"]] = l["quantity"]
    return out


def wait_in_sync(hub, sim, skus, timeout=60, what="the simulator to show the hub's numbers"):
    def check():
        shown = sim.stock()
        bad = {s: (shown.get(s), hub_available(hub, s)) for s in skus if shown.get(s) != hub_available(hub, s)}
        return not bad or None
    return wait_for(check, timeout=timeout, interval=0.3, what=what)


class Shop:
    """A hub with a shopify channel on the simulator; `start()` starts both sides."""

    def __init__(self, hub: Hub, sim: ShopifySim):
        self.hub, self.sim = hub, sim
        self.example = hub.root / "example.jsonl"

    def write(self, mode="live", version="2026-04", poll="1s", auth_retry="5m", extra="",
              token_ref="env:HUB_E2E_SHOPIFY_TOKEN"):
        self.hub.write_tenant(TENANT.format(mode=mode, shop=SHOP, port=self.sim.port, version=version,
                                            location=LOCATION, poll=poll, auth_retry=auth_retry, extra=extra,
                                            example=self.example, token_ref=token_ref))

    def import_catalog(self, path):
        r = self.hub.hubctl("import", self.hub.tenant, path, json_out=True)
        assert r.json.get("error_count", 0) == 0, r.json
        return r.json


@pytest.fixture
def shop(hub, monkeypatch):
    monkeypatch.setenv("HUB_E2E_SHOPIFY_TOKEN", TOKEN)
    monkeypatch.setenv("HUB_E2E_SHOPIFY_SECRET", SECRET)
    sim = ShopifySim(hub.root, f"http://127.0.0.1:{hub.port}/t/{hub.tenant}/shopify/webhooks")
    s = Shop(hub, sim)
    s.write()
    yield s
    if hub.proc:
        hub.stop()
    sim.close()


def settle(fn, quiet=1.0, timeout=60, interval=0.2):
    """Wait until fn() returns the same value for `quiet` seconds; return it."""
    deadline = time.monotonic() + timeout
    last, since = object(), time.monotonic()
    while time.monotonic() < deadline:
        v = fn()
        if v != last:
            last, since = v, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return v
        time.sleep(interval)
    raise AssertionError(f"never settled (last {last!r})")

