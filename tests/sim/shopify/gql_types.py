"""gql_types.py - run-time GraphQL objects over store.py records.

Each class answers field(name, args) for the fields schema.py declares on its type;
connections are returned as plain lists of (sort key, object) and paged by gql_exec.Conn.
"""
from .gql_exec import GQLError
from .store import gid, parse_gid, QTY_NAMES

ALL_QTY_NAMES = set(QTY_NAMES) | {"on_hand"}


class Obj:
    def __init__(self, store, rec):
        self.s, self.r = store, rec

    def field(self, name, args):
        m = getattr(self, "f_" + name, None)
        if m is not None:
            return m(args)
        return self.r.get(name)


def money_bag(amount, currency):
    m = {"amount": amount, "currencyCode": currency}
    return {"shopMoney": m, "presentmentMoney": dict(m)}


class Shop(Obj):
    def f_id(self, a):
        return "gid://shopify/Shop/1"

    def f_name(self, a):
        return self.s.shop.split(".")[0]

    def f_myshopifyDomain(self, a):
        return self.s.shop

    def f_currencyCode(self, a):
        return self.s.currency

    def f_ianaTimezone(self, a):
        return "Etc/UTC"

    def f_plan(self, a):
        return {"displayName": self.r.get("plan", "standard"), "partnerDevelopment": False,
                "shopifyPlus": self.r.get("plan") == "plus"}


class Location(Obj):
    def f_id(self, a):
        return gid("Location", self.r["id"])

    def f_legacyResourceId(self, a):
        return str(self.r["id"])

    def f_fulfillsOnlineOrders(self, a):
        return True

    def f_inventoryLevels(self, a):
        lid = self.r["id"]
        return [((iid,), Level(self.s, (iid, lid))) for (iid, l) in sorted(self.s.levels) if l == lid]

    def f_inventoryLevel(self, a):
        iid = parse_gid(a.get("inventoryItemId"), "InventoryItem")
        key = (iid, self.r["id"])
        return Level(self.s, key) if key in self.s.levels else None


class Level(Obj):
    """An inventory level: rec is the (item id, location id) key."""

    def field(self, name, args):
        iid, lid = self.r
        lvl = self.s.levels[self.r]
        if name == "id":
            return f"gid://shopify/InventoryLevel/{lvl['id']}?inventory_item_id={iid}"
        if name == "quantities":
            names = args.get("names")
            if not isinstance(names, list) or not names:
                raise GQLError("Field 'quantities' is missing required arguments: names",
                               code="missingRequiredArguments")
            bad = [n for n in names if n not in ALL_QTY_NAMES]
            if bad:
                raise GQLError(f"The quantity name '{bad[0]}' is not valid. Valid names are: "
                               f"{', '.join(sorted(ALL_QTY_NAMES))}.", code="BAD_REQUEST")
            return [{"id": f"gid://shopify/InventoryQuantity/{lvl['id']}?name={n}", "name": n,
                     "quantity": self.s.quantity(lvl, n), "updatedAt": lvl["updatedAt"]} for n in names]
        if name == "item":
            return Item(self.s, self.s.items[iid])
        if name == "location":
            return Location(self.s, self.s.locations[lid])
        if name == "canDeactivate":
            return True
        return lvl.get(name)


class Item(Obj):
    def f_id(self, a):
        return gid("InventoryItem", self.r["id"])

    def f_legacyResourceId(self, a):
        return str(self.r["id"])

    def f_sku(self, a):
        return self.s.variants[self.r["variant_id"]]["sku"]

    def f_variant(self, a):
        return Variant(self.s, self.s.variants[self.r["variant_id"]])

    def f_inventoryLevels(self, a):
        iid = self.r["id"]
        return [((lid,), Level(self.s, (iid, lid))) for (i, lid) in sorted(self.s.levels) if i == iid]

    def f_inventoryLevel(self, a):
        lid = parse_gid(a.get("locationId"), "Location")
        key = (self.r["id"], lid)
        return Level(self.s, key) if key in self.s.levels else None


