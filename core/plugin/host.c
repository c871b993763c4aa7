/* host.c - the host table (hub/host.h): every door a plugin has into the core. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json_text.h"
#include "common/crypto.h"
#include "common/log.h"
#include "common/util.h"
#include "net/http_client.h"
#include "net/http_server.h"
#include "net/metrics.h"
#include "plugin/emit_report.h"
#include "sync/dryrun.h"
#include "sync/runtime.h"

void inst_log(struct hub_instance *inst, int level, const char *fmt, ...)
{
    char scope[160];
    snprintf(scope, sizeof scope, "%s/%s", inst->rt->cfg->name, inst->cfg->name);
    va_list ap;
    va_start(ap, fmt);
    log_vmsg((enum log_level)level, scope, fmt, ap);
    va_end(ap);
}

static const char *h_tenant(struct hub_instance *i) { return i->rt->cfg->name; }
static const char *h_channel(struct hub_instance *i) { return i->cfg->name; }
static enum hub_mode h_mode(struct hub_instance *i) { return i->mode; }

static void h_log(struct hub_instance *i, enum hub_log_level level, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if ((int)level < HUB_LOG_ERROR || level > HUB_LOG_DEBUG) level = HUB_LOG_INFO;
    if (level == HUB_LOG_ERROR) str_copy(i->last_error, msg, sizeof i->last_error);
    inst_log(i, (int)level, "%s", msg);
}

static const struct hub_config_entry *map_entry(struct hub_instance *i, const char *key)
{
    for (const struct hub_config_entry *e = i->desc->config; e && e->key; e++)
        if (strcmp(e->key, key) == 0) return e;
    return NULL;
}

static const char *h_config_str(struct hub_instance *i, const char *key)
{
    return config_channel_get(i->cfg, i->desc->config, key);
}

static int64_t h_config_int(struct hub_instance *i, const char *key)
{
    const char *v = h_config_str(i, key);
    const struct hub_config_entry *e = map_entry(i, key);
    if (!v) return 0;
    int64_t out = 0;
    if (e && e->type == HUB_CFG_BOOL) return parse_bool(v) == 1;
    if (e && e->type == HUB_CFG_DURATION) return parse_duration_ms(v, &out) == 0 ? out : 0;
    return parse_i64(v, &out) == 0 ? out : 0;
}

/* Resolved secrets are kept for SECRET_CACHE_MS so a webhook per request does
 * not read a file each time; a rotated secret (new file content, new env on
 * restart) is picked up within that time. */
#define SECRET_CACHE_MS 5000

static char *h_secret(struct hub_instance *i, const char *key)
{
    const struct hub_config_entry *e = map_entry(i, key);
    if (!e || e->type != HUB_CFG_SECRET) {
        inst_log(i, 0, "secret('%s'): not a secret key of this plugin", key);
        return NULL;
    }
    const char *ref = h_config_str(i, key);
    if (!ref) return NULL;
    uint64_t now = mono_ms();
    for (struct secret_cache *c = i->secrets; c; c = c->next)
        if (strcmp(c->key, key) == 0 && now - c->at_ms < SECRET_CACHE_MS) return xstrdup(c->value);
    char err[256];
    char *v = secret_resolve(ref, err, sizeof err);
    if (!v) {
        inst_log(i, 0, "secret '%s': %s", key, err); /* err never holds the value */
        return NULL;
    }
    struct secret_cache *c = i->secrets;
    while (c && strcmp(c->key, key) != 0) c = c->next;
    if (!c) {
        c = xcalloc(1, sizeof *c);
        c->key = xstrdup(key);
        c->next = i->secrets;
        i->secrets = c;
    } else {
        hub_wipe(c->value, strlen(c->value));
        free(c->value);
    }
    c->value = xstrdup(v);
    c->at_ms = now;
    return v;
}

void inst_secrets_free(struct hub_instance *i)
{
    while (i->secrets) {
        struct secret_cache *c = i->secrets;
        i->secrets = c->next;
        hub_wipe(c->value, strlen(c->value));
        free(c->value);
        free(c->key);
        free(c);
    }
}

