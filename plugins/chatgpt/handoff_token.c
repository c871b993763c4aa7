/* handoff_token.c - sign and verify the storefront handoff token (see handoff_token.h). */
#include "handoff_token.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIGN_PREFIX "hub-handoff-v1."

static const char B64URL[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

const char *handoff_verdict_code(enum handoff_verdict v)
{
    switch (v) {
    case HANDOFF_VALID: return "ok";
    case HANDOFF_MALFORMED: return "malformed";
    case HANDOFF_TAMPERED: return "tampered";
    case HANDOFF_EXPIRED: return "expired";
    case HANDOFF_WRONG_TENANT: return "wrong_tenant";
    }
    return "malformed";
}

size_t handoff_b64url_encode(const void *in, size_t n, char *out)
{
    const unsigned char *p = in;
    size_t o = 0, i = 0;
    for (; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        out[o++] = B64URL[v >> 18 & 63];
        out[o++] = B64URL[v >> 12 & 63];
        out[o++] = B64URL[v >> 6 & 63];
        out[o++] = B64URL[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)p[i] << 16;
        out[o++] = B64URL[v >> 18 & 63];
        out[o++] = B64URL[v >> 12 & 63];
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
        out[o++] = B64URL[v >> 18 & 63];
        out[o++] = B64URL[v >> 12 & 63];
        out[o++] = B64URL[v >> 6 & 63];
    }
    out[o] = '\0';
    return o;
}

static int b64url_val(char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-') return 62;
    if (c == '_') return 63;
    return -1;
}

long handoff_b64url_decode(const char *in, size_t n, unsigned char *out, size_t out_size)
{
    if (n % 4 == 1) return -1;
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        int v = b64url_val(in[i]);
        if (v < 0) return -1;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o >= out_size) return -1;
            out[o++] = (unsigned char)(acc >> bits & 0xff);
        }
    }
    /* canonical form only: the unused low bits of the last character are zero */
    if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return -1;
    return (long)o;
}

int handoff_new_nonce(struct handoff_claims *c)
{
    unsigned char raw[HANDOFF_NONCE_HEX / 2];
    if (RAND_bytes(raw, sizeof raw) != 1) return -1;
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < sizeof raw; i++) {
        c->nonce[2 * i] = hex[raw[i] >> 4];
        c->nonce[2 * i + 1] = hex[raw[i] & 15];
    }
    c->nonce[HANDOFF_NONCE_HEX] = '\0';
    return 0;
}

static void mac_of(const void *key, size_t key_len, const char *payload64, size_t len,
                   unsigned char mac[32])
{
    unsigned char msg[HANDOFF_TOKEN_MAX + sizeof SIGN_PREFIX];
    memcpy(msg, SIGN_PREFIX, sizeof SIGN_PREFIX - 1);
    memcpy(msg + sizeof SIGN_PREFIX - 1, payload64, len);
    unsigned int mac_len = 32;
    HMAC(EVP_sha256(), key, (int)key_len, msg, sizeof SIGN_PREFIX - 1 + len, mac, &mac_len);
}

static int field_ok(const char *s, size_t cap)
{
    size_t n = strnlen(s, cap);
    return n > 0 && n < cap;
}

