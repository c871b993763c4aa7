"""sim_webhooks.py - the example channel simulator sends signed order webhooks.

POST <webhook_url> with
  X-Example-Event-Id:  the event's id (a uuid unless the test gives one)
  X-Example-Topic:     order.created | order.cancelled
  X-Example-Signature: base64(HMAC-SHA256(webhook_secret, raw body))
and the order as the body.  A delivery is retried until it gets a 2xx, up to
webhook_max_attempts (backoff 100 ms doubling, at most 2 s); `duplicates`
delivers the same event id that many more times afterwards.  Every attempt is
recorded in State.webhooks.
"""
import base64
import hashlib
import hmac
import http.client
import json
import threading
import time
import uuid
from urllib.parse import urlsplit


def sign(secret, body):
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def post(url, body, headers, timeout=10.0):
    """One POST; returns (status, body text) or (0, error text)."""
    u = urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=timeout)
    try:
        conn.request("POST", u.path + (("?" + u.query) if u.query else ""), body=body, headers=headers)
        r = conn.getresponse()
        return r.status, r.read().decode("utf-8", "replace")
    except (OSError, http.client.HTTPException) as e:
        return 0, f"{type(e).__name__}: {e}"
    finally:
        conn.close()


class Delivery:
    """One /_control/order request: an event delivered 1 + duplicates times."""

    def __init__(self, state, spec):
        if not isinstance(spec, dict) or not isinstance(spec.get("order"), dict):
            raise ValueError("body must be {\"order\": {...}, ...}")
        allowed = {"order", "duplicates", "delay_ms", "signature", "event_id", "topic", "wait",
                   "max_attempts", "raw_body"}
        extra = set(spec) - allowed
        if extra:
            raise ValueError(f"unknown field '{sorted(extra)[0]}'")
        self.state = state
        order = spec["order"]
        self.order_id = str(order.get("id"))
        self.topic = spec.get("topic") or (
            "order.cancelled" if order.get("status") == "cancelled" else "order.created")
        self.event_id = spec.get("event_id") or str(uuid.uuid4())
        self.duplicates = int(spec.get("duplicates", 0))
        self.delay_ms = int(spec.get("delay_ms", 0))
        self.signature = spec.get("signature")  # None | "bad" | "missing"
        self.max_attempts = spec.get("max_attempts")
        raw = spec.get("raw_body")
        self.body = raw.encode() if isinstance(raw, str) else json.dumps(order).encode()
        self.done = threading.Event()
        self.records = []

    def headers(self):
        with self.state.lock:
            secret, url = self.state.webhook_secret, self.state.webhook_url
        h = {"Content-Type": "application/json", "X-Example-Event-Id": self.event_id,
             "X-Example-Topic": self.topic}
        if self.signature == "bad":
            h["X-Example-Signature"] = sign(secret + "-wrong", self.body)
        elif self.signature != "missing":
            h["X-Example-Signature"] = sign(secret, self.body)
        return url, h

    def deliver_once(self, copy):
        with self.state.lock:
            cap = self.max_attempts or self.state.knobs["webhook_max_attempts"]
        backoff = 0.1
        for attempt in range(1, max(1, cap) + 1):
            url, headers = self.headers()
            t0 = time.time()
            status, text = post(url, self.body, headers)
            rec = {"event_id": self.event_id, "order_id": self.order_id, "topic": self.topic,
                   "copy": copy, "attempt": attempt, "status": status, "response": text[:500],
                   "time": t0}
            with self.state.lock:
                self.state.webhooks.append(rec)
                self.state.counters["webhook_attempts"] += 1
                if 200 <= status < 300:
                    self.state.counters["webhooks_acked"] += 1
            self.records.append(rec)
            if 200 <= status < 300:
                return
            time.sleep(backoff)
            backoff = min(2.0, backoff * 2)
        with self.state.lock:
            self.state.counters["webhooks_given_up"] += 1

    def run(self):
        try:
            if self.delay_ms:
                time.sleep(self.delay_ms / 1000.0)
            for copy in range(1 + self.duplicates):
                self.deliver_once(copy)
        finally:
            self.done.set()

    def start(self):
        threading.Thread(target=self.run, daemon=True, name=f"webhook-{self.event_id}").start()
        return self

    def summary(self):
        return {"event_id": self.event_id, "order_id": self.order_id, "topic": self.topic,
                "deliveries": list(self.records)}
