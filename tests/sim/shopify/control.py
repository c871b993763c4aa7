"""control.py - the simulator's state (knobs, counters, logs) and its test control plane.

Control plane (no auth, no faults, not counted as API requests):
  POST /_control               knobs (DEFAULT_KNOBS, plus capacity, restore, plan,
                               force_throttle_for_s, seed); answers the knobs in force
  POST /_control/order         {"lines":[{"sku","quantity","price"?,"title"?}], "location_id"?,
                                "email"?, "financial_status"?, "test"?, "wait"?}
  POST /_control/cancel        {"order_id", "restock": true, "reason"?, "wait"?}
  POST /_control/set_inventory {"sku", "quantity", "location_id"?, "name"?: "available"|"on_hand", "wait"?}
  POST /_control/location      {"name"}
  POST /_control/webhook       {"topic", "body"? | "raw"? | "example": true, "signature"?: "bad"|"missing",
                                "url"?, "wait"?}  (a hand-made delivery, e.g. Shopify's own example)
  GET  /_state[?log=0]         POST /_reset
"wait": true answers after the webhooks of that change were delivered (or given up).
"""
import json
import random
import threading
import time

from . import payloads
from .store import Store, gid, parse_gid
from .throttle import Bucket, PLANS

DEFAULT_TOPICS = ["orders/create", "orders/updated", "orders/cancelled", "orders/fulfilled", "products/update",
                  "inventory_levels/update"]  # shopify.md §5 "Topics needed"

DEFAULT_KNOBS = {
    "latency_ms": 0,              # delay every API answer (effects happen on arrival)
    "error_rate": 0.0,            # answer a 5xx with Shopify's error body, no effect
    "fail_next": 0,               # the next N API calls answer a 5xx for sure (then error_rate again)
    "error_status": [500, 502, 503],
    "malformed_rate": 0.0,        # apply, then answer 200 with a truncated body
    "throttle_status": 200,       # HTTP status of a THROTTLED answer (shopify.md §7: 200 or 429)
    "drop_webhooks": 0.0,         # probability an event's webhook is never sent
    "duplicate_webhooks": 0,      # extra deliveries of the same X-Shopify-Webhook-Id after the first
    "webhook_delay_ms": 0,        # wait before the first attempt
    "webhook_jitter_ms": 0,       # random extra wait (deliveries may overtake each other)
    "webhook_max_attempts": 9,    # 1 + Shopify's 8 retries
    "webhook_backoff_ms": 100,    # compressed backoff: 100 ms doubling ...
    "webhook_backoff_max_ms": 2000,  # ... capped (Shopify: 8 retries over 4 hours)
    "webhook_timeout_s": 5.0,     # Shopify waits 5 s for the answer
    "webhook_connect_timeout_s": 1.0,  # and 1 s for the connection
    "topics": list(DEFAULT_TOPICS),  # topics delivered to --hub-url ("all" = every topic)
    "allow_http_callbacks": True,  # Shopify refuses http:// subscription addresses; loopback needs them
}

INT_KNOBS = {"latency_ms", "fail_next", "duplicate_webhooks", "webhook_delay_ms", "webhook_jitter_ms", "webhook_max_attempts",
             "webhook_backoff_ms", "webhook_backoff_max_ms"}
RATE_KNOBS = {"error_rate", "malformed_rate", "drop_webhooks"}
SECONDS_KNOBS = {"webhook_timeout_s", "webhook_connect_timeout_s"}
ALL_TOPICS = {"orders/create", "orders/updated", "orders/cancelled", "orders/fulfilled", "orders/paid",
              "refunds/create", "products/create", "products/update", "inventory_levels/update",
              "fulfillments/create", "all"}


class ControlError(Exception):
    pass


