/*
 * test_example_http.c - plugins/example in HTTP mode and its webhook route,
 * loaded through the real loader and driven through a fake host table whose
 * host->http records each request and lets the test answer it: the exact
 * calls a batch makes, one push_done per batch with one result per item,
 * every answer class (ok, invalid, 429, 5xx, transport, malformed, 401, 400,
 * dry-run), rate hints, reconcile paging and waiting, and the webhook's
 * signature / event id / topic / JSON / mapping checks and emit outcomes.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "common/crypto.h"
#include "common/util.h"
#include "plugin/loader.h"

#define MAX_REQ 16
#define MAX_ITEMS 8

struct fake_req {
    char *method, *url, *auth, *body;
    uint32_t timeout_ms;
    hub_http_done_fn done;
    void *arg;
};

struct hint {
    double remaining, capacity, refill;
    uint32_t retry_after_ms;
};

struct hub_instance {
    const char *url, *path, *token_ref, *whs_ref;
    const char *token, *whs; /* the secrets' values */
    int http_rc, emit_rc;
    struct fake_req req[MAX_REQ];
    size_t n_req;
    struct hint hints[MAX_REQ];
    size_t n_hints;
    int errors_logged;
    char last_log[512], last_error[512], last_info[512];
    uint64_t now;
    hub_timer_fn timer_fn;
    void *timer_arg;
    int timers_started, timers_stopped;
    /* emit / map */
    char *emit_key, *emit_events, *map_kind;
    hub_emit_done_fn emit_done;
    void *emit_arg;
    const char *map_error;
};

struct hub_batch {
    int done_calls;
    size_t n;
    enum hub_result status[MAX_ITEMS];
    char *message[MAX_ITEMS];
    char *external[MAX_ITEMS];
    uint32_t retry_after[MAX_ITEMS];
};

struct hub_task {
    int done_calls, status;
    char *message;
    size_t n_seen;
    char *sku[64];
    int64_t quantity[64];
};

struct hub_http_req {
    const char *method;
    const char *hdr_name[4], *hdr_value[4];
    const char *body;
    int status; /* 0 until answered */
    char *answer;
    int answers;
};

/* ------------------------------------------------------------------ fake host */
static char *dupn(const char *s, size_t n) { return xasprintf("%.*s", (int)n, s); }

