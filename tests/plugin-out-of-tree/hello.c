/*
 * hello.c - a minimal hub plugin built OUT OF TREE by run.sh:
 *
 *   cc $(pkg-config --cflags hub-plugin) -shared -fPIC -fvisibility=hidden \
 *      -o hello/hello.so hello.c
 *
 * It includes only the installed <hub/plugin.h>; it pushes stock and answers
 * every item OK.
 */
#include <stdlib.h>

#include <hub/plugin.h>

HUB_PLUGIN_EXPORT const struct hub_plugin *hub_plugin_entry(void);

struct hello {
    const struct hub_host *host;
    struct hub_instance *inst;
};

static int hello_init(const struct hub_host *host, struct hub_instance *inst, void **ctx)
{
    struct hello *h = calloc(1, sizeof *h);
    if (!h) return -1;
    h->host = host;
    h->inst = inst;
    const char *greeting = host->config_str(inst, "greeting");
    host->log(inst, HUB_LOG_INFO, "hello: %s", greeting ? greeting : "(no greeting)");
    *ctx = h;
    return 0;
}

static void hello_push(void *ctx, struct hub_batch *batch, const struct hub_push_item *items,
                       size_t n)
{
    struct hello *h = ctx;
    struct hub_push_result *r = calloc(n ? n : 1, sizeof *r);
    if (!r) abort();
    for (size_t i = 0; i < n; i++) r[i].status = items[i].quantity >= 0 ? HUB_OK : HUB_FATAL;
    h->host->push_done(batch, r);
    free(r);
}

static void hello_destroy(void *ctx) { free(ctx); }

static const struct hub_config_entry hello_config[] = {
    {.key = "greeting", .type = HUB_CFG_STRING, .default_value = "hi",
     .description = "what init logs"},
    {.key = NULL},
};

static const struct hub_plugin hello = {
    HUB_PLUGIN_HEADER,
    .name = "hello",
    .version = "0.1.0",
    .description = "Out-of-tree build check",
    .capabilities = HUB_CAP_STOCK_PUSH,
    .limits = {.rate_per_sec = 5, .batch_max = 10},
    .config = hello_config,
    .init = hello_init,
    .push_batch = hello_push,
    .destroy = hello_destroy,
};

HUB_PLUGIN_EXPORT const struct hub_plugin *hub_plugin_entry(void) { return &hello; }
