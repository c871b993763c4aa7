"""sim_state.py - the example channel simulator's state: catalog, knobs, faults, log.

Everything here is guarded by one lock (State.lock); the HTTP handler in
channel_sim.py calls into it.  Randomness for the fault knobs comes from one
random.Random seeded by the `seed` knob, and every request draws its numbers
in the same order, so a run with the same seed and the same request sequence
injects the same faults.
"""
import math
import random
import threading
import time

DEFAULT_KNOBS = {
    "latency_ms": 0,          # delay every answer (effects are applied on arrival)
    "error_rate": 0.0,        # answer 500/502/503, no effect
    "rate_per_sec": 0.0,      # token bucket refill; 0 = no rate limit
    "burst": 0,               # bucket capacity (0: max(1, rate_per_sec))
    "timeout_rate": 0.0,      # apply, then hold the answer for timeout_ms (the client gives up)
    "timeout_ms": 15000,      # how long a "timeout" answer is held
    "malformed_rate": 0.0,    # apply, then answer 200 with a non-JSON body
    "reset_rate": 0.0,        # close the connection without answering, no effect
    "refuse_skus": [],        # SKUs answered with a per-item "invalid" error
    "max_items": 100,         # most items in one POST; more -> 400
    "webhook_max_attempts": 10,  # deliveries of one webhook until a 2xx
}

SCRIPTABLE = ("ok", "storm", "reset", "error", "timeout", "malformed")

UNLIMITED = 1000  # X-RateLimit-Limit/Remaining when the rate limit is off


class ControlError(Exception):
    pass


