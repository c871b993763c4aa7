/*
 * funnel.h - the ChatGPT shopping funnel, counted per UTC day.
 *
 * funnel_count(g, event) (declared in chatgpt.h) takes:
 *   "tool_call:<tool>"   every tools/call of a known tool
 *   "cart_created"       a new cart (MCP or ACP)
 *   "checkout_started"   start_checkout succeeded, or an ACP checkout session was created
 *   "handoff_issued"     a signed storefront link was handed out
 *   "handoff_redeemed"   the storefront redeemed a link
 *   "order_placed"       an order was created (MCP place_order or ACP complete)
 *
 * Each count goes to a metric at once (hub_plugin_chatgpt_funnel_<event>,
 * tool calls as hub_plugin_chatgpt_funnel_tool_call_<tool>) and to the day's
 * durable record, channel state "funnel:<yyyy-mm-dd>":
 *   {"date":"2026-05-01","tool_calls":{"search_products":12,...},
 *    "carts_created":3,"checkout_started":2,"handoff_issued":1,
 *    "handoff_redeemed":1,"orders_placed":1}
 * The record is written at most once per flush interval (1 s) and at stop, so
 * a burst of calls costs one write; `hubctl funnel` reads it from the store.
 */
#ifndef CHATGPT_FUNNEL_H
#define CHATGPT_FUNNEL_H

#include "chatgpt.h"

#define FUNNEL_FLUSH_MS 1000

int funnel_init(struct chatgpt *g);
/* Write the pending record now (stop, day change). */
void funnel_flush(struct chatgpt *g);
void funnel_stop(struct chatgpt *g);
void funnel_destroy(struct chatgpt *g);

/* The state name of a day: "funnel:" + yyyy-mm-dd (UTC) of ms since the epoch. */
void funnel_day_name(uint64_t ms, char out[32]);

#endif
