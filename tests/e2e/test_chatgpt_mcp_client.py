"""A whole purchase through the official MCP TypeScript client
(@modelcontextprotocol/sdk, Streamable HTTP), every result validated against
the MCP schema and each tool's outputSchema; idempotent place_order; a hubd
restart in the middle of a cart; two shoppers never see each other's cart."""
from mcp_helpers import clean_exit, drive, half_up, ok_results, setup_shop, stock, totals_consistent, wait_indexed

U1 = {"openai/subject": "user-one", "openai/session": "conv-1"}
U2 = {"openai/subject": "user-two", "openai/session": "conv-2"}


def test_purchase_with_the_official_client(hub):
    setup_shop(hub)
    before_tee, before_socks = stock(hub, "TEE-M-RED"), stock(hub, "SOCKS-M")
    out = drive(hub, [
        {"list_tools": True},                                                              # 0
        {"list_resources": True},                                                          # 1
        {"tool": "search_products", "args": {"category": "Apparel", "size": "M", "colour": "red"}},  # 2
        {"tool": "get_product_details", "args": {"product_id": "tee-basic"}},              # 3
        {"tool": "add_to_cart", "args": {"sku": "TEE-M-RED", "quantity": 3}, "meta": U1},  # 4
        {"tool": "add_to_cart", "args": {"cart_id": "$4.cart_id", "sku": "SOCKS-M", "quantity": 1}, "meta": U1},  # 5
        {"tool": "view_cart", "args": {"cart_id": "$4.cart_id"}, "meta": U1},              # 6
        {"tool": "apply_coupon", "args": {"cart_id": "$4.cart_id", "code": "welcome10"}, "meta": U1},  # 7
        {"tool": "start_checkout", "args": {"cart_id": "$4.cart_id"}, "meta": U1},         # 8
        {"tool": "place_order", "args": {"cart_id": "$4.cart_id", "confirm_total": "$8.checkout.total",
                                         "request_key": "buy-1"}, "meta": U1},             # 9
        {"tool": "get_order_status", "args": {"order_id": "$9.order_id"}, "meta": U1},     # 10
        {"tool": "list_orders", "args": {}, "meta": U1},                                   # 11
        {"tool": "view_cart", "args": {"cart_id": "$4.cart_id"}, "meta": U1},              # 12
    ])
    assert out["protocolVersion"] == "2025-11-25" and out["sessionId"]
    assert out["capabilities"]["tools"] is not None
    r = ok_results(out)
    tools = {t["name"]: t for t in r[0]["result"]["tools"]}
    assert len(tools) == 11
    resources = {x["uri"] for x in r[1]["result"]["resources"]}
    for t in tools.values():
        assert "_meta" in t and t["annotations"]["title"]
        template = t["_meta"].get("openai/outputTemplate")
        assert template is None or template in resources, (t["name"], template)
    assert tools["view_cart"]["_meta"]["openai/outputTemplate"]
    search = r[2]["result"]["structuredContent"]
    assert [p["product_id"] for p in search["products"]] == ["tee-basic"]
    assert [v["sku"] for v in search["products"][0]["variants"]] == ["TEE-M-RED"]
    assert {f["value"] for f in search["facets"]["colour"]} == {"red"}
    details = r[3]["result"]["structuredContent"]
    assert {v["sku"] for v in details["variants"]} == {"TEE-S-RED", "TEE-M-RED", "TEE-M-BLUE"}

    cart_id = r[4]["result"]["structuredContent"]["cart_id"]
    for i in (4, 5, 6, 7, 8, 12):
        assert r[i]["result"]["_meta"]["openai/widgetSessionId"] == cart_id
        assert r[i]["result"]["structuredContent"]["cart_id"] == cart_id
    view = r[6]["result"]["structuredContent"]
    assert [(l["sku"], l["quantity"], l["reserved"]) for l in view["lines"]] == [("TEE-M-RED", 3, True), ("SOCKS-M", 1, True)]
    totals_consistent(view)
    assert view["totals"]["subtotal"] == 3 * 1999 + 999

    priced = r[7]["result"]["structuredContent"]
    totals_consistent(priced)
    assert priced["coupon"] == "WELCOME10"
    assert priced["totals"]["discount"] == half_up(3 * 1999 * 10, 100) + half_up(999 * 10, 100)
    net = [3 * 1999 - half_up(3 * 1999 * 10, 100), 999 - half_up(999 * 10, 100)]
    assert priced["totals"]["shipping"] == 0  # free over 50.00 after the discount
    assert priced["totals"]["tax"] == sum(half_up(n * 1900, 11900) for n in net)
    assert priced["totals"]["total"] == sum(net)

    checkout = r[8]["result"]["structuredContent"]["checkout"]
    assert checkout["total"] == priced["totals"]["total"]
    assert checkout["confirm_with"]["arguments"] == {"cart_id": cart_id, "confirm_total": checkout["total"]}
    order = r[9]["result"]["structuredContent"]
    assert order["status"] == "placed" and order["totals"]["total"] == checkout["total"]
    assert order["payment"]["provider"] == "demo" and order["payment"]["amount"] == checkout["total"]
    assert r[10]["result"]["structuredContent"]["order_id"] == order["order_id"]
    assert [o["order_id"] for o in r[11]["result"]["structuredContent"]["orders"]] == [order["order_id"]]
    after = r[12]["result"]["structuredContent"]
    assert after["status"] == "ordered" and after["order_id"] == order["order_id"]

    # the holds were committed: on hand went down by what was bought, nothing stays reserved
    tee, socks = stock(hub, "TEE-M-RED"), stock(hub, "SOCKS-M")
    assert tee["on_hand"] == before_tee["on_hand"] - 3 and tee["reserved"] == 0
    assert socks["on_hand"] == before_socks["on_hand"] - 1 and socks["reserved"] == 0