class Variant(Obj):
    def f_id(self, a):
        return gid("ProductVariant", self.r["id"])

    def f_legacyResourceId(self, a):
        return str(self.r["id"])

    def f_title(self, a):
        return " / ".join(self.r["options"].values()) or "Default Title"

    def f_displayName(self, a):
        return f"{self.s.products[self.r['product_id']]['title']} - {self.f_title(a)}"

    def f_selectedOptions(self, a):
        return [{"name": k, "value": v} for k, v in self.r["options"].items()]

    def f_product(self, a):
        return Product(self.s, self.s.products[self.r["product_id"]])

    def f_inventoryItem(self, a):
        return Item(self.s, self.s.items[self.r["inventory_item_id"]])

    def f_inventoryQuantity(self, a):
        iid = self.r["inventory_item_id"]
        return sum(l["available"] for (i, _), l in self.s.levels.items() if i == iid)

    def f_availableForSale(self, a):
        return self.f_inventoryQuantity(a) > 0 or self.r["inventoryPolicy"] == "CONTINUE"


class Product(Obj):
    def f_id(self, a):
        return gid("Product", self.r["id"])

    def f_legacyResourceId(self, a):
        return str(self.r["id"])

    def f_variants(self, a):
        return [((v["position"], v["id"]), Variant(self.s, v))
                for v in sorted((self.s.variants[i] for i in self.r["variant_ids"]),
                                key=lambda v: (v["position"], v["id"]))]

    def f_variantsCount(self, a):
        return {"count": len(self.r["variant_ids"]), "precision": "EXACT"}

    def f_options(self, a):
        opts = self.r["options"]
        if a.get("first") is not None:
            opts = opts[:a["first"]]
        return [{"id": gid("ProductOption", o["id"]), "name": o["name"], "position": o["position"],
                 "values": [v["name"] for v in o["values"]],
                 "optionValues": [{"id": gid("ProductOptionValue", v["id"]), "name": v["name"],
                                   "hasVariants": any(self.s.variants[i]["options"].get(o["name"]) == v["name"]
                                                      for i in self.r["variant_ids"])} for v in o["values"]]}
                for o in opts]

    def f_media(self, a):
        return [((n,), Media(self.s, m)) for n, m in enumerate(self.r["media"])]

    def f_totalInventory(self, a):
        return sum(Variant(self.s, self.s.variants[i]).f_inventoryQuantity(a) for i in self.r["variant_ids"])

    def f_tracksInventory(self, a):
        return any(self.s.items[self.s.variants[i]["inventory_item_id"]]["tracked"] for i in self.r["variant_ids"])


class Media(Obj):
    def f_id(self, a):
        return gid("MediaImage", self.r["id"])

    def f_mediaContentType(self, a):
        return "IMAGE"

    def f_image(self, a):
        return {"id": gid("ImageSource", self.r["id"]), "url": self.r["url"], "altText": self.r.get("alt"),
                "width": None, "height": None}

    def f_preview(self, a):
        return {"image": self.f_image(a), "status": "READY"}


class Order(Obj):
    def f_id(self, a):
        return gid("Order", self.r["id"])

    def f_legacyResourceId(self, a):
        return str(self.r["id"])

    def f_closed(self, a):
        return self.r["closedAt"] is not None

    def f_displayFinancialStatus(self, a):
        return self.r["financial"]

    def f_displayFulfillmentStatus(self, a):
        return self.r["fulfillment"]

    def f_currencyCode(self, a):
        return self.r["currency"]

    def f_totalPriceSet(self, a):
        return money_bag(self.r["total"], self.r["currency"])

    f_subtotalPriceSet = f_totalPriceSet

    def f_lineItems(self, a):
        return [((n,), LineItem(self.s, li, self.r)) for n, li in enumerate(self.r["line_items"])]

    def f_fulfillmentOrders(self, a):
        return [((n,), FulfillmentOrder(self.s, self.s.fulfillment_orders[f])) for n, f in enumerate(self.r["fo_ids"])]

    def f_fulfillments(self, a):
        return [Fulfillment(self.s, self.s.fulfillments[f]) for f in self.r["fulfillment_ids"]]


