/* handoff_link.c - issue the signed storefront link for start_checkout (handoff.h). */
#include "handoff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acp.h"
#include "cart.h"
#include "handoff_token.h"

int handoff_used_save(struct chatgpt *g)
{
    struct handoff_state *h = g->handoff;
    int64_t now_s = (int64_t)(g->host->now_ms(g->inst) / 1000);
    json_t *keep = json_object();
    const char *nonce;
    json_t *exp;
    json_object_foreach(h->used, nonce, exp)
        if (json_integer_value(exp) > now_s) json_object_set(keep, nonce, exp);
    json_decref(h->used);
    h->used = keep;
    char *text = chatgpt_dump(h->used);
    int rc = text ? g->host->state_set(g->inst, HANDOFF_USED_STATE, text) : -1;
    free(text);
    return rc;
}

int handoff_init(struct chatgpt *g)
{
    const struct hub_host *host = g->host;
    struct handoff_state *h = calloc(1, sizeof *h);
    if (!h) return -1;
    g->handoff = h;
    h->pending = json_object();
    const char *ref = host->config_str(g->inst, "handoff_secret");
    h->enabled = g->store_url && *g->store_url && ref && *ref;
    h->ttl_ms = host->config_int(g->inst, "handoff_ttl");
    if (h->ttl_ms <= 0) h->ttl_ms = HANDOFF_MAX_TTL_MS;
    if (h->ttl_ms > HANDOFF_MAX_TTL_MS) {
        host->log(g->inst, HUB_LOG_WARN, "chatgpt: handoff_ttl is capped at 10m (a handoff link is short-lived)");
        h->ttl_ms = HANDOFF_MAX_TTL_MS;
    }
    if (ref && *ref && !(g->store_url && *g->store_url))
        host->log(g->inst, HUB_LOG_WARN, "chatgpt: handoff_secret is set but store_url is not: no handoff link");
    char *text = host->state_get(g->inst, HANDOFF_USED_STATE);
    h->used = text && *text ? json_loads(text, 0, NULL) : NULL;
    host->free(text);
    if (!json_is_object(h->used)) {
        json_decref(h->used);
        h->used = json_object();
    }
    return h->used && h->pending ? 0 : -1;
}

void handoff_destroy(struct chatgpt *g)
{
    struct handoff_state *h = g->handoff;
    if (!h) return;
    json_decref(h->used);
    json_decref(h->pending);
    free(h);
    g->handoff = NULL;
}

json_t *handoff_link(struct chatgpt *g, const json_t *cart, const json_t *totals)
{
    struct handoff_state *h = g->handoff;
    const struct hub_host *host = g->host;
    (void)totals; /* the storefront re-prices when it redeems */
    if (!h || !h->enabled || !cart) return NULL;
    const char *cart_id = json_string_value(json_object_get(cart, "id"));
    if (!cart_id) return NULL;
    struct handoff_claims c;
    memset(&c, 0, sizeof c);
    snprintf(c.tenant, sizeof c.tenant, "%s", g->tenant);
    snprintf(c.cart_id, sizeof c.cart_id, "%s", cart_id);
    char hash[65];
    cart_hash(cart, hash);
    snprintf(c.cart_hash, sizeof c.cart_hash, "%s", hash);
    uint64_t now = host->now_ms(g->inst);
    c.exp_s = (int64_t)((now + (uint64_t)h->ttl_ms) / 1000);
    if (handoff_new_nonce(&c) != 0) {
        host->log(g->inst, HUB_LOG_ERROR, "chatgpt: handoff: no randomness for a nonce");
        return NULL;
    }
    char *secret = host->secret(g->inst, "handoff_secret");
    if (!secret || !*secret) {
        host->free_secret(secret);
        host->log(g->inst, HUB_LOG_ERROR, "chatgpt: handoff: handoff_secret could not be resolved; no link");
        return NULL;
    }
    char token[HANDOFF_TOKEN_MAX];
    int n = handoff_token_sign(secret, strlen(secret), &c, token, sizeof token);
    host->free_secret(secret);
    if (n < 0) {
        host->log(g->inst, HUB_LOG_ERROR, "chatgpt: handoff: could not sign a token for cart %s", cart_id);
        return NULL;
    }
    size_t ul = strlen(g->store_url) + (size_t)n + 32;
    char *url = malloc(ul);
    if (!url) return NULL;
    snprintf(url, ul, "%s%chub_handoff=%s", g->store_url, strchr(g->store_url, '?') ? '&' : '?', token);
    char expires[32];
    acp_rfc3339((uint64_t)c.exp_s * 1000, expires);
    json_t *out = json_pack("{s:s, s:s, s:I}", "url", url, "expires_at", expires, "token_ttl_s",
                            (json_int_t)(h->ttl_ms / 1000));
    free(url);
    funnel_count(g, "handoff_issued");
    return out;
}
