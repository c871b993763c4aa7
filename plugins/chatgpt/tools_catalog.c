/* tools_catalog.c - search_products and get_product_details (read only). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog_index.h"
#include "catalog_search.h"
#include "tools.h"
#include "totals.h"

void tool_search_products(struct mcp_call *c, json_t *args)
{
    char err[300];
    json_t *res = catalog_index_search(c->g, args, err, sizeof err);
    if (!res) {
        mcp_reply_error(c, 0, RPC_INVALID_PARAMS, err, NULL);
        return;
    }
    char text[300];
    size_t shown = json_array_size(json_object_get(res, "products"));
    snprintf(text, sizeof text, "%lld product(s) match; showing %zu.%s",
             (long long)json_integer_value(json_object_get(res, "total")), shown,
             json_object_get(res, "next_cursor") ? " Pass next_cursor as cursor for more." : "");
    tool_ok(c, res, text, NULL);
}

void tool_get_product_details(struct mcp_call *c, json_t *args)
{
    const char *pid = json_string_value(json_object_get(args, "product_id"));
    const char *sku = json_string_value(json_object_get(args, "sku"));
    if (!pid && !sku) {
        mcp_reply_error(c, 0, RPC_INVALID_PARAMS, "Invalid arguments for tool get_product_details: give product_id or sku",
                        NULL);
        return;
    }
    struct catalog_index *idx = c->g->index;
    if (!pid) {
        const json_t *e = catalog_index_variant(idx, sku);
        pid = e ? json_string_value(json_object_get(e, "product_id")) : NULL;
        if (!pid) {
            char m[300];
            snprintf(m, sizeof m, "unknown variant sku '%.100s': use search_products to find products", sku);
            tool_fail(c, "not_found", m);
            return;
        }
    }
    const json_t *p = catalog_index_product(idx, pid);
    if (!p || !json_is_true(json_object_get(p, "active")) || json_is_true(json_object_get(p, "prohibited"))) {
        char m[300];
        snprintf(m, sizeof m, "no product '%.100s' in this shop: use search_products to find products", pid);
        tool_fail(c, "not_found", m);
        return;
    }
    json_t *vars = json_array();
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(p, "skus"), i, s) {
        const json_t *e = catalog_index_variant(idx, json_string_value(s));
        if (e) json_array_append(vars, (json_t *)e);
    }
    json_t *view = catalog_product_view(p, vars);
    json_t *all = json_array();
    json_array_foreach(vars, i, s) json_array_append_new(all, catalog_variant_view(s));
    json_decref(vars);
    json_t *out = json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:O, s:o}", "product_id", json_object_get(p, "product_id"),
                            "title", json_object_get(p, "title"), "brand", json_object_get(p, "brand"), "category",
                            json_object_get(p, "category"), "description", json_object_get(p, "description"), "images",
                            json_object_get(p, "images"), "options", json_object_get(p, "options"), "in_stock",
                            json_object_get(view, "in_stock"), "variants", all);
    if (json_object_get(p, "url")) json_object_set(out, "url", json_object_get(p, "url"));
    char text[400], lo[48], hi[48];
    const json_t *pr = json_object_get(view, "price");
    totals_format(json_integer_value(json_object_get(pr, "min")), json_string_value(json_object_get(pr, "currency")), lo, sizeof lo);
    totals_format(json_integer_value(json_object_get(pr, "max")), json_string_value(json_object_get(pr, "currency")), hi, sizeof hi);
    snprintf(text, sizeof text, "%s: %zu variant(s), %s%s%s.", json_string_value(json_object_get(p, "title")),
             json_array_size(all), lo, strcmp(lo, hi) ? " to " : "", strcmp(lo, hi) ? hi : "");
    json_decref(view);
    tool_ok(c, out, text, NULL);
}
