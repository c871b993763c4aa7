/* test_store_prune.c - retention (core/store/prune.c): old applied inbox
 * records go, unapplied and younger ones stay, the scan stops at the first
 * younger record, undated records go only with an older dated one after
 * them, chunks respect their limit; idempotency keys are forgotten in
 * resumable chunks, and the key of a pruned inbox record is forgotten only
 * once its own retention has passed. */
#include "test_store_helpers.h"

#include <inttypes.h>

#include "common/log.h"
#include "store/store_int.h" /* rec_idem_encode: keys with a chosen first-seen time */

#define DAY UINT64_C(86400000)

/* Append an event dated ts_ms (0: no "ts_ms" at all); returns its seq. */
static uint64_t add(struct txn *t, const char *idem_key, uint64_t ts_ms)
{
    char json[128];
    if (ts_ms) snprintf(json, sizeof json, "{\"type\":\"stock.adjust\",\"ts_ms\":%" PRIu64 "}", ts_ms);
    else snprintf(json, sizeof json, "{\"type\":\"stock.adjust\"}");
    uint64_t seq = 0;
    assert_int_equal(store_inbox_append(t, idem_key, json, strlen(json), &seq), 0);
    return seq;
}

static uint64_t add_raw(struct txn *t, const char *json)
{
    uint64_t seq = 0;
    assert_int_equal(store_inbox_append(t, NULL, json, strlen(json), &seq), 0);
    return seq;
}

/* The seqs still in the inbox, as "1,4,5". */
static void inbox_seqs(struct txn *t, char *out, size_t n)
{
    MDB_cursor *c;
    assert_int_equal(store_db_cursor(t, DB_INBOX, &c), 0);
    MDB_val k, v;
    size_t off = 0;
    out[0] = '\0';
    for (int rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0; rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        struct kread kr;
        uint64_t seq;
        kread_init(&kr, &k);
        assert_int_equal(kread_u64(&kr, &seq), 0);
        off += (size_t)snprintf(out + off, n - off, "%s%" PRIu64, off ? "," : "", seq);
    }
    mdb_cursor_close(c);
}

#define ASSERT_INBOX(t, want)                    \
    do {                                         \
        char got_[256];                          \
        inbox_seqs(t, got_, sizeof got_);        \
        assert_string_equal(got_, want);         \
    } while (0)

static void test_inbox_old_applied_go_unapplied_stay(void **state)
{
    char *dir = ts_tmpdir();
    struct store *s = ts_open(dir, 0);
    struct txn *t = ts_begin(s, 1);
    add(t, NULL, 1000);
    add(t, "shopify:a", 2000);
    add(t, NULL, 3000);
    add(t, NULL, 3100); /* seq 4: not applied */
    add(t, NULL, 3200);
    assert_int_equal(store_inbox_mark_applied(t, 3), 0);
    int more = -1;
    /* nothing is older than 500 */
    assert_int_equal(store_inbox_prune(t, 500, 100, &more), 0);
    assert_int_equal(more, 0);
    /* 1 and 2 are older than 2500; 3 is not */
    assert_int_equal(store_inbox_prune(t, 2500, 100, &more), 2);
    assert_int_equal(more, 0);
    ASSERT_INBOX(t, "3,4,5");
    /* everything is old now, but 4 and 5 are not applied: they stay */
    assert_int_equal(store_inbox_prune(t, 10000, 100, &more), 1);
    ASSERT_INBOX(t, "4,5");
    assert_int_equal(store_inbox_prune(t, 10000, 0, &more), 0);
    assert_int_equal(store_inbox_mark_applied(t, 5), 0);
    assert_int_equal(store_inbox_prune(t, 10000, 0, &more), 2);
    ASSERT_INBOX(t, "");
    /* the pending list and the counters are untouched */
    assert_int_equal(store_inbox_applied(t), 5);
    assert_int_equal(add(t, NULL, 4000), 6);
    /* the idempotency key outlives its inbox record */
    assert_int_equal(store_inbox_seen(t, "shopify:a"), 1);
    ts_commit(t);
    /* a read-only txn cannot prune (the store logs why) */
    t = ts_begin(s, 0);
    log_set_quiet(1);
    assert_int_equal(store_inbox_prune(t, 10000, 0, NULL), -1);
    log_set_quiet(0);
    assert_non_null(strstr(txn_error(t), "inbox prune"));
    txn_abort(t);
    store_close(s);
    ts_rmdir(dir);
}

