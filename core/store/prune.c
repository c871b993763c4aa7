/* prune.c - retention: removing, a bounded chunk at a time, what the store
 * only keeps for a while.
 *
 *   inbox        applied event records older than the inbox retention.  Keyed
 *                by seq, and seqs grow with time, so a scan from the oldest
 *                that stops at the first younger (or unapplied) record finds
 *                them all.  The date is the record's top-level "ts_ms" (the
 *                engine adds it when the event has none).
 *   idempotency  keys first seen before the idempotency retention.  Keyed by
 *                the key itself, so a pass walks the whole database; it
 *                resumes where the previous chunk stopped.
 *
 * Entries to delete are collected first and deleted after the cursor is
 * closed (as everywhere in the store).  Nothing here is a business refusal:
 * every function returns a count or -1 (storage failure, recorded in the txn).
 */
#include "store/store_int.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

/* A "ts_ms" this far ahead of the clock is not a time (seconds or
 * microseconds where milliseconds were meant): the record counts as undated
 * instead of holding back every record after it for years. */
#define FUTURE_SLACK_MS UINT64_C(86400000)

/* Without a max, how many entries one collection holds at most before it
 * deletes them and goes on (memory stays bounded either way). */
#define NO_LIMIT SIZE_MAX

/* Look-ahead past a full chunk of undated records for the dated record that
 * decides them, in chunks: a bound on the reads of one call. */
#define LOOKAHEAD_CHUNKS 16

static size_t skip_ws(const char *p, size_t n, size_t i)
{
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r')) i++;
    return i;
}

/* The top-level member "ts_ms" of a JSON object as a positive integer, read
 * without building the tree: hubd dates up to 10 000 records in one loop
 * turn, and parsing each with jansson costs ten times more.  Records are
 * compact JSON written by the engine; anything unexpected (not an object, no
 * such member, not a plain positive integer, malformed) is simply undated.
 * 1 and *ts, or 0. */
static int top_level_ts(const char *p, size_t n, uint64_t *ts)
{
    size_t i = skip_ws(p, n, 0);
    if (i >= n || p[i] != '{') return 0;
    int depth = 0;
    for (; i < n; i++) {
        char c = p[i];
        if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            if (--depth <= 0) return 0;
        } else if (c == '"') {
            size_t start = ++i;
            while (i < n && p[i] != '"') i += p[i] == '\\' ? 2 : 1;
            if (i >= n) return 0;
            if (depth != 1 || i - start != 5 || memcmp(p + start, "ts_ms", 5) != 0) continue;
            size_t j = skip_ws(p, n, i + 1);
            if (j >= n || p[j] != ':') continue; /* a string value "ts_ms", not the key */
            j = skip_ws(p, n, j + 1);
            uint64_t v = 0;
            size_t digits = 0;
            for (; j < n && p[j] >= '0' && p[j] <= '9'; j++, digits++) {
                if (v > (UINT64_C(1) << 62) / 10) return 0; /* beyond any time in ms */
                v = v * 10 + (uint64_t)(p[j] - '0');
            }
            j = skip_ws(p, n, j);
            if (!digits || v == 0 || j >= n || (p[j] != ',' && p[j] != '}')) return 0;
            *ts = v;
            return 1;
        }
    }
    return 0;
}

/* The record's date: 1 and *ts when it has a usable top-level "ts_ms", else 0. */
static int record_ts(const MDB_val *v, uint64_t now, uint64_t *ts)
{
    uint64_t t;
    if (!top_level_ts(v->mv_data, v->mv_size, &t) || t > now + FUTURE_SLACK_MS) return 0;
    *ts = t;
    return 1;
}

/* ------------------------------------------------------------ inbox */

