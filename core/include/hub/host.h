/*
 * hub/host.h - the host table: a plugin's only door into the core.
 *
 * The core hands `const struct hub_host *` to the plugin's init together with
 * an opaque `struct hub_instance *` (one per tenant channel).  Every function
 * takes that instance (or an object derived from it) first.
 *
 * Versioning: the table starts with abi_major/abi_minor/struct_size and only
 * grows at the end.  A plugin built against a newer minor checks for a member
 * with HUB_HOST_HAS(host, member) before calling it.
 *
 * Threading: every callback runs on the core's event loop thread, and every
 * host function must be called from it.  Nothing here blocks on the network.
 *
 * Memory: strings passed in are copied by the core before the call returns.
 * Strings returned as `char *` are owned by the caller and freed with
 * host->free().  Strings returned as `const char *` live as long as the
 * instance unless stated otherwise.
 */
#ifndef HUB_HOST_H
#define HUB_HOST_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct hub_instance; /* one tenant x channel; opaque */
struct hub_batch;    /* a push in progress; opaque */
struct hub_task;     /* a poll or reconcile in progress; opaque */
struct hub_http_req; /* an inbound HTTP request being served; opaque */
struct hub_push_result; /* defined in hub/plugin.h */

enum hub_log_level { HUB_LOG_ERROR = 0, HUB_LOG_WARN, HUB_LOG_INFO, HUB_LOG_DEBUG };

enum hub_mode { HUB_MODE_LIVE = 0, HUB_MODE_DRY_RUN, HUB_MODE_PAUSED };

/* ----------------------------------------------------------- outbound HTTP */
struct hub_header {
    const char *name;
    const char *value;
};

struct hub_http_request {
    const char *method;               /* "GET", "POST", ... */
    const char *url;                  /* absolute */
    const struct hub_header *headers; /* array of n_headers */
    size_t n_headers;
    const char *body;                 /* may be NULL */
    size_t body_len;
    uint32_t timeout_ms;              /* 0: the plugin's limits.timeout_ms or 30 s */
};

struct hub_http_response {
    int status;                       /* HTTP status; 0 on a transport error */
    const char *error;                /* transport error text, NULL when status > 0 */
    const struct hub_header *headers; /* names lower-cased */
    size_t n_headers;
    const char *body;                 /* NUL-terminated for convenience */
    size_t body_len;
    int dry_run;                      /* 1: nothing was sent; the request was recorded */
    uint32_t elapsed_ms;
};

/* The response and everything it points to live only during the callback. */
typedef void (*hub_http_done_fn)(void *arg, const struct hub_http_response *resp);

/* ----------------------------------------------------------- emitting events
 * Canonical events (JSON, see docs/architecture.md "Canonical events") go to
 * the tenant's durable inbox.  `done` runs once, with the outcome:
 *
 *   HUB_EMIT_COMMITTED  durably committed.
 *   HUB_EMIT_DUPLICATE  already seen under the same idempotency key (and
 *                       committed then): acknowledge it.
 *   HUB_EMIT_FAILED     could not be recorded now (storage, shutdown); nothing
 *                       changed; delivering it again later may succeed.
 *   HUB_EMIT_REFUSED    (ABI 1.1) read and refused for its content (unknown
 *                       SKU on a stock movement, invalid quantity, ...);
 *                       nothing changed; delivering it again will not help.
 *
 * `message` says why for FAILED and REFUSED (NULL otherwise; valid only
 * during the call).  For an array the outcome covers every event: FAILED if
 * any could not be recorded, else REFUSED if any was refused (the message
 * names it; the others are committed), else DUPLICATE if all were, else
 * COMMITTED.  REFUSED is reported only to plugins built for ABI 1.1 or later;
 * a plugin built for 1.0 is told FAILED, with the same message.  Treat a
 * status you do not know as FAILED.  Answer a webhook only in `done`.        */
