/*
 * store_int.h - internals shared by the files of core/store/ (not a contract:
 * nothing outside core/store/ and tests/unit/test_store*.c includes it).
 *
 *   db.c       the table of named databases, environment open/close, format stamp
 *   keys.c     every key layout (composite, ordered: strings NUL-terminated,
 *              integers big-endian)
 *   records.c  every binary value layout (little-endian fixed fields + strings)
 *   txn.c      the transaction wrapper: first error, refusals, counters, count
 *   catalog.c stock.c holds.c listings.c outbox.c dlq.c inbox.c misc.c
 *              the operations of store.h, one family per file
 * docs/store.md describes the layouts for operators and plugin authors.
 */
#ifndef HUB_STORE_INT_H
#define HUB_STORE_INT_H

#include <lmdb.h>
#include <stdint.h>

#include "common/buf.h"
#include "store/store.h"

/* ------------------------------------------------------------ databases (db.c) */
enum store_db {
    DB_META,
    DB_PRODUCTS,
    DB_VARIANTS,
    DB_VARIANTS_BY_PRODUCT,
    DB_STOCK,
    DB_LEDGER,
    DB_HOLDS,
    DB_HOLD_EXPIRY,
    DB_LISTINGS,
    DB_OUTBOX,
    DB_OUTBOX_KEYS,
    DB_INBOX,
    DB_IDEMPOTENCY,
    DB_STATE,
    DB_DEAD_LETTERS,
    DB_ORDERS,
    DB_EXCEPTIONS,
    DB__COUNT
};

struct store_db_def {
    const char *name;
    unsigned flags;      /* MDB_* database flags (MDB_CREATE is added when writable) */
    const char *purpose; /* one line, for docs and `hubctl` */
};
extern const struct store_db_def store_dbs[DB__COUNT];
int store_db_lookup(const char *name); /* index in store_dbs or -1 */

struct store {
    MDB_env *env;
    MDB_dbi dbi[DB__COUNT];
    char *dir;
    char *tenant;
    unsigned flags;
};

/* Largest key any builder produces (LMDB's default MDB_MAXKEYSIZE). */
#define STORE_KEY_MAX 511
#define STORE_DEFAULT_MAP_SIZE ((size_t)4 << 30)
#define STORE_MAX_READERS 256

/* ------------------------------------------------------------ transactions (txn.c) */
#define STORE_MAX_COUNTERS 8
struct store_counter {
    char name[24];
    uint64_t value;
    int dirty;
};

struct txn {
    struct store *s;
    MDB_txn *mt;
    int write;
    int failed;
    char err[512];
    char refusal[512];
    /* counters read once per txn and written back at commit */
    struct store_counter ctr[STORE_MAX_COUNTERS];
    size_t n_ctr;
};

