/*
 * test_lua_mapping.c - batches, reload (good and broken saves), status, and
 * the file watcher reloading on a real rename inside a uv loop.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <uv.h>

#include "common/crypto.h"
#include "lua/mapping.h"
#include "lua/watch.h"
#include "lua_fixtures/luatest.h"

#define MEM (8u << 20)
#define BUDGET 1000000u

/* A script whose output says which version it is; SKUs starting with
 * "BAD" fail.  `extra` is appended (e.g. a syntax error). */
static void write_version(const char *path, int version, const char *extra)
{
    char src[2048];
    snprintf(src, sizeof src,
             "local money = require('lib.money')\n"
             "local tag = require('lib.tag')\n"
             "function to_channel(product, variant, stock, ctx)\n"
             "    if variant.sku:sub(1, 3) == 'BAD' then error('no mapping for ' .. variant.sku) end\n"
             "    return { sku = variant.sku, v = %d, tag = tag.name,\n"
             "             price = money.format(variant.price.amount, variant.price.currency) }\n"
             "end\n"
             "function allocate(sku, stock, channel, ctx)\n"
             "    return math.max(0, stock.on_hand - stock.reserved - (ctx.buffer or 0))\n"
             "end\n"
             "%s\n",
             version, extra ? extra : "");
    assert_int_equal(luatest_write(path, src), 0);
}

struct fixture {
    char *dir;        /* scripts dir */
    char path[600];   /* <dir>/shop.lua */
    char lib[600];    /* <dir>/lib/tag.lua */
};

static void setup_dir(struct fixture *f)
{
    f->dir = luatest_tmpdir();
    assert_non_null(f->dir);
    char lib[700];
    snprintf(lib, sizeof lib, "%s/lib", f->dir);
    assert_int_equal(mkdir(lib, 0755), 0);
    snprintf(f->lib, sizeof f->lib, "%s/lib/tag.lua", f->dir);
    assert_int_equal(luatest_write(f->lib, "return { name = 'one' }\n"), 0);
    /* the real money helper, so the scripts use what ships */
    char money[700];
    snprintf(money, sizeof money, "%s/lib/money.lua", f->dir);
    size_t len = 0;
    char *src = read_file(luatest_path("scripts/lib/money.lua"), &len);
    assert_non_null(src);
    assert_int_equal(luatest_write(money, src), 0);
    free(src);
    snprintf(f->path, sizeof f->path, "%s/shop.lua", f->dir);
    write_version(f->path, 1, NULL);
}

static void teardown_dir(struct fixture *f)
{
    luatest_rmrf(f->dir);
    free(f->dir);
}

static json_t *map_sku(struct mapping *m, const char *sku, char **err)
{
    json_t *product = luatest_json("{\"id\":\"p\",\"title\":\"T\"}");
    json_t *variant = json_pack("{s:s, s:{s:i, s:s}}", "sku", sku, "price", "amount", 8999,
                                "currency", "EUR");
    struct map_item it = {product, variant, NULL, NULL, NULL};
    mapping_to_channel(m, &it, 1, NULL);
    json_decref(product);
    json_decref(variant);
    if (err)
        *err = it.error;
    else
        free(it.error);
    return it.result;
}

static int64_t version_of(struct mapping *m)
{
    json_t *r = map_sku(m, "A", NULL);
    int64_t v = r ? json_integer_value(json_object_get(r, "v")) : -1;
    json_decref(r);
    return v;
}

