/*
 * shopify_webhook.c - POST /t/<tenant>/<channel>/webhooks.
 *
 * Shopify sends (docs/channels/shopify.md section 5)
 *   X-Shopify-Hmac-Sha256   base64(HMAC-SHA256(app client secret, raw body))
 *   X-Shopify-Topic         orders/create, orders/cancelled, ...
 *   X-Shopify-Webhook-Id    the same on every retry of one delivery
 * In this order, each step answering on failure and changing nothing:
 *   webhook_secret not configured        404
 *   the secret cannot be resolved        503 (the core logged why)
 *   signature missing or wrong           401
 *   topic or webhook id missing          400
 *   body not a JSON object               400
 *   an unknown topic                     200 {"status":"ignored"} (logged at debug)
 *   from_channel fails (Lua)             422 with the mapping's message
 * Orders (orders/create, orders/updated, orders/cancelled) and restocking
 * refunds (refunds/create) are mapped by scripts/shopify.lua and emitted with
 * the key "shopify:<webhook id>"; the answer comes from the emit callback,
 * after the durable commit: 200 committed/duplicate; 200 {"status":"refused",
 * "reason"} when the hub refused the events for their content (logged,
 * counted as webhooks_refused: Shopify would retry any other answer for 48 h
 * and then delete the subscription); 503 when they could not be recorded
 * (Shopify delivers again).  inventory_levels/update is a
 * channel-side edit: a stock.drift event when Shopify's number differs from
 * what the hub told it (shadow), is not a push of ours in flight, is not the
 * hub's current number anyway, and is not older than our last push.
 */
#include "shopify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WEBHOOK_ID_MAX 200

struct webhook {
    struct shopify *s;
    struct hub_http_req *req;
    char topic[64];
    char key[WEBHOOK_ID_MAX + 16];
    json_t *body;
    char item[96];               /* inventory item gid */
    uint64_t timer;              /* inventory_levels/update held for drift_grace */
    struct webhook *prev, *next; /* s->held */
};

static void reply(struct shopify *s, struct hub_http_req *req, int status, json_t *body)
{
    static const struct hub_header json_type = {"Content-Type", "application/json"};
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    s->host->respond(req, status, &json_type, 1, text ? text : "{}", text ? strlen(text) : 2);
    free(text);
}

static void refuse(struct shopify *s, struct hub_http_req *req, int status, const char *msg)
{
    char name[48];
    snprintf(name, sizeof name, "webhooks_refused_%d", status);
    shopify_metric(s, name, 1);
    reply(s, req, status, json_pack("{s:s}", "error", msg));
}

static void webhook_free(struct webhook *w)
{
    json_decref(w->body);
    free(w);
}

static void on_emitted(void *arg, enum hub_emit_status status, const char *message)
{
    struct webhook *w = arg;
    struct shopify *s = w->s;
    if (status == HUB_EMIT_COMMITTED || status == HUB_EMIT_DUPLICATE) {
        shopify_metric(s, status == HUB_EMIT_DUPLICATE ? "webhooks_duplicate" : "webhooks_committed", 1);
        reply(s, w->req, 200, json_pack("{s:s}", "status", status == HUB_EMIT_DUPLICATE ? "duplicate" : "committed"));
    } else if (status == HUB_EMIT_REFUSED) {
        /* Refused for its content: nothing changed, and a redelivery would be
         * refused again.  Shopify retries any non-2xx for 48 h and then deletes
         * the subscription, so acknowledge it and keep the reason here. */
        const char *why = message ? message : "(no message)";
        s->host->log(s->inst, HUB_LOG_WARN, "shopify: %s webhook %s refused by the hub: %s", w->topic,
                     w->key, why);
        shopify_metric(s, "webhooks_refused", 1);
        reply(s, w->req, 200, json_pack("{s:s, s:s}", "status", "refused", "reason", why));
    } else { /* FAILED (or a status this build does not know): Shopify delivers it again */
        s->host->log(s->inst, HUB_LOG_WARN, "shopify: %s webhook not recorded: %s", w->topic,
                     message ? message : "(no message)");
        refuse(s, w->req, 503, message ? message : "not recorded; deliver again");
    }
    webhook_free(w);
}

