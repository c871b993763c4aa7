"""ACP 2026-04-17 checkout of the ChatGPT channel: the spec's example requests
(adapted to the test catalog's SKUs and currency) are accepted, every response
validates against the ACP JSON Schema (Ajv), and the sessions move real stock:
a session holds its units, cancel releases them, complete commits them."""
import pytest

from chatgpt_acp_helpers import (CHECKOUT, EXAMPLES, acp, assert_valid, create, example, setup_acp_shop, stock,
                                 totals_of, validate, wait_stock)
from mcp_helpers import wait_available
from mcp_helpers import clean_exit  # noqa: F401  (hubd must exit 0: sanitizer reports fail)


@pytest.fixture
def shop(hub, monkeypatch):
    setup_acp_shop(hub, monkeypatch)
    return hub


def test_spec_examples_end_to_end(shop):
    """create (both create examples) -> update (the update example) -> get -> complete (the complete example)."""
    before = stock(shop, "TEE-S-RED")
    for name in ("create_checkout_session_request", "create_checkout_session_request_with_first_touch_attribution"):
        body = example(name)
        assert_valid(CHECKOUT, "CheckoutSessionCreateRequest", body)
        r = acp(shop, "POST", "checkout_sessions", body)
        assert r.status == 201, r
        assert_valid(CHECKOUT, "CheckoutSession", r.json)
        s = r.json
        assert s["id"].startswith("cs_") and s["currency"] == "eur"
        assert s["protocol"]["version"] == "2026-04-17"
        assert s["line_items"][0]["item"]["id"] == "TEE-S-RED" and s["line_items"][0]["quantity"] == 1
        assert s["line_items"][0]["unit_amount"] == 1999
        assert r.headers["idempotency-key"] and r.headers["request-id"].startswith("req_")
    # the last session: no address in the attribution example -> not ready; the first has one
    assert s["status"] == "not_ready_for_payment"
    assert any(m["type"] == "error" and m["code"] == "missing" and m["param"] == "$.fulfillment_details.address"
               for m in s["messages"])
    assert stock(shop, "TEE-S-RED")["reserved"] == before["reserved"] + 2

    first = create(shop)
    assert first["status"] == "ready_for_payment", first
    upd = example("update_checkout_session_request")
    upd["selected_fulfillment_options"][0]["option_id"] = first["fulfillment_options"][0]["id"]
    upd["selected_fulfillment_options"][0]["item_ids"] = ["TEE-S-RED"]
    assert_valid(CHECKOUT, "CheckoutSessionUpdateRequest", upd)
    r = acp(shop, "POST", f"checkout_sessions/{first['id']}", upd)
    assert r.status == 200, r
    assert_valid(CHECKOUT, "CheckoutSession", r.json)
    assert r.json["selected_fulfillment_options"] == upd["selected_fulfillment_options"]

    g = acp(shop, "GET", f"checkout_sessions/{first['id']}")
    assert g.status == 200
    assert_valid(CHECKOUT, "CheckoutSession", g.json)
    assert g.json["totals"] == r.json["totals"]

    done = example("complete_checkout_session_request")
    assert_valid(CHECKOUT, "CheckoutSessionCompleteRequest", done)
    on_hand = stock(shop, "TEE-S-RED")["on_hand"]
    c = acp(shop, "POST", f"checkout_sessions/{first['id']}/complete", done)
    assert c.status == 200, c
    assert_valid(CHECKOUT, "CheckoutSessionWithOrder", c.json)
    assert c.json["status"] == "completed"
    order = c.json["order"]
    assert order["checkout_session_id"] == first["id"] and order["permalink_url"].startswith("https://shop.example.test/")
    assert c.json["buyer"]["email"] == "johnsmith@mail.com"
    assert stock(shop, "TEE-S-RED")["on_hand"] == on_hand - 1   # committed, once
    # completing again (another key) answers the same order and moves nothing
    again = acp(shop, "POST", f"checkout_sessions/{first['id']}/complete", done)
    assert again.status == 200 and again.json["order"]["id"] == order["id"]
    assert stock(shop, "TEE-S-RED")["on_hand"] == on_hand - 1
    # a completed session cannot be canceled (405) nor updated
    x = acp(shop, "POST", f"checkout_sessions/{first['id']}/cancel", EXAMPLES["cancel_checkout_session_request"])
    assert x.status == 405 and x.json["code"] == "not_cancelable"
    assert_valid(CHECKOUT, "Error", x.json)
    u = acp(shop, "POST", f"checkout_sessions/{first['id']}", {"line_items": [{"id": "SOCKS-M"}]})
    assert u.status == 405
    assert_valid(CHECKOUT, "Error", u.json)


