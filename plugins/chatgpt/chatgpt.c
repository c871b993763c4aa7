/*
 * chatgpt.c - the ChatGPT channel's descriptor, config map, routes and
 * lifecycle; push_batch feeds the catalog index (and order shipments).
 *
 * The hub is the server here: nothing is sent anywhere.  The core pushes
 * listings (scripts/chatgpt.lua to_channel) and available quantities; the
 * plugin keeps them in memory to answer search_products, and serves MCP at
 * /t/<tenant>/<channel>/mcp (mcp_http.c).
 */
#include "chatgpt.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "cart.h"
#include "catalog_index.h"
#include "coupons.h"
#include "mcp.h"
#include "orders.h"
#include "payment.h"

#define DEFAULT_PROHIBITED                                                                    \
    "digital goods,digital products,software licenses,ebooks,gift cards,subscriptions,"      \
    "financial products,insurance,crypto,age-restricted,alcohol,tobacco,vapes,adult,"         \
    "prescription medicines,prescription medications,pharmacy,weapons,firearms,ammunition,"  \
    "explosives,fireworks,regulated substances,illegal substances,cannabis"

static const struct hub_config_entry chatgpt_config[] = {
    /* --- MCP transport --- */
    {.key = "allowed_origins", .type = HUB_CFG_STRING,
     .default_value = "https://chatgpt.com,https://chat.openai.com",
     .description = "comma separated Origins allowed to call the MCP endpoint; a request "
                    "with another Origin gets 403 (no Origin header: allowed)"},
    {.key = "sessions", .type = HUB_CFG_BOOL, .default_value = "true",
     .description = "legacy MCP (2025-06-18/2025-11-25): mint an Mcp-Session-Id at initialize "
                    "and require it afterwards (unknown id: 404)"},
    {.key = "session_ttl", .type = HUB_CFG_DURATION, .default_value = "1h", .min = 1000,
     .max = 7 * 86400000LL, .description = "an MCP session unused this long is forgotten (404)"},
    /* --- pricing (plugins/chatgpt/totals.h: one rounding rule) --- */
    {.key = "currency", .type = HUB_CFG_STRING,
     .description = "ISO 4217 code of carts (default: the currency of the pushed catalog)"},
    {.key = "shipping_flat", .type = HUB_CFG_INT, .default_value = "495", .min = 0,
     .max = 100000000, .description = "flat shipping rate per order, minor units"},
    {.key = "free_shipping_over", .type = HUB_CFG_INT, .default_value = "5000", .min = -1,
     .max = INT64_C(1000000000000),
     .description = "shipping is free when subtotal - discount reaches this (minor units); -1 never"},
    {.key = "tax_rate_bps", .type = HUB_CFG_INT, .default_value = "0", .min = 0, .max = 10000,
     .description = "tax rate in basis points (1900 = 19%) applied per line and to shipping"},
    {.key = "tax_mode", .type = HUB_CFG_ENUM, .default_value = "inclusive",
     .choices = "inclusive|exclusive",
     .description = "inclusive: prices contain the tax (shown as a part of the total); "
                    "exclusive: the tax is added on top"},
    {.key = "coupons", .type = HUB_CFG_STRING, .default_value = "",
     .description = "comma separated CODE:percent:N or CODE:fixed:AMOUNT, each optionally "
                    "followed by :min=AMOUNT and :until=YYYY-MM-DD (last valid day, UTC); "
                    "one coupon per cart"},
    /* --- commerce policy and abuse limits --- */
    {.key = "prohibited_categories", .type = HUB_CFG_STRING, .default_value = DEFAULT_PROHIBITED,
     .description = "comma separated categories that are never shown nor sold: a product whose "
                    "category path segment or tag equals one (case-insensitive) is excluded"},
    {.key = "max_units_per_cart", .type = HUB_CFG_INT, .default_value = "50", .min = 1,
     .max = 1000000, .description = "most units in one cart"},
    {.key = "max_units_per_sku", .type = HUB_CFG_INT, .default_value = "10", .min = 1,
     .max = 1000000, .description = "most units of one SKU in one cart"},
    {.key = "max_lines", .type = HUB_CFG_INT, .default_value = "50", .min = 1, .max = 1000,
     .description = "most distinct SKUs in one cart"},
    {.key = "max_carts_per_minute", .type = HUB_CFG_INT, .default_value = "10", .min = 1,
     .max = 1000000,
     .description = "most new carts per minute per client (openai/subject, else Origin, else "
                    "X-Forwarded-For, else the MCP session)"},
    /* --- retention (cart_sweep.c) --- */
    {.key = "cart_retention", .type = HUB_CFG_DURATION, .default_value = "30d", .min = 0,
     .max = 3650 * 86400000LL,
     .description = "an open or released cart nobody touched this long (no order in progress, no "
                    "stock possibly still held) is deleted, and so is an ACP checkout session "
                    "idle this long; orders are kept. 0 keeps everything for ever"},
    {.key = "cart_sweep_interval", .type = HUB_CFG_DURATION, .default_value = "10m", .min = 1000,
     .max = 86400000, .description = "how often abandoned carts and sessions are looked for"},
    {.key = "payment_provider", .type = HUB_CFG_ENUM, .default_value = "demo", .choices = "demo",
     .description = "who authorizes payments: demo records the token and charges nothing"},
    /* --- links and names (shared with ACP, feed and handoff) --- */
    {.key = "store_url", .type = HUB_CFG_URL,
     .description = "the merchant's storefront (product links, checkout handoff)"},
    {.key = "seller_name", .type = HUB_CFG_STRING,
     .description = "merchant name shown to shoppers (default: the tenant)"},
    /* --- ACP, feed, handoff (acp_*.c, feed_*.c, handoff_*.c) --- */
    {.key = "handoff_secret", .type = HUB_CFG_SECRET,
     .description = "HMAC key of the storefront handoff token (without it: no handoff link)"},
    {.key = "handoff_ttl", .type = HUB_CFG_DURATION, .default_value = "10m", .min = 10000,
     .max = 86400000, .description = "how long a handoff link may be redeemed"},
    {.key = "acp", .type = HUB_CFG_BOOL, .default_value = "false",
     .description = "serve the Agentic Commerce Protocol checkout at acp/"},
    {.key = "acp_api_key", .type = HUB_CFG_SECRET,
     .description = "bearer token the agent must send to acp/"},
    {.key = "acp_signing_secret", .type = HUB_CFG_SECRET,
     .description = "HMAC key of ACP request signatures (Signature header); optional"},
    {.key = "acp_webhook_url", .type = HUB_CFG_URL,
     .description = "where ACP order events are sent (merchant -> agent)"},
    {.key = "acp_webhook_secret", .type = HUB_CFG_SECRET,
     .description = "HMAC key of Merchant-Signature on ACP order events"},
    {.key = "feed", .type = HUB_CFG_BOOL, .default_value = "true",
     .description = "serve the product feed at feed"},
    {.key = NULL},
};

