/*
 * test_lua_sandbox.c - every escape or blow-up fails THAT call with a clear
 * error naming script and line, while the items around it in the same batch
 * and the next call succeed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "lua/mapping.h"
#include "lua_fixtures/luatest.h"

#define MEM (16u << 20)
#define BUDGET 2000000u

static struct mapping *open_bad_calls(void)
{
    return luatest_open(luatest_path("scripts"), luatest_path("tests/unit/lua_fixtures/bad_calls.lua"),
                        MEM, BUDGET);
}

/* Run [GOOD-1, sku, GOOD-2] and check the middle one fails with `expect`
 * (and the script's name), the others map normally. */
static void expect_item_error(struct mapping *m, const char *sku, const char *expect)
{
    json_t *product = luatest_json("{\"id\":\"p1\",\"title\":\"T\"}");
    json_t *v_ok1 = luatest_json("{\"sku\":\"GOOD-1\",\"price\":{\"amount\":8999,\"currency\":\"EUR\"}}");
    json_t *v_bad = json_pack("{s:s, s:{s:i, s:s}}", "sku", sku, "price", "amount", 1, "currency", "EUR");
    json_t *v_ok2 = luatest_json("{\"sku\":\"GOOD-2\",\"price\":{\"amount\":500,\"currency\":\"JPY\"}}");
    json_t *stock = luatest_json("{\"on_hand\":3,\"reserved\":0,\"available\":3}");
    json_t *ctx = luatest_json("{\"tenant\":\"t\",\"channel\":\"c\"}");
    struct map_item items[3] = {
        {product, v_ok1, stock, NULL, NULL},
        {product, v_bad, stock, NULL, NULL},
        {product, v_ok2, stock, NULL, NULL},
    };
    int failed = mapping_to_channel(m, items, 3, ctx);
    if (failed != 1 || !items[1].error) fprintf(stderr, "sku %s: failed=%d\n", sku, failed);
    assert_int_equal(failed, 1);
    assert_null(items[1].result);
    assert_true(luatest_has(items[1].error, expect));
    assert_true(luatest_has(items[1].error, "bad_calls.lua:"));
    assert_non_null(items[0].result);
    assert_non_null(items[2].result);
    assert_string_equal(json_string_value(json_object_get(items[0].result, "price")), "89.99");
    assert_string_equal(json_string_value(json_object_get(items[2].result, "price")), "500");
    for (int i = 0; i < 3; i += 2) {
        assert_string_equal(json_string_value(json_object_get(items[i].result, "upper")), "ABC");
        assert_int_equal(json_integer_value(json_object_get(items[i].result, "floor")), 3);
        assert_true(json_is_true(json_object_get(items[i].result, "tostring_ok")));
    }
    for (int i = 0; i < 3; i++) {
        json_decref(items[i].result);
        free(items[i].error);
    }
    json_decref(product);
    json_decref(v_ok1);
    json_decref(v_bad);
    json_decref(v_ok2);
    json_decref(stock);
    json_decref(ctx);
}

static void test_endless_loop(void **state)
{
    (void)state;
    struct mapping *m = open_bad_calls();
    assert_non_null(m);
    expect_item_error(m, "LOOP", "bad_calls.lua:7: instruction budget of 2000000 exceeded (endless loop?)");
    expect_item_error(m, "PCALL_LOOP", "instruction budget of 2000000 exceeded");
    /* the budget is per item: a fresh call still has all of it */
    expect_item_error(m, "LOOP", "instruction budget");
    struct mapping_status st;
    mapping_status(m, &st);
    assert_int_equal(st.call_failures, 3);
    assert_int_equal(st.calls, 9);
    assert_true(luatest_has(st.last_error, "instruction budget"));
    mapping_close(m);
}

