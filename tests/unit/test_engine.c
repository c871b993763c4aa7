/* test_engine.c - apply -> project -> diff -> outbox, through engine_submit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/util.h"
#include "engine/engine.h"

struct fx {
    char dir[128];
    struct hub_config hub;
    struct tenant_config tc;
    struct channel_config ch[2];
    struct tenant *t;
};

static const char *src_dir(void)
{
    const char *s = getenv("HUB_SRC_DIR");
    return s ? s : ".";
}

static const char *plugin_dir(void)
{
    const char *s = getenv("HUB_PLUGIN_DIR");
    return s ? s : "plugins";
}

static char *script(const char *name)
{
    return xasprintf("%s/scripts/%s", src_dir(), name);
}

static int setup_with(void **state, const char *allocation_lua)
{
    struct fx *f = xcalloc(1, sizeof *f);
    strcpy(f->dir, "/tmp/hub-test-engine-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    f->hub.scripts_dir = xasprintf("%s/scripts", src_dir());
    f->hub.plugin_dir = xstrdup(plugin_dir());
    f->hub.lua_memory_kb = 16384;
    f->hub.lua_instruction_budget = 1000000;
    f->tc.name = xstrdup("t1");
    f->tc.data_dir = xasprintf("%s/t1", f->dir);
    f->tc.currency = xstrdup("EUR");
    f->tc.buffer = 1;
    f->tc.hold_ttl_ms = 60000;
    f->tc.map_size_mb = 64;
    /* Two channels on the example plugin: one keeps the tenant buffer, one has its own. */
    for (int i = 0; i < 2; i++) {
        f->ch[i].name = xstrdup(i == 0 ? "a" : "b");
        f->ch[i].plugin = xstrdup("example");
        f->ch[i].mapping = script("example.lua");
        f->ch[i].buffer = i == 0 ? -1 : 0;
        f->ch[i].mode = 0;
    }
    f->tc.channels = f->ch;
    f->tc.n_channels = 2;
    if (allocation_lua) {
        char *path = xasprintf("%s/alloc.lua", f->dir);
        FILE *fp = fopen(path, "w");
        fputs(allocation_lua, fp);
        fclose(fp);
        f->tc.allocation_script = path;
    }
    char err[1024];
    if (tenant_open(&f->t, &f->hub, &f->tc, TENANT_NOSYNC, err, sizeof err) != 0) fail_msg("%s", err);
    *state = f;
    return 0;
}

static int setup(void **state) { return setup_with(state, NULL); }

/* Channel "b" gets a mapping whose listing shows stock ("sold out" badge). */
static const char *STOCK_LISTING =
    "listing_uses_stock = true\n"
    "function to_channel(product, variant, stock, ctx)\n"
    "  return { sku = variant.sku, title = product.title, sold_out = stock.available == 0 }\n"
    "end\n";

static int setup_stock_listing(void **state)
{
    setup_with(state, NULL);
    struct fx *f = *state;
    tenant_close(f->t);
    char *path = xasprintf("%s/stocklisting.lua", f->dir);
    FILE *fp = fopen(path, "w");
    fputs(STOCK_LISTING, fp);
    fclose(fp);
    free(f->ch[1].mapping);
    f->ch[1].mapping = path;
    char err[1024];
    if (tenant_open(&f->t, &f->hub, &f->tc, TENANT_NOSYNC, err, sizeof err) != 0) fail_msg("%s", err);
    return 0;
}

static int listing_queued(struct fx *f, const char *ch, const char *sku)
{
    struct txn *txn;
    assert_int_equal(txn_begin(f->t->store, 0, &txn), 0);
    struct outbox_op op = {0};
    int rc = store_outbox_find(txn, ch, OUTBOX_LISTING, sku, &op);
    if (rc == 0) outbox_op_free(&op);
    txn_abort(txn);
    return rc == 0;
}

static void ack_all(struct fx *f, const char *ch);

