/* catalog_search.c - search_products: text, filters, facets, sort, cursor
 * pagination over the catalog index.  Prohibited and inactive products never
 * appear.  Text: every word of the query must occur (case-insensitive
 * substring) in the product's title, brand, category, tags, description or a
 * variant's option values; relevance weighs title 3, brand/category 2,
 * options/tags 1, description 1. */
#include "catalog_search.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *jstr(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static int64_t jint(const json_t *o, const char *k, int64_t dflt)
{
    const json_t *v = json_object_get(o, k);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : dflt;
}

/* case-insensitive substring */
static int contains(const char *hay, const char *needle)
{
    if (!hay || !needle) return 0;
    size_t n = strlen(needle);
    if (!n) return 1;
    for (const char *p = hay; *p; p++)
        if (strncasecmp(p, needle, n) == 0) return 1;
    return 0;
}

/* category filter: equal to the path, a prefix of it ("Shoes" / "Shoes > Boots"), or a segment */
static int category_matches(const char *cat, const char *want)
{
    if (!cat) return 0;
    size_t wl = strlen(want);
    if (strncasecmp(cat, want, wl) == 0 && (cat[wl] == '\0' || cat[wl] == ' ' || cat[wl] == '>'))
        return 1;
    const char *p = cat;
    for (;;) {
        while (*p == ' ' || *p == '>') p++;
        const char *e = strchr(p, '>');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        while (len && p[len - 1] == ' ') len--;
        if (len == wl && strncasecmp(p, want, wl) == 0) return 1;
        if (!e) return 0;
        p = e + 1;
    }
}

static const char *opt(const json_t *entry, const char *name)
{
    const json_t *o = json_object_get(entry, "options");
    const char *v = jstr(o, name);
    if (!v && strcmp(name, "colour") == 0) v = jstr(o, "color");
    return v;
}

json_t *catalog_variant_view(const json_t *e)
{
    json_t *v = json_pack("{s:O, s:O, s:O, s:O, s:O, s:O}", "sku", json_object_get(e, "sku"), "title",
                          json_object_get(e, "title"), "options", json_object_get(e, "options"), "price",
                          json_object_get(e, "price"), "available", json_object_get(e, "available"),
                          "in_stock", json_object_get(e, "in_stock"));
    if (json_object_get(e, "list_price")) json_object_set(v, "list_price", json_object_get(e, "list_price"));
    return v;
}

static void price_range(json_t *variants, int64_t *lo, int64_t *hi, int *in_stock)
{
    *lo = -1;
    *hi = -1;
    *in_stock = 0;
    size_t i;
    json_t *e;
    json_array_foreach(variants, i, e) {
        int64_t a = jint(json_object_get(e, "price"), "amount", 0);
        if (*lo < 0 || a < *lo) *lo = a;
        if (a > *hi) *hi = a;
        if (json_is_true(json_object_get(e, "in_stock"))) *in_stock = 1;
    }
}

/* variants: borrowed array of index entries (the ones to show) */
json_t *catalog_product_view(const json_t *p, json_t *variants)
{
    int64_t lo, hi;
    int in_stock;
    price_range(variants, &lo, &hi, &in_stock);
    const char *cur = json_array_size(variants) ? jstr(json_object_get(json_array_get(variants, 0), "price"), "currency") : NULL;
    json_t *vs = json_array();
    size_t i;
    json_t *e;
    json_array_foreach(variants, i, e) {
        if (i >= SEARCH_VARIANTS_MAX) break;
        json_array_append_new(vs, catalog_variant_view(e));
    }
    json_t *out = json_pack("{s:O, s:O, s:O, s:O, s:{s:I, s:I, s:s}, s:b, s:I, s:o}", "product_id",
                            json_object_get(p, "product_id"), "title", json_object_get(p, "title"),
                            "brand", json_object_get(p, "brand"), "category", json_object_get(p, "category"),
                            "price", "min", (json_int_t)(lo < 0 ? 0 : lo), "max", (json_int_t)(hi < 0 ? 0 : hi),
                            "currency", cur ? cur : "", "in_stock", in_stock, "variant_count",
                            (json_int_t)json_array_size(variants), "variants", vs);
    json_t *imgs = json_object_get(p, "images");
    if (json_array_size(imgs)) json_object_set(out, "image", json_array_get(imgs, 0));
    return out;
}

