#!/usr/bin/python3
"""Generate the sample catalog: conf.d/samples/catalog.jsonl and catalog.csv.

Shoes and apparel of a few invented brands: sneakers (EU 38-46), boots,
t-shirts (XS-XXL), hoodies, jeans (waist x length) and accessories, priced
in EUR minor units, with EAN-13 barcodes (valid check digits, in the 20-29
"in-store" prefix range so they never clash with real products), weights and
stock in two locations ("default" and "warehouse-2", some zeros).

Both files hold the same data, so importing either gives the same canonical
events (tests/unit/test_import_sample.c checks that).  Deterministic: a fixed
seed, no clock; run it again and the output is byte for byte the same.

    /usr/bin/python3 tools/gen-catalog.py [--out conf.d/samples] [--seed N]
"""

import argparse
import csv
import io
import json
import os
import random
import sys

SEED = 20261125

BRANDS = {
    "Nordkap": "Scandinavian outdoor footwear since 1968",
    "Fjellstad": "hand-lasted leather boots",
    "Brightside Athletics": "running and training gear",
    "Lumen & Loom": "organic cotton basics",
    "Kestrel Denim": "selvedge denim, cut in Porto",
    "Urban Moss": "streetwear for rainy cities",
}

COLOURS = ["black", "white", "navy", "grey", "olive", "sand", "burgundy", "brown", "red", "teal"]
SNEAKER_SIZES = [str(s) for s in range(38, 47)]
BOOT_SIZES = [str(s) for s in range(39, 46)]
TOP_SIZES = ["XS", "S", "M", "L", "XL", "XXL"]
HOODIE_SIZES = ["S", "M", "L", "XL", "XXL"]
WAISTS = ["30", "32", "34", "36"]
LENGTHS = ["30", "32", "34"]

# (kind, product name, brand, colours or None for a random pick, price in cents)
PRODUCTS = [
    ("sneaker", "Aurora Runner", "Brightside Athletics", ["black", "white"], 8990),
    ("sneaker", "Tempo Knit Trainer", "Brightside Athletics", ["grey", "navy"], 9990),
    ("sneaker", "Harbour Court Low", "Urban Moss", ["white"], 7990),
    ("sneaker", "Drift Trail", "Nordkap", ["olive", "black"], 12990),
    ("sneaker", "Canvas Classic", "Urban Moss", ["white", "red"], 5990),
    ("sneaker", "Pace Racer", "Brightside Athletics", ["teal"], 13990),
    ("boot", "Chelsea Boot", "Fjellstad", ["brown", "black"], 17990),
    ("boot", "Ridge Hiker", "Nordkap", ["brown"], 18990),
    ("boot", "Fjord Winter Boot", "Nordkap", ["black"], 21990),
    ("boot", "Workshop Lace-up", "Fjellstad", ["sand"], 16990),
    ("tee", "Everyday Crew Tee", "Lumen & Loom", ["white", "black"], 1990),
    ("tee", "Pocket Tee", "Lumen & Loom", ["navy", "grey"], 2490),
    ("tee", "Long Sleeve Waffle Tee", "Lumen & Loom", ["sand"], 3490),
    ("tee", "Graphic Tee \"Rain City\"", "Urban Moss", ["black"], 2990),
    ("tee", "Merino Run Tee", "Brightside Athletics", ["teal", "black"], 4990),
    ("tee", "Heavyweight Box Tee", "Urban Moss", ["olive"], 3290),
    ("hoodie", "Campus Hoodie", "Lumen & Loom", ["grey", "navy"], 5990),
    ("hoodie", "Zip Fleece Hoodie", "Nordkap", ["black"], 7990),
    ("hoodie", "Oversized Hoodie", "Urban Moss", ["sand", "burgundy"], 6990),
    ("hoodie", "Training Half-Zip", "Brightside Athletics", ["navy"], 6490),
    ("jeans", "Slim Selvedge Jeans", "Kestrel Denim", ["indigo"], 11990),
    ("jeans", "Straight Rinse Jeans", "Kestrel Denim", ["indigo"], 9990),
    ("jeans", "Relaxed Carpenter Jeans", "Kestrel Denim", ["ecru"], 10990),
    ("cap", "Six-Panel Cap", "Urban Moss", ["black", "olive", "sand"], 2490),
    ("cap", "Trail Running Cap", "Brightside Athletics", ["white", "teal"], 2290),
    ("beanie", "Ribbed Wool Beanie", "Nordkap", ["grey", "burgundy", "navy"], 2790),
    ("socks", "Cushioned Run Socks (3-pack)", "Brightside Athletics", ["white"], 1490),
    ("socks", "Wool Hiking Socks", "Nordkap", ["grey"], 1990),
    ("belt", "Leather Belt", "Fjellstad", ["brown", "black"], 4990),
    ("scarf", "Lambswool Scarf", "Lumen & Loom", ["grey", "burgundy"], 3990),
    ("sneaker", "Street Slip-On", "Urban Moss", ["black"], 6490),
    ("boot", "Chukka Suede", "Fjellstad", ["sand"], 15990),
    ("tee", "Organic Polo", "Lumen & Loom", ["white"], 3990),
    ("hoodie", "Rain Shell Anorak", "Urban Moss", ["olive"], 9990),
    ("jeans", "Tapered Black Jeans", "Kestrel Denim", ["black"], 10990),
    ("cap", "Wool Flat Cap", "Fjellstad", ["brown"], 3490),
    ("socks", "Everyday Crew Socks (5-pack)", "Lumen & Loom", ["black"], 1790),
    ("beanie", "Merino Watch Cap", "Brightside Athletics", ["black"], 2490),
    ("belt", "Webbing Belt", "Urban Moss", ["olive"], 2490),
    ("scarf", "Cotton Bandana", "Urban Moss", ["red"], 1290),
]

