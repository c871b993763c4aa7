"""Shopify plugin against the simulator: orders in, stock out.

A Shopify order lowers the hub's stock once, the other channel gets the new
number, a cancellation gives it back; an unknown SKU is kept as an exception;
a forged, unsigned or non-JSON webhook changes nothing; a shipment entered with
`hubctl ship` reaches Shopify as a fulfillment with its tracking number."""
import base64
import hashlib
import hmac
import json
import urllib.error
import urllib.request

from conftest import wait_for
from shopify_fixtures import (SECRET, catalog, example_stock, hub_available, outbox_empty, shop,  # noqa: F401
                              wait_in_sync)


def started(shop, sample_catalog):
    hub, sim = shop.hub, shop.sim
    hub.start()
    shop.import_catalog(sample_catalog)
    wait_for(lambda: outbox_empty(hub) and outbox_empty(hub, "example"), timeout=120, what="the initial push")
    skus = [v["sku"] for p in catalog(sample_catalog) for v in p["variants"]]
    stocked = [s for s in skus if hub_available(hub, s) >= 3]
    return hub, sim, skus, stocked


def stock_get(hub, sku):
    return hub.hubctl("stock", "get", hub.tenant, sku, json_out=True).json


def exceptions(hub):
    return hub.hubctl("exceptions", hub.tenant, json_out=True).json


