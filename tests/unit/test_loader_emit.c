/*
 * test_loader_emit.c - what a plugin's emit `done` is told, through the real
 * path: the host table's emit / emit_mapped -> the tenant's inbox queue ->
 * the group commit (engine_submit on a real store) -> the report.
 *
 * Two instances of one tenant, one per fixture plugin loaded by the real
 * loader: fx_abi10 (built for ABI 1.0) and fx_good (built with this header,
 * 1.1).  The same refused event (unknown SKU on a stock movement, an adjust
 * by 0, an order without an id from the mapping) is HUB_EMIT_REFUSED for the
 * 1.1 plugin and HUB_EMIT_FAILED, with the same message, for the 1.0 one;
 * committed and duplicate events are the same for both.  An array reports
 * once for all its events.  A core emitter (no instance) is told REFUSED.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/util.h"
#include "net/metrics.h"
#include "plugin/emit_report.h"
#include "sync/runtime.h"

enum { OLD = 0, NEW = 1 }; /* fx_abi10 (ABI 1.0), fx_good (this header) */

struct fx {
    char dir[128];
    struct hub_config hub;
    struct tenant_config tc;
    struct channel_config ch[2];
    struct hubd d;
    struct rt_tenant rt;
    struct hub_instance inst[2];
};

/* One done call, as recorded. */
struct outcome {
    int calls;
    enum hub_emit_status status;
    char message[512];
};

static void record(void *arg, enum hub_emit_status status, const char *message)
{
    struct outcome *o = arg;
    o->calls++;
    o->status = status;
    str_copy(o->message, message ? message : "", sizeof o->message);
}

static const char *env_or(const char *name, const char *dflt)
{
    const char *v = getenv(name);
    return v && *v ? v : dflt;
}

/* $HUB_BUILD_DIR/fixtures/plugins, else beside this binary (build/tests/..). */
static char *fixtures_dir(void)
{
    const char *b = getenv("HUB_BUILD_DIR");
    if (b && *b) return xasprintf("%s/fixtures/plugins", b);
    char build[PATH_MAX / 2];
    ssize_t n = readlink("/proc/self/exe", build, sizeof build - 1);
    assert_true(n > 0);
    build[n] = '\0';
    for (int i = 0; i < 2; i++) *strrchr(build, '/') = '\0';
    return xasprintf("%s/fixtures/plugins", build);
}

static const char *PRODUCT =
    "{\"type\":\"catalog.upsert\",\"product\":{\"id\":\"P1\",\"title\":\"Shoe\"},"
    "\"variants\":[{\"sku\":\"S1\",\"price\":{\"amount\":8999,\"currency\":\"EUR\"}}],"
    "\"stock\":[{\"sku\":\"S1\",\"location\":\"default\",\"on_hand\":10}]}";

