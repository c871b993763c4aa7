/* acp_sign.c - ACP request signatures (optional, config acp_signing_secret).
 *
 * When the secret is set, every request to acp/ must carry
 *   Timestamp: <RFC 3339>             within 5 minutes of the hub's clock
 *   Signature: base64url(HMAC-SHA256(secret, <Timestamp> "." <raw body>))
 * (padding optional; standard base64 accepted too; a GET signs an empty body).
 * The ACP text names the headers but leaves the signed bytes loose; the hub
 * signs the raw bytes it receives, prefixed with the timestamp as ACP's order
 * webhooks do, so re-serialising JSON can never break a signature. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acp.h"
#include "handoff_token.h"

#define SKEW_S 300

/* "2026-04-17T10:30:00Z", "...00.123Z", "...00+02:00" -> unix seconds; -1 if not RFC 3339. */
static int64_t rfc3339_s(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!p) return -1;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9') return -1;
        while (*p >= '0' && *p <= '9') p++;
    }
    int64_t off = 0;
    if (*p == 'Z' || *p == 'z') p++;
    else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
        int hh = atoi(p + 1), mm = atoi(p + 4);
        off = (int64_t)(hh * 3600 + mm * 60) * (*p == '+' ? 1 : -1);
        p += 6;
    } else return -1;
    if (*p) return -1;
    return (int64_t)timegm(&tm) - off;
}

int acp_signature_ok(struct chatgpt *g, struct hub_http_req *req, char *why, size_t why_len)
{
    const struct hub_host *host = g->host;
    const char *ref = host->config_str(g->inst, "acp_signing_secret");
    if (!ref || !*ref) return 1; /* not configured: bearer auth only */
    const char *ts = host->req_header(req, "Timestamp"), *sig = host->req_header(req, "Signature");
    if (!ts || !sig || !*sig) {
        snprintf(why, why_len, "requests must be signed: Timestamp and Signature headers are required");
        return 0;
    }
    int64_t t = rfc3339_s(ts), now = (int64_t)(host->now_ms(g->inst) / 1000);
    if (t < 0) {
        snprintf(why, why_len, "Timestamp '%.40s' is not an RFC 3339 date-time", ts);
        return 0;
    }
    if (t < now - SKEW_S || t > now + SKEW_S) {
        snprintf(why, why_len, "Timestamp is more than %d seconds away from the server's clock", SKEW_S);
        return 0;
    }
    char *secret = host->secret(g->inst, "acp_signing_secret");
    if (!secret || !*secret) {
        host->free_secret(secret);
        snprintf(why, why_len, "the signing secret cannot be read now");
        return 0;
    }
    size_t blen = 0;
    const char *body = host->req_body(req, &blen);
    size_t tl = strlen(ts), ml = tl + 1 + blen;
    char *msg = malloc(ml + 1);
    if (!msg) {
        host->free_secret(secret);
        snprintf(why, why_len, "out of memory");
        return 0;
    }
    memcpy(msg, ts, tl);
    msg[tl] = '.';
    if (blen) memcpy(msg + tl + 1, body, blen);
    unsigned char mac[32];
    host->hmac_sha256(secret, strlen(secret), msg, ml, mac);
    host->free_secret(secret);
    free(msg);
    char want[48], got[128];
    size_t wl = handoff_b64url_encode(mac, sizeof mac, want), gl = 0;
    for (const char *p = sig; *p && gl + 1 < sizeof got; p++) { /* base64 -> base64url, no padding */
        if (*p == '=') break;
        got[gl++] = *p == '+' ? '-' : *p == '/' ? '_' : *p;
    }
    got[gl] = '\0';
    if (!host->secure_equal(want, wl, got, gl)) {
        snprintf(why, why_len, "Signature does not match the request (HMAC-SHA256 of Timestamp + '.' + body)");
        return 0;
    }
    return 1;
}
