"""The Shopify simulator behaves like Shopify (docs/channels/shopify.md) for the Admin
GraphQL API: auth, versions, cost and throttling, inventory compare-and-swap and
idempotency, the 250-item input limit, product creation, reads and the orders backfill.
Webhook behaviour is in test_sim_shopify_webhooks.py."""
import time

import pytest

from shopify_sim import ShopifySim

LOC1 = "gid://shopify/Location/1"

PRODUCT_SET = """mutation P($input: ProductSetInput!) {
  productSet(input: $input, synchronous: true) {
    product { id title variants(first: 250) { nodes { id sku price inventoryItem { id } } } }
    userErrors { field message code } } }"""

SET_QTY = """mutation S($input: InventorySetQuantitiesInput!) {
  inventorySetQuantities(input: $input) @idempotent(key: $key) {
    inventoryAdjustmentGroup { changes { name delta quantityAfterChange item { id } location { id } } }
    userErrors { field message code } } }"""
SET_QTY_VARS = SET_QTY.replace("mutation S($input: InventorySetQuantitiesInput!)",
                               "mutation S($input: InventorySetQuantitiesInput!, $key: String!)")
SET_QTY_NO_KEY = SET_QTY.replace(" @idempotent(key: $key)", "")

LEVEL = """query L($id: ID!) { inventoryItem(id: $id) { inventoryLevels(first: 5) {
  nodes { location { id } quantities(names: ["available", "on_hand"]) { name quantity } } } } }"""


@pytest.fixture
def sim(tmp_path):
    s = ShopifySim(tmp_path)
    yield s
    s.stop()


def make_product(sim, title="Tee", skus=("TEE-S", "TEE-M"), price="19.99", stock=5, version="2026-04"):
    sizes = [s.split("-")[-1] for s in skus]
    variables = {"input": {
        "title": title, "status": "ACTIVE",
        "productOptions": [{"name": "Size", "values": [{"name": z} for z in sizes]}],
        "variants": [{"optionValues": [{"optionName": "Size", "name": z}], "sku": sku, "price": price,
                      "inventoryItem": {"tracked": True},
                      "inventoryQuantities": [{"locationId": LOC1, "name": "available", "quantity": stock}]}
                     for sku, z in zip(skus, sizes)]}}
    d = sim.data(PRODUCT_SET, variables, version)["productSet"]
    assert d["userErrors"] == [], d
    return {v["sku"]: v for v in d["product"]["variants"]["nodes"]}, d["product"]["id"]


def available(sim, item_id, version=None):
    """Stock at Location/1 read through the control plane (costs no API points)."""
    st = sim.state()
    sku = next(v["sku"] for p in st["products"] for v in p["variants"] if v["inventoryItemId"] == item_id)
    return st["inventory"][sku]["1"]["available"]


def available_api(sim, item_id, version="2026-04"):
    lv = sim.data(LEVEL, {"id": item_id}, version)["inventoryItem"]["inventoryLevels"]["nodes"]
    return {q["name"]: q["quantity"] for q in lv[0]["quantities"]}["available"]


def set_input(item, qty, **extra):
    return {"name": "available", "reason": "correction", "referenceDocumentUri": "gid://hub/SyncJob/1",
            "quantities": [dict({"inventoryItemId": item, "locationId": LOC1, "quantity": qty}, **extra)]}


# ---------------------------------------------------------------- auth and versions

def test_bad_or_missing_token_is_401_and_changes_nothing(sim):
    variants, _ = make_product(sim)
    item = variants["TEE-S"]["inventoryItem"]["id"]
    for token in ("shpat_wrong", False, ""):
        st, _, doc = sim.gql(SET_QTY_VARS, {"input": set_input(item, 1, changeFromQuantity=None), "key": "k"},
                             token=token)
        assert st == 401
        assert doc == {"errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"}
    assert available(sim, item) == 5
    assert sim.state()["counters"]["unauthorized"] == 3


def test_versions_fall_forward_or_404(tmp_path):
    s = ShopifySim(tmp_path, api_versions="2026-01,2026-04")
    try:
        st, h, doc = s.gql("{ shop { myshopifyDomain } }", version="2026-01")
        assert st == 200 and h["x-shopify-api-version"] == "2026-01"
        assert doc["data"]["shop"]["myshopifyDomain"] == "demo-shop.myshopify.com"
        st, h, _ = s.gql("{ shop { name } }", version="2024-07")  # retired: the oldest supported serves it
        assert st == 200 and h["x-shopify-api-version"] == "2026-01"
        for bad in ("2027-01", "2026-02", "latest", "v1"):
            st, _, doc = s.gql("{ shop { name } }", version=bad)
            assert st == 404, bad
    finally:
        s.stop()


