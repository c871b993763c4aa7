/* luatest_scripts.h - the sample product, variant, stock and ctx the script
 * tests map, and small helpers to run a shipped script on them (static:
 * included by test_lua_scripts.c and test_lua_libs.c). */
#ifndef HUB_LUATEST_SCRIPTS_H
#define HUB_LUATEST_SCRIPTS_H

#include "luatest.h"

#define MEM (32u << 20)
#define BUDGET 10000000u

static const char PRODUCT[] =
    "{\"id\":\"tee-classic\",\"title\":\"Classic Tee\",\"brand\":\"Acme\","
    "\"category\":\"Apparel > Tops\",\"description\":\"Soft cotton & a relaxed fit.\\n\\nMachine wash.\","
    "\"options\":[\"size\",\"colour\"],"
    "\"images\":[\"https://cdn.example.com/tee-1.jpg\",\"https://cdn.example.com/tee-2.jpg\"],"
    "\"tags\":[\"summer\",\"cotton\"],\"status\":\"active\"}";
static const char VARIANT[] =
    "{\"sku\":\"TEE-M-RED\",\"product_id\":\"tee-classic\",\"options\":{\"size\":\"M\",\"colour\":\"Red\"},"
    "\"price\":{\"amount\":8999,\"currency\":\"EUR\"},\"compare_at\":{\"amount\":9999,\"currency\":\"EUR\"},"
    "\"barcode\":\"4006381333931\",\"weight_g\":180}";
static const char STOCK[] = "{\"on_hand\":10,\"reserved\":2,\"available\":8}";
static const char CTX[] = "{\"tenant\":\"acme\",\"channel\":\"%s\",\"currency\":\"EUR\",\"buffer\":0}";

static inline struct mapping *open_script(const char *name)
{
    return luatest_open(luatest_path("scripts"), luatest_path("scripts/%s", name), MEM, BUDGET);
}

static inline json_t *ctx_for(const char *channel)
{
    char buf[256];
    snprintf(buf, sizeof buf, CTX, channel);
    return luatest_json(buf);
}

static inline json_t *map_variant(struct mapping *m, const char *variant, const char *stock, json_t *ctx)
{
    json_t *p = luatest_json(PRODUCT), *v = luatest_json(variant), *s = luatest_json(stock);
    struct map_item it = {p, v, s, NULL, NULL};
    int failed = mapping_to_channel(m, &it, 1, ctx);
    if (failed) fprintf(stderr, "to_channel: %s\n", it.error);
    free(it.error);
    json_decref(p);
    json_decref(v);
    json_decref(s);
    return it.result;
}

static inline json_t *events_of(struct mapping *m, const char *kind, json_t *payload, json_t *ctx)
{
    char *err = NULL;
    json_t *ev = mapping_from_channel(m, kind, payload, ctx, &err);
    if (!ev) fprintf(stderr, "from_channel(%s): %s\n", kind, err);
    free(err);
    return ev;
}

#endif
