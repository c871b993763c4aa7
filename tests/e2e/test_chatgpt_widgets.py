"""The ChatGPT widgets as MCP resources: listed in both profiles (Apps SDK
text/html+skybridge, MCP Apps text/html;profile=mcp-app), readable, named by
every tool's _meta, self-contained (no external script or style), calling only
tools that exist and that allow it, and embedded from their sources."""
import json
import re
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import SRC
from mcp_helpers import Legacy, setup_shop, validate_mcp
from mcp_helpers import clean_exit  # noqa: F401  (hubd must exit 0: sanitizer reports fail)

WIDGETS = SRC / "plugins" / "chatgpt" / "widgets"
NAMES = ["product-grid", "cart", "checkout", "order-confirmation"]
IMAGES = {"id": "scarf-wool", "title": "Wool Scarf", "brand": "Lumen", "category": "Accessories > Scarves",
          "description": "Warm.", "options": ["size"], "tags": [], "status": "active",
          "images": ["https://img.example.test/scarf/1.jpg", "https://cdn.example.test:8443/scarf/2.jpg?w=400"],
          "variants": [{"sku": "SCARF-1", "options": {"size": "one"}, "price": 2999, "currency": "EUR",
                        "stock": {"default": 4}}]}


@pytest.fixture
def shop(hub):
    setup_shop(hub, start=False)
    extra = hub.root / "scarf.jsonl"
    extra.write_text(json.dumps(IMAGES) + "\n")
    hub.hubctl("import", hub.tenant, extra)
    hub.start()
    from mcp_helpers import wait_indexed, SELLABLE
    wait_indexed(hub, SELLABLE + ["SCARF-1"])
    return hub


def listed(s):
    r = s.call("resources/list")
    assert r.status == 200
    return r.json["result"]


def test_resources_list_and_read(shop):
    s = Legacy(shop)
    res = listed(s)
    by = {r["uri"]: r for r in res["resources"]}
    for n in NAMES:
        sky, app = by[f"ui://widget/{n}.html"], by[f"ui://widget/mcp-app/{n}.html"]
        assert sky["mimeType"] == "text/html+skybridge" and app["mimeType"] == "text/html;profile=mcp-app"
        for r in (sky, app):
            meta = r["_meta"]
            # the CSP lists the catalog's image hosts, nothing else
            want = ["https://img.example.test", "https://cdn.example.test:8443"]
            assert meta["openai/widgetCSP"] == {"connect_domains": [], "resource_domains": want}
            assert meta["ui"]["csp"] == {"connectDomains": [], "resourceDomains": want}
            assert meta["openai/widgetPrefersBorder"] is True and meta["openai/widgetDescription"]
    assert len(res["resources"]) == 2 * len(NAMES)
    reads = []
    for uri, r in by.items():
        rr = s.call("resources/read", {"uri": uri})
        assert rr.status == 200, rr.body
        c = rr.json["result"]["contents"]
        assert len(c) == 1 and c[0]["uri"] == uri and c[0]["mimeType"] == r["mimeType"]
        assert c[0]["text"].startswith("<!doctype html>") and "window.openai" in c[0]["text"]
        reads.append(("2025-11-25", "ReadResourceResult", rr.json["result"]))
    assert validate_mcp(reads + [("2025-11-25", "ListResourcesResult", res)]) == [[]] * (len(reads) + 1)
    bad = s.call("resources/read", {"uri": "ui://widget/nope.html"})
    assert bad.json["error"]["code"] == -32002


def test_tools_point_at_listed_templates(shop):
    s = Legacy(shop)
    uris = {r["uri"] for r in listed(s)["resources"]}
    tools = {t["name"]: t for t in s.call("tools/list").json["result"]["tools"]}
    with_widget = {n: t for n, t in tools.items() if "openai/outputTemplate" in t.get("_meta", {})}
    assert set(with_widget) == set(tools) - {"list_orders"}
    for name, t in with_widget.items():
        m = t["_meta"]
        assert m["openai/outputTemplate"] in uris and m["ui"]["resourceUri"] in uris, name
        assert m["openai/outputTemplate"].split("/")[-1] == m["ui"]["resourceUri"].split("/")[-1]
        for k in ("openai/toolInvocation/invoking", "openai/toolInvocation/invoked"):
            assert 0 < len(m[k]) <= 64
        assert m["openai/widgetAccessible"] is (name != "place_order")
        assert m["ui"]["visibility"] == (["model", "app"] if name != "place_order" else ["model"])
    assert with_widget["search_products"]["_meta"]["openai/outputTemplate"] == "ui://widget/product-grid.html"
    assert with_widget["view_cart"]["_meta"]["openai/outputTemplate"] == "ui://widget/cart.html"
    assert with_widget["start_checkout"]["_meta"]["openai/outputTemplate"] == "ui://widget/checkout.html"
    assert with_widget["place_order"]["_meta"]["openai/outputTemplate"] == "ui://widget/order-confirmation.html"


def scripts_of(html):
    return re.findall(r"<script>(.*?)</script>", html, re.S)


def test_templates_are_self_contained_and_call_only_real_tools(shop):
    s = Legacy(shop)
    tools = {t["name"]: t for t in s.call("tools/list").json["result"]["tools"]}
    seen = set()
    for n in NAMES:
        html = s.call("resources/read", {"uri": f"ui://widget/{n}.html"}).json["result"]["contents"][0]["text"]
        assert not re.search(r"<script[^>]*\bsrc=", html) and not re.search(r"<link[^>]*\bhref=", html), n
        assert "@import" not in html and "fetch(" not in html and "XMLHttpRequest" not in html
        called = set(re.findall(r"(?:callTool|act)\(\s*\"([a-z_]+)\"", html))   # act() wraps callTool
        assert called, n
        for name in called:
            assert name in tools, (n, name)
            assert tools[name]["_meta"]["openai/widgetAccessible"] is True, (n, name)
        seen |= called
        # the widget state and follow-ups are used; place_order goes through the model
        assert "setState(" in html and 'callTool("place_order"' not in html
        # the scripts parse
        for i, js in enumerate(scripts_of(html)):
            with tempfile.NamedTemporaryFile("w", suffix=".js", delete=False) as f:
                f.write(js)
            p = subprocess.run(["node", "--check", f.name], capture_output=True, text=True)
            Path(f.name).unlink()
            assert p.returncode == 0, f"{n} script {i}: {p.stderr}"
    assert {"search_products", "add_to_cart", "update_cart_item", "remove_from_cart", "apply_coupon",
            "get_order_status", "start_checkout", "view_cart", "get_product_details"} <= seen


def test_embedded_templates_match_their_sources():
    p = subprocess.run(["/usr/bin/python3", str(WIDGETS / "embed.py"), "--check"], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    for n in NAMES:
        src = (WIDGETS / f"{n}.html").read_text()
        assert '<script src="bridge.js"></script>' in src and '<link rel="stylesheet" href="base.css">' in src
