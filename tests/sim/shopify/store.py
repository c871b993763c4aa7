"""store.py - the simulated shop's data: locations, products, variants, inventory items,
inventory levels, orders, fulfillment orders, fulfillments, webhook subscriptions.

One re-entrant lock (Store.lock) guards everything; the GraphQL resolvers and the
control plane take it for the whole of one operation, so every mutation is atomic.
Domain operations append (topic, object id) events to `self.events`; the server
turns them into webhook deliveries after the operation (webhooks.py).

Ids: numeric parts come from per-type bases (13-14 digits like real shops, or above
2**53 with --huge-ids, as Shopify's own example payloads are) and never collide
across types, so a plugin that sends a variant id where an inventory item id is due
gets INVALID_INVENTORY_ITEM instead of silently working.  Locations are 1, 2, ...
(gid://shopify/Location/1 is the default location).

Inventory quantities follow Shopify's states (shopify.dev "inventory states"):
on_hand = available + committed + reserved + damaged + safety_stock + quality_control;
an order moves stock available -> committed, a fulfillment takes it out of committed
(and on_hand), a cancel with restock moves committed -> available.
"""
import threading
import time
from datetime import datetime, timezone

ID_BASES = {"Product": 8_100_000_000_000, "ProductVariant": 45_100_000_000_000,
            "InventoryItem": 47_200_000_000_000, "Order": 6_100_000_000_000, "LineItem": 15_200_000_000_000,
            "FulfillmentOrder": 7_300_000_000_000, "FulfillmentOrderLineItem": 16_300_000_000_000,
            "Fulfillment": 5_400_000_000_000, "WebhookSubscription": 1_500_000_000_000,
            "MediaImage": 3_600_000_000_000, "ProductOption": 10_700_000_000_000,
            "ProductOptionValue": 11_700_000_000_000, "InventoryAdjustmentGroup": 9_800_000_000_000,
            "InventoryLevel": 12_900_000_000_000, "Refund": 2_900_000_000_000, "ProductSetOperation": 1_200_000_000}
HUGE = 800_000_000_000_000_000  # > 2**53: ids a double cannot hold

QTY_NAMES = ("available", "committed", "reserved", "damaged", "safety_stock", "quality_control", "incoming")
ON_HAND_PARTS = ("available", "committed", "reserved", "damaged", "safety_stock", "quality_control")


