/*
 * shopify_stock.c - absolute stock: inventorySetQuantities, compare-and-set.
 *
 * All stock items of a batch (<= 250) go in one call, name "available", at the
 * tenant's location.  Each carries the quantity Shopify is expected to show
 * now: what Shopify was last seen showing (a re-read after a stale compare, a
 * reconcile, a webhook), else the shadow (hub_push_item.shadow_quantity), else
 * nothing (no check).  By API version (docs/channels/shopify.md section 4):
 *   <= 2025-10   compareQuantity: n  |  ignoreCompareQuantity: true
 *   >= 2026-01   changeFromQuantity: n | null, with @idempotent(key:)
 *                (mandatory from 2026-04)
 * A stale compare (CHANGE_FROM_QUANTITY_STALE / COMPARE_QUANTITY_STALE): the
 * item's level is re-read; if Shopify already shows the hub's number the item
 * is done, else a stock.drift event {channel, sku, quantity: Shopify's value}
 * records the channel-side change (the engine raises an exception and pushes
 * the canonical number again) and the item is retried with the fresh value.
 * Other userErrors refuse that item (dead letter, Shopify's message).  If the
 * mutation applied nothing because of another item's error, the rest go again
 * in a second call.
 */
#include "shopify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ROUNDS 3

struct stock_call {
    struct push *p;
    size_t *idx; /* item index of each quantity, in order */
    size_t n;
    int round;
};

static void send_round(struct push *p, int round);

static int stale_code(const char *code)
{
    return code && (strcmp(code, "CHANGE_FROM_QUANTITY_STALE") == 0 || strcmp(code, "COMPARE_QUANTITY_STALE") == 0);
}

/* The quantity index a userError's field path names, or -1. */
static long error_index(json_t *err)
{
    json_t *field = json_object_get(err, "field");
    size_t i;
    json_t *f;
    json_array_foreach(field, i, f) {
        if (!json_is_string(f) || strcmp(json_string_value(f), "quantities") != 0) continue;
        json_t *n = json_array_get(field, i + 1);
        if (json_is_string(n)) return strtol(json_string_value(n), NULL, 10);
        if (json_is_integer(n)) return (long)json_integer_value(n);
    }
    return -1;
}

/* ------------------------------------------------------------ stale: re-read */
struct stale {
    struct push *p;
    json_t *items; /* inventory item gid -> item index */
};

static void emit_drift(struct shopify *s, const char *sku, int64_t shown, int64_t expected)
{
    char reason[256];
    snprintf(reason, sizeof reason,
             "Shopify shows %lld at %s where the hub expected %lld (changed in Shopify)", (long long)shown,
             s->location, (long long)expected);
    json_t *ev = json_pack("{s:s, s:s, s:s, s:I, s:s}", "type", "stock.drift", "channel",
                           s->host->channel(s->inst), "sku", sku, "quantity", (json_int_t)shown, "reason", reason);
    char *text = json_dumps(ev, JSON_COMPACT);
    json_decref(ev);
    if (text && s->host->emit(s->inst, NULL, text, NULL, NULL) != 0)
        s->host->log(s->inst, HUB_LOG_WARN, "shopify: could not record drift of %s", sku);
    free(text);
    shopify_metric(s, "drift", 1);
}

