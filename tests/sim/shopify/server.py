"""server.py - the HTTP side: Admin GraphQL endpoint and the control plane routes.

POST /admin/api/{version}/graphql.json (shopify.md §1, §2, §7):
  1. version: one of --api-versions is served as is; an older well-formed quarterly version
     falls forward to the oldest supported; anything else is 404 {"errors":"Not Found"}.
     X-Shopify-API-Version always names the version that served the request.
  2. X-Shopify-Access-Token must equal --token, else 401 (shopify.md §7 body).
  3. fault knobs: error_rate (or fail_next: the next N calls) -> a 5xx with Shopify's JSON error body, no effect.
  4. validate + cost (gql_exec.prepare); invalid -> 200 {"errors":[...]} nothing charged;
     requested > 1000 -> MAX_COST_EXCEEDED.
  5. bucket: cannot pay -> THROTTLED (HTTP 200, or 429 + Retry-After with the
     throttle_status knob), no data, nothing applied.
  6. execute under the store lock; webhooks for what changed are queued; refund the
     difference requested - actual; answer {data, errors?, extensions:{cost}}.
"""
import json
import re
import time
import traceback
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from . import control, ops_inventory, ops_orders, ops_product, ops_query
from .gql_exec import GQLError, MAX_QUERY_COST, Request

MAX_BODY = 16 * 1024 * 1024
PATH = re.compile(r"^/admin/api/([^/]+)/graphql\.json$")
VERSION = re.compile(r"^\d{4}-(01|04|07|10)$")
UNAUTHORIZED = {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}
FIVE_XX = {500: {"errors": "Internal Server Error"}, 502: {"errors": "Bad Gateway"},
           503: {"errors": "Service Unavailable"}, 504: {"errors": "Gateway Timeout"}}
MUTATIONS = dict(ops_inventory.RESOLVERS, **ops_product.RESOLVERS, **ops_orders.RESOLVERS)


class Ctx:
    """What a resolver sees: the store, the served version, the root field's directives."""

    def __init__(self, st, version, variables):
        self.store, self.version, self.variables = st.store, version, variables
        self.plan, self.knobs, self.counters = st.plan, st.knobs, st.counters
        self.directives = []
        self.search_warnings = []


