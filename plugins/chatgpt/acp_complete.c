/* acp_complete.c - POST checkout_sessions/{id}/complete: re-check every hold
 * (cart_checkout), then place the order through the cart service, which
 * charges the delegated payment token and emits order.created.
 *
 * A completed session answers its order again (idempotent); a canceled one 405.
 * A session that is not ready, a declined payment or a hold the store refuses
 * answer 200 with the session and a message (ACP: MessageError, not Error);
 * nothing is charged then.  Retries of the same complete place one order: the
 * cart service keys the order by the session id. */
#include "acp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cart.h"
#include "payment.h"

static const struct cart_caller ACP_WHO = {NULL, ACP_CLIENT};

static const char *jstr(const json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

struct completing {
    struct acp_req *r;
    json_t *s;
    char token[2100];
    int has_token;
};

static void done_with(struct completing *c, int status)
{
    struct acp_req *r = c->r;
    struct chatgpt *g = r->g;
    if (acp_session_save(g, c->s) != 0)
        acp_reply_error(r, 503, "service_unavailable", "storage", NULL, "the checkout session could not be saved; retry");
    else acp_reply(r, status, acp_session_view(g, c->s));
    json_decref(c->s);
    free(c);
}

/* A refusal from the store names the SKU in its text: keep it on that line. */
static void stock_refused(struct completing *c, const char *message)
{
    json_t *errors = json_object_get(c->s, "line_errors");
    if (!json_is_object(errors)) {
        errors = json_object();
        json_object_set_new(c->s, "line_errors", errors);
    }
    size_t i;
    json_t *rq;
    int named = 0;
    json_array_foreach(json_object_get(c->s, "requested"), i, rq) {
        const char *sku = jstr(rq, "sku");
        if (message && strstr(message, sku)) {
            json_object_set_new(errors, sku, json_pack("{s:s, s:s}", "code", "out_of_stock", "message", message));
            named = 1;
        }
    }
    if (!named) /* the text names no line: every line must be looked at again */
        json_array_foreach(json_object_get(c->s, "requested"), i, rq)
            json_object_set_new(errors, jstr(rq, "sku"), json_pack("{s:s, s:s}", "code", "out_of_stock", "message",
                                                                   message ? message : "not available"));
}

static void on_placed(void *arg, enum cart_status status, const json_t *order, const char *message)
{
    struct completing *c = arg;
    struct acp_req *r = c->r;
    struct chatgpt *g = r->g;
    switch (status) {
    case CART_OK:
        json_object_set_new(c->s, "status", json_string("completed"));
        json_object_set(c->s, "order_id", json_object_get(order, "id"));
        json_object_del(c->s, "payment_error");
        funnel_count(g, "order_placed");
        acp_webhook_order(g, c->s, "order_create");
        done_with(c, 200);
        return;
    case CART_EPAYMENT:
        json_object_set_new(c->s, "payment_error", json_string(message && *message ? message : "payment declined"));
        done_with(c, 200);
        return;
    case CART_ESTOCK:
        stock_refused(c, message);
        done_with(c, 200);
        return;
    default:
        json_decref(c->s);
        free(c);
        acp_reply_error(r, status == CART_EINTERNAL ? 503 : 500,
                        status == CART_EINTERNAL ? "service_unavailable" : "processing_error",
                        cart_status_code(status), NULL, "%s", message && *message ? message : "the order was not placed");
    }
}

static void on_checked(void *arg, enum cart_status status, const json_t *cart, const char *message)
{
    struct completing *c = arg;
    struct acp_req *r = c->r;
    (void)cart;
    if (status == CART_ESTOCK) {
        stock_refused(c, message);
        done_with(c, 200);
        return;
    }
    if (status != CART_OK) {
        json_decref(c->s);
        free(c);
        acp_reply_error(r, status == CART_EINTERNAL ? 503 : 500,
                        status == CART_EINTERNAL ? "service_unavailable" : "processing_error",
                        cart_status_code(status), NULL, "%s", message && *message ? message : "the holds could not be checked");
        return;
    }
    char key[80];
    snprintf(key, sizeof key, "acp:%s", jstr(c->s, "id"));
    cart_place_order(r->g, jstr(c->s, "cart_id"), &ACP_WHO, key, c->has_token ? c->token : NULL, -1, on_placed, c);
}

void acp_op_complete(struct acp_req *r)
{
    struct chatgpt *g = r->g;
    json_t *s = acp_session_load(g, r->session_id);
    if (!s) {
        acp_reply_error(r, 404, "invalid_request", "not_found", NULL, "no checkout session '%s'", r->session_id);
        return;
    }
    const char *status = jstr(s, "status");
    if (strcmp(status, "completed") == 0) {
        acp_reply(r, 200, acp_session_view(g, s));
        json_decref(s);
        return;
    }
    if (strcmp(status, "open") != 0) {
        acp_reply_error(r, 405, "invalid_request", "session_not_modifiable", NULL,
                        "checkout session '%s' is %s and cannot be completed", r->session_id, status);
        json_decref(s);
        return;
    }
    const json_t *pd = json_object_get(r->body, "payment_data");
    const char *handler = jstr(pd, "handler_id");
    if (!handler) {
        acp_reply_error(r, 400, "invalid_request", "invalid_value", "$.payment_data",
                        "purchase orders are not accepted; pay with handler 'card_tokenized'");
        json_decref(s);
        return;
    }
    json_t *h = acp_payment_handler(g);
    int known = strcmp(handler, jstr(h, "id")) == 0;
    json_decref(h);
    if (!known) {
        acp_reply_error(r, 400, "invalid_request", "invalid_value", "$.payment_data.handler_id",
                        "unknown payment handler '%s' (offered: card_tokenized)", handler);
        json_decref(s);
        return;
    }
    const char *token = jstr(json_object_get(json_object_get(pd, "instrument"), "credential"), "token");
    if (payment_looks_like_pan(token)) {
        acp_reply_error(r, 400, "invalid_request", "invalid_value", "$.payment_data.instrument.credential.token",
                        "a card number was sent; only a delegated payment token is accepted");
        json_decref(s);
        return;
    }
    if (json_object_get(r->body, "buyer")) json_object_set(s, "buyer", json_object_get(r->body, "buyer"));
    if (json_object_get(r->body, "order_notes")) json_object_set(s, "order_notes", json_object_get(r->body, "order_notes"));

    struct completing *c = calloc(1, sizeof *c);
    if (!c) abort();
    c->r = r;
    c->s = s;
    if (token && strlen(token) < sizeof c->token) {
        snprintf(c->token, sizeof c->token, "%s", token);
        c->has_token = 1;
    }
    /* 3-D Secure was run by the agent: anything but a success declines the payment */
    const char *outcome = jstr(json_object_get(r->body, "authentication_result"), "outcome");
    if (outcome && strcmp(outcome, "authenticated") && strcmp(outcome, "attempt_acknowledged") &&
        strcmp(outcome, "informational")) {
        char msg[200];
        snprintf(msg, sizeof msg, "Card authentication did not succeed (%s); try another payment method.", outcome);
        json_object_set_new(s, "payment_error", json_string(msg));
        done_with(c, 200);
        return;
    }
    json_object_del(s, "payment_error");
    if (!acp_session_ready(g, s)) { /* the messages say what is missing */
        done_with(c, 200);
        return;
    }
    cart_checkout(g, jstr(s, "cart_id"), &ACP_WHO, on_checked, c);
}
