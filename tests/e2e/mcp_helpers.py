"""Helpers for the ChatGPT channel's MCP tests: a small test catalog, a tenant
with the chatgpt channel, a plain-HTTP MCP client (protocol tests) and the
official TypeScript client driver (tests/e2e/mcp_client/driver.mjs)."""
import http.client
import json
import os

import subprocess
import time
from pathlib import Path

import pytest

from conftest import SRC, wait_for

# The channels' published specs: beside the checkout (../shared/specs) when the
# repository sits in the workplace, else the workplace's copy.
SPECS = Path(os.environ.get("HUB_SPECS_DIR") or next(
    (p for p in (SRC.parent / "shared" / "specs", Path("/work/shared/specs")) if p.is_dir()),
    SRC.parent / "shared" / "specs"))
MCP_SCHEMAS = SPECS / "mcp"
CLIENT_DIR = SRC / "tests" / "e2e" / "mcp_client"

ORIGIN = "https://chatgpt.com"

# EUR, prices in cents.  LAST-1 has one unit: the race.  KNIFE and EBOOK are
# prohibited by the default commerce policy.
CATALOG = [
    {"id": "tee-basic", "title": "Basic Tee", "brand": "Lumen", "category": "Apparel > T-Shirts",
     "description": "A soft cotton tee.", "options": ["size", "colour"], "tags": ["tee"], "status": "active",
     "variants": [
         {"sku": "TEE-S-RED", "options": {"size": "S", "colour": "red"}, "price": 1999, "currency": "EUR",
          "stock": {"default": 20}},
         {"sku": "TEE-M-RED", "options": {"size": "M", "colour": "red"}, "price": 1999, "currency": "EUR",
          "stock": {"default": 20}},
         {"sku": "TEE-M-BLUE", "options": {"size": "M", "colour": "blue"}, "price": 2499, "currency": "EUR",
          "stock": {"default": 5}},
     ]},
    {"id": "boot-hiker", "title": "Ridge Hiker Boot", "brand": "Nordkap", "category": "Shoes > Boots",
     "description": "Waterproof leather hiking boot.", "options": ["size"], "tags": ["boot"], "status": "active",
     "variants": [
         {"sku": "BOOT-42", "options": {"size": "42"}, "price": 12999, "currency": "EUR", "stock": {"default": 3}},
         {"sku": "BOOT-43", "options": {"size": "43"}, "price": 12999, "currency": "EUR", "stock": {"default": 0}},
     ]},
    {"id": "cap-last", "title": "Limited Cap", "brand": "Urban Moss", "category": "Accessories > Hats",
     "description": "Only one left.", "options": ["size"], "tags": ["cap"], "status": "active",
     "variants": [{"sku": "LAST-1", "options": {"size": "one"}, "price": 2500, "currency": "EUR",
                   "stock": {"default": 1}}]},
    {"id": "socks-pack", "title": "Run Socks 3-pack", "brand": "Lumen", "category": "Accessories > Socks",
     "description": "Cushioned socks.", "options": ["size"], "tags": ["socks"], "status": "active",
     "variants": [{"sku": "SOCKS-M", "options": {"size": "M"}, "price": 999, "currency": "EUR",
                   "stock": {"default": 50}}]},
    {"id": "knife-hunter", "title": "Hunting Knife", "brand": "Edge", "category": "Outdoor > Weapons",
     "description": "A fixed blade knife.", "options": ["size"], "tags": ["knife"], "status": "active",
     "variants": [{"sku": "KNIFE-1", "options": {"size": "one"}, "price": 4999, "currency": "EUR",
                   "stock": {"default": 10}}]},
    {"id": "ebook-guide", "title": "Trail Guide eBook", "brand": "Edge", "category": "Books",
     "description": "A downloadable guide.", "options": ["size"], "tags": ["digital goods"], "status": "active",
     "variants": [{"sku": "EBOOK-1", "options": {"size": "one"}, "price": 999, "currency": "EUR",
                   "stock": {"default": 100}}]},
]
SELLABLE = ["TEE-S-RED", "TEE-M-RED", "TEE-M-BLUE", "BOOT-42", "BOOT-43", "LAST-1", "SOCKS-M"]

TENANT = """[tenant]
currency = EUR
hold_ttl = {hold_ttl}

[channel chatgpt]
plugin = chatgpt
mode = live
allowed_origins = https://chatgpt.com
tax_rate_bps = 1900
tax_mode = {tax_mode}
shipping_flat = 495
free_shipping_over = 5000
coupons = WELCOME10:percent:10:min=5000:until=2099-12-31, FIVER:fixed:500, OLD20:percent:20:until=2020-01-01
max_units_per_sku = 5
max_units_per_cart = 12
max_carts_per_minute = {carts_per_minute}
{extra}
"""


