"""webhooks.py - deliver webhooks the way Shopify does (shopify.md §5).

POST <address> with the body's exact bytes and
  X-Shopify-Topic            orders/create ...
  X-Shopify-Hmac-Sha256      base64(HMAC-SHA256(app secret, raw body))
  X-Shopify-Shop-Domain      demo-shop.myshopify.com
  X-Shopify-API-Version      the webhook API version (--webhook-version, default newest served)
  X-Shopify-Webhook-Id       one uuid per delivery, identical on every retry and duplicate
  X-Shopify-Event-Id         one uuid per event, shared by all subscriptions it goes to
  X-Shopify-Triggered-At     when the event happened; unchanged on retries
  Content-Type: application/json, User-Agent: Shopify-Captain-Hook
A delivery is retried on a non-2xx answer, a refused connection, > 1 s to connect or
> 5 s to answer; Shopify retries 8 times over 4 hours with exponential backoff, here
compressed: attempt n waits webhook_backoff_ms * 2**(n-1), at most webhook_backoff_max_ms.
After the last failed attempt an API-created subscription is deleted (shopify.md §5).
Knobs: drop_webhooks (probability an event is never sent), duplicate_webhooks (extra
deliveries of the same webhook id after the first), webhook_delay_ms and
webhook_jitter_ms (random extra delay: deliveries can arrive out of order).
Every attempt is recorded (State.webhook_log) for /_state.
"""
import base64
import hashlib
import hmac
import http.client
import json
import threading
import time
import uuid
from datetime import datetime, timezone
from urllib.parse import urlsplit

from . import payloads


def sign(secret, body):
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def topic_enum(topic):
    return topic.replace("/", "_").upper()


def post(url, body, headers, connect_timeout, timeout):
    u = urlsplit(url)
    conn_cls = http.client.HTTPSConnection if u.scheme == "https" else http.client.HTTPConnection
    conn = conn_cls(u.hostname, u.port or (443 if u.scheme == "https" else 80), timeout=connect_timeout)
    try:
        conn.connect()
        conn.sock.settimeout(timeout)
        conn.request("POST", (u.path or "/") + (("?" + u.query) if u.query else ""), body=body, headers=headers)
        r = conn.getresponse()
        return r.status, r.read(2000).decode("utf-8", "replace")
    except (OSError, http.client.HTTPException) as e:
        return 0, f"{type(e).__name__}: {e}"
    finally:
        conn.close()


