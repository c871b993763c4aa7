/*
 * shopify_gql.c - one GraphQL Admin API call, behind a cost gate.
 *
 * Shopify meters GraphQL in cost points per app and shop: a call needs its
 * requestedQueryCost in the bucket, the bucket refills at restoreRate points/s
 * up to maximumAvailable, and every answer reports the bucket in
 * extensions.cost.throttleStatus.  This file keeps that bucket's last report,
 * refills it locally, and holds each call (FIFO, on a timer) until the bucket
 * holds the call's requested cost - so the plugin does not send what Shopify
 * would throttle.  A THROTTLED answer anyway (another app on the same shop, a
 * cost estimate below Shopify's) is reported with the wait the deficit needs:
 * (requested - currentlyAvailable) / restoreRate.
 *
 * The core's own token bucket counts push batches.  After every answer the
 * plugin calls rate_hint() with Shopify's numbers divided by the running
 * average cost of one batch, so "one token" means "one batch's worth of points".
 *
 * A refused token (HTTP 401/403) pauses every call for `auth_retry` (default
 * 5 min): one ERROR line, no retry storm.  `done` runs exactly once per call;
 * when the call cannot be sent at all (paused channel, stopping, token refused)
 * it runs before gql_call() returns.
 */
#include "shopify.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct gql_call {
    struct shopify *s;
    enum gql_op op;
    char *body;
    size_t len;
    double est;  /* our estimate of requestedQueryCost, before learning */
    double cost; /* what the gate waits for */
    gql_done_fn done;
    void *arg;
    struct gql_call *next;
};

static uint64_t now(struct shopify *s)
{
    return s->host->now_ms(s->inst);
}

/* Points in Shopify's bucket now, as far as we know. */
static double bucket_now(struct shopify *s, uint64_t t)
{
    double a = s->avail;
    if (t > s->at_ms) a += s->restore * (double)(t - s->at_ms) / 1000.0;
    return a > s->max ? s->max : a;
}

uint64_t gql_auth_wait(struct shopify *s)
{
    uint64_t t = now(s);
    return s->auth_failed_until > t ? s->auth_failed_until - t : 0;
}

void gql_rate_hint(struct shopify *s)
{
    if (!s->bucket_known || s->restore <= 0 || s->max <= 0) return;
    /* One token = one batch's cost; never more than the whole bucket, or the
     * core's bucket could never hold a token. */
    double unit = s->batch_cost < 1 ? 1 : s->batch_cost;
    if (unit > s->max) unit = s->max;
    /* Plus one: the next batch may start before its points are all there.  Its
     * calls wait in the gate, each just for its own cost, so the bucket is spent
     * down to zero instead of idling until a whole batch's worth is back. */
    double avail = bucket_now(s, now(s));
    double cap = s->max / unit + 1;
    s->host->rate_hint(s->inst, (avail < 0 ? 0 : avail / unit) + 1, cap, s->restore / unit, 0);
}

void gql_idem_key(struct shopify *s, char out[37])
{
    char seed[256];
    unsigned char mac[32];
    char hex[65];
    snprintf(seed, sizeof seed, "%s|%s|%s|%llu|%llu", s->host->tenant(s->inst), s->host->channel(s->inst),
             s->url, (unsigned long long)now(s), (unsigned long long)++s->seq);
    s->host->hmac_sha256("hub-shopify-idempotency", 23, seed, strlen(seed), mac);
    s->host->hex_encode(mac, 16, hex);
    hex[12] = '4'; /* shaped like a v4 UUID */
    snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
}

