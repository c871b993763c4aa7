/* acp_ops.c - ACP create / update / get / cancel over the cart service.
 *
 * Every body is checked completely (acp_validate.c, then the items against the
 * catalog, limits and the session's state) before anything changes: bad input
 * answers an Error and changes no cart and no stock.  Then the cart follows the
 * requested lines one operation at a time (removals and decreases first, so
 * freed units and the per-cart limit are available to the increases); a line
 * the store cannot hold is kept in the session with an out_of_stock message. */
#include "acp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cart.h"
#include "catalog_index.h"

static const struct cart_caller ACP_WHO = {NULL, ACP_CLIENT};

static json_int_t jint(const json_t *o, const char *k) { return json_integer_value(json_object_get(o, k)); }
static const char *jstr(const json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

/* ------------------------------------------------------------ requested lines */

/* line_items [{id}] -> [{sku, quantity}] (a repeated id adds a unit), checked
 * against the catalog and the limits.  NULL after answering the error. */
static json_t *requested_lines(struct acp_req *r, const json_t *items)
{
    struct chatgpt *g = r->g;
    json_t *out = json_array();
    int64_t units = 0;
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) {
        const char *sku = jstr(it, "id");
        char param[64];
        snprintf(param, sizeof param, "$.line_items[%zu].id", i);
        const json_t *var = catalog_index_variant(g->index, sku);
        if (!var || !json_is_true(json_object_get(var, "active"))) {
            json_decref(out);
            acp_reply_error(r, 400, "invalid_request", "invalid_item_id", param, "The item ID '%s' does not exist.", sku);
            return NULL;
        }
        if (json_is_true(json_object_get(var, "prohibited"))) {
            json_decref(out);
            acp_reply_error(r, 400, "invalid_request", "item_not_sellable", param,
                            "The item '%s' cannot be sold through this channel (prohibited category).", sku);
            return NULL;
        }
        json_t *found = NULL, *l;
        size_t k;
        json_array_foreach(out, k, l) if (strcmp(jstr(l, "sku"), sku) == 0) found = l;
        if (found) json_object_set_new(found, "quantity", json_integer(jint(found, "quantity") + 1));
        else json_array_append_new(out, json_pack("{s:s, s:i}", "sku", sku, "quantity", 1));
        if (found && jint(found, "quantity") > g->limits.max_units_per_sku) {
            json_decref(out);
            acp_reply_error(r, 400, "invalid_request", "quantity_exceeded", param,
                            "at most %lld units of '%s' per order", (long long)g->limits.max_units_per_sku, sku);
            return NULL;
        }
        units++;
    }
    if (units > g->limits.max_units_per_cart || (int64_t)json_array_size(out) > g->limits.max_lines) {
        json_decref(out);
        acp_reply_error(r, 400, "invalid_request", "quantity_exceeded", "$.line_items",
                        "at most %lld units in %lld different items per order", (long long)g->limits.max_units_per_cart,
                        (long long)g->limits.max_lines);
        return NULL;
    }
    return out;
}

/* selected_fulfillment_options must name our one option and this session's items. */
static int check_selected(struct acp_req *r, const json_t *sel, const json_t *requested)
{
    size_t i, k, m;
    json_t *o, *id, *rq;
    json_array_foreach(sel, i, o) {
        char param[96];
        snprintf(param, sizeof param, "$.selected_fulfillment_options[%zu].option_id", i);
        if (strcmp(jstr(o, "type"), "shipping") != 0 || strcmp(jstr(o, "option_id"), "standard") != 0) {
            acp_reply_error(r, 400, "invalid_request", "invalid_value", param,
                            "unknown fulfillment option '%s' (this merchant offers: shipping 'standard')",
                            jstr(o, "option_id"));
            return -1;
        }
        json_array_foreach(json_object_get(o, "item_ids"), k, id) {
            const char *s = json_string_value(id);
            int ok = 0;
            json_array_foreach(requested, m, rq) {
                const char *sku = jstr(rq, "sku");
                if (strcmp(s, sku) == 0 || (strncmp(s, "li_", 3) == 0 && strcmp(s + 3, sku) == 0)) ok = 1;
            }
            if (!ok) {
                snprintf(param, sizeof param, "$.selected_fulfillment_options[%zu].item_ids[%zu]", i, k);
                acp_reply_error(r, 400, "invalid_request", "invalid_value", param,
                                "'%s' is not an item of this checkout session", s);
                return -1;
            }
        }
    }
    return 0;
}

/* ------------------------------------------------------------ applying to the cart */