static void h_free_secret(char *s)
{
    if (s) hub_wipe(s, strlen(s));
    free(s);
}

static void h_free(void *p) { free(p); }

/* ------------------------------------------------------------ timers */
static void timer_fire(uv_timer_t *h)
{
    struct rt_timer *t = h->data;
    t->fn(t->arg);
}

static void timer_closed(uv_handle_t *h) { free(h->data); }

static uint64_t h_timer_start(struct hub_instance *i, uint64_t first_ms, uint64_t repeat_ms,
                              hub_timer_fn fn, void *arg)
{
    struct rt_timer *t = xcalloc(1, sizeof *t);
    t->id = ++i->next_timer_id;
    t->inst = i;
    t->fn = fn;
    t->arg = arg;
    uv_timer_init(i->rt->hubd->loop, &t->handle);
    t->handle.data = t;
    uv_timer_start(&t->handle, timer_fire, first_ms, repeat_ms);
    t->next = i->timers;
    i->timers = t;
    return t->id;
}

static void h_timer_stop(struct hub_instance *i, uint64_t id)
{
    for (struct rt_timer **pp = &i->timers; *pp; pp = &(*pp)->next) {
        if ((*pp)->id != id) continue;
        struct rt_timer *t = *pp;
        *pp = t->next;
        uv_timer_stop(&t->handle);
        uv_close((uv_handle_t *)&t->handle, timer_closed);
        return;
    }
}

static uint64_t h_now_ms(struct hub_instance *i) { (void)i; return now_ms(); }

/* ------------------------------------------------------------ outbound HTTP */
static int h_http(struct hub_instance *i, const struct hub_http_request *req, hub_http_done_fn done,
                  void *arg)
{
    if (i->mode == HUB_MODE_DRY_RUN) return dryrun_record(i, req, done, arg);
    if (i->mode == HUB_MODE_PAUSED) return -1;
    struct http_client *c = i->rt->hubd->client;
    if (!c) return -1;
    struct hub_http_request r = *req;
    if (!r.timeout_ms) r.timeout_ms = i->desc->limits.timeout_ms;
    return http_client_request(c, &r, done, arg, NULL);
}

/* ------------------------------------------------------------ inbound HTTP */
#define REQ(r) ((struct http_request *)(r))
static const char *h_req_method(struct hub_http_req *r) { return http_request_method(REQ(r)); }
static const char *h_req_path(struct hub_http_req *r) { return http_request_route_rest(REQ(r)); }
static const char *h_req_query(struct hub_http_req *r) { return http_request_query(REQ(r)); }
static const char *h_req_header(struct hub_http_req *r, const char *n) { return http_request_header(REQ(r), n); }
static const char *h_req_body(struct hub_http_req *r, size_t *len) { return http_request_body(REQ(r), len); }
static void h_respond(struct hub_http_req *r, int status, const struct hub_header *h, size_t n,
                      const char *body, size_t len)
{
    http_respond(REQ(r), status, h, n, body, len);
}

/* ------------------------------------------------------------ events */
/* The ABI minor the instance's plugin was built with: it decides whether the
 * plugin may be told HUB_EMIT_REFUSED (1.1) or only HUB_EMIT_FAILED (1.0). */
static unsigned inst_abi_minor(struct hub_instance *i)
{
    unsigned minor = 0;
    if (i->plugin) plugin_abi(i->plugin, NULL, &minor);
    else if (i->desc) minor = i->desc->abi_minor;
    return minor;
}

/* Queue one event or an array of them under one key: the first event carries
 * the key, the rest "<key>#<n>", so a redelivery is recognised event by event.
 * `done` runs once, after the last event's commit, with the outcome of all of
 * them in words the plugin's ABI knows (emit_report.h).  0 when queued (or
 * nothing to queue: done has run); -1 when nothing could be queued (done will
 * not run).  Consumes v. */
