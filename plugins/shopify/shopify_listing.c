/*
 * shopify_listing.c - catalog: one productSet per product.
 *
 * scripts/shopify.lua maps each SKU to a ProductSetInput holding that one
 * variant (prices already exact decimal strings).  Here the listings of one
 * product (same handle) are merged into one productSet call:
 *   - a new product (no id known, none found by SKU): the whole input, images
 *     (files) included, each new variant stocked at the tenant's location with
 *     the hub's number for the channel (the SKU's stock push then only confirms it);
 *   - an existing product whose variant list changes (a new SKU, a price, an
 *     option): id + every variant Shopify has for it (productSet replaces the
 *     list, so the variants not in this batch come from the shadow) + options;
 *   - an existing product where only product fields changed (title, tags, ...,
 *     from item->changed): id + just those fields.
 * The answer's variants give each SKU its ids, acknowledged as the listing's
 * external JSON.  A userError fails that product's items (dead letters with
 * Shopify's message).
 */
#include "shopify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char PRODUCT_SET[] =
    "mutation ProductSet($input: ProductSetInput!) { productSet(input: $input, synchronous: true) "
    "{ product { id handle variants(first: 250) { nodes { id sku inventoryItem { id } } } } "
    "userErrors { field message code } } }";

/* Product-level fields of the mapping's output, with their "cleared" value. */
static const char *const PRODUCT_FIELDS[] = {"title", "status", "vendor", "productType", "descriptionHtml",
                                             "tags", "handle", "files", NULL};

static int product_field(const char *k)
{
    for (int i = 0; PRODUCT_FIELDS[i]; i++)
        if (strcmp(PRODUCT_FIELDS[i], k) == 0) return 1;
    return 0;
}

struct group_call {
    struct push *p;
    char *handle;
    json_t *idx;     /* item indexes */
    json_t *created; /* sku -> quantity new variants are stocked with */
};

void listing_adopt(struct push *p, json_t *skus); /* shopify_lookup.c */
static void launch_next(struct push *p);

static json_t *payload_of(const struct hub_push_item *it)
{
    return it->payload ? json_loadb(it->payload, it->payload_len, 0, NULL) : NULL;
}

static const char *variant_sku(json_t *payload)
{
    return json_string_value(json_object_get(json_array_get(json_object_get(payload, "variants"), 0), "sku"));
}

/* The product id Shopify has for this group, if any. */
static const char *group_product_id(struct push *p, const char *handle, json_t *idx)
{
    struct shopify *s = p->s;
    size_t k;
    json_t *v;
    json_array_foreach(idx, k, v) {
        const struct hub_push_item *it = p->st[json_integer_value(v)].it;
        const char *pid = json_string_value(json_object_get(ids_get(s, it->sku, it->external), "product_id"));
        if (pid) return pid;
    }
    json_t *h = ids_handle(s, handle);
    const char *pid = json_string_value(json_object_get(h, "product_id"));
    if (pid) return pid;
    const char *sku;
    json_t *yes;
    json_object_foreach(json_object_get(h, "skus"), sku, yes) {
        char *l = s->host->listing_get(s->inst, sku);
        if (!l) continue;
        json_t *j = json_loads(l, 0, NULL);
        s->host->free(l);
        char *ext = json_dumps(json_object_get(j, "external"), JSON_COMPACT);
        json_decref(j);
        pid = json_string_value(json_object_get(ids_get(s, sku, ext), "product_id"));
        free(ext);
        if (pid) {
            ids_handle_add(s, handle, NULL, pid);
            return pid;
        }
    }
    return NULL;
}

