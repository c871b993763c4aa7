"""The ChatGPT shopping funnel: per-day counts of tool calls, carts, checkouts,
handoffs and orders, kept durably (channel state funnel:<date>), exported as
metrics, and shown by `hubctl funnel` with conversion ratios."""
import datetime
import re

import pytest

from chatgpt_acp_helpers import acp, create, example, redeem, request, setup_acp_shop
from conftest import wait_for
from mcp_helpers import Legacy, sc, setup_shop
from mcp_helpers import clean_exit  # noqa: F401  (hubd must exit 0: sanitizer reports fail)


@pytest.fixture
def shop(hub, monkeypatch):
    setup_acp_shop(hub, monkeypatch)
    return hub


def today():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")


def funnel(hub, *args):
    return hub.hubctl("funnel", hub.tenant, *args, json_out=True).json


def day(hub):
    return funnel(hub, "--days", "1")["per_day"][0]


def metric(hub, name):
    text = request(hub, "GET", "/metrics").body.decode()
    m = re.search(r'^hub_plugin_chatgpt_%s\{[^}]*tenant="%s"[^}]*\} (\S+)$' % (name, hub.tenant), text, re.M)
    return float(m.group(1)) if m else 0.0


def shop_a_little(hub):
    """2 searches, 1 detail, 2 carts (one via MCP, one via ACP), 2 checkouts,
    1 handoff issued and redeemed, 2 orders (MCP place_order + ACP complete)."""
    s = Legacy(hub)
    sc(s.tool("search_products", {"query": "tee"}))
    sc(s.tool("search_products", {"query": "boot"}))
    sc(s.tool("get_product_details", {"sku": "TEE-M-RED"}))
    cart = sc(s.tool("add_to_cart", {"sku": "TEE-M-RED", "quantity": 1}))["cart_id"]
    sc(s.tool("add_to_cart", {"cart_id": cart, "sku": "SOCKS-M", "quantity": 1}))
    out = sc(s.tool("start_checkout", {"cart_id": cart}))
    tok = out["checkout"]["handoff"]["url"].split("hub_handoff=")[1]
    assert redeem(hub, tok).status == 200
    sc(s.tool("place_order", {"cart_id": cart, "confirm_total": out["checkout"]["total"]}))
    # a rejected call (bad arguments) is not a tool call of the funnel
    assert s.tool("add_to_cart", {"sku": "TEE-M-RED"}).get("error")
    session = create(hub, ("SOCKS-M",))
    done = acp(hub, "POST", f"checkout_sessions/{session['id']}/complete", example("complete_checkout_session_request"))
    assert done.json["status"] == "completed"


EXPECTED = {"carts_created": 2, "checkout_started": 2, "handoff_issued": 1, "handoff_redeemed": 1, "orders_placed": 2}
TOOLS = {"search_products": 2, "get_product_details": 1, "add_to_cart": 2, "start_checkout": 1, "place_order": 1}


def settled(hub):
    """The day's record once it holds every search the setup made (wait_indexed searches)."""
    n = metric(hub, "funnel_tool_call_search_products")
    assert n >= 1
    wait_for(lambda: day(hub)["tool_calls"].get("search_products") == n, timeout=20, what="the setup's searches")
    return day(hub)


