"""Retention of the ChatGPT channel's carts and ACP checkout sessions: an
abandoned cart (idle for cart_retention, nothing held, no order) is deleted by
the periodic sweep and counted in hub_plugin_chatgpt_carts_pruned; a cart in
use, a cart still holding stock, an ordered cart and the order stay."""
import re
import time

from chatgpt_acp_helpers import ACP_EXTRA, EXAMPLES, acp, create, request, setup_acp_shop
from conftest import wait_for
from mcp_helpers import Legacy, error_text, sc, setup_shop, stock
from mcp_helpers import clean_exit  # noqa: F401  (hubd must exit 0: sanitizer reports fail)

RETENTION = "cart_retention = 2s\ncart_sweep_interval = 1s\n"


def metric(hub, name):
    text = request(hub, "GET", "/metrics").body.decode()
    m = re.search(r'^hub_plugin_chatgpt_%s\{[^}]*tenant="%s"[^}]*\} (\S+)$' % (name, hub.tenant), text, re.M)
    return float(m.group(1)) if m else 0.0


def keep_using(s, cart_id, seconds, pred=None):
    """View the cart every 0.25 s for `seconds` (or until pred() holds)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        assert sc(s.tool("view_cart", {"cart_id": cart_id}))["cart_id"] == cart_id
        if pred and pred():
            return True
        time.sleep(0.25)
    return False


def test_abandoned_cart_is_deleted_the_rest_stays(hub):
    setup_shop(hub, extra=RETENTION)
    s = Legacy(hub)
    # abandoned: emptied, then left alone
    idle = sc(s.tool("add_to_cart", {"sku": "SOCKS-M", "quantity": 1}))["cart_id"]
    sc(s.tool("remove_from_cart", {"cart_id": idle, "sku": "SOCKS-M"}))
    # left alone but still holding stock (hold_ttl 15m): kept
    held = sc(s.tool("add_to_cart", {"sku": "BOOT-42", "quantity": 1}))["cart_id"]
    # ordered: the cart and its order stay
    cid = sc(s.tool("add_to_cart", {"sku": "TEE-M-RED", "quantity": 1}))["cart_id"]
    total = sc(s.tool("start_checkout", {"cart_id": cid}))["checkout"]["total"]
    order = sc(s.tool("place_order", {"cart_id": cid, "confirm_total": total}))
    # in use all along, with nothing held
    busy = sc(s.tool("add_to_cart", {"sku": "TEE-S-RED", "quantity": 1}))["cart_id"]
    sc(s.tool("remove_from_cart", {"cart_id": busy, "sku": "TEE-S-RED"}))

    assert keep_using(s, busy, 30, lambda: metric(hub, "carts_pruned") >= 1), "no cart was pruned in 30 s"
    assert "no cart" in error_text(s.tool("view_cart", {"cart_id": idle}))
    assert "no cart" in error_text(s.tool("add_to_cart", {"cart_id": idle, "sku": "SOCKS-M", "quantity": 1}))
    # a few more passes: nothing else goes
    keep_using(s, busy, 3.5)
    assert metric(hub, "carts_pruned") == 1
    assert "deleted 1 abandoned cart(s)" in hub.log.read_text()
    assert sc(s.tool("view_cart", {"cart_id": held}))["lines"][0]["reserved"] is True
    assert stock(hub, "BOOT-42")["reserved"] == 1
    assert sc(s.tool("view_cart", {"cart_id": cid}))["cart_id"] == cid
    got = sc(s.tool("get_order_status", {"order_id": order["order_id"]}))
    assert got["order_id"] == order["order_id"]
    assert [o["order_id"] for o in sc(s.tool("list_orders"))["orders"]] == [order["order_id"]]


def test_zero_retention_keeps_every_cart(hub):
    setup_shop(hub, extra="cart_retention = 0\ncart_sweep_interval = 1s\n")
    s = Legacy(hub)
    idle = sc(s.tool("add_to_cart", {"sku": "SOCKS-M", "quantity": 1}))["cart_id"]
    sc(s.tool("remove_from_cart", {"cart_id": idle, "sku": "SOCKS-M"}))
    time.sleep(4)
    assert sc(s.tool("view_cart", {"cart_id": idle}))["cart_id"] == idle
    assert metric(hub, "carts_pruned") == 0


def test_closed_checkout_sessions_are_deleted_with_their_cart(hub, monkeypatch):
    setup_acp_shop(hub, monkeypatch, extra=ACP_EXTRA + RETENTION)
    canceled = create(hub, ("SOCKS-M",))
    r = acp(hub, "POST", f"checkout_sessions/{canceled['id']}/cancel", EXAMPLES["cancel_checkout_session_request"])
    assert r.status == 200, r
    live = create(hub, ("TEE-S-RED",))  # open, its cart holds stock: kept
    end = time.monotonic() + 30
    while metric(hub, "acp_sessions_pruned") < 1 and time.monotonic() < end:
        time.sleep(0.25)
    assert metric(hub, "acp_sessions_pruned") == 1
    assert metric(hub, "carts_pruned") == 1  # the canceled session's released cart
    assert acp(hub, "GET", f"checkout_sessions/{canceled['id']}").status == 404
    got = acp(hub, "GET", f"checkout_sessions/{live['id']}")
    assert got.status == 200 and got.json["status"] != "canceled", got
    wait_for(lambda: stock(hub, "TEE-S-RED")["reserved"] == 1, what="the open session's hold to stay")