class Sender:
    def __init__(self, state):
        self.state = state  # server.State: knobs, store, secret, shop, hub_url, webhook_version, log lock

    def recipients(self, topic):
        st = self.state
        out = []
        if st.hub_url and (topic in st.knobs["topics"] or "all" in st.knobs["topics"]):
            out.append((st.hub_url, None))
        for sub in st.store.subscriptions.values():
            if sub["topic"] == topic_enum(topic) and sub["callbackUrl"] not in [u for u, _ in out]:
                out.append((sub["callbackUrl"], sub["id"]))
        return out

    def emit(self, events):
        """events: [(topic, ref)] from one operation; called with the store lock held."""
        st = self.state
        seen, todo = set(), []
        for topic, ref in events:
            k = (topic, json.dumps(ref))
            if k in seen:
                continue  # one webhook per object and topic per operation
            seen.add(k)
            targets = self.recipients(topic)
            if not targets:
                continue
            body = payloads.build(st.store, topic, ref)
            if body is None:
                continue
            raw = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
            triggered = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
            event_id = str(uuid.uuid4())
            for url, sub_id in targets:
                todo.append(Delivery(self, topic, raw, url, sub_id, event_id, triggered))
        for d in todo:
            d.start()
        return todo

    def send_raw(self, topic, raw, url=None, signature=None):
        """A hand-made delivery (control plane): Shopify's own example body etc."""
        st = self.state
        d = Delivery(self, topic, raw, url or st.hub_url, None, str(uuid.uuid4()),
                     datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"), signature=signature)
        return d.start()


class Delivery:
    def __init__(self, sender, topic, raw, url, sub_id, event_id, triggered, signature=None):
        self.sender, self.topic, self.raw, self.url, self.sub_id = sender, topic, raw, url, sub_id
        self.event_id, self.triggered, self.signature = event_id, triggered, signature
        self.webhook_id = str(uuid.uuid4())
        self.done = threading.Event()
        self.records = []

    def headers(self):
        st = self.sender.state
        h = {"Content-Type": "application/json", "User-Agent": "Shopify-Captain-Hook",
             "X-Shopify-Topic": self.topic, "X-Shopify-Shop-Domain": st.shop,
             "X-Shopify-API-Version": st.webhook_version, "X-Shopify-Webhook-Id": self.webhook_id,
             "X-Shopify-Event-Id": self.event_id, "X-Shopify-Triggered-At": self.triggered}
        if self.signature == "bad":
            h["X-Shopify-Hmac-Sha256"] = sign(st.webhook_secret + "-wrong", self.raw)
        elif self.signature != "missing":
            h["X-Shopify-Hmac-Sha256"] = sign(st.webhook_secret, self.raw)
        return h

    def start(self):
        st = self.sender.state
        with st.log_lock:
            st.in_flight += 1
        threading.Thread(target=self.run, daemon=True, name=f"webhook-{self.webhook_id[:8]}").start()
        return self

    def record(self, copy, attempt, status, text, t0, result):
        st = self.sender.state
        rec = {"webhook_id": self.webhook_id, "event_id": self.event_id, "topic": self.topic, "url": self.url,
               "copy": copy, "attempt": attempt, "status": status, "response": text[:300], "time": t0,
               "elapsed_ms": round((time.time() - t0) * 1000, 1), "result": result, "bytes": len(self.raw)}
        with st.log_lock:
            st.webhook_log.append(rec)
            st.counters["webhook_" + result] = st.counters.get("webhook_" + result, 0) + 1
        self.records.append(rec)

    def run(self):
        st = self.sender.state
        try:
            with st.log_lock:
                k = dict(st.knobs)
                drop = st.rng.random() < k["drop_webhooks"]
                jitter = st.rng.random() * k["webhook_jitter_ms"] if k["webhook_jitter_ms"] else 0
            if drop:
                self.record(0, 0, None, "dropped by the drop_webhooks knob", time.time(), "dropped")
                return
            delay = (k["webhook_delay_ms"] + jitter) / 1000.0
            if delay:
                time.sleep(delay)
            ok = self.deliver(0, k)
            if ok:
                for copy in range(1, 1 + k["duplicate_webhooks"]):
                    self.deliver(copy, k)
            elif self.sub_id is not None:
                with st.store.lock:
                    gone = st.store.subscriptions.pop(self.sub_id, None)
                if gone:
                    self.record(0, 0, None, "subscription deleted after consecutive failures", time.time(),
                                "subscription_deleted")
        finally:
            with st.log_lock:
                st.in_flight -= 1
            self.done.set()

    def deliver(self, copy, k):
        attempts = max(1, k["webhook_max_attempts"])
        for attempt in range(1, attempts + 1):
            t0 = time.time()
            status, text = post(self.url, self.raw, self.headers(), k["webhook_connect_timeout_s"],
                                k["webhook_timeout_s"])
            ok = 200 <= status < 300
            self.record(copy, attempt, status, text, t0, "acked" if ok else "failed")
            if ok:
                return True
            if attempt < attempts:
                time.sleep(min(k["webhook_backoff_max_ms"], k["webhook_backoff_ms"] * 2 ** (attempt - 1)) / 1000.0)
        self.record(copy, attempts, None, "gave up", time.time(), "given_up")
        return False

    def summary(self):
        return {"webhook_id": self.webhook_id, "event_id": self.event_id, "topic": self.topic, "url": self.url,
                "attempts": list(self.records)}
