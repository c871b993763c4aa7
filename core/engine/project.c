/* project.c - steps 4 and 5 of the data flow: project touched SKUs onto each
 * channel (allocation + to_channel) and diff against what the channel was last
 * told (the shadow) or what is already queued for it (the pending op).
 *
 * The comparison target is the pending op when there is one, else the shadow:
 * a newer value always replaces an unsent older one (coalescing), and a value
 * equal to what is queued or acknowledged writes nothing.
 */
#include <stdlib.h>
#include <string.h>

#include "common/json_text.h"
#include "common/log.h"
#include "common/util.h"
#include "engine/internal.h"

#define PROJECT_BATCH 256

struct sku_row {
    const char *sku;
    int bits;
    int known;               /* the variant exists */
    struct stock_totals st;
    json_t *variant;         /* loaded lazily for listings */
    json_t *product;
};

void touched_init(struct touched *tc)
{
    tc->skus = json_object();
    tc->fulfillments = json_array();
}

void touched_free(struct touched *tc)
{
    json_decref(tc->skus);
    json_decref(tc->fulfillments);
    tc->skus = tc->fulfillments = NULL;
}

void touched_add(struct touched *tc, const char *sku, int bits)
{
    if (!sku) return;
    json_t *cur = json_object_get(tc->skus, sku);
    int64_t v = cur ? json_integer_value(cur) : 0;
    json_object_set_new(tc->skus, sku, json_integer(v | bits));
}

char *engine_dump(const json_t *v)
{
    return json_text(v, JSON_TEXT_SORT_KEYS);
}

json_t *engine_stock_json(const struct stock_totals *st, int64_t available)
{
    return json_pack("{s:I, s:I, s:I}", "on_hand", (json_int_t)st->on_hand, "reserved",
                     (json_int_t)st->reserved, "available", (json_int_t)available);
}

int engine_allocate(struct tenant *t, struct tenant_channel *ch, const char *const *skus,
                    const struct stock_totals *totals, size_t n, int64_t *out)
{
    int64_t buffer = tenant_channel_buffer(t, ch);
    if (!t->allocation) {
        for (size_t i = 0; i < n; i++) {
            int64_t a = totals[i].on_hand - totals[i].reserved - buffer;
            out[i] = a > 0 ? a : 0;
        }
        return 0;
    }
    json_t **stocks = xcalloc(n, sizeof *stocks);
    char **errors = xcalloc(n, sizeof *errors);
    for (size_t i = 0; i < n; i++) {
        int64_t a = totals[i].on_hand - totals[i].reserved - buffer;
        stocks[i] = engine_stock_json(&totals[i], a > 0 ? a : 0);
    }
    json_t *ctx = json_deep_copy(t->ctx_base);
    json_object_set_new(ctx, "channel", json_string(ch->cfg->name));
    json_object_set_new(ctx, "buffer", json_integer(buffer));
    int failed = mapping_allocate(t->allocation, skus, stocks, n, ch->cfg->name, ctx, out, errors);
    json_decref(ctx);
    for (size_t i = 0; i < n; i++) {
        json_decref(stocks[i]);
        /* A rule may hold back stock, never show more than is physically free. */
        int64_t free_units = totals[i].on_hand - totals[i].reserved;
        if (free_units < 0) free_units = 0;
        if (failed < 0) out[i] = -1;
        if (out[i] > free_units) out[i] = free_units;
        if (errors[i]) {
            snprintf(t->last_error, sizeof t->last_error, "allocate(%s, %s): %s", skus[i],
                     ch->cfg->name, errors[i]);
            log_warn(t->cfg->name, "%s", t->last_error);
            free(errors[i]);
        }
    }
    free(stocks);
    free(errors);
    return failed < 0 ? -1 : 0;
}

static int pending_or_shadow_qty(struct txn *txn, const char *channel, const char *sku,
                                 int64_t *target)
{
    struct outbox_op op = {0};
    int rc = store_outbox_find(txn, channel, OUTBOX_STOCK, sku, &op);
    if (rc < 0) return -1;
    if (rc == 0) {
        *target = op.quantity;
        outbox_op_free(&op);
        return 0;
    }
    struct listing l = {0};
    rc = store_listing_get(txn, channel, sku, &l);
    if (rc < 0) return -1;
    *target = rc == 0 ? l.quantity : -1;
    listing_free(&l);
    return 0;
}