/* Sequences grow with time: the scan stops at the first younger record, even
 * if an older-dated one comes after it. */
static void test_inbox_stops_at_first_younger(void **state)
{
    char *dir = ts_tmpdir();
    struct store *s = ts_open(dir, 0);
    struct txn *t = ts_begin(s, 1);
    add(t, NULL, 1000);
    add(t, NULL, 5000);
    add(t, NULL, 2000); /* dated by its sender: older than its predecessor */
    assert_int_equal(store_inbox_mark_applied(t, 3), 0);
    assert_int_equal(store_inbox_prune(t, 3000, 0, NULL), 1);
    ASSERT_INBOX(t, "2,3");
    assert_int_equal(store_inbox_prune(t, 5001, 0, NULL), 2);
    ASSERT_INBOX(t, "");
    ts_commit(t);
    store_close(s);
    ts_rmdir(dir);
}

static void test_inbox_chunks(void **state)
{
    char *dir = ts_tmpdir();
    struct store *s = ts_open(dir, 0);
    struct txn *t = ts_begin(s, 1);
    for (int i = 0; i < 25; i++) add(t, NULL, 1000 + (uint64_t)i);
    uint64_t young = add(t, NULL, 9000);
    assert_int_equal(store_inbox_mark_applied(t, young), 0);
    ts_commit(t);
    int64_t got[8];
    int mores[8], calls = 0;
    for (int more = 1; more && calls < 8; calls++) {
        t = ts_begin(s, 1); /* one txn per chunk, as hubd does */
        got[calls] = store_inbox_prune(t, 5000, 10, &more);
        mores[calls] = more;
        ts_commit(t);
    }
    assert_int_equal(calls, 3);
    assert_int_equal(got[0], 10);
    assert_int_equal(mores[0], 1);
    assert_int_equal(got[1], 10);
    assert_int_equal(mores[1], 1);
    assert_int_equal(got[2], 5);
    assert_int_equal(mores[2], 0);
    t = ts_begin(s, 0);
    ASSERT_INBOX(t, "26");
    txn_abort(t);
    store_close(s);
    ts_rmdir(dir);
}

/* A record without a usable date goes only with an older dated record after it. */
static void test_inbox_undated(void **state)
{
    char *dir = ts_tmpdir();
    struct store *s = ts_open(dir, 0);
    struct txn *t = ts_begin(s, 1);
    uint64_t now = store_now();
    add(t, NULL, 1000);                                          /* 1 */
    add(t, NULL, 0);                                             /* 2: no ts_ms */
    add_raw(t, "{\"ts_ms\":\"yesterday\"}");                     /* 3: not an integer */
    add_raw(t, "not JSON at all");                               /* 4 */
    add(t, NULL, now + 400 * DAY);                               /* 5: not a time in ms */
    add(t, NULL, 2000);                                          /* 6: dates 2..5 */
    add(t, NULL, 0);                                             /* 7: followed by a younger one */
    add(t, NULL, now);                                           /* 8 */
    assert_int_equal(store_inbox_mark_applied(t, 8), 0);
    assert_int_equal(store_inbox_prune(t, 3000, 0, NULL), 6);
    ASSERT_INBOX(t, "7,8");
    assert_int_equal(store_inbox_prune(t, now + 1, 0, NULL), 2);
    ASSERT_INBOX(t, "");
    /* an undated record at the end (nothing after it) stays */
    add(t, NULL, 0);
    assert_int_equal(store_inbox_mark_applied(t, 9), 0);
    assert_int_equal(store_inbox_prune(t, UINT64_MAX, 0, NULL), 0);
    ASSERT_INBOX(t, "9");
    /* a near-future date is a date: it stops the scan */
    add(t, NULL, now + 3600000); /* 10 */
    add(t, NULL, 1000);          /* 11 */
    assert_int_equal(store_inbox_mark_applied(t, 11), 0);
    assert_int_equal(store_inbox_prune(t, now, 0, NULL), 0);
    ASSERT_INBOX(t, "9,10,11");
    ts_commit(t);
    store_close(s);
    ts_rmdir(dir);
}

