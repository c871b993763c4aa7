/*
 * chatgpt.h - the ChatGPT channel: the hub as an MCP server (shopping tools,
 * carts with stock holds, orders) plus, optionally, the Agentic Commerce
 * Protocol (ACP) checkout, a product feed and a signed storefront handoff.
 *
 * One `struct chatgpt` per tenant channel (the plugin ctx).  Every callback
 * runs on the core's loop thread; everything goes through the host table
 * (hub/host.h).  Files and their owners (issue 5):
 *
 *   chatgpt.c          descriptor, config map, routes, init/start/stop/destroy
 *   mcp_*.c            Streamable HTTP transport, JSON-RPC, protocol versions
 *   tools_*.c          the MCP tools (schemas, argument checks, results)
 *   catalog_index.c    in-memory search index fed by push_batch
 *   cart.c holds.c     carts in host->state, stock holds via hold.* events
 *   cart_sweep.c       abandoned carts (and ACP sessions) deleted after cart_retention
 *   totals.c coupons.c policy.c payment.c orders.c
 *   -- the other half of the plugin (hooks declared below) --
 *   acp_*.c feed_*.c handoff_*.c funnel.c widgets.c widgets/
 *
 * Contract between the two halves: the hooks at the end of this file are
 * implemented by acp_*.c / feed_*.c / handoff_*.c / funnel.c / widgets.c and
 * called by the MCP half; cart.h, orders.h, totals.h, catalog_index.h and
 * payment.h are the services the MCP half offers to the ACP half.
 */
#ifndef CHATGPT_H
#define CHATGPT_H

#include <stddef.h>
#include <stdint.h>

#include <hub/plugin.h>
#include <jansson.h>

struct catalog_index; /* catalog_index.h */
struct mcp_state;     /* mcp_*.c: sessions */
struct cart_state;    /* cart.c: in-flight operations, rate limiter */
struct cart_sweep;    /* cart_sweep.c: deleting abandoned carts and sessions */
struct coupon;        /* coupons.c */
struct payment_provider;

#define CHATGPT_VERSION "1.0.0"

/* Shipping/tax/coupon settings, read once in init (totals.h documents the rules). */
struct chatgpt_pricing {
    char currency[4];            /* config "currency" ("" until known: then the catalog's) */
    int64_t shipping_flat;       /* minor units */
    int64_t free_shipping_over;  /* minor units; < 0: never free */
    int64_t tax_bps;             /* basis points, 0..10000 */
    int tax_inclusive;           /* 1: prices include tax; 0: tax added on top */
    struct coupon *coupons;      /* parsed config "coupons" */
    size_t n_coupons;
};

struct chatgpt_limits {
    int64_t max_units_per_cart;
    int64_t max_units_per_sku;
    int64_t max_carts_per_minute; /* per client (openai/subject, else Origin/IP) */
    int64_t max_lines;            /* distinct SKUs in one cart */
};

struct chatgpt {
    const struct hub_host *host;
    struct hub_instance *inst;
    const char *tenant;  /* host->tenant(inst) */
    const char *channel; /* host->channel(inst) */

    /* --- config (chatgpt.c) --- */
    char **allowed_origins; /* config "allowed_origins", split on ',' */
    size_t n_allowed_origins;
    int sessions;            /* config "sessions": mint Mcp-Session-Id (legacy era) */
    int64_t session_ttl_ms;  /* config "session_ttl" */
    char **prohibited;       /* config "prohibited_categories", lower-cased, split on ',' */
    size_t n_prohibited;
    struct chatgpt_pricing pricing;
    struct chatgpt_limits limits;
    const struct payment_provider *payment; /* config "payment_provider" */
    const char *store_url;   /* config "store_url" or NULL */
    const char *seller_name; /* config "seller_name" or the tenant */
    int64_t cart_retention_ms; /* config "cart_retention": 0 = keep for ever */
    int64_t cart_sweep_ms;     /* config "cart_sweep_interval" */

    /* --- MCP half --- */
    struct catalog_index *index;
    struct mcp_state *mcp;
    struct cart_state *carts;
    struct cart_sweep *sweep; /* cart_sweep.c: the retention sweep */
    int stopping;

    /* --- the other half: each file keeps its own state here (NULL until set) --- */
    void *acp;
    void *feed;
    void *handoff;
    void *funnel;
    void *widgets;
};

/* Small helpers (chatgpt.c). */
/* n random bytes as 2n lower-case hex characters into out (2n+1 bytes).  0 or -1. */
int chatgpt_random_hex(char *out, size_t nbytes);
/* A JSON value as compact text (caller frees with free()). */
char *chatgpt_dump(const json_t *v);
/* Case-insensitive: does the comma list / category path hit a prohibited category? (policy.c) */
int policy_prohibited(const struct chatgpt *g, const char *category, const json_t *tags,
                      char *why, size_t why_len);

/* ======================================================================
 * Hooks implemented by the other half (acp_*.c, feed_*.c, handoff_*.c,
 * funnel.c, widgets.c).  The MCP half calls them; no stubs exist.
 * ====================================================================== */

/* Lifecycle of the other half's state (g->acp, g->feed, g->handoff,
 * g->funnel, g->widgets): called from chatgpt_init after the config and the
 * catalog index are ready (return -1 after host->log()ing why: init fails),
 * from chatgpt_stop, and from chatgpt_destroy. */
int chatgpt_ext_init(struct chatgpt *g);
void chatgpt_ext_stop(struct chatgpt *g);
void chatgpt_ext_destroy(struct chatgpt *g);

/* Funnel counters.  Events the MCP half reports:
 *   "tool_call:<tool name>"  every tools/call (known tools only)
 *   "cart_created"           a new cart
 *   "checkout_started"       start_checkout succeeded
 *   "order_placed"           place_order created an order (not on a replay) */
void funnel_count(struct chatgpt *g, const char *event);

/* Routes (registered in chatgpt.c's table):
 *   {"*", "acp/" "*"}    chatgpt_acp_route      ACP checkout sessions
 *   {"GET", "feed"}     chatgpt_feed_route     product feed
 *   {"*", "handoff/" "*"} chatgpt_handoff_route  storefront handoff redemption */
void chatgpt_acp_route(void *ctx, struct hub_http_req *req);
void chatgpt_feed_route(void *ctx, struct hub_http_req *req);
void chatgpt_handoff_route(void *ctx, struct hub_http_req *req);

/* Widgets (Apps SDK / MCP Apps).
 * widgets_tool_meta: the tool descriptor's _meta for `tool` (openai/outputTemplate,
 *   openai/widgetAccessible, openai/toolInvocation/..., ui.resourceUri ...), a NEW
 *   reference, or NULL when the tool has no widget.
 * widgets_resources_list: a NEW array of MCP Resource objects
 *   ({uri, name, title?, description?, mimeType, _meta?}).
 * widgets_resource_read: a NEW array for ReadResourceResult.contents
 *   ([{uri, mimeType, text, _meta?}]) or NULL when `uri` is unknown (the MCP
 *   half answers -32002 / -32602 then). */
json_t *widgets_tool_meta(const char *tool);
json_t *widgets_resources_list(struct chatgpt *g);
json_t *widgets_resource_read(struct chatgpt *g, const char *uri);

/* Storefront handoff for start_checkout: a NEW object {"url":..., "expires_at":
 * RFC 3339, "token_ttl_s": n} for this cart (already priced: `totals` as
 * cart_totals() returns), or NULL when no handoff is configured (no
 * store_url/secret) or signing failed (logged). */
json_t *handoff_link(struct chatgpt *g, const json_t *cart, const json_t *totals);

#endif /* CHATGPT_H */