static void test_memory_bombs(void **state)
{
    (void)state;
    struct mapping *m = open_bad_calls();
    assert_non_null(m);
    expect_item_error(m, "MEM_STRING", "memory limit of 16384 KiB exceeded");
    expect_item_error(m, "MEM_TABLE", "memory limit of 16384 KiB exceeded");
    expect_item_error(m, "MEM_CONCAT", "memory limit of 16384 KiB exceeded");
    /* the position names the line that allocated */
    expect_item_error(m, "MEM_STRING", "bad_calls.lua:17:");
    struct mapping_status st;
    mapping_status(m, &st);
    assert_true(st.memory_bytes > 0);
    assert_true(st.memory_bytes <= MEM);
    mapping_close(m);
}

static void test_forbidden_libraries(void **state)
{
    (void)state;
    struct mapping *m = open_bad_calls();
    assert_non_null(m);
    expect_item_error(m, "OS", "'os' is not available in the mapping sandbox");
    expect_item_error(m, "IO", "'io' is not available in the mapping sandbox");
    expect_item_error(m, "DEBUG", "'debug' is not available");
    expect_item_error(m, "LOAD", "'load' is not available");
    expect_item_error(m, "LOADSTRING", "'loadstring' is not available");
    expect_item_error(m, "DOFILE", "'dofile' is not available");
    expect_item_error(m, "COLLECT", "'collectgarbage' is not available");
    expect_item_error(m, "DUMP", "'string.dump' is not available");
    expect_item_error(m, "COROUTINE", "'coroutine' is not available");
    expect_item_error(m, "PRINT", "(use hub.log)");
    expect_item_error(m, "RAWSET", "'rawset' is not available");
    mapping_close(m);
}

static void test_require_outside_lib(void **state)
{
    (void)state;
    struct mapping *m = open_bad_calls();
    assert_non_null(m);
    expect_item_error(m, "REQ_DOTDOT", "require: '../x' is outside scripts/lib");
    expect_item_error(m, "REQ_LIBDOTDOT", "require: 'lib/../../etc/passwd' is outside scripts/lib");
    expect_item_error(m, "REQ_ABS", "require: '/etc/passwd' is outside scripts/lib");
    expect_item_error(m, "REQ_UPPER", "require: 'lib.Money' is outside scripts/lib");
    expect_item_error(m, "REQ_PLAIN", "require: 'money' is outside scripts/lib");
    expect_item_error(m, "REQ_MISSING", "require: 'lib.nope' not found in scripts/lib");
    mapping_close(m);
}

static void test_globals_read_only(void **state)
{
    (void)state;
    struct mapping *m = open_bad_calls();
    assert_non_null(m);
    expect_item_error(m, "GLOBAL", "assignment to global 'leaked' is not allowed");
    expect_item_error(m, "GLOBAL_FN", "assignment to global 'helper' is not allowed");
    expect_item_error(m, "OVERRIDE", "assignment to global 'tostring' is not allowed");
    expect_item_error(m, "SETMT_ENV", "cannot change a protected metatable");
    expect_item_error(m, "STRING_LIB", "'string' is read-only (assignment to 'upper')");
    expect_item_error(m, "MATH_LIB", "'math' is read-only (assignment to 'floor')");
    expect_item_error(m, "HUB_LIB", "'hub' is read-only (assignment to 'null')");
    expect_item_error(m, "GC", "__gc is not allowed");
    mapping_close(m);
}

static void test_string_metatable_tampering(void **state)
{
    (void)state;
    struct mapping *m = open_bad_calls();
    assert_non_null(m);
    /* expect_item_error also checks ("abc"):upper() == "ABC" in the good items */
    expect_item_error(m, "STRMT_INDEX", "'string' is read-only (assignment to 'upper')");
    expect_item_error(m, "STRMT_REPLACE", "'the string metatable' is read-only");
    mapping_close(m);
}

static void test_error_objects_and_overflow(void **state)
{
    (void)state;
    struct mapping *m = open_bad_calls();
    assert_non_null(m);
    expect_item_error(m, "ERROR_TABLE", "raised an error object of type table");
    expect_item_error(m, "ERROR_NOPOS", "to_channel: plain message");
    json_t *product = luatest_json("{\"id\":\"p1\",\"title\":\"T\"}");
    json_t *variant = luatest_json("{\"sku\":\"RECURSE\"}");
    struct map_item it = {product, variant, NULL, NULL, NULL};
    assert_int_equal(mapping_to_channel(m, &it, 1, NULL), 1);
    assert_true(strstr(it.error, "stack overflow") || strstr(it.error, "memory limit"));
    free(it.error);
    json_decref(product);
    json_decref(variant);
    mapping_close(m);
}

