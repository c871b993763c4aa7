/* test_store_outbox.c - outbox coalescing (new id, kept age, reset attempts),
 * drain order (priority, id), done after a replace, retry/backoff, stats; dead
 * letters: move, list, retry (and retry losing to a newer op), drop, count. */
#include "test_store_helpers.h"

#include <unistd.h>

struct peeked {
    uint64_t id[32];
    char sku[32][32];
    int64_t qty[32];
    uint8_t prio[32];
    int n;
    struct txn *done_in; /* mark each op done while peeking */
};

static int collect_op(void *arg, const struct outbox_op *op)
{
    struct peeked *p = arg;
    p->id[p->n] = op->id;
    snprintf(p->sku[p->n], 32, "%s", op->sku);
    p->qty[p->n] = op->quantity;
    p->prio[p->n] = op->priority;
    p->n++;
    if (p->done_in) assert_int_equal(store_outbox_done(p->done_in, op->channel, op->id), 0);
    return 0;
}

static uint64_t put(struct txn *t, const char *ch, const char *sku, int64_t q, uint8_t prio)
{
    uint64_t id = 0;
    assert_int_equal(store_outbox_put(t, ch, OUTBOX_STOCK, sku, q, NULL, 0, prio, &id), 0);
    assert_true(id > 0);
    return id;
}

static void test_order_and_channels(void **state)
{
    char *dir = ts_tmpdir();
    struct store *s = ts_open(dir, 0);
    struct txn *t = ts_begin(s, 1);
    uint64_t a = put(t, "shop", "A", 5, 1);
    uint64_t b = put(t, "shop", "B", 0, 0);
    uint64_t c = put(t, "shop", "C", 7, 1);
    uint64_t d = put(t, "shop", "D", 0, 0);
    put(t, "shop2", "A", 1, 0); /* "shop" is a prefix of "shop2": separate channel */
    put(t, "amazon", "A", 1, 0);
    struct peeked p = {0};
    assert_int_equal(store_outbox_peek(t, "shop", 0, 10, collect_op, &p), 0);
    assert_int_equal(p.n, 4);
    assert_int_equal(p.id[0], b);
    assert_int_equal(p.id[1], d);
    assert_int_equal(p.id[2], a);
    assert_int_equal(p.id[3], c);
    assert_int_equal(p.prio[0], 0);
    assert_int_equal(p.qty[3], 7);
    memset(&p, 0, sizeof p);
    assert_int_equal(store_outbox_peek(t, "shop", 0, 3, collect_op, &p), 0);
    assert_int_equal(p.n, 3);
    uint64_t depth, oldest;
    assert_int_equal(store_outbox_stats(t, "shop", &depth, &oldest), 0);
    assert_int_equal(depth, 4);
    assert_true(oldest > 0);
    assert_int_equal(store_outbox_stats(t, "shop2", &depth, &oldest), 0);
    assert_int_equal(depth, 1);
    assert_int_equal(store_outbox_stats(t, "ebay", &depth, &oldest), 0);
    assert_int_equal(depth, 0);
    assert_int_equal(oldest, 0);
    /* a callback may finish the ops it is given */
    memset(&p, 0, sizeof p);
    p.done_in = t;
    assert_int_equal(store_outbox_peek(t, "shop", 0, 10, collect_op, &p), 0);
    assert_int_equal(p.n, 4);
    assert_int_equal(store_outbox_stats(t, "shop", &depth, &oldest), 0);
    assert_int_equal(depth, 0);
    assert_int_equal(store_count(t, "outbox"), 2);
    assert_int_equal(store_count(t, "outbox_keys"), 2);
    /* bad arguments */
    assert_int_equal(store_outbox_put(t, "", OUTBOX_STOCK, "A", 1, NULL, 0, 0, NULL), STORE_EINVALID);
    assert_int_equal(store_outbox_put(t, "shop", (enum outbox_kind)0, "A", 1, NULL, 0, 0, NULL),
                     STORE_EINVALID);
    assert_int_equal(store_outbox_put(t, "shop", OUTBOX_STOCK, "", 1, NULL, 0, 0, NULL), STORE_EINVALID);
    assert_int_equal(store_count(t, "outbox"), 2);
    ts_commit(t);
    store_close(s);
    ts_rmdir(dir);
}