enum hub_emit_status {
    HUB_EMIT_COMMITTED = 0,
    HUB_EMIT_DUPLICATE = 1,
    HUB_EMIT_FAILED = -1,
    HUB_EMIT_REFUSED = -2, /* ABI 1.1 */
};
typedef void (*hub_emit_done_fn)(void *arg, enum hub_emit_status status, const char *message);

typedef void (*hub_timer_fn)(void *arg);

struct hub_host {
    uint16_t abi_major;
    uint16_t abi_minor;
    uint32_t struct_size;

    /* --- identity and logging --- */
    const char *(*tenant)(struct hub_instance *inst);
    const char *(*channel)(struct hub_instance *inst);
    enum hub_mode (*mode)(struct hub_instance *inst);
    void (*log)(struct hub_instance *inst, enum hub_log_level level, const char *fmt, ...)
#if defined(__GNUC__)
        __attribute__((format(printf, 3, 4)))
#endif
        ;

    /* --- configuration (validated against the plugin's config map) --- */
    const char *(*config_str)(struct hub_instance *inst, const char *key); /* NULL if unset */
    int64_t (*config_int)(struct hub_instance *inst, const char *key);     /* INT, BOOL, DURATION(ms) */
    /* Resolve a HUB_CFG_SECRET key now (env:/file:).  Returns a new string the
     * plugin must wipe and free with host->free_secret(), or NULL (logged).  */
    char *(*secret)(struct hub_instance *inst, const char *key);
    void (*free_secret)(char *secret);
    void (*free)(void *p);

    /* --- timers on the loop; ids are > 0 --- */
    uint64_t (*timer_start)(struct hub_instance *inst, uint64_t first_ms, uint64_t repeat_ms,
                            hub_timer_fn fn, void *arg);
    void (*timer_stop)(struct hub_instance *inst, uint64_t timer_id);
    uint64_t (*now_ms)(struct hub_instance *inst); /* wall clock, ms since epoch */

    /* --- outbound HTTP (libcurl multi on the loop).  In dry-run the request is
     * recorded and answered at once with dry_run = 1, status 200, empty body. */
    int (*http)(struct hub_instance *inst, const struct hub_http_request *req,
                hub_http_done_fn done, void *arg);

    /* --- inbound HTTP: the route handler's request --- */
    const char *(*req_method)(struct hub_http_req *req);
    const char *(*req_path)(struct hub_http_req *req);   /* after /t/<tenant>/<channel>/ */
    const char *(*req_query)(struct hub_http_req *req);  /* raw, without '?', or "" */
    const char *(*req_header)(struct hub_http_req *req, const char *name); /* case-insensitive */
    const char *(*req_body)(struct hub_http_req *req, size_t *len);        /* raw bytes */
    /* Send the answer; `req` is invalid afterwards.  Headers may be NULL.   */
    void (*respond)(struct hub_http_req *req, int status, const struct hub_header *headers,
                    size_t n_headers, const char *body, size_t body_len);

    /* --- canonical events: `events_json` is one event object or an array --- */
    int (*emit)(struct hub_instance *inst, const char *idempotency_key, const char *events_json,
                hub_emit_done_fn done, void *arg);

    /* --- Lua mapping: run the channel script's from_channel(kind, payload).
     * Returns canonical events as JSON text (caller frees), or NULL with
     * *error set (caller frees) on a script error, timeout or bad shape.   */
    char *(*map_from_channel)(struct hub_instance *inst, const char *kind, const char *payload_json,
                              char **error);

    /* --- map and emit in one step: from_channel(kind, payload) and every event
     * it returns go to the inbox under the idempotency key (as emit does with
     * an array), without a JSON text round trip.  0; -1 with *error (caller
     * frees) when the payload is not JSON or the mapping failed (answer 4xx);
     * -2 with *error when the core cannot take events now (answer 503).  On
     * -1/-2 nothing was emitted and done is not called. --- */
    int (*emit_mapped)(struct hub_instance *inst, const char *kind, const char *payload_json,
                       size_t payload_len, const char *idempotency_key, hub_emit_done_fn done,
                       void *arg, char **error);