KINDS = {
    # kind: (category, options, sizes, base weight g, description template)
    "sneaker": ("Shoes > Sneakers", ["size", "colour"], SNEAKER_SIZES, 620,
                "{name} by {brand}: a breathable upper on a cushioned, grippy sole. "
                "True to size; EU sizing."),
    "boot": ("Shoes > Boots", ["size", "colour"], BOOT_SIZES, 1150,
             "{name} by {brand}, {brandline}. Full-grain leather, Goodyear-welted sole, "
             "resoleable."),
    "tee": ("Apparel > T-Shirts", ["size", "colour"], TOP_SIZES, 180,
            "{name}: 100% organic cotton jersey, pre-shrunk, relaxed fit."),
    "hoodie": ("Apparel > Hoodies", ["size", "colour"], HOODIE_SIZES, 560,
               "{name} by {brand}. Brushed-back fleece, kangaroo pocket, ribbed cuffs."),
    "jeans": ("Apparel > Jeans", ["waist", "length"], None, 780,
              "{name} by {brand}, {brandline}. 13.5 oz denim; waist and inseam in inches."),
    "cap": ("Accessories > Hats", ["colour"], None, 90,
            "{name}: adjustable strap, one size fits most."),
    "beanie": ("Accessories > Hats", ["colour"], None, 80,
               "{name}: soft, warm and itch-free. One size."),
    "socks": ("Accessories > Socks", ["size"], ["35-38", "39-42", "43-46"], 120,
              "{name}: reinforced heel and toe, arch support."),
    "belt": ("Accessories > Belts", ["size", "colour"], ["S", "M", "L"], 210,
             "{name} by {brand}: solid brass buckle, 35 mm wide."),
    "scarf": ("Accessories > Scarves", ["colour"], None, 150,
              "{name}: generous 180 x 30 cm, fringed ends."),
}

CODE = {"black": "BLK", "white": "WHT", "navy": "NVY", "grey": "GRY", "olive": "OLV",
        "sand": "SND", "burgundy": "BRG", "brown": "BRN", "red": "RED", "teal": "TEA",
        "indigo": "IND", "ecru": "ECR"}


def ean13(body12):
    """EAN-13 from its first 12 digits: append the check digit."""
    s = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body12))
    return body12 + str((10 - s % 10) % 10)


def slug(text):
    out = []
    for ch in text.lower():
        if ch.isalnum():
            out.append(ch)
        elif out and out[-1] != "-":
            out.append("-")
    return "".join(out).strip("-")


def initials(name):
    words = [w for w in slug(name).split("-") if w and not w.isdigit()]
    return "".join(w[:3].upper() for w in words[:2])


def size_step(combo, sizes):
    """Bigger sizes weigh more: steps from the middle size (jeans: by waist)."""
    if "waist" in combo:
        return WAISTS.index(combo["waist"]) - len(WAISTS) // 2
    if sizes and "size" in combo:
        return sizes.index(combo["size"]) - len(sizes) // 2
    return 0