/* Record an LMDB failure (first one wins); returns -1. */
int store_txn_mdb_fail(struct txn *t, int rc, const char *op, const char *db);
/* Record a business refusal (text in txn_refusal); returns code. */
int store_txn_refuse(struct txn *t, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* -1 (and fails the txn) if t is not a write txn. */
int store_txn_need_write(struct txn *t, const char *what);

/* Thin wrappers over mdb_get/put/del on a named database:
 * get returns 0 found, STORE_ENOTFOUND absent, -1 failure (recorded). */
int store_db_get(struct txn *t, enum store_db db, const void *k, size_t klen, MDB_val *v);
int store_db_put(struct txn *t, enum store_db db, const void *k, size_t klen, const void *v,
                 size_t vlen);
/* 0 deleted, STORE_ENOTFOUND absent, -1 failure. */
int store_db_del(struct txn *t, enum store_db db, const void *k, size_t klen);
/* Open a cursor on db; 0 or -1 (recorded). */
int store_db_cursor(struct txn *t, enum store_db db, MDB_cursor **c);
/* Validate a caller's string argument: present, 1..STORE_KEY_MAX-1 bytes
 * (or empty when allow_empty).  0 or STORE_EINVALID (refusal text names it). */
int store_check_str(struct txn *t, const char *what, const char *s, int allow_empty);

/* Current wall clock (ms), the one used for defaults (ts 0 = now). */
uint64_t store_now(void);

/* Counters: value of counter `name` as last assigned (0 if never). */
int store_counter_peek(struct txn *t, const char *name, uint64_t *out);

/* Meta integers (u64 big-endian values). */
int store_meta_get_u64(struct txn *t, const char *name, uint64_t *out); /* 0 absent */
int store_meta_put_u64(struct txn *t, const char *name, uint64_t v);
/* Keep the per-channel pending-op count (outbox.c) in step with inserts/deletes. */
int store_outbox_depth_add(struct txn *t, const char *channel, int64_t delta);

/* ------------------------------------------------------------ keys (keys.c) */
struct skey {
    size_t len;
    int overflow;
    unsigned char b[STORE_KEY_MAX + 1];
};
void skey_init(struct skey *k);
void skey_str(struct skey *k, const char *s); /* s then NUL */
void skey_u8(struct skey *k, uint8_t v);
void skey_u64(struct skey *k, uint64_t v); /* big-endian */
/* 0, or STORE_EINVALID refused on t naming `what` when the key is too long. */
int skey_done(struct txn *t, const struct skey *k, const char *what);

/* The key of each database (see docs/store.md).  Each returns skey_done(). */
int key_meta(struct txn *t, struct skey *k, const char *name);
int key_product(struct txn *t, struct skey *k, const char *product_id);
int key_variant(struct txn *t, struct skey *k, const char *sku);
int key_variant_by_product(struct txn *t, struct skey *k, const char *product_id,
                           const char *sku /* NULL: prefix */);
int key_stock_totals(struct txn *t, struct skey *k, const char *sku); /* also the SKU prefix */
int key_stock_location(struct txn *t, struct skey *k, const char *sku, const char *location);
int key_ledger(struct txn *t, struct skey *k, const char *sku, uint64_t seq);
int key_ledger_prefix(struct txn *t, struct skey *k, const char *sku);
int key_hold(struct txn *t, struct skey *k, const char *hold_id);
int key_hold_expiry(struct txn *t, struct skey *k, uint64_t expires_ms, const char *hold_id);
int key_listing(struct txn *t, struct skey *k, const char *channel, const char *sku /* NULL: prefix */);
int key_outbox(struct txn *t, struct skey *k, const char *channel, uint8_t priority, uint64_t id);
int key_outbox_prefix(struct txn *t, struct skey *k, const char *channel);
int key_outbox_keys(struct txn *t, struct skey *k, const char *channel, uint8_t kind,
                    const char *sku);
int key_seq(struct txn *t, struct skey *k, uint64_t seq); /* inbox, dead_letters, exceptions */
int key_idempotency(struct txn *t, struct skey *k, const char *idem_key);
int key_state(struct txn *t, struct skey *k, const char *channel, const char *name);
/* channel\0 + the prefix's bytes without a NUL: the range of names starting with it */
int key_state_prefix(struct txn *t, struct skey *k, const char *channel, const char *prefix);
int key_order(struct txn *t, struct skey *k, const char *channel, const char *order_id);

/* Key readers: 0 or -1 when the bytes do not have that shape. */
struct kread {
    const unsigned char *p;
    size_t len, off;
};
void kread_init(struct kread *r, const MDB_val *v);
const char *kread_str(struct kread *r); /* pointer into the key, NUL-terminated */
int kread_u8(struct kread *r, uint8_t *v);
int kread_u64(struct kread *r, uint64_t *v);
/* 1 if key v starts with the len bytes of prefix. */
int key_has_prefix(const MDB_val *v, const void *prefix, size_t len);

/* ------------------------------------------------------------ records (records.c) */
struct rread {
    const unsigned char *p;
    size_t len, off;
    int bad;
};
void rread_init(struct rread *r, const void *p, size_t len);
uint8_t rread_u8(struct rread *r);
uint32_t rread_u32(struct rread *r);
uint64_t rread_u64(struct rread *r);
int64_t rread_i64(struct rread *r);
const char *rread_str(struct rread *r);                   /* NUL-terminated in place */
const char *rread_blob(struct rread *r, size_t *len);     /* u32 length + bytes + NUL; NULL if absent */
int rput_u8(struct buf *b, uint8_t v);
int rput_u32(struct buf *b, uint32_t v);
int rput_u64(struct buf *b, uint64_t v);
int rput_i64(struct buf *b, int64_t v);
int rput_str(struct buf *b, const char *s); /* NULL written as "" */
int rput_blob(struct buf *b, const char *p, size_t len); /* p NULL: absent */

/* SKU totals (stock db, key sku\0) */
#define STORE_TOTALS_SIZE 32
void rec_totals_encode(unsigned char out[STORE_TOTALS_SIZE], const struct stock_totals *st);
int rec_totals_decode(const MDB_val *v, struct stock_totals *st);
/* location level (stock db, key sku\0location\0) */
void rec_level_encode(unsigned char out[8], int64_t on_hand);
int rec_level_decode(const MDB_val *v, int64_t *on_hand);

int rec_ledger_encode(struct buf *b, const struct ledger_entry *e);
/* Fills e (strings point into v); sku/seq come from the key and are set by the caller. */
int rec_ledger_decode(const MDB_val *v, struct ledger_entry *e);

/* holds: qty, created, expires, sku, source */
int rec_hold_encode(struct buf *b, const struct hold *h);
int rec_hold_decode(const MDB_val *v, struct hold *h); /* malloc'd strings; hold_id not set */

int rec_listing_encode(struct buf *b, const struct listing *l);
int rec_listing_decode(const MDB_val *v, struct listing *l); /* malloc'd */

/* outbox op: the channel and id/priority live in the key and are not encoded. */
int rec_outbox_encode(struct buf *b, const struct outbox_op *op);
int rec_outbox_decode(const MDB_val *v, struct outbox_op *op); /* malloc'd sku/payload */

int rec_dead_letter_encode(struct buf *b, const struct dead_letter *d);
int rec_dead_letter_decode(const MDB_val *v, struct dead_letter *d); /* malloc'd; id not set */

struct rec_exception {
    uint64_t ts_ms;
    const char *kind, *channel, *ref, *message;
};
int rec_exception_encode(struct buf *b, const struct rec_exception *e);
int rec_exception_decode(const MDB_val *v, struct rec_exception *e); /* point into v */

/* idempotency: seq + first-seen time (16 bytes) */
void rec_idem_encode(unsigned char out[16], uint64_t seq, uint64_t ts_ms);
int rec_idem_decode(const MDB_val *v, uint64_t *seq, uint64_t *ts_ms);

/* variants: product_id\0 json \0 (the JSON bytes exactly as given) */
int rec_variant_encode(struct buf *b, const char *product_id, const char *json, size_t len);
int rec_variant_decode(const MDB_val *v, const char **product_id, const char **json, size_t *len);

/* ------------------------------------------------------------ cross-file operations */
/* Stock movement with an explicit effect on reserved (hold commits). */
int store_stock_apply_ex(struct txn *t, const struct stock_change *c, int64_t d_reserved,
                         struct stock_totals *after);
/* Find an outbox op by id on a channel (any priority); 0 found (key in *k), ENOTFOUND, -1. */
int store_outbox_locate(struct txn *t, const char *channel, uint64_t id, struct skey *k,
                        struct outbox_op *out);

#endif /* HUB_STORE_INT_H */
