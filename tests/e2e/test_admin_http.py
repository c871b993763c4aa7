"""The /admin HTTP API: bearer tokens (hashed, scoped, per tenant), changes answered
after the durable commit, and the right status for each refusal."""
import json
import urllib.error
import urllib.request

from test_core_e2e import catalog_skus, setup_example


def call(hub, method, path, token=None, body=None, headers=None):
    data = json.dumps(body).encode() if isinstance(body, (dict, list)) else body
    req = urllib.request.Request(f"http://127.0.0.1:{hub.port}{path}", data=data, method=method)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            return e.code, json.loads(raw)
        except ValueError:
            return e.code, raw.decode()


def token(hub, name, scope, tenant=None):
    args = ["token", "create", name, "--scope", scope] + (["--tenant", tenant] if tenant else [])
    return hub.hubctl(*args, json_out=True).json["token"]


def test_tokens_scopes_and_stock_changes(hub, sample_catalog):
    setup_example(hub)
    hub.start()
    hub.hubctl("import", hub.tenant, sample_catalog)
    sku = catalog_skus(sample_catalog)[5]
    reader = token(hub, "reader", "read")
    writer = token(hub, "writer", "stock:write", tenant=hub.tenant)
    other = token(hub, "other-tenant", "admin", tenant="someone-else")

    # The token file holds hashes only.
    stored = (hub.data / "admin-tokens.json").read_text()
    assert reader not in stored and writer not in stored and "sha256" in stored

    assert call(hub, "GET", "/admin/status")[0] == 401
    assert call(hub, "GET", "/admin/status", token="hub_" + "0" * 64)[0] == 401
    code, st = call(hub, "GET", "/admin/status", token=reader)
    assert code == 200 and st["tenants"][0]["tenant"] == hub.tenant

    code, s = call(hub, "GET", f"/admin/t/{hub.tenant}/stock/{sku}", token=reader)
    assert code == 200 and s["sku"] == sku
    before = s["on_hand"]
    # read cannot write; another tenant's admin cannot touch this tenant
    assert call(hub, "POST", f"/admin/t/{hub.tenant}/stock/{sku}", reader, {"adjust": 1, "reason": "x"})[0] == 403
    assert call(hub, "POST", f"/admin/t/{hub.tenant}/stock/{sku}", other, {"adjust": 1, "reason": "x"})[0] == 403

    code, r = call(hub, "POST", f"/admin/t/{hub.tenant}/stock/{sku}", writer, {"adjust": 3, "reason": "api test"},
                   {"Idempotency-Key": "k1"})
    assert code == 200 and r["status"] == "committed"
    code, r = call(hub, "POST", f"/admin/t/{hub.tenant}/stock/{sku}", writer, {"adjust": 3, "reason": "api test"},
                   {"Idempotency-Key": "k1"})
    assert code == 200 and r["status"] == "duplicate"
    assert hub.hubctl("stock", "get", hub.tenant, sku, json_out=True).json["on_hand"] == before + 3

    # Refusals change nothing.
    # refused by the engine for its content: 422 with its reason (503 is kept for "not recorded")
    code, r = call(hub, "POST", f"/admin/t/{hub.tenant}/stock/{sku}", writer, {"adjust": 2})
    assert code == 422 and "adjust needs a reason" in r["error"], r
    assert call(hub, "POST", f"/admin/t/{hub.tenant}/stock/{sku}", writer, b"not json")[0] == 400
    assert call(hub, "POST", f"/admin/t/{hub.tenant}/stock/{sku}", writer, {"adjust": 1, "set": 2})[0] == 400
    code, r = call(hub, "POST", f"/admin/t/{hub.tenant}/stock/NOPE", writer, {"set": 2})
    assert code == 422 and "SKU NOPE is not in the catalog" in r["error"], r
    assert call(hub, "DELETE", f"/admin/t/{hub.tenant}/stock/{sku}", writer)[0] == 405
    assert call(hub, "GET", f"/admin/t/{hub.tenant}/nothing", reader)[0] == 404
    assert hub.hubctl("stock", "get", hub.tenant, sku, json_out=True).json["on_hand"] == before + 3

    # Revoked: refused at the next request.
    hub.hubctl("token", "revoke", "writer")
    assert call(hub, "POST", f"/admin/t/{hub.tenant}/stock/{sku}", writer, {"adjust": 1, "reason": "x"})[0] == 401
    names = [t["name"] for t in hub.hubctl("token", "list", json_out=True).json["tokens"]]
    assert names == ["reader", "other-tenant"]


def test_catalog_write_and_health(hub):
    setup_example(hub)
    hub.start()
    cat = token(hub, "catalog", "catalog:write")
    product = {"id": "api-tee", "title": "API Tee", "brand": "Hub", "category": "Apparel", "options": ["size"],
               "variants": [{"sku": "API-TEE-M", "options": {"size": "M"}, "price": "19.90", "currency": "EUR",
                             "stock": {"default": 4}}]}
    code, r = call(hub, "POST", f"/admin/t/{hub.tenant}/products", cat, product)
    assert code == 200 and r["status"] == "committed"
    p = hub.hubctl("product", "get", hub.tenant, "api-tee", json_out=True).json
    assert p["variants"][0]["price"] == {"amount": 1990, "currency": "EUR"}
    bad = dict(product, variants=[dict(product["variants"][0], price=-5)])
    code, r = call(hub, "POST", f"/admin/t/{hub.tenant}/products", cat, bad)
    assert code == 422 and "price" in r["error"]
    assert call(hub, "GET", "/healthz")[0] == 200
    text = urllib.request.urlopen(f"http://127.0.0.1:{hub.port}/metrics", timeout=10).read().decode()
    assert 'hub_events_in_total{channel="example",tenant="demo"}' in text or "hub_events_in_total{" in text
    assert "hub_propagation_latency_ms_bucket{" in text and "hub_circuit_state{" in text
    assert call(hub, "GET", "/nowhere")[0] == 404


def test_token_command_refuses_bad_input(hub):
    setup_example(hub)
    r = hub.hubctl("token", "create", "x", "--scope", "root", check=False)
    assert r.returncode == 1 and "unknown scope" in r.stderr
    r = hub.hubctl("token", "create", "x", check=False)
    assert r.returncode == 1
    token(hub, "x", "read")
    r = hub.hubctl("token", "create", "x", "--scope", "read", check=False)
    assert r.returncode == 1 and "exists" in r.stderr
    r = hub.hubctl("token", "revoke", "nope", check=False)
    assert r.returncode == 1
