/* tools_orders.c - place_order, get_order_status, list_orders. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cart.h"
#include "orders.h"
#include "tools.h"

static const char *jstr(const json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

static void on_placed(void *arg, enum cart_status st, const json_t *order, const char *message)
{
    struct mcp_call *c = arg;
    if (st != CART_OK) {
        tool_fail(c, cart_status_code(st), message ? message : "refused");
        return;
    }
    int replay = json_is_true(json_object_get(order, "replayed"));
    if (!replay) funnel_count(c->g, "order_placed");
    json_t *v = tool_order_view(order);
    char text[400];
    snprintf(text, sizeof text, "%s %s: %s charged to the %s payment provider.",
             replay ? "Already placed: order" : "Order placed:", jstr(order, "id"), jstr(v, "total_display"),
             jstr(json_object_get(order, "payment"), "provider"));
    tool_ok(c, v, text, json_pack("{s:O}", "openai/widgetSessionId", json_object_get(order, "cart_id")));
}

void tool_place_order(struct mcp_call *c, json_t *args)
{
    cart_place_order(c->g, jstr(args, "cart_id"), &c->who, jstr(args, "request_key"), jstr(args, "payment_token"),
                     json_integer_value(json_object_get(args, "confirm_total")), on_placed, c);
}

void tool_get_order_status(struct mcp_call *c, json_t *args)
{
    const char *id = jstr(args, "order_id");
    json_t *o = order_get(c->g, id, c->owner[0] ? c->owner : NULL);
    if (!o) {
        char m[200];
        snprintf(m, sizeof m, "no order '%.64s': list_orders shows this account's orders", id);
        tool_fail(c, "not_found", m);
        return;
    }
    json_t *v = tool_order_view(o);
    char text[300];
    snprintf(text, sizeof text, "Order %s is %s (total %s).", jstr(o, "id"), jstr(o, "status"), jstr(v, "total_display"));
    json_decref(o);
    tool_ok(c, v, text, NULL);
}

void tool_list_orders(struct mcp_call *c, json_t *args)
{
    json_t *lim = json_object_get(args, "limit");
    size_t limit = lim ? (size_t)json_integer_value(lim) : 20;
    json_t *orders = orders_list(c->g, c->account[0] ? c->account : NULL, c->owner[0] ? c->owner : NULL, limit);
    json_t *out = json_array();
    size_t i;
    json_t *o;
    json_array_foreach(orders, i, o) {
        json_t *v = tool_order_view(o);
        json_array_append_new(out, json_pack("{s:O, s:O, s:O, s:O, s:O, s:I}", "order_id", json_object_get(v, "order_id"),
                                             "status", json_object_get(v, "status"), "created_at",
                                             json_object_get(v, "created_at"), "total",
                                             json_object_get(json_object_get(v, "totals"), "total"), "currency",
                                             json_object_get(v, "currency"), "item_count",
                                             (json_int_t)json_array_size(json_object_get(v, "lines"))));
        json_decref(v);
    }
    json_decref(orders);
    char text[200];
    if (!c->account[0])
        snprintf(text, sizeof text, "No account to list orders for (no openai/subject, no MCP session): "
                                    "use get_order_status with an order id.");
    else
        snprintf(text, sizeof text, "%zu order(s).", json_array_size(out));
    tool_ok(c, json_pack("{s:o}", "orders", out), text, NULL);
}