/* Add one variant input (and its option values) to the merged input. */
static void add_variant(struct shopify *s, json_t *variants, json_t *options, json_t *v, const char *sku,
                        json_t *created)
{
    json_t *copy = json_deep_copy(v);
    const char *vid = json_string_value(json_object_get(json_object_get(s->ids, sku), "variant_id"));
    if (vid) json_object_set_new(copy, "id", json_string(vid));
    else { /* a new variant: stocked at the tenant's location with the hub's number */
        int64_t q = s->host->available(s->inst, sku);
        if (q < 0) q = 0;
        json_object_set_new(copy, "inventoryQuantities",
                            json_pack("[{s:s, s:s, s:I}]", "locationId", s->location, "name", "available",
                                      "quantity", (json_int_t)q));
        json_object_set_new(created, sku, json_integer((json_int_t)q));
    }
    json_array_append_new(variants, copy);
    size_t i;
    json_t *ov;
    json_array_foreach(json_object_get(v, "optionValues"), i, ov) {
        const char *name = json_string_value(json_object_get(ov, "optionName"));
        const char *value = json_string_value(json_object_get(ov, "name"));
        if (!name || !value) continue;
        json_t *vals = json_object_get(options, name);
        if (!vals) {
            vals = json_array();
            json_object_set_new(options, name, vals);
        }
        size_t k;
        json_t *have;
        int seen = 0;
        json_array_foreach(vals, k, have) seen |= strcmp(json_string_value(have), value) == 0;
        if (!seen) json_array_append_new(vals, json_string(value));
    }
}

/* productOptions in the order the newest payload declares them. */
static json_t *product_options(json_t *latest, json_t *options)
{
    json_t *out = json_array();
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(latest, "productOptions"), i, o) {
        const char *name = json_string_value(json_object_get(o, "name"));
        json_t *vals = name ? json_object_get(options, name) : NULL;
        if (!vals) continue;
        json_t *values = json_array();
        size_t k;
        json_t *v;
        json_array_foreach(vals, k, v) json_array_append_new(values, json_pack("{s:O}", "name", v));
        json_array_append_new(out, json_pack("{s:s, s:i, s:o}", "name", name, "position", (int)i + 1, "values", values));
        json_object_del(options, name);
    }
    const char *name;
    json_t *vals;
    int pos = (int)json_array_size(out);
    json_object_foreach(options, name, vals) { /* options only older variants still have */
        json_t *values = json_array();
        size_t k;
        json_t *v;
        json_array_foreach(vals, k, v) json_array_append_new(values, json_pack("{s:O}", "name", v));
        json_array_append_new(out, json_pack("{s:s, s:i, s:o}", "name", name, "position", ++pos, "values", values));
    }
    return out;
}

/* Union of item->changed over the group; NULL when any item is new. */
static json_t *changed_union(struct push *p, json_t *idx)
{
    json_t *u = json_object();
    size_t k;
    json_t *v;
    json_array_foreach(idx, k, v) {
        const struct hub_push_item *it = p->st[json_integer_value(v)].it;
        json_t *c = it->changed ? json_loads(it->changed, 0, NULL) : NULL;
        if (!json_is_array(c)) {
            json_decref(c);
            json_decref(u);
            return NULL;
        }
        size_t i;
        json_t *f;
        json_array_foreach(c, i, f) if (json_is_string(f)) json_object_set_new(u, json_string_value(f), json_true());
        json_decref(c);
    }
    return u;
}

