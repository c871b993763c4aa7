"""throttle.py - the GraphQL cost bucket (shopify.md §2), one per access token.

Restore rate by plan (shopify.md §2): Standard 100 pts/s, Advanced 200, Plus 1000,
Enterprise 2000.  shopify.md says to read the bucket size from `maximumAvailable`; its
§6 example answers maximumAvailable 2000.0 with restoreRate 100.0, i.e. 20 seconds
of restore, so every plan's bucket here is 20 x its restore rate (2000, 4000, 20000,
40000).  Both numbers can be changed by the control plane (capacity, restore).

The bucket must hold requestedQueryCost before a query runs; it is charged that much
and refunded requested - actual afterwards (shopify.md §2).  Values are floats, as
Shopify reports them (2000.0).
"""
import threading
import time

PLANS = {"standard": 100.0, "advanced": 200.0, "plus": 1000.0, "enterprise": 2000.0}
BUCKET_SECONDS = 20.0


class Bucket:
    def __init__(self, plan="standard", clock=time.monotonic):
        self.clock = clock
        self.lock = threading.Lock()
        self.configure(plan)

    def configure(self, plan=None, capacity=None, restore=None):
        with self.lock:
            if plan is not None:
                self.plan = plan
                self.restore = PLANS[plan]
                self.capacity = self.restore * BUCKET_SECONDS
            if restore is not None:
                self.restore = float(restore)
            if capacity is not None:
                self.capacity = float(capacity)
            self.available = self.capacity
            self.t = self.clock()
            self.forced_until = 0.0

    def _leak(self):
        now = self.clock()
        self.available = min(self.capacity, self.available + (now - self.t) * self.restore)
        self.t = now
        return now

    def force(self, seconds):
        """Throttle everything for `seconds` (a 429 storm); the bucket is emptied."""
        with self.lock:
            now = self._leak()
            self.forced_until = now + seconds if seconds > 0 else 0.0
            if seconds > 0:
                self.available = 0.0

    def try_take(self, cost):
        """Charge `cost` if the bucket holds it; returns (ok, status dict)."""
        with self.lock:
            now = self._leak()
            if now < self.forced_until:
                self.available = 0.0
                return False, self._status()
            if cost > self.available:
                return False, self._status()
            self.available -= cost
            return True, self._status()

    def refund(self, points):
        with self.lock:
            self._leak()
            self.available = min(self.capacity, self.available + max(0, points))
            return self._status()

    def status(self):
        with self.lock:
            self._leak()
            return self._status()

    def _status(self):
        return {"maximumAvailable": float(self.capacity), "currentlyAvailable": float(round(self.available, 1)),
                "restoreRate": float(self.restore)}

    def seconds_until(self, cost):
        """How long until `cost` points are there (for Retry-After on a 429)."""
        with self.lock:
            now = self._leak()
            wait = max(0.0, self.forced_until - now)
            missing = max(0.0, cost - self.available - wait * self.restore)
            return wait + (missing / self.restore if self.restore > 0 else 60.0)