/* Map with the Lua script and emit; the answer comes from on_emitted. */
static void map_and_emit(struct webhook *w, const char *kind, json_t *payload)
{
    struct shopify *s = w->s;
    char *text = json_dumps(payload, JSON_COMPACT);
    char *error = NULL;
    char *events = text ? s->host->map_from_channel(s->inst, kind, text, &error) : NULL;
    free(text);
    if (!events) {
        s->host->log(s->inst, HUB_LOG_WARN, "shopify: %s webhook refused by the mapping: %s", w->topic,
                     error ? error : "(no message)");
        refuse(s, w->req, 422, error ? error : "the mapping failed");
        s->host->free(error);
        webhook_free(w);
        return;
    }
    json_t *ev = json_loads(events, 0, NULL);
    int empty = (json_is_array(ev) && json_array_size(ev) == 0) || (json_is_object(ev) && json_object_size(ev) == 0);
    json_decref(ev);
    if (empty) { /* nothing to record (an order update that changes no stock) */
        s->host->free(events);
        reply(s, w->req, 200, json_pack("{s:s}", "status", "nothing to do"));
        webhook_free(w);
        return;
    }
    if (s->host->emit(s->inst, w->key, events, on_emitted, w) != 0) {
        refuse(s, w->req, 422, "the mapping produced something that is not canonical events");
        webhook_free(w);
    }
    s->host->free(events);
}

/* ------------------------------------------------------------ inventory_levels/update */
static void level_check(struct webhook *w, const char *sku)
{
    struct shopify *s = w->s;
    json_t *avail = json_object_get(w->body, "available");
    if (!sku || !json_is_integer(avail) || !s->host->variant_get) {
        reply(s, w->req, 200, json_pack("{s:s}", "status", "ignored"));
        webhook_free(w);
        return;
    }
    char *variant = s->host->variant_get(s->inst, sku);
    if (!variant) { /* not a hub SKU */
        reply(s, w->req, 200, json_pack("{s:s}", "status", "ignored"));
        webhook_free(w);
        return;
    }
    s->host->free(variant);
    int64_t shown = json_integer_value(avail), shadow = -1, pushed_at = 0, in_flight;
    char *l = s->host->listing_get(s->inst, sku);
    json_t *lj = l ? json_loads(l, 0, NULL) : NULL;
    s->host->free(l);
    if (lj) {
        shadow = json_integer_value(json_object_get(lj, "quantity"));
        pushed_at = json_integer_value(json_object_get(lj, "pushed_at"));
        if (!json_is_integer(json_object_get(lj, "quantity"))) shadow = -1;
    }
    json_decref(lj);
    int64_t updated = iso_to_ms(json_string_value(json_object_get(w->body, "updated_at")));
    json_t *fly = json_object_get(s->pushing, sku);
    in_flight = json_is_integer(fly) ? json_integer_value(fly) : -2;
    const char *why = NULL;
    if (shadow < 0) why = "never pushed";
    else if (shown == shadow) why = "as pushed";
    else if (shown == in_flight) why = "our push in flight";
    else if (updated > 0 && pushed_at > 0 && updated < pushed_at) why = "older than our last push";
    else if (shown == s->host->available(s->inst, sku)) why = "the hub's number already";
    if (why) {
        if (shadow >= 0 && !(updated > 0 && pushed_at > 0 && updated < pushed_at)) ids_observe(s, sku, shown);
        s->host->log(s->inst, HUB_LOG_DEBUG, "shopify: inventory_levels/update %s=%lld: no drift (%s)", sku,
                     (long long)shown, why);
        reply(s, w->req, 200, json_pack("{s:s, s:s}", "status", "no drift", "reason", why));
        webhook_free(w);
        return;
    }
    ids_observe(s, sku, shown); /* the next push compares against it */
    json_t *payload = json_deep_copy(w->body);
    json_object_set_new(payload, "sku", json_string(sku));
    json_object_set_new(payload, "hub_expected", json_integer((json_int_t)shadow));
    map_and_emit(w, "inventory_levels/update", payload);
    json_decref(payload);
}

