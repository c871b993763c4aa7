/* apply.c - turn one canonical event into store movements (step 3 of the data flow).
 *
 * Each handler validates the whole event before writing anything, so a
 * refused event leaves no trace; the store itself refuses a movement before
 * writing.  Orders are never refused: a line with an unknown SKU or an
 * oversell is recorded as an exception next to the order (never lost).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"
#include "engine/internal.h"

#define REFUSE(code, ...)                                                                  \
    do {                                                                                   \
        *msg = xasprintf(__VA_ARGS__);                                                     \
        return (code);                                                                     \
    } while (0)

static const char *str_field(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* An integer field; 0 found, -1 absent or not an integer. */
static int int_field(json_t *o, const char *k, int64_t *out)
{
    json_t *v = json_object_get(o, k);
    if (!json_is_integer(v)) return -1;
    *out = json_integer_value(v);
    return 0;
}

/* Storage failure (-1) passes through; a refusal copies the store's text. */
static int store_rc(struct txn *txn, int rc, char **msg)
{
    if (rc > 0) *msg = xstrdup(txn_refusal(txn));
    return rc;
}

static int movement(struct tenant *t, struct txn *txn, json_t *ev, enum ledger_kind kind,
                    const char *qty_key, const char *source, struct touched *tc, char **msg)
{
    const char *sku = str_field(ev, "sku");
    int64_t qty;
    if (!sku || !*sku) REFUSE(STORE_EINVALID, "%s: missing \"sku\"", ledger_kind_name(kind));
    if (int_field(ev, qty_key, &qty) != 0)
        REFUSE(STORE_EINVALID, "%s %s: \"%s\" must be an integer", ledger_kind_name(kind), sku,
               qty_key);
    struct stock_change c = {
        .kind = kind,
        .sku = sku,
        .location = str_field(ev, "location"),
        .qty = qty,
        .source = str_field(ev, "source") ? str_field(ev, "source") : source,
        .reason = str_field(ev, "reason"),
        .ref = str_field(ev, "ref"),
    };
    int64_t ts;
    if (int_field(ev, "ts_ms", &ts) == 0 && ts > 0) c.ts_ms = (uint64_t)ts;
    int rc = store_stock_apply(txn, &c, NULL);
    if (rc == 0) touched_add(tc, sku, TOUCH_STOCK);
    (void)t;
    return store_rc(txn, rc, msg);
}

/* ------------------------------------------------------------------ catalog */
static int catalog_upsert(struct tenant *t, struct txn *txn, json_t *ev, const char *source,
                          struct touched *tc, char **msg)
{
    json_t *product = json_object_get(ev, "product");
    json_t *variants = json_object_get(ev, "variants");
    json_t *stock = json_object_get(ev, "stock");
    const char *pid = json_is_object(product) ? str_field(product, "id") : NULL;
    if (!pid || !*pid) REFUSE(STORE_EINVALID, "catalog.upsert: product.id missing");
    if (variants && !json_is_array(variants))
        REFUSE(STORE_EINVALID, "catalog.upsert %s: \"variants\" must be an array", pid);
    if (stock && !json_is_array(stock))
        REFUSE(STORE_EINVALID, "catalog.upsert %s: \"stock\" must be an array", pid);
    size_t i;
    json_t *v;
    json_array_foreach(variants, i, v) {
        const char *sku = json_is_object(v) ? str_field(v, "sku") : NULL;
        if (!sku || !*sku) REFUSE(STORE_EINVALID, "catalog.upsert %s: variant %zu has no sku", pid, i);
    }
    json_array_foreach(stock, i, v) {
        int64_t q;
        if (!json_is_object(v) || !str_field(v, "sku") || int_field(v, "on_hand", &q) != 0 || q < 0)
            REFUSE(STORE_EINVALID, "catalog.upsert %s: stock entry %zu needs sku and on_hand >= 0",
                   pid, i);
    }

    char *pjson = engine_dump(product);
    int changed = 0;
    int rc = store_product_put(txn, pid, pjson, strlen(pjson), &changed);
    free(pjson);
    if (rc != 0) return store_rc(txn, rc, msg);
    if (changed) {
        /* Every variant of the product maps differently now. */
        json_array_foreach(variants, i, v) touched_add(tc, str_field(v, "sku"), TOUCH_CATALOG);
    }
    json_array_foreach(variants, i, v) {
        json_t *copy = json_copy(v); /* top level only: nested values are shared, not changed */
        json_object_set_new(copy, "product_id", json_string(pid));
        char *vjson = engine_dump(copy);
        json_decref(copy);
        int vchanged = 0;
        const char *sku = str_field(v, "sku");
        rc = store_variant_put(txn, sku, pid, vjson, strlen(vjson), &vchanged);
        free(vjson);
        if (rc != 0) return store_rc(txn, rc, msg);
        if (vchanged) touched_add(tc, sku, TOUCH_CATALOG | TOUCH_STOCK);
    }
    json_array_foreach(stock, i, v) {
        struct stock_totals before, after;
        const char *sku = str_field(v, "sku");
        int had = store_stock_get(txn, sku, &before) == 0;
        struct stock_change c = {
            .kind = LEDGER_COUNT,
            .sku = sku,
            .location = str_field(v, "location"),
            .qty = json_integer_value(json_object_get(v, "on_hand")),
            .source = source,
            .reason = "import",
            .ref = pid,
        };
        rc = store_stock_apply(txn, &c, &after);
        if (rc != 0) return store_rc(txn, rc, msg);
        if (!had || before.on_hand != after.on_hand) touched_add(tc, sku, TOUCH_STOCK);
    }
    (void)t;
    return 0;
}

