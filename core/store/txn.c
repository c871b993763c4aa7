/* txn.c - the transaction wrapper: keeps the FIRST storage error and refuses
 * to commit after it; business refusals write nothing and leave the txn
 * usable; counters in meta are read once per txn and written back at commit. */
#include "store/store_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/util.h"

uint64_t store_now(void) { return now_ms(); }

int txn_begin(struct store *s, int write, struct txn **out)
{
    *out = NULL;
    if (write && (s->flags & STORE_RDONLY)) {
        log_error("store", "%s: write transaction on a store opened read-only", s->dir);
        return -1;
    }
    MDB_txn *mt;
    int rc = mdb_txn_begin(s->env, NULL, write ? 0 : MDB_RDONLY, &mt);
    if (rc == MDB_MAP_RESIZED) {
        /* Another process grew the map: adopt its size and retry. */
        rc = mdb_env_set_mapsize(s->env, 0);
        if (rc == 0) rc = mdb_txn_begin(s->env, NULL, write ? 0 : MDB_RDONLY, &mt);
    }
    if (rc != 0) {
        log_error("store", "%s: cannot begin %s transaction: %s", s->dir, write ? "write" : "read",
                  mdb_strerror(rc));
        return -1;
    }
    struct txn *t = xcalloc(1, sizeof *t);
    t->s = s;
    t->mt = mt;
    t->write = write;
    *out = t;
    return 0;
}

static int flush_counters(struct txn *t)
{
    for (size_t i = 0; i < t->n_ctr; i++) {
        if (!t->ctr[i].dirty) continue;
        if (store_meta_put_u64(t, t->ctr[i].name, t->ctr[i].value) != 0) return -1;
        t->ctr[i].dirty = 0;
    }
    return 0;
}

static int commit(struct txn *t, char *err, size_t err_len)
{
    if (!t) return -1;
    int ret = 0;
    if (t->failed || (t->write && flush_counters(t) != 0)) {
        if (err && err_len) snprintf(err, err_len, "%s", t->err);
        log_error("store", "%s: transaction not committed: %s", t->s->dir, t->err);
        mdb_txn_abort(t->mt);
        ret = -1;
    } else {
        int rc = mdb_txn_commit(t->mt);
        if (rc != 0) {
            if (err && err_len)
                snprintf(err, err_len, "store %s: commit: %s", t->s->dir, mdb_strerror(rc));
            log_error("store", "%s: commit failed: %s", t->s->dir, mdb_strerror(rc));
            ret = -1;
        }
    }
    free(t);
    return ret;
}

int txn_commit(struct txn *t) { return commit(t, NULL, 0); }

int txn_commit_err(struct txn *t, char *err, size_t err_len) { return commit(t, err, err_len); }

void txn_abort(struct txn *t)
{
    if (!t) return;
    mdb_txn_abort(t->mt);
    free(t);
}

int txn_failed(const struct txn *t) { return t->failed; }
const char *txn_error(const struct txn *t) { return t->failed ? t->err : NULL; }
const char *txn_refusal(const struct txn *t) { return t->refusal; }

static void vfail(struct txn *t, const char *fmt, va_list ap)
{
    if (t->failed) return;
    t->failed = 1;
    vsnprintf(t->err, sizeof t->err, fmt, ap);
    log_error("store", "%s: %s", t->s->dir, t->err);
}

int txn_fail(struct txn *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(t, fmt, ap);
    va_end(ap);
    return -1;
}

int store_txn_mdb_fail(struct txn *t, int rc, const char *op, const char *db)
{
    return txn_fail(t, "%s(%s): %s", op, db, mdb_strerror(rc));
}

int store_txn_refuse(struct txn *t, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->refusal, sizeof t->refusal, fmt, ap);
    va_end(ap);
    return code;
}

int store_txn_need_write(struct txn *t, const char *what)
{
    if (t->write) return 0;
    return txn_fail(t, "%s: needs a write transaction", what);
}

int store_check_str(struct txn *t, const char *what, const char *s, int allow_empty)
{
    if (!s) return store_txn_refuse(t, STORE_EINVALID, "%s missing", what);
    size_t n = strlen(s);
    if (n == 0 && !allow_empty) return store_txn_refuse(t, STORE_EINVALID, "%s is empty", what);
    if (n >= STORE_KEY_MAX)
        return store_txn_refuse(t, STORE_EINVALID, "%s too long (%zu bytes, at most %d)", what, n,
                                STORE_KEY_MAX - 1);
    return 0;
}

/* ------------------------------------------------------------ raw access */
int store_db_get(struct txn *t, enum store_db db, const void *k, size_t klen, MDB_val *v)
{
    if (t->failed) return -1;
    MDB_val key = {klen, (void *)k};
    int rc = mdb_get(t->mt, t->s->dbi[db], &key, v);
    if (rc == MDB_NOTFOUND) return STORE_ENOTFOUND;
    if (rc != 0) return store_txn_mdb_fail(t, rc, "get", store_dbs[db].name);
    return 0;
}

