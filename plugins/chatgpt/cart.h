/*
 * cart.h - the cart service: JSON carts in host->state ("cart:<id>"), stock
 * holds through hold.* events, orders through order.created.
 *
 * A cart id is a capability: 128 random bits ("cart_" + 32 hex), issued by
 * the server, never guessable; a cart created with an owner (openai/subject)
 * is invisible to any other owner.  Carts survive a hubd restart.
 *
 * Stored cart (what cart_get returns; never edit it in place, use the calls):
 *   {"id", "owner"?, "client", "status": "open"|"ordered"|"released",
 *    "currency", "created_ms", "updated_ms", "hold_seq",
 *    "lines": [{"sku","product_id","title","options":{..},"unit_amount",
 *               "quantity","holds":[{"id","qty"}],"held": true|false}],
 *    "coupon": "CODE"|null, "order_id"?, "pending_order_id"?, "checkout_ms"?,
 *    "requests": [recent add_to_cart request ids]}
 * "held": the line's holds cover its quantity as the store confirmed at the
 * last cart activity; false after the core's expiry sweep released (part of)
 * them: the cart then re-reserves on checkout, or reports the store's refusal.
 * A result handed to a callback may carry "_messages": [notes for the shopper]
 * (an expired reservation, a price change); it is never stored.
 *
 * Holds: each add creates one hold of the added units, id
 * "<cart id>:<sku>:<n>" (n = ++hold_seq), TTL = the tenant's hold_ttl.  A
 * refusal therefore never touches what the line already holds.  Every cart
 * operation starts by extending all the cart's holds (hold.extend = "cart
 * activity"); a hold the sweep already released is dropped from its line.
 * Lowering a quantity releases holds newest first and, if needed, creates one
 * for the remainder in the same group commit.  place_order sends one order
 * line per hold (lines[].hold_id) so the core commits exactly what was held.
 *
 * Retention (cart_sweep.c): every operation on an open cart keeps its
 * "updated_ms" recent (rewritten when older than min(1 min, cart_retention/4)
 * even if nothing else changed).  A cart idle for cart_retention is deleted
 * when it is open or released, has no order in progress (pending_order_id)
 * and lists no hold -- or lists some but has been idle longer than any hold
 * can live (CART_HOLD_MAX_MS: the core's largest hold_ttl plus slack).
 * Ordered carts stay (a retried place_order answers from them), and so do
 * orders.  An ACP session's cart (client "acp") goes with its session.
 *
 * Asynchronous calls finish with `done(arg, status, cart_or_order, message)`:
 * exactly once, possibly before the call returns.  `result` is borrowed for
 * the callback only (json_incref to keep it).  On CART_OK it is the cart (or
 * the order for cart_place_order); otherwise NULL or the unchanged cart, and
 * `message` is text a model or shopper can act on ("cannot reserve 3 of
 * AURRUN-42-BLK: 2 available").  On any refusal nothing was changed.
 */
#ifndef CHATGPT_CART_H
#define CHATGPT_CART_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "chatgpt.h"

enum cart_status {
    CART_OK = 0,
    CART_ENOTFOUND,  /* no such cart (or another owner's) */
    CART_EINVALID,   /* bad quantity, unknown SKU, not in this cart, empty cart */
    CART_ESTOCK,     /* the store refused the hold: message has its text */
    CART_ELIMIT,     /* abuse limits: units per cart/SKU, carts per minute */
    CART_EPOLICY,    /* prohibited category */
    CART_ECOUPON,    /* unknown, expired, minimum not met */
    CART_ESTATE,     /* cart already ordered/released, total not confirmed, busy */
    CART_EPAYMENT,   /* the payment provider refused */
    CART_EINTERNAL,  /* store/emit failure: try again */
};

/* A short machine code per status: "ok", "not_found", "invalid", "out_of_stock",
 * "limit", "prohibited", "coupon", "state", "payment", "internal". */
const char *cart_status_code(enum cart_status s);

typedef void (*cart_done_fn)(void *arg, enum cart_status status, const json_t *result,
                             const char *message);

/* Who is asking: owner = openai/subject (may be NULL), client = the rate
 * limiting key (openai/subject, else Origin, else peer/IP; never NULL). */
struct cart_caller {
    const char *owner;
    const char *client;
};

/* Module state (cart.c). */
int cart_module_init(struct chatgpt *g);
void cart_module_destroy(struct chatgpt *g);