static void unhold(struct webhook *w)
{
    struct shopify *s = w->s;
    if (w->prev) w->prev->next = w->next;
    else s->held = w->next;
    if (w->next) w->next->prev = w->prev;
    w->prev = w->next = NULL;
}

static void on_item_sku(struct shopify *s, void *arg, const struct gql_result *r)
{
    struct webhook *w = arg;
    json_t *item = r->ok && r->data ? json_object_get(r->data, "inventoryItem") : NULL;
    const char *sku = json_string_value(json_object_get(item, "sku"));
    if (!r->ok && !r->dry_run)
        s->host->log(s->inst, HUB_LOG_WARN, "shopify: inventory_levels/update: item lookup failed: %s", r->error);
    else if (r->ok && !r->dry_run) /* remembered, also when it has no SKU (not one of the hub's) */
        json_object_set_new(s->item_sku, w->item, json_string(sku ? sku : ""));
    level_check(w, sku && *sku ? sku : NULL);
}

/* The item's SKU: from what we remember (our own productSet answers, reconcile,
 * lookups), else one inventoryItem query. */
static void resolve_and_check(struct webhook *w)
{
    struct shopify *s = w->s;
    const char *sku = ids_sku_of_item(s, w->item);
    if (sku) {
        level_check(w, *sku ? sku : NULL);
        return;
    }
    gql_call(s, OP_ITEM_SKU, "query ItemSku($id: ID!) { inventoryItem(id: $id) { id sku } }",
             json_pack("{s:s}", "id", w->item), 1.0, on_item_sku, w);
}

static void grace_over(void *arg)
{
    struct webhook *w = arg;
    w->s->host->timer_stop(w->s->inst, w->timer);
    w->timer = 0;
    unhold(w);
    resolve_and_check(w);
}

/* A sale in Shopify moves its number before the order's own webhook arrives,
 * and a variant we just created reports its level before our productSet's
 * answer is read: hold the level for drift_grace, then judge. */
static void level_update(struct webhook *w)
{
    struct shopify *s = w->s;
    if (s->drift_grace_ms == 0 || s->stopped) {
        resolve_and_check(w);
        return;
    }
    w->next = s->held;
    if (s->held) s->held->prev = w;
    s->held = w;
    w->timer = s->host->timer_start(s->inst, s->drift_grace_ms, 0, grace_over, w);
}

void webhook_stop(struct shopify *s)
{
    while (s->held) {
        struct webhook *w = s->held;
        unhold(w);
        s->host->timer_stop(s->inst, w->timer);
        refuse(s, w->req, 503, "the channel is stopping; deliver again");
        webhook_free(w);
    }
}

static void inventory_levels(struct webhook *w)
{
    struct shopify *s = w->s;
    json_t *loc = json_object_get(w->body, "location_id"), *item = json_object_get(w->body, "inventory_item_id");
    char loc_gid[96], num[32];
    if (!json_is_integer(loc) || !json_is_integer(item)) {
        refuse(s, w->req, 400, "inventory_levels/update needs integer inventory_item_id and location_id");
        webhook_free(w);
        return;
    }
    snprintf(num, sizeof num, "%lld", (long long)json_integer_value(loc));
    gid_of("Location", num, loc_gid, sizeof loc_gid);
    if (strcmp(loc_gid, s->location) != 0) { /* another location: not the hub's */
        reply(s, w->req, 200, json_pack("{s:s}", "status", "ignored: another location"));
        webhook_free(w);
        return;
    }
    snprintf(num, sizeof num, "%lld", (long long)json_integer_value(item));
    gid_of("InventoryItem", num, w->item, sizeof w->item);
    level_update(w);
}