@pytest.mark.parametrize("name", ["complete_checkout_session_request_with_last_touch_attribution",
                                  "complete_session_with_authentication_result_request"])
def test_other_complete_examples_place_an_order(shop, name):
    s = create(shop, ("SOCKS-M", "SOCKS-M"))
    assert s["line_items"][0]["quantity"] == 2
    body = example(name)
    assert_valid(CHECKOUT, "CheckoutSessionCompleteRequest", body)
    before = stock(shop, "SOCKS-M")
    c = acp(shop, "POST", f"checkout_sessions/{s['id']}/complete", body)
    assert c.status == 200, c
    assert_valid(CHECKOUT, "CheckoutSessionWithOrder", c.json)
    after = stock(shop, "SOCKS-M")
    assert after["on_hand"] == before["on_hand"] - 2 and after["reserved"] == before["reserved"] - 2


def test_denied_authentication_declines_and_changes_nothing(shop):
    s = create(shop, ("BOOT-42",))
    body = example("complete_session_with_denied_authentication_request")
    before = stock(shop, "BOOT-42")
    c = acp(shop, "POST", f"checkout_sessions/{s['id']}/complete", body)
    assert c.status == 200, c
    assert_valid(CHECKOUT, "CheckoutSession", c.json)
    assert c.json["status"] == "ready_for_payment" and "order" not in c.json
    assert [m["code"] for m in c.json["messages"]] == ["payment_declined"]
    assert stock(shop, "BOOT-42") == before
    # paying afterwards with a good authentication works
    ok = acp(shop, "POST", f"checkout_sessions/{s['id']}/complete", example("complete_checkout_session_request"))
    assert ok.status == 200 and ok.json["status"] == "completed"
    assert ok.json["messages"] == []


@pytest.mark.parametrize("name", ["cancel_checkout_session_request", "cancel_checkout_session_request_timing_deferred"])
def test_cancel_examples_release_the_holds(shop, name):
    before = stock(shop, "TEE-M-BLUE")
    s = create(shop, ("TEE-M-BLUE", "TEE-M-BLUE", "TEE-M-BLUE"))
    assert stock(shop, "TEE-M-BLUE")["reserved"] == before["reserved"] + 3
    body = EXAMPLES[name]
    assert_valid(CHECKOUT, "CancelSessionRequest", body)
    r = acp(shop, "POST", f"checkout_sessions/{s['id']}/cancel", body)
    assert r.status == 200, r
    assert_valid(CHECKOUT, "CheckoutSession", r.json)
    assert r.json["status"] == "canceled" and r.json["messages"] == []
    wait_stock(shop, "TEE-M-BLUE", before)
    again = acp(shop, "POST", f"checkout_sessions/{s['id']}/cancel", body)
    assert again.status == 405 and again.json["type"] == "invalid_request"
    assert_valid(CHECKOUT, "Error", again.json)
    c = acp(shop, "POST", f"checkout_sessions/{s['id']}/complete", example("complete_checkout_session_request"))
    assert c.status == 405
    # a cancel without a body is accepted too
    s2 = create(shop, ("SOCKS-M",))
    r2 = acp(shop, "POST", f"checkout_sessions/{s2['id']}/cancel")
    assert r2.status == 200 and r2.json["status"] == "canceled"


