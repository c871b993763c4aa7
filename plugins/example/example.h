/*
 * example.h - the example channel's private declarations (shared by its files).
 *
 * The "channel" is a local file: every pushed item is appended as one JSON
 * line, and reconcile reads the file back.  Everything the plugin does in the
 * core goes through the host table it receives in init (hub/host.h); it
 * includes nothing from the core but hub/plugin.h and hub/host.h.
 */
#ifndef EXAMPLE_H
#define EXAMPLE_H

#include <stddef.h>
#include <stdint.h>

#include <hub/plugin.h>

/* One per tenant channel ("instance"): what init builds and destroy frees. */
struct example {
    const struct hub_host *host;
    struct hub_instance *inst;
    const char *path;  /* config "path": owned by the core, lives as long as inst */
    char **fail_skus;  /* config "fail_skus", split on ',' */
    size_t n_fail_skus;
    int64_t retry_every; /* config "retry_every": every Nth batch answers RETRY */
    int fsync;           /* config "fsync" */
    uint64_t batches;    /* push_batch calls so far: the "batch" number in each line */
};

/* The only exported symbol. */
HUB_PLUGIN_EXPORT const struct hub_plugin *hub_plugin_entry(void);

/* example.c: lifecycle */
int example_init(const struct hub_host *host, struct hub_instance *inst, void **ctx);
int example_start(void *ctx);
void example_stop(void *ctx);
void example_destroy(void *ctx);
int example_sku_refused(const struct example *ex, const char *sku);

/* example_push.c */
void example_push_batch(void *ctx, struct hub_batch *batch, const struct hub_push_item *items,
                        size_t n);

/* example_reconcile.c */
void example_reconcile(void *ctx, struct hub_task *task, const char *const *skus, size_t n);

#endif
