/* stock.c - stock levels per (SKU, location), per-SKU totals and the ledger.
 * Every movement is checked completely before anything is written, then
 * writes the location level, the totals and exactly one ledger entry. */
#include "store/store_int.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = {
    [LEDGER_RECEIVE] = "receive", [LEDGER_ADJUST] = "adjust",   [LEDGER_COUNT] = "count",
    [LEDGER_RESERVE] = "reserve", [LEDGER_RELEASE] = "release", [LEDGER_COMMIT] = "commit",
    [LEDGER_SHIP] = "ship",       [LEDGER_RESTOCK] = "restock", [LEDGER_DRIFT] = "drift",
};

const char *ledger_kind_name(enum ledger_kind k)
{
    if ((int)k < LEDGER_RECEIVE || (int)k > LEDGER_DRIFT) return "unknown";
    return kind_names[k];
}

int ledger_kind_parse(const char *name)
{
    if (!name) return -1;
    for (int k = LEDGER_RECEIVE; k <= LEDGER_DRIFT; k++)
        if (strcmp(kind_names[k], name) == 0) return k;
    return -1;
}

/* Totals of a SKU: 0 found, STORE_ENOTFOUND (zeros), -1. */
static int totals_read(struct txn *t, const struct skey *k, struct stock_totals *st)
{
    memset(st, 0, sizeof *st);
    MDB_val v;
    int rc = store_db_get(t, DB_STOCK, k->b, k->len, &v);
    if (rc != 0) return rc;
    if (rec_totals_decode(&v, st) != 0) return txn_fail(t, "stock: corrupt totals record");
    return 0;
}

static int level_read(struct txn *t, const struct skey *k, int64_t *on_hand)
{
    *on_hand = 0;
    MDB_val v;
    int rc = store_db_get(t, DB_STOCK, k->b, k->len, &v);
    if (rc != 0) return rc;
    if (rec_level_decode(&v, on_hand) != 0) return txn_fail(t, "stock: corrupt location record");
    return 0;
}

static int sku_known(struct txn *t, const char *sku)
{
    struct skey k;
    if (key_variant(t, &k, sku) != 0) return -1;
    MDB_val v;
    int rc = store_db_get(t, DB_VARIANTS, k.b, k.len, &v);
    if (rc < 0) return -1;
    return rc == 0;
}

/* Overflow-safe a + b into *out; 0 or -1. */
static int add_i64(int64_t a, int64_t b, int64_t *out) { return __builtin_add_overflow(a, b, out) ? -1 : 0; }

/* Validate the request's shape (no storage access). */
static int check_change(struct txn *t, const struct stock_change *c, const char *loc)
{
    int rc;
    if ((int)c->kind < LEDGER_RECEIVE || (int)c->kind > LEDGER_DRIFT)
        return store_txn_refuse(t, STORE_EINVALID, "unknown ledger kind %d", (int)c->kind);
    if ((rc = store_check_str(t, "sku", c->sku, 0)) != 0) return rc;
    if ((rc = store_check_str(t, "location", loc, 0)) != 0) return rc;
    if ((rc = store_check_str(t, "source", c->source, 0)) != 0) return rc;
    const char *kn = ledger_kind_name(c->kind);
    switch (c->kind) {
    case LEDGER_ADJUST:
        if (c->qty == 0)
            return store_txn_refuse(t, STORE_EINVALID, "SKU %s: adjust by 0 does nothing", c->sku);
        if (!c->reason || !*c->reason)
            return store_txn_refuse(t, STORE_EINVALID, "SKU %s: adjust needs a reason", c->sku);
        break;
    case LEDGER_COUNT:
    case LEDGER_DRIFT:
        if (c->qty < 0)
            return store_txn_refuse(t, STORE_EINVALID, "SKU %s: %s %" PRId64 " is negative",
                                    c->sku, kn, c->qty);
        break;
    default:
        if (c->qty <= 0)
            return store_txn_refuse(t, STORE_EINVALID,
                                    "SKU %s: %s quantity must be positive, got %" PRId64, c->sku, kn,
                                    c->qty);
    }
    return 0;
}

int store_stock_apply_ex(struct txn *t, const struct stock_change *c, int64_t d_reserved,
                         struct stock_totals *after)
{
    if (t->failed) return -1;
    if (store_txn_need_write(t, "stock apply") != 0) return -1;
    const char *loc = c->location ? c->location : STOCK_DEFAULT_LOCATION;
    int rc = check_change(t, c, loc);
    if (rc != 0) return rc;
    struct skey tk, lk;
    if ((rc = key_stock_totals(t, &tk, c->sku)) != 0) return rc;
    if ((rc = key_stock_location(t, &lk, c->sku, loc)) != 0) return rc;