int64_t store_inbox_prune(struct txn *t, uint64_t before_ms, size_t max, int *more)
{
    if (more) *more = 0;
    if (t->failed) return -1;
    if (store_txn_need_write(t, "inbox prune") != 0) return -1;
    if (max == 0) max = NO_LIMIT;
    uint64_t applied = store_inbox_applied(t);
    if (t->failed) return -1;
    if (applied == 0) return 0;
    uint64_t now = store_now();
    size_t lookahead = max > NO_LIMIT / LOOKAHEAD_CHUNKS ? NO_LIMIT : max * LOOKAHEAD_CHUNKS;

    MDB_cursor *c;
    if (store_db_cursor(t, DB_INBOX, &c) != 0) return -1;
    /* seqs[0..n) are candidates in order; seqs[0..confirmed) are known to be
     * old (dated old, or undated before a dated old record). */
    uint64_t *seqs = NULL;
    size_t n = 0, cap = 0, confirmed = 0, examined = 0;
    MDB_val key, v;
    int mrc = mdb_cursor_get(c, &key, &v, MDB_FIRST);
    while (mrc == 0) {
        struct kread kr;
        uint64_t seq, ts = 0;
        kread_init(&kr, &key);
        if (kread_u64(&kr, &seq) != 0) {
            mrc = -1;
            break;
        }
        if (seq > applied || ++examined > lookahead) break;
        int dated = record_ts(&v, now, &ts);
        if (dated && ts >= before_ms) break;
        if (n < max) {
            if (n == cap) {
                cap = cap ? cap * 2 : 256;
                if (cap > max) cap = max;
                uint64_t *ns = realloc(seqs, cap * sizeof *ns);
                if (!ns) abort();
                seqs = ns;
            }
            seqs[n++] = seq;
        }
        if (dated) confirmed = n;
        if (confirmed == max) {
            if (more) *more = 1;
            break;
        }
        /* A full chunk that still ends in undated records: read on (without
         * collecting) for the dated record that decides them. */
        mrc = mdb_cursor_get(c, &key, &v, MDB_NEXT);
    }
    mdb_cursor_close(c);
    int64_t removed = 0;
    if (mrc == -1) removed = txn_fail(t, "inbox: corrupt key");
    else if (mrc != 0 && mrc != MDB_NOTFOUND) removed = store_txn_mdb_fail(t, mrc, "cursor", "inbox");
    for (size_t i = 0; removed >= 0 && i < confirmed; i++) {
        struct skey k;
        key_seq(t, &k, seqs[i]);
        if (store_db_del(t, DB_INBOX, k.b, k.len) < 0) removed = -1;
        else removed++;
    }
    free(seqs);
    if (removed < 0 && more) *more = 0;
    return removed;
}

/* ------------------------------------------------------------ idempotency */

int64_t store_idempotency_prune_chunk(struct txn *t, uint64_t before_ms, size_t max,
                                      struct store_prune_pos *pos)
{
    pos->done = 0;
    if (t->failed) return -1;
    if (store_txn_need_write(t, "idempotency prune") != 0) return -1;
    if (max == 0) max = NO_LIMIT;
    MDB_cursor *c;
    if (store_db_cursor(t, DB_IDEMPOTENCY, &c) != 0) return -1;
    struct buf keys = BUF_INIT; /* u16 length + key bytes, for each key to delete */
    MDB_val key, v;
    int mrc;
    pos->after[sizeof pos->after - 1] = '\0';
    if (pos->after[0]) {
        struct skey from;
        if (key_idempotency(t, &from, pos->after) != 0) {
            /* cannot happen with a position this function wrote: start over */
            pos->after[0] = '\0';
            mrc = mdb_cursor_get(c, &key, &v, MDB_FIRST);
        } else {
            key.mv_size = from.len;
            key.mv_data = from.b;
            mrc = mdb_cursor_get(c, &key, &v, MDB_SET_RANGE);
            /* resume strictly after the last key examined */
            if (mrc == 0 && key.mv_size == from.len && memcmp(key.mv_data, from.b, from.len) == 0)
                mrc = mdb_cursor_get(c, &key, &v, MDB_NEXT);
        }
    } else {
        mrc = mdb_cursor_get(c, &key, &v, MDB_FIRST);
    }
    size_t examined = 0;
    while (mrc == 0 && examined < max) {
        uint64_t s, ts;
        if (rec_idem_decode(&v, &s, &ts) != 0 || key.mv_size < 2 ||
            key.mv_size > sizeof pos->after || ((const char *)key.mv_data)[key.mv_size - 1]) {
            mrc = -1;
            break;
        }
        examined++;
        memcpy(pos->after, key.mv_data, key.mv_size); /* the key string and its NUL */
        if (ts < before_ms) {
            uint16_t n = (uint16_t)key.mv_size;
            if (buf_append(&keys, &n, sizeof n) != 0 || buf_append(&keys, key.mv_data, n) != 0) {
                mrc = -2;
                break;
            }
        }
        mrc = mdb_cursor_get(c, &key, &v, MDB_NEXT);
    }
    mdb_cursor_close(c);
    int64_t removed = 0;
    if (mrc == -1) removed = txn_fail(t, "idempotency: corrupt record");
    else if (mrc == -2) removed = txn_fail(t, "idempotency: out of memory");
    else if (mrc != 0 && mrc != MDB_NOTFOUND) removed = store_txn_mdb_fail(t, mrc, "cursor", "idempotency");
    if (mrc == MDB_NOTFOUND) {
        pos->done = 1;
        pos->after[0] = '\0';
    }
    for (size_t off = 0; removed >= 0 && off < keys.len;) {
        uint16_t n;
        memcpy(&n, keys.data + off, sizeof n);
        off += sizeof n;
        if (store_db_del(t, DB_IDEMPOTENCY, keys.data + off, n) < 0) removed = -1;
        else removed++;
        off += n;
    }
    buf_free(&keys);
    return removed;
}

int64_t store_idempotency_prune(struct txn *t, uint64_t before_ms)
{
    struct store_prune_pos pos = {.after = ""};
    return store_idempotency_prune_chunk(t, before_ms, 0, &pos);
}
