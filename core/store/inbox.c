/* inbox.c - durable, ordered canonical events and their idempotency keys.
 * seq comes from counter "inbox"; meta "inbox_applied" is the last applied seq. */
#include "store/store_int.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

#define APPLIED "inbox_applied"

int store_inbox_seen(struct txn *t, const char *idem_key)
{
    if (t->failed) return -1;
    struct skey k;
    if (store_check_str(t, "idempotency key", idem_key, 0) != 0) return -1;
    if (key_idempotency(t, &k, idem_key) != 0) return -1;
    MDB_val v;
    int rc = store_db_get(t, DB_IDEMPOTENCY, k.b, k.len, &v);
    if (rc < 0) return -1;
    return rc == 0;
}

int store_inbox_append(struct txn *t, const char *idem_key, const char *json, size_t len,
                       uint64_t *seq)
{
    if (seq) *seq = 0;
    if (t->failed) return -1;
    if (store_txn_need_write(t, "inbox append") != 0) return -1;
    int rc;
    struct skey ik, k;
    int dedup = idem_key && *idem_key;
    if (!json || len == 0) return store_txn_refuse(t, STORE_EINVALID, "inbox: empty event");
    if (dedup) {
        if ((rc = store_check_str(t, "idempotency key", idem_key, 0)) != 0) return rc;
        if ((rc = key_idempotency(t, &ik, idem_key)) != 0) return rc;
        MDB_val v;
        rc = store_db_get(t, DB_IDEMPOTENCY, ik.b, ik.len, &v);
        if (rc < 0) return -1;
        if (rc == 0) {
            uint64_t s, ts;
            if (rec_idem_decode(&v, &s, &ts) != 0) return txn_fail(t, "idempotency: corrupt record");
            if (seq) *seq = s;
            return 1;
        }
    }
    uint64_t n = store_next_seq(t, "inbox");
    if (!n) return -1;
    key_seq(t, &k, n);
    if (store_db_put(t, DB_INBOX, k.b, k.len, json, len) != 0) return -1;
    if (dedup) {
        unsigned char iv[16];
        rec_idem_encode(iv, n, store_now());
        if (store_db_put(t, DB_IDEMPOTENCY, ik.b, ik.len, iv, sizeof iv) != 0) return -1;
    }
    if (seq) *seq = n;
    return 0;
}

struct pending_ev {
    uint64_t seq;
    char *json;
    size_t len;
};

int store_inbox_pending(struct txn *t, size_t max, store_inbox_cb cb, void *arg)
{
    if (t->failed) return -1;
    uint64_t applied;
    if (store_meta_get_u64(t, APPLIED, &applied) != 0) return -1;
    if (applied == UINT64_MAX) return 0;
    struct skey k;
    key_seq(t, &k, applied + 1);
    MDB_cursor *c;
    if (store_db_cursor(t, DB_INBOX, &c) != 0) return -1;
    /* collect first: the callback applies events (and may mark them applied) */
    struct pending_ev *ev = NULL;
    size_t n = 0;
    MDB_val key = {k.len, k.b}, v;
    int mrc = mdb_cursor_get(c, &key, &v, MDB_SET_RANGE);
    while (mrc == 0 && n < max) {
        struct kread kr;
        uint64_t s;
        kread_init(&kr, &key);
        if (kread_u64(&kr, &s) != 0) {
            mrc = -1;
            break;
        }
        struct pending_ev *ne = realloc(ev, (n + 1) * sizeof *ne);
        if (!ne) abort();
        ev = ne;
        ev[n].seq = s;
        ev[n].len = v.mv_size;
        ev[n].json = xmalloc(v.mv_size + 1);
        memcpy(ev[n].json, v.mv_data, v.mv_size);
        ev[n].json[v.mv_size] = '\0';
        n++;
        mrc = mdb_cursor_get(c, &key, &v, MDB_NEXT);
    }
    mdb_cursor_close(c);
    int ret = 0;
    if (mrc == -1) ret = txn_fail(t, "inbox: corrupt key");
    else if (mrc != 0 && mrc != MDB_NOTFOUND) ret = store_txn_mdb_fail(t, mrc, "cursor", "inbox");
    for (size_t i = 0; ret == 0 && i < n; i++) {
        int r = cb(arg, ev[i].seq, ev[i].json, ev[i].len);
        if (r < 0) ret = -1;
        if (r > 0) break;
    }
    for (size_t i = 0; i < n; i++) free(ev[i].json);
    free(ev);
    return ret;
}

int store_inbox_mark_applied(struct txn *t, uint64_t seq)
{
    if (t->failed) return -1;
    if (store_txn_need_write(t, "inbox mark applied") != 0) return -1;
    uint64_t applied, last;
    if (store_meta_get_u64(t, APPLIED, &applied) != 0) return -1;
    if (store_counter_peek(t, "inbox", &last) != 0) return -1;
    if (seq > last)
        return store_txn_refuse(t, STORE_EINVALID,
                                "inbox: cannot mark %" PRIu64 " applied, last event is %" PRIu64,
                                seq, last);
    if (seq <= applied) return 0; /* monotonic */
    return store_meta_put_u64(t, APPLIED, seq);
}

uint64_t store_inbox_applied(struct txn *t)
{
    uint64_t applied = 0;
    if (t->failed) return 0;
    store_meta_get_u64(t, APPLIED, &applied);
    return applied;
}