class LineItem(Obj):
    def __init__(self, store, rec, order):
        super().__init__(store, rec)
        self.order = order

    def f_id(self, a):
        return gid("LineItem", self.r["id"])

    def f_name(self, a):
        return self.r["title"] + (f" - {self.r['variant_title']}" if self.r["variant_title"] else "")

    def f_variantTitle(self, a):
        return self.r["variant_title"]

    def f_currentQuantity(self, a):
        return self.r["quantity"] - (self.r["restocked"] if self.order["cancelledAt"] else 0)

    def f_unfulfilledQuantity(self, a):
        return self.r["quantity"] - self.r["fulfilled"]

    def f_variant(self, a):
        v = self.s.variants.get(self.r["variant_id"])
        return Variant(self.s, v) if v else None

    def f_product(self, a):
        p = self.s.products.get(self.r["product_id"])
        return Product(self.s, p) if p else None

    def f_originalUnitPriceSet(self, a):
        return money_bag(self.r["price"], self.order["currency"])

    f_discountedUnitPriceSet = f_originalUnitPriceSet


class FulfillmentOrder(Obj):
    def f_id(self, a):
        return gid("FulfillmentOrder", self.r["id"])

    def f_orderId(self, a):
        return gid("Order", self.r["order_id"])

    def f_order(self, a):
        return Order(self.s, self.s.orders[self.r["order_id"]])

    def f_assignedLocation(self, a):
        loc = self.s.locations[self.r["location_id"]]
        return {"name": loc["name"], "location": Location(self.s, loc)}

    def f_supportedActions(self, a):
        acts = ["CREATE_FULFILLMENT", "HOLD", "MOVE"] if self.r["status"] in ("OPEN", "IN_PROGRESS") else []
        return [{"action": x} for x in acts]

    def f_lineItems(self, a):
        order = self.s.orders[self.r["order_id"]]
        out = []
        for n, fli in enumerate(self.r["line_items"]):
            li = next(x for x in order["line_items"] if x["id"] == fli["line_item_id"])
            out.append(((n,), FOLine(self.s, fli, li, order)))
        return out


class FOLine(Obj):
    def __init__(self, store, rec, line_item, order):
        super().__init__(store, rec)
        self.li, self.order = line_item, order

    def f_id(self, a):
        return gid("FulfillmentOrderLineItem", self.r["id"])

    def f_totalQuantity(self, a):
        return self.r["total"]

    def f_remainingQuantity(self, a):
        return self.r["remaining"]

    def f_sku(self, a):
        return self.li["sku"]

    def f_lineItem(self, a):
        return LineItem(self.s, self.li, self.order)

    def f_variant(self, a):
        v = self.s.variants.get(self.li["variant_id"])
        return Variant(self.s, v) if v else None

    def f_inventoryItemId(self, a):
        v = self.s.variants.get(self.li["variant_id"])
        return gid("InventoryItem", v["inventory_item_id"]) if v else None


class Fulfillment(Obj):
    def f_id(self, a):
        return gid("Fulfillment", self.r["id"])

    def f_legacyResourceId(self, a):
        return str(self.r["id"])

    def f_trackingInfo(self, a):
        t = self.r["tracking"]
        return [{"company": t.get("company"), "number": t.get("number"), "url": t.get("url")}] if t else []

    def f_order(self, a):
        return Order(self.s, self.s.orders[self.r["order_id"]])

    def f_location(self, a):
        return Location(self.s, self.s.locations[self.r["location_id"]])

    def f_fulfillmentLineItems(self, a):
        order = self.s.orders[self.r["order_id"]]
        out = []
        for n, l in enumerate(self.r["line_items"]):
            li = next(x for x in order["line_items"] if x["id"] == l["line_item_id"])
            out.append(((n,), {"id": gid("FulfillmentLineItem", l["id"]), "quantity": l["quantity"],
                               "lineItem": LineItem(self.s, li, order)}))
        return out


class Subscription(Obj):
    def f_id(self, a):
        return gid("WebhookSubscription", self.r["id"])

    def f_legacyResourceId(self, a):
        return str(self.r["id"])

    def f_uri(self, a):
        return self.r["callbackUrl"]

    def f_endpoint(self, a):
        return {"callbackUrl": self.r["callbackUrl"]}