static int teardown(void **state)
{
    struct fx *f = *state;
    tenant_close(f->t);
    char *cmd = xasprintf("rm -rf '%s'", f->dir);
    if (system(cmd) != 0) fprintf(stderr, "cleanup failed\n");
    free(cmd);
    for (int i = 0; i < 2; i++) {
        free(f->ch[i].name);
        free(f->ch[i].plugin);
        free(f->ch[i].mapping);
    }
    free(f->tc.allocation_script);
    free(f->tc.name);
    free(f->tc.data_dir);
    free(f->tc.currency);
    free(f->hub.scripts_dir);
    free(f->hub.plugin_dir);
    free(f);
    return 0;
}

/* Submit one event given as JSON text; returns its status. */
static int submit(struct fx *f, const char *idem, const char *json, struct engine_report *rep)
{
    json_error_t jerr;
    json_t *ev = json_loads(json, 0, &jerr);
    if (!ev) fail_msg("bad test JSON: %s", jerr.text);
    struct engine_event e = {.idem_key = idem, .event = ev};
    char err[1024];
    struct engine_report local;
    int rc = engine_submit(f->t, &e, 1, "test", rep ? rep : &local, err, sizeof err);
    if (rc != 0) fail_msg("engine_submit: %s", err);
    free(e.message);
    json_decref(ev);
    return e.status;
}

static const char *PRODUCT =
    "{\"type\":\"catalog.upsert\",\"product\":{\"id\":\"P1\",\"title\":\"Shoe\",\"options\":[\"size\"]},"
    "\"variants\":[{\"sku\":\"S1\",\"options\":{\"size\":\"42\"},\"price\":{\"amount\":8999,\"currency\":\"EUR\"}},"
    "{\"sku\":\"S2\",\"options\":{\"size\":\"43\"},\"price\":{\"amount\":8999,\"currency\":\"EUR\"}}],"
    "\"stock\":[{\"sku\":\"S1\",\"location\":\"default\",\"on_hand\":10},{\"sku\":\"S2\",\"location\":\"default\",\"on_hand\":0}]}";

static int64_t queued_qty(struct fx *f, const char *ch, const char *sku)
{
    struct txn *txn;
    assert_int_equal(txn_begin(f->t->store, 0, &txn), 0);
    struct outbox_op op = {0};
    int rc = store_outbox_find(txn, ch, OUTBOX_STOCK, sku, &op);
    int64_t q = rc == 0 ? op.quantity : -1;
    if (rc == 0) outbox_op_free(&op);
    txn_abort(txn);
    return q;
}

static uint64_t depth(struct fx *f, const char *ch)
{
    struct txn *txn;
    assert_int_equal(txn_begin(f->t->store, 0, &txn), 0);
    uint64_t d = 0, oldest = 0;
    store_outbox_stats(txn, ch, &d, &oldest);
    txn_abort(txn);
    return d;
}

static void test_import_projects_every_channel_and_is_idempotent(void **state)
{
    struct fx *f = *state;
    struct engine_report rep;
    assert_int_equal(submit(f, NULL, PRODUCT, &rep), 0);
    /* 2 SKUs x 2 channels x (stock + listing) */
    assert_int_equal(rep.outbox_ops, 8);
    assert_int_equal(queued_qty(f, "a", "S1"), 9);  /* tenant buffer 1 */
    assert_int_equal(queued_qty(f, "b", "S1"), 10); /* channel buffer 0 */
    assert_int_equal(queued_qty(f, "a", "S2"), 0);  /* never negative */
    assert_int_equal(submit(f, NULL, PRODUCT, &rep), 0);
    assert_int_equal(rep.outbox_ops, 0); /* same content: nothing to push */
    assert_int_equal(depth(f, "a"), 4);
}

static void test_newer_quantity_replaces_unsent_one(void **state)
{
    struct fx *f = *state;
    submit(f, NULL, PRODUCT, NULL);
    struct engine_report rep;
    submit(f, NULL, "{\"type\":\"stock.adjust\",\"sku\":\"S1\",\"delta\":-3,\"reason\":\"damaged\"}", &rep);
    assert_int_equal(rep.outbox_ops, 2); /* one per channel, replacing the queued value */
    assert_int_equal(queued_qty(f, "a", "S1"), 6);
    assert_int_equal(queued_qty(f, "b", "S1"), 7);
    assert_int_equal(depth(f, "a"), 4); /* still one op per key */
    /* Back to a value equal to the queued one: nothing new. */
    submit(f, NULL, "{\"type\":\"stock.adjust\",\"sku\":\"S1\",\"delta\":0,\"reason\":\"x\"}", &rep);
    assert_int_equal(rep.refused, 1);
}

