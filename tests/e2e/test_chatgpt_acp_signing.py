"""ACP signatures both ways: signed requests to the hub (acp_signing_secret:
Timestamp + Signature over the raw body) and order events from the hub to the
agent (acp_webhook_url: Merchant-Signature t=..,v1=hex HMAC(t.body)), with
retries on a 5xx; the event's order validates against the ACP Order schema."""
import base64
import datetime
import hashlib
import hmac
import http.server
import json
import threading
import time

import pytest

from chatgpt_acp_helpers import ACP_EXTRA, CHECKOUT, acp, create, example, setup_acp_shop, validate
from conftest import wait_for
from mcp_helpers import clean_exit  # noqa: F401  (hubd must exit 0: sanitizer reports fail)

SIGNING = "acp-signing-secret-5d1"
HOOK = "acp-webhook-secret-9e4"


def rfc3339(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def signed(ts, body, secret=SIGNING, std=False):
    raw = json.dumps(body).encode() if body is not None else b""
    mac = hmac.new(secret.encode(), ts.encode() + b"." + raw, hashlib.sha256).digest()
    sig = base64.b64encode(mac).decode() if std else base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
    return {"Timestamp": ts, "Signature": sig}


@pytest.fixture
def signing_shop(hub, monkeypatch):
    monkeypatch.setenv("HUB_TEST_ACP_SIGNING", SIGNING)
    setup_acp_shop(hub, monkeypatch, extra=ACP_EXTRA + "acp_signing_secret = env:HUB_TEST_ACP_SIGNING\n")
    return hub


def test_signed_requests(signing_shop):
    hub = signing_shop
    body = example("create_checkout_session_request", ("SOCKS-M",))
    now = rfc3339(time.time())
    ok = acp(hub, "POST", "checkout_sessions", body, headers=signed(now, body))
    assert ok.status == 201, ok
    sid = ok.json["id"]
    # standard base64 with padding is accepted too; a GET signs the empty body
    assert acp(hub, "GET", f"checkout_sessions/{sid}", headers=signed(now, None, std=True)).status == 200
    cases = [
        ({}, "Timestamp and Signature headers are required"),
        (signed(now, body, secret="other"), "does not match"),
        (signed(now, dict(body, order_notes="changed")), "does not match"),
        (signed(rfc3339(time.time() - 900), body), "more than 300 seconds"),
        (signed("yesterday", body), "not an RFC 3339"),
    ]
    for headers, why in cases:
        r = acp(hub, "POST", "checkout_sessions", body, headers=headers)
        assert r.status == 401 and r.json["code"] == "invalid_signature" and why in r.json["message"], r
    assert validate([(CHECKOUT, "Error", r.json)]) == [[]]
    assert SIGNING not in hub.log.read_text()


class Receiver:
    """The agent's order-event endpoint: records requests, answers from a script of statuses."""

    def __init__(self, statuses):
        self.statuses = list(statuses)
        self.got = []
        rec = self

        class H(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                rec.got.append((dict(self.headers), body))
                code = rec.statuses.pop(0) if rec.statuses else 200
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/agentic_checkout/webhooks/order_events"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


def verify(headers, body):
    m = dict(p.split("=", 1) for p in headers["Merchant-Signature"].split(","))
    assert set(m) == {"t", "v1"} and abs(int(m["t"]) - time.time()) < 300
    want = hmac.new(HOOK.encode(), m["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(want, m["v1"])


@pytest.mark.parametrize("statuses,deliveries", [([200], 1), ([503, 500, 200], 3)])
def test_order_events_are_signed_and_retried(hub, monkeypatch, statuses, deliveries):
    rx = Receiver(statuses)
    try:
        monkeypatch.setenv("HUB_TEST_ACP_HOOK", HOOK)
        setup_acp_shop(hub, monkeypatch, extra=ACP_EXTRA + f"acp_webhook_url = {rx.url}\n"
                                                           "acp_webhook_secret = env:HUB_TEST_ACP_HOOK\n")
        s = create(hub, ("TEE-M-RED", "TEE-M-RED"))
        done = acp(hub, "POST", f"checkout_sessions/{s['id']}/complete", example("complete_checkout_session_request"))
        assert done.status == 200 and done.json["status"] == "completed"
        wait_for(lambda: len(rx.got) == deliveries, timeout=30, what=f"{deliveries} webhook deliveries")
        time.sleep(0.5)
        assert len(rx.got) == deliveries        # nothing after the accepted one
        for headers, body in rx.got:
            verify(headers, body)
            assert headers["Content-Type"] == "application/json"
        event = json.loads(rx.got[-1][1])
        assert event["type"] == "order_create"
        order = event["data"]
        assert order == done.json["order"]
        assert order["checkout_session_id"] == s["id"] and order["type"] == "order"
        assert order["line_items"][0]["quantity"] == {"ordered": 2, "current": 2, "fulfilled": 0}
        assert order["line_items"][0]["subtotal"] == 2 * 1999
        assert {t["type"]: t["amount"] for t in order["totals"]}["total"] == \
            {t["type"]: t["amount"] for t in done.json["totals"]}["total"]
        assert validate([(CHECKOUT, "Order", order)]) == [[]]
        assert HOOK not in hub.log.read_text()
    finally:
        rx.close()
