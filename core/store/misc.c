/* misc.c - orders (JSON per channel + order id), exceptions (things that need
 * a human, in id order) and per-channel state (cursors, tokens): get, set,
 * delete (a NULL value) and a prefix scan in name order. */
#include "store/store_int.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

int store_order_put(struct txn *t, const char *channel, const char *order_id, const char *json,
                    size_t len)
{
    if (t->failed) return -1;
    if (store_txn_need_write(t, "order put") != 0) return -1;
    int rc;
    struct skey k;
    if ((rc = store_check_str(t, "channel", channel, 0)) != 0) return rc;
    if ((rc = store_check_str(t, "order id", order_id, 0)) != 0) return rc;
    if (!json || len == 0)
        return store_txn_refuse(t, STORE_EINVALID, "order %s/%s: empty JSON", channel, order_id);
    if ((rc = key_order(t, &k, channel, order_id)) != 0) return rc;
    return store_db_put(t, DB_ORDERS, k.b, k.len, json, len);
}

int store_order_get(struct txn *t, const char *channel, const char *order_id, char **json,
                    size_t *len)
{
    *json = NULL;
    if (len) *len = 0;
    if (t->failed) return -1;
    int rc;
    struct skey k;
    if ((rc = store_check_str(t, "channel", channel, 0)) != 0) return rc;
    if ((rc = store_check_str(t, "order id", order_id, 0)) != 0) return rc;
    if ((rc = key_order(t, &k, channel, order_id)) != 0) return rc;
    MDB_val v;
    rc = store_db_get(t, DB_ORDERS, k.b, k.len, &v);
    if (rc != 0) return rc;
    *json = xmalloc(v.mv_size + 1);
    memcpy(*json, v.mv_data, v.mv_size);
    (*json)[v.mv_size] = '\0';
    if (len) *len = v.mv_size;
    return 0;
}

int store_exception_add(struct txn *t, const char *kind, const char *channel, const char *ref,
                        const char *message)
{
    if (t->failed) return -1;
    if (store_txn_need_write(t, "exception add") != 0) return -1;
    int rc;
    if ((rc = store_check_str(t, "exception kind", kind, 0)) != 0) return rc;
    uint64_t id = store_next_seq(t, "exception");
    if (!id) return -1;
    struct skey k;
    key_seq(t, &k, id);
    struct rec_exception e = {.ts_ms = store_now(), .kind = kind, .channel = channel ? channel : "",
                              .ref = ref ? ref : "", .message = message ? message : ""};
    struct buf b = BUF_INIT;
    if (rec_exception_encode(&b, &e) != 0) rc = txn_fail(t, "exceptions: out of memory");
    else rc = store_db_put(t, DB_EXCEPTIONS, k.b, k.len, b.data, b.len);
    buf_free(&b);
    return rc;
}

int store_exception_each(struct txn *t, store_exception_cb cb, void *arg)
{
    if (t->failed) return -1;
    MDB_cursor *c;
    if (store_db_cursor(t, DB_EXCEPTIONS, &c) != 0) return -1;
    MDB_val key, v;
    int ret = 0;
    int mrc = mdb_cursor_get(c, &key, &v, MDB_FIRST);
    while (mrc == 0) {
        struct kread kr;
        struct rec_exception e;
        uint64_t id;
        kread_init(&kr, &key);
        if (kread_u64(&kr, &id) != 0 || rec_exception_decode(&v, &e) != 0) {
            ret = txn_fail(t, "exceptions: corrupt record");
            break;
        }
        int r = cb(arg, id, e.ts_ms, e.kind, e.channel, e.ref, e.message);
        if (r < 0) {
            ret = -1;
            break;
        }
        if (r > 0) break;
        mrc = mdb_cursor_get(c, &key, &v, MDB_NEXT);
    }
    if (mrc != 0 && mrc != MDB_NOTFOUND) ret = store_txn_mdb_fail(t, mrc, "cursor", "exceptions");
    mdb_cursor_close(c);
    return ret;
}

