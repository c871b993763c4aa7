/*
 * shopify.h - the Shopify channel (GraphQL Admin API), private declarations.
 *
 * Files, one job each:
 *   shopify.c            descriptor, config map, init / start / stop / destroy
 *   shopify_gql.c        one GraphQL call: request, cost gate, response, throttle -> rate_hint
 *   shopify_ids.c        what the plugin remembers: SKU -> ids, handles, observed quantities
 *   shopify_push.c       push_batch: phases (listings, stock, fulfilments) and the answer
 *   shopify_listing.c    catalog: merge one product's listings into one productSet
 *   shopify_stock.c      inventorySetQuantities with a compare value, stale -> drift
 *   shopify_lookup.c     productVariants by SKU (inventory item ids), levels re-read
 *   shopify_fulfil.c     a shipment -> fulfillmentOrders + fulfillmentCreate
 *   shopify_webhook.c    POST webhooks: HMAC, topics, emit, answer after the commit
 *   shopify_poll.c       orders backfill by updated_at with a durable cursor
 *   shopify_reconcile.c  the location's inventory levels -> reconcile_seen
 *
 * Cost model (docs/channels/shopify.md "Throttling"): Shopify's bucket is in
 * cost points.  Every call passes a local gate that holds it until the bucket
 * (as last reported by extensions.cost.throttleStatus, refilled at restoreRate
 * since) holds its requested cost, so no call is sent that Shopify would throttle.
 * The core's token bucket counts push batches: the plugin tells it the budget in
 * units of "one batch's cost" (a running average of what batches cost).
 */
#ifndef HUB_PLUGIN_SHOPIFY_H
#define HUB_PLUGIN_SHOPIFY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "hub/host.h"
#include "hub/plugin.h"

#define SHOPIFY_BATCH_MAX 250     /* Shopify: input arrays <= 250 items */
#define SHOPIFY_QUERY_MAX_COST 1000.0

/* Operation kinds, for cost learning and metrics. */
enum gql_op {
    OP_LOOKUP = 0,   /* productVariants by SKU */
    OP_PRODUCT_SET,  /* productSet */
    OP_INVENTORY,    /* inventorySetQuantities */
    OP_LEVELS,       /* inventory levels re-read */
    OP_FULFIL_READ,  /* order.fulfillmentOrders */
    OP_FULFIL,       /* fulfillmentCreate */
    OP_ORDERS,       /* orders page (poll) */
    OP_RECONCILE,    /* location inventory levels page */
    OP_ITEM_SKU,     /* inventoryItem(id) { sku } (webhook) */
    OP_DELETE,       /* productVariantsBulkDelete */
    OP_COUNT
};

struct gql_call;
struct webhook;

struct shopify {
    const struct hub_host *host;
    struct hub_instance *inst;
    char url[1024];          /* .../admin/api/<version>/graphql.json */
    char version[16];        /* "2026-04" */
    int ver;                 /* 202604 */
    char location[128];      /* gid://shopify/Location/<n> */
    int notify_customer;
    int concurrency;         /* productSet calls in flight within one batch */
    uint32_t timeout_ms;
    uint64_t auth_pause_ms;  /* wait after a refused token */
    uint64_t overlap_ms;     /* poll: re-read this far behind the cursor */
    int64_t orders_page;     /* poll page size */

    /* Shopify's bucket as last reported, refilled locally since `at_ms`. */
    int bucket_known;
    double avail, max, restore;
    uint64_t at_ms;
    double learned[OP_COUNT]; /* requested/estimated cost, per operation */
    double batch_cost;        /* running average cost of one push batch (a core token) */
    struct gql_call *gate_head, *gate_tail;
    uint64_t gate_timer;
    int in_flight;            /* HTTP calls outstanding */
    double in_flight_cost;    /* their requested cost */

    uint64_t auth_failed_until; /* ms; nothing is sent before (token refused) */
    char auth_error[256];

    json_t *ids;      /* sku -> {"product_id","variant_id","inventory_item_id"} */
    json_t *item_sku; /* inventory item gid -> sku */
    json_t *handles;  /* handle -> {"product_id":gid?, "skus":{sku:true}} */
    json_t *observed; /* sku -> quantity Shopify was last seen showing (compare value) */
    json_t *pushing;  /* sku -> quantity of a stock push in flight */
    json_t *refused;  /* sku -> Shopify's message: its listing was refused (dead letter) */
    json_t *created;  /* sku -> quantity its variant was created with (until its stock push) */
    uint64_t seq;     /* idempotency keys */
    uint64_t drift_grace_ms;      /* inventory_levels/update held this long before judging */
    struct webhook *held;         /* those held now */
    int stopped;
};

/* ------------------------------------------------------------ shopify_gql.c */
struct gql_result {
    int status;              /* HTTP status; 0 transport error */
    int dry_run;
    json_t *body;            /* whole answer (borrowed: valid during the callback) */
    json_t *data;            /* body.data, or NULL */
    int ok;                  /* 2xx with data and no top-level errors (or dry run) */
    int throttled;           /* THROTTLED (200 or 429) */
    int auth;                /* 401/403: the token was refused */
    int transient;           /* worth retrying: transport, 429, 5xx, throttled */
    uint32_t retry_after_ms; /* when to come back (throttle deficit, Retry-After, auth pause) */
    double requested, actual; /* extensions.cost (0 when absent) */
    char error[512];         /* why !ok, Shopify's words where it gave any */
};
typedef void (*gql_done_fn)(struct shopify *s, void *arg, const struct gql_result *r);