/* ------------------------------------------------------------------ orders */
static int order_lines_valid(json_t *lines, const char *oid, char **msg)
{
    if (!json_is_array(lines)) REFUSE(STORE_EINVALID, "order %s: \"lines\" must be an array", oid);
    size_t i;
    json_t *l;
    json_array_foreach(lines, i, l) {
        int64_t q;
        if (!json_is_object(l) || !str_field(l, "sku") || int_field(l, "quantity", &q) != 0 || q <= 0)
            REFUSE(STORE_EINVALID, "order %s: line %zu needs a sku and a quantity > 0", oid, i + 1);
    }
    return 0;
}

static int exception(struct txn *txn, const char *kind, const char *channel, const char *ref,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int exception(struct txn *txn, const char *kind, const char *channel, const char *ref,
                     const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    return store_exception_add(txn, kind, channel, ref, text) < 0 ? -1 : 0;
}

static int order_created(struct tenant *t, struct txn *txn, json_t *ev, struct touched *tc,
                         char **msg)
{
    const char *ch = str_field(ev, "channel"), *oid = str_field(ev, "order_id");
    if (!ch || !oid || !*oid) REFUSE(STORE_EINVALID, "order.created: channel and order_id required");
    json_t *lines = json_object_get(ev, "lines");
    int rc = order_lines_valid(lines, oid, msg);
    if (rc) return rc;

    /* The same order may arrive by webhook and by poll under different keys. */
    char *old = NULL;
    size_t old_len = 0;
    rc = store_order_get(txn, ch, oid, &old, &old_len);
    if (rc < 0) return -1;
    json_t *prev = rc == 0 ? json_loads(old, 0, NULL) : NULL;
    free(old);
    if (prev && !json_is_true(json_object_get(prev, "placeholder"))) {
        json_decref(prev);
        return 0; /* already recorded: nothing counted twice */
    }
    int cancelled_first = prev && json_is_true(json_object_get(prev, "cancelled"));
    json_decref(prev);

    json_t *order = json_copy(ev); /* top level only: the lines are shared, not changed */
    json_object_del(order, "type");
    json_object_set_new(order, "status", json_string(cancelled_first ? "cancelled" : "open"));
    char *ojson = engine_dump(order);
    json_decref(order);
    rc = store_order_put(txn, ch, oid, ojson, strlen(ojson));
    free(ojson);
    if (rc != 0) return store_rc(txn, rc, msg);
    if (cancelled_first) return 0; /* the cancellation came first: no stock moves */

    size_t i;
    json_t *l;
    json_array_foreach(lines, i, l) {
        const char *sku = str_field(l, "sku");
        int64_t q = json_integer_value(json_object_get(l, "quantity"));
        const char *hold_id = str_field(l, "hold_id");
        if (hold_id) {
            rc = store_hold_commit(txn, hold_id, oid);
            if (rc == 0) { touched_add(tc, sku, TOUCH_STOCK); continue; }
            if (rc < 0) return -1;
            /* The hold expired meanwhile: fall through to a plain commit. */
        }
        struct stock_change c = {.kind = LEDGER_COMMIT, .sku = sku, .location = str_field(l, "location"),
                                 .qty = q, .source = ch, .ref = oid, .flags = STOCK_ALLOW_NEGATIVE};
        struct stock_totals after;
        rc = store_stock_apply(txn, &c, &after);
        if (rc < 0) return -1;
        if (rc == STORE_EUNKNOWN_SKU) {
            if (exception(txn, "unknown_sku", ch, oid, "order %s line %zu: SKU '%s' is not in the catalog (quantity %lld kept on the order)",
                          oid, i + 1, sku, (long long)q) < 0) return -1;
            continue;
        }
        if (rc > 0) {
            if (exception(txn, "order_line", ch, oid, "order %s line %zu: %s", oid, i + 1,
                          txn_refusal(txn)) < 0) return -1;
            continue;
        }
        touched_add(tc, sku, TOUCH_STOCK);
        if (after.on_hand < 0 &&
            exception(txn, "oversold", ch, oid, "order %s: SKU '%s' oversold, on hand now %lld",
                      oid, sku, (long long)after.on_hand) < 0)
            return -1;
    }
    (void)t;
    return 0;
}

static int order_cancelled(struct tenant *t, struct txn *txn, json_t *ev, struct touched *tc,
                           char **msg)
{
    const char *ch = str_field(ev, "channel"), *oid = str_field(ev, "order_id");
    if (!ch || !oid || !*oid) REFUSE(STORE_EINVALID, "order.cancelled: channel and order_id required");
    char *old = NULL;
    size_t old_len = 0;
    int rc = store_order_get(txn, ch, oid, &old, &old_len);
    if (rc < 0) return -1;
    if (rc == STORE_ENOTFOUND) {
        /* Out of order: remember the cancellation so a late order.created moves no stock. */
        json_t *ph = json_pack("{s:s, s:s, s:b, s:b, s:s}", "channel", ch, "order_id", oid,
                               "placeholder", 1, "cancelled", 1, "status", "cancelled");
        char *txt = engine_dump(ph);
        json_decref(ph);
        rc = store_order_put(txn, ch, oid, txt, strlen(txt));
        free(txt);
        return store_rc(txn, rc, msg);
    }
    json_t *order = json_loads(old, 0, NULL);
    free(old);
    if (!order) return txn_fail(txn, "order %s/%s: stored record is not JSON", ch, oid);
    const char *status = str_field(order, "status");
    if (status && strcmp(status, "cancelled") == 0) { json_decref(order); return 0; }
    json_t *restock = json_object_get(ev, "restock");
    int do_restock = !json_is_false(restock);
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(order, "lines"), i, l) {
        const char *sku = str_field(l, "sku");
        if (!do_restock || !sku) continue;
        struct stock_change c = {.kind = LEDGER_RESTOCK, .sku = sku, .location = str_field(l, "location"),
                                 .qty = json_integer_value(json_object_get(l, "quantity")),
                                 .source = ch, .reason = "cancelled", .ref = oid};
        rc = store_stock_apply(txn, &c, NULL);
        if (rc < 0) { json_decref(order); return -1; }
        if (rc == 0) touched_add(tc, sku, TOUCH_STOCK);
        /* An unknown SKU was never committed: nothing to restock. */
    }
    json_object_set_new(order, "status", json_string("cancelled"));
    char *txt = engine_dump(order);
    json_decref(order);
    rc = store_order_put(txn, ch, oid, txt, strlen(txt));
    free(txt);
    (void)t;
    return store_rc(txn, rc, msg);
}

