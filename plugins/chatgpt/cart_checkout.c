/* cart_checkout.c - start_checkout and place_order (cart.h).
 *
 * place_order, in order: the idempotency checks (cart already ordered,
 * request key already used), the refresh + re-reservation of expired holds,
 * the confirmation (confirm_total == total), the payment authorization, then
 * order.created through the channel's Lua from_channel("order") with
 * lines[].hold_id (the core commits the holds), and only once that is durable:
 * the order record, the cart marked ordered, the request key remembered.
 * The order id is chosen before anything is emitted and kept in the cart, so
 * a retry after a crash re-emits under the same idempotency key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cart_int.h"
#include "holds.h"
#include "orders.h"
#include "payment.h"
#include "totals.h"

static const char *jstr(const json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }
static int64_t jint(const json_t *o, const char *k) { return (int64_t)json_integer_value(json_object_get(o, k)); }

/* ---------------------------------------------------------------- re-reserve */

static void on_rereserved(struct cart_op *op, int ok, const char *msg, json_t *extra)
{
    json_t *line = cart_line(op->cart, jstr(extra, "sku"));
    if (!ok) {
        if (op->fail_status == CART_OK) {
            op->fail_status = CART_ESTOCK;
            snprintf(op->fail_msg, sizeof op->fail_msg, "cannot reserve %s again: %s", jstr(line, "title"), msg);
        }
        return;
    }
    json_array_append_new(json_object_get(line, "holds"),
                          json_pack("{s:O, s:O}", "id", json_object_get(extra, "hold"), "qty", json_object_get(extra, "qty")));
    cart_line_update_held(line);
    cart_op_note(op, "reserved %lld x %s again", (long long)jint(extra, "qty"), jstr(line, "title"));
    op->dirty = 1;
}

void cart_rereserve(struct cart_op *op, void (*then)(struct cart_op *op))
{
    cart_op_batch_begin(op, then);
    size_t i;
    json_t *l;
    int64_t seq = jint(op->cart, "hold_seq");
    json_array_foreach(json_object_get(op->cart, "lines"), i, l) {
        int64_t missing = jint(l, "quantity") - cart_line_held(l);
        if (missing <= 0) continue;
        char hid[400];
        if (hold_id_make(hid, sizeof hid, op->id, jstr(l, "sku"), ++seq) != 0) continue;
        json_t *extra = json_pack("{s:s, s:O, s:I}", "hold", hid, "sku", json_object_get(l, "sku"), "qty", (json_int_t)missing);
        cart_op_emit(op, hold_create_ev(hid, jstr(l, "sku"), missing), on_rereserved, extra);
    }
    if (seq != jint(op->cart, "hold_seq")) {
        json_object_set_new(op->cart, "hold_seq", json_integer(seq));
        op->dirty = 1;
    }
    cart_op_batch_end(op);
}

/* ---------------------------------------------------------------- checkout */

static void checkout_done(struct cart_op *op)
{
    if (op->fail_status != CART_OK) {
        cart_op_finish(op, op->fail_status, op->cart, op->fail_msg);
        return;
    }
    json_object_set_new(op->cart, "checkout_ms", json_integer((json_int_t)op->g->host->now_ms(op->g->inst)));
    op->dirty = 1;
    cart_op_finish(op, CART_OK, op->cart, NULL);
}

void cart_step_checkout(struct cart_op *op)
{
    if (json_array_size(json_object_get(op->cart, "lines")) == 0) {
        cart_op_fail(op, CART_EINVALID, "cart %s is empty: add items with add_to_cart first", op->id);
        return;
    }
    cart_reprice(op);
    cart_rereserve(op, checkout_done);
}

/* ---------------------------------------------------------------- place order */

static void remember_request(struct chatgpt *g, const char *key, const char *cart_id, const char *order_id)
{
    if (!key || !*key) return;
    char name[200];
    snprintf(name, sizeof name, "order_req:%s", key);
    json_t *v = json_pack("{s:s, s:s}", "cart_id", cart_id, "order_id", order_id);
    char *txt = chatgpt_dump(v);
    g->host->state_set(g->inst, name, txt);
    free(txt);
    json_decref(v);
}