static void test_batch_with_failing_items(void **state)
{
    (void)state;
    struct fixture f;
    setup_dir(&f);
    struct mapping *m = luatest_open(f.dir, f.path, MEM, BUDGET);
    assert_non_null(m);
    enum { N = 300 };
    struct map_item items[N];
    json_t *products[3];
    for (int i = 0; i < 3; i++) products[i] = json_pack("{s:s+, s:s}", "id", "p", i == 0 ? "0" : i == 1 ? "1" : "2", "title", "T");
    json_t *variants[N];
    for (int i = 0; i < N; i++) {
        char sku[32];
        snprintf(sku, sizeof sku, "%s-%d", i % 97 == 50 ? "BAD" : "SKU", i);
        variants[i] = json_pack("{s:s, s:{s:i, s:s}}", "sku", sku, "price", "amount", 100 + i,
                                "currency", "EUR");
        items[i] = (struct map_item){products[i / 100], variants[i], NULL, NULL, NULL};
    }
    int failed = mapping_to_channel(m, items, N, NULL);
    assert_int_equal(failed, 3); /* 50, 147, 244 */
    for (int i = 0; i < N; i++) {
        if (i % 97 == 50) {
            assert_null(items[i].result);
            char expect[64];
            snprintf(expect, sizeof expect, "no mapping for BAD-%d", i);
            assert_true(luatest_has(items[i].error, expect));
            assert_true(luatest_has(items[i].error, "shop.lua:4:"));
        } else {
            assert_null(items[i].error);
            char sku[32], price[32];
            snprintf(sku, sizeof sku, "SKU-%d", i);
            snprintf(price, sizeof price, "%d.%02d", (100 + i) / 100, (100 + i) % 100);
            assert_string_equal(json_string_value(json_object_get(items[i].result, "sku")), sku);
            assert_string_equal(json_string_value(json_object_get(items[i].result, "price")), price);
        }
        json_decref(items[i].result);
        free(items[i].error);
        json_decref(variants[i]);
    }
    for (int i = 0; i < 3; i++) json_decref(products[i]);
    struct mapping_status st;
    mapping_status(m, &st);
    assert_int_equal(st.calls, N);
    assert_int_equal(st.call_failures, 3);
    assert_true(luatest_has(st.last_error, "no mapping for BAD-244"));

    /* allocate batch: one trip, per-item results */
    const char *skus[3] = {"A", "B", "C"};
    json_t *stocks[3] = {
        luatest_json("{\"on_hand\":10,\"reserved\":2,\"available\":8}"),
        luatest_json("{\"on_hand\":1,\"reserved\":2,\"available\":0}"),
        luatest_json("{\"on_hand\":5,\"reserved\":0,\"available\":5}"),
    };
    json_t *ctx = luatest_json("{\"buffer\":1}");
    int64_t out[3];
    assert_int_equal(mapping_allocate(m, skus, stocks, 3, "shop", ctx, out, NULL), 0);
    assert_int_equal(out[0], 7);
    assert_int_equal(out[1], 0);
    assert_int_equal(out[2], 4);
    for (int i = 0; i < 3; i++) json_decref(stocks[i]);
    json_decref(ctx);
    /* a script without from_channel says so */
    char *err = NULL;
    json_t *p = json_object();
    assert_null(mapping_from_channel(m, "orders/create", p, NULL, &err));
    assert_true(luatest_has(err, "defines no from_channel()"));
    free(err);
    json_decref(p);
    mapping_close(m);
    teardown_dir(&f);
}

