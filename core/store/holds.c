/* holds.c - reservations at SKU level: a RESERVE ledger entry + the hold
 * record + an expiry index entry; released (RELEASE) or committed (COMMIT:
 * on_hand from the default location first, then the other locations in key
 * order, and reserved -= qty). */
#include "store/store_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/util.h"

void hold_free(struct hold *h)
{
    if (!h) return;
    free(h->hold_id);
    free(h->sku);
    free(h->source);
    memset(h, 0, sizeof *h);
}

static int hold_read(struct txn *t, const char *hold_id, struct skey *k, struct hold *out)
{
    int rc;
    memset(out, 0, sizeof *out);
    if ((rc = store_check_str(t, "hold id", hold_id, 0)) != 0) return rc;
    if ((rc = key_hold(t, k, hold_id)) != 0) return rc;
    MDB_val v;
    rc = store_db_get(t, DB_HOLDS, k->b, k->len, &v);
    if (rc == STORE_ENOTFOUND)
        return store_txn_refuse(t, STORE_ENOTFOUND, "hold %s not found", hold_id);
    if (rc != 0) return rc;
    if (rec_hold_decode(&v, out) != 0) return txn_fail(t, "holds: corrupt record for %s", hold_id);
    out->hold_id = xstrdup(hold_id);
    return 0;
}

static int hold_write(struct txn *t, const struct skey *k, const struct hold *h)
{
    struct buf b = BUF_INIT;
    if (rec_hold_encode(&b, h) != 0) {
        buf_free(&b);
        return txn_fail(t, "holds: out of memory");
    }
    int rc = store_db_put(t, DB_HOLDS, k->b, k->len, b.data, b.len);
    buf_free(&b);
    return rc;
}

static int expiry_put(struct txn *t, uint64_t expires, const char *hold_id, int del)
{
    struct skey k;
    if (key_hold_expiry(t, &k, expires, hold_id) != 0) return txn_fail(t, "hold_expiry key too long");
    if (del) return store_db_del(t, DB_HOLD_EXPIRY, k.b, k.len) < 0 ? -1 : 0;
    return store_db_put(t, DB_HOLD_EXPIRY, k.b, k.len, "", 0);
}

/* Delete the hold and its expiry entry. */
static int hold_delete(struct txn *t, const struct skey *k, const struct hold *h)
{
    if (store_db_del(t, DB_HOLDS, k->b, k->len) < 0) return -1;
    return expiry_put(t, h->expires_ms, h->hold_id, 1);
}

int store_hold_create(struct txn *t, const char *hold_id, const char *sku, int64_t qty,
                      uint64_t expires_ms, const char *source)
{
    if (t->failed) return -1;
    if (store_txn_need_write(t, "hold create") != 0) return -1;
    int rc;
    struct skey k, ek;
    if ((rc = store_check_str(t, "hold id", hold_id, 0)) != 0) return rc;
    if ((rc = key_hold(t, &k, hold_id)) != 0) return rc;
    if ((rc = key_hold_expiry(t, &ek, expires_ms, hold_id)) != 0) return rc;
    MDB_val v;
    rc = store_db_get(t, DB_HOLDS, k.b, k.len, &v);
    if (rc < 0) return -1;
    if (rc == 0) return store_txn_refuse(t, STORE_EEXISTS, "hold %s already exists", hold_id);
    struct stock_change c = {.kind = LEDGER_RESERVE, .sku = sku, .qty = qty, .source = source,
                             .reason = "hold", .ref = hold_id};
    /* all refusals (unknown SKU, not enough, bad args) happen here, before any write */
    if ((rc = store_stock_apply(t, &c, NULL)) != 0) return rc;
    struct hold h = {.hold_id = (char *)hold_id, .sku = (char *)sku, .qty = qty,
                     .created_ms = store_now(), .expires_ms = expires_ms, .source = (char *)source};
    if (hold_write(t, &k, &h) != 0) return -1;
    return store_db_put(t, DB_HOLD_EXPIRY, ek.b, ek.len, "", 0);
}

int store_hold_get(struct txn *t, const char *hold_id, struct hold *out)
{
    if (t->failed) return -1;
    struct skey k;
    return hold_read(t, hold_id, &k, out);
}

int store_hold_extend(struct txn *t, const char *hold_id, uint64_t expires_ms)
{
    if (t->failed) return -1;
    if (store_txn_need_write(t, "hold extend") != 0) return -1;
    struct skey k;
    struct hold h;
    int rc = hold_read(t, hold_id, &k, &h);
    if (rc != 0) return rc;
    if (h.expires_ms != expires_ms) {
        if (expiry_put(t, h.expires_ms, hold_id, 1) != 0 || expiry_put(t, expires_ms, hold_id, 0) != 0) {
            hold_free(&h);
            return -1;
        }
        h.expires_ms = expires_ms;
        rc = hold_write(t, &k, &h);
    }
    hold_free(&h);
    return rc;
}

int store_hold_release(struct txn *t, const char *hold_id, const char *reason)
{
    if (t->failed) return -1;
    if (store_txn_need_write(t, "hold release") != 0) return -1;
    struct skey k;
    struct hold h;
    int rc = hold_read(t, hold_id, &k, &h);
    if (rc != 0) return rc;
    struct stock_change c = {.kind = LEDGER_RELEASE, .sku = h.sku, .qty = h.qty,
                             .source = h.source, .reason = reason && *reason ? reason : "released",
                             .ref = hold_id};
    rc = store_stock_apply(t, &c, NULL);
    if (rc == 0) rc = hold_delete(t, &k, &h);
    hold_free(&h);
    return rc;
}

