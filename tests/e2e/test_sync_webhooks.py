"""Order webhooks from the channel simulator into the hub: signed, answered only
once durable, idempotent under redelivery, safe when out of order, and an
unknown SKU becomes an exception instead of being dropped."""
import json

from conftest import wait_for
from sim_fixtures import (catalog_skus, exceptions, http_tenant, ledger, make_catalog, sim, stock,
                          wait_converged)

__all__ = ["sim"]


def order(oid, lines, status="open"):
    return {"id": oid, "status": status, "currency": "EUR",
            "lines": [{"sku": s, "quantity": q} for s, q in lines]}


def answers(result):
    """[(copy, HTTP status, hub's "status")] of each delivery attempt."""
    return [(d["copy"], d["status"], json.loads(d["response"]).get("status")) for d in result["deliveries"]]


def entries(hub, sku, ref):
    return [(e["kind"], e["d_on_hand"]) for e in ledger(hub, sku)["entries"] if e["ref"] == ref]


def test_duplicates_out_of_order_and_unknown_skus(hub, sim, tmp_path):
    cat = tmp_path / "catalog.jsonl"
    skus = make_catalog(cat, products=2, variants=3, stock=40)
    http_tenant(hub, sim)
    hub.start()
    hub.hubctl("import", hub.tenant, cat)
    wait_converged(hub, sim, skus)
    a, b, c, d = skus[:4]
    before = {s: stock(hub, s)["on_hand"] for s in skus}

    # The same event delivered three times: applied once, acknowledged thrice.
    r = sim.order(order("W-1", [(a, 2)]), duplicates=2)
    assert answers(r) == [(0, 200, "committed"), (1, 200, "duplicate"), (2, 200, "duplicate")]
    # The channel re-sends the same order as a new event: the order id keeps it once.
    r = sim.order(order("W-1", [(a, 2)]))
    assert answers(r) == [(0, 200, "committed")]
    assert entries(hub, a, "W-1") == [("commit", -2)]

    # A cancellation that overtakes its order: the late order moves nothing.
    r = sim.order(order("W-2", [(b, 3)], status="cancelled"))
    assert r["topic"] == "order.cancelled" and answers(r) == [(0, 200, "committed")]
    r = sim.order(order("W-2", [(b, 3)]))
    assert answers(r) == [(0, 200, "committed")]
    assert entries(hub, b, "W-2") == []

    # An order with an unknown SKU: its known line moves stock, the unknown one
    # is kept as an exception.
    r = sim.order(order("W-3", [("GHOST-9", 1), (c, 1)]))
    assert answers(r) == [(0, 200, "committed")]
    assert entries(hub, c, "W-3") == [("commit", -1)]

    # An order, then its cancellation delivered twice (and once more as a new
    # event): stock goes out once and comes back once.
    assert answers(sim.order(order("W-4", [(d, 5)]))) == [(0, 200, "committed")]
    r = sim.order(order("W-4", [(d, 5)], status="cancelled"), duplicates=1)
    assert answers(r) == [(0, 200, "committed"), (1, 200, "duplicate")]
    assert answers(sim.order(order("W-4", [(d, 5)], status="cancelled"))) == [(0, 200, "committed")]
    assert entries(hub, d, "W-4") == [("commit", -5), ("restock", 5)]

    after = {s: stock(hub, s)["on_hand"] for s in skus}
    assert after == {**before, a: before[a] - 2, c: before[c] - 1}

    exc = [e for e in exceptions(hub) if e["kind"] == "unknown_sku"]
    assert len(exc) == 1 and exc[0]["ref"] == "W-3" and "GHOST-9" in exc[0]["message"]
    assert exc[0]["channel"] == "example"
    assert not [e for e in exceptions(hub) if e["kind"] != "unknown_sku"]

    # The channel is told the new numbers.
    got = wait_converged(hub, sim, skus)
    assert got[a] == before[a] - 2 and got[c] == before[c] - 1

    # Every delivery the sim made was acknowledged on the first attempt.
    st = sim.state(log=False)
    assert st["counters"]["webhooks_given_up"] == 0
    assert all(w["attempt"] == 1 and w["status"] == 200 for w in st["webhooks"])


def test_webhook_redelivered_until_hub_is_back(hub, sim, tmp_path):
    """The sim retries a delivery until it gets a 2xx: while hubd is down the
    attempts fail, and the first one after the restart is applied once."""
    cat = tmp_path / "catalog.jsonl"
    skus = make_catalog(cat, products=1, variants=2, stock=10)
    http_tenant(hub, sim)
    hub.start()
    hub.hubctl("import", hub.tenant, cat)
    hub.stop()
    sim.control(webhook_max_attempts=40)
    sim.order(order("R-1", [(skus[0], 4)]), wait=False)
    wait_for(lambda: len(sim.state(log=False)["webhooks"]) >= 3, what="failed deliveries")
    hub.start()
    w = wait_for(lambda: (ws := sim.state(log=False)["webhooks"]) and ws[-1]["status"] == 200 and ws,
                 timeout=60, what="delivery after restart")
    assert all(x["status"] == 0 for x in w[:-1]) and len(w) >= 4
    assert json.loads(w[-1]["response"])["status"] == "committed"
    assert entries(hub, skus[0], "R-1") == [("commit", -4)]
    assert stock(hub, skus[0])["on_hand"] == 6
    wait_converged(hub, sim, catalog_skus(cat))
