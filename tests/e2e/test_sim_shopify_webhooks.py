"""The Shopify simulator sends webhooks like Shopify (docs/channels/shopify.md §5):
signed bodies of Shopify's shapes, every header, retries with a stable webhook id,
and the duplicate / drop / delay knobs; plus the order flows that fire them
(order, cancel with restock, fulfillmentCreate, webhookSubscriptionCreate)."""
import base64
import hashlib
import hmac
import json
import time
from pathlib import Path

import pytest

from conftest import wait_for
from shopify_sim import ShopifySim, WebhookSink

SPEC = Path("/work/shared/specs/shopify/webhooks/2026-04")
LOC1 = "gid://shopify/Location/1"
HEADERS = ("x-shopify-topic", "x-shopify-hmac-sha256", "x-shopify-shop-domain", "x-shopify-api-version",
           "x-shopify-webhook-id", "x-shopify-event-id", "x-shopify-triggered-at")
PRODUCT_SET = """mutation P($input: ProductSetInput!) { productSet(input: $input, synchronous: true) {
  product { id } userErrors { field message } } }"""


def hmac_b64(secret, raw):
    """shopify.md §5: base64(HMAC-SHA256(key = app secret, message = raw body bytes))."""
    return base64.b64encode(hmac.new(secret.encode(), raw, hashlib.sha256).digest()).decode()


@pytest.fixture
def sink():
    s = WebhookSink()
    yield s
    s.close()


@pytest.fixture
def sim(tmp_path, sink):
    s = ShopifySim(tmp_path, hub_url=sink.url, webhook_secret="test-webhook-secret")
    s.control(webhook_backoff_ms=40, webhook_backoff_max_ms=200)
    yield s
    s.stop()


def seed(sim, skus=("W-1", "W-2"), stock=10):
    v = {"input": {"title": "Wïdget", "productOptions": [{"name": "Size", "values": [{"name": s} for s in skus]}],
                   "variants": [{"optionValues": [{"optionName": "Size", "name": s}], "sku": s, "price": "4.20",
                                 "inventoryQuantities": [{"locationId": LOC1, "name": "available", "quantity": stock}]}
                                for s in skus]}}
    assert sim.data(PRODUCT_SET, v)["productSet"]["userErrors"] == []


def _open_empty_arrays(schema):
    """The schemas are inferred from examples: an array that was empty in the example says
    `items: false`, which only means "no example item" - let those hold anything."""
    if isinstance(schema, dict):
        return {k: _open_empty_arrays(v) for k, v in schema.items() if not (k == "items" and v is False)}
    if isinstance(schema, list):
        return [_open_empty_arrays(v) for v in schema]
    return schema


def validate(topic, body):
    import jsonschema  # Debian python3-jsonschema
    schema = json.loads((SPEC / "schemas" / (topic.replace("/", "_") + ".json")).read_text())
    jsonschema.validate(body, _open_empty_arrays(schema))


def settle(sim, sink):
    """Wait until the sim has no webhook in flight, then forget what the sink got."""
    wait_for(lambda: sim.state()["counters"].get("webhooks_in_flight", 0) == 0, what="webhooks delivered")
    with sink.lock:
        sink.got.clear()


def test_hmac_matches_the_doc_test_vector(sim, sink):
    body = b'{"id":1234567890,"email":"customer@example.com","total_price":"123.45"}'
    want = "QNyObTlKbMx2qDlPF/ZOZcBqg5OgPg+2oky3zldc0Gw="  # shopify.md §5 test vector
    assert hmac_b64("test-webhook-secret", body) == want
    out = sim._ok("POST", "/_control/webhook", {"topic": "orders/create", "raw": body.decode(), "wait": True})
    assert out["deliveries"][0]["attempts"][-1]["status"] == 200
    got = sink.got[-1]
    assert got["body"] == body and got["headers"]["x-shopify-hmac-sha256"] == want


def test_signed_deliveries_carry_every_header_and_shopify_shapes(sim, sink):
    seed(sim)
    sim.set_inventory("W-1", 7)
    o = sim.order([{"sku": "W-1", "quantity": 2}, {"sku": "NOT-IN-CATALOG", "quantity": 1, "price": "3.00"}])
    wait_for(lambda: sink.of("orders/create"), what="orders/create")
    for g in sink.got:
        for h in HEADERS:
            assert g["headers"].get(h), (h, g["headers"])
        assert hmac.compare_digest(g["headers"]["x-shopify-hmac-sha256"], hmac_b64("test-webhook-secret", g["body"]))
        assert hmac_b64("another-secret", g["body"]) != g["headers"]["x-shopify-hmac-sha256"]
        assert g["headers"]["x-shopify-shop-domain"] == "demo-shop.myshopify.com"
        assert g["headers"]["x-shopify-api-version"] == "2026-04"
        assert g["headers"]["x-shopify-triggered-at"].endswith("Z")
        assert g["path"] == "/t/demo/shopify/webhooks"
    order = json.loads(sink.of("orders/create")[0]["body"])
    validate("orders/create", order)
    assert order["admin_graphql_api_id"] == o["order"]["id"] and order["id"] == o["order"]["legacy_id"]
    assert [(li["sku"], li["quantity"], li["price"]) for li in order["line_items"]] == \
        [("W-1", 2, "4.20"), ("NOT-IN-CATALOG", 1, "3.00")]
    assert order["line_items"][1]["variant_id"] is None and order["total_price"] == "11.40"
    assert "Wïdget".encode() in sink.of("orders/create")[0]["body"]  # raw UTF-8, signed as sent
    levels = [json.loads(g["body"]) for g in sink.of("inventory_levels/update")]
    for lv in levels:
        validate("inventory_levels/update", lv)
        assert set(lv) == {"inventory_item_id", "location_id", "available", "updated_at", "admin_graphql_api_id"}
    assert [lv["available"] for lv in levels][-2:] == [7, 5]  # merchant set 7, then the order took 2