    struct stock_totals st;
    rc = totals_read(t, &tk, &st);
    if (rc < 0) return -1;
    if (rc == STORE_ENOTFOUND) {
        /* a totals record exists only for catalog SKUs: check the catalog */
        int known = sku_known(t, c->sku);
        if (known < 0) return -1;
        if (!known)
            return store_txn_refuse(t, STORE_EUNKNOWN_SKU, "SKU %s is not in the catalog", c->sku);
    }
    int64_t level;
    if (level_read(t, &lk, &level) < 0) return -1;

    int allow_neg = (c->flags & STOCK_ALLOW_NEGATIVE) != 0;
    int64_t d_on_hand = 0, q = c->qty;
    int64_t available = st.on_hand - st.reserved;
    switch (c->kind) {
    case LEDGER_RECEIVE:
    case LEDGER_RESTOCK: d_on_hand = q; break;
    case LEDGER_ADJUST:
        d_on_hand = q;
        if (level + q < 0 && !allow_neg)
            return store_txn_refuse(t, STORE_EINSUFFICIENT,
                                    "SKU %s: cannot adjust by %" PRId64 " at %s, %" PRId64
                                    " on hand there",
                                    c->sku, q, loc, level);
        break;
    case LEDGER_COUNT:
        d_on_hand = q - level;
        if (d_on_hand == 0) {
            if (after) *after = st;
            return 0;
        }
        break;
    case LEDGER_RESERVE:
        d_reserved = q;
        if (available < q)
            return store_txn_refuse(t, STORE_EINSUFFICIENT,
                                    "SKU %s: cannot reserve %" PRId64 ", %" PRId64 " available",
                                    c->sku, q, available < 0 ? 0 : available);
        break;
    case LEDGER_RELEASE:
        d_reserved = -q;
        if (st.reserved < q)
            return store_txn_refuse(t, STORE_EINSUFFICIENT,
                                    "SKU %s: cannot release %" PRId64 ", %" PRId64 " reserved",
                                    c->sku, q, st.reserved);
        break;
    case LEDGER_COMMIT:
        d_on_hand = -q;
        if (level - q < 0 && !allow_neg)
            return store_txn_refuse(t, STORE_EINSUFFICIENT,
                                    "SKU %s: cannot commit %" PRId64 " at %s, %" PRId64
                                    " on hand there",
                                    c->sku, q, loc, level);
        if (-d_reserved > st.reserved)
            return store_txn_refuse(t, STORE_EINSUFFICIENT,
                                    "SKU %s: cannot commit %" PRId64 " held, %" PRId64 " reserved",
                                    c->sku, -d_reserved, st.reserved);
        break;
    case LEDGER_SHIP:
    case LEDGER_DRIFT: break; /* recorded for the audit trail; the hub's numbers do not move */
    }
    if (c->kind != LEDGER_COMMIT && c->kind != LEDGER_RESERVE && c->kind != LEDGER_RELEASE)
        d_reserved = 0;

    struct stock_totals nt = st;
    int64_t new_level;
    if (add_i64(level, d_on_hand, &new_level) || add_i64(st.on_hand, d_on_hand, &nt.on_hand) ||
        add_i64(st.reserved, d_reserved, &nt.reserved))
        return store_txn_refuse(t, STORE_EINVALID, "SKU %s: quantity %" PRId64 " out of range",
                                c->sku, q);

    /* all checks passed: write */
    uint64_t seq = store_next_seq(t, "ledger");
    if (!seq) return -1;
    uint64_t ts = c->ts_ms ? c->ts_ms : store_now();
    nt.ledger_seq = seq;
    nt.updated_ms = ts;

    struct ledger_entry e = {
        .seq = seq, .ts_ms = ts, .kind = c->kind, .sku = c->sku, .location = loc, .qty = q,
        .d_on_hand = d_on_hand, .d_reserved = d_reserved, .on_hand_after = nt.on_hand,
        .reserved_after = nt.reserved, .source = c->source, .reason = c->reason ? c->reason : "",
        .ref = c->ref ? c->ref : "",
    };
    struct skey ek;
    if ((rc = key_ledger(t, &ek, c->sku, seq)) != 0) return txn_fail(t, "ledger key too long");
    unsigned char lv[8];
    struct buf b = BUF_INIT;
    if (rec_ledger_encode(&b, &e) != 0) {
        buf_free(&b);
        return txn_fail(t, "ledger: out of memory");
    }
    rc = store_db_put(t, DB_LEDGER, ek.b, ek.len, b.data, b.len);
    buf_free(&b);
    if (rc != 0) return -1;

