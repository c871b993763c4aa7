/* catalog_index.c - what the core pushed to this channel, kept in memory
 * (catalog_index.h).  Search lives in catalog_search.c. */
#include "catalog_index.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog_search.h"

struct catalog_index {
    json_t *variants; /* sku -> entry */
    json_t *products; /* product id -> product */
    json_t *avail;    /* sku -> last pushed quantity */
    char currency[4];
};

struct catalog_index *catalog_index_new(void)
{
    struct catalog_index *idx = calloc(1, sizeof *idx);
    if (!idx) return NULL;
    idx->variants = json_object();
    idx->products = json_object();
    idx->avail = json_object();
    return idx;
}

void catalog_index_free(struct catalog_index *idx)
{
    if (!idx) return;
    json_decref(idx->variants);
    json_decref(idx->products);
    json_decref(idx->avail);
    free(idx);
}

size_t catalog_index_size(const struct catalog_index *idx) { return json_object_size(idx->variants); }

const char *catalog_index_currency(const struct catalog_index *idx)
{
    return idx->currency[0] ? idx->currency : NULL;
}

const json_t *catalog_index_variant(const struct catalog_index *idx, const char *sku)
{
    return sku ? json_object_get(idx->variants, sku) : NULL;
}

const json_t *catalog_index_product(const struct catalog_index *idx, const char *product_id)
{
    return product_id ? json_object_get(idx->products, product_id) : NULL;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void catalog_index_each_product(const struct catalog_index *idx,
                                int (*cb)(void *arg, const json_t *product), void *arg)
{
    size_t n = json_object_size(idx->products), k = 0;
    const char **keys = calloc(n ? n : 1, sizeof *keys);
    if (!keys) return;
    const char *key;
    json_t *v;
    json_object_foreach(idx->products, key, v) keys[k++] = key;
    qsort(keys, k, sizeof *keys, cmp_str);
    for (size_t i = 0; i < k; i++)
        if (cb(arg, json_object_get(idx->products, keys[i]))) break;
    free(keys);
}

static void set_stock_fields(json_t *e, int64_t q)
{
    json_object_set_new(e, "available", json_integer(q));
    if (q >= 0) {
        json_object_set_new(e, "in_stock", json_boolean(q > 0));
    } else {
        const json_t *av = json_object_get(json_object_get(json_object_get(e, "listing"), "variants_0"),
                                           "available");
        json_object_set_new(e, "in_stock", json_boolean(json_is_true(av)));
    }
}

void catalog_index_set_available(struct chatgpt *g, const char *sku, int64_t quantity)
{
    json_object_set_new(g->index->avail, sku, json_integer(quantity));
    json_t *e = json_object_get(g->index->variants, sku);
    if (e) set_stock_fields(e, quantity);
}

/* Remove sku from its product's list (and the product when it has none left). */
static void unlink_sku(struct catalog_index *idx, const char *sku, const char *product_id)
{
    json_t *p = json_object_get(idx->products, product_id);
    if (!p) return;
    json_t *skus = json_object_get(p, "skus");
    size_t i;
    json_t *s;
    json_array_foreach(skus, i, s) {
        if (strcmp(json_string_value(s), sku) == 0) {
            json_array_remove(skus, i);
            break;
        }
    }
    if (json_array_size(skus) == 0) json_object_del(idx->products, product_id);
}

void catalog_index_delete(struct chatgpt *g, const char *sku)
{
    json_t *e = json_object_get(g->index->variants, sku);
    if (!e) return;
    char *pid = strdup(json_string_value(json_object_get(e, "product_id")));
    json_object_del(g->index->variants, sku);
    if (pid) unlink_sku(g->index, sku, pid);
    free(pid);
}

static json_t *load_doc(struct chatgpt *g, int product, const char *id, json_t *cache)
{
    if (cache) {
        json_t *c = json_object_get(cache, id);
        if (c) return json_incref(c);
    }
    char *txt = product ? g->host->product_get(g->inst, id) : g->host->variant_get(g->inst, id);
    json_t *doc = txt ? json_loads(txt, 0, NULL) : NULL;
    g->host->free(txt);
    if (doc && cache) json_object_set(cache, id, doc);
    return doc;
}

static const char *jstr(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static void lower_keys(json_t *dst, const json_t *variant_options)
{
    size_t i;
    json_t *o;
    json_array_foreach(variant_options, i, o) {
        const char *n = jstr(o, "name"), *v = jstr(o, "value");
        if (!n || !v) continue;
        char key[64];
        size_t k = 0;
        for (; n[k] && k + 1 < sizeof key; k++) key[k] = (char)tolower((unsigned char)n[k]);
        key[k] = '\0';
        json_object_set_new(dst, key, json_string(v));
    }
}

static int index_listing(struct chatgpt *g, const char *sku, json_t *payload, json_t *cache,
                         char *err, size_t err_len)
{
    const char *pid = jstr(payload, "id");
    json_t *variants = json_object_get(payload, "variants");
    json_t *v = NULL;
    size_t i;
    json_t *x;
    json_array_foreach(variants, i, x) {
        const char *id = jstr(x, "id");
        if (id && strcmp(id, sku) == 0) { v = x; break; }
    }
    if (!v && json_array_size(variants) == 1) v = json_array_get(variants, 0);
    json_t *price = json_object_get(v, "price");
    if (!pid || !v || !json_is_integer(json_object_get(price, "amount")) || !jstr(price, "currency")) {
        snprintf(err, err_len, "chatgpt: listing of %s needs id, variants[{id, price{amount, currency}}]", sku);
        return -1;
    }
    json_t *prod = load_doc(g, 1, pid, cache);
    json_t *var = load_doc(g, 0, sku, NULL);
    json_t *options = json_object();
    if (json_is_object(json_object_get(var, "options"))) json_object_update(options, json_object_get(var, "options"));
    else lower_keys(options, json_object_get(v, "variant_options"));
    /* canonical option values as strings */
    const char *ok;
    json_t *ov;
    json_object_foreach(options, ok, ov) {
        if (!json_is_string(ov)) {
            char *t = json_dumps(ov, JSON_ENCODE_ANY | JSON_COMPACT);
            json_object_set_new(options, ok, json_string(t ? t : ""));
            free(t);
        }
    }
    const char *category = prod ? jstr(prod, "category") : NULL;
    json_t *cats = json_object_get(v, "categories");
    if (!category && json_array_size(cats)) category = jstr(json_array_get(cats, 0), "value");
    json_t *tags = json_object_get(prod, "tags");
    const char *status = prod ? jstr(prod, "status") : NULL;
    int active = !status || strcmp(status, "active") == 0;
    int prohibited = policy_prohibited(g, category, tags, NULL, 0);
    const char *desc = jstr(json_object_get(payload, "description"), "plain");
    if (!desc && prod) desc = jstr(prod, "description");
    json_t *images = json_array();
    json_array_foreach(json_object_get(payload, "media"), i, x)
        if (jstr(x, "url")) json_array_append(images, json_object_get(x, "url"));
    json_t *list_price = json_object_get(v, "list_price");
    if (!list_price) list_price = json_object_get(v, "compare_at_price");

    json_t *e = json_object();
    json_object_set_new(e, "sku", json_string(sku));
    json_object_set_new(e, "product_id", json_string(pid));
    json_object_set_new(e, "title", json_string(jstr(v, "title") ? jstr(v, "title") : sku));
    json_object_set_new(e, "product_title", json_string(jstr(payload, "title") ? jstr(payload, "title") : pid));
    json_object_set_new(e, "brand", json_string(prod && jstr(prod, "brand") ? jstr(prod, "brand") : ""));
    json_object_set_new(e, "category", json_string(category ? category : ""));
    json_object_set_new(e, "tags", json_is_array(tags) ? json_deep_copy(tags) : json_array());
    json_object_set_new(e, "description", json_string(desc ? desc : ""));
    if (json_array_size(images)) json_object_set(e, "image", json_array_get(images, 0));
    if (jstr(v, "url")) json_object_set(e, "url", json_object_get(v, "url"));
    json_object_set_new(e, "options", options);
    json_object_set_new(e, "price", json_pack("{s:O, s:O}", "amount", json_object_get(price, "amount"),
                                              "currency", json_object_get(price, "currency")));
    if (json_is_integer(json_object_get(list_price, "amount")))
        json_object_set_new(e, "list_price", json_deep_copy(list_price));
    json_object_set_new(e, "active", json_boolean(active));
    json_object_set_new(e, "prohibited", json_boolean(prohibited));
    json_t *lst = json_deep_copy(payload);
    json_object_set_new(lst, "variants_0", json_deep_copy(json_object_get(v, "availability")));
    json_object_set_new(e, "listing", lst);
    json_t *q = json_object_get(g->index->avail, sku);
    set_stock_fields(e, q ? (int64_t)json_integer_value(q) : -1);

    /* re-link: the SKU may have moved to another product */
    json_t *old = json_object_get(g->index->variants, sku);
    if (old && strcmp(jstr(old, "product_id"), pid) != 0) {
        char *opid = strdup(jstr(old, "product_id"));
        if (opid) unlink_sku(g->index, sku, opid);
        free(opid);
    }
    json_object_set_new(g->index->variants, sku, e);

    json_t *p = json_object_get(g->index->products, pid);
    if (!p) {
        p = json_pack("{s:s, s:[]}", "product_id", pid, "skus");
        json_object_set_new(g->index->products, pid, p);
    }
    json_object_set(p, "title", json_object_get(e, "product_title"));
    json_object_set(p, "brand", json_object_get(e, "brand"));
    json_object_set(p, "category", json_object_get(e, "category"));
    json_object_set(p, "tags", json_object_get(e, "tags"));
    json_object_set(p, "description", json_object_get(e, "description"));
    json_object_set_new(p, "images", images);
    json_object_set_new(p, "options", prod && json_is_array(json_object_get(prod, "options"))
                                          ? json_deep_copy(json_object_get(prod, "options"))
                                          : json_array());
    json_object_set(p, "active", json_object_get(e, "active"));
    json_object_set(p, "prohibited", json_object_get(e, "prohibited"));
    if (jstr(payload, "url")) json_object_set(p, "url", json_object_get(payload, "url"));
    json_t *skus = json_object_get(p, "skus");
    int have = 0;
    json_array_foreach(skus, i, x) if (strcmp(json_string_value(x), sku) == 0) have = 1;
    if (!have) json_array_append_new(skus, json_string(sku));
    if (!g->index->currency[0] && strlen(jstr(price, "currency")) == 3)
        memcpy(g->index->currency, jstr(price, "currency"), 4);
    json_decref(prod);
    json_decref(var);
    return 0;
}

int catalog_index_put_listing(struct chatgpt *g, const char *sku, const char *payload, char *err,
                              size_t err_len)
{
    json_error_t jerr;
    json_t *p = json_loads(payload, 0, &jerr);
    if (!json_is_object(p)) {
        snprintf(err, err_len, "chatgpt: listing of %s is not a JSON object", sku);
        json_decref(p);
        return -1;
    }
    int rc = index_listing(g, sku, p, NULL, err, err_len);
    json_decref(p);
    return rc;
}

struct rebuild {
    struct chatgpt *g;
    json_t *cache;
    size_t n, bad;
};

static int rebuild_one(void *arg, const char *sku, int64_t quantity, const char *payload_json)
{
    struct rebuild *r = arg;
    if (quantity >= 0) json_object_set_new(r->g->index->avail, sku, json_integer(quantity));
    if (!payload_json) return 0;
    json_t *p = json_loads(payload_json, 0, NULL);
    char err[256];
    if (!json_is_object(p) || index_listing(r->g, sku, p, r->cache, err, sizeof err) != 0) r->bad++;
    else r->n++;
    json_decref(p);
    return 0;
}

int catalog_index_rebuild(struct chatgpt *g)
{
    json_object_clear(g->index->variants);
    json_object_clear(g->index->products);
    json_object_clear(g->index->avail);
    struct rebuild r = {.g = g, .cache = json_object()};
    int rc = g->host->listings_each(g->inst, rebuild_one, &r);
    json_decref(r.cache);
    if (rc != 0) {
        g->host->log(g->inst, HUB_LOG_ERROR, "chatgpt: cannot read the channel's listings to build the index");
        return -1;
    }
    if (r.bad) g->host->log(g->inst, HUB_LOG_WARN, "chatgpt: %zu stored listing(s) could not be indexed", r.bad);
    return 0;
}

json_t *catalog_index_search(struct chatgpt *g, const json_t *args, char *err, size_t err_len)
{
    return catalog_search(g, g->index->products, g->index->variants, args, err, err_len);
}
