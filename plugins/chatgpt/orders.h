/*
 * orders.h - orders placed through the ChatGPT channel, kept in host->state
 * ("order:<id>"; "orders:<account>" lists an account's order ids, newest last;
 * account = "subject:<openai/subject>" or "session:<Mcp-Session-Id>", cart.h).
 *
 * Order:
 *   {"id": "ord_<20 hex>", "cart_id", "owner"?, "client", "status": "placed"|"shipped",
 *    "created_ms", "currency",
 *    "lines": [{"sku", "product_id", "title", "options", "quantity", "unit_amount", "total"}],
 *    "totals": {...totals.h...},
 *    "payment": {"provider", "reference", "status", "amount", "currency"},
 *    "request_key"?, "shipments"?: [{"tracking", "carrier", "ts_ms"}]}
 * The order is the hub's (canonical order.created with the same id); an order
 * id is unguessable, and an order with an owner is invisible to other owners.
 */
#ifndef CHATGPT_ORDERS_H
#define CHATGPT_ORDERS_H

#include <jansson.h>

#include "chatgpt.h"

/* A NEW reference, or NULL (unknown, or another owner's when owner != NULL). */
json_t *order_get(struct chatgpt *g, const char *order_id, const char *owner);
/* Persist (create or replace) and index under the order's "account" (if any).  0 or -1. */
int order_save(struct chatgpt *g, const json_t *order);
/* The account's orders, newest first, at most `limit`, a NEW array (empty
 * when account is NULL). */
json_t *orders_list(struct chatgpt *g, const char *account, const char *owner, size_t limit);
/* A shipment pushed by the core (HUB_OP_FULFILLMENT payload): status "shipped". 0 or -1. */
int order_shipped(struct chatgpt *g, const char *order_id, const char *payload_json);
/* The public view of an order for tools/ACP (drops client/owner/account), a NEW object. */
json_t *order_public(const json_t *order);

#endif /* CHATGPT_ORDERS_H */
