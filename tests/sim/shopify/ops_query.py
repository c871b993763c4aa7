"""ops_query.py - the QueryRoot fields (shopify.md §3 reads: variant by SKU, locations,
levels, orders for the polling backfill, fulfillment orders, webhook subscriptions).

Each resolver gets (ctx, args) with args already substituted and returns a run-time
object, None (not found: data null, no error, as Shopify does for an unknown id), or
a list of (sort key, object) that gql_exec pages.  A malformed gid is a top-level
error "Invalid global id" (*public docs*: what the Admin API answers for a bad ID).
"""
from . import gql_types as T
from .gql_exec import GQLError
from .search import compile_query
from .store import gid, parse_gid


def _id(args, kind, name="id"):
    v = args.get(name)
    n = parse_gid(v, kind)
    if n is None:
        if isinstance(v, str) and v.startswith("gid://shopify/") and "/" in v[len("gid://shopify/"):]:
            return -1  # a well-formed gid of another type: nothing found
        raise GQLError(f"Invalid global id '{v}'", code="argumentLiteralsIncompatible", typeName="CoercionError")
    return n


def _search(ctx, args, fields, default=()):
    pred, warnings = compile_query(args.get("query"), fields, default)
    if warnings:
        ctx.search_warnings.extend({"path": [], "query": args.get("query"), **w} for w in warnings)
    return pred


def shop(ctx, args):
    return T.Shop(ctx.store, {"plan": ctx.plan})


def location(ctx, args):
    s = ctx.store
    n = _id(args, "Location") if args.get("id") is not None else 1  # no id: the shop's primary location
    loc = s.locations.get(n)
    return T.Location(s, loc) if loc else None


def locations(ctx, args):
    s = ctx.store
    locs = [l for l in s.locations.values() if l["isActive"] or args.get("includeInactive")]
    pred = _search(ctx, args, {"name": lambda l: l["name"], "id": lambda l: l["id"],
                               "active": lambda l: str(l["isActive"]).lower()}, [lambda l: l["name"]])
    return [((l["id"],), T.Location(s, l)) for l in locs if pred(l)]


def product(ctx, args):
    p = ctx.store.products.get(_id(args, "Product"))
    return T.Product(ctx.store, p) if p else None


def _product_fields(s):
    def skus(p):
        return [s.variants[i]["sku"] for i in p["variant_ids"]]
    return {"title": lambda p: p["title"], "handle": lambda p: p["handle"], "status": lambda p: p["status"],
            "sku": skus, "id": lambda p: p["id"], "updated_at": lambda p: p["updatedAt"],
            "created_at": lambda p: p["createdAt"], "vendor": lambda p: p["vendor"],
            "product_type": lambda p: p["productType"], "tag": lambda p: p["tags"]}


_PRODUCT_SORT = {"ID": lambda p: (p["id"],), "TITLE": lambda p: (p["title"], p["id"]),
                 "UPDATED_AT": lambda p: (p["updatedAt"], p["id"]), "CREATED_AT": lambda p: (p["createdAt"], p["id"])}


def _sort(args, table, default="ID"):
    key = args.get("sortKey") or default
    if key not in table:
        raise GQLError(f"Argument 'sortKey' on Field has an invalid value ({key}). Expected one of "
                       f"{', '.join(sorted(table))} (simulator subset).", code="argumentLiteralsIncompatible")
    return table[key]


def products(ctx, args):
    s = ctx.store
    pred = _search(ctx, args, _product_fields(s), [lambda p: p["title"]])
    key = _sort(args, _PRODUCT_SORT)
    return sorted(((key(p), T.Product(s, p)) for p in s.products.values() if pred(p)), key=lambda x: x[0])


def productVariant(ctx, args):
    v = ctx.store.variants.get(_id(args, "ProductVariant"))
    return T.Variant(ctx.store, v) if v else None


