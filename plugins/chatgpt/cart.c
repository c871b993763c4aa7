/* cart.c - carts in host->state, the per-cart operation queue and the hold
 * refresh every operation starts with (cart.h, cart_int.h). */
#include "cart_int.h"

#include <ctype.h>
#include <openssl/sha.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog_index.h"
#include "coupons.h"
#include "holds.h"
#include "totals.h"

const char *cart_status_code(enum cart_status s)
{
    static const char *const codes[] = {"ok", "not_found", "invalid", "out_of_stock", "limit",
                                        "prohibited", "coupon", "state", "payment", "internal"};
    return (unsigned)s < sizeof codes / sizeof codes[0] ? codes[s] : "internal";
}

int cart_module_init(struct chatgpt *g)
{
    g->carts = calloc(1, sizeof *g->carts);
    if (!g->carts) return -1;
    g->carts->rate = json_object();
    return 0;
}

void cart_module_destroy(struct chatgpt *g)
{
    if (!g->carts) return;
    json_decref(g->carts->rate);
    free(g->carts);
    g->carts = NULL;
}

int cart_id_valid(const char *id)
{
    if (!id || strlen(id) != 37 || strncmp(id, "cart_", 5) != 0) return 0;
    for (const char *p = id + 5; *p; p++)
        if (!isxdigit((unsigned char)*p) || isupper((unsigned char)*p)) return 0;
    return 1;
}

json_t *cart_load(struct chatgpt *g, const char *id)
{
    if (!cart_id_valid(id)) return NULL;
    char key[64];
    snprintf(key, sizeof key, "cart:%s", id);
    char *txt = g->host->state_get(g->inst, key);
    json_t *c = txt ? json_loads(txt, 0, NULL) : NULL;
    g->host->free(txt);
    return json_is_object(c) ? c : (json_decref(c), NULL);
}

int cart_save(struct chatgpt *g, json_t *cart)
{
    char key[64];
    snprintf(key, sizeof key, "cart:%s", json_string_value(json_object_get(cart, "id")));
    json_object_set_new(cart, "updated_ms", json_integer((json_int_t)g->host->now_ms(g->inst)));
    char *txt = chatgpt_dump(cart);
    int rc = txt ? g->host->state_set(g->inst, key, txt) : -1;
    free(txt);
    return rc;
}

static int owner_ok(const json_t *cart, const char *owner)
{
    const char *co = json_string_value(json_object_get(cart, "owner"));
    return !owner || !*owner || !co || !*co || strcmp(co, owner) == 0;
}

json_t *cart_get(struct chatgpt *g, const char *id, const char *owner)
{
    json_t *c = cart_load(g, id);
    if (c && !owner_ok(c, owner)) {
        json_decref(c);
        return NULL;
    }
    return c;
}

/* Fixed one-minute windows per client. */
static int rate_ok(struct chatgpt *g, const char *client, uint64_t now)
{
    json_t *rate = g->carts->rate;
    if (json_object_size(rate) > 10000) { /* forget finished windows */
        const char *k;
        json_t *v, *tmp;
        json_object_foreach_safe(rate, tmp, k, v)
            if (now - (uint64_t)json_integer_value(json_object_get(v, "t")) >= 60000) json_object_del(rate, k);
    }
    json_t *e = json_object_get(rate, client);
    if (!e || now - (uint64_t)json_integer_value(json_object_get(e, "t")) >= 60000) {
        json_object_set_new(rate, client, json_pack("{s:I, s:i}", "t", (json_int_t)now, "n", 1));
        return 1;
    }
    json_int_t n = json_integer_value(json_object_get(e, "n"));
    if (n >= g->limits.max_carts_per_minute) return 0;
    json_object_set_new(e, "n", json_integer(n + 1));
    return 1;
}

json_t *cart_create(struct chatgpt *g, const struct cart_caller *who, enum cart_status *status,
                    char *err, size_t err_len)
{
    uint64_t now = g->host->now_ms(g->inst);
    const char *client = who && who->client ? who->client : "anonymous";
    if (!rate_ok(g, client, now)) {
        *status = CART_ELIMIT;
        snprintf(err, err_len, "too many new carts from this client (at most %lld a minute); reuse your cart_id",
                 (long long)g->limits.max_carts_per_minute);
        return NULL;
    }
    char id[40] = "cart_";
    if (chatgpt_random_hex(id + 5, 16) != 0) {
        *status = CART_EINTERNAL;
        snprintf(err, err_len, "cannot create a cart id");
        return NULL;
    }
    const char *cur = g->pricing.currency[0] ? g->pricing.currency : catalog_index_currency(g->index);
    json_t *c = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:[], s:n, s:I, s:[]}", "id", id, "client",
                          client, "status", "open", "currency", cur ? cur : "EUR", "created_ms",
                          (json_int_t)now, "updated_ms", (json_int_t)now, "lines", "coupon", "hold_seq",
                          (json_int_t)0, "requests");
    if (who && who->owner && *who->owner) json_object_set_new(c, "owner", json_string(who->owner));
    if (cart_save(g, c) != 0) {
        json_decref(c);
        *status = CART_EINTERNAL;
        snprintf(err, err_len, "cannot store the cart; try again");
        return NULL;
    }
    *status = CART_OK;
    return c;
}

