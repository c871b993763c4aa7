/*
 * store.h - the canonical model of one tenant in one LMDB environment.
 *
 * Layout (see docs/architecture.md "Store"): every named database is declared
 * once in store_dbs[] (db.c) and opened in one transaction at store_open().
 * Keys are composite and ordered: strings are NUL-terminated, integers are
 * big-endian, so byte order equals logical order and a prefix is a range.
 *
 * Errors.  Functions taking a `struct txn *` follow one rule:
 *   -1            storage failure: the txn records the first error and will
 *                 refuse to commit (txn_commit returns -1 and aborts);
 *   0             done;
 *   STORE_E* > 0  a business refusal (unknown SKU, not enough stock, ...):
 *                 NOTHING was written and the txn stays usable, so one bad
 *                 event in a group commit does not sink the others.  The
 *                 reason text is in txn_refusal(txn).
 * Getters return 0 when found and STORE_ENOTFOUND when absent.
 * Returned `char *` are malloc'd and owned by the caller.
 */
#ifndef HUB_STORE_H
#define HUB_STORE_H

#include <stddef.h>
#include <stdint.h>

#define STORE_FORMAT_VERSION 1

struct store;
struct txn;

enum store_refusal {
    STORE_ENOTFOUND = 1,  /* the thing asked for does not exist */
    STORE_EUNKNOWN_SKU,   /* stock movement on a SKU not in the catalog */
    STORE_EINSUFFICIENT,  /* reserve/commit/adjust beyond what is there */
    STORE_EINVALID,       /* bad argument: qty <= 0, empty id, bad JSON ... */
    STORE_EEXISTS,        /* hold id already used */
};

/* ------------------------------------------------------------ environment */
enum store_flags {
    STORE_RDONLY = 1u << 0, /* hubctl reads: MDB_RDONLY */
    STORE_CREATE = 1u << 1, /* create the directory and stamp the format */
    STORE_NOSYNC = 1u << 2, /* tests/bench only: MDB_NOSYNC (not durable) */
};

/* Open (or create with STORE_CREATE) the environment in `dir` for `tenant`.
 * Refuses, with a message in err naming `dir`: a directory that is not a hub
 * store, a format version other than STORE_FORMAT_VERSION, a store stamped
 * for another tenant, a corrupt or foreign LMDB file.  0 or -1. */
int store_open(struct store **out, const char *dir, const char *tenant, unsigned flags,
               size_t map_size, char *err, size_t err_len);
void store_close(struct store *s);
const char *store_tenant(const struct store *s);
const char *store_path(const struct store *s);

/* ------------------------------------------------------------ transactions */
int txn_begin(struct store *s, int write, struct txn **out); /* 0 or -1 (logged) */
/* Commit; refuses (aborts, returns -1) if any storage error was recorded. */
int txn_commit(struct txn *t);
/* Addition: txn_commit that also copies why it did not commit into err
 * (the first storage error, or the commit's own failure). */
