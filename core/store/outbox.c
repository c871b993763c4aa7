/* outbox.c - pending push operations per channel, drained in (priority, id)
 * order.  outbox_keys keeps one pending op per (channel, kind, sku): a newer
 * put replaces the unsent older one (new id, given priority, attempts reset,
 * the OLDER enqueued_ms kept so age = oldest unacknowledged change). */
#include "store/store_int.h"

#include <inttypes.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "common/util.h"

void outbox_op_free(struct outbox_op *op)
{
    if (!op) return;
    free(op->channel);
    free(op->sku);
    free(op->payload);
    memset(op, 0, sizeof *op);
}

static int valid_kind(int kind) { return kind >= OUTBOX_STOCK && kind <= OUTBOX_FULFILLMENT; }

/* outbox_keys value: priority u8 + id u64 big-endian */
static void ref_encode(unsigned char out[9], uint8_t prio, uint64_t id)
{
    out[0] = prio;
    for (int i = 8; i >= 1; i--, id >>= 8) out[i] = (unsigned char)id;
}

static int ref_decode(const MDB_val *v, uint8_t *prio, uint64_t *id)
{
    if (v->mv_size != 9) return -1;
    const unsigned char *p = v->mv_data;
    *prio = p[0];
    uint64_t x = 0;
    for (int i = 1; i <= 8; i++) x = (x << 8) | p[i];
    *id = x;
    return 0;
}

/* Read the op at an outbox key into out (malloc'd fields). */
static int op_read(struct txn *t, const char *channel, const struct skey *k, uint8_t prio,
                   uint64_t id, struct outbox_op *out)
{
    MDB_val v;
    memset(out, 0, sizeof *out);
    int rc = store_db_get(t, DB_OUTBOX, k->b, k->len, &v);
    if (rc != 0) return rc;
    if (rec_outbox_decode(&v, out) != 0)
        return txn_fail(t, "outbox: corrupt op %" PRIu64 " on channel %s", id, channel);
    out->channel = xstrdup(channel);
    out->id = id;
    out->priority = prio;
    return 0;
}

static int op_write(struct txn *t, const struct skey *k, const struct outbox_op *op)
{
    struct buf b = BUF_INIT;
    int rc;
    if (rec_outbox_encode(&b, op) != 0) rc = txn_fail(t, "outbox: out of memory");
    else rc = store_db_put(t, DB_OUTBOX, k->b, k->len, b.data, b.len);
    buf_free(&b);
    return rc;
}

int store_outbox_locate(struct txn *t, const char *channel, uint64_t id, struct skey *k,
                        struct outbox_op *out)
{
    if (t->failed) return -1;
    int rc;
    struct skey pk;
    if ((rc = store_check_str(t, "channel", channel, 0)) != 0) return rc;
    if ((rc = key_outbox_prefix(t, &pk, channel)) != 0) return rc;
    if ((rc = key_outbox(t, k, channel, 0, id)) != 0) return rc;
    MDB_cursor *c;
    if (store_db_cursor(t, DB_OUTBOX, &c) != 0) return -1;
    /* seek (channel, p, id) for each priority p present, jumping over absent ones */
    unsigned p = 0;
    int found = 0, mrc = 0;
    while (p <= 255) {
        key_outbox(t, k, channel, (uint8_t)p, id);
        MDB_val key = {k->len, k->b}, v;
        mrc = mdb_cursor_get(c, &key, &v, MDB_SET_RANGE);
        if (mrc != 0 || !key_has_prefix(&key, pk.b, pk.len)) break;
        struct kread kr;
        uint8_t q;
        uint64_t kid;
        kread_init(&kr, &key);
        kread_str(&kr);
        if (kread_u8(&kr, &q) != 0 || kread_u64(&kr, &kid) != 0) {
            mrc = -1;
            break;
        }
        if (q == p && kid == id) {
            found = 1;
            break;
        }
        p = q == p ? p + 1 : q;
    }
    mdb_cursor_close(c);
    if (mrc == -1) return txn_fail(t, "outbox: corrupt key on channel %s", channel);
    if (mrc != 0 && mrc != MDB_NOTFOUND) return store_txn_mdb_fail(t, mrc, "cursor", "outbox");
    if (!found)
        return store_txn_refuse(t, STORE_ENOTFOUND,
                                "outbox op %" PRIu64 " on channel %s is not pending "
                                "(done, dead-lettered or replaced by a newer op)",
                                id, channel);
    return out ? op_read(t, channel, k, (uint8_t)p, id, out) : 0;
}