class State:
    def __init__(self, shop, token, webhook_secret, hub_url, plan, versions, webhook_version, seed=0,
                 locations=("Shop location",), currency="USD", huge_ids=False):
        self.shop, self.token, self.webhook_secret, self.hub_url = shop, token, webhook_secret, hub_url
        self.versions, self.webhook_version = versions, webhook_version
        self.initial_plan = plan
        self.store = Store(shop, currency, locations, huge_ids)
        self.log_lock = threading.Lock()
        self.bucket = Bucket(plan)
        self.in_flight = 0  # webhook deliveries not finished (survives /_reset)
        self.reset(seed)

    def reset(self, seed=0):
        with self.store.lock, self.log_lock:
            self.store.reset()
            self.knobs = {k: (list(v) if isinstance(v, list) else v) for k, v in DEFAULT_KNOBS.items()}
            self.seed = seed
            self.rng = random.Random(seed)
            self.plan = self.initial_plan
            self.bucket.configure(self.plan)
            self.request_log = []
            self.webhook_log = []
            self.counters = {"requests": 0, "by_operation": {}, "throttled": 0, "http": {}, "graphql_errors": 0,
                             "faults": {}, "idempotent_replays": 0, "unauthorized": 0}

    # ------------------------------------------------------------------ knobs
    def control(self, body):
        if not isinstance(body, dict):
            raise ControlError("body must be a JSON object of knobs")
        extra = {"capacity", "restore", "plan", "force_throttle_for_s", "seed"}
        unknown = sorted(set(body) - set(DEFAULT_KNOBS) - extra)
        if unknown:
            raise ControlError(f"unknown knob '{unknown[0]}'")
        with self.log_lock:
            for k, v in body.items():
                num = isinstance(v, (int, float)) and not isinstance(v, bool)
                if k in INT_KNOBS:
                    if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                        raise ControlError(f"{k} must be an integer >= 0")
                elif k in RATE_KNOBS:
                    if not num or not 0 <= v <= 1:
                        raise ControlError(f"{k} must be a number in [0, 1]")
                elif k in SECONDS_KNOBS or k in ("capacity", "restore", "force_throttle_for_s"):
                    if not num or v < 0:
                        raise ControlError(f"{k} must be a number >= 0")
                elif k == "error_status":
                    v = [v] if isinstance(v, int) else v
                    if not isinstance(v, list) or not v or not all(isinstance(x, int) and 500 <= x <= 599 for x in v):
                        raise ControlError("error_status is a 5xx status or a list of them")
                elif k == "throttle_status":
                    if v not in (200, 429):
                        raise ControlError("throttle_status is 200 or 429")
                elif k == "topics":
                    if not isinstance(v, list) or not set(v) <= ALL_TOPICS:
                        raise ControlError(f"topics is a list of {sorted(ALL_TOPICS)}")
                elif k == "allow_http_callbacks":
                    if not isinstance(v, bool):
                        raise ControlError("allow_http_callbacks is a boolean")
                elif k == "plan":
                    if v not in PLANS:
                        raise ControlError(f"plan is one of {sorted(PLANS)}")
                elif k == "seed":
                    if not isinstance(v, int) or isinstance(v, bool):
                        raise ControlError("seed must be an integer")
            for k, v in body.items():
                if k in DEFAULT_KNOBS:
                    self.knobs[k] = [v] if k == "error_status" and isinstance(v, int) else v
                elif k == "seed":
                    self.seed, self.rng = v, random.Random(v)
                elif k == "plan":
                    self.plan = v
                    self.bucket.configure(plan=v)
            if "capacity" in body or "restore" in body:
                self.bucket.configure(capacity=body.get("capacity"), restore=body.get("restore"))
            if "force_throttle_for_s" in body:
                self.bucket.force(float(body["force_throttle_for_s"]))
            return self.knob_snapshot()

    def knob_snapshot(self):
        k = dict(self.knobs, seed=self.seed, plan=self.plan)
        k["throttle"] = self.bucket.status()
        k["throttle"]["forced_for_s"] = max(0.0, self.bucket.forced_until - self.bucket.clock())
        return k

    def count(self, key, sub=None):
        with self.log_lock:
            if sub is None:
                self.counters[key] = self.counters.get(key, 0) + 1
            else:
                d = self.counters.setdefault(key, {})
                d[str(sub)] = d.get(str(sub), 0) + 1

    def log_request(self, entry):
        with self.log_lock:
            entry["seq"] = len(self.request_log) + 1
            self.request_log.append(entry)
            if len(self.request_log) > 20000:
                del self.request_log[:10000]

    # ------------------------------------------------------------------ /_state
    def snapshot(self, with_log=True):
        with self.store.lock:
            out = self.store.snapshot()
        with self.log_lock:
            out["counters"] = {k: (dict(v) if isinstance(v, dict) else v) for k, v in self.counters.items()}
            out["counters"]["webhooks_in_flight"] = self.in_flight
            out["knobs"] = self.knob_snapshot()
            out["webhooks"] = list(self.webhook_log)
            out["api_versions"] = self.versions
            if with_log:
                out["log"] = list(self.request_log)
        return out