/* What counts as the record's date: only a plain positive integer "ts_ms"
 * member of the top-level object. */
static void test_inbox_dates(void **state)
{
    static const struct { const char *json; int old; } cases[] = {
        {"{\"ts_ms\":1000}", 1},
        {" { \"type\" : \"x\" , \"ts_ms\" : 1000 } ", 1},
        {"{\"ts_ms\":1000,\"type\":\"x\"}", 1},
        {"{\"lines\":[{\"ts_ms\":9999999}],\"shipment\":{\"ts_ms\":9999999},\"ts_ms\":1000}", 1},
        {"{\"lines\":[{\"ts_ms\":1000}],\"ts_ms\":9999999}", 0},       /* nested: not its date */
        {"{\"note\":\"ts_ms\",\"ts_ms\":1000}", 1},                     /* a string value is no key */
        {"{\"reason\":\"a \\\"quoted\\\" } ] \\\\\",\"ts_ms\":1000}", 1}, /* escapes, brackets in strings */
        {"{\"ts_ms\":1000.5}", 0},
        {"{\"ts_ms\":1e3}", 0},
        {"{\"ts_ms\":-1000}", 0},
        {"{\"ts_ms\":0}", 0},
        {"{\"ts_ms\":null}", 0},
        {"{\"ts_ms\":99999999999999999999999}", 0},
        {"{\"ts_ms\":1000", 0},                                      /* cut short */
        {"[{\"ts_ms\":1000}]", 0},
        {"{\"type\":\"x\"}", 0},
        {"{\"ts_ms\" 1000}", 0},
    };
    char *dir = ts_tmpdir();
    struct store *s = ts_open(dir, 0);
    struct txn *t = ts_begin(s, 1);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        /* [case, younger]: the case goes alone iff it is dated before 3000 */
        add_raw(t, cases[i].json);
        uint64_t young = add(t, NULL, 5000);
        assert_int_equal(store_inbox_mark_applied(t, young), 0);
        int64_t n = store_inbox_prune(t, 3000, 0, NULL);
        if (n != cases[i].old) fail_msg("%s: %s", cases[i].json, cases[i].old ? "not dated old" : "dated old");
        assert_int_equal(store_inbox_prune(t, store_now(), 0, NULL), 2 - cases[i].old);
        assert_int_equal(store_count(t, "inbox"), 0);
    }
    ts_commit(t);
    store_close(s);
    ts_rmdir(dir);
}

/* A run of undated records longer than the chunk still makes progress. */
static void test_inbox_undated_run_longer_than_chunk(void **state)
{
    char *dir = ts_tmpdir();
    struct store *s = ts_open(dir, 0);
    struct txn *t = ts_begin(s, 1);
    for (int i = 0; i < 5; i++) add(t, NULL, 0); /* 1..5 */
    add(t, NULL, 1000);                           /* 6 */
    add(t, NULL, 9000);                           /* 7 */
    assert_int_equal(store_inbox_mark_applied(t, 7), 0);
    int more;
    assert_int_equal(store_inbox_prune(t, 5000, 2, &more), 2);
    assert_int_equal(more, 1);
    ASSERT_INBOX(t, "3,4,5,6,7");
    assert_int_equal(store_inbox_prune(t, 5000, 2, &more), 2);
    assert_int_equal(store_inbox_prune(t, 5000, 2, &more), 2);
    assert_int_equal(more, 1);
    ASSERT_INBOX(t, "7");
    assert_int_equal(store_inbox_prune(t, 5000, 2, &more), 0);
    assert_int_equal(more, 0);
    ts_commit(t);
    store_close(s);
    ts_rmdir(dir);
}

/* Put idempotency key `key` as first seen at ts_ms. */
static void put_key(struct txn *t, const char *key, uint64_t seq, uint64_t ts_ms)
{
    struct skey k;
    unsigned char v[16];
    assert_int_equal(key_idempotency(t, &k, key), 0);
    rec_idem_encode(v, seq, ts_ms);
    assert_int_equal(store_db_put(t, DB_IDEMPOTENCY, k.b, k.len, v, sizeof v), 0);
}

