/* widgets.c - the ChatGPT widgets: HTML templates served as MCP resources and
 * the tool descriptors' _meta that points at them (chatgpt.h).
 *
 * Each template exists in both profiles, same HTML (widgets/bridge.js speaks
 * to either host):
 *   ui://widget/<name>.html          text/html+skybridge       (Apps SDK: openai/outputTemplate)
 *   ui://widget/mcp-app/<name>.html  text/html;profile=mcp-app (MCP Apps: _meta.ui.resourceUri)
 * The templates are self-contained (no CDN); the only remote content they
 * load is product images, whose origins the CSP lists (resource domains),
 * computed from the catalog.  Sources: widgets/<name>.html -> widgets_html.h (widgets/embed.py). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog_index.h"
#include "chatgpt.h"
#include "widgets_html.h"

#define MIME_SKYBRIDGE "text/html+skybridge"
#define MIME_MCP_APP "text/html;profile=mcp-app"
#define MAX_IMAGE_ORIGINS 20

struct widget {
    const char *name, *title, *description, *html;
};

static const struct widget WIDGETS[] = {
    {"product-grid", "Products",
     "Product grid: search filters (category, brand, size, colour, price, stock), variants, add to cart.",
     WIDGET_HTML_PRODUCT_GRID},
    {"cart", "Cart", "The shopper's cart: quantities, removal, coupon, totals, checkout.", WIDGET_HTML_CART},
    {"checkout", "Checkout",
     "Checkout steps: review, payment choice (in chat or on the shop's website), confirmation of the total.",
     WIDGET_HTML_CHECKOUT},
    {"order-confirmation", "Order", "Order confirmation and status: items, totals, payment, shipments.",
     WIDGET_HTML_ORDER_CONFIRMATION},
};
#define N_WIDGETS (sizeof WIDGETS / sizeof *WIDGETS)

struct tool_widget {
    const char *tool, *widget;
    int accessible; /* the widget may call this tool itself */
    const char *invoking, *invoked;
};

static const struct tool_widget TOOL_WIDGETS[] = {
    {"search_products", "product-grid", 1, "Searching the catalog…", "Products found"},
    {"get_product_details", "product-grid", 1, "Looking up the product…", "Product details"},
    {"add_to_cart", "cart", 1, "Adding to your cart…", "Added to your cart"},
    {"view_cart", "cart", 1, "Opening your cart…", "Your cart"},
    {"update_cart_item", "cart", 1, "Updating the quantity…", "Cart updated"},
    {"remove_from_cart", "cart", 1, "Removing the item…", "Item removed"},
    {"apply_coupon", "cart", 1, "Applying the coupon…", "Coupon checked"},
    {"start_checkout", "checkout", 1, "Preparing checkout…", "Ready to check out"},
    /* destructive: only the model calls it, after the user confirmed the total */
    {"place_order", "order-confirmation", 0, "Placing your order…", "Order placed"},
    {"get_order_status", "order-confirmation", 1, "Checking the order…", "Order status"},
};

static const struct widget *widget_named(const char *name)
{
    for (size_t i = 0; i < N_WIDGETS; i++)
        if (strcmp(WIDGETS[i].name, name) == 0) return &WIDGETS[i];
    return NULL;
}

static void uri_of(const struct widget *w, int mcp_app, char *out, size_t n)
{
    snprintf(out, n, mcp_app ? "ui://widget/mcp-app/%s.html" : "ui://widget/%s.html", w->name);
}

