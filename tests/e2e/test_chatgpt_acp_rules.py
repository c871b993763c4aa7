"""ACP protocol rules of the ChatGPT channel: Authorization, API-Version,
Idempotency-Key (replay, conflict, in flight, across a restart), and bad
input: each refusal is a schema-valid Error naming the field (JSONPath), and
no cart, hold or stock changes."""
import json
import threading

import pytest

from chatgpt_acp_helpers import (CHECKOUT, acp, create, example, request, setup_acp_shop, stock, validate)
from mcp_helpers import setup_shop
from mcp_helpers import clean_exit  # noqa: F401  (hubd must exit 0: sanitizer reports fail)

SKUS = ["TEE-S-RED", "TEE-M-RED", "TEE-M-BLUE", "BOOT-42", "BOOT-43", "LAST-1", "SOCKS-M", "KNIFE-1"]


@pytest.fixture
def shop(hub, monkeypatch):
    setup_acp_shop(hub, monkeypatch)
    return hub


def all_stock(hub):
    return {s: stock(hub, s) for s in SKUS}


def test_auth_and_version(shop):
    s = create(shop)
    path = f"checkout_sessions/{s['id']}"
    cases = [
        (acp(shop, "GET", path, token=None), 401, "unauthorized"),
        (acp(shop, "GET", path, token="acp-test-key-7f3a9d"), 401, "unauthorized"),
        (acp(shop, "GET", path, headers={"Authorization": "Basic YTpi"}), 401, "unauthorized"),
        (acp(shop, "GET", path, version=None), 400, "missing_api_version"),
        (acp(shop, "GET", path, version="2025-09-29"), 400, "unsupported_api_version"),
        (acp(shop, "POST", "checkout_sessions", example("create_checkout_session_request"), token=None), 401,
         "unauthorized"),
    ]
    for r, status, code in cases:
        assert r.status == status and r.json["code"] == code, r
        assert r.json["type"] == "invalid_request"
    assert cases[0][0].headers["www-authenticate"].startswith("Bearer")
    assert "2026-04-17" in cases[4][0].json["message"]
    assert validate([(CHECKOUT, "Error", r.json) for r, _, _ in cases]) == [[]] * len(cases)
    # the right key and version: 200, the version echoed
    ok = acp(shop, "GET", path)
    assert ok.status == 200 and ok.headers["api-version"] == "2026-04-17"
    # unknown endpoints and methods
    assert acp(shop, "GET", "nope").status == 404
    assert acp(shop, "GET", f"{path}/complete").status == 405
    r = acp(shop, "DELETE", path)
    assert r.status == 405 and "POST" in r.headers["allow"]


def test_acp_disabled_and_unconfigured(hub, monkeypatch):
    setup_shop(hub)   # no acp = true
    r = acp(hub, "POST", "checkout_sessions", example("create_checkout_session_request"))
    assert r.status == 404 and r.json["code"] == "not_found"
    hub.stop()
    # acp = true without an api key: the channel refuses to start, naming the key
    setup_shop(hub, extra="acp = true\n", start=False)
    hub.start()
    log = hub.log.read_text()
    assert "acp = true needs acp_api_key" in log
    hub.stop()


def test_idempotent_replay_and_conflict(shop):
    body = example("create_checkout_session_request", ("TEE-M-BLUE",))
    before = stock(shop, "TEE-M-BLUE")
    a = acp(shop, "POST", "checkout_sessions", body, key="k-replay-1")
    b = acp(shop, "POST", "checkout_sessions", body, key="k-replay-1")
    assert a.status == b.status == 201
    assert b.json == a.json and b.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in a.headers
    assert b.headers["idempotency-key"] == "k-replay-1"
    assert stock(shop, "TEE-M-BLUE")["reserved"] == before["reserved"] + 1   # one session, one hold
    # the same body with its keys in another order and other spacing is the same request
    same = json.dumps(dict(reversed(list(body.items()))), indent=3)
    c = request(shop, "POST", f"/t/{shop.tenant}/chatgpt/acp/checkout_sessions", same,
                {"Authorization": "Bearer acp-test-key-7f3a9c", "API-Version": "2026-04-17",
                 "Content-Type": "application/json", "Idempotency-Key": "k-replay-1"})
    assert c.status == 201 and c.json["id"] == a.json["id"]
    # another body under the key: 422, nothing created
    other = dict(body, line_items=[{"id": "SOCKS-M"}])
    d = acp(shop, "POST", "checkout_sessions", other, key="k-replay-1")
    assert d.status == 422 and d.json["code"] == "idempotency_conflict"
    assert stock(shop, "SOCKS-M")["reserved"] == 0
    # the key is scoped to the endpoint: the same key on update is a new request
    u = acp(shop, "POST", f"checkout_sessions/{a.json['id']}", {"buyer": {"email": "x@y.example"}}, key="k-replay-1")
    assert u.status == 200 and u.json["buyer"]["email"] == "x@y.example"
    # complete replayed: one order, one stock movement
    done = example("complete_checkout_session_request")
    on_hand = stock(shop, "TEE-M-BLUE")["on_hand"]
    c1 = acp(shop, "POST", f"checkout_sessions/{a.json['id']}/complete", done, key="k-done")
    c2 = acp(shop, "POST", f"checkout_sessions/{a.json['id']}/complete", done, key="k-done")
    assert c1.status == c2.status == 200 and c2.json == c1.json and c2.headers["idempotent-replayed"] == "true"
    assert stock(shop, "TEE-M-BLUE")["on_hand"] == on_hand - 1
    # missing and oversized keys
    r = acp(shop, "POST", "checkout_sessions", body, key=None)
    assert r.status == 400 and r.json["code"] == "idempotency_key_required"
    r = acp(shop, "POST", "checkout_sessions", body, key="k" * 256)
    assert r.status == 400 and r.json["code"] == "invalid_idempotency_key"
    assert validate([(CHECKOUT, "Error", x.json) for x in (d, r)]) == [[], []]