static void test_diff_against_shadow_after_ack(void **state)
{
    struct fx *f = *state;
    submit(f, NULL, PRODUCT, NULL);
    /* The channel acknowledges S1 = 9 on "a": the op leaves, the shadow holds 9. */
    struct txn *txn;
    assert_int_equal(txn_begin(f->t->store, 1, &txn), 0);
    struct outbox_op op = {0};
    assert_int_equal(store_outbox_find(txn, "a", OUTBOX_STOCK, "S1", &op), 0);
    int64_t q = op.quantity;
    assert_int_equal(store_listing_ack(txn, "a", "S1", &q, NULL, NULL, now_ms()), 0);
    assert_int_equal(store_outbox_done(txn, "a", op.id), 0);
    outbox_op_free(&op);
    assert_int_equal(txn_commit(txn), 0);
    struct engine_report rep;
    /* +1 then -1: the second brings it back to the shadow, but the first is queued,
     * so the newest value (9) replaces the queued 10. */
    submit(f, NULL, "{\"type\":\"stock.receive\",\"sku\":\"S1\",\"quantity\":1}", &rep);
    assert_int_equal(queued_qty(f, "a", "S1"), 10);
    submit(f, NULL, "{\"type\":\"stock.adjust\",\"sku\":\"S1\",\"delta\":-1,\"reason\":\"recount\"}", &rep);
    assert_int_equal(queued_qty(f, "a", "S1"), 9);
    /* A change that leaves "a" at its shadow with nothing queued writes nothing for "a". */
    json_t *p = engine_preview(f->t, "a", "S1", (char[256]){0}, 256);
    assert_non_null(p);
    assert_int_equal(json_integer_value(json_object_get(p, "quantity")), 9);
    json_decref(p);
}

static int count_exc(void *arg, uint64_t id, uint64_t ts, const char *kind, const char *ch, const char *ref, const char *msg)
{
    (void)id; (void)ts; (void)ch; (void)ref;
    assert_string_equal(kind, "unknown_sku");
    assert_non_null(strstr(msg, "NOPE"));
    ++*(int *)arg;
    return 0;
}

static void test_orders_commit_once_and_unknown_sku_is_kept(void **state)
{
    struct fx *f = *state;
    submit(f, NULL, PRODUCT, NULL);
    const char *order = "{\"type\":\"order.created\",\"channel\":\"a\",\"order_id\":\"O1\",\"lines\":["
                        "{\"sku\":\"S1\",\"quantity\":2},{\"sku\":\"NOPE\",\"quantity\":1}]}";
    assert_int_equal(submit(f, "a:O1", order, NULL), 0);
    assert_int_equal(submit(f, "a:O1", order, NULL), ENGINE_DUPLICATE); /* same key */
    assert_int_equal(submit(f, "poll:a:O1", order, NULL), 0); /* other key, same order: no second commit */
    struct txn *txn;
    assert_int_equal(txn_begin(f->t->store, 0, &txn), 0);
    struct stock_totals st;
    assert_int_equal(store_stock_get(txn, "S1", &st), 0);
    assert_int_equal(st.on_hand, 8);
    int n = 0;
    store_exception_each(txn, count_exc, &n);
    txn_abort(txn);
    assert_int_equal(n, 1);
    /* Cancel restocks exactly once. */
    const char *cancel = "{\"type\":\"order.cancelled\",\"channel\":\"a\",\"order_id\":\"O1\"}";
    submit(f, "a:O1:cancel", cancel, NULL);
    submit(f, "a:O1:cancel2", cancel, NULL);
    assert_int_equal(txn_begin(f->t->store, 0, &txn), 0);
    assert_int_equal(store_stock_get(txn, "S1", &st), 0);
    txn_abort(txn);
    assert_int_equal(st.on_hand, 10);
}