int handoff_token_sign(const void *key, size_t key_len, const struct handoff_claims *c, char *out,
                       size_t out_size)
{
    if (!key || key_len == 0 || !field_ok(c->tenant, sizeof c->tenant) ||
        !field_ok(c->cart_id, sizeof c->cart_id) || !field_ok(c->cart_hash, sizeof c->cart_hash) ||
        strlen(c->nonce) != HANDOFF_NONCE_HEX || c->exp_s <= 0)
        return -1;
    json_t *p = json_pack("{s:i, s:s, s:s, s:s, s:I, s:s}", "v", 1, "t", c->tenant, "c", c->cart_id,
                          "h", c->cart_hash, "e", (json_int_t)c->exp_s, "n", c->nonce);
    if (!p) return -1;
    char *js = json_dumps(p, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(p);
    if (!js) return -1;
    size_t jl = strlen(js);
    char payload64[HANDOFF_TOKEN_MAX];
    if (4 * ((jl + 2) / 3) + 1 > sizeof payload64) {
        free(js);
        return -1;
    }
    size_t pl = handoff_b64url_encode(js, jl, payload64);
    free(js);
    unsigned char mac[32];
    mac_of(key, key_len, payload64, pl, mac);
    char sig64[48];
    size_t sl = handoff_b64url_encode(mac, sizeof mac, sig64);
    if (pl + 1 + sl + 1 > out_size || pl + 1 + sl > HANDOFF_TOKEN_MAX) return -1;
    memcpy(out, payload64, pl);
    out[pl] = '.';
    memcpy(out + pl + 1, sig64, sl + 1);
    return (int)(pl + 1 + sl);
}

static int copy_str(json_t *obj, const char *key, char *dst, size_t cap)
{
    const char *s = json_string_value(json_object_get(obj, key));
    if (!s || !field_ok(s, cap)) return -1;
    memcpy(dst, s, strlen(s) + 1);
    return 0;
}

static int parse_claims(const unsigned char *js, size_t len, struct handoff_claims *out)
{
    json_t *p = json_loadb((const char *)js, len, JSON_REJECT_DUPLICATES, NULL);
    int rc = -1;
    if (p && json_is_object(p) && json_object_size(p) == 6 &&
        json_integer_value(json_object_get(p, "v")) == 1 && json_is_integer(json_object_get(p, "e")) &&
        copy_str(p, "t", out->tenant, sizeof out->tenant) == 0 &&
        copy_str(p, "c", out->cart_id, sizeof out->cart_id) == 0 &&
        copy_str(p, "h", out->cart_hash, sizeof out->cart_hash) == 0 &&
        copy_str(p, "n", out->nonce, sizeof out->nonce) == 0 && strlen(out->nonce) == HANDOFF_NONCE_HEX) {
        out->exp_s = json_integer_value(json_object_get(p, "e"));
        rc = out->exp_s > 0 ? 0 : -1;
    }
    json_decref(p);
    return rc;
}

enum handoff_verdict handoff_token_verify(const void *key, size_t key_len, const char *token,
                                          int64_t now_s, const char *tenant,
                                          struct handoff_claims *out)
{
    memset(out, 0, sizeof *out);
    if (!token || !key || key_len == 0) return HANDOFF_MALFORMED;
    size_t n = strnlen(token, HANDOFF_TOKEN_MAX + 1);
    if (n == 0 || n > HANDOFF_TOKEN_MAX) return HANDOFF_MALFORMED;
    const char *dot = memchr(token, '.', n);
    if (!dot || memchr(dot + 1, '.', n - (size_t)(dot + 1 - token))) return HANDOFF_MALFORMED;
    size_t pl = (size_t)(dot - token), sl = n - pl - 1;
    unsigned char sig[40], payload[HANDOFF_TOKEN_MAX];
    long got_sig = handoff_b64url_decode(dot + 1, sl, sig, sizeof sig);
    long got_payload = handoff_b64url_decode(token, pl, payload, sizeof payload);
    if (pl == 0 || got_sig != 32 || got_payload <= 0) return HANDOFF_MALFORMED;
    unsigned char want[32];
    mac_of(key, key_len, token, pl, want);
    if (CRYPTO_memcmp(want, sig, sizeof want) != 0) return HANDOFF_TAMPERED;
    /* the signature is ours: a payload that does not parse is still malformed */
    if (parse_claims(payload, (size_t)got_payload, out) != 0) {
        memset(out, 0, sizeof *out);
        return HANDOFF_MALFORMED;
    }
    if (tenant && strcmp(tenant, out->tenant) != 0) return HANDOFF_WRONG_TENANT;
    if (out->exp_s <= now_s) return HANDOFF_EXPIRED;
    return HANDOFF_VALID;
}