def cents(amount):
    return "%d.%02d" % (amount // 100, amount % 100)


def build(seed):
    rng = random.Random(seed)
    barcode = 0
    products = []
    for kind, name, brand, colours, price in PRODUCTS:
        category, options, sizes, weight, desc = KINDS[kind]
        pid = "%s-%s" % (kind, slug(name))
        prefix = initials(name)
        product = {
            "id": pid,
            "title": name,
            "brand": brand,
            "category": category,
            "description": desc.format(name=name, brand=brand, brandline=BRANDS[brand]),
            "options": options,
            "images": ["https://example.com/images/%s/%s.jpg" % (pid, slug(c)) for c in colours],
            "tags": sorted({kind, slug(brand), category.split(" > ")[0].lower()}),
            "status": "active",
            "variants": [],
        }
        if name == "Rain Shell Anorak":
            product["status"] = "draft"  # not yet on sale: channels decide what to show
        compare = rng.random() < 0.25
        combos = []
        if options == ["waist", "length"]:
            combos = [{"waist": w, "length": l} for w in WAISTS for l in LENGTHS]
        elif options == ["colour"]:
            combos = [{"colour": c} for c in colours]
        elif options == ["size"]:
            combos = [{"size": s} for s in sizes]
        else:
            combos = [{"size": s, "colour": c} for c in colours for s in sizes]
        for combo in combos:
            barcode += 1
            parts = [prefix] + [CODE.get(v, v.upper()) for v in combo.values()]
            if options == ["waist", "length"]:
                parts = [prefix, CODE[colours[0]], "W" + combo["waist"], "L" + combo["length"]]
            sku = "-".join(parts)
            variant = {
                "sku": sku,
                "options": combo,
                "price": price,
                "currency": "EUR",
                "barcode": ean13("20%010d" % (barcode * 7919 % 10**10)),
                "weight_g": weight + size_step(combo, sizes) * max(5, weight // 40),
            }
            if compare:
                variant["compare_at"] = price + rng.choice([1000, 2000, 3000])
            # stock: zeros on purpose (sold-out sizes, an empty second warehouse)
            default = 0 if rng.random() < 0.12 else rng.randint(1, 40)
            second = 0 if rng.random() < 0.35 else rng.randint(1, 25)
            variant["stock"] = {"default": default, "warehouse-2": second}
            product["variants"].append(variant)
        products.append(product)
    return products


def jsonl(products):
    out = io.StringIO()
    for p in products:
        out.write(json.dumps(p, ensure_ascii=False, separators=(",", ":")) + "\n")
    return out.getvalue()


CSV_COLUMNS = ["product_id", "title", "brand", "category", "description", "status", "tags",
               "image_urls", "sku", "option1_name", "option1_value", "option2_name",
               "option2_value", "price", "currency", "compare_at", "barcode", "weight_g",
               "location", "on_hand"]


def csv_text(products):
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for p in products:
        for vi, v in enumerate(p["variants"]):
            for li, (loc, qty) in enumerate(sorted(v["stock"].items())):
                row = dict.fromkeys(CSV_COLUMNS, "")
                row["product_id"] = p["id"]
                row["sku"] = v["sku"]
                row["location"] = loc
                row["on_hand"] = qty
                if vi == 0 and li == 0:
                    row.update(title=p["title"], brand=p["brand"], category=p["category"],
                               description=p["description"], status=p["status"],
                               tags="|".join(p["tags"]), image_urls=" ".join(p["images"]))
                if li == 0:
                    names = p["options"]
                    for k, n in enumerate(names):
                        row["option%d_name" % (k + 1)] = n
                        row["option%d_value" % (k + 1)] = v["options"][n]
                    row.update(price=cents(v["price"]), currency=v["currency"],
                               barcode=v["barcode"], weight_g=v["weight_g"])
                    if "compare_at" in v:
                        row["compare_at"] = cents(v["compare_at"])
                w.writerow([row[c] for c in CSV_COLUMNS])
    return out.getvalue()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out", default=os.path.join(here, "..", "conf.d", "samples"))
    ap.add_argument("--seed", type=int, default=SEED)
    args = ap.parse_args()
    products = build(args.seed)
    os.makedirs(args.out, exist_ok=True)
    for name, text in (("catalog.jsonl", jsonl(products)), ("catalog.csv", csv_text(products))):
        with open(os.path.join(args.out, name), "w", encoding="utf-8", newline="") as f:
            f.write(text)
    skus = sum(len(p["variants"]) for p in products)
    print("%d products, %d SKUs -> %s" % (len(products), skus, os.path.normpath(args.out)),
          file=sys.stderr)


if __name__ == "__main__":
    main()