int store_outbox_put(struct txn *t, const char *channel, enum outbox_kind kind, const char *sku,
                     int64_t quantity, const char *payload, size_t payload_len, uint8_t priority,
                     uint64_t *id)
{
    if (id) *id = 0;
    if (t->failed) return -1;
    if (store_txn_need_write(t, "outbox put") != 0) return -1;
    int rc;
    struct skey ik, k;
    if ((rc = store_check_str(t, "channel", channel, 0)) != 0) return rc;
    if ((rc = store_check_str(t, "sku", sku, 0)) != 0) return rc;
    if (!valid_kind((int)kind))
        return store_txn_refuse(t, STORE_EINVALID, "outbox: unknown op kind %d", (int)kind);
    if (!payload && payload_len)
        return store_txn_refuse(t, STORE_EINVALID, "outbox: payload length without payload");
    if ((rc = key_outbox_keys(t, &ik, channel, (uint8_t)kind, sku)) != 0) return rc;
    if ((rc = key_outbox(t, &k, channel, priority, 0)) != 0) return rc;

    uint64_t enqueued = 0;
    int replaced = 0;
    MDB_val v;
    rc = store_db_get(t, DB_OUTBOX_KEYS, ik.b, ik.len, &v);
    if (rc < 0) return -1;
    if (rc == 0) {
        /* coalesce: the older unsent op goes, its age stays */
        uint8_t oprio;
        uint64_t oid;
        struct skey ok;
        struct outbox_op old;
        if (ref_decode(&v, &oprio, &oid) != 0) return txn_fail(t, "outbox_keys: corrupt value");
        key_outbox(t, &ok, channel, oprio, oid);
        rc = op_read(t, channel, &ok, oprio, oid, &old);
        if (rc < 0) return -1;
        if (rc == 0) {
            enqueued = old.enqueued_ms;
            outbox_op_free(&old);
            if (store_db_del(t, DB_OUTBOX, ok.b, ok.len) < 0) return -1;
            replaced = 1;
        }
    }
    uint64_t nid = store_next_seq(t, "outbox");
    if (!nid) return -1;
    key_outbox(t, &k, channel, priority, nid);
    struct outbox_op op = {
        .id = nid, .channel = (char *)channel, .kind = kind, .sku = (char *)sku,
        .quantity = quantity, .payload = (char *)payload, .payload_len = payload_len,
        .priority = priority, .attempts = 0, .enqueued_ms = enqueued ? enqueued : store_now(),
        .not_before_ms = 0,
    };
    if (op_write(t, &k, &op) != 0) return -1;
    unsigned char ref[9];
    ref_encode(ref, priority, nid);
    if (store_db_put(t, DB_OUTBOX_KEYS, ik.b, ik.len, ref, sizeof ref) != 0) return -1;
    if (!replaced && store_outbox_depth_add(t, channel, 1) != 0) return -1;
    if (id) *id = nid;
    return 0;
}

int store_outbox_find(struct txn *t, const char *channel, enum outbox_kind kind, const char *sku,
                      struct outbox_op *out)
{
    memset(out, 0, sizeof *out);
    if (t->failed) return -1;
    int rc;
    struct skey ik, k;
    if ((rc = store_check_str(t, "channel", channel, 0)) != 0) return rc;
    if ((rc = store_check_str(t, "sku", sku, 0)) != 0) return rc;
    if (!valid_kind((int)kind))
        return store_txn_refuse(t, STORE_EINVALID, "outbox: unknown op kind %d", (int)kind);
    if ((rc = key_outbox_keys(t, &ik, channel, (uint8_t)kind, sku)) != 0) return rc;
    MDB_val v;
    rc = store_db_get(t, DB_OUTBOX_KEYS, ik.b, ik.len, &v);
    if (rc != 0) return rc;
    uint8_t prio;
    uint64_t id;
    if (ref_decode(&v, &prio, &id) != 0) return txn_fail(t, "outbox_keys: corrupt value");
    key_outbox(t, &k, channel, prio, id);
    rc = op_read(t, channel, &k, prio, id, out);
    if (rc == STORE_ENOTFOUND) return txn_fail(t, "outbox_keys points to a missing op %" PRIu64, id);
    return rc;
}

