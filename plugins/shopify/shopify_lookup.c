/*
 * shopify_lookup.c - finding Shopify's ids for SKUs, and re-reading levels.
 *
 *   productVariants(first: n, query: "sku:\"A\" OR sku:\"B\" ...")
 *       -> variant id, product id, inventory item id per SKU (exact matches only)
 *   inventoryItem(id:) { inventoryLevels { location quantities(names:["available"]) } }
 *       one alias per item -> what Shopify shows at the tenant's location now
 *
 * A SKU's ids are looked up once: they are acknowledged into the listing's
 * external JSON and come back in item->external afterwards.
 */
#include "shopify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LEVELS_PER_CALL 10
#define LEVELS_FIRST 20
#define UNLISTED_TRIES 6

static const char LOOKUP_QUERY[] =
    "query VariantsBySku($q: String!, $n: Int!) { productVariants(first: $n, query: $q) "
    "{ nodes { id sku product { id handle } inventoryItem { id } } } }";

/* sku:"A" OR sku:"B" with Shopify search syntax quoting. */
static char *search_query(json_t *skus)
{
    size_t cap = 64, len = 0, i;
    json_t *v;
    json_array_foreach(skus, i, v) cap += 2 * strlen(json_string_value(v)) + 16;
    char *q = malloc(cap);
    if (!q) return NULL;
    json_array_foreach(skus, i, v) {
        const char *sku = json_string_value(v);
        len += (size_t)snprintf(q + len, cap - len, "%ssku:\"", i ? " OR " : "");
        for (const char *c = sku; *c; c++) {
            if (*c == '"' || *c == '\\') q[len++] = '\\';
            q[len++] = *c;
        }
        q[len++] = '"';
        q[len] = '\0';
    }
    return q;
}

struct lookup {
    gql_done_fn done;
    void *arg;
};

static void on_lookup(struct shopify *s, void *arg, const struct gql_result *r)
{
    struct lookup *l = arg;
    if (r->ok && r->data) {
        size_t i;
        json_t *node;
        json_array_foreach(json_object_get(json_object_get(r->data, "productVariants"), "nodes"), i, node) {
            const char *sku = json_string_value(json_object_get(node, "sku"));
            const char *vid = json_string_value(json_object_get(node, "id"));
            json_t *prod = json_object_get(node, "product");
            const char *pid = json_string_value(json_object_get(prod, "id"));
            const char *iid = json_string_value(json_object_get(json_object_get(node, "inventoryItem"), "id"));
            if (!sku || !*sku || !vid) continue;
            json_t *known = json_object_get(s->ids, sku);
            const char *kv = json_string_value(json_object_get(known, "variant_id"));
            if (kv && strcmp(kv, vid) != 0) {
                s->host->log(s->inst, HUB_LOG_WARN,
                             "shopify: SKU %s is on more than one variant (%s, %s); using %s", sku, kv, vid, kv);
                continue;
            }
            ids_put(s, sku, pid, vid, iid);
            ids_handle_add(s, json_string_value(json_object_get(prod, "handle")), NULL, pid);
        }
    }
    l->done(s, l->arg, r);
    free(l);
}

/* Look up `skus` (<= 250, stolen); results land in s->ids. */
static void lookup_skus(struct shopify *s, json_t *skus, gql_done_fn done, void *arg)
{
    struct lookup *l = calloc(1, sizeof *l);
    char *q = search_query(skus);
    size_t n = json_array_size(skus);
    json_decref(skus);
    if (!l || !q) {
        struct gql_result r = {.transient = 1};
        snprintf(r.error, sizeof r.error, "out of memory");
        free(l);
        free(q);
        done(s, arg, &r);
        return;
    }
    l->done = done;
    l->arg = arg;
    json_t *vars = json_pack("{s:s, s:I}", "q", q, "n", (json_int_t)n);
    free(q);
    gql_call(s, OP_LOOKUP, LOOKUP_QUERY, vars, 2.0 + 3.0 * (double)n, on_lookup, l);
}

/* ------------------------------------------------------------ listings: adoption */
static void on_adopt(struct shopify *s, void *arg, const struct gql_result *r)
{
    struct push *p = arg;
    push_cost(p, r);
    if (!r->ok) /* not fatal for the listings: they are created (or retried) anyway */
        s->host->log(s->inst, HUB_LOG_WARN, "shopify: SKU lookup before productSet failed: %s", r->error);
    if (r->auth) p->auth_failed = 1;
    push_step(p);
}

void listing_adopt(struct push *p, json_t *skus);
void listing_adopt(struct push *p, json_t *skus)
{
    p->pending++;
    lookup_skus(p->s, skus, on_adopt, p);
}

/* ------------------------------------------------------------ stock: ids */
static void on_stock_ids(struct shopify *s, void *arg, const struct gql_result *r)
{
    struct push *p = arg;
    push_cost(p, r);
    for (size_t i = 0; i < p->n; i++) {
        const struct hub_push_item *it = p->st[i].it;
        if (it->kind != HUB_OP_STOCK || p->st[i].done) continue;
        json_t *ids = json_object_get(s->ids, it->sku);
        if (json_object_get(ids, "inventory_item_id")) continue;
        if (!r->ok) {
            push_fail(p, i, r);
        } else {
            char msg[512];
            snprintf(msg, sizeof msg,
                     "Shopify has no variant with SKU %s (deleted in Shopify, or its SKU changed there)", it->sku);
            push_fatal(p, i, msg);
        }
    }
    push_step(p);
}

static int listing_acked(struct shopify *s, const char *sku)
{
    char *l = s->host->listing_get(s->inst, sku);
    if (!l) return 0;
    json_t *j = json_loads(l, 0, NULL);
    s->host->free(l);
    int acked = json_is_object(json_object_get(j, "payload"));
    json_decref(j);
    return acked;
}

