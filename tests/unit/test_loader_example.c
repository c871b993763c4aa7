/*
 * test_loader_example.c - plugins/example loaded through the real loader and
 * driven through a fake host table (defined here): the exact JSON lines it
 * appends per batch, one push_done per batch with one result per item,
 * external ids on listing creation, fail_skus -> FATAL, retry_every -> RETRY,
 * reconcile reporting what was pushed, and HUB_HOST_HAS feature detection.
 * (The HTTP mode and the webhook route: test_example_http.c.)
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/util.h"
#include "plugin/loader.h"

/* ------------------------------------------------------------------ fake host */

/* The opaque types of hub/host.h, as this test's fake core sees them. */
struct hub_instance {
    const char *path, *fail_skus;
    int64_t retry_every, fsync;
    int metric_calls;
    double batches_metric;
    char last_log[512];
};

#define MAX_ITEMS 16
struct hub_batch {
    int done_calls;
    size_t n;
    enum hub_result status[MAX_ITEMS];
    char *message[MAX_ITEMS];
    char *external[MAX_ITEMS];
};

#define MAX_SEEN 16
struct hub_task {
    int done_calls;
    int status;
    size_t n_seen;
    char *sku[MAX_SEEN];
    int64_t quantity[MAX_SEEN];
    char *payload[MAX_SEEN];
};

static const char *fh_tenant(struct hub_instance *inst)
{
    (void)inst;
    return "acme";
}
static const char *fh_channel(struct hub_instance *inst)
{
    (void)inst;
    return "example";
}
static void fh_log(struct hub_instance *inst, enum hub_log_level level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(inst->last_log, sizeof inst->last_log, fmt, ap);
    va_end(ap);
    fprintf(stderr, "fake-host log %d: %s\n", (int)level, inst->last_log);
}
static const char *fh_config_str(struct hub_instance *inst, const char *key)
{
    if (strcmp(key, "path") == 0) return inst->path;
    if (strcmp(key, "fail_skus") == 0) return inst->fail_skus;
    return NULL;
}
static int64_t fh_config_int(struct hub_instance *inst, const char *key)
{
    if (strcmp(key, "retry_every") == 0) return inst->retry_every;
    if (strcmp(key, "fsync") == 0) return inst->fsync;
    fail_msg("config_int of unexpected key %s", key);
    return 0;
}
static void fh_push_done(struct hub_batch *b, const struct hub_push_result *r)
{
    b->done_calls++;
    for (size_t i = 0; i < b->n; i++) { /* the core copies what it keeps */
        b->status[i] = r[i].status;
        b->message[i] = r[i].message ? xstrdup(r[i].message) : NULL;
        b->external[i] = r[i].external ? xstrdup(r[i].external) : NULL;
    }
}
static void fh_reconcile_seen(struct hub_task *t, const char *sku, int64_t q, const char *payload)
{
    assert_true(t->n_seen < MAX_SEEN);
    t->sku[t->n_seen] = xstrdup(sku);
    t->quantity[t->n_seen] = q;
    t->payload[t->n_seen] = payload ? xstrdup(payload) : NULL;
    t->n_seen++;
}
static void fh_task_done(struct hub_task *t, int status, const char *message)
{
    t->done_calls++;
    t->status = status;
    if (message) fprintf(stderr, "task_done: %s\n", message);
}
static void fh_metric_add(struct hub_instance *inst, const char *name, double delta)
{
    inst->metric_calls++;
    if (strcmp(name, "batches") == 0) inst->batches_metric += delta;
}

static struct hub_host fake_host(void)
{
    struct hub_host h = {
        .abi_major = HUB_ABI_MAJOR,
        .abi_minor = HUB_ABI_MINOR,
        .struct_size = (uint32_t)sizeof(struct hub_host),
        .tenant = fh_tenant,
        .channel = fh_channel,
        .log = fh_log,
        .config_str = fh_config_str,
        .config_int = fh_config_int,
        .push_done = fh_push_done,
        .reconcile_seen = fh_reconcile_seen,
        .task_done = fh_task_done,
        .metric_add = fh_metric_add,
    };
    return h;
}

