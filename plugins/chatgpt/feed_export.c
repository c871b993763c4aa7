/* feed_export.c - the tenant's catalog as an ACP product feed (2026-04-17,
 * openapi.feed.yaml / schema.feed.json), from the catalog index:
 *
 *   GET /t/<tenant>/<channel>/feed                  ProductsResponse {"products": [Product]}
 *   GET /t/<tenant>/<channel>/feed?format=jsonl     products.jsonl: one Product per line
 *   GET /t/<tenant>/<channel>/feed?format=metadata  FeedMetadata {id, updated_at}
 *
 * One Product per canonical product, its variants the SKUs the channel was
 * pushed (scripts/chatgpt.lua to_channel), availability from the current
 * available quantity.  Inactive products and prohibited categories (policy)
 * are left out.  Prices are integer minor units with an upper-case ISO 4217
 * code.  Answers carry an ETag; If-None-Match answers 304. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acp.h"
#include "catalog_index.h"

static const char *const VARIANT_FIELDS[] = {"id", "title", "description", "url", "barcodes", "price",
                                             "list_price", "unit_price", "categories", "condition",
                                             "variant_options", "media", "seller", "marketplace", NULL};

struct build {
    struct chatgpt *g;
    json_t *products;
};

static json_t *variant_of(const json_t *var)
{
    json_t *listing = json_object_get(var, "listing");
    json_t *src = json_array_get(json_object_get(listing, "variants"), 0);
    json_t *v = json_object();
    for (size_t i = 0; VARIANT_FIELDS[i]; i++) {
        json_t *x = json_object_get(src, VARIANT_FIELDS[i]);
        if (x) json_object_set(v, VARIANT_FIELDS[i], x);
    }
    /* to_channel names the pre-sale price compare_at_price; the feed calls it list_price */
    if (!json_object_get(v, "list_price") && json_object_get(src, "compare_at_price"))
        json_object_set(v, "list_price", json_object_get(src, "compare_at_price"));
    if (!json_object_get(v, "id")) json_object_set(v, "id", json_object_get(var, "sku"));
    if (!json_object_get(v, "title")) json_object_set(v, "title", json_object_get(var, "title"));
    if (!json_object_get(v, "price") && json_object_get(var, "price"))
        json_object_set(v, "price", json_object_get(var, "price"));
    json_t *avail = json_object_get(var, "available");
    int in_stock = json_is_integer(avail) ? json_integer_value(avail) > 0 : json_is_true(json_object_get(var, "in_stock"));
    json_object_set_new(v, "availability",
                        json_pack("{s:b, s:s}", "available", in_stock, "status", in_stock ? "in_stock" : "out_of_stock"));
    const char *cat = json_string_value(json_object_get(var, "category"));
    if (cat && *cat && !json_object_get(v, "categories"))
        json_object_set_new(v, "categories", json_pack("[{s:s, s:s}]", "value", cat, "taxonomy", "merchant"));
    return v;
}

static int each_product(void *arg, const json_t *p)
{
    struct build *b = arg;
    if (!json_is_true(json_object_get(p, "active")) || json_is_true(json_object_get(p, "prohibited"))) return 0;
    json_t *variants = json_array();
    const json_t *first_listing = NULL;
    size_t i;
    json_t *sku;
    json_array_foreach(json_object_get(p, "skus"), i, sku) {
        const json_t *var = catalog_index_variant(b->g->index, json_string_value(sku));
        if (!var || !json_is_true(json_object_get(var, "active")) || json_is_true(json_object_get(var, "prohibited")))
            continue;
        if (!first_listing) first_listing = json_object_get(var, "listing");
        json_array_append_new(variants, variant_of(var));
    }
    if (json_array_size(variants) == 0) {
        json_decref(variants);
        return 0;
    }
    json_t *out = json_pack("{s:O}", "id", json_object_get(p, "product_id"));
    const char *title = json_string_value(json_object_get(p, "title"));
    if (title) json_object_set_new(out, "title", json_string(title));
    json_t *desc = json_object_get(first_listing, "description");
    const char *plain = json_string_value(json_object_get(p, "description"));
    if (json_is_object(desc) && json_object_size(desc) > 0) json_object_set(out, "description", desc);
    else if (plain && *plain) json_object_set_new(out, "description", json_pack("{s:s}", "plain", plain));
    if (json_object_get(first_listing, "url")) json_object_set(out, "url", json_object_get(first_listing, "url"));
    json_t *media = json_object_get(first_listing, "media");
    if (json_is_array(media) && json_array_size(media) > 0) json_object_set(out, "media", media);
    json_object_set_new(out, "variants", variants);
    json_array_append_new(b->products, out);
    return 0;
}