/* A script whose top level misbehaves is refused at open, with a message. */
static void test_top_level_refused(void **state)
{
    (void)state;
    char *dir = luatest_tmpdir();
    assert_non_null(dir);
    struct {
        const char *src, *expect;
    } cases[] = {
        {"while true do end\nfunction to_channel() return {} end\n", "x.lua:1: instruction budget"},
        {"local r = os.execute('true')\nfunction to_channel() return {} end\n", "'os' is not available"},
        {"function to_channel( return {} end\n", "x.lua:1:"},
        {"to_channel = 5\n", "global 'to_channel' is a number"},
        {"local x = 1\n", "defines none of to_channel, from_channel, allocate"},
        {"function to_channel(p, v) return { price = v.price.amount .. '' } end\n"
         "function from_channel() return 'x' end\n",
         "smoke test failed"},
        {"\x1bLua", "binary"},
    };
    char path[512];
    snprintf(path, sizeof path, "%s/x.lua", dir);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(luatest_write(path, cases[i].src), 0);
        struct mapping *m = NULL;
        struct mapping_limits lim = {MEM, BUDGET};
        char err[1024] = "";
        assert_int_equal(mapping_open(&m, luatest_path("scripts"), path, &lim, err, sizeof err), -1);
        assert_null(m);
        assert_true(luatest_has(err, cases[i].expect));
    }
    assert_int_equal(luatest_write(path, "function to_channel() return {} end\n"), 0);
    struct mapping *m = luatest_open(luatest_path("scripts"), path, MEM, BUDGET);
    assert_non_null(m);
    assert_true(mapping_has(m, "to_channel"));
    assert_false(mapping_has(m, "allocate"));
    mapping_close(m);
    /* a missing file */
    struct mapping_limits lim = {MEM, BUDGET};
    char err[512] = "";
    snprintf(path, sizeof path, "%s/missing.lua", dir);
    assert_int_equal(mapping_open(&m, luatest_path("scripts"), path, &lim, err, sizeof err), -1);
    assert_true(luatest_has(err, "cannot read the script"));
    luatest_rmrf(dir);
    free(dir);
}