static void batch_clear(struct hub_batch *b)
{
    for (size_t i = 0; i < MAX_ITEMS; i++) {
        free(b->message[i]);
        free(b->external[i]);
    }
    memset(b, 0, sizeof *b);
}

static void task_clear(struct hub_task *t)
{
    for (size_t i = 0; i < t->n_seen; i++) {
        free(t->sku[i]);
        free(t->payload[i]);
    }
    memset(t, 0, sizeof *t);
}

/* ------------------------------------------------------------------ fixture */

struct fixture {
    struct plugin_handle *plugin;
    const struct hub_plugin *d;
    struct hub_host host;
    struct hub_instance inst;
    char dir[64];
    char path[128];
    void *ctx;
};

static int setup(void **state)
{
    struct fixture *f = xcalloc(1, sizeof *f);
    char plugin_dir[PATH_MAX];
    const char *env = getenv("HUB_PLUGIN_DIR");
    if (env && env[0]) {
        str_copy(plugin_dir, env, sizeof plugin_dir);
    } else { /* build/tests/x -> plugins/ ; build-san/tests/x -> build-san/plugins/ */
        char exe[PATH_MAX / 2];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        assert_true(n > 0);
        exe[n] = '\0';
        for (int i = 0; i < 2; i++) *strrchr(exe, '/') = '\0';
        const char *base = strrchr(exe, '/') + 1;
        if (strcmp(base, "build-san") == 0) {
            snprintf(plugin_dir, sizeof plugin_dir, "%s/plugins", exe);
        } else {
            *strrchr(exe, '/') = '\0';
            snprintf(plugin_dir, sizeof plugin_dir, "%s/plugins", exe);
        }
    }
    char err[512];
    if (plugin_load(plugin_dir, "example", &f->plugin, err, sizeof err) != 0) {
        free(f);
        fail_msg("%s", err);
    }
    f->d = plugin_descriptor(f->plugin);
    f->host = fake_host();
    str_copy(f->dir, "/tmp/hub-test-example-XXXXXX", sizeof f->dir);
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/pushed.jsonl", f->dir);
    f->inst.path = f->path;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    if (f->ctx) f->d->destroy(f->ctx);
    unlink(f->path);
    rmdir(f->dir);
    plugin_unload(f->plugin);
    free(f);
    return 0;
}

static void start(struct fixture *f)
{
    assert_int_equal(f->d->init(&f->host, &f->inst, &f->ctx), 0);
    assert_non_null(f->ctx);
    assert_int_equal(f->d->start(f->ctx), 0);
}

static void push(struct fixture *f, struct hub_batch *b, const struct hub_push_item *items,
                 size_t n)
{
    batch_clear(b);
    b->n = n;
    f->d->push_batch(f->ctx, b, items, n);
    assert_int_equal(b->done_calls, 1); /* exactly once, one result per item */
}

static char *file_text(const char *path)
{
    size_t len;
    char *text = read_file(path, &len);
    return text ? text : xstrdup("(no file)");
}

#define STOCK(id, s, q) {.op_id = (id), .kind = HUB_OP_STOCK, .sku = (s), .quantity = (q), .shadow_quantity = -1}
#define LISTING(id, s, p, ext) {.op_id = (id), .kind = HUB_OP_LISTING, .sku = (s), .payload = (p), .payload_len = sizeof(p) - 1, .external = (ext), .shadow_quantity = -1}
#define DELETE(id, s) {.op_id = (id), .kind = HUB_OP_DELETE, .sku = (s), .shadow_quantity = -1}

/* ------------------------------------------------------------------ tests */

