/*
 * shopify.c - the Shopify channel: descriptor, config map and lifecycle.
 *
 * The channel talks to one shop's GraphQL Admin API at a pinned version,
 * pushes catalog (productSet), stock (inventorySetQuantities with a compare
 * value) and shipments (fulfillmentCreate), takes orders from signed webhooks
 * and from an updated_at backfill, and reads inventory levels back for
 * reconcile.  docs/channels/shopify.md is the operator's side of all this.
 */
#include "shopify.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const struct hub_config_entry shopify_config[] = {
    {.key = "shop", .type = HUB_CFG_STRING, .flags = HUB_CFG_REQUIRED,
     .description = "the shop's domain, e.g. acme.myshopify.com (the API is https://<shop>/admin/api/...)"},
    {.key = "api_version", .type = HUB_CFG_STRING, .default_value = "2026-04",
     .description = "pinned Admin API version YYYY-MM (quarterly: 01, 04, 07, 10)"},
    {.key = "endpoint", .type = HUB_CFG_URL,
     .description = "base URL replacing https://<shop> (a simulator or a proxy), e.g. http://127.0.0.1:8443"},
    {.key = "access_token", .type = HUB_CFG_SECRET, .flags = HUB_CFG_REQUIRED,
     .description = "Admin API access token of the custom app (shpat_...), sent as X-Shopify-Access-Token"},
    {.key = "webhook_secret", .type = HUB_CFG_SECRET,
     .description = "the app's client secret: webhooks are verified with it (unset: webhooks refused)"},
    {.key = "location_id", .type = HUB_CFG_STRING, .flags = HUB_CFG_REQUIRED,
     .description = "the Shopify location the hub's stock is set at: gid://shopify/Location/<n> or <n>"},
    {.key = "notify_customer", .type = HUB_CFG_BOOL, .default_value = "true",
     .description = "fulfillmentCreate: Shopify e-mails the customer the tracking number"},
    {.key = "concurrency", .type = HUB_CFG_INT, .default_value = "4", .min = 1, .max = 16,
     .description = "productSet calls in flight at once within one push batch"},
    {.key = "request_timeout", .type = HUB_CFG_DURATION, .default_value = "30s", .min = 1000,
     .max = 600000, .description = "timeout of one API call"},
    {.key = "auth_retry", .type = HUB_CFG_DURATION, .default_value = "5m", .min = 1000,
     .max = 86400000, .description = "after Shopify refuses the token (401/403), nothing is sent for this long"},
    {.key = "poll_overlap", .type = HUB_CFG_DURATION, .default_value = "2m", .min = 0,
     .max = 86400000,
     .description = "order backfill re-reads this far behind its cursor (clock skew, late updates)"},
    {.key = "poll_page", .type = HUB_CFG_INT, .default_value = "10", .min = 1, .max = 18,
     .description = "orders per backfill page (each with up to 50 line items; query cost <= 1000)"},
    {.key = "drift_grace", .type = HUB_CFG_DURATION, .default_value = "2s", .min = 0, .max = 4000,
     .description = "inventory_levels/update is judged this long after it arrives, so the order that "
                    "moved Shopify's number is recorded first (Shopify waits 5 s for the answer)"},
    {.key = "backfill_from", .type = HUB_CFG_STRING,
     .description = "first start only: backfill orders updated since this ISO time "
                    "(default: the channel's first start, so history is not re-imported)"},
    {.key = NULL},
};

static const struct hub_route shopify_routes[] = {
    {"POST", "webhooks", shopify_webhook},
    {NULL, NULL, NULL},
};

static int version_number(const char *v)
{
    /* "YYYY-MM" -> YYYYMM, or -1 */
    if (!v || strlen(v) != 7 || v[4] != '-') return -1;
    for (int i = 0; i < 7; i++)
        if (i != 4 && !isdigit((unsigned char)v[i])) return -1;
    int y = atoi(v), m = atoi(v + 5);
    if (y < 2019 || m < 1 || m > 12) return -1;
    return y * 100 + m;
}

static int location_gid(const char *in, char *out, size_t size)
{
    const char *digits = in;
    static const char prefix[] = "gid://shopify/Location/";
    if (strncmp(in, prefix, sizeof prefix - 1) == 0) digits = in + sizeof prefix - 1;
    if (!*digits || strlen(digits) > 20) return -1;
    for (const char *p = digits; *p; p++)
        if (!isdigit((unsigned char)*p)) return -1;
    snprintf(out, size, "%s%s", prefix, digits);
    return 0;
}

