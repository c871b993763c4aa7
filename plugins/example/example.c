/*
 * example.c - the example channel's descriptor and lifecycle.
 *
 * Read docs/plugin-guide.md alongside: it walks through this file, then
 * example_push.c (the push contract) and example_reconcile.c (read back);
 * plugins/example/README.md covers the HTTP mode (example_http*.c) and the
 * order webhooks (example_webhook.c).
 */
#include "example.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The config map: validation, defaults and `hubctl plugins --config example`. */
static const struct hub_config_entry example_config[] = {
    {.key = "path", .type = HUB_CFG_STRING,
     .description = "file mode: file each pushed batch is appended to, one JSON line per item "
                    "(set either path or url)"},
    {.key = "fail_skus", .type = HUB_CFG_STRING,
     .description = "file mode: comma separated SKUs answered FATAL (to exercise dead letters)"},
    {.key = "retry_every", .type = HUB_CFG_INT, .default_value = "0", .min = 0, .max = 1000000,
     .description = "file mode: if N > 0, every Nth batch answers RETRY for all its items"},
    {.key = "fsync", .type = HUB_CFG_BOOL, .default_value = "false",
     .description = "file mode: fsync the file after each batch"},
    {.key = "url", .type = HUB_CFG_URL,
     .description = "HTTP mode: base URL of the channel's API (POST <url>/v1/inventory, "
                    "POST <url>/v1/listings, GET <url>/v1/inventory)"},
    {.key = "token", .type = HUB_CFG_SECRET,
     .description = "HTTP mode: bearer token sent on every API call (required with url)"},
    {.key = "webhook_secret", .type = HUB_CFG_SECRET,
     .description = "key of the HMAC-SHA256 in X-Example-Signature on order webhooks; "
                    "without it webhooks are answered 404"},
    {.key = "timeout", .type = HUB_CFG_DURATION, .default_value = "10s", .min = 100,
     .max = 300000, .description = "HTTP mode: timeout of each API call"},
    {.key = "auth_retry", .type = HUB_CFG_DURATION, .default_value = "60s", .min = 1000,
     .max = 3600000,
     .description = "HTTP mode: how long pushes wait after the channel refuses the token or "
                    "the URL (401, 403, 404, 3xx) before trying again"},
    {.key = NULL},
};

/* Order webhooks, served under /t/<tenant>/<channel>/ (example_webhook.c). */
static const struct hub_route example_routes[] = {
    {"POST", "webhooks", example_webhook},
    {NULL, NULL, NULL},
};

static const struct hub_plugin example_plugin = {
    HUB_PLUGIN_HEADER,
    .name = "example",
    .version = "1.1.0",
    .description = "Example channel: pushes to a local file (path) or to the example HTTP API "
                   "(url); signed order webhooks",
    .capabilities = HUB_CAP_STOCK_PUSH | HUB_CAP_CATALOG_PUSH | HUB_CAP_RECONCILE |
                    HUB_CAP_ORDER_WEBHOOK | HUB_CAP_ROUTES,
    .limits = {.rate_per_sec = 50, .burst = 10, .batch_max = 100},
    .config = example_config,
    .routes = example_routes,
    .init = example_init,
    .start = example_start,
    .push_batch = example_push_batch,
    .reconcile = example_reconcile,
    .stop = example_stop,
    .destroy = example_destroy,
};

HUB_PLUGIN_EXPORT const struct hub_plugin *hub_plugin_entry(void) { return &example_plugin; }

/* Split "A, B,,C" into {"A","B","C"}. 0 or -1 (out of memory). */
static int split_skus(struct example *ex, const char *list)
{
    for (const char *p = list; *p;) {
        while (*p == ',' || *p == ' ' || *p == '\t') p++;
        const char *end = p;
        while (*end && *end != ',') end++;
        const char *last = end;
        while (last > p && (last[-1] == ' ' || last[-1] == '\t')) last--;
        if (last > p) {
            char **grown = realloc(ex->fail_skus, (ex->n_fail_skus + 1) * sizeof *grown);
            if (!grown) return -1;
            ex->fail_skus = grown;
            char *sku = strndup(p, (size_t)(last - p));
            if (!sku) return -1;
            ex->fail_skus[ex->n_fail_skus++] = sku;
        }
        p = end;
    }
    return 0;
}

int example_sku_refused(const struct example *ex, const char *sku)
{
    for (size_t i = 0; i < ex->n_fail_skus; i++)
        if (strcmp(ex->fail_skus[i], sku) == 0) return 1;
    return 0;
}

