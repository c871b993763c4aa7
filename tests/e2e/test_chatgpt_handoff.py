"""The signed storefront handoff of the ChatGPT channel: start_checkout hands
out a short-lived single-use link; the storefront redeems it once and gets
the cart re-priced with its holds re-checked, or a precise refusal (expired,
replayed, tampered, cart changed, another merchant's token)."""
import pytest

from chatgpt_acp_helpers import (HANDOFF_SECRET, STORE, now_s, redeem, setup_acp_shop, sign_token, stock,
                                 token_claims)
from mcp_helpers import Legacy, sc, setup_shop
from mcp_helpers import clean_exit  # noqa: F401  (hubd must exit 0: sanitizer reports fail)


@pytest.fixture
def shop(hub, monkeypatch):
    setup_acp_shop(hub, monkeypatch)
    return hub


def cart_with(s, *items):
    cart_id = None
    for sku, qty in items:
        args = {"sku": sku, "quantity": qty}
        if cart_id:
            args["cart_id"] = cart_id
        cart_id = sc(s.tool("add_to_cart", args))["cart_id"]
    return cart_id


def checkout(s, cart_id):
    out = sc(s.tool("start_checkout", {"cart_id": cart_id}))
    return out, out["checkout"]["handoff"]


def token_of(url):
    assert url.startswith(STORE + "?hub_handoff="), url
    return url.split("hub_handoff=", 1)[1]


def test_link_redeems_once(shop):
    s = Legacy(shop)
    cart_id = cart_with(s, ("TEE-M-RED", 2), ("BOOT-42", 1))
    out, h = checkout(s, cart_id)
    assert h["token_ttl_s"] == 600
    tok = token_of(h["url"])
    claims = token_claims(tok)
    # no personal data, no prices: tenant, cart id, cart hash, expiry, nonce, version
    assert set(claims) == {"v", "t", "c", "h", "e", "n"}
    assert claims["t"] == shop.tenant and claims["c"] == cart_id and len(claims["n"]) == 32
    assert now_s() < claims["e"] <= now_s() + 600 + 5
    r = redeem(shop, tok)
    assert r.status == 200, r
    body = r.json
    assert body["cart_id"] == cart_id and body["currency"] == "EUR"
    assert {l["sku"]: l["quantity"] for l in body["lines"]} == {"TEE-M-RED": 2, "BOOT-42": 1}
    # the storefront sees the same money as the chat
    t = out["totals"]
    assert body["totals"]["total"] == t["total"] == out["checkout"]["total"]
    assert body["totals"]["subtotal"] == t["subtotal"] and body["totals"]["shipping"] == t["shipping"]
    assert sum(l["gross"] for l in body["lines"]) == body["totals"]["subtotal"]
    assert r.headers["cache-control"] == "no-store"
    # single use, by GET or POST
    again = redeem(shop, tok, method="POST")
    assert again.status == 409 and again.json["error"]["code"] == "replayed"
    # a new link for the same cart works (a new nonce)
    _, h2 = checkout(s, cart_id)
    assert token_of(h2["url"]) != tok
    assert redeem(shop, token_of(h2["url"]), method="POST").status == 200


def test_refusals(shop):
    s = Legacy(shop)
    cart_id = cart_with(s, ("SOCKS-M", 1))
    _, h = checkout(s, cart_id)
    tok = token_of(h["url"])
    claims = token_claims(tok)

    def code(r):
        return r.status, r.json["error"]["code"]

    # altered payload (another cart) keeping the signature; another key; garbage
    forged = sign_token(dict(claims, c="cart_" + "0" * 32), "not-the-secret")
    assert code(redeem(shop, forged)) == (401, "tampered")
    p64, sig = tok.split(".")
    swapped = sign_token(dict(claims, c="cart_" + "1" * 32)).split(".")[0] + "." + sig
    assert code(redeem(shop, swapped)) == (401, "tampered")
    assert code(redeem(shop, "abc")) == (400, "malformed")
    assert code(redeem(shop, "")) == (400, "malformed")
    # signed with the right secret but expired, or for another merchant
    assert code(redeem(shop, sign_token(dict(claims, e=now_s() - 1)))) == (410, "expired")
    assert code(redeem(shop, sign_token(dict(claims, t="acme")))) == (401, "wrong_tenant")
    # a well-signed token for a cart that does not exist
    assert code(redeem(shop, sign_token(dict(claims, c="cart_" + "2" * 32)))) == (404, "cart_not_found")
    # the cart changed after the link was made
    sc(s.tool("update_cart_item", {"cart_id": cart_id, "sku": "SOCKS-M", "quantity": 2}))
    assert code(redeem(shop, tok)) == (409, "cart_changed")
    # none of the refusals used the token up: after the cart changes back it redeems
    sc(s.tool("update_cart_item", {"cart_id": cart_id, "sku": "SOCKS-M", "quantity": 1}))
    assert redeem(shop, tok).status == 200
    # wrong endpoint and method
    from chatgpt_acp_helpers import request
    assert request(shop, "GET", f"/t/{shop.tenant}/chatgpt/handoff/other").status == 404
    assert request(shop, "DELETE", f"/t/{shop.tenant}/chatgpt/handoff/redeem").status == 405