int cart_set_account(struct chatgpt *g, json_t *cart, const char *account)
{
    if (!account || !*account) return 0;
    json_object_set_new(cart, "account", json_string(account));
    return cart_save(g, cart);
}

json_t *cart_line(json_t *cart, const char *sku)
{
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(cart, "lines"), i, l) {
        const char *s = json_string_value(json_object_get(l, "sku"));
        if (s && strcmp(s, sku) == 0) return l;
    }
    return NULL;
}

int64_t cart_line_held(const json_t *line)
{
    int64_t n = 0;
    size_t i;
    json_t *h;
    json_array_foreach(json_object_get(line, "holds"), i, h) n += json_integer_value(json_object_get(h, "qty"));
    return n;
}

void cart_line_update_held(json_t *line)
{
    json_object_set_new(line, "held", json_boolean(cart_line_held(line) >= json_integer_value(json_object_get(line, "quantity"))));
}

int64_t cart_units(const json_t *cart)
{
    int64_t n = 0;
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(cart, "lines"), i, l) n += json_integer_value(json_object_get(l, "quantity"));
    return n;
}

/* ------------------------------------------------------------------ ops */

struct cart_op *cart_op_new(struct chatgpt *g, enum cart_op_kind kind, const char *id,
                            const struct cart_caller *who, cart_done_fn done, void *arg)
{
    struct cart_op *op = calloc(1, sizeof *op);
    if (!op) abort();
    op->g = g;
    op->kind = kind;
    snprintf(op->id, sizeof op->id, "%s", id ? id : "");
    op->check_owner = who != NULL;
    if (who && who->owner) snprintf(op->owner, sizeof op->owner, "%s", who->owner);
    snprintf(op->client, sizeof op->client, "%s", who && who->client ? who->client : "anonymous");
    op->done = done;
    op->arg = arg;
    op->messages = json_array();
    op->confirm_total = -1;
    return op;
}

static void op_free(struct cart_op *op)
{
    json_decref(op->cart);
    json_decref(op->messages);
    json_decref(op->payment);
    free(op->token);
    free(op);
}

static void op_run(struct cart_op *op);

void cart_op_finish(struct cart_op *op, enum cart_status st, const json_t *result, const char *msg)
{
    struct chatgpt *g = op->g;
    if (op->dirty && op->cart) cart_save(g, op->cart);
    /* g->carts->running lists every op, running or waiting, in arrival order */
    struct cart_op **pp = &g->carts->running;
    while (*pp && *pp != op) pp = &(*pp)->queue_next;
    if (*pp) *pp = op->queue_next;
    if (result && result == op->cart && json_array_size(op->messages))
        json_object_set(op->cart, "_messages", op->messages);
    op->done(op->arg, st, result, msg);
    struct cart_op *w = NULL;
    for (struct cart_op *o = g->carts->running; o; o = o->queue_next)
        if (o->pending == -1 && strcmp(o->id, op->id) == 0) { w = o; break; }
    op_free(op);
    if (w) {
        w->pending = 0;
        op_run(w);
    }
}

int cart_busy(struct chatgpt *g, const char *id)
{
    for (struct cart_op *o = g->carts->running; o; o = o->queue_next)
        if (strcmp(o->id, id) == 0) return 1;
    return 0;
}

void cart_op_fail(struct cart_op *op, enum cart_status st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(op->fail_msg, sizeof op->fail_msg, fmt, ap);
    va_end(ap);
    /* a refusal changes nothing but what the refresh found (expired holds) */
    cart_op_finish(op, st, op->cart, op->fail_msg);
}

