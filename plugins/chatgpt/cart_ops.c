/* cart_ops.c - add, set quantity, remove: each after the hold refresh
 * (cart_int.h).  A refusal by the store leaves the cart as it was. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cart_int.h"
#include "catalog_index.h"
#include "holds.h"

static const char *jstr(const json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }
static int64_t jint(const json_t *o, const char *k) { return (int64_t)json_integer_value(json_object_get(o, k)); }

static void finish(struct cart_op *op)
{
    if (op->fail_status != CART_OK) cart_op_finish(op, op->fail_status, op->cart, op->fail_msg);
    else cart_op_finish(op, CART_OK, op->cart, NULL);
}

static void set_fail(struct cart_op *op, enum cart_status st, const char *fmt, const char *a, int64_t n,
                     const char *b)
{
    op->fail_status = st;
    snprintf(op->fail_msg, sizeof op->fail_msg, fmt, a, (long long)n, b);
}

/* Is sku sellable, and does adding `add` units respect the limits?  0 or fail. */
static int check_item(struct cart_op *op, const json_t *e, int64_t new_qty, int64_t add)
{
    struct chatgpt *g = op->g;
    if (!e) {
        cart_op_fail(op, CART_EINVALID, "unknown variant sku '%.100s': use search_products or get_product_details to find a valid sku", op->sku);
        return -1;
    }
    if (json_is_true(json_object_get(e, "prohibited"))) {
        cart_op_fail(op, CART_EPOLICY, "%s cannot be sold here: its category (%s) is not allowed by this shop's commerce policy",
                     jstr(e, "title"), jstr(e, "category"));
        return -1;
    }
    if (!json_is_true(json_object_get(e, "active"))) {
        cart_op_fail(op, CART_EINVALID, "%s is not for sale at the moment", jstr(e, "title"));
        return -1;
    }
    const char *cur = jstr(json_object_get(e, "price"), "currency");
    if (cur && strcmp(cur, jstr(op->cart, "currency")) != 0) {
        cart_op_fail(op, CART_EINVALID, "%s is priced in %s but this cart is in %s", jstr(e, "title"), cur,
                     jstr(op->cart, "currency"));
        return -1;
    }
    if (new_qty > g->limits.max_units_per_sku) {
        cart_op_fail(op, CART_ELIMIT, "at most %lld units of one item per cart (asked for %lld of %s)",
                     (long long)g->limits.max_units_per_sku, (long long)new_qty, jstr(e, "title"));
        return -1;
    }
    if (cart_units(op->cart) + add > g->limits.max_units_per_cart) {
        cart_op_fail(op, CART_ELIMIT, "at most %lld units per cart (the cart has %lld)",
                     (long long)g->limits.max_units_per_cart, (long long)cart_units(op->cart));
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- add */

static void on_add_hold(struct cart_op *op, int ok, const char *msg, json_t *extra)
{
    if (!ok) {
        set_fail(op, CART_ESTOCK, "cannot add %2$lld x %1$s: %3$s", jstr(extra, "title"), op->qty, msg);
        return;
    }
    json_t *line = cart_line(op->cart, op->sku);
    if (!line) {
        line = json_pack("{s:s, s:O, s:O, s:O, s:O, s:I, s:[], s:b}", "sku", op->sku, "product_id",
                         json_object_get(extra, "product_id"), "title", json_object_get(extra, "title"), "options",
                         json_object_get(extra, "options"), "unit_amount", json_object_get(extra, "unit_amount"),
                         "quantity", (json_int_t)0, "holds", "held", 1);
        json_array_append_new(json_object_get(op->cart, "lines"), line);
    }
    json_object_set_new(line, "quantity", json_integer(jint(line, "quantity") + op->qty));
    json_array_append_new(json_object_get(line, "holds"),
                          json_pack("{s:O, s:I}", "id", json_object_get(extra, "hold"), "qty", (json_int_t)op->qty));
    cart_line_update_held(line);
    json_object_set(op->cart, "hold_seq", json_object_get(extra, "seq"));
    if (op->request_id[0]) {
        json_t *reqs = json_object_get(op->cart, "requests");
        if (!json_is_array(reqs)) {
            reqs = json_array();
            json_object_set_new(op->cart, "requests", reqs);
        }
        json_array_append_new(reqs, json_string(op->request_id));
        while (json_array_size(reqs) > 32) json_array_remove(reqs, 0);
    }
    op->dirty = 1;
}

void cart_step_add(struct cart_op *op)
{
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(op->cart, "requests"), i, r) {
        if (op->request_id[0] && strcmp(json_string_value(r), op->request_id) == 0) {
            cart_op_note(op, "request %s was already applied; the cart is unchanged", op->request_id);
            cart_op_finish(op, CART_OK, op->cart, NULL);
            return;
        }
    }
    if (op->qty < 1) {
        cart_op_fail(op, CART_EINVALID, "quantity must be at least 1 (got %lld)", (long long)op->qty);
        return;
    }
    const json_t *e = catalog_index_variant(op->g->index, op->sku);
    json_t *line = cart_line(op->cart, op->sku);
    int64_t have = line ? jint(line, "quantity") : 0;
    if (check_item(op, e, op->qty > op->g->limits.max_units_per_sku ? op->qty : have + op->qty, op->qty) != 0) return;
    if (!line && (int64_t)json_array_size(json_object_get(op->cart, "lines")) >= op->g->limits.max_lines) {
        cart_op_fail(op, CART_ELIMIT, "at most %lld different items per cart", (long long)op->g->limits.max_lines);
        return;
    }
    int64_t seq = jint(op->cart, "hold_seq") + 1;
    char hid[400];
    if (hold_id_make(hid, sizeof hid, op->id, op->sku, seq) != 0) {
        cart_op_fail(op, CART_EINVALID, "sku '%.100s' is too long", op->sku);
        return;
    }
    json_t *extra = json_pack("{s:s, s:I, s:O, s:O, s:O, s:O}", "hold", hid, "seq", (json_int_t)seq, "product_id",
                              json_object_get(e, "product_id"), "title", json_object_get(e, "title"), "options",
                              json_object_get(e, "options"), "unit_amount",
                              json_object_get(json_object_get(e, "price"), "amount"));
    cart_op_batch_begin(op, finish);
    cart_op_emit(op, hold_create_ev(hid, op->sku, op->qty), on_add_hold, extra);
    cart_op_batch_end(op);
}

/* ---------------------------------------------------------------- set quantity */

static void on_set_holds(struct cart_op *op, int ok, const char *msg, json_t *extra)
{
    json_t *line = cart_line(op->cart, op->sku);
    json_t *holds = json_object_get(line, "holds");
    json_t *released = json_object_get(extra, "released");
    size_t i, k;
    json_t *id;
    json_array_foreach(released, k, id) {
        json_t *h;
        json_array_foreach(holds, i, h) {
            if (strcmp(jstr(h, "id"), json_string_value(id)) == 0) {
                json_array_remove(holds, i);
                break;
            }
        }
    }
    const char *created = jstr(extra, "created");
    if (created && ok) {
        json_array_append_new(holds, json_pack("{s:s, s:O}", "id", created, "qty", json_object_get(extra, "qty")));
        json_object_set(op->cart, "hold_seq", json_object_get(extra, "seq"));
    }
    if (!ok && json_array_size(released) == 0) { /* nothing changed: refuse */
        set_fail(op, CART_ESTOCK, "cannot change %s to %lld: %s", jstr(line, "title"), op->qty, msg);
        return;
    }
    json_object_set_new(line, "quantity", json_integer(op->qty));
    cart_line_update_held(line);
    if (!ok)
        cart_op_note(op, "only %lld of %lld x %s could be reserved: %s", (long long)cart_line_held(line),
                     (long long)op->qty, jstr(line, "title"), msg);
    op->dirty = 1;
}

void cart_step_set(struct cart_op *op)
{
    json_t *line = cart_line(op->cart, op->sku);
    if (!line) {
        cart_op_fail(op, CART_EINVALID, "%.100s is not in cart %s; view_cart lists its items", op->sku, op->id);
        return;
    }
    if (op->qty < 1) {
        cart_op_fail(op, CART_EINVALID, "quantity must be at least 1 (got %lld); to drop the item call remove_from_cart",
                     (long long)op->qty);
        return;
    }
    int64_t cur = jint(line, "quantity");
    const json_t *e = catalog_index_variant(op->g->index, op->sku);
    if (op->qty > cur && check_item(op, e, op->qty, op->qty - cur) != 0) return;
    int64_t held = cart_line_held(line);
    if (op->qty == cur && held >= cur) {
        cart_op_finish(op, CART_OK, op->cart, NULL);
        return;
    }
    json_t *events = json_array();
    json_t *released = json_array();
    int64_t keep = held;
    json_t *holds = json_object_get(line, "holds");
    for (size_t i = json_array_size(holds); i-- > 0 && keep > op->qty;) {
        json_t *h = json_array_get(holds, i);
        json_array_append_new(events, hold_release_ev(jstr(h, "id"), "cart quantity lowered"));
        json_array_append(released, json_object_get(h, "id"));
        keep -= jint(h, "qty");
    }
    json_t *extra = json_pack("{s:o}", "released", released);
    json_t *create = NULL;
    if (keep < op->qty) {
        int64_t seq = jint(op->cart, "hold_seq") + 1;
        char hid[400];
        if (hold_id_make(hid, sizeof hid, op->id, op->sku, seq) != 0) {
            json_decref(events);
            json_decref(extra);
            cart_op_fail(op, CART_EINVALID, "sku '%.100s' is too long", op->sku);
            return;
        }
        create = hold_create_ev(hid, op->sku, op->qty - keep);
        json_object_set_new(extra, "created", json_string(hid));
        json_object_set_new(extra, "qty", json_integer(op->qty - keep));
        json_object_set_new(extra, "seq", json_integer(seq));
    }
    cart_op_batch_begin(op, finish);
    /* The releases first (queued first: the same commit applies them first),
     * in an emit of their own: a hold that expired meanwhile is refused ("no
     * hold"), which leaves it gone all the same and must not hide whether the
     * new hold was taken (an emit reports once for all its events). */
    if (json_array_size(events)) cart_op_emit(op, events, NULL, NULL);
    else json_decref(events);
    if (create) {
        cart_op_emit(op, create, on_set_holds, extra);
    } else {
        on_set_holds(op, 1, "", extra);
        json_decref(extra);
    }
    cart_op_batch_end(op);
}

/* ---------------------------------------------------------------- remove */

static void on_removed(struct cart_op *op, int ok, const char *msg, json_t *extra)
{
    (void)ok;
    (void)msg;
    (void)extra;
    json_t *lines = json_object_get(op->cart, "lines");
    size_t i;
    json_t *l;
    json_array_foreach(lines, i, l) {
        if (strcmp(jstr(l, "sku"), op->sku) == 0) {
            cart_op_note(op, "removed %s", jstr(l, "title"));
            json_array_remove(lines, i);
            break;
        }
    }
    op->dirty = 1;
}

void cart_step_remove(struct cart_op *op)
{
    json_t *line = cart_line(op->cart, op->sku);
    if (!line) {
        cart_op_fail(op, CART_EINVALID, "%.100s is not in cart %s; view_cart lists its items", op->sku, op->id);
        return;
    }
    json_t *events = json_array();
    size_t i;
    json_t *h;
    json_array_foreach(json_object_get(line, "holds"), i, h)
        json_array_append_new(events, hold_release_ev(jstr(h, "id"), "removed from cart"));
    cart_op_batch_begin(op, finish);
    if (json_array_size(events)) {
        cart_op_emit(op, events, on_removed, NULL);
    } else {
        json_decref(events);
        on_removed(op, 1, "", NULL);
    }
    cart_op_batch_end(op);
}

void cart_step_refresh_done(struct cart_op *op)
{
    cart_reprice(op);
    cart_op_finish(op, CART_OK, op->cart, NULL);
}
