/*
 * handoff_token.h - the signed, short-lived, single-use link token that hands
 * a ChatGPT cart over to the merchant's storefront (docs/channels/chatgpt.md,
 * "Checkout: signed handoff").
 *
 * Pure functions (libcrypto + jansson, no host table), so they are unit
 * tested on their own (tests/unit/test_chatgpt_handoff.c).
 *
 * Token = base64url(payload) "." base64url(HMAC-SHA256(secret, "hub-handoff-v1." base64url(payload)))
 * payload = {"v":1,"t":tenant,"c":cart id,"h":cart hash,"e":expiry (unix s),"n":nonce}
 * No personal data, no prices: the storefront re-prices the cart when it redeems.
 */
#ifndef CHATGPT_HANDOFF_TOKEN_H
#define CHATGPT_HANDOFF_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#define HANDOFF_TOKEN_MAX 1024 /* longest token we sign or accept */
#define HANDOFF_NONCE_HEX 32   /* 16 random bytes, hex */

struct handoff_claims {
    char tenant[64];
    char cart_id[128];
    char cart_hash[72];
    int64_t exp_s;                       /* unix seconds */
    char nonce[HANDOFF_NONCE_HEX + 1];
};

enum handoff_verdict {
    HANDOFF_VALID = 0,
    HANDOFF_MALFORMED,     /* not two base64url parts, too long, bad JSON or fields */
    HANDOFF_TAMPERED,      /* signature does not match the payload */
    HANDOFF_EXPIRED,       /* exp <= now */
    HANDOFF_WRONG_TENANT,  /* signed for another tenant */
};

/* Machine code of a verdict: "ok", "malformed", "tampered", "expired", "wrong_tenant". */
const char *handoff_verdict_code(enum handoff_verdict v);

/* Fill c->nonce with HANDOFF_NONCE_HEX random hex characters.  0 or -1. */
int handoff_new_nonce(struct handoff_claims *c);

/* Sign the claims into out (NUL-terminated).  Returns the token length, or
 * -1 if a field is empty or too long or out is too small. */
int handoff_token_sign(const void *key, size_t key_len, const struct handoff_claims *c, char *out,
                       size_t out_size);

/* Verify a token: shape, signature (constant time), expiry against now_s and
 * the tenant (when `tenant` is not NULL).  On HANDOFF_VALID and on
 * HANDOFF_EXPIRED / HANDOFF_WRONG_TENANT the claims are filled. */
enum handoff_verdict handoff_token_verify(const void *key, size_t key_len, const char *token,
                                          int64_t now_s, const char *tenant,
                                          struct handoff_claims *out);

/* base64url without padding.  out must hold 4*((n+2)/3)+1 bytes; returns the length. */
size_t handoff_b64url_encode(const void *in, size_t n, char *out);
/* Decodes into out (at most out_size bytes).  Returns the length or -1 on a bad character,
 * a bad length or overflow. */
long handoff_b64url_decode(const char *in, size_t n, unsigned char *out, size_t out_size);

#endif