static const char *fh_tenant(struct hub_instance *i) { (void)i; return "acme"; }
static const char *fh_channel(struct hub_instance *i) { (void)i; return "example"; }
static enum hub_mode fh_mode(struct hub_instance *i) { (void)i; return HUB_MODE_LIVE; }
static void fh_log(struct hub_instance *i, enum hub_log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(i->last_log, sizeof i->last_log, fmt, ap);
    va_end(ap);
    if (level == HUB_LOG_ERROR) {
        i->errors_logged++;
        str_copy(i->last_error, i->last_log, sizeof i->last_error);
    }
    if (level == HUB_LOG_INFO) str_copy(i->last_info, i->last_log, sizeof i->last_info);
}
static const char *fh_config_str(struct hub_instance *i, const char *key)
{
    if (strcmp(key, "url") == 0) return i->url;
    if (strcmp(key, "path") == 0) return i->path;
    if (strcmp(key, "token") == 0) return i->token_ref;
    if (strcmp(key, "webhook_secret") == 0) return i->whs_ref;
    return NULL;
}
static int64_t fh_config_int(struct hub_instance *i, const char *key)
{
    (void)i;
    if (strcmp(key, "timeout") == 0) return 1500;
    if (strcmp(key, "auth_retry") == 0) return 5000;
    return 0;
}
static char *fh_secret(struct hub_instance *i, const char *key)
{
    const char *v = strcmp(key, "token") == 0 ? i->token : strcmp(key, "webhook_secret") == 0 ? i->whs : NULL;
    return v ? xstrdup(v) : NULL;
}
static void fh_free(void *p) { free(p); }
static void fh_free_secret(char *p) { free(p); }
static uint64_t fh_timer_start(struct hub_instance *i, uint64_t first, uint64_t repeat, hub_timer_fn fn, void *arg)
{
    (void)first;
    (void)repeat;
    i->timer_fn = fn;
    i->timer_arg = arg;
    return (uint64_t)++i->timers_started;
}
static void fh_timer_stop(struct hub_instance *i, uint64_t id)
{
    (void)id;
    i->timers_stopped++;
}
static uint64_t fh_now_ms(struct hub_instance *i) { return i->now; }
static int fh_http(struct hub_instance *i, const struct hub_http_request *r, hub_http_done_fn done, void *arg)
{
    if (i->http_rc) return i->http_rc;
    assert_true(i->n_req < MAX_REQ);
    struct fake_req *q = &i->req[i->n_req++];
    q->method = xstrdup(r->method);
    q->url = xstrdup(r->url);
    q->body = r->body ? dupn(r->body, r->body_len) : NULL;
    for (size_t k = 0; k < r->n_headers; k++)
        if (strcmp(r->headers[k].name, "Authorization") == 0) q->auth = xstrdup(r->headers[k].value);
    q->timeout_ms = r->timeout_ms;
    q->done = done;
    q->arg = arg;
    return 0;
}
static void fh_push_done(struct hub_batch *b, const struct hub_push_result *r)
{
    b->done_calls++;
    for (size_t k = 0; k < b->n; k++) {
        b->status[k] = r[k].status;
        b->message[k] = r[k].message ? xstrdup(r[k].message) : NULL;
        b->external[k] = r[k].external ? xstrdup(r[k].external) : NULL;
        b->retry_after[k] = r[k].retry_after_ms;
    }
}
static void fh_rate_hint(struct hub_instance *i, double rem, double cap, double refill, uint32_t ra)
{
    assert_true(i->n_hints < MAX_REQ);
    i->hints[i->n_hints++] = (struct hint){rem, cap, refill, ra};
}
static void fh_seen(struct hub_task *t, const char *sku, int64_t q, const char *payload)
{
    assert_null(payload);
    t->sku[t->n_seen] = xstrdup(sku);
    t->quantity[t->n_seen++] = q;
}
static void fh_task_done(struct hub_task *t, int status, const char *message)
{
    t->done_calls++;
    t->status = status;
    t->message = message ? xstrdup(message) : NULL;
}
static const char *fh_req_method(struct hub_http_req *r) { return r->method; }
static const char *fh_req_header(struct hub_http_req *r, const char *name)
{
    for (int k = 0; k < 4; k++)
        if (r->hdr_name[k] && strcasecmp(r->hdr_name[k], name) == 0) return r->hdr_value[k];
    return NULL;
}
static const char *fh_req_body(struct hub_http_req *r, size_t *len)
{
    *len = strlen(r->body);
    return r->body;
}
static void fh_respond(struct hub_http_req *r, int status, const struct hub_header *h, size_t n,
                       const char *body, size_t len)
{
    (void)h;
    (void)n;
    r->answers++;
    r->status = status;
    free(r->answer);
    r->answer = dupn(body, len);
}
static int fh_emit(struct hub_instance *i, const char *key, const char *events, hub_emit_done_fn done, void *arg)
{
    if (i->emit_rc) return i->emit_rc;
    free(i->emit_key);
    free(i->emit_events);
    i->emit_key = xstrdup(key);
    i->emit_events = xstrdup(events);
    i->emit_done = done;
    i->emit_arg = arg;
    return 0;
}
static char *fh_map(struct hub_instance *i, const char *kind, const char *payload, char **error)
{
    (void)payload;
    free(i->map_kind);
    i->map_kind = xstrdup(kind);
    if (i->map_error) {
        *error = xstrdup(i->map_error);
        return NULL;
    }
    return xstrdup("[{\"type\":\"order.created\",\"order_id\":\"1\",\"lines\":[]}]");
}

/* map + emit in one step, as the core does it: mapping errors are -1, a
 * refusal to queue is -2. */
static int fh_emit_mapped(struct hub_instance *i, const char *kind, const char *payload, size_t len,
                          const char *key, hub_emit_done_fn done, void *arg, char **error)
{
    (void)len;
    char *events = fh_map(i, kind, payload, error);
    if (!events) return -1;
    int rc = fh_emit(i, key, events, done, arg);
    free(events);
    if (rc != 0) {
        *error = xstrdup("not accepting events");
        return -2;
    }
    return 0;
}