def test_unsupported_or_broken_queries_are_graphql_errors_not_crashes(sim):
    st, _, doc = sim.gql("{ shop { nme } }")
    assert st == 200 and doc["errors"][0]["extensions"]["code"] == "undefinedField"
    assert "cost" in doc["extensions"]
    st, _, doc = sim.gql("{ draftOrders(first: 1) { nodes { id } } }")
    assert st == 200 and "doesn't exist on type 'QueryRoot'" in doc["errors"][0]["message"]
    st, _, doc = sim.gql("mutation { inventorySetQuantities(input: {name: \"available\"")
    assert st == 200 and doc["errors"][0]["locations"]
    st, _, doc = sim.gql("{ products { nodes { id } } }")
    assert doc["errors"][0]["message"] == "you must provide one of first or last"
    st, _, doc = sim.gql("query Q($n: Int!) { products(first: $n) { nodes { id } } }", {})
    assert "was provided invalid value" in doc["errors"][0]["message"]
    st, _, doc = sim.call("POST", "/admin/api/2026-04/graphql.json", raw=b"{not json",
                          headers={"X-Shopify-Access-Token": sim.token})
    assert st == 400
    # after all of that the sim still answers
    assert sim.data("{ shop { name } }")["shop"]["name"] == "demo-shop"
    assert sim.state()["counters"].get("sim_bugs", 0) == 0


# ---------------------------------------------------------------- cost and throttling