static int setup(void **state)
{
    struct fx *f = xcalloc(1, sizeof *f);
    strcpy(f->dir, "/tmp/hub-test-emit-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    f->hub.scripts_dir = xasprintf("%s/scripts", env_or("HUB_SRC_DIR", "."));
    f->hub.plugin_dir = fixtures_dir();
    f->hub.lua_memory_kb = 16384;
    f->hub.lua_instruction_budget = 1000000;
    f->tc.name = xstrdup("t1");
    f->tc.data_dir = xasprintf("%s/t1", f->dir);
    f->tc.currency = xstrdup("EUR");
    f->tc.hold_ttl_ms = 60000;
    f->tc.map_size_mb = 64;
    const char *plugins[2] = {"fx_abi10", "fx_good"};
    for (int i = 0; i < 2; i++) {
        f->ch[i].name = xstrdup(plugins[i]);
        f->ch[i].plugin = xstrdup(plugins[i]);
        f->ch[i].mapping = xasprintf("%s/example.lua", f->hub.scripts_dir); /* for emit_mapped */
        f->ch[i].buffer = -1;
    }
    f->tc.channels = f->ch;
    f->tc.n_channels = 2;

    /* The runtime as hubd builds it, minus the loop: these plugins push
     * nothing, so no commit here queues an outbox operation to drain. */
    char err[1024];
    f->d.cfg = &f->hub;
    f->rt.hubd = &f->d;
    f->rt.cfg = &f->tc;
    if (tenant_open(&f->rt.t, &f->hub, &f->tc, TENANT_NOSYNC, err, sizeof err) != 0) fail_msg("%s", err);
    f->rt.inst = f->inst;
    f->rt.n_inst = 2;
    f->d.tenants = &f->rt;
    f->d.n_tenants = 1;
    for (int i = 0; i < 2; i++) {
        struct hub_instance *in = &f->inst[i];
        in->rt = &f->rt;
        in->cfg = &f->ch[i];
        in->tch = tenant_channel(f->rt.t, f->ch[i].name);
        assert_non_null(in->tch);
        if (plugin_load(f->hub.plugin_dir, plugins[i], &in->plugin, err, sizeof err) != 0) fail_msg("%s", err);
        in->desc = plugin_descriptor(in->plugin);
        chmetrics_init(&in->m, f->tc.name, f->ch[i].name);
    }
    unsigned minor = 9;
    plugin_abi(f->inst[OLD].plugin, NULL, &minor);
    assert_int_equal(minor, 0);
    plugin_abi(f->inst[NEW].plugin, NULL, &minor);
    assert_int_equal(minor, HUB_ABI_MINOR);
    assert_true(HUB_ABI_MINOR >= EMIT_REFUSED_SINCE_MINOR);

    /* One SKU in the catalog, S1 with 10 on hand. */
    json_t *ev = json_loads(PRODUCT, 0, NULL);
    struct engine_event e = {.event = ev};
    struct engine_report rep;
    if (engine_submit(f->rt.t, &e, 1, "test", &rep, err, sizeof err) != 0) fail_msg("%s", err);
    assert_int_equal(e.status, 0);
    assert_int_equal(rep.outbox_ops, 0);
    json_decref(ev);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    for (int i = 0; i < 2; i++) {
        json_decref(f->inst[i].map_ctx); /* built by emit_mapped; hubd_free's job in hubd */
        plugin_unload(f->inst[i].plugin);
    }
    tenant_close(f->rt.t);
    char *cmd = xasprintf("rm -rf '%s'", f->dir);
    if (system(cmd) != 0) fprintf(stderr, "cleanup failed\n");
    free(cmd);
    for (int i = 0; i < 2; i++) {
        free(f->ch[i].name);
        free(f->ch[i].plugin);
        free(f->ch[i].mapping);
    }
    free(f->tc.name);
    free(f->tc.data_dir);
    free(f->tc.currency);
    free(f->hub.scripts_dir);
    free(f->hub.plugin_dir);
    free(f);
    return 0;
}

/* host->emit from instance `who`, then the end-of-turn group commit. */
static void emit(struct fx *f, int who, const char *key, const char *events, struct outcome *o)
{
    memset(o, 0, sizeof *o);
    assert_int_equal(hub_host_table.emit(&f->inst[who], key, events, record, o), 0);
    assert_int_equal(o->calls, 0); /* only after the commit */
    rt_commit_all(&f->d);
    assert_int_equal(o->calls, 1);
}

static int64_t on_hand(struct fx *f, const char *sku)
{
    struct txn *txn;
    assert_int_equal(txn_begin(f->rt.t->store, 0, &txn), 0);
    struct stock_totals st = {0};
    int rc = store_stock_get(txn, sku, &st);
    txn_abort(txn);
    return rc == 0 ? st.on_hand : -1;
}

/* ------------------------------------------------------------------ tests */

static void test_status_for_abi(void **state)
{
    (void)state;
    assert_int_equal(emit_status_for_abi(HUB_EMIT_REFUSED, 0), HUB_EMIT_FAILED);
    assert_int_equal(emit_status_for_abi(HUB_EMIT_REFUSED, 1), HUB_EMIT_REFUSED);
    assert_int_equal(emit_status_for_abi(HUB_EMIT_REFUSED, 7), HUB_EMIT_REFUSED);
    const enum hub_emit_status same[] = {HUB_EMIT_COMMITTED, HUB_EMIT_DUPLICATE, HUB_EMIT_FAILED};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(emit_status_for_abi(same[i], 0), same[i]);
        assert_int_equal(emit_status_for_abi(same[i], 1), same[i]);
    }
}

