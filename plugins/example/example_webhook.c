/*
 * example_webhook.c - POST /t/<tenant>/<channel>/webhooks: order webhooks.
 *
 * The channel sends
 *   X-Example-Event-Id:  its id of this event (the idempotency key)
 *   X-Example-Topic:     order.created | order.cancelled
 *   X-Example-Signature: base64(HMAC-SHA256(webhook_secret, raw body))
 * and the order as the body.  In this order, each step answering on failure
 * and changing nothing:
 *   webhook_secret not configured          404 {"error":...}
 *   the secret cannot be resolved          503 (the core logged why)
 *   signature missing or wrong             401 {"error":"bad signature"}
 *   X-Example-Event-Id missing or bad      400
 *   X-Example-Topic missing                400; an unknown topic is acknowledged
 *                                          200 {"status":"ignored"} (nothing to do)
 *   body not a JSON object                 400
 *   from_channel fails (Lua)               422 {"error":"<the mapping's message>"}
 * then host->emit with the key "example:<event id>", and the answer comes
 * only from the emit callback, once the events are durably committed:
 *   200 {"status":"committed"} or {"status":"duplicate"};
 *   422 {"error":"refused: <why>"} when the hub refused the event for its
 *       content (nothing changed; the channel must not deliver it again);
 *   503 if not recorded (the channel delivers again).
 * Nothing here waits: the request is answered later, on the loop.
 */
#include "example.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EVENT_ID_MAX 200

struct webhook {
    struct example *ex;
    struct hub_http_req *req;
};

static void reply(const struct hub_host *host, struct hub_http_req *req, int status, json_t *body)
{
    static const struct hub_header json_type = {"Content-Type", "application/json"};
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    host->respond(req, status, &json_type, 1, text ? text : "{}", text ? strlen(text) : 2);
    free(text);
}

static void reply_error(struct example *ex, struct hub_http_req *req, int status, const char *msg)
{
    if (HUB_HOST_HAS(ex->host, metric_add)) {
        char name[48];
        snprintf(name, sizeof name, "webhooks_refused_%d", status);
        ex->host->metric_add(ex->inst, name, 1);
    }
    reply(ex->host, req, status, json_pack("{s:s}", "error", msg));
}

static void on_emitted(void *arg, enum hub_emit_status status, const char *message)
{
    struct webhook *w = arg;
    struct example *ex = w->ex;
    if (status == HUB_EMIT_COMMITTED || status == HUB_EMIT_DUPLICATE) {
        const char *s = status == HUB_EMIT_DUPLICATE ? "duplicate" : "committed";
        if (HUB_HOST_HAS(ex->host, metric_add))
            ex->host->metric_add(ex->inst, status == HUB_EMIT_DUPLICATE ? "webhooks_duplicate"
                                                                         : "webhooks_committed", 1);
        static const struct hub_header json_type = {"Content-Type", "application/json"};
        char text[40]; /* the answer on every delivery: no JSON round trip */
        int n = snprintf(text, sizeof text, "{\"status\":\"%s\"}", s);
        ex->host->respond(w->req, 200, &json_type, 1, text, (size_t)n);
    } else if (status == HUB_EMIT_REFUSED) { /* refused for its content: a redelivery will not help */
        ex->host->log(ex->inst, HUB_LOG_WARN, "example: webhook refused by the hub: %s",
                      message ? message : "(no message)");
        if (HUB_HOST_HAS(ex->host, metric_add)) ex->host->metric_add(ex->inst, "webhooks_refused", 1);
        char text[512];
        snprintf(text, sizeof text, "refused: %s", message ? message : "the hub refused the event");
        reply_error(ex, w->req, 422, text); /* 4xx: the channel does not deliver it again */
    } else { /* FAILED (or a status this build does not know): not recorded, deliver again */
        ex->host->log(ex->inst, HUB_LOG_WARN, "example: webhook not recorded: %s",
                      message ? message : "(no message)");
        char text[512];
        snprintf(text, sizeof text, "not recorded: %s", message ? message : "commit failed");
        reply_error(ex, w->req, 503, text);
    }
    free(w);
}