static void test_descriptor(void **state)
{
    struct fixture *f = *state;
    assert_string_equal(plugin_name(f->plugin), "example");
    assert_int_equal(plugin_capabilities(f->plugin),
                     HUB_CAP_STOCK_PUSH | HUB_CAP_CATALOG_PUSH | HUB_CAP_RECONCILE |
                         HUB_CAP_ORDER_WEBHOOK | HUB_CAP_ROUTES);
    const struct hub_limits *l = plugin_limits(f->plugin);
    assert_true(l->rate_per_sec == 50);
    assert_int_equal(l->burst, 10);
    assert_int_equal(l->batch_max, 100);
    const struct hub_config_entry *m = plugin_config_map(f->plugin);
    const char *want[] = {"path", "fail_skus", "retry_every", "fsync", "url",
                          "token", "webhook_secret", "timeout", "auth_retry"};
    for (size_t i = 0; i < ARRAY_LEN(want); i++) assert_string_equal(m[i].key, want[i]);
    assert_null(m[ARRAY_LEN(want)].key);
    assert_false(m[0].flags & HUB_CFG_REQUIRED); /* path or url */
    assert_int_equal(m[2].type, HUB_CFG_INT);
    assert_string_equal(m[2].default_value, "0");
    assert_int_equal(m[3].type, HUB_CFG_BOOL);
    assert_int_equal(m[4].type, HUB_CFG_URL);
    assert_int_equal(m[5].type, HUB_CFG_SECRET);
    assert_int_equal(m[6].type, HUB_CFG_SECRET);
    assert_int_equal(m[7].type, HUB_CFG_DURATION);
    assert_string_equal(m[7].default_value, "10s");
    assert_int_equal(m[8].type, HUB_CFG_DURATION);
    /* The webhook route. */
    const struct hub_plugin *d = f->d;
    assert_non_null(d->routes);
    assert_string_equal(d->routes[0].method, "POST");
    assert_string_equal(d->routes[0].path, "webhooks");
    assert_non_null(d->routes[0].handle);
    assert_null(d->routes[1].method);
}

static void test_push_writes_exact_lines(void **state)
{
    struct fixture *f = *state;
    start(f);
    struct hub_batch b = {0};
    const struct hub_push_item one[] = {
        STOCK(11, "A-1", 5),
        LISTING(12, "B-2", "{\"title\":\"Blue mug\",\"price\":{\"amount\":1299,\"currency\":\"EUR\"}}", NULL),
        DELETE(13, "C-3"),
    };
    push(f, &b, one, ARRAY_LEN(one));
    for (size_t i = 0; i < 3; i++) assert_int_equal(b.status[i], HUB_OK);
    assert_null(b.external[0]);
    assert_string_equal(b.external[1], "{\"example_id\":\"ex-B-2\"}"); /* listing created */
    assert_null(b.external[2]);

    /* The listing again, now with its id known: no new external; batch 2. */
    const struct hub_push_item two[] = {
        LISTING(14, "B-2", "{\"title\":\"Blue mug XL\"}", "{\"example_id\":\"ex-B-2\"}"),
        STOCK(15, "A-1", 0),
    };
    push(f, &b, two, ARRAY_LEN(two));
    assert_int_equal(b.status[0], HUB_OK);
    assert_int_equal(b.status[1], HUB_OK);
    assert_null(b.external[0]);

    char *text = file_text(f->path);
    assert_string_equal(
        text,
        "{\"op\":\"stock\",\"sku\":\"A-1\",\"quantity\":5,\"op_id\":11,\"batch\":1}\n"
        "{\"op\":\"listing\",\"sku\":\"B-2\",\"payload\":{\"title\":\"Blue mug\",\"price\":"
        "{\"amount\":1299,\"currency\":\"EUR\"}},\"op_id\":12,\"batch\":1}\n"
        "{\"op\":\"delete\",\"sku\":\"C-3\",\"op_id\":13,\"batch\":1}\n"
        "{\"op\":\"listing\",\"sku\":\"B-2\",\"payload\":{\"title\":\"Blue mug XL\"},"
        "\"op_id\":14,\"batch\":2}\n"
        "{\"op\":\"stock\",\"sku\":\"A-1\",\"quantity\":0,\"op_id\":15,\"batch\":2}\n");
    free(text);
    assert_true(f->inst.batches_metric == 2);
    batch_clear(&b);
}

