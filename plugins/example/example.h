/*
 * example.h - the example channel's private declarations (shared by its files).
 *
 * The channel runs in one of two modes, chosen by its config:
 *   file mode (`path`): every pushed item is appended as one JSON line to a
 *     local file, and reconcile reads the file back;
 *   HTTP mode (`url`): pushes go to the "example channel" HTTP API
 *     (plugins/example/README.md; tests/sim/channel_sim.py simulates it)
 *     through host->http, and reconcile reads GET /v1/inventory.
 * In both modes, order webhooks signed with `webhook_secret` arrive on
 * POST /t/<tenant>/<channel>/webhooks (example_webhook.c).
 *
 * Everything the plugin does in the core goes through the host table it
 * receives in init (hub/host.h); it includes nothing from the core but
 * hub/plugin.h and hub/host.h.
 */
#ifndef EXAMPLE_H
#define EXAMPLE_H

#include <stddef.h>
#include <stdint.h>

#include <hub/plugin.h>
#include <jansson.h>

struct example_reconcile;

/* One per tenant channel ("instance"): what init builds and destroy frees. */
struct example {
    const struct hub_host *host;
    struct hub_instance *inst;
    /* file mode */
    const char *path;  /* config "path": owned by the core, lives as long as inst */
    char **fail_skus;  /* config "fail_skus", split on ',' */
    size_t n_fail_skus;
    int64_t retry_every; /* config "retry_every": every Nth batch answers RETRY */
    int fsync;           /* config "fsync" */
    uint64_t batches;    /* push_batch calls so far: the "batch" number in each line */
    /* HTTP mode */
    char *base;             /* config "url" without trailing '/'; NULL in file mode */
    uint32_t timeout_ms;    /* config "timeout" */
    uint32_t auth_retry_ms; /* config "auth_retry" */
    int refused;            /* the channel refuses our token or URL (401/403/404/3xx) */
    uint64_t not_before_ms; /* wall clock: the channel's last Retry-After ends here */
    struct example_reconcile *deferred; /* a reconcile waiting for not_before_ms */
    uint64_t deferred_timer;
};

/* The only exported symbol. */
HUB_PLUGIN_EXPORT const struct hub_plugin *hub_plugin_entry(void);

/* example.c: lifecycle */
int example_init(const struct hub_host *host, struct hub_instance *inst, void **ctx);
int example_start(void *ctx);
void example_stop(void *ctx);
void example_destroy(void *ctx);
int example_sku_refused(const struct example *ex, const char *sku);

/* example_push.c (file mode; calls example_http_push in HTTP mode) */
void example_push_batch(void *ctx, struct hub_batch *batch, const struct hub_push_item *items,
                        size_t n);

/* example_reconcile.c (file mode; calls example_http_reconcile in HTTP mode) */
void example_reconcile(void *ctx, struct hub_task *task, const char *const *skus, size_t n);

/* example_webhook.c: POST webhooks */
void example_webhook(void *ctx, struct hub_http_req *req);

/* ------------------------------------------------------------ HTTP mode */

/* How one answer of the channel is to be taken (example_http.c). */
enum example_class {
    EX_OK = 0,    /* 2xx with a JSON body (doc), or dry-run (dry_run, doc NULL) */
    EX_RETRY = 1, /* transient: 429, 5xx, 408, timeout, reset, malformed body, refused token */
    EX_FATAL = 2, /* the channel refuses the request as invalid (other 4xx) */
};

struct example_answer {
    enum example_class cls;
    uint32_t retry_after_ms; /* EX_RETRY: the channel's wait (0: the core's backoff) */
    int dry_run;
    json_t *doc;             /* EX_OK, not dry-run: the parsed body (caller decrefs) */
    char message[512];       /* EX_RETRY / EX_FATAL: why, with the channel's own text */
};

/* Send one API call: `path_query` is appended to the base URL.  The bearer
 * token is resolved now and wiped once the core copied the request.  0, or
 * -1 (done will not run; *why says why). */
int example_http_send(struct example *ex, const char *method, const char *path_query,
                      const char *body, size_t body_len, hub_http_done_fn done, void *arg,
                      char *why, size_t why_len);
/* Classify an answer, pass the channel's rate headers and Retry-After to the
 * core (host->rate_hint) and log a refused token once. */
void example_http_classify(struct example *ex, const struct hub_http_response *resp,
                           const char *what, struct example_answer *a);
/* The channel's error text: {"error": "..."} or the start of the body. */
void example_http_error_text(const struct hub_http_response *resp, char *out, size_t n);

/* example_http_push.c */
void example_http_push(struct example *ex, struct hub_batch *batch,
                       const struct hub_push_item *items, size_t n);
/* example_http_reconcile.c */
void example_http_reconcile(struct example *ex, struct hub_task *task, const char *const *skus,
                            size_t n);
void example_http_reconcile_stop(struct example *ex);

#endif
