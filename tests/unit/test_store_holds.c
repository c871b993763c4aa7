/* test_store_holds.c - holds: create/get, insufficient and duplicate refusals,
 * extend moving the expiry index, expired iteration in expiry order, release
 * and commit arithmetic (default location first, then key order). */
#include "test_store_helpers.h"

static struct stock_totals totals(struct txn *t, const char *sku)
{
    struct stock_totals st;
    assert_int_equal(store_stock_get(t, sku, &st), 0);
    return st;
}

struct ids {
    char id[16][32];
    int n;
    struct txn *release_in; /* release each hold as it is reported */
};

static int collect_id(void *arg, const char *id)
{
    struct ids *c = arg;
    snprintf(c->id[c->n++], sizeof c->id[0], "%s", id);
    if (c->release_in) assert_int_equal(store_hold_release(c->release_in, id, "expired"), 0);
    return 0;
}

static void test_create_get_refusals(void **state)
{
    char *dir = ts_tmpdir();
    struct store *s = ts_open(dir, 0);
    struct txn *t = ts_begin(s, 1);
    ts_variant(t, "SKU");
    assert_int_equal(ts_move(t, LEDGER_RECEIVE, "SKU", NULL, 5, NULL, 0), 0);
    assert_int_equal(store_hold_create(t, "cart-1", "SKU", 3, 1000, "chatgpt"), 0);
    struct hold h;
    assert_int_equal(store_hold_get(t, "cart-1", &h), 0);
    assert_string_equal(h.hold_id, "cart-1");
    assert_string_equal(h.sku, "SKU");
    assert_int_equal(h.qty, 3);
    assert_int_equal(h.expires_ms, 1000);
    assert_string_equal(h.source, "chatgpt");
    assert_true(h.created_ms > 0);
    hold_free(&h);
    assert_int_equal(totals(t, "SKU").reserved, 3);

    int64_t ledger = store_count(t, "ledger");
    assert_int_equal(store_hold_create(t, "cart-1", "SKU", 1, 1000, "chatgpt"), STORE_EEXISTS);
    assert_int_equal(store_hold_create(t, "cart-2", "SKU", 3, 1000, "chatgpt"), STORE_EINSUFFICIENT);
    assert_string_equal(txn_refusal(t), "SKU SKU: cannot reserve 3, 2 available");
    assert_int_equal(store_hold_create(t, "cart-2", "NOPE", 1, 1000, "chatgpt"), STORE_EUNKNOWN_SKU);
    assert_int_equal(store_hold_create(t, "cart-2", "SKU", 0, 1000, "chatgpt"), STORE_EINVALID);
    assert_int_equal(store_hold_create(t, "", "SKU", 1, 1000, "chatgpt"), STORE_EINVALID);
    assert_int_equal(store_hold_create(t, "cart-2", "SKU", 1, 1000, NULL), STORE_EINVALID);
    assert_int_equal(store_hold_get(t, "cart-2", &h), STORE_ENOTFOUND);
    assert_int_equal(store_hold_release(t, "cart-2", NULL), STORE_ENOTFOUND);
    assert_int_equal(store_hold_commit(t, "cart-2", NULL), STORE_ENOTFOUND);
    assert_int_equal(store_hold_extend(t, "cart-2", 5), STORE_ENOTFOUND);
    assert_int_equal(store_count(t, "ledger"), ledger);
    assert_int_equal(store_count(t, "holds"), 1);
    assert_int_equal(store_count(t, "hold_expiry"), 1);
    assert_false(txn_failed(t));
    ts_commit(t);
    store_close(s);
    ts_rmdir(dir);
}

static void test_expiry_extend_release(void **state)
{
    char *dir = ts_tmpdir();
    struct store *s = ts_open(dir, 0);
    struct txn *t = ts_begin(s, 1);
    ts_variant(t, "SKU");
    assert_int_equal(ts_move(t, LEDGER_RECEIVE, "SKU", NULL, 100, NULL, 0), 0);
    assert_int_equal(store_hold_create(t, "c", "SKU", 1, 300, "x"), 0);
    assert_int_equal(store_hold_create(t, "a", "SKU", 2, 100, "x"), 0);
    assert_int_equal(store_hold_create(t, "b", "SKU", 4, 200, "x"), 0);
    assert_int_equal(store_hold_create(t, "d", "SKU", 8, 900, "x"), 0);
    assert_int_equal(totals(t, "SKU").reserved, 15);

    struct ids ids = {0};
    assert_int_equal(store_holds_expired(t, 250, 10, collect_id, &ids), 0);
    assert_int_equal(ids.n, 2);
    assert_string_equal(ids.id[0], "a");
    assert_string_equal(ids.id[1], "b");
    memset(&ids, 0, sizeof ids);
    assert_int_equal(store_holds_expired(t, 1000, 3, collect_id, &ids), 0);
    assert_int_equal(ids.n, 3); /* at most max */

    /* extend "a" past "c": the index follows */
    assert_int_equal(store_hold_extend(t, "a", 400), 0);
    struct hold h;
    assert_int_equal(store_hold_get(t, "a", &h), 0);
    assert_int_equal(h.expires_ms, 400);
    hold_free(&h);
    assert_int_equal(store_count(t, "hold_expiry"), 4);
    memset(&ids, 0, sizeof ids);
    assert_int_equal(store_holds_expired(t, 350, 10, collect_id, &ids), 0);
    assert_int_equal(ids.n, 2);
    assert_string_equal(ids.id[0], "b");
    assert_string_equal(ids.id[1], "c");
    ts_commit(t);

    /* the expiry sweep: the callback releases what it is given */
    t = ts_begin(s, 1);
    memset(&ids, 0, sizeof ids);
    ids.release_in = t;
    assert_int_equal(store_holds_expired(t, 500, 10, collect_id, &ids), 0);
    assert_int_equal(ids.n, 3);
    assert_string_equal(ids.id[2], "a");
    struct stock_totals st = totals(t, "SKU");
    assert_int_equal(st.reserved, 8);
    assert_int_equal(st.on_hand, 100);
    assert_int_equal(store_count(t, "holds"), 1);
    assert_int_equal(store_count(t, "hold_expiry"), 1);
    ts_commit(t);
    t = ts_begin(s, 0);
    memset(&ids, 0, sizeof ids);
    assert_int_equal(store_holds_expired(t, 500, 10, collect_id, &ids), 0);
    assert_int_equal(ids.n, 0);
    txn_abort(t);
    store_close(s);
    ts_rmdir(dir);
}

