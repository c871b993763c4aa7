/* test_import_engine.c - imported events go through the real engine: the store holds
 * exactly the canonical documents, stock levels are the file's counts, a second
 * import (JSONL then the same data as CSV) changes nothing and queues nothing, and a
 * changed price or count queues work only for what changed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/config.h"
#include "engine/engine.h"
#include "import/import.h"
#include "store/store.h"

struct fx {
    char dir[256];
    struct hub_config *cfg;
    struct tenant *t;
    int pushes; /* the example plugin was found: its channel takes stock and listings */
};

static const char *src_dir(void)
{
    const char *s = getenv("HUB_SRC_DIR");
    return s ? s : ".";
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int setup(void **state)
{
    struct fx *fx = calloc(1, sizeof *fx);
    snprintf(fx->dir, sizeof fx->dir, "/tmp/test_import_engine.XXXXXX");
    if (!mkdtemp(fx->dir)) return -1;
    char path[512], text[2048], plugins[512];
    const char *pd = getenv("HUB_PLUGIN_DIR");
    snprintf(plugins, sizeof plugins, "%s", pd ? pd : "");
    if (!pd) snprintf(plugins, sizeof plugins, "%s/plugins", src_dir());
    snprintf(path, sizeof path, "%s/example/example.so", plugins);
    fx->pushes = access(path, R_OK) == 0;
    unsetenv("HUB_DATA_DIR");
    snprintf(path, sizeof path, "%s/hub.conf", fx->dir);
    snprintf(text, sizeof text,
             "[hub]\ndata_dir = %s/var\nplugin_dir = %s\nscripts_dir = %s/scripts\n"
             "log_level = error\n",
             fx->dir, plugins, src_dir());
    write_text(path, text);
    snprintf(path, sizeof path, "%s/demo.conf", fx->dir);
    snprintf(text, sizeof text,
             "[tenant]\ncurrency = EUR\nbuffer = 0\n\n[channel example]\nplugin = example\n"
             "mode = live\npath = %s/example.jsonl\n",
             fx->dir);
    write_text(path, text);
    struct config_errors errs = {0};
    if (config_load(fx->dir, &fx->cfg, &errs) != 0) {
        for (size_t i = 0; i < errs.n; i++) print_error("%s\n", errs.items[i]);
        config_errors_free(&errs);
        return -1;
    }
    config_errors_free(&errs);
    char err[1024];
    if (tenant_open(&fx->t, fx->cfg, config_tenant(fx->cfg, "demo"), TENANT_NOSYNC, err,
                    sizeof err) != 0) {
        print_error("%s\n", err);
        return -1;
    }
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fx *fx = *state;
    tenant_close(fx->t);
    config_free(fx->cfg);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", fx->dir);
    int rc = system(cmd);
    free(fx);
    return rc == 0 ? 0 : -1;
}

struct totals {
    size_t products, variants, errors, applied, refused, outbox_ops;
};

/* What `hubctl import` does, in chunks of 16 so several group commits happen. */
static void import_into(struct tenant *t, const char *path, struct totals *tot)
{
    memset(tot, 0, sizeof *tot);
    struct import_reader *r;
    char err[1024];
    assert_int_equal(import_open(&r, path, IMPORT_AUTO, "EUR", err, sizeof err), 0);
    struct engine_event batch[16];
    size_t n = 0;
    struct import_record rec = IMPORT_RECORD_INIT;
    int rc;
    for (;;) {
        rc = import_next(r, &rec);
        if (rc == 1 && rec.error) {
            print_error("%s:%lu: %s\n", path, rec.line, rec.reason);
            tot->errors++;
            continue;
        }
        if (rc == 1) {
            tot->products++;
            tot->variants += rec.n_variants;
            memset(&batch[n], 0, sizeof batch[n]);
            batch[n++].event = rec.event;
            rec.event = NULL;
        }
        if (n == 16 || (rc != 1 && n)) {
            struct engine_report rep;
            if (engine_submit(t, batch, n, "import", &rep, err, sizeof err) != 0) fail_msg("%s", err);
            tot->applied += rep.applied;
            tot->refused += rep.refused;
            tot->outbox_ops += rep.outbox_ops;
            for (size_t i = 0; i < n; i++) {
                if (batch[i].status > 0) print_error("refused: %s\n", batch[i].message);
                free(batch[i].message);
                json_decref(batch[i].event);
            }
            n = 0;
        }
        if (rc != 1) break;
    }
    assert_int_equal(rc, 0);
    import_record_clear(&rec);
    import_close(r);
}

/* The first event of a file, for comparisons. */
static json_t *first_event(const char *path)
{
    struct import_reader *r;
    char err[512];
    assert_int_equal(import_open(&r, path, IMPORT_AUTO, "EUR", err, sizeof err), 0);
    struct import_record rec = IMPORT_RECORD_INIT;
    assert_int_equal(import_next(r, &rec), 1);
    assert_false(rec.error);
    json_t *ev = rec.event;
    rec.event = NULL;
    import_record_clear(&rec);
    import_close(r);
    return ev;
}

static int add_level(void *arg, const char *location, int64_t on_hand)
{
    json_object_set_new(arg, location, json_integer(on_hand));
    return 0;
}

static void test_sample_through_engine(void **state)
{
    struct fx *fx = *state;
    char jsonl[1024], csv[1024];
    snprintf(jsonl, sizeof jsonl, "%s/conf.d/samples/catalog.jsonl", src_dir());
    snprintf(csv, sizeof csv, "%s/conf.d/samples/catalog.csv", src_dir());

    struct totals a;
    import_into(fx->t, jsonl, &a);
    assert_int_equal(a.errors, 0);
    assert_int_equal(a.refused, 0);
    assert_int_equal(a.applied, a.products);
    if (fx->pushes) assert_true(a.outbox_ops >= a.variants); /* at least one op per SKU */
    else print_message("example plugin not built: outbox counts not checked\n");

    /* The store holds exactly the canonical documents and the file's counts. */
    json_t *ev = first_event(jsonl);
    struct txn *txn;
    assert_int_equal(txn_begin(fx->t->store, 0, &txn), 0);
    assert_int_equal(store_count(txn, "variants"), (int64_t)a.variants);
    assert_int_equal(store_count(txn, "products"), (int64_t)a.products);
    json_t *p = json_object_get(ev, "product");
    char *want = json_dumps(p, JSON_SORT_KEYS | JSON_COMPACT), *have = NULL;
    size_t len;
    assert_int_equal(store_product_get(txn, json_string_value(json_object_get(p, "id")), &have, &len), 0);
    assert_string_equal(have, want);
    free(have);
    free(want);
    json_t *v = json_array_get(json_object_get(ev, "variants"), 0);
    const char *sku = json_string_value(json_object_get(v, "sku"));
    want = json_dumps(v, JSON_SORT_KEYS | JSON_COMPACT);
    assert_int_equal(store_variant_get(txn, sku, &have, &len), 0);
    assert_string_equal(have, want);
    free(have);
    free(want);
    json_t *levels = json_object();
    assert_int_equal(store_stock_locations(txn, sku, add_level, levels), 0);
    int64_t sum = 0;
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(ev, "stock"), i, s) {
        if (strcmp(json_string_value(json_object_get(s, "sku")), sku) != 0) continue;
        json_t *l = json_object_get(levels, json_string_value(json_object_get(s, "location")));
        int64_t q = json_integer_value(json_object_get(s, "on_hand"));
        assert_int_equal(l ? json_integer_value(l) : 0, q);
        sum += q;
    }
    json_decref(levels);
    struct stock_totals st;
    assert_int_equal(store_stock_get(txn, sku, &st), 0);
    assert_int_equal(st.on_hand, sum);
    int64_t ledger = store_count(txn, "ledger");
    txn_abort(txn);

    /* Again, as JSONL and then as CSV: nothing changes, nothing is queued. */
    struct totals b;
    import_into(fx->t, jsonl, &b);
    assert_int_equal(b.errors + b.refused, 0);
    assert_int_equal(b.outbox_ops, 0);
    import_into(fx->t, csv, &b);
    assert_int_equal(b.errors + b.refused, 0);
    assert_int_equal(b.products, a.products);
    assert_int_equal(b.outbox_ops, 0);
    assert_int_equal(txn_begin(fx->t->store, 0, &txn), 0);
    assert_int_equal(store_count(txn, "ledger"), ledger);
    txn_abort(txn);

    /* One product with a new price for its first variant and a new count: work
     * is queued for that product only, and the store shows the new values. */
    json_int_t amount = json_integer_value(json_object_get(json_object_get(v, "price"), "amount"));
    json_t *raw = json_pack("{s:O, s:s, s:O, s:[{s:s, s:O, s:I, s:s, s:{s:i}}]}", "id",
                            json_object_get(p, "id"), "title",
                            json_string_value(json_object_get(p, "title")), "options",
                            json_object_get(p, "options"), "variants", "sku", sku, "options",
                            json_object_get(v, "options"), "price", amount + 100, "currency",
                            "EUR", "stock", "default", 977);
    /* keep the product document identical: copy the optional fields too */
    const char *keys[] = {"brand", "category", "description", "images", "tags", "status"};
    for (size_t k = 0; k < sizeof keys / sizeof *keys; k++)
        json_object_set(raw, keys[k], json_object_get(p, keys[k]));
    char path[512];
    snprintf(path, sizeof path, "%s/change.jsonl", fx->dir);
    assert_int_equal(json_dump_file(raw, path, JSON_COMPACT), 0);
    json_decref(raw);
    struct totals c;
    import_into(fx->t, path, &c);
    assert_int_equal(c.errors + c.refused, 0);
    assert_int_equal(c.applied, 1);
    if (fx->pushes) {
        assert_true(c.outbox_ops >= 1);
        assert_true(c.outbox_ops <= 2); /* this SKU's listing and stock, nothing else */
    }
    assert_int_equal(txn_begin(fx->t->store, 0, &txn), 0);
    assert_int_equal(store_variant_get(txn, sku, &have, &len), 0);
    json_t *stored = json_loads(have, 0, NULL);
    free(have);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(stored, "price"), "amount")),
                     amount + 100);
    json_decref(stored);
    levels = json_object();
    store_stock_locations(txn, sku, add_level, levels);
    assert_int_equal(json_integer_value(json_object_get(levels, "default")), 977);
    json_decref(levels);
    assert_int_equal(store_count(txn, "ledger"), ledger + 1); /* one count movement */
    txn_abort(txn);
    json_decref(ev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sample_through_engine, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