/* ------------------------------------------------------------------ holds */
static int hold_event(struct tenant *t, struct txn *txn, json_t *ev, const char *type,
                      const char *source, struct touched *tc, char **msg)
{
    const char *hid = str_field(ev, "hold_id");
    if (!hid || !*hid) REFUSE(STORE_EINVALID, "%s: \"hold_id\" required", type);
    struct hold h = {0};
    int rc;
    int64_t ttl = t->cfg->hold_ttl_ms > 0 ? t->cfg->hold_ttl_ms : 15 * 60 * 1000;
    int64_t v;
    if (int_field(ev, "ttl_ms", &v) == 0) {
        if (v <= 0) REFUSE(STORE_EINVALID, "%s %s: ttl_ms must be > 0", type, hid);
        ttl = v;
    }
    if (strcmp(type, "hold.create") == 0) {
        const char *sku = str_field(ev, "sku");
        int64_t q;
        if (!sku || int_field(ev, "quantity", &q) != 0 || q <= 0)
            REFUSE(STORE_EINVALID, "hold.create %s: sku and quantity > 0 required", hid);
        rc = store_hold_create(txn, hid, sku, q, now_ms() + (uint64_t)ttl,
                               str_field(ev, "source") ? str_field(ev, "source") : source);
        if (rc == 0) touched_add(tc, sku, TOUCH_STOCK);
        return store_rc(txn, rc, msg);
    }
    rc = store_hold_get(txn, hid, &h);
    if (rc != 0) return rc < 0 ? -1 : (*msg = xasprintf("%s: no hold '%s'", type, hid), rc);
    char *sku = h.sku;
    h.sku = NULL;
    hold_free(&h);
    if (strcmp(type, "hold.extend") == 0)
        rc = store_hold_extend(txn, hid, now_ms() + (uint64_t)ttl);
    else if (strcmp(type, "hold.release") == 0)
        rc = store_hold_release(txn, hid, str_field(ev, "reason") ? str_field(ev, "reason") : "released");
    else
        rc = store_hold_commit(txn, hid, str_field(ev, "order_id"));
    if (rc == 0 && strcmp(type, "hold.extend") != 0) touched_add(tc, sku, TOUCH_STOCK);
    free(sku);
    return store_rc(txn, rc, msg);
}

