/* records.c - every binary value of the store, encoded and decoded in one
 * place per record type.  Fixed fields are little-endian; strings are
 * NUL-terminated; optional blobs are u32 length (0xFFFFFFFF = absent) + bytes
 * + NUL.  Layouts are listed in docs/store.md. */
#include "store/store_int.h"

#include <stdlib.h>
#include <string.h>

#include "common/util.h"

#define BLOB_ABSENT 0xFFFFFFFFu

/* ------------------------------------------------------------ primitives */
void rread_init(struct rread *r, const void *p, size_t len)
{
    r->p = p;
    r->len = len;
    r->off = 0;
    r->bad = 0;
}

static const unsigned char *take(struct rread *r, size_t n)
{
    if (r->bad || r->len - r->off < n) {
        r->bad = 1;
        return NULL;
    }
    const unsigned char *p = r->p + r->off;
    r->off += n;
    return p;
}

uint8_t rread_u8(struct rread *r)
{
    const unsigned char *p = take(r, 1);
    return p ? p[0] : 0;
}

uint32_t rread_u32(struct rread *r)
{
    const unsigned char *p = take(r, 4);
    if (!p) return 0;
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint64_t rread_u64(struct rread *r)
{
    const unsigned char *p = take(r, 8);
    if (!p) return 0;
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

int64_t rread_i64(struct rread *r) { return (int64_t)rread_u64(r); }

const char *rread_str(struct rread *r)
{
    if (r->bad || r->off >= r->len) {
        r->bad = 1;
        return NULL;
    }
    const unsigned char *s = r->p + r->off;
    const unsigned char *nul = memchr(s, 0, r->len - r->off);
    if (!nul) {
        r->bad = 1;
        return NULL;
    }
    r->off += (size_t)(nul - s) + 1;
    return (const char *)s;
}

const char *rread_blob(struct rread *r, size_t *len)
{
    uint32_t n = rread_u32(r);
    *len = 0;
    if (r->bad || n == BLOB_ABSENT) return NULL;
    const unsigned char *p = take(r, (size_t)n + 1);
    if (!p || p[n] != 0) {
        r->bad = 1;
        return NULL;
    }
    *len = n;
    return (const char *)p;
}

int rput_u8(struct buf *b, uint8_t v) { return buf_append(b, &v, 1); }

int rput_u32(struct buf *b, uint32_t v)
{
    unsigned char x[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    return buf_append(b, x, 4);
}

int rput_u64(struct buf *b, uint64_t v)
{
    unsigned char x[8];
    for (int i = 0; i < 8; i++, v >>= 8) x[i] = (unsigned char)v;
    return buf_append(b, x, 8);
}

int rput_i64(struct buf *b, int64_t v) { return rput_u64(b, (uint64_t)v); }

int rput_str(struct buf *b, const char *s) { return buf_append(b, s ? s : "", s ? strlen(s) + 1 : 1); }

int rput_blob(struct buf *b, const char *p, size_t len)
{
    if (!p) return rput_u32(b, BLOB_ABSENT);
    if (len >= BLOB_ABSENT) return -1;
    if (rput_u32(b, (uint32_t)len) != 0 || buf_append(b, p, len) != 0) return -1;
    return rput_u8(b, 0);
}

static char *dup_or_null(const char *p, size_t len)
{
    if (!p) return NULL;
    char *d = xmalloc(len + 1);
    memcpy(d, p, len);
    d[len] = '\0';
    return d;
}

static void le64(unsigned char *out, uint64_t v)
{
    for (int i = 0; i < 8; i++, v >>= 8) out[i] = (unsigned char)v;
}

/* ------------------------------------------------------------ stock */
void rec_totals_encode(unsigned char out[STORE_TOTALS_SIZE], const struct stock_totals *st)
{
    le64(out, (uint64_t)st->on_hand);
    le64(out + 8, (uint64_t)st->reserved);
    le64(out + 16, st->ledger_seq);
    le64(out + 24, st->updated_ms);
}

int rec_totals_decode(const MDB_val *v, struct stock_totals *st)
{
    struct rread r;
    rread_init(&r, v->mv_data, v->mv_size);
    st->on_hand = rread_i64(&r);
    st->reserved = rread_i64(&r);
    st->ledger_seq = rread_u64(&r);
    st->updated_ms = rread_u64(&r);
    return r.bad || r.off != r.len ? -1 : 0;
}

void rec_level_encode(unsigned char out[8], int64_t on_hand) { le64(out, (uint64_t)on_hand); }

int rec_level_decode(const MDB_val *v, int64_t *on_hand)
{
    struct rread r;
    rread_init(&r, v->mv_data, v->mv_size);
    *on_hand = rread_i64(&r);
    return r.bad || r.off != r.len ? -1 : 0;
}

/* ------------------------------------------------------------ ledger
 * ts u64 | kind u8 | qty i64 | d_on_hand i64 | d_reserved i64 | on_hand_after i64 |
 * reserved_after i64 | location\0 source\0 reason\0 ref\0 */
int rec_ledger_encode(struct buf *b, const struct ledger_entry *e)
{
    int rc = rput_u64(b, e->ts_ms) || rput_u8(b, (uint8_t)e->kind) || rput_i64(b, e->qty) ||
             rput_i64(b, e->d_on_hand) || rput_i64(b, e->d_reserved) ||
             rput_i64(b, e->on_hand_after) || rput_i64(b, e->reserved_after) ||
             rput_str(b, e->location) || rput_str(b, e->source) || rput_str(b, e->reason) ||
             rput_str(b, e->ref);
    return rc ? -1 : 0;
}

int rec_ledger_decode(const MDB_val *v, struct ledger_entry *e)
{
    struct rread r;
    rread_init(&r, v->mv_data, v->mv_size);
    e->ts_ms = rread_u64(&r);
    e->kind = (enum ledger_kind)rread_u8(&r);
    e->qty = rread_i64(&r);
    e->d_on_hand = rread_i64(&r);
    e->d_reserved = rread_i64(&r);
    e->on_hand_after = rread_i64(&r);
    e->reserved_after = rread_i64(&r);
    e->location = rread_str(&r);
    e->source = rread_str(&r);
    e->reason = rread_str(&r);
    e->ref = rread_str(&r);
    return r.bad || r.off != r.len ? -1 : 0;
}

/* ------------------------------------------------------------ holds
 * qty i64 | created u64 | expires u64 | sku\0 source\0 */
int rec_hold_encode(struct buf *b, const struct hold *h)
{
    int rc = rput_i64(b, h->qty) || rput_u64(b, h->created_ms) || rput_u64(b, h->expires_ms) ||
             rput_str(b, h->sku) || rput_str(b, h->source);
    return rc ? -1 : 0;
}

int rec_hold_decode(const MDB_val *v, struct hold *h)
{
    struct rread r;
    rread_init(&r, v->mv_data, v->mv_size);
    h->qty = rread_i64(&r);
    h->created_ms = rread_u64(&r);
    h->expires_ms = rread_u64(&r);
    const char *sku = rread_str(&r);
    const char *source = rread_str(&r);
    if (r.bad || r.off != r.len) return -1;
    h->sku = xstrdup(sku);
    h->source = xstrdup(source);
    return 0;
}

/* ------------------------------------------------------------ listings
 * quantity i64 | pushed u64 | external blob | payload blob */
int rec_listing_encode(struct buf *b, const struct listing *l)
{
    int rc = rput_i64(b, l->quantity) || rput_u64(b, l->pushed_ms) ||
             rput_blob(b, l->external, l->external ? strlen(l->external) : 0) ||
             rput_blob(b, l->payload, l->payload ? strlen(l->payload) : 0);
    return rc ? -1 : 0;
}

int rec_listing_decode(const MDB_val *v, struct listing *l)
{
    struct rread r;
    size_t elen, plen;
    rread_init(&r, v->mv_data, v->mv_size);
    l->quantity = rread_i64(&r);
    l->pushed_ms = rread_u64(&r);
    const char *ext = rread_blob(&r, &elen);
    const char *pay = rread_blob(&r, &plen);
    if (r.bad || r.off != r.len) return -1;
    l->external = dup_or_null(ext, elen);
    l->payload = dup_or_null(pay, plen);
    return 0;
}

/* ------------------------------------------------------------ outbox
 * kind u8 | quantity i64 | attempts u32 | enqueued u64 | not_before u64 | sku\0 | payload blob */
static int outbox_body_encode(struct buf *b, const struct outbox_op *op)
{
    int rc = rput_u8(b, (uint8_t)op->kind) || rput_i64(b, op->quantity) ||
             rput_u32(b, op->attempts) || rput_u64(b, op->enqueued_ms) ||
             rput_u64(b, op->not_before_ms) || rput_str(b, op->sku) ||
             rput_blob(b, op->payload, op->payload_len);
    return rc ? -1 : 0;
}

static void outbox_body_decode(struct rread *r, struct outbox_op *op)
{
    size_t plen;
    op->kind = (enum outbox_kind)rread_u8(r);
    op->quantity = rread_i64(r);
    op->attempts = rread_u32(r);
    op->enqueued_ms = rread_u64(r);
    op->not_before_ms = rread_u64(r);
    const char *sku = rread_str(r);
    const char *pay = rread_blob(r, &plen);
    if (r->bad) return;
    op->sku = xstrdup(sku);
    op->payload = dup_or_null(pay, plen);
    op->payload_len = plen;
}

int rec_outbox_encode(struct buf *b, const struct outbox_op *op)
{
    return outbox_body_encode(b, op);
}

int rec_outbox_decode(const MDB_val *v, struct outbox_op *op)
{
    struct rread r;
    memset(op, 0, sizeof *op);
    rread_init(&r, v->mv_data, v->mv_size);
    outbox_body_decode(&r, op);
    if (r.bad || r.off != r.len) {
        free(op->sku);
        free(op->payload);
        op->sku = op->payload = NULL;
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------ dead letters
 * failed u64 | op id u64 | priority u8 | channel\0 | outbox body | error\0 */
int rec_dead_letter_encode(struct buf *b, const struct dead_letter *d)
{
    int rc = rput_u64(b, d->failed_ms) || rput_u64(b, d->op.id) || rput_u8(b, d->op.priority) ||
             rput_str(b, d->op.channel);
    if (rc || outbox_body_encode(b, &d->op) != 0) return -1;
    return rput_str(b, d->error);
}

int rec_dead_letter_decode(const MDB_val *v, struct dead_letter *d)
{
    struct rread r;
    rread_init(&r, v->mv_data, v->mv_size);
    memset(d, 0, sizeof *d);
    d->failed_ms = rread_u64(&r);
    d->op.id = rread_u64(&r);
    d->op.priority = rread_u8(&r);
    const char *ch = rread_str(&r);
    if (!r.bad) outbox_body_decode(&r, &d->op);
    const char *error = rread_str(&r);
    if (r.bad || r.off != r.len) {
        free(d->op.sku);
        free(d->op.payload);
        memset(d, 0, sizeof *d);
        return -1;
    }
    d->op.channel = xstrdup(ch);
    d->error = xstrdup(error);
    return 0;
}

/* ------------------------------------------------------------ exceptions
 * ts u64 | kind\0 channel\0 ref\0 message\0 */
int rec_exception_encode(struct buf *b, const struct rec_exception *e)
{
    int rc = rput_u64(b, e->ts_ms) || rput_str(b, e->kind) || rput_str(b, e->channel) ||
             rput_str(b, e->ref) || rput_str(b, e->message);
    return rc ? -1 : 0;
}

int rec_exception_decode(const MDB_val *v, struct rec_exception *e)
{
    struct rread r;
    rread_init(&r, v->mv_data, v->mv_size);
    e->ts_ms = rread_u64(&r);
    e->kind = rread_str(&r);
    e->channel = rread_str(&r);
    e->ref = rread_str(&r);
    e->message = rread_str(&r);
    return r.bad || r.off != r.len ? -1 : 0;
}

/* ------------------------------------------------------------ idempotency: seq u64 | ts u64 */
void rec_idem_encode(unsigned char out[16], uint64_t seq, uint64_t ts_ms)
{
    le64(out, seq);
    le64(out + 8, ts_ms);
}

int rec_idem_decode(const MDB_val *v, uint64_t *seq, uint64_t *ts_ms)
{
    struct rread r;
    rread_init(&r, v->mv_data, v->mv_size);
    *seq = rread_u64(&r);
    *ts_ms = rread_u64(&r);
    return r.bad || r.off != r.len ? -1 : 0;
}

/* ------------------------------------------------------------ variants: product_id\0 json \0 */
int rec_variant_encode(struct buf *b, const char *product_id, const char *json, size_t len)
{
    if (rput_str(b, product_id) != 0 || buf_append(b, json, len) != 0) return -1;
    return rput_u8(b, 0);
}

int rec_variant_decode(const MDB_val *v, const char **product_id, const char **json, size_t *len)
{
    struct rread r;
    rread_init(&r, v->mv_data, v->mv_size);
    *product_id = rread_str(&r);
    if (r.bad || r.off >= r.len) return -1;
    const unsigned char *end = r.p + r.len - 1;
    if (*end != 0) return -1;
    *json = (const char *)(r.p + r.off);
    *len = r.len - r.off - 1;
    return 0;
}
