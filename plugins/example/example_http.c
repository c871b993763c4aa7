/*
 * example_http.c - talking to the example channel's HTTP API: sending one
 * call with the bearer token, and reading an answer the way the core needs
 * it (OK / RETRY / FATAL, the channel's own error text, its rate budget).
 *
 * How answers are taken (plugins/example/README.md has the table):
 *   dry-run                       OK (nothing was sent)
 *   2xx, JSON body                OK: the caller reads the per-item results
 *   2xx, not JSON                 RETRY (malformed answer)
 *   429                           RETRY after Retry-After (default 1 s); the core's
 *                                 bucket is closed until then (host->rate_hint)
 *   5xx, 408, 409, 425            RETRY (Retry-After honoured when given)
 *   status 0 (timeout, reset,     RETRY
 *     refused connection)
 *   401, 403, 404, 3xx            RETRY after `auth_retry` (default 60 s), bucket closed
 *                                 as long, ERROR logged once (shows in `hubctl status`):
 *                                 a wrong token or URL is the operator's to fix, and
 *                                 the operations are valid, so they must neither storm
 *                                 the channel nor go to the dead letters
 *   other 4xx (400, 413, 422...)  FATAL with the channel's text
 * Every answer carrying X-RateLimit-Limit/Remaining/Reset-Ms is passed on with
 * host->rate_hint(remaining, limit, refill, retry_after).
 */
#include "example.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RETRY_AFTER_DEFAULT_MS 1000u
#define RETRY_AFTER_MAX_MS (3600u * 1000u)

int example_http_send(struct example *ex, const char *method, const char *path_query,
                      const char *body, size_t body_len, hub_http_done_fn done, void *arg,
                      char *why, size_t why_len)
{
    const struct hub_host *host = ex->host;
    size_t url_len = strlen(ex->base) + strlen(path_query) + 1;
    char *url = malloc(url_len);
    char *token = host->secret(ex->inst, "token");
    if (!url || !token) {
        snprintf(why, why_len, "example: %s", token ? "out of memory" : "the 'token' secret cannot be resolved");
        free(url);
        host->free_secret(token);
        return -1;
    }
    snprintf(url, url_len, "%s%s", ex->base, path_query);
    size_t auth_len = strlen(token) + sizeof "Bearer ";
    char *auth = malloc(auth_len);
    if (!auth) {
        snprintf(why, why_len, "example: out of memory");
        free(url);
        host->free_secret(token);
        return -1;
    }
    snprintf(auth, auth_len, "Bearer %s", token);
    host->free_secret(token);
    const struct hub_header headers[] = {
        {"Authorization", auth},
        {"Content-Type", "application/json"},
        {"Accept", "application/json"},
    };
    const struct hub_http_request req = {
        .method = method,
        .url = url,
        .headers = headers,
        .n_headers = body ? 3 : 1,
        .body = body,
        .body_len = body_len,
        .timeout_ms = ex->timeout_ms,
    };
    int rc = host->http(ex->inst, &req, done, arg); /* copies everything */
    /* Wipe our copy of the credential. */
    volatile char *p = auth;
    while (*p) *p++ = '\0';
    free(auth);
    free(url);
    if (rc != 0)
        snprintf(why, why_len, "example: the request could not be started (%s %s)", method,
                 host->mode(ex->inst) == HUB_MODE_PAUSED ? "while paused" : "refused by the core");
    else if (HUB_HOST_HAS(host, metric_add))
        host->metric_add(ex->inst, "http_requests", 1);
    return rc;
}

static const char *header(const struct hub_http_response *resp, const char *name)
{
    for (size_t i = 0; i < resp->n_headers; i++)
        if (strcmp(resp->headers[i].name, name) == 0) return resp->headers[i].value;
    return NULL;
}

/* A non-negative decimal integer (at most 15 digits), else -1. */
static double number(const char *s)
{
    if (!s || !*s) return -1;
    double v = 0;
    int digits = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (++digits > 15) return -1;
        v = v * 10 + (*s - '0');
    }
    return *s ? -1 : v;
}

/* Retry-After in seconds (the HTTP-date form is not used by this channel). */
static uint32_t retry_after_ms(const struct hub_http_response *resp, uint32_t dflt)
{
    double s = number(header(resp, "retry-after"));
    if (s < 0) return dflt;
    double ms = s * 1000.0;
    return ms > RETRY_AFTER_MAX_MS ? RETRY_AFTER_MAX_MS : (uint32_t)ms;
}

