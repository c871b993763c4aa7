/* tools_result.c - building tool results (tools.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tools.h"
#include "totals.h"

void tool_ok(struct mcp_call *c, json_t *structured, const char *narration, json_t *meta)
{
    char *txt = chatgpt_dump(structured);
    json_t *content = json_array();
    if (narration && *narration) json_array_append_new(content, json_pack("{s:s, s:s}", "type", "text", "text", narration));
    json_array_append_new(content, json_pack("{s:s, s:s}", "type", "text", "text", txt ? txt : "{}"));
    free(txt);
    json_t *r = json_pack("{s:o, s:o, s:b}", "content", content, "structuredContent", structured, "isError", 0);
    if (meta) json_object_set_new(r, "_meta", meta);
    mcp_reply_result(c, r);
}

void tool_fail(struct mcp_call *c, const char *code, const char *message)
{
    char text[900];
    snprintf(text, sizeof text, "Error (%s): %s", code, message);
    json_t *r = json_pack("{s:[{s:s, s:s}], s:b}", "content", "type", "text", "text", text, "isError", 1);
    mcp_reply_result(c, r);
}

static json_int_t jint(const json_t *o, const char *k) { return json_integer_value(json_object_get(o, k)); }

json_t *tool_cart_view(struct chatgpt *g, const json_t *cart, const json_t *messages)
{
    json_t *totals = cart_totals(g, cart);
    const char *cur = json_string_value(json_object_get(cart, "currency"));
    json_t *lines = json_array();
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(cart, "lines"), i, l) {
        json_t *tl = json_array_get(json_object_get(totals, "lines"), i);
        json_array_append_new(lines, json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:b}", "sku",
                                               json_object_get(l, "sku"), "product_id", json_object_get(l, "product_id"),
                                               "title", json_object_get(l, "title"), "options", json_object_get(l, "options"),
                                               "quantity", json_object_get(l, "quantity"), "unit_price",
                                               json_object_get(l, "unit_amount"), "line_total", json_object_get(tl, "gross"),
                                               "discount", json_object_get(tl, "discount"), "tax", json_object_get(tl, "tax"),
                                               "reserved", json_is_true(json_object_get(l, "held"))));
    }
    char disp[64];
    totals_format(jint(totals, "total"), cur, disp, sizeof disp);
    json_t *t = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:O, s:O, s:O}", "currency", cur ? cur : "", "subtotal",
                          jint(totals, "subtotal"), "discount", jint(totals, "discount"), "shipping",
                          jint(totals, "shipping"), "tax", jint(totals, "tax"), "total", jint(totals, "total"),
                          "tax_mode", json_object_get(totals, "tax_mode"), "tax_rate_bps",
                          json_object_get(totals, "tax_rate_bps"), "free_shipping_over",
                          json_object_get(totals, "free_shipping_over"));
    json_t *msgs = json_array();
    json_array_extend(msgs, (json_t *)messages);
    if (json_object_get(totals, "coupon_error")) {
        json_object_set(t, "coupon_error", json_object_get(totals, "coupon_error"));
        json_array_append(msgs, json_object_get(totals, "coupon_error"));
    }
    int64_t units = 0;
    json_array_foreach(json_object_get(cart, "lines"), i, l) units += jint(l, "quantity");
    json_t *v = json_pack("{s:O, s:O, s:s, s:o, s:I, s:O, s:o, s:s, s:o}", "cart_id", json_object_get(cart, "id"),
                          "status", json_object_get(cart, "status"), "currency", cur ? cur : "", "lines", lines,
                          "item_count", (json_int_t)units, "coupon",
                          json_object_get(cart, "coupon") ? json_object_get(cart, "coupon") : json_null(), "totals", t,
                          "total_display", disp, "messages", msgs);
    if (json_object_get(cart, "order_id")) json_object_set(v, "order_id", json_object_get(cart, "order_id"));
    json_decref(totals);
    return v;
}

void tool_cart_reply(struct mcp_call *c, const json_t *cart, const json_t *messages, const char *narration)
{
    json_t *v = tool_cart_view(c->g, cart, messages);
    char text[600];
    if (!narration) {
        snprintf(text, sizeof text, "Cart %s: %lld item(s), total %s.", json_string_value(json_object_get(cart, "id")),
                 (long long)jint(v, "item_count"), json_string_value(json_object_get(v, "total_display")));
        narration = text;
    }
    json_t *meta = json_pack("{s:O}", "openai/widgetSessionId", json_object_get(cart, "id"));
    tool_ok(c, v, narration, meta);
}

static void rfc3339(int64_t ms, char *out, size_t len)
{
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

json_t *tool_order_view(const json_t *o)
{
    const json_t *totals = json_object_get(o, "totals");
    const char *cur = json_string_value(json_object_get(o, "currency"));
    json_t *lines = json_array();
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(o, "lines"), i, l)
        json_array_append_new(lines, json_pack("{s:O, s:O, s:O, s:O, s:O, s:I}", "sku", json_object_get(l, "sku"), "title",
                                               json_object_get(l, "title"), "options", json_object_get(l, "options"),
                                               "quantity", json_object_get(l, "quantity"), "unit_price",
                                               json_object_get(l, "unit_amount"), "line_total",
                                               jint(l, "unit_amount") * jint(l, "quantity")));
    char when[40], disp[64];
    rfc3339(jint(o, "created_ms"), when, sizeof when);
    totals_format(jint(totals, "total"), cur, disp, sizeof disp);
    const json_t *p = json_object_get(o, "payment");
    json_t *v = json_pack("{s:O, s:O, s:O, s:s, s:s, s:o, s:{s:s, s:I, s:I, s:I, s:I, s:I, s:O, s:O}, s:s, "
                          "s:{s:O, s:O, s:O, s:O}, s:O}",
                          "order_id", json_object_get(o, "id"), "status", json_object_get(o, "status"), "cart_id",
                          json_object_get(o, "cart_id"), "created_at", when, "currency", cur ? cur : "", "lines", lines,
                          "totals", "currency", cur ? cur : "", "subtotal", jint(totals, "subtotal"), "discount",
                          jint(totals, "discount"), "shipping", jint(totals, "shipping"), "tax", jint(totals, "tax"),
                          "total", jint(totals, "total"), "tax_mode", json_object_get(totals, "tax_mode"),
                          "tax_rate_bps", json_object_get(totals, "tax_rate_bps"), "total_display", disp, "payment",
                          "provider", json_object_get(p, "provider"), "reference", json_object_get(p, "reference"),
                          "status", json_object_get(p, "status"), "amount", json_object_get(p, "amount"), "shipments",
                          json_object_get(o, "shipments"));
    if (json_is_true(json_object_get(o, "replayed"))) json_object_set_new(v, "replayed", json_true());
    return v;
}