/* The cart, a NEW reference, or NULL (unknown id, or `owner` given and the
 * cart belongs to another owner). owner NULL = no owner check (ACP: the
 * session id is the capability). */
json_t *cart_get(struct chatgpt *g, const char *id, const char *owner);

/* A new empty cart (persisted), a NEW reference, or NULL with CART_ELIMIT /
 * CART_EINTERNAL in *status and the reason in err. */
json_t *cart_create(struct chatgpt *g, const struct cart_caller *who, enum cart_status *status,
                    char *err, size_t err_len);

/* Whose order list the cart's order joins: "subject:<openai/subject>" or
 * "session:<Mcp-Session-Id>" (orders.h).  Set right after cart_create by the
 * MCP tools; a cart without one gives an order reachable by id only.  0 or -1. */
int cart_set_account(struct chatgpt *g, json_t *cart, const char *account);

/* Add `qty` units of `sku` (reserving them).  request_id (may be NULL): a
 * retry with a request id the cart already applied changes nothing and
 * answers the current cart. */
void cart_add(struct chatgpt *g, const char *id, const struct cart_caller *who, const char *sku,
              int64_t qty, const char *request_id, cart_done_fn done, void *arg);
/* Set the line's quantity (>= 1; the hold follows). */
void cart_set_qty(struct chatgpt *g, const char *id, const struct cart_caller *who,
                  const char *sku, int64_t qty, cart_done_fn done, void *arg);
/* Remove the line and release its hold. */
void cart_remove(struct chatgpt *g, const char *id, const struct cart_caller *who,
                 const char *sku, cart_done_fn done, void *arg);
/* Apply (or, with code NULL/"", remove) the cart's one coupon.  Synchronous. */
enum cart_status cart_apply_coupon(struct chatgpt *g, const char *id, const struct cart_caller *who,
                                   const char *code, json_t **cart_out, char *err, size_t err_len);
/* Cart activity: extend every hold; lines whose hold is gone become held:false. */
void cart_refresh(struct chatgpt *g, const char *id, const struct cart_caller *who,
                  cart_done_fn done, void *arg);
/* Before paying: refresh, then re-reserve every line that lost its hold.
 * CART_ESTOCK (with the store's text) if a line cannot be held again. */
void cart_checkout(struct chatgpt *g, const char *id, const struct cart_caller *who,
                   cart_done_fn done, void *arg);
/* Place the order: checks confirm_total == the cart's total (minor units,
 * -1 = skip the check: ACP already agreed the amount), secures the holds,
 * charges through the payment provider (payment_token may be NULL for the
 * demo provider), emits order.created with lines[].hold_id, stores the order
 * (orders.h) and marks the cart ordered.  Idempotent: the same request_key,
 * or any retry on a cart already ordered, answers the same order.  The
 * result on CART_OK is the order (orders.h shape). */
void cart_place_order(struct chatgpt *g, const char *id, const struct cart_caller *who,
                      const char *request_key, const char *payment_token, int64_t confirm_total,
                      cart_done_fn done, void *arg);
/* Give the stock back (cancelled checkout, abandoned cart): releases every
 * hold, status "released".  Fire and forget. */
void cart_release(struct chatgpt *g, const char *id, const char *reason);

/* 1 while an operation on the cart runs or waits. */
int cart_busy(struct chatgpt *g, const char *id);

/* Longest a hold can live without cart activity: the core's largest hold_ttl
 * (7 days) plus an hour for the updated_ms throttle and slow operations. */
#define CART_HOLD_MAX_MS (7LL * 86400000 + 3600000)

/* Retention (cart_sweep.c): the sweep timer (nothing when cart_retention is
 * 0 or the hub predates state_each), its stop and its memory. */
void cart_sweep_start(struct chatgpt *g);
void cart_sweep_stop(struct chatgpt *g);
void cart_sweep_destroy(struct chatgpt *g);
/* Is this stored cart to be deleted at `now` (the rule above)? */
int cart_abandoned(struct chatgpt *g, const json_t *cart, uint64_t now);

/* Pricing of a cart, a NEW object (totals.h describes it). */
json_t *cart_totals(struct chatgpt *g, const json_t *cart);

/* SHA-256 (hex, 64 chars + NUL) of the cart's lines and coupon: changes
 * whenever what would be bought changes. */
void cart_hash(const json_t *cart, char out[65]);

#endif /* CHATGPT_CART_H */