/* ------------------------------------------------------------ the route */
static int signature_ok(struct shopify *s, const char *secret, const char *body, size_t len, const char *sig)
{
    unsigned char mac[32];
    char want[45]; /* 4*((32+2)/3)+1 */
    s->host->hmac_sha256(secret, strlen(secret), body, len, mac);
    size_t want_len = s->host->base64_encode(mac, sizeof mac, want);
    int ok = sig && s->host->secure_equal(want, want_len, sig, strlen(sig));
    memset(mac, 0, sizeof mac);
    memset(want, 0, sizeof want);
    return ok;
}

static int token_ok(const char *v, size_t max)
{
    size_t n = v ? strlen(v) : 0;
    if (n == 0 || n > max) return 0;
    for (const char *p = v; *p; p++)
        if (*p <= 0x20 || *p >= 0x7f) return 0;
    return 1;
}

void shopify_webhook(void *ctx, struct hub_http_req *req)
{
    struct shopify *s = ctx;
    const struct hub_host *host = s->host;
    size_t len = 0;
    const char *body = host->req_body(req, &len);
    if (!host->config_str(s->inst, "webhook_secret")) {
        refuse(s, req, 404, "webhooks are not enabled on this channel (no webhook_secret)");
        return;
    }
    char *secret = host->secret(s->inst, "webhook_secret");
    if (!secret) {
        refuse(s, req, 503, "the webhook secret is not available; try again later");
        return;
    }
    int ok = signature_ok(s, secret, body ? body : "", len, host->req_header(req, "X-Shopify-Hmac-Sha256"));
    host->free_secret(secret);
    if (!ok) {
        refuse(s, req, 401, "bad or missing X-Shopify-Hmac-Sha256");
        return;
    }
    const char *topic = host->req_header(req, "X-Shopify-Topic");
    const char *id = host->req_header(req, "X-Shopify-Webhook-Id");
    if (!token_ok(topic, 63)) {
        refuse(s, req, 400, "missing or malformed X-Shopify-Topic");
        return;
    }
    if (!token_ok(id, WEBHOOK_ID_MAX)) {
        refuse(s, req, 400, "missing or malformed X-Shopify-Webhook-Id");
        return;
    }
    json_error_t jerr;
    json_t *doc = body && len ? json_loadb(body, len, 0, &jerr) : NULL;
    if (!json_is_object(doc)) {
        char msg[300];
        snprintf(msg, sizeof msg, "the body is not a JSON object%s%s", doc ? "" : ": ", doc ? "" : (len ? jerr.text : "empty"));
        json_decref(doc);
        refuse(s, req, 400, msg);
        return;
    }
    struct webhook *w = calloc(1, sizeof *w);
    w->s = s;
    w->req = req;
    w->body = doc;
    snprintf(w->topic, sizeof w->topic, "%s", topic);
    snprintf(w->key, sizeof w->key, "shopify:%s", id);
    shopify_metric(s, "webhooks", 1);
    if (strcmp(topic, "orders/create") == 0 || strcmp(topic, "orders/updated") == 0 ||
        strcmp(topic, "orders/cancelled") == 0 || strcmp(topic, "refunds/create") == 0) {
        map_and_emit(w, topic, doc);
    } else if (strcmp(topic, "inventory_levels/update") == 0) {
        inventory_levels(w);
    } else {
        host->log(s->inst, HUB_LOG_DEBUG, "shopify: webhook topic %s acknowledged and ignored", topic);
        reply(s, req, 200, json_pack("{s:s}", "status", "ignored"));
        webhook_free(w);
    }
}