static const struct hub_route chatgpt_routes[] = {
    {"*", "mcp", mcp_route},
    {"*", "acp/*", chatgpt_acp_route},
    {"GET", "feed", chatgpt_feed_route},
    {"*", "handoff/*", chatgpt_handoff_route},
    {NULL, NULL, NULL},
};

int chatgpt_random_hex(char *out, size_t nbytes)
{
    unsigned char buf[64];
    if (nbytes > sizeof buf) return -1;
    size_t got = 0;
    while (got < nbytes) {
        ssize_t r = getrandom(buf + got, nbytes - got, 0);
        if (r <= 0) return -1;
        got += (size_t)r;
    }
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < nbytes; i++) {
        out[2 * i] = hex[buf[i] >> 4];
        out[2 * i + 1] = hex[buf[i] & 15];
    }
    out[2 * nbytes] = '\0';
    return 0;
}

char *chatgpt_dump(const json_t *v)
{
    return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
}

/* Split "a, b ,c" into trimmed, optionally lower-cased, non-empty strings. */
static char **split_list(const char *s, int lower, size_t *n)
{
    *n = 0;
    if (!s || !*s) return NULL;
    size_t cap = 1;
    for (const char *p = s; *p; p++) cap += *p == ',';
    char **out = calloc(cap, sizeof *out);
    if (!out) return NULL;
    const char *p = s;
    while (*p) {
        const char *e = strchr(p, ',');
        if (!e) e = p + strlen(p);
        const char *a = p, *b = e;
        while (a < b && isspace((unsigned char)*a)) a++;
        while (b > a && isspace((unsigned char)b[-1])) b--;
        if (b > a) {
            char *v = strndup(a, (size_t)(b - a));
            if (v && lower)
                for (char *q = v; *q; q++) *q = (char)tolower((unsigned char)*q);
            if (v) out[(*n)++] = v;
        }
        p = *e ? e + 1 : e;
    }
    return out;
}