json_t *widgets_tool_meta(const char *tool)
{
    for (size_t i = 0; i < sizeof TOOL_WIDGETS / sizeof *TOOL_WIDGETS; i++) {
        const struct tool_widget *tw = &TOOL_WIDGETS[i];
        if (!tool || strcmp(tw->tool, tool) != 0) continue;
        const struct widget *w = widget_named(tw->widget);
        char sky[128], app[128];
        uri_of(w, 0, sky, sizeof sky);
        uri_of(w, 1, app, sizeof app);
        json_t *vis = tw->accessible ? json_pack("[s, s]", "model", "app") : json_pack("[s]", "model");
        return json_pack("{s:s, s:b, s:s, s:s, s:s, s:{s:s, s:o}}", "openai/outputTemplate", sky,
                         "openai/widgetAccessible", tw->accessible, "openai/visibility", "public",
                         "openai/toolInvocation/invoking", tw->invoking, "openai/toolInvocation/invoked", tw->invoked,
                         "ui", "resourceUri", app, "visibility", vis);
    }
    return NULL;
}

struct origins {
    json_t *list;
};

static void add_origin(json_t *list, const char *url)
{
    if (!url || json_array_size(list) >= MAX_IMAGE_ORIGINS) return;
    size_t skip = strncmp(url, "https://", 8) == 0 ? 8 : strncmp(url, "http://", 7) == 0 ? 7 : 0;
    if (!skip) return;
    size_t n = strcspn(url + skip, "/?#");
    if (n == 0 || n > 200) return;
    char origin[256];
    snprintf(origin, sizeof origin, "%.*s", (int)(skip + n), url);
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v) if (strcmp(json_string_value(v), origin) == 0) return;
    json_array_append_new(list, json_string(origin));
}

static int each_product(void *arg, const json_t *p)
{
    struct origins *o = arg;
    size_t i;
    json_t *img;
    json_array_foreach(json_object_get(p, "images"), i, img) add_origin(o->list, json_string_value(img));
    return json_array_size(o->list) >= MAX_IMAGE_ORIGINS;
}

/* The resource _meta of a template: both vocabularies, CSP from the catalog's image hosts. */
static json_t *resource_meta(struct chatgpt *g, const struct widget *w)
{
    struct origins o = {json_array()};
    if (g && g->index) catalog_index_each_product(g->index, each_product, &o);
    json_t *meta = json_pack("{s:s, s:b, s:{s:[], s:O}, s:{s:{s:[], s:O}, s:b}}", "openai/widgetDescription",
                             w->description, "openai/widgetPrefersBorder", 1, "openai/widgetCSP", "connect_domains",
                             "resource_domains", o.list, "ui", "csp", "connectDomains", "resourceDomains", o.list,
                             "prefersBorder", 1);
    json_decref(o.list);
    return meta;
}

json_t *widgets_resources_list(struct chatgpt *g)
{
    json_t *list = json_array();
    for (int mcp_app = 0; mcp_app < 2; mcp_app++)
        for (size_t i = 0; i < N_WIDGETS; i++) {
            const struct widget *w = &WIDGETS[i];
            char uri[128], name[64];
            uri_of(w, mcp_app, uri, sizeof uri);
            snprintf(name, sizeof name, "%s%s", w->name, mcp_app ? "-mcp-app" : "");
            json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "uri", uri, "name", name, "title",
                                                  w->title, "description", w->description, "mimeType",
                                                  mcp_app ? MIME_MCP_APP : MIME_SKYBRIDGE, "_meta",
                                                  resource_meta(g, w)));
        }
    return list;
}

json_t *widgets_resource_read(struct chatgpt *g, const char *uri)
{
    if (!uri) return NULL;
    for (int mcp_app = 0; mcp_app < 2; mcp_app++)
        for (size_t i = 0; i < N_WIDGETS; i++) {
            char want[128];
            uri_of(&WIDGETS[i], mcp_app, want, sizeof want);
            if (strcmp(want, uri) != 0) continue;
            return json_pack("[{s:s, s:s, s:s, s:o}]", "uri", want, "mimeType", mcp_app ? MIME_MCP_APP : MIME_SKYBRIDGE,
                             "text", WIDGETS[i].html, "_meta", resource_meta(g, &WIDGETS[i]));
        }
    return NULL;
}
