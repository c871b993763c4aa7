/* tools_defs.c - the tool table: names, descriptions, JSON Schemas, hints;
 * tools/list and the tools/call entry (tools.h).  Amounts are integers in
 * minor units everywhere. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools.h"

#define S_STR(n) "{\"type\":\"string\",\"minLength\":1,\"maxLength\":" #n "}"
#define CART_ID_IN "\"cart_id\":{\"type\":\"string\",\"maxLength\":64,\"description\":\"the cart_id a cart tool returned\"}"
#define SKU_IN "\"sku\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":100,\"description\":\"variant SKU from search_products or get_product_details\"}"
#define QTY_IN(d) "\"quantity\":{\"type\":\"integer\",\"description\":\"" d "\"}"

#define MONEY "{\"type\":\"integer\",\"description\":\"minor units\"}"
#define PRICE "{\"type\":\"object\",\"required\":[\"amount\",\"currency\"],\"properties\":{\"amount\":{\"type\":\"integer\"},\"currency\":{\"type\":\"string\"}}}"
#define VARIANT                                                                                          \
    "{\"type\":\"object\",\"required\":[\"sku\",\"title\",\"options\",\"price\",\"in_stock\"],\"properties\":{" \
    "\"sku\":{\"type\":\"string\"},\"title\":{\"type\":\"string\"},\"options\":{\"type\":\"object\"},"   \
    "\"price\":" PRICE ",\"list_price\":" PRICE ",\"available\":{\"type\":\"integer\"},"                  \
    "\"in_stock\":{\"type\":\"boolean\"}}}"
#define FACET "{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":[\"value\",\"count\"],\"properties\":{\"value\":{\"type\":\"string\"},\"count\":{\"type\":\"integer\"}}}}"
#define TOTALS                                                                                                \
    "{\"type\":\"object\",\"required\":[\"currency\",\"subtotal\",\"discount\",\"shipping\",\"tax\",\"total\"]," \
    "\"properties\":{\"currency\":{\"type\":\"string\"},\"subtotal\":" MONEY ",\"discount\":" MONEY            \
    ",\"shipping\":" MONEY ",\"tax\":" MONEY ",\"total\":" MONEY ",\"tax_mode\":{\"type\":\"string\","        \
    "\"enum\":[\"inclusive\",\"exclusive\"]},\"tax_rate_bps\":{\"type\":\"integer\"},"                          \
    "\"free_shipping_over\":{\"type\":[\"integer\",\"null\"]},\"coupon_error\":{\"type\":\"string\"}}}"
#define CART_LINE                                                                                               \
    "{\"type\":\"object\",\"required\":[\"sku\",\"product_id\",\"title\",\"quantity\",\"unit_price\",\"line_total\"," \
    "\"discount\",\"reserved\"],\"properties\":{\"sku\":{\"type\":\"string\"},\"product_id\":{\"type\":\"string\"},"  \
    "\"title\":{\"type\":\"string\"},\"options\":{\"type\":\"object\"},\"quantity\":{\"type\":\"integer\","          \
    "\"minimum\":1},\"unit_price\":" MONEY ",\"line_total\":" MONEY ",\"discount\":" MONEY ",\"tax\":" MONEY       \
    ",\"reserved\":{\"type\":\"boolean\"}}}"
#define CART_PROPS                                                                                            \
    "\"cart_id\":{\"type\":\"string\"},\"status\":{\"type\":\"string\",\"enum\":[\"open\",\"ordered\","           \
    "\"released\"]},\"currency\":{\"type\":\"string\"},\"lines\":{\"type\":\"array\",\"items\":" CART_LINE "},"    \
    "\"item_count\":{\"type\":\"integer\"},\"coupon\":{\"type\":[\"string\",\"null\"]},\"totals\":" TOTALS ","     \
    "\"total_display\":{\"type\":\"string\"},\"order_id\":{\"type\":\"string\"},"                                 \
    "\"messages\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}"
#define CART_REQ "\"cart_id\",\"status\",\"currency\",\"lines\",\"item_count\",\"totals\",\"total_display\",\"messages\""
#define CART_OUT "{\"type\":\"object\",\"required\":[" CART_REQ "],\"properties\":{" CART_PROPS "}}"
#define ORDER_LINE                                                                                          \
    "{\"type\":\"object\",\"required\":[\"sku\",\"title\",\"quantity\",\"unit_price\",\"line_total\"],"        \
    "\"properties\":{\"sku\":{\"type\":\"string\"},\"title\":{\"type\":\"string\"},\"options\":{\"type\":\"object\"}," \
    "\"quantity\":{\"type\":\"integer\"},\"unit_price\":" MONEY ",\"line_total\":" MONEY "}}"
#define ORDER_OUT                                                                                             \
    "{\"type\":\"object\",\"required\":[\"order_id\",\"status\",\"cart_id\",\"created_at\",\"currency\",\"lines\"," \
    "\"totals\",\"total_display\",\"payment\"],\"properties\":{\"order_id\":{\"type\":\"string\"},"              \
    "\"status\":{\"type\":\"string\",\"enum\":[\"placed\",\"shipped\",\"cancelled\"]},\"cart_id\":{\"type\":\"string\"}," \
    "\"created_at\":{\"type\":\"string\"},\"currency\":{\"type\":\"string\"},\"lines\":{\"type\":\"array\","      \
    "\"items\":" ORDER_LINE "},\"totals\":" TOTALS ",\"total_display\":{\"type\":\"string\"},"                   \
    "\"payment\":{\"type\":\"object\",\"required\":[\"provider\",\"status\",\"amount\"],\"properties\":{"           \
    "\"provider\":{\"type\":\"string\"},\"reference\":{\"type\":\"string\"},\"status\":{\"type\":\"string\"},"       \
    "\"amount\":" MONEY "}},\"shipments\":{\"type\":\"array\",\"items\":{\"type\":\"object\"}},"                 \
    "\"replayed\":{\"type\":\"boolean\"}}}"

const struct tool_def tool_defs[] = {
    {"search_products", "Search products",
     "Search the shop's catalog. Filters: query (words), category (e.g. \"Shoes\" or \"Shoes > Boots\"), brand, "
     "size, colour, min_price/max_price (minor units: 5000 = 50.00), in_stock_only. Returns products with their "
     "matching variants (sku, options, price, availability), facets for refining, and next_cursor for more.",
     "{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{"
     "\"query\":{\"type\":\"string\",\"maxLength\":200,\"description\":\"words to find in title, brand, category, tags, description\"},"
     "\"category\":" S_STR(100) ",\"brand\":" S_STR(100) ",\"size\":" S_STR(40) ",\"colour\":" S_STR(40) ","
     "\"color\":" S_STR(40) ","
     "\"min_price\":{\"type\":\"integer\",\"minimum\":0,\"description\":\"minor units\"},"
     "\"max_price\":{\"type\":\"integer\",\"minimum\":0,\"description\":\"minor units\"},"
     "\"in_stock_only\":{\"type\":\"boolean\"},"
     "\"sort\":{\"type\":\"string\",\"enum\":[\"relevance\",\"price_asc\",\"price_desc\",\"title\"]},"
     "\"limit\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":50},"
     "\"cursor\":{\"type\":\"string\",\"maxLength\":40,\"description\":\"next_cursor of the previous page\"}}}",
     "{\"type\":\"object\",\"required\":[\"products\",\"total\",\"facets\"],\"properties\":{"
     "\"products\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"required\":[\"product_id\",\"title\",\"price\","
     "\"in_stock\",\"variants\"],\"properties\":{\"product_id\":{\"type\":\"string\"},\"title\":{\"type\":\"string\"},"
     "\"brand\":{\"type\":\"string\"},\"category\":{\"type\":\"string\"},\"image\":{\"type\":\"string\"},"
     "\"price\":{\"type\":\"object\",\"required\":[\"min\",\"max\",\"currency\"],\"properties\":{\"min\":" MONEY
     ",\"max\":" MONEY ",\"currency\":{\"type\":\"string\"}}},\"in_stock\":{\"type\":\"boolean\"},"
     "\"variant_count\":{\"type\":\"integer\"},\"variants\":{\"type\":\"array\",\"items\":" VARIANT "}}}},"
     "\"total\":{\"type\":\"integer\"},\"next_cursor\":{\"type\":\"string\"},"
     "\"facets\":{\"type\":\"object\",\"properties\":{\"brand\":" FACET ",\"category\":" FACET ",\"size\":" FACET
     ",\"colour\":" FACET "}}}}",
     1, 0, 1, 0, tool_search_products},
    {"get_product_details", "Product details",
     "Everything about one product: description, images, options and every variant (sku, price, availability). "
     "Give product_id, or a variant sku.",
     "{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{\"product_id\":" S_STR(100) "," SKU_IN "}}",
     "{\"type\":\"object\",\"required\":[\"product_id\",\"title\",\"variants\"],\"properties\":{"
     "\"product_id\":{\"type\":\"string\"},\"title\":{\"type\":\"string\"},\"brand\":{\"type\":\"string\"},"
     "\"category\":{\"type\":\"string\"},\"description\":{\"type\":\"string\"},\"images\":{\"type\":\"array\","
     "\"items\":{\"type\":\"string\"}},\"options\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}},"
     "\"url\":{\"type\":\"string\"},\"in_stock\":{\"type\":\"boolean\"},\"variants\":{\"type\":\"array\",\"items\":" VARIANT "}}}",
     1, 0, 1, 0, tool_get_product_details},
    {"add_to_cart", "Add to cart",
     "Add quantity units of a variant (sku) to the cart, reserving the stock for a while. Without cart_id a new "
     "cart is started: keep the cart_id returned and pass it to every later cart tool. request_id (optional) makes "
     "a retry harmless.",
     "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"sku\",\"quantity\"],\"properties\":{"
     CART_ID_IN "," SKU_IN "," QTY_IN("units to add, at least 1") ","
     "\"request_id\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":100}}}",
     CART_OUT, 0, 0, 0, 0, tool_add_to_cart},
    {"view_cart", "View cart",
     "The cart: items, reservations, coupon and totals (subtotal, discount, shipping, tax, total). Refreshes the "
     "reservations; an expired one is reported and renewed at checkout.",
     "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"cart_id\"],\"properties\":{" CART_ID_IN "}}",
     CART_OUT, 1, 0, 1, 0, tool_view_cart},
    {"update_cart_item", "Change quantity",
     "Set the quantity of an item already in the cart (at least 1; use remove_from_cart to drop it).",
     "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"cart_id\",\"sku\",\"quantity\"],\"properties\":{"
     CART_ID_IN "," SKU_IN "," QTY_IN("the new quantity, at least 1") "}}",
     CART_OUT, 0, 0, 1, 0, tool_update_cart_item},
    {"remove_from_cart", "Remove from cart", "Remove an item from the cart and release its reservation.",
     "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"cart_id\",\"sku\"],\"properties\":{"
     CART_ID_IN "," SKU_IN "}}",
     CART_OUT, 0, 1, 1, 0, tool_remove_from_cart},
    {"apply_coupon", "Apply coupon",
     "Apply a coupon code to the cart (one per cart; a new code replaces the old one, an empty code removes it).",
     "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"cart_id\",\"code\"],\"properties\":{"
     CART_ID_IN ",\"code\":{\"type\":\"string\",\"maxLength\":40}}}",
     CART_OUT, 0, 0, 1, 0, tool_apply_coupon},
    {"start_checkout", "Start checkout",
     "Check the cart before buying: renews reservations, prices everything and states the exact total. Show it "
     "to the user; only after they confirm, call place_order with confirm_total equal to that total.",
     "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"cart_id\"],\"properties\":{" CART_ID_IN "}}",
     "{\"type\":\"object\",\"required\":[" CART_REQ ",\"checkout\"],\"properties\":{" CART_PROPS ","
     "\"checkout\":{\"type\":\"object\",\"required\":[\"total\",\"currency\",\"total_display\",\"confirm_with\"],"
     "\"properties\":{\"total\":" MONEY ",\"currency\":{\"type\":\"string\"},\"total_display\":{\"type\":\"string\"},"
     "\"payment_provider\":{\"type\":\"string\"},\"confirm_with\":{\"type\":\"object\"},"
     "\"handoff\":{\"type\":[\"object\",\"null\"]}}}}}",
     0, 0, 1, 0, tool_start_checkout},
    {"place_order", "Place order",
     "Buy the cart. Charges the total stated by start_checkout: confirm_total must equal it (minor units) and the "
     "user must have explicitly confirmed it. request_key (recommended) makes a retry return the same order.",
     "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"cart_id\",\"confirm_total\"],\"properties\":{"
     CART_ID_IN ",\"confirm_total\":{\"type\":\"integer\",\"description\":\"the total the user confirmed, minor units\"},"
     "\"request_key\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":100},"
     "\"payment_token\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":512,\"description\":\"a payment provider token; never card data\"}}}",
     ORDER_OUT, 0, 1, 0, 1, tool_place_order},
    {"get_order_status", "Order status", "The status, items, totals and shipments of an order.",
     "{\"type\":\"object\",\"additionalProperties\":false,\"required\":[\"order_id\"],\"properties\":{"
     "\"order_id\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":64}}}",
     ORDER_OUT, 1, 0, 1, 0, tool_get_order_status},
    {"list_orders", "My orders", "The orders placed in this conversation's account, newest first.",
     "{\"type\":\"object\",\"additionalProperties\":false,\"properties\":{\"limit\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":50}}}",
     "{\"type\":\"object\",\"required\":[\"orders\"],\"properties\":{\"orders\":{\"type\":\"array\",\"items\":{"
     "\"type\":\"object\",\"required\":[\"order_id\",\"status\",\"created_at\",\"total\",\"currency\",\"item_count\"],"
     "\"properties\":{\"order_id\":{\"type\":\"string\"},\"status\":{\"type\":\"string\"},\"created_at\":{\"type\":\"string\"},"
     "\"total\":" MONEY ",\"currency\":{\"type\":\"string\"},\"item_count\":{\"type\":\"integer\"}}}}}}",
     1, 0, 1, 0, tool_list_orders},
    {NULL, NULL, NULL, NULL, NULL, 0, 0, 0, 0, NULL},
};

static const struct tool_def *tool_find(const char *name)
{
    for (const struct tool_def *t = tool_defs; t->name; t++)
        if (strcmp(t->name, name) == 0) return t;
    return NULL;
}

static json_t *parse(const char *txt, const char *what, const char *tool)
{
    json_error_t e;
    json_t *v = json_loads(txt, 0, &e);
    if (!v) {
        fprintf(stderr, "chatgpt: tool %s: %s schema is not JSON: %s (column %d)\n", tool, what, e.text, e.column);
        abort(); /* a programming error, caught by every test */
    }
    return v;
}