static void free_list(char **l, size_t n)
{
    for (size_t i = 0; i < n; i++) free(l[i]);
    free(l);
}

static void chatgpt_free(struct chatgpt *g)
{
    if (!g) return;
    mcp_destroy(g);
    cart_sweep_destroy(g);
    cart_module_destroy(g);
    catalog_index_free(g->index);
    free_list(g->allowed_origins, g->n_allowed_origins);
    free_list(g->prohibited, g->n_prohibited);
    coupons_free(g->pricing.coupons, g->pricing.n_coupons);
    free(g);
}

static int chatgpt_init(const struct hub_host *host, struct hub_instance *inst, void **ctx)
{
    struct chatgpt *g = calloc(1, sizeof *g);
    if (!g) return -1;
    g->host = host;
    g->inst = inst;
    g->tenant = host->tenant(inst);
    g->channel = host->channel(inst);
    g->allowed_origins = split_list(host->config_str(inst, "allowed_origins"), 0, &g->n_allowed_origins);
    g->sessions = host->config_int(inst, "sessions") != 0;
    g->session_ttl_ms = host->config_int(inst, "session_ttl");
    g->prohibited = split_list(host->config_str(inst, "prohibited_categories"), 1, &g->n_prohibited);

    const char *cur = host->config_str(inst, "currency");
    if (cur && *cur) {
        if (strlen(cur) != 3 || !isupper((unsigned char)cur[0]) || !isupper((unsigned char)cur[1]) ||
            !isupper((unsigned char)cur[2])) {
            host->log(inst, HUB_LOG_ERROR, "chatgpt: currency '%s' is not an ISO 4217 code (three upper-case letters)", cur);
            goto fail;
        }
        memcpy(g->pricing.currency, cur, 4);
    }
    g->pricing.shipping_flat = host->config_int(inst, "shipping_flat");
    g->pricing.free_shipping_over = host->config_int(inst, "free_shipping_over");
    g->pricing.tax_bps = host->config_int(inst, "tax_rate_bps");
    const char *mode = host->config_str(inst, "tax_mode");
    g->pricing.tax_inclusive = !mode || strcmp(mode, "exclusive") != 0;
    char err[512];
    if (coupons_parse(host->config_str(inst, "coupons"), &g->pricing.coupons, &g->pricing.n_coupons,
                      err, sizeof err) != 0) {
        host->log(inst, HUB_LOG_ERROR, "chatgpt: coupons: %s", err);
        goto fail;
    }
    g->limits.max_units_per_cart = host->config_int(inst, "max_units_per_cart");
    g->limits.max_units_per_sku = host->config_int(inst, "max_units_per_sku");
    g->limits.max_lines = host->config_int(inst, "max_lines");
    g->limits.max_carts_per_minute = host->config_int(inst, "max_carts_per_minute");
    g->cart_retention_ms = host->config_int(inst, "cart_retention");
    g->cart_sweep_ms = host->config_int(inst, "cart_sweep_interval");
    const char *pp = host->config_str(inst, "payment_provider");
    g->payment = payment_provider_find(pp ? pp : "demo");
    if (!g->payment) {
        host->log(inst, HUB_LOG_ERROR, "chatgpt: unknown payment_provider '%s'", pp);
        goto fail;
    }
    g->store_url = host->config_str(inst, "store_url");
    g->seller_name = host->config_str(inst, "seller_name");
    if (!g->seller_name || !*g->seller_name) g->seller_name = g->tenant;

    g->index = catalog_index_new();
    if (!g->index || cart_module_init(g) != 0 || mcp_init(g) != 0) {
        host->log(inst, HUB_LOG_ERROR, "chatgpt: out of memory");
        goto fail;
    }
    if (chatgpt_ext_init(g) != 0) goto fail;
    *ctx = g;
    return 0;
fail:
    chatgpt_free(g);
    return -1;
}

