/*
 * payment.h - the payment interface place_order charges through.
 *
 * A provider authorizes `amount` against an opaque `token` (a PSP vault token,
 * e.g. an ACP delegated payment "vt_..."); card data never reaches the hub and
 * is never stored: a token that looks like a card number (13-19 digits passing
 * the Luhn check) is refused.  The record a provider returns is stored with
 * the order: it holds a reference and a fingerprint of the token, never the
 * token itself.
 *
 * Providers: "demo" - records the authorization, charges nothing, accepts any
 * token (or none: "demo" is then used).
 */
#ifndef CHATGPT_PAYMENT_H
#define CHATGPT_PAYMENT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "chatgpt.h"

struct payment_request {
    const char *token;        /* may be NULL (the provider decides) */
    int64_t amount;           /* minor units */
    const char *currency;     /* ISO 4217 */
    const char *order_id;     /* also the provider's idempotency key */
};

struct payment_provider {
    const char *name;
    /* 0: authorized, *record = NEW {"provider","reference","status","amount","currency",
     * "token_fingerprint"}; -1: refused, err says why (shown to the shopper). */
    int (*authorize)(struct chatgpt *g, const struct payment_request *req, json_t **record,
                     char *err, size_t err_len);
    /* Undo an authorization whose order could not be recorded.  Best effort. */
    void (*void_auth)(struct chatgpt *g, const json_t *record);
};

/* The provider named `name`, or NULL. */
const struct payment_provider *payment_provider_find(const char *name);
/* 1 if `s` looks like a primary account number (13-19 digits, spaces/dashes allowed, Luhn). */
int payment_looks_like_pan(const char *s);

#endif /* CHATGPT_PAYMENT_H */