    unsigned char tv[STORE_TOTALS_SIZE];
    rec_totals_encode(tv, &nt);
    if (store_db_put(t, DB_STOCK, tk.b, tk.len, tv, sizeof tv) != 0) return -1;
    if (d_on_hand != 0 || c->kind == LEDGER_COUNT) {
        rec_level_encode(lv, new_level);
        if (store_db_put(t, DB_STOCK, lk.b, lk.len, lv, sizeof lv) != 0) return -1;
    }
    if (after) *after = nt;
    return 0;
}

int store_stock_apply(struct txn *t, const struct stock_change *c, struct stock_totals *after)
{
    return store_stock_apply_ex(t, c, 0, after);
}

int store_stock_get(struct txn *t, const char *sku, struct stock_totals *out)
{
    memset(out, 0, sizeof *out);
    if (t->failed) return -1;
    int rc;
    struct skey k;
    if ((rc = store_check_str(t, "sku", sku, 0)) != 0) return rc;
    if ((rc = key_stock_totals(t, &k, sku)) != 0) return rc;
    rc = totals_read(t, &k, out);
    if (rc != STORE_ENOTFOUND) return rc;
    /* a catalog SKU with no movement yet has zero stock */
    int known = sku_known(t, sku);
    if (known < 0) return -1;
    return known ? 0 : STORE_ENOTFOUND;
}

int store_stock_locations(struct txn *t, const char *sku, store_location_cb cb, void *arg)
{
    if (t->failed) return -1;
    int rc;
    struct skey k;
    if ((rc = store_check_str(t, "sku", sku, 0)) != 0) return rc;
    if ((rc = key_stock_totals(t, &k, sku)) != 0) return rc;
    MDB_cursor *c;
    if (store_db_cursor(t, DB_STOCK, &c) != 0) return -1;
    MDB_val key = {k.len, k.b}, v;
    int mrc = mdb_cursor_get(c, &key, &v, MDB_SET_RANGE);
    int ret = 0;
    while (mrc == 0 && key_has_prefix(&key, k.b, k.len)) {
        if (key.mv_size > k.len) { /* sku\0location\0; the bare sku\0 is the totals */
            struct kread kr;
            kread_init(&kr, &key);
            kread_str(&kr);
            const char *loc = kread_str(&kr);
            int64_t level;
            if (!loc || rec_level_decode(&v, &level) != 0) {
                ret = txn_fail(t, "stock: corrupt location record");
                break;
            }
            int r = cb(arg, loc, level);
            if (r < 0) {
                ret = -1;
                break;
            }
            if (r > 0) break;
        }
        mrc = mdb_cursor_get(c, &key, &v, MDB_NEXT);
    }
    if (mrc != 0 && mrc != MDB_NOTFOUND) ret = store_txn_mdb_fail(t, mrc, "cursor", "stock");
    mdb_cursor_close(c);
    return ret;
}

int store_ledger_each(struct txn *t, const char *sku, uint64_t after_seq, store_ledger_cb cb,
                      void *arg)
{
    if (t->failed) return -1;
    int rc;
    struct skey k;
    if ((rc = store_check_str(t, "sku", sku, 0)) != 0) return rc;
    if ((rc = key_ledger_prefix(t, &k, sku)) != 0) return rc;
    size_t plen = k.len;
    if (after_seq == UINT64_MAX) return 0;
    skey_u64(&k, after_seq + 1);
    MDB_cursor *c;
    if (store_db_cursor(t, DB_LEDGER, &c) != 0) return -1;
    MDB_val key = {k.len, k.b}, v;
    int mrc = mdb_cursor_get(c, &key, &v, MDB_SET_RANGE);
    int ret = 0;
    while (mrc == 0 && key_has_prefix(&key, k.b, plen)) {
        struct kread kr;
        struct ledger_entry e;
        kread_init(&kr, &key);
        const char *ksku = kread_str(&kr);
        if (!ksku || kread_u64(&kr, &e.seq) != 0 || rec_ledger_decode(&v, &e) != 0) {
            ret = txn_fail(t, "ledger: corrupt entry for SKU %s", sku);
            break;
        }
        e.sku = ksku;
        int r = cb(arg, &e);
        if (r < 0) {
            ret = -1;
            break;
        }
        if (r > 0) break;
        mrc = mdb_cursor_get(c, &key, &v, MDB_NEXT);
    }
    if (mrc != 0 && mrc != MDB_NOTFOUND) ret = store_txn_mdb_fail(t, mrc, "cursor", "ledger");
    mdb_cursor_close(c);
    return ret;
}
