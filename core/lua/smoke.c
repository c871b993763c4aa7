/*
 * smoke.c - the built-in samples a script must handle before it goes live.
 *
 * to_channel runs on two items: a fully described variant (EUR, compare-at
 * price, barcode, weight, two options) and a minimal one (JPY, no optional
 * fields, no options), so a script that assumes an optional field fails
 * here rather than in production.  from_channel runs with kind "smoke" and
 * an empty payload: scripts must answer unknown kinds with {} (no events).
 * allocate runs on a plain stock row.
 */
#include <stdio.h>
#include <stdlib.h>

#include "lua/internal.h"

static const char smoke_product[] =
    "{\"id\":\"smoke-tee\",\"title\":\"Smoke Test Tee\",\"brand\":\"Hub\","
    "\"category\":\"Apparel > Tops\",\"description\":\"A tee used to smoke-test mappings.\","
    "\"options\":[\"size\",\"colour\"],\"images\":[\"https://example.com/smoke-tee.jpg\"],"
    "\"tags\":[\"smoke\",\"test\"],\"status\":\"active\"}";
static const char smoke_variant[] =
    "{\"sku\":\"SMOKE-TEE-M-RED\",\"product_id\":\"smoke-tee\","
    "\"options\":{\"size\":\"M\",\"colour\":\"Red\"},"
    "\"price\":{\"amount\":8999,\"currency\":\"EUR\"},"
    "\"compare_at\":{\"amount\":9999,\"currency\":\"EUR\"},"
    "\"barcode\":\"4006381333931\",\"weight_g\":180}";
static const char smoke_min_product[] =
    "{\"id\":\"smoke-min\",\"title\":\"Minimal\",\"options\":[],\"images\":[],\"tags\":[],"
    "\"status\":\"draft\"}";
static const char smoke_min_variant[] =
    "{\"sku\":\"SMOKE-MIN\",\"product_id\":\"smoke-min\",\"options\":{},"
    "\"price\":{\"amount\":1200,\"currency\":\"JPY\"}}";
static const char smoke_stock[] = "{\"on_hand\":10,\"reserved\":2,\"available\":8}";
static const char smoke_ctx[] =
    "{\"tenant\":\"smoke\",\"channel\":\"smoke\",\"currency\":\"EUR\",\"buffer\":1,\"smoke\":true}";

int mapping_smoke_test(struct mapping_state *s, char *err, size_t err_len)
{
    json_t *product = json_loads(smoke_product, 0, NULL);
    json_t *variant = json_loads(smoke_variant, 0, NULL);
    json_t *min_product = json_loads(smoke_min_product, 0, NULL);
    json_t *min_variant = json_loads(smoke_min_variant, 0, NULL);
    json_t *stock = json_loads(smoke_stock, 0, NULL);
    json_t *ctx = json_loads(smoke_ctx, 0, NULL);
    char *msg = NULL;
    int rc = 0;

    if (s->ref[MAPPING_FN_TO] != LUA_NOREF) {
        struct map_item items[2] = {
            {product, variant, stock, NULL, NULL},
            {min_product, min_variant, stock, NULL, NULL},
        };
        int failed = mapping_state_to_channel(s, items, 2, ctx, &msg);
        if (failed != 0 && !msg)
            msg = items[0].error ? items[0].error : items[1].error;
        for (size_t i = 0; i < 2; i++) {
            json_decref(items[i].result);
            if (items[i].error != msg) free(items[i].error);
        }
        if (msg) goto out;
    }
    if (s->ref[MAPPING_FN_FROM] != LUA_NOREF) {
        json_t *payload = json_object();
        json_t *events = mapping_state_from_channel(s, "smoke", payload, ctx, &msg);
        json_decref(payload);
        json_decref(events);
        if (msg) goto out;
    }
    if (s->ref[MAPPING_FN_ALLOC] != LUA_NOREF) {
        const char *sku = "SMOKE-TEE-M-RED";
        int64_t q = -1;
        char *e = NULL;
        int failed = mapping_state_allocate(s, &sku, &stock, 1, "smoke", ctx, &q, &e, &msg);
        if (failed != 0 && !msg) msg = e;
        else free(e);
        if (msg) goto out;
    }
out:
    if (msg) {
        snprintf(err, err_len, "smoke test failed: %s", msg);
        free(msg);
        rc = -1;
    }
    json_decref(product);
    json_decref(variant);
    json_decref(min_product);
    json_decref(min_variant);
    json_decref(stock);
    json_decref(ctx);
    return rc;
}