static void test_fail_skus_are_fatal(void **state)
{
    struct fixture *f = *state;
    f->inst.fail_skus = " X-9 ,Y-8,, ";
    start(f);
    struct hub_batch b = {0};
    const struct hub_push_item items[] = {
        STOCK(1, "A-1", 3),
        STOCK(2, "X-9", 4),
        LISTING(3, "Y-8", "{\"title\":\"t\"}", NULL),
        STOCK(4, "X-99", 1), /* not in the list: a prefix is not a match */
    };
    push(f, &b, items, ARRAY_LEN(items));
    assert_int_equal(b.status[0], HUB_OK);
    assert_int_equal(b.status[1], HUB_FATAL);
    assert_string_equal(b.message[1], "example: SKU refused by configuration");
    assert_int_equal(b.status[2], HUB_FATAL);
    assert_string_equal(b.message[2], "example: SKU refused by configuration");
    assert_null(b.external[2]);
    assert_int_equal(b.status[3], HUB_OK);
    char *text = file_text(f->path);
    assert_string_equal(text,
                        "{\"op\":\"stock\",\"sku\":\"A-1\",\"quantity\":3,\"op_id\":1,\"batch\":1}\n"
                        "{\"op\":\"stock\",\"sku\":\"X-99\",\"quantity\":1,\"op_id\":4,\"batch\":1}\n");
    free(text);
    batch_clear(&b);
}

static void test_retry_every(void **state)
{
    struct fixture *f = *state;
    f->inst.retry_every = 2;
    start(f);
    struct hub_batch b = {0};
    size_t lines_before = 0;
    for (int batch = 1; batch <= 4; batch++) {
        const struct hub_push_item items[] = {STOCK((uint64_t)batch, "A-1", batch),
                                              STOCK((uint64_t)batch + 100, "B-2", batch)};
        push(f, &b, items, 2);
        char *text = file_text(f->path);
        size_t lines = 0;
        for (char *p = text; (p = strchr(p, '\n')); p++) lines++;
        free(text);
        for (size_t i = 0; i < 2; i++) {
            if (batch % 2 == 0) {
                assert_int_equal(b.status[i], HUB_RETRY);
                assert_non_null(strstr(b.message[i], "simulated transient failure"));
            } else {
                assert_int_equal(b.status[i], HUB_OK);
                assert_null(b.message[i]);
            }
        }
        /* a RETRY batch writes nothing */
        assert_int_equal(lines, lines_before + (batch % 2 == 0 ? 0 : 2));
        lines_before = lines;
    }
    batch_clear(&b);
}

static void test_bad_listing_payload(void **state)
{
    struct fixture *f = *state;
    start(f);
    struct hub_batch b = {0};
    const struct hub_push_item items[] = {
        LISTING(1, "A-1", "[1,2", NULL),
        {.op_id = 2, .kind = HUB_OP_LISTING, .sku = "B-2", .payload = NULL},
        {.op_id = 3, .kind = HUB_OP_FULFILLMENT, .sku = "order-1", .payload = "{}", .payload_len = 2},
    };
    push(f, &b, items, ARRAY_LEN(items));
    assert_int_equal(b.status[0], HUB_FATAL);
    assert_non_null(strstr(b.message[0], "not a JSON object"));
    assert_int_equal(b.status[1], HUB_FATAL);
    assert_int_equal(b.status[2], HUB_FATAL);
    assert_non_null(strstr(b.message[2], "not supported"));
    char *text = file_text(f->path);
    assert_string_equal(text, ""); /* created by init, nothing appended */
    free(text);
    batch_clear(&b);
}

static void test_reconcile_reports_pushed_state(void **state)
{
    struct fixture *f = *state;
    start(f);
    struct hub_batch b = {0};
    const struct hub_push_item one[] = {
        STOCK(1, "A-1", 5),
        LISTING(2, "A-1", "{\"title\":\"Mug\",\"tags\":[\"a\",\"b\"]}", NULL),
        STOCK(3, "B-2", 3),
    };
    push(f, &b, one, ARRAY_LEN(one));
    const struct hub_push_item two[] = {
        STOCK(4, "A-1", 7),
        DELETE(5, "B-2"),
        LISTING(6, "C-3", "{\"title\":\"Plate\"}", NULL),
    };
    push(f, &b, two, ARRAY_LEN(two));
    batch_clear(&b);

    struct hub_task t = {0};
    f->d->reconcile(f->ctx, &t, NULL, 0);
    assert_int_equal(t.done_calls, 1);
    assert_int_equal(t.status, 0);
    assert_int_equal(t.n_seen, 2); /* B-2 was withdrawn */
    assert_string_equal(t.sku[0], "A-1");
    assert_int_equal(t.quantity[0], 7); /* the last quantity wins */
    assert_string_equal(t.payload[0], "{\"title\":\"Mug\",\"tags\":[\"a\",\"b\"]}");
    assert_string_equal(t.sku[1], "C-3");
    assert_int_equal(t.quantity[1], -1); /* no quantity ever pushed */
    assert_string_equal(t.payload[1], "{\"title\":\"Plate\"}");
    task_clear(&t);

    /* Only the SKUs asked for (an unknown one is simply not seen). */
    const char *const want[] = {"C-3", "Z-0"};
    f->d->reconcile(f->ctx, &t, want, 2);
    assert_int_equal(t.done_calls, 1);
    assert_int_equal(t.n_seen, 1);
    assert_string_equal(t.sku[0], "C-3");
    task_clear(&t);

    /* No file at all: the channel shows nothing, the task still ends. */
    assert_int_equal(unlink(f->path), 0);
    f->d->reconcile(f->ctx, &t, NULL, 0);
    assert_int_equal(t.done_calls, 1);
    assert_int_equal(t.status, 0);
    assert_int_equal(t.n_seen, 0);
    task_clear(&t);
}

