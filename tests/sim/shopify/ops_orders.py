"""ops_orders.py - fulfillmentCreate (and its deprecated twin fulfillmentCreateV2) and the
webhook subscription mutations.

fulfillmentCreate (shopify.md §3 and §7): `lineItemsByFulfillmentOrder` names fulfillment
orders of ONE order; omitted `fulfillmentOrderLineItems` = the whole remaining fulfillment
order; only OPEN / IN_PROGRESS fulfillment orders can be fulfilled; quantities must not
exceed what remains.  Effects: remaining quantities drop, a fully fulfilled fulfillment
order is CLOSED, tracking is recorded, committed stock leaves the location, and
fulfillments/create + orders/updated (+ orders/fulfilled when all is shipped) fire.
userErrors are plain UserError {field, message} (FulfillmentCreatePayload).

webhookSubscriptionCreate: records (topic, callbackUrl/uri, format); a duplicate
topic+address is refused ("Address for this topic has already been taken", *public docs*).
Real Shopify only accepts https:// addresses; the knob `allow_http_callbacks` (default on,
because tests run on loopback) can make the sim refuse http:// like Shopify.
"""
from .gql_types import Fulfillment, Subscription
from .store import gid, now_iso, parse_gid


def uerr(field, message):
    return {"field": field, "message": message}


def fulfillmentCreate(ctx, args):
    s = ctx.store
    f = args["fulfillment"]
    groups = f["lineItemsByFulfillmentOrder"]
    errors, plan, order_ids = [], [], set()
    if not groups:
        return {"fulfillment": None, "userErrors": [uerr(["fulfillment"], "Line items by fulfillment order can't "
                                                                          "be blank.")]}
    for i, g in enumerate(groups):
        fo = s.fulfillment_orders.get(parse_gid(g["fulfillmentOrderId"], "FulfillmentOrder"))
        base = ["fulfillment", "lineItemsByFulfillmentOrder", str(i)]
        if fo is None:
            errors.append(uerr(base + ["fulfillmentOrderId"], "Fulfillment order does not exist."))
            continue
        order_ids.add(fo["order_id"])
        if fo["status"] not in ("OPEN", "IN_PROGRESS"):
            errors.append(uerr(base + ["fulfillmentOrderId"], f"Fulfillment order {gid('FulfillmentOrder', fo['id'])} "
                               f"has an unfulfillable status= {fo['status'].lower()}."))
            continue
        picks = []
        if g.get("fulfillmentOrderLineItems") is None:
            picks = [(li, li["remaining"]) for li in fo["line_items"] if li["remaining"] > 0]
        else:
            for j, want in enumerate(g["fulfillmentOrderLineItems"]):
                li = next((x for x in fo["line_items"]
                           if x["id"] == parse_gid(want["id"], "FulfillmentOrderLineItem")), None)
                if li is None:
                    errors.append(uerr(base + ["fulfillmentOrderLineItems", str(j), "id"],
                                       "Fulfillment order line item does not exist."))
                elif want["quantity"] < 1 or want["quantity"] > li["remaining"]:
                    errors.append(uerr(base + ["fulfillmentOrderLineItems", str(j), "quantity"],
                                       "Invalid fulfillment order line item quantity requested."))
                else:
                    picks.append((li, want["quantity"]))
        if not picks and not errors:
            errors.append(uerr(base, "Fulfillment order has no line items left to fulfill."))
        plan.append((fo, picks))
    if len(order_ids) > 1:
        errors.append(uerr(["fulfillment"], "All fulfillment orders must belong to the same order."))
    if not errors:
        order = s.orders[next(iter(order_ids))]
        if order["cancelledAt"]:
            errors.append(uerr(["fulfillment"], "Cannot fulfill a cancelled order."))
    if errors:
        return {"fulfillment": None, "userErrors": errors}
    tracking = f.get("trackingInfo") or {}
    if tracking.get("numbers") and not tracking.get("number"):
        tracking = dict(tracking, number=tracking["numbers"][0])
    if tracking.get("urls") and not tracking.get("url"):
        tracking = dict(tracking, url=tracking["urls"][0])
    tracking = {k: tracking.get(k) for k in ("company", "number", "url") if tracking.get(k) is not None}
    rec = s.fulfill(plan, tracking, bool(f.get("notifyCustomer")))
    return {"fulfillment": Fulfillment(s, rec), "userErrors": []}


def webhookSubscriptionCreate(ctx, args):
    s = ctx.store
    topic = args["topic"]
    sub = args["webhookSubscription"]
    url = sub.get("uri") or sub.get("callbackUrl")
    fmt = sub.get("format") or "JSON"
    field = ["webhookSubscription", "uri" if sub.get("uri") else "callbackUrl"]
    if not url:
        return {"webhookSubscription": None, "userErrors": [uerr(field, "Address can't be blank")]}
    if url.startswith("http://") and not ctx.knobs.get("allow_http_callbacks", True):
        return {"webhookSubscription": None, "userErrors": [uerr(field, "Address protocol http:// is not "
                                                                        "supported")]}
    if not url.startswith(("https://", "http://")):
        return {"webhookSubscription": None, "userErrors": [uerr(field, "Address is invalid")]}
    if fmt != "JSON":
        return {"webhookSubscription": None, "userErrors": [uerr(["webhookSubscription", "format"],
                                                                 "The simulator only delivers JSON")]}
    for x in s.subscriptions.values():
        if x["topic"] == topic and x["callbackUrl"] == url:
            return {"webhookSubscription": None,
                    "userErrors": [uerr(field, "Address for this topic has already been taken")]}
    ts = now_iso()
    rec = {"id": s.next_id("WebhookSubscription"), "topic": topic, "callbackUrl": url, "format": fmt,
           "includeFields": sub.get("includeFields") or [], "filter": sub.get("filter"),
           "createdAt": ts, "updatedAt": ts, "failures": 0}
    s.subscriptions[rec["id"]] = rec
    return {"webhookSubscription": Subscription(s, rec), "userErrors": []}


def webhookSubscriptionDelete(ctx, args):
    s = ctx.store
    n = parse_gid(args["id"], "WebhookSubscription")
    if n not in s.subscriptions:
        return {"deletedWebhookSubscriptionId": None,
                "userErrors": [uerr(["id"], "Webhook subscription does not exist")]}
    del s.subscriptions[n]
    return {"deletedWebhookSubscriptionId": args["id"], "userErrors": []}


RESOLVERS = {"fulfillmentCreate": fulfillmentCreate, "fulfillmentCreateV2": fulfillmentCreate,
             "webhookSubscriptionCreate": webhookSubscriptionCreate,
             "webhookSubscriptionDelete": webhookSubscriptionDelete}
