/*
 * tools.h - the MCP tools: definitions (tools_defs.c: input and output JSON
 * Schemas, annotations, widget _meta), argument validation against the input
 * schema (tools_validate.c: unknown tool or ill-typed arguments -> -32602),
 * results (tools_result.c: structuredContent + the same JSON as text; business
 * failures -> isError with text the model can act on), and the handlers
 * (tools_catalog.c, tools_cart.c, tools_orders.c).
 */
#ifndef CHATGPT_TOOLS_H
#define CHATGPT_TOOLS_H

#include <jansson.h>

#include "mcp.h"

typedef void (*tool_fn)(struct mcp_call *c, json_t *args);

struct tool_def {
    const char *name;
    const char *title;
    const char *description;
    const char *input_schema;  /* JSON text */
    const char *output_schema; /* JSON text */
    int read_only, destructive, idempotent, open_world;
    tool_fn fn;
};

extern const struct tool_def tool_defs[];

/* tools/list: a NEW array of Tool objects. */
json_t *tools_list(struct chatgpt *g);
/* tools/call: validates, then runs the handler, which answers (maybe later). */
void tools_call(struct mcp_call *c, const char *name, json_t *args);

/* tools_validate.c: the JSON Schema subset the tools use (type, properties,
 * required, additionalProperties:false, enum, minimum, maximum, minLength,
 * maxLength, items).  0, or -1 with err naming the argument. */
int schema_validate(const json_t *schema, const json_t *value, const char *path, char *err, size_t err_len);

/* tools_result.c */
/* Success: structuredContent = structured (stolen), content = [narration?, JSON text];
 * meta (stolen, may be NULL) becomes the result's _meta. */
void tool_ok(struct mcp_call *c, json_t *structured, const char *narration, json_t *meta);
/* Business failure: isError true, text for the model; code is a short machine code. */
void tool_fail(struct mcp_call *c, const char *code, const char *message);
/* The cart as the cart tools show it (structuredContent), a NEW object. */
json_t *tool_cart_view(struct chatgpt *g, const json_t *cart, const json_t *messages);
/* A cart tool's answer: the view + _meta["openai/widgetSessionId"] = cart id. */
void tool_cart_reply(struct mcp_call *c, const json_t *cart, const json_t *messages, const char *narration);
/* The order as tools show it, a NEW object. */
json_t *tool_order_view(const json_t *order);

/* handlers */
void tool_search_products(struct mcp_call *c, json_t *args);
void tool_get_product_details(struct mcp_call *c, json_t *args);
void tool_add_to_cart(struct mcp_call *c, json_t *args);
void tool_view_cart(struct mcp_call *c, json_t *args);
void tool_update_cart_item(struct mcp_call *c, json_t *args);
void tool_remove_from_cart(struct mcp_call *c, json_t *args);
void tool_apply_coupon(struct mcp_call *c, json_t *args);
void tool_start_checkout(struct mcp_call *c, json_t *args);
void tool_place_order(struct mcp_call *c, json_t *args);
void tool_get_order_status(struct mcp_call *c, json_t *args);
void tool_list_orders(struct mcp_call *c, json_t *args);

#endif
