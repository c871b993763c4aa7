"""payloads.py - webhook bodies in the REST resource shape of each topic (shopify.md §5).

Every body starts from Shopify's own example for the topic
(/work/shared/specs/shopify/webhooks/2026-04/examples/<topic>.json, "response") and has
the simulated record's values written over it, so the keys, nesting and value types are
Shopify's: snake_case, numeric ids plus admin_graphql_api_id, money as decimal strings,
timestamps with a UTC offset ("2026-04-01T10:00:00+00:00").  inventory_levels/update
ships an empty example; its body is shopify.md §5's {inventory_item_id, location_id,
available, updated_at, admin_graphql_api_id}.
"""
import copy
import json
import os
from datetime import datetime

from .store import cents, gid, money

SPEC_DIR = os.environ.get("SHOPIFY_SPEC_DIR", "/work/shared/specs/shopify/webhooks/2026-04/examples")
_cache = {}
IMAGE_PX = 1024  # the sim never fetches images: every image claims 1024 x 1024
STAFF_USER_ID = 548380009  # the merchant's staff account acting in the admin (as in Shopify's examples)


def example(topic):
    """Shopify's example body for topic ("orders/create"), or None when the spec is not there."""
    name = topic.replace("/", "_")
    if name not in _cache:
        try:
            with open(os.path.join(SPEC_DIR, name + ".json")) as f:
                _cache[name] = json.load(f).get("response")
        except (OSError, ValueError):
            _cache[name] = None
    return copy.deepcopy(_cache[name])


def rest_time(iso):
    """'2026-04-01T10:00:00Z' -> '2026-04-01T10:00:00+00:00' (REST/webhook style)."""
    if iso is None:
        return None
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).isoformat()


def money_set(amount, currency):
    m = {"amount": amount, "currency_code": currency}
    return {"shop_money": m, "presentment_money": dict(m)}


def _line_item(store, li, template, currency, fulfilled_status=None):
    out = copy.deepcopy(template) if template else {}
    v = store.variants.get(li["variant_id"]) if li["variant_id"] else None
    out.update({"id": li["id"], "admin_graphql_api_id": gid("LineItem", li["id"]), "variant_id": li["variant_id"],
                "product_id": li["product_id"], "product_exists": li["product_id"] in store.products,
                "sku": li["sku"], "title": li["title"], "variant_title": li["variant_title"],
                "name": li["title"] + (f" - {li['variant_title']}" if li["variant_title"] else ""),
                "quantity": li["quantity"], "current_quantity": li["quantity"] - li["restocked"],
                "fulfillable_quantity": li["quantity"] - li["fulfilled"] - li["restocked"],
                "fulfillment_status": fulfilled_status if fulfilled_status else
                ("fulfilled" if li["fulfilled"] >= li["quantity"] else ("partial" if li["fulfilled"] else None)),
                "price": li["price"], "price_set": money_set(li["price"], currency),
                "total_discount": "0.00", "total_discount_set": money_set("0.00", currency),
                "discount_allocations": [], "tax_lines": [], "duties": [], "attributed_staffs": [],
                "vendor": store.products[li["product_id"]]["vendor"] if li["product_id"] in store.products else None,
                "variant_inventory_management": "shopify" if v else None,
                "requires_shipping": True, "taxable": True, "gift_card": False, "properties": []})
    return out