def resolve_version(st, asked):
    if asked in st.versions:
        return asked
    if asked == "unstable":
        return st.versions[-1]
    if VERSION.match(asked) and asked < st.versions[0]:
        return st.versions[0]  # retired: falls forward to the oldest supported (shopify.md §7)
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes: no 40 ms delayed-ACK stalls
    server_version = "shopify-sim/1.0"

    def log_message(self, fmt, *args):
        pass

    def send(self, status, body, headers=None):
        data = body if isinstance(body, bytes) else json.dumps(body, separators=(",", ":")).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            self.close_connection = True

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n > MAX_BODY:
            self.close_connection = True
            return None
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        self.route()

    def do_POST(self):
        self.route()

    def route(self):
        url = urlsplit(self.path)
        raw = self.body()
        if raw is None:
            return self.send(413, {"errors": "Request body too large"})
        if url.path.startswith("/_"):
            return self.control(url, raw)
        m = PATH.match(url.path)
        if not m:
            return self.send(404, {"errors": "Not Found"})
        if self.command != "POST":
            return self.send(405, {"errors": "Method Not Allowed"}, {"Allow": "POST"})
        self.graphql(m.group(1), raw)

    # ------------------------------------------------------------------ control plane
    def control(self, url, raw):
        st, sender = self.server.state, self.server.sender
        try:
            spec = json.loads(raw or b"{}") if self.command == "POST" else {}
            p = url.path
            if p == "/_control" and self.command == "POST":
                return self.send(200, {"knobs": st.control(spec)})
            if p == "/_control/order" and self.command == "POST":
                return self.send(200, control.order(st, sender, spec))
            if p == "/_control/cancel" and self.command == "POST":
                return self.send(200, control.cancel(st, sender, spec))
            if p == "/_control/set_inventory" and self.command == "POST":
                return self.send(200, control.set_inventory(st, sender, spec))
            if p == "/_control/location" and self.command == "POST":
                return self.send(200, control.location(st, spec))
            if p == "/_control/webhook" and self.command == "POST":
                return self.send(200, control.webhook(st, sender, spec))
            if p == "/_state" and self.command == "GET":
                q = parse_qs(url.query)
                return self.send(200, st.snapshot(q.get("log", ["1"])[0] != "0"))
            if p == "/_reset" and self.command == "POST":
                q = parse_qs(url.query)
                st.reset(int(q.get("seed", ["0"])[0]))
                return self.send(200, {"ok": True})
            return self.send(404, {"error": f"no control endpoint {self.command} {p}"})
        except (control.ControlError, ValueError) as e:
            return self.send(400, {"error": str(e)})

    # ------------------------------------------------------------------ GraphQL
    def graphql(self, asked, raw):
        st = self.server.state
        t0 = time.monotonic()
        entry = {"t": time.time(), "version": asked, "ops": [], "status": None}
        version = resolve_version(st, asked)
        if version is None:
            return self.answer(entry, 404, {"errors": "Not Found"}, {})
        hdrs = {"X-Shopify-API-Version": version, "X-Request-Id": str(uuid.uuid4())}
        entry["served"] = version
        if self.headers.get("X-Shopify-Access-Token") != st.token:
            st.count("unauthorized")
            return self.answer(entry, 401, UNAUTHORIZED, hdrs)
        with st.log_lock:
            k = dict(st.knobs)
            fault = st.rng.random() < k["error_rate"] if k["error_rate"] else False
            if k["fail_next"] > 0:  # a scripted fault: a test that needs one gets it
                st.knobs["fail_next"] -= 1
                fault = True
            malformed = st.rng.random() < k["malformed_rate"] if k["malformed_rate"] else False
            status5 = st.rng.choice(k["error_status"]) if fault else None
        if k["latency_ms"]:
            time.sleep(k["latency_ms"] / 1000.0)
        if fault:
            st.count("faults", status5)
            entry["fault"] = status5
            h = dict(hdrs, **({"Retry-After": "1"} if status5 == 503 else {}))
            return self.answer(entry, status5, FIVE_XX.get(status5, {"errors": "Internal Server Error"}), h)
        try:
            if (self.headers.get("Content-Type") or "").startswith("application/graphql"):
                body = {"query": raw.decode("utf-8")}  # the raw-query form the Admin API also accepts
            else:
                body = json.loads(raw.decode("utf-8")) if raw else None
        except (ValueError, UnicodeDecodeError):
            body = None
        if not isinstance(body, dict):
            return self.answer(entry, 400, {"errors": {"query": "Required parameter missing or invalid"}}, hdrs)

        req = Request(body, version)
        try:
            prep = req.prepare()
        except GQLError as e:
            st.count("graphql_errors")
            entry["error"] = e.body["message"]
            return self.answer(entry, 200, {"errors": [e.body], "extensions": {"cost": self.cost(0, 0)}}, hdrs)
        entry["ops"] = prep.root_names
        entry["requested"] = prep.requested
        for n in prep.root_names:
            st.count("by_operation", n)
        if prep.requested > MAX_QUERY_COST:
            msg = (f"Query cost is {prep.requested}, which exceeds the single query max cost limit "
                   f"({MAX_QUERY_COST}).\n\nSee https://shopify.dev/concepts/about-apis/rate-limits for more "
                   "information on how the\ncost of a query is calculated.\n\nTo query larger amounts of data "
                   "with fewer limits, bulk operations should be used instead.\nSee "
                   "https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api for usage details.\n")
            err = {"message": msg, "extensions": {"code": "MAX_COST_EXCEEDED", "cost": prep.requested,
                                                  "maxCost": MAX_QUERY_COST}}
            return self.answer(entry, 200, {"errors": [err], "extensions": {"cost": self.cost(prep.requested, None)}},
                               hdrs)
        ok, status = st.bucket.try_take(prep.requested)
        if not ok:
            st.count("throttled")
            entry["throttled"] = True
            out = {"errors": [{"message": "Throttled", "extensions": {
                "code": "THROTTLED", "documentation": "https://shopify.dev/api/usage/rate-limits"}}],
                "extensions": {"cost": {"requestedQueryCost": prep.requested, "actualQueryCost": None,
                                        "throttleStatus": status}}}
            code = k["throttle_status"]
            h = dict(hdrs)
            if code == 429:
                h["Retry-After"] = str(max(1, int(st.bucket.seconds_until(prep.requested) + 0.999)))
            return self.answer(entry, code, out, h)

        ctx = Ctx(st, version, req.variables)

        def resolve_root(kind, name, args, directives):
            ctx.directives = directives
            table = ops_query.RESOLVERS if kind == "query" else MUTATIONS
            return table[name](ctx, args)

        with st.store.lock:
            try:
                data, errors, actual = req.execute(prep, resolve_root, entry)
            except Exception:  # a simulator bug: say so loudly, answer like Shopify's 500
                traceback.print_exc()
                st.count("sim_bugs")
                entry["fault"] = "sim_bug"
                return self.answer(entry, 500, FIVE_XX[500], hdrs)
            finally:
                events, st.store.events = st.store.events, []
                if events:
                    self.server.sender.emit(events)
        status = st.bucket.refund(prep.requested - actual)
        out = {"data": data}
        if errors:
            out["errors"] = errors
            st.count("graphql_errors")
        ext = {"cost": {"requestedQueryCost": prep.requested, "actualQueryCost": actual, "throttleStatus": status}}
        if ctx.search_warnings:
            ext["search"] = ctx.search_warnings
        out["extensions"] = ext
        entry["actual"] = actual
        entry["user_errors"] = sum(len(v.get("userErrors") or []) for v in data.values() if isinstance(v, dict))
        entry["ms"] = round((time.monotonic() - t0) * 1000, 2)
        if malformed:
            st.count("faults", "malformed")
            entry["fault"] = "malformed"
            return self.answer(entry, 200, json.dumps(out).encode()[:max(1, len(json.dumps(out)) // 2)], hdrs)
        return self.answer(entry, 200, out, hdrs)

    def cost(self, requested, actual):
        return {"requestedQueryCost": requested, "actualQueryCost": actual,
                "throttleStatus": self.server.state.bucket.status()}

    def answer(self, entry, status, body, headers):
        st = self.server.state
        entry["status"] = status
        st.count("requests")
        st.count("http", status)
        st.log_request(entry)
        self.send(status, body, headers)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256
