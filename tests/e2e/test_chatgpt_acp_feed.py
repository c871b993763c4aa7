"""The ACP product feed (2026-04-17, schema.feed.json) of the ChatGPT channel:
the tenant's sellable catalog, current availability, integer prices, the
JSON / JSON Lines / metadata forms, ETag, and switched off by config."""
import json

import pytest

from chatgpt_acp_helpers import FEED, create, request, setup_acp_shop, validate
from conftest import wait_for
from mcp_helpers import CATALOG, setup_shop
from mcp_helpers import clean_exit  # noqa: F401  (hubd must exit 0: sanitizer reports fail)


@pytest.fixture
def shop(hub, monkeypatch):
    setup_acp_shop(hub, monkeypatch)
    return hub


def feed(hub, query="", headers=None):
    return request(hub, "GET", f"/t/{hub.tenant}/chatgpt/feed" + (f"?{query}" if query else ""), headers=headers)


def variants(doc):
    return {v["id"]: v for p in doc["products"] for v in p["variants"]}


def test_feed_is_the_sellable_catalog(shop):
    r = feed(shop)
    assert r.status == 200 and r.headers["content-type"] == "application/json"
    doc = r.json
    assert validate([(FEED, "ProductsResponse", doc)]) == [[]]
    ids = {p["id"] for p in doc["products"]}
    # prohibited categories (weapons, digital goods) are not published
    assert ids == {"tee-basic", "boot-hiker", "cap-last", "socks-pack"}
    vs = variants(doc)
    assert set(vs) == {"TEE-S-RED", "TEE-M-RED", "TEE-M-BLUE", "BOOT-42", "BOOT-43", "LAST-1", "SOCKS-M"}
    src = {v["sku"]: v for p in CATALOG for v in p["variants"]}
    for sku, v in vs.items():
        assert v["price"] == {"amount": src[sku]["price"], "currency": "EUR"}
        assert isinstance(v["price"]["amount"], int)
        assert v["availability"]["available"] == (src[sku]["stock"]["default"] > 0), sku
        assert v["availability"]["status"] == ("in_stock" if src[sku]["stock"]["default"] > 0 else "out_of_stock")
        assert v["seller"]["name"]
    tee = [p for p in doc["products"] if p["id"] == "tee-basic"][0]
    assert tee["title"] == "Basic Tee" and tee["description"] == {"plain": "A soft cotton tee."}
    assert {o["name"] for o in vs["TEE-M-BLUE"]["variant_options"]} == {"Size", "Colour"}


def test_feed_follows_stock_and_formats(shop):
    # the last cap held by a checkout: the feed shows it out of stock
    create(shop, ("LAST-1",))
    wait_for(lambda: not variants(feed(shop).json)["LAST-1"]["availability"]["available"], timeout=20,
             what="LAST-1 shown unavailable in the feed")
    lines = feed(shop, "format=jsonl")
    assert lines.status == 200 and lines.headers["content-type"] == "application/x-ndjson"
    products = [json.loads(l) for l in lines.body.decode().splitlines()]
    assert validate([(FEED, "Product", p) for p in products]) == [[]] * len(products)
    assert sorted(p["id"] for p in products) == sorted(p["id"] for p in feed(shop).json["products"])
    meta = feed(shop, "format=metadata")
    assert meta.status == 200 and validate([(FEED, "FeedMetadata", meta.json)]) == [[]]
    bad = feed(shop, "format=xml")
    assert bad.status == 400 and bad.json["code"] == "invalid_format"
    assert validate([(FEED, "Error", bad.json)]) == [[]]
    # ETag: unchanged feed -> 304 without a body
    first = feed(shop)
    etag = first.headers["etag"]
    again = feed(shop, headers={"If-None-Match": etag})
    assert again.status == 304 and again.body == b""
    assert feed(shop, headers={"If-None-Match": '"other"'}).status == 200


def test_feed_can_be_switched_off(hub):
    setup_shop(hub, extra="feed = false\n")
    r = feed(hub)
    assert r.status == 404 and r.json["code"] == "feed_not_found"
    assert validate([(FEED, "Error", r.json)]) == [[]]
