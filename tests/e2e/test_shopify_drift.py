"""Shopify plugin against the simulator: channel-side changes are drift.

A number changed in Shopify (set_inventory) is found three ways - the
inventory_levels/update webhook, a stale compare value on the next push, a
reconcile - and each time it is recorded as drift (ledger kind "drift", an
exception), the hub's own numbers do not move, and Shopify is set back to the
hub's number."""
import pytest

from conftest import wait_for
from shopify_fixtures import catalog, hub_available, outbox_empty, shop, wait_in_sync  # noqa: F401


def started(shop, sample_catalog, **write):
    hub, sim = shop.hub, shop.sim
    if write:
        shop.write(**write)
    hub.start()
    shop.import_catalog(sample_catalog)
    wait_for(lambda: outbox_empty(hub), timeout=120, what="the initial push")
    skus = [v["sku"] for p in catalog(sample_catalog) for v in p["variants"]]
    stocked = [s for s in skus if hub_available(hub, s) >= 3]
    wait_in_sync(hub, sim, stocked[:4])
    return hub, sim, stocked


def drift_exceptions(hub, sku):
    exc = hub.hubctl("exceptions", hub.tenant, json_out=True).json["exceptions"]
    return [e for e in exc if e["kind"] == "drift" and e["ref"] == sku]


def drift_ledger(hub, sku):
    led = hub.hubctl("ledger", hub.tenant, sku, json_out=True).json
    return [e for e in led["entries"] if e["kind"] == "drift"]


def on_hand(hub, sku):
    return hub.hubctl("stock", "get", hub.tenant, sku, json_out=True).json["on_hand"]


def no_inventory_webhooks(sim):
    topics = [t for t in sim.control()["knobs"]["topics"] if t != "inventory_levels/update"]
    sim.control(topics=topics)


def test_edit_in_shopify_is_drift_and_is_repaired(shop, sample_catalog):
    hub, sim, stocked = started(shop, sample_catalog)
    a = stocked[0]
    want, held = hub_available(hub, a), on_hand(hub, a)
    sim.set_inventory(a, want + 7)  # a merchant edits the number in Shopify's admin
    wait_for(lambda: drift_exceptions(hub, a), what="the drift exception")
    led = drift_ledger(hub, a)
    assert led and led[-1]["d_on_hand"] == 0 and led[-1]["source"] == "shopify"
    assert str(want + 7) in drift_exceptions(hub, a)[0]["message"]
    wait_for(lambda: sim.stock()[a] == want, what="Shopify set back to the hub's number")
    assert on_hand(hub, a) == held  # drift is not truth
    st = hub.hubctl("status", hub.tenant, json_out=True).json["tenants"][0]
    assert st["exceptions"]["count"] >= 1


@pytest.mark.parametrize("version", ["2025-10", "2026-01", "2026-04"])
def test_stale_compare_value_on_push_is_drift(shop, sample_catalog, version):
    hub, sim, stocked = started(shop, sample_catalog, version=version)
    a = stocked[1]
    no_inventory_webhooks(sim)
    sim.set_inventory(a, 1)  # Shopify changes; the hub is not told
    hub.hubctl("stock", "adjust", hub.tenant, a, "+2", "--reason", "found two")
    want = hub_available(hub, a)
    # The push's compare value (the shadow) is stale: Shopify refuses it, the
    # plugin re-reads 1, records drift and pushes again against the fresh value.
    wait_for(lambda: drift_exceptions(hub, a), what="the drift exception")
    wait_for(lambda: sim.stock()[a] == want, what="the hub's number in Shopify")
    stale = [e for e in sim.state(log=True)["log"] if "inventorySetQuantities" in e.get("ops", [])
             and e.get("user_errors")]
    assert stale, "the simulator never refused a stale compare value"
    assert stale[0]["served"] == version
    assert [e for e in drift_ledger(hub, a) if e["qty"] == 1]
    wait_for(lambda: outbox_empty(hub), what="the outbox")


def test_reconcile_finds_and_repairs_drift(shop, sample_catalog):
    hub, sim, stocked = started(shop, sample_catalog)
    b, c = stocked[2], stocked[3]
    no_inventory_webhooks(sim)
    want_b, want_c = hub_available(hub, b), hub_available(hub, c)
    sim.set_inventory(b, want_b + 3)
    sim.set_inventory(c, 0)
    assert not drift_exceptions(hub, b)
    r = hub.hubctl("reconcile", hub.tenant, "shopify")
    assert r.returncode == 0
    wait_for(lambda: drift_exceptions(hub, b) and drift_exceptions(hub, c), what="drift found by reconcile")
    wait_for(lambda: sim.stock()[b] == want_b and sim.stock()[c] == want_c, what="both repaired")
    st = hub.hubctl("status", hub.tenant, json_out=True).json["tenants"][0]
    ch = next(x for x in st["channels"] if x["name"] == "shopify")
    assert ch["drift_found"] >= 2
