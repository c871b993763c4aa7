/* keys.c - every key of the store, in one place.  Composite keys are ordered:
 * strings are written NUL-terminated, integers big-endian, so byte order is
 * logical order and a prefix of components is a contiguous range.
 * Layouts are listed in docs/store.md. */
#include "store/store_int.h"

#include <string.h>

void skey_init(struct skey *k)
{
    k->len = 0;
    k->overflow = 0;
}

static void put(struct skey *k, const void *p, size_t n)
{
    if (k->overflow || n > STORE_KEY_MAX - k->len) {
        k->overflow = 1;
        return;
    }
    memcpy(k->b + k->len, p, n);
    k->len += n;
}

void skey_str(struct skey *k, const char *s)
{
    put(k, s, strlen(s) + 1);
}

void skey_u8(struct skey *k, uint8_t v) { put(k, &v, 1); }

void skey_u64(struct skey *k, uint64_t v)
{
    unsigned char x[8];
    for (int i = 7; i >= 0; i--, v >>= 8) x[i] = (unsigned char)v;
    put(k, x, 8);
}

int skey_done(struct txn *t, const struct skey *k, const char *what)
{
    if (!k->overflow) return 0;
    return store_txn_refuse(t, STORE_EINVALID, "%s: key longer than %d bytes", what,
                            STORE_KEY_MAX);
}

int key_meta(struct txn *t, struct skey *k, const char *name)
{
    skey_init(k);
    skey_str(k, name);
    return skey_done(t, k, "meta name");
}

int key_product(struct txn *t, struct skey *k, const char *product_id)
{
    skey_init(k);
    skey_str(k, product_id);
    return skey_done(t, k, "product id");
}

int key_variant(struct txn *t, struct skey *k, const char *sku)
{
    skey_init(k);
    skey_str(k, sku);
    return skey_done(t, k, "sku");
}

int key_variant_by_product(struct txn *t, struct skey *k, const char *product_id, const char *sku)
{
    skey_init(k);
    skey_str(k, product_id);
    if (sku) skey_str(k, sku);
    return skey_done(t, k, "product id + sku");
}

int key_stock_totals(struct txn *t, struct skey *k, const char *sku)
{
    skey_init(k);
    skey_str(k, sku);
    return skey_done(t, k, "sku");
}

int key_stock_location(struct txn *t, struct skey *k, const char *sku, const char *location)
{
    skey_init(k);
    skey_str(k, sku);
    skey_str(k, location);
    return skey_done(t, k, "sku + location");
}

int key_ledger(struct txn *t, struct skey *k, const char *sku, uint64_t seq)
{
    skey_init(k);
    skey_str(k, sku);
    skey_u64(k, seq);
    return skey_done(t, k, "sku");
}

int key_ledger_prefix(struct txn *t, struct skey *k, const char *sku)
{
    skey_init(k);
    skey_str(k, sku);
    return skey_done(t, k, "sku");
}

int key_hold(struct txn *t, struct skey *k, const char *hold_id)
{
    skey_init(k);
    skey_str(k, hold_id);
    return skey_done(t, k, "hold id");
}

int key_hold_expiry(struct txn *t, struct skey *k, uint64_t expires_ms, const char *hold_id)
{
    skey_init(k);
    skey_u64(k, expires_ms);
    skey_str(k, hold_id);
    return skey_done(t, k, "hold id");
}

int key_listing(struct txn *t, struct skey *k, const char *channel, const char *sku)
{
    skey_init(k);
    skey_str(k, channel);
    if (sku) skey_str(k, sku);
    return skey_done(t, k, "channel + sku");
}

int key_outbox(struct txn *t, struct skey *k, const char *channel, uint8_t priority, uint64_t id)
{
    skey_init(k);
    skey_str(k, channel);
    skey_u8(k, priority);
    skey_u64(k, id);
    return skey_done(t, k, "channel");
}

int key_outbox_prefix(struct txn *t, struct skey *k, const char *channel)
{
    skey_init(k);
    skey_str(k, channel);
    return skey_done(t, k, "channel");
}

int key_outbox_keys(struct txn *t, struct skey *k, const char *channel, uint8_t kind,
                    const char *sku)
{
    skey_init(k);
    skey_str(k, channel);
    skey_u8(k, kind);
    skey_str(k, sku);
    return skey_done(t, k, "channel + sku");
}

int key_seq(struct txn *t, struct skey *k, uint64_t seq)
{
    skey_init(k);
    skey_u64(k, seq);
    return skey_done(t, k, "seq");
}

int key_idempotency(struct txn *t, struct skey *k, const char *idem_key)
{
    skey_init(k);
    skey_str(k, idem_key);
    return skey_done(t, k, "idempotency key");
}

int key_state(struct txn *t, struct skey *k, const char *channel, const char *name)
{
    skey_init(k);
    skey_str(k, channel);
    skey_str(k, name);
    return skey_done(t, k, "channel + state name");
}

int key_state_prefix(struct txn *t, struct skey *k, const char *channel, const char *prefix)
{
    skey_init(k);
    skey_str(k, channel);
    put(k, prefix, strlen(prefix)); /* no NUL: every name that starts with it */
    return skey_done(t, k, "channel + state name prefix");
}

int key_order(struct txn *t, struct skey *k, const char *channel, const char *order_id)
{
    skey_init(k);
    skey_str(k, channel);
    skey_str(k, order_id);
    return skey_done(t, k, "channel + order id");
}

/* ------------------------------------------------------------ readers */
void kread_init(struct kread *r, const MDB_val *v)
{
    r->p = v->mv_data;
    r->len = v->mv_size;
    r->off = 0;
}

const char *kread_str(struct kread *r)
{
    if (r->off >= r->len) return NULL;
    const unsigned char *s = r->p + r->off;
    const unsigned char *nul = memchr(s, 0, r->len - r->off);
    if (!nul) return NULL;
    r->off += (size_t)(nul - s) + 1;
    return (const char *)s;
}

int kread_u8(struct kread *r, uint8_t *v)
{
    if (r->len - r->off < 1) return -1;
    *v = r->p[r->off++];
    return 0;
}

int kread_u64(struct kread *r, uint64_t *v)
{
    if (r->len - r->off < 8) return -1;
    uint64_t x = 0;
    for (int i = 0; i < 8; i++) x = (x << 8) | r->p[r->off + (size_t)i];
    r->off += 8;
    *v = x;
    return 0;
}

int key_has_prefix(const MDB_val *v, const void *prefix, size_t len)
{
    return v->mv_size >= len && memcmp(v->mv_data, prefix, len) == 0;
}