class State:
    def __init__(self, token, webhook_secret, webhook_url, max_items=100, seed=0):
        self.lock = threading.Lock()
        self.token = token
        self.webhook_secret = webhook_secret
        self.webhook_url = webhook_url
        self.initial_max_items = max_items
        self.reset(seed)

    # ------------------------------------------------------------ control plane
    def reset(self, seed=0):
        with getattr(self, "lock", threading.Lock()):
            self.inventory = {}
            self.listings = {}        # sku -> {"id": "L-n", "listing": {...}, "updates": n}
            self.next_listing = 1
            self.log = []
            self.webhooks = []        # one record per delivery attempt
            self.counters = {"requests": 0, "by_status": {}, "faults": {}, "items_ok": 0,
                             "items_error": 0, "webhook_attempts": 0, "webhooks_acked": 0,
                             "webhooks_given_up": 0}
            self.knobs = dict(DEFAULT_KNOBS, refuse_skus=[])
            self.knobs["max_items"] = self.initial_max_items
            self.seed = seed
            self.rng = random.Random(seed)
            self.storm_requests = 0
            self.storm_until = 0.0
            self.storm_retry_after = 2
            self.script = []          # faults for the next requests, in order, before any draw
            self.tokens = 0.0
            self.bucket_ms = time.monotonic()
            self.conn_seq = 0

    def control(self, knobs):
        """Apply a /_control body; raises ControlError on anything unknown or bad."""
        if not isinstance(knobs, dict):
            raise ControlError("body must be a JSON object of knobs")
        known = set(DEFAULT_KNOBS) | {"seed", "throttle_storm", "set_quantity", "webhook_url", "script"}
        unknown = sorted(set(knobs) - known)
        if unknown:
            raise ControlError(f"unknown knob '{unknown[0]}'")
        with self.lock:
            for k, v in knobs.items():
                if k in ("latency_ms", "timeout_ms", "max_items", "burst", "webhook_max_attempts"):
                    if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                        raise ControlError(f"{k} must be an integer >= 0")
                    self.knobs[k] = v
                    if k == "burst":
                        self.tokens = self._capacity()
                elif k in ("error_rate", "timeout_rate", "malformed_rate", "reset_rate"):
                    if not isinstance(v, (int, float)) or isinstance(v, bool) or not 0 <= v <= 1:
                        raise ControlError(f"{k} must be a number in [0, 1]")
                    self.knobs[k] = float(v)
                elif k == "rate_per_sec":
                    if not isinstance(v, (int, float)) or isinstance(v, bool) or v < 0:
                        raise ControlError("rate_per_sec must be a number >= 0")
                    self.knobs[k] = float(v)
                    self.tokens = self._capacity()
                    self.bucket_ms = time.monotonic()
                elif k == "refuse_skus":
                    if not isinstance(v, list) or not all(isinstance(s, str) for s in v):
                        raise ControlError("refuse_skus must be a list of strings")
                    self.knobs[k] = list(v)
                elif k == "seed":
                    if not isinstance(v, int):
                        raise ControlError("seed must be an integer")
                    self.seed = v
                    self.rng = random.Random(v)
                elif k == "script":
                    if not isinstance(v, list) or not set(v) <= set(SCRIPTABLE):
                        raise ControlError(f"script must be a list of {'|'.join(SCRIPTABLE)}")
                    self.script = list(v)
                elif k == "throttle_storm":
                    self._storm(v)
                elif k == "set_quantity":
                    if not isinstance(v, dict) or not all(
                            isinstance(q, int) and not isinstance(q, bool) for q in v.values()):
                        raise ControlError("set_quantity must be an object sku -> integer")
                    self.inventory.update(v)
                elif k == "webhook_url":
                    if not isinstance(v, str) or not v.startswith("http://"):
                        raise ControlError("webhook_url must be an http:// URL")
                    self.webhook_url = v
            return self.snapshot_knobs()

    def _storm(self, v):
        if v in (None, False, 0, {}):
            self.storm_requests, self.storm_until = 0, 0.0
            return
        if not isinstance(v, dict) or not (set(v) <= {"requests", "seconds", "retry_after"}):
            raise ControlError("throttle_storm is {requests: N} or {seconds: T}, optional retry_after: S")
        ra = v.get("retry_after", 2)
        if not isinstance(ra, int) or ra < 0:
            raise ControlError("throttle_storm.retry_after must be an integer >= 0 (seconds)")
        self.storm_retry_after = ra
        self.storm_requests = int(v.get("requests", 0))
        secs = v.get("seconds", 0)
        self.storm_until = time.monotonic() + float(secs) if secs else 0.0

    def snapshot_knobs(self):
        k = dict(self.knobs)
        k["seed"] = self.seed
        k["script"] = list(self.script)
        k["throttle_storm"] = {"requests": self.storm_requests,
                               "seconds_left": max(0.0, self.storm_until - time.monotonic()),
                               "retry_after": self.storm_retry_after}
        return k

    def snapshot(self, with_log=True, since=0):
        with self.lock:
            out = {"inventory": dict(self.inventory),
                   "listings": {s: dict(l) for s, l in self.listings.items()},
                   "counters": {**self.counters, "by_status": dict(self.counters["by_status"]),
                                "faults": dict(self.counters["faults"])},
                   "knobs": self.snapshot_knobs(),
                   "webhooks": list(self.webhooks)}
            if with_log:
                out["log"] = [e for e in self.log if e["seq"] > since]
            return out

    # ------------------------------------------------------------ rate limit
    def _capacity(self):
        b = self.knobs["burst"]
        return float(b) if b > 0 else max(1.0, self.knobs["rate_per_sec"])

    def _refill(self, now):
        rate = self.knobs["rate_per_sec"]
        if rate > 0:
            self.tokens = min(self._capacity(), self.tokens + (now - self.bucket_ms) * rate)
        self.bucket_ms = now

    def rate_headers(self):
        """X-RateLimit-* as they stand now (lock held by the caller)."""
        rate = self.knobs["rate_per_sec"]
        if rate <= 0:
            return {"X-RateLimit-Limit": str(UNLIMITED), "X-RateLimit-Remaining": str(UNLIMITED),
                    "X-RateLimit-Reset-Ms": "0"}
        self._refill(time.monotonic())
        cap = self._capacity()
        reset_ms = math.ceil((cap - self.tokens) / rate * 1000) if self.tokens < cap else 0
        return {"X-RateLimit-Limit": str(int(cap)), "X-RateLimit-Remaining": str(int(self.tokens)),
                "X-RateLimit-Reset-Ms": str(reset_ms)}

    # ------------------------------------------------------------ per request
    def decide(self):
        """What happens to one API request, drawn in a fixed order (lock held).
        Returns (fault, retry_after_s): fault is None, "storm", "rate", "reset",
        "error", "timeout" or "malformed"."""
        now = time.monotonic()
        r = [self.rng.random() for _ in range(4)]  # always four draws: reproducible
        if self.script:
            f = self.script.pop(0)
            return (None, None) if f == "ok" else (f, self.storm_retry_after if f == "storm" else None)
        if self.storm_requests > 0 or self.storm_until > now:
            if self.storm_requests > 0:
                self.storm_requests -= 1
            return "storm", self.storm_retry_after
        if self.knobs["rate_per_sec"] > 0:
            self._refill(now)
            if self.tokens < 1.0:
                return "rate", max(1, math.ceil((1.0 - self.tokens) / self.knobs["rate_per_sec"]))
            self.tokens -= 1.0
        if r[0] < self.knobs["reset_rate"]:
            return "reset", None
        if r[1] < self.knobs["error_rate"]:
            return "error", None
        if r[2] < self.knobs["timeout_rate"]:
            return "timeout", None
        if r[3] < self.knobs["malformed_rate"]:
            return "malformed", None
        return None, None

    def error_status(self):
        return self.rng.choice((500, 502, 503))

    def record(self, entry):
        """Append to the request log and count (lock held)."""
        self.counters["requests"] += 1
        st = str(entry["status"])
        self.counters["by_status"][st] = self.counters["by_status"].get(st, 0) + 1
        if entry.get("fault"):
            f = entry["fault"]
            self.counters["faults"][f] = self.counters["faults"].get(f, 0) + 1
        entry["seq"] = len(self.log) + 1
        self.log.append(entry)

    # ------------------------------------------------------------ the API's effects
    def set_inventory(self, items):
        """POST /v1/inventory items (already a list).  Per-item results (lock held)."""
        results = []
        for it in items:
            sku = it.get("sku") if isinstance(it, dict) else None
            err = _item_error(it, {"sku", "quantity"})
            if not err:
                q = it.get("quantity")
                if not isinstance(q, int) or isinstance(q, bool):
                    err = "quantity must be an integer"
                elif q < 0:
                    err = f"quantity {q} is negative"
                elif sku in self.knobs["refuse_skus"]:
                    err = f"sku {sku} is blocked on this channel"
            if err:
                results.append({"sku": sku if isinstance(sku, str) else None, "status": "error",
                                "code": "invalid", "message": err})
                self.counters["items_error"] += 1
                continue
            self.inventory[sku] = it["quantity"]
            results.append({"sku": sku, "status": "ok"})
            self.counters["items_ok"] += 1
        return results

    def put_listings(self, items):
        results = []
        for it in items:
            sku = it.get("sku") if isinstance(it, dict) else None
            err = _item_error(it, {"sku", "listing"})
            if not err and not isinstance(it.get("listing"), dict):
                err = "listing must be an object"
            if not err and sku in self.knobs["refuse_skus"]:
                err = f"sku {sku} is blocked on this channel"
            if err:
                results.append({"sku": sku if isinstance(sku, str) else None, "status": "error",
                                "code": "invalid", "message": err})
                self.counters["items_error"] += 1
                continue
            cur = self.listings.get(sku)
            created = cur is None
            if created:
                cur = {"id": f"L-{self.next_listing}", "updates": 0}
                self.next_listing += 1
                self.listings[sku] = cur
            else:
                cur["updates"] += 1
            cur["listing"] = it["listing"]
            results.append({"sku": sku, "status": "ok", "id": cur["id"], "created": created})
            self.counters["items_ok"] += 1
        return results

    def get_inventory(self, skus):
        with self.lock:
            if skus is None:
                return [{"sku": s, "quantity": q} for s, q in sorted(self.inventory.items())]
            return [{"sku": s, "quantity": self.inventory[s]} for s in skus if s in self.inventory]


def _item_error(it, allowed):
    if not isinstance(it, dict):
        return "item must be an object"
    extra = sorted(set(it) - allowed)
    if extra:
        return f"unknown field '{extra[0]}'"
    sku = it.get("sku")
    if not isinstance(sku, str) or not sku:
        return "sku must be a non-empty string"
    return None