static void on_levels(struct shopify *s, void *arg, json_t *levels, const struct gql_result *r)
{
    struct stale *st = arg;
    struct push *p = st->p;
    const char *iid;
    json_t *v;
    json_object_foreach(st->items, iid, v) {
        size_t i = (size_t)json_integer_value(v);
        const struct hub_push_item *it = p->st[i].it;
        json_t *q = levels ? json_object_get(levels, iid) : NULL;
        if (!levels) {
            push_fail(p, i, r);
            continue;
        }
        if (!json_is_integer(q)) {
            push_retry(p, i, 0, "stale compare quantity; the level could not be re-read");
            continue;
        }
        int64_t shown = json_integer_value(q);
        if (shown == it->quantity) { /* Shopify already shows the hub's number */
            ids_forget_observed(s, it->sku);
            char *ext = ids_external(s, it->sku);
            push_ok(p, i, ext);
            free(ext);
            continue;
        }
        int64_t expected = it->shadow_quantity;
        ids_observed(s, it->sku, &expected);
        ids_observe(s, it->sku, shown);
        emit_drift(s, it->sku, shown, expected);
        char msg[256];
        snprintf(msg, sizeof msg, "compare quantity stale: Shopify shows %lld; pushing %lld again",
                 (long long)shown, (long long)it->quantity);
        push_retry(p, i, 0, msg);
    }
    json_decref(st->items);
    free(st);
    push_step(p);
}

/* ------------------------------------------------------------ the call */
static void on_set(struct shopify *s, void *arg, const struct gql_result *r)
{
    struct stock_call *c = arg;
    struct push *p = c->p;
    push_cost(p, r);
    json_t *res = r->data ? json_object_get(r->data, "inventorySetQuantities") : NULL;
    json_t *errors = json_object_get(res, "userErrors");
    int applied = json_is_object(json_object_get(res, "inventoryAdjustmentGroup")) || json_array_size(errors) == 0;
    char *state = calloc(c->n ? c->n : 1, 1); /* 0 fine, 1 stale, 2 refused */
    for (size_t k = 0; k < c->n; k++) p->st[c->idx[k]].busy = 0;
    if (!r->ok) {
        for (size_t k = 0; k < c->n; k++) push_fail(p, c->idx[k], r);
    } else if (r->dry_run) {
        for (size_t k = 0; k < c->n; k++) push_ok(p, c->idx[k], NULL);
    } else {
        size_t e;
        json_t *err;
        json_array_foreach(errors, e, err) {
            long k = error_index(err);
            const char *code = json_string_value(json_object_get(err, "code"));
            json_t *one = json_pack("[O]", err);
            char *msg = gql_user_errors(one);
            json_decref(one);
            if (k >= 0 && (size_t)k < c->n) {
                if (stale_code(code)) state[k] = 1;
                else {
                    state[k] = 2;
                    push_fatal(p, c->idx[k], msg);
                }
            } else { /* not about one item: the whole call was refused */
                for (size_t j = 0; j < c->n; j++) {
                    state[j] = 2;
                    push_fatal(p, c->idx[j], msg);
                }
            }
            free(msg);
        }
        json_t *stale_items = json_object();
        for (size_t k = 0; k < c->n; k++) {
            size_t i = c->idx[k];
            const struct hub_push_item *it = p->st[i].it;
            if (state[k] == 1) {
                const char *iid = json_string_value(json_object_get(json_object_get(s->ids, it->sku),
                                                                    "inventory_item_id"));
                if (iid) json_object_set_new(stale_items, iid, json_integer((json_int_t)i));
                else push_retry(p, i, 0, "stale compare quantity");
            } else if (state[k] == 0 && applied) {
                ids_forget_observed(s, it->sku);
                char *ext = ids_external(s, it->sku);
                push_ok(p, i, ext);
                free(ext);
            }
        }
        /* Refused as a whole because of other items: the rest go again. */
        if (!applied && c->round + 1 < MAX_ROUNDS) send_round(p, c->round + 1);
        if (json_object_size(stale_items) > 0) {
            struct stale *st = calloc(1, sizeof *st);
            st->p = p;
            st->items = stale_items;
            json_t *ids = json_array();
            const char *iid;
            json_t *v;
            json_object_foreach(stale_items, iid, v) json_array_append_new(ids, json_string(iid));
            p->pending++;
            levels_read(s, ids, on_levels, st);
            json_decref(ids);
        } else {
            json_decref(stale_items);
        }
    }
    free(state);
    free(c->idx);
    free(c);
    push_step(p);
}