static void test_coalescing(void **state)
{
    char *dir = ts_tmpdir();
    struct store *s = ts_open(dir, 0);
    struct txn *t = ts_begin(s, 1);
    uint64_t id1 = put(t, "shop", "SKU", 5, 1);
    assert_int_equal(store_outbox_retry(t, "shop", id1, 99999), 0);
    struct outbox_op op;
    assert_int_equal(store_outbox_find(t, "shop", OUTBOX_STOCK, "SKU", &op), 0);
    uint64_t first_enqueued = op.enqueued_ms;
    assert_int_equal(op.attempts, 1);
    outbox_op_free(&op);
    ts_commit(t);
    usleep(3000); /* so "now" differs from the first enqueue */

    t = ts_begin(s, 1);
    uint64_t id2 = put(t, "shop", "SKU", 0, 0);
    assert_true(id2 > id1);
    assert_int_equal(store_outbox_find(t, "shop", OUTBOX_STOCK, "SKU", &op), 0);
    assert_int_equal(op.id, id2);
    assert_int_equal(op.quantity, 0);
    assert_int_equal(op.priority, 0);
    assert_int_equal(op.attempts, 0);      /* reset */
    assert_int_equal(op.not_before_ms, 0); /* eligible at once */
    assert_int_equal(op.enqueued_ms, first_enqueued); /* age of the oldest unsent change */
    assert_string_equal(op.channel, "shop");
    assert_null(op.payload);
    outbox_op_free(&op);
    assert_int_equal(store_count(t, "outbox"), 1);
    /* another kind for the same SKU is another key */
    const char payload[] = {'{', '}', '\0', 'x'};
    uint64_t lid;
    assert_int_equal(store_outbox_put(t, "shop", OUTBOX_LISTING, "SKU", 0, payload, sizeof payload,
                                      1, &lid), 0);
    assert_int_equal(store_outbox_find(t, "shop", OUTBOX_LISTING, "SKU", &op), 0);
    assert_int_equal(op.payload_len, sizeof payload);
    assert_memory_equal(op.payload, payload, sizeof payload);
    outbox_op_free(&op);
    assert_int_equal(store_count(t, "outbox"), 2);

    /* done with the replaced id keeps the newer op */
    assert_int_equal(store_outbox_done(t, "shop", id1), STORE_ENOTFOUND);
    assert_int_equal(store_outbox_retry(t, "shop", id1, 5), STORE_ENOTFOUND);
    assert_int_equal(store_outbox_find(t, "shop", OUTBOX_STOCK, "SKU", &op), 0);
    assert_int_equal(op.id, id2);
    outbox_op_free(&op);
    assert_int_equal(store_outbox_done(t, "shop", id2), 0);
    assert_int_equal(store_outbox_find(t, "shop", OUTBOX_STOCK, "SKU", &op), STORE_ENOTFOUND);
    assert_int_equal(store_outbox_done(t, "shop", id2), STORE_ENOTFOUND);
    assert_int_equal(store_outbox_done(t, "other", lid), STORE_ENOTFOUND); /* wrong channel */
    ts_commit(t);

    /* after an ack the age starts again */
    usleep(3000);
    t = ts_begin(s, 1);
    put(t, "shop", "SKU", 4, 1);
    assert_int_equal(store_outbox_find(t, "shop", OUTBOX_STOCK, "SKU", &op), 0);
    assert_true(op.enqueued_ms > first_enqueued);
    outbox_op_free(&op);
    ts_commit(t);
    store_close(s);
    ts_rmdir(dir);
}