def test_place_order_is_idempotent_per_request_key(hub):
    setup_shop(hub)
    before = stock(hub, "BOOT-42")
    out = drive(hub, [
        {"tool": "add_to_cart", "args": {"sku": "BOOT-42", "quantity": 2, "request_id": "add-1"}},  # 0
        {"tool": "add_to_cart", "args": {"cart_id": "$0.cart_id", "sku": "BOOT-42", "quantity": 2,
                                         "request_id": "add-1"}},                                    # 1 retry
        {"tool": "start_checkout", "args": {"cart_id": "$0.cart_id"}},                               # 2
        {"tool": "place_order", "args": {"cart_id": "$0.cart_id", "confirm_total": 1}},              # 3 wrong total
        {"tool": "place_order", "args": {"cart_id": "$0.cart_id", "confirm_total": "$2.checkout.total",
                                         "request_key": "k-1"}},                                     # 4
        {"tool": "place_order", "args": {"cart_id": "$0.cart_id", "confirm_total": "$2.checkout.total",
                                         "request_key": "k-1"}},                                     # 5 retry
        {"tool": "place_order", "args": {"cart_id": "$0.cart_id", "confirm_total": "$2.checkout.total"}},  # 6
        {"tool": "add_to_cart", "args": {"sku": "SOCKS-M", "quantity": 1}},                          # 7 other cart
        {"tool": "start_checkout", "args": {"cart_id": "$7.cart_id"}},                               # 8
        {"tool": "place_order", "args": {"cart_id": "$7.cart_id", "confirm_total": "$8.checkout.total",
                                         "request_key": "k-1"}},                                     # 9 key reused
        {"tool": "list_orders", "args": {}},                                                         # 10
    ])
    r = ok_results(out)
    assert r[1]["result"]["structuredContent"]["lines"][0]["quantity"] == 2  # the retried add did not double
    wrong = r[3]["result"]
    assert wrong["isError"] is True and str(r[2]["result"]["structuredContent"]["checkout"]["total"]) in wrong["content"][0]["text"]
    first = r[4]["result"]["structuredContent"]
    assert r[5]["result"]["structuredContent"]["order_id"] == first["order_id"]
    assert r[5]["result"]["structuredContent"]["replayed"] is True
    assert r[6]["result"]["structuredContent"]["order_id"] == first["order_id"]
    assert r[9]["result"]["isError"] is True and "already used" in r[9]["result"]["content"][0]["text"]
    assert [o["order_id"] for o in r[10]["result"]["structuredContent"]["orders"]] == [first["order_id"]]
    after = stock(hub, "BOOT-42")
    assert after["on_hand"] == before["on_hand"] - 2 and after["reserved"] == 0
    assert stock(hub, "SOCKS-M")["reserved"] == 1  # the second cart still holds its unit
    orders = hub.hubctl("ledger", hub.tenant, "BOOT-42", json_out=True).json
    commits = [e for e in (orders if isinstance(orders, list) else orders.get("entries", []))
               if e.get("kind") in ("commit", "COMMIT")]
    assert len(commits) == 1, commits


