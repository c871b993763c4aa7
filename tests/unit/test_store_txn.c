/* test_store_txn.c - the transaction wrapper: the first storage error is kept
 * and commit refuses after it (nothing persists); business refusals write
 * nothing and leave the txn usable; counters; key limits. */
#include "test_store_helpers.h"

#include <lmdb.h>

#include "store/store_int.h"

static void test_map_full_refuses_commit(void **state)
{
    char *dir = ts_tmpdir();
    char path[512], err[512];
    snprintf(path, sizeof path, "%s/store", dir);
    struct store *s;
    /* a tiny map: a few hundred KiB */
    assert_int_equal(store_open(&s, path, "acme", STORE_CREATE | STORE_NOSYNC, 256 * 1024, err,
                                sizeof err), 0);
    struct txn *t = ts_begin(s, 1);
    ts_variant(t, "KEEP-1");
    assert_int_equal(ts_move(t, LEDGER_RECEIVE, "KEEP-1", NULL, 5, NULL, 0), 0);
    ts_commit(t);

    t = ts_begin(s, 1);
    assert_int_equal(ts_move(t, LEDGER_RECEIVE, "KEEP-1", NULL, 7, NULL, 0), 0);
    char big[8192];
    memset(big, ' ', sizeof big);
    big[0] = '{';
    big[sizeof big - 1] = '}';
    int rc = 0, n = 0;
    for (n = 0; n < 10000 && rc == 0; n++) {
        char id[32];
        snprintf(id, sizeof id, "P-%05d", n);
        int changed;
        rc = store_product_put(t, id, big, sizeof big, &changed);
    }
    assert_int_equal(rc, -1);
    assert_true(n > 1); /* some puts succeeded before the map filled */
    assert_true(txn_failed(t));
    const char *e1 = txn_error(t);
    assert_non_null(e1);
    assert_non_null(strstr(e1, "products"));
    assert_non_null(strstr(e1, mdb_strerror(MDB_MAP_FULL)));
    char first[512];
    snprintf(first, sizeof first, "%s", e1);
    /* later calls fail early, and later failures do not replace the first */
    assert_int_equal(ts_move(t, LEDGER_RECEIVE, "KEEP-1", NULL, 1, NULL, 0), -1);
    struct stock_totals st;
    assert_int_equal(store_stock_get(t, "KEEP-1", &st), -1);
    assert_int_equal(store_next_seq(t, "ledger"), 0);
    assert_int_equal(txn_fail(t, "something else"), -1);
    assert_string_equal(txn_error(t), first);
    assert_int_equal(txn_commit_err(t, err, sizeof err), -1);
    assert_string_equal(err, first);

    /* nothing of that txn persisted: not the products, not the stock movement */
    t = ts_begin(s, 0);
    assert_int_equal(store_count(t, "products"), 0);
    assert_int_equal(store_stock_get(t, "KEEP-1", &st), 0);
    assert_int_equal(st.on_hand, 5);
    assert_int_equal(store_count(t, "ledger"), 1);
    txn_abort(t);
    /* and the store still works */
    t = ts_begin(s, 1);
    assert_int_equal(ts_move(t, LEDGER_RECEIVE, "KEEP-1", NULL, 2, NULL, 0), 0);
    ts_commit(t);
    t = ts_begin(s, 0);
    assert_int_equal(store_stock_get(t, "KEEP-1", &st), 0);
    assert_int_equal(st.on_hand, 7);
    assert_int_equal(st.ledger_seq, 2); /* the failed txn's seq was not consumed */
    txn_abort(t);
    store_close(s);
    ts_rmdir(dir);
}