def setup_shop(hub, hold_ttl="15m", tax_mode="inclusive", carts_per_minute=50, extra="", start=True):
    hub.write_tenant(TENANT.format(hold_ttl=hold_ttl, tax_mode=tax_mode, carts_per_minute=carts_per_minute,
                                   extra=extra))
    src = hub.root / "catalog.jsonl"
    src.write_text("".join(json.dumps(p) + "\n" for p in CATALOG))
    hub.hubctl("import", hub.tenant, src)
    if start:
        hub.start()
        wait_indexed(hub)
    return src


@pytest.fixture(autouse=True)
def clean_exit(hub):
    """hubd must stop with status 0 after each test: under SAN=1 a leak or a
    sanitizer report makes it exit non-zero (details in hubd.log)."""
    yield
    if hub.proc:
        rc = hub.stop()
        assert rc == 0, f"hubd exited {rc}; see {hub.log}"


def mcp_path(hub):
    return f"/t/{hub.tenant}/chatgpt/mcp"


class Raw:
    """Plain HTTP to the MCP endpoint: one request, the raw answer."""

    def __init__(self, hub):
        self.hub = hub

    def request(self, method="POST", body=None, headers=None, path=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.hub.port, timeout=30)
        data = body if isinstance(body, (bytes, str)) or body is None else json.dumps(body)
        h = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
        h.update(headers or {})
        h = {k: v for k, v in h.items() if v is not None}
        conn.request(method, path or mcp_path(self.hub), body=data, headers=h)
        r = conn.getresponse()
        raw = r.read()
        conn.close()
        r.body = raw
        r.json = None
        ctype = r.getheader("Content-Type") or ""
        if raw and ctype.startswith("application/json"):
            r.json = json.loads(raw)
        elif raw and ctype.startswith("text/event-stream"):
            data_lines = [l[5:].strip() for l in raw.decode().splitlines() if l.startswith("data:")]
            r.json = json.loads(data_lines[-1]) if data_lines else None
        return r


def rpc(method, params=None, id=1):
    m = {"jsonrpc": "2.0", "method": method}
    if id is not None:
        m["id"] = id
    if params is not None:
        m["params"] = params
    return m


class Legacy:
    """A legacy-era session over plain HTTP (initialize, then calls)."""

    def __init__(self, hub, version="2025-11-25", origin=None):
        self.raw = Raw(hub)
        self.version = version
        self.origin = origin
        r = self.raw.request(body=rpc("initialize", {"protocolVersion": version, "capabilities": {},
                                                     "clientInfo": {"name": "pytest", "version": "1"}}),
                             headers={"Origin": origin})
        assert r.status == 200, r.body
        self.init = r.json["result"]
        self.session = r.getheader("Mcp-Session-Id")
        n = self.raw.request(body=rpc("notifications/initialized", id=None), headers=self.headers())
        assert n.status == 202 and n.body == b""
        self.next_id = 2

    def headers(self, **extra):
        h = {"Mcp-Session-Id": self.session, "MCP-Protocol-Version": self.version, "Origin": self.origin}
        h.update(extra)
        return h

    def call(self, method, params=None, headers=None):
        self.next_id += 1
        return self.raw.request(body=rpc(method, params, self.next_id), headers=self.headers(**(headers or {})))

    def tool(self, name, args=None, meta=None):
        p = {"name": name, "arguments": args if args is not None else {}}
        if meta:
            p["_meta"] = meta
        r = self.call("tools/call", p)
        assert r.status == 200, r.body
        return r.json


def result_of(resp):
    assert "result" in resp, resp
    return resp["result"]


def sc(resp):
    """structuredContent of a successful tool result."""
    r = result_of(resp)
    assert not r.get("isError"), r
    return r["structuredContent"]


def error_text(resp):
    r = result_of(resp)
    assert r.get("isError") is True, r
    return r["content"][0]["text"]


def stock(hub, sku):
    return hub.hubctl("stock", "get", hub.tenant, sku, json_out=True).json


def wait_indexed(hub, skus=SELLABLE, timeout=30):
    """Until search_products lists every sellable SKU (the core pushed the catalog)."""
    s = Legacy(hub)

    def indexed():
        found = set()
        cursor = None
        while True:
            args = {"limit": 50}
            if cursor:
                args["cursor"] = cursor
            out = sc(s.tool("search_products", args))
            for p in out["products"]:
                found.update(v["sku"] for v in p["variants"])
            cursor = out.get("next_cursor")
            if not cursor:
                break
        return set(skus) <= found

    wait_for(indexed, timeout=timeout, what="the chatgpt index to hold the catalog")