def now_iso(t=None):
    """Shopify's GraphQL DateTime: ISO 8601 UTC, seconds precision, 'Z'."""
    return datetime.fromtimestamp(time.time() if t is None else t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def gid(kind, n):
    return f"gid://shopify/{kind}/{n}"


def parse_gid(value, kind):
    """Numeric id of a gid of `kind`, or None (also for a bare number given as a string: Shopify
    wants global ids everywhere, shopify.md §1)."""
    if not isinstance(value, str):
        return None
    prefix = f"gid://shopify/{kind}/"
    if not value.startswith(prefix):
        return None
    tail = value[len(prefix):].split("?", 1)[0]
    return int(tail) if tail.isdigit() else None


class Store:
    def __init__(self, shop, currency="USD", locations=("Shop location",), huge_ids=False):
        self.lock = threading.RLock()
        self.shop, self.currency = shop, currency
        self.location_names = list(locations) or ["Shop location"]
        self.huge_ids = huge_ids
        self.reset()

    def reset(self):
        with self.lock:
            self.seq = {}
            self.locations = {}
            for name in self.location_names:
                self.add_location(name)
            self.products, self.variants, self.items = {}, {}, {}
            self.levels = {}            # (item_id, location_id) -> {qty names..., id, createdAt, updatedAt}
            self.orders, self.fulfillment_orders, self.fulfillments = {}, {}, {}
            self.subscriptions = {}     # API-created webhook subscriptions
            self.idempotency = {}       # key -> (fingerprint, payload json)
            self.adjustment_groups = []
            self.events = []            # (topic, id) waiting to become webhooks
            self.order_number = 1000

    def next_id(self, kind):
        n = self.seq.get(kind, 0) + 1
        self.seq[kind] = n
        base = ID_BASES.get(kind, 0)
        return (HUGE + base + n) if self.huge_ids and base else base + n

    # ------------------------------------------------------------------ locations
    def add_location(self, name, active=True):
        with self.lock:
            n = len(self.locations) + 1
            self.locations[n] = {"id": n, "name": name, "isActive": active}
            return n

    # ------------------------------------------------------------------ products / variants
    def variant_by_sku(self, sku):
        for v in self.variants.values():
            if v["sku"] == sku and sku:
                return v
        return None

    def new_variant(self, product, fields, position):
        ts = now_iso()
        vid, iid = self.next_id("ProductVariant"), self.next_id("InventoryItem")
        v = {"id": vid, "product_id": product["id"], "sku": fields.get("sku") or "",
             "barcode": fields.get("barcode"), "price": fields.get("price") or "0.00",
             "compareAtPrice": fields.get("compareAtPrice"), "options": dict(fields.get("options") or {}),
             "inventory_item_id": iid, "position": position, "taxable": fields.get("taxable", True),
             "inventoryPolicy": fields.get("inventoryPolicy") or "DENY", "createdAt": ts, "updatedAt": ts}
        self.variants[vid] = v
        self.items[iid] = {"id": iid, "variant_id": vid, "tracked": fields.get("tracked", True),
                           "requiresShipping": True, "createdAt": ts, "updatedAt": ts}
        self.stock_at(iid, 1)  # new variants are stocked at the default location
        product["variant_ids"].append(vid)
        return v

    def delete_variant(self, vid):
        v = self.variants.pop(vid)
        self.items.pop(v["inventory_item_id"], None)
        for key in [k for k in self.levels if k[0] == v["inventory_item_id"]]:
            del self.levels[key]
        p = self.products.get(v["product_id"])
        if p and vid in p["variant_ids"]:
            p["variant_ids"].remove(vid)

    def new_product(self, fields):
        ts = now_iso()
        pid = self.next_id("Product")
        title = fields.get("title") or ""
        p = {"id": pid, "title": title, "handle": fields.get("handle") or slug(title) or f"product-{pid}",
             "status": fields.get("status") or "ACTIVE", "vendor": fields.get("vendor") or self.shop.split(".")[0],
             "productType": fields.get("productType") or "", "descriptionHtml": fields.get("descriptionHtml") or "",
             "tags": list(fields.get("tags") or []), "options": [], "variant_ids": [], "media": [],
             "createdAt": ts, "updatedAt": ts}
        self.products[pid] = p
        return p

    def set_options(self, product, options):
        """options: [(name, [values])] -> the product's option list (ids kept for known names)."""
        known = {o["name"]: o for o in product["options"]}
        out = []
        for pos, (name, values) in enumerate(options, 1):
            o = known.get(name) or {"id": self.next_id("ProductOption"), "name": name, "values": []}
            old = {v["name"]: v for v in o["values"]}
            o = dict(o, position=pos, values=[old.get(v) or {"id": self.next_id("ProductOptionValue"), "name": v}
                                              for v in values])
            out.append(o)
        product["options"] = out

    def add_option_values(self, product, pairs):
        """Make sure each (option name, value) exists on the product (bulk create adds them)."""
        for name, value in pairs:
            o = next((o for o in product["options"] if o["name"] == name), None)
            if o is None:
                o = {"id": self.next_id("ProductOption"), "name": name, "values": [],
                     "position": len(product["options"]) + 1}
                product["options"].append(o)
            if value not in [v["name"] for v in o["values"]]:
                o["values"].append({"id": self.next_id("ProductOptionValue"), "name": value})

    def set_media(self, product, files):
        """files: [{originalSource, alt}] replaces the product's media (kept by source URL)."""
        old = {m["url"]: m for m in product["media"]}
        out = []
        for f in files:
            m = old.get(f["originalSource"]) or {"id": self.next_id("MediaImage"), "url": f["originalSource"],
                                                 "status": "READY", "createdAt": now_iso()}
            out.append(dict(m, alt=f.get("alt") or m.get("alt") or ""))
        product["media"] = out

    def touch_product(self, product):
        product["updatedAt"] = now_iso()

    # ------------------------------------------------------------------ inventory
    def stock_at(self, item_id, location_id):
        key = (item_id, location_id)
        if key not in self.levels:
            ts = now_iso()
            self.levels[key] = dict({n: 0 for n in QTY_NAMES}, id=self.next_id("InventoryLevel"),
                                    createdAt=ts, updatedAt=ts)
        return self.levels[key]

    @staticmethod
    def quantity(level, name):
        if name == "on_hand":
            return sum(level[n] for n in ON_HAND_PARTS)
        return level.get(name, 0)

    def change(self, item_id, location_id, name, delta):
        """Move one quantity by delta; returns [(name, delta, after)] including on_hand when it moves."""
        level = self.levels[(item_id, location_id)]
        out = []
        if delta == 0:
            return out
        if name == "on_hand":
            level["available"] += delta  # setting on_hand moves available (other states are fixed)
            out = [("on_hand", delta, self.quantity(level, "on_hand")),
                   ("available", delta, level["available"])]
        else:
            level[name] += delta
            out = [(name, delta, level[name])]
            if name == "available":
                out.append(("on_hand", delta, self.quantity(level, "on_hand")))
        level["updatedAt"] = now_iso()
        self.items[item_id]["updatedAt"] = level["updatedAt"]
        self.events.append(("inventory_levels/update", (item_id, location_id)))
        return out

    def inventory_by_sku(self):
        out = {}
        for (iid, lid), lvl in sorted(self.levels.items()):
            item = self.items.get(iid)
            v = self.variants.get(item["variant_id"]) if item else None
            if not v:
                continue
            out.setdefault(v["sku"] or f"(no sku) {gid('ProductVariant', v['id'])}", {})[str(lid)] = {
                "available": lvl["available"], "committed": lvl["committed"],
                "on_hand": self.quantity(lvl, "on_hand")}
        return out

    # ------------------------------------------------------------------ orders
    def create_order(self, lines, location_id=1, email="buyer@example.com", financial="PAID", test=False):
        """lines: [{sku, quantity, price?, title?}]; unknown SKUs become custom line items
        (variant null), as an order for an item not in the catalog does in Shopify."""
        if location_id not in self.locations:
            raise ValueError(f"no location {location_id}")
        if not lines:
            raise ValueError("an order needs at least one line")
        ts = now_iso()
        oid = self.next_id("Order")
        self.order_number += 1
        items, total = [], 0
        for ln in lines:
            sku, qty = ln.get("sku"), ln.get("quantity", 1)
            if not isinstance(qty, int) or isinstance(qty, bool) or qty < 1:
                raise ValueError("quantity must be an integer >= 1")
            v = self.variant_by_sku(sku) if sku else None
            price = ln.get("price") or (v["price"] if v else "10.00")
            if not isinstance(price, str):
                raise ValueError("price is a decimal string (\"12.50\")")
            p = self.products.get(v["product_id"]) if v else None
            items.append({"id": self.next_id("LineItem"), "variant_id": v["id"] if v else None,
                          "product_id": p["id"] if p else None, "sku": sku or "",
                          "title": ln.get("title") or (p["title"] if p else f"Custom item {sku}"),
                          "variant_title": " / ".join(v["options"].values()) if v and v["options"] else None,
                          "quantity": qty, "price": price, "fulfilled": 0, "restocked": 0})
            total += cents(price) * qty
        order = {"id": oid, "number": self.order_number - 1000, "order_number": self.order_number,
                 "name": f"#{self.order_number}", "email": email, "createdAt": ts, "updatedAt": ts,
                 "processedAt": ts, "cancelledAt": None, "cancelReason": None, "closedAt": None,
                 "financial": financial, "fulfillment": "UNFULFILLED", "currency": self.currency,
                 "line_items": items, "total": money(total), "location_id": location_id,
                 "fo_ids": [], "fulfillment_ids": [], "test": test, "refunds": []}
        self.orders[oid] = order
        fo_items = []
        for li in items:
            if li["variant_id"]:
                iid = self.variants[li["variant_id"]]["inventory_item_id"]
                if self.items[iid]["tracked"]:
                    self.stock_at(iid, location_id)
                    self.change(iid, location_id, "available", -li["quantity"])
                    self.change(iid, location_id, "committed", li["quantity"])
            fo_items.append({"id": self.next_id("FulfillmentOrderLineItem"), "line_item_id": li["id"],
                             "total": li["quantity"], "remaining": li["quantity"]})
        fo = {"id": self.next_id("FulfillmentOrder"), "order_id": oid, "location_id": location_id,
              "status": "OPEN", "line_items": fo_items, "createdAt": ts, "updatedAt": ts}
        self.fulfillment_orders[fo["id"]] = fo
        order["fo_ids"].append(fo["id"])
        self.events.append(("orders/create", oid))
        self.events.append(("orders/paid", oid))
        for li in items:  # products/update "occurs whenever a product is updated, ordered, ..." (topic text)
            if li["product_id"]:
                self.events.append(("products/update", li["product_id"]))
        return order

    def cancel_order(self, oid, restock=True, reason="customer"):
        o = self.orders.get(oid)
        if o is None:
            raise ValueError(f"no order {oid}")
        if o["cancelledAt"]:
            raise ValueError(f"order {oid} is already cancelled")
        ts = now_iso()
        o["cancelledAt"], o["cancelReason"], o["closedAt"], o["updatedAt"] = ts, reason.upper(), ts, ts
        o["financial"] = "REFUNDED" if o["financial"] == "PAID" else "VOIDED"
        refund_lines = []
        for fo_id in o["fo_ids"]:
            fo = self.fulfillment_orders[fo_id]
            for fli in fo["line_items"]:
                li = next(x for x in o["line_items"] if x["id"] == fli["line_item_id"])
                left = fli["remaining"]
                if left and li["variant_id"]:
                    iid = self.variants[li["variant_id"]]["inventory_item_id"] \
                        if li["variant_id"] in self.variants else None
                    if iid and self.items[iid]["tracked"] and (iid, fo["location_id"]) in self.levels:
                        self.change(iid, fo["location_id"], "committed", -left)
                        if restock:
                            self.change(iid, fo["location_id"], "available", left)
                            li["restocked"] += left
                if left:
                    refund_lines.append((li, left, fo["location_id"]))
                fli["remaining"] = 0
            fo["status"], fo["updatedAt"] = "CLOSED", ts
        o["refunds"].append({"id": self.next_id("Refund"), "createdAt": ts, "restock": restock,
                             "lines": [(li["id"], q, loc) for li, q, loc in refund_lines]})
        self.events.append(("orders/cancelled", oid))
        self.events.append(("orders/updated", oid))
        self.events.append(("refunds/create", (oid, len(o["refunds"]) - 1)))
        return o

    def fulfill(self, fo_lines, tracking, notify):
        """fo_lines: [(fo, [(fo_line_item, qty)])] already validated; returns the fulfillment."""
        ts = now_iso()
        order = self.orders[fo_lines[0][0]["order_id"]]
        fid = self.next_id("Fulfillment")
        lines = []
        for fo, picks in fo_lines:
            for fli, qty in picks:
                fli["remaining"] -= qty
                li = next(x for x in order["line_items"] if x["id"] == fli["line_item_id"])
                li["fulfilled"] += qty
                lines.append({"id": self.next_id("LineItem"), "line_item_id": li["id"], "quantity": qty})
                v = self.variants.get(li["variant_id"]) if li["variant_id"] else None
                if v and self.items[v["inventory_item_id"]]["tracked"] and \
                        (v["inventory_item_id"], fo["location_id"]) in self.levels:
                    self.change(v["inventory_item_id"], fo["location_id"], "committed", -qty)
            fo["status"] = "CLOSED" if all(x["remaining"] == 0 for x in fo["line_items"]) else "IN_PROGRESS"
            fo["updatedAt"] = ts
        f = {"id": fid, "order_id": order["id"], "name": f"{order['name']}.{len(order['fulfillment_ids']) + 1}",
             "status": "SUCCESS", "tracking": dict(tracking or {}), "line_items": lines,
             "location_id": fo_lines[0][0]["location_id"], "createdAt": ts, "updatedAt": ts, "notify": notify}
        self.fulfillments[fid] = f
        order["fulfillment_ids"].append(fid)
        done = all(li["fulfilled"] >= li["quantity"] for li in order["line_items"])
        order["fulfillment"] = "FULFILLED" if done else "PARTIALLY_FULFILLED"
        order["updatedAt"] = ts
        self.events.append(("fulfillments/create", fid))
        if done:
            self.events.append(("orders/fulfilled", order["id"]))
        self.events.append(("orders/updated", order["id"]))
        return f

    # ------------------------------------------------------------------ snapshot for /_state
    def snapshot(self):
        prods = []
        for p in self.products.values():
            prods.append({"id": gid("Product", p["id"]), "title": p["title"], "handle": p["handle"],
                          "status": p["status"], "updatedAt": p["updatedAt"],
                          "options": [{"name": o["name"], "values": [v["name"] for v in o["values"]]}
                                      for o in p["options"]],
                          "media": [m["url"] for m in p["media"]],
                          "variants": [{"id": gid("ProductVariant", v["id"]), "sku": v["sku"], "price": v["price"],
                                        "compareAtPrice": v["compareAtPrice"], "options": v["options"],
                                        "inventoryItemId": gid("InventoryItem", v["inventory_item_id"])}
                                       for v in (self.variants[i] for i in p["variant_ids"])]})
        orders = [{"id": gid("Order", o["id"]), "legacy_id": o["id"], "name": o["name"],
                   "createdAt": o["createdAt"], "updatedAt": o["updatedAt"], "cancelledAt": o["cancelledAt"],
                   "financial": o["financial"], "fulfillment": o["fulfillment"], "total": o["total"],
                   "fulfillmentOrders": [{"id": gid("FulfillmentOrder", f), "status": self.fulfillment_orders[f]
                                          ["status"]} for f in o["fo_ids"]],
                   "lines": [{"sku": li["sku"], "quantity": li["quantity"], "price": li["price"],
                              "fulfilled": li["fulfilled"]} for li in o["line_items"]]}
                  for o in self.orders.values()]
        fuls = [{"id": gid("Fulfillment", f["id"]), "order_id": gid("Order", f["order_id"]), "name": f["name"],
                 "tracking": f["tracking"], "lines": [(l["line_item_id"], l["quantity"]) for l in f["line_items"]]}
                for f in self.fulfillments.values()]
        return {"shop": self.shop, "locations": [{"id": gid("Location", l["id"]), "name": l["name"]}
                                                 for l in self.locations.values()],
                "products": prods, "inventory": self.inventory_by_sku(), "orders": orders,
                "fulfillments": fuls,
                "subscriptions": [dict(s, id=gid("WebhookSubscription", s["id"])) for s in self.subscriptions.values()],
                "adjustment_groups": self.adjustment_groups[-200:]}


# ---------------------------------------------------------------------- helpers

def slug(title):
    out, dash = [], False
    for ch in title.lower():
        if ch.isalnum():
            out.append(ch)
            dash = False
        elif not dash and out:
            out.append("-")
            dash = True
    return "".join(out).strip("-")


def cents(price):
    whole, _, frac = price.lstrip("+").partition(".")
    neg = whole.startswith("-")
    whole = whole.lstrip("-") or "0"
    v = int(whole) * 100 + int((frac + "00")[:2])
    return -v if neg else v


def money(c):
    return f"{'-' if c < 0 else ''}{abs(c) // 100}.{abs(c) % 100:02d}"