def order(store, o):
    body = example("orders/create") or {}
    cur = o["currency"]
    tmpl = (body.get("line_items") or [None])[0]
    items = [_line_item(store, li, tmpl, cur) for li in o["line_items"]]
    subtotal = money(sum(cents(li["price"]) * li["quantity"] for li in o["line_items"]))
    body.update({
        "id": o["id"], "admin_graphql_api_id": gid("Order", o["id"]), "name": o["name"],
        "number": o["number"], "order_number": o["order_number"], "email": o["email"], "contact_email": o["email"],
        "created_at": rest_time(o["createdAt"]), "updated_at": rest_time(o["updatedAt"]),
        "processed_at": rest_time(o["processedAt"]), "cancelled_at": rest_time(o["cancelledAt"]),
        "cancel_reason": o["cancelReason"].lower() if o["cancelReason"] else None,
        "closed_at": rest_time(o["closedAt"]), "currency": cur, "presentment_currency": cur,
        "financial_status": o["financial"].lower(),
        "fulfillment_status": {"UNFULFILLED": None, "FULFILLED": "fulfilled",
                               "PARTIALLY_FULFILLED": "partial"}[o["fulfillment"]],
        "confirmed": True, "test": o["test"], "line_items": items,
        "location_id": None, "source_name": "web", "tags": "", "note": None, "discount_codes": [],
        "discount_applications": [], "tax_lines": [], "total_tax": "0.00", "total_discounts": "0.00",
        "total_discounts_set": money_set("0.00", cur), "total_tax_set": money_set("0.00", cur),
        "subtotal_price": subtotal, "subtotal_price_set": money_set(subtotal, cur),
        "total_line_items_price": subtotal, "total_line_items_price_set": money_set(subtotal, cur),
        "total_price": o["total"], "total_price_set": money_set(o["total"], cur),
        "current_subtotal_price": subtotal, "current_subtotal_price_set": money_set(subtotal, cur),
        "current_total_price": o["total"], "current_total_price_set": money_set(o["total"], cur),
        "current_total_discounts": "0.00", "current_total_discounts_set": money_set("0.00", cur),
        "current_total_tax": "0.00", "current_total_tax_set": money_set("0.00", cur),
        "total_outstanding": "0.00" if o["financial"] == "PAID" else o["total"],
        "total_shipping_price_set": money_set("0.00", cur), "shipping_lines": [],
        "fulfillments": [fulfillment(store, store.fulfillments[f], embedded=True) for f in o["fulfillment_ids"]],
        "refunds": [refund(store, o, r) for r in o["refunds"]],
    })
    return body


def inventory_level(store, item_id, location_id):
    lvl = store.levels.get((item_id, location_id))
    return {"inventory_item_id": item_id, "location_id": location_id,
            "available": lvl["available"] if lvl else None,
            "updated_at": rest_time(lvl["updatedAt"]) if lvl else None,
            "admin_graphql_api_id": f"gid://shopify/InventoryLevel/{lvl['id'] if lvl else 0}"
                                    f"?inventory_item_id={item_id}"}


def refund(store, o, r):
    body = example("refunds/create") or {}
    cur = o["currency"]
    tmpl = (body.get("refund_line_items") or [None])[0]
    li_tmpl = (example("orders/create") or {}).get("line_items", [None])[0]
    rlis = []
    for n, (li_id, qty, loc) in enumerate(r["lines"]):
        li = next(x for x in o["line_items"] if x["id"] == li_id)
        x = copy.deepcopy(tmpl) if tmpl else {}
        sub = money(cents(li["price"]) * qty)
        x.update({"id": r["id"] * 10 + n, "quantity": qty, "line_item_id": li_id,
                  "location_id": loc if r["restock"] else None,
                  "restock_type": "cancel" if r["restock"] else "no_restock",
                  "subtotal": float(sub), "total_tax": 0.0, "subtotal_set": money_set(sub, cur),
                  "total_tax_set": money_set("0.00", cur), "line_item": _line_item(store, li, li_tmpl, cur)})
        rlis.append(x)
    body.update({"id": r["id"], "admin_graphql_api_id": gid("Refund", r["id"]), "order_id": o["id"],
                 "created_at": rest_time(r["createdAt"]), "processed_at": rest_time(r["createdAt"]),
                 "note": "Order cancelled", "restock": r["restock"], "user_id": STAFF_USER_ID,
                 "refund_line_items": rlis, "transactions": [], "order_adjustments": [], "return": None,
                 "duties": [], "refund_shipping_lines": [], "total_duties_set": money_set("0.00", cur)})
    return body


def fulfillment(store, f, embedded=False):
    body = example("fulfillments/create") or {}
    o = store.orders[f["order_id"]]
    tmpl = (body.get("line_items") or [None])[0]
    lis = []
    for l in f["line_items"]:
        li = next(x for x in o["line_items"] if x["id"] == l["line_item_id"])
        x = _line_item(store, li, tmpl, o["currency"])
        x["quantity"] = l["quantity"]
        lis.append(x)
    t = f["tracking"]
    body.update({"id": f["id"], "admin_graphql_api_id": gid("Fulfillment", f["id"]), "order_id": o["id"],
                 "name": f["name"], "status": "success", "created_at": rest_time(f["createdAt"]),
                 "updated_at": rest_time(f["updatedAt"]), "location_id": f["location_id"], "email": o["email"],
                 "tracking_company": t.get("company"), "tracking_number": t.get("number"),
                 "tracking_numbers": [t["number"]] if t.get("number") else [],
                 "tracking_url": t.get("url"), "tracking_urls": [t["url"]] if t.get("url") else [],
                 "line_items": lis, "service": "manual", "shipment_status": None,
                 "origin_address": origin_address(store, f["location_id"]) if embedded else None})
    return body