def test_error_examples_are_the_answers(shop):
    """The spec's Error examples are exactly what the hub answers in those cases."""
    r = acp(shop, "POST", "checkout_sessions", example("create_checkout_session_request"), key=None)
    assert r.status == 400 and r.json == EXAMPLES["error_400_idempotency_key_required"]
    body = example("create_checkout_session_request")
    first = acp(shop, "POST", "checkout_sessions", body, key="same-key-1")
    other = dict(body, line_items=[{"id": "SOCKS-M"}])
    r = acp(shop, "POST", "checkout_sessions", other, key="same-key-1")
    assert first.status == 201
    assert r.status == 422 and r.json == EXAMPLES["error_422_idempotency_conflict"]
    bad = example("create_checkout_session_request")
    bad["line_items"] = [{"id": "invalid_item"}]
    r = acp(shop, "POST", "checkout_sessions", bad)
    assert r.status == 400 and r.json["code"] == EXAMPLES["error_400_invalid_item"]["code"]
    assert r.json["message"] == "The item ID 'invalid_item' does not exist."
    assert r.json["param"] == "$.line_items[0].id"
    for e in (r.json, EXAMPLES["error_400_idempotency_key_required"]):
        assert_valid(CHECKOUT, "Error", e)


def test_out_of_stock_is_a_message_and_complete_refuses(shop):
    before = stock(shop, "BOOT-43")
    s = create(shop, ("BOOT-43",))   # none in stock
    assert_valid(CHECKOUT, "CheckoutSession", s)
    assert s["status"] == "not_ready_for_payment"
    oos = [m for m in s["messages"] if m["code"] == "out_of_stock"]
    assert oos and oos[0]["type"] == "error" and oos[0]["param"] == "$.line_items[0]"
    assert s["line_items"][0]["availability_status"] == "out_of_stock"
    c = acp(shop, "POST", f"checkout_sessions/{s['id']}/complete", example("complete_checkout_session_request"))
    assert c.status == 200 and c.json["status"] == "not_ready_for_payment" and "order" not in c.json
    assert stock(shop, "BOOT-43") == before
    # swap the line for one in stock: the message goes, the session is ready
    u = acp(shop, "POST", f"checkout_sessions/{s['id']}", {"line_items": [{"id": "BOOT-42"}]})
    assert u.status == 200, u
    assert_valid(CHECKOUT, "CheckoutSession", u.json)
    assert u.json["status"] == "ready_for_payment" and u.json["messages"] == []
    assert [li["item"]["id"] for li in u.json["line_items"]] == ["BOOT-42"]


def test_last_unit_goes_to_one_session_only(shop):
    a = create(shop, ("LAST-1",))
    b = create(shop, ("LAST-1",))
    assert a["status"] == "ready_for_payment"
    assert b["status"] == "not_ready_for_payment"
    assert [m["code"] for m in b["messages"]] == ["out_of_stock"]
    assert stock(shop, "LAST-1")["reserved"] == 1
    # a cancels: b can take the unit with an update
    acp(shop, "POST", f"checkout_sessions/{a['id']}/cancel")
    u = acp(shop, "POST", f"checkout_sessions/{b['id']}", {"line_items": [{"id": "LAST-1"}]})
    assert u.json["status"] == "ready_for_payment", u