static json_t *quantity_input(struct shopify *s, const struct hub_push_item *it, const char *item_id)
{
    json_t *q = json_pack("{s:s, s:s, s:I}", "inventoryItemId", item_id, "locationId", s->location, "quantity",
                          (json_int_t)it->quantity);
    int64_t expect = it->shadow_quantity;
    int known = ids_observed(s, it->sku, &expect) || expect >= 0;
    if (s->ver >= 202601) json_object_set_new(q, "changeFromQuantity", known ? json_integer((json_int_t)expect) : json_null());
    else if (known) json_object_set_new(q, "compareQuantity", json_integer((json_int_t)expect));
    return q;
}

/* One call.  `which`: -1 every item (>= 2026-01: changeFromQuantity per item);
 * before 2026-01, where "ignore" is per call: 1 the items with a known
 * compare value, 0 the others (ignoreCompareQuantity). */
static void send_call(struct push *p, int round, int which)
{
    struct shopify *s = p->s;
    int dry = s->host->mode(s->inst) == HUB_MODE_DRY_RUN;
    struct stock_call *c = calloc(1, sizeof *c);
    c->p = p;
    c->round = round;
    c->idx = calloc(p->n ? p->n : 1, sizeof *c->idx);
    json_t *quantities = json_array();
    for (size_t i = 0; i < p->n; i++) {
        const struct hub_push_item *it = p->st[i].it;
        if (it->kind != HUB_OP_STOCK || p->st[i].done || p->st[i].busy) continue;
        const char *iid = json_string_value(json_object_get(json_object_get(s->ids, it->sku), "inventory_item_id"));
        char placeholder[300];
        if (!iid && dry) { /* dry-run: no lookups; show where the id goes */
            snprintf(placeholder, sizeof placeholder, "gid://shopify/InventoryItem/(id of SKU %s)", it->sku);
            iid = placeholder;
        }
        if (!iid) continue;
        json_t *q = quantity_input(s, it, iid);
        if (which >= 0 && (json_object_get(q, "compareQuantity") != NULL) != which) {
            json_decref(q);
            continue;
        }
        json_array_append_new(quantities, q);
        p->st[i].busy = 1;
        json_object_set_new(s->pushing, it->sku, json_integer((json_int_t)it->quantity));
        c->idx[c->n++] = i;
    }
    if (c->n == 0) {
        json_decref(quantities);
        free(c->idx);
        free(c);
        return;
    }
    char ref[96];
    snprintf(ref, sizeof ref, "gid://hub/PushBatch/%llu", (unsigned long long)p->st[c->idx[0]].it->op_id);
    json_t *input = json_pack("{s:s, s:s, s:s, s:o}", "name", "available", "reason", "correction",
                              "referenceDocumentUri", ref, "quantities", quantities);
    char query[512];
    if (s->ver >= 202601) {
        char key[37];
        gql_idem_key(s, key);
        snprintf(query, sizeof query,
                 "mutation SetStock($input: InventorySetQuantitiesInput!) { inventorySetQuantities(input: $input) "
                 "@idempotent(key: \"%s\") { inventoryAdjustmentGroup { changes { name delta } } "
                 "userErrors { code field message } } }", key);
    } else {
        if (which == 0) json_object_set_new(input, "ignoreCompareQuantity", json_true());
        snprintf(query, sizeof query,
                 "mutation SetStock($input: InventorySetQuantitiesInput!) { inventorySetQuantities(input: $input) "
                 "{ inventoryAdjustmentGroup { changes { name delta } } userErrors { code field message } } }");
    }
    p->pending++;
    gql_call(s, OP_INVENTORY, query, json_pack("{s:o}", "input", input), 10.0, on_set, c);
}

static void send_round(struct push *p, int round)
{
    if (p->s->ver >= 202601) {
        send_call(p, round, -1);
    } else {
        send_call(p, round, 1);
        send_call(p, round, 0);
    }
}

void stock_phase(struct push *p)
{
    p->phase++;
    send_round(p, 0);
}
