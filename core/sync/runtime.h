/*
 * runtime.h - what hubd runs: tenants with their plugin instances on one loop.
 *
 *   struct hubd          the daemon: loop, config, tenants, HTTP, admin socket
 *   struct rt_tenant     one tenant: the engine's tenant + its instances + the
 *                        queue of emitted events waiting for the group commit
 *   struct hub_instance  one channel of one tenant: plugin, its ctx, the
 *                        push scheduler state
 *
 * Flow in hubd: a plugin emits (host->emit) -> the event waits in the tenant's
 * queue -> at the end of the loop turn (uv_check) every queued event of the
 * tenant goes through engine_submit in ONE durable txn -> each emitter's done
 * callback runs -> the tenant's outbox is drained (push.c).
 */
#ifndef HUB_SYNC_RUNTIME_H
#define HUB_SYNC_RUNTIME_H

#include <jansson.h>
#include <stdint.h>
#include <uv.h>

#include "config/config.h"
#include "engine/engine.h"
#include "hub/plugin.h"
#include "plugin/loader.h"
#include "sync/breaker.h"
#include "sync/bucket.h"
#include "sync/chmetrics.h"

struct hubd;
struct rt_tenant;
struct housekeep;
struct http_server;
struct http_client;

enum instance_state { INST_NEW = 0, INST_RUNNING, INST_FAILED, INST_STOPPED };

/* A push_batch in progress. */
struct hub_batch {
    struct hub_instance *inst;
    struct hub_push_item *items;
    uint64_t *enqueued_ms; /* per item: when its change was first queued (latency) */
    char **strings; /* owned copies the items point into */
    size_t n_strings;
    size_t n;
    uint64_t started_ms;
    int done;
    struct hub_batch *next;
};

struct hub_task {
    struct hub_instance *inst;
    int kind; /* TASK_POLL, TASK_RECONCILE */
    json_t *seen; /* reconcile: sku -> {quantity, payload} */
    int done;
};
enum { TASK_POLL = 1, TASK_RECONCILE = 2 };

struct rt_timer {
    uv_timer_t handle;
    uint64_t id;
    struct hub_instance *inst;
    hub_timer_fn fn;
    void *arg;
    struct rt_timer *next;
};

struct secret_cache {
    char *key;
    char *value;
    uint64_t at_ms;
    struct secret_cache *next;
};

struct hub_instance {
    struct rt_tenant *rt;
    struct secret_cache *secrets; /* host.c: resolved secrets, kept a few seconds */
    struct tenant_channel *tch;
    const struct channel_config *cfg;
    struct plugin_handle *plugin;
    const struct hub_plugin *desc;
    void *ctx;
    enum hub_mode mode;
    enum instance_state state;
    char last_error[512];

    /* push scheduling (push.c) */
    struct bucket bucket;
    struct breaker breaker;
    struct chmetrics m;
    uint64_t waiting_since_ms; /* monotonic; a rate-limit wait in progress, 0 if none */
    uint64_t last_change_ms;   /* monotonic; last commit that queued ops for this tenant */
    uint64_t drift_found;
    uv_timer_t drain_timer;   /* next drain: now (kick) or when the bucket/backoff allows */
    int drain_timer_open;
    uint32_t in_flight;
    json_t *in_flight_skus;   /* object: sku -> true while a batch carries it */
    json_t *map_ctx;          /* from_channel's ctx (tenant, currency, channel), built once */
    struct plugin_metric_cache *pmetrics; /* plugin/host.c: metric_add/set names -> series */
    struct hub_batch *batches;
    uint64_t pushed_ok, pushed_retry, pushed_fatal;
    struct hub_task *poll_task, *reconcile_task;
    uint64_t next_poll_ms, next_reconcile_ms;

    struct rt_timer *timers;
    uint64_t next_timer_id;
};

struct pending_emit {
    struct hub_instance *inst; /* NULL: from the core itself (holds, admin) */
    char *idem_key;
    json_t *event;
    hub_emit_done_fn done;
    void *arg;
    struct pending_emit *next;
};

struct rt_tenant {
    struct hubd *hubd;
    const struct tenant_config *cfg;
    struct tenant *t;
    struct hub_instance *inst;
    size_t n_inst;
    struct pending_emit *q_head, *q_tail;
    size_t q_len;
    int failed; /* the tenant could not be opened: the others still run */
    /* re-projection in progress (after a script reload), chunk by chunk */
    uv_timer_t reproject_timer;
    int reproject_open, reprojecting, reproject_again;
    char reproject_after[512];
    uint64_t reprojected;
    char last_error[512];
    uint64_t events_in, commits;
    struct housekeep *housekeep; /* housekeep.c: pruning timer, NULL if not started */
};

struct hubd {
    uv_loop_t *loop;
    struct hub_config *cfg;
    struct rt_tenant *tenants;
    size_t n_tenants;
    uv_check_t commit_check;
    uv_timer_t tick;
    uv_signal_t sigint, sigterm;
    struct http_server *http;
    struct http_client *client;
    void *admin;      /* admin socket (admin.c) */
    void *watchers;   /* script watchers */
    int stopping;
    uint64_t started_ms;
};

/* The host table handed to every plugin (plugin/host.c). */
extern const struct hub_host hub_host_table;

/* runtime.c */
int hubd_start(struct hubd *d, uv_loop_t *loop, struct hub_config *cfg, char *err, size_t err_len);
void hubd_stop(struct hubd *d);
/* After hubd_stop and a loop run that closed every handle: free the rest. */
void hubd_free(struct hubd *d);
struct rt_tenant *hubd_tenant(struct hubd *d, const char *name);
json_t *hubd_status(struct hubd *d);
/* Reload scripts (all tenants when name is NULL): {"ok":bool,"results":[...]} */
json_t *hubd_reload(struct hubd *d, const char *tenant);

/* inbox.c: queue events for the tenant's next group commit. */
int rt_emit(struct rt_tenant *rt, struct hub_instance *inst, const char *idem_key, json_t *event,
            hub_emit_done_fn done, void *arg);
void rt_commit_all(struct hubd *d);

/* push.c */
void push_kick(struct hub_instance *inst);
void push_kick_tenant(struct rt_tenant *rt);
void push_batch_done(struct hub_batch *b, const struct hub_push_result *results);
void push_instance_free(struct hub_instance *inst);

/* Re-project every SKU of the tenant, a chunk per loop turn. */
void rt_reproject(struct rt_tenant *rt);

/* tasks.c: poll and reconcile */
void task_tick(struct hub_instance *inst, uint64_t now);
int task_reconcile_start(struct hub_instance *inst);
void task_seen(struct hub_task *task, const char *sku, int64_t quantity, const char *payload);
void task_finish(struct hub_task *task, int status, const char *message);

/* housekeep.c: a running tenant's periodic pruning of the inbox and the
 * idempotency keys (retention keys of the tenant config). */
void housekeep_start(struct rt_tenant *rt);
void housekeep_stop(struct rt_tenant *rt); /* closes the timer; memory freed on close */

void inst_secrets_free(struct hub_instance *inst);
/* plugin/host.c: the per-instance cache of plugin metric series. */
struct plugin_metric_cache;
void plugin_metric_cache_free(struct plugin_metric_cache *c);

/* Log with the instance's scope "tenant/channel". */
void inst_log(struct hub_instance *inst, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif /* HUB_SYNC_RUNTIME_H */