def test_retries_until_2xx_with_a_stable_webhook_id(sim, sink):
    seed(sim)
    settle(sim, sink)
    sink.script = [500, 503, 404]  # the hub says no three times, then 200
    t0 = time.monotonic()
    sim.set_inventory("W-2", 3)
    wait_for(lambda: len(sink.got) >= 4, what="four attempts")
    got = sink.got[:4]
    assert [g["status"] for g in got] == [500, 503, 404, 200]
    assert len({g["headers"]["x-shopify-webhook-id"] for g in got}) == 1
    assert len({g["headers"]["x-shopify-triggered-at"] for g in got}) == 1
    assert len({g["body"] for g in got}) == 1
    gaps = [b["t"] - a["t"] for a, b in zip(got, got[1:])]
    assert gaps[0] >= 0.035 and gaps[1] >= 0.075 and gaps[2] >= 0.15  # 40 ms doubling (compressed backoff)
    assert time.monotonic() - t0 < 10
    time.sleep(0.3)
    assert len(sink.got) == 4  # nothing after the 2xx
    wid = got[0]["headers"]["x-shopify-webhook-id"]
    recs = [w for w in sim.state()["webhooks"] if w["webhook_id"] == wid]
    assert [r["status"] for r in recs] == [500, 503, 404, 200]


def test_slow_answer_is_a_failure_and_retried(sim, sink):
    seed(sim)
    settle(sim, sink)
    sim.control(webhook_timeout_s=0.3)
    sink.hold_s = 0.6
    sim.set_inventory("W-1", 1, wait=False)
    wait_for(lambda: len(sink.got) >= 2, what="a retry after a timeout")
    sink.hold_s = 0.0
    wid = sink.got[0]["headers"]["x-shopify-webhook-id"]
    wait_for(lambda: any(w["status"] == 200 and w["webhook_id"] == wid for w in sim.state()["webhooks"]),
             what="a 2xx")
    recs = [w for w in sim.state()["webhooks"] if w["webhook_id"] == wid]
    assert recs[0]["status"] == 0 and "timed out" in recs[0]["response"]
    assert len({g["headers"]["x-shopify-webhook-id"] for g in sink.got}) == 1


def test_gives_up_and_drops_an_api_subscription(tmp_path, sink):
    sim = ShopifySim(tmp_path, hub_url="")  # only API-created subscriptions get webhooks
    try:
        sim.control(webhook_backoff_ms=10, webhook_max_attempts=3)
        create = """mutation W($t: WebhookSubscriptionTopic!, $s: WebhookSubscriptionInput!) {
          webhookSubscriptionCreate(topic: $t, webhookSubscription: $s) {
            webhookSubscription { id topic uri } userErrors { field message } } }"""
        d = sim.data(create, {"t": "ORDERS_CREATE", "s": {"uri": sink.url, "format": "JSON"}})
        sub = d["webhookSubscriptionCreate"]["webhookSubscription"]
        assert sub["topic"] == "ORDERS_CREATE" and sub["uri"] == sink.url
        again = sim.data(create, {"t": "ORDERS_CREATE", "s": {"uri": sink.url}})["webhookSubscriptionCreate"]
        assert again["webhookSubscription"] is None and "taken" in again["userErrors"][0]["message"]
        seed(sim)
        sink.default = 500
        sim.order([{"sku": "W-1", "quantity": 1}], wait=True)
        assert sink.topics() == ["orders/create"] * 3  # only the subscribed topic, three attempts
        results = [w["result"] for w in sim.state()["webhooks"]]
        assert results == ["failed"] * 3 + ["given_up", "subscription_deleted"]
        subs = sim.data("{ webhookSubscriptions(first: 10) { nodes { id } } }")
        assert subs["webhookSubscriptions"]["nodes"] == []
    finally:
        sim.stop()


