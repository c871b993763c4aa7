/* test_store_inbox.c - inbox (duplicate idempotency keys, pending order,
 * applied mark, persistence), idempotency pruning, orders, exceptions,
 * per-channel state and the listing shadow (ack keeps NULL fields). */
#include "test_store_helpers.h"

struct events {
    uint64_t seq[16];
    char json[16][64];
    int n;
    struct txn *apply_in;
};

static int collect_ev(void *arg, uint64_t seq, const char *json, size_t len)
{
    struct events *e = arg;
    assert_int_equal(json[len], '\0');
    e->seq[e->n] = seq;
    snprintf(e->json[e->n], 64, "%s", json);
    e->n++;
    if (e->apply_in) assert_int_equal(store_inbox_mark_applied(e->apply_in, seq), 0);
    return 0;
}

#define EV(s) s, strlen(s)

static void test_inbox(void **state)
{
    char *dir = ts_tmpdir();
    struct store *s = ts_open(dir, 0);
    struct txn *t = ts_begin(s, 1);
    uint64_t seq;
    assert_int_equal(store_inbox_seen(t, "shopify:o1"), 0);
    assert_int_equal(store_inbox_append(t, "shopify:o1", EV("{\"n\":1}"), &seq), 0);
    assert_int_equal(seq, 1);
    assert_int_equal(store_inbox_append(t, "shopify:o2", EV("{\"n\":2}"), &seq), 0);
    assert_int_equal(seq, 2);
    /* a repeated delivery: 1, the first seq, nothing written */
    assert_int_equal(store_inbox_append(t, "shopify:o1", EV("{\"n\":\"dup\"}"), &seq), 1);
    assert_int_equal(seq, 1);
    assert_int_equal(store_inbox_seen(t, "shopify:o1"), 1);
    /* no key: no de-duplication */
    assert_int_equal(store_inbox_append(t, NULL, EV("{\"n\":3}"), &seq), 0);
    assert_int_equal(store_inbox_append(t, "", EV("{\"n\":3}"), &seq), 0);
    assert_int_equal(seq, 4);
    assert_int_equal(store_inbox_append(t, "k", "", 0, &seq), STORE_EINVALID);
    assert_int_equal(store_count(t, "inbox"), 4);
    assert_int_equal(store_count(t, "idempotency"), 2);
    ts_commit(t);

    /* the key is remembered across transactions and reopen */
    store_close(s);
    s = ts_open(dir, 0);
    t = ts_begin(s, 1);
    assert_int_equal(store_inbox_append(t, "shopify:o2", EV("{}"), &seq), 1);
    assert_int_equal(seq, 2);
    assert_int_equal(store_inbox_applied(t), 0);
    struct events e = {0};
    assert_int_equal(store_inbox_pending(t, 10, collect_ev, &e), 0);
    assert_int_equal(e.n, 4);
    for (int i = 0; i < 4; i++) assert_int_equal(e.seq[i], (uint64_t)i + 1);
    assert_string_equal(e.json[0], "{\"n\":1}");
    assert_string_equal(e.json[1], "{\"n\":2}");
    /* apply two of them (the callback marks as it goes) */
    memset(&e, 0, sizeof e);
    e.apply_in = t;
    assert_int_equal(store_inbox_pending(t, 2, collect_ev, &e), 0);
    assert_int_equal(e.n, 2);
    assert_int_equal(store_inbox_applied(t), 2);
    /* marks are monotonic and bounded by the last event */
    assert_int_equal(store_inbox_mark_applied(t, 1), 0);
    assert_int_equal(store_inbox_applied(t), 2);
    assert_int_equal(store_inbox_mark_applied(t, 99), STORE_EINVALID);
    ts_commit(t);
    t = ts_begin(s, 1);
    memset(&e, 0, sizeof e);
    assert_int_equal(store_inbox_pending(t, 10, collect_ev, &e), 0);
    assert_int_equal(e.n, 2);
    assert_int_equal(e.seq[0], 3);
    assert_int_equal(store_inbox_append(t, "tiktok:9", EV("{\"n\":5}"), &seq), 0);
    assert_int_equal(seq, 5);
    assert_int_equal(store_inbox_mark_applied(t, 5), 0);
    memset(&e, 0, sizeof e);
    assert_int_equal(store_inbox_pending(t, 10, collect_ev, &e), 0);
    assert_int_equal(e.n, 0);
    /* pruning forgets keys first seen before a time */
    assert_int_equal(store_idempotency_prune(t, 1), 0);
    assert_int_equal(store_idempotency_prune(t, UINT64_MAX), 3);
    assert_int_equal(store_inbox_seen(t, "shopify:o1"), 0);
    ts_commit(t);
    store_close(s);
    ts_rmdir(dir);
}

struct exc {
    uint64_t id[8];
    char text[8][128];
    int n;
};

static int collect_exc(void *arg, uint64_t id, uint64_t ts_ms, const char *kind,
                       const char *channel, const char *ref, const char *message)
{
    struct exc *x = arg;
    assert_true(ts_ms > 0);
    x->id[x->n] = id;
    snprintf(x->text[x->n], 128, "%s|%s|%s|%s", kind, channel, ref, message);
    x->n++;
    return 0;
}