def test_redeem_rechecks_holds_and_closed_carts(shop):
    s = Legacy(shop)
    cart_id = cart_with(s, ("LAST-1", 1))
    out, h = checkout(s, cart_id)
    tok = token_of(h["url"])
    # the cart is bought in the chat: the link no longer applies
    sc(s.tool("place_order", {"cart_id": cart_id, "confirm_total": out["checkout"]["total"]}))
    r = redeem(shop, tok)
    assert r.status == 409 and r.json["error"]["code"] in ("cart_closed", "cart_changed"), r
    assert stock(shop, "LAST-1")["on_hand"] == 0


def test_used_tokens_are_remembered_across_a_restart(shop):
    s = Legacy(shop)
    cart_id = cart_with(s, ("TEE-S-RED", 1))
    _, h = checkout(s, cart_id)
    tok = token_of(h["url"])
    assert redeem(shop, tok).status == 200
    shop.stop()
    shop.start()
    r = redeem(shop, tok)
    assert r.status == 409 and r.json["error"]["code"] == "replayed"


def test_no_handoff_without_configuration(hub):
    setup_shop(hub)   # no store_url / handoff_secret
    s = Legacy(hub)
    cart_id = cart_with(s, ("SOCKS-M", 1))
    _, h = checkout(s, cart_id)
    assert h is None
    r = redeem(hub, sign_token({"v": 1, "t": hub.tenant, "c": cart_id, "h": "0", "e": now_s() + 60, "n": "0" * 32}))
    assert r.status == 404 and r.json["error"]["code"] == "handoff_disabled"


def test_ttl_is_capped_at_ten_minutes(hub, monkeypatch):
    from chatgpt_acp_helpers import ACP_EXTRA
    setup_acp_shop(hub, monkeypatch, extra=ACP_EXTRA.replace("handoff_ttl = 10m", "handoff_ttl = 1h"))
    s = Legacy(hub)
    cart_id = cart_with(s, ("SOCKS-M", 1))
    _, h = checkout(s, cart_id)
    assert h["token_ttl_s"] == 600
    assert token_claims(token_of(h["url"]))["e"] <= now_s() + 600 + 5
    assert "handoff_ttl is capped at 10m" in hub.log.read_text()
    assert HANDOFF_SECRET not in hub.log.read_text()


def test_redeem_refuses_when_a_lapsed_hold_cannot_be_taken_again(hub, monkeypatch):
    setup_acp_shop(hub, monkeypatch, hold_ttl="1s")
    s = Legacy(hub)
    cart_id = cart_with(s, ("LAST-1", 1))
    _, h = checkout(s, cart_id)
    tok = token_of(h["url"])
    # the hold lapses; another shopper takes the last unit
    from conftest import wait_for
    wait_for(lambda: stock(hub, "LAST-1")["reserved"] == 0, timeout=30, what="the hold to expire")
    other = Legacy(hub)
    cart_with(other, ("LAST-1", 1))
    r = redeem(hub, tok)
    assert r.status == 409 and r.json["error"]["code"] == "out_of_stock", r
    assert "LAST-1" in r.json["error"]["message"]
    # refused, not used up: once the unit is free again the same link works
    assert stock(hub, "LAST-1")["reserved"] == 1
