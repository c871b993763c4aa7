/* preview.c - `hubctl map`: the projection of one SKU onto one channel and its
 * diff against the shadow, computed in a read transaction (writes nothing). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"
#include "engine/internal.h"

/* Top-level fields that differ between two objects: {field: {"from":a,"to":b}}. */
json_t *engine_diff_fields(json_t *from, json_t *to);
json_t *engine_diff_fields(json_t *from, json_t *to)
{
    json_t *diff = json_object();
    const char *k;
    json_t *v;
    json_object_foreach(to, k, v) {
        json_t *old = json_object_get(from, k);
        if (!old || !json_equal(old, v))
            json_object_set_new(diff, k, json_pack("{s:O?, s:O}", "from", old, "to", v));
    }
    json_object_foreach(from, k, v) {
        if (!json_object_get(to, k))
            json_object_set_new(diff, k, json_pack("{s:O, s:n}", "from", v, "to"));
    }
    return diff;
}

static json_t *load_doc(struct txn *txn, int product, const char *id)
{
    char *txt = NULL;
    size_t len = 0;
    int rc = product ? store_product_get(txn, id, &txt, &len) : store_variant_get(txn, id, &txt, &len);
    if (rc != 0) return NULL;
    json_t *v = json_loadb(txt, len, 0, NULL);
    free(txt);
    return v;
}

json_t *engine_preview(struct tenant *t, const char *channel, const char *sku, char *err,
                       size_t err_len)
{
    struct tenant_channel *ch = tenant_channel(t, channel);
    if (!ch) {
        snprintf(err, err_len, "tenant '%s' has no channel '%s'", t->cfg->name, channel);
        return NULL;
    }
    struct txn *txn = NULL;
    if (txn_begin(t->store, 0, &txn) != 0) {
        snprintf(err, err_len, "tenant '%s': cannot read the store", t->cfg->name);
        return NULL;
    }
    json_t *out = NULL, *variant = NULL, *product = NULL, *payload = NULL, *shadow_payload = NULL;
    struct listing l = {.quantity = -1};
    variant = load_doc(txn, 0, sku);
    if (!variant) {
        snprintf(err, err_len, "tenant '%s': no SKU '%s'", t->cfg->name, sku);
        goto done;
    }
    const char *pid = json_string_value(json_object_get(variant, "product_id"));
    product = pid ? load_doc(txn, 1, pid) : NULL;
    struct stock_totals st = {0};
    store_stock_get(txn, sku, &st);
    int64_t qty = -1;
    if (engine_allocate(t, ch, &sku, &st, 1, &qty) != 0 || qty < 0) {
        snprintf(err, err_len, "allocation failed: %s", t->last_error);
        goto done;
    }
    if (ch->mapping && mapping_has(ch->mapping, "to_channel") && product) {
        json_t *ctx = json_deep_copy(t->ctx_base);
        json_object_set_new(ctx, "channel", json_string(channel));
        json_object_set_new(ctx, "buffer", json_integer(tenant_channel_buffer(t, ch)));
        struct map_item it = {.product = product, .variant = variant,
                              .stock = engine_stock_json(&st, qty)};
        mapping_to_channel(ch->mapping, &it, 1, ctx);
        json_decref(ctx);
        json_decref(it.stock);
        if (!it.result) {
            snprintf(err, err_len, "to_channel failed: %s", it.error ? it.error : "unknown error");
            free(it.error);
            goto done;
        }
        payload = it.result;
    } else if (!ch->mapping) {
        snprintf(err, err_len, "channel '%s' has no loaded mapping: %s", channel, t->last_error);
        goto done;
    }
    int has = store_listing_get(txn, channel, sku, &l) == 0;
    if (has && l.payload) shadow_payload = json_loads(l.payload, 0, NULL);

    json_t *diff = json_object();
    if (!has || l.quantity != qty)
        json_object_set_new(diff, "quantity", json_pack("{s:I, s:I}", "from", (json_int_t)(has ? l.quantity : -1),
                                                        "to", (json_int_t)qty));
    if (payload) {
        json_t *none = json_object();
        json_t *fields = engine_diff_fields(shadow_payload ? shadow_payload : none, payload);
        json_decref(none);
        if (json_object_size(fields)) json_object_set(diff, "payload", fields);
        json_decref(fields);
    }
    struct outbox_op op = {0};
    json_t *pending = json_array();
    for (int k = OUTBOX_STOCK; k <= OUTBOX_LISTING; k++) {
        if (store_outbox_find(txn, channel, (enum outbox_kind)k, sku, &op) == 0) {
            json_array_append_new(pending, json_pack("{s:I, s:s, s:I}", "id", (json_int_t)op.id, "kind",
                                                     k == OUTBOX_STOCK ? "stock" : "listing",
                                                     "attempts", (json_int_t)op.attempts));
            outbox_op_free(&op);
        }
    }
    json_t *external = has && l.external ? json_loads(l.external, 0, NULL) : NULL;
    if (!external) external = json_null();
    out = json_pack("{s:s, s:s, s:I, s:o, s:o, s:{s:I, s:o, s:o}, s:o, s:o}",
                    "sku", sku, "channel", channel, "quantity", (json_int_t)qty,
                    "stock", engine_stock_json(&st, qty),
                    "payload", payload ? json_incref(payload) : json_null(),
                    "shadow", "quantity", (json_int_t)(has ? l.quantity : -1),
                    "payload", shadow_payload ? json_incref(shadow_payload) : json_null(),
                    "external", external,
                    "diff", diff, "pending", pending);
done:
    listing_free(&l);
    json_decref(variant);
    json_decref(product);
    json_decref(payload);
    json_decref(shadow_payload);
    txn_abort(txn);
    return out;
}
