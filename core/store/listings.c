/* listings.c - the shadow: what each channel was last told and acknowledged,
 * per (channel, sku).  Only acknowledgements change it. */
#include "store/store_int.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

void listing_free(struct listing *l)
{
    if (!l) return;
    free(l->external);
    free(l->payload);
    memset(l, 0, sizeof *l);
    l->quantity = -1;
}

static int listing_args(struct txn *t, struct skey *k, const char *channel, const char *sku)
{
    int rc;
    if ((rc = store_check_str(t, "channel", channel, 0)) != 0) return rc;
    if ((rc = store_check_str(t, "sku", sku, 0)) != 0) return rc;
    return key_listing(t, k, channel, sku);
}

int store_listing_get(struct txn *t, const char *channel, const char *sku, struct listing *out)
{
    memset(out, 0, sizeof *out);
    out->quantity = -1;
    if (t->failed) return -1;
    struct skey k;
    int rc = listing_args(t, &k, channel, sku);
    if (rc != 0) return rc;
    MDB_val v;
    rc = store_db_get(t, DB_LISTINGS, k.b, k.len, &v);
    if (rc != 0) return rc;
    if (rec_listing_decode(&v, out) != 0)
        return txn_fail(t, "listings: corrupt record for %s/%s", channel, sku);
    return 0;
}

int store_listing_ack(struct txn *t, const char *channel, const char *sku, const int64_t *quantity,
                      const char *payload, const char *external, uint64_t ts_ms)
{
    if (t->failed) return -1;
    if (store_txn_need_write(t, "listing ack") != 0) return -1;
    struct skey k;
    int rc = listing_args(t, &k, channel, sku);
    if (rc != 0) return rc;
    if (quantity && *quantity < 0)
        return store_txn_refuse(t, STORE_EINVALID, "listing %s/%s: negative quantity", channel, sku);
    struct listing l;
    rc = store_listing_get(t, channel, sku, &l);
    if (rc < 0) return -1;
    if (quantity) l.quantity = *quantity;
    if (payload) {
        free(l.payload);
        l.payload = xstrdup(payload);
    }
    if (external) {
        free(l.external);
        l.external = xstrdup(external);
    }
    l.pushed_ms = ts_ms ? ts_ms : store_now();
    struct buf b = BUF_INIT;
    if (rec_listing_encode(&b, &l) != 0) rc = txn_fail(t, "listings: out of memory");
    else rc = store_db_put(t, DB_LISTINGS, k.b, k.len, b.data, b.len);
    buf_free(&b);
    listing_free(&l);
    return rc;
}

int store_listing_each(struct txn *t, const char *channel, store_listing_cb cb, void *arg)
{
    if (t->failed) return -1;
    int rc;
    struct skey k;
    if ((rc = store_check_str(t, "channel", channel, 0)) != 0) return rc;
    if ((rc = key_listing(t, &k, channel, NULL)) != 0) return rc;
    MDB_cursor *c;
    if (store_db_cursor(t, DB_LISTINGS, &c) != 0) return -1;
    MDB_val key = {k.len, k.b}, v;
    int mrc = mdb_cursor_get(c, &key, &v, MDB_SET_RANGE);
    int ret = 0;
    while (mrc == 0 && key_has_prefix(&key, k.b, k.len)) {
        struct kread kr;
        struct listing l;
        kread_init(&kr, &key);
        kread_str(&kr);
        const char *sku = kread_str(&kr);
        if (!sku || rec_listing_decode(&v, &l) != 0) {
            ret = txn_fail(t, "listings: corrupt record on channel %s", channel);
            break;
        }
        int r = cb(arg, sku, &l);
        listing_free(&l);
        if (r < 0) {
            ret = -1;
            break;
        }
        if (r > 0) break;
        mrc = mdb_cursor_get(c, &key, &v, MDB_NEXT);
    }
    if (mrc != 0 && mrc != MDB_NOTFOUND) ret = store_txn_mdb_fail(t, mrc, "cursor", "listings");
    mdb_cursor_close(c);
    return ret;
}