static json_t *lookup_request(struct chatgpt *g, const char *key)
{
    char name[200];
    snprintf(name, sizeof name, "order_req:%s", key);
    char *txt = g->host->state_get(g->inst, name);
    json_t *v = txt ? json_loads(txt, 0, NULL) : NULL;
    g->host->free(txt);
    return v;
}

static void finish_with_order(struct cart_op *op, const char *order_id, const char *note)
{
    json_t *order = order_get(op->g, order_id, NULL);
    if (!order) {
        cart_op_fail(op, CART_EINTERNAL, "order %s is recorded but cannot be read; try get_order_status", order_id);
        return;
    }
    if (note) json_object_set_new(order, "replayed", json_true());
    cart_op_finish(op, CART_OK, order, NULL);
    json_decref(order);
}

static json_t *build_order(struct cart_op *op, json_t *totals)
{
    struct chatgpt *g = op->g;
    json_t *lines = json_array();
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(op->cart, "lines"), i, l) {
        json_t *tl = json_array_get(json_object_get(totals, "lines"), i);
        json_array_append_new(lines, json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O}", "sku", json_object_get(l, "sku"),
                                               "product_id", json_object_get(l, "product_id"), "title",
                                               json_object_get(l, "title"), "options", json_object_get(l, "options"),
                                               "quantity", json_object_get(l, "quantity"), "unit_amount",
                                               json_object_get(l, "unit_amount"), "discount", json_object_get(tl, "discount"),
                                               "total", json_object_get(tl, "total")));
    }
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:I, s:O, s:o, s:O, s:O, s:[]}", "id", op->order_id, "cart_id", op->id,
                          "client", jstr(op->cart, "client") ? jstr(op->cart, "client") : op->client, "status", "placed",
                          "created_ms", (json_int_t)g->host->now_ms(g->inst), "currency",
                          json_object_get(op->cart, "currency"), "lines", lines, "totals", totals, "payment",
                          op->payment, "shipments");
    if (jstr(op->cart, "owner")) json_object_set(o, "owner", json_object_get(op->cart, "owner"));
    if (jstr(op->cart, "account")) json_object_set(o, "account", json_object_get(op->cart, "account"));
    if (op->request_key[0]) json_object_set_new(o, "request_key", json_string(op->request_key));
    return o;
}

static void on_order_emitted(struct cart_op *op, int ok, const char *msg, json_t *totals)
{
    struct chatgpt *g = op->g;
    if (!ok) {
        if (op->payment && g->payment->void_auth) g->payment->void_auth(g, op->payment);
        op->fail_status = CART_EINTERNAL;
        snprintf(op->fail_msg, sizeof op->fail_msg, "the order could not be recorded (%s); nothing was charged, try again", msg);
        return;
    }
    json_t *order = build_order(op, totals);
    if (order_save(g, order) != 0) g->host->log(g->inst, HUB_LOG_ERROR, "chatgpt: cannot store order %s", op->order_id);
    json_decref(order);
    json_object_set_new(op->cart, "status", json_string("ordered"));
    json_object_set_new(op->cart, "order_id", json_string(op->order_id));
    json_object_del(op->cart, "pending_order_id");
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(op->cart, "lines"), i, l) json_object_set_new(l, "holds", json_array());
    op->dirty = 1;
    remember_request(g, op->request_key, op->id, op->order_id);
}

static void placed(struct cart_op *op)
{
    if (op->fail_status != CART_OK) {
        cart_op_finish(op, op->fail_status, op->cart, op->fail_msg);
        return;
    }
    finish_with_order(op, op->order_id, NULL);
}

