"""ops_product.py - productSet (shopify.md §3's create/replace path), productCreate,
productUpdate, productVariantsBulkCreate, productVariantsBulkUpdate.

Money arrives already checked as a decimal string by input coercion (gql_exec); here
are the value rules that come back as userErrors, nothing applied:
  - a product without a title on create ("Title can't be blank");
  - a negative price (GREATER_THAN_OR_EQUAL_TO, ProductVariantsBulkUpdateUserErrorCode);
  - option values that are not among the product's options, duplicate variants;
  - an unknown product / variant id.
productSet is a "set": variants and files not listed are removed (shopify.dev productSet).
productCreate makes one variant (the first option values, or "Default Title");
productVariantsBulkCreate: strategy DEFAULT replaces a lone "Default Title" variant,
REMOVE_STANDALONE_VARIANT replaces the lone variant whatever its options,
PRESERVE_STANDALONE_VARIANT keeps it (*public docs*, ProductVariantsBulkCreateStrategy).
Error codes where shopify.md is silent are the simulator's nearest Shopify enum names.
"""
from decimal import Decimal

from .gql_types import Product, Variant
from .store import parse_gid

MAX_OPTIONS = 3
MAX_VARIANTS = 2048
MAX_PRICE = Decimal("1000000000000")


def uerr(field, message, code=None):
    e = {"field": [str(f) for f in field] if field is not None else None, "message": message}
    if code is not None:
        e["code"] = code
    return e


def _price_errors(v, base, errors):
    for k in ("price", "compareAtPrice"):
        if v.get(k) is None:
            continue
        d = Decimal(v[k])
        if d < 0:
            errors.append(uerr(base + [k], f"{'Price' if k == 'price' else 'Compare at price'} must be greater "
                                           f"than or equal to 0", "GREATER_THAN_OR_EQUAL_TO"))
        elif d > MAX_PRICE:
            errors.append(uerr(base + [k], "Price must be less than 1000000000000", "LESS_THAN"))


def _norm_price(p):
    return None if p is None else f"{Decimal(p).quantize(Decimal('0.01'))}"


def _variant_fields(v):
    item = v.get("inventoryItem") or {}
    out = {"sku": v.get("sku") if v.get("sku") is not None else item.get("sku"),
           "barcode": v.get("barcode"), "price": _norm_price(v.get("price")),
           "compareAtPrice": _norm_price(v.get("compareAtPrice")), "inventoryPolicy": v.get("inventoryPolicy"),
           "taxable": v.get("taxable", True), "tracked": item.get("tracked", True)}
    return out


def _apply_variant(s, rec, fields, options):
    for k in ("sku", "barcode", "price", "inventoryPolicy"):
        if fields.get(k) is not None:
            rec[k] = fields[k]
    if "compareAtPrice" in fields:
        rec["compareAtPrice"] = fields["compareAtPrice"]
    if options is not None:
        rec["options"] = options
    s.items[rec["inventory_item_id"]]["tracked"] = fields.get("tracked", True)


def _option_map(v, opt_values, base, errors, i):
    """{option name: value} from a variant's optionValues, checked against opt_values (name -> [values])."""
    got = {}
    for ov in v.get("optionValues") or []:
        name = ov.get("optionName")
        if name is None and ov.get("optionId"):
            name = next((n for n in opt_values if n == ov["optionId"]), None)
        if name not in opt_values:
            errors.append(uerr(base + [i, "optionValues"], f"Option '{name}' does not exist.", "OPTION_DOES_NOT_EXIST"))
            return None
        if ov.get("name") not in opt_values[name]:
            errors.append(uerr(base + [i, "optionValues"], f"Option value '{ov.get('name')}' does not exist on "
                               f"option '{name}'.", "OPTION_VALUE_DOES_NOT_EXIST"))
            return None
        got[name] = ov["name"]
    missing = [n for n in opt_values if n not in got]
    if missing:
        errors.append(uerr(base + [i, "optionValues"], f"Variant is missing a value for option '{missing[0]}'.",
                           "OPTION_VALUES_MISSING"))
        return None
    return {n: got[n] for n in opt_values}