static struct hub_host fake_host(void)
{
    return (struct hub_host){
        .abi_major = HUB_ABI_MAJOR, .abi_minor = HUB_ABI_MINOR,
        .struct_size = (uint32_t)sizeof(struct hub_host),
        .tenant = fh_tenant, .channel = fh_channel, .mode = fh_mode, .log = fh_log,
        .config_str = fh_config_str, .config_int = fh_config_int, .secret = fh_secret,
        .free_secret = fh_free_secret, .free = fh_free, .timer_start = fh_timer_start,
        .timer_stop = fh_timer_stop, .now_ms = fh_now_ms, .http = fh_http,
        .req_method = fh_req_method, .req_header = fh_req_header, .req_body = fh_req_body,
        .respond = fh_respond, .emit = fh_emit, .map_from_channel = fh_map, .emit_mapped = fh_emit_mapped,
        .push_done = fh_push_done, .rate_hint = fh_rate_hint, .reconcile_seen = fh_seen,
        .task_done = fh_task_done, .hmac_sha256 = hub_hmac_sha256,
        .secure_equal = hub_secure_equal, .base64_encode = hub_base64_encode,
    };
}

/* ------------------------------------------------------------------ fixture */
struct fixture {
    struct plugin_handle *plugin;
    const struct hub_plugin *d;
    struct hub_host host;
    struct hub_instance inst;
    void *ctx;
    struct hub_batch batch;
};

static int setup(void **state)
{
    struct fixture *f = xcalloc(1, sizeof *f);
    char dir[PATH_MAX];
    const char *env = getenv("HUB_PLUGIN_DIR");
    if (env && env[0]) {
        str_copy(dir, env, sizeof dir);
    } else { /* build/tests/x -> plugins/ ; build-san/tests/x -> build-san/plugins/ */
        char exe[PATH_MAX / 2];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        assert_true(n > 0);
        exe[n] = '\0';
        for (int k = 0; k < 2; k++) *strrchr(exe, '/') = '\0';
        if (strcmp(strrchr(exe, '/') + 1, "build-san") != 0) *strrchr(exe, '/') = '\0';
        snprintf(dir, sizeof dir, "%s/plugins", exe);
    }
    char err[512];
    if (plugin_load(dir, "example", &f->plugin, err, sizeof err) != 0) {
        free(f);
        fail_msg("%s", err);
    }
    f->d = plugin_descriptor(f->plugin);
    f->host = fake_host();
    f->inst = (struct hub_instance){.url = "http://chan.test:81/", .token_ref = "env:T", .token = "tok-1",
                                    .whs_ref = "env:W", .whs = "whsec", .now = 1000000};
    *state = f;
    return 0;
}

static void batch_clear(struct hub_batch *b)
{
    for (size_t k = 0; k < MAX_ITEMS; k++) {
        free(b->message[k]);
        free(b->external[k]);
    }
    memset(b, 0, sizeof *b);
}

static void reqs_clear(struct hub_instance *i)
{
    for (size_t k = 0; k < i->n_req; k++) {
        free(i->req[k].method);
        free(i->req[k].url);
        free(i->req[k].auth);
        free(i->req[k].body);
    }
    i->n_req = 0;
    memset(i->req, 0, sizeof i->req);
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    if (f->ctx) f->d->destroy(f->ctx);
    batch_clear(&f->batch);
    reqs_clear(&f->inst);
    free(f->inst.emit_key);
    free(f->inst.emit_events);
    free(f->inst.map_kind);
    plugin_unload(f->plugin);
    free(f);
    return 0;
}

static void start(struct fixture *f)
{
    assert_int_equal(f->d->init(&f->host, &f->inst, &f->ctx), 0);
    assert_int_equal(f->d->start(f->ctx), 0);
}