/* The payload the channel has or will get: pending op's, else the shadow's; NULL if none. */
static int pending_or_shadow_payload(struct txn *txn, const char *channel, const char *sku,
                                     char **payload)
{
    *payload = NULL;
    struct outbox_op op = {0};
    int rc = store_outbox_find(txn, channel, OUTBOX_LISTING, sku, &op);
    if (rc < 0) return -1;
    if (rc == 0) {
        *payload = op.payload;
        op.payload = NULL;
        outbox_op_free(&op);
        return 0;
    }
    struct listing l = {0};
    rc = store_listing_get(txn, channel, sku, &l);
    if (rc < 0) return -1;
    if (rc == 0) {
        *payload = l.payload;
        l.payload = NULL;
    }
    listing_free(&l);
    return 0;
}

static int project_stock(struct tenant *t, struct txn *txn, struct tenant_channel *ch,
                         struct sku_row *rows, size_t n, struct engine_report *rep)
{
    const char **skus = xcalloc(n, sizeof *skus);
    struct stock_totals *tot = xcalloc(n, sizeof *tot);
    int64_t *qty = xcalloc(n, sizeof *qty);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (!rows[i].known || !(rows[i].bits & (TOUCH_STOCK | TOUCH_CATALOG))) continue;
        skus[m] = rows[i].sku;
        tot[m] = rows[i].st;
        m++;
    }
    int rc = 0;
    if (m && engine_allocate(t, ch, skus, tot, m, qty) != 0) rep->mapping_errors++;
    for (size_t i = 0, j = 0; i < n && rc == 0; i++) {
        if (!rows[i].known || !(rows[i].bits & (TOUCH_STOCK | TOUCH_CATALOG))) continue;
        int64_t q = qty[j++];
        if (q < 0) { rep->mapping_errors++; continue; }
        int64_t target;
        if (pending_or_shadow_qty(txn, ch->cfg->name, rows[i].sku, &target) != 0) { rc = -1; break; }
        if (q == target && !(rows[i].bits & TOUCH_FORCE_STOCK)) continue;
        if (store_outbox_put(txn, ch->cfg->name, OUTBOX_STOCK, rows[i].sku, q, NULL, 0,
                             q == 0 ? 0 : 1, NULL) != 0) { rc = -1; break; }
        rep->outbox_ops++;
    }
    free(skus);
    free(tot);
    free(qty);
    return rc;
}

static json_t *load_json(struct txn *txn, int is_product, const char *id)
{
    char *txt = NULL;
    size_t len = 0;
    int rc = is_product ? store_product_get(txn, id, &txt, &len) : store_variant_get(txn, id, &txt, &len);
    if (rc != 0) return NULL;
    json_t *v = json_loadb(txt, len, 0, NULL);
    free(txt);
    return v;
}

static int project_listings(struct tenant *t, struct txn *txn, struct tenant_channel *ch,
                            struct sku_row *rows, size_t n, struct engine_report *rep)
{
    struct map_item *items = xcalloc(n, sizeof *items);
    size_t *idx = xcalloc(n, sizeof *idx);
    size_t m = 0;
    int64_t buffer = tenant_channel_buffer(t, ch);
    int on_stock = mapping_listing_uses_stock(ch->mapping);
    for (size_t i = 0; i < n; i++) {
        struct sku_row *r = &rows[i];
        if (!r->known) continue;
        if (!(r->bits & TOUCH_CATALOG) && !on_stock) continue; /* quantities travel on their own */
        if (!r->variant) {
            r->variant = load_json(txn, 0, r->sku);
            const char *pid = json_string_value(json_object_get(r->variant, "product_id"));
            r->product = pid ? load_json(txn, 1, pid) : NULL;
        }
        if (!r->variant || !r->product) continue;
        int64_t a = r->st.on_hand - r->st.reserved - buffer;
        items[m].product = r->product;
        items[m].variant = r->variant;
        items[m].stock = engine_stock_json(&r->st, a > 0 ? a : 0);
        idx[m++] = i;
    }
    json_t *ctx = json_deep_copy(t->ctx_base);
    json_object_set_new(ctx, "channel", json_string(ch->cfg->name));
    json_object_set_new(ctx, "buffer", json_integer(buffer));
    int rc = 0;
    if (m && mapping_to_channel(ch->mapping, items, m, ctx) < 0) {
        rep->mapping_errors += m;
        snprintf(t->last_error, sizeof t->last_error, "channel '%s': to_channel failed for a batch",
                 ch->cfg->name);
    }
    for (size_t k = 0; k < m; k++) {
        struct map_item *it = &items[k];
        const char *sku = rows[idx[k]].sku;
        if (!it->result) {
            if (it->error) {
                rep->mapping_errors++;
                snprintf(t->last_error, sizeof t->last_error, "to_channel(%s, %s): %s", sku,
                         ch->cfg->name, it->error);
                log_warn(t->cfg->name, "%s", t->last_error);
            }
            continue;
        }
        if (rc == 0) {
            char *text = engine_dump(it->result);
            char *target = NULL;
            if (pending_or_shadow_payload(txn, ch->cfg->name, sku, &target) != 0) rc = -1;
            else if (!target || strcmp(target, text) != 0) {
                if (store_outbox_put(txn, ch->cfg->name, OUTBOX_LISTING, sku, 0, text, strlen(text),
                                     1, NULL) != 0) rc = -1;
                else rep->outbox_ops++;
            }
            free(target);
            free(text);
        }
    }
    for (size_t k = 0; k < m; k++) {
        json_decref(items[k].stock);
        json_decref(items[k].result);
        free(items[k].error);
    }
    json_decref(ctx);
    free(items);
    free(idx);
    return rc;
}