int txn_commit_err(struct txn *t, char *err, size_t err_len);
void txn_abort(struct txn *t);
int txn_failed(const struct txn *t);
const char *txn_error(const struct txn *t);   /* first storage error, or NULL */
const char *txn_refusal(const struct txn *t); /* last business refusal text, or "" */
/* Record a failure from outside the store (e.g. a mapping error that must sink the txn). */
int txn_fail(struct txn *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Counters kept in meta (monotonic, per tenant): "ledger", "outbox", "inbox", "dlq". */
uint64_t store_next_seq(struct txn *t, const char *counter);

/* Entry count of a named database ("variants", "outbox", ...); -1 if unknown. */
int64_t store_count(struct txn *t, const char *db_name);

/* ------------------------------------------------------------ catalog
 * Documents are canonical JSON text (docs/architecture.md "Canonical model").
 * Put replaces; it reports whether anything changed so imports are idempotent. */
int store_product_put(struct txn *t, const char *product_id, const char *json, size_t len,
                      int *changed);
int store_product_get(struct txn *t, const char *product_id, char **json, size_t *len);
int store_variant_put(struct txn *t, const char *sku, const char *product_id, const char *json,
                      size_t len, int *changed);
int store_variant_get(struct txn *t, const char *sku, char **json, size_t *len);
/* Iterate in SKU order starting after `after_sku` ("" = from the start).
 * cb returns 0 to continue, 1 to stop, -1 to fail. */
typedef int (*store_variant_cb)(void *arg, const char *sku, const char *json, size_t len);
int store_variant_each(struct txn *t, const char *after_sku, store_variant_cb cb, void *arg);
typedef int (*store_sku_cb)(void *arg, const char *sku);
int store_variants_of_product(struct txn *t, const char *product_id, store_sku_cb cb, void *arg);
/* Addition: the product id a variant belongs to (malloc'd). */
int store_variant_product(struct txn *t, const char *sku, char **product_id);

/* ------------------------------------------------------------ stock and ledger */
struct stock_totals {
    int64_t on_hand;     /* sum over locations */
    int64_t reserved;    /* held by carts/holds, not yet committed */
    uint64_t ledger_seq; /* seq of the last ledger entry that touched this SKU */
    uint64_t updated_ms;
};

enum ledger_kind {
    LEDGER_RECEIVE = 1, /* goods in: on_hand += qty */
    LEDGER_ADJUST,      /* correction: on_hand += qty (signed), reason required */
    LEDGER_COUNT,       /* stock count: on_hand(location) := qty */
    LEDGER_RESERVE,     /* hold: reserved += qty (needs on_hand - reserved >= qty) */
    LEDGER_RELEASE,     /* hold ends: reserved -= qty */
    LEDGER_COMMIT,      /* sale: on_hand -= qty (and reserved -= hold's qty if from a hold) */
    LEDGER_SHIP,        /* shipment recorded: no quantity change */
    LEDGER_RESTOCK,     /* cancellation/return: on_hand += qty */
    LEDGER_DRIFT,       /* a channel showed qty (not what it was told): recorded, no change */
};
const char *ledger_kind_name(enum ledger_kind k); /* "receive", ... */
int ledger_kind_parse(const char *name);         /* -1 if unknown */

#define STOCK_DEFAULT_LOCATION "default"

enum stock_change_flags {
    /* A commit from a channel that already sold: record it even if on_hand
     * goes below zero (an oversell happened outside the hub; never lose it). */
    STOCK_ALLOW_NEGATIVE = 1u << 0,
};

struct stock_change {
    enum ledger_kind kind;
    const char *sku;
    const char *location; /* NULL: STOCK_DEFAULT_LOCATION */
    int64_t qty;          /* see enum ledger_kind; > 0 except ADJUST (!= 0) and COUNT (>= 0) */
    const char *source;   /* "hubctl", "import", "shopify", ... (required) */
    const char *reason;   /* free text; required for ADJUST */
    const char *ref;      /* order id, hold id, file name ... or NULL */
    uint64_t ts_ms;       /* 0: now */
    unsigned flags;
};

/* Apply one movement atomically: location level, SKU totals and one ledger
 * entry, all in this txn.  `after` (may be NULL) receives the new totals.
 * A COUNT equal to the current level writes nothing and returns 0. */
int store_stock_apply(struct txn *t, const struct stock_change *c, struct stock_totals *after);
int store_stock_get(struct txn *t, const char *sku, struct stock_totals *out);
typedef int (*store_location_cb)(void *arg, const char *location, int64_t on_hand);
int store_stock_locations(struct txn *t, const char *sku, store_location_cb cb, void *arg);

struct ledger_entry {
    uint64_t seq;
    uint64_t ts_ms;
    enum ledger_kind kind;
    const char *sku;
    const char *location;
    int64_t qty;          /* as requested */
    int64_t d_on_hand;    /* effect on totals */
    int64_t d_reserved;
    int64_t on_hand_after;
    int64_t reserved_after;
    const char *source;
    const char *reason;   /* "" if none */
    const char *ref;      /* "" if none */
};
/* Entries of one SKU in order, from seq > after_seq.  Pointers valid during cb. */
typedef int (*store_ledger_cb)(void *arg, const struct ledger_entry *e);
int store_ledger_each(struct txn *t, const char *sku, uint64_t after_seq, store_ledger_cb cb,
                      void *arg);

/* ------------------------------------------------------------ holds (reservations) */
struct hold {
    char *hold_id;
    char *sku;
    int64_t qty;
    uint64_t created_ms;
    uint64_t expires_ms;
    char *source;
};
void hold_free(struct hold *h);
/* RESERVE in the ledger + the hold record + its expiry index entry. */
int store_hold_create(struct txn *t, const char *hold_id, const char *sku, int64_t qty,
                      uint64_t expires_ms, const char *source);
int store_hold_get(struct txn *t, const char *hold_id, struct hold *out);
int store_hold_extend(struct txn *t, const char *hold_id, uint64_t expires_ms);
/* RELEASE (reason: "expired", "cart", ...) and delete the hold. */
int store_hold_release(struct txn *t, const char *hold_id, const char *reason);
/* COMMIT the held quantity (on_hand -= qty, reserved -= qty) and delete the hold. */
int store_hold_commit(struct txn *t, const char *hold_id, const char *ref);
/* Hold ids with expires_ms <= now, oldest first, at most `max`. */
int store_holds_expired(struct txn *t, uint64_t now, size_t max, store_sku_cb cb, void *arg);

/* ------------------------------------------------------------ channel listings (shadow) */
struct listing {
    char *external;        /* JSON object of the channel's ids, or NULL */
    char *payload;         /* last acknowledged mapped payload (JSON), or NULL */
    int64_t quantity;      /* last acknowledged quantity, -1 if never */
    uint64_t pushed_ms;    /* last acknowledgement time */
};
void listing_free(struct listing *l);
int store_listing_get(struct txn *t, const char *channel, const char *sku, struct listing *out);
/* Acknowledgements: the only way the shadow changes. NULL fields stay as they were. */
int store_listing_ack(struct txn *t, const char *channel, const char *sku, const int64_t *quantity,
                      const char *payload, const char *external, uint64_t ts_ms);
typedef int (*store_listing_cb)(void *arg, const char *sku, const struct listing *l);
int store_listing_each(struct txn *t, const char *channel, store_listing_cb cb, void *arg);

/* ------------------------------------------------------------ outbox
 * One pending operation per (channel, kind, sku): a newer put replaces the
 * unsent older one (coalescing).  Drained in (priority, id) order; priority 0
 * first (stock going to zero), then 1. */
enum outbox_kind { OUTBOX_STOCK = 1, OUTBOX_LISTING, OUTBOX_DELETE, OUTBOX_FULFILLMENT };

struct outbox_op {
    uint64_t id;
    char *channel;
    enum outbox_kind kind;
    char *sku;
    int64_t quantity;
    char *payload; /* NULL for STOCK */
    size_t payload_len;
    uint8_t priority;
    uint32_t attempts;
    uint64_t enqueued_ms;   /* first enqueue of this key since its last ack */
    uint64_t not_before_ms; /* backoff */
};
void outbox_op_free(struct outbox_op *op);
/* Returns the new op id in *id (may be NULL). */
int store_outbox_put(struct txn *t, const char *channel, enum outbox_kind kind, const char *sku,
                     int64_t quantity, const char *payload, size_t payload_len, uint8_t priority,
                     uint64_t *id);
/* The pending op for a key, if any (so the diff can compare with what is queued). */
int store_outbox_find(struct txn *t, const char *channel, enum outbox_kind kind, const char *sku,
                      struct outbox_op *out);
/* Up to `max` ops in drain order with not_before_ms <= now. cb owns nothing. */
typedef int (*store_outbox_cb)(void *arg, const struct outbox_op *op);
int store_outbox_peek(struct txn *t, const char *channel, uint64_t now, size_t max,
                      store_outbox_cb cb, void *arg);
/* Remove op `id` if it is still the pending op for its key (a newer put keeps its own). */
int store_outbox_done(struct txn *t, const char *channel, uint64_t id);
/* Count a failed attempt; the op becomes eligible again at not_before_ms. */
int store_outbox_retry(struct txn *t, const char *channel, uint64_t id, uint64_t not_before_ms);
int store_outbox_stats(struct txn *t, const char *channel, uint64_t *depth, uint64_t *oldest_ms);

/* ------------------------------------------------------------ dead letters */
struct dead_letter {
    uint64_t id;
    struct outbox_op op;
    char *error;       /* the channel's own text */
    uint64_t failed_ms;
};
void dead_letter_free(struct dead_letter *d);
/* Move op `id` from the outbox to the dead letters with the channel's error. */
int store_dlq_put(struct txn *t, const char *channel, uint64_t op_id, const char *error);
typedef int (*store_dlq_cb)(void *arg, const struct dead_letter *d);
int store_dlq_each(struct txn *t, const char *channel /* NULL: all */, store_dlq_cb cb, void *arg);
/* Back into the outbox (attempts reset) / gone. */
int store_dlq_retry(struct txn *t, uint64_t dlq_id);
int store_dlq_drop(struct txn *t, uint64_t dlq_id);
int64_t store_dlq_count(struct txn *t, const char *channel /* NULL: all */);
/* Addition: one dead letter by id (caller frees with dead_letter_free). */
int store_dlq_get(struct txn *t, uint64_t dlq_id, struct dead_letter *out);

/* ------------------------------------------------------------ inbox
 * Durable, ordered canonical events.  The idempotency key (channel + the
 * channel's own event id) is remembered: a second append returns 1 and
 * writes nothing. */
int store_inbox_append(struct txn *t, const char *idem_key, const char *json, size_t len,
                       uint64_t *seq);
typedef int (*store_inbox_cb)(void *arg, uint64_t seq, const char *json, size_t len);
/* Events not yet applied, in order, at most `max`. */
int store_inbox_pending(struct txn *t, size_t max, store_inbox_cb cb, void *arg);
int store_inbox_mark_applied(struct txn *t, uint64_t seq);
uint64_t store_inbox_applied(struct txn *t);
int store_inbox_seen(struct txn *t, const char *idem_key); /* 1 seen, 0 not, -1 error */

/* ------------------------------------------------------------ retention (prune.c)
 * Bounded growth: what is only kept for a while is removed in chunks, so no
 * write txn grows large (hubd's housekeeping, sync/housekeep.c, commits after
 * each chunk).  Each returns how many entries it removed, or -1. */

/* Remove applied inbox records dated before before_ms, oldest first, at most
 * `max` of them (0: no limit).  Stops at the first record that is younger, or
 * not yet applied (seq > store_inbox_applied).  A record's date is its
 * top-level "ts_ms"; a record without a usable one (missing, not a positive
 * integer, or more than a day ahead of the clock) goes only with an older
 * dated record after it.  *more (may be NULL) is set to 1 when it stopped at
 * `max`: call again. */
int64_t store_inbox_prune(struct txn *t, uint64_t before_ms, size_t max, int *more);

/* Where a chunked idempotency prune resumes.  Keys are in key order, not time
 * order, so one pass walks the whole database, a chunk at a time.  Zero it to
 * start a pass; `done` is set when the pass reached the end (`after` is then
 * "" again, ready for the next pass). */
struct store_prune_pos {
    char after[512]; /* last key examined; "" = the start */
    int done;
};
/* Forget the idempotency keys first seen before before_ms among the next
 * `max` keys after pos->after (0: no limit), so at most `max` removals. */
int64_t store_idempotency_prune_chunk(struct txn *t, uint64_t before_ms, size_t max,
                                      struct store_prune_pos *pos);
/* The whole pass in one call (small stores, tests). */
int64_t store_idempotency_prune(struct txn *t, uint64_t before_ms);

/* ------------------------------------------------------------ orders, exceptions */
int store_order_put(struct txn *t, const char *channel, const char *order_id, const char *json,
                    size_t len);
int store_order_get(struct txn *t, const char *channel, const char *order_id, char **json,
                    size_t *len);
/* Something that needs a human: unknown SKU in an order, oversell, drift ... */
int store_exception_add(struct txn *t, const char *kind, const char *channel, const char *ref,
                        const char *message);
typedef int (*store_exception_cb)(void *arg, uint64_t id, uint64_t ts_ms, const char *kind,
                                  const char *channel, const char *ref, const char *message);
int store_exception_each(struct txn *t, store_exception_cb cb, void *arg);

/* ------------------------------------------------------------ per-channel state (cursors, tokens) */
int store_state_get(struct txn *t, const char *channel, const char *name, char **value);
/* value NULL deletes the entry (0 also when there was none). */
int store_state_set(struct txn *t, const char *channel, const char *name, const char *value);
/* The channel's entries whose names start with `prefix` ("" = all), in name
 * order, strictly after the name `after` (NULL = from the first), at most
 * `max` of them (0 = no limit).  `value` is NUL-terminated and valid during
 * the call only.  cb returns 0 to go on, non-zero to stop (that entry counts
 * as visited).  Returns the number visited, or -1 (recorded on t). */
typedef int (*store_state_cb)(void *arg, const char *name, const char *value, size_t len);
int64_t store_state_each(struct txn *t, const char *channel, const char *prefix, const char *after,
                         size_t max, store_state_cb cb, void *arg);

#endif /* HUB_STORE_H */
