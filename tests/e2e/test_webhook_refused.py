"""Signed webhooks whose events the hub's engine refuses for their content
(ABI 1.1, HUB_EMIT_REFUSED): nothing changes, and the channel is told so in
its own terms.

- The example channel answers 422 with the hub's reason: a 4xx tells it not
  to deliver the event again (503 stays for "not recorded, try again").
- The Shopify channel answers 200 {"status": "refused", "reason"}: Shopify
  retries anything else for 48 hours and then deletes the subscription.  The
  refusal is logged and counted (hub_plugin_shopify_webhooks_refused).

The refusals reach the engine (the store refuses them), not the plugin or the
mapping: a stock movement of a SKU the catalog does not have, a receipt of 0
units, an order without an id."""
import json
import re
import urllib.request

from conftest import SRC, wait_for
from shopify_fixtures import shop  # noqa: F401
from sim_fixtures import ledger, make_catalog, stock, webhook

SECRET = "whs-refused-e2e"

# The example channel's own mapping, plus a warehouse feed on the same
# webhook: an "order" payload with "receipt": true lists goods received,
# one stock.receive per line, passed through as they are (the store judges).
RECEIPTS = """
local orders_from_channel = from_channel
function from_channel(kind, payload, ctx)
    if kind == "order" and payload.receipt == true then
        local events = {}
        for _, l in ipairs(payload.lines or {}) do
            events[#events + 1] = { type = "stock.receive", sku = l.sku, quantity = l.quantity,
                                    reason = "receipt " .. tostring(payload.id) }
        end
        return hub.array(events)
    end
    return orders_from_channel(kind, payload, ctx)
end
"""


def metric(hub, name, channel):
    """The value of `name{tenant, channel}` in /metrics, 0 when absent."""
    text = urllib.request.urlopen(f"http://127.0.0.1:{hub.port}/metrics", timeout=10).read().decode()
    for line in text.splitlines():
        m = re.match(r"^%s\{([^}]*)\} (\S+)$" % re.escape(name), line)
        if m and f'tenant="{hub.tenant}"' in m.group(1) and f'channel="{channel}"' in m.group(1):
            return float(m.group(2))
    return 0.0


def receipt(rid, lines):
    return json.dumps({"id": rid, "receipt": True,
                       "lines": [{"sku": s, "quantity": q} for s, q in lines]}).encode()


def example_tenant(hub, tmp_path):
    script = tmp_path / "example_receipts.lua"
    script.write_text((SRC / "scripts" / "example.lua").read_text() + RECEIPTS)
    (tmp_path / "webhook_secret").write_text(SECRET + "\n")
    hub.write_tenant(f"""[tenant]
currency = EUR
buffer = 0

[channel example]
plugin = example
mode = live
path = {tmp_path / 'example.jsonl'}
mapping = {script}
webhook_secret = file:{tmp_path / 'webhook_secret'}
""")


def test_example_webhook_refused_is_422_and_changes_nothing(hub, tmp_path):
    example_tenant(hub, tmp_path)
    cat = tmp_path / "catalog.jsonl"
    skus = make_catalog(cat, products=1, variants=2, stock=10)
    hub.start()
    hub.hubctl("import", hub.tenant, cat)
    a = skus[0]
    snap = lambda: (stock(hub, a), ledger(hub, a)["entries"],  # noqa: E731
                    hub.hubctl("exceptions", hub.tenant, json_out=True).json["exceptions"])
    before = snap()
    refused0 = metric(hub, "hub_plugin_example_webhooks_refused", "example")
    core0 = metric(hub, "hub_events_refused_total", "example")

    # A receipt of a SKU the catalog does not have: the store refuses it.
    code, body = webhook(hub, SECRET, receipt("R-1", [("GHOST-1", 5)]), "ev-r1")
    assert code == 422, body
    assert body["error"] == "refused: SKU GHOST-1 is not in the catalog"
    # Delivered again: refused again (a refusal records no idempotency key).
    code, body = webhook(hub, SECRET, receipt("R-1", [("GHOST-1", 5)]), "ev-r1")
    assert code == 422 and "GHOST-1 is not in the catalog" in body["error"]
    # An invalid quantity of a known SKU: the mapping passes it, the store refuses it.
    code, body = webhook(hub, SECRET, receipt("R-2", [(a, 0)]), "ev-r2")
    assert code == 422, body
    assert body["error"] == f"refused: SKU {a}: receive quantity must be positive, got 0"
    # With the shipped example.lua too: an order without an id.
    order = json.dumps({"id": "", "lines": [{"sku": a, "quantity": 1}]}).encode()
    code, body = webhook(hub, SECRET, order, "ev-o1")
    assert code == 422 and "order_id required" in body["error"], body

    assert snap() == before
    assert metric(hub, "hub_plugin_example_webhooks_refused", "example") == refused0 + 4
    assert metric(hub, "hub_events_refused_total", "example") == core0 + 4

    # A receipt with one good line and one refused: the good one is recorded,
    # the answer still says what was refused (a redelivery would not help).
    code, body = webhook(hub, SECRET, receipt("R-3", [(a, 2), ("GHOST-2", 1)]), "ev-r3")
    assert code == 422 and body["error"] == "refused: event 2 of 2: SKU GHOST-2 is not in the catalog", body
    assert stock(hub, a)["on_hand"] == before[0]["on_hand"] + 2
    # And a good one is committed as before.
    code, body = webhook(hub, SECRET, receipt("R-4", [(a, 1)]), "ev-r4")
    assert (code, body) == (200, {"status": "committed"})
    assert stock(hub, a)["on_hand"] == before[0]["on_hand"] + 3
    log = hub.log.read_text()
    assert "webhook refused by the hub: SKU GHOST-1 is not in the catalog" in log