/* Answer request k: status, "name: value" headers (lower-case names), body. */
static void answer(struct fixture *f, size_t k, int status, const char *const *hdrs, const char *body, int dry)
{
    struct hub_header h[8];
    char names[8][64];
    size_t n = 0;
    for (; hdrs && hdrs[n]; n++) {
        const char *colon = strchr(hdrs[n], ':');
        snprintf(names[n], sizeof names[n], "%.*s", (int)(colon - hdrs[n]), hdrs[n]);
        h[n] = (struct hub_header){names[n], colon + 2};
    }
    struct hub_http_response r = {.status = status, .error = status ? NULL : "timeout after 1500 ms",
                                  .headers = h, .n_headers = n, .body = body ? body : "",
                                  .body_len = body ? strlen(body) : 0, .dry_run = dry};
    assert_true(k < f->inst.n_req);
    f->inst.req[k].done(f->inst.req[k].arg, &r);
}

#define STOCK(id, s, q) {.op_id = (id), .kind = HUB_OP_STOCK, .sku = (s), .quantity = (q), .shadow_quantity = -1}
#define LISTING(id, s, p, ext) {.op_id = (id), .kind = HUB_OP_LISTING, .sku = (s), .payload = (p), .payload_len = sizeof(p) - 1, .external = (ext), .shadow_quantity = -1}

static void push(struct fixture *f, const struct hub_push_item *items, size_t n)
{
    batch_clear(&f->batch);
    reqs_clear(&f->inst);
    f->inst.n_hints = 0;
    f->batch.n = n;
    f->d->push_batch(f->ctx, &f->batch, items, n);
}

static const char *const RATE[] = {"x-ratelimit-limit: 10", "x-ratelimit-remaining: 4",
                                   "x-ratelimit-reset-ms: 3000", NULL};

/* ------------------------------------------------------------------ tests */
static void test_init_modes(void **state)
{
    struct fixture *f = *state;
    void *ctx = NULL;
    f->inst.path = "/tmp/x.jsonl";
    assert_int_equal(f->d->init(&f->host, &f->inst, &ctx), -1);
    assert_non_null(strstr(f->inst.last_error, "not both"));
    f->inst.path = NULL;
    f->inst.token_ref = NULL;
    assert_int_equal(f->d->init(&f->host, &f->inst, &ctx), -1);
    assert_non_null(strstr(f->inst.last_log, "'token' is required"));
    f->inst.token_ref = "env:T";
    f->inst.token = NULL; /* the reference does not resolve */
    assert_int_equal(f->d->init(&f->host, &f->inst, &ctx), -1);
    assert_non_null(strstr(f->inst.last_log, "cannot be resolved"));
}

static void test_push_two_calls_one_answer(void **state)
{
    struct fixture *f = *state;
    start(f);
    const struct hub_push_item items[] = {
        STOCK(1, "A", 5),
        LISTING(2, "B", "{\"title\":\"Mug\"}", NULL),
        {.op_id = 3, .kind = HUB_OP_DELETE, .sku = "D"},
        STOCK(4, "C", 0),
        LISTING(5, "E", "{\"title\":\"Cup\"}", "{\"example_id\":\"L-2\"}"),
    };
    push(f, items, 5);
    assert_int_equal(f->inst.n_req, 1); /* the listings wait for the inventory answer */
    struct fake_req *q = &f->inst.req[0];
    assert_string_equal(q->method, "POST");
    assert_string_equal(q->url, "http://chan.test:81/v1/inventory");
    assert_string_equal(q->auth, "Bearer tok-1");
    assert_int_equal(q->timeout_ms, 1500);
    assert_string_equal(q->body, "{\"items\":[{\"sku\":\"A\",\"quantity\":5},{\"sku\":\"C\",\"quantity\":0}]}");
    answer(f, 0, 200, RATE, "{\"results\":[{\"sku\":\"A\",\"status\":\"ok\"},{\"sku\":\"C\",\"status\":\"ok\"}]}", 0);
    assert_int_equal(f->batch.done_calls, 0);
    assert_int_equal(f->inst.n_req, 2);
    assert_string_equal(f->inst.req[1].url, "http://chan.test:81/v1/listings");
    assert_string_equal(f->inst.req[1].body,
                        "{\"items\":[{\"sku\":\"B\",\"listing\":{\"title\":\"Mug\"}},"
                        "{\"sku\":\"E\",\"listing\":{\"title\":\"Cup\"}}]}");
    answer(f, 1, 200, NULL,
           "{\"results\":[{\"sku\":\"B\",\"status\":\"ok\",\"id\":\"L-9\"},{\"sku\":\"E\",\"status\":\"ok\",\"id\":\"L-2\"}]}", 0);
    assert_int_equal(f->batch.done_calls, 1);
    assert_int_equal(f->batch.status[0], HUB_OK);
    assert_null(f->batch.external[0]);
    assert_int_equal(f->batch.status[1], HUB_OK);
    assert_string_equal(f->batch.external[1], "{\"example_id\":\"L-9\"}");
    assert_int_equal(f->batch.status[2], HUB_FATAL);
    assert_non_null(strstr(f->batch.message[2], "no delete"));
    assert_int_equal(f->batch.status[3], HUB_OK);
    assert_int_equal(f->batch.status[4], HUB_OK);
    assert_null(f->batch.external[4]); /* id already known */
    /* The channel's budget went to the core: 4 of 10 left, 6 refill in 3 s. */
    assert_int_equal(f->inst.n_hints, 1);
    assert_true(f->inst.hints[0].remaining == 4 && f->inst.hints[0].capacity == 10);
    assert_true(f->inst.hints[0].refill == 2.0 && f->inst.hints[0].retry_after_ms == 0);
}