static void test_retry_backoff(void **state)
{
    char *dir = ts_tmpdir();
    struct store *s = ts_open(dir, 0);
    struct txn *t = ts_begin(s, 1);
    uint64_t a = put(t, "shop", "A", 1, 0);
    uint64_t b = put(t, "shop", "B", 2, 0);
    uint64_t c = put(t, "shop", "C", 3, 7); /* an unusual priority */
    assert_int_equal(store_outbox_retry(t, "shop", a, 5000), 0);
    assert_int_equal(store_outbox_retry(t, "shop", a, 6000), 0);
    assert_int_equal(store_outbox_retry(t, "shop", c, 100), 0);
    struct peeked p = {0};
    assert_int_equal(store_outbox_peek(t, "shop", 4000, 10, collect_op, &p), 0);
    assert_int_equal(p.n, 2);
    assert_int_equal(p.id[0], b);
    assert_int_equal(p.id[1], c);
    memset(&p, 0, sizeof p);
    assert_int_equal(store_outbox_peek(t, "shop", 6000, 10, collect_op, &p), 0);
    assert_int_equal(p.n, 3);
    assert_int_equal(p.id[0], a);
    struct outbox_op op;
    assert_int_equal(store_outbox_find(t, "shop", OUTBOX_STOCK, "A", &op), 0);
    assert_int_equal(op.attempts, 2);
    assert_int_equal(op.not_before_ms, 6000);
    outbox_op_free(&op);
    ts_commit(t);
    /* persisted */
    t = ts_begin(s, 0);
    assert_int_equal(store_outbox_find(t, "shop", OUTBOX_STOCK, "C", &op), 0);
    assert_int_equal(op.attempts, 1);
    assert_int_equal(op.priority, 7);
    outbox_op_free(&op);
    txn_abort(t);
    store_close(s);
    ts_rmdir(dir);
}

struct dls {
    uint64_t id[8];
    char error[8][64];
    char channel[8][16];
    int64_t qty[8];
    uint32_t attempts[8];
    int n;
};

static int collect_dl(void *arg, const struct dead_letter *d)
{
    struct dls *c = arg;
    c->id[c->n] = d->id;
    snprintf(c->error[c->n], 64, "%s", d->error);
    snprintf(c->channel[c->n], 16, "%s", d->op.channel);
    c->qty[c->n] = d->op.quantity;
    c->attempts[c->n] = d->op.attempts;
    assert_true(d->failed_ms > 0);
    c->n++;
    return 0;
}


static int first_dl(void *arg, const struct dead_letter *d)
{
    *(uint64_t *)arg = d->id;
    return 1;
}

static uint64_t depth_of(struct txn *t, const char *ch)
{
    uint64_t d = 99, oldest = 0;
    assert_int_equal(store_outbox_stats(t, ch, &d, &oldest), 0);
    return d;
}

/* The O(1) depth counter agrees with a count of the ops through every path. */
static void test_depth_counter(void **state)
{
    (void)state;
    char *dir = ts_tmpdir();
    struct store *s = ts_open(dir, 0);
    struct txn *t = ts_begin(s, 1);
    assert_int_equal(depth_of(t, "shop"), 0);
    uint64_t a = put(t, "shop", "A", 1, 1);
    put(t, "shop", "B", 2, 1);
    put(t, "amazon", "A", 3, 1);
    assert_int_equal(depth_of(t, "shop"), 2);
    uint64_t a2 = put(t, "shop", "A", 5, 0); /* coalesces: still 2 */
    assert_int_equal(depth_of(t, "shop"), 2);
    assert_int_equal(store_outbox_done(t, "shop", a), STORE_ENOTFOUND); /* replaced: no change */
    assert_int_equal(depth_of(t, "shop"), 2);
    assert_int_equal(store_outbox_done(t, "shop", a2), 0);
    assert_int_equal(depth_of(t, "shop"), 1);
    assert_int_equal(txn_commit(t), 0);
    t = ts_begin(s, 1);
    uint64_t b = 0;
    struct outbox_op op = {0};
    assert_int_equal(store_outbox_find(t, "shop", OUTBOX_STOCK, "B", &op), 0);
    b = op.id;
    outbox_op_free(&op);
    assert_int_equal(store_dlq_put(t, "shop", b, "refused"), 0);
    assert_int_equal(depth_of(t, "shop"), 0);
    assert_int_equal(depth_of(t, "amazon"), 1);
    uint64_t got = 0;
    assert_int_equal(store_dlq_each(t, "shop", first_dl, &got), 0);
    assert_int_equal(store_dlq_retry(t, got), 0);
    assert_int_equal(depth_of(t, "shop"), 1);
    assert_int_equal(store_count(t, "outbox"), 2);
    txn_abort(t);
    /* The aborted txn changed nothing, the committed one holds. */
    t = ts_begin(s, 0);
    assert_int_equal(depth_of(t, "shop"), 1);
    txn_abort(t);
    store_close(s);
    ts_rmdir(dir);
}