def test_funnel_counts_and_ratios(shop):
    base = settled(shop)
    assert {k: base[k] for k in EXPECTED} == {k: 0 for k in EXPECTED}
    searched = base["tool_calls"]["search_products"]
    shop_a_little(shop)
    wait_for(lambda: day(shop)["orders_placed"] == 2, timeout=20, what="the funnel record to be written")
    d = day(shop)
    assert d["date"] == today()
    assert {k: d[k] for k in EXPECTED} == EXPECTED
    calls = dict(d["tool_calls"], search_products=d["tool_calls"]["search_products"] - searched)
    assert calls == TOOLS and d["tool_calls_total"] == sum(TOOLS.values()) + searched
    out = funnel(shop, "--days", "3")
    assert [x["date"] for x in out["per_day"]][-1] == today() and len(out["per_day"]) == 3
    assert out["per_day"][0]["carts_created"] == 0          # nothing on earlier days
    assert {k: out["total"][k] for k in EXPECTED} == EXPECTED
    assert out["conversion"] == {"cart_to_checkout": 1.0, "checkout_to_order": 1.0,
                                 "handoff_redeemed_per_issued": 1.0, "cart_to_order": 1.0}
    # the same numbers as metrics
    assert metric(shop, "funnel_cart_created") == 2
    assert metric(shop, "funnel_order_placed") == 2
    assert metric(shop, "funnel_handoff_redeemed") == 1
    assert metric(shop, "funnel_tool_call_search_products") == 2 + searched
    # the table
    text = shop.hubctl("funnel", shop.tenant, "--days", "2").stdout
    assert "cart>checkout" in text and "checkout>order" in text
    row = [l for l in text.splitlines() if l.startswith(today())][0].split()
    assert row[1:7] == [str(7 + searched), "2", "2", "1", "1", "2"] and row[7:] == ["100.0%", "100.0%"]
    assert re.search(r"search_products\s+%d" % (2 + searched), text)


def test_funnel_is_durable_and_ratios_below_one(shop):
    s = Legacy(shop)
    for sku in ("SOCKS-M", "TEE-S-RED", "BOOT-42"):   # three carts, one checkout, no order
        sc(s.tool("add_to_cart", {"sku": sku, "quantity": 1}))
    cart = sc(s.tool("add_to_cart", {"sku": "TEE-M-RED", "quantity": 1}))["cart_id"]
    sc(s.tool("start_checkout", {"cart_id": cart}))
    shop.stop()                        # stop writes the pending counts
    d = day(shop)                      # read with hubd down
    assert d["carts_created"] == 4 and d["checkout_started"] == 1 and d["orders_placed"] == 0
    shop.start()
    s = Legacy(shop)
    sc(s.tool("add_to_cart", {"sku": "SOCKS-M", "quantity": 1}))
    wait_for(lambda: day(shop)["carts_created"] == 5, timeout=20, what="the count to continue after a restart")
    out = funnel(shop, "--days", "1")
    assert out["conversion"]["cart_to_checkout"] == pytest.approx(1 / 5)
    assert out["conversion"]["checkout_to_order"] == 0.0
    assert out["conversion"]["handoff_redeemed_per_issued"] == pytest.approx(0.0)
    text = shop.hubctl("funnel", shop.tenant, "--days", "1").stdout
    row = [l for l in text.splitlines() if l.startswith(today())][0].split()
    assert row[2] == "5" and row[7] == "20.0%" and row[8] == "0.0%"


def test_hubctl_funnel_errors(hub):
    setup_shop(hub, start=False)
    empty = hub.hubctl("funnel", hub.tenant, "--days", "2", json_out=True).json
    assert all(x["tool_calls_total"] == 0 for x in empty["per_day"])
    assert empty["conversion"]["cart_to_checkout"] is None
    assert "-" in hub.hubctl("funnel", hub.tenant).stdout
    for args, code, text in ((("--days", "0"), 1, "--days wants a whole number from 1 to 366"),
                             (("--days", "x"), 1, "--days wants"),
                             (("--channel", "nope"), 1, "has no channel 'nope'"),
                             (("--bogus",), 2, "usage: hubctl funnel")):
        p = hub.hubctl("funnel", hub.tenant, *args, check=False)
        assert p.returncode == code and text in p.stderr, (args, p.stderr)
    p = hub.hubctl("funnel", "nobody", check=False)
    assert p.returncode == 1 and "no tenant 'nobody'" in p.stderr
    hub.write_tenant("[tenant]\ncurrency = EUR\n", name="plain")
    p = hub.hubctl("funnel", "plain", check=False)
    assert p.returncode == 1 and "has no chatgpt channel" in p.stderr