/* After refresh and re-reservation: confirm, pay, emit. */
static void place_secured(struct cart_op *op)
{
    struct chatgpt *g = op->g;
    if (op->fail_status != CART_OK) {
        cart_op_finish(op, op->fail_status, op->cart, op->fail_msg);
        return;
    }
    json_t *totals = cart_totals(g, op->cart);
    int64_t total = jint(totals, "total");
    const char *cur = jstr(op->cart, "currency");
    if (op->confirm_total >= 0 && op->confirm_total != total) {
        char t[48];
        totals_format(total, cur, t, sizeof t);
        json_decref(totals);
        cart_op_fail(op, CART_ESTATE,
                     "the cart total is %s (%lld minor units), not %lld: show the user the current total and, once "
                     "they confirm, call place_order with confirm_total=%lld",
                     t, (long long)total, (long long)op->confirm_total, (long long)total);
        return;
    }
    const char *pending = jstr(op->cart, "pending_order_id");
    if (pending) snprintf(op->order_id, sizeof op->order_id, "%s", pending);
    else {
        memcpy(op->order_id, "ord_", 5);
        if (chatgpt_random_hex(op->order_id + 4, 10) != 0) {
            json_decref(totals);
            cart_op_fail(op, CART_EINTERNAL, "cannot create an order id; try again");
            return;
        }
        json_object_set_new(op->cart, "pending_order_id", json_string(op->order_id));
        if (cart_save(g, op->cart) != 0) {
            json_decref(totals);
            cart_op_fail(op, CART_EINTERNAL, "cannot store the cart; try again");
            return;
        }
    }
    char err[300] = "";
    struct payment_request pr = {.token = op->token, .amount = total, .currency = cur, .order_id = op->order_id};
    if (g->payment->authorize(g, &pr, &op->payment, err, sizeof err) != 0) {
        json_decref(totals);
        cart_op_fail(op, CART_EPAYMENT, "payment refused: %s", err);
        return;
    }
    /* the canonical order through the channel's mapping */
    json_t *lines = json_array();
    size_t i, k;
    json_t *l, *h;
    json_array_foreach(json_object_get(op->cart, "lines"), i, l) {
        json_array_foreach(json_object_get(l, "holds"), k, h)
            json_array_append_new(lines, json_pack("{s:O, s:O, s:O, s:O}", "sku", json_object_get(l, "sku"), "quantity",
                                                   json_object_get(h, "qty"), "unit_amount", json_object_get(l, "unit_amount"),
                                                   "hold_id", json_object_get(h, "id")));
    }
    json_t *payload = json_pack("{s:s, s:s, s:s, s:o, s:I}", "order_id", op->order_id, "currency", cur, "cart_id", op->id,
                                "lines", lines, "total", (json_int_t)total);
    char *ptxt = chatgpt_dump(payload);
    json_decref(payload);
    char *merr = NULL;
    char *events = g->host->map_from_channel(g->inst, "order", ptxt, &merr);
    free(ptxt);
    if (!events) {
        g->host->log(g->inst, HUB_LOG_ERROR, "chatgpt: from_channel(order) failed: %s", merr ? merr : "?");
        g->host->free(merr);
        if (g->payment->void_auth) g->payment->void_auth(g, op->payment);
        json_decref(totals);
        cart_op_fail(op, CART_EINTERNAL, "the order could not be mapped; nothing was charged");
        return;
    }
    json_t *evs = json_loads(events, 0, NULL);
    g->host->free(events);
    char key[120];
    snprintf(key, sizeof key, "chatgpt:order:%s", op->order_id);
    cart_op_batch_begin(op, placed);
    cart_op_emit_keyed(op, key, evs, on_order_emitted, totals);
    cart_op_batch_end(op);
}

void cart_step_place(struct cart_op *op)
{
    struct chatgpt *g = op->g;
    const char *status = jstr(op->cart, "status");
    if (strcmp(status, "ordered") == 0 && jstr(op->cart, "order_id")) {
        finish_with_order(op, jstr(op->cart, "order_id"), "replay");
        return;
    }
    if (strcmp(status, "open") != 0) {
        cart_op_fail(op, CART_ESTATE, "cart %s is %s; start a new cart with add_to_cart (no cart_id)", op->id, status);
        return;
    }
    if (op->request_key[0]) {
        json_t *seen = lookup_request(g, op->request_key);
        if (seen) {
            int same = jstr(seen, "cart_id") && strcmp(jstr(seen, "cart_id"), op->id) == 0;
            char oid[64];
            snprintf(oid, sizeof oid, "%s", jstr(seen, "order_id") ? jstr(seen, "order_id") : "");
            json_decref(seen);
            if (!same) {
                cart_op_fail(op, CART_ESTATE, "request_key '%.60s' was already used for another cart's order", op->request_key);
                return;
            }
            finish_with_order(op, oid, "replay");
            return;
        }
    }
    if (json_array_size(json_object_get(op->cart, "lines")) == 0) {
        cart_op_fail(op, CART_EINVALID, "cart %s is empty: add items with add_to_cart first", op->id);
        return;
    }
    cart_reprice(op);
    cart_rereserve(op, place_secured);
}
