"""The ChatGPT widgets running (jsdom, tests/e2e/widget_dom/render.mjs): each
template is rendered with a real tool result as window.openai.toolOutput, and
its buttons call the hub's MCP tools for real (window.openai.callTool -> the
hub): the effects are then checked on the server's cart and order."""
import json

import subprocess

import pytest

from chatgpt_acp_helpers import setup_acp_shop
from conftest import SRC
from mcp_helpers import ORIGIN, Legacy, mcp_path, sc
from mcp_helpers import clean_exit  # noqa: F401  (hubd must exit 0: sanitizer reports fail)

DOM_DIR = SRC / "tests" / "e2e" / "widget_dom"


def ensure_jsdom():
    from conftest import npm_ci_once
    npm_ci_once(DOM_DIR, DOM_DIR / "node_modules" / "jsdom")


@pytest.fixture
def shop(hub, monkeypatch):
    setup_acp_shop(hub, monkeypatch)
    ensure_jsdom()
    return hub


def template(s, name):
    r = s.call("resources/read", {"uri": f"ui://widget/{name}.html"})
    return r.json["result"]["contents"][0]["text"]


def render(hub, s, name, result, steps, tool_input=None, state=None):
    """Render widget `name` with a tool result; returns the driver's report (no page errors)."""
    payload = {"html": template(s, name),
               "openai": {"toolOutput": result["structuredContent"], "toolInput": tool_input,
                          "toolResponseMetadata": result.get("_meta"), "widgetState": state},
               "mcp": {"url": f"http://127.0.0.1:{hub.port}{mcp_path(hub)}", "session": s.session,
                       "version": s.version, "origin": ORIGIN},
               "steps": steps}
    p = subprocess.run(["node", str(DOM_DIR / "render.mjs")], input=json.dumps(payload), capture_output=True,
                       text=True, timeout=120, cwd=DOM_DIR)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout.strip().splitlines()[-1])
    assert out["errors"] == [], out["errors"]
    return out


def result(s, tool, args):
    r = s.tool(tool, args)
    assert not r["result"].get("isError"), r
    return r["result"]


def test_product_grid_filters_and_adds_to_a_real_cart(shop):
    s = Legacy(shop)
    res = result(s, "search_products", {"query": "tee"})
    out = render(shop, s, "product-grid", res, [
        {"text": True},
        {"click": "[data-add]", "index": 0},
        {"text": True},
        {"change": "select[data-filter='brand']", "value": "Lumen"},
        {"text": True},
        {"click": "[data-details]", "index": 0},
        {"text": True},
    ], tool_input={"query": "tee"})
    first, added, filtered, details = out["texts"]
    assert "Basic Tee" in first and "19.99" in first and "Add to cart" in first
    assert [c["name"] for c in out["calls"]][:2] == ["add_to_cart", "search_products"]
    add = out["calls"][0]
    assert add["arguments"]["quantity"] == 1 and add["arguments"]["request_id"] and not add["isError"]
    cart_id = add["structuredContent"]["cart_id"]
    assert out["widgetState"]["cart_id"] == cart_id
    assert "Added. Cart: 1 item(s)" in added
    # the cart really holds it, on the server
    cart = sc(s.tool("view_cart", {"cart_id": cart_id}))
    assert [(l["sku"], l["quantity"]) for l in cart["lines"]] == [(add["arguments"]["sku"], 1)]
    assert out["calls"][1]["arguments"] == {"query": "tee", "brand": "Lumen"}
    assert "Basic Tee" in filtered
    assert out["calls"][2]["name"] == "get_product_details" and "A soft cotton tee." in details


