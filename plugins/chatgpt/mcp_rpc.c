/* mcp_rpc.c - the MCP methods this server answers (mcp.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcp.h"
#include "tools.h"

#define LIST_TTL_MS 60000

static const char INSTRUCTIONS[] =
    "Shop this merchant's catalog. Use search_products to find items (filters: category, brand, "
    "size, colour, price in minor units), get_product_details for variants, then add_to_cart with "
    "a variant sku. Keep the cart_id the first cart tool returns and pass it to every later cart "
    "tool. Before buying call start_checkout, show the user the total it states, and only after "
    "the user explicitly confirms call place_order with confirm_total equal to that total. "
    "Amounts are integers in minor units of the currency (1990 EUR = 19.90 EUR).";

static json_t *capabilities(void)
{
    return json_pack("{s:{s:b}, s:{s:b, s:b}}", "tools", "listChanged", 0, "resources", "listChanged",
                     0, "subscribe", 0);
}

static json_t *server_info(void)
{
    return json_pack("{s:s, s:s, s:s}", "name", "hub-chatgpt", "title", "Hub shopping cart", "version",
                     CHATGPT_VERSION);
}

static void cacheable(struct mcp_call *c, json_t *result, const char *scope, int64_t ttl)
{
    if (!c->modern) return;
    json_object_set_new(result, "ttlMs", json_integer(ttl));
    json_object_set_new(result, "cacheScope", json_string(scope));
}

static void do_initialize(struct mcp_call *c, json_t *params)
{
    const char *want = json_string_value(json_object_get(params, "protocolVersion"));
    if (!want) {
        mcp_reply_error(c, 0, RPC_INVALID_PARAMS, "Invalid params: protocolVersion (string) is required", NULL);
        return;
    }
    if (!json_is_object(json_object_get(params, "capabilities")) ||
        !json_is_object(json_object_get(params, "clientInfo"))) {
        mcp_reply_error(c, 0, RPC_INVALID_PARAMS, "Invalid params: capabilities and clientInfo (objects) are required", NULL);
        return;
    }
    const char *v = mcp_version_supported(want) && !mcp_version_modern(want) ? want : MCP_LEGACY_NEWEST;
    snprintf(c->version, sizeof c->version, "%s", v);
    if (c->g->sessions && mcp_session_new(c->g, v, c->session, sizeof c->session) != 0) {
        mcp_reply_error(c, 500, RPC_INTERNAL_ERROR, "Internal error: cannot create a session", NULL);
        return;
    }
    mcp_reply_result(c, json_pack("{s:s, s:o, s:o, s:s}", "protocolVersion", v, "capabilities",
                                  capabilities(), "serverInfo", server_info(), "instructions", INSTRUCTIONS));
}

static void do_discover(struct mcp_call *c)
{
    json_t *r = json_pack("{s:o, s:o, s:s, s:{s:o}}", "supportedVersions", mcp_supported_versions(),
                          "capabilities", capabilities(), "instructions", INSTRUCTIONS, "_meta",
                          "io.modelcontextprotocol/serverInfo", server_info());
    json_object_set_new(r, "resultType", json_string("complete"));
    json_object_set_new(r, "ttlMs", json_integer(LIST_TTL_MS));
    json_object_set_new(r, "cacheScope", json_string("public"));
    mcp_reply_result(c, r);
}

static int bad_cursor(struct mcp_call *c, json_t *params)
{
    if (json_object_get(params, "cursor")) {
        mcp_reply_error(c, 0, RPC_INVALID_PARAMS, "Invalid params: unknown cursor (this list has one page)", NULL);
        return 1;
    }
    return 0;
}

static void do_resources_read(struct mcp_call *c, json_t *params)
{
    const char *uri = json_string_value(json_object_get(params, "uri"));
    if (!uri) {
        mcp_reply_error(c, 0, RPC_INVALID_PARAMS, "Invalid params: uri (string) is required", NULL);
        return;
    }
    json_t *contents = widgets_resource_read(c->g, uri);
    if (!contents) {
        char m[300];
        snprintf(m, sizeof m, "Resource not found: %.200s", uri);
        mcp_reply_error(c, 0, c->modern ? RPC_INVALID_PARAMS : MCP_RESOURCE_NOT_FOUND, m,
                        json_pack("{s:s}", "uri", uri));
        return;
    }
    json_t *r = json_pack("{s:o}", "contents", contents);
    cacheable(c, r, "public", LIST_TTL_MS);
    mcp_reply_result(c, r);
}

static const char *const legacy_methods[] = {"initialize", "ping", "tools/list", "tools/call",
                                             "resources/list", "resources/read",
                                             "resources/templates/list", "server/discover", NULL};
static const char *const modern_methods[] = {"server/discover", "ping", "tools/list", "tools/call",
                                             "resources/list", "resources/read",
                                             "resources/templates/list", NULL};

int mcp_method_known(const char *method, int modern)
{
    const char *const *m = modern ? modern_methods : legacy_methods;
    for (int i = 0; m[i]; i++)
        if (strcmp(m[i], method) == 0) return 1;
    return 0;
}

void mcp_dispatch(struct mcp_call *c, const char *method, json_t *params)
{
    if (!mcp_method_known(method, c->modern)) {
        char m[200];
        snprintf(m, sizeof m, "Method not found: %.120s", method);
        mcp_reply_error(c, 0, RPC_METHOD_NOT_FOUND, m, NULL);
        return;
    }
    if (strcmp(method, "initialize") == 0) {
        do_initialize(c, params);
    } else if (strcmp(method, "server/discover") == 0) {
        do_discover(c);
    } else if (strcmp(method, "ping") == 0) {
        mcp_reply_result(c, json_object());
    } else if (strcmp(method, "tools/list") == 0) {
        if (bad_cursor(c, params)) return;
        json_t *r = json_pack("{s:o}", "tools", tools_list(c->g));
        cacheable(c, r, "public", LIST_TTL_MS);
        mcp_reply_result(c, r);
    } else if (strcmp(method, "tools/call") == 0) {
        const char *name = json_string_value(json_object_get(params, "name"));
        json_t *args = json_object_get(params, "arguments");
        if (!name) {
            mcp_reply_error(c, 0, RPC_INVALID_PARAMS, "Invalid params: name (string) is required", NULL);
            return;
        }
        if (args && !json_is_object(args)) {
            mcp_reply_error(c, 0, RPC_INVALID_PARAMS, "Invalid params: arguments must be an object", NULL);
            return;
        }
        tools_call(c, name, args);
    } else if (strcmp(method, "resources/list") == 0) {
        if (bad_cursor(c, params)) return;
        json_t *r = json_pack("{s:o}", "resources", widgets_resources_list(c->g));
        cacheable(c, r, "public", LIST_TTL_MS);
        mcp_reply_result(c, r);
    } else if (strcmp(method, "resources/templates/list") == 0) {
        if (bad_cursor(c, params)) return;
        json_t *r = json_pack("{s:[]}", "resourceTemplates");
        cacheable(c, r, "public", LIST_TTL_MS);
        mcp_reply_result(c, r);
    } else if (strcmp(method, "resources/read") == 0) {
        do_resources_read(c, params);
    }
}
