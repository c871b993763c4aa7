/*
 * test_lua_libs.c - lib/money.lua is exact (formats and parses minor units
 * without floats, round trip over many amounts), lib/util.lua helpers, the
 * example mapping, the allocation rules, and the worked example of
 * docs/mapping-guide.md.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "lua/mapping.h"
#include "lua_fixtures/luatest_scripts.h"

/* ------------------------------------------------------------ example, allocation */

static void test_example_and_allocation(void **state)
{
    (void)state;
    struct mapping *m = open_script("example.lua");
    assert_non_null(m);
    json_t *ctx = ctx_for("example");
    json_t *r = map_variant(m, VARIANT, STOCK, ctx);
    assert_string_equal(js(r, "sku"), "TEE-M-RED");
    assert_string_equal(js(r, "title"), "Classic Tee");
    assert_int_equal(ji(r, "price.amount"), 8999);
    assert_string_equal(js(r, "price.currency"), "EUR");
    assert_string_equal(js(r, "options.size"), "M");
    assert_int_equal(ji(r, "compare_at.amount"), 9999);
    assert_null(json_object_get(r, "quantity"));
    json_decref(r);
    json_t *order = luatest_json("{\"id\":77,\"lines\":[{\"sku\":\"TEE-M-RED\",\"quantity\":3}]}");
    json_t *ev = events_of(m, "order", order, ctx);
    assert_string_equal(js(ev, "0.type"), "order.created");
    assert_string_equal(js(ev, "0.order_id"), "77");
    assert_int_equal(ji(ev, "0.lines.0.quantity"), 3);
    json_decref(ev);
    json_decref(order);
    mapping_close(m);

    m = open_script("allocate.lua");
    assert_non_null(m);
    const char *skus[3] = {"A", "B", "C"};
    json_t *stocks[3] = {
        luatest_json("{\"on_hand\":10,\"reserved\":2,\"available\":8}"),
        luatest_json("{\"on_hand\":3,\"reserved\":3,\"available\":0}"),
        luatest_json("{\"on_hand\":20,\"reserved\":0,\"available\":20}"),
    };
    int64_t out[3];
    json_object_set_new(ctx, "buffer", json_integer(1));
    assert_int_equal(mapping_allocate(m, skus, stocks, 3, "example", ctx, out, NULL), 0);
    assert_int_equal(out[0], 7);
    assert_int_equal(out[1], 0);
    assert_int_equal(out[2], 19);
    mapping_close(m);

    m = open_script("allocate_share.lua");
    assert_non_null(m);
    json_object_set_new(ctx, "buffer", json_integer(0));
    assert_int_equal(mapping_allocate(m, skus, stocks, 3, "amazon", ctx, out, NULL), 0);
    assert_int_equal(out[0], 4);  /* 50% of 8 */
    assert_int_equal(out[1], 0);
    assert_int_equal(out[2], 10);
    assert_int_equal(mapping_allocate(m, skus, stocks, 3, "shopify", ctx, out, NULL), 0);
    assert_int_equal(out[0], 8);
    assert_int_equal(out[2], 20);
    json_t *low = luatest_json("{\"on_hand\":2,\"reserved\":0,\"available\":2}");
    assert_int_equal(mapping_allocate(m, skus, &low, 1, "tiktok", ctx, out, NULL), 0);
    assert_int_equal(out[0], 0);
    json_decref(low);
    for (int i = 0; i < 3; i++) json_decref(stocks[i]);
    json_decref(ctx);
    mapping_close(m);
}

/* ------------------------------------------------------------ lib/money.lua, lib/util.lua */

static json_t *probe(struct mapping *m, const char *op, json_t *args, char **err)
{
    json_t *p = json_object();
    json_t *v = json_pack("{s:s, s:s, s:o}", "sku", "PROBE", "op", op, "args", args);
    struct map_item it = {p, v, NULL, NULL, NULL};
    mapping_to_channel(m, &it, 1, NULL);
    json_decref(p);
    json_decref(v);
    if (err)
        *err = it.error;
    else
        free(it.error);
    return it.result;
}

static void expect_format(struct mapping *m, long long amount, const char *cur, const char *want)
{
    json_t *r = probe(m, "format", json_pack("[I, s]", amount, cur), NULL);
    assert_non_null(r);
    assert_string_equal(js(r, "r"), want);
    json_decref(r);
}