def test_cart_quantity_remove_and_coupon(shop):
    s = Legacy(shop)
    cart_id = sc(s.tool("add_to_cart", {"sku": "TEE-M-RED", "quantity": 1}))["cart_id"]
    sc(s.tool("add_to_cart", {"cart_id": cart_id, "sku": "SOCKS-M", "quantity": 1}))
    res = result(s, "view_cart", {"cart_id": cart_id})
    out = render(shop, s, "cart", res, [
        {"text": True},
        {"click": "[data-inc='TEE-M-RED']"},
        {"click": "[data-rm='SOCKS-M']"},
        {"input": "#code", "value": "FIVER"},
        {"click": "[data-coupon]"},
        {"text": True},
        {"click": "[data-checkout]"},
    ])
    before, after = out["texts"]
    assert "Basic Tee" in before and "Run Socks" in before and "Checkout" in before
    assert [c["name"] for c in out["calls"]] == ["update_cart_item", "remove_from_cart", "apply_coupon"]
    assert out["calls"][0]["arguments"] == {"cart_id": cart_id, "sku": "TEE-M-RED", "quantity": 2}
    cart = sc(s.tool("view_cart", {"cart_id": cart_id}))
    assert [(l["sku"], l["quantity"]) for l in cart["lines"]] == [("TEE-M-RED", 2)]
    assert cart["coupon"] == "FIVER" and cart["totals"]["discount"] == 500
    assert "Run Socks" not in after and "FIVER" in after and cart["total_display"].split()[-1] in after
    assert out["followUps"] == [f"I want to check out my cart {cart_id}."]


def test_checkout_steps_handoff_and_confirmation(shop):
    s = Legacy(shop)
    cart_id = sc(s.tool("add_to_cart", {"sku": "BOOT-42", "quantity": 1}))["cart_id"]
    res = result(s, "start_checkout", {"cart_id": cart_id})
    total = res["structuredContent"]["checkout"]["total"]
    store = render(shop, s, "checkout", res, [
        {"text": True},
        {"click": "[data-step='2']"},
        {"text": True},
        {"change": "input[name='pay'][value='store']"},
        {"click": "[data-step='3']"},
        {"click": "[data-open]"},
    ])
    review, pay = store["texts"]
    assert "1. Review" in review and "Ridge Hiker Boot" in review and "129.99" in review
    assert "Pay here in the chat" in pay and "Continue on the shop's website" in pay
    assert store["external"] == [res["structuredContent"]["checkout"]["handoff"]["url"]]
    assert store["widgetState"] == {"cart_id": cart_id, "step": 3, "choice": "store"}
    chat = render(shop, s, "checkout", res, [
        {"click": "[data-step='2']"},
        {"click": "[data-step='3']"},
        {"text": True},
        {"click": "[data-confirm]"},
    ])
    assert "Nothing is charged until you confirm" in chat["texts"][0]
    assert chat["calls"] == []          # the widget never places the order itself
    assert len(chat["followUps"]) == 1 and f"confirm_total {total}" in chat["followUps"][0]
    assert sc(s.tool("view_cart", {"cart_id": cart_id}))["status"] == "open"


def test_order_confirmation_refreshes_status(shop):
    s = Legacy(shop)
    cart_id = sc(s.tool("add_to_cart", {"sku": "SOCKS-M", "quantity": 2}))["cart_id"]
    total = sc(s.tool("start_checkout", {"cart_id": cart_id}))["checkout"]["total"]
    res = result(s, "place_order", {"cart_id": cart_id, "confirm_total": total})
    order_id = res["structuredContent"]["order_id"]
    out = render(shop, s, "order-confirmation", res, [
        {"text": True},
        {"click": "[data-refresh]"},
        {"text": True},
    ])
    shown, refreshed = out["texts"]
    assert "Order placed" in shown and order_id in shown and "2 × Run Socks" in shown
    assert out["calls"] == [{"name": "get_order_status", "arguments": {"order_id": order_id}, "isError": False,
                             "structuredContent": out["calls"][0]["structuredContent"]}]
    assert out["calls"][0]["structuredContent"]["order_id"] == order_id and order_id in refreshed
    assert out["widgetState"] == {"order_id": order_id}