static void test_invalid_item_is_fatal_with_channel_text(void **state)
{
    struct fixture *f = *state;
    start(f);
    const struct hub_push_item items[] = {STOCK(1, "A", -3), STOCK(2, "B", 4), STOCK(3, "C", 1)};
    push(f, items, 3);
    answer(f, 0, 200, NULL,
           "{\"results\":[{\"sku\":\"A\",\"status\":\"error\",\"code\":\"invalid\",\"message\":\"quantity -3 is negative\"},"
           "{\"sku\":\"B\",\"status\":\"ok\"},{\"sku\":\"C\",\"status\":\"error\",\"code\":\"busy\"}]}", 0);
    assert_int_equal(f->batch.done_calls, 1);
    assert_int_equal(f->batch.status[0], HUB_FATAL);
    assert_string_equal(f->batch.message[0], "quantity -3 is negative");
    assert_int_equal(f->batch.status[1], HUB_OK);
    assert_int_equal(f->batch.status[2], HUB_RETRY); /* not "invalid": transient */
}

static void test_429_stops_the_batch(void **state)
{
    struct fixture *f = *state;
    start(f);
    const struct hub_push_item items[] = {STOCK(1, "A", 1), LISTING(2, "B", "{}", NULL)};
    push(f, items, 2);
    const char *const h[] = {"retry-after: 3", "x-ratelimit-limit: 10", "x-ratelimit-remaining: 0", NULL};
    answer(f, 0, 429, h, "{\"error\":\"rate limited\"}", 0);
    assert_int_equal(f->batch.done_calls, 1);
    assert_int_equal(f->inst.n_req, 1); /* the listing call was not sent */
    for (int k = 0; k < 2; k++) {
        assert_int_equal(f->batch.status[k], HUB_RETRY);
        assert_int_equal(f->batch.retry_after[k], 3000);
    }
    assert_int_equal(f->inst.n_hints, 1);
    assert_true(f->inst.hints[0].remaining == 0 && f->inst.hints[0].retry_after_ms == 3000);
    /* No Retry-After: one second. */
    push(f, items, 1);
    answer(f, 0, 429, NULL, "", 0);
    assert_int_equal(f->batch.retry_after[0], 1000);
}

static void test_transient_and_refused_answers(void **state)
{
    struct fixture *f = *state;
    start(f);
    const struct hub_push_item items[] = {STOCK(1, "A", 1)};
    struct { int status; const char *body; enum hub_result want; const char *text; } cases[] = {
        {503, "{\"error\":\"down\"}", HUB_RETRY, "HTTP 503: down"},
        {0, NULL, HUB_RETRY, "timeout after 1500 ms"},
        {200, "<html>oops", HUB_RETRY, "malformed answer"},
        {200, "{\"results\":[]}", HUB_RETRY, "do not match"},
        {200, "{\"results\":[{\"sku\":\"Z\",\"status\":\"ok\"}]}", HUB_RETRY, "do not match"},
        {400, "{\"error\":\"too many items: 101 > 100\"}", HUB_FATAL, "HTTP 400: too many items: 101 > 100"},
        {422, "plain text", HUB_FATAL, "HTTP 422: plain text"},
    };
    for (size_t c = 0; c < ARRAY_LEN(cases); c++) {
        push(f, items, 1);
        answer(f, 0, cases[c].status, NULL, cases[c].body, 0);
        assert_int_equal(f->batch.done_calls, 1);
        assert_int_equal(f->batch.status[0], cases[c].want);
        assert_non_null(strstr(f->batch.message[0], cases[c].text));
        assert_int_equal(f->batch.retry_after[0], 0);
    }
    assert_int_equal(f->inst.errors_logged, 0);
}

