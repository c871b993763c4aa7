"""Bad webhooks get a clear 4xx and change nothing: bad or missing signature,
non-JSON body, missing event id or topic, a payload the mapping refuses,
an oversize body, a wrong method, an unknown path."""
import json

from sim_fixtures import (announce_oversize, exceptions, http_tenant, ledger, make_catalog, order_body, post, sim,
                          sign, stock, webhook)

__all__ = ["sim"]


def snapshot(hub, skus):
    return ({s: stock(hub, s) for s in skus}, {s: ledger(hub, s)["entries"] for s in skus},
            exceptions(hub))


def test_bad_webhooks_change_nothing(hub, sim, tmp_path):
    cat = tmp_path / "catalog.jsonl"
    skus = make_catalog(cat, products=1, variants=3, stock=20)
    http_tenant(hub, sim)
    hub.start()
    hub.hubctl("import", hub.tenant, cat)
    before = snapshot(hub, skus)
    secret = sim.webhook_secret
    good = order_body("B-1", [(skus[0], 1)])
    path = f"/t/{hub.tenant}/example/webhooks"

    cases = []
    # Signature: wrong key, missing, or over other bytes than the body.
    cases.append(("wrong key", webhook(hub, secret + "x", good, "ev-1", signature=sign(secret + "x", good)), 401))
    cases.append(("no signature", post(hub, path, good, {"X-Example-Event-Id": "ev-2",
                                                         "X-Example-Topic": "order.created"}), 401))
    cases.append(("signed other body", webhook(hub, secret, good + b" ", "ev-3", signature=sign(secret, good)), 401))
    cases.append(("garbage signature", webhook(hub, secret, good, "ev-4", signature="!!not base64!!"), 401))
    # Signed correctly but not acceptable.
    cases.append(("not JSON", webhook(hub, secret, b"id=B-1&sku=x", "ev-5"), 400))
    cases.append(("JSON array", webhook(hub, secret, b"[1,2]", "ev-6"), 400))
    cases.append(("no event id", webhook(hub, secret, good, None), 400))
    cases.append(("empty event id", webhook(hub, secret, good, ""), 400))
    cases.append(("no topic", post(hub, path, good, {"X-Example-Event-Id": "ev-7",
                                                     "X-Example-Signature": sign(secret, good)}), 400))
    bad_line = order_body("B-2", [(skus[1], 0)])  # quantity 0: from_channel refuses it
    cases.append(("mapping refuses", webhook(hub, secret, bad_line, "ev-8"), 422))
    no_id = json.dumps({"status": "open", "lines": [{"sku": skus[1], "quantity": 1}]}).encode()
    cases.append(("order without id", webhook(hub, secret, no_id, "ev-9"), 422))
    # Refused by the HTTP server and the router before the plugin sees it.
    big = announce_oversize(hub, path, 1024 * 1024 + 1, {"X-Example-Event-Id": "ev-10",
                                                          "X-Example-Topic": "order.created"})
    cases.append(("oversize", (big, None), 413))
    cases.append(("GET", post(hub, path, b"", {}, method="GET"), 405))
    cases.append(("PUT", post(hub, path, good, {"X-Example-Signature": sign(secret, good)}, method="PUT"), 405))
    cases.append(("unknown path", post(hub, f"/t/{hub.tenant}/example/webhook", good,
                                       {"X-Example-Signature": sign(secret, good)}), 404))
    cases.append(("unknown channel", post(hub, f"/t/{hub.tenant}/nope/webhooks", good), 404))
    cases.append(("unknown tenant", post(hub, "/t/nobody/example/webhooks", good), 404))

    for name, (status, body), want in cases:
        assert status == want, f"{name}: {status} {body!r}"
        if status in (400, 401, 422):
            assert isinstance(body, dict) and body.get("error"), f"{name}: no error text: {body!r}"
    errs = {name: body["error"] for name, (status, body), _ in cases if isinstance(body, dict) and "error" in body}
    assert errs["wrong key"] == "bad signature"
    assert "X-Example-Event-Id" in errs["no event id"] and "X-Example-Topic" in errs["no topic"]
    assert "not a JSON object" in errs["not JSON"]
    assert "quantity" in errs["mapping refuses"]  # the mapping's own message
    # The sim's own bad signature is refused the same way (and not retried here).
    r = sim.order(json.loads(good), signature="bad", max_attempts=1)
    assert [(d["status"], json.loads(d["response"])["error"]) for d in r["deliveries"]] == [(401, "bad signature")]

    assert snapshot(hub, skus) == before

    # The same event id, now valid, is applied: none of the refusals recorded it.
    for ev in ("ev-1", "ev-5", "ev-7", "ev-8"):
        st, body = webhook(hub, secret, order_body(f"ok-{ev}", [(skus[2], 1)]), ev)
        assert (st, body) == (200, {"status": "committed"}), ev
    assert stock(hub, skus[2])["on_hand"] == before[0][skus[2]]["on_hand"] - 4
    # An unknown topic is acknowledged and ignored.
    st, body = webhook(hub, secret, good, "ev-12", topic="order.fulfilled")
    assert st == 200 and body["status"] == "ignored"
    assert stock(hub, skus[0]) == before[0][skus[0]]


def test_webhooks_off_without_secret(hub, sim, tmp_path):
    cat = tmp_path / "catalog.jsonl"
    skus = make_catalog(cat, products=1, variants=1)
    http_tenant(hub, sim)
    conf = hub.conf / f"{hub.tenant}.conf"
    conf.write_text("\n".join(l for l in conf.read_text().splitlines() if not l.startswith("webhook_secret")))
    hub.start()
    hub.hubctl("import", hub.tenant, cat)
    body = order_body("X-1", [(skus[0], 1)])
    st, doc = webhook(hub, sim.webhook_secret, body, "x-1")
    assert st == 404 and "webhook_secret" in doc["error"]
    assert [e for e in ledger(hub, skus[0])["entries"] if e["ref"] == "X-1"] == []