def _set_inventory(s, item_id, entries, errors, base, qty_key="quantity", name_key="name"):
    plan = []
    for j, q in enumerate(entries or []):
        lid = parse_gid(q["locationId"], "Location")
        if lid not in s.locations:
            errors.append(uerr(base + [j, "locationId"], "The specified location could not be found.",
                               "INVALID_LOCATION"))
            continue
        name = q.get(name_key, "available")
        if name not in ("available", "on_hand"):
            errors.append(uerr(base + [j, "name"], "The quantity name must be either 'available' or 'on_hand'.",
                               "INVALID_NAME"))
            continue
        if q[qty_key] < 0:
            errors.append(uerr(base + [j, qty_key], "The quantity can't be negative.", "INVALID_QUANTITY_NEGATIVE"))
            continue
        plan.append((lid, name, q[qty_key]))
    return plan


def _apply_inventory(s, item_id, plan):
    for lid, name, qty in plan:
        lvl = s.stock_at(item_id, lid)
        s.change(item_id, lid, name, qty - s.quantity(lvl, name))


def _files_errors(files, base, errors):
    for i, f in enumerate(files or []):
        src = f.get("originalSource") or ""
        if not (src.startswith("https://") or src.startswith("http://")):
            errors.append(uerr(base + [i, "originalSource"], "Image URL is invalid", "INVALID"))


# ---------------------------------------------------------------------- productSet