/* 1 when `sig` (base64 text) is the HMAC of the body under the secret. */
static int signature_ok(struct example *ex, const char *secret, const char *body, size_t len,
                        const char *sig)
{
    const struct hub_host *host = ex->host;
    unsigned char mac[32];
    char want[45]; /* 4*((32+2)/3)+1 */
    host->hmac_sha256(secret, strlen(secret), body, len, mac);
    size_t want_len = host->base64_encode(mac, sizeof mac, want);
    int ok = sig && host->secure_equal(want, want_len, sig, strlen(sig));
    memset(mac, 0, sizeof mac);
    memset(want, 0, sizeof want);
    return ok;
}

static int event_id_ok(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    if (n == 0 || n > EVENT_ID_MAX) return 0;
    for (const char *p = id; *p; p++)
        if (*p <= 0x20 || *p >= 0x7f) return 0;
    return 1;
}

/* The body starts with '{' (after white space). */
static int looks_like_object(const char *body, size_t len)
{
    size_t i = 0;
    while (i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n')) i++;
    return i < len && body[i] == '{';
}

void example_webhook(void *ctx, struct hub_http_req *req)
{
    struct example *ex = ctx;
    const struct hub_host *host = ex->host;
    size_t len = 0;
    const char *body = host->req_body(req, &len);

    if (!host->config_str(ex->inst, "webhook_secret")) {
        reply_error(ex, req, 404, "webhooks are not enabled on this channel (no webhook_secret)");
        return;
    }
    char *secret = host->secret(ex->inst, "webhook_secret");
    if (!secret) {
        reply_error(ex, req, 503, "the webhook secret is not available; try again later");
        return;
    }
    int ok = signature_ok(ex, secret, body, len, host->req_header(req, "X-Example-Signature"));
    host->free_secret(secret);
    if (!ok) {
        reply_error(ex, req, 401, "bad signature");
        return;
    }

    const char *event_id = host->req_header(req, "X-Example-Event-Id");
    if (!event_id_ok(event_id)) {
        reply_error(ex, req, 400, event_id ? "X-Example-Event-Id must be 1-200 printable characters"
                                           : "missing X-Example-Event-Id");
        return;
    }
    const char *topic = host->req_header(req, "X-Example-Topic");
    const char *kind = !topic ? NULL
                       : strcmp(topic, "order.created") == 0   ? "order"
                       : strcmp(topic, "order.cancelled") == 0 ? "order.cancelled"
                                                               : "";
    if (!kind) {
        reply_error(ex, req, 400, "missing X-Example-Topic");
        return;
    }
    if (!*kind) { /* a topic this channel does not act on: acknowledged, nothing to do */
        reply(host, req, 200, json_pack("{s:s, s:s}", "status", "ignored", "topic", topic));
        return;
    }

    /* Only a cheap look here: emit_mapped parses the body once and refuses
     * what does not parse (422, with jansson's message). */
    if (!looks_like_object(body, len)) {
        reply_error(ex, req, 400, "body is not a JSON object");
        return;
    }

    char key[sizeof "example:" + EVENT_ID_MAX];
    snprintf(key, sizeof key, "example:%s", event_id);
    struct webhook *w = calloc(1, sizeof *w);
    if (!w) {
        reply_error(ex, req, 503, "out of memory");
        return;
    }
    w->ex = ex;
    w->req = req;
    /* Map with from_channel and queue the events in one step; answered in
     * on_emitted, once they are durably committed. */
    char *error = NULL;
    int rc = host->emit_mapped(ex->inst, kind, body, len, key, on_emitted, w, &error);
    if (rc != 0) { /* done will not run */
        free(w);
        if (rc == -1)
            host->log(ex->inst, HUB_LOG_WARN, "example: webhook %s refused by the mapping: %s", event_id,
                      error ? error : "(no message)");
        reply_error(ex, req, rc == -1 ? 422 : 503,
                    error ? error : rc == -1 ? "the mapping refused the payload" : "the events could not be queued");
        host->free(error);
    }
    /* w belongs to on_emitted now (it may even have run already). */
}