static void test_401_waits_and_logs_once(void **state)
{
    struct fixture *f = *state;
    start(f);
    const struct hub_push_item items[] = {STOCK(1, "A", 1)};
    for (int round = 0; round < 2; round++) {
        push(f, items, 1);
        answer(f, 0, 401, NULL, "{\"error\":\"invalid or missing bearer token\"}", 0);
        assert_int_equal(f->batch.status[0], HUB_RETRY);
        assert_int_equal(f->batch.retry_after[0], 5000); /* auth_retry */
        assert_true(f->inst.hints[0].retry_after_ms == 5000);
        assert_int_equal(f->inst.errors_logged, 1); /* once, not per call */
    }
    assert_non_null(strstr(f->inst.last_error, "invalid or missing bearer token"));
    assert_non_null(strstr(f->inst.last_error, "HTTP 401"));
    assert_null(strstr(f->inst.last_error, "tok-1")); /* never the secret */
    push(f, items, 1);
    answer(f, 0, 200, NULL, "{\"results\":[{\"sku\":\"A\",\"status\":\"ok\"}]}", 0);
    assert_int_equal(f->batch.status[0], HUB_OK);
    assert_non_null(strstr(f->inst.last_info, "accepts our calls again"));
}

static void test_dry_run_and_refused_request(void **state)
{
    struct fixture *f = *state;
    start(f);
    const struct hub_push_item items[] = {STOCK(1, "A", 1), LISTING(2, "B", "{}", NULL)};
    push(f, items, 2);
    answer(f, 0, 200, NULL, NULL, 1);
    answer(f, 1, 200, NULL, NULL, 1);
    assert_int_equal(f->batch.done_calls, 1);
    assert_int_equal(f->batch.status[0], HUB_OK);
    assert_int_equal(f->batch.status[1], HUB_OK);
    assert_null(f->batch.external[1]);
    /* host->http refuses (paused): answered at once, RETRY. */
    f->inst.http_rc = -1;
    push(f, items, 2);
    assert_int_equal(f->batch.done_calls, 1);
    assert_int_equal(f->batch.status[0], HUB_RETRY);
    assert_int_equal(f->batch.status[1], HUB_RETRY);
}

static void test_reconcile_pages_and_errors(void **state)
{
    struct fixture *f = *state;
    start(f);
    struct hub_task t = {0};
    reqs_clear(&f->inst);
    f->d->reconcile(f->ctx, &t, NULL, 0);
    assert_int_equal(f->inst.n_req, 1);
    assert_string_equal(f->inst.req[0].method, "GET");
    assert_string_equal(f->inst.req[0].url, "http://chan.test:81/v1/inventory");
    answer(f, 0, 200, NULL, "{\"items\":[{\"sku\":\"A\",\"quantity\":3},{\"sku\":\"B\",\"quantity\":0},{\"bad\":1}]}", 0);
    assert_int_equal(t.done_calls, 1);
    assert_int_equal(t.status, 0);
    assert_int_equal(t.n_seen, 2);
    assert_string_equal(t.sku[0], "A");
    assert_int_equal(t.quantity[0], 3);
    for (size_t k = 0; k < t.n_seen; k++) free(t.sku[k]);

    /* 60 SKUs: two calls of at most 50, escaped. */
    char *names[60];
    const char *skus[60];
    for (int k = 0; k < 60; k++) {
        names[k] = xasprintf(k == 0 ? "A B/%d" : "S%d", k);
        skus[k] = names[k];
    }
    memset(&t, 0, sizeof t);
    reqs_clear(&f->inst);
    f->d->reconcile(f->ctx, &t, skus, 60);
    assert_int_equal(f->inst.n_req, 1);
    assert_non_null(strstr(f->inst.req[0].url, "/v1/inventory?skus=A%20B%2F0,S1,S2,"));
    assert_non_null(strstr(f->inst.req[0].url, ",S49"));
    assert_null(strstr(f->inst.req[0].url, "S50"));
    answer(f, 0, 200, NULL, "{\"items\":[]}", 0);
    assert_int_equal(f->inst.n_req, 2);
    assert_non_null(strstr(f->inst.req[1].url, "?skus=S50,S51"));
    answer(f, 1, 500, NULL, "{\"error\":\"boom\"}", 0);
    assert_int_equal(t.done_calls, 1);
    assert_int_equal(t.status, -1);
    assert_non_null(strstr(t.message, "boom"));
    free(t.message);
    for (int k = 0; k < 60; k++) free(names[k]);
}

