"""Shopify plugin against the simulator: refusals, a refused token, dry-run.

A userError is a dead letter carrying Shopify's own message; a refused
(expired) token is one clear error in `hubctl status` and no retry storm, and
the channel resumes by itself once the token is good again; dry-run records
every request and sends none."""
import json
import time

from conftest import wait_for
from shopify_fixtures import TOKEN, catalog, channel_status, hub_available, outbox_empty, shop  # noqa: F401

FOUR_OPTIONS = {
    "id": "four-option-boot", "title": "Four Option Boot", "brand": "Acme", "category": "Shoes",
    "options": ["size", "colour", "width", "material"], "status": "active",
    "variants": [{"sku": "FOB-42-BLK-W-LTH", "price": 12900, "currency": "EUR",
                  "options": {"size": "42", "colour": "black", "width": "wide", "material": "leather"},
                  "stock": {"default": 5}}],
}


def test_user_error_is_a_dead_letter_with_shopifys_message(shop, sample_catalog, tmp_path):
    hub, sim = shop.hub, shop.sim
    hub.start()
    f = tmp_path / "bad.jsonl"
    good = catalog(sample_catalog)[0]
    f.write_text(json.dumps(FOUR_OPTIONS) + "\n" + json.dumps(good) + "\n")
    shop.import_catalog(f)
    dl = wait_for(lambda: [d for d in hub.hubctl("dlq", "list", hub.tenant, json_out=True).json["dead_letters"]
                           if d["channel"] == "shopify"], timeout=60, what="the dead letters")
    listing = [d for d in dl if d["kind"] == "listing"]
    assert [d["sku"] for d in listing] == ["FOB-42-BLK-W-LTH"]
    assert "Can only specify a maximum of 3 options" in listing[0]["error"]  # Shopify's words
    # Its stock is not retried for ever: a dead letter says why.
    stock = wait_for(lambda: [d for d in hub.hubctl("dlq", "list", hub.tenant, json_out=True).json["dead_letters"]
                              if d["channel"] == "shopify" and d["kind"] == "stock"], what="the stock dead letter")
    assert "no listing in Shopify" in stock[0]["error"]
    # The other product went through; the refused one is not in Shopify.
    wait_for(lambda: outbox_empty(hub), what="the outbox")
    assert set(sim.products()) == {good["id"]}
    assert channel_status(hub)["dead_letters"] == 2
    text = hub.hubctl("dlq", "list", hub.tenant).stdout
    assert "maximum of 3 options" in text


def test_refused_token_is_reported_without_a_retry_storm(shop, sample_catalog, tmp_path):
    hub, sim = shop.hub, shop.sim
    token = tmp_path / "token"
    token.write_text("shpat_expired_or_revoked\n")
    pause = 4.0
    shop.write(token_ref=f"file:{token}", auth_retry=f"{pause:.0f}s")
    hub.start()
    shop.import_catalog(sample_catalog)

    def refused():
        return [e["t"] for e in sim.state(log=True)["log"] if e.get("status") == 401]
    first = wait_for(refused, what="a refused call")[0]
    err = wait_for(lambda: channel_status(hub)["last_error"], what="the error in hubctl status")
    assert "refused the access token" in err and "401" in err
    assert "shpat_" not in err  # never the secret
    # During the pause (4 s here, 5 min by default) nothing is sent: not the push,
    # not the order backfill (every second), not a reconcile asked for now.
    hub.hubctl("reconcile", hub.tenant, "shopify", check=False)
    wait_for(lambda: time.time() > first + 1.5 * pause, timeout=3 * pause, what="a pause and a half")
    times = refused()
    burst = [t for t in times if t - first < 0.5]  # calls already in flight together
    during = [t for t in times if 0.5 <= t - first < pause - 0.3]
    assert len(burst) <= 2 and during == [], (first, times)
    assert len(times) <= 2 * len(burst) + 2, "a retry storm"
    assert channel_status(hub)["outbox_depth"] > 0  # nothing lost
    # A good token again: the channel resumes by itself after the pause.
    token.write_text(TOKEN + "\n")
    wait_for(lambda: outbox_empty(hub), timeout=120, what="the push after the token was fixed")
    skus = [v["sku"] for p in catalog(sample_catalog) for v in p["variants"]]
    shown = sim.stock()
    assert all(shown.get(s) == hub_available(hub, s) for s in skus)


def test_dry_run_records_everything_and_sends_nothing(shop, sample_catalog):
    hub, sim = shop.hub, shop.sim
    shop.write(mode="dry-run", poll="1h")
    hub.start()
    shop.import_catalog(sample_catalog)
    wait_for(lambda: outbox_empty(hub), timeout=60, what="the dry-run outbox to drain")
    assert sim.requests() == 0
    assert sim.state()["products"] == []
    rec = hub.hubctl("dry-run", hub.tenant, "shopify", "--all", json_out=True).json["requests"]
    queries = [r["body"]["query"] for r in rec]
    assert any("productSet" in q for q in queries)
    assert any("inventorySetQuantities" in q for q in queries)
    assert all(r["headers"].get("X-Shopify-Access-Token") == "***" for r in rec)
    assert all(r["url"].endswith("/admin/api/2026-04/graphql.json") for r in rec)
    text = json.dumps(rec)
    assert TOKEN not in text
    # the shadow follows: the same import again records no more pushes
    def pushes():
        return [r for r in hub.hubctl("dry-run", hub.tenant, "shopify", "--all", json_out=True).json["requests"]
                if r["body"]["query"].startswith("mutation")]
    n = len(pushes())
    hub.hubctl("import", hub.tenant, sample_catalog)
    time.sleep(1.0)
    assert len(pushes()) == n