def test_totals_are_integers_and_add_up(shop):
    s = create(shop, ("TEE-M-RED", "TEE-M-RED", "BOOT-42"),
               discounts={"codes": ["WELCOME10", "FIVER"]})
    assert_valid(CHECKOUT, "CheckoutSession", s)
    t = totals_of(s)
    for total in s["totals"]:
        assert isinstance(total["amount"], int)
    assert t["items_base_amount"] == 2 * 1999 + 12999
    assert t["discount"] == sum(li["totals"][1]["amount"] for li in s["line_items"])
    assert t["discount"] == round((2 * 1999) * 0.1) + round(12999 * 0.1)  # 10% per line, half-up
    assert t["subtotal"] == t["items_base_amount"] - t["discount"]
    assert t["fulfillment"] == 0    # free shipping over 50.00
    assert t["total"] == t["subtotal"] + t["fulfillment"]   # tax included in prices
    assert t["tax"] > 0
    for li in s["line_items"]:
        lt = {x["type"]: x["amount"] for x in li["totals"]}
        assert lt["items_base_amount"] == li["unit_amount"] * li["quantity"]
        assert lt["subtotal"] == lt["items_base_amount"] - lt["discount"]
    d = s["discounts"]
    assert d["codes"] == ["WELCOME10", "FIVER"]
    assert [a["code"] for a in d["applied"]] == ["WELCOME10"] and d["applied"][0]["amount"] == t["discount"]
    assert d["rejected"] == [{"code": "FIVER", "reason": "discount_code_combination_disallowed",
                              "message": "only one discount code applies per order"}]
    assert any(m["type"] == "warning" and m["code"] == "discount_code_combination_disallowed" for m in s["messages"])
    # an expired code is refused with the reason; the session stays payable
    u = acp(shop, "POST", f"checkout_sessions/{s['id']}", {"discounts": {"codes": ["OLD20"]}})
    assert u.status == 200
    assert_valid(CHECKOUT, "CheckoutSession", u.json)
    assert u.json["discounts"]["rejected"][0]["reason"] == "discount_code_expired"
    assert totals_of(u.json).get("discount", 0) == 0 and u.json["status"] == "ready_for_payment"


def test_update_changes_quantities_and_holds(shop):
    s = create(shop, ("TEE-S-RED", "SOCKS-M"))
    base_tee, base_socks = stock(shop, "TEE-S-RED")["reserved"], stock(shop, "SOCKS-M")["reserved"]
    u = acp(shop, "POST", f"checkout_sessions/{s['id']}",
            {"line_items": [{"id": "SOCKS-M"}, {"id": "SOCKS-M"}, {"id": "SOCKS-M"}, {"id": "TEE-M-RED"}]})
    assert u.status == 200, u
    assert_valid(CHECKOUT, "CheckoutSession", u.json)
    assert {li["item"]["id"]: li["quantity"] for li in u.json["line_items"]} == {"SOCKS-M": 3, "TEE-M-RED": 1}
    assert stock(shop, "TEE-S-RED")["reserved"] == base_tee - 1
    assert stock(shop, "SOCKS-M")["reserved"] == base_socks + 2
    # the channel shows the held units as gone (available = on_hand - reserved)
    wait_available(shop, "SOCKS-M", stock(shop, "SOCKS-M")["on_hand"] - stock(shop, "SOCKS-M")["reserved"])
    # a buyer and address update keeps the lines
    u2 = acp(shop, "POST", f"checkout_sessions/{s['id']}", {"buyer": {"email": "a@b.example", "first_name": "Ann"}})
    assert u2.json["buyer"] == {"email": "a@b.example", "first_name": "Ann"}
    def lines(x):
        return [(li["item"], li["quantity"], li["totals"]) for li in x["line_items"]]
    assert lines(u2.json) == lines(u.json)


def test_all_responses_validate(shop):
    """A sweep over every operation's answers, validated in one Ajv run."""
    s = create(shop, ("TEE-S-RED",))
    answers = [("CheckoutSession", s),
               ("CheckoutSession", acp(shop, "GET", f"checkout_sessions/{s['id']}").json),
               ("Error", acp(shop, "GET", "checkout_sessions/cs_nope").json),
               ("Error", acp(shop, "POST", "checkout_sessions", {"currency": "eur"}).json),
               ("Error", acp(shop, "GET", f"checkout_sessions/{s['id']}", token="wrong").json),
               ("Error", acp(shop, "GET", f"checkout_sessions/{s['id']}", version="2025-09-29").json)]
    errs = validate([(CHECKOUT, d, v) for d, v in answers])
    assert errs == [[]] * len(answers), errs