/* pass 0: listings, pass 1: stock.  All listings of a submission are queued
 * before any stock: a channel that creates SKUs with their listing (Shopify's
 * productSet) gets every product whole and before its stock, even when a big
 * import spans many chunks. */
static int project_rows(struct tenant *t, struct txn *txn, struct sku_row *rows, size_t n,
                        struct engine_report *rep, int pass)
{
    for (size_t i = 0; i < n; i++) {
        int rc = store_stock_get(txn, rows[i].sku, &rows[i].st);
        if (rc < 0) return -1;
        if (rc != 0) memset(&rows[i].st, 0, sizeof rows[i].st);
        char *v = NULL;
        size_t len = 0;
        rc = store_variant_get(txn, rows[i].sku, &v, &len);
        if (rc < 0) return -1;
        rows[i].known = rc == 0;
        free(v);
    }
    if (pass == 0) rep->skus_projected += n;
    for (size_t c = 0; c < t->n_channels; c++) {
        struct tenant_channel *ch = &t->channels[c];
        if (pass == 0 && ch->catalog_push && ch->mapping && mapping_has(ch->mapping, "to_channel") &&
            project_listings(t, txn, ch, rows, n, rep) != 0)
            return -1;
        if (pass == 1 && ch->stock_push && project_stock(t, txn, ch, rows, n, rep) != 0) return -1;
    }
    return 0;
}

static int project_fulfillments(struct tenant *t, struct txn *txn, json_t *list,
                                struct engine_report *rep)
{
    size_t i;
    json_t *f;
    json_array_foreach(list, i, f) {
        const char *chname = json_string_value(json_object_get(f, "channel"));
        struct tenant_channel *ch = tenant_channel(t, chname);
        if (!ch) continue; /* an order from a channel this tenant no longer has */
        char *payload = engine_dump(json_object_get(f, "payload"));
        int rc = store_outbox_put(txn, chname, OUTBOX_FULFILLMENT,
                                  json_string_value(json_object_get(f, "order_id")), 0, payload,
                                  strlen(payload), 1, NULL);
        free(payload);
        if (rc != 0) return -1;
        rep->outbox_ops++;
    }
    return 0;
}

int engine_project(struct tenant *t, struct txn *txn, struct touched *tc, struct engine_report *rep)
{
    size_t total = json_object_size(tc->skus);
    struct sku_row *rows = xcalloc(total < PROJECT_BATCH ? total + 1 : PROJECT_BATCH, sizeof *rows);
    int rc = 0;
    for (int pass = 0; pass < 2 && rc == 0; pass++) {
        size_t n = 0;
        const char *sku;
        json_t *bits;
        json_object_foreach(tc->skus, sku, bits) {
            rows[n].sku = sku;
            rows[n].bits = (int)json_integer_value(bits);
            if (++n == PROJECT_BATCH) {
                rc = project_rows(t, txn, rows, n, rep, pass);
                for (size_t i = 0; i < n; i++) { json_decref(rows[i].variant); json_decref(rows[i].product); }
                memset(rows, 0, n * sizeof *rows);
                n = 0;
                if (rc) break;
            }
        }
        if (rc == 0 && n) rc = project_rows(t, txn, rows, n, rep, pass);
        for (size_t i = 0; i < n; i++) { json_decref(rows[i].variant); json_decref(rows[i].product); }
        memset(rows, 0, n * sizeof *rows);
    }
    free(rows);
    if (rc == 0) rc = project_fulfillments(t, txn, tc->fulfillments, rep);
    return rc;
}