static void test_init_without_path_fails(void **state)
{
    struct fixture *f = *state;
    f->inst.path = NULL;
    void *ctx = (void *)1;
    assert_int_equal(f->d->init(&f->host, &f->inst, &ctx), -1);
    assert_non_null(strstr(f->inst.last_log, "'path' is not set"));
    f->inst.path = "/nonexistent-dir/x/pushed.jsonl";
    assert_int_equal(f->d->init(&f->host, &f->inst, &ctx), -1);
    assert_non_null(strstr(f->inst.last_log, "cannot open /nonexistent-dir/x/pushed.jsonl"));
    f->inst.path = "";
    assert_int_equal(f->d->init(&f->host, &f->inst, &ctx), -1);
    assert_non_null(strstr(f->inst.last_log, "neither is 'url'"));
}

static void test_host_without_metrics(void **state)
{
    struct fixture *f = *state;
    /* An older host table that ends before metric_add: the plugin must not call it. */
    f->host.struct_size = (uint32_t)offsetof(struct hub_host, metric_add);
    f->inst.fsync = 1;
    start(f);
    struct hub_batch b = {0};
    const struct hub_push_item items[] = {STOCK(1, "A-1", 2)};
    push(f, &b, items, 1);
    assert_int_equal(b.status[0], HUB_OK);
    assert_int_equal(f->inst.metric_calls, 0);
    struct hub_task t = {0};
    f->d->reconcile(f->ctx, &t, NULL, 0);
    assert_int_equal(t.n_seen, 1);
    assert_int_equal(t.quantity[0], 2);
    assert_int_equal(f->inst.metric_calls, 0);
    task_clear(&t);
    batch_clear(&b);
}

static void test_write_failure_is_retry(void **state)
{
    struct fixture *f = *state;
    f->inst.fail_skus = "X-9";
    start(f);
    /* The channel becomes unwritable: the file is replaced by a directory. */
    assert_int_equal(unlink(f->path), 0);
    assert_int_equal(mkdir(f->path, 0755), 0);
    struct hub_batch b = {0};
    const struct hub_push_item items[] = {STOCK(1, "A-1", 2), STOCK(2, "X-9", 1)};
    push(f, &b, items, 2);
    assert_int_equal(b.status[0], HUB_RETRY); /* transient: the core retries */
    assert_non_null(strstr(b.message[0], "example: cannot write"));
    assert_int_equal(b.status[1], HUB_FATAL); /* a refusal stays a refusal */
    assert_int_equal(rmdir(f->path), 0);
    batch_clear(&b);
}

static void test_empty_batch_answered(void **state)
{
    struct fixture *f = *state;
    start(f);
    struct hub_batch b = {0};
    push(f, &b, NULL, 0);
    char *text = file_text(f->path);
    assert_string_equal(text, "");
    free(text);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_descriptor),
        T(test_push_writes_exact_lines),
        T(test_fail_skus_are_fatal),
        T(test_retry_every),
        T(test_bad_listing_payload),
        T(test_reconcile_reports_pushed_state),
        T(test_init_without_path_fails),
        T(test_host_without_metrics),
        T(test_write_failure_is_retry),
        T(test_empty_batch_answered),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
