/*
 * hub/plugin.h - the descriptor a channel plugin hands to the core.
 *
 * A plugin is a shared object `plugins/<name>/<name>.so` exporting one symbol,
 * HUB_PLUGIN_ENTRY_SYMBOL, a function returning a pointer to a static
 * `struct hub_plugin`.  The core checks, in this order, before using anything
 * else in it: the ABI major (must equal HUB_ABI_MAJOR), the struct size (must
 * cover every field this core reads for that minor), the name.
 *
 * Rules for growing this ABI (Redis modules / nginx style):
 *   - fields are only ever appended, taking a slot from `reserved`;
 *   - a new field bumps HUB_ABI_MINOR; a removed or re-typed one bumps MAJOR;
 *   - so does a new value the core may hand a plugin (a status, a kind): the
 *     core hands it only to plugins whose abi_minor says they know it;
 *   - the core treats a NULL callback as "not supported".
 *
 * Changes:
 *   1.0  the first ABI.
 *   1.1  hub_emit_status gains HUB_EMIT_REFUSED (hub/host.h): an event read
 *        and refused for its content, which a redelivery will not change.
 *        Plugins built for 1.0 are still told HUB_EMIT_FAILED for it.
 *        struct hub_host gains state_each (a prefix scan of the instance's
 *        state, taking a reserved slot) and state_set(inst, name, NULL)
 *        deletes the entry (a 1.0 hub refuses it: test HUB_HOST_HAS(host,
 *        state_each) first).  struct hub_plugin is as in 1.0.
 *
 * Everything a plugin may call in the core is in hub/host.h.  A plugin never
 * links against core symbols.
 */
#ifndef HUB_PLUGIN_H
#define HUB_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#include "hub/host.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HUB_ABI_MAJOR 1
#define HUB_ABI_MINOR 1

/* The one exported symbol: `const struct hub_plugin *hub_plugin_entry(void);` */
#define HUB_PLUGIN_ENTRY_SYMBOL "hub_plugin_entry"

/* Capabilities: what the channel can do.  The core only schedules what is set. */
enum hub_capability {
    HUB_CAP_STOCK_PUSH    = 1u << 0, /* absolute available quantities per SKU */
    HUB_CAP_CATALOG_PUSH  = 1u << 1, /* listings: products, variants, prices */
    HUB_CAP_ORDER_WEBHOOK = 1u << 2, /* orders arrive on its HTTP routes */
    HUB_CAP_ORDER_POLL    = 1u << 3, /* orders fetched by the poll callback */
    HUB_CAP_ROUTES        = 1u << 4, /* serves HTTP routes under /t/<tenant>/<channel>/ */
    HUB_CAP_RECONCILE     = 1u << 5, /* can read back what the channel shows */
    HUB_CAP_FULFILLMENT   = 1u << 6, /* accepts shipment (tracking) pushes */
};

/* Limits the channel imposes.  Zero means "no limit" / core default. */
struct hub_limits {
    double   rate_per_sec; /* token bucket refill, requests per second */
    uint32_t burst;        /* token bucket capacity */
    uint32_t batch_max;    /* most items in one push_batch call */
    uint32_t in_flight;    /* most push batches outstanding at once (default 1) */
    uint32_t timeout_ms;   /* default outbound HTTP timeout */
};

/* ------------------------------------------------------------------ config map
 * One table gives validation (hubd refuses a bad value with file:line),
 * defaults, and documentation (`hubctl plugins --config <name>`).
 * The table ends with an entry whose key is NULL.                              */
enum hub_config_type {
    HUB_CFG_STRING = 1,
    HUB_CFG_INT,      /* int64, checked against [min, max] when min < max */
    HUB_CFG_BOOL,     /* true/false/yes/no/on/off/1/0 */
    HUB_CFG_ENUM,     /* one of `choices`, '|' separated: "live|dry-run|paused" */
    HUB_CFG_SECRET,   /* a reference: env:NAME or file:/path; never a literal */
    HUB_CFG_DURATION, /* "250ms", "30s", "5m", "2h"; read as milliseconds */
    HUB_CFG_URL,      /* http:// or https:// */
};

#define HUB_CFG_REQUIRED 0x1u

struct hub_config_entry {
    const char          *key;
    enum hub_config_type type;
    const char          *default_value; /* NULL: no default */
    const char          *description;
    const char          *choices;       /* HUB_CFG_ENUM only */
    int64_t              min, max;      /* HUB_CFG_INT/DURATION bounds if min < max */
    uint32_t             flags;         /* HUB_CFG_REQUIRED */
};

/* ------------------------------------------------------------------ pushing
 * The core drains a channel's outbox in batches.  Each item is one
 * coalesced operation; quantities are absolute, so a repeat is harmless.    */
enum hub_op_kind {
    HUB_OP_STOCK = 1,   /* set available quantity: `quantity` */
    HUB_OP_LISTING,     /* create/update a listing: `payload` from to_channel */
    HUB_OP_DELETE,      /* withdraw a listing */
    HUB_OP_FULFILLMENT, /* push a shipment: `payload` {order, tracking, carrier, lines} */
};