struct commits {
    char loc[8][32];
    int64_t qty[8], d_res[8];
    char ref[8][32], reason[8][32];
    int n;
};

static int collect_commit(void *arg, const struct ledger_entry *e)
{
    struct commits *c = arg;
    if (e->kind != LEDGER_COMMIT) return 0;
    snprintf(c->loc[c->n], 32, "%s", e->location);
    snprintf(c->ref[c->n], 32, "%s", e->ref);
    snprintf(c->reason[c->n], 32, "%s", e->reason);
    c->qty[c->n] = e->qty;
    c->d_res[c->n] = e->d_reserved;
    c->n++;
    return 0;
}

static int64_t level(struct txn *t, const char *sku, const char *loc);
struct lv {
    const char *loc;
    int64_t v;
};
static int find_level(void *arg, const char *location, int64_t on_hand)
{
    struct lv *l = arg;
    if (strcmp(location, l->loc) == 0) l->v = on_hand;
    return 0;
}
static int64_t level(struct txn *t, const char *sku, const char *loc)
{
    struct lv l = {loc, -999};
    assert_int_equal(store_stock_locations(t, sku, find_level, &l), 0);
    return l.v;
}

static void test_commit_draws_default_first(void **state)
{
    char *dir = ts_tmpdir();
    struct store *s = ts_open(dir, 0);
    struct txn *t = ts_begin(s, 1);
    ts_variant(t, "SKU");
    assert_int_equal(ts_move(t, LEDGER_RECEIVE, "SKU", "aisle", 4, NULL, 0), 0);
    assert_int_equal(ts_move(t, LEDGER_RECEIVE, "SKU", NULL, 3, NULL, 0), 0);
    assert_int_equal(ts_move(t, LEDGER_RECEIVE, "SKU", "west", 5, NULL, 0), 0);
    assert_int_equal(ts_move(t, LEDGER_COMMIT, "SKU", "zone", 2, NULL, STOCK_ALLOW_NEGATIVE), 0);
    /* on_hand 10 = aisle 4 + default 3 + west 5 + zone -2 */
    assert_int_equal(store_hold_create(t, "h1", "SKU", 9, 10, "chatgpt"), 0);
    assert_int_equal(store_hold_create(t, "h2", "SKU", 1, 10, "chatgpt"), 0);
    assert_int_equal(store_hold_commit(t, "h1", "order-77"), 0);
    struct stock_totals st = totals(t, "SKU");
    assert_int_equal(st.on_hand, 1);
    assert_int_equal(st.reserved, 1);
    assert_int_equal(level(t, "SKU", "default"), 0);
    assert_int_equal(level(t, "SKU", "aisle"), 0);
    assert_int_equal(level(t, "SKU", "west"), 3);
    assert_int_equal(level(t, "SKU", "zone"), -2); /* negative locations are not drawn */
    struct commits c = {0};
    assert_int_equal(store_ledger_each(t, "SKU", 0, collect_commit, &c), 0);
    assert_int_equal(c.n, 4); /* the zone commit + default, aisle, west */
    assert_string_equal(c.loc[1], "default");
    assert_int_equal(c.qty[1], 3);
    assert_string_equal(c.loc[2], "aisle");
    assert_int_equal(c.qty[2], 4);
    assert_string_equal(c.loc[3], "west");
    assert_int_equal(c.qty[3], 2);
    for (int i = 1; i < 4; i++) {
        assert_int_equal(c.d_res[i], -c.qty[i]);
        assert_string_equal(c.ref[i], "order-77");
        assert_string_equal(c.reason[i], "hold h1");
    }
    assert_int_equal(store_hold_get(t, "h1", &(struct hold){0}), STORE_ENOTFOUND);

    /* stock vanished under a hold: its commit is refused and changes nothing */
    assert_int_equal(ts_move(t, LEDGER_ADJUST, "SKU", "west", -3, "lost", 0), 0);
    int64_t ledger = store_count(t, "ledger");
    assert_int_equal(store_hold_commit(t, "h2", NULL), STORE_EINSUFFICIENT);
    assert_non_null(strstr(txn_refusal(t), "hold h2"));
    assert_int_equal(store_count(t, "ledger"), ledger);
    assert_int_equal(store_count(t, "holds"), 1);
    assert_false(txn_failed(t));
    /* ... and can be released instead */
    assert_int_equal(store_hold_release(t, "h2", NULL), 0);
    st = totals(t, "SKU");
    assert_int_equal(st.reserved, 0);
    assert_int_equal(st.on_hand, -2);
    assert_int_equal(store_count(t, "holds"), 0);
    assert_int_equal(store_count(t, "hold_expiry"), 0);
    ts_commit(t);
    store_close(s);
    ts_rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_get_refusals),
        cmocka_unit_test(test_expiry_extend_release),
        cmocka_unit_test(test_commit_draws_default_first),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
