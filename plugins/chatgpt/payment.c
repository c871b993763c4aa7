/* payment.c - the payment interface and the demo provider (payment.h). */
#include "payment.h"

#include <ctype.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>

int payment_looks_like_pan(const char *s)
{
    if (!s) return 0;
    int digits[32], n = 0;
    for (const char *p = s; *p; p++) {
        if (isdigit((unsigned char)*p)) {
            if (n == 32) return 0;
            digits[n++] = *p - '0';
        } else if (*p != ' ' && *p != '-') {
            return 0;
        }
    }
    if (n < 13 || n > 19) return 0;
    int sum = 0;
    for (int i = 0; i < n; i++) {
        int d = digits[n - 1 - i];
        if (i % 2) {
            d *= 2;
            if (d > 9) d -= 9;
        }
        sum += d;
    }
    return sum % 10 == 0;
}

static int demo_authorize(struct chatgpt *g, const struct payment_request *req, json_t **record, char *err,
                          size_t err_len)
{
    (void)g;
    const char *token = req->token && *req->token ? req->token : "demo";
    if (payment_looks_like_pan(token)) {
        snprintf(err, err_len, "that looks like a card number: send a payment token, never card data");
        return -1;
    }
    if (strlen(token) > 512) {
        snprintf(err, err_len, "payment token too long (at most 512 characters)");
        return -1;
    }
    if (req->amount < 0) {
        snprintf(err, err_len, "negative amount");
        return -1;
    }
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)token, strlen(token), md);
    char fp[17];
    for (int i = 0; i < 8; i++) snprintf(fp + 2 * i, 3, "%02x", md[i]);
    char ref[64];
    snprintf(ref, sizeof ref, "demo_%s", req->order_id);
    *record = json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:b}", "provider", "demo", "reference", ref, "status",
                        "authorized", "amount", (json_int_t)req->amount, "currency", req->currency,
                        "token_fingerprint", fp, "charged", 0);
    return 0;
}

static void demo_void(struct chatgpt *g, const json_t *record)
{
    (void)g;
    (void)record; /* the demo provider charged nothing */
}

static const struct payment_provider demo = {
    .name = "demo",
    .authorize = demo_authorize,
    .void_auth = demo_void,
};

const struct payment_provider *payment_provider_find(const char *name)
{
    if (name && strcmp(name, "demo") == 0) return &demo;
    return NULL;
}
