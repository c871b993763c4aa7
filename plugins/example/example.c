/*
 * example.c - the example channel's descriptor and lifecycle.
 *
 * Read docs/plugin-guide.md alongside: it walks through this file, then
 * example_push.c (the push contract) and example_reconcile.c (read back).
 */
#include "example.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The config map: validation, defaults and `hubctl plugins --config example`. */
static const struct hub_config_entry example_config[] = {
    {.key = "path", .type = HUB_CFG_STRING, .flags = HUB_CFG_REQUIRED,
     .description = "file each pushed batch is appended to, one JSON line per item"},
    {.key = "fail_skus", .type = HUB_CFG_STRING,
     .description = "comma separated SKUs answered FATAL (to exercise dead letters)"},
    {.key = "retry_every", .type = HUB_CFG_INT, .default_value = "0", .min = 0, .max = 1000000,
     .description = "if N > 0, every Nth batch answers RETRY for all its items"},
    {.key = "fsync", .type = HUB_CFG_BOOL, .default_value = "false",
     .description = "fsync the file after each batch"},
    {.key = NULL},
};

static const struct hub_plugin example_plugin = {
    HUB_PLUGIN_HEADER,
    .name = "example",
    .version = "1.0.0",
    .description = "Example channel: appends pushes to a local file as JSON lines",
    .capabilities = HUB_CAP_STOCK_PUSH | HUB_CAP_CATALOG_PUSH | HUB_CAP_RECONCILE,
    .limits = {.rate_per_sec = 50, .burst = 10, .batch_max = 100},
    .config = example_config,
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

int example_init(const struct hub_host *host, struct hub_instance *inst, void **ctx)
{
    struct example *ex = calloc(1, sizeof *ex);
    if (!ex) {
        host->log(inst, HUB_LOG_ERROR, "example: out of memory");
        return -1;
    }
    ex->host = host;
    ex->inst = inst;
    /* Values were validated against example_config before init: "path" is
     * set (required), retry_every is an integer >= 0, fsync a bool. */
    ex->path = host->config_str(inst, "path");
    ex->retry_every = host->config_int(inst, "retry_every");
    ex->fsync = host->config_int(inst, "fsync") != 0;
    const char *fail = host->config_str(inst, "fail_skus");
    if (!ex->path || !ex->path[0]) {
        host->log(inst, HUB_LOG_ERROR, "example: 'path' is not set");
        goto fail;
    }
    if (ex->retry_every < 0) {
        host->log(inst, HUB_LOG_ERROR, "example: retry_every must be >= 0");
        goto fail;
    }
    if (fail && split_skus(ex, fail) < 0) {
        host->log(inst, HUB_LOG_ERROR, "example: out of memory");
        goto fail;
    }
    /* Fail early on a path we cannot write (the file is created if needed). */
    int fd = open(ex->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        host->log(inst, HUB_LOG_ERROR, "example: cannot open %s: %s", ex->path, strerror(errno));
        goto fail;
    }
    close(fd);
    *ctx = ex;
    return 0;
fail:
    example_destroy(ex);
    return -1;
}

int example_start(void *ctx)
{
    struct example *ex = ctx;
    ex->host->log(ex->inst, HUB_LOG_INFO, "example: tenant %s channel %s writes to %s",
                  ex->host->tenant(ex->inst), ex->host->channel(ex->inst), ex->path);
    return 0;
}

void example_stop(void *ctx)
{
    /* No timers and no outbound work: push_batch answers before it returns. */
    (void)ctx;
}

void example_destroy(void *ctx)
{
    struct example *ex = ctx;
    if (!ex) return;
    for (size_t i = 0; i < ex->n_fail_skus; i++) free(ex->fail_skus[i]);
    free(ex->fail_skus);
    free(ex);
}