struct hub_push_item {
    uint64_t         op_id;       /* stable across retries */
    enum hub_op_kind kind;
    const char      *sku;         /* NUL-terminated; for FULFILLMENT the order id */
    int64_t          quantity;    /* HUB_OP_STOCK */
    int64_t          shadow_quantity; /* last acknowledged, -1 if none (for compare-and-set) */
    const char      *payload;     /* JSON text, NUL-terminated, or NULL */
    size_t           payload_len;
    const char      *external;    /* JSON object of channel ids known for this SKU, or NULL */
    const char      *changed;     /* LISTING: JSON array of the top-level fields that differ
                                     from the shadow, or NULL when the channel has no listing yet */
    uint32_t         attempt;     /* 0 on the first try */
};

enum hub_result {
    HUB_OK    = 0, /* channel acknowledged: the shadow becomes this item */
    HUB_RETRY = 1, /* transient (429, 5xx, timeout): the core retries with backoff */
    HUB_FATAL = 2, /* permanent refusal: dead letter with `message` */
};

struct hub_push_result {
    enum hub_result status;
    const char     *message;      /* channel's own error text (copied by the core) */
    const char     *external;     /* JSON object of channel ids to remember, or NULL */
    uint32_t        retry_after_ms; /* HUB_RETRY: the channel's own wait, 0 = core's backoff */
};

/* ------------------------------------------------------------------ routes
 * Served under /t/<tenant>/<channel>/<path>.  `path` may end in "*" to match
 * a prefix.  The handler must eventually call host->respond(req, ...).      */
struct hub_route {
    const char *method; /* "POST", "GET", ... or "*" */
    const char *path;   /* "webhooks", "mcp", or a prefix "acp/" + "*" */
    void (*handle)(void *ctx, struct hub_http_req *req);
};

/* ------------------------------------------------------------------ descriptor */
struct hub_plugin {
    /* --- header: never moves --- */
    uint16_t abi_major;   /* HUB_ABI_MAJOR the plugin was built with */
    uint16_t abi_minor;   /* HUB_ABI_MINOR the plugin was built with */
    uint32_t struct_size; /* sizeof(struct hub_plugin) as the plugin saw it */
    const char *name;     /* channel name, [a-z0-9_], equals the folder name */
    const char *version;  /* the plugin's own version, free form */

    /* --- ABI 1.0 --- */
    const char *description;
    uint32_t capabilities; /* enum hub_capability bits */
    struct hub_limits limits;
    const struct hub_config_entry *config; /* NULL-key terminated, may be NULL */
    const struct hub_route *routes;        /* NULL-method terminated, may be NULL */

    /* Called once per tenant channel.  Validated config is readable through
     * host.  Return 0 and set *ctx, or -1 after host->log()ing why.          */
    int  (*init)(const struct hub_host *host, struct hub_instance *inst, void **ctx);
    /* The loop is running: start timers, fetch tokens.  0 or -1.             */
    int  (*start)(void *ctx);
    /* Push `n` items.  Asynchronous: the plugin calls host->push_done(batch,
     * results) exactly once, now or later, with one result per item.         */
    void (*push_batch)(void *ctx, struct hub_batch *batch,
                       const struct hub_push_item *items, size_t n);
    /* Fetch new orders/events since the plugin's cursor; call
     * host->task_done(task, status, message) when finished.  The core never
     * overlaps two polls of one instance.                                    */
    void (*poll)(void *ctx, struct hub_task *task);
    /* Read back what the channel shows for `skus` (all tenant SKUs when n is
     * 0): report each with host->reconcile_seen(), then host->task_done().   */
    void (*reconcile)(void *ctx, struct hub_task *task,
                      const char *const *skus, size_t n);
    /* Stop timers and outbound work; pending callbacks may still arrive and
     * must be answered.  Then destroy frees everything.                      */
    void (*stop)(void *ctx);
    void (*destroy)(void *ctx);

    /* --- room to grow without breaking 1.x --- */
    void *reserved[12];
};

/* Smallest struct_size this core accepts (ABI 1.0: everything up to destroy). */
#define HUB_PLUGIN_MIN_SIZE (offsetof(struct hub_plugin, destroy) + sizeof(void (*)(void *)))

/* In the plugin: HUB_PLUGIN_EXPORT const struct hub_plugin *hub_plugin_entry(void) */
#if defined(__GNUC__)
#define HUB_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define HUB_PLUGIN_EXPORT
#endif

#define HUB_PLUGIN_HEADER                                                                \
    .abi_major = HUB_ABI_MAJOR, .abi_minor = HUB_ABI_MINOR,                              \
    .struct_size = (uint32_t)sizeof(struct hub_plugin)

typedef const struct hub_plugin *(*hub_plugin_entry_fn)(void);

/* The entry point every plugin defines (declared here so plugins need no
 * prototype of their own under -Wmissing-prototypes). */
HUB_PLUGIN_EXPORT const struct hub_plugin *hub_plugin_entry(void);

#ifdef __cplusplus
}
#endif
#endif /* HUB_PLUGIN_H */