static int state_key(struct txn *t, struct skey *k, const char *channel, const char *name)
{
    int rc;
    if ((rc = store_check_str(t, "channel", channel, 0)) != 0) return rc;
    if ((rc = store_check_str(t, "state name", name, 0)) != 0) return rc;
    return key_state(t, k, channel, name);
}

int store_state_get(struct txn *t, const char *channel, const char *name, char **value)
{
    *value = NULL;
    if (t->failed) return -1;
    struct skey k;
    int rc = state_key(t, &k, channel, name);
    if (rc != 0) return rc;
    MDB_val v;
    rc = store_db_get(t, DB_STATE, k.b, k.len, &v);
    if (rc != 0) return rc;
    *value = xmalloc(v.mv_size + 1);
    memcpy(*value, v.mv_data, v.mv_size);
    (*value)[v.mv_size] = '\0';
    return 0;
}

int store_state_set(struct txn *t, const char *channel, const char *name, const char *value)
{
    if (t->failed) return -1;
    if (store_txn_need_write(t, "state set") != 0) return -1;
    struct skey k;
    int rc = state_key(t, &k, channel, name);
    if (rc != 0) return rc;
    if (!value) { /* NULL deletes */
        rc = store_db_del(t, DB_STATE, k.b, k.len);
        return rc == STORE_ENOTFOUND ? 0 : rc;
    }
    return store_db_put(t, DB_STATE, k.b, k.len, value, strlen(value));
}

/* Byte order of two keys, as LMDB's default comparison sees them. */
static int key_cmp(const struct skey *a, const struct skey *b)
{
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->b, b->b, n);
    if (c != 0) return c;
    return a->len < b->len ? -1 : a->len > b->len;
}

int64_t store_state_each(struct txn *t, const char *channel, const char *prefix, const char *after,
                         size_t max, store_state_cb cb, void *arg)
{
    if (t->failed) return -1;
    if (!prefix) prefix = "";
    struct skey pk, ak, *from = &pk;
    if (store_check_str(t, "channel", channel, 0) != 0) return -1;
    if (store_check_str(t, "state name prefix", prefix, 1) != 0) return -1;
    if (key_state_prefix(t, &pk, channel, prefix) != 0) return -1;
    if (after) {
        if (state_key(t, &ak, channel, after) != 0) return -1;
        if (key_cmp(&ak, &pk) > 0) from = &ak; /* else every name with the prefix is after it */
    }
    MDB_cursor *c;
    if (store_db_cursor(t, DB_STATE, &c) != 0) return -1;
    MDB_val key = {from->len, from->b}, v;
    int mrc = mdb_cursor_get(c, &key, &v, MDB_SET_RANGE);
    if (mrc == 0 && from == &ak && key.mv_size == ak.len && memcmp(key.mv_data, ak.b, ak.len) == 0)
        mrc = mdb_cursor_get(c, &key, &v, MDB_NEXT); /* strictly after */
    int64_t n = 0;
    char *val = NULL;
    size_t cap = 0;
    while (mrc == 0 && key_has_prefix(&key, pk.b, pk.len) && (max == 0 || (size_t)n < max)) {
        struct kread kr;
        kread_init(&kr, &key);
        kread_str(&kr);
        const char *name = kread_str(&kr);
        if (!name) {
            n = txn_fail(t, "state: corrupt key on channel %s", channel);
            break;
        }
        if (v.mv_size + 1 > cap) {
            free(val);
            cap = v.mv_size + 1 > 2 * cap ? v.mv_size + 1 : 2 * cap;
            val = xmalloc(cap);
        }
        memcpy(val, v.mv_data, v.mv_size);
        val[v.mv_size] = '\0';
        n++;
        if (cb(arg, name, val, v.mv_size) != 0) break;
        mrc = mdb_cursor_get(c, &key, &v, MDB_NEXT);
    }
    free(val);
    if (mrc != 0 && mrc != MDB_NOTFOUND) n = store_txn_mdb_fail(t, mrc, "cursor", "state");
    mdb_cursor_close(c);
    return n;
}
