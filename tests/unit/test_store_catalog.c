/* test_store_catalog.c - products and variants: exact bytes, idempotent
 * re-import (nothing written at all), bad JSON refused, product index,
 * iteration order and resume. */
#include "test_store_helpers.h"

#include <lmdb.h>

#include "store/store_int.h"

static size_t last_txnid(struct store *s)
{
    MDB_envinfo info;
    assert_int_equal(mdb_env_info(s->env, &info), 0);
    return info.me_last_txnid;
}

static void test_product_exact_and_idempotent(void **state)
{
    char *dir = ts_tmpdir();
    struct store *s = ts_open(dir, 0);
    const char *doc = "{ \"id\": \"P1\",  \"title\": \"T\\u00e9\",\n \"n\": 1 }";
    struct txn *t = ts_begin(s, 1);
    int changed = -1;
    assert_int_equal(store_product_put(t, "P1", doc, strlen(doc), &changed), 0);
    assert_int_equal(changed, 1);
    ts_commit(t);
    size_t id0 = last_txnid(s);

    /* the same bytes again: changed 0 and the commit writes nothing */
    t = ts_begin(s, 1);
    assert_int_equal(store_product_put(t, "P1", doc, strlen(doc), &changed), 0);
    assert_int_equal(changed, 0);
    ts_commit(t);
    assert_int_equal(last_txnid(s), id0);

    /* exactly the bytes given come back (whitespace and escapes kept) */
    t = ts_begin(s, 0);
    char *json;
    size_t len;
    assert_int_equal(store_product_get(t, "P1", &json, &len), 0);
    assert_int_equal(len, strlen(doc));
    assert_memory_equal(json, doc, len);
    assert_int_equal(json[len], '\0');
    free(json);
    assert_int_equal(store_product_get(t, "P2", &json, &len), STORE_ENOTFOUND);
    assert_null(json);
    txn_abort(t);

    /* semantically equal but different bytes is a change (we store text) */
    t = ts_begin(s, 1);
    assert_int_equal(store_product_put(t, "P1", "{\"id\":\"P1\"}", 11, &changed), 0);
    assert_int_equal(changed, 1);
    ts_commit(t);
    assert_true(last_txnid(s) > id0);
    store_close(s);
    ts_rmdir(dir);
}

static void test_bad_json_refused(void **state)
{
    char *dir = ts_tmpdir();
    struct store *s = ts_open(dir, 0);
    struct txn *t = ts_begin(s, 1);
    int changed = -1;
    const char *bad[] = {"{", "[1,2]", "\"str\"", "{\"a\":1,\"a\":2}", "{} trailing"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(store_product_put(t, "P", bad[i], strlen(bad[i]), &changed),
                         STORE_EINVALID);
        assert_int_equal(changed, 0);
        assert_non_null(strstr(txn_refusal(t), "product P"));
        assert_int_equal(store_variant_put(t, "S", "P", bad[i], strlen(bad[i]), &changed),
                         STORE_EINVALID);
        assert_non_null(strstr(txn_refusal(t), "variant S"));
    }
    assert_int_equal(store_product_put(t, "P", NULL, 0, &changed), STORE_EINVALID);
    assert_int_equal(store_variant_put(t, "S", "", "{}", 2, &changed), STORE_EINVALID);
    assert_false(txn_failed(t));
    assert_int_equal(store_count(t, "products"), 0);
    assert_int_equal(store_count(t, "variants"), 0);
    assert_int_equal(store_count(t, "variants_by_product"), 0);
    txn_abort(t);
    store_close(s);
    ts_rmdir(dir);
}

struct collect {
    char names[32][32];
    int n;
    int stop_after;
};

static int collect_variant(void *arg, const char *sku, const char *json, size_t len)
{
    struct collect *c = arg;
    assert_int_equal(json[len], '\0'); /* documented: NUL-terminated */
    assert_non_null(strstr(json, sku));
    snprintf(c->names[c->n++], sizeof c->names[0], "%s", sku);
    return c->stop_after && c->n >= c->stop_after ? 1 : 0;
}

