"""Shopify plugin against the simulator: a fault storm.

While Shopify throttles (a small bucket, a forced throttle, 429s), answers 5xx
and truncated bodies, drops a third of its webhooks and sends the rest twice
and out of order, orders are placed and cancelled in Shopify and stock is
changed in the hub.  Once the storm ends, the order backfill and a reconcile
catch what the webhooks missed: every order is counted exactly once, and
Shopify shows the hub's number for every SKU."""
import random
import time

from conftest import wait_for
from shopify_fixtures import catalog, hub_available, outbox_empty, shop, wait_in_sync  # noqa: F401

STORM = {"error_rate": 0.15, "error_status": [500, 502, 503], "malformed_rate": 0.05, "drop_webhooks": 0.3,
         "duplicate_webhooks": 1, "webhook_jitter_ms": 400, "capacity": 120, "restore": 40, "throttle_status": 429}
CALM = {"error_rate": 0.0, "malformed_rate": 0.0, "drop_webhooks": 0.0, "duplicate_webhooks": 0,
        "webhook_jitter_ms": 0, "capacity": 2000, "restore": 100, "throttle_status": 200}


def on_hand(hub, sku):
    return hub.hubctl("stock", "get", hub.tenant, sku, json_out=True).json["on_hand"]


def test_fault_storm_converges(shop, sample_catalog):
    hub, sim = shop.hub, shop.sim
    hub.start()
    shop.import_catalog(sample_catalog)
    wait_for(lambda: outbox_empty(hub), timeout=120, what="the initial push")
    skus = [v["sku"] for p in catalog(sample_catalog) for v in p["variants"]]
    wait_in_sync(hub, sim, skus)
    rng = random.Random(7)
    pool = [s for s in skus if hub_available(hub, s) >= 8][:10]
    assert len(pool) >= 6
    start = {s: on_hand(hub, s) for s in pool}
    expect = dict(start)

    sim.control(**STORM, fail_next=2)  # at least two 5xx however few calls the storm sees
    orders = []
    for i in range(14):
        lines = [{"sku": s, "quantity": rng.randint(1, 2)} for s in rng.sample(pool, 2)]
        r = sim.order(lines, wait=False)
        orders.append((r["order"]["legacy_id"], lines))
        for ln in lines:
            expect[ln["sku"]] -= ln["quantity"]
        if i == 5:
            sim.control(force_throttle_for_s=1.5)
        if i % 4 == 3:  # the hub changes stock too
            s = rng.choice(pool)
            hub.hubctl("stock", "adjust", hub.tenant, s, "+3", "--reason", "storm receipt")
            expect[s] += 3
        time.sleep(0.1)
    for oid, lines in orders[:4]:  # cancellations restock
        sim.cancel(oid, restock=True, wait=False)
        for ln in lines:
            expect[ln["sku"]] += ln["quantity"]
    time.sleep(2.0)
    sim.control(**CALM)

    # The backfill (every second) finds the orders whose webhooks were dropped.
    wait_for(lambda: all(on_hand(hub, s) == expect[s] for s in pool), timeout=120, interval=0.5,
             what="every order and cancellation counted exactly once")
    hub.hubctl("reconcile", hub.tenant, "shopify")
    wait_for(lambda: outbox_empty(hub), timeout=120, what="the outbox after the storm")
    wait_in_sync(hub, sim, skus, timeout=120)
    # Orders: one commit per order line in the ledger, whatever was redelivered.
    for s in pool:
        led = hub.hubctl("ledger", hub.tenant, s, json_out=True).json["entries"]
        refs = [e["ref"] for e in led if e["kind"] == "commit"]
        assert len(refs) == len(set(refs)), (s, refs)
    st = sim.state()
    assert st["counters"]["throttled"] > 0 and st["counters"]["faults"], st["counters"]
    assert st["counters"].get("webhook_dropped", 0) > 0, st["counters"]
    assert all(on_hand(hub, s) == expect[s] for s in pool)