# ---------------------------------------------------------------------- control actions

def _wait(deliveries, wait):
    if wait:
        deadline = time.monotonic() + 120
        for d in deliveries:
            d.done.wait(max(0.0, deadline - time.monotonic()))
    return [d.summary() for d in deliveries] if wait else [{"webhook_id": d.webhook_id, "topic": d.topic}
                                                           for d in deliveries]


def _loc(st, spec):
    v = spec.get("location_id", 1)
    n = parse_gid(v, "Location") if isinstance(v, str) else v
    if not isinstance(n, int) or n not in st.store.locations:
        raise ControlError(f"no location {v!r}")
    return n


def order(st, sender, spec):
    lines = spec.get("lines")
    if not isinstance(lines, list) or not all(isinstance(l, dict) and isinstance(l.get("sku"), str) for l in lines):
        raise ControlError('body is {"lines":[{"sku":"A","quantity":1,"price":"9.99"?}], ...}')
    with st.store.lock:
        try:
            o = st.store.create_order(lines, _loc(st, spec), spec.get("email") or "buyer@example.com",
                                      (spec.get("financial_status") or "PAID").upper(), bool(spec.get("test")))
        except ValueError as e:
            raise ControlError(str(e))
        ds = _flush(st, sender)
    return {"order": {"id": gid("Order", o["id"]), "legacy_id": o["id"], "name": o["name"],
                      "fulfillment_order_ids": [gid("FulfillmentOrder", f) for f in o["fo_ids"]]},
            "deliveries": _wait(ds, spec.get("wait"))}


def cancel(st, sender, spec):
    oid = spec.get("order_id")
    n = parse_gid(oid, "Order") if isinstance(oid, str) else oid
    with st.store.lock:
        try:
            o = st.store.cancel_order(n, bool(spec.get("restock", True)), spec.get("reason") or "customer")
        except ValueError as e:
            raise ControlError(str(e))
        ds = _flush(st, sender)
    return {"order": {"id": gid("Order", o["id"]), "cancelledAt": o["cancelledAt"]},
            "deliveries": _wait(ds, spec.get("wait"))}


def set_inventory(st, sender, spec):
    sku, qty = spec.get("sku"), spec.get("quantity")
    name = spec.get("name", "available")
    if not isinstance(qty, int) or isinstance(qty, bool) or name not in ("available", "on_hand"):
        raise ControlError('body is {"sku":"A","quantity":5,"location_id"?:1,"name"?:"available"|"on_hand"}')
    with st.store.lock:
        s = st.store
        v = s.variant_by_sku(sku)
        if v is None:
            raise ControlError(f"no variant with sku {sku!r}")
        lid = _loc(st, spec)
        lvl = s.stock_at(v["inventory_item_id"], lid)
        s.change(v["inventory_item_id"], lid, name, qty - s.quantity(lvl, name))
        ds = _flush(st, sender)
        after = {"available": lvl["available"], "on_hand": s.quantity(lvl, "on_hand")}
    return {"sku": sku, "location_id": gid("Location", lid), "level": after, "deliveries": _wait(ds, spec.get("wait"))}


def location(st, spec):
    name = spec.get("name")
    if not isinstance(name, str) or not name:
        raise ControlError('body is {"name":"Warehouse"}')
    n = st.store.add_location(name)
    return {"id": gid("Location", n)}


def webhook(st, sender, spec):
    topic = spec.get("topic")
    if not isinstance(topic, str) or "/" not in topic:
        raise ControlError('body is {"topic":"orders/create", "body"|"raw"|"example":true, ...}')
    if spec.get("raw") is not None:
        raw = spec["raw"].encode()
    elif spec.get("body") is not None:
        raw = json.dumps(spec["body"], separators=(",", ":"), ensure_ascii=False).encode()
    elif spec.get("example"):
        body = payloads.example(topic)
        if body is None:
            raise ControlError(f"no example body for {topic}")
        raw = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    else:
        raise ControlError("give body, raw or example: true")
    d = sender.send_raw(topic, raw, spec.get("url"), spec.get("signature"))
    return {"deliveries": _wait([d], spec.get("wait"))}


def _flush(st, sender):
    """Turn the store's pending events into deliveries (store lock held)."""
    events, st.store.events = st.store.events, []
    return sender.emit(events)
