/* dlq.c - dead letters: outbox operations a channel rejected as invalid,
 * with the channel's own error text.  Retry puts the op back through the
 * normal (coalescing) outbox put; a newer pending op for the key wins. */
#include "store/store_int.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

void dead_letter_free(struct dead_letter *d)
{
    if (!d) return;
    outbox_op_free(&d->op);
    free(d->error);
    memset(d, 0, sizeof *d);
}

int store_dlq_put(struct txn *t, const char *channel, uint64_t op_id, const char *error)
{
    if (t->failed) return -1;
    if (store_txn_need_write(t, "dlq put") != 0) return -1;
    struct skey k, ik, dk;
    struct dead_letter d = {0};
    int rc = store_outbox_locate(t, channel, op_id, &k, &d.op);
    if (rc != 0) return rc;
    rc = key_outbox_keys(t, &ik, channel, (uint8_t)d.op.kind, d.op.sku);
    if (rc == 0) {
        uint64_t id = store_next_seq(t, "dlq");
        d.id = id;
        d.failed_ms = store_now();
        d.error = xstrdup(error ? error : "");
        struct buf b = BUF_INIT;
        if (!id) rc = -1;
        else if (key_seq(t, &dk, id) != 0) rc = -1;
        else if (rec_dead_letter_encode(&b, &d) != 0) rc = txn_fail(t, "dead_letters: out of memory");
        else rc = store_db_put(t, DB_DEAD_LETTERS, dk.b, dk.len, b.data, b.len);
        buf_free(&b);
    }
    if (rc == 0 && store_db_del(t, DB_OUTBOX, k.b, k.len) < 0) rc = -1;
    if (rc == 0 && store_outbox_depth_add(t, channel, -1) != 0) rc = -1;
    if (rc == 0) {
        MDB_val v;
        int g = store_db_get(t, DB_OUTBOX_KEYS, ik.b, ik.len, &v);
        if (g < 0) rc = -1;
        else if (g == 0 && v.mv_size == 9) {
            const unsigned char *p = v.mv_data;
            uint64_t kid = 0;
            for (int i = 1; i <= 8; i++) kid = (kid << 8) | p[i];
            if (kid == op_id && store_db_del(t, DB_OUTBOX_KEYS, ik.b, ik.len) < 0) rc = -1;
        }
    }
    dead_letter_free(&d);
    return rc;
}

/* Read dead letter `id`: 0, STORE_ENOTFOUND (refusal), -1. */
static int dlq_read(struct txn *t, uint64_t id, struct skey *k, struct dead_letter *d)
{
    memset(d, 0, sizeof *d);
    key_seq(t, k, id);
    MDB_val v;
    int rc = store_db_get(t, DB_DEAD_LETTERS, k->b, k->len, &v);
    if (rc == STORE_ENOTFOUND)
        return store_txn_refuse(t, STORE_ENOTFOUND, "dead letter %" PRIu64 " not found", id);
    if (rc != 0) return rc;
    if (rec_dead_letter_decode(&v, d) != 0)
        return txn_fail(t, "dead_letters: corrupt record %" PRIu64, id);
    d->id = id;
    return 0;
}

int store_dlq_each(struct txn *t, const char *channel, store_dlq_cb cb, void *arg)
{
    if (t->failed) return -1;
    MDB_cursor *c;
    if (store_db_cursor(t, DB_DEAD_LETTERS, &c) != 0) return -1;
    /* collect first: the callback may retry or drop what it is given */
    struct dead_letter *all = NULL;
    size_t n = 0;
    MDB_val key, v;
    int mrc = mdb_cursor_get(c, &key, &v, MDB_FIRST);
    while (mrc == 0) {
        struct kread kr;
        struct dead_letter d;
        uint64_t id;
        kread_init(&kr, &key);
        if (kread_u64(&kr, &id) != 0 || rec_dead_letter_decode(&v, &d) != 0) {
            mrc = -1;
            break;
        }
        d.id = id;
        if (!channel || strcmp(channel, d.op.channel) == 0) {
            struct dead_letter *na = realloc(all, (n + 1) * sizeof *na);
            if (!na) abort();
            all = na;
            all[n++] = d;
        } else {
            dead_letter_free(&d);
        }
        mrc = mdb_cursor_get(c, &key, &v, MDB_NEXT);
    }
    mdb_cursor_close(c);
    int ret = 0;
    if (mrc == -1) ret = txn_fail(t, "dead_letters: corrupt record");
    else if (mrc != MDB_NOTFOUND) ret = store_txn_mdb_fail(t, mrc, "cursor", "dead_letters");
    for (size_t i = 0; ret == 0 && i < n; i++) {
        int r = cb(arg, &all[i]);
        if (r < 0) ret = -1;
        if (r > 0) break;
    }
    for (size_t i = 0; i < n; i++) dead_letter_free(&all[i]);
    free(all);
    return ret;
}

int store_dlq_retry(struct txn *t, uint64_t dlq_id)
{
    if (t->failed) return -1;
    if (store_txn_need_write(t, "dlq retry") != 0) return -1;
    struct skey k;
    struct dead_letter d;
    int rc = dlq_read(t, dlq_id, &k, &d);
    if (rc != 0) return rc;
    struct outbox_op pending;
    rc = store_outbox_find(t, d.op.channel, d.op.kind, d.op.sku, &pending);
    if (rc == 0) {
        outbox_op_free(&pending); /* a newer value is queued: it wins */
    } else if (rc == STORE_ENOTFOUND) {
        rc = store_outbox_put(t, d.op.channel, d.op.kind, d.op.sku, d.op.quantity, d.op.payload,
                              d.op.payload_len, d.op.priority, NULL);
    }
    if (rc == 0 && store_db_del(t, DB_DEAD_LETTERS, k.b, k.len) < 0) rc = -1;
    dead_letter_free(&d);
    return rc;
}

int store_dlq_drop(struct txn *t, uint64_t dlq_id)
{
    if (t->failed) return -1;
    if (store_txn_need_write(t, "dlq drop") != 0) return -1;
    struct skey k;
    key_seq(t, &k, dlq_id);
    int rc = store_db_del(t, DB_DEAD_LETTERS, k.b, k.len);
    if (rc == STORE_ENOTFOUND)
        return store_txn_refuse(t, STORE_ENOTFOUND, "dead letter %" PRIu64 " not found", dlq_id);
    return rc;
}

static int count_cb(void *arg, const struct dead_letter *d)
{
    (void)d;
    (*(int64_t *)arg)++;
    return 0;
}

int64_t store_dlq_count(struct txn *t, const char *channel)
{
    if (!channel) return store_count(t, "dead_letters");
    int64_t n = 0;
    if (store_dlq_each(t, channel, count_cb, &n) != 0) return -1;
    return n;
}

/* Addition: one dead letter by id (for `hubctl dlq show`). */
int store_dlq_get(struct txn *t, uint64_t dlq_id, struct dead_letter *out)
{
    if (t->failed) return -1;
    struct skey k;
    return dlq_read(t, dlq_id, &k, out);
}