def productSet(ctx, args):
    s, inp = ctx.store, args["input"]
    errors = []
    target = None
    ident = args.get("identifier") or {}
    pid_gid = inp.get("id") or ident.get("id")
    if pid_gid is not None:
        target = s.products.get(parse_gid(pid_gid, "Product"))
        if target is None:
            errors.append(uerr(["input", "id"], "Product does not exist", "PRODUCT_DOES_NOT_EXIST"))
    elif ident.get("handle"):
        target = next((p for p in s.products.values() if p["handle"] == ident["handle"]), None)
    if target is None and not errors and not (inp.get("title") or "").strip():
        errors.append(uerr(["input", "title"], "Title can't be blank", "BLANK"))
    opts = inp.get("productOptions")
    variants = inp.get("variants")
    if opts is not None and len(opts) > MAX_OPTIONS:
        errors.append(uerr(["input", "productOptions"], "Can only specify a maximum of 3 options",
                           "OPTIONS_OVER_LIMIT"))
    if variants is not None and len(variants) > MAX_VARIANTS:
        errors.append(uerr(["input", "variants"], f"Can only specify a maximum of {MAX_VARIANTS} variants",
                           "VARIANTS_OVER_LIMIT"))
    opt_values = None
    if opts is not None:
        opt_values = {o.get("name"): [v.get("name") for v in (o.get("values") or [])] for o in opts}
        if any(not n for n in opt_values) or any(not vs for vs in opt_values.values()):
            errors.append(uerr(["input", "productOptions"], "Each option needs a name and at least one value.",
                               "INVALID_PRODUCT_OPTIONS"))
            opt_values = None
    elif variants is not None:
        if len(variants) > 1 or any(v.get("optionValues") for v in variants):
            errors.append(uerr(["input", "productOptions"], "Product options input is required when updating "
                               "variants.", "PRODUCT_OPTIONS_INPUT_MISSING"))
        else:
            opt_values = {"Title": ["Default Title"]}
    planned, combos = [], set()
    for i, v in enumerate(variants or []):
        base = ["input", "variants"]
        _price_errors(v, base + [i], errors)
        if opt_values is None:
            continue
        if opt_values == {"Title": ["Default Title"]} and not v.get("optionValues"):
            om = {"Title": "Default Title"}
        else:
            om = _option_map(v, opt_values, base, errors, i)
        if om is None:
            continue
        combo = tuple(om.values())
        if combo in combos:
            errors.append(uerr(base + [i], f"The variant '{' / '.join(combo)}' already exists.",
                               "VARIANT_ALREADY_EXISTS"))
            continue
        combos.add(combo)
        existing = None
        if v.get("id") is not None:
            existing = s.variants.get(parse_gid(v["id"], "ProductVariant"))
            if existing is None or target is None or existing["product_id"] != target["id"]:
                errors.append(uerr(base + [i, "id"], "Product variant does not exist",
                                   "PRODUCT_VARIANT_DOES_NOT_EXIST"))
                continue
        elif target is not None:
            existing = next((s.variants[x] for x in target["variant_ids"]
                             if tuple(s.variants[x]["options"].get(n) for n in om) == combo), None)
        inv = _set_inventory(s, None, v.get("inventoryQuantities"), errors, base + [i, "inventoryQuantities"])
        planned.append((existing, _variant_fields(v), om, inv))
    _files_errors(inp.get("files"), ["input", "files"], errors)
    if errors:
        return {"product": None, "productSetOperation": None, "userErrors": errors}

    created = target is None
    p = s.new_product(inp) if created else target
    for k in ("title", "handle", "descriptionHtml", "vendor", "productType", "status", "tags"):
        if k in inp and inp[k] is not None and not created:
            p[k] = inp[k]
    if opt_values is not None:
        s.set_options(p, list(opt_values.items()))
    if variants is not None:
        keep = set()
        for pos, (existing, fields, om, inv) in enumerate(planned, 1):
            if existing is None:
                existing = s.new_variant(p, dict(fields, options=om), pos)
            else:
                _apply_variant(s, existing, fields, om)
                existing["position"] = pos
                existing["updatedAt"] = p["updatedAt"]
            keep.add(existing["id"])
            _apply_inventory(s, existing["inventory_item_id"], inv)
        for vid in [x for x in p["variant_ids"] if x not in keep]:
            s.delete_variant(vid)
    elif created:
        first = {n: vals[0] for n, vals in (opt_values or {"Title": ["Default Title"]}).items()}
        if opt_values is None:
            s.set_options(p, [("Title", ["Default Title"])])
        s.new_variant(p, {"options": first}, 1)
    if inp.get("files") is not None:
        s.set_media(p, inp["files"])
    s.touch_product(p)
    s.events.append(("products/create" if created else "products/update", p["id"]))
    if args.get("synchronous") is False:
        op = {"id": f"gid://shopify/ProductSetOperation/{s.next_id('ProductSetOperation')}", "status": "COMPLETE",
              "product": Product(s, p)}
        return {"product": None, "productSetOperation": op, "userErrors": []}
    return {"product": Product(s, p), "productSetOperation": None, "userErrors": []}


# ---------------------------------------------------------------------- productCreate / productUpdate

def productCreate(ctx, args):
    s = ctx.store
    inp = args.get("product") or args.get("input")
    if inp is None:
        return {"product": None, "userErrors": [uerr(["product"], "Product input is required")]}
    errors = []
    if not (inp.get("title") or "").strip():
        errors.append(uerr(["title"], "Title can't be blank"))
    if inp.get("id"):
        errors.append(uerr(["id"], "Cannot specify an id when creating a product"))
    opts = [(o.get("name"), [v.get("name") for v in o.get("values") or []]) for o in inp.get("productOptions") or []]
    if len(opts) > MAX_OPTIONS:
        errors.append(uerr(["productOptions"], "Can only specify a maximum of 3 options"))
    if any(not n or not vs for n, vs in opts):
        errors.append(uerr(["productOptions"], "Each option needs a name and at least one value."))
    media = args.get("media") or []
    for i, m in enumerate(media):
        if not m["originalSource"].startswith(("https://", "http://")):
            errors.append(uerr(["media", str(i), "originalSource"], "Image URL is invalid"))
    if errors:
        return {"product": None, "userErrors": errors}
    p = s.new_product(inp)
    s.set_options(p, opts or [("Title", ["Default Title"])])
    s.new_variant(p, {"options": {n: vs[0] for n, vs in (opts or [("Title", ["Default Title"])])}}, 1)
    s.set_media(p, [{"originalSource": m["originalSource"], "alt": m.get("alt")} for m in media])
    s.events.append(("products/create", p["id"]))
    return {"product": Product(s, p), "userErrors": []}