char *gql_user_errors(json_t *errors)
{
    size_t i;
    json_t *e;
    size_t cap = 1024, len = 0;
    char *out = malloc(cap);
    if (!out) return NULL;
    out[0] = '\0';
    json_array_foreach(errors, i, e) {
        char one[600] = "";
        const char *msg = json_string_value(json_object_get(e, "message"));
        json_t *field = json_object_get(e, "field");
        char path[200] = "";
        size_t k;
        json_t *f;
        json_array_foreach(field, k, f) {
            size_t pl = strlen(path);
            snprintf(path + pl, sizeof path - pl, "%s%s", pl ? "." : "",
                     json_is_string(f) ? json_string_value(f) : "?");
        }
        const char *code = json_string_value(json_object_get(e, "code"));
        snprintf(one, sizeof one, "%s%s%s%s%s%s", len ? "; " : "", path, *path ? ": " : "",
                 msg ? msg : "(no message)", code ? " " : "", code ? code : "");
        size_t ol = strlen(one);
        if (len + ol + 1 > cap) {
            char *bigger = realloc(out, cap = (len + ol + 1) * 2);
            if (!bigger) break;
            out = bigger;
        }
        memcpy(out + len, one, ol + 1);
        len += ol;
    }
    return out;
}

static void finish(struct gql_call *c, const struct gql_result *r)
{
    c->done(c->s, c->arg, r);
    free(c->body);
    free(c);
}

static void fail_now(struct gql_call *c, int transient, uint32_t retry_after_ms, int auth, const char *why)
{
    struct gql_result r = {.transient = transient, .retry_after_ms = retry_after_ms, .auth = auth};
    snprintf(r.error, sizeof r.error, "%s", why);
    finish(c, &r);
}

static const char *header(const struct hub_http_response *resp, const char *name)
{
    for (size_t i = 0; i < resp->n_headers; i++)
        if (strcmp(resp->headers[i].name, name) == 0) return resp->headers[i].value;
    return NULL;
}

static uint32_t retry_after_header(const struct hub_http_response *resp)
{
    const char *v = header(resp, "retry-after");
    if (!v) return 0;
    double secs = strtod(v, NULL);
    if (!(secs > 0) || secs > 3600) return 0;
    return (uint32_t)ceil(secs * 1000.0);
}

/* extensions.cost: refresh the local bucket, learn the cost, tell the core. */
static void read_cost(struct shopify *s, struct gql_call *c, json_t *body, struct gql_result *r)
{
    json_t *cost = json_object_get(json_object_get(body, "extensions"), "cost");
    json_t *ts = json_object_get(cost, "throttleStatus");
    if (!cost) return;
    r->requested = json_number_value(json_object_get(cost, "requestedQueryCost"));
    r->actual = json_number_value(json_object_get(cost, "actualQueryCost"));
    if (r->requested > 0 && c->est > 0) {
        double f = r->requested / c->est;
        s->learned[c->op] = f < 0.25 ? 0.25 : f > 8 ? 8 : f;
    }
    if (!json_is_object(ts)) return;
    double max = json_number_value(json_object_get(ts, "maximumAvailable"));
    double cur = json_number_value(json_object_get(ts, "currentlyAvailable"));
    double rate = json_number_value(json_object_get(ts, "restoreRate"));
    if (max <= 0 || rate <= 0) return;
    s->bucket_known = 1;
    s->max = max;
    s->restore = rate;
    /* Calls still in flight were not charged in this report for all we know:
     * count them as spent (pessimistic, corrected by their own answers). */
    s->avail = cur - s->in_flight_cost;
    s->at_ms = now(s);
    gql_rate_hint(s);
}

static void pump(struct shopify *s);