static void test_reconcile_waits_for_retry_after(void **state)
{
    struct fixture *f = *state;
    start(f);
    const struct hub_push_item items[] = {STOCK(1, "A", 1)};
    push(f, items, 1);
    const char *const h[] = {"retry-after: 2", NULL};
    answer(f, 0, 429, h, "", 0);
    struct hub_task t = {0};
    reqs_clear(&f->inst);
    f->inst.now += 500; /* 1.5 s of the wait left */
    f->d->reconcile(f->ctx, &t, NULL, 0);
    assert_int_equal(f->inst.n_req, 0); /* waits on a timer */
    assert_int_equal(f->inst.timers_started, 1);
    f->inst.now += 1500;
    f->inst.timer_fn(f->inst.timer_arg);
    assert_int_equal(f->inst.timers_stopped, 1);
    assert_int_equal(f->inst.n_req, 1);
    answer(f, 0, 200, NULL, "{\"items\":[]}", 0);
    assert_int_equal(t.done_calls, 1);
    assert_int_equal(t.status, 0);
    /* A reconcile waiting when the channel stops ends with an error. */
    push(f, items, 1);
    answer(f, 0, 429, h, "", 0);
    memset(&t, 0, sizeof t);
    f->d->reconcile(f->ctx, &t, NULL, 0);
    f->d->stop(f->ctx);
    assert_int_equal(t.done_calls, 1);
    assert_int_equal(t.status, -1);
    free(t.message);
}

/* ------------------------------------------------------------------ webhooks */
static struct hub_http_req webhook_req(const char *secret, const char *body, const char *event, const char *topic,
                                       char sig[45])
{
    unsigned char mac[32];
    hub_hmac_sha256(secret, strlen(secret), body, strlen(body), mac);
    hub_base64_encode(mac, sizeof mac, sig);
    return (struct hub_http_req){.method = "POST", .body = body,
                                 .hdr_name = {"X-Example-Signature", "X-Example-Event-Id", "X-Example-Topic"},
                                 .hdr_value = {sig, event, topic}};
}

static void test_webhook_answers_after_commit(void **state)
{
    struct fixture *f = *state;
    start(f);
    const struct hub_route *route = &f->d->routes[0];
    const char *body = "{\"id\":\"1001\",\"status\":\"open\",\"lines\":[{\"sku\":\"A\",\"quantity\":1}]}";
    char sig[45];
    /* FAILED: not recorded, the channel delivers again (503); REFUSED (ABI
     * 1.1): refused for its content, a redelivery will not help (422, the
     * hub's reason in the body); -7: a status this build does not know is
     * taken as FAILED. */
    enum hub_emit_status outcome[] = {HUB_EMIT_COMMITTED, HUB_EMIT_DUPLICATE, HUB_EMIT_FAILED, HUB_EMIT_REFUSED,
                                      (enum hub_emit_status)-7};
    const char *message[] = {NULL, NULL, "disk full", "SKU GHOST is not in the catalog", "something new"};
    const char *want[] = {"{\"status\":\"committed\"}", "{\"status\":\"duplicate\"}",
                          "{\"error\":\"not recorded: disk full\"}",
                          "{\"error\":\"refused: SKU GHOST is not in the catalog\"}",
                          "{\"error\":\"not recorded: something new\"}"};
    int want_status[] = {200, 200, 503, 422, 503};
    for (int k = 0; k < 5; k++) {
        struct hub_http_req r = webhook_req("whsec", body, "ev-1", "order.created", sig);
        route->handle(f->ctx, &r);
        assert_int_equal(r.answers, 0); /* not before the commit */
        assert_string_equal(f->inst.emit_key, "example:ev-1");
        assert_string_equal(f->inst.map_kind, "order");
        f->inst.emit_done(f->inst.emit_arg, outcome[k], message[k]);
        assert_int_equal(r.answers, 1);
        assert_int_equal(r.status, want_status[k]);
        assert_string_equal(r.answer, want[k]);
        free(r.answer);
    }
    struct hub_http_req r = webhook_req("whsec", body, "ev-2", "order.cancelled", sig);
    route->handle(f->ctx, &r);
    assert_string_equal(f->inst.map_kind, "order.cancelled");
    f->inst.emit_done(f->inst.emit_arg, HUB_EMIT_COMMITTED, NULL);
    free(r.answer);
}

