/*
 * test_lua_marshal.c - JSON <-> Lua round trips through a real script:
 * integers stay integers (also beyond 2^53), reals stay reals, nesting,
 * arrays vs objects (empty ones too), unicode, null handling, limits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "lua/mapping.h"
#include "lua_fixtures/luatest.h"

static struct mapping *open_echo(void)
{
    return luatest_open(luatest_path("scripts"), luatest_path("tests/unit/lua_fixtures/echo.lua"),
                        32u << 20, 10000000u);
}

/* Map one item; returns the result (new ref) or NULL with *err. */
static json_t *map_one(struct mapping *m, json_t *product, json_t *variant, json_t *stock,
                       json_t *ctx, char **err)
{
    struct map_item it = {product, variant, stock, NULL, NULL};
    mapping_to_channel(m, &it, 1, ctx);
    *err = it.error;
    return it.result;
}

/* A copy of `j` without null object members (what a script sees). */
static json_t *strip_nulls(json_t *j)
{
    if (json_is_object(j)) {
        json_t *o = json_object();
        const char *k;
        json_t *v;
        json_object_foreach(j, k, v)
        {
            if (!json_is_null(v)) json_object_set_new(o, k, strip_nulls(v));
        }
        return o;
    }
    if (json_is_array(j)) {
        json_t *a = json_array();
        size_t i;
        json_t *v;
        json_array_foreach(j, i, v) json_array_append_new(a, strip_nulls(v));
        return a;
    }
    return json_incref(j);
}

static void test_round_trip_inputs(void **state)
{
    (void)state;
    struct mapping *m = open_echo();
    assert_non_null(m);
    json_t *product = luatest_json(
        "{\"id\":\"p-1\",\"title\":\"Gr\\u00fc\\u00dfe \\u65e5\\u672c \\ud83d\\udc55\","
        "\"nul\":\"a\\u0000b\",\"big\":9007199254740993,\"min\":-9223372036854775808,"
        "\"max\":9223372036854775807,\"zero\":0,\"neg\":-12,\"real\":0.1,\"real_whole\":3.0,"
        "\"tags\":[\"a\",null,\"c\"],\"nested\":{\"a\":[{\"b\":[[1,2],[]]},{}],\"o\":{}},"
        "\"empty_array\":[],\"empty_object\":{},\"yes\":true,\"no\":false}");
    json_t *variant = luatest_json(
        "{\"sku\":\"S-1\",\"options\":{\"size\":\"M\",\"colour\":\"Red\"},"
        "\"price\":{\"amount\":8999,\"currency\":\"EUR\"},\"barcode\":null}");
    json_t *stock = luatest_json("{\"on_hand\":5,\"reserved\":1,\"available\":4}");
    json_t *ctx = luatest_json("{\"tenant\":\"acme\",\"channel\":\"shop\",\"buffer\":0}");
    char *err = NULL;
    json_t *r = map_one(m, product, variant, stock, ctx, &err);
    assert_null(err);
    assert_non_null(r);
    assert_true(json_equal(json_object_get(r, "product"), product));
    assert_true(json_equal(json_object_get(r, "stock"), stock));
    assert_true(json_equal(json_object_get(r, "ctx"), ctx));
    json_t *rp = json_object_get(r, "product");
    /* types survive exactly, not just values */
    assert_true(json_is_integer(json_object_get(rp, "big")));
    assert_int_equal(json_integer_value(json_object_get(rp, "big")), 9007199254740993LL);
    assert_true(json_integer_value(json_object_get(rp, "min")) == INT64_MIN);
    assert_true(json_is_real(json_object_get(rp, "real_whole")));
    assert_true(json_is_array(json_object_get(rp, "empty_array")));
    assert_true(json_is_object(json_object_get(rp, "empty_object")));
    assert_int_equal(json_string_length(json_object_get(rp, "nul")), 3);
    assert_true(json_is_null(json_array_get(json_object_get(rp, "tags"), 1)));
    /* a null member is absent for the script, so it does not come back */
    json_t *rv = json_object_get(r, "variant");
    assert_null(json_object_get(rv, "barcode"));
    json_t *expect_v = strip_nulls(variant);
    assert_true(json_equal(rv, expect_v));
    json_decref(expect_v);
    json_decref(r);
    json_decref(product);
    json_decref(variant);
    json_decref(stock);
    json_decref(ctx);
    mapping_close(m);
}