static void test_cancel_before_order_moves_nothing(void **state)
{
    struct fx *f = *state;
    submit(f, NULL, PRODUCT, NULL);
    submit(f, "c", "{\"type\":\"order.cancelled\",\"channel\":\"a\",\"order_id\":\"O2\"}", NULL);
    submit(f, "o", "{\"type\":\"order.created\",\"channel\":\"a\",\"order_id\":\"O2\",\"lines\":[{\"sku\":\"S1\",\"quantity\":4}]}", NULL);
    struct txn *txn;
    struct stock_totals st;
    assert_int_equal(txn_begin(f->t->store, 0, &txn), 0);
    assert_int_equal(store_stock_get(txn, "S1", &st), 0);
    txn_abort(txn);
    assert_int_equal(st.on_hand, 10);
}

static void test_holds_reduce_every_channel(void **state)
{
    struct fx *f = *state;
    submit(f, NULL, PRODUCT, NULL);
    assert_int_equal(submit(f, NULL, "{\"type\":\"hold.create\",\"hold_id\":\"h1\",\"sku\":\"S1\",\"quantity\":4}", NULL), 0);
    assert_int_equal(queued_qty(f, "a", "S1"), 5);
    assert_int_equal(queued_qty(f, "b", "S1"), 6);
    /* More than is free: refused, nothing changes. */
    assert_int_equal(submit(f, NULL, "{\"type\":\"hold.create\",\"hold_id\":\"h2\",\"sku\":\"S1\",\"quantity\":7}", NULL),
                     STORE_EINSUFFICIENT);
    assert_int_equal(queued_qty(f, "b", "S1"), 6);
    submit(f, NULL, "{\"type\":\"hold.release\",\"hold_id\":\"h1\"}", NULL);
    assert_int_equal(queued_qty(f, "b", "S1"), 10);
}

static void test_bad_events_are_refused_and_change_nothing(void **state)
{
    struct fx *f = *state;
    submit(f, NULL, PRODUCT, NULL);
    struct engine_report rep;
    assert_int_equal(submit(f, NULL, "{\"type\":\"teleport\"}", &rep), STORE_EINVALID);
    assert_int_equal(submit(f, NULL, "{\"type\":\"stock.adjust\",\"sku\":\"S1\",\"delta\":2}", &rep), STORE_EINVALID);
    assert_int_equal(submit(f, NULL, "{\"type\":\"stock.adjust\",\"sku\":\"S1\",\"delta\":-11,\"reason\":\"x\"}", &rep),
                     STORE_EINSUFFICIENT);
    assert_int_equal(submit(f, NULL, "{\"type\":\"stock.set\",\"sku\":\"GHOST\",\"quantity\":1}", &rep),
                     STORE_EUNKNOWN_SKU);
    assert_int_equal(rep.outbox_ops, 0);
    assert_int_equal(queued_qty(f, "a", "S1"), 9);
}

/* A tenant rule: channel "a" gets half (rounded down), "b" the rest; and one
 * that tries to show more than exists is clamped. */
static const char *HALF =
    "function allocate(sku, stock, channel, ctx)\n"
    "  local free = stock.on_hand - stock.reserved\n"
    "  if channel == 'a' then return free // 2 end\n"
    "  return free * 100\n"
    "end\n";

static int setup_half(void **state) { return setup_with(state, HALF); }

static void test_lua_allocation_rule_is_used_and_clamped(void **state)
{
    struct fx *f = *state;
    submit(f, NULL, PRODUCT, NULL);
    assert_int_equal(queued_qty(f, "a", "S1"), 5);
    assert_int_equal(queued_qty(f, "b", "S1"), 10); /* 1000 clamped to what is free */
    struct txn *txn;
    assert_int_equal(txn_begin(f->t->store, 0, &txn), 0);
    assert_int_equal(engine_available(f->t, txn, "S1", "a"), 5);
    assert_int_equal(engine_available(f->t, txn, "GHOST", "a"), -2);
    txn_abort(txn);
}

static const char *BROKEN_RULE =
    "function allocate(sku, stock, channel, ctx)\n"
    "  if sku == 'S2' then return 1.5 end\n"
    "  return stock.on_hand\n"
    "end\n";

