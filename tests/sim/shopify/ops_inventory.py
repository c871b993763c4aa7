"""ops_inventory.py - inventorySetQuantities and inventoryAdjustQuantities (shopify.md §4).

Version rules (shopify.md §4, shopify.dev InventoryQuantityInput / changelog
"compare-and-swap-redesign" and "making-idempotency-mandatory"):
  <= 2025-10  compare-and-set on compareQuantity; COMPARE_QUANTITY_REQUIRED when it is missing
              and ignoreCompareQuantity is not true; mismatch -> COMPARE_QUANTITY_STALE.
  2026-01     changeFromQuantity (a number or explicit null) overrides both; mismatch ->
              CHANGE_FROM_QUANTITY_STALE; @idempotent(key:) optional.
  >= 2026-04  compareQuantity/ignoreCompareQuantity are gone from the input type (a
              coercion error, in gql_exec); every quantity must carry changeFromQuantity
              (omitted -> error); @idempotent(key:) mandatory (omitted -> error).
The whole call is refused when any quantity has a user error (nothing applied).
Other user error codes are InventorySetQuantitiesUserErrorCode's (shopify.dev, 2026-01).
A call that changes nothing returns inventoryAdjustmentGroup null (*public docs*: no
adjustment group is created for zero deltas).
"""
import json

from .gql_exec import GQLError
from .gql_types import Item, Location
from .store import gid, now_iso, parse_gid

REASONS = {"correction", "cycle_count_available", "damaged", "movement_created", "movement_updated",
           "movement_received", "movement_canceled", "other", "promotion", "quality_control", "received",
           "reservation_created", "reservation_deleted", "reservation_updated", "restock", "safety_stock",
           "shrinkage"}
ADJUST_NAMES = {"available", "damaged", "incoming", "on_hand", "quality_control", "reserved", "safety_stock"}
MAX_QTY = 1_000_000_000


def uerr(field, message, code):
    return {"field": [str(f) for f in field], "message": message, "code": code}


def idempotency_key(ctx, mutation):
    """The @idempotent(key:) of this root field, None when absent; errors by version."""
    key = None
    for name, args, line, col in ctx.directives:
        if name == "idempotent":
            if ctx.version < "2026-01":
                raise GQLError("Directive 'idempotent' is not defined", (line, col), code="undefinedDirective",
                               directiveName="idempotent")
            key = args.get("key")
            if hasattr(key, "name"):  # a $variable
                key = ctx.variables.get(key.name)
            if not isinstance(key, str) or not key:
                raise GQLError("Directive 'idempotent' is missing required arguments: key", (line, col),
                               code="missingRequiredArguments")
    if key is None and ctx.version >= "2026-04":
        # shopify.md §4: mandatory from 2026-04; the docs say "an error at runtime" without the text.
        raise GQLError(f"The @idempotent directive is required for the {mutation} mutation in this API version.",
                       code="IDEMPOTENCY_KEY_REQUIRED")
    return key


def with_idempotency(ctx, mutation, args, run):
    key = idempotency_key(ctx, mutation)
    if key is None:
        return run()
    fp = json.dumps([mutation, args], sort_keys=True)
    seen = ctx.store.idempotency.get(key)
    if seen is not None:
        if seen[0] != fp:
            return {"inventoryAdjustmentGroup": None, "userErrors": [uerr(
                [], "The same idempotency key cannot be used with different operation parameters.",
                "IDEMPOTENCY_KEY_PARAMETER_MISMATCH")]}
        ctx.counters["idempotent_replays"] = ctx.counters.get("idempotent_replays", 0) + 1
        return seen[1]
    result = run()
    ctx.store.idempotency[key] = (fp, result)
    return result


def _lookup(ctx, q, i, base, errors, item_field="inventoryItemId"):
    s = ctx.store
    iid = parse_gid(q[item_field], "InventoryItem")
    lid = parse_gid(q["locationId"], "Location")
    if iid is None or iid not in s.items:
        errors.append(uerr(base + [i, item_field], "The specified inventory item could not be found.",
                           "INVALID_INVENTORY_ITEM"))
        return None
    if lid is None or lid not in s.locations:
        errors.append(uerr(base + [i, "locationId"], "The specified location could not be found.",
                           "INVALID_LOCATION"))
        return None
    if (iid, lid) not in s.levels:
        errors.append(uerr(base + [i, "locationId"], "The specified inventory item is not stocked at the location.",
                           "ITEM_NOT_STOCKED_AT_LOCATION"))
        return None
    return iid, lid


def _common(inp, errors, names):
    if inp["name"] not in names:
        errors.append(uerr(["input", "name"], "The quantity name must be either 'available' or 'on_hand'."
                           if len(names) == 2 else "The specified quantity name is invalid.",
                           "INVALID_NAME" if len(names) == 2 else "INVALID_QUANTITY_NAME"))
    if inp["reason"] not in REASONS:
        errors.append(uerr(["input", "reason"], "The specified reason is invalid.", "INVALID_REASON"))
    uri = inp.get("referenceDocumentUri")
    if uri is not None and (":" not in uri or uri.startswith(":") or " " in uri):
        errors.append(uerr(["input", "referenceDocumentUri"], "The specified reference document is invalid.",
                           "INVALID_REFERENCE_DOCUMENT"))