static void expect_parse(struct mapping *m, const char *text, const char *cur, long long want)
{
    char *err = NULL;
    json_t *r = probe(m, "parse", json_pack("[s, s]", text, cur), &err);
    if (!r) fprintf(stderr, "parse(%s, %s): %s\n", text, cur, err);
    free(err);
    assert_non_null(r);
    assert_true(json_is_integer(json_object_get(r, "r")));
    assert_int_equal(json_integer_value(json_object_get(r, "r")), want);
    json_decref(r);
}

static void expect_error(struct mapping *m, const char *op, json_t *args, const char *want)
{
    char *err = NULL;
    json_t *r = probe(m, op, args, &err);
    assert_null(r);
    assert_true(luatest_has(err, want));
    free(err);
}

static void test_money_and_util(void **state)
{
    (void)state;
    struct mapping *m = luatest_open(luatest_path("scripts"),
                                     luatest_path("tests/unit/lua_fixtures/money_probe.lua"), MEM, BUDGET);
    assert_non_null(m);
    expect_format(m, 8999, "EUR", "89.99");
    expect_format(m, 8999, "JPY", "8999");
    expect_format(m, 1234, "KWD", "1.234");
    expect_format(m, 1234, "BHD", "1.234");
    expect_format(m, 5, "KWD", "0.005");
    expect_format(m, -5, "EUR", "-0.05");
    expect_format(m, 0, "EUR", "0.00");
    expect_format(m, 100, "usd", "1.00");
    expect_format(m, INT64_MAX, "EUR", "92233720368547758.07");
    expect_parse(m, "89.99", "EUR", 8999);
    expect_parse(m, "89.9", "EUR", 8990);
    expect_parse(m, "89", "EUR", 8900);
    expect_parse(m, " 1.50 ", "EUR", 150);
    expect_parse(m, "-0.05", "EUR", -5);
    expect_parse(m, "+2", "EUR", 200);
    expect_parse(m, "1.5", "KWD", 1500);
    expect_parse(m, "1200", "JPY", 1200);
    expect_parse(m, "89.990", "EUR", 8999);
    expect_parse(m, "0.01", "IDR", 1);
    expect_parse(m, "92233720368547758.07", "EUR", INT64_MAX);
    expect_error(m, "parse", json_pack("[s, s]", "89.999", "EUR"), "'89.999' has more than 2 decimals for EUR");
    expect_error(m, "parse", json_pack("[s, s]", "1.5", "JPY"), "'1.5' has more than 0 decimals for JPY");
    expect_error(m, "parse", json_pack("[s, s]", "1e3", "EUR"), "'1e3' is not a decimal amount");
    expect_error(m, "parse", json_pack("[s, s]", "1,000.00", "EUR"), "is not a decimal amount");
    expect_error(m, "parse", json_pack("[s, s]", "", "EUR"), "is not a decimal amount");
    expect_error(m, "parse", json_pack("[s, s]", "12.", "EUR"), "is not a decimal amount");
    expect_error(m, "parse", json_pack("[s, s]", "999999999999999999999", "EUR"), "is too large");
    expect_error(m, "parse", json_pack("[f, s]", 89.99, "EUR"), "expected a decimal string, got float");
    expect_error(m, "format", json_pack("[f, s]", 89.99, "EUR"), "amount must be an integer count of minor units");
    expect_error(m, "format", json_pack("[i, s]", 1, "XYZ"), "unknown currency 'XYZ'");
    expect_error(m, "format", json_pack("[i]", 1), "currency must be a string");
    /* the error points at the caller's line, in the probe script */
    expect_error(m, "format", json_pack("[i, s]", 1, "XYZ"), "money_probe.lua:");

    json_t *r = probe(m, "format_code", json_pack("[i, s]", 7999, "USD"), NULL);
    assert_string_equal(js(r, "r"), "79.99 USD");
    json_decref(r);
    r = probe(m, "decimals", json_pack("[s]", "CLP"), NULL);
    assert_int_equal(ji(r, "r"), 0);
    json_decref(r);
    r = probe(m, "try_parse", json_pack("[s, s]", "x", "EUR"), NULL);
    assert_null(json_object_get(r, "r"));
    assert_true(luatest_has(js(r, "err"), "not a decimal amount"));
    json_decref(r);

    r = probe(m, "roundtrip", json_array(), NULL);
    assert_non_null(r);
    assert_true(ji(r, "checked") > 1000);
    if (json_array_size(jp(r, "bad"))) fprintf(stderr, "%s\n", js(r, "bad.0"));
    assert_int_equal(json_array_size(jp(r, "bad")), 0);
    json_decref(r);

    r = probe(m, "util", json_array(), NULL);
    assert_non_null(r);
    assert_true(json_is_true(jp(r, "copy_is_new")));
    assert_true(json_is_true(jp(r, "deep_is_deep")));
    assert_int_equal(ji(r, "merge.b"), 2);
    assert_int_equal(ji(r, "merge.c"), 3);
    assert_string_equal(js(r, "keys.0"), "a");
    assert_string_equal(js(r, "keys.2"), "z");
    assert_int_equal(ji(r, "map.2"), 30);
    assert_int_equal(json_array_size(jp(r, "filter")), 2);
    assert_true(json_is_array(jp(r, "empty_filter"))); /* marked: [] not {} */
    assert_true(json_is_true(jp(r, "contains")));
    assert_string_equal(js(r, "get"), "deep");
    assert_true(json_is_true(jp(r, "get_missing")));
    assert_string_equal(js(r, "trim"), "x y");
    assert_int_equal(json_array_size(jp(r, "split")), 4);
    assert_string_equal(js(r, "split.2"), "");
    assert_true(json_is_true(jp(r, "starts")));
    assert_true(json_is_true(jp(r, "ends")));
    assert_string_equal(js(r, "slug"), "classic-tee-red");
    assert_string_equal(js(r, "capitalize"), "Size");
    assert_string_equal(js(r, "truncate"), "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e");
    assert_true(json_is_true(jp(r, "is_empty")));
    json_decref(r);
    mapping_close(m);
}