int store_outbox_peek(struct txn *t, const char *channel, uint64_t now, size_t max,
                      store_outbox_cb cb, void *arg)
{
    if (t->failed) return -1;
    int rc;
    struct skey pk;
    if ((rc = store_check_str(t, "channel", channel, 0)) != 0) return rc;
    if ((rc = key_outbox_prefix(t, &pk, channel)) != 0) return rc;
    MDB_cursor *c;
    if (store_db_cursor(t, DB_OUTBOX, &c) != 0) return -1;
    /* collect first: the callback may mark ops done or retried */
    struct outbox_op *ops = NULL;
    size_t n = 0;
    MDB_val key = {pk.len, pk.b}, v;
    int mrc = mdb_cursor_get(c, &key, &v, MDB_SET_RANGE);
    while (mrc == 0 && n < max && key_has_prefix(&key, pk.b, pk.len)) {
        struct kread kr;
        struct outbox_op op;
        uint8_t prio;
        uint64_t id;
        kread_init(&kr, &key);
        kread_str(&kr);
        if (kread_u8(&kr, &prio) != 0 || kread_u64(&kr, &id) != 0 || rec_outbox_decode(&v, &op) != 0) {
            mrc = -1;
            break;
        }
        if (op.not_before_ms <= now) {
            struct outbox_op *no = realloc(ops, (n + 1) * sizeof *no);
            if (!no) abort();
            ops = no;
            op.channel = xstrdup(channel);
            op.id = id;
            op.priority = prio;
            ops[n++] = op;
        } else {
            outbox_op_free(&op);
        }
        mrc = mdb_cursor_get(c, &key, &v, MDB_NEXT);
    }
    mdb_cursor_close(c);
    int ret = 0;
    if (mrc == -1) ret = txn_fail(t, "outbox: corrupt op on channel %s", channel);
    else if (mrc != 0 && mrc != MDB_NOTFOUND) ret = store_txn_mdb_fail(t, mrc, "cursor", "outbox");
    for (size_t i = 0; ret == 0 && i < n; i++) {
        int r = cb(arg, &ops[i]);
        if (r < 0) ret = -1;
        if (r > 0) break;
    }
    for (size_t i = 0; i < n; i++) outbox_op_free(&ops[i]);
    free(ops);
    return ret;
}

int store_outbox_done(struct txn *t, const char *channel, uint64_t id)
{
    if (t->failed) return -1;
    if (store_txn_need_write(t, "outbox done") != 0) return -1;
    struct skey k, ik;
    struct outbox_op op;
    int rc = store_outbox_locate(t, channel, id, &k, &op);
    if (rc != 0) return rc;
    rc = key_outbox_keys(t, &ik, channel, (uint8_t)op.kind, op.sku);
    if (rc == 0 && store_db_del(t, DB_OUTBOX, k.b, k.len) < 0) rc = -1;
    if (rc == 0 && store_outbox_depth_add(t, channel, -1) != 0) rc = -1;
    if (rc == 0) {
        MDB_val v;
        uint8_t prio;
        uint64_t kid;
        int g = store_db_get(t, DB_OUTBOX_KEYS, ik.b, ik.len, &v);
        if (g < 0) rc = -1;
        else if (g == 0 && ref_decode(&v, &prio, &kid) == 0 && kid == id &&
                 store_db_del(t, DB_OUTBOX_KEYS, ik.b, ik.len) < 0)
            rc = -1;
    }
    outbox_op_free(&op);
    return rc;
}

int store_outbox_retry(struct txn *t, const char *channel, uint64_t id, uint64_t not_before_ms)
{
    if (t->failed) return -1;
    if (store_txn_need_write(t, "outbox retry") != 0) return -1;
    struct skey k;
    struct outbox_op op;
    int rc = store_outbox_locate(t, channel, id, &k, &op);
    if (rc != 0) return rc;
    op.attempts++;
    op.not_before_ms = not_before_ms;
    rc = op_write(t, &k, &op);
    outbox_op_free(&op);
    return rc;
}

