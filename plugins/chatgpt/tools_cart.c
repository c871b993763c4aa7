/* tools_cart.c - the cart tools: add, view, update, remove, coupon, checkout.
 * Every answer carries the cart and _meta["openai/widgetSessionId"] = cart id. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cart.h"
#include "catalog_index.h"
#include "payment.h"
#include "tools.h"
#include "totals.h"

static const char *jstr(const json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

static void on_cart(void *arg, enum cart_status st, const json_t *cart, const char *message)
{
    struct mcp_call *c = arg;
    if (st != CART_OK) {
        tool_fail(c, cart_status_code(st), message ? message : "refused");
        return;
    }
    tool_cart_reply(c, cart, json_object_get(cart, "_messages"), NULL);
}

/* Refuse bad input before a new cart is created for it. */
static int precheck_new_line(struct mcp_call *c, const char *sku, json_int_t qty)
{
    struct chatgpt *g = c->g;
    const json_t *e = catalog_index_variant(g->index, sku);
    char m[400];
    if (qty < 1) {
        snprintf(m, sizeof m, "quantity must be at least 1 (got %lld)", (long long)qty);
        tool_fail(c, "invalid", m);
        return -1;
    }
    if (!e) {
        snprintf(m, sizeof m, "unknown variant sku '%.100s': use search_products or get_product_details to find a valid sku", sku);
        tool_fail(c, "invalid", m);
        return -1;
    }
    if (json_is_true(json_object_get(e, "prohibited"))) {
        snprintf(m, sizeof m, "%s cannot be sold here: its category (%s) is not allowed by this shop's commerce policy",
                 jstr(e, "title"), jstr(e, "category"));
        tool_fail(c, "prohibited", m);
        return -1;
    }
    if (!json_is_true(json_object_get(e, "active"))) {
        snprintf(m, sizeof m, "%s is not for sale at the moment", jstr(e, "title"));
        tool_fail(c, "invalid", m);
        return -1;
    }
    if (qty > g->limits.max_units_per_sku || qty > g->limits.max_units_per_cart) {
        snprintf(m, sizeof m, "at most %lld units of one item and %lld units per cart (asked for %lld)",
                 (long long)g->limits.max_units_per_sku, (long long)g->limits.max_units_per_cart, (long long)qty);
        tool_fail(c, "limit", m);
        return -1;
    }
    return 0;
}

void tool_add_to_cart(struct mcp_call *c, json_t *args)
{
    struct chatgpt *g = c->g;
    const char *id = jstr(args, "cart_id");
    const char *sku = jstr(args, "sku");
    json_int_t qty = json_integer_value(json_object_get(args, "quantity"));
    const char *rid = jstr(args, "request_id");
    if (id && *id) {
        cart_add(g, id, &c->who, sku, qty, rid, on_cart, c);
        return;
    }
    if (precheck_new_line(c, sku, qty) != 0) return;
    enum cart_status st;
    char err[300];
    json_t *cart = cart_create(g, &c->who, &st, err, sizeof err);
    if (!cart) {
        tool_fail(c, cart_status_code(st), err);
        return;
    }
    funnel_count(g, "cart_created");
    if (c->account[0] && cart_set_account(g, cart, c->account) != 0)
        g->host->log(g->inst, HUB_LOG_WARN, "chatgpt: cannot record the account of a new cart");
    char cid[64];
    snprintf(cid, sizeof cid, "%s", jstr(cart, "id"));
    json_decref(cart);
    cart_add(g, cid, &c->who, sku, qty, rid, on_cart, c);
}

void tool_view_cart(struct mcp_call *c, json_t *args)
{
    cart_refresh(c->g, jstr(args, "cart_id"), &c->who, on_cart, c);
}

void tool_update_cart_item(struct mcp_call *c, json_t *args)
{
    cart_set_qty(c->g, jstr(args, "cart_id"), &c->who, jstr(args, "sku"),
                 json_integer_value(json_object_get(args, "quantity")), on_cart, c);
}

void tool_remove_from_cart(struct mcp_call *c, json_t *args)
{
    cart_remove(c->g, jstr(args, "cart_id"), &c->who, jstr(args, "sku"), on_cart, c);
}

void tool_apply_coupon(struct mcp_call *c, json_t *args)
{
    json_t *cart = NULL;
    char err[400];
    enum cart_status st = cart_apply_coupon(c->g, jstr(args, "cart_id"), &c->who, jstr(args, "code"), &cart, err, sizeof err);
    if (st != CART_OK) tool_fail(c, cart_status_code(st), err);
    else {
        char text[200];
        const char *code = jstr(cart, "coupon");
        snprintf(text, sizeof text, code ? "Coupon %s applied." : "Coupon removed.", code);
        json_t *v = tool_cart_view(c->g, cart, NULL);
        char full[400];
        snprintf(full, sizeof full, "%s Total now %s.", text, jstr(v, "total_display"));
        json_decref(v);
        tool_cart_reply(c, cart, NULL, full);
    }
    json_decref(cart);
}

static void on_checkout(void *arg, enum cart_status st, const json_t *cart, const char *message)
{
    struct mcp_call *c = arg;
    struct chatgpt *g = c->g;
    if (st != CART_OK) {
        tool_fail(c, cart_status_code(st), message ? message : "refused");
        return;
    }
    funnel_count(g, "checkout_started");
    json_t *v = tool_cart_view(g, cart, json_object_get(cart, "_messages"));
    json_t *totals = cart_totals(g, cart);
    json_int_t total = json_integer_value(json_object_get(totals, "total"));
    json_t *handoff = handoff_link(g, cart, totals);
    json_decref(totals);
    json_object_set_new(v, "checkout",
                        json_pack("{s:I, s:O, s:O, s:s, s:{s:s, s:{s:O, s:I}}, s:o}", "total", total, "currency",
                                  json_object_get(v, "currency"), "total_display", json_object_get(v, "total_display"),
                                  "payment_provider", g->payment->name, "confirm_with", "tool", "place_order", "arguments",
                                  "cart_id", json_object_get(cart, "id"), "confirm_total", total, "handoff",
                                  handoff ? handoff : json_null()));
    char text[500];
    snprintf(text, sizeof text,
             "Ready to check out: the total is %s (confirm_total=%lld). Ask the user to confirm this amount; only "
             "then call place_order with cart_id and confirm_total.",
             jstr(v, "total_display"), (long long)total);
    tool_ok(c, v, text, json_pack("{s:O}", "openai/widgetSessionId", json_object_get(cart, "id")));
}

void tool_start_checkout(struct mcp_call *c, json_t *args)
{
    cart_checkout(c->g, jstr(args, "cart_id"), &c->who, on_checkout, c);
}