struct apply {
    struct acp_req *r;
    json_t *s;        /* the session being changed (owned) */
    json_t *ops;      /* [{op: "remove"|"set"|"add", sku, qty}] */
    size_t next;
    int created;      /* answer 201 */
    json_t *codes;    /* discount codes to apply afterwards, or NULL (borrowed from r->body) */
};

static void apply_next(struct apply *a);

static void finish(struct apply *a)
{
    struct acp_req *r = a->r;
    struct chatgpt *g = r->g;
    const char *cart_id = jstr(a->s, "cart_id");
    if (a->codes) { /* one coupon per cart: the first code; the others are refused */
        json_t *rejected = json_array();
        const char *first = json_string_value(json_array_get(a->codes, 0));
        char err[300] = "";
        json_t *cart = NULL;
        enum cart_status st = cart_apply_coupon(g, cart_id, &ACP_WHO, first ? first : "", &cart, err, sizeof err);
        json_decref(cart);
        if (st != CART_OK && first) { /* the codes replace the previous ones: none applies now */
            json_t *cleared = NULL;
            char e2[64];
            cart_apply_coupon(g, cart_id, &ACP_WHO, "", &cleared, e2, sizeof e2);
            json_decref(cleared);
            const char *reason = strcasestr(err, "expired")   ? "discount_code_expired"
                                 : strcasestr(err, "minimum") ? "discount_code_minimum_not_met"
                                                              : "discount_code_invalid";
            json_array_append_new(rejected, json_pack("{s:i, s:s, s:s, s:s}", "index", 0, "code", first, "reason",
                                                      reason, "message", err[0] ? err : "not applied"));
        }
        for (size_t i = 1; i < json_array_size(a->codes); i++)
            json_array_append_new(rejected,
                                  json_pack("{s:I, s:s, s:s, s:s}", "index", (json_int_t)i, "code",
                                            json_string_value(json_array_get(a->codes, i)), "reason",
                                            "discount_code_combination_disallowed", "message",
                                            "only one discount code applies per order"));
        json_object_set(a->s, "codes", a->codes);
        json_object_set_new(a->s, "rejected", rejected);
    }
    json_object_del(a->s, "payment_error");
    if (acp_session_save(g, a->s) != 0) {
        acp_reply_error(r, 503, "service_unavailable", "storage", NULL, "the checkout session could not be saved; retry");
    } else {
        acp_reply(r, a->created ? 201 : 200, acp_session_view(g, a->s));
    }
    json_decref(a->s);
    json_decref(a->ops);
    free(a);
}

static void on_cart_op(void *arg, enum cart_status status, const json_t *result, const char *message)
{
    struct apply *a = arg;
    json_t *op = json_array_get(a->ops, a->next - 1);
    const char *sku = jstr(op, "sku");
    json_t *errors = json_object_get(a->s, "line_errors");
    switch (status) {
    case CART_OK:
        json_object_del(errors, sku);
        break;
    case CART_ESTOCK:
    case CART_ELIMIT:
    case CART_EINVALID:
    case CART_EPOLICY: {
        const char *code = status == CART_ESTOCK ? "out_of_stock" : status == CART_ELIMIT ? "quantity_exceeded"
                         : status == CART_EPOLICY ? "unsupported" : "invalid";
        json_object_set_new(errors, sku, json_pack("{s:s, s:s}", "code", code, "message",
                                                   message && *message ? message : cart_status_code(status)));
        break;
    }
    default: { /* the cart is gone or the store failed: nothing more can be done now */
        struct acp_req *r = a->r;
        json_decref(a->s);
        json_decref(a->ops);
        free(a);
        if (status == CART_EINTERNAL || status == CART_ESTATE)
            acp_reply_error(r, 503, "service_unavailable", "cart_unavailable", NULL, "%s",
                            message && *message ? message : "the cart could not be changed now; retry");
        else acp_reply_error(r, 500, "processing_error", cart_status_code(status), NULL, "%s",
                             message && *message ? message : "the session's cart is gone");
        return;
    }
    }
    (void)result;
    apply_next(a);
}

static void apply_next(struct apply *a)
{
    struct chatgpt *g = a->r->g;
    if (a->next >= json_array_size(a->ops)) {
        finish(a);
        return;
    }
    json_t *op = json_array_get(a->ops, a->next++);
    const char *kind = jstr(op, "op"), *sku = jstr(op, "sku"), *cart_id = jstr(a->s, "cart_id");
    int64_t qty = jint(op, "qty");
    if (strcmp(kind, "remove") == 0) {
        cart_remove(g, cart_id, &ACP_WHO, sku, on_cart_op, a);
    } else if (strcmp(kind, "set") == 0) {
        cart_set_qty(g, cart_id, &ACP_WHO, sku, qty, on_cart_op, a);
    } else {
        char rid[200];
        snprintf(rid, sizeof rid, "acp:%.40s:%s", a->r->body_hash, sku);
        cart_add(g, cart_id, &ACP_WHO, sku, qty, rid, on_cart_op, a);
    }
}