static int outbox_scan(struct txn *t, const char *channel, uint64_t *depth, uint64_t *oldest_ms)
{
    *depth = 0;
    *oldest_ms = 0;
    if (t->failed) return -1;
    int rc;
    struct skey pk;
    if ((rc = store_check_str(t, "channel", channel, 0)) != 0) return rc;
    if ((rc = key_outbox_prefix(t, &pk, channel)) != 0) return rc;
    MDB_cursor *c;
    if (store_db_cursor(t, DB_OUTBOX, &c) != 0) return -1;
    MDB_val key = {pk.len, pk.b}, v;
    int mrc = mdb_cursor_get(c, &key, &v, MDB_SET_RANGE);
    while (mrc == 0 && key_has_prefix(&key, pk.b, pk.len)) {
        struct outbox_op op;
        if (rec_outbox_decode(&v, &op) != 0) {
            mrc = -1;
            break;
        }
        if (*depth == 0 || op.enqueued_ms < *oldest_ms) *oldest_ms = op.enqueued_ms;
        (*depth)++;
        outbox_op_free(&op);
        mrc = mdb_cursor_get(c, &key, &v, MDB_NEXT);
    }
    mdb_cursor_close(c);
    if (mrc == -1) return txn_fail(t, "outbox: corrupt op on channel %s", channel);
    if (mrc != 0 && mrc != MDB_NOTFOUND) return store_txn_mdb_fail(t, mrc, "cursor", "outbox");
    return 0;
}

/* ------------------------------------------------------------ depth counter
 * The number of pending ops per channel lives in meta as "depth.<channel>",
 * stored as count + 1 so that 0 means "never counted" (a store written before
 * the counter existed is counted once by a scan).  Every insert and delete of
 * an outbox op goes through store_outbox_depth_add, so status and metrics
 * read it in O(1) instead of walking the queue. */
static int depth_name(struct txn *t, const char *channel, char *out, size_t n)
{
    if ((size_t)snprintf(out, n, "depth.%s", channel) >= n)
        return txn_fail(t, "outbox: channel name too long for the depth counter: %s", channel);
    return 0;
}

static int depth_get(struct txn *t, const char *channel, uint64_t *depth)
{
    char name[128];
    uint64_t biased = 0, oldest = 0;
    if (depth_name(t, channel, name, sizeof name) != 0) return -1;
    if (store_meta_get_u64(t, name, &biased) != 0) return -1;
    if (biased) {
        *depth = biased - 1;
        return 0;
    }
    if (outbox_scan(t, channel, depth, &oldest) != 0) return -1;
    return 0;
}

int store_outbox_depth_add(struct txn *t, const char *channel, int64_t delta)
{
    char name[128];
    uint64_t d = 0;
    if (depth_name(t, channel, name, sizeof name) != 0) return -1;
    uint64_t biased = 0;
    if (store_meta_get_u64(t, name, &biased) != 0) return -1;
    if (biased) d = biased - 1;
    else {
        /* First use: count what is there (this op's change is already in it). */
        uint64_t oldest = 0;
        if (outbox_scan(t, channel, &d, &oldest) != 0) return -1;
        return store_meta_put_u64(t, name, d + 1);
    }
    if (delta < 0 && (uint64_t)(-delta) > d) d = 0;
    else d = (uint64_t)((int64_t)d + delta);
    return store_meta_put_u64(t, name, d + 1);
}

/* The oldest enqueue time at the head of each priority (the queue drains
 * from there, so this is the age that matters for propagation). */
static int head_oldest(struct txn *t, const char *channel, uint64_t *oldest_ms)
{
    *oldest_ms = 0;
    for (int prio = 0; prio <= 1; prio++) {
        struct skey pk;
        if (key_outbox(t, &pk, channel, (uint8_t)prio, 0) != 0) return -1;
        MDB_cursor *c;
        if (store_db_cursor(t, DB_OUTBOX, &c) != 0) return -1;
        MDB_val key = {pk.len, pk.b}, v;
        int mrc = mdb_cursor_get(c, &key, &v, MDB_SET_RANGE);
        /* Same channel and priority: the key up to the id. */
        if (mrc == 0 && key.mv_size >= pk.len - 8 && memcmp(key.mv_data, pk.b, pk.len - 8) == 0) {
            struct outbox_op op;
            if (rec_outbox_decode(&v, &op) == 0) {
                if (!*oldest_ms || op.enqueued_ms < *oldest_ms) *oldest_ms = op.enqueued_ms;
                outbox_op_free(&op);
            }
        }
        mdb_cursor_close(c);
    }
    return 0;
}

int store_outbox_stats(struct txn *t, const char *channel, uint64_t *depth, uint64_t *oldest_ms)
{
    *depth = 0;
    *oldest_ms = 0;
    if (t->failed) return -1;
    int rc;
    if ((rc = store_check_str(t, "channel", channel, 0)) != 0) return rc;
    if (depth_get(t, channel, depth) != 0) return -1;
    if (*depth == 0) return 0;
    return head_oldest(t, channel, oldest_ms);
}