def test_duplicate_and_drop_knobs(sim, sink):
    seed(sim)
    settle(sim, sink)
    sim.control(duplicate_webhooks=2)
    sim.set_inventory("W-1", 4)
    wait_for(lambda: len(sink.got) >= 3, what="1 + 2 duplicate deliveries")
    time.sleep(0.2)
    assert len(sink.got) == 3
    assert len({g["headers"]["x-shopify-webhook-id"] for g in sink.got}) == 1
    assert len({g["body"] for g in sink.got}) == 1
    sim.control(duplicate_webhooks=0, drop_webhooks=1.0)
    sim.set_inventory("W-1", 5)
    sim.order([{"sku": "W-2", "quantity": 1}])
    # level of W-1, level of W-2, orders/create, products/update: all dropped
    wait_for(lambda: sim.state()["counters"]["webhook_dropped"] >= 4, what="four dropped deliveries")
    time.sleep(0.3)
    assert sim.state()["counters"]["webhook_dropped"] == 4
    assert len(sink.got) == 3  # nothing more arrived
    sim.control(drop_webhooks=0.0, webhook_delay_ms=300)
    t0 = time.monotonic()
    sim.set_inventory("W-1", 6, wait=True)
    assert time.monotonic() - t0 >= 0.3 and len(sink.got) == 4


def test_cancel_with_restock_and_fulfillment(sim, sink):
    seed(sim, stock=5)
    a = sim.order([{"sku": "W-1", "quantity": 2}])["order"]
    b = sim.order([{"sku": "W-1", "quantity": 1}, {"sku": "W-2", "quantity": 1}])["order"]
    sim.cancel(a["id"], restock=True)
    cancelled = json.loads(sink.of("orders/cancelled")[0]["body"])
    validate("orders/cancelled", cancelled)
    assert cancelled["id"] == a["legacy_id"] and cancelled["cancelled_at"] and cancelled["cancel_reason"] == "customer"
    inv = sim.state()["inventory"]
    assert inv["W-1"]["1"] == {"available": 4, "committed": 1, "on_hand": 5}  # 2 back, 1 still committed by b
    fo = sim.data("""query($id: ID!) { order(id: $id) { fulfillmentOrders(first: 5) { nodes { id status
        lineItems(first: 5) { nodes { id remainingQuantity sku } } } } } }""", {"id": b["id"]})
    fo = fo["order"]["fulfillmentOrders"]["nodes"][0]
    assert fo["status"] == "OPEN" and {n["sku"]: n["remainingQuantity"] for n in fo["lineItems"]["nodes"]} == \
        {"W-1": 1, "W-2": 1}
    mutation = """mutation F($f: FulfillmentInput!) { fulfillmentCreate(fulfillment: $f) {
      fulfillment { id status trackingInfo { company number url } } userErrors { field message } } }"""
    f = {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo["id"]}], "notifyCustomer": False,
         "trackingInfo": {"company": "UPS", "number": "1Z999AA10123456784", "url": "https://ups.example/t"}}
    d = sim.data(mutation, {"f": f})["fulfillmentCreate"]
    assert d["userErrors"] == [] and d["fulfillment"]["trackingInfo"] == [f["trackingInfo"]]
    d = sim.data(mutation, {"f": f})["fulfillmentCreate"]
    assert d["fulfillment"] is None and "unfulfillable" in d["userErrors"][0]["message"]
    wait_for(lambda: sink.of("orders/fulfilled"), what="orders/fulfilled")
    shipped = json.loads(sink.of("orders/fulfilled")[0]["body"])
    validate("orders/fulfilled", shipped)
    assert shipped["fulfillment_status"] == "fulfilled"
    assert shipped["fulfillments"][0]["tracking_number"] == "1Z999AA10123456784"
    inv = sim.state()["inventory"]
    assert inv["W-1"]["1"] == {"available": 4, "committed": 0, "on_hand": 4}  # shipped stock left the shelf
    st = sim.state()
    assert next(o for o in st["orders"] if o["id"] == b["id"])["fulfillmentOrders"][0]["status"] == "CLOSED"
    assert st["fulfillments"][0]["tracking"]["company"] == "UPS"
    # fulfilling the cancelled order is refused
    fa = sim.data("""query($id: ID!) { order(id: $id) { fulfillmentOrders(first: 1) { nodes { id } } } }""",
                  {"id": a["id"]})["order"]["fulfillmentOrders"]["nodes"][0]["id"]
    d = sim.data(mutation, {"f": dict(f, lineItemsByFulfillmentOrder=[{"fulfillmentOrderId": fa}])})
    assert d["fulfillmentCreate"]["userErrors"]


def test_one_event_to_two_addresses_shares_the_event_id(sim, sink):
    other = WebhookSink()
    try:
        create = """mutation { webhookSubscriptionCreate(topic: ORDERS_CREATE,
          webhookSubscription: {callbackUrl: "%s", format: JSON}) { userErrors { message } } }""" % other.url
        assert sim.data(create)["webhookSubscriptionCreate"]["userErrors"] == []
        seed(sim)
        sim.order([{"sku": "W-1", "quantity": 1}])
        a, b = sink.of("orders/create")[0], other.of("orders/create")[0]
        assert a["headers"]["x-shopify-event-id"] == b["headers"]["x-shopify-event-id"]
        assert a["headers"]["x-shopify-webhook-id"] != b["headers"]["x-shopify-webhook-id"]
        assert a["body"] == b["body"]
    finally:
        other.close()