/* docs/mapping-guide.md section 9: the worked example does what the guide says. */
static void test_guide_example(void **state)
{
    (void)state;
    char *dir = luatest_tmpdir();
    assert_non_null(dir);
    char path[600];
    snprintf(path, sizeof path, "%s/acme-market.lua", dir);
    size_t len = 0;
    char *src = read_file(luatest_path("tests/unit/lua_fixtures/guide_example.lua"), &len);
    assert_non_null(src);
    assert_int_equal(luatest_write(path, src), 0);
    struct mapping *m = luatest_open(luatest_path("scripts"), path, MEM, BUDGET);
    assert_non_null(m);
    json_t *ctx = ctx_for("market");
    json_t *r = map_variant(m, VARIANT, STOCK, ctx);
    assert_string_equal(js(r, "ref"), "TEE-M-RED");
    assert_int_equal(ji(r, "price_cents"), 8999);
    assert_string_equal(js(r, "attributes.SIZE"), "M");
    assert_true(json_is_true(jp(r, "active")));
    json_decref(r);
    json_t *order = luatest_json("{\"order\":\"A-17\",\"items\":[],\"state\":\"NEW\"}");
    json_t *ev = events_of(m, "order", order, ctx);
    assert_true(json_is_array(jp(ev, "0.lines"))); /* [] not {} */
    json_decref(ev);
    json_decref(order);

    /* step 4: tostring(valu) passes the smoke test, value:upper2() does not */
    char *p = strstr(src, "tostring(value)");
    assert_non_null(p);
    char *broken = xasprintf("%.*stostring(valu)%s", (int)(p - src), src, p + strlen("tostring(value)"));
    assert_int_equal(luatest_write(path, broken), 0);
    char err[1024] = "";
    assert_int_equal(mapping_reload(m, err, sizeof err), 0);
    free(broken);
    broken = xasprintf("%.*svalue:upper2()%s", (int)(p - src), src, p + strlen("tostring(value)"));
    assert_int_equal(luatest_write(path, broken), 0);
    assert_int_equal(mapping_reload(m, err, sizeof err), -1);
    assert_true(luatest_has(err, "acme-market.lua:7: attempt to call a nil value (method 'upper2')"));
    struct mapping_status st;
    mapping_status(m, &st);
    assert_int_equal(st.version, 2);
    assert_true(luatest_has(st.last_error, "reload refused, version 2 keeps running"));
    free(broken);
    free(src);
    json_decref(ctx);
    mapping_close(m);
    luatest_rmrf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_example_and_allocation),
        cmocka_unit_test(test_money_and_util),
        cmocka_unit_test(test_guide_example),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