struct hit {
    const json_t *product;
    json_t *variants; /* matching entries */
    int score;
    int64_t min_price;
};

static int score_text(const json_t *p, json_t *vars, char **words, size_t nw)
{
    int score = 0;
    for (size_t w = 0; w < nw; w++) {
        int s = 0;
        if (contains(jstr(p, "title"), words[w])) s += 3;
        if (contains(jstr(p, "brand"), words[w])) s += 2;
        if (contains(jstr(p, "category"), words[w])) s += 2;
        size_t i;
        json_t *t;
        json_array_foreach(json_object_get(p, "tags"), i, t) if (contains(json_string_value(t), words[w])) { s += 1; break; }
        json_array_foreach(vars, i, t) {
            const char *k;
            json_t *v;
            int hit = 0;
            json_object_foreach(json_object_get(t, "options"), k, v) if (json_is_string(v) && strcasecmp(json_string_value(v), words[w]) == 0) hit = 1;
            if (hit) { s += 1; break; }
        }
        if (!s && contains(jstr(p, "description"), words[w])) s += 1;
        if (!s) return -1;
        score += s;
    }
    return score;
}

static char **split_words(const char *q, size_t *n)
{
    *n = 0;
    if (!q) return NULL;
    size_t cap = strlen(q) / 2 + 2;
    char **w = calloc(cap, sizeof *w);
    const char *p = q;
    while (*p && *n < cap && *n < 16) {
        while (*p && !isalnum((unsigned char)*p) && !(*p & 0x80)) p++;
        const char *s = p;
        while (*p && (isalnum((unsigned char)*p) || (*p & 0x80) || *p == '-')) p++;
        if (p > s) w[(*n)++] = strndup(s, (size_t)(p - s));
    }
    return w;
}

static int cmp_hit(const void *a, const void *b, void *sortp)
{
    const struct hit *x = a, *y = b;
    const char *sort = sortp;
    int c = 0;
    if (strcmp(sort, "price_asc") == 0) c = (x->min_price > y->min_price) - (x->min_price < y->min_price);
    else if (strcmp(sort, "price_desc") == 0) c = (x->min_price < y->min_price) - (x->min_price > y->min_price);
    else if (strcmp(sort, "relevance") == 0) c = y->score - x->score;
    if (!c) c = strcasecmp(jstr(x->product, "title"), jstr(y->product, "title"));
    if (!c) c = strcmp(jstr(x->product, "product_id"), jstr(y->product, "product_id"));
    return c;
}

static void facet_add(json_t *facet, const char *value)
{
    if (!value || !*value) return;
    json_t *c = json_object_get(facet, value);
    json_object_set_new(facet, value, json_integer(c ? json_integer_value(c) + 1 : 1));
}

static int cmp_facet(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    int64_t cx = jint(x, "count", 0), cy = jint(y, "count", 0);
    if (cx != cy) return cx < cy ? 1 : -1;
    return strcmp(jstr(x, "value"), jstr(y, "value"));
}

static json_t *facet_list(json_t *facet)
{
    size_t n = json_object_size(facet), k = 0;
    json_t **items = calloc(n ? n : 1, sizeof *items);
    const char *key;
    json_t *v;
    json_object_foreach(facet, key, v)
        items[k++] = json_pack("{s:s, s:I}", "value", key, "count", (json_int_t)json_integer_value(v));
    qsort(items, k, sizeof *items, cmp_facet);
    json_t *arr = json_array();
    for (size_t i = 0; i < k; i++) json_array_append_new(arr, items[i]);
    free(items);
    return arr;
}