static int emit_value(struct hub_instance *i, const char *idem_key, json_t *v, hub_emit_done_fn done, void *arg)
{
    size_t n = json_is_object(v) ? 1 : json_array_size(v);
    if (n == 0) {
        json_decref(v);
        if (done) done(arg, HUB_EMIT_COMMITTED, NULL);
        return 0;
    }
    struct emit_report *r = done ? emit_report_new(inst_abi_minor(i), n, done, arg) : NULL;
    size_t queued = 0;
    for (size_t k = 0; k < n; k++) {
        json_t *ev = json_is_object(v) ? v : json_array_get(v, k);
        if (!json_object_get(ev, "channel")) json_object_set_new(ev, "channel", json_string(i->cfg->name));
        char *key = idem_key ? (k ? xasprintf("%s#%zu", idem_key, k) : xstrdup(idem_key)) : NULL;
        if (rt_emit(i->rt, i, key, ev, r ? emit_report_event : NULL, r) == 0) queued++;
        free(key);
    }
    json_decref(v);
    if (r) emit_report_queued(r, queued, "the tenant stopped accepting events");
    return queued ? 0 : -1;
}

static int h_emit(struct hub_instance *i, const char *idem_key, const char *events_json,
                  hub_emit_done_fn done, void *arg)
{
    json_error_t jerr;
    json_t *v = json_loads(events_json, 0, &jerr);
    if (!v || (!json_is_object(v) && !json_is_array(v))) {
        inst_log(i, 1, "emit: not a JSON event or array of events: %s", v ? "wrong type" : jerr.text);
        json_decref(v);
        return -1;
    }
    return emit_value(i, idem_key, v, done, arg);
}

/* from_channel on a parsed payload; NULL with *error. */
static json_t *map_events(struct hub_instance *i, const char *kind, json_t *payload, char **error)
{
    if (!i->tch->mapping) {
        *error = xasprintf("channel '%s' has no loaded mapping", i->cfg->name);
        return NULL;
    }
    if (!i->map_ctx) { /* the tenant's ctx never changes while hubd runs: built once */
        i->map_ctx = json_deep_copy(i->rt->t->ctx_base);
        json_object_set_new(i->map_ctx, "channel", json_string(i->cfg->name));
    }
    return mapping_from_channel(i->tch->mapping, kind, payload, i->map_ctx, error);
}

static int h_emit_mapped(struct hub_instance *i, const char *kind, const char *payload_json, size_t len,
                         const char *idem_key, hub_emit_done_fn done, void *arg, char **error)
{
    *error = NULL;
    json_error_t jerr;
    json_t *payload = json_loadb(payload_json, len, JSON_DECODE_ANY, &jerr);
    if (!payload) {
        *error = xasprintf("payload is not JSON: %s (line %d, column %d)", jerr.text, jerr.line, jerr.column);
        return -1;
    }
    json_t *events = map_events(i, kind, payload, error);
    json_decref(payload);
    if (!events) return -1;
    if (!json_is_array(events)) {
        json_decref(events);
        *error = xasprintf("from_channel did not return an array of events");
        return -1;
    }
    if (emit_value(i, idem_key, events, done, arg) != 0) {
        *error = xasprintf("tenant '%s' is not accepting events", i->rt->cfg->name);
        return -2;
    }
    return 0;
}

static char *h_map_from_channel(struct hub_instance *i, const char *kind, const char *payload_json,
                                char **error)
{
    *error = NULL;
    json_error_t jerr;
    json_t *payload = json_loads(payload_json, JSON_DECODE_ANY, &jerr);
    if (!payload) {
        *error = xasprintf("payload is not JSON: %s (line %d, column %d)", jerr.text, jerr.line, jerr.column);
        return NULL;
    }
    json_t *events = map_events(i, kind, payload, error);
    json_decref(payload);
    if (!events) return NULL;
    char *out = json_text(events, 0);
    json_decref(events);
    return out;
}

/* ------------------------------------------------------------ pushing and tasks */
static void h_push_done(struct hub_batch *b, const struct hub_push_result *r) { push_batch_done(b, r); }

static void h_rate_hint(struct hub_instance *i, double remaining, double capacity, double refill,
                        uint32_t retry_after_ms)
{
    bucket_hint(&i->bucket, remaining, capacity, refill, retry_after_ms, mono_ms());
}

