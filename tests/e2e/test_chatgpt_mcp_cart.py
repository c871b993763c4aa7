"""Carts, stock holds, totals, coupons, limits and commerce policy of the
ChatGPT channel (plain HTTP MCP).  Stock is read back with hubctl: the
store, not the plugin, is the judge."""
import json
import threading
import time

from conftest import read_jsonl, wait_for
from mcp_helpers import (clean_exit, Legacy, Raw, error_text, half_up, rpc, sc, setup_shop, stock, totals_consistent,
                         wait_available)


def example_section(hub):
    return f"""
[channel example]
plugin = example
mode = live
buffer = 0
path = {hub.root / 'example.jsonl'}
"""


def last_example_qty(hub, sku):
    q = None
    for line in read_jsonl(hub.root / "example.jsonl"):
        if line.get("op") == "stock" and line.get("sku") == sku:
            q = line["quantity"]
    return q


def test_race_for_the_last_unit_and_other_channels_see_the_hold(hub):
    setup_shop(hub, extra=example_section(hub))
    wait_for(lambda: last_example_qty(hub, "LAST-1") == 1, what="example channel shows LAST-1 = 1")
    shoppers = [Legacy(hub, origin="https://chatgpt.com") for _ in range(2)]
    barrier = threading.Barrier(2)
    answers = [None, None]

    def buy(i):
        barrier.wait()
        answers[i] = shoppers[i].tool("add_to_cart", {"sku": "LAST-1", "quantity": 1})

    threads = [threading.Thread(target=buy, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    won = [a for a in answers if not a["result"].get("isError")]
    lost = [a for a in answers if a["result"].get("isError")]
    assert len(won) == 1 and len(lost) == 1, answers
    assert "cannot reserve 1, 0 available" in lost[0]["result"]["content"][0]["text"]
    cart = won[0]["result"]["structuredContent"]
    assert cart["lines"][0]["reserved"] is True
    st = stock(hub, "LAST-1")
    assert st["on_hand"] == 1 and st["reserved"] == 1
    # every other channel sees the unit gone while the hold lasts ...
    wait_for(lambda: last_example_qty(hub, "LAST-1") == 0, what="example channel shows LAST-1 = 0")
    wait_available(hub, "LAST-1", 0)
    # ... and back when the cart lets it go
    winner = shoppers[answers.index(won[0])]
    winner.tool("remove_from_cart", {"cart_id": cart["cart_id"], "sku": "LAST-1"})
    assert stock(hub, "LAST-1")["reserved"] == 0
    wait_for(lambda: last_example_qty(hub, "LAST-1") == 1, what="example channel shows LAST-1 = 1 again")


def test_many_carts_never_hold_more_than_on_hand(hub):
    setup_shop(hub)
    n = 6
    shoppers = [Legacy(hub) for _ in range(n)]
    barrier = threading.Barrier(n)
    answers = [None] * n

    def buy(i):
        barrier.wait()
        answers[i] = shoppers[i].tool("add_to_cart", {"sku": "BOOT-42", "quantity": 1})

    threads = [threading.Thread(target=buy, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    won = [a for a in answers if not a["result"].get("isError")]
    assert len(won) == 3  # BOOT-42 has 3 on hand
    assert stock(hub, "BOOT-42")["reserved"] == 3


def test_hold_expires_and_checkout_reserves_again_or_says_why(hub):
    setup_shop(hub, hold_ttl="2s")
    s = Legacy(hub)
    cart = sc(s.tool("add_to_cart", {"sku": "BOOT-42", "quantity": 2}))
    cid = cart["cart_id"]
    assert stock(hub, "BOOT-42")["reserved"] == 2
    # the core's sweep releases the expired hold
    wait_for(lambda: stock(hub, "BOOT-42")["reserved"] == 0, timeout=30, what="the hold to expire")
    led = hub.hubctl("ledger", hub.tenant, "BOOT-42", json_out=True).json["entries"]
    assert any(e["kind"] == "release" and e["reason"] == "expired" for e in led), led
    view = sc(s.tool("view_cart", {"cart_id": cid}))
    assert view["lines"][0]["quantity"] == 2 and view["lines"][0]["reserved"] is False
    assert any("expired" in m for m in view["messages"]), view
    # checkout reserves again while the stock is there
    out = sc(s.tool("start_checkout", {"cart_id": cid}))
    assert out["lines"][0]["reserved"] is True
    assert any("reserved 2" in m for m in out["messages"]), out
    assert stock(hub, "BOOT-42")["reserved"] == 2
    # expire again, then the stock shrinks: checkout says exactly why
    wait_for(lambda: stock(hub, "BOOT-42")["reserved"] == 0, timeout=30, what="the hold to expire again")
    hub.hubctl("stock", "set", hub.tenant, "BOOT-42", "1")
    text = error_text(s.tool("start_checkout", {"cart_id": cid}))
    assert "cannot reserve 2, 1 available" in text, text
    text = error_text(s.tool("place_order", {"cart_id": cid, "confirm_total": out["checkout"]["total"]}))
    assert "cannot reserve 2, 1 available" in text
    st = stock(hub, "BOOT-42")
    assert st["on_hand"] == 1 and st["reserved"] == 0


def test_cart_activity_keeps_the_hold_alive(hub):
    setup_shop(hub, hold_ttl="3s")
    s = Legacy(hub)
    cid = sc(s.tool("add_to_cart", {"sku": "TEE-M-BLUE", "quantity": 1}))["cart_id"]
    end = time.monotonic() + 6
    while time.monotonic() < end:  # twice the TTL of activity
        assert sc(s.tool("view_cart", {"cart_id": cid}))["lines"][0]["reserved"] is True
        assert stock(hub, "TEE-M-BLUE")["reserved"] == 1
        time.sleep(0.5)
    wait_for(lambda: stock(hub, "TEE-M-BLUE")["reserved"] == 0, timeout=30, what="the idle hold to expire")


def test_bad_input_changes_no_cart_and_no_stock(hub):
    setup_shop(hub)
    s = Legacy(hub)
    cid = sc(s.tool("add_to_cart", {"sku": "TEE-M-RED", "quantity": 2}))["cart_id"]
    before_cart = sc(s.tool("view_cart", {"cart_id": cid}))
    before = {sku: stock(hub, sku) for sku in ("TEE-M-RED", "BOOT-43", "KNIFE-1")}
    ledger_before = len(hub.hubctl("ledger", hub.tenant, "TEE-M-RED", json_out=True).json["entries"])

    def rpc_error(args, name="add_to_cart"):
        r = s.call("tools/call", {"name": name, "arguments": args})
        assert r.status == 200 and "error" in r.json, r.json
        return r.json["error"]

    assert rpc_error({}, name="teleport_items")["code"] == -32602
    assert rpc_error({"cart_id": cid, "quantity": 1})["code"] == -32602  # sku missing
    assert rpc_error({"cart_id": cid, "sku": "TEE-M-RED", "quantity": "two"})["code"] == -32602
    assert rpc_error({"cart_id": cid, "sku": "TEE-M-RED", "quantity": 1.5})["code"] == -32602
    assert rpc_error({"cart_id": cid, "sku": ["TEE-M-RED"], "quantity": 1})["code"] == -32602
    assert rpc_error({"cart_id": cid, "confirm_total": "lots"}, name="place_order")["code"] == -32602
    assert "unknown variant sku 'NOPE-1'" in error_text(s.tool("add_to_cart", {"cart_id": cid, "sku": "NOPE-1", "quantity": 1}))
    assert "at least 1" in error_text(s.tool("add_to_cart", {"cart_id": cid, "sku": "TEE-M-RED", "quantity": 0}))
    assert "at least 1" in error_text(s.tool("add_to_cart", {"cart_id": cid, "sku": "TEE-M-RED", "quantity": -3}))
    assert "at most 5 units" in error_text(s.tool("add_to_cart", {"cart_id": cid, "sku": "TEE-M-RED", "quantity": 10**9}))
    assert "at least 1" in error_text(s.tool("update_cart_item", {"cart_id": cid, "sku": "TEE-M-RED", "quantity": 0}))
    assert "at most 5" in error_text(s.tool("update_cart_item", {"cart_id": cid, "sku": "TEE-M-RED", "quantity": 10**9}))
    assert "not in cart" in error_text(s.tool("remove_from_cart", {"cart_id": cid, "sku": "TEE-S-RED"}))
    assert "0 available" in error_text(s.tool("add_to_cart", {"cart_id": cid, "sku": "BOOT-43", "quantity": 1}))
    assert "commerce policy" in error_text(s.tool("add_to_cart", {"cart_id": cid, "sku": "KNIFE-1", "quantity": 1}))
    assert "expired on 2020-01-01" in error_text(s.tool("apply_coupon", {"cart_id": cid, "code": "OLD20"}))
    assert "unknown coupon code" in error_text(s.tool("apply_coupon", {"cart_id": cid, "code": "FREESTUFF"}))
    assert "no cart" in error_text(s.tool("view_cart", {"cart_id": "cart_" + "f" * 32}))
    assert "no cart" in error_text(s.tool("view_cart", {"cart_id": "../../etc/passwd"}))
    assert "not 1" in error_text(s.tool("place_order", {"cart_id": cid, "confirm_total": 1}))
    for body in (b'{"hello":"world"}', b'{"jsonrpc":"2.0","id":9,"method":"tools/call","params":"x"}', b"{oops"):
        r = s.raw.request(body=body, headers=s.headers())
        assert r.status == 400 and r.json["error"]["code"] in (-32600, -32700)

    after_cart = sc(s.tool("view_cart", {"cart_id": cid}))
    assert after_cart["lines"] == before_cart["lines"] and after_cart["totals"] == before_cart["totals"]
    assert after_cart["coupon"] is None
    for sku, st in before.items():
        now = stock(hub, sku)
        assert (now["on_hand"], now["reserved"]) == (st["on_hand"], st["reserved"]), sku
    assert len(hub.hubctl("ledger", hub.tenant, "TEE-M-RED", json_out=True).json["entries"]) == ledger_before
    # a bad first add creates no cart: the client gets no cart id and no stock moves
    r = s.tool("add_to_cart", {"sku": "KNIFE-1", "quantity": 1})
    assert r["result"]["isError"] is True and "_meta" not in r["result"]


def test_abuse_limits(hub):
    setup_shop(hub, carts_per_minute=3)
    s = Legacy(hub)
    cid = sc(s.tool("add_to_cart", {"sku": "SOCKS-M", "quantity": 5}, meta={"openai/subject": "abuser"}))["cart_id"]
    assert "at most 5 units of one item" in error_text(
        s.tool("add_to_cart", {"cart_id": cid, "sku": "SOCKS-M", "quantity": 1}, meta={"openai/subject": "abuser"}))
    sc(s.tool("add_to_cart", {"cart_id": cid, "sku": "TEE-S-RED", "quantity": 5}, meta={"openai/subject": "abuser"}))
    assert "at most 12 units per cart" in error_text(
        s.tool("add_to_cart", {"cart_id": cid, "sku": "TEE-M-RED", "quantity": 3}, meta={"openai/subject": "abuser"}))
    assert stock(hub, "TEE-M-RED")["reserved"] == 0
    # new carts per minute per client (openai/subject)
    for _ in range(2):
        sc(s.tool("add_to_cart", {"sku": "SOCKS-M", "quantity": 1}, meta={"openai/subject": "abuser"}))
    text = error_text(s.tool("add_to_cart", {"sku": "SOCKS-M", "quantity": 1}, meta={"openai/subject": "abuser"}))
    assert "too many new carts" in text
    # another client is not affected
    sc(s.tool("add_to_cart", {"sku": "SOCKS-M", "quantity": 1}, meta={"openai/subject": "someone-else"}))
    assert stock(hub, "SOCKS-M")["reserved"] == 5 + 2 + 1


def line_math(lines, pct=None, fixed=None, bps=1900, inclusive=True):
    """Independent per-line, half-up computation of totals.h's rule."""
    gross = [u * q for u, q in lines]
    sub = sum(gross)
    if pct is not None:
        disc = [half_up(g * pct, 100) for g in gross]
    elif fixed is not None:
        amount = min(fixed, sub)
        floors = [amount * g // sub for g in gross]
        rems = [amount * g % sub for g in gross]
        for i in sorted(range(len(gross)), key=lambda i: -rems[i])[: amount - sum(floors)]:
            floors[i] += 1
        disc = floors
    else:
        disc = [0] * len(gross)
    net = [g - d for g, d in zip(gross, disc)]
    ship = 0 if sum(net) >= 5000 else 495
    den = 10000 + bps if inclusive else 10000
    tax = sum(half_up(n * bps, den) for n in net) + half_up(ship * bps, den)
    total = sum(net) + ship + (0 if inclusive else tax)
    return {"subtotal": sub, "discount": sum(disc), "shipping": ship, "tax": tax, "total": total}


def check_totals(view, expect):
    totals_consistent(view)
    got = {k: view["totals"][k] for k in expect}
    assert got == expect, (got, expect)


def test_totals_coupons_and_tax_inclusive(hub):
    setup_shop(hub)
    s = Legacy(hub)
    cid = sc(s.tool("add_to_cart", {"sku": "TEE-M-RED", "quantity": 3}))["cart_id"]
    v = sc(s.tool("add_to_cart", {"cart_id": cid, "sku": "SOCKS-M", "quantity": 1}))
    check_totals(v, line_math([(1999, 3), (999, 1)]))
    v = sc(s.tool("apply_coupon", {"cart_id": cid, "code": "WELCOME10"}))
    check_totals(v, line_math([(1999, 3), (999, 1)], pct=10))
    v = sc(s.tool("update_cart_item", {"cart_id": cid, "sku": "TEE-M-RED", "quantity": 2}))
    assert v["lines"][0]["quantity"] == 2 and stock(hub, "TEE-M-RED")["reserved"] == 2
    # 2 x 19.99 + 9.99 = 49.97 < 50.00: WELCOME10's minimum is no longer met
    assert v["totals"]["discount"] == 0 and any("at least EUR 50.00" in m for m in v["messages"])
    check_totals(v, line_math([(1999, 2), (999, 1)]))
    v = sc(s.tool("apply_coupon", {"cart_id": cid, "code": "fiver"}))
    assert v["coupon"] == "FIVER"
    check_totals(v, line_math([(1999, 2), (999, 1)], fixed=500))
    assert v["totals"]["shipping"] == 495
    v = sc(s.tool("apply_coupon", {"cart_id": cid, "code": ""}))
    assert v["coupon"] is None
    v = sc(s.tool("update_cart_item", {"cart_id": cid, "sku": "TEE-M-RED", "quantity": 4}))
    assert stock(hub, "TEE-M-RED")["reserved"] == 4
    check_totals(v, line_math([(1999, 4), (999, 1)]))
    v = sc(s.tool("remove_from_cart", {"cart_id": cid, "sku": "SOCKS-M"}))
    assert [l["sku"] for l in v["lines"]] == ["TEE-M-RED"] and stock(hub, "SOCKS-M")["reserved"] == 0


def test_totals_tax_exclusive(hub):
    setup_shop(hub, tax_mode="exclusive")
    s = Legacy(hub)
    cid = sc(s.tool("add_to_cart", {"sku": "TEE-M-BLUE", "quantity": 1}))["cart_id"]
    v = sc(s.tool("view_cart", {"cart_id": cid}))
    check_totals(v, line_math([(2499, 1)], inclusive=False))
    v = sc(s.tool("add_to_cart", {"cart_id": cid, "sku": "TEE-S-RED", "quantity": 2}))
    v = sc(s.tool("apply_coupon", {"cart_id": cid, "code": "WELCOME10"}))
    check_totals(v, line_math([(2499, 1), (1999, 2)], pct=10, inclusive=False))
    assert v["totals"]["total"] == v["totals"]["subtotal"] - v["totals"]["discount"] + v["totals"]["shipping"] + v["totals"]["tax"]


def test_prohibited_categories_never_appear_nor_sell(hub):
    setup_shop(hub)
    s = Legacy(hub)
    for q in ("knife", "hunting", "ebook", "guide"):
        assert sc(s.tool("search_products", {"query": q}))["total"] == 0, q
    everything = sc(s.tool("search_products", {"limit": 50}))
    ids = {p["product_id"] for p in everything["products"]}
    assert "knife-hunter" not in ids and "ebook-guide" not in ids and "tee-basic" in ids
    assert {f["value"] for f in everything["facets"]["category"]}.isdisjoint({"Outdoor > Weapons", "Books"})
    assert "no product" in error_text(s.tool("get_product_details", {"product_id": "knife-hunter"}))
    assert "no product" in error_text(s.tool("get_product_details", {"sku": "EBOOK-1"}))
    assert "commerce policy" in error_text(s.tool("add_to_cart", {"sku": "EBOOK-1", "quantity": 1}))
    assert stock(hub, "KNIFE-1")["reserved"] == 0 and stock(hub, "EBOOK-1")["reserved"] == 0


def test_search_filters_sort_facets_and_pages(hub):
    setup_shop(hub)
    s = Legacy(hub)
    r = sc(s.tool("search_products", {"brand": "lumen"}))
    assert {p["product_id"] for p in r["products"]} == {"tee-basic", "socks-pack"}
    r = sc(s.tool("search_products", {"category": "Shoes"}))
    assert [p["product_id"] for p in r["products"]] == ["boot-hiker"]
    r = sc(s.tool("search_products", {"category": "Boots", "in_stock_only": True}))
    assert [v["sku"] for v in r["products"][0]["variants"]] == ["BOOT-42"]
    r = sc(s.tool("search_products", {"min_price": 2000, "max_price": 3000}))
    assert {v["sku"] for p in r["products"] for v in p["variants"]} == {"TEE-M-BLUE", "LAST-1"}
    r = sc(s.tool("search_products", {"sort": "price_desc"}))
    mins = [p["price"]["min"] for p in r["products"]]
    assert mins == sorted(mins, reverse=True)
    assert {f["value"]: f["count"] for f in r["facets"]["brand"]}["Lumen"] == 2
    seen, cursor, pages = [], None, 0
    while True:
        args = {"limit": 2, "sort": "title"}
        if cursor:
            args["cursor"] = cursor
        page = sc(s.tool("search_products", args))
        seen += [p["product_id"] for p in page["products"]]
        pages += 1
        cursor = page.get("next_cursor")
        if not cursor:
            break
    assert pages == 2 and len(seen) == len(set(seen)) == page["total"] == 4


def test_orders_are_listed_per_account_never_per_origin(hub):
    setup_shop(hub)
    a, b = Legacy(hub, origin="https://chatgpt.com"), Legacy(hub, origin="https://chatgpt.com")
    cid = sc(a.tool("add_to_cart", {"sku": "SOCKS-M", "quantity": 1}))["cart_id"]
    total = sc(a.tool("start_checkout", {"cart_id": cid}))["checkout"]["total"]
    order = sc(a.tool("place_order", {"cart_id": cid, "confirm_total": total}))
    assert [o["order_id"] for o in sc(a.tool("list_orders"))["orders"]] == [order["order_id"]]
    assert sc(b.tool("list_orders"))["orders"] == []  # same Origin, other session: nothing
    # a subject's orders follow the subject across sessions
    u = {"openai/subject": "shopper-9"}
    cid = sc(a.tool("add_to_cart", {"sku": "SOCKS-M", "quantity": 1}, meta=u))["cart_id"]
    total = sc(a.tool("start_checkout", {"cart_id": cid}, meta=u))["checkout"]["total"]
    mine = sc(a.tool("place_order", {"cart_id": cid, "confirm_total": total}, meta=u))
    assert [o["order_id"] for o in sc(b.tool("list_orders", meta=u))["orders"]] == [mine["order_id"]]
    assert "client" not in mine and "account" not in mine