static void test_orders_exceptions_state(void **state)
{
    char *dir = ts_tmpdir();
    struct store *s = ts_open(dir, 0);
    struct txn *t = ts_begin(s, 1);
    assert_int_equal(store_order_put(t, "shopify", "1001", EV("{\"id\":1001}")), 0);
    assert_int_equal(store_order_put(t, "tiktok", "1001", EV("{\"id\":\"t\"}")), 0);
    assert_int_equal(store_order_put(t, "shopify", "1001", EV("{\"id\":1001,\"v\":2}")), 0);
    assert_int_equal(store_order_put(t, "shopify", "", EV("{}")), STORE_EINVALID);
    char *json;
    size_t len;
    assert_int_equal(store_order_get(t, "shopify", "1001", &json, &len), 0);
    assert_string_equal(json, "{\"id\":1001,\"v\":2}");
    free(json);
    assert_int_equal(store_order_get(t, "tiktok", "1001", &json, &len), 0);
    assert_string_equal(json, "{\"id\":\"t\"}");
    free(json);
    assert_int_equal(store_order_get(t, "amazon", "1001", &json, &len), STORE_ENOTFOUND);

    assert_int_equal(store_exception_add(t, "unknown_sku", "shopify", "1001", "SKU X not in catalog"), 0);
    assert_int_equal(store_exception_add(t, "drift", NULL, NULL, "quantity 3 vs 5"), 0);
    assert_int_equal(store_exception_add(t, "", "c", "r", "m"), STORE_EINVALID);
    struct exc x = {0};
    assert_int_equal(store_exception_each(t, collect_exc, &x), 0);
    assert_int_equal(x.n, 2);
    assert_true(x.id[0] < x.id[1]);
    assert_string_equal(x.text[0], "unknown_sku|shopify|1001|SKU X not in catalog");
    assert_string_equal(x.text[1], "drift|||quantity 3 vs 5");

    char *v;
    assert_int_equal(store_state_get(t, "amazon", "cursor", &v), STORE_ENOTFOUND);
    assert_null(v);
    assert_int_equal(store_state_set(t, "amazon", "cursor", "2026-01-01T00:00:00Z"), 0);
    assert_int_equal(store_state_set(t, "amazon", "cursor2", "x"), 0);
    assert_int_equal(store_state_set(t, "amazon", "cursor", "2026-02-01T00:00:00Z"), 0);
    assert_int_equal(store_state_get(t, "amazon", "cursor", &v), 0);
    assert_string_equal(v, "2026-02-01T00:00:00Z");
    free(v);
    assert_int_equal(store_state_set(t, "amazon", "cursor2", NULL), 0); /* NULL deletes */
    assert_int_equal(store_state_get(t, "amazon", "cursor2", &v), STORE_ENOTFOUND);
    assert_int_equal(store_state_set(t, "amazon", "cursor2", NULL), 0);
    ts_commit(t);
    store_close(s);
    ts_rmdir(dir);
}

struct lst {
    char sku[8][16];
    int64_t qty[8];
    int n;
};

static int collect_listing(void *arg, const char *sku, const struct listing *l)
{
    struct lst *c = arg;
    snprintf(c->sku[c->n], 16, "%s", sku);
    c->qty[c->n] = l->quantity;
    c->n++;
    return 0;
}

static void test_listings(void **state)
{
    char *dir = ts_tmpdir();
    struct store *s = ts_open(dir, 0);
    struct txn *t = ts_begin(s, 1);
    struct listing l;
    assert_int_equal(store_listing_get(t, "shopify", "A", &l), STORE_ENOTFOUND);
    assert_int_equal(l.quantity, -1);
    /* first ack with only external ids: quantity stays "never" */
    assert_int_equal(store_listing_ack(t, "shopify", "A", NULL, NULL, "{\"variant_id\":7}", 100), 0);
    assert_int_equal(store_listing_get(t, "shopify", "A", &l), 0);
    assert_int_equal(l.quantity, -1);
    assert_null(l.payload);
    assert_string_equal(l.external, "{\"variant_id\":7}");
    assert_int_equal(l.pushed_ms, 100);
    listing_free(&l);
    int64_t q = 5;
    assert_int_equal(store_listing_ack(t, "shopify", "A", &q, "{\"title\":\"T\"}", NULL, 200), 0);
    q = 0;
    assert_int_equal(store_listing_ack(t, "shopify", "A", &q, NULL, NULL, 300), 0);
    assert_int_equal(store_listing_get(t, "shopify", "A", &l), 0);
    assert_int_equal(l.quantity, 0);
    assert_string_equal(l.payload, "{\"title\":\"T\"}");   /* kept */
    assert_string_equal(l.external, "{\"variant_id\":7}"); /* kept */
    assert_int_equal(l.pushed_ms, 300);
    listing_free(&l);
    q = -2;
    assert_int_equal(store_listing_ack(t, "shopify", "A", &q, NULL, NULL, 300), STORE_EINVALID);
    q = 3;
    assert_int_equal(store_listing_ack(t, "shopify", "B", &q, NULL, NULL, 0), 0);
    assert_int_equal(store_listing_ack(t, "shopify2", "C", &q, NULL, NULL, 0), 0);
    struct lst c = {0};
    assert_int_equal(store_listing_each(t, "shopify", collect_listing, &c), 0);
    assert_int_equal(c.n, 2);
    assert_string_equal(c.sku[0], "A");
    assert_int_equal(c.qty[0], 0);
    assert_string_equal(c.sku[1], "B");
    assert_int_equal(c.qty[1], 3);
    ts_commit(t);
    store_close(s);
    ts_rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inbox),
        cmocka_unit_test(test_orders_exceptions_state),
        cmocka_unit_test(test_listings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