def refund(rid, order_id, lines):
    """A refunds/create body: lines (sku, quantity) restocked as returns."""
    return {"id": rid, "admin_graphql_api_id": f"gid://shopify/Refund/{rid}", "order_id": order_id,
            "restock": True,
            "refund_line_items": [{"id": rid * 10 + i, "quantity": q, "restock_type": "return",
                                   "line_item": {"id": rid * 100 + i, "sku": s, "quantity": q}}
                                  for i, (s, q) in enumerate(lines)]}


def test_shopify_webhook_refused_is_200_counted_and_not_retried(shop, tmp_path):  # noqa: F811
    hub, sim = shop.hub, shop.sim
    cat = tmp_path / "catalog.jsonl"
    skus = make_catalog(cat, products=1, variants=2, stock=10)
    hub.start()
    shop.import_catalog(cat)
    a = skus[0]
    before = (stock(hub, a), ledger(hub, a)["entries"])
    refused0 = metric(hub, "hub_plugin_shopify_webhooks_refused", "shopify")

    # Shopify's simulator signs and delivers a refund of a product the hub
    # does not manage, restocked as a return: stock.receive of an unknown SKU.
    r = sim.webhook(topic="refunds/create", body=refund(9001, 7001, [("NOT-IN-HUB-7", 2)]), wait=True)
    attempts = r["deliveries"][0]["attempts"]
    assert [x["status"] for x in attempts] == [200], attempts  # acknowledged at once: no retry
    answer = json.loads(attempts[0]["response"])
    assert answer == {"status": "refused", "reason": "SKU NOT-IN-HUB-7 is not in the catalog"}
    assert (stock(hub, a), ledger(hub, a)["entries"]) == before
    wait_for(lambda: metric(hub, "hub_plugin_shopify_webhooks_refused", "shopify") == refused0 + 1,
             what="the refusal counted")
    assert "refunds/create webhook shopify:" in hub.log.read_text()
    assert "refused by the hub: SKU NOT-IN-HUB-7 is not in the catalog" in hub.log.read_text()

    # The same refund sent again: refused again, acknowledged again.
    again = sim.webhook(topic="refunds/create", body=refund(9001, 7001, [("NOT-IN-HUB-7", 2)]), wait=True)
    assert [x["status"] for x in again["deliveries"][0]["attempts"]] == [200]
    assert json.loads(again["deliveries"][0]["attempts"][0]["response"])["status"] == "refused"

    # A refund of a hub SKU still restocks it.
    r = sim.webhook(topic="refunds/create", body=refund(9002, 7002, [(a, 1)]), wait=True)
    attempts = r["deliveries"][0]["attempts"]
    assert [x["status"] for x in attempts] == [200]
    assert json.loads(attempts[0]["response"]) == {"status": "committed"}
    assert stock(hub, a)["on_hand"] == before[0]["on_hand"] + 1
    assert metric(hub, "hub_plugin_shopify_webhooks_refused", "shopify") == refused0 + 2
