/*
 * cart_int.h - internals shared by cart.c, cart_ops.c and cart_checkout.c.
 *
 * Every asynchronous cart call is a `struct cart_op`.  Operations on one cart
 * run one at a time (later ones wait in that cart's queue), so a cart is
 * never read and written by two operations at once.  An op: load the cart,
 * refresh its holds (hold.extend each; gone ones are dropped from the line),
 * then its own step, then save and finish.
 */
#ifndef CHATGPT_CART_INT_H
#define CHATGPT_CART_INT_H

#include "cart.h"

enum cart_op_kind { OP_ADD, OP_SET, OP_REMOVE, OP_REFRESH, OP_CHECKOUT, OP_PLACE };

struct cart_op {
    struct chatgpt *g;
    enum cart_op_kind kind;
    char id[64];
    int check_owner; /* 0: ACP (no owner check) */
    char owner[160];
    char client[200];
    char sku[160];
    int64_t qty;
    char request_id[160];
    char request_key[160];
    char *token;
    int64_t confirm_total;
    cart_done_fn done;
    void *arg;

    json_t *cart;     /* working copy */
    json_t *messages; /* strings for the shopper */
    int dirty;        /* cart changed: save before finishing */
    int pending;      /* emits outstanding */
    void (*next)(struct cart_op *op); /* runs when pending reaches 0 */
    enum cart_status fail_status;
    char fail_msg[600];
    json_t *payment;  /* OP_PLACE: the authorization */
    char order_id[64];
    struct cart_op *queue_next;
};

struct cart_state {
    struct cart_op *running; /* one per cart; each heads its cart's waiting queue */
    json_t *rate;            /* client -> {"t": window start ms, "n": count} */
};

/* cart.c */
json_t *cart_load(struct chatgpt *g, const char *id);
int cart_save(struct chatgpt *g, json_t *cart);
int cart_id_valid(const char *id);
struct cart_op *cart_op_new(struct chatgpt *g, enum cart_op_kind kind, const char *id,
                            const struct cart_caller *who, cart_done_fn done, void *arg);
void cart_op_start(struct cart_op *op);
void cart_op_finish(struct cart_op *op, enum cart_status st, const json_t *result, const char *msg);
void cart_op_fail(struct cart_op *op, enum cart_status st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
void cart_op_note(struct cart_op *op, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
json_t *cart_line(json_t *cart, const char *sku);
int64_t cart_line_held(const json_t *line);
int64_t cart_units(const json_t *cart);
void cart_line_update_held(json_t *line);
/* Emit one hold event set for the op; pending++; cb gets (op, ok, message, extra). */
void cart_op_emit(struct cart_op *op, json_t *events, void (*cb)(struct cart_op *op, int ok,
                                                                 const char *msg, json_t *extra),
                  json_t *extra);
void cart_op_emit_keyed(struct cart_op *op, const char *key, json_t *events,
                        void (*cb)(struct cart_op *op, int ok, const char *msg, json_t *extra), json_t *extra);
/* Guard a group of emits: `next` runs once all of them (and the guard) are done. */
void cart_op_batch_begin(struct cart_op *op, void (*next)(struct cart_op *op));
void cart_op_batch_end(struct cart_op *op);
/* After the refresh phase: check the line-level limits, re-price from the index. */
void cart_reprice(struct cart_op *op);

/* cart_ops.c: the op-specific steps */
void cart_step_add(struct cart_op *op);
void cart_step_set(struct cart_op *op);
void cart_step_remove(struct cart_op *op);
void cart_step_refresh_done(struct cart_op *op);
/* cart_checkout.c */
void cart_step_checkout(struct cart_op *op);
void cart_step_place(struct cart_op *op);
/* Re-reserve lines that lost (part of) their hold; then op->next. */
void cart_rereserve(struct cart_op *op, void (*then)(struct cart_op *op));

#endif