    /* --- pushing and tasks --- */
    void (*push_done)(struct hub_batch *batch, const struct hub_push_result *results);
    /* The channel said how much budget is left; the core's bucket follows it.
     * remaining < 0: unknown.  retry_after_ms > 0: nothing goes out before. */
    void (*rate_hint)(struct hub_instance *inst, double remaining, double capacity,
                      double refill_per_sec, uint32_t retry_after_ms);
    void (*reconcile_seen)(struct hub_task *task, const char *sku, int64_t quantity,
                           const char *payload_json);
    void (*task_done)(struct hub_task *task, int status, const char *message);

    /* --- the canonical model, read only (JSON text, caller frees; NULL if absent) --- */
    char *(*product_get)(struct hub_instance *inst, const char *product_id);
    char *(*variant_get)(struct hub_instance *inst, const char *sku);
    /* available for this channel under the tenant's allocation rule; -1 if unknown SKU */
    int64_t (*available)(struct hub_instance *inst, const char *sku);
    /* {"external":{...},"quantity":n,"payload":{...},"pushed_at":ms} */
    char *(*listing_get)(struct hub_instance *inst, const char *sku);

    /* Every listing this channel has acknowledged, in SKU order: quantity (-1
     * if never pushed) and the acknowledged payload (JSON or NULL).  cb returns
     * 0 to go on, 1 to stop.  Lets a plugin rebuild its own index at start. */
    int (*listings_each)(struct hub_instance *inst,
                         int (*cb)(void *arg, const char *sku, int64_t quantity, const char *payload_json),
                         void *arg);

    /* --- small durable state per instance: cursors, tokens (in LMDB) ---
     * state_get: the value (caller frees), NULL if absent.  state_set: 0 or -1;
     * value NULL deletes the entry (ABI 1.1; 0 also when it was absent; a
     * 1.0 hub refuses NULL with -1: test HUB_HOST_HAS(host, state_each)). */
    char *(*state_get)(struct hub_instance *inst, const char *name);
    int (*state_set)(struct hub_instance *inst, const char *name, const char *value);

    /* --- metrics: hub_plugin_<name>{tenant,channel} --- */
    void (*metric_add)(struct hub_instance *inst, const char *name, double delta);
    void (*metric_set)(struct hub_instance *inst, const char *name, double value);

    /* --- crypto helpers (OpenSSL underneath) --- */
    /* HMAC-SHA256 into out[32]. */
    void (*hmac_sha256)(const void *key, size_t key_len, const void *msg, size_t msg_len,
                        unsigned char out[32]);
    /* Constant-time equality of two byte strings (length leaks, content does not). */
    int (*secure_equal)(const void *a, size_t a_len, const void *b, size_t b_len);
    /* Encoders: out must hold 4*((n+2)/3)+1 (base64) or 2n+1 (hex) bytes. */
    size_t (*base64_encode)(const void *in, size_t n, char *out);
    size_t (*hex_encode)(const void *in, size_t n, char *out);

    /* --- ABI 1.1 --- */
    /* Visit up to `max` (0: no limit) of this instance's state entries whose
     * names start with `prefix` ("" or NULL: all), in name (byte) order,
     * starting strictly after the name `after` (NULL: from the first).  cb
     * returns 0 to go on, non-zero to stop (that entry counts).  Returns the
     * number visited, or -1.  One read transaction: `name` and `value` live
     * during the call only, and cb must not call state_set -- collect the
     * names, change or delete them after state_each returns.  To walk a large
     * set in chunks, pass the last name seen as `after` next time; fewer than
     * `max` visited means the end was reached. */
    int (*state_each)(struct hub_instance *inst, const char *prefix, const char *after, size_t max,
                      int (*cb)(void *arg, const char *name, const char *value), void *arg);

    /* --- room to grow without breaking 1.x (each new member takes a slot) --- */
    void *reserved[15];
};

#define HUB_HOST_HAS(host, member)                                                       \
    ((host)->struct_size >= offsetof(struct hub_host, member) + sizeof((host)->member) && \
     (host)->member != NULL)

#ifdef __cplusplus
}
#endif
#endif /* HUB_HOST_H */
