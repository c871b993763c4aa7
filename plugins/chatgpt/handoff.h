/*
 * handoff.h - the signed storefront handoff (docs/channels/chatgpt.md
 * "Checkout: in-chat or on the storefront").
 *
 * start_checkout asks handoff_link() (chatgpt.h) for a link to the merchant's
 * storefront: <store_url>?hub_handoff=<token> (or &hub_handoff= when store_url
 * has a query).  The token (handoff_token.h) carries the tenant, the cart id,
 * the cart's hash, an expiry (handoff_ttl, at most 10 minutes) and a nonce;
 * it is signed with the tenant's handoff_secret (a secret reference).
 *
 * The storefront redeems it once, server to server:
 *   GET  /t/<tenant>/<channel>/handoff/redeem?token=<token>
 *   POST /t/<tenant>/<channel>/handoff/redeem   {"token": "..."}  (or token=... form)
 * and gets the cart re-priced with its holds re-checked (200), or
 *   {"error": {"code", "message"}} with
 *   400 malformed | 401 tampered, wrong_tenant | 410 expired | 409 replayed,
 *   cart_changed, cart_closed, out_of_stock | 404 cart_not_found, handoff_disabled.
 * Used nonces are remembered (host->state "handoff:used") until they expire.
 */
#ifndef CHATGPT_HANDOFF_H
#define CHATGPT_HANDOFF_H

#include "chatgpt.h"

#define HANDOFF_MAX_TTL_MS (10 * 60 * 1000)
#define HANDOFF_USED_STATE "handoff:used"

struct handoff_state {
    int enabled;        /* store_url and handoff_secret configured */
    int64_t ttl_ms;
    json_t *used;       /* nonce -> expiry (unix s), persisted */
    json_t *pending;    /* nonces being redeemed right now */
};

int handoff_init(struct chatgpt *g);
void handoff_destroy(struct chatgpt *g);
/* Forget expired nonces and write the set. 0 or -1. */
int handoff_used_save(struct chatgpt *g);

#endif