def test_cost_numbers_follow_the_doc(sim):
    st, _, doc = sim.gql("{ shop { name } }")
    cost = doc["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 1 and cost["actualQueryCost"] == 1
    assert cost["throttleStatus"]["maximumAvailable"] == 2000.0
    assert cost["throttleStatus"]["restoreRate"] == 100.0  # Standard plan (shopify.md §2)
    make_product(sim)
    # connection: 2 + first x (1 per node + 1 per nested object)
    st, _, doc = sim.gql("{ productVariants(first: 10) { nodes { id sku inventoryItem { id } } } }")
    cost = doc["extensions"]["cost"]
    assert cost["requestedQueryCost"] == 2 + 10 * 2
    assert cost["actualQueryCost"] == 2 + 2 * 2  # two variants came back: the rest is refunded
    st, _, doc = sim.gql("{ products(first: 250) { nodes { variants(first: 250) { nodes { id } } } } }")
    assert doc["errors"][0]["extensions"]["code"] == "MAX_COST_EXCEEDED" and "data" not in doc


@pytest.mark.parametrize("plan,restore", [("advanced", 200.0), ("plus", 1000.0)])
def test_plan_restore_rates(tmp_path, plan, restore):
    s = ShopifySim(tmp_path, plan=plan)
    try:
        t = s.gql("{ shop { name } }")[2]["extensions"]["cost"]["throttleStatus"]
        assert t["restoreRate"] == restore and t["maximumAvailable"] == restore * 20
    finally:
        s.stop()


def test_bucket_drains_throttles_without_effect_and_restores(sim):
    variants, _ = make_product(sim)
    item = variants["TEE-S"]["inventoryItem"]["id"]
    sim.control(capacity=35, restore=10)
    results = []
    for n in range(5):
        st, _, doc = sim.gql(SET_QTY_VARS, {"input": set_input(item, 100 + n, changeFromQuantity=None),
                                            "key": f"k{n}"})
        results.append((st, doc))
    ok = [d for st, d in results if "data" in d]
    throttled = [d for st, d in results if "errors" in d and d["errors"][0]["message"] == "Throttled"]
    assert len(ok) == 3 and len(throttled) == 2  # 35 points pay three mutations of 10
    for d in throttled:
        assert d["errors"][0]["extensions"]["code"] == "THROTTLED"
        assert d["extensions"]["cost"]["actualQueryCost"] is None
        assert d["extensions"]["cost"]["requestedQueryCost"] == 10
        assert d["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"] < 10
    assert all(st == 200 for st, _ in results)
    assert available(sim, item) == 102  # the throttled calls (103, 104) changed nothing
    before = sim.gql("{ shop { name } }")[2]["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"]
    time.sleep(1.0)
    after = sim.gql("{ shop { name } }")[2]["extensions"]["cost"]["throttleStatus"]["currentlyAvailable"]
    assert 8.0 <= after - before + 1 <= 13.0  # restored ~10 points in ~1 s (minus this query's 1)
    st, _, doc = sim.gql(SET_QTY_VARS, {"input": set_input(item, 7, changeFromQuantity=None), "key": "k9"})
    assert "errors" not in doc and available(sim, item) == 7
    assert sim.state()["counters"]["throttled"] == 2


def test_throttle_as_429_with_retry_after_and_forced_storm(sim):
    sim.control(throttle_status=429, force_throttle_for_s=2)
    st, h, doc = sim.gql("{ shop { name } }")
    assert st == 429 and int(h["retry-after"]) >= 1
    assert doc["errors"][0]["extensions"]["code"] == "THROTTLED"
    sim.control(force_throttle_for_s=0)
    time.sleep(0.1)
    st, _, doc = sim.gql("{ shop { name } }")
    assert st == 200 and doc["data"]["shop"]["name"] == "demo-shop"


def test_error_rate_answers_5xx_without_effect(sim):
    variants, _ = make_product(sim)
    item = variants["TEE-S"]["inventoryItem"]["id"]
    sim.control(error_rate=1.0, error_status=503)
    st, h, doc = sim.gql(SET_QTY_VARS, {"input": set_input(item, 1, changeFromQuantity=None), "key": "e1"})
    assert st == 503 and doc == {"errors": "Service Unavailable"}
    sim.control(error_rate=0.0)
    assert available(sim, item) == 5


def test_fail_next_answers_exactly_n_5xx(sim):
    variants, _ = make_product(sim)
    item = variants["TEE-S"]["inventoryItem"]["id"]
    sim.control(fail_next=2, error_status=500)
    got = [sim.gql(SET_QTY_VARS, {"input": set_input(item, 3, changeFromQuantity=None), "key": f"f{i}"})[0]
           for i in range(3)]
    assert got == [500, 500, 200]
    assert available(sim, item) == 3


# ---------------------------------------------------------------- inventorySetQuantities

def test_change_from_quantity_stale_and_null_skip_on_2026_04(sim):
    variants, _ = make_product(sim)
    item = variants["TEE-S"]["inventoryItem"]["id"]
    d = sim.data(SET_QTY_VARS, {"input": set_input(item, 9, changeFromQuantity=4), "key": "a"})
    errs = d["inventorySetQuantities"]["userErrors"]
    assert errs == [{"field": ["input", "quantities", "0", "changeFromQuantity"], "code": "CHANGE_FROM_QUANTITY_STALE",
                     "message": "The changeFromQuantity value does not match persisted value."}]
    assert d["inventorySetQuantities"]["inventoryAdjustmentGroup"] is None and available(sim, item) == 5
    d = sim.data(SET_QTY_VARS, {"input": set_input(item, 9, changeFromQuantity=5), "key": "b"})
    changes = d["inventorySetQuantities"]["inventoryAdjustmentGroup"]["changes"]
    assert {"name": "available", "delta": 4, "quantityAfterChange": 9, "item": {"id": item},
            "location": {"id": LOC1}} in changes
    d = sim.data(SET_QTY_VARS, {"input": set_input(item, 2, changeFromQuantity=None), "key": "c"})
    assert d["inventorySetQuantities"]["userErrors"] == [] and available(sim, item) == 2
    # omitting changeFromQuantity, or sending the removed compareQuantity, is an error on 2026-04
    st, _, doc = sim.gql(SET_QTY_VARS, {"input": set_input(item, 3), "key": "d"})
    assert doc["errors"] and available(sim, item) == 2
    st, _, doc = sim.gql(SET_QTY_VARS, {"input": set_input(item, 3, compareQuantity=2), "key": "e"})
    assert "compareQuantity" in doc["errors"][0]["message"] and "data" not in doc


def test_compare_quantity_rules_before_2026_01(sim):
    variants, _ = make_product(sim, version="2025-10")
    item = variants["TEE-S"]["inventoryItem"]["id"]
    d = sim.data(SET_QTY_NO_KEY, {"input": set_input(item, 8, compareQuantity=1)}, "2025-10")
    assert [e["code"] for e in d["inventorySetQuantities"]["userErrors"]] == ["COMPARE_QUANTITY_STALE"]
    d = sim.data(SET_QTY_NO_KEY, {"input": set_input(item, 8)}, "2025-10")
    assert [e["code"] for e in d["inventorySetQuantities"]["userErrors"]] == ["COMPARE_QUANTITY_REQUIRED"]
    d = sim.data(SET_QTY_NO_KEY, {"input": dict(set_input(item, 8), ignoreCompareQuantity=True)}, "2025-10")
    assert d["inventorySetQuantities"]["userErrors"] == [] and available_api(sim, item, "2025-10") == 8
    d = sim.data(SET_QTY_NO_KEY, {"input": set_input(item, 6, compareQuantity=8)}, "2025-10")
    assert d["inventorySetQuantities"]["userErrors"] == [] and available(sim, item, "2025-10") == 6
    # the directive does not exist before 2026-01
    st, _, doc = sim.gql(SET_QTY_VARS, {"input": set_input(item, 1, compareQuantity=6), "key": "x"}, "2025-10")
    assert doc["errors"][0]["extensions"]["code"] == "undefinedDirective" and available(sim, item, "2025-10") == 6
    # 2026-01: changeFromQuantity overrides compareQuantity (and an explicit null skips the check)
    d = sim.data(SET_QTY_NO_KEY, {"input": set_input(item, 4, compareQuantity=99, changeFromQuantity=None)},
                 "2026-01")
    assert d["inventorySetQuantities"]["userErrors"] == [] and available(sim, item, "2026-01") == 4


def test_idempotency_key_mandatory_and_replayed_once(sim):
    variants, _ = make_product(sim)
    item = variants["TEE-S"]["inventoryItem"]["id"]
    st, _, doc = sim.gql(SET_QTY_NO_KEY, {"input": set_input(item, 1, changeFromQuantity=None)})
    assert doc["errors"] and doc["data"]["inventorySetQuantities"] is None and available(sim, item) == 5
    v = {"input": set_input(item, 9, changeFromQuantity=5), "key": "9b1f-uuid"}
    first = sim.data(SET_QTY_VARS, v)
    sim.set_inventory("TEE-S", 20)  # the merchant changes stock in between
    again = sim.data(SET_QTY_VARS, v)  # a retry of the same request: the first result, applied once
    assert again == first and available(sim, item) == 20
    assert sim.state()["counters"]["idempotent_replays"] == 1
    other = sim.data(SET_QTY_VARS, {"input": set_input(item, 3, changeFromQuantity=20), "key": "9b1f-uuid"})
    assert other["inventorySetQuantities"]["userErrors"][0]["code"] == "IDEMPOTENCY_KEY_PARAMETER_MISMATCH"
    assert available(sim, item) == 20


def test_250_quantities_per_call(sim):
    skus = [f"B-{n:03d}" for n in range(251)]
    items = []
    for chunk in range(0, 251, 100):  # three products keep each productSet cheap
        vs, _ = make_product(sim, title=f"Bulk {chunk}", skus=skus[chunk:chunk + 100], stock=1)
        items += [vs[s]["inventoryItem"]["id"] for s in skus[chunk:chunk + 100]]
    qs = [{"inventoryItemId": i, "locationId": LOC1, "quantity": 2, "changeFromQuantity": None} for i in items]
    inp = {"name": "available", "reason": "correction", "quantities": qs}
    st, _, doc = sim.gql(SET_QTY_VARS, {"input": inp, "key": "big"})
    assert st == 200 and "data" not in doc
    assert doc["errors"][0]["extensions"]["code"] == "MAX_INPUT_SIZE_EXCEEDED"
    assert "251" in doc["errors"][0]["message"] and available(sim, items[0]) == 1
    d = sim.data(SET_QTY_VARS, {"input": dict(inp, quantities=qs[:250]), "key": "ok"})
    assert d["inventorySetQuantities"]["userErrors"] == []
    assert available(sim, items[0]) == 2 and available(sim, items[250]) == 1


def test_unknown_ids_and_bad_names_are_user_errors(sim):
    variants, pid = make_product(sim)
    item = variants["TEE-S"]["inventoryItem"]["id"]
    variant_id = variants["TEE-S"]["id"]
    cases = [
        (set_input(variant_id, 1, changeFromQuantity=None), "INVALID_INVENTORY_ITEM"),
        (dict(set_input(item, 1, changeFromQuantity=None), name="committed"), "INVALID_NAME"),
        (dict(set_input(item, 1, changeFromQuantity=None), reason="because"), "INVALID_REASON"),
        ({**set_input(item, 1, changeFromQuantity=None),
          "quantities": [{"inventoryItemId": item, "locationId": "gid://shopify/Location/99", "quantity": 1,
                          "changeFromQuantity": None}]}, "INVALID_LOCATION"),
    ]
    for n, (inp, code) in enumerate(cases):
        d = sim.data(SET_QTY_VARS, {"input": inp, "key": f"u{n}"})
        assert code in [e["code"] for e in d["inventorySetQuantities"]["userErrors"]], (code, d)
    assert available(sim, item) == 5


# ---------------------------------------------------------------- products

def test_product_set_with_decimal_prices_and_media(sim):
    v = {"input": {"title": "Mug", "productOptions": [{"name": "Color", "values": [{"name": "Red"}, {"name": "Blue"}]}],
                   "variants": [{"optionValues": [{"optionName": "Color", "name": "Red"}], "sku": "MUG-R",
                                 "price": "12.50", "compareAtPrice": "15.00"},
                                {"optionValues": [{"optionName": "Color", "name": "Blue"}], "sku": "MUG-B",
                                 "price": "12.5"}],
                   "files": [{"originalSource": "https://cdn.example.com/mug.png", "contentType": "IMAGE"}]}}
    d = sim.data(PRODUCT_SET, v)["productSet"]
    assert d["userErrors"] == []
    pid = d["product"]["id"]
    assert pid.startswith("gid://shopify/Product/")
    nodes = d["product"]["variants"]["nodes"]
    assert [(n["sku"], n["price"]) for n in nodes] == [("MUG-R", "12.50"), ("MUG-B", "12.50")]
    assert all(n["inventoryItem"]["id"].startswith("gid://shopify/InventoryItem/") for n in nodes)
    prod = next(p for p in sim.state()["products"] if p["id"] == pid)
    assert prod["media"] == ["https://cdn.example.com/mug.png"]
    # a second productSet on the same id replaces the variant list (MUG-B goes away)
    v["input"]["id"] = pid
    v["input"]["variants"] = v["input"]["variants"][:1]
    d = sim.data(PRODUCT_SET, v)["productSet"]
    assert [n["sku"] for n in d["product"]["variants"]["nodes"]] == ["MUG-R"]


def test_product_invalid_input(sim):
    base = {"productOptions": [{"name": "Size", "values": [{"name": "S"}]}],
            "variants": [{"optionValues": [{"optionName": "Size", "name": "S"}], "sku": "X-S", "price": "1.00"}]}
    d = sim.data(PRODUCT_SET, {"input": base})["productSet"]
    assert d["product"] is None and d["userErrors"][0]["field"] == ["input", "title"]
    for bad in (12.5, "12,50", "abc", "1e3"):
        v = {"input": dict(base, title="T", variants=[dict(base["variants"][0], price=bad)])}
        st, _, doc = sim.gql(PRODUCT_SET, v)
        assert st == 200 and "data" not in doc and "Money" in doc["errors"][0]["message"], bad
    v = {"input": dict(base, title="T", variants=[dict(base["variants"][0], price="-1.00")])}
    d = sim.data(PRODUCT_SET, v)["productSet"]
    assert d["userErrors"][0]["field"] == ["input", "variants", "0", "price"]
    v = {"input": dict(base, title="T", variants=[dict(base["variants"][0],
                                                       optionValues=[{"optionName": "Size", "name": "XL"}])])}
    assert sim.data(PRODUCT_SET, v)["productSet"]["userErrors"]
    create = "mutation { productCreate(product: {title: \"\"}) { product { id } userErrors { field message } } }"
    d = sim.data(create)["productCreate"]
    assert d == {"product": None, "userErrors": [{"field": ["title"], "message": "Title can't be blank"}]}
    assert sim.state()["products"] == []


def test_create_then_bulk_variants(sim):
    d = sim.data("""mutation { productCreate(product: {title: "Cap", productOptions: [{name: "Size",
        values: [{name: "One"}]}]}) { product { id variants(first: 5) { nodes { id } } } userErrors { field message } } }""")
    pid = d["productCreate"]["product"]["id"]
    q = """mutation B($p: ID!, $v: [ProductVariantsBulkInput!]!) { productVariantsBulkCreate(productId: $p,
      variants: $v, strategy: REMOVE_STANDALONE_VARIANT) { productVariants { id sku price } userErrors { field code } } }"""
    vs = [{"optionValues": [{"optionName": "Size", "name": z}], "price": "9.00", "inventoryItem": {"sku": f"CAP-{z}"},
           "inventoryQuantities": [{"locationId": LOC1, "availableQuantity": 3}]} for z in ("S", "L")]
    d = sim.data(q, {"p": pid, "v": vs})["productVariantsBulkCreate"]
    assert d["userErrors"] == [] and [v["sku"] for v in d["productVariants"]] == ["CAP-S", "CAP-L"]
    up = """mutation U($p: ID!, $v: [ProductVariantsBulkInput!]!) { productVariantsBulkUpdate(productId: $p,
      variants: $v) { productVariants { id price compareAtPrice } userErrors { field message code } } }"""
    vid = d["productVariants"][0]["id"]
    d = sim.data(up, {"p": pid, "v": [{"id": vid, "price": "7.25", "compareAtPrice": "9.00"}]})
    assert d["productVariantsBulkUpdate"]["productVariants"] == [{"id": vid, "price": "7.25",
                                                                  "compareAtPrice": "9.00"}]
    d = sim.data(up, {"p": pid, "v": [{"id": vid, "price": "-2.00"}]})
    assert d["productVariantsBulkUpdate"]["userErrors"][0]["code"] == "GREATER_THAN_OR_EQUAL_TO"
    d = sim.data(up, {"p": pid, "v": [{"id": "gid://shopify/ProductVariant/1", "price": "1.00"}]})
    assert d["productVariantsBulkUpdate"]["userErrors"][0]["code"] == "PRODUCT_VARIANT_DOES_NOT_EXIST"
    prices = {v["sku"]: v["price"] for p in sim.state()["products"] for v in p["variants"]}
    assert prices == {"CAP-S": "7.25", "CAP-L": "9.00"}


# ---------------------------------------------------------------- reads

def test_reads_by_sku_and_location_levels(sim):
    variants, pid = make_product(sim, skus=("A-S", "A-M", "A-L"), stock=4)
    sim.order([{"sku": "A-M", "quantity": 3}])
    d = sim.data('{ productVariants(first: 10, query: "sku:A-M OR sku:A-L") { nodes { sku product { id } } } }')
    assert sorted(n["sku"] for n in d["productVariants"]["nodes"]) == ["A-L", "A-M"]
    assert all(n["product"]["id"] == pid for n in d["productVariants"]["nodes"])
    d = sim.data("""{ location(id: "gid://shopify/Location/1") { inventoryLevels(first: 10) { nodes {
        quantities(names: ["available", "committed", "on_hand"]) { name quantity } item { sku } } } } }""")
    got = {n["item"]["sku"]: {q["name"]: q["quantity"] for q in n["quantities"]}
           for n in d["location"]["inventoryLevels"]["nodes"]}
    assert got["A-M"] == {"available": 1, "committed": 3, "on_hand": 4}  # an order commits stock
    assert got["A-S"] == {"available": 4, "committed": 0, "on_hand": 4}
    assert sim.data('{ productVariants(first: 5, query: "sku:NOPE") { nodes { id } } }') == \
        {"productVariants": {"nodes": []}}


def test_orders_backfill_by_updated_at_with_cursors(sim):
    make_product(sim, skus=("O-S",), stock=100)
    ids = [sim.order([{"sku": "O-S", "quantity": 1}])["order"]["id"] for _ in range(5)]
    time.sleep(1.1)  # updatedAt has second precision
    mark = sim.state()["orders"][-1]["updatedAt"]
    time.sleep(1.1)
    later = [sim.order([{"sku": "O-S", "quantity": 1}])["order"]["id"] for _ in range(3)]
    time.sleep(1.1)
    sim.cancel(ids[0])  # an old order updated now belongs to the backfill too
    q = """query O($q: String!, $after: String) { orders(first: 2, after: $after, query: $q, sortKey: UPDATED_AT) {
      edges { cursor node { id updatedAt cancelledAt } } pageInfo { hasNextPage endCursor } } }"""
    seen, after, pages = [], None, 0
    while True:
        o = sim.data(q, {"q": f"updated_at:>'{mark}'", "after": after})["orders"]
        seen += [e["node"] for e in o["edges"]]
        pages += 1
        if not o["pageInfo"]["hasNextPage"]:
            break
        assert o["pageInfo"]["endCursor"] == o["edges"][-1]["cursor"]
        after = o["pageInfo"]["endCursor"]
    assert [n["id"] for n in seen] == later + [ids[0]] and pages == 2
    assert [n["updatedAt"] for n in seen] == sorted(n["updatedAt"] for n in seen)
    assert seen[-1]["cancelledAt"] is not None
    all_ids = [e["node"]["id"] for e in sim.data(q, {"q": "updated_at:>='2000-01-01'"})["orders"]["edges"]]
    assert len(all_ids) == 2