static void on_http(void *arg, const struct hub_http_response *resp)
{
    struct gql_call *c = arg;
    struct shopify *s = c->s;
    s->in_flight--;
    s->in_flight_cost -= c->cost;
    if (s->in_flight_cost < 0 || s->in_flight == 0) s->in_flight_cost = 0;
    struct gql_result r = {.status = resp->status, .dry_run = resp->dry_run};
    if (resp->dry_run) {
        r.ok = 1;
        finish(c, &r);
        pump(s);
        return;
    }
    if (resp->status == 0) {
        r.transient = 1;
        snprintf(r.error, sizeof r.error, "Shopify unreachable: %s", resp->error ? resp->error : "transport error");
        finish(c, &r);
        pump(s);
        return;
    }
    json_error_t jerr;
    json_t *body = resp->body_len ? json_loadb(resp->body, resp->body_len, 0, &jerr) : NULL;
    r.body = body;
    if (body) read_cost(s, c, body, &r);
    if (resp->status == 401 || resp->status == 403) {
        r.auth = 1;
        r.retry_after_ms = (uint32_t)s->auth_pause_ms;
        json_t *e = json_object_get(body, "errors");
        snprintf(r.error, sizeof r.error,
                 "Shopify refused the access token (HTTP %d: %s); renew access_token - next try in %llu s",
                 resp->status, json_is_string(e) ? json_string_value(e) : "no detail",
                 (unsigned long long)(s->auth_pause_ms / 1000));
        uint64_t t = now(s);
        if (s->auth_failed_until <= t) /* one ERROR per pause, not one per call */
            s->host->log(s->inst, HUB_LOG_ERROR, "shopify: %s", r.error);
        s->auth_failed_until = t + s->auth_pause_ms;
        snprintf(s->auth_error, sizeof s->auth_error, "%s", r.error);
        shopify_metric(s, "auth_failures", 1);
        finish(c, &r);
        json_decref(body);
        pump(s);
        return;
    }
    json_t *errors = json_object_get(body, "errors");
    int throttled = 0;
    size_t i;
    json_t *e;
    json_array_foreach(errors, i, e) {
        const char *code = json_string_value(json_object_get(json_object_get(e, "extensions"), "code"));
        if (code && strcmp(code, "THROTTLED") == 0) throttled = 1;
    }
    if (throttled || resp->status == 429) {
        r.throttled = throttled;
        r.transient = 1;
        uint32_t wait = retry_after_header(resp);
        if (throttled && s->bucket_known) {
            double need = (r.requested > 0 ? r.requested : c->cost) - bucket_now(s, now(s));
            uint32_t w = need > 0 ? (uint32_t)ceil(need * 1000.0 / s->restore) : 0;
            if (w > wait) wait = w;
        }
        r.retry_after_ms = wait ? wait : 1000; /* the official client's default */
        snprintf(r.error, sizeof r.error, "Shopify throttled the call (HTTP %d); retry in %u ms", resp->status,
                 r.retry_after_ms);
        shopify_metric(s, "throttled", 1);
    } else if (resp->status >= 500) {
        r.transient = 1;
        r.retry_after_ms = retry_after_header(resp);
        snprintf(r.error, sizeof r.error, "Shopify HTTP %d%s%.200s", resp->status, resp->body_len ? ": " : "",
                 resp->body_len ? resp->body : "");
    } else if (resp->status >= 300) {
        snprintf(r.error, sizeof r.error, "Shopify HTTP %d: %.300s", resp->status,
                 resp->body_len ? resp->body : "(empty body)");
    } else if (!body) {
        r.transient = 1; /* a cut or garbled answer: try again */
        snprintf(r.error, sizeof r.error, "Shopify answered HTTP %d with a body that is not JSON", resp->status);
    } else if (json_array_size(errors) > 0) {
        const char *msg = json_string_value(json_object_get(json_array_get(errors, 0), "message"));
        snprintf(r.error, sizeof r.error, "Shopify: %s", msg ? msg : "request failed");
    } else if (!json_is_object(json_object_get(body, "data"))) {
        r.transient = 1;
        snprintf(r.error, sizeof r.error, "Shopify answered without data");
    } else {
        r.ok = 1;
        r.data = json_object_get(body, "data");
    }
    shopify_metric(s, "cost_points", r.actual > 0 ? r.actual : 0);
    finish(c, &r);
    json_decref(body);
    pump(s);
}