def productVariants(ctx, args):
    s = ctx.store
    fields = {"sku": lambda v: v["sku"], "barcode": lambda v: v["barcode"], "id": lambda v: v["id"],
              "product_id": lambda v: v["product_id"], "title": lambda v: " / ".join(v["options"].values()),
              "updated_at": lambda v: v["updatedAt"], "created_at": lambda v: v["createdAt"],
              "inventory_item_id": lambda v: v["inventory_item_id"]}
    pred = _search(ctx, args, fields, [lambda v: v["sku"], lambda v: s.products[v["product_id"]]["title"]])
    key = _sort(args, {"ID": lambda v: (v["id"],), "SKU": lambda v: (v["sku"], v["id"]),
                       "POSITION": lambda v: (v["product_id"], v["position"], v["id"]),
                       "TITLE": lambda v: (s.products[v["product_id"]]["title"], v["id"])})
    return sorted(((key(v), T.Variant(s, v)) for v in s.variants.values() if pred(v)), key=lambda x: x[0])


def inventoryItem(ctx, args):
    it = ctx.store.items.get(_id(args, "InventoryItem"))
    return T.Item(ctx.store, it) if it else None


def inventoryItems(ctx, args):
    s = ctx.store
    fields = {"sku": lambda i: s.variants[i["variant_id"]]["sku"], "id": lambda i: i["id"],
              "updated_at": lambda i: i["updatedAt"], "created_at": lambda i: i["createdAt"]}
    pred = _search(ctx, args, fields, [lambda i: s.variants[i["variant_id"]]["sku"]])
    return [((i["id"],), T.Item(s, i)) for i in sorted(s.items.values(), key=lambda i: i["id"]) if pred(i)]


def inventoryLevel(ctx, args):
    s = ctx.store
    v = args.get("id") or ""
    n = parse_gid(v, "InventoryLevel")
    if n is None:
        raise GQLError(f"Invalid global id '{v}'", code="argumentLiteralsIncompatible")
    for key, lvl in s.levels.items():
        if lvl["id"] == n:
            return T.Level(s, key)
    return None


def order(ctx, args):
    o = ctx.store.orders.get(_id(args, "Order"))
    return T.Order(ctx.store, o) if o else None


_ORDER_SORT = {"ID": lambda o: (o["id"],), "CREATED_AT": lambda o: (o["createdAt"], o["id"]),
               "UPDATED_AT": lambda o: (o["updatedAt"], o["id"]), "PROCESSED_AT": lambda o: (o["processedAt"], o["id"]),
               "ORDER_NUMBER": lambda o: (o["order_number"], o["id"]),
               "TOTAL_PRICE": lambda o: (float(o["total"]), o["id"])}


def _order_status(o):
    if o["cancelledAt"]:
        return ["cancelled", "closed"]
    return ["closed"] if o["closedAt"] else ["open"]


def orders(ctx, args):
    s = ctx.store
    fields = {"updated_at": lambda o: o["updatedAt"], "created_at": lambda o: o["createdAt"],
              "processed_at": lambda o: o["processedAt"], "id": lambda o: o["id"], "name": lambda o: o["name"],
              "status": _order_status, "financial_status": lambda o: o["financial"].lower(),
              "fulfillment_status": lambda o: {"UNFULFILLED": "unshipped", "FULFILLED": "shipped",
                                               "PARTIALLY_FULFILLED": "partial"}[o["fulfillment"]],
              "sku": lambda o: [li["sku"] for li in o["line_items"]], "email": lambda o: o["email"],
              "test": lambda o: str(o["test"]).lower(), "location_id": lambda o: o["location_id"]}
    pred = _search(ctx, args, fields, [lambda o: o["name"], lambda o: o["email"]])
    key = _sort(args, _ORDER_SORT, "PROCESSED_AT")
    return sorted(((key(o), T.Order(s, o)) for o in s.orders.values() if pred(o)), key=lambda x: x[0])


def fulfillmentOrder(ctx, args):
    fo = ctx.store.fulfillment_orders.get(_id(args, "FulfillmentOrder"))
    return T.FulfillmentOrder(ctx.store, fo) if fo else None


def webhookSubscriptions(ctx, args):
    s = ctx.store
    topics = args.get("topics")
    subs = [x for x in s.subscriptions.values()
            if (not topics or x["topic"] in topics)
            and (not args.get("callbackUrl") or x["callbackUrl"] == args["callbackUrl"])]
    return [((x["id"],), T.Subscription(s, x)) for x in sorted(subs, key=lambda x: x["id"])]


RESOLVERS = {f.__name__: f for f in (shop, location, locations, product, products, productVariant,
                                     productVariants, inventoryItem, inventoryItems, inventoryLevel, order,
                                     orders, fulfillmentOrder, webhookSubscriptions)}
