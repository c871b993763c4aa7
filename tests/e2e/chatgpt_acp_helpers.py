"""Helpers for the ChatGPT channel's ACP, feed, handoff and funnel tests: a
tenant with ACP and the storefront handoff on, an ACP HTTP client, validation
against the ACP 2026-04-17 JSON Schemas (Ajv through the Node driver's
node_modules), the spec's examples adapted to the test catalog, and an
independent signer of handoff tokens (the token format of docs/channels/chatgpt.md)."""
import base64
import copy
import hashlib
import hmac
import http.client
import json
import subprocess
import time
import uuid

from conftest import SRC, wait_for
from mcp_helpers import CLIENT_DIR, SPECS, ensure_node_deps, setup_shop

ACP_DIR = SPECS / "acp" / "2026-04-17"
EXAMPLES = json.loads((ACP_DIR / "examples" / "examples.agentic_checkout.json").read_text())
CHECKOUT = "schema.agentic_checkout.json"
FEED = "schema.feed.json"
API_KEY = "acp-test-key-7f3a9c"
HANDOFF_SECRET = "handoff-test-secret-0b2e"
STORE = "https://shop.example.test"

ACP_EXTRA = f"""acp = true
acp_api_key = env:HUB_TEST_ACP_KEY
store_url = {STORE}
handoff_secret = env:HUB_TEST_HANDOFF_SECRET
handoff_ttl = 10m
"""


def setup_acp_shop(hub, monkeypatch, extra=ACP_EXTRA, **kw):
    monkeypatch.setenv("HUB_TEST_ACP_KEY", API_KEY)
    monkeypatch.setenv("HUB_TEST_HANDOFF_SECRET", HANDOFF_SECRET)
    return setup_shop(hub, extra=extra, **kw)


class Resp:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = {k.lower(): v for k, v in headers}
        self.body = body
        self.json = json.loads(body) if body and self.headers.get("content-type", "").startswith("application/json") else None

    def __repr__(self):
        return f"<{self.status} {self.body[:400]!r}>"


def request(hub, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", hub.port, timeout=30)
    data = body if isinstance(body, (bytes, str)) or body is None else json.dumps(body)
    h = {k: v for k, v in (headers or {}).items() if v is not None}
    conn.request(method, path, body=data, headers=h)
    r = conn.getresponse()
    out = Resp(r.status, r.getheaders(), r.read())
    conn.close()
    return out


def acp(hub, method, path, body=None, key="auto", headers=None, version="2026-04-17", token=API_KEY):
    """One ACP request; POSTs get a fresh Idempotency-Key unless key is given (None: no header)."""
    h = {"Authorization": f"Bearer {token}" if token else None, "API-Version": version,
         "Content-Type": "application/json" if body is not None else None,
         "Request-Id": "req_" + uuid.uuid4().hex[:12]}
    if method == "POST":
        h["Idempotency-Key"] = str(uuid.uuid4()) if key == "auto" else key
    h.update(headers or {})
    return request(hub, method, f"/t/{hub.tenant}/chatgpt/acp/{path}", body, h)


def validate(items):
    """[(file, definition, value)] -> list of error lists (Ajv 2020-12 with formats)."""
    ensure_node_deps()
    payload = json.dumps([{"file": f, "def": d, "value": v} for f, d, v in items])
    p = subprocess.run(["node", str(SRC / "tests" / "e2e" / "chatgpt_acp_schemas.mjs"), str(ACP_DIR / "json-schema"),
                        str(CLIENT_DIR / "node_modules")], input=payload, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def assert_valid(file, definition, value):
    errs = validate([(file, definition, value)])[0]
    assert errs == [], f"{definition}: {errs}\n{json.dumps(value, indent=1)[:3000]}"


def example(name, skus=("TEE-S-RED",), currency="eur"):
    """A request example of the spec with its item ids replaced by our SKUs and its currency by ours."""
    ex = copy.deepcopy(EXAMPLES[name])
    if "line_items" in ex:
        ex["line_items"] = [dict(li, id=skus[i % len(skus)]) for i, li in enumerate(ex["line_items"])]
    if "currency" in ex:
        ex["currency"] = currency
    return ex


def create(hub, skus=("TEE-S-RED",), address=True, **extra):
    body = example("create_checkout_session_request", skus)
    body["line_items"] = [{"id": s} for s in skus]
    if not address:
        body.pop("fulfillment_details")
    body.update(extra)
    r = acp(hub, "POST", "checkout_sessions", body)
    assert r.status == 201, r
    return r.json


def totals_of(session):
    return {t["type"]: t["amount"] for t in session["totals"]}


def stock(hub, sku):
    """on_hand, reserved, available of a SKU (hubctl stock get)."""
    s = hub.hubctl("stock", "get", hub.tenant, sku, json_out=True).json
    return {k: s[k] for k in ("on_hand", "reserved", "available")}


def wait_stock(hub, sku, want, timeout=20):
    """Until the SKU's stock equals `want` (a release is committed just after the answer)."""
    wait_for(lambda: stock(hub, sku) == want, timeout=timeout, what=f"{sku} stock {want}")


# ------------------------------------------------------------------ handoff tokens

def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64u_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def sign_token(claims, secret=HANDOFF_SECRET):
    """The hub's token format: base64url(JSON payload) "." base64url(HMAC-SHA256(secret, prefix + payload64))."""
    p64 = b64u(json.dumps(claims, separators=(",", ":")).encode())
    mac = hmac.new(secret.encode(), ("hub-handoff-v1." + p64).encode(), hashlib.sha256).digest()
    return p64 + "." + b64u(mac)


def token_claims(token):
    return json.loads(b64u_decode(token.split(".")[0]))


def redeem(hub, token, method="GET"):
    path = f"/t/{hub.tenant}/chatgpt/handoff/redeem"
    if method == "GET":
        return request(hub, "GET", path + "?token=" + token)
    return request(hub, "POST", path, {"token": token}, {"Content-Type": "application/json"})


def now_s():
    return int(time.time())
