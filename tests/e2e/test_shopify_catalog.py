"""Shopify plugin against the simulator: the catalog.

An import creates every product with its variants, options and exact decimal
prices, every SKU's stock at the tenant's location; an unchanged re-import
sends nothing; a price change sends one productSet; a userError is a dead
letter with Shopify's message; dry-run records and sends nothing."""
import json

from conftest import wait_for
from shopify_fixtures import (catalog, channel_status, hub_available, outbox_empty, settle, shop,  # noqa: F401
                              wait_in_sync)


def money(amount):
    return f"{amount // 100}.{amount % 100:02d}"


def test_import_creates_products_variants_prices_and_stock(shop, sample_catalog):
    hub, sim = shop.hub, shop.sim
    hub.start()
    products = catalog(sample_catalog)
    skus = [v["sku"] for p in products for v in p["variants"]]
    shop.import_catalog(sample_catalog)
    wait_for(lambda: outbox_empty(hub), timeout=120, what="the shopify outbox to drain")

    shown = sim.products()
    assert len(shown) == len(products)
    for p in products:
        sp = shown[p["id"]]  # the handle is the canonical product id
        assert sp["title"] == p["title"]
        assert sp["status"] == (p.get("status") or "active").upper()
        by_sku = {v["sku"]: v for v in sp["variants"]}
        assert sorted(by_sku) == sorted(v["sku"] for v in p["variants"])
        for v in p["variants"]:
            assert by_sku[v["sku"]]["price"] == money(v["price"]), (v["sku"], by_sku[v["sku"]]["price"])
            want = {name.capitalize(): str(v["options"][name]) for name in p["options"] if name in v["options"]}
            assert by_sku[v["sku"]]["options"] == want
        assert sp["media"] == p.get("images", [])
    # Each SKU's stock at the location is the hub's number for the channel.
    wait_in_sync(hub, sim, skus)
    # Ids are remembered: a listing's external holds Shopify's ids.
    st = hub.hubctl("map", hub.tenant, "shopify", skus[0], json_out=True).json
    assert st["diff"] == {}, st["diff"]

    # The same import again: nothing queued, nothing sent.
    before = sim.push_calls()
    r = hub.hubctl("import", hub.tenant, sample_catalog, json_out=True)
    assert r.json["outbox_ops"] == 0
    assert settle(sim.push_calls, quiet=1.5) == before


def test_price_change_sends_one_product_set(shop, sample_catalog, tmp_path):
    hub, sim = shop.hub, shop.sim
    hub.start()
    products = catalog(sample_catalog)
    shop.import_catalog(sample_catalog)
    wait_for(lambda: outbox_empty(hub), timeout=120, what="the initial push")
    ops_before = sim.by_operation()
    p = products[0]
    v = p["variants"][1]
    v["price"] += 1001  # +10.01
    one = tmp_path / "one.jsonl"
    one.write_text(json.dumps(p) + "\n")
    r = hub.hubctl("import", hub.tenant, one, json_out=True)
    assert r.json["outbox_ops"] == 2  # one listing each for shopify and example
    wait_for(lambda: outbox_empty(hub), timeout=60, what="the price push")
    ops = sim.by_operation()
    assert ops.get("productSet", 0) == ops_before.get("productSet", 0) + 1
    assert ops.get("inventorySetQuantities", 0) == ops_before.get("inventorySetQuantities", 0)
    sp = sim.products()[p["id"]]
    by_sku = {x["sku"]: x for x in sp["variants"]}
    assert by_sku[v["sku"]]["price"] == money(v["price"])
    # the product's other variants are still there, unchanged
    assert sorted(by_sku) == sorted(x["sku"] for x in p["variants"])
    assert by_sku[p["variants"][0]["sku"]]["price"] == money(p["variants"][0]["price"])