json_t *catalog_search(struct chatgpt *g, json_t *products, json_t *variants, const json_t *args,
                       char *err, size_t err_len)
{
    (void)g;
    const char *query = jstr(args, "query"), *category = jstr(args, "category"),
               *brand = jstr(args, "brand"), *size = jstr(args, "size"), *colour = jstr(args, "colour");
    if (!colour) colour = jstr(args, "color");
    int64_t min_price = jint(args, "min_price", -1), max_price = jint(args, "max_price", -1);
    int in_stock_only = json_is_true(json_object_get(args, "in_stock_only"));
    const char *sort = jstr(args, "sort");
    if (!sort) sort = query && *query ? "relevance" : "title";
    int64_t limit = jint(args, "limit", SEARCH_LIMIT_DEFAULT);
    if (limit < 1) limit = 1;
    if (limit > SEARCH_LIMIT_MAX) limit = SEARCH_LIMIT_MAX;
    int64_t offset = 0;
    const char *cursor = jstr(args, "cursor");
    if (cursor) {
        char *end = NULL;
        if (cursor[0] != 'o' || !isdigit((unsigned char)cursor[1]) ||
            (offset = strtoll(cursor + 1, &end, 10)) < 0 || *end) {
            snprintf(err, err_len, "invalid cursor '%.40s': pass back next_cursor from a previous result", cursor);
            return NULL;
        }
    }
    size_t nw;
    char **words = split_words(query, &nw);

    size_t cap = json_object_size(products), n = 0;
    struct hit *hits = calloc(cap ? cap : 1, sizeof *hits);
    json_t *f_brand = json_object(), *f_cat = json_object(), *f_size = json_object(), *f_col = json_object();
    const char *pid;
    json_t *p;
    json_object_foreach(products, pid, p) {
        if (!json_is_true(json_object_get(p, "active")) || json_is_true(json_object_get(p, "prohibited"))) continue;
        if (category && !category_matches(jstr(p, "category"), category)) continue;
        if (brand && strcasecmp(jstr(p, "brand") ? jstr(p, "brand") : "", brand) != 0) continue;
        json_t *vars = json_array();
        size_t i;
        json_t *s;
        json_array_foreach(json_object_get(p, "skus"), i, s) {
            json_t *e = json_object_get(variants, json_string_value(s));
            if (!e) continue;
            int64_t a = jint(json_object_get(e, "price"), "amount", 0);
            if (size && (!opt(e, "size") || strcasecmp(opt(e, "size"), size) != 0)) continue;
            if (colour && (!opt(e, "colour") || strcasecmp(opt(e, "colour"), colour) != 0)) continue;
            if (min_price >= 0 && a < min_price) continue;
            if (max_price >= 0 && a > max_price) continue;
            if (in_stock_only && !json_is_true(json_object_get(e, "in_stock"))) continue;
            json_array_append(vars, e);
        }
        int score = json_array_size(vars) ? score_text(p, vars, words, nw) : -1;
        if (score < 0) {
            json_decref(vars);
            continue;
        }
        int64_t lo, hi;
        int st;
        price_range(vars, &lo, &hi, &st);
        hits[n++] = (struct hit){p, vars, score, lo};
        facet_add(f_brand, jstr(p, "brand"));
        facet_add(f_cat, jstr(p, "category"));
        json_t *seen_s = json_object(), *seen_c = json_object();
        json_array_foreach(vars, i, s) {
            const char *sz = opt(s, "size"), *co = opt(s, "colour");
            if (sz && !json_object_get(seen_s, sz)) { json_object_set_new(seen_s, sz, json_true()); facet_add(f_size, sz); }
            if (co && !json_object_get(seen_c, co)) { json_object_set_new(seen_c, co, json_true()); facet_add(f_col, co); }
        }
        json_decref(seen_s);
        json_decref(seen_c);
    }
    qsort_r(hits, n, sizeof *hits, cmp_hit, (void *)sort);
    json_t *list = json_array();
    for (size_t i = (size_t)offset; i < n && (int64_t)(i - (size_t)offset) < limit; i++)
        json_array_append_new(list, catalog_product_view(hits[i].product, hits[i].variants));
    json_t *res = json_pack("{s:o, s:I, s:{s:o, s:o, s:o, s:o}}", "products", list, "total", (json_int_t)n,
                            "facets", "brand", facet_list(f_brand), "category", facet_list(f_cat), "size",
                            facet_list(f_size), "colour", facet_list(f_col));
    if ((size_t)offset + (size_t)limit < n) {
        char c[32];
        snprintf(c, sizeof c, "o%lld", (long long)(offset + limit));
        json_object_set_new(res, "next_cursor", json_string(c));
    }
    for (size_t i = 0; i < n; i++) json_decref(hits[i].variants);
    free(hits);
    for (size_t i = 0; i < nw; i++) free(words[i]);
    free(words);
    json_decref(f_brand);
    json_decref(f_cat);
    json_decref(f_size);
    json_decref(f_col);
    return res;
}