void lookup_phase(struct push *p)
{
    struct shopify *s = p->s;
    p->phase++; /* whatever happens here, the stock phase comes next */
    int dry = s->host->mode(s->inst) == HUB_MODE_DRY_RUN;
    json_t *skus = json_array();
    for (size_t i = 0; i < p->n; i++) {
        const struct hub_push_item *it = p->st[i].it;
        if (it->kind != HUB_OP_STOCK || p->st[i].done) continue;
        json_t *ids = ids_get(s, it->sku, it->external);
        json_t *made = json_object_get(s->created, it->sku);
        if (made) { /* created by our productSet with a number: no call if it is this one */
            int64_t q = json_integer_value(made);
            json_object_del(s->created, it->sku);
            if (q == it->quantity && it->shadow_quantity < 0 && json_object_get(ids, "inventory_item_id")) {
                char *ext = ids_external(s, it->sku);
                push_ok(p, i, ext);
                free(ext);
                continue;
            }
            ids_observe(s, it->sku, q); /* else compare against it */
        }
        if (json_object_get(ids, "inventory_item_id") || dry) continue;
        if (!listing_acked(s, it->sku)) {
            /* The listing is not in Shopify yet.  A SKU Shopify does not list shows
             * 0, so 0 is already true.  Other numbers wait for the listing (whose
             * productSet stocks the SKU with the hub's number) - unless Shopify
             * refused the listing, or it has not come after a few tries: then a
             * dead letter says why, instead of retrying for ever. */
            const char *why = json_string_value(json_object_get(s->refused, it->sku));
            char msg[700];
            if (it->quantity == 0) {
                push_ok(p, i, NULL);
            } else if (why || it->attempt >= UNLISTED_TRIES) {
                snprintf(msg, sizeof msg, "stock not pushed: SKU %s has no listing in Shopify (%s)", it->sku,
                         why ? why : "its listing was not created after several tries; see hubctl dlq list");
                push_fatal(p, i, msg);
            } else {
                push_retry(p, i, 0, "waiting for the SKU's listing to be created in Shopify");
            }
            continue;
        }
        json_array_append_new(skus, json_string(it->sku));
    }
    if (json_array_size(skus) == 0) {
        json_decref(skus);
        return;
    }
    p->pending++;
    lookup_skus(s, skus, on_stock_ids, p);
}

/* ------------------------------------------------------------ levels re-read */
struct levels {
    levels_fn done;
    void *arg;
    json_t *out;     /* item gid -> quantity */
    int pending;
    struct gql_result fail;
    int failed;
};

static void levels_finish(struct shopify *s, struct levels *lv)
{
    if (--lv->pending > 0) return;
    lv->done(s, lv->arg, lv->failed ? NULL : lv->out, &lv->fail);
    json_decref(lv->out);
    free(lv);
}

static void on_levels(struct shopify *s, void *arg, const struct gql_result *r)
{
    struct levels *lv = arg;
    if (!r->ok) {
        if (!lv->failed) lv->fail = *r;
        lv->fail.body = lv->fail.data = NULL;
        lv->failed = 1;
    } else if (r->data) {
        const char *alias;
        json_t *item;
        json_object_foreach(r->data, alias, item) {
            const char *iid = json_string_value(json_object_get(item, "id"));
            size_t i;
            json_t *lvl;
            json_array_foreach(json_object_get(json_object_get(item, "inventoryLevels"), "nodes"), i, lvl) {
                const char *loc = json_string_value(json_object_get(json_object_get(lvl, "location"), "id"));
                if (!iid || !loc || strcmp(loc, s->location) != 0) continue;
                size_t k;
                json_t *q;
                json_array_foreach(json_object_get(lvl, "quantities"), k, q) {
                    const char *name = json_string_value(json_object_get(q, "name"));
                    if (name && strcmp(name, "available") == 0 && json_is_integer(json_object_get(q, "quantity")))
                        json_object_set(lv->out, iid, json_object_get(q, "quantity"));
                }
            }
        }
    }
    levels_finish(s, lv);
}

void levels_read(struct shopify *s, json_t *item_ids, levels_fn done, void *arg)
{
    struct levels *lv = calloc(1, sizeof *lv);
    lv->done = done;
    lv->arg = arg;
    lv->out = json_object();
    lv->pending = 1;
    size_t n = json_array_size(item_ids);
    for (size_t start = 0; start < n; start += LEVELS_PER_CALL) {
        size_t end = start + LEVELS_PER_CALL < n ? start + LEVELS_PER_CALL : n;
        char q[4096];
        size_t len = (size_t)snprintf(q, sizeof q, "query Levels(");
        for (size_t i = start; i < end; i++) len += (size_t)snprintf(q + len, sizeof q - len, "%s$i%zu: ID!", i > start ? ", " : "", i);
        len += (size_t)snprintf(q + len, sizeof q - len, ") {");
        json_t *vars = json_object();
        for (size_t i = start; i < end; i++) {
            len += (size_t)snprintf(q + len, sizeof q - len,
                                    " i%zu: inventoryItem(id: $i%zu) { id inventoryLevels(first: %d) { nodes "
                                    "{ location { id } quantities(names: [\"available\"]) { name quantity } } } }",
                                    i, i, LEVELS_FIRST);
            char name[32];
            snprintf(name, sizeof name, "i%zu", i);
            json_object_set(vars, name, json_array_get(item_ids, i));
        }
        snprintf(q + len, sizeof q - len, " }");
        lv->pending++;
        gql_call(s, OP_LEVELS, q, vars, (double)(end - start) * (1.0 + 2.0 + LEVELS_FIRST * 3.0), on_levels, lv);
    }
    levels_finish(s, lv);
}