/* ------------------------------------------------------------------ shipments, drift */
static int shipment(struct tenant *t, struct txn *txn, json_t *ev, const char *source,
                    struct touched *tc, char **msg)
{
    const char *ch = str_field(ev, "channel"), *oid = str_field(ev, "order_id");
    if (!ch || !oid) REFUSE(STORE_EINVALID, "shipment: channel and order_id required");
    if (!str_field(ev, "tracking")) REFUSE(STORE_EINVALID, "shipment %s: \"tracking\" required", oid);
    char *old = NULL;
    size_t len = 0;
    int rc = store_order_get(txn, ch, oid, &old, &len);
    if (rc != 0) return rc < 0 ? -1 : (*msg = xasprintf("shipment: no order '%s' on channel '%s'", oid, ch), rc);
    json_t *order = json_loads(old, 0, NULL);
    free(old);
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(order, "lines"), i, l) {
        const char *sku = str_field(l, "sku");
        struct stock_change c = {.kind = LEDGER_SHIP, .sku = sku,
                                 .qty = json_integer_value(json_object_get(l, "quantity")),
                                 .source = source, .reason = str_field(ev, "carrier"), .ref = oid};
        rc = sku ? store_stock_apply(txn, &c, NULL) : 0;
        if (rc < 0) { json_decref(order); return -1; }
    }
    json_decref(order);
    json_t *f = json_pack("{s:s, s:s, s:O}", "channel", ch, "order_id", oid, "payload", ev);
    json_array_append_new(tc->fulfillments, f);
    (void)t;
    return 0;
}

static int drift(struct tenant *t, struct txn *txn, json_t *ev, struct touched *tc, char **msg)
{
    const char *ch = str_field(ev, "channel"), *sku = str_field(ev, "sku");
    int64_t q;
    if (!ch || !sku || int_field(ev, "quantity", &q) != 0)
        REFUSE(STORE_EINVALID, "stock.drift: channel, sku and quantity required");
    struct listing l = {0};
    int rc = store_listing_get(txn, ch, sku, &l);
    if (rc < 0) return -1;
    int64_t shadow = rc == 0 ? l.quantity : -1;
    listing_free(&l);
    if (shadow == q) return 0; /* the channel shows what we told it */
    if (exception(txn, "drift", ch, sku, "channel shows %lld for %s, hub last pushed %lld; repairing",
                  (long long)q, sku, (long long)shadow) < 0)
        return -1;
    /* The channel-side change goes in the ledger too (it moves nothing: the
     * hub's number is the truth and is pushed again). */
    struct stock_change c = {.kind = LEDGER_DRIFT, .sku = sku, .qty = q < 0 ? 0 : q, .source = ch,
                             .reason = str_field(ev, "reason") ? str_field(ev, "reason") : "channel-side change"};
    int rc2 = store_stock_apply(txn, &c, NULL);
    if (rc2 < 0) return -1;
    touched_add(tc, sku, TOUCH_STOCK | TOUCH_FORCE_STOCK);
    (void)t;
    return 0;
}

int engine_apply(struct tenant *t, struct txn *txn, json_t *ev, const char *source,
                 struct touched *tc, char **msg)
{
    *msg = NULL;
    const char *type = json_is_object(ev) ? str_field(ev, "type") : NULL;
    if (!type) REFUSE(STORE_EINVALID, "event has no \"type\"");
    if (strcmp(type, "catalog.upsert") == 0) return catalog_upsert(t, txn, ev, source, tc, msg);
    if (strcmp(type, "stock.receive") == 0)
        return movement(t, txn, ev, LEDGER_RECEIVE, "quantity", source, tc, msg);
    if (strcmp(type, "stock.adjust") == 0)
        return movement(t, txn, ev, LEDGER_ADJUST, "delta", source, tc, msg);
    if (strcmp(type, "stock.set") == 0)
        return movement(t, txn, ev, LEDGER_COUNT, "quantity", source, tc, msg);
    if (strcmp(type, "order.created") == 0) return order_created(t, txn, ev, tc, msg);
    if (strcmp(type, "order.cancelled") == 0) return order_cancelled(t, txn, ev, tc, msg);
    if (strncmp(type, "hold.", 5) == 0 &&
        (strcmp(type + 5, "create") == 0 || strcmp(type + 5, "extend") == 0 ||
         strcmp(type + 5, "release") == 0 || strcmp(type + 5, "commit") == 0))
        return hold_event(t, txn, ev, type, source, tc, msg);
    if (strcmp(type, "shipment") == 0) return shipment(t, txn, ev, source, tc, msg);
    if (strcmp(type, "stock.drift") == 0) return drift(t, txn, ev, tc, msg);
    REFUSE(STORE_EINVALID, "unknown event type '%s'", type);
}