static void h_reconcile_seen(struct hub_task *t, const char *sku, int64_t q, const char *payload)
{
    task_seen(t, sku, q, payload);
}

static void h_task_done(struct hub_task *t, int status, const char *message) { task_finish(t, status, message); }

/* ------------------------------------------------------------ the model, read only */
static char *read_doc(struct hub_instance *i, int product, const char *id)
{
    struct txn *txn = NULL;
    if (!id || txn_begin(i->rt->t->store, 0, &txn) != 0) return NULL;
    char *txt = NULL;
    size_t len;
    int rc = product ? store_product_get(txn, id, &txt, &len) : store_variant_get(txn, id, &txt, &len);
    txn_abort(txn);
    return rc == 0 ? txt : NULL;
}

static char *h_product_get(struct hub_instance *i, const char *id) { return read_doc(i, 1, id); }
static char *h_variant_get(struct hub_instance *i, const char *sku) { return read_doc(i, 0, sku); }

static int64_t h_available(struct hub_instance *i, const char *sku)
{
    struct txn *txn = NULL;
    if (!sku || txn_begin(i->rt->t->store, 0, &txn) != 0) return -1;
    int64_t a = engine_available(i->rt->t, txn, sku, i->cfg->name);
    txn_abort(txn);
    return a < 0 ? -1 : a;
}

static char *h_listing_get(struct hub_instance *i, const char *sku)
{
    struct txn *txn = NULL;
    if (!sku || txn_begin(i->rt->t->store, 0, &txn) != 0) return NULL;
    struct listing l = {.quantity = -1};
    char *out = NULL;
    if (store_listing_get(txn, i->cfg->name, sku, &l) == 0) {
        json_t *o = json_pack("{s:o, s:I, s:o, s:I}", "external",
                              l.external ? json_loads(l.external, 0, NULL) : json_null(), "quantity",
                              (json_int_t)l.quantity, "payload",
                              l.payload ? json_loads(l.payload, 0, NULL) : json_null(), "pushed_at",
                              (json_int_t)l.pushed_ms);
        if (o) out = json_text(o, 0);
        json_decref(o);
        listing_free(&l);
    }
    txn_abort(txn);
    return out;
}

struct each_listing {
    int (*cb)(void *arg, const char *sku, int64_t quantity, const char *payload_json);
    void *arg;
};

static int each_listing(void *arg, const char *sku, const struct listing *l)
{
    struct each_listing *e = arg;
    return e->cb(e->arg, sku, l->quantity, l->payload);
}

static int h_listings_each(struct hub_instance *i,
                           int (*cb)(void *arg, const char *sku, int64_t quantity, const char *payload_json),
                           void *arg)
{
    struct txn *txn = NULL;
    if (!cb || txn_begin(i->rt->t->store, 0, &txn) != 0) return -1;
    struct each_listing e = {cb, arg};
    int rc = store_listing_each(txn, i->cfg->name, each_listing, &e);
    txn_abort(txn);
    return rc < 0 ? -1 : 0;
}

static char *h_state_get(struct hub_instance *i, const char *name)
{
    struct txn *txn = NULL;
    if (!name || txn_begin(i->rt->t->store, 0, &txn) != 0) return NULL;
    char *v = NULL;
    if (store_state_get(txn, i->cfg->name, name, &v) != 0) v = NULL;
    txn_abort(txn);
    return v;
}

/* value NULL deletes (ABI 1.1). */
static int h_state_set(struct hub_instance *i, const char *name, const char *value)
{
    struct txn *txn = NULL;
    if (!name || txn_begin(i->rt->t->store, 1, &txn) != 0) return -1;
    if (store_state_set(txn, i->cfg->name, name, value) != 0) {
        txn_abort(txn);
        return -1;
    }
    return txn_commit(txn);
}

struct each_state {
    int (*cb)(void *arg, const char *name, const char *value);
    void *arg;
};

static int each_state(void *arg, const char *name, const char *value, size_t len)
{
    (void)len;
    struct each_state *e = arg;
    return e->cb(e->arg, name, value);
}