/* The cart operations that take the cart to `requested`. */
static json_t *plan(const json_t *cart, const json_t *requested)
{
    json_t *shrink = json_array(), *grow = json_array();
    size_t i, k;
    json_t *l, *rq;
    json_array_foreach(json_object_get(cart, "lines"), i, l) {
        const char *sku = jstr(l, "sku");
        int64_t want = 0;
        json_array_foreach(requested, k, rq) if (strcmp(jstr(rq, "sku"), sku) == 0) want = jint(rq, "quantity");
        if (want == 0) json_array_append_new(shrink, json_pack("{s:s, s:s}", "op", "remove", "sku", sku));
        else if (want < jint(l, "quantity"))
            json_array_append_new(shrink, json_pack("{s:s, s:s, s:I}", "op", "set", "sku", sku, "qty", (json_int_t)want));
    }
    json_array_foreach(requested, k, rq) {
        const char *sku = jstr(rq, "sku");
        int64_t have = 0;
        int held = 1;
        json_array_foreach(json_object_get(cart, "lines"), i, l) if (strcmp(jstr(l, "sku"), sku) == 0) {
            have = jint(l, "quantity");
            held = !json_is_false(json_object_get(l, "held"));
        }
        int64_t want = jint(rq, "quantity");
        if (have == want && !held) { /* the hold lapsed: take the line again */
            json_array_append_new(shrink, json_pack("{s:s, s:s}", "op", "remove", "sku", sku));
            have = 0;
        }
        if (have == 0) json_array_append_new(grow, json_pack("{s:s, s:s, s:I}", "op", "add", "sku", sku, "qty", (json_int_t)want));
        else if (want > have)
            json_array_append_new(grow, json_pack("{s:s, s:s, s:I}", "op", "set", "sku", sku, "qty", (json_int_t)want));
    }
    json_array_extend(shrink, grow);
    json_decref(grow);
    return shrink;
}

static void start_apply(struct acp_req *r, json_t *s, const json_t *cart, int created)
{
    struct apply *a = calloc(1, sizeof *a);
    if (!a) abort();
    a->r = r;
    a->s = s;
    a->created = created;
    json_t *requested = json_object_get(s, "requested");
    a->ops = plan(cart, requested);
    /* errors of lines no longer asked for are forgotten */
    json_t *errors = json_object_get(s, "line_errors"), *keep = json_object();
    size_t k, i;
    json_t *rq, *op;
    json_array_foreach(requested, k, rq) {
        const char *sku = jstr(rq, "sku");
        json_t *e = json_object_get(errors, sku);
        int touched = 0;
        json_array_foreach(a->ops, i, op) if (strcmp(jstr(op, "sku"), sku) == 0) touched = 1;
        if (e && touched) json_object_set(keep, sku, e); /* its operation will clear or renew it */
    }
    json_object_set_new(s, "line_errors", keep);
    json_t *d = json_object_get(r->body, "discounts");
    a->codes = json_object_get(d, "codes") ? json_object_get(d, "codes") : json_object_get(r->body, "coupons");
    apply_next(a);
}

/* ------------------------------------------------------------ operations */