/* Wrong return types for each of the three functions. */
static void test_wrong_return_types(void **state)
{
    (void)state;
    struct mapping *m = luatest_open(luatest_path("scripts"),
                                     luatest_path("tests/unit/lua_fixtures/bad_returns.lua"), MEM, BUDGET);
    assert_non_null(m);
    struct {
        const char *sku, *expect;
    } tc[] = {
        {"STRING", "to_channel returned a string, expected a table"},
        {"NIL", "to_channel returned nil, expected a table"},
        {"NUMBER", "to_channel returned a number, expected a table"},
        {"ARRAY", "to_channel returned an array, expected an object"},
        {"FUNCTION_FIELD", "to_channel result at $.f: a function value cannot be converted"},
        {"NAN", "at $.x: number is NaN"},
        {"CYCLE", "at $.self: table contains itself (cycle)"},
        {"BAD_KEY", "object key of type boolean"},
        {"MIXED", "table mixes array items and keys"},
        {"BAD_UTF8", "at $.s: string is not valid UTF-8"},
        {"DEEP", "nested deeper than 64 levels"},
    };
    json_t *product = luatest_json("{\"id\":\"p\"}");
    json_t *ctx = luatest_json("{\"channel\":\"shop\",\"buffer\":1}");
    for (size_t i = 0; i < sizeof tc / sizeof tc[0]; i++) {
        json_t *bad = json_pack("{s:s}", "sku", tc[i].sku);
        json_t *good = json_pack("{s:s}", "sku", "FINE");
        struct map_item items[2] = {{product, bad, NULL, NULL, NULL}, {product, good, NULL, NULL, NULL}};
        assert_int_equal(mapping_to_channel(m, items, 2, ctx), 1);
        assert_true(luatest_has(items[0].error, tc[i].expect));
        assert_true(luatest_has(items[0].error, "bad_returns.lua:"));
        assert_string_equal(json_string_value(json_object_get(items[1].result, "sku")), "FINE");
        free(items[0].error);
        json_decref(items[1].result);
        json_decref(bad);
        json_decref(good);
    }

    struct {
        const char *kind, *expect;
    } fc[] = {
        {"string", "from_channel returned a string, expected an array of event tables"},
        {"nil", "from_channel returned nil"},
        {"object", "from_channel returned an object, expected an array"},
        {"no_type", "from_channel returned event 2 without a string field 'type'"},
        {"number_type", "event 1 without a string field 'type'"},
        {"not_table", "returned a non-table value as event 1"},
    };
    json_t *payload = luatest_json("{\"id\":\"o-1\"}");
    for (size_t i = 0; i < sizeof fc / sizeof fc[0]; i++) {
        char *err = NULL;
        json_t *ev = mapping_from_channel(m, fc[i].kind, payload, ctx, &err);
        assert_null(ev);
        assert_true(luatest_has(err, fc[i].expect));
        assert_true(luatest_has(err, "bad_returns.lua:"));
        free(err);
        /* the next call works */
        ev = mapping_from_channel(m, "good", payload, ctx, &err);
        assert_non_null(ev);
        assert_null(err);
        assert_int_equal(json_array_size(ev), 1);
        assert_string_equal(json_string_value(json_object_get(json_array_get(ev, 0), "order_id")), "o-1");
        assert_string_equal(json_string_value(json_object_get(json_array_get(ev, 0), "channel")), "shop");
        json_decref(ev);
    }
    char *err = NULL;
    json_t *none = mapping_from_channel(m, "unknown", payload, ctx, &err);
    assert_true(json_is_array(none));
    assert_int_equal(json_array_size(none), 0);
    json_decref(none);

    const char *skus[] = {"FLOAT", "A", "WHOLE_FLOAT", "STRING", "NEGATIVE", "NIL", "TABLE", "B"};
    json_t *stock = luatest_json("{\"on_hand\":10,\"reserved\":3,\"available\":7}");
    json_t *stocks[8];
    for (int i = 0; i < 8; i++) stocks[i] = stock;
    int64_t out[8];
    char *errors[8];
    assert_int_equal(mapping_allocate(m, skus, stocks, 8, "shop", ctx, out, errors), 6);
    assert_true(luatest_has(errors[0], "allocate returned a float (3.5), expected an integer >= 0"));
    assert_true(luatest_has(errors[2], "allocate returned a float (3.0)"));
    assert_true(luatest_has(errors[3], "allocate returned a string (\"5\")"));
    assert_true(luatest_has(errors[4], "allocate returned a negative number (-1)"));
    assert_true(luatest_has(errors[5], "allocate returned nil"));
    assert_true(luatest_has(errors[6], "allocate returned a table"));
    assert_true(luatest_has(errors[0], "bad_returns.lua:"));
    assert_int_equal(out[1], 6); /* 10 - 3 - buffer 1 */
    assert_int_equal(out[7], 6);
    assert_null(errors[1]);
    assert_int_equal(out[0], -1);
    for (int i = 0; i < 8; i++) free(errors[i]);

    json_decref(stock);
    json_decref(payload);
    json_decref(product);
    json_decref(ctx);
    mapping_close(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_endless_loop),
        cmocka_unit_test(test_memory_bombs),
        cmocka_unit_test(test_forbidden_libraries),
        cmocka_unit_test(test_require_outside_lib),
        cmocka_unit_test(test_globals_read_only),
        cmocka_unit_test(test_string_metatable_tampering),
        cmocka_unit_test(test_error_objects_and_overflow),
        cmocka_unit_test(test_top_level_refused),
        cmocka_unit_test(test_wrong_return_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