void cart_op_note(struct cart_op *op, const char *fmt, ...)
{
    char m[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    json_array_append_new(op->messages, json_string(m));
}

struct emit_arg {
    struct cart_op *op;
    void (*cb)(struct cart_op *op, int ok, const char *msg, json_t *extra);
    json_t *extra;
};

static void emit_done(void *arg, int ok, const char *msg)
{
    struct emit_arg *e = arg;
    struct cart_op *op = e->op;
    if (e->cb) e->cb(op, ok, msg, e->extra);
    json_decref(e->extra);
    free(e);
    if (--op->pending == 0 && op->next) {
        void (*next)(struct cart_op *) = op->next;
        op->next = NULL;
        next(op);
    }
}

void cart_op_emit(struct cart_op *op, json_t *events,
                  void (*cb)(struct cart_op *op, int ok, const char *msg, json_t *extra), json_t *extra)
{
    cart_op_emit_keyed(op, NULL, events, cb, extra);
}

void cart_op_emit_keyed(struct cart_op *op, const char *key, json_t *events,
                        void (*cb)(struct cart_op *op, int ok, const char *msg, json_t *extra), json_t *extra)
{
    struct emit_arg *e = calloc(1, sizeof *e);
    if (!e) abort();
    e->op = op;
    e->cb = cb;
    e->extra = extra;
    op->pending++;
    holds_emit(op->g, key, events, emit_done, e);
}

void cart_op_batch_begin(struct cart_op *op, void (*next)(struct cart_op *op))
{
    op->next = next;
    op->pending++;
}

void cart_op_batch_end(struct cart_op *op)
{
    if (--op->pending == 0 && op->next) {
        void (*next)(struct cart_op *) = op->next;
        op->next = NULL;
        next(op);
    }
}

/* ---------------------------------------------------------------- refresh */

static void on_extended(struct cart_op *op, int ok, const char *msg, json_t *extra)
{
    if (ok) return;
    const char *hid = json_string_value(json_object_get(extra, "hold"));
    const char *sku = json_string_value(json_object_get(extra, "sku"));
    if (!strstr(msg, "no hold")) { /* not an expiry: keep the hold, say so */
        cart_op_note(op, "could not refresh the reservation of %s: %s", sku, msg);
        return;
    }
    json_t *line = cart_line(op->cart, sku);
    json_t *holds = json_object_get(line, "holds");
    size_t i;
    json_t *h;
    json_array_foreach(holds, i, h) {
        if (strcmp(json_string_value(json_object_get(h, "id")), hid) == 0) {
            cart_op_note(op, "the reservation of %lld x %s expired", (long long)json_integer_value(json_object_get(h, "qty")),
                         json_string_value(json_object_get(line, "title")));
            json_array_remove(holds, i);
            break;
        }
    }
    cart_line_update_held(line);
    op->dirty = 1;
}

/* Is the cart's updated_ms old enough to be rewritten on mere activity? */
static int touch_due(struct chatgpt *g, const json_t *cart)
{
    if (g->cart_retention_ms <= 0) return 0;
    int64_t every = g->cart_retention_ms / 4 < 60000 ? g->cart_retention_ms / 4 : 60000;
    int64_t at = (int64_t)json_integer_value(json_object_get(cart, "updated_ms"));
    return (int64_t)g->host->now_ms(g->inst) - at >= every;
}

static void after_refresh(struct cart_op *op)
{
    switch (op->kind) {
    case OP_ADD: cart_step_add(op); break;
    case OP_SET: cart_step_set(op); break;
    case OP_REMOVE: cart_step_remove(op); break;
    case OP_REFRESH: cart_step_refresh_done(op); break;
    case OP_CHECKOUT: cart_step_checkout(op); break;
    case OP_PLACE: cart_step_place(op); break;
    }
}

static void op_run(struct cart_op *op)
{
    struct chatgpt *g = op->g;
    op->cart = cart_get(g, op->id, op->check_owner ? op->owner : NULL);
    if (!op->cart) {
        cart_op_fail(op, CART_ENOTFOUND, "no cart '%.64s': call add_to_cart without cart_id to start a new cart", op->id);
        return;
    }
    const char *status = json_string_value(json_object_get(op->cart, "status"));
    if (status && strcmp(status, "open") != 0 && op->kind != OP_PLACE) {
        if (op->kind == OP_REFRESH) { /* viewing an ordered cart is fine */
            cart_op_finish(op, CART_OK, op->cart, NULL);
            return;
        }
        cart_op_fail(op, CART_ESTATE, "cart %s is %s%s%s; start a new cart with add_to_cart (no cart_id)", op->id, status,
                     json_object_get(op->cart, "order_id") ? " as order " : "",
                     json_object_get(op->cart, "order_id") ? json_string_value(json_object_get(op->cart, "order_id")) : "");
        return;
    }
    if (status && strcmp(status, "open") != 0) { /* OP_PLACE on an ordered cart: the order */
        after_refresh(op);
        return;
    }
    if (touch_due(g, op->cart)) op->dirty = 1; /* activity: the retention sweep reads updated_ms */
    op->pending = 0;
    cart_op_batch_begin(op, after_refresh);
    size_t i, k;
    json_t *l, *h;
    json_array_foreach(json_object_get(op->cart, "lines"), i, l) {
        json_array_foreach(json_object_get(l, "holds"), k, h) {
            json_t *extra = json_pack("{s:O, s:O}", "hold", json_object_get(h, "id"), "sku", json_object_get(l, "sku"));
            cart_op_emit(op, hold_extend_ev(json_string_value(json_object_get(h, "id"))), on_extended, extra);
        }
    }
    cart_op_batch_end(op);
}

void cart_op_start(struct cart_op *op)
{
    struct chatgpt *g = op->g;
    int busy = 0;
    struct cart_op **pp = &g->carts->running;
    for (; *pp; pp = &(*pp)->queue_next)
        if (strcmp((*pp)->id, op->id) == 0) busy = 1;
    *pp = op; /* append: waiting ops keep their order */
    if (busy) {
        op->pending = -1; /* waiting */
        return;
    }
    op_run(op);
}

/* ---------------------------------------------------------------- public calls */

static void start(struct chatgpt *g, enum cart_op_kind kind, const char *id, const struct cart_caller *who,
                  const char *sku, int64_t qty, cart_done_fn done, void *arg)
{
    struct cart_op *op = cart_op_new(g, kind, id, who, done, arg);
    if (sku) snprintf(op->sku, sizeof op->sku, "%s", sku);
    op->qty = qty;
    cart_op_start(op);
}

void cart_add(struct chatgpt *g, const char *id, const struct cart_caller *who, const char *sku,
              int64_t qty, const char *request_id, cart_done_fn done, void *arg)
{
    struct cart_op *op = cart_op_new(g, OP_ADD, id, who, done, arg);
    snprintf(op->sku, sizeof op->sku, "%s", sku);
    op->qty = qty;
    if (request_id) snprintf(op->request_id, sizeof op->request_id, "%s", request_id);
    cart_op_start(op);
}

void cart_set_qty(struct chatgpt *g, const char *id, const struct cart_caller *who, const char *sku,
                  int64_t qty, cart_done_fn done, void *arg)
{
    start(g, OP_SET, id, who, sku, qty, done, arg);
}

void cart_remove(struct chatgpt *g, const char *id, const struct cart_caller *who, const char *sku,
                 cart_done_fn done, void *arg)
{
    start(g, OP_REMOVE, id, who, sku, 0, done, arg);
}

void cart_refresh(struct chatgpt *g, const char *id, const struct cart_caller *who, cart_done_fn done,
                  void *arg)
{
    start(g, OP_REFRESH, id, who, NULL, 0, done, arg);
}

void cart_checkout(struct chatgpt *g, const char *id, const struct cart_caller *who, cart_done_fn done,
                   void *arg)
{
    start(g, OP_CHECKOUT, id, who, NULL, 0, done, arg);
}

void cart_place_order(struct chatgpt *g, const char *id, const struct cart_caller *who,
                      const char *request_key, const char *payment_token, int64_t confirm_total,
                      cart_done_fn done, void *arg)
{
    struct cart_op *op = cart_op_new(g, OP_PLACE, id, who, done, arg);
    if (request_key) snprintf(op->request_key, sizeof op->request_key, "%s", request_key);
    if (payment_token) op->token = strdup(payment_token);
    op->confirm_total = confirm_total;
    cart_op_start(op);
}

enum cart_status cart_apply_coupon(struct chatgpt *g, const char *id, const struct cart_caller *who,
                                   const char *code, json_t **cart_out, char *err, size_t err_len)
{
    *cart_out = NULL;
    json_t *cart = cart_get(g, id, who ? who->owner : NULL);
    if (!cart) {
        snprintf(err, err_len, "no cart '%.64s': call add_to_cart without cart_id to start a new cart", id ? id : "");
        return CART_ENOTFOUND;
    }
    if (cart_busy(g, id)) {
        snprintf(err, err_len, "cart %s is being changed by another call; try again", id);
        *cart_out = cart;
        return CART_ESTATE;
    }
    if (strcmp(json_string_value(json_object_get(cart, "status")), "open") != 0) {
        snprintf(err, err_len, "cart %s is %s; coupons apply to open carts only", id,
                 json_string_value(json_object_get(cart, "status")));
        *cart_out = cart;
        return CART_ESTATE;
    }
    if (!code || !*code) {
        json_object_set_new(cart, "coupon", json_null());
    } else {
        const struct coupon *c = coupon_find(&g->pricing, code);
        if (!c) {
            snprintf(err, err_len, "unknown coupon code '%.40s'", code);
            *cart_out = cart;
            return CART_ECOUPON;
        }
        json_t *t = cart_totals(g, cart);
        int64_t subtotal = json_integer_value(json_object_get(t, "subtotal"));
        json_decref(t);
        if (coupon_check(c, subtotal, json_string_value(json_object_get(cart, "currency")),
                         g->host->now_ms(g->inst), err, err_len) != 0) {
            *cart_out = cart;
            return CART_ECOUPON;
        }
        json_object_set_new(cart, "coupon", json_string(c->code));
    }
    if (cart_save(g, cart) != 0) {
        snprintf(err, err_len, "cannot store the cart; try again");
        *cart_out = cart;
        return CART_EINTERNAL;
    }
    *cart_out = cart;
    return CART_OK;
}

json_t *cart_totals(struct chatgpt *g, const json_t *cart)
{
    const char *cur = json_string_value(json_object_get(cart, "currency"));
    const json_t *lines = json_object_get(cart, "lines");
    const char *code = json_string_value(json_object_get(cart, "coupon"));
    const struct coupon *c = code ? coupon_find(&g->pricing, code) : NULL;
    char why[300] = "";
    if (code && !c) snprintf(why, sizeof why, "coupon %s is no longer offered", code);
    if (c) {
        json_t *plain = totals_compute(&g->pricing, cur, lines, NULL);
        if (coupon_check(c, json_integer_value(json_object_get(plain, "subtotal")), cur, g->host->now_ms(g->inst),
                         why, sizeof why) != 0) {
            json_object_set_new(plain, "coupon_error", json_string(why));
            return plain;
        }
        json_decref(plain);
    }
    json_t *t = totals_compute(&g->pricing, cur, lines, c);
    if (why[0]) json_object_set_new(t, "coupon_error", json_string(why));
    return t;
}

void cart_hash(const json_t *cart, char out[65])
{
    json_t *h = json_object();
    json_t *lines = json_array();
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(cart, "lines"), i, l)
        json_array_append_new(lines, json_pack("{s:O, s:O, s:O}", "sku", json_object_get(l, "sku"), "quantity",
                                               json_object_get(l, "quantity"), "unit_amount",
                                               json_object_get(l, "unit_amount")));
    json_object_set_new(h, "lines", lines);
    json_object_set(h, "coupon", json_object_get(cart, "coupon") ? json_object_get(cart, "coupon") : json_null());
    json_object_set(h, "currency", json_object_get(cart, "currency"));
    char *txt = json_dumps(h, JSON_COMPACT | JSON_SORT_KEYS);
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)txt, strlen(txt), md);
    for (int k = 0; k < SHA256_DIGEST_LENGTH; k++) snprintf(out + 2 * k, 3, "%02x", md[k]);
    free(txt);
    json_decref(h);
}