static void test_dead_letters(void **state)
{
    char *dir = ts_tmpdir();
    struct store *s = ts_open(dir, 0);
    struct txn *t = ts_begin(s, 1);
    uint64_t a = put(t, "shop", "A", 1, 1);
    uint64_t b = put(t, "shop", "B", 2, 1);
    uint64_t z = put(t, "amazon", "Z", 9, 0);
    assert_int_equal(store_outbox_retry(t, "shop", a, 0), 0);
    assert_int_equal(store_dlq_put(t, "shop", a, "Variant not found"), 0);
    assert_int_equal(store_dlq_put(t, "shop", b, "Bad quantity"), 0);
    assert_int_equal(store_dlq_put(t, "amazon", z, "INVALID_SKU"), 0);
    assert_int_equal(store_dlq_put(t, "shop", a, "again"), STORE_ENOTFOUND);
    assert_int_equal(store_count(t, "outbox"), 0);
    assert_int_equal(store_count(t, "outbox_keys"), 0);
    assert_int_equal(store_dlq_count(t, NULL), 3);
    assert_int_equal(store_dlq_count(t, "shop"), 2);
    assert_int_equal(store_dlq_count(t, "amazon"), 1);
    assert_int_equal(store_dlq_count(t, "ebay"), 0);
    struct dls d = {0};
    assert_int_equal(store_dlq_each(t, "shop", collect_dl, &d), 0);
    assert_int_equal(d.n, 2);
    assert_string_equal(d.error[0], "Variant not found");
    assert_int_equal(d.qty[0], 1);
    assert_int_equal(d.attempts[0], 1);
    assert_string_equal(d.channel[1], "shop");
    uint64_t dl_a = d.id[0], dl_b = d.id[1];
    struct dead_letter one;
    assert_int_equal(store_dlq_get(t, dl_b, &one), 0);
    assert_string_equal(one.op.sku, "B");
    assert_string_equal(one.error, "Bad quantity");
    dead_letter_free(&one);
    ts_commit(t);

    t = ts_begin(s, 1);
    /* retry: back into the outbox with attempts reset */
    assert_int_equal(store_dlq_retry(t, dl_a), 0);
    struct outbox_op op;
    assert_int_equal(store_outbox_find(t, "shop", OUTBOX_STOCK, "A", &op), 0);
    assert_int_equal(op.quantity, 1);
    assert_int_equal(op.attempts, 0);
    assert_int_equal(op.priority, 1);
    outbox_op_free(&op);
    /* retry when a newer op for the key is queued: the newer value wins */
    uint64_t nb = put(t, "shop", "B", 40, 0);
    assert_int_equal(store_dlq_retry(t, dl_b), 0);
    assert_int_equal(store_outbox_find(t, "shop", OUTBOX_STOCK, "B", &op), 0);
    assert_int_equal(op.id, nb);
    assert_int_equal(op.quantity, 40);
    outbox_op_free(&op);
    assert_int_equal(store_dlq_count(t, "shop"), 0);
    assert_int_equal(store_dlq_retry(t, dl_a), STORE_ENOTFOUND);
    /* drop */
    memset(&d, 0, sizeof d);
    assert_int_equal(store_dlq_each(t, NULL, collect_dl, &d), 0);
    assert_int_equal(d.n, 1);
    assert_int_equal(store_dlq_drop(t, d.id[0]), 0);
    assert_int_equal(store_dlq_drop(t, d.id[0]), STORE_ENOTFOUND);
    assert_int_equal(store_dlq_count(t, NULL), 0);
    assert_int_equal(store_count(t, "outbox"), 2);
    ts_commit(t);
    store_close(s);
    ts_rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_and_channels),
        cmocka_unit_test(test_coalescing),
        cmocka_unit_test(test_retry_backoff),
        cmocka_unit_test(test_dead_letters),
        cmocka_unit_test(test_depth_counter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
