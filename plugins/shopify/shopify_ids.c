/*
 * shopify_ids.c - what the plugin remembers between calls.
 *
 * Durable: the ids of each SKU live in the listing's `external` JSON
 * {"product_id","variant_id","inventory_item_id"} (acknowledged through
 * hub_push_result.external; item->external / host->listing_get give them back).
 * In memory, rebuilt as needed:
 *   ids       SKU -> ids (from acknowledgements, lookups, externals seen)
 *   item_sku  inventory item gid -> SKU (inventory_levels/update webhooks)
 *   handles   product handle -> {product_id, skus{}}: a product's variants must
 *             all be in a productSet that changes its variant list
 *   observed  SKU -> quantity Shopify was last seen showing (a stale compare
 *             value is replaced by it on the next push)
 */
#include "shopify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ids_init(struct shopify *s)
{
    s->ids = json_object();
    s->item_sku = json_object();
    s->handles = json_object();
    s->observed = json_object();
    s->pushing = json_object();
    s->refused = json_object();
    s->created = json_object();
}

void ids_free(struct shopify *s)
{
    json_decref(s->ids);
    json_decref(s->item_sku);
    json_decref(s->handles);
    json_decref(s->observed);
    json_decref(s->pushing);
    json_decref(s->refused);
    json_decref(s->created);
    s->ids = s->item_sku = s->handles = s->observed = s->pushing = s->refused = s->created = NULL;
}

void gid_of(const char *type, const char *id, char *out, size_t size)
{
    if (strncmp(id, "gid://", 6) == 0) snprintf(out, size, "%s", id);
    else snprintf(out, size, "gid://shopify/%s/%s", type, id);
}

void ids_put(struct shopify *s, const char *sku, const char *product_id, const char *variant_id,
             const char *inventory_item_id)
{
    if (!sku || !*sku) return;
    json_t *o = json_object_get(s->ids, sku);
    if (!o) {
        o = json_object();
        json_object_set_new(s->ids, sku, o);
    }
    if (product_id) json_object_set_new(o, "product_id", json_string(product_id));
    if (variant_id) json_object_set_new(o, "variant_id", json_string(variant_id));
    if (inventory_item_id) {
        json_object_set_new(o, "inventory_item_id", json_string(inventory_item_id));
        json_object_set_new(s->item_sku, inventory_item_id, json_string(sku));
    }
}

json_t *ids_get(struct shopify *s, const char *sku, const char *external)
{
    json_t *o = json_object_get(s->ids, sku);
    if (o && json_object_get(o, "inventory_item_id")) return o;
    if (external) {
        json_t *e = json_loads(external, 0, NULL);
        const char *p = json_string_value(json_object_get(e, "product_id"));
        const char *v = json_string_value(json_object_get(e, "variant_id"));
        const char *i = json_string_value(json_object_get(e, "inventory_item_id"));
        if (p || v || i) ids_put(s, sku, p, v, i);
        json_decref(e);
        o = json_object_get(s->ids, sku);
    }
    return o;
}

const char *ids_sku_of_item(struct shopify *s, const char *inventory_item_id)
{
    return json_string_value(json_object_get(s->item_sku, inventory_item_id));
}

char *ids_external(struct shopify *s, const char *sku)
{
    json_t *o = json_object_get(s->ids, sku);
    if (!o || !json_object_get(o, "variant_id")) return NULL;
    return json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
}

void ids_handle_add(struct shopify *s, const char *handle, const char *sku, const char *product_id)
{
    if (!handle || !*handle) return;
    json_t *h = json_object_get(s->handles, handle);
    if (!h) {
        h = json_pack("{s:o}", "skus", json_object());
        json_object_set_new(s->handles, handle, h);
    }
    if (sku && *sku) json_object_set_new(json_object_get(h, "skus"), sku, json_true());
    if (product_id) json_object_set_new(h, "product_id", json_string(product_id));
}

json_t *ids_handle(struct shopify *s, const char *handle)
{
    return handle ? json_object_get(s->handles, handle) : NULL;
}

void ids_observe(struct shopify *s, const char *sku, int64_t quantity)
{
    if (sku && *sku) json_object_set_new(s->observed, sku, json_integer((json_int_t)quantity));
}

int ids_observed(struct shopify *s, const char *sku, int64_t *quantity)
{
    json_t *v = json_object_get(s->observed, sku);
    if (!json_is_integer(v)) return 0;
    *quantity = json_integer_value(v);
    return 1;
}

void ids_forget_observed(struct shopify *s, const char *sku)
{
    json_object_del(s->observed, sku);
}

static int each_listing(void *arg, const char *sku, int64_t quantity, const char *payload_json)
{
    struct shopify *s = arg;
    (void)quantity;
    if (!payload_json) return 0;
    json_t *p = json_loads(payload_json, 0, NULL);
    const char *handle = json_string_value(json_object_get(p, "handle"));
    if (handle) ids_handle_add(s, handle, sku, NULL);
    json_decref(p);
    return 0;
}

void ids_load(struct shopify *s)
{
    if (HUB_HOST_HAS(s->host, listings_each)) s->host->listings_each(s->inst, each_listing, s);
}
