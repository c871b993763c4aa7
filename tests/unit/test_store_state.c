/* test_store_state.c - per-channel state: delete by NULL and store_state_each
 * (prefix bounds across channels, `after`, `max`, early stop). */
#include "test_store_helpers.h"

struct seen {
    char names[32][64];
    char values[32][64];
    int n;
    int stop_at; /* cb returns 1 on this visit (1-based); 0 never */
};

static int collect(void *arg, const char *name, const char *value, size_t len)
{
    struct seen *s = arg;
    assert_int_equal(strlen(value), len);
    assert_true(s->n < 32);
    snprintf(s->names[s->n], sizeof s->names[0], "%s", name);
    snprintf(s->values[s->n], sizeof s->values[0], "%s", value);
    s->n++;
    return s->stop_at && s->n == s->stop_at;
}

static int64_t each(struct store *st, const char *channel, const char *prefix, const char *after,
                    size_t max, struct seen *s)
{
    memset(s->names, 0, sizeof s->names);
    s->n = 0;
    struct txn *t = ts_begin(st, 0);
    int64_t n = store_state_each(t, channel, prefix, after, max, collect, s);
    txn_abort(t);
    return n;
}

static void put(struct store *st, const char *channel, const char *name, const char *value)
{
    struct txn *t = ts_begin(st, 1);
    assert_int_equal(store_state_set(t, channel, name, value), 0);
    ts_commit(t);
}

/* "chat" is a prefix of "chatgpt"; "cart" a prefix of "cart:" and "carts". */
static void fill(struct store *st)
{
    put(st, "chat", "cart:zz", "other channel");
    put(st, "chat", "x", "other channel");
    put(st, "chatgpt", "acp:cs:1", "s1");
    put(st, "chatgpt", "cart:a", "A");
    put(st, "chatgpt", "cart:b", "B");
    put(st, "chatgpt", "cart:c", "C");
    put(st, "chatgpt", "cart:d", "D");
    put(st, "chatgpt", "carts", "not a cart");
    put(st, "chatgpt", "order:1", "o1");
    put(st, "chatgpt2", "cart:x", "other channel");
}

static void test_prefix_stays_in_channel(void **state)
{
    (void)state;
    char *dir = ts_tmpdir();
    struct store *st = ts_open(dir, 0);
    fill(st);
    struct seen s = {0};
    assert_int_equal(each(st, "chatgpt", "cart:", NULL, 0, &s), 4);
    assert_string_equal(s.names[0], "cart:a");
    assert_string_equal(s.values[0], "A");
    assert_string_equal(s.names[3], "cart:d");
    assert_string_equal(s.values[3], "D");
    /* the whole channel, in name order, and nothing of "chat" or "chatgpt2" */
    assert_int_equal(each(st, "chatgpt", "", NULL, 0, &s), 7);
    assert_string_equal(s.names[0], "acp:cs:1");
    assert_string_equal(s.names[5], "carts");
    assert_string_equal(s.names[6], "order:1");
    assert_int_equal(each(st, "chatgpt", NULL, NULL, 0, &s), 7);
    assert_int_equal(each(st, "chat", "", NULL, 0, &s), 2);
    assert_string_equal(s.names[0], "cart:zz");
    assert_int_equal(each(st, "chatgpt2", "cart", NULL, 0, &s), 1);
    assert_int_equal(each(st, "chatgpt", "cart", NULL, 0, &s), 5); /* cart:* and carts */
    assert_int_equal(each(st, "chatgpt", "nothing", NULL, 0, &s), 0);
    assert_int_equal(each(st, "nochannel", "", NULL, 0, &s), 0);
    store_close(st);
    ts_rmdir(dir);
}

static void test_after_max_and_stop(void **state)
{
    (void)state;
    char *dir = ts_tmpdir();
    struct store *st = ts_open(dir, 0);
    fill(st);
    struct seen s = {0};
    /* chunks of two, resuming after the last name seen */
    assert_int_equal(each(st, "chatgpt", "cart:", NULL, 2, &s), 2);
    assert_string_equal(s.names[1], "cart:b");
    assert_int_equal(each(st, "chatgpt", "cart:", "cart:b", 2, &s), 2);
    assert_string_equal(s.names[0], "cart:c");
    assert_string_equal(s.names[1], "cart:d");
    assert_int_equal(each(st, "chatgpt", "cart:", "cart:d", 2, &s), 0);
    /* `after` need not exist, and may lie before or beyond the prefix */
    assert_int_equal(each(st, "chatgpt", "cart:", "cart:bb", 0, &s), 2);
    assert_string_equal(s.names[0], "cart:c");
    assert_int_equal(each(st, "chatgpt", "cart:", "acp", 0, &s), 4);
    assert_int_equal(each(st, "chatgpt", "cart:", "zzz", 0, &s), 0);
    assert_int_equal(each(st, "chatgpt", "cart:", "cart:", 0, &s), 4);
    /* the callback stops the walk; that entry counts */
    s.stop_at = 3;
    assert_int_equal(each(st, "chatgpt", "", NULL, 0, &s), 3);
    assert_string_equal(s.names[2], "cart:b");
    s.stop_at = 0;
    store_close(st);
    ts_rmdir(dir);
}

static void test_delete_by_null(void **state)
{
    (void)state;
    char *dir = ts_tmpdir();
    struct store *st = ts_open(dir, 0);
    fill(st);
    put(st, "chatgpt", "cart:b", NULL);
    put(st, "chatgpt", "cart:b", NULL); /* absent: still 0 */
    put(st, "chatgpt", "never", NULL);
    struct txn *t = ts_begin(st, 0);
    char *v = (char *)"x";
    assert_int_equal(store_state_get(t, "chatgpt", "cart:b", &v), STORE_ENOTFOUND);
    assert_null(v);
    assert_int_equal(store_state_get(t, "chatgpt", "cart:a", &v), 0);
    assert_string_equal(v, "A");
    free(v);
    txn_abort(t);
    struct seen s = {0};
    assert_int_equal(each(st, "chatgpt", "cart:", NULL, 0, &s), 3);
    assert_string_equal(s.names[1], "cart:c");
    /* the other channel's entry of the same name is untouched */
    put(st, "chat", "cart:zz", NULL);
    assert_int_equal(each(st, "chat", "", NULL, 0, &s), 1);
    /* a delete needs a write transaction */
    t = ts_begin(st, 0);
    assert_int_equal(store_state_set(t, "chatgpt", "cart:a", NULL), -1);
    txn_abort(t);
    store_close(st);
    ts_rmdir(dir);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    char *dir = ts_tmpdir();
    struct store *st = ts_open(dir, 0);
    fill(st);
    struct seen s = {0};
    char longname[600];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    assert_true(each(st, "chatgpt", longname, NULL, 0, &s) < 0);
    assert_true(each(st, "chatgpt", "", longname, 0, &s) < 0);
    assert_true(each(st, "", "", NULL, 0, &s) < 0);
    assert_int_equal(s.n, 0);
    store_close(st);
    ts_rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prefix_stays_in_channel),
        cmocka_unit_test(test_after_max_and_stop),
        cmocka_unit_test(test_delete_by_null),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