static void respond_text(struct chatgpt *g, struct hub_http_req *req, int status, const char *ctype, const char *text,
                         const char *etag)
{
    struct hub_header h[3] = {{"Content-Type", ctype}, {"Cache-Control", "public, max-age=60"}, {"ETag", etag}};
    g->host->respond(req, status, h, etag ? 3 : 2, text, text ? strlen(text) : 0);
}

static void feed_error(struct chatgpt *g, struct hub_http_req *req, int status, const char *code, const char *msg,
                       const char *param)
{
    json_t *e = json_pack("{s:s, s:s, s:s}", "type", "invalid_request", "code", code, "message", msg);
    if (param) json_object_set_new(e, "param", json_string(param));
    char *text = chatgpt_dump(e);
    json_decref(e);
    respond_text(g, req, status, "application/json", text ? text : "{}", NULL);
    free(text);
}

void chatgpt_feed_route(void *ctx, struct hub_http_req *req)
{
    struct chatgpt *g = ctx;
    const struct hub_host *host = g->host;
    if (!host->config_int(g->inst, "feed")) {
        feed_error(g, req, 404, "feed_not_found", "this merchant does not publish a product feed", NULL);
        return;
    }
    const char *q = host->req_query(req);
    const char *format = "json";
    if (q && *q) {
        if (strcmp(q, "format=json") == 0) format = "json";
        else if (strcmp(q, "format=jsonl") == 0) format = "jsonl";
        else if (strcmp(q, "format=metadata") == 0) format = "metadata";
        else {
            feed_error(g, req, 400, "invalid_format", "format must be json, jsonl or metadata", "format");
            return;
        }
    }
    char *text = NULL;
    const char *ctype = "application/json";
    if (strcmp(format, "metadata") == 0) {
        char id[160], now[32];
        snprintf(id, sizeof id, "feed_%s_%s", g->tenant, g->channel);
        acp_rfc3339(host->now_ms(g->inst), now);
        json_t *m = json_pack("{s:s, s:s}", "id", id, "updated_at", now);
        text = chatgpt_dump(m);
        json_decref(m);
        respond_text(g, req, 200, ctype, text ? text : "{}", NULL);
        free(text);
        return;
    }
    struct build b = {g, json_array()};
    catalog_index_each_product(g->index, each_product, &b);
    if (strcmp(format, "jsonl") == 0) {
        ctype = "application/x-ndjson";
        size_t cap = 4096, len = 0;
        text = malloc(cap);
        size_t i;
        json_t *p;
        json_array_foreach(b.products, i, p) {
            char *line = chatgpt_dump(p);
            size_t ll = line ? strlen(line) : 0;
            while (text && len + ll + 2 > cap) {
                cap *= 2;
                char *n = realloc(text, cap);
                if (!n) free(text);
                text = n;
            }
            if (text && line) {
                memcpy(text + len, line, ll);
                len += ll;
                text[len++] = '\n';
            }
            free(line);
        }
        if (text) text[len] = '\0';
    } else {
        json_t *resp = json_pack("{s:O}", "products", b.products);
        text = json_dumps(resp, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(resp);
    }
    json_decref(b.products);
    if (!text) {
        feed_error(g, req, 500, "internal", "the feed could not be encoded", NULL);
        return;
    }
    char hash[65], etag[72];
    acp_sha256_hex(text, strlen(text), hash);
    snprintf(etag, sizeof etag, "\"%.32s\"", hash);
    const char *inm = host->req_header(req, "If-None-Match");
    if (inm && strstr(inm, etag)) respond_text(g, req, 304, ctype, "", etag);
    else respond_text(g, req, 200, ctype, text, etag);
    free(text);
}