def test_cart_survives_a_hubd_restart(hub):
    setup_shop(hub)
    first = drive(hub, [
        {"tool": "add_to_cart", "args": {"sku": "TEE-M-BLUE", "quantity": 2}, "meta": U1},
        {"tool": "apply_coupon", "args": {"cart_id": "$0.cart_id", "code": "FIVER"}, "meta": U1},
    ])
    r = ok_results(first)
    cart_id = r[0]["result"]["structuredContent"]["cart_id"]
    before = r[1]["result"]["structuredContent"]
    assert hub.stop() == 0
    hub.start()
    wait_indexed(hub)
    assert stock(hub, "TEE-M-BLUE")["reserved"] == 2  # the hold outlived the restart too
    second = drive(hub, [
        {"tool": "view_cart", "args": {"cart_id": cart_id}, "meta": U1},
        {"tool": "add_to_cart", "args": {"cart_id": cart_id, "sku": "TEE-S-RED", "quantity": 1}, "meta": U1},
        {"tool": "start_checkout", "args": {"cart_id": cart_id}, "meta": U1},
        {"tool": "place_order", "args": {"cart_id": cart_id, "confirm_total": "$2.checkout.total"}, "meta": U1},
    ])
    assert second["sessionId"] != first["sessionId"]
    r = ok_results(second)
    view = r[0]["result"]["structuredContent"]
    assert view["lines"] == before["lines"] and view["totals"] == before["totals"]
    assert view["coupon"] == "FIVER"
    order = r[3]["result"]["structuredContent"]
    assert {l["sku"]: l["quantity"] for l in order["lines"]} == {"TEE-M-BLUE": 2, "TEE-S-RED": 1}
    assert stock(hub, "TEE-M-BLUE")["reserved"] == 0


def test_two_shoppers_never_see_each_others_cart(hub):
    setup_shop(hub)
    a = ok_results(drive(hub, [
        {"tool": "add_to_cart", "args": {"sku": "SOCKS-M", "quantity": 1}, "meta": U1},
        {"tool": "start_checkout", "args": {"cart_id": "$0.cart_id"}, "meta": U1},
        {"tool": "place_order", "args": {"cart_id": "$0.cart_id", "confirm_total": "$1.checkout.total"}, "meta": U1},
    ]))
    cart_a = a[0]["result"]["structuredContent"]["cart_id"]
    order_a = a[2]["result"]["structuredContent"]["order_id"]
    b = ok_results(drive(hub, [
        {"tool": "view_cart", "args": {"cart_id": cart_a}, "meta": U2},
        {"tool": "add_to_cart", "args": {"cart_id": cart_a, "sku": "SOCKS-M", "quantity": 1}, "meta": U2},
        {"tool": "get_order_status", "args": {"order_id": order_a}, "meta": U2},
        {"tool": "list_orders", "args": {}, "meta": U2},
        {"tool": "add_to_cart", "args": {"sku": "SOCKS-M", "quantity": 1}, "meta": U2},
        {"tool": "view_cart", "args": {"cart_id": "cart_" + "0" * 32}, "meta": U2},
    ]))
    for i in (0, 1, 2, 5):
        assert b[i]["result"]["isError"] is True, b[i]
    assert b[3]["result"]["structuredContent"]["orders"] == []
    cart_b = b[4]["result"]["structuredContent"]["cart_id"]
    assert cart_b != cart_a and len(cart_b) == len(cart_a)
    assert stock(hub, "SOCKS-M")["reserved"] == 1  # only B's own cart holds a unit


def test_modern_era_with_the_dual_era_client(hub):
    """@modelcontextprotocol/client 2.x negotiates 2026-07-28 (server/discover,
    per-request _meta and headers, no session) and buys a cart."""
    setup_shop(hub)
    steps = [
        {"list_tools": True},
        {"tool": "search_products", "args": {"query": "socks"}},
        {"tool": "add_to_cart", "args": {"sku": "SOCKS-M", "quantity": 2}, "meta": U1},
        {"tool": "view_cart", "args": {"cart_id": "$2.cart_id"}, "meta": U1},
        {"tool": "start_checkout", "args": {"cart_id": "$2.cart_id"}, "meta": U1},
        {"tool": "place_order", "args": {"cart_id": "$2.cart_id", "confirm_total": "$4.checkout.total",
                                         "request_key": "modern-1"}, "meta": U1},
        {"list_resources": True},
    ]
    for negotiation in ("auto", {"pin": "2026-07-28"}):
        out = drive(hub, steps if negotiation == "auto" else steps[:2], sdk="v2", negotiation=negotiation)
        assert out["protocolVersion"] == "2026-07-28", out
        assert not out.get("sessionId")
        r = ok_results(out)
        assert len(r[0]["result"]["tools"]) == 11
        assert r[1]["result"]["structuredContent"]["total"] == 1
    out = drive(hub, [{"tool": "list_orders", "args": {}, "meta": U1}], sdk="v2", negotiation="auto")
    orders = ok_results(out)[0]["result"]["structuredContent"]["orders"]
    assert len(orders) == 1 and orders[0]["total"] > 0
    st = stock(hub, "SOCKS-M")
    assert st["reserved"] == 0 and st["on_hand"] == 48