def test_replay_survives_a_restart(shop):
    body = example("create_checkout_session_request", ("SOCKS-M",))
    a = acp(shop, "POST", "checkout_sessions", body, key="k-restart")
    assert a.status == 201
    shop.stop()
    shop.start()
    b = acp(shop, "POST", "checkout_sessions", body, key="k-restart")
    assert b.status == 201 and b.json["id"] == a.json["id"] and b.headers["idempotent-replayed"] == "true"
    g = acp(shop, "GET", f"checkout_sessions/{a.json['id']}")
    assert g.status == 200 and g.json["line_items"][0]["item"]["id"] == "SOCKS-M"
    assert stock(shop, "SOCKS-M")["reserved"] == 1


def test_concurrent_same_key_creates_one_session(shop):
    """Two identical requests at once: one is processed, the other waits its turn
    (409 idempotency_in_flight) or gets the replay; never two sessions."""
    body = example("create_checkout_session_request", ("TEE-S-RED", "TEE-M-RED", "SOCKS-M", "BOOT-42"))
    body["line_items"] = [{"id": s} for s in ("TEE-S-RED", "TEE-M-RED", "SOCKS-M", "BOOT-42")]
    out = []

    def go():
        out.append(acp(shop, "POST", "checkout_sessions", body, key="k-race"))

    ts = [threading.Thread(target=go) for _ in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    created = {r.json["id"] for r in out if r.status == 201}
    assert len(created) == 1, out
    for r in out:
        assert r.status in (201, 409), r
        if r.status == 409:
            assert r.json["code"] == "idempotency_in_flight" and r.headers["retry-after"] == "1"
    assert stock(shop, "BOOT-42")["reserved"] == 1


BAD_CREATES = [
    # (body change, status, code, param)
    (lambda b: b.pop("line_items"), 400, "missing", "$.line_items"),
    (lambda b: b.update(line_items=[]), 400, "invalid_value", "$.line_items"),
    (lambda b: b.update(line_items=[{"id": "NOPE-1"}]), 400, "invalid_item_id", "$.line_items[0].id"),
    (lambda b: b.update(line_items=[{"id": "SOCKS-M"}, {"id": "KNIFE-1"}]), 400, "item_not_sellable",
     "$.line_items[1].id"),
    (lambda b: b.update(line_items=[{"id": "SOCKS-M", "quantity": 2}]), 400, "unknown_field",
     "$.line_items[0].quantity"),
    (lambda b: b.update(line_items=[{"id": 7}]), 400, "invalid_type", "$.line_items[0].id"),
    (lambda b: b.update(line_items=[{"id": "SOCKS-M"}] * 6), 400, "quantity_exceeded", "$.line_items[5].id"),
    (lambda b: b.update(currency="usd"), 400, "invalid_currency", "$.currency"),
    (lambda b: b.update(currency="euro"), 400, "invalid_value", "$.currency"),
    (lambda b: b.pop("currency"), 400, "missing", "$.currency"),
    (lambda b: b.pop("capabilities"), 400, "missing", "$.capabilities"),
    (lambda b: b.update(capabilities=[]), 400, "invalid_type", "$.capabilities"),
    (lambda b: b.update(surprise=1), 400, "unknown_field", "$.surprise"),
    (lambda b: b.update(buyer={"first_name": "Ann"}), 400, "missing", "$.buyer.email"),
    (lambda b: b.update(buyer={"email": "not-an-email"}), 400, "invalid_value", "$.buyer.email"),
    (lambda b: b["fulfillment_details"]["address"].pop("city"), 400, "missing", "$.fulfillment_details.address.city"),
    (lambda b: b["fulfillment_details"]["address"].update(country="USA"), 400, "invalid_value",
     "$.fulfillment_details.address.country"),
    (lambda b: b.update(order_notes="x" * 5001), 400, "invalid_value", "$.order_notes"),
    (lambda b: b.update(discounts={"codes": "WELCOME10"}), 400, "invalid_type", "$.discounts.codes"),
]


def test_bad_creates_change_nothing(shop):
    before = all_stock(shop)
    answers = []
    for change, status, code, param in BAD_CREATES:
        body = example("create_checkout_session_request", ("SOCKS-M",))
        change(body)
        r = acp(shop, "POST", "checkout_sessions", body)
        assert (r.status, r.json["code"], r.json.get("param")) == (status, code, param), (param, r)
        assert r.json["type"] == "invalid_request" and r.json["message"]
        if code in ("missing", "invalid_type", "invalid_value", "unknown_field"):
            assert r.json["message"].startswith(param + ": "), r.json
        answers.append(r.json)
    # not JSON, not an object, not declared as JSON
    raw = request(shop, "POST", f"/t/{shop.tenant}/chatgpt/acp/checkout_sessions", "{\"line_items\": [",
                  {"Authorization": "Bearer acp-test-key-7f3a9c", "API-Version": "2026-04-17",
                   "Content-Type": "application/json", "Idempotency-Key": "k-bad-json"})
    assert raw.status == 400 and raw.json["code"] == "invalid_json"
    arr = acp(shop, "POST", "checkout_sessions", [1, 2])
    assert arr.status == 400 and arr.json["code"] == "invalid_json"
    form = acp(shop, "POST", "checkout_sessions", "a=b", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert form.status == 415 and form.json["code"] == "unsupported_media_type"
    answers += [raw.json, arr.json, form.json]
    assert validate([(CHECKOUT, "Error", a) for a in answers]) == [[]] * len(answers)
    assert all_stock(shop) == before


def test_bad_updates_and_completes_change_nothing(shop):
    s = create(shop, ("TEE-M-RED", "SOCKS-M"))
    path = f"checkout_sessions/{s['id']}"
    before, session = all_stock(shop), acp(shop, "GET", path).json
    bad_updates = [
        ({"line_items": [{"id": "SOCKS-M"}, {"id": "NOPE"}]}, "invalid_item_id", "$.line_items[1].id"),
        ({"selected_fulfillment_options": [{"type": "shipping", "option_id": "express", "item_ids": ["SOCKS-M"]}]},
         "invalid_value", "$.selected_fulfillment_options[0].option_id"),
        ({"selected_fulfillment_options": [{"type": "shipping", "option_id": "standard", "item_ids": ["BOOT-42"]}]},
         "invalid_value", "$.selected_fulfillment_options[0].item_ids[0]"),
        ({"selected_fulfillment_options": [{"type": "teleport", "option_id": "standard", "item_ids": []}]},
         "invalid_value", "$.selected_fulfillment_options[0].type"),
        ({"fulfillment_details": {"address": {"name": "A"}}}, "missing", "$.fulfillment_details.address.line_one"),
        ({"currency": "eur"}, "unknown_field", "$.currency"),
    ]
    for body, code, param in bad_updates:
        r = acp(shop, "POST", path, body)
        assert (r.status, r.json["code"], r.json.get("param")) == (400, code, param), r
    done = example("complete_checkout_session_request")
    bad_completes = [
        (lambda b: b.pop("payment_data"), "missing", "$.payment_data"),
        (lambda b: b["payment_data"].update(handler_id="seller_pm_123"), "invalid_value", "$.payment_data.handler_id"),
        (lambda b: b["payment_data"]["instrument"]["credential"].update(token="4242 4242 4242 4242"), "invalid_value",
         "$.payment_data.instrument.credential.token"),
        (lambda b: b["payment_data"]["instrument"].pop("credential"), "missing",
         "$.payment_data.instrument.credential"),
        (lambda b: b.update(marketing_consents=[{"channel": "email"}]), "missing", "$.marketing_consents[0].opted_in"),
    ]
    for change, code, param in bad_completes:
        body = json.loads(json.dumps(done))
        change(body)
        r = acp(shop, "POST", f"{path}/complete", body)
        assert (r.status, r.json["code"], r.json.get("param")) == (400, code, param), r
    # the seller-backed example names a handler this merchant does not offer: refused, nothing charged
    r = acp(shop, "POST", f"{path}/complete", example("complete_checkout_session_request_seller_backed"))
    assert r.status == 400 and r.json["param"] == "$.payment_data.handler_id"
    assert all_stock(shop) == before
    after = acp(shop, "GET", path).json
    assert after["status"] == "ready_for_payment"
    assert [(li["item"], li["quantity"]) for li in after["line_items"]] == \
        [(li["item"], li["quantity"]) for li in session["line_items"]]
    assert after["totals"] == session["totals"]
    # unknown sessions
    for method, p in (("GET", "checkout_sessions/cs_00000000000000000000000000000000"),
                      ("POST", "checkout_sessions/cs_00000000000000000000000000000000/complete")):
        r = acp(shop, method, p, done if method == "POST" else None)
        assert r.status == 404 and r.json["code"] == "not_found"