def productUpdate(ctx, args):
    s = ctx.store
    inp = args.get("product") or args.get("input") or {}
    p = s.products.get(parse_gid(inp.get("id"), "Product"))
    if p is None:
        return {"product": None, "userErrors": [uerr(["id"], "Product does not exist")]}
    if "title" in inp and not (inp["title"] or "").strip():
        return {"product": None, "userErrors": [uerr(["title"], "Title can't be blank")]}
    for k in ("title", "handle", "descriptionHtml", "vendor", "productType", "status", "tags"):
        if inp.get(k) is not None:
            p[k] = inp[k]
    media = args.get("media") or []
    if media:
        s.set_media(p, [{"originalSource": m["url"], "alt": m.get("alt")} for m in p["media"]] +
                    [{"originalSource": m["originalSource"], "alt": m.get("alt")} for m in media])
    s.touch_product(p)
    s.events.append(("products/update", p["id"]))
    return {"product": Product(s, p), "userErrors": []}


# ---------------------------------------------------------------------- bulk variants

def _standalone(s, p):
    return len(p["variant_ids"]) == 1 and [o["name"] for o in p["options"]] == ["Title"] and \
        s.variants[p["variant_ids"][0]]["options"] == {"Title": "Default Title"}


def productVariantsBulkCreate(ctx, args):
    s = ctx.store
    p = s.products.get(parse_gid(args["productId"], "Product"))
    if p is None:
        return {"product": None, "productVariants": [],
                "userErrors": [uerr(["productId"], "Product does not exist", "PRODUCT_DOES_NOT_EXIST")]}
    strategy = args.get("strategy") or "DEFAULT"
    # DEFAULT drops a lone "Default Title" variant; REMOVE_STANDALONE_VARIANT drops the lone variant
    # whatever its options; PRESERVE_STANDALONE_VARIANT keeps it (ProductVariantsBulkCreateStrategy).
    replace = len(p["variant_ids"]) == 1 and (strategy == "REMOVE_STANDALONE_VARIANT" or
                                              (strategy == "DEFAULT" and _standalone(s, p)))
    errors, planned = [], []
    existing = set() if replace else {tuple(s.variants[x]["options"].values()) for x in p["variant_ids"]}
    names = [] if replace else [o["name"] for o in p["options"]]
    for i, v in enumerate(args["variants"]):
        base = ["variants", i]
        _price_errors(v, base, errors)
        if v.get("id"):
            errors.append(uerr(base + ["id"], "Variant id cannot be specified on create", "INVALID_INPUT"))
            continue
        ovs = v.get("optionValues") or []
        om = {ov.get("optionName"): ov.get("name") for ov in ovs}
        if not names:
            names = list(om)
        if not om or set(om) != set(names) or any(not x for x in om.values()):
            errors.append(uerr(base + ["optionValues"], "Option values must name a value for each of the product's "
                               f"options ({', '.join(names) or 'none'}).", "MUST_SPECIFY_ONE_VALUE_FOR_EACH_OPTION"))
            continue
        combo = tuple(om[n] for n in names)
        if combo in existing:
            errors.append(uerr(base, f"The variant '{' / '.join(combo)}' already exists.", "VARIANT_ALREADY_EXISTS"))
            continue
        existing.add(combo)
        inv = _set_inventory(s, None, [{"locationId": q["locationId"], "name": "available",
                                        "availableQuantity": q["availableQuantity"]}
                                       for q in v.get("inventoryQuantities") or []],
                             errors, base + ["inventoryQuantities"], qty_key="availableQuantity")
        planned.append(({n: om[n] for n in names}, _variant_fields(v), inv))
    if errors:
        return {"product": None, "productVariants": [], "userErrors": errors}
    if replace:
        for vid in list(p["variant_ids"]):
            s.delete_variant(vid)
        p["options"] = []
    out = []
    for om, fields, inv in planned:
        s.add_option_values(p, om.items())
        v = s.new_variant(p, dict(fields, options=om), len(p["variant_ids"]) + 1)
        _apply_inventory(s, v["inventory_item_id"], inv)
        out.append(Variant(s, v))
    s.touch_product(p)
    s.events.append(("products/update", p["id"]))
    return {"product": Product(s, p), "productVariants": out, "userErrors": []}