struct draw {
    char *location;
    int64_t qty;
};

struct draw_plan {
    struct draw *d;
    size_t n, cap;
    int64_t need;
};

static void plan_add(struct draw_plan *p, const char *loc, int64_t qty)
{
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 4;
        struct draw *nd = realloc(p->d, p->cap * sizeof *nd);
        if (!nd) abort();
        p->d = nd;
    }
    p->d[p->n].location = xstrdup(loc);
    p->d[p->n].qty = qty;
    p->n++;
    p->need -= qty;
}

static int plan_location(void *arg, const char *location, int64_t on_hand)
{
    struct draw_plan *p = arg;
    if (p->need <= 0) return 1;
    if (strcmp(location, STOCK_DEFAULT_LOCATION) == 0 || on_hand <= 0) return 0;
    plan_add(p, location, on_hand < p->need ? on_hand : p->need);
    return 0;
}

static int default_level(void *arg, const char *location, int64_t on_hand)
{
    int64_t *out = arg;
    if (strcmp(location, STOCK_DEFAULT_LOCATION) != 0) return 0;
    *out = on_hand;
    return 1;
}

static void plan_free(struct draw_plan *p)
{
    for (size_t i = 0; i < p->n; i++) free(p->d[i].location);
    free(p->d);
}

int store_hold_commit(struct txn *t, const char *hold_id, const char *ref)
{
    if (t->failed) return -1;
    if (store_txn_need_write(t, "hold commit") != 0) return -1;
    struct skey k;
    struct hold h;
    int rc = hold_read(t, hold_id, &k, &h);
    if (rc != 0) return rc;

    /* plan: default location first, then the others in key order */
    struct draw_plan p = {.need = h.qty};
    int64_t def = 0;
    struct stock_totals st;
    rc = store_stock_get(t, h.sku, &st);
    if (rc == 0 && st.reserved < h.qty)
        rc = store_txn_refuse(t, STORE_EINSUFFICIENT,
                              "SKU %s: cannot commit hold %s of %" PRId64 ", %" PRId64 " reserved",
                              h.sku, hold_id, h.qty, st.reserved);
    if (rc == 0) rc = store_stock_locations(t, h.sku, default_level, &def);
    if (rc == 0 && def > 0) plan_add(&p, STOCK_DEFAULT_LOCATION, def < h.qty ? def : h.qty);
    if (rc == 0 && p.need > 0) rc = store_stock_locations(t, h.sku, plan_location, &p);
    if (rc == 0 && p.need > 0)
        rc = store_txn_refuse(t, STORE_EINSUFFICIENT,
                              "SKU %s: cannot commit hold %s of %" PRId64 ", %" PRId64 " on hand",
                              h.sku, hold_id, h.qty, h.qty - p.need);
    char reason[STORE_KEY_MAX + 8];
    snprintf(reason, sizeof reason, "hold %s", hold_id);
    for (size_t i = 0; rc == 0 && i < p.n; i++) {
        struct stock_change c = {.kind = LEDGER_COMMIT, .sku = h.sku, .location = p.d[i].location,
                                 .qty = p.d[i].qty, .source = h.source, .reason = reason,
                                 .ref = ref && *ref ? ref : hold_id};
        rc = store_stock_apply_ex(t, &c, -p.d[i].qty, NULL);
        /* checked above: a refusal after a first write must not be committed */
        if (rc > 0 && i > 0) rc = txn_fail(t, "hold %s: commit refused midway: %s", hold_id, t->refusal);
    }
    if (rc == 0) rc = hold_delete(t, &k, &h);
    plan_free(&p);
    hold_free(&h);
    return rc;
}

int store_holds_expired(struct txn *t, uint64_t now, size_t max, store_sku_cb cb, void *arg)
{
    if (t->failed) return -1;
    MDB_cursor *c;
    if (store_db_cursor(t, DB_HOLD_EXPIRY, &c) != 0) return -1;
    /* collect first: the callback may release the holds it is given */
    char **ids = NULL;
    size_t n = 0;
    MDB_val key, v;
    int mrc = mdb_cursor_get(c, &key, &v, MDB_FIRST);
    while (mrc == 0 && n < max) {
        struct kread kr;
        uint64_t exp;
        kread_init(&kr, &key);
        const char *id = kread_u64(&kr, &exp) == 0 ? kread_str(&kr) : NULL;
        if (!id) {
            mrc = -1;
            break;
        }
        if (exp > now) break;
        char **ni = realloc(ids, (n + 1) * sizeof *ni);
        if (!ni) abort();
        ids = ni;
        ids[n++] = xstrdup(id);
        mrc = mdb_cursor_get(c, &key, &v, MDB_NEXT);
    }
    mdb_cursor_close(c);
    int ret = 0;
    if (mrc == -1) ret = txn_fail(t, "hold_expiry: corrupt key");
    else if (mrc != 0 && mrc != MDB_NOTFOUND) ret = store_txn_mdb_fail(t, mrc, "cursor", "hold_expiry");
    for (size_t i = 0; ret == 0 && i < n; i++) {
        int r = cb(arg, ids[i]);
        if (r < 0) ret = -1;
        if (r > 0) break;
    }
    for (size_t i = 0; i < n; i++) free(ids[i]);
    free(ids);
    return ret;
}