static void send_call(struct shopify *s, struct gql_call *c)
{
    char *token = s->host->secret(s->inst, "access_token");
    if (!token) {
        fail_now(c, 1, (uint32_t)s->auth_pause_ms, 1, "the access_token secret cannot be resolved (see the log)");
        return;
    }
    struct hub_header headers[] = {
        {"Content-Type", "application/json"},
        {"Accept", "application/json"},
        {"X-Shopify-Access-Token", token},
    };
    struct hub_http_request req = {.method = "POST", .url = s->url, .headers = headers, .n_headers = 3,
                                   .body = c->body, .body_len = c->len, .timeout_ms = s->timeout_ms};
    s->in_flight++;
    s->in_flight_cost += c->cost;
    int rc = s->host->http(s->inst, &req, on_http, c);
    s->host->free_secret(token);
    if (rc != 0) {
        s->in_flight--;
        s->in_flight_cost -= c->cost;
        fail_now(c, 1, 0, 0, "the request could not be started (channel paused or stopping)");
    }
}

static void gate_fire(void *arg)
{
    struct shopify *s = arg;
    uint64_t id = s->gate_timer;
    s->gate_timer = 0;
    s->host->timer_stop(s->inst, id); /* one-shot: release it */
    pump(s);
}

/* Send queued calls in order while the bucket holds their cost. */
static void pump(struct shopify *s)
{
    while (s->gate_head && !s->stopped) {
        struct gql_call *c = s->gate_head;
        uint64_t wait = 0, t = now(s);
        uint64_t auth = gql_auth_wait(s);
        if (auth) {
            s->gate_head = c->next;
            if (!s->gate_head) s->gate_tail = NULL;
            fail_now(c, 1, (uint32_t)auth, 1, s->auth_error);
            continue;
        }
        if (!s->bucket_known) {
            if (s->in_flight > 0) return; /* learn the bucket from the first answer */
        } else {
            double have = bucket_now(s, t);
            if (have < c->cost) wait = (uint64_t)ceil((c->cost - have) * 1000.0 / s->restore);
        }
        if (wait > 0) {
            if (!s->gate_timer) {
                s->gate_timer = s->host->timer_start(s->inst, wait, 0, gate_fire, s);
                shopify_metric(s, "gate_waits", 1);
            }
            return;
        }
        s->gate_head = c->next;
        if (!s->gate_head) s->gate_tail = NULL;
        if (s->bucket_known) {
            s->avail = bucket_now(s, t) - c->cost; /* reserved until the answer says */
            s->at_ms = t;
        }
        send_call(s, c);
    }
}

void gql_call(struct shopify *s, enum gql_op op, const char *query, json_t *variables, double est_cost,
              gql_done_fn done, void *arg)
{
    struct gql_call *c = calloc(1, sizeof *c);
    json_t *req = json_pack("{s:s, s:o}", "query", query, "variables", variables ? variables : json_object());
    char *body = req ? json_dumps(req, JSON_COMPACT) : NULL;
    json_decref(req);
    if (!c || !body) {
        struct gql_result r = {.transient = 1};
        snprintf(r.error, sizeof r.error, "out of memory");
        free(c);
        free(body);
        done(s, arg, &r);
        return;
    }
    c->s = s;
    c->op = op;
    c->body = body;
    c->len = strlen(body);
    c->est = est_cost;
    c->cost = est_cost * s->learned[op];
    if (c->cost > SHOPIFY_QUERY_MAX_COST) c->cost = SHOPIFY_QUERY_MAX_COST;
    if (s->bucket_known && c->cost > s->max) c->cost = s->max;
    c->done = done;
    c->arg = arg;
    if (s->stopped) {
        fail_now(c, 1, 0, 0, "the channel is stopping");
        return;
    }
    if (s->host->mode(s->inst) == HUB_MODE_DRY_RUN) { /* nothing leaves: no gate */
        send_call(s, c);
        return;
    }
    if (s->gate_tail) s->gate_tail->next = c;
    else s->gate_head = c;
    s->gate_tail = c;
    pump(s);
}

void gql_stop(struct shopify *s)
{
    if (s->gate_timer) {
        s->host->timer_stop(s->inst, s->gate_timer);
        s->gate_timer = 0;
    }
    while (s->gate_head) {
        struct gql_call *c = s->gate_head;
        s->gate_head = c->next;
        if (!s->gate_head) s->gate_tail = NULL;
        fail_now(c, 1, 0, 0, "the channel is stopping");
    }
}
