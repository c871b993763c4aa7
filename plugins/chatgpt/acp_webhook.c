/* acp_webhook.c - ACP order events, merchant -> agent (openapi.agentic_checkout_webhook.yaml).
 *
 * With acp_webhook_url and acp_webhook_secret set, a completed checkout sends
 *   POST <acp_webhook_url>  {"type": "order_create", "data": <the Order, as in the session>}
 *   Merchant-Signature: t=<unix s>,v1=<hex HMAC-SHA256(secret, t "." body)>
 * A transport error, 429 or 5xx is retried (1 s, 2 s, 4 s, 8 s; five attempts, a
 * fresh signature each time); another 4xx is logged and dropped.  Deliveries
 * wait in memory only: a restart forgets the ones not yet accepted (logged). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acp.h"

#define MAX_ATTEMPTS 5

struct delivery {
    struct chatgpt *g;
    char *body;
    char order_id[64];
    int attempt;
    uint64_t timer;
    struct delivery *next;
};

static struct delivery **list_of(struct chatgpt *g) { return &((struct acp_state *)g->acp)->deliveries; }

static void unlink_free(struct delivery *d)
{
    struct delivery **p = list_of(d->g);
    while (*p && *p != d) p = &(*p)->next;
    if (*p) *p = d->next;
    free(d->body);
    free(d);
}

static void send_now(struct delivery *d);

static void on_retry_timer(void *arg)
{
    struct delivery *d = arg;
    d->timer = 0;
    send_now(d);
}

static void on_sent(void *arg, const struct hub_http_response *resp)
{
    struct delivery *d = arg;
    struct chatgpt *g = d->g;
    const struct hub_host *host = g->host;
    int st = resp->status;
    if (resp->dry_run || (st >= 200 && st < 300)) {
        host->log(g->inst, HUB_LOG_INFO, "acp: order event for %s delivered (%d)", d->order_id, st);
        if (HUB_HOST_HAS(host, metric_add)) host->metric_add(g->inst, "acp_webhooks_delivered", 1);
        unlink_free(d);
        return;
    }
    int transient = st == 0 || st == 429 || st >= 500;
    if (!transient || d->attempt >= MAX_ATTEMPTS || g->stopping) {
        host->log(g->inst, HUB_LOG_WARN, "acp: order event for %s not delivered after %d attempt(s): %d %.200s",
                  d->order_id, d->attempt, st, st ? (resp->body ? resp->body : "") : (resp->error ? resp->error : ""));
        if (HUB_HOST_HAS(host, metric_add)) host->metric_add(g->inst, "acp_webhooks_failed", 1);
        unlink_free(d);
        return;
    }
    uint64_t wait = 1000ULL << (d->attempt - 1);
    d->timer = host->timer_start(g->inst, wait, 0, on_retry_timer, d);
    if (!d->timer) unlink_free(d);
}

static void send_now(struct delivery *d)
{
    struct chatgpt *g = d->g;
    const struct hub_host *host = g->host;
    const char *url = host->config_str(g->inst, "acp_webhook_url");
    char *secret = host->secret(g->inst, "acp_webhook_secret");
    if (!url || !secret || !*secret) {
        host->free_secret(secret);
        host->log(g->inst, HUB_LOG_WARN, "acp: order event for %s dropped: webhook url or secret unavailable",
                  d->order_id);
        unlink_free(d);
        return;
    }
    d->attempt++;
    char t[32];
    snprintf(t, sizeof t, "%" PRIu64, host->now_ms(g->inst) / 1000);
    size_t tl = strlen(t), bl = strlen(d->body);
    char *msg = malloc(tl + 1 + bl);
    if (!msg) {
        host->free_secret(secret);
        unlink_free(d);
        return;
    }
    memcpy(msg, t, tl);
    msg[tl] = '.';
    memcpy(msg + tl + 1, d->body, bl);
    unsigned char mac[32];
    host->hmac_sha256(secret, strlen(secret), msg, tl + 1 + bl, mac);
    host->free_secret(secret);
    free(msg);
    char hex[65], sig[100], ts[32], rid[48];
    host->hex_encode(mac, sizeof mac, hex);
    snprintf(sig, sizeof sig, "t=%s,v1=%s", t, hex);
    acp_rfc3339(host->now_ms(g->inst), ts);
    snprintf(rid, sizeof rid, "evt_%s_%d", d->order_id, d->attempt);
    struct hub_header h[] = {{"Content-Type", "application/json"}, {"Merchant-Signature", sig},
                             {"Timestamp", ts}, {"Request-Id", rid}};
    struct hub_http_request rq = {.method = "POST", .url = url, .headers = h, .n_headers = 4,
                                  .body = d->body, .body_len = bl, .timeout_ms = 10000};
    if (host->http(g->inst, &rq, on_sent, d) != 0) {
        host->log(g->inst, HUB_LOG_WARN, "acp: order event for %s not sent (channel paused or stopping)", d->order_id);
        unlink_free(d);
    }
}

void acp_webhook_order(struct chatgpt *g, const json_t *s, const char *type)
{
    const struct hub_host *host = g->host;
    const char *url = host->config_str(g->inst, "acp_webhook_url");
    const char *ref = host->config_str(g->inst, "acp_webhook_secret");
    if (!g->acp || !url || !*url) return;
    if (!ref || !*ref) {
        host->log(g->inst, HUB_LOG_WARN, "acp: acp_webhook_url is set but acp_webhook_secret is not: no order events");
        return;
    }
    json_t *order = acp_order_view(g, s);
    if (!order) return;
    json_t *ev = json_pack("{s:s, s:o}", "type", type, "data", order);
    struct delivery *d = calloc(1, sizeof *d);
    if (!d || !ev) {
        json_decref(ev);
        free(d);
        return;
    }
    d->g = g;
    d->body = chatgpt_dump(ev);
    snprintf(d->order_id, sizeof d->order_id, "%s",
             json_string_value(json_object_get(json_object_get(ev, "data"), "id")));
    json_decref(ev);
    if (!d->body) {
        free(d);
        return;
    }
    d->next = *list_of(g);
    *list_of(g) = d;
    send_now(d);
}

void acp_webhook_stop(struct chatgpt *g)
{
    if (!g->acp) return;
    struct delivery *d = *list_of(g), *next;
    for (; d; d = next) { /* those waiting for a retry; those in flight finish in on_sent */
        next = d->next;
        if (d->timer) {
            g->host->timer_stop(g->inst, d->timer);
            g->host->log(g->inst, HUB_LOG_WARN, "acp: order event for %s dropped at stop", d->order_id);
            unlink_free(d);
        }
    }
}

void acp_webhook_destroy(struct chatgpt *g)
{
    if (!g->acp) return;
    while (*list_of(g)) unlink_free(*list_of(g));
}