static void test_values_built_in_lua(void **state)
{
    (void)state;
    struct mapping *m = open_echo();
    assert_non_null(m);
    json_t *product = luatest_json("{\"id\":\"p\",\"title\":\"Tee\",\"tags\":[\"x\",null]}");
    json_t *variant = luatest_json(
        "{\"sku\":\"BUILT\",\"options\":{\"colour\":\"Red\",\"size\":\"L\"},"
        "\"price\":{\"amount\":1234,\"currency\":\"KWD\"},\"weight\":1.25,\"barcode\":null}");
    char *err = NULL;
    json_t *r = map_one(m, product, variant, NULL, NULL, &err);
    assert_null(err);
    assert_non_null(r);
    assert_true(json_is_integer(json_object_get(r, "int")));
    assert_int_equal(json_integer_value(json_object_get(r, "int")), 42);
    assert_int_equal(json_integer_value(json_object_get(r, "negative")), -7);
    assert_true(json_integer_value(json_object_get(r, "big")) == INT64_MAX);
    assert_true(json_is_real(json_object_get(r, "float")));
    assert_true(json_real_value(json_object_get(r, "float")) == 1.5);
    assert_true(json_is_real(json_object_get(r, "whole_float")));
    assert_true(json_is_integer(json_object_get(r, "integer_division")));
    assert_int_equal(json_integer_value(json_object_get(r, "integer_division")), 3);
    assert_true(json_is_real(json_object_get(r, "float_division")));
    assert_true(json_is_true(json_object_get(r, "truth")));
    assert_true(json_is_false(json_object_get(r, "lie")));
    json_t *arr = json_object_get(r, "arr");
    assert_true(json_is_array(arr));
    assert_int_equal(json_array_size(arr), 3);
    assert_string_equal(json_string_value(json_array_get(arr, 1)), "two");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(arr, 2), "three")), 3);
    assert_true(json_is_object(json_object_get(r, "empty_object")));
    assert_true(json_is_array(json_object_get(r, "empty_array")));
    json_t *nulls = json_object_get(r, "nulls");
    assert_int_equal(json_array_size(nulls), 3);
    assert_true(json_is_null(json_array_get(nulls, 1)));
    assert_true(json_is_null(json_object_get(r, "null_field")));
    assert_string_equal(json_string_value(json_object_get(r, "unicode")),
                        "Gr\xc3\xbc\xc3\x9f" "e, \xe6\x97\xa5\xe6\x9c\xac, \xf0\x9f\x91\x95");
    assert_string_equal(json_string_value(json_object_get(r, "concat")), "Tee / Red");
    assert_string_equal(json_string_value(json_object_get(r, "money")), "1.234");
    assert_string_equal(json_string_value(json_object_get(json_object_get(r, "copy"), "size")), "L");
    assert_true(json_is_true(json_object_get(r, "input_array_is_marked")));
    assert_string_equal(json_string_value(json_object_get(r, "type_of_amount")), "integer");
    assert_string_equal(json_string_value(json_object_get(r, "type_of_weight")), "float");
    assert_true(json_is_true(json_object_get(r, "null_member_is_nil")));
    assert_true(json_is_true(json_object_get(r, "null_in_array_is_sentinel")));
    json_decref(r);
    json_decref(product);
    json_decref(variant);
    mapping_close(m);
}

static void test_input_depth_limit(void **state)
{
    (void)state;
    struct mapping *m = open_echo();
    assert_non_null(m);
    json_t *product = json_object();
    json_t *cur = product;
    for (int i = 0; i < 100; i++) {
        json_t *next = json_object();
        json_object_set_new(cur, "n", next);
        cur = next;
    }
    json_t *variant = luatest_json("{\"sku\":\"S\"}");
    char *err = NULL;
    json_t *r = map_one(m, product, variant, NULL, NULL, &err);
    assert_null(r);
    assert_true(luatest_has(err, "input nested deeper than 64 levels"));
    assert_true(luatest_has(err, "echo.lua"));
    free(err);
    /* not an object: refused before Lua */
    json_t *str = json_string("x");
    r = map_one(m, str, variant, NULL, NULL, &err);
    assert_null(r);
    assert_true(luatest_has(err, "needs a product object and a variant object"));
    free(err);
    json_decref(str);
    json_decref(product);
    json_decref(variant);
    mapping_close(m);
}

/* A full channel payload goes through from_channel and back unchanged
 * (minus null members), and shared product tables give identical results. */
static void test_big_payload_and_shared_product(void **state)
{
    (void)state;
    struct mapping *m = open_echo();
    assert_non_null(m);
    json_t *order = luatest_json_file(luatest_path("tests/unit/lua_fixtures/payloads/shopify_orders_create.json"));
    assert_non_null(order);
    char *err = NULL;
    json_t *ev = mapping_from_channel(m, "echo", order, NULL, &err);
    assert_null(err);
    assert_non_null(ev);
    json_t *expect = strip_nulls(order);
    assert_true(json_equal(json_object_get(json_array_get(ev, 0), "payload"), expect));
    json_decref(expect);
    json_decref(ev);
    json_decref(order);

    json_t *product = luatest_json("{\"id\":\"p\",\"title\":\"Shared\",\"images\":[\"a\",\"b\"]}");
    struct map_item items[4];
    json_t *variants[4];
    for (int i = 0; i < 4; i++) {
        variants[i] = json_pack("{s:s+}", "sku", "V", i == 0 ? "0" : i == 1 ? "1" : i == 2 ? "2" : "3");
        items[i] = (struct map_item){product, variants[i], NULL, NULL, NULL};
    }
    assert_int_equal(mapping_to_channel(m, items, 4, NULL), 0);
    for (int i = 0; i < 4; i++) {
        assert_true(json_equal(json_object_get(items[i].result, "product"), product));
        assert_string_equal(
            json_string_value(json_object_get(json_object_get(items[i].result, "variant"), "sku")),
            json_string_value(json_object_get(variants[i], "sku")));
        json_decref(items[i].result);
        json_decref(variants[i]);
    }
    json_decref(product);
    mapping_close(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_inputs),
        cmocka_unit_test(test_values_built_in_lua),
        cmocka_unit_test(test_input_depth_limit),
        cmocka_unit_test(test_big_payload_and_shared_product),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
