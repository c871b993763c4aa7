/* handoff_redeem.c - the storefront redeems a handoff token once (handoff.h):
 * signature (constant time), tenant, expiry, single use, the cart unchanged,
 * then the holds re-checked (cart_checkout) and the cart re-priced. */
#include "handoff.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "acp.h"
#include "cart.h"
#include "handoff_token.h"

struct redeem {
    struct chatgpt *g;
    struct hub_http_req *req;
    struct handoff_claims c;
};

static void reply(struct chatgpt *g, struct hub_http_req *req, int status, json_t *body)
{
    char *text = chatgpt_dump(body);
    json_decref(body);
    struct hub_header h[] = {{"Content-Type", "application/json"}, {"Cache-Control", "no-store"}};
    g->host->respond(req, status, h, 2, text ? text : "{}", text ? strlen(text) : 2);
    free(text);
}

static void reply_error(struct chatgpt *g, struct hub_http_req *req, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void reply_error(struct chatgpt *g, struct hub_http_req *req, int status, const char *code, const char *fmt, ...)
{
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    reply(g, req, status, json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", msg));
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* value of `key` in an x-www-form-urlencoded string, decoded into out. 0 or -1. */
static int form_value(const char *s, size_t len, const char *key, char *out, size_t out_size)
{
    size_t kl = strlen(key);
    const char *p = s, *end = s + len;
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *e = amp ? amp : end;
        if ((size_t)(e - p) > kl && strncmp(p, key, kl) == 0 && p[kl] == '=') {
            size_t o = 0;
            for (const char *q = p + kl + 1; q < e; q++) {
                if (o + 1 >= out_size) return -1;
                if (*q == '%' && e - q >= 3 && hexval(q[1]) >= 0 && hexval(q[2]) >= 0) {
                    out[o++] = (char)(hexval(q[1]) * 16 + hexval(q[2]));
                    q += 2;
                } else out[o++] = *q == '+' ? ' ' : *q;
            }
            out[o] = '\0';
            return 0;
        }
        p = e + 1;
    }
    return -1;
}

static json_t *lines_view(const json_t *cart, const json_t *totals)
{
    json_t *out = json_array();
    size_t i, k;
    json_t *l, *t;
    json_array_foreach(json_object_get(cart, "lines"), i, l) {
        const char *sku = json_string_value(json_object_get(l, "sku"));
        json_t *v = json_pack("{s:s, s:O, s:O, s:O, s:O}", "sku", sku, "product_id", json_object_get(l, "product_id"),
                              "title", json_object_get(l, "title"), "quantity", json_object_get(l, "quantity"),
                              "unit_amount", json_object_get(l, "unit_amount"));
        if (!v) continue;
        if (json_object_get(l, "options")) json_object_set(v, "options", json_object_get(l, "options"));
        json_array_foreach(json_object_get(totals, "lines"), k, t) {
            if (strcmp(json_string_value(json_object_get(t, "sku")) ?: "", sku) != 0) continue;
            static const char *const f[] = {"gross", "discount", "net", "tax", "total"};
            for (size_t j = 0; j < sizeof f / sizeof *f; j++) json_object_set(v, f[j], json_object_get(t, f[j]));
        }
        json_array_append_new(out, v);
    }
    return out;
}

static void on_checked(void *arg, enum cart_status status, const json_t *cart, const char *message)
{
    struct redeem *rd = arg;
    struct chatgpt *g = rd->g;
    struct handoff_state *h = g->handoff;
    if (h) json_object_del(h->pending, rd->c.nonce);
    if (status != CART_OK || !cart) {
        if (status == CART_ESTOCK)
            reply_error(g, rd->req, 409, "out_of_stock", "%s", message && *message ? message : "not available");
        else if (status == CART_ENOTFOUND)
            reply_error(g, rd->req, 404, "cart_not_found", "the cart of this link no longer exists");
        else if (status == CART_ESTATE)
            reply_error(g, rd->req, 409, "cart_closed", "%s", message && *message ? message : "the cart is closed");
        else reply_error(g, rd->req, 503, "unavailable", "%s", message && *message ? message : "retry shortly");
        free(rd);
        return;
    }
    char hash[65];
    cart_hash(cart, hash);
    if (strcmp(hash, rd->c.cart_hash) != 0) {
        reply_error(g, rd->req, 409, "cart_changed", "the cart changed while it was being checked; start again");
        free(rd);
        return;
    }
    /* single use from here on: remembered durably until the token would expire anyway */
    json_object_set_new(h->used, rd->c.nonce, json_integer(rd->c.exp_s));
    if (handoff_used_save(g) != 0) {
        json_object_del(h->used, rd->c.nonce);
        reply_error(g, rd->req, 503, "unavailable", "the redemption could not be recorded; retry");
        free(rd);
        return;
    }
    json_t *totals = cart_totals(g, cart);
    char now[32];
    acp_rfc3339(g->host->now_ms(g->inst), now);
    json_t *body = json_pack("{s:s, s:s, s:O, s:o, s:{s:O, s:O, s:O, s:O, s:O, s:O}, s:O, s:s}", "tenant", g->tenant,
                             "cart_id", rd->c.cart_id, "currency", json_object_get(totals, "currency"), "lines",
                             lines_view(cart, totals), "totals", "subtotal", json_object_get(totals, "subtotal"),
                             "discount", json_object_get(totals, "discount"), "shipping",
                             json_object_get(totals, "shipping"), "tax", json_object_get(totals, "tax"), "total",
                             json_object_get(totals, "total"), "tax_mode", json_object_get(totals, "tax_mode"),
                             "coupon", json_object_get(totals, "coupon") ?: json_null(), "redeemed_at", now);
    json_decref(totals);
    funnel_count(g, "handoff_redeemed");
    reply(g, rd->req, body ? 200 : 500, body ? body : json_pack("{s:{s:s, s:s}}", "error", "code", "internal",
                                                                "message", "could not build the answer"));
    free(rd);
}

void chatgpt_handoff_route(void *ctx, struct hub_http_req *req)
{
    struct chatgpt *g = ctx;
    const struct hub_host *host = g->host;
    struct handoff_state *h = g->handoff;
    const char *path = host->req_path(req), *method = host->req_method(req);
    if (strcmp(path, "handoff/redeem") != 0) {
        reply_error(g, req, 404, "not_found", "no such handoff endpoint: /%s", path);
        return;
    }
    if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0) {
        struct hub_header hh[] = {{"Allow", "GET, POST"}, {"Content-Type", "application/json"}};
        const char *b = "{\"error\":{\"code\":\"method_not_allowed\",\"message\":\"use GET or POST\"}}";
        host->respond(req, 405, hh, 2, b, strlen(b));
        return;
    }
    if (!h || !h->enabled) {
        reply_error(g, req, 404, "handoff_disabled", "this merchant has no storefront handoff (store_url, handoff_secret)");
        return;
    }
    char token[HANDOFF_TOKEN_MAX + 1] = "";
    const char *q = host->req_query(req);
    int have = q && form_value(q, strlen(q), "token", token, sizeof token) == 0;
    if (!have && strcmp(method, "POST") == 0) {
        size_t len = 0;
        const char *body = host->req_body(req, &len);
        json_t *j = len ? json_loadb(body, len, 0, NULL) : NULL;
        if (json_is_object(j)) {
            const char *t = json_string_value(json_object_get(j, "token"));
            if (t && strlen(t) < sizeof token) {
                snprintf(token, sizeof token, "%s", t);
                have = 1;
            }
        } else if (body) {
            have = form_value(body, len, "token", token, sizeof token) == 0;
        }
        json_decref(j);
    }
    if (!have || !token[0]) {
        reply_error(g, req, 400, "malformed", "the token is missing (?token=... or a JSON body {\"token\": ...})");
        return;
    }
    struct redeem *rd = calloc(1, sizeof *rd);
    if (!rd) {
        reply_error(g, req, 503, "unavailable", "out of memory");
        return;
    }
    rd->g = g;
    rd->req = req;
    char *secret = host->secret(g->inst, "handoff_secret");
    if (!secret || !*secret) {
        host->free_secret(secret);
        free(rd);
        reply_error(g, req, 503, "unavailable", "the handoff secret cannot be read now");
        return;
    }
    int64_t now_s = (int64_t)(host->now_ms(g->inst) / 1000);
    enum handoff_verdict v = handoff_token_verify(secret, strlen(secret), token, now_s, g->tenant, &rd->c);
    host->free_secret(secret);
    static const int status_of[] = {200, 400, 401, 410, 401};
    static const char *const why[] = {"", "the token is not a handoff token",
                                      "the token's signature does not match (altered or not ours)",
                                      "the link has expired; start again from the cart",
                                      "the token was issued for another merchant"};
    if (v != HANDOFF_VALID) {
        reply_error(g, req, status_of[v], handoff_verdict_code(v), "%s", why[v]);
        free(rd);
        return;
    }
    if (json_object_get(h->used, rd->c.nonce) || json_object_get(h->pending, rd->c.nonce)) {
        reply_error(g, req, 409, "replayed", "this link was already used; start again from the cart");
        free(rd);
        return;
    }
    json_t *cart = cart_get(g, rd->c.cart_id, NULL);
    if (!cart) {
        reply_error(g, req, 404, "cart_not_found", "the cart of this link no longer exists");
        free(rd);
        return;
    }
    char hash[65];
    cart_hash(cart, hash);
    const char *cstatus = json_string_value(json_object_get(cart, "status"));
    if (cstatus && strcmp(cstatus, "open") != 0) {
        reply_error(g, req, 409, "cart_closed", "the cart is %s", cstatus);
        json_decref(cart);
        free(rd);
        return;
    }
    if (strcmp(hash, rd->c.cart_hash) != 0) {
        reply_error(g, req, 409, "cart_changed", "the cart changed after the link was made; start again from the cart");
        json_decref(cart);
        free(rd);
        return;
    }
    json_object_set_new(h->pending, rd->c.nonce, json_true());
    struct cart_caller who = {json_string_value(json_object_get(cart, "owner")),
                              json_string_value(json_object_get(cart, "client"))};
    char owner[256] = "", client[256] = "";
    if (who.owner) snprintf(owner, sizeof owner, "%s", who.owner);
    snprintf(client, sizeof client, "%s", who.client ? who.client : "handoff");
    who.owner = who.owner ? owner : NULL;
    who.client = client;
    json_decref(cart);
    cart_checkout(g, rd->c.cart_id, &who, on_checked, rd);
}