def productVariantsBulkUpdate(ctx, args):
    s = ctx.store
    p = s.products.get(parse_gid(args["productId"], "Product"))
    if p is None:
        return {"product": None, "productVariants": [],
                "userErrors": [uerr(["productId"], "Product does not exist", "PRODUCT_DOES_NOT_EXIST")]}
    errors, planned = [], []
    for i, v in enumerate(args["variants"]):
        base = ["variants", i]
        errs_before = len(errors)
        if not v.get("id"):
            errors.append(uerr(base + ["id"], "Product variant is missing ID attribute", "PRODUCT_VARIANT_ID_MISSING"))
            continue
        rec = s.variants.get(parse_gid(v["id"], "ProductVariant"))
        if rec is None or rec["product_id"] != p["id"]:
            errors.append(uerr(base + ["id"], "Product variant does not exist", "PRODUCT_VARIANT_DOES_NOT_EXIST"))
            continue
        _price_errors(v, base, errors)
        if v.get("inventoryQuantities"):
            errors.append(uerr(base + ["inventoryQuantities"], "Inventory quantities can only be provided during "
                               "create. To update inventory for existing variants, use inventoryAdjustQuantities.",
                               "NO_INVENTORY_QUANTITIES_ON_VARIANTS_UPDATE"))
        om = None
        if v.get("optionValues"):
            om = dict(rec["options"])
            for ov in v["optionValues"]:
                if ov.get("optionName") not in om:
                    errors.append(uerr(base + ["optionValues"], f"Option '{ov.get('optionName')}' does not exist.",
                                       "OPTION_DOES_NOT_EXIST"))
                    break
                om[ov["optionName"]] = ov.get("name")
        if len(errors) == errs_before:
            fields = _variant_fields(v)
            if "compareAtPrice" not in v:
                fields.pop("compareAtPrice")
            if "inventoryItem" not in v or "tracked" not in (v.get("inventoryItem") or {}):
                fields["tracked"] = s.items[rec["inventory_item_id"]]["tracked"]
            planned.append((rec, fields, om))
    if errors and not args.get("allowPartialUpdates"):
        return {"product": None, "productVariants": None, "userErrors": errors}
    out = []
    for rec, fields, om in planned:
        if om is not None:
            s.add_option_values(p, om.items())
        _apply_variant(s, rec, fields, om)
        out.append(Variant(s, rec))
    if planned:
        s.touch_product(p)
        for rec, _, _ in planned:
            rec["updatedAt"] = p["updatedAt"]
        s.events.append(("products/update", p["id"]))
    return {"product": Product(s, p), "productVariants": out, "userErrors": errors}


RESOLVERS = {"productSet": productSet, "productCreate": productCreate, "productUpdate": productUpdate,
             "productVariantsBulkCreate": productVariantsBulkCreate,
             "productVariantsBulkUpdate": productVariantsBulkUpdate}