static int shopify_init(const struct hub_host *host, struct hub_instance *inst, void **ctx)
{
    struct shopify *s = calloc(1, sizeof *s);
    if (!s) {
        host->log(inst, HUB_LOG_ERROR, "shopify: out of memory");
        return -1;
    }
    s->host = host;
    s->inst = inst;
    const char *v = host->config_str(inst, "api_version");
    s->ver = version_number(v);
    if (s->ver < 0) {
        host->log(inst, HUB_LOG_ERROR, "shopify: api_version '%s' is not YYYY-MM (e.g. 2026-04)", v ? v : "");
        free(s);
        return -1;
    }
    snprintf(s->version, sizeof s->version, "%s", v);
    const char *loc = host->config_str(inst, "location_id");
    if (!loc || location_gid(loc, s->location, sizeof s->location) != 0) {
        host->log(inst, HUB_LOG_ERROR,
                  "shopify: location_id '%s' is neither gid://shopify/Location/<n> nor a number",
                  loc ? loc : "");
        free(s);
        return -1;
    }
    const char *shop = host->config_str(inst, "shop");
    const char *endpoint = host->config_str(inst, "endpoint");
    char base[512];
    if (endpoint) {
        snprintf(base, sizeof base, "%s", endpoint);
        size_t n = strlen(base);
        while (n > 0 && base[n - 1] == '/') base[--n] = '\0';
    } else {
        if (!shop || !*shop || strchr(shop, '/') || strchr(shop, ' ')) {
            host->log(inst, HUB_LOG_ERROR, "shopify: shop '%s' is not a domain like acme.myshopify.com",
                      shop ? shop : "");
            free(s);
            return -1;
        }
        snprintf(base, sizeof base, "https://%s", shop);
    }
    snprintf(s->url, sizeof s->url, "%s/admin/api/%s/graphql.json", base, s->version);
    s->notify_customer = host->config_int(inst, "notify_customer") != 0;
    s->concurrency = (int)host->config_int(inst, "concurrency");
    if (s->concurrency < 1) s->concurrency = 1;
    s->timeout_ms = (uint32_t)host->config_int(inst, "request_timeout");
    s->auth_pause_ms = (uint64_t)host->config_int(inst, "auth_retry");
    s->overlap_ms = (uint64_t)host->config_int(inst, "poll_overlap");
    s->orders_page = host->config_int(inst, "poll_page");
    s->drift_grace_ms = (uint64_t)host->config_int(inst, "drift_grace");
    for (int i = 0; i < OP_COUNT; i++) s->learned[i] = 1.0;
    s->batch_cost = 10.0;
    ids_init(s);
    *ctx = s;
    return 0;
}

static int shopify_start(void *ctx)
{
    struct shopify *s = ctx;
    ids_load(s);
    /* The first start fixes where the order backfill begins: history from
     * before the hub was connected is not imported as new orders. */
    char *cursor = s->host->state_get(s->inst, "orders_cursor");
    if (!cursor) {
        const char *from = s->host->config_str(s->inst, "backfill_from");
        char now[32];
        if (!from) {
            time_t t = (time_t)(s->host->now_ms(s->inst) / 1000);
            struct tm tm;
            gmtime_r(&t, &tm);
            strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
            from = now;
        }
        s->host->state_set(s->inst, "orders_cursor", from);
    }
    s->host->free(cursor);
    s->host->log(s->inst, HUB_LOG_INFO, "shopify: %s, location %s", s->url, s->location);
    return 0;
}

static void shopify_stop(void *ctx)
{
    struct shopify *s = ctx;
    s->stopped = 1;
    gql_stop(s);
    webhook_stop(s);
}

static void shopify_destroy(void *ctx)
{
    struct shopify *s = ctx;
    if (!s) return;
    ids_free(s);
    free(s);
}

void shopify_metric(struct shopify *s, const char *name, double delta)
{
    if (HUB_HOST_HAS(s->host, metric_add)) s->host->metric_add(s->inst, name, delta);
}

/* Limits: one core token = one push batch.  A stock batch is one
 * inventorySetQuantities call (10 points); on the Standard plan Shopify restores
 * 100 points/s into a 2000-point bucket, so 10 batches/s with a burst of 200.
 * The first answer's throttleStatus replaces these numbers (gql_rate_hint). */
static const struct hub_plugin shopify_plugin = {
    HUB_PLUGIN_HEADER,
    .name = "shopify",
    .version = "1.0.0",
    .description = "Shopify: GraphQL Admin API (productSet, inventorySetQuantities, fulfillmentCreate), "
                   "HMAC-signed order webhooks, orders backfill, inventory reconcile",
    .capabilities = HUB_CAP_STOCK_PUSH | HUB_CAP_CATALOG_PUSH | HUB_CAP_FULFILLMENT | HUB_CAP_ROUTES |
                    HUB_CAP_ORDER_WEBHOOK | HUB_CAP_ORDER_POLL | HUB_CAP_RECONCILE,
    .limits = {.rate_per_sec = 10.0, .burst = 200, .batch_max = SHOPIFY_BATCH_MAX, .in_flight = 1,
               .timeout_ms = 30000},
    .config = shopify_config,
    .routes = shopify_routes,
    .init = shopify_init,
    .start = shopify_start,
    .push_batch = shopify_push_batch,
    .poll = shopify_poll,
    .reconcile = shopify_reconcile,
    .stop = shopify_stop,
    .destroy = shopify_destroy,
};

const struct hub_plugin *hub_plugin_entry(void)
{
    return &shopify_plugin;
}