static int chatgpt_start(void *ctx)
{
    struct chatgpt *g = ctx;
    if (catalog_index_rebuild(g) != 0) return -1;
    cart_sweep_start(g);
    g->host->log(g->inst, HUB_LOG_INFO, "chatgpt: MCP at /t/%s/%s/mcp, %zu SKUs indexed", g->tenant,
                 g->channel, catalog_index_size(g->index));
    return 0;
}

static void chatgpt_push_batch(void *ctx, struct hub_batch *batch, const struct hub_push_item *items,
                               size_t n)
{
    struct chatgpt *g = ctx;
    struct hub_push_result *res = calloc(n ? n : 1, sizeof *res);
    char (*msgs)[256] = calloc(n ? n : 1, sizeof *msgs);
    if (!res || !msgs) abort();
    for (size_t i = 0; i < n; i++) {
        const struct hub_push_item *it = &items[i];
        res[i].status = HUB_OK;
        switch (it->kind) {
        case HUB_OP_STOCK:
            catalog_index_set_available(g, it->sku, it->quantity);
            break;
        case HUB_OP_LISTING:
            if (!it->payload ||
                catalog_index_put_listing(g, it->sku, it->payload, msgs[i], sizeof msgs[i]) != 0) {
                if (!it->payload) snprintf(msgs[i], sizeof msgs[i], "chatgpt: listing without payload");
                res[i].status = HUB_FATAL;
                res[i].message = msgs[i];
            }
            break;
        case HUB_OP_DELETE:
            catalog_index_delete(g, it->sku);
            break;
        case HUB_OP_FULFILLMENT:
            if (order_shipped(g, it->sku, it->payload) != 0) {
                res[i].status = HUB_RETRY;
                snprintf(msgs[i], sizeof msgs[i], "chatgpt: cannot record shipment of %s", it->sku);
                res[i].message = msgs[i];
            }
            break;
        }
    }
    g->host->push_done(batch, res);
    if (HUB_HOST_HAS(g->host, metric_set))
        g->host->metric_set(g->inst, "indexed_skus", (double)catalog_index_size(g->index));
    free(res);
    free(msgs);
}

static void chatgpt_stop(void *ctx)
{
    struct chatgpt *g = ctx;
    g->stopping = 1;
    cart_sweep_stop(g);
    chatgpt_ext_stop(g);
}

static void chatgpt_destroy(void *ctx)
{
    struct chatgpt *g = ctx;
    if (!g) return;
    chatgpt_ext_destroy(g);
    chatgpt_free(g);
}

static const struct hub_plugin chatgpt_plugin = {
    HUB_PLUGIN_HEADER,
    .name = "chatgpt",
    .version = CHATGPT_VERSION,
    .description = "ChatGPT cart: the hub as an MCP server (search, cart with stock holds, "
                   "checkout, orders), ACP checkout, product feed",
    .capabilities = HUB_CAP_STOCK_PUSH | HUB_CAP_CATALOG_PUSH | HUB_CAP_ROUTES | HUB_CAP_FULFILLMENT,
    .limits = {.rate_per_sec = 0, .batch_max = 500, .in_flight = 1},
    .config = chatgpt_config,
    .routes = chatgpt_routes,
    .init = chatgpt_init,
    .start = chatgpt_start,
    .push_batch = chatgpt_push_batch,
    .stop = chatgpt_stop,
    .destroy = chatgpt_destroy,
};

HUB_PLUGIN_EXPORT const struct hub_plugin *hub_plugin_entry(void) { return &chatgpt_plugin; }
