/* internal.h - shared between the engine's files; not for other parts. */
#ifndef HUB_ENGINE_INTERNAL_H
#define HUB_ENGINE_INTERNAL_H

#include <jansson.h>

#include "engine/engine.h"

/* What an applied event touched, per SKU: bits of enum touch. */
enum touch { TOUCH_STOCK = 1, TOUCH_CATALOG = 2, TOUCH_FORCE_STOCK = 4 };

struct touched {
    json_t *skus;          /* object sku -> integer bits */
    json_t *fulfillments;  /* array of {channel, order_id, payload} */
};

void touched_init(struct touched *tc);
void touched_free(struct touched *tc);
void touched_add(struct touched *tc, const char *sku, int bits);

int64_t tenant_channel_buffer(const struct tenant *t, const struct tenant_channel *ch);

/* Apply one canonical event inside txn.  0 applied, >0 STORE_E* refused
 * (nothing written, *msg set), -1 storage failure (txn failed). */
int engine_apply(struct tenant *t, struct txn *txn, json_t *ev, const char *source,
                 struct touched *tc, char **msg);

/* Project the touched SKUs onto every channel and write outbox ops. */
int engine_project(struct tenant *t, struct txn *txn, struct touched *tc,
                   struct engine_report *rep);

/* Canonical JSON text of a value (sorted keys, compact); caller frees. */
char *engine_dump(const json_t *v);

/* The stock object the mappings see: {"on_hand","reserved","available"}. */
json_t *engine_stock_json(const struct stock_totals *st, int64_t available);

/* available() under the built-in rule or the tenant's script, for one
 * channel and a batch of SKUs: out[i] >= 0, or -1 (error in t->last_error). */
int engine_allocate(struct tenant *t, struct tenant_channel *ch, const char *const *skus,
                    const struct stock_totals *totals, size_t n, int64_t *out);

#endif