def _group(ctx, inp, changes):
    s = ctx.store
    if not changes:
        return None
    gnum = s.next_id("InventoryAdjustmentGroup")
    rec = {"id": gid("InventoryAdjustmentGroup", gnum), "createdAt": now_iso(), "reason": inp["reason"],
           "referenceDocumentUri": inp.get("referenceDocumentUri"),
           "changes": [{"name": n, "delta": d, "quantityAfterChange": after,
                        "item": gid("InventoryItem", iid), "location": gid("Location", lid)}
                       for iid, lid, n, d, after in changes]}
    s.adjustment_groups.append(rec)
    out = dict(rec)
    out["changes"] = [{"name": n, "delta": d, "quantityAfterChange": after, "ledgerDocumentUri": None,
                       "item": Item(s, s.items[iid]), "location": Location(s, s.locations[lid])}
                      for iid, lid, n, d, after in changes]
    return out


def inventorySetQuantities(ctx, args):
    inp = args["input"]
    return with_idempotency(ctx, "inventorySetQuantities", args, lambda: _set(ctx, inp))


def _set(ctx, inp):
    s = ctx.store
    errors, plan, seen = [], [], set()
    _common(inp, errors, {"available", "on_hand"})
    base = ["input", "quantities"]
    for i, q in enumerate(inp["quantities"]):
        if ctx.version >= "2026-04" and "changeFromQuantity" not in q:
            raise GQLError("changeFromQuantity is required for every quantity in this API version "
                           f"(quantities.{i}); pass null to skip the compare-and-swap check.",
                           code="INVALID_FIELD_ARGUMENTS")
        key = _lookup(ctx, q, i, base, errors)
        if key is None:
            continue
        if key in seen:
            errors.append(uerr(base + [i], "The combination of inventoryItemId and locationId must be unique.",
                               "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR"))
            continue
        seen.add(key)
        if q["quantity"] < 0:
            errors.append(uerr(base + [i, "quantity"], "The quantity can't be negative.", "INVALID_QUANTITY_NEGATIVE"))
            continue
        if q["quantity"] > MAX_QTY:
            errors.append(uerr(base + [i, "quantity"], "The total quantity can't be higher than 1,000,000,000.",
                               "INVALID_QUANTITY_TOO_HIGH"))
            continue
        current = s.quantity(s.levels[key], inp["name"] if inp["name"] in ("available", "on_hand") else "available")
        if "changeFromQuantity" in q:  # 2026-01+: overrides compareQuantity/ignoreCompareQuantity
            if q["changeFromQuantity"] is not None and q["changeFromQuantity"] != current:
                errors.append(uerr(base + [i, "changeFromQuantity"],
                                   "The changeFromQuantity value does not match persisted value.",
                                   "CHANGE_FROM_QUANTITY_STALE"))
                continue
        elif not inp.get("ignoreCompareQuantity"):
            if q.get("compareQuantity") is None:
                errors.append(uerr(base + [i, "compareQuantity"], "The compareQuantity argument must be given to "
                                   "each quantity or ignored using ignoreCompareQuantity.",
                                   "COMPARE_QUANTITY_REQUIRED"))
                continue
            if q["compareQuantity"] != current:
                errors.append(uerr(base + [i, "compareQuantity"],
                                   "The compareQuantity value does not match persisted value.",
                                   "COMPARE_QUANTITY_STALE"))
                continue
        plan.append((key, q["quantity"] - current))
    if errors:
        return {"inventoryAdjustmentGroup": None, "userErrors": errors}
    changes = []
    for (iid, lid), delta in plan:
        for n, d, after in s.change(iid, lid, inp["name"], delta):
            changes.append((iid, lid, n, d, after))
    return {"inventoryAdjustmentGroup": _group(ctx, inp, changes), "userErrors": []}


def inventoryAdjustQuantities(ctx, args):
    inp = args["input"]
    return with_idempotency(ctx, "inventoryAdjustQuantities", args, lambda: _adjust(ctx, inp))


def _adjust(ctx, inp):
    s = ctx.store
    errors, plan = [], []
    _common(inp, errors, ADJUST_NAMES)
    base = ["input", "changes"]
    for i, c in enumerate(inp["changes"]):
        if ctx.version >= "2026-04" and "changeFromQuantity" not in c:
            raise GQLError("changeFromQuantity is required for every change in this API version "
                           f"(changes.{i}); pass null to skip the compare-and-swap check.",
                           code="INVALID_FIELD_ARGUMENTS")
        key = _lookup(ctx, c, i, base, errors)
        if key is None:
            continue
        name = inp["name"] if inp["name"] in ADJUST_NAMES else "available"
        current = s.quantity(s.levels[key], name)
        if c.get("changeFromQuantity") is not None and c["changeFromQuantity"] != current:
            errors.append(uerr(base + [i, "changeFromQuantity"],
                               "The changeFromQuantity value does not match persisted value.",
                               "CHANGE_FROM_QUANTITY_STALE"))
            continue
        if abs(current + c["delta"]) > MAX_QTY:
            errors.append(uerr(base + [i, "delta"], "The total quantity can't be higher than 1,000,000,000.",
                               "INVALID_QUANTITY_TOO_HIGH"))
            continue
        plan.append((key, name, c["delta"]))
    if errors:
        return {"inventoryAdjustmentGroup": None, "userErrors": errors}
    changes = []
    for (iid, lid), name, delta in plan:
        for n, d, after in s.change(iid, lid, name, delta):
            changes.append((iid, lid, n, d, after))
    return {"inventoryAdjustmentGroup": _group(ctx, inp, changes), "userErrors": []}


RESOLVERS = {"inventorySetQuantities": inventorySetQuantities, "inventoryAdjustQuantities": inventoryAdjustQuantities}