static json_t *build_input(struct push *p, const char *handle, json_t *idx, json_t *created, double *variants_out)
{
    struct shopify *s = p->s;
    json_t *latest = payload_of(p->st[json_integer_value(json_array_get(idx, json_array_size(idx) - 1))].it);
    const char *pid = group_product_id(p, handle, idx);
    json_t *changed = pid ? changed_union(p, idx) : NULL;
    json_t *input = json_object();
    if (pid) json_object_set_new(input, "id", json_string(pid));
    int variants_changed = !changed;
    const char *k;
    json_t *yes;
    json_object_foreach(changed, k, yes) if (!product_field(k)) variants_changed = 1;
    /* Product fields: all of them for a new product, else the changed ones. */
    json_t *val;
    json_object_foreach(latest, k, val) {
        if (!product_field(k)) continue;
        if (strcmp(k, "files") == 0 && pid && !json_object_get(changed, "files")) continue;
        if (changed && !json_object_get(changed, k)) continue;
        json_object_set(input, k, val);
    }
    json_object_foreach(changed, k, yes) { /* a field the mapping no longer sets: clear it */
        if (!product_field(k) || json_object_get(latest, k)) continue;
        json_object_set_new(input, k, strcmp(k, "tags") == 0 || strcmp(k, "files") == 0 ? json_array() : json_string(""));
    }
    if (!json_object_get(input, "handle")) json_object_set_new(input, "handle", json_string(handle));
    *variants_out = 0;
    if (variants_changed) {
        json_t *variants = json_array(), *options = json_object(), *in_batch = json_object();
        size_t i;
        json_t *v;
        json_array_foreach(idx, i, v) {
            const struct hub_push_item *it = p->st[json_integer_value(v)].it;
            json_t *pl = payload_of(it);
            ids_get(s, it->sku, it->external);
            add_variant(s, variants, options, json_array_get(json_object_get(pl, "variants"), 0), it->sku, created);
            json_object_set_new(in_batch, it->sku, json_true());
            json_decref(pl);
        }
        if (pid) { /* the product's other variants, as Shopify last acknowledged them */
            json_object_foreach(json_object_get(ids_handle(s, handle), "skus"), k, yes) {
                if (json_object_get(in_batch, k)) continue;
                char *l = s->host->listing_get(s->inst, k);
                json_t *j = l ? json_loads(l, 0, NULL) : NULL;
                s->host->free(l);
                json_t *sv = json_array_get(json_object_get(json_object_get(j, "payload"), "variants"), 0);
                if (sv) {
                    char *ext = json_dumps(json_object_get(j, "external"), JSON_COMPACT);
                    ids_get(s, k, ext);
                    free(ext);
                    add_variant(s, variants, options, sv, k, created);
                }
                json_decref(j);
            }
        }
        json_object_set_new(input, "productOptions", product_options(latest, options));
        *variants_out = (double)json_array_size(variants);
        json_object_set_new(input, "variants", variants);
        json_decref(options);
        json_decref(in_batch);
    }
    json_decref(changed);
    json_decref(latest);
    return input;
}

static void on_product_set(struct shopify *s, void *arg, const struct gql_result *r)
{
    struct group_call *g = arg;
    struct push *p = g->p;
    push_cost(p, r);
    size_t k;
    json_t *v;
    json_t *res = r->data ? json_object_get(r->data, "productSet") : NULL;
    json_t *errors = json_object_get(res, "userErrors");
    if (r->ok && r->dry_run) {
        json_array_foreach(g->idx, k, v) push_ok(p, (size_t)json_integer_value(v), NULL);
    } else if (!r->ok) {
        json_array_foreach(g->idx, k, v) push_fail(p, (size_t)json_integer_value(v), r);
    } else if (json_array_size(errors) > 0 || !json_is_object(json_object_get(res, "product"))) {
        char *msg = json_array_size(errors) ? gql_user_errors(errors) : strdup("productSet returned no product");
        s->host->log(s->inst, HUB_LOG_WARN, "shopify: productSet %s refused: %s", g->handle, msg ? msg : "?");
        json_array_foreach(g->idx, k, v) {
            size_t idx = (size_t)json_integer_value(v);
            push_fatal(p, idx, msg);
            json_object_set_new(s->refused, p->st[idx].it->sku, json_string(msg ? msg : "refused"));
        }
        free(msg);
    } else {
        json_t *product = json_object_get(res, "product");
        const char *pid = json_string_value(json_object_get(product, "id"));
        size_t i;
        json_t *node;
        json_array_foreach(json_object_get(json_object_get(product, "variants"), "nodes"), i, node) {
            const char *sku = json_string_value(json_object_get(node, "sku"));
            ids_put(s, sku, pid, json_string_value(json_object_get(node, "id")),
                    json_string_value(json_object_get(json_object_get(node, "inventoryItem"), "id")));
            ids_handle_add(s, g->handle, sku, pid);
        }
        json_array_foreach(g->idx, k, v) {
            size_t idx = (size_t)json_integer_value(v);
            char *ext = ids_external(s, p->st[idx].it->sku);
            if (!ext)
                s->host->log(s->inst, HUB_LOG_WARN, "shopify: productSet %s did not return SKU %s", g->handle,
                             p->st[idx].it->sku);
            push_ok(p, idx, ext);
            json_object_del(s->refused, p->st[idx].it->sku);
            free(ext);
        }
        /* What Shopify now shows for the new variants: their stock push is
         * acknowledged without a call when it carries the same number. */
        const char *sku;
        json_t *q;
        json_object_foreach(g->created, sku, q) json_object_set(s->created, sku, q);
    }
    free(g->handle);
    json_decref(g->created);
    json_decref(g->idx);
    free(g);
    launch_next(p);
    push_step(p);
}

