/*
 * acp.h - Agentic Commerce Protocol 2026-04-17 checkout under
 * /t/<tenant>/<channel>/acp/ (shared by acp_*.c).
 *
 *   acp_http.c      route: methods, Authorization, API-Version, Idempotency-Key,
 *                   Request-Id, body parsing, the reply (headers + idempotency record)
 *   acp_sign.c      optional request signatures (Signature + Timestamp)
 *   acp_idem.c      idempotency records in host->state (kept 24 h+), in-flight keys
 *   acp_validate.c  request bodies checked against the schema, errors with a JSONPath
 *   acp_session.c   the session record in host->state and its CheckoutSession view
 *   acp_ops.c       create / update / get / complete / cancel over the cart service
 *   acp_webhook.c   order events merchant -> agent (Merchant-Signature)
 *   acp_ext.c       chatgpt_ext_init/stop/destroy for the whole ACP/feed/handoff half
 *
 * A checkout session is backed by one cart (cart.h) with owner NULL (the
 * session id, 128 random bits, is the capability) and client "acp".  The
 * session keeps the lines the buyer asked for; the cart holds the stock.  A
 * line whose units could not all be held shows an out_of_stock message and
 * keeps the session not_ready_for_payment; complete re-checks every hold.
 */
#ifndef CHATGPT_ACP_H
#define CHATGPT_ACP_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "chatgpt.h"

#define ACP_API_VERSION "2026-04-17"
#define ACP_CLIENT "acp"
#define ACP_IDEM_KEEP_MS (25LL * 3600 * 1000) /* >= 24 h */

/* One request being served; answered exactly once with acp_reply*. */
struct acp_req {
    struct chatgpt *g;
    struct hub_http_req *req;
    char op[16];            /* "create", "update", "get", "complete", "cancel" */
    char session_id[80];    /* from the path ("" for create) */
    json_t *body;           /* parsed body (NULL for GET) */
    char idem_name[80];     /* state name of the idempotency record, "" if none */
    char idem_key[256];
    char body_hash[65];
    char request_id[256];
    int locked;             /* holds the session lock */
};

/* g->acp: the ACP module's state (NULL when ACP is disabled). */
struct acp_state {
    json_t *in_flight;      /* idempotency record names being processed */
    json_t *locks;          /* session ids with an operation running */
    struct delivery *deliveries; /* order events not yet accepted (acp_webhook.c) */
};

/* --- acp_http.c --- */
/* Answer with `status` and `body` (stolen), store the idempotency record when
 * there is one (never for 5xx), release the session lock, free r. */
void acp_reply(struct acp_req *r, int status, json_t *body);
/* An Error object {type, code, message, param?}: status 4xx/5xx. */
void acp_reply_error(struct acp_req *r, int status, const char *type, const char *code,
                     const char *param, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* --- acp_sign.c: 1 when the request's Signature/Timestamp verify (or signing is
 * not configured), else 0 with why --- */
int acp_signature_ok(struct chatgpt *g, struct hub_http_req *req, char *why, size_t why_len);

/* --- acp_webhook.c: order events to the agent (acp_webhook_url) --- */
void acp_webhook_order(struct chatgpt *g, const json_t *s, const char *type);
void acp_webhook_stop(struct chatgpt *g);
void acp_webhook_destroy(struct chatgpt *g);

/* --- acp_idem.c --- */
struct acp_idem_hit {
    int found;        /* a stored response exists */
    int conflict;     /* ...for another body */
    int in_flight;    /* the same key is being processed now */
    int status;
    char *body;       /* stored response text (free()) */
};
int acp_idem_init(struct chatgpt *g);
void acp_idem_destroy(struct chatgpt *g);
/* State name for (scope, key) into r->idem_name; then look it up. */
void acp_idem_lookup(struct acp_req *r, const char *scope, struct acp_idem_hit *hit);
void acp_idem_begin(struct acp_req *r);  /* mark in flight */
void acp_idem_end(struct acp_req *r, int status, const char *body); /* store (status < 500) + unmark */

/* --- acp_validate.c: NULL when valid, else a NEW Error object with param --- */
json_t *acp_validate_create(const json_t *body);
json_t *acp_validate_update(const json_t *body);
json_t *acp_validate_complete(const json_t *body);
json_t *acp_validate_cancel(const json_t *body);
/* Error object helper (type invalid_request unless given). */
json_t *acp_error(const char *type, const char *code, const char *param, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* --- acp_session.c --- */
/* Stored session: {"id","cart_id","status":"open"|"completed"|"canceled","currency",
 *  "requested":[{"sku","quantity"}], "line_errors":{sku: {"code","message"}},
 *  "buyer"?, "fulfillment_details"?, "selected_fulfillment_options"?, "order_notes"?,
 *  "codes"?: [..], "rejected"?: [{code, reason, message}], "payment_error"?: "..",
 *  "order_id"?, "created_ms", "updated_ms"} */
json_t *acp_session_load(struct chatgpt *g, const char *id);     /* NEW or NULL */
int acp_session_save(struct chatgpt *g, json_t *s);              /* sets updated_ms; 0/-1 */
int acp_session_new_id(char out[40]);                            /* "cs_" + 32 hex */
/* The CheckoutSession (or CheckoutSessionWithOrder) view, a NEW object. */
json_t *acp_session_view(struct chatgpt *g, const json_t *s);
/* The session's Order object (ACP Order: id, checkout_session_id, permalink_url,
 * status, line_items, totals), a NEW object, or NULL before completion. */
json_t *acp_order_view(struct chatgpt *g, const json_t *s);
/* Is the session ready for payment (every line held, address given)? */
int acp_session_ready(struct chatgpt *g, const json_t *s);
/* Session lock: one operation at a time per session.  1 = taken. */
int acp_session_lock(struct chatgpt *g, const char *id);
void acp_session_unlock(struct chatgpt *g, const char *id);
/* 1 while an operation holds the session's lock (the retention sweep skips it). */
int acp_session_in_use(struct chatgpt *g, const char *id);
int acp_session_init(struct chatgpt *g);
void acp_session_destroy(struct chatgpt *g);
/* The one payment handler this merchant offers (capabilities.payment.handlers[0]). */
json_t *acp_payment_handler(struct chatgpt *g);
/* Canonical currency of the sessions: config, else the catalog's, else the tenant's. */
const char *acp_currency(struct chatgpt *g);

/* --- acp_ops.c --- */
void acp_op_create(struct acp_req *r);
void acp_op_update(struct acp_req *r);
void acp_op_get(struct acp_req *r);
void acp_op_complete(struct acp_req *r);
void acp_op_cancel(struct acp_req *r);

/* --- shared helpers (acp_session.c) --- */
void acp_rfc3339(uint64_t ms, char out[32]);
void acp_sha256_hex(const void *data, size_t len, char out[65]);

#endif