static int h_state_each(struct hub_instance *i, const char *prefix, const char *after, size_t max,
                        int (*cb)(void *arg, const char *name, const char *value), void *arg)
{
    struct txn *txn = NULL;
    if (!cb || txn_begin(i->rt->t->store, 0, &txn) != 0) return -1;
    struct each_state e = {cb, arg};
    int64_t n = store_state_each(txn, i->cfg->name, prefix, after, max, each_state, &e);
    txn_abort(txn);
    return n < 0 || n > INT32_MAX ? -1 : (int)n;
}

/* ------------------------------------------------------------ metrics */
/* Names a plugin has used, with their series: metric_add runs per webhook
 * and building the full name and looking the series up cost ~4k instructions. */
struct plugin_metric_cache {
    char *name;
    int gauge;
    struct metric *m;
    struct plugin_metric_cache *next;
};

void plugin_metric_cache_free(struct plugin_metric_cache *c)
{
    while (c) {
        struct plugin_metric_cache *next = c->next;
        free(c->name);
        free(c);
        c = next;
    }
}

static struct metric *plugin_metric(struct hub_instance *i, const char *name, int gauge)
{
    for (struct plugin_metric_cache *c = i->pmetrics; c; c = c->next)
        if (c->gauge == gauge && strcmp(c->name, name) == 0) return c->m;
    char full[160];
    snprintf(full, sizeof full, "hub_plugin_%s_%s", i->desc->name, name);
    for (char *p = full; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_'))
            *p = '_';
    struct metric_label labels[] = {{"tenant", i->rt->cfg->name}, {"channel", i->cfg->name}};
    struct metric *m = gauge ? metrics_gauge(metrics_default(), full, "plugin gauge", labels, 2)
                             : metrics_counter(metrics_default(), full, "plugin counter", labels, 2);
    if (m) {
        struct plugin_metric_cache *c = xcalloc(1, sizeof *c);
        c->name = xstrdup(name);
        c->gauge = gauge;
        c->m = m;
        c->next = i->pmetrics;
        i->pmetrics = c;
    }
    return m;
}

static void h_metric_add(struct hub_instance *i, const char *name, double delta)
{
    struct metric *m = plugin_metric(i, name, 0);
    if (m) metric_add(m, delta);
}

static void h_metric_set(struct hub_instance *i, const char *name, double value)
{
    struct metric *m = plugin_metric(i, name, 1);
    if (m) metric_set(m, value);
}

const struct hub_host hub_host_table = {
    .abi_major = HUB_ABI_MAJOR,
    .abi_minor = HUB_ABI_MINOR,
    .struct_size = sizeof(struct hub_host),
    .tenant = h_tenant,
    .channel = h_channel,
    .mode = h_mode,
    .log = h_log,
    .config_str = h_config_str,
    .config_int = h_config_int,
    .secret = h_secret,
    .free_secret = h_free_secret,
    .free = h_free,
    .timer_start = h_timer_start,
    .timer_stop = h_timer_stop,
    .now_ms = h_now_ms,
    .http = h_http,
    .req_method = h_req_method,
    .req_path = h_req_path,
    .req_query = h_req_query,
    .req_header = h_req_header,
    .req_body = h_req_body,
    .respond = h_respond,
    .emit = h_emit,
    .map_from_channel = h_map_from_channel,
    .emit_mapped = h_emit_mapped,
    .push_done = h_push_done,
    .rate_hint = h_rate_hint,
    .reconcile_seen = h_reconcile_seen,
    .task_done = h_task_done,
    .product_get = h_product_get,
    .variant_get = h_variant_get,
    .available = h_available,
    .listing_get = h_listing_get,
    .listings_each = h_listings_each,
    .state_get = h_state_get,
    .state_set = h_state_set,
    .metric_add = h_metric_add,
    .metric_set = h_metric_set,
    .hmac_sha256 = hub_hmac_sha256,
    .secure_equal = hub_secure_equal,
    .base64_encode = hub_base64_encode,
    .hex_encode = hub_hex_encode,
    .state_each = h_state_each,
};