void example_http_error_text(const struct hub_http_response *resp, char *out, size_t n)
{
    json_t *doc = resp->body && resp->body_len ? json_loadb(resp->body, resp->body_len, 0, NULL) : NULL;
    const char *err = json_string_value(json_object_get(doc, "error"));
    if (err) {
        snprintf(out, n, "%s", err);
    } else if (resp->body && resp->body_len) {
        /* Not the channel's JSON: the start of the body, printable bytes only. */
        size_t k = 0;
        for (size_t i = 0; i < resp->body_len && k + 4 < n && k < 160; i++) {
            unsigned char c = (unsigned char)resp->body[i];
            out[k++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
        }
        if (resp->body_len > 160 && k + 4 < n) { memcpy(out + k, "...", 3); k += 3; }
        out[k] = '\0';
    } else {
        snprintf(out, n, "(empty body)");
    }
    json_decref(doc);
}

/* The channel's budget: X-RateLimit-Limit / -Remaining / -Reset-Ms (time
 * until the bucket is full again, which gives the refill rate). */
static void rate_hint(struct example *ex, const struct hub_http_response *resp, int throttled,
                      uint32_t wait_ms)
{
    const struct hub_host *host = ex->host;
    double limit = number(header(resp, "x-ratelimit-limit"));
    double remaining = number(header(resp, "x-ratelimit-remaining"));
    double reset_ms = number(header(resp, "x-ratelimit-reset-ms"));
    if (throttled) remaining = 0;
    if (limit < 0 && remaining < 0 && !wait_ms) return;
    if (limit >= 0 && remaining > limit) remaining = limit;
    double refill = -1;
    if (limit > 0 && remaining >= 0 && reset_ms > 0 && limit > remaining)
        refill = (limit - remaining) * 1000.0 / reset_ms;
    host->rate_hint(ex->inst, remaining, limit > 0 ? limit : -1, refill, wait_ms);
    if (wait_ms) {
        uint64_t until = host->now_ms(ex->inst) + wait_ms;
        if (until > ex->not_before_ms) ex->not_before_ms = until;
    }
}

static void refused(struct example *ex, const char *what, int status, const char *text)
{
    if (!ex->refused)
        ex->host->log(ex->inst, HUB_LOG_ERROR,
                      "example: the channel refuses %s (HTTP %d: %s); check 'url' and the 'token' "
                      "secret; calls wait %u ms between attempts",
                      what, status, text, ex->auth_retry_ms);
    ex->refused = 1;
}

void example_http_classify(struct example *ex, const struct hub_http_response *resp,
                           const char *what, struct example_answer *a)
{
    memset(a, 0, sizeof *a);
    int st = resp->status;
    char text[256];
    if (resp->dry_run) {
        a->cls = EX_OK;
        a->dry_run = 1;
        return;
    }
    if (st == 0) {
        a->cls = EX_RETRY;
        snprintf(a->message, sizeof a->message, "example: %s: %s", what,
                 resp->error ? resp->error : "transport error");
        return;
    }
    example_http_error_text(resp, text, sizeof text);
    if (st == 429) {
        a->cls = EX_RETRY;
        a->retry_after_ms = retry_after_ms(resp, RETRY_AFTER_DEFAULT_MS);
        if (!a->retry_after_ms) a->retry_after_ms = RETRY_AFTER_DEFAULT_MS;
        rate_hint(ex, resp, 1, a->retry_after_ms);
        snprintf(a->message, sizeof a->message, "example: %s: throttled (HTTP 429), retry after %u ms",
                 what, a->retry_after_ms);
        return;
    }
    if (st == 401 || st == 403 || st == 404 || (st >= 300 && st < 400)) {
        a->cls = EX_RETRY;
        a->retry_after_ms = ex->auth_retry_ms;
        rate_hint(ex, resp, 0, a->retry_after_ms);
        refused(ex, st == 404 || st < 400 ? "the URL" : "the token", st, text);
        snprintf(a->message, sizeof a->message, "example: %s: HTTP %d: %s", what, st, text);
        return;
    }
    if (st >= 500 || st == 408 || st == 409 || st == 425) {
        a->cls = EX_RETRY;
        a->retry_after_ms = retry_after_ms(resp, 0);
        rate_hint(ex, resp, 0, a->retry_after_ms);
        snprintf(a->message, sizeof a->message, "example: %s: HTTP %d: %s", what, st, text);
        return;
    }
    rate_hint(ex, resp, 0, 0);
    if (st < 200 || st >= 300) {
        a->cls = EX_FATAL;
        snprintf(a->message, sizeof a->message, "HTTP %d: %s", st, text);
        return;
    }
    json_error_t jerr;
    a->doc = json_loadb(resp->body ? resp->body : "", resp->body_len, 0, &jerr);
    if (!json_is_object(a->doc)) {
        json_decref(a->doc);
        a->doc = NULL;
        a->cls = EX_RETRY;
        snprintf(a->message, sizeof a->message, "example: %s: malformed answer (HTTP %d, not a JSON object): %s",
                 what, st, text);
        return;
    }
    if (ex->refused) {
        ex->host->log(ex->inst, HUB_LOG_INFO, "example: the channel accepts our calls again");
        ex->refused = 0;
    }
    a->cls = EX_OK;
}
