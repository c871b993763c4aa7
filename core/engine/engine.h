/*
 * engine.h - one tenant's record -> apply -> project -> diff path.
 *
 * `struct tenant` is what both hubd and hubctl open for a tenant: its config,
 * its store, its mapping scripts (one per channel, plus the allocation rule).
 * Plugins are not part of it: pushing is the scheduler's job in hubd.
 *
 * engine_submit() is the single way anything changes the model: it appends the
 * events to the durable inbox (skipping idempotency keys already seen), applies
 * every pending event in order, projects each touched SKU onto each channel
 * (allocation + to_channel), diffs against the shadow and the queued op, and
 * writes outbox operations - all in ONE write transaction (group commit).
 *
 * Canonical events (JSON objects, field "type"):
 *   catalog.upsert   {product:{id,...}, variants:[{sku,...}], stock:[{sku,location,on_hand}]}
 *   stock.receive    {sku, location?, quantity, reason?}
 *   stock.adjust     {sku, location?, delta, reason}
 *   stock.set        {sku, location?, quantity, reason?}
 *   order.created    {channel, order_id, lines:[{sku, quantity, price?:{amount,currency}}], ...}
 *   order.cancelled  {channel, order_id, restock?:true}
 *   hold.create      {hold_id, sku, quantity, ttl_ms?}
 *   hold.extend      {hold_id, ttl_ms?}
 *   hold.release     {hold_id, reason?}
 *   hold.commit      {hold_id, order_id?}
 *   shipment         {channel, order_id, tracking, carrier, lines?}
 *   stock.drift      {channel, sku, quantity}   (what a channel shows, not truth)
 * Every event may carry "source" (default: the submitter) and "ts_ms".
 */
#ifndef HUB_ENGINE_H
#define HUB_ENGINE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "lua/mapping.h"
#include "store/store.h"

struct tenant_channel {
    const struct channel_config *cfg;
    struct mapping *mapping; /* NULL if the script failed to load (tenant degraded) */
    int stock_push;          /* capabilities known to the engine (from the plugin or defaults) */
    int catalog_push;
};

struct tenant {
    const struct hub_config *hub;
    const struct tenant_config *cfg;
    struct store *store;
    struct mapping *allocation; /* NULL: built-in rule on_hand - reserved - buffer */
    struct tenant_channel *channels;
    size_t n_channels;
    json_t *ctx_base; /* {"tenant":..,"currency":..} */
    char last_error[512];
};

enum tenant_open_flags {
    TENANT_READONLY = 1u << 0, /* hubctl reads: store opened read-only */
    TENANT_NOSYNC = 1u << 1,   /* tests/bench: not durable */
};

int tenant_open(struct tenant **out, const struct hub_config *hub, const struct tenant_config *tc,
                unsigned flags, char *err, size_t err_len);
void tenant_close(struct tenant *t);
struct tenant_channel *tenant_channel(struct tenant *t, const char *name);

/* engine_event.status of a delivery whose idempotency key was already seen
 * (distinct from every STORE_E* refusal code). */
#define ENGINE_DUPLICATE 100

/* One event to submit.  `idem_key` may be NULL (no de-duplication). */
struct engine_event {
    const char *idem_key;
    json_t *event;  /* borrowed; "source" and "ts_ms" are added when absent */
    /* out: */
    int status;     /* 0 applied, ENGINE_DUPLICATE, or a STORE_E* refusal (nothing written) */
    char *message;  /* malloc'd refusal text, or NULL */
};

struct engine_report {
    size_t applied, duplicates, refused;
    size_t outbox_ops;      /* operations written or replaced */
    size_t skus_projected;
    size_t mapping_errors;
};

/* Group commit.  0 when committed (individual events may still be refused:
 * see each status), -1 when nothing was committed (err says why). */
int engine_submit(struct tenant *t, struct engine_event *events, size_t n, const char *source,
                  struct engine_report *rep, char *err, size_t err_len);

/* available(sku, channel) under the tenant's rule, in an open txn.  -1 with
 * t->last_error on a mapping error; STORE_ENOTFOUND semantics: -2 unknown SKU. */
int64_t engine_available(struct tenant *t, struct txn *txn, const char *sku, const char *channel);

/* What `hubctl map` shows: the projection of one SKU onto one channel and
 * the diff against the shadow, without writing anything.  Returns a new
 * object {"sku","channel","quantity","payload","shadow":{...},"diff":{...}}
 * or NULL with err. */
json_t *engine_preview(struct tenant *t, const char *channel, const char *sku, char *err,
                       size_t err_len);

/* Re-project every SKU onto every channel (after a mapping reload or on demand).
 * progress(arg, done, total) is called now and then. */
int engine_project_all(struct tenant *t, void (*progress)(void *arg, size_t done, size_t total),
                       void *arg, struct engine_report *rep, char *err, size_t err_len);

/* One step of a re-projection: up to `max` SKUs after `after` ("" = first),
 * in one write txn.  Returns how many were projected (0 = done) and the last
 * SKU in `last`, or -1 with err.  hubd runs these between I/O so a full
 * re-projection never blocks the loop for long. */
int engine_project_chunk(struct tenant *t, const char *after, size_t max, char *last, size_t last_size,
                         struct engine_report *rep, char *err, size_t err_len);

#endif /* HUB_ENGINE_H */
