/* test_store_helpers.h - shared by tests/unit/test_store_*.c (static inline:
 * each test binary takes what it uses). */
#ifndef TEST_STORE_HELPERS_H
#define TEST_STORE_HELPERS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "store/store.h"

/* A scratch directory under /tmp, removed by ts_rmdir. */
static inline char *ts_tmpdir(void)
{
    char tmpl[] = "/tmp/hub-store-test-XXXXXX";
    char *d = mkdtemp(tmpl);
    assert_non_null(d);
    return strdup(d);
}

static inline void ts_rmdir(char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(dir);
}

/* A fresh store "acme" in dir/store (not durable: tests only). */
static inline struct store *ts_open(const char *dir, unsigned extra_flags)
{
    char path[512], err[512];
    snprintf(path, sizeof path, "%s/store", dir);
    struct store *s = NULL;
    int rc = store_open(&s, path, "acme", STORE_CREATE | STORE_NOSYNC | extra_flags, 0, err,
                        sizeof err);
    if (rc != 0) fail_msg("store_open: %s", err);
    return s;
}

static inline struct txn *ts_begin(struct store *s, int write)
{
    struct txn *t = NULL;
    assert_int_equal(txn_begin(s, write, &t), 0);
    assert_non_null(t);
    return t;
}

static inline void ts_commit(struct txn *t) { assert_int_equal(txn_commit(t), 0); }

/* Put a variant {"sku":..} of product P-<sku> so stock movements are accepted. */
static inline void ts_variant(struct txn *t, const char *sku)
{
    char json[256], pid[128];
    snprintf(json, sizeof json, "{\"sku\":\"%s\",\"title\":\"%s\"}", sku, sku);
    snprintf(pid, sizeof pid, "P-%s", sku);
    int changed = -1;
    assert_int_equal(store_variant_put(t, sku, pid, json, strlen(json), &changed), 0);
}

static inline int ts_move(struct txn *t, enum ledger_kind kind, const char *sku, const char *loc,
                          int64_t qty, const char *reason, unsigned flags)
{
    struct stock_change c = {.kind = kind, .sku = sku, .location = loc, .qty = qty,
                             .source = "test", .reason = reason, .flags = flags};
    return store_stock_apply(t, &c, NULL);
}

/* Small seeded PRNG (xorshift64*), so property tests are reproducible. */
static inline uint64_t ts_rand(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

#endif