void cart_reprice(struct cart_op *op)
{
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(op->cart, "lines"), i, l) {
        const json_t *e = catalog_index_variant(op->g->index, json_string_value(json_object_get(l, "sku")));
        if (!e) continue;
        json_int_t now = json_integer_value(json_object_get(json_object_get(e, "price"), "amount"));
        json_int_t was = json_integer_value(json_object_get(l, "unit_amount"));
        if (now != was) {
            char a[48], b[48];
            const char *cur = json_string_value(json_object_get(op->cart, "currency"));
            totals_format(was, cur, a, sizeof a);
            totals_format(now, cur, b, sizeof b);
            cart_op_note(op, "the price of %s changed from %s to %s", json_string_value(json_object_get(l, "title")), a, b);
            json_object_set_new(l, "unit_amount", json_integer(now));
            op->dirty = 1;
        }
    }
}

void cart_release(struct chatgpt *g, const char *id, const char *reason)
{
    json_t *cart = cart_load(g, id);
    if (!cart) return;
    size_t i, k;
    json_t *l, *h;
    json_array_foreach(json_object_get(cart, "lines"), i, l) {
        json_array_foreach(json_object_get(l, "holds"), k, h) {
            json_t *ev = hold_release_ev(json_string_value(json_object_get(h, "id")), reason);
            char *txt = chatgpt_dump(ev);
            g->host->emit(g->inst, NULL, txt, NULL, NULL);
            free(txt);
            json_decref(ev);
        }
        json_object_set_new(l, "holds", json_array());
        json_object_set_new(l, "held", json_false());
    }
    if (strcmp(json_string_value(json_object_get(cart, "status")), "open") == 0)
        json_object_set_new(cart, "status", json_string("released"));
    cart_save(g, cart);
    json_decref(cart);
}