static void test_webhook_refusals(void **state)
{
    struct fixture *f = *state;
    start(f);
    const struct hub_route *route = &f->d->routes[0];
    const char *good = "{\"id\":\"1\"}";
    char sig[45];
    struct { const char *secret, *body, *event, *topic; int status; const char *text; } cases[] = {
        {"other", good, "e1", "order.created", 401, "bad signature"},
        {"whsec", good, NULL, "order.created", 400, "missing X-Example-Event-Id"},
        {"whsec", good, "has space", "order.created", 400, "printable"},
        {"whsec", good, "e2", NULL, 400, "missing X-Example-Topic"},
        {"whsec", "not json", "e3", "order.created", 400, "not a JSON object"},
        {"whsec", "[1]", "e4", "order.created", 400, "not a JSON object"},
        {"whsec", good, "e5", "product.updated", 200, "ignored"},
    };
    for (size_t k = 0; k < ARRAY_LEN(cases); k++) {
        struct hub_http_req r = webhook_req(cases[k].secret, cases[k].body, cases[k].event, cases[k].topic, sig);
        route->handle(f->ctx, &r);
        assert_int_equal(r.answers, 1);
        assert_int_equal(r.status, cases[k].status);
        assert_non_null(strstr(r.answer, cases[k].text));
        free(r.answer);
    }
    /* A missing signature header. */
    struct hub_http_req r = webhook_req("whsec", good, "e6", "order.created", sig);
    r.hdr_name[0] = "X-Other";
    route->handle(f->ctx, &r);
    assert_int_equal(r.status, 401);
    free(r.answer);
    assert_null(f->inst.emit_key); /* nothing was emitted */
    /* The mapping refuses: 422 with its message. */
    f->inst.map_error = "line 1 needs a sku";
    r = webhook_req("whsec", good, "e7", "order.created", sig);
    route->handle(f->ctx, &r);
    assert_int_equal(r.status, 422);
    assert_non_null(strstr(r.answer, "line 1 needs a sku"));
    free(r.answer);
    f->inst.map_error = NULL;
    /* emit refuses outright: 503, done never runs. */
    f->inst.emit_rc = -1;
    r = webhook_req("whsec", good, "e8", "order.created", sig);
    route->handle(f->ctx, &r);
    assert_int_equal(r.status, 503);
    free(r.answer);
    assert_null(f->inst.emit_key);
    /* No webhook_secret: webhooks are off. */
    f->inst.whs_ref = NULL;
    r = webhook_req("whsec", good, "e9", "order.created", sig);
    route->handle(f->ctx, &r);
    assert_int_equal(r.status, 404);
    free(r.answer);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_init_modes),
        T(test_push_two_calls_one_answer),
        T(test_invalid_item_is_fatal_with_channel_text),
        T(test_429_stops_the_batch),
        T(test_transient_and_refused_answers),
        T(test_401_waits_and_logs_once),
        T(test_dry_run_and_refused_request),
        T(test_reconcile_pages_and_errors),
        T(test_reconcile_waits_for_retry_after),
        T(test_webhook_answers_after_commit),
        T(test_webhook_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