static void launch_next(struct push *p)
{
    struct shopify *s = p->s;
    while (json_array_size(p->group_queue) > 0) {
        const char *handle = json_string_value(json_array_get(p->group_queue, 0));
        struct group_call *g = calloc(1, sizeof *g);
        g->p = p;
        g->handle = strdup(handle);
        g->idx = json_incref(json_object_get(p->groups, handle));
        g->created = json_object();
        json_array_remove(p->group_queue, 0);
        double nvar = 0;
        json_t *input = build_input(p, g->handle, g->idx, g->created, &nvar);
        double cost = 10.0 + 0.2 * nvar;
        p->pending++;
        gql_call(s, OP_PRODUCT_SET, PRODUCT_SET, json_pack("{s:o}", "input", input), cost, on_product_set, g);
        return; /* one at a time per slot: the next leaves when this one answers */
    }
}

/* A full batch whose last items are the first variants of a product that
 * continues in the next batch would cost two productSets for one product: those
 * items go back to the outbox (a 2 ms Retry-After) and come again, first, with
 * the rest of their product.  Not when the product fills the batch from its
 * start (it could never be whole). */
static void defer_trailing(struct push *p)
{
    if (p->n < SHOPIFY_BATCH_MAX || p->st[p->n - 1].it->kind != HUB_OP_LISTING) return;
    size_t last = json_array_size(p->group_queue);
    if (last < 2) return;
    const char *handle = json_string_value(json_array_get(p->group_queue, last - 1));
    json_t *idx = json_object_get(p->groups, handle);
    if (json_integer_value(json_array_get(idx, json_array_size(idx) - 1)) != (json_int_t)(p->n - 1)) return;
    size_t k;
    json_t *v;
    json_array_foreach(idx, k, v)
        push_retry(p, (size_t)json_integer_value(v), 2, "sent with the rest of its product in the next batch");
    json_object_del(p->groups, handle);
    json_array_remove(p->group_queue, last - 1);
    shopify_metric(p->s, "listings_deferred", (double)k);
}

void listing_phase(struct push *p)
{
    struct shopify *s = p->s;
    if (!p->groups) { /* step 1: group by product, adopt what Shopify already has */
        p->groups = json_object();
        p->group_queue = json_array();
        json_t *unknown = json_array();
        for (size_t i = 0; i < p->n; i++) {
            const struct hub_push_item *it = p->st[i].it;
            if (it->kind != HUB_OP_LISTING) continue;
            json_t *pl = payload_of(it);
            const char *handle = json_string_value(json_object_get(pl, "handle"));
            const char *sku = variant_sku(pl);
            if (!handle || !*handle || !sku) {
                push_fatal(p, i, "the mapping's listing has no handle or no variants[0].sku "
                                 "(scripts/shopify.lua to_channel)");
                json_decref(pl);
                continue;
            }
            json_t *g = json_object_get(p->groups, handle);
            if (!g) {
                g = json_array();
                json_object_set_new(p->groups, handle, g);
                json_array_append_new(p->group_queue, json_string(handle));
            }
            json_array_append_new(g, json_integer((json_int_t)i));
            json_decref(pl);
        }
        defer_trailing(p);
        if (s->host->mode(s->inst) != HUB_MODE_DRY_RUN) {
            /* A product we have no id for may exist in the shop already (created
             * by hand, or by a push whose answer was lost): one of its SKUs finds
             * it, and productSet then updates it instead of making a duplicate. */
            size_t k;
            json_t *h;
            json_array_foreach(p->group_queue, k, h) {
                json_t *idx = json_object_get(p->groups, json_string_value(h));
                if (group_product_id(p, json_string_value(h), idx)) continue;
                json_array_append_new(unknown, json_string(p->st[json_integer_value(json_array_get(idx, 0))].it->sku));
            }
        }
        if (json_array_size(unknown) > 0) {
            listing_adopt(p, unknown); /* then come back for step 2 */
            return;
        }
        json_decref(unknown);
    }
    /* step 2: productSet per product, `concurrency` at a time */
    p->phase++;
    for (int i = 0; i < s->concurrency && json_array_size(p->group_queue) > 0; i++) launch_next(p);
}