int store_db_put(struct txn *t, enum store_db db, const void *k, size_t klen, const void *v,
                 size_t vlen)
{
    if (t->failed) return -1;
    if (store_txn_need_write(t, store_dbs[db].name) != 0) return -1;
    MDB_val key = {klen, (void *)k}, val = {vlen, (void *)v};
    int rc = mdb_put(t->mt, t->s->dbi[db], &key, &val, 0);
    if (rc != 0) return store_txn_mdb_fail(t, rc, "put", store_dbs[db].name);
    return 0;
}

int store_db_del(struct txn *t, enum store_db db, const void *k, size_t klen)
{
    if (t->failed) return -1;
    if (store_txn_need_write(t, store_dbs[db].name) != 0) return -1;
    MDB_val key = {klen, (void *)k};
    int rc = mdb_del(t->mt, t->s->dbi[db], &key, NULL);
    if (rc == MDB_NOTFOUND) return STORE_ENOTFOUND;
    if (rc != 0) return store_txn_mdb_fail(t, rc, "del", store_dbs[db].name);
    return 0;
}

int store_db_cursor(struct txn *t, enum store_db db, MDB_cursor **c)
{
    if (t->failed) return -1;
    int rc = mdb_cursor_open(t->mt, t->s->dbi[db], c);
    if (rc != 0) return store_txn_mdb_fail(t, rc, "cursor", store_dbs[db].name);
    return 0;
}

/* ------------------------------------------------------------ meta integers */
int store_meta_get_u64(struct txn *t, const char *name, uint64_t *out)
{
    struct skey k;
    *out = 0;
    if (key_meta(t, &k, name) != 0) return txn_fail(t, "meta name too long: %s", name);
    MDB_val v;
    int rc = store_db_get(t, DB_META, k.b, k.len, &v);
    if (rc == STORE_ENOTFOUND) return 0;
    if (rc != 0) return -1;
    if (v.mv_size != 8) return txn_fail(t, "meta %s: bad value (%zu bytes)", name, v.mv_size);
    const unsigned char *p = v.mv_data;
    uint64_t x = 0;
    for (int i = 0; i < 8; i++) x = (x << 8) | p[i];
    *out = x;
    return 0;
}

int store_meta_put_u64(struct txn *t, const char *name, uint64_t v)
{
    struct skey k;
    if (key_meta(t, &k, name) != 0) return txn_fail(t, "meta name too long: %s", name);
    unsigned char x[8];
    for (int i = 7; i >= 0; i--, v >>= 8) x[i] = (unsigned char)v;
    return store_db_put(t, DB_META, k.b, k.len, x, 8);
}

/* ------------------------------------------------------------ counters */
/* The cached counter `name` (meta key "seq.<name>"), loaded on first use. */
static struct store_counter *counter(struct txn *t, const char *name)
{
    char full[24];
    size_t n = strlen(name);
    if (n > 19 || !n) {
        txn_fail(t, "counter name \"%s\" invalid (1..19 bytes)", name);
        return NULL;
    }
    memcpy(full, "seq.", 4); /* on every ledger, inbox and outbox write: no snprintf */
    memcpy(full + 4, name, n + 1);
    for (size_t i = 0; i < t->n_ctr; i++)
        if (strcmp(t->ctr[i].name, full) == 0) return &t->ctr[i];
    if (t->n_ctr == STORE_MAX_COUNTERS) {
        if (flush_counters(t) != 0) return NULL;
        t->n_ctr = 0; /* all written back: reuse the slots */
    }
    uint64_t v;
    if (store_meta_get_u64(t, full, &v) != 0) return NULL;
    struct store_counter *c = &t->ctr[t->n_ctr++];
    memcpy(c->name, full, strlen(full) + 1); /* fits: checked above */
    c->value = v;
    c->dirty = 0;
    return c;
}

uint64_t store_next_seq(struct txn *t, const char *name)
{
    if (t->failed) return 0;
    if (store_txn_need_write(t, "store_next_seq") != 0) return 0;
    struct store_counter *c = counter(t, name);
    if (!c) return 0;
    c->value++;
    c->dirty = 1;
    return c->value;
}

int store_counter_peek(struct txn *t, const char *name, uint64_t *out)
{
    *out = 0;
    if (t->failed) return -1;
    struct store_counter *c = counter(t, name);
    if (!c) return -1;
    *out = c->value;
    return 0;
}

int64_t store_count(struct txn *t, const char *db_name)
{
    int i = store_db_lookup(db_name);
    if (i < 0 || t->failed) return -1;
    MDB_stat st;
    int rc = mdb_stat(t->mt, t->s->dbi[i], &st);
    if (rc != 0) return store_txn_mdb_fail(t, rc, "stat", db_name);
    return (int64_t)st.ms_entries;
}