static void test_refusal_keeps_txn_usable(void **state)
{
    char *dir = ts_tmpdir();
    struct store *s = ts_open(dir, 0);
    struct txn *t = ts_begin(s, 1);
    ts_variant(t, "TSH-001-M");
    assert_int_equal(ts_move(t, LEDGER_RECEIVE, "TSH-001-M", NULL, 2, NULL, 0), 0);
    int64_t before = store_count(t, "ledger");
    assert_int_equal(ts_move(t, LEDGER_RESERVE, "TSH-001-M", NULL, 3, NULL, 0),
                     STORE_EINSUFFICIENT);
    assert_string_equal(txn_refusal(t), "SKU TSH-001-M: cannot reserve 3, 2 available");
    assert_false(txn_failed(t));
    assert_null(txn_error(t));
    assert_int_equal(store_count(t, "ledger"), before);
    assert_int_equal(ts_move(t, LEDGER_RECEIVE, "NOPE", NULL, 1, NULL, 0), STORE_EUNKNOWN_SKU);
    assert_non_null(strstr(txn_refusal(t), "NOPE"));
    assert_int_equal(ts_move(t, LEDGER_RESERVE, "TSH-001-M", NULL, 2, NULL, 0), 0);
    ts_commit(t);
    t = ts_begin(s, 0);
    struct stock_totals st;
    assert_int_equal(store_stock_get(t, "TSH-001-M", &st), 0);
    assert_int_equal(st.on_hand, 2);
    assert_int_equal(st.reserved, 2);
    assert_int_equal(store_count(t, "ledger"), 2);
    txn_abort(t);
    store_close(s);
    ts_rmdir(dir);
}

static void test_external_fail_and_read_txn(void **state)
{
    char *dir = ts_tmpdir();
    struct store *s = ts_open(dir, 0);
    struct txn *t = ts_begin(s, 1);
    ts_variant(t, "A");
    assert_int_equal(txn_fail(t, "mapping %s failed", "shopify"), -1);
    assert_string_equal(txn_error(t), "mapping shopify failed");
    assert_int_equal(txn_commit(t), -1);
    t = ts_begin(s, 1);
    assert_int_equal(store_count(t, "variants"), 0);
    txn_abort(t);
    /* writing in a read txn fails the txn (a programming error, not a refusal) */
    t = ts_begin(s, 0);
    int changed;
    assert_int_equal(store_product_put(t, "P", "{}", 2, &changed), -1);
    assert_true(txn_failed(t));
    assert_non_null(strstr(txn_error(t), "write transaction"));
    txn_abort(t);
    store_close(s);
    ts_rmdir(dir);
}

static void test_counters(void **state)
{
    char *dir = ts_tmpdir();
    struct store *s = ts_open(dir, 0);
    /* more distinct counters than the per-txn cache holds */
    struct txn *t = ts_begin(s, 1);
    for (int round = 1; round <= 3; round++)
        for (int i = 0; i < 12; i++) {
            char name[16];
            snprintf(name, sizeof name, "c%d", i);
            assert_int_equal(store_next_seq(t, name), (uint64_t)round);
        }
    ts_commit(t);
    t = ts_begin(s, 1);
    for (int i = 0; i < 12; i++) {
        char name[16];
        snprintf(name, sizeof name, "c%d", i);
        assert_int_equal(store_next_seq(t, name), 4);
    }
    /* a bad counter name fails the txn */
    assert_int_equal(store_next_seq(t, "a-name-that-is-far-too-long"), 0);
    assert_true(txn_failed(t));
    txn_abort(t);
    store_close(s);
    ts_rmdir(dir);
}

static void test_key_limits(void **state)
{
    char *dir = ts_tmpdir();
    struct store *s = ts_open(dir, 0);
    struct txn *t = ts_begin(s, 1);
    char longid[600];
    memset(longid, 'x', sizeof longid - 1);
    longid[sizeof longid - 1] = '\0';
    int changed;
    assert_int_equal(store_product_put(t, longid, "{}", 2, &changed), STORE_EINVALID);
    assert_non_null(strstr(txn_refusal(t), "too long"));
    assert_int_equal(store_product_put(t, "", "{}", 2, &changed), STORE_EINVALID);
    assert_int_equal(store_product_put(t, NULL, "{}", 2, &changed), STORE_EINVALID);
    /* each part fits, the composite key does not */
    char half[300];
    memset(half, 'y', sizeof half - 1);
    half[sizeof half - 1] = '\0';
    assert_int_equal(store_state_set(t, half, half, "v"), STORE_EINVALID);
    assert_non_null(strstr(txn_refusal(t), "key longer"));
    assert_false(txn_failed(t));
    assert_int_equal(store_count(t, "products"), 0);
    assert_int_equal(store_count(t, "state"), 0);
    ts_commit(t);
    store_close(s);
    ts_rmdir(dir);
}


int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_map_full_refuses_commit),
        cmocka_unit_test(test_refusal_keeps_txn_usable),
        cmocka_unit_test(test_external_fail_and_read_txn),
        cmocka_unit_test(test_counters),
        cmocka_unit_test(test_key_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