json_t *tools_list(struct chatgpt *g)
{
    (void)g;
    json_t *arr = json_array();
    for (const struct tool_def *t = tool_defs; t->name; t++) {
        json_t *tool = json_pack("{s:s, s:s, s:s, s:o, s:o, s:{s:s, s:b, s:b, s:b, s:b}}", "name", t->name, "title",
                                 t->title, "description", t->description, "inputSchema",
                                 parse(t->input_schema, "input", t->name), "outputSchema",
                                 parse(t->output_schema, "output", t->name), "annotations", "title", t->title,
                                 "readOnlyHint", t->read_only, "destructiveHint", t->destructive, "idempotentHint",
                                 t->idempotent, "openWorldHint", t->open_world);
        json_t *meta = widgets_tool_meta(t->name);
        if (!meta) { /* no widget: status texts only */
            char busy[80];
            snprintf(busy, sizeof busy, "%s\u2026", t->title);
            meta = json_pack("{s:b, s:s, s:s}", "openai/widgetAccessible", 0, "openai/toolInvocation/invoking",
                             busy, "openai/toolInvocation/invoked", t->title);
        }
        json_object_set_new(tool, "_meta", meta);
        json_array_append_new(arr, tool);
    }
    return arr;
}

void tools_call(struct mcp_call *c, const char *name, json_t *args)
{
    const struct tool_def *t = tool_find(name);
    if (!t) {
        char m[200];
        snprintf(m, sizeof m, "Unknown tool: %.100s", name);
        mcp_reply_error(c, 0, RPC_INVALID_PARAMS, m, json_pack("{s:s}", "tool", name));
        return;
    }
    json_t *schema = parse(t->input_schema, "input", t->name);
    json_t *a = args ? json_incref(args) : json_object();
    char err[300];
    int rc = schema_validate(schema, a, "$", err, sizeof err);
    json_decref(schema);
    if (rc != 0) {
        char m[400];
        snprintf(m, sizeof m, "Invalid arguments for tool %s: %s", name, err);
        mcp_reply_error(c, 0, RPC_INVALID_PARAMS, m, json_pack("{s:s, s:s}", "tool", name, "reason", err));
        json_decref(a);
        return;
    }
    char ev[160];
    snprintf(ev, sizeof ev, "tool_call:%s", name);
    funnel_count(c->g, ev);
    t->fn(c, a);
    json_decref(a);
}