/* Queue one GraphQL call behind the cost gate.  `variables` is stolen (may be
 * NULL).  `done` always runs, exactly once (also when it cannot be sent). */
void gql_call(struct shopify *s, enum gql_op op, const char *query, json_t *variables, double est_cost,
              gql_done_fn done, void *arg);
/* Tell the core's bucket the budget in batch units (after a batch or a hint). */
void gql_rate_hint(struct shopify *s);
/* Ms until the token may be tried again, 0 when not refused. */
uint64_t gql_auth_wait(struct shopify *s);
void gql_stop(struct shopify *s);
/* A fresh UUID-shaped idempotency key. */
void gql_idem_key(struct shopify *s, char out[37]);
/* Shopify's userErrors as one line "field: message; ..." (caller frees). */
char *gql_user_errors(json_t *errors);

/* ------------------------------------------------------------ shopify_ids.c */
void ids_init(struct shopify *s);
void ids_free(struct shopify *s);
/* {"product_id","variant_id","inventory_item_id"} known for a SKU (borrowed), or NULL.
 * `external` is the item's external JSON text (may be NULL). */
json_t *ids_get(struct shopify *s, const char *sku, const char *external);
void ids_put(struct shopify *s, const char *sku, const char *product_id, const char *variant_id,
             const char *inventory_item_id);
const char *ids_sku_of_item(struct shopify *s, const char *inventory_item_id);
/* The external JSON text to acknowledge for a SKU (caller frees), or NULL. */
char *ids_external(struct shopify *s, const char *sku);
/* Handle index: the acknowledged SKUs of a product (by handle). */
void ids_handle_add(struct shopify *s, const char *handle, const char *sku, const char *product_id);
json_t *ids_handle(struct shopify *s, const char *handle); /* borrowed or NULL */
void ids_observe(struct shopify *s, const char *sku, int64_t quantity);
int ids_observed(struct shopify *s, const char *sku, int64_t *quantity);
void ids_forget_observed(struct shopify *s, const char *sku);
/* Rebuild the handle index from the acknowledged listings (start). */
void ids_load(struct shopify *s);
/* "gid://shopify/Order/123" <- "123" (out must hold 64). */
void gid_of(const char *type, const char *id, char *out, size_t size);

/* ------------------------------------------------------------ push */
struct push;
struct push_item_state {
    const struct hub_push_item *it;
    struct hub_push_result res;
    int done;                 /* result decided */
    int busy;                 /* in a call that has not answered yet */
    char *message;            /* owned */
    char *external;           /* owned */
};
struct push {
    struct shopify *s;
    struct hub_batch *batch;
    const struct hub_push_item *items;
    size_t n;
    struct push_item_state *st;
    int phase;
    int pending;              /* calls outstanding in this phase */
    double cost;              /* requested cost of this batch's calls */
    json_t *groups;           /* listings: handle -> [item index] */
    json_t *group_queue;      /* handles still to send */
    int auth_failed;
};

void shopify_push_batch(void *ctx, struct hub_batch *batch, const struct hub_push_item *items, size_t n);
/* Result helpers (first decision wins). */
void push_ok(struct push *p, size_t i, const char *external);
void push_fatal(struct push *p, size_t i, const char *message);
void push_retry(struct push *p, size_t i, uint32_t retry_after_ms, const char *message);
/* Apply a failed call's result to item i (throttle/transient/auth -> RETRY, else FATAL). */
void push_fail(struct push *p, size_t i, const struct gql_result *r);
/* Add a call's actual cost to the batch's (the unit of the core's tokens). */
void push_cost(struct push *p, const struct gql_result *r);
/* One call of a phase finished: when the phase has none left, go on. */
void push_step(struct push *p);

void listing_phase(struct push *p);   /* shopify_listing.c */
void lookup_phase(struct push *p);    /* shopify_lookup.c: ids for stock items */
void stock_phase(struct push *p);     /* shopify_stock.c */
void fulfil_phase(struct push *p);    /* shopify_fulfil.c (and deletes) */

/* shopify_lookup.c: re-read `available` at the location for inventory items.
 * done(arg, item gid -> quantity object or NULL on failure, result). */
typedef void (*levels_fn)(struct shopify *s, void *arg, json_t *levels, const struct gql_result *r);
void levels_read(struct shopify *s, json_t *item_ids, levels_fn done, void *arg);

/* ------------------------------------------------------------ inbound */
void shopify_webhook(void *ctx, struct hub_http_req *req);
void webhook_stop(struct shopify *s); /* answer held webhooks 503 */
void shopify_poll(void *ctx, struct hub_task *task);
void shopify_reconcile(void *ctx, struct hub_task *task, const char *const *skus, size_t n);
void shopify_metric(struct shopify *s, const char *name, double delta);
/* ISO 8601 (Z or +hh:mm offsets, optional fraction) -> ms since the epoch, -1 if not. */
int64_t iso_to_ms(const char *iso);

#endif