void acp_op_create(struct acp_req *r)
{
    struct chatgpt *g = r->g;
    const char *want = acp_currency(g);
    const char *cur = jstr(r->body, "currency");
    if (!want) {
        acp_reply_error(r, 503, "service_unavailable", "catalog_unavailable", NULL,
                        "the catalog is not loaded yet; retry shortly");
        return;
    }
    if (strcasecmp(cur, want) != 0) {
        acp_reply_error(r, 400, "invalid_request", "invalid_currency", "$.currency",
                        "this merchant sells in %s, not '%s'", want, cur);
        return;
    }
    json_t *requested = requested_lines(r, json_object_get(r->body, "line_items"));
    if (!requested) return;
    enum cart_status status = CART_OK;
    char err[300] = "";
    json_t *cart = cart_create(g, &ACP_WHO, &status, err, sizeof err);
    if (!cart) {
        json_decref(requested);
        if (status == CART_ELIMIT) acp_reply_error(r, 429, "invalid_request", "rate_limited", NULL, "%s", err);
        else acp_reply_error(r, 503, "service_unavailable", "cart_unavailable", NULL, "%s", err[0] ? err : "retry");
        return;
    }
    char id[40];
    if (acp_session_new_id(id) != 0) {
        json_decref(requested);
        cart_release(g, jstr(cart, "id"), "acp: no session id");
        json_decref(cart);
        acp_reply_error(r, 503, "service_unavailable", "internal", NULL, "no randomness available; retry");
        return;
    }
    snprintf(r->session_id, sizeof r->session_id, "%s", id);
    r->locked = acp_session_lock(g, id);
    uint64_t now = g->host->now_ms(g->inst);
    json_t *s = json_pack("{s:s, s:O, s:s, s:s, s:o, s:{}, s:I}", "id", id, "cart_id", json_object_get(cart, "id"),
                          "status", "open", "currency", want, "requested", requested, "line_errors", "created_ms",
                          (json_int_t)now);
    static const char *const copy[] = {"buyer", "fulfillment_details", "order_notes", "locale"};
    for (size_t i = 0; i < sizeof copy / sizeof *copy; i++)
        if (json_object_get(r->body, copy[i])) json_object_set(s, copy[i], json_object_get(r->body, copy[i]));
    funnel_count(g, "cart_created");
    funnel_count(g, "checkout_started");
    start_apply(r, s, cart, 1);
    json_decref(cart);
}

static json_t *load_or_404(struct acp_req *r)
{
    json_t *s = acp_session_load(r->g, r->session_id);
    if (!s) acp_reply_error(r, 404, "invalid_request", "not_found", NULL, "no checkout session '%s'", r->session_id);
    return s;
}

void acp_op_get(struct acp_req *r)
{
    json_t *s = load_or_404(r);
    if (!s) return;
    acp_reply(r, 200, acp_session_view(r->g, s));
    json_decref(s);
}

void acp_op_update(struct acp_req *r)
{
    struct chatgpt *g = r->g;
    json_t *s = load_or_404(r);
    if (!s) return;
    const char *status = jstr(s, "status");
    if (strcmp(status, "open") != 0) {
        acp_reply_error(r, 405, "invalid_request", "session_not_modifiable", NULL,
                        "checkout session '%s' is %s and can no longer be updated", r->session_id, status);
        json_decref(s);
        return;
    }
    json_t *items = json_object_get(r->body, "line_items");
    json_t *requested = items ? requested_lines(r, items) : json_incref(json_object_get(s, "requested"));
    if (!requested) {
        json_decref(s);
        return;
    }
    json_t *sel = json_object_get(r->body, "selected_fulfillment_options");
    if (sel && check_selected(r, sel, requested) != 0) {
        json_decref(requested);
        json_decref(s);
        return;
    }
    json_t *cart = cart_get(g, jstr(s, "cart_id"), NULL);
    if (!cart) {
        json_decref(requested);
        json_decref(s);
        acp_reply_error(r, 500, "processing_error", "cart_gone", NULL, "the session's cart is gone");
        return;
    }
    json_object_set_new(s, "requested", requested);
    static const char *const copy[] = {"buyer", "fulfillment_details", "order_notes", "selected_fulfillment_options"};
    for (size_t i = 0; i < sizeof copy / sizeof *copy; i++)
        if (json_object_get(r->body, copy[i])) json_object_set(s, copy[i], json_object_get(r->body, copy[i]));
    if (items && !sel) json_object_del(s, "selected_fulfillment_options"); /* the default follows the items */
    start_apply(r, s, cart, 0);
    json_decref(cart);
}

void acp_op_cancel(struct acp_req *r)
{
    struct chatgpt *g = r->g;
    json_t *s = load_or_404(r);
    if (!s) return;
    const char *status = jstr(s, "status");
    if (strcmp(status, "open") != 0) {
        acp_reply_error(r, 405, "invalid_request", "not_cancelable", NULL,
                        "checkout session '%s' is already %s", r->session_id, status);
        json_decref(s);
        return;
    }
    json_object_set_new(s, "status", json_string("canceled"));
    json_t *trace = json_object_get(r->body, "intent_trace");
    if (trace) json_object_set(s, "intent_trace", trace);
    if (acp_session_save(g, s) != 0) {
        json_decref(s);
        acp_reply_error(r, 503, "service_unavailable", "storage", NULL, "the checkout session could not be saved; retry");
        return;
    }
    cart_release(g, jstr(s, "cart_id"), "acp: checkout session canceled");
    acp_reply(r, 200, acp_session_view(g, s));
    json_decref(s);
}