/* Unknown SKU on a stock movement: refused by the store, nothing written. */
static void test_unknown_sku_refused_by_abi(void **state)
{
    struct fx *f = *state;
    struct outcome o[2];
    /* (the metrics registry outlives each test's setup: compare differences) */
    double refused[2] = {metric_value(f->inst[OLD].m.refused), metric_value(f->inst[NEW].m.refused)};
    double committed = metric_value(f->inst[NEW].m.events_in);
    const char *ev = "{\"type\":\"stock.receive\",\"sku\":\"GHOST-1\",\"quantity\":3}";
    emit(f, OLD, "k-old", ev, &o[OLD]);
    emit(f, NEW, "k-new", ev, &o[NEW]);
    assert_int_equal(o[OLD].status, HUB_EMIT_FAILED);
    assert_int_equal(o[NEW].status, HUB_EMIT_REFUSED);
    assert_non_null(strstr(o[NEW].message, "GHOST-1"));
    assert_non_null(strstr(o[NEW].message, "not in the catalog"));
    assert_string_equal(o[OLD].message, o[NEW].message);
    assert_int_equal(on_hand(f, "GHOST-1"), -1);
    /* Counted once per refusal, per channel; nothing counted as committed. */
    assert_true(metric_value(f->inst[OLD].m.refused) == refused[OLD] + 1.0);
    assert_true(metric_value(f->inst[NEW].m.refused) == refused[NEW] + 1.0);
    assert_true(metric_value(f->inst[NEW].m.events_in) == committed);
    /* A refused event leaves no idempotency key: sent again, refused again. */
    emit(f, NEW, "k-new", ev, &o[NEW]);
    assert_int_equal(o[NEW].status, HUB_EMIT_REFUSED);
}

/* Invalid quantity: an adjust by 0 reaches the store and is refused there. */
static void test_invalid_quantity_refused_by_abi(void **state)
{
    struct fx *f = *state;
    struct outcome o[2];
    const char *ev = "{\"type\":\"stock.adjust\",\"sku\":\"S1\",\"delta\":0,\"reason\":\"count\"}";
    emit(f, OLD, NULL, ev, &o[OLD]);
    emit(f, NEW, NULL, ev, &o[NEW]);
    assert_int_equal(o[OLD].status, HUB_EMIT_FAILED);
    assert_int_equal(o[NEW].status, HUB_EMIT_REFUSED);
    assert_non_null(strstr(o[NEW].message, "adjust by 0"));
    assert_string_equal(o[OLD].message, o[NEW].message);
    assert_int_equal(on_hand(f, "S1"), 10);
}

/* What was already the same for both stays the same. */
static void test_committed_and_duplicate_unchanged(void **state)
{
    struct fx *f = *state;
    struct outcome o;
    const char *ev = "{\"type\":\"stock.receive\",\"sku\":\"S1\",\"quantity\":2}";
    for (int who = OLD; who <= NEW; who++) {
        const char *key = who == OLD ? "r-old" : "r-new";
        emit(f, who, key, ev, &o);
        assert_int_equal(o.status, HUB_EMIT_COMMITTED);
        assert_string_equal(o.message, "");
        emit(f, who, key, ev, &o);
        assert_int_equal(o.status, HUB_EMIT_DUPLICATE);
    }
    assert_int_equal(on_hand(f, "S1"), 14);
    /* An empty array: nothing to do, committed at once. */
    memset(&o, 0, sizeof o);
    assert_int_equal(hub_host_table.emit(&f->inst[NEW], "e", "[]", record, &o), 0);
    assert_int_equal(o.calls, 1);
    assert_int_equal(o.status, HUB_EMIT_COMMITTED);
}

/* An array reports once, for all its events: a refusal in the middle is not
 * hidden by the last event's success; the others are committed. */