static void test_reload(void **state)
{
    (void)state;
    struct fixture f;
    setup_dir(&f);
    struct mapping *m = luatest_open(f.dir, f.path, MEM, BUDGET);
    assert_non_null(m);
    struct mapping_status st;
    mapping_status(m, &st);
    assert_int_equal(st.version, 1);
    assert_int_equal(st.reload_failures, 0);
    assert_null(st.last_error);
    assert_true(st.loaded_ms > 0);
    assert_string_equal(st.path, f.path);
    /* the sha256 is of the running source */
    size_t len = 0;
    char *src = read_file(f.path, &len);
    unsigned char d[32];
    char hex[65];
    hub_sha256(src, len, d);
    hub_hex_encode(d, 32, hex);
    free(src);
    assert_string_equal(st.sha256, hex);
    assert_int_equal(version_of(m), 1);

    /* a good save: version + 1, new code runs */
    write_version(f.path, 2, NULL);
    char err[1024] = "";
    assert_int_equal(mapping_reload(m, err, sizeof err), 0);
    mapping_status(m, &st);
    assert_int_equal(st.version, 2);
    assert_string_not_equal(st.sha256, hex);
    assert_int_equal(version_of(m), 2);
    char sha2[65];
    memcpy(sha2, st.sha256, 65);

    /* a syntax error: refused, version 2 keeps running */
    write_version(f.path, 3, "function broken(");
    assert_int_equal(mapping_reload(m, err, sizeof err), -1);
    assert_true(luatest_has(err, "shop.lua:12:"));
    mapping_status(m, &st);
    assert_int_equal(st.version, 2);
    assert_int_equal(st.reload_failures, 1);
    assert_string_equal(st.sha256, sha2);
    assert_true(luatest_has(st.last_error, "shop.lua:12:"));
    assert_true(luatest_has(st.last_error, "version 2 keeps running"));
    assert_int_equal(version_of(m), 2);

    /* compiles, but fails the smoke test (to_channel breaks on the sample) */
    assert_int_equal(luatest_write(f.path, "function to_channel(p, v, s, ctx)\n"
                                           "  return { weight = v.weight_g + 1 }\n"
                                           "end\n"),
                     0);
    assert_int_equal(mapping_reload(m, err, sizeof err), -1);
    assert_true(luatest_has(err, "smoke test failed"));
    assert_true(luatest_has(err, "shop.lua:2:"));
    mapping_status(m, &st);
    assert_int_equal(st.version, 2);
    assert_int_equal(st.reload_failures, 2);
    assert_int_equal(version_of(m), 2);

    /* from_channel that does not tolerate the "smoke" kind is refused too */
    assert_int_equal(luatest_write(f.path, "function from_channel(kind, payload, ctx)\n"
                                           "  return { { type = 'order.created', order_id = payload.id .. '' } }\n"
                                           "end\n"),
                     0);
    assert_int_equal(mapping_reload(m, err, sizeof err), -1);
    assert_true(luatest_has(err, "smoke test failed"));
    /* an infinite loop at top level is refused (budget), as is a missing file */
    assert_int_equal(luatest_write(f.path, "while true do end\n"), 0);
    assert_int_equal(mapping_reload(m, err, sizeof err), -1);
    assert_true(luatest_has(err, "instruction budget"));
    unlink(f.path);
    assert_int_equal(mapping_reload(m, err, sizeof err), -1);
    assert_true(luatest_has(err, "cannot read the script"));
    mapping_status(m, &st);
    assert_int_equal(st.version, 2);
    assert_int_equal(st.reload_failures, 5);

    /* a later good save is taken again; a changed lib is seen by the new state */
    write_version(f.path, 4, NULL);
    assert_int_equal(luatest_write(f.lib, "return { name = 'two' }\n"), 0);
    assert_int_equal(mapping_reload(m, err, sizeof err), 0);
    mapping_status(m, &st);
    assert_int_equal(st.version, 3);
    json_t *r = map_sku(m, "A", NULL);
    assert_int_equal(json_integer_value(json_object_get(r, "v")), 4);
    assert_string_equal(json_string_value(json_object_get(r, "tag")), "two");
    json_decref(r);
    mapping_close(m);
    teardown_dir(&f);
}

/* ------------------------------------------------------------ watcher */

struct watch_seen {
    int calls, ok;
    char err[1024];
    uv_timer_t deadline;
    uv_loop_t *loop;
};

static void on_result(void *arg, struct mapping *m, int ok, const char *err)
{
    struct watch_seen *s = arg;
    (void)m;
    s->calls++;
    s->ok = ok;
    snprintf(s->err, sizeof s->err, "%s", err ? err : "");
    uv_stop(s->loop);
}

static void on_deadline(uv_timer_t *t)
{
    uv_stop(t->loop);
}

