"""Sync over HTTP: the example channel in HTTP mode against the channel
simulator converges to the hub (every SKU's quantity, every listing with the
channel's id), and reconcile finds drift made in the channel and repairs it."""
import json
import random

from conftest import wait_for
from sim_fixtures import (admin, available, catalog_skus, channel_status, exceptions, http_tenant,
                          make_catalog, sim, stock, wait_converged, wait_settled)

__all__ = ["sim"]


def test_import_converges_and_reconcile_repairs_drift(hub, sim, sample_catalog):
    http_tenant(hub, sim)
    hub.start()
    skus = catalog_skus(sample_catalog)
    assert len(skus) >= 300
    hub.hubctl("import", hub.tenant, sample_catalog)

    # Every SKU: the channel shows exactly the hub's available number.
    want = wait_converged(hub, sim, skus, timeout=120)
    st = sim.state()
    assert sorted(st["inventory"]) == sorted(skus)  # nothing extra, nothing missing
    assert any(q > 0 for q in want.values()) and any(q == 0 for q in want.values())

    # Every SKU has one listing with a channel id, and the hub remembers that id.
    listings = st["listings"]
    assert sorted(listings) == sorted(skus)
    ids = [l["id"] for l in listings.values()]
    assert len(set(ids)) == len(skus) and all(i.startswith("L-") for i in ids)
    for sku in random.Random(7).sample(skus, 12):
        m = hub.hubctl("map", hub.tenant, "example", sku, json_out=True).json
        assert m["shadow"]["external"] == {"example_id": listings[sku]["id"]}
        assert m["payload"] == listings[sku]["listing"]  # what to_channel made, as sent
        assert m["diff"] == {}

    # The channel's limit was respected: no call carried more than 100 items,
    # every call was authenticated and answered 200.
    api = [e for e in st["log"] if e["path"].startswith("/v1/")]
    assert api and all(e["skus"] <= 100 and e["status"] == 200 for e in api)
    assert sum(e["skus"] for e in api if e["path"] == "/v1/inventory") >= len(skus)
    c = channel_status(hub)
    assert c["dead_letters"] == 0 and c["pushed_ok"] >= 2 * len(skus)

    # Reconcile with nothing changed: no drift.
    r = admin(hub, {"cmd": "reconcile", "tenant": hub.tenant, "channel": "example"})
    assert r["ok"] is True, r
    wait_for(lambda: any(e["method"] == "GET" and e["path"] == "/v1/inventory" and e["status"] == 200
                         for e in sim.api_log()), what="reconcile read-back")
    calls = len(sim.api_log())
    assert [e for e in exceptions(hub) if e["kind"] == "drift"] == []

    # Someone edits the channel directly: two SKUs drift, one unknown SKU appears.
    up, down = skus[3], next(s for s in skus if want[s] > 0 and s != skus[3])
    sim.control(set_quantity={up: want[up] + 17, down: 0, "NOT-IN-HUB": 5})
    assert sim.inventory()[up] == want[up] + 17
    r = admin(hub, {"cmd": "reconcile", "tenant": hub.tenant, "channel": "example"})
    assert r["ok"] is True, r

    # The hub reports the drift of exactly those two SKUs and pushes its numbers back.
    drift = wait_for(lambda: (d := [e for e in exceptions(hub) if e["kind"] == "drift"]) and len(d) >= 2 and d,
                     what="drift exceptions")
    assert sorted(e["ref"] for e in drift) == sorted([up, down])
    by = {e["ref"]: e for e in drift}
    assert str(want[up] + 17) in by[up]["message"] and by[up]["channel"] == "example"
    wait_for(lambda: (inv := sim.inventory())[up] == want[up] and inv[down] == want[down],
             what="drift repaired in the channel")
    assert sim.inventory()["NOT-IN-HUB"] == 5  # the hub does not touch what it does not own
    # The repair pushed only the two drifted SKUs.
    pushed = [e for e in sim.api_log()[calls:] if e["method"] == "POST"]
    assert sum(e["skus"] for e in pushed) == 2, pushed
    # The hub's own numbers did not change: drift is the channel's, not the stock's.
    assert available(hub, [up, down]) == {up: want[up], down: want[down]}
    assert stock(hub, up)["available"]["example"] == want[up]


def test_dry_run_sends_nothing(hub, sim, tmp_path):
    """mode = dry-run: the whole flow runs (pushes are acknowledged) but the
    channel sees no call; the recorded requests are what live mode would send."""
    cat = tmp_path / "catalog.jsonl"
    skus = make_catalog(cat, products=2, variants=2, stock=7)
    http_tenant(hub, sim, mode="dry-run")
    hub.start()
    hub.hubctl("import", hub.tenant, cat)
    c = wait_settled(hub)
    assert c["dead_letters"] == 0 and c["pushed_ok"] == 2 * len(skus)
    reqs = hub.hubctl("dry-run", hub.tenant, "example", "--all", json_out=True).json["requests"]
    assert sim.api_log() == [] and sim.inventory() == {}
    sent = {}
    for r in reqs:
        assert r["method"] == "POST" and r["url"] in (sim.url + "/v1/inventory", sim.url + "/v1/listings")
        assert r["headers"]["Authorization"] == "***"
        for it in r["body"]["items"]:
            sent.setdefault(r["url"].rsplit("/", 1)[1], {})[it["sku"]] = it
    assert {s: i["quantity"] for s, i in sent["inventory"].items()} == {s: 7 for s in skus}
    assert sorted(sent["listings"]) == sorted(skus)
    assert sim.token not in json.dumps(reqs)  # the bearer token is masked


def test_reconcile_admin_errors(hub, sim):
    http_tenant(hub, sim)
    hub.start()
    assert admin(hub, {"cmd": "reconcile", "tenant": hub.tenant, "channel": "nope"}) == {
        "ok": False, "error": "no such channel"}
    r = admin(hub, {"cmd": "reconcile", "tenant": "nobody", "channel": "example"})
    assert r["ok"] is False and "tenant" in r["error"]