static void test_array_reports_the_refusal(void **state)
{
    struct fx *f = *state;
    struct outcome o[2];
    const char *evs = "[{\"type\":\"stock.receive\",\"sku\":\"S1\",\"quantity\":1},"
                      "{\"type\":\"stock.receive\",\"sku\":\"GHOST-2\",\"quantity\":1},"
                      "{\"type\":\"stock.receive\",\"sku\":\"S1\",\"quantity\":1}]";
    emit(f, NEW, "a-new", evs, &o[NEW]);
    assert_int_equal(o[NEW].status, HUB_EMIT_REFUSED);
    assert_non_null(strstr(o[NEW].message, "event 2 of 3: "));
    assert_non_null(strstr(o[NEW].message, "GHOST-2"));
    assert_int_equal(on_hand(f, "S1"), 12);
    emit(f, OLD, "a-old", evs, &o[OLD]);
    assert_int_equal(o[OLD].status, HUB_EMIT_FAILED);
    assert_string_equal(o[OLD].message, o[NEW].message);
    assert_int_equal(on_hand(f, "S1"), 14);
    /* Delivered again: the committed ones are duplicates, the refusal stays. */
    emit(f, NEW, "a-new", evs, &o[NEW]);
    assert_int_equal(o[NEW].status, HUB_EMIT_REFUSED);
    assert_int_equal(on_hand(f, "S1"), 14);
    /* An array of duplicates only is a duplicate. */
    const char *two = "[{\"type\":\"stock.receive\",\"sku\":\"S1\",\"quantity\":1},"
                      "{\"type\":\"stock.receive\",\"sku\":\"S1\",\"quantity\":1}]";
    emit(f, NEW, "b", two, &o[NEW]);
    assert_int_equal(o[NEW].status, HUB_EMIT_COMMITTED);
    emit(f, NEW, "b", two, &o[NEW]);
    assert_int_equal(o[NEW].status, HUB_EMIT_DUPLICATE);
    assert_int_equal(on_hand(f, "S1"), 16);
}

/* emit_mapped: the mapping accepts the payload, the engine refuses the event
 * (example.lua maps an order without an id to an empty order_id). */
static void test_emit_mapped_refused_by_abi(void **state)
{
    struct fx *f = *state;
    const char *order = "{\"id\":\"\",\"lines\":[{\"sku\":\"S1\",\"quantity\":1}]}";
    struct outcome o[2];
    for (int who = OLD; who <= NEW; who++) {
        memset(&o[who], 0, sizeof o[who]);
        char *error = NULL;
        assert_int_equal(hub_host_table.emit_mapped(&f->inst[who], "order", order, strlen(order), "m",
                                                    record, &o[who], &error),
                         0);
        assert_null(error);
        rt_commit_all(&f->d);
        assert_int_equal(o[who].calls, 1);
    }
    assert_int_equal(o[OLD].status, HUB_EMIT_FAILED);
    assert_int_equal(o[NEW].status, HUB_EMIT_REFUSED);
    assert_non_null(strstr(o[NEW].message, "order_id required"));
    assert_string_equal(o[OLD].message, o[NEW].message);
    assert_int_equal(on_hand(f, "S1"), 10);
    /* A mapping error stays synchronous: -1, done never runs. */
    char *error = NULL;
    memset(&o[NEW], 0, sizeof o[NEW]);
    assert_int_equal(hub_host_table.emit_mapped(&f->inst[NEW], "order", "{}", 2, "m2", record, &o[NEW], &error),
                     -1);
    assert_non_null(error);
    free(error);
    rt_commit_all(&f->d);
    assert_int_equal(o[NEW].calls, 0);
}

/* The core's own emitters (admin API, hubctl over the socket) have no
 * plugin ABI to respect: they are told REFUSED. */
static void test_core_emitter_told_refused(void **state)
{
    struct fx *f = *state;
    struct outcome o = {0};
    json_t *ev = json_pack("{s:s, s:s, s:i, s:s}", "type", "stock.adjust", "sku", "GHOST-3", "delta", 1,
                           "reason", "count");
    assert_int_equal(rt_emit(&f->rt, NULL, NULL, ev, record, &o), 0);
    json_decref(ev);
    rt_commit_all(&f->d);
    assert_int_equal(o.calls, 1);
    assert_int_equal(o.status, HUB_EMIT_REFUSED);
    assert_non_null(strstr(o.message, "GHOST-3"));
}

/* A tenant that does not take events: emit refuses outright, done never runs. */
static void test_not_queued_never_reports(void **state)
{
    struct fx *f = *state;
    struct outcome o = {0};
    f->rt.failed = 1;
    assert_int_equal(hub_host_table.emit(&f->inst[NEW], "x", "[{\"type\":\"stock.receive\"},{\"type\":\"x\"}]",
                                         record, &o),
                     -1);
    f->rt.failed = 0;
    rt_commit_all(&f->d);
    assert_int_equal(o.calls, 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_for_abi),
        T(test_unknown_sku_refused_by_abi),
        T(test_invalid_quantity_refused_by_abi),
        T(test_committed_and_duplicate_unchanged),
        T(test_array_reports_the_refusal),
        T(test_emit_mapped_refused_by_abi),
        T(test_core_emitter_told_refused),
        T(test_not_queued_never_reports),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    metrics_default_free();
    return rc;
}