def post_webhook(hub, topic, body: bytes, signature="good", webhook_id="wh-test-1", headers=None):
    h = {"Content-Type": "application/json", "X-Shopify-Topic": topic, "X-Shopify-Webhook-Id": webhook_id,
         "X-Shopify-Shop-Domain": "e2e-shop.myshopify.com", "X-Shopify-API-Version": "2026-04"}
    if signature == "good":
        h["X-Shopify-Hmac-Sha256"] = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()
    elif signature == "bad":
        h["X-Shopify-Hmac-Sha256"] = base64.b64encode(hmac.new(b"not-the-secret", body, hashlib.sha256).digest()).decode()
    h.update(headers or {})
    req = urllib.request.Request(f"http://127.0.0.1:{hub.port}/t/{hub.tenant}/shopify/webhooks", data=body,
                                 headers=h, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def test_order_lowers_stock_everywhere_and_cancel_restores(shop, sample_catalog):
    hub, sim, skus, stocked = started(shop, sample_catalog)
    a, b = stocked[0], stocked[1]
    before = {s: stock_get(hub, s) for s in (a, b)}
    r = sim.order([{"sku": a, "quantity": 2}, {"sku": b, "quantity": 1}])
    oid = r["order"]["legacy_id"]
    # The hub commits the order once: on hand drops by the ordered quantities.
    wait_for(lambda: stock_get(hub, a)["on_hand"] == before[a]["on_hand"] - 2, what="the order in the hub")
    assert stock_get(hub, b)["on_hand"] == before[b]["on_hand"] - 1
    led = hub.hubctl("ledger", hub.tenant, a, json_out=True).json
    commits = [e for e in led["entries"] if e["kind"] == "commit"]
    assert len(commits) == 1 and commits[0]["d_on_hand"] == -2
    # The other channel gets the new availability, and Shopify agrees with the hub.
    wait_for(lambda: example_stock(shop.example).get(a) == hub_available(hub, a, "example"),
             what="the example channel's new number")
    assert example_stock(shop.example)[a] == before[a]["available"]["example"] - 2
    wait_in_sync(hub, sim, [a, b])
    # The order is recorded once, although the backfill (poll 1s) reads it too.
    wait_for(lambda: sim.by_operation().get("orders", 0) >= 2, what="a backfill poll after the order")
    assert stock_get(hub, a)["on_hand"] == before[a]["on_hand"] - 2

    sim.cancel(oid, restock=True)
    wait_for(lambda: stock_get(hub, a)["on_hand"] == before[a]["on_hand"], what="the cancellation in the hub")
    assert stock_get(hub, b)["on_hand"] == before[b]["on_hand"]
    wait_for(lambda: example_stock(shop.example).get(a) == before[a]["available"]["example"],
             what="the example channel's restored number")
    wait_in_sync(hub, sim, [a, b])
    # A Shopify sale that the hub records is not drift.
    assert not [e for e in exceptions(hub)["exceptions"] if e["kind"] == "drift"]


def test_unknown_sku_in_an_order_is_kept_as_an_exception(shop, sample_catalog):
    hub, sim, skus, stocked = started(shop, sample_catalog)
    a = stocked[0]
    on_hand = stock_get(hub, a)["on_hand"]
    # Shopify's own example orders/create (SKUs no demo catalog has), signed by the simulator.
    sim.webhook(topic="orders/create", example=True, wait=True)
    # And an order mixing a known and an unknown SKU, placed in Shopify.
    sim.order([{"sku": a, "quantity": 1}, {"sku": "NOT-IN-HUB-1", "quantity": 4, "price": "12.50"}])
    wait_for(lambda: stock_get(hub, a)["on_hand"] == on_hand - 1, what="the known line committed")
    exc = wait_for(lambda: [e for e in exceptions(hub)["exceptions"] if e["kind"] == "unknown_sku"
                            and "NOT-IN-HUB-1" in e["message"]], what="the unknown SKU exception")
    assert "quantity 4" in exc[0]["message"]
    assert [e for e in exceptions(hub)["exceptions"] if "SKU2006-001" in e["message"]]
    st = hub.hubctl("status", hub.tenant, json_out=True).json["tenants"][0]
    assert st["exceptions"]["count"] >= 2
    text = hub.hubctl("status", hub.tenant).stdout
    assert "exception" in text


def test_bad_signature_and_bad_body_change_nothing(shop, sample_catalog):
    hub, sim, skus, stocked = started(shop, sample_catalog)
    a = stocked[0]
    order = json.dumps({"id": 7001, "admin_graphql_api_id": "gid://shopify/Order/7001", "currency": "EUR",
                        "name": "#7001", "line_items": [{"id": 1, "sku": a, "quantity": 2, "price": "10.00"}]}).encode()
    snap = lambda: (stock_get(hub, a), exceptions(hub)["exceptions"],  # noqa: E731
                    hub.hubctl("ledger", hub.tenant, a, json_out=True).json["entries"])
    before = snap()
    assert post_webhook(hub, "orders/create", order, signature="bad")[0] == 401
    assert post_webhook(hub, "orders/create", order, signature="missing")[0] == 401
    # signed JSON that is not an order: the mapping refuses it
    status, body = post_webhook(hub, "orders/create", b"{}", webhook_id="wh-1")
    assert status == 422 and "without an id" in body["error"]
    # a valid signature over other bytes than those sent
    tampered = order.replace(b'"quantity": 2', b'"quantity": 9')
    sig = base64.b64encode(hmac.new(SECRET.encode(), order, hashlib.sha256).digest()).decode()
    assert post_webhook(hub, "orders/create", tampered, signature=None,
                        headers={"X-Shopify-Hmac-Sha256": sig})[0] == 401
    assert post_webhook(hub, "orders/create", b"this is not json", webhook_id="wh-2")[0] == 400
    assert post_webhook(hub, "orders/create", b"[1,2]", webhook_id="wh-3")[0] == 400
    assert post_webhook(hub, "orders/create", order, headers={"X-Shopify-Topic": ""}, webhook_id="wh-4")[0] == 400
    status, body = post_webhook(hub, "app/uninstalled", b'{"id":1}', webhook_id="wh-5")
    assert status == 200 and body["status"] == "ignored"
    assert snap() == before
    # The real thing, twice under one webhook id: applied once.
    assert post_webhook(hub, "orders/create", order, webhook_id="wh-6")[0] == 200
    status, body = post_webhook(hub, "orders/create", order, webhook_id="wh-6")
    assert status == 200 and body["status"] == "duplicate"
    assert stock_get(hub, a)["on_hand"] == before[0]["on_hand"] - 2


def test_hubctl_ship_creates_a_fulfillment_with_tracking(shop, sample_catalog):
    hub, sim, skus, stocked = started(shop, sample_catalog)
    a, b = stocked[0], stocked[1]
    r = sim.order([{"sku": a, "quantity": 1}, {"sku": b, "quantity": 2}])
    oid = str(r["order"]["legacy_id"])
    wait_for(lambda: any(e["kind"] == "commit" and e.get("ref") == oid
                         for e in hub.hubctl("ledger", hub.tenant, a, json_out=True).json["entries"]),
             what="the order recorded in the hub")
    # an order the hub does not know is refused, nothing queued
    r = hub.hubctl("ship", hub.tenant, "shopify", "999999", "--tracking", "X1", "--carrier", "DHL", check=False)
    assert r.returncode == 1 and "999999" in r.stderr
    out = hub.hubctl("ship", hub.tenant, "shopify", oid, "--tracking", "1Z999AA10123456784", "--carrier", "UPS",
                     json_out=True).json
    assert out["duplicate"] is False
    f = wait_for(lambda: sim.state()["fulfillments"], what="the fulfillment in Shopify")
    assert len(f) == 1
    assert f[0]["tracking"]["number"] == "1Z999AA10123456784" and f[0]["tracking"]["company"] == "UPS"
    assert f[0]["order_id"] == f"gid://shopify/Order/{oid}"
    order = next(o for o in sim.state()["orders"] if str(o["legacy_id"]) == oid)
    assert order["fulfillment"] == "FULFILLED"
    assert all(fo["status"] == "CLOSED" for fo in order["fulfillmentOrders"])
    # The same shipment again: recorded once, nothing more sent.
    again = hub.hubctl("ship", hub.tenant, "shopify", oid, "--tracking", "1Z999AA10123456784", "--carrier", "UPS",
                       json_out=True).json
    assert again["duplicate"] is True
    wait_for(lambda: outbox_empty(hub), what="the outbox")
    assert len(sim.state()["fulfillments"]) == 1
    led = hub.hubctl("ledger", hub.tenant, a, json_out=True).json
    assert [e for e in led["entries"] if e["kind"] == "ship" and e.get("ref") == oid]