static void test_idempotency_chunks_resume(void **state)
{
    char *dir = ts_tmpdir();
    struct store *s = ts_open(dir, 0);
    struct txn *t = ts_begin(s, 1);
    char key[32];
    for (int i = 0; i < 30; i++) {
        snprintf(key, sizeof key, "shopify:%02d", i);
        put_key(t, key, (uint64_t)i + 1, i % 2 ? 9000 : 1000); /* even: old */
    }
    ts_commit(t);
    struct store_prune_pos pos = {.after = ""};
    int64_t total = 0;
    int calls = 0;
    do {
        t = ts_begin(s, 1);
        int64_t n = store_idempotency_prune_chunk(t, 5000, 7, &pos);
        assert_true(n >= 0 && n <= 7);
        total += n;
        calls++;
        ts_commit(t);
    } while (!pos.done && calls < 20);
    assert_int_equal(calls, 5); /* 7+7+7+7+2 keys examined */
    assert_int_equal(total, 15);
    assert_string_equal(pos.after, ""); /* ready for the next pass */
    t = ts_begin(s, 1);
    assert_int_equal(store_count(t, "idempotency"), 15);
    assert_int_equal(store_inbox_seen(t, "shopify:00"), 0);
    assert_int_equal(store_inbox_seen(t, "shopify:01"), 1);
    assert_int_equal(store_inbox_seen(t, "shopify:28"), 0);
    assert_int_equal(store_inbox_seen(t, "shopify:29"), 1);
    /* a new pass finds nothing more to forget */
    assert_int_equal(store_idempotency_prune_chunk(t, 5000, 0, &pos), 0);
    assert_int_equal(pos.done, 1);
    /* a key added behind the position of a pass in progress waits for the next pass */
    pos = (struct store_prune_pos){.after = ""};
    assert_int_equal(store_idempotency_prune_chunk(t, 10000, 3, &pos), 3); /* 01 03 05 */
    assert_string_equal(pos.after, "shopify:05");
    put_key(t, "amazon:1", 99, 1);
    assert_int_equal(store_idempotency_prune_chunk(t, 10000, 0, &pos), 12);
    assert_int_equal(pos.done, 1);
    assert_int_equal(store_inbox_seen(t, "amazon:1"), 1);
    assert_int_equal(store_idempotency_prune(t, 10000), 1);
    assert_int_equal(store_count(t, "idempotency"), 0);
    ts_commit(t);
    store_close(s);
    ts_rmdir(dir);
}

/* The inbox record of a delivery may go long before its key: a redelivery is
 * a duplicate until the key's own retention passes, then a new event. */
static void test_key_outlives_pruned_record(void **state)
{
    char *dir = ts_tmpdir();
    struct store *s = ts_open(dir, 0);
    struct txn *t = ts_begin(s, 1);
    uint64_t seq = add(t, "shopify:webhook-1", 1000);
    assert_int_equal(store_inbox_mark_applied(t, seq), 0);
    ts_commit(t);

    t = ts_begin(s, 1);
    assert_int_equal(store_inbox_prune(t, store_now(), 0, NULL), 1);
    ASSERT_INBOX(t, "");
    /* within the key's retention (7 days): still a duplicate */
    uint64_t now = store_now();
    assert_int_equal(store_idempotency_prune(t, now - 7 * DAY), 0);
    uint64_t first = 0;
    assert_int_equal(store_inbox_append(t, "shopify:webhook-1", "{}", 2, &first), 1);
    assert_int_equal(first, seq);
    ts_commit(t);

    /* once the retention has passed (the cutoff is after its first sighting) */
    t = ts_begin(s, 1);
    assert_int_equal(store_idempotency_prune(t, store_now() + 1), 1);
    uint64_t again = 0;
    assert_int_equal(store_inbox_append(t, "shopify:webhook-1", "{}", 2, &again), 0);
    assert_true(again > seq);
    ts_commit(t);
    store_close(s);
    ts_rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inbox_old_applied_go_unapplied_stay),
        cmocka_unit_test(test_inbox_stops_at_first_younger),
        cmocka_unit_test(test_inbox_chunks),
        cmocka_unit_test(test_inbox_undated),
        cmocka_unit_test(test_inbox_dates),
        cmocka_unit_test(test_inbox_undated_run_longer_than_chunk),
        cmocka_unit_test(test_idempotency_chunks_resume),
        cmocka_unit_test(test_key_outlives_pruned_record),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