static int setup_broken(void **state) { return setup_with(state, BROKEN_RULE); }

static void test_allocation_error_fails_that_sku_only(void **state)
{
    struct fx *f = *state;
    struct engine_report rep;
    submit(f, NULL, PRODUCT, &rep);
    assert_true(rep.mapping_errors >= 1);
    assert_int_equal(queued_qty(f, "a", "S1"), 10);
    assert_int_equal(queued_qty(f, "a", "S2"), -1); /* nothing queued from a bad answer */
    assert_non_null(strstr(f->t->last_error, "S2"));
}

static int ack_one(void *arg, const struct outbox_op *op)
{
    json_array_append_new(arg, json_pack("{s:I, s:i, s:s, s:I, s:s?}", "id", (json_int_t)op->id, "kind", (int)op->kind,
                                         "sku", op->sku, "q", (json_int_t)op->quantity, "p", op->payload));
    return 0;
}

/* The channel acknowledges everything queued for it. */
static void ack_all(struct fx *f, const char *ch)
{
    struct txn *txn;
    assert_int_equal(txn_begin(f->t->store, 1, &txn), 0);
    json_t *ops = json_array();
    store_outbox_peek(txn, ch, now_ms(), 1000, ack_one, ops);
    size_t i;
    json_t *o;
    json_array_foreach(ops, i, o) {
        const char *sku = json_string_value(json_object_get(o, "sku"));
        if (json_integer_value(json_object_get(o, "kind")) == OUTBOX_STOCK) {
            int64_t q = json_integer_value(json_object_get(o, "q"));
            assert_int_equal(store_listing_ack(txn, ch, sku, &q, NULL, NULL, now_ms()), 0);
        } else {
            assert_int_equal(store_listing_ack(txn, ch, sku, NULL, json_string_value(json_object_get(o, "p")), NULL,
                                               now_ms()), 0);
        }
        assert_int_equal(store_outbox_done(txn, ch, (uint64_t)json_integer_value(json_object_get(o, "id"))), 0);
    }
    json_decref(ops);
    assert_int_equal(txn_commit(txn), 0);
}

/* Stock changes re-map listings only where the mapping says its listing shows stock. */
static void test_listing_remapped_on_stock_only_when_declared(void **state)
{
    struct fx *f = *state;
    submit(f, NULL, PRODUCT, NULL);
    ack_all(f, "a");
    ack_all(f, "b");
    assert_int_equal(depth(f, "a"), 0);
    struct engine_report rep;
    submit(f, NULL, "{\"type\":\"stock.set\",\"sku\":\"S1\",\"quantity\":0}", &rep);
    assert_false(listing_queued(f, "a", "S1")); /* example.lua: quantities travel alone */
    assert_true(listing_queued(f, "b", "S1"));  /* sold_out flipped */
    assert_int_equal(queued_qty(f, "a", "S1"), 0);
    ack_all(f, "b");
    submit(f, NULL, "{\"type\":\"stock.set\",\"sku\":\"S1\",\"quantity\":3}", &rep);
    assert_true(listing_queued(f, "b", "S1")); /* back in stock */
    ack_all(f, "b");
    /* A stock change that does not flip the badge re-maps but pushes no listing. */
    submit(f, NULL, "{\"type\":\"stock.set\",\"sku\":\"S1\",\"quantity\":4}", &rep);
    assert_false(listing_queued(f, "b", "S1"));
    assert_int_equal(queued_qty(f, "b", "S1"), 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_import_projects_every_channel_and_is_idempotent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_quantity_replaces_unsent_one, setup, teardown),
        cmocka_unit_test_setup_teardown(test_diff_against_shadow_after_ack, setup, teardown),
        cmocka_unit_test_setup_teardown(test_orders_commit_once_and_unknown_sku_is_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_before_order_moves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_holds_reduce_every_channel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_events_are_refused_and_change_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lua_allocation_rule_is_used_and_clamped, setup_half, teardown),
        cmocka_unit_test_setup_teardown(test_allocation_error_fails_that_sku_only, setup_broken, teardown),
        cmocka_unit_test_setup_teardown(test_listing_remapped_on_stock_only_when_declared, setup_stock_listing, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