static int collect_sku(void *arg, const char *sku)
{
    struct collect *c = arg;
    snprintf(c->names[c->n++], sizeof c->names[0], "%s", sku);
    return 0;
}

static void put_v(struct txn *t, const char *sku, const char *pid, int expect_changed)
{
    char json[128];
    snprintf(json, sizeof json, "{\"sku\":\"%s\"}", sku);
    int changed = -1;
    assert_int_equal(store_variant_put(t, sku, pid, json, strlen(json), &changed), 0);
    assert_int_equal(changed, expect_changed);
}

static void test_variants_index_and_iteration(void **state)
{
    char *dir = ts_tmpdir();
    struct store *s = ts_open(dir, 0);
    struct txn *t = ts_begin(s, 1);
    /* "A" must not match the prefix of "AB" and must sort first */
    put_v(t, "B-2", "P1", 1);
    put_v(t, "A", "P1", 1);
    put_v(t, "AB", "P10", 1);
    put_v(t, "C", "P2", 1);
    put_v(t, "A", "P1", 0);
    ts_commit(t);

    t = ts_begin(s, 0);
    struct collect c = {0};
    assert_int_equal(store_variant_each(t, "", collect_variant, &c), 0);
    assert_int_equal(c.n, 4);
    assert_string_equal(c.names[0], "A");
    assert_string_equal(c.names[1], "AB");
    assert_string_equal(c.names[2], "B-2");
    assert_string_equal(c.names[3], "C");
    /* resume after a SKU (present or not), and stop early */
    memset(&c, 0, sizeof c);
    assert_int_equal(store_variant_each(t, "AB", collect_variant, &c), 0);
    assert_int_equal(c.n, 2);
    assert_string_equal(c.names[0], "B-2");
    memset(&c, 0, sizeof c);
    assert_int_equal(store_variant_each(t, "AA", collect_variant, &c), 0);
    assert_int_equal(c.n, 3);
    assert_string_equal(c.names[0], "AB");
    memset(&c, 0, sizeof c);
    c.stop_after = 2;
    assert_int_equal(store_variant_each(t, NULL, collect_variant, &c), 0);
    assert_int_equal(c.n, 2);

    memset(&c, 0, sizeof c);
    assert_int_equal(store_variants_of_product(t, "P1", collect_sku, &c), 0);
    assert_int_equal(c.n, 2); /* not AB of P10 */
    assert_string_equal(c.names[0], "A");
    assert_string_equal(c.names[1], "B-2");
    txn_abort(t);

    /* moving a variant to another product moves its index entry */
    t = ts_begin(s, 1);
    put_v(t, "A", "P2", 1);
    char *pid;
    assert_int_equal(store_variant_product(t, "A", &pid), 0);
    assert_string_equal(pid, "P2");
    free(pid);
    ts_commit(t);
    t = ts_begin(s, 0);
    memset(&c, 0, sizeof c);
    assert_int_equal(store_variants_of_product(t, "P1", collect_sku, &c), 0);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.names[0], "B-2");
    memset(&c, 0, sizeof c);
    assert_int_equal(store_variants_of_product(t, "P2", collect_sku, &c), 0);
    assert_int_equal(c.n, 2);
    assert_string_equal(c.names[0], "A");
    assert_string_equal(c.names[1], "C");
    assert_int_equal(store_count(t, "variants_by_product"), 4);
    char *json;
    size_t len;
    assert_int_equal(store_variant_get(t, "A", &json, &len), 0);
    assert_string_equal(json, "{\"sku\":\"A\"}");
    assert_int_equal(len, strlen(json));
    free(json);
    txn_abort(t);
    store_close(s);
    ts_rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_product_exact_and_idempotent),
        cmocka_unit_test(test_bad_json_refused),
        cmocka_unit_test(test_variants_index_and_iteration),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