def wait_available(hub, sku, quantity, timeout=30):
    """Until the channel's index shows `quantity` available for sku (pushed by the core)."""
    s = Legacy(hub)

    def shown():
        d = s.tool("get_product_details", {"sku": sku})
        v = [v for v in sc(d)["variants"] if v["sku"] == sku][0]
        return v["available"] == quantity

    wait_for(shown, timeout=timeout, what=f"{sku} shown as {quantity} available")


def ensure_node_deps():
    """node_modules for the driver: `npm ci` from the lock file when missing."""
    from conftest import npm_ci_once
    npm_ci_once(CLIENT_DIR, CLIENT_DIR / "node_modules" / "@modelcontextprotocol" / "client")


def drive(hub, steps, origin=ORIGIN, timeout=120, sdk="v1", negotiation=None):
    """Run steps with the official MCP client (sdk v1: @modelcontextprotocol/sdk,
    legacy era; v2: @modelcontextprotocol/client with `negotiation` "auto" or
    {"pin": rev}); returns the driver's JSON output."""
    ensure_node_deps()
    url = f"http://127.0.0.1:{hub.port}{mcp_path(hub)}"
    payload = json.dumps({"origin": origin, "steps": steps, "sdk": sdk, "negotiation": negotiation})
    p = subprocess.run(["node", str(CLIENT_DIR / "driver.mjs"), url, str(MCP_SCHEMAS)], input=payload,
                       capture_output=True, text=True, timeout=timeout, cwd=CLIENT_DIR)
    assert p.returncode == 0, f"driver failed:\n{p.stdout}\n{p.stderr}"
    out = json.loads(p.stdout.strip().splitlines()[-1])
    assert "connectError" not in out, out
    return out


def validate_mcp(items):
    """[(version, definition, value)] -> list of error lists (Ajv, the spec's schema files)."""
    ensure_node_deps()
    payload = json.dumps([{"version": v, "def": d, "value": x} for v, d, x in items])
    p = subprocess.run(["node", str(CLIENT_DIR / "validate.mjs"), str(MCP_SCHEMAS)], input=payload,
                       capture_output=True, text=True, timeout=120, cwd=CLIENT_DIR)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


MODERN = "2026-07-28"


def modern(raw, method, params=None, id=1, headers=None, name_header=None, meta_version=MODERN):
    """A 2026-07-28 request with the headers and _meta the revision requires."""
    params = dict(params or {})
    if meta_version is not None:
        params["_meta"] = {"io.modelcontextprotocol/protocolVersion": meta_version,
                           "io.modelcontextprotocol/clientCapabilities": {},
                           "io.modelcontextprotocol/clientInfo": {"name": "pytest", "version": "1"},
                           **params.get("_meta", {})}
    h = {"MCP-Protocol-Version": MODERN, "Mcp-Method": method}
    if name_header is None:
        name_header = params.get("name") or params.get("uri")
    if name_header:
        h["Mcp-Name"] = name_header
    h.update(headers or {})
    return raw.request(body=rpc(method, params, id), headers=h)


def ok_results(out):
    """Every step succeeded and validated; returns the results."""
    for i, r in enumerate(out["results"]):
        assert r["ok"], f"step {i}: {r.get('error')}"
        assert r["schemaErrors"] == [], f"step {i}: {r['schemaErrors']}"
    return out["results"]


def totals_consistent(view):
    """The cart view's totals agree with its lines (one rounding rule, totals.h)."""
    t = view["totals"]
    assert t["subtotal"] == sum(l["line_total"] for l in view["lines"])
    assert t["discount"] == sum(l["discount"] for l in view["lines"])
    assert sum(l["tax"] for l in view["lines"]) <= t["tax"]
    expect = t["subtotal"] - t["discount"] + t["shipping"]
    if t["tax_mode"] == "exclusive":
        expect += t["tax"]
    assert t["total"] == expect, t
    for l in view["lines"]:
        assert l["line_total"] == l["unit_price"] * l["quantity"]


def half_up(num, den):
    return (2 * num + den) // (2 * den)


def sleep_until(pred, timeout=30, what="condition"):
    return wait_for(pred, timeout=timeout, interval=0.1, what=what)


__all__ = ["clean_exit", "CATALOG", "SELLABLE", "ORIGIN", "setup_shop", "Raw", "Legacy", "rpc", "result_of", "sc", "error_text",
           "stock", "wait_indexed", "wait_available", "drive", "ok_results", "totals_consistent", "half_up",
           "sleep_until", "MCP_SCHEMAS", "time", "validate_mcp", "modern", "MODERN"]
