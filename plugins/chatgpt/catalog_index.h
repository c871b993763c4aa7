/*
 * catalog_index.h - the channel's in-memory view of what it was pushed: the
 * core pushes listings (scripts/chatgpt.lua to_channel: an ACP Product with
 * one variant) and available quantities to push_batch; the index keeps them,
 * enriched with the canonical product (brand, category, tags, status,
 * options) read through host->product_get / variant_get.  Rebuilt at start
 * from host->listings_each.
 *
 * Variant entry (borrowed json_t, valid until the next index change):
 *   {"sku", "product_id", "title" (variant title), "product_title", "brand",
 *    "category", "tags": [], "description", "image"?, "url"?,
 *    "options": {"size": "42", "colour": "black", ...},   (canonical option names)
 *    "price": {"amount", "currency"}, "list_price"?: {...},
 *    "available": n (-1 unknown), "in_stock": bool, "active": bool,
 *    "prohibited": bool (policy.c), "listing": {the pushed payload}}
 * Product entry: {"product_id", "title", "brand", "category", "tags",
 *    "description", "images": [], "skus": [sku...], "active", "prohibited"}
 */
#ifndef CHATGPT_CATALOG_INDEX_H
#define CHATGPT_CATALOG_INDEX_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "chatgpt.h"

struct catalog_index *catalog_index_new(void);
void catalog_index_free(struct catalog_index *idx);

/* Rebuild from host->listings_each.  0 or -1 (logged). */
int catalog_index_rebuild(struct chatgpt *g);
/* A pushed listing (payload = to_channel JSON).  0, or -1 with err (the item is
 * answered FATAL with that text). */
int catalog_index_put_listing(struct chatgpt *g, const char *sku, const char *payload,
                              char *err, size_t err_len);
void catalog_index_delete(struct chatgpt *g, const char *sku);
void catalog_index_set_available(struct chatgpt *g, const char *sku, int64_t quantity);

const json_t *catalog_index_variant(const struct catalog_index *idx, const char *sku);
const json_t *catalog_index_product(const struct catalog_index *idx, const char *product_id);
/* Every product in product id order; cb returns 0 to go on, 1 to stop. */
void catalog_index_each_product(const struct catalog_index *idx,
                                int (*cb)(void *arg, const json_t *product), void *arg);
size_t catalog_index_size(const struct catalog_index *idx); /* SKUs */
/* The catalog's currency (of the first priced SKU), or NULL when empty. */
const char *catalog_index_currency(const struct catalog_index *idx);

/* search_products (tools_catalog.c builds the arguments, already validated
 * against the tool's inputSchema): a NEW result object
 *   {"products": [...], "total", "next_cursor"?, "facets": {...}}
 * or NULL with err (a bad cursor). */
json_t *catalog_index_search(struct chatgpt *g, const json_t *args, char *err, size_t err_len);

#endif /* CHATGPT_CATALOG_INDEX_H */