def origin_address(store, location_id):
    """Where the parcel left from: the sim's locations have names only, so a fixed address."""
    return {"address1": "1 Warehouse Way", "address2": None, "city": "Springfield", "zip": "12345",
            "province_code": None, "country_code": "US", "name": store.locations[location_id]["name"]}


def product(store, p):
    body = example("products/update") or {}
    cur_vars = [store.variants[i] for i in p["variant_ids"]]
    images = [{"id": m["id"], "admin_graphql_api_id": gid("ProductImage", m["id"]), "product_id": p["id"],
               "position": n, "alt": m.get("alt") or None, "src": m["url"], "width": IMAGE_PX, "height": IMAGE_PX,
               "created_at": rest_time(m["createdAt"]), "updated_at": rest_time(m["createdAt"]), "variant_ids": []}
              for n, m in enumerate(p["media"], 1)]
    names = [o["name"] for o in p["options"]]
    variants = []
    for v in cur_vars[:100]:  # "a full variants payload for the first 100 records" (topic description)
        vals = [v["options"].get(n) for n in names] + [None, None, None]
        lvl_sum = sum(l["available"] for (i, _), l in store.levels.items() if i == v["inventory_item_id"])
        variants.append({"admin_graphql_api_id": gid("ProductVariant", v["id"]), "barcode": v["barcode"],
                         "compare_at_price": v["compareAtPrice"], "created_at": rest_time(v["createdAt"]),
                         "id": v["id"], "inventory_policy": v["inventoryPolicy"].lower(), "position": v["position"],
                         "price": v["price"], "product_id": p["id"], "sku": v["sku"] or None,
                         "taxable": v["taxable"], "title": " / ".join(x for x in vals[:3] if x) or "Default Title",
                         "updated_at": rest_time(v["updatedAt"]), "option1": vals[0], "option2": vals[1],
                         "option3": vals[2], "image_id": None, "inventory_item_id": v["inventory_item_id"],
                         "inventory_quantity": lvl_sum, "old_inventory_quantity": lvl_sum})
    body.update({"admin_graphql_api_id": gid("Product", p["id"]), "id": p["id"], "title": p["title"],
                 "body_html": p["descriptionHtml"], "handle": p["handle"], "vendor": p["vendor"],
                 "product_type": p["productType"], "status": p["status"].lower(), "tags": ", ".join(p["tags"]),
                 "created_at": rest_time(p["createdAt"]), "updated_at": rest_time(p["updatedAt"]),
                 "published_at": rest_time(p["createdAt"]) if p["status"] == "ACTIVE" else None,
                 "variants": variants,
                 "options": [{"id": o["id"], "product_id": p["id"], "name": o["name"], "position": o["position"],
                              "values": [x["name"] for x in o["values"]]} for o in p["options"]],
                 "images": images, "image": images[0] if images else None,
                 "media": [{"id": m["id"], "admin_graphql_api_id": gid("MediaImage", m["id"]), "product_id": p["id"],
                            "position": n, "created_at": rest_time(m["createdAt"]),
                            "updated_at": rest_time(m["createdAt"]), "variant_ids": [],
                            "media_content_type": "IMAGE", "alt": m.get("alt") or "", "status": "READY",
                            "preview_image": {"src": m["url"], "status": "READY", "width": IMAGE_PX,
                                              "height": IMAGE_PX}} for n, m in enumerate(p["media"], 1)],
                 "variant_gids": [{"admin_graphql_api_id": gid("ProductVariant", v["id"]),
                                   "updated_at": v["updatedAt"].replace("Z", ".000Z")}
                                  for v in sorted(cur_vars, key=lambda v: v["updatedAt"], reverse=True)]})
    return body


def build(store, topic, ref):
    """The body for an event recorded by store.py, or None when its object is gone."""
    if topic.startswith("orders/"):
        o = store.orders.get(ref)
        return order(store, o) if o else None
    if topic == "inventory_levels/update":
        return inventory_level(store, *ref)
    if topic == "refunds/create":
        o = store.orders.get(ref[0])
        return refund(store, o, o["refunds"][ref[1]]) if o else None
    if topic == "fulfillments/create":
        f = store.fulfillments.get(ref)
        return fulfillment(store, f) if f else None
    if topic in ("products/create", "products/update"):
        p = store.products.get(ref)
        return product(store, p) if p else None
    return None