/* HTTP mode: the base URL without trailing '/', and a token that resolves. */
static int init_http(struct example *ex, const char *url)
{
    const struct hub_host *host = ex->host;
    size_t len = strlen(url);
    while (len > 0 && url[len - 1] == '/') len--;
    ex->base = strndup(url, len);
    if (!ex->base) {
        host->log(ex->inst, HUB_LOG_ERROR, "example: out of memory");
        return -1;
    }
    if (!host->config_str(ex->inst, "token")) {
        host->log(ex->inst, HUB_LOG_ERROR, "example: 'token' is required with 'url'");
        return -1;
    }
    char *token = host->secret(ex->inst, "token"); /* the core logged why if NULL */
    if (!token) {
        host->log(ex->inst, HUB_LOG_ERROR, "example: the 'token' secret cannot be resolved");
        return -1;
    }
    host->free_secret(token);
    int64_t t = host->config_int(ex->inst, "timeout");
    int64_t a = host->config_int(ex->inst, "auth_retry");
    ex->timeout_ms = t > 0 ? (uint32_t)t : 10000;
    ex->auth_retry_ms = a > 0 ? (uint32_t)a : 60000;
    return 0;
}

/* File mode: the file must be writable (it is created if needed). */
static int init_file(struct example *ex)
{
    const struct hub_host *host = ex->host;
    if (ex->retry_every < 0) {
        host->log(ex->inst, HUB_LOG_ERROR, "example: retry_every must be >= 0");
        return -1;
    }
    const char *fail = host->config_str(ex->inst, "fail_skus");
    if (fail && split_skus(ex, fail) < 0) {
        host->log(ex->inst, HUB_LOG_ERROR, "example: out of memory");
        return -1;
    }
    int fd = open(ex->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        host->log(ex->inst, HUB_LOG_ERROR, "example: cannot open %s: %s", ex->path, strerror(errno));
        return -1;
    }
    close(fd);
    return 0;
}

int example_init(const struct hub_host *host, struct hub_instance *inst, void **ctx)
{
    struct example *ex = calloc(1, sizeof *ex);
    if (!ex) {
        host->log(inst, HUB_LOG_ERROR, "example: out of memory");
        return -1;
    }
    ex->host = host;
    ex->inst = inst;
    /* Values were validated against example_config before init. */
    const char *url = host->config_str(inst, "url");
    ex->path = host->config_str(inst, "path");
    if (ex->path && !ex->path[0]) ex->path = NULL;
    if (url && url[0] && ex->path) {
        host->log(inst, HUB_LOG_ERROR,
                  "example: set either 'path' (file mode) or 'url' (HTTP mode), not both");
        goto fail;
    }
    if (url && url[0]) {
        if (init_http(ex, url) < 0) goto fail;
    } else if (!ex->path) {
        host->log(inst, HUB_LOG_ERROR,
                  "example: 'path' is not set (file mode), and neither is 'url' (HTTP mode)");
        goto fail;
    } else {
        ex->retry_every = host->config_int(inst, "retry_every");
        ex->fsync = host->config_int(inst, "fsync") != 0;
        if (init_file(ex) < 0) goto fail;
    }
    *ctx = ex;
    return 0;
fail:
    example_destroy(ex);
    return -1;
}

int example_start(void *ctx)
{
    struct example *ex = ctx;
    const struct hub_host *host = ex->host;
    int webhooks = host->config_str(ex->inst, "webhook_secret") != NULL;
    if (ex->base)
        host->log(ex->inst, HUB_LOG_INFO, "example: tenant %s channel %s talks to %s%s",
                  host->tenant(ex->inst), host->channel(ex->inst), ex->base,
                  webhooks ? "; order webhooks on" : "");
    else
        host->log(ex->inst, HUB_LOG_INFO, "example: tenant %s channel %s writes to %s%s",
                  host->tenant(ex->inst), host->channel(ex->inst), ex->path,
                  webhooks ? "; order webhooks on" : "");
    return 0;
}

void example_stop(void *ctx)
{
    /* File mode has nothing outstanding (push_batch answers before it
     * returns).  HTTP mode: requests in flight are answered by the core
     * (cancelled) and their callbacks answer the batch; a reconcile waiting
     * for the channel's Retry-After ends now. */
    struct example *ex = ctx;
    if (ex->base) example_http_reconcile_stop(ex);
}

void example_destroy(void *ctx)
{
    struct example *ex = ctx;
    if (!ex) return;
    for (size_t i = 0; i < ex->n_fail_skus; i++) free(ex->fail_skus[i]);
    free(ex->fail_skus);
    free(ex->base);
    free(ex);
}