/* Save like an editor: write a temporary file, rename it over the script. */
static void save_by_rename(const char *dir, const char *path, int version, const char *extra)
{
    char tmp[700];
    snprintf(tmp, sizeof tmp, "%s/.shop.lua.swp", dir);
    write_version(tmp, version, extra);
    assert_int_equal(rename(tmp, path), 0);
}

/* Run the loop until on_result fires or 5 s pass. */
static void wait_result(struct watch_seen *s, int calls_before)
{
    uv_timer_start(&s->deadline, on_deadline, 5000, 0);
    while (s->calls == calls_before) {
        uv_run(s->loop, UV_RUN_DEFAULT);
        if (!uv_is_active((uv_handle_t *)&s->deadline)) break;
    }
    uv_timer_stop(&s->deadline);
}

static void test_watcher_reloads_on_rename(void **state)
{
    (void)state;
    struct fixture f;
    setup_dir(&f);
    uv_loop_t loop;
    assert_int_equal(uv_loop_init(&loop), 0);
    struct mapping *m = luatest_open(f.dir, f.path, MEM, BUDGET);
    assert_non_null(m);
    struct watch_seen seen = {0};
    seen.loop = &loop;
    uv_timer_init(&loop, &seen.deadline);
    struct mapping_watch *w = mapping_watch_start(&loop, m, on_result, &seen);
    assert_non_null(w);
    mapping_watch_set_debounce(w, 50);

    save_by_rename(f.dir, f.path, 2, NULL);
    wait_result(&seen, 0);
    assert_int_equal(seen.calls, 1);
    assert_int_equal(seen.ok, 1);
    struct mapping_status st;
    mapping_status(m, &st);
    assert_int_equal(st.version, 2);
    assert_int_equal(version_of(m), 2);

    /* a broken save is refused and reported; version 2 keeps running */
    save_by_rename(f.dir, f.path, 3, "local x = = 1");
    wait_result(&seen, 1);
    assert_int_equal(seen.calls, 2);
    assert_int_equal(seen.ok, 0);
    assert_true(luatest_has(seen.err, "shop.lua:11: unexpected symbol"));
    mapping_status(m, &st);
    assert_int_equal(st.version, 2);
    assert_int_equal(st.reload_failures, 1);
    assert_int_equal(version_of(m), 2);

    /* fixing it is picked up */
    save_by_rename(f.dir, f.path, 5, NULL);
    wait_result(&seen, 2);
    assert_int_equal(seen.ok, 1);
    assert_int_equal(version_of(m), 5);

    /* a change in scripts/lib reloads too */
    char tmp[700];
    snprintf(tmp, sizeof tmp, "%s/lib/.tag.tmp", f.dir);
    assert_int_equal(luatest_write(tmp, "return { name = 'renamed' }\n"), 0);
    assert_int_equal(rename(tmp, f.lib), 0);
    wait_result(&seen, 3);
    assert_int_equal(seen.calls, 4);
    assert_int_equal(seen.ok, 1);
    json_t *r = map_sku(m, "A", NULL);
    assert_string_equal(json_string_value(json_object_get(r, "tag")), "renamed");
    json_decref(r);
    mapping_status(m, &st);
    assert_int_equal(st.version, 4);

    /* other files in the directory do not trigger anything */
    char other[700];
    snprintf(other, sizeof other, "%s/notes.txt", f.dir);
    assert_int_equal(luatest_write(other, "hello"), 0);
    uv_timer_start(&seen.deadline, on_deadline, 300, 0);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(seen.calls, 4);

    mapping_watch_stop(w);
    uv_close((uv_handle_t *)&seen.deadline, NULL);
    uv_run(&loop, UV_RUN_DEFAULT); /* close callbacks free the watch */
    assert_int_equal(uv_loop_close(&loop), 0);
    mapping_close(m);
    teardown_dir(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batch_with_failing_items),
        cmocka_unit_test(test_reload),
        cmocka_unit_test(test_watcher_reloads_on_rename),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
